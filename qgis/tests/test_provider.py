#!/usr/bin/env python3
"""Headless tests of the GeoKit QGIS plugin, through qgis_process (and, for one cancel test,
the qgis.core API in a child process).

Run: /usr/bin/python3 qgis/tests/test_provider.py   (Debian's python3 with python3-qgis)
Env: GEOTOOL (default: .build/release/geotool, else .build/debug/geotool); GEOKIT_PLUGIN_ZIP
(default: built with scripts/build-qgis-plugin.sh; scripts/test-deb.sh gives the packaged zip).
The plugin is installed from the zip into a
temporary QGIS profile (QGIS_CUSTOM_CONFIG_PATH), then enabled with `qgis_process plugins
enable geokit`. The last line printed is `qgis: N passed, M failed`; exit 1 on any failure.
"""

import csv
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import traceback
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from qgis_env import clean_environ, find_qgis_process  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
MIMU = os.path.join(ROOT, "TestRasters", "mimu")
TOWNSHIPS = os.path.join(MIMU, "townships.json")
RAIN = os.path.join(MIMU, "rainfall_dekad.tif")
JOIN = os.path.join(ROOT, "TestRasters", "join")


def find_geotool():
    for p in (os.environ.get("GEOTOOL"), os.path.join(ROOT, ".build/release/geotool"),
              os.path.join(ROOT, ".build/debug/geotool")):
        if p and os.path.isfile(p) and os.access(p, os.X_OK):
            return os.path.abspath(p)
    sys.exit("qgis tests: no geotool binary (build it, or set GEOTOOL)")


GEOTOOL = find_geotool()
QGIS_PROCESS = find_qgis_process()
WORK = tempfile.mkdtemp(prefix="geokit-qgis-test.")
PROFILE = os.path.join(WORK, "config")
RUNTIME = os.path.join(WORK, "runtime")
ENV = dict(clean_environ(), QT_QPA_PLATFORM="offscreen", QGIS_CUSTOM_CONFIG_PATH=PROFILE,
           XDG_RUNTIME_DIR=RUNTIME, GEOTOOL=GEOTOOL, LC_ALL="C.UTF-8")
PLUGINS = os.path.join(PROFILE, "profiles", "default", "python", "plugins")
PLUGIN_ZIP = os.environ.get("GEOKIT_PLUGIN_ZIP") or os.path.join(ROOT, "dist/geokit-qgis-plugin.zip")


def qp(*args, env=None, timeout=300):
    """Run qgis_process; return (exit code, stdout, stderr)."""
    r = subprocess.run([QGIS_PROCESS] + list(args), cwd=ROOT, env=env or ENV, capture_output=True,
                       text=True, timeout=timeout)
    return r.returncode, r.stdout, r.stderr


def run_alg(alg, params, env=None, timeout=300):
    args = ["run", alg, "--"]
    for k, v in params:
        args.append("{}={}".format(k, v))
    return qp(*args, env=env, timeout=timeout)


def geotool(*args, **kw):
    return subprocess.run([GEOTOOL] + list(args), cwd=ROOT, capture_output=True, text=True, **kw)


def setup():
    os.makedirs(PLUGINS)
    os.makedirs(RUNTIME, mode=0o700)
    if not os.environ.get("GEOKIT_PLUGIN_ZIP"):
        subprocess.run(["bash", os.path.join(ROOT, "scripts/build-qgis-plugin.sh")], check=True,
                       stdout=subprocess.DEVNULL)
    with zipfile.ZipFile(PLUGIN_ZIP) as z:
        z.extractall(PLUGINS)  # what "Install from ZIP" does
    code, out, err = qp("plugins", "enable", "geokit")
    assert code == 0, "plugins enable geokit failed: " + out + err


def fresh_dir(name):
    d = os.path.join(WORK, name)
    os.makedirs(d)
    return d


# --- tests -----------------------------------------------------------------------------------

