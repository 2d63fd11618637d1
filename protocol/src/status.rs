//! Job statuses and the submit and status responses, with the upstream variants the
//! reference lists (`jobId` for `id`, `ok`, extra statuses).

use serde::{Deserialize, Serialize};
use std::fmt;

use crate::error::ApiError;

/// Where a job stands. Unknown names are kept and count as still running.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum JobStatus {
    /// Accepted, not yet queued.
    Starting,
    /// Waiting for a worker.
    InQueue,
    /// Generating.
    Processing,
    /// Done: `output` holds the images.
    Completed,
    /// Done: `error` says why.
    Failed,
    /// Upstream variant (FASHN SDK): stopped on request; terminal.
    Canceled,
    /// Upstream variant (FASHN SDK): ran out of time; terminal.
    TimedOut,
    /// A status this crate does not know; treated as still running.
    Other(String),
}

impl JobStatus {
    /// The name on the wire.
    pub fn as_str(&self) -> &str {
        match self {
            JobStatus::Starting => "starting",
            JobStatus::InQueue => "in_queue",
            JobStatus::Processing => "processing",
            JobStatus::Completed => "completed",
            JobStatus::Failed => "failed",
            JobStatus::Canceled => "canceled",
            JobStatus::TimedOut => "time_out",
            JobStatus::Other(s) => s,
        }
    }

    /// Whether the job has finished, well or badly. Unknown statuses have not.
    pub fn is_terminal(&self) -> bool {
        matches!(
            self,
            JobStatus::Completed | JobStatus::Failed | JobStatus::Canceled | JobStatus::TimedOut
        )
    }
}

impl From<&str> for JobStatus {
    fn from(s: &str) -> Self {
        match s {
            "starting" => JobStatus::Starting,
            "in_queue" => JobStatus::InQueue,
            "processing" => JobStatus::Processing,
            "completed" => JobStatus::Completed,
            "failed" => JobStatus::Failed,
            "canceled" | "cancelled" => JobStatus::Canceled,
            "time_out" => JobStatus::TimedOut,
            other => JobStatus::Other(other.to_owned()),
        }
    }
}

impl fmt::Display for JobStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for JobStatus {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for JobStatus {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Ok(JobStatus::from(s.as_ref()))
    }
}

/// The answer to a submit: `{"id": "…", "error": null}`. Reads `jobId` as `id`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubmitResponse {
    /// The job id to poll; absent when the submit failed.
    #[serde(alias = "jobId", default)]
    pub id: Option<String>,
    /// Why the submit failed, if it did.
    #[serde(default)]
    pub error: Option<ApiError>,
}

/// The answer to a status read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusResponse {
    /// The job id. Reads `jobId` as `id`.
    #[serde(alias = "jobId", default)]
    pub id: String,
    /// Where the job stands.
    pub status: JobStatus,
    /// Result image URLs, once completed (`num_samples` of them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output: Option<Vec<String>>,
    /// Why the job failed, once failed.
    #[serde(default)]
    pub error: Option<ApiError>,
}

impl StatusResponse {
    /// A status without output or error.
    pub fn running(id: impl Into<String>, status: JobStatus) -> Self {
        StatusResponse {
            id: id.into(),
            status,
            output: None,
            error: None,
        }
    }
}
