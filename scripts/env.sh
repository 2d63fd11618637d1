# Sourced by the other scripts: the project's tools first on PATH.
# shellcheck shell=bash
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="$ROOT/node_modules/.bin:${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
export CHROMEDRIVER="${CHROMEDRIVER:-/usr/bin/chromedriver}"
# The test and demo images (fixtures/SOURCES.md has their origins and licences).
export TRYON_FIXTURES="${TRYON_FIXTURES:-$ROOT/fixtures}"
cd "$ROOT"
# The browser suite runs longer than wasm-bindgen-test-runner's default 20 s.
export WASM_BINDGEN_TEST_TIMEOUT="${WASM_BINDGEN_TEST_TIMEOUT:-180}"
