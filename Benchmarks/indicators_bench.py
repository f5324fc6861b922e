#!/usr/bin/env python3
"""The exposure indicator set in one run: geotool against exactextract's CLI.

  python3 Benchmarks/indicators_bench.py --ee-cli PATH/exactextract [--repeat 5]
                                         [--data bench-data/full] [--zones bench-data/zones/tracts.gpkg]

The Township Development Indicators' hazard exposure, per village tract (13,726 tracts of
../shared/bench/make-zones.py), on the national layers of ../shared/bench/make-layers.py
(`--only ntl,pop,hazard`): population, population where hazard >= 3, the hazard classes'
shares of area and of population, night lights, then the share exposed and lights per
person.

geotool does it in one command (`--op`, `--formula`); the hazard raster (0.01 deg) is not
on the population's grid (1/240 deg), and geotool applies the condition by area.

exactextract has operations per raster but no conditions and no formulas, and wants its
rasters on one grid for weighted operations: its time counts the preparation a user would
run first, with GDAL's tools: `gdalwarp` of hazard onto the population grid (nearest; its geotransform then set to
pop's exactly),
`gdal_calc.py` for the exposed population (pop * (hazard >= 3)), then one exactextract
run at each --strategy (the fastest is timed --repeat times), then the two ratios in
pandas. Every step is its own process, timed from start to exit; peak memory is the
largest resident set of any step.

Prints a Markdown table of medians and ratios, geotool's peak memory against --max-memory,
and how far the two tools' values are apart (population sums on the same grid agree to
1e-6; the exposed population differs by the resampling exactextract's preparation needs).
"""
import argparse
import os
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

OPS = ["sum(pop)", "sum(pop) where hazard >= 3", "frac(hazard)", "weighted_frac(hazard, pop)", "sum(ntl)"]


def timed(cmd):
    """Run cmd under /usr/bin/time; return (seconds, peak MB)."""
    t0 = time.perf_counter()
    p = subprocess.run(["/usr/bin/time", "-f", "MAXRSS %M"] + cmd, capture_output=True, text=True)
    dt = time.perf_counter() - t0
    if p.returncode != 0:
        sys.exit("failed: %s\n%s" % (" ".join(cmd), p.stderr[-2000:]))
    rss = [l for l in p.stderr.splitlines() if l.startswith("MAXRSS")]
    return dt, int(rss[-1].split()[1]) / 1024 if rss else float("nan")


def geotool_cmd(a, out):
    cmd = [GEOTOOL, "zonal", "--quiet", "--zones", a.zones, "--id", "VT_PCODE",
           "--raster", "pop=" + os.path.join(a.data, "pop.tif"),
           "--raster", "hazard=" + os.path.join(a.data, "hazard.tif"),
           "--raster", "ntl=" + os.path.join(a.data, "ntl.tif"),
           "--threads", str(a.threads), "--max-memory", str(a.max_memory), "-o", out]
    for op in OPS:
        cmd += ["--op", op]
    return cmd + ["--formula", "exposed_pct = 100 * %s / pop_sum" % a.exposed_column,
                  "--formula", "ntl_per_person = ntl_sum / pop_sum"]


def peer_steps(a, tmp, strategy, out):
    """exactextract's whole job: the preparation with GDAL's tools, the run, the ratios."""
    pop, haz, ntl = (os.path.join(a.data, n + ".tif") for n in ("pop", "hazard", "ntl"))
    info = subprocess.run(["gdalinfo", "-json", pop], capture_output=True, text=True, check=True).stdout
    import json
    j = json.loads(info)
    gt, (w, h) = j["geoTransform"], j["size"]
    hz = os.path.join(tmp, "hazard_on_pop.tif")
    popx = os.path.join(tmp, "pop_exposed.tif")
    warp = ["gdalwarp", "-q", "-overwrite", "-r", "near", "-te", str(gt[0]), str(gt[3] + h * gt[5]), str(gt[0] + w * gt[1]), str(gt[3]),
            "-ts", str(w), str(h), "-co", "TILED=YES", "-co", "COMPRESS=DEFLATE", haz, hz]
    # gdalwarp recomputes the cell size from the extent (0.004166666666666997 for the
    # file's 0.004166666666667), which exactextract refuses as another grid: copy pop's.
    align = ["/usr/bin/python3", "-c", "import sys; from osgeo import gdal; gdal.Open(sys.argv[1], 1).SetGeoTransform("
             "gdal.Open(sys.argv[2]).GetGeoTransform())", hz, pop]
    calc = ["gdal_calc.py", "--quiet", "--overwrite", "-A", pop, "-B", hz, "--calc", "A*(B>=3)", "--NoDataValue=-999",
            "--type=Float32", "--co", "TILED=YES", "--co", "COMPRESS=DEFLATE", "--outfile", popx]
    ee = [a.ee_cli, "-p", a.zones, "-f", "VT_PCODE", "-r", "pop:" + pop, "-r", "hazard:" + hz, "-r", "ntl:" + ntl,
          "-r", "popx:" + popx, "-s", "sum(pop)", "-s", "sum(popx)", "-s", "frac(hazard)", "-s", "weighted_frac(hazard,pop)",
          "-s", "sum(ntl)", "--threads", str(a.threads), "--strategy", strategy, "-o", out]
    ratios = [sys.executable, "-c", RATIOS, out]
    return [warp, align, calc, ee, ratios]


