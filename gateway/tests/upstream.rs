//! The upstream engine against fakes of the hosted APIs that are real HTTP servers
//! (`tryon-fakes`): the contract's, and TryItOn's for the variant that answers
//! `jobId`. Each job's behaviour is asked for by markers in its garment's file name
//! (`tryon_fakes::markers`).

mod common;

use std::time::{Duration, Instant};

use common::*;
use serde_json::{json, Value};
use tryon_fakes::{FakeConfig, FakeUpstream};
use tryon_gateway::config::{EngineChoice, Secret};

const KEY: &str = "sk-upstream-key-that-must-never-leak";

/// A fake of `config`'s API taking only [`KEY`], its 9 s jobs in 450 ms.
async fn fake(mut config: FakeConfig) -> FakeUpstream {
    config.api_keys = vec![KEY.into()];
    config.time_scale = 0.05;
    FakeUpstream::start(config).await.unwrap()
}

/// The contract's fake.
async fn contract() -> FakeUpstream {
    fake(FakeConfig::contract()).await
}

async fn gateway(upstream: &str) -> TestGateway {
    let mut config = test_config();
    config.engine = EngineChoice::Upstream;
    config.upstream = "contract".into();
    config.upstream_url = Some(upstream.to_owned());
    config.upstream_api_key = Secret(KEY.into());
    config.upstream_timeout_seconds = 1.0;
    config.upstream_status_retries = 3;
    config.upstream_poll_seconds = 0.05;
    TestGateway::start(config).await
}

/// The job's next status after `since`, as a long-poll answers it (the gateway's
/// reader follows the job; a status request reads nothing itself).
async fn after(gw: &TestGateway, token: &str, id: &str, since: &str) -> (u16, Value) {
    gw.status(token, id, &format!("wait=10&since={since}"))
        .await
}

/// Long-polls job `id` from `since` to its end: every status it went through, the end
/// last.
async fn to_the_end(gw: &TestGateway, token: &str, id: &str, since: &str) -> Vec<Value> {
    let mut seen: Vec<Value> = Vec::new();
    let mut since = since.to_owned();
    for _ in 0..20 {
        let (code, status) = after(gw, token, id, &since).await;
        assert_eq!(code, 200, "{status}");
        since = status["status"].as_str().unwrap().to_owned();
        seen.push(status);
        if matches!(since.as_str(), "completed" | "failed") {
            return seen;
        }
    }
    panic!("no end after 20 long-polls: {seen:?}");
}

/// A request whose garment file name carries `markers`.
fn body(markers: &str) -> Value {
    json!({
        "model_image": "https://example.com/person.jpg",
        "garment_image": format!("https://example.com/{markers}.png"),
        "mode": "performance"
    })
}

/// Status reads the fake answered for its only job.
fn reads(fake: &FakeUpstream) -> u64 {
    let stats = fake.stats();
    assert!(stats.status_reads_per_job.len() <= 1, "{stats:?}");
    stats.status_reads_per_job.values().sum()
}

fn assert_no_key(value: &Value) {
    assert!(
        !value.to_string().contains(KEY),
        "the API key leaked: {value}"
    );
}

#[tokio::test]
async fn a_job_completes_through_the_upstream() {
    let fake = contract().await;
    let gw = gateway(fake.url()).await;
    let token = gw.token().await;
    let (code, submitted) = gw.submit(&token, &body("tee")).await;
    assert_eq!(code, 200, "{submitted}");
    assert_no_key(&submitted);
    let id = submitted["id"].as_str().unwrap();
    let upstream = &fake.stats().submit_bodies[0];
    assert_eq!(upstream.answer, 200);
    let (_, now) = gw.status(&token, id, "").await;
    assert_eq!(
        now["status"], "starting",
        "known from the submit, nothing read"
    );
    assert_eq!(reads(&fake), 0);
    let seen = to_the_end(&gw, &token, id, "starting").await;
    let done = seen.last().unwrap();
    assert_eq!(done["status"], "completed", "{seen:?}");
    assert_eq!(done["id"], id, "the client sees a session-bound handle");
    let output = done["output"].as_array().unwrap();
    assert_eq!(output.len(), 1);
    assert!(
        output[0].as_str().unwrap().starts_with(fake.url()),
        "{done}"
    );
    // The key went to the upstream, in the header, and only there.
    let authorizations = fake.stats().authorizations;
    assert_eq!(
        authorizations.keys().collect::<Vec<_>>(),
        [&format!("Bearer {KEY}")]
    );
    assert_eq!(gw.state.engine.name(), "upstream");
}

#[tokio::test]
async fn the_variant_answering_job_id_without_id_is_read() {
    // TryItOn's shape under the contract's paths: `{"ok", "jobId"}`, statuses
    // without `id`.
    let fake = fake(FakeConfig::tryiton()).await;
    let gw = gateway(fake.url()).await;
    let token = gw.token().await;
    let (code, submitted) = gw.submit(&token, &body("tee")).await;
    assert_eq!(code, 200, "{submitted}");
    let id = submitted["id"].as_str().unwrap();
    let seen = to_the_end(&gw, &token, id, "starting").await;
    assert_eq!(seen.last().unwrap()["status"], "completed", "{seen:?}");
    assert_eq!(seen.last().unwrap()["id"], id);
}

