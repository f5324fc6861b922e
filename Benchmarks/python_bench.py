#!/usr/bin/env python3
"""GeoKit from Python (issue 26): the daily cube (90 steps) over 200,000 zones, in memory,
geokit.zonal_stats against exactextract.exact_extract and extractrs on the same objects.

  python Benchmarks/python_bench.py [--steps 90] [--size 1000] [--zones 200000]
                                    [--zones-file bench-data/zones/voronoi.gpkg]
                                    [--stats mean,max] [--repeat 3] [--tools geokit,extractrs,exactextract]
                                    [--ee-timeout 600]

Smoke (seconds): python Benchmarks/python_bench.py --steps 3 --size 60 --zones 300 --repeat 1

The inputs are made once, in memory, and every tool gets the same objects: an xarray
DataArray (time, lat, lon) of float32 on a WGS 84 grid over Myanmar's extent, with NaN
gaps, and a GeoDataFrame of zones (jittered quadrilaterals tiling the grid's extent, or
--zones-file, e.g. the Voronoi cells of Benchmarks/make_voronoi.py). Each tool's time runs
from those objects to an xarray Dataset (zone, time) with a variable per statistic, the
conversion included:
  - geokit: geokit.zonal_stats(da, gdf, stats) (returns the Dataset itself);
  - extractrs: build_cache(WKB, ids, bounds, dx, dy, "exact") then apply_stat_batch on the
    (time, y, x) float64 array (NaN replaced by a nodata value), per statistic;
  - exactextract: exact_extract over one NumPyRasterSource per step (its raster list),
    output='pandas', reshaped to (zone, time).
Needs geokit installed (pip install ./python, with libGeoKitC.so built in release:
swift build -c release --product GeoKitC; or GEOKIT_LIBRARY set), exactextract, extractrs,
geopandas, xarray. Runs in one process, tools one after another (each first warmed up on tiny inputs); prints a Markdown table
(median wall and CPU time (user+sys, every thread) of --repeat runs, and the speed-up of geokit over the faster of the
others) and the largest difference of each tool's values from geokit's.
"""
import argparse
import statistics
import sys
import threading
import time

import numpy as np
import pandas as pd

# Myanmar's extent (degrees), where the project's zones lie.
EXTENT = (92.2, 9.8, 101.2, 28.6)


