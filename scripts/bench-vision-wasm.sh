#!/usr/bin/env bash
# The photo check on the device, measured (not shipped): builds BlazePose's person
# detector into a WebAssembly chunk (vision/wasm-detector: tract with NNEF only,
# SIMD), exports the model as NNEF, and loads both in headless Chromium for their size
# and speed. A measurement for issue #11; not part of scripts/bench.sh (a cold build
# of tract for wasm takes several minutes).
set -euo pipefail
source "$(dirname "$0")/env.sh"
out=target/vision-wasm
mkdir -p "$out"
cargo run --quiet --release -p tryon-vision --example export-nnef -- "$out/pose_detection.nnef.tar" >/dev/null
(cd vision/wasm-detector && RUSTFLAGS="-C target-feature=+simd128" CARGO_TARGET_DIR="$PWD/../../target/wasm-detector" \
  cargo build --quiet --release --target wasm32-unknown-unknown)
wasm-bindgen --target web --out-dir "$out" target/wasm-detector/wasm32-unknown-unknown/release/tryon_vision_wasm.wasm
wasm-opt -O3 --enable-simd --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
  "$out/tryon_vision_wasm_bg.wasm" -o "$out/tryon_vision_wasm_bg.wasm"
node e2e/bench-vision-wasm.mjs
