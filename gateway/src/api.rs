//! The HTTP surface: session tokens, the try-on API, sandbox results, health and
//! metrics. `app(state)` is separate from `main` so tests can serve it on any socket.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, FromRequest, MatchedPath, Request, State};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::trace::TraceLayer;
use tryon_protocol::{
    ErrorName, JobStatus, OutputFormat, PrecheckRequest, PrecheckResponse, SessionResponse,
    StatusResponse, SubmitResponse, TryOnRequest, IDEMPOTENCY_KEY, LONG_POLL_MAX_SECONDS,
    PRECHECK_PATH, RATE_LIMIT, RATE_LIMIT_POLICY, SESSIONS_PATH, STATUS_PATH, SUBMIT_PATH,
};

use crate::auth::{bearer, origin, Caller};
use crate::client_address::client_address;
use crate::dropin;
use crate::engine::sandbox::RESULTS_PATH;
use crate::engine::upstream::fair::Place;
use crate::engine::upstream::webhook::{Delivery, CALLBACK_PATH};
use crate::engine::{Engine, Wait};
use crate::error::{answer_panics, GatewayError};
use crate::extract::{ApiPath, ApiQuery, JobBody};
use crate::operator::Operator;
use crate::rate_limit::Refusal;
use crate::spending::replay::{self, Begun};
use crate::spending::Payer;
use crate::state::AppState;
use crate::unread_body::read_and_drop;

/// The whole gateway as a router.
pub fn app(state: AppState) -> Router {
    let allowed = state.clone();
    let cors = CorsLayer::new()
        .allow_origin(AllowOrigin::predicate(move |origin: &HeaderValue, _| {
            origin.to_str().is_ok_and(|o| allowed.origin_allowed(o))
        }))
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            HeaderName::from_static(IDEMPOTENCY_KEY),
        ])
        .expose_headers([
            header::RETRY_AFTER,
            HeaderName::from_static("server-timing"),
            HeaderName::from_static(RATE_LIMIT),
            HeaderName::from_static(RATE_LIMIT_POLICY),
        ])
        .max_age(Duration::from_secs(600));
    Router::new()
        .route(SESSIONS_PATH, post(mint_session))
        .route(SUBMIT_PATH, post(submit))
        .route(PRECHECK_PATH, post(precheck))
        .route(&format!("{STATUS_PATH}/{{id}}"), get(status))
        // The providers' own paths, for their SDKs (`dropin`).
        .route(
            dropin::fashn::FASHN_RUN_PATH,
            post(fashn_run).layer(middleware::map_response(dropin::fashn::fashn_answer)),
        )
        .route(
            &format!("{}/{{id}}", dropin::fashn::FASHN_STATUS_PATH),
            get(status).layer(middleware::map_response(dropin::fashn::fashn_answer)),
        )
        .route(
            dropin::tryiton::TRYITON_FASHION_PATH,
            post(tryiton_fashion).layer(middleware::map_response(dropin::tryiton::tryiton_answer)),
        )
        .route(
            dropin::tryiton::TRYITON_CREDITS_PATH,
            get(tryiton_credits).layer(middleware::map_response(dropin::tryiton::tryiton_answer)),
        )
        .route(&format!("{RESULTS_PATH}/{{name}}"), get(result_image))
        .route(
            &format!("{CALLBACK_PATH}/{{ticket}}"),
            post(upstream_callback),
        )
        .route("/healthz", get(health))
        .route("/metrics", get(metrics))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(answer_panics())
        .layer(middleware::from_fn_with_state(
            state.clone(),
            record_request,
        ))
        .layer(cors)
        .layer(TraceLayer::new_for_http().make_span_with(request_span))
        .with_state(state)
}

