//! Where a webhook may point: http(s) URLs whose host resolves only to public addresses. A URL
//! is vetted when it is saved, and every connection again as it is made (the delivery
//! client's resolver, `webhooks::client`), so a name that resolves differently a moment later
//! (DNS rebinding) cannot move a delivery inside.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use kernel::AppError;
use reqwest::Url;

/// Longest URL a webhook may have.
pub const MAX_URL: usize = 2048;

/// Parses `url`: http or https, with a host, no credentials; a 422 naming `url` otherwise.
pub fn parse(url: &str) -> Result<Url, AppError> {
    let bad = |why: &str| AppError::validation("url", why);
    if url.len() > MAX_URL {
        return Err(bad("must be at most 2048 characters"));
    }
    let parsed = Url::parse(url).map_err(|_| bad("must be an absolute http(s) URL"))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(bad("must use http or https"));
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err(bad("must name a host"));
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(bad(
            "must not carry credentials; the signature authenticates us",
        ));
    }
    Ok(parsed)
}

/// Resolves the URL's host and checks every address; the first is the one to connect to.
/// Any forbidden address refuses the URL (unless `allow_private`): a name that resolves both
/// inside and outside is not a public receiver.
pub async fn vet(url: &str, allow_private: bool) -> Result<(), AppError> {
    let url = parse(url)?;
    let host = url
        .host_str()
        .unwrap_or_default()
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_string();
    let port = url.port_or_known_default().unwrap_or(443);
    let addrs: Vec<SocketAddr> = match host.parse::<IpAddr>() {
        Ok(ip) => vec![SocketAddr::new(ip, port)],
        Err(_) => tokio::net::lookup_host((host.as_str(), port))
            .await
            .map_err(|e| {
                AppError::validation("url", format!("the host {host:?} does not resolve: {e}"))
            })?
            .collect(),
    };
    if addrs.is_empty() {
        return Err(AppError::validation(
            "url",
            format!("the host {host:?} has no address"),
        ));
    }
    if !allow_private {
        if let Some(bad) = addrs.iter().find(|a| is_forbidden(a.ip())) {
            return Err(AppError::validation(
                "url",
                format!(
                    "{host:?} resolves to {}, a private, loopback, link-local or otherwise internal address; webhooks must reach a public address",
                    bad.ip()
                ),
            ));
        }
    }
    Ok(())
}

/// Addresses a webhook must never reach: loopback, private, link-local, unspecified,
/// multicast, CGNAT, broadcast and reserved ranges, and IPv6 forms embedding any of them.
pub fn is_forbidden(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => forbidden_v4(v4),
        IpAddr::V6(v6) => forbidden_v6(v6),
    }
}

fn forbidden_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_multicast()
        || ip.is_broadcast()
        || ip.is_documentation()
        || a == 0
        // CGNAT, 100.64.0.0/10
        || (a == 100 && (64..128).contains(&b))
        // IETF protocol assignments, 192.0.0.0/24
        || (a == 192 && b == 0 && ip.octets()[2] == 0)
        // benchmarking, 198.18.0.0/15
        || (a == 198 && (b == 18 || b == 19))
        // reserved, 240.0.0.0/4
        || a >= 240
}

fn forbidden_v6(ip: Ipv6Addr) -> bool {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return forbidden_v4(v4);
    }
    let segments = ip.segments();
    // IPv4-compatible (::a.b.c.d) and NAT64 (64:ff9b::/96) carry an IPv4 address.
    let embedded = Ipv4Addr::new(
        (segments[6] >> 8) as u8,
        segments[6] as u8,
        (segments[7] >> 8) as u8,
        segments[7] as u8,
    );
    if segments[..6] == [0; 6] && !ip.is_loopback() && !ip.is_unspecified() {
        return forbidden_v4(embedded);
    }
    if segments[0] == 0x64 && segments[1] == 0xff9b && segments[2..6] == [0; 4] {
        return forbidden_v4(embedded);
    }
    ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_multicast()
        // unique local fc00::/7
        || (segments[0] & 0xfe00) == 0xfc00
        // link-local fe80::/10
        || (segments[0] & 0xffc0) == 0xfe80
        // site-local fec0::/10 (deprecated, still routed internally by some)
        || (segments[0] & 0xffc0) == 0xfec0
        // documentation 2001:db8::/32
        || (segments[0] == 0x2001 && segments[1] == 0x0db8)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn internal_addresses_are_forbidden_in_every_spelling() {
        for bad in [
            "127.0.0.1",
            "127.1.2.3",
            "10.0.0.5",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "100.127.255.254",
            "224.0.0.1",
            "255.255.255.255",
            "::1",
            "::",
            "fe80::1",
            "fc00::1",
            "fd12:3456::1",
            "ff02::1",
            "::ffff:127.0.0.1",
            "::ffff:10.1.2.3",
            "::ffff:169.254.169.254",
            "::127.0.0.1",
            "64:ff9b::10.0.0.1",
        ] {
            assert!(is_forbidden(ip(bad)), "{bad} must be refused");
        }
        for good in [
            "93.184.216.34",
            "8.8.8.8",
            "100.128.0.1",
            "172.32.0.1",
            "2606:4700:4700::1111",
            "::ffff:93.184.216.34",
        ] {
            assert!(!is_forbidden(ip(good)), "{good} is public");
        }
    }

    #[tokio::test]
    async fn urls_naming_or_resolving_to_internal_hosts_are_refused_unless_allowed() {
        for url in [
            "http://127.0.0.1:9/hook",
            "http://10.0.0.1/hook",
            "http://169.254.169.254/latest/meta-data",
            "http://[::1]:8080/hook",
            "http://localhost:9/hook",
            "http://[::ffff:127.0.0.1]/hook",
        ] {
            let refused = vet(url, false).await;
            assert!(
                matches!(refused, Err(AppError::Validation(_))),
                "{url}: {refused:?}"
            );
        }
        vet("http://127.0.0.1:9/hook", true).await.unwrap();
        for url in [
            "ftp://example.com/x",
            "file:///etc/passwd",
            "http://u:p@example.com/",
            "not a url",
        ] {
            assert!(vet(url, true).await.is_err(), "{url}");
        }
    }
}
