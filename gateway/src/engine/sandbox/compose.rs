//! The sandbox's picture: the garment cut out of its background and laid over the
//! body region its category implies, framed and labelled as a sandbox preview so
//! nobody mistakes it for a generative result.

use image::imageops;
use image::{DynamicImage, GenericImageView, Rgba, RgbaImage};
use tryon_protocol::{
    Category, ErrorName, GarmentPhotoType, TryOnRequest, PROCESSING_HEIGHT, PROCESSING_WIDTH,
};

use super::font::{draw_text, text_width};

/// A deterministic stream of numbers (SplitMix64): the same seed, the same picture.
pub struct Dice(u64);

impl Dice {
    /// Dice seeded with `seed`.
    pub fn new(seed: u64) -> Self {
        Dice(seed)
    }

    /// A number in `[0, 1)`.
    pub fn unit(&mut self) -> f32 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) >> 40) as f32 / (1u64 << 24) as f32
    }

    /// A number in `[lo, hi)`.
    pub fn between(&mut self, lo: f32, hi: f32) -> f32 {
        lo + (hi - lo) * self.unit()
    }
}

/// A runtime failure found while looking at the pictures.
pub type Refusal = (ErrorName, String);

/// The shopper's photo fitted (cover, centred) to the processing size.
pub fn fit_model(model: &DynamicImage) -> Result<RgbaImage, Refusal> {
    let (w, h) = (PROCESSING_WIDTH, PROCESSING_HEIGHT);
    if model.dimensions() == (w, h) {
        // What the widget sends: already prepared.
        let fitted = model.to_rgba8();
        return if is_flat(&fitted) {
            Err(no_person())
        } else {
            Ok(fitted)
        };
    }
    let fitted = resize(&model.to_rgba8(), w, h, true);
    if is_flat(&fitted) {
        return Err(no_person());
    }
    Ok(fitted)
}

fn no_person() -> Refusal {
    (
        ErrorName::PoseError,
        "No person was found in the model image: it is a single flat colour. Take a photo of one person, facing the camera, body framed.".into(),
    )
}

/// Resizes with Lanczos3; `cover` crops the centre to the new aspect ratio first.
/// Alpha is premultiplied while filtering, so cut-out edges stay clean.
fn resize(source: &RgbaImage, width: u32, height: u32, cover: bool) -> RgbaImage {
    let (sw, sh) = source.dimensions();
    let crop = cover.then(|| tryon_resize::Crop::centred(sw, sh, width, height));
    let pixels = tryon_resize::resize_rgba(source.as_raw(), sw, sh, crop, width, height, !cover);
    RgbaImage::from_raw(width, height, pixels).expect("the buffer has width × height pixels")
}

/// Whether an image is (nearly) one colour: nothing in it to find.
fn is_flat(img: &RgbaImage) -> bool {
    let (mut lo, mut hi) = ([255u8; 3], [0u8; 3]);
    for p in img.pixels().step_by(7) {
        for c in 0..3 {
            lo[c] = lo[c].min(p[c]);
            hi[c] = hi[c].max(p[c]);
        }
    }
    (0..3).all(|c| hi[c].saturating_sub(lo[c]) < 8)
}

/// The garment with a transparent background, trimmed to its visible pixels.
pub fn cut_out_garment(garment: &DynamicImage) -> Result<RgbaImage, Refusal> {
    let mut rgba = garment.to_rgba8();
    let has_alpha = rgba.pixels().any(|p| p[3] < 250);
    if !has_alpha {
        // No alpha: treat the colour of the border as the backdrop and key it out.
        let backdrop = border_colour(&rgba);
        for p in rgba.pixels_mut() {
            let d = (0..3)
                .map(|c| (p[c] as i32 - backdrop[c] as i32).abs())
                .max()
                .unwrap_or(0);
            p[3] = ((d - 18).clamp(0, 30) * 255 / 30) as u8;
        }
    }
    let (mut x0, mut y0, mut x1, mut y1) = (u32::MAX, u32::MAX, 0, 0);
    for (x, y, p) in rgba.enumerate_pixels() {
        if p[3] > 24 {
            x0 = x0.min(x);
            y0 = y0.min(y);
            x1 = x1.max(x);
            y1 = y1.max(y);
        }
    }
    if x0 > x1 || (x1 - x0) < 8 || (y1 - y0) < 8 {
        return Err((
            ErrorName::ImageLoadError,
            "The garment image shows no garment: it is empty or a single flat colour.".into(),
        ));
    }
    Ok(imageops::crop_imm(&rgba, x0, y0, x1 - x0 + 1, y1 - y0 + 1).to_image())
}

