//! Inventory's storage: one trait, one implementation per backend ([`postgres`] on compile-time
//! checked queries and native types, [`sqlite`] on the typed SQLite driver), chosen at start
//! by [`open`]. Stock changes and their ledger rows are always written in one transaction; a
//! creating change with an `Idempotency-Key` claims the key, makes the change and keeps its
//! answer in that same transaction (rules in [`kernel::idempotency`]).

mod postgres;
mod purchasing;
mod reserve;
mod sqlite;

#[cfg(test)]
mod idempotency_tests;
#[cfg(test)]
mod migration_tests;
#[cfg(test)]
mod outbox_tests;
#[cfg(test)]
mod release_race_tests;
#[cfg(test)]
mod shipping_migration_tests;

use std::sync::Arc;

use async_trait::async_trait;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use contracts::{
    reservation::{Hold, Reservation, ReserveLine, RestockRequest, Settlement, ShortLine},
    stock::{StockLevel, Summary},
    OrderId, ProductId,
};
use kernel::{
    db::Db,
    idempotency::{Keyed, Outcome},
    outbox::Actor,
    pagination::PageRequest,
    AppError, Result,
};
use uuid::Uuid;

pub use purchasing::{
    po_not_found, NewLine, NewPurchaseOrder, NewReceipt, PoFilter, PoPatch, PoStep, PurchasingStore,
};
pub use reserve::{ReserveCall, Reserved};

use crate::{
    domain::{Reason, Sku},
    model::{AdjustmentResult, Movement, Product, Supplier},
    stocktake::{Counted, StocktakeResult},
};

/// A validated new product.
#[derive(Debug, Clone)]
pub struct NewProduct {
    pub sku: Sku,
    pub name: String,
    pub description: String,
    pub category: String,
    pub supplier_id: Option<Uuid>,
    pub price_cents: i64,
    pub reorder_point: i64,
    pub reorder_quantity: i64,
    pub initial_stock: i64,
    pub cost_cents: Option<i64>,
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
    pub cost_cents: Option<Option<i64>>,
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

impl ProductFilter {
    /// The `LIKE` patterns of the search text, for SKUs and for lower-cased names.
    fn patterns(&self) -> (Option<String>, Option<String>) {
        match self.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
            Some(q) => (
                Some(contains_pattern(&q.to_ascii_uppercase())),
                Some(contains_pattern(&q.to_lowercase())),
            ),
            None => (None, None),
        }
    }
}

/// A validated supplier; for updates, absent fields keep their value.
#[derive(Debug, Default)]
pub struct SupplierFields {
    pub name: Option<String>,
    pub contact_email: Option<String>,
    pub phone: Option<String>,
    pub lead_time_days: Option<i64>,
}

/// A validated manual stock change.
#[derive(Debug)]
pub struct NewAdjustment<'a> {
    pub product_id: ProductId,
    pub delta: i64,
    pub reason: Reason,
    pub note: Option<&'a str>,
    pub user_id: &'a str,
}

/// What a catalogue import did.
#[derive(Debug, Clone, Copy, serde::Serialize, utoipa::ToSchema)]
pub struct ImportReport {
    pub created: usize,
    pub updated: usize,
}

#[derive(Debug, Clone)]
pub enum ReserveOutcome {
    Reserved(Reservation),
    /// Nothing was reserved; these lines could not be.
    Short(Vec<ShortLine>),
}

/// An `Idempotency-Key` with the status its successful answer is kept under; `keyed: None`
/// runs the change once, unkeyed.
#[derive(Clone, Copy)]
pub struct Once<'a> {
    pub keyed: Option<&'a Keyed<'a>>,
    pub success: StatusCode,
}

#[async_trait]
pub trait InventoryStore: PurchasingStore + Send + Sync {
    async fn supplier_exists(&self, id: Uuid) -> Result<bool>;

    /// A product may name only a supplier that exists: 422 on `supplier_id` otherwise.
    async fn check_supplier(&self, supplier: Option<Uuid>) -> Result<()> {
        match supplier {
            Some(id) if !self.supplier_exists(id).await? => Err(AppError::validation(
                "supplier_id",
                "no supplier with this id",
            )),
            _ => Ok(()),
        }
    }

