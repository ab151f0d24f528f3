#!/usr/bin/env bash
# Benchmark heft stats against numpy on a 2 GB F32 safetensors file.
set -euo pipefail
cd "$(dirname "$0")/.."
Scripts/fixtures.sh >/dev/null
swift build -c release --product heft --static-swift-stdlib >/dev/null
.fixtures/.venv/bin/python bench/stats_bench.py
