#!/usr/bin/env bash
# Every test: formatting and lints, the host tests (wire contract, gateway), the
# widget's tests in headless Chromium, and a release build of the demo page.
set -euo pipefail
source "$(dirname "$0")/env.sh"
scripts/setup.sh

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "format"
cargo fmt --all -- --check

step "lints (host and wasm32)"
cargo clippy -p tryon-protocol -p tryon-resize -p tryon-gateway --all-targets -- -D warnings
cargo clippy -p tryon-widget --target wasm32-unknown-unknown --all-targets -- -D warnings

step "host tests: wire contract and gateway"
cargo test -p tryon-protocol -p tryon-resize -p tryon-gateway

step "browser tests: the widget in headless Chromium"
cargo test -p tryon-widget --target wasm32-unknown-unknown

step "demo page builds (release, wasm-opt)"
trunk build --release

step "all tests passed"
