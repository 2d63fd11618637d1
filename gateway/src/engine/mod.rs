//! The engines that run try-on jobs, behind one small interface.

pub mod sandbox;
pub mod upstream;

use std::sync::Arc;
use std::time::Instant;

use tryon_protocol::{ApiError, JobStatus, TryOnRequest};

use crate::error::GatewayError;
use sandbox::Sandbox;
use upstream::Upstream;

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
}

impl EngineStatus {
    /// A job still running with this status.
    pub fn running(status: JobStatus) -> Self {
        EngineStatus {
            status,
            output: None,
            error: None,
            engine_ms: None,
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

/// The engine this gateway runs.
#[derive(Clone)]
pub enum Engine {
    /// In process, no key.
    Sandbox(Arc<Sandbox>),
    /// The hosted try-on API.
    Upstream(Arc<Upstream>),
}

impl Engine {
    /// `sandbox` or `upstream`, for logs and metrics.
    pub fn name(&self) -> &'static str {
        match self {
            Engine::Sandbox(_) => "sandbox",
            Engine::Upstream(_) => "upstream",
        }
    }

    /// Starts a job for the shopper at `place`; returns the engine's id for it.
    pub async fn submit(
        &self,
        request: TryOnRequest,
        place: &upstream::fair::Place,
    ) -> Result<String, GatewayError> {
        match self {
            Engine::Sandbox(s) => Ok(s.submit(request).await),
            Engine::Upstream(u) => u.submit(&request, place).await,
        }
    }

    /// The status of a job; `None` if the engine has no such job. Sandbox result
    /// paths are made absolute with `base_url`.
    pub async fn status(
        &self,
        id: &str,
        wait: Option<Wait>,
        base_url: &str,
    ) -> Result<Option<EngineStatus>, GatewayError> {
        match self {
            Engine::Sandbox(s) => Ok(s.status(id, wait).await?.map(|mut st| {
                if let Some(output) = st.output.as_mut() {
                    output
                        .iter_mut()
                        .for_each(|path| *path = format!("{base_url}{path}"));
                }
                st
            })),
            Engine::Upstream(u) => u.status(id, wait).await,
        }
    }
}
