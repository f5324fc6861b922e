#!/usr/bin/env python3
"""The daily cube of Benchmarks/cube_bench.py: 90 daily bands on a 1 km grid over Myanmar.

  python3 Benchmarks/make_cube.py [--out bench-data/cube] [--days 90] [--seed 13]

Writes three copies of the same float32 values (EPSG:4326, 0.009 deg cells, 1056 x 2139,
nodata -9999 in a sea corner):
  cube.tif       tiled GeoTIFF 256 x 256, DEFLATE, band-interleaved (one band a day)
  cube.nc        NetCDF-4, variable precip(time, lat, lon), chunks (10, 256, 256), zlib
  cube_rows.nc   NetCDF-4, chunks (1, 1, full width): one-row chunks, the layout that made
                 exactextract 100x slower in its NClimGrid case study
Values: a smooth seasonal field plus a smooth daily anomaly (rain-like: dry days are 0),
rounded to 0.1 mm so DEFLATE sees what real products give it. Seeded: the same files on
every machine. Needs numpy, rasterio, netCDF4.
"""
import argparse
import os

import numpy as np
import rasterio
import rasterio.crs
from rasterio.transform import from_origin
import netCDF4

X0, Y0, RES = 92.0, 28.75, 0.009
WIDTH, HEIGHT = 1056, 2139
NODATA = -9999.0


def interp_matrix(n_out, n_in):
    """Linear interpolation from n_in knots to n_out samples, as a matrix (separable upsampling)."""
    pos = np.linspace(0, n_in - 1, n_out)
    i0 = np.clip(np.floor(pos).astype(int), 0, n_in - 2)
    f = pos - i0
    m = np.zeros((n_out, n_in), dtype=np.float32)
    m[np.arange(n_out), i0] = 1 - f
    m[np.arange(n_out), i0 + 1] = f
    return m


def smooth(rng, knots_y, knots_x, ry, rx):
    return ry @ rng.standard_normal((knots_y, knots_x)).astype(np.float32) @ rx.T


def make_days(days, seed):
    rng = np.random.default_rng(seed)
    ry, rx = interp_matrix(HEIGHT, 40), interp_matrix(WIDTH, 20)
    fy, fx = interp_matrix(HEIGHT, 160), interp_matrix(WIDTH, 80)
    climate = 8 + 4 * smooth(rng, 40, 20, ry, rx)
    # The Andaman sea corner (south-west) is nodata, as in a land-masked product.
    yy, xx = np.mgrid[0:HEIGHT, 0:WIDTH]
    sea = (yy > HEIGHT * 0.55) & (xx < (yy - HEIGHT * 0.55) * 0.45)
    for d in range(days):
        season = 1 + 0.8 * np.sin(2 * np.pi * (d + 120) / 365)
        v = climate * season + 6 * smooth(rng, 40, 20, ry, rx) + 2 * smooth(rng, 160, 80, fy, fx)
        v = np.round(np.maximum(v, 0), 1).astype(np.float32)
        v[sea] = NODATA
        yield d, v


def write_netcdf(path, days, seed, chunks):
    with netCDF4.Dataset(path, "w", format="NETCDF4") as nc:
        nc.createDimension("time", days)
        nc.createDimension("lat", HEIGHT)
        nc.createDimension("lon", WIDTH)
        t = nc.createVariable("time", "f8", ("time",))
        t.units, t.calendar, t.standard_name = "days since 2024-06-01", "standard", "time"
        t[:] = np.arange(days)
        lat = nc.createVariable("lat", "f8", ("lat",))
        lat.units, lat.standard_name = "degrees_north", "latitude"
        lat[:] = Y0 - RES * (np.arange(HEIGHT) + 0.5)
        lon = nc.createVariable("lon", "f8", ("lon",))
        lon.units, lon.standard_name = "degrees_east", "longitude"
        lon[:] = X0 + RES * (np.arange(WIDTH) + 0.5)
        crs = nc.createVariable("crs", "i4")
        wkt = rasterio.crs.CRS.from_epsg(4326).to_wkt()
        crs.grid_mapping_name, crs.spatial_ref, crs.crs_wkt = "latitude_longitude", wkt, wkt
        crs.semi_major_axis, crs.inverse_flattening = 6378137.0, 298.257223563
        p = nc.createVariable("precip", "f4", ("time", "lat", "lon"), zlib=True, complevel=1,
                              chunksizes=chunks, fill_value=NODATA)
        p.units, p.grid_mapping = "mm/day", "crs"
        # Bigger than any one write, so chunks of several days are compressed once, whole.
        p.set_var_chunk_cache(size=1 << 30, nelems=100003, preemption=1.0)
        step = chunks[0]
        buf = []
        for d, v in make_days(days, seed):
            buf.append(v)
            if len(buf) == step or d == days - 1:
                p[d - len(buf) + 1:d + 1] = np.stack(buf)
                buf = []


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                                 "bench-data", "cube"))
    ap.add_argument("--days", type=int, default=90)
    ap.add_argument("--seed", type=int, default=13)
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)

    tif = os.path.join(a.out, "cube.tif")
    profile = dict(driver="GTiff", width=WIDTH, height=HEIGHT, count=a.days, dtype="float32",
                   crs="EPSG:4326", transform=from_origin(X0, Y0, RES, RES), nodata=NODATA,
                   tiled=True, blockxsize=256, blockysize=256, compress="DEFLATE", predictor=3,
                   interleave="band", BIGTIFF="IF_SAFER")
    with rasterio.open(tif + ".tmp", "w", **profile) as dst:
        for d, v in make_days(a.days, a.seed):
            dst.write(v, d + 1)
    os.replace(tif + ".tmp", tif)
    print("wrote", tif)

    for name, chunks in (("cube.nc", (10, 256, 256)), ("cube_rows.nc", (1, 1, WIDTH))):
        path = os.path.join(a.out, name)
        write_netcdf(path + ".tmp", a.days, a.seed, chunks)
        os.replace(path + ".tmp", path)
        print("wrote", path)


if __name__ == "__main__":
    main()
