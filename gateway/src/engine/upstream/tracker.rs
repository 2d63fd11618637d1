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
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::http::StatusCode;
use tokio::sync::{broadcast, watch, Notify};
// Tokio's clock (the same as std's, except on a paused test clock).
use tokio::time::Instant;
use tryon_protocol::JobStatus;

use super::shared_reads::SharedReads;
use super::webhook::Delivery;
use crate::cluster::fanout::Event;
use crate::error::GatewayError;
use crate::job_status::{EngineStatus, Wait};

/// One status read: the status in the contract's terms, and the provider's own error
/// name when it had to be mapped.
pub struct StatusRead {
    /// The status.
    pub status: EngineStatus,
    /// The provider's name for the error, when it differs from the contract's.
    pub provider_error: Option<String>,
}

/// Where the readers' statuses come from (the hosted API's client), and who hears of
/// a job's end.
pub trait StatusSource: Send + Sync {
    /// One read of job `id`, retried as the source sees fit; `None`: no such job.
    fn read<'a>(
        &'a self,
        id: &'a str,
    ) -> Pin<Box<dyn Future<Output = Result<Option<StatusRead>, GatewayError>> + Send + 'a>>;

    /// Job `id` ended as `read` says (told once per job, by its reader);
    /// `submitted`: when this process submitted it.
    fn ended(&self, read: &StatusRead, submitted: Option<Instant>);
}

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
    shared: Arc<dyn SharedReads>,
    source: Arc<dyn StatusSource>,
}

