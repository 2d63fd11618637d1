//! State shared by gateway replicas through Redis (`TRYON_REDIS_URL`): the mint limit,
//! sandbox jobs and their results, upstream jobs' last status, their reader's lease and
//! webhook nonces, the upstream budget, and completion fan-out over pub/sub. Without
//! Redis every replica keeps its own, as one machine needs.
//!
//! The client is `redis` (redis-rs, the maintained Rust client): its
//! `ConnectionManager` multiplexes one connection for all commands and reconnects by
//! itself when Redis is back; scripts go by EVALSHA and are loaded again after a Redis
//! restart. Every command here has a time limit of its own, so nothing waits on a Redis
//! that is gone: a command that fails marks Redis down (`/healthz`, `/metrics`), and the
//! next that succeeds marks it up again.

pub mod connect;
pub mod fanout;
pub mod heartbeat;
pub mod lease;
pub mod link;
pub mod mint;
pub mod spending;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use redis::aio::ConnectionManagerConfig;
use serde::{de::DeserializeOwned, Serialize};

use crate::metrics::Metrics;
use crate::token::random_hex;
use fanout::Fanout;
use link::Link;

/// The longest any one Redis command may take.
const COMMAND_TIME: Duration = Duration::from_millis(1000);

/// This replica's handle on the shared store.
pub struct Cluster {
    client: redis::Client,
    link: Link,
    prefix: String,
    /// A random name for this process (lease holder, logs).
    pub replica: String,
    up: AtomicBool,
    metrics: Arc<Metrics>,
    /// Job updates from every replica.
    pub fanout: Fanout,
}

pub use crate::error::Down;

