//! No double charges: a submit sent twice makes one job.
//!
//! With an `Idempotency-Key` (the IETF httpapi draft's semantics), the same key and
//! the same body within the results' lifetime get the same job id again; the same key
//! with another body is refused (422). Without a key, an identical request from the
//! same session is answered with its first job while that job is still running. Keys
//! are scoped to the bearer: a session, or the merchant's server key. A request that
//! arrives while its twin is still being submitted waits for the twin's answer.

use std::sync::Arc;
use std::time::Duration;

use axum::http::StatusCode;
use sha2::{Digest, Sha256};
use tryon_protocol::ErrorName;

use super::store::{Claim, Replays};
use crate::error::GatewayError;

/// How long a claim lasts while its request is being submitted (longer than a submit
/// can take: the wait for a free spot and the provider's answer).
const PENDING: Duration = Duration::from_secs(60);
/// How long a twin waits for the first request's answer.
const TWIN_PATIENCE: Duration = Duration::from_secs(45);
/// How often a waiting twin looks again.
const TWIN_POLL: Duration = Duration::from_millis(100);
/// The longest key taken.
const LONGEST_KEY: usize = 255;

/// Remembered submits.
pub struct Remembered {
    store: Arc<dyn Replays>,
    keep: Duration,
}

/// What to do with a submit.
pub enum Begun {
    /// It is new: make the job, then tell [`Remembered::made`] (or
    /// [`Remembered::none`] when none was made).
    Fresh(Held),
    /// It was made before: this job id again.
    Known(String),
}

/// A claim on a key while its job is being made.
pub struct Held {
    key: String,
    fingerprint: String,
}

