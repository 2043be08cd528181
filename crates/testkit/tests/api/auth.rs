//! The auth service over HTTP.

use reqwest::Method;
use serde_json::json;
use testkit::{Api, Svc, TestSystem};

async fn auth_only() -> TestSystem {
    TestSystem::start(&[Svc::Auth]).await
}

#[tokio::test]
async fn first_registered_user_is_admin_and_later_ones_are_customers() {
    let sys = auth_only().await;
    let auth = sys.api(Svc::Auth);
    let first = auth
        .post(
            "/api/auth/register",
            json!({"email": "  Boss@Example.com ", "password": "correct horse", "name": "Boss"}),
        )
        .await
        .expect(201);
    assert_eq!(first.body["role"], "admin");
    assert_eq!(
        first.body["email"], "boss@example.com",
        "email is normalised"
    );
    assert!(first.body.get("password_hash").is_none());
    let second = auth
        .post(
            "/api/auth/register",
            json!({"email": "ana@example.com", "password": "correct horse", "name": "Ana"}),
        )
        .await
        .expect(201);
    assert_eq!(second.body["role"], "customer");
}

#[tokio::test]
async fn concurrent_first_registrations_make_exactly_one_admin() {
    let sys = auth_only().await;
    let auth = sys.api(Svc::Auth);
    let replies = futures::future::join_all((0..8).map(|i| {
        let auth = auth.clone();
        async move {
            auth.post("/api/auth/register", json!({"email": format!("u{i}@example.com"), "password": "correct horse", "name": "U"}))
                .await
                .expect(201)
        }
    }))
    .await;
    let admins = replies.iter().filter(|r| r.body["role"] == "admin").count();
    assert_eq!(admins, 1);
}

#[tokio::test]
async fn a_taken_email_is_409_whatever_its_case() {
    let sys = auth_only().await;
    sys.sign_up("ana").await;
    let reply = sys
        .api(Svc::Auth)
        .post(
            "/api/auth/register",
            json!({"email": "ANA@example.com", "password": "another password", "name": "Ana 2"}),
        )
        .await
        .expect_problem(409);
    assert_eq!(reply.problem_type(), "/problems/duplicate-email");
}

#[tokio::test]
async fn registration_reports_every_invalid_field() {
    let sys = auth_only().await;
    let reply = sys
        .api(Svc::Auth)
        .post(
            "/api/auth/register",
            json!({"email": "not-an-email", "password": "short", "name": "  "}),
        )
        .await
        .expect_problem(422);
    let fields: Vec<&str> = reply.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["email", "password", "name"]);
    let same = sys
        .api(Svc::Auth)
        .post(
            "/api/auth/register",
            json!({"email": "ana@example.com", "password": "ana@example.com", "name": "Ana"}),
        )
        .await
        .expect_problem(422);
    assert_eq!(same.body["errors"][0]["field"], "password");
}

#[tokio::test]
async fn wrong_password_and_unknown_email_get_the_same_401() {
    let sys = auth_only().await;
    sys.sign_up("ana").await;
    let auth = sys.api(Svc::Auth);
    let wrong = auth
        .post(
            "/api/auth/login",
            json!({"email": "ana@example.com", "password": "not the password"}),
        )
        .await
        .expect_problem(401);
    let unknown = auth
        .post(
            "/api/auth/login",
            json!({"email": "nobody@example.com", "password": "not the password"}),
        )
        .await
        .expect_problem(401);
    assert_eq!(wrong.body["detail"], unknown.body["detail"]);
    assert_eq!(wrong.body["type"], unknown.body["type"]);
}

#[tokio::test]
async fn repeated_failed_logins_are_429_with_retry_after() {
    let sys = TestSystem::start_with(&[Svc::Auth], |c| c.auth.login_max_failures = 3).await;
    sys.sign_up("ana").await;
    let auth = sys.api(Svc::Auth);
    let attempt = || {
        auth.post(
            "/api/auth/login",
            json!({"email": "ana@example.com", "password": "guess guess"}),
        )
    };
    for _ in 0..3 {
        attempt().await.expect_problem(401);
    }
    let limited = attempt().await.expect_problem(429);
    let retry_after: u64 = limited
        .header("retry-after")
        .expect("Retry-After")
        .parse()
        .unwrap();
    assert!(retry_after > 0);
    // Even the right password waits out the window: that is what stops guessing.
    auth.post(
        "/api/auth/login",
        json!({"email": "ana@example.com", "password": "correct horse battery"}),
    )
    .await
    .expect_problem(429);
}

