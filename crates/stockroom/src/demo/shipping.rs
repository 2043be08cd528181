//! The demo's orders after they are placed: some ship whole (and some of those arrive, and
//! one of those comes partly back), some ship in part, so every fulfilment state shows.

use reqwest::Method;
use serde_json::{json, Value};

use super::{text, Client, Result};

/// Moves order `i` (`id`, placed by the customer holding `token`) along: shipped whole every
/// third order, delivered every ninth, a unit returned and received every eighteenth; the
/// first unit shipped alone every fifth of the rest.
pub async fn progress(
    client: &Client,
    i: usize,
    order: &Value,
    staff: &str,
    token: &str,
) -> Result<()> {
    let id = text(order, "id")?;
    if i.is_multiple_of(3) {
        let fulfilled = client
            .expect(
                Method::POST,
                &format!("/api/orders/{id}/fulfil"),
                staff,
                Some(&json!({})),
                &[200],
            )
            .await?;
        if i.is_multiple_of(9) {
            let shipment = text(&fulfilled["shipments"][0], "id")?;
            client
                .expect(
                    Method::POST,
                    &format!("/api/orders/{id}/shipments/{shipment}/delivered"),
                    staff,
                    None,
                    &[200],
                )
                .await?;
        }
        if i.is_multiple_of(18) {
            let line = &order["lines"][0];
            let asked = json!({"lines": [{"product_id": line["product_id"], "quantity": 1}],
                               "reason": "Arrived with a dented tin"});
            let ret = client
                .expect(
                    Method::POST,
                    &format!("/api/orders/{id}/returns"),
                    token,
                    Some(&asked),
                    &[201],
                )
                .await?;
            let received = json!({"lines": [{"product_id": line["product_id"], "quantity": 1, "condition": "damaged"}]});
            client
                .expect(
                    Method::POST,
                    &format!("/api/returns/{}/receive", text(&ret, "id")?),
                    staff,
                    Some(&received),
                    &[200],
                )
                .await?;
        }
    } else if i % 5 == 2 {
        let line = &order["lines"][0];
        let part = json!({"lines": [{"product_id": line["product_id"], "quantity": 1}],
                          "carrier": "Royal Mail", "tracking_number": format!("RM{i:06}GB")});
        client
            .expect(
                Method::POST,
                &format!("/api/orders/{id}/shipments"),
                staff,
                Some(&part),
                &[201],
            )
            .await?;
    }
    Ok(())
}
