//! What both fakes share: keys, limits, the job store, the counters, refusals in the
//! providers' shape (`{"error": "Name", "message": "…"}`), the CDN and the test routes.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};
use tokio::sync::watch;

use crate::config::{Dialect, FakeConfig};
use crate::images::ImageKind;
use crate::jobs::{new_id, Job, Phase};
use crate::limits::SlidingWindow;
use crate::markers::{failure_message, refusal_status, Markers};
use crate::stats::{abbreviate, Stats, SubmitRecord};
use crate::{fashn, tryiton, webhook};

/// Which API endpoint a request was for, for limits and counters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Endpoint {
    Submit,
    Status,
}

/// Why a request did not get past the key and the limit.
enum Gate {
    Unauthorized,
    /// Until a slot frees.
    RateLimited(Duration),
}

/// A submit the dialect has read and found valid.
pub(crate) struct JobRequest {
    /// The garment image field, whose file name may carry markers.
    pub garment: String,
    /// Unscaled default length for this model.
    pub seconds: f64,
    /// How many pictures a completed job has.
    pub pictures: usize,
    pub kind: ImageKind,
    /// Inline the pictures as data URLs instead of CDN URLs.
    pub base64: bool,
}

/// A job as one status read sees it.
pub(crate) struct JobView {
    pub id: String,
    pub phase: Phase,
    pub outputs: Vec<String>,
    /// (name, message) once failed.
    pub error: Option<(String, String)>,
}

/// The state of one running fake.
pub(crate) struct Fake {
    pub config: FakeConfig,
    /// `http://127.0.0.1:PORT`, without the path prefix (the CDN is at the root).
    pub origin: String,
    pub jobs: Mutex<HashMap<String, Job>>,
    submit_limit: Option<SlidingWindow>,
    status_limit: Option<SlidingWindow>,
    pub stats: Mutex<Stats>,
    pub http: reqwest::Client,
    /// Turns true when the fake stops, so pending webhook deliveries give up.
    pub closing: watch::Receiver<bool>,
}

impl Fake {
    pub(crate) fn new(
        config: FakeConfig,
        origin: String,
        closing: watch::Receiver<bool>,
    ) -> Result<Self, String> {
        let window = |limit: Option<crate::RateLimit>| {
            limit.map(|l| SlidingWindow::new(l.requests, config.scaled(l.window.as_secs_f64())))
        };
        let http = reqwest::Client::builder()
            .timeout(config.webhook_timeout)
            // Receivers are on loopback; a proxy from the environment must not intercept them.
            .no_proxy()
            .build()
            .map_err(|e| format!("the webhook client: {e}"))?;
        Ok(Fake {
            submit_limit: window(config.submit_limit),
            status_limit: window(config.status_limit),
            config,
            origin,
            jobs: Mutex::new(HashMap::new()),
            stats: Mutex::new(Stats::default()),
            http,
            closing,
        })
    }

    /// A refusal before or outside a job, counted.
    pub(crate) fn refuse(
        &self,
        endpoint: Option<Endpoint>,
        status: StatusCode,
        name: &str,
        message: &str,
        retry_after: Option<Duration>,
    ) -> Response {
        {
            let mut stats = self.stats.lock().unwrap();
            *stats.refusals.entry(name.to_owned()).or_default() += 1;
            if status == StatusCode::TOO_MANY_REQUESTS {
                match endpoint {
                    Some(Endpoint::Submit) => stats.too_many_requests.submit += 1,
                    Some(Endpoint::Status) => stats.too_many_requests.status += 1,
                    None => {}
                }
            }
        }
        let body = Json(json!({"error": name, "message": message}));
        match retry_after {
            // Seconds with decimals, as the providers' SDKs read them (issue #20),
            // rounded up to the millisecond: a client that waits this long is admitted.
            Some(wait) => {
                let ms = wait.as_nanos().div_ceil(1_000_000).max(1);
                let seconds = format!("{}.{:03}", ms / 1000, ms % 1000);
                (status, [(header::RETRY_AFTER, seconds)], body).into_response()
            }
            None => (status, body).into_response(),
        }
    }

    /// The caller's API key once it is known and within its endpoint's limit.
    fn gate(&self, endpoint: Endpoint, headers: &HeaderMap) -> Result<String, Gate> {
        let header = headers
            .get(header::AUTHORIZATION)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
            .unwrap_or_default();
        *self
            .stats
            .lock()
            .unwrap()
            .authorizations
            .entry(header.clone())
            .or_default() += 1;
        let key = match header.strip_prefix("Bearer ") {
            Some(key) if self.config.api_keys.iter().any(|k| k == key) => key,
            _ => return Err(Gate::Unauthorized),
        };
        let limit = match endpoint {
            Endpoint::Submit => &self.submit_limit,
            Endpoint::Status => &self.status_limit,
        };
        if let Some(limit) = limit {
            limit
                .admit(key, Instant::now())
                .map_err(Gate::RateLimited)?;
        }
        Ok(key.to_owned())
    }

