//! Crash tests of the outbox: auth or the events service killed with SIGKILL while users
//! register, then restarted. Every registration auth committed reaches the audit log exactly
//! once: the outbox keeps what was not delivered, and the events service keeps each id once.

use std::{
    collections::HashMap,
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc,
    },
    time::Duration,
};

use kernel::testing::{fresh_database, spawn_on, Spawned};
use serde_json::json;
use testkit::{
    eventually,
    process::{ServiceProcess, TEST_SERVICE_SECRET},
    Api,
};

const PASSWORD: &str = "correct horse battery";
const ADMIN: &str = "admin@example.com";

fn common(auth_url: &str, events_url: &str) -> kernel::Config {
    let mut common = kernel::testing::config();
    common.auth_url = auth_url.to_string();
    common.events_url = events_url.to_string();
    common.service_client_secret = kernel::config::Secret::new(TEST_SERVICE_SECRET);
    common.outbox.poll = Duration::from_millis(100);
    common.outbox.retry_max = Duration::from_millis(500);
    common
}

/// Registers `emails` through `auth`, 8 at a time; calls `midway` once `after` have answered.
async fn register_all(auth: &Api, emails: Vec<String>, after: usize, midway: impl FnOnce()) {
    let answered = Arc::new(AtomicUsize::new(0));
    let queue = Arc::new(tokio::sync::Mutex::new(emails));
    let workers: Vec<_> = (0..8)
        .map(|_| {
            let (auth, answered, queue) = (auth.clone(), answered.clone(), queue.clone());
            tokio::spawn(async move {
                loop {
                    let Some(email) = queue.lock().await.pop() else {
                        return;
                    };
                    let body = json!({"email": email, "password": PASSWORD, "name": "Load"});
                    let _ = auth
                        .request(reqwest::Method::POST, "/api/auth/register")
                        .json(&body)
                        .send()
                        .await;
                    answered.fetch_add(1, Ordering::SeqCst);
                }
            })
        })
        .collect();
    let mut midway = Some(midway);
    while answered.load(Ordering::SeqCst) < after {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    if let Some(f) = midway.take() {
        f();
    }
    for w in workers {
        w.await.expect("a load worker");
    }
}

async fn sign_in(auth: &Api, email: &str) -> String {
    auth.post(
        "/api/auth/login",
        json!({"email": email, "password": PASSWORD}),
    )
    .await
    .expect(200)
    .body["access_token"]
        .as_str()
        .expect("a token")
        .to_string()
}

/// Waits until every user auth has appears in the audit log, then checks each appears once.
async fn every_user_registered_once(auth: &Api, events: &Api) {
    let users: Vec<String> = auth
        .all_items("/api/auth/users")
        .await
        .iter()
        .map(|u| u["id"].as_str().expect("an id").to_string())
        .collect();
    let counts = eventually(Duration::from_secs(30), || async {
        let logged = events.all_items("/api/audit?type=user.registered").await;
        let mut counts: HashMap<String, usize> = HashMap::new();
        for e in &logged {
            *counts
                .entry(e["entity"]["id"].as_str().unwrap_or_default().to_string())
                .or_default() += 1;
        }
        if users.iter().all(|u| counts.contains_key(u)) {
            Ok(counts)
        } else {
            Err(format!("{} of {} users logged", counts.len(), users.len()))
        }
    })
    .await;
    assert_eq!(
        counts.len(),
        users.len(),
        "no event for a user that does not exist"
    );
    let doubled: Vec<_> = counts.iter().filter(|(_, n)| **n > 1).collect();
    assert!(doubled.is_empty(), "logged twice: {doubled:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auth_killed_while_users_register_loses_no_event_and_doubles_none() {
    // The events service runs here, on a port taken first, so the auth process knows it.
    let listener = kernel::server::bind(([127, 0, 0, 1], 0).into())
        .await
        .unwrap();
    let events_url = format!("http://{}", listener.local_addr().unwrap());
    let auth_db = fresh_database("auth");
    let env = [
        ("EVENTS_URL", events_url.as_str()),
        ("SERVICE_CLIENT_SECRET", TEST_SERVICE_SECRET),
        ("ADMIN_EMAIL", ADMIN),
        ("REGISTER_MAX_PER_HOUR", "10000"),
        ("OUTBOX_POLL_MS", "100"),
        ("OUTBOX_RETRY_MAX_MS", "500"),
    ];
    let bin = env!("CARGO_BIN_EXE_stockroom");
    let mut auth = ServiceProcess::spawn(bin, "auth", 0, Some(&auth_db), &env);
    auth.wait_ready().await;
    let common = common(&auth.url(), &events_url);
    let config = events::Config {
        database: fresh_database("events").database(),
        ..events::Config::from_env(&common).unwrap()
    };
    let state = events::EventsState::connect(&common, config).await.unwrap();
    let _events: Spawned = spawn_on(listener, events::router(state), common.http.clone());

    let auth_api = Api::new(auth.url());
    auth_api
        .post(
            "/api/auth/register",
            json!({"email": ADMIN, "password": PASSWORD, "name": "Admin"}),
        )
        .await
        .expect(201);
    let emails: Vec<String> = (0..48).map(|i| format!("user{i}@example.com")).collect();
    let pid = auth.pid().expect("auth runs");
    register_all(&auth_api, emails, 16, || {
        // SIGKILL: no graceful shutdown, whatever was in the outbox stays there.
        let _ = std::process::Command::new("kill")
            .args(["-KILL", &pid.to_string()])
            .status();
    })
    .await;
    auth.kill();
    auth.restart().await;

    let auth_api = Api::new(auth.url()).with_token(&sign_in(&Api::new(auth.url()), ADMIN).await);
    let events_api = Api::new(events_url).with_token(&sign_in(&auth_api, ADMIN).await);
    every_user_registered_once(&auth_api, &events_api).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_events_service_killed_while_events_arrive_loses_none_and_doubles_none() {
    // auth runs here, on a port taken first, so the events process knows where its keys are.
    let listener = kernel::server::bind(([127, 0, 0, 1], 0).into())
        .await
        .unwrap();
    let auth_url = format!("http://{}", listener.local_addr().unwrap());
    let bin = env!("CARGO_BIN_EXE_stockroom");
    let events_db = fresh_database("events");
    let mut events = ServiceProcess::spawn(
        bin,
        "events",
        0,
        Some(&events_db),
        &[("AUTH_URL", &auth_url)],
    );
    let events_url = format!("http://127.0.0.1:{}", events.bound_port().await);
    let common = common(&auth_url, &events_url);
    let config = auth::Config {
        database: fresh_database("auth").database(),
        register_max_per_hour: 10_000,
        ..auth::Config::from_env(&common).unwrap()
    };
    let state = auth::AuthState::connect(&common, config).await.unwrap();
    let relay = state.relay();
    let _auth: Spawned = spawn_on(listener, auth::router(state), common.http.clone());
    events.wait_ready().await;

    let auth_api = Api::new(auth_url.clone());
    auth_api
        .post(
            "/api/auth/register",
            json!({"email": ADMIN, "password": PASSWORD, "name": "Admin"}),
        )
        .await
        .expect(201);
    let emails: Vec<String> = (0..40).map(|i| format!("user{i}@example.com")).collect();
    let pid = events.pid().expect("events runs");
    register_all(&auth_api, emails, 12, || {
        let _ = std::process::Command::new("kill")
            .args(["-KILL", &pid.to_string()])
            .status();
    })
    .await;
    events.kill();
    assert!(
        relay.pending().await.unwrap() > 0,
        "events waited in the outbox meanwhile"
    );
    events.restart().await;

    let token = sign_in(&auth_api, ADMIN).await;
    let auth_api = auth_api.with_token(&token);
    let events_api = Api::new(events.url()).with_token(&token);
    every_user_registered_once(&auth_api, &events_api).await;
    eventually(Duration::from_secs(10), || async {
        match relay.pending().await.unwrap() {
            0 => Ok(()),
            n => Err(n),
        }
    })
    .await;
}
