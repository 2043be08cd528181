//! The deterministic restock forecast: always available, AI or not.

use contracts::ProductId;
use serde::Serialize;
use utoipa::ToSchema;

/// Days of stock to buy beyond the supplier's lead time.
const CYCLE_DAYS: f64 = 14.0;
/// Lead time assumed when a product has no supplier.
pub const DEFAULT_LEAD_TIME_DAYS: i64 = 7;
pub const WINDOW_DAYS: i64 = 30;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Urgency {
    Critical,
    Soon,
    Ok,
}

/// What the forecast needs to know about one product.
#[derive(Debug, Clone)]
pub struct StockFacts {
    pub product_id: ProductId,
    pub sku: String,
    pub name: String,
    pub on_hand: i64,
    pub available: i64,
    pub reorder_point: i64,
    pub reorder_quantity: i64,
    pub lead_time_days: Option<i64>,
    /// Units on open purchase orders, not yet received.
    pub on_order: i64,
    pub expected_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Units sold in confirmed and fulfilled orders over the last [`WINDOW_DAYS`].
    pub sold_in_window: i64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Restock {
    pub product_id: ProductId,
    pub sku: String,
    pub name: String,
    pub on_hand: i64,
    pub available: i64,
    pub reorder_point: i64,
    pub lead_time_days: i64,
    pub daily_demand: f64,
    /// `null` when nothing sells: the stock lasts indefinitely.
    pub days_of_cover: Option<f64>,
    /// Net of `on_order`: 0 when what is coming already covers the need.
    pub suggested_reorder_quantity: i64,
    pub urgency: Urgency,
    /// Units on open purchase orders, not yet received.
    pub on_order: i64,
    /// When the earliest open purchase order with this product is expected.
    pub expected_at: Option<chrono::DateTime<chrono::Utc>>,
}

pub fn forecast(f: &StockFacts) -> Restock {
    let lead = f.lead_time_days.unwrap_or(DEFAULT_LEAD_TIME_DAYS).max(0);
    let daily = f.sold_in_window.max(0) as f64 / WINDOW_DAYS as f64;
    let cover = (daily > 0.0).then(|| (f.available.max(0) as f64 / daily * 10.0).round() / 10.0);
    // With no recent demand nothing is being lost while stock is out: low stock is worth
    // reordering soon, never critical.
    let urgency = match cover {
        _ if f.available <= 0 && daily > 0.0 => Urgency::Critical,
        Some(c) if c < lead as f64 => Urgency::Critical,
        Some(c) if c < lead as f64 + 7.0 => Urgency::Soon,
        _ if f.available <= f.reorder_point => Urgency::Soon,
        _ => Urgency::Ok,
    };
    let suggested = if urgency == Urgency::Ok {
        0
    } else {
        // Enough to cover the lead time plus a cycle, and at least the configured batch;
        // what is already on order counts, and when it covers the need nothing more is asked.
        let target = (daily * (lead as f64 + CYCLE_DAYS)).ceil() as i64 + f.reorder_point;
        let need = target - f.available - f.on_order.max(0);
        if f.on_order > 0 && need <= 0 {
            0
        } else {
            need.max(f.reorder_quantity).max(0)
        }
    };
    Restock {
        product_id: f.product_id,
        sku: f.sku.clone(),
        name: f.name.clone(),
        on_hand: f.on_hand,
        available: f.available,
        reorder_point: f.reorder_point,
        lead_time_days: lead,
        daily_demand: (daily * 100.0).round() / 100.0,
        days_of_cover: cover,
        suggested_reorder_quantity: suggested,
        urgency,
        on_order: f.on_order,
        expected_at: f.expected_at,
    }
}

/// Most urgent first; within a level, least cover first.
pub fn rank(items: &mut [Restock]) {
    let order = |u: Urgency| match u {
        Urgency::Critical => 0,
        Urgency::Soon => 1,
        Urgency::Ok => 2,
    };
    items.sort_by(|a, b| {
        order(a.urgency)
            .cmp(&order(b.urgency))
            .then(
                a.days_of_cover
                    .unwrap_or(f64::MAX)
                    .total_cmp(&b.days_of_cover.unwrap_or(f64::MAX)),
            )
            .then(a.sku.cmp(&b.sku))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(available: i64, sold: i64, lead: Option<i64>) -> StockFacts {
        StockFacts {
            product_id: ProductId::from(uuid::Uuid::nil()),
            sku: "S".into(),
            name: "N".into(),
            on_hand: available,
            available,
            reorder_point: 5,
            reorder_quantity: 20,
            lead_time_days: lead,
            on_order: 0,
            expected_at: None,
            sold_in_window: sold,
        }
    }

    #[test]
    fn cover_is_available_over_daily_demand() {
        let r = forecast(&facts(30, 60, Some(3)));
        assert_eq!(r.daily_demand, 2.0);
        assert_eq!(r.days_of_cover, Some(15.0));
        assert_eq!(r.urgency, Urgency::Ok);
        assert_eq!(r.suggested_reorder_quantity, 0);
    }

    #[test]
    fn running_out_before_the_supplier_delivers_is_critical() {
        let r = forecast(&facts(10, 60, Some(7)));
        assert_eq!(r.days_of_cover, Some(5.0));
        assert_eq!(r.urgency, Urgency::Critical);
        // 2/day × (7 + 14) days + reorder point 5 − 10 available = 37
        assert_eq!(r.suggested_reorder_quantity, 37);
    }

    #[test]
    fn no_demand_means_no_cover_limit_but_low_stock_still_counts() {
        let idle = forecast(&facts(100, 0, None));
        assert_eq!((idle.days_of_cover, idle.urgency), (None, Urgency::Ok));
        let low = forecast(&facts(3, 0, None));
        assert_eq!(low.urgency, Urgency::Soon);
        assert_eq!(
            low.suggested_reorder_quantity, 20,
            "at least the configured batch"
        );
        assert_eq!(
            forecast(&facts(0, 0, None)).urgency,
            Urgency::Soon,
            "out of stock with no recent demand is not critical"
        );
        assert_eq!(forecast(&facts(0, 3, None)).urgency, Urgency::Critical);
    }

    #[test]
    fn what_is_on_order_is_subtracted_from_the_suggestion() {
        let mut f = facts(10, 60, Some(7));
        f.on_order = 30;
        // 2/day × 21 days + 5 − 10 available − 30 on order = 7, but at least the batch of 20
        assert_eq!(forecast(&f).suggested_reorder_quantity, 20);
        f.on_order = 40;
        let covered = forecast(&f);
        assert_eq!(covered.suggested_reorder_quantity, 0);
        assert_eq!(
            covered.urgency,
            Urgency::Critical,
            "the shelf is still short"
        );
        assert_eq!(covered.on_order, 40);
    }
}
