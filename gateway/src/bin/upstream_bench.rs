//! `tryon-upstream-bench`: the gateway in front of the hosted APIs under load, printed,
//! never asserted.
//!
//! 200 shoppers at once, 9 s jobs, against the fakes of FASHN (its published limits:
//! submits 50 per 60 s, status reads 50 per 10 s; with and without webhooks) and of
//! TryItOn (no published limits): the real `tryon-gateway` binary (release) and the
//! real `tryon-fake-upstream` binary, on loopback. Each shopper does what the widget
//! does: mint a token, submit (a 429 is waited out for its `Retry-After`), long-poll
//! until the end. Time is scaled (`TRYON_BENCH_SCALE`, default 0.1: a 9 s job takes
//! 0.9 s, FASHN's windows 6 s and 1 s, the gateway's intervals alike); counts do not
//! depend on the scale, and times are printed both as measured and in the providers'
//! time (measured ÷ scale).
//!
//! With `TRYON_BENCH_REDIS` set (a Redis URL; `scripts/bench-replicas.sh` starts one),
//! a fourth run: 500 shoppers over 3 replicas sharing that Redis, FASHN with webhooks,
//! every request of a shopper sent to the next replica (a round-robin load balancer),
//! callbacks landing on the first; it adds each replica's RSS and Redis commands per job.
//!
//! Then fair turns at FASHN's submit limit: honest shoppers' wait for a free spot with
//! no script, with a script submitting as fast as it can on 10 tokens from 10
//! addresses (each within its quota), and the same with first come, first served (the
//! gateway before fair turns), in one run (`TRYON_BENCH_ONLY=fair` runs it alone); with
//! `TRYON_BENCH_REDIS`, also with no script and with the script on 3 replicas sharing
//! that Redis, every request sent to the next replica.
//!
//! Run: `scripts/bench-upstream.sh` (builds both binaries in release).

mod support;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use support::{mint, peak_rss_mb, percentile};

const ORIGIN: &str = "http://bench.test";
const SHOPPERS: usize = 200;
const JOB_SECONDS: f64 = 9.0;
/// The gateway's polling interval, in the providers' time.
const POLL_SECONDS: f64 = 3.0;
/// The gateway's fallback read with webhooks, in the providers' time.
const FALLBACK_SECONDS: f64 = 20.0;

/// One run: a fake, gateways in front of it, and what the shoppers saw.
struct Scenario {
    name: &'static str,
    dialect: &'static str,
    webhooks: bool,
    shoppers: usize,
    /// Gateways sharing Redis (1: a single gateway without Redis).
    replicas: usize,
}

/// The figures of one run.
struct Figures {
    errors: usize,
    busy_answers: usize,
    upstream_429: u64,
    jobs: u64,
    reads_per_job_mean: f64,
    reads_per_job_max: u64,
    webhooks: u64,
    to_shopper_ms: Vec<f64>,
    wall: Duration,
    rss_mb: Vec<f64>,
    redis_commands_per_job: Option<f64>,
}

