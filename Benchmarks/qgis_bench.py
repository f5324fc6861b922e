#!/usr/bin/env python3
"""QGIS's own zonal statistics against the GeoKit provider, both through qgis_process, in one run.

  python3 Benchmarks/qgis_bench.py [--data /work/bench-data] [--repeat 3] [--cases a,b]
                                   [--geotool .build/release/geotool]

Cases (national layers of ../shared/bench, generated into bench-data/, see bench.py):
  a. ntl (2280 x 4620) x 13,726 village tracts (VT_PCODE): sum, mean
  b. dem (11400 x 23100 = 263 M Int16 cells) x 328 townships (TS_PCODE): count, mean, stdev, min, max
Runs per case, each a fresh process timed from start to exit, peak memory from /usr/bin/time:
  - native:zonalstatisticsfb through qgis_process (writes the zones with the statistics, GPKG)
  - geokit:zonal through qgis_process, the table only (CSV)
  - geokit:zonal through qgis_process, the table and the zones joined to it (GPKG), the same
    kind of output as QGIS's
  - geotool zonal alone (CSV), to show what qgis_process itself costs
Prints a Markdown table of medians, ratios to QGIS's algorithm and peak memory, and checks
how many values agree: QGIS counts a cell when its centre is inside, so GeoKit is also run
once with METHOD=center for that check. (QGIS switches to a weighted intersection for a
polygon with at most one cell centre inside: those zones differ by design.)
QGIS: qgis_process from Debian 12 (3.22); the plugin is built with scripts/build-qgis-plugin.sh
and installed into a temporary profile. Run with Debian's /usr/bin/python3 or any python3
(only the standard library and sqlite3 are used).
"""
import argparse
import csv
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.join(ROOT, "qgis", "tests"))
from qgis_env import clean_environ, find_qgis_process  # noqa: E402


CASES = {
    "a": dict(title="a. ntl x 13,726 tracts: sum, mean", raster="full/ntl.tif", zones="zones/tracts.gpkg",
              id="VT_PCODE", native=[1, 2], geokit="1,2", cli="sum,mean", stats=["sum", "mean"]),
    "b": dict(title="b. dem (263 M cells) x 328 townships: count, mean, stdev, min, max", raster="full/dem.tif",
              zones="zones/townships.gpkg", id="TS_PCODE", native=[0, 2, 4, 5, 6], geokit="0,2,6,3,4",
              cli="count,mean,stdev,min,max", stats=["count", "mean", "stdev", "min", "max"]),
}


def timed(cmd, env):
    """(seconds, peak MB) of one run; exits on failure."""
    t0 = time.monotonic()
    r = subprocess.run(["/usr/bin/time", "-f", "PEAKKB %M"] + cmd, env=env, capture_output=True, text=True)
    secs = time.monotonic() - t0
    if r.returncode != 0:
        sys.exit("failed: {}\n{}\n{}".format(" ".join(cmd), r.stdout[-3000:], r.stderr[-3000:]))
    peak = [l for l in r.stderr.splitlines() if l.startswith("PEAKKB ")]
    return secs, int(peak[-1].split()[1]) / 1024.0 if peak else float("nan")


