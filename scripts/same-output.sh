#!/usr/bin/env bash
# Run every geotool command the same way with two binaries and compare what they write.
#
#   scripts/same-output.sh OLD_GEOTOOL NEW_GEOTOOL [WORKDIR]
#
# Prints one line per case, `same` or `DIFFERENT` (with the files that differ), and exits 1
# when any case differs. Each binary runs in its own folder (WORKDIR/old, WORKDIR/new) with
# the same arguments and the same input paths, so outputs can be compared byte for byte:
#   - CSV, SVG, HTML, stdout and exit status: byte for byte;
#   - XLSX and GPKG: byte for byte, else (GeoPackages hold timestamps) through
#     `ogr2ogr -f CSV` with geometry as WKT;
#   - *.datapackage.json sidecars (OUT.EXT.datapackage.json, against an old binary's
#     OUT.datapackage.json; its dialect headerRowCount read as headerRows/commentRows):
#     after removing the keys that change from run to run
#     (created, geotool.started, geotool.seconds, geotool.command);
#   - stderr (warnings) is compared after removing timings and the binary's path; a
#     difference there is reported as a note, not a failure.
# Inputs: the bundled data (TestRasters/), rasters made from it with gdal_translate into
# WORKDIR/input, and, when bench-data/ exists at the repo root (or BENCH_DATA names another
# folder), the cases of Benchmarks/bench.py (slow with debug builds; SKIP_BENCH=1 skips them).
# Needs gdal-bin and Debian's /usr/bin/python3.
set -uo pipefail

