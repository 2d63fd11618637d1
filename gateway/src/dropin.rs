//! The providers' own surfaces, so that a merchant's server code written on FASHN's or
//! TryItOn's SDK works against the gateway by changing its base URL (and key to the
//! gateway's server key): FASHN's `POST /v1/run` and `GET /v1/status/{id}`, TryItOn's
//! `POST /api/v1/tryon/fashion` (its status path is the contract's own). Each is read
//! into the contract's request here and then goes the contract's way (quotas, the
//! spending cap, fair turns, the engine); answers keep the provider's shape where its
//! SDK reads them (`id`, `jobId`). Facts from the SDKs' sources: FASHN `fashn` 0.9.0
//! (PyPI) and 0.11.1 (npm), TryItOn `tryiton` 2.0.0 (PyPI); `docs/api.md` has the list.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{Map, Value};
use tryon_protocol::{ApiError, ErrorName};

use crate::error::GatewayError;

/// FASHN's submit path.
pub const FASHN_RUN_PATH: &str = "/v1/run";
/// FASHN's status path (`/{id}` follows).
pub const FASHN_STATUS_PATH: &str = "/v1/status";
/// TryItOn's fashion try-on path (its SDK's base URL ends in `/api/v1`).
pub const TRYITON_FASHION_PATH: &str = "/api/v1/tryon/fashion";

/// The one FASHN model the gateway runs: virtual try-on.
const FASHN_MODEL: &str = "tryon-v1.6";

fn refused(field: &str, message: String) -> GatewayError {
    let mut e = GatewayError::new(StatusCode::BAD_REQUEST, ErrorName::InvalidRequest, message);
    e.error.field = Some(field.into());
    e
}

fn object(body: &[u8], what: &str) -> Result<Map<String, Value>, GatewayError> {
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

fn contract_body(fields: Map<String, Value>) -> Vec<u8> {
    serde_json::to_vec(&Value::Object(fields)).expect("JSON values serialise")
}

/// FASHN's `{"model_name", "inputs"}` as the contract's body. Fields FASHN's JS SDK
/// adds beside them (`pollInterval`, `timeout`, `maxRetries`) are its own and left out.
pub fn fashn_run(body: &[u8], webhook: bool) -> Result<Vec<u8>, GatewayError> {
    const SHAPE: &str =
        r#"{"model_name": "tryon-v1.6", "inputs": {"model_image": …, "garment_image": …}}"#;
    if webhook {
        return Err(refused(
            "webhook_url",
            "The gateway does not call your server back: leave out `webhook_url` and poll \
             GET /v1/status/{id} (the SDK's subscribe() does)."
                .into(),
        ));
    }
    let mut fields = object(body, SHAPE)?;
    match fields.get("model_name").and_then(Value::as_str) {
        Some(FASHN_MODEL) => {}
        Some(other) => {
            return Err(refused(
                "model_name",
                format!("The gateway runs FASHN's `{FASHN_MODEL}` (virtual try-on); `{other}` is not offered here."),
            ))
        }
        None => {
            return Err(refused(
                "model_name",
                format!("`model_name` is missing: send `{FASHN_MODEL}`."),
            ))
        }
    }
    let Some(Value::Object(mut inputs)) = fields.remove("inputs") else {
        return Err(refused(
            "inputs",
            format!("`inputs` must be an object with the try-on's images and options: {SHAPE}."),
        ));
    };
    match inputs.remove("return_base64") {
        None | Some(Value::Bool(false)) => {}
        Some(_) => {
            return Err(refused(
                "return_base64",
                "The gateway answers with result URLs: leave out `return_base64` (or send false)."
                    .into(),
            ))
        }
    }
    Ok(contract_body(inputs))
}

/// TryItOn's fashion try-on body as the contract's: its `category` and `subcategory`
/// (`clothing` + `tops`, `bottoms` or `dresses`) become the contract's category; the
/// other options have the contract's names already.
pub fn tryiton_fashion(body: &[u8]) -> Result<Vec<u8>, GatewayError> {
    let mut fields = object(
        body,
        r#"{"model_image": …, "garment_image": …, "category": "clothing", "subcategory": "tops"}"#,
    )?;
    // TryItOn's SDK leaves out what was not given; a null is the same.
    fields.retain(|_, v| !v.is_null());
    let subcategory = fields.remove("subcategory");
    let subcategory = subcategory.as_ref().and_then(Value::as_str);
    let category = match fields.get("category").and_then(Value::as_str) {
        None | Some("auto") => match subcategory {
            None => "auto",
            Some(sub) => clothing(sub)?,
        },
        Some("clothing") => match subcategory {
            Some(sub) => clothing(sub)?,
            None => {
                return Err(refused(
                    "subcategory",
                    "`clothing` needs a `subcategory`: tops, bottoms or dresses.".into(),
                ))
            }
        },
        Some(other) => {
            return Err(refused(
                "category",
                format!("The gateway tries on clothing (`auto` or `clothing`); `{other}` is not offered here."),
            ))
        }
    };
    fields.insert("category".into(), Value::from(category));
    Ok(contract_body(fields))
}

/// The contract's category for TryItOn's clothing `subcategory`.
fn clothing(subcategory: &str) -> Result<&'static str, GatewayError> {
    match subcategory {
        "tops" => Ok("tops"),
        "bottoms" => Ok("bottoms"),
        "dresses" | "one-pieces" => Ok("one-pieces"),
        other => Err(refused(
            "subcategory",
            format!("`{other}` is not a clothing subcategory here: send tops, bottoms or dresses."),
        )),
    }
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
        response.extensions().get::<ErrorName>(),
        Some(ErrorName::QuotaExceeded | ErrorName::SpendingLimitReached)
    );
    let retry = busy.is_some() && !spent;
    let headers = response.headers_mut();
    headers.insert(
        "x-should-retry",
        axum::http::HeaderValue::from_static(if retry { "true" } else { "false" }),
    );
    if let (true, Some(seconds)) = (retry, busy) {
        headers.insert(
            "retry-after-ms",
            axum::http::HeaderValue::from(seconds * 1000),
        );
    }
    response
}