/// The span of one request. It names the route (`/api/v1/status/{id}`), never the
/// path it was called with: paths hold job ids and result names, which are
/// credentials to a shopper's photos and do not belong in logs.
fn request_span(request: &Request) -> tracing::Span {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", MatchedPath::as_str);
    tracing::debug_span!(
        "request",
        method = %request.method(),
        route,
        version = ?request.version(),
    )
}

async fn record_request(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".into());
    let started = Instant::now();
    let response = next.run(request).await;
    state
        .metrics
        .request(&route, response.status().as_u16(), started.elapsed());
    response
}

/// `POST /v1/sessions`: a short-lived token for the page at `Origin`. With a current
/// (or recently expired) token as bearer, renews it for the same session.
async fn mint_session(
    State(state): State<AppState>,
    request: Request,
) -> Result<Json<SessionResponse>, GatewayError> {
    let (parts, body) = request.into_parts();
    let answer = mint(&state, &parts).await;
    // A mint has no body; one sent anyway is read, so the answer reaches its client.
    read_and_drop(body, body_limit(&state)).await;
    answer
}

/// The mint itself, from the request's head.
async fn mint(
    state: &AppState,
    parts: &axum::http::request::Parts,
) -> Result<Json<SessionResponse>, GatewayError> {
    let peer = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0);
    let Some(page) = origin(parts).map(str::to_owned) else {
        state.metrics.session_refused("origin");
        return Err(GatewayError::new(
            StatusCode::FORBIDDEN,
            ErrorName::OriginNotAllowed,
            "Session tokens are minted for web pages: the request has no Origin header.",
        ));
    };
    if !state.origin_allowed(&page) {
        state.metrics.session_refused("origin");
        return Err(GatewayError::new(
            StatusCode::FORBIDDEN,
            ErrorName::OriginNotAllowed,
            format!("The page origin {page} is not allowed: add it to TRYON_ALLOWED_ORIGINS on the gateway."),
        ));
    }
    let client = client_address(&parts.headers, peer, state.config.trusted_proxy_count());
    match state.mint_limiter.check(client).await {
        Ok(()) => {}
        Err(Refusal::Wait(seconds)) => {
            state.metrics.session_refused("rate_limit");
            return Err(GatewayError::new(
                StatusCode::TOO_MANY_REQUESTS,
                ErrorName::RateLimitExceeded,
                format!(
                    "Too many session tokens requested from this address: retry in {seconds} s."
                ),
            )
            .with_retry_after(seconds));
        }
        // Fail closed: without the shared count, N replicas would each allow the limit.
        Err(Refusal::Unavailable(why)) => {
            state.metrics.session_refused("store_down");
            return Err(crate::cluster::Down(why).into());
        }
    }
    let session = match bearer(parts)? {
        Some(old) => match state.tokens.verify_for_renewal(old, &page) {
            Ok(claims) => Some(claims.sub),
            Err(e) => {
                state.metrics.session_refused("token");
                return Err(e);
            }
        },
        None => None,
    };
    state.metrics.session_minted(session.is_some());
    let (token, claims) = state.tokens.mint(&page, session);
    Ok(Json(SessionResponse {
        token,
        expires_at: claims.exp,
        expires_in: claims.exp - claims.iat,
    }))
}

/// `POST /api/v1/tryon/clothes`: validates and starts a job, within the merchant's
/// limits, once however often it is sent (`spending`).
async fn submit(
    State(state): State<AppState>,
    caller: Result<Caller, GatewayError>,
    request: Request,
) -> Result<Response, GatewayError> {
    let (caller, request) = admitted(&state, caller, request).await?;
    let (address, key) = submit_context(&state, &request);
    let JobBody(body) = JobBody::from_request(request, &state).await?;
    // TryItOn's earlier SDKs post here with its `clothing` + `subcategory`.
    let tryiton = dropin::tryiton::speaks_tryiton(&body);
    let body = match tryiton {
        true => {
            let contract = dropin::tryiton::tryiton_fashion(&body)?;
            // The raw body goes now, not after the engine's call.
            drop(body);
            Bytes::from(contract)
        }
        false => body,
    };
    let submitted = submit_tryon(&state, &caller, address, key, body).await?;
    // Answered in the vocabulary asked: TryItOn's (`jobId`, and a refused photo as a
    // 422 its SDK raises) or the contract's (the contract's clients read `id` or
    // `jobId`, never both).
    let response = match tryiton {
        true => dropin::answered(submitted.id, submitted.error, dropin::tryiton::job_answer)?,
        false => Json(SubmitResponse {
            id: submitted.id,
            error: submitted.error,
        })
        .into_response(),
    };
    Ok(with_fields(response, submitted.fields))
}

