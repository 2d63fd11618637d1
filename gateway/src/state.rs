//! What every handler shares.

use std::sync::Arc;
use std::time::Duration;

use crate::cluster::Cluster;
use crate::config::{Config, EngineChoice};
use crate::engine::sandbox::{Sandbox, SandboxSettings};
use crate::engine::upstream::dialect::Dialect;
use crate::engine::upstream::tracker::Pace;
use crate::engine::upstream::{ApiAt, Paths, Upstream, UpstreamSettings};
use crate::engine::Engine;
use crate::images::{AddressPolicy, ImageFetcher};
use crate::job_handle::JobHandles;
use crate::metrics::Metrics;
use crate::photo_check::{Eyes, PhotoCheck};
use crate::rate_limit::RateLimiter;
use crate::server_key::ServerKey;
use crate::spending::failover::{FailoverCounters, FailoverReplays};
use crate::spending::local::{LocalCounters, LocalReplays};
use crate::spending::replay::Remembered;
use crate::spending::store::{Counters, Replays};
use crate::spending::Spending;
use crate::token::{random_hex, TokenIssuer};

/// The gateway's shared state (cheap to clone).
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

/// The parts of the state.
pub struct Inner {
    /// The settings it started with.
    pub config: Config,
    /// Session tokens.
    pub tokens: TokenIssuer,
    /// Job ids bound to sessions.
    pub handles: JobHandles,
    /// The server-to-server key.
    pub server_key: ServerKey,
    /// The admin token for `/metrics` and `/healthz`'s detail; `None`: open.
    pub admin_key: Option<Arc<ServerKey>>,
    /// Per-client limit on token mints.
    pub mint_limiter: RateLimiter,
    /// The engine that runs jobs.
    pub engine: Engine,
    /// Counters for `/metrics`.
    pub metrics: Arc<Metrics>,
    /// The store replicas share, if any.
    pub cluster: Option<Arc<Cluster>>,
    /// The look at the shopper's photo (`/v1/precheck`, and refusing photos of nobody).
    pub photo_check: PhotoCheck,
    /// The merchant's limits: quotas and the day's cap.
    pub spending: Arc<Spending>,
    /// Submits remembered so that one sent twice makes one job.
    pub remembered: Remembered,
}

impl std::ops::Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

/// A configuration that cannot run.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The signing secret is too short to be safe.
    #[error("TRYON_TOKEN_SECRET must be at least 32 bytes (it is {0}); generate one with `openssl rand -hex 32`")]
    ShortSecret(usize),
    /// Upstream without a key.
    #[error("the upstream engine needs TRYON_UPSTREAM_API_KEY (or choose --engine sandbox)")]
    MissingUpstreamKey,
    /// Upstream URL unusable.
    #[error("--upstream-url must be an http(s) URL, not `{0}`")]
    BadUpstreamUrl(String),
    /// An unknown dialect or model.
    #[error("{0}")]
    BadUpstream(String),
    /// The contract dialect has no public host.
    #[error(
        "TRYON_UPSTREAM=contract needs TRYON_UPSTREAM_URL: the contract has no host of its own"
    )]
    MissingUpstreamUrl,
    /// `TRYON_REDIS_URL` cannot be used.
    #[error("{0}")]
    BadRedis(String),
}

/// The stores of the merchant's limits and remembered submits: Redis (falling back to
/// this process while it is down) for replicas, else this process's own.
fn stores(cluster: &Option<Arc<Cluster>>) -> (Arc<dyn Counters>, Arc<dyn Replays>) {
    match cluster {
        Some(cluster) => {
            let redis = Arc::new(crate::cluster::spending::RedisSpending::new(
                cluster.clone(),
            ));
            (
                Arc::new(FailoverCounters::new(redis.clone())),
                Arc::new(FailoverReplays::new(redis)),
            )
        }
        None => (
            Arc::new(LocalCounters::default()),
            Arc::new(LocalReplays::default()),
        ),
    }
}

/// Hands the cost of each finished upstream job to the day's total.
fn spending_sink(spending: &Arc<Spending>) -> crate::engine::upstream::CreditsSink {
    let spending = Arc::downgrade(spending);
    crate::engine::upstream::CreditsSink(Arc::new(move |credits| {
        if let Some(spending) = spending.upgrade() {
            tokio::spawn(async move { spending.credits_used(credits).await });
        }
    }))
}

