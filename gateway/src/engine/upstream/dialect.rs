//! The shapes the hosted try-on APIs speak (`TRYON_UPSTREAM`), and how the contract's
//! request and answers map onto each.
//!
//! The widget always speaks our contract (docs/api.md); the gateway translates. Each
//! option of the contract is, per dialect, *carried* (sent under the provider's name),
//! *left to the provider* (omitted: the provider decides, e.g. TryItOn picks its own
//! seed), or *refused* when set to anything but the contract's default, because sending
//! it would silently give it another meaning. README "Upstream dialects" has the table.
//!
//! Facts (the providers' public docs and SDKs, 2026, as quoted in issue #9):
//! - FASHN: `POST /v1/run` `{"model_name", "inputs"}` → `{"id", "error"}`; `GET
//!   /v1/status/{id}` → `{"id", "status", "output", "error"}` with starting, in_queue,
//!   processing, completed, failed (canceled in the SDK); tryon-max names its inputs
//!   product_image, num_images, generation_mode (balanced|quality), resolution.
//! - TryItOn: `POST /api/v1/tryon/clothes` (newest SDK: `/api/v1/tryon/fashion`) →
//!   `{"ok", "jobId"}`; `GET /api/v1/status/{id}` → `{"ok", "status", "output",
//!   "error"}`; category auto|clothing|…, subcategory tops|bottoms|dresses; its SDK
//!   dropped seed, segmentation_free and garment_photo_type.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use serde_json::{json, Map, Value};
use tryon_protocol::{
    ApiError, Category, ErrorName, GarmentPhotoType, JobStatus, Mode, TryOnRequest,
};

use super::budget::Limit;
use crate::job_status::EngineStatus;

/// A hosted API's shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// Our contract as written (docs/api.md): the sandbox and third-party stand-ins.
    Contract,
    /// TryItOn (`https://tryiton.now`).
    TryItOn,
    /// FASHN (`https://api.fashn.ai`) with one of its models.
    Fashn(FashnModel),
}

/// The FASHN model jobs run on (`TRYON_UPSTREAM_MODEL`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FashnModel {
    /// `tryon-v1.6`: the contract's inputs, 1 credit, ~5–17 s.
    V16,
    /// `tryon-max`: other input names, 2–5 credits, 20–120 s.
    Max,
}

impl FashnModel {
    /// The model's name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            FashnModel::V16 => "tryon-v1.6",
            FashnModel::Max => "tryon-max",
        }
    }
}

impl FromStr for FashnModel {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "tryon-v1.6" => Ok(FashnModel::V16),
            "tryon-max" => Ok(FashnModel::Max),
            other => Err(format!(
                "TRYON_UPSTREAM_MODEL `{other}` is not a FASHN try-on model this gateway maps: use tryon-v1.6 or tryon-max"
            )),
        }
    }
}

impl fmt::Display for Dialect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Dialect::Contract => "contract",
            Dialect::TryItOn => "tryiton",
            Dialect::Fashn(_) => "fashn",
        })
    }
}

/// Why a request cannot go to this dialect: the field, and what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotCarried {
    /// The contract's field.
    pub field: &'static str,
    /// A sentence for the merchant.
    pub message: String,
}

/// What a submit answer said.
#[derive(Debug, Clone, PartialEq)]
pub enum Submitted {
    /// The provider's job id.
    Id(String),
    /// The provider refused the job and said why.
    Refused(ApiError),
    /// Neither: the answer was unreadable.
    Unreadable,
}

impl Dialect {
    /// The dialect named by `TRYON_UPSTREAM` (and, for FASHN, `TRYON_UPSTREAM_MODEL`).
    pub fn parse(name: &str, model: Option<&str>) -> Result<Dialect, String> {
        match name {
            "contract" => Ok(Dialect::Contract),
            "tryiton" => Ok(Dialect::TryItOn),
            "fashn" => Ok(Dialect::Fashn(model.unwrap_or("tryon-v1.6").parse()?)),
            other => Err(format!(
                "TRYON_UPSTREAM `{other}` is not a dialect this gateway speaks: use fashn, tryiton or contract"
            )),
        }
    }

