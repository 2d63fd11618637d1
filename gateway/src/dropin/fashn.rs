//! FASHN's paths: `POST /v1/run` (its `{"model_name", "inputs"}` read into the
//! contract's request, for the models this gateway's engine runs) and
//! `GET /v1/status/{id}` (the contract's status read), refused in FASHN's flat shape
//! and names, with a finished job's cost in `x-fashn-credits-used`.

use axum::http::HeaderValue;
use axum::response::Response;
use serde_json::{Map, Value};
use tryon_protocol::ErrorName;

use super::{contract_body, flat, for_sdks, object, refused};
use crate::engine::upstream::dialect::{Dialect, FashnModel};
use crate::engine::Engine;
use crate::error::GatewayError;

/// FASHN's submit path.
pub const FASHN_RUN_PATH: &str = "/v1/run";

/// FASHN's status path (`/{id}` follows).
pub const FASHN_STATUS_PATH: &str = "/v1/status";

/// The header FASHN's `subscribe()` reads a finished job's cost from (the one the
/// upstream engine reads it in).
pub use crate::engine::upstream::client::CREDITS_USED;

/// What a finished job cost in the provider's credits, as a status answer carries it
/// to the FASHN status path (which alone sends it on, as `x-fashn-credits-used`).
#[derive(Debug, Clone, Copy)]
pub struct CreditsUsed(pub f64);

/// The FASHN models `/v1/run` runs on this gateway's engine: the sandbox stands in
/// for both; FASHN itself runs the one the merchant chose (`TRYON_UPSTREAM_MODEL`),
/// never another in its place; the other providers run the contract's try-on, which
/// is `tryon-v1.6`'s.
pub fn fashn_models(engine: &Engine) -> &'static [FashnModel] {
    match engine {
        Engine::Sandbox(_) => &[FashnModel::V16, FashnModel::Max],
        Engine::Upstream(upstream) => match upstream.dialect() {
            Dialect::Fashn(FashnModel::Max) => &[FashnModel::Max],
            Dialect::Fashn(FashnModel::V16) | Dialect::TryItOn | Dialect::Contract => {
                &[FashnModel::V16]
            }
        },
    }
}

fn names(models: &[FashnModel]) -> String {
    models
        .iter()
        .map(|m| format!("`{}`", m.as_str()))
        .collect::<Vec<_>>()
        .join(" or ")
}

/// FASHN's `{"model_name", "inputs"}` as the contract's body, for one of the
/// `offered` models. `tryon-v1.6`'s inputs are the contract's fields; `tryon-max`'s
/// are renamed (`product_image`, `num_images`, `generation_mode`) and any it has
/// that the contract cannot carry (`resolution`, …) is refused by name. Fields
/// FASHN's JS SDK adds beside `inputs` (`pollInterval`, `timeout`, `maxRetries`) are
/// its own and left out.
pub fn fashn_run(
    body: &[u8],
    webhook: bool,
    offered: &[FashnModel],
) -> Result<Vec<u8>, GatewayError> {
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
    let model = match fields.get("model_name").and_then(Value::as_str) {
        Some(name) => match name.parse::<FashnModel>() {
            Ok(model) if offered.contains(&model) => model,
            Ok(_) => {
                return Err(refused(
                    "model_name",
                    format!(
                        "This gateway runs {} for try-on, not `{name}`: send that model_name.",
                        names(offered)
                    ),
                ))
            }
            Err(_) => {
                return Err(refused(
                    "model_name",
                    format!(
                        "`{name}` is not offered by this gateway: it runs virtual try-on, {}.",
                        names(offered)
                    ),
                ))
            }
        },
        None => {
            return Err(refused(
                "model_name",
                format!("`model_name` is missing: send {}.", names(offered)),
            ))
        }
    };
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
    if model == FashnModel::Max {
        inputs = max_inputs(inputs)?;
    }
    Ok(contract_body(inputs))
}

/// `tryon-max`'s inputs under the contract's names.
fn max_inputs(inputs: Map<String, Value>) -> Result<Map<String, Value>, GatewayError> {
    let mut contract = Map::new();
    for (name, value) in inputs {
        let renamed = match name.as_str() {
            "model_image" | "output_format" | "seed" => name.clone(),
            "product_image" => "garment_image".into(),
            "num_images" => "num_samples".into(),
            "generation_mode" => match value.as_str() {
                Some("balanced" | "quality") => "mode".into(),
                _ => {
                    return Err(refused(
                        "generation_mode",
                        format!(
                        "tryon-max's `generation_mode` is `balanced` or `quality`, not {value}."
                    ),
                    ))
                }
            },
            _ => {
                return Err(refused(
                    &name,
                    format!(
                        "tryon-max's `{name}` is not carried by this gateway: leave it out \
                         (it takes model_image, product_image, num_images, generation_mode, \
                         output_format and seed)."
                    ),
                ))
            }
        };
        contract.insert(renamed, value);
    }
    if !contract.contains_key("garment_image") {
        return Err(refused(
            "product_image",
            "`product_image` is missing: tryon-max needs the garment's picture (a URL or a data URL).".into(),
        ));
    }
    Ok(contract)
}

