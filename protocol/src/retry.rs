//! When to ask again after a failed call: the server's `Retry-After` (in either of
//! its forms) or exponential backoff. The widget waits this way on the gateway and
//! the gateway on the hosted API, so both read the header the same way.

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
    let at = http_date(value, now_unix_seconds)? as f64;
    Some((at - now_unix_seconds).max(0.0))
}

/// Seconds since the epoch of an HTTP-date (RFC 9110 §5.6.7), in any of its three
/// forms: `Sun, 06 Nov 1994 08:49:37 GMT`, `Sunday, 06-Nov-94 08:49:37 GMT` and
/// `Sun Nov  6 08:49:37 1994`, read at `now` (seconds since the epoch; it decides
/// the century of a two-digit year). The weekday is not checked, as recipients need
/// not.
///
/// Written here rather than taken from `httpdate`: the widget reads this header too,
/// and the crate's parser was about 1.5 KB of its brotli size.
fn http_date(value: &str, now: f64) -> Option<u64> {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let parts: Vec<&str> = value
        .split([' ', ',', '-'])
        .filter(|p| !p.is_empty())
        .collect();
    let month_at = |i: usize| MONTHS.iter().position(|m| parts.get(i) == Some(m));
    let (day, month, year, time) = match parts.as_slice() {
        [_, day, _, year, time, "GMT"] => (day, month_at(2)?, year, time),
        [_, _, day, time, year] => (day, month_at(1)?, year, time),
        _ => return None,
    };
    let number = |s: &str| -> Option<u64> {
        (!s.is_empty() && s.len() <= 4 && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse().ok())?
    };
    let mut year = number(year)?;
    if year < 100 {
        // RFC 850's two digits: this century's year, unless that is more than 50 years
        // ahead, then the last century's (as RFC 9110 asks).
        let this_year = 1970 + (now.max(0.0) / 31_556_952.0) as u64;
        year += this_year / 100 * 100;
        if year > this_year + 50 {
            year -= 100;
        }
    }
    let day = number(day).filter(|d| (1..=31).contains(d))?;
    let clock: Vec<u64> = time.split(':').map(number).collect::<Option<_>>()?;
    let [hour, minute, second] = clock[..] else {
        return None;
    };
    if hour > 23 || minute > 59 || second > 60 || year < 1970 {
        return None;
    }
    let days = days_since_epoch(year, month as u64 + 1, day);
    Some(days * 86_400 + hour * 3_600 + minute * 60 + second)
}

/// Days from 1970-01-01 to a date of the proleptic Gregorian calendar (from 1970 on).
fn days_since_epoch(year: u64, month: u64, day: u64) -> u64 {
    // Counted from March, so the leap day ends the year (Howard Hinnant's algorithm).
    let y = if month <= 2 { year - 1 } else { year };
    let era = y / 400;
    let year_of_era = y - era * 400;
    let day_of_year = (153 * ((month + 9) % 12) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
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
    fn http_dates_across_leap_years_and_centuries() {
        // Checked against `date -u -d … +%s`.
        for (value, seconds) in [
            ("Thu, 01 Jan 1970 00:00:00 GMT", 0),
            ("Tue, 29 Feb 2000 12:00:00 GMT", 951_825_600),
            ("Sun, 06 Nov 1994 08:49:37 GMT", 784_111_777),
            ("Sunday, 06-Nov-94 08:49:37 GMT", 784_111_777),
            ("Sun Nov  6 08:49:37 1994", 784_111_777),
            ("Wed, 31 Dec 2036 23:59:59 GMT", 2_114_380_799),
            ("Mon, 01 Mar 2100 00:00:00 GMT", 4_107_542_400),
        ] {
            assert_eq!(http_date(value, OCT_21_2015), Some(seconds), "{value}");
        }
        // Two digits: at most 50 years ahead of now, else the century before.
        let in_2070 = 3_155_760_000.0;
        assert_eq!(
            http_date("Monday, 01-Jan-01 00:00:00 GMT", in_2070),
            Some(978_307_200),
            "2001, not 2101"
        );
        assert_eq!(
            http_date("Friday, 01-Jan-99 00:00:00 GMT", in_2070),
            Some(4_070_908_800),
            "2099, not 1999"
        );
        assert_eq!(
            http_date("Friday, 01-Jan-99 00:00:00 GMT", OCT_21_2015),
            Some(915_148_800),
            "1999 in 2015"
        );
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
            "Wed, 21 Foo 2015 07:28:00 GMT",
            "Wed, 32 Oct 2015 07:28:00 GMT",
            "Wed, 21 Oct 2015 07:28 GMT",
            "Wed, 21 Oct 2015 07:28:00 CET",
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
