//! The browser side of photo preparation.
//!
//! Two ways from the shopper's file to the 864×1296 pixels:
//! - JPEGs, where the browser has WebCodecs' `ImageDecoder`: decoded to YCbCr planes,
//!   which wasm crops, filters (Lanczos3 over the full-size photo) and turns upright
//!   in one go ([`super::planes`]);
//! - everything else: the browser decodes (applying EXIF orientation) and, in one
//!   step, crops and halves (a box filter; or, for crops under 2.5× or above 5× the
//!   target, pre-shrinks to 1.25× of it); a Lanczos3 pass in wasm
//!   (`tryon-resize`, SIMD, speed-optimised) makes the final size.
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

/// The canvas path: `source` (x, y, width, height) of `bitmap` pre-shrunk by the
/// browser, then resized to `tw`×`th` by wasm's Lanczos3; RGBA.
fn pre_shrunk(
    bitmap: &ImageBitmap,
    (sx, sy, sw, sh): (i32, i32, i32, i32),
    tw: u32,
    th: u32,
) -> Result<Vec<u8>, PhotoError> {
    let (sw, sh) = (sw as u32, sh as u32);
    // A crop between 2.5× and 5× the target (a 12 MP photo's): the browser halves it.
    // Drawn at exactly half the size, its bilinear filter averages each 2×2 block (a
    // box filter, no aliasing), and the Lanczos3 pass in wasm then reads the half-size
    // picture over exactly the crop's extent (a fraction of a pixel included: rounding
    // it would shift the picture by up to a third of a pixel, measured 41.9 dB).
    // Measured in WebKit (BENCHMARKS.md): 44.43 dB in 191 ms, where the bilinear
    // pre-shrink to 1.25× below gave 43.81 dB in 189 ms (pica: 44.65 dB, 370 ms).
    if sw * 2 >= tw * 5 && sh * 2 >= th * 5 && sw < tw * 5 {
        let bitmap_size = (bitmap.width(), bitmap.height());
        // Whole pairs of pixels: one column or row more than the crop where the photo
        // has it, else one less.
        let even = |start: i32, len: u32, limit: u32| {
            let up = len.div_ceil(2) * 2;
            if start.max(0) as u32 + up <= limit {
                up
            } else {
                len / 2 * 2
            }
        };
        let (dw, dh) = (even(sx, sw, bitmap_size.0), even(sy, sh, bitmap_size.1));
        let (hw, hh) = (dw / 2, dh / 2);
        let pixels = read_back(bitmap, (sx, sy, dw, dh), (hw, hh))?;
        let crop = tryon_resize::Crop {
            left: 0.0,
            top: 0.0,
            width: (sw as f64 / 2.0).min(hw as f64),
            height: (sh as f64 / 2.0).min(hh as f64),
        };
        return Ok(tryon_resize::resize_rgba(
            &pixels,
            hw,
            hh,
            Some(crop),
            tw,
            th,
            false,
        ));
    }
    // Otherwise the browser pre-shrinks to 1.25× the target: cheap (bilinear), and it
    // spares wasm the copy of a 48 MB frame; the final Lanczos3 pass decides the
    // quality.
    let (pw, ph) = if sw > tw * 5 / 4 {
        (tw * 5 / 4, th * 5 / 4)
    } else {
        (sw, sh)
    };
    let pixels = read_back(bitmap, (sx, sy, sw, sh), (pw, ph))?;
    Ok(if (pw, ph) == (tw, th) {
        pixels
    } else {
        tryon_resize::resize_rgba(&pixels, pw, ph, None, tw, th, false)
    })
}

/// `source` (x, y, width, height) of `bitmap` drawn at `size` by the browser
/// (bilinear), read back as RGBA.
fn read_back(
    bitmap: &ImageBitmap,
    (sx, sy, sw, sh): (i32, i32, u32, u32),
    (pw, ph): (u32, u32),
) -> Result<Vec<u8>, PhotoError> {
    // drawImage, not createImageBitmap's crop-and-resize: Chromium's resampling there
    // shifts the picture by a fraction of a pixel (measured: 39 dB against the
    // reference instead of 45).
    let (read_canvas, read_context) = canvas(pw, ph)?;
    let _ = js_sys::Reflect::set(
        &read_context,
        &"imageSmoothingQuality".into(),
        &"low".into(),
    );
    read_context
        .draw_image_with_image_bitmap_and_sw_and_sh_and_dx_and_dy_and_dw_and_dh(
            bitmap, sx as f64, sy as f64, sw as f64, sh as f64, 0.0, 0.0, pw as f64, ph as f64,
        )
        .map_err(js_error)?;
    let pixels = read_context
        .get_image_data(0.0, 0.0, pw as f64, ph as f64)
        .map_err(js_error)?
        .data()
        .0;
    release(&read_canvas);
    Ok(pixels)
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
