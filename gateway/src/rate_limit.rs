//! The limit on token mints per client address: `governor`'s keyed GCRA limiter (the
//! token bucket's exact equivalent, one timestamp per client) in this process. The
//! same algorithm runs in Redis when replicas share the limit (`TRYON_REDIS_URL`).

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use governor::clock::{Clock, DefaultClock};
use governor::middleware::NoOpMiddleware;
use governor::state::keyed::HashMapStateStore;
use governor::Quota;

use crate::cluster::Cluster;

/// Refuses a client that asks more often than its allowance.
pub enum RateLimiter {
    /// No limit (`TRYON_MINT_RATE_PER_MINUTE=0`).
    Off,
    /// Allowances kept in this process.
    InProcess(InProcess),
    /// Allowances every replica shares (GCRA in Redis, `cluster::mint`).
    Shared {
        /// The store.
        cluster: Arc<Cluster>,
        /// Milliseconds between two mints at the steady rate.
        interval_ms: u64,
        /// Mints allowed at once.
        burst: u32,
    },
}

/// Why a mint was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Over the allowance: retry in this many seconds.
    Wait(u64),
    /// The shared store cannot be asked: refused rather than unlimited (fail closed).
    Unavailable(String),
}

impl RateLimiter {
    /// `per_minute` requests a minute with bursts of as many; 0 turns the limit off.
    /// With a cluster, every replica counts against the same allowance.
    pub fn per_minute(per_minute: u32, cluster: Option<Arc<Cluster>>) -> Self {
        match (NonZeroU32::new(per_minute), cluster) {
            (None, _) => RateLimiter::Off,
            (Some(n), None) => RateLimiter::InProcess(InProcess::new(
                Quota::per_minute(n),
                DefaultClock::default(),
            )),
            (Some(n), Some(cluster)) => RateLimiter::Shared {
                cluster,
                interval_ms: (60_000 / u64::from(n.get())).max(1),
                burst: n.get(),
            },
        }
    }

    /// Takes one request from `client`'s allowance.
    pub async fn check(&self, client: IpAddr) -> Result<(), Refusal> {
        match self {
            RateLimiter::Off => Ok(()),
            RateLimiter::InProcess(limiter) => limiter.check(client).map_err(Refusal::Wait),
            RateLimiter::Shared {
                cluster,
                interval_ms,
                burst,
            } => match cluster.take_mint(client, *interval_ms, *burst).await {
                Ok(answer) => answer.map_err(Refusal::Wait),
                Err(down) => Err(Refusal::Unavailable(down.0)),
            },
        }
    }
}

/// How often clients whose allowance is full again are forgotten. A full allowance is
/// what an unknown client gets, so forgetting them changes no answer, and memory holds
/// only the clients of the last minute or two.
const SWEEP_EVERY: Duration = Duration::from_secs(60);

/// Allowances per client address, in this process.
pub struct InProcess<C: Clock = DefaultClock> {
    limiter:
        governor::RateLimiter<IpAddr, HashMapStateStore<IpAddr>, C, NoOpMiddleware<C::Instant>>,
    next_sweep: Mutex<Instant>,
}

impl<C: Clock> InProcess<C> {
    fn new(quota: Quota, clock: C) -> Self {
        InProcess {
            limiter: governor::RateLimiter::new(quota, HashMapStateStore::default(), clock),
            next_sweep: Mutex::new(Instant::now() + SWEEP_EVERY),
        }
    }

    fn check(&self, client: IpAddr) -> Result<(), u64> {
        self.sweep_when_due();
        self.limiter.check_key(&client).map_err(|refused| {
            let wait = refused.wait_time_from(self.limiter.clock().now());
            // Whole seconds, rounded up: a client that obeys is never refused again.
            wait.as_secs_f64().ceil().max(1.0) as u64
        })
    }

    fn sweep_when_due(&self) {
        // One caller sweeps; the others do not wait for it.
        let Ok(mut next) = self.next_sweep.try_lock() else {
            return;
        };
        let now = Instant::now();
        if now >= *next {
            *next = now + SWEEP_EVERY;
            drop(next);
            self.sweep();
        }
    }

    /// Forgets the clients whose allowance is full again.
    fn sweep(&self) {
        self.limiter.retain_recent();
        self.limiter.shrink_to_fit();
    }
}

#[cfg(test)]
mod tests {
    use governor::clock::FakeRelativeClock;

    use super::*;

    fn client(n: u8) -> IpAddr {
        IpAddr::from([192, 0, 2, n])
    }

    #[tokio::test]
    async fn refuses_after_the_burst_and_counts_clients_apart() {
        let limiter = RateLimiter::per_minute(3, None);
        let (a, b) = (client(1), client(2));
        for _ in 0..3 {
            assert!(limiter.check(a).await.is_ok());
        }
        let Err(Refusal::Wait(wait)) = limiter.check(a).await else {
            panic!("the fourth mint is refused");
        };
        // One mint comes back every 20 s.
        assert!((1..=20).contains(&wait), "{wait}");
        assert!(limiter.check(b).await.is_ok());
    }

    #[tokio::test]
    async fn zero_means_unlimited() {
        let limiter = RateLimiter::per_minute(0, None);
        for _ in 0..1000 {
            assert!(limiter.check(client(1)).await.is_ok());
        }
    }

    #[test]
    fn says_when_to_come_back_and_lets_in_then() {
        let clock = FakeRelativeClock::default();
        let limiter = InProcess::new(
            Quota::per_minute(NonZeroU32::new(2).unwrap()),
            clock.clone(),
        );
        assert!(limiter.check(client(1)).is_ok());
        assert!(limiter.check(client(1)).is_ok());
        assert_eq!(limiter.check(client(1)), Err(30));
        clock.advance(Duration::from_secs(29));
        assert_eq!(limiter.check(client(1)), Err(1));
        clock.advance(Duration::from_secs(1));
        assert!(limiter.check(client(1)).is_ok());
    }

    #[test]
    fn clients_with_a_full_allowance_are_forgotten() {
        let clock = FakeRelativeClock::default();
        let quota = Quota::per_minute(NonZeroU32::new(30).unwrap());
        let limiter = InProcess::new(quota, clock.clone());
        for n in 0..100 {
            limiter.check(client(n)).unwrap();
        }
        for _ in 0..10 {
            limiter.check(client(200)).unwrap();
        }
        assert_eq!(limiter.limiter.len(), 101);
        // One mint comes back every 2 s: 4 s on, the clients that took one are full
        // again (and have been for a while), the one that took ten is not.
        clock.advance(Duration::from_secs(4));
        limiter.sweep();
        assert_eq!(limiter.limiter.len(), 1);
    }
}
