#!/usr/bin/env bash
# The full test command: reference fixtures, extra fixtures with reference answers, build, tests.
# Needs python3 with pip (for the fixtures only; Heft itself never runs Python).
set -euo pipefail
cd "$(dirname "$0")/.."
../shared/fixtures/fetch.sh .fixtures
.fixtures/.venv/bin/python Scripts/make_test_fixtures.py .fixtures
swift build --build-tests
swift test
