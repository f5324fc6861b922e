#!/usr/bin/env python3
"""geotool against its peers, in one run, on the same data.

  python3 Benchmarks/bench.py [--data bench-data/full] [--zones bench-data/zones]
                              [--cases 1,2,3,4,5,6,7] [--repeat 3] [--no-rasterstats]
                              [--baseline OTHER_GEOTOOL] [--no-peers]

Data: the national layers of ../shared/bench/make-layers.py and the zones of
make-zones.py, generated once into the git-ignored bench-data/:
  python3 ../shared/bench/make-zones.py bench-data/zones
  python3 ../shared/bench/make-layers.py bench-data/full
  python3 ../shared/bench/make-layers.py bench-data/s0.25 --scale 0.25 --only dem
  python3 ../shared/bench/make-layers.py bench-data/s0.5 --scale 0.5 --only dem
  python3 Benchmarks/make_voronoi.py bench-data/zones/townships.gpkg bench-data/zones/voronoi200k.gpkg  (case 6)
Peers (pip install exactextract rasterstats rasterio geopandas): exactextract's Python
package (single-threaded; its raster-sequential strategy, the faster of its two on these
cases), rasterstats (zonal_stats). Every tool reads the zones and writes a CSV, each in its
own process, timed from start to exit; peak memory is the process's maximum resident set.
The read floor is `geokit-read-floor` (Benchmarks/ReadFloor) (every block decoded once, in parallel, nothing else).
Prints a Markdown table of medians, ratios and peak memory; checks that geotool's result
is the same for 1 and N threads and agrees with exactextract.
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
READ_FLOOR = os.path.join(ROOT, ".build", "release", "geokit-read-floor")


# User + system seconds of every timed run, in order (a busy machine inflates wall time).
CPU = []


def timed(cmd, env=None):
    """Run cmd under /usr/bin/time; return (seconds, peak MB)."""
    t0 = time.perf_counter()
    p = subprocess.run(["/usr/bin/time", "-f", "MAXRSS %M CPU %U %S"] + cmd, capture_output=True, text=True, env=env)
    dt = time.perf_counter() - t0
    if p.returncode != 0:
        sys.exit("failed: %s\n%s" % (" ".join(cmd), p.stderr[-2000:]))
    rss = [l for l in p.stderr.splitlines() if l.startswith("MAXRSS")]
    if rss:
        CPU.append(float(rss[-1].split()[3]) + float(rss[-1].split()[4]))
    return dt, int(rss[-1].split()[1]) / 1024 if rss else float("nan")


EE_SCRIPT = r"""
import sys, warnings, geopandas as gpd
warnings.simplefilter("ignore")
from exactextract import exact_extract
zones, raster, ops, out, idf, weights = sys.argv[1:7]
z = gpd.read_file(zones)
df = exact_extract(raster, z, ops.split(","), weights=weights or None, include_cols=[idf],
                   strategy="raster-sequential", output="pandas")
