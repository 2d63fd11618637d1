//! The browser side of photo preparation.
//!
//! Two ways from the shopper's file to the 864×1296 pixels:
//! - JPEGs, where the browser has WebCodecs' `ImageDecoder`: decoded to YCbCr planes,
//!   which wasm crops, filters (Lanczos3 over the full-size photo) and turns upright
//!   in one go ([`super::planes`]);
//! - everything else: the browser decodes (applying EXIF orientation) and wasm reads
//!   the crop back a strip of rows at a time, filtering each (Lanczos3,
//!   `tryon_resize::bands`, SIMD, speed-optimised); crops above 5× the target are
//!   pre-shrunk by the browser to 1.25× of it first.
//!
//! The browser's encoder writes the JPEG. Between decoding and the upload, one
//! full-size decoded copy is held (in [`DecodedPhoto`]: 18 MB of planes for a 12 MP
//! JPEG, 48 MB of RGBA otherwise); making the upload copies the planes into wasm for
//! the moment it takes. Canvases are emptied as soon as they are read.

use js_sys::{Promise, Uint8Array};
use wasm_bindgen::{Clamped, JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, CanvasRenderingContext2d, HtmlCanvasElement, ImageBitmap, ImageData};

use super::planes::PlanarPhoto;
use super::{sniff, CropFrame, PhotoFormat};
use tryon_resize::planar::Rect;

/// JPEG quality of the upload.
const JPEG_QUALITY: f64 = 0.9;

/// Why a photo cannot be used.
#[derive(Debug, Clone, PartialEq)]
pub enum PhotoError {
    /// A known format this browser cannot decode (HEIC outside Safari).
    Unsupported(PhotoFormat),
    /// Not an image, or a damaged one.
    NotAPhoto,
    /// The browser failed along the way (out of memory, canvas refused).
    Browser(String),
}

/// The pixels of a decoded photo, decoded once by the browser.
pub enum Pixels {
    /// RGBA, upright (the browser applied the EXIF orientation).
    Bitmap(ImageBitmap),
    /// A JPEG's own YCbCr planes, as stored, with how they turn upright.
    Planes(PlanarPhoto),
}

/// A decoded photo, upright, waiting to be framed.
pub struct DecodedPhoto {
    /// The pixels.
    pub pixels: Pixels,
    /// Upright width.
    pub width: u32,
    /// Upright height.
    pub height: u32,
    /// What the bytes said it was.
    pub format: PhotoFormat,
}

impl Drop for DecodedPhoto {
    fn drop(&mut self) {
        // Frees the decoded pixels now, not when the garbage collector gets to it
        // (a `PlanarPhoto` closes its own frame).
        if let Pixels::Bitmap(bitmap) = &self.pixels {
            bitmap.close();
        }
    }
}

/// An object URL of a blob (for `<img src>`), revoked when dropped, so the blob is
/// freed as soon as nothing shows it.
#[derive(Debug, PartialEq)]
pub struct ObjectUrl(String);

impl ObjectUrl {
    /// A URL for `blob`.
    pub fn new(blob: &Blob) -> Result<Self, PhotoError> {
        web_sys::Url::create_object_url_with_blob(blob)
            .map(ObjectUrl)
            .map_err(js_error)
    }

    /// The `blob:` URL.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Drop for ObjectUrl {
    fn drop(&mut self) {
        let _ = web_sys::Url::revoke_object_url(&self.0);
    }
}

/// The upload: a JPEG and an object URL for showing it (revoked when dropped).
#[derive(Debug, PartialEq)]
pub struct PreparedPhoto {
    /// The JPEG.
    pub blob: Blob,
    /// Its width (864 unless the photo was smaller).
    pub width: u32,
    /// Its height.
    pub height: u32,
    /// An object URL of the JPEG for previews.
    pub object_url: ObjectUrl,
}

impl PreparedPhoto {
    /// A prepared photo from a JPEG blob of known size (e.g. a remembered photo).
    pub fn from_blob(blob: Blob, width: u32, height: u32) -> Result<Self, PhotoError> {
        Ok(PreparedPhoto {
            object_url: ObjectUrl::new(&blob)?,
            blob,
            width,
            height,
        })
    }
}

