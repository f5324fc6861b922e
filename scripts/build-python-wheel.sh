#!/usr/bin/env bash
# A wheel of the Python package (python/) for Debian 12: libGeoKitC.so built in release mode,
# with the Swift runtime libraries it links copied beside it (its RUNPATH ends in $ORIGIN),
# so the wheel needs no Swift toolchain; it needs Debian's GDAL, GEOS and PROJ (libgdal32,
# libgeos-c1v5, libproj25: `bash scripts/setup.sh`). (--static-swift-stdlib, which the .deb's
# geotool uses, does not link a shared library with Swift 6.3: -lCoreFoundation not found.)
# Writes dist/geokit-VERSION-cp3X-cp3X-linux_ARCH.whl.
#   bash scripts/build-python-wheel.sh [PYTHON]   (default: .venv/bin/python, else /usr/bin/python3)
set -euo pipefail
cd "$(dirname "$0")/.."
py=${1:-.venv/bin/python}
[ -x "$py" ] || py=/usr/bin/python3
echo "build-python-wheel: building libGeoKitC.so, release" >&2
swift build -c release --product GeoKitC 2>&1 | tail -1 >&2
lib="$(swift build -c release --show-bin-path)/libGeoKitC.so"
readelf -d "$lib" | grep -q 'RUNPATH.*\$ORIGIN' || { echo "build-python-wheel: $lib has no \$ORIGIN in its RUNPATH" >&2; exit 1; }
toolchain=$(dirname "$(dirname "$(readlink -f "$(command -v swift)")")")
work=$(mktemp -d /tmp/geokit-wheel.XXXXXX)
trap 'rm -rf "$work"' EXIT
cp -r python "$work/python"
rm -rf "$work/python/build" "$work/python"/*.egg-info "$work/python/geokit"/*.so
install -m 0755 "$lib" "$work/python/geokit/libGeoKitC.so"
# The Swift runtime (Foundation, Dispatch, ICU data...) as the library resolves it here.
for dep in $(ldd "$lib" | awk -v tc="$toolchain" 'index($3, tc) == 1 {print $3}'); do
    install -m 0644 "$dep" "$work/python/geokit/"
done
strip --strip-unneeded "$work/python/geokit"/*.so
mkdir -p dist
"$py" -m pip wheel -q --disable-pip-version-check --no-deps --no-build-isolation -w dist "$work/python"
ls -1t dist/geokit-*.whl | head -1
