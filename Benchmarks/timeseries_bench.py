#!/usr/bin/env python3
"""Change over time (docs/timeseries.md): geotool batch's derived step against xarray and the
same packages (climate-indices, pymannkendall, scipy, xclim) on the zonal means geotool writes.

Monthly: every zone's series of `--months` monthly means (bench-data: 13,726 village tracts
x 516 months), derived with annual sums, z-scores, SPI at 1, 3, 6 and 12 months, two seasons
(one across the year end), the trends of the annual and season values and the seasonal
trend. Daily (--daily-years N): N years of daily values (noleap), with dekads and extremes.

geotool's times:
  zonal run   `geotool batch` on a manifest without `derive:` (every file read: the zonal step)
  derived     the same manifest with `derive:`, rerun: no raster is read, the table is rewritten;
              "derived" is the time geotool spends computing the derived series (its
              GEOTOOL_TIMING line), "rewrite" the whole rerun, "rewrite, no derive" the rerun
              without `derive:` (the table alone)
The goal (issue 24): the derived step at most 10% of the zonal run.

The reference's time counts from the table only (the zonal means geotool wrote): reading
the wide CSV into a (zones, time) array (reported apart), then xarray (annual sums, z-scores
by calendar month, seasons), climate_indices.indices.spi (gamma, monthly, on the whole
(time, zones, 1) block at once, spatial_time_major), scipy.stats.theilslopes and linregress
and pymannkendall.original_test per zone and series, pymannkendall.seasonal_test per zone;
daily: xclim.atmos on the (time, zones) block, dekads by xarray groupby.

Data: bench-data/zones/tracts.gpkg and bench-data/precip-monthly/precip-YYYY-MM.tif (see
batch_bench.py), or --synthetic ZONES,MONTHS: a grid of square zones and a multi-band
GeoTIFF of random monthly rain made here (a smoke run needs no bench-data).

Environment: a venv with the packages (the synthetic zones and GeoTIFF are made by
Debian's /usr/bin/python3 with its GDAL bindings, in a subprocess):
  /usr/bin/python3 -m venv /tmp/venv-ts
  /tmp/venv-ts/bin/pip install climate-indices pymannkendall scipy xclim xarray pandas netCDF4
Usage: /tmp/venv-ts/bin/python Benchmarks/timeseries_bench.py [--geotool PATH] [--repeats 3]
       /tmp/venv-ts/bin/python Benchmarks/timeseries_bench.py --synthetic 500,120 --daily-years 2   (smoke)
"""
import argparse, os, re, shutil, statistics, subprocess, sys, tempfile, time, warnings

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(ROOT, "bench-data")


# ------------------------------------------------------------------ data

