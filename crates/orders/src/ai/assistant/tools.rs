//! The tools the model may call, as it is told about them, and who may use each.
//!
//! Customers are not even told about staff tools; a call to one anyway is refused by
//! [`Tool::allowed`] before anything runs.

use contracts::OrderStatus;
use serde_json::{json, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tool {
    SearchProducts,
    GetProduct,
    ListOrders,
    GetOrder,
    SalesStats,
    RestockAdvice,
    ListPurchaseOrders,
    ProposePurchaseOrder,
    ProposeStockAdjustment,
}

impl Tool {
    pub const ALL: [Tool; 9] = [
        Tool::SearchProducts,
        Tool::GetProduct,
        Tool::ListOrders,
        Tool::GetOrder,
        Tool::SalesStats,
        Tool::RestockAdvice,
        Tool::ListPurchaseOrders,
        Tool::ProposePurchaseOrder,
        Tool::ProposeStockAdjustment,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Tool::SearchProducts => "search_products",
            Tool::GetProduct => "get_product",
            Tool::ListOrders => "list_orders",
            Tool::GetOrder => "get_order",
            Tool::SalesStats => "sales_stats",
            Tool::RestockAdvice => "restock_advice",
            Tool::ListPurchaseOrders => "list_purchase_orders",
            Tool::ProposePurchaseOrder => "propose_purchase_order",
            Tool::ProposeStockAdjustment => "propose_stock_adjustment",
        }
    }

    pub fn parse(name: &str) -> Option<Tool> {
        Tool::ALL.into_iter().find(|t| t.name() == name)
    }

    /// Staff-only tools read what only staff may read (sales, costs, purchasing) or prepare
    /// what only staff may do.
    pub fn staff_only(self) -> bool {
        matches!(
            self,
            Tool::SalesStats
                | Tool::RestockAdvice
                | Tool::ListPurchaseOrders
                | Tool::ProposePurchaseOrder
                | Tool::ProposeStockAdjustment
        )
    }

    pub fn allowed(self, staff: bool) -> bool {
        staff || !self.staff_only()
    }

    fn description(self, staff: bool) -> &'static str {
        match (self, staff) {
            (Tool::SearchProducts, true) => "Search the catalogue by SKU or name; stock levels, prices, costs, reorder settings and supplier ids.",
            (Tool::SearchProducts, false) => "Search the shop's products by SKU or name; prices and how many are available to order.",
            (Tool::GetProduct, _) => "One product by id or by exact SKU.",
            (Tool::ListOrders, true) => "Orders, newest first, optionally by status or customer id; each with its number, id, status, total and lines.",
            (Tool::ListOrders, false) => "The signed-in customer's own orders, newest first, optionally by status.",
            (Tool::GetOrder, _) => "One order by id (from list_orders), with lines and status history.",
            (Tool::SalesStats, _) => "Orders by status, revenue by day and top products over the last N days.",
            (Tool::RestockAdvice, _) => "What to reorder: per product the demand, days of cover, suggested reorder quantity (net of what is on order) and urgency, most urgent first.",
            (Tool::ListPurchaseOrders, _) => "Purchase orders to suppliers, newest first, optionally by status or supplier.",
            (Tool::ProposePurchaseOrder, _) => "Prepare a draft purchase order for staff to confirm (nothing is ordered by calling this). Without supplier_id, every product must have the same supplier.",
            (Tool::ProposeStockAdjustment, _) => "Prepare a stock adjustment for staff to confirm (nothing changes by calling this). delta is positive for received/returned, negative for damaged/lost, either for correction.",
        }
    }

    fn parameters(self, staff: bool) -> Value {
        let limit = |default: i64| json!({"type": "integer", "minimum": 1, "maximum": 50, "default": default});
        let uuid = json!({"type": "string", "format": "uuid"});
        let (properties, required) = match self {
            Tool::SearchProducts if staff => (
                json!({"q": {"type": "string", "maxLength": 200, "description": "matches SKU and name"},
                       "category": {"type": "string", "maxLength": 100},
                       "low_stock": {"type": "boolean", "description": "only products at or below their reorder point"},
                       "limit": limit(20)}),
                json!([]),
            ),
            Tool::SearchProducts => (
                json!({"q": {"type": "string", "maxLength": 200, "description": "matches SKU and name"},
                       "category": {"type": "string", "maxLength": 100},
                       "limit": limit(20)}),
                json!([]),
            ),
            Tool::GetProduct => (
                json!({"product_id": uuid, "sku": {"type": "string", "maxLength": 64}}),
                json!([]),
            ),
            Tool::ListOrders => {
                let statuses: Vec<&str> = OrderStatus::ALL.iter().map(|s| s.as_str()).collect();
                let mut p =
                    json!({"status": {"type": "string", "enum": statuses}, "limit": limit(10)});
                if staff {
                    p["customer_id"] = uuid.clone();
                }
                (p, json!([]))
            }
            Tool::GetOrder => (json!({"order_id": uuid}), json!(["order_id"])),
            Tool::SalesStats => (
                json!({"days": {"type": "integer", "minimum": 1, "maximum": 365, "default": 30}}),
                json!([]),
            ),
            Tool::RestockAdvice => (
                json!({"limit": limit(15),
                       "all": {"type": "boolean", "description": "also products that need nothing (default false)"}}),
                json!([]),
            ),
            Tool::ListPurchaseOrders => (
                json!({"status": {"type": "string", "enum": ["draft", "ordered", "partially_received", "received", "cancelled", "closed"]},
                       "supplier_id": uuid, "limit": limit(10)}),
                json!([]),
            ),
            Tool::ProposePurchaseOrder => (
                json!({"supplier_id": uuid,
                       "lines": {"type": "array", "minItems": 1, "maxItems": 100, "items": {
                           "type": "object", "required": ["product_id", "quantity"],
                           "properties": {"product_id": uuid,
                                          "quantity": {"type": "integer", "minimum": 1, "maximum": 1_000_000_000},
                                          "unit_cost_cents": {"type": "integer", "minimum": 0}}}},
                       "expected_at": {"type": "string", "format": "date-time"},
                       "note": {"type": "string", "maxLength": 1000}}),
                json!(["lines"]),
            ),
            Tool::ProposeStockAdjustment => (
                json!({"product_id": uuid,
                       "delta": {"type": "integer", "minimum": -1_000_000_000, "maximum": 1_000_000_000},
                       "reason": {"type": "string", "enum": ["received", "returned", "damaged", "lost", "correction"]},
                       "note": {"type": "string", "maxLength": 500}}),
                json!(["product_id", "delta", "reason"]),
            ),
        };
        json!({"type": "object", "properties": properties, "required": required, "additionalProperties": false})
    }

    /// The tool as the chat-completions API describes it.
    fn spec(self, staff: bool) -> Value {
        json!({"type": "function", "function": {
            "name": self.name(),
            "description": self.description(staff),
            "parameters": self.parameters(staff),
        }})
    }
}

/// Every tool this caller may use, described for them.
pub fn offered(staff: bool) -> Vec<Value> {
    Tool::ALL
        .into_iter()
        .filter(|t| t.allowed(staff))
        .map(|t| t.spec(staff))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(specs: &[Value]) -> Vec<String> {
        specs
            .iter()
            .map(|s| s["function"]["name"].as_str().unwrap().to_string())
            .collect()
    }

    #[test]
    fn customers_are_offered_only_their_own_reads() {
        assert_eq!(
            names(&offered(false)),
            ["search_products", "get_product", "list_orders", "get_order"]
        );
        assert_eq!(names(&offered(true)).len(), Tool::ALL.len());
        let customer_orders = offered(false)
            .into_iter()
            .find(|s| s["function"]["name"] == "list_orders")
            .unwrap();
        assert!(customer_orders["function"]["parameters"]["properties"]["customer_id"].is_null());
    }

    #[test]
    fn every_name_parses_back() {
        for tool in Tool::ALL {
            assert_eq!(Tool::parse(tool.name()), Some(tool));
        }
        assert_eq!(Tool::parse("drop_tables"), None);
    }
}
