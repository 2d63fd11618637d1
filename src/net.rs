//! Calls to the gateway with the browser's `fetch`, and the timers the widget waits on.

use js_sys::Promise;
use tryon_protocol::{retry_after, ApiError, ErrorBody, ErrorName, RATE_LIMIT};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, RequestInit, Response};

/// Why a call did not return a 2xx answer.
#[derive(Debug, Clone, PartialEq)]
pub enum NetError {
    /// No answer at all: offline, DNS, CORS refusal, connection reset.
    Unreachable,
    /// An answer with an error status and the gateway's error object.
    Http {
        /// HTTP status.
        status: u16,
        /// The error object (a stand-in when the body had none).
        error: ApiError,
        /// `Retry-After`, in seconds from now (either form of the header).
        retry_after: Option<f64>,
    },
}

impl NetError {
    /// The wait the server asked for (`Retry-After`), in seconds.
    pub fn retry_after(&self) -> Option<f64> {
        match self {
            NetError::Http { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// The error's name, when the server gave one.
    pub fn name(&self) -> Option<&ErrorName> {
        match self {
            NetError::Http { error, .. } => Some(&error.name),
            _ => None,
        }
    }
}

/// `fetch(url, {method, headers, body})` → the body text of a 2xx answer.
pub async fn call(
    method: &str,
    url: &str,
    bearer: Option<&str>,
    json_body: Option<&str>,
) -> Result<String, NetError> {
    call_with(method, url, bearer, json_body, &[])
        .await
        .map(|answer| answer.text)
}

/// A 2xx answer: its body, and what it says of the shopper's quota.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    /// The body text.
    pub text: String,
    /// The `RateLimit` field, if the gateway sent one.
    pub rate_limit: Option<String>,
}

/// [`call`] with more request headers, keeping the answer's `RateLimit` field.
///
/// The one way a request is stopped: dropping its future (the task it runs in is
/// stopped because the shopper moved on or the widget was removed, or a time limit
/// around it passed) aborts the `fetch` too, so nothing goes on unobserved.
pub async fn call_with(
    method: &str,
    url: &str,
    bearer: Option<&str>,
    json_body: Option<&str>,
    extra: &[(&str, &str)],
) -> Result<Answer, NetError> {
    let init = RequestInit::new();
    init.set_method(method);
    let headers = web_sys::Headers::new().map_err(|_| NetError::Unreachable)?;
    if let Some(token) = bearer {
        let _ = headers.set("Authorization", &format!("Bearer {token}"));
    }
    for (name, value) in extra {
        let _ = headers.set(name, value);
    }
    if let Some(body) = json_body {
        let _ = headers.set("Content-Type", "application/json");
        init.set_body(&JsValue::from_str(body));
    }
    init.set_headers(&headers);
    // Lives until the answer is read: aborting after that does nothing.
    let abort = AbortOnDrop::default();
    abort.watch(&init);
    let window = web_sys::window().ok_or(NetError::Unreachable)?;
    let response = match JsFuture::from(window.fetch_with_str_and_init(url, &init)).await {
        Ok(r) => r.unchecked_into::<Response>(),
        Err(_) => return Err(NetError::Unreachable),
    };
    let status = response.status();
    let text = match response.text() {
        Ok(p) => JsFuture::from(p)
            .await
            .ok()
            .and_then(|v| v.as_string())
            .unwrap_or_default(),
        Err(_) => String::new(),
    };
    if (200..300).contains(&status) {
        let rate_limit = response.headers().get(RATE_LIMIT).ok().flatten();
        return Ok(Answer { text, rate_limit });
    }
    let retry_after = response
        .headers()
        .get("retry-after")
        .ok()
        .flatten()
        .and_then(|v| retry_after(&v, now_ms() / 1000.0));
    let error = serde_json::from_str::<ErrorBody>(&text)
        .map(|b| b.error)
        .unwrap_or_else(|_| {
            ApiError::new(
                ErrorName::Other(format!("Http{status}")),
                format!("The server answered {status}."),
            )
        });
    Err(NetError::Http {
        status,
        error,
        retry_after,
    })
}

/// Aborts its request when dropped: kept alive for as long as the request's future
/// reads the answer, so a future dropped early (its task stopped) ends the `fetch`.
pub struct AbortOnDrop(Option<AbortController>);

impl Default for AbortOnDrop {
    /// A new one (doing nothing where the browser has no `AbortController`).
    fn default() -> Self {
        AbortOnDrop(AbortController::new().ok())
    }
}

impl AbortOnDrop {
    /// Makes the request of `init` end when this is dropped.
    pub fn watch(&self, init: &RequestInit) {
        if let Some(controller) = &self.0 {
            init.set_signal(Some(&controller.signal()));
        }
    }
}

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        if let Some(controller) = &self.0 {
            controller.abort();
        }
    }
}

/// Milliseconds since the epoch.
pub fn now_ms() -> f64 {
    js_sys::Date::now()
}

/// Waits `ms` milliseconds.
pub async fn sleep(ms: f64) {
    let promise = Promise::new(&mut |resolve, _| {
        if let Some(w) = web_sys::window() {
            let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(
                &resolve,
                ms.max(0.0) as i32,
            );
        }
    });
    let _ = JsFuture::from(promise).await;
}

/// `work`'s output, or `None` when it took longer than `ms` (then `work` is dropped).
pub async fn within<T>(ms: f64, work: impl std::future::Future<Output = T>) -> Option<T> {
    use futures::future::{select, Either};
    let work = std::pin::pin!(work);
    let timer = std::pin::pin!(sleep(ms));
    match select(work, timer).await {
        Either::Left((out, _)) => Some(out),
        Either::Right(_) => None,
    }
}

/// Resolves when the browser says it is online (at once if it already is).
///
/// The `online` event is the fast path; `navigator.onLine` is also read again every
/// second, because an event that never comes (a flip the browser did not announce,
/// or emulated network conditions) must not leave a shopper waiting forever.
pub async fn back_online() {
    while !online() {
        let promise = Promise::new(&mut |resolve, _| {
            if let Some(w) = web_sys::window() {
                let once = web_sys::AddEventListenerOptions::new();
                once.set_once(true);
                let _ = w.add_event_listener_with_callback_and_add_event_listener_options(
                    "online", &resolve, &once,
                );
            }
        });
        within(1000.0, JsFuture::from(promise)).await;
    }
}

/// How long a request waits for the browser to come back online, in seconds.
const OFFLINE_WAIT_SECONDS: u32 = 30;

/// Runs `attempt` again while it fails because the browser is offline (up to
/// 30 s), as soon as it is back: such a request never left, so sending it again is
/// safe.
pub async fn when_online<T, F, Fut>(mut attempt: F) -> Result<T, NetError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, NetError>>,
{
    let mut waits = 0;
    loop {
        // A request started while offline never left, even if the browser is back
        // online by the time its failure arrives (the flip races the failure).
        let started_offline = !online();
        match attempt().await {
            Err(NetError::Unreachable)
                if (started_offline || !online()) && waits < OFFLINE_WAIT_SECONDS =>
            {
                waits += 1;
                within(1000.0, back_online()).await;
            }
            answer => return answer,
        }
    }
}

/// Whether the browser thinks it is online.
pub fn online() -> bool {
    web_sys::window()
        .map(|w| w.navigator().on_line())
        .unwrap_or(true)
}
