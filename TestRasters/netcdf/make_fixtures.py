#!/usr/bin/env python3
"""Small CF NetCDF fixtures for the time-coordinate tests, and their dates from cftime.

    python3 TestRasters/netcdf/make_fixtures.py      (needs netCDF4, cftime, numpy, xarray, zarr)

Each file holds variables on a 5 x 4 grid of 0.5 degree cells (west 95.0, north 21.0) whose
value in band k (0-based), row r, column c is  100 * k + 10 * r + c  (tmax: that plus 0.5).
The .zarr stores (Zarr v2, the version GDAL 3.6 reads, written by xarray) hold the same
grid and values, with the time coordinate's units and calendar as attributes.
expected_dates.csv lists file, band and the date geotool must write, computed with cftime
(num2date) and the rule: monthly series by month (YYYY-MM), daily data by day (YYYY-MM-DD).
"""
import csv
import datetime
import os
import shutil

import cftime
import netCDF4
import numpy as np
import xarray as xr

HERE = os.path.dirname(os.path.abspath(__file__))


def make(name, units, calendar, values, variables=("precip",)):
    path = os.path.join(HERE, name)
    nc = netCDF4.Dataset(path, "w", format="NETCDF4_CLASSIC")
    nc.Conventions = "CF-1.8"
    nc.createDimension("time", None)
    nc.createDimension("lat", 4)
    nc.createDimension("lon", 5)
    t = nc.createVariable("time", "f8", ("time",))
    t.units, t.calendar, t.standard_name = units, calendar, "time"
    lat = nc.createVariable("lat", "f8", ("lat",))
    lat.units, lat.standard_name = "degrees_north", "latitude"
    lat[:] = [20.75, 20.25, 19.75, 19.25]
    lon = nc.createVariable("lon", "f8", ("lon",))
    lon.units, lon.standard_name = "degrees_east", "longitude"
    lon[:] = [95.25, 95.75, 96.25, 96.75, 97.25]
    t[:] = values
    k, r, c = np.meshgrid(np.arange(len(values)), np.arange(4), np.arange(5), indexing="ij")
    base = (100 * k + 10 * r + c).astype("f4")
    for v in variables:
        var = nc.createVariable(v, "f4", ("time", "lat", "lon"), fill_value=-9999.0)
        var.units = "mm" if v == "precip" else "degC"
        var[:] = base + (0.5 if v == "tmax" else 0)
    nc.close()
    return name


def make_zarr(name, units, calendar, values, variables=("precip",), south_up=False):
    """The same grid and values as make(), as a Zarr v2 store; time stays numbers with CF
    attributes (xarray writes them as given, not re-encoded). south_up stores the rows
    south to north with ascending latitudes (as much xarray output is): the same map."""
    k, r, c = np.meshgrid(np.arange(len(values)), np.arange(4), np.arange(5), indexing="ij")
    base = (100 * k + 10 * r + c).astype("f4")
    lats = [20.75, 20.25, 19.75, 19.25]
    if south_up:
        base, lats = base[:, ::-1, :], lats[::-1]
    data = {}
    for v in variables:
        a = xr.DataArray(base + (0.5 if v == "tmax" else 0), dims=("time", "lat", "lon"))
        a.attrs["units"] = "mm" if v == "precip" else "degC"
        data[v] = a
    ds = xr.Dataset(data, coords={
        "time": ("time", np.asarray(values, dtype="f8"), {"units": units, "calendar": calendar, "standard_name": "time"}),
        "lat": ("lat", lats, {"units": "degrees_north"}),
        "lon": ("lon", [95.25, 95.75, 96.25, 96.75, 97.25], {"units": "degrees_east"})})
    path = os.path.join(HERE, name)
    if os.path.isdir(path):
        shutil.rmtree(path)
    ds.to_zarr(path, zarr_format=2, consolidated=False, mode="w")
    return name


