//! The fallback for providers or models without tools: a bounded snapshot of live data,
//! scoped to the caller, given to the model as quoted data with the conversation after it.
//! Staff get low stock, recent orders and a week of stats; a customer gets their own recent
//! orders and what the shop has available, nothing else.

use serde_json::{json, Value};

use super::{views, Ctx};
use crate::{model::Order, store::OrderFilter};

/// Orders and products a snapshot holds, at most.
const RECENT_ORDERS: i64 = 10;
const LOW_STOCK: usize = 25;
const CATALOGUE: i64 = 50;

pub async fn snapshot(ctx: &Ctx<'_>) -> kernel::Result<Value> {
    if ctx.staff {
        staff(ctx).await
    } else {
        customer(ctx).await
    }
}

async fn recent_orders(ctx: &Ctx<'_>, customer_id: Option<String>) -> kernel::Result<Vec<Value>> {
    let page = kernel::pagination::PageRequest::parse(Some(RECENT_ORDERS), None)?;
    let filter = OrderFilter {
        status: None,
        customer_id,
    };
    let mut orders = ctx.deps.saga.store.list_orders(&filter, &page).await?;
    orders.truncate(RECENT_ORDERS as usize);
    Ok(orders
        .into_iter()
        .map(|o| views::order_line_up(ctx.staff, &Order::from(o).seen_by(ctx.user)))
        .collect())
}

async fn staff(ctx: &Ctx<'_>) -> kernel::Result<Value> {
    let store = &ctx.deps.saga.store;
    let (recent, stats, stock) = tokio::join!(
        recent_orders(ctx, None),
        store.stats(7),
        ctx.deps.saga.inventory.stock()
    );
    let low: Vec<Value> = match &stock {
        Ok(levels) => levels
            .items
            .iter()
            .filter(|p| p.is_low())
            .take(LOW_STOCK)
            .map(|p| json!({"sku": p.sku, "name": p.name, "available": p.available, "reorder_point": p.reorder_point}))
            .collect(),
        Err(_) => Vec::new(),
    };
    let stats = stats?;
    Ok(json!({
        "low_stock": low,
        "stock_known": stock.is_ok(),
        "recent_orders": recent?,
        "last_7_days": {"by_status": stats.by_status, "revenue_by_day": stats.revenue_by_day, "top_products": stats.top_products},
        "currency": stats.currency,
    }))
}

async fn customer(ctx: &Ctx<'_>) -> kernel::Result<Value> {
    let own = ctx
        .user_id()
        .map_err(|e| kernel::AppError::Forbidden(e.to_string()))?;
    let query = [("limit", CATALOGUE.to_string())];
    let (orders, catalogue) = tokio::join!(
        recent_orders(ctx, Some(own)),
        ctx.inventory().products(ctx.token(), &query, ctx.deadline)
    );
    let available: Vec<Value> = catalogue
        .as_ref()
        .ok()
        .and_then(|page| page["items"].as_array())
        .map(|items| items.iter().map(|p| views::product(false, p)).collect())
        .unwrap_or_default();
    Ok(json!({
        "your_recent_orders": orders?,
        "products_available": available,
        "products_known": catalogue.is_ok(),
    }))
}
