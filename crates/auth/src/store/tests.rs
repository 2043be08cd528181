//! Existing data survives the move to typed storage: a database built by the migrations the
//! previous main ran, filled as the previous code wrote it (text ids, fixed-width text times,
//! 0/1 flags), is migrated by the full set and read back through the new store.

use std::{borrow::Cow, time::Duration};

use chrono::{DateTime, Utc};
use kernel::{
    auth::Role,
    db::{Db, Migrations},
    pagination::{Cursor, PageRequest},
    testing::TestDatabase,
    AppError,
};
use sqlx::migrate::Migrator;
use uuid::Uuid;

use super::{open, AdminClaim, AuthStore, NewUser, Rotation, StoredKey, UserChanges};
use crate::domain::{Email, Name, User};

const ADMIN: &str = "0192d3a0-0000-7000-8000-00000000000a";
const STAFF: &str = "0192d3a0-0000-7000-8000-00000000000b";
const CUSTOMER: &str = "0192d3a0-0000-7000-8000-00000000000c";

/// Rows as the `Any` store wrote them, in SQL both backends accept on the old schema.
const OLD_ROWS: &str = "
INSERT INTO users (id, email, name, role, password_hash, disabled, created_at, updated_at) VALUES
  ('0192d3a0-0000-7000-8000-00000000000a', 'boss@example.com', 'Boss', 'admin', '$argon2id$boss', 0,
   '2026-01-01T10:00:00.000000Z', '2026-01-01T10:00:00.000000Z'),
  ('0192d3a0-0000-7000-8000-00000000000b', 'sam@example.com', 'Sam', 'staff', '$argon2id$sam', 1,
   '2026-01-02T10:00:00.123456Z', '2026-01-05T10:00:00.000000Z'),
  ('0192d3a0-0000-7000-8000-00000000000c', 'ana@example.com', 'Ana', 'customer', '$argon2id$ana', 0,
   '2026-01-03T10:00:00.000001Z', '2026-01-03T10:00:00.000001Z');
INSERT INTO bootstrap (id, first_user_id) VALUES (1, '0192d3a0-0000-7000-8000-00000000000a');
INSERT INTO refresh_tokens (token_hash, family_id, user_id, expires_at, used_at, revoked_at, created_at) VALUES
  ('live', '0192d3a0-0000-7000-8000-0000000000fa', '0192d3a0-0000-7000-8000-00000000000a',
   '2099-01-01T00:00:00.000000Z', NULL, NULL, '2026-01-04T10:00:00.000000Z'),
  ('used', '0192d3a0-0000-7000-8000-0000000000fc', '0192d3a0-0000-7000-8000-00000000000c',
   '2099-01-01T00:00:00.000000Z', '2026-01-04T11:00:00.000000Z', NULL, '2026-01-04T10:00:00.000000Z'),
  ('successor', '0192d3a0-0000-7000-8000-0000000000fc', '0192d3a0-0000-7000-8000-00000000000c',
   '2099-01-01T00:00:00.000000Z', NULL, NULL, '2026-01-04T11:00:00.000000Z'),
  ('expired', '0192d3a0-0000-7000-8000-0000000000fa', '0192d3a0-0000-7000-8000-00000000000a',
   '2026-01-05T00:00:00.000000Z', NULL, NULL, '2026-01-04T10:00:00.000000Z');
INSERT INTO signing_keys (kid, seed, created_at, retired_at) VALUES
  ('old-kid', 'old-seed', '2025-12-01T00:00:00.000000Z', '2026-01-01T00:00:00.000000Z'),
  ('kid', 'seed', '2026-01-01T00:00:00.000000Z', NULL);
INSERT INTO rate_counters (key, hits, window_ends) VALUES
  ('login:account:live', 3, '2099-01-01T00:00:00.000000Z'),
  ('login:account:ended', 7, '2026-01-01T00:00:00.000000Z');
INSERT INTO admin_bootstrap_tokens (token_hash, created_at) VALUES ('bootstrap-hash', '2026-01-01T00:00:00.000000Z');
";

/// The migrations the previous main ran: 0001 and 0002, the same in both directories.
fn before_typed_storage(full: &'static Migrator) -> &'static Migrator {
    let old = full
        .migrations
        .iter()
        .filter(|m| m.version <= 2)
        .cloned()
        .collect::<Vec<_>>();
    assert_eq!(old.len(), 2, "0001 and 0002 are the previous main's");
    Box::leak(Box::new(Migrator {
        migrations: Cow::Owned(old),
        ..Migrator::DEFAULT
    }))
}

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}

