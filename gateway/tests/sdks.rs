//! The providers' official SDKs, as published, driving the gateway: a merchant's server
//! code on FASHN's SDK (`fashn` 0.9.0 from PyPI, 0.11.1 from npm) or TryItOn's
//! (`tryiton` 2.0.0 from PyPI) changes only its base URL and key. The gateway runs as
//! its own process in sandbox mode with a server key; the SDKs run as the merchant's
//! scripts (`tests/sdk/`), installed by `scripts/setup.sh` (Python's into
//! `target/sdk-venv`, npm's with the project's `npm ci`).

mod common;

use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

use common::replicas::Replica;
use common::*;
use serde_json::{json, Value};

const KEY: &str = "merchant-server-key-for-the-sdk-tests";

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The gateway in sandbox mode (jobs at once), taking the server key, with a daily
/// budget of 3 images.
fn gateway() -> Replica {
    Replica::start(0, &sandbox_args("0"))
}

fn sandbox_args(latency_scale: &str) -> Vec<&str> {
    vec![
        "--engine",
        "sandbox",
        "--sandbox-latency-scale",
        latency_scale,
        "--server-api-key",
        KEY,
        "--daily-image-budget",
        "3",
    ]
}

/// The gateway's own count `series` (a line of `/metrics` starting so).
async fn metric(gateway: &Replica, series: &str) -> String {
    let text = reqwest::get(format!("{}/metrics", gateway.base))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    text.lines()
        .find(|l| l.starts_with(series))
        .map(|l| l.rsplit(' ').next().unwrap().to_owned())
        .unwrap_or_else(|| panic!("no {series} counted:\n{text}"))
}

/// Runs `program script` against `gateway` with the fixture photo and garment as data
/// URLs in files; the JSON lines it printed.
async fn run(program: &str, script: &str, gateway: &Replica) -> Vec<Value> {
    run_at(program, script, &gateway.base, &[]).await
}

/// Runs `program script` against the gateway at `base`, with `env` beside, off the
/// test's runtime (which serves the fakes and proxies meanwhile).
async fn run_at(program: &str, script: &str, base: &str, env: &[(&str, &str)]) -> Vec<Value> {
    let (program, script, base) = (program.to_owned(), script.to_owned(), base.to_owned());
    let env: Vec<(String, String)> = env
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    tokio::task::spawn_blocking(move || run_blocking(&program, &script, &base, &env))
        .await
        .unwrap()
}

fn run_blocking(program: &str, script: &str, base: &str, env: &[(String, String)]) -> Vec<Value> {
    let dir = tempfile_dir();
    let body = job(json!({}));
    let (model, garment) = (dir.join("model.txt"), dir.join("garment.txt"));
    std::fs::write(&model, body["model_image"].as_str().unwrap()).unwrap();
    std::fs::write(&garment, body["garment_image"].as_str().unwrap()).unwrap();
    let output = Command::new(program)
        .arg(repo().join("gateway/tests/sdk").join(script))
        .current_dir(repo())
        .env("GATEWAY", base)
        .envs(env.iter().map(|(k, v)| (k, v)))
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
    let lines = run(&python(), "fashn_client.py", &gw).await;
    let done = &lines[0];
    assert_eq!(done["status"], "completed", "{done}");
    assert_eq!(done["output"].as_array().unwrap().len(), 2, "num_samples 2");
    // The sandbox spends no provider credits, and says so.
    assert_eq!(done["credits_used"], 0, "{done}");
    pictures_load(&done["output"]).await;
    let max = &lines[1];
    assert_eq!(max["status"], "completed", "{max}");
    assert_eq!(max["output"].as_array().unwrap().len(), 1);
    pictures_load(&max["output"]).await;
    // Refusals in FASHN's flat shape, which the SDK raises by status.
    let unknown = &lines[2];
    assert_eq!(unknown["raised"], "NotFoundError", "{unknown}");
    assert_eq!(unknown["body"]["error"], "NotFound");
    let refused = &lines[3];
    assert_eq!(refused["raised"], "BadRequestError", "{refused}");
    assert_eq!(refused["body"]["error"], "BadRequest");
    assert_eq!(refused["body"]["field"], "model_name");
    assert!(refused["body"]["message"]
        .as_str()
        .unwrap()
        .contains("`product-to-model` is not offered"));
    // The day's 3 images are spent: the SDK raises, and does not send again.
    let spent = &lines[4];
    assert_eq!(spent["raised"], "InternalServerError", "{spent}");
    assert_eq!(spent["body"]["error"], "OutOfCredits");
    assert_eq!(spent["should_retry"], "false");
    assert_eq!(
        metric(
            &gw,
            "tryon_submits_refused_total{reason=\"spending_limit\"}"
        )
        .await,
        "1",
        "one refusal, no retries"
    );
}

