//! Why a try-on failed, as the shopper is told: which message, the error's name for
//! the merchant's events, and what the shopper has left of their try-ons.
//!
//! Pure (no DOM): [`Failure::from`] maps every way a job can end without pictures to
//! the message shown, and is tested natively.

use tryon_protocol::ErrorName;

use crate::i18n::{Key, Strings};
use crate::job::JobError;
use crate::net::NetError;

/// Which message a failure shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureKind {
    /// No body found.
    Pose,
    /// An image could not be loaded.
    ImageLoad,
    /// The garment is not allowed.
    Moderation,
    /// The service failed; retry.
    Pipeline,
    /// A third party refused.
    ThirdParty,
    /// Waited too long.
    Timeout,
    /// A kept try-on expired on the service.
    Expired,
    /// The service is unreachable or refused us.
    Service,
    /// The shopper used their try-ons for now; they can go on later.
    Quota,
    /// The shop's try-on budget for the day is spent.
    Paused,
    /// Anything else: shown with the job id.
    Generic,
}

impl FailureKind {
    /// The message key.
    pub fn key(self) -> Key {
        match self {
            FailureKind::Pose => Key::ErrorPose,
            FailureKind::ImageLoad => Key::ErrorImageLoad,
            FailureKind::Moderation => Key::ErrorModeration,
            FailureKind::Pipeline => Key::ErrorPipeline,
            FailureKind::ThirdParty => Key::ErrorThirdParty,
            FailureKind::Timeout => Key::ErrorTimeout,
            FailureKind::Expired => Key::ErrorExpired,
            FailureKind::Service => Key::ErrorService,
            FailureKind::Quota => Key::ErrorQuota,
            FailureKind::Paused => Key::ErrorPaused,
            FailureKind::Generic => Key::ErrorGeneric,
        }
    }

    /// The kind for an error name from the service.
    pub fn of(name: &ErrorName) -> Self {
        match name {
            ErrorName::PoseError => FailureKind::Pose,
            ErrorName::ImageLoadError => FailureKind::ImageLoad,
            ErrorName::ContentModerationError => FailureKind::Moderation,
            ErrorName::PipelineError => FailureKind::Pipeline,
            ErrorName::ThirdPartyError => FailureKind::ThirdParty,
            ErrorName::QuotaExceeded => FailureKind::Quota,
            ErrorName::SpendingLimitReached => FailureKind::Paused,
            // A job handle the service no longer knows: kept from before a reload.
            ErrorName::NotFound => FailureKind::Expired,
            _ => FailureKind::Generic,
        }
    }
}

/// A failed try-on, as shown.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    /// Which message.
    pub kind: FailureKind,
    /// The error's name (for events and support).
    pub name: String,
    /// The job id, when there was one.
    pub job_id: Option<String>,
    /// When the shopper can go on, in seconds (a quota's `Retry-After`).
    pub wait_seconds: Option<f64>,
}

impl Failure {
    /// Whether trying again now can help (not at a quota or a paused shop).
    pub fn can_retry(&self) -> bool {
        !matches!(
            self.kind,
            FailureKind::Moderation | FailureKind::Quota | FailureKind::Paused
        )
    }

    /// The message the shopper reads, in their language.
    pub fn message(&self, strings: &Strings) -> String {
        if self.kind == FailureKind::Quota {
            let minutes = minutes(self.wait_seconds.unwrap_or(3600.0));
            return strings.fill(Key::ErrorQuota, &[("minutes", &minutes)]);
        }
        match (&self.job_id, self.kind) {
            (Some(id), kind) => strings.fill(kind.key(), &[("id", id)]),
            // Nothing to quote to the shop: the message without a reference.
            (None, FailureKind::Generic) => strings.get(Key::ErrorGenericNoReference),
            (None, kind) => strings.get(kind.key()),
        }
    }
}

/// Whole minutes, rounded up (never 0), for "in about N min".
pub fn minutes(seconds: f64) -> String {
    ((seconds / 60.0).ceil().max(1.0) as u64).to_string()
}

/// "N try-ons left" is said from this many down.
const FEW_TRIES: u32 = 5;

/// What the shopper has left of their try-ons, as the gateway last said.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TriesLeft {
    /// Images left.
    pub remaining: u32,
    /// When the whole quota is back (ms since the epoch).
    pub whole_at: f64,
}

impl TriesLeft {
    /// Whether another try-on of `per_try` images fits, and what to tell the shopper
    /// at `now` (ms): "N try-ons left" from a few down; at none, when they can go on.
    pub fn note(&self, per_try: u32, now: f64, strings: &Strings) -> (bool, Option<String>) {
        let per_try = per_try.max(1);
        let note = match self.remaining / per_try {
            0 => Some(strings.fill(
                Key::TriesNone,
                &[("minutes", &minutes((self.whole_at - now) / 1000.0))],
            )),
            n if n <= FEW_TRIES => Some(strings.fill(Key::TriesLeft, &[("n", &n.to_string())])),
            _ => None,
        };
        (self.remaining >= per_try, note)
    }
}

