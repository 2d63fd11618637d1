#!/usr/bin/env bash
# The photo check's figures (vision/): verdicts on every fixture photo, latency at
# 864×1296, model load time and memory. Release build; prints Markdown tables.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo run --quiet --release -p tryon-vision --example bench