    /// Adds a product (its initial stock a `received` movement by `user_id`). Records
    /// `product.created`.
    async fn create_product(
        &self,
        once: Once<'_>,
        new: &NewProduct,
        user_id: &str,
        actor: &Actor,
    ) -> Result<Outcome<Product>>;

    async fn get_product(&self, id: ProductId) -> Result<Option<Product>>;

    /// Newest first, filtered.
    async fn list_products(
        &self,
        filter: &ProductFilter,
        page: &PageRequest,
    ) -> Result<Vec<Product>>;

    /// Applies `patch` if the product is still at `expected_version` (when given). Records
    /// `product.updated` (the fields that changed) and `product.archived`.
    async fn update_product(
        &self,
        id: ProductId,
        patch: ProductPatch,
        expected_version: Option<i64>,
        actor: &Actor,
    ) -> Result<Product>;

    /// Everything, oldest first, for the CSV export.
    async fn all_products(&self) -> Result<Vec<Product>>;

    /// Creates new SKUs and updates existing ones, all in one transaction, recording what
    /// each product's creation or edit records.
    async fn import(
        &self,
        once: Once<'_>,
        rows: &[NewProduct],
        user_id: &str,
        actor: &Actor,
    ) -> Result<Outcome<ImportReport>>;

    /// Active products whose available stock is at or below their reorder point.
    async fn low_stock(&self) -> Result<Vec<Product>>;

    async fn summary(&self) -> Result<Summary>;

    /// Stock levels with supplier lead times; all active products when `ids` is empty.
    async fn stock_levels(&self, ids: &[ProductId]) -> Result<Vec<StockLevel>>;

    /// Changes `on_hand` by `delta`; never below `reserved`, never below zero. Records
    /// `stock.adjusted`, and `stock.low` / `stock.out` when available stock falls through them.
    async fn adjust(
        &self,
        once: Once<'_>,
        adjustment: &NewAdjustment<'_>,
        actor: &Actor,
    ) -> Result<Outcome<AdjustmentResult>>;

    /// Reserves for each call every line or none, all in one transaction; an outcome per
    /// call. Repeating a reservation id returns the first result. Records `stock.low` and
    /// `stock.out` for the products whose available stock falls through them.
    async fn reserve_many(&self, calls: &[ReserveCall]) -> Result<Reserved>;

    /// Reservations still held that were made before `before`, in id order after `after`.
    async fn holds(
        &self,
        before: DateTime<Utc>,
        after: Option<OrderId>,
        limit: i64,
    ) -> Result<Vec<Hold>>;

    /// Sets each counted product's `on_hand` to its count, each difference a `correction`
    /// movement, all in one transaction; unknown products and counts below what is reserved
    /// are 422 field errors per line, and nothing is written. Records a `stock.adjusted` per
    /// correction, and `stock.low` / `stock.out` when available stock falls through them.
    async fn stocktake(
        &self,
        once: Once<'_>,
        counted: &Counted<'_>,
        actor: &Actor,
    ) -> Result<Outcome<StocktakeResult>>;

    /// Commits (stock leaves) or releases (stock goes back) a held reservation. Idempotent:
    /// settling again the same way changes nothing; releasing an unknown id leaves a
    /// tombstone so a late reserve takes nothing. `None` for an unknown id.
    async fn settle(&self, id: OrderId, how: Settlement) -> Result<Option<Reservation>>;

    /// Commits exactly these units of a held reservation (a shipment): they leave, `on_hand`
    /// and `reserved` both drop. Once per `commit_id`: a repeat answers the reservation as it
    /// stands and commits nothing. When no unit is left held the reservation is `committed`.
    /// 409 for more than is still held or a reservation no longer held; `None` for an
    /// unknown id.
    async fn commit_part(
        &self,
        id: OrderId,
        commit_id: Uuid,
        lines: &[ReserveLine],
    ) -> Result<Option<Reservation>>;

    /// Puts a return's units back on hand, each a `returned` movement naming the order. Once
    /// per return id: `false` when it had been done (nothing changes again). Records a
    /// `stock.adjusted` per product.
    async fn restock(&self, request: &RestockRequest) -> Result<bool>;

    /// The ledger, newest first, optionally for one product.
    async fn movements(
        &self,
        product_id: Option<ProductId>,
        page: &PageRequest,
    ) -> Result<Vec<Movement>>;

