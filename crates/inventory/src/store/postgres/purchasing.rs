//! Purchase orders on PostgreSQL. Every change locks the order's row first (`FOR UPDATE`), so
//! two receipts of one order run one after the other and the second sees what the first
//! brought in: together they can never exceed what was ordered (the line's CHECK is the last
//! line of defence). Product rows are then updated in product-id order, the order
//! reservations lock them in, so purchasing and orders cannot deadlock.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use contracts::ProductId;
use kernel::{idempotency::Outcome, outbox::Actor, pagination::PageRequest, time::now, Result};
use sqlx::PgConnection;
use uuid::Uuid;

use super::{record, PgStore};
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

async fn load_many(
    conn: &mut PgConnection,
    heads: Vec<HeadParts>,
    currency: &str,
) -> Result<Vec<PurchaseOrder>> {
    let ids: Vec<Uuid> = heads.iter().map(|h| h.id).collect();
    let lines = sqlx::query_as!(
        LineParts,
        "SELECT purchase_order_id, product_id, sku, name, quantity_ordered, quantity_received, unit_cost_cents
         FROM purchase_order_lines WHERE purchase_order_id = ANY($1) ORDER BY purchase_order_id, line_no",
        &ids,
    )
    .fetch_all(&mut *conn)
    .await?;
    let events = sqlx::query_as!(
        EventParts,
        "SELECT purchase_order_id, status, at, by_user, note FROM purchase_order_history
         WHERE purchase_order_id = ANY($1) ORDER BY at, id",
        &ids,
    )
    .fetch_all(&mut *conn)
    .await?;
    assemble(heads, lines, events, currency)
}

async fn load(conn: &mut PgConnection, id: Uuid, currency: &str) -> Result<Option<PurchaseOrder>> {
    let head = sqlx::query_as!(
        HeadParts,
        "SELECT o.id, o.number, o.supplier_id, s.name AS supplier_name, o.status, o.expected_at, o.note,
             o.created_by, o.created_at, o.updated_at
         FROM purchase_orders o JOIN suppliers s ON s.id = o.supplier_id WHERE o.id = $1",
        id,
    )
    .fetch_optional(&mut *conn)
    .await?;
    let Some(head) = head else { return Ok(None) };
    Ok(load_many(conn, vec![head], currency).await?.pop())
}

/// Locks the order's row until the transaction ends, then reads it.
async fn load_locked(conn: &mut PgConnection, id: Uuid, currency: &str) -> Result<PurchaseOrder> {
    sqlx::query_scalar!(
        "SELECT id FROM purchase_orders WHERE id = $1 FOR UPDATE",
        id
    )
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(po_not_found)?;
    load(conn, id, currency).await?.ok_or_else(po_not_found)
}

