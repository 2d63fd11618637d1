//! Lanczos3 without SIMD, for WebAssembly builds made for browsers that lack it.
//!
//! `fast_image_resize` compiles its wasm32 SIMD functions whenever it is built for
//! wasm32 and calls them unconditionally, and a browser without WebAssembly SIMD
//! refuses a whole module that contains a single SIMD instruction. So the no-SIMD
//! build of the widget resizes here and never links that crate. The same separable
//! filter, in plain loops: slower (it matters little for one photo), and the same
//! pictures up to rounding (~60 dB apart, tested against `fast_image_resize`).

use crate::Crop;

/// Lanczos with three lobes: `sinc(x) · sinc(x / 3)` inside ±3.
fn lanczos3(x: f64) -> f64 {
    fn sinc(x: f64) -> f64 {
        if x == 0.0 {
            1.0
        } else {
            sin_pi(x) / (x * std::f64::consts::PI)
        }
    }
    if x.abs() < 3.0 {
        sinc(x) * sinc(x / 3.0)
    } else {
        0.0
    }
}

/// `sin(π·x)`, to within 1e-13 for the arguments a filter takes (|x| < 3).
///
/// Written out because `f64::sin` links the general argument reduction of `libm`
/// (its 4 KB `rem_pio2_large` table walk and friends) into the widget, and a kernel
/// that is never asked about more than three lobes has no use for it: whole
/// half-turns come off exactly (`sin(π(n + r)) = ±sin(πr)`), and what is left,
/// `|πr| ≤ π/2`, takes the Taylor series to its 17th power.
pub(crate) fn sin_pi(x: f64) -> f64 {
    let n = (x + 0.5).floor();
    let y = (x - n) * std::f64::consts::PI;
    let y2 = y * y;
    // 1/3!, 1/5!, …, 1/17!, alternating.
    const C: [f64; 8] = [
        -1.0 / 6.0,
        1.0 / 120.0,
        -1.0 / 5_040.0,
        1.0 / 362_880.0,
        -1.0 / 39_916_800.0,
        1.0 / 6_227_020_800.0,
        -1.0 / 1_307_674_368_000.0,
        1.0 / 355_687_428_096_000.0,
    ];
    let series = C.iter().rev().fold(0.0, |acc, c| acc * y2 + c);
    let s = y + y * y2 * series;
    if (n as i64) & 1 == 0 {
        s
    } else {
        -s
    }
}

/// For each output pixel along one axis: the first source pixel it reads and the
/// normalised weights of the pixels from there.
pub(crate) struct Taps {
    pub(crate) first: Vec<usize>,
    pub(crate) weights: Vec<Vec<f32>>,
}

impl Taps {
    /// Output pixel `i` covers `start + (i, i+1) · step` of the source; when shrinking
    /// the filter widens by the same factor, so it also smooths what it drops.
    pub(crate) fn new(source_len: u32, start: f64, length: f64, out_len: u32) -> Taps {
        let step = length / out_len as f64;
        let stretch = step.max(1.0);
        let support = 3.0 * stretch;
        let mut first = Vec::with_capacity(out_len as usize);
        let mut weights = Vec::with_capacity(out_len as usize);
        for i in 0..out_len {
            let centre = start + (i as f64 + 0.5) * step;
            let from = ((centre - support).floor().max(0.0)) as usize;
            let to = ((centre + support).ceil() as usize).min(source_len as usize);
            let mut w: Vec<f64> = (from..to)
                .map(|s| lanczos3((s as f64 + 0.5 - centre) / stretch))
                .collect();
            let sum: f64 = w.iter().sum();
            if sum != 0.0 {
                w.iter_mut().for_each(|v| *v /= sum);
            }
            first.push(from);
            weights.push(w.into_iter().map(|v| v as f32).collect());
        }
        Taps { first, weights }
    }
}

