//! The merchant's money: every accepted image costs them, so each submit is charged
//! against the shopper's quotas (per session and per client address, over a sliding
//! window) and the key's spending cap for the UTC day, before the photo check and
//! before anything is sent upstream. A submit that makes no job gives its images back.
//! Remembered submits ([`replay`]) keep a request sent twice from making two jobs.
//!
//! The counts live behind [`store::Counters`]: in this process, or in Redis for
//! replicas (falling back to this process while Redis is down, [`failover`]).

pub mod failover;
pub mod local;
pub mod replay;
pub mod store;

use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::http::{HeaderName, HeaderValue, StatusCode};
use tryon_protocol::{ErrorName, QuotaLeft, RATE_LIMIT, RATE_LIMIT_POLICY};

use crate::error::GatewayError;
use crate::metrics::Metrics;
use crate::token::random_hex;
use store::{Counters, Today};

/// The merchant's limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Images one session may ask for in any `window` (0: no limit).
    pub per_session: u32,
    /// Images one client address may ask for in any `window` (0: no limit).
    pub per_address: u32,
    /// The quotas' sliding window (an hour).
    pub window: Duration,
    /// Images the key may spend in a UTC day (`None`: no cap).
    pub per_day: Option<u64>,
}

/// Who pays for a submit, as far as the limits are concerned.
#[derive(Debug, Clone, Copy)]
pub struct Payer<'a> {
    /// The shopper's session; `None` for the merchant's own server key, which no
    /// shopper quota limits (only the day's cap).
    pub session: Option<&'a str>,
    /// The client's address (after the trusted-proxy rule).
    pub address: IpAddr,
}

/// Images taken for one submit: given back with [`Spending::refund`] when it makes no
/// job.
#[derive(Debug, Default)]
pub struct Charge {
    /// Windows and the entries taken in them.
    taken: Vec<(String, String)>,
    /// The day and the images counted in it.
    day: Option<(String, u32)>,
    /// What the session has left, for the answer's `RateLimit` fields.
    session_left: Option<QuotaLeft>,
}

/// Charges submits against the merchant's limits.
pub struct Spending {
    counters: Arc<dyn Counters>,
    limits: Limits,
    metrics: Arc<Metrics>,
    /// The last warning logged about the day's spending: its day and percent.
    warned: Mutex<(String, u8)>,
}

impl Spending {
    /// Limits kept in `counters`.
    pub fn new(counters: Arc<dyn Counters>, limits: Limits, metrics: Arc<Metrics>) -> Self {
        if let Some(cap) = limits.per_day {
            metrics.budget(cap);
            metrics.budget_left(cap);
        }
        Spending {
            counters,
            limits,
            metrics,
            warned: Mutex::new((String::new(), 0)),
        }
    }

