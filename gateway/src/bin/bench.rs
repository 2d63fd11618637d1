//! `tryon-gateway-bench`: load figures for the gateway, printed, never asserted.
//!
//! Starts the real `tryon-gateway` binary (sandbox engine, zero latency) on loopback,
//! then measures token mints per second, submit + status-until-complete latency for
//! 200 concurrent sessions, errors, and the gateway's peak RSS. Bounded in count and
//! time; everything stays on 127.0.0.1. Run: `scripts/bench.sh` (release build).

mod support;

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::http::header;
use axum::routing::get;
use base64::Engine as _;
use serde_json::{json, Value};
use support::{mint, peak_rss_mb, percentile};

const ORIGIN: &str = "http://bench.test";
const SESSIONS: usize = 200;
const MINT_SECONDS: f64 = 3.0;
const MINT_CLIENTS: usize = 32;
const RAMP: Duration = Duration::from_secs(1);

fn fixtures() -> PathBuf {
    std::env::var_os("TRYON_FIXTURES")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fixtures"))
}

#[tokio::main]
async fn main() {
    // The photo a widget would send: 864×1296 JPEG, as a data URL.
    let person =
        image::open(fixtures().join("people/model.webp")).expect("fixture people/model.webp");
    let person = person
        .resize_to_fill(864, 1296, image::imageops::FilterType::Lanczos3)
        .to_rgb8();
    let mut jpeg = vec![];
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 90)
        .encode_image(&person)
        .expect("encode the photo");
    let photo = format!(
        "data:image/jpeg;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(&jpeg)
    );

    // The garment from a merchant CDN stand-in on loopback.
    let garment =
        std::fs::read(fixtures().join("garments/solidus_tshirt.png")).expect("fixture garment");
    let cdn = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let garment_url = format!("http://{}/tee.png", cdn.local_addr().unwrap());
    let router = axum::Router::new().route(
        "/tee.png",
        get(move || async move { ([(header::CONTENT_TYPE, "image/png")], garment) }),
    );
    tokio::spawn(async move { axum::serve(cdn, router).await });

    let exe = std::env::current_exe()
        .unwrap()
        .with_file_name("tryon-gateway");
    let mut child = Command::new(&exe)
        .args([
            "--listen",
            "127.0.0.1:0",
            "--engine",
            "sandbox",
            "--sandbox-latency-scale",
            "0",
        ])
        .args([
            "--mint-rate-per-minute",
            "0",
            // 200 shoppers from one address: the bench measures the engine, not quotas.
            "--address-images-per-hour",
            "0",
            "--allow-private-image-urls",
            "--allowed-origins",
            ORIGIN,
        ])
        .env("RUST_LOG", "warn")
        .env(
            "MALLOC_ARENA_MAX",
            std::env::var("MALLOC_ARENA_MAX").unwrap_or_default(),
        )
        .env(
            "TRYON_TOKEN_SECRET",
            "bench-secret-bench-secret-bench-secret-00",
        )
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap_or_else(|e| {
            panic!(
                "start {}: {e} (build it with `cargo build --release -p tryon-gateway`)",
                exe.display()
            )
        });
    let pid = child.id();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let base = line.trim().rsplit(' ').next().unwrap().to_owned();
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(512)
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap();

    // 1. Token mints per second.
    let minted = Arc::new(AtomicU64::new(0));
    let mint_errors = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs_f64(MINT_SECONDS);
    let started = Instant::now();
    let mut tasks = vec![];
    for _ in 0..MINT_CLIENTS {
        let (http, base, minted, errors) = (
            http.clone(),
            base.clone(),
            minted.clone(),
            mint_errors.clone(),
        );
        tasks.push(tokio::spawn(async move {
            while Instant::now() < deadline {
                match http
                    .post(format!("{base}/v1/sessions"))
                    .header("origin", ORIGIN)
                    .send()
                    .await
                {
                    Ok(r) if r.status() == 200 => {
                        let _ = r.bytes().await;
                        minted.fetch_add(1, Ordering::Relaxed);
                    }
                    _ => {
                        errors.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let mints_per_second = minted.load(Ordering::Relaxed) as f64 / started.elapsed().as_secs_f64();
    let rss_after_minting = peak_rss_mb(pid);

    // 2. 200 concurrent sessions: mint, submit, long-poll until complete.
    let mut tasks = vec![];
    let wall = Instant::now();
    for i in 0..SESSIONS {
        let (http, base, photo, garment_url) = (
            http.clone(),
            base.clone(),
            photo.clone(),
            garment_url.clone(),
        );
        // Shoppers arrive over RAMP, not in one instant; all 200 are still in flight at once.
        let arrival = RAMP.mul_f64(i as f64 / SESSIONS as f64);
        tasks.push(tokio::spawn(async move {
            tokio::time::sleep(arrival).await;
            one_session(&http, &base, &photo, &garment_url, i as u32).await
        }));
    }
    let mut latencies = vec![];
    let mut overheads = vec![];
    let mut engine = vec![];
    let mut errors = mint_errors.load(Ordering::Relaxed);
    for t in tasks {
        match t.await.unwrap() {
            Ok((total, engine_ms)) => {
                latencies.push(total);
                engine.push(engine_ms);
                overheads.push((total - engine_ms).max(0.0));
            }
            Err(e) => {
                errors += 1;
                eprintln!("session failed: {e}");
            }
        }
    }
    let wall = wall.elapsed();
    for v in [&mut latencies, &mut overheads, &mut engine] {
        v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    }
    let peak_mb = peak_rss_mb(pid);
    Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .ok();
    let _ = child.wait();

    println!(
        "tryon-gateway benchmark (loopback, sandbox at zero latency, {} CPUs)",
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(0)
    );
    println!("| figure | value | target |");
    println!("|---|---|---|");
    println!("| token mints per second ({MINT_CLIENTS} clients, {MINT_SECONDS} s) | {mints_per_second:.0} | ≥ 20,000 |");
    println!(
        "| submit → completed, p50 ({SESSIONS} concurrent sessions) | {:.1} ms | — |",
        percentile(&latencies, 0.5)
    );
    println!(
        "| submit → completed, p99 | {:.1} ms | — |",
        percentile(&latencies, 0.99)
    );
    println!(
        "| engine's own time (render + queue), p50 / p99 | {:.1} / {:.1} ms | — |",
        percentile(&engine, 0.5),
        percentile(&engine, 0.99)
    );
    println!(
        "| gateway time beyond the engine's, p50 | {:.1} ms | — |",
        percentile(&overheads, 0.5)
    );
    println!(
        "| gateway time beyond the engine's, p99 | {:.1} ms | ≤ 20 ms |",
        percentile(&overheads, 0.99)
    );
    println!(
        "| all {SESSIONS} sessions done in | {:.2} s | — |",
        wall.as_secs_f64()
    );
    println!("| errors | {errors} | 0 |");
    println!("| gateway peak RSS after the mints | {rss_after_minting:.1} MB | — |");
    println!("| gateway peak RSS | {peak_mb:.1} MB | ≤ 100 MB |");
}

/// One shopper: token, submit, long-poll. Returns (ms from submit to completed, engine ms).
async fn one_session(
    http: &reqwest::Client,
    base: &str,
    photo: &str,
    garment: &str,
    seed: u32,
) -> Result<(f64, f64), String> {
    let token = mint(http, base, ORIGIN).await?;
    let body = json!({"model_image": photo, "garment_image": garment, "seed": seed, "output_format": "jpeg"});
    let started = Instant::now();
    let r = http
        .post(format!("{base}/api/v1/tryon/clothes"))
        .bearer_auth(&token)
        .json(&body)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let submitted: Value = r.json().await.map_err(|e| e.to_string())?;
    let id = submitted["id"]
        .as_str()
        .ok_or_else(|| format!("no id: {submitted}"))?
        .to_owned();
    let mut since = "starting".to_owned();
    loop {
        let r = http
            .get(format!("{base}/api/v1/status/{id}?wait=30&since={since}"))
            .bearer_auth(&token)
            .send()
            .await
            .map_err(|e| e.to_string())?;
        let timing = r
            .headers()
            .get("server-timing")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let status: Value = r.json().await.map_err(|e| e.to_string())?;
        match status["status"].as_str() {
            Some("completed") => {
                let total = started.elapsed().as_secs_f64() * 1000.0;
                let engine_ms = timing
                    .and_then(|t| t.split("dur=").nth(1).and_then(|d| d.parse::<f64>().ok()))
                    .ok_or("no Server-Timing")?;
                return Ok((total, engine_ms));
            }
            Some("failed") => return Err(format!("job failed: {status}")),
            Some(s) => since = s.to_owned(),
            None => return Err(format!("bad status: {status}")),
        }
    }
}
