//! Orders' storage: [`OrdersStore`], with one implementation per backend. PostgreSQL's
//! queries are checked at compile time against the committed `.sqlx/` data (native `uuid`,
//! `timestamptz`, a sequence for order numbers, `SKIP LOCKED` for the AI queue); SQLite's
//! use the typed driver with `FromRow` rows, ids and times kept as the text it always stored.
//!
//! The trait holds only what differs per backend: the SQL. The rules around it (pricing a
//! confirmed order, which change owes inventory what) live once, in `impl dyn OrdersStore`.

mod postgres;
mod sqlite;

use std::{
    collections::{BTreeMap, HashMap, HashSet},
    sync::Arc,
};

use async_trait::async_trait;
use chrono::{DateTime, SubsecRound, Utc};
use contracts::{
    dashboard::{DayRevenue, Stats, TopProduct},
    reservation::Settlement,
    Currency, Money, OrderId, OrderStatus, ProductId, Quantity,
};
use kernel::{db::Db, outbox::Actor, pagination::PageRequest, AppError, Result};

pub use crate::domain::{Line, Order};
use crate::{
    domain::transition,
    model::{HistoryEntry, SummaryStatus},
    returns::{Return, ReturnStatus},
    shipments::Shipment,
};

#[derive(Debug, Default)]
pub struct OrderFilter {
    pub status: Option<OrderStatus>,
    pub customer_id: Option<String>,
}

#[derive(Debug, Default)]
pub struct ReturnFilter {
    pub status: Option<ReturnStatus>,
    pub customer_id: Option<String>,
}

/// An order's status change written with a fulfilment step, and its history entry.
#[derive(Debug, Clone)]
pub struct StatusStep {
    pub from: OrderStatus,
    pub to: OrderStatus,
    pub at: DateTime<Utc>,
    pub by: String,
    pub reason: Option<String>,
}

impl StatusStep {
    pub fn new(
        from: OrderStatus,
        to: OrderStatus,
        at: DateTime<Utc>,
        by: &str,
        reason: Option<String>,
    ) -> Self {
        Self {
            from,
            to,
            at,
            by: by.to_string(),
            reason,
        }
    }
}

/// What a fulfilment step changes in an order, decided on the order read under its lock
/// ([`OrdersStore::change_order`]) and written in the same transaction.
#[derive(Debug, Clone)]
pub enum OrderChange {
    /// A retry of a step already made (same `Idempotency-Key`): nothing is written.
    Replayed(uuid::Uuid),
    /// A new shipment, owing inventory its commit.
    Ship {
        shipment: Shipment,
        status: Option<StatusStep>,
    },
    Deliver {
        shipment_id: uuid::Uuid,
        at: DateTime<Utc>,
        status: Option<StatusStep>,
    },
    NewReturn(Return),
    /// A return received or rejected: its row as it now is.
    UpdateReturn(Return),
}

/// Decides an [`OrderChange`] from the order as it is under its lock.
pub type Decide<'a> = dyn Fn(&Order) -> Result<OrderChange> + Send + Sync + 'a;

/// The order an idempotency key already belongs to.
pub struct Existing {
    pub id: OrderId,
    pub request_hash: String,
    pub response: Option<(u16, String)>,
}

/// An order line as stored: amounts in the order's currency, which its row holds.
pub struct StoredLine {
    pub order_id: OrderId,
    pub product_id: ProductId,
    pub sku: String,
    pub name: String,
    pub quantity: i64,
    pub unit_price_cents: i64,
    pub line_total_cents: i64,
}

/// A new order, settled at birth (confirmed, or rejected), as the backend writes it: the
/// order, its lines, history, AI summary and job, and its event in the outbox, in one
/// transaction, the one commit orders makes per order.
pub struct Placing<'a> {
    pub order: &'a Order,
    pub key: Option<&'a str>,
    pub request_hash: &'a str,
    /// The answer to keep for replays, given the order number the write assigns (none for
    /// an order that failed: a retry makes a new attempt).
    pub answer: &'a (dyn Fn(i64) -> Result<Option<(u16, String)>> + Send + Sync),
    /// What inventory is owed (a release, when stock was held for a rejected order).
    pub owed: Option<Settlement>,
    /// Not written after this instant: the reconciler may by then release holds whose order
    /// it does not find. PostgreSQL checks the time left on its own clock as it writes.
    pub deadline: DateTime<Utc>,
    /// Who placed it: the actor of the event the write records ([`crate::events::placed`]).
    pub actor: &'a Actor,
}

