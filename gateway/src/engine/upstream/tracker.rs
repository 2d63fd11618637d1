//! One reader per job: however many shoppers, tabs and long-polls wait on an upstream
//! job, one task reads its status, at most once per interval, and every waiter is
//! answered from what that task last read.
//!
//! A job is followed from its submit (its status is known: `starting`) or from the
//! first status request this process sees for it (after a restart: read at once). Its
//! reader polls every `poll` interval; with webhooks it reads only when a callback
//! nudges it, or every `fallback` interval when none comes. A reader stops when nobody
//! has asked about its job for `idle` (a closed tab costs no more reads), and a job's
//! end is kept for `keep` so late tabs are answered without a read.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use tokio::sync::{watch, Notify};
use tryon_protocol::JobStatus;

use super::webhook::Delivery;
use super::Upstream;
use crate::engine::{EngineStatus, Wait};
use crate::error::GatewayError;

/// How the readers pace themselves.
#[derive(Debug, Clone)]
pub struct Pace {
    /// The shortest time between two reads of one job, and the polling interval.
    pub poll: Duration,
    /// With webhooks: read a job that has had no callback after this long.
    pub fallback: Option<Duration>,
    /// Stop reading a job nobody asked about for this long.
    pub idle: Duration,
    /// Keep an ended job's status this long.
    pub keep: Duration,
    /// Longest wait for the first read of a job this process did not follow yet.
    pub first_answer: Duration,
}

/// What the reader last learnt of a job.
#[derive(Debug, Clone)]
enum Reading {
    /// Not read yet.
    Unknown,
    /// Not read yet, but just submitted by this process: `starting`. Answers a plain
    /// read; never ends a long-poll (only a real read can say it changed).
    Submitted(EngineStatus),
    /// Its status.
    Known(EngineStatus),
    /// The API has no such job.
    Gone,
    /// The last read failed (after its retries); the next one may do better.
    Failing(GatewayError),
}

/// One followed job.
struct Followed {
    reading: watch::Sender<Reading>,
    nudge: Notify,
    /// The last time a shopper asked about it.
    asked: Mutex<Instant>,
    /// The nonce of its callback URL, if it was submitted with one.
    nonce: Option<String>,
    /// When this process submitted it (for the job duration metric).
    submitted: Option<Instant>,
}

/// The followed jobs of one upstream.
pub struct Tracker {
    jobs: Mutex<HashMap<String, Arc<Followed>>>,
    pace: Pace,
}

impl Tracker {
    /// No job followed yet.
    pub fn new(pace: Pace) -> Self {
        Tracker {
            jobs: Mutex::default(),
            pace,
        }
    }

    /// Jobs followed now (running, or ended and kept).
    pub fn followed(&self) -> usize {
        self.jobs.lock().unwrap().len()
    }
}

/// Follows a job this process has just submitted.
pub(super) fn follow_submitted(upstream: &Arc<Upstream>, id: &str, nonce: Option<String>) {
    let job = Arc::new(Followed {
        reading: watch::Sender::new(Reading::Submitted(EngineStatus::running(
            JobStatus::Starting,
        ))),
        nudge: Notify::new(),
        asked: Mutex::new(Instant::now()),
        nonce,
        submitted: Some(Instant::now()),
    });
    upstream
        .tracker
        .jobs
        .lock()
        .unwrap()
        .insert(id.to_owned(), job.clone());
    tokio::spawn(read_job(upstream.clone(), id.to_owned(), job, false));
}

/// A waiter on `id`: its receiver exists before the map's lock is released, so the
/// reader cannot end for idleness in between.
fn waiter(upstream: &Arc<Upstream>, id: &str) -> watch::Receiver<Reading> {
    let mut jobs = upstream.tracker.jobs.lock().unwrap();
    if let Some(job) = jobs.get(id) {
        *job.asked.lock().unwrap() = Instant::now();
        return job.reading.subscribe();
    }
    let job = Arc::new(Followed {
        reading: watch::Sender::new(Reading::Unknown),
        nudge: Notify::new(),
        asked: Mutex::new(Instant::now()),
        nonce: None,
        submitted: None,
    });
    let receiver = job.reading.subscribe();
    jobs.insert(id.to_owned(), job.clone());
    tokio::spawn(read_job(upstream.clone(), id.to_owned(), job, true));
    receiver
}

