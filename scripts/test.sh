#!/usr/bin/env bash
# The whole test suite: install what is missing, build, build and run the Examples package
# (GeoKit used as a dependency), then run every test. The test summary is the last line.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh test
swift build --build-tests 2>&1 | tail -1

# The library as another package uses it: Examples/ depends on this package by path.
swift build --package-path Examples 2>&1 | tail -1
bin=$(swift build --package-path Examples --show-bin-path)
out=$("$bin/township-means" TestRasters/mimu/townships.json TestRasters/mimu/rainfall_dekad.tif) ||
    { echo "test: township-means failed" >&2; exit 1; }
printf '%s\n' "$out" | head -4
printf '%s\n' "$out" | grep -Eq '^MMR[0-9]+,' || { echo "test: township-means printed no township" >&2; exit 1; }

# The script fails when `swift test` fails (its own status, read from PIPESTATUS), and not
# merely because grep filtered every line away.
log=$(mktemp /tmp/geokit-test.XXXXXX.log)
set +e
swift test --disable-swift-testing 2>&1 | tee "$log" | grep -Ev "^Test Case .* (started|passed)"
status=("${PIPESTATUS[@]}")
set -e
if [ "${status[0]}" -ne 0 ] || [ "${status[1]}" -ne 0 ]; then
    echo "test: swift test failed (exit ${status[0]}; log: $log)" >&2
    exit 1
fi
