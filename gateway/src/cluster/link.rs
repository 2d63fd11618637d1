//! The command connection to Redis, replaced when it stops answering.
//!
//! redis-rs's `ConnectionManager` reconnects when its connection reports that it broke
//! (reset, closed). A connection that just goes quiet reports nothing: a NAT or
//! firewall that forgot the flow, or a failover that left the old socket open. The
//! kernel then retransmits for about 15 minutes, and every command meanwhile times out
//! although Redis itself would answer. So a command that gets no answer within its
//! time limit retires the connection it went out on, and the next command opens a new
//! one. A connection that is merely slow costs one reconnect.

use std::sync::Mutex;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};

/// The connection in use, and how many were retired before it.
pub struct Link {
    client: redis::Client,
    config: ConnectionManagerConfig,
    current: Mutex<(u64, ConnectionManager)>,
}

impl Link {
    /// A link that connects on first use (a gateway starts while Redis is down).
    pub fn new(client: redis::Client, config: ConnectionManagerConfig) -> redis::RedisResult<Self> {
        let manager = client.get_connection_manager_lazy(config.clone())?;
        Ok(Link {
            client,
            config,
            current: Mutex::new((0, manager)),
        })
    }

    /// The connection to send a command on, with its generation for [`Link::retire`].
    pub fn get(&self) -> (u64, ConnectionManager) {
        let current = self.current.lock().unwrap_or_else(|e| e.into_inner());
        (current.0, current.1.clone())
    }

    /// Retires connection `generation` if it is still the one in use: the next
    /// command gets a new connection. Commands that timed out together retire it once.
    pub fn retire(&self, generation: u64) {
        let mut current = self.current.lock().unwrap_or_else(|e| e.into_inner());
        if current.0 != generation {
            return;
        }
        match self.client.get_connection_manager_lazy(self.config.clone()) {
            Ok(fresh) => {
                tracing::warn!("Redis did not answer in time: opening a new connection");
                *current = (generation + 1, fresh);
            }
            Err(e) => tracing::warn!(error = %e, "no new Redis connection"),
        }
    }
}
