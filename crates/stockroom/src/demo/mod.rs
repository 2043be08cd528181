//! `stockroom demo`: fills a running Stockroom with a small shop through its public HTTP API,
//! exactly as a person would: accounts, suppliers, a catalogue and two months of orders in
//! every state. Running it again adds nothing: each step first looks for what it would make.
//!
//! Orders reach back two months (staff record the earlier ones with `placed_at`), so the
//! dashboard's chart, top products and the restock forecast have history to show; the
//! catalogue starts with some products at or below their reorder point, so low stock and
//! restock advice have something to say at once.

mod catalogue;
mod shipping;

use std::{collections::HashMap, time::Duration};

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use catalogue::{Person, CUSTOMERS, OWNER, PASSWORD, PRODUCTS, STAFF, SUPPLIERS};

type Result<T> = std::result::Result<T, String>;

/// What the demo made, for the summary it prints (and the tests read).
#[derive(Debug, Default)]
pub struct Report {
    pub suppliers_created: usize,
    pub products_created: usize,
    pub accounts_created: usize,
    pub orders_placed: usize,
}

struct Client {
    http: reqwest::Client,
    base: String,
}

struct Reply {
    status: StatusCode,
    body: Value,
}

impl Client {
    async fn send(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
        key: Option<&str>,
    ) -> Result<Reply> {
        // The gateway's rate limit may answer 429 to a burst: wait as told, a few times.
        for _ in 0..20 {
            let mut request = self
                .http
                .request(method.clone(), format!("{}{path}", self.base));
            if let Some(token) = token {
                request = request.bearer_auth(token);
            }
            if let Some(key) = key {
                request = request.header("Idempotency-Key", key);
            }
            if let Some(body) = body {
                request = request.json(body);
            }
            let response = request
                .send()
                .await
                .map_err(|e| format!("{method} {path}: {e}"))?;
            let status = response.status();
            if status == StatusCode::TOO_MANY_REQUESTS {
                let wait = response
                    .headers()
                    .get("retry-after")
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(1u64);
                tokio::time::sleep(Duration::from_secs(wait.min(5))).await;
                continue;
            }
            let body = response.json().await.unwrap_or(Value::Null);
            return Ok(Reply { status, body });
        }
        Err(format!(
            "{method} {path}: still rate limited after 20 tries"
        ))
    }

    async fn expect(
        &self,
        method: Method,
        path: &str,
        token: &str,
        body: Option<&Value>,
        ok: &[u16],
    ) -> Result<Value> {
        let reply = self
            .send(method.clone(), path, Some(token), body, None)
            .await?;
        if ok.contains(&reply.status.as_u16()) {
            Ok(reply.body)
        } else {
            Err(format!("{method} {path}: {} {}", reply.status, reply.body))
        }
    }

    /// Every item of a paged list.
    async fn all(&self, path: &str, token: &str) -> Result<Vec<Value>> {
        let mut items = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let sep = if path.contains('?') { '&' } else { '?' };
            let page_path = match &cursor {
                Some(c) => format!("{path}{sep}limit=100&cursor={c}"),
                None => format!("{path}{sep}limit=100"),
            };
            let page = self
                .expect(Method::GET, &page_path, token, None, &[200])
                .await?;
            items.extend(page["items"].as_array().cloned().unwrap_or_default());
            match page["next_cursor"].as_str() {
                Some(next) => cursor = Some(next.to_string()),
                None => return Ok(items),
            }
        }
    }

    /// Signs `person` in, registering them first when they have no account. `Some(true)` in
    /// the second place when the account is new.
    async fn account(&self, person: &Person) -> Result<(Value, bool)> {
        let login = json!({"email": person.email, "password": PASSWORD});
        let reply = self
            .send(Method::POST, "/api/auth/login", None, Some(&login), None)
            .await?;
        if reply.status == StatusCode::OK {
            return Ok((reply.body, false));
        }
        let register = json!({"email": person.email, "password": PASSWORD, "name": person.name});
        let made = self
            .send(
                Method::POST,
                "/api/auth/register",
                None,
                Some(&register),
                None,
            )
            .await?;
        if !made.status.is_success() {
            return Err(format!(
                "cannot sign in or register {}: {} {} (an account with this email and another password?)",
                person.email, made.status, made.body
            ));
        }
        let reply = self
            .send(Method::POST, "/api/auth/login", None, Some(&login), None)
            .await?;
        if reply.status != StatusCode::OK {
            return Err(format!(
                "{} registered but cannot sign in: {}",
                person.email, reply.status
            ));
        }
        Ok((reply.body, true))
    }
}

