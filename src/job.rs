//! One try-on: submit, then wait for the result by long-polling where the gateway
//! offers it (else polling with backoff and jitter), riding out network blips and
//! token expiry, within a total time limit, until done. Stopping the task it runs in
//! stops it, and aborts its request in flight.

use tryon_protocol::{
    ApiError, Backoff, ErrorName, JobStatus, QuotaLeft, StatusResponse, SubmitResponse,
    TryOnRequest, IDEMPOTENCY_KEY, STATUS_PATH, SUBMIT_PATH,
};

use crate::net::{
    back_online, call, call_with, now_ms, online, sleep, when_online, within, NetError,
};
use crate::session::Session;

/// What the shopper is told while waiting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// The photo is being sent.
    Uploading,
    /// Accepted, waiting for a worker.
    Queued,
    /// Being generated.
    Generating,
    /// The connection dropped; retrying.
    Reconnecting,
}

/// How a try-on ended without results.
#[derive(Debug, Clone, PartialEq)]
pub enum JobError {
    /// The job ran and failed (a contract runtime error, or an unknown name).
    Failed {
        /// The error.
        error: ApiError,
        /// The job id, for support.
        job_id: Option<String>,
    },
    /// The service could not be reached or refused the request.
    Service(NetError),
    /// The total time limit passed.
    TimedOut {
        /// The job id, for support.
        job_id: Option<String>,
    },
}

/// One status request, aborted when it has not answered within `ms` (and, as every
/// request, when the work it belongs to stops: a long-poll would otherwise stay open
/// up to 25 s). A connection can die without either side hearing of it (a phone
/// moving from Wi-Fi to mobile data): waiting longer than the gateway would hold the
/// request only waits for nothing, so it is counted as unreachable.
async fn status_request(ms: f64, url: &str, token: &str) -> Result<String, NetError> {
    within(ms, call("GET", url, Some(token), None))
        .await
        .unwrap_or(Err(NetError::Unreachable))
}

/// Seconds the gateway may hold a long-poll.
const LONG_POLL_SECONDS: u32 = 25;
/// Seconds a status request may stay unanswered beyond what the gateway holds it for.
const UNANSWERED_SECONDS: u32 = 15;
/// Plain polling starts at this interval (ms) and backs off to `MAX_POLL_MS`.
const FIRST_POLL_MS: f64 = 1000.0;
const MAX_POLL_MS: f64 = 5000.0;

/// A little randomness so many widgets do not poll in step.
fn jitter(ms: f64) -> f64 {
    ms * (0.8 + 0.4 * js_sys::Math::random())
}

/// What a running try-on tells the widget as it goes.
pub struct Progress<'a> {
    /// Every change of stage.
    pub stage: &'a dyn Fn(Stage),
    /// The service is too busy for the submit (429): it waits in the queue stage and
    /// is sent again at this time (ms since the epoch).
    pub free_spot_at: &'a dyn Fn(f64),
    /// What the shopper has left of their try-ons, when the gateway says.
    pub quota: &'a dyn Fn(QuotaLeft),
}

/// Sends a try-on until the service accepts it (waiting out its "too busy" answers
/// for up to `max_wait_seconds`); the job's id. [`follow`] waits for its pictures.
pub async fn send(
    api_base: &str,
    session: &Session,
    request: &TryOnRequest,
    max_wait_seconds: u32,
    progress: &Progress<'_>,
) -> Result<String, JobError> {
    let deadline = now_ms() + max_wait_seconds as f64 * 1000.0;
    (progress.stage)(Stage::Uploading);
    let body = serde_json::to_string(request).expect("a request always serialises");
    submit(api_base, session, &body, deadline, progress).await
}

/// Waits for job `id` (just accepted, or before a reload) until its pictures are
/// in, it fails or `deadline` (ms) passes, telling `progress` how it goes.
pub async fn follow(
    api_base: &str,
    session: &Session,
    id: String,
    deadline: f64,
    progress: &Progress<'_>,
) -> Result<Vec<String>, JobError> {
    (progress.stage)(Stage::Queued);
    let mut since = JobStatus::Starting;
    let mut long_poll = true;
    let mut poll_delay = FIRST_POLL_MS;
    let mut failures = 0u32;
    loop {
        if now_ms() > deadline {
            return Err(JobError::TimedOut { job_id: Some(id) });
        }
        let token = session.token().await.map_err(JobError::Service)?;
        let url = if long_poll {
            format!("{api_base}{STATUS_PATH}/{id}?wait={LONG_POLL_SECONDS}&since={since}")
        } else {
            format!("{api_base}{STATUS_PATH}/{id}")
        };
        let asked = now_ms();
        let patience = if long_poll {
            (LONG_POLL_SECONDS + UNANSWERED_SECONDS) as f64 * 1000.0
        } else {
            UNANSWERED_SECONDS as f64 * 1000.0
        };
        let answer = status_request(patience, &url, &token).await;
        match answer {
            Ok(text) => {
                failures = 0;
                let status: StatusResponse = match serde_json::from_str(&text) {
                    Ok(s) => s,
                    Err(_) => {
                        sleep(jitter(poll_delay)).await;
                        continue;
                    }
                };
                match &status.status {
                    JobStatus::Completed => {
                        return match status.output {
                            Some(output) if !output.is_empty() => Ok(output),
                            // "Done" with nothing to show is a failure the shopper is
                            // told about, not an empty result page.
                            _ => Err(JobError::Failed {
                                error: ApiError::new(
                                    ErrorName::PipelineError,
                                    "The job finished without pictures.",
                                ),
                                job_id: Some(id),
                            }),
                        };
                    }
                    s if s.is_terminal() => {
                        let error = status
                            .error
                            .unwrap_or_else(|| ApiError::new(ErrorName::Other(s.to_string()), ""));
                        return Err(JobError::Failed {
                            error,
                            job_id: Some(id),
                        });
                    }
                    JobStatus::Starting | JobStatus::InQueue => (progress.stage)(Stage::Queued),
                    _ => (progress.stage)(Stage::Generating),
                }
                // An unchanged status answered at once: this server does not long-poll.
                if long_poll && status.status == since && now_ms() - asked < 1000.0 {
                    long_poll = false;
                }
                if !long_poll {
                    sleep(jitter(poll_delay)).await;
                    poll_delay = (poll_delay * 1.5).min(MAX_POLL_MS);
                }
                since = status.status;
            }
            Err(e) if e.name().is_some_and(|n| n.is_token_problem()) => {
                session.renew().await.map_err(JobError::Service)?;
            }
            Err(NetError::Http {
                status: 404, error, ..
            }) => {
                return Err(JobError::Failed {
                    error,
                    job_id: Some(id),
                });
            }
            Err(NetError::Http {
                status,
                retry_after,
                ..
            }) if status >= 500 || status == 429 => {
                failures += 1;
                (progress.stage)(Stage::Reconnecting);
                sleep(jitter(backoff_ms(failures, retry_after))).await;
            }
            Err(NetError::Unreachable) => {
                failures += 1;
                (progress.stage)(Stage::Reconnecting);
                if online() {
                    sleep(jitter(backoff_ms(failures, None))).await;
                } else {
                    // Offline: ask again as soon as the browser is back (within the
                    // time limit), not after a backoff that grew while it was away.
                    within(deadline - now_ms(), back_online()).await;
                    sleep(jitter(300.0)).await;
                }
            }
            Err(other) => return Err(JobError::Service(other)),
        }
    }
}

