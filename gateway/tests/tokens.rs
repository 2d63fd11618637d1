//! Session tokens: minting, every failure, renewal, and jobs bound to sessions.

mod common;

use common::*;
use serde_json::{json, Value};
use tryon_gateway::token::{now_seconds, SessionClaims, TokenIssuer};

fn claims(origin: &str) -> SessionClaims {
    let now = now_seconds();
    SessionClaims {
        iss: "tryon-gateway".into(),
        aud: "tryon".into(),
        sub: "session-under-test".into(),
        scope: "tryon".into(),
        origin: origin.into(),
        iat: now,
        exp: now + 600,
    }
}

/// A status read with `token` from `origin`: the HTTP status and the error's name.
async fn answer(gw: &TestGateway, token: &str, origin: Option<&str>) -> (u16, Option<String>) {
    let mut r = gw
        .http
        .get(format!("{}/api/v1/status/nope.nope", gw.base))
        .bearer_auth(token);
    if let Some(o) = origin {
        r = r.header("origin", o);
    }
    let r = r.send().await.unwrap();
    let code = r.status().as_u16();
    let body: Value = r.json().await.unwrap();
    (code, body["error"]["name"].as_str().map(str::to_owned))
}

fn named(code: u16, name: &str) -> (u16, Option<String>) {
    (code, Some(name.to_owned()))
}

#[tokio::test]
async fn mints_a_short_lived_token_for_an_allowed_origin() {
    let gw = TestGateway::start(test_config()).await;
    let r = gw
        .http
        .post(format!("{}/v1/sessions", gw.base))
        .header("origin", PAGE)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["expires_in"], 600);
    let token = body["token"].as_str().unwrap();
    assert_eq!(token.split('.').count(), 3, "a JWT");
    // Any holder of the secret can verify it: a second issuer with the same secret.
    let claims = TokenIssuer::new(SECRET.as_bytes(), 600)
        .verify(token, Some(PAGE))
        .unwrap();
    assert_eq!(claims.origin, PAGE);
    assert_eq!(claims.scope, "tryon");
    assert_eq!(claims.exp - claims.iat, 600);
    assert_eq!(body["expires_at"], claims.exp);
}

#[tokio::test]
async fn ttl_is_configurable_and_capped() {
    let mut config = test_config();
    config.token_ttl_seconds = 86_400;
    let gw = TestGateway::start(config).await;
    let r = gw
        .http
        .post(format!("{}/v1/sessions", gw.base))
        .header("origin", PAGE)
        .send()
        .await
        .unwrap();
    assert_eq!(r.json::<Value>().await.unwrap()["expires_in"], 3600);
}

#[tokio::test]
async fn refuses_origins_outside_the_allowlist() {
    let gw = TestGateway::start(test_config()).await;
    let r = gw
        .http
        .post(format!("{}/v1/sessions", gw.base))
        .header("origin", "https://evil.test")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["name"], "OriginNotAllowed");
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("TRYON_ALLOWED_ORIGINS"));
    let r = gw
        .http
        .post(format!("{}/v1/sessions", gw.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403, "no Origin at all");
}

#[tokio::test]
async fn rate_limits_minting_per_client() {
    let mut config = test_config();
    config.mint_rate_per_minute = 5;
    let gw = TestGateway::start(config).await;
    let mut codes = vec![];
    for _ in 0..7 {
        let r = gw
            .http
            .post(format!("{}/v1/sessions", gw.base))
            .header("origin", PAGE)
            .send()
            .await
            .unwrap();
        codes.push(r.status().as_u16());
        if r.status() == 429 {
            assert!(r.headers().get("retry-after").is_some());
            let body: Value = r.json().await.unwrap();
            assert_eq!(body["error"]["name"], "RateLimitExceeded");
        }
    }
    assert_eq!(codes, [200, 200, 200, 200, 200, 429, 429]);
}

#[tokio::test]
async fn every_token_failure_is_a_401_that_says_which() {
    let gw = TestGateway::start(test_config()).await;
    let issuer = TokenIssuer::new(SECRET.as_bytes(), 600);

    // Missing.
    let (code, body) = gw.get("/api/v1/status/x.y", None).await;
    assert_eq!(code, 401);
    assert_eq!(body["error"]["name"], "TokenMissing");
    let (_, body) = gw.get("/api/v1/status/x.y", Some("Basic abc")).await;
    assert_eq!(body["error"]["name"], "TokenMissing");

    // Expired.
    let mut c = claims(PAGE);
    c.iat -= 2000;
    c.exp = now_seconds() - 60;
    assert_eq!(
        answer(&gw, &issuer.sign(&c), Some(PAGE)).await,
        named(401, "TokenExpired")
    );

    // Forged: signed with another secret.
    let forger = TokenIssuer::new(b"another-secret-another-secret-0000", 600);
    assert_eq!(
        answer(&gw, &forger.sign(&claims(PAGE)), Some(PAGE)).await,
        named(401, "TokenInvalid")
    );

    // Tampered: claims changed after signing.
    let good = issuer.sign(&claims(PAGE));
    let mut parts: Vec<&str> = good.split('.').collect();
    let other = issuer.sign(&claims("https://evil.test"));
    parts[1] = other.split('.').nth(1).unwrap();
    assert_eq!(
        answer(&gw, &parts.join("."), Some(PAGE)).await,
        named(401, "TokenInvalid")
    );

    // Garbage.
    assert_eq!(
        answer(&gw, "not-a-token", Some(PAGE)).await,
        named(401, "TokenInvalid")
    );

    // Wrong origin.
    assert_eq!(
        answer(&gw, &good, Some("https://evil.test")).await,
        named(401, "TokenOriginMismatch")
    );

    // Wrong scope, and wrong audience.
    let mut c = claims(PAGE);
    c.scope = "admin".into();
    assert_eq!(
        answer(&gw, &issuer.sign(&c), Some(PAGE)).await,
        named(401, "TokenScopeInvalid")
    );
    let mut c = claims(PAGE);
    c.aud = "billing".into();
    assert_eq!(
        answer(&gw, &issuer.sign(&c), Some(PAGE)).await,
        named(401, "TokenScopeInvalid")
    );

    // A good token passes authentication (and then finds no such job).
    assert_eq!(answer(&gw, &good, Some(PAGE)).await, named(404, "NotFound"));
    let (code, _) = answer(&gw, &good, None).await;
    assert_eq!(
        code, 404,
        "no Origin (same-origin read or a server) is not a mismatch"
    );
}

