//! The upstream budget: the gateway's calls to one endpoint of the hosted API stay
//! within the provider's published limit for the merchant's key ("N requests per W
//! seconds"), queueing in order rather than failing.
//!
//! Providers count such limits over a sliding window of the requests they *answered*.
//! A window of N permits, each given back W after the answer to its call *arrived
//! here*, can never exceed that: the provider answered call `i` before we heard it, and
//! call `i + N` leaves after `heard(i) + W`, so the two are more than W apart at the
//! provider too, whatever the network's delays. A token bucket or GCRA (governor) with
//! a burst of N cannot promise this: after a full burst it admits one more call every
//! W/N, up to 2N in one window. The queue is a FIFO semaphore, so the first caller to
//! wait is the first served.
//!
//! A 429 from the provider all the same (another client on the same key, a limit we
//! were not told of) pauses every call to the endpoint for its `Retry-After`.
//!
//! A spread budget (the submits, when waiting shoppers take fair turns) also never
//! runs its window dry: while at most half its permits are out (at least two) a call
//! goes at once, and after that the free ones are spread evenly until the next one comes back.
//! Without it, whoever has most calls waiting takes every permit the moment it is
//! back, and a shopper who arrives a moment later finds none for up to a whole window;
//! a pace at the limit's rate with a burst still runs dry (the burst's permits come
//! back together a window later, and the pace used up the rest meanwhile). Spread,
//! the next permit is never far, and the fair line gives it to the address that had
//! the fewest turns.
//!
//! With replicas (`TRYON_REDIS_URL`) the permits live in Redis (`cluster::lease`), so the
//! limit holds for the merchant's key across all of them; each replica's callers still
//! queue in order here, and only the first in line asks Redis. While Redis cannot be
//! reached, each replica falls back to its own window (a provider 429 is then possible
//! and is waited out, as above).

use std::collections::VecDeque;
use std::fmt;
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::time::Instant;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::cluster::lease::PermitAsk;
use crate::cluster::Cluster;

/// A provider's limit: `requests` per `per`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    /// Requests allowed in any window.
    pub requests: u32,
    /// The window.
    pub per: Duration,
}

/// A limit setting: `N/SECONDS` (e.g. `50/10`), or `off`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LimitSetting(pub Option<Limit>);

impl FromStr for LimitSetting {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s == "off" {
            return Ok(LimitSetting(None));
        }
        let parsed = s.split_once('/').and_then(|(n, secs)| {
            let requests: u32 = n.trim().parse().ok()?;
            let seconds: f64 = secs.trim().trim_end_matches('s').parse().ok()?;
            (requests > 0 && seconds > 0.0 && seconds.is_finite()).then(|| Limit {
                requests,
                per: Duration::from_secs_f64(seconds),
            })
        });
        parsed.map(|l| LimitSetting(Some(l))).ok_or_else(|| {
            format!("`{s}` is not a limit: write requests/seconds (e.g. 50/10) or off")
        })
    }
}

impl fmt::Display for LimitSetting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            None => f.write_str("off"),
            Some(l) => write!(f, "{}/{}", l.requests, l.per.as_secs_f64()),
        }
    }
}

/// A shopper's fair turn asking for a permit.
#[derive(Clone, Copy)]
pub struct FairAsk<'a> {
    /// The shopper's client address.
    pub address: &'a str,
    /// Told the address's turns on all replicas when the shared budget says them.
    pub heard_turns: &'a (dyn Fn(usize) + Sync),
}

/// The budget of one endpoint.
pub struct Budget {
    limit: Option<Limit>,
    permits: Arc<Semaphore>,
    state: Arc<Mutex<State>>,
    shared: Option<Shared>,
    /// Whether free permits are spread (see the module's doc).
    spread: bool,
}

/// The permits in Redis.
struct Shared {
    cluster: Arc<Cluster>,
    endpoint: &'static str,
    /// The longest a call may take (a dead replica's permit comes back after it).
    hold: Duration,
    /// This replica's callers, first come first served.
    line: tokio::sync::Mutex<()>,
}

