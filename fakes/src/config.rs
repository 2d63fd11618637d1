//! What a fake is told at start: its dialect, its keys, its timings and its limits.

use std::net::SocketAddr;
use std::time::Duration;

/// The API key a fake accepts unless told otherwise.
pub const DEFAULT_API_KEY: &str = "fake-upstream-key";

/// Which hosted API a fake speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    /// FASHN: `POST /v1/run`, `GET /v1/status/{id}`, webhooks.
    Fashn,
    /// TryItOn: `POST /api/v1/tryon/clothes` and `/fashion`, `GET /api/v1/status/{id}`.
    TryItOn,
    /// The contract the widget speaks (`docs/api.md`), as a hosted service that kept
    /// it would: `POST /api/v1/tryon/clothes`, `GET /api/v1/status/{id}`.
    Contract,
}

impl Dialect {
    /// The name used on the command line and in logs.
    pub fn name(self) -> &'static str {
        match self {
            Dialect::Fashn => "fashn",
            Dialect::TryItOn => "tryiton",
            Dialect::Contract => "contract",
        }
    }
}

impl std::str::FromStr for Dialect {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "fashn" => Ok(Dialect::Fashn),
            "tryiton" => Ok(Dialect::TryItOn),
            "contract" => Ok(Dialect::Contract),
            other => Err(format!(
                "unknown dialect {other:?} (fashn, tryiton or contract)"
            )),
        }
    }
}

/// At most `requests` answered requests per API key in any `window` (before scaling).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateLimit {
    /// Requests answered within one window.
    pub requests: u32,
    /// The window, in unscaled time (the fake multiplies it by its time scale).
    pub window: Duration,
}

impl RateLimit {
    /// `requests` per `seconds` seconds.
    pub fn per_seconds(requests: u32, seconds: u64) -> Self {
        RateLimit {
            requests,
            window: Duration::from_secs(seconds),
        }
    }
}

impl std::str::FromStr for RateLimit {
    type Err = String;

    /// `N/SECONDS`, e.g. `50/10` (seconds may have a fraction).
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let wrong = || format!("{text:?} is not N/SECONDS (e.g. 50/10)");
        let (requests, seconds) = text.split_once('/').ok_or_else(wrong)?;
        let requests: u32 = requests.trim().parse().map_err(|_| wrong())?;
        let seconds: f64 = seconds.trim().parse().map_err(|_| wrong())?;
        if requests == 0 || !(seconds > 0.0 && seconds.is_finite()) {
            return Err(wrong());
        }
        Ok(RateLimit {
            requests,
            window: Duration::from_secs_f64(seconds),
        })
    }
}

/// Everything a fake can be told; start from [`FakeConfig::fashn`] or [`FakeConfig::tryiton`].
#[derive(Clone, Debug)]
pub struct FakeConfig {
    /// The hosted API this fake speaks.
    pub dialect: Dialect,
    /// Where to listen; must be a loopback address (port 0 picks a free one).
    pub listen: SocketAddr,
    /// Mounted before every API path (`""`: the paths as the provider serves them).
    pub path_prefix: String,
    /// Bearer keys accepted; any other (or none) is answered 401.
    pub api_keys: Vec<String>,
    /// Unscaled length of a job, submit to its terminal state (FASHN `tryon-v1.6`, TryItOn).
    pub job_seconds: f64,
    /// Unscaled length of a FASHN `tryon-max` job (published: 20–120 s).
    pub max_job_seconds: f64,
    /// Multiplies every duration the fake keeps: jobs, rate-limit windows, webhook retries.
    pub time_scale: f64,
    /// The submit endpoint's limit per key, if any.
    pub submit_limit: Option<RateLimit>,
    /// The status endpoint's limit per key, if any.
    pub status_limit: Option<RateLimit>,
    /// Jobs of one key running at once before a submit gets 429 `ConcurrencyLimitExceeded`.
    pub concurrency_limit: Option<usize>,
    /// Send `Retry-After` (whole seconds, at least 1) with the 429s the limits give.
    pub retry_after: bool,
    /// Unscaled waits before each webhook retry after the first delivery fails.
    pub webhook_retry_delays: Vec<Duration>,
    /// Time limit of one webhook delivery (not scaled: it bounds a socket, not the story).
    pub webhook_timeout: Duration,
}

impl FakeConfig {
    /// FASHN with its published limits: `/v1/run` 50 per 60 s, `/v1/status` 50 per 10 s.
    pub fn fashn() -> Self {
        FakeConfig {
            dialect: Dialect::Fashn,
            submit_limit: Some(RateLimit::per_seconds(50, 60)),
            status_limit: Some(RateLimit::per_seconds(50, 10)),
            ..Self::common(Dialect::Fashn)
        }
    }

    /// TryItOn: no published limits, so none unless configured.
    pub fn tryiton() -> Self {
        Self::common(Dialect::TryItOn)
    }

    /// The contract's API: no limits unless configured.
    pub fn contract() -> Self {
        Self::common(Dialect::Contract)
    }

    /// The dialect's defaults.
    pub fn for_dialect(dialect: Dialect) -> Self {
        match dialect {
            Dialect::Fashn => Self::fashn(),
            Dialect::TryItOn => Self::tryiton(),
            Dialect::Contract => Self::contract(),
        }
    }

    fn common(dialect: Dialect) -> Self {
        FakeConfig {
            dialect,
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            path_prefix: String::new(),
            api_keys: vec![DEFAULT_API_KEY.to_owned()],
            job_seconds: 9.0,
            max_job_seconds: 60.0,
            time_scale: 1.0,
            submit_limit: None,
            status_limit: None,
            concurrency_limit: None,
            retry_after: false,
            // "Up to 5 times over about 5 minutes": 10 + 30 + 60 + 90 + 110 s = 300 s.
            webhook_retry_delays: [10, 30, 60, 90, 110]
                .into_iter()
                .map(Duration::from_secs)
                .collect(),
            webhook_timeout: Duration::from_secs(10),
        }
    }

    /// `seconds` of the fake's story as real time.
    pub(crate) fn scaled(&self, seconds: f64) -> Duration {
        Duration::from_secs_f64((seconds * self.time_scale).max(0.0))
    }

    /// Checks what would otherwise fail later or make the fake reachable from outside.
    pub(crate) fn validate(&self) -> Result<(), String> {
        if !self.listen.ip().is_loopback() {
            return Err(format!(
                "{} is not a loopback address: the fake listens on loopback only",
                self.listen
            ));
        }
        if !(self.time_scale >= 0.0 && self.time_scale.is_finite()) {
            return Err(format!("time scale {} is not ≥ 0", self.time_scale));
        }
        for seconds in [self.job_seconds, self.max_job_seconds] {
            if !(seconds >= 0.0 && seconds.is_finite()) {
                return Err(format!("job length {seconds} is not ≥ 0"));
            }
        }
        if !self.path_prefix.is_empty()
            && (!self.path_prefix.starts_with('/') || self.path_prefix.ends_with('/'))
        {
            return Err(format!(
                "path prefix {:?} must start with / and not end with one",
                self.path_prefix
            ));
        }
        if self.api_keys.is_empty() {
            return Err("at least one API key is needed".into());
        }
        Ok(())
    }
}
