#!/bin/bash
# How the fixtures of the part/merge tests were made (GDAL command-line tools), from the
# bundled MIMU rainfall raster. 16x16 tiles give the engine several row bands (64 rows
# each), so zones finish in an order that is not the layer's: what roll-up merges replay.
#   rain_tiled.tif    the rainfall, Int16, tiled
#   rain3.tif         three Float32 bands: rain x 0.7 + 1.3, x 1.1 - 2, x 2.3 + 0.25
#   classes_fine.tif  Byte classes round(rain x 0.04) on a grid twice as fine (a second grid group)
set -euo pipefail
cd "$(dirname "$0")"
S=$(realpath ../mimu/rainfall_dekad.tif)
T="-co TILED=YES -co BLOCKXSIZE=16 -co BLOCKYSIZE=16 -co COMPRESS=DEFLATE"
gdal_translate -q $T "$S" rain_tiled.tif
gdal_translate -q -of VRT "$S" /tmp/src.vrt
python3 - "$S" <<'PY'
import re, sys
S = sys.argv[1]
src = open('/tmp/src.vrt').read()
head = '<VRTDataset rasterXSize="138" rasterYSize="389">' + re.search(r'<SRS.*?</SRS>', src, re.S).group(0) + re.search(r'<GeoTransform>.*?</GeoTransform>', src).group(0)
def band(k, dt, nd, o, r):
    return (f'<VRTRasterBand dataType="{dt}" band="{k}"><NoDataValue>{nd}</NoDataValue><ComplexSource><SourceFilename relativeToVRT="0">{S}</SourceFilename>'
            f'<SourceBand>1</SourceBand><ScaleOffset>{o}</ScaleOffset><ScaleRatio>{r}</ScaleRatio><NODATA>-9999</NODATA></ComplexSource></VRTRasterBand>')
open('/tmp/rain3.vrt', 'w').write(head + band(1, 'Float32', -9999, 1.3, 0.7) + band(2, 'Float32', -9999, -2, 1.1) + band(3, 'Float32', -9999, 0.25, 2.3) + '</VRTDataset>')
open('/tmp/cls.vrt', 'w').write(head + band(1, 'Byte', 255, 0, 0.04) + '</VRTDataset>')
PY
gdal_translate -q $T /tmp/rain3.vrt rain3.tif
gdalwarp -q -overwrite -tr 0.025 0.025 -r near $T /tmp/cls.vrt classes_fine.tif
