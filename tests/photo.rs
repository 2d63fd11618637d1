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
        "EXIF orientation 6 applied by the browser"
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
