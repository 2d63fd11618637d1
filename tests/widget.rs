//! The widget in headless Chromium: mounting, options, keyboard, and the whole flow
//! against a real gateway process in sandbox mode (started by scripts/test.sh:
//! `TRYON_TEST_GATEWAY` fast, `TRYON_TEST_SLOW_GATEWAY` with 2 s tokens and slow jobs).

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{Element, HtmlElement, ShadowRoot};

wasm_bindgen_test_configure!(run_in_browser);

const PERSON: &[u8] = include_bytes!("../fixtures/people/model.webp");
const GARMENT: &[u8] = include_bytes!("../fixtures/garments/solidus_tshirt.png");

// Read at build time (the browser has no environment); a build without them still
// compiles, and the flow tests then fail with this message.
const NO_GATEWAY: &str =
    "run the browser tests through scripts/test.sh, which starts the test gateways";

fn gateway() -> &'static str {
    match option_env!("TRYON_TEST_GATEWAY") {
        Some(url) => url,
        None => panic!("{NO_GATEWAY}"),
    }
}

fn slow_gateway() -> &'static str {
    match option_env!("TRYON_TEST_SLOW_GATEWAY") {
        Some(url) => url,
        None => panic!("{NO_GATEWAY}"),
    }
}

fn document() -> web_sys::Document {
    web_sys::window().unwrap().document().unwrap()
}

fn garment_data_url() -> String {
    use base64_free::encode;
    format!("data:image/png;base64,{}", encode(GARMENT))
}

/// A tiny base64 encoder, so the test needs no extra crate.
mod base64_free {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    pub fn encode(bytes: &[u8]) -> String {
        let mut out = String::with_capacity(bytes.len() * 4 / 3 + 4);
        for chunk in bytes.chunks(3) {
            let b = [
                chunk[0],
                *chunk.get(1).unwrap_or(&0),
                *chunk.get(2).unwrap_or(&0),
            ];
            let n = (b[0] as u32) << 16 | (b[1] as u32) << 8 | b[2] as u32;
            for i in 0..4 {
                if i <= chunk.len() {
                    out.push(A[(n >> (18 - 6 * i) & 63) as usize] as char);
                } else {
                    out.push('=');
                }
            }
        }
        out
    }
}

/// A host element in the same tab as the test's first (what it keeps stays).
fn host_keeping_the_tab() -> HtmlElement {
    let el: HtmlElement = document().create_element("div").unwrap().unchecked_into();
    document().body().unwrap().append_child(&el).unwrap();
    el
}

/// The tab's `sessionStorage`, where the widget keeps its try-ons.
fn tab() -> web_sys::Storage {
    web_sys::window()
        .unwrap()
        .session_storage()
        .unwrap()
        .unwrap()
}

/// A fresh host element on the page, in what is as good as a fresh tab: the tests
/// share one page, and a try-on one test kept would open in the next one's widget
/// (what the tab keeps is tested below and in e2e/tests/restore.test.mjs).
fn host() -> HtmlElement {
    tab().clear().unwrap();
    let el: HtmlElement = document().create_element("div").unwrap().unchecked_into();
    document().body().unwrap().append_child(&el).unwrap();
    el
}

fn options(pairs: &[(&str, JsValue)]) -> JsValue {
    let o = js_sys::Object::new();
    for (k, v) in pairs {
        js_sys::Reflect::set(&o, &JsValue::from_str(k), v).unwrap();
    }
    o.into()
}

fn shadow(host: &HtmlElement) -> ShadowRoot {
    host.shadow_root().expect("mounted in a shadow root")
}

fn find(host: &HtmlElement, test_id: &str) -> Option<Element> {
    shadow(host)
        .query_selector(&format!("[data-testid={test_id}]"))
        .unwrap()
}

fn click(host: &HtmlElement, test_id: &str) {
    find(host, test_id)
        .unwrap_or_else(|| panic!("no {test_id}"))
        .unchecked_into::<HtmlElement>()
        .click();
}

async fn sleep(ms: i32) {
    let p = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window()
            .unwrap()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms)
            .unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(p).await.unwrap();
}

