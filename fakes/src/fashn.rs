//! The FASHN fake (`https://api.fashn.ai` as its public docs and SDKs showed it in 2026).
//!
//! Follows these published facts (issue #9):
//! - `POST /v1/run` with `Authorization: Bearer <key>` and
//!   `{"model_name": "tryon-v1.6" | "tryon-max", "inputs": {…}}`, answered
//!   `{"id": "…", "error": null}`; `?webhook_url=<url>` as a query parameter.
//! - `tryon-v1.6` inputs: the contract's fields (`model_image`, `garment_image`,
//!   `category`, `segmentation_free`, `moderation_level`, `garment_photo_type`, `mode`,
//!   `seed`, `num_samples`, `output_format`) plus `return_base64`, with the contract's
//!   values. `tryon-max` inputs: `product_image` (the garment), `model_image`,
//!   `num_images`, `generation_mode` (`balanced`|`quality`), `resolution`
//!   (`1k`|`2k`|`4k`), `output_format`, `seed`, `prompt`, `aspect_ratio`; its jobs take
//!   20–120 s (here `max_job_seconds`, default 60).
//! - `GET /v1/status/{id}` → `{"id", "status", "output", "error"}`, status `starting`,
//!   `in_queue`, `processing`, then `completed` or `failed`; outputs are URLs (here the
//!   fake's own `/cdn/…`), or data URLs with `return_base64`.
//! - Runtime errors: the contract's five and `InputValidationError`, `LoRALoadError`,
//!   `3rdPartyProviderError`, `InternalServerError` (any name, by marker: see `markers`).
//! - Before a job id: `{"error": "Name", "message": "…"}` with 400 `BadRequest`, 401
//!   `UnauthorizedAccess`, 404 `NotFound`, 429 `RateLimitExceeded` /
//!   `ConcurrencyLimitExceeded` / `OutOfCredits`, 500 `InternalServerError`.
//! - Limits per key: `/v1/run` 50 requests per 60 s, `/v1/status` 50 per 10 s.
//! - Webhooks: on a terminal state, a POST of the status envelope to `webhook_url`;
//!   non-2xx deliveries retried up to 5 times over about 5 minutes; not signed.
//! - Statuses also `canceled` and `time_out` (the SDK's list, issue #20), with
//!   `error: null`; no cancel endpoint, so here only by marker (`end-…`).
//! - The run answer's `error` is `null` or a sentence (the SDK types it a string),
//!   `{"id": null, "error": "…"}`; here by marker (`runerror-…`).
//! - The terminal status answer carries `x-fashn-credits-used` (the SDK's
//!   `predictions.subscribe()` reads the job's cost there; issue #19, #20); FASHN
//!   charges per output image and "no charge for failures".
//!
//! Our assumptions where the facts are silent:
//! - No `Retry-After` on 429 unless [`crate::FakeConfig::retry_after`] is set; then in
//!   seconds with decimals (the SDK reads decimals).
//! - The limits are sliding windows over answered requests (see `limits`); 401s do not
//!   count (there is no key to count them against).
//! - The retry schedule is 10, 30, 60, 90, 110 s after the first failed delivery
//!   (configurable), one attempt at a time; a failed delivery is also a connection error
//!   or no answer within `webhook_timeout`.
//! - How long each running status lasts (10 % starting, 20 % in_queue, 70 % processing).
//! - `output` and `error` are `null` while running; `output` is `null` when failed.
//! - One credit per output image for every model (`tryon-max` costs "several" an
//!   image; how many is not published); 0 for a failed job.
//! - `tryon-max`: `num_images` 1–4, `seed` 0–2³²−1, `prompt` and `aspect_ratio` free
//!   text, and `return_base64` honoured as for v1.6.
//! - Unknown input fields are ignored (and recorded); wrong values of known ones are 400.
//! - A `webhook_url` that is not an http(s) URL is a 400 `BadRequest`; bodies up to 64 MB
//!   are read (the published limit, if any, is unknown).
//! - A job is visible only to the key that created it (404 for any other).
//! - The optional concurrency limit counts a key's jobs not yet terminal.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde_json::{json, Value};

use crate::fake::{Fake, JobRequest, JobView};
use crate::fields::{boolean, image_field, integer, one_of, text};
use crate::images::ImageKind;
use crate::jobs::Phase;

/// The submit path.
pub(crate) const RUN: &str = "/v1/run";

pub(crate) fn routes() -> Router<Arc<Fake>> {
    Router::new()
        .route(RUN, post(run))
        .route("/v1/status/{id}", get(status))
}

