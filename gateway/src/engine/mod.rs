//! The engines that run try-on jobs, behind one small interface.

pub mod sandbox;
pub mod upstream;

use std::sync::Arc;

use tryon_protocol::TryOnRequest;

use crate::error::GatewayError;
pub use crate::job_status::{EngineStatus, Wait};
use sandbox::Sandbox;
use upstream::Upstream;

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
