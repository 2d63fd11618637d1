#!/usr/bin/env bash
# The demo: the gateway in sandbox mode plus the product page, on this machine only.
# Open the printed URL; Ctrl-C stops both.
#   TRYON_SANDBOX_LATENCY_SCALE=0.1 scripts/demo.sh   # faster than the real service
set -euo pipefail
source "$(dirname "$0")/env.sh"
scripts/setup.sh

cargo build --release -p tryon-gateway
export TRYON_SANDBOX_LATENCY_SCALE="${TRYON_SANDBOX_LATENCY_SCALE:-1.0}"
# Result URLs go through the page's origin (trunk proxies /v1 to the gateway).
export TRYON_PUBLIC_URL="${TRYON_PUBLIC_URL:-http://127.0.0.1:8080}"
export TRYON_ALLOWED_ORIGINS="${TRYON_ALLOWED_ORIGINS:-http://127.0.0.1:8080,http://localhost:8080}"
# The demo page serves the garment from 127.0.0.1, so image URLs may reach loopback here.
target/release/tryon-gateway --listen 127.0.0.1:8787 --engine sandbox --allow-private-image-urls &
gateway=$!
trap 'kill "$gateway" 2>/dev/null; wait "$gateway" 2>/dev/null' EXIT INT TERM

printf '\n\033[1mDemo: http://127.0.0.1:8080/\033[0m  (gateway on http://127.0.0.1:8787, sandbox engine)\n\n'
trunk serve --release
