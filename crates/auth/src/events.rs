//! auth's domain events, recorded in its outbox in the same transaction as the change and
//! relayed to the events service: `user.registered`, `user.role_changed`, `user.disabled`,
//! `auth.login_failed`, `auth.login_locked`.

use std::{net::IpAddr, sync::Arc};

use async_trait::async_trait;
use kernel::{
    auth::Role,
    outbox::{Actor, Entity, Event, TokenSource},
    AppError,
};
use serde_json::json;

use crate::{keys::Keys, User};

/// Lifetime of the tokens auth signs for its own relay: minted per batch, never stored.
const OWN_TOKEN_TTL_SECS: u64 = 300;

pub fn registered(user: &User) -> Event {
    Event::new(
        "user.registered",
        Actor::user(crate::SERVICE, user.id, Some(user.email.as_str())),
        Entity::new("user", user.id),
        json!({"email": user.email.as_str(), "name": user.name, "role": user.role.as_str()}),
    )
}

/// What an admin's change of `before` into `after` records.
pub fn changed(before: &User, after: &User, by: &Actor) -> Vec<Event> {
    let mut events = Vec::new();
    let entity = || Entity::new("user", after.id);
    if before.role != after.role {
        events.push(Event::new(
            "user.role_changed",
            by.clone(),
            entity(),
            json!({"email": after.email.as_str(), "from": before.role.as_str(), "to": after.role.as_str()}),
        ));
    }
    if !before.disabled && after.disabled {
        events.push(Event::new(
            "user.disabled",
            by.clone(),
            entity(),
            json!({"email": after.email.as_str()}),
        ));
    }
    events
}

/// The most of an entity id the events service keeps (bytes).
const MAX_ENTITY_ID: usize = 256;

/// The account as an entity id: the email as typed, which may be blank or longer than an id
/// may be. An id the events service refuses would hold up every later event in the outbox,
/// so a blank one is named and a long one cut (on a character boundary); `data` keeps it whole.
fn account_id(account: &str) -> String {
    if account.is_empty() {
        return "(blank)".to_string();
    }
    let mut end = account.len().min(MAX_ENTITY_ID);
    while !account.is_char_boundary(end) {
        end -= 1;
    }
    account[..end].to_string()
}

/// A sign-in whose password was wrong, or whose account does not exist. The account is the
/// email as typed (normalised); audit readers search by it.
pub fn login_failed(account: &str, address: IpAddr) -> Event {
    Event::new(
        "auth.login_failed",
        Actor::service(crate::SERVICE),
        Entity::new("account", account_id(account)),
        json!({"email": account, "address": address.to_string()}),
    )
}

/// The attempt that first went over a sign-in limit: the account, or the client address.
pub fn login_locked(scope: LockScope, account: &str, address: IpAddr, window_secs: u64) -> Event {
    let (kind, id) = match scope {
        LockScope::Account => ("account", account_id(account)),
        LockScope::Address => ("address", kernel::server::client_key(address).to_string()),
    };
    Event::new(
        "auth.login_locked",
        Actor::service(crate::SERVICE),
        Entity::new(kind, id),
        json!({"email": account, "address": address.to_string(), "scope": kind, "window_secs": window_secs}),
    )
}

#[derive(Debug, Clone, Copy)]
pub enum LockScope {
    Account,
    Address,
}

/// The service tokens auth's relay presents: auth signs them itself, so its events flow even
/// while nothing else could grant it one.
pub struct OwnTokens {
    pub keys: Arc<Keys>,
    pub common: Arc<kernel::Config>,
}

#[async_trait]
impl TokenSource for OwnTokens {
    async fn token(&self) -> Result<String, AppError> {
        crate::tokens::access_token(
            &self.keys,
            &self.common,
            "service:auth",
            Role::Service,
            None,
            OWN_TOKEN_TTL_SECS,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_typed_account_makes_an_entity_id_the_events_service_takes() {
        let address = IpAddr::from([127, 0, 0, 1]);
        for typed in [
            String::new(),
            "é".repeat(200),
            "a".repeat(300),
            "ana@example.com".into(),
        ] {
            let event = login_failed(&typed, address);
            let id = &event.entity.id;
            assert!(
                (1..=MAX_ENTITY_ID).contains(&id.len()),
                "{} bytes",
                id.len()
            );
            assert!(typed.is_empty() || typed.starts_with(id.as_str()));
            let locked = login_locked(LockScope::Account, &typed, address, 60);
            assert_eq!(&locked.entity.id, id);
        }
    }
}