    /// Records `supplier.created`.
    async fn create_supplier(
        &self,
        once: Once<'_>,
        f: SupplierFields,
        actor: &Actor,
    ) -> Result<Outcome<Supplier>>;

    async fn get_supplier(&self, id: Uuid) -> Result<Option<Supplier>>;

    async fn list_suppliers(&self, page: &PageRequest) -> Result<Vec<Supplier>>;

    /// Records `supplier.updated` with the fields that changed.
    async fn update_supplier(&self, id: Uuid, f: SupplierFields, actor: &Actor)
        -> Result<Supplier>;
}

#[cfg(test)]
impl dyn InventoryStore + '_ {
    /// One reservation in a transaction of its own.
    pub async fn reserve(
        &self,
        id: OrderId,
        lines: &[contracts::reservation::ReserveLine],
    ) -> Result<ReserveOutcome> {
        let call = ReserveCall {
            id,
            lines: lines.to_vec(),
            context: None,
        };
        self.reserve_many(&[call])
            .await?
            .outcomes
            .pop()
            .ok_or_else(|| AppError::internal("a reservation without an outcome"))
    }
}

/// The store for this database; `default_reorder_point` stands in for a reorder point of 0.
pub fn open(
    db: Db,
    currency: contracts::Currency,
    default_reorder_point: i64,
) -> Arc<dyn InventoryStore> {
    match db {
        Db::Postgres(pool) => Arc::new(
            postgres::PgStore::new(pool, currency)
                .with_default_reorder_point(default_reorder_point),
        ),
        Db::Sqlite(pool) => Arc::new(
            sqlite::SqliteStore::new(pool, currency)
                .with_default_reorder_point(default_reorder_point),
        ),
    }
}

/// One ledger row, written inside the caller's transaction.
struct LedgerEntry<'a> {
    product_id: ProductId,
    reason: Reason,
    on_hand_delta: i64,
    reserved_delta: i64,
    on_hand_after: i64,
    reserved_after: i64,
    order_id: Option<OrderId>,
    user_id: Option<&'a str>,
    note: Option<&'a str>,
}

/// The ledger reason a settlement writes.
fn settlement_reason(how: Settlement) -> Reason {
    match how {
        Settlement::Commit => Reason::Committed,
        Settlement::Release => Reason::Released,
    }
}

fn stored_reason(text: &str) -> Result<Reason> {
    Reason::parse(text).ok_or_else(|| AppError::internal(format!("stored reason {text:?}")))
}

fn stored_status(text: &str) -> Result<contracts::reservation::ReservationStatus> {
    contracts::reservation::ReservationStatus::parse(text)
        .ok_or_else(|| AppError::internal(format!("stored reservation status {text:?}")))
}

fn duplicate_sku(sku: &Sku) -> AppError {
    AppError::conflict(
        "duplicate-sku",
        "Duplicate SKU",
        format!("a product with SKU {} already exists", sku.as_str()),
    )
}

fn product_not_found() -> AppError {
    AppError::NotFound("no product with this id".into())
}

fn supplier_not_found() -> AppError {
    AppError::NotFound("no supplier with this id".into())
}

fn check_version(current_version: i64, expected: Option<i64>) -> Result<()> {
    match expected {
        Some(v) if v != current_version => Err(stale(current_version)),
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

fn insufficient_for_adjustment(on_hand: i64, reserved: i64, delta: i64) -> AppError {
    AppError::conflict(
        "insufficient-stock",
        "Insufficient stock",
        format!(
            "on hand would be {} but {reserved} units are reserved (on hand now {on_hand})",
            on_hand + delta
        ),
    )
}

fn already_settled(status: contracts::reservation::ReservationStatus) -> AppError {
    AppError::conflict(
        "reservation-settled",
        "Reservation already settled",
        format!("the reservation is already {}", status.as_str()),
    )
}

fn over_commit(product: ProductId) -> AppError {
    AppError::conflict(
        "over-commit",
        "More than is held",
        format!("the reservation holds fewer units of product {product} than this commit takes"),
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

/// The currency the store tests price in.
#[cfg(test)]
fn eur() -> contracts::Currency {
    contracts::Currency::parse("EUR").expect("EUR is a currency code")
}
