//! TryItOn's paths: `POST /api/v1/tryon/fashion` (its `clothing` + `subcategory`
//! read into the contract's category), the same vocabulary on the contract's own
//! submit path (its earlier SDKs' `/tryon/clothes`), and `GET /api/v1/credits` (the
//! daily budget's images left); refusals in its flat shape.

use axum::response::Response;
use serde_json::{json, Value};
use tryon_protocol::ErrorName;

use super::{contract_body, flat, for_sdks, object, refused};
use crate::error::GatewayError;

/// TryItOn's fashion try-on path (its SDK's base URL ends in `/api/v1`).
pub const TRYITON_FASHION_PATH: &str = "/api/v1/tryon/fashion";

/// TryItOn's credit balance.
pub const TRYITON_CREDITS_PATH: &str = "/api/v1/credits";

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

/// Whether a body on the contract's submit path (`/api/v1/tryon/clothes`, which
/// TryItOn's earlier SDKs post to) uses TryItOn's vocabulary, `clothing` with a
/// `subcategory`. A byte search: the photos' base64 holds no quotes, so the names
/// in quotes are keys or values.
pub fn speaks_tryiton(body: &[u8]) -> bool {
    let has = |needle: &[u8]| body.windows(needle.len()).any(|w| w == needle);
    has(b"\"subcategory\"") || has(b"\"clothing\"")
}

/// TryItOn's answer to a submit that started job `id`: `{"ok": true, "jobId"}`, with
/// the contract's `id` beside it (the contract's clients take `jobId` as another name
/// for `id`, so this answer is for TryItOn's vocabulary only).
pub fn job_answer(id: String) -> Value {
    json!({ "ok": true, "jobId": id, "id": id })
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

/// An answer on TryItOn's paths: refusals in its flat shape under the contract's
/// names (its SDK raises `TryItOnError` with both), and the retry advice.
pub async fn tryiton_answer(response: Response) -> Response {
    for_sdks(flat(response, ErrorName::as_str))
}

/// TryItOn's `{"credits": {…}}` from the merchant's daily budget: `on_demand` is
/// the images left today (`null` with no budget set); the others are TryItOn's
/// account kinds, which the gateway does not have (0). `gateway` says what the
/// figure is.
pub fn tryiton_credits(per_day: Option<u64>, spent: u64) -> Value {
    json!({
        "ok": true,
        "credits": {
            "on_demand": per_day.map(|cap| cap.saturating_sub(spent)),
            "subscription": 0,
            "purchased": 0,
            "reserved": 0,
        },
        "gateway": {
            "images_per_day": per_day,
            "images_spent_today": spent,
            "note": "on_demand is the images left in the gateway's daily budget (TRYON_DAILY_IMAGE_BUDGET), until 00:00 UTC",
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fields(body: Vec<u8>) -> Value {
        serde_json::from_slice(&body).unwrap()
    }

    #[test]
    fn tryitons_credits_are_the_budgets_images_left() {
        let c = tryiton_credits(Some(100), 30);
        assert_eq!(c["credits"]["on_demand"], 70);
        assert_eq!(tryiton_credits(Some(10), 30)["credits"]["on_demand"], 0);
        assert_eq!(
            tryiton_credits(None, 30)["credits"]["on_demand"],
            Value::Null
        );
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

    #[test]
    fn tryitons_vocabulary_on_the_contracts_path_is_told_apart() {
        let body = |v: Value| v.to_string().into_bytes();
        assert!(speaks_tryiton(&body(
            json!({"category": "clothing", "subcategory": "tops"})
        )));
        assert!(speaks_tryiton(&body(
            json!({"category": "auto", "subcategory": "tops"})
        )));
        assert!(!speaks_tryiton(&body(
            json!({"category": "tops", "model_image": "data:image/jpeg;base64,Y2xvdGhpbmc="})
        )));
        assert_eq!(
            job_answer("j".into()),
            json!({"ok": true, "jobId": "j", "id": "j"})
        );
    }
}
