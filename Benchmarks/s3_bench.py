#!/usr/bin/env python3
"""geotool zonal on a Cloud-Optimized GeoTIFF read over S3 (a local moto server) against
the same file on disk: time, HTTP requests and bytes fetched, with GDAL's defaults and with
the settings docs/distributed.md recommends.

Data (git-ignored bench-data/, made by ../shared/bench scripts): bench-data/full/ntl.tif
(made a COG here with gdal_translate -of COG) and bench-data/zones/townships.gpkg (330
townships, read from disk in every case so that only the raster's reading differs).
Two workloads: the whole country, and one state (--where "ST_PCODE = 'MMR013'", Yangon),
where a COG read over HTTP should fetch only the tiles it needs.

Requests and bytes come from libcurl's verbose log (CPL_CURL_VERBOSE=YES: each request
line, and the Content-Length of each response); the server is on this machine, so the
times show the request overhead, not a real network's latency.

Usage: python3 Benchmarks/s3_bench.py [--geotool PATH] [--raster PATH] [--repeats 3]
Needs moto[server] (bash scripts/setup.sh test) and gdal-bin.
"""
import argparse, os, re, socket, statistics, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(ROOT, "bench-data")

# Cumulative settings (docs/distributed.md): each row adds to the one before.
NO_LISTING = {
    "GDAL_DISABLE_READDIR_ON_OPEN": "EMPTY_DIR",      # no bucket listing on open
    "CPL_VSIL_CURL_ALLOWED_EXTENSIONS": ".tif,.gpkg,.geojson,.json",  # no probing for .aux.xml, .ovr...
}
RANGES = dict(NO_LISTING, **{
    "GDAL_HTTP_MULTIRANGE": "YES",                   # several tiles in one request
    "GDAL_HTTP_MERGE_CONSECUTIVE_RANGES": "YES",     # adjacent tiles in one range
    "VSI_CACHE": "TRUE", "VSI_CACHE_SIZE": "67108864",
})
BIG_CHUNKS = dict(RANGES, CPL_VSIL_CURL_CHUNK_SIZE="1048576")   # 1 MB reads instead of 16 KB
CONFIGS = [("S3, GDAL defaults", {}), ("S3, no listing", NO_LISTING), ("S3, + ranges, VSI_CACHE", RANGES),
           ("S3, + 1 MB chunks", BIG_CHUNKS)]


def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p


def run(cmd, env):
    t = time.perf_counter()
    r = subprocess.run(cmd, env=env, capture_output=True, text=True, errors="replace")
    dt = time.perf_counter() - t
    if r.returncode != 0:
        sys.exit("failed: " + " ".join(cmd) + "\n" + r.stderr[-2000:])
    reqs = len(re.findall(r"^> (GET|HEAD|PUT|POST) ", r.stderr, re.M))
    nbytes = sum(int(m) for m in re.findall(r"^< Content-Length: (\d+)", r.stderr, re.M | re.I))
    return dt, reqs, nbytes


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--geotool", default=os.path.join(ROOT, ".build", "release", "geotool"))
    ap.add_argument("--raster", default=os.path.join(DATA, "full", "ntl.tif"))
    ap.add_argument("--zones", default=os.path.join(DATA, "zones", "townships.gpkg"))
    ap.add_argument("--repeats", type=int, default=3)
    a = ap.parse_args()
    work = tempfile.mkdtemp(prefix="s3bench-")
    cog = os.path.join(work, "raster_cog.tif")
    subprocess.run(["gdal_translate", "-q", "-of", "COG", "-co", "COMPRESS=DEFLATE", "-co", "BLOCKSIZE=512", a.raster, cog], check=True)
    port = free_port()
    log = open(os.path.join(work, "moto.log"), "w")
    moto = subprocess.Popen(["moto_server", "-H", "127.0.0.1", "-p", str(port)], stdout=log, stderr=log)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), 0.2).close(); break
            except OSError:
                time.sleep(0.1)
        import boto3
        s3 = boto3.client("s3", endpoint_url=f"http://127.0.0.1:{port}", aws_access_key_id="x",
                          aws_secret_access_key="x", region_name="us-east-1")
        s3.create_bucket(Bucket="bench")
        s3.upload_file(cog, "bench", "raster_cog.tif")
        base = dict(os.environ, AWS_S3_ENDPOINT=f"127.0.0.1:{port}", AWS_HTTPS="NO", AWS_VIRTUAL_HOSTING="FALSE",
                    AWS_ACCESS_KEY_ID="x", AWS_SECRET_ACCESS_KEY="x", AWS_REGION="us-east-1", CPL_CURL_VERBOSE="YES")
        size = os.path.getsize(cog)
        print(f"COG: {a.raster} -> {size / 1e6:.1f} MB; zones {a.zones}; geotool {a.geotool}; median of {a.repeats}")
        print(f"{'workload':<10} {'source':<24} {'time s':>8} {'requests':>9} {'MB fetched':>11} {'of file':>8}")
        outputs = {}
        for wname, extra in [("country", []), ("Yangon", ["--where", "ST_PCODE = 'MMR013'"])]:
            for label, path, env in [("local file", cog, dict(os.environ))] + \
                    [(name, "/vsis3/bench/raster_cog.tif", dict(base, **cfg)) for name, cfg in CONFIGS]:
                out = os.path.join(work, f"{wname}-{re.sub('[^A-Za-z0-9]+', '_', label)}.csv")
                cmd = [a.geotool, "zonal", "--zones", a.zones, "--id", "TS_PCODE", "--raster", "r=" + path,
                       "--stats", "count,mean,max", "--threads", "2", "--quiet", "-o", out] + extra
                runs = [run(cmd, env) for _ in range(a.repeats)]
                t = statistics.median(r[0] for r in runs)
                reqs, nbytes = runs[-1][1], runs[-1][2]
                print(f"{wname:<10} {label:<24} {t:8.2f} {reqs:9d} {nbytes / 1e6:11.2f} {100 * nbytes / size:7.0f}%")
                outputs.setdefault(wname, []).append(open(out, "rb").read())
            same = all(o == outputs[wname][0] for o in outputs[wname])
            print(f"{wname:<10} tables identical across sources: {same}")
    finally:
        moto.terminate(); moto.wait()


if __name__ == "__main__":
    main()
