//! The TryItOn fake over real HTTP: both submit paths, statuses, refusals, markers, limits.

mod common;

use std::time::Duration;

use common::*;
use serde_json::{json, Value};
use tryon_fakes::{FakeConfig, FakeUpstream, RateLimit};

async fn tryiton(job_seconds: f64) -> FakeUpstream {
    let mut config = FakeConfig::tryiton();
    config.job_seconds = job_seconds;
    FakeUpstream::start(config).await.unwrap()
}

fn body(garment: &str) -> Value {
    json!({
        "model_image": "https://shop.test/person.jpg",
        "garment_image": garment,
        "category": "clothing",
        "subcategory": "tops",
    })
}

async fn submit_to(fake: &FakeUpstream, path: &str, body: &Value) -> Answer {
    post(&format!("{}{path}", fake.url()), Some(&bearer()), body).await
}

async fn submit(fake: &FakeUpstream, body: &Value) -> String {
    let answer = submit_to(fake, "/api/v1/tryon/clothes", body).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.body["ok"], true);
    answer.body["jobId"].as_str().unwrap().to_owned()
}

fn status_url(fake: &FakeUpstream, id: &str) -> String {
    format!("{}/api/v1/status/{id}", fake.url())
}

#[tokio::test]
async fn both_submit_paths_run_a_job_to_webp_pictures() {
    let fake = tryiton(0.3).await;
    for path in ["/api/v1/tryon/clothes", "/api/v1/tryon/fashion"] {
        let mut sent = body("https://shop.test/tee.png");
        sent["num_samples"] = json!(2);
        sent["mode"] = json!("quality");
        let answer = submit_to(&fake, path, &sent).await;
        assert_eq!(answer.status, 200, "{path}: {}", answer.body);
        let id = answer.body["jobId"].as_str().unwrap();
        assert_eq!(answer.body, json!({"ok": true, "jobId": id}));

        let running = get(&status_url(&fake, id), Some(&bearer())).await.body;
        assert_eq!(
            running,
            json!({"ok": true, "status": "processing", "output": [], "error": null})
        );
        let (seen, done) = follow(&status_url(&fake, id), Duration::from_millis(20)).await;
        assert_eq!(seen, ["processing", "completed"], "{path}");
        assert_eq!(done["ok"], true);
        assert_eq!(done["error"], Value::Null);
        let output = done["output"].as_array().unwrap();
        assert_eq!(output.len(), 2);
        for url in output {
            let url = url.as_str().unwrap();
            assert!(url.ends_with(".webp"), "{url}");
            let picture = client().get(url).send().await.unwrap();
            assert_eq!(picture.headers()["content-type"], "image/webp");
            let bytes = picture.bytes().await.unwrap();
            image::load_from_memory_with_format(&bytes, image::ImageFormat::WebP).unwrap();
        }
    }
    let stats = fake.stats();
    assert_eq!(stats.jobs, 2);
    let paths: Vec<_> = stats
        .submit_bodies
        .iter()
        .map(|r| r.path.as_str())
        .collect();
    assert_eq!(paths, ["/api/v1/tryon/clothes", "/api/v1/tryon/fashion"]);
}

#[tokio::test]
async fn every_field_received_is_recorded_so_dropped_ones_can_be_caught() {
    let fake = tryiton(0.0).await;
    let mut sent = body("https://shop.test/tee.png");
    sent["seed"] = json!(42);
    sent["segmentation_free"] = json!(true);
    sent["garment_photo_type"] = json!("auto");
    submit(&fake, &sent).await;
    submit(&fake, &body("https://shop.test/tee.png")).await;
    let stats = fake.stats();
    let dropped = ["seed", "segmentation_free", "garment_photo_type"];
    let first = &stats.submit_bodies[0];
    assert!(dropped.iter().all(|f| first.fields.iter().any(|g| g == f)));
    assert_eq!(first.field("seed"), Some(&json!(42)));
    let second = &stats.submit_bodies[1];
    assert_eq!(
        second.fields,
        ["category", "garment_image", "model_image", "subcategory"]
    );
    assert!(dropped.iter().all(|f| second.field(f).is_none()));
}