def synthetic_zones(work, n):
    """n square zones (0.1 deg) in rows of 50, over 95E-100E, from 21N south."""
    from osgeo import ogr, osr
    srs = osr.SpatialReference(); srs.ImportFromEPSG(4326)
    path = os.path.join(work, "zones.gpkg")
    ds = ogr.GetDriverByName("GPKG").CreateDataSource(path)
    lyr = ds.CreateLayer("zones", srs, ogr.wkbPolygon)
    lyr.CreateField(ogr.FieldDefn("id", ogr.OFTString))
    for k in range(n):
        x0, y0 = 95 + (k % 50) * 0.1, 21 - (k // 50) * 0.1
        ring = ogr.Geometry(ogr.wkbLinearRing)
        for x, y in [(x0, y0), (x0 + 0.1, y0), (x0 + 0.1, y0 - 0.1), (x0, y0 - 0.1), (x0, y0)]:
            ring.AddPoint_2D(x, y)
        g = ogr.Geometry(ogr.wkbPolygon); g.AddGeometry(ring)
        f = ogr.Feature(lyr.GetLayerDefn()); f.SetField("id", "Z%06d" % k); f.SetGeometry(g); lyr.CreateFeature(f)
    ds = None
    rows = (n + 49) // 50
    return path, "zones", "id", (95.0, 21.0, 50, rows)


def synthetic_monthly(work, extent, months, first_year=1981):
    """A multi-band GeoTIFF (0.05 deg cells over the zones) of gamma-distributed monthly rain
    with a monsoon cycle and dry-month zeros, dated by a .bands.txt."""
    from osgeo import gdal, osr
    west, north, cols10, rows10 = extent
    cols, rows = cols10 * 2, rows10 * 2
    rng = np.random.default_rng(1)
    path = os.path.join(work, "precip.tif")
    ds = gdal.GetDriverByName("GTiff").Create(path, cols, rows, months, gdal.GDT_Float32, ["INTERLEAVE=BAND", "TILED=YES"])
    ds.SetGeoTransform([west, 0.05, 0, north, 0, -0.05])
    srs = osr.SpatialReference(); srs.ImportFromEPSG(4326); ds.SetProjection(srs.ExportToWkt())
    dates = []
    for k in range(months):
        y, m = first_year + k // 12, k % 12 + 1
        dates.append("%04d-%02d" % (y, m))
        mean = 20 + 280 * max(0.0, np.sin((m - 4) / 7 * np.pi))
        a = rng.gamma(2.0, mean / 2.0, (rows, cols)).astype("f4")
        if m in (1, 2, 12):
            a[rng.random((rows, cols)) < 0.3] = 0
        ds.GetRasterBand(k + 1).WriteArray(a)
    ds = None
    open(path + ".bands.txt", "w").write("\n".join(dates) + "\n")
    return path, dates


def synthetic_daily(work, extent, years, first_year=2001):
    """A noleap daily CF NetCDF (0.1 deg cells over the zones) of rain with dry days."""
    import netCDF4
    west, north, cols10, rows10 = extent
    rng = np.random.default_rng(2)
    n = 365 * years
    path = os.path.join(work, "daily.nc")
    nc = netCDF4.Dataset(path, "w", format="NETCDF4_CLASSIC")
    nc.createDimension("time", n); nc.createDimension("lat", rows10); nc.createDimension("lon", cols10)
    t = nc.createVariable("time", "f8", ("time",)); t.units, t.calendar = "days since %04d-01-01" % first_year, "noleap"
    t[:] = np.arange(n)
    lat = nc.createVariable("lat", "f8", ("lat",)); lat.units = "degrees_north"; lat[:] = north - 0.05 - 0.1 * np.arange(rows10)
    lon = nc.createVariable("lon", "f8", ("lon",)); lon.units = "degrees_east"; lon[:] = west + 0.05 + 0.1 * np.arange(cols10)
    v = nc.createVariable("precip", "f4", ("time", "lat", "lon")); v.units = "mm"
    for k in range(0, n, 365):
        block = np.where(rng.random((min(365, n - k), rows10, cols10)) < 0.55, 0, rng.gamma(0.8, 12.0, (min(365, n - k), rows10, cols10)))
        v[k:k + block.shape[0]] = block.astype("f4")
    nc.close()
    return path


def bench_monthly_source():
    """bench-data's monthly files as a pattern, and their dates."""
    d = os.path.join(DATA, "precip-monthly")
    files = sorted(f for f in os.listdir(d) if re.match(r"precip-\d{4}-\d{2}\.tif$", f))
    if not files:
        sys.exit(f"no monthly files in {d}: run Benchmarks/batch_bench.py once (it splits them)")
    return os.path.join(d, "precip-{yyyy}-{mm}.tif"), [f[7:14] for f in files]


# ------------------------------------------------------------------ geotool

def manifest(work, zones, source, derive, fmt="wide", name="precip"):
    path, layer, idf = zones
    text = f"""zones:
  path: {path}
  layer: {layer}
  id: {idf}
output:
  dir: out
  format: {fmt}
indicators:
  - name: {name}
    unit: mm
    source: {source}
    stats: [mean]
"""
    if derive:
        text += "    derive:\n" + "".join(f"      {l}\n" for l in derive)
    p = os.path.join(work, f"m-{name}-{'derive' if derive else 'plain'}.yaml")
    open(p, "w").write(text)
    return p


def run(cmd, env=None):
    t = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True, env=env)
    dt = time.perf_counter() - t
    if p.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{p.stderr}")
    return dt, p.stderr