/// One ask for a shared permit. Left without a ticket (out of patience, the caller
/// gone mid-ask, an answer lost), it withdraws what it may have left in Redis: the
/// permit its script may have taken and its claim, which would otherwise hold permits
/// back from everyone until they run out.
struct Asking {
    cluster: Arc<Cluster>,
    endpoint: &'static str,
    permit: String,
    /// A ticket holds the permit now.
    settled: bool,
}

impl Drop for Asking {
    fn drop(&mut self) {
        if self.settled {
            return;
        }
        let (cluster, endpoint) = (self.cluster.clone(), self.endpoint);
        let permit = std::mem::take(&mut self.permit);
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                let _ = cluster.withdraw(endpoint, &permit).await;
            });
        }
    }
}

/// The longest pause between two asks for a shared permit.
const SHARED_POLL: Duration = Duration::from_millis(200);

#[derive(Default)]
struct State {
    /// When permits in their W-long rest come back, in order.
    returning: VecDeque<Instant>,
    /// No call leaves before this (a provider's 429).
    paused_until: Option<Instant>,
    /// Callers waiting for a permit.
    waiting: usize,
    /// When the last permit was taken.
    last_taken: Option<Instant>,
}

/// The right to make one call; give it back with [`Ticket::answered`] once the
/// answer arrived (dropped without that, it counts as answered at the drop).
pub struct Ticket {
    permit: Option<OwnedSemaphorePermit>,
    per: Duration,
    state: Arc<Mutex<State>>,
    /// A permit in Redis: the store, the endpoint and the permit's id.
    shared: Option<(Arc<Cluster>, &'static str, String)>,
}

impl Ticket {
    /// The call's answer arrived: the permit rests for the window, then returns.
    pub fn answered(mut self) {
        self.rest();
    }

    fn rest(&mut self) {
        if let Some((cluster, endpoint, id)) = self.shared.take() {
            let per = self.per;
            if let Ok(runtime) = tokio::runtime::Handle::try_current() {
                runtime.spawn(async move {
                    // If Redis is gone, the permit comes back after its hold.
                    let _ = cluster.permit_answered(endpoint, per, &id).await;
                });
            }
        }
        let Some(permit) = self.permit.take() else {
            return;
        };
        let back_at = Instant::now() + self.per;
        self.state.lock().unwrap().returning.push_back(back_at);
        let state = self.state.clone();
        // Outside a runtime (a test dropping a ticket late), give it back at once.
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => {
                runtime.spawn(async move {
                    tokio::time::sleep_until(back_at).await;
                    state.lock().unwrap().returning.pop_front();
                    drop(permit);
                });
            }
            Err(_) => {
                state.lock().unwrap().returning.pop_front();
            }
        }
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        self.rest();
    }
}

impl Budget {
    /// A budget for `limit` (`None`: unlimited) in this process.
    pub fn new(limit: Option<Limit>) -> Self {
        let permits = limit.map_or(Semaphore::MAX_PERMITS, |l| l.requests as usize);
        Budget {
            limit,
            permits: Arc::new(Semaphore::new(permits)),
            state: Arc::default(),
            shared: None,
            spread: false,
        }
    }

    /// The same budget, its free permits spread (see the module's doc).
    pub fn spread(self) -> Self {
        Budget {
            spread: true,
            ..self
        }
    }

    /// A budget for `limit` shared by every replica through `cluster`, for calls to
    /// `endpoint` that take at most `hold`.
    pub fn shared(
        limit: Option<Limit>,
        cluster: Arc<Cluster>,
        endpoint: &'static str,
        hold: Duration,
    ) -> Self {
        Budget {
            shared: Some(Shared {
                cluster,
                endpoint,
                hold,
                line: tokio::sync::Mutex::new(()),
            }),
            ..Budget::new(limit)
        }
    }

    /// The limit it keeps.
    pub fn limit(&self) -> Option<Limit> {
        self.limit
    }

    /// Waits for the right to call, in turn.
    pub async fn ticket(&self) -> Ticket {
        self.ticket_within(None)
            .await
            .unwrap_or_else(|_| unreachable!("no deadline"))
    }

    /// Waits for the right to call, at most `patience`; `Err` carries how long the
    /// caller should wait before trying again.
    pub async fn ticket_within(&self, patience: Option<Duration>) -> Result<Ticket, Duration> {
        self.ticket_for(patience, None).await
    }

