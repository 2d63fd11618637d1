//! Leases and the shared upstream budget: small Lua scripts, each one atomic step on
//! Redis's clock.
//!
//! A job's reader lease names the one replica that reads the job's upstream status; the
//! holder renews it while it follows the job, and when it dies the lease runs out and
//! a replica whose shoppers still wait takes it over.
//!
//! The shared budget keeps the same promise as the in-process one
//! (`engine::upstream::budget`): N permits per endpoint, each resting W after its call
//! was answered, now for the merchant's key as a whole. A sorted set holds the permits
//! in use or resting, scored by when they come back; a permit whose replica died
//! mid-call comes back after the call's time limit and W.

use std::sync::LazyLock;
use std::time::Duration;

use super::{Cluster, Down};

/// KEYS[1]: the lease. ARGV[1]: this replica; ARGV[2]: ms. 1 when held by us now.
static TAKE_OR_RENEW: LazyLock<redis::Script> = LazyLock::new(|| {
    redis::Script::new(
        r"
local holder = redis.call('GET', KEYS[1])
if holder == false or holder == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0
",
    )
});

/// KEYS[1]: the permits; KEYS[2]: the pause. ARGV: N, W ms, hold ms, permit id.
/// 0 when a permit was taken, else ms until one may come back.
static TAKE_PERMIT: LazyLock<redis::Script> = LazyLock::new(|| {
    redis::Script::new(
        r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local paused = redis.call('PTTL', KEYS[2])
if paused > 0 then return paused end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[4])
  redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[3]) + tonumber(ARGV[2]))
  return 0
end
local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return math.max(1, tonumber(first[2]) - now)
",
    )
});

/// KEYS[1]: the permits. ARGV: W ms, permit id. The permit rests W from now.
static PERMIT_ANSWERED: LazyLock<redis::Script> = LazyLock::new(|| {
    redis::Script::new(
        r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[1], 'XX', now + tonumber(ARGV[1]), ARGV[2])
return 1
",
    )
});

fn ms(d: Duration) -> u64 {
    d.as_millis().max(1) as u64
}

impl Cluster {
    /// Takes or renews the reader lease of job `id` for `length`; whether we hold it.
    pub async fn hold_lease(&self, id: &str, length: Duration) -> Result<bool, Down> {
        let key = self.key(&format!("reader:{id}"));
        let held: i64 = self
            .script(
                "reader_lease",
                TAKE_OR_RENEW.key(key).arg(&self.replica).arg(ms(length)),
            )
            .await?;
        Ok(held == 1)
    }

    /// Takes a permit of `endpoint`'s budget (`requests` per `per`; a call lasts at most
    /// `hold`): `Ok(None)` when taken, `Ok(Some(wait))` when none is free.
    pub async fn take_permit(
        &self,
        endpoint: &str,
        requests: u32,
        per: Duration,
        hold: Duration,
        permit: &str,
    ) -> Result<Option<Duration>, Down> {
        let wait: u64 = self
            .script(
                "budget_take",
                TAKE_PERMIT
                    .key(self.key(&format!("budget:{endpoint}")))
                    .key(self.key(&format!("budget:{endpoint}:pause")))
                    .arg(requests)
                    .arg(ms(per))
                    .arg(ms(hold + per))
                    .arg(permit),
            )
            .await?;
        Ok((wait > 0).then(|| Duration::from_millis(wait)))
    }

    /// The permit's call was answered: it rests for `per`, then comes back.
    pub async fn permit_answered(
        &self,
        endpoint: &str,
        per: Duration,
        permit: &str,
    ) -> Result<(), Down> {
        let _: i64 = self
            .script(
                "budget_answered",
                PERMIT_ANSWERED
                    .key(self.key(&format!("budget:{endpoint}")))
                    .arg(ms(per))
                    .arg(permit),
            )
            .await?;
        Ok(())
    }

    /// The provider answered 429: every replica holds `endpoint`'s calls for `wait`.
    pub async fn pause_budget(&self, endpoint: &str, wait: Duration) -> Result<(), Down> {
        self.run(
            "budget_pause",
            redis::cmd("SET")
                .arg(self.key(&format!("budget:{endpoint}:pause")))
                .arg(1)
                .arg("PX")
                .arg(ms(wait)),
        )
        .await
    }
}
