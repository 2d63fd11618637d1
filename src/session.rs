//! The shopper's session token: fetched on first use, renewed before it expires
//! (also in the middle of a job), for the same session so a running job stays readable.

use std::cell::RefCell;

use tryon_protocol::SessionResponse;

use crate::keep::{self, KeptSession};
use crate::net::{call, now_ms, sleep, when_online, NetError};

/// Renew when less than this is left (ms), or a fifth of the lifetime if shorter.
const RENEW_MARGIN_MS: f64 = 60_000.0;
/// Mints answered 503 ("come back in a moment") that are waited out, about 20 s.
const UNAVAILABLE_TRIES: u32 = 10;

#[derive(Debug, Clone)]
struct Current {
    token: String,
    /// When to renew, by the browser's clock (computed from `expires_in`, so a wrong
    /// clock on the shopper's device does not matter).
    renew_at: f64,
}

/// The token source of one widget.
pub struct Session {
    url: String,
    current: RefCell<Option<Current>>,
    /// Whether the token is kept in this tab (`keep`), so a reload goes on with the
    /// same session and the jobs it made stay readable.
    kept: bool,
}

impl Session {
    /// Tokens from the session endpoint at `url`; with `kept`, going on with the
    /// session this tab kept, and keeping each new token.
    pub fn new(url: impl Into<String>, kept: bool) -> Self {
        let url = url.into();
        // An old token is renewed for the same session (the gateway allows it up to
        // one lifetime after it expired): `renew_at` may well be past.
        let current = kept
            .then(|| keep::session(&url))
            .flatten()
            .map(|s| Current {
                token: s.token,
                renew_at: s.renew_at as f64,
            });
        Session {
            url,
            current: RefCell::new(current),
            kept,
        }
    }

    /// A token good for at least a minute more.
    pub async fn token(&self) -> Result<String, NetError> {
        let current = self.current.borrow().clone();
        match current {
            Some(c) if now_ms() < c.renew_at => Ok(c.token),
            _ => self.renew().await,
        }
    }

    /// A new token now, continuing the current session when there is one.
    pub async fn renew(&self) -> Result<String, NetError> {
        let old = self.current.borrow().as_ref().map(|c| c.token.clone());
        let url = self.url.as_str();
        let mut unavailable = 0;
        let answer = loop {
            let answer = match when_online(|| call("POST", url, old.as_deref(), None)).await {
                // The old token could not be renewed (too old, secret rotated): start afresh.
                Err(NetError::Http { status: 401, .. }) if old.is_some() => {
                    when_online(|| call("POST", url, None, None)).await
                }
                other => other,
            };
            match answer {
                // The gateway cannot mint for a moment (its replicas' shared store is
                // away) and says when to come back: a job in the middle of its wait
                // rides it out rather than failing.
                Err(NetError::Http {
                    status: 503,
                    retry_after,
                    ..
                }) if unavailable < UNAVAILABLE_TRIES => {
                    unavailable += 1;
                    let seconds = retry_after.unwrap_or(2.0).max(0.5).min(10.0);
                    sleep(seconds * 1000.0).await;
                }
                other => break other?,
            }
        };
        let minted: SessionResponse =
            serde_json::from_str(&answer).map_err(|_| NetError::Http {
                status: 502,
                error: tryon_protocol::ApiError::new(
                    tryon_protocol::ErrorName::Other("BadSessionAnswer".into()),
                    "The session endpoint did not answer with a token.",
                ),
                retry_after: None,
            })?;
        let lifetime_ms = minted.expires_in as f64 * 1000.0;
        let margin = RENEW_MARGIN_MS.min(lifetime_ms / 5.0);
        let renew_at = now_ms() + lifetime_ms - margin;
        if self.kept {
            keep::keep_session(&KeptSession {
                url: self.url.clone(),
                token: minted.token.clone(),
                renew_at: renew_at as u64,
            });
        }
        *self.current.borrow_mut() = Some(Current {
            token: minted.token.clone(),
            renew_at,
        });
        Ok(minted.token)
    }

    /// Forgets the token (e.g. when the widget closes).
    pub fn clear(&self) {
        self.current.borrow_mut().take();
    }
}
