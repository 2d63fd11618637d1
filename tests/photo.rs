//! The photo pipeline in headless Chromium with real files from fixtures/.

use tryon_widget::photo::{self, CropFrame, PhotoError, PhotoFormat};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const PHONE_12MP_ORIENTATION_6: &[u8] = include_bytes!("../fixtures/bad/Xiaomi_Mi_9T_KeyError.jpg");
const PNG_NAMED_JPG: &[u8] = include_bytes!("../fixtures/bad/plants-1.jpg");
const HEIC: &[u8] = include_bytes!("../fixtures/bad/IMG_2682.heic");
const PERSON: &[u8] = include_bytes!("../fixtures/people/business-person.png");

/// A file as the picker would give it, with a type that may lie (the name is not used).
fn file(bytes: &[u8], _name: &str, mime: &str) -> web_sys::Blob {
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &options).unwrap()
}

async fn decoded_size(blob: &web_sys::Blob) -> (u32, u32) {
    let p = photo::open_photo(blob).await.expect("decodes");
    (p.width, p.height)
}

#[wasm_bindgen_test]
async fn a_12mp_orientation_6_phone_photo_comes_out_portrait_864_by_1296() {
    let blob = file(PHONE_12MP_ORIENTATION_6, "IMG_1234.jpg", "image/jpeg");
    let decoded = photo::open_photo(&blob).await.unwrap();
    assert_eq!(
        (decoded.width, decoded.height),
        (3000, 4000),
        "EXIF orientation 6 applied (by wasm on the planes path)"
    );
    assert_eq!(decoded.format, PhotoFormat::Jpeg);
    let frame = CropFrame::largest_centred(decoded.width, decoded.height);
    let prepared = photo::prepare(&decoded, frame).await.unwrap();
    assert_eq!((prepared.width, prepared.height), (864, 1296));
    assert_eq!(prepared.blob.type_(), "image/jpeg");
    // The JPEG itself is portrait 864×1296 when decoded again.
    assert_eq!(decoded_size(&prepared.blob).await, (864, 1296));
    let url = photo::data_url(&prepared.blob).await.unwrap();
    assert!(
        url.starts_with("data:image/jpeg;base64,/9j/"),
        "{}",
        &url[..40]
    );
    assert!(url.len() < 400 * 1024, "payload {} bytes", url.len());
    assert!(prepared.object_url.as_str().starts_with("blob:"));
}

#[wasm_bindgen_test]
async fn a_png_named_jpg_is_read_by_its_bytes() {
    let blob = file(PNG_NAMED_JPG, "plants-1.jpg", "image/jpeg");
    let decoded = photo::open_photo(&blob).await.unwrap();
    assert_eq!(decoded.format, PhotoFormat::Png);
    assert_eq!((decoded.width, decoded.height), (987, 1481));
    let prepared = photo::prepare(&decoded, CropFrame::largest_centred(987, 1481))
        .await
        .unwrap();
    assert_eq!((prepared.width, prepared.height), (864, 1296));
}

#[wasm_bindgen_test]
async fn heic_gets_the_format_message() {
    let blob = file(HEIC, "IMG_2682.heic", "application/octet-stream");
    match photo::open_photo(&blob).await {
        Err(PhotoError::Unsupported(PhotoFormat::Heic)) => {}
        Err(other) => panic!("expected the HEIC message, got {other:?}"),
        Ok(_) => panic!("Chromium cannot decode HEIC"),
    }
    let text = file(b"just some text, not a photo", "notes.jpg", "image/jpeg");
    assert!(matches!(
        photo::open_photo(&text).await,
        Err(PhotoError::NotAPhoto)
    ));
}

#[wasm_bindgen_test]
async fn small_photos_are_never_upscaled() {
    let blob = file(PERSON, "me.png", "image/png");
    let decoded = photo::open_photo(&blob).await.unwrap();
    // A frame narrower than 864 px: the upload keeps its pixels, 2:3.
    let frame = CropFrame::largest_centred(decoded.width, decoded.height).scaled(0.5);
    let (w, h) = frame.output_size();
    assert!(w < 864 && w * 3 == h * 2, "{w}×{h}");
    let prepared = photo::prepare(&decoded, frame).await.unwrap();
    assert_eq!((prepared.width, prepared.height), (w, h));
    assert_eq!(decoded_size(&prepared.blob).await, (w, h));
}

