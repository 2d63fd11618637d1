//! The fixture photos as the widget sends them: upright (EXIF orientation applied,
//! as browsers do), the centre cropped to 2:3 and resized to 864×1296.

use std::path::{Path, PathBuf};

use image::{ImageDecoder, RgbImage};

/// The repository's `fixtures/` folder.
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures")
}

/// The photo at `fixtures/<path>`, upright, whole.
pub fn upright(path: &str) -> RgbImage {
    let reader = image::ImageReader::open(fixtures().join(path))
        .expect("fixture")
        .with_guessed_format()
        .expect("readable");
    let mut decoder = reader.into_decoder().expect("decodable");
    let orientation = decoder.orientation().expect("orientation");
    let mut photo = image::DynamicImage::from_decoder(decoder).expect("decoded");
    photo.apply_orientation(orientation);
    photo.to_rgb8()
}

/// The photo at `fixtures/<path>`, prepared as the widget prepares it by default.
pub fn prepared(path: &str) -> RgbImage {
    let rgba = image::DynamicImage::ImageRgb8(upright(path)).to_rgba8();
    let (w, h) = rgba.dimensions();
    let crop = tryon_resize::Crop::centred(w, h, 864, 1296);
    let pixels = tryon_resize::resize_rgba(rgba.as_raw(), w, h, Some(crop), 864, 1296, false);
    let rgba = image::RgbaImage::from_raw(864, 1296, pixels).expect("864×1296");
    image::DynamicImage::ImageRgba8(rgba).to_rgb8()
}