/// Waits up to `seconds` for `test_id` to appear.
async fn wait_for(host: &HtmlElement, test_id: &str, seconds: f64) -> Element {
    let until = js_sys::Date::now() + seconds * 1000.0;
    loop {
        if let Some(el) = find(host, test_id) {
            return el;
        }
        if js_sys::Date::now() > until {
            let html = shadow(host).inner_html();
            panic!(
                "{test_id} did not appear within {seconds} s; the widget shows: {}",
                &html[html.len().saturating_sub(1500)..]
            );
        }
        sleep(25).await;
    }
}

/// Gives the widget a photo through its file input, as the picker would.
fn give_photo(host: &HtmlElement, bytes: &[u8], name: &str) {
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
    let file = web_sys::File::new_with_u8_array_sequence(&parts, name).unwrap();
    let transfer = web_sys::DataTransfer::new().unwrap();
    transfer.items().add_with_file(&file).unwrap();
    let input: web_sys::HtmlInputElement = find(host, "tryon-file")
        .expect("file input")
        .unchecked_into();
    input.set_files(transfer.files().as_ref());
    input
        .dispatch_event(&web_sys::Event::new("change").unwrap())
        .unwrap();
}

/// Records the widget's events by name.
fn record_events(host: &HtmlElement) -> Rc<RefCell<Vec<(String, JsValue)>>> {
    let seen = Rc::new(RefCell::new(vec![]));
    for name in [
        "tryon:open",
        "tryon:photo-ready",
        "tryon:submit",
        "tryon:complete",
        "tryon:error",
        "tryon:close",
        "tryon:restore",
    ] {
        let seen = seen.clone();
        let listener =
            Closure::<dyn FnMut(web_sys::CustomEvent)>::new(move |e: web_sys::CustomEvent| {
                seen.borrow_mut().push((e.type_(), e.detail()));
            });
        host.add_event_listener_with_callback(name, listener.as_ref().unchecked_ref())
            .unwrap();
        listener.forget();
    }
    seen
}

fn flow_options(api: &str, extra: &[(&str, JsValue)]) -> JsValue {
    let mut pairs: Vec<(&str, JsValue)> = vec![
        ("sessionUrl", format!("{api}/v1/sessions").into()),
        ("apiBase", api.into()),
        ("garmentImage", garment_data_url().into()),
        ("productName", "Solidus T-shirt".into()),
    ];
    pairs.extend(extra.iter().cloned());
    options(&pairs)
}

/// Options with only a garment URL (for tests that never submit).
fn plain_options() -> JsValue {
    options(&[("garmentImage", "https://shop.example/tee.png".into())])
}

/// Mounts and opens the widget at its first step.
async fn open_widget(host: &HtmlElement, opts: JsValue) -> tryon_widget::mount::MountedWidget {
    let widget = tryon_widget::mount::mount(host.clone(), opts).expect("valid options");
    click(host, "tryon-open");
    wait_for(host, "tryon-start", 2.0).await;
    widget
}

/// Mounts, opens, gives the fixture photo and confirms the frame.
async fn start_try_on(host: &HtmlElement, opts: JsValue) -> tryon_widget::mount::MountedWidget {
    let widget = open_widget(host, opts).await;
    give_photo(host, PERSON, "me.webp");
    wait_for(host, "tryon-frame-step", 5.0).await;
    click(host, "tryon-use-photo");
    widget
}

#[wasm_bindgen_test]
fn wrong_options_fail_at_mount_with_the_option_and_accepted_values() {
    let err = tryon_widget::mount::mount(
        host(),
        options(&[
            ("garmentImage", "https://x/y.png".into()),
            ("mode", "fast".into()),
        ]),
    )
    .err()
    .expect("refused")
    .as_string()
    .unwrap();
    assert!(
        err.contains("`mode`") && err.contains("performance, balanced, quality"),
        "{err}"
    );
    let err = tryon_widget::mount::mount(host(), options(&[("mode", "quality".into())]))
        .err()
        .unwrap()
        .as_string()
        .unwrap();
    assert!(err.contains("garmentImage"), "{err}");
}