fn text(v: &Value, field: &str) -> Result<String> {
    v[field]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| format!("no {field} in {v}"))
}

/// Fills the Stockroom whose gateway is at `base` (e.g. `http://127.0.0.1:8000`).
pub async fn run(base: &str) -> Result<Report> {
    let client = Client {
        http: reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .map_err(|e| e.to_string())?,
        base: base.trim_end_matches('/').to_string(),
    };
    let mut report = Report::default();

    let (owner, new) = client.account(&OWNER).await?;
    report.accounts_created += usize::from(new);
    if owner["user"]["role"] != "admin" {
        return Err(format!(
            "{} is not an admin here: the demo needs a fresh Stockroom, where the first account registered becomes the admin",
            OWNER.email
        ));
    }
    let admin = text(&owner, "access_token")?;

    let mut staff_token = String::new();
    for person in STAFF {
        let (session, new) = client.account(person).await?;
        report.accounts_created += usize::from(new);
        let id = text(&session["user"], "id")?;
        if session["user"]["role"] != "staff" {
            client
                .expect(
                    Method::PATCH,
                    &format!("/api/auth/users/{id}"),
                    &admin,
                    Some(&json!({"role": "staff"})),
                    &[200],
                )
                .await?;
        }
        if staff_token.is_empty() {
            // Signed in again: the token must carry the new role.
            staff_token = text(&client.account(person).await?.0, "access_token")?;
        }
    }

    let mut suppliers: HashMap<String, String> = HashMap::new();
    for s in client.all("/api/suppliers", &staff_token).await? {
        suppliers.insert(text(&s, "name")?, text(&s, "id")?);
    }
    for s in SUPPLIERS {
        if !suppliers.contains_key(s.name) {
            let body = json!({"name": s.name, "contact_email": s.email, "phone": s.phone, "lead_time_days": s.lead_time_days});
            let made = client
                .expect(
                    Method::POST,
                    "/api/suppliers",
                    &staff_token,
                    Some(&body),
                    &[201],
                )
                .await?;
            suppliers.insert(s.name.to_string(), text(&made, "id")?);
            report.suppliers_created += 1;
        }
    }

    let mut products: HashMap<String, String> = HashMap::new();
    for p in client.all("/api/products?active=all", &staff_token).await? {
        products.insert(text(&p, "sku")?, text(&p, "id")?);
    }
    for p in PRODUCTS {
        if products.contains_key(p.sku) {
            continue;
        }
        let body = json!({
            "sku": p.sku, "name": p.name, "category": p.category, "price_cents": p.price_cents,
            "initial_stock": p.stock, "reorder_point": p.reorder_point, "reorder_quantity": p.reorder_quantity,
            // What the shop pays its supplier: a little over half the shelf price.
            "cost_cents": p.price_cents * 55 / 100,
            "supplier_id": suppliers.get(SUPPLIERS[p.supplier].name),
            "description": format!("{} from {}.", p.name, SUPPLIERS[p.supplier].name),
        });
        let reply = client
            .send(
                Method::POST,
                "/api/products",
                Some(&staff_token),
                Some(&body),
                Some(&format!("demo-product-{}", p.sku)),
            )
            .await?;
        if reply.status != StatusCode::CREATED {
            return Err(format!(
                "creating {}: {} {}",
                p.sku, reply.status, reply.body
            ));
        }
        products.insert(p.sku.to_string(), text(&reply.body, "id")?);
        report.products_created += 1;
    }

    let mut customers = Vec::new();
    for person in CUSTOMERS {
        let (session, new) = client.account(person).await?;
        report.accounts_created += usize::from(new);
        customers.push(session);
    }
    // Orders are placed once: when the first demo customer has any, they all were.
    let first_id = text(&customers[0]["user"], "id")?;
    let placed = client
        .expect(
            Method::GET,
            &format!("/api/orders?customer_id={first_id}&limit=1"),
            &staff_token,
            None,
            &[200],
        )
        .await?;
    if placed["items"]
        .as_array()
        .is_none_or(|items| items.is_empty())
    {
        report.orders_placed = place_orders(&client, &customers, &products, &staff_token).await?;
    }
    Ok(report)
}