#[tokio::test]
async fn runtime_errors_pass_through_and_unknown_names_map_to_the_nearest() {
    let fake = contract().await;
    let gw = gateway(fake.url()).await;
    let token = gw.token().await;
    // The provider's own words reach the shopper.
    for (name, message) in [
        ("ImageLoadError", "An input image could not be loaded."),
        (
            "ContentModerationError",
            "The garment is not allowed at this moderation level.",
        ),
        ("PoseError", "No person could be found in the photo."),
        ("PipelineError", "The pipeline failed unexpectedly."),
        ("ThirdPartyError", "A third-party processor failed."),
    ] {
        let status = gw.run(&token, &body(&format!("fail-{name}"))).await;
        assert_eq!(status["status"], "failed");
        assert_eq!(status["error"]["name"], name);
        assert_eq!(status["error"]["message"], message);
    }
    // A name the widget does not know: the nearest contract name, the original kept.
    let status = gw.run(&token, &body("fail-GpuOnFire")).await;
    assert_eq!(status["error"]["name"], "PipelineError");
    assert_eq!(
        status["error"]["message"],
        "The job failed (GpuOnFire). (upstream: GpuOnFire)"
    );
}

#[tokio::test]
async fn unknown_statuses_count_as_running() {
    let fake = contract().await;
    let gw = gateway(fake.url()).await;
    let token = gw.token().await;
    let (_, submitted) = gw.submit(&token, &body("firststatus-warming")).await;
    let id = submitted["id"].as_str().unwrap();
    let seen = to_the_end(&gw, &token, id, "starting").await;
    assert_eq!(seen[0]["status"], "warming", "{seen:?}");
    assert_eq!(seen.last().unwrap()["status"], "completed");
}

#[tokio::test]
async fn status_reads_retry_5xx_then_succeed() {
    let fake = contract().await;
    let gw = gateway(fake.url()).await;
    let token = gw.token().await;
    let (_, submitted) = gw.submit(&token, &body("status503-2")).await;
    let id = submitted["id"].as_str().unwrap();
    // Both 503s are ridden out inside one read: the shopper sees only statuses.
    let seen = to_the_end(&gw, &token, id, "starting").await;
    assert_eq!(seen.last().unwrap()["status"], "completed", "{seen:?}");
    assert_eq!(reads(&fake), 3, "two 503s, then the answer");
}

#[tokio::test]
async fn a_5xx_status_read_waits_the_retry_after_it_carries() {
    let fake = contract().await;
    let gw = gateway(fake.url()).await;
    let token = gw.token().await;
    // Without it the retry would come 0.25 s later.
    let (_, submitted) = gw.submit(&token, &body("status503-1_retryafter-2")).await;
    let t = Instant::now();
    let seen = to_the_end(&gw, &token, submitted["id"].as_str().unwrap(), "starting").await;
    assert_eq!(seen.last().unwrap()["status"], "completed", "{seen:?}");
    assert!(
        t.elapsed() >= Duration::from_millis(1900),
        "waited {:?} for Retry-After: 2",
        t.elapsed()
    );
    assert_eq!(reads(&fake), 2);
}

#[tokio::test]
async fn status_reads_honour_retry_after() {
    let fake = contract().await;
    let gw = gateway(fake.url()).await;
    let token = gw.token().await;
    let (_, submitted) = gw.submit(&token, &body("status429-1")).await;
    let t = Instant::now();
    let (code, _) = after(&gw, &token, submitted["id"].as_str().unwrap(), "starting").await;
    assert_eq!(code, 200);
    assert!(
        t.elapsed() >= Duration::from_millis(950),
        "waited {:?} for Retry-After: 1",
        t.elapsed()
    );
    assert_eq!(reads(&fake), 2);
}

#[tokio::test]
async fn a_failing_upstream_gives_up_after_the_retries_with_a_clear_error() {
    let fake = contract().await;
    let gw = gateway(fake.url()).await;
    let token = gw.token().await;
    let (_, submitted) = gw.submit(&token, &body("status500-1000")).await;
    let (code, status) = after(&gw, &token, submitted["id"].as_str().unwrap(), "starting").await;
    assert_eq!(code, 502);
    assert_eq!(status["error"]["name"], "UpstreamUnavailable");
    assert!(status["error"]["message"]
        .as_str()
        .unwrap()
        .contains("(500)"));
    assert_eq!(reads(&fake), 4, "one read and three retries");
    assert_no_key(&status);
}