    /// [`Budget::ticket_within`] for a shopper's fair turn (`fair`): with replicas, a
    /// free permit goes to the replica whose waiting shopper's address had the fewest
    /// turns (`cluster::lease`).
    pub async fn ticket_for(
        &self,
        patience: Option<Duration>,
        fair: Option<FairAsk<'_>>,
    ) -> Result<Ticket, Duration> {
        let per = self.limit.map_or(Duration::ZERO, |l| l.per);
        // Counted while it waits, also when the waiting caller goes away.
        let _waiting = Waiting::new(&self.state);
        if let (Some(shared), Some(limit)) = (&self.shared, self.limit) {
            let deadline = patience.map(|p| Instant::now() + p);
            match self.shared_ticket(shared, limit, deadline, fair).await {
                Some(Ok(ticket)) => return Ok(ticket),
                Some(Err(wait)) => return Err(wait),
                // Redis cannot be asked: this replica's own window.
                None => {}
            }
        }
        if let Some(limit) = self.limit.filter(|_| self.spread) {
            // Only the fair line's holder asks a spread budget: no one jumps this wait.
            loop {
                let now = Instant::now();
                let go_at = self.spread_at(limit, now);
                if go_at <= now {
                    break;
                }
                if patience.is_some_and(|p| go_at - now > p) {
                    return Err(go_at - now);
                }
                tokio::time::sleep_until(go_at).await;
            }
        }
        let acquire = self.permits.clone().acquire_owned();
        let permit = match patience {
            None => Ok(acquire.await),
            Some(p) => tokio::time::timeout(p, acquire).await,
        };
        let estimate = {
            let state = self.state.lock().unwrap();
            // Those still waiting, not counting this caller.
            permit
                .is_err()
                .then(|| state.next_free_in(per, state.waiting.saturating_sub(1)))
        };
        let permit = match permit {
            Ok(p) => p.expect("the semaphore is never closed"),
            Err(_) => return Err(estimate.unwrap_or(per)),
        };
        self.state.lock().unwrap().last_taken = Some(Instant::now());
        // A provider's 429 holds every call until its Retry-After has passed.
        let paused = self.state.lock().unwrap().paused_until;
        if let Some(until) = paused.filter(|u| *u > Instant::now()) {
            tokio::time::sleep_until(until).await;
        }
        Ok(Ticket {
            permit: Some(permit),
            per,
            state: self.state.clone(),
            shared: None,
        })
    }

    /// A permit from Redis, in this replica's line; `None` when Redis cannot be asked.
    async fn shared_ticket(
        &self,
        shared: &Shared,
        limit: Limit,
        deadline: Option<Instant>,
        fair: Option<FairAsk<'_>>,
    ) -> Option<Result<Ticket, Duration>> {
        let address = fair.map(|f| f.address);
        // While Redis cannot be reached, no caller waits on it: this replica's own
        // window serves (the heartbeat finds out when Redis is back).
        if !shared.cluster.is_up() {
            return None;
        }
        let turn = match deadline {
            None => Some(shared.line.lock().await),
            Some(d) => tokio::time::timeout_at(d, shared.line.lock()).await.ok(),
        };
        let answer = async {
            let Some(_turn) = turn else {
                return Some(Err(limit.per / limit.requests.max(1)));
            };
            let id = crate::cluster::lease::permit_id(address);
            // Until a ticket holds it, a permit this ask took (even if its answer was
            // lost, or the caller went while it was on its way) and its claim go back.
            let mut asking = Asking {
                cluster: shared.cluster.clone(),
                endpoint: shared.endpoint,
                permit: id.clone(),
                settled: false,
            };
            loop {
                // A provider's 429 heard here holds this replica at once, before the
                // pause has reached Redis.
                let paused = self.state.lock().unwrap().paused_until;
                if let Some(until) = paused.filter(|u| *u > Instant::now()) {
                    tokio::time::sleep_until(until).await;
                }
                let taken = match shared
                    .cluster
                    .take_permit(
                        shared.endpoint,
                        &PermitAsk {
                            requests: limit.requests,
                            per: limit.per,
                            hold: shared.hold,
                            permit: &id,
                            address,
                            spread: self.spread,
                            poll: SHARED_POLL,
                        },
                    )
                    .await
                {
                    Ok(taken) => taken,
                    Err(_) => return None,
                };
                if let Some(fair) = fair {
                    (fair.heard_turns)(taken.turns);
                }
                let wait = match taken.wait {
                    None => {
                        asking.settled = true;
                        return Some(Ok(Ticket {
                            permit: None,
                            per: limit.per,
                            state: self.state.clone(),
                            shared: Some((shared.cluster.clone(), shared.endpoint, id)),
                        }));
                    }
                    Some(wait) => wait,
                };
                // A resting permit comes back exactly then; one in a call (its return
                // unknown) is asked about again shortly.
                let pause = if wait <= limit.per { wait } else { SHARED_POLL };
                if deadline.is_some_and(|d| Instant::now() + pause > d) {
                    return Some(Err(wait.min(limit.per)));
                }
                tokio::time::sleep(pause).await;
            }
        }
        .await;
        answer
    }

