//! What a fake counted, for tests to assert on and the benchmark to print.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

/// A snapshot of a fake's counters (also `GET /__fake/stats` as JSON).
#[derive(Clone, Debug, Default, Serialize)]
pub struct Stats {
    /// Requests to a submit path, whatever the answer.
    pub submits: u64,
    /// Jobs created (submits answered with an id).
    pub jobs: u64,
    /// Requests to the status path, whatever the answer.
    pub status_reads: u64,
    /// Status requests per existing job id, whatever the answer.
    pub status_reads_per_job: BTreeMap<String, u64>,
    /// 429 answers, by endpoint (rate limits, concurrency, credits alike).
    pub too_many_requests: PerEndpoint,
    /// Every refusal before or outside a job, by error name (`RateLimitExceeded`, …).
    pub refusals: BTreeMap<String, u64>,
    /// Webhook deliveries.
    pub webhooks: WebhookStats,
    /// Every submit whose body was JSON, in arrival order.
    pub submit_bodies: Vec<SubmitRecord>,
    /// `Authorization` headers of API requests and how often each came (`""`: none).
    pub authorizations: BTreeMap<String, u64>,
}

/// A count for each API endpoint.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct PerEndpoint {
    /// The submit endpoint(s).
    pub submit: u64,
    /// The status endpoint.
    pub status: u64,
}

/// Webhook deliveries, replays included.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct WebhookStats {
    /// POSTs started.
    pub attempted: u64,
    /// POSTs answered 2xx.
    pub succeeded: u64,
    /// Jobs whose every delivery failed, retries spent.
    pub abandoned: u64,
}

/// One submit as it arrived.
#[derive(Clone, Debug, Serialize)]
pub struct SubmitRecord {
    /// The path it was sent to (without the fake's path prefix).
    pub path: String,
    /// FASHN's `webhook_url` query parameter, if given.
    pub webhook_url: Option<String>,
    /// The names of the try-on fields (FASHN: the keys of `inputs`; TryItOn: of the body).
    pub fields: Vec<String>,
    /// The body; strings over 200 characters (data URLs) cut, their length kept.
    pub body: Value,
    /// The HTTP status of the answer.
    pub answer: u16,
}

impl SubmitRecord {
    /// The body field `name` (FASHN: inside `inputs`), if it was sent.
    pub fn field(&self, name: &str) -> Option<&Value> {
        self.body
            .get("inputs")
            .filter(|_| self.path.ends_with("/run"))
            .unwrap_or(&self.body)
            .get(name)
    }
}

/// Keeps a recorded body small: 200 shoppers' photos as data URLs would be tens of MB.
pub(crate) fn abbreviate(value: &Value) -> Value {
    const KEEP: usize = 200;
    match value {
        Value::String(text) if text.len() > KEEP => {
            let cut = (0..=KEEP)
                .rev()
                .find(|&i| text.is_char_boundary(i))
                .unwrap_or(0);
            Value::String(format!("{}…({} bytes)", &text[..cut], text.len()))
        }
        Value::Array(items) => Value::Array(items.iter().map(abbreviate).collect()),
        Value::Object(fields) => Value::Object(
            fields
                .iter()
                .map(|(k, v)| (k.clone(), abbreviate(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn long_strings_are_cut_and_short_ones_kept() {
        let photo = format!("data:image/jpeg;base64,{}", "A".repeat(5000));
        let kept = abbreviate(&json!({"inputs": {"model_image": photo, "mode": "quality"}}));
        let cut = kept["inputs"]["model_image"].as_str().unwrap();
        assert!(cut.starts_with("data:image/jpeg;base64,AAA"));
        assert!(cut.ends_with("…(5023 bytes)"), "{cut}");
        assert!(cut.len() < 230);
        assert_eq!(kept["inputs"]["mode"], "quality");
    }
}
