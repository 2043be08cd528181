//! [`InventoryStore`] on PostgreSQL: queries checked at compile time against the migrated
//! schema (`.sqlx/`), native `uuid`, `timestamptz` and `boolean`.
//!
//! A reservation takes every line or none, in one transaction. Each line is a conditional
//! `UPDATE … WHERE on_hand - reserved >= quantity` (which also takes the row lock), so stock
//! can never go below zero however many reservations race; lines are taken in product-id order
//! so concurrent multi-line reservations lock rows in the same order and cannot deadlock.

mod idempotency;
mod purchasing;
mod reserve;
mod shipping;
mod stocktake;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use contracts::{
    reservation::{Hold, Reservation, ReserveLine, ReservedLine, RestockRequest, Settlement},
    stock::{StockLevel, Summary},
    Currency, OrderId, ProductId,
};
use kernel::{
    error::is_unique_violation,
    idempotency::Outcome,
    outbox::{record_postgres, Actor, Event},
    pagination::PageRequest,
    time::now,
    AppError, Result,
};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::{
    already_settled, check_version, duplicate_sku, insufficient_for_adjustment, open_reservations,
    product_not_found, settlement_reason, stale, stored_reason, stored_status, supplier_not_found,
    ImportReport, InventoryStore, LedgerEntry, NewAdjustment, NewProduct, Once, ProductFilter,
    ProductPatch, ReserveCall, SupplierFields,
};
use crate::store::reserve::{reserve_batch, Reserved};
use crate::{
    domain::Reason,
    events,
    model::{effective_reorder_point, AdjustmentResult, Movement, Product, Supplier},
    stocktake::{Counted, StocktakeResult},
};

pub struct PgStore {
    pool: PgPool,
    currency: Currency,
    /// `DEFAULT_REORDER_POINT`: stands in for a product's reorder point of 0.
    default_reorder_point: i64,
}

struct ProductRow {
    id: Uuid,
    sku: String,
    name: String,
    description: String,
    category: String,
    supplier_id: Option<Uuid>,
    price_cents: i64,
    on_hand: i64,
    reserved: i64,
    reorder_point: i64,
    reorder_quantity: i64,
    on_order: i64,
    cost_cents: Option<i64>,
    active: bool,
    version: i64,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl ProductRow {
    fn into_product(self, currency: &str, default_reorder_point: i64) -> Product {
        Product {
            id: ProductId(self.id),
            sku: self.sku,
            name: self.name,
            description: self.description,
            category: self.category,
            supplier_id: self.supplier_id,
            price_cents: self.price_cents,
            currency: currency.to_string(),
            on_hand: self.on_hand,
            reserved: self.reserved,
            available: self.on_hand - self.reserved,
            reorder_point: self.reorder_point,
            effective_reorder_point: effective_reorder_point(
                self.reorder_point,
                default_reorder_point,
            ),
            reorder_quantity: self.reorder_quantity,
            on_order: self.on_order,
            cost_cents: self.cost_cents,
            active: self.active,
            version: self.version,
            created_at: self.created_at,
            updated_at: self.updated_at,
        }
    }
}

struct MovementRow {
    id: Uuid,
    product_id: Uuid,
    reason: String,
    on_hand_delta: i64,
    reserved_delta: i64,
    on_hand_after: i64,
    reserved_after: i64,
    order_id: Option<Uuid>,
    purchase_order_id: Option<Uuid>,
    user_id: Option<String>,
    note: Option<String>,
    created_at: DateTime<Utc>,
}

impl TryFrom<MovementRow> for Movement {
    type Error = AppError;

    fn try_from(r: MovementRow) -> Result<Self> {
        Ok(Movement {
            id: r.id,
            product_id: ProductId(r.product_id),
            reason: stored_reason(&r.reason)?,
            on_hand_delta: r.on_hand_delta,
            reserved_delta: r.reserved_delta,
            on_hand_after: r.on_hand_after,
            reserved_after: r.reserved_after,
            order_id: r.order_id.map(OrderId),
            purchase_order_id: r.purchase_order_id,
            user_id: r.user_id,
            note: r.note,
            created_at: r.created_at,
        })
    }
}

struct SupplierRow {
    id: Uuid,
    name: String,
    contact_email: Option<String>,
    phone: Option<String>,
    lead_time_days: i64,
    created_at: DateTime<Utc>,
}

impl From<SupplierRow> for Supplier {
    fn from(r: SupplierRow) -> Self {
        Supplier {
            id: r.id,
            name: r.name,
            contact_email: r.contact_email,
            phone: r.phone,
            lead_time_days: r.lead_time_days,
            created_at: r.created_at,
        }
    }
}

impl PgStore {
    pub fn new(pool: PgPool, currency: Currency) -> Self {
        Self {
            pool,
            currency,
            default_reorder_point: 0,
        }
    }

