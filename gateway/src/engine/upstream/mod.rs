//! The upstream engine: forwards jobs to the hosted try-on API with the merchant's
//! key, in the API's own shape ([`dialect`]), within its published limits
//! ([`budget`]), with one reader per job however many shoppers wait on it
//! ([`tracker`]), and webhooks where the API offers them ([`webhook`]).
//!
//! The key goes into one header and nowhere else: not into responses, errors or logs.
//! Status reads are retried (5xx, timeouts) with backoff that honours `Retry-After`;
//! a provider's 429 pauses the budget and never reaches a shopper whose job runs. A
//! submit is sent again only when it provably never reached the API, or when the API
//! refused it for its rate (no job was made).

pub mod budget;
pub mod dialect;
pub mod fair;
pub mod tracker;
pub mod webhook;

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::http::StatusCode;
use serde_json::Value;
use tryon_protocol::{ApiError, Backoff, ErrorName, JobStatus, TryOnRequest};

use self::budget::FairAsk;
use self::budget::{Budget, Limit};
use self::dialect::{Dialect, Submitted};
use self::fair::{FairLine, Place};
use self::tracker::{Pace, Tracker};
use self::webhook::{Delivery, Tickets};
use crate::cluster::Cluster;
use crate::error::GatewayError;
use crate::job_status::{EngineStatus, Wait};
use crate::metrics::Metrics;
use crate::secret::Secret;

/// Retries happen while a client waits for its answer: short waits, and a
/// `Retry-After` longer than 10 s is cut to 10 s.
const BACKOFF: Backoff = Backoff {
    first_seconds: 0.25,
    max_seconds: 4.0,
    max_retry_after_seconds: 10.0,
};
/// A provider's 429 without `Retry-After` pauses its endpoint this long.
const PAUSE_WITHOUT_RETRY_AFTER: Duration = Duration::from_secs(1);
/// The longest pause a provider's `Retry-After` gets.
const LONGEST_PAUSE: Duration = Duration::from_secs(60);
/// 429s in a row after which a status read gives up (the account, not the rate).
const MOST_429S: u32 = 30;

/// Where the API takes submits and answers status reads.
#[derive(Debug, Clone)]
pub struct Paths {
    /// The submit path.
    pub submit: String,
    /// The status path; the job id is appended after a `/`.
    pub status: String,
}

/// Everything the upstream engine is configured with.
#[derive(Debug, Clone)]
pub struct UpstreamSettings {
    /// The API's base URL, e.g. `https://api.fashn.ai`.
    pub base: String,
    /// Its shape.
    pub dialect: Dialect,
    /// Its paths.
    pub paths: Paths,
    /// The merchant's key.
    pub key: Secret,
    /// Time limit of one call.
    pub timeout: Duration,
    /// Retries of a status read after a 5xx or a timeout.
    pub status_retries: u32,
    /// The submit endpoint's limit (`None`: none).
    pub submit_limit: Option<Limit>,
    /// The status endpoint's limit.
    pub status_limit: Option<Limit>,
    /// How long a submit may wait its turn before it is answered 429.
    pub submit_patience: Duration,
    /// Whether waiting submits take turns across addresses and sessions ([`fair`]).
    pub fair_turns: bool,
    /// How the readers pace themselves.
    pub pace: Pace,
    /// With webhooks: the gateway's public URL and its secret for tickets.
    pub callbacks: Option<(String, Vec<u8>)>,
    /// With replicas: the store they share (budget, readers, nonces, statuses).
    pub cluster: Option<Arc<Cluster>>,
    /// Told the cost of each finished job the provider priced.
    pub credits: Option<CreditsSink>,
}

/// The hosted API client.
pub struct Upstream {
    client: reqwest::Client,
    base: String,
    dialect: Dialect,
    paths: Paths,
    key: Secret,
    status_retries: u32,
    submit_patience: Duration,
    submits: Budget,
    /// Submits waiting for a permit take turns across addresses and sessions.
    line: FairLine,
    fair_turns: bool,
    reads: Budget,
    tracker: Tracker,
    tickets: Option<Tickets>,
    metrics: Arc<Metrics>,
    cluster: Option<Arc<Cluster>>,
    /// How long a job's status and nonce are kept in the shared store.
    keep: Duration,
    /// Told the cost of each finished job.
    pub(crate) credits: Option<CreditsSink>,
}

