#!/usr/bin/env bash
# The Debian package as a user meets it (CI runs this after scripts/test.sh):
#   bash scripts/test-deb.sh [PACKAGE.deb]     # default: build one with scripts/build-deb.sh
#
# 1. A clean Debian 12 root made by debootstrap (minbase: no Swift toolchain, no GDAL), where
#    `apt-get install ./geotool_*.deb` pulls in what the package declares and nothing else.
# 2. There: `geotool --version` names the commit; the Quick start's job (rainfall by township)
#    gives the same table as the source build of the same commit; a join gives a point inside
#    each township (made by shapely) that township's P-code; `man geotool-zonal` shows the page;
#    bash completes `geotool zo` to `zonal`; the packaged QGIS plugin finds /usr/bin/geotool
#    with no setting and no PATH.
# 3. Here: the QGIS plugin's tests with the packaged binary and the packaged plugin zip.
# The last line is `deb: N passed, M failed`; exit 1 on any failure. Runs as root.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" -eq 0 ] || { echo "test-deb: run as root (debootstrap and chroot)" >&2; exit 2; }
command -v debootstrap >/dev/null || { apt-get update -qq; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null; }

deb=${1:-$(bash scripts/build-deb.sh | tail -1)}
[ -f "$deb" ] || { echo "test-deb: no package at '$deb'" >&2; exit 1; }
deb=$(readlink -f "$deb")
commit=$(dpkg-deb -f "$deb" Version | sed -E 's/.*\.([0-9a-f]+)$/\1/')
# The mirror this machine's apt uses (deb.debian.org when it names none).
mirror=$(sed -n 's/^URIs: *\(http[^ ]*debian\)$/\1/p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -1)
[ -n "$mirror" ] || mirror=$(sed -n 's/^deb \(http[^ ]*\) bookworm main.*/\1/p' /etc/apt/sources.list 2>/dev/null | head -1)
mirror=${mirror:-http://deb.debian.org/debian}

root=$(mktemp -d /var/tmp/geotool-deb-root.XXXXXX)
cleanup() {
    umount "$root/proc" 2>/dev/null || true
    rm -rf --one-file-system "$root"
}
trap cleanup EXIT
passed=0; failed=0
check() {   # check NAME COMMAND...: one line per check
    local name=$1; shift
    if "$@"; then passed=$((passed + 1)); echo "deb: ok   $name"
    else failed=$((failed + 1)); echo "deb: FAIL $name" >&2; fi
}
in_root() { chroot "$root" env -i HOME=/root PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C.UTF-8 "$@"; }

echo "test-deb: debootstrap bookworm from $mirror" >&2
debootstrap --variant=minbase bookworm "$root" "$mirror" >"$root.debootstrap.log" 2>&1 ||
    { cat "$root.debootstrap.log" >&2; exit 1; }
rm -f "$root.debootstrap.log"
cp /etc/resolv.conf "$root/etc/resolv.conf"
mount -t proc proc "$root/proc"
check "no Swift toolchain in the clean root" bash -c "! chroot '$root' /bin/sh -c 'command -v swift || command -v swiftc || ls /opt/swift' >/dev/null 2>&1"

cp "$deb" "$root/tmp/"
in_root apt-get update -qq
check "apt-get install ./$(basename "$deb")" \
    in_root bash -c "DEBIAN_FRONTEND=noninteractive apt-get install -y -qq /tmp/$(basename "$deb") >/tmp/install.log 2>&1 || { cat /tmp/install.log; false; }"
check "geotool --version names commit $commit" bash -c "chroot '$root' /usr/bin/geotool --version | grep -q 'commit $commit'"

# The Quick start's job, in the clean root and with the source build of this checkout.
mkdir -p "$root/data"
cp -r TestRasters/mimu "$root/data/"
quick=(zonal --zones /data/mimu/townships.json --id TS_PCODE --include-cols TS,DT_PCODE,ST_PCODE
       --raster rain=/data/mimu/rainfall_dekad.tif --stats count,mean,min,max --quiet -o /data/rain.csv)
check "Quick start job in the clean root" in_root geotool "${quick[@]}"
swift build --product geotool 2>&1 | tail -1 >&2
src="$(swift build --show-bin-path)/geotool"
here=$(mktemp -d /tmp/geotool-deb-src.XXXXXX)
ln -s "$(pwd)/TestRasters/mimu" "$here/mimu"
(cd "$here" && "$src" "${quick[@]//\/data\//$here/}" 2>/dev/null)
check "its table equals the source build's" cmp "$root/data/rain.csv" "$here/rain.csv"
check "its table has the 330 townships" test "$(tail -n +2 "$root/data/rain.csv" | wc -l)" -eq 330
rm -rf "$here"

# A join: a point inside each township (shapely's representative point, an independent GEOS
# computation on the clean GeoJSON) must get its own township's P-code.
/usr/bin/python3 - TestRasters/mimu/townships_clean.geojson "$root/data/points.csv" <<'PY'
import csv, json, sys
from shapely.geometry import shape
features = json.load(open(sys.argv[1], encoding="utf-8"))["features"]
with open(sys.argv[2], "w", newline="", encoding="utf-8") as f:
    w = csv.writer(f)
    w.writerow(["school_id", "truth", "longitude", "latitude"])
    for i, feat in enumerate(features):
        if feat["geometry"]:
            p = shape(feat["geometry"]).representative_point()
            w.writerow(["P%d" % i, feat["properties"]["TS_PCODE"], "%.6f" % p.x, "%.6f" % p.y])
PY
check "join of points in the clean root" in_root geotool join --points /data/points.csv \
    --zones /data/mimu/townships.json --id TS_PCODE --quiet -o /data/joined.csv
check "every point got its own township's P-code" /usr/bin/python3 - "$root/data/joined.csv" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], encoding="utf-8")))
bad = [r for r in rows if r["match"] != "inside" or r["TS_PCODE"] != r["truth"]]
sys.exit(1 if len(rows) < 300 or bad else 0)
PY

