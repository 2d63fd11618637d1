//! The TryItOn fake (`https://tryiton.now`, as its SDKs showed it in 2026).
//!
//! Follows these published facts (issue #9):
//! - Submit `POST /api/v1/tryon/clothes`, and `POST /api/v1/tryon/fashion` where its
//!   newest SDK moved clothing (both served), answered `{"ok": true, "jobId": "…"}`.
//! - Body: `model_image`, `garment_image`, `category`
//!   (`auto|clothing|eyewear|footwear|headwear|jewelry|accessories|others`),
//!   `subcategory` (required for clothing, jewelry and accessories, issue #20;
//!   `tops|bottoms|dresses` for clothing), `mode`, `num_samples`,
//!   `output_format`, `moderation_level`. Its current SDK dropped `seed`,
//!   `segmentation_free` and `garment_photo_type`: they are accepted, ignored and
//!   recorded, so a test can assert the gateway does not send them.
//! - Status `GET /api/v1/status/{id}` → `{"ok": true, "status": "processing" |
//!   "completed" | "failed", "output": […], "error": null | {"name", "message"}}`
//!   (e.g. `ProcessingError`); `.webp` outputs (here the fake's own `/cdn/…`).
//! - Errors before a job id: `{"error": "Name", "message": "…"}`, e.g. 429 `OutOfCredits`.
//!
//! Our assumptions where the facts are silent:
//! - No rate limits are published: none unless configured (then as FASHN's: sliding
//!   windows per key, 429 `RateLimitExceeded`, `Retry-After` only if asked for).
//! - Bearer auth as FASHN's; its refusals are 401 `Unauthorized`, 400 `BadRequest` and
//!   404 `NotFound`.
//! - `subcategory` given with another category, or for clothing with a value outside
//!   the three, is a 400 (strict, so a sloppy mapping shows); for jewelry and
//!   accessories any non-empty value (their vocabularies are not published).
//! - The values of `mode` (`performance|balanced|quality`), `num_samples` (1–4),
//!   `output_format` (`png|jpeg`) and `moderation_level`
//!   (`conservative|permissive|none`) are the contract's; outputs are `.webp` whatever
//!   `output_format` says, as the facts describe them.
//! - `output` is `[]` while processing and when failed.
//! - No webhooks.
//! - A job is visible only to the key that created it (404 for any other).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use serde_json::{json, Value};

use crate::fake::{Fake, JobRequest, JobView};
use crate::fields::{image_field, integer, one_of};
use crate::images::ImageKind;
use crate::jobs::Phase;

/// The submit paths: the one the contract was written from, and the newest SDK's.
pub(crate) const SUBMIT_PATHS: [&str; 2] = ["/api/v1/tryon/clothes", "/api/v1/tryon/fashion"];

const CATEGORIES: [&str; 8] = [
    "auto",
    "clothing",
    "eyewear",
    "footwear",
    "headwear",
    "jewelry",
    "accessories",
    "others",
];

pub(crate) fn routes() -> Router<Arc<Fake>> {
    Router::new()
        .route(SUBMIT_PATHS[0], post(clothes))
        .route(SUBMIT_PATHS[1], post(fashion))
        .route("/api/v1/status/{id}", get(status))
}

async fn clothes(State(fake): State<Arc<Fake>>, headers: HeaderMap, body: Bytes) -> Response {
    submit(&fake, SUBMIT_PATHS[0], &headers, &body).await
}

async fn fashion(State(fake): State<Arc<Fake>>, headers: HeaderMap, body: Bytes) -> Response {
    submit(&fake, SUBMIT_PATHS[1], &headers, &body).await
}

async fn submit(fake: &Arc<Fake>, path: &str, headers: &HeaderMap, body: &[u8]) -> Response {
    let seconds = fake.config.job_seconds;
    fake.submit(
        path,
        headers,
        None,
        body,
        |body| read(body, seconds),
        |id| json!({"ok": true, "jobId": id}),
    )
    .await
}

fn read(body: &Value, seconds: f64) -> Result<JobRequest, String> {
    image_field(body, "model_image")?;
    let garment = image_field(body, "garment_image")?;
    let category = one_of(body, "category", &CATEGORIES, "auto")?;
    // Its SDK: clothing, jewelry and accessories require a subcategory.
    let subcategory = body.get("subcategory").filter(|v| !v.is_null());
    match (category, subcategory) {
        ("clothing" | "jewelry" | "accessories", None) => {
            return Err(format!("subcategory is required for category {category}."));
        }
        ("clothing", Some(_)) => {
            one_of(body, "subcategory", &["tops", "bottoms", "dresses"], "")?;
        }
        ("jewelry" | "accessories", Some(sub)) => {
            if sub.as_str().is_none_or(str::is_empty) {
                return Err("subcategory must be a non-empty string.".into());
            }
        }
        (_, Some(_)) => {
            return Err(format!(
                "subcategory is for clothing, jewelry and accessories, not {category}."
            ));
        }
        (_, None) => {}
    }
    one_of(
        body,
        "mode",
        &["performance", "balanced", "quality"],
        "balanced",
    )?;
    let pictures = integer(body, "num_samples", 1..=4, 1)?;
    one_of(body, "output_format", &["png", "jpeg"], "png")?;
    one_of(
        body,
        "moderation_level",
        &["conservative", "permissive", "none"],
        "permissive",
    )?;
    Ok(JobRequest {
        garment,
        seconds,
        pictures: pictures as usize,
        kind: ImageKind::Webp,
        base64: false,
    })
}

async fn status(
    State(fake): State<Arc<Fake>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    fake.status(&headers, &id, |job: &JobView| {
        let truth = match job.phase {
            Phase::Starting | Phase::InQueue | Phase::Processing => "processing",
            Phase::Completed => "completed",
            Phase::Failed | Phase::Canceled | Phase::TimedOut => "failed",
        };
        let status = job.shown_status.as_deref().unwrap_or(truth);
        let error = match &job.error {
            Some((name, message)) => json!({"name": name, "message": message}),
            None => Value::Null,
        };
        let mut answer =
            json!({"ok": true, "status": status, "output": job.outputs, "error": error});
        if job.output_left_out && job.phase == Phase::Completed {
            answer.as_object_mut().unwrap().remove("output");
        }
        answer
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subcategory_is_required_where_its_sdk_requires_it() {
        let body = |category: &str, sub: Option<&str>| {
            let mut b = json!({
                "model_image": "https://shop.test/person.jpg",
                "garment_image": "https://shop.test/tee.png",
                "category": category,
            });
            if let Some(sub) = sub {
                b["subcategory"] = json!(sub);
            }
            b
        };
        for category in ["clothing", "jewelry", "accessories"] {
            let refused = read(&body(category, None), 1.0).err().unwrap();
            assert!(refused.contains("required"), "{category}: {refused}");
        }
        assert!(read(&body("clothing", Some("tops")), 1.0).is_ok());
        assert!(read(&body("clothing", Some("rings")), 1.0).is_err());
        assert!(read(&body("jewelry", Some("rings")), 1.0).is_ok());
        assert!(read(&body("auto", None), 1.0).is_ok());
        assert!(read(&body("eyewear", Some("tops")), 1.0).is_err());
    }
}
