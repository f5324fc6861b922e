#!/usr/bin/env python3
"""Build the fixtures of conditions (`sum(v) where hazard >= 3`) and record the oracles.

Run once with numpy, rasterio, geopandas and exactextract 0.3.0 (PyPI); the rasters, zones
and expected.json it writes are committed, so the Swift tests need none of these packages.

  python3 make_fixtures.py

Same grid: exactextract on the values masked with numpy (nodata where the condition does not
hold or the hazard raster has no value): count, sum, mean, weighted_sum and weighted_mean
(weights.tif), and frac of classes masked the same way. The share of covered area where the hazard has no value: exactextract's mean of a
0/1 raster that is 1 there (coverage-weighted share of the covered cells).

Finer condition grid (hazard_fine.tif, cells 4 x 4 finer, aligned): geotool counts each
value cell V with coverage f(V) x h(V), where h(V) is the share of V's 16 fine cells where
the condition holds. Two oracles:
- exact: f(V) from exactextract's own coverage of each value cell ("coverage", "cell_id"),
  h(V) from numpy block means of the fine condition; sum = sum_V f v h, count = sum_V f h.
- exactextract run on the FINE grid, with the values copied onto it (each fine cell takes its
  value cell's value: nearest) and masked by the fine condition. With c(k) the coverage of
  fine cell k, f(V) = mean of c(k) over V's 16 cells exactly, so its count / 16 is
  sum_V (1/16) sum_k c(k) holds(k), which lies between max(0, f + h - 1) and min(f, h) per
  value cell, as f h does. So |geotool - exactextract/16| <= sum_V |v| (min(f, h) - max(0,
  f + h - 1)) (bound_sum; bound_count without |v|), and the bound is 0 for zones whose edges
  lie on value cell lines (f is 0 or 1 on every cell): there the two agree exactly.
"""
import json
import warnings

import numpy as np
import rasterio
from rasterio.transform import from_origin
import geopandas as gpd
from exactextract import exact_extract
import exactextract

warnings.simplefilter("ignore")
rng = np.random.default_rng(22)
ND = -999.0


def write(path, arr, transform, nodata=None, dtype=None):
    dtype = dtype or arr.dtype
    with rasterio.open(path, "w", driver="GTiff", width=arr.shape[1], height=arr.shape[0], count=1,
                       dtype=dtype, crs="EPSG:32647", transform=transform, nodata=nodata) as d:
        d.write(arr.astype(dtype), 1)


# Values: 20 x 15 cells of 1 x 1 from (10, 25), a few nodata.
sq = from_origin(10, 25, 1, 1)
values = rng.normal(50, 12, (15, 20)).round(3)
values[3, 4] = values[7, 11] = values[12, 2] = ND
write("values.tif", values, sq, nodata=ND, dtype="float64")
classes = rng.integers(1, 6, (15, 20))
write("classes.tif", classes, sq, nodata=0, dtype="uint8")
# Hazard on the same grid: classes 0..5, nodata 255 in a block and a few cells.
hazard = rng.integers(0, 6, (15, 20))
hazard[9:12, 13:17] = 255
hazard[2, 15] = hazard[5, 6] = 255
write("hazard.tif", hazard, sq, nodata=255, dtype="uint8")
# Hazard on a 4x finer grid (aligned), nodata in a block that cuts value cells.
fine = from_origin(10, 25, 0.25, 0.25)
hazard_fine = rng.integers(0, 6, (60, 80))
hazard_fine[30:41, 18:31] = 255
write("hazard_fine.tif", hazard_fine, fine, nodata=255, dtype="uint8")

ring = lambda pts: pts + [pts[0]]
zones = {
    "hole": {"type": "Polygon", "coordinates": [ring([[11.3, 11.2], [18.7, 11.6], [17.9, 22.4], [12.1, 23.3]]),
                                                 ring([[13.5, 14.5], [13.5, 18.25], [16.2, 18.9], [15.7, 14.1]])]},
    "multi": {"type": "MultiPolygon", "coordinates": [[ring([[10.5, 10.5], [12.5, 10.5], [12.5, 12.5], [10.5, 12.5]])],
                                                      [ring([[25.2, 20.1], [28.9, 21.7], [26.3, 24.6]])]]},
    "partly_outside": {"type": "Polygon", "coordinates": [ring([[25.5, 7.5], [33.0, 8.0], [31.0, 17.7], [24.2, 15.3]])]},
    "star": {"type": "Polygon", "coordinates": [ring([[20 + (4.6 if k % 2 == 0 else 1.9) * np.cos(k * np.pi / 7),
                                                       18 + (4.6 if k % 2 == 0 else 1.9) * np.sin(k * np.pi / 7)]
                                                      for k in range(14)])]},
    "aligned": {"type": "Polygon", "coordinates": [ring([[14, 11], [27, 11], [27, 17], [20, 17], [20, 22], [14, 22]])]},
}
features = [{"type": "Feature", "properties": {"zone": k}, "geometry": g} for k, g in zones.items()]
with open("zones.geojson", "w") as f:
    json.dump({"type": "FeatureCollection",
               "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::32647"}},
               "features": features}, f, indent=1)


