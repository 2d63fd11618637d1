//! The merchant's money in Redis: quota windows, the day's total and remembered
//! submits, each step one Lua script on Redis's clock, so N replicas count as one.
//!
//! A window is a sorted set of takes, scored by when they were made, each member
//! `images:entry`; a day is a hash of `images` and `credits`; a remembered submit is a
//! string `fingerprint|job` (`job` empty while its request is still running).

use std::sync::{Arc, LazyLock};
use std::time::Duration;

use super::{Cluster, Down};
use crate::spending::store::{
    Claim, Counters, Replays, Spent, StoreAnswer, Today, Unavailable, Window,
};

/// KEYS[1]: the window. ARGV: member, images, limit, window ms.
/// Returns {allowed, remaining, wait ms}.
static TAKE: LazyLock<redis::Script> = LazyLock::new(|| {
    redis::Script::new(
        r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local images = tonumber(ARGV[2])
local limit = tonumber(ARGV[3])
local window = tonumber(ARGV[4])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local entries = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
local used = 0
for i = 1, #entries, 2 do
  used = used + tonumber(string.match(entries[i], '^(%d+):'))
end
if used + images <= limit then
  redis.call('ZADD', KEYS[1], now, ARGV[1])
  redis.call('PEXPIRE', KEYS[1], window)
  local oldest = now
  if #entries > 0 then oldest = tonumber(entries[2]) end
  return {1, limit - used - images, oldest + window - now}
end
local freed = 0
for i = 1, #entries, 2 do
  freed = freed + tonumber(string.match(entries[i], '^(%d+):'))
  if used - freed + images <= limit then
    return {0, math.max(0, limit - used), tonumber(entries[i + 1]) + window - now}
  end
end
return {0, math.max(0, limit - used), window}
",
    )
});