/// What writing a new order did.
pub enum Written {
    /// Stored with this order number.
    Number(i64),
    /// The customer's idempotency key (or the order id) already has an order.
    KeyTaken,
    /// Too late: nothing was written.
    Expired,
}

/// What a status change writes besides the status.
pub struct Change<'a> {
    /// The answer to keep for idempotent replays.
    pub response: Option<(u16, &'a str)>,
    /// What inventory is owed.
    pub owed: Option<Settlement>,
    /// Free the idempotency key, so a retry is a new attempt.
    pub free_key: bool,
}

/// A status change: the order moves `from` → `to` only if it is still `from`.
pub struct StatusChange<'a> {
    pub id: OrderId,
    pub from: OrderStatus,
    pub to: OrderStatus,
    pub change: Change<'a>,
    pub at: DateTime<Utc>,
    pub by: &'a str,
    pub reason: Option<&'a str>,
    /// Who moved it: the actor of the event the write records, if the move records one
    /// ([`crate::events::status_changed`]).
    pub actor: &'a Actor,
}

/// A claimed job. `lease` fences the completion: a worker whose lease expired and was
/// taken over cannot write.
#[derive(Debug, Clone)]
pub struct Job {
    pub id: uuid::Uuid,
    pub order_id: OrderId,
    pub lease: DateTime<Utc>,
    /// How many times the job has been claimed, this time included.
    pub claims: i64,
}

/// How a job ended, to be written with [`OrdersStore::finish_jobs`].
pub enum JobResult {
    Ready {
        text: String,
        customer_message: Option<String>,
        model: String,
    },
    Failed(String),
}

/// Where an AI job is in the queue, as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobStatus {
    Queued,
    Running,
    Done,
    Failed,
}

impl JobStatus {
    pub fn parse(stored: &str) -> Option<Self> {
        match stored {
            "queued" => Some(Self::Queued),
            "running" => Some(Self::Running),
            "done" => Some(Self::Done),
            "failed" => Some(Self::Failed),
            _ => None,
        }
    }
}

/// AI jobs per status (`/api/ai/status`), every status present.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct JobCounts {
    pub queued: i64,
    pub running: i64,
    pub done: i64,
    pub failed: i64,
}

impl JobCounts {
    /// Jobs not finished yet: the queue's depth.
    pub fn waiting(&self) -> i64 {
        self.queued + self.running
    }

    fn add(&mut self, status: JobStatus, n: i64) {
        let slot = match status {
            JobStatus::Queued => &mut self.queued,
            JobStatus::Running => &mut self.running,
            JobStatus::Done => &mut self.done,
            JobStatus::Failed => &mut self.failed,
        };
        *slot += n;
    }
}

/// Per-status counts, revenue by day and top products; the store adds the currency.
pub struct StatsRows {
    pub by_status: Vec<(String, i64)>,
    pub revenue_by_day: Vec<DayRevenue>,
    pub top_products: Vec<TopProduct>,
    /// Refunds of returns received in the period.
    pub refunds_cents: i64,
}

/// The most owed shipments or returns one `owed_*` call returns (the queries' `LIMIT`).
pub const OWED_PAGE: usize = 100;

#[async_trait]
pub trait OrdersStore: Send + Sync {
    /// The currency every new order is in.
    fn currency(&self) -> &Currency;

