//! The client address behind proxies: the mint rate limit counts the address the
//! outermost trusted proxy saw, never what the client wrote into `X-Forwarded-For`.

mod common;

use common::*;
use serde_json::Value;

/// Mints a token with this `X-Forwarded-For` (none when empty): the HTTP status.
async fn mint(gw: &TestGateway, forwarded_for: &str) -> u16 {
    let mut r = gw
        .http
        .post(format!("{}/v1/sessions", gw.base))
        .header("origin", PAGE);
    if !forwarded_for.is_empty() {
        r = r.header("x-forwarded-for", forwarded_for);
    }
    let r = r.send().await.unwrap();
    let code = r.status().as_u16();
    if code == 429 {
        let wait: u64 = r.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((1..=60).contains(&wait), "Retry-After: {wait}");
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["error"]["name"], "RateLimitExceeded");
    }
    code
}

async fn gateway(trusted_proxies: usize) -> TestGateway {
    let mut config = test_config();
    config.mint_rate_per_minute = 3;
    config.trusted_proxies = trusted_proxies;
    TestGateway::start(config).await
}

#[tokio::test]
async fn behind_one_proxy_rotating_the_leftmost_entry_still_hits_the_limit() {
    let gw = gateway(1).await;
    let mut codes = vec![];
    for i in 0..5 {
        codes.push(mint(&gw, &format!("198.51.100.{i}, 203.0.113.7")).await);
    }
    assert_eq!(codes, [200, 200, 200, 429, 429]);
    // The rightmost entry, written by the proxy, is what counts.
    assert_eq!(mint(&gw, "198.51.100.0, 203.0.113.8").await, 200);
    assert_eq!(mint(&gw, "203.0.113.7").await, 429);
}

#[tokio::test]
async fn behind_two_proxies_the_second_entry_from_the_right_counts() {
    let gw = gateway(2).await;
    let mut codes = vec![];
    for i in 0..4 {
        // The client's own entry, the client as the outer proxy saw it, the outer
        // proxy as the inner one saw it.
        codes.push(mint(&gw, &format!("198.51.100.{i}, 203.0.113.7, 192.0.2.{i}")).await);
    }
    assert_eq!(codes, [200, 200, 200, 429]);
    assert_eq!(mint(&gw, "198.51.100.9, 203.0.113.8, 192.0.2.1").await, 200);
}

#[tokio::test]
async fn without_trusted_proxies_the_header_is_ignored() {
    let gw = gateway(0).await;
    let mut codes = vec![];
    for i in 0..4 {
        codes.push(mint(&gw, &format!("198.51.100.{i}, 203.0.113.{i}")).await);
    }
    assert_eq!(codes, [200, 200, 200, 429]);
}

#[tokio::test]
async fn the_older_flag_means_one_trusted_proxy() {
    use clap::Parser;
    let old = tryon_gateway::Config::parse_from(["tryon-gateway", "--trust-forwarded-for"]);
    assert_eq!(old.trusted_proxy_count(), 1);
    let mut config = test_config();
    config.mint_rate_per_minute = 3;
    config.trust_forwarded_for = true;
    let gw = TestGateway::start(config).await;
    for i in 0..3 {
        assert_eq!(
            mint(&gw, &format!("198.51.100.{i}, 203.0.113.7")).await,
            200
        );
    }
    assert_eq!(mint(&gw, "198.51.100.99, 203.0.113.7").await, 429);
    // The new setting wins when both are given.
    let both = tryon_gateway::Config::parse_from([
        "tryon-gateway",
        "--trust-forwarded-for",
        "--trusted-proxies",
        "2",
    ]);
    assert_eq!(both.trusted_proxy_count(), 2);
    assert_eq!(test_config().trusted_proxy_count(), 0);
}
