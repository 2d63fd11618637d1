//! docs/operations.md, docs/alerts.yml and docs/grafana-dashboard.json name the
//! gateway's metrics: every series they use must be one a running gateway serves, and
//! every alert must be explained on the operations page.

use std::collections::BTreeSet;

fn doc(name: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../docs")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The `tryon_…` series a text names, as their metric families (without the
/// `_total`, `_bucket`, `_count` and `_sum` that samples add).
fn series(text: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut rest = text;
    while let Some(at) = rest.find("tryon_") {
        let name: String = rest[at..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        rest = &rest[at + name.len()..];
        let family = ["_total", "_bucket", "_count", "_sum"]
            .iter()
            .find_map(|suffix| name.strip_suffix(suffix))
            .unwrap_or(&name);
        found.insert(family.to_owned());
    }
    found
}

/// Every metric family the gateway serves: a labelled family shows in `/metrics` only
/// once it has a sample, so each recorder is called once here.
fn served_families() -> BTreeSet<String> {
    use std::time::Duration;
    use tryon_gateway::metrics::Metrics;
    use tryon_protocol::JobStatus;
    let m = Metrics::default();
    m.submit_refused("session_quota");
    m.images_today(1, Some(10));
    m.budget(10);
    m.credits_today(1.0);
    m.photo_checked("fine");
    m.pose_models_ran();
    m.session_minted(false);
    m.session_refused("origin");
    m.job_submitted("sandbox");
    m.job_finished(
        "sandbox",
        &JobStatus::Completed,
        None,
        Duration::from_secs(1),
    );
    m.status_read("upstream", "processing");
    m.upstream_call("submit", "ok");
    m.upstream_error("FASHN", "PoseError", "PoseError");
    m.redis_up(true);
    m.redis_command("mint_limit");
    m.redis_error("mint_limit");
    m.upstream_callback("confirmed");
    m.request("/healthz", 200, Duration::from_millis(1));
    m.render()
        .lines()
        .filter_map(|l| l.strip_prefix("# TYPE "))
        .filter_map(|l| l.split_whitespace().next())
        .map(str::to_owned)
        .collect()
}

#[test]
fn the_alerts_and_the_dashboard_use_only_series_the_gateway_serves() {
    let families = served_families();
    assert!(families.len() >= 20, "{families:?}");
    let dashboard: serde_json::Value =
        serde_json::from_str(&doc("grafana-dashboard.json")).expect("the dashboard is JSON");
    let queries: Vec<String> = dashboard["panels"]
        .as_array()
        .expect("panels")
        .iter()
        .flat_map(|p| p["targets"].as_array().cloned().unwrap_or_default())
        .map(|t| t["expr"].as_str().expect("expr").to_owned())
        .collect();
    assert!(queries.len() >= 10, "{queries:?}");
    for (name, text) in [
        ("alerts.yml", doc("alerts.yml")),
        ("grafana-dashboard.json", queries.join("\n")),
        ("operations.md", doc("operations.md")),
    ] {
        let used = series(&text);
        assert!(!used.is_empty(), "{name} names no series");
        let unknown: Vec<_> = used.difference(&families).collect();
        assert!(
            unknown.is_empty(),
            "{name} uses series the gateway does not serve: {unknown:?}"
        );
    }
}

#[test]
fn every_alert_is_explained_on_the_operations_page() {
    let page = doc("operations.md");
    let alerts: Vec<String> = doc("alerts.yml")
        .lines()
        .filter_map(|l| l.trim().strip_prefix("- alert: "))
        .map(str::to_owned)
        .collect();
    assert!(alerts.len() >= 5, "{alerts:?}");
    for alert in alerts {
        assert!(
            page.contains(&alert),
            "docs/operations.md does not explain {alert}"
        );
    }
}