#[wasm_bindgen_test]
async fn data_attributes_locale_and_string_overrides() {
    let h = host();
    h.set_attribute("data-garment-image", "https://shop.example/tee.png")
        .unwrap();
    h.set_attribute("data-locale", "de").unwrap();
    h.set_attribute("data-string-start-title", "Probier es an!")
        .unwrap();
    // German comes as a pack (the loader fetches tryon-locale-de.json); two of its strings.
    let pack = js_sys::Object::new();
    js_sys::Reflect::set(&pack, &"openButton".into(), &"Anprobieren".into()).unwrap();
    js_sys::Reflect::set(
        &pack,
        &"privacy".into(),
        &"Dein Foto wird nur für dieses Bild gesendet und nicht aufbewahrt.".into(),
    )
    .unwrap();
    tryon_widget::mount::add_language("de-DE", pack.into()).unwrap();
    let wrong = js_sys::Object::new();
    js_sys::Reflect::set(&wrong, &"noSuchString".into(), &"x".into()).unwrap();
    let refused = tryon_widget::mount::add_language("de", wrong.into()).unwrap_err();
    assert!(refused.as_string().unwrap().contains("noSuchString"));
    let _w = tryon_widget::mount::mount(h.clone(), JsValue::UNDEFINED).unwrap();
    assert_eq!(
        find(&h, "tryon-open")
            .unwrap()
            .text_content()
            .unwrap()
            .trim(),
        "Anprobieren"
    );
    click(&h, "tryon-open");
    let start = wait_for(&h, "tryon-start", 2.0).await;
    assert!(start.text_content().unwrap().contains("Probier es an!"));
    assert!(find(&h, "tryon-privacy")
        .unwrap()
        .text_content()
        .unwrap()
        .contains("nicht aufbewahrt"));
}

#[wasm_bindgen_test]
async fn keyboard_open_escape_and_focus_return() {
    let h = host();
    let events = record_events(&h);
    let _w = open_widget(&h, plain_options()).await;
    sleep(50).await;
    let active = shadow(&h)
        .active_element()
        .expect("focus moved into the panel");
    assert_eq!(active.tag_name(), "H2", "the step heading takes focus");
    let escape = web_sys::KeyboardEventInit::new();
    escape.set_key("Escape");
    escape.set_bubbles(true);
    active
        .dispatch_event(
            &web_sys::KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &escape).unwrap(),
        )
        .unwrap();
    sleep(50).await;
    assert!(find(&h, "tryon-panel").is_none(), "closed");
    let active = shadow(&h).active_element().expect("focus returned");
    assert_eq!(
        active.get_attribute("data-testid").as_deref(),
        Some("tryon-open")
    );
    let names: Vec<String> = events.borrow().iter().map(|(n, _)| n.clone()).collect();
    assert_eq!(names, ["tryon:open", "tryon:close"]);
}

#[wasm_bindgen_test]
async fn the_crop_frame_moves_by_keyboard() {
    let h = host();
    let _w = open_widget(&h, plain_options()).await;
    give_photo(
        &h,
        include_bytes!("../fixtures/bad/tanners_ridge.jpg"),
        "landscape.jpg",
    );
    let frame: HtmlElement = wait_for(&h, "tryon-frame", 5.0).await.unchecked_into();
    let left_of = |f: &HtmlElement| {
        f.style()
            .get_property_value("left")
            .unwrap()
            .trim_end_matches('%')
            .parse::<f64>()
            .unwrap()
    };
    let before = left_of(&frame);
    assert!(
        before > 10.0,
        "a landscape photo's frame starts centred ({before}%)"
    );
    let key = |k: &str| {
        let init = web_sys::KeyboardEventInit::new();
        init.set_key(k);
        init.set_bubbles(true);
        frame
            .dispatch_event(
                &web_sys::KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &init)
                    .unwrap(),
            )
            .unwrap();
    };
    key("ArrowLeft");
    sleep(30).await;
    let after = left_of(&frame);
    assert!(after < before, "{after} < {before}");
    let width = |f: &HtmlElement| {
        f.style()
            .get_property_value("width")
            .unwrap()
            .trim_end_matches('%')
            .parse::<f64>()
            .unwrap()
    };
    let w0 = width(&frame);
    key("-");
    sleep(30).await;
    assert!(width(&frame) < w0);
}