    /// The provider's public base URL (`None`: the contract has no host of its own).
    pub fn default_base(self) -> Option<&'static str> {
        match self {
            Dialect::Contract => None,
            Dialect::TryItOn => Some("https://tryiton.now"),
            Dialect::Fashn(_) => Some("https://api.fashn.ai"),
        }
    }

    /// The submit path (overridable with `TRYON_UPSTREAM_SUBMIT_PATH`).
    pub fn submit_path(self) -> &'static str {
        match self {
            Dialect::Contract => "/api/v1/tryon/clothes",
            // Its current SDK's path (`tryiton` 2.0.0); `/clothes` still answers and
            // stays reachable with TRYON_UPSTREAM_SUBMIT_PATH.
            Dialect::TryItOn => "/api/v1/tryon/fashion",
            Dialect::Fashn(_) => "/v1/run",
        }
    }

    /// The status path, the job id appended (overridable with `TRYON_UPSTREAM_STATUS_PATH`).
    pub fn status_path(self) -> &'static str {
        match self {
            Dialect::Contract | Dialect::TryItOn => "/api/v1/status",
            Dialect::Fashn(_) => "/v1/status",
        }
    }

    /// The provider's published limits per key: (submits, status reads).
    pub fn published_limits(self) -> (Option<Limit>, Option<Limit>) {
        let limit = |requests, seconds| {
            Some(Limit {
                requests,
                per: Duration::from_secs(seconds),
            })
        };
        match self {
            // FASHN: /v1/run 50 per 60 s, /v1/status 50 per 10 s.
            Dialect::Fashn(_) => (limit(50, 60), limit(50, 10)),
            // None published: unlimited until the merchant sets them.
            Dialect::TryItOn | Dialect::Contract => (None, None),
        }
    }

    /// The provider's name, for messages.
    pub fn provider(self) -> &'static str {
        match self {
            Dialect::Contract => "upstream",
            Dialect::TryItOn => "TryItOn",
            Dialect::Fashn(_) => "FASHN",
        }
    }

    /// Whether the provider calls back on a terminal state (`?webhook_url=`).
    pub fn offers_webhooks(self) -> bool {
        matches!(self, Dialect::Fashn(_))
    }

    /// The provider's submit body for a contract request.
    pub fn submit_body(self, r: &TryOnRequest) -> Result<Value, NotCarried> {
        let defaults = TryOnRequest::new("", "");
        match self {
            Dialect::Contract => Ok(serde_json::to_value(r).expect("a request serialises")),
            Dialect::Fashn(FashnModel::V16) => {
                let mut inputs = serde_json::to_value(r).expect("a request serialises");
                // CDN URLs, not megabytes of base64 in every status answer.
                inputs["return_base64"] = json!(false);
                Ok(json!({ "model_name": FashnModel::V16.as_str(), "inputs": inputs }))
            }
            Dialect::Fashn(FashnModel::Max) => {
                let refuse_unless_default = [
                    (
                        "moderation_level",
                        r.moderation_level != defaults.moderation_level,
                    ),
                    (
                        "segmentation_free",
                        r.segmentation_free != defaults.segmentation_free,
                    ),
                    (
                        "garment_photo_type",
                        r.garment_photo_type != GarmentPhotoType::Auto,
                    ),
                ];
                refuse(self, &refuse_unless_default)?;
                let generation_mode = match r.mode {
                    Mode::Performance => {
                        return Err(not_carried(
                            self,
                            "mode",
                            "tryon-max has no `performance` mode (balanced or quality only)",
                        ))
                    }
                    Mode::Balanced => "balanced",
                    Mode::Quality => "quality",
                };
                let mut inputs = Map::new();
                inputs.insert("model_image".into(), json!(r.model_image));
                inputs.insert("product_image".into(), json!(r.garment_image));
                inputs.insert("num_images".into(), json!(r.num_samples));
                inputs.insert("generation_mode".into(), json!(generation_mode));
                inputs.insert("output_format".into(), json!(r.output_format));
                inputs.insert("seed".into(), json!(r.seed));
                inputs.insert("return_base64".into(), json!(false));
                Ok(json!({ "model_name": FashnModel::Max.as_str(), "inputs": inputs }))
            }
            Dialect::TryItOn => {
                // Its current SDK dropped these: a non-default value would be lost.
                // `seed` is left to TryItOn (it only picks among equally good results).
                refuse(
                    self,
                    &[
                        (
                            "segmentation_free",
                            r.segmentation_free != defaults.segmentation_free,
                        ),
                        (
                            "garment_photo_type",
                            r.garment_photo_type != GarmentPhotoType::Auto,
                        ),
                    ],
                )?;
                let (category, subcategory) = match r.category {
                    Category::Auto => ("auto", None),
                    Category::Tops => ("clothing", Some("tops")),
                    Category::Bottoms => ("clothing", Some("bottoms")),
                    Category::OnePieces => ("clothing", Some("dresses")),
                };
                let mut body = Map::new();
                body.insert("model_image".into(), json!(r.model_image));
                body.insert("garment_image".into(), json!(r.garment_image));
                body.insert("category".into(), json!(category));
                if let Some(sub) = subcategory {
                    body.insert("subcategory".into(), json!(sub));
                }
                body.insert("mode".into(), json!(r.mode));
                body.insert("num_samples".into(), json!(r.num_samples));
                body.insert("output_format".into(), json!(r.output_format));
                body.insert("moderation_level".into(), json!(r.moderation_level));
                Ok(Value::Object(body))
            }
        }
    }

    /// Reads a 2xx submit answer.
    pub fn read_submit(self, body: &Value) -> Submitted {
        if let Some(error) = error_in(self, body) {
            return Submitted::Refused(error);
        }
        let id = match self {
            Dialect::TryItOn => body.get("jobId").or_else(|| body.get("id")),
            _ => body.get("id").or_else(|| body.get("jobId")),
        };
        match id.and_then(Value::as_str) {
            Some(id) if !id.is_empty() => Submitted::Id(id.to_owned()),
            _ => Submitted::Unreadable,
        }
    }

    /// Reads a 2xx status answer; `None` when it is unreadable.
    pub fn read_status(self, body: &Value) -> Option<EngineStatus> {
        let status = JobStatus::from(body.get("status")?.as_str()?);
        let output = match body.get("output") {
            Some(Value::Array(items)) => Some(
                items
                    .iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect::<Vec<_>>(),
            ),
            _ => None,
        };
        // TryItOn answers `output: []` while running; only a finished job has pictures.
        let output = output.filter(|o| !o.is_empty() || status == JobStatus::Completed);
        let error = error_in(self, body);
        // The contract ends a job `completed` or `failed`: FASHN's other two ends are
        // failures with a name and a message saying what happened.
        let provider = self.provider();
        let (status, error) = match status {
            JobStatus::Canceled => (
                JobStatus::Failed,
                error.or_else(|| {
                    Some(ApiError::new(
                        ErrorName::PipelineError,
                        format!("{provider} cancelled the job before it finished (canceled): please try again."),
                    ))
                }),
            ),
            JobStatus::TimedOut => (
                JobStatus::Failed,
                error.or_else(|| {
                    Some(ApiError::new(
                        ErrorName::PipelineError,
                        format!("{provider} ran out of time on the job (time_out): please try again."),
                    ))
                }),
            ),
            other => (other, error),
        };
        Some(EngineStatus {
            status,
            output,
            error,
            engine_ms: None,
            credits: None,
        })
    }
}