/// What went wrong talking to the API, before it is turned into an answer.
enum Failure {
    /// The request never reached the API (safe to repeat).
    NotSent,
    /// No answer in time (the API may have acted on it).
    Timeout,
    /// The connection broke after sending.
    Broken,
    /// An HTTP answer other than 2xx.
    Http {
        status: StatusCode,
        /// Its `Retry-After`, in seconds from now.
        retry_after: Option<f64>,
        error: Option<ApiError>,
    },
}

impl Failure {
    /// The outcome's name in metrics.
    fn outcome(&self) -> &'static str {
        match self {
            Failure::NotSent => "unreachable",
            Failure::Timeout | Failure::Broken => "timeout",
            Failure::Http { status, .. } if *status == StatusCode::TOO_MANY_REQUESTS => {
                "rate_limited"
            }
            Failure::Http { status, .. } if status.is_server_error() => "server_error",
            Failure::Http { .. } => "refused",
        }
    }

    /// A 429 that waiting can cure (not an empty account), and how long to wait.
    fn rate_limited(&self) -> Option<Duration> {
        match self {
            Failure::Http {
                status: StatusCode::TOO_MANY_REQUESTS,
                retry_after,
                error,
            } if !out_of_credits(error.as_ref()) => Some(retry_after.map_or(
                PAUSE_WITHOUT_RETRY_AFTER,
                // Clamped first: a provider's absurd Retry-After must not panic here.
                |s| Duration::from_secs_f64(s.clamp(0.0, LONGEST_PAUSE.as_secs_f64())),
            )),
            _ => None,
        }
    }
}

/// One status read: the status in the contract's terms, and the provider's own error
/// name when it had to be mapped.
pub struct StatusRead {
    /// The status.
    pub status: EngineStatus,
    /// The provider's name for the error, when it differs from the contract's.
    pub provider_error: Option<String>,
    /// What the job cost, when the provider said (`x-fashn-credits-used`).
    pub credits: Option<f64>,
}

/// A 2xx answer of the API.
struct Reply {
    body: Value,
    /// Its `x-fashn-credits-used`.
    credits: Option<f64>,
}

/// The header with which FASHN tells a finished job's cost, in credits.
const CREDITS_USED: &str = "x-fashn-credits-used";

/// Where the cost of finished jobs goes (the merchant's day total).
#[derive(Clone)]
pub struct CreditsSink(pub Arc<dyn Fn(f64) + Send + Sync>);

impl std::fmt::Debug for CreditsSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CreditsSink")
    }
}

impl Upstream {
    /// A client for the API `settings` describe.
    pub fn new(settings: UpstreamSettings, metrics: Arc<Metrics>) -> Self {
        let client = crate::outbound_client(settings.timeout)
            .build()
            .expect("the HTTP client's settings are valid");
        let tickets = settings
            .callbacks
            .as_ref()
            .filter(|_| settings.dialect.offers_webhooks())
            .map(|(public_url, secret)| Tickets::new(secret, public_url));
        let mut pace = settings.pace;
        if tickets.is_none() {
            pace.fallback = None;
        }
        let keep = pace.keep;
        let budget = |limit, endpoint| match &settings.cluster {
            Some(cluster) => Budget::shared(limit, cluster.clone(), endpoint, settings.timeout),
            None => Budget::new(limit),
        };
        Upstream {
            client,
            base: settings.base.trim_end_matches('/').to_owned(),
            dialect: settings.dialect,
            paths: settings.paths,
            key: settings.key,
            status_retries: settings.status_retries,
            submit_patience: settings.submit_patience,
            // Spread when shoppers take fair turns: the next permit is never far.
            submits: if settings.fair_turns {
                budget(settings.submit_limit, "submit").spread()
            } else {
                budget(settings.submit_limit, "submit")
            },
            line: FairLine::default(),
            fair_turns: settings.fair_turns,
            reads: budget(settings.status_limit, "status"),
            tracker: Tracker::new(pace, settings.cluster.clone()),
            tickets,
            metrics,
            cluster: settings.cluster,
            keep,
            credits: settings.credits,
        }
    }

    /// The API's shape.
    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// Whether jobs are submitted with a callback URL.
    pub fn uses_webhooks(&self) -> bool {
        self.tickets.is_some()
    }

    /// Jobs whose status this process follows now.
    pub fn followed_jobs(&self) -> usize {
        self.tracker.followed()
    }