def gpkg_rows(path, key, columns):
    con = sqlite3.connect(path)
    (name,) = con.execute("SELECT table_name FROM gpkg_contents WHERE data_type='features'").fetchone()
    q = 'SELECT "{}", {} FROM "{}"'.format(key, ", ".join('"{}"'.format(c) for c in columns), name)
    return {r[0]: r[1:] for r in con.execute(q)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="/work/bench-data")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--cases", default="a,b")
    ap.add_argument("--geotool", default=os.path.join(ROOT, ".build/release/geotool"))
    args = ap.parse_args()
    geotool = os.path.abspath(args.geotool)
    qp = find_qgis_process()
    work = tempfile.mkdtemp(prefix="geokit-qgis-bench.")
    profile = os.path.join(work, "config")
    plugins = os.path.join(profile, "profiles", "default", "python", "plugins")
    os.makedirs(plugins)
    os.makedirs(os.path.join(work, "run"), mode=0o700)
    env = dict(clean_environ(), QT_QPA_PLATFORM="offscreen", QGIS_CUSTOM_CONFIG_PATH=profile,
               XDG_RUNTIME_DIR=os.path.join(work, "run"), GEOTOOL=geotool)
    subprocess.run(["bash", os.path.join(ROOT, "scripts/build-qgis-plugin.sh")], check=True, stdout=subprocess.DEVNULL)
    with zipfile.ZipFile(os.path.join(ROOT, "dist/geokit-qgis-plugin.zip")) as z:
        z.extractall(plugins)
    subprocess.run([qp, "plugins", "enable", "geokit"], env=env, check=True, capture_output=True)
    version = subprocess.run([qp, "--version"], env=env, capture_output=True, text=True).stdout
    qgis_version = next((l for l in version.splitlines() if l.startswith("QGIS ")), "QGIS ?")

    rows = []
    for key in args.cases.split(","):
        c = CASES[key]
        raster, zones = os.path.join(args.data, c["raster"]), os.path.join(args.data, c["zones"])
        out = os.path.join(work, key)
        os.makedirs(out)
        runs = {
            "QGIS native:zonalstatisticsfb (GPKG)": [qp, "run", "native:zonalstatisticsfb", "--",
                                                     "INPUT=" + zones, "INPUT_RASTER=" + raster, "RASTER_BAND=1",
                                                     "COLUMN_PREFIX=q_", "STATISTICS=" + ",".join(map(str, c["native"])),
                                                     "OUTPUT=" + os.path.join(out, "native.gpkg")],
            "GeoKit geokit:zonal, table (CSV)": [qp, "run", "geokit:zonal", "--", "ZONES=" + zones,
                                                 "ID_FIELD=" + c["id"], "RASTERS=" + raster, "STATS=" + c["geokit"],
                                                 "OUTPUT=" + os.path.join(out, "geokit.csv")],
            "GeoKit geokit:zonal, table + zones joined (GPKG)": [
                qp, "run", "geokit:zonal", "--", "ZONES=" + zones, "ID_FIELD=" + c["id"], "RASTERS=" + raster,
                "STATS=" + c["geokit"], "OUTPUT=" + os.path.join(out, "geokit_j.csv"),
                "JOINED=" + os.path.join(out, "geokit_j.gpkg")],
            "geotool zonal alone (CSV)": [geotool, "zonal", "--zones", zones, "--id", c["id"], "--raster", raster,
                                          "--stats", c["cli"], "--quiet", "-o", os.path.join(out, "cli.csv")],
        }
        results = {}
        for rep in range(args.repeat):  # interleaved, so drifting load hits every tool alike
            for name, cmd in runs.items():
                results.setdefault(name, []).append(timed(cmd, env))
                print("case {} run {} {}: {:.2f} s".format(key, rep + 1, name, results[name][-1][0]),
                      file=sys.stderr, flush=True)
        base = statistics.median(s for s, _ in results["QGIS native:zonalstatisticsfb (GPKG)"])
        for i, (name, res) in enumerate(results.items()):
            med = statistics.median(s for s, _ in res)
            rows.append((c["title"] if i == 0 else "", name, med, base / med, max(m for _, m in res)))

        # Agreement: QGIS counts cells whose centre is inside; GeoKit's center method is the same rule.
        center = os.path.join(out, "center.gpkg")
        subprocess.run([qp, "run", "geokit:zonal", "--", "ZONES=" + zones, "ID_FIELD=" + c["id"], "RASTERS=" + raster,
                        "STATS=" + c["geokit"], "METHOD=1", "OUTPUT=" + os.path.join(out, "center.csv"),
                        "JOINED=" + center], env=env, check=True, capture_output=True)
        stem = os.path.splitext(os.path.basename(raster))[0]
        cols = [stem + "_" + s for s in c["stats"]]
        qcols = ["q_" + s for s in c["stats"]]
        g = gpkg_rows(center, c["id"], cols)
        q = gpkg_rows(os.path.join(out, "native.gpkg"), c["id"], qcols)
        n = same = 0
        for k, vals in g.items():
            for a, b in zip(vals, q.get(k, ())):
                if a is None or b is None:
                    continue
                n += 1
                same += abs(a - b) <= 1e-6 * max(abs(a), abs(b), 1e-12)
        print("case {}: GeoKit (center) vs QGIS: {} of {} values agree to 1e-6".format(key, same, n), file=sys.stderr)
        rows.append(("", "agreement: GeoKit METHOD=center vs QGIS, values equal to 1e-6", None, None,
                     "{} of {}".format(same, n)))

    print("\n{}; geotool {}; medians of {} runs\n".format(qgis_version, geotool, args.repeat))
    print("| case | tool | median s | speed-up vs QGIS | peak MB |")
    print("|---|---|---|---|---|")
    for title, name, med, ratio, peak in rows:
        if med is None:
            print("| | {} | | | {} |".format(name, peak))
        else:
            print("| {} | {} | {:.2f} | {:.1f}x | {:.0f} |".format(title, name, med, ratio, peak))
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
