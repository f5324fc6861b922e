#!/usr/bin/env python3
"""Speed of `geotool vector` against geopandas (overlay + pyproj Geod) and QGIS's own
algorithms, same files, one run, side by side.

  /work/peers/bin/python Benchmarks/vector_bench.py [--points N] [--segments N]
        [--polygons N] [--runs 3] [--peer-zones K] [--geotool PATH] [--threads N] [--smoke]

Zones: bench-data/zones/tracts.gpkg (layer tracts, 13,726 polygons, id VT_PCODE), made by
/work/shared/bench/make-zones.py. The layers are made once under bench-data/vector/:
  points-N.gpkg    N points (default 1,000,000) drawn inside the tracts, with a class
                   (level) and a number (students)
  roads-N.gpkg     N road segments (default 1,000,000): random walks of 2-point segments of
                   about 150-450 m inside the tracts, with a class (highway), about the
                   density of Myanmar's OSM roads (some 800,000 km of segments in 10^6 pieces
                   would be denser; these are about 300,000 km)
  protected-N.gpkg N polygons (default 2,000): overlapping discs of 1-20 km with a category

Cases, each tool doing the whole job (read, compute, write a CSV with one row per zone):
  points   count per zone and per level, sum of students
           geotool vector --points; geopandas sjoin(covered_by) + groupby;
           QGIS native:countpointsinpolygon
  lines    length per zone (geodesic, km) and per highway
           geotool vector --lines; geopandas overlay(intersection) + Geod.geometry_length + groupby;
           QGIS native:sumlinelengths --ellipsoid=EPSG:7030
  polygons dissolved area per zone and its share
           geotool vector --polygons; geopandas dissolve + overlay + Geod.geometry_area_perimeter
           (QGIS's overlap analysis is left out: native:calculatevectoroverlaps is planar)

A peer that would run for hours is timed on the first --peer-zones zones (default: all) and
extrapolated by the zone count, as Benchmarks/batch_bench.py does; the table says so. The
whole time is scaled, start-up included (QGIS's is some 3 s), so use a subset of a few
thousand zones, not the --smoke one, for numbers worth quoting.
geotool is timed as a process with /usr/bin/time (wall clock, peak memory); geopandas inside
its process from the first read (imports not counted, which favours it); QGIS as a process.
--smoke: 2,000 points and segments, 50 polygons, 200 zones, one run (to check the script).
Never run the full benchmark on a busy machine: the lead runs it on an idle one.
"""
import argparse, os, statistics, subprocess, sys, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(ROOT, "bench-data")
ZONES = os.path.join(DATA, "zones", "tracts.gpkg")
sys.path.insert(0, os.path.join(ROOT, "qgis", "tests"))
from qgis_env import clean_environ, find_qgis_process  # noqa: E402

GPD_POINTS = r'''
import sys, time
import pandas as pd, geopandas as gpd
t0 = time.perf_counter()
pts = gpd.read_file(sys.argv[1])
z = gpd.read_file(sys.argv[2], layer="tracts", rows=int(sys.argv[4]) or None)[["VT_PCODE", "geometry"]]
j = gpd.sjoin(pts, z, how="inner", predicate="covered_by").drop_duplicates("pid")
count = j.groupby("VT_PCODE").size().rename("count")
by = j.groupby(["VT_PCODE", "level"]).size().unstack(fill_value=0).add_prefix("count_")
s = j.groupby("VT_PCODE")["students"].sum().rename("students_sum")
out = z[["VT_PCODE"]].set_index("VT_PCODE").join([count, by, s]).fillna(0)
out.to_csv(sys.argv[3])
print("%.4f %d" % (time.perf_counter() - t0, len(out)))
'''

GPD_LINES = r'''
import sys, time
import pandas as pd, geopandas as gpd
from pyproj import Geod
t0 = time.perf_counter()
geod = Geod(ellps="WGS84")
roads = gpd.read_file(sys.argv[1])
z = gpd.read_file(sys.argv[2], layer="tracts", rows=int(sys.argv[4]) or None)[["VT_PCODE", "geometry"]]
o = gpd.overlay(roads, z, how="intersection", keep_geom_type=True)
o["km"] = [geod.geometry_length(g) / 1000 for g in o.geometry]
total = o.groupby("VT_PCODE")["km"].sum().rename("length_km")
by = o.groupby(["VT_PCODE", "highway"])["km"].sum().unstack(fill_value=0).add_prefix("length_km_")
out = z[["VT_PCODE"]].set_index("VT_PCODE").join([total, by]).fillna(0)
out.to_csv(sys.argv[3])
print("%.4f %d" % (time.perf_counter() - t0, len(out)))
'''