def geotool_times(geotool, work, zones, source, derive, repeats, threads, max_memory=None):
    """Median times: the zonal run, the derived series (GEOTOOL_TIMING), the rerun with
    derive and the rerun without it."""
    plain = manifest(work, zones, source, None)
    with_derive = manifest(work, zones, source, derive)
    env = dict(os.environ, GEOTOOL_TIMING="1")
    # A daily series of many years holds rows x days values: more than the default --max-memory.
    memory = ["--max-memory", str(max_memory)] if max_memory else []
    zonal, derived, rewrite, rewrite_plain = [], [], [], []
    for _ in range(repeats):
        shutil.rmtree(os.path.join(work, "out"), ignore_errors=True)
        zonal.append(run([geotool, "batch", plain, "--quiet", "--threads", str(threads)] + memory)[0])
        dt, err = run([geotool, "batch", with_derive, "--quiet", "--threads", str(threads)] + memory, env)
        rewrite.append(dt)
        m = re.search(r"derived series computed in ([0-9.]+) s", err)
        derived.append(float(m.group(1)) if m else float("nan"))
        rewrite_plain.append(run([geotool, "batch", plain, "--quiet", "--threads", str(threads)] + memory)[0])
    # Leave the plain table: the reference reads it.
    return {k: statistics.median(v) for k, v in
            dict(zonal=zonal, derived=derived, rewrite=rewrite, rewrite_plain=rewrite_plain).items()}


# ------------------------------------------------------------------ reference

def read_wide(path, name, dates):
    import pandas as pd
    t = time.perf_counter()
    df = pd.read_csv(path)
    values = df[[f"{name}_{d}_mean" for d in dates]].to_numpy(dtype=np.float64)
    return values, time.perf_counter() - t


def timed(f):
    t = time.perf_counter(); out = f(); return out, time.perf_counter() - t


def reference_monthly(values, dates, baseline):
    """The derived step on a (zones, months) array; each part's seconds."""
    import pandas as pd
    import pymannkendall as mk
    import scipy.stats
    import xarray as xr
    from climate_indices import compute, indices
    first_year, first_month = int(dates[0][:4]), int(dates[0][5:7])
    times = pd.to_datetime([d + "-01" for d in dates])
    da = xr.DataArray(values, dims=("zone", "time"), coords={"time": times})
    secs = {}
    annual, secs["annual (xarray)"] = timed(lambda: da.resample(time="YS").sum(min_count=12).values)
    def zscore():
        base = da.sel(time=slice(f"{baseline[0]}-01-01", f"{baseline[1]}-12-31")).groupby("time.month")
        return (da.groupby("time.month") - base.mean()).groupby("time.month") / base.std(ddof=1)
    _, secs["z-score (xarray)"] = timed(lambda: zscore().values)
    def seasons():
        mon = da.where(da["time.month"].isin([6, 7, 8, 9, 10])).resample(time="YS").sum(min_count=5)
        dry = da.shift(time=2).where(da["time.month"].isin([1, 2, 3, 4, 5, 6])).resample(time="YS").sum(min_count=6)  # Nov-Apr, by Nov's year + 1
        return mon.values, dry.values
    (mon, dry), secs["seasons (xarray)"] = timed(seasons)
    def spi():
        pad = np.full((values.shape[0], first_month - 1), np.nan)
        block = np.concatenate([pad, values], axis=1).T[:, :, None]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return [indices.spi(block, s, indices.Distribution.gamma, first_year, baseline[0], baseline[1],
                                compute.Periodicity.monthly, spatial_time_major=True) for s in (1, 3, 6, 12)]
    import logging, structlog
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    _, secs["SPI 1, 3, 6, 12 (climate-indices)"] = timed(spi)
    years = np.arange(annual.shape[1], dtype=float)
    def trends():
        for series in (annual, mon, dry):
            for row in series:
                ok = ~np.isnan(row)
                if ok.sum() < 3:
                    continue
                scipy.stats.theilslopes(row[ok], years[ok]); scipy.stats.linregress(years[ok], row[ok]); mk.original_test(row)
    _, secs["trends of annual and 2 seasons (scipy, pymannkendall)"] = timed(trends)
    def seasonal():
        pad = np.full(first_month - 1, np.nan)
        for row in values:
            if np.isnan(row).all():  # a zone with no cell of the raster: geotool leaves it empty
                continue
            mk.seasonal_test(np.concatenate([pad, row]), period=12)
    _, secs["seasonal trend (pymannkendall)"] = timed(seasonal)
    return secs


