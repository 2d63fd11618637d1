//! BlazePose's person detector compiled to WebAssembly with tract (NNEF only), to
//! measure what running the photo check on the shopper's device would cost: the
//! chunk's size and the detector's time on the widget's prepared photo.

use std::io::Cursor;
use std::sync::Arc;

use tract_nnef::prelude::*;
use tract_onnx_opl::WithOnnx;
use wasm_bindgen::prelude::*;

const SIDE: usize = 224;

/// The detector, loaded from its NNEF archive.
#[wasm_bindgen]
pub struct Detector {
    plan: Arc<TypedRunnableModel>,
}

#[wasm_bindgen]
impl Detector {
    /// Loads and optimises the detector from an NNEF `.tar`.
    #[wasm_bindgen(constructor)]
    pub fn new(archive: &[u8]) -> Result<Detector, JsError> {
        let plan = tract_nnef::nnef()
            .with_onnx()
            .model_for_read(&mut Cursor::new(archive))
            .and_then(|m| m.into_optimized())
            .and_then(|m| m.into_runnable())
            .map_err(|e| JsError::new(&format!("{e:#}")))?;
        Ok(Detector { plan })
    }

    /// The best person score (0..1) in an RGBA photo, letterboxed into the
    /// detector's 224×224 input as the gateway does (bilinear, black bars, −1..1).
    pub fn best_score(&self, rgba: &[u8], width: usize, height: usize) -> Result<f32, JsError> {
        let long = width.max(height) as f32;
        let (ox, oy) = ((long - width as f32) / 2.0, (long - height as f32) / 2.0);
        let mut input = Vec::with_capacity(SIDE * SIDE * 3);
        for row in 0..SIDE {
            for col in 0..SIDE {
                let x = (col as f32 + 0.5) / SIDE as f32 * long - ox - 0.5;
                let y = (row as f32 + 0.5) / SIDE as f32 * long - oy - 0.5;
                let (x0, y0) = (x.floor() as isize, y.floor() as isize);
                let (ax, ay) = (x - x0 as f32, y - y0 as f32);
                for c in 0..3 {
                    let at = |x: isize, y: isize| -> f32 {
                        if x < 0 || y < 0 || x >= width as isize || y >= height as isize {
                            0.0
                        } else {
                            rgba[(y as usize * width + x as usize) * 4 + c] as f32
                        }
                    };
                    let top = at(x0, y0) * (1.0 - ax) + at(x0 + 1, y0) * ax;
                    let bottom = at(x0, y0 + 1) * (1.0 - ax) + at(x0 + 1, y0 + 1) * ax;
                    input.push((top * (1.0 - ay) + bottom * ay) / 127.5 - 1.0);
                }
            }
        }
        let run = || -> TractResult<f32> {
            let tensor = Tensor::from_shape(&[1, SIDE, SIDE, 3], &input)?;
            let outputs = self.plan.run(tvec!(tensor.into()))?;
            let scores = outputs[1].to_plain_array_view::<f32>()?;
            let best = scores.iter().fold(f32::MIN, |m, &s| m.max(s));
            Ok(1.0 / (1.0 + (-best.clamp(-100.0, 100.0)).exp()))
        };
        run().map_err(|e| JsError::new(&format!("{e:#}")))
    }
}
