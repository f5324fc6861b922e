#!/usr/bin/env python3
"""Build the exactextract-oracle fixtures and record exactextract's answers.

Run once (needs numpy, rasterio, geopandas, exactextract from PyPI); the rasters, zones and
expected.json it writes are committed so the Swift tests need none of these packages.
The expected values are exactextract 0.3.0's own output: an independent implementation.

  python3 make_fixtures.py
"""
import json
import warnings

import numpy as np
import rasterio
from rasterio.transform import from_origin
from exactextract import exact_extract
import exactextract

warnings.simplefilter("ignore")
rng = np.random.default_rng(42)


def write(path, arr, transform, nodata=None, dtype=None):
    dtype = dtype or arr.dtype
    with rasterio.open(path, "w", driver="GTiff", width=arr.shape[1], height=arr.shape[0], count=1,
                       dtype=dtype, crs="EPSG:32647", transform=transform, nodata=nodata) as d:
        d.write(arr.astype(dtype), 1)


# Square cells: 20 x 15 cells of 1 x 1 from (10, 25); values with a few nodata cells.
sq = from_origin(10, 25, 1, 1)
values = rng.normal(50, 12, (15, 20)).round(3)
values[3, 4] = values[7, 11] = values[12, 2] = -999
write("values.tif", values, sq, nodata=-999, dtype="float64")
classes = rng.integers(1, 6, (15, 20))
write("classes.tif", classes, sq, dtype="uint8")
weights = rng.uniform(0, 10, (15, 20)).round(2)
write("weights.tif", weights, sq, dtype="float64")
# Non-square cells: 0.5 wide, 0.25 tall, on the same extent (40 x 60 cells).
ns = from_origin(10, 25, 0.5, 0.25)
write("nonsquare.tif", rng.normal(10, 3, (60, 40)).round(4), ns, dtype="float32")

ring = lambda pts: pts + [pts[0]]
zones = {
    "hole": {"type": "Polygon", "coordinates": [ring([[11.3, 11.2], [18.7, 11.6], [17.9, 22.4], [12.1, 23.3]]),
                                                 ring([[13.5, 14.5], [13.5, 18.25], [16.2, 18.9], [15.7, 14.1]])]},
    "multi": {"type": "MultiPolygon", "coordinates": [[ring([[10.5, 10.5], [12.5, 10.5], [12.5, 12.5], [10.5, 12.5]])],
                                                      [ring([[25.2, 20.1], [28.9, 21.7], [26.3, 24.6]])]]},
    "sliver": {"type": "Polygon", "coordinates": [ring([[11.05, 16.31], [28.95, 16.37], [28.95, 16.39], [11.05, 16.33]])]},
    "on_edges": {"type": "Polygon", "coordinates": [ring([[14, 13], [19, 13], [19, 17], [16, 17], [16, 20], [14, 20]])]},
    "partly_outside": {"type": "Polygon", "coordinates": [ring([[25.5, 7.5], [33.0, 8.0], [31.0, 17.7], [24.2, 15.3]])]},
    "outside": {"type": "Polygon", "coordinates": [ring([[40, 40], [41, 40], [41, 41]])]},
    "star": {"type": "Polygon", "coordinates": [ring([[20 + (4.6 if k % 2 == 0 else 1.9) * np.cos(k * np.pi / 7),
                                                       18 + (4.6 if k % 2 == 0 else 1.9) * np.sin(k * np.pi / 7)]
                                                      for k in range(14)])]},
}
features = [{"type": "Feature", "properties": {"zone": k}, "geometry": g} for k, g in zones.items()]
with open("zones.geojson", "w") as f:
    json.dump({"type": "FeatureCollection",
               "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::32647"}},
               "features": features}, f, indent=1)

expected = {"exactextract_version": exactextract.__version__}
def run(raster, stats, **kw):
    import geopandas as gpd
    df = exact_extract(raster, gpd.read_file("zones.geojson"), stats, include_cols=["zone"], output="pandas", **kw)
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

expected["values"] = run("values.tif", ["count", "sum", "mean", "min", "max", "stdev", "variance", "median"])
expected["nonsquare"] = run("nonsquare.tif", ["count", "sum", "mean", "min", "max", "stdev"])
expected["classes"] = run("classes.tif", ["count", "unique", "frac", "majority", "minority", "variety"])
expected["weighted"] = run("values.tif", ["weighted_mean", "weighted_sum"], weights="weights.tif")
with open("expected.json", "w") as f:
    json.dump(expected, f, indent=1, sort_keys=True)
print(json.dumps(expected["values"]["hole"]))


# A second, double-precision oracle: each cell's coverage is the area of its intersection
# with the zone (shapely/GEOS overlay), then the statistics by their definitions.
# exactextract keeps coverage fractions in single precision, so it agrees to about 1e-8;
# this oracle is exact to rounding and is what the tests hold us to at 1e-9.
import geopandas as gpd
import shapely
from shapely.geometry import box, shape


def shapely_stats(raster, weights_path=None):
    out = {}
    with rasterio.open(raster) as r:
        a = r.read(1).astype(float); t = r.transform; nd = r.nodata
    w = None
    if weights_path:
        with rasterio.open(weights_path) as r:
            w = r.read(1).astype(float)
    for f in features:
        g = shape(f["geometry"])
        cov, vals, wts = [], [], []
        for i in range(a.shape[0]):
            for j in range(a.shape[1]):
                x0 = t.c + j * t.a; y1 = t.f + i * t.e
                cell = box(x0, y1 + t.e, x0 + t.a, y1)
                if not cell.intersects(g):
                    continue
                c = g.intersection(cell).area / cell.area
                if c <= 0 or (nd is not None and a[i, j] == nd):
                    continue
                cov.append(c); vals.append(a[i, j]); wts.append(w[i, j] if w is not None else 0)
        cov, vals, wts = np.array(cov), np.array(vals), np.array(wts)
        rec = {"count": float(cov.sum()), "sum": float((cov * vals).sum())}
        if cov.sum() > 0:
            m = (cov * vals).sum() / cov.sum()
            rec.update(mean=float(m), min=float(vals.min()), max=float(vals.max()),
                       variance=float((cov * (vals - m) ** 2).sum() / cov.sum()))
            rec["stdev"] = rec["variance"] ** 0.5
            fr = {}
            for v in np.unique(vals):
                fr[str(int(v)) if v == int(v) else str(v)] = float(cov[vals == v].sum() / cov.sum())
            rec["frac"] = fr
            if w is not None:
                rec["weighted_mean"] = float((cov * wts * vals).sum() / (cov * wts).sum())
                rec["weighted_sum"] = float((cov * wts * vals).sum())
        out[f["properties"]["zone"]] = rec
    return out


exact = {"values": shapely_stats("values.tif", "weights.tif"), "nonsquare": shapely_stats("nonsquare.tif"),
         "classes": shapely_stats("classes.tif")}
with open("expected_shapely.json", "w") as f:
    json.dump(exact, f, indent=1, sort_keys=True)
print(exact["classes"]["multi"]["count"])