def reference_daily(values, first_year, years):
    import xarray as xr
    from xclim import atmos
    times = xr.date_range(f"{first_year}-01-01", periods=values.shape[1], freq="D", calendar="noleap", use_cftime=True)
    pr = xr.DataArray(values.T, dims=("time", "zone"), coords={"time": times},
                      attrs={"units": "mm/day", "standard_name": "precipitation_flux", "cell_methods": "time: mean"})
    secs = {}
    def extremes():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return [atmos.maximum_consecutive_dry_days(pr=pr, thresh="1 mm/day", freq="YS").values,
                    atmos.maximum_consecutive_wet_days(pr=pr, thresh="1 mm/day", freq="YS").values,
                    atmos.wetdays(pr=pr, thresh="10 mm/day", freq="YS").values,
                    atmos.max_n_day_precipitation_amount(pr=pr, window=1, freq="YS").values,
                    atmos.max_n_day_precipitation_amount(pr=pr, window=5, freq="YS").values]
    _, secs["extremes (xclim.atmos)"] = timed(extremes)
    def dekads():
        day = pr["time.day"]
        dek = xr.where(day <= 10, 0, xr.where(day <= 20, 1, 2))
        key = pr["time.year"] * 100 + pr["time.month"] * 3 + dek
        return pr.groupby(key.rename("dekad")).sum().values
    _, secs["dekads (xarray)"] = timed(dekads)
    return secs


# ------------------------------------------------------------------ report

def report(title, g, read, ref):
    print(f"\n{title}")
    rows = [("geotool zonal run", g["zonal"], ""),
            ("geotool derived series", g["derived"], f"{g['derived'] / g['zonal'] * 100:.0f}% of the zonal run; goal <= 10%"),
            ("geotool rerun with derive", g["rewrite"], "table rewritten, no raster read"),
            ("geotool rerun without derive", g["rewrite_plain"], ""),
            ("reference: read the table", read, "")]
    if ref is not None:
        rows += [(f"reference: {k}", v, "") for k, v in ref.items()]
        rows.append(("reference: derived step in all", sum(ref.values()), f"geotool's: {g['derived']:.2f} s"))
    for name, v, note in rows:
        print(f"  {name:62s} {v:8.2f} s" + (f"  ({note})" if note else ""))


def gdal_helper(*args):
    """Run this script's GDAL part under Debian's python (its GDAL bindings need its numpy)."""
    p = subprocess.run(["/usr/bin/python3", os.path.abspath(__file__), "--gdal-helper", *map(str, args)], capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"/usr/bin/python3 could not make the data:\n{p.stderr}")
    return p.stdout.strip().split("\n")


