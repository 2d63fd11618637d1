//! CORS, body limits, error shapes, validation over HTTP, health and metrics.

mod common;

use common::*;
use serde_json::{json, Value};

#[tokio::test]
async fn cors_preflight_allows_listed_origins_only() {
    let gw = TestGateway::start(test_config()).await;
    let preflight = |origin: &'static str| {
        gw.http
            .request(
                reqwest::Method::OPTIONS,
                format!("{}/api/v1/tryon/clothes", gw.base),
            )
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header(
                "access-control-request-headers",
                "authorization,content-type",
            )
            .send()
    };
    let ok = preflight(PAGE).await.unwrap();
    assert!(ok.status().is_success());
    assert_eq!(ok.headers()["access-control-allow-origin"], PAGE);
    let methods = ok.headers()["access-control-allow-methods"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(methods.contains("POST"), "{methods}");
    let headers = ok.headers()["access-control-allow-headers"]
        .to_str()
        .unwrap()
        .to_ascii_lowercase();
    assert!(headers.contains("authorization"), "{headers}");

    let refused = preflight("https://evil.test").await.unwrap();
    assert!(refused
        .headers()
        .get("access-control-allow-origin")
        .is_none());

    // Simple requests carry the header too.
    let r = gw
        .http
        .post(format!("{}/v1/sessions", gw.base))
        .header("origin", PAGE)
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["access-control-allow-origin"], PAGE);
}

#[tokio::test]
async fn oversized_bodies_get_a_clear_413() {
    let mut config = test_config();
    config.body_limit_mb = 1;
    let gw = TestGateway::start(config).await;
    let token = gw.token().await;
    let huge = data_url("image/jpeg", &vec![0xFFu8; 2 << 20]);
    let (code, body) = gw
        .submit(
            &token,
            &json!({"model_image": huge, "garment_image": "https://example.com/g.png"}),
        )
        .await;
    assert_eq!(code, 413);
    assert_eq!(body["error"]["name"], "PayloadTooLarge");
    assert!(body["error"]["message"].as_str().unwrap().contains("1 MB"));
}

#[tokio::test]
async fn invalid_fields_are_named_in_a_400() {
    let gw = TestGateway::start(test_config()).await;
    let token = gw.token().await;
    let (code, body) = gw.submit(&token, &job(json!({"num_samples": 9}))).await;
    assert_eq!(code, 400);
    assert_eq!(body["error"]["name"], "InvalidRequest");
    assert_eq!(body["error"]["field"], "num_samples");
    let (code, body) = gw.submit(&token, &json!({"model_image": "aGVsbG8gd29ybGQgaGVsbG8=", "garment_image": "https://example.com/g.png"})).await;
    assert_eq!(code, 400);
    assert_eq!(body["error"]["field"], "model_image");
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("data-URL prefix"));
    let r = gw
        .http
        .post(format!("{}/api/v1/tryon/clothes", gw.base))
        .bearer_auth(&token)
        .body("{oops")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert!(r.json::<Value>().await.unwrap()["error"]["message"]
        .as_str()
        .unwrap()
        .contains("not valid JSON"));
    let (code, body) = gw.status(&token, "x.y", "wait=99").await;
    assert_eq!((code, body["error"]["field"].as_str()), (400, Some("wait")));
}

#[tokio::test]
async fn unknown_routes_and_methods_answer_in_the_error_shape() {
    let gw = TestGateway::start(test_config()).await;
    let (code, body) = gw.get("/nowhere", None).await;
    assert_eq!(code, 404);
    assert_eq!(body["error"]["name"], "NotFound");
    let (code, body) = gw.get("/api/v1/tryon/clothes", None).await;
    assert_eq!(code, 405);
    assert_eq!(body["error"]["name"], "InvalidRequest");
}

