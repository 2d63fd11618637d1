//! Photos as JPEG stores them (YCbCr planes, chroma often at half size, turned by
//! EXIF orientation): cropped, resized with Lanczos3, turned upright and made RGBA in
//! one go.
//!
//! Why: a browser that decodes a JPEG to planes (WebCodecs' `ImageDecoder`) skips its
//! own colour conversion, chroma upsampling and rotation of 12 million pixels, and
//! hands the planes over in a plain copy, where reading RGBA back from a canvas costs more
//! than the whole time budget (BENCHMARKS.md). Filtering the full-size planes here
//! gives the same picture as decoding to RGB first and resizing that (what a desktop
//! tool does), because every step in between is linear:
//! - the decoder's chroma upsampling (libjpeg's "fancy" one: each half-size sample
//!   weighs ¾ on its own two pixels and ¼ on the next ones) is folded into the chroma
//!   filter's weights, so the half-size planes are filtered directly;
//! - turning upright is only a change of indices, done on the small output;
//! - YCbCr → RGB (JFIF, full range) is done on the output pixels, with the offsets
//!   the decoder's fixed-point tables round to for each full-size pixel, interpolated
//!   (see `offsets`: a rounding that is the same all over an even colour survives the
//!   filter, and leaving it out cost 9 dB on a phone photo).
//!
//! What is not modelled: the decoder's clamping of full-size RGB to 0–255 (where
//! saturated colour meets black within a few pixels, its clipped pixels come out
//! darker than ours: 30 dB apart on 3-pixel stripes of pure colour on black, barely
//! resized), and its rounding of the upsampled chroma. On a 12 MP phone photo the
//! result is 63.5 dB from decoding to RGB and resizing that; simulating the decoder
//! exactly at full size would give 68 dB (BENCHMARKS.md).

use crate::scalar::Taps;

/// One plane of 8-bit samples.
#[derive(Debug, Clone, Copy)]
pub struct Plane<'a> {
    /// The samples, rows `stride` apart.
    pub samples: &'a [u8],
    /// Distance between rows, in samples.
    pub stride: usize,
    /// Samples per row.
    pub width: u32,
    /// Rows.
    pub height: u32,
}

/// How far the stored picture turns clockwise to stand upright (the EXIF orientations
/// without a mirror).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Turn {
    /// Stored upright.
    None,
    /// A quarter turn clockwise (EXIF 6, phones held upright).
    Quarter,
    /// Upside down (EXIF 3).
    Half,
    /// Three quarters clockwise (EXIF 8).
    ThreeQuarters,
}

impl Turn {
    /// The turn for a clockwise rotation in degrees (WebCodecs' `VideoFrame.rotation`).
    pub fn from_degrees(degrees: i32) -> Option<Turn> {
        match degrees.rem_euclid(360) {
            0 => Some(Turn::None),
            90 => Some(Turn::Quarter),
            180 => Some(Turn::Half),
            270 => Some(Turn::ThreeQuarters),
            _ => None,
        }
    }

    /// Whether width and height swap.
    fn sideways(self) -> bool {
        matches!(self, Turn::Quarter | Turn::ThreeQuarters)
    }
}

/// A decoded JPEG: full-range BT.601 YCbCr (JFIF), the chroma planes at full size or
/// halved in either direction.
#[derive(Debug, Clone, Copy)]
pub struct YcbcrPhoto<'a> {
    /// Y, at full size.
    pub luma: Plane<'a>,
    /// Cb.
    pub blue: Plane<'a>,
    /// Cr, the same size as Cb.
    pub red: Plane<'a>,
    /// How the stored planes turn upright.
    pub turn: Turn,
}

/// A rectangle in whole pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rect {
    /// Left edge.
    pub x: u32,
    /// Top edge.
    pub y: u32,
    /// Width.
    pub width: u32,
    /// Height.
    pub height: u32,
}