    /// Writes a new order with everything it comes with, in one transaction.
    async fn write_placed(&self, placing: Placing<'_>) -> Result<Written>;

    /// Which of these orders exist.
    async fn known_ids(&self, ids: &[OrderId]) -> Result<HashSet<OrderId>>;

    async fn existing(&self, customer_id: &str, key: &str) -> Result<Option<Existing>>;

    /// pending → confirmed (an order an earlier version left pending) for an order already
    /// priced, with its lines, history entry, AI summary row and (when the summary is pending)
    /// its AI job, and its `order.confirmed` event, in one transaction.
    /// `false` when the order had already left `pending`.
    async fn write_confirmed(
        &self,
        order: &Order,
        response_body: &str,
        by: &str,
        actor: &Actor,
    ) -> Result<bool>;

    /// Moves an order and writes its history entry and its event, in one transaction.
    async fn write_status(&self, change: StatusChange<'_>) -> Result<bool>;

    /// Inventory has done what this order owed it.
    async fn inventory_done(&self, id: OrderId, action: Settlement) -> Result<()>;

    /// Orders still pending after `older_than` (at most 100, oldest first).
    async fn stuck_pending(&self, older_than: DateTime<Utc>) -> Result<Vec<OrderId>>;

    /// Orders whose release or commit has not reached inventory yet. An order with a shipment
    /// inventory has not committed yet is left out: its release waits for that commit, or
    /// the shipped units would be released with the rest.
    async fn owed_to_inventory(&self) -> Result<Vec<(OrderId, Settlement)>>;

    /// Reads the order (lines, shipments and returns; no history) under its row lock, lets
    /// `decide` say what changes, and writes that with its events ([`crate::events::of_change`],
    /// `actor` causing them), in one transaction. `None` when there is no such order;
    /// `decide`'s error is returned with nothing written.
    async fn change_order(
        &self,
        id: OrderId,
        actor: &Actor,
        decide: &Decide<'_>,
    ) -> Result<Option<OrderChange>>;

    /// The order return `id` belongs to.
    async fn order_of_return(&self, id: uuid::Uuid) -> Result<Option<OrderId>>;

    /// Newest first, `page.fetch()` of them.
    async fn list_returns(&self, filter: &ReturnFilter, page: &PageRequest) -> Result<Vec<Return>>;

    /// Shipments whose units inventory has not committed yet, oldest first (at most 100), of
    /// one order or of all.
    async fn owed_shipments(&self, order: Option<OrderId>) -> Result<Vec<(OrderId, Shipment)>>;

    /// Inventory has committed shipment `id`.
    async fn shipment_paid(&self, id: uuid::Uuid) -> Result<()>;

    /// Received returns whose restocked units inventory has not taken back yet (at most 100).
    async fn owed_returns(&self) -> Result<Vec<Return>>;

    /// Inventory has taken back return `id`'s restocked units.
    async fn return_paid(&self, id: uuid::Uuid) -> Result<()>;

    /// The orders with these ids, in no particular order; unknown ids are left out.
    async fn orders_by_ids(&self, ids: &[OrderId]) -> Result<Vec<Order>>;

    /// Newest first, `page.fetch()` of them.
    async fn list_orders(&self, filter: &OrderFilter, page: &PageRequest) -> Result<Vec<Order>>;

    async fn stats_rows(&self, since: DateTime<Utc>) -> Result<StatsRows>;

    /// Units sold per product (confirmed and fulfilled orders) since `since`.
    async fn demand(&self, since: DateTime<Utc>) -> Result<HashMap<ProductId, i64>>;

    /// Claims up to `max` runnable jobs, oldest first: queued ones, and running ones whose
    /// lease ran out (their worker died). One statement.
    async fn claim_jobs(
        &self,
        at: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        max: i64,
    ) -> Result<Vec<Job>>;

    /// Writes the summaries of finished jobs and closes them, in one transaction. A job whose
    /// lease was taken over is skipped. Returns how many were written.
    async fn finish_jobs(&self, results: &[(Job, JobResult)]) -> Result<usize>;

    /// Puts a job back to wait (the breaker is open): it is not counted as an attempt.
    async fn requeue(&self, job: &Job, run_after: DateTime<Utc>) -> Result<()>;

    /// A fresh summary for an order (staff asked for one). No-op while one is under way.
    async fn queue_summary(&self, id: OrderId) -> Result<()>;

    /// Jobs by status (only the statuses present).
    async fn job_rows(&self) -> Result<Vec<(String, i64)>>;

    /// Keeps at most `max` jobs queued: the oldest beyond that are dropped and their
    /// summaries marked failed.
    async fn shed_jobs(&self, max: i64) -> Result<u64>;
}

/// The store for this database.
pub fn open(db: Db, currency: Currency) -> Arc<dyn OrdersStore> {
    match db {
        Db::Postgres(pool) => Arc::new(postgres::PgStore::new(pool, currency)),
        Db::Sqlite(pool) => Arc::new(sqlite::SqliteStore::new(pool, currency)),
    }
}

/// Times are kept to the microsecond on both backends, so what is written reads back equal
/// (a lease compared for equality, a cursor).
pub fn now() -> DateTime<Utc> {
    kernel::time::now().trunc_subsecs(6)
}

fn stored_status(text: &str) -> Result<OrderStatus> {
    OrderStatus::parse(text).ok_or_else(|| AppError::internal(format!("stored status {text:?}")))
}

fn stored_currency(text: &str) -> Result<Currency> {
    Currency::parse(text).map_err(|e| AppError::internal(format!("stored currency: {e}")))
}

fn stored_quantity(units: i64) -> Result<Quantity> {
    Quantity::new(units).map_err(|e| AppError::internal(format!("stored quantity {units}: {e}")))
}

fn stored_summary_status(text: Option<&str>) -> Result<SummaryStatus> {
    match text {
        None => Ok(SummaryStatus::Disabled),
        Some(t) => SummaryStatus::parse(t)
            .ok_or_else(|| AppError::internal(format!("stored summary status {t:?}"))),
    }
}

fn stored_settlement(text: &str) -> Result<Settlement> {
    match text {
        "commit" => Ok(Settlement::Commit),
        "release" => Ok(Settlement::Release),
        other => Err(AppError::internal(format!(
            "stored inventory action {other:?}"
        ))),
    }
}

/// The stored form of what inventory is owed (the column predates the enum).
fn settlement_text(s: Settlement) -> &'static str {
    match s {
        Settlement::Commit => "commit",
        Settlement::Release => "release",
    }
}

/// An order's shipments and returns, read in one query each.
#[derive(Default)]
pub struct Fulfilment {
    pub shipments: HashMap<OrderId, Vec<Shipment>>,
    pub returns: HashMap<OrderId, Vec<Return>>,
}

/// Shipment lines as stored (JSON text).
fn stored_json<T: serde::de::DeserializeOwned>(what: &str, text: &str) -> Result<T> {
    serde_json::from_str(text).map_err(|e| AppError::internal(format!("stored {what}: {e}")))
}

fn json_text<T: serde::Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(AppError::internal)
}