    /// One call, its outcome counted.
    async fn call(
        &self,
        endpoint: &'static str,
        request: reqwest::RequestBuilder,
    ) -> Result<Reply, Failure> {
        let answer = self.call_once(request).await;
        self.metrics.upstream_call(
            endpoint,
            answer.as_ref().err().map_or("ok", Failure::outcome),
        );
        answer
    }

    async fn call_once(&self, request: reqwest::RequestBuilder) -> Result<Reply, Failure> {
        let response = request.bearer_auth(&self.key.0).send().await.map_err(|e| {
            if e.is_connect() {
                Failure::NotSent
            } else if e.is_timeout() {
                Failure::Timeout
            } else {
                Failure::Broken
            }
        })?;
        let status = response.status();
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs_f64();
        let retry_after = provider_retry_after(response.headers(), now);
        // FASHN says what a finished job cost on its terminal status answer.
        let credits = response
            .headers()
            .get(CREDITS_USED)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<f64>().ok())
            .filter(|c| c.is_finite() && *c >= 0.0);
        let body: Value = response.json().await.unwrap_or(Value::Null);
        if status.is_success() {
            return Ok(Reply { body, credits });
        }
        let status = StatusCode::from_u16(status.as_u16()).unwrap_or(StatusCode::BAD_GATEWAY);
        Err(Failure::Http {
            status,
            retry_after,
            error: dialect::error_in(self.dialect, &body),
        })
    }

    /// Submits a job in its turn within the submit budget; returns the API's job id.
    /// Waiting submits take turns round-robin across `place`s ([`fair`]). A submit
    /// that waited `submit_patience` without its turn is answered 429 with the wait
    /// to expect.
    pub async fn submit(
        self: &Arc<Self>,
        request: &TryOnRequest,
        place: &Place,
    ) -> Result<String, GatewayError> {
        let url = format!("{}{}", self.base, self.paths.submit);
        let payload = self.dialect.submit_body(request).map_err(|refusal| {
            let mut e = GatewayError::new(
                StatusCode::BAD_REQUEST,
                ErrorName::InvalidRequest,
                refusal.message,
            );
            e.error.field = Some(refusal.field.into());
            e
        })?;
        let callback = self.tickets.as_ref().map(Tickets::mint);
        let deadline = Instant::now() + self.submit_patience;
        let mut not_sent = 0;
        let body = loop {
            let patience = deadline.saturating_duration_since(Instant::now());
            // Only the holder of the turn asks the budget, so its order is the round's.
            let turn = match self.submits.limit().filter(|_| self.fair_turns) {
                Some(limit) => {
                    let until = tokio::time::Instant::now() + patience;
                    // Out of patience, it comes back after its place (the addresses
                    // with fewer turns lately and its own address's other sessions).
                    let Some(turn) = self.line.turn(place, until).await else {
                        self.metrics.upstream_call("submit", "budget");
                        let ahead = self.line.ahead_of(place) as u32 + 1;
                        let wait = ((limit.per / limit.requests.max(1)) * ahead).min(limit.per);
                        let waiting = self.line.waiting() + self.submits.waiting();
                        return Err(busy(wait, waiting));
                    };
                    Some(turn)
                }
                None => None,
            };
            let patience = deadline.saturating_duration_since(Instant::now());
            // In a fair turn, replicas give a free permit to the fewest turns first.
            let heard_turns = |turns| self.line.saw_turns(&place.address, turns);
            let fair = turn.as_ref().map(|_| FairAsk {
                address: &place.address,
                heard_turns: &heard_turns,
            });
            let asked = self.submits.ticket_for(Some(patience), fair);
            let answer = match &turn {
                Some(held) => tokio::select! {
                    answer = asked => Some(answer),
                    () = held.outranked() => None,
                },
                None => Some(asked.await),
            };
            let Some(answer) = answer else {
                // An address with fewer turns waits behind this submit here: it goes
                // first and claims the next permit; this one queues again.
                if let Some(held) = turn {
                    held.step_aside();
                }
                continue;
            };
            let ticket = match answer {
                Ok(ticket) => ticket,
                Err(wait) => {
                    self.metrics.upstream_call("submit", "budget");
                    return Err(busy(wait, self.line.waiting() + self.submits.waiting()));
                }
            };
            drop(turn);
            let mut call = self.client.post(&url).json(&payload);
            if let Some(callback) = &callback {
                call = call.query(&[("webhook_url", &callback.url)]);
            }
            let answer = self.call("submit", call).await;
            ticket.answered();
            let failure = match answer {
                Ok(reply) => break reply.body,
                Err(failure) => failure,
            };
            match failure {
                Failure::NotSent if not_sent < 2 => {
                    tokio::time::sleep(wait(not_sent, None)).await;
                    not_sent += 1;
                    continue;
                }
                Failure::Timeout | Failure::Broken => {
                    // It may have been accepted: never send it twice behind the client's back.
                    return Err(GatewayError::upstream_unavailable(
                        StatusCode::GATEWAY_TIMEOUT,
                        "The hosted try-on API did not confirm the job in time. It may still run: wait a minute before submitting again.",
                    ));
                }
                _ => {}
            }
            // Refused for its rate: no job was made, so it may go again in its turn.
            if let Some(pause) = failure.rate_limited() {
                self.submits.pause(pause);
                if Instant::now() + pause < deadline {
                    tracing::warn!(
                        ?pause,
                        "the hosted API refused a submit for its rate; waiting"
                    );
                    continue;
                }
            }
            return Err(self.explain(failure, "submit"));
        };
        match self.dialect.read_submit(&body) {
            Submitted::Id(id) => {
                let nonce = callback.map(|c| c.nonce);
                if let Some(cluster) = &self.cluster {
                    // Any replica can answer for it, and check its callbacks, from now.
                    let seed = EngineStatus::running(JobStatus::Starting);
                    let shared = async {
                        if let Some(nonce) = &nonce {
                            cluster.store_nonce(&id, nonce, self.keep).await?;
                        }
                        cluster.store_status(&id, &seed, self.keep).await
                    };
                    if let Err(down) = shared.await {
                        tracing::warn!(error = %down.0, "a submitted job could not be shared");
                    }
                    tracker::lead(self, &id).await;
                }
                tracker::follow_submitted(self, &id, nonce);
                Ok(id)
            }
            Submitted::Refused(error) => Err(GatewayError {
                // The merchant's account was refused, not the shopper's request.
                status: if error.name == ErrorName::UpstreamRejected {
                    StatusCode::BAD_GATEWAY
                } else {
                    StatusCode::BAD_REQUEST
                },
                error,
                retry_after: None,
            }),
            Submitted::Unreadable => Err(GatewayError::upstream_unavailable(
                StatusCode::BAD_GATEWAY,
                "The hosted try-on API answered the submit without a job id.",
            )),
        }
    }

    /// A job's status, from its one reader; long-polls when asked.
    pub async fn status(
        self: &Arc<Self>,
        id: &str,
        wait: Option<Wait>,
    ) -> Result<Option<EngineStatus>, GatewayError> {
        tracker::status(self, id, wait).await
    }

    /// Whether `ticket` carries this gateway's seal (checked before any body is read).
    pub fn ticket_is_sealed(&self, ticket: &str) -> bool {
        self.tickets.as_ref().and_then(|t| t.open(ticket)).is_some()
    }

    /// A webhook delivery to `ticket` with `body`: what becomes of it.
    pub async fn callback(&self, ticket: &str, body: &Value) -> Delivery {
        let opened = self.tickets.as_ref().and_then(|t| t.open(ticket));
        let delivery = match (opened, webhook::job_id_in(body)) {
            (Some(nonce), Some(id)) => tracker::nudge(self, id, &nonce).await,
            _ => Delivery::Forged,
        };
        self.metrics.upstream_callback(delivery.as_str());
        delivery
    }

    /// One status read within the status budget, retrying 5xx and timeouts; a 429
    /// pauses the budget and reads again, never failing the job's waiters.
    async fn read_status(&self, id: &str) -> Result<Option<StatusRead>, GatewayError> {
        // The provider's id is one path segment, whatever it holds.
        let id: String = url::form_urlencoded::byte_serialize(id.as_bytes()).collect();
        let url = format!(
            "{}{}/{}",
            self.base,
            self.paths.status.trim_end_matches('/'),
            id.replace('+', "%20")
        );
        let mut attempt = 0;
        let mut limited = 0;
        let body = loop {
            let ticket = self.reads.ticket().await;
            let answer = self.call("status", self.client.get(&url)).await;
            ticket.answered();
            let failure = match answer {
                Ok(reply) => break reply,
                Err(Failure::Http {
                    status: StatusCode::NOT_FOUND,
                    ..
                }) => return Ok(None),
                Err(f) => f,
            };
            if let (Some(pause), true) = (failure.rate_limited(), limited < MOST_429S) {
                tracing::warn!(
                    ?pause,
                    "the hosted API refused a status read for its rate; waiting"
                );
                self.reads.pause(pause);
                limited += 1;
                continue;
            }
            let (transient, retry_after) = match &failure {
                Failure::NotSent | Failure::Timeout | Failure::Broken => (true, None),
                Failure::Http {
                    status,
                    retry_after,
                    ..
                } => (status.is_server_error(), *retry_after),
            };
            if !transient || attempt >= self.status_retries {
                return Err(self.explain(failure, "status read"));
            }
            tracing::warn!(attempt, "upstream status read failed; retrying");
            tokio::time::sleep(wait(attempt, retry_after)).await;
            attempt += 1;
        };
        let Reply { body, credits } = body;
        let status = self.dialect.read_status(&body).ok_or_else(|| {
            GatewayError::upstream_unavailable(
                StatusCode::BAD_GATEWAY,
                "The hosted try-on API answered the status read with something unreadable.",
            )
        })?;
        let mut status = without_pictures_is_a_failure(status);
        // Kept with the status, so that a terminal answer can say what it cost.
        status.credits = credits.filter(|_| status.status.is_terminal());
        Ok(Some(StatusRead {
            status,
            provider_error: dialect::provider_error_name(&body),
            credits,
        }))
    }

    fn explain(&self, failure: Failure, what: &str) -> GatewayError {
        match failure {
            Failure::NotSent => GatewayError::upstream_unavailable(
                StatusCode::BAD_GATEWAY,
                format!("The hosted try-on API could not be reached for the {what}: retry in a moment."),
            )
            .with_retry_after(2),
            Failure::Timeout | Failure::Broken => GatewayError::upstream_unavailable(
                StatusCode::GATEWAY_TIMEOUT,
                format!("The hosted try-on API did not answer the {what} in time: retry in a moment."),
            )
            .with_retry_after(2),
            Failure::Http { status, retry_after, error } => match status {
                StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => GatewayError::new(
                    StatusCode::BAD_GATEWAY,
                    ErrorName::UpstreamRejected,
                    format!(
                        "The hosted try-on API refused the gateway's API key ({}): the merchant must check TRYON_UPSTREAM_API_KEY.",
                        status.as_u16()
                    ),
                ),
                // A status read's 404 is a job that does not exist (answered before
                // this); a submit's is an API that is not where the gateway looks.
                StatusCode::NOT_FOUND => GatewayError::new(
                    StatusCode::BAD_GATEWAY,
                    ErrorName::UpstreamRejected,
                    format!(
                        "The hosted try-on API has no {what} endpoint at {}{}: the merchant must check TRYON_UPSTREAM (now {}), TRYON_UPSTREAM_URL and the paths.",
                        self.base, self.paths.submit, self.dialect
                    ),
                ),
                // FASHN answers 429 for an empty account too: no wait will help, and
                // only the merchant can.
                StatusCode::TOO_MANY_REQUESTS if out_of_credits(error.as_ref()) =>
                {
                    GatewayError::new(
                        StatusCode::BAD_GATEWAY,
                        ErrorName::UpstreamRejected,
                        "The merchant's hosted try-on account is out of credits: the merchant must top it up.",
                    )
                }
                StatusCode::TOO_MANY_REQUESTS => GatewayError::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    ErrorName::RateLimitExceeded,
                    match error {
                        Some(upstream) => format!(
                            "The hosted try-on API is busy ({}): retry shortly.",
                            upstream.message
                        ),
                        None => "The hosted try-on API is busy: retry shortly.".to_owned(),
                    },
                )
                .with_retry_after(whole_seconds(retry_after).unwrap_or(5)),
                s if s.is_client_error() => GatewayError {
                    status: s,
                    error: error.unwrap_or_else(|| {
                        ApiError::new(ErrorName::InvalidRequest, format!("The hosted try-on API refused the {what} ({}).", s.as_u16()))
                    }),
                    retry_after: None,
                },
                s => GatewayError::upstream_unavailable(
                    StatusCode::BAD_GATEWAY,
                    format!("The hosted try-on API failed the {what} ({}): retry in a moment.", s.as_u16()),
                )
                .with_retry_after(whole_seconds(retry_after).unwrap_or(2)),
            },
        }
    }
}