/// The caller's client address and `Idempotency-Key`, as a submit reads them.
fn submit_context(state: &AppState, request: &Request) -> (std::net::IpAddr, Option<String>) {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0);
    let address = client_address(request.headers(), peer, state.config.trusted_proxy_count());
    let key = request
        .headers()
        .get(IDEMPOTENCY_KEY)
        .map(|v| v.to_str().unwrap_or("").to_owned());
    (address, key)
}

/// What a submit answered, on whichever surface it came.
struct Submitted {
    /// The job's handle, when one started.
    id: Option<String>,
    /// Why no job started (the photo check's refusal).
    error: Option<tryon_protocol::ApiError>,
    /// The `RateLimit` fields of the session's quota.
    fields: Vec<(HeaderName, HeaderValue)>,
}

/// Starts the job a contract-shaped JSON `body` asks for, once however often it is
/// sent, within the merchant's limits.
async fn submit_tryon(
    state: &AppState,
    caller: &Caller,
    address: std::net::IpAddr,
    key: Option<String>,
    body: impl AsRef<[u8]>,
) -> Result<Submitted, GatewayError> {
    let tryon = TryOnRequest::from_json(body.as_ref())?;
    let fingerprint = replay::fingerprint(body.as_ref());
    // The request holds what is needed now; the body is freed before the engine's
    // call, which upstream lasts as long as the hosted API takes to answer.
    drop(body);
    let running = |handle: String| {
        let (state, caller) = (state.clone(), caller.clone());
        async move { job_is_running(&state, &caller, &handle).await }
    };
    let nothing = |id: Option<String>, error| Submitted {
        id,
        error,
        fields: Vec::new(),
    };
    let held = match state
        .remembered
        .begin(&caller.session, key.as_deref(), &fingerprint, running)
        .await?
    {
        Begun::Known(id) => {
            tracing::info!(session = %short(&caller.session), "a repeated submit answered with its job");
            return Ok(nothing(Some(id), None));
        }
        Begun::Fresh(held) => held,
    };
    let payer = Payer {
        session: caller.shopper_session(),
        address,
    };
    let answer = start_job(state, caller, &payer, tryon).await;
    match &answer {
        Ok(Started::Job { id, .. }) => state.remembered.made(held, id).await,
        _ => state.remembered.none(held).await,
    }
    Ok(match answer? {
        Started::Job { id, fields } => Submitted {
            id: Some(id),
            error: None,
            fields,
        },
        Started::Refused(error) => nothing(None, Some(error)),
    })
}

/// `POST /v1/run`: FASHN's own submit, for merchants' code on FASHN's SDKs
/// (`dropin`): answered `{"id", "error": null}` as FASHN does.
async fn fashn_run(
    State(state): State<AppState>,
    caller: Result<Caller, GatewayError>,
    request: Request,
) -> Result<Response, GatewayError> {
    let webhook = request
        .uri()
        .query()
        .is_some_and(|q| q.contains("webhook_url="));
    let offered = dropin::fashn::fashn_models(&state.engine);
    provider_submit(
        state,
        caller,
        request,
        |body| dropin::fashn::fashn_run(body, webhook, offered),
        |id| json!({ "id": id, "error": null }),
    )
    .await
}

