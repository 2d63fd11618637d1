//! A fake hosted try-on API: a real HTTP server on loopback whose behaviour per job
//! is chosen by the garment URL's file name (`https://example.com/<scenario>.png`).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};

/// What the fake saw.
#[derive(Default)]
pub struct Seen {
    /// Submits received, by scenario.
    pub submits: Mutex<HashMap<String, u32>>,
    /// Status reads received, by job id.
    pub reads: Mutex<HashMap<String, u32>>,
    /// Every Authorization header received.
    pub authorizations: Mutex<Vec<String>>,
    counter: AtomicU32,
}

impl Seen {
    /// Submits seen for `scenario`.
    pub fn submits(&self, scenario: &str) -> u32 {
        *self.submits.lock().unwrap().get(scenario).unwrap_or(&0)
    }

    /// Status reads seen for job `id`.
    pub fn reads(&self, id: &str) -> u32 {
        *self.reads.lock().unwrap().get(id).unwrap_or(&0)
    }
}

/// Starts the fake; returns its base URL and what it sees.
pub async fn start() -> (String, Arc<Seen>) {
    let seen = Arc::new(Seen::default());
    let router = Router::new()
        .route("/api/v1/tryon/clothes", post(submit))
        .route("/api/v1/status/{id}", get(status))
        .with_state(seen.clone());
    (super::serve(router).await, seen)
}

async fn submit(
    State(seen): State<Arc<Seen>>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    let auth = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    seen.authorizations.lock().unwrap().push(auth);
    let garment = body["garment_image"].as_str().unwrap_or("");
    let scenario = garment
        .rsplit('/')
        .next()
        .unwrap_or("")
        .trim_end_matches(".png")
        .to_owned();
    *seen
        .submits
        .lock()
        .unwrap()
        .entry(scenario.clone())
        .or_default() += 1;
    let n = seen.counter.fetch_add(1, Ordering::SeqCst);
    match scenario.as_str() {
        "badkey" => (
            StatusCode::UNAUTHORIZED,
            Json(json!({"error": "Unauthorized", "message": "bad key"})),
        )
            .into_response(),
        "busy" => (
            StatusCode::TOO_MANY_REQUESTS,
            [("retry-after", "7")],
            Json(json!({"error": "ConcurrencyLimitExceeded", "message": "too many jobs"})),
        )
            .into_response(),
        // The same refusal with `Retry-After` as an HTTP-date, 8 s from now.
        "busyuntil" => (
            StatusCode::TOO_MANY_REQUESTS,
            [(
                "retry-after",
                httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(8)),
            )],
            Json(json!({"error": "ConcurrencyLimitExceeded", "message": "too many jobs"})),
        )
            .into_response(),
        "slowsubmit" => {
            tokio::time::sleep(Duration::from_secs(3)).await;
            Json(json!({"id": format!("{scenario}-{n}"), "error": null})).into_response()
        }
        // The reseller's variant for one scenario, the contract's for the rest.
        "ok" => Json(json!({"ok": true, "jobId": format!("{scenario}-{n}")})).into_response(),
        _ => Json(json!({"id": format!("{scenario}-{n}"), "error": null})).into_response(),
    }
}

async fn status(State(seen): State<Arc<Seen>>, Path(id): Path<String>) -> Response {
    let reads = {
        let mut r = seen.reads.lock().unwrap();
        let e = r.entry(id.clone()).or_default();
        *e += 1;
        *e
    };
    let scenario = id.rsplit_once('-').map(|(s, _)| s).unwrap_or("").to_owned();
    let completed = || {
        Json(
            json!({"id": id, "status": "completed", "output": ["https://cdn.example/tryons/1/output.webp"], "error": null}),
        )
    };
    let failed = |name: &str| {
        Json(
            json!({"id": id, "status": "failed", "error": {"name": name, "message": format!("upstream says {name}")}}),
        )
    };
    match scenario.as_str() {
        "ok" if reads == 1 => Json(json!({"jobId": id, "status": "processing"})).into_response(),
        "ok" => Json(json!({"jobId": id, "status": "completed", "output": ["https://cdn.example/tryons/1/output.webp"]})).into_response(),
        "warming" if reads == 1 => Json(json!({"id": id, "status": "warming_up", "error": null})).into_response(),
        "flaky" if reads <= 2 => (StatusCode::SERVICE_UNAVAILABLE, "down for a moment").into_response(),
        "ratelimited" if reads == 1 => (StatusCode::TOO_MANY_REQUESTS, [("retry-after", "1")], "slow down").into_response(),
        "down" => (StatusCode::INTERNAL_SERVER_ERROR, "broken").into_response(),
        "slowstatus" => {
            tokio::time::sleep(Duration::from_secs(3)).await;
            completed().into_response()
        }
        "ImageLoadError" | "ContentModerationError" | "PoseError" | "PipelineError" | "ThirdPartyError" | "GpuOnFire" => {
            failed(&scenario).into_response()
        }
        // A job the service calls done but that has no pictures, with the output
        // empty or left out.
        "nopictures" => Json(json!({"id": id, "status": "completed", "output": [], "error": null})).into_response(),
        "nooutput" => Json(json!({"id": id, "status": "completed", "error": null})).into_response(),
        _ => completed().into_response(),
    }
}
