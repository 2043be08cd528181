//! Suppliers: who a product is bought from and how long it takes to arrive.

use kernel::{
    time::now_db,
    AppError, Result,
    {legacy::pagination::PageQuery, pagination::PageRequest},
};
use sqlx::AnyConnection;
use uuid::Uuid;

use super::{supplier, Store};
use crate::model::Supplier;

/// A validated supplier; for updates, absent fields keep their value.
#[derive(Debug, Default)]
pub struct SupplierFields {
    pub name: Option<String>,
    pub contact_email: Option<String>,
    pub phone: Option<String>,
    pub lead_time_days: Option<i64>,
}

const COLUMNS: &str = "id, name, contact_email, phone, lead_time_days, created_at";

impl Store {
    /// Adds a supplier inside the caller's transaction (see [`Store::once`]).
    pub async fn create_supplier(
        &self,
        conn: &mut AnyConnection,
        f: SupplierFields,
    ) -> Result<Supplier> {
        let now = now_db();
        let row = sqlx::query(&format!(
            "INSERT INTO suppliers (id, name, contact_email, phone, lead_time_days, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING {COLUMNS}"
        ))
        .bind(Uuid::now_v7().to_string())
        .bind(f.name.unwrap_or_default())
        .bind(f.contact_email)
        .bind(f.phone)
        .bind(f.lead_time_days.unwrap_or(7))
        .bind(&now)
        .fetch_one(&mut *conn)
        .await?;
        supplier(&row)
    }

    pub async fn get_supplier(&self, id: Uuid) -> Result<Option<Supplier>> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM suppliers WHERE id = $1"))
            .bind(id.to_string())
            .fetch_optional(&self.db.pool)
            .await?;
        row.as_ref().map(supplier).transpose()
    }

    pub async fn list_suppliers(&self, page: &PageRequest) -> Result<Vec<Supplier>> {
        let (sql, args) =
            PageQuery::default().finish(&format!("SELECT {COLUMNS} FROM suppliers"), "", page);
        let rows = args.bind(&sql).fetch_all(&self.db.pool).await?;
        rows.iter().map(supplier).collect()
    }

    pub async fn update_supplier(&self, id: Uuid, f: SupplierFields) -> Result<Supplier> {
        let current = self
            .get_supplier(id)
            .await?
            .ok_or_else(|| AppError::NotFound("no supplier with this id".into()))?;
        let row = sqlx::query(&format!(
            "UPDATE suppliers SET name = $2, contact_email = $3, phone = $4, lead_time_days = $5, updated_at = $6
             WHERE id = $1 RETURNING {COLUMNS}"
        ))
        .bind(id.to_string())
        .bind(f.name.unwrap_or(current.name))
        .bind(f.contact_email.or(current.contact_email))
        .bind(f.phone.or(current.phone))
        .bind(f.lead_time_days.unwrap_or(current.lead_time_days))
        .bind(now_db())
        .fetch_one(&self.db.pool)
        .await?;
        supplier(&row)
    }
}
