//! The events service's background work: planning what new events cause, delivering webhooks
//! and sending emails. It runs on a timer and whenever events arrive; tests drive it directly
//! (`EventsState::background`) instead of waiting for the timer.

use std::{sync::Arc, time::Duration};

use chrono::Utc;
use futures::StreamExt;
use kernel::Result;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::{
    config::Config,
    fanout,
    mail::{templates, Mailer},
    model::LOW_STOCK_DIGEST,
    store::{
        AttemptOutcome, AttemptRecord, AuditFilter, DueDelivery, EventsStore, NewDelivery,
        NewNotification, WebhookHealth, WebhookRow,
    },
    webhooks::{self, Attempted, Outgoing},
};

/// Events planned per pass, deliveries and emails claimed per pass, attempts in flight.
const FANOUT_BATCH: i64 = 200;
const FANOUT_BATCHES_PER_PASS: usize = 5;
const CLAIM_BATCH: i64 = 50;
const IN_FLIGHT: usize = 16;
/// Tries of one email before it is `failed`.
const MAIL_TRIES: i32 = 5;
/// Events of each low-stock type one digest reads, newest first, and products it lists, at most.
const DIGEST_EVENTS: i64 = 2_000;
const DIGEST_PRODUCTS: usize = 200;

pub struct Background {
    store: Arc<dyn EventsStore>,
    mailer: Mailer,
    /// Every webhook delivery goes through it ([`webhooks::client`]).
    http: reqwest::Client,
    config: Arc<Config>,
    wake: Arc<Notify>,
    stop: CancellationToken,
    /// When the next digest may be due: no store queries before then.
    digest_due: std::sync::Mutex<Option<chrono::DateTime<Utc>>>,
}

impl Background {
    pub(crate) fn new(
        store: Arc<dyn EventsStore>,
        mailer: Mailer,
        http: reqwest::Client,
        config: Arc<Config>,
    ) -> Self {
        Self {
            store,
            mailer,
            http,
            config,
            wake: Arc::new(Notify::new()),
            stop: CancellationToken::new(),
            digest_due: std::sync::Mutex::new(None),
        }
    }

    /// Runs the work every `work_interval` and when woken, until stopped.
    pub(crate) fn spawn(self: &Arc<Self>) {
        let weak = Arc::downgrade(self);
        let (wake, stop, every) = (
            self.wake.clone(),
            self.stop.clone(),
            self.config.work_interval,
        );
        tokio::spawn(async move {
            loop {
                let Some(work) = weak.upgrade() else {
                    return;
                };
                if let Err(e) = work.run_once().await {
                    tracing::warn!(error = %e, "events background work failed; retrying");
                }
                drop(work);
                tokio::select! {
                    () = stop.cancelled() => return,
                    () = wake.notified() => {}
                    () = tokio::time::sleep(every) => {}
                }
            }
        });
    }

    /// New events arrived: plan and deliver now rather than at the next tick.
    pub(crate) fn wake(&self) {
        self.wake.notify_one();
    }

    /// Stops the timed work; the methods below still work when called directly.
    pub fn stop(&self) {
        self.stop.cancel();
    }

    /// Stops the timed work when `shutdown` fires.
    pub fn stop_on(&self, shutdown: CancellationToken) {
        let stop = self.stop.clone();
        tokio::spawn(async move {
            tokio::select! {
                () = shutdown.cancelled() => stop.cancel(),
                () = stop.cancelled() => {}
            }
        });
    }

    /// One pass of everything: plan, deliver what is due, digest when due, send what is queued.
    pub async fn run_once(&self) -> Result<()> {
        self.fan_out().await?;
        self.dispatch().await?;
        self.digest().await?;
        self.send_mail().await?;
        Ok(())
    }

