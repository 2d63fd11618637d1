//! The upstream engine in each provider's dialect, against the fakes of FASHN and
//! TryItOn (`tryon-fakes`: real HTTP servers written from the providers' published
//! facts). The widget's side stays the contract; what the providers receive and
//! answer is theirs.

mod common;

use common::hosted::{gateway_with, hosted_job as job};
use common::*;
use serde_json::{json, Value};
use tryon_fakes::{FakeConfig, FakeUpstream};
use tryon_gateway::config::{EngineChoice, Secret};

/// A fake whose 9 s jobs take 90 ms.
async fn fake(config: FakeConfig) -> FakeUpstream {
    common::hosted::fake_scaled(config, 0.01).await
}

async fn gateway(fake: &FakeUpstream, dialect: &str, model: Option<&str>) -> TestGateway {
    gateway_with(fake, dialect, model, |_| {}).await
}

#[tokio::test]
async fn fashn_v16_runs_a_job_in_its_own_shape() {
    let fashn = fake(FakeConfig::fashn()).await;
    let gw = gateway(&fashn, "fashn", None).await;
    let token = gw.token().await;
    let done = gw
        .run(&token, &job("tee", json!({"category": "tops", "seed": 7})))
        .await;
    assert_eq!(done["status"], "completed", "{done}");
    let output = done["output"][0].as_str().unwrap();
    assert!(
        output.starts_with(fashn.url()),
        "a picture on FASHN's CDN: {output}"
    );
    let stats = fashn.stats();
    let sent = &stats.submit_bodies[0];
    assert_eq!(sent.path, "/v1/run");
    assert_eq!(sent.body["model_name"], "tryon-v1.6");
    assert_eq!(sent.body["inputs"]["category"], "tops");
    assert_eq!(sent.body["inputs"]["seed"], 7);
    assert_eq!(sent.body["inputs"]["return_base64"], false);
    assert_eq!(stats.jobs, 1);
    assert_eq!(stats.too_many_requests.status, 0);
}

#[tokio::test]
async fn fashn_tryon_max_gets_its_input_names_and_refuses_what_it_cannot_carry() {
    let fashn = fake(FakeConfig::fashn()).await;
    let gw = gateway(&fashn, "fashn", Some("tryon-max")).await;
    let token = gw.token().await;
    let done = gw
        .run(
            &token,
            &job("tee", json!({"num_samples": 2, "mode": "quality"})),
        )
        .await;
    assert_eq!(done["status"], "completed", "{done}");
    assert_eq!(done["output"].as_array().unwrap().len(), 2);
    let sent = fashn.stats().submit_bodies[0].body.clone();
    assert_eq!(sent["model_name"], "tryon-max");
    assert_eq!(
        sent["inputs"]["product_image"],
        "https://example.com/tee.png"
    );
    assert_eq!(sent["inputs"]["num_images"], 2);
    assert_eq!(sent["inputs"]["generation_mode"], "quality");

    // `performance` has no meaning on tryon-max: a clear 400, and nothing is sent.
    let (code, answer) = gw
        .submit(&token, &job("tee", json!({"mode": "performance"})))
        .await;
    assert_eq!(code, 400, "{answer}");
    assert_eq!(answer["error"]["name"], "InvalidRequest");
    let message = answer["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("`mode`") && message.contains("TRYON_UPSTREAM=fashn"),
        "{message}"
    );
    assert_eq!(fashn.stats().submits, 1);
}

#[tokio::test]
async fn tryiton_gets_clothing_with_a_subcategory_and_not_the_fields_it_dropped() {
    let tryiton = fake(FakeConfig::tryiton()).await;
    let gw = gateway(&tryiton, "tryiton", None).await;
    let token = gw.token().await;
    for (category, wire, sub) in [
        ("one-pieces", "clothing", Some("dresses")),
        ("bottoms", "clothing", Some("bottoms")),
        ("auto", "auto", None),
    ] {
        let done = gw
            .run(&token, &job("dress", json!({"category": category})))
            .await;
        assert_eq!(done["status"], "completed", "{done}");
        assert!(done["output"][0].as_str().unwrap().ends_with(".webp"));
        let stats = tryiton.stats();
        let sent = stats.submit_bodies.last().unwrap();
        assert_eq!(sent.path, "/api/v1/tryon/fashion", "its current SDK's path");
        assert_eq!(sent.field("category"), Some(&json!(wire)));
        assert_eq!(sent.field("subcategory").and_then(Value::as_str), sub);
        for dropped in ["seed", "segmentation_free", "garment_photo_type"] {
            assert!(sent.field(dropped).is_none(), "{dropped} sent to TryItOn");
        }
    }
}