/// Crops `photo` to `crop` (in upright pixels), resizes it to `dst_w`×`dst_h` with
/// Lanczos3 and returns upright RGBA (opaque).
///
/// Panics if a plane is smaller than its size says, the chroma is not the luma's size
/// or half of it, `crop` leaves the photo or a size is zero.
pub fn ycbcr_to_rgba(photo: &YcbcrPhoto, crop: Rect, dst_w: u32, dst_h: u32) -> Vec<u8> {
    let (luma, turn) = (photo.luma, photo.turn);
    for plane in [photo.luma, photo.blue, photo.red] {
        assert!(
            plane.width > 0
                && plane.height > 0
                && plane.stride >= plane.width as usize
                && plane.samples.len()
                    >= (plane.height as usize - 1) * plane.stride + plane.width as usize,
            "a plane holds its rows"
        );
    }
    assert_eq!(
        (photo.blue.width, photo.blue.height),
        (photo.red.width, photo.red.height),
        "Cb and Cr are the same size"
    );
    let (upright_w, upright_h) = if turn.sideways() {
        (luma.height, luma.width)
    } else {
        (luma.width, luma.height)
    };
    assert!(
        crop.width > 0
            && crop.height > 0
            && dst_w > 0
            && dst_h > 0
            && crop.x < upright_w
            && crop.width <= upright_w - crop.x
            && crop.y < upright_h
            && crop.height <= upright_h - crop.y,
        "the crop is inside the photo"
    );
    // The crop and the output in stored pixels: the turn undone.
    let (sw, sh) = (luma.width, luma.height);
    let (x, y, w, h) = (crop.x, crop.y, crop.width, crop.height);
    let (columns, rows) = match turn {
        Turn::None => ((x, w), (y, h)),
        Turn::Quarter => ((y, h), (sh - x - w, w)),
        Turn::Half => ((sw - x - w, w), (sh - y - h, h)),
        Turn::ThreeQuarters => ((sw - y - h, h), (x, w)),
    };
    let (out_w, out_h) = if turn.sideways() {
        (dst_h, dst_w)
    } else {
        (dst_w, dst_h)
    };
    let across = Axis::new(columns.0, columns.1, out_w);
    let down = Axis::new(rows.0, rows.1, out_h);
    let filter = |plane: Plane, across: &Axis, down: &Axis| filter_plane(plane, across, down);
    let y_out = filter(luma, &across, &down);
    let halves = (
        halving(luma.width, photo.blue.width),
        halving(luma.height, photo.blue.height),
    );
    let (c_across, c_down) = (
        across.for_chroma(halves.0, photo.blue.width),
        down.for_chroma(halves.1, photo.blue.height),
    );
    let cb_out = filter(photo.blue, &c_across, &c_down);
    let cr_out = filter(photo.red, &c_across, &c_down);
    // The filtered planes are stored column by column (see `filter_plane`): the sample
    // at stored (px, py) is at px · out_h + py.
    let (ow, oh) = (out_w as usize, out_h as usize);
    let (dw, dh) = (dst_w as usize, dst_h as usize);
    let mut rgba = vec![255u8; dw * dh * 4];
    // Each filtered column (stored px, all py) is one run of the upright picture: a
    // row or a column, forwards or backwards. Where it starts and how it steps:
    let run = |px: usize| -> (isize, isize) {
        let (row, pixel) = (dw as isize * 4, 4);
        match turn {
            Turn::None => (px as isize * 4, row),
            Turn::Quarter => ((px * dw + oh - 1) as isize * 4, -pixel),
            Turn::Half => (((dh - 1) * dw + ow - 1 - px) as isize * 4, -row),
            Turn::ThreeQuarters => ((ow - 1 - px) as isize * dw as isize * 4, pixel),
        }
    };
    let mut line = vec![0u32; oh];
    for px in 0..ow {
        let at = px * oh..(px + 1) * oh;
        to_rgba(
            &y_out[at.clone()],
            &cb_out[at.clone()],
            &cr_out[at],
            &mut line,
        );
        let (start, step) = run(px);
        let start = start as usize;
        // Written as whole pixels: a run forwards or backwards along a row, or down or
        // up a column.
        let put = |dst: &mut [u8], v: &u32| dst.copy_from_slice(&v.to_le_bytes());
        match step {
            4 => rgba[start..start + 4 * oh]
                .chunks_exact_mut(4)
                .zip(&line)
                .for_each(|(dst, v)| put(dst, v)),
            -4 => rgba[start + 4 - 4 * oh..start + 4]
                .chunks_exact_mut(4)
                .zip(line.iter().rev())
                .for_each(|(dst, v)| put(dst, v)),
            _ => {
                let mut at = start as isize;
                for v in &line {
                    put(&mut rgba[at as usize..at as usize + 4], v);
                    at += step;
                }
            }
        }
    }
    rgba
}

// JFIF's YCbCr → RGB, as JPEG decoders do it for each full-size pixel: Y plus an
// offset for each colour from fixed-point tables, rounded to a whole number
// (zune-jpeg's constants, 14 bits; libjpeg-turbo's 16-bit tables give the same
// offsets for all but 2 of the 256 Cb values and 161 of the 65 536 (Cb, Cr) pairs).
// That rounding is not noise that filtering averages away: where the colour is even,
// every pixel's offset is rounded the same way (Cb = 100 makes blue 0.38 darker than
// the exact formula). So the filtered chroma looks the decoder's whole-number
// offsets up at the whole chroma values on either side and interpolates between them
// (across both Cb and Cr for green): 54.6 → 63.5 dB from the reference before JPEG
// (BENCHMARKS.md).

