//! The providers' own surfaces, so that a merchant's server code written on FASHN's or
//! TryItOn's SDK works against the gateway by changing its base URL (and key to the
//! gateway's server key): FASHN's paths ([`fashn`]) and TryItOn's ([`tryiton`]). Each
//! is read into the contract's request and then goes the contract's way (quotas, the
//! spending cap, fair turns, the engine); answers and refusals keep the provider's
//! shape where its SDK reads them. Facts from the SDKs' sources: FASHN `fashn` 0.9.0
//! (PyPI) and 0.11.1 (npm), TryItOn `tryiton` 2.0.0 (PyPI); `docs/api.md` has the list.

pub mod fashn;
pub mod tryiton;

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Map, Value};
use tryon_protocol::{ApiError, ErrorName};

use crate::error::GatewayError;

pub(crate) fn refused(field: &str, message: String) -> GatewayError {
    let mut e = GatewayError::new(StatusCode::BAD_REQUEST, ErrorName::InvalidRequest, message);
    e.error.field = Some(field.into());
    e
}

pub(crate) fn object(body: &[u8], what: &str) -> Result<Map<String, Value>, GatewayError> {
    match serde_json::from_slice(body) {
        Ok(Value::Object(fields)) => Ok(fields),
        Ok(_) => Err(refused(
            "body",
            format!("The body must be a JSON object: {what}."),
        )),
        Err(e) => Err(refused(
            "body",
            format!("The body is not valid JSON ({e}): {what}."),
        )),
    }
}

pub(crate) fn contract_body(fields: Map<String, Value>) -> Vec<u8> {
    serde_json::to_vec(&Value::Object(fields)).expect("JSON values serialise")
}

/// What the SDKs' retry logic reads on an answer: `x-should-retry: false` on a
/// refusal that sending again cannot mend (a wrong request, a spent quota or budget:
/// FASHN's SDK would otherwise send a 429 or 503 three more times), and `true` with
/// `retry-after-ms` beside `Retry-After` on a busy answer, so it waits as long as told.
pub fn for_sdks(mut response: Response) -> Response {
    let status = response.status();
    if status.is_success() {
        return response;
    }
    let busy = response
        .headers()
        .get(axum::http::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    let spent = matches!(
        response.extensions().get::<ApiError>().map(|e| &e.name),
        Some(ErrorName::QuotaExceeded | ErrorName::SpendingLimitReached)
    );
    let retry = busy.is_some() && !spent;
    let headers = response.headers_mut();
    headers.insert(
        "x-should-retry",
        HeaderValue::from_static(if retry { "true" } else { "false" }),
    );
    if let (true, Some(seconds)) = (retry, busy) {
        headers.insert("retry-after-ms", HeaderValue::from(seconds * 1000));
    }
    response
}

/// A refusal's body made flat, `{"error": name, "message"}` as both providers send
/// it (with the contract's `field` beside, when one is at fault); status and headers
/// stay. Success passes untouched.
pub(crate) fn flat(response: Response, name: impl Fn(&ErrorName) -> &str) -> Response {
    let Some(error) = response.extensions().get::<ApiError>().cloned() else {
        return response;
    };
    let mut body = json!({ "error": name(&error.name), "message": error.message });
    if let Some(field) = error.field {
        body["field"] = Value::from(field);
    }
    let (mut parts, _) = response.into_parts();
    parts.headers.remove(axum::http::header::CONTENT_LENGTH);
    Response::from_parts(parts, Json(body).into_response().into_body())
}

/// A provider-shaped answer: `shape(id)` when a job started; when the photo check
/// refused the photo, 422 with why (the SDKs raise it with the body).
pub fn answered(
    id: Option<String>,
    error: Option<ApiError>,
    shape: impl FnOnce(String) -> Value,
) -> Result<Response, GatewayError> {
    match (id, error) {
        (Some(id), _) => Ok(Json(shape(id)).into_response()),
        (None, Some(error)) => Err(GatewayError {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            error,
            retry_after: None,
        }),
        (None, None) => Err(GatewayError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            ErrorName::InternalError,
            "The job did not start: please try again.",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    async fn body_of(response: Response) -> Value {
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
            .await
            .unwrap();
        serde_json::from_slice(&bytes).unwrap()
    }

    #[test]
    fn sdks_are_told_what_to_send_again_and_when() {
        let answer = |name: ErrorName, status: StatusCode, retry_after: Option<u64>| {
            let mut e = GatewayError::new(status, name, "x");
            e.retry_after = retry_after;
            let r = for_sdks(e.into_response());
            let header = |h: &str| r.headers().get(h).map(|v| v.to_str().unwrap().to_owned());
            (header("x-should-retry"), header("retry-after-ms"))
        };
        let busy = answer(
            ErrorName::RateLimitExceeded,
            StatusCode::TOO_MANY_REQUESTS,
            Some(3),
        );
        assert_eq!(busy, (Some("true".into()), Some("3000".into())));
        for (name, status) in [
            (ErrorName::QuotaExceeded, StatusCode::TOO_MANY_REQUESTS),
            (
                ErrorName::SpendingLimitReached,
                StatusCode::SERVICE_UNAVAILABLE,
            ),
        ] {
            assert_eq!(
                answer(name, status, Some(600)),
                (Some("false".into()), None)
            );
        }
        let wrong = answer(ErrorName::InvalidRequest, StatusCode::BAD_REQUEST, None);
        assert_eq!(wrong, (Some("false".into()), None));
        assert!(for_sdks(Json(json!({})).into_response())
            .headers()
            .get("x-should-retry")
            .is_none());
    }

    #[tokio::test]
    async fn refusals_read_as_each_provider_writes_them() {
        let mut wrong = GatewayError::new(StatusCode::BAD_REQUEST, ErrorName::InvalidRequest, "no");
        wrong.error.field = Some("seed".into());
        let r = fashn::fashn_answer(wrong.clone().into_response()).await;
        assert_eq!(r.status(), 400);
        assert_eq!(
            body_of(r).await,
            json!({"error": "BadRequest", "message": "no", "field": "seed"})
        );
        let r = tryiton::tryiton_answer(wrong.into_response()).await;
        assert_eq!(
            body_of(r).await,
            json!({"error": "InvalidRequest", "message": "no", "field": "seed"})
        );
        let spent = GatewayError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            ErrorName::SpendingLimitReached,
            "cap",
        )
        .with_retry_after(600);
        let r = fashn::fashn_answer(spent.into_response()).await;
        assert_eq!(r.status(), 503);
        assert_eq!(r.headers()["retry-after"], "600");
        assert_eq!(r.headers()["x-should-retry"], "false");
        assert_eq!(
            body_of(r).await,
            json!({"error": "OutOfCredits", "message": "cap"})
        );
        let gone = fashn::fashn_answer(GatewayError::job_not_found().into_response()).await;
        assert_eq!(body_of(gone).await["error"], "NotFound");
        // A success keeps its body; a finished job's cost rides in FASHN's header.
        let mut done = Json(json!({"id": "x", "status": "completed"})).into_response();
        done.extensions_mut().insert(fashn::CreditsUsed(2.0));
        let r = fashn::fashn_answer(done).await;
        assert_eq!(r.headers()[fashn::CREDITS_USED], "2");
        assert_eq!(body_of(r).await, json!({"id": "x", "status": "completed"}));
        let mut half = Json(json!({})).into_response();
        half.extensions_mut().insert(fashn::CreditsUsed(1.5));
        assert_eq!(
            fashn::fashn_answer(half).await.headers()[fashn::CREDITS_USED],
            "1.5"
        );
    }
}