    /// The limits it keeps.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// Takes `images` from the payer's quotas and the day's budget, or says which is
    /// spent and when the shopper can go on.
    pub async fn charge(&self, payer: &Payer<'_>, images: u32) -> Result<Charge, GatewayError> {
        let mut charge = Charge::default();
        if let Some(session) = payer.session {
            let quotas = [
                (Quota::Session, session.to_owned(), self.limits.per_session),
                (
                    Quota::Address,
                    payer.address.to_string(),
                    self.limits.per_address,
                ),
            ];
            for (quota, who, limit) in quotas {
                if limit == 0 {
                    continue;
                }
                match self.take(quota, &who, images, limit, &mut charge).await {
                    Ok(left) if quota == Quota::Session => charge.session_left = Some(left),
                    Ok(_) => {}
                    Err(refusal) => {
                        self.refund(charge).await;
                        return Err(refusal);
                    }
                }
            }
        }
        let (day, until_midnight) = utc_day(SystemTime::now());
        let spent = match self.counters.spend(&day, images, self.limits.per_day).await {
            Ok(spent) => spent,
            Err(down) => {
                self.refund(charge).await;
                self.metrics.submit_refused("store_down");
                return Err(crate::error::Down(down.0).into());
            }
        };
        if !spent.allowed {
            self.refund(charge).await;
            self.metrics.submit_refused("spending_limit");
            self.warn_once(&day, 100, spent.images);
            return Err(GatewayError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                ErrorName::SpendingLimitReached,
                format!(
                    "The shop's try-on budget for today ({} images) is spent: try-on is paused until 00:00 UTC, in {} min.",
                    self.limits.per_day.unwrap_or(0),
                    until_midnight.as_secs().div_ceil(60)
                ),
            )
            .with_retry_after(until_midnight.as_secs().max(1)));
        }
        charge.day = Some((day.clone(), images));
        self.spent(&day, spent.images);
        Ok(charge)
    }

    /// Takes from one quota's window.
    async fn take(
        &self,
        quota: Quota,
        who: &str,
        images: u32,
        limit: u32,
        charge: &mut Charge,
    ) -> Result<QuotaLeft, GatewayError> {
        if images > limit {
            self.metrics.submit_refused(quota.refusal());
            let mut e = GatewayError::new(
                StatusCode::BAD_REQUEST,
                ErrorName::InvalidRequest,
                format!(
                    "{images} images at once are more than this shop allows {} ({limit} an hour): ask for fewer with `num_samples`.",
                    quota.whom()
                ),
            );
            e.error.field = Some("num_samples".into());
            return Err(e);
        }
        let key = format!("{}:{who}", quota.name());
        let entry = random_hex(8);
        let window = self
            .counters
            .take(&key, &entry, images, limit, self.limits.window)
            .await
            .map_err(|down| GatewayError::from(crate::error::Down(down.0)))?;
        if !window.allowed {
            self.metrics.submit_refused(quota.refusal());
            let seconds = window.wait.as_secs_f64().ceil().max(1.0) as u64;
            return Err(GatewayError::new(
                StatusCode::TOO_MANY_REQUESTS,
                ErrorName::QuotaExceeded,
                format!(
                    "{} used this shop's {limit} try-on images for the last hour: more can be tried on in {} min (Retry-After).",
                    quota.who(),
                    seconds.div_ceil(60)
                ),
            )
            .with_retry_after(seconds));
        }
        charge.taken.push((key, entry));
        Ok(QuotaLeft {
            remaining: window.remaining,
            reset_seconds: window.wait.as_secs_f64().ceil() as u64,
        })
    }

    /// Gives back what `charge` took: its submit made no job.
    pub async fn refund(&self, charge: Charge) {
        for (key, entry) in &charge.taken {
            let _ = self.counters.give_back(key, entry).await;
        }
        if let Some((day, images)) = &charge.day {
            let _ = self.counters.adjust(day, -i64::from(*images)).await;
        }
    }

    /// The `RateLimit` and `RateLimit-Policy` fields for the session's quota.
    pub fn headers(&self, charge: &Charge) -> Vec<(HeaderName, HeaderValue)> {
        let Some(left) = charge.session_left else {
            return Vec::new();
        };
        let policy = QuotaLeft::policy(
            Quota::Session.name(),
            self.limits.per_session,
            self.limits.window.as_secs(),
        );
        [
            (RATE_LIMIT, left.header(Quota::Session.name())),
            (RATE_LIMIT_POLICY, policy),
        ]
        .into_iter()
        .filter_map(|(name, value)| {
            Some((
                HeaderName::from_static(name),
                HeaderValue::from_str(&value).ok()?,
            ))
        })
        .collect()
    }

    /// Provider credits an accepted job was reported to cost.
    pub async fn credits_used(&self, credits: f64) {
        let (day, _) = utc_day(SystemTime::now());
        let _ = self.counters.add_credits(&day, credits).await;
        if let Ok(today) = self.counters.today(&day).await {
            self.metrics.credits_today(today.credits);
        }
    }

    /// Today's spending (`/healthz`), and the cap.
    pub async fn today(&self) -> Option<Today> {
        let (day, _) = utc_day(SystemTime::now());
        let today = self.counters.today(&day).await.ok()?;
        self.metrics.images_today(today.images, self.limits.per_day);
        self.metrics.credits_today(today.credits);
        Some(today)
    }

    /// Notes the day's total after a spend: metrics, and a warning at 80 % and 100 %.
    fn spent(&self, day: &str, images: u64) {
        self.metrics.images_today(images, self.limits.per_day);
        let Some(cap) = self.limits.per_day.filter(|c| *c > 0) else {
            return;
        };
        if images >= cap {
            self.warn_once(day, 100, images);
        } else if images * 5 >= cap * 4 {
            self.warn_once(day, 80, images);
        }
    }

    fn warn_once(&self, day: &str, percent: u8, images: u64) {
        let mut warned = self.warned.lock().unwrap();
        if warned.0 == day && warned.1 >= percent {
            return;
        }
        *warned = (day.to_owned(), percent);
        let cap = self.limits.per_day.unwrap_or(0);
        if percent >= 100 {
            tracing::warn!(images, cap, "the daily image budget (TRYON_DAILY_IMAGE_BUDGET) is reached: new try-ons are refused until 00:00 UTC");
        } else {
            tracing::warn!(
                images,
                cap,
                "80 % of the daily image budget (TRYON_DAILY_IMAGE_BUDGET) is spent"
            );
        }
    }
}

/// The two quotas.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Quota {
    Session,
    Address,
}