/// 1 in the tables' fixed point.
const FIXED_ONE: f32 = 16384.0;
/// The tables' rounding, just under a half.
const FIXED_HALF: f32 = 8191.0;
/// Cr's weight in red.
const CR_RED: f32 = 22970.0;
/// Cb's weight in blue.
const CB_BLUE: f32 = 29032.0;
/// Cb's weight in green.
const CB_GREEN: f32 = -5638.0;
/// Cr's weight in green.
const CR_GREEN: f32 = -11700.0;

/// The decoder's offset for a whole-number chroma sum (exact in `f32`: every term
/// is a whole number below 2²⁴, and the scale a power of two).
fn table(sum: f32) -> f32 {
    ((FIXED_HALF + sum) * (1.0 / FIXED_ONE)).floor()
}

/// The offsets of red, green and blue for filtered (centred) Cb and Cr.
fn offsets(cb: f32, cr: f32) -> (f32, f32, f32) {
    let (b0, r0) = (cb.floor(), cr.floor());
    let (tb, tr) = (cb - b0, cr - r0);
    let lerp = |a: f32, b: f32, t: f32| a + t * (b - a);
    let green = |b: f32, r: f32| table(CB_GREEN * b + CR_GREEN * r);
    (
        lerp(table(CR_RED * r0), table(CR_RED * (r0 + 1.0)), tr),
        lerp(
            lerp(green(b0, r0), green(b0 + 1.0, r0), tb),
            lerp(green(b0, r0 + 1.0), green(b0 + 1.0, r0 + 1.0), tb),
            tr,
        ),
        lerp(table(CB_BLUE * b0), table(CB_BLUE * (b0 + 1.0)), tb),
    )
}

/// JFIF's YCbCr → RGB of one run of filtered samples, as the decoder's tables have it
/// (see above), as opaque RGBA pixels (red in the lowest byte).
#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
fn to_rgba(luma: &[f32], blue: &[f32], red: &[f32], out: &mut [u32]) {
    // Round half up by truncation (`f32::round` is a library call in wasm); the
    // cast saturates below zero and above 255.
    let byte = |v: f32| (v + 0.5) as u8 as u32;
    for (((o, &l), &cb), &cr) in out.iter_mut().zip(luma).zip(blue).zip(red) {
        let (r, g, b) = offsets(cb - 128.0, cr - 128.0);
        *o = byte(l + r) | byte(l + g) << 8 | byte(l + b) << 16 | 0xff00_0000;
    }
}

/// [`to_rgba`], four pixels at a time.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
fn to_rgba(luma: &[f32], blue: &[f32], red: &[f32], out: &mut [u32]) {
    use core::arch::wasm32::*;
    let n = out.len();
    assert!(luma.len() >= n && blue.len() >= n && red.len() >= n);
    let splat = f32x4_splat;
    let byte = |v: v128| {
        let v = i32x4_trunc_sat_f32x4(f32x4_add(v, splat(0.5)));
        i32x4_min(i32x4_max(v, i32x4_splat(0)), i32x4_splat(255))
    };
    let table = |sum: v128| {
        f32x4_floor(f32x4_mul(
            f32x4_add(splat(FIXED_HALF), sum),
            splat(1.0 / FIXED_ONE),
        ))
    };
    let lerp = |a: v128, b: v128, t: v128| f32x4_add(a, f32x4_mul(t, f32x4_sub(b, a)));
    let times = |k: f32, v: v128| f32x4_mul(splat(k), v);
    let green = |b: v128, r: v128| table(f32x4_add(times(CB_GREEN, b), times(CR_GREEN, r)));
    let one = splat(1.0);
    let mut i = 0;
    while i + 4 <= n {
        // SAFETY: i + 4 <= n, which every slice reaches (asserted above).
        unsafe {
            let load = |s: &[f32]| v128_load(s.as_ptr().add(i) as *const v128);
            let l = load(luma);
            let cb = f32x4_sub(load(blue), splat(128.0));
            let cr = f32x4_sub(load(red), splat(128.0));
            let (b0, r0) = (f32x4_floor(cb), f32x4_floor(cr));
            let (b1, r1) = (f32x4_add(b0, one), f32x4_add(r0, one));
            let (tb, tr) = (f32x4_sub(cb, b0), f32x4_sub(cr, r0));
            let r = lerp(table(times(CR_RED, r0)), table(times(CR_RED, r1)), tr);
            let g = lerp(
                lerp(green(b0, r0), green(b1, r0), tb),
                lerp(green(b0, r1), green(b1, r1), tb),
                tr,
            );
            let b = lerp(table(times(CB_BLUE, b0)), table(times(CB_BLUE, b1)), tb);
            let pixels = v128_or(
                v128_or(byte(f32x4_add(l, r)), i32x4_shl(byte(f32x4_add(l, g)), 8)),
                v128_or(
                    i32x4_shl(byte(f32x4_add(l, b)), 16),
                    i32x4_splat(0xff00_0000u32 as i32),
                ),
            );
            v128_store(out.as_mut_ptr().add(i) as *mut v128, pixels);
        }
        i += 4;
    }
    for (((o, &l), &cb), &cr) in out[i..]
        .iter_mut()
        .zip(&luma[i..])
        .zip(&blue[i..])
        .zip(&red[i..])
    {
        let byte = |v: f32| (v + 0.5) as u8 as u32;
        let (r, g, b) = offsets(cb - 128.0, cr - 128.0);
        *o = byte(l + r) | byte(l + g) << 8 | byte(l + b) << 16 | 0xff00_0000;
    }
}

