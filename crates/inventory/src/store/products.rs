//! The catalogue: products, their search, edits and bulk import.

use kernel::{
    error::is_unique_violation,
    legacy::db::Args,
    time::now_db,
    AppError, Result,
    {legacy::pagination::PageQuery, pagination::PageRequest},
};
use sqlx::{AnyConnection, Row};
use uuid::Uuid;

use super::{LedgerEntry, Store, PRODUCT_COLUMNS};
use crate::{
    domain::Reason,
    model::{Product, StockLevel, Summary},
};

/// A validated new product.
#[derive(Debug, Clone)]
pub struct NewProduct {
    pub sku: String,
    pub name: String,
    pub description: String,
    pub category: String,
    pub supplier_id: Option<Uuid>,
    pub price_cents: i64,
    pub reorder_point: i64,
    pub reorder_quantity: i64,
    pub initial_stock: i64,
    pub active: bool,
}

/// Validated changes; `None` leaves a field as it is.
#[derive(Debug, Default)]
pub struct ProductPatch {
    pub name: Option<String>,
    pub description: Option<String>,
    pub category: Option<String>,
    pub supplier_id: Option<Option<Uuid>>,
    pub price_cents: Option<i64>,
    pub reorder_point: Option<i64>,
    pub reorder_quantity: Option<i64>,
    pub active: Option<bool>,
}

#[derive(Debug, Default)]
pub struct ProductFilter {
    pub q: Option<String>,
    pub category: Option<String>,
    pub low_stock: Option<bool>,
    /// `None`: active and archived alike.
    pub active: Option<bool>,
}

fn duplicate_sku(sku: &str) -> AppError {
    AppError::conflict(
        "duplicate-sku",
        "Duplicate SKU",
        format!("a product with SKU {sku} already exists"),
    )
}

