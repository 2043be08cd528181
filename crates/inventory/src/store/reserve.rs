//! Reserving many orders' stock in one transaction, each order all-or-nothing.
//!
//! Concurrent reservations of one product serialise on its row lock for a whole commit, so
//! one row can take only as many reservations per second as the database commits. The
//! [`crate::reserver`] gathers the reservations that arrive while a commit is under way and
//! hands them here together: the product rows are locked once (in id order, so batches never
//! deadlock), each reservation is decided in arrival order against what the ones before it
//! took, and everything is written in a few set-based statements and one commit.
//!
//! A reservation that takes a product's available stock through its reorder point or to 0
//! records `stock.low` / `stock.out` in the same transaction, with the batch's other writes:
//! nothing more is sent to the database for a batch that crosses nothing.
//!
//! The steps are the same on both backends; [`ReserveTx`] is the SQL of one.

use std::collections::{HashMap, HashSet};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use contracts::{
    reservation::{
        Reservation, ReservationStatus, ReserveLine, ReservedLine, ShortLine, ShortReason,
    },
    OrderId, ProductId,
};
use kernel::{
    context::RequestContext,
    outbox::{Actor, Event},
    AppError, Result,
};
use serde_json::json;

use super::ReserveOutcome;
use crate::{
    events::{self, Level},
    model::effective_reorder_point,
};

/// One order's reservation request.
#[derive(Debug, Clone)]
pub struct ReserveCall {
    pub id: OrderId,
    pub lines: Vec<ReserveLine>,
    /// The request it came in: the batch runs in a worker, and the events it causes name
    /// their request.
    pub context: Option<RequestContext>,
}

/// A batch's outcomes, one per call, and how many events it recorded.
#[derive(Debug)]
pub struct Reserved {
    pub outcomes: Vec<ReserveOutcome>,
    pub recorded: usize,
}

/// An event to record with the batch, and the request that caused it.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub event: Event,
    pub context: Option<RequestContext>,
}

/// A product as a reservation sees it, its row locked.
#[derive(Debug, Clone)]
pub struct Shelf {
    pub on_hand: i64,
    pub reserved: i64,
    pub active: bool,
    pub price_cents: i64,
    pub sku: String,
    pub name: String,
    /// The product's own (0: the deployment's default applies).
    pub reorder_point: i64,
}

/// One line taken: the ledger row it writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Take {
    pub order_id: OrderId,
    pub product_id: ProductId,
    pub quantity: i64,
    pub on_hand_after: i64,
    pub reserved_after: i64,
}

/// Everything one batch writes.
#[derive(Debug, Default)]
pub struct Writes {
    /// Each product's `reserved` after the batch.
    pub products: Vec<(ProductId, i64)>,
    pub takes: Vec<Take>,
    pub lines: Vec<(OrderId, ReservedLine)>,
    pub totals: Vec<(OrderId, i64)>,
    /// Claims of refused reservations: removed, as if never made.
    pub unclaim: Vec<OrderId>,
    /// `stock.low` / `stock.out`, in the order they happened.
    pub events: Vec<Recorded>,
}

impl Writes {
    pub fn is_empty(&self) -> bool {
        self.products.is_empty() && self.unclaim.is_empty()
    }
}

/// One backend's transaction, as the batch needs it.
#[async_trait]
pub trait ReserveTx: Send {
    /// Claims these ids (sorted). Returns the ids claimed; the others already have a
    /// reservation (or a release's tombstone).
    async fn claim(&mut self, ids: &[OrderId], at: DateTime<Utc>) -> Result<HashSet<OrderId>>;

    /// The reservation this id already has.
    async fn existing(&mut self, id: OrderId) -> Result<Option<Reservation>>;

    /// These products (sorted), their rows locked until the commit.
    async fn lock_shelves(&mut self, ids: &[ProductId]) -> Result<HashMap<ProductId, Shelf>>;

    async fn write(&mut self, writes: &Writes, at: DateTime<Utc>) -> Result<()>;

    async fn commit(self: Box<Self>) -> Result<()>;
}