/// The fingerprint of a request body.
pub fn fingerprint(body: &[u8]) -> String {
    Sha256::digest(body)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl Remembered {
    /// Submits remembered in `store` for `keep` (the results' lifetime).
    pub fn new(store: Arc<dyn Replays>, keep: Duration) -> Self {
        Remembered { store, keep }
    }

    /// Looks the submit up: `scope` is its bearer's, `key` its `Idempotency-Key`
    /// header, `fingerprint` its body's; `running` tells whether a job is still running
    /// (for a repeat without a key).
    pub async fn begin<F, R>(
        &self,
        scope: &str,
        key: Option<&str>,
        fingerprint: &str,
        running: F,
    ) -> Result<Begun, GatewayError>
    where
        F: Fn(String) -> R,
        R: std::future::Future<Output = bool>,
    {
        let (stored, explicit) = match key {
            Some(key) => (format!("key:{scope}:{}", valid_key(key)?), true),
            None => (format!("same:{scope}:{fingerprint}"), false),
        };
        let give_up = tokio::time::Instant::now() + TWIN_PATIENCE;
        loop {
            let claim = match self.store.claim(&stored, fingerprint, PENDING).await {
                Ok(claim) => claim,
                // Nowhere to remember it: the submit goes on as a new one.
                Err(_) => Claim::Ours,
            };
            match claim {
                Claim::Ours => {
                    return Ok(Begun::Fresh(Held {
                        key: stored,
                        fingerprint: fingerprint.to_owned(),
                    }))
                }
                Claim::Done(job) if explicit || running(job.clone()).await => {
                    return Ok(Begun::Known(job))
                }
                // The same request again after its job ended: a new try-on.
                Claim::Done(_) => {
                    let _ = self.store.release(&stored).await;
                }
                Claim::Pending if tokio::time::Instant::now() < give_up => {
                    tokio::time::sleep(TWIN_POLL).await;
                }
                Claim::Pending => {
                    return Err(GatewayError::new(
                        StatusCode::CONFLICT,
                        ErrorName::InvalidRequest,
                        "A submit with this Idempotency-Key is still being started: send it again in a moment to get its job.",
                    )
                    .with_retry_after(1))
                }
                Claim::Conflict => {
                    let mut e = GatewayError::new(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        ErrorName::InvalidRequest,
                        "This Idempotency-Key was already used for a different request: use a new key for a new try-on.",
                    );
                    e.error.field = Some("Idempotency-Key".into());
                    return Err(e);
                }
            }
        }
    }

    /// The held submit made `job`: a repeat gets it.
    pub async fn made(&self, held: Held, job: &str) {
        let _ = self
            .store
            .settle(&held.key, &held.fingerprint, job, self.keep)
            .await;
    }

    /// The held submit made no job: a repeat may try again.
    pub async fn none(&self, held: Held) {
        let _ = self.store.release(&held.key).await;
    }
}

/// The key of an `Idempotency-Key` header: an sf-string (`"…"`) or a bare token, of
/// visible ASCII, at most 255 characters.
fn valid_key(header: &str) -> Result<&str, GatewayError> {
    let key = header.trim();
    let key = key
        .strip_prefix('"')
        .and_then(|k| k.strip_suffix('"'))
        .unwrap_or(key);
    if key.is_empty()
        || key.len() > LONGEST_KEY
        || !key.bytes().all(|b| b.is_ascii_graphic() && b != b'"')
    {
        let mut e = GatewayError::new(
            StatusCode::BAD_REQUEST,
            ErrorName::InvalidRequest,
            "Idempotency-Key must be 1 to 255 visible ASCII characters, e.g. a UUID in quotes.",
        );
        e.error.field = Some("Idempotency-Key".into());
        return Err(e);
    }
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::super::local::LocalReplays;
    use super::*;

    fn remembered() -> Remembered {
        Remembered::new(Arc::new(LocalReplays::default()), Duration::from_secs(600))
    }

    async fn fresh(r: &Remembered, key: Option<&str>, body: &str, running: bool) -> Option<Held> {
        match r
            .begin("s", key, &fingerprint(body.as_bytes()), move |_| {
                std::future::ready(running)
            })
            .await
            .unwrap()
        {
            Begun::Fresh(held) => Some(held),
            Begun::Known(_) => None,
        }
    }

    #[tokio::test]
    async fn a_key_gives_the_same_job_and_refuses_another_body() {
        let r = remembered();
        let held = fresh(&r, Some("\"k1\""), "a", false).await.unwrap();
        r.made(held, "job-1").await;
        let Begun::Known(job) = r
            .begin("s", Some("k1"), &fingerprint(b"a"), |_| {
                std::future::ready(false)
            })
            .await
            .unwrap()
        else {
            panic!("a replay is answered with its job");
        };
        assert_eq!(job, "job-1");
        let e = r
            .begin("s", Some("k1"), &fingerprint(b"b"), |_| {
                std::future::ready(false)
            })
            .await
            .err()
            .unwrap();
        assert_eq!(e.status, 422);
        // Scoped to the bearer: another session's k1 is its own.
        assert!(matches!(
            r.begin("t", Some("k1"), &fingerprint(b"b"), |_| std::future::ready(
                false
            ))
            .await
            .unwrap(),
            Begun::Fresh(_)
        ));
        let e = r
            .begin("s", Some(""), &fingerprint(b"a"), |_| {
                std::future::ready(false)
            })
            .await
            .err()
            .unwrap();
        assert_eq!(e.status, 400);
    }

    #[tokio::test]
    async fn without_a_key_a_repeat_joins_the_job_only_while_it_runs() {
        let r = remembered();
        let held = fresh(&r, None, "a", true).await.unwrap();
        r.made(held, "job-1").await;
        assert!(
            fresh(&r, None, "a", true).await.is_none(),
            "running: joined"
        );
        assert!(fresh(&r, None, "b", true).await.is_some(), "another body");
        assert!(
            fresh(&r, None, "a", false).await.is_some(),
            "ended: a new job"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_twin_waits_for_the_first_answer() {
        let r = Arc::new(remembered());
        let held = fresh(&r, Some("k"), "a", false).await.unwrap();
        let twin = {
            let r = r.clone();
            tokio::spawn(async move {
                match r
                    .begin("s", Some("k"), &fingerprint(b"a"), |_| {
                        std::future::ready(false)
                    })
                    .await
                {
                    Ok(Begun::Known(job)) => job,
                    _ => panic!("the twin gets the first one's job"),
                }
            })
        };
        tokio::time::sleep(Duration::from_secs(2)).await;
        r.made(held, "job-1").await;
        assert_eq!(twin.await.unwrap(), "job-1");
        // A first request that made nothing lets its twin make the job.
        let held = fresh(&r, Some("k2"), "a", false).await.unwrap();
        r.none(held).await;
        assert!(fresh(&r, Some("k2"), "a", false).await.is_some());
    }
}
