//! What the sandbox needs from the state replicas share, as one small trait: which
//! replica runs a job (and its request, should that replica die), the jobs' statuses
//! and their result pictures. [`Alone`] is one gateway process (nothing is shared:
//! every job is its own); the Redis one is [`Cluster`]'s. Chosen once, at start-up.

use std::sync::Arc;
use std::time::Duration;

use tryon_protocol::TryOnRequest;

use crate::cluster::fanout::Seen;
use crate::cluster::Cluster;
use crate::error::Shared;
use crate::job_status::{EngineStatus, Wait};

/// The shared state as the sandbox uses it.
pub trait SharedRuns: Send + Sync {
    /// Notes that this replica runs `id`, with its `request` (to run again elsewhere
    /// should this replica die), kept for `keep`.
    fn note_runner<'a>(
        &'a self,
        id: &'a str,
        request: &'a TryOnRequest,
        keep: Duration,
    ) -> Shared<'a, ()>;

    /// A job another replica runs: its status (long-polled as `wait` asks), or its
    /// request for this replica to run when its own died. `None`: no such job.
    fn seen<'a>(&'a self, id: &'a str, wait: Option<Wait>) -> Shared<'a, Option<Seen>>;

    /// Forgets the request of `id` (it ended: its photo is no longer needed).
    fn forget_request<'a>(&'a self, id: &'a str) -> Shared<'a, ()>;

    /// Shares a status of `id`, kept for `keep`.
    fn store_status<'a>(
        &'a self,
        id: &'a str,
        status: &'a EngineStatus,
        keep: Duration,
    ) -> Shared<'a, ()>;

    /// Shares result picture `name`, kept for `keep`.
    fn keep_result<'a>(&'a self, name: &'a str, bytes: &'a [u8], keep: Duration) -> Shared<'a, ()>;
}

/// One gateway process: nothing is shared, no job runs elsewhere.
pub struct Alone;

impl SharedRuns for Alone {
    fn note_runner<'a>(&'a self, _: &'a str, _: &'a TryOnRequest, _: Duration) -> Shared<'a, ()> {
        Box::pin(async { Ok(()) })
    }

    fn seen<'a>(&'a self, _: &'a str, _: Option<Wait>) -> Shared<'a, Option<Seen>> {
        Box::pin(async { Ok(None) })
    }

    fn forget_request<'a>(&'a self, _: &'a str) -> Shared<'a, ()> {
        Box::pin(async { Ok(()) })
    }

    fn store_status<'a>(&'a self, _: &'a str, _: &'a EngineStatus, _: Duration) -> Shared<'a, ()> {
        Box::pin(async { Ok(()) })
    }

    fn keep_result<'a>(&'a self, _: &'a str, _: &'a [u8], _: Duration) -> Shared<'a, ()> {
        Box::pin(async { Ok(()) })
    }
}

impl SharedRuns for Cluster {
    fn note_runner<'a>(
        &'a self,
        id: &'a str,
        request: &'a TryOnRequest,
        keep: Duration,
    ) -> Shared<'a, ()> {
        Box::pin(Cluster::note_runner(self, id, request, keep))
    }

    fn seen<'a>(&'a self, id: &'a str, wait: Option<Wait>) -> Shared<'a, Option<Seen>> {
        Box::pin(Cluster::job_status(self, id, wait))
    }

    fn forget_request<'a>(&'a self, id: &'a str) -> Shared<'a, ()> {
        Box::pin(Cluster::forget_request(self, id))
    }

    fn store_status<'a>(
        &'a self,
        id: &'a str,
        status: &'a EngineStatus,
        keep: Duration,
    ) -> Shared<'a, ()> {
        Box::pin(Cluster::store_status(self, id, status, keep))
    }

    fn keep_result<'a>(&'a self, name: &'a str, bytes: &'a [u8], keep: Duration) -> Shared<'a, ()> {
        Box::pin(async move {
            let key = self.key(&format!("result:{name}"));
            self.put_bytes(&key, bytes, keep).await
        })
    }
}

/// The shared state for the sandbox: the cluster's when there is one.
pub fn chosen(cluster: Option<&Arc<Cluster>>) -> Arc<dyn SharedRuns> {
    match cluster {
        Some(cluster) => cluster.clone(),
        None => Arc::new(Alone),
    }
}