/// FASHN and TryItOn answer 429 for an empty account too: no wait will help, and only
/// the merchant can.
/// The wait a provider asks for, in seconds: `retry-after-ms` (milliseconds, as the
/// providers' generated SDKs read first), else `Retry-After` as seconds with decimals
/// allowed, or as an HTTP date. (The widget's parser reads whole seconds only, to stay
/// small; the gateway reads what providers send.)
fn provider_retry_after(headers: &reqwest::header::HeaderMap, now: f64) -> Option<f64> {
    let number = |name: &str| -> Option<f64> {
        let text = headers.get(name)?.to_str().ok()?.trim();
        text.parse::<f64>()
            .ok()
            .filter(|n| n.is_finite() && *n >= 0.0)
    };
    if let Some(ms) = number("retry-after-ms") {
        return Some(ms / 1000.0);
    }
    number("retry-after").or_else(|| {
        let text = headers.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?;
        tryon_protocol::retry_after(text, now)
    })
}

fn out_of_credits(error: Option<&ApiError>) -> bool {
    error.is_some_and(|e| e.message.contains("OutOfCredits"))
}

/// A submit that did not get its turn in time: 429, with the wait to expect.
fn busy(wait: Duration, waiting: usize) -> GatewayError {
    let seconds = wait.as_secs_f64().ceil().max(1.0) as u64;
    GatewayError::new(
        StatusCode::TOO_MANY_REQUESTS,
        ErrorName::RateLimitExceeded,
        format!(
            "The try-on service is busy ({waiting} more shoppers are waiting to start): retry in {seconds} s."
        ),
    )
    .with_retry_after(seconds)
}