def run(raster, stats):
    df = exact_extract(raster, gpd.read_file("zones.geojson"), stats, include_cols=["zone"], output="pandas")
    out = {}
    for _, row in df.iterrows():
        rec = {}
        for c in df.columns:
            if c == "zone":
                continue
            v = row[c]
            if isinstance(v, (list, np.ndarray)):
                rec[c] = [float(x) for x in v]
            else:
                rec[c] = None if v is None or (isinstance(v, float) and np.isnan(v)) else float(v)
        out[row["zone"]] = rec
    return out


expected = {"exactextract_version": exactextract.__version__, "condition": "hazard >= 3"}

# Same grid.
holds = (hazard != 255) & (hazard >= 3)
write("/tmp/h22b_values_masked.tif", np.where(holds, values, ND), sq, nodata=ND, dtype="float64")
write("/tmp/h22b_classes_masked.tif", np.where(holds, classes, 0), sq, nodata=0, dtype="uint8")
write("/tmp/h22b_hazard_nodata.tif", (hazard == 255).astype(float), sq, dtype="float64")
same = run("/tmp/h22b_values_masked.tif", ["count", "sum", "mean"])
# Weights (drawn last, so the rasters above stay as they were): weighted_sum and
# weighted_mean of the masked values.
weights = rng.uniform(0, 10, (15, 20)).round(2)
write("weights.tif", weights, sq, dtype="float64")
df = exact_extract("/tmp/h22b_values_masked.tif", gpd.read_file("zones.geojson"), ["weighted_sum", "weighted_mean"],
                   weights="weights.tif", include_cols=["zone"], output="pandas")
weighted = {row["zone"]: (float(row["weighted_sum"]), float(row["weighted_mean"])) for _, row in df.iterrows()}
frac = run("/tmp/h22b_classes_masked.tif", ["unique", "frac"])
share = run("/tmp/h22b_hazard_nodata.tif", ["mean"])
expected["same_grid"] = {z: {"count": same[z]["count"], "sum": same[z]["sum"], "mean": same[z]["mean"],
                             "frac": {str(int(u)): fr for u, fr in zip(frac[z]["unique"], frac[z]["frac"])},
                             "where_nodata": share[z]["mean"],
                             "weighted_sum": weighted[z][0], "weighted_mean": weighted[z][1]} for z in zones}

# Finer grid.
fine_holds = ((hazard_fine != 255) & (hazard_fine >= 3)).astype(float)
h = fine_holds.reshape(15, 4, 20, 4).mean(axis=(1, 3))
fine_nodata = (hazard_fine == 255).astype(float).reshape(15, 4, 20, 4).mean(axis=(1, 3))
values_fine = np.repeat(np.repeat(values, 4, axis=0), 4, axis=1)
fine_mask = fine_holds.astype(bool) & (values_fine != ND)
write("/tmp/h22b_values_fine_masked.tif", np.where(fine_mask, values_fine, ND), fine, nodata=ND, dtype="float64")
ee_fine = run("/tmp/h22b_values_fine_masked.tif", ["count", "sum"])
# Coverage of every value cell, nodata or not (exactextract leaves nodata cells out).
write("/tmp/h22b_ones.tif", np.ones_like(values), sq, dtype="float64")
cov = run("/tmp/h22b_ones.tif", ["coverage", "cell_id"])
out = {}
for z in zones:
    s = c = nd = total = bound_s = bound_c = 0.0
    for f, cid in zip(cov[z]["coverage"], cov[z]["cell_id"]):
        i, j = divmod(int(cid), 20)
        hv = h[i, j]
        total += f
        nd += f * fine_nodata[i, j]
        slack = min(f, hv) - max(0.0, f + hv - 1)
        if values[i, j] == ND:
            continue
        s += f * values[i, j] * hv
        c += f * hv
        bound_s += abs(values[i, j]) * slack
        bound_c += slack
    out[z] = {"oracle_sum": s, "oracle_count": c, "oracle_where_nodata": nd / total if total > 0 else None,
              "ee_fine_sum": ee_fine[z]["sum"], "ee_fine_count": ee_fine[z]["count"],
              "bound_sum": bound_s, "bound_count": bound_c}
expected["finer_grid"] = out

with open("expected.json", "w") as f:
    json.dump(expected, f, indent=1, sort_keys=True)
print(json.dumps(expected, indent=1)[:3000])