/// `LIKE` pattern matching `text` anywhere, with the wildcards in `text` taken literally.
fn contains_pattern(text: &str) -> String {
    let escaped = text
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

impl Store {
    pub async fn supplier_exists(&self, id: Uuid) -> Result<bool> {
        Ok(sqlx::query("SELECT 1 AS one FROM suppliers WHERE id = $1")
            .bind(id.to_string())
            .fetch_optional(&self.db.pool)
            .await?
            .is_some())
    }

    /// A product may name only a supplier that exists: 422 on `supplier_id` otherwise.
    pub async fn check_supplier(&self, supplier: Option<Uuid>) -> Result<()> {
        match supplier {
            Some(id) if !self.supplier_exists(id).await? => Err(AppError::validation(
                "supplier_id",
                "no supplier with this id",
            )),
            _ => Ok(()),
        }
    }

    /// Adds a product inside the caller's transaction (see [`Store::once`]).
    pub async fn create_product(
        &self,
        conn: &mut AnyConnection,
        new: &NewProduct,
        user_id: &str,
    ) -> Result<Product> {
        let product = insert_product(conn, new, user_id).await?;
        self.product(&product)
    }

    pub async fn get_product(&self, id: Uuid) -> Result<Option<Product>> {
        let row = sqlx::query(&format!(
            "SELECT {PRODUCT_COLUMNS} FROM products WHERE id = $1"
        ))
        .bind(id.to_string())
        .fetch_optional(&self.db.pool)
        .await?;
        row.map(|r| self.product(&r)).transpose()
    }

    /// Newest first, filtered.
    pub async fn list_products(
        &self,
        filter: &ProductFilter,
        page: &PageRequest,
    ) -> Result<Vec<Product>> {
        let mut query = PageQuery::default();
        if let Some(q) = filter.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
            let sku = query.args.text(contains_pattern(&q.to_ascii_uppercase()));
            let name = query.args.text(contains_pattern(&q.to_lowercase()));
            query.filter(format!(
                "(sku LIKE {sku} ESCAPE '\\' OR LOWER(name) LIKE {name} ESCAPE '\\')"
            ));
        }
        if let Some(category) = &filter.category {
            let category = query.args.text(category.clone());
            query.filter(format!("category = {category}"));
        }
        match filter.low_stock {
            Some(true) => query.filter("on_hand - reserved <= reorder_point"),
            Some(false) => query.filter("on_hand - reserved > reorder_point"),
            None => {}
        }
        if let Some(active) = filter.active {
            let active = query.args.int(active as i64);
            query.filter(format!("active = {active}"));
        }
        let (sql, args) =
            query.finish(&format!("SELECT {PRODUCT_COLUMNS} FROM products"), "", page);
        let rows = args.bind(&sql).fetch_all(&self.db.pool).await?;
        rows.iter().map(|r| self.product(r)).collect()
    }

    /// Applies `patch` if the product is still at `expected_version` (when given).
    pub async fn update_product(
        &self,
        id: Uuid,
        patch: ProductPatch,
        expected_version: Option<i64>,
    ) -> Result<Product> {
        let mut tx = self.db.pool.begin().await?;
        let current = fetch_for_update(&mut tx, self, id).await?;
        check_version(&current, expected_version)?;
        if patch.active == Some(false) && current.reserved > 0 {
            return Err(open_reservations(current.reserved));
        }
        let supplier_id = patch.supplier_id.unwrap_or(current.supplier_id);
        let row = sqlx::query(&format!(
            "UPDATE products SET name = $3, description = $4, category = $5, supplier_id = $6, price_cents = $7,
                 reorder_point = $8, reorder_quantity = $9, active = $10, version = version + 1, updated_at = $11
             WHERE id = $1 AND version = $2 AND ($10 = 1 OR reserved = 0) RETURNING {PRODUCT_COLUMNS}"
        ))
        .bind(id.to_string())
        .bind(current.version)
        .bind(patch.name.unwrap_or(current.name))
        .bind(patch.description.unwrap_or(current.description))
        .bind(patch.category.unwrap_or(current.category))
        .bind(supplier_id.map(|s| s.to_string()))
        .bind(patch.price_cents.unwrap_or(current.price_cents))
        .bind(patch.reorder_point.unwrap_or(current.reorder_point))
        .bind(patch.reorder_quantity.unwrap_or(current.reorder_quantity))
        .bind(patch.active.unwrap_or(current.active) as i64)
        .bind(now_db())
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            // Lost a race: either an edit (version) or a reservation (archiving) came first.
            let now = fetch_for_update(&mut tx, self, id).await?;
            return Err(if now.version != current.version {
                stale(now.version)
            } else {
                open_reservations(now.reserved)
            });
        };
        tx.commit().await?;
        self.product(&row)
    }

    /// Everything, oldest first, for the CSV export.
    pub async fn all_products(&self) -> Result<Vec<Product>> {
        let rows = sqlx::query(&format!(
            "SELECT {PRODUCT_COLUMNS} FROM products ORDER BY created_at, id"
        ))
        .fetch_all(&self.db.pool)
        .await?;
        rows.iter().map(|r| self.product(r)).collect()
    }

    /// Creates new SKUs and updates existing ones, all in the caller's one transaction.
    pub async fn import(
        &self,
        conn: &mut AnyConnection,
        rows: &[NewProduct],
        user_id: &str,
    ) -> Result<(usize, usize)> {
        let (mut created, mut updated) = (0, 0);
        for new in rows {
            let changed = sqlx::query(
                "UPDATE products SET name = $2, description = $3, category = $4, supplier_id = $5, price_cents = $6,
                     reorder_point = $7, reorder_quantity = $8, active = $9, version = version + 1, updated_at = $10
                 WHERE sku = $1",
            )
            .bind(&new.sku)
            .bind(&new.name)
            .bind(&new.description)
            .bind(&new.category)
            .bind(new.supplier_id.map(|s| s.to_string()))
            .bind(new.price_cents)
            .bind(new.reorder_point)
            .bind(new.reorder_quantity)
            .bind(new.active as i64)
            .bind(now_db())
            .execute(&mut *conn)
            .await?
            .rows_affected();
            if changed == 0 {
                insert_product(conn, new, user_id).await?;
                created += 1;
            } else {
                updated += 1;
            }
        }
        Ok((created, updated))
    }

    /// Active products whose available stock is at or below their reorder point.
    pub async fn low_stock(&self) -> Result<Vec<Product>> {
        let rows = sqlx::query(&format!(
            "SELECT {PRODUCT_COLUMNS} FROM products WHERE active = 1 AND on_hand - reserved <= reorder_point
             ORDER BY on_hand - reserved - reorder_point, sku LIMIT 500"
        ))
        .fetch_all(&self.db.pool)
        .await?;
        rows.iter().map(|r| self.product(r)).collect()
    }

    pub async fn summary(&self) -> Result<Summary> {
        // PostgreSQL sums BIGINT as NUMERIC, which `Any` cannot read: cast back on both.
        let row = sqlx::query(
            "SELECT CAST(COUNT(*) AS BIGINT) AS products,
                    CAST(COALESCE(SUM(active), 0) AS BIGINT) AS active_products,
                    CAST(COALESCE(SUM(on_hand), 0) AS BIGINT) AS units_on_hand,
                    CAST(COALESCE(SUM(reserved), 0) AS BIGINT) AS units_reserved,
                    CAST(COALESCE(SUM(on_hand * price_cents), 0) AS BIGINT) AS stock_value_cents,
                    CAST(COALESCE(SUM(CASE WHEN active = 1 AND on_hand - reserved <= reorder_point THEN 1 ELSE 0 END), 0)
                         AS BIGINT) AS low_stock
             FROM products",
        )
        .fetch_one(&self.db.pool)
        .await?;
        let int = |c: &str| -> Result<i64> { Ok(row.try_get(c)?) };
        Ok(Summary {
            products: int("products")?,
            active_products: int("active_products")?,
            units_on_hand: int("units_on_hand")?,
            units_reserved: int("units_reserved")?,
            stock_value_cents: int("stock_value_cents")?,
            low_stock: int("low_stock")?,
            currency: self.currency.clone(),
        })
    }

    /// Stock levels with supplier lead times; all active products when `ids` is empty.
    pub async fn stock_levels(&self, ids: &[Uuid]) -> Result<Vec<StockLevel>> {
        let mut args = Args::default();
        let filter = if ids.is_empty() {
            "p.active = 1".to_string()
        } else {
            let list: Vec<String> = ids.iter().map(|id| args.text(id.to_string())).collect();
            format!("p.id IN ({})", list.join(", "))
        };
        let sql = format!(
            "SELECT p.id, p.sku, p.name, p.category, p.price_cents, p.on_hand, p.reserved, p.reorder_point,
                    p.reorder_quantity, p.active, s.lead_time_days
             FROM products p LEFT JOIN suppliers s ON s.id = p.supplier_id WHERE {filter} ORDER BY p.sku"
        );
        let rows = args.bind(&sql).fetch_all(&self.db.pool).await?;
        rows.iter()
            .map(|r| {
                let (on_hand, reserved): (i64, i64) =
                    (r.try_get("on_hand")?, r.try_get("reserved")?);
                Ok(StockLevel {
                    product_id: super::uuid(r, "id")?,
                    sku: r.try_get("sku")?,
                    name: r.try_get("name")?,
                    category: r.try_get("category")?,
                    price_cents: r.try_get("price_cents")?,
                    on_hand,
                    reserved,
                    available: on_hand - reserved,
                    reorder_point: r.try_get("reorder_point")?,
                    reorder_quantity: r.try_get("reorder_quantity")?,
                    lead_time_days: r.try_get("lead_time_days")?,
                    active: r.try_get::<i64, _>("active")? != 0,
                })
            })
            .collect()
    }
}