/// `POST /api/v1/tryon/fashion` (and `/clothes`): TryItOn's own submit (`dropin`),
/// answered `{"ok": true, "jobId"}` as TryItOn does.
async fn tryiton_fashion(
    State(state): State<AppState>,
    caller: Result<Caller, GatewayError>,
    request: Request,
) -> Result<Response, GatewayError> {
    provider_submit(
        state,
        caller,
        request,
        dropin::tryiton::tryiton_fashion,
        dropin::tryiton::job_answer,
    )
    .await
}

/// `GET /api/v1/credits`: TryItOn's balance read, for the merchant's server key only:
/// what the daily budget has left (`dropin::tryiton::tryiton_credits`).
async fn tryiton_credits(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Response, GatewayError> {
    if caller.shopper_session().is_some() {
        return Err(GatewayError::unauthorized(
            ErrorName::TokenScopeInvalid,
            "The credit balance is the merchant's: ask with the gateway's server key, not a shopper's session token.",
        ));
    }
    // Unreadable, the day's spending is not "nothing spent".
    let today = state.spending.today().await.ok_or_else(|| {
        GatewayError::from(crate::error::Down(
            "the day's spending could not be read".into(),
        ))
    })?;
    let per_day = state.spending.limits().per_day;
    Ok(Json(dropin::tryiton::tryiton_credits(per_day, today.images)).into_response())
}

/// A submit on a provider's path: its body `read` into the contract's, started the
/// contract's way, and answered in the provider's `shape` with the quota's fields.
async fn provider_submit(
    state: AppState,
    caller: Result<Caller, GatewayError>,
    request: Request,
    read: impl FnOnce(&[u8]) -> Result<Vec<u8>, GatewayError>,
    shape: impl FnOnce(String) -> serde_json::Value,
) -> Result<Response, GatewayError> {
    let (caller, request) = admitted(&state, caller, request).await?;
    let (address, key) = submit_context(&state, &request);
    let JobBody(body) = JobBody::from_request(request, &state).await?;
    let contract = read(&body)?;
    // The provider's body goes now, not after the engine's call.
    drop(body);
    let answer = submit_tryon(&state, &caller, address, key, contract).await?;
    dropin::answered(answer.id, answer.error, shape).map(|r| with_fields(r, answer.fields))
}

fn with_fields(mut response: Response, fields: Vec<(HeaderName, HeaderValue)>) -> Response {
    response.headers_mut().extend(fields);
    response
}

/// What a submit started.
enum Started {
    /// A job, and the `RateLimit` fields of the session's quota.
    Job {
        id: String,
        fields: Vec<(HeaderName, HeaderValue)>,
    },
    /// No job: the photo check refused the photo (in the contract's shape for a job
    /// that could not start).
    Refused(tryon_protocol::ApiError),
}

/// Charges the payer, checks the photo and starts the job; a submit that starts
/// nothing gives its images back.
async fn start_job(
    state: &AppState,
    caller: &Caller,
    payer: &Payer<'_>,
    mut request: TryOnRequest,
) -> Result<Started, GatewayError> {
    let charge = state
        .spending
        .charge(payer, u32::from(request.num_samples))
        .await?;
    // A photo with nobody in it fails now: nothing is sent upstream, nothing is charged.
    if let Some(error) = state.photo_check.refusal(&mut request).await {
        state.spending.refund(charge).await;
        state.metrics.photo_checked("job_refused");
        tracing::info!(session = %short(&caller.session), "job refused: nobody in the photo");
        return Ok(Started::Refused(error));
    }
    let place = Place {
        address: payer.address.to_string(),
        session: caller.session.clone(),
    };
    let engine_id = match state.engine.submit(request, &place).await {
        Ok(id) => id,
        Err(e) => {
            state.spending.refund(charge).await;
            return Err(e);
        }
    };
    state.metrics.job_submitted(state.engine.name());
    tracing::info!(session = %short(&caller.session), engine = state.engine.name(), "job submitted");
    Ok(Started::Job {
        id: state.handles.seal(&caller.session, &engine_id),
        fields: state.spending.headers(&charge),
    })
}

/// Whether the job behind `handle` (this caller's) has not ended yet.
async fn job_is_running(state: &AppState, caller: &Caller, handle: &str) -> bool {
    let Some(engine_id) = state.handles.open(&caller.session, handle) else {
        return false;
    };
    matches!(
        state.engine.status(&engine_id, None, "").await,
        Ok(Some(now)) if !now.status.is_terminal()
    )
}

/// `POST /v1/precheck`: what keeps this photo from showing this kind of garment.
async fn precheck(
    State(state): State<AppState>,
    caller: Result<Caller, GatewayError>,
    request: Request,
) -> Result<Json<PrecheckResponse>, GatewayError> {
    let (_, request) = admitted(&state, caller, request).await?;
    let JobBody(body) = JobBody::from_request(request, &state).await?;
    let ask: PrecheckRequest = serde_json::from_slice(&body).map_err(|e| {
        GatewayError::new(
            StatusCode::BAD_REQUEST,
            ErrorName::InvalidRequest,
            format!("The photo check wants {{\"model_image\": \"data:image/jpeg;base64,…\", \"category\": \"tops\"}}: {e}"),
        )
    })?;
    drop(body);
    let answer = state
        .photo_check
        .precheck(ask.model_image, ask.category)
        .await?;
    state
        .metrics
        .photo_checked(match (answer.checked, answer.problems.is_empty()) {
            (false, _) => "off",
            (true, true) => "fine",
            (true, false) => "advice",
        });
    Ok(Json(answer))
}

/// The query of a status read: the gateway's long-poll extension.
#[derive(Debug, Deserialize)]
struct StatusQuery {
    /// Seconds to wait for a change (0 … 30).
    wait: Option<String>,
    /// The status the client already has; default: the current one.
    since: Option<String>,
}

/// `GET /api/v1/status/{id}`, optionally long-polling with `?wait=N&since=STATUS`.
async fn status(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
    ApiQuery(query): ApiQuery<StatusQuery>,
    headers: HeaderMap,
) -> Result<Response, GatewayError> {
    let wait = match query.wait.as_deref() {
        None | Some("") | Some("0") => None,
        Some(text) => match text.parse::<u64>() {
            // Shortened (or off, at 0) by the gateway's own limit.
            Ok(seconds) if seconds <= LONG_POLL_MAX_SECONDS => {
                let seconds = seconds.min(state.config.long_poll_max_seconds);
                (seconds > 0).then(|| Wait {
                    until: Instant::now() + Duration::from_secs(seconds),
                    since: query.since.as_deref().map(JobStatus::from),
                })
            }
            _ => {
                let mut e = GatewayError::new(
                    StatusCode::BAD_REQUEST,
                    ErrorName::InvalidRequest,
                    format!("`wait` must be a whole number of seconds from 0 to {LONG_POLL_MAX_SECONDS}, not `{text}`"),
                );
                e.error.field = Some("wait".into());
                return Err(e);
            }
        },
    };
    let engine_id = state
        .handles
        .open(&caller.session, &id)
        .ok_or_else(GatewayError::job_not_found)?;
    let base = base_url(&state, &headers);
    let now = state
        .engine
        .status(&engine_id, wait, &base)
        .await?
        .ok_or_else(GatewayError::job_not_found)?;
    state
        .metrics
        .status_read(state.engine.name(), now.status.as_str());
    if let (Engine::Upstream(_), true) = (&state.engine, now.status.is_terminal()) {
        tracing::info!(session = %short(&caller.session), status = %now.status, "upstream job finished");
    }
    let engine_ms = now.engine_ms;
    let credits = now.credits.filter(|_| now.status.is_terminal());
    let mut response = Json(StatusResponse {
        id,
        status: now.status,
        output: now.output,
        error: now.error,
    })
    .into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Some(ms) = engine_ms {
        if let Ok(v) = HeaderValue::from_str(&format!("engine;dur={ms}")) {
            response.headers_mut().insert("server-timing", v);
        }
    }
    if let Some(credits) = credits {
        response
            .extensions_mut()
            .insert(dropin::fashn::CreditsUsed(credits));
    }
    Ok(response)
}

/// `GET /v1/results/{name}`: a sandbox result image, until it expires.
async fn result_image(
    State(state): State<AppState>,
    ApiPath(name): ApiPath<String>,
) -> Result<Response, GatewayError> {
    let gone = || {
        GatewayError::new(
            StatusCode::NOT_FOUND,
            ErrorName::NotFound,
            "This result does not exist or has expired: run the try-on again.",
        )
    };
    let Engine::Sandbox(sandbox) = &state.engine else {
        return Err(gone());
    };
    let (bytes, format, left) = match (sandbox.results.get(&name).await, &state.cluster) {
        (Some(stored), _) => (
            stored.bytes,
            stored.format,
            stored.expires.saturating_duration_since(Instant::now()),
        ),
        // Rendered by another replica: from the shared store.
        (None, Some(cluster)) => {
            let format = OutputFormat::from_extension(name.rsplit('.').next().unwrap_or(""))
                .ok_or_else(gone)?;
            let (bytes, left) = cluster
                .get_bytes(&cluster.key(&format!("result:{name}")))
                .await?
                .ok_or_else(gone)?;
            (bytes.into(), format, left)
        }
        (None, None) => return Err(gone()),
    };
    let max_age = left.as_secs();
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static(format.media_type()),
            ),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_str(&format!("private, max-age={max_age}")).expect("ascii"),
            ),
            (
                HeaderName::from_static("cross-origin-resource-policy"),
                HeaderValue::from_static("cross-origin"),
            ),
        ],
        bytes,
    )
        .into_response())
}

