//! The sandbox's picture: the garment cut out of its background and laid over the
//! part of the body its category covers, as the pose model found it (shoulders to
//! hips for tops, hips to knees or ankles for bottoms, shoulders to knees for
//! one-pieces), cut to the person's outline with the forearms in front; framed and
//! labelled as a sandbox preview so nobody mistakes it for a generative result.

use image::imageops;
use image::{DynamicImage, GenericImageView, GrayImage, Rgba, RgbaImage};
use tryon_protocol::{
    Category, ErrorName, GarmentPhotoType, TryOnRequest, PROCESSING_HEIGHT, PROCESSING_WIDTH,
};
use tryon_vision::{Landmark, Person, Point};

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
        return Ok(model.to_rgba8());
    }
    Ok(resize(&model.to_rgba8(), w, h, true))
}

/// Resizes with Lanczos3; `cover` crops the centre to the new aspect ratio first.
/// Alpha is premultiplied while filtering, so cut-out edges stay clean.
fn resize(source: &RgbaImage, width: u32, height: u32, cover: bool) -> RgbaImage {
    let (sw, sh) = source.dimensions();
    let crop = cover.then(|| tryon_resize::Crop::centred(sw, sh, width, height));
    let pixels = tryon_resize::resize_rgba(source.as_raw(), sw, sh, crop, width, height, !cover);
    RgbaImage::from_raw(width, height, pixels).expect("the buffer has width × height pixels")
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
    trimmed(rgba)
}

