//! Running one tool call as the caller: orders' own data through the same scoped functions
//! the orders routes use, inventory's through its public API with the caller's token.

use contracts::{OrderId, OrderStatus};
use kernel::{pagination::PageRequest, AppError};
use serde::{de::DeserializeOwned, Deserialize};
use serde_json::{json, Value};
use uuid::Uuid;

use super::{model::Proposal, proposals, tools::Tool, views, Ctx};
use crate::{ai::forecast::Urgency, model::Order, store::OrderFilter};

/// Why a tool gave no result; the model is told, in these words.
#[derive(Debug, thiserror::Error)]
pub enum ToolError {
    #[error("invalid arguments: {0}")]
    Invalid(String),
    #[error("not found: {0}")]
    NotFound(String),
    #[error("not allowed for this user")]
    Forbidden,
    #[error("unavailable: {0}")]
    Unavailable(String),
}

/// A tool's result, and the proposal it made, if it is a proposing tool.
pub struct Done {
    pub result: Value,
    pub proposal: Option<Proposal>,
}

impl From<Value> for Done {
    fn from(result: Value) -> Self {
        Self {
            result,
            proposal: None,
        }
    }
}

/// The arguments as `T`; unknown fields are ignored (a customer naming `customer_id` gets
/// their own orders all the same).
pub fn args<T: DeserializeOwned>(value: &Value) -> Result<T, ToolError> {
    T::deserialize(value).map_err(|e| ToolError::Invalid(e.to_string()))
}

pub fn uuid(field: &str, value: &str) -> Result<Uuid, ToolError> {
    Uuid::parse_str(value.trim()).map_err(|_| {
        ToolError::Invalid(format!("{field} must be a UUID, e.g. from search_products"))
    })
}

fn limit(value: Option<i64>, default: i64) -> Result<i64, ToolError> {
    let n = value.unwrap_or(default);
    if (1..=50).contains(&n) {
        Ok(n)
    } else {
        Err(ToolError::Invalid("limit must be 1 to 50".into()))
    }
}

fn text(field: &str, value: Option<String>, max: usize) -> Result<Option<String>, ToolError> {
    match value
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
    {
        Some(v) if v.chars().count() > max => Err(ToolError::Invalid(format!(
            "{field} must be at most {max} characters"
        ))),
        v => Ok(v),
    }
}

/// Orders' own failures, in words a model can pass on.
fn orders_error(e: AppError) -> ToolError {
    match e {
        AppError::NotFound(_) => ToolError::NotFound("no order with this id".into()),
        e => {
            tracing::warn!(error = %e, "an assistant tool could not read orders");
            ToolError::Unavailable("orders could not be read just now".into())
        }
    }
}

pub async fn execute(ctx: &Ctx<'_>, tool: Tool, arguments: &Value) -> Result<Done, ToolError> {
    match tool {
        Tool::SearchProducts => search_products(ctx, args(arguments)?).await.map(Done::from),
        Tool::GetProduct => get_product(ctx, args(arguments)?).await.map(Done::from),
        Tool::ListOrders => list_orders(ctx, args(arguments)?).await.map(Done::from),
        Tool::GetOrder => get_order(ctx, args(arguments)?).await.map(Done::from),
        Tool::SalesStats => sales_stats(ctx, args(arguments)?).await.map(Done::from),
        Tool::RestockAdvice => restock_advice(ctx, args(arguments)?).await.map(Done::from),
        Tool::ListPurchaseOrders => list_purchase_orders(ctx, args(arguments)?)
            .await
            .map(Done::from),
        Tool::ProposePurchaseOrder => proposals::purchase_order(ctx, args(arguments)?).await,
        Tool::ProposeStockAdjustment => proposals::stock_adjustment(ctx, args(arguments)?).await,
    }
}

#[derive(Deserialize)]
struct Search {
    q: Option<String>,
    category: Option<String>,
    low_stock: Option<bool>,
    limit: Option<i64>,
}

async fn search_products(ctx: &Ctx<'_>, a: Search) -> Result<Value, ToolError> {
    let mut query = vec![("limit", limit(a.limit, 20)?.to_string())];
    if let Some(q) = text("q", a.q, 200)? {
        query.push(("q", q));
    }
    if let Some(category) = text("category", a.category, 100)? {
        query.push(("category", category));
    }
    // Low stock is measured against reorder points, which customers are not shown.
    if let (true, Some(low)) = (ctx.staff, a.low_stock) {
        query.push(("low_stock", low.to_string()));
    }
    let page = ctx
        .inventory()
        .products(ctx.token(), &query, ctx.deadline)
        .await?;
    Ok(list(&page, |p| views::product(ctx.staff, p)))
}

/// A page from inventory as `{items, more}`, each item through `view`.
fn list(page: &Value, view: impl Fn(&Value) -> Value) -> Value {
    let items: Vec<Value> = page["items"]
        .as_array()
        .map(|items| items.iter().map(view).collect())
        .unwrap_or_default();
    json!({"items": items, "more": !page["next_cursor"].is_null()})
}

#[derive(Deserialize)]
struct ProductRef {
    product_id: Option<String>,
    sku: Option<String>,
}

