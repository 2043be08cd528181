//! On PostgreSQL each service runs as its own login role and no role can read or write
//! another service's schema. (On SQLite each service has its own file; nothing to check.)

use sqlx::{Connection, Executor, PgConnection};
use testkit::{Svc, TestSystem};

#[tokio::test]
async fn each_service_role_cannot_touch_another_services_schema() {
    let Ok(admin_url) = std::env::var("STOCKROOM_TEST_DATABASE_URL") else {
        return;
    };
    if !admin_url.starts_with("postgres") {
        return;
    }
    let sys = TestSystem::start(&[Svc::Auth, Svc::Inventory, Svc::Orders]).await;
    sys.sign_up("admin").await;
    let schema = |s: Svc| sys.database(s).schema;
    let (auth, inventory, orders) = (
        schema(Svc::Auth),
        schema(Svc::Inventory),
        schema(Svc::Orders),
    );
    let connect = |role: &'static str| {
        let url = kernel::testing::as_role(&admin_url, role);
        async move {
            PgConnection::connect(&url)
                .await
                .expect("log in as the service role")
        }
    };

    let mut as_inventory = connect("inventory").await;
    // Positive control: a role reaches its own schema, so the refusals below mean something.
    as_inventory
        .execute(format!("SELECT COUNT(*) FROM {inventory}.products").as_str())
        .await
        .expect("own schema");
    for sql in [
        format!("SELECT * FROM {auth}.users"),
        format!("SELECT * FROM {orders}.orders"),
        format!("INSERT INTO {auth}.users (id) VALUES ('x')"),
        format!("DELETE FROM {orders}.order_lines"),
    ] {
        let err = as_inventory.execute(sql.as_str()).await.expect_err(&sql);
        assert!(
            err.to_string().contains("permission denied"),
            "{sql}: {err}"
        );
    }

    let mut as_orders = connect("orders").await;
    for sql in [
        format!("SELECT * FROM {inventory}.products"),
        format!("UPDATE {inventory}.products SET reserved = 0"),
    ] {
        let err = as_orders.execute(sql.as_str()).await.expect_err(&sql);
        assert!(
            err.to_string().contains("permission denied"),
            "{sql}: {err}"
        );
    }

    let mut as_auth = connect("auth").await;
    let users: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {auth}.users"))
        .fetch_one(&mut as_auth)
        .await
        .unwrap();
    assert_eq!(users, 1);
    let err = as_auth
        .execute(format!("SELECT * FROM {inventory}.reservations").as_str())
        .await
        .expect_err("cross-schema read");
    assert!(err.to_string().contains("permission denied"));
}