/// 1 s, 2 s, 4 s, then 8 s between tries; as long as the gateway asks with
/// `Retry-After` (the total time limit still ends the wait).
const BACKOFF: Backoff = Backoff {
    first_seconds: 1.0,
    max_seconds: 8.0,
    max_retry_after_seconds: f64::INFINITY,
};

/// Milliseconds to wait after the `failures`-th failure in a row.
fn backoff_ms(failures: u32, retry_after: Option<f64>) -> f64 {
    BACKOFF.delay(failures.saturating_sub(1), retry_after) * 1000.0
}

/// Submits once; renews the token and submits again only when the gateway said
/// the token was the problem (so the job was not created), and waits its turn when
/// the service is busy (429: no job was created either) for as long as it asks,
/// within the time limit. A network failure is retried only while the browser is
/// offline, when the request cannot have left. Every send of this one try-on carries
/// the same `Idempotency-Key`, so however often it arrives, it makes one job. A 429
/// for the shopper's own quota is not waited out: it may last an hour.
async fn submit(
    api_base: &str,
    session: &Session,
    body: &str,
    deadline: f64,
    progress: &Progress<'_>,
) -> Result<String, JobError> {
    let url = format!("{api_base}{SUBMIT_PATH}");
    let key = format!("\"{}\"", idempotency_key());
    let headers = [(IDEMPOTENCY_KEY, key.as_str())];
    let mut renewed = false;
    let mut busy = 0u32;
    loop {
        let token = session.token().await.map_err(JobError::Service)?;
        let sent = when_online(|| call_with("POST", &url, Some(&token), Some(body), &headers));
        match sent.await {
            Ok(answer) => {
                if let Some(left) = answer
                    .rate_limit
                    .as_deref()
                    .and_then(|field| QuotaLeft::parse(field, "session"))
                {
                    (progress.quota)(left);
                }
                let text = answer.text;
                let answer: SubmitResponse = serde_json::from_str(&text).map_err(|_| {
                    JobError::Service(NetError::Http {
                        status: 502,
                        error: ApiError::new(
                            ErrorName::Other("BadSubmitAnswer".into()),
                            "The service's answer was unreadable.",
                        ),
                        retry_after: None,
                    })
                })?;
                return match (answer.id, answer.error) {
                    (Some(id), None) if !id.is_empty() => Ok(id),
                    (_, Some(error)) => Err(JobError::Failed {
                        error,
                        job_id: None,
                    }),
                    _ => Err(JobError::Failed {
                        error: ApiError::new(ErrorName::PipelineError, "No job id."),
                        job_id: None,
                    }),
                };
            }
            Err(e) if !renewed && e.name().is_some_and(|n| n.is_token_problem()) => {
                renewed = true;
                session.renew().await.map_err(JobError::Service)?;
            }
            Err(NetError::Http {
                status: 400, error, ..
            }) => {
                return Err(JobError::Failed {
                    error,
                    job_id: None,
                })
            }
            Err(e) if e.name() == Some(&ErrorName::QuotaExceeded) => {
                return Err(JobError::Service(e))
            }
            Err(e) if matches!(e, NetError::Http { status: 429, .. }) => {
                let pause = jitter(backoff_ms(busy + 1, e.retry_after()));
                if now_ms() + pause >= deadline {
                    return Err(JobError::Service(e));
                }
                busy += 1;
                (progress.free_spot_at)(now_ms() + pause);
                sleep(pause).await;
            }
            Err(e) => return Err(JobError::Service(e)),
        }
    }
}

/// A key for one try-on: random enough that two shoppers' keys never meet (keys are
/// scoped to the session as well).
fn idempotency_key() -> String {
    let part = || (js_sys::Math::random() * 4_294_967_296.0) as u32;
    format!(
        "{:08x}{:08x}{:08x}-{:x}",
        part(),
        part(),
        part(),
        now_ms() as u64
    )
}
