#!/usr/bin/env bash
# Install the system libraries GeoKit links against, when they are missing (Debian 12):
# GDAL, GEOS, PROJ and OpenSSL's libcrypto (SHA-256 in GeoGDAL).
set -euo pipefail
need=()
for p in libgdal-dev libgeos-dev libproj-dev libssl-dev pkg-config librsvg2-bin chromium; do
    dpkg -s "$p" >/dev/null 2>&1 || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
    echo "setup: installing ${need[*]}" >&2
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
