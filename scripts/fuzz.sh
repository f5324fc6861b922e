#!/usr/bin/env bash
# Build and run the libFuzzer targets of Fuzz/ (coverage, csv, manifest) for SECONDS each
# (default 120). Each target is compiled with swiftc directly (no change to Package.swift):
#   coverage, csv: Sources/GeoCore/**/*.swift + Fuzz/<target>/main.swift, one module
#   manifest:      GeoCore + GeoBatch's manifest parser + the tests' in-memory ManifestProbe
#                  (imports stripped) + Fuzz/manifest, linked with Yams built from its checkout
# with -sanitize=fuzzer,address. Corpora live in Fuzz/corpus/<target>/ (new finds are added
# there); crashes are written to Fuzz/crashes/<target>/ and make the script exit non-zero.
# Leak detection is off: Foundation's FileManager.contents(atPath:) leaks 4 KB per empty file
# read (seen on Swift 6.3 / Linux), which is not ours to fix.
#
#   scripts/fuzz.sh            # 120 s per target
#   scripts/fuzz.sh 600        # 10 minutes per target
#   TARGETS="csv" scripts/fuzz.sh 60
#   scripts/fuzz.sh repro coverage Fuzz/crashes/coverage/crash-...   # rerun one input
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BUILD=${FUZZ_BUILD:-$ROOT/.build/fuzz}
mkdir -p "$BUILD"
SWIFTC=${SWIFTC:-swiftc}
# Swift's own crash backtracer trips AddressSanitizer; let libFuzzer report traps.
export SWIFT_BACKTRACE=enable=no
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0}
FLAGS=(-sanitize=fuzzer,address -parse-as-library -O -g -package-name GeoKit)

core_sources() { find Sources/GeoCore -name '*.swift' | sort; }

# The manifest parser: GeoBatch's files that read a manifest (no GDAL, no file system: a
# ManifestProbe answers), and the probe over files in memory that the tests use.
manifest_sources=(Sources/GeoBatch/BatchManifest.swift Sources/GeoBatch/ManifestProbe.swift
    Sources/GeoBatch/BatchDatasetSource.swift Sources/GeoBatch/BatchDeriveManifest.swift Sources/GeoBatch/BatchDerived.swift
    Sources/GeoBatch/BatchSeries.swift Sources/GeoBatch/BatchVectorManifest.swift Sources/GeoBatch/BatchFormulaManifest.swift
    Tests/GeoBatchTests/MemoryFiles.swift)

yams_dir() {
    # Yams as SwiftPM checked it out for the root package (swift package resolve fetches it).
    local d
    for d in .build/checkouts/Yams ../main/.build/checkouts/Yams; do
        [ -d "$d/Sources/Yams" ] && { echo "$d"; return; }
    done
    swift package resolve >/dev/null 2>&1 || true
    [ -d .build/checkouts/Yams/Sources/Yams ] && { echo .build/checkouts/Yams; return; }
    echo "fuzz.sh: Yams sources not found (run swift package resolve)" >&2; exit 1
}

build() {
    local t=$1 out=$BUILD/fuzz-$1
    case $t in
    coverage|csv)
        "$SWIFTC" "${FLAGS[@]}" -module-name GeoCore $(core_sources) Fuzz/$t/main.swift -o "$out" ;;
    manifest)
        local y; y=$(yams_dir)
        mkdir -p "$BUILD/yams"
        # CYaml (C), then Yams as a module, both instrumented.
        local objs=()
        for c in "$y"/Sources/CYaml/src/*.c; do
            clang -c -O1 -g -fsanitize=fuzzer-no-link,address -I"$y/Sources/CYaml/include" "$c" -o "$BUILD/yams/$(basename "$c" .c).o"
            objs+=("$BUILD/yams/$(basename "$c" .c).o")
        done
        "$SWIFTC" -sanitize=fuzzer,address -parse-as-library -O -g -wmo -module-name Yams -D SWIFT_PACKAGE -emit-module \
            -emit-module-path "$BUILD/yams/Yams.swiftmodule" -I "$y/Sources/CYaml/include" -c \
            $(find "$y/Sources/Yams" -name '*.swift' | sort) -o "$BUILD/yams/Yams.o"
        # The real parser (it needs GeoCore and Yams only: files reach it through a
        # ManifestProbe) and the tests' in-memory probe, their imports of GeoCore and
        # GeoBatch removed (one module here).
        local parser=()
        for f in "${manifest_sources[@]}"; do
            sed -E '/^import (GeoCore|GeoBatch)$/d' "$f" > "$BUILD/$(basename "$f")"
            parser+=("$BUILD/$(basename "$f")")
        done
        "$SWIFTC" "${FLAGS[@]}" -module-name ManifestFuzz -I "$BUILD/yams" -I "$y/Sources/CYaml/include" \
            $(core_sources) "${parser[@]}" Fuzz/manifest/main.swift \
            "$BUILD/yams/Yams.o" "${objs[@]}" -o "$out" ;;
    esac
}

if [ "${1:-}" = repro ]; then
    t=$2; shift 2
    build "$t"
    exec "$BUILD/fuzz-$t" "$@"
fi

SECONDS_EACH=${1:-120}
TARGETS=${TARGETS:-"coverage csv manifest"}
status=0
for t in $TARGETS; do
    echo "== $t: building"
    build "$t"
    mkdir -p "Fuzz/corpus/$t" "Fuzz/crashes/$t"
    echo "== $t: fuzzing for $SECONDS_EACH s"
    dict=(); [ -f "Fuzz/$t/dict" ] && dict=(-dict="Fuzz/$t/dict")
    log=$BUILD/fuzz-$t.log
    rc=0
    "$BUILD/fuzz-$t" "Fuzz/corpus/$t" "${dict[@]}" -max_total_time="$SECONDS_EACH" -max_len=4096 -timeout=10 \
        -rss_limit_mb=2048 -detect_leaks=0 -artifact_prefix="Fuzz/crashes/$t/" -print_final_stats=1 >"$log" 2>&1 || rc=$?
    grep -aE "^(Done|stat::|==[0-9]+== ERROR|SUMMARY)|fuzz: |Fatal error|artifact_prefix" "$log" | tail -20 || true
    if [ $rc != 0 ] || ls "Fuzz/crashes/$t"/* >/dev/null 2>&1; then
        echo "== $t: FAILED (exit $rc); inputs in Fuzz/crashes/$t, log $log"; status=1
    else
        echo "== $t: no failure"
    fi
done
exit $status
