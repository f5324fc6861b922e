#!/usr/bin/env bash
# The whole test suite: install what is missing, build, run every test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
swift build --build-tests 2>&1 | tail -1
swift test --disable-swift-testing 2>&1 | tee /tmp/geokit-test.log | grep -Ev "^Test Case .* (started|passed)" 
