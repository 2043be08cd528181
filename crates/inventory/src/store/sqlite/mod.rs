//! [`InventoryStore`] on SQLite: the typed driver with `FromRow` rows. Ids stay UUID text,
//! times fixed-width RFC 3339 text (written with [`to_db`], so text order is time order) and
//! `active` 0/1, as the first version stored them. SQLite runs one transaction at a time (one
//! connection), so a reservation's conditional updates cannot interleave with another's.

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
    outbox::{record_sqlite, Actor, Event},
    pagination::PageRequest,
    time::{now, to_db},
    AppError, Result,
};
use sqlx::{SqliteConnection, SqlitePool};
use uuid::{fmt::Hyphenated, Uuid};

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

pub struct SqliteStore {
    pool: SqlitePool,
    currency: Currency,
    /// `DEFAULT_REORDER_POINT`: stands in for a product's reorder point of 0.
    default_reorder_point: i64,
}

const PRODUCT_COLUMNS: &str = "id, sku, name, description, category, supplier_id, price_cents, \
     on_hand, reserved, reorder_point, reorder_quantity, on_order, cost_cents, active, version, \
     created_at, updated_at";

const MOVEMENT_COLUMNS: &str = "id, product_id, reason, on_hand_delta, reserved_delta, \
     on_hand_after, reserved_after, order_id, purchase_order_id, user_id, note, created_at";

const SUPPLIER_COLUMNS: &str = "id, name, contact_email, phone, lead_time_days, created_at";

#[derive(sqlx::FromRow)]
struct ProductRow {
    id: Hyphenated,
    sku: String,
    name: String,
    description: String,
    category: String,
    supplier_id: Option<Hyphenated>,
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
            id: ProductId(self.id.into_uuid()),
            sku: self.sku,
            name: self.name,
            description: self.description,
            category: self.category,
            supplier_id: self.supplier_id.map(Hyphenated::into_uuid),
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

#[derive(sqlx::FromRow)]
struct MovementRow {
    id: Hyphenated,
    product_id: Hyphenated,
    reason: String,
    on_hand_delta: i64,
    reserved_delta: i64,
    on_hand_after: i64,
    reserved_after: i64,
    order_id: Option<Hyphenated>,
    purchase_order_id: Option<Hyphenated>,
    user_id: Option<String>,
    note: Option<String>,
    created_at: DateTime<Utc>,
}

impl TryFrom<MovementRow> for Movement {
    type Error = AppError;

