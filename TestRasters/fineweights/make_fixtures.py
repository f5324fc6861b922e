#!/usr/bin/env python3
"""Fixtures for weights on a finer grid than the values, and exactextract's answers.

    python3 make_fixtures.py      (needs numpy, rasterio, geopandas, shapely, exactextract)

values.tif: 12 x 10 cells of 5 m from (100, 200) (EPSG:32647). weights5.tif: 60 x 50 cells
of 1 m on the same extent (5x finer, aligned). weights37.tif: cells of 5/3.7 m from
(99.6, 200.3), 40 x 38 of them (3.7x finer, not aligned, not covering the east and south
edges of values.tif), with a block of nodata (-1) that covers value cell (row 3, col 6)
wholly. The rasters are committed; the Swift tests need none of these packages.

expected.json holds, for weights5.tif and the zones in zones.geojson, exactextract's
weighted_mean and weighted_sum (computed on the fine grid, values taken from the value cell
above each fine cell), and per zone the bound on how far geotool's (weights summed onto the
value cells, coverage of value cells) may differ: both give a value cell partly inside a
zone a weight between 0 and the cell's whole weight W, so their weighted sums differ by at
most  sum over partly covered cells of W * |v|  (bound_sum), and their sums of weights by
at most  sum of W  over those cells (bound_weight). Partly covered cells come from shapely.
oracle_weighted_sum and oracle_weighted_mean are geotool's rule computed independently:
each value cell's coverage is the area of its intersection with the zone (shapely), its
weight the sum of its 25 fine cells (numpy), so  sum cov * W * v  and that over  sum cov * W.
"""
import json
import warnings

import numpy as np
import rasterio
from rasterio.transform import from_origin
from shapely.geometry import box, shape
import geopandas as gpd
import exactextract
from exactextract import exact_extract

warnings.simplefilter("ignore")
rng = np.random.default_rng(7)
CRS = "EPSG:32647"


def write(path, arr, transform, nodata=None):
    with rasterio.open(path, "w", driver="GTiff", width=arr.shape[1], height=arr.shape[0], count=1,
                       dtype="float64", crs=CRS, transform=transform, nodata=nodata) as d:
        d.write(arr.astype("float64"), 1)


values = rng.uniform(0, 100, (10, 12)).round(2)
write("values.tif", values, from_origin(100, 200, 5, 5))
w5 = rng.uniform(0, 10, (50, 60)).round(3)
write("weights5.tif", w5, from_origin(100, 200, 1, 1))
w37 = rng.uniform(0, 10, (38, 40)).round(3)
w37[10:18, 20:28] = -1
write("weights37.tif", w37, from_origin(99.6, 200.3, 5 / 3.7, 5 / 3.7), nodata=-1)

ring = lambda pts: pts + [pts[0]]
zones = {
    # On value cell lines: every value cell wholly in or out.
    "aligned": {"type": "Polygon", "coordinates": [ring([[105, 165], [135, 165], [135, 190], [105, 190]])]},
    "aligned_l": {"type": "Polygon", "coordinates": [ring([[140, 155], [160, 155], [160, 175], [150, 175], [150, 200], [140, 200]])]},
    # Across value cells.
    "triangle": {"type": "Polygon", "coordinates": [ring([[103.3, 152.1], [156.8, 161.4], [121.7, 197.2]])]},
    "rect": {"type": "Polygon", "coordinates": [ring([[107.3, 158.6], [148.2, 158.6], [148.2, 193.1], [107.3, 193.1]])]},
    "small": {"type": "Polygon", "coordinates": [ring([[111.2, 181.4], [118.9, 182.3], [116.1, 188.8]])]},
}
features = [{"type": "Feature", "properties": {"zone": k}, "geometry": g} for k, g in zones.items()]
with open("zones.geojson", "w") as f:
    json.dump({"type": "FeatureCollection", "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::32647"}},
               "features": features}, f, indent=1)

df = exact_extract("values.tif", gpd.read_file("zones.geojson"), ["weighted_mean", "weighted_sum"],
                   weights="weights5.tif", include_cols=["zone"], output="pandas")
W = w5.reshape(10, 5, 12, 5).sum(axis=(1, 3))   # each value cell's weight: its 25 fine cells
expected = {"exactextract_version": exactextract.__version__, "zones": {}}
for _, row in df.iterrows():
    g = shape(zones[row["zone"]])
    bound_sum = bound_weight = osum = oweight = 0.0
    for i in range(10):
        for j in range(12):
            cell = box(100 + 5 * j, 200 - 5 * (i + 1), 100 + 5 * (j + 1), 200 - 5 * i)
            a = g.intersection(cell).area / cell.area
            osum += a * W[i, j] * values[i, j]; oweight += a * W[i, j]
            if 1e-12 < a < 1 - 1e-12:
                bound_sum += W[i, j] * abs(values[i, j]); bound_weight += W[i, j]
    expected["zones"][row["zone"]] = {"weighted_mean": float(row["weighted_mean"]), "weighted_sum": float(row["weighted_sum"]),
                                      "bound_sum": bound_sum, "bound_weight": bound_weight,
                                      "oracle_weighted_sum": osum, "oracle_weighted_mean": osum / oweight}
with open("expected.json", "w") as f:
    json.dump(expected, f, indent=1, sort_keys=True)
print(json.dumps(expected, indent=1))
