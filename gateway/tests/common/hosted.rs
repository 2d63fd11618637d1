//! The gateway in front of the fakes of the hosted APIs (`tryon-fakes`).

use serde_json::{json, Value};
use tryon_fakes::{FakeConfig, FakeUpstream, DEFAULT_API_KEY};
use tryon_gateway::config::{EngineChoice, Secret};
use tryon_gateway::Config;

use super::{test_config, TestGateway};

/// A fake whose every duration is multiplied by `scale` (0.01: a 9 s job in 90 ms).
pub async fn fake_scaled(mut config: FakeConfig, scale: f64) -> FakeUpstream {
    config.time_scale = scale;
    FakeUpstream::start(config).await.expect("the fake starts")
}

/// Gateway settings for `fake` speaking `dialect`, changed by `change`.
pub fn config_for(
    fake: &FakeUpstream,
    dialect: &str,
    model: Option<&str>,
    change: impl FnOnce(&mut Config),
) -> Config {
    let mut config = test_config();
    config.engine = EngineChoice::Upstream;
    config.upstream = dialect.into();
    config.upstream_model = model.map(Into::into);
    config.upstream_url = Some(fake.url().to_owned());
    config.upstream_api_key = Secret(DEFAULT_API_KEY.into());
    config.upstream_timeout_seconds = 2.0;
    config.upstream_poll_seconds = 0.02;
    change(&mut config);
    config
}

/// A gateway for `fake` speaking `dialect`, changed by `change`.
pub async fn gateway_with(
    fake: &FakeUpstream,
    dialect: &str,
    model: Option<&str>,
    change: impl FnOnce(&mut Config),
) -> TestGateway {
    TestGateway::start(config_for(fake, dialect, model, change)).await
}

/// A contract request; `garment` is the garment file's name (the fakes read markers in it).
pub fn hosted_job(garment: &str, extra: Value) -> Value {
    let mut body = json!({
        "model_image": "https://example.com/person.jpg",
        "garment_image": format!("https://example.com/{garment}.png"),
    });
    body.as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    body
}

/// The hosted API's job id inside a job id the gateway handed out.
pub fn upstream_id(handle: &str) -> String {
    use base64::Engine as _;
    let (id, _) = handle.split_once('.').expect("a sealed job id");
    String::from_utf8(
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(id)
            .unwrap(),
    )
    .unwrap()
}

/// How many jobs reached `fake` before the one for `garment` (a [`hosted_job`]), in
/// the order they reached it (answers to submits racing each other would not tell).
pub fn jobs_before(fake: &FakeUpstream, garment: &str) -> usize {
    let needle = format!("{garment}.png");
    fake.stats()
        .submit_bodies
        .iter()
        .filter(|s| s.answer == 200)
        .position(|s| s.body.to_string().contains(&needle))
        .unwrap_or_else(|| panic!("the job for {garment} reached the provider"))
}
