//! A refusal that comes before the body is read still reaches a client that sends
//! its whole upload first and only then reads the answer.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use common::*;

/// Sends a POST with `body`, this bearer and `origin` over a plain socket, writing
/// every byte before reading: the raw answer, or what went wrong.
fn upload_then_read(
    base: &str,
    path: &str,
    bearer: &str,
    origin: &str,
    body: &[u8],
) -> Result<String, String> {
    let address = base.trim_start_matches("http://");
    let mut socket = TcpStream::connect(address).map_err(|e| format!("connect: {e}"))?;
    socket
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {bearer}\r\nOrigin: {origin}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    socket
        .write_all(head.as_bytes())
        .and_then(|()| socket.write_all(body))
        .map_err(|e| format!("write: {e}"))?;
    let mut answer = Vec::new();
    socket
        .read_to_end(&mut answer)
        .map_err(|e| format!("read: {e}"))?;
    Ok(String::from_utf8_lossy(&answer).into_owned())
}

/// A ~3 MB job, as a phone photo in a data URL makes it.
fn large_job() -> Vec<u8> {
    let photo = data_url("image/jpeg", &vec![0x5Au8; 2_200_000]);
    let body =
        serde_json::json!({"model_image": photo, "garment_image": "https://example.com/g.png"})
            .to_string()
            .into_bytes();
    assert!(body.len() > 2_900_000, "{}", body.len());
    body
}

/// Uploads the large job 20 times to `path` with this bearer and origin; asserts
/// every try got an answer with `status` and error `name`.
async fn every_try_is_answered(
    gw: &TestGateway,
    path: &'static str,
    bearer: String,
    origin: &'static str,
    status: u16,
    name: &str,
) {
    let base = gw.base.clone();
    let answers = tokio::task::spawn_blocking(move || {
        let body = large_job();
        (0..20)
            .map(|_| upload_then_read(&base, path, &bearer, origin, &body))
            .collect::<Vec<_>>()
    })
    .await
    .unwrap();
    for (i, answer) in answers.iter().enumerate() {
        let answer = answer
            .as_ref()
            .unwrap_or_else(|e| panic!("try {i}: no answer ({e})"));
        assert!(
            answer.starts_with(&format!("HTTP/1.1 {status} ")),
            "try {i}: {answer}"
        );
        assert!(answer.contains(&format!("\"{name}\"")), "try {i}: {answer}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_bearer_is_answered_after_a_large_upload() {
    let gw = TestGateway::start(test_config()).await;
    let api = "/api/v1/tryon/clothes";
    every_try_is_answered(&gw, api, "not-a-token".into(), PAGE, 401, "TokenInvalid").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn other_refusals_before_the_body_are_answered_after_a_large_upload() {
    let gw = TestGateway::start(test_config()).await;
    let token = gw.token().await;
    let api = "/api/v1/tryon/clothes";
    // A page the token was not minted for.
    let evil = "https://evil.test";
    every_try_is_answered(&gw, api, token.clone(), evil, 401, "TokenOriginMismatch").await;
    // No such route.
    every_try_is_answered(&gw, "/api/v1/nowhere", token, PAGE, 404, "NotFound").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_over_the_limit_is_answered_413_after_the_upload() {
    let mut config = test_config();
    config.body_limit_mb = 2;
    let gw = TestGateway::start(config).await;
    let token = gw.token().await;
    let api = "/api/v1/tryon/clothes";
    every_try_is_answered(&gw, api, token, PAGE, 413, "PayloadTooLarge").await;
}