#[tokio::test]
async fn refresh_rotates_and_the_old_token_stops_working() {
    let sys = auth_only().await;
    let ana = sys.sign_up("ana").await;
    let auth = sys.api(Svc::Auth);
    let fresh = auth
        .post(
            "/api/auth/refresh",
            json!({"refresh_token": ana.refresh_token}),
        )
        .await
        .expect(200);
    let new_refresh = fresh.body["refresh_token"].as_str().unwrap();
    assert_ne!(new_refresh, ana.refresh_token);
    auth.with_token(fresh.body["access_token"].as_str().unwrap())
        .get("/api/auth/me")
        .await
        .expect(200);
    auth.post(
        "/api/auth/refresh",
        json!({"refresh_token": ana.refresh_token}),
    )
    .await
    .expect_problem(401);
}

#[tokio::test]
async fn reusing_a_rotated_refresh_token_revokes_the_whole_login() {
    let sys = auth_only().await;
    let ana = sys.sign_up("ana").await;
    let auth = sys.api(Svc::Auth);
    let rotated = auth
        .post(
            "/api/auth/refresh",
            json!({"refresh_token": ana.refresh_token}),
        )
        .await
        .expect(200);
    let current = rotated.body["refresh_token"].as_str().unwrap().to_string();
    // A thief replays the old token: the login is revoked, so the current token dies too.
    auth.post(
        "/api/auth/refresh",
        json!({"refresh_token": ana.refresh_token}),
    )
    .await
    .expect_problem(401);
    auth.post("/api/auth/refresh", json!({"refresh_token": current}))
        .await
        .expect_problem(401);
    // Other logins of the same user are unaffected.
    let other = sys.sign_in(&ana.email).await;
    auth.post(
        "/api/auth/refresh",
        json!({"refresh_token": other.refresh_token}),
    )
    .await
    .expect(200);
}

#[tokio::test]
async fn logout_revokes_the_refresh_token() {
    let sys = auth_only().await;
    let ana = sys.sign_up("ana").await;
    let auth = sys.api(Svc::Auth);
    auth.post(
        "/api/auth/logout",
        json!({"refresh_token": ana.refresh_token}),
    )
    .await
    .expect(204);
    auth.post(
        "/api/auth/refresh",
        json!({"refresh_token": ana.refresh_token}),
    )
    .await
    .expect_problem(401);
}

#[tokio::test]
async fn admin_routes_are_403_for_customers_and_staff() {
    let sys = auth_only().await;
    let (admin, staff, customer) = sys.cast().await;
    let auth = sys.api(Svc::Auth);
    for who in [&staff, &customer] {
        auth.with_token(&who.token)
            .get("/api/auth/users")
            .await
            .expect_problem(403);
        auth.with_token(&who.token)
            .get("/api/auth/users?role=staff")
            .await
            .expect_problem(403);
        auth.with_token(&who.token)
            .patch(
                &format!("/api/auth/users/{}", who.id),
                json!({"role": "admin"}),
            )
            .await
            .expect_problem(403);
    }
    auth.get("/api/auth/users").await.expect_problem(401);
    let list = auth
        .with_token(&admin.token)
        .get("/api/auth/users?limit=2")
        .await
        .expect(200);
    assert_eq!(list.body["items"].as_array().unwrap().len(), 2);
    let cursor = list.body["next_cursor"]
        .as_str()
        .expect("a third user is on the next page");
    let rest = auth
        .with_token(&admin.token)
        .get(&format!("/api/auth/users?limit=2&cursor={cursor}"))
        .await
        .expect(200);
    assert_eq!(rest.body["items"].as_array().unwrap().len(), 1);
    assert!(rest.body["next_cursor"].is_null());
    auth.with_token(&admin.token)
        .get("/api/auth/users?limit=0")
        .await
        .expect_problem(422);
}