async fn get_product(ctx: &Ctx<'_>, a: ProductRef) -> Result<Value, ToolError> {
    let product = match (a.product_id, text("sku", a.sku, 64)?) {
        (Some(id), _) => {
            let id = uuid("product_id", &id)?;
            ctx.inventory()
                .product(ctx.token(), id, ctx.deadline)
                .await?
        }
        (None, Some(sku)) => {
            let query = [("q", sku.clone()), ("limit", "50".to_string())];
            let page = ctx
                .inventory()
                .products(ctx.token(), &query, ctx.deadline)
                .await?;
            page["items"]
                .as_array()
                .and_then(|items| {
                    items.iter().find(|p| {
                        p["sku"]
                            .as_str()
                            .is_some_and(|s| s.eq_ignore_ascii_case(&sku))
                    })
                })
                .cloned()
                .ok_or_else(|| ToolError::NotFound(format!("no product with SKU {sku}")))?
        }
        (None, None) => return Err(ToolError::Invalid("give product_id or sku".into())),
    };
    Ok(views::product_detail(ctx.staff, &product))
}

#[derive(Deserialize)]
struct OrderList {
    status: Option<String>,
    customer_id: Option<String>,
    limit: Option<i64>,
}

async fn list_orders(ctx: &Ctx<'_>, a: OrderList) -> Result<Value, ToolError> {
    let limit = limit(a.limit, 10)?;
    let status = a
        .status
        .map(|s| {
            OrderStatus::parse(s.trim())
                .ok_or_else(|| ToolError::Invalid(format!("unknown order status {s:?}")))
        })
        .transpose()?;
    // As the orders route does: customers see their own orders whatever they ask for.
    let customer_id = if ctx.staff {
        a.customer_id
            .map(|id| uuid("customer_id", &id).map(|id| id.to_string()))
            .transpose()?
    } else {
        Some(ctx.user_id()?)
    };
    let page = PageRequest::parse(Some(limit), None).map_err(orders_error)?;
    let mut orders = ctx
        .deps
        .saga
        .store
        .list_orders(
            &OrderFilter {
                status,
                customer_id,
            },
            &page,
        )
        .await
        .map_err(orders_error)?;
    let more = orders.len() as i64 > limit;
    orders.truncate(limit as usize);
    let items: Vec<Value> = orders
        .into_iter()
        .map(|o| views::order_line_up(ctx.staff, &Order::from(o).seen_by(ctx.user)))
        .collect();
    Ok(json!({"items": items, "more": more}))
}

#[derive(Deserialize)]
struct OrderRef {
    order_id: String,
}

async fn get_order(ctx: &Ctx<'_>, a: OrderRef) -> Result<Value, ToolError> {
    let id = OrderId(uuid("order_id", &a.order_id)?);
    let order = ctx
        .deps
        .saga
        .visible(id, ctx.user)
        .await
        .map_err(orders_error)?;
    Ok(views::order_detail(
        ctx.staff,
        &Order::from(order).seen_by(ctx.user),
    ))
}

#[derive(Deserialize)]
struct Days {
    days: Option<i64>,
}

async fn sales_stats(ctx: &Ctx<'_>, a: Days) -> Result<Value, ToolError> {
    let days = a.days.unwrap_or(30);
    if !(1..=365).contains(&days) {
        return Err(ToolError::Invalid("days must be 1 to 365".into()));
    }
    let mut stats = ctx
        .deps
        .saga
        .store
        .stats(days)
        .await
        .map_err(orders_error)?;
    stats.top_products.truncate(10);
    let mut value = serde_json::to_value(stats).unwrap_or(Value::Null);
    value["days"] = days.into();
    Ok(value)
}

#[derive(Deserialize)]
struct Advice {
    limit: Option<i64>,
    all: Option<bool>,
}

async fn restock_advice(ctx: &Ctx<'_>, a: Advice) -> Result<Value, ToolError> {
    let limit = limit(a.limit, 15)? as usize;
    let all = a.all.unwrap_or(false);
    let items = ctx
        .deps
        .insights
        .forecast()
        .await
        .map_err(|_| ToolError::Unavailable("stock levels are unavailable".into()))?;
    let wanted: Vec<_> = items
        .into_iter()
        .filter(|i| all || i.suggested_reorder_quantity > 0 || i.urgency != Urgency::Ok)
        .collect();
    let more = wanted.len() > limit;
    let items: Vec<_> = wanted.into_iter().take(limit).collect();
    Ok(json!({"items": items, "more": more, "window_days": crate::ai::forecast::WINDOW_DAYS}))
}

#[derive(Deserialize)]
struct PoList {
    status: Option<String>,
    supplier_id: Option<String>,
    limit: Option<i64>,
}

const PO_STATUSES: [&str; 6] = [
    "draft",
    "ordered",
    "partially_received",
    "received",
    "cancelled",
    "closed",
];

async fn list_purchase_orders(ctx: &Ctx<'_>, a: PoList) -> Result<Value, ToolError> {
    let mut query = vec![("limit", limit(a.limit, 10)?.to_string())];
    if let Some(status) = a.status.map(|s| s.trim().to_string()) {
        if !PO_STATUSES.contains(&status.as_str()) {
            return Err(ToolError::Invalid(format!(
                "status must be one of {}",
                PO_STATUSES.join(", ")
            )));
        }
        query.push(("status", status));
    }
    if let Some(id) = a.supplier_id {
        query.push(("supplier_id", uuid("supplier_id", &id)?.to_string()));
    }
    let page = ctx
        .inventory()
        .purchase_orders(ctx.token(), &query, ctx.deadline)
        .await?;
    Ok(list(&page, views::purchase_order))
}
