#!/usr/bin/env python3
"""Record exactextract's answers for operations per raster and conditions (docs/indicators.md).

Uses the fixtures make_fixtures.py made (values.tif, classes.tif, weights.tif, zones.geojson).
A condition is applied as a GIS officer would without geotool: a numpy mask (the values set to
nodata where the condition does not hold), written to a temporary raster, then exactextract's
own statistic on it. Run with a Python that has exactextract, rasterio, geopandas, numpy:

  /work/peers/bin/python make_ops_expected.py   (writes expected_ops.json)
"""
import json
import os
import tempfile
import warnings

import geopandas as gpd
import numpy as np
import rasterio
from exactextract import exact_extract
import exactextract

warnings.simplefilter("ignore")
zones = gpd.read_file("zones.geojson")


def read(path):
    with rasterio.open(path) as r:
        return r.read(1).astype("float64"), r.profile


def masked(path, keep):
    """`path`'s values where `keep` holds (and the value is valid), nodata elsewhere, as a temporary file."""
    a, prof = read(path)
    nd = prof.get("nodata")
    out = np.where(keep, a, -9999.0)
    if nd is not None:
        out[a == nd] = -9999.0
    prof.update(dtype="float64", nodata=-9999.0)
    fd, tmp = tempfile.mkstemp(suffix=".tif"); os.close(fd)
    with rasterio.open(tmp, "w", **prof) as d:
        d.write(out, 1)
    return tmp


def run(raster, stats, **kw):
    df = exact_extract(raster, zones, stats, include_cols=["zone"], output="pandas", **kw)
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


classes, _ = read("classes.tif")
expected = {"exactextract_version": exactextract.__version__}
# sum(weights), frac(classes), weighted_frac(classes, weights): each raster its own statistics.
expected["weights_sum"] = run("weights.tif", ["sum"])
expected["classes_frac"] = run("classes.tif", ["unique", "frac", "weighted_frac"], weights="weights.tif")
# sum(values) where classes >= 3: the values masked where classes < 3.
m = masked("values.tif", classes >= 3)
expected["values_sum_where_classes_ge_3"] = run(m, ["sum", "count"])
os.remove(m)
# count(classes) where classes in 2..3.
m = masked("classes.tif", (classes >= 2) & (classes <= 3))
expected["classes_count_where_classes_in_2_3"] = run(m, ["count"])
os.remove(m)
# --classes values=30,45,55,70: frac and weighted_frac of the bins [30, 45), [45, 55), [55, 70);
# values outside them are class 9 here ("out_of_range" in geotool), nodata stays nodata.
vals, prof = read("values.tif")
binned = np.where((vals >= 30) & (vals < 70), np.digitize(vals, [30, 45, 55, 70]) - 1, 9).astype("float64")
binned[vals == prof["nodata"]] = 255
prof.update(dtype="float64", nodata=255)
fd, tmp = tempfile.mkstemp(suffix=".tif"); os.close(fd)
with rasterio.open(tmp, "w", **prof) as d:
    d.write(binned, 1)
expected["values_classes_30_45_55_70"] = run(tmp, ["unique", "frac", "weighted_frac"], weights="weights.tif")
os.remove(tmp)
with open("expected_ops.json", "w") as f:
    json.dump(expected, f, indent=1, sort_keys=True)
print(json.dumps(expected["values_sum_where_classes_ge_3"]["hole"]))
