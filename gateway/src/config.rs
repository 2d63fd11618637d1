//! Settings, from flags or the environment (`tryon-gateway --help` lists them all).

use std::net::SocketAddr;
use std::time::Duration;

use clap::{Parser, ValueEnum};

pub use crate::engine::upstream::budget::LimitSetting;
pub use crate::secret::Secret;

/// The longest a session token may live, whatever the setting says.
pub const MAX_TOKEN_TTL_SECONDS: u64 = 3600;

/// Which engine runs the jobs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EngineChoice {
    /// `upstream` when an upstream API key is set, else `sandbox`.
    Auto,
    /// The built-in engine: no key, no network; results are marked as previews.
    Sandbox,
    /// The hosted try-on API at `--upstream-url`, with `TRYON_UPSTREAM_API_KEY`.
    Upstream,
}

/// What the gateway does with its look at the shopper's photo.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PhotoCheckMode {
    /// `POST /v1/precheck` answers, and a job whose photo has nobody in it fails at
    /// once with `PoseError` (no upstream call, nothing charged).
    On,
    /// `POST /v1/precheck` answers; jobs are never refused for their photo.
    Advise,
    /// No check: `/v1/precheck` answers `checked: false`, and upstream the models
    /// are never loaded (the sandbox still uses them for its previews).
    Off,
}

/// The try-on gateway: mints session tokens for shoppers' browsers and runs try-on
/// jobs on the hosted API (`upstream`) or on the built-in `sandbox` engine.
#[derive(Debug, Clone, Parser)]
#[command(name = "tryon-gateway", version, about, long_about = None)]
pub struct Config {
    /// Address to listen on.
    #[arg(long, env = "TRYON_LISTEN", default_value = "127.0.0.1:8787")]
    pub listen: SocketAddr,

    /// Public base URL of this gateway, used in result URLs (default: from the request's Host).
    #[arg(long, env = "TRYON_PUBLIC_URL")]
    pub public_url: Option<String>,

    /// Redis shared by the gateway's replicas (`redis://host:6379/0`, or with TLS and
    /// a user `rediss://user:password@host:6380/0`): mint limits,
    /// jobs and results, upstream readers and budget. Unset: all in this process.
    #[arg(long, env = "TRYON_REDIS_URL", hide_env_values = true)]
    pub redis_url: Option<String>,

    /// A CA certificate (PEM) to trust for a `rediss://` Redis instead of the system's
    /// roots (managed offerings with their own CA, or a self-signed one).
    #[arg(long, env = "TRYON_REDIS_CA_FILE")]
    pub redis_ca_file: Option<std::path::PathBuf>,

