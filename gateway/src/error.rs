//! The one error type of the gateway's HTTP answers: every 4xx and 5xx is the
//! documented `{"error": {"name", "message"}}` shape, panics included.

use std::any::Any;

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use tower_http::catch_panic::CatchPanicLayer;
use tryon_protocol::{ApiError, ErrorBody, ErrorName, ValidationError};

/// An answer other than success, with its HTTP status.
#[derive(Debug, Clone)]
pub struct GatewayError {
    /// HTTP status.
    pub status: StatusCode,
    /// The error object sent to the client.
    pub error: ApiError,
    /// Seconds the client should wait before retrying (429 and 503).
    pub retry_after: Option<u64>,
}

impl GatewayError {
    /// An error with this status, name and message.
    pub fn new(status: StatusCode, name: ErrorName, message: impl Into<String>) -> Self {
        GatewayError {
            status,
            error: ApiError::new(name, message),
            retry_after: None,
        }
    }

    /// 401 for a token problem.
    pub fn unauthorized(name: ErrorName, message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, name, message)
    }

    /// 404: no such job for this caller.
    pub fn job_not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            ErrorName::NotFound,
            "No job with this id exists for this session. Check the id returned by the submit, or submit again.",
        )
    }

    /// 502/504: the hosted API failed us.
    pub fn upstream_unavailable(status: StatusCode, message: impl Into<String>) -> Self {
        Self::new(status, ErrorName::UpstreamUnavailable, message)
    }

    /// 500: the gateway failed on the request; what happened is in its log, not in
    /// the answer.
    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            ErrorName::InternalError,
            "The try-on gateway failed on this request: try again. If it keeps failing, the shop's gateway log says why.",
        )
    }

    /// Adds a `Retry-After`.
    pub fn with_retry_after(mut self, seconds: u64) -> Self {
        self.retry_after = Some(seconds);
        self
    }
}

impl From<ValidationError> for GatewayError {
    fn from(e: ValidationError) -> Self {
        let mut err = GatewayError::new(
            StatusCode::BAD_REQUEST,
            ErrorName::InvalidRequest,
            e.message,
        );
        err.error.field = e.field;
        err
    }
}

impl IntoResponse for GatewayError {
    fn into_response(self) -> Response {
        let error = self.error.clone();
        let mut response = (self.status, Json(ErrorBody { error: self.error })).into_response();
        // For what reads the answer on its way out: the SDK paths' retry advice, and
        // the providers' own shapes of it (`dropin`).
        response.extensions_mut().insert(error);
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

/// The answer to a request whose handler panicked.
pub type PanicAnswer = fn(Box<dyn Any + Send + 'static>) -> Response;

/// A layer that turns a panic in a handler into the 500 `InternalError` answer,
/// instead of a connection closed without a word. The panic's message goes to the
/// log only: it may hold details a client must not see.
pub fn answer_panics() -> CatchPanicLayer<PanicAnswer> {
    CatchPanicLayer::custom(panic_answer as PanicAnswer)
}

fn panic_answer(panic: Box<dyn Any + Send + 'static>) -> Response {
    let message = panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("(no message)");
    tracing::error!(panic = message, "a request handler panicked");
    GatewayError::internal().into_response()
}

/// An answer from the state replicas share: what was asked, or [`Down`].
pub type Shared<'a, T> =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<T, Down>> + Send + 'a>>;

/// The shared store (Redis) could not be asked.
#[derive(Debug, Clone)]
pub struct Down(pub String);

impl From<Down> for GatewayError {
    /// The reason (a password refused, a certificate not trusted…) is the operator's:
    /// it is in the log, not in an answer a browser reads.
    fn from(_: Down) -> Self {
        GatewayError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            ErrorName::SharedStateUnavailable,
            "The gateway's shared store (Redis) cannot be reached: retry in a moment.",
        )
        .with_retry_after(2)
    }
}
