//! The hosted API's failures as the gateway's client reads them: which error name,
//! what happened and what to do, with the wait to expect. The merchant's key is never
//! in them.

use std::time::Duration;

use axum::http::StatusCode;
use tryon_protocol::{ApiError, ErrorName};

use super::dialect::Dialect;
use super::failure::{out_of_credits, Failure};
use crate::error::GatewayError;

/// Where the gateway looks for the API, for the words of a 404.
pub struct Where<'a> {
    /// The base URL.
    pub base: &'a str,
    /// The submit path.
    pub submit_path: &'a str,
    /// The configured shape.
    pub dialect: Dialect,
}

/// `failure` of the `what` (`submit`, `status read`) worded for the client: which
/// error, what happened and what to do. `api` says where the gateway looked for the
/// API (for a 404).
pub fn explain(failure: Failure, what: &str, api: &Where) -> GatewayError {
    match failure {
        Failure::NotSent => GatewayError::upstream_unavailable(
            StatusCode::BAD_GATEWAY,
            format!("The hosted try-on API could not be reached for the {what}: retry in a moment."),
        )
        .with_retry_after(2),
        Failure::Timeout | Failure::Broken => GatewayError::upstream_unavailable(
            StatusCode::GATEWAY_TIMEOUT,
            format!("The hosted try-on API did not answer the {what} in time: retry in a moment."),
        )
        .with_retry_after(2),
        Failure::Http { status, retry_after, error } => match status {
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => GatewayError::new(
                StatusCode::BAD_GATEWAY,
                ErrorName::UpstreamRejected,
                format!(
                    "The hosted try-on API refused the gateway's API key ({}): the merchant must check TRYON_UPSTREAM_API_KEY.",
                    status.as_u16()
                ),
            ),
            // A status read's 404 is a job that does not exist (answered before
            // this); a submit's is an API that is not where the gateway looks.
            StatusCode::NOT_FOUND => GatewayError::new(
                StatusCode::BAD_GATEWAY,
                ErrorName::UpstreamRejected,
                format!(
                    "The hosted try-on API has no {what} endpoint at {}{}: the merchant must check TRYON_UPSTREAM (now {}), TRYON_UPSTREAM_URL and the paths.",
                    api.base, api.submit_path, api.dialect
                ),
            ),
            // FASHN answers 429 for an empty account too: no wait will help, and
            // only the merchant can.
            StatusCode::TOO_MANY_REQUESTS if out_of_credits(error.as_ref()) =>
            {
                GatewayError::new(
                    StatusCode::BAD_GATEWAY,
                    ErrorName::UpstreamRejected,
                    "The merchant's hosted try-on account is out of credits: the merchant must top it up.",
                )
            }
            StatusCode::TOO_MANY_REQUESTS => GatewayError::new(
                StatusCode::TOO_MANY_REQUESTS,
                ErrorName::RateLimitExceeded,
                match error {
                    Some(upstream) => format!(
                        "The hosted try-on API is busy ({}): retry shortly.",
                        upstream.message
                    ),
                    None => "The hosted try-on API is busy: retry shortly.".to_owned(),
                },
            )
            .with_retry_after(whole_seconds(retry_after).unwrap_or(5)),
            s if s.is_client_error() => GatewayError {
                status: s,
                error: error.unwrap_or_else(|| {
                    ApiError::new(ErrorName::InvalidRequest, format!("The hosted try-on API refused the {what} ({}).", s.as_u16()))
                }),
                retry_after: None,
            },
            s => GatewayError::upstream_unavailable(
                StatusCode::BAD_GATEWAY,
                format!("The hosted try-on API failed the {what} ({}): retry in a moment.", s.as_u16()),
            )
            .with_retry_after(whole_seconds(retry_after).unwrap_or(2)),
        },
    }
}

/// A submit that did not get its turn in time: 429, with the wait to expect.
pub fn busy(wait: Duration, waiting: usize) -> GatewayError {
    let seconds = wait.as_secs_f64().ceil().max(1.0) as u64;
    GatewayError::new(
        StatusCode::TOO_MANY_REQUESTS,
        ErrorName::RateLimitExceeded,
        format!(
            "The try-on service is busy ({waiting} more shoppers are waiting to start): retry in {seconds} s."
        ),
    )
    .with_retry_after(seconds)
}

/// A `Retry-After` passed on to the gateway's own client, in whole seconds (rounded
/// up, so the client never comes back early).
pub fn whole_seconds(retry_after: Option<f64>) -> Option<u64> {
    retry_after.map(|seconds| seconds.ceil() as u64)
}