#[tokio::test]
async fn staff_look_up_customers_by_part_of_their_email_or_name() {
    let sys = auth_only().await;
    let (admin, staff, customer) = sys.cast().await;
    let other = sys.sign_up("another").await;
    let auth = sys.api(Svc::Auth);
    let ids = |reply: testkit::Reply| -> Vec<String> {
        reply.body["items"]
            .as_array()
            .expect("a page")
            .iter()
            .map(|u| u["id"].as_str().expect("an id").to_string())
            .collect()
    };
    let customers = auth
        .with_token(&staff.token)
        .get("/api/auth/users?role=customer")
        .await
        .expect(200);
    assert_eq!(ids(customers), [other.id.as_str(), customer.id.as_str()]);
    let part = customer.email[..customer.email.find('@').expect("an address")].to_uppercase();
    let found = auth
        .with_token(&staff.token)
        .get(&format!("/api/auth/users?role=customer&q={part}"))
        .await
        .expect(200);
    assert_eq!(ids(found), [customer.id.as_str()]);
    // The filter narrows an admin's list too; staff and admins are not customers.
    let staff_found = auth
        .with_token(&admin.token)
        .get("/api/auth/users?role=staff")
        .await
        .expect(200);
    assert_eq!(ids(staff_found), [staff.id.as_str()]);
    auth.with_token(&admin.token)
        .get("/api/auth/users?role=service")
        .await
        .expect_problem(422);
    auth.with_token(&staff.token)
        .get(&format!(
            "/api/auth/users?role=customer&q={}",
            "x".repeat(201)
        ))
        .await
        .expect_problem(422);
}

#[tokio::test]
async fn the_last_admin_cannot_be_demoted_or_disabled() {
    let sys = auth_only().await;
    let admin = sys.sign_up("admin").await;
    let auth = sys.api(Svc::Auth).with_token(&admin.token);
    let path = format!("/api/auth/users/{}", admin.id);
    let demote = auth
        .patch(&path, json!({"role": "customer"}))
        .await
        .expect_problem(409);
    assert_eq!(demote.problem_type(), "/problems/last-admin");
    auth.patch(&path, json!({"disabled": true}))
        .await
        .expect_problem(409);
    // With a second admin, the first may step down.
    let second = sys.user_with_role(&admin, "second", "admin").await;
    auth.patch(&path, json!({"role": "staff"}))
        .await
        .expect(200);
    let second_path = format!("/api/auth/users/{}", second.id);
    sys.api(Svc::Auth)
        .with_token(&second.token)
        .patch(&second_path, json!({"role": "staff"}))
        .await
        .expect_problem(409);
}

#[tokio::test]
async fn a_disabled_user_cannot_sign_in_or_refresh() {
    let sys = auth_only().await;
    let admin = sys.sign_up("admin").await;
    let ana = sys.sign_up("ana").await;
    sys.api(Svc::Auth)
        .with_token(&admin.token)
        .patch(
            &format!("/api/auth/users/{}", ana.id),
            json!({"disabled": true}),
        )
        .await
        .expect(200);
    let auth = sys.api(Svc::Auth);
    auth.post(
        "/api/auth/login",
        json!({"email": ana.email, "password": "correct horse battery"}),
    )
    .await
    .expect_problem(403);
    auth.post(
        "/api/auth/refresh",
        json!({"refresh_token": ana.refresh_token}),
    )
    .await
    .expect_problem(401);
}

#[tokio::test]
async fn a_restart_keeps_tokens_and_sessions_valid() {
    let mut sys = auth_only().await;
    let ana = sys.sign_up("ana").await;
    sys.stop(Svc::Auth).await;
    sys.restart(Svc::Auth).await;
    let auth = sys.api(Svc::Auth);
    auth.with_token(&ana.token)
        .get("/api/auth/me")
        .await
        .expect(200);
    auth.post(
        "/api/auth/refresh",
        json!({"refresh_token": ana.refresh_token}),
    )
    .await
    .expect(200);
}

#[tokio::test]
async fn services_get_client_credentials_tokens_only_with_the_secret() {
    let sys = auth_only().await;
    let token = sys.service_token().await;
    let claims: serde_json::Value = jsonwebtoken::dangerous::insecure_decode(&token)
        .unwrap()
        .claims;
    assert_eq!(claims["role"], "service");
    let wrong = Api::send(
        reqwest::Client::new()
            .post(sys.api(Svc::Auth).url("/api/auth/token"))
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_id", "orders"),
                ("client_secret", "guess"),
            ]),
    )
    .await;
    wrong.expect_problem(401);
    // A service token is no user: it cannot use the user endpoints.
    sys.api(Svc::Auth)
        .with_token(&token)
        .get("/api/auth/me")
        .await
        .expect_problem(403);
}

