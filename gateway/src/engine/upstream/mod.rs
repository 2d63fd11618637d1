//! The upstream engine: forwards jobs to the hosted try-on API with the merchant's
//! key ([`client`]), in the API's own shape ([`dialect`]), within its published
//! limits ([`budget`]) and in fair turns ([`fair`]), with one reader per job however
//! many shoppers wait on it ([`tracker`]), and webhooks where the API offers them
//! ([`webhook`]). Failures are worded for the client in [`wording`].
//!
//! A submit is sent again only when it provably never reached the API, or when the
//! API refused it for its rate (no job was made); a provider's 429 pauses the budget
//! and never reaches a shopper whose job runs.

pub mod budget;
pub mod client;
pub mod dialect;
pub mod failure;
pub mod fair;
pub mod shared_reads;
pub mod tracker;
pub mod webhook;
pub mod wording;

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use backon::{BackoffBuilder, ExponentialBuilder};
use serde_json::Value;
use tryon_protocol::{ErrorName, TryOnRequest};

use self::budget::FairAsk;
use self::budget::{Budget, Limit};
use self::client::Api;
pub use self::client::ApiAt;
pub use self::client::{CreditsSink, Paths};
use self::dialect::{Dialect, Submitted};
use self::failure::Failure;
use self::fair::{FairLine, Place};
use self::tracker::{Pace, Tracker};
use self::webhook::{Delivery, Tickets};
use self::wording::busy;
use crate::cluster::Cluster;
use crate::error::GatewayError;
use crate::job_status::{EngineStatus, Wait};
use crate::metrics::Metrics;

/// Everything the upstream engine is configured with.
#[derive(Debug, Clone)]
pub struct UpstreamSettings {
    /// Where the API is and how to call it.
    pub api: ApiAt,
    /// The submit endpoint's limit (`None`: none).
    pub submit_limit: Option<Limit>,
    /// The status endpoint's limit.
    pub status_limit: Option<Limit>,
    /// How long a submit may wait its turn before it is answered 429.
    pub submit_patience: Duration,
    /// Whether waiting submits take turns across addresses and sessions ([`fair`]).
    pub fair_turns: bool,
    /// How the readers pace themselves.
    pub pace: Pace,
    /// With webhooks: the gateway's public URL and its secret for tickets.
    pub callbacks: Option<(String, Vec<u8>)>,
    /// With replicas: the store they share (budget, readers, nonces, statuses).
    pub cluster: Option<Arc<Cluster>>,
    /// Told the cost of each finished job the provider priced.
    pub credits: Option<CreditsSink>,
}

/// The upstream engine.
pub struct Upstream {
    api: Arc<Api>,
    submit_patience: Duration,
    submits: Budget,
    /// Submits waiting for a permit take turns across addresses and sessions.
    line: FairLine,
    fair_turns: bool,
    tracker: Arc<Tracker>,
    tickets: Option<Tickets>,
    metrics: Arc<Metrics>,
}

impl Upstream {
    /// The engine for the API `settings` describe.
    pub fn new(settings: UpstreamSettings, metrics: Arc<Metrics>) -> Self {
        let tickets = settings
            .callbacks
            .as_ref()
            .filter(|_| settings.api.dialect.offers_webhooks())
            .map(|(public_url, secret)| Tickets::new(secret, public_url));
        let mut pace = settings.pace;
        if tickets.is_none() {
            pace.fallback = None;
        }
        let timeout = settings.api.timeout;
        let budget = |limit, endpoint| match &settings.cluster {
            Some(cluster) => Budget::shared(limit, cluster.clone(), endpoint, timeout),
            None => Budget::new(limit),
        };
        let api = Arc::new(Api::new(
            settings.api,
            budget(settings.status_limit, "status"),
            settings.credits,
            metrics.clone(),
        ));
        Upstream {
            submit_patience: settings.submit_patience,
            // Spread when shoppers take fair turns: the next permit is never far.
            submits: if settings.fair_turns {
                budget(settings.submit_limit, "submit").spread()
            } else {
                budget(settings.submit_limit, "submit")
            },
            line: FairLine::default(),
            fair_turns: settings.fair_turns,
            tracker: Tracker::new(
                pace,
                shared_reads::chosen(settings.cluster.as_ref()),
                api.clone(),
            ),
            api,
            tickets,
            metrics,
        }
    }

    /// The API's shape.
    pub fn dialect(&self) -> Dialect {
        self.api.dialect()
    }

    /// Whether jobs are submitted with a callback URL.
    pub fn uses_webhooks(&self) -> bool {
        self.tickets.is_some()
    }

    /// Jobs whose status this process follows now.
    pub fn followed_jobs(&self) -> usize {
        self.tracker.followed()
    }

