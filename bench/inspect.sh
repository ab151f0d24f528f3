#!/usr/bin/env bash
# Benchmark `heft inspect` against the gguf Python reader. Prints a table of median wall times.
set -euo pipefail
cd "$(dirname "$0")/.."
Scripts/fixtures.sh >/dev/null
swift build -c release --product heft >/dev/null
.fixtures/.venv/bin/python bench/inspect_bench.py