    /// Plans the deliveries and emails of events not planned yet, a few batches at a time: under
    /// a steady stream of events, planning must not keep deliveries from going out, so a pass
    /// that leaves some for later asks for the next pass at once. How many events.
    pub async fn fan_out(&self) -> Result<usize> {
        let mut total = 0;
        for _ in 0..FANOUT_BATCHES_PER_PASS {
            let events = self.store.unfanned(FANOUT_BATCH).await?;
            if events.is_empty() {
                return Ok(total);
            }
            let (webhooks, recipients) =
                tokio::try_join!(self.store.active_webhooks(), self.store.recipients())?;
            for event in &events {
                let note = self.customer_note(event).await?;
                let plan = fanout::plan(
                    event,
                    &webhooks,
                    &recipients,
                    self.mailer.enabled(),
                    note.as_deref(),
                );
                self.store
                    .fan_out(event.seq, &plan.deliveries, &plan.notifications)
                    .await?;
            }
            total += events.len();
        }
        self.wake();
        Ok(total)
    }

    /// The AI's note to the customer of a confirmed order, if it is here already.
    async fn customer_note(&self, event: &crate::store::StoredEvent) -> Result<Option<String>> {
        if event.kind != "order.confirmed" {
            return Ok(None);
        }
        let ready = self
            .store
            .audit(&AuditFilter {
                entity_kind: Some("order".into()),
                entity_id: Some(event.entity_id.clone()),
                type_exact: Some("order.summary_ready".into()),
                limit: 1,
                ..AuditFilter::default()
            })
            .await?;
        Ok(ready.first().and_then(|e| {
            serde_json::from_str::<serde_json::Value>(&e.data)
                .ok()?
                .get("customer_message")?
                .as_str()
                .map(str::to_string)
        }))
    }

    /// Makes one attempt of every delivery due now; how many attempts.
    pub async fn dispatch(&self) -> Result<usize> {
        let lease = self.config.webhook_timeout + Duration::from_secs(30);
        let due = self.store.claim_deliveries(lease, CLAIM_BATCH).await?;
        let count = due.len();
        let results: Vec<Result<()>> = futures::stream::iter(due)
            .map(|d| self.attempt(d))
            .buffer_unordered(IN_FLIGHT)
            .collect()
            .await;
        results.into_iter().collect::<Result<Vec<()>>>()?;
        if count as i64 == CLAIM_BATCH {
            // More may be due: the next pass comes at once, not at the next tick.
            self.wake();
        }
        Ok(count)
    }

    async fn attempt(&self, d: DueDelivery) -> Result<()> {
        let attempted = webhooks::send(
            &self.http,
            &self.config,
            Outgoing {
                url: &d.url,
                secret: &d.secret,
                delivery_id: d.id,
                event_type: &d.event_type,
                payload: &d.payload,
            },
        )
        .await;
        let now = Utc::now();
        let attempt = d.attempts + 1;
        let (outcome, next_retry_at) = if attempted.succeeded() {
            (AttemptOutcome::Succeeded, None)
        } else {
            match webhooks::next_retry(&self.config, attempt, d.created_at, now) {
                Some(at) => (AttemptOutcome::Retrying, Some(at)),
                None => (AttemptOutcome::Failed, None),
            }
        };
        let health = self.health(&attempted, d.failing_since, now);
        let record = record(&d, attempt, &attempted, outcome, next_retry_at, now);
        self.store.record_attempt(&record, health, None).await?;
        metrics::counter!("webhook_attempts_total", "outcome" => outcome.as_str()).increment(1);
        if health == WebhookHealth::Deactivate {
            self.deactivated(d.webhook_id).await?;
        }
        Ok(())
    }

    fn health(
        &self,
        attempted: &Attempted,
        failing_since: Option<chrono::DateTime<Utc>>,
        now: chrono::DateTime<Utc>,
    ) -> WebhookHealth {
        if attempted.succeeded() {
            return WebhookHealth::Answered;
        }
        let limit = chrono::Duration::from_std(self.config.webhook_deactivate_after)
            .unwrap_or(chrono::Duration::MAX);
        match failing_since {
            Some(since) if now - since >= limit => WebhookHealth::Deactivate,
            _ => WebhookHealth::Failing,
        }
    }

