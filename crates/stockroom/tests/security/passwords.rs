//! Password hashing under attack (issue 12, item 6): one address flooding registration and
//! sign-in is refused before its work reaches argon2, the hashing queue is bounded, and a
//! user elsewhere still signs in during the flood.

use std::{
    sync::{
        atomic::{AtomicBool, AtomicUsize, Ordering},
        Arc, Mutex,
    },
    time::{Duration, Instant},
};

use testkit::process::Cluster;

const ATTACKER: &str = "203.0.113.66";
const LEGIT: &str = "198.51.100.20";
/// The attack: one client at 100 requests per second, not waiting for answers.
const FLOOD_INTERVAL: Duration = Duration::from_millis(10);
const REGISTER_MAX_PER_HOUR: usize = 20;
/// Sign-in failures one address may have: 4 × LOGIN_MAX_FAILURES.
const LOGIN_MAX_PER_ADDRESS: usize = 20;
/// How long the user elsewhere may take to sign in while the flood goes on.
const SIGN_IN_BOUND: Duration = Duration::from_secs(5);

/// Outcomes of the attacker's requests: status and how long the answer took.
type Outcomes = Arc<Mutex<Vec<(bool, u16, Duration)>>>;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "run by make test-reliability"]
async fn a_flooding_address_is_refused_fast_and_others_still_sign_in() {
    let cluster = Cluster::start(&[
        ("RATE_LIMIT_PER_SECOND", "100000"),
        ("RATE_LIMIT_BURST", "100000"),
        ("LOGIN_MAX_FAILURES", "5"),
        ("REGISTER_MAX_PER_HOUR", "20"),
    ])
    .await;
    let gw = cluster.gateway();
    gw.register_from(LEGIT, "ana@example.com").await.expect(201);

    let (sent, stop, outcomes) = (
        Arc::new(AtomicUsize::new(0)),
        Arc::new(AtomicBool::new(false)),
        Outcomes::default(),
    );
    let flood = tokio::spawn(flood(
        gw.clone(),
        sent.clone(),
        stop.clone(),
        outcomes.clone(),
    ));
    // The flood has gone on for three seconds and the attacker is being refused.
    let deadline = Instant::now() + Duration::from_secs(60);
    while sent.load(Ordering::SeqCst) < 300 || !refused_once(&outcomes) {
        assert!(Instant::now() < deadline, "the flood never got a refusal");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let started = Instant::now();
    let reply = gw
        .login_from(LEGIT, "ana@example.com", Cluster::PASSWORD)
        .await;
    let took = started.elapsed();
    stop.store(true, Ordering::SeqCst);
    let still_flooding = flood.await.expect("the flood task");
    reply.expect(200);
    assert!(still_flooding, "the sign-in happened during the flood");
    assert!(
        took < SIGN_IN_BOUND,
        "signing in during the flood took {took:?}"
    );

    let outcomes = outcomes.lock().expect("outcomes").clone();
    let count = |register: bool, status: u16| {
        outcomes
            .iter()
            .filter(|(r, s, _)| *r == register && *s == status)
            .count()
    };
    assert!(count(true, 201) <= REGISTER_MAX_PER_HOUR);
    assert!(count(false, 401) <= LOGIN_MAX_PER_ADDRESS);
    let statuses: Vec<u16> = outcomes.iter().map(|o| o.1).collect();
    assert!(
        statuses
            .iter()
            .all(|s| [201, 401, 429, 503, 504].contains(s)),
        "the attacker gets its quota, then refusals: {statuses:?}"
    );
    let mut refused: Vec<Duration> = outcomes
        .iter()
        .filter(|(_, s, _)| [429, 503].contains(s))
        .map(|(_, _, took)| *took)
        .collect();
    // Beyond its quota the attacker is refused; on a loaded machine a few may wait out the
    // gateway's timeout (504) instead.
    let beyond_quota = outcomes.len() - count(true, 201) - count(false, 401);
    assert!(
        refused.len() * 10 >= beyond_quota * 9,
        "nearly every attacker request is refused: {statuses:?}"
    );
    refused.sort();
    let median = refused[refused.len() / 2];
    eprintln!(
        "{} attacker requests, {} refused, median {median:?}, max {:?}; legit sign-in {took:?}",
        outcomes.len(),
        refused.len(),
        refused.last()
    );
    assert!(
        median < Duration::from_millis(500),
        "refusals are fast: median {median:?}"
    );
}

fn refused_once(outcomes: &Outcomes) -> bool {
    outcomes
        .lock()
        .expect("outcomes")
        .iter()
        .any(|(_, status, _)| *status == 429)
}

/// Sends a registration or a sign-in every [`FLOOD_INTERVAL`] without waiting for answers,
/// until `stop`; then waits for the answers. True if it was still sending when stopped.
async fn flood(
    gw: testkit::Api,
    sent: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
    outcomes: Outcomes,
) -> bool {
    let mut tick = tokio::time::interval(FLOOD_INTERVAL);
    let mut in_flight = Vec::new();
    for i in 0..6000 {
        if stop.load(Ordering::SeqCst) {
            break;
        }
        tick.tick().await;
        let (gw, outcomes) = (gw.clone(), outcomes.clone());
        in_flight.push(tokio::spawn(async move {
            let register = i % 2 == 0;
            let started = Instant::now();
            let email = format!("bot{i}@example.com");
            let reply = if register {
                gw.register_from(ATTACKER, &email).await
            } else {
                gw.login_from(ATTACKER, &email, "guess guess").await
            };
            let outcome = (register, reply.status.as_u16(), started.elapsed());
            outcomes.lock().expect("outcomes").push(outcome);
        }));
        sent.fetch_add(1, Ordering::SeqCst);
    }
    let stopped = stop.load(Ordering::SeqCst);
    for request in in_flight {
        request.await.expect("an attacker request");
    }
    stopped
}
