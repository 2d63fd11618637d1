#!/usr/bin/env bash
# Regenerate vision/models/*.onnx from MediaPipe's published npm package, so anyone
# can check where the weights came from:
#   1. `npm pack` the pinned @mediapipe/pose and check its sha256;
#   2. convert its person detector and landmark model with tflite_to_onnx.py;
#   3. run both the .tflite (Google's LiteRT) and the .onnx on one input: they must
#      agree, and LiteRT's answers become models/reference.json (the Rust test holds
#      tract to them);
#   4. compare the files with models/SHA256SUMS (`--write` replaces them instead).
# Needs npm and python3 (3.10–3.12) with venv; downloads from npm and PyPI only.
set -euo pipefail
cd "$(dirname "$0")/.."
POSE_VERSION=0.5.1675469404
POSE_SHA256=8bb349a7b3a3ba699df23be804ddd3b3eab810b50b15406894be257859388a84
work="${TMPDIR:-/tmp}/tryon-convert-models"
mkdir -p "$work"
venv="$work/venv"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
"$venv/bin/pip" install --quiet --disable-pip-version-check \
  tflite==2.18.0 flatbuffers==25.12.19 numpy==2.4.6 onnx==1.20.1 onnxruntime==1.32.0 ai-edge-litert==2.3.0

tarball="$work/mediapipe-pose-$POSE_VERSION.tgz"
if [ ! -f "$tarball" ]; then
  (cd "$work" && npm pack --silent "@mediapipe/pose@$POSE_VERSION" >/dev/null)
fi
echo "$POSE_SHA256  $tarball" | sha256sum --check --quiet
rm -rf "$work/pose" && mkdir -p "$work/pose" && tar xzf "$tarball" -C "$work/pose"
# The package's loader maps the whole packed-assets file to pose_detection.tflite.
cp "$work/pose/package/pose_solution_packed_assets.data" "$work/pose/pose_detection.tflite"
cp "$work/pose/package/pose_landmark_lite.tflite" "$work/pose/pose_landmark_lite.tflite"

out="$work/models"
mkdir -p "$out"
for model in pose_detection pose_landmark_lite; do
  "$venv/bin/python" tools/tflite_to_onnx.py "$work/pose/$model.tflite" "$out/$model.onnx"
done
"$venv/bin/python" tools/verify.py "$work/pose" "$out"

models="$PWD/models"
if [ "${1:-}" = "--write" ]; then
  cp "$out"/*.onnx "$out/reference.json" "$models/"
  (cd "$models" && sha256sum pose_detection.onnx pose_landmark_lite.onnx reference.json > SHA256SUMS)
  echo "vision/models rewritten"
else
  # The same bytes as the files in the repository.
  (cd "$out" && sha256sum --check "$models/SHA256SUMS")
fi
