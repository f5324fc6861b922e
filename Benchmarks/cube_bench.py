#!/usr/bin/env python3
"""The daily cube (issue 13): 90 daily 1 km bands x 13,726 tracts, mean and max, from a
tiled GeoTIFF, a NetCDF chunked (10, 256, 256) and a NetCDF of one-row chunks (1, 1, width).

  python3 Benchmarks/cube_bench.py [--cube bench-data/cube] [--zones bench-data/zones/tracts.gpkg]
                                   [--repeat 3] [--threads N] [--ee-timeout 300] [--no-ee]
                                   [--files tif,nc,rows]

Data: python3 Benchmarks/make_cube.py (once, into the git-ignored bench-data/cube).
Tools, each in its own process, timed from start to exit (median of --repeat runs), with
CPU time (user+sys) and peak resident memory from /usr/bin/time:
  - geotool zonal (--max-memory, default 512 MB: its memory must stay near that);
  - extractrs 0.1.3 (pip; a Rust engine that builds a coverage cache once and applies it to
    every time step of a (time, y, x) float64 array in memory): the array is read with
    rasterio (GeoTIFF) or xarray (NetCDF); the script also reports its read, cache and
    stats phases;
  - the exactextract command-line tool (--ee-cli): every strategy once, each capped by
    --ee-timeout (reported as '>T s'), then the fastest again up to --repeat runs;
  - the read floor, geokit-read-floor (Benchmarks/ReadFloor): every block decoded once, in
    parallel, with the engine's row bands, nothing else.
Prints a Markdown table; checks that geotool agrees with extractrs (and exactextract) and
that geotool's three tables (one per file) agree.
"""
import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np
import pandas as pd

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
GEOTOOL = os.path.join(ROOT, ".build", "release", "geotool")
READ_FLOOR = os.path.join(ROOT, ".build", "release", "geokit-read-floor")
IDF = "VT_PCODE"

EXTRACTRS_SCRIPT = r"""
import sys, time, warnings
warnings.simplefilter("ignore")
t0 = time.perf_counter()
import numpy as np, geopandas as gpd
from extractrs import build_cache, apply_stat_batch
zones, path, out, idf = sys.argv[1:5]
z = gpd.read_file(zones)
t1 = time.perf_counter()
if path.endswith(".nc"):
    import xarray as xr
    da = xr.open_dataset(path)["precip"]
    nodata = float(da.encoding.get("_FillValue", -9999.0))
    data = np.nan_to_num(da.values.astype(np.float64), nan=nodata)
    x = da["lon"].values; y = da["lat"].values
    dx = abs(float(x[1] - x[0])); dy = abs(float(y[1] - y[0]))
    bounds = (x.min() - dx / 2, y.min() - dy / 2, x.max() + dx / 2, y.max() + dy / 2)
else:
    import rasterio
    with rasterio.open(path) as src:
        data = src.read().astype(np.float64)
        nodata = src.nodata
        b = src.bounds; dx, dy = src.res
        bounds = (b.left, b.bottom, b.right, b.top)
t2 = time.perf_counter()
cache = build_cache([g.wkb for g in z.geometry], list(range(len(z))), *bounds, dx, dy, "exact")
t3 = time.perf_counter()
mean = np.asarray(apply_stat_batch(cache, data, nodata, "mean"))
mx = np.asarray(apply_stat_batch(cache, data, nodata, "max"))
t4 = time.perf_counter()
cols = {idf: z[idf].values}
for t in range(mean.shape[0]):
    cols["b%d_mean" % (t + 1)] = mean[t]
    cols["b%d_max" % (t + 1)] = mx[t]
import pandas as pd
pd.DataFrame(cols).to_csv(out, index=False)
t5 = time.perf_counter()
print("PHASES zones %.2f read %.2f cache %.2f stats %.2f write %.2f" % (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4))
"""


class TimedOut(Exception):
    pass