#[wasm_bindgen_test]
async fn a_whole_try_on_against_the_gateway_shows_the_results_inline() {
    let h = host();
    let events = record_events(&h);
    let _w = start_try_on(&h, flow_options(gateway(), &[("numSamples", 2.into())])).await;
    let working = wait_for(&h, "tryon-stage", 5.0).await;
    assert!(!working.text_content().unwrap().is_empty());
    let image = wait_for(&h, "tryon-result-image", 30.0).await;
    let src = image.get_attribute("src").unwrap();
    assert!(
        src.starts_with(&format!("{}/v1/results/", gateway())),
        "{src}"
    );
    let img: web_sys::HtmlImageElement = image.unchecked_into();
    for _ in 0..100 {
        if img.complete() && img.natural_width() > 0 {
            break;
        }
        sleep(30).await;
    }
    assert_eq!(
        (img.natural_width(), img.natural_height()),
        (864, 1296),
        "the result image loaded"
    );
    assert_eq!(
        shadow(&h)
            .query_selector_all(".tryon__thumb-button")
            .unwrap()
            .length(),
        2
    );
    let names: Vec<String> = events.borrow().iter().map(|(n, _)| n.clone()).collect();
    assert_eq!(
        names,
        [
            "tryon:open",
            "tryon:photo-ready",
            "tryon:submit",
            "tryon:complete"
        ]
    );
    let complete = events.borrow()[3].1.clone();
    let output: js_sys::Array = js_sys::Reflect::get(&complete, &"output".into())
        .unwrap()
        .unchecked_into();
    assert_eq!(output.length(), 2);
}

#[wasm_bindgen_test]
async fn the_tab_keeps_the_try_on_and_a_new_widget_of_the_product_shows_it_at_once() {
    let h = host();
    let events = record_events(&h);
    let mut w = start_try_on(&h, flow_options(gateway(), &[])).await;
    wait_for(&h, "tryon-result-image", 30.0).await;
    let complete = events.borrow().last().unwrap().1.clone();
    let job_id = js_sys::Reflect::get(&complete, &"jobId".into())
        .unwrap()
        .as_string()
        .unwrap();
    let kept = tab().get_item("tryon.v2.tryons").unwrap().unwrap();
    let line: Vec<&str> = kept.lines().next().unwrap().split('\t').collect();
    assert_eq!(line[0], job_id, "{kept}");
    assert_eq!(line[3], "", "no colour picked: {kept}");
    assert_eq!(
        line[4], "Solidus T-shirt",
        "the name the strip shows: {kept}"
    );
    assert!(line[5].contains("/v1/results/"), "{kept}");
    assert!(!kept.contains("data:"), "no image bytes: {kept}");
    let session = tab().get_item("tryon.v1.session").unwrap().unwrap();
    assert_eq!(session.split('\t').count(), 3, "{session}");
    // The page goes (as on a reload) and the product's widget comes again: open at
    // once, on the same pictures, without a new job.
    w.destroy();
    let again = host_keeping_the_tab();
    let events = record_events(&again);
    let _w = tryon_widget::mount::mount(again.clone(), flow_options(gateway(), &[])).unwrap();
    let image = wait_for(&again, "tryon-result-image", 5.0).await;
    assert!(image.get_attribute("src").unwrap().contains("/v1/results/"));
    let names: Vec<String> = events.borrow().iter().map(|(n, _)| n.clone()).collect();
    assert_eq!(names, ["tryon:open", "tryon:restore"]);
}

#[wasm_bindgen_test]
async fn each_contract_error_shows_its_own_message() {
    let en = |k| tryon_widget::i18n::Key::text(k, tryon_widget::i18n::Locale::En).to_owned();
    use tryon_widget::i18n::Key;
    for (seed, name, expected) in [
        (4000000001u32, "PoseError", en(Key::ErrorPose)),
        (4000000002, "ImageLoadError", en(Key::ErrorImageLoad)),
        (
            4000000003,
            "ContentModerationError",
            en(Key::ErrorModeration),
        ),
        (4000000004, "PipelineError", en(Key::ErrorPipeline)),
        (4000000005, "ThirdPartyError", en(Key::ErrorThirdParty)),
        (
            4000000006,
            "SandboxUnknownError",
            "The try-on didn't work. If it keeps happening, tell the shop this reference: ".into(),
        ),
    ] {
        let h = host();
        let events = record_events(&h);
        let _w = start_try_on(&h, flow_options(gateway(), &[("seed", seed.into())])).await;
        let failed = wait_for(&h, "tryon-failed", 30.0).await;
        assert_eq!(failed.get_attribute("data-error").as_deref(), Some(name));
        let message = find(&h, "tryon-error-message")
            .unwrap()
            .text_content()
            .unwrap();
        if name == "SandboxUnknownError" {
            assert!(
                message.starts_with(&expected) && message.len() > expected.len() + 10,
                "the job id is shown: {message}"
            );
        } else {
            assert_eq!(message, expected, "{name}");
        }
        let last = events.borrow().last().cloned().unwrap();
        assert_eq!(last.0, "tryon:error");
        assert_eq!(
            js_sys::Reflect::get(&last.1, &"name".into())
                .unwrap()
                .as_string()
                .as_deref(),
            Some(name)
        );
        h.remove();
    }
}

