//! The 2:3 frame the shopper moves and resizes over their photo, in the photo's
//! upright pixels. Pure arithmetic, so it is tested anywhere.

use tryon_protocol::{PROCESSING_HEIGHT, PROCESSING_WIDTH};
use tryon_resize::Crop;

/// Width over height of the frame.
const ASPECT: f64 = PROCESSING_WIDTH as f64 / PROCESSING_HEIGHT as f64;
/// The frame never gets narrower than this share of the largest frame.
const MIN_SHARE: f64 = 0.25;

/// A 2:3 rectangle inside a photo.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CropFrame {
    /// Left edge, in photo pixels.
    pub x: f64,
    /// Top edge.
    pub y: f64,
    /// Width (height is 1.5× this).
    pub width: f64,
    /// The photo's width.
    pub photo_width: f64,
    /// The photo's height.
    pub photo_height: f64,
}

impl CropFrame {
    /// The largest centred 2:3 frame of a `width`×`height` photo: the rectangle the
    /// gateway's "cover" fit keeps too (`tryon_resize::Crop::centred`).
    pub fn largest_centred(width: u32, height: u32) -> Self {
        let largest = Crop::centred(width, height, PROCESSING_WIDTH, PROCESSING_HEIGHT);
        CropFrame {
            x: largest.left,
            y: largest.top,
            width: largest.width,
            photo_width: width as f64,
            photo_height: height as f64,
        }
    }

    /// The frame's height.
    pub fn height(&self) -> f64 {
        self.width / ASPECT
    }

    /// The frame moved by (`dx`, `dy`) photo pixels, kept inside the photo.
    pub fn moved(self, dx: f64, dy: f64) -> Self {
        // `max`/`min`, not `f64::clamp`, here and across the widget: clamp's assertion
        // formats floats, which links Rust's float printing (about 5 KB brotli).
        CropFrame {
            x: (self.x + dx).min(self.photo_width - self.width).max(0.0),
            y: (self.y + dy)
                .min(self.photo_height - self.height())
                .max(0.0),
            ..self
        }
    }

    /// The frame resized by `factor` around its centre, within the photo.
    pub fn scaled(self, factor: f64) -> Self {
        let max = Self::largest_centred(self.photo_width as u32, self.photo_height as u32).width;
        let width = (self.width * factor).max(max * MIN_SHARE).min(max);
        let (cx, cy) = (self.x + self.width / 2.0, self.y + self.height() / 2.0);
        CropFrame {
            x: cx - width / 2.0,
            y: cy - width / ASPECT / 2.0,
            width,
            ..self
        }
        .moved(0.0, 0.0)
    }

    /// What a key press does: arrows move (Shift: further), `+`/`-` resize. `None`
    /// for other keys.
    pub fn after_key(self, key: &str, shift: bool) -> Option<Self> {
        let step = self.photo_width.max(self.photo_height) * if shift { 0.10 } else { 0.02 };
        Some(match key {
            "ArrowLeft" => self.moved(-step, 0.0),
            "ArrowRight" => self.moved(step, 0.0),
            "ArrowUp" => self.moved(0.0, -step),
            "ArrowDown" => self.moved(0.0, step),
            "+" | "=" => self.scaled(1.05),
            "-" | "_" => self.scaled(1.0 / 1.05),
            "Home" => CropFrame::largest_centred(self.photo_width as u32, self.photo_height as u32),
            _ => return None,
        })
    }

    /// The size of the prepared photo: 864×1296, or smaller (never upscaled) when the
    /// frame covers fewer pixels; always exactly 2:3.
    pub fn output_size(&self) -> (u32, u32) {
        let width = (self.width.floor() as u32).min(PROCESSING_WIDTH) & !1;
        let width = width.max(2);
        (width, width / 2 * 3)
    }

    /// The frame as fractions of the photo (left, top, width, height), for CSS.
    pub fn as_fractions(&self) -> (f64, f64, f64, f64) {
        (
            self.x / self.photo_width,
            self.y / self.photo_height,
            self.width / self.photo_width,
            self.height() / self.photo_height,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_is_the_largest_centred_frame() {
        // Portrait 3:4 is wider than 2:3: full height, centred horizontally.
        let f = CropFrame::largest_centred(3000, 4000);
        assert!((f.height() - 4000.0).abs() < 1e-9);
        assert!((f.x - (3000.0 - 4000.0 * ASPECT) / 2.0).abs() < 1e-9);
        assert_eq!(f.y, 0.0);
        let f = CropFrame::largest_centred(4000, 3000);
        assert_eq!(f.height(), 3000.0);
        assert_eq!(f.x, (4000.0 - 2000.0) / 2.0);
        assert_eq!(f.output_size(), (864, 1296));
    }

    #[test]
    fn keys_move_and_resize_within_the_photo() {
        let f = CropFrame::largest_centred(4000, 3000);
        let left = f.after_key("ArrowLeft", false).unwrap();
        assert!(left.x < f.x);
        let far = (0..100).fold(f, |g, _| g.after_key("ArrowLeft", true).unwrap());
        assert_eq!(far.x, 0.0);
        let smaller = f.after_key("-", false).unwrap();
        assert!(smaller.width < f.width);
        assert!((smaller.width / smaller.height() - ASPECT).abs() < 1e-9);
        let bigger = (0..50).fold(smaller, |g, _| g.after_key("+", false).unwrap());
        assert!(
            (bigger.width - f.width).abs() < 1e-6,
            "capped at the largest"
        );
        assert_eq!(f.after_key("a", false), None);
    }

    #[test]
    fn small_photos_are_not_upscaled() {
        let f = CropFrame::largest_centred(512, 512);
        let (w, h) = f.output_size();
        assert!(w <= 512 && w * 3 == h * 2, "{w}×{h}");
    }
}