impl From<JobError> for Failure {
    /// What the shopper is told for a job that ended without pictures. (A job the
    /// shopper left ends with no answer at all: its task is stopped.)
    fn from(error: JobError) -> Failure {
        let failure = |kind, name: String, job_id| Failure {
            kind,
            name,
            job_id,
            wait_seconds: None,
        };
        match error {
            JobError::Failed { error, job_id } => {
                failure(FailureKind::of(&error.name), error.name.to_string(), job_id)
            }
            JobError::TimedOut { job_id } => {
                failure(FailureKind::Timeout, "TimedOut".into(), job_id)
            }
            JobError::Service(e) => {
                let (name, kind) = match &e {
                    NetError::Http { error, .. } => (
                        error.name.to_string(),
                        // The shopper's quota and the shop's pause have words of
                        // their own; every other refusal is the service's.
                        match FailureKind::of(&error.name) {
                            kind @ (FailureKind::Quota | FailureKind::Paused) => kind,
                            _ => FailureKind::Service,
                        },
                    ),
                    NetError::Unreachable => ("Unreachable".into(), FailureKind::Service),
                };
                Failure {
                    kind,
                    name,
                    job_id: None,
                    wait_seconds: e.retry_after(),
                }
            }
        }
    }
}

impl Failure {
    /// A failure before the job: the prepared photo could not be read back.
    pub fn photo_unreadable() -> Failure {
        Failure {
            kind: FailureKind::Generic,
            name: "PhotoUnreadable".into(),
            job_id: None,
            wait_seconds: None,
        }
    }

    /// At a quota, none are left until `now` (ms) plus the wait: what the start and
    /// results steps then say instead of offering more.
    pub fn tries_left(&self, now: f64) -> Option<TriesLeft> {
        (self.kind == FailureKind::Quota).then(|| TriesLeft {
            remaining: 0,
            whole_at: now + self.wait_seconds.unwrap_or(3600.0) * 1000.0,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;
    use tryon_protocol::ApiError;

    fn http(name: ErrorName, retry_after: Option<f64>) -> JobError {
        JobError::Service(NetError::Http {
            status: 429,
            error: ApiError::new(name, ""),
            retry_after,
        })
    }

    #[test]
    fn each_way_a_job_ends_has_its_message() {
        let en = Strings::new(crate::i18n::Locale::En, BTreeMap::new());
        let failed = Failure::from(JobError::Failed {
            error: ApiError::new(ErrorName::PoseError, ""),
            job_id: Some("j1".into()),
        });
        assert_eq!(
            (failed.kind, failed.name.as_str()),
            (FailureKind::Pose, "PoseError")
        );
        assert_eq!(failed.job_id.as_deref(), Some("j1"));
        assert!(failed.can_retry());
        let late = Failure::from(JobError::TimedOut { job_id: None });
        assert_eq!(late.kind, FailureKind::Timeout);
        let offline = Failure::from(JobError::Service(NetError::Unreachable));
        assert_eq!(
            (offline.kind, offline.name.as_str()),
            (FailureKind::Service, "Unreachable")
        );
        // A refusal that is not the shopper's quota or the shop's pause is the service's.
        let refused = Failure::from(http(ErrorName::RateLimitExceeded, Some(3.0)));
        assert_eq!(refused.kind, FailureKind::Service);
        assert_eq!(refused.tries_left(0.0), None);
        let paused = Failure::from(http(ErrorName::SpendingLimitReached, None));
        assert_eq!(paused.kind, FailureKind::Paused);
        assert!(!paused.can_retry());
        assert_eq!(paused.message(&en), en.get(Key::ErrorPaused));
    }

    #[test]
    fn a_quota_says_when_the_shopper_can_go_on() {
        let en = Strings::new(crate::i18n::Locale::En, BTreeMap::new());
        let quota = Failure::from(http(ErrorName::QuotaExceeded, Some(150.0)));
        assert_eq!(
            (quota.kind, quota.wait_seconds),
            (FailureKind::Quota, Some(150.0))
        );
        assert!(!quota.can_retry());
        assert!(quota.message(&en).contains('3'), "{}", quota.message(&en));
        let left = quota.tries_left(1000.0).expect("none left");
        assert_eq!(
            left,
            TriesLeft {
                remaining: 0,
                whole_at: 151_000.0
            }
        );
        let (can, note) = left.note(1, 1000.0, &en);
        assert!(!can);
        assert_eq!(note, Some(en.fill(Key::TriesNone, &[("minutes", "3")])));
    }

    #[test]
    fn tries_left_are_told_from_a_few_down() {
        let en = Strings::new(crate::i18n::Locale::En, BTreeMap::new());
        let left = |remaining| TriesLeft {
            remaining,
            whole_at: 0.0,
        };
        assert_eq!(left(40).note(2, 0.0, &en), (true, None));
        assert_eq!(
            left(10).note(2, 0.0, &en),
            (true, Some(en.fill(Key::TriesLeft, &[("n", "5")])))
        );
        // One image left, two per try-on: none left.
        assert!(!left(1).note(2, 0.0, &en).0);
        assert_eq!(minutes(0.0), "1");
        assert_eq!(minutes(61.0), "2");
    }
}
