#!/usr/bin/env bash
# Prints the upstream and replica figures: 200 shoppers at once on the fakes of FASHN
# (published limits; polling and webhooks) and TryItOn through one gateway, then 500
# shoppers over 3 replicas sharing a Redis of the bench's own, then the existing
# gateway bench with one gateway on that Redis (compare with its run without).
# TRYON_BENCH_SCALE (default 0.1) scales the providers' time; see BENCHMARKS.md.
set -euo pipefail
source "$(dirname "$0")/env.sh"
scripts/setup.sh
cargo build --release -p tryon-gateway -p tryon-fakes

# Redis on a free loopback port with its own directory, stopped at the end.
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
dir=$(mktemp -d)
redis-server --bind 127.0.0.1 --port "$port" --save "" --appendonly no --dir "$dir" >/dev/null &
redis_pid=$!
trap 'kill "$redis_pid" 2>/dev/null || true; rm -rf "$dir"' EXIT
for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done

TRYON_BENCH_REDIS="redis://127.0.0.1:$port/0" target/release/tryon-upstream-bench
echo
echo "The gateway bench again, one gateway with TRYON_REDIS_URL (the cost of Redis):"
TRYON_REDIS_URL="redis://127.0.0.1:$port/0" target/release/tryon-gateway-bench