async fn run(
    State(fake): State<Arc<Fake>>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let webhook_url = query.get("webhook_url").cloned();
    if let Some(sentence) = run_error(&body) {
        return axum::Json(json!({"id": null, "error": sentence})).into_response();
    }
    let (job_seconds, max_job_seconds) = (fake.config.job_seconds, fake.config.max_job_seconds);
    fake.submit(
        RUN,
        &headers,
        webhook_url,
        &body,
        |body| {
            let inputs = body
                .get("inputs")
                .filter(|i| i.is_object())
                .ok_or("inputs must be a JSON object.")?;
            match body.get("model_name").and_then(Value::as_str) {
                Some("tryon-v1.6") => read_v16(inputs, job_seconds),
                Some("tryon-max") => read_max(inputs, max_job_seconds),
                Some(other) => Err(format!("Unknown model_name {other:?}.")),
                None => Err("model_name is required.".into()),
            }
        },
        |id| json!({"id": id, "error": null}),
    )
    .await
}

/// The sentence a `runerror-` marker on the garment asks the run to answer with.
fn run_error(body: &[u8]) -> Option<String> {
    let body: Value = serde_json::from_slice(body).ok()?;
    let garment = crate::fake::read_garment(&body, crate::Dialect::Fashn)?;
    crate::markers::Markers::of(&garment).run_error
}

pub(crate) fn read_v16(inputs: &Value, seconds: f64) -> Result<JobRequest, String> {
    image_field(inputs, "model_image")?;
    let garment = image_field(inputs, "garment_image")?;
    one_of(
        inputs,
        "category",
        &["auto", "tops", "bottoms", "one-pieces"],
        "auto",
    )?;
    boolean(inputs, "segmentation_free", true)?;
    one_of(
        inputs,
        "moderation_level",
        &["conservative", "permissive", "none"],
        "permissive",
    )?;
    one_of(
        inputs,
        "garment_photo_type",
        &["auto", "flat-lay", "model"],
        "auto",
    )?;
    one_of(
        inputs,
        "mode",
        &["performance", "balanced", "quality"],
        "balanced",
    )?;
    integer(inputs, "seed", 0..=u64::from(u32::MAX), 42)?;
    let pictures = integer(inputs, "num_samples", 1..=4, 1)?;
    let format = one_of(inputs, "output_format", &["png", "jpeg"], "png")?;
    let base64 = boolean(inputs, "return_base64", false)?;
    Ok(JobRequest {
        garment,
        seconds,
        pictures: pictures as usize,
        kind: ImageKind::from_format(format).unwrap_or(ImageKind::Png),
        base64,
    })
}

fn read_max(inputs: &Value, seconds: f64) -> Result<JobRequest, String> {
    let garment = image_field(inputs, "product_image")?;
    image_field(inputs, "model_image")?;
    let pictures = integer(inputs, "num_images", 1..=4, 1)?;
    one_of(
        inputs,
        "generation_mode",
        &["balanced", "quality"],
        "balanced",
    )?;
    one_of(inputs, "resolution", &["1k", "2k", "4k"], "1k")?;
    let format = one_of(inputs, "output_format", &["png", "jpeg"], "png")?;
    integer(inputs, "seed", 0..=u64::from(u32::MAX), 42)?;
    text(inputs, "prompt")?;
    text(inputs, "aspect_ratio")?;
    let base64 = boolean(inputs, "return_base64", false)?;
    Ok(JobRequest {
        garment,
        seconds,
        pictures: pictures as usize,
        kind: ImageKind::from_format(format).unwrap_or(ImageKind::Png),
        base64,
    })
}

async fn status(
    State(fake): State<Arc<Fake>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    // What the finished job cost, on its terminal status answer (failures are free),
    // from the same view as the body it goes with.
    let cost = std::sync::Mutex::new(None);
    let mut answer = fake
        .status(&headers, &id, |job| {
            *cost.lock().unwrap() = match job.phase {
                Phase::Completed => Some(job.outputs.len()),
                Phase::Failed | Phase::Canceled | Phase::TimedOut => Some(0),
                _ => None,
            };
            envelope(job)
        })
        .await;
    let cost = cost.into_inner().unwrap();
    if let (Some(credits), true) = (cost, answer.status().is_success()) {
        answer
            .headers_mut()
            .insert("x-fashn-credits-used", credits.into());
    }
    answer
}

/// The status answer, which is also the webhook's body.
pub(crate) fn envelope(job: &JobView) -> Value {
    let truth = match job.phase {
        Phase::Starting => "starting",
        Phase::InQueue => "in_queue",
        Phase::Processing => "processing",
        Phase::Completed => "completed",
        Phase::Failed => "failed",
        Phase::Canceled => "canceled",
        Phase::TimedOut => "time_out",
    };
    let status = job.shown_status.as_deref().unwrap_or(truth);
    let output = match job.phase {
        Phase::Completed => json!(job.outputs),
        _ => Value::Null,
    };
    let error = match &job.error {
        Some((name, message)) => json!({"name": name, "message": message}),
        None => Value::Null,
    };
    let mut envelope = json!({"id": job.id, "status": status, "output": output, "error": error});
    if job.output_left_out && job.phase == Phase::Completed {
        envelope.as_object_mut().unwrap().remove("output");
    }
    envelope
}
