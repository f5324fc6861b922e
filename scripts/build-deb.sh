#!/usr/bin/env bash
# Build dist/geotool_VERSION_amd64.deb from this checkout (Debian 12, as root or with sudo):
#   bash scripts/build-deb.sh            # prints the path of the package it wrote (alone on stdout)
#
# The package holds geotool built in release mode with the Swift runtime linked statically
# (--static-swift-stdlib), so it needs no Swift toolchain; its Depends are Debian's GDAL, GEOS,
# PROJ, OpenSSL and ICU libraries as dpkg-shlibdeps finds them in the binary. It installs:
#   /usr/bin/geotool                               (`geotool --version` names the commit)
#   /usr/share/man/man1/geotool.1, geotool-zonal.1 ... (from the argument parser: man geotool-zonal)
#   bash, zsh and fish completions                 (geotool --generate-completion-script)
#   /usr/share/geotool/geokit-qgis-plugin.zip      (QGIS: Plugins > Install from ZIP; it finds /usr/bin/geotool)
#   /usr/share/doc/geotool/                        (copyright, README, CHANGELOG, the data terms)
# The bundled test data (TestRasters/) stays out. Build folder: .build-deb (git ignores it).
set -euo pipefail
cd "$(dirname "$0")/.."
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"

bash scripts/setup.sh >&2   # GDAL, GEOS, PROJ, OpenSSL -dev packages to build against
for tool in dpkg-shlibdeps:dpkg-dev git:git; do
    command -v "${tool%%:*}" >/dev/null || {
        $SUDO apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${tool##*:}" >/dev/null
    }
done

version=$(sed -n 's/.*static let string = "\(.*\)".*/\1/p' Sources/GeoCore/Version.swift)
[ -n "$version" ] || { echo "build-deb: no version in Sources/GeoCore/Version.swift" >&2; exit 1; }
commit=$(git rev-parse --short=12 HEAD)
dirty=""; git diff --quiet HEAD -- Sources Package.swift || dirty="-modified"
# Debian version: the release, then the commit's date and hash, so later commits sort later.
debversion="$version+git$(git log -1 --format=%cd --date=format:%Y%m%d%H%M%S).$commit"
scratch=.build-deb

echo "build-deb: building geotool $version (commit $commit$dirty), release, static Swift runtime" >&2
swift build -c release --static-swift-stdlib --scratch-path "$scratch" --product geotool \
    -Xcc "-DGEOKIT_BUILD_COMMIT=\"$commit$dirty\"" 2>&1 | tail -1 >&2
swift build -c release --scratch-path "$scratch" --product generate-manual 2>&1 | tail -1 >&2
bin="$scratch/release/geotool"
"$bin" --version | grep -q "commit $commit" || { echo "build-deb: $bin --version does not name $commit" >&2; exit 1; }
if ldd "$bin" | grep -Eq 'libswift|libFoundation|lib_FoundationICU|libdispatch'; then
    echo "build-deb: $bin still links the Swift runtime dynamically:" >&2; ldd "$bin" | grep -E 'swift|Foundation|dispatch' >&2; exit 1
fi

work=$(mktemp -d /tmp/geotool-deb.XXXXXX)
trap 'rm -rf "$work"' EXIT
root="$work/geotool"
install -D -m 0755 "$bin" "$root/usr/bin/geotool"
strip --strip-unneeded "$root/usr/bin/geotool"

# Man pages: the generator names them geotool.zonal.1; `man geotool-zonal` wants geotool-zonal.1.
man="$work/man"
mkdir -p "$man"
"$scratch/release/generate-manual" "$bin" --multi-page --output-directory "$man" --authors "GeoKit authors" \
    --section 1 --date "$(git log -1 --format=%cd --date=format:%Y-%m-%d)" >/dev/null
mkdir -p "$root/usr/share/man/man1"
for page in "$man"/geotool*.1; do
    name=$(basename "$page" .1)
    [ "$name" = geotool.help ] && continue
    dashed=${name//./-}
    sed -e '/geotool\.help 1/d' -e 's/\(\.Xr geotool\)\.\([a-z]*\) 1/\1-\2 1/g' \
        -e "s/^\.Dt GEOTOOL\.\([A-Z]*\) 1/.Dt GEOTOOL-\1 1/" "$page" |
        gzip -9n >"$root/usr/share/man/man1/$dashed.1.gz"
done

# Shell completions.
"$bin" --generate-completion-script bash | install -D -m 0644 /dev/stdin "$root/usr/share/bash-completion/completions/geotool"
"$bin" --generate-completion-script zsh | install -D -m 0644 /dev/stdin "$root/usr/share/zsh/vendor-completions/_geotool"
"$bin" --generate-completion-script fish | install -D -m 0644 /dev/stdin "$root/usr/share/fish/vendor_completions.d/geotool.fish"

# The QGIS plugin and the documents.
bash scripts/build-qgis-plugin.sh >/dev/null
install -D -m 0644 dist/geokit-qgis-plugin.zip "$root/usr/share/geotool/geokit-qgis-plugin.zip"
doc="$root/usr/share/doc/geotool"
install -d "$doc"
{
    echo "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/"
    echo "Upstream-Name: geotool (GeoKit)"
    echo
    echo "Files: *"
    echo "Copyright: 2026 the GeoKit authors"
    echo "License: Apache-2.0"
    echo " On Debian systems the full text of the Apache License 2.0 is in"
    echo " /usr/share/common-licenses/Apache-2.0."
} >"$doc/copyright"
for f in README.md CHANGELOG.md DATA.md NOTICE; do
    [ -f "$f" ] && gzip -9nc "$f" >"$doc/$f.gz"
done

# Depends from the libraries the binary links (libgdal32, libgeos-c1v5, libproj25, libssl3, libicu72,
# libhdf5-103-1...; also libxerces-c3.2 and the other dependencies of libgdal32 that CGeo's module
# map names first for the dynamic loader).
mkdir -p "$work/debian" "$root/DEBIAN"
printf 'Source: geotool\n\nPackage: geotool\nArchitecture: amd64\n' >"$work/debian/control"
depends=$(cd "$work" && dpkg-shlibdeps -O -e geotool/usr/bin/geotool 2>/dev/null | sed -n 's/^shlibs:Depends=//p')
[ -n "$depends" ] || { echo "build-deb: dpkg-shlibdeps found no dependencies" >&2; exit 1; }
rm -rf "$work/debian"
size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
cat >"$root/DEBIAN/control" <<EOF
Package: geotool
Version: $debversion
Section: science
Priority: optional
Architecture: amd64
Maintainer: GeoKit authors <geokit@invalid>
Installed-Size: $size
Depends: $depends
Recommends: librsvg2-bin, fonts-noto-core
Suggests: qgis
Description: exact zonal statistics of rasters per P-coded polygon
 geotool turns satellite rasters (night-time lights, forest loss, elevation,
 rainfall, hazards) and vector layers into indicator tables keyed by P-codes,
 one row per township or village tract: exact cell coverage, roll-ups to
 districts and states, CSV, XLSX, GeoPackage and PostGIS outputs, each with a
 Frictionless metadata sidecar. It also joins point registers (schools) to
 their polygons with quality flags, and draws maps and reports.
EOF

mkdir -p dist
out="dist/geotool_${debversion}_amd64.deb"
rm -f dist/geotool_*_amd64.deb
dpkg-deb --root-owner-group -Zxz --build "$root" "$out" >/dev/null
echo "build-deb: wrote $out ($(du -h "$out" | cut -f1); Depends: $depends)" >&2
echo "$out"
