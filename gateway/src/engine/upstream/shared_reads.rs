//! What the job readers ([`super::tracker`]) need from the state replicas share, as
//! one small trait: who reads a job (its lease), the statuses read, a job's callback
//! nonce, and word of reads and nudges. [`Alone`] is one gateway process (it holds
//! every lease, shares nothing, hears nothing); the Redis one is [`Cluster`]'s. Which
//! one is chosen once, at start-up.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::broadcast;

use crate::cluster::fanout::Event;
use crate::cluster::Cluster;
pub use crate::error::Shared;
use crate::job_status::EngineStatus;

/// The shared state as the job readers use it.
pub trait SharedReads: Send + Sync {
    /// Holds (or takes over) the reader lease of job `id` for `length`: whether this
    /// process reads the job now.
    fn hold_lease<'a>(&'a self, id: &'a str, length: Duration) -> Shared<'a, bool>;

    /// The status some process stored for `id`.
    fn stored_status<'a>(&'a self, id: &'a str) -> Shared<'a, Option<EngineStatus>>;

    /// Shares a status of `id`, kept for `keep`, and tells the others.
    fn store_status<'a>(
        &'a self,
        id: &'a str,
        status: &'a EngineStatus,
        keep: Duration,
    ) -> Shared<'a, ()>;

    /// Keeps the callback nonce of `id` for `keep`.
    fn store_nonce<'a>(&'a self, id: &'a str, nonce: &'a str, keep: Duration) -> Shared<'a, ()>;

    /// The callback nonce some process kept for `id`.
    fn job_nonce<'a>(&'a self, id: &'a str) -> Shared<'a, Option<String>>;

    /// Wakes the reader of `id` wherever it runs: whether the word went out (alone:
    /// never, the caller wakes its own).
    fn nudge_everywhere<'a>(&'a self, id: &'a str) -> Shared<'a, bool>;

    /// Word from the others: their reads and nudges (`None` alone).
    fn hear(&self) -> Option<broadcast::Receiver<Event>>;

    /// Whether others share the jobs (the readers then renew their leases).
    fn with_others(&self) -> bool;
}

/// One gateway process: every lease is its own, nothing is stored or heard.
pub struct Alone;

impl SharedReads for Alone {
    fn hold_lease<'a>(&'a self, _: &'a str, _: Duration) -> Shared<'a, bool> {
        Box::pin(async { Ok(true) })
    }

    fn stored_status<'a>(&'a self, _: &'a str) -> Shared<'a, Option<EngineStatus>> {
        Box::pin(async { Ok(None) })
    }

    fn store_status<'a>(&'a self, _: &'a str, _: &'a EngineStatus, _: Duration) -> Shared<'a, ()> {
        Box::pin(async { Ok(()) })
    }

    fn store_nonce<'a>(&'a self, _: &'a str, _: &'a str, _: Duration) -> Shared<'a, ()> {
        Box::pin(async { Ok(()) })
    }

    fn job_nonce<'a>(&'a self, _: &'a str) -> Shared<'a, Option<String>> {
        Box::pin(async { Ok(None) })
    }

    fn nudge_everywhere<'a>(&'a self, _: &'a str) -> Shared<'a, bool> {
        Box::pin(async { Ok(false) })
    }

    fn hear(&self) -> Option<broadcast::Receiver<Event>> {
        None
    }

    fn with_others(&self) -> bool {
        false
    }
}

impl SharedReads for Cluster {
    fn hold_lease<'a>(&'a self, id: &'a str, length: Duration) -> Shared<'a, bool> {
        Box::pin(Cluster::hold_lease(self, id, length))
    }

    fn stored_status<'a>(&'a self, id: &'a str) -> Shared<'a, Option<EngineStatus>> {
        Box::pin(Cluster::stored_status(self, id))
    }

    fn store_status<'a>(
        &'a self,
        id: &'a str,
        status: &'a EngineStatus,
        keep: Duration,
    ) -> Shared<'a, ()> {
        Box::pin(Cluster::store_status(self, id, status, keep))
    }

    fn store_nonce<'a>(&'a self, id: &'a str, nonce: &'a str, keep: Duration) -> Shared<'a, ()> {
        Box::pin(Cluster::store_nonce(self, id, nonce, keep))
    }

    fn job_nonce<'a>(&'a self, id: &'a str) -> Shared<'a, Option<String>> {
        Box::pin(Cluster::job_nonce(self, id))
    }

    fn nudge_everywhere<'a>(&'a self, id: &'a str) -> Shared<'a, bool> {
        Box::pin(async move {
            self.announce(&Event::Nudge { id: id.to_owned() })
                .await
                .map(|()| true)
        })
    }

    fn hear(&self) -> Option<broadcast::Receiver<Event>> {
        Some(self.fanout.subscribe())
    }

    fn with_others(&self) -> bool {
        true
    }
}

/// The shared state for the readers: the cluster's when there is one.
pub fn chosen(cluster: Option<&Arc<Cluster>>) -> Arc<dyn SharedReads> {
    match cluster {
        Some(cluster) => cluster.clone(),
        None => Arc::new(Alone),
    }
}