#[tokio::test]
async fn tryitons_python_sdk_tries_on_clothing_and_hears_why_not_eyewear() {
    let gw = gateway();
    let lines = run(&python(), "tryiton_client.py", &gw).await;
    tryiton_sdk_was_served(&lines).await;
    // Two images of the day's 3 spent.
    assert_eq!(
        lines[3],
        json!({"step": "credits", "on_demand": 1, "subscription": 0})
    );
}

/// What `tryiton_client.py` printed when the gateway served it.
async fn tryiton_sdk_was_served(lines: &[Value]) {
    assert_eq!(lines[0]["step"], "fashion");
    pictures_load(&lines[0]["output"]).await;
    assert_eq!(lines[1]["ok"], true, "{}", lines[1]);
    pictures_load(&lines[1]["output"]).await;
    let refused = &lines[2];
    assert_eq!(refused["raised"], "TryItOnError", "{refused}");
    assert_eq!(refused["status"], 400);
    assert_eq!(refused["name"], "InvalidRequest");
    assert!(
        refused["message"].as_str().unwrap().contains("eyewear"),
        "{refused}"
    );
}

/// The gateway in front of `fake` (speaking `dialect`), taking the server key.
fn in_front_of(fake: &tryon_fakes::FakeUpstream, dialect: &str) -> Replica {
    Replica::start(
        0,
        &[
            "--engine",
            "upstream",
            "--upstream",
            dialect,
            "--upstream-url",
            fake.url(),
            "--upstream-api-key",
            tryon_fakes::DEFAULT_API_KEY,
            "--upstream-poll-seconds",
            "0.05",
            "--server-api-key",
            KEY,
            "--daily-image-budget",
            "3",
        ],
    )
}

async fn fake(mut config: tryon_fakes::FakeConfig) -> tryon_fakes::FakeUpstream {
    config.time_scale = 0.02;
    tryon_fakes::FakeUpstream::start(config).await.unwrap()
}

#[tokio::test]
async fn fashns_sdk_runs_on_tryiton_and_on_fashn_upstream() {
    // Crossed: FASHN's SDK, the gateway, TryItOn's API (its fake).
    let tryiton = fake(tryon_fakes::FakeConfig::tryiton()).await;
    let gw = in_front_of(&tryiton, "tryiton");
    let lines = run(&python(), "fashn_subscribe.py", &gw).await;
    let done = &lines[0];
    assert_eq!(done["status"], "completed", "{done}");
    assert_eq!(done["credits_used"], Value::Null, "TryItOn does not say");
    pictures_load(&done["output"]).await;
    let submitted = &tryiton.stats().submit_bodies[0].body;
    assert_eq!(submitted["category"], "clothing", "{submitted}");
    assert_eq!(submitted["subcategory"], "tops", "{submitted}");
    // TryItOn has no tryon-max: the gateway does not run something else under its name.
    let max = &lines[1];
    assert_eq!(max["raised"], "BadRequestError", "{max}");
    assert!(max["body"]["message"]
        .as_str()
        .unwrap()
        .contains("runs `tryon-v1.6`"));
    assert_eq!(tryiton.stats().submit_bodies.len(), 1);

    // FASHN's SDK on FASHN: the job's cost as FASHN said it reaches subscribe().
    let fashn = fake(tryon_fakes::FakeConfig::fashn()).await;
    let gw = in_front_of(&fashn, "fashn");
    let lines = run(&python(), "fashn_subscribe.py", &gw).await;
    let done = &lines[0];
    assert_eq!(done["status"], "completed", "{done}");
    assert_eq!(done["credits_used"], 1, "{done}");
    pictures_load(&done["output"]).await;
}

