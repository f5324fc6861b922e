#!/usr/bin/env python3
"""Weights on a 5x finer grid: geotool (fine cells summed onto the value cells) against the
same run with weights on the value grid, and exactextract's Python API (which works on the
fine grid), side by side in one run.

  python3 Benchmarks/fine_weights_bench.py [--repeat 3] [--geotool PATH]

Data, made once into the git-ignored bench-data/fineweights/ (numpy, rasterio): a 500 m
"night lights" grid of 1,000 x 1,000 cells, "population" at 500 m (1,000 x 1,000) and at
100 m (5,000 x 5,000), tiled DEFLATE Float32, EPSG:32647, and 400 square zones of 24 km.
Each tool does the whole job (read the zones and rasters, weighted_mean and weighted_sum,
write a CSV); geotool is timed as a process, exactextract inside its process (import time
not counted). Medians of --repeat runs, interleaved; peak memory of geotool's runs.
"""
import argparse, json, os, resource, statistics, subprocess, sys, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(ROOT, "bench-data", "fineweights")

EE = r'''
import sys, time
import geopandas as gpd
from exactextract import exact_extract
t0 = time.perf_counter()
exact_extract(sys.argv[1], gpd.read_file(sys.argv[2]), ["weighted_mean", "weighted_sum"], weights=sys.argv[3],
              include_cols=["id"], output="pandas").to_csv(sys.argv[4], index=False)
print("%.4f" % (time.perf_counter() - t0))
'''


def make():
    import numpy as np, rasterio
    from rasterio.transform import from_origin
    os.makedirs(DATA, exist_ok=True)
    rng = np.random.default_rng(1)

    def write(name, a, res):
        with rasterio.open(os.path.join(DATA, name), "w", driver="GTiff", width=a.shape[1], height=a.shape[0], count=1,
                           dtype="float32", crs="EPSG:32647", transform=from_origin(200000, 2000000, res, res),
                           tiled=True, compress="deflate") as d:
            d.write(a.astype("float32"), 1)
    write("ntl500.tif", rng.uniform(0, 50, (1000, 1000)), 500)
    write("pop500.tif", rng.uniform(0, 100, (1000, 1000)), 500)
    write("pop100.tif", rng.uniform(0, 4, (5000, 5000)), 100)
    feats = []
    for i in range(20):
        for j in range(20):
            x0, y0 = 200000 + j * 25000 + 1234, 2000000 - i * 25000 - 987
            ring = [[x0, y0], [x0 + 24000, y0], [x0 + 24000, y0 - 24000], [x0, y0 - 24000], [x0, y0]]
            feats.append({"type": "Feature", "properties": {"id": "Z%d_%d" % (i, j)}, "geometry": {"type": "Polygon", "coordinates": [ring]}})
    with open(os.path.join(DATA, "zones.geojson"), "w") as f:
        json.dump({"type": "FeatureCollection", "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::32647"}},
                   "features": feats}, f)


def geotool(exe, weights, out):
    t = time.perf_counter()
    subprocess.run([exe, "zonal", "--zones", os.path.join(DATA, "zones.geojson"), "--id", "id",
                    "--raster", "ntl=" + os.path.join(DATA, "ntl500.tif"), "--weights", "pop=" + os.path.join(DATA, weights),
                    "--stats", "weighted_mean,weighted_sum", "--quiet", "-o", out], check=True, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--geotool", default=os.path.join(ROOT, ".build", "release", "geotool"))
    a = ap.parse_args()
    if not os.path.exists(os.path.join(DATA, "zones.geojson")):
        make()
    times = {"geotool, weights 500 m (same grid)": [], "geotool, weights 100 m (summed)": [], "exactextract, weights 100 m": []}
    for _ in range(a.repeat):
        times["geotool, weights 500 m (same grid)"].append(geotool(a.geotool, "pop500.tif", "/tmp/fw_same.csv"))
        times["geotool, weights 100 m (summed)"].append(geotool(a.geotool, "pop100.tif", "/tmp/fw_fine.csv"))
        r = subprocess.run([sys.executable, "-c", EE, os.path.join(DATA, "ntl500.tif"), os.path.join(DATA, "zones.geojson"),
                            os.path.join(DATA, "pop100.tif"), "/tmp/fw_ee.csv"], check=True, capture_output=True, text=True)
        times["exactextract, weights 100 m"].append(float(r.stdout.split()[-1]))
    for k, v in times.items():
        print("%-38s median %.3f s  (%s)" % (k, statistics.median(v), ", ".join("%.3f" % x for x in v)))
    print("geotool peak RSS: %d MB" % (resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024))


if __name__ == "__main__":
    main()