def make_cube(steps, size, seed=26):
    import xarray as xr
    xmin, ymin, xmax, ymax = EXTENT
    nx = size
    ny = max(2, int(round(size * (ymax - ymin) / (xmax - xmin))))
    dx, dy = (xmax - xmin) / nx, (ymax - ymin) / ny
    xs = xmin + dx * (np.arange(nx) + 0.5)
    ys = ymax - dy * (np.arange(ny) + 0.5)
    rng = np.random.default_rng(seed)
    base = rng.gamma(2.0, 3.0, size=(ny, nx)).astype("float32")
    values = np.empty((steps, ny, nx), dtype="float32")
    for t in range(steps):
        values[t] = base * (0.5 + rng.random(dtype="float32"))
    values[:, : ny // 20, : nx // 20] = np.nan  # a gap (sea), as real cubes have
    time_coord = pd.date_range("2024-06-01", periods=steps, freq="D")
    return xr.DataArray(values, dims=("time", "lat", "lon"), name="precip",
                        coords={"time": time_coord, "lat": ys, "lon": xs})


def make_zones(n, seed=26):
    """About n jittered quadrilaterals tiling EXTENT (a GeoDataFrame in EPSG:4326, id column 'zid')."""
    import geopandas as gpd
    import shapely
    xmin, ymin, xmax, ymax = EXTENT
    cols = max(1, int(round(np.sqrt(n * (xmax - xmin) / (ymax - ymin)))))
    rows = max(1, int(np.ceil(n / cols)))
    gx = np.linspace(xmin, xmax, cols + 1)
    gy = np.linspace(ymin, ymax, rows + 1)
    rng = np.random.default_rng(seed)
    # Shared jittered corners, so the zones tile the extent without gaps or overlaps.
    jx = (gx[1] - gx[0]) * 0.3 * (rng.random((rows + 1, cols + 1)) - 0.5)
    jy = (gy[1] - gy[0]) * 0.3 * (rng.random((rows + 1, cols + 1)) - 0.5)
    jx[:, [0, -1]] = 0
    jy[[0, -1], :] = 0
    X = gx[np.newaxis, :] + jx
    Y = gy[:, np.newaxis] + jy
    r, c = np.divmod(np.arange(rows * cols), cols)
    r, c = r[:n], c[:n]
    ring = np.stack([np.stack([X[r, c], Y[r, c]], -1), np.stack([X[r, c + 1], Y[r, c + 1]], -1),
                     np.stack([X[r + 1, c + 1], Y[r + 1, c + 1]], -1), np.stack([X[r + 1, c], Y[r + 1, c]], -1),
                     np.stack([X[r, c], Y[r, c]], -1)], axis=1)
    polys = shapely.polygons(ring)
    return gpd.GeoDataFrame({"zid": [f"Z{i:06d}" for i in range(len(polys))]}, geometry=polys, crs="EPSG:4326")


def to_dataset(arrays, ids, time_coord):
    """{stat: (zone, time) array} -> the Dataset every tool returns (ids as a numpy array of
    str, as geokit makes them: xarray turns a list of 10^5 str into a coordinate ten times
    slower)."""
    import xarray as xr
    return xr.Dataset({s: (("zone", "time"), a) for s, a in arrays.items()},
                      coords={"zone": np.asarray(ids).astype(str), "time": time_coord})


def run_geokit(da, zones, stats, threads):
    import geokit
    return geokit.zonal_stats(da, zones, stats=stats, id_field="zid", threads=threads)


def run_extractrs(da, zones, stats, threads):
    from extractrs import apply_stat_batch, build_cache
    nodata = -3.0e38
    data = np.nan_to_num(da.values.astype(np.float64), nan=nodata)
    x, y = da["lon"].values, da["lat"].values
    dx, dy = abs(float(x[1] - x[0])), abs(float(y[1] - y[0]))
    bounds = (x.min() - dx / 2, y.min() - dy / 2, x.max() + dx / 2, y.max() + dy / 2)
    cache = build_cache(list(zones.geometry.to_wkb()), list(range(len(zones))), *bounds, dx, dy, "exact")
    out = {s: np.asarray(apply_stat_batch(cache, data, nodata, s)).T for s in stats}
    return to_dataset(out, zones["zid"].values, da["time"].values)


def run_exactextract(da, zones, stats, threads):
    from exactextract import exact_extract
    from exactextract.raster import NumPyRasterSource
    x, y = da["lon"].values, da["lat"].values
    dx, dy = abs(float(x[1] - x[0])), abs(float(y[1] - y[0]))
    xmin, xmax = x.min() - dx / 2, x.max() + dx / 2
    ymin, ymax = y.min() - dy / 2, y.max() + dy / 2
    steps = da.sizes["time"]
    rasters = [NumPyRasterSource(da.values[t].astype(np.float64), xmin, ymin, xmax, ymax, name=f"t{t}",
                                 srs_wkt=zones.crs.to_wkt()) for t in range(steps)]
    df = exact_extract(rasters, zones, stats, include_cols=["zid"], output="pandas")
    out = {s: np.stack([df[f"t{t}_{s}"].to_numpy(float) for t in range(steps)], axis=1) for s in stats}
    return to_dataset(out, df["zid"].values, da["time"].values)


TOOLS = {"geokit": run_geokit, "extractrs": run_extractrs, "exactextract": run_exactextract}


def timed(f, timeout):
    """((wall seconds, CPU seconds), result), or (None, None) past timeout (the run is left to
    finish in the background). CPU is the process's user+sys time over every thread: a busy
    machine disturbs it less than the wall time."""
    box = {}

    def work():
        t0, c0 = time.perf_counter(), time.process_time()
        box["result"] = f()
        box["seconds"] = (time.perf_counter() - t0, time.process_time() - c0)

    t = threading.Thread(target=work, daemon=True)
    t.start()
    t.join(timeout)
    return (box.get("seconds"), box.get("result")) if not t.is_alive() else (None, None)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--steps", type=int, default=90)
    ap.add_argument("--size", type=int, default=1000, help="grid columns (rows follow the extent's aspect)")
    ap.add_argument("--zones", type=int, default=200_000)
    ap.add_argument("--zones-file", help="zones to use instead of generated ones (id column: --id)")
    ap.add_argument("--id", default=None, help="the id column of --zones-file")
    ap.add_argument("--stats", default="mean,max")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--threads", type=int, default=0, help="geokit's threads (0: one per core)")
    ap.add_argument("--tools", default="geokit,extractrs,exactextract")
    ap.add_argument("--ee-timeout", type=float, default=600, help="seconds before a tool's run is reported as '>T s'")
    a = ap.parse_args()
    stats = a.stats.split(",")

    t0 = time.perf_counter()
    da = make_cube(a.steps, a.size)
    if a.zones_file:
        import geopandas as gpd
        zones = gpd.read_file(a.zones_file).to_crs("EPSG:4326")
        zones["zid"] = zones[a.id].astype(str) if a.id else [f"Z{i:06d}" for i in range(len(zones))]
    else:
        zones = make_zones(a.zones)
    print(f"inputs: cube {dict(da.sizes)} float32, {len(zones)} zones, made in {time.perf_counter() - t0:.1f} s",
          file=sys.stderr)

    # Each tool once on tiny inputs first: library loading and GDAL's driver registration are
    # paid once per process, not per call.
    tiny_da, tiny_zones = make_cube(2, 20), make_zones(20)
    for name in a.tools.split(","):
        TOOLS[name](tiny_da, tiny_zones, stats, a.threads)

    times, results = {}, {}
    for name in a.tools.split(","):
        runs = []
        for _ in range(a.repeat):
            s, r = timed(lambda: TOOLS[name](da, zones, stats, a.threads), a.ee_timeout)
            if s is None:
                runs = None
                break
            runs.append(s)
            results[name] = r
        times[name] = runs
        print(f"{name}: {runs}", file=sys.stderr)

    print(f"\n{a.steps} steps x {da.sizes['lat']} x {da.sizes['lon']} cells, {len(zones)} zones, stats {a.stats}\n")
    print("| tool | median s | median CPU s | runs (wall/CPU s) | max abs diff from geokit |")
    print("|---|---:|---:|---|---:|")
    ref = results.get("geokit")
    for name, runs in times.items():
        if runs is None:
            print(f"| {name} | >{a.ee_timeout:.0f} | | |")
            continue
        diff = ""
        if ref is not None and name != "geokit":
            r = results[name].sel(zone=ref.zone.values)
            diff = "%.3g" % max(float(np.nanmax(np.abs(r[s].values - ref[s].values))) for s in stats)
        wall, cpu = statistics.median(w for w, _ in runs), statistics.median(c for _, c in runs)
        listed = ", ".join("%.3f/%.3f" % r for r in runs)
        print(f"| {name} | {wall:.3f} | {cpu:.3f} | {listed} | {diff} |")
    for k, what in ((0, "wall"), (1, "CPU")):
        others = [statistics.median(x[k] for x in r) for n, r in times.items() if n != "geokit" and r]
        if times.get("geokit") and others:
            mine = statistics.median(x[k] for x in times["geokit"])
            print(f"\ngeokit ({what}): {min(others) / mine:.1f}x the faster of the others")


if __name__ == "__main__":
    main()