#[wasm_bindgen_test]
async fn the_crop_frame_decides_what_is_uploaded() {
    // business-person.png: white background on the left edge, the person centred.
    let blob = file(PERSON, "me.png", "image/png");
    let decoded = photo::open_photo(&blob).await.unwrap();
    let centred = CropFrame::largest_centred(decoded.width, decoded.height);
    let left = (0..20).fold(centred.scaled(0.4), |f, _| {
        f.after_key("ArrowLeft", true).unwrap()
    });
    assert_eq!(left.x, 0.0);
    let a = photo::data_url(&photo::prepare(&decoded, centred).await.unwrap().blob)
        .await
        .unwrap();
    let b = photo::data_url(&photo::prepare(&decoded, left).await.unwrap().blob)
        .await
        .unwrap();
    assert_ne!(a, b);
}

/// The 12 MP phone photo with its EXIF orientation set to `orientation`.
fn turned(orientation: u8) -> Vec<u8> {
    let mut bytes = PHONE_12MP_ORIENTATION_6.to_vec();
    // Its IFD0 (big-endian) holds the orientation entry: tag 0x0112, SHORT, count 1.
    let entry = [0x01, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01, 0x00, 0x06];
    let at = bytes
        .windows(entry.len())
        .position(|w| w == entry)
        .expect("the fixture's orientation entry");
    bytes[at + 9] = orientation;
    bytes
}

fn psnr(a: &[u8], b: &[u8]) -> f64 {
    let mse = a
        .chunks(4)
        .zip(b.chunks(4))
        .flat_map(|(p, q)| (0..3).map(move |k| (p[k] as f64 - q[k] as f64).powi(2)))
        .sum::<f64>()
        / (a.len() / 4 * 3) as f64;
    10.0 * (255.0f64 * 255.0 / mse.max(1e-9)).log10()
}

#[wasm_bindgen_test]
async fn jpeg_planes_give_the_canvas_path_s_picture_for_every_orientation() {
    // Orientations 1, 3, 6 and 8 are the four turns; an off-centre frame, so a frame
    // placed on the wrong side of a turned photo shows.
    for (orientation, upright) in [
        (1, (4000, 3000)),
        (3, (4000, 3000)),
        (6, (3000, 4000)),
        (8, (3000, 4000)),
    ] {
        let blob = file(&turned(orientation), "IMG.jpg", "image/jpeg");
        let planes = photo::open_photo(&blob).await.unwrap();
        assert!(
            matches!(planes.pixels, photo::Pixels::Planes(_)),
            "orientation {orientation}: Chromium decodes JPEGs to planes"
        );
        let canvas = photo::open_bitmap(&blob, PhotoFormat::Jpeg).await.unwrap();
        assert!(matches!(canvas.pixels, photo::Pixels::Bitmap(_)));
        assert_eq!(
            (planes.width, planes.height),
            upright,
            "orientation {orientation}"
        );
        assert_eq!(
            (canvas.width, canvas.height),
            upright,
            "orientation {orientation}"
        );
        let frame = CropFrame::largest_centred(upright.0, upright.1)
            .scaled(0.6)
            .moved(-400.0, -300.0);
        let (a, aw, ah) = photo::upload_pixels(&planes, frame).await.unwrap();
        let (b, bw, bh) = photo::upload_pixels(&canvas, frame).await.unwrap();
        assert_eq!((aw, ah), (bw, bh));
        let db = psnr(&a, &b);
        // Measured 63–64 dB apart (both are the exact Lanczos3, one on planes, one on
        // strips read back; 48–50 dB when the canvas path pre-shrank); a wrong turn or
        // a misplaced frame is under 20 dB.
        assert!(db > 58.0, "orientation {orientation}: {db:.1} dB apart");
    }
}

/// A canvas of `width`×`height` to draw test pictures on, and its 2D context.
fn canvas_2d(
    width: u32,
    height: u32,
) -> (
    web_sys::HtmlCanvasElement,
    web_sys::CanvasRenderingContext2d,
) {
    use wasm_bindgen::JsCast;
    let canvas: web_sys::HtmlCanvasElement = web_sys::window()
        .unwrap()
        .document()
        .unwrap()
        .create_element("canvas")
        .unwrap()
        .unchecked_into();
    canvas.set_width(width);
    canvas.set_height(height);
    let context = canvas.get_context("2d").unwrap().unwrap().unchecked_into();
    (canvas, context)
}

/// A JPEG of `width`×`height` drawn and encoded by the browser (4:2:0): coloured
/// stripes, two pixels on, one off, on grey.
async fn browser_jpeg(width: u32, height: u32) -> web_sys::Blob {
    let (canvas, context) = canvas_2d(width, height);
    // Colours well inside RGB's range, on grey: where the decoder's full-size RGB
    // would clip (saturated colour stripes on black), the planes path, which clips
    // after filtering, comes out brighter there (see resize/src/planar.rs).
    context.set_fill_style_str("rgb(110, 110, 110)");
    context.fill_rect(0.0, 0.0, width as f64, height as f64);
    for x in (0..width).step_by(3) {
        context.set_fill_style_str(&format!(
            "rgb({}, {}, 90)",
            60 + x * 100 / width,
            170 - x % 100
        ));
        context.fill_rect(x as f64, 0.0, 2.0, height as f64);
    }
    photo::to_jpeg(&canvas).await.unwrap()
}

