//! Reserving many orders' stock in one transaction, each order all-or-nothing.
//!
//! Concurrent reservations of one product serialise on its row lock for a whole commit, so
//! one row can take only as many reservations per second as the database commits. The
//! [`crate::reserver`] gathers the reservations that arrive while a commit is under way and
//! hands them here together: the product rows are locked once (in id order, so batches never
//! deadlock), each reservation is decided in arrival order against what the ones before it
//! took, and everything is written in a few set-based statements and one commit.
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
use kernel::{AppError, Result};

use super::ReserveOutcome;

/// One order's reservation request.
#[derive(Debug, Clone)]
pub struct ReserveCall {
    pub id: OrderId,
    pub lines: Vec<ReserveLine>,
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
/// id twice in a batch gets the same outcome.
pub async fn reserve_batch(
    mut tx: Box<dyn ReserveTx + '_>,
    calls: &[ReserveCall],
    currency: &str,
    at: DateTime<Utc>,
) -> Result<Vec<ReserveOutcome>> {
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
    calls
        .iter()
        .map(|c| {
            outcomes
                .get(&c.id)
                .cloned()
                .ok_or_else(|| AppError::internal("a reservation was left undecided"))
        })
        .collect()
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
        }
    }

    fn call(product: ProductId, quantity: i64) -> ReserveCall {
        ReserveCall {
            id: OrderId(Uuid::now_v7()),
            lines: vec![ReserveLine {
                product_id: product,
                quantity: Quantity::new(quantity).expect("a valid quantity"),
            }],
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
