//! The demo's orders after they are placed, by age: the newest wait, recent ones ship whole or
//! in part, older ones arrive and a few come partly back, so every fulfilment state shows.

use reqwest::Method;
use serde_json::{json, Value};

use super::{text, Client, Result};

/// Moves order `i` (`id`, placed `age` days ago by the customer holding `token`) along as a
/// shop would have by now: the newest wait, those of a few days ship (every other one only in
/// part), older ones shipped whole and most of those arrived; every thirteenth arrived order
/// comes partly back, received as damaged or restocked in turn.
pub async fn progress(
    client: &Client,
    i: usize,
    age: i64,
    order: &Value,
    staff: &str,
    token: &str,
) -> Result<()> {
    let id = text(order, "id")?;
    let line = &order["lines"][0];
    if age < 2 {
        return Ok(());
    }
    if age < 5 && i.is_multiple_of(2) {
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
        return Ok(());
    }
    let fulfilled = client
        .expect(
            Method::POST,
            &format!("/api/orders/{id}/fulfil"),
            staff,
            Some(&json!({})),
            &[200],
        )
        .await?;
    if age < 8 || i.is_multiple_of(4) {
        return Ok(());
    }
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
    if i.is_multiple_of(13) {
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
        let condition = if i.is_multiple_of(2) {
            "damaged"
        } else {
            "restock"
        };
        let received = json!({"lines": [{"product_id": line["product_id"], "quantity": 1, "condition": condition}]});
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
    Ok(())
}
