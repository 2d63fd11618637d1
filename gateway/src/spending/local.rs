//! The counters and remembered submits of one process: what a single gateway uses, and
//! what replicas fall back to while Redis cannot be reached. On tokio's clock, so the
//! tests can move time.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

use super::store::{Claim, Counters, Replays, Spent, StoreAnswer, Today, Window};

/// How often windows and records that ran out are forgotten.
const SWEEP_EVERY: Duration = Duration::from_secs(60);

/// One take in a window.
struct Entry {
    at: Instant,
    images: u32,
    id: String,
}

/// Windows and day totals in this process.
pub struct LocalCounters {
    state: Mutex<CounterState>,
}

struct CounterState {
    windows: HashMap<String, (Duration, VecDeque<Entry>)>,
    days: HashMap<String, Today>,
    next_sweep: Instant,
}

impl Default for LocalCounters {
    fn default() -> Self {
        LocalCounters {
            state: Mutex::new(CounterState {
                windows: HashMap::new(),
                days: HashMap::new(),
                next_sweep: Instant::now() + SWEEP_EVERY,
            }),
        }
    }
}

impl LocalCounters {
    /// The take itself, without the future around it.
    pub fn take_now(
        &self,
        key: &str,
        entry: &str,
        images: u32,
        limit: u32,
        window: Duration,
    ) -> Window {
        let now = Instant::now();
        let mut state = self.state.lock().unwrap();
        state.sweep_when_due(now);
        let (kept, entries) = state
            .windows
            .entry(key.to_owned())
            .or_insert_with(|| (window, VecDeque::new()));
        *kept = window;
        while entries.front().is_some_and(|e| e.at + window <= now) {
            entries.pop_front();
        }
        let used: u32 = entries.iter().map(|e| e.images).sum();
        if used + images <= limit {
            let oldest = entries.front().map_or(now, |e| e.at);
            entries.push_back(Entry {
                at: now,
                images,
                id: entry.to_owned(),
            });
            return Window {
                allowed: true,
                remaining: limit - used - images,
                wait: (oldest + window).saturating_duration_since(now),
            };
        }
        // The first moment enough of the window has run out for this request.
        let mut freed = 0;
        let wait = entries
            .iter()
            .find(|e| {
                freed += e.images;
                used - freed + images <= limit
            })
            .map_or(window, |e| (e.at + window).saturating_duration_since(now));
        Window {
            allowed: false,
            remaining: limit.saturating_sub(used),
            wait,
        }
    }

    fn give_back_now(&self, key: &str, entry: &str) {
        let mut state = self.state.lock().unwrap();
        if let Some((_, entries)) = state.windows.get_mut(key) {
            entries.retain(|e| e.id != entry);
        }
    }

    fn spend_now(&self, day: &str, images: u32, cap: Option<u64>) -> Spent {
        let mut state = self.state.lock().unwrap();
        let today = state.day(day);
        let after = today.images + u64::from(images);
        if cap.is_some_and(|cap| after > cap) {
            return Spent {
                allowed: false,
                images: today.images,
            };
        }
        today.images = after;
        Spent {
            allowed: true,
            images: after,
        }
    }
}

impl CounterState {
    /// Day `day`'s totals; other days are forgotten (only today is ever asked for).
    fn day(&mut self, day: &str) -> &mut Today {
        if !self.days.contains_key(day) {
            self.days.clear();
        }
        self.days.entry(day.to_owned()).or_default()
    }

    fn sweep_when_due(&mut self, now: Instant) {
        if now < self.next_sweep {
            return;
        }
        self.next_sweep = now + SWEEP_EVERY;
        self.windows
            .retain(|_, (window, entries)| entries.back().is_some_and(|e| e.at + *window > now));
    }
}

impl Counters for LocalCounters {
    fn take<'a>(
        &'a self,
        key: &'a str,
        entry: &'a str,
        images: u32,
        limit: u32,
        window: Duration,
    ) -> StoreAnswer<'a, Window> {
        let answer = self.take_now(key, entry, images, limit, window);
        Box::pin(async move { Ok(answer) })
    }

    fn give_back<'a>(&'a self, key: &'a str, entry: &'a str) -> StoreAnswer<'a, ()> {
        self.give_back_now(key, entry);
        Box::pin(async { Ok(()) })
    }

    fn spend<'a>(&'a self, day: &'a str, images: u32, cap: Option<u64>) -> StoreAnswer<'a, Spent> {
        let answer = self.spend_now(day, images, cap);
        Box::pin(async move { Ok(answer) })
    }

    fn adjust<'a>(&'a self, day: &'a str, images: i64) -> StoreAnswer<'a, ()> {
        let mut state = self.state.lock().unwrap();
        let today = state.day(day);
        today.images = today.images.saturating_add_signed(images);
        Box::pin(async { Ok(()) })
    }

    fn add_credits<'a>(&'a self, day: &'a str, credits: f64) -> StoreAnswer<'a, ()> {
        self.state.lock().unwrap().day(day).credits += credits;
        Box::pin(async { Ok(()) })
    }

    fn today<'a>(&'a self, day: &'a str) -> StoreAnswer<'a, Today> {
        let today = self
            .state
            .lock()
            .unwrap()
            .days
            .get(day)
            .copied()
            .unwrap_or_default();
        Box::pin(async move { Ok(today) })
    }
}

/// A remembered submit: the body's fingerprint, its job once made, until when.
struct Record {
    fingerprint: String,
    job: Option<String>,
    until: Instant,
}

/// Remembered submits in this process.
pub struct LocalReplays {
    state: Mutex<(HashMap<String, Record>, Instant)>,
}

impl Default for LocalReplays {
    fn default() -> Self {
        LocalReplays {
            state: Mutex::new((HashMap::new(), Instant::now() + SWEEP_EVERY)),
        }
    }
}

