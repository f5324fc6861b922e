#!/usr/bin/env bash
# The whole test suite: install what is missing, build, build and run the Examples package
# (GeoKit used as a dependency), then run every test: the Swift tests, then the QGIS plugin's
# (qgis/tests), then the Python package's (python/tests). The closing lines are the Swift
# tests' summary, `qgis: N passed, M failed`, `python: N passed, M failed` and the total.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh test
# The build checks that each target imports only the targets Package.swift says it depends
# on (`swift test` with this flag would report and still run: a build step fails the run).
swift build --build-tests --explicit-target-dependency-import-check error 2>&1 | tail -1
# The C boundary: SwiftPM lets every target above GeoGDAL import CGeo, so the rule that only
# GeoGDAL does is checked here.
if outside=$(grep -rlE '^\s*(@_implementationOnly )?import CGeo' Sources Tests Benchmarks Examples | grep -v '^Sources/GeoGDAL/'); then
    echo "test: only GeoGDAL may import CGeo; also imported by: $outside" >&2
    exit 1
fi
# No function over 80 lines outside the named numeric kernels (issue 27's rule), checked
# with Debian's own python3 (the script uses the standard library only).
/usr/bin/python3 scripts/function-lengths.py >/dev/null ||
    { /usr/bin/python3 scripts/function-lengths.py | tail -5 >&2; echo "test: a function over 80 lines (scripts/function-lengths.py)" >&2; exit 1; }

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
swift_summary=$(grep -E "Executed [0-9]+ tests?" "$log" | tail -1 | sed -E 's/^[[:space:]]+//')

# The QGIS plugin (qgis/geokit), headless through qgis_process, with the geotool just built
# (debug). Debian's own python3, where python3-qgis lives (not a pyenv or venv python3).
qlog=$(mktemp /tmp/geokit-qgis-test.XXXXXX.log)
set +e
GEOTOOL="$(swift build --show-bin-path)/geotool" /usr/bin/python3 qgis/tests/test_provider.py >"$qlog" 2>&1
qstatus=$?
set -e
grep -v "^qgis: " "$qlog" || true
[ -n "$swift_summary" ] && echo "swift: $swift_summary"
qline=$(grep "^qgis: " "$qlog" || echo "qgis: 0 passed, 1 failed (the test script did not finish; log: $qlog)")
echo "$qline"
if [ "$qstatus" -ne 0 ]; then
    echo "test: qgis plugin tests failed (exit $qstatus; log: $qlog)" >&2
    exit 1
fi
# The Python package (python/): libGeoKitC.so (debug, as the Swift tests use) copied into
# it, installed into .venv, its pytest tests run against exactextract's Python package.
swift build --product GeoKitC 2>&1 | tail -1
cp "$(swift build --show-bin-path)/libGeoKitC.so" python/geokit/
.venv/bin/python -m pip install -q --disable-pip-version-check --no-deps --force-reinstall ./python
plog=$(mktemp /tmp/geokit-python-test.XXXXXX.log)
set +e
.venv/bin/python -m pytest -q -p no:cacheprovider python/tests >"$plog" 2>&1
pstatus=$?
set -e
psummary=$(tail -1 "$plog")
p_p=$(echo "$psummary" | grep -oE '[0-9]+ passed' | grep -oE '[0-9]+' || echo 0)
p_f=$(( $(echo "$psummary" | grep -oE '[0-9]+ failed' | grep -oE '[0-9]+' || echo 0) + $(echo "$psummary" | grep -oE '[0-9]+ errors?' | grep -oE '[0-9]+' || echo 0) ))
# pytest exits 1 with failures, 2-4 when it could not run them (count that as one failure).
if [ "$pstatus" -ne 0 ] && [ "$p_f" -eq 0 ]; then p_f=1; fi
[ "$pstatus" -ne 0 ] && cat "$plog"
echo "python: $p_p passed, $p_f failed"
# One closing line for the whole suite: the Swift tests, the plugin's and the Python package's.
swift_n=$(echo "$swift_summary" | sed -E 's/^Executed ([0-9]+) tests?, with ([0-9]+) failures?.*/\1/')
swift_f=$(echo "$swift_summary" | sed -E 's/^Executed ([0-9]+) tests?, with ([0-9]+) failures?.*/\2/')
q_p=$(echo "$qline" | sed -E 's/^qgis: ([0-9]+) passed, ([0-9]+) failed.*/\1/')
q_f=$(echo "$qline" | sed -E 's/^qgis: ([0-9]+) passed, ([0-9]+) failed.*/\2/')
echo "total: $((swift_n - swift_f + q_p + p_p)) passed, $((swift_f + q_f + p_f)) failed"
if [ "$pstatus" -ne 0 ]; then
    echo "test: python package tests failed (exit $pstatus; log: $plog)" >&2
    exit 1
fi