/// Reserves every call in one transaction; an outcome per call, in the calls' order. The same
/// id twice in a batch gets the same outcome. A product's reorder point of 0 is judged at
/// `default_reorder_point`.
pub async fn reserve_batch(
    mut tx: Box<dyn ReserveTx + '_>,
    calls: &[ReserveCall],
    currency: &str,
    default_reorder_point: i64,
    at: DateTime<Utc>,
) -> Result<Reserved> {
    let mut ids: Vec<OrderId> = calls.iter().map(|c| c.id).collect();
    ids.sort();
    ids.dedup();
    let claimed = tx.claim(&ids, at).await?;

    // The first call of each claimed id is decided; repeats copy its outcome.
    let mut first: HashMap<OrderId, usize> = HashMap::new();
    for (i, call) in calls.iter().enumerate() {
        first.entry(call.id).or_insert(i);
    }
    let deciding: Vec<&ReserveCall> = calls
        .iter()
        .enumerate()
        .filter(|(i, c)| claimed.contains(&c.id) && first.get(&c.id) == Some(i))
        .map(|(_, c)| c)
        .collect();
    let mut products: Vec<ProductId> = deciding
        .iter()
        .flat_map(|c| c.lines.iter().map(|l| l.product_id))
        .collect();
    products.sort();
    products.dedup();
    let mut shelves = if products.is_empty() {
        HashMap::new()
    } else {
        tx.lock_shelves(&products).await?
    };
    let available_before: HashMap<ProductId, i64> = shelves
        .iter()
        .map(|(id, s)| (*id, s.on_hand - s.reserved))
        .collect();
    let decisions = decide(&deciding, &mut shelves);

    let mut writes = Writes::default();
    let mut outcomes: HashMap<OrderId, ReserveOutcome> = HashMap::new();
    for (call, decision) in deciding.iter().zip(decisions) {
        match decision {
            Decision::Reserve {
                lines,
                total_cents,
                takes,
            } => {
                writes.takes.extend(takes);
                writes.totals.push((call.id, total_cents));
                writes
                    .lines
                    .extend(lines.iter().cloned().map(|l| (call.id, l)));
                outcomes.insert(
                    call.id,
                    ReserveOutcome::Reserved(Reservation {
                        reservation_id: call.id,
                        status: ReservationStatus::Held,
                        lines,
                        total_cents,
                        currency: currency.to_string(),
                    }),
                );
            }
            Decision::Refuse(short) => {
                writes.unclaim.push(call.id);
                outcomes.insert(call.id, ReserveOutcome::Short(short));
            }
        }
    }
    let mut touched: Vec<ProductId> = writes.takes.iter().map(|t| t.product_id).collect();
    touched.sort();
    touched.dedup();
    writes.products = touched
        .into_iter()
        .filter_map(|id| shelves.get(&id).map(|s| (id, s.reserved)))
        .collect();
    let contexts: HashMap<OrderId, &RequestContext> = deciding
        .iter()
        .filter_map(|c| c.context.as_ref().map(|ctx| (c.id, ctx)))
        .collect();
    writes.events = crossings(
        &writes.takes,
        available_before,
        &shelves,
        default_reorder_point,
    )
    .into_iter()
    .map(|(order, event)| Recorded {
        event,
        context: contexts.get(&order).map(|ctx| (*ctx).clone()),
    })
    .collect();
    for id in ids.iter().filter(|id| !claimed.contains(id)) {
        let existing = tx
            .existing(*id)
            .await?
            .ok_or_else(|| AppError::internal("reservation vanished while being read"))?;
        outcomes.insert(*id, ReserveOutcome::Reserved(existing));
    }
    if !writes.is_empty() {
        tx.write(&writes, at).await?;
    }
    tx.commit().await?;
    let outcomes = calls
        .iter()
        .map(|c| {
            outcomes
                .get(&c.id)
                .cloned()
                .ok_or_else(|| AppError::internal("a reservation was left undecided"))
        })
        .collect::<Result<_>>()?;
    Ok(Reserved {
        outcomes,
        recorded: writes.events.len(),
    })
}

