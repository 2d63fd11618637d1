//! The reference's JSON examples, verbatim, and the validation of every field.

use serde_json::json;
use tryon_protocol::*;

const JPEG_DATA_URL: &str = "data:image/jpeg;base64,/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAA==";

fn body(extra: serde_json::Value) -> Vec<u8> {
    let mut v = json!({
        "model_image": "https://example.com/path/to/model.png",
        "garment_image": "https://example.com/path/to/garment.png"
    });
    for (k, val) in extra.as_object().unwrap() {
        v[k] = val.clone();
    }
    serde_json::to_vec(&v).unwrap()
}

fn field_error(extra: serde_json::Value) -> ValidationError {
    TryOnRequest::from_json(&body(extra)).expect_err("request should be refused")
}

#[test]
fn reference_submit_example_gets_every_default() {
    let example = r#"{
  "model_image": "https://example.com/path/to/model.png",
  "garment_image": "https://example.com/path/to/garment.png"
}"#;
    let r = TryOnRequest::from_json(example.as_bytes()).unwrap();
    assert_eq!(r.model_image, "https://example.com/path/to/model.png");
    assert_eq!(r.garment_image, "https://example.com/path/to/garment.png");
    assert_eq!(r.category, Category::Auto);
    assert!(r.segmentation_free);
    assert_eq!(r.moderation_level, ModerationLevel::Permissive);
    assert_eq!(r.garment_photo_type, GarmentPhotoType::Auto);
    assert_eq!(r.mode, Mode::Balanced);
    assert_eq!(r.seed, 42);
    assert_eq!(r.num_samples, 1);
    assert_eq!(r.output_format, OutputFormat::Png);
    // Plain serde agrees with the validating parser on the defaults.
    let plain: TryOnRequest = serde_json::from_str(example).unwrap();
    assert_eq!(plain, r);
}