    /// Page origins allowed to mint tokens and call the API (comma-separated; `*` allows any).
    #[arg(
        long,
        env = "TRYON_ALLOWED_ORIGINS",
        value_delimiter = ',',
        default_value = "http://127.0.0.1:8080,http://localhost:8080"
    )]
    pub allowed_origins: Vec<String>,

    /// HS256 secret that signs session tokens and job ids (at least 32 bytes). Replicas
    /// must share it. Unset: a random one per process (tokens die with the process).
    #[arg(
        long,
        env = "TRYON_TOKEN_SECRET",
        hide_env_values = true,
        default_value = ""
    )]
    pub token_secret: Secret,

    /// Lifetime of a session token, in seconds (capped at 3600).
    #[arg(long, env = "TRYON_TOKEN_TTL_SECONDS", default_value_t = 600)]
    pub token_ttl_seconds: u64,

    /// Server-to-server API key: a bearer equal to it is accepted like a session token.
    #[arg(
        long,
        env = "TRYON_SERVER_API_KEY",
        hide_env_values = true,
        default_value = ""
    )]
    pub server_api_key: Secret,

    /// Bearer for the merchant's own figures: with it set, `/metrics` and the detail
    /// of `/healthz` (budget, Redis, upstream) answer only `Authorization: Bearer
    /// <this>`; `/healthz` still answers its status to anyone. Unset: both are open.
    #[arg(
        long,
        env = "TRYON_ADMIN_TOKEN",
        hide_env_values = true,
        default_value = ""
    )]
    pub admin_token: Secret,

    /// Token mints allowed per client address and minute (0: no limit).
    #[arg(long, env = "TRYON_MINT_RATE_PER_MINUTE", default_value_t = 30)]
    pub mint_rate_per_minute: u32,

    /// Try-on images one shopper's session may ask for in any hour, across token
    /// renewals (0: no limit). Counted per image (`num_samples`), in both engines.
    #[arg(long, env = "TRYON_SESSION_IMAGES_PER_HOUR", default_value_t = 20)]
    pub session_images_per_hour: u32,

    /// Try-on images one client address may ask for in any hour, all its sessions
    /// together (0: no limit); a household or an office shares one.
    #[arg(long, env = "TRYON_ADDRESS_IMAGES_PER_HOUR", default_value_t = 60)]
    pub address_images_per_hour: u32,

    /// Images the merchant's key may spend per UTC day, or `off`; by default 1000 with
    /// the upstream engine and off in the sandbox.
    #[arg(long, env = "TRYON_DAILY_IMAGE_BUDGET")]
    pub daily_image_budget: Option<DailyBudget>,

    /// The quotas' sliding window in seconds (an hour; shorter only for tests).
    #[arg(
        long,
        env = "TRYON_QUOTA_WINDOW_SECONDS",
        default_value_t = 3600,
        hide = true
    )]
    pub quota_window_seconds: u64,

    /// Proxies in front of the gateway that append to `X-Forwarded-For` (0: none; the
    /// socket's peer is the client). The client address is then the N-th entry from
    /// the right: the one the outermost trusted proxy saw. Also decides whether
    /// `X-Forwarded-Proto` is believed.
    #[arg(long, env = "TRYON_TRUSTED_PROXIES", default_value_t = 0)]
    pub trusted_proxies: usize,

    /// Older setting, kept for compatibility: the same as `--trusted-proxies 1` when
    /// that is not set.
    #[arg(long, env = "TRYON_TRUST_FORWARDED_FOR")]
    pub trust_forwarded_for: bool,

    /// Largest request body, in megabytes.
    #[arg(long, env = "TRYON_BODY_LIMIT_MB", default_value_t = 25)]
    pub body_limit_mb: usize,

    /// Which engine runs the jobs.
    #[arg(long, env = "TRYON_ENGINE", value_enum, default_value_t = EngineChoice::Auto)]
    pub engine: EngineChoice,

    /// The hosted API's shape: `fashn`, `tryiton`, or `contract` (our contract as
    /// written, spoken by stand-ins); see README "Upstream dialects".
    #[arg(long, env = "TRYON_UPSTREAM", default_value = "fashn")]
    pub upstream: String,

    /// FASHN's model: `tryon-v1.6` or `tryon-max` (other dialects have none).
    #[arg(long, env = "TRYON_UPSTREAM_MODEL")]
    pub upstream_model: Option<String>,

    /// Base URL of the hosted try-on API; the dialect's public one by default
    /// (required for `contract`).
    #[arg(long, env = "TRYON_UPSTREAM_URL")]
    pub upstream_url: Option<String>,

    /// The submit path, when the provider moved it (e.g. TryItOn's newer
    /// `/api/v1/tryon/fashion`); the dialect's by default.
    #[arg(long, env = "TRYON_UPSTREAM_SUBMIT_PATH")]
    pub upstream_submit_path: Option<String>,

    /// The status path (the job id is appended); the dialect's by default.
    #[arg(long, env = "TRYON_UPSTREAM_STATUS_PATH")]
    pub upstream_status_path: Option<String>,

    /// Submits allowed per window, `N/SECONDS` or `off`; the provider's published
    /// limit by default (FASHN: 50/60).
    #[arg(long, env = "TRYON_UPSTREAM_SUBMIT_LIMIT")]
    pub upstream_submit_limit: Option<LimitSetting>,

    /// Status reads allowed per window, `N/SECONDS` or `off`; the provider's published
    /// limit by default (FASHN: 50/10).
    #[arg(long, env = "TRYON_UPSTREAM_STATUS_LIMIT")]
    pub upstream_status_limit: Option<LimitSetting>,

    /// How long a submit waits for its turn within the submit limit before it is
    /// answered 429 with a Retry-After, in seconds.
    #[arg(
        long,
        env = "TRYON_UPSTREAM_SUBMIT_WAIT_SECONDS",
        default_value_t = 10.0
    )]
    pub upstream_submit_wait_seconds: f64,

    /// Whether submits waiting for the submit limit take turns across addresses and
    /// sessions (`false`: first come, first served; only for comparing in the bench).
    #[arg(long, env = "TRYON_UPSTREAM_FAIR_TURNS", default_value_t = true, action = clap::ArgAction::Set, hide = true)]
    pub upstream_fair_turns: bool,

    /// Seconds between two status reads of one upstream job (shared by every
    /// shopper waiting on it); also the shortest gap after a webhook.
    #[arg(long, env = "TRYON_UPSTREAM_POLL_SECONDS", default_value_t = 3.0)]
    pub upstream_poll_seconds: f64,

    /// With webhooks (TRYON_PUBLIC_URL set, a dialect that offers them): read a job
    /// whose callback has not come after this many seconds, and as often after that.
    #[arg(
        long,
        env = "TRYON_UPSTREAM_WEBHOOK_FALLBACK_SECONDS",
        default_value_t = 20.0
    )]
    pub upstream_webhook_fallback_seconds: f64,

    /// API key for the hosted try-on API. Never logged, never sent to browsers.
    #[arg(
        long,
        env = "TRYON_UPSTREAM_API_KEY",
        hide_env_values = true,
        default_value = ""
    )]
    pub upstream_api_key: Secret,

    /// Time limit of one call to the hosted API, in seconds.
    #[arg(long, env = "TRYON_UPSTREAM_TIMEOUT_SECONDS", default_value_t = 30.0)]
    pub upstream_timeout_seconds: f64,

    /// Retries of a status read that met a 5xx, a 429 or a timeout.
    #[arg(long, env = "TRYON_UPSTREAM_STATUS_RETRIES", default_value_t = 4)]
    pub upstream_status_retries: u32,

    /// Longest long-poll wait a status read may ask for, in seconds (at most 30).
    /// 0 turns long-polling off, for proxies that cut requests left open; the
    /// widget then polls.
    #[arg(long, env = "TRYON_LONG_POLL_MAX_SECONDS", default_value_t = 30)]
    pub long_poll_max_seconds: u64,

    /// The photo check: `on` (advice, and jobs with nobody in the photo fail at once),
    /// `advise` (advice only) or `off`.
    #[arg(long, env = "TRYON_PHOTO_CHECK", value_enum, default_value_t = PhotoCheckMode::On)]
    pub photo_check: PhotoCheckMode,

    /// Sandbox: the contract's latency per mode (6 / 9 / 12–18 s) times this (1.0: realistic).
    #[arg(long, env = "TRYON_SANDBOX_LATENCY_SCALE", default_value_t = 0.1)]
    pub sandbox_latency_scale: f64,

    /// Sandbox: how long result images stay downloadable, in seconds.
    #[arg(long, env = "TRYON_SANDBOX_RESULT_TTL_SECONDS", default_value_t = 600)]
    pub sandbox_result_ttl_seconds: u64,

    /// Sandbox: jobs rendered at once (0: CPU cores minus one, at least 1); the rest wait `in_queue`.
    #[arg(long, env = "TRYON_SANDBOX_WORKERS", default_value_t = 0)]
    pub sandbox_workers: usize,

    /// Sandbox: the folder where photos of queued jobs and results wait, in files that
    /// have no name once open (default: the system's temporary folder, `TMPDIR`);
    /// `memory` keeps them in memory.
    #[arg(long, env = "TRYON_SANDBOX_SPILL_DIR")]
    pub sandbox_spill_dir: Option<String>,

    /// Time limit to fetch an image URL, in seconds.
    #[arg(
        long,
        env = "TRYON_IMAGE_FETCH_TIMEOUT_SECONDS",
        default_value_t = 10.0
    )]
    pub image_fetch_timeout_seconds: f64,

    /// Largest image a URL may deliver, in megabytes.
    #[arg(long, env = "TRYON_IMAGE_MAX_MB", default_value_t = 20)]
    pub image_max_mb: usize,

    /// Let image URLs reach loopback and private addresses (local development only).
    #[arg(long, env = "TRYON_ALLOW_PRIVATE_IMAGE_URLS")]
    pub allow_private_image_urls: bool,
}