#[tokio::test]
async fn refusals_before_a_job() {
    let fake = tryiton(0.0).await;
    let url = format!("{}/api/v1/tryon/clothes", fake.url());
    let good = body("https://shop.test/tee.png");
    for auth in [None, Some("Bearer nope")] {
        let refused = post(&url, auth, &good).await;
        assert_eq!(refused.status, 401);
        assert_eq!(refused.body["error"], "Unauthorized");
        assert!(refused.body["message"].is_string());
    }
    let mut cases = vec![];
    for (field, value) in [
        ("category", json!("tops")), // the contract's value, not TryItOn's
        ("category", json!("one-pieces")),
        ("subcategory", json!("skirts")),
        ("model_image", Value::Null),
        ("garment_image", json!(12)),
        ("num_samples", json!(9)),
        ("mode", json!("turbo")),
        ("output_format", json!("gif")),
        ("moderation_level", json!("strict")),
    ] {
        let mut wrong = good.clone();
        wrong[field] = value;
        cases.push(wrong);
    }
    let mut eyewear = good.clone();
    eyewear["category"] = json!("eyewear");
    cases.push(eyewear.clone());
    for case in &cases {
        let refused = submit_to(&fake, "/api/v1/tryon/fashion", case).await;
        assert_eq!(refused.status, 400, "{case}");
        assert_eq!(refused.body["error"], "BadRequest");
    }
    // Without the subcategory, eyewear is fine; clothing is not (its SDK requires one).
    eyewear.as_object_mut().unwrap().remove("subcategory");
    submit(&fake, &eyewear).await;
    let mut plain = good.clone();
    plain.as_object_mut().unwrap().remove("subcategory");
    let refused = submit_to(&fake, "/api/v1/tryon/fashion", &plain).await;
    assert_eq!(refused.status, 400);
    assert!(refused.body["message"]
        .as_str()
        .unwrap()
        .contains("required"));

    let missing = get(&status_url(&fake, "nope"), Some(&bearer())).await;
    assert_eq!(missing.status, 404);
    assert_eq!(missing.body["error"], "NotFound");

    let credits = submit_to(
        &fake,
        "/api/v1/tryon/clothes",
        &body("https://shop.test/reject-OutOfCredits.png"),
    )
    .await;
    assert_eq!(credits.status, 429);
    assert_eq!(
        credits.body,
        json!({"error": "OutOfCredits", "message": "Refused on request (OutOfCredits)."})
    );
    assert_eq!(fake.stats().too_many_requests.submit, 1);
}

#[tokio::test]
async fn a_failed_job_names_its_error() {
    let fake = tryiton(0.05).await;
    for name in ["ProcessingError", "PoseError", "SomethingNew"] {
        let id = submit(&fake, &body(&format!("https://shop.test/fail-{name}.jpg"))).await;
        let (seen, done) = follow(&status_url(&fake, &id), Duration::from_millis(10)).await;
        assert_eq!(seen, ["processing", "failed"]);
        assert_eq!(done["ok"], true);
        assert_eq!(done["output"], json!([]));
        assert_eq!(done["error"]["name"], name);
        assert!(done["error"]["message"].is_string());
    }
}

#[tokio::test]
async fn no_limits_unless_configured() {
    let fake = tryiton(1.0).await;
    let id = submit(&fake, &body("https://shop.test/tee.png")).await;
    for _ in 0..60 {
        assert_eq!(
            get(&status_url(&fake, &id), Some(&bearer())).await.status,
            200
        );
    }
    assert_eq!(fake.stats().too_many_requests.status, 0);

    let mut config = FakeConfig::tryiton();
    config.status_limit = Some(RateLimit {
        requests: 2,
        window: Duration::from_secs(10),
    });
    let limited = FakeUpstream::start(config).await.unwrap();
    let id = submit(&limited, &body("https://shop.test/tee.png")).await;
    let url = status_url(&limited, &id);
    assert_eq!(get(&url, Some(&bearer())).await.status, 200);
    assert_eq!(get(&url, Some(&bearer())).await.status, 200);
    let refused = get(&url, Some(&bearer())).await;
    assert_eq!(refused.status, 429);
    assert_eq!(refused.body["error"], "RateLimitExceeded");
    assert_eq!(limited.stats().too_many_requests.status, 1);
}

#[tokio::test]
async fn status_errors_then_the_truth() {
    let fake = tryiton(0.0).await;
    let id = submit(&fake, &body("https://shop.test/tee_status500-1.png")).await;
    let url = status_url(&fake, &id);
    let down = get(&url, Some(&bearer())).await;
    assert_eq!(down.status, 500);
    assert_eq!(down.body["error"], "InternalServerError");
    assert_eq!(get(&url, Some(&bearer())).await.body["status"], "completed");
}
