//! The providers' official SDKs, as published, driving the gateway: a merchant's server
//! code on FASHN's SDK (`fashn` 0.9.0 from PyPI, 0.11.1 from npm) or TryItOn's
//! (`tryiton` 2.0.0 from PyPI) changes only its base URL and key. The gateway runs as
//! its own process in sandbox mode with a server key; the SDKs run as the merchant's
//! scripts (`tests/sdk/`), installed by `scripts/setup.sh` (Python's into
//! `target/sdk-venv`, npm's with the project's `npm ci`).

mod common;

use std::path::PathBuf;
use std::process::Command;

use common::replicas::Replica;
use common::*;
use serde_json::{json, Value};

const KEY: &str = "merchant-server-key-for-the-sdk-tests";

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The gateway in sandbox mode (jobs at once), taking the server key, with a daily
/// budget of 2 images.
fn gateway() -> Replica {
    Replica::start(
        0,
        &[
            "--engine",
            "sandbox",
            "--sandbox-latency-scale",
            "0",
            "--server-api-key",
            KEY,
            "--daily-image-budget",
            "2",
        ],
    )
}

/// How many submits `gateway` refused for its daily budget (its own count).
async fn refused_for_the_budget(gateway: &Replica) -> String {
    let text = reqwest::get(format!("{}/metrics", gateway.base))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    text.lines()
        .find(|l| l.starts_with("tryon_submits_refused_total{reason=\"spending_limit\"}"))
        .map(|l| l.rsplit(' ').next().unwrap().to_owned())
        .unwrap_or_else(|| panic!("no spending_limit refusals counted:\n{text}"))
}

/// Runs `program script` against `gateway` with the fixture photo and garment as data
/// URLs in files; the JSON lines it printed.
fn run(program: &str, script: &str, gateway: &Replica) -> Vec<Value> {
    let dir = tempfile_dir();
    let body = job(json!({}));
    let (model, garment) = (dir.join("model.txt"), dir.join("garment.txt"));
    std::fs::write(&model, body["model_image"].as_str().unwrap()).unwrap();
    std::fs::write(&garment, body["garment_image"].as_str().unwrap()).unwrap();
    let output = Command::new(program)
        .arg(repo().join("gateway/tests/sdk").join(script))
        .current_dir(repo())
        .env("GATEWAY", &gateway.base)
        .env("KEY", KEY)
        .env("MODEL_FILE", &model)
        .env("GARMENT_FILE", &garment)
        .output()
        .unwrap_or_else(|e| panic!("{program} {script} (run scripts/setup.sh): {e}"));
    let _ = std::fs::remove_dir_all(&dir);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{script}: {}\n{stdout}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

fn tempfile_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tryon-sdk-{}", random_suffix()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn random_suffix() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!("{}-{nanos}", std::process::id())
}

fn python() -> String {
    repo()
        .join("target/sdk-venv/bin/python")
        .display()
        .to_string()
}

/// Each result URL answers with a picture.
async fn pictures_load(urls: &Value) {
    let urls = urls.as_array().expect("output URLs");
    assert!(!urls.is_empty());
    for url in urls {
        let r = reqwest::get(url.as_str().unwrap()).await.unwrap();
        assert_eq!(r.status(), 200, "{url}");
        assert!(image::load_from_memory(&r.bytes().await.unwrap()).is_ok());
    }
}

#[tokio::test]
async fn fashns_python_sdk_subscribes_and_is_told_what_is_not_offered() {
    let gw = gateway();
    let lines = run(&python(), "fashn_client.py", &gw);
    let done = &lines[0];
    assert_eq!(done["status"], "completed", "{done}");
    assert_eq!(done["output"].as_array().unwrap().len(), 2, "num_samples 2");
    pictures_load(&done["output"]).await;
    assert_eq!(
        lines[1],
        json!({"step": "status", "id": done["id"], "status": "completed"})
    );
    let refused = &lines[2];
    assert_eq!(refused["raised"], "BadRequestError", "{refused}");
    assert_eq!(refused["body"]["error"]["field"], "model_name");
    assert!(refused["body"]["error"]["message"]
        .as_str()
        .unwrap()
        .contains("tryon-max"));
    // The day's 2 images are spent: the SDK raises, and does not send again.
    let spent = &lines[3];
    assert_eq!(spent["raised"], "InternalServerError", "{spent}");
    assert_eq!(spent["name"], "SpendingLimitReached");
    assert_eq!(spent["should_retry"], "false");
    assert_eq!(
        refused_for_the_budget(&gw).await,
        "1",
        "one refusal, no retries"
    );
}

#[tokio::test]
async fn tryitons_python_sdk_tries_on_clothing_and_hears_why_not_eyewear() {
    let gw = gateway();
    let lines = run(&python(), "tryiton_client.py", &gw);
    assert_eq!(lines[0]["step"], "fashion");
    pictures_load(&lines[0]["output"]).await;
    let refused = &lines[1];
    assert_eq!(refused["raised"], "TryItOnError", "{refused}");
    assert_eq!(refused["status"], 400);
    assert!(
        refused["message"].as_str().unwrap().contains("eyewear"),
        "{refused}"
    );
}

#[tokio::test]
async fn fashns_npm_sdk_subscribes() {
    let gw = gateway();
    let lines = run("node", "fashn_client.mjs", &gw);
    assert_eq!(lines[0]["status"], "completed", "{}", lines[0]);
    pictures_load(&lines[0]["output"]).await;
}
