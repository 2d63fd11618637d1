//! How the gateway reaches a Redis as merchants rent it: `rediss://` (TLS, rustls)
//! with the system's roots or a CA file of the merchant's, a user and password from
//! the URL (Redis 6 ACLs, or `requirepass` alone), and TCP keepalive with a user
//! timeout, so a link dropped without a word (a NAT or a failover that forgot it) is
//! given up by the kernel within seconds instead of its default quarter of an hour.

use std::path::Path;
use std::time::Duration;

use redis::io::tcp::{socket2::TcpKeepalive, TcpSettings};
use redis::{IntoConnectionInfo, TlsCertificates};

/// Probes start after this much quiet on a link.
const KEEPALIVE_IDLE: Duration = Duration::from_secs(5);
/// Between two probes.
const KEEPALIVE_INTERVAL: Duration = Duration::from_secs(2);
/// Unanswered probes before the kernel gives the link up.
const KEEPALIVE_PROBES: u32 = 3;
/// Sent data unacknowledged this long closes the link (`TCP_USER_TIMEOUT`): a
/// command into a blackholed link fails in seconds, not after minutes of retransmits.
const USER_TIMEOUT: Duration = Duration::from_secs(10);

/// A client for `url`, trusting `ca_file` (PEM) instead of the system's roots when
/// given. Connects on first use. Errors name the URL without its password.
pub fn client(url: &str, ca_file: Option<&Path>) -> Result<redis::Client, String> {
    let shown = redacted(url);
    let info = url
        .into_connection_info()
        .map_err(|e| format!("TRYON_REDIS_URL `{shown}`: {e}"))?
        .set_tcp_settings(tcp_settings());
    let Some(ca_file) = ca_file else {
        return redis::Client::open(info).map_err(|e| format!("TRYON_REDIS_URL `{shown}`: {e}"));
    };
    if !url.starts_with("rediss://") {
        return Err(format!(
            "TRYON_REDIS_CA_FILE is set but TRYON_REDIS_URL `{shown}` is not a rediss:// (TLS) URL: use rediss://, or unset the CA file"
        ));
    }
    let pem = std::fs::read(ca_file).map_err(|e| {
        format!(
            "TRYON_REDIS_CA_FILE `{}` cannot be read: {e}",
            ca_file.display()
        )
    })?;
    let certificates = TlsCertificates {
        client_tls: None,
        root_cert: Some(pem),
    };
    redis::Client::build_with_tls(info, certificates).map_err(|e| {
        format!(
            "TRYON_REDIS_CA_FILE `{}` with `{shown}`: {e} (it must hold the PEM certificate of the CA that signed Redis's)",
            ca_file.display()
        )
    })
}

fn tcp_settings() -> TcpSettings {
    let keepalive = TcpKeepalive::new()
        .with_time(KEEPALIVE_IDLE)
        .with_interval(KEEPALIVE_INTERVAL)
        .with_retries(KEEPALIVE_PROBES);
    TcpSettings::default()
        .set_nodelay(true)
        .set_keepalive(keepalive)
        .set_user_timeout(USER_TIMEOUT)
}

/// `url` with its password (if any) replaced by `***`, for logs and errors.
pub fn redacted(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    // The userinfo ends at the last '@' before the host's path.
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let Some(at) = rest[..authority_end].rfind('@') else {
        return url.to_owned();
    };
    let user = rest[..at].split_once(':').map_or("", |(user, _)| user);
    let hidden = if rest[..at].contains(':') {
        format!("{user}:***")
    } else {
        "***".to_owned()
    };
    format!("{scheme}://{hidden}{}", &rest[at..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_show_in_what_is_logged() {
        for (url, shown) in [
            ("redis://127.0.0.1:6379/0", "redis://127.0.0.1:6379/0"),
            (
                "rediss://default:s3cr%40t@eu1.example.net:6380/0",
                "rediss://default:***@eu1.example.net:6380/0",
            ),
            ("rediss://:pw@host:6379", "rediss://:***@host:6379"),
            ("redis://token@host/1", "redis://***@host/1"),
            ("not a url", "not a url"),
        ] {
            assert_eq!(redacted(url), shown);
        }
    }

    #[test]
    fn a_ca_file_needs_tls_and_must_be_readable() {
        let plain = client("redis://127.0.0.1:1/0", Some(Path::new("/nonexistent")));
        assert!(plain.unwrap_err().contains("not a rediss://"));
        let missing = client(
            "rediss://u:pw@127.0.0.1:1/0",
            Some(Path::new("/nonexistent/ca.pem")),
        );
        let message = missing.unwrap_err();
        assert!(message.contains("cannot be read"), "{message}");
        let bad = client("redis://u:hunter2@[::1", None).unwrap_err();
        assert!(!bad.contains("hunter2"), "{bad}");
    }
}
