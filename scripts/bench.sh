#!/usr/bin/env bash
# Prints the benchmark figures (release builds; loopback only; bounded in time).
set -euo pipefail
source "$(dirname "$0")/env.sh"
scripts/setup.sh
cargo build --release -p tryon-gateway
target/release/tryon-gateway-bench
