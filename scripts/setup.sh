#!/usr/bin/env bash
# Install what is missing (Debian 12): `setup.sh` what a run needs (GDAL, GEOS, PROJ and
# OpenSSL's libcrypto, which GeoGDAL links; librsvg's rsvg-convert for PNG maps);
# `setup.sh test` adds what the tests need (headless Chromium for the report test, GDAL's
# command-line tools, QGIS with its Python bindings for the QGIS plugin's tests: qgis_process
# and python3-qgis, which also brings numpy and GDAL's Python bindings; PostgreSQL 15 and
# PostGIS 3, which the database tests start in a temporary folder; the frictionless
# Python package that validates the sidecars, and openpyxl that reads XLSX back; shapely, an
# independent GEOS check of join's border rule).
set -euo pipefail
pkgs=(libgdal-dev libgeos-dev libproj-dev libssl-dev pkg-config librsvg2-bin fonts-noto-core)
if [ "${1:-}" = "test" ]; then pkgs+=(chromium gdal-bin qgis python3-qgis python3-shapely postgresql-15 postgresql-15-postgis-3); fi
# The distributed tests start a one-node Slurm cluster (docs/distributed.md).
if [ "${1:-}" = "test" ]; then pkgs+=(slurm-wlm munge); fi
need=()
for p in "${pkgs[@]}"; do
    dpkg -s "$p" >/dev/null 2>&1 || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
    echo "setup: installing ${need[*]}" >&2
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
# The metadata test validates the sidecars with the Frictionless reference implementation;
# the XLSX tests read spreadsheets back with openpyxl.
if [ "${1:-}" = "test" ] && ! python3 -c "import frictionless, openpyxl" >/dev/null 2>&1; then
    echo "setup: installing the frictionless and openpyxl Python packages" >&2
    if ! command -v pip3 >/dev/null 2>&1; then
        SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq python3-pip >/dev/null
    fi
    pip3 install -q frictionless openpyxl 2>/dev/null || pip3 install -q --break-system-packages frictionless openpyxl
fi
# The object-storage tests run a local S3 server (moto) and upload with boto3.
if [ "${1:-}" = "test" ] && ! command -v moto_server >/dev/null 2>&1; then
    echo "setup: installing the moto[server] Python package" >&2
    pip3 install -q "moto[server]" 2>/dev/null || pip3 install -q --break-system-packages "moto[server]"
fi
