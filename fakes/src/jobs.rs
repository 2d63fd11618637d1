//! A job's story, told by the clock: it is decided in full at submit time, and each
//! status read only says how far along it is. Nothing runs in the background but webhooks.

use std::time::{Duration, Instant};

use axum::http::StatusCode;

/// Where a job is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Phase {
    Starting,
    InQueue,
    Processing,
    Completed,
    Failed,
    /// FASHN's `canceled` (its SDK knows it; by marker here).
    Canceled,
    /// FASHN's `time_out`.
    TimedOut,
}

impl Phase {
    /// Completed, failed, canceled or timed out: nothing will change any more.
    pub(crate) fn is_terminal(self) -> bool {
        matches!(
            self,
            Phase::Completed | Phase::Failed | Phase::Canceled | Phase::TimedOut
        )
    }
}

/// One submitted job.
pub(crate) struct Job {
    /// The API key that created it; other keys do not see it.
    pub key: String,
    pub created: Instant,
    /// Submit to terminal state, scaled.
    pub length: Duration,
    /// The error name it fails with, if it fails.
    pub failure: Option<String>,
    /// Ends canceled or timed out instead (FASHN), with no error.
    pub ending: Option<Phase>,
    /// What `output` holds once completed (URLs or data URLs).
    pub outputs: Vec<String>,
    /// Status errors still to give before the truth: (status, how many).
    pub status_errors: Option<(StatusCode, u64)>,
    /// The `Retry-After` (seconds) the 5xx of `status_errors` carry.
    pub status_retry_after: Option<u64>,
    /// FASHN's callback, if one was asked for.
    pub webhook_url: Option<String>,
    /// The word the next status read says instead of the truth (once).
    pub first_status: Option<String>,
    /// Every status answer comes this late.
    pub slow_status: Option<Duration>,
    /// Completed without an `output` at all.
    pub output_left_out: bool,
}

impl Job {
    /// When the job reaches its terminal state.
    pub(crate) fn ends_at(&self) -> Instant {
        self.created + self.length
    }

    /// The phase at `now`. The split (10 % starting, 20 % in the queue, the rest
    /// processing) is ours: the facts name the statuses, not how long each lasts.
    pub(crate) fn phase(&self, now: Instant) -> Phase {
        let elapsed = now.saturating_duration_since(self.created);
        if elapsed >= self.length {
            if let Some(ending) = self.ending {
                return ending;
            }
            return if self.failure.is_some() {
                Phase::Failed
            } else {
                Phase::Completed
            };
        }
        let part = elapsed.as_secs_f64() / self.length.as_secs_f64();
        if part < 0.1 {
            Phase::Starting
        } else if part < 0.3 {
            Phase::InQueue
        } else {
            Phase::Processing
        }
    }
}

/// A fresh job id: 128 random bits, so ids of one fake never collide and are not guessable.
pub(crate) fn new_id() -> String {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).expect("the operating system's random source failed");
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(seconds: u64, failure: Option<&str>) -> Job {
        Job {
            key: "k".into(),
            created: Instant::now(),
            length: Duration::from_secs(seconds),
            failure: failure.map(str::to_owned),
            ending: None,
            outputs: vec![],
            first_status: None,
            slow_status: None,
            output_left_out: false,
            status_errors: None,
            status_retry_after: None,
            webhook_url: None,
        }
    }

    #[test]
    fn a_job_moves_through_its_phases_in_order() {
        let j = job(10, None);
        let at = |ms: u64| j.created + Duration::from_millis(ms);
        assert_eq!(j.phase(at(0)), Phase::Starting);
        assert_eq!(j.phase(at(999)), Phase::Starting);
        assert_eq!(j.phase(at(1000)), Phase::InQueue);
        assert_eq!(j.phase(at(3000)), Phase::Processing);
        assert_eq!(j.phase(at(9999)), Phase::Processing);
        assert_eq!(j.phase(at(10_000)), Phase::Completed);
        let f = job(10, Some("PoseError"));
        assert_eq!(f.phase(f.created + Duration::from_secs(10)), Phase::Failed);
        assert_eq!(job(0, None).phase(Instant::now()), Phase::Completed);
    }

    #[test]
    fn ids_are_distinct() {
        assert_ne!(new_id(), new_id());
        assert_eq!(new_id().len(), 32);
    }
}