def test_plugin_zip_metadata():
    with zipfile.ZipFile(PLUGIN_ZIP) as z:
        names = z.namelist()
        assert all(n.startswith("geokit/") for n in names), names
        meta = z.read("geokit/metadata.txt").decode()
    fields = dict(line.split("=", 1) for line in meta.splitlines() if "=" in line)
    for key in ("name", "qgisMinimumVersion", "description", "version", "author", "email", "about",
                "repository", "tracker", "hasProcessingProvider", "category", "icon"):
        assert fields.get(key), "metadata.txt lacks " + key
    assert fields["qgisMinimumVersion"] == "3.22" and fields["hasProcessingProvider"] == "yes"
    assert "geokit/" + fields["icon"] in names


def test_provider_lists_algorithms():
    code, out, err = qp("list")
    assert code == 0, err
    for alg in ("geokit:zonal", "geokit:join", "geokit:batch", "geokit:map"):
        assert alg in out, alg + " not listed:\n" + out[:2000]


def test_zonal_equals_cli_wide():
    d = fresh_dir("wide")
    q, c = os.path.join(d, "qgis.csv"), os.path.join(d, "cli.csv")
    code, out, err = run_alg("geokit:zonal", [
        ("ZONES", TOWNSHIPS), ("ID_FIELD", "TS_PCODE"), ("RASTERS", RAIN),
        ("STATS", "0,1,2,3,4,6,9"), ("INCLUDE_FIELDS", "TS;DT_PCODE"), ("OUTPUT", q)])
    assert code == 0, out + err
    r = geotool("zonal", "--zones", TOWNSHIPS, "--id", "TS_PCODE", "--raster", RAIN,
                "--stats", "count,sum,mean,min,max,stdev,median", "--include-cols", "TS,DT_PCODE", "-o", c)
    assert r.returncode == 0, r.stderr
    assert open(q, "rb").read() == open(c, "rb").read(), "tables differ"
    assert os.path.exists(os.path.join(d, "qgis.csv.datapackage.json"))
    # geotool's warnings reach the Processing log: the file's two features without geometry
    # (Cocokyun is null, Aungmyaythazan decodes empty), said in one line
    assert re.search(r"geotool: warning: \S*townships\.json: 2 features with no geometry[^\n]*MMR010001, MMR013032",
                     out + err), out + err


def test_zonal_equals_cli_long_hxl_rollup():
    d = fresh_dir("long")
    q, c = os.path.join(d, "qgis.csv"), os.path.join(d, "cli.csv")
    code, out, err = run_alg("geokit:zonal", [
        ("ZONES", TOWNSHIPS), ("ID_FIELD", "TS_PCODE"), ("RASTER_FILES", RAIN), ("RASTER_NAMES", "rain"),
        ("STATS", "0,2"), ("MORE_STATS", "p90,coverage,nodata_frac"), ("METHOD", "1"),
        ("INCLUDE_FIELDS", "TS_MMR"), ("ROLLUP_FIELDS", "DT_PCODE;ST_PCODE"), ("FORMAT", "1"),
        ("HXL", "true"), ("UNITS", "rain=mm"), ("THREADS", "1"), ("MAX_MEMORY", "64"), ("OUTPUT", q)])
    assert code == 0, out + err
    r = geotool("zonal", "--zones", TOWNSHIPS, "--id", "TS_PCODE", "--raster", "rain=" + RAIN,
                "--stats", "count,mean,p90,coverage,nodata_frac", "--method", "center",
                "--include-cols", "TS_MMR", "--rollup", "DT_PCODE,ST_PCODE", "--format", "long", "--hxl",
                "--unit", "rain=mm", "--threads", "2", "-o", c)
    assert r.returncode == 0, r.stderr
    a, b = open(q, "rb").read(), open(c, "rb").read()
    assert a == b, "tables differ"
    assert b"#loc+code" in a and b"\nMMR,Myanmar,country," in a


