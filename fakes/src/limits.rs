//! "N requests per window", per API key, as a sliding window over answered requests.
//!
//! The providers' wording ("50 requests per 60 s") does not say whether the window is
//! fixed or sliding. Sliding is the stricter reading: a client that never has more than N
//! requests in any window passes a fixed-window server too, while one tuned to fixed
//! windows can send 2N across a boundary and fail here. Refused requests do not count:
//! the facts are silent, and counting them would punish a client for the fake's own 429s.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// One endpoint's limit for every key.
pub(crate) struct SlidingWindow {
    requests: usize,
    window: Duration,
    answered: Mutex<HashMap<String, VecDeque<Instant>>>,
}

impl SlidingWindow {
    /// At most `requests` per `window` (already scaled) for each key.
    pub(crate) fn new(requests: u32, window: Duration) -> Self {
        SlidingWindow {
            requests: requests as usize,
            window,
            answered: Mutex::new(HashMap::new()),
        }
    }

    /// Counts a request of `key` at `now`, or says how long until one would be admitted.
    pub(crate) fn admit(&self, key: &str, now: Instant) -> Result<(), Duration> {
        let mut answered = self.answered.lock().unwrap();
        let times = answered.entry(key.to_owned()).or_default();
        // A request exactly one window old no longer counts: windows are half-open.
        while times
            .front()
            .is_some_and(|&t| now.saturating_duration_since(t) >= self.window)
        {
            times.pop_front();
        }
        if times.len() < self.requests {
            times.push_back(now);
            Ok(())
        } else {
            // Full: the oldest answered request frees the next slot.
            let oldest = times.front().copied().unwrap_or(now);
            Err(self
                .window
                .saturating_sub(now.saturating_duration_since(oldest)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn n_per_window_exactly_then_again_when_the_oldest_leaves() {
        let limit = SlidingWindow::new(3, Duration::from_secs(10));
        let t0 = Instant::now();
        let at = |s: u64| t0 + Duration::from_secs(s);
        assert_eq!(limit.admit("k", at(0)), Ok(()));
        assert_eq!(limit.admit("k", at(4)), Ok(()));
        assert_eq!(limit.admit("k", at(5)), Ok(()));
        assert_eq!(limit.admit("k", at(6)), Err(Duration::from_secs(4)));
        // Another key has its own window.
        assert_eq!(limit.admit("other", at(6)), Ok(()));
        // The request at 0 leaves at 10: one slot, not three (a fixed window would give three).
        assert_eq!(limit.admit("k", at(10)), Ok(()));
        assert_eq!(limit.admit("k", at(10)), Err(Duration::from_secs(4)));
        assert_eq!(limit.admit("k", at(14)), Ok(()));
    }
}
