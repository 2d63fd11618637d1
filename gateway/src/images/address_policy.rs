//! Which addresses the gateway may fetch images from. Checked on the address a name
//! resolves to (not on the name), so a public name pointing inside is still refused.

use std::future::Future;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::pin::Pin;

/// Whether an address is on the public internet: not loopback, private, link-local
/// (cloud metadata lives at 169.254.169.254), shared, multicast or reserved.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public_v4(v4);
            }
            let seg = v6.segments();
            // NAT64 (64:ff9b::/96) embeds an IPv4 address: judge that one.
            if seg[0] == 0x64 && seg[1] == 0xff9b && seg[2..6] == [0, 0, 0, 0] {
                let [a, b] = seg[6].to_be_bytes();
                let [c, d] = seg[7].to_be_bytes();
                return is_public_v4(Ipv4Addr::new(a, b, c, d));
            }
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (seg[0] & 0xfe00) == 0xfc00 // unique local, incl. fd00:ec2::254
                || (seg[0] & 0xffc0) == 0xfe80 // link-local
                || (seg[0] & 0xffc0) == 0xfec0 // site-local (deprecated)
                || (seg[0] == 0x2001 && seg[1] == 0x0db8) // documentation
                || v6 == Ipv6Addr::from([0u16, 0, 0, 0, 0, 0, 0, 1]))
        }
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    !(ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || a == 0
        || (a == 100 && (64..128).contains(&b)) // shared address space (100.100.100.200 metadata too)
        || (a == 192 && b == 0 && ip.octets()[2] == 0) // IETF protocol assignments
        || (a == 198 && (b == 18 || b == 19)) // benchmarking
        || a >= 240) // reserved
}

/// An address the policy refused, carried through reqwest's error chain.
#[derive(Debug)]
pub struct RefusedAddress(pub IpAddr);

impl std::fmt::Display for RefusedAddress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} is a private, loopback or link-local address", self.0)
    }
}

impl std::error::Error for RefusedAddress {}

/// A resolver for reqwest that drops every non-public address a name resolves to.
#[derive(Debug, Clone, Copy)]
pub struct AddressPolicy {
    /// Let private and loopback addresses through (local development only).
    pub allow_private: bool,
}

impl AddressPolicy {
    /// Whether the policy lets the gateway connect to `ip`.
    pub fn allows(&self, ip: IpAddr) -> bool {
        self.allow_private || is_public(ip)
    }
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

impl reqwest::dns::Resolve for AddressPolicy {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let policy = *self;
        let host = name.as_str().to_owned();
        let lookup: Pin<Box<dyn Future<Output = Result<reqwest::dns::Addrs, BoxError>> + Send>> =
            Box::pin(async move {
                let all: Vec<SocketAddr> =
                    tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
                let allowed: Vec<SocketAddr> = all
                    .iter()
                    .copied()
                    .filter(|a| policy.allows(a.ip()))
                    .collect();
                match (allowed.is_empty(), all.first()) {
                    (false, _) => Ok(Box::new(allowed.into_iter()) as reqwest::dns::Addrs),
                    (true, Some(first)) => Err(Box::new(RefusedAddress(first.ip())) as BoxError),
                    (true, None) => Err(format!("{host} has no address").into()),
                }
            });
        lookup
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_inside_addresses() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.100.100.200",
            "0.0.0.0",
            "255.255.255.255",
            "224.0.0.1",
            "::1",
            "::",
            "fd00:ec2::254",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "64:ff9b::a9fe:a9fe",
        ] {
            assert!(!is_public(ip.parse().unwrap()), "{ip} should be refused");
        }
    }

    #[test]
    fn allows_public_addresses() {
        for ip in [
            "93.184.216.34",
            "8.8.8.8",
            "2606:4700:4700::1111",
            "::ffff:93.184.216.34",
        ] {
            assert!(is_public(ip.parse().unwrap()), "{ip} should be allowed");
        }
        let dev = AddressPolicy {
            allow_private: true,
        };
        assert!(dev.allows("127.0.0.1".parse().unwrap()));
    }
}
