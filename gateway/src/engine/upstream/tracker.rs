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
//!
//! With replicas (`TRYON_REDIS_URL`), one reader per job *across* replicas: the replica
//! holding the job's lease in Redis reads it and stores what it read; every other
//! replica that follows the job hears it over pub/sub and answers its own shoppers at
//! once. A lease whose holder died runs out, and a replica with waiters takes it over.
//! A webhook landing on any replica wakes the holder. While Redis cannot be reached,
//! each replica reads for its own waiters.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use tokio::sync::{broadcast, watch, Notify};
use tryon_protocol::JobStatus;

use super::webhook::Delivery;
use super::Upstream;
use crate::cluster::fanout::Event;
use crate::cluster::Cluster;
use crate::error::GatewayError;
use crate::job_status::{EngineStatus, Wait};

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

type Jobs = Arc<Mutex<HashMap<String, Arc<Followed>>>>;

/// The followed jobs of one upstream.
pub struct Tracker {
    jobs: Jobs,
    pace: Pace,
    cluster: Option<Arc<Cluster>>,
}

impl Tracker {
    /// No job followed yet; with a cluster, listening to the other replicas.
    pub fn new(pace: Pace, cluster: Option<Arc<Cluster>>) -> Self {
        let jobs = Jobs::default();
        if let Some(cluster) = &cluster {
            tokio::spawn(hear_replicas(cluster.fanout.subscribe(), jobs.clone()));
        }
        Tracker {
            jobs,
            pace,
            cluster,
        }
    }

    /// The reader lease's length: renewed every third of it.
    fn lease(&self) -> Duration {
        (self.pace.poll * 3).max(Duration::from_secs(3))
    }

    /// Jobs followed now (running, or ended and kept).
    pub fn followed(&self) -> usize {
        self.jobs.lock().unwrap().len()
    }
}

/// What a status stored or heard from another replica means here: `starting` (the
/// submit's own guess, or a provider's first word) never ends a long-poll.
fn reading_of(status: EngineStatus) -> Reading {
    if status.status == JobStatus::Starting {
        Reading::Submitted(status)
    } else {
        Reading::Known(status)
    }
}

/// Whether this reading is a job's end.
fn ended(reading: &Reading) -> bool {
    match reading {
        Reading::Known(s) => s.status.is_terminal(),
        Reading::Gone => true,
        _ => false,
    }
}

/// Updates from the replicas reading the jobs this one follows, and their nudges.
async fn hear_replicas(mut events: broadcast::Receiver<Event>, jobs: Jobs) {
    loop {
        let event = match events.recv().await {
            Ok(event) => event,
            Err(broadcast::error::RecvError::Lagged(_)) => continue,
            Err(broadcast::error::RecvError::Closed) => return,
        };
        let (id, status) = match event {
            Event::Update { id, status } => (id, Some(status)),
            Event::Nudge { id } => (id, None),
            Event::Resync => continue,
        };
        let Some(job) = jobs.lock().unwrap().get(&id).cloned() else {
            continue;
        };
        match status {
            // An end is final: a late or repeated update never takes it back.
            Some(status) => {
                job.reading.send_if_modified(|now| {
                    let changed = !ended(now);
                    if changed {
                        *now = reading_of(status);
                    }
                    changed
                });
            }
            None => job.nudge.notify_one(),
        }
    }
}

