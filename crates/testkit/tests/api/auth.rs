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
    let sys = TestSystem::start_with(&[Svc::Auth], |s| s.login_max_failures = 3).await;
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
