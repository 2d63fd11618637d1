//! The merchant-side try-on gateway.
//!
//! Mints short-lived session tokens for shoppers' browsers, serves the try-on API
//! (`POST /api/v1/tryon/clothes`, `GET /api/v1/status/{id}`) to holders of a token or
//! of the server API key, and runs each job on the hosted API (`upstream`) or on the
//! built-in `sandbox` engine. See the README for the configuration.

pub mod api;
pub mod auth;
pub mod client_address;
pub mod cluster;
pub mod config;
pub mod dropin;
pub mod engine;
pub mod error;
pub mod extract;
pub mod images;
pub mod job_handle;
pub mod job_status;
pub mod memory;
pub mod metrics;
pub mod operator;
pub mod photo_check;
pub mod rate_limit;
pub mod secret;
pub mod serve;
pub mod server_key;
pub mod spending;
pub mod state;
pub mod token;
pub mod unread_body;

pub use api::app;
pub use config::Config;
pub use serve::serve;
pub use state::AppState;

/// The gateway's HTTP client settings for calls it makes (image URLs, the hosted
/// API): a total time limit, a shorter connect limit, and an honest user agent.
pub(crate) fn outbound_client(timeout: std::time::Duration) -> reqwest::ClientBuilder {
    reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout.min(std::time::Duration::from_secs(5)))
        .user_agent(concat!("tryon-gateway/", env!("CARGO_PKG_VERSION")))
}
