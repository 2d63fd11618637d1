//! Error names and the error object `{"name", "message"}` shared by runtime errors
//! (inside a failed status) and by every 4xx/5xx the gateway answers.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The name of an error. The five runtime errors of the contract come first; the
/// others are the gateway's own (answered with a 4xx or 5xx, never inside a status).
/// A name nobody here knows is kept verbatim in [`ErrorName::Other`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ErrorName {
    /// The model or garment image could not be loaded.
    ImageLoadError,
    /// The garment is prohibited under the chosen `moderation_level`.
    ContentModerationError,
    /// No body pose was found.
    PoseError,
    /// Unexpected failure while running; retrying is free.
    PipelineError,
    /// A third-party processor refused or failed.
    ThirdPartyError,
    /// Gateway: the request body or a field is invalid.
    InvalidRequest,
    /// Gateway: the body is larger than the configured limit.
    PayloadTooLarge,
    /// Gateway: no bearer token was sent.
    TokenMissing,
    /// Gateway: the session token has expired; fetch a new one.
    TokenExpired,
    /// Gateway: the token is malformed or its signature does not verify.
    TokenInvalid,
    /// Gateway: the token was minted for another origin.
    TokenOriginMismatch,
    /// Gateway: the token is not scoped to try-on.
    TokenScopeInvalid,
    /// Gateway: the page's origin is not on the gateway's allowlist.
    OriginNotAllowed,
    /// Gateway or upstream: too many requests; wait and retry.
    RateLimitExceeded,
    /// Gateway: no such job for this session, or no such route.
    NotFound,
    /// Gateway: the hosted API could not be reached or answered with a server error.
    UpstreamUnavailable,
    /// Gateway: the hosted API refused the gateway's own credentials or request.
    UpstreamRejected,
    /// Gateway: the gateway itself failed on the request (a bug, logged); retrying may work.
    InternalError,
    /// Gateway: the store its replicas share (Redis) cannot be reached; retry shortly.
    SharedStateUnavailable,
    /// Gateway: this shopper (session or address) has used its try-ons for now; the
    /// answer's `Retry-After` says when enough come back. Not a wait to ride out.
    QuotaExceeded,
    /// Gateway: the merchant's spending cap for the day is reached; try-on is paused
    /// until the next UTC day (`Retry-After`).
    SpendingLimitReached,
    /// Any other name, kept verbatim.
    Other(String),
}

impl ErrorName {
    /// The name on the wire.
    pub fn as_str(&self) -> &str {
        match self {
            ErrorName::ImageLoadError => "ImageLoadError",
            ErrorName::ContentModerationError => "ContentModerationError",
            ErrorName::PoseError => "PoseError",
            ErrorName::PipelineError => "PipelineError",
            ErrorName::ThirdPartyError => "ThirdPartyError",
            ErrorName::InvalidRequest => "InvalidRequest",
            ErrorName::PayloadTooLarge => "PayloadTooLarge",
            ErrorName::TokenMissing => "TokenMissing",
            ErrorName::TokenExpired => "TokenExpired",
            ErrorName::TokenInvalid => "TokenInvalid",
            ErrorName::TokenOriginMismatch => "TokenOriginMismatch",
            ErrorName::TokenScopeInvalid => "TokenScopeInvalid",
            ErrorName::OriginNotAllowed => "OriginNotAllowed",
            ErrorName::RateLimitExceeded => "RateLimitExceeded",
            ErrorName::NotFound => "NotFound",
            ErrorName::UpstreamUnavailable => "UpstreamUnavailable",
            ErrorName::UpstreamRejected => "UpstreamRejected",
            ErrorName::InternalError => "InternalError",
            ErrorName::SharedStateUnavailable => "SharedStateUnavailable",
            ErrorName::QuotaExceeded => "QuotaExceeded",
            ErrorName::SpendingLimitReached => "SpendingLimitReached",
            ErrorName::Other(name) => name,
        }
    }

    /// The five runtime errors of the contract, which arrive inside a failed status.
    pub const RUNTIME: [ErrorName; 5] = [
        ErrorName::ImageLoadError,
        ErrorName::ContentModerationError,
        ErrorName::PoseError,
        ErrorName::PipelineError,
        ErrorName::ThirdPartyError,
    ];

    /// Whether this is one of the contract's five runtime errors.
    pub fn is_runtime(&self) -> bool {
        Self::RUNTIME.contains(self)
    }

    /// Whether a fresh session token would fix it (the widget renews and retries once).
    pub fn is_token_problem(&self) -> bool {
        matches!(self, ErrorName::TokenMissing | ErrorName::TokenExpired)
    }
}

impl From<&str> for ErrorName {
    fn from(name: &str) -> Self {
        let known = [
            ErrorName::ImageLoadError,
            ErrorName::ContentModerationError,
            ErrorName::PoseError,
            ErrorName::PipelineError,
            ErrorName::ThirdPartyError,
            ErrorName::InvalidRequest,
            ErrorName::PayloadTooLarge,
            ErrorName::TokenMissing,
            ErrorName::TokenExpired,
            ErrorName::TokenInvalid,
            ErrorName::TokenOriginMismatch,
            ErrorName::TokenScopeInvalid,
            ErrorName::OriginNotAllowed,
            ErrorName::RateLimitExceeded,
            ErrorName::NotFound,
            ErrorName::UpstreamUnavailable,
            ErrorName::UpstreamRejected,
            ErrorName::InternalError,
            ErrorName::SharedStateUnavailable,
            ErrorName::QuotaExceeded,
            ErrorName::SpendingLimitReached,
        ];
        known
            .into_iter()
            .find(|k| k.as_str() == name)
            .unwrap_or_else(|| ErrorName::Other(name.to_owned()))
    }
}

impl fmt::Display for ErrorName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for ErrorName {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ErrorName {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Ok(ErrorName::from(s.as_ref()))
    }
}

/// The error object: `{"name": "PoseError", "message": "…"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiError {
    /// Which error.
    pub name: ErrorName,
    /// What happened, for people.
    #[serde(default)]
    pub message: String,
    /// Gateway extension: the request field at fault, for `InvalidRequest`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

impl ApiError {
    /// An error with this name and message.
    pub fn new(name: ErrorName, message: impl Into<String>) -> Self {
        ApiError {
            name,
            message: message.into(),
            field: None,
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.name, self.message)
    }
}

impl std::error::Error for ApiError {}

/// The body of every gateway 4xx/5xx answer: `{"error": {"name", "message"}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// The error.
    pub error: ApiError,
}
