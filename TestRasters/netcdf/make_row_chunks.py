#!/usr/bin/env python3
"""netCDF-4 cubes of one-row chunks, for the raw-chunk reader (NetCDFRowChunksTests).

    python3 TestRasters/netcdf/make_row_chunks.py      (needs netCDF4 and numpy)

Each file holds one variable `v(time, lat, lon)` of STEPS x 9 x 13 cells of 0.01 degree
(west 95.0, north 21.0 when lat runs north to south), DEFLATE level 1, whose value at step
k, row r, column c (r counted from the north) is a pseudo-random number drawn below, with
some cells the _FillValue. The tests read every file through GDAL (the oracle) and through
the raw chunks, and compare the bytes; nothing here is an expected answer.

  rows_f32_shuffle.nc   float32, chunks (1, 1, 13), shuffle, NaN cells too
  rows_f64_shuffle.nc   float64, chunks (1, 1, 13), shuffle
  rows_i16_asc.nc       int16, chunks (1, 1, 5) (the last one partial), no shuffle, lat stored
                        south to north (GDAL shows it flipped)
  rows_u8_shuffle.nc    uint8, chunks (1, 1, 13), shuffle
  rows_u16.nc           uint16, chunks (1, 1, 13), no shuffle
  rows_i32_shuffle.nc   int32, chunks (1, 1, 7), shuffle, lat south to north
  rows_sparse.nc        float32, chunks (1, 1, 13), shuffle, step 1 never written (fill)
  steps2.nc             float32, chunks (2, 1, 13), shuffle: chunks span two steps (GDAL reads it)
  nofilter.nc           float32, chunks (1, 1, 13), not compressed (GDAL reads it)
  rows_cube.nc          float32, 16 steps x 24 x 30, chunks (1, 1, 30), shuffle: values in
                        tenths, for a zonal run whose row band is cut between workers
  rows_degc.nc          float32, chunks (1, 1, 13), shuffle, units degrees_Celsius: a variable
                        in degrees that is not a longitude (read raw)
"""
import os

import netCDF4
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROWS, COLS, RES = 9, 13, 0.01


def make(name, dtype, fill, chunks, steps=4, shuffle=True, zlib=True, ascending=False, skip=(), nan=False, seed=1,
         rows=ROWS, cols=COLS, tenths=False, units=None):
    rng = np.random.default_rng(seed)
    info = np.iinfo(dtype) if np.issubdtype(dtype, np.integer) else None
    path = os.path.join(HERE, name)
    with netCDF4.Dataset(path, "w", format="NETCDF4") as nc:
        nc.createDimension("time", steps)
        nc.createDimension("lat", rows)
        nc.createDimension("lon", cols)
        t = nc.createVariable("time", "f8", ("time",))
        t.units, t.calendar, t.standard_name = "days since 2024-06-01", "standard", "time"
        t[:] = np.arange(steps)
        north = 21.0 - RES * (np.arange(rows) + 0.5)
        lat = nc.createVariable("lat", "f8", ("lat",))
        lat.units, lat.standard_name = "degrees_north", "latitude"
        lat[:] = north[::-1] if ascending else north
        lon = nc.createVariable("lon", "f8", ("lon",))
        lon.units, lon.standard_name = "degrees_east", "longitude"
        lon[:] = 95.0 + RES * (np.arange(cols) + 0.5)
        v = nc.createVariable("v", dtype, ("time", "lat", "lon"), zlib=zlib, complevel=1, shuffle=shuffle,
                              chunksizes=chunks, fill_value=fill)
        if units:
            v.units = units
        for k in range(steps):
            if info is not None:
                a = rng.integers(max(info.min, -30000), min(info.max, 30000), size=(rows, cols), endpoint=True).astype(dtype)
            else:
                a = ((rng.random((rows, cols)) - 0.3) * 10.0 ** rng.integers(-3, 6, size=(rows, cols))).astype(dtype)
                if tenths:
                    a = np.add.outer(np.arange(rows) * 0.7, np.arange(cols) * 0.3) + k + rng.integers(0, 3, (rows, cols)) * 0.1
                    a = np.round(a, 1).astype(dtype)
                if nan:
                    a[rng.random((rows, cols)) < 0.05] = np.nan
            a[rng.random((rows, cols)) < 0.15] = fill
            if k not in skip:
                v[k] = a[::-1] if ascending else a


def main():
    make("rows_f32_shuffle.nc", "f4", -9999.0, (1, 1, COLS), nan=True, seed=1)
    make("rows_f64_shuffle.nc", "f8", -9999.0, (1, 1, COLS), steps=3, seed=2)
    make("rows_i16_asc.nc", "i2", -32768, (1, 1, 5), shuffle=False, ascending=True, seed=3)
    make("rows_u8_shuffle.nc", "u1", 255, (1, 1, COLS), seed=4)
    make("rows_u16.nc", "u2", 65535, (1, 1, COLS), shuffle=False, seed=5)
    make("rows_i32_shuffle.nc", "i4", -2147483647, (1, 1, 7), ascending=True, seed=6)
    make("rows_sparse.nc", "f4", -9999.0, (1, 1, COLS), skip=(1,), seed=7)
    make("steps2.nc", "f4", -9999.0, (2, 1, COLS), seed=8)
    make("nofilter.nc", "f4", -9999.0, (1, 1, COLS), zlib=False, shuffle=False, seed=9)
    make("rows_cube.nc", "f4", -9999.0, (1, 1, 30), steps=16, rows=24, cols=30, tenths=True, seed=10)
    make("rows_degc.nc", "f4", -9999.0, (1, 1, COLS), seed=11, units="degrees_Celsius")


if __name__ == "__main__":
    main()