/// How many days of orders the demo spreads over.
const DAYS: i64 = 60;

/// About two orders a day for [`DAYS`] days across the customers, each with one to three
/// products (the well-stocked ones more often, as a shop sells), then moved along by their age
/// ([`shipping::progress`]); a few are cancelled and one asks for more than is in stock and is
/// rejected. Earlier days are recorded by staff with `placed_at`, as a shop moving its paper
/// records in would; today's orders are placed by the customers themselves.
async fn place_orders(
    client: &Client,
    customers: &[Value],
    products: &HashMap<String, String>,
    staff: &str,
) -> Result<usize> {
    let mut seed: u64 = 0x5eed;
    let mut next = |n: usize| {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((seed >> 33) % n as u64) as usize
    };
    let sellable: Vec<&catalogue::Product> = PRODUCTS.iter().filter(|p| p.stock > 5).collect();
    let shelf: usize = sellable.iter().map(|p| p.stock as usize).sum();
    let now = chrono::Utc::now();
    let mut placed = 0;
    let mut i = 0;
    for age in (0..DAYS).rev() {
        for _ in 0..=next(3) {
            i += 1;
            let customer = &customers[i % customers.len()];
            let token = text(customer, "access_token")?;
            let mut lines = Vec::new();
            for _ in 0..=next(3) {
                let mut pick = next(shelf);
                let p = sellable
                    .iter()
                    .find(|p| {
                        let hit = pick < p.stock as usize;
                        pick = pick.saturating_sub(p.stock as usize);
                        hit
                    })
                    .unwrap_or(&sellable[0]);
                lines.push(json!({"product_id": products[p.sku], "quantity": 1 + next(2)}));
            }
            let mut body = json!({"lines": lines, "note": if i % 6 == 0 { Some("Gift wrap, please") } else { None }});
            // Spread over the working day, never later than now.
            let at = now
                - chrono::Duration::days(age)
                - chrono::Duration::minutes((next(600) + 1) as i64);
            let placer = if age == 0 {
                token.as_str()
            } else {
                body["customer_id"] = customer["user"]["id"].clone();
                body["placed_at"] = json!(at);
                staff
            };
            let reply = client
                .send(
                    Method::POST,
                    "/api/orders",
                    Some(placer),
                    Some(&body),
                    Some(&format!("demo-order-{i}")),
                )
                .await?;
            if reply.status != StatusCode::CREATED {
                continue;
            }
            placed += 1;
            if i % 9 == 4 {
                let id = text(&reply.body, "id")?;
                let reason = json!({"reason": "Customer changed their mind"});
                client
                    .expect(
                        Method::POST,
                        &format!("/api/orders/{id}/cancel"),
                        &token,
                        Some(&reason),
                        &[200],
                    )
                    .await?;
            } else {
                shipping::progress(client, i, age, &reply.body, staff, &token).await?;
            }
        }
    }
    // More than the shelf holds: kept as a rejected order.
    let token = text(&customers[1], "access_token")?;
    let greedy = json!({"lines": [{"product_id": products["TEA-PUERH"], "quantity": 50}]});
    let reply = client
        .send(
            Method::POST,
            "/api/orders",
            Some(&token),
            Some(&greedy),
            Some("demo-order-greedy"),
        )
        .await?;
    placed += usize::from(reply.status == StatusCode::CONFLICT || reply.status.is_success());
    Ok(placed)
}

/// The accounts the demo made, for the person who ran it.
pub fn accounts() -> String {
    let mut out = format!("Demo accounts (password for all: {PASSWORD}):\n");
    out += &format!("  admin     {}\n", OWNER.email);
    for s in STAFF {
        out += &format!("  staff     {}\n", s.email);
    }
    for c in CUSTOMERS {
        out += &format!("  customer  {}\n", c.email);
    }
    out
}
