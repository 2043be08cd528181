//! Purchase orders on SQLite. One connection runs one transaction at a time, so loading an
//! order and writing its change cannot interleave with another change; order numbers are
//! MAX + 1 inside the creating transaction for the same reason.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use contracts::ProductId;
use kernel::{
    idempotency::Outcome,
    outbox::Actor,
    pagination::PageRequest,
    time::{now, to_db},
    AppError, Result,
};
use sqlx::SqliteConnection;
use uuid::{fmt::Hyphenated, Uuid};

use super::{record, SqliteStore};
use crate::{
    events,
    purchasing::{
        check_editable, on_order_effects, plan_receipt, LineEffect, PoStatus, RestockFacts,
    },
    purchasing_model::{FromRestockResult, PurchaseOrder, SkippedProduct},
    store::{
        purchasing::{
            assemble, expected_from_lead_time, line_states, po_not_found, receipt_events,
            receipt_note, receipt_summary, unknown_products, unknown_supplier, EventParts,
            HeadParts, LineParts, Stocked,
        },
        NewLine, NewPurchaseOrder, NewReceipt, Once, PoFilter, PoPatch, PoStep, PurchasingStore,
    },
};

const HEAD: &str = "SELECT o.id, o.number, o.supplier_id, s.name AS supplier_name, o.status, \
     o.expected_at, o.note, o.created_by, o.created_at, o.updated_at \
     FROM purchase_orders o JOIN suppliers s ON s.id = o.supplier_id";

