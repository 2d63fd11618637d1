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
//!
//! Fair turns across replicas: a permit taken for a shopper's address carries it, so
//! the set also tells how many turns each address had within W. A replica whose next
//! shopper waits for a permit leaves a claim with that address; a free permit goes to
//! a claim whose address had fewer turns before anyone else's. Without it the replicas
//! race for each permit, and a shopper on one replica waits behind a script's submits
//! on the others. A spread budget (`engine::upstream::budget`) is spread here, for all
//! replicas together.

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

/// KEYS[1]: the permits; KEYS[2]: the pause; KEYS[3]: the claims (permit →
/// `until ms|address`); KEYS[4]: when the last permit was taken. ARGV: N, hold ms (the
/// call's limit and W), permit (`id|address`), W ms, address (empty: no claim), how
/// long a claim outlives its asker's next ask (ms), the wait when a permit is free but
/// kept for a fairer claim (ms), whether the free permits are spread (1/0: once half
/// the window, at least two, is out; `budget::at_once`), the asker's poll (ms). Answers {wait ms (0: taken),
/// the address's turns within the window before this one}.
static TAKE_PERMIT: LazyLock<redis::Script> = LazyLock::new(|| {
    redis::Script::new(
        r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local n = tonumber(ARGV[1])
local address = ARGV[5]
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local turns = {}
if address ~= '' then
  for _, m in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
    local bar = string.find(m, '|', 1, true)
    if bar then
      local a = string.sub(m, bar + 1)
      turns[a] = (turns[a] or 0) + 1
    end
  end
end
local mine = turns[address] or 0
local per = tonumber(ARGV[4])
local function claim(wait)
  if address ~= '' then
    -- The asker comes back after the wait, or after its poll if the wait is longer
    -- than a window (a permit out on a call).
    local back = wait
    if wait > per then back = tonumber(ARGV[9]) end
    local keep = back + tonumber(ARGV[6])
    redis.call('HSET', KEYS[3], ARGV[3], (now + keep) .. '|' .. address)
    if redis.call('PTTL', KEYS[3]) < keep then redis.call('PEXPIRE', KEYS[3], keep) end
  end
  return {wait, mine}
end
local paused = redis.call('PTTL', KEYS[2])
if paused > 0 then return claim(paused) end
local free = n - redis.call('ZCARD', KEYS[1])
if free <= 0 then
  local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return claim(math.max(1, tonumber(first[2]) - now))
end
if ARGV[8] == '1' and n - free >= math.max(math.ceil(n / 2), 2) then
  local last = redis.call('GET', KEYS[4])
  if last then
    last = tonumber(last)
    -- A permit out on a call comes back at least a window from now.
    local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
    local back = math.min(tonumber(first[2]), now + per)
    local go_at = last + math.floor((back - last) / free)
    if go_at > now then return claim(go_at - now) end
  end
end
if address ~= '' then
  local claims = redis.call('HGETALL', KEYS[3])
  for i = 1, #claims, 2 do
    if claims[i] ~= ARGV[3] then
      local bar = string.find(claims[i + 1], '|', 1, true)
      if tonumber(string.sub(claims[i + 1], 1, bar - 1)) < now then
        redis.call('HDEL', KEYS[3], claims[i])
      elseif (turns[string.sub(claims[i + 1], bar + 1)] or 0) < mine then
        return claim(tonumber(ARGV[7]))
      end
    end
  end
  redis.call('HDEL', KEYS[3], ARGV[3])
end
redis.call('SET', KEYS[4], now, 'PX', tonumber(ARGV[2]))
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[3])
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[2]) then
  redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]))
end
return {0, mine}
",
    )
});

/// KEYS[1]: the permits; KEYS[2]: the claims. ARGV[1]: a permit its asker did not use.
static WITHDRAW: LazyLock<redis::Script> = LazyLock::new(|| {
    redis::Script::new(
        r"
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
return 1
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

/// A claim stands this long past its asker's next ask: time enough to come back and
/// ask, not so long that a replica that died holds permits back.
const CLAIM_OUTLIVES: Duration = Duration::from_millis(500);
/// A free permit kept for a fairer claim is asked about again after this long.
const KEPT_FOR_CLAIM: Duration = Duration::from_millis(50);

/// One ask for a shared permit.
#[derive(Debug, Clone, Copy)]
pub struct PermitAsk<'a> {
    /// The budget's limit: `requests` per `per`.
    pub requests: u32,
    /// The limit's window.
    pub per: Duration,
    /// The longest a call may take (a dead replica's permit comes back after it).
    pub hold: Duration,
    /// The permit's id (`id|address`, see [`permit_id`]).
    pub permit: &'a str,
    /// The shopper's address in a fair turn (`None`: not one).
    pub address: Option<&'a str>,
    /// Whether the free permits are spread.
    pub spread: bool,
    /// How soon the asker asks again when a permit is out on a call.
    pub poll: Duration,
}

/// What asking for a shared permit answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Taken {
    /// `None` when the permit was taken, else how long until one may be.
    pub wait: Option<Duration>,
    /// The turns the asking address had within the window on all replicas, before
    /// this one (0 without an address).
    pub turns: usize,
}

/// A permit's id in the shared budget: random, with the address it was taken for (so
/// the budget counts each address's turns).
pub fn permit_id(address: Option<&str>) -> String {
    format!(
        "{}|{}",
        crate::token::random_hex(8),
        address.unwrap_or_default()
    )
}

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

    /// Takes the permit `ask` names of `endpoint`'s budget, or leaves a claim for the
    /// next free one. No wait when taken; a wait when none is free (or not yet by the
    /// spread, or the free one is kept for an address that had fewer turns).
    pub async fn take_permit(&self, endpoint: &str, ask: &PermitAsk<'_>) -> Result<Taken, Down> {
        let PermitAsk {
            requests,
            per,
            hold,
            permit,
            address,
            spread,
            poll,
        } = *ask;
        let (wait, turns): (u64, usize) = self
            .script(
                "budget_take",
                TAKE_PERMIT
                    .key(self.key(&format!("budget:{endpoint}")))
                    .key(self.key(&format!("budget:{endpoint}:pause")))
                    .key(self.key(&format!("budget:{endpoint}:claims")))
                    .key(self.key(&format!("budget:{endpoint}:last")))
                    .arg(requests)
                    .arg(ms(hold + per))
                    .arg(permit)
                    .arg(ms(per))
                    .arg(address.unwrap_or_default())
                    .arg(ms(CLAIM_OUTLIVES))
                    .arg(ms(KEPT_FOR_CLAIM))
                    .arg(if spread { "1" } else { "0" })
                    .arg(ms(poll)),
            )
            .await?;
        Ok(Taken {
            wait: (wait > 0).then(|| Duration::from_millis(wait)),
            turns,
        })
    }

    /// The asker of `permit` left without a call: the permit, if its ask took it (the
    /// answer may have been lost on the way), and its claim go.
    pub async fn withdraw(&self, endpoint: &str, permit: &str) -> Result<(), Down> {
        let _: i64 = self
            .script(
                "budget_withdraw",
                WITHDRAW
                    .key(self.key(&format!("budget:{endpoint}")))
                    .key(self.key(&format!("budget:{endpoint}:claims")))
                    .arg(permit),
            )
            .await?;
        Ok(())
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
