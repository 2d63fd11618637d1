//! Which replicas are alive: each refreshes a short-lived key every 2 s. A sandbox job
//! is rendered by the replica that took it; when that replica is gone, the others say
//! so (a failed job the shopper can try again) instead of "processing" until the
//! widget's time limit. The same beat, published on the replica's own channel, tells
//! its pub/sub listener that its connection still carries messages (`fanout`).

use std::sync::Weak;
use std::time::Duration;

use tryon_protocol::{ApiError, ErrorName, JobStatus};

use super::{Cluster, Down};
use crate::job_status::EngineStatus;

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

    /// Notes that this replica runs job `id` (for `ttl`).
    pub async fn note_runner(&self, id: &str, ttl: Duration) -> Result<(), Down> {
        self.put_json(
            "note_runner",
            &self.key(&format!("runner:{id}")),
            &self.replica,
            ttl,
        )
        .await
    }

    /// A failed status when the replica running job `id` has stopped; `None` while it
    /// lives (or when no replica noted it).
    pub async fn runner_gone(&self, id: &str) -> Result<Option<EngineStatus>, Down> {
        let runner: Option<String> = self
            .get_json("job_runner", &self.key(&format!("runner:{id}")))
            .await?;
        let Some(runner) = runner else {
            return Ok(None);
        };
        let alive: bool = self
            .run(
                "replica_alive",
                redis::cmd("EXISTS").arg(self.alive_key(&runner)),
            )
            .await?;
        Ok((!alive).then(|| EngineStatus {
            status: JobStatus::Failed,
            output: None,
            error: Some(ApiError::new(
                ErrorName::PipelineError,
                "The gateway replica rendering this preview stopped before it was done: please try again.",
            )),
            engine_ms: None,
        }))
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