GPD_POLYGONS = r'''
import sys, time
import pandas as pd, geopandas as gpd
from pyproj import Geod
t0 = time.perf_counter()
geod = Geod(ellps="WGS84")
pa = gpd.read_file(sys.argv[1])
z = gpd.read_file(sys.argv[2], layer="tracts", rows=int(sys.argv[4]) or None)[["VT_PCODE", "geometry"]]
d = pa.dissolve()[["geometry"]]
o = gpd.overlay(z, d, how="intersection")
o["km2"] = [abs(geod.geometry_area_perimeter(g)[0]) / 1e6 for g in o.geometry]
za = pd.Series([abs(geod.geometry_area_perimeter(g)[0]) / 1e6 for g in z.geometry], index=z["VT_PCODE"])
area = o.groupby("VT_PCODE")["km2"].sum().rename("area_km2")
out = z[["VT_PCODE"]].set_index("VT_PCODE").join(area).fillna(0)
out["share"] = out["area_km2"] / za
out.to_csv(sys.argv[3])
print("%.4f %d" % (time.perf_counter() - t0, len(out)))
'''


def zones_sample(k):
    """The first k tracts (0: all) as their own file, for peers timed on a subset."""
    if not k:
        return ZONES
    path = os.path.join(DATA, "vector", "tracts-first-%d.gpkg" % k)
    if not os.path.exists(path):
        subprocess.run(["ogr2ogr", "-f", "GPKG", "-nln", "tracts", "-limit", str(k), path, ZONES, "tracts"], check=True)
    return path


def country(z):
    import shapely
    c = shapely.union_all(z.geometry.values)
    shapely.prepare(c)
    return c


def inside_points(z, n, rng):
    import numpy as np, shapely
    c = country(z)
    x0, y0, x1, y1 = z.total_bounds
    xs, ys, got = [], [], 0
    while got < n:
        x = rng.uniform(x0, x1, 2 * n + 100); y = rng.uniform(y0, y1, 2 * n + 100)
        ok = shapely.contains_xy(c, x, y)
        xs.append(x[ok]); ys.append(y[ok]); got += ok.sum()
    return np.concatenate(xs)[:n], np.concatenate(ys)[:n]


def make_points(n, path, z):
    import numpy as np, geopandas as gpd
    rng = np.random.default_rng(20261206)
    x, y = inside_points(z, n, rng)
    levels = rng.choice(["primary", "middle", "high"], n, p=[0.7, 0.2, 0.1])
    g = gpd.GeoDataFrame({"pid": np.arange(n), "level": levels, "students": rng.integers(10, 800, n)},
                         geometry=gpd.points_from_xy(x, y), crs="EPSG:4326")
    g.to_file(path, driver="GPKG", layer="points")


def make_roads(n, path, z):
    """Random walks of 2-point segments, 20 segments a road, starting inside the tracts."""
    import numpy as np, geopandas as gpd, shapely
    rng = np.random.default_rng(20261207)
    per = 20
    starts = (n + per - 1) // per
    x, y = inside_points(z, starts, rng)
    heading = rng.uniform(0, 2 * np.pi, starts)
    xs, ys = [x], [y]
    for _ in range(per):
        heading = heading + rng.normal(0, 0.4, starts)
        step = rng.uniform(150, 450, starts) / 111_000   # degrees, near enough for a generator
        x = x + step * np.cos(heading) / np.cos(np.radians(y)); y = y + step * np.sin(heading)
        xs.append(x); ys.append(y)
    X = np.stack(xs, 1); Y = np.stack(ys, 1)
    a = np.stack([X[:, :-1].ravel(), Y[:, :-1].ravel()], 1)[:n]
    b = np.stack([X[:, 1:].ravel(), Y[:, 1:].ravel()], 1)[:n]
    lines = shapely.linestrings(np.stack([a, b], 1))
    hw = rng.choice(["primary", "secondary", "tertiary", "residential", "track"], n, p=[0.05, 0.1, 0.15, 0.4, 0.3])
    gpd.GeoDataFrame({"highway": hw}, geometry=lines, crs="EPSG:4326").to_file(path, driver="GPKG", layer="roads")


