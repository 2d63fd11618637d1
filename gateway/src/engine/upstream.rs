//! The upstream engine: forwards jobs to the hosted try-on API with the merchant's
//! key. The key goes into one header and nowhere else: not into responses, errors
//! or logs. Status reads are retried (5xx, 429, timeouts) with backoff that honours
//! `Retry-After`; a submit is retried only when it provably never reached the API.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::http::StatusCode;
use serde_json::Value;
use tryon_protocol::{
    ApiError, Backoff, ErrorName, JobStatus, StatusResponse, SubmitResponse, TryOnRequest,
    STATUS_PATH, SUBMIT_PATH,
};

use super::{EngineStatus, Wait};
use crate::config::Secret;
use crate::error::GatewayError;

/// How often a long-poll re-reads the upstream status.
const LONG_POLL_STEP: Duration = Duration::from_secs(1);
/// Retries happen while a client waits for its answer: short waits, and a
/// `Retry-After` longer than 10 s is cut to 10 s.
const BACKOFF: Backoff = Backoff {
    first_seconds: 0.25,
    max_seconds: 4.0,
    max_retry_after_seconds: 10.0,
};

/// The hosted API client.
pub struct Upstream {
    client: reqwest::Client,
    base: String,
    key: Secret,
    status_retries: u32,
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

impl Upstream {
    /// A client for the API at `base` (e.g. `https://api.example`).
    pub fn new(base: &str, key: Secret, timeout: Duration, status_retries: u32) -> Self {
        let client = crate::outbound_client(timeout)
            .build()
            .expect("the HTTP client's settings are valid");
        Upstream {
            client,
            base: base.trim_end_matches('/').to_owned(),
            key,
            status_retries,
        }
    }

    async fn call(&self, request: reqwest::RequestBuilder) -> Result<Value, Failure> {
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
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| tryon_protocol::retry_after(v, now));
        let body: Value = response.json().await.unwrap_or(Value::Null);
        if status.is_success() {
            return Ok(body);
        }
        let status = StatusCode::from_u16(status.as_u16()).unwrap_or(StatusCode::BAD_GATEWAY);
        Err(Failure::Http {
            status,
            retry_after,
            error: error_in(&body),
        })
    }

    /// Submits a job; returns the API's job id.
    pub async fn submit(&self, request: &TryOnRequest) -> Result<String, GatewayError> {
        let url = format!("{}{SUBMIT_PATH}", self.base);
        let mut attempt = 0;
        let body = loop {
            match self.call(self.client.post(&url).json(request)).await {
                Ok(body) => break body,
                Err(Failure::NotSent) if attempt < 2 => {
                    tokio::time::sleep(wait(attempt, None)).await;
                    attempt += 1;
                }
                Err(Failure::Timeout) | Err(Failure::Broken) => {
                    // It may have been accepted: never send it twice behind the client's back.
                    return Err(GatewayError::upstream_unavailable(
                        StatusCode::GATEWAY_TIMEOUT,
                        "The hosted try-on API did not confirm the job in time. It may still run: wait a minute before submitting again.",
                    ));
                }
                Err(failure) => return Err(self.explain(failure, "submit")),
            }
        };
        let parsed: SubmitResponse = serde_json::from_value(body).map_err(|_| {
            GatewayError::upstream_unavailable(
                StatusCode::BAD_GATEWAY,
                "The hosted try-on API answered the submit with something unreadable.",
            )
        })?;
        match (parsed.id, parsed.error) {
            (_, Some(error)) => Err(GatewayError {
                status: StatusCode::BAD_REQUEST,
                error,
                retry_after: None,
            }),
            (Some(id), None) if !id.is_empty() => Ok(id),
            _ => Err(GatewayError::upstream_unavailable(
                StatusCode::BAD_GATEWAY,
                "The hosted try-on API returned no job id.",
            )),
        }
    }

    /// Reads a job's status (retrying transient failures), long-polling when asked.
    pub async fn status(
        &self,
        id: &str,
        wait: Option<Wait>,
    ) -> Result<Option<EngineStatus>, GatewayError> {
        let mut baseline = wait.as_ref().and_then(|w| w.since.clone());
        loop {
            let Some(now) = self.read_status(id).await? else {
                return Ok(None);
            };
            let Some(wait) = wait.as_ref() else {
                return Ok(Some(now));
            };
            let known = baseline.get_or_insert_with(|| now.status.clone());
            if now.status.is_terminal()
                || now.status != *known
                || Instant::now() + LONG_POLL_STEP > wait.until
            {
                return Ok(Some(now));
            }
            tokio::time::sleep(LONG_POLL_STEP).await;
        }
    }

    async fn read_status(&self, id: &str) -> Result<Option<EngineStatus>, GatewayError> {
        let url = format!("{}{STATUS_PATH}/{}", self.base, urlencode(id));
        let mut attempt = 0;
        let body = loop {
            let failure = match self.call(self.client.get(&url)).await {
                Ok(body) => break body,
                Err(Failure::Http {
                    status: StatusCode::NOT_FOUND,
                    ..
                }) => return Ok(None),
                Err(f) => f,
            };
            let (transient, retry_after) = match &failure {
                Failure::NotSent | Failure::Timeout | Failure::Broken => (true, None),
                Failure::Http {
                    status,
                    retry_after,
                    ..
                } => (
                    status.is_server_error() || *status == StatusCode::TOO_MANY_REQUESTS,
                    *retry_after,
                ),
            };
            if !transient || attempt >= self.status_retries {
                return Err(self.explain(failure, "status read"));
            }
            tracing::warn!(attempt, "upstream status read failed; retrying");
            tokio::time::sleep(wait(attempt, retry_after)).await;
            attempt += 1;
        };
        let parsed: StatusResponse = serde_json::from_value(body).map_err(|_| {
            GatewayError::upstream_unavailable(
                StatusCode::BAD_GATEWAY,
                "The hosted try-on API answered the status read with something unreadable.",
            )
        })?;
        Ok(Some(without_pictures_is_a_failure(EngineStatus {
            status: parsed.status,
            output: parsed.output,
            error: parsed.error,
            engine_ms: None,
        })))
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
                StatusCode::TOO_MANY_REQUESTS => {
                    let mut e = GatewayError::new(
                        StatusCode::TOO_MANY_REQUESTS,
                        ErrorName::RateLimitExceeded,
                        "The hosted try-on API is busy: retry shortly.",
                    );
                    if let Some(upstream) = error {
                        e.error = upstream;
                    }
                    e.with_retry_after(whole_seconds(retry_after).unwrap_or(5))
                }
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
    }
}

/// The error in an upstream body: `{"error": {"name", "message"}}` or the flat
/// `{"error": "Name", "message": "…"}` some variants use.
fn error_in(body: &Value) -> Option<ApiError> {
    match body.get("error")? {
        Value::Object(_) => serde_json::from_value(body["error"].clone()).ok(),
        Value::String(name) => Some(ApiError::new(
            ErrorName::from(name.as_str()),
            body.get("message")
                .and_then(Value::as_str)
                .unwrap_or_default(),
        )),
        _ => None,
    }
}

fn urlencode(id: &str) -> String {
    id.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