/// A job's status from its reader, long-polling when asked: the answer comes when the
/// status differs from `since` (default: the first one seen) or at `until`.
pub(super) async fn status(
    upstream: &Arc<Upstream>,
    id: &str,
    wait: Option<Wait>,
) -> Result<Option<EngineStatus>, GatewayError> {
    let mut reading = waiter(upstream, id);
    let first_answer = Instant::now() + upstream.tracker.pace.first_answer;
    let mut baseline = wait.as_ref().and_then(|w| w.since.clone());
    loop {
        let now = reading.borrow_and_update().clone();
        let until = match now {
            Reading::Gone => return Ok(None),
            Reading::Failing(error) => return Err(error),
            Reading::Known(status) => {
                let Some(wait) = &wait else {
                    return Ok(Some(status));
                };
                let known = baseline.get_or_insert_with(|| status.status.clone());
                if status.status.is_terminal()
                    || status.status != *known
                    || Instant::now() >= wait.until
                {
                    return Ok(Some(status));
                }
                wait.until
            }
            Reading::Submitted(status) => match &wait {
                None => return Ok(Some(status)),
                Some(wait) if Instant::now() >= wait.until => return Ok(Some(status)),
                Some(wait) => wait.until,
            },
            Reading::Unknown => first_answer,
        };
        if tokio::time::timeout_at(until.into(), reading.changed())
            .await
            .is_err()
        {
            return match reading.borrow().clone() {
                Reading::Known(status) | Reading::Submitted(status) => Ok(Some(status)),
                _ => Err(GatewayError::upstream_unavailable(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "The hosted try-on API has not answered for this job yet: retry in a moment.",
                )
                .with_retry_after(2)),
            };
        }
    }
}

/// A callback for `id` carrying `nonce`: wakes its reader for one read of its own.
pub(super) fn nudge(upstream: &Upstream, id: &str, nonce: &str) -> Delivery {
    let jobs = upstream.tracker.jobs.lock().unwrap();
    let Some(job) = jobs.get(id) else {
        return Delivery::Unknown;
    };
    if job.nonce.as_deref() != Some(nonce) {
        return Delivery::Forged;
    }
    let ended = match &*job.reading.borrow() {
        Reading::Known(s) => s.status.is_terminal(),
        Reading::Gone => true,
        _ => false,
    };
    if ended {
        return Delivery::Duplicate;
    }
    // One stored wake-up at most: repeated callbacks before the read are one.
    job.nudge.notify_one();
    Delivery::Confirming
}

/// The reader of one job.
async fn read_job(upstream: Arc<Upstream>, id: String, job: Arc<Followed>, at_once: bool) {
    let pace = upstream.tracker.pace.clone();
    let mut last_read: Option<Instant> = None;
    let mut first = at_once;
    loop {
        if !first {
            let quiet = pace.fallback.unwrap_or(pace.poll);
            tokio::select! {
                _ = tokio::time::sleep(quiet) => {}
                _ = job.nudge.notified() => {}
            }
            // At most one read per interval, whatever woke it.
            if let Some(at) = last_read {
                tokio::time::sleep_until((at + pace.poll).into()).await;
            }
            if forgotten_when_idle(&upstream, &id, &job, pace.idle) {
                return;
            }
        }
        first = false;
        last_read = Some(Instant::now());
        let read = upstream.read_status(&id).await;
        let ended = match read {
            Ok(Some(read)) => {
                let ended = read.status.status.is_terminal();
                if ended {
                    finished(&upstream, &job, &read);
                }
                job.reading.send_replace(Reading::Known(read.status));
                ended
            }
            Ok(None) => {
                job.reading.send_replace(Reading::Gone);
                true
            }
            Err(error) => {
                job.reading.send_replace(Reading::Failing(error));
                false
            }
        };
        if ended {
            break;
        }
    }
    // Late tabs are answered from the kept end; then the job is forgotten.
    tokio::time::sleep(pace.keep).await;
    forget(&upstream, &id, &job);
}

/// Ends a reader nobody needs: no waiter now and no question for `idle`.
fn forgotten_when_idle(upstream: &Upstream, id: &str, job: &Arc<Followed>, idle: Duration) -> bool {
    let mut jobs = upstream.tracker.jobs.lock().unwrap();
    let unasked = job.asked.lock().unwrap().elapsed() >= idle;
    if unasked && job.reading.receiver_count() == 0 {
        if jobs.get(id).is_some_and(|j| Arc::ptr_eq(j, job)) {
            jobs.remove(id);
        }
        return true;
    }
    false
}

fn forget(upstream: &Upstream, id: &str, job: &Arc<Followed>) {
    let mut jobs = upstream.tracker.jobs.lock().unwrap();
    if jobs.get(id).is_some_and(|j| Arc::ptr_eq(j, job)) {
        jobs.remove(id);
    }
}

/// Counts a job's end once, with the provider's own error name beside the contract's.
fn finished(upstream: &Upstream, job: &Followed, read: &super::StatusRead) {
    let metrics = &upstream.metrics;
    let status = &read.status;
    if let Some(submitted) = job.submitted {
        metrics.job_finished(
            "upstream",
            &status.status,
            status.error.as_ref(),
            submitted.elapsed(),
        );
    }
    if let (Some(error), Some(original)) = (&status.error, &read.provider_error) {
        metrics.upstream_error(
            upstream.dialect.provider(),
            original,
            &error.name.to_string(),
        );
    }
}
