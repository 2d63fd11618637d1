//! What every fake shares, whatever API it speaks: keys, limits, the job store, the
//! counters, refusals in the providers' shape (`{"error": "Name", "message": "…"}`)
//! and the markers' effects. The dialects ([`crate::fashn`], [`crate::tryiton`],
//! [`crate::contract`]) read bodies and render jobs; [`crate::server`] routes.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};
use tokio::sync::watch;

use crate::config::{Dialect, FakeConfig};
use crate::images::ImageKind;
use crate::jobs::{new_id, Job, Phase};
use crate::limits::SlidingWindow;
use crate::markers::{failure_message, refusal_status, Markers};
use crate::stats::{abbreviate, Stats, SubmitRecord};

/// Delivers job `id`'s webhook to `url` once it ends at `at` (FASHN's, set by the
/// server: the core knows no dialect).
pub(crate) type Deliveries = fn(Arc<Fake>, String, String, Instant);

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
    /// A word to say instead of the status (a marker's, once).
    pub shown_status: Option<String>,
    /// Completed, but with no `output` at all (a marker's).
    pub output_left_out: bool,
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
    /// Where webhooks go out, for a dialect that sends them.
    deliveries: Option<Deliveries>,
}

impl Fake {
    pub(crate) fn new(
        config: FakeConfig,
        origin: String,
        closing: watch::Receiver<bool>,
        deliveries: Option<Deliveries>,
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
            deliveries,
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
                    Dialect::TryItOn | Dialect::Contract => "Unauthorized",
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
    pub(crate) async fn submit(
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
        let late = parsed
            .as_ref()
            .and_then(|b| read_garment(b, self.config.dialect))
            .and_then(|g| Markers::of(&g).slow_submit)
            .map(|s| self.config.scaled(s));
        if let Some(body) = parsed {
            let fields_of = match self.config.dialect {
                Dialect::Fashn => body.get("inputs").unwrap_or(&Value::Null),
                Dialect::TryItOn | Dialect::Contract => &body,
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
        // Counted when it came; answered when the marker says.
        if let Some(late) = late {
            tokio::time::sleep(late).await;
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
            let mut refusal = self.refuse(endpoint, refusal_status(name), name, &message, None);
            let wait = match (markers.retry_after, markers.retry_date) {
                (Some(seconds), _) => Some(seconds.to_string()),
                (None, Some(seconds)) => Some(httpdate::fmt_http_date(
                    std::time::SystemTime::now() + Duration::from_secs(seconds),
                )),
                (None, None) => None,
            };
            if let Some(wait) = wait.and_then(|w| header::HeaderValue::from_str(&w).ok()) {
                refusal.headers_mut().insert(header::RETRY_AFTER, wait);
            }
            return refusal;
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
            let pictures = if markers.no_pictures.is_some() {
                0
            } else {
                request.pictures
            };
            let outputs = (0..pictures)
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
                    status_retry_after: markers.retry_after,
                    webhook_url: webhook_url.clone().filter(|_| !markers.no_webhook),
                    first_status: markers.first_status.clone(),
                    slow_status: markers.slow_status.map(|s| self.config.scaled(s)),
                    output_left_out: markers.no_pictures == Some(true),
                },
            );
        }
        self.stats.lock().unwrap().jobs += 1;
        if let (Some(url), Some(deliver)) =
            (webhook_url.filter(|_| !markers.no_webhook), self.deliveries)
        {
            deliver(self.clone(), id.clone(), url, now + length);
        }
        Json(answer(&id)).into_response()
    }

    /// The whole status read, around the dialect's rendering of the job.
    pub(crate) async fn status(
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
        let (view, late) = {
            let mut jobs = self.jobs.lock().unwrap();
            match jobs.get_mut(id).filter(|job| job.key == key) {
                None => (None, None),
                Some(job) => {
                    let late = job.slow_status;
                    let view = match &mut job.status_errors {
                        Some((status, left)) if *left > 0 => {
                            *left -= 1;
                            Err((*status, job.status_retry_after))
                        }
                        _ => {
                            let mut view = view_of(id, job, Instant::now());
                            view.shown_status = job.first_status.take();
                            Ok(view)
                        }
                    };
                    (Some(view), late)
                }
            }
        };
        if let Some(late) = late {
            tokio::time::sleep(late).await;
        }
        match view {
            None => self.refuse(
                Some(Endpoint::Status),
                StatusCode::NOT_FOUND,
                "NotFound",
                "No job with this id.",
                None,
            ),
            Some(Err((StatusCode::TOO_MANY_REQUESTS, _))) => self.refuse(
                Some(Endpoint::Status),
                StatusCode::TOO_MANY_REQUESTS,
                "RateLimitExceeded",
                "Too many requests (asked for by the garment's file name).",
                Some(Duration::from_secs(1)),
            ),
            Some(Err((status, retry_after))) => {
                let mut refusal = self.refuse(
                    Some(Endpoint::Status),
                    status,
                    "InternalServerError",
                    "Internal server error (asked for by the garment's file name).",
                    None,
                );
                if let Some(seconds) = retry_after {
                    refusal
                        .headers_mut()
                        .insert(header::RETRY_AFTER, seconds.into());
                }
                refusal
            }
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
        shown_status: None,
        output_left_out: job.output_left_out,
    }
}

/// The garment image of a submit body, where the dialect keeps it (for markers read
/// before the dialect's own reading).
pub(crate) fn read_garment(body: &Value, dialect: Dialect) -> Option<String> {
    let fields = match dialect {
        Dialect::Fashn => body.get("inputs")?,
        Dialect::TryItOn | Dialect::Contract => body,
    };
    let garment = fields
        .get("garment_image")
        .or_else(|| fields.get("product_image"))?;
    garment.as_str().map(str::to_owned)
}