fn js_error(e: JsValue) -> PhotoError {
    PhotoError::Browser(
        e.as_string()
            .or_else(|| js_sys::Error::from(e).message().as_string())
            .unwrap_or_default(),
    )
}

fn window() -> web_sys::Window {
    web_sys::window().expect("the widget runs in a window")
}

/// Sniffs and decodes a file the shopper gave.
pub async fn open_photo(file: &Blob) -> Result<DecodedPhoto, PhotoError> {
    let head = JsFuture::from(
        file.slice_with_i32_and_i32(0, 32)
            .map_err(js_error)?
            .array_buffer(),
    )
    .await
    .map_err(js_error)?;
    let format = sniff(&Uint8Array::new(&head).to_vec());
    match format {
        PhotoFormat::Heic => {
            // Safari decodes HEIC; everyone else fails below. Try before refusing.
        }
        PhotoFormat::Unknown => return Err(PhotoError::NotAPhoto),
        PhotoFormat::Jpeg => {
            if let Some(planes) = PlanarPhoto::decode(file).await {
                let (width, height) = planes.size();
                return Ok(DecodedPhoto {
                    pixels: Pixels::Planes(planes),
                    width,
                    height,
                    format,
                });
            }
        }
        _ => {}
    }
    open_bitmap(file, format).await
}

/// Decodes `file` (of a sniffed `format`) the canvas way: an upright `ImageBitmap`.
/// What [`open_photo`] falls back to for JPEGs when planes are not to be had.
pub async fn open_bitmap(file: &Blob, format: PhotoFormat) -> Result<DecodedPhoto, PhotoError> {
    let promise = window()
        .create_image_bitmap_with_blob(file)
        .map_err(js_error)?;
    let bitmap: ImageBitmap = match JsFuture::from(promise).await {
        Ok(b) => b.unchecked_into(),
        Err(_) if format == PhotoFormat::Heic || format == PhotoFormat::Avif => {
            return Err(PhotoError::Unsupported(format))
        }
        Err(_) => return Err(PhotoError::NotAPhoto),
    };
    let (width, height) = (bitmap.width(), bitmap.height());
    if width == 0 || height == 0 {
        bitmap.close();
        return Err(PhotoError::NotAPhoto);
    }
    Ok(DecodedPhoto {
        pixels: Pixels::Bitmap(bitmap),
        width,
        height,
        format,
    })
}

fn canvas(
    width: u32,
    height: u32,
) -> Result<(HtmlCanvasElement, CanvasRenderingContext2d), PhotoError> {
    let canvas: HtmlCanvasElement = window()
        .document()
        .expect("a document")
        .create_element("canvas")
        .map_err(js_error)?
        .unchecked_into();
    canvas.set_width(width);
    canvas.set_height(height);
    // Pixels are read back from these canvases: ask for CPU-backed ones.
    let attributes = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&attributes, &"willReadFrequently".into(), &true.into());
    let context = canvas
        .get_context_with_context_options("2d", &attributes)
        .map_err(js_error)?
        .ok_or_else(|| PhotoError::Browser("no 2d canvas".into()))?
        .unchecked_into::<CanvasRenderingContext2d>();
    Ok((canvas, context))
}

/// Empties a canvas: Safari keeps canvas memory until the size is zero.
fn release(canvas: &HtmlCanvasElement) {
    canvas.set_width(0);
    canvas.set_height(0);
}

/// Crops `photo` to `frame` and makes the upload (864×1296 JPEG, or smaller, never upscaled).
pub async fn prepare(photo: &DecodedPhoto, frame: CropFrame) -> Result<PreparedPhoto, PhotoError> {
    let (pixels, tw, th) = upload_pixels(photo, frame).await?;
    let (out_canvas, out_context) = canvas(tw, th)?;
    let image =
        ImageData::new_with_u8_clamped_array_and_sh(Clamped(&pixels), tw, th).map_err(js_error)?;
    out_context
        .put_image_data(&image, 0.0, 0.0)
        .map_err(js_error)?;
    drop(pixels);
    let blob = to_jpeg(&out_canvas).await;
    release(&out_canvas);
    PreparedPhoto::from_blob(blob?, tw, th)
}

