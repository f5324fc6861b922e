#!/usr/bin/env python3
"""Distributed zonal runs: `geotool zonal --part I/N --partial` then `geotool merge`.

  python3 Benchmarks/parts_bench.py [--data bench-data/full] [--zones bench-data/zones]
                                    [--cases loss,precip] [--parts 2,4,16] [--split zones]
                                    [--simulate 100,1000] [--threads N]

Cases (the national layers of bench.py, over the 13,726 village tracts):
  loss    lossyear x tracts: frac (23 classes, a dense Byte histogram per zone)
  precip  precip (516 bands) x tracts: mean of every band
For each case: the single run (`zonal -o`), then for each N the N parts run one after the
other (each part's time and peak RSS), the merge's time and peak RSS, and the total against
the single run; the merged table must equal the single run's byte for byte. Then a
simulation of many small parts: the largest N's part files are cut into 100 and 1,000 parts
(records redistributed in order, headers and checksums rewritten, as 1,000 part runs would
write them) and merged: merge time and memory as the count grows (the merge streams the
parts, so memory should stay near one part plus the output). Peak memory is the process's
maximum resident set (/usr/bin/time). Prints a Markdown table.
"""
import argparse
import hashlib
import json
import os
import struct
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
GEOTOOL = os.path.join(ROOT, ".build", "release", "geotool")
MAGIC = b"GEOPART\x02"


def timed(cmd):
    """Run cmd under /usr/bin/time; return (seconds, peak MB)."""
    t0 = time.perf_counter()
    p = subprocess.run(["/usr/bin/time", "-f", "MAXRSS %M"] + cmd, capture_output=True, text=True)
    dt = time.perf_counter() - t0
    if p.returncode != 0:
        sys.exit("failed: %s\n%s" % (" ".join(cmd), p.stderr[-2000:]))
    rss = [l for l in p.stderr.splitlines() if l.startswith("MAXRSS")]
    return dt, int(rss[-1].split()[1]) / 1024 if rss else float("nan")


def skip_zonestats(b, o):
    """Offset after one ZoneStats (Sources/GeoCore/ZoneStatsCoding.swift)."""
    (mask,) = struct.unpack_from("<I", b, o)
    o += 4 + 8 * bin(mask).count("1")
    kind = b[o]
    o += 1
    if kind == 2:
        (n,) = struct.unpack_from("<I", b, o)
        o += 4 + n * 25
    if kind in (1, 2):
        (m,) = struct.unpack_from("<I", b, o)
        o += 4 + m * 32
    return o


def read_part(path):
    """(records as byte strings, header dict) of a --split zones part file."""
    b = open(path, "rb").read()
    assert b[:8] == MAGIC and hashlib.sha256(b[:-64]).hexdigest().encode() == b[-64:], path
    (hlen,) = struct.unpack_from("<Q", b, len(b) - 72)
    header = json.loads(b[len(b) - 72 - hlen:len(b) - 72])
    records, o = [], 8
    while b[o] == 1:
        start = o
        o += 1 + 4 + 4 + 4 + 8
        (count,) = struct.unpack_from("<I", b, o)
        o += 4
        for _ in range(count):
            o = skip_zonestats(b, o)
        records.append(b[start:o])
    assert b[o] == 0, path
    return records, header


def write_part(path, records, header):
    body = MAGIC + b"".join(records) + b"\x00"
    h = json.dumps(header, sort_keys=True, separators=(",", ":")).encode()
    body += h + struct.pack("<Q", len(h))
    with open(path, "wb") as f:
        f.write(body + hashlib.sha256(body).hexdigest().encode())


