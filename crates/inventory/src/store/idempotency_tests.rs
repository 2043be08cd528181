//! The `Idempotency-Key` storage rules, through the store on each backend: a 4xx answer is
//! kept and its change undone, a 5xx answer is not kept, an expired key is taken over. SQLite
//! always; PostgreSQL when `STOCKROOM_TEST_DATABASE_URL` names one.

use std::sync::Arc;

use axum::http::{HeaderMap, HeaderValue, StatusCode};
use contracts::ProductId;
use kernel::{
    db::Db,
    idempotency::{IdempotencyKey, Keyed, Outcome},
    outbox::Actor,
    time::{now, to_db},
};
use uuid::Uuid;

use super::{InventoryStore, NewAdjustment, NewProduct, Once, SupplierFields};
use crate::domain::{Reason, Sku};

const USER: &str = "0190a1b2-0000-7000-8000-0000000000c1";

fn by() -> Actor {
    Actor::user(
        crate::SERVICE,
        Uuid::parse_str(USER).unwrap(),
        Some("staff@example.com"),
    )
}

async fn fresh(postgres: bool) -> Option<Db> {
    let id = Uuid::new_v4().simple().to_string();
    let (url, schema) = if postgres {
        let url = std::env::var("STOCKROOM_TEST_DATABASE_URL")
            .ok()
            .filter(|u| u.starts_with("postgres"))?;
        (url, format!("t_inventory_keys_{}", &id[..12]))
    } else {
        let dir = std::env::temp_dir().join("stockroom-tests").join(&id);
        (
            format!("sqlite://{}/inventory.db", dir.display()),
            "inventory".into(),
        )
    };
    Some(
        Db::connect(&url, &schema, 2, &crate::MIGRATIONS)
            .await
            .expect("a fresh database migrates"),
    )
}

fn key(text: &'static str) -> IdempotencyKey {
    let mut headers = HeaderMap::new();
    headers.insert("idempotency-key", HeaderValue::from_static(text));
    IdempotencyKey::from_headers(&headers)
        .expect("a valid key")
        .expect("a key was sent")
}

fn product(sku: &str, price_cents: i64, stock: i64) -> NewProduct {
    NewProduct {
        sku: Sku::parse(sku).expect("a valid SKU"),
        name: sku.to_lowercase(),
        description: String::new(),
        category: String::new(),
        supplier_id: None,
        price_cents,
        reorder_point: 0,
        reorder_quantity: 0,
        initial_stock: stock,
        cost_cents: None,
        active: true,
    }
}

async fn a_kept_conflict_replays_and_its_change_is_undone(store: &Arc<dyn InventoryStore>) {
    let created = store
        .create_product(
            Once {
                keyed: None,
                success: StatusCode::CREATED,
            },
            &product("KEEP-1", 100, 5),
            USER,
            &by(),
        )
        .await
        .unwrap();
    let Outcome::Fresh(p) = created else {
        panic!("an unkeyed create is fresh")
    };
    let k = key("conflict-1");
    let keyed = Keyed::new(USER, &k, &[1]);
    let once = Once {
        keyed: Some(&keyed),
        success: StatusCode::CREATED,
    };
    let too_much = NewAdjustment {
        product_id: p.id,
        delta: -6,
        reason: Reason::Lost,
        note: None,
        user_id: USER,
    };
    let first = store.adjust(once, &too_much, &by()).await;
    assert!(first.is_err(), "5 on hand cannot lose 6");
    let again = store.adjust(once, &too_much, &by()).await.unwrap();
    assert!(
        matches!(again, Outcome::Replayed(s) if s.status == StatusCode::CONFLICT),
        "the kept 409 replays"
    );
    let after = store.get_product(p.id).await.unwrap().unwrap();
    assert_eq!(after.on_hand, 5, "nothing of the refused change is left");

    let unknown = NewAdjustment {
        product_id: ProductId(Uuid::now_v7()),
        ..too_much
    };
    let k = key("missing-1");
    let keyed = Keyed::new(USER, &k, &[2]);
    let once = Once {
        keyed: Some(&keyed),
        ..once
    };
    assert!(store.adjust(once, &unknown, &by()).await.is_err());
    assert!(matches!(
        store.adjust(once, &unknown, &by()).await.unwrap(),
        Outcome::Replayed(s) if s.status == StatusCode::NOT_FOUND
    ));
}