#[wasm_bindgen_test]
async fn odd_sized_jpegs_take_the_planes_path_and_match_the_canvas_path() {
    for (w, h) in [(301, 451), (600, 899)] {
        let blob = browser_jpeg(w, h).await;
        let planes = photo::open_photo(&blob).await.unwrap();
        assert!(matches!(planes.pixels, photo::Pixels::Planes(_)), "{w}×{h}");
        let canvas = photo::open_bitmap(&blob, PhotoFormat::Jpeg).await.unwrap();
        assert_eq!((planes.width, planes.height), (w, h));
        let frame = CropFrame::largest_centred(w, h);
        let (a, ..) = photo::upload_pixels(&planes, frame).await.unwrap();
        let (b, ..) = photo::upload_pixels(&canvas, frame).await.unwrap();
        let db = psnr(&a, &b);
        // Measured 53 dB apart: rounding.
        assert!(db > 45.0, "{w}×{h}: {db:.1} dB apart");
    }
}

#[wasm_bindgen_test]
async fn planes_that_fail_after_decoding_fall_back_to_the_canvas_path() {
    let blob = file(PHONE_12MP_ORIENTATION_6, "IMG_1234.jpg", "image/jpeg");
    let planes = photo::open_photo(&blob).await.unwrap();
    assert!(matches!(planes.pixels, photo::Pixels::Planes(_)));
    let frame = CropFrame::largest_centred(planes.width, planes.height);
    // The browser's copy of the planes fails (out of memory, say).
    js_sys::eval(
        "globalThis.__copyTo = VideoFrame.prototype.copyTo; \
         VideoFrame.prototype.copyTo = () => Promise.reject(new Error('no memory'));",
    )
    .unwrap();
    let fallen_back = photo::upload_pixels(&planes, frame).await;
    js_sys::eval("VideoFrame.prototype.copyTo = globalThis.__copyTo;").unwrap();
    let (pixels, w, h) = fallen_back.expect("the canvas path takes over");
    assert_eq!((w, h), (864, 1296));
    let canvas = photo::open_bitmap(&blob, PhotoFormat::Jpeg).await.unwrap();
    let (expected, ..) = photo::upload_pixels(&canvas, frame).await.unwrap();
    assert!(pixels == expected, "exactly the canvas path's pixels");
}

#[wasm_bindgen_test]
async fn crops_above_five_times_the_upload_are_pre_shrunk_by_the_browser_and_stay_true() {
    // 4400×6600 (29 MP; a 48 MP camera's crop is larger still): 5.1× the upload, so
    // the canvas path lets the browser shrink it to 1.25× first. A smooth picture
    // (red across, green down), so what each output pixel should be is known.
    let (w, h) = (4400u32, 6600u32);
    let (canvas, context) = canvas_2d(w, h);
    for y in (0..h).step_by(10) {
        for x in (0..w).step_by(10) {
            let (r, g) = (30 + x * 190 / w, 20 + y * 200 / h);
            context.set_fill_style_str(&format!("rgb({r}, {g}, 128)"));
            context.fill_rect(x as f64, y as f64, 10.0, 10.0);
        }
    }
    let blob = photo::to_jpeg(&canvas).await.unwrap();
    let decoded = photo::open_bitmap(&blob, PhotoFormat::Jpeg).await.unwrap();
    let (pixels, pw, ph) = photo::upload_pixels(&decoded, CropFrame::largest_centred(w, h))
        .await
        .unwrap();
    assert_eq!((pw, ph), (864, 1296));
    let expected: Vec<u8> = (0..ph)
        .flat_map(|j| {
            (0..pw).flat_map(move |i| {
                // The 10-pixel block under the output pixel's centre.
                let (x, y) = ((i * 2 + 1) * w / pw / 2, (j * 2 + 1) * h / ph / 2);
                let (x, y) = (x / 10 * 10, y / 10 * 10);
                [(30 + x * 190 / w) as u8, (20 + y * 200 / h) as u8, 128, 255]
            })
        })
        .collect();
    let db = psnr(&pixels, &expected);
    // Measured 52.5 dB. A strip read from the wrong rows, or a shifted or transposed picture, is far
    // below this.
    assert!(db > 45.0, "{db:.1} dB from the picture drawn");
}
