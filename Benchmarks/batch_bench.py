#!/usr/bin/env python3
"""geotool batch: first run, rerun with nothing changed, rerun after adding one month,
against exactextract on the same 516 monthly files, in the same run.

Data (git-ignored bench-data/, made by ../shared/bench scripts):
  bench-data/full/precip.tif (516 bands, 0.05 deg, dates in precip.tif.bands.txt),
  split once into bench-data/precip-monthly/precip-YYYY-MM.tif (one band each);
  bench-data/zones/tracts.gpkg (layer tracts, id VT_PCODE, 13,726 village tracts).

exactextract: exact_extract(VRT, gdf, ["mean"], output="pandas") on a VRT stacking the 516
monthly files as 516 bands (gdalbuildvrt -separate): one call, coverage computed once, as
geotool's first run does. (--ee-per-file also times one call per file on a sample.)

Parts mode (--parts 2,4): the 515 files computed by one `geotool batch` run, then for each
N by `--part 0/N` ... `--part N-1/N` run one after the other and `--merge`: each part's and
the merge's time and peak memory, the total against the single run, and the merged table's
SHA-256 against the single run's (they must be equal).

Usage: python3 Benchmarks/batch_bench.py [--geotool PATH] [--repeats 3] [--format long|wide]
       python3 Benchmarks/batch_bench.py --parts 2,4 [--data /work/bench-data]
"""
import argparse, hashlib, os, shutil, statistics, subprocess, sys, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(ROOT, "bench-data")


def split_monthly():
    src = os.path.join(DATA, "full", "precip.tif")
    out = os.path.join(DATA, "precip-monthly")
    dates = [l.strip() for l in open(src + ".bands.txt") if l.strip()]
    os.makedirs(out, exist_ok=True)
    if len([f for f in os.listdir(out) if f.endswith(".tif")]) == len(dates):
        return out, dates
    import rasterio
    with rasterio.open(src) as s:
        prof = s.profile.copy(); prof.update(count=1)
        for i, d in enumerate(dates, 1):
            y, m = d.split("-")
            path = os.path.join(out, f"precip-{y}-{m}.tif")
            if os.path.exists(path):
                continue
            with rasterio.open(path + ".part.tif", "w", **prof) as dst:
                dst.write(s.read(i), 1)
            os.rename(path + ".part.tif", path)
    return out, dates


def manifest(work, monthly, fmt):
    text = f"""zones:
  path: {os.path.join(DATA, 'zones', 'tracts.gpkg')}
  layer: tracts
  id: VT_PCODE
output:
  dir: out
  format: {fmt}
indicators:
  - name: precip
    description: Monthly precipitation
    unit: mm
    source: {monthly}/precip-{{yyyy}}-{{mm}}.tif
    stats: [mean]
    method: exact
"""
    path = os.path.join(work, "indicators.yaml")
    open(path, "w").write(text)
    return path


def run(cmd):
    t = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True)
    dt = time.perf_counter() - t
    if p.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{p.stderr}")
    return dt, p.stderr.strip().splitlines()[-1] if p.stderr.strip() else ""


def run_measured(cmd):
    """Run cmd; (seconds, peak RSS in MB, last stderr line)."""
    t = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    err = p.stderr.read()
    _, status, ru = os.wait4(p.pid, 0)
    dt = time.perf_counter() - t
    if status != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{err}")
    lines = err.strip().splitlines()
    return dt, ru.ru_maxrss / 1024, lines[-1] if lines else ""


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for b in iter(lambda: f.read(1 << 22), b""):
            h.update(b)
    return h.hexdigest()


def parts_mode(a, work, m, counts):
    """Single run, then N parts run sequentially + merge, per N: times, memory, same bytes."""
    out = os.path.join(work, "out")
    table = os.path.join(out, "precip.csv")
    print(f"load average at start: {os.getloadavg()}", flush=True)
    shutil.rmtree(out, ignore_errors=True)
    single, mem, msg = run_measured([a.geotool, "batch", m])
    want = sha256(table)
    print(f"single run (515 files): {single:.2f} s, peak {mem:.0f} MB  [{msg}]", flush=True)
    rows = [("single run", single, mem)]
    for n in counts:
        shutil.rmtree(out, ignore_errors=True)
        total = 0.0
        for i in range(n):
            dt, mem, msg = run_measured([a.geotool, "batch", m, "--part", f"{i}/{n}"])
            total += dt
            rows.append((f"N={n} part {i}", dt, mem))
            print(f"N={n} part {i}/{n}: {dt:.2f} s, peak {mem:.0f} MB  [{msg}]", flush=True)
        dt, mem, msg = run_measured([a.geotool, "batch", m, "--merge"])
        total += dt
        rows.append((f"N={n} merge", dt, mem))
        same = sha256(table) == want
        print(f"N={n} merge: {dt:.2f} s, peak {mem:.0f} MB  [{msg}]", flush=True)
        print(f"N={n} total (parts one after the other + merge): {total:.2f} s = {total / single:.2f} x the single run; "
              f"table byte-identical to the single run's: {same}", flush=True)
        if not same:
            sys.exit("merged table differs from the single run's")
    print(f"load average at end: {os.getloadavg()}")


