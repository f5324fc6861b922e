#!/usr/bin/env python3
"""Series with known answers for the change-over-time derived series (issue 24).

    /usr/bin/python3 -m venv /tmp/venv-ts && /tmp/venv-ts/bin/pip install \
        climate-indices pymannkendall scipy xclim xarray netCDF4
    /tmp/venv-ts/bin/python TestRasters/timeseries/make_fixtures.py

Writes, beside this script:

- expected.json: input series (every value a float32, so a raster band holding it gives the
  same number back) and the answers of independent implementations on them:
  scipy.stats.theilslopes / linregress and pymannkendall.original_test (yearly trends, with
  ties and gaps), pymannkendall.seasonal_test / seasonal_sens_slope (monthly), the
  climate-indices package's spi (gamma, monthly) at 1, 3, 6 and 12 months, xclim's
  maximum_consecutive_dry_days / _wet_days, wetdays and max_n_day_precipitation_amount
  (xclim.atmos, with its missing-value rule; daily, on the standard, noleap and 360_day calendars), and numpy/cftime hand counts for
  z-scores, seasons across the year end and dekads. NaN is written as null.
- monthly_rain.nc: the "batch_monthly" series (1981-2010, standard calendar) as a monthly
  CF NetCDF, and daily_standard.nc, daily_noleap.nc, daily_360_day.nc: the daily series.
  Every cell of a band holds the series' value (a 2 x 2 grid of 0.5 degree cells, west
  95.5, north 20.5), so a zone's mean is that value.

The Swift tests read these files; nothing here runs at test time.
"""
import json
import math
import os

import cftime
import netCDF4
import numpy as np
import pandas as pd
import pymannkendall as mk
import scipy.stats
import xarray as xr
from xclim import atmos
from climate_indices import compute, indices

HERE = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(20240624)


def f32(a):
    """Values a Float32 raster holds exactly, as float64."""
    return np.asarray(a, dtype=np.float32).astype(np.float64)


def clean(x):
    """JSON-ready: NaN and infinities as null, numpy scalars as Python numbers."""
    if isinstance(x, dict):
        return {k: clean(v) for k, v in x.items()}
    if isinstance(x, (list, tuple, np.ndarray)):
        return [clean(v) for v in x]
    if isinstance(x, (np.integer,)):
        return int(x)
    if isinstance(x, (float, np.floating)):
        x = float(x)
        return None if not math.isfinite(x) else x
    return x


# ---------------------------------------------------------------- yearly trends

def trend_case(name, years, values, as_float32=True):
    years = np.asarray(years, dtype=float)
    values = f32(values) if as_float32 else np.asarray(values, dtype=np.float64)
    ok = ~np.isnan(values)
    ts = scipy.stats.theilslopes(values[ok], years[ok])
    lr = scipy.stats.linregress(years[ok], values[ok])
    r = mk.original_test(values)
    # pymannkendall's slope is by position; with one value per year it is theilslopes'.
    assert abs(r.slope - ts.slope) < 1e-9 or (np.isnan(r.slope) and np.isnan(ts.slope)), (name, r.slope, ts.slope)
    return {"name": name, "years": years.astype(int).tolist(), "values": values,
            "theilslopes_slope": ts.slope, "linregress_slope": lr.slope,
            "mk": {"n": int(ok.sum()), "s": r.s, "var_s": r.var_s, "z": r.z, "p": r.p, "tau": r.Tau, "slope": r.slope}}


def trends():
    years = np.arange(2001, 2021)
    t = years - 2001
    out = [trend_case("increasing", years, 1000 + 12 * t + rng.normal(0, 40, len(t)))]
    out.append(trend_case("ties", years, np.round(rng.normal(3, 1.5, len(t)))))
    g = 500 - 4 * t + rng.normal(0, 15, len(t))
    g[[2, 9, 15]] = np.nan
    out.append(trend_case("gaps", years, g))
    out.append(trend_case("flat", years, np.full(len(t), 7.0)))
    tg = np.round(20 - 0.3 * t + rng.normal(0, 1.2, len(t)))
    tg[[0, 11]] = np.nan
    out.append(trend_case("ties_gaps_decreasing", years, tg))
    return out


