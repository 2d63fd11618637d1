//! The address a request comes from, for the mint rate limit. Behind proxies it is
//! the address the outermost trusted proxy saw: each proxy appends the address it
//! saw to `X-Forwarded-For`, so with N trusted proxies that is the N-th entry from
//! the right. Entries further left were written by the client and prove nothing.

use std::net::{IpAddr, SocketAddr};

use axum::http::HeaderMap;

/// The client's address, given the socket's peer and how many proxies the merchant
/// put in front of the gateway (0: none, the peer is the client).
pub fn client_address(
    headers: &HeaderMap,
    peer: Option<SocketAddr>,
    trusted_proxies: usize,
) -> IpAddr {
    let peer = peer.map_or(IpAddr::from([0, 0, 0, 0]), |p| p.ip());
    if trusted_proxies == 0 {
        return peer;
    }
    // Repeated headers count as one list, in order.
    let entries: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(str::trim)
        .filter(|entry| !entry.is_empty())
        .collect();
    // Fewer entries than proxies: the request passed fewer of them, and the leftmost
    // entry is the one the first proxy it met wrote.
    let Some(seen) = entries
        .len()
        .checked_sub(trusted_proxies)
        .map_or(entries.first(), |at| entries.get(at))
    else {
        return peer;
    };
    // An entry that is no address (`unknown`, garbage) falls back to the peer: all
    // such requests then share the proxy's allowance, which errs on the safe side.
    parse(seen).unwrap_or(peer)
}

/// `192.0.2.1`, `2001:db8::1`, and the forms with a port (`192.0.2.1:443`, `[2001:db8::1]:443`).
fn parse(entry: &str) -> Option<IpAddr> {
    entry
        .parse::<IpAddr>()
        .ok()
        .or_else(|| entry.parse::<SocketAddr>().ok().map(|a| a.ip()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn with(values: &[&'static str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for v in values {
            headers.append("x-forwarded-for", HeaderValue::from_static(v));
        }
        headers
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    const PEER: &str = "10.0.0.9:5000";

    fn address(values: &[&'static str], proxies: usize) -> IpAddr {
        client_address(&with(values), Some(PEER.parse().unwrap()), proxies)
    }

    #[test]
    fn no_trusted_proxy_means_the_peer_whatever_the_header_says() {
        assert_eq!(address(&["198.51.100.1"], 0), ip("10.0.0.9"));
        assert_eq!(address(&[], 0), ip("10.0.0.9"));
    }

    #[test]
    fn the_nth_entry_from_the_right_counts() {
        let chain = ["198.51.100.1, 203.0.113.7, 192.0.2.3"];
        assert_eq!(address(&chain, 1), ip("192.0.2.3"));
        assert_eq!(address(&chain, 2), ip("203.0.113.7"));
        assert_eq!(address(&chain, 3), ip("198.51.100.1"));
        // Repeated headers are one list.
        assert_eq!(
            address(&["198.51.100.1", "203.0.113.7 ,192.0.2.3"], 2),
            ip("203.0.113.7")
        );
    }

    #[test]
    fn short_lists_missing_headers_and_garbage() {
        assert_eq!(address(&["203.0.113.7"], 2), ip("203.0.113.7"));
        assert_eq!(address(&[], 1), ip("10.0.0.9"));
        assert_eq!(address(&["unknown"], 1), ip("10.0.0.9"));
        assert_eq!(address(&["203.0.113.7:443"], 1), ip("203.0.113.7"));
        assert_eq!(address(&["[2001:db8::1]:443"], 1), ip("2001:db8::1"));
        assert_eq!(address(&["2001:db8::1"], 1), ip("2001:db8::1"));
    }
}