#[tokio::test]
async fn tryiton_older_path_is_a_setting() {
    let tryiton = fake(FakeConfig::tryiton()).await;
    let gw = gateway_with(&tryiton, "tryiton", None, |c| {
        c.upstream_submit_path = Some("/api/v1/tryon/clothes".into());
    })
    .await;
    let token = gw.token().await;
    assert_eq!(
        gw.run(&token, &job("tee", json!({}))).await["status"],
        "completed"
    );
    assert_eq!(
        tryiton.stats().submit_bodies[0].path,
        "/api/v1/tryon/clothes"
    );
}

#[tokio::test]
async fn provider_error_names_reach_the_shopper_as_the_nearest_contract_name() {
    let fashn = fake(FakeConfig::fashn()).await;
    let gw = gateway(&fashn, "fashn", None).await;
    let token = gw.token().await;
    for (marker, name) in [
        ("PoseError", "PoseError"),
        ("InputValidationError", "ImageLoadError"),
        ("3rdPartyProviderError", "ThirdPartyError"),
        ("LoRALoadError", "PipelineError"),
        ("InternalServerError", "PipelineError"),
    ] {
        let done = gw
            .run(&token, &job(&format!("tee_fail-{marker}"), json!({})))
            .await;
        assert_eq!(done["status"], "failed");
        assert_eq!(done["error"]["name"], name, "{marker}: {done}");
        if marker != name {
            let message = done["error"]["message"].as_str().unwrap();
            assert!(
                message.contains(marker),
                "the original name is kept: {message}"
            );
        }
    }
    let tryiton = fake(FakeConfig::tryiton()).await;
    let gw = gateway(&tryiton, "tryiton", None).await;
    let token = gw.token().await;
    let done = gw
        .run(&token, &job("tee_fail-ProcessingError", json!({})))
        .await;
    assert_eq!(done["error"]["name"], "PipelineError");
    assert!(done["error"]["message"]
        .as_str()
        .unwrap()
        .contains("TryItOn: ProcessingError"));
}

#[tokio::test]
async fn fashns_other_ends_and_run_error_sentences_reach_the_shopper_named() {
    let fashn = fake(FakeConfig::fashn()).await;
    let gw = gateway(&fashn, "fashn", None).await;
    let token = gw.token().await;
    // `canceled` and `time_out` come with `error: null`: the shopper still reads a
    // failure with a name and what happened, not a job stuck or "failed" with nothing.
    for (marker, said) in [("end-canceled", "canceled"), ("end-timeout", "time_out")] {
        let done = gw
            .run(&token, &job(&format!("tee_{marker}"), json!({})))
            .await;
        assert_eq!(done["status"], "failed", "{marker}: {done}");
        assert_eq!(done["error"]["name"], "PipelineError", "{done}");
        let message = done["error"]["message"].as_str().unwrap();
        assert!(
            message.contains(said) && message.contains("try again"),
            "{message}"
        );
    }
    // A run answered with a sentence and no job: named by its meaning, sentence kept.
    for (marker, code, name) in [
        (
            "runerror-Insufficient-credits-for-this-run",
            502,
            "UpstreamRejected",
        ),
        (
            "runerror-Could-not-download-the-garment-image",
            400,
            "ImageLoadError",
        ),
    ] {
        let before = fashn.stats().jobs;
        let (status, answer) = gw
            .submit(&token, &job(&format!("tee_{marker}"), json!({})))
            .await;
        assert_eq!(
            (status, answer["error"]["name"].as_str()),
            (code, Some(name)),
            "{answer}"
        );
        let sentence = marker.trim_start_matches("runerror-").replace('-', " ");
        assert!(
            answer["error"]["message"]
                .as_str()
                .unwrap()
                .contains(&sentence),
            "{answer}"
        );
        assert_eq!(fashn.stats().jobs, before, "no job was made");
    }
}