impl Cluster {
    /// A store at `url` (`redis://` or `rediss://user:password@host:port/db`), with
    /// `ca_file` trusted for TLS instead of the system's roots when given; connects on
    /// first use, so a gateway starts even while Redis is down.
    pub fn open(
        url: &str,
        ca_file: Option<&std::path::Path>,
        metrics: Arc<Metrics>,
    ) -> Result<Arc<Cluster>, String> {
        let client = connect::client(url, ca_file)?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_millis(500)))
            // One limit for a whole command, reconnect and script reload included:
            // `COMMAND_TIME`, around each call (`run`, `script`, `get_bytes`).
            .set_response_timeout(None)
            .set_number_of_retries(1)
            .set_max_delay(Duration::from_millis(200));
        let link = Link::new(client.clone(), config)
            .map_err(|e| format!("TRYON_REDIS_URL `{}`: {e}", connect::redacted(url)))?;
        let cluster = Arc::new(Cluster {
            client,
            link,
            prefix: "tryon:".into(),
            replica: random_hex(8),
            up: AtomicBool::new(true),
            metrics,
            fanout: Fanout::new(),
        });
        cluster.metrics.redis_up(true);
        tokio::spawn(fanout::listen(Arc::downgrade(&cluster)));
        tokio::spawn(heartbeat::beat(Arc::downgrade(&cluster)));
        Ok(cluster)
    }

    /// Whether the last command reached Redis.
    pub fn is_up(&self) -> bool {
        self.up.load(Ordering::Relaxed)
    }

    /// A key in the gateway's part of Redis.
    pub fn key(&self, name: &str) -> String {
        format!("{}{name}", self.prefix)
    }

    /// Notes whether Redis answered; the reason it did not goes to the log (and only
    /// there: answers to browsers do not describe the merchant's infrastructure).
    fn saw(&self, up: bool, what: &'static str, reason: &str) {
        if self.up.swap(up, Ordering::Relaxed) != up {
            if up {
                tracing::info!("Redis is reachable again");
            } else {
                tracing::warn!(
                    what,
                    reason,
                    "Redis cannot be reached: shared state is unavailable"
                );
            }
            self.metrics.redis_up(up);
        }
        if !up {
            self.metrics.redis_error(what);
        }
    }

    /// Runs one command (or script) with the time limit; `what` names it in metrics.
    pub async fn run<T: redis::FromRedisValue>(
        &self,
        what: &'static str,
        command: &redis::Cmd,
    ) -> Result<T, Down> {
        let (generation, mut con) = self.link.get();
        self.finish(
            what,
            generation,
            tokio::time::timeout(COMMAND_TIME, command.query_async::<T>(&mut con)).await,
        )
    }

    /// Runs a script with its keys and arguments, with the time limit.
    pub async fn script<T: redis::FromRedisValue>(
        &self,
        what: &'static str,
        invocation: &redis::ScriptInvocation<'_>,
    ) -> Result<T, Down> {
        let (generation, mut con) = self.link.get();
        self.finish(
            what,
            generation,
            tokio::time::timeout(COMMAND_TIME, invocation.invoke_async::<T>(&mut con)).await,
        )
    }

    /// Notes how a command on connection `generation` went; one that got no answer
    /// in time retires that connection ([`Link`]).
    fn finish<T>(
        &self,
        what: &'static str,
        generation: u64,
        answer: Result<redis::RedisResult<T>, tokio::time::error::Elapsed>,
    ) -> Result<T, Down> {
        self.metrics.redis_command(what);
        match answer {
            Ok(Ok(value)) => {
                self.saw(true, what, "");
                Ok(value)
            }
            Ok(Err(e)) => {
                let reason = e.to_string();
                self.saw(false, what, &reason);
                Err(Down(reason))
            }
            Err(_) => {
                self.link.retire(generation);
                let reason = "no answer within 1 s";
                self.saw(false, what, reason);
                Err(Down(reason.into()))
            }
        }
    }

    /// Stores `value` as JSON under `key` for `ttl`.
    pub async fn put_json<V: Serialize>(
        &self,
        what: &'static str,
        key: &str,
        value: &V,
        ttl: Duration,
    ) -> Result<(), Down> {
        let json = serde_json::to_string(value).expect("stored values serialise");
        self.run(
            what,
            redis::cmd("SET")
                .arg(key)
                .arg(json)
                .arg("PX")
                .arg(ttl.as_millis().max(1) as u64),
        )
        .await
    }

    /// The JSON value under `key`, if any (unreadable counts as none).
    pub async fn get_json<V: DeserializeOwned>(
        &self,
        what: &'static str,
        key: &str,
    ) -> Result<Option<V>, Down> {
        let text: Option<String> = self.run(what, redis::cmd("GET").arg(key)).await?;
        Ok(text.and_then(|t| serde_json::from_str(&t).ok()))
    }

    /// Stores bytes under `key` for `ttl`.
    pub async fn put_bytes(&self, key: &str, bytes: &[u8], ttl: Duration) -> Result<(), Down> {
        self.run(
            "put_result",
            redis::cmd("SET")
                .arg(key)
                .arg(bytes)
                .arg("PX")
                .arg(ttl.as_millis().max(1) as u64),
        )
        .await
    }

    /// The bytes under `key` and their remaining lifetime, if any.
    pub async fn get_bytes(&self, key: &str) -> Result<Option<(Vec<u8>, Duration)>, Down> {
        let mut pipe = redis::pipe();
        pipe.cmd("GET").arg(key).cmd("PTTL").arg(key);
        let (generation, mut con) = self.link.get();
        let answer = tokio::time::timeout(
            COMMAND_TIME,
            pipe.query_async::<(Option<Vec<u8>>, i64)>(&mut con),
        )
        .await;
        let (bytes, ttl) = self.finish("get_result", generation, answer)?;
        Ok(bytes.map(|b| (b, Duration::from_millis(ttl.max(0) as u64))))
    }

    /// Sends a message to every replica's listeners.
    pub async fn publish(&self, channel: &str, message: &str) -> Result<(), Down> {
        let _receivers: i64 = self
            .run(
                "publish",
                redis::cmd("PUBLISH").arg(self.key(channel)).arg(message),
            )
            .await?;
        Ok(())
    }
}

impl std::fmt::Debug for Cluster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL may carry a password: only what is safe to log.
        f.debug_struct("Cluster")
            .field("replica", &self.replica)
            .field("up", &self.is_up())
            .finish()
    }
}
