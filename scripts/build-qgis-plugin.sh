#!/usr/bin/env bash
# Build dist/geokit-qgis-plugin.zip from qgis/geokit: a zip with one top folder, geokit/,
# as QGIS's "Plugins > Manage and Install Plugins > Install from ZIP" expects. The version
# in metadata.txt is the plugin's own; no compiled files or caches are packed.
set -euo pipefail
cd "$(dirname "$0")/.."
out=dist/geokit-qgis-plugin.zip
mkdir -p dist
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir "$stage/geokit"
for f in qgis/geokit/*; do
    case "$f" in *__pycache__*|*.pyc) continue ;; esac
    cp -R "$f" "$stage/geokit/"
done
grep -q '^hasProcessingProvider=yes' "$stage/geokit/metadata.txt" || { echo "build-qgis-plugin: metadata.txt lacks hasProcessingProvider=yes" >&2; exit 1; }
rm -f "$out"
# Python's zipfile (always there) rather than zip(1), which Debian does not install by default.
/usr/bin/python3 - "$stage" "$out" <<'PY'
import os, sys, zipfile
stage, out = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
    for root, dirs, files in os.walk(stage):
        dirs.sort()
        for name in sorted(files):
            path = os.path.join(root, name)
            z.write(path, os.path.relpath(path, stage))
PY
echo "build-qgis-plugin: wrote $out ($(/usr/bin/python3 -c 'import sys,zipfile; print(len(zipfile.ZipFile(sys.argv[1]).namelist()))' "$out") files)"