impl AppState {
    /// Builds the state; tells what is wrong with the configuration if it cannot run.
    pub fn new(config: Config) -> Result<Self, ConfigError> {
        let secret = match config.token_secret.0.as_str() {
            "" => {
                tracing::warn!("TRYON_TOKEN_SECRET is unset: using a random secret; tokens die with this process and replicas will not agree");
                random_hex(32)
            }
            s if s.len() < 32 => return Err(ConfigError::ShortSecret(s.len())),
            s => s.to_owned(),
        };
        if config.admin_token.0.is_empty() && config.engine == EngineChoice::Upstream {
            tracing::info!("TRYON_ADMIN_TOKEN is unset: /metrics and the detail of /healthz (what the key spends) answer anyone who reaches the gateway");
        }
        let metrics = Arc::new(Metrics::default());
        let eyes = Eyes::new(metrics.clone());
        let cluster = match &config.redis_url {
            Some(url) => Some(
                Cluster::open(url, config.redis_ca_file.as_deref(), metrics.clone())
                    .map_err(ConfigError::BadRedis)?,
            ),
            None => None,
        };
        let (counters, replays) = stores(&cluster);
        let spending = Arc::new(Spending::new(
            counters,
            config.spending_limits(),
            metrics.clone(),
        ));
        let engine = match config.engine_in_use() {
            EngineChoice::Upstream => {
                if config.upstream_api_key.0.is_empty() {
                    return Err(ConfigError::MissingUpstreamKey);
                }
                let dialect = Dialect::parse(&config.upstream, config.upstream_model.as_deref())
                    .map_err(ConfigError::BadUpstream)?;
                let base = match (&config.upstream_url, dialect.default_base()) {
                    (Some(url), _) => url.clone(),
                    (None, Some(url)) => url.to_owned(),
                    (None, None) => return Err(ConfigError::MissingUpstreamUrl),
                };
                if !(base.starts_with("http://") || base.starts_with("https://")) {
                    return Err(ConfigError::BadUpstreamUrl(base));
                }
                let paths = Paths {
                    submit: config
                        .upstream_submit_path
                        .clone()
                        .unwrap_or_else(|| dialect.submit_path().to_owned()),
                    status: config
                        .upstream_status_path
                        .clone()
                        .unwrap_or_else(|| dialect.status_path().to_owned()),
                };
                let (submit_limit, status_limit) = dialect.published_limits();
                let seconds = Duration::from_secs_f64;
                let settings = UpstreamSettings {
                    api: ApiAt {
                        base,
                        dialect,
                        paths,
                        key: config.upstream_api_key.clone(),
                        timeout: seconds(config.upstream_timeout_seconds),
                        status_retries: config.upstream_status_retries,
                    },
                    submit_limit: config.upstream_submit_limit.map_or(submit_limit, |l| l.0),
                    status_limit: config.upstream_status_limit.map_or(status_limit, |l| l.0),
                    submit_patience: seconds(config.upstream_submit_wait_seconds),
                    fair_turns: config.upstream_fair_turns,
                    pace: Pace {
                        poll: seconds(config.upstream_poll_seconds),
                        fallback: Some(seconds(config.upstream_webhook_fallback_seconds)),
                        idle: Duration::from_secs(60),
                        keep: Duration::from_secs(600),
                        first_answer: Duration::from_secs(20),
                    },
                    callbacks: config
                        .public_url
                        .clone()
                        .map(|url| (url, secret.as_bytes().to_vec())),
                    cluster: cluster.clone(),
                    credits: Some(spending_sink(&spending)),
                };
                Engine::Upstream(Arc::new(Upstream::new(settings, metrics.clone())))
            }
            _ => {
                let fetcher = ImageFetcher::new(
                    AddressPolicy {
                        allow_private: config.allow_private_image_urls,
                    },
                    Duration::from_secs_f64(config.image_fetch_timeout_seconds),
                    config.image_max_mb << 20,
                );
                let workers = match config.sandbox_workers {
                    // One core stays free for HTTP, so renders never delay answers.
                    0 => std::thread::available_parallelism()
                        .map(|n| n.get().saturating_sub(1).max(1))
                        .unwrap_or(1),
                    n => n,
                };
                let settings = SandboxSettings {
                    latency_scale: config.sandbox_latency_scale,
                    result_ttl: Duration::from_secs(config.sandbox_result_ttl_seconds),
                    workers,
                    result_memory: 512 << 20,
                    spill_dir: config.sandbox_spill_dir(),
                    // A quarter of the descriptors (main.rs raised their limit
                    // first), the rest for connections.
                    spill_files: crate::engine::sandbox::spill::open_file_limit() / 4,
                };
                Engine::Sandbox(Arc::new(Sandbox::new(
                    settings,
                    fetcher,
                    metrics.clone(),
                    crate::engine::sandbox::shared_runs::chosen(cluster.as_ref()),
                    eyes.clone(),
                )))
            }
        };
        // A job id is worth remembering as long as its results can be read.
        let keep = match &engine {
            Engine::Upstream(_) => Duration::from_secs(600),
            Engine::Sandbox(_) => Duration::from_secs(config.sandbox_result_ttl_seconds),
        };
        Ok(AppState(Arc::new(Inner {
            spending,
            remembered: Remembered::new(replays, keep),
            tokens: TokenIssuer::new(secret.as_bytes(), config.token_ttl().as_secs()),
            handles: JobHandles::new(secret.as_bytes()),
            server_key: ServerKey::new(&config.server_api_key.0),
            admin_key: (!config.admin_token.0.is_empty())
                .then(|| Arc::new(ServerKey::new(&config.admin_token.0))),
            mint_limiter: RateLimiter::per_minute(config.mint_rate_per_minute, cluster.clone()),
            photo_check: PhotoCheck::new(config.photo_check, eyes),
            cluster,
            engine,
            metrics,
            config,
        })))
    }

    /// Whether pages at `origin` may use the gateway.
    pub fn origin_allowed(&self, origin: &str) -> bool {
        self.config
            .allowed_origins
            .iter()
            .any(|o| o == "*" || o.trim_end_matches('/') == origin)
    }
}