#[derive(sqlx::FromRow)]
struct HeadRow {
    id: Hyphenated,
    number: i64,
    supplier_id: Hyphenated,
    supplier_name: String,
    status: String,
    expected_at: Option<DateTime<Utc>>,
    note: Option<String>,
    created_by: String,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<HeadRow> for HeadParts {
    fn from(r: HeadRow) -> Self {
        HeadParts {
            id: r.id.into_uuid(),
            number: r.number,
            supplier_id: r.supplier_id.into_uuid(),
            supplier_name: r.supplier_name,
            status: r.status,
            expected_at: r.expected_at,
            note: r.note,
            created_by: r.created_by,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

#[derive(sqlx::FromRow)]
struct LineRow {
    purchase_order_id: Hyphenated,
    product_id: Hyphenated,
    sku: String,
    name: String,
    quantity_ordered: i64,
    quantity_received: i64,
    unit_cost_cents: Option<i64>,
}

#[derive(sqlx::FromRow)]
struct EventRow {
    purchase_order_id: Hyphenated,
    status: String,
    at: DateTime<Utc>,
    by_user: String,
    note: Option<String>,
}

#[derive(sqlx::FromRow)]
struct ProductBits {
    id: Hyphenated,
    sku: String,
    name: String,
    cost_cents: Option<i64>,
}

#[derive(sqlx::FromRow)]
struct Levels {
    on_hand: i64,
    reserved: i64,
}

#[derive(sqlx::FromRow)]
struct FactsRow {
    id: Hyphenated,
    sku: String,
    name: String,
    supplier_id: Option<Hyphenated>,
    available: i64,
    on_order: i64,
    reorder_point: i64,
    reorder_quantity: i64,
    on_drafts: i64,
}

/// The ids as one JSON array parameter: one static statement for any number of them.
fn json_ids(ids: &[Uuid]) -> Result<String> {
    let ids: Vec<String> = ids.iter().map(|id| id.hyphenated().to_string()).collect();
    serde_json::to_string(&ids).map_err(AppError::internal)
}

async fn load_many(
    conn: &mut SqliteConnection,
    heads: Vec<HeadParts>,
    currency: &str,
) -> Result<Vec<PurchaseOrder>> {
    let ids = json_ids(&heads.iter().map(|h| h.id).collect::<Vec<_>>())?;
    let lines = sqlx::query_as::<_, LineRow>(
        "SELECT purchase_order_id, product_id, sku, name, quantity_ordered, quantity_received, unit_cost_cents
         FROM purchase_order_lines WHERE purchase_order_id IN (SELECT value FROM json_each(?1))
         ORDER BY purchase_order_id, line_no",
    )
    .bind(&ids)
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .map(|r| LineParts {
        purchase_order_id: r.purchase_order_id.into_uuid(),
        product_id: r.product_id.into_uuid(),
        sku: r.sku,
        name: r.name,
        quantity_ordered: r.quantity_ordered,
        quantity_received: r.quantity_received,
        unit_cost_cents: r.unit_cost_cents,
    })
    .collect();
    let events = sqlx::query_as::<_, EventRow>(
        "SELECT purchase_order_id, status, at, by_user, note FROM purchase_order_history
         WHERE purchase_order_id IN (SELECT value FROM json_each(?1)) ORDER BY at, id",
    )
    .bind(&ids)
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .map(|r| EventParts {
        purchase_order_id: r.purchase_order_id.into_uuid(),
        status: r.status,
        at: r.at,
        by_user: r.by_user,
        note: r.note,
    })
    .collect();
    assemble(heads, lines, events, currency)
}

async fn load(
    conn: &mut SqliteConnection,
    id: Uuid,
    currency: &str,
) -> Result<Option<PurchaseOrder>> {
    let head = sqlx::query_as::<_, HeadRow>(&format!("{HEAD} WHERE o.id = ?1"))
        .bind(id.hyphenated())
        .fetch_optional(&mut *conn)
        .await?;
    let Some(head) = head else { return Ok(None) };
    Ok(load_many(conn, vec![head.into()], currency).await?.pop())
}

async fn load_existing(
    conn: &mut SqliteConnection,
    id: Uuid,
    currency: &str,
) -> Result<PurchaseOrder> {
    load(conn, id, currency).await?.ok_or_else(po_not_found)
}

async fn history(
    conn: &mut SqliteConnection,
    id: Uuid,
    status: PoStatus,
    by: &str,
    note: Option<&str>,
    at: &str,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO purchase_order_history (id, purchase_order_id, status, at, by_user, note)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )
    .bind(Uuid::now_v7().hyphenated())
    .bind(id.hyphenated())
    .bind(status.as_str())
    .bind(at)
    .bind(by)
    .bind(note)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

async fn check_supplier(conn: &mut SqliteConnection, id: Uuid) -> Result<()> {
    sqlx::query_scalar::<_, i64>("SELECT 1 FROM suppliers WHERE id = ?1")
        .bind(id.hyphenated())
        .fetch_optional(&mut *conn)
        .await?
        .map(|_| ())
        .ok_or_else(unknown_supplier)
}

/// Writes `lines` as the order's lines, with each product's SKU and name as they are now and
/// its cost where the line names none; 422 for products that are unknown or archived.
async fn write_lines(conn: &mut SqliteConnection, id: Uuid, lines: &[NewLine]) -> Result<()> {
    let ids: Vec<Uuid> = lines.iter().map(|l| l.product_id.as_uuid()).collect();
    let products = sqlx::query_as::<_, ProductBits>(
        "SELECT id, sku, name, cost_cents FROM products
         WHERE id IN (SELECT value FROM json_each(?1)) AND active = 1",
    )
    .bind(json_ids(&ids)?)
    .fetch_all(&mut *conn)
    .await?;
    let find = |i: usize| products.iter().find(|p| p.id.into_uuid() == ids[i]);
    let missing: Vec<usize> = (0..lines.len()).filter(|i| find(*i).is_none()).collect();
    if !missing.is_empty() {
        return Err(unknown_products(&missing));
    }
    for (i, line) in lines.iter().enumerate() {
        let Some(p) = find(i) else {
            return Err(unknown_products(&[i]));
        };
        sqlx::query(
            "INSERT INTO purchase_order_lines (purchase_order_id, line_no, product_id, sku, name,
                 quantity_ordered, quantity_received, unit_cost_cents)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0, ?7)",
        )
        .bind(id.hyphenated())
        .bind(i as i64)
        .bind(p.id)
        .bind(&p.sku)
        .bind(&p.name)
        .bind(line.quantity)
        .bind(line.unit_cost_cents.or(p.cost_cents))
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

async fn insert(conn: &mut SqliteConnection, new: &NewPurchaseOrder) -> Result<Uuid> {
    check_supplier(conn, new.supplier_id).await?;
    let id = Uuid::now_v7();
    let at = to_db(now());
    sqlx::query(
        "INSERT INTO purchase_orders (id, number, supplier_id, status, expected_at, note, created_by, created_at, updated_at)
         VALUES (?1, (SELECT COALESCE(MAX(number), 0) + 1 FROM purchase_orders), ?2, 'draft', ?3, ?4, ?5, ?6, ?6)",
    )
    .bind(id.hyphenated())
    .bind(new.supplier_id.hyphenated())
    .bind(new.expected_at.map(to_db))
    .bind(&new.note)
    .bind(&new.created_by)
    .bind(&at)
    .execute(&mut *conn)
    .await?;
    write_lines(conn, id, &new.lines).await?;
    history(conn, id, PoStatus::Draft, &new.created_by, None, &at).await?;
    Ok(id)
}

/// Moves each product's `on_order` (and for a receipt `on_hand`, with its ledger row); each
/// product's stock as it left it.
async fn apply(
    conn: &mut SqliteConnection,
    order: &PurchaseOrder,
    effects: &[LineEffect],
    receipt: Option<&NewReceipt>,
    at: &str,
) -> Result<Vec<Stocked>> {
    let mut stocked = Vec::with_capacity(effects.len());
    for e in effects {
        let pid = e.product_id.as_uuid().hyphenated();
        let row = sqlx::query_as::<_, Levels>(
            "UPDATE products SET on_hand = on_hand + ?2, on_order = on_order + ?3, updated_at = ?4
             WHERE id = ?1 RETURNING on_hand, reserved",
        )
        .bind(pid)
        .bind(e.received)
        .bind(e.on_order_delta)
        .bind(at)
        .fetch_one(&mut *conn)
        .await?;
        stocked.push(Stocked {
            effect: *e,
            on_hand: row.on_hand,
            reserved: row.reserved,
        });
        let Some(receipt) = receipt else { continue };
        sqlx::query(
            "UPDATE purchase_order_lines SET quantity_received = quantity_received + ?3
             WHERE purchase_order_id = ?1 AND product_id = ?2",
        )
        .bind(order.id.hyphenated())
        .bind(pid)
        .bind(e.received)
        .execute(&mut *conn)
        .await?;
        sqlx::query(
            "INSERT INTO movements (id, product_id, reason, on_hand_delta, reserved_delta, on_hand_after,
                 reserved_after, order_id, purchase_order_id, user_id, note, created_at)
             VALUES (?1, ?2, 'received', ?3, 0, ?4, ?5, NULL, ?6, ?7, ?8, ?9)",
        )
        .bind(Uuid::now_v7().hyphenated())
        .bind(pid)
        .bind(e.received)
        .bind(row.on_hand)
        .bind(row.reserved)
        .bind(order.id.hyphenated())
        .bind(&receipt.user_id)
        .bind(receipt_note(&order.number, receipt.note.as_deref()))
        .bind(at)
        .execute(&mut *conn)
        .await?;
    }
    Ok(stocked)
}

async fn set_status(
    conn: &mut SqliteConnection,
    id: Uuid,
    status: PoStatus,
    expected_at: Option<DateTime<Utc>>,
    at: &str,
) -> Result<()> {
    sqlx::query(
        "UPDATE purchase_orders SET status = ?2, expected_at = ?3, updated_at = ?4 WHERE id = ?1",
    )
    .bind(id.hyphenated())
    .bind(status.as_str())
    .bind(expected_at.map(to_db))
    .bind(at)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

#[async_trait]
impl PurchasingStore for SqliteStore {
    async fn create_purchase_order(
        &self,
        once: Once<'_>,
        new: &NewPurchaseOrder,
        actor: &Actor,
    ) -> Result<Outcome<PurchaseOrder>> {
        self.once(once, async |conn: &mut SqliteConnection| {
            let id = insert(conn, new).await?;
            let order = load_existing(conn, id, self.currency.as_str()).await?;
            record(
                conn,
                [events::purchase_order("created", &order, None, actor)],
            )
            .await?;
            Ok(order)
        })
        .await
    }

    async fn create_purchase_orders(
        &self,
        once: Once<'_>,
        new: &[NewPurchaseOrder],
        skipped: Vec<SkippedProduct>,
        actor: &Actor,
    ) -> Result<Outcome<FromRestockResult>> {
        self.once(once, async |conn: &mut SqliteConnection| {
            let mut created = Vec::with_capacity(new.len());
            for draft in new {
                let id = insert(conn, draft).await?;
                let order = load_existing(conn, id, self.currency.as_str()).await?;
                record(
                    conn,
                    [events::purchase_order("created", &order, None, actor)],
                )
                .await?;
                created.push(order);
            }
            Ok(FromRestockResult { created, skipped })
        })
        .await
    }

    async fn get_purchase_order(&self, id: Uuid) -> Result<Option<PurchaseOrder>> {
        let mut conn = self.pool.acquire().await?;
        load(&mut conn, id, self.currency.as_str()).await
    }

    async fn list_purchase_orders(
        &self,
        filter: &PoFilter,
        page: &PageRequest,
    ) -> Result<Vec<PurchaseOrder>> {
        let mut conn = self.pool.acquire().await?;
        let heads = sqlx::query_as::<_, HeadRow>(&format!(
            "{HEAD} WHERE (?1 IS NULL OR o.status = ?1) AND (?2 IS NULL OR o.supplier_id = ?2)
               AND (?3 IS NULL OR (o.created_at, o.id) < (?3, ?4))
             ORDER BY o.created_at DESC, o.id DESC LIMIT ?5"
        ))
        .bind(filter.status.map(PoStatus::as_str))
        .bind(filter.supplier_id.map(|s| s.hyphenated()))
        .bind(page.after_time().map(to_db))
        .bind(page.after_id().map(|id| id.hyphenated()))
        .bind(page.fetch())
        .fetch_all(&mut *conn)
        .await?
        .into_iter()
        .map(HeadParts::from)
        .collect();
        load_many(&mut conn, heads, self.currency.as_str()).await
    }

    async fn update_purchase_order(
        &self,
        id: Uuid,
        patch: &PoPatch,
        _by: &str,
    ) -> Result<PurchaseOrder> {
        let mut tx = self.pool.begin().await?;
        let current = load_existing(&mut tx, id, self.currency.as_str()).await?;
        check_editable(current.status)?;
        if let Some(supplier) = patch.supplier_id {
            check_supplier(&mut tx, supplier).await?;
        }
        sqlx::query(
            "UPDATE purchase_orders SET supplier_id = ?2, expected_at = ?3, note = ?4, updated_at = ?5
             WHERE id = ?1",
        )
        .bind(id.hyphenated())
        .bind(patch.supplier_id.unwrap_or(current.supplier_id).hyphenated())
        .bind(patch.expected_at.unwrap_or(current.expected_at).map(to_db))
        .bind(patch.note.clone().unwrap_or(current.note))
        .bind(to_db(now()))
        .execute(&mut *tx)
        .await?;
        if let Some(lines) = &patch.lines {
            sqlx::query("DELETE FROM purchase_order_lines WHERE purchase_order_id = ?1")
                .bind(id.hyphenated())
                .execute(&mut *tx)
                .await?;
            write_lines(&mut tx, id, lines).await?;
        }
        let order = load_existing(&mut tx, id, self.currency.as_str()).await?;
        tx.commit().await?;
        Ok(order)
    }

    async fn step_purchase_order(
        &self,
        id: Uuid,
        step: PoStep,
        by: &str,
        note: Option<&str>,
        actor: &Actor,
    ) -> Result<PurchaseOrder> {
        let mut tx = self.pool.begin().await?;
        let current = load_existing(&mut tx, id, self.currency.as_str()).await?;
        let to = current.status.transition(step.target())?;
        let now = now();
        let at = to_db(now);
        let expected_at = match (step, current.expected_at) {
            (PoStep::Order, None) => {
                let lead = sqlx::query_scalar::<_, i64>(
                    "SELECT lead_time_days FROM suppliers WHERE id = ?1",
                )
                .bind(current.supplier_id.hyphenated())
                .fetch_one(&mut *tx)
                .await?;
                Some(expected_from_lead_time(now, lead))
            }
            (_, expected) => expected,
        };
        let effects = on_order_effects(current.status, to, &line_states(&current));
        apply(&mut tx, &current, &effects, None, &at).await?;
        set_status(&mut tx, id, to, expected_at, &at).await?;
        history(&mut tx, id, to, by, note, &at).await?;
        let order = load_existing(&mut tx, id, self.currency.as_str()).await?;
        let event = events::purchase_order(step.event(), &order, note, actor);
        record(&mut tx, [event]).await?;
        tx.commit().await?;
        Ok(order)
    }

    async fn receive_purchase_order(
        &self,
        once: Once<'_>,
        id: Uuid,
        receipt: &NewReceipt,
        actor: &Actor,
    ) -> Result<Outcome<PurchaseOrder>> {
        self.once(once, async |conn: &mut SqliteConnection| {
            let current = load_existing(conn, id, self.currency.as_str()).await?;
            let (effects, to) =
                plan_receipt(current.status, &line_states(&current), &receipt.lines)?;
            let at = to_db(now());
            let stocked = apply(conn, &current, &effects, Some(receipt), &at).await?;
            set_status(conn, id, to, current.expected_at, &at).await?;
            let summary = receipt_summary(&current, &effects, receipt.note.as_deref());
            history(conn, id, to, &receipt.user_id, Some(&summary), &at).await?;
            let order = load_existing(conn, id, self.currency.as_str()).await?;
            record(conn, receipt_events(&order, &stocked, receipt, actor)).await?;
            Ok(order)
        })
        .await
    }

    async fn restock_facts(&self, ids: &[ProductId]) -> Result<Vec<RestockFacts>> {
        let ids: Vec<Uuid> = ids.iter().map(|id| id.as_uuid()).collect();
        let rows = sqlx::query_as::<_, FactsRow>(
            "SELECT p.id, p.sku, p.name, p.supplier_id, p.on_hand - p.reserved AS available, p.on_order,
                    p.reorder_point, p.reorder_quantity,
                    COALESCE((SELECT SUM(l.quantity_ordered) FROM purchase_order_lines l
                                JOIN purchase_orders o ON o.id = l.purchase_order_id
                               WHERE l.product_id = p.id AND o.status = 'draft'), 0) AS on_drafts
             FROM products p
             WHERE p.active = 1 AND (json_array_length(?1) = 0 OR p.id IN (SELECT value FROM json_each(?1)))
             ORDER BY p.sku",
        )
        .bind(json_ids(&ids)?)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| RestockFacts {
                product_id: ProductId(r.id.into_uuid()),
                sku: r.sku,
                name: r.name,
                supplier_id: r.supplier_id.map(Hyphenated::into_uuid),
                available: r.available,
                on_order: r.on_order,
                on_drafts: r.on_drafts,
                reorder_point: r.reorder_point,
                reorder_quantity: r.reorder_quantity,
            })
            .collect())
    }
}