/// Whether a chroma length is half the luma's (rounded up) or the same.
fn halving(luma: u32, chroma: u32) -> bool {
    if chroma == luma {
        false
    } else {
        assert_eq!(chroma, luma.div_ceil(2), "chroma is full or half size");
        true
    }
}

/// Fixed-point scale of the first pass's weights.
const ONE: i32 = 1 << 14;

/// The filter along one axis: for each output sample, the first source sample it reads
/// and the weights from there.
pub(crate) struct Axis {
    pub(crate) first: Vec<usize>,
    pub(crate) weights: Vec<Vec<f32>>,
}

impl Axis {
    /// Lanczos3 from `len` samples starting at `start` to `out` samples. As when the
    /// crop is cut out first, samples outside it are never read.
    pub(crate) fn new(start: u32, len: u32, out: u32) -> Axis {
        let taps = Taps::new(len, 0.0, len as f64, out);
        Axis {
            first: taps.first.iter().map(|f| f + start as usize).collect(),
            weights: taps.weights,
        }
    }

    /// The same filter for a chroma plane of `len` samples: as is when the chroma is
    /// full size; for half size, the decoder's upsampling folded in (each luma
    /// position reads ¾ of its own chroma sample and ¼ of the nearer neighbour).
    fn for_chroma(&self, halved: bool, len: u32) -> Axis {
        if !halved {
            return Axis {
                first: self.first.clone(),
                weights: self.weights.clone(),
            };
        }
        let last = len as isize - 1;
        let mut first = Vec::with_capacity(self.first.len());
        let mut weights = Vec::with_capacity(self.first.len());
        for (&from, w) in self.first.iter().zip(&self.weights) {
            let lo = ((from / 2) as isize - 1).clamp(0, last) as usize;
            let hi = (((from + w.len() - 1) / 2) as isize + 1).clamp(0, last) as usize;
            let mut folded = vec![0f32; hi - lo + 1];
            for (k, &wk) in w.iter().enumerate() {
                let p = from + k;
                let own = p / 2;
                let neighbour = if p % 2 == 0 {
                    own as isize - 1
                } else {
                    own as isize + 1
                }
                .clamp(0, last) as usize;
                folded[own - lo] += 0.75 * wk;
                folded[neighbour - lo] += 0.25 * wk;
            }
            first.push(lo);
            weights.push(folded);
        }
        Axis { first, weights }
    }

    /// The source samples any output reads.
    fn span(&self) -> std::ops::Range<usize> {
        let from = self.first.iter().copied().min().unwrap_or(0);
        let to = self
            .first
            .iter()
            .zip(&self.weights)
            .map(|(f, w)| f + w.len())
            .max()
            .unwrap_or(from);
        from..to
    }

    /// The weights in fixed point, summing to exactly [`ONE`] (so flat areas stay
    /// exactly flat).
    pub(crate) fn fixed(&self) -> Vec<Vec<i16>> {
        self.weights
            .iter()
            .map(|w| {
                let mut q: Vec<i16> = w.iter().map(|v| (v * ONE as f32).round() as i16).collect();
                let error = ONE - q.iter().map(|&v| v as i32).sum::<i32>();
                if let Some(biggest) = q.iter_mut().max_by_key(|v| v.abs()) {
                    *biggest += error as i16;
                }
                q
            })
            .collect()
    }
}

