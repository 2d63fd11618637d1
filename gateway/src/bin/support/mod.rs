//! What the benchmark binaries share: a shopper's token, percentiles and a process's
//! peak memory.

/// The `p` quantile (0…1) of `sorted` values, nearest rank; NaN when empty.
pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

/// The process's peak resident set (`VmHWM`), in MB.
pub fn peak_rss_mb(pid: u32) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

/// A session token minted on `base` for the page `origin`, as the widget mints it.
pub async fn mint(http: &reqwest::Client, base: &str, origin: &str) -> Result<String, String> {
    let session: serde_json::Value = http
        .post(format!("{base}/v1/sessions"))
        .header("origin", origin)
        .send()
        .await
        .map_err(|e| e.to_string())?
        .json()
        .await
        .map_err(|e| e.to_string())?;
    session["token"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| format!("no token: {session}"))
}
