//! High-quality resizing of RGBA pixels (Lanczos3, with SIMD on x86 and wasm32).
//!
//! The widget uses [`planar`] (JPEG planes) and [`bands`] (pictures read back from a
//! canvas a strip at a time); the gateway's sandbox uses [`resize_rgba`].
//!
//! Its own crate, with non-generic functions, so that the SIMD loops are compiled
//! here, where the build profile gives them a speed opt-level, even when the widget
//! around them is optimised for size (`[profile.wasm-release.package.tryon-resize]`).
//! A wasm32 build without `simd128` uses [`scalar`] instead (see there why).

pub mod bands;
pub mod planar;
pub mod scalar;

/// A rectangle of the source to resize, in source pixels (may be fractional).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Crop {
    /// Left edge.
    pub left: f64,
    /// Top edge.
    pub top: f64,
    /// Width.
    pub width: f64,
    /// Height.
    pub height: f64,
}

impl Crop {
    /// The largest centred rectangle of a `src_w`×`src_h` image with the aspect ratio
    /// of `dst_w`×`dst_h` (what "cover" fitting keeps).
    pub fn centred(src_w: u32, src_h: u32, dst_w: u32, dst_h: u32) -> Crop {
        let (sw, sh) = (src_w as f64, src_h as f64);
        let target = dst_w as f64 / dst_h as f64;
        let (width, height) = if sw / sh > target {
            (sh * target, sh)
        } else {
            (sw, sw / target)
        };
        Crop {
            left: (sw - width) / 2.0,
            top: (sh - height) / 2.0,
            width,
            height,
        }
    }
}

/// Resizes RGBA pixels (`src_w`×`src_h`, 4 bytes each) to `dst_w`×`dst_h`, taking
/// only `crop` of the source when given. `alpha` premultiplies while filtering, so
/// transparent edges do not bleed; leave it off for opaque photos (faster).
///
/// Panics if `src` is not `src_w × src_h × 4` bytes or a size is zero.
pub fn resize_rgba(
    src: &[u8],
    src_w: u32,
    src_h: u32,
    crop: Option<Crop>,
    dst_w: u32,
    dst_h: u32,
    alpha: bool,
) -> Vec<u8> {
    engine(src, src_w, src_h, crop, dst_w, dst_h, alpha)
}

#[cfg(all(target_arch = "wasm32", not(target_feature = "simd128")))]
use scalar::resize_rgba as engine;
#[cfg(not(all(target_arch = "wasm32", not(target_feature = "simd128"))))]
use with_simd as engine;

/// `fast_image_resize`, with the SIMD the target has.
#[cfg(not(all(target_arch = "wasm32", not(target_feature = "simd128"))))]
fn with_simd(
    src: &[u8],
    src_w: u32,
    src_h: u32,
    crop: Option<Crop>,
    dst_w: u32,
    dst_h: u32,
    alpha: bool,
) -> Vec<u8> {
    use fast_image_resize::images::{Image, ImageRef};
    use fast_image_resize::{FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer};
    let source = ImageRef::new(src_w, src_h, src, PixelType::U8x4)
        .expect("the buffer holds src_w × src_h RGBA pixels");
    let mut target = Image::new(dst_w, dst_h, PixelType::U8x4);
    let mut options = ResizeOptions::new()
        .resize_alg(ResizeAlg::Convolution(FilterType::Lanczos3))
        .use_alpha(alpha);
    if let Some(c) = crop {
        options = options.crop(c.left, c.top, c.width, c.height);
    }
    Resizer::new()
        .resize(&source, &mut target, &options)
        .expect("source and target are both RGBA");
    target.into_vec()
}

/// How close two pictures of the same size are: PSNR in dB over every byte.
#[cfg(test)]
pub(crate) fn psnr(a: &[u8], b: &[u8]) -> f64 {
    let mse = a
        .iter()
        .zip(b)
        .map(|(x, y)| (*x as f64 - *y as f64).powi(2))
        .sum::<f64>()
        / a.len() as f64;
    10.0 * (255.0f64 * 255.0 / mse.max(1e-9)).log10()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn centred_crop_keeps_the_aspect() {
        let c = Crop::centred(4000, 3000, 864, 1296);
        assert!((c.width / c.height - 864.0 / 1296.0).abs() < 1e-9);
        assert_eq!(c.height, 3000.0);
        assert_eq!(c.left, (4000.0 - 2000.0) / 2.0);
        let c = Crop::centred(1000, 3000, 2, 3);
        assert_eq!((c.width, c.height, c.top), (1000.0, 1500.0, 750.0));
    }

    #[test]
    fn resizes_and_crops() {
        // Left half red, right half blue; crop the right half.
        let (w, h) = (40u32, 20u32);
        let mut src = vec![0u8; (w * h * 4) as usize];
        for (i, px) in src.chunks_mut(4).enumerate() {
            let x = i as u32 % w;
            px.copy_from_slice(if x < w / 2 {
                &[255, 0, 0, 255]
            } else {
                &[0, 0, 255, 255]
            });
        }
        let out = resize_rgba(
            &src,
            w,
            h,
            Some(Crop {
                left: 20.0,
                top: 0.0,
                width: 20.0,
                height: 20.0,
            }),
            10,
            10,
            false,
        );
        assert_eq!(out.len(), 10 * 10 * 4);
        assert!(out.chunks(4).all(|p| p[2] > 200 && p[0] < 30), "all blue");
        let whole = resize_rgba(&src, w, h, None, 4, 2, false);
        assert!(
            whole[0] > 200 && whole[(3 * 4) + 2] > 200,
            "red left, blue right"
        );
    }
}