def test_zonal_joined_layer():
    d = fresh_dir("joined")
    q, g = os.path.join(d, "t.csv"), os.path.join(d, "zones.gpkg")
    code, out, err = run_alg("geokit:zonal", [
        ("ZONES", TOWNSHIPS), ("ID_FIELD", "TS_PCODE"), ("RASTERS", RAIN), ("STATS", "0,2"),
        ("OUTPUT", q), ("JOINED", g)])
    assert code == 0, out + err
    table = {row["TS_PCODE"]: row for row in csv.DictReader(open(q, encoding="utf-8"))}
    con = sqlite3.connect(g)
    (name,) = con.execute("SELECT table_name FROM gpkg_contents WHERE data_type='features'").fetchone()
    cols = [r[1] for r in con.execute('PRAGMA table_info("{}")'.format(name))]
    types = {r[1]: r[2] for r in con.execute('PRAGMA table_info("{}")'.format(name))}
    assert "rainfall_dekad_mean" in cols and types["rainfall_dekad_mean"].upper() in ("REAL", "DOUBLE"), types
    rows = con.execute('SELECT TS_PCODE, rainfall_dekad_mean FROM "{}"'.format(name)).fetchall()
    assert len(rows) == 329, len(rows)  # GDAL's TopoJSON reader drops the null object
    for pcode, mean in rows:
        want = table[pcode]["rainfall_dekad_mean"]
        assert (mean is None and want == "") or abs(mean - float(want)) <= 1e-12 * abs(float(want)), pcode


def test_missing_raster_error():
    d = fresh_dir("missing")
    out_csv = os.path.join(d, "t.csv")
    missing = os.path.join(d, "no_such_rain.tif")
    code, out, err = run_alg("geokit:zonal", [
        ("ZONES", TOWNSHIPS), ("ID_FIELD", "TS_PCODE"), ("RASTER_FILES", missing), ("STATS", "0"),
        ("OUTPUT", out_csv)])
    assert code != 0
    r = geotool("zonal", "--zones", TOWNSHIPS, "--id", "TS_PCODE", "--raster", missing, "--stats", "count",
                "-o", out_csv)
    line = r.stderr.strip().splitlines()[-1]
    assert r.returncode == 1 and line.startswith("geotool: error: "), r.stderr
    assert "ERROR:\t" + line in out + err, "geotool's error is not the algorithm's error:\n" + out + err
    assert "Traceback" not in out + err, out + err
    assert os.listdir(d) == []


def test_bad_field_error():
    d = fresh_dir("badfield")
    code, out, err = run_alg("geokit:zonal", [
        ("ZONES", TOWNSHIPS), ("ID_FIELD", "NO_SUCH_FIELD"), ("RASTERS", RAIN), ("OUTPUT", os.path.join(d, "t.csv"))])
    assert code != 0
    assert "ERROR:\tgeotool: error: " in out + err and "no field 'NO_SUCH_FIELD'" in out + err, out + err
    assert "Traceback" not in out + err


def test_geotool_not_found():
    env = dict(ENV, GEOTOOL=os.path.join(WORK, "nowhere", "geotool"))
    code, out, err = run_alg("geokit:zonal", [
        ("ZONES", TOWNSHIPS), ("ID_FIELD", "TS_PCODE"), ("RASTERS", RAIN), ("OUTPUT", os.path.join(WORK, "x.csv"))],
        env=env)
    assert code != 0 and "geotool not found" in out + err and "Traceback" not in out + err, out + err


