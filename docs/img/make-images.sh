#!/usr/bin/env bash
# Redraw the README's picture from the bundled data: mean dekadal rainfall by MIMU township,
# with the state boundaries over it. Needs a built geotool and rsvg-convert (librsvg2-bin).
#   bash docs/img/make-images.sh [path/to/geotool]
set -euo pipefail
cd "$(dirname "$0")/../.."
G=${1:-$(swift build -c release --show-bin-path)/geotool}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$G" zonal --zones TestRasters/mimu/townships.json --id TS_PCODE --include-cols TS,DT_PCODE,ST_PCODE \
    --raster rain=TestRasters/mimu/rainfall_dekad.tif --unit rain=mm --stats count,mean,coverage --quiet \
    -o "$tmp/rain_by_township.csv"
"$G" map "$tmp/rain_by_township.csv" --zones TestRasters/mimu/townships.json --id TS_PCODE --column rain_mean \
    --outline TestRasters/mimu/states.json --title "Mean dekadal rainfall by township" \
    --attribution "Boundaries: MIMU. Rainfall: WFP prism-app test data (MIT)" --source "" \
    --size 700 --png-scale 1 --quiet -o docs/img/rain_by_township.png
