//! Live streams through the gateway: each signed-in user may hold a few open at once, so one
//! client cannot pin an unbounded number of connections to the events service. A slot is
//! taken when the stream is opened and given back when its body is dropped (the client left,
//! or the service ended it).

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use uuid::Uuid;

#[derive(Clone)]
pub struct StreamSlots {
    per_user: usize,
    open: Arc<Mutex<HashMap<Uuid, usize>>>,
}

/// One open stream; dropping it frees the slot.
pub struct Slot {
    user: Uuid,
    open: Arc<Mutex<HashMap<Uuid, usize>>>,
}

impl StreamSlots {
    pub fn new(per_user: usize) -> Self {
        Self {
            per_user: per_user.max(1),
            open: Arc::new(Mutex::new(HashMap::new())),
        }
    }

    /// A slot for `user`, unless they hold every one already. Keys are verified user ids, and
    /// a user's entry goes when their last stream does: the map holds live streams only.
    pub fn acquire(&self, user: Uuid) -> Option<Slot> {
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        let count = open.entry(user).or_insert(0);
        if *count >= self.per_user {
            return None;
        }
        *count += 1;
        Some(Slot {
            user,
            open: self.open.clone(),
        })
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(count) = open.get_mut(&self.user) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                open.remove(&self.user);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_user_gets_a_bounded_number_of_slots_and_each_comes_back_when_dropped() {
        let slots = StreamSlots::new(2);
        let (ana, ben) = (Uuid::now_v7(), Uuid::now_v7());
        let a1 = slots.acquire(ana).unwrap();
        let _a2 = slots.acquire(ana).unwrap();
        assert!(slots.acquire(ana).is_none(), "a third stream is refused");
        assert!(slots.acquire(ben).is_some(), "others are not affected");
        drop(a1);
        assert!(
            slots.acquire(ana).is_some(),
            "a closed stream frees its slot"
        );
    }
}