    /// The provider answered 429: no call leaves for `wait` (on any replica).
    pub fn pause(&self, wait: Duration) {
        if let Some(shared) = &self.shared {
            let (cluster, endpoint) = (shared.cluster.clone(), shared.endpoint);
            tokio::spawn(async move {
                let _ = cluster.pause_budget(endpoint, wait).await;
            });
        }
        let until = Instant::now() + wait;
        let mut state = self.state.lock().unwrap();
        state.paused_until = Some(state.paused_until.map_or(until, |u| u.max(until)));
    }

    /// Callers waiting for their turn now.
    pub fn waiting(&self) -> usize {
        self.state.lock().unwrap().waiting
    }

    /// When the spread rule lets the next call go (see the module's doc): now while
    /// at most half the permits (at least two) are out, else the last call plus the time until
    /// the next permit comes back shared among the free ones.
    fn spread_at(&self, limit: Limit, now: Instant) -> Instant {
        let free = self.permits.available_permits() as u32;
        if free == 0 || limit.requests - free < at_once(limit.requests) {
            // None free: the window's own wait.
            return now;
        }
        let state = self.state.lock().unwrap();
        let Some(last) = state.last_taken else {
            return now;
        };
        // A permit in a call comes back at least a window from now. Counted from the
        // last call, the slot is the same whenever it is asked for.
        let next_back = state.returning.front().copied().unwrap_or(now + limit.per);
        (last + next_back.saturating_duration_since(last) / free).max(now)
    }
}

/// How many calls of a spread budget of `requests` may be out at once before the
/// rest is spread: half the window, and at least two (a quiet shop's two shoppers at
/// once are served at once, whatever the limit).
fn at_once(requests: u32) -> u32 {
    requests.div_ceil(2).max(2)
}

/// One waiting caller, counted until it is served or gone.
struct Waiting {
    state: Arc<Mutex<State>>,
}

impl Waiting {
    fn new(state: &Arc<Mutex<State>>) -> Self {
        state.lock().unwrap().waiting += 1;
        Waiting {
            state: state.clone(),
        }
    }
}

impl Drop for Waiting {
    fn drop(&mut self) {
        self.state.lock().unwrap().waiting -= 1;
    }
}

