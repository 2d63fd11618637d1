//! Fakes of the hosted try-on APIs the gateway fronts, FASHN, TryItOn and one that
//! kept the contract: real HTTP servers on loopback, written from the providers'
//! published facts (issue #9), for the gateway's tests and benchmark.
//!
//! Each dialect's module says which facts it follows and what it assumes where they are
//! silent ([`fashn`], [`tryiton`], [`contract`]); one builder, [`FakeConfig`], starts
//! any of them; markers in the garment URL's file name choose failures ([`markers`]),
//! the one way to ask a fake for one. Counters: [`FakeUpstream::stats`], or `GET /__fake/stats`.
//!
//! ```no_run
//! # async fn example() -> std::io::Result<()> {
//! use tryon_fakes::{FakeConfig, FakeUpstream};
//!
//! let mut config = FakeConfig::fashn();
//! config.time_scale = 0.01; // a 9 s job in 90 ms, FASHN's 10 s status window in 100 ms
//! let fake = FakeUpstream::start(config).await?;
//! // … point the gateway at fake.url() with key tryon_fakes::DEFAULT_API_KEY …
//! assert_eq!(fake.stats().too_many_requests.status, 0);
//! # Ok(()) }
//! ```

#![warn(missing_docs)]

mod config;
pub mod contract;
mod fake;
pub mod fashn;
mod fields;
mod images;
mod jobs;
mod limits;
pub mod markers;
mod server;
mod stats;
pub mod tryiton;
mod webhook;

use std::io;
use std::sync::Arc;

use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use config::{Dialect, FakeConfig, RateLimit, DEFAULT_API_KEY};
pub use stats::{PerEndpoint, Stats, SubmitRecord, WebhookStats};

/// A running fake: listening until [`FakeUpstream::stop`] or until it is dropped.
pub struct FakeUpstream {
    fake: Arc<fake::Fake>,
    url: String,
    stop: watch::Sender<bool>,
    server: JoinHandle<()>,
}

impl FakeUpstream {
    /// Binds `config.listen` (loopback only) and serves the dialect on it.
    pub async fn start(config: FakeConfig) -> io::Result<FakeUpstream> {
        let invalid = |e: String| io::Error::new(io::ErrorKind::InvalidInput, e);
        config.validate().map_err(invalid)?;
        let listener = tokio::net::TcpListener::bind(config.listen).await?;
        let origin = format!("http://{}", listener.local_addr()?);
        let url = format!("{origin}{}", config.path_prefix);
        let (stop, closing) = watch::channel(false);
        let deliveries = server::deliveries(config.dialect);
        let fake = Arc::new(fake::Fake::new(config, origin, closing, deliveries).map_err(invalid)?);
        let app = server::router(fake.clone());
        let mut stopped = stop.subscribe();
        let server = tokio::spawn(async move {
            let stopped = async move {
                // An error means the handle is gone: stop then too.
                let _ = stopped.wait_for(|stopped| *stopped).await;
            };
            // Serving loopback connections only ever fails by being stopped.
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(stopped)
                .await;
        });
        Ok(FakeUpstream {
            fake,
            url,
            stop,
            server,
        })
    }

    /// The base URL to configure as the upstream, e.g. `http://127.0.0.1:40123`
    /// (with the path prefix, if one was set).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The dialect it speaks.
    pub fn dialect(&self) -> Dialect {
        self.fake.config.dialect
    }

    /// A snapshot of the counters.
    pub fn stats(&self) -> Stats {
        self.fake.stats.lock().unwrap().clone()
    }

    /// Delivers an ended job's webhook once more, as a replayed callback would arrive;
    /// the receiver's HTTP status, or why nothing was delivered.
    pub async fn replay_webhook(&self, job_id: &str) -> Result<u16, String> {
        webhook::replay(&self.fake, job_id).await
    }

    /// Stops listening, gives up pending webhook deliveries, and waits for open
    /// requests to be answered.
    pub async fn stop(mut self) {
        self.stop.send_replace(true);
        let _ = (&mut self.server).await;
    }
}

impl Drop for FakeUpstream {
    fn drop(&mut self) {
        // So a test that forgets to stop its fake does not leave webhooks firing.
        self.stop.send_replace(true);
    }
}
