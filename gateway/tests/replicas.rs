//! Gateway replicas sharing one Redis, as real processes: requests spread round-robin,
//! the mint limit across replicas, and Redis killed and restarted in the middle.

mod common;

use std::time::{Duration, Instant};

use common::replicas::{replicas, RedisServer};
use common::*;
use serde_json::{json, Value};

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(40))
        .build()
        .unwrap()
}

async fn mint_on(http: &reqwest::Client, base: &str) -> (u16, Value) {
    let r = http
        .post(format!("{base}/v1/sessions"))
        .header("origin", PAGE)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

async fn get_on(http: &reqwest::Client, url: &str, token: &str) -> (u16, Value) {
    let r = http.get(url).bearer_auth(token).send().await.unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_sandbox_job_submitted_on_one_replica_is_followed_and_fetched_on_the_others() {
    let redis = RedisServer::start();
    let all = replicas(
        3,
        &redis,
        &["--engine", "sandbox", "--sandbox-latency-scale", "0.05"],
    );
    let http = client();
    let (code, session) = mint_on(&http, &all[0].base).await;
    assert_eq!(code, 200, "{session}");
    let token = session["token"].as_str().unwrap().to_owned();
    let r = http
        .post(format!("{}/api/v1/tryon/clothes", all[1].base))
        .bearer_auth(&token)
        .json(&job(json!({"num_samples": 2})))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let id = r.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // Round-robin: every status read on the next replica, long-polling.
    let mut since = "starting".to_owned();
    let mut seen = vec![];
    let done = loop {
        let base = &all[(seen.len() + 2) % 3].base;
        let (code, status) = get_on(
            &http,
            &format!("{base}/api/v1/status/{id}?wait=10&since={since}"),
            &token,
        )
        .await;
        assert_eq!(code, 200, "{status}");
        since = status["status"].as_str().unwrap().to_owned();
        seen.push(since.clone());
        if since == "completed" || since == "failed" {
            break status;
        }
        assert!(seen.len() < 20, "{seen:?}");
    };
    assert_eq!(done["status"], "completed", "{done}");
    assert!(seen.len() >= 3, "the replicas saw it move: {seen:?}");
    // The pictures, from every replica (two were rendered elsewhere).
    for url in done["output"].as_array().unwrap() {
        let path = url
            .as_str()
            .unwrap()
            .splitn(4, '/')
            .nth(3)
            .unwrap()
            .to_owned();
        let mut bodies = vec![];
        for replica in &all {
            let r = http
                .get(format!("{}/{path}", replica.base))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200, "{path} on {}", replica.base);
            assert_eq!(r.headers()["content-type"], "image/png");
            bodies.push(r.bytes().await.unwrap());
        }
        assert!(bodies.iter().all(|b| *b == bodies[0] && b.len() > 10_000));
    }
}

#[tokio::test]
async fn the_mint_limit_holds_across_replicas_whatever_the_client_writes_in_x_forwarded_for() {
    let redis = RedisServer::start();
    let all = replicas(
        3,
        &redis,
        &["--mint-rate-per-minute", "6", "--trusted-proxies", "1"],
    );
    let http = client();
    let mut answers = vec![];
    for n in 0..12 {
        // The client rotates its own entry; the proxy appends the address it saw.
        let r = http
            .post(format!("{}/v1/sessions", all[n % 3].base))
            .header("origin", PAGE)
            .header("x-forwarded-for", format!("198.51.100.{n}, 203.0.113.7"))
            .send()
            .await
            .unwrap();
        answers.push((r.status().as_u16(), r.headers().get("retry-after").cloned()));
    }
    let allowed = answers.iter().filter(|(code, _)| *code == 200).count();
    assert_eq!(
        allowed, 6,
        "six mints a minute for the client, not per replica: {answers:?}"
    );
    assert!(
        answers[6..]
            .iter()
            .all(|(code, wait)| *code == 429 && wait.is_some()),
        "{answers:?}"
    );
    // Another client still gets its own allowance.
    let r = http
        .post(format!("{}/v1/sessions", all[0].base))
        .header("origin", PAGE)
        .header("x-forwarded-for", "203.0.113.8")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn redis_killed_and_restarted_gives_clear_errors_then_recovers_without_a_restart() {
    let mut redis = RedisServer::start();
    let all = replicas(
        2,
        &redis,
        &["--engine", "sandbox", "--sandbox-latency-scale", "0.05"],
    );
    let http = client();
    let (_, session) = mint_on(&http, &all[0].base).await;
    let token = session["token"].as_str().unwrap().to_owned();
    let r = http
        .post(format!("{}/api/v1/tryon/clothes", all[0].base))
        .bearer_auth(&token)
        .json(&job(json!({})))
        .send()
        .await
        .unwrap();
    let id = r.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();

    redis.kill();
    // Minting fails closed, at once and clearly, on every replica.
    for replica in &all {
        let started = Instant::now();
        let (code, answer) = mint_on(&http, &replica.base).await;
        assert_eq!(code, 503, "{answer}");
        assert_eq!(answer["error"]["name"], "SharedStateUnavailable");
        assert!(answer["error"]["message"]
            .as_str()
            .unwrap()
            .contains("Redis"));
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "{:?}",
            started.elapsed()
        );
    }
    // The replica that runs the job still answers for it; the other says why it cannot.
    let (code, status) = get_on(
        &http,
        &format!("{}/api/v1/status/{id}", all[0].base),
        &token,
    )
    .await;
    assert_eq!(code, 200, "{status}");
    let started = Instant::now();
    let (code, status) = get_on(
        &http,
        &format!("{}/api/v1/status/{id}?wait=5", all[1].base),
        &token,
    )
    .await;
    assert_eq!(code, 503, "{status}");
    assert_eq!(status["error"]["name"], "SharedStateUnavailable");
    assert!(started.elapsed() < Duration::from_secs(3));
    let health = http
        .get(format!("{}/healthz", all[1].base))
        .send()
        .await
        .unwrap();
    let health: Value = health.json().await.unwrap();
    assert_eq!(health["status"], "degraded", "{health}");
    assert_eq!(health["redis"]["up"], false);
    let metrics = http
        .get(format!("{}/metrics", all[1].base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(metrics.contains("tryon_redis_up 0"), "{metrics}");

    redis.restart();
    // Both replicas come back by themselves.
    for replica in &all {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let (code, _) = mint_on(&http, &replica.base).await;
            if code == 200 {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "{} did not recover",
                replica.base
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        let health: Value = http
            .get(format!("{}/healthz", replica.base))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(health["status"], "ok", "{health}");
    }
    // And a new job is shared again.
    let r = http
        .post(format!("{}/api/v1/tryon/clothes", all[0].base))
        .bearer_auth(&token)
        .json(&job(json!({})))
        .send()
        .await
        .unwrap();
    let id = r.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (code, status) = get_on(
        &http,
        &format!("{}/api/v1/status/{id}?wait=10&since=starting", all[1].base),
        &token,
    )
    .await;
    assert_eq!(code, 200, "{status}");
}
