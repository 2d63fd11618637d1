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
        Ok(Models {
            detector: plan(DETECTOR)?,
            landmarks: plan(LANDMARKS)?,
        })
    }
}

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