def simulate(parts, m, folder):
    """Cut the records of `parts` (in order) into m part files, as m part runs would write them."""
    records, header = [], None
    for p in parts:
        r, h = read_part(p)
        records += r
        header = header or h
    os.makedirs(folder, exist_ok=True)
    out = []
    for i in range(m):
        chunk = records[i * len(records) // m:(i + 1) * len(records) // m]
        h = dict(header, part=i, parts=m, records=len(chunk),
                 zones_in_part=len({struct.unpack_from("<I", r, 5)[0] for r in chunk}),
                 command="simulated by parts_bench.py from %d parts" % len(parts))
        path = os.path.join(folder, "p%04d.part" % i)
        write_part(path, chunk, h)
        out.append(path)
    return out


def same(a, b):
    with open(a, "rb") as f, open(b, "rb") as g:
        return f.read() == g.read()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=os.path.join(ROOT, "bench-data", "full"))
    ap.add_argument("--zones", default=os.path.join(ROOT, "bench-data", "zones"))
    ap.add_argument("--cases", default="loss,precip")
    ap.add_argument("--parts", default="2,4,16")
    ap.add_argument("--split", default="zones", choices=["zones", "rows"])
    ap.add_argument("--simulate", default="100,1000", help="part counts to simulate from the largest --parts (zones split)")
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    a = ap.parse_args()
    if not os.path.exists(GEOTOOL):
        subprocess.run(["swift", "build", "-c", "release", "--product", "geotool"], cwd=ROOT, check=True)
    tmp = tempfile.mkdtemp(prefix="geokit-parts-bench-")
    tracts = os.path.join(a.zones, "tracts.gpkg")
    D = lambda n: os.path.join(a.data, n)
    cases = {
        "loss": ("lossyear x 13,726 tracts: frac", ["--raster", "loss=" + D("lossyear.tif"), "--stats", "frac"]),
        "precip": ("precip 516 bands x 13,726 tracts: mean", ["--raster", "precip=" + D("precip.tif"), "--stats", "mean"]),
    }
    rows = []
    for c in a.cases.split(","):
        title, args = cases[c]
        base = [GEOTOOL, "zonal", "--quiet", "--zones", tracts, "--id", "VT_PCODE", "--threads", str(a.threads)] + args
        print("case %s: %s" % (c, title), file=sys.stderr)
        single = os.path.join(tmp, c + "-single.csv")
        t1, m1 = timed(base + ["-o", single])
        rows.append((title, "single run", "%.2f" % t1, "%.0f" % m1, "", "", ""))
        largest = []
        for n in [int(x) for x in a.parts.split(",")]:
            folder = os.path.join(tmp, "%s-%d" % (c, n))
            os.makedirs(folder)
            parts, times, mems = [], [], []
            for i in range(n):
                p = os.path.join(folder, "p%04d.part" % i)
                t, m = timed(base + ["--part", "%d/%d" % (i, n), "--partial", p, "--split", a.split])
                parts.append(p); times.append(t); mems.append(m)
            out = os.path.join(folder, "merged.csv")
            tm, mm = timed([GEOTOOL, "merge", "--quiet"] + parts + ["-o", out])
            ok = same(out, single)
            size = sum(os.path.getsize(p) for p in parts) / 2**20
            rows.append((title, "%d parts (%s)" % (n, a.split),
                         "parts %.2f-%.2f (sum %.2f) + merge %.2f = %.2f (x%.2f)" % (min(times), max(times), sum(times), tm, sum(times) + tm, (sum(times) + tm) / t1),
                         "parts max %.0f, merge %.0f" % (max(mems), mm), "%.1f MB" % size, "yes" if ok else "NO", ""))
            largest = parts
        if a.split == "zones" and a.simulate:
            for m in [int(x) for x in a.simulate.split(",")]:
                folder = os.path.join(tmp, "%s-sim%d" % (c, m))
                sim = simulate(largest, m, folder)
                out = os.path.join(folder, "merged.csv")
                tm, mm = timed([GEOTOOL, "merge", "--quiet"] + sim + ["-o", out])
                rows.append((title, "merge of %d simulated parts" % m, "merge %.2f" % tm, "merge %.0f" % mm,
                             "%.1f MB" % (sum(os.path.getsize(p) for p in sim) / 2**20), "yes" if same(out, single) else "NO", ""))
    print("| case | run | seconds | peak RSS MB | part files | table = single run |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        print("| " + " | ".join(r[:6]) + " |")
    print("\n(threads %d; data %s; temporary files in %s)" % (a.threads, a.data, tmp))


if __name__ == "__main__":
    main()