#[tokio::test]
async fn bad_input_gets_a_problem_never_a_500() {
    let sys = auth_only().await;
    let auth = sys.api(Svc::Auth);
    let bad_json = auth
        .post_raw("/api/auth/register", "application/json", "{\"email\": ")
        .await
        .expect_problem(400);
    assert_eq!(bad_json.problem_type(), "/problems/bad-request");
    auth.post_raw("/api/auth/register", "text/plain", "hello")
        .await
        .expect_problem(400);
    let missing = auth
        .post("/api/auth/register", json!({"email": "ana@example.com"}))
        .await
        .expect_problem(422);
    assert_eq!(missing.body["errors"][0]["field"], "password");
    let wrong_type = auth
        .post(
            "/api/auth/register",
            json!({"email": "ana@example.com", "password": 12345678, "name": "Ana"}),
        )
        .await
        .expect_problem(422);
    assert_eq!(wrong_type.body["errors"][0]["field"], "password");
    let huge = format!("{{\"email\": \"{}\"}}", "a".repeat(10 * 1024 * 1024));
    auth.post_raw("/api/auth/login", "application/json", huge)
        .await
        .expect_problem(413);
    auth.post_raw("/api/auth/login", "application/json", "[1,2,3]")
        .await
        .expect_problem(422);
    Api::send(auth.request(Method::PUT, "/api/auth/login"))
        .await
        .expect_problem(405);
    auth.get("/api/auth/users/not-a-uuid")
        .await
        .expect_problem(405);
    auth.get("/no/such/path").await.expect_problem(404);
    // Still serving.
    auth.get("/healthz").await.expect(200);
}

#[tokio::test]
async fn health_readiness_and_metrics_are_served() {
    let sys = auth_only().await;
    let auth = sys.api(Svc::Auth);
    auth.get("/healthz").await.expect(200);
    let ready = auth.get("/readyz").await.expect(200);
    assert_eq!(ready.body["checks"]["database"], "ok");
    let reply = auth.get("/metrics").await.expect(200);
    assert!(
        reply.text.contains("http_requests_total"),
        "metrics: {}",
        reply.text
    );
    assert!(reply.text.contains("route=\"/readyz\""));
}

#[tokio::test]
async fn request_ids_are_kept_when_sane_and_replaced_when_not() {
    let sys = auth_only().await;
    let auth = sys.api(Svc::Auth);
    let kept = Api::send(
        auth.request(Method::GET, "/healthz")
            .header("x-request-id", "abc-123"),
    )
    .await;
    assert_eq!(kept.header("x-request-id"), Some("abc-123"));
    let long = "x".repeat(200);
    let replaced = Api::send(
        auth.request(Method::GET, "/healthz")
            .header("x-request-id", long.as_str()),
    )
    .await;
    let id = replaced.header("x-request-id").unwrap();
    assert!(id != long && !id.is_empty());
}

#[tokio::test]
async fn two_admins_demoted_at_once_leave_one_admin() {
    let sys = auth_only().await;
    let first = sys.sign_up("first").await;
    let second = sys.user_with_role(&first, "second", "admin").await;
    // Tokens carry the role they were issued with, so both stay usable as admin here.
    let (as_first, as_second) = (
        sys.api(Svc::Auth).with_token(&first.token),
        sys.api(Svc::Auth).with_token(&second.token),
    );
    let (path_first, path_second) = (
        format!("/api/auth/users/{}", first.id),
        format!("/api/auth/users/{}", second.id),
    );
    for _ in 0..5 {
        // Each admin demotes the other, at the same moment.
        let (a, b) = tokio::join!(
            as_first.patch(&path_second, json!({"role": "staff"})),
            as_second.patch(&path_first, json!({"role": "staff"})),
        );
        let statuses = [a.status.as_u16(), b.status.as_u16()];
        assert!(
            statuses.contains(&409) && statuses.contains(&200),
            "one demotion must be refused: {statuses:?}"
        );
        let list = as_first.get("/api/auth/users").await.expect(200);
        let admins = list.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|u| u["role"] == "admin")
            .count();
        assert_eq!(admins, 1, "exactly one admin is left");
        for path in [&path_first, &path_second] {
            as_first
                .patch(path, json!({"role": "admin"}))
                .await
                .expect(200);
        }
    }
}

