//! Filling a model's square input from the photo, as MediaPipe's image-to-tensor
//! step does: bilinear samples through a mapping, scaled to the model's range.

use image::RgbImage;

use crate::geometry::Rotated;

/// What lies outside the photo.
#[derive(Clone, Copy)]
pub(crate) enum Border {
    /// Black (0 in the photo's range), like letterbox bars.
    Zero,
    /// The nearest edge pixel repeated.
    Replicate,
}

/// An NHWC `side`×`side`×3 tensor sampled from `photo` through `square`, each
/// channel mapped from 0..255 to `lo..hi`.
pub(crate) fn sample(
    photo: &RgbImage,
    square: &Rotated,
    side: usize,
    border: Border,
    (lo, hi): (f32, f32),
) -> Vec<f32> {
    let scale = (hi - lo) / 255.0;
    let mut out = Vec::with_capacity(side * side * 3);
    let (w, h) = (photo.width() as i64, photo.height() as i64);
    let raw = photo.as_raw();
    let at = |x: i64, y: i64, c: usize| -> Option<f32> {
        let (x, y) = match border {
            Border::Zero if x < 0 || y < 0 || x >= w || y >= h => return None,
            _ => (x.clamp(0, w - 1), y.clamp(0, h - 1)),
        };
        Some(raw[((y * w + x) * 3) as usize + c] as f32)
    };
    for row in 0..side {
        for col in 0..side {
            // Pixel centres: the sample for output pixel (col, row) is taken at its middle.
            let p = square.to_photo(
                (col as f32 + 0.5) / side as f32,
                (row as f32 + 0.5) / side as f32,
            );
            let (fx, fy) = (p.x - 0.5, p.y - 0.5);
            let (x0, y0) = (fx.floor() as i64, fy.floor() as i64);
            let (ax, ay) = (fx - x0 as f32, fy - y0 as f32);
            for c in 0..3 {
                let v = |x, y| at(x, y, c).unwrap_or(0.0);
                let top = v(x0, y0) * (1.0 - ax) + v(x0 + 1, y0) * ax;
                let bottom = v(x0, y0 + 1) * (1.0 - ax) + v(x0 + 1, y0 + 1) * ax;
                let value = top * (1.0 - ay) + bottom * ay;
                out.push(lo + value * scale);
            }
        }
    }
    out
}
