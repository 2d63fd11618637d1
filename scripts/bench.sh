#!/usr/bin/env bash
# Prints the benchmark figures (release builds; loopback only; bounded in time):
# the gateway under load, then photo preparation in headless Chromium against pica
# and a plain canvas, and the shipped widget's size.
set -euo pipefail
source "$(dirname "$0")/env.sh"
scripts/setup.sh
cargo build --release -p tryon-gateway
target/release/tryon-gateway-bench
trunk build --release
node e2e/bench-photo.mjs