def make_protected(n, path, z):
    import numpy as np, geopandas as gpd, shapely
    rng = np.random.default_rng(20261208)
    x, y = inside_points(z, n, rng)
    r = rng.uniform(1, 20, n) / 111.0
    discs = shapely.buffer(shapely.points(x, y), r, quad_segs=8)
    cat = rng.choice(["Ia", "II", "IV", "VI"], n)
    gpd.GeoDataFrame({"category": cat}, geometry=discs, crs="EPSG:4326").to_file(path, driver="GPKG", layer="protected")


def agree(case, out):
    """geotool's values against geopandas' on the zones geopandas did: the largest relative difference."""
    import pandas as pd
    g = pd.read_csv(os.path.join(out, "geotool-%s.csv" % case)).set_index("VT_PCODE")
    p = pd.read_csv(os.path.join(out, "geopandas-%s.csv" % case)).set_index("VT_PCODE")
    pairs = {"points": [("p_count", "count"), ("p_students_sum", "students_sum")],
             "lines": [("r_length_km", "length_km")],
             "polygons": [("pa_area_km2", "area_km2"), ("pa_share", "share")]}[case]
    words = []
    for gc, pc in pairs:
        a, b = g.loc[p.index, gc].fillna(0), p[pc].fillna(0)
        rel = ((a - b).abs() / b.abs().where(b != 0, 1)).max()
        words.append("%s %.1e" % (pc, rel))
    return "%s: %d zones, largest relative difference geotool vs geopandas: %s" % (case, len(p), ", ".join(words))


