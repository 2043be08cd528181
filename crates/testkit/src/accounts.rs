//! Signed-in users for tests: the first registration is the admin; staff are promoted by it.

use serde_json::json;

use crate::{Api, Reply, Svc, TestSystem};

/// A signed-in user.
#[derive(Clone, Debug)]
pub struct Session {
    pub id: String,
    pub email: String,
    pub token: String,
    pub refresh_token: String,
}

impl TestSystem {
    /// Registers and signs in a user; the first one in a system is the admin.
    pub async fn sign_up(&self, name: &str) -> Session {
        let auth = self.api(Svc::Auth);
        let email = format!("{name}@example.com");
        auth.post(
            "/api/auth/register",
            json!({"email": email, "password": "correct horse battery", "name": name}),
        )
        .await
        .expect(201);
        self.sign_in(&email).await
    }

    pub async fn sign_in(&self, email: &str) -> Session {
        let reply = self
            .api(Svc::Auth)
            .post(
                "/api/auth/login",
                json!({"email": email, "password": "correct horse battery"}),
            )
            .await
            .expect(200);
        Session {
            id: reply.body["user"]["id"]
                .as_str()
                .expect("user id")
                .to_string(),
            email: email.to_string(),
            token: reply.body["access_token"]
                .as_str()
                .expect("access token")
                .to_string(),
            refresh_token: reply.body["refresh_token"]
                .as_str()
                .expect("refresh token")
                .to_string(),
        }
    }

    /// A user with the given role, promoted by `admin`, signed in again to carry the role.
    pub async fn user_with_role(&self, admin: &Session, name: &str, role: &str) -> Session {
        let user = self.sign_up(name).await;
        self.api(Svc::Auth)
            .with_token(&admin.token)
            .patch(
                &format!("/api/auth/users/{}", user.id),
                json!({"role": role}),
            )
            .await
            .expect(200);
        self.sign_in(&user.email).await
    }

    /// The usual cast: an admin, a staff member and a customer.
    pub async fn cast(&self) -> (Session, Session, Session) {
        let admin = self.sign_up("admin").await;
        let staff = self.user_with_role(&admin, "staff", "staff").await;
        let customer = self.sign_up("customer").await;
        (admin, staff, customer)
    }

    /// A service token from auth, as a peer service would get it.
    pub async fn service_token(&self) -> String {
        let reply = Api::send(
            reqwest::Client::new()
                .post(self.api(Svc::Auth).url("/api/auth/token"))
                .form(&[
                    ("grant_type", "client_credentials"),
                    ("client_id", "orders"),
                    (
                        "client_secret",
                        self.config.common.service_client_secret.expose(),
                    ),
                ]),
        )
        .await
        .expect(200);
        reply.body["access_token"]
            .as_str()
            .expect("service token")
            .to_string()
    }
}

impl TestSystem {
    /// Creates a product as `staff` and returns its JSON.
    pub async fn product(
        &self,
        staff: &Session,
        sku: &str,
        price_cents: i64,
        stock: i64,
    ) -> serde_json::Value {
        self.api(Svc::Inventory)
            .with_token(&staff.token)
            .post(
                "/api/products",
                json!({"sku": sku, "name": format!("Product {sku}"), "price_cents": price_cents,
                       "initial_stock": stock, "category": "general", "reorder_point": 5, "reorder_quantity": 20}),
            )
            .await
            .expect(201)
            .body
    }

    /// Current stock of a product as inventory reports it: (on_hand, reserved).
    pub async fn stock_of(&self, staff: &Session, product_id: &str) -> (i64, i64) {
        let p = self
            .api(Svc::Inventory)
            .with_token(&staff.token)
            .get(&format!("/api/products/{product_id}"))
            .await
            .expect(200);
        (
            p.body["on_hand"].as_i64().expect("on_hand"),
            p.body["reserved"].as_i64().expect("reserved"),
        )
    }
}

/// Units per product held by confirmed orders, read page by page from `api` (orders or the
/// gateway, signed in as staff).
pub async fn confirmed_units(api: &Api) -> std::collections::HashMap<String, i64> {
    let (mut units, mut cursor) = (std::collections::HashMap::new(), String::new());
    loop {
        let page = api
            .get(&format!(
                "/api/orders?status=confirmed&limit=100&cursor={cursor}"
            ))
            .await
            .expect(200);
        for order in page.body["items"].as_array().expect("items") {
            for line in order["lines"].as_array().expect("lines") {
                let product = line["product_id"].as_str().expect("product id").to_string();
                *units.entry(product).or_default() += line["quantity"].as_i64().expect("quantity");
            }
        }
        match page.body["next_cursor"].as_str() {
            Some(c) => cursor = c.to_string(),
            None => return units,
        }
    }
}

impl TestSystem {
    /// Creates a product as `staff` and returns its id.
    pub async fn product_id(
        &self,
        staff: &Session,
        sku: &str,
        price_cents: i64,
        stock: i64,
    ) -> String {
        self.product(staff, sku, price_cents, stock).await["id"]
            .as_str()
            .expect("a product id")
            .to_string()
    }
}

/// Attempts posing as client address `from`: the services believe `X-Forwarded-For` from
/// loopback (a trusted proxy), so a test can be many clients, through the gateway or not.
impl Api {
    pub async fn post_from(&self, from: &str, path: &str, body: serde_json::Value) -> Reply {
        Api::send(
            self.request(reqwest::Method::POST, path)
                .header("x-forwarded-for", from)
                .json(&body),
        )
        .await
    }

    pub async fn login_from(&self, from: &str, email: &str, password: &str) -> Reply {
        self.post_from(
            from,
            "/api/auth/login",
            json!({"email": email, "password": password}),
        )
        .await
    }

    /// Registers `email` with the password every test account has.
    pub async fn register_from(&self, from: &str, email: &str) -> Reply {
        self.post_from(
            from,
            "/api/auth/register",
            json!({"email": email, "password": "correct horse battery", "name": "Someone"}),
        )
        .await
    }
}

/// Ed25519 signing keys as auth takes them (`AUTH_SIGNING_KEY`), for rotation tests.
impl TestSystem {
    /// A fresh random seed, base64url without padding.
    pub fn fresh_signing_seed() -> String {
        use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
        let mut seed = [0u8; 32];
        seed[..16].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
        seed[16..].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
        URL_SAFE_NO_PAD.encode(seed)
    }

    /// The `kid` in a token's header.
    pub fn token_kid(token: &str) -> String {
        jsonwebtoken::decode_header(token)
            .expect("a JWT header")
            .kid
            .expect("a kid in the header")
    }

    /// The key ids a JWKS document lists, in order.
    pub fn jwks_kids(jwks: &serde_json::Value) -> Vec<String> {
        jwks["keys"]
            .as_array()
            .expect("a key set")
            .iter()
            .map(|k| k["kid"].as_str().expect("a kid").to_string())
            .collect()
    }
}