df.to_csv(out, index=False)
"""

RS_SCRIPT = r"""
import sys, warnings, geopandas as gpd, pandas as pd
warnings.simplefilter("ignore")
from rasterstats import zonal_stats
zones, raster, stats, out, idf = sys.argv[1:6]
z = gpd.read_file(zones)
res = zonal_stats(z, raster, stats=stats.split(","))
df = pd.DataFrame(res); df.insert(0, idf, z[idf].values); df.to_csv(out, index=False)
"""


def median_run(cmd, repeat):
    runs = [timed(cmd) for _ in range(repeat)]
    return statistics.median(r[0] for r in runs), max(r[1] for r in runs), [round(r[0], 2) for r in runs]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=os.path.join(ROOT, "bench-data", "full"))
    ap.add_argument("--zones", default=os.path.join(ROOT, "bench-data", "zones"))
    ap.add_argument("--scaled", default=os.path.join(ROOT, "bench-data"))
    ap.add_argument("--cases", default="1,2,3,4,5")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--no-rasterstats", action="store_true")
    ap.add_argument("--no-peers", action="store_true", help="geotool (and --baseline) only")
    ap.add_argument("--ee-cli", help="exactextract's command-line tool (built from source): each case runs every "
                    "strategy once, then the fastest --repeat times")
    ap.add_argument("--baseline", help="another geotool binary (e.g. a build of an earlier commit): timed "
                    "alternately with this one, its output compared byte for byte")
    a = ap.parse_args()
    if not os.path.exists(GEOTOOL):
        subprocess.run(["swift", "build", "-c", "release", "--product", "geotool"], cwd=ROOT, check=True)
    tmp = tempfile.mkdtemp(prefix="geokit-bench-")
    town = os.path.join(a.zones, "townships.gpkg")
    tracts = os.path.join(a.zones, "tracts.gpkg")
    D = lambda n: os.path.join(a.data, n)
    cases = {
        "1": dict(title="dem x 328 townships: count mean min max stdev", zones=town, idf="TS_PCODE", raster=D("dem.tif"),
                  gt=["--raster", "dem=" + D("dem.tif"), "--stats", "count,mean,min,max,stdev"],
                  ee="count,mean,min,max,stdev", rs="count,mean,min,max,std",
                  cli=("dem", D("dem.tif"), ["count", "mean", "min", "max", "stdev"], None)),
        "2": dict(title="lossyear x 328 townships: class_area + frac (23 classes)", zones=town, idf="TS_PCODE",
                  raster=D("lossyear.tif"),
                  gt=["--raster", "loss=" + D("lossyear.tif"), "--stats", "class_area,frac"],
                  ee="unique,frac", rs=None, cli=("loss", D("lossyear.tif"), ["unique", "frac"], None)),
        "3": dict(title="ntl x 13,726 tracts: sum mean, weighted_mean by pop", zones=tracts, idf="VT_PCODE",
                  raster=D("ntl.tif"),
                  gt=["--raster", "ntl=" + D("ntl.tif"), "--weights", "pop=" + D("pop.tif"),
                      "--stats", "sum,mean,weighted_mean"],
                  ee="sum,mean,weighted_mean", weights=D("pop.tif"), rs="sum,mean",
                  cli=("ntl", D("ntl.tif"), ["sum", "mean", "weighted_mean"], ("pop", D("pop.tif")))),
        "4": dict(title="precip 516 bands x 13,726 tracts: mean of every band", zones=tracts, idf="VT_PCODE",
                  raster=D("precip.tif"), gt=["--raster", "precip=" + D("precip.tif"), "--stats", "mean"],
                  ee="mean", rs=None, cli=("", D("precip.tif"), ["mean"], None)),
        # Issue 29's village-tract row: per-zone cost at the level most indicators are published.
        "7": dict(title="ntl x 13,726 tracts: sum mean", zones=tracts, idf="VT_PCODE",
                  raster=D("ntl.tif"), gt=["--raster", "ntl=" + D("ntl.tif"), "--stats", "sum,mean"],
                  ee="sum,mean", rs=None, no_py=True, cli=("ntl", D("ntl.tif"), ["sum", "mean"], None)),
        # Many small zones: per-zone cost (Benchmarks/make_voronoi.py makes them).
        "6": dict(title="ntl x 200,000 Voronoi cells: sum mean", zones=os.path.join(a.zones, "voronoi200k.gpkg"),
                  idf="cell_id", raster=D("ntl.tif"), gt=["--raster", "ntl=" + D("ntl.tif"), "--stats", "sum,mean"],
                  ee="sum,mean", rs=None, no_py=True, cli=("ntl", D("ntl.tif"), ["sum", "mean"], None)),
    }
    rows = []
    notes = []
    for c in a.cases.split(","):
        if c == "5":
            continue
        k = cases[c]
        if not os.path.exists(k["raster"]) or not os.path.exists(k["zones"]):
            print("skip case %s: %s or %s missing" % (c, k["raster"], k["zones"]), file=sys.stderr)
            continue
        print("case %s: %s" % (c, k["title"]), file=sys.stderr)
        out = os.path.join(tmp, "gt%s.csv" % c)
        base = [GEOTOOL, "zonal", "--quiet", "--zones", k["zones"], "--id", k["idf"]] + k["gt"]
        if a.baseline:
            # Alternate the two builds so that drift in machine load hits both alike.
            outb = os.path.join(tmp, "base%s.csv" % c)
            based = [a.baseline] + base[1:]
            gr, br = [], []
            cpu0 = len(CPU)
            for _ in range(a.repeat):
                gr.append(timed(base + ["--threads", str(a.threads), "-o", out]))
                br.append(timed(based + ["--threads", str(a.threads), "-o", outb]))
            g_cpu, b_cpu = statistics.median(CPU[cpu0::2]), statistics.median(CPU[cpu0 + 1::2])
            if c in ("6", "7"):
                notes.append("case %s: baseline CPU (user+sys) %.2f s" % (c, b_cpu))
            g = (statistics.median(r[0] for r in gr), max(r[1] for r in gr), [round(r[0], 2) for r in gr])
            b = (statistics.median(r[0] for r in br), max(r[1] for r in br), [round(r[0], 2) for r in br])
            same_b = open(out, "rb").read() == open(outb, "rb").read()
            notes.append("case %s: baseline output byte-identical: %s" % (c, "yes" if same_b else "no; max relative difference " + compare(out, outb, k["idf"])))
        else:
            cpu0 = len(CPU)
            g = median_run(base + ["--threads", str(a.threads), "-o", out], a.repeat)
            g_cpu = statistics.median(CPU[cpu0:])
        cpu0 = len(CPU)
        floor = median_run([READ_FLOOR, k["raster"], "--threads", str(a.threads)], a.repeat)
        floor_cpu = statistics.median(CPU[cpu0:])
        if c in ("6", "7"):
            n = len(pd.read_csv(out))
            notes.append("case %s: geotool CPU (user+sys) %.2f s, read floor CPU %.2f s; per-zone overhead "
                         "(geotool - read floor) / %d zones: %.2f us wall, %.2f us CPU"
                         % (c, g_cpu, floor_cpu, n, (g[0] - floor[0]) / n * 1e6, (g_cpu - floor_cpu) / n * 1e6))
        # Same numbers for one thread.
        out1 = os.path.join(tmp, "gt%s_1.csv" % c)
        timed(base + ["--threads", "1", "-o", out1])
        same = open(out, "rb").read() == open(out1, "rb").read()
        rows.append((c, k["title"], "geotool (%d threads)" % a.threads, g, 1.0))
        if a.baseline:
            rows.append((c, "", "geotool baseline (%s)" % os.path.basename(os.path.dirname(a.baseline)) , b, b[0] / g[0]))
        rows.append((c, "", "read floor", floor, floor[0] / g[0]))
        notes.append("case %s: 1-thread output identical: %s" % (c, "yes" if same else "NO"))
        if a.no_peers:
            continue
        eeout = os.path.join(tmp, "ee%s.csv" % c)
        agree = None
        if not k.get("no_py"):
            e = median_run([sys.executable, "-c", EE_SCRIPT, k["zones"], k["raster"], k["ee"], eeout, k["idf"],
                            k.get("weights", "")], a.repeat)
            agree = compare(out, eeout, k["idf"])
            rows.append((c, "", "exactextract 0.3.0", e, e[0] / g[0]))
        if a.ee_cli and k.get("cli"):
            name, path, ops, w = k["cli"]
            # A multi-band raster goes in unnamed (its bands become band_1, band_2...) with
            # statistics that apply to every band.
            cmd = [a.ee_cli, "-p", k["zones"], "-f", k["idf"], "-r", ("%s:%s" % (name, path)) if name else path,
                   "--threads", str(a.threads)]
            if w:
                cmd += ["-w", "%s:%s" % w]
            for op in ops:
                cmd += ["-s", ("%s(%s%s)" % (op, name, "," + w[0] if op.startswith("weighted") else "")) if name else op]
            tried = {}
            for strategy in ["feature-sequential", "raster-sequential", "raster-parallel"]:
                clio = os.path.join(tmp, "eecli%s_%s.csv" % (c, strategy))
                try:
                    tried[strategy] = timed(cmd + ["--strategy", strategy, "-o", clio])
                except SystemExit as e:
                    notes.append("case %s: exactextract CLI %s: not run (%s)" % (c, strategy, str(e).splitlines()[-1][:120]))
            if tried:
                best = min(tried, key=lambda t: tried[t][0])
                clio = os.path.join(tmp, "eecli%s_%s.csv" % (c, best))
                cpu0 = len(CPU)
                runs = [tried[best]] + [timed(cmd + ["--strategy", best, "-o", clio]) for _ in range(a.repeat - 1)]
                if c in ("6", "7"):
                    notes.append("case %s: exactextract CLI %s CPU (user+sys, median of the repeats) %.2f s"
                                 % (c, best, statistics.median(CPU[cpu0:] or [float("nan")])))
                e2 = (statistics.median(r[0] for r in runs), max(r[1] for r in runs), [round(r[0], 2) for r in runs])
                rows.append((c, "", "exactextract CLI, %s (best of %s)" % (best, ", ".join("%s %.1f s" % (t, tried[t][0]) for t in tried)),
                             e2, e2[0] / g[0]))
                if agree is None:
                    agree = compare(out, clio, k["idf"])
                    if k.get("no_py"):
                        # Not timed (20 s for 200,000 zones), run once to tell whose values
                        # are off where geotool and the CLI disagree.
                        timed([sys.executable, "-c", EE_SCRIPT, k["zones"], k["raster"], k["ee"], eeout, k["idf"], ""])
                        notes.append("case %s: max relative difference from exactextract (PyPI, one untimed run): %s"
                                     % (c, compare(out, eeout, k["idf"])))
                        agree = "%s (the CLI)" % agree
        if k.get("rs") and not a.no_rasterstats:
            rsout = os.path.join(tmp, "rs%s.csv" % c)
            r = median_run([sys.executable, "-c", RS_SCRIPT, k["zones"], k["raster"], k["rs"], rsout, k["idf"]], 1)
            rows.append((c, "", "rasterstats 0.21.0 (1 run)", r, r[0] / g[0]))
        notes.append("case %s: max relative difference from exactextract: %s" % (c, agree))
        if os.path.exists(k["raster"] + ".aux.xml"):
            # GDAL's PAM file: the CLI reads it and its values went wrong with one beside ntl.tif
            # (docs/benchmarks.md, case 6); geotool turns PAM off.
            notes.append("case %s: %s.aux.xml is beside the raster (the exactextract CLI reads it, geotool does not)"
                         % (c, os.path.basename(k["raster"])))
    if "5" in a.cases.split(","):
        print("case 5: scaling", file=sys.stderr)
        for s in ["0.25", "0.5", "1"]:
            dem = os.path.join(a.scaled, "s" + s, "dem.tif") if s != "1" else D("dem.tif")
            if not os.path.exists(dem):
                print("skip scale %s: %s missing" % (s, dem), file=sys.stderr)
                continue
            out = os.path.join(tmp, "scale%s.csv" % s)
            cmd5 = ["zonal", "--quiet", "--zones", town, "--id", "TS_PCODE", "--raster", "dem=" + dem,
                    "--stats", "count,mean,min,max,stdev", "-o", out]
            g = median_run([GEOTOOL] + cmd5, a.repeat)
            cells = int(subprocess.run([GEOTOOL, "info", dem], capture_output=True, text=True).stdout.split("size: ")[1].split(" x ")[0]) * \
                int(subprocess.run([GEOTOOL, "info", dem], capture_output=True, text=True).stdout.split(" x ")[1].split(" cells")[0])
            rows.append(("5", "dem scale %s (%.0f M cells)" % (s, cells / 1e6), "geotool", g, g[0] / cells * 1e9))
            if a.baseline:
                b = median_run([a.baseline] + cmd5, a.repeat)
                rows.append(("5", "", "geotool baseline", b, b[0] / cells * 1e9))
    print("\n| case | what | tool | median s | runs | vs geotool | peak MB |")
    print("|---|---|---|---|---|---|---|")
    for c, title, tool, (med, rss, runs), ratio in rows:
        rat = ("%.2fx" % ratio) if c != "5" else ("%.2f ns/cell" % ratio)
        print("| %s | %s | %s | %.2f | %s | %s | %.0f |" % (c, title, tool, med, runs, rat, rss))
    print()
    for n in notes:
        print("- " + n)
    print("\nmachine: %d cores; ratios are peer time / geotool time (read floor: floor / geotool)." % os.cpu_count())


def compare(ours, theirs, idf):
    """Largest relative difference over the numeric columns both tables have."""
    a = pd.read_csv(ours); b = pd.read_csv(theirs)
    m = a.merge(b, on=idf, suffixes=("", "_ee"))
    worst = 0.0
    compared = off = 0
    for col in b.columns:
        if col == idf:
            continue
        # exactextract names: count, mean, band_1_mean..., frac (list), weighted_mean
        cands = [c for c in a.columns if c.endswith("_" + col) or c.endswith("_" + col.replace("band_", "b"))]
        if col in a.columns:  # the CLI names its columns as geotool does (ntl_sum)
            cands = [col]
        if col.startswith("band_") and col.endswith("_mean"):
            cands = [c for c in a.columns if c == "precip_b%s_mean" % col.split("_")[1]]
        if col == "frac" and not pd.api.types.is_numeric_dtype(m[col]):
            # exactextract gives frac as a list beside `unique`: compare class by class.
            for _, row in m.iterrows():
                for v, f in zip(parse_list(row["unique"]), parse_list(row["frac"])):
                    ours = "%s_frac_%d" % (a.columns[1].split("_")[0], int(v))
                    if ours in a.columns and f > 0:
                        worst = max(worst, abs(row[ours] - f) / f)
                        compared += 1
            continue
        if len(cands) != 1 or not pd.api.types.is_numeric_dtype(m[col + "_ee" if col + "_ee" in m.columns else col]):
            continue
        # Same name on both sides: the merge gave exactextract's column the suffix.
        theirs = col + "_ee" if col + "_ee" in m.columns else col
        x = m[cands[0]].astype(float).values; y = m[theirs].astype(float).values
        ok = ~np.isnan(x) & ~np.isnan(y)
        if ok.any():
            d = np.abs(x[ok] - y[ok]) / np.maximum(np.abs(y[ok]), 1e-12)
            worst = max(worst, float(d.max()))
            compared += int(ok.sum())
            off += int((d > 1e-6).sum())
    if not compared:
        return "nothing comparable"
    return "%.1e over %d values (%d differ by more than 1e-6)" % (worst, compared, off)


def parse_list(text):
    if isinstance(text, (list, tuple)):
        return [float(x) for x in text]
    return [float(x) for x in str(text).strip("[]").replace(",", " ").split()]


if __name__ == "__main__":
    main()