/// The picture cut to its visible pixels; an error when nothing is visible.
fn trimmed(rgba: RgbaImage) -> Result<RgbaImage, Refusal> {
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

/// A garment photographed on somebody (`garment_photo_type: model`, or `auto` with a
/// person in the photo): that person's outline between the lines the category
/// covers (measured along their torso: from just above the shoulders to just below
/// the hips for tops, hips to ankles for bottoms, shoulders to below the knees for
/// one-pieces), without the head, legs or background, and without the hands.
pub fn cut_out_worn(
    garment: &DynamicImage,
    person: &Person,
    mask: &GrayImage,
    kind: Category,
) -> Result<RgbaImage, Refusal> {
    let shoulders = person.between(Landmark::LeftShoulder, Landmark::RightShoulder);
    let hips = person.between(Landmark::LeftHip, Landmark::RightHip);
    let torso = Vec2::between(shoulders, hips);
    let (down, length) = (torso.unit(), torso.length().max(1.0));
    // Along the torso: 0 at the shoulder line, 1 at the hip line.
    let (from, to) = match kind {
        Category::Bottoms => (0.85, 3.2),
        Category::OnePieces => (-0.15, 2.3),
        _ => (-0.15, 1.15),
    };
    let hands = hands(person, length);
    let mut rgba = garment.to_rgba8();
    for (x, y, p) in rgba.enumerate_pixels_mut() {
        let (px, py) = (x as f32 + 0.5 - shoulders.x, y as f32 + 0.5 - shoulders.y);
        let along = (px * down.0 + py * down.1) / length;
        let inside = if (from..to).contains(&along) {
            1.0
        } else {
            0.0
        };
        let person_here = mask.get_pixel(x, y)[0] as f32 / 255.0;
        p[3] = (255.0 * inside * person_here * (1.0 - hands(x as f32, y as f32)) + 0.5) as u8;
    }
    trimmed(rgba)
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

/// The garment kind a job draws: its category, `auto` decided from the garment.
fn resolved(category: Category, photo_type: GarmentPhotoType, garment: &RgbaImage) -> Category {
    // A garment worn in its photo was cut as a top when the category is `auto`
    // (`cut_out_worn`): it is placed as one.
    match category {
        Category::Auto if photo_type == GarmentPhotoType::Model => Category::Tops,
        Category::Auto if garment.height() as f32 >= 1.5 * garment.width() as f32 => {
            Category::OnePieces
        }
        Category::Auto => Category::Tops,
        other => other,
    }
}

/// A direction or offset in picture pixels.
#[derive(Clone, Copy)]
struct Vec2(f32, f32);

impl Vec2 {
    fn between(from: Point, to: Point) -> Vec2 {
        Vec2(to.x - from.x, to.y - from.y)
    }
    fn length(self) -> f32 {
        self.0.hypot(self.1)
    }
    fn unit(self) -> Vec2 {
        let l = self.length().max(f32::EPSILON);
        Vec2(self.0 / l, self.1 / l)
    }
    fn times(self, k: f32) -> Vec2 {
        Vec2(self.0 * k, self.1 * k)
    }
}

fn moved(p: Point, by: Vec2) -> Point {
    Point {
        x: p.x + by.0,
        y: p.y + by.1,
    }
}

/// Where the garment goes: the middle of its top edge, the directions across the
/// body (picture left to right for somebody facing the camera) and down it, and
/// its size in pixels. Measured from the body, so it follows a lean or a seat.
struct Placement {
    top: Point,
    across: Vec2,
    down: Vec2,
    width: f32,
    height: f32,
}

fn placement(person: &Person, kind: Category) -> Placement {
    let at = |l: Landmark| person.at(l).at;
    let shoulders = person.between(Landmark::LeftShoulder, Landmark::RightShoulder);
    let hips = person.between(Landmark::LeftHip, Landmark::RightHip);
    let knees = person.between(Landmark::LeftKnee, Landmark::RightKnee);
    let shoulder_width = at(Landmark::LeftShoulder).distance(at(Landmark::RightShoulder));
    let hip_width = at(Landmark::LeftHip).distance(at(Landmark::RightHip));
    let torso = Vec2::between(shoulders, hips);
    let shoulder_line =
        Vec2::between(at(Landmark::RightShoulder), at(Landmark::LeftShoulder)).unit();
    let hip_line = Vec2::between(at(Landmark::RightHip), at(Landmark::LeftHip)).unit();
    match kind {
        Category::Bottoms => {
            let thigh = Vec2::between(hips, knees);
            let ankles_seen = [Landmark::LeftAnkle, Landmark::RightAnkle]
                .iter()
                .all(|&a| person.at(a).presence > 0.5);
            let lower = if ankles_seen {
                person.between(Landmark::LeftAnkle, Landmark::RightAnkle)
            } else {
                moved(knees, thigh.times(0.9))
            };
            let top = moved(hips, thigh.unit().times(-0.12 * thigh.length()));
            Placement {
                top,
                across: hip_line,
                down: Vec2::between(top, lower).unit(),
                width: (hip_width * 2.4).max(thigh.length() * 0.6),
                height: top.distance(lower) * 1.04,
            }
        }
        Category::OnePieces => {
            let top = moved(shoulders, torso.unit().times(-0.08 * torso.length()));
            let bottom = moved(knees, Vec2::between(hips, knees).times(0.25));
            Placement {
                top,
                across: shoulder_line,
                down: Vec2::between(top, bottom).unit(),
                width: shoulder_width * 1.8,
                height: top.distance(bottom),
            }
        }
        _ => Placement {
            top: moved(shoulders, torso.unit().times(-0.10 * torso.length())),
            across: shoulder_line,
            down: torso.unit(),
            width: shoulder_width * 1.85,
            height: torso.length() * 1.18,
        },
    }
}

/// How much of the picture's pixel (x, y) is a forearm or hand in front of the
/// garment (0..1): capsules from elbow to a little past the wrist.
fn forearms(person: &Person, torso: f32) -> impl Fn(f32, f32) -> f32 + '_ {
    lower_arms(person, torso, 0.0)
}

/// How much of the picture's pixel (x, y) is a hand (0..1).
fn hands(person: &Person, torso: f32) -> impl Fn(f32, f32) -> f32 + '_ {
    lower_arms(person, torso, 0.8)
}

