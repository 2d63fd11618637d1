//! FASHN's webhook deliveries: at the terminal state, a POST of the status envelope to
//! the job's `webhook_url`, unsigned; a non-2xx answer, a connection error or a timeout is
//! retried on the configured schedule (scaled), then given up.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::fake::Fake;
use crate::fashn;

/// Delivers job `id`'s envelope to `url` once the job ends at `at`, retrying as FASHN does.
pub(crate) fn schedule(fake: Arc<Fake>, id: String, url: String, at: Instant) {
    let mut closing = fake.closing.clone();
    tokio::spawn(async move {
        let retries: Vec<Duration> = fake
            .config
            .webhook_retry_delays
            .iter()
            .map(|d| fake.config.scaled(d.as_secs_f64()))
            .collect();
        let mut due = at;
        for retry in std::iter::once(None).chain(retries.into_iter().map(Some)) {
            if let Some(wait) = retry {
                due = Instant::now() + wait;
            }
            tokio::select! {
                _ = tokio::time::sleep_until(due.into()) => {}
                // The fake stopped (or its handle is gone): nobody is left to deliver for.
                _ = closing.wait_for(|closed| *closed) => return,
            }
            if deliver(&fake, &id, &url)
                .await
                .is_ok_and(|status| (200..300).contains(&status))
            {
                return;
            }
        }
        fake.stats.lock().unwrap().webhooks.abandoned += 1;
    });
}

/// One more delivery of a terminal job's envelope to its `webhook_url` (a test's replay).
pub(crate) async fn replay(fake: &Fake, id: &str) -> Result<u16, String> {
    let url = {
        let jobs = fake.jobs.lock().unwrap();
        let job = jobs.get(id).ok_or_else(|| format!("no job {id}"))?;
        job.webhook_url
            .clone()
            .ok_or_else(|| format!("job {id} has no webhook_url"))?
    };
    deliver(fake, id, &url).await
}

/// POSTs the envelope once; the receiver's status, or why there was none.
async fn deliver(fake: &Fake, id: &str, url: &str) -> Result<u16, String> {
    let view = fake.view(id).ok_or_else(|| format!("no job {id}"))?;
    if !view.phase.is_terminal() {
        return Err(format!("job {id} has not ended yet"));
    }
    fake.stats.lock().unwrap().webhooks.attempted += 1;
    let answer = fake
        .http
        .post(url)
        .json(&fashn::envelope(&view))
        .send()
        .await;
    let status = answer.map_err(|e| e.to_string())?.status();
    if status.is_success() {
        fake.stats.lock().unwrap().webhooks.succeeded += 1;
    }
    Ok(status.as_u16())
}
