//! Inventory's storage: plain SQL that SQLite and PostgreSQL both accept. Stock changes and
//! their ledger rows are always written in one transaction.

mod products;
mod stock;
mod suppliers;

use axum::http::StatusCode;
use kernel::{
    idempotency::{Keyed, Outcome},
    legacy::db::Db,
    time::from_db,
    AppError, Result,
};
use sqlx::{any::AnyRow, AnyConnection, Row};
use uuid::Uuid;

use crate::{
    domain::Reason,
    model::{Movement, Product, Supplier},
};

pub use products::{NewProduct, ProductFilter, ProductPatch};
pub use stock::ReserveOutcome;
pub use suppliers::SupplierFields;

#[derive(Clone)]
pub struct Store {
    db: Db,
    currency: String,
}

pub(crate) const PRODUCT_COLUMNS: &str =
    "id, sku, name, description, category, supplier_id, price_cents, on_hand, \
     reserved, reorder_point, reorder_quantity, active, version, created_at, updated_at";

pub(crate) fn uuid(row: &AnyRow, column: &str) -> Result<Uuid> {
    Uuid::parse_str(row.try_get::<&str, _>(column)?).map_err(AppError::internal)
}

fn optional_uuid(row: &AnyRow, column: &str) -> Result<Option<Uuid>> {
    row.try_get::<Option<String>, _>(column)?
        .map(|s| Uuid::parse_str(&s).map_err(AppError::internal))
        .transpose()
}

impl Store {
    pub fn new(db: Db, currency: String) -> Self {
        Self { db, currency }
    }

    /// Runs a creating change in one transaction; with an `Idempotency-Key`, at most once per
    /// key, its answer kept in the same transaction (see [`kernel::idempotency`]).
    pub async fn once<T, F>(
        &self,
        keyed: Option<&Keyed<'_>>,
        success: StatusCode,
        change: F,
    ) -> Result<Outcome<T>>
    where
        T: serde::Serialize,
        F: AsyncFnOnce(&mut AnyConnection) -> Result<T>,
    {
        kernel::legacy::idempotency::once(&self.db.pool, keyed, success, change).await
    }

    pub(crate) fn product(&self, row: &AnyRow) -> Result<Product> {
        let on_hand: i64 = row.try_get("on_hand")?;
        let reserved: i64 = row.try_get("reserved")?;
        Ok(Product {
            id: uuid(row, "id")?,
            sku: row.try_get("sku")?,
            name: row.try_get("name")?,
            description: row.try_get("description")?,
            category: row.try_get("category")?,
            supplier_id: optional_uuid(row, "supplier_id")?,
            price_cents: row.try_get("price_cents")?,
            currency: self.currency.clone(),
            on_hand,
            reserved,
            available: on_hand - reserved,
            reorder_point: row.try_get("reorder_point")?,
            reorder_quantity: row.try_get("reorder_quantity")?,
            active: row.try_get::<i64, _>("active")? != 0,
            version: row.try_get("version")?,
            created_at: from_db(row.try_get("created_at")?)?,
            updated_at: from_db(row.try_get("updated_at")?)?,
        })
    }
}

pub(crate) fn movement(row: &AnyRow) -> Result<Movement> {
    let reason: String = row.try_get("reason")?;
    Ok(Movement {
        id: uuid(row, "id")?,
        product_id: uuid(row, "product_id")?,
        reason: Reason::parse(&reason)
            .ok_or_else(|| AppError::internal(format!("stored reason {reason:?}")))?,
        on_hand_delta: row.try_get("on_hand_delta")?,
        reserved_delta: row.try_get("reserved_delta")?,
        on_hand_after: row.try_get("on_hand_after")?,
        reserved_after: row.try_get("reserved_after")?,
        order_id: optional_uuid(row, "order_id")?,
        user_id: row.try_get("user_id")?,
        note: row.try_get("note")?,
        created_at: from_db(row.try_get("created_at")?)?,
    })
}

pub(crate) fn supplier(row: &AnyRow) -> Result<Supplier> {
    Ok(Supplier {
        id: uuid(row, "id")?,
        name: row.try_get("name")?,
        contact_email: row.try_get("contact_email")?,
        phone: row.try_get("phone")?,
        lead_time_days: row.try_get("lead_time_days")?,
        created_at: from_db(row.try_get("created_at")?)?,
    })
}

/// One ledger row, written inside the caller's transaction.
pub(crate) struct LedgerEntry<'a> {
    pub product_id: &'a str,
    pub reason: Reason,
    pub on_hand_delta: i64,
    pub reserved_delta: i64,
    pub on_hand_after: i64,
    pub reserved_after: i64,
    pub order_id: Option<&'a str>,
    pub user_id: Option<&'a str>,
    pub note: Option<&'a str>,
}

pub(crate) const MOVEMENT_COLUMNS: &str =
    "id, product_id, reason, on_hand_delta, reserved_delta, on_hand_after, \
     reserved_after, order_id, user_id, note, created_at";

impl LedgerEntry<'_> {
    pub async fn write(&self, conn: &mut sqlx::AnyConnection, at: &str) -> Result<AnyRow> {
        Ok(sqlx::query(&format!(
            "INSERT INTO movements ({MOVEMENT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
             RETURNING {MOVEMENT_COLUMNS}"
        ))
        .bind(Uuid::now_v7().to_string())
        .bind(self.product_id)
        .bind(self.reason.as_str())
        .bind(self.on_hand_delta)
        .bind(self.reserved_delta)
        .bind(self.on_hand_after)
        .bind(self.reserved_after)
        .bind(self.order_id)
        .bind(self.user_id)
        .bind(self.note)
        .bind(at)
        .fetch_one(conn)
        .await?)
    }
}
