"""Run each converted model and its .tflite original (Google's LiteRT runtime) on
the same input; fail if they differ, and write the original's answers to
`models/reference.json` for the Rust test that holds tract to them.

Usage: verify.py TFLITE_DIR MODELS_DIR
"""

import json
import sys

import numpy as np
import onnxruntime as ort
from ai_edge_litert.interpreter import Interpreter

# Model file stem → the value range of its input.
MODELS = {"pose_detection": (-1.0, 1.0), "pose_landmark_lite": (0.0, 1.0)}
# Largest difference allowed, as a share of the output's largest magnitude.
TOLERANCE = 1e-3


def probe(shape, lo, hi):
    """The test input: a fixed pattern any language can make (see vision/tests/models.rs)."""
    n = int(np.prod(shape))
    i = np.arange(n, dtype=np.int64)
    return (lo + (hi - lo) * ((i * 7919) % 1000) / 999.0).astype(np.float32).reshape(shape)


def main():
    tflite_dir, models_dir = sys.argv[1], sys.argv[2]
    reference = {}
    for stem, (lo, hi) in MODELS.items():
        lite = Interpreter(model_path=f"{tflite_dir}/{stem}.tflite")
        lite.allocate_tensors()
        entry = lite.get_input_details()[0]
        x = probe(entry["shape"], lo, hi)
        lite.set_tensor(entry["index"], x)
        lite.invoke()
        expected = [lite.get_tensor(d["index"]) for d in lite.get_output_details()]
        session = ort.InferenceSession(f"{models_dir}/{stem}.onnx")
        got = session.run(None, {session.get_inputs()[0].name: x})
        outputs = []
        for k, (e, g) in enumerate(zip(expected, got)):
            scale = float(np.abs(e).max()) or 1.0
            diff = float(np.abs(e - g).max())
            print(f"{stem} output {k} {list(e.shape)}: max difference {diff:.2e} of {scale:.3g}")
            if diff > TOLERANCE * scale:
                sys.exit(f"{stem}: output {k} differs from TFLite by {diff} (scale {scale})")
            # Every value of the small outputs; every 37th of the segmentation.
            stride = 1 if e.size <= 30000 else 37
            values = [float(f"{v:.5g}") for v in e.flatten()[::stride]]
            outputs.append({"shape": list(e.shape), "stride": stride, "values": values})
        # The outputs the crate reads: detector boxes and scores; landmarks, flag, segmentation.
        reference[stem] = {"input_range": [lo, hi], "outputs": outputs[:3]}
    with open(f"{models_dir}/reference.json", "w") as f:
        json.dump(reference, f, separators=(",", ":"))


if __name__ == "__main__":
    main()
