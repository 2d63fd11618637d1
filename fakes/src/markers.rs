//! Behaviour chosen by the request: markers in the garment image URL's file name.
//!
//! The file name's stem (before its last `.`) is split on `_`; each part that is a marker
//! applies, the others are ignored, so `https://shop.test/tee_fail-PoseError.png` and
//! `https://shop.test/fail-PoseError.png` both fail with `PoseError`. Data URLs carry none.
//!
//! | part | effect |
//! |---|---|
//! | `fail-<Name>` | the job runs its full time, then fails with error `<Name>` (any name) |
//! | `reject-<Name>` | the submit is refused before a job id: `BadRequest` 400, `UnauthorizedAccess`/`Unauthorized` 401, `NotFound` 404, `RateLimitExceeded`/`ConcurrencyLimitExceeded`/`OutOfCredits` 429, anything else 500 |
//! | `status<Code>-<N>` | the job's first N status reads answer `<Code>` (500–599), later ones the truth |
//! | `seconds-<S>` | the job takes S seconds (before the time scale) instead of the default |
//! | `nowebhook` | no webhook is ever delivered for the job (the callback that never comes) |
//! | `end-canceled`, `end-timeout` | the job ends `canceled` or `time_out` with no error (FASHN's other ends; TryItOn says `failed`) |
//! | `runerror-<Words-Of-It>` | FASHN: the run is answered 200 `{"id": null, "error": "Words of it"}`, the sentence its SDK types `error` as |
//! | `retryafter-<S>` | a `reject-` refusal, and a 5xx of `status<Code>-<N>`, carries `Retry-After: S` (seconds) |
//! | `retrydate-<S>` | a `reject-` refusal carries `Retry-After` as an HTTP date S seconds from now |
//! | `status429-<N>` | the job's first N status reads answer 429 `RateLimitExceeded` with `Retry-After: 1.000` |
//! | `slowsubmit-<S>`, `slowstatus-<S>` | the submit's answer, or every status answer, comes S seconds late (scaled), for clients' timeouts |
//! | `firststatus-<word>` | the first status read says `<word>` (a status the client does not know) |
//! | `output-empty`, `output-none` | the job completes with `output: []`, or with no `output` at all |

use axum::http::StatusCode;

/// What the garment's file name asks of a job.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Markers {
    /// Fail the job with this error name.
    pub fail: Option<String>,
    /// Refuse the submit with this error name.
    pub reject: Option<String>,
    /// Answer this many status reads with this 5xx first.
    pub status_errors: Option<(StatusCode, u64)>,
    /// Unscaled job length instead of the default.
    pub seconds: Option<f64>,
    /// Never deliver a webhook.
    pub no_webhook: bool,
    /// End canceled or timed out.
    pub ending: Option<crate::jobs::Phase>,
    /// FASHN: answer the run with this sentence as its error.
    pub run_error: Option<String>,
    /// The refusal's `Retry-After`, in seconds.
    pub retry_after: Option<u64>,
    /// The refusal's `Retry-After` as an HTTP date this many seconds from now.
    pub retry_date: Option<u64>,
    /// Answer the submit this many (unscaled) seconds late.
    pub slow_submit: Option<f64>,
    /// Answer every status read this many (unscaled) seconds late.
    pub slow_status: Option<f64>,
    /// The first status read's word.
    pub first_status: Option<String>,
    /// Complete with `[]` (`Some(true)`: no `output` at all).
    pub no_pictures: Option<bool>,
}

impl Markers {
    /// Reads the markers of an image field (a URL; data URLs have none).
    pub(crate) fn of(image: &str) -> Markers {
        let mut markers = Markers::default();
        if image.starts_with("data:") {
            return markers;
        }
        let path = image.split(['?', '#']).next().unwrap_or("");
        let file = path.rsplit('/').next().unwrap_or("");
        let stem = file.rsplit_once('.').map_or(file, |(stem, _)| stem);
        for part in stem.split('_') {
            if let Some(name) = part.strip_prefix("fail-").filter(|n| !n.is_empty()) {
                markers.fail = Some(name.to_owned());
            } else if let Some(name) = part.strip_prefix("reject-").filter(|n| !n.is_empty()) {
                markers.reject = Some(name.to_owned());
            } else if let Some(seconds) = part.strip_prefix("seconds-") {
                markers.seconds = seconds.parse().ok().filter(|s: &f64| *s >= 0.0);
            } else if part == "nowebhook" {
                markers.no_webhook = true;
            } else if part == "end-canceled" {
                markers.ending = Some(crate::jobs::Phase::Canceled);
            } else if part == "end-timeout" {
                markers.ending = Some(crate::jobs::Phase::TimedOut);
            } else if let Some(words) = part.strip_prefix("runerror-").filter(|w| !w.is_empty()) {
                markers.run_error = Some(words.replace('-', " "));
            } else if let Some(s) = part.strip_prefix("retryafter-") {
                markers.retry_after = s.parse().ok();
            } else if let Some(s) = part.strip_prefix("retrydate-") {
                markers.retry_date = s.parse().ok();
            } else if let Some(s) = part.strip_prefix("slowsubmit-") {
                markers.slow_submit = s.parse().ok().filter(|s: &f64| *s >= 0.0);
            } else if let Some(s) = part.strip_prefix("slowstatus-") {
                markers.slow_status = s.parse().ok().filter(|s: &f64| *s >= 0.0);
            } else if let Some(word) = part.strip_prefix("firststatus-").filter(|w| !w.is_empty()) {
                markers.first_status = Some(word.to_owned());
            } else if part == "output-empty" {
                markers.no_pictures = Some(false);
            } else if part == "output-none" {
                markers.no_pictures = Some(true);
            } else if let Some(rest) = part.strip_prefix("status") {
                let parsed = rest.split_once('-').and_then(|(code, n)| {
                    let code = StatusCode::from_u16(code.parse().ok()?).ok()?;
                    let answerable =
                        code.is_server_error() || code == StatusCode::TOO_MANY_REQUESTS;
                    Some((code, n.parse().ok()?)).filter(|_| answerable)
                });
                if parsed.is_some() {
                    markers.status_errors = parsed;
                }
            }
        }
        markers
    }
}

