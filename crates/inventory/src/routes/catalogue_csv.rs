//! Bulk catalogue import and export as CSV. An import is all rows or none: every bad row is
//! reported by its line number and nothing is written. Text cells that a spreadsheet would
//! run as a formula are exported with a leading `'`, which the import removes again
//! (see [`kernel::csv_cells`]); numbers are written as numbers.

use std::collections::{HashMap, HashSet};

use axum::{
    extract::State,
    http::{header, HeaderMap, StatusCode},
    response::{IntoResponse, Response},
};
use kernel::{auth::AuthUser, csv_cells, AppError, FieldError, Json, Result};
use uuid::Uuid;

use super::keyed::{answer, RequestKey};
use crate::{
    model::CreateProduct,
    store::{ImportReport, NewProduct, Once},
    validate, InventoryState,
};

const MAX_ROWS: usize = 50_000;
const MAX_REPORTED: usize = 200;

const EXPORT_COLUMNS: [&str; 13] = [
    "sku",
    "name",
    "description",
    "category",
    "supplier_id",
    "price_cents",
    "currency",
    "on_hand",
    "reserved",
    "available",
    "reorder_point",
    "reorder_quantity",
    "active",
];

/// Imports products from CSV (`sku,name,price_cents` required; `description, category,
/// supplier_id, reorder_point, reorder_quantity, initial_stock` (or `on_hand`), `active`
/// optional). New SKUs are created with their initial stock; existing SKUs are updated.
/// A cell starting with `'` followed by `= + - @`, TAB or CR (as the export writes formula-like
/// text) loses that `'`.
#[utoipa::path(post, path = "/api/products/import", tag = "inventory",
    request_body(content = String, content_type = "text/csv"),
    params(("Idempotency-Key" = Option<String>, Header, description = "a retry of the same file with the same key returns the first report and imports nothing again")),
    security(("bearer" = [])),
    responses((status = 200, description = "OK", body = ImportReport), (status = 422, description = "Validation failed, or the key was used for another file", body = kernel::Problem)))]
pub async fn import(
    State(state): State<InventoryState>,
    caller: AuthUser,
    headers: HeaderMap,
    body: String,
) -> Result<Response> {
    caller.require_staff()?;
    let is_csv = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().contains("csv"));
    if !is_csv {
        return Err(AppError::BadRequest(
            "send the file with Content-Type: text/csv".into(),
        ));
    }
    let key = RequestKey::bytes(
        &headers,
        &caller,
        "POST /api/products/import",
        body.as_bytes(),
    )?;
    let rows = parse(&body)?;
    let mut errors = Vec::new();
    for supplier in rows
        .iter()
        .filter_map(|(_, p)| p.supplier_id)
        .collect::<HashSet<Uuid>>()
    {
        if !state.store.supplier_exists(supplier).await? {
            rows.iter()
                .filter(|(_, p)| p.supplier_id == Some(supplier))
                .for_each(|(line, _)| {
                    errors.push(FieldError::new(
                        format!("line[{line}].supplier_id"),
                        "no supplier with this id",
                    ))
                });
        }
    }
    if !errors.is_empty() {
        return Err(rejected(errors));
    }
    let products: Vec<NewProduct> = rows.into_iter().map(|(_, p)| p).collect();
    let keyed = key.as_ref().map(RequestKey::keyed);
    let once = Once {
        keyed: keyed.as_ref(),
        success: StatusCode::OK,
    };
    let outcome = state
        .store
        .import(
            once,
            &products,
            &caller.claims.sub,
            &crate::events::actor(&caller),
        )
        .await?;
    state.relay.wake();
    Ok(answer(outcome, |report| {
        tracing::info!(
            created = report.created,
            updated = report.updated,
            "catalogue imported"
        );
        Json(report).into_response()
    }))
}

fn rejected(mut errors: Vec<FieldError>) -> AppError {
    let total = errors.len();
    errors.truncate(MAX_REPORTED);
    let mut problem = AppError::Validation(errors).to_problem();
    problem.detail = Some(format!("{total} problems found; nothing was imported"));
    AppError::Problem(Box::new(problem))
}