fn not_carried(dialect: Dialect, field: &'static str, why: &str) -> NotCarried {
    NotCarried {
        field,
        message: format!(
            "`{field}` cannot be sent to the hosted API this gateway uses (TRYON_UPSTREAM={dialect}): {why}. Leave it at the contract's default."
        ),
    }
}

fn refuse(dialect: Dialect, checks: &[(&'static str, bool)]) -> Result<(), NotCarried> {
    match checks.iter().find(|(_, set)| *set) {
        Some((field, _)) => Err(not_carried(dialect, field, "this model has no such option")),
        None => Ok(()),
    }
}

/// The error an answer carries: `{"error": {"name", "message"}}` (status answers) or
/// the flat `{"error": "Name", "message": "…"}` (refusals before a job id), with the
/// provider's own names mapped to the nearest contract name (the original kept in
/// the message).
pub fn error_in(dialect: Dialect, body: &Value) -> Option<ApiError> {
    // FASHN's run answer says what went wrong in a sentence, not a name:
    // `{"id": null, "error": "…"}` (its SDK types `error` as a string there).
    if let (Dialect::Fashn(_), Some(Value::String(sentence)), None) =
        (dialect, body.get("error"), body.get("message"))
    {
        if sentence.contains(' ') {
            return Some(by_meaning(dialect, sentence));
        }
    }
    let (name, message) = raw_error(body)?;
    Some(nearest(dialect, name, message))
}

/// A provider's error given only as a sentence, named by what it says; the sentence is
/// kept. A refusal of the merchant's account (credits, key) is `UpstreamRejected`:
/// nothing the shopper can change.
fn by_meaning(dialect: Dialect, sentence: &str) -> ApiError {
    let said = sentence.to_lowercase();
    let says = |words: &[&str]| words.iter().any(|w| said.contains(w));
    let name = if says(&[
        "credit",
        "balance",
        "billing",
        "payment",
        "api key",
        "unauthori",
    ]) {
        ErrorName::UpstreamRejected
    } else if says(&["moderat", "nsfw", "inappropriate", "explicit"]) {
        ErrorName::ContentModerationError
    } else if says(&["pose", "no person", "body", "human"]) {
        ErrorName::PoseError
    } else if says(&["image", "url", "download", "decode", "format"]) {
        ErrorName::ImageLoadError
    } else {
        ErrorName::InvalidRequest
    };
    ApiError::new(name, format!("{sentence} ({})", dialect.provider()))
}

/// The name and message of an answer's error, in either shape, as the provider wrote them.
fn raw_error(body: &Value) -> Option<(&str, &str)> {
    fn text(v: Option<&Value>) -> &str {
        v.and_then(Value::as_str).unwrap_or("")
    }
    match body.get("error")? {
        Value::Object(e) => Some((e.get("name")?.as_str()?, text(e.get("message")))),
        Value::String(name) => Some((name.as_str(), text(body.get("message")))),
        _ => None,
    }
}

/// The provider's own error name in a status answer, when the contract does not know
/// it (then shoppers were given the nearest contract name): for the metrics.
pub fn provider_error_name(body: &Value) -> Option<String> {
    let (name, _) = raw_error(body)?;
    matches!(ErrorName::from(name), ErrorName::Other(_)).then(|| name.to_owned())
}

/// A provider's error name as the contract's nearest one. Names the contract knows
/// pass through; the others keep their original name in the message, so support and
/// the logs still see what the provider said.
pub fn nearest(dialect: Dialect, name: &str, message: &str) -> ApiError {
    let known = ErrorName::from(name);
    if !matches!(known, ErrorName::Other(_)) {
        return ApiError::new(known, message);
    }
    let mapped = match name {
        // The photo or garment could not be used as given.
        "InputValidationError" | "ImageError" => ErrorName::ImageLoadError,
        // A refusal of the request itself, before any job.
        "BadRequest" => ErrorName::InvalidRequest,
        "3rdPartyProviderError" | "ThirdPartyProviderError" => ErrorName::ThirdPartyError,
        "ModerationError" => ErrorName::ContentModerationError,
        // Their own failures: retrying is free, as with the contract's PipelineError.
        _ => ErrorName::PipelineError,
    };
    let provider = dialect.provider();
    let message = if message.is_empty() {
        format!("{provider} reported {name}.")
    } else {
        format!("{message} ({provider}: {name})")
    };
    ApiError::new(mapped, message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tryon_protocol::ModerationLevel;

    fn request() -> TryOnRequest {
        TryOnRequest::new(
            "data:image/jpeg;base64,AAAA",
            "https://shop.example/tee.png",
        )
    }

    #[test]
    fn fashns_canceled_and_time_out_end_failed_with_a_name_and_why() {
        let fashn = Dialect::Fashn(FashnModel::V16);
        for (wire, said) in [("canceled", "cancelled"), ("time_out", "ran out of time")] {
            let read = fashn
                .read_status(&json!({"id": "j", "status": wire, "output": null, "error": null}))
                .unwrap();
            assert_eq!(read.status, JobStatus::Failed, "{wire}");
            let error = read.error.expect("a named error");
            assert_eq!(error.name, ErrorName::PipelineError);
            assert!(
                error.message.contains(said) && error.message.contains("FASHN"),
                "{error:?}"
            );
        }
        // The provider's own error, when it gives one, is kept.
        let read = fashn
            .read_status(&json!({"status": "time_out", "error": {"name": "PollingTimeout", "message": "took too long"}}))
            .unwrap();
        assert_eq!(read.status, JobStatus::Failed);
        assert!(read.error.unwrap().message.contains("PollingTimeout"));
    }

    #[test]
    fn fashns_run_error_is_a_sentence_named_by_its_meaning() {
        let fashn = Dialect::Fashn(FashnModel::V16);
        for (sentence, name) in [
            (
                "Insufficient credits to run this model",
                ErrorName::UpstreamRejected,
            ),
            (
                "Image failed content moderation checks",
                ErrorName::ContentModerationError,
            ),
            (
                "Could not download image from the provided URL",
                ErrorName::ImageLoadError,
            ),
            (
                "Unable to detect a person pose in model image",
                ErrorName::PoseError,
            ),
            (
                "Something unexpected about this request",
                ErrorName::InvalidRequest,
            ),
        ] {
            let Submitted::Refused(error) =
                fashn.read_submit(&json!({"id": null, "error": sentence}))
            else {
                panic!("{sentence}: not a refusal");
            };
            assert_eq!(error.name, name, "{sentence}");
            assert!(
                error.message.starts_with(sentence),
                "the sentence is kept: {error:?}"
            );
        }
        // The flat refusal shape still reads as a name and a message.
        let flat = error_in(
            fashn,
            &json!({"error": "OutOfCredits", "message": "Top up."}),
        )
        .unwrap();
        assert!(flat.message.contains("OutOfCredits"), "{flat:?}");
        // No error: the id.
        assert_eq!(
            fashn.read_submit(&json!({"id": "abc", "error": null})),
            Submitted::Id("abc".into())
        );
    }

    #[test]
    fn tryitons_submit_path_is_its_current_sdks() {
        assert_eq!(Dialect::TryItOn.submit_path(), "/api/v1/tryon/fashion");
        assert_eq!(Dialect::Contract.submit_path(), "/api/v1/tryon/clothes");
    }

    #[test]
    fn tryiton_gets_clothing_with_a_subcategory_and_none_of_what_it_dropped() {
        for (category, wire, sub) in [
            (Category::Tops, "clothing", Some("tops")),
            (Category::Bottoms, "clothing", Some("bottoms")),
            (Category::OnePieces, "clothing", Some("dresses")),
            (Category::Auto, "auto", None),
        ] {
            let mut r = request();
            r.category = category;
            let body = Dialect::TryItOn.submit_body(&r).unwrap();
            assert_eq!(body["category"], wire);
            assert_eq!(body.get("subcategory").and_then(Value::as_str), sub);
            for dropped in ["seed", "segmentation_free", "garment_photo_type"] {
                assert!(body.get(dropped).is_none(), "{dropped} sent to TryItOn");
            }
            assert_eq!(body["moderation_level"], "permissive");
        }
        let mut r = request();
        r.garment_photo_type = GarmentPhotoType::FlatLay;
        let refused = Dialect::TryItOn.submit_body(&r).unwrap_err();
        assert_eq!(refused.field, "garment_photo_type");
        assert!(refused.message.contains("TRYON_UPSTREAM=tryiton"));
    }

    #[test]
    fn fashn_v16_carries_the_contract_and_max_renames_or_refuses() {
        let body = Dialect::Fashn(FashnModel::V16)
            .submit_body(&request())
            .unwrap();
        assert_eq!(body["model_name"], "tryon-v1.6");
        assert_eq!(
            body["inputs"]["garment_image"],
            "https://shop.example/tee.png"
        );
        assert_eq!(body["inputs"]["seed"], 42);
        assert_eq!(body["inputs"]["return_base64"], false);

        let mut r = request();
        r.num_samples = 2;
        r.mode = Mode::Quality;
        let max = Dialect::Fashn(FashnModel::Max).submit_body(&r).unwrap();
        assert_eq!(max["model_name"], "tryon-max");
        assert_eq!(
            max["inputs"]["product_image"],
            "https://shop.example/tee.png"
        );
        assert_eq!(max["inputs"]["num_images"], 2);
        assert_eq!(max["inputs"]["generation_mode"], "quality");
        assert!(max["inputs"].get("garment_image").is_none());
        assert!(max["inputs"].get("category").is_none());

        r.mode = Mode::Performance;
        let refused = Dialect::Fashn(FashnModel::Max).submit_body(&r).unwrap_err();
        assert_eq!(refused.field, "mode");
        let mut r = request();
        r.moderation_level = ModerationLevel::Conservative;
        let refused = Dialect::Fashn(FashnModel::Max).submit_body(&r).unwrap_err();
        assert_eq!(refused.field, "moderation_level");
        assert!(refused.message.contains("TRYON_UPSTREAM=fashn"));
    }

    #[test]
    fn answers_are_read_in_each_shape() {
        assert_eq!(
            Dialect::TryItOn.read_submit(&json!({"ok": true, "jobId": "t1"})),
            Submitted::Id("t1".into())
        );
        assert_eq!(
            Dialect::Fashn(FashnModel::V16).read_submit(&json!({"id": "f1", "error": null})),
            Submitted::Id("f1".into())
        );
        assert_eq!(
            Dialect::Fashn(FashnModel::V16).read_submit(&json!({"id": null})),
            Submitted::Unreadable
        );
        let running = Dialect::TryItOn
            .read_status(&json!({"ok": true, "status": "processing", "output": [], "error": null}))
            .unwrap();
        assert_eq!(running.status, JobStatus::Processing);
        assert_eq!(running.output, None);
        let done = Dialect::TryItOn
            .read_status(&json!({"ok": true, "status": "completed", "output": ["https://cdn/x.webp"], "error": null}))
            .unwrap();
        assert_eq!(done.output.unwrap(), ["https://cdn/x.webp"]);
        let failed = Dialect::TryItOn
            .read_status(&json!({"ok": true, "status": "failed", "output": [], "error": {"name": "ProcessingError", "message": "boom"}}))
            .unwrap();
        let error = failed.error.unwrap();
        assert_eq!(error.name, ErrorName::PipelineError);
        assert_eq!(error.message, "boom (TryItOn: ProcessingError)");
        let canceled = Dialect::Fashn(FashnModel::V16)
            .read_status(&json!({"id": "f", "status": "canceled", "output": null, "error": null}))
            .unwrap();
        assert_eq!(canceled.error.unwrap().name, ErrorName::PipelineError);
    }

    #[test]
    fn provider_names_map_to_the_nearest_contract_name() {
        let fashn = Dialect::Fashn(FashnModel::V16);
        for (name, nearest_name) in [
            ("PoseError", ErrorName::PoseError),
            ("InputValidationError", ErrorName::ImageLoadError),
            ("3rdPartyProviderError", ErrorName::ThirdPartyError),
            ("LoRALoadError", ErrorName::PipelineError),
            ("InternalServerError", ErrorName::PipelineError),
            ("SomethingNew", ErrorName::PipelineError),
        ] {
            let e = nearest(fashn, name, "why");
            assert_eq!(e.name, nearest_name, "{name}");
            if !matches!(ErrorName::from(name), ErrorName::Other(_)) {
                assert_eq!(e.message, "why");
            } else {
                assert!(e.message.contains(name), "{name} kept in {}", e.message);
            }
        }
        let flat = error_in(
            fashn,
            &json!({"error": "OutOfCredits", "message": "Top up"}),
        )
        .unwrap();
        assert!(flat.message.contains("OutOfCredits"));
    }

    #[test]
    fn dialects_and_models_are_named_in_the_configuration() {
        assert_eq!(
            Dialect::parse("fashn", None).unwrap(),
            Dialect::Fashn(FashnModel::V16)
        );
        assert_eq!(
            Dialect::parse("fashn", Some("tryon-max")).unwrap(),
            Dialect::Fashn(FashnModel::Max)
        );
        assert!(Dialect::parse("fashn", Some("tryon-v9"))
            .unwrap_err()
            .contains("tryon-v1.6 or tryon-max"));
        assert!(Dialect::parse("replicate", None)
            .unwrap_err()
            .contains("fashn, tryiton or contract"));
    }
}