def main():
    global DATA
    ap = argparse.ArgumentParser()
    ap.add_argument("--geotool", default=os.path.join(ROOT, ".build", "release", "geotool"))
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--format", default="long")
    ap.add_argument("--ee-per-file", type=int, default=0, help="also time exactextract one call per file on N files (extrapolated to 516)")
    ap.add_argument("--no-ee-vrt", action="store_true", help="skip the one-call VRT run of exactextract (over 25 min here)")
    ap.add_argument("--ee-only", action="store_true", help="only the exactextract part")
    ap.add_argument("--parts", help="parts mode: comma-separated part counts, e.g. 2,4 (no exactextract)")
    ap.add_argument("--data", default=DATA, help="the bench-data folder")
    a = ap.parse_args()
    DATA = a.data
    monthly, dates = split_monthly()
    files = sorted(f for f in os.listdir(monthly) if f.endswith(".tif"))
    work = os.path.join(DATA, "batch-bench-parts" if a.parts else "batch-bench")
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    # 515 months as symlinks; the 516th is added for the incremental run.
    part = os.path.join(work, "monthly")
    os.makedirs(part)
    for f in files[:-1]:
        os.symlink(os.path.join(monthly, f), os.path.join(part, f))
    m = manifest(work, part, a.format)
    if a.parts:
        return parts_mode(a, work, m, [int(x) for x in a.parts.split(",")])
    g = [a.geotool, "batch", m, "--quiet"]
    gv = [a.geotool, "batch", m]
    print(f"load average at start: {os.getloadavg()}", flush=True)

    first, rerun, added = [], [], []
    for i in range(0 if a.ee_only else a.repeats):
        shutil.rmtree(os.path.join(work, "out"), ignore_errors=True)
        last = os.path.join(part, files[-1])
        if os.path.lexists(last):
            os.remove(last)
        dt, msg = run(gv); first.append(dt)
        print(f"first run (515 files): {dt:.2f} s  [{msg}]", flush=True)
        dt, msg = run(gv); rerun.append(dt)
        print(f"rerun, nothing changed: {dt:.2f} s  [{msg}]", flush=True)
        os.symlink(os.path.join(monthly, files[-1]), last)
        dt, msg = run(gv); added.append(dt)
        print(f"rerun after adding 1 file: {dt:.2f} s  [{msg}]", flush=True)
    out = os.path.join(work, "out", "precip.csv")
    if os.path.exists(out):
        print(f"table: {out} ({os.path.getsize(out) / 1e6:.0f} MB)")

    # exactextract on the same 516 files, stacked in a VRT.
    import geopandas as gpd
    from exactextract import exact_extract
    vrt = os.path.join(work, "stack.vrt")
    subprocess.run(["gdalbuildvrt", "-q", "-separate", vrt] + [os.path.join(monthly, f) for f in files], check=True)
    ee = []
    for i in range(0 if a.no_ee_vrt else a.repeats):
        t = time.perf_counter()
        gdf = gpd.read_file(os.path.join(DATA, "zones", "tracts.gpkg"), layer="tracts")
        df = exact_extract(vrt, gdf, ["mean"], include_cols=["VT_PCODE"], output="pandas")
        ee.append(time.perf_counter() - t)
        print(f"exactextract (VRT of 516 files, one call): {ee[-1]:.2f} s ({df.shape[0]} rows x {df.shape[1]} columns)", flush=True)
    if a.ee_per_file:
        gdf = gpd.read_file(os.path.join(DATA, "zones", "tracts.gpkg"), layer="tracts")
        t = time.perf_counter()
        for f in files[:a.ee_per_file]:
            exact_extract(os.path.join(monthly, f), gdf, ["mean"], output="pandas")
        per = (time.perf_counter() - t) / a.ee_per_file
        ee_files = per * len(files)
        print(f"exactextract one call per file: {per:.2f} s per file -> {ee_files:.0f} s for {len(files)} files (extrapolated from {a.ee_per_file})")

    med = statistics.median
    if a.ee_per_file and not ee:
        ee = [ee_files]
    if not first:
        return
    print("\nmedians over %d repeats (s):" % a.repeats)
    print(f"  geotool batch, first run (515 files)   {med(first):8.2f}")
    print(f"  geotool batch, rerun nothing changed   {med(rerun):8.2f}")
    print(f"  geotool batch, rerun + 1 file          {med(added):8.2f}")
    print(f"  exactextract, 516 files ({'VRT' if not a.no_ee_vrt else 'per file, extrapolated'}) {med(ee):8.2f}")
    print(f"  ratio exactextract / geotool first run {med(ee) / med(first):8.2f}")
    print(f"  ratio exactextract / geotool +1 file   {med(ee) / med(added):8.2f}")
    print(f"load average at end: {os.getloadavg()}")


if __name__ == "__main__":
    main()