def test_progress_lines():
    d = fresh_dir("progress")
    r = subprocess.run([GEOTOOL, "zonal", "--zones", TOWNSHIPS, "--id", "TS_PCODE", "--raster", RAIN,
                        "-o", os.path.join(d, "t.csv")], env=dict(ENV, GEOTOOL_PROGRESS="lines"),
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    lines = [l for l in r.stderr.splitlines() if l.startswith("geotool: progress: ")]
    assert lines and lines[-1] == "geotool: progress: 100%", r.stderr
    assert "\r" not in r.stderr
    r = subprocess.run([GEOTOOL, "zonal", "--zones", TOWNSHIPS, "--id", "TS_PCODE", "--raster", RAIN, "--quiet",
                        "-o", os.path.join(d, "q.csv")], env=dict(ENV, GEOTOOL_PROGRESS="lines"),
                       capture_output=True, text=True)
    assert "geotool: progress:" not in r.stderr, "--quiet still prints progress"


_BIG = None


def big_raster():
    """A raster that keeps geotool busy for tens of seconds: a VRT of 60 bands, each on its own
    (symlinked) 4000x4000 LZMA-compressed Int16 file, so that every band is decoded anew."""
    global _BIG
    if _BIG:
        return _BIG
    import numpy as np
    from osgeo import gdal, osr
    d = fresh_dir("big")
    n, bands = 4000, 60
    a = np.random.default_rng(1).integers(0, 64, (n, n), dtype=np.int16)
    ds = gdal.GetDriverByName("GTiff").Create(os.path.join(d, "base.tif"), n, n, 1, gdal.GDT_Int16,
                                              ["TILED=YES", "COMPRESS=LZMA"])
    gt = (92.0, 9.2 / n, 0.0, 28.6, 0.0, -18.7 / n)
    ds.SetGeoTransform(gt)
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(4326)
    ds.SetProjection(srs.ExportToWkt())
    ds.GetRasterBand(1).WriteArray(a)
    ds = None
    xml = []
    for i in range(bands):
        os.symlink("base.tif", os.path.join(d, "b{}.tif".format(i)))
        xml.append('<VRTRasterBand dataType="Int16" band="{}"><SimpleSource><SourceFilename relativeToVRT="1">'
                   'b{}.tif</SourceFilename><SourceBand>1</SourceBand></SimpleSource></VRTRasterBand>'.format(i + 1, i))
    with open(os.path.join(d, "big.vrt"), "w") as f:
        f.write('<VRTDataset rasterXSize="{n}" rasterYSize="{n}"><SRS>EPSG:4326</SRS><GeoTransform>{gt}'
                '</GeoTransform>{b}</VRTDataset>'.format(n=n, gt=", ".join(repr(v) for v in gt), b="".join(xml)))
    _BIG = os.path.join(d, "big.vrt")
    return _BIG


def children(pid):
    """Pids of the processes whose parent is pid."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open("/proc/{}/stat".format(entry)) as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                if int(fields[1]) == pid:
                    found.append(int(entry))
            except (OSError, IndexError, ValueError):
                pass
    return found


def alive(pid):
    try:
        with open("/proc/{}/stat".format(pid)) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_cancel_qgis_process():
    """SIGTERM to qgis_process while geotool runs: the plugin cancels (geotool gets SIGTERM),
    the run fails with 'Cancelled', and nothing is left in the output folder."""
    vrt = big_raster()
    d = fresh_dir("cancel")
    out_csv = os.path.join(d, "t.csv")
    args = [QGIS_PROCESS, "run", "geokit:zonal", "--", "ZONES=" + TOWNSHIPS, "ID_FIELD=TS_PCODE",
            "RASTER_FILES=" + vrt, "STATS=2", "MAX_MEMORY=16", "OUTPUT=" + out_csv]
    p = subprocess.Popen(args, cwd=ROOT, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    gt = None
    deadline = time.monotonic() + 60
    while gt is None and time.monotonic() < deadline and p.poll() is None:
        gt = next((c for c in children(p.pid) if os.path.basename(os.readlink("/proc/{}/exe".format(c))) == "geotool"),
                  None) if alive(p.pid) else None
        time.sleep(0.1)
    assert gt is not None, "geotool never started"
    time.sleep(2)  # well into the engine (the whole run takes ~30 s)
    assert p.poll() is None, "finished before it could be cancelled"
    t0 = time.monotonic()
    p.send_signal(signal.SIGTERM)
    out, err = p.communicate(timeout=60)
    took = time.monotonic() - t0
    assert p.returncode != 0, out + err
    assert "Cancelled" in out + err, out + err
    assert "Traceback" not in out + err, out + err
    assert not alive(gt), "geotool still running after cancel"
    assert took < 15, "cancel took {:.1f} s".format(took)
    assert os.listdir(d) == [], "left behind: {}".format(os.listdir(d))


def test_cancel_feedback_api():
    """The dialog's Cancel: feedback.cancel() at the first progress report (qgis.core API,
    QgsApplication headless in a child process)."""
    vrt = big_raster()
    d = fresh_dir("cancel_api")
    script = os.path.join(os.path.dirname(__file__), "cancel_inprocess.py")
    r = subprocess.run([sys.executable, script, PLUGINS, TOWNSHIPS, vrt, os.path.join(d, "t.csv")],
                       env=ENV, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "RESULT cancelled" in r.stdout, r.stdout + r.stderr
    assert os.listdir(d) == [], "left behind: {}".format(os.listdir(d))


def test_map():
    d = fresh_dir("map")
    t, svg = os.path.join(d, "t.csv"), os.path.join(d, "m.svg")
    assert geotool("zonal", "--zones", TOWNSHIPS, "--id", "TS_PCODE", "--raster", "rain=" + RAIN,
                   "--stats", "mean", "-o", t).returncode == 0
    code, out, err = run_alg("geokit:map", [("TABLE", t), ("ZONES", TOWNSHIPS), ("ID_FIELD", "TS_PCODE"),
                                            ("COLUMN", "rain_mean"), ("CLASSES", "4"), ("SCHEME", "2"), ("OUTPUT", svg)])
    assert code == 0, out + err
    assert open(svg, encoding="utf-8").read().lstrip().startswith(("<?xml", "<svg"))


def test_join():
    d = fresh_dir("join")
    q, c = os.path.join(d, "q.csv"), os.path.join(d, "c.csv")
    pts, zones = os.path.join(JOIN, "points.csv"), os.path.join(JOIN, "zones.geojson")
    head = open(pts, encoding="utf-8").readline().strip().split(",")
    r = geotool("info", zones)
    idf = next((f for f in ("VT_PCODE", "TS_PCODE", "pcode", "id") if "field " + f + ":" in r.stdout), None)
    assert idf, r.stdout
    code, out, err = run_alg("geokit:join", [("POINTS", pts), ("ZONES", zones), ("ID_FIELD", idf), ("OUTPUT", q)])
    assert code == 0, out + err
    r = geotool("join", "--points", pts, "--zones", zones, "--id", idf, "-o", c)
    assert r.returncode == 0, r.stderr
    assert open(q, "rb").read() == open(c, "rb").read(), "join tables differ"
    assert head


def test_batch():
    d = fresh_dir("batch")
    manifest = os.path.join(d, "m.yaml")
    with open(manifest, "w") as f:
        f.write("zones:\n  path: {}\n  id: TS_PCODE\noutput:\n  dir: tables\n  format: wide\n"
                "indicators:\n  - name: rain\n    source: {}\n    stats: [mean]\n".format(TOWNSHIPS, RAIN))
    code, out, err = run_alg("geokit:batch", [("MANIFEST", manifest), ("DRY_RUN", "true")])
    assert code == 0, out + err
    assert "rain:" in out, out
    code, out, err = run_alg("geokit:batch", [("MANIFEST", manifest)])
    assert code == 0, out + err
    assert os.path.exists(os.path.join(d, "tables", "rain.csv")), os.listdir(d)
    assert os.path.join(d, "tables") in out


def main():
    setup()
    tests = [(k, v) for k, v in globals().items() if k.startswith("test_") and callable(v)]
    only = sys.argv[1:]
    passed = failed = 0
    for name, fn in tests:
        if only and not any(o in name for o in only):
            continue
        t0 = time.monotonic()
        try:
            fn()
        except Exception:  # noqa: BLE001
            failed += 1
            print("FAIL {} ({:.1f} s)\n{}".format(name, time.monotonic() - t0, traceback.format_exc()), flush=True)
        else:
            passed += 1
            print("ok   {} ({:.1f} s)".format(name, time.monotonic() - t0), flush=True)
    if failed == 0:
        shutil.rmtree(WORK, ignore_errors=True)
    else:
        print("qgis tests: work folder kept: " + WORK)
    print("qgis: {} passed, {} failed".format(passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