/// Filters one plane down the columns (`down`), then across the rows (`across`).
/// Returns out_w × out_h samples column by column: the first pass writes its rows as
/// columns, so the second pass reads whole rows too (the output is read in any order
/// later anyway).
fn filter_plane(plane: Plane, across: &Axis, down: &Axis) -> Vec<f32> {
    let columns = across.span();
    let n = columns.len();
    let out_h = down.first.len();
    // First pass: each output row is a weighted sum of source rows.
    let mut turned = vec![0f32; n * out_h];
    // Rows are made a few at a time and written out as short runs of each column:
    // one at a time, each write would land on its own cache line.
    const BLOCK: usize = 8;
    let fixed = down.fixed();
    let mut block = vec![0f32; BLOCK * n];
    let mut sources = Vec::new();
    for r0 in (0..out_h).step_by(BLOCK) {
        let rows = BLOCK.min(out_h - r0);
        for (b, out) in block.chunks_exact_mut(n).take(rows).enumerate() {
            let r = r0 + b;
            sources.clear();
            sources.extend((0..fixed[r].len()).map(|k| {
                &plane.samples[(down.first[r] + k) * plane.stride + columns.start..][..n]
            }));
            weighted_rows(&sources, &fixed[r], out);
        }
        write_turned(&block[..rows * n], n, &mut turned, out_h, r0);
    }
    // Second pass, on the turned rows: each output column is a weighted sum of
    // first-pass columns.
    let mut out = vec![0f32; across.first.len() * out_h];
    let mut sources = Vec::new();
    for ((&from, weights), line) in across
        .first
        .iter()
        .zip(&across.weights)
        .zip(out.chunks_exact_mut(out_h))
    {
        sources.clear();
        sources.extend(
            (0..weights.len()).map(|k| &turned[(from - columns.start + k) * out_h..][..out_h]),
        );
        weighted_lines(&sources, weights, line);
    }
    out
}

/// `out[x] = Σ weights[k] · rows[k][x]`, the weights in fixed point ([`ONE`]).
#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
pub(crate) fn weighted_rows(rows: &[&[u8]], weights: &[i16], out: &mut [f32]) {
    weighted_rows_from(rows, weights, out, 0);
}

/// [`weighted_rows`] for `out`, which starts at column `from` of the rows.
fn weighted_rows_from(rows: &[&[u8]], weights: &[i16], out: &mut [f32], from: usize) {
    let mut sums = vec![0i32; out.len()];
    for (row, &w) in rows.iter().zip(weights) {
        for (sum, &s) in sums.iter_mut().zip(&row[from..]) {
            *sum += s as i32 * w as i32;
        }
    }
    for (o, sum) in out.iter_mut().zip(sums) {
        *o = sum as f32 * (1.0 / ONE as f32);
    }
}

/// `out[x] = Σ weights[k] · rows[k][x]`: sixteen columns at a time, two rows per
/// multiply (`i32x4.dot_i16x8_s` multiplies and adds pairs of 16-bit samples), the
/// sums in registers until the last row.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
pub(crate) fn weighted_rows(rows: &[&[u8]], weights: &[i16], out: &mut [f32]) {
    use core::arch::wasm32::*;
    let n = out.len();
    assert!(rows.iter().all(|r| r.len() >= n) && weights.len() == rows.len());
    let scale = f32x4_splat(1.0 / ONE as f32);
    let pair = |k: usize| {
        let (a, wa) = (rows[k], weights[k]);
        let (b, wb) = if k + 1 < rows.len() {
            (rows[k + 1], weights[k + 1])
        } else {
            (a, 0)
        };
        // Lanes alternate a's weight, b's weight: the order of the interleaved samples.
        (a, b, i32x4_splat(((wb as i32) << 16) | (wa as u16 as i32)))
    };
    let pairs: Vec<_> = (0..rows.len()).step_by(2).map(pair).collect();
    let mut x = 0;
    while x + 16 <= n {
        let mut sums = [i32x4_splat(0); 4];
        for &(a, b, w) in &pairs {
            // SAFETY: x + 16 <= n <= the length of every row (asserted above).
            let (va, vb) = unsafe {
                (
                    v128_load(a.as_ptr().add(x) as *const v128),
                    v128_load(b.as_ptr().add(x) as *const v128),
                )
            };
            let low =
                i8x16_shuffle::<0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23>(va, vb);
            let high = i8x16_shuffle::<8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31>(
                va, vb,
            );
            sums[0] = i32x4_add(sums[0], i32x4_dot_i16x8(u16x8_extend_low_u8x16(low), w));
            sums[1] = i32x4_add(sums[1], i32x4_dot_i16x8(u16x8_extend_high_u8x16(low), w));
            sums[2] = i32x4_add(sums[2], i32x4_dot_i16x8(u16x8_extend_low_u8x16(high), w));
            sums[3] = i32x4_add(sums[3], i32x4_dot_i16x8(u16x8_extend_high_u8x16(high), w));
        }
        for (i, sum) in sums.into_iter().enumerate() {
            let v = f32x4_mul(f32x4_convert_i32x4(sum), scale);
            // SAFETY: x + 4i + 4 <= x + 16 <= n = out.len().
            unsafe { v128_store(out.as_mut_ptr().add(x + 4 * i) as *mut v128, v) };
        }
        x += 16;
    }
    weighted_rows_from(rows, weights, &mut out[x..], x);
}

