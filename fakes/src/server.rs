//! The fake's routes: the dialect's API (under the path prefix), the CDN of result
//! pictures and the test routes (`/__fake`).

use std::sync::Arc;

use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::json;

use crate::config::Dialect;
use crate::fake::{Deliveries, Fake};
use crate::images::ImageKind;
use crate::stats::Stats;
use crate::{contract, fashn, tryiton, webhook};

/// Where the dialect's webhooks go out (FASHN's only).
pub(crate) fn deliveries(dialect: Dialect) -> Option<Deliveries> {
    match dialect {
        Dialect::Fashn => Some(webhook::schedule),
        Dialect::TryItOn | Dialect::Contract => None,
    }
}

/// The fake's routes: the dialect's API (under the prefix), the CDN and `/__fake`.
pub(crate) fn router(fake: Arc<Fake>) -> Router {
    let api = match fake.config.dialect {
        Dialect::Fashn => fashn::routes(),
        Dialect::TryItOn => tryiton::routes(),
        Dialect::Contract => contract::routes(),
    };
    let api = match fake.config.path_prefix.as_str() {
        "" => api,
        prefix => Router::new().nest(prefix, api),
    };
    api.route("/cdn/{id}/{file}", get(picture))
        .route("/__fake/stats", get(stats))
        .route("/__fake/jobs/{id}/webhook", post(replay))
        .fallback(not_found)
        // Shoppers' photos as data URLs are large; the providers' own limit is unpublished.
        .layer(DefaultBodyLimit::max(64 * 1024 * 1024))
        .with_state(fake)
}

/// The CDN: a completed job's pictures, 404 before that (the facts' 72 h are not modelled:
/// a fake lives for minutes).
async fn picture(
    State(fake): State<Arc<Fake>>,
    Path((id, file)): Path<(String, String)>,
) -> Response {
    let found = fake.view(&id).and_then(|view| {
        let url = format!("{}/cdn/{id}/{file}", fake.origin);
        view.outputs.contains(&url).then_some(())?;
        let extension = file.rsplit_once('.')?.1;
        ImageKind::from_extension(extension)
    });
    match found {
        Some(kind) => ([(header::CONTENT_TYPE, kind.mime())], kind.bytes()).into_response(),
        None => (StatusCode::NOT_FOUND, "no such picture").into_response(),
    }
}

async fn stats(State(fake): State<Arc<Fake>>) -> Json<Stats> {
    Json(fake.stats.lock().unwrap().clone())
}

async fn replay(State(fake): State<Arc<Fake>>, Path(id): Path<String>) -> Response {
    match webhook::replay(&fake, &id).await {
        Ok(status) => Json(json!({"delivered": status})).into_response(),
        Err(message) => (StatusCode::CONFLICT, Json(json!({"error": message}))).into_response(),
    }
}

async fn not_found(State(fake): State<Arc<Fake>>) -> Response {
    fake.refuse(
        None,
        StatusCode::NOT_FOUND,
        "NotFound",
        "No such endpoint.",
        None,
    )
}
