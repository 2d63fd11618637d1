//! The camera: a live preview (mirrored for the front camera, like a mirror), a
//! capture that is not mirrored (the photo shows the shopper as others see them),
//! and every track stopped when the camera closes.

use wasm_bindgen::prelude::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, HtmlVideoElement, MediaStream, MediaStreamConstraints, MediaStreamTrack};

use crate::i18n::Key;
use crate::photo::PhotoError;

/// Which camera.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Facing {
    /// The selfie camera.
    User,
    /// The back camera.
    Environment,
}

impl Facing {
    /// The other one.
    pub fn flipped(self) -> Self {
        match self {
            Facing::User => Facing::Environment,
            Facing::Environment => Facing::User,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Facing::User => "user",
            Facing::Environment => "environment",
        }
    }
}

/// Why the camera did not start, in words the shopper's language can carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CameraProblem {
    /// The page cannot use a camera at all (no `mediaDevices`: not a secure page).
    NoAccess,
    /// The shopper or the browser refused permission.
    Refused,
    /// No camera (or none that fits).
    NotFound,
    /// Another app holds the camera.
    Busy,
    /// Anything else.
    Failed,
}

impl CameraProblem {
    /// The string that explains it.
    pub fn key(self) -> Key {
        match self {
            CameraProblem::NoAccess => Key::CameraNoAccess,
            CameraProblem::Refused => Key::CameraRefused,
            CameraProblem::NotFound => Key::CameraNotFound,
            CameraProblem::Busy => Key::CameraBusy,
            CameraProblem::Failed => Key::CameraFailed,
        }
    }
}

/// Stops the stream of a camera request that nobody waits for any more.
///
/// Asking for the camera can take seconds (a permission prompt). When the step that
/// asked is closed meanwhile, the future awaiting the stream is dropped; this guard
/// then hangs a `then` on the request, so a stream that still arrives is stopped at
/// once and the camera light goes off.
struct StopIfAbandoned {
    request: Option<js_sys::Promise>,
}

impl Drop for StopIfAbandoned {
    fn drop(&mut self) {
        if let Some(request) = self.request.take() {
            let stop_it = Closure::once(|stream: JsValue| {
                if let Some(stream) = stream.dyn_ref::<MediaStream>() {
                    stop(stream);
                }
            });
            // A refusal needs no stopping; the empty handler keeps it from being
            // reported as unhandled.
            let ignore = Closure::once(|_: JsValue| {});
            let _ = request.then2(&stop_it, &ignore);
            stop_it.forget();
            ignore.forget();
        }
    }
}

/// Opens the camera facing `facing`. If the returned future is dropped before the
/// camera has started, the stream is stopped as soon as it arrives.
pub async fn open(facing: Facing) -> Result<MediaStream, CameraProblem> {
    let devices = web_sys::window()
        .and_then(|w| w.navigator().media_devices().ok())
        .ok_or(CameraProblem::NoAccess)?;
    let video = js_sys::Object::new();
    // A plain (not `exact`) facingMode: devices that do not report one still open.
    let _ = js_sys::Reflect::set(&video, &"facingMode".into(), &facing.as_str().into());
    let ideal = |v: u32| {
        let o = js_sys::Object::new();
        let _ = js_sys::Reflect::set(&o, &"ideal".into(), &v.into());
        o
    };
    let _ = js_sys::Reflect::set(&video, &"width".into(), &ideal(1920));
    let _ = js_sys::Reflect::set(&video, &"height".into(), &ideal(1920));
    let constraints = MediaStreamConstraints::new();
    constraints.set_video(&video);
    constraints.set_audio(&JsValue::FALSE);
    let request = devices
        .get_user_media_with_constraints(&constraints)
        .map_err(|_| CameraProblem::Failed)?;
    let mut guard = StopIfAbandoned {
        request: Some(request.clone()),
    };
    let answer = JsFuture::from(request).await;
    // Still awaited: whoever asked takes the stream (or the refusal) from here.
    guard.request = None;
    match answer {
        Ok(stream) => Ok(stream.unchecked_into()),
        Err(e) => {
            let name = js_sys::Reflect::get(&e, &"name".into())
                .ok()
                .and_then(|n| n.as_string())
                .unwrap_or_default();
            Err(match name.as_str() {
                "NotAllowedError" | "SecurityError" => CameraProblem::Refused,
                "NotFoundError" | "OverconstrainedError" => CameraProblem::NotFound,
                "NotReadableError" => CameraProblem::Busy,
                _ => CameraProblem::Failed,
            })
        }
    }
}

/// Stops every track of `stream` (the camera light goes off).
pub fn stop(stream: &MediaStream) {
    for track in stream.get_tracks().iter() {
        track.unchecked_into::<MediaStreamTrack>().stop();
    }
}

/// The current video frame as a JPEG, not mirrored.
pub async fn capture(video: &HtmlVideoElement) -> Result<Blob, PhotoError> {
    let (w, h) = (video.video_width(), video.video_height());
    if w == 0 || h == 0 {
        return Err(PhotoError::Browser(
            "the camera has not delivered a picture yet".into(),
        ));
    }
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or_else(|| PhotoError::Browser("no document".into()))?;
    let canvas: web_sys::HtmlCanvasElement = document
        .create_element("canvas")
        .map_err(|_| PhotoError::Browser("no canvas".into()))?
        .unchecked_into();
    canvas.set_width(w);
    canvas.set_height(h);
    let context: web_sys::CanvasRenderingContext2d = canvas
        .get_context("2d")
        .ok()
        .flatten()
        .ok_or_else(|| PhotoError::Browser("no 2d canvas".into()))?
        .unchecked_into();
    context
        .draw_image_with_html_video_element(video, 0.0, 0.0)
        .map_err(|_| PhotoError::Browser("capture failed".into()))?;
    let blob = crate::photo::to_jpeg(&canvas).await;
    canvas.set_width(0);
    canvas.set_height(0);
    blob
}
