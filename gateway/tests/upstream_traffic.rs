//! Many shoppers on the hosted API at once, against the fakes' published limits: one
//! reader per job, the upstream budget, the provider's 429s, and webhooks (forged,
//! replayed, never coming). Times are scaled down; the limits with them.

mod common;

use std::time::{Duration, Instant};

use common::hosted::{config_for, fake_scaled, gateway_with, hosted_job, upstream_id};
use common::*;
use futures_util::future::join_all;
use serde_json::{json, Value};
use tryon_fakes::{FakeConfig, FakeUpstream, RateLimit};
use tryon_gateway::config::LimitSetting;

/// FASHN's story at 1/20 of its pace: 9 s jobs in 0.45 s, its status window of 10 s in
/// 0.5 s, its submit window of 60 s in 3 s.
const SCALE: f64 = 0.05;

/// The gateway's budget set to FASHN's published limits, scaled as the fake scales them.
fn scaled_limits(config: &mut tryon_gateway::Config) {
    config.upstream_submit_limit = Some(format!("50/{}", 60.0 * SCALE).parse().unwrap());
    config.upstream_status_limit = Some(format!("50/{}", 10.0 * SCALE).parse().unwrap());
}

/// One shopper, as the widget behaves: submit (waiting out a 429 as long as it asks),
/// then long-poll until the end. Every answer other than those is an error the
/// shopper would see.
async fn shopper(gw: &TestGateway, token: &str, body: &Value) -> Result<Value, String> {
    let id = loop {
        let (code, answer) = gw.submit(token, body).await;
        match code {
            200 => break answer["id"].as_str().unwrap().to_owned(),
            429 => tokio::time::sleep(Duration::from_millis(200)).await,
            _ => return Err(format!("submit {code}: {answer}")),
        }
    };
    loop {
        let (code, status) = gw.status(token, &id, "wait=5").await;
        if code != 200 {
            return Err(format!("status {code}: {status}"));
        }
        if matches!(status["status"].as_str(), Some("completed" | "failed")) {
            return Ok(status);
        }
    }
}

async fn shoppers(gw: &TestGateway, how_many: usize, garment: &str) -> Vec<Result<Value, String>> {
    let token = gw.token().await;
    // A seed apart: the same request twice from one session would join the first job.
    let bodies: Vec<Value> = (0..how_many)
        .map(|n| hosted_job(garment, json!({ "seed": n })))
        .collect();
    join_all(bodies.iter().map(|body| shopper(gw, &token, body))).await
}

fn all_completed(results: &[Result<Value, String>]) {
    for r in results {
        match r {
            Ok(status) => assert_eq!(status["status"], "completed", "{status}"),
            Err(e) => panic!("a shopper saw an error: {e}"),
        }
    }
}

#[tokio::test]
async fn sixty_shoppers_at_once_stay_within_fashns_limits_and_none_sees_an_error() {
    let fashn = fake_scaled(FakeConfig::fashn(), SCALE).await;
    let gw = gateway_with(&fashn, "fashn", None, |c| {
        scaled_limits(c);
        c.upstream_poll_seconds = 0.1;
    })
    .await;
    // 60 submits against 50 per window: ten wait their turn in the gateway.
    let results = shoppers(&gw, 60, "tee").await;
    all_completed(&results);
    let stats = fashn.stats();
    assert_eq!(stats.jobs, 60, "every job submitted once");
    assert_eq!(
        stats.too_many_requests.submit + stats.too_many_requests.status,
        0,
        "FASHN never had to refuse: {:?}",
        stats.too_many_requests
    );
    // One reader per job, every 0.1 s at most, for a 0.45 s job (+1 for the end).
    let most = stats.status_reads_per_job.values().max().copied().unwrap();
    assert!(most <= 6, "{most} reads of one job");
}