/// The thresholds each product's available stock fell through as the takes were made, in
/// order, each with the order whose take it was: a batch crosses each at most once per
/// product, as available stock only falls while reserving.
fn crossings(
    takes: &[Take],
    mut available: HashMap<ProductId, i64>,
    shelves: &HashMap<ProductId, Shelf>,
    default_reorder_point: i64,
) -> Vec<(OrderId, Event)> {
    let by = Actor::service(crate::SERVICE);
    let mut events = Vec::new();
    for take in takes {
        let (Some(shelf), Some(was)) = (
            shelves.get(&take.product_id),
            available.get_mut(&take.product_id),
        ) else {
            continue;
        };
        let level = Level {
            product_id: take.product_id.as_uuid(),
            sku: &shelf.sku,
            name: &shelf.name,
            on_hand: take.on_hand_after,
            reserved: take.reserved_after,
        };
        let point = effective_reorder_point(shelf.reorder_point, default_reorder_point);
        let cause = json!({"kind": "reserved", "order_id": take.order_id});
        for event in events::thresholds(&level, *was, point, cause, &by) {
            events.push((take.order_id, event));
        }
        *was = level.available();
    }
    events
}

/// How one reservation is decided.
#[derive(Debug)]
pub enum Decision {
    Reserve {
        /// In product-id order, as reservations are stored and read back.
        lines: Vec<ReservedLine>,
        total_cents: i64,
        takes: Vec<Take>,
    },
    Refuse(Vec<ShortLine>),
}

/// Decides each call in order against `shelves`, which it updates with what is taken. A call
/// takes all its lines or none.
pub fn decide(calls: &[&ReserveCall], shelves: &mut HashMap<ProductId, Shelf>) -> Vec<Decision> {
    calls.iter().map(|call| decide_one(call, shelves)).collect()
}

fn decide_one(call: &ReserveCall, shelves: &mut HashMap<ProductId, Shelf>) -> Decision {
    let mut sorted = call.lines.clone();
    sorted.sort_by_key(|l| l.product_id);
    let short: Vec<ShortLine> = sorted
        .iter()
        .filter_map(|line| {
            let wanted = line.quantity.get();
            let (available, reason) = match shelves.get(&line.product_id) {
                None => (0, ShortReason::Unknown),
                Some(s) if !s.active => (0, ShortReason::Inactive),
                Some(s) if s.on_hand - s.reserved < wanted => {
                    (s.on_hand - s.reserved, ShortReason::Insufficient)
                }
                Some(_) => return None,
            };
            Some(ShortLine {
                product_id: line.product_id,
                requested: wanted,
                available,
                reason,
            })
        })
        .collect();
    if !short.is_empty() {
        return Decision::Refuse(short);
    }
    let mut lines = Vec::with_capacity(sorted.len());
    let mut takes = Vec::with_capacity(sorted.len());
    let mut total_cents: i64 = 0;
    for line in &sorted {
        let Some(shelf) = shelves.get_mut(&line.product_id) else {
            continue;
        };
        let quantity = line.quantity.get();
        shelf.reserved += quantity;
        total_cents = total_cents.saturating_add(shelf.price_cents.saturating_mul(quantity));
        takes.push(Take {
            order_id: call.id,
            product_id: line.product_id,
            quantity,
            on_hand_after: shelf.on_hand,
            reserved_after: shelf.reserved,
        });
        lines.push(ReservedLine {
            product_id: line.product_id,
            quantity,
            unit_price_cents: shelf.price_cents,
            sku: shelf.sku.clone(),
            name: shelf.name.clone(),
        });
    }
    Decision::Reserve {
        lines,
        total_cents,
        takes,
    }
}

#[cfg(test)]
mod tests {
    use contracts::Quantity;
    use uuid::Uuid;

    use super::*;

    fn shelf(on_hand: i64, reserved: i64) -> Shelf {
        Shelf {
            on_hand,
            reserved,
            active: true,
            price_cents: 250,
            sku: "MUG".into(),
            name: "Mug".into(),
            reorder_point: 3,
        }
    }