def label(dates, monthly):
    return [("%04d-%02d" % (d.year, d.month)) if monthly else ("%04d-%02d-%02d" % (d.year, d.month, d.day)) for d in dates]


def write_dates(name, rows):
    """(file, band, date) rows as the CSV the tests read beside the fixtures."""
    with open(os.path.join(HERE, name), "w", newline="") as out:
        w = csv.writer(out, lineterminator="\n")
        w.writerow(["file", "band", "date"])
        w.writerows(rows)


def main():
    rows = []
    # Monthly, standard calendar: the 15th of each month of 2001, in days since 1980-01-01.
    units = "days since 1980-01-01"
    mid = [cftime.DatetimeGregorian(2001, m, 15) for m in range(1, 13)]
    vals = cftime.date2num(mid, units, "standard")
    f = make("monthly_standard.nc", units, "standard", vals, ("precip", "tmax"))
    rows += [(f, i + 1, d) for i, d in enumerate(label(cftime.num2date(vals, units, "standard"), True))]
    # Daily, noleap, in hours since 2000-01-01: 2000-02-24 .. 2000-03-05 (2000 is a leap year, but
    # not in this calendar: no 29 February).
    units = "hours since 2000-01-01 00:00:00"
    days = [cftime.DatetimeNoLeap(2000, 2, 24) + datetime.timedelta(days=i) for i in range(10)]
    vals = cftime.date2num(days, units, "noleap")
    f = make("daily_noleap.nc", units, "noleap", vals)
    rows += [(f, i + 1, d) for i, d in enumerate(label(cftime.num2date(vals, units, "noleap"), False))]
    # Daily, 360-day calendar: day 28 .. 33 since 2000-01-01 crosses into a 30-day February.
    units = "days since 2000-01-01"
    vals = np.arange(28, 34, dtype="f8")
    f = make("daily_360.nc", units, "360_day", vals)
    rows += [(f, i + 1, d) for i, d in enumerate(label(cftime.num2date(vals, units, "360_day"), False))]
    # A calendar GeoKit refuses to date.
    make("julian.nc", "days since 1900-01-01", "julian", np.arange(3, dtype="f8"))
    # Zarr stores: daily noleap (two variables), 360-day, monthly proleptic Gregorian in
    # hours since a date with a time of day, and the refused julian calendar.
    units = "days since 2000-01-01"
    vals = cftime.date2num([cftime.DatetimeNoLeap(2000, 2, 24) + datetime.timedelta(days=i) for i in range(8)], units, "noleap")
    f = make_zarr("daily_noleap.zarr", units, "noleap", vals, ("precip", "tmax"))
    rows += [(f, i + 1, d) for i, d in enumerate(label(cftime.num2date(vals, units, "noleap"), False))]
    vals = np.arange(57, 63, dtype="f8")
    f = make_zarr("daily_360.zarr", units, "360_day", vals)
    rows += [(f, i + 1, d) for i, d in enumerate(label(cftime.num2date(vals, units, "360_day"), False))]
    units = "hours since 1850-01-01 06:00:00"
    mid = [cftime.DatetimeProlepticGregorian(1582, m, 16) for m in range(9, 13)]
    vals = cftime.date2num(mid, units, "proleptic_gregorian")
    f = make_zarr("monthly_proleptic.zarr", units, "proleptic_gregorian", vals)
    rows += [(f, i + 1, d) for i, d in enumerate(label(cftime.num2date(vals, units, "proleptic_gregorian"), True))]
    units = "days since 2020-12-30"
    vals = np.arange(0, 3, dtype="f8")
    f = make_zarr("south_up.zarr", units, "standard", vals, south_up=True)
    rows += [(f, i + 1, d) for i, d in enumerate(label(cftime.num2date(vals, units, "standard"), False))]
    make_zarr("julian.zarr", "days since 1900-01-01", "julian", np.arange(3, dtype="f8"))
    write_dates("expected_dates.csv", rows)


if __name__ == "__main__":
    main()
