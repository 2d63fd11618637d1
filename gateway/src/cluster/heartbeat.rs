//! Which replicas are alive: each refreshes a short-lived key every 2 s. A sandbox job
//! is rendered by the replica that took it, which stores the job's request beside it;
//! when that replica is gone, a replica whose shopper waits for the job takes it over
//! (one, atomically) and renders it again, so the job still completes. Only when the
//! request is gone too (it outlived its results' lifetime) do the others say so (a
//! failed job the shopper can try again) instead of "processing" until the widget's
//! time limit. The same beat, published on the replica's own channel, tells its
//! pub/sub listener that its connection still carries messages (`fanout`).

use std::sync::{LazyLock, Weak};
use std::time::Duration;

use tryon_protocol::{ApiError, ErrorName, JobStatus, TryOnRequest};

use super::fanout::Seen;
use super::{Cluster, Down};
use crate::job_status::EngineStatus;

/// KEYS[1]: the job's runner; KEYS[2]: its request. ARGV: the alive keys' prefix, this
/// replica (which does not run the job: it asks only then). {0}: the runner lives (or
/// none was noted); {1, request}: taken over, for the request's lifetime left (again,
/// if this replica took it over before and lost it on the way); {2}: the runner is
/// gone and so is its request.
static TAKE_OVER: LazyLock<redis::Script> = LazyLock::new(|| {
    redis::Script::new(
        r"
local runner = redis.call('GET', KEYS[1])
if not runner then return {0, false} end
if runner ~= ARGV[2] and redis.call('EXISTS', ARGV[1] .. runner) == 1 then return {0, false} end
local request = redis.call('GET', KEYS[2])
local left = redis.call('PTTL', KEYS[2])
if not request or left <= 0 then return {2, false} end
redis.call('SET', KEYS[1], ARGV[2], 'PX', left)
return {1, request}
",
    )
});

/// The largest request kept for another replica to run again (a widget's photo is
/// about 200 KB).
const REQUEST_KEPT_BYTES: usize = 2 << 20;

/// How often a replica says it is alive, and how long that lasts.
const BEAT: Duration = Duration::from_secs(2);
/// Five beats: a Redis stall of a few seconds does not make a live replica look dead.
const ALIVE: Duration = Duration::from_secs(10);

impl Cluster {
    fn alive_key(&self, replica: &str) -> String {
        self.key(&format!("replica:{replica}"))
    }

    /// The pub/sub channel this replica's heartbeat is published on.
    pub(super) fn beat_channel(&self) -> String {
        format!("{}:beat:{}", super::fanout::CHANNEL, self.replica)
    }

    /// Notes that this replica runs job `id`, and its `request` (so another replica
    /// can run it again if this one dies), for `ttl`.
    pub async fn note_runner(
        &self,
        id: &str,
        request: &TryOnRequest,
        ttl: Duration,
    ) -> Result<(), Down> {
        let json = serde_json::to_string(request).expect("requests serialise");
        // A request with images of many megabytes (a server's, with photos inline) would
        // hold up the shared link every replica's permits and heartbeats go through:
        // such a job is not run again elsewhere (it fails with its replica).
        if json.len() <= REQUEST_KEPT_BYTES {
            self.run::<()>(
                "job_request",
                redis::cmd("SET")
                    .arg(self.key(&format!("request:{id}")))
                    .arg(json)
                    .arg("PX")
                    .arg(ttl.as_millis().max(1) as u64),
            )
            .await?;
        }
        self.run(
            "note_runner",
            redis::cmd("SET")
                .arg(self.key(&format!("runner:{id}")))
                .arg(&self.replica)
                .arg("PX")
                .arg(ttl.as_millis() as u64),
        )
        .await
    }

    /// Job `id` ended: no replica will need to run it again.
    pub async fn forget_request(&self, id: &str) -> Result<(), Down> {
        self.run(
            "job_request_forget",
            redis::cmd("DEL").arg(self.key(&format!("request:{id}"))),
        )
        .await
    }

    /// `None` while the replica running job `id` lives (or none noted it); when it does
    /// not, the job taken over (its request still there), or a failed status.
    pub async fn unless_runner_gone(&self, id: &str) -> Result<Option<Seen>, Down> {
        let answer: (u8, Option<String>) = self
            .script(
                "job_take_over",
                TAKE_OVER
                    .key(self.key(&format!("runner:{id}")))
                    .key(self.key(&format!("request:{id}")))
                    .arg(self.alive_key(""))
                    .arg(&self.replica),
            )
            .await?;
        Ok(match answer {
            (0, _) => None,
            (1, Some(request)) => Some(match serde_json::from_str(&request) {
                Ok(request) => Seen::TakenOver(Box::new(request)),
                Err(_) => Seen::Status(runner_failed()),
            }),
            _ => Some(Seen::Status(runner_failed())),
        })
    }
}

/// A job whose replica stopped, and which no other could run again.
fn runner_failed() -> EngineStatus {
    EngineStatus {
        status: JobStatus::Failed,
        output: None,
        error: Some(ApiError::new(
            ErrorName::PipelineError,
            "The gateway replica rendering this preview stopped before it was done: please try again.",
        )),
        engine_ms: None,
        // A sandbox job: nothing was spent.
        credits: Some(0.0),
    }
}

/// Says this replica is alive for as long as the cluster lives.
pub(super) async fn beat(cluster: Weak<Cluster>) {
    loop {
        let Some(live) = cluster.upgrade() else {
            return;
        };
        let key = live.alive_key(&live.replica);
        let _ = live
            .run::<()>(
                "heartbeat",
                redis::cmd("SET")
                    .arg(key)
                    .arg(1)
                    .arg("PX")
                    .arg(ALIVE.as_millis() as u64),
            )
            .await;
        let _ = live.publish(&live.beat_channel(), "beat").await;
        drop(live);
        tokio::time::sleep(BEAT).await;
    }
}
