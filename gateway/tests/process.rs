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

/// A gateway process with its stdout and, read to the end on another thread, its stderr.
struct Started {
    child: Running,
    base: String,
    first: String,
    stdout: BufReader<std::process::ChildStdout>,
    err_log: std::thread::JoinHandle<String>,
}

impl Started {
    /// Starts the binary on a free port with these flags and environment, logging
    /// at `RUST_LOG=trace`.
    fn new(args: &[&str], env: &[(&str, &str)]) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_tryon-gateway"))
            .args(["--listen", "127.0.0.1:0"])
            .args(args)
            .envs(env.iter().copied())
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
        let child = Running(child);
        let mut first = String::new();
        stdout.read_line(&mut first).unwrap();
        let base = first.trim().rsplit(' ').next().unwrap().to_owned();
        assert!(base.starts_with("http://127.0.0.1:"), "{first}");
        let err_log = std::thread::spawn(move || {
            let mut s = String::new();
            stderr.read_to_string(&mut s).unwrap();
            s
        });
        Started {
            child,
            base,
            first,
            stdout,
            err_log,
        }
    }

    /// Stops it with SIGTERM; checks it stopped gracefully; returns all it wrote.
    fn stop(mut self) -> String {
        Command::new("kill")
            .args(["-TERM", &self.child.0.id().to_string()])
            .status()
            .unwrap();
        let mut rest = String::new();
        self.stdout.read_to_string(&mut rest).unwrap();
        let exit = self.child.0.wait().unwrap();
        assert!(exit.success(), "exit {exit:?}");
        format!("{}{rest}{}", self.first, self.err_log.join().unwrap())
    }
}

/// A session minted over HTTP for the test page, as the widget mints it.
async fn mint(http: &reqwest::Client, base: &str) -> Value {
    http.post(format!("{base}/v1/sessions"))
        .header("origin", PAGE)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test]
async fn logs_and_answers_never_hold_the_key_tokens_or_image_bytes() {
    let mut config = tryon_fakes::FakeConfig::contract();
    config.api_keys = vec![KEY.into()];
    config.time_scale = 0.05;
    let fake = tryon_fakes::FakeUpstream::start(config).await.unwrap();
    let upstream = fake.url().to_owned();
    let gateway = Started::new(
        &[
            "--engine",
            "upstream",
            "--upstream",
            "contract",
            "--upstream-timeout-seconds",
            "1",
        ],
        &[
            ("TRYON_UPSTREAM_URL", &upstream),
            ("TRYON_UPSTREAM_API_KEY", KEY),
        ],
    );
    let base = gateway.base.clone();
    let http = reqwest::Client::new();
    let session = mint(&http, &base).await;
    let token = session["token"].as_str().unwrap().to_owned();
    let photo = data_url("image/jpeg", &fixture("people/portrait.jpg"));
    let mut answers = vec![session.to_string()];
    for scenario in [
        "tee",
        "reject-UnauthorizedAccess",
        "fail-PoseError",
        "status500-1000",
    ] {
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
    let log = gateway.stop();
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
        "TRYON_TRUSTED_PROXIES",
        "TRYON_TRUST_FORWARDED_FOR",
    ] {
        assert!(help.contains(flag), "--help lacks {flag}");
    }
}

#[tokio::test]
async fn request_spans_name_the_route_never_the_job_id() {
    let gateway = Started::new(&["--engine", "sandbox"], &[]);
    let base = gateway.base.clone();
    let http = reqwest::Client::new();
    let session = mint(&http, &base).await;
    let token = session["token"].as_str().unwrap();
    let job = json!({
        "model_image": data_url("image/jpeg", &fixture("people/portrait.jpg")),
        "garment_image": data_url("image/png", &fixture("garments/solidus_tshirt.png")),
    });
    let submitted: Value = http
        .post(format!("{base}/api/v1/tryon/clothes"))
        .bearer_auth(token)
        .json(&job)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = submitted["id"].as_str().expect("a job id").to_owned();
    let r = http
        .get(format!("{base}/api/v1/status/{id}?wait=1"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let log = gateway.stop();
    assert!(
        log.contains("/api/v1/status/{id}"),
        "the span names the route: {log}"
    );
    let (engine_part, tag) = id.split_once('.').unwrap();
    for part in [id.as_str(), engine_part, tag] {
        assert!(
            !log.contains(part),
            "the job id ({part}) is in the logs: {log}"
        );
    }
}

#[tokio::test]
async fn the_log_warns_once_at_80_percent_of_the_daily_budget_and_once_when_it_is_reached() {
    let gateway = Started::new(
        &[
            "--engine",
            "sandbox",
            "--sandbox-latency-scale",
            "0",
            "--photo-check",
            "off",
            "--daily-image-budget",
            "5",
        ],
        &[],
    );
    let base = gateway.base.clone();
    let http = reqwest::Client::new();
    let token = mint(&http, &base).await["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut codes = vec![];
    for (seed, images) in [(1, 4), (2, 1), (3, 1), (4, 1)] {
        let body = json!({
            "model_image": data_url("image/jpeg", &fixture("people/portrait.jpg")),
            "garment_image": data_url("image/png", &fixture("garments/solidus_tshirt.png")),
            "num_samples": images,
            "seed": seed,
        });
        let r = http
            .post(format!("{base}/api/v1/tryon/clothes"))
            .bearer_auth(&token)
            .header("origin", PAGE)
            .json(&body)
            .send()
            .await
            .unwrap();
        codes.push(r.status().as_u16());
    }
    assert_eq!(codes, [200, 200, 503, 503]);
    let log = gateway.stop();
    let warned = |text: &str| log.lines().filter(|l| l.contains(text)).count();
    assert_eq!(warned("80 % of the daily image budget"), 1, "{log}");
    assert_eq!(
        warned("the daily image budget (TRYON_DAILY_IMAGE_BUDGET) is reached"),
        1,
        "{log}"
    );
}