/// A daily image budget: a number of images, or `off`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DailyBudget(pub Option<u64>);

impl std::str::FromStr for DailyBudget {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "off" => Ok(DailyBudget(None)),
            n => n.parse().map(|n| DailyBudget(Some(n))).map_err(|_| {
                format!(
                    "`{s}` is not a budget: write a number of images per day (e.g. 1000) or off"
                )
            }),
        }
    }
}

/// The daily image budget with the upstream engine when none is set.
pub const DEFAULT_DAILY_IMAGE_BUDGET: u64 = 1000;

impl Config {
    /// Settings for tests and embedding: every default, nothing from the environment.
    pub fn for_tests() -> Self {
        Config::parse_from(["tryon-gateway"])
    }

    /// Where the sandbox keeps queued photos and results on disk; `None`: in memory.
    pub fn sandbox_spill_dir(&self) -> Option<std::path::PathBuf> {
        match self.sandbox_spill_dir.as_deref() {
            Some("memory") => None,
            Some(dir) if !dir.is_empty() => Some(dir.into()),
            _ => Some(std::env::temp_dir()),
        }
    }

    /// The token lifetime after the cap.
    pub fn token_ttl(&self) -> Duration {
        Duration::from_secs(self.token_ttl_seconds.clamp(1, MAX_TOKEN_TTL_SECONDS))
    }

    /// Proxies trusted to append to `X-Forwarded-For`, after the older flag is counted.
    pub fn trusted_proxy_count(&self) -> usize {
        match self.trusted_proxies {
            0 if self.trust_forwarded_for => 1,
            n => n,
        }
    }

    /// The merchant's limits on spending, after the engine's defaults.
    pub fn spending_limits(&self) -> crate::spending::Limits {
        let per_day = match (self.daily_image_budget, self.engine_in_use()) {
            (Some(DailyBudget(cap)), _) => cap,
            (None, EngineChoice::Upstream) => Some(DEFAULT_DAILY_IMAGE_BUDGET),
            (None, _) => None,
        };
        crate::spending::Limits {
            per_session: self.session_images_per_hour,
            per_address: self.address_images_per_hour,
            window: Duration::from_secs(self.quota_window_seconds.max(1)),
            per_day,
        }
    }

    /// The engine that will run, after `auto` is decided.
    pub fn engine_in_use(&self) -> EngineChoice {
        match self.engine {
            EngineChoice::Auto if self.upstream_api_key.0.is_empty() => EngineChoice::Sandbox,
            EngineChoice::Auto => EngineChoice::Upstream,
            other => other,
        }
    }
}