/// The HTTP status a refusal named `name` comes with (the providers' names).
pub(crate) fn refusal_status(name: &str) -> StatusCode {
    match name {
        "BadRequest" => StatusCode::BAD_REQUEST,
        "UnauthorizedAccess" | "Unauthorized" => StatusCode::UNAUTHORIZED,
        "NotFound" => StatusCode::NOT_FOUND,
        "RateLimitExceeded" | "ConcurrencyLimitExceeded" | "OutOfCredits" => {
            StatusCode::TOO_MANY_REQUESTS
        }
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// A message for a job error, as a shopper-facing service would word it.
pub(crate) fn failure_message(name: &str) -> String {
    match name {
        "ImageLoadError" => "An input image could not be loaded.".into(),
        "ContentModerationError" => "The garment is not allowed at this moderation level.".into(),
        "PoseError" => "No person could be found in the photo.".into(),
        "PipelineError" => "The pipeline failed unexpectedly.".into(),
        "ThirdPartyError" | "3rdPartyProviderError" => "A third-party processor failed.".into(),
        "InputValidationError" => "The inputs could not be validated.".into(),
        "LoRALoadError" => "The model's weights could not be loaded.".into(),
        "InternalServerError" => "Internal server error.".into(),
        "ProcessingError" => "The try-on could not be processed.".into(),
        other => format!("The job failed ({other})."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_are_read_from_the_file_name_only() {
        let m = Markers::of("https://shop.test/fail-PoseError/tee.png");
        assert_eq!(m, Markers::default(), "a folder is not a marker");
        let m = Markers::of("https://shop.test/a/tee_fail-3rdPartyProviderError_status503-2_seconds-1.5_nowebhook.jpg?x=fail-Other#y");
        assert_eq!(m.fail.as_deref(), Some("3rdPartyProviderError"));
        assert_eq!(m.status_errors, Some((StatusCode::SERVICE_UNAVAILABLE, 2)));
        assert_eq!(m.seconds, Some(1.5));
        assert!(m.no_webhook);
        assert_eq!(m.reject, None);
        assert_eq!(
            Markers::of("http://x/reject-OutOfCredits.png")
                .reject
                .as_deref(),
            Some("OutOfCredits")
        );
        let m = Markers::of("http://x/tee_end-timeout_runerror-Insufficient-credits.png");
        assert_eq!(m.ending, Some(crate::jobs::Phase::TimedOut));
        assert_eq!(m.run_error.as_deref(), Some("Insufficient credits"));
        assert_eq!(
            Markers::of("http://x/end-canceled.png").ending,
            Some(crate::jobs::Phase::Canceled)
        );
        // Not a 5xx: ignored rather than turned into a success answered as an error.
        assert_eq!(Markers::of("http://x/status404-2.png").status_errors, None);
        assert_eq!(
            Markers::of("data:image/png;base64,fail-PoseError"),
            Markers::default()
        );
        assert_eq!(
            Markers::of("http://x/solidus_tshirt.png"),
            Markers::default()
        );
    }

    #[test]
    fn the_markers_for_clients_timeouts_waits_and_odd_answers_are_read() {
        let m = Markers::of("http://x/reject-ConcurrencyLimitExceeded_retryafter-7.png");
        assert_eq!(m.reject.as_deref(), Some("ConcurrencyLimitExceeded"));
        assert_eq!(m.retry_after, Some(7));
        assert_eq!(Markers::of("http://x/retrydate-8.png").retry_date, Some(8));
        let m = Markers::of("http://x/slowsubmit-3_slowstatus-2.5_firststatus-warming_up.png");
        assert_eq!((m.slow_submit, m.slow_status), (Some(3.0), Some(2.5)));
        // `_` splits markers: a word with one is cut there.
        assert_eq!(m.first_status.as_deref(), Some("warming"));
        assert_eq!(
            Markers::of("http://x/status429-1.png").status_errors,
            Some((StatusCode::TOO_MANY_REQUESTS, 1))
        );
        assert_eq!(
            Markers::of("http://x/output-empty.png").no_pictures,
            Some(false)
        );
        assert_eq!(
            Markers::of("http://x/output-none.png").no_pictures,
            Some(true)
        );
    }

    #[test]
    fn refusals_have_the_published_statuses() {
        assert_eq!(
            refusal_status("OutOfCredits"),
            StatusCode::TOO_MANY_REQUESTS
        );
        assert_eq!(
            refusal_status("ConcurrencyLimitExceeded"),
            StatusCode::TOO_MANY_REQUESTS
        );
        assert_eq!(
            refusal_status("InternalServerError"),
            StatusCode::INTERNAL_SERVER_ERROR
        );
        assert_eq!(refusal_status("BadRequest"), StatusCode::BAD_REQUEST);
    }
}