#[tokio::test]
async fn over_long_credentials_are_422_naming_the_field() {
    let sys = auth_only().await;
    let auth = sys.api(Svc::Auth);
    let long_email = format!("{}@example.com", "a".repeat(250));
    for (body, field) in [
        (
            json!({"email": long_email, "password": "correct horse"}),
            "email",
        ),
        (
            json!({"email": "ana@example.com", "password": "p".repeat(129)}),
            "password",
        ),
    ] {
        let reply = auth.post("/api/auth/login", body).await.expect_problem(422);
        assert_eq!(reply.body["errors"][0]["field"], field);
    }
    let reply = auth
        .post(
            "/api/auth/register",
            json!({"email": long_email, "password": "correct horse", "name": "Ana"}),
        )
        .await
        .expect_problem(422);
    assert_eq!(reply.body["errors"][0]["field"], "email");
    // Within the body limit but far beyond any email: refused while parsing, never copied.
    let huge = json!({"email": "a".repeat(900 * 1024), "password": "x"}).to_string();
    let reply = auth
        .post_raw("/api/auth/login", "application/json", huge)
        .await
        .expect_problem(422);
    assert_eq!(reply.body["errors"][0]["field"], "email");
}

#[tokio::test]
async fn parallel_guesses_are_counted_before_any_is_checked() {
    let sys = TestSystem::start_with(&[Svc::Auth], |c| c.auth.login_max_failures = 3).await;
    sys.sign_up("ana").await;
    let auth = sys.api(Svc::Auth);
    let replies = futures::future::join_all((0..30).map(|_| {
        auth.post(
            "/api/auth/login",
            json!({"email": "ANA@example.com ", "password": "guess guess"}),
        )
    }))
    .await;
    let checked = replies.iter().filter(|r| r.status == 401).count();
    let limited = replies.iter().filter(|r| r.status == 429).count();
    assert_eq!(
        (checked, limited),
        (3, 27),
        "every spelling of the email is one account"
    );
}

#[tokio::test]
async fn a_correct_password_resets_the_account_count() {
    let sys = TestSystem::start_with(&[Svc::Auth], |c| c.auth.login_max_failures = 3).await;
    sys.sign_up("ana").await;
    let auth = sys.api(Svc::Auth);
    let guess = || auth.login_from("198.51.100.1", "ana@example.com", "guess guess");
    for _ in 0..2 {
        guess().await.expect_problem(401);
    }
    sys.sign_in("ana@example.com").await;
    for _ in 0..3 {
        guess().await.expect_problem(401);
    }
    guess().await.expect_problem(429);
}

#[tokio::test]
async fn one_address_is_limited_across_accounts_and_others_are_not() {
    let sys = TestSystem::start_with(&[Svc::Auth], |c| c.auth.login_max_failures = 2).await;
    sys.sign_up("ana").await;
    let auth = sys.api(Svc::Auth);
    // Spraying many accounts from one address: 4 × the per-account limit, then 429.
    for i in 0..8 {
        auth.login_from("203.0.113.5", &format!("u{i}@example.com"), "guess guess")
            .await
            .expect_problem(401);
    }
    let limited = auth
        .login_from("203.0.113.5", "u9@example.com", "guess guess")
        .await
        .expect_problem(429);
    assert!(limited.header("retry-after").is_some());
    auth.login_from("198.51.100.2", "ana@example.com", "correct horse battery")
        .await
        .expect(200);
}

#[tokio::test]
async fn registrations_are_limited_per_address_before_hashing() {
    let sys = TestSystem::start_with(&[Svc::Auth], |c| c.auth.register_max_per_hour = 3).await;
    let auth = sys.api(Svc::Auth);
    for i in 0..3 {
        auth.register_from("203.0.113.7", &format!("r{i}@example.com"))
            .await
            .expect(201);
    }
    let limited = auth
        .register_from("203.0.113.7", "r3@example.com")
        .await
        .expect_problem(429);
    let retry_after: u64 = limited
        .header("retry-after")
        .expect("Retry-After")
        .parse()
        .unwrap();
    assert!(retry_after > 60 && retry_after <= 3600);
    auth.register_from("198.51.100.7", "r3@example.com")
        .await
        .expect(201);
}

#[tokio::test]
async fn a_full_hashing_queue_answers_503_at_once() {
    let sys = TestSystem::start_with(&[Svc::Auth], |c| {
        c.auth.password_hash_queue = 0;
        c.auth.login_max_failures = 1000;
    })
    .await;
    let auth = sys.api(Svc::Auth);
    let replies = futures::future::join_all((0..40).map(|i| {
        let auth = auth.clone();
        async move {
            auth.login_from(
                &format!("203.0.113.{i}"),
                "nobody@example.com",
                "guess guess",
            )
            .await
        }
    }))
    .await;
    let busy: Vec<_> = replies.iter().filter(|r| r.status == 503).collect();
    assert!(
        !busy.is_empty(),
        "two hashing threads and no queue cannot take 40 at once"
    );
    assert_eq!(
        busy.len() + replies.iter().filter(|r| r.status == 401).count(),
        40
    );
    for reply in busy {
        assert_eq!(reply.body["type"], "/problems/busy");
        assert_eq!(reply.header("retry-after"), Some("1"));
    }
}

