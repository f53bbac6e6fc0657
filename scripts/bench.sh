#!/usr/bin/env bash
# make bench: release builds, then the runner (csms against the null responder, in one run)
# and the criterion micro-benchmarks. Figures go to stdout; BENCHMARKS.md records them.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v wrk >/dev/null 2>&1; then
    echo "installing wrk"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
fi
cargo build --release -p csms -p bench -p simulator
# A boot storm of 15,000 chargers needs as many descriptors on both sides.
ulimit -n "$(ulimit -Hn)"
target/release/bench "$@"
cargo bench -p bench --bench micro
