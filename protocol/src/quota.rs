//! Gateway extension: what a shopper has left of their try-ons, in the IETF httpapi
//! RateLimit header fields (draft-ietf-httpapi-ratelimit-headers), and the
//! `Idempotency-Key` request header (draft-ietf-httpapi-idempotency-key-header).
//!
//! A submit answer carries the session's quota, counted in images:
//! `RateLimit-Policy: "session";q=20;w=3600` (20 images in any hour) and
//! `RateLimit: "session";r=12;t=1800` (12 left; the window is whole again in 1800 s).
//! The gateway writes both with [`QuotaLeft`]; the widget reads `RateLimit` with it.

/// The request header that makes a submit safe to send again: the same key and body
/// get the same job.
pub const IDEMPOTENCY_KEY: &str = "idempotency-key";
/// The response header with what is left of a quota.
pub const RATE_LIMIT: &str = "ratelimit";
/// The response header with a quota's policy.
pub const RATE_LIMIT_POLICY: &str = "ratelimit-policy";

/// What is left of one quota.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuotaLeft {
    /// Images that may still be asked for now.
    pub remaining: u32,
    /// Seconds until the whole quota is free again.
    pub reset_seconds: u64,
}

impl QuotaLeft {
    /// The `RateLimit` field for the quota called `name`.
    pub fn header(&self, name: &str) -> String {
        format!("\"{name}\";r={};t={}", self.remaining, self.reset_seconds)
    }

    /// The `RateLimit-Policy` field for `quota` images per `window_seconds`.
    pub fn policy(name: &str, quota: u32, window_seconds: u64) -> String {
        format!("\"{name}\";q={quota};w={window_seconds}")
    }

    /// The quota called `name` in a `RateLimit` field (a list of such items); `None`
    /// when it is not there or cannot be read.
    pub fn parse(field: &str, name: &str) -> Option<QuotaLeft> {
        let quoted = format!("\"{name}\"");
        field.split(',').find_map(|item| {
            let mut parts = item.trim().split(';');
            if parts.next()?.trim() != quoted {
                return None;
            }
            let (mut remaining, mut reset_seconds) = (None, 0);
            for parameter in parts {
                match parameter.trim().split_once('=') {
                    Some(("r", v)) => remaining = v.trim().parse().ok(),
                    Some(("t", v)) => reset_seconds = v.trim().parse().ok()?,
                    _ => {}
                }
            }
            Some(QuotaLeft {
                remaining: remaining?,
                reset_seconds,
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_is_written_is_read_back_and_others_are_left_out() {
        let left = QuotaLeft {
            remaining: 3,
            reset_seconds: 1200,
        };
        assert_eq!(left.header("session"), "\"session\";r=3;t=1200");
        let field = format!("\"address\";r=40;t=10, {}", left.header("session"));
        assert_eq!(QuotaLeft::parse(&field, "session"), Some(left));
        assert_eq!(
            QuotaLeft::parse(&field, "address").map(|l| l.remaining),
            Some(40)
        );
        assert_eq!(QuotaLeft::parse(&field, "day"), None);
        assert_eq!(QuotaLeft::parse("\"session\";t=5", "session"), None);
        assert_eq!(QuotaLeft::parse("garbage", "session"), None);
        assert_eq!(
            QuotaLeft::policy("session", 20, 3600),
            "\"session\";q=20;w=3600"
        );
    }
}