    pub fn with_default_reorder_point(self, default_reorder_point: i64) -> Self {
        Self {
            default_reorder_point,
            ..self
        }
    }

    fn products(&self, rows: Vec<ProductRow>) -> Vec<Product> {
        rows.into_iter()
            .map(|r| r.into_product(self.currency.as_str(), self.default_reorder_point))
            .collect()
    }
}

/// Records `events` in the change's transaction (kept by the outbox once it commits).
async fn record(conn: &mut PgConnection, events: impl IntoIterator<Item = Event>) -> Result<()> {
    for event in events {
        record_postgres(conn, &event).await?;
    }
    Ok(())
}

async fn write_movement(
    conn: &mut PgConnection,
    e: &LedgerEntry<'_>,
    at: DateTime<Utc>,
) -> Result<Movement> {
    sqlx::query_as!(
        MovementRow,
        "INSERT INTO movements (id, product_id, reason, on_hand_delta, reserved_delta, on_hand_after,
             reserved_after, order_id, user_id, note, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
         RETURNING id, product_id, reason, on_hand_delta, reserved_delta, on_hand_after, reserved_after,
             order_id, purchase_order_id, user_id, note, created_at",
        Uuid::now_v7(),
        e.product_id.as_uuid(),
        e.reason.as_str(),
        e.on_hand_delta,
        e.reserved_delta,
        e.on_hand_after,
        e.reserved_after,
        e.order_id.map(OrderId::as_uuid),
        e.user_id,
        e.note,
        at,
    )
    .fetch_one(&mut *conn)
    .await?
    .try_into()
}

async fn insert_product(
    conn: &mut PgConnection,
    new: &NewProduct,
    user_id: &str,
) -> Result<ProductRow> {
    let id = Uuid::now_v7();
    let at = now();
    let inserted = sqlx::query_as!(
        ProductRow,
        "INSERT INTO products (id, sku, name, description, category, supplier_id, price_cents, on_hand, reserved,
             reorder_point, reorder_quantity, cost_cents, active, version, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0, $9, $10, $13, $11, 1, $12, $12)
         RETURNING id, sku, name, description, category, supplier_id, price_cents, on_hand, reserved,
             reorder_point, reorder_quantity, on_order, cost_cents, active, version, created_at, updated_at",
        id,
        new.sku.as_str(),
        new.name,
        new.description,
        new.category,
        new.supplier_id,
        new.price_cents,
        new.initial_stock,
        new.reorder_point,
        new.reorder_quantity,
        new.active,
        at,
        new.cost_cents,
    )
    .fetch_one(&mut *conn)
    .await;
    let row = match inserted {
        Ok(row) => row,
        Err(e) if is_unique_violation(&e) => return Err(duplicate_sku(&new.sku)),
        Err(e) => return Err(e.into()),
    };
    if new.initial_stock > 0 {
        let entry = LedgerEntry {
            product_id: ProductId(id),
            reason: Reason::Received,
            on_hand_delta: new.initial_stock,
            reserved_delta: 0,
            on_hand_after: new.initial_stock,
            reserved_after: 0,
            order_id: None,
            user_id: Some(user_id),
            note: Some("initial stock"),
        };
        write_movement(conn, &entry, row.created_at).await?;
    }
    Ok(row)
}

/// The product, its row locked until the transaction ends.
async fn product_for_update(conn: &mut PgConnection, id: ProductId) -> Result<Option<ProductRow>> {
    Ok(sqlx::query_as!(
        ProductRow,
        "SELECT id, sku, name, description, category, supplier_id, price_cents, on_hand, reserved,
             reorder_point, reorder_quantity, on_order, cost_cents, active, version, created_at, updated_at
         FROM products WHERE id = $1 FOR UPDATE",
        id.as_uuid(),
    )
    .fetch_optional(&mut *conn)
    .await?)
}

