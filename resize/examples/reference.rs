//! The reference for the photo benchmark: decode (EXIF orientation applied), crop,
//! and resize with the `image` crate's own Lanczos3, independent of the code under
//! test. Writes raw RGBA. `cargo run --release -p tryon-resize --example reference -- IN OUT.rgba X Y W H 864 1296`

use image::{imageops::FilterType, DynamicImage, ImageDecoder, ImageReader};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n = |i: usize| args[i].parse::<u32>().expect("a whole number");
    let mut decoder = ImageReader::open(&args[1])
        .unwrap()
        .with_guessed_format()
        .unwrap()
        .into_decoder()
        .unwrap();
    let orientation = decoder.orientation().unwrap();
    let mut img = DynamicImage::from_decoder(decoder).unwrap();
    img.apply_orientation(orientation);
    let crop = img.crop_imm(n(3), n(4), n(5), n(6));
    let out = crop
        .resize_exact(n(7), n(8), FilterType::Lanczos3)
        .to_rgba8();
    std::fs::write(&args[2], out.as_raw()).unwrap();
}
