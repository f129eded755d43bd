//! Who the client is: the connection's peer, or — when that peer is one of the configured
//! `[server] trusted_proxies` — the address that proxy reports in `X-Forwarded-For`.
//!
//! Only the proxies' own additions can be believed: a client may send any `X-Forwarded-For`
//! it likes, and each proxy appends the address it received the request from. So the list is
//! read from the right, skipping trusted proxies, and the first address that is not one is
//! the client (the common practice that RFC 7239 §5.2 and §8.1 describe for `Forwarded`'s
//! `for=`). Anything to its left is the client's own claim and is ignored.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::HeaderMap;

use crate::config::ProxyNet;
use crate::error::ApiError;
use crate::state::AppState;

/// The header proxies append the client's address to.
const FORWARDED_FOR: &str = "x-forwarded-for";

/// The client's address, when the server was started with connection info (tests using
/// `oneshot` have none).
pub struct ClientAddr(pub Option<IpAddr>);

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip());
        Ok(ClientAddr(peer.map(|peer| {
            client_ip(peer, &parts.headers, &state.config.server.trusted_proxies)
        })))
    }
}

/// The client behind `peer`: `peer` itself unless it is a trusted proxy; then the right-most
/// `X-Forwarded-For` address that is not a trusted proxy. When every listed address is
/// trusted, the left-most one; when an entry cannot be read, the last trusted hop before it
/// (nothing to its left can be believed).
pub fn client_ip(peer: IpAddr, headers: &HeaderMap, trusted: &[ProxyNet]) -> IpAddr {
    let is_trusted = |ip: IpAddr| trusted.iter().any(|net| net.contains(ip));
    // An IPv4 peer of a dual-stack socket arrives as `::ffff:a.b.c.d`.
    let peer = peer.to_canonical();
    if !is_trusted(peer) {
        return peer;
    }
    // Several headers are one list, in order (RFC 9110 §5.3).
    let mut hops: Vec<&str> = Vec::new();
    for value in headers.get_all(FORWARDED_FOR) {
        let Ok(text) = value.to_str() else {
            return peer;
        };
        hops.extend(text.split(',').map(str::trim).filter(|h| !h.is_empty()));
    }
    let mut client = peer;
    for hop in hops.iter().rev() {
        let Some(ip) = parse_hop(hop) else {
            return client;
        };
        client = ip;
        if !is_trusted(ip) {
            return ip;
        }
    }
    client
}

/// One `X-Forwarded-For` entry: an address, possibly with a port (`192.0.2.1:443`,
/// `[2001:db8::1]:443`), as some proxies write it.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    hop.parse::<IpAddr>()
        .ok()
        .or_else(|| hop.parse::<SocketAddr>().ok().map(|s| s.ip()))
        .map(|ip| ip.to_canonical())
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn nets(list: &[&str]) -> Vec<ProxyNet> {
        list.iter()
            .map(|n| ProxyNet::try_from((*n).to_owned()).unwrap())
            .collect()
    }

    fn headers(values: &[&str]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for v in values {
            map.append(FORWARDED_FOR, HeaderValue::from_str(v).unwrap());
        }
        map
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn the_header_is_ignored_from_a_peer_that_is_not_a_trusted_proxy() {
        let h = headers(&["198.51.100.9"]);
        assert_eq!(client_ip(ip("203.0.113.5"), &h, &[]), ip("203.0.113.5"));
        let trusted = nets(&["10.0.0.0/8"]);
        assert_eq!(
            client_ip(ip("203.0.113.5"), &h, &trusted),
            ip("203.0.113.5")
        );
    }

    #[test]
    fn the_right_most_untrusted_address_is_the_client() {
        let trusted = nets(&["10.0.0.0/8", "2001:db8:ffff::/48"]);
        // The client forged the left-most entry; the proxies appended the rest.
        let h = headers(&["1.2.3.4, 198.51.100.9", "10.1.1.1"]);
        assert_eq!(client_ip(ip("10.0.0.2"), &h, &trusted), ip("198.51.100.9"));
        let h = headers(&["[2001:db8:1::7]:4711, 2001:db8:ffff::1"]);
        assert_eq!(
            client_ip(ip("2001:db8:ffff::2"), &h, &trusted),
            ip("2001:db8:1::7")
        );
    }

    #[test]
    fn unreadable_or_missing_entries_stop_at_the_last_trusted_hop() {
        let trusted = nets(&["10.0.0.0/8"]);
        let h = headers(&["198.51.100.9, garbage, 10.1.1.1"]);
        assert_eq!(client_ip(ip("10.0.0.2"), &h, &trusted), ip("10.1.1.1"));
        assert_eq!(
            client_ip(ip("10.0.0.2"), &HeaderMap::new(), &trusted),
            ip("10.0.0.2")
        );
        let h = headers(&["10.3.3.3, 10.1.1.1"]);
        assert_eq!(client_ip(ip("10.0.0.2"), &h, &trusted), ip("10.3.3.3"));
    }

    #[test]
    fn trusted_proxies_come_from_the_file_or_a_comma_separated_variable() {
        use crate::config::Config;
        let env = |value: &'static str| {
            move |var: &str| (var == "TWOFOLD_SERVER_TRUSTED_PROXIES").then(|| value.to_owned())
        };
        let config = Config::load(None, env("10.0.0.0/8, 2001:db8::1")).unwrap();
        assert_eq!(
            config.server.trusted_proxies,
            nets(&["10.0.0.0/8", "2001:db8::1"])
        );
        let err = Config::load(None, env("10.0.0.0/8, proxy.local"))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("trusted_proxies") && err.contains("proxy.local"),
            "{err}"
        );
        let dir = std::env::temp_dir().join(format!("twofold-proxies-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("proxies.toml");
        std::fs::write(&path, "[server]\ntrusted_proxies = [\"192.0.2.0/24\"]\n").unwrap();
        let config = Config::load(Some(&path), |_| None).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(config.server.trusted_proxies, nets(&["192.0.2.0/24"]));
    }

    #[test]
    fn proxy_entries_are_networks_or_single_addresses() {
        let single = nets(&["192.0.2.1"]);
        assert!(single[0].contains(ip("192.0.2.1")) && !single[0].contains(ip("192.0.2.2")));
        assert!(ProxyNet::try_from("10.0.0.0/33".to_owned()).is_err());
        let err = ProxyNet::try_from("proxy.local".to_owned()).unwrap_err();
        assert!(err.contains("proxy.local"), "{err}");
    }
}
