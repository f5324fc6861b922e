#!/usr/bin/env bash
# Install what is missing (Debian 12): `setup.sh` what a run needs (GDAL, GEOS, PROJ,
# OpenSSL's libcrypto, ICU and HDF5 (serial build: raw netCDF-4 chunks), which GeoGDAL links; librsvg's rsvg-convert for PNG maps);
# `setup.sh test` adds what the tests need (headless Chromium for the report test, GDAL's
# command-line tools, QGIS with its Python bindings for the QGIS plugin's tests: qgis_process
# and python3-qgis, which also brings numpy and GDAL's Python bindings; PostgreSQL 15 and
# PostGIS 3, which the database tests start in a temporary folder; python3-shapely, an
# independent GEOS check of join's border rule; and the test Python environment below).
set -euo pipefail
pkgs=(libgdal-dev libgeos-dev libproj-dev libssl-dev libicu-dev libhdf5-dev pkg-config librsvg2-bin fonts-noto-core)
if [ "${1:-}" = "test" ]; then pkgs+=(chromium gdal-bin python3-gdal qgis python3-qgis python3-shapely python3-venv postgresql-15 postgresql-15-postgis-3); fi
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
# The Python the tests run: a virtual environment in .venv made from Debian's /usr/bin/python3
# with its site packages (python3-shapely, python3-gdal, numpy), plus the frictionless package
# that validates the sidecars, openpyxl that reads XLSX back, and moto[server] (with boto3), the
# local S3 server of the object-storage tests. Tests name .venv/bin/python (GeoTestSupport's
# Fixtures.python), never the `python3` on PATH, which may be another interpreter.
if [ "${1:-}" = "test" ]; then
    venv="$(cd "$(dirname "$0")/.." && pwd)/.venv"
    if [ ! -x "$venv/bin/python" ]; then
        echo "setup: making the test Python environment $venv" >&2
        /usr/bin/python3 -m venv --system-site-packages "$venv"
    fi
    # The Python package's tests (python/tests): exactextract is their oracle; pandas,
    # geopandas, xarray and dask what the package takes and returns. numpy stays below 2, as
    # Debian's python3-gdal was built against numpy 1.
    if ! "$venv/bin/python" -c "import frictionless, openpyxl, moto, boto3, shapely, exactextract, pandas, geopandas, xarray, dask, pytest" >/dev/null 2>&1; then
        echo "setup: installing frictionless, openpyxl, moto[server], exactextract, pandas, geopandas, xarray, dask and pytest into $venv" >&2
        "$venv/bin/python" -m pip install -q --disable-pip-version-check frictionless openpyxl "moto[server]" \
            "numpy<2" exactextract pandas geopandas xarray dask pytest
    fi
fi