    fn call(product: ProductId, quantity: i64) -> ReserveCall {
        ReserveCall {
            id: OrderId(Uuid::now_v7()),
            lines: vec![ReserveLine {
                product_id: product,
                quantity: Quantity::new(quantity).expect("a valid quantity"),
            }],
            context: None,
        }
    }

    #[test]
    fn each_call_sees_what_the_calls_before_it_took() {
        let mug = ProductId(Uuid::now_v7());
        let mut shelves = HashMap::from([(mug, shelf(5, 1))]);
        let calls = [call(mug, 3), call(mug, 2), call(mug, 1)];
        let decisions = decide(&calls.iter().collect::<Vec<_>>(), &mut shelves);
        assert!(
            matches!(&decisions[0], Decision::Reserve { total_cents: 750, takes, .. } if takes[0].reserved_after == 4)
        );
        match &decisions[1] {
            Decision::Refuse(short) => assert_eq!((short[0].requested, short[0].available), (2, 1)),
            other => panic!("expected a refusal, got {other:?}"),
        }
        assert!(
            matches!(&decisions[2], Decision::Reserve { takes, .. } if takes[0].reserved_after == 5)
        );
        assert_eq!(shelves[&mug].reserved, 5, "never more than on hand");
    }

    #[test]
    fn a_batch_records_each_threshold_once_naming_the_order_that_crossed_it() {
        // Five on the shelf, low at 3: the second order takes it to 3, the fourth to 0.
        let mug = ProductId(Uuid::now_v7());
        let mut shelves = HashMap::from([(mug, shelf(5, 0))]);
        let before = HashMap::from([(mug, 5)]);
        let calls = [call(mug, 1), call(mug, 1), call(mug, 2), call(mug, 1)];
        let takes: Vec<Take> = decide(&calls.iter().collect::<Vec<_>>(), &mut shelves)
            .into_iter()
            .flat_map(|d| match d {
                Decision::Reserve { takes, .. } => takes,
                Decision::Refuse(_) => vec![],
            })
            .collect();
        let events = crossings(&takes, before, &shelves, 10);
        let seen: Vec<(OrderId, &str, i64)> = events
            .iter()
            .map(|(order, e)| {
                (
                    *order,
                    e.kind.as_str(),
                    e.data["available"].as_i64().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            seen,
            [(calls[1].id, "stock.low", 3), (calls[3].id, "stock.out", 0)],
            "the product's own point, not the default"
        );
        assert!(
            crossings(&takes[..1], HashMap::from([(mug, 5)]), &shelves, 10).is_empty(),
            "nothing crossed, nothing recorded"
        );
    }

    #[test]
    fn a_short_line_takes_nothing_from_the_other_lines() {
        let (mug, cup) = (ProductId(Uuid::now_v7()), ProductId(Uuid::now_v7()));
        let mut shelves = HashMap::from([(mug, shelf(10, 0)), (cup, shelf(1, 0))]);
        let mut both = call(mug, 4);
        both.lines.push(ReserveLine {
            product_id: cup,
            quantity: Quantity::new(2).expect("a valid quantity"),
        });
        let decisions = decide(&[&both], &mut shelves);
        assert!(
            matches!(&decisions[0], Decision::Refuse(short) if short.len() == 1 && short[0].product_id == cup)
        );
        assert_eq!((shelves[&mug].reserved, shelves[&cup].reserved), (0, 0));
    }

    #[test]
    fn unknown_and_inactive_products_are_named() {
        let (gone, retired) = (ProductId(Uuid::now_v7()), ProductId(Uuid::now_v7()));
        let mut inactive = shelf(10, 0);
        inactive.active = false;
        let mut shelves = HashMap::from([(retired, inactive)]);
        let decisions = decide(&[&call(gone, 1), &call(retired, 1)], &mut shelves);
        let reasons: Vec<ShortReason> = decisions
            .iter()
            .map(|d| match d {
                Decision::Refuse(short) => short[0].reason,
                Decision::Reserve { .. } => panic!("nothing can be taken"),
            })
            .collect();
        assert_eq!(reasons, [ShortReason::Unknown, ShortReason::Inactive]);
    }
}