/// Writes `rows` (row by row, `n` wide) into `turned` (column by column, `height`
/// tall) from row `r0` on.
fn write_turned(rows: &[f32], n: usize, turned: &mut [f32], height: usize, r0: usize) {
    let count = rows.len() / n;
    assert!(turned.len() >= n * height && r0 + count <= height);
    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    let done = 0;
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    let done = {
        // Four rows by four columns at a time, turned in registers.
        use core::arch::wasm32::*;
        let mut done = 0;
        while done + 4 <= count {
            let mut x = 0;
            while x + 4 <= n {
                // SAFETY: rows (done..done+4) and columns (x..x+4) are inside `rows`
                // (done + 4 <= count, x + 4 <= n); the writes go to columns x..x+4 of
                // `turned`, rows r0+done..r0+done+4 <= height (asserted above).
                unsafe {
                    let load =
                        |b: usize| v128_load(rows.as_ptr().add((done + b) * n + x) as *const v128);
                    let (a, b, c, d) = (load(0), load(1), load(2), load(3));
                    let ab_low = i32x4_shuffle::<0, 4, 1, 5>(a, b);
                    let ab_high = i32x4_shuffle::<2, 6, 3, 7>(a, b);
                    let cd_low = i32x4_shuffle::<0, 4, 1, 5>(c, d);
                    let cd_high = i32x4_shuffle::<2, 6, 3, 7>(c, d);
                    let columns = [
                        i64x2_shuffle::<0, 2>(ab_low, cd_low),
                        i64x2_shuffle::<1, 3>(ab_low, cd_low),
                        i64x2_shuffle::<0, 2>(ab_high, cd_high),
                        i64x2_shuffle::<1, 3>(ab_high, cd_high),
                    ];
                    for (i, column) in columns.into_iter().enumerate() {
                        let to = turned.as_mut_ptr().add((x + i) * height + r0 + done);
                        v128_store(to as *mut v128, column);
                    }
                }
                x += 4;
            }
            for x in x..n {
                for b in done..done + 4 {
                    turned[x * height + r0 + b] = rows[b * n + x];
                }
            }
            done += 4;
        }
        done
    };
    for (x, column) in turned.chunks_exact_mut(height).enumerate() {
        for (b, o) in column[r0 + done..r0 + count].iter_mut().enumerate() {
            *o = rows[(done + b) * n + x];
        }
    }
}

/// `out[y] = Σ weights[k] · lines[k][y]`.
#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
fn weighted_lines(lines: &[&[f32]], weights: &[f32], out: &mut [f32]) {
    for (line, &w) in lines.iter().zip(weights) {
        for (o, &s) in out.iter_mut().zip(*line) {
            *o += w * s;
        }
    }
}

