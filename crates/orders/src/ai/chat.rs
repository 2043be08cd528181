//! The staff assistant: answers questions from a compact snapshot of live data.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use utoipa::ToSchema;

use super::{Ai, AiError};
use crate::{inventory::InventoryClient, store::OrdersStore};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChatRequest {
    #[schema(min_length = 1, max_length = 2000, pattern = r"\S")]
    pub message: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ChatAnswer {
    pub answer: String,
    pub model: String,
    pub generated_at: chrono::DateTime<chrono::Utc>,
    /// What the answer was based on.
    pub context: Value,
}

/// The snapshot the assistant sees: low stock, recent orders, a week of stats.
async fn snapshot(store: &dyn OrdersStore, inventory: &InventoryClient) -> kernel::Result<Value> {
    let page = kernel::pagination::PageRequest::parse(Some(10), None)?;
    let everyone = Default::default();
    let (recent, stats, stock) = tokio::join!(
        store.list_orders(&everyone, &page),
        store.stats(7),
        inventory.stock()
    );
    let low: Vec<Value> = match &stock {
        Ok(levels) => levels
            .items
            .iter()
            .filter(|p| p.is_low())
            .take(25)
            .map(|p| json!({"sku": p.sku, "name": p.name, "available": p.available, "reorder_point": p.reorder_point}))
            .collect(),
        Err(_) => Vec::new(),
    };
    let recent: Vec<Value> = recent?
        .iter()
        .map(|o| {
            json!({"number": o.number, "status": o.status, "total_cents": o.total.cents, "created_at": o.created_at,
                   "lines": o.lines.iter().map(|l| format!("{} x {}", l.quantity, l.name)).collect::<Vec<_>>()})
        })
        .collect();
    let stats = stats?;
    Ok(json!({
        "low_stock": low,
        "stock_known": stock.is_ok(),
        "recent_orders": recent,
        "last_7_days": {"by_status": stats.by_status, "revenue_by_day": stats.revenue_by_day, "top_products": stats.top_products},
        "currency": stats.currency,
    }))
}

pub async fn chat(
    ai: &Ai,
    store: &dyn OrdersStore,
    inventory: &InventoryClient,
    question: &str,
) -> kernel::Result<ChatAnswer> {
    if !ai.enabled() {
        return Err(AiError::Disabled.into());
    }
    if let Some(retry_after_secs) = ai.open_for() {
        return Err(AiError::Open { retry_after_secs }.into());
    }
    let context = snapshot(store, inventory).await?;
    let messages = super::prompts::chat(&context, question);
    let (answer, model) = ai.complete(&messages, 600, 2).await?;
    Ok(ChatAnswer {
        answer,
        model,
        generated_at: chrono::Utc::now(),
        context,
    })
}