async fn history(
    conn: &mut PgConnection,
    id: Uuid,
    status: PoStatus,
    by: &str,
    note: Option<&str>,
    at: DateTime<Utc>,
) -> Result<()> {
    sqlx::query!(
        "INSERT INTO purchase_order_history (id, purchase_order_id, status, at, by_user, note)
         VALUES ($1, $2, $3, $4, $5, $6)",
        Uuid::now_v7(),
        id,
        status.as_str(),
        at,
        by,
        note,
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

async fn check_supplier(conn: &mut PgConnection, id: Uuid) -> Result<()> {
    sqlx::query_scalar!(r#"SELECT 1 AS "one!" FROM suppliers WHERE id = $1"#, id)
        .fetch_optional(&mut *conn)
        .await?
        .map(|_| ())
        .ok_or_else(unknown_supplier)
}

/// Writes `lines` as the order's lines, with each product's SKU and name as they are now and
/// its cost where the line names none; 422 for products that are unknown or archived.
async fn write_lines(conn: &mut PgConnection, id: Uuid, lines: &[NewLine]) -> Result<()> {
    let ids: Vec<Uuid> = lines.iter().map(|l| l.product_id.as_uuid()).collect();
    let products = sqlx::query!(
        "SELECT id, sku, name, cost_cents FROM products WHERE id = ANY($1) AND active",
        &ids,
    )
    .fetch_all(&mut *conn)
    .await?;
    let missing: Vec<usize> = (0..lines.len())
        .filter(|i| !products.iter().any(|p| p.id == ids[*i]))
        .collect();
    if !missing.is_empty() {
        return Err(unknown_products(&missing));
    }
    for (i, line) in lines.iter().enumerate() {
        let Some(p) = products.iter().find(|p| p.id == ids[i]) else {
            return Err(unknown_products(&[i]));
        };
        sqlx::query!(
            "INSERT INTO purchase_order_lines (purchase_order_id, line_no, product_id, sku, name,
                 quantity_ordered, quantity_received, unit_cost_cents)
             VALUES ($1, $2, $3, $4, $5, $6, 0, $7)",
            id,
            i as i64,
            p.id,
            p.sku,
            p.name,
            line.quantity,
            line.unit_cost_cents.or(p.cost_cents),
        )
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

async fn insert(conn: &mut PgConnection, new: &NewPurchaseOrder) -> Result<Uuid> {
    check_supplier(conn, new.supplier_id).await?;
    let id = Uuid::now_v7();
    let at = now();
    sqlx::query!(
        "INSERT INTO purchase_orders (id, supplier_id, status, expected_at, note, created_by, created_at, updated_at)
         VALUES ($1, $2, 'draft', $3, $4, $5, $6, $6)",
        id,
        new.supplier_id,
        new.expected_at,
        new.note,
        new.created_by,
        at,
    )
    .execute(&mut *conn)
    .await?;
    write_lines(conn, id, &new.lines).await?;
    history(conn, id, PoStatus::Draft, &new.created_by, None, at).await?;
    Ok(id)
}

/// Moves each product's `on_order` (and for a receipt `on_hand`, with its ledger row); each
/// product's stock as it left it.
async fn apply(
    conn: &mut PgConnection,
    order: &PurchaseOrder,
    effects: &[LineEffect],
    receipt: Option<&NewReceipt>,
    at: DateTime<Utc>,
) -> Result<Vec<Stocked>> {
    let mut stocked = Vec::with_capacity(effects.len());
    for e in effects {
        let row = sqlx::query!(
            "UPDATE products SET on_hand = on_hand + $2, on_order = on_order + $3, updated_at = $4
             WHERE id = $1 RETURNING on_hand, reserved",
            e.product_id.as_uuid(),
            e.received,
            e.on_order_delta,
            at,
        )
        .fetch_one(&mut *conn)
        .await?;
        stocked.push(Stocked {
            effect: *e,
            on_hand: row.on_hand,
            reserved: row.reserved,
        });
        let Some(receipt) = receipt else { continue };
        sqlx::query!(
            "UPDATE purchase_order_lines SET quantity_received = quantity_received + $3
             WHERE purchase_order_id = $1 AND product_id = $2",
            order.id,
            e.product_id.as_uuid(),
            e.received,
        )
        .execute(&mut *conn)
        .await?;
        sqlx::query!(
            "INSERT INTO movements (id, product_id, reason, on_hand_delta, reserved_delta, on_hand_after,
                 reserved_after, order_id, purchase_order_id, user_id, note, created_at)
             VALUES ($1, $2, 'received', $3, 0, $4, $5, NULL, $6, $7, $8, $9)",
            Uuid::now_v7(),
            e.product_id.as_uuid(),
            e.received,
            row.on_hand,
            row.reserved,
            order.id,
            receipt.user_id,
            receipt_note(&order.number, receipt.note.as_deref()),
            at,
        )
        .execute(&mut *conn)
        .await?;
    }
    Ok(stocked)
}

async fn set_status(
    conn: &mut PgConnection,
    id: Uuid,
    status: PoStatus,
    expected_at: Option<DateTime<Utc>>,
    at: DateTime<Utc>,
) -> Result<()> {
    sqlx::query!(
        "UPDATE purchase_orders SET status = $2, expected_at = $3, updated_at = $4 WHERE id = $1",
        id,
        status.as_str(),
        expected_at,
        at,
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

#[async_trait]
impl PurchasingStore for PgStore {
    async fn create_purchase_order(
        &self,
        once: Once<'_>,
        new: &NewPurchaseOrder,
        actor: &Actor,
    ) -> Result<Outcome<PurchaseOrder>> {
        self.once(once, async |conn: &mut PgConnection| {
            let id = insert(conn, new).await?;
            let order = load(conn, id, self.currency.as_str())
                .await?
                .ok_or_else(po_not_found)?;
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
        self.once(once, async |conn: &mut PgConnection| {
            let mut created = Vec::with_capacity(new.len());
            for draft in new {
                let id = insert(conn, draft).await?;
                let order = load(conn, id, self.currency.as_str())
                    .await?
                    .ok_or_else(po_not_found)?;
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
        let heads = sqlx::query_as!(
            HeadParts,
            "SELECT o.id, o.number, o.supplier_id, s.name AS supplier_name, o.status, o.expected_at, o.note,
                 o.created_by, o.created_at, o.updated_at
             FROM purchase_orders o JOIN suppliers s ON s.id = o.supplier_id
             WHERE ($1::text IS NULL OR o.status = $1)
               AND ($2::uuid IS NULL OR o.supplier_id = $2)
               AND ($3::timestamptz IS NULL OR (o.created_at, o.id) < ($3, $4))
             ORDER BY o.created_at DESC, o.id DESC LIMIT $5",
            filter.status.map(PoStatus::as_str),
            filter.supplier_id,
            page.after_time(),
            page.after_id(),
            page.fetch(),
        )
        .fetch_all(&mut *conn)
        .await?;
        load_many(&mut conn, heads, self.currency.as_str()).await
    }

    async fn update_purchase_order(
        &self,
        id: Uuid,
        patch: &PoPatch,
        _by: &str,
    ) -> Result<PurchaseOrder> {
        let mut tx = self.pool.begin().await?;
        let current = load_locked(&mut tx, id, self.currency.as_str()).await?;
        check_editable(current.status)?;
        if let Some(supplier) = patch.supplier_id {
            check_supplier(&mut tx, supplier).await?;
        }
        sqlx::query!(
            "UPDATE purchase_orders SET supplier_id = $2, expected_at = $3, note = $4, updated_at = $5
             WHERE id = $1",
            id,
            patch.supplier_id.unwrap_or(current.supplier_id),
            patch.expected_at.unwrap_or(current.expected_at),
            patch.note.clone().unwrap_or(current.note),
            now(),
        )
        .execute(&mut *tx)
        .await?;
        if let Some(lines) = &patch.lines {
            sqlx::query!(
                "DELETE FROM purchase_order_lines WHERE purchase_order_id = $1",
                id
            )
            .execute(&mut *tx)
            .await?;
            write_lines(&mut tx, id, lines).await?;
        }
        let order = load(&mut tx, id, self.currency.as_str())
            .await?
            .ok_or_else(po_not_found)?;
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
        let current = load_locked(&mut tx, id, self.currency.as_str()).await?;
        let to = current.status.transition(step.target())?;
        let at = now();
        let expected_at = match (step, current.expected_at) {
            (PoStep::Order, None) => {
                let lead = sqlx::query_scalar!(
                    "SELECT lead_time_days FROM suppliers WHERE id = $1",
                    current.supplier_id
                )
                .fetch_one(&mut *tx)
                .await?;
                Some(expected_from_lead_time(at, lead))
            }
            (_, expected) => expected,
        };
        let effects = on_order_effects(current.status, to, &line_states(&current));
        apply(&mut tx, &current, &effects, None, at).await?;
        set_status(&mut tx, id, to, expected_at, at).await?;
        history(&mut tx, id, to, by, note, at).await?;
        let order = load(&mut tx, id, self.currency.as_str())
            .await?
            .ok_or_else(po_not_found)?;
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
        self.once(once, async |conn: &mut PgConnection| {
            let current = load_locked(conn, id, self.currency.as_str()).await?;
            let (effects, to) =
                plan_receipt(current.status, &line_states(&current), &receipt.lines)?;
            let at = now();
            let stocked = apply(conn, &current, &effects, Some(receipt), at).await?;
            set_status(conn, id, to, current.expected_at, at).await?;
            let summary = receipt_summary(&current, &effects, receipt.note.as_deref());
            history(conn, id, to, &receipt.user_id, Some(&summary), at).await?;
            let order = load(conn, id, self.currency.as_str())
                .await?
                .ok_or_else(po_not_found)?;
            record(conn, receipt_events(&order, &stocked, receipt, actor)).await?;
            Ok(order)
        })
        .await
    }

    async fn restock_facts(&self, ids: &[ProductId]) -> Result<Vec<RestockFacts>> {
        let ids: Vec<Uuid> = ids.iter().map(|id| id.as_uuid()).collect();
        let rows = sqlx::query!(
            r#"SELECT p.id, p.sku, p.name, p.supplier_id, p.on_hand - p.reserved AS "available!", p.on_order,
                      p.reorder_point, p.reorder_quantity,
                      COALESCE((SELECT SUM(l.quantity_ordered) FROM purchase_order_lines l
                                  JOIN purchase_orders o ON o.id = l.purchase_order_id
                                 WHERE l.product_id = p.id AND o.status = 'draft'), 0)::bigint AS "on_drafts!"
               FROM products p
               WHERE p.active AND (cardinality($1::uuid[]) = 0 OR p.id = ANY($1))
               ORDER BY p.sku"#,
            &ids,
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| RestockFacts {
                product_id: ProductId(r.id),
                sku: r.sku,
                name: r.name,
                supplier_id: r.supplier_id,
                available: r.available,
                on_order: r.on_order,
                on_drafts: r.on_drafts,
                reorder_point: r.reorder_point,
                reorder_quantity: r.reorder_quantity,
            })
            .collect())
    }
}
