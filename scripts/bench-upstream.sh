#!/usr/bin/env bash
# Prints the upstream figures: 200 shoppers at once on the fakes of FASHN (published
# limits; polling and webhooks) and TryItOn, through the real gateway (release).
# TRYON_BENCH_SCALE (default 0.1) scales the providers' time; see BENCHMARKS.md.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cargo build --release -p tryon-gateway -p tryon-fakes
target/release/tryon-upstream-bench