# ---------------------------------------------------------------- seasonal trends

def seasonal_case(name, first_year, first_month, values):
    """pymannkendall takes seasons by position: the series is given from January (NaN before
    the first month), so its seasons are the calendar months."""
    values = f32(values)
    padded = np.concatenate([np.full(first_month - 1, np.nan), values])
    r = mk.seasonal_test(padded, period=12)
    s = mk.seasonal_sens_slope(padded, period=12)
    return {"name": name, "first": "%04d-%02d" % (first_year, first_month), "values": values,
            "seasonal_test": {"n": int((~np.isnan(values)).sum()), "s": r.s, "var_s": r.var_s, "z": r.z, "p": r.p, "tau": r.Tau, "slope": r.slope},
            "seasonal_sens_slope": s.slope}


def monthly_rain(years, zero_months=(1, 2, 12), zero_share=0.5, trend=0.0):
    """Monthly rain with a monsoon cycle, exact zeros in dry months, rounded to 0.1 mm."""
    out = []
    for y in range(years):
        for m in range(1, 13):
            mean = max(5.0, 20 + 280 * max(0.0, math.sin((m - 4) / 7 * math.pi)) + trend * y)
            v = rng.gamma(2.0, mean / 2.0)
            if m in zero_months and rng.random() < zero_share:
                v = 0.0
            out.append(round(v, 1))
    return np.array(out)


def seasonals():
    out = [seasonal_case("ties_12y", 2001, 1, np.round(monthly_rain(12, trend=3.0) / 5) * 5)]
    v = monthly_rain(12, trend=-2.0)[3:-3]
    v[[5, 17, 40, 41, 90]] = np.nan
    out.append(seasonal_case("mid_start_gaps", 2003, 4, v))
    return out


# ---------------------------------------------------------------- SPI

def spi_values(values, first_year, first_month, baseline, scale):
    padded = np.concatenate([np.full(first_month - 1, np.nan), values])
    r = indices.spi(padded, scale, indices.Distribution.gamma, first_year, baseline[0], baseline[1],
                    compute.Periodicity.monthly)
    return r[first_month - 1:first_month - 1 + len(values)]


def spi_case(name, first_year, first_month, values, baseline):
    values = f32(values)
    return {"name": name, "first": "%04d-%02d" % (first_year, first_month), "values": values, "baseline": list(baseline),
            "spi": {str(s): spi_values(values, first_year, first_month, baseline, s) for s in (1, 3, 6, 12)}}


def spis(batch_monthly):
    out = [spi_case("rain_30y", 1981, 1, batch_monthly, (1981, 2010)),
           spi_case("rain_30y_baseline_1985_2004", 1981, 1, batch_monthly, (1985, 2004))]
    v = monthly_rain(25)[2:]
    v[[40, 200]] = np.nan
    out.append(spi_case("mid_start_gaps", 1991, 3, v, (1991, 2015)))
    # February is dry in every year: p0 = 1, its zeros are -3.09 at one month.
    d = monthly_rain(20, zero_months=(2,), zero_share=1.0)
    out.append(spi_case("february_always_dry", 2001, 1, d, (2001, 2020)))
    return out


# ---------------------------------------------------------------- z-scores (numpy)

def zscore_case(name, first_year, values, baseline):
    values = f32(values)
    years = first_year + np.arange(len(values)) // 12
    months = np.arange(len(values)) % 12
    z = np.full(len(values), np.nan)
    for m in range(12):
        sel = (months == m) & (years >= baseline[0]) & (years <= baseline[1]) & ~np.isnan(values)
        mean, sd = values[sel].mean(), values[sel].std(ddof=1)
        z[months == m] = (values[months == m] - mean) / sd
    return {"name": name, "first": "%04d-01" % first_year, "values": values, "baseline": list(baseline), "z": z}


# ---------------------------------------------------------------- seasons (hand counts)