/// Same contract as [`crate::resize_rgba`].
pub fn resize_rgba(
    src: &[u8],
    src_w: u32,
    src_h: u32,
    crop: Option<Crop>,
    dst_w: u32,
    dst_h: u32,
    alpha: bool,
) -> Vec<u8> {
    assert_eq!(
        src.len(),
        src_w as usize * src_h as usize * 4,
        "the buffer holds src_w × src_h RGBA pixels"
    );
    assert!(
        src_w > 0 && src_h > 0 && dst_w > 0 && dst_h > 0,
        "no size is zero"
    );
    let c = crop.unwrap_or(Crop {
        left: 0.0,
        top: 0.0,
        width: src_w as f64,
        height: src_h as f64,
    });
    let across = Taps::new(src_w, c.left, c.width, dst_w);
    let down = Taps::new(src_h, c.top, c.height, dst_h);
    // Only the source rows some output row reads are filtered across.
    let row_from = down.first.iter().copied().min().unwrap_or(0);
    let row_to = down
        .first
        .iter()
        .zip(&down.weights)
        .map(|(f, w)| f + w.len())
        .max()
        .unwrap_or(0);
    let pixel = |x: usize, y: usize| -> [f32; 4] {
        let p = &src[(y * src_w as usize + x) * 4..][..4];
        let a = p[3] as f32 / 255.0;
        if alpha {
            // Premultiplied while filtering, so transparent pixels' colours do not bleed.
            [
                p[0] as f32 * a,
                p[1] as f32 * a,
                p[2] as f32 * a,
                p[3] as f32,
            ]
        } else {
            [p[0] as f32, p[1] as f32, p[2] as f32, p[3] as f32]
        }
    };
    let width = dst_w as usize;
    let mut rows = vec![[0f32; 4]; (row_to - row_from) * width];
    for y in row_from..row_to {
        let out = &mut rows[(y - row_from) * width..][..width];
        for (x, px) in out.iter_mut().enumerate() {
            let from = across.first[x];
            for (k, w) in across.weights[x].iter().enumerate() {
                let s = pixel(from + k, y);
                for ch in 0..4 {
                    px[ch] += s[ch] * w;
                }
            }
        }
    }
    let mut out = vec![0u8; width * dst_h as usize * 4];
    for (y, line) in out.chunks_mut(width * 4).enumerate() {
        let from = down.first[y] - row_from;
        for (x, px) in line.chunks_mut(4).enumerate() {
            let mut acc = [0f32; 4];
            for (k, w) in down.weights[y].iter().enumerate() {
                let s = rows[(from + k) * width + x];
                for ch in 0..4 {
                    acc[ch] += s[ch] * w;
                }
            }
            let a = acc[3].clamp(0.0, 255.0);
            for ch in 0..3 {
                let v = if alpha && a > 0.0 {
                    acc[ch] * 255.0 / a
                } else {
                    acc[ch]
                };
                px[ch] = v.round().clamp(0.0, 255.0) as u8;
            }
            px[3] = a.round() as u8;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::psnr;

    #[test]
    fn sin_pi_is_the_sine_over_the_filter_range() {
        let mut worst = 0f64;
        for i in -60_000..=60_000 {
            let x = i as f64 / 10_000.0 + 0.000_037;
            worst = worst.max((sin_pi(x) - (x * std::f64::consts::PI).sin()).abs());
        }
        assert!(worst < 1e-13, "{worst}");
        assert_eq!(sin_pi(0.0), 0.0);
        assert!(sin_pi(2.0) == 0.0 && (sin_pi(0.5) - 1.0).abs() < 1e-13);
    }

    /// A photo-like test card: gradients, a sharp edge and fine stripes.
    fn card(w: u32, h: u32) -> Vec<u8> {
        let mut px = Vec::with_capacity((w * h * 4) as usize);
        for y in 0..h {
            for x in 0..w {
                let stripes = if (x / 2) % 2 == 0 { 40 } else { 0 };
                let edge = if x > w / 3 { 120 } else { 0 };
                px.extend_from_slice(&[
                    (x * 255 / w) as u8,
                    (y * 255 / h) as u8 / 2 + edge,
                    (stripes + (x + y) % 50) as u8,
                    255,
                ]);
            }
        }
        px
    }

    #[test]
    fn matches_fast_image_resize() {
        let (w, h) = (1333, 2000);
        let src = card(w, h);
        let crop = Some(Crop {
            left: 10.5,
            top: 3.0,
            width: 1300.0,
            height: 1950.0,
        });
        for (crop, dw, dh) in [(None, 864, 1296), (crop, 400, 600), (None, 1500, 2200)] {
            let ours = resize_rgba(&src, w, h, crop, dw, dh, false);
            let theirs = crate::resize_rgba(&src, w, h, crop, dw, dh, false);
            assert_eq!(ours.len(), theirs.len());
            let db = psnr(&ours, &theirs);
            // Measured ~60 dB: the two differ by rounding only.
            assert!(db > 55.0, "{dw}×{dh}: {db:.1} dB from fast_image_resize");
        }
    }

    #[test]
    fn keeps_flat_colours_and_transparency_clean() {
        // Opaque red next to transparent green: with alpha, no green bleeds into red.
        let (w, h) = (40, 10);
        let mut src = Vec::new();
        for _ in 0..h {
            for x in 0..w {
                src.extend_from_slice(if x < w / 2 {
                    &[255, 0, 0, 255]
                } else {
                    &[0, 255, 0, 0]
                });
            }
        }
        let out = resize_rgba(&src, w, h, None, 10, 5, true);
        for px in out.chunks(4).filter(|p| p[3] > 0) {
            assert!(px[1] < 10, "green bled into {px:?}");
        }
        // A flat colour stays exactly that colour.
        let flat = vec![77u8; 64 * 64 * 4];
        assert!(resize_rgba(&flat, 64, 64, None, 20, 30, false)
            .iter()
            .all(|&v| v == 77));
    }
}
