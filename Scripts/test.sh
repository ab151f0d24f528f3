#!/usr/bin/env bash
# The full test command: reference fixtures, extra fixtures with reference answers, build, tests, a real-browser
# test of heft serve, then a bounded fuzz run of every parser (HEFT_FUZZ_SECONDS per target, default 20; 0 skips it).
# Needs python3 with pip (for the fixtures only; Heft itself never runs Python).
set -euo pipefail
cd "$(dirname "$0")/.."
../shared/fixtures/fetch.sh .fixtures
.fixtures/.venv/bin/python Scripts/make_test_fixtures.py .fixtures
swift build --build-tests
swift test
# The web app in a real browser (Debian's chromium, headless); .ci/run installs chromium when missing.
.fixtures/.venv/bin/pip install -q websocket-client
.fixtures/.venv/bin/python Tests/Browser/browser_test.py
seconds="${HEFT_FUZZ_SECONDS:-20}"
if [ "$seconds" != "0" ]; then Scripts/fuzz.sh "$seconds"; fi