/// How long to wait before retry number `attempt`.
fn wait(attempt: u32, retry_after: Option<f64>) -> Duration {
    Duration::from_secs_f64(BACKOFF.delay(attempt, retry_after))
}

/// A `Retry-After` passed on to the gateway's own client, in whole seconds (rounded
/// up, so the client never comes back early).
fn whole_seconds(retry_after: Option<f64>) -> Option<u64> {
    retry_after.map(|seconds| seconds.ceil() as u64)
}

/// A job the API calls `completed` with no picture (the output empty or left out) is a
/// failure: the shopper is told so and may try again, rather than shown nothing.
fn without_pictures_is_a_failure(status: EngineStatus) -> EngineStatus {
    let has_pictures = status
        .output
        .as_ref()
        .is_some_and(|output| output.iter().any(|url| !url.is_empty()));
    if status.status != JobStatus::Completed || has_pictures {
        return status;
    }
    tracing::warn!("the upstream reported a job completed without pictures");
    EngineStatus {
        status: JobStatus::Failed,
        output: None,
        error: Some(ApiError::new(
            ErrorName::PipelineError,
            "The try-on service finished without pictures: please try again.",
        )),
        engine_ms: None,
        credits: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_providers_wait_is_read_in_milliseconds_decimals_or_a_date() {
        use reqwest::header::{HeaderMap, HeaderValue};
        let headers = |pairs: &[(&'static str, &'static str)]| {
            let mut map = HeaderMap::new();
            for (name, value) in pairs {
                map.insert(*name, HeaderValue::from_static(value));
            }
            map
        };
        let now = 1_000_000.0;
        let read =
            |pairs: &[(&'static str, &'static str)]| provider_retry_after(&headers(pairs), now);
        assert_eq!(read(&[("retry-after-ms", "1500")]), Some(1.5));
        assert_eq!(
            read(&[("retry-after-ms", "250"), ("retry-after", "9")]),
            Some(0.25)
        );
        assert_eq!(read(&[("retry-after", "2.75")]), Some(2.75));
        assert_eq!(read(&[("retry-after", "3")]), Some(3.0));
        assert_eq!(
            read(&[("retry-after", "Mon, 12 Jan 1970 13:46:50 GMT")]),
            Some(10.0)
        );
        assert_eq!(read(&[("retry-after-ms", "soon")]), None);
        assert_eq!(read(&[("retry-after", "-1")]), None);
        assert_eq!(read(&[]), None);
    }
}
