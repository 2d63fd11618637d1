//! RGBA pictures resized with Lanczos3 a band of rows at a time, so the full-size
//! picture is never held whole: the widget's canvas path reads a photo back from the
//! browser one strip at a time (a few MB each) and filters each strip as it comes.
//!
//! Why not `fast_image_resize` on the whole picture: reading a 12 MP crop back at once
//! puts 43 MB of RGBA into wasm memory for good (wasm memory never shrinks), and its
//! 8-bit intermediate rows cost 0.04 dB. Here the first pass (down the columns) works
//! in 14-bit fixed point straight from the strip's bytes, as [`crate::planar`] does for
//! JPEG planes, and the second (across the row) in `f32`, all four channels of a
//! pixel at once: on a phone photo in WebKit it gives what the planes path gives in
//! Chromium (BENCHMARKS.md).

use std::ops::Range;

use crate::planar::{weighted_rows, Axis};

/// A resize from `src_w`×`src_h` to `dst_w`×`dst_h`, planned once and run band by band.
pub struct Bands {
    across: Axis,
    down: Axis,
    down_fixed: Vec<Vec<i16>>,
    src_w: u32,
    src_h: u32,
}

impl Bands {
    /// Plans the resize of a whole `src_w`×`src_h` picture to `dst_w`×`dst_h`.
    ///
    /// Panics if a size is zero.
    pub fn new(src_w: u32, src_h: u32, dst_w: u32, dst_h: u32) -> Bands {
        assert!(
            src_w > 0 && src_h > 0 && dst_w > 0 && dst_h > 0,
            "no size is zero"
        );
        let down = Axis::new(0, src_h, dst_h);
        Bands {
            across: Axis::new(0, src_w, dst_w),
            down_fixed: down.fixed(),
            down,
            src_w,
            src_h,
        }
    }

    /// The output's width and height.
    pub fn output_size(&self) -> (u32, u32) {
        (self.across.first.len() as u32, self.down.first.len() as u32)
    }

    /// The source rows that output rows `out` read.
    ///
    /// Panics if `out` is empty or goes past the output.
    pub fn rows_read(&self, out: Range<u32>) -> Range<u32> {
        assert!(
            out.start < out.end && out.end as usize <= self.down.first.len(),
            "output rows inside the output"
        );
        let rows = out.start as usize..out.end as usize;
        let from = self.down.first[rows.clone()].iter().min().copied();
        let to = self.down.first[rows.clone()]
            .iter()
            .zip(&self.down.weights[rows])
            .map(|(first, weights)| first + weights.len())
            .max();
        let (from, to) = (from.unwrap_or(0), to.unwrap_or(0));
        from as u32..(to as u32).min(self.src_h)
    }

    /// Makes output rows `out` (opaque RGBA, `dst_w` pixels each, written to `into`)
    /// from `strip`: the source rows [`Bands::rows_read`] gives for them, whole rows
    /// of RGBA.
    ///
    /// Panics if `strip` is not those rows or `into` not `out`'s rows.
    pub fn filter(&self, out: Range<u32>, strip: &[u8], into: &mut [u8]) {
        let read = self.rows_read(out.clone());
        let row_bytes = self.src_w as usize * 4;
        assert_eq!(
            strip.len(),
            (read.end - read.start) as usize * row_bytes,
            "the strip holds the rows read"
        );
        let (dst_w, _) = self.output_size();
        let out_bytes = dst_w as usize * 4;
        assert_eq!(
            into.len(),
            (out.end - out.start) as usize * out_bytes,
            "room for the output rows"
        );
        let mut line = vec![0f32; row_bytes];
        let mut sources = Vec::new();
        for (r, target) in
            (out.start as usize..out.end as usize).zip(into.chunks_exact_mut(out_bytes))
        {
            let first = self.down.first[r] - read.start as usize;
            sources.clear();
            sources.extend(
                (0..self.down_fixed[r].len())
                    .map(|k| &strip[(first + k) * row_bytes..][..row_bytes]),
            );
            // Down the columns: the bytes of the four channels are just columns here.
            weighted_rows(&sources, &self.down_fixed[r], &mut line);
            across(&line, &self.across, target);
        }
    }
}

/// Across one row of RGBA `f32` samples: each output pixel a weighted sum of source
/// pixels, rounded to opaque RGBA bytes.
#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
fn across(line: &[f32], axis: &Axis, out: &mut [u8]) {
    // Round half up by truncation; the cast saturates below zero and above 255.
    let byte = |v: f32| (v + 0.5) as u8;
    for ((&from, weights), pixel) in axis
        .first
        .iter()
        .zip(&axis.weights)
        .zip(out.chunks_exact_mut(4))
    {
        let mut sum = [0f32; 3];
        for (k, &w) in weights.iter().enumerate() {
            let source = &line[(from + k) * 4..][..3];
            for (s, &v) in sum.iter_mut().zip(source) {
                *s += w * v;
            }
        }
        pixel.copy_from_slice(&[byte(sum[0]), byte(sum[1]), byte(sum[2]), 255]);
    }
}