fn border_colour(img: &RgbaImage) -> [u8; 3] {
    let (w, h) = img.dimensions();
    let mut sum = [0u64; 3];
    let mut n = 0u64;
    let mut add = |x: u32, y: u32| {
        let p = img.get_pixel(x, y);
        for c in 0..3 {
            sum[c] += p[c] as u64;
        }
        n += 1;
    };
    for x in 0..w {
        add(x, 0);
        add(x, h - 1);
    }
    for y in 0..h {
        add(0, y);
        add(w - 1, y);
    }
    sum.map(|s| (s / n.max(1)) as u8)
}

/// The body region (fractions of the frame: left, top, right, bottom) a category covers.
fn body_region(category: Category, photo_type: GarmentPhotoType, garment: &RgbaImage) -> [f32; 4] {
    let resolved = match category {
        Category::Auto if photo_type == GarmentPhotoType::Model => Category::OnePieces,
        Category::Auto if garment.height() as f32 >= 1.5 * garment.width() as f32 => {
            Category::OnePieces
        }
        Category::Auto => Category::Tops,
        other => other,
    };
    match resolved {
        Category::Bottoms => [0.26, 0.50, 0.74, 0.93],
        Category::OnePieces => [0.18, 0.21, 0.82, 0.90],
        _ => [0.16, 0.21, 0.84, 0.58],
    }
}

/// One sample: the garment over the body, marked as a sandbox preview.
pub fn compose(
    body: &RgbaImage,
    garment: &RgbaImage,
    request: &TryOnRequest,
    sample: u8,
    dice: &mut Dice,
) -> RgbaImage {
    let mut canvas = body.clone();
    let (w, h) = (canvas.width() as f32, canvas.height() as f32);
    let [l, t, r, b] = body_region(request.category, request.garment_photo_type, garment);
    let (region_w, region_h) = ((r - l) * w, (b - t) * h);
    let fit = (region_w / garment.width() as f32).min(region_h / garment.height() as f32);
    let scale = fit * dice.between(0.90, 1.0);
    let (gw, gh) = (
        ((garment.width() as f32 * scale) as u32).max(1),
        ((garment.height() as f32 * scale) as u32).max(1),
    );
    let mut placed = resize(garment, gw, gh, false);
    let shade = dice.between(0.92, 1.08);
    for p in placed.pixels_mut() {
        for c in 0..3 {
            p[c] = (p[c] as f32 * shade).min(255.0) as u8;
        }
    }
    let centre = (l + r) / 2.0 * w + dice.between(-0.025, 0.025) * w;
    let x = (centre - gw as f32 / 2.0).max(0.0) as i64;
    let y = (t * h + dice.between(0.0, 0.02) * h) as i64;
    imageops::overlay(&mut canvas, &placed, x, y);
    mark_as_preview(&mut canvas, sample, request.num_samples);
    canvas
}

/// A striped frame and a banner: this is the sandbox, not a generative result.
fn mark_as_preview(canvas: &mut RgbaImage, sample: u8, of: u8) {
    let (w, h) = canvas.dimensions();
    let frame = 12;
    for y in 0..h {
        let edge_row = y < frame || y >= h - frame;
        let xs: Box<dyn Iterator<Item = u32>> = if edge_row {
            Box::new(0..w)
        } else {
            Box::new((0..frame).chain(w - frame..w))
        };
        for x in xs {
            let stripe = ((x + y) / 16) % 2 == 0;
            canvas.put_pixel(
                x,
                y,
                if stripe {
                    Rgba([250, 204, 21, 255])
                } else {
                    Rgba([20, 20, 20, 255])
                },
            );
        }
    }
    let banner = 118;
    for y in frame..banner {
        for x in frame..w - frame {
            let p = canvas.get_pixel_mut(x, y);
            for c in 0..3 {
                p[c] = (p[c] as u32 * 25 / 100) as u8;
            }
        }
    }
    let title = "SANDBOX PREVIEW";
    draw_text(
        canvas,
        title,
        (w - text_width(title, 6)) / 2,
        26,
        6,
        Rgba([250, 204, 21, 255]),
    );
    let line = format!("NOT A REAL TRY-ON - SAMPLE {sample}/{of}");
    draw_text(
        canvas,
        &line,
        (w - text_width(&line, 3)) / 2,
        82,
        3,
        Rgba([255, 255, 255, 255]),
    );
}
