//! The photo check: `POST /v1/precheck` and the refusal of jobs whose photo shows
//! nobody, with the real pose models on the repository's fixture photos.

mod common;

use common::hosted::{fake_scaled, gateway_with};
use common::*;
use serde_json::{json, Value};
use tryon_fakes::FakeConfig;
use tryon_gateway::config::PhotoCheckMode;

/// A data URL of a fixture, typed by its extension.
fn photo(path: &str) -> String {
    let media_type = match path.rsplit('.').next() {
        Some("webp") => "image/webp",
        Some("png") => "image/png",
        _ => "image/jpeg",
    };
    data_url(media_type, &fixture(path))
}

async fn precheck(gw: &TestGateway, token: Option<&str>, body: &Value) -> (u16, Value) {
    let mut r = gw
        .http
        .post(format!("{}/v1/precheck", gw.base))
        .header("origin", PAGE)
        .json(body);
    if let Some(token) = token {
        r = r.bearer_auth(token);
    }
    let r = r.send().await.unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

fn reasons(answer: &Value) -> Vec<String> {
    answer["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["reason"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn the_check_tells_a_good_photo_from_the_wrong_ones() {
    let gw = TestGateway::start(test_config()).await;
    let token = gw.token().await;
    let ask =
        |path: &str, category: &str| json!({"model_image": photo(path), "category": category});

    let (code, answer) = precheck(&gw, Some(&token), &ask("people/model.webp", "tops")).await;
    assert_eq!(code, 200, "{answer}");
    assert_eq!(
        answer,
        json!({"checked": true, "people": 1, "problems": []})
    );

    let (_, answer) = precheck(&gw, Some(&token), &ask("bad/coffee.png", "tops")).await;
    assert_eq!(reasons(&answer), ["no_person"], "{answer}");
    assert_eq!(answer["people"], 0);

    let (_, answer) = precheck(&gw, Some(&token), &ask("bad/three_people.jpg", "auto")).await;
    assert_eq!(
        answer["problems"][0],
        json!({"reason": "several_people", "count": 3}),
        "{answer}"
    );

    // A waist-up portrait is fine for a top and misses the knees trousers need.
    let (_, answer) = precheck(&gw, Some(&token), &ask("people/portrait.jpg", "tops")).await;
    assert_eq!(reasons(&answer), Vec::<String>::new(), "{answer}");
    let (_, answer) = precheck(&gw, Some(&token), &ask("people/portrait.jpg", "bottoms")).await;
    assert_eq!(
        answer["problems"],
        json!([{"reason": "not_in_frame", "parts": ["knees"]}]),
        "{answer}"
    );

    // The category defaults to auto: an upper-body photo passes.
    let (_, answer) = precheck(
        &gw,
        Some(&token),
        &json!({"model_image": photo("people/portrait.jpg")}),
    )
    .await;
    assert_eq!(answer["problems"], json!([]), "{answer}");

    let metrics = get_text(&gw.http, &format!("{}/metrics", gw.base)).await;
    assert!(
        metrics.contains("tryon_photo_checks_total{verdict=\"advice\"} 3"),
        "{metrics}"
    );
}

/// How many photos the pose models have looked at, from `/metrics`.
async fn pose_model_runs(gw: &TestGateway) -> u64 {
    let metrics = get_text(&gw.http, &format!("{}/metrics", gw.base)).await;
    metrics
        .lines()
        .find_map(|l| l.strip_prefix("tryon_pose_model_runs_total "))
        .unwrap_or_else(|| panic!("no tryon_pose_model_runs_total in {metrics}"))
        .parse()
        .unwrap()
}

/// Requests for one photo at the same moment (a page's sample photo sent by many
/// shoppers, or a widget's check racing its submit) share one look by the models:
/// before, each queued for its own, and a burst of 200 took seconds.
#[tokio::test]
async fn requests_for_one_photo_at_once_share_one_look() {
    let gw = TestGateway::start(test_config()).await;
    let token = gw.token().await;
    let before = pose_model_runs(&gw).await;
    let ask = json!({"model_image": photo("people/pose.jpg"), "category": "tops"});
    let answers =
        futures_util::future::join_all((0..12).map(|_| precheck(&gw, Some(&token), &ask))).await;
    for (code, answer) in &answers {
        assert_eq!(*code, 200, "{answer}");
        assert_eq!(
            *answer,
            json!({"checked": true, "people": 1, "problems": []})
        );
    }
    assert_eq!(
        pose_model_runs(&gw).await,
        before + 1,
        "12 questions, one look"
    );

    // Another photo is another look; the first is remembered.
    let other = json!({"model_image": photo("bad/coffee.png"), "category": "tops"});
    let (_, answer) = precheck(&gw, Some(&token), &other).await;
    assert_eq!(reasons(&answer), ["no_person"], "{answer}");
    precheck(&gw, Some(&token), &ask).await;
    assert_eq!(pose_model_runs(&gw).await, before + 2);
}

#[tokio::test]
async fn a_wrong_precheck_gets_an_error_that_says_what_to_send() {
    let gw = TestGateway::start(test_config()).await;
    let token = gw.token().await;
    let body = json!({"model_image": photo("people/model.webp"), "category": "hats"});
    let (code, answer) = precheck(&gw, None, &body).await;
    assert_eq!(code, 401, "{answer}");

    let (code, answer) = precheck(&gw, Some(&token), &body).await;
    assert_eq!(code, 400);
    assert_eq!(answer["error"]["name"], "InvalidRequest");
    assert!(
        answer["error"]["message"]
            .as_str()
            .unwrap()
            .contains("`hats` is not a valid category"),
        "{answer}"
    );

    let (code, answer) = precheck(
        &gw,
        Some(&token),
        &json!({"model_image": "https://example.com/me.jpg"}),
    )
    .await;
    assert_eq!(code, 400);
    assert_eq!(answer["error"]["field"], "model_image");
    assert!(
        answer["error"]["message"]
            .as_str()
            .unwrap()
            .contains("data URL"),
        "{answer}"
    );

    let (code, answer) = precheck(
        &gw,
        Some(&token),
        &json!({"model_image": data_url("image/jpeg", b"not a picture")}),
    )
    .await;
    assert_eq!(code, 400);
    assert_eq!(answer["error"]["name"], "ImageLoadError", "{answer}");
}

#[tokio::test]
async fn a_photo_of_nobody_fails_at_once_with_pose_error() {
    let gw = TestGateway::start(test_config()).await;
    let token = gw.token().await;
    let (code, answer) = gw
        .submit(
            &token,
            &job(json!({"model_image": photo("bad/coffee.png")})),
        )
        .await;
    assert_eq!(code, 200);
    assert_eq!(answer["id"], Value::Null, "{answer}");
    assert_eq!(answer["error"]["name"], "PoseError");
    assert!(
        answer["error"]["message"]
            .as_str()
            .unwrap()
            .contains("can't see anybody"),
        "{answer}"
    );
    // A photo with somebody in it runs as before.
    let status = gw.run(&token, &job(json!({}))).await;
    assert_eq!(status["status"], "completed", "{status}");
}

#[tokio::test]
async fn advise_only_leaves_jobs_alone_and_the_sandbox_finds_nobody_itself() {
    let mut config = test_config();
    config.photo_check = PhotoCheckMode::Advise;
    let gw = TestGateway::start(config).await;
    let token = gw.token().await;
    let (_, answer) = precheck(
        &gw,
        Some(&token),
        &json!({"model_image": photo("bad/coffee.png")}),
    )
    .await;
    assert_eq!(reasons(&answer), ["no_person"]);
    // Accepted, then failed by the sandbox's own look, as a hosted model would.
    let status = gw
        .run(
            &token,
            &job(json!({"model_image": photo("bad/tanners_ridge.jpg")})),
        )
        .await;
    assert_eq!(status["status"], "failed", "{status}");
    assert_eq!(status["error"]["name"], "PoseError");
    assert!(
        status["error"]["message"]
            .as_str()
            .unwrap()
            .contains("can't see anybody"),
        "{status}"
    );
}

#[tokio::test]
async fn with_the_check_off_nothing_is_looked_at() {
    let mut config = test_config();
    config.photo_check = PhotoCheckMode::Off;
    let gw = TestGateway::start(config).await;
    let token = gw.token().await;
    let (code, answer) = precheck(
        &gw,
        Some(&token),
        &json!({"model_image": photo("bad/coffee.png")}),
    )
    .await;
    assert_eq!(code, 200);
    assert_eq!(
        answer,
        json!({"checked": false, "people": 0, "problems": []})
    );
}

#[tokio::test]
async fn upstream_a_photo_of_nobody_is_never_sent_or_charged() {
    let fake = fake_scaled(FakeConfig::fashn(), 0.01).await;
    let gw = gateway_with(&fake, "fashn", None, |_| {}).await;
    let token = gw.token().await;
    let body = json!({
        "model_image": photo("bad/plants-1.jpg"),
        "garment_image": "https://example.com/tee.png",
    });
    let (code, answer) = gw.submit(&token, &body).await;
    assert_eq!(
        (code, &answer["error"]["name"]),
        (200, &json!("PoseError")),
        "{answer}"
    );
    assert_eq!(fake.stats().submits, 0, "nothing reached the hosted API");
    // The same shopper's photo of themselves goes through.
    let body = json!({
        "model_image": photo("people/pose.jpg"),
        "garment_image": "https://example.com/tee.png",
    });
    let (code, answer) = gw.submit(&token, &body).await;
    assert_eq!(code, 200);
    assert!(answer["id"].is_string(), "{answer}");
    assert_eq!(fake.stats().submits, 1);
}

#[tokio::test]
async fn a_garment_worn_in_its_photo_is_cut_out_of_its_wearer() {
    let gw = TestGateway::start(test_config()).await;
    let token = gw.token().await;
    let worn = photo("garments/garment.webp");
    let status = gw
        .run(
            &token,
            &job(json!({"garment_image": worn, "garment_photo_type": "model"})),
        )
        .await;
    assert_eq!(status["status"], "completed", "{status}");
    // A flat-lay photo called `model`: nobody wears it.
    let flat = photo("garments/solidus_tshirt.png");
    let status = gw
        .run(
            &token,
            &job(json!({"garment_image": flat, "garment_photo_type": "model"})),
        )
        .await;
    assert_eq!(status["error"]["name"], "PoseError", "{status}");
    assert!(
        status["error"]["message"]
            .as_str()
            .unwrap()
            .contains("garment photo"),
        "{status}"
    );
}