/// Capsules along each clearly seen lower arm, from `start` of the way from elbow
/// to wrist to a little past the wrist (the hand), soft-edged.
fn lower_arms(person: &Person, torso: f32, start: f32) -> impl Fn(f32, f32) -> f32 + '_ {
    let radius = 0.13 * torso;
    let arms: Vec<(Point, Point)> = [
        (Landmark::LeftElbow, Landmark::LeftWrist),
        (Landmark::RightElbow, Landmark::RightWrist),
    ]
    .iter()
    .filter(|(e, w)| person.at(*e).visibility > 0.5 && person.at(*w).visibility > 0.5)
    .map(|&(e, w)| {
        let (elbow, wrist) = (person.at(e).at, person.at(w).at);
        let forearm = Vec2::between(elbow, wrist);
        (
            moved(elbow, forearm.times(start)),
            moved(wrist, forearm.times(0.3)),
        )
    })
    .collect();
    move |x, y| {
        arms.iter()
            .map(|&(a, b)| {
                let ab = Vec2::between(a, b);
                let ap = Vec2(x - a.x, y - a.y);
                let t = ((ap.0 * ab.0 + ap.1 * ab.1) / (ab.0 * ab.0 + ab.1 * ab.1).max(1.0))
                    .clamp(0.0, 1.0);
                let d = ap.0 - ab.0 * t;
                let e = ap.1 - ab.1 * t;
                // A 2-pixel soft edge.
                // sqrt, not hypot: no overflow at these sizes, and hypot is a slow call.
                ((radius - (d * d + e * e).sqrt()) / 2.0 + 0.5).clamp(0.0, 1.0)
            })
            .fold(0.0, f32::max)
    }
}

/// One sample: the garment over the body, marked as a sandbox preview.
pub fn compose(
    body: &RgbaImage,
    person: &Person,
    garment: &RgbaImage,
    request: &TryOnRequest,
    sample: u8,
    dice: &mut Dice,
) -> RgbaImage {
    let mut canvas = body.clone();
    let kind = resolved(request.category, request.garment_photo_type, garment);
    let place = placement(person, kind);
    let scale = dice.between(0.96, 1.04);
    // The garment keeps its own proportions within a quarter: a tee is not drawn
    // as a scarf on a slim body, nor as a tent on a broad one.
    let aspect = garment.width() as f32 / garment.height() as f32;
    let height = place.height * scale;
    let width = (place.width * scale).clamp(height * aspect * 0.8, height * aspect * 1.25);
    let (gw, gh) = (
        (width.round() as u32).max(1),
        (height.round() as u32).max(1),
    );
    let sized = resize(garment, gw, gh, false);
    let shade = dice.between(0.94, 1.06);
    let (across, down) = (place.across.times(width), place.down.times(height));
    let origin = moved(place.top, across.times(-0.5));
    // Picture pixel → garment (u, v) in 0..1: the inverse of [across down].
    let det = across.0 * down.1 - across.1 * down.0;
    if det.abs() < 1.0 {
        mark_as_preview(&mut canvas, sample, request.num_samples);
        return canvas;
    }
    let corners = [
        origin,
        moved(origin, across),
        moved(origin, down),
        moved(moved(origin, across), down),
    ];
    let (w, h) = canvas.dimensions();
    let (x0, x1) = span(corners.iter().map(|p| p.x), w);
    let (y0, y1) = span(corners.iter().map(|p| p.y), h);
    let torso = person
        .between(Landmark::LeftShoulder, Landmark::RightShoulder)
        .distance(person.between(Landmark::LeftHip, Landmark::RightHip));
    let in_front = forearms(person, torso);
    for y in y0..y1 {
        for x in x0..x1 {
            let (px, py) = (x as f32 + 0.5 - origin.x, y as f32 + 0.5 - origin.y);
            let u = (px * down.1 - py * down.0) / det;
            let v = (across.0 * py - across.1 * px) / det;
            if !(0.0..1.0).contains(&u) || !(0.0..1.0).contains(&v) {
                continue;
            }
            let g = sample_bilinear(&sized, u * gw as f32 - 0.5, v * gh as f32 - 0.5);
            // The mask only where the garment lands: a whole mask was a third of a render.
            let person_here = person.mask_at(x, y) as f32 / 255.0;
            let alpha = g[3] / 255.0 * person_here * (1.0 - in_front(x as f32, y as f32));
            if alpha <= 0.0 {
                continue;
            }
            let p = canvas.get_pixel_mut(x, y);
            for c in 0..3 {
                let over = (g[c] * shade).min(255.0);
                // + 0.5 and a cast rounds these non-negative values without a libm call.
                p[c] = (p[c] as f32 * (1.0 - alpha) + over * alpha + 0.5) as u8;
            }
        }
    }
    mark_as_preview(&mut canvas, sample, request.num_samples);
    canvas
}

