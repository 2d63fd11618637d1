//! The merchant's limits on three replica processes sharing one Redis: N replicas
//! allow one quota and one daily budget, not N; a repeated submit reaching another
//! replica gets its job; and with Redis killed, shoppers are still served, each
//! replica counting the quotas on its own (README "Running several replicas").

mod common;

use std::time::Duration;

use common::replicas::{replicas, RedisServer};
use common::*;
use serde_json::{json, Value};

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap()
}

async fn token_on(http: &reqwest::Client, base: &str) -> String {
    let r = http
        .post(format!("{base}/v1/sessions"))
        .header("origin", PAGE)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    r.json::<Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// A one-image submit (`seed` keeps bodies apart): status and answer.
async fn submit_on(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    seed: u32,
    key: Option<&str>,
) -> (u16, Value) {
    let mut r = http
        .post(format!("{base}/api/v1/tryon/clothes"))
        .bearer_auth(token)
        .header("origin", PAGE)
        .json(&job(json!({ "seed": seed })));
    if let Some(key) = key {
        r = r.header("idempotency-key", key);
    }
    let r = r.send().await.unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

const SANDBOX: &[&str] = &[
    "--engine",
    "sandbox",
    "--sandbox-latency-scale",
    "0",
    "--photo-check",
    "off",
];

#[tokio::test]
async fn three_replicas_share_one_session_quota_one_budget_and_remembered_submits() {
    let redis = RedisServer::start();
    let mut args = SANDBOX.to_vec();
    args.extend([
        "--session-images-per-hour",
        "8",
        "--daily-image-budget",
        "20",
    ]);
    let gateways = replicas(3, &redis, &args);
    let http = client();
    let token = token_on(&http, &gateways[0].base).await;
    // Round-robin over the replicas: 8 in all, not 8 on each.
    let mut accepted = 0;
    for seed in 0..24 {
        let (code, answer) =
            submit_on(&http, &gateways[seed % 3].base, &token, seed as u32, None).await;
        match code {
            200 => accepted += 1,
            429 => assert_eq!(answer["error"]["name"], "QuotaExceeded", "{answer}"),
            _ => panic!("{code} {answer}"),
        }
    }
    assert_eq!(accepted, 8);
    // A submit sent again with its key to another replica: the same job.
    let other = token_on(&http, &gateways[1].base).await;
    let (code, first) = submit_on(&http, &gateways[1].base, &other, 100, Some("\"k\"")).await;
    assert_eq!(code, 200, "{first}");
    for gateway in &gateways {
        let (code, again) = submit_on(&http, &gateway.base, &other, 100, Some("\"k\"")).await;
        assert_eq!((code, &again["id"]), (200, &first["id"]));
    }
    // The day's budget, 20, across the replicas: 9 spent, 11 left for a third shopper
    // and the second (whose quota has 7 left).
    let third = token_on(&http, &gateways[2].base).await;
    let mut more = 0;
    for seed in 200..230u32 {
        let token = if seed % 2 == 0 { &third } else { &other };
        let (code, answer) =
            submit_on(&http, &gateways[seed as usize % 3].base, token, seed, None).await;
        match code {
            200 => more += 1,
            429 | 503 => {}
            _ => panic!("{code} {answer}"),
        }
    }
    assert_eq!(accepted + 1 + more, 20, "the budget holds across replicas");
    for gateway in &gateways {
        let health = get_json(&http, &format!("{}/healthz", gateway.base)).await;
        assert_eq!(health["budget"]["images_spent"], 20, "{health}");
    }
}

#[tokio::test]
async fn with_redis_killed_shoppers_are_served_and_each_replica_counts_the_quota_alone() {
    let mut redis = RedisServer::start();
    let mut args = SANDBOX.to_vec();
    args.extend(["--session-images-per-hour", "3"]);
    let gateways = replicas(2, &redis, &args);
    let http = client();
    let token = token_on(&http, &gateways[0].base).await;
    for seed in 0..3 {
        assert_eq!(
            submit_on(&http, &gateways[seed % 2].base, &token, seed as u32, None)
                .await
                .0,
            200
        );
    }
    assert_eq!(
        submit_on(&http, &gateways[0].base, &token, 9, None).await.0,
        429
    );
    redis.kill();
    // Not refused for the outage: each replica has a window of its own meanwhile,
    // and its quota still stops the shopper there.
    for gateway in &gateways {
        let mut codes = Vec::new();
        for seed in 10..14 {
            let (code, answer) = submit_on(&http, &gateway.base, &token, seed, None).await;
            if code == 429 {
                assert_eq!(answer["error"]["name"], "QuotaExceeded", "{answer}");
            }
            codes.push(code);
        }
        assert_eq!(codes, [200, 200, 200, 429], "on {}", gateway.base);
    }
    // Redis back (empty, as a restart without persistence leaves it): shared again.
    redis.restart();
    let mut shared = false;
    for _ in 0..50 {
        let health = get_json(&http, &format!("{}/healthz", gateways[1].base)).await;
        if health["redis"]["up"] == true {
            shared = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(shared, "the replica sees Redis again");
    let fresh = token_on(&http, &gateways[0].base).await;
    let mut accepted = 0;
    for seed in 20..26 {
        if submit_on(&http, &gateways[seed % 2].base, &fresh, seed as u32, None)
            .await
            .0
            == 200
        {
            accepted += 1;
        }
    }
    assert_eq!(accepted, 3, "one shared quota again");
}