/// The longest webhook body read: a status envelope with result URLs, not pictures.
const CALLBACK_BODY_LIMIT: usize = 1 << 20;

/// `POST /v1/upstream/callbacks/{ticket}`: the hosted API says a job has ended. Only a
/// hint: the job's reader confirms it with a status read of its own (see
/// `engine::upstream::webhook`). Answered 2xx unless forged, so the provider stops
/// delivering.
async fn upstream_callback(
    State(state): State<AppState>,
    ApiPath(ticket): ApiPath<String>,
    body: Body,
) -> Result<Json<serde_json::Value>, GatewayError> {
    let forged = || {
        GatewayError::new(
            StatusCode::NOT_FOUND,
            ErrorName::NotFound,
            "No such callback on the try-on gateway.",
        )
    };
    let upstream = match &state.engine {
        Engine::Upstream(upstream) if upstream.ticket_is_sealed(&ticket) => upstream,
        _ => {
            read_and_drop(body, CALLBACK_BODY_LIMIT).await;
            state.metrics.upstream_callback(Delivery::Forged.as_str());
            return Err(forged());
        }
    };
    let bytes = axum::body::to_bytes(body, CALLBACK_BODY_LIMIT)
        .await
        .map_err(|_| {
            GatewayError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                ErrorName::InvalidRequest,
                "A callback body is a status envelope of at most 1 MB.",
            )
        })?;
    let envelope: serde_json::Value = serde_json::from_slice(&bytes).map_err(|_| {
        GatewayError::new(
            StatusCode::BAD_REQUEST,
            ErrorName::InvalidRequest,
            "A callback body is the provider's JSON status envelope with the job's `id`.",
        )
    })?;
    match upstream.callback(&ticket, &envelope).await {
        Delivery::Forged => Err(forged()),
        delivery => Ok(Json(
            serde_json::json!({"ok": true, "outcome": delivery.as_str()}),
        )),
    }
}