def season_case(name, first_year, values, seasons):
    """Sums of each season's months by explicit (year, month) lists; a season is labelled
    with the year of its first month and needs every month in the series."""
    values = f32(values)
    at = {(first_year + i // 12, i % 12 + 1): v for i, v in enumerate(values)}
    out = {}
    for sname, (m0, m1) in seasons.items():
        months = [(0, m) for m in range(m0, 13)] + [(1, m) for m in range(1, m1 + 1)] if m1 < m0 else [(0, m) for m in range(m0, m1 + 1)]
        rows = []
        for y in range(first_year - 1, first_year + len(values) // 12 + 1):
            keys = [(y + off, m) for off, m in months]
            if all(k in at for k in keys):
                rows.append([y, float(sum(at[k] for k in keys))])
        out[sname] = rows
    return {"name": name, "first": "%04d-01" % first_year, "values": values, "seasons": out}


# ---------------------------------------------------------------- daily: xclim and dekads

CALENDAR_CLASS = {"standard": cftime.DatetimeGregorian, "noleap": cftime.DatetimeNoLeap, "360_day": cftime.Datetime360Day}


def daily_rain(n):
    """Daily rain with dry spells (exact zeros), values of exactly 1.0 (wet: >= 1 mm) and 0.5."""
    v = np.where(rng.random(n) < 0.55, 0.0, np.round(rng.gamma(0.8, 12.0, n), 1))
    v[rng.random(n) < 0.04] = 1.0
    v[rng.random(n) < 0.04] = 0.5
    return f32(v)


def daily_case(name, calendar, first_year, years, holes=()):
    dates = xr.date_range("%04d-01-01" % first_year, end="%04d-01-01" % (first_year + years), inclusive="left",
                          freq="D", calendar=calendar, use_cftime=True)
    values = daily_rain(len(dates))
    # A dry spell across the first year end (20 December to 10 January) and a wet one across the second.
    for i, d in enumerate(dates):
        if (d.year == first_year and d.month == 12 and d.day >= 20) or (d.year == first_year + 1 and d.month == 1 and d.day <= 10):
            values[i] = 0.0
        if (d.year == first_year + 1 and d.month == 12 and d.day >= 27) or (d.year == first_year + 2 and d.month == 1 and d.day <= 3):
            values[i] = 5.0
    for h in holes:
        values[h] = np.nan
    pr = xr.DataArray(values, dims="time", coords={"time": dates},
                      attrs={"units": "mm/day", "standard_name": "precipitation_flux", "cell_methods": "time: mean"})
    # xclim's indicators (xclim.atmos), which apply its missing-value rule (missing="any":
    # a year with a missing day is NaN) around xclim.indices.
    res = {
        "cdd": atmos.maximum_consecutive_dry_days(pr=pr, thresh="1 mm/day", freq="YS"),
        "cwd": atmos.maximum_consecutive_wet_days(pr=pr, thresh="1 mm/day", freq="YS"),
        "wetdays_10": atmos.wetdays(pr=pr, thresh="10 mm/day", freq="YS"),
        "wetdays_1": atmos.wetdays(pr=pr, thresh="1 mm/day", freq="YS"),
        "rx1day": atmos.max_n_day_precipitation_amount(pr=pr, window=1, freq="YS"),
        "rx5day": atmos.max_n_day_precipitation_amount(pr=pr, window=5, freq="YS"),
    }
    years_out = [int(t.year) for t in res["cdd"].time.values]
    extremes = {"years": years_out}
    for k, a in res.items():
        extremes[k] = [float(x) for x in a.values]
    # Dekads by hand: group the days by (year, month, 1 + (day > 10) + (day > 20)).
    dek = {}
    for d, v in zip(dates, values):
        key = "%04d-%02d-%02d" % (d.year, d.month, 1 if d.day <= 10 else 11 if d.day <= 20 else 21)
        dek.setdefault(key, []).append(v)
    dekads = [[k, float(np.sum(vs)), len(vs)] for k, vs in sorted(dek.items())]
    labels = ["%04d-%02d-%02d" % (d.year, d.month, d.day) for d in dates]
    return {"name": name, "calendar": calendar, "dates": labels, "values": values, "extremes": extremes, "dekads": dekads}, dates, values


# ---------------------------------------------------------------- NetCDF files

def write_netcdf(name, units, calendar, times, values):
    nc = netCDF4.Dataset(os.path.join(HERE, name), "w", format="NETCDF4_CLASSIC")
    nc.Conventions = "CF-1.8"
    nc.createDimension("time", len(times))
    nc.createDimension("lat", 2)
    nc.createDimension("lon", 2)
    t = nc.createVariable("time", "f8", ("time",))
    t.units, t.calendar, t.standard_name = units, calendar, "time"
    lat = nc.createVariable("lat", "f8", ("lat",))
    lat.units, lat.standard_name = "degrees_north", "latitude"
    lat[:] = [20.25, 19.75]
    lon = nc.createVariable("lon", "f8", ("lon",))
    lon.units, lon.standard_name = "degrees_east", "longitude"
    lon[:] = [95.75, 96.25]
    t[:] = times
    var = nc.createVariable("precip", "f4", ("time", "lat", "lon"), fill_value=-9999.0)
    var.units = "mm"
    var[:] = np.repeat(np.repeat(np.where(np.isnan(values), -9999.0, values)[:, None, None], 2, 1), 2, 2).astype("f4")
    nc.close()


def main():
    batch_monthly = f32(monthly_rain(30, trend=1.5))
    # Batch: the monthly file's series, its answers for the manifest in the tests.
    t = np.arange(len(batch_monthly))
    annual = batch_monthly.reshape(30, 12).sum(axis=1)
    years = np.arange(1981, 2011)
    batch = {
        "values": batch_monthly,
        "annual_sum": annual,
        # Annual sums: float64 sums of the float32 values, as geotool's (not rounded again).
        "trend_annual_1981_2010": trend_case("annual", years, annual, as_float32=False),
        "seasonal_trend_1991_2010": seasonal_case("seasonal", 1991, 1, batch_monthly[120:]),
        "spi_baseline_1981_2010": {str(s): spi_values(batch_monthly, 1981, 1, (1981, 2010), s) for s in (1, 3, 6, 12)},
        "zscore_baseline_1981_2010": zscore_case("batch", 1981, batch_monthly, (1981, 2010))["z"],
        "seasons": season_case("batch", 1981, batch_monthly, {"monsoon": (6, 10), "dry": (11, 4)})["seasons"],
    }
    mid = [cftime.DatetimeGregorian(1981 + i // 12, i % 12 + 1, 15) for i in t]
    write_netcdf("monthly_rain.nc", "days since 1900-01-01", "standard", cftime.date2num(mid, "days since 1900-01-01", "standard"), batch_monthly)

    daily = []
    for cal, first in (("standard", 2003), ("noleap", 2001), ("360_day", 2001)):
        case, dates, values = daily_case("daily_" + cal, cal, first, 3)
        daily.append(case)
        write_netcdf("daily_%s.nc" % cal, "days since 2000-01-01 00:00:00", cal, cftime.date2num(list(dates), "days since 2000-01-01 00:00:00", cal), values)
    holes, _, _ = daily_case("daily_holes", "noleap", 2001, 3, holes=(400, 410))

    expected = {
        "generator": "make_fixtures.py",
        "versions": {"numpy": np.__version__, "scipy": scipy.__version__, "pymannkendall": mk.__version__,
                     "climate_indices": __import__("importlib.metadata").metadata.version("climate-indices"),
                     "xclim": __import__("xclim").__version__, "xarray": xr.__version__, "pandas": pd.__version__},
        "trend": trends(),
        "seasonal": seasonals(),
        "spi": spis(batch_monthly),
        "zscore": [zscore_case("rain_30y", 1981, batch_monthly, (1981, 2010)),
                   zscore_case("rain_30y_baseline_1991_2000", 1981, batch_monthly, (1991, 2000))],
        "seasons": [season_case("rain_30y", 1981, batch_monthly, {"monsoon": (6, 10), "dry": (11, 4), "cool": (12, 2), "july": (7, 7)})],
        "daily": daily,
        "daily_holes": holes,
        "batch_monthly": batch,
    }
    with open(os.path.join(HERE, "expected.json"), "w") as f:
        json.dump(clean(expected), f, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()
