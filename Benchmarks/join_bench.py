#!/usr/bin/env python3
"""Speed of `geotool join` against geopandas sjoin(predicate="covered_by"), same files, same run.

  python3 Benchmarks/join_bench.py [--points N] [--runs 3] [--geotool PATH] [--threads N]

Zones: bench-data/zones/tracts.gpkg (layer tracts, 13,726 polygons, id VT_PCODE), made by
/work/shared/bench/make-zones.py. Points: N (default 1,000,000) school-like points made once
into bench-data/join/points-N.csv: 95% drawn inside the tracts, 5% around Myanmar (sea,
neighbours), with 6-decimal coordinates as registers write them.

Both tools do the whole job: read the CSV, read the zones, join, write a CSV with every
input column plus VT_PCODE and TS_PCODE. geotool is timed as a process (wall clock);
geopandas is timed inside its process from the first read to the end of the write (its
interpreter and import time are not counted, which favours it). Median of --runs each,
runs interleaved.
"""
import argparse, os, resource, statistics, subprocess, sys, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(ROOT, "bench-data")
ZONES = os.path.join(DATA, "zones", "tracts.gpkg")

GPD_SCRIPT = r'''
import sys, time
t0 = time.perf_counter()
import pandas as pd, geopandas as gpd
t1 = time.perf_counter()
pts = pd.read_csv(sys.argv[1], dtype=str, keep_default_na=False)
lon = pd.to_numeric(pts["longitude"], errors="coerce"); lat = pd.to_numeric(pts["latitude"], errors="coerce")
g = gpd.GeoDataFrame(pts, geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326")
z = gpd.read_file(sys.argv[2], layer="tracts")[["VT_PCODE", "TS_PCODE", "geometry"]]
j = gpd.sjoin(g, z, how="left", predicate="covered_by")
j.drop(columns=["geometry", "index_right"]).to_csv(sys.argv[3], index=False)
t2 = time.perf_counter()
print("%.4f %.4f %d" % (t2 - t1, t1 - t0, len(j)))
'''


def make_points(n, path):
    import numpy as np, geopandas as gpd, shapely
    rng = np.random.default_rng(20240501)
    z = gpd.read_file(ZONES, layer="tracts")
    country = shapely.union_all(z.geometry.values)
    shapely.prepare(country)
    x0, y0, x1, y1 = z.total_bounds
    n_in = int(n * 0.95)
    xs, ys = [], []
    got = 0
    while got < n_in:
        x = rng.uniform(x0, x1, 2 * n); y = rng.uniform(y0, y1, 2 * n)
        ok = shapely.contains_xy(country, x, y)
        xs.append(x[ok]); ys.append(y[ok]); got += ok.sum()
    xin = np.concatenate(xs)[:n_in]; yin = np.concatenate(ys)[:n_in]
    m = n - n_in
    xout = rng.uniform(x0 - 1, x1 + 1, m); yout = rng.uniform(y0 - 1, y1 + 1, m)
    x = np.concatenate([xin, xout]); y = np.concatenate([yin, yout])
    perm = rng.permutation(n)
    x, y = x[perm], y[perm]
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write("school_id,name,latitude,longitude\n")
        for i in range(n):
            f.write("%d,School %d,%.6f,%.6f\n" % (1000000 + i, i, y[i], x[i]))
    os.replace(tmp, path)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--points", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--threads", type=int, default=0, help="geotool --threads (default: all cores)")
    ap.add_argument("--geotool", default=None)
    a = ap.parse_args()
    geotool = a.geotool
    if geotool is None:
        for p in [".build/release/geotool", ".build-join/release/geotool"]:
            if os.path.exists(os.path.join(ROOT, p)):
                geotool = os.path.join(ROOT, p); break
    if not geotool or not os.path.exists(geotool):
        sys.exit("geotool not built: swift build -c release")
    if not os.path.exists(ZONES):
        sys.exit("%s missing: python3 /work/shared/bench/make-zones.py bench-data/zones" % ZONES)
    os.makedirs(os.path.join(DATA, "join"), exist_ok=True)
    pts = os.path.join(DATA, "join", "points-%d.csv" % a.points)
    if not os.path.exists(pts):
        t = time.perf_counter()
        make_points(a.points, pts)
        print("made %s in %.1f s" % (pts, time.perf_counter() - t), file=sys.stderr)
    out_g = os.path.join(DATA, "join", "out-geotool.csv")
    out_p = os.path.join(DATA, "join", "out-geopandas.csv")
    cmd = [geotool, "join", "--points", pts, "--zones", ZONES, "--layer", "tracts", "--id", "VT_PCODE",
           "--include-cols", "TS_PCODE", "-o", out_g]
    if a.threads:
        cmd += ["--threads", str(a.threads)]
    tg, tp, imp, cpu = [], [], [], []
    for r in range(a.runs):
        ru = resource.getrusage(resource.RUSAGE_CHILDREN)
        t = time.perf_counter()
        p = subprocess.run(cmd, capture_output=True, text=True)
        tg.append(time.perf_counter() - t)
        ru2 = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(ru2.ru_utime - ru.ru_utime + ru2.ru_stime - ru.ru_stime)
        if p.returncode != 0:
            sys.exit("geotool failed: " + p.stderr)
        q = subprocess.run([sys.executable, "-c", GPD_SCRIPT, pts, ZONES, out_p], capture_output=True, text=True)
        if q.returncode != 0:
            sys.exit("geopandas failed: " + q.stderr)
        work, load, rows = q.stdout.split()
        tp.append(float(work)); imp.append(float(load))
        print("run %d: geotool %.2f s, geopandas %.2f s (+%.2f s import)" % (r + 1, tg[-1], tp[-1], imp[-1]), file=sys.stderr)
    print(p.stderr.strip(), file=sys.stderr)
    # Agreement on the points both call clean: same VT_PCODE.
    import pandas as pd
    g = pd.read_csv(out_g, dtype=str, keep_default_na=False)
    s = pd.read_csv(out_p, dtype=str, keep_default_na=False).drop_duplicates("school_id")
    both = g.merge(s, on="school_id", suffixes=("", "_gpd"))
    inside = both[both["match"] == "inside"]
    agree = (inside["VT_PCODE"] == inside["VT_PCODE_gpd"]).sum()
    mg, mp = statistics.median(tg), statistics.median(tp)
    print("points %d, zones 13726 tracts, cores %d" % (a.points, os.cpu_count()))
    print("geotool join      median %.2f s  (runs: %s)" % (mg, ", ".join("%.2f" % v for v in tg)))
    print("geopandas sjoin   median %.2f s  (runs: %s; import not counted)" % (mp, ", ".join("%.2f" % v for v in tp)))
    print("geotool CPU time  median %.2f s  (user+sys, all threads; independent of other load)" % statistics.median(cpu))
    print("ratio geopandas/geotool: %.1fx" % (mp / mg))
    print("load average during the run: %.1f %.1f %.1f" % os.getloadavg())
    print("agreement on geotool 'inside' points: %d / %d same VT_PCODE" % (agree, len(inside)))


if __name__ == "__main__":
    main()
