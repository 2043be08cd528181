//! Planning what an event causes: a delivery for each active webhook whose patterns match,
//! and the emails its type sends.

use uuid::Uuid;

use crate::{
    mail::templates,
    model::EventView,
    patterns,
    store::{NewDelivery, NewNotification, RecipientRow, StoredEvent, WebhookRow},
};

pub struct Plan {
    pub deliveries: Vec<NewDelivery>,
    pub notifications: Vec<NewNotification>,
}

/// `customer_message`: the AI's note to the customer, when it arrived before this event was
/// planned (`order.summary_ready`); the confirmation email then carries it. It never waits
/// for one.
pub fn plan(
    event: &StoredEvent,
    webhooks: &[WebhookRow],
    recipients: &[RecipientRow],
    mail_enabled: bool,
    customer_message: Option<&str>,
) -> Plan {
    let view = EventView::from(event);
    // One body for every attempt of every webhook: what is signed is what is stored.
    let payload = serde_json::to_string(&view).unwrap_or_default();
    let deliveries = webhooks
        .iter()
        .filter(|w| w.active && patterns::matches(&w.events, &event.kind))
        .map(|w| NewDelivery {
            id: Uuid::now_v7(),
            webhook_id: w.id,
            event_id: event.id,
            event_type: event.kind.clone(),
            payload: payload.clone(),
        })
        .collect();
    let mut data = view.data;
    if let (Some(message), Some(fields)) = (customer_message, data.as_object_mut()) {
        fields
            .entry("customer_message")
            .or_insert_with(|| message.into());
    }
    let notifications = templates::drafts(&event.kind, &data, recipients)
        .into_iter()
        .map(|d| NewNotification {
            id: Uuid::now_v7(),
            event_id: Some(event.id),
            template: d.template.to_string(),
            to: d.to,
            subject: d.subject,
            body: d.body,
            status: if mail_enabled { "queued" } else { "not_sent" },
        })
        .collect();
    Plan {
        deliveries,
        notifications,
    }
}
