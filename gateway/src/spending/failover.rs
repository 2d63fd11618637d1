//! The shared store first, this process's own while it cannot be asked: what the
//! merchant's limits do on replicas while Redis is down (README "Running several
//! replicas"). Shoppers are not refused for an outage, and the limits still hold:
//! each replica counts quotas on its own meanwhile (N replicas allow at most N times a
//! quota), and the day's cap goes on from the last total this replica read, the images
//! spent meanwhile added to the shared total once Redis answers again.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use super::local::{LocalCounters, LocalReplays};
use super::store::{Claim, Counters, Replays, Spent, StoreAnswer, Today, Window};

/// Counters in the shared store, falling back to this process's.
pub struct FailoverCounters {
    shared: Arc<dyn Counters>,
    local: LocalCounters,
    /// The day's total as last read from the shared store.
    last_seen: AtomicU64,
    /// Images spent here while the shared store could not be asked, not yet added to it.
    unsynced: AtomicU64,
}

impl FailoverCounters {
    /// Counters in `shared`, falling back to this process's.
    pub fn new(shared: Arc<dyn Counters>) -> Self {
        FailoverCounters {
            shared,
            local: LocalCounters::default(),
            last_seen: AtomicU64::new(0),
            unsynced: AtomicU64::new(0),
        }
    }

    /// Adds what was spent during an outage to the shared total, once it answers.
    async fn sync(&self, day: &str) {
        let owed = self.unsynced.swap(0, Ordering::Relaxed);
        if owed > 0 && self.shared.adjust(day, owed as i64).await.is_err() {
            self.unsynced.fetch_add(owed, Ordering::Relaxed);
        }
    }
}

impl Counters for FailoverCounters {
    fn take<'a>(
        &'a self,
        key: &'a str,
        entry: &'a str,
        images: u32,
        limit: u32,
        window: Duration,
    ) -> StoreAnswer<'a, Window> {
        Box::pin(async move {
            match self.shared.take(key, entry, images, limit, window).await {
                Ok(answer) => Ok(answer),
                Err(_) => Ok(self.local.take_now(key, entry, images, limit, window)),
            }
        })
    }

    fn give_back<'a>(&'a self, key: &'a str, entry: &'a str) -> StoreAnswer<'a, ()> {
        Box::pin(async move {
            // Taken in one of the two: giving back in both is harmless.
            let _ = self.shared.give_back(key, entry).await;
            self.local.give_back(key, entry).await
        })
    }

    fn spend<'a>(&'a self, day: &'a str, images: u32, cap: Option<u64>) -> StoreAnswer<'a, Spent> {
        Box::pin(async move {
            self.sync(day).await;
            match self.shared.spend(day, images, cap).await {
                Ok(spent) => {
                    self.last_seen.store(spent.images, Ordering::Relaxed);
                    Ok(spent)
                }
                Err(_) => {
                    // Counted here from the last shared total, so the cap still holds.
                    let seen = self.last_seen.load(Ordering::Relaxed);
                    let local_cap = cap.map(|c| c.saturating_sub(seen));
                    let spent = self.local.spend(day, images, local_cap).await?;
                    if spent.allowed {
                        self.unsynced
                            .fetch_add(u64::from(images), Ordering::Relaxed);
                    }
                    Ok(Spent {
                        allowed: spent.allowed,
                        images: seen + spent.images,
                    })
                }
            }
        })
    }

    fn adjust<'a>(&'a self, day: &'a str, images: i64) -> StoreAnswer<'a, ()> {
        Box::pin(async move {
            if self.shared.adjust(day, images).await.is_err() {
                self.local.adjust(day, images).await?;
                if images < 0 {
                    let back = images.unsigned_abs();
                    let _ = self
                        .unsynced
                        .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |u| {
                            Some(u.saturating_sub(back))
                        });
                }
            }
            Ok(())
        })
    }

    fn add_credits<'a>(&'a self, day: &'a str, credits: f64) -> StoreAnswer<'a, ()> {
        Box::pin(async move {
            if self.shared.add_credits(day, credits).await.is_err() {
                self.local.add_credits(day, credits).await?;
            }
            Ok(())
        })
    }

    fn today<'a>(&'a self, day: &'a str) -> StoreAnswer<'a, Today> {
        Box::pin(async move {
            match self.shared.today(day).await {
                Ok(today) => Ok(today),
                Err(_) => {
                    let local = self.local.today(day).await?;
                    Ok(Today {
                        images: self.last_seen.load(Ordering::Relaxed) + local.images,
                        credits: local.credits,
                    })
                }
            }
        })
    }
}

/// Remembered submits in the shared store, falling back to this process's: during an
/// outage a replay reaching the same replica is still recognised.
pub struct FailoverReplays {
    shared: Arc<dyn Replays>,
    local: LocalReplays,
}

impl FailoverReplays {
    /// Remembered submits in `shared`, falling back to this process's.
    pub fn new(shared: Arc<dyn Replays>) -> Self {
        FailoverReplays {
            shared,
            local: LocalReplays::default(),
        }
    }
}

impl Replays for FailoverReplays {
    fn claim<'a>(
        &'a self,
        key: &'a str,
        fingerprint: &'a str,
        pending: Duration,
    ) -> StoreAnswer<'a, Claim> {
        Box::pin(async move {
            match self.shared.claim(key, fingerprint, pending).await {
                Ok(claim) => Ok(claim),
                Err(_) => self.local.claim(key, fingerprint, pending).await,
            }
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
            let _ = self.shared.settle(key, fingerprint, job, keep).await;
            self.local.settle(key, fingerprint, job, keep).await
        })
    }

    fn release<'a>(&'a self, key: &'a str) -> StoreAnswer<'a, ()> {
        Box::pin(async move {
            let _ = self.shared.release(key).await;
            self.local.release(key).await
        })
    }
}
