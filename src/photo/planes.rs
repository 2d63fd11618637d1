//! JPEGs decoded to their YCbCr planes by WebCodecs' `ImageDecoder`, where the browser
//! has it (Chromium, Firefox): the fast and exact way to the upload.
//!
//! Decoding to planes skips the browser's colour conversion, chroma upsampling and
//! rotation of the full-size photo, and the planes reach wasm in two copies (into JS
//! memory, then into wasm's) that take ~13 ms together, where
//! reading a full-size canvas back costs more than the whole time budget
//! (BENCHMARKS.md). `tryon_resize::planar` then crops, filters and turns them upright.
//! Anything this path does not know for sure (another pixel format, a colour space
//! other than JPEG's usual sRGB one, a mirrored orientation, an older browser without
//! the frame's `rotation`) is left to the canvas path, and so are photos above
//! what [`MOST_BYTES`] allows.

use js_sys::{Array, Object, Promise, Reflect, Uint8Array};
use tryon_resize::planar::{Plane, Rect, Turn, YcbcrPhoto};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::Blob;

#[wasm_bindgen]
extern "C" {
    /// WebCodecs' `ImageDecoder`.
    type ImageDecoder;
    #[wasm_bindgen(constructor, catch, js_class = "ImageDecoder")]
    fn new(init: &Object) -> Result<ImageDecoder, JsValue>;
    #[wasm_bindgen(method, catch)]
    fn decode(this: &ImageDecoder) -> Result<Promise, JsValue>;
    #[wasm_bindgen(method)]
    fn close(this: &ImageDecoder);

    /// WebCodecs' `VideoFrame`: here, one decoded photo.
    #[wasm_bindgen(js_name = VideoFrame)]
    type Frame;
    #[wasm_bindgen(method, getter)]
    fn format(this: &Frame) -> Option<String>;
    #[wasm_bindgen(method, getter, js_name = visibleRect)]
    fn visible_rect(this: &Frame) -> Option<Object>;
    #[wasm_bindgen(method, getter)]
    fn rotation(this: &Frame) -> JsValue;
    #[wasm_bindgen(method, getter)]
    fn flip(this: &Frame) -> JsValue;
    #[wasm_bindgen(method, getter, js_name = colorSpace)]
    fn color_space(this: &Frame) -> JsValue;
    #[wasm_bindgen(method, catch, js_name = allocationSize)]
    fn allocation_size(this: &Frame) -> Result<f64, JsValue>;
    #[wasm_bindgen(method, catch, js_name = copyTo)]
    fn copy_to(this: &Frame, destination: &Uint8Array) -> Result<Promise, JsValue>;
    #[wasm_bindgen(method, js_name = close)]
    fn close_frame(this: &Frame);
}

/// How a format's chroma planes relate to the luma: halved across, halved down.
fn chroma_halving(format: &str) -> Option<(bool, bool)> {
    match format {
        "I420" => Some((true, true)),
        "I422" => Some((true, false)),
        "I444" => Some((false, false)),
        _ => None,
    }
}

/// Photos whose planes take more bytes than this take the canvas path: the planes are
/// copied into wasm whole, and a 50 MP photo would grow the widget's memory by 75 MB
/// for good. Every 12–24 MP phone camera's JPEG (4:2:0, 1.5 bytes a pixel) is below it.
const MOST_BYTES: f64 = 40_000_000.0;

fn get(object: &JsValue, key: &str) -> JsValue {
    Reflect::get(object, &key.into()).unwrap_or(JsValue::UNDEFINED)
}

fn number(object: &JsValue, key: &str) -> Option<f64> {
    get(object, key).as_f64()
}

/// A photo decoded to YCbCr planes, held by the browser until it is prepared.
pub struct PlanarPhoto {
    /// The file, for the canvas path if the planes fail after all.
    pub file: Blob,
    frame: Frame,
    halving: (bool, bool),
    turn: Turn,
    /// Stored (not upright) width and height.
    stored: (u32, u32),
}

impl Drop for PlanarPhoto {
    fn drop(&mut self) {
        // Frees the decoded planes now, not when the garbage collector gets to it.
        self.frame.close_frame();
    }
}