/// KEYS[1]: the day. ARGV: images, cap (-1: none), ms to keep the day.
/// Returns {allowed, images}.
static SPEND: LazyLock<redis::Script> = LazyLock::new(|| {
    redis::Script::new(
        r"
local spent = tonumber(redis.call('HGET', KEYS[1], 'images') or '0')
local cap = tonumber(ARGV[2])
if cap >= 0 and spent + tonumber(ARGV[1]) > cap then return {0, spent} end
spent = redis.call('HINCRBY', KEYS[1], 'images', ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return {1, spent}
",
    )
});

/// KEYS[1]: the remembered submit. ARGV: fingerprint, ms a pending claim lasts.
/// Returns {answer, job}.
static CLAIM: LazyLock<redis::Script> = LazyLock::new(|| {
    redis::Script::new(
        r"
local v = redis.call('GET', KEYS[1])
if v == false then
  redis.call('SET', KEYS[1], ARGV[1] .. '|', 'PX', ARGV[2])
  return {'ours', ''}
end
local sep = string.find(v, '|', 1, true)
if string.sub(v, 1, sep - 1) ~= ARGV[1] then return {'conflict', ''} end
local job = string.sub(v, sep + 1)
if job == '' then return {'pending', ''} end
return {'done', job}
",
    )
});

/// A day is kept a little over a day, then Redis forgets it.
const KEEP_DAY: Duration = Duration::from_secs(26 * 3600);

fn ms(d: Duration) -> u64 {
    d.as_millis().max(1) as u64
}

fn unavailable(down: Down) -> Unavailable {
    Unavailable(down.0)
}

/// The merchant's counters and remembered submits in Redis.
pub struct RedisSpending {
    cluster: Arc<Cluster>,
}

impl RedisSpending {
    /// The store in `cluster`.
    pub fn new(cluster: Arc<Cluster>) -> Self {
        RedisSpending { cluster }
    }

    fn key(&self, kind: &str, name: &str) -> String {
        self.cluster.key(&format!("{kind}:{name}"))
    }
}

impl Counters for RedisSpending {
    fn take<'a>(
        &'a self,
        key: &'a str,
        entry: &'a str,
        images: u32,
        limit: u32,
        window: Duration,
    ) -> StoreAnswer<'a, Window> {
        Box::pin(async move {
            let (allowed, remaining, wait): (i64, i64, i64) = self
                .cluster
                .script(
                    "quota_take",
                    TAKE.key(self.key("quota", key))
                        .arg(format!("{images}:{entry}"))
                        .arg(images)
                        .arg(limit)
                        .arg(ms(window)),
                )
                .await
                .map_err(unavailable)?;
            Ok(Window {
                allowed: allowed == 1,
                remaining: remaining.max(0) as u32,
                wait: Duration::from_millis(wait.max(0) as u64),
            })
        })
    }

    fn give_back<'a>(&'a self, key: &'a str, entry: &'a str) -> StoreAnswer<'a, ()> {
        Box::pin(async move {
            // The member is `images:entry`: found by its entry, whatever its images.
            let members: Vec<String> = self
                .cluster
                .run(
                    "quota_give_back",
                    redis::cmd("ZRANGE")
                        .arg(self.key("quota", key))
                        .arg(0)
                        .arg(-1),
                )
                .await
                .map_err(unavailable)?;
            let ours: Vec<&String> = members
                .iter()
                .filter(|m| m.split_once(':').is_some_and(|(_, id)| id == entry))
                .collect();
            if !ours.is_empty() {
                let _: i64 = self
                    .cluster
                    .run(
                        "quota_give_back",
                        redis::cmd("ZREM").arg(self.key("quota", key)).arg(ours),
                    )
                    .await
                    .map_err(unavailable)?;
            }
            Ok(())
        })
    }

    fn spend<'a>(&'a self, day: &'a str, images: u32, cap: Option<u64>) -> StoreAnswer<'a, Spent> {
        Box::pin(async move {
            let cap = cap.map_or(-1, |c| c.min(i64::MAX as u64) as i64);
            let (allowed, spent): (i64, i64) = self
                .cluster
                .script(
                    "budget_spend",
                    SPEND
                        .key(self.key("day", day))
                        .arg(images)
                        .arg(cap)
                        .arg(ms(KEEP_DAY)),
                )
                .await
                .map_err(unavailable)?;
            Ok(Spent {
                allowed: allowed == 1,
                images: spent.max(0) as u64,
            })
        })
    }

    fn adjust<'a>(&'a self, day: &'a str, images: i64) -> StoreAnswer<'a, ()> {
        Box::pin(async move {
            let _: i64 = self
                .cluster
                .run(
                    "budget_adjust",
                    redis::cmd("HINCRBY")
                        .arg(self.key("day", day))
                        .arg("images")
                        .arg(images),
                )
                .await
                .map_err(unavailable)?;
            Ok(())
        })
    }

    fn add_credits<'a>(&'a self, day: &'a str, credits: f64) -> StoreAnswer<'a, ()> {
        Box::pin(async move {
            let _: String = self
                .cluster
                .run(
                    "budget_credits",
                    redis::cmd("HINCRBYFLOAT")
                        .arg(self.key("day", day))
                        .arg("credits")
                        .arg(credits),
                )
                .await
                .map_err(unavailable)?;
            Ok(())
        })
    }

    fn today<'a>(&'a self, day: &'a str) -> StoreAnswer<'a, Today> {
        Box::pin(async move {
            let (images, credits): (Option<u64>, Option<f64>) = self
                .cluster
                .run(
                    "budget_today",
                    redis::cmd("HMGET")
                        .arg(self.key("day", day))
                        .arg("images")
                        .arg("credits"),
                )
                .await
                .map_err(unavailable)?;
            Ok(Today {
                images: images.unwrap_or(0),
                credits: credits.unwrap_or(0.0),
            })
        })
    }
}

impl Replays for RedisSpending {
    fn claim<'a>(
        &'a self,
        key: &'a str,
        fingerprint: &'a str,
        pending: Duration,
    ) -> StoreAnswer<'a, Claim> {
        Box::pin(async move {
            let (answer, job): (String, String) = self
                .cluster
                .script(
                    "replay_claim",
                    CLAIM
                        .key(self.key("replay", key))
                        .arg(fingerprint)
                        .arg(ms(pending)),
                )
                .await
                .map_err(unavailable)?;
            Ok(match answer.as_str() {
                "ours" => Claim::Ours,
                "pending" => Claim::Pending,
                "done" => Claim::Done(job),
                _ => Claim::Conflict,
            })
        })
    }

    fn settle<'a>(
        &'a self,
        key: &'a str,
        fingerprint: &'a str,
        job: &'a str,
        keep: Duration,
    ) -> StoreAnswer<'a, ()> {
        Box::pin(async move {
            self.cluster
                .run(
                    "replay_settle",
                    redis::cmd("SET")
                        .arg(self.key("replay", key))
                        .arg(format!("{fingerprint}|{job}"))
                        .arg("PX")
                        .arg(ms(keep)),
                )
                .await
                .map_err(unavailable)
        })
    }

    fn release<'a>(&'a self, key: &'a str) -> StoreAnswer<'a, ()> {
        Box::pin(async move {
            let _: i64 = self
                .cluster
                .run(
                    "replay_release",
                    redis::cmd("DEL").arg(self.key("replay", key)),
                )
                .await
                .map_err(unavailable)?;
            Ok(())
        })
    }
}