impl Replays for LocalReplays {
    fn claim<'a>(
        &'a self,
        key: &'a str,
        fingerprint: &'a str,
        pending: Duration,
    ) -> StoreAnswer<'a, Claim> {
        let now = Instant::now();
        let mut guard = self.state.lock().unwrap();
        let (records, next_sweep) = &mut *guard;
        if now >= *next_sweep {
            *next_sweep = now + SWEEP_EVERY;
            records.retain(|_, r| r.until > now);
        }
        let answer = match records.get(key).filter(|r| r.until > now) {
            None => {
                records.insert(
                    key.to_owned(),
                    Record {
                        fingerprint: fingerprint.to_owned(),
                        job: None,
                        until: now + pending,
                    },
                );
                Claim::Ours
            }
            Some(r) if r.fingerprint != fingerprint => Claim::Conflict,
            Some(Record { job: None, .. }) => Claim::Pending,
            Some(Record { job: Some(job), .. }) => Claim::Done(job.clone()),
        };
        Box::pin(async move { Ok(answer) })
    }

    fn settle<'a>(
        &'a self,
        key: &'a str,
        fingerprint: &'a str,
        job: &'a str,
        keep: Duration,
    ) -> StoreAnswer<'a, ()> {
        self.state.lock().unwrap().0.insert(
            key.to_owned(),
            Record {
                fingerprint: fingerprint.to_owned(),
                job: Some(job.to_owned()),
                until: Instant::now() + keep,
            },
        );
        Box::pin(async { Ok(()) })
    }

    fn release<'a>(&'a self, key: &'a str) -> StoreAnswer<'a, ()> {
        self.state.lock().unwrap().0.remove(key);
        Box::pin(async { Ok(()) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOUR: Duration = Duration::from_secs(3600);

    #[tokio::test(start_paused = true)]
    async fn a_window_counts_images_and_says_when_enough_come_back() {
        let c = LocalCounters::default();
        let w = c.take("s", "a", 4, 10, HOUR).await.unwrap();
        assert_eq!((w.allowed, w.remaining, w.wait), (true, 6, HOUR));
        tokio::time::advance(Duration::from_secs(600)).await;
        let w = c.take("s", "b", 4, 10, HOUR).await.unwrap();
        assert_eq!((w.allowed, w.remaining), (true, 2));
        assert_eq!(
            w.wait,
            HOUR - Duration::from_secs(600),
            "the oldest frees first"
        );
        // 8 used of 10: three more do not fit until the first four run out.
        let w = c.take("s", "c", 3, 10, HOUR).await.unwrap();
        assert!(!w.allowed);
        assert_eq!(w.remaining, 2);
        assert_eq!(w.wait, Duration::from_secs(3000));
        // Another shopper is counted apart.
        assert!(c.take("t", "a", 10, 10, HOUR).await.unwrap().allowed);
        tokio::time::advance(Duration::from_secs(3000)).await;
        let w = c.take("s", "c", 3, 10, HOUR).await.unwrap();
        assert_eq!((w.allowed, w.remaining), (true, 3));
    }

    #[tokio::test(start_paused = true)]
    async fn given_back_images_can_be_taken_again() {
        let c = LocalCounters::default();
        assert!(c.take("s", "a", 2, 2, HOUR).await.unwrap().allowed);
        assert!(!c.take("s", "b", 1, 2, HOUR).await.unwrap().allowed);
        c.give_back("s", "a").await.unwrap();
        assert!(c.take("s", "b", 1, 2, HOUR).await.unwrap().allowed);
    }

    #[tokio::test(start_paused = true)]
    async fn more_than_the_whole_quota_at_once_is_never_allowed() {
        let c = LocalCounters::default();
        let w = c.take("s", "a", 5, 4, HOUR).await.unwrap();
        assert!(!w.allowed);
        assert_eq!(w.wait, HOUR);
    }

    #[tokio::test]
    async fn a_day_stops_at_its_cap_and_days_are_apart() {
        let c = LocalCounters::default();
        assert_eq!(
            c.spend("d1", 3, Some(4)).await.unwrap(),
            Spent {
                allowed: true,
                images: 3
            }
        );
        assert!(!c.spend("d1", 2, Some(4)).await.unwrap().allowed);
        assert!(c.spend("d1", 1, Some(4)).await.unwrap().allowed);
        c.adjust("d1", -2).await.unwrap();
        c.add_credits("d1", 1.5).await.unwrap();
        assert_eq!(
            c.today("d1").await.unwrap(),
            Today {
                images: 2,
                credits: 1.5
            }
        );
        assert!(c.spend("d2", 4, Some(4)).await.unwrap().allowed);
        assert_eq!(c.today("d1").await.unwrap(), Today::default());
    }

    #[tokio::test(start_paused = true)]
    async fn a_claim_is_pending_then_done_and_other_bodies_conflict() {
        let r = LocalReplays::default();
        let minute = Duration::from_secs(60);
        assert_eq!(r.claim("k", "f1", minute).await.unwrap(), Claim::Ours);
        assert_eq!(r.claim("k", "f1", minute).await.unwrap(), Claim::Pending);
        assert_eq!(r.claim("k", "f2", minute).await.unwrap(), Claim::Conflict);
        r.settle("k", "f1", "job-1", HOUR).await.unwrap();
        assert_eq!(
            r.claim("k", "f1", minute).await.unwrap(),
            Claim::Done("job-1".into())
        );
        tokio::time::advance(HOUR).await;
        assert_eq!(r.claim("k", "f2", minute).await.unwrap(), Claim::Ours);
        r.release("k").await.unwrap();
        assert_eq!(r.claim("k", "f1", minute).await.unwrap(), Claim::Ours);
    }
}