async fn insert_product(
    conn: &mut AnyConnection,
    new: &NewProduct,
    user_id: &str,
) -> Result<sqlx::any::AnyRow> {
    let id = Uuid::now_v7().to_string();
    let now = now_db();
    let inserted = sqlx::query(&format!(
        "INSERT INTO products (id, sku, name, description, category, supplier_id, price_cents, on_hand, reserved,
             reorder_point, reorder_quantity, active, version, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0, $9, $10, $11, 1, $12, $12) RETURNING {PRODUCT_COLUMNS}"
    ))
    .bind(&id)
    .bind(&new.sku)
    .bind(&new.name)
    .bind(&new.description)
    .bind(&new.category)
    .bind(new.supplier_id.map(|s| s.to_string()))
    .bind(new.price_cents)
    .bind(new.initial_stock)
    .bind(new.reorder_point)
    .bind(new.reorder_quantity)
    .bind(new.active as i64)
    .bind(&now)
    .fetch_one(&mut *conn)
    .await;
    let row = match inserted {
        Ok(row) => row,
        Err(e) if is_unique_violation(&e) => return Err(duplicate_sku(&new.sku)),
        Err(e) => return Err(e.into()),
    };
    if new.initial_stock > 0 {
        LedgerEntry {
            product_id: &id,
            reason: Reason::Received,
            on_hand_delta: new.initial_stock,
            reserved_delta: 0,
            on_hand_after: new.initial_stock,
            reserved_after: 0,
            order_id: None,
            user_id: Some(user_id),
            note: Some("initial stock"),
        }
        .write(conn, &now)
        .await?;
    }
    Ok(row)
}

async fn fetch_for_update(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    store: &Store,
    id: Uuid,
) -> Result<Product> {
    let row = sqlx::query(&format!(
        "SELECT {PRODUCT_COLUMNS} FROM products WHERE id = $1"
    ))
    .bind(id.to_string())
    .fetch_optional(&mut **tx)
    .await?
    .ok_or_else(|| AppError::NotFound("no product with this id".into()))?;
    store.product(&row)
}

fn check_version(current: &Product, expected: Option<i64>) -> Result<()> {
    match expected {
        Some(v) if v != current.version => Err(stale(current.version)),
        _ => Ok(()),
    }
}

fn stale(current: i64) -> AppError {
    AppError::conflict(
        "stale-version",
        "Product changed",
        format!("the product was changed by someone else (now at version {current}); reload it and try again"),
    )
}

fn open_reservations(reserved: i64) -> AppError {
    AppError::conflict(
        "open-reservations",
        "Open reservations",
        format!("{reserved} units are reserved by open orders; fulfil or cancel them first"),
    )
}
