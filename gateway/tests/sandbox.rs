//! The sandbox engine through the real HTTP API: results, determinism, every error,
//! image loading (data URLs, URLs, refusals) and the long-poll.

mod common;

use std::time::{Duration, Instant};

use axum::http::header;
use axum::routing::get;
use common::*;
use serde_json::{json, Value};

async fn results(gw: &TestGateway, status: &Value) -> Vec<(String, Vec<u8>)> {
    let mut out = vec![];
    for url in status["output"].as_array().expect("output") {
        let r = gw.http.get(url.as_str().unwrap()).send().await.unwrap();
        assert_eq!(r.status(), 200);
        let ct = r.headers()[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .to_owned();
        out.push((ct, r.bytes().await.unwrap().to_vec()));
    }
    out
}

#[tokio::test]
async fn completes_with_distinct_full_size_samples_in_each_format() {
    let gw = TestGateway::start(test_config()).await;
    let token = gw.token().await;
    for (format, media, magic) in [
        ("png", "image/png", &b"\x89PNG"[..]),
        ("jpeg", "image/jpeg", &b"\xFF\xD8\xFF"[..]),
    ] {
        let status = gw
            .run(
                &token,
                &job(json!({"num_samples": 3, "output_format": format})),
            )
            .await;
        assert_eq!(status["status"], "completed", "{status}");
        assert_eq!(status["error"], Value::Null);
        let images = results(&gw, &status).await;
        assert_eq!(images.len(), 3);
        for (ct, bytes) in &images {
            assert_eq!(ct, media);
            assert!(bytes.starts_with(magic));
            let decoded = image::load_from_memory(bytes).unwrap();
            assert_eq!((decoded.width(), decoded.height()), (864, 1296));
        }
        assert_ne!(images[0].1, images[1].1);
        assert_ne!(images[1].1, images[2].1);
    }
}

#[tokio::test]
async fn the_composite_shows_the_garment_and_the_preview_mark() {
    let gw = TestGateway::start(test_config()).await;
    let token = gw.token().await;
    let status = gw.run(&token, &job(json!({"category": "tops"}))).await;
    let (_, bytes) = &results(&gw, &status).await[0];
    let out = image::load_from_memory(bytes).unwrap().to_rgb8();
    let person = image::load_from_memory(&fixture("people/model.webp")).unwrap();
    let person = person
        .resize_to_fill(864, 1296, image::imageops::FilterType::Triangle)
        .to_rgb8();
    let changed = |y0: u32, y1: u32| {
        let mut n = 0u32;
        for y in y0..y1 {
            for x in 150..714 {
                let (a, b) = (out.get_pixel(x, y), person.get_pixel(x, y));
                if (0..3).any(|c| (a[c] as i32 - b[c] as i32).abs() > 40) {
                    n += 1;
                }
            }
        }
        n as f64 / ((y1 - y0) * 564) as f64
    };
    // The black T-shirt covers a good part of the upper body, leaves the legs alone.
    assert!(
        changed(300, 700) > 0.25,
        "upper body changed {}",
        changed(300, 700)
    );
    assert!(
        changed(900, 1200) < 0.02,
        "legs changed {}",
        changed(900, 1200)
    );
    // The striped frame: yellow in the corner.
    let corner = out.get_pixel(2, 2);
    assert!(
        corner[0] > 200 && corner[1] > 150 && corner[2] < 80,
        "{corner:?}"
    );
}

#[tokio::test]
async fn same_inputs_and_seed_give_the_same_pictures() {
    let gw = TestGateway::start(test_config()).await;
    let token = gw.token().await;
    let a = results(
        &gw,
        &gw.run(&token, &job(json!({"seed": 7, "num_samples": 2})))
            .await,
    )
    .await;
    let b = results(
        &gw,
        &gw.run(&token, &job(json!({"seed": 7, "num_samples": 2})))
            .await,
    )
    .await;
    let c = results(
        &gw,
        &gw.run(&token, &job(json!({"seed": 8, "num_samples": 2})))
            .await,
    )
    .await;
    assert_eq!(a, b);
    assert_ne!(a[0].1, c[0].1);
}

#[tokio::test]
async fn every_runtime_error_is_reachable_by_seed() {
    let gw = TestGateway::start(test_config()).await;
    let token = gw.token().await;
    for (seed, name) in [
        (4000000001u32, "PoseError"),
        (4000000002, "ImageLoadError"),
        (4000000003, "ContentModerationError"),
        (4000000004, "PipelineError"),
        (4000000005, "ThirdPartyError"),
        (4000000006, "SandboxUnknownError"),
    ] {
        let status = gw.run(&token, &job(json!({ "seed": seed }))).await;
        assert_eq!(status["status"], "failed");
        assert_eq!(status["error"]["name"], name, "{status}");
        assert!(status["error"]["message"]
            .as_str()
            .unwrap()
            .contains(&seed.to_string()));
        assert!(status.get("output").is_none() || status["output"].is_null());
    }
}

#[tokio::test]
async fn real_failures_give_the_real_error() {
    let gw = TestGateway::start(test_config()).await;
    let token = gw.token().await;
    let cases = [
        (
            json!({"model_image": data_url("image/jpeg", b"this is not a picture at all")}),
            "ImageLoadError",
            "not an image",
        ),
        (
            json!({"model_image": data_url("image/jpeg", &fixture("bad/IMG_2682.heic"))}),
            "ImageLoadError",
            "HEIC",
        ),
        (
            json!({"model_image": data_url("image/jpeg", &fixture("bad/Xiaomi_Mi_9T_KeyError.jpg")[..5000])}),
            "ImageLoadError",
            "could not be decoded",
        ),
        (
            // Cut one symbol past a whole group: no byte can be made of it.
            json!({"model_image": "data:image/jpeg;base64,/9j/4AAQS"}),
            "ImageLoadError",
            "base64 payload is damaged",
        ),
        (
            json!({"garment_image": blank_png(300, 300, [0, 0, 0, 0])}),
            "ImageLoadError",
            "no garment",
        ),
    ];
    for (extra, name, needle) in cases {
        let status = gw.run(&token, &job(extra)).await;
        assert_eq!(status["status"], "failed");
        assert_eq!(status["error"]["name"], name, "{status}");
        let message = status["error"]["message"].as_str().unwrap();
        assert!(message.contains(needle), "{message}");
    }
}

fn blank_png(w: u32, h: u32, colour: [u8; 4]) -> String {
    let img = image::RgbaImage::from_pixel(w, h, image::Rgba(colour));
    let mut bytes = vec![];
    img.write_to(
        &mut std::io::Cursor::new(&mut bytes),
        image::ImageFormat::Png,
    )
    .unwrap();
    data_url("image/png", &bytes)
}

#[tokio::test]
async fn a_png_behind_a_jpeg_label_and_an_oriented_phone_photo_work() {
    // Neither photo shows a person: decoded and looked at, they end in PoseError
    // (not ImageLoadError). Advice only, so the sandbox itself gets to look.
    let mut config = test_config();
    config.photo_check = tryon_gateway::config::PhotoCheckMode::Advise;
    let gw = TestGateway::start(config).await;
    let token = gw.token().await;
    for photo in ["bad/plants-1.jpg", "bad/Xiaomi_Mi_9T_KeyError.jpg"] {
        let status = gw
            .run(
                &token,
                &job(json!({"model_image": data_url("image/jpeg", &fixture(photo))})),
            )
            .await;
        assert_eq!(status["status"], "failed", "{photo}: {status}");
        assert_eq!(status["error"]["name"], "PoseError", "{photo}: {status}");
    }
}

#[tokio::test]
async fn image_urls_to_inside_addresses_are_refused_without_a_request() {
    let gw = TestGateway::start(test_config()).await;
    let token = gw.token().await;
    for url in [
        "http://127.0.0.1:9/x.png",
        "http://localhost:9/x.png",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.1/x.png",
        "http://192.168.1.1/x.png",
        "http://[::1]:9/x.png",
        "http://[::ffff:127.0.0.1]:9/x.png",
    ] {
        let status = gw.run(&token, &job(json!({ "garment_image": url }))).await;
        assert_eq!(status["error"]["name"], "ImageLoadError", "{url}: {status}");
        let message = status["error"]["message"].as_str().unwrap();
        assert!(
            message.contains("private, loopback or link-local"),
            "{url}: {message}"
        );
    }
}

#[tokio::test]
async fn image_urls_are_fetched_with_checks_when_allowed() {
    let png = fixture("garments/solidus_tshirt.png");
    let router = axum::Router::new()
        .route(
            "/tee.png",
            get(move || async move { ([(header::CONTENT_TYPE, "image/png")], png) }),
        )
        .route(
            "/page.html",
            get(|| async { ([(header::CONTENT_TYPE, "text/html")], "<html></html>") }),
        )
        .route(
            "/huge.png",
            get(|| async { ([(header::CONTENT_TYPE, "image/png")], vec![0u8; 3 << 20]) }),
        )
        .route(
            "/slow.png",
            get(|| async {
                tokio::time::sleep(Duration::from_secs(5)).await;
                ([(header::CONTENT_TYPE, "image/png")], vec![0u8; 10])
            }),
        );
    let images = serve(router).await;
    let mut config = test_config();
    config.allow_private_image_urls = true;
    config.image_max_mb = 2;
    config.image_fetch_timeout_seconds = 1.0;
    let gw = TestGateway::start(config).await;
    let token = gw.token().await;
    let ok = gw
        .run(
            &token,
            &job(json!({ "garment_image": format!("{images}/tee.png") })),
        )
        .await;
    assert_eq!(ok["status"], "completed", "{ok}");
    for (path, needle) in [
        ("/missing.png", "(404 Not Found)"),
        ("/page.html", "serves text/html, not an image"),
        ("/huge.png", "larger than 2 MB"),
        ("/slow.png", "did not answer within 1 s"),
    ] {
        let status = gw
            .run(
                &token,
                &job(json!({ "garment_image": format!("{images}{path}") })),
            )
            .await;
        assert_eq!(
            status["error"]["name"], "ImageLoadError",
            "{path}: {status}"
        );
        let message = status["error"]["message"].as_str().unwrap();
        assert!(message.contains(needle), "{path}: {message}");
    }
}

#[tokio::test]
async fn statuses_move_through_the_stages_with_the_mode_latency() {
    let mut config = test_config();
    config.sandbox_latency_scale = 0.1; // performance: 0.6 s in all
    let gw = TestGateway::start(config).await;
    let token = gw.token().await;
    let started = Instant::now();
    let (_, submitted) = gw
        .submit(&token, &job(json!({"mode": "performance"})))
        .await;
    let id = submitted["id"].as_str().unwrap();
    let mut seen: Vec<String> = vec![];
    loop {
        let (_, s) = gw.status(&token, id, "").await;
        let now = s["status"].as_str().unwrap().to_owned();
        if seen.last() != Some(&now) {
            seen.push(now.clone());
        }
        if now == "completed" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(seen, ["starting", "in_queue", "processing", "completed"]);
    assert!(
        started.elapsed() >= Duration::from_millis(600),
        "{:?}",
        started.elapsed()
    );
}

/// A gateway with `config`, a token, and one job just submitted (its id).
async fn one_job(config: tryon_gateway::Config) -> (TestGateway, String, String) {
    let gw = TestGateway::start(config).await;
    let token = gw.token().await;
    let (_, submitted) = gw.submit(&token, &job(json!({}))).await;
    let id = submitted["id"].as_str().unwrap().to_owned();
    (gw, token, id)
}

#[tokio::test]
async fn long_poll_answers_on_change_else_after_the_wait() {
    let mut config = test_config();
    config.sandbox_latency_scale = 0.5; // balanced: 4.5 s; processing from 1.35 s
    let (gw, token, id) = one_job(config).await;

    // Waiting on `starting` returns as soon as the job is queued (0.45 s), not after 20 s.
    let t = Instant::now();
    let (_, s) = gw.status(&token, &id, "wait=20&since=starting").await;
    assert_eq!(s["status"], "in_queue");
    assert!(t.elapsed() < Duration::from_secs(3), "{:?}", t.elapsed());

    // Waiting on a status the client does not have yet answers at once.
    let t = Instant::now();
    let (_, s) = gw.status(&token, &id, "wait=20&since=starting").await;
    assert_ne!(s["status"], "starting");
    // "At once" against a 20 s wait: a bound a busy machine cannot reach.
    assert!(t.elapsed() < Duration::from_secs(3), "{:?}", t.elapsed());

    // Once processing, a 1 s wait with no change answers after about 1 s, unchanged.
    loop {
        let (_, s) = gw.status(&token, &id, "wait=5").await;
        if s["status"] == "processing" {
            break;
        }
    }
    let t = Instant::now();
    let (_, s) = gw.status(&token, &id, "wait=1").await;
    assert_eq!(s["status"], "processing");
    assert!(
        t.elapsed() >= Duration::from_millis(950),
        "{:?}",
        t.elapsed()
    );

    // Then the completion arrives within the wait.
    let (_, s) = gw.status(&token, &id, "wait=20").await;
    assert_eq!(s["status"], "completed");
}

#[tokio::test]
async fn a_gateway_with_long_polling_off_answers_at_once() {
    let mut config = test_config();
    config.sandbox_latency_scale = 0.5;
    config.long_poll_max_seconds = 0;
    let (gw, token, id) = one_job(config).await;
    let t = Instant::now();
    let (_, s) = gw.status(&token, &id, "wait=20&since=starting").await;
    assert_eq!(s["status"], "starting");
    // Not held for the 20 s asked.
    assert!(t.elapsed() < Duration::from_secs(3), "{:?}", t.elapsed());
}

#[tokio::test]
async fn results_expire() {
    let mut config = test_config();
    config.sandbox_result_ttl_seconds = 1;
    let gw = TestGateway::start(config).await;
    let token = gw.token().await;
    let status = gw.run(&token, &job(json!({}))).await;
    let url = status["output"][0].as_str().unwrap().to_owned();
    assert!(
        url.contains("/v1/results/") && url.len() > 50,
        "an unguessable URL: {url}"
    );
    assert_eq!(gw.http.get(&url).send().await.unwrap().status(), 200);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let r = gw.http.get(&url).send().await.unwrap();
    assert_eq!(r.status(), 404);
    assert_eq!(
        r.json::<Value>().await.unwrap()["error"]["name"],
        "NotFound"
    );
}

/// Files this process holds open in `dir` (unnamed ones read "… (deleted)").
fn files_open_in(dir: &std::path::Path) -> usize {
    std::fs::read_dir("/proc/self/fd")
        .unwrap()
        .filter_map(|fd| std::fs::read_link(fd.ok()?.path()).ok())
        .filter(|target| target.starts_with(dir))
        .count()
}

/// Five shoppers at once on one render worker; the result bytes of each, in order.
async fn five_at_once(spill: &str, watch: Option<&std::path::Path>) -> Vec<Vec<u8>> {
    let mut config = test_config();
    config.sandbox_workers = 1;
    config.sandbox_spill_dir = Some(spill.into());
    let gw = TestGateway::start(config).await;
    let token = gw.token().await;
    let mut ids = vec![];
    for seed in 0..5 {
        let (code, submitted) = gw
            .submit(&token, &job(json!({"seed": seed, "output_format": "jpeg"})))
            .await;
        assert_eq!(code, 200, "{submitted}");
        ids.push(submitted["id"].as_str().unwrap().to_owned());
    }
    if let Some(dir) = watch {
        // Four jobs wait for the one worker, each with its photo and garment on disk.
        let until = Instant::now() + Duration::from_secs(20);
        while files_open_in(dir) < 6 && Instant::now() < until {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        assert!(files_open_in(dir) >= 6, "{} files", files_open_in(dir));
    }
    let mut out = vec![];
    for id in ids {
        let status = loop {
            let (_, status) = gw.status(&token, &id, "wait=10").await;
            if matches!(status["status"].as_str(), Some("completed" | "failed")) {
                break status;
            }
        };
        assert_eq!(status["status"], "completed", "{status}");
        out.push(results(&gw, &status).await.remove(0).1);
    }
    out
}

#[tokio::test]
async fn queued_photos_and_results_wait_on_disk_and_come_back_whole() {
    let dir = std::env::temp_dir().join(format!("tryon-spill-e2e-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let on_disk = five_at_once(dir.to_str().unwrap(), Some(&dir)).await;
    // The five results wait on disk, in files without names.
    assert_eq!(files_open_in(&dir), 5);
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);
    // The same pictures as a gateway that keeps everything in memory, and as one whose
    // folder cannot be written (it keeps them in memory too).
    assert_eq!(five_at_once("memory", None).await, on_disk);
    let missing = dir.join("no-such-folder");
    assert_eq!(five_at_once(missing.to_str().unwrap(), None).await, on_disk);
    assert!(on_disk.iter().all(|b| b.starts_with(b"\xFF\xD8\xFF")));
    assert_ne!(on_disk[0], on_disk[1], "seeds differ");
    std::fs::remove_dir(&dir).expect("the folder holds no names");
}