    /// The answer to a request stopped at the gate.
    fn stopped(&self, endpoint: Endpoint, gate: Gate) -> Response {
        match gate {
            Gate::Unauthorized => {
                let name = match self.config.dialect {
                    Dialect::Fashn => "UnauthorizedAccess",
                    Dialect::TryItOn => "Unauthorized",
                };
                let message = "Invalid or missing API key.";
                self.refuse(
                    Some(endpoint),
                    StatusCode::UNAUTHORIZED,
                    name,
                    message,
                    None,
                )
            }
            Gate::RateLimited(wait) => self.refuse(
                Some(endpoint),
                StatusCode::TOO_MANY_REQUESTS,
                "RateLimitExceeded",
                "Too many requests; slow down.",
                self.config.retry_after.then_some(wait),
            ),
        }
    }

    /// The whole submit, around the dialect's reading of the body: auth, limit, body,
    /// markers, concurrency, then the job. Records the body with the answer's status.
    pub(crate) fn submit(
        self: &Arc<Self>,
        path: &str,
        headers: &HeaderMap,
        webhook_url: Option<String>,
        body: &[u8],
        read: impl FnOnce(&Value) -> Result<JobRequest, String>,
        answer: impl FnOnce(&str) -> Value,
    ) -> Response {
        self.stats.lock().unwrap().submits += 1;
        let parsed = serde_json::from_slice::<Value>(body).ok();
        let response =
            self.submit_parsed(headers, webhook_url.clone(), parsed.as_ref(), read, answer);
        if let Some(body) = parsed {
            let fields_of = match self.config.dialect {
                Dialect::Fashn => body.get("inputs").unwrap_or(&Value::Null),
                Dialect::TryItOn => &body,
            };
            let fields = fields_of
                .as_object()
                .map(|o| o.keys().cloned().collect())
                .unwrap_or_default();
            self.stats.lock().unwrap().submit_bodies.push(SubmitRecord {
                path: path.to_owned(),
                webhook_url,
                fields,
                body: abbreviate(&body),
                answer: response.status().as_u16(),
            });
        }
        response
    }

    fn submit_parsed(
        self: &Arc<Self>,
        headers: &HeaderMap,
        webhook_url: Option<String>,
        body: Option<&Value>,
        read: impl FnOnce(&Value) -> Result<JobRequest, String>,
        answer: impl FnOnce(&str) -> Value,
    ) -> Response {
        let endpoint = Some(Endpoint::Submit);
        let key = match self.gate(Endpoint::Submit, headers) {
            Ok(key) => key,
            Err(gate) => return self.stopped(Endpoint::Submit, gate),
        };
        let bad = |message: &str| {
            self.refuse(
                endpoint,
                StatusCode::BAD_REQUEST,
                "BadRequest",
                message,
                None,
            )
        };
        let Some(body) = body.filter(|b| b.is_object()) else {
            return bad("The body must be a JSON object.");
        };
        let request = match read(body) {
            Ok(request) => request,
            Err(message) => return bad(&message),
        };
        if let Some(url) = &webhook_url {
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                return bad("webhook_url must be an http(s) URL.");
            }
        }
        let markers = Markers::of(&request.garment);
        if let Some(name) = &markers.reject {
            let message = format!("Refused on request ({name}).");
            return self.refuse(endpoint, refusal_status(name), name, &message, None);
        }
        let now = Instant::now();
        let id = new_id();
        let length = self
            .config
            .scaled(markers.seconds.unwrap_or(request.seconds));
        {
            let mut jobs = self.jobs.lock().unwrap();
            if let Some(limit) = self.config.concurrency_limit {
                let mine = || jobs.values().filter(|j| j.key == key && j.ends_at() > now);
                if mine().count() >= limit {
                    let first_free = mine().map(Job::ends_at).min().unwrap_or(now);
                    drop(jobs);
                    return self.refuse(
                        endpoint,
                        StatusCode::TOO_MANY_REQUESTS,
                        "ConcurrencyLimitExceeded",
                        "Too many jobs running at once.",
                        self.config.retry_after.then(|| first_free - now),
                    );
                }
            }
            let outputs = (0..request.pictures)
                .map(|n| {
                    if request.base64 {
                        request.kind.data_url()
                    } else {
                        format!("{}/cdn/{id}/{n}.{}", self.origin, request.kind.extension())
                    }
                })
                .collect();
            jobs.insert(
                id.clone(),
                Job {
                    key,
                    created: now,
                    length,
                    failure: markers.fail.clone(),
                    ending: markers.ending,
                    outputs,
                    status_errors: markers.status_errors,
                    webhook_url: webhook_url.clone().filter(|_| !markers.no_webhook),
                },
            );
        }
        self.stats.lock().unwrap().jobs += 1;
        if let Some(url) = webhook_url.filter(|_| !markers.no_webhook) {
            webhook::schedule(self.clone(), id.clone(), url, now + length);
        }
        Json(answer(&id)).into_response()
    }

    /// The whole status read, around the dialect's rendering of the job.
    pub(crate) fn status(
        &self,
        headers: &HeaderMap,
        id: &str,
        render: impl FnOnce(&JobView) -> Value,
    ) -> Response {
        let known = self.jobs.lock().unwrap().contains_key(id);
        {
            let mut stats = self.stats.lock().unwrap();
            stats.status_reads += 1;
            if known {
                *stats.status_reads_per_job.entry(id.to_owned()).or_default() += 1;
            }
        }
        let key = match self.gate(Endpoint::Status, headers) {
            Ok(key) => key,
            Err(gate) => return self.stopped(Endpoint::Status, gate),
        };
        let view = {
            let mut jobs = self.jobs.lock().unwrap();
            match jobs.get_mut(id).filter(|job| job.key == key) {
                None => None,
                Some(job) => match &mut job.status_errors {
                    Some((status, left)) if *left > 0 => {
                        *left -= 1;
                        Some(Err(*status))
                    }
                    _ => Some(Ok(view_of(id, job, Instant::now()))),
                },
            }
        };
        match view {
            None => self.refuse(
                Some(Endpoint::Status),
                StatusCode::NOT_FOUND,
                "NotFound",
                "No job with this id.",
                None,
            ),
            Some(Err(status)) => self.refuse(
                Some(Endpoint::Status),
                status,
                "InternalServerError",
                "Internal server error (asked for by the garment's file name).",
                None,
            ),
            Some(Ok(view)) => Json(render(&view)).into_response(),
        }
    }

    /// The job's view now, if it exists.
    pub(crate) fn view(&self, id: &str) -> Option<JobView> {
        let jobs = self.jobs.lock().unwrap();
        jobs.get(id).map(|job| view_of(id, job, Instant::now()))
    }
}