/// Takes the reader lease of a job this replica has just submitted, so no other
/// replica reads it before this one's first turn.
pub(super) async fn lead(upstream: &Upstream, id: &str) {
    if let Some(cluster) = &upstream.tracker.cluster {
        let _ = cluster.hold_lease(id, upstream.tracker.lease()).await;
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

/// A callback for `id` carrying `nonce`: wakes its reader (on whichever replica holds
/// the job's lease) for one read of its own.
pub(super) async fn nudge(upstream: &Upstream, id: &str, nonce: &str) -> Delivery {
    let local = upstream.tracker.jobs.lock().unwrap().get(id).cloned();
    let cluster = upstream.tracker.cluster.as_ref();
    let (known_nonce, ended_here) = match &local {
        Some(job) => (job.nonce.clone(), ended(&job.reading.borrow())),
        None => (None, false),
    };
    let known_nonce = match (known_nonce, cluster) {
        (Some(n), _) => Some(n),
        (None, Some(cluster)) => cluster.job_nonce(id).await.ok().flatten(),
        (None, None) => None,
    };
    match known_nonce {
        None => return Delivery::Unknown,
        Some(n) if n != nonce => return Delivery::Forged,
        Some(_) => {}
    }
    if ended_here {
        return Delivery::Duplicate;
    }
    if let Some(cluster) = cluster {
        if let Ok(Some(stored)) = cluster.stored_status(id).await {
            if stored.status.is_terminal() {
                return Delivery::Duplicate;
            }
        }
        // The holder may be another replica: every replica hears it.
        if cluster
            .announce(&Event::Nudge { id: id.to_owned() })
            .await
            .is_ok()
        {
            return Delivery::Confirming;
        }
    }
    match local {
        // One stored wake-up at most: repeated callbacks before the read are one.
        Some(job) => {
            job.nudge.notify_one();
            Delivery::Confirming
        }
        None => Delivery::Unknown,
    }
}

/// The reader of one job.
async fn read_job(upstream: Arc<Upstream>, id: String, job: Arc<Followed>, at_once: bool) {
    let pace = upstream.tracker.pace.clone();
    let cluster = upstream.tracker.cluster.clone();
    let lease = upstream.tracker.lease();
    // Read when nudged, at first, or once this long has passed since the last read.
    let read_every = pace.fallback.unwrap_or(pace.poll);
    // With replicas the loop also wakes to renew (or take over) the lease.
    let quiet = match &cluster {
        Some(_) => read_every.min(lease / 3),
        None => read_every,
    };
    // A job just submitted is as good as read: its status is known.
    let mut last_read: Option<Instant> = (!at_once).then(Instant::now);
    let mut first = at_once;
    if let (Some(cluster), true) = (&cluster, at_once) {
        // Another replica knows it already (it submitted or reads it): no read now;
        // its reads come by pub/sub, and its lease says who reads.
        if let Ok(Some(stored)) = cluster.stored_status(&id).await {
            job.reading.send_replace(reading_of(stored));
            first = false;
            last_read = Some(Instant::now());
        }
    }
    // A nudge (a webhook) is kept until a read follows it, also while another replica
    // holds the lease: if that one dies, the replica taking over reads at once.
    let mut nudged = false;
    // After a failed read, the next comes after the polling interval, not the fallback.
    let mut failed = false;
    loop {
        if !first {
            tokio::select! {
                _ = tokio::time::sleep(quiet) => {}
                _ = job.nudge.notified() => nudged = true,
            }
            if forgotten_when_idle(&upstream, &id, &job, pace.idle) {
                return;
            }
        }
        if ended(&job.reading.borrow()) {
            break;
        }
        if let Some(cluster) = &cluster {
            // Not the holder: the holder's reads come by pub/sub. Redis down: read
            // for this replica's own waiters.
            if let Ok(false) = cluster.hold_lease(&id, lease).await {
                first = false;
                continue;
            }
        }
        let every = if failed { pace.poll } else { read_every };
        let due = first || nudged || last_read.is_none_or(|at| at.elapsed() >= every);
        first = false;
        if !due {
            continue;
        }
        // At most one read per interval, whatever woke it.
        if let Some(at) = last_read {
            tokio::time::sleep_until((at + pace.poll).into()).await;
        }
        last_read = Some(Instant::now());
        nudged = false;
        let read = match &cluster {
            // The lease is renewed while the read waits its turn or is retried, so no
            // other replica reads the job meanwhile.
            Some(cluster) => {
                let read = upstream.read_status(&id);
                let renew = async {
                    loop {
                        tokio::time::sleep(lease / 3).await;
                        let _ = cluster.hold_lease(&id, lease).await;
                    }
                };
                tokio::select! {
                    read = read => read,
                    never = renew => never,
                }
            }
            None => upstream.read_status(&id).await,
        };
        failed = read.is_err();
        let reading = match read {
            Ok(Some(read)) => {
                if read.status.status.is_terminal() {
                    finished(&upstream, &job, &read);
                }
                if let Some(cluster) = &cluster {
                    if let Err(down) = cluster.store_status(&id, &read.status, pace.keep).await {
                        tracing::warn!(error = %down.0, "an upstream status could not be shared");
                    }
                }
                Reading::Known(read.status)
            }
            Ok(None) => Reading::Gone,
            Err(error) => Reading::Failing(error),
        };
        job.reading.send_replace(reading);
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
    if let (Some(sink), Some(credits)) = (&upstream.credits, read.credits) {
        (sink.0)(credits);
    }
    if let (Some(error), Some(original)) = (&status.error, &read.provider_error) {
        metrics.upstream_error(
            upstream.dialect.provider(),
            original,
            &error.name.to_string(),
        );
    }
}
