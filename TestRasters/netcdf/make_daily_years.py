#!/usr/bin/env python3
"""Daily NetCDF fixtures a full calendar year long, for `geotool batch`'s annual sums of a
daily series, and their dates from cftime.

    python3 TestRasters/netcdf/make_daily_years.py      (needs netCDF4, cftime, numpy)

Same grid and formula as make_fixtures.py (band k, row r, column c holds 100k + 10r + c):
daily_360_year.nc holds 370 days from 2001-01-01 in the 360_day calendar (2001 complete,
2002 not); daily_leap_year.nc 371 days from 2004-01-01 in the standard calendar (2004, a
leap year of 366 days, complete; 2005 not). daily_years_dates.csv lists file, band, date.
"""
import datetime

import cftime
import numpy as np

from make_fixtures import label, make, write_dates


def main():
    rows = []
    units = "days since 2001-01-01"
    vals = np.arange(0, 370, dtype="f8")
    f = make("daily_360_year.nc", units, "360_day", vals)
    rows += [(f, i + 1, d) for i, d in enumerate(label(cftime.num2date(vals, units, "360_day"), False))]
    units = "hours since 2004-01-01 00:00:00"
    days = [cftime.DatetimeGregorian(2004, 1, 1) + datetime.timedelta(days=i) for i in range(371)]
    vals = cftime.date2num(days, units, "standard")
    f = make("daily_leap_year.nc", units, "standard", vals)
    rows += [(f, i + 1, d) for i, d in enumerate(label(cftime.num2date(vals, units, "standard"), False))]
    write_dates("daily_years_dates.csv", rows)


if __name__ == "__main__":
    main()