#[test]
fn request_round_trips_with_every_option_set() {
    let mut r = TryOnRequest::new(JPEG_DATA_URL, "https://example.com/g.png");
    r.category = Category::OnePieces;
    r.segmentation_free = false;
    r.moderation_level = ModerationLevel::None;
    r.garment_photo_type = GarmentPhotoType::FlatLay;
    r.mode = Mode::Quality;
    r.seed = u32::MAX;
    r.num_samples = 4;
    r.output_format = OutputFormat::Jpeg;
    let text = serde_json::to_string(&r).unwrap();
    assert!(text.contains(r#""category":"one-pieces""#), "{text}");
    assert!(
        text.contains(r#""garment_photo_type":"flat-lay""#),
        "{text}"
    );
    assert_eq!(TryOnRequest::from_json(text.as_bytes()).unwrap(), r);
}

#[test]
fn reference_submit_response_example() {
    let r: SubmitResponse =
        serde_json::from_str(r#"{"id": "64b7f1a9d9a3b8e5c7f9a123", "error": null}"#).unwrap();
    assert_eq!(r.id.as_deref(), Some("64b7f1a9d9a3b8e5c7f9a123"));
    assert_eq!(r.error, None);
    let back = serde_json::to_value(&r).unwrap();
    assert_eq!(
        back,
        json!({"id": "64b7f1a9d9a3b8e5c7f9a123", "error": null})
    );
}

#[test]
fn reseller_job_id_variant_is_read_as_id() {
    let r: SubmitResponse = serde_json::from_str(r#"{"ok": true, "jobId": "abc123"}"#).unwrap();
    assert_eq!(r.id.as_deref(), Some("abc123"));
    let s: StatusResponse = serde_json::from_str(
        r#"{"jobId": "abc123", "status": "completed", "output": ["https://x/y.webp"]}"#,
    )
    .unwrap();
    assert_eq!(s.id, "abc123");
    assert_eq!(s.output.unwrap(), vec!["https://x/y.webp".to_owned()]);
}

#[test]
fn reference_completed_example() {
    let text = r#"{ "id": "64b7f1a9d9a3b8e5c7f9a123", "status": "completed",
  "output": ["https://cdn.example/tryons/XXX/output.png"], "error": null }"#;
    let s: StatusResponse = serde_json::from_str(text).unwrap();
    assert_eq!(s.status, JobStatus::Completed);
    assert!(s.status.is_terminal());
    assert_eq!(
        s.output.as_deref(),
        Some(&["https://cdn.example/tryons/XXX/output.png".to_owned()][..])
    );
    let again: StatusResponse = serde_json::from_value(serde_json::to_value(&s).unwrap()).unwrap();
    assert_eq!(again, s);
    assert_eq!(
        serde_json::to_value(&s).unwrap(),
        serde_json::from_str::<serde_json::Value>(text).unwrap()
    );
}

#[test]
fn reference_failed_example() {
    let text = r#"{ "id": "64b7f1a9d9a3b8e5c7f9a123", "status": "failed",
  "error": { "name": "ImageLoadError", "message": "The image could not be found at the specified URL (404)." } }"#;
    let s: StatusResponse = serde_json::from_str(text).unwrap();
    assert_eq!(s.status, JobStatus::Failed);
    let e = s.error.clone().unwrap();
    assert_eq!(e.name, ErrorName::ImageLoadError);
    assert!(e.name.is_runtime());
    assert_eq!(
        e.message,
        "The image could not be found at the specified URL (404)."
    );
    assert_eq!(
        serde_json::to_value(&s).unwrap(),
        serde_json::from_str::<serde_json::Value>(text).unwrap()
    );
}

#[test]
fn reference_error_object_example() {
    let b: ErrorBody =
        serde_json::from_str(r#"{"error": {"name": "ErrorName", "message": "…"}}"#).unwrap();
    assert_eq!(b.error.name, ErrorName::Other("ErrorName".into()));
    assert_eq!(b.error.message, "…");
    assert!(!b.error.name.is_runtime());
}

#[test]
fn every_runtime_error_name_round_trips() {
    for name in [
        "ImageLoadError",
        "ContentModerationError",
        "PoseError",
        "PipelineError",
        "ThirdPartyError",
    ] {
        let parsed = ErrorName::from(name);
        assert!(parsed.is_runtime(), "{name}");
        assert_eq!(serde_json::to_value(&parsed).unwrap(), json!(name));
    }
    let unknown: ApiError =
        serde_json::from_value(json!({"name": "GpuOnFire", "message": "m"})).unwrap();
    assert_eq!(unknown.name, ErrorName::Other("GpuOnFire".into()));
    assert_eq!(
        serde_json::to_value(&unknown).unwrap()["name"],
        json!("GpuOnFire")
    );
}

#[test]
fn statuses_known_and_unknown() {
    for (wire, terminal) in [
        ("starting", false),
        ("in_queue", false),
        ("processing", false),
        ("completed", true),
        ("failed", true),
        ("canceled", true),
        ("time_out", true),
    ] {
        let s: JobStatus = serde_json::from_value(json!(wire)).unwrap();
        assert_eq!(s.as_str(), wire);
        assert_eq!(s.is_terminal(), terminal, "{wire}");
        assert!(!matches!(s, JobStatus::Other(_)), "{wire}");
    }
    let s: JobStatus = serde_json::from_value(json!("warming_up")).unwrap();
    assert_eq!(s, JobStatus::Other("warming_up".into()));
    assert!(!s.is_terminal(), "unknown statuses count as still running");
    assert_eq!(serde_json::to_value(&s).unwrap(), json!("warming_up"));
}

#[test]
fn every_enum_value_is_accepted_and_others_are_refused_with_the_list() {
    fn check<T: std::str::FromStr<Err = UnknownValue> + std::fmt::Display>(
        field: &str,
        names: &[&str],
    ) {
        for n in names {
            let v: T = n.parse().unwrap();
            assert_eq!(v.to_string(), *n);
            TryOnRequest::from_json(&body(json!({ field: n }))).unwrap();
        }
        let e = field_error(json!({ field: "sideways" }));
        assert_eq!(e.field.as_deref(), Some(field));
        assert!(e.message.contains("sideways"), "{}", e.message);
        for n in names {
            assert!(e.message.contains(n), "{} lacks {n}", e.message);
        }
        let e = field_error(json!({ field: 3 }));
        assert_eq!(e.field.as_deref(), Some(field));
        assert!(e.message.contains("must be a string"), "{}", e.message);
    }
    check::<Category>("category", &["auto", "tops", "bottoms", "one-pieces"]);
    check::<ModerationLevel>("moderation_level", &["conservative", "permissive", "none"]);
    check::<GarmentPhotoType>("garment_photo_type", &["auto", "flat-lay", "model"]);
    check::<Mode>("mode", &["performance", "balanced", "quality"]);
    check::<OutputFormat>("output_format", &["png", "jpeg"]);
}

#[test]
fn enum_values_are_case_sensitive_like_the_contract() {
    let e = field_error(json!({"mode": "Quality"}));
    assert_eq!(e.field.as_deref(), Some("mode"));
}

#[test]
fn seed_bounds() {
    assert_eq!(
        TryOnRequest::from_json(&body(json!({"seed": 0})))
            .unwrap()
            .seed,
        0
    );
    assert_eq!(
        TryOnRequest::from_json(&body(json!({"seed": 4294967295u64})))
            .unwrap()
            .seed,
        u32::MAX
    );
    for bad in [
        json!(4294967296u64),
        json!(-1),
        json!(1.5),
        json!("42"),
        json!(true),
    ] {
        let e = field_error(json!({ "seed": bad }));
        assert_eq!(e.field.as_deref(), Some("seed"), "{bad}");
        assert!(e.message.contains("0 to 4294967295"), "{}", e.message);
    }
}

#[test]
fn num_samples_bounds() {
    for ok in 1..=4 {
        assert_eq!(
            TryOnRequest::from_json(&body(json!({"num_samples": ok})))
                .unwrap()
                .num_samples,
            ok
        );
    }
    for bad in [json!(0), json!(5), json!(-2), json!(2.0), json!("2")] {
        let e = field_error(json!({ "num_samples": bad }));
        assert_eq!(e.field.as_deref(), Some("num_samples"), "{bad}");
        assert!(e.message.contains("1 to 4"), "{}", e.message);
    }
}

#[test]
fn segmentation_free_must_be_boolean() {
    assert!(
        !TryOnRequest::from_json(&body(json!({"segmentation_free": false})))
            .unwrap()
            .segmentation_free
    );
    let e = field_error(json!({"segmentation_free": "false"}));
    assert_eq!(e.field.as_deref(), Some("segmentation_free"));
    assert!(e.message.contains("true or false"));
}

#[test]
fn null_means_default() {
    let r = TryOnRequest::from_json(&body(json!({"mode": null, "seed": null}))).unwrap();
    assert_eq!(r.mode, Mode::Balanced);
    assert_eq!(r.seed, 42);
}

#[test]
fn images_are_required_strings() {
    let e =
        TryOnRequest::from_json(br#"{"garment_image": "https://example.com/g.png"}"#).unwrap_err();
    assert_eq!(e.field.as_deref(), Some("model_image"));
    assert!(e.message.contains("required"));
    let e =
        TryOnRequest::from_json(br#"{"model_image": "https://example.com/m.png"}"#).unwrap_err();
    assert_eq!(e.field.as_deref(), Some("garment_image"));
    let e = field_error(json!({"model_image": 7}));
    assert_eq!(e.field.as_deref(), Some("model_image"));
    assert!(e.message.contains("must be a string"));
}

#[test]
fn image_forms() {
    let ok = [
        "https://example.com/a.png",
        "http://shop.example:8080/img?x=1",
        JPEG_DATA_URL,
        "data:image/png;base64,iVBORw0KGgo=",
        "data:image/webp;base64,UklGRg==",
    ];
    for v in ok {
        TryOnRequest::from_json(&body(json!({ "model_image": v })))
            .unwrap_or_else(|e| panic!("{v}: {e}"));
    }
    let bad = [
        ("", "empty"),
        (
            "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAA==",
            "add the data-URL prefix",
        ),
        ("data:image/jpeg,abcd", "base64"),
        ("data:image/jpeg;base64", "without a comma"),
        ("data:image/;base64,/9j/", "names no image type"),
        ("data:text/plain;base64,aGVsbG8=", "not an image type"),
        ("data:image/jpeg;base64,", "empty base64"),
        ("data:image/jpeg;base64,ab cd", "not base64"),
        ("ftp://example.com/a.png", "`ftp:` scheme"),
        ("https:///a.png", "without a host"),
        ("model.png", "neither"),
    ];
    for (v, needle) in bad {
        let e = field_error(json!({ "garment_image": v }));
        assert_eq!(e.field.as_deref(), Some("garment_image"), "{v}");
        assert!(e.message.contains(needle), "{v}: {}", e.message);
    }
}

#[test]
fn unknown_fields_and_bad_bodies_are_named() {
    let e = field_error(json!({"numSamples": 2}));
    assert_eq!(e.field.as_deref(), Some("numSamples"));
    assert!(e.message.contains("num_samples"), "{}", e.message);
    let e = TryOnRequest::from_json(b"{not json").unwrap_err();
    assert_eq!(e.field, None);
    assert!(e.message.contains("not valid JSON"));
    let e = TryOnRequest::from_json(b"[1,2]").unwrap_err();
    assert!(e.message.contains("JSON object"));
}

#[test]
fn validate_checks_requests_built_in_code() {
    let mut r = TryOnRequest::new(JPEG_DATA_URL, "https://example.com/g.png");
    r.validate().unwrap();
    r.num_samples = 0;
    assert_eq!(
        r.validate().unwrap_err().field.as_deref(),
        Some("num_samples")
    );
    let r = TryOnRequest::new("aGVsbG8gd29ybGQgaGVsbG8=", "https://example.com/g.png");
    assert_eq!(
        r.validate().unwrap_err().field.as_deref(),
        Some("model_image")
    );
}

#[test]
fn mode_times_follow_the_contract() {
    assert_eq!(Mode::Performance.typical_seconds(), (6.0, 6.0));
    assert_eq!(Mode::Balanced.typical_seconds(), (9.0, 9.0));
    assert_eq!(Mode::Quality.typical_seconds(), (12.0, 18.0));
}

#[test]
fn session_response_shape() {
    let s: SessionResponse = serde_json::from_value(
        json!({"token": "a.b.c", "expires_at": 1700000600u64, "expires_in": 600}),
    )
    .unwrap();
    assert_eq!(s.expires_in, 600);
}