impl Quota {
    /// Its name in keys and in the `RateLimit` fields.
    fn name(self) -> &'static str {
        match self {
            Quota::Session => "session",
            Quota::Address => "address",
        }
    }

    fn refusal(self) -> &'static str {
        match self {
            Quota::Session => "session_quota",
            Quota::Address => "address_quota",
        }
    }

    fn who(self) -> &'static str {
        match self {
            Quota::Session => "This shopper has",
            Quota::Address => "This network address has",
        }
    }

    fn whom(self) -> &'static str {
        match self {
            Quota::Session => "per shopper",
            Quota::Address => "per network address",
        }
    }
}

/// The UTC day of `now` (`2026-12-04`) and the time left until it ends.
pub fn utc_day(now: SystemTime) -> (String, Duration) {
    let since = now.duration_since(UNIX_EPOCH).unwrap_or_default();
    let days = since.as_secs() / 86_400;
    let left = Duration::from_secs((days + 1) * 86_400) - since;
    let (y, m, d) = civil_from_days(days as i64);
    (format!("{y:04}-{m:02}-{d:02}"), left)
}

/// Howard Hinnant's `civil_from_days`: the proleptic Gregorian date of a day count.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::local::LocalCounters;
    use super::*;

    #[test]
    fn days_are_utc_dates_and_end_at_midnight() {
        let at = |s| UNIX_EPOCH + Duration::from_secs(s);
        assert_eq!(utc_day(at(0)).0, "1970-01-01");
        // 2026-12-04 21:30:00 UTC.
        let (day, left) = utc_day(at(1_796_419_800));
        assert_eq!(day, "2026-12-04");
        assert_eq!(left, Duration::from_secs(2 * 3600 + 1800));
        assert_eq!(utc_day(at(951_782_400)).0, "2000-02-29");
    }

    fn spending(limits: Limits) -> Spending {
        Spending::new(
            Arc::new(LocalCounters::default()),
            limits,
            Arc::new(Metrics::default()),
        )
    }

    const LIMITS: Limits = Limits {
        per_session: 5,
        per_address: 8,
        window: Duration::from_secs(3600),
        per_day: Some(13),
    };

    fn shopper(session: &str, last: u8) -> Payer<'_> {
        Payer {
            session: Some(session),
            address: IpAddr::from([192, 0, 2, last]),
        }
    }

    #[tokio::test]
    async fn the_session_quota_then_the_address_quota_then_the_day_refuse() {
        let s = spending(LIMITS);
        let charge = s.charge(&shopper("a", 1), 4).await.unwrap();
        let fields = s.headers(&charge);
        assert_eq!(fields[0].1, "\"session\";r=1;t=3600");
        assert_eq!(fields[1].1, "\"session\";q=5;w=3600");
        let e = s.charge(&shopper("a", 1), 2).await.unwrap_err();
        assert_eq!(e.error.name, ErrorName::QuotaExceeded);
        assert_eq!(e.status, 429);
        assert!((3599..=3600).contains(&e.retry_after.unwrap()));
        // Another session from the same address: the address has 4 of 8 left.
        s.charge(&shopper("b", 1), 4).await.unwrap();
        let e = s.charge(&shopper("c", 1), 1).await.unwrap_err();
        assert!(e.error.message.contains("network address"), "{e:?}");
        // The refused takes gave their session's images back: "c" starts whole.
        let e = s.charge(&shopper("c", 2), 5).await.unwrap();
        s.refund(e).await;
        // The day: 8 spent of 13; the merchant's own key meets only the day's cap.
        let merchant = Payer {
            session: None,
            address: IpAddr::from([127, 0, 0, 1]),
        };
        s.charge(&merchant, 4).await.unwrap();
        let e = s.charge(&merchant, 2).await.unwrap_err();
        assert_eq!(e.error.name, ErrorName::SpendingLimitReached);
        assert_eq!(e.status, 503);
        assert!(e.retry_after.unwrap() <= 86_400);
    }

    #[tokio::test]
    async fn a_refund_gives_everything_back() {
        let s = spending(LIMITS);
        let charge = s.charge(&shopper("a", 1), 5).await.unwrap();
        s.refund(charge).await;
        let charge = s.charge(&shopper("a", 1), 5).await.unwrap();
        assert_eq!(s.today().await.unwrap().images, 5);
        s.refund(charge).await;
        assert_eq!(s.today().await.unwrap().images, 0);
    }

    #[tokio::test]
    async fn zero_turns_a_quota_off_and_too_many_at_once_is_a_wrong_field() {
        let s = spending(Limits {
            per_session: 0,
            per_address: 3,
            per_day: None,
            ..LIMITS
        });
        let e = s.charge(&shopper("a", 1), 4).await.unwrap_err();
        assert_eq!(e.error.field.as_deref(), Some("num_samples"));
        let charge = s.charge(&shopper("a", 1), 3).await.unwrap();
        assert!(s.headers(&charge).is_empty(), "no session quota, no fields");
    }
}
