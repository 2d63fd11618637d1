//! The FASHN fake over real HTTP: jobs, statuses, refusals, limits, webhooks, markers.

mod common;

use std::time::{Duration, Instant};

use common::*;
use serde_json::{json, Value};
use tryon_fakes::{FakeConfig, FakeUpstream, RateLimit};

/// FASHN without limits, for tests that read a status often.
async fn unlimited(job_seconds: f64) -> FakeUpstream {
    let mut config = FakeConfig::fashn();
    config.job_seconds = job_seconds;
    config.submit_limit = None;
    config.status_limit = None;
    FakeUpstream::start(config).await.unwrap()
}

fn v16(garment: &str) -> Value {
    json!({
        "model_name": "tryon-v1.6",
        "inputs": {
            "model_image": "https://shop.test/person.jpg",
            "garment_image": garment,
        }
    })
}

async fn run(fake: &FakeUpstream, body: &Value) -> Answer {
    post(&format!("{}/v1/run", fake.url()), Some(&bearer()), body).await
}

async fn submit(fake: &FakeUpstream, body: &Value) -> String {
    let answer = run(fake, body).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.body["error"], Value::Null);
    answer.body["id"].as_str().unwrap().to_owned()
}

fn status_url(fake: &FakeUpstream, id: &str) -> String {
    format!("{}/v1/status/{id}", fake.url())
}

#[tokio::test]
async fn a_v16_job_goes_through_every_status_to_its_pictures() {
    // Starting for 150 ms, in the queue for 300 ms: read every 20 ms, none is missed.
    let fake = unlimited(1.5).await;
    let mut body = v16("https://shop.test/tee.png");
    body["inputs"]["num_samples"] = json!(2);
    body["inputs"]["output_format"] = json!("jpeg");
    body["inputs"]["category"] = json!("tops");
    body["inputs"]["seed"] = json!(4294967295u64);
    let id = submit(&fake, &body).await;

    let (seen, done) = follow(&status_url(&fake, &id), Duration::from_millis(20)).await;
    assert_eq!(seen, ["starting", "in_queue", "processing", "completed"]);
    assert_eq!(done["id"], id);
    assert_eq!(done["error"], Value::Null);
    let output = done["output"].as_array().unwrap();
    assert_eq!(output.len(), 2, "num_samples pictures: {done}");
    for url in output {
        let url = url.as_str().unwrap();
        assert!(
            url.starts_with(&format!("{}/cdn/{id}/", fake.url())),
            "{url}"
        );
        assert!(url.ends_with(".jpg"), "{url}");
        let picture = client().get(url).send().await.unwrap();
        assert_eq!(picture.status(), 200);
        assert_eq!(picture.headers()["content-type"], "image/jpeg");
        let bytes = picture.bytes().await.unwrap();
        assert_eq!(
            image::guess_format(&bytes).unwrap(),
            image::ImageFormat::Jpeg
        );
        image::load_from_memory(&bytes).expect("a picture that decodes");
    }

    let stats = fake.stats();
    assert_eq!((stats.submits, stats.jobs), (1, 1));
    assert_eq!(stats.status_reads_per_job[&id], stats.status_reads);
    assert_eq!(stats.authorizations[&bearer()], 1 + stats.status_reads);
    let record = &stats.submit_bodies[0];
    assert_eq!(record.path, "/v1/run");
    assert_eq!(record.answer, 200);
    assert_eq!(
        record.fields,
        [
            "category",
            "garment_image",
            "model_image",
            "num_samples",
            "output_format",
            "seed"
        ]
    );
    assert_eq!(record.field("category"), Some(&json!("tops")));
    assert_eq!(record.body["model_name"], "tryon-v1.6");
}

