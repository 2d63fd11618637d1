//! The upstream engine against a fake hosted API that is a real HTTP server.

mod common;

use std::time::{Duration, Instant};

use common::fake_upstream;
use common::*;
use serde_json::{json, Value};
use tryon_gateway::config::{EngineChoice, Secret};

const KEY: &str = "sk-upstream-key-that-must-never-leak";

async fn gateway(upstream: &str) -> TestGateway {
    let mut config = test_config();
    config.engine = EngineChoice::Upstream;
    // The fake speaks the contract (and its upstream variants).
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

fn body(scenario: &str) -> Value {
    json!({
        "model_image": "https://example.com/person.jpg",
        "garment_image": format!("https://example.com/{scenario}.png"),
        "mode": "performance"
    })
}

fn assert_no_key(value: &Value) {
    assert!(
        !value.to_string().contains(KEY),
        "the API key leaked: {value}"
    );
}

#[tokio::test]
async fn a_job_completes_through_the_upstream_with_its_variants() {
    let (upstream, seen) = fake_upstream::start().await;
    let gw = gateway(&upstream).await;
    let token = gw.token().await;
    let (code, submitted) = gw.submit(&token, &body("ok")).await;
    assert_eq!(code, 200, "{submitted}");
    assert_no_key(&submitted);
    let id = submitted["id"].as_str().unwrap();
    assert!(
        !id.starts_with("ok-"),
        "the client sees a session-bound handle, not the upstream id"
    );
    let (_, submitted) = gw.status(&token, id, "").await;
    assert_eq!(
        submitted["status"], "starting",
        "known from the submit, nothing read"
    );
    assert_eq!(seen.reads(&format!("ok-{}", 0)), 0);
    let (_, first) = after(&gw, &token, id, "starting").await;
    assert_eq!(first["status"], "processing");
    assert_eq!(first["id"], id);
    let (_, done) = after(&gw, &token, id, "processing").await;
    assert_eq!(done["status"], "completed");
    assert_eq!(
        done["output"],
        json!(["https://cdn.example/tryons/1/output.webp"])
    );
    // The key went to the upstream, in the header, and only there.
    assert_eq!(
        seen.authorizations.lock().unwrap().as_slice(),
        [format!("Bearer {KEY}")]
    );
    assert_eq!(gw.state.engine.name(), "upstream");
}

#[tokio::test]
async fn runtime_errors_pass_through_and_unknown_names_map_to_the_nearest() {
    let (upstream, _) = fake_upstream::start().await;
    let gw = gateway(&upstream).await;
    let token = gw.token().await;
    for name in [
        "ImageLoadError",
        "ContentModerationError",
        "PoseError",
        "PipelineError",
        "ThirdPartyError",
    ] {
        let status = gw.run(&token, &body(name)).await;
        assert_eq!(status["status"], "failed");
        assert_eq!(status["error"]["name"], name);
        assert_eq!(status["error"]["message"], format!("upstream says {name}"));
    }
    // A name the widget does not know: the nearest contract name, the original kept.
    let status = gw.run(&token, &body("GpuOnFire")).await;
    assert_eq!(status["error"]["name"], "PipelineError");
    assert_eq!(
        status["error"]["message"],
        "upstream says GpuOnFire (upstream: GpuOnFire)"
    );
}

#[tokio::test]
async fn unknown_statuses_count_as_running() {
    let (upstream, _) = fake_upstream::start().await;
    let gw = gateway(&upstream).await;
    let token = gw.token().await;
    let (_, submitted) = gw.submit(&token, &body("warming")).await;
    let id = submitted["id"].as_str().unwrap();
    assert_eq!(
        after(&gw, &token, id, "starting").await.1["status"],
        "warming_up"
    );
    assert_eq!(
        after(&gw, &token, id, "warming_up").await.1["status"],
        "completed"
    );
}

#[tokio::test]
async fn status_reads_retry_5xx_then_succeed() {
    let (upstream, seen) = fake_upstream::start().await;
    let gw = gateway(&upstream).await;
    let token = gw.token().await;
    let (_, submitted) = gw.submit(&token, &body("flaky")).await;
    let (code, status) = after(&gw, &token, submitted["id"].as_str().unwrap(), "starting").await;
    assert_eq!((code, status["status"].as_str()), (200, Some("completed")));
    assert_eq!(seen.reads("flaky-0"), 3, "two 503s, then the answer");
}

#[tokio::test]
async fn status_reads_honour_retry_after() {
    let (upstream, seen) = fake_upstream::start().await;
    let gw = gateway(&upstream).await;
    let token = gw.token().await;
    let (_, submitted) = gw.submit(&token, &body("ratelimited")).await;
    let t = Instant::now();
    let (code, _) = after(&gw, &token, submitted["id"].as_str().unwrap(), "starting").await;
    assert_eq!(code, 200);
    assert!(
        t.elapsed() >= Duration::from_millis(950),
        "waited {:?} for Retry-After: 1",
        t.elapsed()
    );
    assert_eq!(seen.reads("ratelimited-0"), 2);
}

#[tokio::test]
async fn a_failing_upstream_gives_up_after_the_retries_with_a_clear_error() {
    let (upstream, seen) = fake_upstream::start().await;
    let gw = gateway(&upstream).await;
    let token = gw.token().await;
    let (_, submitted) = gw.submit(&token, &body("down")).await;
    let (code, status) = after(&gw, &token, submitted["id"].as_str().unwrap(), "starting").await;
    assert_eq!(code, 502);
    assert_eq!(status["error"]["name"], "UpstreamUnavailable");
    assert!(status["error"]["message"]
        .as_str()
        .unwrap()
        .contains("(500)"));
    assert_eq!(seen.reads("down-0"), 4, "one read and three retries");
    assert_no_key(&status);
}

#[tokio::test]
async fn status_timeouts_are_retried_then_reported() {
    let (upstream, seen) = fake_upstream::start().await;
    let gw = gateway(&upstream).await;
    let token = gw.token().await;
    let (_, submitted) = gw.submit(&token, &body("slowstatus")).await;
    let (code, status) = after(&gw, &token, submitted["id"].as_str().unwrap(), "starting").await;
    assert_eq!(code, 504);
    assert_eq!(status["error"]["name"], "UpstreamUnavailable");
    assert_eq!(seen.reads("slowstatus-0"), 4);
}

#[tokio::test]
async fn a_submit_that_times_out_is_never_sent_twice() {
    let (upstream, seen) = fake_upstream::start().await;
    let gw = gateway(&upstream).await;
    let token = gw.token().await;
    let (code, answer) = gw.submit(&token, &body("slowsubmit")).await;
    assert_eq!(code, 504);
    assert_eq!(answer["error"]["name"], "UpstreamUnavailable");
    assert!(answer["error"]["message"]
        .as_str()
        .unwrap()
        .contains("before submitting again"));
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(seen.submits("slowsubmit"), 1);
}

#[tokio::test]
async fn refusals_before_a_job_id_are_explained_without_the_key() {
    let (upstream, _) = fake_upstream::start().await;
    let gw = gateway(&upstream).await;
    let token = gw.token().await;
    let (code, answer) = gw.submit(&token, &body("badkey")).await;
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
        .json(&body("busy"))
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
    let (upstream, _) = fake_upstream::start().await;
    let gw = gateway(&upstream).await;
    let token = gw.token().await;
    let r = gw
        .http
        .post(format!("{}/api/v1/tryon/clothes", gw.base))
        .bearer_auth(&token)
        .json(&body("busyuntil"))
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
    let (code, answer) = gw.submit(&token, &body("ok")).await;
    assert_eq!(code, 502);
    assert_eq!(answer["error"]["name"], "UpstreamUnavailable");
    assert!(answer["error"]["message"]
        .as_str()
        .unwrap()
        .contains("could not be reached"));
}

#[tokio::test]
async fn long_poll_follows_the_upstream_until_the_status_changes() {
    let (upstream, seen) = fake_upstream::start().await;
    let gw = gateway(&upstream).await;
    let token = gw.token().await;
    let (_, submitted) = gw.submit(&token, &body("ok")).await;
    let id = submitted["id"].as_str().unwrap();
    let t = Instant::now();
    let (_, status) = gw.status(&token, id, "wait=10&since=processing").await;
    assert_eq!(status["status"], "completed");
    assert!(t.elapsed() < Duration::from_secs(5), "{:?}", t.elapsed());
    assert_eq!(seen.reads("ok-0"), 2);
}

#[tokio::test]
async fn a_completed_job_without_pictures_is_a_failure_the_shopper_is_told_about() {
    let (upstream, _) = fake_upstream::start().await;
    let gw = gateway(&upstream).await;
    let token = gw.token().await;
    for scenario in ["nopictures", "nooutput"] {
        let status = gw.run(&token, &body(scenario)).await;
        assert_eq!(status["status"], "failed", "{scenario}: {status}");
        assert_eq!(status["error"]["name"], "PipelineError", "{status}");
        let message = status["error"]["message"].as_str().unwrap();
        assert!(
            message.contains("without pictures") && message.contains("try again"),
            "{message}"
        );
        assert!(status.get("output").is_none_or(Value::is_null), "{status}");
    }
}