/// FASHN's name for a refusal, as its API gives them before a job exists
/// (`BadRequest`, `UnauthorizedAccess`, `NotFound`, `RateLimitExceeded`,
/// `OutOfCredits`, `InternalServerError`); the try-on's own names (`ImageLoadError`,
/// …) are FASHN's too and stay.
fn fashn_name(name: &ErrorName) -> &str {
    match name {
        ErrorName::InvalidRequest | ErrorName::PayloadTooLarge => "BadRequest",
        ErrorName::TokenMissing
        | ErrorName::TokenExpired
        | ErrorName::TokenInvalid
        | ErrorName::TokenOriginMismatch
        | ErrorName::TokenScopeInvalid
        | ErrorName::OriginNotAllowed => "UnauthorizedAccess",
        ErrorName::NotFound => "NotFound",
        ErrorName::RateLimitExceeded | ErrorName::QuotaExceeded => "RateLimitExceeded",
        // The merchant's daily budget is the gateway's account balance.
        ErrorName::SpendingLimitReached => "OutOfCredits",
        ErrorName::UpstreamUnavailable
        | ErrorName::UpstreamRejected
        | ErrorName::InternalError
        | ErrorName::SharedStateUnavailable => "InternalServerError",
        other => other.as_str(),
    }
}

/// An answer on FASHN's paths: refusals in FASHN's flat shape and names, a finished
/// job's cost in `x-fashn-credits-used` (which `subscribe()` reports), and the
/// SDK's retry advice.
pub async fn fashn_answer(response: Response) -> Response {
    let mut response = for_sdks(flat(response, fashn_name));
    if let Some(CreditsUsed(credits)) = response.extensions().get::<CreditsUsed>().copied() {
        response
            .headers_mut()
            .insert(CREDITS_USED, credits_header(credits));
    }
    response
}

/// Credits as FASHN writes them: a whole number (its SDK reads an integer), else
/// the decimal.
fn credits_header(credits: f64) -> HeaderValue {
    let text = if credits.fract() == 0.0 {
        format!("{}", credits as u64)
    } else {
        format!("{credits}")
    };
    HeaderValue::from_str(&text).expect("a number is a header value")
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
        let out = fashn_run(body.to_string().as_bytes(), false, &[FashnModel::V16]).unwrap();
        assert_eq!(
            fields(out),
            json!({"model_image": "m", "garment_image": "g", "num_samples": 2})
        );
    }

    #[test]
    fn fashns_other_models_webhooks_and_base64_are_refused_by_name() {
        let both = [FashnModel::V16, FashnModel::Max];
        let run = |body: Value, webhook, offered: &[FashnModel]| {
            fashn_run(body.to_string().as_bytes(), webhook, offered)
        };
        let inputs = json!({"model_image": "m", "garment_image": "g"});
        let e = run(
            json!({"model_name": "product-to-model", "inputs": inputs}),
            false,
            &both,
        )
        .unwrap_err();
        assert_eq!(e.error.field.as_deref(), Some("model_name"));
        assert!(
            e.error
                .message
                .contains("`product-to-model` is not offered"),
            "{}",
            e.error.message
        );
        // A gateway in front of FASHN's tryon-max does not run tryon-v1.6 in its place.
        let e = run(
            json!({"model_name": "tryon-v1.6", "inputs": inputs}),
            false,
            &[FashnModel::Max],
        )
        .unwrap_err();
        assert!(
            e.error.message.contains("runs `tryon-max`"),
            "{}",
            e.error.message
        );
        let e = run(
            json!({"model_name": "tryon-v1.6", "inputs": inputs}),
            true,
            &both,
        )
        .unwrap_err();
        assert_eq!(e.error.field.as_deref(), Some("webhook_url"));
        let mut base64 = inputs.clone();
        base64["return_base64"] = json!(true);
        let e = run(
            json!({"model_name": "tryon-v1.6", "inputs": base64}),
            false,
            &both,
        )
        .unwrap_err();
        assert_eq!(e.error.field.as_deref(), Some("return_base64"));
        let e = run(json!({"model_name": "tryon-v1.6"}), false, &both).unwrap_err();
        assert_eq!(e.error.field.as_deref(), Some("inputs"));
    }

    #[test]
    fn tryon_maxs_inputs_take_the_contracts_names_and_what_cannot_go_is_named() {
        let run = |inputs: Value| {
            fashn_run(
                json!({"model_name": "tryon-max", "inputs": inputs})
                    .to_string()
                    .as_bytes(),
                false,
                &[FashnModel::Max],
            )
        };
        let out = run(json!({"model_image": "m", "product_image": "g", "num_images": 2,
            "generation_mode": "quality", "seed": 7, "output_format": "jpeg", "return_base64": false}))
        .unwrap();
        assert_eq!(
            fields(out),
            json!({"model_image": "m", "garment_image": "g", "num_samples": 2, "mode": "quality",
                "seed": 7, "output_format": "jpeg"})
        );
        let e =
            run(json!({"model_image": "m", "product_image": "g", "resolution": "2k"})).unwrap_err();
        assert_eq!(e.error.field.as_deref(), Some("resolution"));
        let e = run(
            json!({"model_image": "m", "product_image": "g", "generation_mode": "performance"}),
        )
        .unwrap_err();
        assert_eq!(e.error.field.as_deref(), Some("generation_mode"));
        // tryon-v1.6's name for the garment is not tryon-max's.
        let e = run(json!({"model_image": "m", "garment_image": "g"})).unwrap_err();
        assert_eq!(e.error.field.as_deref(), Some("garment_image"));
        let e = run(json!({"model_image": "m"})).unwrap_err();
        assert_eq!(e.error.field.as_deref(), Some("product_image"));
    }
}