/// A refusal in TryItOn's shape, `{"error": name, "message"}`, which its SDK reads
/// into its exception (the contract's `field` rides along); status and Retry-After
/// as the contract's.
pub fn tryiton_error(e: GatewayError) -> Response {
    let retry_after = e.retry_after;
    let name = e.error.name.clone();
    let mut response = (
        e.status,
        Json(serde_json::json!({
            "error": e.error.name.as_str(),
            "message": e.error.message,
            "field": e.error.field,
        })),
    )
        .into_response();
    if let Some(seconds) = retry_after {
        response.headers_mut().insert(
            axum::http::header::RETRY_AFTER,
            axum::http::HeaderValue::from(seconds),
        );
    }
    response.extensions_mut().insert(name);
    response
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

    fn fields(body: Vec<u8>) -> Value {
        serde_json::from_slice(&body).unwrap()
    }

    #[test]
    fn fashns_run_becomes_the_contracts_request() {
        let body = json!({
            "model_name": "tryon-v1.6",
            "inputs": {"model_image": "m", "garment_image": "g", "num_samples": 2, "return_base64": false},
            "pollInterval": 500,
        });
        let out = fashn_run(body.to_string().as_bytes(), false).unwrap();
        assert_eq!(
            fields(out),
            json!({"model_image": "m", "garment_image": "g", "num_samples": 2})
        );
    }

    #[test]
    fn fashns_other_models_webhooks_and_base64_are_refused_by_name() {
        let run = |body: Value, webhook| fashn_run(body.to_string().as_bytes(), webhook);
        let inputs = json!({"model_image": "m", "garment_image": "g"});
        let e = run(json!({"model_name": "tryon-max", "inputs": inputs}), false).unwrap_err();
        assert_eq!(e.error.field.as_deref(), Some("model_name"));
        assert!(e.error.message.contains("tryon-max"), "{}", e.error.message);
        let e = run(json!({"model_name": "tryon-v1.6", "inputs": inputs}), true).unwrap_err();
        assert_eq!(e.error.field.as_deref(), Some("webhook_url"));
        let mut base64 = inputs.clone();
        base64["return_base64"] = json!(true);
        let e = run(json!({"model_name": "tryon-v1.6", "inputs": base64}), false).unwrap_err();
        assert_eq!(e.error.field.as_deref(), Some("return_base64"));
        let e = run(json!({"model_name": "tryon-v1.6"}), false).unwrap_err();
        assert_eq!(e.error.field.as_deref(), Some("inputs"));
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

    #[test]
    fn tryitons_categories_become_the_contracts() {
        let map = |body: Value| tryiton_fashion(body.to_string().as_bytes()).map(fields);
        let base = |category: Value, sub: Value| json!({"model_image": "m", "garment_image": "g", "category": category, "subcategory": sub, "mode": null});
        for (category, sub, want) in [
            (json!("clothing"), json!("tops"), "tops"),
            (json!("clothing"), json!("dresses"), "one-pieces"),
            (json!("auto"), Value::Null, "auto"),
            (Value::Null, json!("bottoms"), "bottoms"),
        ] {
            let out = map(base(category, sub)).unwrap();
            assert_eq!(
                out,
                json!({"model_image": "m", "garment_image": "g", "category": want})
            );
        }
        let e = map(base(json!("clothing"), Value::Null)).unwrap_err();
        assert_eq!(e.error.field.as_deref(), Some("subcategory"));
        let e = map(base(json!("eyewear"), Value::Null)).unwrap_err();
        assert_eq!(e.error.field.as_deref(), Some("category"));
        assert!(e.error.message.contains("eyewear"));
        let e = map(base(json!("clothing"), json!("hats"))).unwrap_err();
        assert!(e.error.message.contains("hats"));
    }
}