/// Parses and validates every row, collecting all errors before giving up.
fn parse(body: &str) -> Result<Vec<(u64, NewProduct)>> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(false)
        .from_reader(body.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| AppError::validation("line[1]", format!("cannot read the header row: {e}")))?
        .iter()
        .map(|h| h.to_ascii_lowercase())
        .collect();
    let index: HashMap<&str, usize> = headers
        .iter()
        .enumerate()
        .map(|(i, h)| (h.as_str(), i))
        .collect();
    let missing: Vec<FieldError> = ["sku", "name", "price_cents"]
        .iter()
        .filter(|c| !index.contains_key(*c))
        .map(|c| FieldError::new("line[1]", format!("the header has no {c} column")))
        .collect();
    if !missing.is_empty() {
        return Err(AppError::Validation(missing));
    }

    let mut errors = Vec::new();
    let mut rows = Vec::new();
    let mut seen: HashMap<String, u64> = HashMap::new();
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map(|p| p.line()).unwrap_or(0);
                errors.push(FieldError::new(
                    format!("line[{line}]"),
                    format!("malformed row: {e}"),
                ));
                continue;
            }
        };
        let line = record.position().map(|p| p.line()).unwrap_or(0);
        if rows.len() + errors.len() >= MAX_ROWS {
            return Err(AppError::validation(
                "body",
                format!("at most {MAX_ROWS} rows per import"),
            ));
        }
        match row(
            line,
            &Cells {
                index: &index,
                record: &record,
            },
        ) {
            Ok(product) => {
                if let Some(first) = seen.insert(product.sku.as_str().to_string(), line) {
                    errors.push(FieldError::new(
                        format!("line[{line}].sku"),
                        format!("repeats the SKU of line {first}"),
                    ));
                }
                rows.push((line, product));
            }
            Err(mut e) => errors.append(&mut e),
        }
    }
    if rows.is_empty() && errors.is_empty() {
        return Err(AppError::validation("body", "the file has no product rows"));
    }
    if errors.is_empty() {
        Ok(rows)
    } else {
        Err(rejected(errors))
    }
}

/// One CSV record, read by column name.
struct Cells<'a> {
    index: &'a HashMap<&'a str, usize>,
    record: &'a csv::StringRecord,
}

impl<'a> Cells<'a> {
    fn get(&self, name: &str) -> &'a str {
        self.index
            .get(name)
            .and_then(|&i| self.record.get(i))
            .map(csv_cells::restore)
            .unwrap_or("")
    }
}

fn row(line: u64, cells: &Cells<'_>) -> std::result::Result<NewProduct, Vec<FieldError>> {
    let cell = |name: &str| cells.get(name);
    let mut errors = Vec::new();
    let mut int = |name: &str| -> i64 {
        let text = cell(name);
        if text.is_empty() {
            return 0;
        }
        text.parse().unwrap_or_else(|_| {
            errors.push(FieldError::new(
                format!("line[{line}].{name}"),
                "must be a whole number",
            ));
            0
        })
    };
    let price_cents = if cell("price_cents").is_empty() {
        -1
    } else {
        int("price_cents")
    };
    let initial_stock = if cell("initial_stock").is_empty() {
        int("on_hand")
    } else {
        int("initial_stock")
    };
    let request = CreateProduct {
        sku: cell("sku").to_string(),
        name: cell("name").to_string(),
        description: cell("description").to_string(),
        category: cell("category").to_string(),
        supplier_id: None,
        price_cents,
        reorder_point: int("reorder_point"),
        reorder_quantity: int("reorder_quantity"),
        initial_stock,
        cost_cents: None,
    };
    let supplier_id = match cell("supplier_id") {
        "" => None,
        text => Uuid::parse_str(text)
            .map_err(|_| {
                errors.push(FieldError::new(
                    format!("line[{line}].supplier_id"),
                    "must be a supplier id",
                ))
            })
            .ok(),
    };
    let active = match cell("active").to_ascii_lowercase().as_str() {
        "" | "true" | "1" | "yes" => true,
        "false" | "0" | "no" => false,
        _ => {
            errors.push(FieldError::new(
                format!("line[{line}].active"),
                "must be true or false",
            ));
            true
        }
    };
    match validate::new_product(&request, &format!("line[{line}].")) {
        Ok(product) if errors.is_empty() => Ok(NewProduct {
            supplier_id,
            active,
            ..product
        }),
        Ok(_) => Err(errors),
        Err(mut more) => {
            errors.append(&mut more);
            Err(errors)
        }
    }
}

/// The whole catalogue as CSV, in the format the import accepts.
#[utoipa::path(get, path = "/api/products/export", tag = "inventory", security(("bearer" = [])),
    responses((status = 200, description = "CSV file", content_type = "text/csv", body = String)))]
pub async fn export(
    State(state): State<InventoryState>,
    caller: AuthUser,
) -> Result<impl IntoResponse> {
    caller.require_staff()?;
    let products = state.store.all_products().await?;
    let mut writer = csv::Writer::from_writer(Vec::with_capacity(products.len() * 96));
    writer
        .write_record(EXPORT_COLUMNS)
        .map_err(AppError::internal)?;
    // Only text cells are neutralised: the numbers are ours, digits with at most a leading
    // minus, which spreadsheets read as numbers; a `'` would turn them into text.
    let text = |cell: &str| csv_cells::neutralise(cell).into_owned();
    for p in &products {
        writer
            .write_record([
                text(&p.sku),
                text(&p.name),
                text(&p.description),
                text(&p.category),
                p.supplier_id.map(|s| s.to_string()).unwrap_or_default(),
                p.price_cents.to_string(),
                text(&p.currency),
                p.on_hand.to_string(),
                p.reserved.to_string(),
                p.available.to_string(),
                p.reorder_point.to_string(),
                p.reorder_quantity.to_string(),
                p.active.to_string(),
            ])
            .map_err(AppError::internal)?;
    }
    let bytes = writer.into_inner().map_err(AppError::internal)?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"products.csv\"",
            ),
        ],
        bytes,
    ))
}
