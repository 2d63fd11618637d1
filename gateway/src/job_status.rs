//! What a job's status is, and how long a caller waits for it to change: the words
//! the engines, the long-polls and the replicas' fan-out share. A leaf: it imports
//! nothing of the gateway, so the shared-state code and the engines both use it
//! without importing each other.

use std::time::Instant;

use tryon_protocol::{ApiError, JobStatus};

/// What an engine knows of a job (also as replicas share it, in JSON).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct EngineStatus {
    /// Where it stands.
    pub status: JobStatus,
    /// Result URLs (the sandbox's are paths on this gateway).
    pub output: Option<Vec<String>>,
    /// Why it failed.
    pub error: Option<ApiError>,
    /// Milliseconds the engine spent on it, once finished (sandbox only).
    pub engine_ms: Option<u64>,
    /// What the job cost in the provider's credits, once finished, where known: what
    /// FASHN said (`x-fashn-credits-used`), 0 for the sandbox (it spends none).
    /// Replicas that predate it send none.
    #[serde(default)]
    pub credits: Option<f64>,
}

impl EngineStatus {
    /// A job still running with this status.
    pub fn running(status: JobStatus) -> Self {
        EngineStatus {
            status,
            output: None,
            error: None,
            engine_ms: None,
            credits: None,
        }
    }
}

/// A long-poll: answer when the status differs from `since` (default: the status at
/// the time of the request), or at `until`.
#[derive(Debug, Clone)]
pub struct Wait {
    /// Answer no later than this.
    pub until: Instant,
    /// The status the client already knows.
    pub since: Option<JobStatus>,
}