RATIOS = r"""
import sys, pandas as pd
t = pd.read_csv(sys.argv[1])
# (exactextract's CLI writes a row per class of frac, the zone's other values repeated.)
t["exposed_pct"] = 100 * t["popx_sum"] / t["pop_sum"].where(t["pop_sum"] != 0)
t["ntl_per_person"] = t["ntl_sum"] / t["pop_sum"].where(t["pop_sum"] != 0)
t.to_csv(sys.argv[1], index=False)
"""


def run_steps(steps):
    total, peak = 0.0, 0.0
    for s in steps:
        dt, mb = timed(s)
        total += dt
        peak = max(peak, mb)
    return total, peak


def compare(ours, theirs, pairs):
    g = pd.read_csv(ours, dtype={"VT_PCODE": str}).set_index("VT_PCODE")
    e = pd.read_csv(theirs, dtype={"VT_PCODE": str}).set_index("VT_PCODE")
    # exactextract's CLI writes a row per class of frac (the zone's other values repeated).
    e = e[~e.index.duplicated()]
    out = []
    for mine, peer in pairs:
        if mine not in g or peer not in e:
            out.append("%s vs %s: missing" % (mine, peer))
            continue
        x, y = g[mine].reindex(e.index).astype(float).values, e[peer].astype(float).values
        ok = ~np.isnan(x) & ~np.isnan(y) & (np.abs(y) > 0)
        d = np.abs(x[ok] - y[ok]) / np.abs(y[ok])
        out.append("%s vs %s: median relative difference %.1e, max %.1e over %d tracts"
                   % (mine, peer, float(np.median(d)), float(d.max()), int(ok.sum())))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=os.path.join(ROOT, "bench-data", "full"))
    ap.add_argument("--zones", default=os.path.join(ROOT, "bench-data", "zones", "tracts.gpkg"))
    ap.add_argument("--ee-cli", required=True, help="exactextract's command-line tool (built from source)")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--max-memory", type=int, default=512, help="geotool's --max-memory, MB")
    ap.add_argument("--exposed-column", default="pop_sum_where_hazard_ge_3")
    a = ap.parse_args()
    if not os.path.exists(GEOTOOL):
        subprocess.run(["swift", "build", "-c", "release", "--product", "geotool"], cwd=ROOT, check=True)
    tmp = tempfile.mkdtemp(prefix="geokit-indicators-")
    ours = os.path.join(tmp, "geotool.csv")
    # The peer's fastest strategy, found once; then both --repeat times, alternately.
    tried = {}
    for strategy in ["feature-sequential", "raster-sequential", "raster-parallel"]:
        try:
            tried[strategy] = run_steps(peer_steps(a, tmp, strategy, os.path.join(tmp, "ee_%s.csv" % strategy)))[0]
        except SystemExit as e:
            print("exactextract --strategy %s failed: %s" % (strategy, str(e)[:300]), file=sys.stderr)
    best = min(tried, key=tried.get)
    theirs = os.path.join(tmp, "ee.csv")
    g, e = [], []
    for _ in range(a.repeat):
        g.append(timed(geotool_cmd(a, ours)))
        e.append(run_steps(peer_steps(a, tmp, best, theirs)))
    gm, em = statistics.median(x[0] for x in g), statistics.median(x[0] for x in e)
    print("| tool | median s | runs | peak MB | ratio |")
    print("|---|---|---|---|---|")
    print("| geotool zonal (--op, --formula; %d threads) | %.2f | %s | %.0f | 1.0 |"
          % (a.threads, gm, [round(x[0], 2) for x in g], max(x[1] for x in g)))
    print("| gdalwarp + gdal_calc.py + exactextract --strategy %s + pandas | %.2f | %s | %.0f | %.1fx |"
          % (best, em, [round(x[0], 2) for x in e], max(x[1] for x in e), em / gm))
    print()
    print("exactextract strategies (one run each, preparation included): " +
          ", ".join("%s %.2f s" % kv for kv in sorted(tried.items(), key=lambda kv: kv[1])))
    print("geotool peak memory %.0f MB with --max-memory %d" % (max(x[1] for x in g), a.max_memory))
    for line in compare(ours, theirs, [("pop_sum", "pop_sum"), ("ntl_sum", "ntl_sum"),
                                       (a.exposed_column, "popx_sum"), ("exposed_pct", "exposed_pct")]):
        print(line)


if __name__ == "__main__":
    main()