# The manual and completion as a user meets them (man-db and bash-completion installed there).
in_root bash -c "DEBIAN_FRONTEND=noninteractive apt-get install -y -qq man-db bash-completion python3-minimal >/dev/null 2>&1"
check "man geotool-zonal" bash -c "chroot '$root' env MANWIDTH=100 man geotool-zonal 2>/dev/null | grep -q -- '--zones'"
check "man geotool" bash -c "chroot '$root' env MANWIDTH=100 man geotool 2>/dev/null | grep -q 'geotool-zonal'"
check "bash completes 'geotool zo' to zonal" bash -c "chroot '$root' bash -c '
    source /usr/share/bash-completion/bash_completion
    source /usr/share/bash-completion/completions/geotool
    COMP_WORDS=(geotool zo); COMP_CWORD=1; COMP_LINE=\"geotool zo\"; COMP_POINT=\${#COMP_LINE}
    _geotool geotool zo geotool; printf \"%s\n\" \"\${COMPREPLY[@]}\"' | grep -qx zonal"
check "the packaged QGIS plugin finds /usr/bin/geotool without settings" bash -c "chroot '$root' env -i PATH=/nonexistent \
    /usr/bin/python3 -c '
import sys, zipfile
zipfile.ZipFile(\"/usr/share/geotool/geokit-qgis-plugin.zip\").extractall(\"/tmp/plugin\")
sys.path.insert(0, \"/tmp/plugin/geokit\")
import runner
assert runner.find_geotool() == \"/usr/bin/geotool\", runner.find_geotool()
'"

# The QGIS plugin's own tests, with the packaged binary and plugin zip (QGIS is on this machine,
# not in the clean root). The package's binary links this machine's GDAL: the same Debian 12.
pkg=$(mktemp -d /tmp/geotool-deb-x.XXXXXX)
dpkg-deb -x "$deb" "$pkg"
qlog=$(mktemp /tmp/geotool-deb-qgis.XXXXXX.log)
check "QGIS plugin tests with the packaged geotool" bash -c "GEOTOOL='$pkg/usr/bin/geotool' \
    GEOKIT_PLUGIN_ZIP='$pkg/usr/share/geotool/geokit-qgis-plugin.zip' /usr/bin/python3 qgis/tests/test_provider.py >'$qlog' 2>&1"
grep "^qgis: " "$qlog" | sed 's/^/deb: (packaged) /' || tail -20 "$qlog" >&2
rm -rf "$pkg"

echo "deb: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