impl PlanarPhoto {
    /// Decodes a JPEG to planes, or `None` where this browser cannot, or the result is
    /// anything but full-range BT.601 sRGB YCbCr that turns without a mirror.
    pub async fn decode(file: &Blob) -> Option<PlanarPhoto> {
        let window = web_sys::window()?;
        if !Reflect::has(&window, &"ImageDecoder".into()).unwrap_or(false) {
            return None;
        }
        // Without the frame's `rotation` (Firefox 153) no frame can pass the check
        // below: skip the decode rather than decode the photo twice (measured: 384 ms
        // against 223 ms for the canvas path alone, BENCHMARKS.md).
        let has_rotation = Reflect::get(&window, &"VideoFrame".into())
            .and_then(|frame| Reflect::get(&frame, &"prototype".into()))
            .and_then(|prototype| Reflect::has(&prototype, &"rotation".into()))
            .unwrap_or(false);
        if !has_rotation {
            return None;
        }
        let bytes = JsFuture::from(file.array_buffer()).await.ok()?;
        let init = Object::new();
        Reflect::set(&init, &"data".into(), &bytes).ok()?;
        Reflect::set(&init, &"type".into(), &"image/jpeg".into()).ok()?;
        let decoder = ImageDecoder::new(&init).ok()?;
        let decoded = match decoder.decode() {
            Ok(promise) => JsFuture::from(promise).await.ok(),
            Err(_) => None,
        };
        decoder.close();
        let image = get(&decoded?, "image");
        match image.dyn_into::<Frame>() {
            Ok(frame) => Self::check(frame, file.clone()),
            Err(other) => {
                // Not a frame after all: close whatever it is, if it can be closed.
                if let Ok(close) = get(&other, "close").dyn_into::<js_sys::Function>() {
                    let _ = close.call0(&other);
                }
                None
            }
        }
    }

    /// The photo, if this path knows its planes for sure; otherwise the frame is closed.
    fn check(frame: Frame, file: Blob) -> Option<PlanarPhoto> {
        let known = (|| {
            let halving = chroma_halving(&frame.format()?)?;
            let colours = frame.color_space();
            let is = |key: &str, allowed: &[&str]| {
                get(&colours, key)
                    .as_string()
                    .is_some_and(|v| allowed.contains(&v.as_str()))
            };
            let jfif = get(&colours, "fullRange").as_bool() == Some(true)
                && is("matrix", &["smpte170m", "bt470bg"])
                && is("primaries", &["bt709"])
                && is("transfer", &["iec61966-2-1"]);
            // A browser without `rotation` may or may not have turned the pixels.
            let turn = Turn::from_degrees(frame.rotation().as_f64()? as i32)?;
            if !jfif || frame.flip().as_bool() != Some(false) {
                return None;
            }
            let rect: JsValue = frame.visible_rect()?.into();
            let (x, y) = (number(&rect, "x")?, number(&rect, "y")?);
            let (w, h) = (
                number(&rect, "width")? as u32,
                number(&rect, "height")? as u32,
            );
            let bytes = frame.allocation_size().ok()?;
            (x == 0.0 && y == 0.0 && w > 0 && h > 0 && bytes <= MOST_BYTES).then_some((
                halving,
                turn,
                (w, h),
            ))
        })();
        match known {
            Some((halving, turn, stored)) => Some(PlanarPhoto {
                file,
                frame,
                halving,
                turn,
                stored,
            }),
            None => {
                frame.close_frame();
                None
            }
        }
    }

    /// Upright width and height.
    pub fn size(&self) -> (u32, u32) {
        let (w, h) = self.stored;
        match self.turn {
            Turn::Quarter | Turn::ThreeQuarters => (h, w),
            Turn::None | Turn::Half => (w, h),
        }
    }

    /// `crop` (upright pixels, inside the photo) resized to `width`×`height`, as
    /// upright RGBA. An error (the browser's copy failed, or its layout is not what
    /// this path expects) means: take the canvas path with [`PlanarPhoto::file`].
    pub async fn crop_and_resize(
        &self,
        crop: Rect,
        width: u32,
        height: u32,
    ) -> Result<Vec<u8>, JsValue> {
        let size = self.frame.allocation_size()? as u32;
        let buffer = Uint8Array::new_with_length(size);
        // Copied into JS memory first: a view into wasm memory would be cut off if
        // the memory grew while the copy is awaited.
        let layout: Array = JsFuture::from(self.frame.copy_to(&buffer)?)
            .await?
            .dyn_into()?;
        let bytes = buffer.to_vec();
        drop(buffer);
        let (w, h) = self.stored;
        let chroma = |halved: bool, len: u32| if halved { len.div_ceil(2) } else { len };
        let sizes = [
            (w, h),
            (chroma(self.halving.0, w), chroma(self.halving.1, h)),
            (chroma(self.halving.0, w), chroma(self.halving.1, h)),
        ];
        let mut planes = Vec::with_capacity(3);
        for (i, (pw, ph)) in sizes.into_iter().enumerate() {
            let entry = layout.get(i as u32);
            let (offset, stride) = (
                number(&entry, "offset").ok_or("no plane offset")? as usize,
                number(&entry, "stride").ok_or("no plane stride")? as usize,
            );
            let end = offset + (ph as usize - 1) * stride + pw as usize;
            if stride < pw as usize || end > bytes.len() {
                return Err("the planes are not where the layout says".into());
            }
            planes.push(Plane {
                samples: &bytes[offset..end],
                stride,
                width: pw,
                height: ph,
            });
        }
        let photo = YcbcrPhoto {
            luma: planes[0],
            blue: planes[1],
            red: planes[2],
            turn: self.turn,
        };
        let out = tryon_resize::planar::ycbcr_to_rgba(&photo, crop, width, height);
        Ok(out)
    }
}