fn id(text: &str) -> Uuid {
    Uuid::parse_str(text).unwrap()
}

fn sqlite_database() -> TestDatabase {
    let dir = std::env::temp_dir()
        .join("stockroom-tests")
        .join(Uuid::new_v4().simple().to_string());
    TestDatabase {
        url: format!("sqlite://{}/auth.db", dir.display()),
        schema: "auth".into(),
    }
}

/// Builds the previous main's database at `place`, migrates it and checks what the new store
/// reads back.
async fn old_data_reads_back(place: TestDatabase) {
    let old = Migrations {
        postgres: before_typed_storage(&crate::POSTGRES),
        sqlite: before_typed_storage(&crate::SQLITE),
    };
    let db = Db::connect(&place.url, &place.schema, 2, &old)
        .await
        .expect("the previous schema");
    match &db {
        Db::Postgres(pool) => sqlx::raw_sql(OLD_ROWS).execute(pool).await.map(|_| ()),
        Db::Sqlite(pool) => sqlx::raw_sql(OLD_ROWS).execute(pool).await.map(|_| ()),
    }
    .expect("rows as the previous code wrote them");
    db.close().await;

    let db = Db::connect(&place.url, &place.schema, 2, &crate::MIGRATIONS)
        .await
        .expect("the full migrations run over the previous schema");
    if let Db::Postgres(pool) = &db {
        let typed: Vec<(String, String)> = sqlx::query_as(
            "SELECT table_name || '.' || column_name, data_type FROM information_schema.columns
             WHERE table_schema = current_schema() AND table_name <> '_sqlx_migrations'
               AND data_type <> 'text'
             ORDER BY 1",
        )
        .fetch_all(pool)
        .await
        .unwrap();
        let (time, uuid) = ("timestamp with time zone", "uuid");
        let expected = [
            ("admin_bootstrap_tokens.created_at", time),
            ("bootstrap.first_user_id", uuid),
            ("bootstrap.id", "bigint"),
            ("rate_counters.hits", "bigint"),
            ("rate_counters.window_ends", time),
            ("refresh_tokens.created_at", time),
            ("refresh_tokens.expires_at", time),
            ("refresh_tokens.family_id", uuid),
            ("refresh_tokens.revoked_at", time),
            ("refresh_tokens.used_at", time),
            ("refresh_tokens.user_id", uuid),
            ("signing_keys.created_at", time),
            ("signing_keys.retired_at", time),
            ("users.created_at", time),
            ("users.disabled", "boolean"),
            ("users.id", uuid),
            ("users.updated_at", time),
        ]
        .map(|(c, t)| (c.to_string(), t.to_string()));
        assert_eq!(typed, expected, "native types on PostgreSQL");
    }
    let store = open(db.clone());
    check_users(store.as_ref()).await;
    check_sessions(store.as_ref()).await;
    check_keys_and_counters(store.as_ref()).await;
    check_new_writes(store.as_ref()).await;
    db.close().await;
}

async fn check_users(store: &dyn AuthStore) {
    let boss = store.user(id(ADMIN)).await.unwrap().expect("the admin");
    assert_eq!(
        (
            boss.email.as_str(),
            boss.name.as_str(),
            boss.role,
            boss.disabled
        ),
        ("boss@example.com", "Boss", Role::Admin, false)
    );
    assert_eq!(boss.created_at, at("2026-01-01T10:00:00Z"));
    let sam = store.user(id(STAFF)).await.unwrap().expect("the staff");
    assert_eq!((sam.role, sam.disabled), (Role::Staff, true));
    assert_eq!(sam.created_at, at("2026-01-02T10:00:00.123456Z"));
    let ana = Email::parse("ana@example.com").unwrap();
    let found = store
        .credentials(&ana)
        .await
        .unwrap()
        .expect("Ana signs in");
    assert_eq!(found.user.id, id(CUSTOMER));
    assert_eq!(found.user.created_at, at("2026-01-03T10:00:00.000001Z"));
    assert_eq!(found.password_hash, "$argon2id$ana");
    assert!(store.admin_exists().await.unwrap());
}