/// The upload's pixels before the JPEG: `frame` of `photo` at the upload's size, as
/// RGBA, with that width and height.
pub async fn upload_pixels(
    photo: &DecodedPhoto,
    frame: CropFrame,
) -> Result<(Vec<u8>, u32, u32), PhotoError> {
    let (tw, th) = frame.output_size();
    let (sx, sy) = (frame.x.round() as i32, frame.y.round() as i32);
    let (sw, sh) = (
        (frame.width.round() as i32).max(1),
        (frame.height().round() as i32).max(1),
    );
    let pixels = match &photo.pixels {
        Pixels::Planes(planes) => {
            // Rounding may put the far edge one pixel outside the photo.
            let (x, y) = (sx.max(0) as u32, sy.max(0) as u32);
            let crop = Rect {
                x,
                y,
                width: (sw as u32).min(photo.width - x),
                height: (sh as u32).min(photo.height - y),
            };
            match planes.crop_and_resize(crop, tw, th).await {
                Ok(pixels) => pixels,
                Err(e) => {
                    // The planes failed after all: the canvas way, from the file.
                    web_sys::console::warn_2(
                        &"tryon: photo planes failed, using a canvas:".into(),
                        &e,
                    );
                    let decoded = open_bitmap(&planes.file, photo.format).await?;
                    match &decoded.pixels {
                        Pixels::Bitmap(bitmap) => pre_shrunk(bitmap, (sx, sy, sw, sh), tw, th)?,
                        Pixels::Planes(_) => return Err(js_error(e)),
                    }
                }
            }
        }
        Pixels::Bitmap(bitmap) => pre_shrunk(bitmap, (sx, sy, sw, sh), tw, th)?,
    };
    Ok((pixels, tw, th))
}

/// The canvas path: `source` (x, y, width, height) of `bitmap` resized to `tw`×`th`;
/// RGBA.
fn pre_shrunk(
    bitmap: &ImageBitmap,
    (sx, sy, sw, sh): (i32, i32, i32, i32),
    tw: u32,
    th: u32,
) -> Result<Vec<u8>, PhotoError> {
    let (sw, sh) = (sw as u32, sh as u32);
    // Up to 5× the target (every 12–24 MP phone photo's crop): the exact Lanczos3 of
    // the whole crop, read back a strip at a time. Measured in WebKit (BENCHMARKS.md):
    // 44.66 dB, where halving the crop in the browser first (a 2×2 box) gave 44.43 dB,
    // and pica 44.65 dB.
    if sw <= tw * 5 && sh <= th * 5 {
        // Rounding may put the far edge one pixel outside the photo.
        let (x, y) = (sx.max(0) as u32, sy.max(0) as u32);
        let (w, h) = (
            sw.min(bitmap.width().saturating_sub(x)).max(1),
            sh.min(bitmap.height().saturating_sub(y)).max(1),
        );
        let draw = |context: &CanvasRenderingContext2d, top: u32, rows: u32| {
            let (w, rows) = (w as f64, rows as f64);
            context.draw_image_with_image_bitmap_and_sw_and_sh_and_dx_and_dy_and_dw_and_dh(
                bitmap,
                x as f64,
                (y + top) as f64,
                w,
                rows,
                0.0,
                0.0,
                w,
                rows,
            )
        };
        return in_bands(&draw, (w, h), tw, th);
    }
    // Larger crops (a 48 MP photo's): the browser first shrinks the crop to 1.25× the
    // target, cheaply (bilinear; drawImage, not createImageBitmap's resize, which
    // shifts the picture by a fraction of a pixel in Chromium: 39 dB instead of 45),
    // so the strips read back stay few.
    let (pw, ph) = (tw * 5 / 4, th * 5 / 4);
    let (small, context) = canvas(pw, ph)?;
    let _ = js_sys::Reflect::set(&context, &"imageSmoothingQuality".into(), &"low".into());
    context
        .draw_image_with_image_bitmap_and_sw_and_sh_and_dx_and_dy_and_dw_and_dh(
            bitmap, sx as f64, sy as f64, sw as f64, sh as f64, 0.0, 0.0, pw as f64, ph as f64,
        )
        .map_err(js_error)?;
    let draw = |strip: &CanvasRenderingContext2d, top: u32, rows: u32| {
        let (w, rows) = (pw as f64, rows as f64);
        strip.draw_image_with_html_canvas_element_and_sw_and_sh_and_dx_and_dy_and_dw_and_dh(
            &small, 0.0, top as f64, w, rows, 0.0, 0.0, w, rows,
        )
    };
    let pixels = in_bands(&draw, (pw, ph), tw, th);
    release(&small);
    pixels
}