    fn try_from(r: MovementRow) -> Result<Self> {
        Ok(Movement {
            id: r.id.into_uuid(),
            product_id: ProductId(r.product_id.into_uuid()),
            reason: stored_reason(&r.reason)?,
            on_hand_delta: r.on_hand_delta,
            reserved_delta: r.reserved_delta,
            on_hand_after: r.on_hand_after,
            reserved_after: r.reserved_after,
            order_id: r.order_id.map(|id| OrderId(id.into_uuid())),
            purchase_order_id: r.purchase_order_id.map(Hyphenated::into_uuid),
            user_id: r.user_id,
            note: r.note,
            created_at: r.created_at,
        })
    }
}

#[derive(sqlx::FromRow)]
struct SupplierRow {
    id: Hyphenated,
    name: String,
    contact_email: Option<String>,
    phone: Option<String>,
    lead_time_days: i64,
    created_at: DateTime<Utc>,
}

impl From<SupplierRow> for Supplier {
    fn from(r: SupplierRow) -> Self {
        Supplier {
            id: r.id.into_uuid(),
            name: r.name,
            contact_email: r.contact_email,
            phone: r.phone,
            lead_time_days: r.lead_time_days,
            created_at: r.created_at,
        }
    }
}

#[derive(sqlx::FromRow)]
struct Levels {
    on_hand: i64,
    reserved: i64,
}

#[derive(sqlx::FromRow)]
struct ReservationHead {
    status: String,
    total_cents: i64,
}

#[derive(sqlx::FromRow)]
struct LineRow {
    product_id: Hyphenated,
    quantity: i64,
    unit_price_cents: i64,
    sku: String,
    name: String,
}

#[derive(sqlx::FromRow)]
struct SummaryRow {
    products: i64,
    active_products: i64,
    units_on_hand: i64,
    units_reserved: i64,
    stock_value_cents: i64,
    low_stock: i64,
}

#[derive(sqlx::FromRow)]
struct LevelRow {
    id: Hyphenated,
    sku: String,
    name: String,
    category: String,
    price_cents: i64,
    on_hand: i64,
    reserved: i64,
    reorder_point: i64,
    reorder_quantity: i64,
    active: bool,
    lead_time_days: Option<i64>,
    on_order: i64,
    expected_at: Option<DateTime<Utc>>,
}

impl SqliteStore {
    pub fn new(pool: SqlitePool, currency: Currency) -> Self {
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
async fn record(
    conn: &mut SqliteConnection,
    events: impl IntoIterator<Item = Event>,
) -> Result<()> {
    for event in events {
        record_sqlite(conn, &event).await?;
    }
    Ok(())
}

async fn write_movement(
    conn: &mut SqliteConnection,
    e: &LedgerEntry<'_>,
    at: &str,
) -> Result<Movement> {
    sqlx::query_as::<_, MovementRow>(&format!(
        "INSERT INTO movements ({MOVEMENT_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, NULL, ?9, ?10, ?11)
         RETURNING {MOVEMENT_COLUMNS}"
    ))
    .bind(Uuid::now_v7().hyphenated())
    .bind(e.product_id.as_uuid().hyphenated())
    .bind(e.reason.as_str())
    .bind(e.on_hand_delta)
    .bind(e.reserved_delta)
    .bind(e.on_hand_after)
    .bind(e.reserved_after)
    .bind(e.order_id.map(|id| id.as_uuid().hyphenated()))
    .bind(e.user_id)
    .bind(e.note)
    .bind(at)
    .fetch_one(&mut *conn)
    .await?
    .try_into()
}

async fn insert_product(
    conn: &mut SqliteConnection,
    new: &NewProduct,
    user_id: &str,
) -> Result<ProductRow> {
    let id = Uuid::now_v7();
    let at = to_db(now());
    let inserted = sqlx::query_as::<_, ProductRow>(&format!(
        "INSERT INTO products (id, sku, name, description, category, supplier_id, price_cents, on_hand, reserved,
             reorder_point, reorder_quantity, cost_cents, active, version, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 0, ?9, ?10, ?13, ?11, 1, ?12, ?12) RETURNING {PRODUCT_COLUMNS}"
    ))
    .bind(id.hyphenated())
    .bind(new.sku.as_str())
    .bind(&new.name)
    .bind(&new.description)
    .bind(&new.category)
    .bind(new.supplier_id.map(|s| s.hyphenated()))
    .bind(new.price_cents)
    .bind(new.initial_stock)
    .bind(new.reorder_point)
    .bind(new.reorder_quantity)
    .bind(new.active)
    .bind(&at)
    .bind(new.cost_cents)
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
        write_movement(conn, &entry, &at).await?;
    }
    Ok(row)
}

async fn product_row(conn: &mut SqliteConnection, id: ProductId) -> Result<Option<ProductRow>> {
    Ok(sqlx::query_as::<_, ProductRow>(&format!(
        "SELECT {PRODUCT_COLUMNS} FROM products WHERE id = ?1"
    ))
    .bind(id.as_uuid().hyphenated())
    .fetch_optional(&mut *conn)
    .await?)
}

async fn load_reservation(
    conn: &mut SqliteConnection,
    id: OrderId,
    currency: &str,
) -> Result<Option<Reservation>> {
    let rid = id.as_uuid().hyphenated();
    let Some(head) = sqlx::query_as::<_, ReservationHead>(
        "SELECT status, total_cents FROM reservations WHERE id = ?1",
    )
    .bind(rid)
    .fetch_optional(&mut *conn)
    .await?
    else {
        return Ok(None);
    };
    let lines = sqlx::query_as::<_, LineRow>(
        "SELECT product_id, quantity, unit_price_cents, sku, name FROM reservation_lines
         WHERE reservation_id = ?1 ORDER BY product_id",
    )
    .bind(rid)
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .map(|r| ReservedLine {
        product_id: ProductId(r.product_id.into_uuid()),
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
impl InventoryStore for SqliteStore {
    async fn supplier_exists(&self, id: Uuid) -> Result<bool> {
        Ok(
            sqlx::query_scalar::<_, i64>("SELECT 1 FROM suppliers WHERE id = ?1")
                .bind(id.hyphenated())
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
        self.once(once, async |conn: &mut SqliteConnection| {
            let row = insert_product(conn, new, user_id).await?;
            let product = row.into_product(self.currency.as_str(), self.default_reorder_point);
            record(conn, [events::product_created(&product, actor)]).await?;
            Ok(product)
        })
        .await
    }

    async fn get_product(&self, id: ProductId) -> Result<Option<Product>> {
        let mut conn = self.pool.acquire().await?;
        let row = product_row(&mut conn, id).await?;
        Ok(row.map(|r| r.into_product(self.currency.as_str(), self.default_reorder_point)))
    }

    async fn list_products(
        &self,
        filter: &ProductFilter,
        page: &PageRequest,
    ) -> Result<Vec<Product>> {
        let (sku_pattern, name_pattern) = filter.patterns();
        let rows = sqlx::query_as::<_, ProductRow>(&format!(
            "SELECT {PRODUCT_COLUMNS} FROM products
             WHERE (?1 IS NULL OR sku LIKE ?1 ESCAPE '\\' OR LOWER(name) LIKE ?2 ESCAPE '\\')
               AND (?3 IS NULL OR category = ?3)
               AND (?4 IS NULL OR (on_hand - reserved <= COALESCE(NULLIF(reorder_point, 0), ?9)) = ?4)
               AND (?5 IS NULL OR active = ?5)
               AND (?6 IS NULL OR (created_at, id) < (?6, ?7))
             ORDER BY created_at DESC, id DESC LIMIT ?8"
        ))
        .bind(sku_pattern)
        .bind(name_pattern)
        .bind(&filter.category)
        .bind(filter.low_stock)
        .bind(filter.active)
        .bind(page.after_time().map(to_db))
        .bind(page.after_id().map(|id| id.hyphenated()))
        .bind(page.fetch())
        .bind(self.default_reorder_point)
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
        let current = product_row(&mut tx, id)
            .await?
            .ok_or_else(product_not_found)?
            .into_product(self.currency.as_str(), self.default_reorder_point);
        check_version(current.version, expected_version)?;
        if patch.active == Some(false) && current.reserved > 0 {
            return Err(open_reservations(current.reserved));
        }
        let supplier_id = patch.supplier_id.unwrap_or(current.supplier_id);
        let row = sqlx::query_as::<_, ProductRow>(&format!(
            "UPDATE products SET name = ?3, description = ?4, category = ?5, supplier_id = ?6, price_cents = ?7,
                 reorder_point = ?8, reorder_quantity = ?9, active = ?10, version = version + 1, updated_at = ?11,
                 cost_cents = ?12
             WHERE id = ?1 AND version = ?2 AND (?10 = 1 OR reserved = 0) RETURNING {PRODUCT_COLUMNS}"
        ))
        .bind(id.as_uuid().hyphenated())
        .bind(current.version)
        .bind(patch.name.unwrap_or_else(|| current.name.clone()))
        .bind(
            patch
                .description
                .unwrap_or_else(|| current.description.clone()),
        )
        .bind(patch.category.unwrap_or_else(|| current.category.clone()))
        .bind(supplier_id.map(|s| s.hyphenated()))
        .bind(patch.price_cents.unwrap_or(current.price_cents))
        .bind(patch.reorder_point.unwrap_or(current.reorder_point))
        .bind(patch.reorder_quantity.unwrap_or(current.reorder_quantity))
        .bind(patch.active.unwrap_or(current.active))
        .bind(to_db(now()))
        .bind(patch.cost_cents.unwrap_or(current.cost_cents))
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            // Lost a race: either an edit (version) or a reservation (archiving) came first.
            let now = product_row(&mut tx, id)
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
        let rows = sqlx::query_as::<_, ProductRow>(&format!(
            "SELECT {PRODUCT_COLUMNS} FROM products ORDER BY created_at, id"
        ))
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
        self.once(once, async |conn: &mut SqliteConnection| {
            let mut report = ImportReport {
                created: 0,
                updated: 0,
            };
            let product = |row: ProductRow| {
                row.into_product(self.currency.as_str(), self.default_reorder_point)
            };
            for new in rows {
                // As it was: what the edit changes.
                let before = sqlx::query_as::<_, ProductRow>(&format!(
                    "SELECT {PRODUCT_COLUMNS} FROM products WHERE sku = ?1"
                ))
                .bind(new.sku.as_str())
                .fetch_optional(&mut *conn)
                .await?;
                let changed = sqlx::query_as::<_, ProductRow>(&format!(
                    "UPDATE products SET name = ?2, description = ?3, category = ?4, supplier_id = ?5, price_cents = ?6,
                         reorder_point = ?7, reorder_quantity = ?8, active = ?9, version = version + 1, updated_at = ?10
                     WHERE sku = ?1 RETURNING {PRODUCT_COLUMNS}"
                ))
                .bind(new.sku.as_str())
                .bind(&new.name)
                .bind(&new.description)
                .bind(&new.category)
                .bind(new.supplier_id.map(|s| s.hyphenated()))
                .bind(new.price_cents)
                .bind(new.reorder_point)
                .bind(new.reorder_quantity)
                .bind(new.active)
                .bind(to_db(now()))
                .fetch_optional(&mut *conn)
                .await?;
                let events = match (before, changed) {
                    (Some(before), Some(after)) => {
                        report.updated += 1;
                        events::product_changed(&product(before), &product(after), actor)
                    }
                    _ => {
                        report.created += 1;
                        let created = product(insert_product(conn, new, user_id).await?);
                        vec![events::product_created(&created, actor)]
                    }
                };
                record(conn, events).await?;
            }
            Ok(report)
        })
        .await
    }

    async fn low_stock(&self) -> Result<Vec<Product>> {
        let rows = sqlx::query_as::<_, ProductRow>(&format!(
            "SELECT {PRODUCT_COLUMNS} FROM products
             WHERE active = 1 AND on_hand - reserved <= COALESCE(NULLIF(reorder_point, 0), ?1)
             ORDER BY on_hand - reserved - COALESCE(NULLIF(reorder_point, 0), ?1), sku LIMIT 500"
        ))
        .bind(self.default_reorder_point)
        .fetch_all(&self.pool)
        .await?;
        Ok(self.products(rows))
    }

    async fn summary(&self) -> Result<Summary> {
        let row = sqlx::query_as::<_, SummaryRow>(
            "SELECT COUNT(*) AS products,
                    COALESCE(SUM(active), 0) AS active_products,
                    COALESCE(SUM(on_hand), 0) AS units_on_hand,
                    COALESCE(SUM(reserved), 0) AS units_reserved,
                    COALESCE(SUM(on_hand * COALESCE(cost_cents, price_cents)), 0) AS stock_value_cents,
                    COALESCE(SUM(CASE WHEN active = 1
                                       AND on_hand - reserved <= COALESCE(NULLIF(reorder_point, 0), ?1)
                                      THEN 1 ELSE 0 END), 0)
                        AS low_stock
             FROM products",
        )
        .bind(self.default_reorder_point)
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
        // The ids as one JSON array parameter: one static statement for any number of them.
        let ids: Vec<String> = ids.iter().map(|id| id.to_string()).collect();
        let ids = serde_json::to_string(&ids).map_err(AppError::internal)?;
        let rows = sqlx::query_as::<_, LevelRow>(
            "SELECT p.id, p.sku, p.name, p.category, p.price_cents, p.on_hand, p.reserved,
                    COALESCE(NULLIF(p.reorder_point, 0), ?2) AS reorder_point,
                    p.reorder_quantity, p.active, s.lead_time_days, p.on_order,
                    (SELECT MIN(o.expected_at) FROM purchase_order_lines l
                       JOIN purchase_orders o ON o.id = l.purchase_order_id
                      WHERE l.product_id = p.id AND o.status IN ('ordered', 'partially_received')
                        AND l.quantity_received < l.quantity_ordered) AS expected_at
             FROM products p LEFT JOIN suppliers s ON s.id = p.supplier_id
             WHERE CASE WHEN json_array_length(?1) = 0 THEN p.active = 1
                        ELSE p.id IN (SELECT value FROM json_each(?1)) END
             ORDER BY p.sku",
        )
        .bind(ids)
        .bind(self.default_reorder_point)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| StockLevel {
                product_id: ProductId(r.id.into_uuid()),
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
        self.once(once, async |conn: &mut SqliteConnection| {
            let at = to_db(now());
            let pid = a.product_id.as_uuid().hyphenated();
            let updated = sqlx::query_as::<_, ProductRow>(&format!(
                "UPDATE products SET on_hand = on_hand + ?2, updated_at = ?3
                 WHERE id = ?1 AND on_hand + ?2 >= reserved AND on_hand + ?2 >= 0 RETURNING {PRODUCT_COLUMNS}"
            ))
            .bind(pid)
            .bind(a.delta)
            .bind(&at)
            .fetch_optional(&mut *conn)
            .await?;
            let Some(row) = updated else {
                let current = sqlx::query_as::<_, Levels>(
                    "SELECT on_hand, reserved FROM products WHERE id = ?1",
                )
                .bind(pid)
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
            let movement = write_movement(conn, &entry, &at).await?;
            record(conn, events::adjusted(&product, a, actor)).await?;
            Ok(AdjustmentResult { movement, product })
        })
        .await
    }

    async fn reserve_many(&self, calls: &[ReserveCall]) -> Result<Reserved> {
        let tx = reserve::SqliteReserveTx::begin(&self.pool, self.currency.as_str()).await?;
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
        let at = to_db(now());
        let rid = id.as_uuid().hyphenated();
        let status = how.outcome();
        let mut tx = self.pool.begin().await?;
        let moved = sqlx::query(
            "UPDATE reservations SET status = ?2, updated_at = ?3 WHERE id = ?1 AND status = 'held'",
        )
        .bind(rid)
        .bind(status.as_str())
        .bind(&at)
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
                            &at,
                        )
                        .await?;
                    }
                }
                if how == Settlement::Commit {
                    sqlx::query(
                        "UPDATE reservation_lines SET committed = quantity WHERE reservation_id = ?1",
                    )
                    .bind(rid)
                    .execute(&mut *tx)
                    .await?;
                }
            }
            // Releasing an id never reserved leaves a tombstone: a reserve that was still in
            // flight when its order gave up then finds the id taken and reserves nothing.
            (None, _) if how == Settlement::Release => {
                sqlx::query(
                    "INSERT INTO reservations (id, status, total_cents, created_at, updated_at)
                     VALUES (?1, 'released', 0, ?2, ?2) ON CONFLICT (id) DO NOTHING",
                )
                .bind(rid)
                .bind(&at)
                .execute(&mut *tx)
                .await?;
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
        sqlx::query_as::<_, MovementRow>(&format!(
            "SELECT {MOVEMENT_COLUMNS} FROM movements
             WHERE (?1 IS NULL OR product_id = ?1)
               AND (?2 IS NULL OR (created_at, id) < (?2, ?3))
             ORDER BY created_at DESC, id DESC LIMIT ?4"
        ))
        .bind(product_id.map(|id| id.as_uuid().hyphenated()))
        .bind(page.after_time().map(to_db))
        .bind(page.after_id().map(|id| id.hyphenated()))
        .bind(page.fetch())
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
        self.once(once, async |conn: &mut SqliteConnection| {
            let row = sqlx::query_as::<_, SupplierRow>(&format!(
                "INSERT INTO suppliers (id, name, contact_email, phone, lead_time_days, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6) RETURNING {SUPPLIER_COLUMNS}"
            ))
            .bind(Uuid::now_v7().hyphenated())
            .bind(f.name.unwrap_or_default())
            .bind(f.contact_email)
            .bind(f.phone)
            .bind(f.lead_time_days.unwrap_or(7))
            .bind(to_db(now()))
            .fetch_one(&mut *conn)
            .await?;
            let supplier = Supplier::from(row);
            record(conn, [events::supplier_created(&supplier, actor)]).await?;
            Ok(supplier)
        })
        .await
    }

    async fn get_supplier(&self, id: Uuid) -> Result<Option<Supplier>> {
        let row = sqlx::query_as::<_, SupplierRow>(&format!(
            "SELECT {SUPPLIER_COLUMNS} FROM suppliers WHERE id = ?1"
        ))
        .bind(id.hyphenated())
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(Supplier::from))
    }

    async fn list_suppliers(&self, page: &PageRequest) -> Result<Vec<Supplier>> {
        let rows = sqlx::query_as::<_, SupplierRow>(&format!(
            "SELECT {SUPPLIER_COLUMNS} FROM suppliers
             WHERE (?1 IS NULL OR (created_at, id) < (?1, ?2))
             ORDER BY created_at DESC, id DESC LIMIT ?3"
        ))
        .bind(page.after_time().map(to_db))
        .bind(page.after_id().map(|id| id.hyphenated()))
        .bind(page.fetch())
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
        let before = sqlx::query_as::<_, SupplierRow>(&format!(
            "SELECT {SUPPLIER_COLUMNS} FROM suppliers WHERE id = ?1"
        ))
        .bind(id.hyphenated())
        .fetch_optional(&mut *tx)
        .await?
        .map(Supplier::from)
        .ok_or_else(supplier_not_found)?;
        // Absent fields keep their value.
        let row = sqlx::query_as::<_, SupplierRow>(&format!(
            "UPDATE suppliers SET name = COALESCE(?2, name), contact_email = COALESCE(?3, contact_email),
                 phone = COALESCE(?4, phone), lead_time_days = COALESCE(?5, lead_time_days), updated_at = ?6
             WHERE id = ?1 RETURNING {SUPPLIER_COLUMNS}"
        ))
        .bind(id.hyphenated())
        .bind(f.name)
        .bind(f.contact_email)
        .bind(f.phone)
        .bind(f.lead_time_days)
        .bind(to_db(now()))
        .fetch_one(&mut *tx)
        .await?;
        let after = Supplier::from(row);
        record(&mut tx, events::supplier_changed(&before, &after, actor)).await?;
        tx.commit().await?;
        Ok(after)
    }
}
