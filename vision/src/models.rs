//! The ONNX models compiled into the binary, loaded and optimised by tract.

use std::io::Cursor;
use std::sync::Arc;

use tract_onnx::prelude::*;

use crate::VisionError;

/// A model ready to run; `run` makes a fresh state per call, so it is shared freely.
pub(crate) type Plan = Arc<TypedRunnableModel>;

/// BlazePose's person detector: 224×224 RGB in −1..1 → 2254 anchors.
const DETECTOR: &[u8] = include_bytes!("../models/pose_detection.onnx");
/// BlazePose landmarks (lite): 256×256 RGB in 0..1, an aligned crop of one person.
const LANDMARKS: &[u8] = include_bytes!("../models/pose_landmark_lite.onnx");

pub(crate) struct Models {
    pub detector: Plan,
    pub landmarks: Plan,
}

impl Models {
    pub fn load() -> Result<Self, VisionError> {
        let models = Models {
            detector: plan(DETECTOR)?,
            landmarks: plan(LANDMARKS)?,
        };
        // tract keeps its own (f32) copy of every weight: the files' bytes are never
        // read again, and their 8.7 MB of pages leave the resident set.
        forget_pages(DETECTOR);
        forget_pages(LANDMARKS);
        Ok(models)
    }
}

/// Tells the kernel that the whole pages of `bytes`, compiled into the binary, are not
/// needed any more. They are read-only pages of the executable's file: nothing is lost,
/// and a later read would fault them in again from the file.
#[cfg(target_os = "linux")]
fn forget_pages(bytes: &'static [u8]) {
    // SAFETY: sysconf only reads a system constant.
    let page = match unsafe { libc::sysconf(libc::_SC_PAGESIZE) } {
        n if n > 0 => n as usize,
        _ => return,
    };
    let start = (bytes.as_ptr() as usize).div_ceil(page) * page;
    let end = (bytes.as_ptr() as usize + bytes.len()) / page * page;
    if end > start {
        // SAFETY: the range lies within a static, read-only, file-backed slice; dropping
        // its pages changes no contents, and nothing in this process writes to them.
        unsafe {
            libc::madvise(start as *mut libc::c_void, end - start, libc::MADV_DONTNEED);
        }
    }
}

/// Elsewhere the pages stay (an optimisation only).
#[cfg(not(target_os = "linux"))]
fn forget_pages(_: &'static [u8]) {}

fn plan(bytes: &[u8]) -> Result<Plan, VisionError> {
    Ok(tract_onnx::onnx()
        .model_for_read(&mut Cursor::new(bytes))?
        .into_optimized()?
        .into_runnable()?)
}

/// Run `plan` on one NHWC image tensor; the outputs as flat f32 vectors.
pub(crate) fn run(
    plan: &Plan,
    side: usize,
    pixels: Vec<f32>,
) -> Result<Vec<Vec<f32>>, VisionError> {
    let input = Tensor::from_shape(&[1, side, side, 3], &pixels)?;
    let outputs = plan.run(tvec!(input.into()))?;
    outputs
        .iter()
        .map(|o| Ok(o.to_plain_array_view::<f32>()?.iter().copied().collect()))
        .collect()
}