#[tokio::test]
async fn pictures_are_not_served_before_the_job_completes() {
    let fake = unlimited(0.3).await;
    let id = submit(&fake, &v16("https://shop.test/tee.png")).await;
    let early = client()
        .get(format!("{}/cdn/{id}/0.png", fake.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(early.status(), 404);
    let (_, done) = follow(&status_url(&fake, &id), Duration::from_millis(20)).await;
    let url = done["output"][0].as_str().unwrap();
    assert!(url.ends_with("/0.png"), "png by default: {url}");
    let bytes = client()
        .get(url)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(
        image::guess_format(&bytes).unwrap(),
        image::ImageFormat::Png
    );
    let other = client()
        .get(format!("{}/cdn/{id}/1.png", fake.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), 404, "only num_samples pictures");
}

#[tokio::test]
async fn return_base64_gives_data_urls() {
    let fake = unlimited(0.0).await;
    let mut body = v16("https://shop.test/tee.png");
    body["inputs"]["return_base64"] = json!(true);
    let id = submit(&fake, &body).await;
    let done = get(&status_url(&fake, &id), Some(&bearer())).await.body;
    assert_eq!(done["status"], "completed");
    let url = done["output"][0].as_str().unwrap();
    let payload = url.strip_prefix("data:image/png;base64,").expect(url);
    use base64::Engine as _;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(payload)
        .unwrap();
    image::load_from_memory_with_format(&bytes, image::ImageFormat::Png).unwrap();
}

#[tokio::test]
async fn tryon_max_takes_its_own_fields_and_longer() {
    let mut config = FakeConfig::fashn();
    config.job_seconds = 0.1;
    config.max_job_seconds = 0.6;
    config.status_limit = None;
    let fake = FakeUpstream::start(config).await.unwrap();

    let body = json!({
        "model_name": "tryon-max",
        "inputs": {
            "product_image": "https://shop.test/bag.png",
            "model_image": "https://shop.test/person.jpg",
            "num_images": 3,
            "generation_mode": "quality",
            "resolution": "2k",
            "output_format": "png",
            "seed": 7,
            "prompt": "studio light",
            "aspect_ratio": "2:3"
        }
    });
    let started = Instant::now();
    let max = submit(&fake, &body).await;
    let quick = submit(&fake, &v16("https://shop.test/tee.png")).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let read = |id: String| {
        let url = status_url(&fake, &id);
        async move { get(&url, Some(&bearer())).await.body }
    };
    assert_eq!(read(quick).await["status"], "completed");
    assert_eq!(read(max.clone()).await["status"], "processing");
    let (_, done) = follow(&status_url(&fake, &max), Duration::from_millis(20)).await;
    assert!(started.elapsed() >= Duration::from_millis(600));
    assert_eq!(done["status"], "completed");
    assert_eq!(done["output"].as_array().unwrap().len(), 3, "num_images");

    // The v1.6 names are not tryon-max's.
    let mut wrong = v16("https://shop.test/bag.png");
    wrong["model_name"] = json!("tryon-max");
    let refused = run(&fake, &wrong).await;
    assert_eq!(refused.status, 400);
    assert_eq!(refused.body["error"], "BadRequest");
    assert!(
        refused.body["message"]
            .as_str()
            .unwrap()
            .contains("product_image"),
        "{}",
        refused.body
    );
    let mut resolution = body.clone();
    resolution["inputs"]["resolution"] = json!("8k");
    assert_eq!(run(&fake, &resolution).await.status, 400);
}

#[tokio::test]
async fn refusals_before_a_job_have_fashns_names_and_shape() {
    let mut config = FakeConfig::fashn();
    config.api_keys.push("second-key".into());
    let fake = FakeUpstream::start(config).await.unwrap();
    let url = format!("{}/v1/run", fake.url());
    let body = v16("https://shop.test/tee.png");

    for auth in [None, Some("Bearer wrong"), Some("fake-upstream-key")] {
        let refused = post(&url, auth, &body).await;
        assert_eq!(refused.status, 401, "{auth:?}");
        assert_eq!(refused.body["error"], "UnauthorizedAccess");
        assert!(refused.body["message"].is_string());
    }

    let mut cases = vec![];
    let mut unknown_model = body.clone();
    unknown_model["model_name"] = json!("tryon-v9");
    cases.push(unknown_model);
    cases.push(json!({"inputs": body["inputs"]}));
    cases.push(json!({"model_name": "tryon-v1.6"}));
    for (field, value) in [
        ("garment_image", Value::Null),
        ("model_image", json!("bare-base64-without-prefix")),
        ("category", json!("dresses")),
        ("mode", json!("fast")),
        ("num_samples", json!(5)),
        ("num_samples", json!(0)),
        ("seed", json!(-1)),
        ("seed", json!(4294967296u64)),
        ("output_format", json!("webp")),
        ("segmentation_free", json!("yes")),
        ("moderation_level", json!("strict")),
        ("garment_photo_type", json!("mannequin")),
        ("return_base64", json!(1)),
    ] {
        let mut wrong = body.clone();
        wrong["inputs"][field] = value;
        cases.push(wrong);
    }
    for case in &cases {
        let refused = run(&fake, case).await;
        assert_eq!(refused.status, 400, "{case}");
        assert_eq!(refused.body["error"], "BadRequest", "{case}");
    }
    let not_json = client()
        .post(&url)
        .header("authorization", bearer())
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(not_json.status(), 400);

    let missing = get(&status_url(&fake, "no-such-job"), Some(&bearer())).await;
    assert_eq!(missing.status, 404);
    assert_eq!(missing.body["error"], "NotFound");
    let id = submit(&fake, &body).await;
    assert_eq!(get(&status_url(&fake, &id), None).await.status, 401);
    let other_key = get(&status_url(&fake, &id), Some("Bearer second-key")).await;
    assert_eq!(other_key.status, 404, "a job belongs to its key");
    // Unknown input fields are ignored, and there is no cancel endpoint.
    let mut extra = body.clone();
    extra["inputs"]["webhook_secret"] = json!("x");
    assert_eq!(run(&fake, &extra).await.status, 200);
    let cancel = post(
        &format!("{}/v1/cancel/{id}", fake.url()),
        Some(&bearer()),
        &json!({}),
    )
    .await;
    assert_eq!(cancel.status, 404);

    let stats = fake.stats();
    assert_eq!(stats.refusals["UnauthorizedAccess"], 4);
    assert_eq!(stats.refusals["BadRequest"], cases.len() as u64 + 1);
    assert_eq!(stats.jobs, 2);
    assert_eq!(stats.authorizations[""], 2, "the requests without a header");
}

#[tokio::test]
async fn every_runtime_error_comes_back_inside_a_failed_status() {
    let fake = unlimited(0.05).await;
    for name in [
        "ImageLoadError",
        "ContentModerationError",
        "PoseError",
        "PipelineError",
        "ThirdPartyError",
        "InputValidationError",
        "LoRALoadError",
        "3rdPartyProviderError",
        "InternalServerError",
        "GpuOnFire",
    ] {
        let id = submit(
            &fake,
            &v16(&format!("https://shop.test/tee_fail-{name}.png")),
        )
        .await;
        let (seen, done) = follow(&status_url(&fake, &id), Duration::from_millis(10)).await;
        assert_eq!(seen.last().unwrap(), "failed", "{name}");
        assert_eq!(done["error"]["name"], name);
        assert!(done["error"]["message"].as_str().unwrap().len() > 5);
        assert_eq!(done["output"], Value::Null);
        let picture = client()
            .get(format!("{}/cdn/{id}/0.png", fake.url()))
            .send()
            .await
            .unwrap();
        assert_eq!(picture.status(), 404, "a failed job has no pictures");
    }
}

#[tokio::test]
async fn refusals_and_status_errors_on_request() {
    let fake = unlimited(0.0).await;
    for (name, code) in [
        ("ConcurrencyLimitExceeded", 429),
        ("OutOfCredits", 429),
        ("InternalServerError", 500),
    ] {
        let refused = run(&fake, &v16(&format!("https://shop.test/reject-{name}.png"))).await;
        assert_eq!(refused.status, code, "{name}");
        assert_eq!(refused.body["error"], name);
        assert!(refused.headers.get("retry-after").is_none(), "{name}");
    }
    let id = submit(&fake, &v16("https://shop.test/tee_status503-2.png")).await;
    let url = status_url(&fake, &id);
    for _ in 0..2 {
        let down = get(&url, Some(&bearer())).await;
        assert_eq!(down.status, 503);
        assert_eq!(down.body["error"], "InternalServerError");
    }
    let up = get(&url, Some(&bearer())).await;
    assert_eq!(up.status, 200);
    assert_eq!(up.body["status"], "completed");

    let stats = fake.stats();
    assert_eq!(stats.too_many_requests.submit, 2);
    assert_eq!(stats.too_many_requests.status, 0);
    assert_eq!(stats.submits, 4);
    assert_eq!(stats.jobs, 1);
    assert_eq!(stats.status_reads_per_job[&id], 3);
}

#[test]
fn the_published_limits_are_the_defaults() {
    let fashn = FakeConfig::fashn();
    assert_eq!(fashn.submit_limit, Some(RateLimit::per_seconds(50, 60)));
    assert_eq!(fashn.status_limit, Some(RateLimit::per_seconds(50, 10)));
    assert!(
        !fashn.retry_after,
        "the facts do not say FASHN sends Retry-After"
    );
    assert_eq!(fashn.concurrency_limit, None);
    let total: Duration = fashn.webhook_retry_delays.iter().sum();
    assert_eq!(fashn.webhook_retry_delays.len(), 5);
    assert_eq!(total, Duration::from_secs(300));
}

#[tokio::test]
async fn the_status_limit_refuses_exactly_past_50_and_admits_after_the_window() {
    // FASHN's 50 per 10 s, scaled to 50 per 3 s.
    let mut config = FakeConfig::fashn();
    config.time_scale = 0.3;
    let fake = FakeUpstream::start(config).await.unwrap();
    let id = submit(&fake, &v16("https://shop.test/tee.png")).await;
    let url = status_url(&fake, &id);
    let first = Instant::now();
    for n in 1..=50 {
        let read = get(&url, Some(&bearer())).await;
        assert_eq!(read.status, 200, "read {n}: {}", read.body);
    }
    assert!(
        first.elapsed() < Duration::from_millis(2800),
        "too slow to test the window"
    );
    let refused = get(&url, Some(&bearer())).await;
    assert_eq!(refused.status, 429);
    assert_eq!(refused.body["error"], "RateLimitExceeded");
    assert!(refused.headers.get("retry-after").is_none());
    // Refused reads do not count: once the first read is 3 s old, one is admitted.
    tokio::time::sleep_until((first + Duration::from_millis(3050)).into()).await;
    assert_eq!(get(&url, Some(&bearer())).await.status, 200);

    let stats = fake.stats();
    assert_eq!(stats.too_many_requests.status, 1);
    assert_eq!(stats.refusals["RateLimitExceeded"], 1);
    assert_eq!(stats.status_reads_per_job[&id], 52);
}

#[tokio::test]
async fn the_submit_limit_is_per_key_and_can_send_retry_after() {
    let mut config = FakeConfig::fashn();
    config.submit_limit = Some(RateLimit {
        requests: 3,
        window: Duration::from_secs(1),
    });
    config.retry_after = true;
    config.api_keys.push("second-key".into());
    let fake = FakeUpstream::start(config).await.unwrap();
    let body = v16("https://shop.test/tee.png");
    let first = Instant::now();
    for _ in 0..3 {
        submit(&fake, &body).await;
    }
    let refused = run(&fake, &body).await;
    assert_eq!(refused.status, 429);
    assert_eq!(refused.body["error"], "RateLimitExceeded");
    // Seconds with decimals (the SDK reads them), to the millisecond, rounded up.
    let text = refused.headers["retry-after"].to_str().unwrap();
    let retry: f64 = text.parse().unwrap();
    let decimals = text.split('.').nth(1).unwrap().len();
    assert!((0.9..=1.0).contains(&retry) && decimals == 3, "{retry}");
    let url = format!("{}/v1/run", fake.url());
    assert_eq!(
        post(&url, Some("Bearer second-key"), &body).await.status,
        200
    );
    tokio::time::sleep_until((first + Duration::from_millis(1050)).into()).await;
    assert_eq!(run(&fake, &body).await.status, 200);
    assert_eq!(fake.stats().too_many_requests.submit, 1);
}

#[tokio::test]
async fn the_concurrency_limit_counts_running_jobs() {
    let mut config = FakeConfig::fashn();
    config.concurrency_limit = Some(2);
    config.job_seconds = 0.3;
    let fake = FakeUpstream::start(config).await.unwrap();
    let body = v16("https://shop.test/tee.png");
    submit(&fake, &body).await;
    submit(&fake, &body).await;
    let refused = run(&fake, &body).await;
    assert_eq!(refused.status, 429);
    assert_eq!(refused.body["error"], "ConcurrencyLimitExceeded");
    tokio::time::sleep(Duration::from_millis(350)).await;
    submit(&fake, &body).await;
}

#[tokio::test]
async fn a_webhook_is_delivered_at_the_end_and_retried_after_a_non_2xx() {
    // 9 s jobs and the 10 s first retry, at 1/100: 90 ms and 100 ms.
    let mut config = FakeConfig::fashn();
    config.time_scale = 0.01;
    let fake = FakeUpstream::start(config).await.unwrap();
    let (hook, received) = receiver(1).await;
    let before_submit = Instant::now();
    let submitted = client()
        .post(format!("{}/v1/run", fake.url()))
        .query(&[("webhook_url", &hook)])
        .header("authorization", bearer())
        .json(&v16("https://shop.test/tee.png"))
        .send()
        .await
        .unwrap();
    assert_eq!(submitted.status(), 200);
    let id = submitted.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();

    assert!(
        eventually(Duration::from_secs(3), || received
            .lock()
            .unwrap()
            .bodies
            .len()
            == 2)
        .await
    );
    assert!(
        before_submit.elapsed() >= Duration::from_millis(190),
        "the retry waits its (scaled) delay"
    );
    let status = get(&status_url(&fake, &id), Some(&bearer())).await.body;
    {
        let received = received.lock().unwrap();
        for body in &received.bodies {
            assert_eq!(body, &status, "the envelope is the status answer");
        }
        for headers in &received.headers {
            assert!(
                !headers
                    .keys()
                    .any(|name| name.as_str().contains("signature")),
                "deliveries are not signed: {headers:?}"
            );
        }
    }
    let stats = fake.stats();
    assert_eq!(stats.webhooks.attempted, 2);
    assert_eq!(stats.webhooks.succeeded, 1);
    assert_eq!(
        stats.submit_bodies[0].webhook_url.as_deref(),
        Some(hook.as_str())
    );

    // A replay, as a test hook: the same body once more.
    assert_eq!(fake.replay_webhook(&id).await, Ok(200));
    assert_eq!(received.lock().unwrap().bodies.len(), 3);
    assert_eq!(received.lock().unwrap().bodies[2], status);
    let replay = post(
        &format!("{}/__fake/jobs/{id}/webhook", fake.url()),
        None,
        &json!({}),
    )
    .await;
    assert_eq!(replay.body["delivered"], 200);
    assert!(fake.replay_webhook("no-such-job").await.is_err());
}

#[tokio::test]
async fn a_failed_job_is_delivered_too_and_nowebhook_never_calls() {
    let mut config = FakeConfig::fashn();
    config.time_scale = 0.01;
    let fake = FakeUpstream::start(config).await.unwrap();
    let (hook, received) = receiver(0).await;
    let send = |garment: &'static str| {
        let url = format!("{}/v1/run", fake.url());
        let hook = hook.clone();
        async move {
            client()
                .post(url)
                .query(&[("webhook_url", &hook)])
                .header("authorization", bearer())
                .json(&v16(garment))
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    assert_eq!(send("https://shop.test/fail-PoseError.png").await, 200);
    assert_eq!(send("https://shop.test/tee_nowebhook.png").await, 200);
    assert!(
        eventually(Duration::from_secs(3), || !received
            .lock()
            .unwrap()
            .bodies
            .is_empty())
        .await
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    let received = received.lock().unwrap();
    assert_eq!(received.bodies.len(), 1, "no delivery for nowebhook");
    assert_eq!(received.bodies[0]["status"], "failed");
    assert_eq!(received.bodies[0]["error"]["name"], "PoseError");
    assert_eq!(fake.stats().webhooks.succeeded, 1);
}

#[tokio::test]
async fn a_webhook_that_always_fails_is_tried_six_times_then_given_up() {
    // The 5-minute schedule at 1/1000: 300 ms.
    let mut config = FakeConfig::fashn();
    config.time_scale = 0.001;
    let fake = FakeUpstream::start(config).await.unwrap();
    let (hook, received) = receiver(usize::MAX).await;
    let submitted = client()
        .post(format!("{}/v1/run", fake.url()))
        .query(&[("webhook_url", &hook)])
        .header("authorization", bearer())
        .json(&v16("https://shop.test/tee.png"))
        .send()
        .await
        .unwrap();
    assert_eq!(submitted.status(), 200);
    assert!(
        eventually(Duration::from_secs(3), || fake.stats().webhooks.abandoned
            == 1)
        .await
    );
    assert_eq!(
        received.lock().unwrap().bodies.len(),
        6,
        "the first and 5 retries"
    );
    assert_eq!(fake.stats().webhooks.attempted, 6);
    assert_eq!(fake.stats().webhooks.succeeded, 0);

    // An unreachable receiver counts as a failed delivery too.
    let dead = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}/hook", listener.local_addr().unwrap())
    };
    client()
        .post(format!("{}/v1/run", fake.url()))
        .query(&[("webhook_url", &dead)])
        .header("authorization", bearer())
        .json(&v16("https://shop.test/tee.png"))
        .send()
        .await
        .unwrap();
    assert!(
        eventually(Duration::from_secs(3), || fake.stats().webhooks.abandoned
            == 2)
        .await
    );
    assert_eq!(fake.stats().webhooks.attempted, 12);
}

#[tokio::test]
async fn a_path_prefix_moves_the_api_and_stats_are_served_as_json() {
    let mut config = FakeConfig::fashn();
    config.path_prefix = "/fashn".into();
    config.job_seconds = 0.0;
    let fake = FakeUpstream::start(config).await.unwrap();
    assert!(fake.url().ends_with("/fashn"), "{}", fake.url());
    let id = submit(&fake, &v16("https://shop.test/tee.png")).await;
    let done = get(&status_url(&fake, &id), Some(&bearer())).await.body;
    let picture = client()
        .get(done["output"][0].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(picture.status(), 200);
    let origin = fake.url().trim_end_matches("/fashn");
    assert_eq!(get(&format!("{origin}/v1/run"), None).await.status, 404);
    let stats = get(&format!("{origin}/__fake/stats"), None).await.body;
    assert_eq!(stats["jobs"], 1);
    assert_eq!(stats["status_reads_per_job"][&id], 1);
    assert_eq!(
        stats["too_many_requests"],
        json!({"submit": 0, "status": 0})
    );
    assert_eq!(
        stats["submit_bodies"][0]["fields"],
        json!(["garment_image", "model_image"])
    );
    fake.stop().await;
}

#[tokio::test]
async fn a_large_data_url_is_accepted_and_recorded_cut() {
    let fake = unlimited(0.0).await;
    let photo = format!("data:image/jpeg;base64,{}", "A".repeat(3 * 1024 * 1024));
    let mut body = v16("https://shop.test/tee.png");
    body["inputs"]["model_image"] = json!(photo);
    submit(&fake, &body).await;
    let recorded = fake.stats().submit_bodies[0]
        .field("model_image")
        .cloned()
        .unwrap();
    assert!(recorded.as_str().unwrap().len() < 300);
}

#[tokio::test]
async fn a_non_loopback_address_is_refused() {
    let mut config = FakeConfig::fashn();
    config.listen = "0.0.0.0:0".parse().unwrap();
    let refused = FakeUpstream::start(config).await.err().unwrap();
    assert_eq!(refused.kind(), std::io::ErrorKind::InvalidInput);
}