#[tokio::test]
async fn status_timeouts_are_retried_then_reported() {
    let fake = contract().await;
    let gw = gateway(fake.url()).await;
    let token = gw.token().await;
    // 60 s of the fake's story: 3 s here, past the gateway's 1 s.
    let (_, submitted) = gw.submit(&token, &body("slowstatus-60")).await;
    let (code, status) = after(&gw, &token, submitted["id"].as_str().unwrap(), "starting").await;
    assert_eq!(code, 504);
    assert_eq!(status["error"]["name"], "UpstreamUnavailable");
    assert_eq!(reads(&fake), 4);
}

#[tokio::test]
async fn a_submit_that_times_out_is_never_sent_twice() {
    let fake = contract().await;
    let gw = gateway(fake.url()).await;
    let token = gw.token().await;
    let (code, answer) = gw.submit(&token, &body("slowsubmit-60")).await;
    assert_eq!(code, 504);
    assert_eq!(answer["error"]["name"], "UpstreamUnavailable");
    assert!(answer["error"]["message"]
        .as_str()
        .unwrap()
        .contains("before submitting again"));
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(fake.stats().submit_bodies.len(), 1);
}

#[tokio::test]
async fn refusals_before_a_job_id_are_explained_without_the_key() {
    let fake = contract().await;
    let gw = gateway(fake.url()).await;
    let token = gw.token().await;
    let (code, answer) = gw.submit(&token, &body("reject-UnauthorizedAccess")).await;
    assert_eq!(code, 502);
    assert_eq!(answer["error"]["name"], "UpstreamRejected");
    assert!(answer["error"]["message"]
        .as_str()
        .unwrap()
        .contains("TRYON_UPSTREAM_API_KEY"));
    assert_no_key(&answer);
    let r = gw
        .http
        .post(format!("{}/api/v1/tryon/clothes", gw.base))
        .bearer_auth(&token)
        .json(&body("reject-ConcurrencyLimitExceeded_retryafter-7"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 429);
    assert_eq!(r.headers()["retry-after"], "7");
    let answer: Value = r.json().await.unwrap();
    assert_eq!(answer["error"]["name"], "RateLimitExceeded");
    assert!(answer["error"]["message"]
        .as_str()
        .unwrap()
        .contains("ConcurrencyLimitExceeded"));
}

#[tokio::test]
async fn an_upstream_retry_after_date_is_passed_on_in_seconds() {
    let fake = contract().await;
    let gw = gateway(fake.url()).await;
    let token = gw.token().await;
    let r = gw
        .http
        .post(format!("{}/api/v1/tryon/clothes", gw.base))
        .bearer_auth(&token)
        .json(&body("reject-ConcurrencyLimitExceeded_retrydate-8"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 429);
    // 8 s from when the fake answered; a second may have turned since.
    let seconds: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((7..=9).contains(&seconds), "Retry-After: {seconds}");
}

#[tokio::test]
async fn an_unreachable_upstream_is_a_502_that_says_so() {
    // A port nothing listens on.
    let port = common::replicas::free_port();
    let gw = gateway(&format!("http://127.0.0.1:{port}")).await;
    let token = gw.token().await;
    let (code, answer) = gw.submit(&token, &body("tee")).await;
    assert_eq!(code, 502);
    assert_eq!(answer["error"]["name"], "UpstreamUnavailable");
    assert!(answer["error"]["message"]
        .as_str()
        .unwrap()
        .contains("could not be reached"));
}

#[tokio::test]
async fn long_poll_follows_the_upstream_until_the_status_changes() {
    let fake = contract().await;
    let gw = gateway(fake.url()).await;
    let token = gw.token().await;
    let (_, submitted) = gw.submit(&token, &body("tee")).await;
    let id = submitted["id"].as_str().unwrap();
    let t = Instant::now();
    let seen = to_the_end(&gw, &token, id, "starting").await;
    assert_eq!(seen.last().unwrap()["status"], "completed");
    assert!(t.elapsed() < Duration::from_secs(5), "{:?}", t.elapsed());
    // Each long-poll answered a change: no status twice in a row.
    for pair in seen.windows(2) {
        assert_ne!(pair[0]["status"], pair[1]["status"], "{seen:?}");
    }
    // A 450 ms job read every 50 ms at most, and not after its end.
    assert!(reads(&fake) <= 12, "{} reads", reads(&fake));
}

#[tokio::test]
async fn a_completed_job_without_pictures_is_a_failure_the_shopper_is_told_about() {
    let fake = contract().await;
    let gw = gateway(fake.url()).await;
    let token = gw.token().await;
    for markers in ["output-empty", "output-none"] {
        let status = gw.run(&token, &body(markers)).await;
        assert_eq!(status["status"], "failed", "{markers}: {status}");
        assert_eq!(status["error"]["name"], "PipelineError", "{status}");
        let message = status["error"]["message"].as_str().unwrap();
        assert!(
            message.contains("without pictures") && message.contains("try again"),
            "{message}"
        );
        assert!(status.get("output").is_none_or(Value::is_null), "{status}");
    }
}