/// [`across`] with a pixel's four channels in one vector.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
fn across(line: &[f32], axis: &Axis, out: &mut [u8]) {
    use core::arch::wasm32::*;
    assert!(axis
        .first
        .iter()
        .zip(&axis.weights)
        .all(|(f, w)| (f + w.len()) * 4 <= line.len()));
    for ((&from, weights), pixel) in axis
        .first
        .iter()
        .zip(&axis.weights)
        .zip(out.chunks_exact_mut(4))
    {
        let mut sum = f32x4_splat(0.0);
        for (k, &w) in weights.iter().enumerate() {
            // SAFETY: (from + k + 1) · 4 <= line.len() (asserted above).
            let v = unsafe { v128_load(line.as_ptr().add((from + k) * 4) as *const v128) };
            sum = f32x4_add(sum, f32x4_mul(v, f32x4_splat(w)));
        }
        // Round half up by truncation, then saturate to bytes.
        let words = i32x4_trunc_sat_f32x4(f32x4_add(sum, f32x4_splat(0.5)));
        let halves = i16x8_narrow_i32x4(words, words);
        let bytes = u8x16_narrow_i16x8(halves, halves);
        let rgba = i32x4_extract_lane::<0>(bytes) as u32 | 0xff00_0000;
        pixel.copy_from_slice(&rgba.to_le_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::psnr;

    /// A photo-like RGBA card: gradients, a sharp edge, fine stripes, colour.
    fn card(w: u32, h: u32) -> Vec<u8> {
        (0..h)
            .flat_map(|y| {
                (0..w).flat_map(move |x| {
                    let edge = if x > w / 3 { 60 } else { 0 };
                    let stripes = if (x / 2 + y / 3) % 2 == 0 { 30 } else { 0 };
                    [
                        (40 + x * 100 / w + edge) as u8,
                        (50 + y * 90 / h + stripes) as u8,
                        (200 - x * 60 / w - stripes) as u8,
                        255,
                    ]
                })
            })
            .collect()
    }

    /// Runs `bands` in bands of `height` output rows.
    fn run(bands: &Bands, src: &[u8], height: u32) -> Vec<u8> {
        let (dw, dh) = bands.output_size();
        let row = bands.src_w as usize * 4;
        let mut out = vec![0u8; (dw * dh * 4) as usize];
        for r0 in (0..dh).step_by(height as usize) {
            let rows = r0..(r0 + height).min(dh);
            let read = bands.rows_read(rows.clone());
            let strip = &src[read.start as usize * row..read.end as usize * row];
            let into = &mut out[(rows.start * dw * 4) as usize..(rows.end * dw * 4) as usize];
            bands.filter(rows, strip, into);
        }
        out
    }

    #[test]
    fn equals_the_exact_filter_whatever_the_bands() {
        let (w, h, dw, dh) = (617u32, 925u32, 200u32, 300u32);
        let src = card(w, h);
        let exact = crate::scalar::resize_rgba(&src, w, h, None, dw, dh, false);
        let bands = Bands::new(w, h, dw, dh);
        let whole = run(&bands, &src, dh);
        let db = psnr(&whole, &exact);
        assert!(db > 55.0, "{db:.1} dB from the exact filter");
        for height in [1, 7, 64] {
            assert_eq!(run(&bands, &src, height), whole, "bands of {height} rows");
        }
        assert!(whole.chunks(4).all(|p| p[3] == 255), "opaque");
    }

    #[test]
    fn a_flat_colour_stays_exactly_that_colour() {
        let src: Vec<u8> = [12u8, 200, 99, 255].repeat(90 * 60);
        let bands = Bands::new(90, 60, 20, 30);
        assert!(run(&bands, &src, 8)
            .chunks(4)
            .all(|p| p == [12, 200, 99, 255]));
    }

    #[test]
    fn a_band_reads_only_the_rows_near_it() {
        let bands = Bands::new(100, 3000, 100, 1000);
        // Three source rows an output row; Lanczos3 reaches three output rows each way.
        let read = bands.rows_read(500..510);
        assert!(read.start >= 1490 && read.start < 1500, "{read:?}");
        assert!(read.end > 1530 && read.end <= 1540, "{read:?}");
        assert_eq!(bands.rows_read(0..1).start, 0);
        assert_eq!(bands.rows_read(999..1000).end, 3000);
    }

    #[test]
    #[should_panic(expected = "the strip holds the rows read")]
    fn a_short_strip_is_refused() {
        let bands = Bands::new(10, 30, 5, 15);
        bands.filter(0..5, &[0; 40], &mut [0; 100]);
    }
}