#[tokio::test]
async fn refusals_before_a_job_id_say_who_must_act() {
    let fashn = fake(FakeConfig::fashn()).await;
    let gw = gateway(&fashn, "fashn", None).await;
    let token = gw.token().await;
    // An empty account: only the merchant can fix it; no Retry-After promises otherwise.
    let (code, answer) = gw
        .submit(&token, &job("tee_reject-OutOfCredits", json!({})))
        .await;
    assert_eq!(code, 502, "{answer}");
    assert_eq!(answer["error"]["name"], "UpstreamRejected");
    assert!(answer["error"]["message"]
        .as_str()
        .unwrap()
        .contains("out of credits"));
    // Too many jobs at once: the shopper may retry.
    let (code, answer) = gw
        .submit(
            &token,
            &job("tee_reject-ConcurrencyLimitExceeded", json!({})),
        )
        .await;
    assert_eq!(code, 429, "{answer}");
    assert_eq!(answer["error"]["name"], "RateLimitExceeded");
    // A wrong key: the merchant's configuration, said without the key.
    let wrong = gateway_with(&fashn, "fashn", None, |c| {
        c.upstream_api_key = Secret("sk-wrong".into());
    })
    .await;
    let token = wrong.token().await;
    let (code, answer) = wrong.submit(&token, &job("tee", json!({}))).await;
    assert_eq!(code, 502);
    assert!(answer["error"]["message"]
        .as_str()
        .unwrap()
        .contains("TRYON_UPSTREAM_API_KEY"));
    assert!(!answer.to_string().contains("sk-wrong"));
}

#[tokio::test]
async fn status_reads_ride_out_provider_5xx() {
    let tryiton = fake(FakeConfig::tryiton()).await;
    let gw = gateway(&tryiton, "tryiton", None).await;
    let token = gw.token().await;
    let done = gw.run(&token, &job("tee_status503-2", json!({}))).await;
    assert_eq!(done["status"], "completed", "{done}");
}

#[tokio::test]
async fn a_dialect_or_model_the_gateway_does_not_know_stops_it_at_start() {
    let mut config = test_config();
    config.engine = EngineChoice::Upstream;
    config.upstream_api_key = Secret("k".into());
    config.upstream = "replicate".into();
    let error = tryon_gateway::AppState::new(config.clone()).err().unwrap();
    assert!(error.to_string().contains("fashn, tryiton or contract"));
    config.upstream = "fashn".into();
    config.upstream_model = Some("tryon-v9".into());
    let error = tryon_gateway::AppState::new(config.clone()).err().unwrap();
    assert!(error.to_string().contains("tryon-v1.6 or tryon-max"));
    config.upstream = "contract".into();
    config.upstream_model = None;
    let error = tryon_gateway::AppState::new(config).err().unwrap();
    assert!(error.to_string().contains("TRYON_UPSTREAM_URL"));
}

#[tokio::test]
async fn every_refusal_before_a_job_id_has_its_contract_answer() {
    let fashn = fake(FakeConfig::fashn()).await;
    let gw = gateway_with(&fashn, "fashn", None, |c| {
        c.upstream_submit_wait_seconds = 0.3
    })
    .await;
    let token = gw.token().await;
    for (marker, code, name, says) in [
        ("BadRequest", 400, "InvalidRequest", "FASHN: BadRequest"),
        (
            "UnauthorizedAccess",
            502,
            "UpstreamRejected",
            "TRYON_UPSTREAM_API_KEY",
        ),
        ("NotFound", 502, "UpstreamRejected", "TRYON_UPSTREAM"),
        ("InternalServerError", 502, "UpstreamUnavailable", "(500)"),
        // Waited out for 0.3 s (a second each, without Retry-After), then passed on.
        ("RateLimitExceeded", 429, "RateLimitExceeded", "busy"),
        (
            "ConcurrencyLimitExceeded",
            429,
            "RateLimitExceeded",
            "ConcurrencyLimitExceeded",
        ),
        ("OutOfCredits", 502, "UpstreamRejected", "out of credits"),
    ] {
        let (got, answer) = gw
            .submit(&token, &job(&format!("tee_reject-{marker}"), json!({})))
            .await;
        assert_eq!(got, code, "{marker}: {answer}");
        assert_eq!(answer["error"]["name"], name, "{marker}: {answer}");
        let message = answer["error"]["message"].as_str().unwrap();
        assert!(message.contains(says), "{marker}: {message}");
    }
    assert_eq!(fashn.stats().jobs, 0);
}