#[tokio::test]
async fn health_and_metrics() {
    let gw = TestGateway::start(test_config()).await;
    let h: Value = gw
        .http
        .get(format!("{}/healthz", gw.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let day = tryon_gateway::spending::utc_day(std::time::SystemTime::now()).0;
    assert_eq!(
        h,
        json!({"status": "ok", "engine": "sandbox", "budget": {
            "day": day, "images_per_day": null, "images_spent": 0, "images_left": null,
            "credits_spent": 0.0,
        }})
    );
    let token = gw.token().await;
    assert_eq!(gw.run(&token, &job(json!({}))).await["status"], "completed");
    assert_eq!(
        gw.run(&token, &job(json!({"seed": 4000000001u32}))).await["status"],
        "failed"
    );
    let r = gw
        .http
        .get(format!("{}/metrics", gw.base))
        .send()
        .await
        .unwrap();
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/openmetrics-text"));
    let text = r.text().await.unwrap();
    for needle in [
        "# HELP tryon_sessions_minted Session tokens minted",
        "# TYPE tryon_sessions_minted counter",
        "# HELP tryon_jobs_finished Try-on jobs run to their end",
        "# HELP tryon_http_request_duration_seconds Time to answer an HTTP request",
        "# TYPE tryon_http_request_duration_seconds histogram",
        "tryon_sessions_minted_total{renewed=\"false\"} 1",
        "tryon_jobs_submitted_total{engine=\"sandbox\"} 2",
        "tryon_jobs_finished_total{engine=\"sandbox\",status=\"completed\",error=\"\"} 1",
        "tryon_jobs_finished_total{engine=\"sandbox\",status=\"failed\",error=\"PoseError\"} 1",
        "tryon_job_duration_seconds_count{engine=\"sandbox\"} 2",
        "tryon_http_request_duration_seconds_bucket{le=\"+Inf\",route=\"/api/v1/tryon/clothes\"} 2",
    ] {
        assert!(text.contains(needle), "metrics lack {needle}:\n{text}");
    }
}

#[tokio::test]
async fn with_an_admin_token_the_figures_are_for_its_bearer_and_liveness_for_everyone() {
    let mut config = test_config();
    config.admin_token = tryon_gateway::config::Secret("operators-only".into());
    config.server_api_key = tryon_gateway::config::Secret("server-key".into());
    let gw = TestGateway::start(config).await;
    // A load balancer (no header, or a broken one) still reads the status, and only it.
    for authorization in [None, Some("Basic x"), Some("Bearer server-key")] {
        let (code, health) = gw.get("/healthz", authorization).await;
        assert_eq!(
            (code, health),
            (200, json!({"status": "ok"})),
            "{authorization:?}"
        );
    }
    let (code, health) = gw.get("/healthz", Some("Bearer operators-only")).await;
    assert_eq!(code, 200);
    assert_eq!(health["engine"], "sandbox");
    assert_eq!(health["budget"]["images_spent"], 0, "{health}");
    // The spending figures: not to a shopper's token, nor the server key, nor nobody.
    let token = gw.token().await;
    for authorization in [
        None,
        Some(format!("Bearer {token}")),
        Some("Bearer server-key".into()),
    ] {
        let (code, body) = gw.get("/metrics", authorization.as_deref()).await;
        assert_eq!(code, 401, "{authorization:?}");
        assert_eq!(body["error"]["name"], "TokenInvalid");
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("TRYON_ADMIN_TOKEN"),
            "{body}"
        );
    }
    let r = gw
        .http
        .get(format!("{}/metrics", gw.base))
        .bearer_auth("operators-only")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("tryon_images_spent_today"));
}

/// Asserts a 400 in the contract's error shape whose message mentions `hint`.
async fn assert_invalid_request(r: reqwest::Response, hint: &str) {
    assert_eq!(r.status(), 400);
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/json"));
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["name"], "InvalidRequest", "{body}");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.contains(hint), "{message} lacks {hint}");
}

#[tokio::test]
async fn queries_paths_and_bodies_that_do_not_parse_answer_in_the_error_shape() {
    let gw = TestGateway::start(test_config()).await;
    let token = gw.token().await;
    let get = |path: &str| {
        gw.http
            .get(format!("{}{path}", gw.base))
            .bearer_auth(&token)
            .send()
    };
    // A parameter given twice.
    let r = get("/api/v1/status/x.y?wait=1&wait=2").await.unwrap();
    assert_invalid_request(r, "wait").await;
    // Ids that are not text.
    let r = get("/api/v1/status/%FF%FE").await.unwrap();
    assert_invalid_request(r, "id").await;
    let r = get("/v1/results/%FF%FE").await.unwrap();
    assert_invalid_request(r, "URL").await;
    // A body declared as something other than JSON.
    let post = |content_type: &'static str, body: String| {
        gw.http
            .post(format!("{}/api/v1/tryon/clothes", gw.base))
            .bearer_auth(&token)
            .header("content-type", content_type)
            .body(body)
            .send()
    };
    let job = job(json!({})).to_string();
    let r = post("text/plain", job.clone()).await.unwrap();
    assert_invalid_request(r, "Content-Type: application/json").await;
    let r = post("application/x-www-form-urlencoded", job.clone())
        .await
        .unwrap();
    assert_invalid_request(r, "Content-Type: application/json").await;
    // JSON that does not parse, declared as JSON.
    let r = post("application/json", "{\"model_image\": ".into())
        .await
        .unwrap();
    assert_invalid_request(r, "not valid JSON").await;
    // JSON with a charset, and JSON variants, are JSON.
    let r = post("application/json; charset=utf-8", job).await.unwrap();
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn a_panic_is_a_500_in_the_error_shape() {
    // The gateway's own routes do not panic on purpose; the layer `app` uses is
    // tried on a route that does.
    let router = axum::Router::new()
        .route(
            "/boom",
            axum::routing::get(|| async {
                if true {
                    panic!("a bug with a secret detail");
                }
            }),
        )
        .layer(tryon_gateway::error::answer_panics());
    let base = serve(router).await;
    let r = reqwest::get(format!("{base}/boom")).await.unwrap();
    assert_eq!(r.status(), 500);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["name"], "InternalError");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.contains("try again"), "{message}");
    assert!(!message.contains("secret"), "{message}");
}