#[wasm_bindgen_test]
async fn the_token_is_renewed_in_the_middle_of_a_job() {
    // The slow gateway mints 2 s tokens and takes about 7 s per job; its statuses
    // change after the first token has expired, so the widget must renew.
    let h = host();
    let renewed_before = renewals(slow_gateway()).await;
    let _w = start_try_on(&h, flow_options(slow_gateway(), &[])).await;
    wait_for(&h, "tryon-result-image", 40.0).await;
    let renewed = renewals(slow_gateway()).await - renewed_before;
    assert!(
        renewed >= 1,
        "the widget renewed its token during the job ({renewed} renewals)"
    );
}

/// Renewals the gateway counted (from its Prometheus metrics).
async fn renewals(api: &str) -> u32 {
    let window = web_sys::window().unwrap();
    let response: web_sys::Response =
        wasm_bindgen_futures::JsFuture::from(window.fetch_with_str(&format!("{api}/metrics")))
            .await
            .unwrap()
            .unchecked_into();
    let text = wasm_bindgen_futures::JsFuture::from(response.text().unwrap())
        .await
        .unwrap()
        .as_string()
        .unwrap();
    text.lines()
        .find(|l| l.starts_with("tryon_sessions_minted_total{renewed=\"true\"}"))
        .and_then(|l| l.rsplit(' ').next()?.parse().ok())
        .unwrap_or(0)
}

#[wasm_bindgen_test]
async fn the_camera_path_captures_an_unmirrored_photo_with_the_fake_device() {
    let h = host();
    let _w = open_widget(&h, plain_options()).await;
    click(&h, "tryon-camera");
    let video: web_sys::HtmlVideoElement = wait_for(&h, "tryon-video", 3.0).await.unchecked_into();
    for _ in 0..100 {
        if video.video_width() > 0 {
            break;
        }
        sleep(50).await;
    }
    assert!(video.video_width() > 0, "the fake camera delivers frames");
    assert!(
        video.class_name().contains("mirrored"),
        "the selfie preview is mirrored"
    );
    assert!(video.has_attribute("playsinline"));
    let stream: web_sys::MediaStream = video.src_object().unwrap().unchecked_into();
    click(&h, "tryon-capture");
    wait_for(&h, "tryon-frame-step", 8.0).await;
    let track: web_sys::MediaStreamTrack = stream.get_tracks().get(0).unchecked_into();
    assert_eq!(
        track.ready_state(),
        web_sys::MediaStreamTrackState::Ended,
        "every track stopped"
    );
}

#[wasm_bindgen_test]
async fn remember_my_photo_is_opt_in_reused_for_the_next_product_and_forgettable() {
    let storage = web_sys::window().unwrap().local_storage().unwrap().unwrap();
    storage.clear().unwrap();
    // Without the opt-in nothing is stored.
    let h = host();
    let w = start_try_on(&h, flow_options(gateway(), &[])).await;
    wait_for(&h, "tryon-result-image", 30.0).await;
    assert_eq!(storage.length().unwrap(), 0, "nothing stored by default");
    drop(w);
    h.remove();

    // With it, the prepared JPEG is kept and offered on the next product.
    let h = host();
    let _w = open_widget(&h, flow_options(gateway(), &[])).await;
    assert!(find(&h, "tryon-use-saved").is_none());
    click(&h, "tryon-remember");
    give_photo(&h, PERSON, "me.webp");
    wait_for(&h, "tryon-frame-step", 5.0).await;
    click(&h, "tryon-use-photo");
    wait_for(&h, "tryon-result-image", 30.0).await;
    let saved = storage
        .get_item("tryon.rememberedPhoto")
        .unwrap()
        .expect("remembered");
    assert!(saved.starts_with("data:image/jpeg;base64,"));
    h.remove();

    let next = host();
    let _w2 = tryon_widget::mount::mount(
        next.clone(),
        flow_options(gateway(), &[("productName", "Hoodie".into())]),
    )
    .unwrap();
    click(&next, "tryon-open");
    wait_for(&next, "tryon-use-saved", 2.0).await;
    click(&next, "tryon-use-saved");
    wait_for(&next, "tryon-frame-step", 5.0).await;
    click(&next, "tryon-use-photo");
    wait_for(&next, "tryon-result-image", 30.0).await;
    click(&next, "tryon-another");
    wait_for(&next, "tryon-forget", 2.0).await;
    click(&next, "tryon-forget");
    sleep(30).await;
    assert!(
        storage.get_item("tryon.rememberedPhoto").unwrap().is_none(),
        "forgotten"
    );
    assert!(find(&next, "tryon-use-saved").is_none());
}