async fn health(State(state): State<AppState>, operator: Operator) -> Json<serde_json::Value> {
    let mut health = serde_json::json!({"status": "ok"});
    // Still answering: a replica without Redis serves what it can (README "Running
    // several replicas"), so load balancers should keep it.
    if state.cluster.as_ref().is_some_and(|c| !c.is_up()) {
        health["status"] = "degraded".into();
    }
    if !operator.0 {
        return Json(health);
    }
    health["engine"] = state.engine.name().into();
    if let Some(cluster) = &state.cluster {
        health["redis"] = serde_json::json!({"up": cluster.is_up(), "replica": cluster.replica});
    }
    let limits = state.spending.limits();
    if let Some(today) = state.spending.today().await {
        health["budget"] = serde_json::json!({
            "day": crate::spending::utc_day(std::time::SystemTime::now()).0,
            "images_per_day": limits.per_day,
            "images_spent": today.images,
            "images_left": limits.per_day.map(|cap| cap.saturating_sub(today.images)),
            "credits_spent": today.credits,
        });
    }
    if let Engine::Upstream(upstream) = &state.engine {
        health["upstream"] = serde_json::json!({
            "dialect": upstream.dialect().to_string(),
            "webhooks": upstream.uses_webhooks(),
            "followed_jobs": upstream.followed_jobs(),
        });
    }
    Json(health)
}