#[tokio::test]
async fn in_serve_only_admin_email_makes_an_admin_and_a_wrong_bootstrap_token_is_refused() {
    let sys = TestSystem::start_with(&[Svc::Auth], |c| {
        c.common.mode = kernel::config::Mode::Serve;
        c.auth.admin_email = Some("boss@example.com".into());
    })
    .await;
    let auth = sys.api(Svc::Auth);
    let first = auth
        .register_from("198.51.100.1", "first@example.com")
        .await;
    assert_eq!(first.expect(201).body["role"], "customer");
    let guessed = auth
        .post(
            "/api/auth/register",
            json!({"email": "thief@example.com", "password": "correct horse", "name": "T",
                   "bootstrap_token": "a-guess"}),
        )
        .await
        .expect_problem(403);
    assert!(guessed.body["detail"]
        .as_str()
        .unwrap()
        .contains("bootstrap token"));
    let boss = auth.register_from("198.51.100.1", "Boss@Example.com").await;
    assert_eq!(boss.expect(201).body["role"], "admin");
}

#[tokio::test]
async fn admin_email_registered_once_an_admin_exists_is_a_customer() {
    // The one-machine start made its first account the admin; then the deployment moved to
    // `serve` with ADMIN_EMAIL naming an address nobody had registered yet.
    let mut sys = auth_only().await;
    let owner = sys.sign_up("owner").await;
    sys.stop(Svc::Auth).await;
    sys.config.common.mode = kernel::config::Mode::Serve;
    sys.config.auth.admin_email = Some("boss@example.com".into());
    sys.restart(Svc::Auth).await;
    let auth = sys.api(Svc::Auth);
    let boss = auth.register_from("198.51.100.1", "boss@example.com").await;
    assert_eq!(
        boss.expect(201).body["role"],
        "customer",
        "an admin already exists"
    );
    let users = auth
        .with_token(&owner.token)
        .get("/api/auth/users")
        .await
        .expect(200);
    let admins = users.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|u| u["role"] == "admin")
        .count();
    assert_eq!(admins, 1);
}

#[tokio::test]
async fn after_a_rotation_the_previous_key_is_published_and_its_tokens_still_work() {
    let old_seed = TestSystem::fresh_signing_seed();
    let mut sys = TestSystem::start_with(&[Svc::Auth], |c| {
        c.auth.signing_key = Some(kernel::config::Secret::new(old_seed.clone()));
    })
    .await;
    let ana = sys.sign_up("ana").await;
    let old_kid = TestSystem::token_kid(&ana.token);
    sys.stop(Svc::Auth).await;
    sys.config.auth.signing_key =
        Some(kernel::config::Secret::new(TestSystem::fresh_signing_seed()));
    sys.config.auth.previous_signing_keys = vec![kernel::config::Secret::new(old_seed)];
    sys.restart(Svc::Auth).await;
    let auth = sys.api(Svc::Auth);
    auth.with_token(&ana.token)
        .get("/api/auth/me")
        .await
        .expect(200);
    let new_kid = TestSystem::token_kid(&sys.sign_in("ana@example.com").await.token);
    assert_ne!(new_kid, old_kid);
    let jwks = auth.get("/.well-known/jwks.json").await.expect(200);
    assert_eq!(TestSystem::jwks_kids(&jwks.body), [new_kid, old_kid]);
}

#[tokio::test]
async fn moving_from_a_generated_key_to_a_configured_one_logs_nobody_out() {
    let mut sys = TestSystem::start_with(&[Svc::Auth], |c| c.auth.signing_key = None).await;
    let ana = sys.sign_up("ana").await;
    let generated_kid = TestSystem::token_kid(&ana.token);
    sys.stop(Svc::Auth).await;
    sys.config.auth.signing_key =
        Some(kernel::config::Secret::new(TestSystem::fresh_signing_seed()));
    sys.restart(Svc::Auth).await;
    let auth = sys.api(Svc::Auth);
    auth.with_token(&ana.token)
        .get("/api/auth/me")
        .await
        .expect(200);
    let jwks = auth.get("/.well-known/jwks.json").await.expect(200);
    let kids = TestSystem::jwks_kids(&jwks.body);
    assert_eq!(kids.len(), 2);
    assert_eq!(kids[1], generated_kid, "the generated key stays published");
}