fn main() {
    let scale: f64 = std::env::var("TRYON_BENCH_SCALE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0.1);
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    let redis = std::env::var("TRYON_BENCH_REDIS").ok();
    let one = |name, dialect, webhooks| Scenario {
        name,
        dialect,
        webhooks,
        shoppers: SHOPPERS,
        replicas: 1,
    };
    // `TRYON_BENCH_ONLY=replicas` runs the replica run alone; `fair` the fair turns.
    let only = std::env::var("TRYON_BENCH_ONLY").unwrap_or_default();
    if only == "fair" {
        runtime.block_on(fair_turns(scale, redis.as_deref()));
        return;
    }
    let only_replicas = only == "replicas";
    let mut scenarios = vec![];
    if !only_replicas {
        scenarios.push(one("FASHN, polling", "fashn", false));
        scenarios.push(one("FASHN, webhooks", "fashn", true));
        scenarios.push(one("TryItOn, polling", "tryiton", false));
    }
    if redis.is_some() {
        scenarios.push(Scenario {
            name: "FASHN, webhooks, 3 replicas on Redis",
            dialect: "fashn",
            webhooks: true,
            shoppers: 500,
            replicas: 3,
        });
    }
    let mut rows = vec![];
    for scenario in &scenarios {
        eprintln!("running: {} …", scenario.name);
        rows.push((
            scenario,
            runtime.block_on(run(scenario, scale, redis.as_deref())),
        ));
    }
    println!(
        "tryon-upstream-bench: shoppers at once, {JOB_SECONDS} s jobs, time scale {scale} (loopback, {} CPUs)",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    println!("gateway: status read every {POLL_SECONDS} s per job (polling), fallback read after {FALLBACK_SECONDS} s (webhooks); FASHN limits 50/60 s submit, 50/10 s status");
    println!();
    println!("| run | shoppers | shopper-visible errors | upstream 429s | status reads per job, mean / max | target | webhooks | completion → shopper p50 / p99 (measured) | same in provider time | all done in (provider time) | gateway peak RSS | Redis round trips per job |");
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|");
    for (scenario, f) in rows {
        let mut lat = f.to_shopper_ms.clone();
        lat.sort_by(|a, b| a.partial_cmp(b).unwrap());
        let (p50, p99) = (percentile(&lat, 0.5), percentile(&lat, 0.99));
        let target = if scenario.webhooks {
            "≤ 1".to_owned()
        } else {
            format!("≤ {:.0}", JOB_SECONDS / POLL_SECONDS + 1.0)
        };
        println!(
            "| {} | {} | {} | {} | {:.2} / {} | {} | {} | {:.0} / {:.0} ms | {:.2} / {:.2} s | {:.0} s | {} | {} |",
            scenario.name,
            scenario.shoppers,
            f.errors,
            f.upstream_429,
            f.reads_per_job_mean,
            f.reads_per_job_max,
            target,
            f.webhooks,
            p50,
            p99,
            p50 / 1000.0 / scale,
            p99 / 1000.0 / scale,
            f.wall.as_secs_f64() / scale,
            f.rss_mb
                .iter()
                .map(|mb| format!("{mb:.1} MB"))
                .collect::<Vec<_>>()
                .join(" / "),
            f.redis_commands_per_job
                .map_or("—".to_owned(), |n| format!("{n:.1}")),
        );
        if f.jobs != scenario.shoppers as u64 || f.busy_answers > 0 {
            println!(
                "|   ({} jobs made upstream; {} submits answered 429 by the gateway and waited out) |||||||||",
                f.jobs, f.busy_answers
            );
        }
    }
    if !only_replicas {
        runtime.block_on(fair_turns(scale, redis.as_deref()));
    }
}

async fn run(scenario: &Scenario, scale: f64, redis: Option<&str>) -> Figures {
    let bin = std::env::current_exe().expect("own path");
    let (mut fake, fake_url) = start(
        Command::new(bin.with_file_name("tryon-fake-upstream")).args([
            "--dialect",
            scenario.dialect,
            "--time-scale",
            &scale.to_string(),
            "--job-seconds",
            &JOB_SECONDS.to_string(),
        ]),
        "tryon-fake-upstream (cargo build --release -p tryon-fakes)",
    );
    // The gateways' addresses, known before they start, so FASHN can call back (the
    // first stands for the load balancer's public URL).
    let ports: Vec<u16> = (0..scenario.replicas)
        .map(|_| {
            std::net::TcpListener::bind("127.0.0.1:0")
                .and_then(|l| l.local_addr())
                .expect("a free port")
                .port()
        })
        .collect();
    let bases: Vec<String> = ports
        .iter()
        .map(|p| format!("http://127.0.0.1:{p}"))
        .collect();
    let scaled = |seconds: f64| (seconds * scale).to_string();
    let shared = (scenario.replicas > 1).then_some(redis).flatten();
    let redis_before = match shared {
        Some(url) => Some(redis_commands(url).await),
        None => None,
    };
    let mut gateways = vec![];
    for port in &ports {
        let mut gateway = Command::new(bin.with_file_name("tryon-gateway"));
        gateway
            .args(["--listen", &format!("127.0.0.1:{port}")])
            .args(["--engine", "upstream", "--upstream", scenario.dialect])
            .args([
                "--upstream-url",
                &fake_url,
                "--upstream-api-key",
                "fake-upstream-key",
            ])
            .args(["--upstream-poll-seconds", &scaled(POLL_SECONDS)])
            .args([
                "--upstream-webhook-fallback-seconds",
                &scaled(FALLBACK_SECONDS),
            ])
            .args(["--upstream-submit-wait-seconds", &scaled(10.0)])
            .args(["--mint-rate-per-minute", "0", "--allowed-origins", ORIGIN])
            // Every simulated shopper comes from 127.0.0.1: quotas are measured apart.
            .args([
                "--address-images-per-hour",
                "0",
                "--daily-image-budget",
                "off",
            ])
            .env("RUST_LOG", "error")
            .env(
                "TRYON_TOKEN_SECRET",
                "bench-secret-bench-secret-bench-secret-00",
            );
        if scenario.dialect == "fashn" {
            gateway
                .args(["--upstream-submit-limit", &format!("50/{}", scaled(60.0))])
                .args(["--upstream-status-limit", &format!("50/{}", scaled(10.0))]);
        }
        if scenario.webhooks {
            gateway.args(["--public-url", &bases[0]]);
        }
        if let Some(url) = shared {
            gateway.args(["--redis-url", url]);
        }
        let (child, _) = start(
            &mut gateway,
            "tryon-gateway (cargo build --release -p tryon-gateway)",
        );
        gateways.push(child);
    }

    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(512)
        .timeout(Duration::from_secs(120))
        .build()
        .expect("a client");
    let job_length = Duration::from_secs_f64(JOB_SECONDS * scale);
    let started = Instant::now();
    let shoppers: Vec<_> = (0..scenario.shoppers)
        .map(|i| {
            let (http, bases) = (http.clone(), bases.clone());
            tokio::spawn(async move { shopper(&http, &bases, i, job_length).await })
        })
        .collect();
    let mut figures = Figures {
        errors: 0,
        busy_answers: 0,
        upstream_429: 0,
        jobs: 0,
        reads_per_job_mean: 0.0,
        reads_per_job_max: 0,
        webhooks: 0,
        to_shopper_ms: vec![],
        wall: Duration::ZERO,
        rss_mb: vec![],
        redis_commands_per_job: None,
    };
    for s in shoppers {
        match s.await.expect("a shopper task") {
            Ok((late, busy)) => {
                figures.to_shopper_ms.push(late.as_secs_f64() * 1000.0);
                figures.busy_answers += busy;
            }
            Err(e) => {
                figures.errors += 1;
                eprintln!("  a shopper saw: {e}");
            }
        }
    }
    figures.wall = started.elapsed();
    figures.rss_mb = gateways.iter().map(|g| peak_rss_mb(g.id())).collect();
    let stats: Value = http
        .get(format!("{fake_url}/__fake/stats"))
        .send()
        .await
        .expect("the fake's stats")
        .json()
        .await
        .expect("stats are JSON");
    figures.upstream_429 = stats["too_many_requests"]["submit"].as_u64().unwrap_or(0)
        + stats["too_many_requests"]["status"].as_u64().unwrap_or(0);
    figures.jobs = stats["jobs"].as_u64().unwrap_or(0);
    let per_job: Vec<u64> = stats["status_reads_per_job"]
        .as_object()
        .map(|m| m.values().filter_map(Value::as_u64).collect())
        .unwrap_or_default();
    figures.reads_per_job_mean = per_job.iter().sum::<u64>() as f64 / figures.jobs.max(1) as f64;
    figures.reads_per_job_max = per_job.iter().copied().max().unwrap_or(0);
    figures.webhooks = stats["webhooks"]["succeeded"].as_u64().unwrap_or(0);
    if let (Some(url), Some(before)) = (shared, redis_before) {
        // Round trips: what the replicas sent (their own count), not the commands
        // Redis ran inside the scripts.
        let mut sent = 0.0;
        for base in &bases {
            sent += redis_commands_sent(&http, base).await;
        }
        figures.redis_commands_per_job = Some(sent / figures.jobs.max(1) as f64);
        let processed = redis_commands(url).await.saturating_sub(before);
        eprintln!(
            "  Redis: {processed} commands processed (script internals included), {sent} sent by the replicas; by name: {}",
            redis_command_stats(url).await
        );
    }
    for gateway in &mut gateways {
        stop(gateway);
    }
    stop(&mut fake);
    figures
}

/// Honest shoppers arriving during the script, and the script's tokens and submits each.
const HONEST: usize = 12;
/// Provider seconds between two honest shoppers' arrivals: they arrive over more than
/// one of FASHN's 60 s windows, so a pace that runs the window dry shows.
const HONEST_EVERY: f64 = 6.0;
const SCRIPT_TOKENS: usize = 10;
const SCRIPT_SUBMITS_PER_TOKEN: usize = 20;

/// Prints the fair-turns table: honest shoppers' waits with no script, with a script
/// (fair turns), and with a script (first come, first served).
async fn fair_turns(scale: f64, redis: Option<&str>) {
    let mut runs = vec![
        ("no script", false, true, None),
        ("script on 10 addresses, fair turns", true, true, None),
        (
            "script on 10 addresses, first come first served (before)",
            true,
            false,
            None,
        ),
    ];
    if redis.is_some() {
        runs.push(("3 replicas on Redis, no script", false, true, redis));
        runs.push((
            "3 replicas on Redis, script on 10 addresses, fair turns",
            true,
            true,
            redis,
        ));
    }
    let interval = 60.0 / 50.0;
    println!();
    println!("Fair turns at FASHN's submit limit (50 per 60 s: a permit every {interval} s), time scale {scale}: {HONEST} honest shoppers, one image each, arriving one every {HONEST_EVERY} s (provider time) while the script runs; each waits out a 429 for its Retry-After, as the widget does");
    println!();
    println!("| run | honest wait for a free spot p50 / p99 (provider time) | in permit intervals p50 / p99 | script images accepted | honest shoppers served |");
    println!("|---|---|---|---|---|");
    for (name, script, fair, redis) in runs {
        eprintln!("running: fair turns, {name} …");
        let (mut waits, script_images) = fair_run(scale, script, fair, redis).await;
        waits.sort_by(|a, b| a.partial_cmp(b).unwrap());
        let (p50, p99) = (
            percentile(&waits, 0.5) / scale,
            percentile(&waits, 0.99) / scale,
        );
        println!(
            "| {name} | {p50:.1} / {p99:.1} s | {:.1} / {:.1} | {} | {} of {HONEST} |",
            p50 / interval,
            p99 / interval,
            if script {
                script_images.to_string()
            } else {
                "—".into()
            },
            waits.len()
        );
    }
}

/// One fair-turns run: the honest shoppers' waits (measured seconds) and the script's
/// accepted images. With `redis`, 3 replicas share it and take requests in turn.
async fn fair_run(scale: f64, script: bool, fair: bool, redis: Option<&str>) -> (Vec<f64>, usize) {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    use std::sync::Arc;
    let bin = std::env::current_exe().expect("own path");
    let (mut fake, fake_url) = start(
        Command::new(bin.with_file_name("tryon-fake-upstream")).args([
            "--dialect",
            "fashn",
            "--time-scale",
            &scale.to_string(),
            "--job-seconds",
            &JOB_SECONDS.to_string(),
        ]),
        "tryon-fake-upstream (cargo build --release -p tryon-fakes)",
    );
    let scaled = |seconds: f64| (seconds * scale).to_string();
    let mut gateways = vec![];
    let mut bases = vec![];
    for _ in 0..if redis.is_some() { 3 } else { 1 } {
        let mut gateway = Command::new(bin.with_file_name("tryon-gateway"));
        gateway
            .args(["--listen", "127.0.0.1:0", "--engine", "upstream"])
            .args([
                "--upstream-url",
                &fake_url,
                "--upstream-api-key",
                "fake-upstream-key",
            ])
            .args(["--upstream-poll-seconds", &scaled(POLL_SECONDS)])
            .args(["--upstream-submit-wait-seconds", &scaled(10.0)])
            .args(["--upstream-submit-limit", &format!("50/{}", scaled(60.0))])
            .args(["--upstream-status-limit", &format!("50/{}", scaled(10.0))])
            .args(["--upstream-fair-turns", if fair { "true" } else { "false" }])
            .args(["--mint-rate-per-minute", "0", "--allowed-origins", ORIGIN])
            // The shoppers' addresses come from X-Forwarded-For; the quotas as shipped.
            .args(["--trusted-proxies", "1", "--daily-image-budget", "off"])
            .env("RUST_LOG", "error")
            .env(
                "TRYON_TOKEN_SECRET",
                "bench-secret-bench-secret-bench-secret-00",
            );
        if let Some(url) = redis {
            gateway.args(["--redis-url", url]);
        }
        let (child, base) = start(
            &mut gateway,
            "tryon-gateway (cargo build --release -p tryon-gateway)",
        );
        gateways.push(child);
        bases.push(base);
    }
    // Each request to the next replica, as a round-robin load balancer sends them.
    let turn = Arc::new(AtomicUsize::new(0));
    let base = move || bases[turn.fetch_add(1, Ordering::Relaxed) % bases.len()].clone();
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(512)
        .timeout(Duration::from_secs(120))
        .build()
        .expect("a client");
    let mint_from = {
        let (http, base) = (http.clone(), base.clone());
        move |address: String| {
            let (http, base) = (http.clone(), base());
            async move {
                let session: Value = http
                    .post(format!("{base}/v1/sessions"))
                    .header("origin", ORIGIN)
                    .header("x-forwarded-for", address)
                    .send()
                    .await
                    .expect("a mint")
                    .json()
                    .await
                    .expect("JSON");
                session["token"].as_str().expect("a token").to_owned()
            }
        }
    };
    // One submit from `address`: the status and the Retry-After.
    let submit = {
        let (http, base) = (http.clone(), base.clone());
        move |token: String, address: String, seed: usize| {
            let (http, base) = (http.clone(), base());
            async move {
                let r = http
                    .post(format!("{base}/api/v1/tryon/clothes"))
                    .bearer_auth(token)
                    .header("origin", ORIGIN)
                    .header("x-forwarded-for", address)
                    .json(&json!({
                        "model_image": "https://shop.test/person.jpg",
                        "garment_image": "https://shop.test/tee.png",
                        "seed": seed,
                    }))
                    .send()
                    .await;
                match r {
                    Ok(r) => {
                        let retry = r
                            .headers()
                            .get("retry-after")
                            .and_then(|v| v.to_str().ok()?.parse::<f64>().ok());
                        let name = r.json::<Value>().await.unwrap_or(Value::Null)["error"]["name"]
                            .as_str()
                            .unwrap_or("")
                            .to_owned();
                        (name, retry)
                    }
                    Err(e) => (format!("unreachable: {e}"), None),
                }
            }
        }
    };
    let accepted = Arc::new(AtomicUsize::new(0));
    let done = Arc::new(AtomicBool::new(false));
    let mut script_tasks = vec![];
    if script {
        for t in 0..SCRIPT_TOKENS {
            let address = format!("198.19.{t}.1");
            let token = mint_from(address.clone()).await;
            for n in 0..SCRIPT_SUBMITS_PER_TOKEN {
                let (submit, token, address) = (submit.clone(), token.clone(), address.clone());
                let (accepted, done) = (accepted.clone(), done.clone());
                script_tasks.push(tokio::spawn(async move {
                    // As fast as it can: a busy 429 is sent again at once.
                    while !done.load(Ordering::Relaxed) {
                        let (name, _) = submit(token.clone(), address.clone(), t * 1000 + n).await;
                        match name.as_str() {
                            "" => {
                                accepted.fetch_add(1, Ordering::Relaxed);
                                return;
                            }
                            "RateLimitExceeded" => {
                                tokio::time::sleep(Duration::from_millis(20)).await
                            }
                            _ => return,
                        }
                    }
                }));
            }
        }
    }
    let mut honest = vec![];
    for h in 0..HONEST {
        tokio::time::sleep(Duration::from_secs_f64(HONEST_EVERY * scale)).await;
        let (submit, mint_from) = (submit.clone(), mint_from.clone());
        honest.push(tokio::spawn(async move {
            let address = format!("192.0.2.{}", h + 10);
            let token = mint_from(address.clone()).await;
            let started = Instant::now();
            for _ in 0..200 {
                let (name, retry) = submit(token.clone(), address.clone(), 7_000_000 + h).await;
                match name.as_str() {
                    "" => return Some(started.elapsed().as_secs_f64()),
                    "RateLimitExceeded" => {
                        tokio::time::sleep(Duration::from_secs_f64(retry.unwrap_or(1.0))).await
                    }
                    other => {
                        eprintln!("  an honest shopper saw {other}");
                        return None;
                    }
                }
            }
            None
        }));
    }
    let mut waits = vec![];
    for h in honest {
        if let Some(wait) = h.await.expect("an honest shopper") {
            waits.push(wait);
        }
    }
    let script_images = accepted.load(Ordering::Relaxed);
    done.store(true, Ordering::Relaxed);
    for t in script_tasks {
        t.abort();
    }
    for gateway in &mut gateways {
        stop(gateway);
    }
    stop(&mut fake);
    (waits, script_images)
}

/// Starts a process that prints its URL as the last word of its first line.
fn start(command: &mut Command, what: &str) -> (Child, String) {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap_or_else(|e| panic!("start {what}: {e}"));
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("piped"))
        .read_line(&mut line)
        .expect("its first line");
    let url = line
        .trim()
        .rsplit(' ')
        .next()
        .unwrap_or_default()
        .to_owned();
    (child, url)
}

fn stop(child: &mut Child) {
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let _ = child.wait();
}

/// One shopper as the widget behaves. Returns how long after its job ended upstream
/// the shopper saw it, and how many times the submit was answered "busy".
async fn shopper(
    http: &reqwest::Client,
    bases: &[String],
    i: usize,
    job_length: Duration,
) -> Result<(Duration, usize), String> {
    // Each request to the next gateway, as a round-robin load balancer sends them.
    let mut turn = i;
    let mut next = || {
        turn += 1;
        bases[turn % bases.len()].as_str()
    };
    let base = next();
    let token = mint(http, base, ORIGIN).await?;
    let body = json!({
        "model_image": "https://example.com/person.jpg",
        "garment_image": format!("https://example.com/tee-{i}.png"),
    });
    let mut busy = 0;
    let (id, ends_at) = loop {
        let r = http
            .post(format!("{}/api/v1/tryon/clothes", next()))
            .bearer_auth(&token)
            .header("origin", ORIGIN)
            .json(&body)
            .send()
            .await
            .map_err(|e| e.to_string())?;
        let code = r.status().as_u16();
        let retry_after = r
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<f64>().ok());
        let answer: Value = r.json().await.map_err(|e| e.to_string())?;
        match (code, retry_after) {
            (200, _) => {
                let id = answer["id"].as_str().ok_or("no id")?.to_owned();
                break (id, Instant::now() + job_length);
            }
            (429, Some(seconds)) => {
                busy += 1;
                tokio::time::sleep(Duration::from_secs_f64(seconds)).await;
            }
            _ => return Err(format!("submit {code}: {answer}")),
        }
    };
    let mut since = "starting".to_owned();
    loop {
        let r = http
            .get(format!(
                "{}/api/v1/status/{id}?wait=25&since={since}",
                next()
            ))
            .bearer_auth(&token)
            .header("origin", ORIGIN)
            .send()
            .await
            .map_err(|e| e.to_string())?;
        let code = r.status().as_u16();
        let status: Value = r.json().await.map_err(|e| e.to_string())?;
        if code != 200 {
            return Err(format!("status {code}: {status}"));
        }
        match status["status"].as_str() {
            Some("completed") => {
                return Ok((Instant::now().saturating_duration_since(ends_at), busy));
            }
            Some("failed") => return Err(format!("job failed: {status}")),
            Some(s) => since = s.to_owned(),
            None => return Err(format!("bad status: {status}")),
        }
    }
}

