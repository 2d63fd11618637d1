//! When to ask again after a failed call: the server's `Retry-After` (in either of
//! its forms) or exponential backoff. The widget waits this way on the gateway and
//! the gateway on the hosted API, so both read the header the same way.

use std::time::UNIX_EPOCH;

/// Seconds to wait that a `Retry-After` value asks for, read at `now_unix_seconds`
/// (seconds since the epoch). RFC 9110 gives two forms: delay-seconds (`120`) and an
/// HTTP-date (`Wed, 21 Oct 2015 07:28:00 GMT`, also in the two obsolete forms a
/// recipient must accept), which is counted from now and is 0 once past. `None` for
/// anything else.
///
/// The caller passes the time because it knows its clock: the browser's `Date.now()`
/// in the widget (the standard library's clock does not exist on wasm32), the system
/// clock in the gateway.
pub fn retry_after(value: &str, now_unix_seconds: f64) -> Option<f64> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        // Whole seconds as an integer: parsing decimals would bring the float parser
        // and its tables (~10 KB brotli) into the widget. Beyond u64 is "forever".
        return Some(value.parse::<u64>().map_or(u64::MAX as f64, |n| n as f64));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    let at = at.duration_since(UNIX_EPOCH).ok()?.as_secs_f64();
    Some((at - now_unix_seconds).max(0.0))
}

/// Exponential backoff with a ceiling, giving way to a server's `Retry-After`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Backoff {
    /// The first wait, in seconds; each further one doubles it.
    pub first_seconds: f64,
    /// The longest the doubling goes, in seconds.
    pub max_seconds: f64,
    /// The longest `Retry-After` obeyed, in seconds (a longer one is cut to this).
    pub max_retry_after_seconds: f64,
}

impl Backoff {
    /// Seconds to wait before retry number `attempt` (0 for the first): what the
    /// server asked for (`retry_after`, from [`retry_after`]) when it asked, else
    /// `first_seconds × 2^attempt`; each within its ceiling.
    pub fn delay(&self, attempt: u32, retry_after: Option<f64>) -> f64 {
        match retry_after {
            Some(seconds) => seconds.max(0.0).min(self.max_retry_after_seconds),
            None => (self.first_seconds * 2f64.powi(attempt.min(62) as i32)).min(self.max_seconds),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Wed, 21 Oct 2015 07:28:00 GMT.
    const OCT_21_2015: f64 = 1_445_412_480.0;

    #[test]
    fn delay_seconds() {
        assert_eq!(retry_after("120", OCT_21_2015), Some(120.0));
        assert_eq!(retry_after(" 0 ", OCT_21_2015), Some(0.0));
        // Longer than any integer: as long as can be, and a backoff cuts it.
        let forever = retry_after("123456789012345678901234567890", OCT_21_2015);
        assert!(forever.is_some_and(|s| s > 1e18), "{forever:?}");
    }

    #[test]
    fn http_date_in_the_future_counts_from_now() {
        let now = OCT_21_2015 - 90.0;
        assert_eq!(
            retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now),
            Some(90.0)
        );
        // The obsolete RFC 850 and asctime forms, which recipients must still read.
        assert_eq!(
            retry_after("Wednesday, 21-Oct-15 07:28:00 GMT", now),
            Some(90.0)
        );
        assert_eq!(retry_after("Wed Oct 21 07:28:00 2015", now), Some(90.0));
    }

    #[test]
    fn http_date_in_the_past_is_now() {
        assert_eq!(
            retry_after("Wed, 21 Oct 2015 07:28:00 GMT", OCT_21_2015 + 3600.0),
            Some(0.0)
        );
    }

    #[test]
    fn garbage_is_none() {
        for value in [
            "",
            "soon",
            "-5",
            "1.5",
            "12 seconds",
            "Wed, 21 Oct 2015 25:28:00 GMT",
            "Wed, 21 Oct 2015",
        ] {
            assert_eq!(retry_after(value, OCT_21_2015), None, "{value:?}");
        }
    }

    #[test]
    fn backoff_doubles_to_its_ceiling_and_obeys_the_server_within_its_own() {
        let backoff = Backoff {
            first_seconds: 0.25,
            max_seconds: 4.0,
            max_retry_after_seconds: 10.0,
        };
        let waits: Vec<f64> = (0..7).map(|n| backoff.delay(n, None)).collect();
        assert_eq!(waits, [0.25, 0.5, 1.0, 2.0, 4.0, 4.0, 4.0]);
        assert_eq!(backoff.delay(u32::MAX, None), 4.0);
        assert_eq!(backoff.delay(0, Some(7.0)), 7.0);
        assert_eq!(backoff.delay(0, Some(3600.0)), 10.0);
        assert_eq!(backoff.delay(3, Some(0.0)), 0.0);
    }
}
