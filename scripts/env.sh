# Sourced by the other scripts: the project's tools first on PATH.
# shellcheck shell=bash
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="$ROOT/node_modules/.bin:${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
export CHROMEDRIVER="${CHROMEDRIVER:-/usr/bin/chromedriver}"
# The shared fixtures sit beside the clone.
export TRYON_FIXTURES="${TRYON_FIXTURES:-$ROOT/../shared/fixtures}"
cd "$ROOT"
# The browser suite runs longer than wasm-bindgen-test-runner's default 20 s.
export WASM_BINDGEN_TEST_TIMEOUT="${WASM_BINDGEN_TEST_TIMEOUT:-180}"