async fn a_server_error_is_not_kept(store: &Arc<dyn InventoryStore>) {
    let k = key("import-1");
    let keyed = Keyed::new(USER, &k, &[3]);
    let once = Once {
        keyed: Some(&keyed),
        success: StatusCode::OK,
    };
    // A negative price passes no validation here, so the database's CHECK refuses it: a 500.
    let failed = store
        .import(once, &[product("FAIL-1", -1, 0)], USER, &by())
        .await;
    assert!(
        matches!(&failed, Err(e) if e.to_problem().status >= 500),
        "the database refused the row"
    );
    let retried = store
        .import(once, &[product("FAIL-1", 100, 0)], USER, &by())
        .await
        .unwrap();
    assert!(
        matches!(retried, Outcome::Fresh(r) if r.created == 1),
        "the key was free again, so the retry ran"
    );
    assert!(matches!(
        store.import(once, &[product("FAIL-1", 100, 0)], USER, &by()).await.unwrap(),
        Outcome::Replayed(s) if s.status == StatusCode::OK
    ));
}

async fn an_expired_key_is_taken_over(db: &Db, store: &Arc<dyn InventoryStore>) {
    // A day and an hour old, kept for another request: expired keys are free whatever they held.
    let old = now() - chrono::Duration::hours(25);
    let sql = "INSERT INTO idempotency_keys (user_id, idempotency_key, request_hash, response_status, response_body, created_at)
               VALUES ($1, 'old-1', 'ffff', 201, '{}', $2)";
    match db {
        Db::Postgres(pool) => sqlx::query(sql)
            .bind(USER)
            .bind(old)
            .execute(pool)
            .await
            .map(|_| ()),
        Db::Sqlite(pool) => sqlx::query(sql)
            .bind(USER)
            .bind(to_db(old))
            .execute(pool)
            .await
            .map(|_| ()),
    }
    .expect("an old key row");
    let k = key("old-1");
    let keyed = Keyed::new(USER, &k, &[4]);
    let once = Once {
        keyed: Some(&keyed),
        success: StatusCode::CREATED,
    };
    let fields = || SupplierFields {
        name: Some("Fresh Co".into()),
        ..Default::default()
    };
    let first = store.create_supplier(once, fields(), &by()).await.unwrap();
    let Outcome::Fresh(supplier) = first else {
        panic!("an expired key runs the change")
    };
    let again = store.create_supplier(once, fields(), &by()).await.unwrap();
    let Outcome::Replayed(stored) = again else {
        panic!("the reclaimed key now holds the new answer")
    };
    assert_eq!(stored.status, StatusCode::CREATED);
    assert!(stored.body.contains(&supplier.id.to_string()));
}

async fn run(postgres: bool) {
    let Some(db) = fresh(postgres).await else {
        return;
    };
    let store = super::open(db.clone(), super::eur(), 0);
    a_kept_conflict_replays_and_its_change_is_undone(&store).await;
    a_server_error_is_not_kept(&store).await;
    an_expired_key_is_taken_over(&db, &store).await;
    // Refused and failed changes recorded nothing; a replay records nothing again.
    let recorded: Vec<(String, String)> = super::outbox_tests::recorded(&db)
        .await
        .iter()
        .map(|e| {
            let name = e["data"]["sku"].as_str().or(e["data"]["name"].as_str());
            (e["type"].as_str().unwrap().into(), name.unwrap().into())
        })
        .collect();
    let expected = [
        ("product.created", "KEEP-1"),
        ("product.created", "FAIL-1"),
        ("supplier.created", "Fresh Co"),
    ]
    .map(|(t, n)| (t.to_string(), n.to_string()));
    assert_eq!(recorded, expected);
    db.close().await;
}

#[tokio::test]
async fn idempotency_keys_keep_4xx_drop_5xx_and_free_expired_keys_on_sqlite() {
    run(false).await;
}

#[tokio::test]
async fn idempotency_keys_keep_4xx_drop_5xx_and_free_expired_keys_on_postgres() {
    run(true).await;
}