async fn metrics(State(state): State<AppState>, operator: Operator) -> Response {
    if !operator.0 {
        return Operator::refusal().into_response();
    }
    // Today's spending as the shared store has it now, not as this replica last saw it.
    let _ = state.spending.today().await;
    (
        [(header::CONTENT_TYPE, crate::metrics::CONTENT_TYPE)],
        state.metrics.render(),
    )
        .into_response()
}

async fn not_found(State(state): State<AppState>, body: Body) -> GatewayError {
    read_and_drop(body, body_limit(&state)).await;
    GatewayError::new(
        StatusCode::NOT_FOUND,
        ErrorName::NotFound,
        "No such endpoint on the try-on gateway.",
    )
}

async fn method_not_allowed(State(state): State<AppState>, body: Body) -> GatewayError {
    read_and_drop(body, body_limit(&state)).await;
    GatewayError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        ErrorName::InvalidRequest,
        "This endpoint does not take this HTTP method (submit with POST, read status with GET).",
    )
}

/// The caller and its request, or the caller's refusal once the body was read anyway:
/// a client that uploads before it reads would get a broken pipe instead of the answer.
async fn admitted(
    state: &AppState,
    caller: Result<Caller, GatewayError>,
    request: Request,
) -> Result<(Caller, Request), GatewayError> {
    match caller {
        Ok(caller) => Ok((caller, request)),
        Err(refusal) => {
            read_and_drop(request.into_body(), body_limit(state)).await;
            Err(refusal)
        }
    }
}

/// The largest body the gateway reads, in bytes.
fn body_limit(state: &AppState) -> usize {
    state.config.body_limit_mb << 20
}

/// Where clients reach this gateway: the configured public URL, else the request's host.
fn base_url(state: &AppState, headers: &HeaderMap) -> String {
    if let Some(url) = &state.config.public_url {
        return url.trim_end_matches('/').to_owned();
    }
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1");
    let scheme = (state.config.trusted_proxy_count() > 0)
        .then(|| headers.get("x-forwarded-proto")?.to_str().ok())
        .flatten()
        .unwrap_or("http");
    format!("{scheme}://{host}")
}

/// The first characters of a session id: enough to follow it in logs, useless to forge.
/// Cut on a character boundary: merchants mint their own session ids, in any script.
fn short(session: &str) -> &str {
    let end = session
        .char_indices()
        .nth(8)
        .map_or(session.len(), |(at, _)| at);
    &session[..end]
}
