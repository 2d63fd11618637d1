//! Prometheus metrics, kept and written out by `prometheus-client` (the Prometheus
//! project's own Rust client) in the OpenMetrics text format, with a HELP line for
//! every metric. Chosen over `metrics` + `metrics-exporter-prometheus` by what it
//! costs: 7 crates more in the build against 33, and no second clock or recorder
//! layer for the dozen series the gateway has.
//!
//! It speaks in the contract's types only, so the engines can report to it without it
//! knowing them (the engines depend on it, never the other way round).

use std::time::Duration;

use prometheus_client::encoding::text::encode;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;
use tryon_protocol::{ApiError, JobStatus};

/// What `/metrics` answers with: the OpenMetrics text format, which Prometheus asks for
/// and reads.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

const JOB_BUCKETS: [f64; 10] = [0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 20.0, 30.0, 60.0];
const REQUEST_BUCKETS: [f64; 11] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0, 5.0, 30.0,
];

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Renewal {
    renewed: bool,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Refusal {
    reason: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OnEngine {
    engine: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Outcome {
    engine: &'static str,
    status: String,
    error: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StatusRead {
    engine: &'static str,
    status: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Route {
    route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Answer {
    route: String,
    code: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct UpstreamCall {
    endpoint: &'static str,
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct UpstreamError {
    provider: &'static str,
    upstream: String,
    contract: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RedisOp {
    op: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Callback {
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PhotoVerdict {
    verdict: &'static str,
}

type Histograms<L> = Family<L, Histogram, fn() -> Histogram>;

/// The gateway's counters and histograms.
pub struct Metrics {
    registry: Registry,
    sessions_minted: Family<Renewal, Counter>,
    sessions_refused: Family<Refusal, Counter>,
    jobs_submitted: Family<OnEngine, Counter>,
    jobs_finished: Family<Outcome, Counter>,
    job_seconds: Histograms<OnEngine>,
    status_reads: Family<StatusRead, Counter>,
    requests: Family<Answer, Counter>,
    request_seconds: Histograms<Route>,
    upstream_calls: Family<UpstreamCall, Counter>,
    upstream_errors: Family<UpstreamError, Counter>,
    upstream_callbacks: Family<Callback, Counter>,
    redis_up: Gauge,
    redis_commands: Family<RedisOp, Counter>,
    redis_errors: Family<RedisOp, Counter>,
    photo_checks: Family<PhotoVerdict, Counter>,
    pose_model_runs: Counter,
    submits_refused: Family<Refusal, Counter>,
    images_today: Gauge,
    credits_today: Gauge<f64, std::sync::atomic::AtomicU64>,
    budget_left: Gauge,
    budget: Gauge,
}

impl Default for Metrics {
    fn default() -> Self {
        let metrics = Metrics {
            registry: Registry::default(),
            sessions_minted: Family::default(),
            sessions_refused: Family::default(),
            jobs_submitted: Family::default(),
            jobs_finished: Family::default(),
            job_seconds: Family::new_with_constructor(|| Histogram::new(JOB_BUCKETS)),
            status_reads: Family::default(),
            requests: Family::default(),
            request_seconds: Family::new_with_constructor(|| Histogram::new(REQUEST_BUCKETS)),
            upstream_calls: Family::default(),
            upstream_errors: Family::default(),
            upstream_callbacks: Family::default(),
            redis_up: Gauge::default(),
            redis_commands: Family::default(),
            redis_errors: Family::default(),
            photo_checks: Family::default(),
            pose_model_runs: Counter::default(),
            submits_refused: Family::default(),
            images_today: Gauge::default(),
            credits_today: Gauge::default(),
            budget_left: Gauge::default(),
            budget: Gauge::default(),
        };
        let mut registry = Registry::default();
        // Counters are registered without `_total`: the encoder adds it to the samples.
        registry.register(
            "tryon_sessions_minted",
            "Session tokens minted, renewals of a session counted apart",
            metrics.sessions_minted.clone(),
        );
        registry.register(
            "tryon_sessions_refused",
            "Session tokens refused, by reason (origin, rate_limit, token)",
            metrics.sessions_refused.clone(),
        );
        registry.register(
            "tryon_jobs_submitted",
            "Try-on jobs accepted, by engine",
            metrics.jobs_submitted.clone(),
        );
        registry.register(
            "tryon_jobs_finished",
            "Try-on jobs run to their end in the gateway (sandbox), by engine, status and error name",
            metrics.jobs_finished.clone(),
        );
        registry.register(
            "tryon_job_duration_seconds",
            "Time from a job's submit to its end (sandbox), by engine",
            metrics.job_seconds.clone(),
        );
        registry.register(
            "tryon_status_reads",
            "Status reads answered, by engine and the status they gave (upstream jobs are seen only this way)",
            metrics.status_reads.clone(),
        );
        registry.register(
            "tryon_http_requests",
            "HTTP requests answered, by matched route and status code",
            metrics.requests.clone(),
        );
        registry.register(
            "tryon_http_request_duration_seconds",
            "Time to answer an HTTP request, by matched route (long-polls included)",
            metrics.request_seconds.clone(),
        );
        registry.register(
            "tryon_upstream_calls",
            "Calls to the hosted API, by endpoint (submit, status) and outcome (ok, refused, rate_limited, server_error, unreachable, timeout; budget: a submit the gateway held back itself)",
            metrics.upstream_calls.clone(),
        );
        registry.register(
            "tryon_upstream_errors",
            "Failed upstream jobs by the provider's own error name and the contract name shoppers were given",
            metrics.upstream_errors.clone(),
        );
        registry.register(
            "tryon_upstream_callbacks",
            "Upstream webhook deliveries, by outcome (confirmed: a status read of the gateway's own followed; duplicate; forged; unknown: a job this process does not follow)",
            metrics.upstream_callbacks.clone(),
        );
        registry.register(
            "tryon_redis_up",
            "1 while the shared store (Redis, TRYON_REDIS_URL) answered its last command; 0 while it cannot be reached, or when none is configured",
            metrics.redis_up.clone(),
        );
        registry.register(
            "tryon_redis_commands",
            "Commands sent to the shared store, by operation",
            metrics.redis_commands.clone(),
        );
        registry.register(
            "tryon_redis_errors",
            "Commands to the shared store that failed or got no answer in time, by operation",
            metrics.redis_errors.clone(),
        );
        registry.register(
            "tryon_photo_checks",
            "Looks at shoppers' photos, by verdict (fine, advice: /v1/precheck found problems; off: the check is turned off; job_refused: a submitted photo showed nobody)",
            metrics.photo_checks.clone(),
        );
        registry.register(
            "tryon_pose_model_runs",
            "Photos the pose models looked at; a photo seen in the last 10 minutes is remembered, and requests for a photo being looked at wait for that look",
            metrics.pose_model_runs.clone(),
        );
        registry.register(
            "tryon_submits_refused",
            "Submits refused before any job was made, by reason (session_quota, address_quota, spending_limit, store_down)",
            metrics.submits_refused.clone(),
        );
        registry.register(
            "tryon_images_spent_today",
            "Try-on images accepted today (UTC), for the merchant's key as a whole, as this replica last saw the total",
            metrics.images_today.clone(),
        );
        registry.register(
            "tryon_credits_spent_today",
            "Provider credits the jobs accepted today (UTC) were reported to cost (FASHN's x-fashn-credits-used)",
            metrics.credits_today.clone(),
        );
        registry.register(
            "tryon_daily_image_budget_left",
            "Images left of TRYON_DAILY_IMAGE_BUDGET today (UTC); 0 also when there is none (TRYON_DAILY_IMAGE_BUDGET=off, /healthz tells)",
            metrics.budget_left.clone(),
        );
        registry.register(
            "tryon_daily_image_budget",
            "TRYON_DAILY_IMAGE_BUDGET: images the key may spend per UTC day; 0 when there is no cap (alerts divide by it only when it is above 0)",
            metrics.budget.clone(),
        );
        Metrics {
            registry,
            ..metrics
        }
    }
}

impl Metrics {
    /// A submit was refused before any job was made, for `reason`.
    pub fn submit_refused(&self, reason: &'static str) {
        self.submits_refused
            .get_or_create(&Refusal { reason })
            .inc();
    }

    /// Today's images spent, and what is left of `budget`.
    pub fn images_today(&self, images: u64, budget: Option<u64>) {
        self.images_today.set(images as i64);
        if let Some(budget) = budget {
            self.budget_left(budget.saturating_sub(images));
        }
    }

    /// The daily budget itself (set once at start-up).
    pub fn budget(&self, images: u64) {
        self.budget.set(images as i64);
    }

    /// What is left of today's budget.
    pub fn budget_left(&self, images: u64) {
        self.budget_left.set(images as i64);
    }

    /// Today's provider credits.
    pub fn credits_today(&self, credits: f64) {
        self.credits_today.set(credits);
    }

    /// A photo was looked at, with this verdict.
    pub fn photo_checked(&self, verdict: &'static str) {
        self.photo_checks
            .get_or_create(&PhotoVerdict { verdict })
            .inc();
    }

    /// The pose models looked at a photo they had not seen.
    pub fn pose_models_ran(&self) {
        self.pose_model_runs.inc();
    }

    /// A token was minted (or renewed).
    pub fn session_minted(&self, renewed: bool) {
        self.sessions_minted
            .get_or_create(&Renewal { renewed })
            .inc();
    }

    /// A mint was refused, and why (`origin`, `rate_limit`, `token`).
    pub fn session_refused(&self, reason: &'static str) {
        self.sessions_refused
            .get_or_create(&Refusal { reason })
            .inc();
    }

    /// A job was accepted by `engine`.
    pub fn job_submitted(&self, engine: &'static str) {
        self.jobs_submitted
            .get_or_create(&OnEngine { engine })
            .inc();
    }

    /// A job ran to its end on `engine`, with this status and, if it failed, error.
    pub fn job_finished(
        &self,
        engine: &'static str,
        status: &JobStatus,
        error: Option<&ApiError>,
        took: Duration,
    ) {
        let outcome = Outcome {
            engine,
            status: status.to_string(),
            error: error.map(|e| e.name.to_string()).unwrap_or_default(),
        };
        self.jobs_finished.get_or_create(&outcome).inc();
        self.job_seconds
            .get_or_create(&OnEngine { engine })
            .observe(took.as_secs_f64());
    }

    /// A status read answered with `status` (upstream jobs are seen only this way).
    pub fn status_read(&self, engine: &'static str, status: &str) {
        let read = StatusRead {
            engine,
            status: status.to_owned(),
        };
        self.status_reads.get_or_create(&read).inc();
    }

    /// A call to the hosted API's `endpoint` ended with `outcome`.
    pub fn upstream_call(&self, endpoint: &'static str, outcome: &'static str) {
        self.upstream_calls
            .get_or_create(&UpstreamCall { endpoint, outcome })
            .inc();
    }

    /// An upstream job failed with `upstream` (the provider's name), given to
    /// shoppers as `contract`.
    pub fn upstream_error(&self, provider: &'static str, upstream: &str, contract: &str) {
        let error = UpstreamError {
            provider,
            upstream: upstream.to_owned(),
            contract: contract.to_owned(),
        };
        self.upstream_errors.get_or_create(&error).inc();
    }

    /// Whether the shared store answers.
    pub fn redis_up(&self, up: bool) {
        self.redis_up.set(i64::from(up));
    }

    /// A command `op` was sent to the shared store.
    pub fn redis_command(&self, op: &'static str) {
        self.redis_commands.get_or_create(&RedisOp { op }).inc();
    }

    /// A command `op` to the shared store failed.
    pub fn redis_error(&self, op: &'static str) {
        self.redis_errors.get_or_create(&RedisOp { op }).inc();
    }

    /// A webhook delivery ended with `outcome`.
    pub fn upstream_callback(&self, outcome: &'static str) {
        self.upstream_callbacks
            .get_or_create(&Callback { outcome })
            .inc();
    }

    /// An HTTP request on `route` answered `code` after `took`.
    pub fn request(&self, route: &str, code: u16, took: Duration) {
        let answer = Answer {
            route: route.to_owned(),
            code,
        };
        self.requests.get_or_create(&answer).inc();
        self.request_seconds
            .get_or_create(&Route {
                route: answer.route,
            })
            .observe(took.as_secs_f64());
    }

    /// Everything, in the OpenMetrics text format ([`CONTENT_TYPE`]).
    pub fn render(&self) -> String {
        let mut out = String::new();
        encode(&mut out, &self.registry).expect("writing to a String cannot fail");
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tryon_protocol::ErrorName;

    #[test]
    fn every_metric_has_help_and_keeps_its_name() {
        let metrics = Metrics::default();
        metrics.session_minted(false);
        metrics.session_refused("origin");
        metrics.job_submitted("sandbox");
        let failed = ApiError::new(ErrorName::PoseError, "no person");
        metrics.job_finished(
            "sandbox",
            &JobStatus::Failed,
            Some(&failed),
            Duration::from_millis(1500),
        );
        metrics.status_read("upstream", "in_queue");
        metrics.request("/api/v1/status/{id}", 200, Duration::from_millis(3));
        metrics.upstream_call("status", "rate_limited");
        metrics.upstream_error("FASHN", "LoRALoadError", "PipelineError");
        metrics.upstream_callback("forged");
        metrics.redis_up(true);
        metrics.redis_error("mint_limit");
        let text = metrics.render();
        for name in [
            "tryon_sessions_minted",
            "tryon_sessions_refused",
            "tryon_jobs_submitted",
            "tryon_jobs_finished",
            "tryon_job_duration_seconds",
            "tryon_status_reads",
            "tryon_http_requests",
            "tryon_http_request_duration_seconds",
            "tryon_upstream_calls",
            "tryon_upstream_errors",
            "tryon_upstream_callbacks",
            "tryon_redis_up",
            "tryon_redis_errors",
        ] {
            assert!(text.contains(&format!("# HELP {name} ")), "{name}:\n{text}");
        }
        for sample in [
            "tryon_sessions_minted_total{renewed=\"false\"} 1",
            "tryon_upstream_calls_total{endpoint=\"status\",outcome=\"rate_limited\"} 1",
            "tryon_upstream_errors_total{provider=\"FASHN\",upstream=\"LoRALoadError\",contract=\"PipelineError\"} 1",
            "tryon_redis_up 1",
            "tryon_sessions_refused_total{reason=\"origin\"} 1",
            "tryon_jobs_finished_total{engine=\"sandbox\",status=\"failed\",error=\"PoseError\"} 1",
            "tryon_job_duration_seconds_bucket{le=\"2.5\",engine=\"sandbox\"} 1",
            "tryon_job_duration_seconds_bucket{le=\"1.0\",engine=\"sandbox\"} 0",
            "tryon_status_reads_total{engine=\"upstream\",status=\"in_queue\"} 1",
            "tryon_http_requests_total{route=\"/api/v1/status/{id}\",code=\"200\"} 1",
            "tryon_http_request_duration_seconds_count{route=\"/api/v1/status/{id}\"} 1",
        ] {
            assert!(text.contains(sample), "{sample}:\n{text}");
        }
        assert!(text.ends_with("# EOF\n"));
    }

    #[test]
    fn label_values_are_escaped() {
        let metrics = Metrics::default();
        metrics.status_read("upstream", "we\"ird\nstatus");
        assert!(metrics.render().contains(r#"status="we\"ird\nstatus"} 1"#));
    }
}