impl State {
    /// When a caller arriving now could expect a permit: the return of the one ahead
    /// of the `waiting` callers, or a whole window when none is resting.
    fn next_free_in(&self, per: Duration, waiting: usize) -> Duration {
        let now = Instant::now();
        let pause = self
            .paused_until
            .map_or(Duration::ZERO, |u| u.saturating_duration_since(now));
        let back = self
            .returning
            .get(waiting)
            .map_or(per, |at| at.saturating_duration_since(now));
        back.max(pause)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limit(requests: u32, ms: u64) -> Option<Limit> {
        Some(Limit {
            requests,
            per: Duration::from_millis(ms),
        })
    }

    #[test]
    fn limits_are_written_as_requests_per_seconds() {
        assert_eq!(
            "50/10".parse::<LimitSetting>().unwrap(),
            LimitSetting(limit(50, 10_000))
        );
        assert_eq!("off".parse::<LimitSetting>().unwrap(), LimitSetting(None));
        assert_eq!(
            "50/60".parse::<LimitSetting>().unwrap().to_string(),
            "50/60"
        );
        for bad in ["50", "0/10", "x/10", "5/-1", ""] {
            assert!(bad.parse::<LimitSetting>().is_err(), "{bad}");
        }
    }

    #[tokio::test(start_paused = true)]
    async fn no_window_ever_holds_more_than_the_limit() {
        let budget = Arc::new(Budget::new(limit(5, 1000)));
        let started = Instant::now();
        let sent = Arc::new(Mutex::new(Vec::new()));
        let mut calls = Vec::new();
        for _ in 0..23 {
            let (budget, sent) = (budget.clone(), sent.clone());
            calls.push(tokio::spawn(async move {
                let ticket = budget.ticket().await;
                sent.lock().unwrap().push(started.elapsed());
                // The call takes 30 ms to be answered.
                tokio::time::sleep(Duration::from_millis(30)).await;
                ticket.answered();
            }));
        }
        for c in calls {
            c.await.unwrap();
        }
        let sent = sent.lock().unwrap().clone();
        assert_eq!(sent.len(), 23);
        for (i, at) in sent.iter().enumerate() {
            let in_window = sent
                .iter()
                .filter(|t| **t >= *at && **t < *at + Duration::from_millis(1000))
                .count();
            assert!(
                in_window <= 5,
                "{in_window} calls in the window from call {i}: {sent:?}"
            );
        }
        // Five at once, then five more each window (plus the calls' 30 ms).
        assert_eq!(sent[4], Duration::ZERO);
        assert_eq!(sent[5], Duration::from_millis(1030));
        assert_eq!(sent[22], Duration::from_millis(4120));
    }

    #[tokio::test(start_paused = true)]
    async fn a_spread_budget_never_runs_its_window_dry() {
        let budget = Budget::new(limit(4, 1000)).spread();
        let started = Instant::now();
        let mut sent = vec![];
        for _ in 0..12 {
            budget.ticket().await.answered();
            sent.push(started.elapsed());
        }
        // Two at once while more than half is free; then the two left are spread
        // until the first comes back (1000 ms).
        assert_eq!(sent[..4], [0, 0, 500, 1000].map(Duration::from_millis));
        // And so on: never all gone at once, never more than the limit in a window.
        for (i, pair) in sent.windows(2).enumerate() {
            assert!(
                pair[1] - pair[0] <= Duration::from_millis(500),
                "{i}: {sent:?}"
            );
        }
        for at in &sent {
            let in_window = sent
                .iter()
                .filter(|t| **t >= *at && **t < *at + Duration::from_millis(1000))
                .count();
            assert!(in_window <= 4, "{sent:?}");
        }
        // A slot beyond the caller's patience is not waited for: it says when it is.
        let budget = Budget::new(limit(4, 1000)).spread();
        budget.ticket().await.answered();
        budget.ticket().await.answered();
        let before = Instant::now();
        let wait = budget
            .ticket_within(Some(Duration::from_millis(100)))
            .await
            .err()
            .expect("the next slot is 500 ms away");
        assert_eq!(wait, Duration::from_millis(500));
        assert_eq!(Instant::now(), before, "no wait for a slot it cannot use");
    }

    #[tokio::test(start_paused = true)]
    async fn an_impatient_caller_is_told_when_to_come_back() {
        let budget = Budget::new(limit(2, 1000));
        budget.ticket().await.answered();
        tokio::time::advance(Duration::from_millis(200)).await;
        budget.ticket().await.answered();
        let wait = budget
            .ticket_within(Some(Duration::from_millis(100)))
            .await
            .err()
            .expect("no permit within 100 ms");
        // The first permit comes back 1000 ms after its answer, 300 ms ago.
        assert_eq!(wait, Duration::from_millis(700));
        tokio::time::advance(Duration::from_millis(700)).await;
        assert!(budget
            .ticket_within(Some(Duration::from_millis(1)))
            .await
            .is_ok());
    }

    #[tokio::test(start_paused = true)]
    async fn a_providers_429_holds_every_call_for_its_retry_after() {
        let budget = Budget::new(None);
        budget.pause(Duration::from_secs(3));
        let started = Instant::now();
        budget.ticket().await.answered();
        assert_eq!(started.elapsed(), Duration::from_secs(3));
        budget.ticket().await.answered();
        assert_eq!(started.elapsed(), Duration::from_secs(3));
    }
}