/// A PNG of `w`×`h` drawn by the browser (a person-less test card).
async fn drawn_png(w: u32, h: u32) -> Vec<u8> {
    let canvas: web_sys::HtmlCanvasElement = document()
        .create_element("canvas")
        .unwrap()
        .unchecked_into();
    canvas.set_width(w);
    canvas.set_height(h);
    let ctx: web_sys::CanvasRenderingContext2d =
        canvas.get_context("2d").unwrap().unwrap().unchecked_into();
    ctx.set_fill_style_str("#5a7");
    ctx.fill_rect(0.0, 0.0, w as f64, h as f64);
    ctx.set_fill_style_str("#234");
    ctx.fill_rect(
        w as f64 / 3.0,
        h as f64 / 4.0,
        w as f64 / 3.0,
        h as f64 / 2.0,
    );
    let blob = tryon_widget::photo::to_jpeg(&canvas).await.unwrap();
    let buffer = wasm_bindgen_futures::JsFuture::from(blob.array_buffer())
        .await
        .unwrap();
    js_sys::Uint8Array::new(&buffer).to_vec()
}

#[wasm_bindgen_test]
async fn a_small_photo_gets_a_warning_and_cancel_returns_to_the_start() {
    let h = host();
    let _w = open_widget(&h, flow_options(slow_gateway(), &[])).await;
    give_photo(&h, &drawn_png(300, 450).await, "small.jpg");
    let warning = wait_for(&h, "tryon-small-warning", 5.0).await;
    assert!(
        warning.text_content().unwrap().contains("300×450"),
        "{:?}",
        warning.text_content()
    );
    click(&h, "tryon-use-photo");
    wait_for(&h, "tryon-working", 5.0).await;
    click(&h, "tryon-cancel");
    wait_for(&h, "tryon-start", 2.0).await;
    // The slow gateway's job (about 7 s) would have finished by now: nothing may pop up.
    sleep(8000).await;
    assert!(find(&h, "tryon-start").is_some(), "still at the start");
    assert!(
        find(&h, "tryon-results").is_none() && find(&h, "tryon-failed").is_none(),
        "a cancelled job shows nothing later"
    );
}

#[wasm_bindgen_test]
async fn a_hostile_page_stylesheet_cannot_break_the_widget() {
    let style = document().create_element("style").unwrap();
    style.set_text_content(Some(
        "html { font-size: 62.5% } div:empty { display: none } \
         button { display: none !important; all: unset } * { color: transparent !important; font-family: serif }",
    ));
    document().head().unwrap().append_child(&style).unwrap();
    let h = host();
    let _w = tryon_widget::mount::mount(h.clone(), plain_options()).unwrap();
    let button: HtmlElement = find(&h, "tryon-open").unwrap().unchecked_into();
    let css = web_sys::window()
        .unwrap()
        .get_computed_style(&button)
        .unwrap()
        .unwrap();
    assert_ne!(
        css.get_property_value("display").unwrap(),
        "none",
        "the page's button rule stays outside"
    );
    assert_eq!(
        css.get_property_value("font-size").unwrap(),
        "16px",
        "the page's rem does not shrink the widget"
    );
    assert_ne!(css.get_property_value("color").unwrap(), "rgba(0, 0, 0, 0)");
    assert!(
        button.offset_width() > 40 && button.offset_height() >= 44,
        "visible and touch-sized"
    );
    button.click();
    wait_for(&h, "tryon-start", 2.0).await;
    style.remove();
}