def helper_main(argv):
    what, work = argv[0], argv[1]
    if what == "zones":
        path, layer, idf, extent = synthetic_zones(work, int(argv[2]))
        print(path); print(" ".join(map(str, extent)))
    elif what == "monthly":
        extent = (float(argv[3]), float(argv[4]), int(argv[5]), int(argv[6]))
        path, dates = synthetic_monthly(work, extent, int(argv[2]))
        print(path); print(" ".join(dates))
    elif what == "extent":
        from osgeo import ogr
        ds = ogr.Open(argv[2]); x0, x1, y0, y1 = ds.GetLayerByName(argv[3]).GetExtent()
        print(f"{np.floor(x0)} {np.ceil(y1)} {int((np.ceil(x1) - np.floor(x0)) * 10)} {int((np.ceil(y1) - np.floor(y0)) * 10)}")


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--gdal-helper":
        return helper_main(sys.argv[2:])
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--geotool", default=os.path.join(ROOT, ".build", "release", "geotool"))
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--synthetic", help="ZONES,MONTHS: made-up zones and monthly rain (a smoke run)")
    ap.add_argument("--daily-years", type=int, default=0, help="also a daily series of N years (synthetic, noleap)")
    ap.add_argument("--keep", action="store_true", help="keep the work folder")
    ap.add_argument("--max-memory", type=int, help="geotool's --max-memory (MB) for the daily runs")
    ap.add_argument("--daily-only", action="store_true", help="skip the monthly series")
    ap.add_argument("--no-reference", action="store_true", help="time geotool only (no xarray / climate-indices / pymannkendall run)")
    a = ap.parse_args()
    work = tempfile.mkdtemp(prefix="ts-bench-")
    try:
        if a.synthetic:
            nz, nm = (int(x) for x in a.synthetic.split(","))
            zpath, ext = gdal_helper("zones", work, nz)
            layer, idf = "zones", "id"
            extent = tuple(float(v) if i < 2 else int(v) for i, v in enumerate(ext.split()))
            source, dlist = gdal_helper("monthly", work, nm, *extent)
            dates = dlist.split()
        else:
            zpath, layer, idf = os.path.join(DATA, "zones", "tracts.gpkg"), "tracts", "VT_PCODE"
            source, dates = bench_monthly_source()
            extent = None
        zones = (zpath, layer, idf)
        y0, y1 = int(dates[0][:4]), int(dates[-1][:4])
        baseline = (max(y0, 1991), min(y1, 2020)) if y1 - y0 >= 29 else (y0, y1)
        derive = ["annual: sum", f"zscore: {{baseline: [{baseline[0]}, {baseline[1]}]}}",
                  f"spi: {{scales: [1, 3, 6, 12], baseline: [{baseline[0]}, {baseline[1]}]}}",
                  "season: {monsoon: [6, 10], dry: [11, 4]}", "trend: {}", "seasonal_trend: {}"]
        g = geotool_times(a.geotool, work, zones, source, derive, a.repeats, a.threads) if not a.daily_only else None
        values, read = read_wide(os.path.join(work, "out", "precip.csv"), "precip", dates) if not a.daily_only else (None, 0)
        if g:
            print("geotool (monthly):", ", ".join(f"{k} {v:.2f} s" for k, v in g.items()), flush=True)
        ref = reference_monthly(values, dates, baseline) if not (a.daily_only or a.no_reference) else None
        if not a.daily_only: report(f"monthly: {values.shape[0]} zones x {values.shape[1]} months, baseline {baseline[0]}-{baseline[1]}, "
               f"{a.threads} thread(s), medians of {a.repeats}", g, read, ref)
        if a.daily_years:
            if extent is None:
                ext = gdal_helper("extent", work, zpath, layer)[0].split()
                extent = tuple(float(v) if i < 2 else int(v) for i, v in enumerate(ext))
            path = synthetic_daily(work, extent, a.daily_years)
            ddates = [str(d) for d in range(365 * a.daily_years)]
            gd = geotool_times(a.geotool, work, zones, path, ["dekad: sum", "extremes: {threshold: 1, days_ge: [10]}"], a.repeats, a.threads,
                               a.max_memory)
            import pandas as pd
            t = time.perf_counter()
            df = pd.read_csv(os.path.join(work, "out", "precip.csv"))
            cols = [c for c in df.columns if re.match(r"precip_\d{4}-\d{2}-\d{2}_mean$", c)]
            dvalues = df[cols].to_numpy(dtype=np.float64)
            dread = time.perf_counter() - t
            refd = reference_daily(dvalues, 2001, a.daily_years)
            report(f"daily: {dvalues.shape[0]} zones x {dvalues.shape[1]} days (noleap), {a.threads} thread(s), medians of {a.repeats}", gd, dread, refd)
    finally:
        if a.keep:
            print("work folder:", work)
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
