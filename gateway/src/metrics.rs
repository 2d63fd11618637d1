//! Prometheus metrics, written out by hand in the text format: a few counters and
//! two histograms do not need a metrics framework. It speaks in the contract's
//! types only, so the engines can report to it without it knowing them.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::time::Duration;

use tryon_protocol::{ApiError, JobStatus};

const JOB_BUCKETS: &[f64] = &[0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 20.0, 30.0, 60.0];
const REQUEST_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0, 5.0, 30.0,
];

#[derive(Default)]
struct Histogram {
    counts: Vec<u64>,
    sum: f64,
    total: u64,
}

impl Histogram {
    fn observe(&mut self, buckets: &[f64], value: f64) {
        if self.counts.is_empty() {
            self.counts = vec![0; buckets.len()];
        }
        for (i, bound) in buckets.iter().enumerate() {
            if value <= *bound {
                self.counts[i] += 1;
            }
        }
        self.sum += value;
        self.total += 1;
    }
}

/// The gateway's counters.
#[derive(Default)]
pub struct Metrics {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    counters: BTreeMap<(&'static str, String), u64>,
    job_seconds: BTreeMap<String, Histogram>,
    request_seconds: BTreeMap<String, Histogram>,
}

impl Metrics {
    fn count(&self, name: &'static str, labels: String) {
        *self
            .inner
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .counters
            .entry((name, labels))
            .or_default() += 1;
    }

    /// A token was minted (or renewed).
    pub fn session_minted(&self, renewed: bool) {
        self.count(
            "tryon_sessions_minted_total",
            format!("renewed=\"{renewed}\""),
        );
    }

    /// A mint was refused, and why (`origin`, `rate_limit`, `token`).
    pub fn session_refused(&self, reason: &'static str) {
        self.count(
            "tryon_sessions_refused_total",
            format!("reason=\"{reason}\""),
        );
    }

    /// A job was accepted by `engine`.
    pub fn job_submitted(&self, engine: &'static str) {
        self.count("tryon_jobs_submitted_total", format!("engine=\"{engine}\""));
    }

    /// A job ran to its end on `engine`, with this status and, if it failed, error.
    pub fn job_finished(
        &self,
        engine: &'static str,
        status: &JobStatus,
        error: Option<&ApiError>,
        took: Duration,
    ) {
        let error = error.map(|e| e.name.to_string()).unwrap_or_default();
        self.count(
            "tryon_jobs_finished_total",
            format!(
                "engine=\"{engine}\",status=\"{status}\",error=\"{}\"",
                escape(&error)
            ),
        );
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        inner
            .job_seconds
            .entry(format!("engine=\"{engine}\""))
            .or_default()
            .observe(JOB_BUCKETS, took.as_secs_f64());
    }

    /// A status read answered with `status` (upstream jobs are seen only this way).
    pub fn status_read(&self, engine: &'static str, status: &str) {
        self.count(
            "tryon_status_reads_total",
            format!("engine=\"{engine}\",status=\"{}\"", escape(status)),
        );
    }

    /// An HTTP request on `route` answered `code` after `took`.
    pub fn request(&self, route: &str, code: u16, took: Duration) {
        self.count(
            "tryon_http_requests_total",
            format!("route=\"{}\",code=\"{code}\"", escape(route)),
        );
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        inner
            .request_seconds
            .entry(format!("route=\"{}\"", escape(route)))
            .or_default()
            .observe(REQUEST_BUCKETS, took.as_secs_f64());
    }

    /// Everything, in the Prometheus text format.
    pub fn render(&self) -> String {
        let inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let mut out = String::new();
        let mut last = "";
        for ((name, labels), value) in &inner.counters {
            if *name != last {
                let _ = writeln!(out, "# TYPE {name} counter");
                last = name;
            }
            let _ = writeln!(out, "{name}{{{labels}}} {value}");
        }
        for (name, buckets, series) in [
            (
                "tryon_job_duration_seconds",
                JOB_BUCKETS,
                &inner.job_seconds,
            ),
            (
                "tryon_http_request_duration_seconds",
                REQUEST_BUCKETS,
                &inner.request_seconds,
            ),
        ] {
            let _ = writeln!(out, "# TYPE {name} histogram");
            for (labels, h) in series {
                for (bound, count) in buckets.iter().zip(&h.counts) {
                    let _ = writeln!(out, "{name}_bucket{{{labels},le=\"{bound}\"}} {count}");
                }
                let _ = writeln!(out, "{name}_bucket{{{labels},le=\"+Inf\"}} {}", h.total);
                let _ = writeln!(out, "{name}_sum{{{labels}}} {}", h.sum);
                let _ = writeln!(out, "{name}_count{{{labels}}} {}", h.total);
            }
        }
        out
    }
}

fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}