    /// Emails the owner of a webhook that was just switched off.
    async fn deactivated(&self, webhook: Uuid) -> Result<()> {
        let Some(w) = self.store.webhook(webhook).await? else {
            return Ok(());
        };
        tracing::warn!(webhook = %w.id, url = %w.url, "webhook deactivated after failing for too long");
        let Some(owner) = &w.owner_email else {
            return Ok(());
        };
        let draft = templates::webhook_deactivated(owner, &w.url);
        self.store
            .insert_notification(&self.unprompted(draft))
            .await?;
        self.wake();
        Ok(())
    }

    // A poisoned lock only means a pass panicked mid-way: the time in it is still a time.
    fn next_digest(&self) -> Option<chrono::DateTime<Utc>> {
        *self.digest_due.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn set_next_digest(&self, due: Option<chrono::DateTime<Utc>>) {
        *self.digest_due.lock().unwrap_or_else(|e| e.into_inner()) = due;
    }

    /// An email no single event caused (a digest, a deactivation notice), ready to queue.
    fn unprompted(&self, draft: templates::Draft) -> NewNotification {
        NewNotification {
            id: Uuid::now_v7(),
            event_id: None,
            template: draft.template.to_string(),
            to: draft.to,
            subject: draft.subject,
            body: draft.body,
            status: if self.mailer.enabled() {
                "queued"
            } else {
                "not_sent"
            },
        }
    }

    /// Queues the low-stock digest when one is due: to each member of staff who asked for
    /// it, the products that ran low (or out) since the last digest, each once. Nothing is
    /// sent when nothing ran low. How many emails.
    pub async fn digest(&self) -> Result<usize> {
        let now = Utc::now();
        if self.next_digest().is_some_and(|due| now < due) {
            return Ok(0);
        }
        let interval = chrono::Duration::from_std(self.config.low_stock_digest_interval)
            .unwrap_or(chrono::Duration::MAX);
        let last = self.store.last_notification_at(LOW_STOCK_DIGEST).await?;
        if let Some(last) = last.filter(|last| now - *last < interval) {
            self.set_next_digest(Some(last + interval));
            return Ok(0);
        }
        let recipients: Vec<_> = self
            .store
            .recipients()
            .await?
            .into_iter()
            .filter(|r| r.kind == LOW_STOCK_DIGEST)
            .collect();
        // The first digest ever covers at least the last day. The window is by arrival here,
        // so an event a relay delivered late is in the next digest, not in none.
        let first = interval.max(chrono::Duration::days(1));
        let since = last.unwrap_or_else(|| now.checked_sub_signed(first).unwrap_or(now));
        let mut events = Vec::new();
        for kind in ["stock.low", "stock.out"] {
            let found = self
                .store
                .audit(&AuditFilter {
                    type_exact: Some(kind.into()),
                    received_from: Some(since),
                    limit: DIGEST_EVENTS,
                    ..AuditFilter::default()
                })
                .await?;
            events.extend(found);
        }
        // Newest first across both types, as `low_products` reads them.
        events.sort_by_key(|e| std::cmp::Reverse(e.seq));
        let events: Vec<_> = events
            .into_iter()
            .map(|e| {
                let data = serde_json::from_str(&e.data).unwrap_or(serde_json::Value::Null);
                (e.kind, data)
            })
            .collect();
        let products = templates::low_products(&events, DIGEST_PRODUCTS);
        if !recipients.is_empty() && !products.is_empty() {
            for r in &recipients {
                let draft = templates::low_stock_digest(&r.email, &products);
                self.store
                    .insert_notification(&self.unprompted(draft))
                    .await?;
            }
        }
        // Only a digest that was written, or that had nothing to say, waits a whole interval;
        // one that failed is tried again at the next pass.
        self.set_next_digest(now.checked_add_signed(interval));
        if recipients.is_empty() || products.is_empty() {
            return Ok(0);
        }
        self.wake();
        Ok(recipients.len())
    }

    /// Sends a `ping` to `webhook` now, outside the retry machinery; the attempt is logged.
    pub async fn ping(&self, webhook: &WebhookRow) -> Result<AttemptRecord> {
        let now = Utc::now();
        let delivery_id = Uuid::now_v7();
        let event_id = Uuid::now_v7();
        let payload = serde_json::json!({
            "id": event_id,
            "type": "ping",
            "occurred_at": now,
            "actor": {"service": crate::SERVICE},
            "entity": {"kind": "webhook", "id": webhook.id},
            "data": {"url": webhook.url},
        })
        .to_string();
        let attempted = webhooks::send(
            &self.http,
            &self.config,
            Outgoing {
                url: &webhook.url,
                secret: &webhook.secret,
                delivery_id,
                event_type: "ping",
                payload: &payload,
            },
        )
        .await;
        let outcome = if attempted.succeeded() {
            AttemptOutcome::Succeeded
        } else {
            AttemptOutcome::Failed
        };
        let delivery = NewDelivery {
            id: delivery_id,
            webhook_id: webhook.id,
            event_id,
            event_type: "ping".into(),
            payload,
        };
        let due = DueDelivery {
            id: delivery_id,
            webhook_id: webhook.id,
            event_id,
            event_type: "ping".into(),
            payload: String::new(),
            attempts: 0,
            created_at: now,
            url: webhook.url.clone(),
            secret: String::new(),
            failing_since: webhook.failing_since,
        };
        let record = record(&due, 1, &attempted, outcome, None, Utc::now());
        // A ping says whether the receiver works now, but never switches a webhook off.
        let health = if attempted.succeeded() {
            WebhookHealth::Answered
        } else {
            WebhookHealth::Failing
        };
        self.store
            .record_attempt(&record, health, Some(&delivery))
            .await?;
        Ok(record)
    }

    /// Sends every queued email that is due; how many were tried.
    pub async fn send_mail(&self) -> Result<usize> {
        if !self.mailer.enabled() {
            return Ok(0);
        }
        let queued = self
            .store
            .claim_notifications(Duration::from_secs(120), CLAIM_BATCH)
            .await?;
        let count = queued.len();
        for n in queued {
            let sent = self.mailer.send(&n.to, &n.subject, &n.body).await;
            let outcome = match &sent {
                Ok(()) => "sent",
                Err(_) => "failed",
            };
            metrics::counter!("emails_total", "outcome" => outcome).increment(1);
            match sent {
                Ok(()) => self.store.finish_notification(n.id, None, None).await?,
                Err(e) => {
                    tracing::warn!(notification = %n.id, error = %e, "email not sent");
                    let retry = (n.attempts < MAIL_TRIES).then(|| {
                        Utc::now()
                            + chrono::Duration::seconds(30 * i64::from(1 << n.attempts.min(10)))
                    });
                    self.store
                        .finish_notification(n.id, Some(&e), retry)
                        .await?
                }
            }
        }
        Ok(count)
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

fn record(
    d: &DueDelivery,
    attempt: i32,
    attempted: &Attempted,
    outcome: AttemptOutcome,
    next_retry_at: Option<chrono::DateTime<Utc>>,
    at: chrono::DateTime<Utc>,
) -> AttemptRecord {
    AttemptRecord {
        id: Uuid::now_v7(),
        delivery_id: d.id,
        webhook_id: d.webhook_id,
        event_id: d.event_id,
        event_type: d.event_type.clone(),
        attempt,
        status_code: attempted.status_code.map(i32::from),
        error: attempted.error.clone(),
        duration_ms: i64::try_from(attempted.duration.as_millis()).unwrap_or(i64::MAX),
        outcome,
        next_retry_at,
        attempted_at: at,
    }
}
