#!/usr/bin/env bash
# Prints the benchmark figures (release builds; loopback only; bounded in time):
# the gateway under load; the gateway in front of the hosted APIs' fakes, replicas on
# Redis and the gateway bench on Redis; the photo check (verdicts, latency, memory);
# photo preparation in Chromium, WebKit and Firefox, each against
# pica and a plain canvas; then the embed (sizes, long tasks before intent, click to
# panel, completion to screen with long-poll and with polling).
set -euo pipefail
source "$(dirname "$0")/env.sh"
scripts/setup.sh
cargo build --release -p tryon-gateway
target/release/tryon-gateway-bench
scripts/bench-upstream.sh
scripts/bench-vision.sh
scripts/build-embed.sh
# In Chromium, WebKit and Firefox; WebKit's MiniBrowser needs a (virtual) display.
xvfb-run -a node e2e/bench-photo.mjs
# The embed: sizes, long tasks before intent, click → panel, completion → screen.
TRYON_GATEWAY_BIN=target/release/tryon-gateway node e2e/bench-embed.mjs
