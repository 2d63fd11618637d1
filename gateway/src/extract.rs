//! What handlers take from a request, refused in the contract's error shape: axum's
//! own extractors answer a path, query or body they cannot read with plain text,
//! which no client of the API knows how to show.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use serde::de::DeserializeOwned;
use tryon_protocol::ErrorName;

use crate::error::GatewayError;
use crate::state::AppState;
use crate::unread_body::{read_and_drop, read_up_to, Unread};

/// The parameters in the path (a job id, a result name). One that does not parse is
/// a 400 `InvalidRequest` that says so.
#[derive(Debug)]
pub struct ApiPath<T>(pub T);

impl<T, S> FromRequestParts<S> for ApiPath<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = GatewayError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match Path::<T>::from_request_parts(parts, state).await {
            Ok(Path(value)) => Ok(ApiPath(value)),
            // The route and the handler disagree: the gateway's fault, not the client's.
            Err(rejection) if rejection.status().is_server_error() => {
                Err(GatewayError::internal())
            }
            Err(rejection) => Err(GatewayError::new(
                StatusCode::BAD_REQUEST,
                ErrorName::InvalidRequest,
                format!(
                    "The address could not be read ({}): use the job id or result URL exactly as the gateway returned it.",
                    rejection.body_text()
                ),
            )),
        }
    }
}

/// The query string. One that does not parse (a parameter given twice, say) is a
/// 400 `InvalidRequest` that says so.
#[derive(Debug)]
pub struct ApiQuery<T>(pub T);

impl<T, S> FromRequestParts<S> for ApiQuery<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = GatewayError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|Query(value)| ApiQuery(value))
            .map_err(|rejection| {
                GatewayError::new(
                    StatusCode::BAD_REQUEST,
                    ErrorName::InvalidRequest,
                    format!(
                        "The query string could not be read ({}): give each parameter at most once, as in `?wait=10&since=processing`.",
                        rejection.body_text()
                    ),
                )
            })
    }
}

/// The body of a submit: JSON bytes within the configured limit (`TRYON_BODY_LIMIT_MB`),
/// parsed by the contract's own validation (which names the field at fault). A body
/// declared as something else is refused; one with no `Content-Type` is read as JSON,
/// for hand-written clients. A refused body is still read to its end (see
/// [`crate::unread_body`]).
#[derive(Debug)]
pub struct JobBody(pub Bytes);

impl FromRequest<AppState> for JobBody {
    type Rejection = GatewayError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let limit = state.config.body_limit_mb << 20;
        if let Some(declared) = request.headers().get(header::CONTENT_TYPE) {
            let declared = String::from_utf8_lossy(declared.as_bytes()).into_owned();
            if !is_json(&declared) {
                read_and_drop(request.into_body(), limit).await;
                return Err(GatewayError::new(
                    StatusCode::BAD_REQUEST,
                    ErrorName::InvalidRequest,
                    format!(
                        "The job must be sent as JSON with `Content-Type: application/json`, not as `{declared}`."
                    ),
                ));
            }
        }
        match read_up_to(request.into_body(), limit).await {
            Ok(bytes) => Ok(JobBody(bytes)),
            Err(Unread::TooLarge) => Err(GatewayError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                ErrorName::PayloadTooLarge,
                format!(
                    "The request is larger than {} MB: send the photo resized (864×1296 JPEG is plenty) or as a URL.",
                    state.config.body_limit_mb
                ),
            )),
            Err(Unread::Broken) => Err(GatewayError::new(
                StatusCode::BAD_REQUEST,
                ErrorName::InvalidRequest,
                "The request body could not be read to its end: send it again.",
            )),
        }
    }
}

/// `application/json`, with parameters or not, and the `+json` types.
fn is_json(content_type: &str) -> bool {
    content_type.parse::<mime::Mime>().is_ok_and(|m| {
        m.type_() == mime::APPLICATION
            && (m.subtype() == mime::JSON || m.suffix() == Some(mime::JSON))
    })
}

#[cfg(test)]
mod tests {
    use super::is_json;

    #[test]
    fn json_content_types() {
        for yes in [
            "application/json",
            "Application/JSON; charset=utf-8",
            "application/vnd.api+json",
        ] {
            assert!(is_json(yes), "{yes}");
        }
        for no in [
            "text/plain",
            "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=x",
            "text/json+html",
            "",
        ] {
            assert!(!is_json(no), "{no}");
        }
    }
}