    /// Submits a job in its turn within the submit budget; returns the API's job id.
    /// Waiting submits take turns round-robin across `place`s ([`fair`]). A submit
    /// that waited `submit_patience` without its turn is answered 429 with the wait
    /// to expect.
    pub async fn submit(
        self: &Arc<Self>,
        request: &TryOnRequest,
        place: &Place,
    ) -> Result<String, GatewayError> {
        let payload = self.dialect().submit_body(request).map_err(|refusal| {
            let mut e = GatewayError::new(
                StatusCode::BAD_REQUEST,
                ErrorName::InvalidRequest,
                refusal.message,
            );
            e.error.field = Some(refusal.field.into());
            e
        })?;
        let callback = self.tickets.as_ref().map(Tickets::mint);
        let deadline = Instant::now() + self.submit_patience;
        // A submit that never reached the API goes again, twice at most.
        let mut not_sent = ExponentialBuilder::default()
            .with_min_delay(Duration::from_millis(250))
            .with_max_times(2)
            .build();
        let body = loop {
            let patience = deadline.saturating_duration_since(Instant::now());
            // Only the holder of the turn asks the budget, so its order is the round's.
            let turn = match self.submits.limit().filter(|_| self.fair_turns) {
                Some(limit) => {
                    let until = tokio::time::Instant::now() + patience;
                    // Out of patience, it comes back after its place (the addresses
                    // with fewer turns lately and its own address's other sessions).
                    let Some(turn) = self.line.turn(place, until).await else {
                        self.metrics.upstream_call("submit", "budget");
                        let ahead = self.line.ahead_of(place) as u32 + 1;
                        let wait = ((limit.per / limit.requests.max(1)) * ahead).min(limit.per);
                        let waiting = self.line.waiting() + self.submits.waiting();
                        return Err(busy(wait, waiting));
                    };
                    Some(turn)
                }
                None => None,
            };
            let patience = deadline.saturating_duration_since(Instant::now());
            // In a fair turn, replicas give a free permit to the fewest turns first.
            let heard_turns = |turns| self.line.saw_turns(&place.address, turns);
            let fair = turn.as_ref().map(|_| FairAsk {
                address: &place.address,
                heard_turns: &heard_turns,
            });
            let asked = self.submits.ticket_for(Some(patience), fair);
            let answer = match &turn {
                Some(held) => tokio::select! {
                    answer = asked => Some(answer),
                    () = held.outranked() => None,
                },
                None => Some(asked.await),
            };
            let Some(answer) = answer else {
                // An address with fewer turns waits behind this submit here: it goes
                // first and claims the next permit; this one queues again.
                if let Some(held) = turn {
                    held.step_aside();
                }
                continue;
            };
            let ticket = match answer {
                Ok(ticket) => ticket,
                Err(wait) => {
                    self.metrics.upstream_call("submit", "budget");
                    return Err(busy(wait, self.line.waiting() + self.submits.waiting()));
                }
            };
            drop(turn);
            let webhook_url = callback.as_ref().map(|c| c.url.as_str());
            let answer = self.api.send_submit(&payload, webhook_url).await;
            ticket.answered();
            let failure = match answer {
                Ok(body) => break body,
                Err(failure) => failure,
            };
            match failure {
                Failure::NotSent => {
                    if let Some(delay) = not_sent.next() {
                        tokio::time::sleep(delay).await;
                        continue;
                    }
                }
                Failure::Timeout | Failure::Broken => {
                    // It may have been accepted: never send it twice behind the client's back.
                    return Err(GatewayError::upstream_unavailable(
                        StatusCode::GATEWAY_TIMEOUT,
                        "The hosted try-on API did not confirm the job in time. It may still run: wait a minute before submitting again.",
                    ));
                }
                _ => {}
            }
            // Refused for its rate: no job was made, so it may go again in its turn.
            if let Some(pause) = failure.rate_limited() {
                self.submits.pause(pause);
                if Instant::now() + pause < deadline {
                    tracing::warn!(
                        ?pause,
                        "the hosted API refused a submit for its rate; waiting"
                    );
                    continue;
                }
            }
            return Err(wording::explain(failure, "submit", &self.api.place()));
        };
        match self.dialect().read_submit(&body) {
            Submitted::Id(id) => {
                let nonce = callback.map(|c| c.nonce);
                self.tracker.follow_submitted(&id, nonce).await;
                Ok(id)
            }
            Submitted::Refused(error) => Err(GatewayError {
                // The merchant's account was refused, not the shopper's request.
                status: if error.name == ErrorName::UpstreamRejected {
                    StatusCode::BAD_GATEWAY
                } else {
                    StatusCode::BAD_REQUEST
                },
                error,
                retry_after: None,
            }),
            Submitted::Unreadable => Err(GatewayError::upstream_unavailable(
                StatusCode::BAD_GATEWAY,
                "The hosted try-on API answered the submit without a job id.",
            )),
        }
    }

    /// A job's status, from its one reader; long-polls when asked.
    pub async fn status(
        self: &Arc<Self>,
        id: &str,
        wait: Option<Wait>,
    ) -> Result<Option<EngineStatus>, GatewayError> {
        self.tracker.status(id, wait).await
    }

    /// Whether `ticket` carries this gateway's seal (checked before any body is read).
    pub fn ticket_is_sealed(&self, ticket: &str) -> bool {
        self.tickets.as_ref().and_then(|t| t.open(ticket)).is_some()
    }

    /// A webhook delivery to `ticket` with `body`: what becomes of it.
    pub async fn callback(&self, ticket: &str, body: &Value) -> Delivery {
        let opened = self.tickets.as_ref().and_then(|t| t.open(ticket));
        let delivery = match (opened, webhook::job_id_in(body)) {
            (Some(nonce), Some(id)) => self.tracker.nudge(id, &nonce).await,
            _ => Delivery::Forged,
        };
        self.metrics.upstream_callback(delivery.as_str());
        delivery
    }
}