#[tokio::test]
async fn many_waiters_on_one_job_share_one_reader() {
    let fashn = fake_scaled(FakeConfig::fashn(), SCALE).await;
    let gw = gateway_with(&fashn, "fashn", None, |c| c.upstream_poll_seconds = 0.1).await;
    let token = gw.token().await;
    let (code, submitted) = gw
        .submit(&token, &hosted_job("tee_seconds-18", json!({})))
        .await;
    assert_eq!(code, 200, "{submitted}");
    let id = submitted["id"].as_str().unwrap().to_owned();
    // Ten tabs long-polling and ten polling as fast as they can, for a 0.9 s job.
    let asked = std::sync::atomic::AtomicU64::new(0);
    let tab = |long: bool| {
        let (gw, token, id, asked) = (&gw, &token, &id, &asked);
        async move {
            loop {
                let query = if long { "wait=5" } else { "" };
                let (code, status) = gw.status(token, id, query).await;
                asked.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                assert_eq!(code, 200, "{status}");
                if status["status"] == "completed" {
                    return status;
                }
                if !long {
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
            }
        }
    };
    let tabs = join_all((0..20).map(|i| tab(i % 2 == 0))).await;
    let output = &tabs[0]["output"];
    assert!(
        tabs.iter().all(|t| t["output"] == *output),
        "every tab saw the same result"
    );
    let reads = fashn.stats().status_reads;
    let asked = asked.into_inner();
    assert!(asked > 100, "the tabs asked {asked} times");
    // 0.9 s ÷ 0.1 s + 1, and one more for timing.
    assert!(reads <= 11, "{reads} upstream reads for {asked} questions");
}

#[tokio::test]
async fn fashns_429s_never_reach_a_shopper_whose_job_runs() {
    // A FASHN stricter than its published limit, and a gateway told no limit at all:
    // the provider refuses, the gateway pauses and reads again.
    let mut config = FakeConfig::fashn();
    config.status_limit = Some(RateLimit::per_seconds(5, 10));
    let fashn = fake_scaled(config, SCALE).await;
    let gw = gateway_with(&fashn, "fashn", None, |c| {
        c.upstream_status_limit = Some(LimitSetting(None));
        c.upstream_poll_seconds = 0.05;
    })
    .await;
    let results = shoppers(&gw, 15, "tee").await;
    all_completed(&results);
    let stats = fashn.stats();
    assert!(stats.too_many_requests.status > 0, "the fake did refuse");
    let metrics = get_text(&gw.http, &format!("{}/metrics", gw.base)).await;
    assert!(
        metrics.contains(r#"tryon_upstream_calls_total{endpoint="status",outcome="rate_limited"}"#),
        "{metrics}"
    );
}

#[tokio::test]
async fn a_submit_over_budget_waits_its_turn_or_is_told_when_to_come_back() {
    let fashn = fake_scaled(FakeConfig::fashn(), SCALE).await;
    // Two submits per 5 s, and a shopper waits at most 0.3 s for a turn.
    let gw = gateway_with(&fashn, "fashn", None, |c| {
        c.upstream_submit_limit = Some("2/5".parse().unwrap());
        c.upstream_submit_wait_seconds = 0.3;
    })
    .await;
    let token = gw.token().await;
    let body = hosted_job("tee", json!({}));
    for seed in 1..=2 {
        let other = hosted_job("tee", json!({ "seed": seed }));
        assert_eq!(gw.submit(&token, &other).await.0, 200);
    }
    let r = gw
        .http
        .post(format!("{}/api/v1/tryon/clothes", gw.base))
        .bearer_auth(&token)
        .header("origin", PAGE)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 429);
    let retry_after: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((4..=5).contains(&retry_after), "Retry-After {retry_after}");
    let answer: Value = r.json().await.unwrap();
    assert_eq!(answer["error"]["name"], "RateLimitExceeded");
    assert!(answer["error"]["message"]
        .as_str()
        .unwrap()
        .contains("busy"));
    assert_eq!(fashn.stats().submits, 2, "nothing was sent over the budget");

    // With room to wait, the third submit goes when the first permit is back.
    let gw = gateway_with(&fashn, "fashn", None, |c| {
        c.upstream_submit_limit = Some("2/0.5".parse().unwrap());
    })
    .await;
    let started = Instant::now();
    for _ in 0..3 {
        assert_eq!(gw.submit(&token_for(&gw).await, &body).await.0, 200);
    }
    assert!(started.elapsed() >= Duration::from_millis(500));
}

async fn token_for(gw: &TestGateway) -> String {
    gw.token().await
}

/// A FASHN fake and a gateway that asks it for webhooks (its own address public).
async fn with_webhooks(fallback_seconds: f64) -> (FakeUpstream, TestGateway) {
    let fashn = fake_scaled(FakeConfig::fashn(), SCALE).await;
    let config = config_for(&fashn, "fashn", None, |c| {
        scaled_limits(c);
        c.upstream_poll_seconds = 0.05;
        c.upstream_webhook_fallback_seconds = fallback_seconds;
    });
    (fashn, TestGateway::start_public(config).await)
}

#[tokio::test]
async fn with_webhooks_each_job_is_read_once_when_its_callback_comes() {
    let (fashn, gw) = with_webhooks(60.0).await;
    let health = gw.get("/healthz", None).await.1;
    assert_eq!(health["upstream"]["webhooks"], true, "{health}");
    let started = Instant::now();
    let results = shoppers(&gw, 20, "tee").await;
    all_completed(&results);
    // Well before the 60 s fallback: the callbacks did it.
    assert!(started.elapsed() < Duration::from_secs(20));
    let stats = fashn.stats();
    assert_eq!(stats.webhooks.succeeded, 20);
    for (job, reads) in &stats.status_reads_per_job {
        assert_eq!(*reads, 1, "job {job}: one confirming read");
    }
    let url = stats.submit_bodies[0].webhook_url.as_deref().unwrap();
    assert!(
        url.starts_with(&format!("{}/v1/upstream/callbacks/", gw.base)),
        "{url}"
    );
}

#[tokio::test]
async fn forged_and_replayed_callbacks_put_nothing_on_a_screen() {
    let (fashn, gw) = with_webhooks(60.0).await;
    let token = gw.token().await;
    // A long job: 200 s of FASHN's time, 10 s here.
    let (_, running) = gw
        .submit(&token, &hosted_job("tee_seconds-200", json!({})))
        .await;
    let running_id = running["id"].as_str().unwrap().to_owned();
    let upstream_running = upstream_id(&running_id);
    let ticket_url = fashn.stats().submit_bodies[0].webhook_url.clone().unwrap();
    let post = |url: String, body: Value| {
        let http = gw.http.clone();
        async move {
            let r = http.post(url).json(&body).send().await.unwrap();
            (
                r.status().as_u16(),
                r.json::<Value>().await.unwrap_or(Value::Null),
            )
        }
    };
    let evil = json!({"id": upstream_running, "status": "completed", "output": ["https://evil.example/x.png"], "error": null});

    // A made-up ticket, and a real one whose seal was changed: refused.
    let (code, answer) = post(
        format!("{}/v1/upstream/callbacks/bm9uY2U.AAAA", gw.base),
        evil.clone(),
    )
    .await;
    assert_eq!(code, 404, "{answer}");
    assert_eq!(answer["error"]["name"], "NotFound");
    let tampered = format!("{}A", ticket_url.trim_end_matches(|c: char| c != '.'));
    assert_eq!(post(tampered, evil.clone()).await.0, 404);

    // The job's own ticket with a forged "completed": only a hint. The gateway reads
    // the status itself, and FASHN says it is still running.
    let (code, answer) = post(ticket_url.clone(), evil.clone()).await;
    assert_eq!(code, 200, "{answer}");
    assert_eq!(answer["outcome"], "confirmed");
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (code, status) = gw.status(&token, &running_id, "").await;
    assert_eq!(code, 200);
    assert_ne!(status["status"], "completed", "{status}");
    assert!(!status.to_string().contains("evil.example"), "{status}");
    assert_eq!(fashn.stats().status_reads_per_job[&upstream_running], 1);

    // The same ticket naming another job: forged.
    let (_, other) = gw.submit(&token, &hosted_job("tee", json!({}))).await;
    let other_id = other["id"].as_str().unwrap().to_owned();
    let wrong_job = json!({"id": upstream_id(&other_id), "status": "completed", "output": ["https://evil.example/y.png"]});
    assert_eq!(post(ticket_url.clone(), wrong_job).await.0, 404);

    // The other job ends; FASHN's own delivery is confirmed; a replay reads nothing.
    let (code, status) = gw.status(&token, &other_id, "wait=5").await;
    assert_eq!(code, 200);
    assert_eq!(status["status"], "completed");
    assert!(status["output"][0]
        .as_str()
        .unwrap()
        .starts_with(fashn.url()));
    let other_upstream = upstream_id(&other_id);
    let reads = fashn.stats().status_reads_per_job[&other_upstream];
    assert_eq!(fashn.replay_webhook(&other_upstream).await, Ok(200));
    assert_eq!(fashn.replay_webhook(&other_upstream).await, Ok(200));
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(
        fashn.stats().status_reads_per_job[&other_upstream],
        reads,
        "replays read nothing"
    );
    let metrics = get_text(&gw.http, &format!("{}/metrics", gw.base)).await;
    for outcome in ["confirmed", "duplicate", "forged"] {
        assert!(
            metrics.contains(&format!(
                r#"tryon_upstream_callbacks_total{{outcome="{outcome}"}}"#
            )),
            "{outcome}: {metrics}"
        );
    }
}

#[tokio::test]
async fn a_callback_that_never_comes_is_covered_by_the_slow_poll() {
    let (fashn, gw) = with_webhooks(1.0).await;
    let started = Instant::now();
    let results = shoppers(&gw, 3, "tee_nowebhook").await;
    all_completed(&results);
    // 0.45 s jobs, found by the 1 s fallback read.
    assert!(started.elapsed() >= Duration::from_millis(900));
    let stats = fashn.stats();
    assert_eq!(stats.webhooks.attempted, 0);
    assert!(
        stats.status_reads_per_job.values().all(|r| *r <= 2),
        "{:?}",
        stats.status_reads_per_job
    );
}
