//! What the AI is asked. Every prompt is built only from real data it is given.

use serde::Deserialize;

use super::provider::Message;
use crate::model::Order;

/// `2550` cents → `25.50`.
pub fn money(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    format!("{sign}{}.{:02}", cents.abs() / 100, cents.abs() % 100)
}

pub fn order_summary(order: &Order) -> Vec<Message> {
    let mut facts = format!(
        "Order {} for {}, status {}, total {} {}.\nLines:\n",
        order.number,
        order.customer_email,
        order.status.as_str(),
        money(order.total_cents),
        order.currency
    );
    for line in &order.lines {
        facts.push_str(&format!(
            "- {} x {} (SKU {}) at {} {} each\n",
            line.quantity,
            line.name,
            line.sku,
            money(line.unit_price_cents),
            order.currency
        ));
    }
    if let Some(note) = &order.note {
        facts.push_str(&format!("Note from the customer: {note}\n"));
    }
    vec![
        Message::system(
            "You help the warehouse team of a shop that uses Stockroom. Summarise the order for staff in at most \
             two sentences (what to pick, anything unusual), and write a short, friendly confirmation message the \
             staff can send to the customer. Use only the facts given; never invent products, prices or dates. \
             Answer only with JSON: {\"summary\": \"...\", \"customer_message\": \"...\"}",
        ),
        Message::user(facts),
    ]
}

#[derive(Deserialize)]
struct SummaryJson {
    summary: String,
    customer_message: Option<String>,
}

/// Reads the model's answer: the JSON asked for (possibly in a code fence), else the text.
pub fn parse_summary(answer: &str) -> (String, Option<String>) {
    let trimmed = answer
        .trim()
        .trim_start_matches("```json")
        .trim_start_matches("```")
        .trim_end_matches("```")
        .trim();
    let json = trimmed
        .find('{')
        .zip(trimmed.rfind('}'))
        .and_then(|(a, b)| trimmed.get(a..=b));
    match json.and_then(|j| serde_json::from_str::<SummaryJson>(j).ok()) {
        Some(s) => (s.summary, s.customer_message),
        None => (answer.trim().to_string(), None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_is_formatted_from_cents() {
        assert_eq!(money(2550), "25.50");
        assert_eq!(money(5), "0.05");
        assert_eq!(money(-120), "-1.20");
    }

    #[test]
    fn answers_are_read_as_json_in_or_out_of_a_fence() {
        let fenced =
            "```json\n{\"summary\": \"Pick 3 teas\", \"customer_message\": \"Thanks!\"}\n```";
        assert_eq!(
            parse_summary(fenced),
            ("Pick 3 teas".into(), Some("Thanks!".into()))
        );
        assert_eq!(parse_summary("Just prose."), ("Just prose.".into(), None));
    }
}
