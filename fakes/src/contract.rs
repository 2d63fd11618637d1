//! A hosted service that kept the contract the widget speaks (`docs/api.md`, the
//! gateway's `upstream = contract`): what the gateway's own tests put behind it.
//!
//! Follows the contract's published facts:
//! - Submit `POST /api/v1/tryon/clothes` with the contract's fields (`model_image`,
//!   `garment_image`, `category` `auto|tops|bottoms|one-pieces`, `mode`,
//!   `num_samples` 1–4, `output_format`, `seed`, `segmentation_free`,
//!   `moderation_level`, `garment_photo_type`), answered `{"id": "…", "error": null}`.
//! - Status `GET /api/v1/status/{id}` → `{"id", "status": "starting" | "in_queue" |
//!   "processing" | "completed" | "failed", "output": […], "error": null | {"name",
//!   "message"}}`; runtime errors with HTTP 200 and `status: "failed"`.
//! - Errors before a job id: `{"error": "Name", "message": "…"}`.
//!
//! Assumed where the contract is silent: no rate limits unless configured; bearer auth
//! as the providers' (401 `Unauthorized`); no webhooks; the same body reading and
//! status rendering as FASHN's `tryon-v1.6`, whose inputs the contract mirrors.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use serde_json::json;

use crate::fake::Fake;
use crate::fashn::{envelope, read_v16};

/// The submit path.
const SUBMIT: &str = "/api/v1/tryon/clothes";

pub(crate) fn routes() -> Router<Arc<Fake>> {
    Router::new()
        .route(SUBMIT, post(submit))
        .route("/api/v1/status/{id}", get(status))
}

async fn submit(State(fake): State<Arc<Fake>>, headers: HeaderMap, body: Bytes) -> Response {
    let seconds = fake.config.job_seconds;
    fake.submit(
        SUBMIT,
        &headers,
        None,
        &body,
        |body| read_v16(body, seconds),
        |id| json!({"id": id, "error": null}),
    )
    .await
}

async fn status(
    State(fake): State<Arc<Fake>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    fake.status(&headers, &id, envelope).await
}
