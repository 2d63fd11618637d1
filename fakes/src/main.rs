//! `tryon-fake-upstream`: one fake hosted try-on API (FASHN or TryItOn) on loopback, for
//! benchmarks and manual runs.
//!
//! ```sh
//! cargo run -p tryon-fakes -- --dialect fashn --time-scale 1.0
//! ```
//!
//! Prints its base URL as the first line of stdout, then serves until stdin closes
//! (so it never outlives the process that started it with a pipe), SIGTERM or Ctrl-C.
//! Started with stdin at /dev/null (a shell's `&`), pass `--ignore-stdin`.
//! Counters: `GET <url>/__fake/stats`.

use std::io::Write;
use std::net::SocketAddr;

use clap::Parser;
use tryon_fakes::{Dialect, FakeConfig, FakeUpstream, RateLimit};

/// A fake hosted try-on API on loopback.
#[derive(Parser)]
#[command(name = "tryon-fake-upstream", version)]
struct Args {
    /// `fashn`, `tryiton` or `contract`.
    #[arg(long)]
    dialect: Dialect,
    /// Loopback address to listen on (port 0: any free port).
    #[arg(long, default_value = "127.0.0.1:0")]
    listen: SocketAddr,
    /// Seconds a job takes (FASHN tryon-v1.6, TryItOn), before the time scale.
    #[arg(long, default_value_t = 9.0)]
    job_seconds: f64,
    /// Seconds a FASHN tryon-max job takes, before the time scale (published: 20–120).
    #[arg(long, default_value_t = 60.0)]
    max_job_seconds: f64,
    /// Multiplies every duration: jobs, rate-limit windows, webhook retries.
    #[arg(long, default_value_t = 1.0)]
    time_scale: f64,
    /// An accepted bearer key (repeat for more; default: fake-upstream-key).
    #[arg(long = "api-key")]
    api_keys: Vec<String>,
    /// Submit limit per key as N/SECONDS, or `off` (default: FASHN 50/60, TryItOn off).
    #[arg(long)]
    submit_limit: Option<String>,
    /// Status limit per key as N/SECONDS, or `off` (default: FASHN 50/10, TryItOn off).
    #[arg(long)]
    status_limit: Option<String>,
    /// Jobs of one key running at once before 429 ConcurrencyLimitExceeded (default: no limit).
    #[arg(long)]
    concurrency_limit: Option<usize>,
    /// Send Retry-After with the 429s the limits give (the facts do not say FASHN does).
    #[arg(long)]
    retry_after: bool,
    /// Serve the API under this path (e.g. `/fashn`).
    #[arg(long, default_value = "")]
    path_prefix: String,
    /// Do not exit when stdin closes (then only a signal stops it).
    #[arg(long)]
    ignore_stdin: bool,
}

fn limit(given: Option<String>, default: Option<RateLimit>) -> Result<Option<RateLimit>, String> {
    match given.as_deref() {
        None => Ok(default),
        Some("off") => Ok(None),
        Some(text) => text.parse().map(Some),
    }
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    let mut config = FakeConfig::for_dialect(args.dialect);
    config.listen = args.listen;
    config.job_seconds = args.job_seconds;
    config.max_job_seconds = args.max_job_seconds;
    config.time_scale = args.time_scale;
    if !args.api_keys.is_empty() {
        config.api_keys = args.api_keys;
    }
    config.concurrency_limit = args.concurrency_limit;
    config.retry_after = args.retry_after;
    config.path_prefix = args.path_prefix;
    let limits = limit(args.submit_limit, config.submit_limit)
        .and_then(|submit| Ok((submit, limit(args.status_limit, config.status_limit)?)));
    match limits {
        Ok((submit, status)) => (config.submit_limit, config.status_limit) = (submit, status),
        Err(message) => fail(&message),
    }
    let summary = format!(
        "{} fake: jobs {} s, tryon-max {} s, time scale {}, submit limit {:?}, status limit {:?}",
        config.dialect.name(),
        config.job_seconds,
        config.max_job_seconds,
        config.time_scale,
        config.submit_limit,
        config.status_limit
    );
    let fake = match FakeUpstream::start(config).await {
        Ok(fake) => fake,
        Err(e) => fail(&e.to_string()),
    };
    // The first line of stdout is the contract with the script that started us.
    let mut stdout = std::io::stdout().lock();
    let _ = writeln!(stdout, "{}", fake.url());
    let _ = stdout.flush();
    drop(stdout);
    eprintln!("{summary}; stats at {}/__fake/stats", fake.url());

    let stdin_closed = async move {
        if args.ignore_stdin {
            return std::future::pending().await;
        }
        let (closed, stdin_closed) = tokio::sync::oneshot::channel::<()>();
        // A blocking read on its own thread: tokio's stdin needs a feature the gateway
        // does not build, and this thread only waits for EOF.
        std::thread::spawn(move || {
            let _ = std::io::copy(&mut std::io::stdin().lock(), &mut std::io::sink());
            let _ = closed.send(());
        });
        let _ = stdin_closed.await;
    };
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .unwrap_or_else(|e| fail(&format!("SIGTERM handler: {e}")));
    tokio::select! {
        _ = stdin_closed => eprintln!("stdin closed: stopping"),
        _ = terminate.recv() => eprintln!("SIGTERM: stopping"),
        _ = tokio::signal::ctrl_c() => eprintln!("interrupted: stopping"),
    }
    fake.stop().await;
}

fn fail(message: &str) -> ! {
    eprintln!("tryon-fake-upstream: {message}");
    std::process::exit(2);
}