#[tokio::test]
async fn a_job_of_one_session_is_not_found_for_another() {
    let gw = TestGateway::start(test_config()).await;
    let (alice, bob) = (gw.token().await, gw.token().await);
    let (code, submitted) = gw.submit(&alice, &job(json!({}))).await;
    assert_eq!(code, 200);
    let id = submitted["id"].as_str().unwrap();
    let (code, _) = gw.status(&alice, id, "").await;
    assert_eq!(code, 200);
    let (code, body) = gw.status(&bob, id, "").await;
    assert_eq!(code, 404);
    assert_eq!(body["error"]["name"], "NotFound");
    // A handle with its tag altered is not found either.
    let forged = format!("{}.AAAAAAAAAAAAAAAAAAAAAA", id.split('.').next().unwrap());
    assert_eq!(gw.status(&alice, &forged, "").await.0, 404);
}

#[tokio::test]
async fn renewal_keeps_the_session_so_a_running_job_stays_readable() {
    let mut config = test_config();
    config.sandbox_latency_scale = 0.2;
    let gw = TestGateway::start(config).await;
    let issuer = TokenIssuer::new(SECRET.as_bytes(), 600);
    let first = gw.token().await;
    let (_, submitted) = gw.submit(&first, &job(json!({}))).await;
    let id = submitted["id"].as_str().unwrap().to_owned();

    // Renew with the current token.
    let r = gw
        .http
        .post(format!("{}/v1/sessions", gw.base))
        .header("origin", PAGE)
        .bearer_auth(&first)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let second = r.json::<Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let a = issuer.verify(&first, None).unwrap();
    let b = issuer.verify(&second, None).unwrap();
    assert_eq!(a.sub, b.sub, "same session");
    assert_eq!(gw.status(&second, &id, "").await.0, 200);

    // A token that expired a moment ago can still be renewed into the same session.
    let mut lapsed = a.clone();
    lapsed.exp = now_seconds() - 30;
    let r = gw
        .http
        .post(format!("{}/v1/sessions", gw.base))
        .header("origin", PAGE)
        .bearer_auth(issuer.sign(&lapsed))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let third = r.json::<Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(issuer.verify(&third, None).unwrap().sub, a.sub);
    let done = loop {
        let (_, s) = gw.status(&third, &id, "wait=10").await;
        if s["status"] == "completed" {
            break s;
        }
    };
    assert_eq!(done["output"].as_array().unwrap().len(), 1);

    // Long expired, forged, or from another origin: refused.
    let mut old = a.clone();
    old.exp = now_seconds() - 10_000;
    for (token, origin, name) in [
        (issuer.sign(&old), PAGE, "TokenExpired"),
        (
            TokenIssuer::new(b"another-secret-another-secret-0000", 600).sign(&a),
            PAGE,
            "TokenInvalid",
        ),
    ] {
        let r = gw
            .http
            .post(format!("{}/v1/sessions", gw.base))
            .header("origin", origin)
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401);
        assert_eq!(r.json::<Value>().await.unwrap()["error"]["name"], name);
    }
}

#[tokio::test]
async fn the_server_api_key_is_accepted_as_bearer() {
    let mut config = test_config();
    config.server_api_key = tryon_gateway::config::Secret("merchant-server-key".into());
    let gw = TestGateway::start(config).await;
    let status = gw.run("merchant-server-key", &job(json!({}))).await;
    assert_eq!(status["status"], "completed");
    let (code, body) = gw.submit("merchant-server-kez", &job(json!({}))).await;
    assert_eq!(
        (code, body["error"]["name"].as_str()),
        (401, Some("TokenInvalid"))
    );
}

#[tokio::test]
async fn a_session_id_in_any_script_can_submit_and_read_with_logging_on() {
    // The gateway logs each submit with the start of the session id; at the default
    // level that must not cut a character in half (which panicked and left the
    // client without an answer).
    let logging = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::INFO)
        .with_test_writer()
        .finish();
    let _logging = tracing::subscriber::set_default(logging);
    let gw = TestGateway::start(test_config()).await;
    let issuer = TokenIssuer::new(SECRET.as_bytes(), 600);
    let mut c = claims(PAGE);
    c.sub = "ñüé漢字ñüé漢字ñüé漢字".into();
    let token = issuer.sign(&c);
    let status = gw.run(&token, &job(json!({}))).await;
    assert_eq!(status["status"], "completed", "{status}");
}
