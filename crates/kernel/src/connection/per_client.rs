//! The per-client connection cap: one address (an IPv6 /64, which one subscriber usually holds
//! whole) may keep only so many connections open, so it cannot take every slot of the global
//! cap with idle sockets. Trusted proxies are exempt: every client behind them shares their
//! address (the load balancer at the gateway, the gateway at the services).

use std::{
    collections::HashMap,
    net::{IpAddr, Ipv6Addr},
    sync::{Arc, Mutex, PoisonError},
};

/// Open connections by client; shared with every slot so a slot can give itself back.
type OpenByClient = Arc<Mutex<HashMap<IpAddr, usize>>>;

/// Open connections per client address. Only addresses with an open connection have an entry,
/// so the map is bounded by the connections served at once.
pub(super) struct PerClient {
    cap: usize,
    exempt: Vec<ipnet::IpNet>,
    open: OpenByClient,
}

/// One admitted connection; dropping it gives its client's slot back.
pub(super) struct ClientSlot {
    counted: Option<(OpenByClient, IpAddr)>,
}

impl PerClient {
    pub(super) fn new(cap: usize, exempt: Vec<ipnet::IpNet>) -> Self {
        Self {
            cap: cap.max(1),
            exempt,
            open: Arc::default(),
        }
    }

    /// A slot for a new connection from `peer`, or `None` when that client already holds
    /// the cap.
    pub(super) fn admit(&self, peer: IpAddr) -> Option<ClientSlot> {
        let peer = peer.to_canonical();
        if self.exempt.iter().any(|net| net.contains(&peer)) {
            return Some(ClientSlot { counted: None });
        }
        let client = group(peer);
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        let count = open.entry(client).or_insert(0);
        if *count >= self.cap {
            return None;
        }
        *count += 1;
        Some(ClientSlot {
            counted: Some((self.open.clone(), client)),
        })
    }

    #[cfg(test)]
    fn tracked(&self) -> usize {
        self.open
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }
}

impl Drop for ClientSlot {
    fn drop(&mut self) {
        let Some((open, client)) = self.counted.take() else {
            return;
        };
        let mut open = open.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(count) = open.get_mut(&client) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                open.remove(&client);
            }
        }
    }
}

/// The unit a client is counted by: its IPv4 address, or its IPv6 /64 (a host picks any
/// address of its /64 at will).
fn group(peer: IpAddr) -> IpAddr {
    match peer {
        IpAddr::V4(_) => peer,
        IpAddr::V6(v6) => IpAddr::V6(Ipv6Addr::from(u128::from(v6) & !u128::from(u64::MAX))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn a_client_gets_the_cap_and_no_more_and_its_entry_goes_with_its_last_connection() {
        let per_client = PerClient::new(2, vec![]);
        let first = per_client.admit(ip("203.0.113.7"));
        let second = per_client.admit(ip("203.0.113.7"));
        assert!(first.is_some() && second.is_some());
        assert!(per_client.admit(ip("203.0.113.7")).is_none());
        assert!(
            per_client.admit(ip("::ffff:203.0.113.7")).is_none(),
            "the same IPv4 client over a dual-stack socket"
        );
        assert!(
            per_client.admit(ip("203.0.113.8")).is_some(),
            "another client"
        );
        drop(first);
        assert!(per_client.admit(ip("203.0.113.7")).is_some());
        drop(second);
        assert_eq!(
            per_client.tracked(),
            0,
            "no entry without an open connection"
        );
    }

    #[test]
    fn an_ipv6_client_is_counted_by_its_slash_64() {
        let per_client = PerClient::new(1, vec![]);
        let _held = per_client.admit(ip("2001:db8:1:2::1"));
        assert!(per_client.admit(ip("2001:db8:1:2:ffff::9")).is_none());
        assert!(per_client.admit(ip("2001:db8:1:3::1")).is_some());
    }

    #[test]
    fn trusted_proxies_are_not_capped() {
        let per_client = PerClient::new(1, vec!["10.0.0.0/8".parse().unwrap()]);
        let held: Vec<_> = (0..10).map(|_| per_client.admit(ip("10.1.2.3"))).collect();
        assert!(held.iter().all(Option::is_some));
        assert_eq!(per_client.tracked(), 0);
    }
}