#[tokio::test]
async fn tryitons_sdk_runs_on_fashn_upstream() {
    let fashn = fake(tryon_fakes::FakeConfig::fashn()).await;
    let gw = in_front_of(&fashn, "fashn");
    let lines = run(&python(), "tryiton_client.py", &gw).await;
    tryiton_sdk_was_served(&lines).await;
    let submitted: Vec<Value> = fashn
        .stats()
        .submit_bodies
        .iter()
        .map(|s| s.body.clone())
        .collect();
    assert_eq!(submitted[0]["model_name"], "tryon-v1.6");
    assert_eq!(submitted[0]["inputs"]["category"], "tops");
    assert_eq!(submitted[1]["inputs"]["category"], "one-pieces");
    // Only the eyewear was refused, at the gateway: FASHN saw the two others.
    assert_eq!(submitted.len(), 2);
}

#[tokio::test]
async fn a_submit_whose_answer_is_lost_is_sent_again_by_fashns_sdk_and_makes_one_job() {
    // A 6 s job (quality at half the contract's times): the SDK's retry, 1.5–2 s
    // after the lost answer, finds it still running.
    let gw = Replica::start(0, &sandbox_args("0.5"));
    let (proxy, runs) = losing_the_first_run_answer(&gw.base).await;
    let lines = run_at(
        &python(),
        "fashn_subscribe.py",
        &proxy,
        &[("MODE", "quality")],
    )
    .await;
    let done = &lines[0];
    assert_eq!(done["status"], "completed", "{done}");
    pictures_load(&done["output"]).await;
    // tryon-v1.6 twice (the first answer lost), then tryon-max once.
    assert_eq!(
        runs.load(Ordering::SeqCst),
        3,
        "the SDK sent the submit again"
    );
    assert_eq!(
        metric(&gw, "tryon_jobs_submitted_total").await,
        "2",
        "one try-on job for the two sends, and the tryon-max one"
    );
}

/// A loopback proxy in front of `gateway` that passes everything through, except
/// that the first answer to a `POST /v1/run` is lost: its connection closes once the
/// gateway has answered (the job made), as a network fault on the way back would.
/// Counts the `POST /v1/run`s it saw.
async fn losing_the_first_run_answer(gateway: &str) -> (String, Arc<AtomicUsize>) {
    let target = gateway.trim_start_matches("http://").to_owned();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let runs = Arc::new(AtomicUsize::new(0));
    let counted = runs.clone();
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            // A gateway that is not there: the client's connection just closes.
            if let Ok(server) = tokio::net::TcpStream::connect(&target).await {
                tokio::spawn(pass_through(client, server, counted.clone()));
            }
        }
    });
    (url, runs)
}

async fn pass_through(
    client: tokio::net::TcpStream,
    server: tokio::net::TcpStream,
    runs: Arc<AtomicUsize>,
) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let (mut from_client, mut to_client) = client.into_split();
    let (mut from_server, mut to_server) = server.into_split();
    let losing = Arc::new(AtomicBool::new(false));
    let lose = losing.clone();
    let up = tokio::spawn(async move {
        let mut buf = vec![0; 64 << 10];
        while let Ok(n @ 1..) = from_client.read(&mut buf).await {
            // HTTP/1.1 without pipelining: a request line starts a read.
            if buf[..n].starts_with(b"POST /v1/run ") && runs.fetch_add(1, Ordering::SeqCst) == 0 {
                lose.store(true, Ordering::SeqCst);
            }
            if to_server.write_all(&buf[..n]).await.is_err() {
                break;
            }
        }
    });
    let mut buf = vec![0; 64 << 10];
    while let Ok(n @ 1..) = from_server.read(&mut buf).await {
        if losing.load(Ordering::SeqCst) {
            break;
        }
        if to_client.write_all(&buf[..n]).await.is_err() {
            break;
        }
    }
    up.abort();
}

#[tokio::test]
async fn fashns_npm_sdk_subscribes_and_hears_what_is_not_offered() {
    let gw = gateway();
    let lines = run("node", "fashn_client.mjs", &gw).await;
    assert_eq!(lines[0]["status"], "completed", "{}", lines[0]);
    pictures_load(&lines[0]["output"]).await;
    let refused = &lines[1];
    assert_eq!(refused["raised"], "BadRequestError", "{refused}");
    assert_eq!(refused["status"], 400);
    assert_eq!(refused["body"]["error"], "BadRequest");
    assert_eq!(refused["body"]["field"], "model_name");
}