fn stored_return_status(text: &str) -> Result<ReturnStatus> {
    ReturnStatus::parse(text)
        .ok_or_else(|| AppError::internal(format!("stored return status {text:?}")))
}

/// Attaches lines, history, shipments and returns read in one query each to their orders; a
/// line's amounts are in its order's currency.
fn attach(
    orders: &mut [Order],
    line_rows: Vec<StoredLine>,
    mut history: HashMap<OrderId, Vec<HistoryEntry>>,
    mut fulfilment: Fulfilment,
) -> Result<()> {
    let mut lines: HashMap<OrderId, Vec<StoredLine>> = HashMap::new();
    for line in line_rows {
        lines.entry(line.order_id).or_default().push(line);
    }
    for order in orders.iter_mut() {
        let currency = &order.total.currency;
        order.lines = lines
            .remove(&order.id)
            .unwrap_or_default()
            .into_iter()
            .map(|l| {
                Ok(Line {
                    product_id: l.product_id,
                    sku: l.sku,
                    name: l.name,
                    quantity: stored_quantity(l.quantity)?,
                    unit_price: Money::new(l.unit_price_cents, currency.clone()),
                    line_total: Money::new(l.line_total_cents, currency.clone()),
                })
            })
            .collect::<Result<_>>()?;
        order.history = history.remove(&order.id).unwrap_or_default();
        order.shipments = fulfilment.shipments.remove(&order.id).unwrap_or_default();
        order.returns = fulfilment.returns.remove(&order.id).unwrap_or_default();
    }
    Ok(())
}

impl<'s> dyn OrdersStore + 's {
    pub async fn get_order(&self, id: OrderId) -> Result<Option<Order>> {
        Ok(self.orders_by_ids(&[id]).await?.pop())
    }