/// A section of Redis's `INFO` (empty when Redis does not answer).
async fn redis_info(url: &str, section: &str) -> String {
    let Ok(client) = redis::Client::open(url) else {
        return String::new();
    };
    let Ok(mut con) = client.get_multiplexed_async_connection().await else {
        return String::new();
    };
    redis::cmd("INFO")
        .arg(section)
        .query_async(&mut con)
        .await
        .unwrap_or_default()
}

/// Commands the Redis server has processed so far (`INFO stats`).
async fn redis_commands(url: &str) -> u64 {
    redis_info(url, "stats")
        .await
        .lines()
        .find_map(|l| l.strip_prefix("total_commands_processed:"))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or(0)
}

/// The commands Redis has run most, `name calls` (`INFO commandstats`).
async fn redis_command_stats(url: &str) -> String {
    let info = redis_info(url, "commandstats").await;
    let mut calls: Vec<(u64, String)> = info
        .lines()
        .filter_map(|l| {
            let (name, rest) = l.strip_prefix("cmdstat_")?.split_once(':')?;
            let n = rest
                .strip_prefix("calls=")?
                .split(',')
                .next()?
                .parse()
                .ok()?;
            Some((n, name.to_owned()))
        })
        .collect();
    calls.sort_by(|a, b| b.cmp(a));
    calls
        .iter()
        .take(8)
        .map(|(n, name)| format!("{name} {n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Commands a gateway sent to Redis (`tryon_redis_commands_total`, all operations).
async fn redis_commands_sent(http: &reqwest::Client, base: &str) -> f64 {
    let Ok(r) = http.get(format!("{base}/metrics")).send().await else {
        return 0.0;
    };
    r.text()
        .await
        .unwrap_or_default()
        .lines()
        .filter(|l| l.starts_with("tryon_redis_commands_total{"))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}