async fn check_sessions(store: &dyn AuthStore) {
    let ttl = Duration::from_secs(3600);
    match store.rotate_refresh("live", "live-2", ttl).await.unwrap() {
        Rotation::Rotated { user_id } => assert_eq!(user_id, id(ADMIN)),
        _ => panic!("a live token from before the migration rotates"),
    }
    assert!(matches!(
        store.rotate_refresh("live-2", "live-3", ttl).await.unwrap(),
        Rotation::Rotated { .. }
    ));
    assert!(matches!(
        store.rotate_refresh("expired", "x", ttl).await.unwrap(),
        Rotation::Invalid
    ));
    // A token used before the migration is reuse: its whole login, the successor too, ends.
    assert!(matches!(
        store.rotate_refresh("used", "y", ttl).await.unwrap(),
        Rotation::Reused
    ));
    assert!(matches!(
        store.rotate_refresh("successor", "z", ttl).await.unwrap(),
        Rotation::Invalid
    ));
    // Logging out with a pre-migration login's token ends the tokens rotated from it.
    store.revoke_login("live").await.unwrap();
    assert!(matches!(
        store.rotate_refresh("live-3", "live-4", ttl).await.unwrap(),
        Rotation::Invalid
    ));
    // A new login of a pre-migration user.
    store
        .insert_refresh("fresh", Uuid::now_v7(), id(ADMIN), ttl)
        .await
        .unwrap();
    assert!(matches!(
        store.rotate_refresh("fresh", "fresh-2", ttl).await.unwrap(),
        Rotation::Rotated { user_id } if user_id == id(ADMIN)
    ));
}

async fn check_keys_and_counters(store: &dyn AuthStore) {
    let key = |kid: &str, seed: &str| StoredKey {
        kid: kid.into(),
        seed: seed.into(),
    };
    assert_eq!(
        store.active_signing_key().await.unwrap(),
        Some(key("kid", "seed"))
    );
    assert_eq!(
        store.predecessor_signing_key().await.unwrap(),
        Some(key("old-kid", "old-seed"))
    );
    let window = Duration::from_secs(60);
    let live = store.count("login:account:live", window).await.unwrap();
    assert_eq!(live.hits, 4, "the window open before the migration goes on");
    assert_eq!(live.window_ends, at("2099-01-01T00:00:00Z"));
    let ended = store.count("login:account:ended", window).await.unwrap();
    assert_eq!(ended.hits, 1, "an ended window starts again");
    assert!(ended.window_ends > Utc::now());
}

async fn check_new_writes(store: &dyn AuthStore) {
    // The bootstrap row written before the migration still decides: no second admin.
    let email = Email::parse("new@example.com").unwrap();
    let name = Name::parse("New").unwrap();
    let account = || NewUser {
        email: &email,
        name: &name,
        password_hash: "$argon2id$new",
    };
    let claimed = store
        .register(
            account(),
            &AdminClaim::Token(String::from("bootstrap-hash")),
        )
        .await;
    assert!(
        matches!(claimed, Err(AppError::Forbidden(_))),
        "{claimed:?}"
    );
    let new = store
        .register(account(), &AdminClaim::FirstUser)
        .await
        .unwrap();
    assert_eq!(new.role, Role::Customer);
    let taken = store.register(account(), &AdminClaim::None).await;
    assert!(
        matches!(&taken, Err(e) if e.to_problem().status == 409),
        "{taken:?}"
    );

    // Old and new rows page together, newest first.
    let mut seen: Vec<User> = Vec::new();
    let mut cursor = None;
    loop {
        let page = PageRequest::parse(Some(2), cursor.as_deref()).unwrap();
        let rows = store.users(&Default::default(), &page).await.unwrap();
        let page = page.page(rows, |u| Cursor {
            created_at: u.created_at,
            id: u.id,
        });
        seen.extend(page.items);
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    let ids: Vec<Uuid> = seen.iter().map(|u| u.id).collect();
    assert_eq!(ids, [new.id, id(CUSTOMER), id(STAFF), id(ADMIN)]);

    // The last active admin cannot step down; disabling a pre-migration user works.
    let demote = UserChanges {
        role: Some(Role::Customer),
        ..UserChanges::default()
    };
    assert!(store.update_user(id(ADMIN), demote).await.is_err());
    let disable = UserChanges {
        disabled: Some(true),
        ..UserChanges::default()
    };
    let ana = store.update_user(id(CUSTOMER), disable).await.unwrap();
    assert!(ana.disabled);
    assert_eq!(ana.created_at, at("2026-01-03T10:00:00.000001Z"));
}

#[tokio::test]
async fn a_sqlite_database_from_before_typed_storage_reads_back_after_migrating() {
    old_data_reads_back(sqlite_database()).await;
}

#[tokio::test]
async fn a_postgres_database_from_before_typed_storage_reads_back_after_migrating() {
    if !kernel::testing::is_postgres() {
        eprintln!("STOCKROOM_TEST_DATABASE_URL is not a postgres:// URL: skipped");
        return;
    }
    old_data_reads_back(kernel::testing::fresh_database("auth")).await;
}
