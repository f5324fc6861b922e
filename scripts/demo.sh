#!/usr/bin/env bash
# Quick start: install what is missing, build geotool in release mode, and compute rainfall
# statistics for every MIMU township from the bundled data.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# `geotool --version` names the commit it was built from (when this is a git checkout).
commit=$(git rev-parse --short=12 HEAD 2>/dev/null || true)
swift build -c release --product geotool ${commit:+-Xcc "-DGEOKIT_BUILD_COMMIT=\"$commit\""} 2>&1 | tail -1
mkdir -p out
.build/release/geotool zonal \
    --zones TestRasters/mimu/townships.json --id TS_PCODE \
    --include-cols TS,TS_MMR,DT_PCODE,ST_PCODE \
    --raster rain=TestRasters/mimu/rainfall_dekad.tif \
    --stats count,mean,min,max,stdev,median,area,nodata_frac \
    -o out/rain_by_township.csv
echo "table: $(pwd)/out/rain_by_township.csv"