/// `out[y] = Σ weights[k] · lines[k][y]`: sixteen at a time, the sums in registers
/// until the last line.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
fn weighted_lines(lines: &[&[f32]], weights: &[f32], out: &mut [f32]) {
    use core::arch::wasm32::*;
    let n = out.len();
    assert!(lines.iter().all(|l| l.len() >= n) && weights.len() == lines.len());
    let mut y = 0;
    while y + 16 <= n {
        let mut sums = [f32x4_splat(0.0); 4];
        for (line, &w) in lines.iter().zip(weights) {
            let w = f32x4_splat(w);
            for (i, sum) in sums.iter_mut().enumerate() {
                // SAFETY: y + 4i + 4 <= y + 16 <= n <= line.len() (asserted above).
                let v = unsafe { v128_load(line.as_ptr().add(y + 4 * i) as *const v128) };
                *sum = f32x4_add(*sum, f32x4_mul(v, w));
            }
        }
        for (i, sum) in sums.into_iter().enumerate() {
            // SAFETY: y + 4i + 4 <= n = out.len().
            unsafe { v128_store(out.as_mut_ptr().add(y + 4 * i) as *mut v128, sum) };
        }
        y += 16;
    }
    for (line, &w) in lines.iter().zip(weights) {
        for (o, &s) in out[y..].iter_mut().zip(&line[y..]) {
            *o += w * s;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{psnr, Crop};

    /// Planes of a photo-like card: gradients, a sharp edge, fine stripes in luma and
    /// colour stripes a few chroma samples wide (which the upsampling visibly blurs).
    /// No colour leaves RGB's range: the decoder's clamping is the one step not
    /// modelled (see the module's notes).
    fn card(w: u32, h: u32, chroma: (u32, u32)) -> [Vec<u8>; 3] {
        let luma = (0..h)
            .flat_map(|y| {
                (0..w).map(move |x| {
                    let edge = if x > w / 3 { 50 } else { 0 };
                    let stripes = if (x / 2 + y / 3) % 2 == 0 { 25 } else { 0 };
                    (60 + x * 40 / w + y * 20 / h + edge + stripes) as u8
                })
            })
            .collect();
        let colour = |phase: u32| -> Vec<u8> {
            (0..chroma.1)
                .flat_map(|y| {
                    (0..chroma.0).map(move |x| {
                        if ((x + phase) / 3 + y / 5).is_multiple_of(2) {
                            100
                        } else {
                            156
                        }
                    })
                })
                .collect()
        };
        [luma, colour(0), colour(1)]
    }

    /// Decoding the usual way: the chroma upsampled by libjpeg's "fancy" filter (in
    /// plain terms, per pixel) and rounded, YCbCr → RGB in a decoder's fixed point,
    /// turned upright.
    fn decode_to_rgba(
        planes: &[Vec<u8>; 3],
        w: u32,
        h: u32,
        chroma: (u32, u32),
        turn: Turn,
    ) -> (Vec<u8>, u32, u32) {
        let up = |plane: &[u8], x: u32, y: u32| -> f32 {
            let near = |p: u32, full: u32, len: u32| -> Vec<(u32, f32)> {
                if full == len {
                    return vec![(p, 1.0)];
                }
                let own = p / 2;
                let other = if p.is_multiple_of(2) {
                    own.saturating_sub(1)
                } else {
                    (own + 1).min(len - 1)
                };
                vec![(own, 0.75), (other, 0.25)]
            };
            let mut v = 0.0;
            for (cx, wx) in near(x, w, chroma.0) {
                for (cy, wy) in near(y, h, chroma.1) {
                    v += wx * wy * plane[(cy * chroma.0 + cx) as usize] as f32;
                }
            }
            v
        };
        let (uw, uh) = if turn.sideways() { (h, w) } else { (w, h) };
        let mut rgba = vec![255u8; (uw * uh * 4) as usize];
        for y in 0..h {
            for x in 0..w {
                let l = planes[0][(y * w + x) as usize] as i32;
                // The upsampled chroma rounded, as decoders store it.
                let (cb, cr) = (
                    up(&planes[1], x, y).round() as i32 - 128,
                    up(&planes[2], x, y).round() as i32 - 128,
                );
                let (ux, uy) = match turn {
                    Turn::None => (x, y),
                    Turn::Quarter => (h - 1 - y, x),
                    Turn::Half => (w - 1 - x, h - 1 - y),
                    Turn::ThreeQuarters => (y, w - 1 - x),
                };
                let at = ((uy * uw + ux) * 4) as usize;
                // zune-jpeg's integer conversion, written out independently of the
                // code under test.
                let byte = |sum: i32| ((l * 16384 + 8191 + sum) >> 14).clamp(0, 255) as u8;
                rgba[at] = byte(22970 * cr);
                rgba[at + 1] = byte(-5638 * cb - 11700 * cr);
                rgba[at + 2] = byte(29032 * cb);
            }
        }
        (rgba, uw, uh)
    }

    fn planes_of(
        planes: &[Vec<u8>; 3],
        w: u32,
        h: u32,
        chroma: (u32, u32),
        turn: Turn,
    ) -> YcbcrPhoto<'_> {
        fn plane(samples: &[u8], width: u32, height: u32) -> Plane<'_> {
            Plane {
                samples,
                stride: width as usize,
                width,
                height,
            }
        }
        YcbcrPhoto {
            luma: plane(&planes[0], w, h),
            blue: plane(&planes[1], chroma.0, chroma.1),
            red: plane(&planes[2], chroma.0, chroma.1),
            turn,
        }
    }

    /// A whole upright photo resized to `out`: ours, and decoded to RGB then resized.
    fn whole_photo(
        planes: &[Vec<u8>; 3],
        w: u32,
        h: u32,
        chroma: (u32, u32),
        out: (u32, u32),
    ) -> (Vec<u8>, Vec<u8>) {
        let (rgba, ..) = decode_to_rgba(planes, w, h, chroma, Turn::None);
        let expected = crate::scalar::resize_rgba(&rgba, w, h, None, out.0, out.1, false);
        let crop = Rect {
            x: 0,
            y: 0,
            width: w,
            height: h,
        };
        let photo = planes_of(planes, w, h, chroma, Turn::None);
        (ycbcr_to_rgba(&photo, crop, out.0, out.1), expected)
    }

    #[test]
    fn equals_decoding_to_rgb_then_resizing_for_every_turn_and_chroma_size() {
        let (w, h) = (301u32, 200u32);
        for chroma in [(151, 100), (151, 200), (301, 200)] {
            let planes = card(w, h, chroma);
            for turn in [Turn::None, Turn::Quarter, Turn::Half, Turn::ThreeQuarters] {
                let (rgba, uw, uh) = decode_to_rgba(&planes, w, h, chroma, turn);
                // An off-centre crop, so a crop turned the wrong way shows.
                let crop = Rect {
                    x: 7,
                    y: 12,
                    width: uw / 2,
                    height: uh * 2 / 3,
                };
                let (dw, dh) = (crop.width * 2 / 3, crop.height * 2 / 3);
                let expected = crate::scalar::resize_rgba(
                    &rgba,
                    uw,
                    uh,
                    Some(Crop {
                        left: crop.x as f64,
                        top: crop.y as f64,
                        width: crop.width as f64,
                        height: crop.height as f64,
                    }),
                    dw,
                    dh,
                    false,
                );
                let ours = ycbcr_to_rgba(&planes_of(&planes, w, h, chroma, turn), crop, dw, dh);
                let db = psnr(&ours, &expected);
                assert!(db > 48.0, "{chroma:?} {turn:?}: {db:.1} dB");
                assert!(ours.chunks(4).all(|p| p[3] == 255), "opaque");
            }
        }
    }

    #[test]
    fn the_chroma_upsampling_is_folded_in() {
        // Without the fold (plain Lanczos3 on the half-size chroma) the colour stripes
        // come out sharper than a decoder's: the fold must do measurably better.
        let (w, h, chroma) = (300u32, 200u32, (150u32, 100u32));
        let planes = card(w, h, chroma);
        let (ours, expected) = whole_photo(&planes, w, h, chroma, (200, 133));
        let plain = {
            let full = planes_of(&planes, w, h, chroma, Turn::None);
            let across = Axis::new(0, w, 200);
            let down = Axis::new(0, h, 133);
            let y = filter_plane(full.luma, &across, &down);
            let flat = |p: Plane| {
                filter_plane(
                    p,
                    &Axis::new(0, chroma.0, 200),
                    &Axis::new(0, chroma.1, 133),
                )
            };
            let (cb, cr) = (flat(full.blue), flat(full.red));
            let mut line = vec![0u32; 133];
            let mut out = vec![0u8; 200 * 133 * 4];
            for px in 0..200 {
                let at = px * 133..(px + 1) * 133;
                to_rgba(&y[at.clone()], &cb[at.clone()], &cr[at], &mut line);
                for (py, v) in line.iter().enumerate() {
                    out[(py * 200 + px) * 4..][..4].copy_from_slice(&v.to_le_bytes());
                }
            }
            out
        };
        let (folded, unfolded) = (psnr(&ours, &expected), psnr(&plain, &expected));
        assert!(
            folded > unfolded + 3.0,
            "folded {folded:.1} dB, plain {unfolded:.1} dB"
        );
    }

    /// The planes of a 64×48 grey photo (4:2:0) of luma `luma`.
    fn grey(luma: u8) -> [Vec<u8>; 3] {
        [
            vec![luma; 64 * 48],
            vec![128u8; 32 * 24],
            vec![128u8; 32 * 24],
        ]
    }

    #[test]
    fn an_even_colour_over_shading_is_rounded_as_the_decoder_rounds_it() {
        // The decoder rounds each pixel's colour offset to a whole number (Cb = 100
        // makes blue 0.38 darker than the exact formula) and filtering cannot average
        // a rounding that is the same everywhere: the exact formula misses it on about
        // a third of the blue samples.
        let (w, h, chroma) = (240u32, 160u32, (120u32, 80u32));
        let luma = (0..h)
            .flat_map(|y| (0..w).map(move |x| (40 + x * 150 / w + y * 30 / h) as u8))
            .collect();
        let planes = [luma, vec![100; 9600], vec![150; 9600]];
        let (ours, expected) = whole_photo(&planes, w, h, chroma, (96, 64));
        let db = psnr(&ours, &expected);
        assert!(db > 60.0, "{db:.1} dB");
    }

    #[test]
    fn a_flat_colour_stays_exactly_that_colour() {
        let planes = grey(100);
        let photo = planes_of(&planes, 64, 48, (32, 24), Turn::Quarter);
        let out = ycbcr_to_rgba(
            &photo,
            Rect {
                x: 0,
                y: 0,
                width: 48,
                height: 64,
            },
            20,
            30,
        );
        assert!(out.chunks(4).all(|p| p == [100, 100, 100, 255]));
    }

    #[test]
    #[should_panic(expected = "the crop is inside the photo")]
    fn a_crop_outside_the_photo_is_refused() {
        let planes = grey(0);
        // Turned a quarter, the photo is 48 wide: x 10 + 40 leaves it.
        let photo = planes_of(&planes, 64, 48, (32, 24), Turn::Quarter);
        ycbcr_to_rgba(
            &photo,
            Rect {
                x: 10,
                y: 0,
                width: 40,
                height: 60,
            },
            20,
            30,
        );
    }
}
