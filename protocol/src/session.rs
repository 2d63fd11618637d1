//! The gateway's extensions to the contract: session tokens and the long-poll.

use serde::{Deserialize, Serialize};

/// Gateway extension: where a browser mints a session token (`POST`).
pub const SESSIONS_PATH: &str = "/v1/sessions";
/// Where jobs are submitted (`POST`).
pub const SUBMIT_PATH: &str = "/api/v1/tryon/clothes";
/// Where a job's status is read (`GET`, followed by `/{id}`).
pub const STATUS_PATH: &str = "/api/v1/status";
/// Gateway extension: the longest `?wait=` a status read may ask for, in seconds.
pub const LONG_POLL_MAX_SECONDS: u64 = 30;

/// A freshly minted session token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionResponse {
    /// The bearer token for the try-on API (an HS256 JWT).
    pub token: String,
    /// When it expires, in seconds since the Unix epoch.
    pub expires_at: u64,
    /// Seconds from now until it expires (saves the browser trusting its own clock).
    pub expires_in: u64,
}
