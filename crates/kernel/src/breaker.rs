//! A circuit breaker: after `threshold` consecutive failures it opens and refuses calls for
//! `cooldown`; then it lets exactly one probe through and closes again if the probe succeeds.

use std::{
    sync::Mutex,
    time::{Duration, Instant},
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BreakerState {
    Closed,
    Open,
    HalfOpen,
}

impl BreakerState {
    pub fn as_str(self) -> &'static str {
        match self {
            BreakerState::Closed => "closed",
            BreakerState::Open => "open",
            BreakerState::HalfOpen => "half_open",
        }
    }
}

#[derive(Debug)]
enum State {
    Closed { failures: u32 },
    Open { until: Instant },
    HalfOpen { probing: bool },
}

#[derive(Debug)]
pub struct CircuitBreaker {
    state: Mutex<State>,
    threshold: u32,
    cooldown: Duration,
}

impl CircuitBreaker {
    pub fn new(threshold: u32, cooldown: Duration) -> Self {
        Self {
            state: Mutex::new(State::Closed { failures: 0 }),
            threshold: threshold.max(1),
            cooldown,
        }
    }

    /// May a call go out now? In half-open, only the first caller (the probe) gets `true`.
    pub fn allow(&self) -> bool {
        let Ok(mut state) = self.state.lock() else {
            return true;
        };
        match &mut *state {
            State::Closed { .. } => true,
            State::Open { until } if Instant::now() >= *until => {
                *state = State::HalfOpen { probing: true };
                true
            }
            State::Open { .. } => false,
            State::HalfOpen { probing } if !*probing => {
                *probing = true;
                true
            }
            State::HalfOpen { .. } => false,
        }
    }

    pub fn on_success(&self) {
        if let Ok(mut state) = self.state.lock() {
            *state = State::Closed { failures: 0 };
        }
    }

    pub fn on_failure(&self) {
        let Ok(mut state) = self.state.lock() else {
            return;
        };
        let open = State::Open {
            until: Instant::now() + self.cooldown,
        };
        match &mut *state {
            State::Closed { failures } => {
                *failures += 1;
                if *failures >= self.threshold {
                    *state = open;
                }
            }
            State::HalfOpen { .. } => *state = open,
            State::Open { .. } => {}
        }
    }

    /// Seconds until a probe is allowed (for `Retry-After`), at least 1.
    pub fn retry_after_secs(&self) -> u64 {
        match self.state.lock().as_deref() {
            Ok(State::Open { until }) => until
                .saturating_duration_since(Instant::now())
                .as_secs()
                .max(1),
            _ => 1,
        }
    }

    /// How long the breaker stays open, if it is; `None` once a probe may go through.
    pub fn open_remaining(&self) -> Option<Duration> {
        match self.state.lock().as_deref() {
            Ok(State::Open { until }) if Instant::now() < *until => {
                Some(until.saturating_duration_since(Instant::now()))
            }
            _ => None,
        }
    }

    pub fn state(&self) -> BreakerState {
        match self.state.lock().as_deref() {
            Ok(State::Closed { .. }) | Err(_) => BreakerState::Closed,
            Ok(State::Open { until }) if Instant::now() >= *until => BreakerState::HalfOpen,
            Ok(State::Open { .. }) => BreakerState::Open,
            Ok(State::HalfOpen { .. }) => BreakerState::HalfOpen,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_after_threshold_and_lets_one_probe_through_after_cooldown() {
        let b = CircuitBreaker::new(2, Duration::from_millis(0));
        b.on_failure();
        assert_eq!(b.state(), BreakerState::Closed);
        b.on_failure();
        assert!(b.allow(), "cooldown of zero: the probe goes through");
        assert!(!b.allow(), "only one probe at a time");
        b.on_success();
        assert_eq!(b.state(), BreakerState::Closed);
        assert!(b.allow());
    }

    #[test]
    fn refuses_calls_while_open() {
        let b = CircuitBreaker::new(1, Duration::from_secs(60));
        b.on_failure();
        assert_eq!(b.state(), BreakerState::Open);
        assert!(!b.allow());
        assert!(b.retry_after_secs() >= 59);
        assert!(b
            .open_remaining()
            .is_some_and(|d| d > Duration::from_secs(59)));
    }

    #[test]
    fn an_expired_cooldown_is_not_open_any_more() {
        let b = CircuitBreaker::new(1, Duration::from_millis(0));
        b.on_failure();
        assert_eq!(b.open_remaining(), None);
        assert_eq!(b.state(), BreakerState::HalfOpen);
    }
}