/// The whole pixels from the lowest to the highest of `values`, within 0..`limit`.
fn span(values: impl Iterator<Item = f32> + Clone, limit: u32) -> (u32, u32) {
    let lo = values.clone().fold(f32::MAX, f32::min).floor().max(0.0) as u32;
    let hi = (values.fold(f32::MIN, f32::max).ceil().max(0.0) as u32).min(limit);
    (lo.min(limit), hi)
}

/// `x` rounded down, without the libm call `f32::floor` is on x86-64's baseline.
fn floor(x: f32) -> i64 {
    let t = x as i64;
    if (t as f32) > x {
        t - 1
    } else {
        t
    }
}

/// The colour at (x, y) in pixel-centre coordinates, edges clamped; colour channels
/// un-premultiplied by the bilinear weights of the alpha, so cut-out edges keep
/// their colour instead of darkening.
fn sample_bilinear(img: &RgbaImage, x: f32, y: f32) -> [f32; 4] {
    let (w, h) = (img.width() as i64, img.height() as i64);
    let (x0, y0) = (floor(x), floor(y));
    let (ax, ay) = (x - x0 as f32, y - y0 as f32);
    let mut sum = [0.0f32; 4];
    for (dx, dy, weight) in [
        (0, 0, (1.0 - ax) * (1.0 - ay)),
        (1, 0, ax * (1.0 - ay)),
        (0, 1, (1.0 - ax) * ay),
        (1, 1, ax * ay),
    ] {
        let p = img.get_pixel(
            (x0 + dx).clamp(0, w - 1) as u32,
            (y0 + dy).clamp(0, h - 1) as u32,
        );
        let a = p[3] as f32 * weight;
        for c in 0..3 {
            sum[c] += p[c] as f32 * a;
        }
        sum[3] += a;
    }
    if sum[3] <= 0.0 {
        return [0.0; 4];
    }
    [sum[0] / sum[3], sum[1] / sum[3], sum[2] / sum[3], sum[3]]
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A solid red garment over a fixture person: every red pixel is on the person,
    /// between just above the shoulders and just below the hips.
    fn placed_on(photo: &str, category: &str) -> (usize, usize) {
        let path = format!("{}/../fixtures/people/{photo}", env!("CARGO_MANIFEST_DIR"));
        let body = fit_model(&image::open(path).expect("fixture")).expect("fitted");
        let vision = tryon_vision::Vision::load().expect("models");
        let sighting = vision
            .look(&DynamicImage::ImageRgba8(body.clone()).to_rgb8())
            .expect("looked");
        let person = sighting.person.as_ref().expect("somebody");
        let mask = sighting.mask().expect("a mask");
        let garment = RgbaImage::from_pixel(200, 240, Rgba([255, 0, 0, 255]));
        let json = format!(
            r#"{{"model_image":"https://a.example/p.jpg","garment_image":"https://a.example/g.png","category":"{category}"}}"#
        );
        let request = TryOnRequest::from_json(json.as_bytes()).expect("a request");
        let out = compose(&body, person, &garment, &request, 1, &mut Dice::new(7));
        let at = |l: Landmark| person.at(l).at;
        let top = at(Landmark::LeftShoulder)
            .y
            .min(at(Landmark::RightShoulder).y);
        let bottom = at(Landmark::LeftHip).y.max(at(Landmark::RightHip).y);
        let torso = bottom - top;
        let (mut red, mut astray) = (0, 0);
        for (x, y, p) in out.enumerate_pixels() {
            if y < 130 || p[0] < 200 || p[1] > 60 || p[2] > 60 || body.get_pixel(x, y)[0] >= 200 {
                continue; // not the garment (or the banner, or red in the photo already)
            }
            red += 1;
            let on_person = mask.get_pixel(x, y)[0] > 0;
            let between = (y as f32) > top - 0.3 * torso && (y as f32) < bottom + 0.3 * torso;
            if !(on_person && between) {
                astray += 1;
            }
        }
        (red, astray)
    }

    #[test]
    fn a_top_lands_on_the_torso_and_only_on_the_person() {
        for photo in ["pose.jpg", "model.webp"] {
            let (red, astray) = placed_on(photo, "tops");
            assert!(red > 5_000, "{photo}: only {red} garment pixels");
            assert!(
                astray * 100 < red,
                "{photo}: {astray} of {red} garment pixels off the torso"
            );
        }
    }
}