if [ $# -lt 2 ] || [ $# -gt 3 ]; then
    echo "usage: $0 OLD_GEOTOOL NEW_GEOTOOL [WORKDIR]" >&2
    exit 2
fi
ROOT=$(cd "$(dirname "$0")/.." && pwd)
abspath() { case "$1" in /*) echo "$1" ;; *) echo "$PWD/$1" ;; esac; }
OLD=$(abspath "$1"); NEW=$(abspath "$2")
WORK=$(abspath "${3:-$(mktemp -d /tmp/geotool-same-XXXXXX)}")
for b in "$OLD" "$NEW"; do
    [ -x "$b" ] || { echo "same-output: $b is not an executable" >&2; exit 2; }
done
for t in gdal_translate ogr2ogr /usr/bin/python3 cmp; do
    command -v "$t" >/dev/null || { echo "same-output: needs $t" >&2; exit 2; }
done
rm -rf "$WORK/old" "$WORK/new" "$WORK/input"
mkdir -p "$WORK/old" "$WORK/new" "$WORK/input"

MIMU=$ROOT/TestRasters/mimu
ZONES=$MIMU/townships.json
RAIN=$MIMU/rainfall_dekad.tif
JOIN=$ROOT/TestRasters/join
IN=$WORK/input
BENCH=${BENCH_DATA:-$ROOT/bench-data}

failures=0
cases=0

# Sidecar without the keys that change from run to run, keys sorted.
strip_sidecar() {
    /usr/bin/python3 - "$1" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1], encoding="utf-8"))
d.pop("created", None)
# The CSV dialect as Frictionless has it (the old sidecars said headerRowCount).
for r in d.get("resources", []):
    dl = r.get("dialect")
    if isinstance(dl, dict) and "headerRowCount" in dl:
        n = dl.pop("headerRowCount")
        dl["headerRows"] = [1]
        if n == 2:
            dl["commentRows"] = [2]
g = d.get("geotool")
if isinstance(g, dict):
    for k in ("started", "seconds", "command"):
        g.pop(k, None)
print(json.dumps(d, indent=1, sort_keys=True, ensure_ascii=False))
EOF
}

# stderr without timings ("in 0.78 s", "(0.95 s)") and without the binary's own path.
strip_stderr() {
    sed -E -e "s#$2#GEOTOOL#g" -e 's/[0-9]+(\.[0-9]+)? ?(s|ms)\b/T/g' "$1"
}

# Compare one output file of both sides; print nothing when equal, else its name.
compare_file() {
    local rel=$1 a=$WORK/old/$1 b=$WORK/new/$1
    # Sidecars were named OUT.datapackage.json before they were OUT.EXT.datapackage.json.
    case "$rel" in
        *.*.datapackage.json) [ -e "$a" ] || a=$WORK/old/${rel%.*.datapackage.json}.datapackage.json ;;
    esac
    if [ ! -e "$a" ] && [ ! -e "$b" ]; then return; fi   # neither wrote it: the exit status tells
    if [ ! -e "$a" ]; then echo "$rel (only new)"; return; fi
    if [ ! -e "$b" ]; then echo "$rel (only old)"; return; fi
    case "$rel" in
        *.datapackage.json)
            cmp -s <(strip_sidecar "$a") <(strip_sidecar "$b") || echo "$rel" ;;
        *.gpkg|*.xlsx)
            cmp -s "$a" "$b" && return
            local ca=$WORK/old/.csv-of-${rel//\//_} cb=$WORK/new/.csv-of-${rel//\//_}
            rm -rf "$ca" "$cb"
            ogr2ogr -f CSV -lco GEOMETRY=AS_WKT "$ca" "$a" 2>/dev/null &&
                ogr2ogr -f CSV -lco GEOMETRY=AS_WKT "$cb" "$b" 2>/dev/null &&
                diff -rq "$ca" "$cb" >/dev/null || echo "$rel (as CSV)" ;;
        *)
            cmp -s "$a" "$b" || echo "$rel" ;;
    esac
}

# run_case NAME "OUTPUT FILES (relative, space-separated)" ARGS...
# Runs `geotool ARGS...` in WORKDIR/old and WORKDIR/new and compares the outputs, stdout,
# exit status and (as a note) stderr.
run_case() {
    local name=$1 outputs=$2; shift 2
    local side bin
    for side in old new; do
        bin=$OLD; [ $side = new ] && bin=$NEW
        (cd "$WORK/$side" && "$bin" "$@" >"$name.stdout" 2>"$name.stderr"; echo $? >"$name.status")
    done
    local diffs=() f d
    for f in $outputs "$name.stdout" "$name.status"; do
        d=$(compare_file "$f"); [ -n "$d" ] && diffs+=("$d")
    done
    cases=$((cases + 1))
    if [ ${#diffs[@]} -eq 0 ]; then
        printf '%-10s %s (exit %s)\n' same "$name" "$(cat "$WORK/old/$name.status")"
    else
        failures=$((failures + 1))
        printf '%-10s %s: %s\n' DIFFERENT "$name" "${diffs[*]}"
    fi
    if ! cmp -s <(strip_stderr "$WORK/old/$name.stderr" "$OLD") <(strip_stderr "$WORK/new/$name.stderr" "$NEW"); then
        printf '%-10s %s: stderr differs (diff %s %s)\n' "  note" "$name" "$WORK/old/$name.stderr" "$WORK/new/$name.stderr"
    fi
}

echo "same-output: old $OLD"
echo "same-output: new $NEW"
echo "same-output: work $WORK"

# ---- info
run_case info-raster "" info "$RAIN"
run_case info-zones "" info "$ZONES"

# ---- zonal on the bundled MIMU townships and rainfall
Z=(zonal --quiet --zones "$ZONES" --id TS_PCODE)
run_case zonal-mean "zonal-mean.csv zonal-mean.csv.datapackage.json" \
    "${Z[@]}" --raster "rain=$RAIN" --stats mean -o zonal-mean.csv
run_case zonal-wide "zonal-wide.csv zonal-wide.csv.datapackage.json" \
    "${Z[@]}" --raster "rain=$RAIN" --stats count,sum,mean --include-cols TS -o zonal-wide.csv
run_case zonal-rollup "zonal-rollup.csv zonal-rollup.csv.datapackage.json" \
    "${Z[@]}" --raster "rain=$RAIN" --stats count,sum,mean,max \
    --rollup DT_PCODE,ST_PCODE --include-cols TS,DT_PCODE,ST_PCODE -o zonal-rollup.csv
run_case zonal-long-hxl "zonal-long-hxl.csv zonal-long-hxl.csv.datapackage.json" \
    "${Z[@]}" --raster "rain=$RAIN" --stats count,mean,p90 --rollup DT_PCODE,ST_PCODE \
    --include-cols TS,DT_PCODE,ST_PCODE --format long --hxl --unit rain=mm -o zonal-long-hxl.csv
ALL=count,sum,mean,min,max,range,stdev,variance,cv,median,p90,majority,minority,variety,frac,area,nodata_frac,coverage,cells
run_case zonal-all-stats "zonal-all-stats.csv zonal-all-stats.csv.datapackage.json" \
    "${Z[@]}" --raster "rain=$RAIN" --stats "$ALL" -o zonal-all-stats.csv
run_case zonal-all-stats-long "zonal-all-stats-long.csv zonal-all-stats-long.csv.datapackage.json" \
    "${Z[@]}" --raster "rain=$RAIN" --stats "$ALL" --format long -o zonal-all-stats-long.csv
for m in center all-touched; do
    run_case "zonal-$m" "zonal-$m.csv zonal-$m.csv.datapackage.json" \
        "${Z[@]}" --raster "rain=$RAIN" --stats count,sum,mean,min,max,median,cells --method "$m" -o "zonal-$m.csv"
done
run_case zonal-threads1 "zonal-threads1.csv zonal-threads1.csv.datapackage.json" \
    "${Z[@]}" --raster "rain=$RAIN" --stats "$ALL" --threads 1 -o zonal-threads1.csv
run_case zonal-bom "zonal-bom.csv" \
    "${Z[@]}" --raster "rain=$RAIN" --stats mean --include-cols TS,TS_MMR --bom -o zonal-bom.csv
run_case zonal-xlsx "zonal.xlsx zonal.xlsx.datapackage.json" \
    "${Z[@]}" --raster "rain=$RAIN" --stats count,mean,max --include-cols TS -o zonal.xlsx
run_case zonal-gpkg "zonal.gpkg zonal.gpkg.datapackage.json" \
    "${Z[@]}" --raster "rain=$RAIN" --stats count,mean,max --include-cols TS -o zonal.gpkg
run_case zonal-gpkg-rollup "zonal-rollup.gpkg zonal-rollup.gpkg.datapackage.json" \
    "${Z[@]}" --raster "rain=$RAIN" --stats mean --rollup DT_PCODE,ST_PCODE -o zonal-rollup.gpkg

# A multi-band raster (bands scaled differently) and a weights raster, made from the rainfall.
gdal_translate -q -b 1 -b 1 -b 1 -scale_2 0 1000 0 500 -scale_3 0 1000 0 2000 "$RAIN" "$IN/multi.tif"
printf '2023-01\n2023-02\n2023-03\n' >"$IN/multi.tif.bands.txt"
gdal_translate -q -ot Float32 -scale 0 1000 1 11 "$RAIN" "$IN/weights.tif"
run_case zonal-multiband "zonal-multiband.csv zonal-multiband.csv.datapackage.json" \
    "${Z[@]}" --raster "m=$IN/multi.tif" --raster "one=$IN/multi.tif:2" --stats count,mean,max -o zonal-multiband.csv
run_case zonal-multiband-long "zonal-multiband-long.csv zonal-multiband-long.csv.datapackage.json" \
    "${Z[@]}" --raster "m=$IN/multi.tif" --stats mean --format long --hxl -o zonal-multiband-long.csv
run_case zonal-weights "zonal-weights.csv zonal-weights.csv.datapackage.json" \
    "${Z[@]}" --raster "rain=$RAIN" --weights "w=$IN/weights.tif" --stats mean,weighted_mean,weighted_sum -o zonal-weights.csv
run_case zonal-missing-raster "" \
    "${Z[@]}" --raster "rain=$IN/missing.tif" --stats mean -o zonal-bad.csv

# ---- join: the hand-made fixtures (every match rule), and the same zones in UTM
J=(join --points "$JOIN/points.csv" --id TS_PCODE)
run_case join-fixture "join.csv join-qa.csv" \
    "${J[@]}" --zones "$JOIN/zones.geojson" --nearest 20km --id-col school_id --check-col TS_PCODE \
    -o join.csv --report join-qa.csv
run_case join-utm "join-utm.csv" \
    "${J[@]}" --zones "$JOIN/zones_utm47.gpkg" --nearest 2km -o join-utm.csv
run_case join-exact-threads1 "join-exact.csv" \
    "${J[@]}" --zones "$JOIN/zones.geojson" --border-tolerance 0 --threads 1 --bom -o join-exact.csv
run_case join-xlsx "join.xlsx join-qa.xlsx" \
    "${J[@]}" --zones "$JOIN/zones.geojson" --nearest 20km -o join.xlsx --report join-qa.xlsx
run_case join-gpkg "join.gpkg" \
    "${J[@]}" --zones "$JOIN/zones.geojson" -o join.gpkg
# Points in the townships: cell centres of the rainfall raster, as a CSV.
/usr/bin/python3 - "$IN/centres.csv" <<'EOF'
import sys
with open(sys.argv[1], "w") as f:
    f.write("pid,lon,lat\n")
    i = 0
    for r in range(0, 389, 7):
        for c in range(0, 138, 5):
            i += 1
            f.write("p%d,%.3f,%.3f\n" % (i, 95.325 + 0.05 * c, 29.325 - 0.05 * r))
EOF
run_case join-townships "join-townships.csv" \
    join --points "$IN/centres.csv" --x lon --y lat --zones "$ZONES" --id TS_PCODE \
    --include-cols TS,DT_PCODE --nearest 5km -o join-townships.csv

# ---- map and report, from one zonal table (the old binary's, so both draw the same input)
(cd "$IN" && "$OLD" zonal --quiet --zones "$ZONES" --id TS_PCODE --include-cols TS --raster "rain=$RAIN" \
    --stats mean,max --unit rain=mm -o rain.csv 2>/dev/null)
run_case map-svg "rain_mean.svg" \
    map "$IN/rain.csv" --zones "$ZONES" --id TS_PCODE --column rain_mean --labels TS -o rain_mean.svg
run_case map-svg-jenks "rain_max.svg" \
    map "$IN/rain.csv" --zones "$ZONES" --id TS_PCODE --column rain_max --scheme jenks --classes 7 \
    --palette viridis --title "Rain max" -o rain_max.svg
run_case report-html "rain.html" \
    report "$IN/rain.csv" --zones "$ZONES" --id TS_PCODE -o rain.html
run_case report-html-nomap "rain-nomap.html" \
    report "$IN/rain.csv" --columns rain_mean -o rain-nomap.html

# ---- batch: a monthly file series (pattern) and a multi-band file with dates, wide and long
mkdir -p "$IN/rain"
for mm in 01 02 03 04 05 06 07 08 09 10 11 12; do
    gdal_translate -q -ot Float32 -scale 0 1000 0 $((800 + 10#$mm * 40)) "$RAIN" "$IN/rain/rain-2023.$mm.tif"
done
gdal_translate -q -ot Float32 -scale 0 1000 0 1300 "$RAIN" "$IN/rain/rain-2024.01.tif"
manifest() {   # manifest FORMAT
    cat <<EOF
zones:
  path: $ZONES
  id: TS_PCODE
  include: [TS, DT_PCODE, ST_PCODE]
  rollup: [DT_PCODE, ST_PCODE]
output:
  dir: batch-$1
  format: $1
indicators:
  - name: rain
    description: Monthly rainfall
    unit: mm
    source: $IN/rain/rain-{yyyy}.{mm}.tif
    stats: [mean, max]
    derive:
      annual: sum
      anomaly: {baseline: [2023, 2023]}
  - name: multi
    source: $IN/multi.tif
    stats: [mean, median]
    method: center
  - name: weighted
    source: $IN/multi.tif
    band: 2
    stats: [weighted_mean, count]
    method: all-touched
    weights: $IN/weights.tif
EOF
}
for fmt in wide long; do
    for side in old new; do manifest $fmt >"$WORK/$side/batch-$fmt.yaml"; done
    outs=""
    for n in rain multi weighted; do outs="$outs batch-$fmt/$n.csv batch-$fmt/$n.csv.datapackage.json"; done
    run_case "batch-$fmt" "$outs" batch --quiet "batch-$fmt.yaml"
done
run_case batch-dry-run "" batch --dry-run batch-long.yaml
# Incremental: one more month, then rerun; the tables must be rewritten the same way.
gdal_translate -q -ot Float32 -scale 0 1000 0 1400 "$RAIN" "$IN/rain/rain-2024.02.tif"
run_case batch-long-incremental "batch-long/rain.csv batch-long/rain.csv.datapackage.json" \
    batch --quiet batch-long.yaml

# ---- benchmark layers (Benchmarks/bench.py cases 1-4 and 5's scaled DEMs), when present
if [ -d "$BENCH" ] && [ "${SKIP_BENCH:-0}" != 1 ]; then
    T=$BENCH/zones/townships.gpkg; V=$BENCH/zones/tracts.gpkg; D=$BENCH/full
    bench_case() {   # bench_case NAME ZONES ID RASTER ARGS...
        local name=$1 zones=$2 idf=$3 raster=$4; shift 4
        if [ ! -e "$zones" ] || [ ! -e "$raster" ]; then echo "skip       $name: $zones or $raster missing"; return; fi
        for th in "" 1; do
            local n=$name${th:+-threads$th}
            run_case "$n" "$n.csv $n.csv.datapackage.json" \
                zonal --quiet --zones "$zones" --id "$idf" "$@" ${th:+--threads $th} -o "$n.csv"
        done
    }
    bench_case bench1-dem "$T" TS_PCODE "$D/dem.tif" --raster "dem=$D/dem.tif" --stats count,mean,min,max,stdev
    bench_case bench2-lossyear "$T" TS_PCODE "$D/lossyear.tif" --raster "loss=$D/lossyear.tif" --stats class_area,frac
    bench_case bench3-ntl "$V" VT_PCODE "$D/ntl.tif" --raster "ntl=$D/ntl.tif" --weights "pop=$D/pop.tif" \
        --stats sum,mean,weighted_mean
    bench_case bench4-precip "$V" VT_PCODE "$D/precip.tif" --raster "precip=$D/precip.tif" --stats mean
    for s in 0.25 0.5; do
        bench_case "bench5-dem-s$s" "$T" TS_PCODE "$BENCH/s$s/dem.tif" --raster "dem=$BENCH/s$s/dem.tif" \
            --stats count,mean,min,max,stdev
    done
else
    echo "skip       bench cases: $([ "${SKIP_BENCH:-0}" = 1 ] && echo "SKIP_BENCH=1" || echo "no $BENCH")"
fi

echo "same-output: $((cases - failures)) of $cases case(s) the same, $failures different"
[ $failures -eq 0 ]