impl Tracker {
    /// No job followed yet; statuses read from `source`, readers shared as `shared`
    /// says (listening to the other replicas, if any).
    pub fn new(
        pace: Pace,
        shared: Arc<dyn SharedReads>,
        source: Arc<dyn StatusSource>,
    ) -> Arc<Self> {
        let jobs = Jobs::default();
        if let Some(events) = shared.hear() {
            tokio::spawn(hear_replicas(events, jobs.clone()));
        }
        Arc::new(Tracker {
            jobs,
            pace,
            shared,
            source,
        })
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

impl Tracker {
    /// Follows a job this process has just submitted, with its callback `nonce`.
    /// Shared first, so that any replica can answer for it and check its callbacks,
    /// and its reader lease taken, so no other replica reads it before this one's
    /// first turn.
    pub async fn follow_submitted(self: &Arc<Self>, id: &str, nonce: Option<String>) {
        let seed = EngineStatus::running(JobStatus::Starting);
        let keep = self.pace.keep;
        let shared = async {
            if let Some(nonce) = &nonce {
                self.shared.store_nonce(id, nonce, keep).await?;
            }
            self.shared.store_status(id, &seed, keep).await
        };
        if let Err(down) = shared.await {
            tracing::warn!(error = %down.0, "a submitted job could not be shared");
        }
        let _ = self.shared.hold_lease(id, self.lease()).await;
        let job = Arc::new(Followed {
            reading: watch::Sender::new(Reading::Submitted(seed)),
            nudge: Notify::new(),
            asked: Mutex::new(Instant::now()),
            nonce,
            submitted: Some(Instant::now()),
        });
        self.jobs.lock().unwrap().insert(id.to_owned(), job.clone());
        tokio::spawn(self.clone().read_job(id.to_owned(), job, false));
    }

    /// A waiter on `id`: its receiver exists before the map's lock is released, so the
    /// reader cannot end for idleness in between.
    fn waiter(self: &Arc<Self>, id: &str) -> watch::Receiver<Reading> {
        let mut jobs = self.jobs.lock().unwrap();
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
        tokio::spawn(self.clone().read_job(id.to_owned(), job, true));
        receiver
    }

    /// A job's status from its reader, long-polling when asked: the answer comes when the
    /// status differs from `since` (default: the first one seen) or at `until`.
    pub async fn status(
        self: &Arc<Self>,
        id: &str,
        wait: Option<Wait>,
    ) -> Result<Option<EngineStatus>, GatewayError> {
        let mut reading = self.waiter(id);
        let first_answer = Instant::now() + self.pace.first_answer;
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
                        || Instant::now() >= Instant::from_std(wait.until)
                    {
                        return Ok(Some(status));
                    }
                    Instant::from_std(wait.until)
                }
                Reading::Submitted(status) => match &wait {
                    None => return Ok(Some(status)),
                    Some(wait) if Instant::now() >= Instant::from_std(wait.until) => {
                        return Ok(Some(status))
                    }
                    Some(wait) => Instant::from_std(wait.until),
                },
                Reading::Unknown => first_answer,
            };
            if tokio::time::timeout_at(until, reading.changed())
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
    pub async fn nudge(&self, id: &str, nonce: &str) -> Delivery {
        let local = self.jobs.lock().unwrap().get(id).cloned();
        let (known_nonce, ended_here) = match &local {
            Some(job) => (job.nonce.clone(), ended(&job.reading.borrow())),
            None => (None, false),
        };
        let known_nonce = match known_nonce {
            Some(n) => Some(n),
            None => self.shared.job_nonce(id).await.ok().flatten(),
        };
        match known_nonce {
            None => return Delivery::Unknown,
            Some(n) if n != nonce => return Delivery::Forged,
            Some(_) => {}
        }
        if ended_here {
            return Delivery::Duplicate;
        }
        if let Ok(Some(stored)) = self.shared.stored_status(id).await {
            if stored.status.is_terminal() {
                return Delivery::Duplicate;
            }
        }
        // The holder may be another replica: every replica hears it.
        if let Ok(true) = self.shared.nudge_everywhere(id).await {
            return Delivery::Confirming;
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
    async fn read_job(self: Arc<Self>, id: String, job: Arc<Followed>, at_once: bool) {
        let pace = self.pace.clone();
        let shared = self.shared.clone();
        let lease = self.lease();
        // Read when nudged, at first, or once this long has passed since the last read.
        let read_every = pace.fallback.unwrap_or(pace.poll);
        // With replicas the loop also wakes to renew (or take over) the lease.
        let quiet = match shared.with_others() {
            true => read_every.min(lease / 3),
            false => read_every,
        };
        // A job just submitted is as good as read: its status is known.
        let mut last_read: Option<Instant> = (!at_once).then(Instant::now);
        let mut first = at_once;
        if at_once {
            // Another replica knows it already (it submitted or reads it): no read now;
            // its reads come by pub/sub, and its lease says who reads.
            if let Ok(Some(stored)) = shared.stored_status(&id).await {
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
                // After a failed read, the next comes a polling interval later, also
                // when the loop would otherwise sleep until the webhook fallback.
                let sleep = if failed { quiet.min(pace.poll) } else { quiet };
                tokio::select! {
                    _ = tokio::time::sleep(sleep) => {}
                    _ = job.nudge.notified() => nudged = true,
                }
                if self.forgotten_when_idle(&id, &job, pace.idle) {
                    return;
                }
            }
            if ended(&job.reading.borrow()) {
                break;
            }
            // Not the holder: the holder's reads come by pub/sub. Redis down: read for
            // this replica's own waiters.
            if let Ok(false) = shared.hold_lease(&id, lease).await {
                first = false;
                continue;
            }
            let every = if failed { pace.poll } else { read_every };
            let due = first || nudged || last_read.is_none_or(|at| at.elapsed() >= every);
            first = false;
            if !due {
                continue;
            }
            // At most one read per interval, whatever woke it.
            if let Some(at) = last_read {
                tokio::time::sleep_until(at + pace.poll).await;
            }
            last_read = Some(Instant::now());
            nudged = false;
            // The lease is renewed while the read waits its turn or is retried, so no
            // other replica reads the job meanwhile.
            let renew = async {
                loop {
                    tokio::time::sleep(lease / 3).await;
                    let _ = shared.hold_lease(&id, lease).await;
                }
            };
            let read = tokio::select! {
                read = self.source.read(&id) => read,
                never = renew => never,
            };
            failed = read.is_err();
            let reading = match read {
                Ok(Some(read)) => {
                    if read.status.status.is_terminal() {
                        self.source.ended(&read, job.submitted);
                    }
                    if let Err(down) = shared.store_status(&id, &read.status, pace.keep).await {
                        tracing::warn!(error = %down.0, "an upstream status could not be shared");
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
        self.forget(&id, &job);
    }

    /// Ends a reader nobody needs: no waiter now and no question for `idle`.
    fn forgotten_when_idle(&self, id: &str, job: &Arc<Followed>, idle: Duration) -> bool {
        let mut jobs = self.jobs.lock().unwrap();
        let unasked = job.asked.lock().unwrap().elapsed() >= idle;
        if unasked && job.reading.receiver_count() == 0 {
            if jobs.get(id).is_some_and(|j| Arc::ptr_eq(j, job)) {
                jobs.remove(id);
            }
            return true;
        }
        false
    }

    fn forget(&self, id: &str, job: &Arc<Followed>) {
        let mut jobs = self.jobs.lock().unwrap();
        if jobs.get(id).is_some_and(|j| Arc::ptr_eq(j, job)) {
            jobs.remove(id);
        }
    }
}

#[cfg(test)]
mod tests {
    //! The races the replica tests chase end to end, on tokio's paused clock: one
    //! read for many waiters, a long-poll ended by another replica's read, a lease
    //! whose holder died taken over, a nudge kept across that change, a failed read
    //! tried again.

    use std::collections::VecDeque;
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

    use axum::http::StatusCode;
    use tokio::time::Instant as Clock;

    use super::*;
    use crate::cluster::Down;
    use crate::engine::upstream::shared_reads::{Alone, Shared};

    const POLL: Duration = Duration::from_secs(1);

    fn pace(fallback: Option<Duration>) -> Pace {
        Pace {
            poll: POLL,
            fallback,
            idle: Duration::from_secs(60),
            keep: Duration::from_secs(600),
            first_answer: Duration::from_secs(20),
        }
    }

    fn status(status: JobStatus) -> EngineStatus {
        let mut s = EngineStatus::running(status.clone());
        if status == JobStatus::Completed {
            s.output = Some(vec!["https://cdn.example/result.png".into()]);
        }
        s
    }

    /// A provider that answers its script in order (the last answer stays), each
    /// read taking 100 ms; `None` in the script: a failed read.
    struct Scripted {
        script: Mutex<VecDeque<Option<JobStatus>>>,
        reads: AtomicUsize,
        ends: AtomicUsize,
    }

    impl Scripted {
        fn new(script: &[Option<JobStatus>]) -> Arc<Self> {
            Arc::new(Scripted {
                script: Mutex::new(script.iter().cloned().collect()),
                reads: AtomicUsize::new(0),
                ends: AtomicUsize::new(0),
            })
        }

        fn reads(&self) -> usize {
            self.reads.load(Ordering::SeqCst)
        }
    }

    impl StatusSource for Scripted {
        fn read<'a>(
            &'a self,
            _: &'a str,
        ) -> Pin<Box<dyn Future<Output = Result<Option<StatusRead>, GatewayError>> + Send + 'a>>
        {
            Box::pin(async move {
                self.reads.fetch_add(1, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(100)).await;
                let next = {
                    let mut script = self.script.lock().unwrap();
                    match script.len() {
                        0 | 1 => script.front().cloned().flatten(),
                        _ => script.pop_front().flatten(),
                    }
                };
                match next {
                    Some(s) => Ok(Some(StatusRead {
                        status: status(s),
                        provider_error: None,
                    })),
                    None => Err(GatewayError::upstream_unavailable(
                        StatusCode::BAD_GATEWAY,
                        "the provider failed",
                    )),
                }
            })
        }

        fn ended(&self, _: &StatusRead, _: Option<Instant>) {
            self.ends.fetch_add(1, Ordering::SeqCst);
        }
    }

    /// What replicas share, in memory: leases, statuses, nonces and word of them.
    struct Board {
        leases: Mutex<HashMap<String, (usize, Clock)>>,
        statuses: Mutex<HashMap<String, EngineStatus>>,
        nonces: Mutex<HashMap<String, String>>,
        events: broadcast::Sender<Event>,
    }

    /// One replica's view of the board; a dead one never answers again.
    struct Replica {
        board: Arc<Board>,
        me: usize,
        dead: AtomicBool,
    }

    impl Board {
        fn new() -> Arc<Self> {
            Arc::new(Board {
                leases: Mutex::default(),
                statuses: Mutex::default(),
                nonces: Mutex::default(),
                events: broadcast::channel(64).0,
            })
        }

        fn replica(self: &Arc<Self>, me: usize) -> Arc<Replica> {
            Arc::new(Replica {
                board: self.clone(),
                me,
                dead: AtomicBool::new(false),
            })
        }
    }

    impl Replica {
        async fn alive(&self) {
            if self.dead.load(Ordering::SeqCst) {
                std::future::pending::<()>().await;
            }
        }
    }

    impl SharedReads for Replica {
        fn hold_lease<'a>(&'a self, id: &'a str, length: Duration) -> Shared<'a, bool> {
            Box::pin(async move {
                self.alive().await;
                let mut leases = self.board.leases.lock().unwrap();
                let now = Clock::now();
                let held = match leases.get(id) {
                    Some((holder, until)) => *holder == self.me || *until <= now,
                    None => true,
                };
                if held {
                    leases.insert(id.to_owned(), (self.me, now + length));
                }
                Ok(held)
            })
        }

        fn stored_status<'a>(&'a self, id: &'a str) -> Shared<'a, Option<EngineStatus>> {
            Box::pin(async move {
                self.alive().await;
                Ok(self.board.statuses.lock().unwrap().get(id).cloned())
            })
        }

        fn store_status<'a>(
            &'a self,
            id: &'a str,
            status: &'a EngineStatus,
            _: Duration,
        ) -> Shared<'a, ()> {
            Box::pin(async move {
                self.alive().await;
                let s = status.clone();
                self.board
                    .statuses
                    .lock()
                    .unwrap()
                    .insert(id.into(), s.clone());
                let _ = self.board.events.send(Event::Update {
                    id: id.into(),
                    status: s,
                });
                Ok(())
            })
        }

        fn store_nonce<'a>(&'a self, id: &'a str, nonce: &'a str, _: Duration) -> Shared<'a, ()> {
            Box::pin(async move {
                self.alive().await;
                let mut nonces = self.board.nonces.lock().unwrap();
                nonces.insert(id.into(), nonce.into());
                Ok(())
            })
        }

        fn job_nonce<'a>(&'a self, id: &'a str) -> Shared<'a, Option<String>> {
            Box::pin(async move {
                self.alive().await;
                Ok(self.board.nonces.lock().unwrap().get(id).cloned())
            })
        }

        fn nudge_everywhere<'a>(&'a self, id: &'a str) -> Shared<'a, bool> {
            Box::pin(async move {
                self.alive().await;
                let sent = self.board.events.send(Event::Nudge { id: id.into() });
                Ok::<_, Down>(sent.is_ok())
            })
        }

        fn hear(&self) -> Option<broadcast::Receiver<Event>> {
            Some(self.board.events.subscribe())
        }

        fn with_others(&self) -> bool {
            true
        }
    }

    fn since(status: JobStatus, seconds: u64) -> Option<Wait> {
        Some(Wait {
            until: (Instant::now() + Duration::from_secs(seconds)).into_std(),
            since: Some(status),
        })
    }

    #[tokio::test(start_paused = true)]
    async fn one_read_answers_every_waiter_and_a_long_poll_waits_for_the_change() {
        use JobStatus::*;
        let provider = Scripted::new(&[Some(Processing), Some(Completed)]);
        let tracker = Tracker::new(pace(None), Arc::new(Alone), provider.clone());
        let many = (0..10).map(|_| tracker.status("job", None));
        for answer in futures_util::future::join_all(many).await {
            assert_eq!(answer.unwrap().unwrap().status, Processing);
        }
        assert_eq!(provider.reads(), 1, "ten waiters, one read");
        let started = Clock::now();
        let done = tracker.status("job", since(Processing, 30)).await;
        assert_eq!(done.unwrap().unwrap().status, Completed);
        assert!(started.elapsed() <= POLL + Duration::from_millis(200));
        assert_eq!(provider.reads(), 2);
        assert_eq!(provider.ends.load(Ordering::SeqCst), 1);
        // The end is kept: no more reads.
        tokio::time::sleep(Duration::from_secs(5)).await;
        assert_eq!(
            tracker.status("job", None).await.unwrap().unwrap().status,
            Completed
        );
        assert_eq!(provider.reads(), 2);
    }

    #[tokio::test(start_paused = true)]
    async fn a_failed_read_is_told_and_the_next_read_comes_a_poll_later() {
        use JobStatus::*;
        let provider = Scripted::new(&[None, Some(Completed)]);
        let tracker = Tracker::new(
            pace(Some(Duration::from_secs(60))),
            Arc::new(Alone),
            provider.clone(),
        );
        let failed = tracker.status("job", None).await;
        assert!(failed.is_err(), "{failed:?}");
        // The poll interval after a failure, not the 60 s webhook fallback.
        tokio::time::sleep(POLL * 2).await;
        assert_eq!(provider.reads(), 2);
        let done = tracker.status("job", None).await.unwrap().unwrap();
        assert_eq!(done.status, Completed);
    }

    #[tokio::test(start_paused = true)]
    async fn a_long_poll_on_another_replica_is_ended_by_the_holders_read() {
        use JobStatus::*;
        let board = Board::new();
        let (a_reads, b_reads) = (
            Scripted::new(&[Some(Processing), Some(Completed)]),
            Scripted::new(&[Some(Failed)]),
        );
        let a = Tracker::new(pace(None), board.replica(1), a_reads.clone());
        let b = Tracker::new(pace(None), board.replica(2), b_reads.clone());
        a.follow_submitted("job", None).await;
        let started = Clock::now();
        let heard = b.status("job", since(Starting, 30)).await.unwrap().unwrap();
        assert_eq!(heard.status, Processing, "heard from the holder");
        let heard = b
            .status("job", since(Processing, 30))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(heard.status, Completed);
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "{:?}",
            started.elapsed()
        );
        assert_eq!(b_reads.reads(), 0, "only the lease holder reads");
        assert_eq!(a_reads.reads(), 2);
    }

    #[tokio::test(start_paused = true)]
    async fn a_dead_holders_lease_is_taken_over_and_its_nudge_read_at_once() {
        use JobStatus::*;
        let board = Board::new();
        let webhooks = Some(Duration::from_secs(60));
        let a_reads = Scripted::new(&[Some(Processing)]);
        let b_reads = Scripted::new(&[Some(Completed)]);
        let replica_a = board.replica(1);
        let a = Tracker::new(pace(webhooks), replica_a.clone(), a_reads.clone());
        let b = Tracker::new(pace(webhooks), board.replica(2), b_reads.clone());
        a.follow_submitted("job", Some("nonce".into())).await;
        // B follows it too, from what A stored.
        let seen = b.status("job", None).await.unwrap().unwrap();
        assert_eq!(seen.status, Starting);
        replica_a.dead.store(true, Ordering::SeqCst);
        // The provider's callback lands on B while A's lease still runs.
        assert!(matches!(b.nudge("job", "forged").await, Delivery::Forged));
        assert!(matches!(
            b.nudge("job", "nonce").await,
            Delivery::Confirming
        ));
        let started = Clock::now();
        let done = b.status("job", since(Starting, 30)).await.unwrap().unwrap();
        assert_eq!(done.status, Completed);
        // Read once A's 3 s lease ran out, not at the 60 s fallback.
        let waited = started.elapsed();
        assert!(waited <= Duration::from_secs(5), "{waited:?}");
        assert_eq!(a_reads.reads(), 0);
        assert_eq!(b_reads.reads(), 1);
    }
}
