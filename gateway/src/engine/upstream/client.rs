//! The hosted API's client: one call with the merchant's key, its outcome counted,
//! and a job's status read within the status budget. The key goes into one header
//! and nowhere else: not into answers, errors or logs.
//!
//! A status read is retried (`backon`): unreached, unanswered and 5xx reads with
//! exponential backoff (0.25 s doubling to 4 s), waiting what the provider's
//! `Retry-After` asks instead (10 s at most: a shopper is waiting); a 429 pauses the
//! status budget and reads again in its turn, never failing the job's waiters.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::http::StatusCode;
use backon::{ExponentialBuilder, Retryable};
use serde_json::Value;
use tryon_protocol::{ApiError, ErrorName, JobStatus};

use super::budget::Budget;
use super::dialect::{self, Dialect};
use super::failure::Failure;
use super::tracker::{StatusRead, StatusSource};
use super::wording::{self, Where};
use crate::error::GatewayError;
use crate::job_status::EngineStatus;
use crate::metrics::Metrics;
use crate::secret::Secret;

/// 429s in a row after which a status read gives up (the account, not the rate).
const MOST_429S: u32 = 30;
/// The longest wait between two tries of a status read, whatever the provider asks.
const LONGEST_RETRY_WAIT: f64 = 10.0;

/// Where the API takes submits and answers status reads.
#[derive(Debug, Clone)]
pub struct Paths {
    /// The submit path.
    pub submit: String,
    /// The status path; the job id is appended after a `/`.
    pub status: String,
}

/// A 2xx answer of the API.
struct Reply {
    body: Value,
    /// Its `x-fashn-credits-used`.
    credits: Option<f64>,
}

/// The header with which FASHN tells a finished job's cost, in credits.
pub const CREDITS_USED: &str = "x-fashn-credits-used";

/// Where the cost of finished jobs goes (the merchant's day total).
#[derive(Clone)]
pub struct CreditsSink(pub Arc<dyn Fn(f64) + Send + Sync>);

impl std::fmt::Debug for CreditsSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CreditsSink")
    }
}

/// The hosted API's client.
pub struct Api {
    client: reqwest::Client,
    base: String,
    dialect: Dialect,
    paths: Paths,
    key: Secret,
    status_retries: u32,
    reads: Budget,
    metrics: Arc<Metrics>,
    credits: Option<CreditsSink>,
}

/// Where the hosted API is and how to call it.
#[derive(Debug, Clone)]
pub struct ApiAt {
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
}

impl Api {
    /// A client for the API `at`, its status reads within `reads`, each finished
    /// job's cost told to `credits`, its calls counted in `metrics`.
    pub fn new(
        at: ApiAt,
        reads: Budget,
        credits: Option<CreditsSink>,
        metrics: Arc<Metrics>,
    ) -> Self {
        Api {
            client: crate::outbound_client(at.timeout)
                .build()
                .expect("the HTTP client's settings are valid"),
            base: at.base.trim_end_matches('/').to_owned(),
            dialect: at.dialect,
            paths: at.paths,
            key: at.key,
            status_retries: at.status_retries,
            reads,
            metrics,
            credits,
        }
    }

    /// The API's shape.
    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// Where the gateway looks for the API, for the words of a failure.
    pub fn place(&self) -> Where<'_> {
        Where {
            base: &self.base,
            submit_path: &self.paths.submit,
            dialect: self.dialect,
        }
    }

    /// Sends one submit body (to the callback `webhook_url`, if any); whatever
    /// happens is the caller's to judge (a submit is never sent twice here).
    pub async fn send_submit(
        &self,
        body: &Value,
        webhook_url: Option<&str>,
    ) -> Result<Value, Failure> {
        let mut call = self
            .client
            .post(format!("{}{}", self.base, self.paths.submit))
            .json(body);
        if let Some(url) = webhook_url {
            call = call.query(&[("webhook_url", url)]);
        }
        self.call("submit", call).await.map(|reply| reply.body)
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

    /// One status read (see the module's words on retries); `None`: the API has no
    /// such job.
    pub async fn read_status(&self, id: &str) -> Result<Option<StatusRead>, GatewayError> {
        // The provider's id is one path segment, whatever it holds.
        let id: String = url::form_urlencoded::byte_serialize(id.as_bytes()).collect();
        let url = format!(
            "{}{}/{}",
            self.base,
            self.paths.status.trim_end_matches('/'),
            id.replace('+', "%20")
        );
        let backoff = ExponentialBuilder::default()
            .with_min_delay(Duration::from_millis(250))
            .with_max_delay(Duration::from_secs(4))
            .with_max_times(self.status_retries as usize);
        // The 429s are counted across the whole read, its retries included.
        let limited = AtomicU32::new(0);
        let answer = (|| self.read_in_turn(&url, &limited))
            .retry(backoff)
            .sleep(tokio::time::sleep)
            .when(Failure::transient)
            .adjust(|failure, next| {
                next.map(|backoff| {
                    failure.retry_after().map_or(backoff, |seconds| {
                        Duration::from_secs_f64(seconds.clamp(0.0, LONGEST_RETRY_WAIT))
                    })
                })
            })
            .notify(|_, after| tracing::warn!(?after, "upstream status read failed; retrying"))
            .await;
        let Reply { body, credits } = match answer {
            Ok(reply) => reply,
            Err(Failure::Http {
                status: StatusCode::NOT_FOUND,
                ..
            }) => return Ok(None),
            Err(failure) => return Err(wording::explain(failure, "status read", &self.place())),
        };
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
        }))
    }

    /// One status call in the status budget's turn; a refusal for the rate pauses the
    /// budget and asks again in the next turn, [`MOST_429S`] times at most in the
    /// whole read (`limited` counts them).
    async fn read_in_turn(&self, url: &str, limited: &AtomicU32) -> Result<Reply, Failure> {
        loop {
            let ticket = self.reads.ticket().await;
            let answer = self.call("status", self.client.get(url)).await;
            ticket.answered();
            let failure = match answer {
                Ok(reply) => return Ok(reply),
                Err(failure) => failure,
            };
            match failure.rate_limited() {
                Some(pause) if limited.fetch_add(1, Ordering::Relaxed) < MOST_429S => {
                    tracing::warn!(
                        ?pause,
                        "the hosted API refused a status read for its rate; waiting"
                    );
                    self.reads.pause(pause);
                }
                _ => return Err(failure),
            }
        }
    }
}

impl StatusSource for Api {
    fn read<'a>(
        &'a self,
        id: &'a str,
    ) -> Pin<Box<dyn Future<Output = Result<Option<StatusRead>, GatewayError>> + Send + 'a>> {
        Box::pin(self.read_status(id))
    }

    /// Counts a job's end once, with the provider's own error name beside the
    /// contract's, and passes on what it cost.
    fn ended(&self, read: &StatusRead, submitted: Option<tokio::time::Instant>) {
        let status = &read.status;
        if let Some(submitted) = submitted {
            self.metrics.job_finished(
                "upstream",
                &status.status,
                status.error.as_ref(),
                submitted.elapsed(),
            );
        }
        if let (Some(sink), Some(credits)) = (&self.credits, read.status.credits) {
            (sink.0)(credits);
        }
        if let (Some(error), Some(original)) = (&status.error, &read.provider_error) {
            self.metrics
                .upstream_error(self.dialect.provider(), original, &error.name.to_string());
        }
    }
}

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
