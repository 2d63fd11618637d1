//! The mint limit shared by every replica: GCRA (the same algorithm as the in-process
//! `governor` limiter) in one Lua script, so a check and its update are one atomic step
//! in Redis, on Redis's clock (replicas' clocks may differ).

use std::net::IpAddr;
use std::sync::LazyLock;

use super::{Cluster, Down};

/// KEYS[1]: the client's key. ARGV[1]: ms between two requests at the steady rate;
/// ARGV[2]: the burst. Returns 0 when allowed, else the ms to wait.
static GCRA: LazyLock<redis::Script> = LazyLock::new(|| {
    redis::Script::new(
        r"
local now_parts = redis.call('TIME')
local now = tonumber(now_parts[1]) * 1000 + math.floor(tonumber(now_parts[2]) / 1000)
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local next_tat = tat + interval
local allowed_at = next_tat - interval * burst
if allowed_at > now then return allowed_at - now end
redis.call('SET', KEYS[1], next_tat, 'PX', next_tat - now)
return 0
",
    )
});

impl Cluster {
    /// Takes one mint from `client`'s allowance of `burst` per `burst × interval_ms`;
    /// `Ok(Err(seconds))` says when to retry.
    pub async fn take_mint(
        &self,
        client: IpAddr,
        interval_ms: u64,
        burst: u32,
    ) -> Result<Result<(), u64>, Down> {
        let key = self.key(&format!("mint:{client}"));
        let wait_ms: u64 = self
            .script("mint_limit", GCRA.key(key).arg(interval_ms).arg(burst))
            .await?;
        Ok(match wait_ms {
            0 => Ok(()),
            // Whole seconds, rounded up: a client that obeys is never refused again.
            ms => Err(ms.div_ceil(1000).max(1)),
        })
    }
}
