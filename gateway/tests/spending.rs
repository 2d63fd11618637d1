//! The merchant's money, against the FASHN fake at its published limits (scaled in
//! time): a scripted client on one token, on many tokens from one address, and on
//! rotating addresses, each stopped by its limit while honest shoppers complete; the
//! fake's own count of jobs proves what reached the provider. Then remembered submits
//! (`Idempotency-Key`, and the same request twice without one).

mod common;

use common::hosted::{fake_scaled, gateway_with, hosted_job, jobs_before};
use common::*;
use reqwest::header::HeaderMap;
use serde_json::{json, Value};
use tryon_fakes::{FakeConfig, FakeUpstream};
use tryon_gateway::config::DailyBudget;
use tryon_gateway::Config;

/// FASHN at 1/20 of its pace: 9 s jobs in 0.45 s, its 50 submits per 60 s in 3 s.
const SCALE: f64 = 0.05;

/// One proxy in front, so each request says its client's address.
fn behind_a_proxy(config: &mut Config) {
    config.trusted_proxies = 1;
    config.upstream_submit_limit = Some(format!("50/{}", 60.0 * SCALE).parse().unwrap());
    config.upstream_status_limit = Some(format!("50/{}", 10.0 * SCALE).parse().unwrap());
}

/// A token minted for a shopper at `address`.
async fn token_from(gw: &TestGateway, address: &str) -> String {
    let r = gw
        .http
        .post(format!("{}/v1/sessions", gw.base))
        .header("origin", PAGE)
        .header("x-forwarded-for", address)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    r.json::<Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// A submit from `address`, optionally with an `Idempotency-Key`: status, answer, headers.
async fn submit_from(
    gw: &TestGateway,
    token: &str,
    address: &str,
    body: &Value,
    key: Option<&str>,
) -> (u16, Value, HeaderMap) {
    let mut r = gw
        .http
        .post(format!("{}/api/v1/tryon/clothes", gw.base))
        .bearer_auth(token)
        .header("origin", PAGE)
        .header("x-forwarded-for", address)
        .json(body);
    if let Some(key) = key {
        r = r.header("idempotency-key", key);
    }
    let r = r.send().await.unwrap();
    let (code, headers) = (r.status().as_u16(), r.headers().clone());
    (code, r.json().await.unwrap_or(Value::Null), headers)
}

/// A four-image job; `n` makes each body different (no two are the same request).
fn four_images(n: usize) -> Value {
    hosted_job("tee", json!({"num_samples": 4, "seed": n}))
}

/// Submits as fast as it can, on `tokens` (each from its address) in turn, until every
/// one is refused; returns the images accepted and the refusals' error names.
async fn script(gw: &TestGateway, tokens: &[(String, String)]) -> (u32, Vec<String>) {
    let (mut images, mut refusals) = (0, Vec::new());
    let mut n = 0;
    let mut open: Vec<bool> = vec![true; tokens.len()];
    while open.iter().any(|o| *o) {
        for (i, (token, address)) in tokens.iter().enumerate() {
            if !open[i] {
                continue;
            }
            n += 1;
            let (code, answer, _) = submit_from(gw, token, address, &four_images(n), None).await;
            match code {
                200 => images += 4,
                _ => {
                    open[i] = false;
                    refusals.push(answer["error"]["name"].as_str().unwrap_or("").to_owned());
                }
            }
        }
    }
    (images, refusals)
}

/// An honest shopper at `address`: one image, waited to its end.
async fn honest_shopper(gw: &TestGateway, address: &str) -> Value {
    let token = token_from(gw, address).await;
    let (code, answer, _) =
        submit_from(gw, &token, address, &hosted_job("dress", json!({})), None).await;
    assert_eq!(code, 200, "the honest shopper is served: {answer}");
    let id = answer["id"].as_str().unwrap().to_owned();
    loop {
        let (code, status) = gw.status(&token, &id, "wait=5").await;
        assert_eq!(code, 200);
        if matches!(status["status"].as_str(), Some("completed" | "failed")) {
            return status;
        }
    }
}

/// The FASHN fake and a gateway in front of it behind one proxy, with the default
/// quotas (20 per session, 60 per address) changed by `change`.
async fn fashn_and_gateway(change: impl FnOnce(&mut Config)) -> (FakeUpstream, TestGateway) {
    let fake = fake_scaled(FakeConfig::fashn(), SCALE).await;
    let gw = gateway_with(&fake, "fashn", None, |c| {
        behind_a_proxy(c);
        c.session_images_per_hour = 20;
        c.address_images_per_hour = 60;
        change(c);
    })
    .await;
    (fake, gw)
}

#[tokio::test]
async fn a_script_on_one_token_gets_the_session_quota_and_is_told_when_to_come_back() {
    let (fake, gw) = fashn_and_gateway(|_| {}).await;
    let token = token_from(&gw, "198.51.100.7").await;
    let mut left = Vec::new();
    let mut n = 0;
    let refusal = loop {
        n += 1;
        let (code, answer, headers) =
            submit_from(&gw, &token, "198.51.100.7", &four_images(n), None).await;
        if code != 200 {
            break (code, answer, headers);
        }
        assert_eq!(headers["ratelimit-policy"], "\"session\";q=20;w=3600");
        left.push(headers["ratelimit"].to_str().unwrap().to_owned());
    };
    assert_eq!(left.len(), 5, "20 images in four-image jobs: {left:?}");
    assert!(left[0].starts_with("\"session\";r=16;"), "{left:?}");
    assert!(left[4].starts_with("\"session\";r=0;"), "{left:?}");
    let (code, answer, headers) = refusal;
    assert_eq!(code, 429);
    assert_eq!(answer["error"]["name"], "QuotaExceeded", "{answer}");
    let retry: u64 = headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!(
        (3500..=3600).contains(&retry),
        "the first job's images free in an hour: {retry}"
    );
    // A renewed token is the same session: still refused.
    let renewed = gw
        .http
        .post(format!("{}/v1/sessions", gw.base))
        .header("origin", PAGE)
        .header("x-forwarded-for", "198.51.100.7")
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let (code, answer, _) =
        submit_from(&gw, &renewed, "198.51.100.7", &four_images(99), None).await;
    assert_eq!(
        (code, answer["error"]["name"].as_str()),
        (429, Some("QuotaExceeded"))
    );
    // A shopper in the same household still has the address's other 40.
    let status = honest_shopper(&gw, "198.51.100.7").await;
    assert_eq!(status["status"], "completed", "{status}");
    assert_eq!(
        fake.stats().jobs,
        6,
        "five script jobs and the shopper's reached FASHN"
    );
    let metrics = get_text(&gw.http, &format!("{}/metrics", gw.base)).await;
    assert!(
        metrics.contains("tryon_submits_refused_total{reason=\"session_quota\"} 2"),
        "{metrics}"
    );
}

#[tokio::test]
async fn many_tokens_from_one_address_stop_at_the_address_quota() {
    let (fake, gw) = fashn_and_gateway(|_| {}).await;
    let mut tokens = Vec::new();
    for _ in 0..10 {
        tokens.push((
            token_from(&gw, "203.0.113.9").await,
            "203.0.113.9".to_owned(),
        ));
    }
    let (images, refusals) = script(&gw, &tokens).await;
    assert_eq!(images, 60, "the address's quota, whatever the tokens");
    assert!(
        refusals.iter().all(|r| r == "QuotaExceeded"),
        "{refusals:?}"
    );
    // Shoppers elsewhere are not pushed back.
    let honest = futures_util::future::join_all(
        ["192.0.2.1", "192.0.2.2", "192.0.2.3"].map(|a| honest_shopper(&gw, a)),
    )
    .await;
    for status in honest {
        assert_eq!(status["status"], "completed", "{status}");
    }
    assert_eq!(fake.stats().jobs, 15 + 3);
}

#[tokio::test]
async fn rotating_addresses_are_stopped_by_the_daily_cap_and_nothing_more_reaches_the_provider() {
    let (fake, gw) = fashn_and_gateway(|c| {
        c.daily_image_budget = Some(DailyBudget(Some(50)));
    })
    .await;
    let health = get_json(&gw.http, &format!("{}/healthz", gw.base)).await;
    assert_eq!(health["budget"]["images_per_day"], 50, "{health}");
    let mut tokens = Vec::new();
    for i in 0..12 {
        let address = format!("198.18.0.{i}");
        tokens.push((token_from(&gw, &address).await, address));
    }
    // 12 addresses × 20 images would be 240: the cap stops them at 48 (12 four-image
    // jobs; a 13th would pass 50).
    let (images, refusals) = script(&gw, &tokens).await;
    assert_eq!(images, 48);
    assert!(
        refusals.iter().all(|r| r == "SpendingLimitReached"),
        "{refusals:?}"
    );
    let jobs_at_the_cap = fake.stats().jobs;
    assert_eq!(jobs_at_the_cap, 12);
    // Two one-image jobs fit: the first of these two takes image 49 and 50.
    let token = token_from(&gw, "192.0.2.50").await;
    for (seed, expected) in [200, 200, 503].into_iter().enumerate() {
        let body = hosted_job("dress", json!({ "seed": seed }));
        let (code, answer, headers) = submit_from(&gw, &token, "192.0.2.50", &body, None).await;
        assert_eq!(code, expected, "{answer}");
        if code == 503 {
            assert_eq!(answer["error"]["name"], "SpendingLimitReached");
            let retry: u64 = headers["retry-after"].to_str().unwrap().parse().unwrap();
            assert!((1..=86_400).contains(&retry), "until midnight UTC: {retry}");
        }
    }
    assert_eq!(
        fake.stats().jobs,
        jobs_at_the_cap + 2,
        "nothing sent after the cap"
    );
    let health = get_json(&gw.http, &format!("{}/healthz", gw.base)).await;
    assert_eq!(health["budget"]["images_spent"], 50, "{health}");
    assert_eq!(health["budget"]["images_left"], 0, "{health}");
    let metrics = get_text(&gw.http, &format!("{}/metrics", gw.base)).await;
    for line in [
        "tryon_images_spent_today 50",
        "tryon_daily_image_budget_left 0",
        "tryon_daily_image_budget 50",
        "tryon_submits_refused_total{reason=\"spending_limit\"} 13",
    ] {
        assert!(metrics.contains(line), "{line} in {metrics}");
    }
}

#[tokio::test]
async fn a_submit_that_makes_no_job_gives_its_images_back() {
    let (_fake, gw) = fashn_and_gateway(|c| {
        c.session_images_per_hour = 4;
    })
    .await;
    let token = token_from(&gw, "192.0.2.8").await;
    // FASHN refuses the submit (no job, no charge): three times, and the quota is whole.
    for n in 0..3 {
        let refused = hosted_job("reject-BadRequest", json!({"num_samples": 4, "seed": n}));
        let (code, _, _) = submit_from(&gw, &token, "192.0.2.8", &refused, None).await;
        assert_eq!(code, 400);
    }
    let (code, answer, headers) =
        submit_from(&gw, &token, "192.0.2.8", &four_images(0), None).await;
    assert_eq!(code, 200, "{answer}");
    assert!(headers["ratelimit"].to_str().unwrap().contains("r=0"));
    // FASHN tells what the finished job cost (x-fashn-credits-used): four credits.
    let id = answer["id"].as_str().unwrap();
    while gw.status(&token, id, "wait=5").await.1["status"] != "completed" {}
    let mut credits = Value::Null;
    for _ in 0..50 {
        let health = get_json(&gw.http, &format!("{}/healthz", gw.base)).await;
        credits = health["budget"]["credits_spent"].clone();
        if credits == 4.0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(credits, 4.0);
}

#[tokio::test]
async fn an_idempotency_key_gives_the_same_job_and_refuses_another_body() {
    let (fake, gw) = fashn_and_gateway(|_| {}).await;
    let token = token_from(&gw, "192.0.2.9").await;
    let key = Some("\"3f1b-the-shoppers-one-click\"");
    let body = four_images(1);
    let (code, first, headers) = submit_from(&gw, &token, "192.0.2.9", &body, key).await;
    assert_eq!(code, 200, "{first}");
    assert!(headers["ratelimit"].to_str().unwrap().contains("r=16"));
    // The same click arriving twice at once, and once more later: one job.
    let (a, b) = tokio::join!(
        submit_from(&gw, &token, "192.0.2.9", &body, key),
        submit_from(&gw, &token, "192.0.2.9", &body, key)
    );
    assert_eq!(a.1["id"], first["id"]);
    assert_eq!(b.1["id"], first["id"]);
    // Still the same job after it completed.
    let id = first["id"].as_str().unwrap();
    loop {
        let (_, status) = gw.status(&token, id, "wait=5").await;
        if status["status"] == "completed" {
            break;
        }
    }
    let (_, again, _) = submit_from(&gw, &token, "192.0.2.9", &body, key).await;
    assert_eq!(again["id"], first["id"]);
    assert_eq!(fake.stats().jobs, 1, "one job reached FASHN");
    // The same key with another body: refused, saying why.
    let (code, conflict, _) = submit_from(&gw, &token, "192.0.2.9", &four_images(2), key).await;
    assert_eq!(code, 422, "{conflict}");
    assert_eq!(conflict["error"]["field"], "Idempotency-Key");
    // Replays took no images: 16 are left, so a new four-image try-on says 12.
    let (_, _, headers) = submit_from(
        &gw,
        &token,
        "192.0.2.9",
        &four_images(3),
        Some("\"another-click\""),
    )
    .await;
    assert!(headers["ratelimit"].to_str().unwrap().contains("r=12"));
    // Another session's same key is its own.
    let other = token_from(&gw, "192.0.2.9").await;
    let (code, theirs, _) = submit_from(&gw, &other, "192.0.2.9", &body, key).await;
    assert_eq!(code, 200);
    assert_ne!(theirs["id"], first["id"]);
}

#[tokio::test]
async fn the_same_request_twice_without_a_key_joins_the_running_job_only() {
    let (fake, gw) = fashn_and_gateway(|c| c.session_images_per_hour = 0).await;
    let token = token_from(&gw, "192.0.2.10").await;
    let body = hosted_job("tee_seconds-20", json!({}));
    let (_, first, _) = submit_from(&gw, &token, "192.0.2.10", &body, None).await;
    let (_, second, _) = submit_from(&gw, &token, "192.0.2.10", &body, None).await;
    assert_eq!(first["id"], second["id"], "a double click while it runs");
    assert_eq!(fake.stats().jobs, 1);
    let id = first["id"].as_str().unwrap();
    loop {
        let (_, status) = gw.status(&token, id, "wait=5").await;
        if status["status"] == "completed" {
            break;
        }
    }
    let (_, third, _) = submit_from(&gw, &token, "192.0.2.10", &body, None).await;
    assert_ne!(
        third["id"], first["id"],
        "'Try again' after it ended is a new try-on"
    );
    assert_eq!(fake.stats().jobs, 2);
}

#[tokio::test]
async fn the_sandbox_counts_the_quotas_too() {
    let mut config = test_config();
    config.session_images_per_hour = 2;
    let gw = TestGateway::start(config).await;
    let token = gw.token().await;
    for n in 0..2 {
        let (code, answer) = gw.submit(&token, &job(json!({"seed": n}))).await;
        assert_eq!(code, 200, "{answer}");
    }
    let (code, answer) = gw.submit(&token, &job(json!({"seed": 9}))).await;
    assert_eq!(
        (code, answer["error"]["name"].as_str()),
        (429, Some("QuotaExceeded"))
    );
}

#[tokio::test]
async fn at_fashns_submit_limit_an_honest_shopper_goes_before_a_script_on_ten_addresses() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    let (fake, gw) = fashn_and_gateway(|_| {}).await;
    let gw = Arc::new(gw);
    let accepted = Arc::new(AtomicUsize::new(0));
    let mut script = Vec::new();
    // Ten tokens from ten addresses, each firing its whole quota (20 one-image
    // submits) at once, and again at once after every busy 429.
    for i in 0..10 {
        let address = format!("198.19.0.{i}");
        let token = token_from(&gw, &address).await;
        for n in 0..20 {
            let (gw, accepted, token, address) =
                (gw.clone(), accepted.clone(), token.clone(), address.clone());
            script.push(tokio::spawn(async move {
                let body = hosted_job("tee", json!({ "seed": i * 100 + n }));
                loop {
                    let (code, _, _) = submit_from(&gw, &token, &address, &body, None).await;
                    match code {
                        200 => return accepted.fetch_add(1, Ordering::SeqCst),
                        429 => tokio::time::sleep(std::time::Duration::from_millis(20)).await,
                        _ => panic!("the script got {code}"),
                    };
                }
            }));
        }
    }
    // Until the first window's 50 permits are out, then an honest shopper arrives.
    while accepted.load(Ordering::SeqCst) < 50 {
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let token = token_from(&gw, "192.0.2.77").await;
    let body = hosted_job("dress", json!({}));
    // The script's jobs at the provider when the shopper arrives.
    let reached = fake.stats().jobs as usize;
    loop {
        let (code, answer, _) = submit_from(&gw, &token, "192.0.2.77", &body, None).await;
        match code {
            200 => break,
            429 => tokio::time::sleep(std::time::Duration::from_millis(200)).await,
            _ => panic!("{code} {answer}"),
        }
    }
    for s in script {
        s.await.unwrap();
    }
    assert_eq!(accepted.load(Ordering::SeqCst), 200);
    let stats = fake.stats();
    assert_eq!(stats.jobs, 201);
    let before_honest = jobs_before(&fake, "dress");
    // First come, first served would put the shopper behind the rest of the script's
    // 200; round-robin behind a turn of each script address (ten) a round. It has had
    // no turn lately, and the script's submit holding the turn steps aside for it, so a
    // contested permit is its next: behind it only those already on their way and, if
    // it arrives as a clump of permits comes back, the clump (at most half the window
    // goes at once: 25; it then has no wait to speak of).
    eprintln!("{reached} script jobs had reached the provider when the shopper arrived; {before_honest} went first");
    assert!(
        before_honest <= reached + 25,
        "{before_honest} script jobs went first, {reached} when the shopper arrived"
    );
    assert_eq!(stats.too_many_requests.submit, 0, "within FASHN's limit");
}