/// Output rows made from one strip read back: for a 12 MP photo's crop, a strip of
/// about 320 rows (3.4 MB of RGBA).
const BAND_ROWS: u32 = 96;

/// Draws rows `top..top + rows` of a picture at the top left of a canvas, 1:1.
type DrawRows<'a> = dyn Fn(&CanvasRenderingContext2d, u32, u32) -> Result<(), JsValue> + 'a;

/// A picture of `w`×`h` (drawn by `draw`) resized to `tw`×`th` by wasm's Lanczos3,
/// read back from the browser a strip of rows at a time: wasm never holds the
/// full-size picture, and the browser draws it 1:1 at whole pixels (no resampling).
fn in_bands(draw: &DrawRows, (w, h): (u32, u32), tw: u32, th: u32) -> Result<Vec<u8>, PhotoError> {
    let bands = tryon_resize::bands::Bands::new(w, h, tw, th);
    let each = |r0: u32| r0..(r0 + BAND_ROWS).min(th);
    let tallest = (0..th)
        .step_by(BAND_ROWS as usize)
        .map(|r0| bands.rows_read(each(r0)).len() as u32)
        .max()
        .unwrap_or(1);
    let (strip_canvas, context) = canvas(w, tallest)?;
    let mut out = vec![0u8; tw as usize * th as usize * 4];
    for r0 in (0..th).step_by(BAND_ROWS as usize) {
        let rows = each(r0);
        let read = bands.rows_read(rows.clone());
        let n = read.len() as u32;
        // Cleared first, so a transparent picture does not show the strip before.
        context.clear_rect(0.0, 0.0, w as f64, n as f64);
        draw(&context, read.start, n).map_err(js_error)?;
        let strip = context
            .get_image_data(0.0, 0.0, w as f64, n as f64)
            .map_err(js_error)?
            .data()
            .0;
        let bytes = tw as usize * 4;
        let into = &mut out[rows.start as usize * bytes..rows.end as usize * bytes];
        bands.filter(rows, &strip, into);
    }
    release(&strip_canvas);
    Ok(out)
}

/// The canvas as a JPEG blob, by the browser's encoder.
pub async fn to_jpeg(canvas: &HtmlCanvasElement) -> Result<Blob, PhotoError> {
    let mut failure = None;
    let promise = Promise::new(&mut |resolve, reject| {
        let callback = wasm_bindgen::closure::Closure::once_into_js(move |blob: JsValue| {
            if blob.is_null() {
                let _ = reject.call1(
                    &JsValue::NULL,
                    &JsValue::from_str("the browser could not encode the photo"),
                );
            } else {
                let _ = resolve.call1(&JsValue::NULL, &blob);
            }
        });
        if let Err(e) = canvas.to_blob_with_type_and_encoder_options(
            callback.unchecked_ref(),
            "image/jpeg",
            &JsValue::from_f64(JPEG_QUALITY),
        ) {
            failure = Some(e);
        }
    });
    if let Some(e) = failure {
        return Err(js_error(e));
    }
    Ok(JsFuture::from(promise)
        .await
        .map_err(js_error)?
        .unchecked_into())
}

/// A `data:image/jpeg;base64,…` URL of a blob, built only for the request body.
pub async fn data_url(blob: &Blob) -> Result<String, PhotoError> {
    let reader = web_sys::FileReader::new().map_err(js_error)?;
    let done = Promise::new(&mut |resolve, reject| {
        reader.set_onload(Some(resolve.unchecked_ref()));
        reader.set_onerror(Some(reject.unchecked_ref()));
    });
    reader.read_as_data_url(blob).map_err(js_error)?;
    JsFuture::from(done).await.map_err(js_error)?;
    reader
        .result()
        .map_err(js_error)?
        .as_string()
        .ok_or_else(|| PhotoError::Browser("no data URL".into()))
}
