//! The contract's fake over real HTTP: its shapes, and the markers the gateway's own
//! tests ask it for (waits, slow answers, odd statuses, jobs without pictures).

mod common;

use std::time::{Duration, Instant};

use common::*;
use serde_json::{json, Value};
use tryon_fakes::{FakeConfig, FakeUpstream};

async fn contract() -> FakeUpstream {
    let mut config = FakeConfig::contract();
    config.job_seconds = 0.3;
    FakeUpstream::start(config).await.unwrap()
}

fn body(markers: &str) -> Value {
    json!({
        "model_image": "https://shop.test/person.jpg",
        "garment_image": format!("https://shop.test/{markers}.png"),
        "category": "tops",
        "num_samples": 2,
    })
}

async fn submit(fake: &FakeUpstream, markers: &str) -> Answer {
    post(
        &format!("{}/api/v1/tryon/clothes", fake.url()),
        Some(&bearer()),
        &body(markers),
    )
    .await
}

async fn status(fake: &FakeUpstream, id: &str) -> Answer {
    get(
        &format!("{}/api/v1/status/{id}", fake.url()),
        Some(&bearer()),
    )
    .await
}

#[tokio::test]
async fn a_job_runs_in_the_contracts_shapes() {
    let fake = contract().await;
    let answer = submit(&fake, "tee").await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let id = answer.body["id"].as_str().unwrap().to_owned();
    assert_eq!(answer.body, json!({"id": id, "error": null}));
    let (seen, done) = follow(
        &format!("{}/api/v1/status/{id}", fake.url()),
        Duration::from_millis(20),
    )
    .await;
    assert_eq!(
        seen.first().map(String::as_str),
        Some("starting"),
        "{seen:?}"
    );
    assert_eq!(done["status"], "completed");
    assert_eq!(done["output"].as_array().unwrap().len(), 2);
    // The contract's vocabulary, not TryItOn's.
    let mut wrong = body("tee");
    wrong["category"] = json!("clothing");
    let refused = post(
        &format!("{}/api/v1/tryon/clothes", fake.url()),
        Some(&bearer()),
        &wrong,
    )
    .await;
    assert_eq!(refused.status, 400, "{}", refused.body);
    assert_eq!(refused.body["error"], "BadRequest");
}

#[tokio::test]
async fn refusals_carry_the_wait_they_are_asked_to() {
    let fake = contract().await;
    let answer = submit(&fake, "reject-ConcurrencyLimitExceeded_retryafter-7").await;
    assert_eq!(answer.status, 429);
    assert_eq!(answer.headers["retry-after"], "7");
    let answer = submit(&fake, "reject-OutOfCredits_retrydate-8").await;
    assert_eq!(answer.status, 429);
    let date = answer.headers["retry-after"].to_str().unwrap().to_owned();
    assert!(date.ends_with(" GMT"), "{date}");
}

#[tokio::test]
async fn slow_answers_odd_statuses_and_jobs_without_pictures() {
    let fake = contract().await;
    let t = Instant::now();
    let id = submit(&fake, "slowsubmit-0.3_firststatus-warming_status429-1")
        .await
        .body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        t.elapsed() >= Duration::from_millis(300),
        "{:?}",
        t.elapsed()
    );
    let limited = status(&fake, &id).await;
    assert_eq!(limited.status, 429);
    assert_eq!(limited.headers["retry-after"], "1.000");
    assert_eq!(status(&fake, &id).await.body["status"], "warming");
    assert_ne!(status(&fake, &id).await.body["status"], "warming", "once");

    let empty = submit(&fake, "output-empty").await.body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let none = submit(&fake, "output-none_slowstatus-0.2").await.body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    tokio::time::sleep(Duration::from_millis(400)).await;
    let done = status(&fake, &empty).await.body;
    assert_eq!(
        (done["status"].as_str(), done["output"].clone()),
        (Some("completed"), json!([]))
    );
    let t = Instant::now();
    let done = status(&fake, &none).await.body;
    assert!(
        t.elapsed() >= Duration::from_millis(200),
        "{:?}",
        t.elapsed()
    );
    assert_eq!(done["status"], "completed");
    assert!(done.get("output").is_none(), "{done}");
}