def timed(cmd, env=None):
    t = time.perf_counter()
    p = subprocess.run(["/usr/bin/time", "-f", "PEAKKB %M"] + cmd, capture_output=True, text=True, env=env)
    wall = time.perf_counter() - t
    if p.returncode != 0:
        sys.exit("failed: %s\n%s" % (" ".join(cmd), p.stderr[-2000:]))
    kb = [int(l.split()[1]) for l in p.stderr.splitlines() if l.startswith("PEAKKB")]
    return wall, (kb[-1] / 1024 if kb else float("nan")), p.stdout


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--points", type=int, default=1_000_000)
    ap.add_argument("--segments", type=int, default=1_000_000)
    ap.add_argument("--polygons", type=int, default=2_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--peer-zones", type=int, default=0, help="time the peers on the first K zones and extrapolate (0: all)")
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--geotool", default=None)
    ap.add_argument("--cases", default="points,lines,polygons")
    ap.add_argument("--no-qgis", action="store_true")
    ap.add_argument("--smoke", action="store_true", help="tiny layers and zones, one run: checks the script")
    a = ap.parse_args()
    if a.smoke:
        a.points, a.segments, a.polygons, a.runs, a.peer_zones = 2000, 2000, 50, 1, 200
    geotool = a.geotool
    for p in [".build/release/geotool", ".build/debug/geotool"]:
        if geotool is None and os.path.exists(os.path.join(ROOT, p)):
            geotool = os.path.join(ROOT, p)
    if not geotool or not os.path.exists(geotool):
        sys.exit("geotool not built: swift build -c release")
    if not os.path.exists(ZONES):
        sys.exit("%s missing: /work/peers/bin/python /work/shared/bench/make-zones.py bench-data/zones" % ZONES)
    import geopandas as gpd
    os.makedirs(os.path.join(DATA, "vector"), exist_ok=True)
    zall = None
    layers = {}
    for case, n, make in [("points", a.points, make_points), ("lines", a.segments, make_roads), ("polygons", a.polygons, make_protected)]:
        path = os.path.join(DATA, "vector", "%s-%d.gpkg" % ({"lines": "roads", "polygons": "protected"}.get(case, case), n))
        if not os.path.exists(path):
            zall = zall if zall is not None else gpd.read_file(ZONES, layer="tracts")
            t = time.perf_counter()
            make(n, path, zall)
            print("made %s in %.1f s" % (path, time.perf_counter() - t), file=sys.stderr)
        layers[case] = path
    n_zones = int(subprocess.run(["ogrinfo", "-so", ZONES, "tracts"], capture_output=True, text=True).stdout
                  .split("Feature Count:")[1].split()[0])
    peer_zones = zones_sample(a.peer_zones)
    scale = n_zones / a.peer_zones if a.peer_zones else 1.0
    qp = None if a.no_qgis else find_qgis_process()
    qenv = dict(clean_environ(), QT_QPA_PLATFORM="offscreen")
    out = os.path.join(DATA, "vector", "out")
    os.makedirs(out, exist_ok=True)
    rows, agreement = [], []
    for case in a.cases.split(","):
        layer = layers[case]
        g_args = {"points": ["--points", "p=" + layer, "--count-by", "p=level", "--sum", "p=students"],
                  "lines": ["--lines", "r=" + layer, "--by", "r=highway"],
                  "polygons": ["--polygons", "pa=" + layer]}[case]
        g_cmd = [geotool, "vector", "--zones", ZONES, "--layer", "tracts", "--id", "VT_PCODE", "-q"] + g_args + ["-o", os.path.join(out, "geotool-%s.csv" % case)]
        if a.threads:
            g_cmd += ["--threads", str(a.threads)]
        script = {"points": GPD_POINTS, "lines": GPD_LINES, "polygons": GPD_POLYGONS}[case]
        p_cmd = [sys.executable, "-c", script, layer, peer_zones, os.path.join(out, "geopandas-%s.csv" % case), str(a.peer_zones)]
        q_cmd = None
        if qp and case == "points":
            q_cmd = [qp, "run", "native:countpointsinpolygon", "--", "POLYGONS=%s|layername=tracts" % peer_zones,
                     "POINTS=" + layer, "FIELD=n", "OUTPUT=" + os.path.join(out, "qgis-points.gpkg")]
        elif qp and case == "lines":
            q_cmd = [qp, "run", "native:sumlinelengths", "--ellipsoid=EPSG:7030", "--", "POLYGONS=%s|layername=tracts" % peer_zones,
                     "LINES=" + layer, "LEN_FIELD=len", "COUNT_FIELD=cnt", "OUTPUT=" + os.path.join(out, "qgis-lines.gpkg")]
        tg, tp, tq, mg, mp, mq = [], [], [], [], [], []
        for r in range(a.runs):
            w, m, _ = timed(g_cmd); tg.append(w); mg.append(m)
            w, m, so = timed(p_cmd); tp.append(float(so.split()[0]) * scale); mp.append(m)
            if q_cmd:
                w, m, _ = timed(q_cmd, qenv); tq.append(w * scale); mq.append(m)
            print("%s run %d: geotool %.2f s, geopandas %.2f s, qgis %s" % (case, r + 1, tg[-1], tp[-1],
                  "%.2f s" % tq[-1] if tq else "-"), file=sys.stderr)
        rows.append((case, statistics.median(tg), max(mg), statistics.median(tp), max(mp),
                     statistics.median(tq) if tq else None, max(mq) if mq else None))
        agreement.append(agree(case, out))
    print("zones %d tracts; points %d, segments %d, polygons %d; cores %d; load %.1f %.1f %.1f" %
          ((n_zones, a.points, a.segments, a.polygons, os.cpu_count()) + os.getloadavg()))
    if a.peer_zones:
        print("peers timed on the first %d zones, times x %.1f (extrapolated by zone count)" % (a.peer_zones, scale))
    for line in agreement:
        print(line)
    print("%-9s %12s %10s %14s %10s %12s %10s %8s" % ("case", "geotool s", "MB", "geopandas s", "MB", "qgis s", "MB", "faster"))
    for case, g, gm, p, pm, q, qm in rows:
        best = min(v for v in [p, q] if v is not None)
        print("%-9s %12.2f %10.0f %14.2f %10.0f %12s %10s %7.1fx" % (case, g, gm, p, pm, "%.2f" % q if q is not None else "-",
              "%.0f" % qm if qm is not None else "-", best / g))


if __name__ == "__main__":
    main()
