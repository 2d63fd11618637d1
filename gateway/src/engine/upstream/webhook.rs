//! Webhooks from the hosted API: where the provider is asked to call back, and what a
//! callback may do.
//!
//! FASHN does not sign its deliveries, so a callback proves nothing by its body. Each
//! job is submitted with its own callback URL carrying an unguessable ticket: a random
//! nonce sealed with the gateway's secret (no state is needed to check the seal). A
//! callback whose seal is wrong is forged and refused; one whose job is followed here
//! under another nonce is forged too. A good one is only a *hint*: the job's reader
//! reads the status itself (once, within the per-job interval), and only what that read
//! says reaches shoppers. A forged or replayed body can never put a picture on a
//! screen, and a callback for a job that has already ended reads nothing.

use serde_json::Value;

use crate::job_handle::JobHandles;
use crate::token::random_hex;

/// The gateway's route for callbacks; the ticket follows after a `/`.
pub const CALLBACK_PATH: &str = "/v1/upstream/callbacks";

/// Mints and checks callback tickets.
pub struct Tickets {
    seals: JobHandles,
    public_url: String,
}

/// The URL a job is submitted with, and the nonce it binds.
#[derive(Debug, Clone)]
pub struct CallbackUrl {
    /// The job's nonce, kept with the job.
    pub nonce: String,
    /// `https://gateway.example/v1/upstream/callbacks/<ticket>`.
    pub url: String,
}

/// What became of a delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// The job's reader will confirm it with a status read of its own.
    Confirming,
    /// The job has already ended (or a confirmation is already due): nothing to do.
    Duplicate,
    /// The ticket's seal is wrong, or it belongs to another job.
    Forged,
    /// A good ticket for a job this process does not follow (nobody waits on it here).
    Unknown,
}

impl Delivery {
    /// The outcome's name in metrics.
    pub fn as_str(self) -> &'static str {
        match self {
            Delivery::Confirming => "confirmed",
            Delivery::Duplicate => "duplicate",
            Delivery::Forged => "forged",
            Delivery::Unknown => "unknown",
        }
    }
}

impl Tickets {
    /// Tickets sealed with `secret`, for a gateway reachable at `public_url`.
    pub fn new(secret: &[u8], public_url: &str) -> Self {
        Tickets {
            seals: JobHandles::for_purpose(b"upstream-callback:", secret),
            public_url: public_url.trim_end_matches('/').to_owned(),
        }
    }

    /// A fresh callback URL for one job.
    pub fn mint(&self) -> CallbackUrl {
        let nonce = random_hex(16);
        let ticket = self.seals.seal("", &nonce);
        CallbackUrl {
            url: format!("{}{CALLBACK_PATH}/{ticket}", self.public_url),
            nonce,
        }
    }

    /// The nonce a ticket carries, if its seal is ours.
    pub fn open(&self, ticket: &str) -> Option<String> {
        self.seals.open("", ticket)
    }
}

/// The job id a delivery names: FASHN posts its status envelope, `{"id", "status", …}`
/// (`jobId` in TryItOn's shape).
pub fn job_id_in(body: &Value) -> Option<&str> {
    body.get("id")
        .or_else(|| body.get("jobId"))
        .and_then(Value::as_str)
        .filter(|id| !id.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_ticket_opens_only_with_its_own_seal() {
        let tickets = Tickets::new(b"0123456789abcdef0123456789abcdef", "https://gw.example/");
        let callback = tickets.mint();
        assert!(callback
            .url
            .starts_with("https://gw.example/v1/upstream/callbacks/"));
        let ticket = callback.url.rsplit('/').next().unwrap();
        assert_eq!(
            tickets.open(ticket).as_deref(),
            Some(callback.nonce.as_str())
        );
        // Another gateway's secret, a changed nonce, a job handle: all refused.
        let other = Tickets::new(b"another-secret-another-secret-xx", "https://gw.example");
        assert_eq!(other.open(ticket), None);
        let (_, tag) = ticket.split_once('.').unwrap();
        assert_eq!(tickets.open(&format!("bm9uY2U.{tag}")), None);
        let handle = JobHandles::new(b"0123456789abcdef0123456789abcdef").seal("", "x");
        assert_eq!(tickets.open(&handle), None);
        assert_ne!(tickets.mint().nonce, callback.nonce);
    }

    #[test]
    fn the_job_is_named_in_the_envelope() {
        assert_eq!(
            job_id_in(&json!({"id": "f1", "status": "completed"})),
            Some("f1")
        );
        assert_eq!(job_id_in(&json!({"jobId": "t1"})), Some("t1"));
        assert_eq!(job_id_in(&json!({"id": ""})), None);
        assert_eq!(job_id_in(&json!([1])), None);
    }
}
