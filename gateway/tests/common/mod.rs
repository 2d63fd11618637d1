//! Helpers shared by the gateway's integration tests: a real gateway on a loopback
//! socket, fixture images, and a client that speaks the contract.
#![allow(dead_code)]

use std::path::PathBuf;
use std::time::Duration;

use base64::Engine as _;
use serde_json::{json, Value};
use tryon_gateway::{app, AppState, Config};

pub mod hosted;
pub mod replicas;

/// The page origin the tests pretend to be.
pub const PAGE: &str = "http://shop.test";
/// A signing secret shared with tests that mint their own tokens.
pub const SECRET: &str = "test-secret-test-secret-test-secret-0123";

/// A gateway serving on 127.0.0.1 for the duration of a test.
pub struct TestGateway {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// Its state (for tests that mint tokens by hand).
    pub state: AppState,
    /// A client with a short timeout.
    pub http: reqwest::Client,
}

/// Settings every test starts from: sandbox, fast, our page allowed, known secret.
pub fn test_config() -> Config {
    let mut config = Config::for_tests();
    config.allowed_origins = vec![PAGE.into()];
    config.token_secret = tryon_gateway::config::Secret(SECRET.into());
    config.sandbox_latency_scale = 0.0;
    config.mint_rate_per_minute = 0;
    // Many jobs on one token from one address: the quota tests turn them on.
    config.session_images_per_hour = 0;
    config.address_images_per_hour = 0;
    config.daily_image_budget = Some(tryon_gateway::config::DailyBudget(None));
    config
}

impl TestGateway {
    /// Starts the gateway with `config` on a free port.
    pub async fn start(config: Config) -> Self {
        Self::start_on_own_url(config, false).await
    }

    /// Starts the gateway with its own address as `TRYON_PUBLIC_URL` (webhooks on).
    pub async fn start_public(config: Config) -> Self {
        Self::start_on_own_url(config, true).await
    }

    async fn start_on_own_url(mut config: Config, public: bool) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        if public {
            config.public_url = Some(format!("http://{address}"));
        }
        let state = AppState::new(config).expect("valid test configuration");
        let router = app(state.clone());
        tokio::spawn(async move {
            tryon_gateway::serve(listener, router, std::future::pending())
                .await
                .unwrap();
        });
        TestGateway {
            base: format!("http://{address}"),
            state,
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(60))
                .build()
                .unwrap(),
        }
    }

    /// A fresh session token for [`PAGE`].
    pub async fn token(&self) -> String {
        let r = self
            .http
            .post(format!("{}/v1/sessions", self.base))
            .header("origin", PAGE)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "minting a token");
        r.json::<Value>().await.unwrap()["token"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// Submits `body` with `token`; returns the HTTP status and the JSON answer.
    pub async fn submit(&self, token: &str, body: &Value) -> (u16, Value) {
        let r = self
            .http
            .post(format!("{}/api/v1/tryon/clothes", self.base))
            .bearer_auth(token)
            .header("origin", PAGE)
            .json(body)
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
    }

    /// Reads a status (with an optional query such as `wait=5`).
    pub async fn status(&self, token: &str, id: &str, query: &str) -> (u16, Value) {
        let r = self
            .http
            .get(format!("{}/api/v1/status/{id}?{query}", self.base))
            .bearer_auth(token)
            .header("origin", PAGE)
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
    }

    /// A GET of `path` with an optional raw `Authorization` header: status and JSON.
    pub async fn get(&self, path: &str, authorization: Option<&str>) -> (u16, Value) {
        let mut r = self.http.get(format!("{}{path}", self.base));
        if let Some(a) = authorization {
            r = r.header("authorization", a);
        }
        let r = r.send().await.unwrap();
        (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
    }

    /// Submits and long-polls until the job ends; returns the final status.
    pub async fn run(&self, token: &str, body: &Value) -> Value {
        let (code, submitted) = self.submit(token, body).await;
        assert_eq!(code, 200, "submit answered {submitted}");
        let id = submitted["id"].as_str().expect("a job id").to_owned();
        for _ in 0..120 {
            let (code, status) = self.status(token, &id, "wait=10").await;
            assert_eq!(code, 200, "status answered {status}");
            if matches!(status["status"].as_str(), Some("completed" | "failed")) {
                return status;
            }
        }
        panic!("job {id} never finished");
    }
}

/// The body of a GET of `url`, as text (`/metrics`).
pub async fn get_text(http: &reqwest::Client, url: &str) -> String {
    http.get(url).send().await.unwrap().text().await.unwrap()
}

/// The body of a GET of `url`, as JSON (`/healthz`).
pub async fn get_json(http: &reqwest::Client, url: &str) -> Value {
    http.get(url).send().await.unwrap().json().await.unwrap()
}

/// The fixtures folder (`fixtures/` in the repository; `TRYON_FIXTURES` overrides it).
pub fn fixtures() -> PathBuf {
    std::env::var_os("TRYON_FIXTURES")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fixtures"))
}

/// A fixture's bytes.
pub fn fixture(path: &str) -> Vec<u8> {
    std::fs::read(fixtures().join(path)).unwrap_or_else(|e| panic!("fixture {path}: {e}"))
}

/// A data URL for these bytes with this media type.
pub fn data_url(media_type: &str, bytes: &[u8]) -> String {
    format!(
        "data:{media_type};base64,{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    )
}

/// A request body: the fixture person and T-shirt, plus `extra` options.
pub fn job(extra: Value) -> Value {
    let mut body = json!({
        "model_image": data_url("image/webp", &fixture("people/model.webp")),
        "garment_image": data_url("image/png", &fixture("garments/solidus_tshirt.png")),
    });
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    body
}

/// Serves `router` on a free loopback port; returns its base URL.
pub async fn serve(router: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    format!("http://{address}")
}
