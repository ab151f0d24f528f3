#!/usr/bin/env bash
# Load benchmark of the web app: builds the release binary, then bench/serve_load.py (2,000 requests from 20
# clients over every API endpoint; p50/p90/p99 per endpoint).
set -euo pipefail
cd "$(dirname "$0")/.."
Scripts/fixtures.sh >/dev/null
swift build -c release --product heft >/dev/null
python3 bench/serve_load.py .build/release/heft "$@"