fn view_of(id: &str, job: &Job, now: Instant) -> JobView {
    let phase = job.phase(now);
    JobView {
        id: id.to_owned(),
        phase,
        outputs: if phase == Phase::Completed {
            job.outputs.clone()
        } else {
            vec![]
        },
        error: job
            .failure
            .as_ref()
            .filter(|_| phase == Phase::Failed)
            .map(|name| (name.clone(), failure_message(name))),
    }
}

/// The fake's routes: the dialect's API (under the prefix), the CDN and `/__fake`.
pub(crate) fn router(fake: Arc<Fake>) -> Router {
    let api = match fake.config.dialect {
        Dialect::Fashn => fashn::routes(),
        Dialect::TryItOn => tryiton::routes(),
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

/// Reads an image field: required, and a URL or a data URL (bare base64 is refused, as
/// both providers document the `data:` prefix).
pub(crate) fn image_field(body: &Value, name: &str) -> Result<String, String> {
    match body.get(name) {
        None | Some(Value::Null) => Err(format!("{name} is required.")),
        Some(Value::String(s))
            if s.starts_with("http://") || s.starts_with("https://") || s.starts_with("data:") =>
        {
            Ok(s.clone())
        }
        Some(_) => Err(format!(
            "{name} must be an image URL or a data URL with its prefix."
        )),
    }
}

/// Reads an optional field that takes one of `values`; returns the one given or `default`.
pub(crate) fn one_of<'a>(
    body: &'a Value,
    name: &str,
    values: &[&'a str],
    default: &'a str,
) -> Result<&'a str, String> {
    match body.get(name) {
        None | Some(Value::Null) => Ok(default),
        Some(Value::String(s)) if values.contains(&s.as_str()) => Ok(s),
        Some(_) => Err(format!("{name} must be one of {}.", values.join(", "))),
    }
}

/// Reads an optional integer field within `range`.
pub(crate) fn integer(
    body: &Value,
    name: &str,
    range: std::ops::RangeInclusive<u64>,
    default: u64,
) -> Result<u64, String> {
    match body.get(name) {
        None | Some(Value::Null) => Ok(default),
        Some(v) => v.as_u64().filter(|n| range.contains(n)).ok_or_else(|| {
            format!(
                "{name} must be an integer from {} to {}.",
                range.start(),
                range.end()
            )
        }),
    }
}

/// Reads an optional boolean field.
pub(crate) fn boolean(body: &Value, name: &str, default: bool) -> Result<bool, String> {
    match body.get(name) {
        None | Some(Value::Null) => Ok(default),
        Some(Value::Bool(b)) => Ok(*b),
        Some(_) => Err(format!("{name} must be true or false.")),
    }
}

/// Reads an optional string field.
pub(crate) fn text(body: &Value, name: &str) -> Result<(), String> {
    match body.get(name) {
        None | Some(Value::Null) | Some(Value::String(_)) => Ok(()),
        Some(_) => Err(format!("{name} must be a string.")),
    }
}
