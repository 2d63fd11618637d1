//! What can go wrong talking to the hosted API, before it is worded for a client
//! ([`super::wording`]): never sent, no answer, a broken connection, or an HTTP
//! refusal with its `Retry-After`.

use std::time::Duration;

use axum::http::StatusCode;
use tryon_protocol::ApiError;

/// A provider's 429 without `Retry-After` pauses its endpoint this long.
const PAUSE_WITHOUT_RETRY_AFTER: Duration = Duration::from_secs(1);
/// The longest pause a provider's `Retry-After` gets.
const LONGEST_PAUSE: Duration = Duration::from_secs(60);

/// What went wrong talking to the API, before it is turned into an answer.
pub enum Failure {
    /// The request never reached the API (safe to repeat).
    NotSent,
    /// No answer in time (the API may have acted on it).
    Timeout,
    /// The connection broke after sending.
    Broken,
    /// An HTTP answer other than 2xx.
    Http {
        /// Its status.
        status: StatusCode,
        /// Its `Retry-After`, in seconds from now.
        retry_after: Option<f64>,
        /// The error it carried, in the contract's terms.
        error: Option<ApiError>,
    },
}

impl Failure {
    /// The outcome's name in metrics.
    pub fn outcome(&self) -> &'static str {
        match self {
            Failure::NotSent => "unreachable",
            Failure::Timeout | Failure::Broken => "timeout",
            Failure::Http { status, .. } if *status == StatusCode::TOO_MANY_REQUESTS => {
                "rate_limited"
            }
            Failure::Http { status, .. } if status.is_server_error() => "server_error",
            Failure::Http { .. } => "refused",
        }
    }

    /// A 429 that waiting can cure (not an empty account), and how long to wait.
    pub fn rate_limited(&self) -> Option<Duration> {
        match self {
            Failure::Http {
                status: StatusCode::TOO_MANY_REQUESTS,
                retry_after,
                error,
            } if !out_of_credits(error.as_ref()) => Some(retry_after.map_or(
                PAUSE_WITHOUT_RETRY_AFTER,
                // Clamped first: a provider's absurd Retry-After must not panic here.
                |s| Duration::from_secs_f64(s.clamp(0.0, LONGEST_PAUSE.as_secs_f64())),
            )),
            _ => None,
        }
    }

    /// Whether trying again may do better: the API was not reached, did not answer,
    /// or failed on its side (5xx). For a status read only: a submit may have been
    /// taken.
    pub fn transient(&self) -> bool {
        match self {
            Failure::NotSent | Failure::Timeout | Failure::Broken => true,
            Failure::Http { status, .. } => status.is_server_error(),
        }
    }

    /// The wait the provider asked for, in seconds.
    pub fn retry_after(&self) -> Option<f64> {
        match self {
            Failure::Http { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}

/// FASHN and TryItOn answer 429 for an empty account too: no wait will help, and only
/// the merchant can.
pub fn out_of_credits(error: Option<&ApiError>) -> bool {
    error.is_some_and(|e| e.message.contains("OutOfCredits"))
}
