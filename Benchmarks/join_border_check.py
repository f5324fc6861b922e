#!/usr/bin/env python3
"""The border rule and --check-col on real data (the figures of docs/join.md, "The border rule
on real data"), checked against shapely.

  python3 Benchmarks/join_border_check.py [--geotool PATH] [--before PATH] [--shared DIR]

Register: the OpenStreetMap schools (shared/data/osm-schools) that fall in the Yangon and
Sagaing townships at those files' own resolution take their P-code as the register's
TS_PCODE (geopandas sjoin "within"); geotool joins them to the simplified MIMU townships
with --check-col TS_PCODE at several --border-tolerance values. --before gives another
geotool binary (e.g. main's) to count the same with. For every located row, the zone given
and the border flag are compared with an independent implementation of the rule in shapely:
the zone that covers the point when exactly one id does, else the lowest id among the
zones within the tolerance; a border when two ids or more are within it. Distances are
measured in the local frame at the point (east scaled by N cos(lat), north by M, WGS 84),
as the edges are straight in longitude/latitude.
"""
import argparse, collections, csv, math, os, subprocess, sys, tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def make_register(shared, path):
    import geopandas as gpd, pandas as pd
    d = os.path.join(shared, "data")
    pts = gpd.read_file(os.path.join(d, "osm-schools", "hotosm_mmr_education_facilities_points_geojson.geojson"))[["osm_id", "name", "geometry"]]
    pts["latitude"] = pts.geometry.y.map(lambda v: "%.6f" % v)
    pts["longitude"] = pts.geometry.x.map(lambda v: "%.6f" % v)
    y = gpd.read_file(os.path.join(d, "yangon", "yangon_townships.geojson"))[["adm3_pcode", "geometry"]].rename(columns={"adm3_pcode": "TS_PCODE"})
    s = gpd.read_file(os.path.join(d, "sagaing", "townships.geojson"))[["TS_PCODE", "geometry"]]
    k = gpd.sjoin(pts, pd.concat([y, s]), how="inner", predicate="within").drop_duplicates("osm_id")
    k[["osm_id", "name", "latitude", "longitude", "TS_PCODE"]].to_csv(path, index=False)
    return len(k)


def shapely_check(zones_path, out_path, tol):
    import geopandas as gpd
    from shapely import affinity
    from shapely.geometry import Point, box
    from shapely.validation import make_valid
    z = gpd.read_file(zones_path)
    z = z[~z.geometry.isna() & ~z.geometry.is_empty].copy()
    z["geometry"] = z.geometry.map(lambda g: g if g.is_valid else make_valid(g))
    sidx = z.sindex
    a, e2 = 6378137.0, 0.00669437999014
    agree = differ = 0
    for r in csv.DictReader(open(out_path, encoding="utf-8-sig")):
        if r["match"] in ("missing_coords", "invalid_coords", "swapped_coords", "outside", "nearest"):
            continue
        lon, lat = float(r["longitude"]), float(r["latitude"])
        s = math.sin(math.radians(lat))
        kx = a / math.sqrt(1 - e2 * s * s) * math.cos(math.radians(lat)) * math.pi / 180
        ky = a * (1 - e2) / (1 - e2 * s * s) ** 1.5 * math.pi / 180
        p, o = Point(lon, lat), Point(0, 0)
        pad = 2 * tol / ky + 1e-6
        cand = z.iloc[list(sidx.query(box(lon - 2 * pad, lat - pad, lon + 2 * pad, lat + pad)))]
        local = lambda g: affinity.scale(affinity.translate(g, -lon, -lat), kx, ky, origin=(0, 0))
        covering = sorted({c for c, g in zip(cand["TS_PCODE"], cand.geometry) if g.covers(p)})
        near = sorted({c for c, g in zip(cand["TS_PCODE"], cand.geometry) if local(g).distance(o) <= tol} | set(covering))
        zone = covering[0] if len(covering) == 1 else (near[0] if near else "")
        got_border = "border" in r["flags"].split(";")
        if zone == r["found_TS_PCODE"] and (len(near) >= 2) == got_border:
            agree += 1
        else:
            differ += 1
    return agree, differ


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--geotool", default=None)
    ap.add_argument("--before", default=None, help="another geotool binary to count with")
    ap.add_argument("--shared", default=os.path.join(os.path.dirname(ROOT), "shared"))
    a = ap.parse_args()
    geotool = a.geotool
    if geotool is None:
        for p in [".build/release/geotool", ".build/debug/geotool"]:
            if os.path.exists(os.path.join(ROOT, p)):
                geotool = os.path.join(ROOT, p); break
    if not geotool:
        sys.exit("no geotool binary: build it or give --geotool")
    zones = os.path.join(a.shared, "data", "mimu", "mmr_polbnda_adm3_250k_mimu_1.json")
    tmp = tempfile.mkdtemp(prefix="join-border-")
    register = os.path.join(tmp, "register.csv")
    print("register: %d schools in the Yangon and Sagaing townships" % make_register(a.shared, register))
    for tol in ["0.2m", "100m", "500m"]:
        for name, binary in [("before", a.before), ("now", geotool)]:
            if not binary:
                continue
            out = os.path.join(tmp, "%s-%s.csv" % (name, tol))
            subprocess.run([binary, "join", "--points", register, "--zones", zones, "--id", "TS_PCODE",
                            "--check-col", "TS_PCODE", "--id-col", "osm_id", "--border-tolerance", tol, "-o", out],
                           check=True, stderr=subprocess.DEVNULL)
            counts = collections.Counter(r["match"] for r in csv.DictReader(open(out, encoding="utf-8-sig")))
            line = "%-6s %-6s %s" % (tol, name, ", ".join("%s %d" % kv for kv in sorted(counts.items())))
            if name == "now":
                agree, differ = shapely_check(zones, out, float(tol[:-1]))
                line += "; shapely agrees on %d rows, differs on %d" % (agree, differ)
            print(line)


if __name__ == "__main__":
    main()
