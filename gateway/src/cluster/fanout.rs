//! Completion fan-out: a job's new status, stored by the replica that learnt it, is
//! published on one Redis channel and reaches the long-polls waiting on every other
//! replica at once. One pub/sub connection per replica; its messages go to this
//! replica's waiters through a local broadcast. When that connection drops, waiters
//! are told to read the stored state again (messages sent meanwhile are lost), and it
//! is opened again until Redis answers. A connection can also go quiet without
//! dropping (a NAT or firewall that forgot it): each replica's heartbeat publishes on a
//! channel of its own, which its listener also hears, and a listener that hears
//! nothing for three beats opens its connection again.

use std::sync::Weak;
use std::time::Duration;

use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;
use tokio::sync::broadcast::error::RecvError;

use tryon_protocol::TryOnRequest;

use super::{Cluster, Down};
use crate::job_status::{EngineStatus, Wait};

/// How often a long-poll on another replica's sandbox job checks that replica lives.
const RUNNER_CHECK: Duration = Duration::from_secs(3);

/// The channel of job updates and nudges.
pub const CHANNEL: &str = "jobs";

/// Silence after which a pub/sub connection is taken for dead: three heartbeats.
const QUIET: Duration = Duration::from_secs(6);

/// What a replica hears.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Event {
    /// A job's status, as stored.
    Update {
        /// The engine's job id.
        id: String,
        /// Its status.
        status: EngineStatus,
    },
    /// A webhook came for this upstream job: its reader should read it.
    Nudge {
        /// The engine's job id.
        id: String,
    },
    /// Updates may have been missed (the pub/sub connection was lost): read the stored
    /// state again. Never sent over Redis.
    Resync,
}

/// What a replica sees of a job another replica stored.
pub enum Seen {
    /// Its status.
    Status(EngineStatus),
    /// Its replica was gone: this one took the job over and runs it from its request.
    TakenOver(Box<TryOnRequest>),
}

/// The local side of the fan-out.
pub struct Fanout {
    events: broadcast::Sender<Event>,
}

impl Fanout {
    /// No listener yet.
    pub fn new() -> Self {
        Fanout {
            events: broadcast::Sender::new(4096),
        }
    }

    /// Hears every event from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.events.subscribe()
    }
}

impl Default for Fanout {
    fn default() -> Self {
        Self::new()
    }
}

impl Cluster {
    /// Tells every replica (this one included, through Redis).
    pub async fn announce(&self, event: &Event) -> Result<(), Down> {
        let message = serde_json::to_string(event).expect("events serialise");
        self.publish(CHANNEL, &message).await
    }

    fn job_key(&self, id: &str) -> String {
        self.key(&format!("job:{id}"))
    }

    /// Stores a job's status for `ttl` and announces it to every replica.
    pub async fn store_status(
        &self,
        id: &str,
        status: &EngineStatus,
        ttl: Duration,
    ) -> Result<(), Down> {
        self.put_json("store_status", &self.job_key(id), status, ttl)
            .await?;
        self.announce(&Event::Update {
            id: id.to_owned(),
            status: status.clone(),
        })
        .await
    }

    /// Keeps the nonce of an upstream job's callback URL, for any replica to check.
    pub async fn store_nonce(&self, id: &str, nonce: &str, ttl: Duration) -> Result<(), Down> {
        self.put_json(
            "store_nonce",
            &self.key(&format!("nonce:{id}")),
            &nonce,
            ttl,
        )
        .await
    }

    /// The nonce an upstream job was submitted with, if any replica kept one.
    pub async fn job_nonce(&self, id: &str) -> Result<Option<String>, Down> {
        self.get_json("job_nonce", &self.key(&format!("nonce:{id}")))
            .await
    }

    /// A job's stored status (`None`: no replica stored it, or it expired).
    pub async fn stored_status(&self, id: &str) -> Result<Option<EngineStatus>, Down> {
        self.get_json("job_status", &self.job_key(id)).await
    }

    /// A job's stored status, long-polling when asked: the answer comes when the status
    /// differs from `since` (default: the stored one) or at `until`. When the replica
    /// running a sandbox job is gone, this one takes the job over: the answer is then
    /// its request, for this replica to run.
    pub async fn job_status(&self, id: &str, wait: Option<Wait>) -> Result<Option<Seen>, Down> {
        // Listening before reading: no update can fall between the two.
        let mut events = self.fanout.subscribe();
        let Some(mut now) = self.stored_status(id).await? else {
            return Ok(None);
        };
        if !now.status.is_terminal() {
            if let Some(seen) = self.unless_runner_gone(id).await? {
                return Ok(Some(seen));
            }
        }
        let Some(wait) = wait else {
            return Ok(Some(Seen::Status(now)));
        };
        let baseline = wait.since.clone().unwrap_or_else(|| now.status.clone());
        loop {
            if now.status.is_terminal() || now.status != baseline {
                return Ok(Some(Seen::Status(now)));
            }
            // Waking every few seconds to see that the job's replica still lives.
            let check = std::time::Instant::now() + RUNNER_CHECK;
            match tokio::time::timeout_at(wait.until.min(check).into(), events.recv()).await {
                Err(_) if check < wait.until => {
                    if let Some(seen) = self.unless_runner_gone(id).await? {
                        return Ok(Some(seen));
                    }
                }
                Err(_) | Ok(Err(RecvError::Closed)) => return Ok(Some(Seen::Status(now))),
                Ok(Ok(Event::Update { id: about, status })) if about == id => now = status,
                Ok(Ok(Event::Resync)) | Ok(Err(RecvError::Lagged(_))) => {
                    if let Some(stored) = self.stored_status(id).await? {
                        now = stored;
                    }
                }
                Ok(Ok(_)) => {}
            }
        }
    }
}

/// Keeps this replica subscribed for as long as the cluster lives.
pub(super) async fn listen(cluster: Weak<Cluster>) {
    loop {
        let Some(live) = cluster.upgrade() else {
            return;
        };
        let channel = live.key(CHANNEL);
        let beats = live.key(&live.beat_channel());
        let client = live.client.clone();
        let events = live.fanout.events.clone();
        drop(live);
        let connected = tokio::time::timeout(Duration::from_secs(1), async {
            let mut pubsub = client.get_async_pubsub().await?;
            pubsub.subscribe(&channel).await?;
            pubsub.subscribe(&beats).await?;
            Ok::<_, redis::RedisError>(pubsub)
        })
        .await;
        match connected {
            Ok(Ok(pubsub)) => {
                // Anything published while we were away is read from the store.
                let _ = events.send(Event::Resync);
                let mut messages = pubsub.into_on_message();
                loop {
                    let message = match tokio::time::timeout(QUIET, messages.next()).await {
                        Ok(Some(message)) => message,
                        Ok(None) => {
                            tracing::warn!("the Redis pub/sub connection closed; opening it again");
                            break;
                        }
                        Err(_) => {
                            tracing::warn!(
                                "the Redis pub/sub connection went quiet; opening it again"
                            );
                            break;
                        }
                    };
                    if message.get_channel_name() == beats {
                        continue;
                    }
                    let Ok(text) = message.get_payload::<String>() else {
                        continue;
                    };
                    if let Ok(event) = serde_json::from_str::<Event>(&text) {
                        let _ = events.send(event);
                    }
                }
                let _ = events.send(Event::Resync);
            }
            _ => tokio::time::sleep(Duration::from_millis(500)).await,
        }
    }
}
