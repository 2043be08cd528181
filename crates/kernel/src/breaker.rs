//! Circuit breakers.
//!
//! [`CircuitBreaker`]: after `threshold` consecutive failures it opens and refuses calls for
//! `cooldown`; then it lets exactly one probe through and closes again if the probe succeeds.
//! What counts as a failure is the caller's choice (the AI client counts provider errors).
//!
//! [`PeerBreaker`]: the breaker in front of another Stockroom service. It counts only
//! transport failures and timeouts (a well-formed answer, even a 503, is the peer working),
//! keeps reads and writes apart (reads never wait behind a breaker opened by writes), and
//! while open asks the peer's `/healthz` in the background, closing as soon as it answers:
//! the first request after the peer returns goes through.

use std::{
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc, Mutex, Weak,
    },
    time::{Duration, Instant},
};

use futures::{stream::FuturesUnordered, StreamExt};

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

/// Consecutive transport failures that open a peer's breaker.
const PEER_THRESHOLD: u32 = 5;
/// A backstop: if `/healthz` never answers but the peer does, one call is let through after this.
const PEER_COOLDOWN: Duration = Duration::from_secs(5);
/// While open, the peer's `/healthz` is asked this often (probes may overlap, so a hung
/// probe does not delay noticing that the peer is back).
const PROBE_INTERVAL: Duration = Duration::from_millis(150);
const PROBE_TIMEOUT: Duration = Duration::from_secs(1);

/// Which breaker a call goes through: a failing write path must not refuse reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Call {
    Read,
    Write,
}

impl Call {
    /// Safe methods are reads; everything else may change state.
    pub fn of(method: &reqwest::Method) -> Self {
        use reqwest::Method;
        if [Method::GET, Method::HEAD, Method::OPTIONS, Method::TRACE].contains(method) {
            Call::Read
        } else {
            Call::Write
        }
    }
}

/// The breakers in front of one peer service. Cheap to clone.
#[derive(Clone)]
pub struct PeerBreaker {
    inner: Arc<Peer>,
}

struct Peer {
    name: &'static str,
    reads: CircuitBreaker,
    writes: CircuitBreaker,
    health_url: String,
    http: reqwest::Client,
    /// A background probe is running.
    probing: AtomicBool,
}

impl Peer {
    fn breaker(&self, call: Call) -> &CircuitBreaker {
        match call {
            Call::Read => &self.reads,
            Call::Write => &self.writes,
        }
    }

    fn all_closed(&self) -> bool {
        self.reads.state() == BreakerState::Closed && self.writes.state() == BreakerState::Closed
    }

    fn report(&self) {
        let open = !self.all_closed();
        metrics::gauge!("peer_breaker_open", "peer" => self.name).set(f64::from(u8::from(open)));
    }
}

impl PeerBreaker {
    /// Breakers for the service at `base_url`, probed through `http` while open.
    pub fn new(name: &'static str, base_url: &str, http: reqwest::Client) -> Self {
        Self {
            inner: Arc::new(Peer {
                name,
                reads: CircuitBreaker::new(PEER_THRESHOLD, PEER_COOLDOWN),
                writes: CircuitBreaker::new(PEER_THRESHOLD, PEER_COOLDOWN),
                health_url: format!("{}/healthz", base_url.trim_end_matches('/')),
                http,
                probing: AtomicBool::new(false),
            }),
        }
    }

    /// May this call go out now?
    pub fn allow(&self, call: Call) -> bool {
        self.inner.breaker(call).allow()
    }

    /// `Some(seconds for Retry-After)` while calls of this kind are refused.
    pub fn open_for(&self, call: Call) -> Option<u64> {
        (self.inner.breaker(call).state() == BreakerState::Open)
            .then(|| PROBE_INTERVAL.as_secs().max(1))
    }

    /// The peer sent an HTTP answer, whatever its status: it is up.
    pub fn answered(&self, call: Call) {
        let breaker = self.inner.breaker(call);
        let was_open = breaker.state() != BreakerState::Closed;
        breaker.on_success();
        if was_open {
            self.inner.report();
        }
    }

    /// The peer could not be reached, reset the connection or did not answer in time.
    pub fn failed(&self, call: Call) {
        let breaker = self.inner.breaker(call);
        breaker.on_failure();
        if breaker.state() != BreakerState::Closed {
            self.inner.report();
            self.watch();
        }
    }

    /// Starts the background probe unless one runs.
    fn watch(&self) {
        if self.inner.probing.swap(true, Ordering::SeqCst) {
            return;
        }
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => {
                runtime.spawn(probe_until_up(Arc::downgrade(&self.inner)));
            }
            // No runtime (a synchronous caller): the cooldown lets a call probe instead.
            Err(_) => self.inner.probing.store(false, Ordering::SeqCst),
        }
    }
}

/// Asks the peer's `/healthz` every [`PROBE_INTERVAL`] until it answers, then closes both
/// breakers. Ends when they are closed (by a probe or by a call) or the owner is gone.
async fn probe_until_up(peer: Weak<Peer>) {
    let mut tick = tokio::time::interval(PROBE_INTERVAL);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut probes = FuturesUnordered::new();
    loop {
        let Some(inner) = peer.upgrade() else {
            return;
        };
        if inner.all_closed() {
            inner.probing.store(false, Ordering::SeqCst);
            // A call may have opened a breaker after the check and seen the probe running.
            if inner.all_closed() || inner.probing.swap(true, Ordering::SeqCst) {
                return;
            }
        }
        tokio::select! {
            _ = tick.tick() => probes.push(healthy(inner.http.clone(), inner.health_url.clone())),
            Some(up) = probes.next() => {
                if up {
                    tracing::info!(peer = inner.name, "peer answers its health check again: breaker closed");
                    inner.reads.on_success();
                    inner.writes.on_success();
                    inner.report();
                }
            }
        }
    }
}

async fn healthy(http: reqwest::Client, url: String) -> bool {
    http.get(url)
        .timeout(PROBE_TIMEOUT)
        .send()
        .await
        .is_ok_and(|r| r.status().is_success())
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

    #[test]
    fn a_peer_breaker_keeps_reads_open_when_writes_fail() {
        let peer = PeerBreaker::new("peer", "http://127.0.0.1:9", reqwest::Client::new());
        for _ in 0..PEER_THRESHOLD {
            peer.failed(Call::Write);
        }
        assert!(!peer.allow(Call::Write));
        assert!(peer.open_for(Call::Write).is_some());
        assert!(peer.allow(Call::Read), "reads have their own breaker");
        peer.answered(Call::Write);
        assert!(peer.allow(Call::Write), "an answer of the peer closes it");
    }

    #[tokio::test]
    async fn an_open_peer_breaker_closes_as_soon_as_the_peer_answers_its_health_check() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let peer = PeerBreaker::new("peer", &base, reqwest::Client::new());
        for _ in 0..PEER_THRESHOLD {
            peer.failed(Call::Read);
        }
        assert!(!peer.allow(Call::Read));
        // The peer comes back: the probe notices well before the 5 s cooldown.
        let app = axum::Router::new().route("/healthz", axum::routing::get(|| async { "ok" }));
        tokio::spawn(async move { axum::serve(listener, app).await });
        let deadline = Instant::now() + Duration::from_secs(1);
        while !peer.allow(Call::Read) {
            assert!(
                Instant::now() < deadline,
                "still open a second after the peer returned"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}