def timed(cmd, timeout=None, env=None):
    """Run cmd under /usr/bin/time; return (wall s, cpu s, peak MB, stdout)."""
    t0 = time.perf_counter()
    try:
        p = subprocess.run(["/usr/bin/time", "-f", "MAXRSS %M CPU %U %S"] + cmd, capture_output=True, text=True,
                           env=env, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise TimedOut()
    dt = time.perf_counter() - t0
    if p.returncode != 0:
        sys.exit("failed: %s\n%s" % (" ".join(cmd), p.stderr[-2000:]))
    line = [l for l in p.stderr.splitlines() if l.startswith("MAXRSS")][-1].split()
    return dt, float(line[3]) + float(line[4]), int(line[1]) / 1024, p.stdout


def median_run(cmd, repeat, timeout=None):
    runs = [timed(cmd, timeout) for _ in range(repeat)]
    return summarize(runs)


def summarize(runs):
    return dict(wall=statistics.median(r[0] for r in runs), cpu=statistics.median(r[1] for r in runs),
                rss=max(r[2] for r in runs), runs=[round(r[0], 2) for r in runs], out=runs[-1][3])


def geotool_table(path):
    """geotool's columns renamed to b<band>_<stat>, in band order."""
    t = pd.read_csv(path, dtype={IDF: str})
    ren = {}
    for c in t.columns:
        if c == IDF:
            continue
        stat = c.rsplit("_", 1)[1]
        band = [p for p in c.split("_") if p[:1] == "b" and p[1:].isdigit()]
        ren[c] = "%s_%s" % (band[0] if band else c, stat)
    return t.rename(columns=ren)


def agreement(ours, theirs, theirs_geotool=False):
    """Largest relative difference over the b<n>_<stat> columns both tables have."""
    a = geotool_table(ours)
    b = geotool_table(theirs) if theirs_geotool else pd.read_csv(theirs, dtype={IDF: str})
    m = a.merge(b, on=IDF, suffixes=("", "_o"))
    worst, n = 0.0, 0
    for c in a.columns:
        if c == IDF or c + "_o" not in m.columns:
            continue
        x = m[c].astype(float).values; y = m[c + "_o"].astype(float).values
        ok = ~np.isnan(x) & ~np.isnan(y)
        d = np.abs(x[ok] - y[ok]) / np.maximum(np.abs(y[ok]), 1e-9)
        if ok.any():
            worst, n = max(worst, float(d.max())), n + int(ok.sum())
    return "%.1e over %d values" % (worst, n) if n else "nothing comparable"


def ee_table(path, out):
    """exactextract CLI's band_<n>_<stat> columns as b<n>_<stat>."""
    t = pd.read_csv(path, dtype={IDF: str})
    t.rename(columns={c: re.sub(r".*band_(\d+)_(\w+)$", r"b\1_\2", c) for c in t.columns}).to_csv(out, index=False)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cube", default=os.path.join(ROOT, "bench-data", "cube"))
    ap.add_argument("--zones", default=os.path.join(ROOT, "bench-data", "zones", "tracts.gpkg"))
    ap.add_argument("--files", default="tif,nc,rows")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--max-memory", type=int, default=512, help="geotool's --max-memory (MB)")
    ap.add_argument("--ee-cli", default="/work/peers/exactextract/build/exactextract")
    ap.add_argument("--ee-timeout", type=float, default=300)
    ap.add_argument("--no-ee", action="store_true")
    ap.add_argument("--no-extractrs", action="store_true")
    a = ap.parse_args()
    for exe, product in ((GEOTOOL, "geotool"), (READ_FLOOR, "geokit-read-floor")):
        if not os.path.exists(exe):
            subprocess.run(["swift", "build", "-c", "release", "--product", product], cwd=ROOT, check=True)
    tmp = tempfile.mkdtemp(prefix="geokit-cube-")
    files = {"tif": ("tiled GeoTIFF 256x256", "cube.tif", "cube.tif"),
             "nc": ("NetCDF chunks (10,256,256)", "cube.nc", 'NETCDF:"%s":precip'),
             "rows": ("NetCDF one-row chunks (1,1,1056)", "cube_rows.nc", 'NETCDF:"%s":precip')}
    rows, notes, tables = [], [], {}
    for key in a.files.split(","):
        title, name, gdal = files[key]
        path = os.path.join(a.cube, name)
        if not os.path.exists(path):
            print("skip %s: %s missing (python3 Benchmarks/make_cube.py)" % (key, path), file=sys.stderr)
            continue
        src = gdal % path if "%s" in gdal else path
        print("%s: %s" % (key, title), file=sys.stderr)
        out = os.path.join(tmp, "gt_%s.csv" % key)
        g = median_run([GEOTOOL, "zonal", "--quiet", "--zones", a.zones, "--id", IDF, "--raster", "p=" + src,
                        "--stats", "mean,max", "--threads", str(a.threads), "--max-memory", str(a.max_memory),
                        "-o", out], a.repeat)
        tables[key] = out
        rows.append((title, "geotool (--max-memory %d)" % a.max_memory, g, g))
        f = median_run([READ_FLOOR, src, "--threads", str(a.threads)], a.repeat)
        rows.append(("", "read floor", f, g))
        if not a.no_extractrs:
            xo = os.path.join(tmp, "x_%s.csv" % key)
            x = median_run([sys.executable, "-c", EXTRACTRS_SCRIPT, a.zones, path, xo, IDF], a.repeat)
            phases = x["out"].strip().splitlines()[-1].replace("PHASES ", "")
            rows.append(("", "extractrs 0.1.3 (%s s)" % phases, x, g))
            notes.append("%s: geotool vs extractrs, max relative difference: %s" % (key, agreement(out, xo)))
        if not a.no_ee and os.path.exists(a.ee_cli):
            # The plain path (the file's one variable): exactextract reads NAME:PATH, so a
            # NETCDF:"file":var name would lose its prefix.
            cmd = [a.ee_cli, "-p", a.zones, "-f", IDF, "-r", path, "--threads", str(a.threads),
                   "-s", "mean", "-s", "max"]
            tried, slow = {}, []
            for strategy in ["feature-sequential", "raster-sequential", "raster-parallel"]:
                eo = os.path.join(tmp, "ee_%s_%s.csv" % (key, strategy))
                try:
                    tried[strategy] = timed(cmd + ["--strategy", strategy, "-o", eo], a.ee_timeout)
                except TimedOut:
                    slow.append(strategy)
                except SystemExit as e:
                    notes.append("%s: exactextract CLI %s failed: %s" % (key, strategy, str(e).splitlines()[-1][:120]))
            desc = ", ".join(["%s %.1f s" % (s, tried[s][0]) for s in tried] + ["%s >%.0f s" % (s, a.ee_timeout) for s in slow])
            if tried:
                best = min(tried, key=lambda s: tried[s][0])
                eo = os.path.join(tmp, "ee_%s_%s.csv" % (key, best))
                runs = [tried[best]] + [timed(cmd + ["--strategy", best, "-o", eo]) for _ in range(a.repeat - 1)]
                rows.append(("", "exactextract CLI, %s (%s)" % (best, desc), summarize(runs), g))
                notes.append("%s: geotool vs exactextract, max relative difference: %s"
                             % (key, agreement(out, ee_table(eo, eo + ".b.csv"))))
            else:
                rows.append(("", "exactextract CLI (%s)" % desc, None, g))
    print("\n| raster | tool | median wall s | runs | CPU s (user+sys) | vs geotool | peak MB |")
    print("|---|---|---|---|---|---|---|")
    for title, tool, r, g in rows:
        if r is None:
            print("| %s | %s | >%.0f | - | - | >%.0fx | - |" % (title, tool, a.ee_timeout, a.ee_timeout / g["wall"]))
            continue
        print("| %s | %s | %.2f | %s | %.1f | %.2fx | %.0f |"
              % (title, tool, r["wall"], r["runs"], r["cpu"], r["wall"] / g["wall"], r["rss"]))
    print()
    keys = list(tables)
    for k in keys[1:]:
        # Not byte-identical: the NetCDF grid comes from its coordinate arrays (last-bit
        # differences in the coverage), and one-row chunks cut other row bands (sums merge
        # in another order).
        notes.append("geotool table from %s vs the one from %s, max relative difference: %s"
                     % (k, keys[0], agreement(tables[k], tables[keys[0]], True)))
    for n in notes:
        print("- " + n)
    print("\nmachine: %d cores; 'vs geotool' is tool time / geotool time (read floor: floor / geotool)." % os.cpu_count())


if __name__ == "__main__":
    main()