    /// pending → confirmed for an order priced with inventory's prices
    /// ([`Order::price`](crate::domain::Order::price)); the AI job is written in the same
    /// transaction. `None` when the order had already left `pending` (someone else settled it).
    pub async fn confirm(
        &self,
        mut order: Order,
        ai_status: SummaryStatus,
        by: &str,
        actor: &Actor,
    ) -> Result<Option<Order>> {
        transition(OrderStatus::Pending, OrderStatus::Confirmed)?;
        let at = now();
        order.status = OrderStatus::Confirmed;
        order.updated_at = at;
        order.ai_summary.status = ai_status;
        order.history.push(HistoryEntry {
            status: OrderStatus::Confirmed,
            at,
            by: Some(by.to_string()),
            reason: None,
        });
        let wire = crate::model::Order::from(order.clone());
        let body = serde_json::to_string(&wire).map_err(AppError::internal)?;
        Ok(self
            .write_confirmed(&order, &body, by, actor)
            .await?
            .then_some(order))
    }

    /// pending → rejected, keeping the 409 answer for idempotent replays. `owed` is a
    /// release when stock was held before the order was refused.
    pub async fn reject(
        &self,
        id: OrderId,
        problem_body: &str,
        reason: &str,
        by: &str,
        owed: Option<Settlement>,
        actor: &Actor,
    ) -> Result<bool> {
        let change = Change {
            response: Some((409, problem_body)),
            owed,
            free_key: false,
        };
        self.change_status(
            id,
            (OrderStatus::Pending, OrderStatus::Rejected),
            change,
            (by, actor),
            Some(reason),
        )
        .await
    }

    /// pending → failed. Inventory is owed a release, and the idempotency key is freed: a
    /// 5xx answer is not kept, so the client's retry makes a new attempt.
    pub async fn fail(&self, id: OrderId, reason: &str, by: &str) -> Result<bool> {
        let change = Change {
            response: None,
            owed: Some(Settlement::Release),
            free_key: true,
        };
        // A failure records no event: nobody needs to hear of it.
        self.change_status(
            id,
            (OrderStatus::Pending, OrderStatus::Failed),
            change,
            (by, &crate::events::background()),
            Some(reason),
        )
        .await
    }

    /// `from` → `to` (cancelled, or fulfilled by a version before shipments), recording
    /// what inventory is owed.
    pub async fn settle_open(
        &self,
        id: OrderId,
        from: OrderStatus,
        to: OrderStatus,
        owed: Settlement,
        (by, actor): (&str, &Actor),
        reason: Option<&str>,
    ) -> Result<bool> {
        let change = Change {
            response: None,
            owed: Some(owed),
            free_key: false,
        };
        self.change_status(id, (from, to), change, (by, actor), reason)
            .await
    }

    async fn change_status(
        &self,
        id: OrderId,
        (from, to): (OrderStatus, OrderStatus),
        change: Change<'_>,
        (by, actor): (&str, &Actor),
        reason: Option<&str>,
    ) -> Result<bool> {
        transition(from, to)?;
        self.write_status(StatusChange {
            id,
            from,
            to,
            change,
            at: now(),
            by,
            reason,
            actor,
        })
        .await
    }

    /// Orders still pending after `older_than`: a crash left them mid-saga.
    pub async fn stuck_pending_orders(&self, older_than: DateTime<Utc>) -> Result<Vec<Order>> {
        let ids = self.stuck_pending(older_than).await?;
        let mut orders = self.orders_by_ids(&ids).await?;
        orders.sort_by_key(|o| (o.created_at, o.id));
        Ok(orders)
    }

    pub async fn stats(&self, days: i64) -> Result<Stats> {
        let since = Utc::now() - chrono::Duration::days(days);
        let rows = self.stats_rows(since).await?;
        let mut by_status: BTreeMap<String, i64> = OrderStatus::ALL
            .iter()
            .map(|s| (s.as_str().to_string(), 0))
            .collect();
        by_status.extend(rows.by_status);
        Ok(Stats {
            by_status,
            revenue_by_day: rows.revenue_by_day,
            top_products: rows.top_products,
            refunds_cents: rows.refunds_cents,
            currency: self.currency().to_string(),
        })
    }

    /// Jobs by status, every status present.
    pub async fn job_counts(&self) -> Result<JobCounts> {
        let mut counts = JobCounts::default();
        for (stored, n) in self.job_rows().await? {
            match JobStatus::parse(&stored) {
                Some(status) => counts.add(status, n),
                None => tracing::warn!(status = %stored, "AI jobs with an unknown status"),
            }
        }
        Ok(counts)
    }
}
