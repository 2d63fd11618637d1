#!/usr/bin/env bash
# One-time, idempotent set-up of everything the demo, the tests and the benchmarks need
# on a fresh machine that has only the Rust toolchain, Node/npm and apt.
# Every tool is pinned; a tool already at the pinned version is left alone.
set -euo pipefail
cd "$(dirname "$0")/.."

TRUNK_VERSION=0.21.14
# Drives Firefox ESR for the journeys in the engines besides Chromium (e2e/engines).
GECKODRIVER_VERSION=0.37.1
# wasm-bindgen-cli must equal the wasm-bindgen that Cargo.lock resolved.
WASM_BINDGEN_VERSION=$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/"/,"",$3); print $3; exit}' Cargo.lock)

say() { printf '\033[1msetup:\033[0m %s\n' "$*"; }

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

apt_missing=()
command -v chromium >/dev/null || apt_missing+=(chromium)
command -v chromedriver >/dev/null || apt_missing+=(chromium-driver)
command -v ffmpeg >/dev/null || apt_missing+=(ffmpeg)
command -v curl >/dev/null || apt_missing+=(curl)
# Replicas share state through Redis; the tests start their own on loopback.
command -v redis-server >/dev/null || apt_missing+=(redis-server)
# The managed-Redis tests make a CA and a certificate of their own for Redis's TLS.
command -v openssl >/dev/null || apt_missing+=(openssl)
# The providers' Python SDKs run in a venv of their own (Debian splits venv off).
command -v python3 >/dev/null || apt_missing+=(python3)
python3 -c 'import ensurepip' 2>/dev/null || apt_missing+=(python3-venv)
# The journeys in WebKit (WebKitGTK's WebDriver and MiniBrowser, under a virtual
# display) and Firefox ESR (e2e/engines).
command -v WebKitWebDriver >/dev/null || apt_missing+=(webkit2gtk-driver)
command -v firefox-esr >/dev/null || apt_missing+=(firefox-esr)
command -v xvfb-run >/dev/null || apt_missing+=(xvfb xauth)
# A Japanese font, so the screenshots of the Japanese panel show its text (shoppers'
# devices have their own; this machine's browsers would draw empty boxes).
[ -e /usr/share/fonts/opentype/ipafont-gothic/ipag.ttf ] || apt_missing+=(fonts-ipafont-gothic)
if ((${#apt_missing[@]})); then
  say "installing ${apt_missing[*]} from apt"
  export DEBIAN_FRONTEND=noninteractive
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${apt_missing[@]}" >/dev/null
fi

if [ "$(trunk --version 2>/dev/null | awk '{print $2}')" != "$TRUNK_VERSION" ]; then
  say "installing trunk $TRUNK_VERSION (several minutes on 2 cores)"
  cargo install trunk --version "$TRUNK_VERSION" --locked
fi

if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$WASM_BINDGEN_VERSION" ]; then
  say "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION"
  # --locked fails on this registry mirror (TOOLCHAIN.md); the version itself is pinned.
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
fi

if [ "$(geckodriver --version 2>/dev/null | awk 'NR==1 {print $2}')" != "$GECKODRIVER_VERSION" ]; then
  say "installing geckodriver $GECKODRIVER_VERSION (a few minutes on 2 cores)"
  cargo install geckodriver --version "$GECKODRIVER_VERSION" --locked
fi

# The providers' own SDKs from PyPI (pinned, with what they pull in), for the tests
# that drive the gateway with them; a stamp of the list tells whether the venv matches.
venv=target/sdk-venv
if ! cmp -s gateway/tests/sdk/requirements.txt "$venv/.setup-stamp" 2>/dev/null; then
  say "installing the providers' Python SDKs into $venv (gateway/tests/sdk/requirements.txt)"
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r gateway/tests/sdk/requirements.txt
  cp gateway/tests/sdk/requirements.txt "$venv/.setup-stamp"
fi

# A stamp of the lock file tells whether node_modules matches it.
if ! cmp -s package-lock.json node_modules/.setup-stamp 2>/dev/null; then
  say "installing the pinned npm tools (package-lock.json)"
  npm ci --no-audit --no-fund --loglevel=error
  cp package-lock.json node_modules/.setup-stamp
fi

say "ready"
