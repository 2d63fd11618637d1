//! The real `tryon-gateway` binary: its logs at the most verbose level never hold the
//! upstream key, a token or image bytes; it refuses bad settings; it stops gracefully.

mod common;

use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};

use common::*;
use serde_json::{json, Value};

const KEY: &str = "sk-live-0123456789-never-print-me";

/// Ends the gateway process even when an assertion fails first.
struct Running(std::process::Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn logs_and_answers_never_hold_the_key_tokens_or_image_bytes() {
    let (upstream, _) = fake_upstream::start().await;
    let mut child = Command::new(env!("CARGO_BIN_EXE_tryon-gateway"))
        .args([
            "--listen",
            "127.0.0.1:0",
            "--engine",
            "upstream",
            "--upstream-timeout-seconds",
            "1",
        ])
        .env("TRYON_UPSTREAM_URL", &upstream)
        .env("TRYON_UPSTREAM_API_KEY", KEY)
        .env("TRYON_ALLOWED_ORIGINS", PAGE)
        .env("TRYON_TOKEN_SECRET", SECRET)
        .env("RUST_LOG", "trace")
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut stderr = child.stderr.take().unwrap();
    let mut child = Running(child);
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    let base = first.trim().rsplit(' ').next().unwrap().to_owned();
    assert!(base.starts_with("http://127.0.0.1:"), "{first}");
    let err_log = std::thread::spawn(move || {
        let mut s = String::new();
        stderr.read_to_string(&mut s).unwrap();
        s
    });

    let http = reqwest::Client::new();
    let session: Value = http
        .post(format!("{base}/v1/sessions"))
        .header("origin", PAGE)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = session["token"].as_str().unwrap().to_owned();
    let photo = data_url("image/jpeg", &fixture("people/portrait.jpg"));
    let mut answers = vec![session.to_string()];
    for scenario in ["ok", "badkey", "PoseError", "down"] {
        let body = json!({"model_image": photo, "garment_image": format!("https://example.com/{scenario}.png")});
        let r = http
            .post(format!("{base}/api/v1/tryon/clothes"))
            .bearer_auth(&token)
            .json(&body)
            .send()
            .await
            .unwrap();
        let submitted: Value = r.json().await.unwrap();
        answers.push(submitted.to_string());
        if let Some(id) = submitted["id"].as_str() {
            for _ in 0..2 {
                let r = http
                    .get(format!("{base}/api/v1/status/{id}"))
                    .bearer_auth(&token)
                    .send()
                    .await
                    .unwrap();
                answers.push(r.text().await.unwrap());
            }
        }
    }
    let r = http
        .get(format!("{base}/api/v1/status/x.y"))
        .bearer_auth("wrong-token")
        .send()
        .await
        .unwrap();
    answers.push(r.text().await.unwrap());
    answers.push(
        http.get(format!("{base}/metrics"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    );

    // Graceful stop on SIGTERM.
    Command::new("kill")
        .args(["-TERM", &child.0.id().to_string()])
        .status()
        .unwrap();
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).unwrap();
    let exit = child.0.wait().unwrap();
    assert!(exit.success(), "exit {exit:?}");
    let log = format!("{first}{rest}{}", err_log.join().unwrap());
    assert!(
        log.contains("job submitted"),
        "the logs say something: {log}"
    );
    assert!(log.contains("shutting down"), "{log}");

    let payload = photo.split(',').nth(1).unwrap();
    for (what, secret) in [
        ("API key", KEY),
        ("session token", token.as_str()),
        ("image bytes", &payload[100..160]),
    ] {
        assert!(!log.contains(secret), "the {what} appears in the logs");
        for a in &answers {
            assert!(
                !a.contains(secret) || what == "session token" && a.contains("\"token\""),
                "the {what} appears in an answer: {a}"
            );
        }
    }
}

#[test]
fn bad_settings_are_refused_with_a_reason() {
    let out = Command::new(env!("CARGO_BIN_EXE_tryon-gateway"))
        .args(["--engine", "upstream", "--listen", "127.0.0.1:0"])
        .env_remove("TRYON_UPSTREAM_API_KEY")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("needs TRYON_UPSTREAM_API_KEY"));
    let out = Command::new(env!("CARGO_BIN_EXE_tryon-gateway"))
        .args(["--listen", "127.0.0.1:0"])
        .env("TRYON_TOKEN_SECRET", "short")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("at least 32 bytes"));
    let help = Command::new(env!("CARGO_BIN_EXE_tryon-gateway"))
        .arg("--help")
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&help.stdout);
    for flag in [
        "--engine",
        "--allowed-origins",
        "--sandbox-latency-scale",
        "TRYON_UPSTREAM_API_KEY",
    ] {
        assert!(help.contains(flag), "--help lacks {flag}");
    }
}
