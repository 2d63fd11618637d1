//! The converted models, run by tract, answer as MediaPipe's .tflite files do in
//! Google's own runtime: `tools/verify.py` recorded LiteRT's outputs for a fixed
//! input in `models/reference.json`; tract must match them.

use serde_json::Value;
use tryon_vision::Vision;

/// `tools/verify.py`'s input pattern.
fn probe(len: usize, lo: f32, hi: f32) -> Vec<f32> {
    (0..len as i64)
        .map(|i| lo + (hi - lo) * ((i * 7919) % 1000) as f32 / 999.0)
        .collect()
}

#[test]
fn tract_answers_as_the_tflite_runtime_does() {
    let reference: Value =
        serde_json::from_str(include_str!("../models/reference.json")).expect("reference.json");
    let vision = Vision::load().expect("the models load");
    for (model, side) in [("pose_detection", 224), ("pose_landmark_lite", 256)] {
        let entry = &reference[model];
        let lo = entry["input_range"][0].as_f64().unwrap() as f32;
        let hi = entry["input_range"][1].as_f64().unwrap() as f32;
        let outputs = vision
            .raw(model, probe(side * side * 3, lo, hi))
            .expect("runs");
        for (k, expected) in entry["outputs"].as_array().unwrap().iter().enumerate() {
            let stride = expected["stride"].as_u64().unwrap() as usize;
            let want: Vec<f32> = expected["values"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_f64().unwrap() as f32)
                .collect();
            let got: Vec<f32> = outputs[k].iter().step_by(stride).copied().collect();
            assert_eq!(got.len(), want.len(), "{model} output {k}: size");
            let scale = want.iter().fold(0f32, |m, v| m.max(v.abs())).max(1e-6);
            let worst = got
                .iter()
                .zip(&want)
                .map(|(g, w)| (g - w).abs())
                .fold(0f32, f32::max);
            // 1e-3 of the output's range, as the conversion itself is held to.
            assert!(
                worst <= 1e-3 * scale,
                "{model} output {k}: off by {worst} of {scale}"
            );
        }
    }
}