async fn load_reservation(
    conn: &mut PgConnection,
    id: OrderId,
    currency: &str,
) -> Result<Option<Reservation>> {
    let Some(head) = sqlx::query!(
        "SELECT status, total_cents FROM reservations WHERE id = $1",
        id.as_uuid()
    )
    .fetch_optional(&mut *conn)
    .await?
    else {
        return Ok(None);
    };
    let lines = sqlx::query!(
        "SELECT product_id, quantity, unit_price_cents, sku, name FROM reservation_lines
         WHERE reservation_id = $1 ORDER BY product_id",
        id.as_uuid()
    )
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .map(|r| ReservedLine {
        product_id: ProductId(r.product_id),
        quantity: r.quantity,
        unit_price_cents: r.unit_price_cents,
        sku: r.sku,
        name: r.name,
    })
    .collect();
    Ok(Some(Reservation {
        reservation_id: id,
        status: stored_status(&head.status)?,
        lines,
        total_cents: head.total_cents,
        currency: currency.to_string(),
    }))
}

#[async_trait]
impl InventoryStore for PgStore {
    async fn supplier_exists(&self, id: Uuid) -> Result<bool> {
        Ok(
            sqlx::query_scalar!(r#"SELECT 1 AS "one!" FROM suppliers WHERE id = $1"#, id)
                .fetch_optional(&self.pool)
                .await?
                .is_some(),
        )
    }

    async fn create_product(
        &self,
        once: Once<'_>,
        new: &NewProduct,
        user_id: &str,
        actor: &Actor,
    ) -> Result<Outcome<Product>> {
        self.once(once, async |conn: &mut PgConnection| {
            let row = insert_product(conn, new, user_id).await?;
            let product = row.into_product(self.currency.as_str(), self.default_reorder_point);
            record(conn, [events::product_created(&product, actor)]).await?;
            Ok(product)
        })
        .await
    }

    async fn get_product(&self, id: ProductId) -> Result<Option<Product>> {
        let row = sqlx::query_as!(
            ProductRow,
            "SELECT id, sku, name, description, category, supplier_id, price_cents, on_hand, reserved,
                 reorder_point, reorder_quantity, on_order, cost_cents, active, version, created_at, updated_at
             FROM products WHERE id = $1",
            id.as_uuid(),
        )
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|r| r.into_product(self.currency.as_str(), self.default_reorder_point)))
    }

    async fn list_products(
        &self,
        filter: &ProductFilter,
        page: &PageRequest,
    ) -> Result<Vec<Product>> {
        let (sku_pattern, name_pattern) = filter.patterns();
        let rows = sqlx::query_as!(
            ProductRow,
            r#"SELECT id, sku, name, description, category, supplier_id, price_cents, on_hand, reserved,
                 reorder_point, reorder_quantity, on_order, cost_cents, active, version, created_at, updated_at
             FROM products
             WHERE ($1::text IS NULL OR sku LIKE $1 ESCAPE '\' OR LOWER(name) LIKE $2 ESCAPE '\')
               AND ($3::text IS NULL OR category = $3)
               AND ($4::boolean IS NULL OR (on_hand - reserved <= COALESCE(NULLIF(reorder_point, 0), $9)) = $4)
               AND ($5::boolean IS NULL OR active = $5)
               AND ($6::timestamptz IS NULL OR (created_at, id) < ($6, $7))
             ORDER BY created_at DESC, id DESC LIMIT $8"#,
            sku_pattern,
            name_pattern,
            filter.category,
            filter.low_stock,
            filter.active,
            page.after_time(),
            page.after_id(),
            page.fetch(),
            self.default_reorder_point,
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(self.products(rows))
    }

    async fn update_product(
        &self,
        id: ProductId,
        patch: ProductPatch,
        expected_version: Option<i64>,
        actor: &Actor,
    ) -> Result<Product> {
        let mut tx = self.pool.begin().await?;
        let current = product_for_update(&mut tx, id)
            .await?
            .ok_or_else(product_not_found)?
            .into_product(self.currency.as_str(), self.default_reorder_point);
        check_version(current.version, expected_version)?;
        if patch.active == Some(false) && current.reserved > 0 {
            return Err(open_reservations(current.reserved));
        }
        let row = sqlx::query_as!(
            ProductRow,
            "UPDATE products SET name = $3, description = $4, category = $5, supplier_id = $6, price_cents = $7,
                 reorder_point = $8, reorder_quantity = $9, active = $10, version = version + 1, updated_at = $11,
                 cost_cents = $12
             WHERE id = $1 AND version = $2 AND ($10 OR reserved = 0)
             RETURNING id, sku, name, description, category, supplier_id, price_cents, on_hand, reserved,
                 reorder_point, reorder_quantity, on_order, cost_cents, active, version, created_at, updated_at",
            id.as_uuid(),
            current.version,
            patch.name.unwrap_or_else(|| current.name.clone()),
            patch
                .description
                .unwrap_or_else(|| current.description.clone()),
            patch.category.unwrap_or_else(|| current.category.clone()),
            patch.supplier_id.unwrap_or(current.supplier_id),
            patch.price_cents.unwrap_or(current.price_cents),
            patch.reorder_point.unwrap_or(current.reorder_point),
            patch.reorder_quantity.unwrap_or(current.reorder_quantity),
            patch.active.unwrap_or(current.active),
            now(),
            patch.cost_cents.unwrap_or(current.cost_cents),
        )
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            // Lost a race: either an edit (version) or a reservation (archiving) came first.
            let now = product_for_update(&mut tx, id)
                .await?
                .ok_or_else(product_not_found)?;
            return Err(if now.version != current.version {
                stale(now.version)
            } else {
                open_reservations(now.reserved)
            });
        };
        let product = row.into_product(self.currency.as_str(), self.default_reorder_point);
        record(&mut tx, events::product_changed(&current, &product, actor)).await?;
        tx.commit().await?;
        Ok(product)
    }

    async fn all_products(&self) -> Result<Vec<Product>> {
        let rows = sqlx::query_as!(
            ProductRow,
            "SELECT id, sku, name, description, category, supplier_id, price_cents, on_hand, reserved,
                 reorder_point, reorder_quantity, on_order, cost_cents, active, version, created_at, updated_at
             FROM products ORDER BY created_at, id"
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(self.products(rows))
    }

    async fn import(
        &self,
        once: Once<'_>,
        rows: &[NewProduct],
        user_id: &str,
        actor: &Actor,
    ) -> Result<Outcome<ImportReport>> {
        self.once(once, async |conn: &mut PgConnection| {
            let mut report = ImportReport {
                created: 0,
                updated: 0,
            };
            // Existing rows are locked up front in id order, the order reservations lock
            // products in, so an import and a reservation (or two imports) cannot deadlock by
            // taking the same rows in opposite orders. As they were: what each edit changes.
            let skus: Vec<String> = rows.iter().map(|r| r.sku.as_str().to_string()).collect();
            let mut known: std::collections::HashMap<String, Product> = sqlx::query_as!(
                ProductRow,
                "SELECT id, sku, name, description, category, supplier_id, price_cents, on_hand, reserved,
                     reorder_point, reorder_quantity, on_order, cost_cents, active, version, created_at, updated_at
                 FROM products WHERE sku = ANY($1) ORDER BY id FOR UPDATE",
                &skus
            )
            .fetch_all(&mut *conn)
            .await?
            .into_iter()
            .map(|r| {
                let p = r.into_product(self.currency.as_str(), self.default_reorder_point);
                (p.sku.clone(), p)
            })
            .collect();
            for new in rows {
                let changed = sqlx::query_as!(
                    ProductRow,
                    "UPDATE products SET name = $2, description = $3, category = $4, supplier_id = $5, price_cents = $6,
                         reorder_point = $7, reorder_quantity = $8, active = $9, version = version + 1, updated_at = $10
                     WHERE sku = $1
                     RETURNING id, sku, name, description, category, supplier_id, price_cents, on_hand, reserved,
                         reorder_point, reorder_quantity, on_order, cost_cents, active, version, created_at, updated_at",
                    new.sku.as_str(),
                    new.name,
                    new.description,
                    new.category,
                    new.supplier_id,
                    new.price_cents,
                    new.reorder_point,
                    new.reorder_quantity,
                    new.active,
                    now(),
                )
                .fetch_optional(&mut *conn)
                .await?;
                let after = match changed {
                    Some(row) => {
                        report.updated += 1;
                        let after =
                            row.into_product(self.currency.as_str(), self.default_reorder_point);
                        if let Some(before) = known.get(&after.sku) {
                            record(conn, events::product_changed(before, &after, actor)).await?;
                        }
                        after
                    }
                    None => {
                        report.created += 1;
                        let row = insert_product(conn, new, user_id).await?;
                        let created =
                            row.into_product(self.currency.as_str(), self.default_reorder_point);
                        record(conn, [events::product_created(&created, actor)]).await?;
                        created
                    }
                };
                known.insert(after.sku.clone(), after);
            }
            Ok(report)
        })
        .await
    }

    async fn low_stock(&self) -> Result<Vec<Product>> {
        let rows = sqlx::query_as!(
            ProductRow,
            "SELECT id, sku, name, description, category, supplier_id, price_cents, on_hand, reserved,
                 reorder_point, reorder_quantity, on_order, cost_cents, active, version, created_at, updated_at
             FROM products WHERE active AND on_hand - reserved <= COALESCE(NULLIF(reorder_point, 0), $1)
             ORDER BY on_hand - reserved - COALESCE(NULLIF(reorder_point, 0), $1), sku LIMIT 500",
            self.default_reorder_point,
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(self.products(rows))
    }

    async fn summary(&self) -> Result<Summary> {
        let row = sqlx::query!(
            r#"SELECT COUNT(*) AS "products!",
                      COUNT(*) FILTER (WHERE active) AS "active_products!",
                      COALESCE(SUM(on_hand), 0)::bigint AS "units_on_hand!",
                      COALESCE(SUM(reserved), 0)::bigint AS "units_reserved!",
                      COALESCE(SUM(on_hand * COALESCE(cost_cents, price_cents)), 0)::bigint AS "stock_value_cents!",
                      COUNT(*) FILTER (WHERE active AND on_hand - reserved <= COALESCE(NULLIF(reorder_point, 0), $1)) AS "low_stock!"
               FROM products"#,
            self.default_reorder_point,
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(Summary {
            products: row.products,
            active_products: row.active_products,
            units_on_hand: row.units_on_hand,
            units_reserved: row.units_reserved,
            stock_value_cents: row.stock_value_cents,
            low_stock: row.low_stock,
            currency: self.currency.to_string(),
        })
    }

    async fn stock_levels(&self, ids: &[ProductId]) -> Result<Vec<StockLevel>> {
        let ids: Vec<Uuid> = ids.iter().map(|id| id.as_uuid()).collect();
        let rows = sqlx::query!(
            r#"SELECT p.id, p.sku, p.name, p.category, p.price_cents, p.on_hand, p.reserved,
                      COALESCE(NULLIF(p.reorder_point, 0), $2) AS "reorder_point!",
                      p.reorder_quantity, p.active, s.lead_time_days AS "lead_time_days?", p.on_order,
                      (SELECT MIN(o.expected_at) FROM purchase_order_lines l
                         JOIN purchase_orders o ON o.id = l.purchase_order_id
                        WHERE l.product_id = p.id AND o.status IN ('ordered', 'partially_received')
                          AND l.quantity_received < l.quantity_ordered) AS expected_at
               FROM products p LEFT JOIN suppliers s ON s.id = p.supplier_id
               WHERE CASE WHEN cardinality($1::uuid[]) = 0 THEN p.active ELSE p.id = ANY($1) END
               ORDER BY p.sku"#,
            &ids,
            self.default_reorder_point,
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| StockLevel {
                product_id: ProductId(r.id),
                sku: r.sku,
                name: r.name,
                category: r.category,
                price_cents: r.price_cents,
                on_hand: r.on_hand,
                reserved: r.reserved,
                available: r.on_hand - r.reserved,
                reorder_point: r.reorder_point,
                reorder_quantity: r.reorder_quantity,
                lead_time_days: r.lead_time_days,
                active: r.active,
                on_order: r.on_order,
                expected_at: r.expected_at,
            })
            .collect())
    }

    async fn adjust(
        &self,
        once: Once<'_>,
        a: &NewAdjustment<'_>,
        actor: &Actor,
    ) -> Result<Outcome<AdjustmentResult>> {
        self.once(once, async |conn: &mut PgConnection| {
            let at = now();
            let updated = sqlx::query_as!(
                ProductRow,
                "UPDATE products SET on_hand = on_hand + $2, updated_at = $3
                 WHERE id = $1 AND on_hand + $2 >= reserved AND on_hand + $2 >= 0
                 RETURNING id, sku, name, description, category, supplier_id, price_cents, on_hand, reserved,
                     reorder_point, reorder_quantity, on_order, cost_cents, active, version, created_at, updated_at",
                a.product_id.as_uuid(),
                a.delta,
                at,
            )
            .fetch_optional(&mut *conn)
            .await?;
            let Some(row) = updated else {
                let current = sqlx::query!(
                    "SELECT on_hand, reserved FROM products WHERE id = $1",
                    a.product_id.as_uuid()
                )
                .fetch_optional(&mut *conn)
                .await?
                .ok_or_else(product_not_found)?;
                return Err(insufficient_for_adjustment(
                    current.on_hand,
                    current.reserved,
                    a.delta,
                ));
            };
            let product = row.into_product(self.currency.as_str(), self.default_reorder_point);
            let entry = LedgerEntry {
                product_id: a.product_id,
                reason: a.reason,
                on_hand_delta: a.delta,
                reserved_delta: 0,
                on_hand_after: product.on_hand,
                reserved_after: product.reserved,
                order_id: None,
                user_id: Some(a.user_id),
                note: a.note,
            };
            let movement = write_movement(conn, &entry, product.updated_at).await?;
            record(conn, events::adjusted(&product, a, actor)).await?;
            Ok(AdjustmentResult { movement, product })
        })
        .await
    }

    async fn reserve_many(&self, calls: &[ReserveCall]) -> Result<Reserved> {
        let tx = reserve::PgReserveTx::begin(&self.pool, self.currency.as_str()).await?;
        let (currency, point) = (self.currency.as_str(), self.default_reorder_point);
        reserve_batch(Box::new(tx), calls, currency, point, now()).await
    }

    async fn stocktake(
        &self,
        once: Once<'_>,
        counted: &Counted<'_>,
        actor: &Actor,
    ) -> Result<Outcome<StocktakeResult>> {
        self.count_stock(once, counted, actor).await
    }

    async fn holds(
        &self,
        before: DateTime<Utc>,
        after: Option<OrderId>,
        limit: i64,
    ) -> Result<Vec<Hold>> {
        reserve::holds(&self.pool, before, after, limit).await
    }

    async fn settle(&self, id: OrderId, how: Settlement) -> Result<Option<Reservation>> {
        let at = now();
        let status = how.outcome();
        let mut tx = self.pool.begin().await?;
        if how == Settlement::Release {
            // The tombstone goes in first. A reservation of this id still being made in another
            // transaction is invisible to the UPDATE below (it would change nothing and the stock
            // would stay held for good); the INSERT instead waits for that transaction on the
            // primary key, and once it has committed the UPDATE sees and releases it. An id never
            // reserved keeps the tombstone, so a reserve still in flight reserves nothing.
            let tombstoned = sqlx::query!(
                "INSERT INTO reservations (id, status, total_cents, created_at, updated_at)
                 VALUES ($1, 'released', 0, $2, $2) ON CONFLICT (id) DO NOTHING",
                id.as_uuid(),
                at,
            )
            .execute(&mut *tx)
            .await?
            .rows_affected()
                == 1;
            if tombstoned {
                tx.commit().await?;
                return Ok(None);
            }
        }
        let moved = sqlx::query!(
            "UPDATE reservations SET status = $2, updated_at = $3 WHERE id = $1 AND status = 'held'",
            id.as_uuid(),
            status.as_str(),
            at,
        )
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        let reservation = load_reservation(&mut tx, id, self.currency.as_str()).await?;
        match (&reservation, moved) {
            (Some(r), false) if r.status != status => return Err(already_settled(r.status)),
            (Some(_), true) => {
                // Only what is still held: a shipment may have committed part of it already.
                for (product, left) in shipping::held_left(&mut tx, id).await? {
                    if left > 0 {
                        shipping::settle_units(
                            &mut tx,
                            id,
                            product,
                            left,
                            settlement_reason(how),
                            at,
                        )
                        .await?;
                    }
                }
                if how == Settlement::Commit {
                    sqlx::query!(
                        "UPDATE reservation_lines SET committed = quantity WHERE reservation_id = $1",
                        id.as_uuid()
                    )
                    .execute(&mut *tx)
                    .await?;
                }
            }
            _ => {}
        }
        tx.commit().await?;
        Ok(reservation)
    }

    async fn commit_part(
        &self,
        id: OrderId,
        commit_id: Uuid,
        lines: &[ReserveLine],
    ) -> Result<Option<Reservation>> {
        shipping::commit_part(&self.pool, self.currency.as_str(), id, commit_id, lines).await
    }

    async fn restock(&self, request: &RestockRequest) -> Result<bool> {
        shipping::restock(&self.pool, request).await
    }

    async fn movements(
        &self,
        product_id: Option<ProductId>,
        page: &PageRequest,
    ) -> Result<Vec<Movement>> {
        sqlx::query_as!(
            MovementRow,
            "SELECT id, product_id, reason, on_hand_delta, reserved_delta, on_hand_after, reserved_after,
                 order_id, purchase_order_id, user_id, note, created_at
             FROM movements
             WHERE ($1::uuid IS NULL OR product_id = $1)
               AND ($2::timestamptz IS NULL OR (created_at, id) < ($2, $3))
             ORDER BY created_at DESC, id DESC LIMIT $4",
            product_id.map(ProductId::as_uuid),
            page.after_time(),
            page.after_id(),
            page.fetch(),
        )
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .map(Movement::try_from)
        .collect()
    }

    async fn create_supplier(
        &self,
        once: Once<'_>,
        f: SupplierFields,
        actor: &Actor,
    ) -> Result<Outcome<Supplier>> {
        self.once(once, async |conn: &mut PgConnection| {
            let row = sqlx::query_as!(
                SupplierRow,
                "INSERT INTO suppliers (id, name, contact_email, phone, lead_time_days, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $6)
                 RETURNING id, name, contact_email, phone, lead_time_days, created_at",
                Uuid::now_v7(),
                f.name.unwrap_or_default(),
                f.contact_email,
                f.phone,
                f.lead_time_days.unwrap_or(7),
                now(),
            )
            .fetch_one(&mut *conn)
            .await?;
            let supplier = Supplier::from(row);
            record(conn, [events::supplier_created(&supplier, actor)]).await?;
            Ok(supplier)
        })
        .await
    }

    async fn get_supplier(&self, id: Uuid) -> Result<Option<Supplier>> {
        let row = sqlx::query_as!(
            SupplierRow,
            "SELECT id, name, contact_email, phone, lead_time_days, created_at FROM suppliers WHERE id = $1",
            id,
        )
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(Supplier::from))
    }

    async fn list_suppliers(&self, page: &PageRequest) -> Result<Vec<Supplier>> {
        let rows = sqlx::query_as!(
            SupplierRow,
            "SELECT id, name, contact_email, phone, lead_time_days, created_at FROM suppliers
             WHERE ($1::timestamptz IS NULL OR (created_at, id) < ($1, $2))
             ORDER BY created_at DESC, id DESC LIMIT $3",
            page.after_time(),
            page.after_id(),
            page.fetch(),
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(Supplier::from).collect())
    }

    async fn update_supplier(
        &self,
        id: Uuid,
        f: SupplierFields,
        actor: &Actor,
    ) -> Result<Supplier> {
        let mut tx = self.pool.begin().await?;
        let before = sqlx::query_as!(
            SupplierRow,
            "SELECT id, name, contact_email, phone, lead_time_days, created_at FROM suppliers
             WHERE id = $1 FOR UPDATE",
            id,
        )
        .fetch_optional(&mut *tx)
        .await?
        .map(Supplier::from)
        .ok_or_else(supplier_not_found)?;
        // Absent fields keep their value.
        let row = sqlx::query_as!(
            SupplierRow,
            "UPDATE suppliers SET name = COALESCE($2, name), contact_email = COALESCE($3, contact_email),
                 phone = COALESCE($4, phone), lead_time_days = COALESCE($5, lead_time_days), updated_at = $6
             WHERE id = $1 RETURNING id, name, contact_email, phone, lead_time_days, created_at",
            id,
            f.name,
            f.contact_email,
            f.phone,
            f.lead_time_days,
            now(),
        )
        .fetch_one(&mut *tx)
        .await?;
        let after = Supplier::from(row);
        record(&mut tx, events::supplier_changed(&before, &after, actor)).await?;
        tx.commit().await?;
        Ok(after)
    }
}
