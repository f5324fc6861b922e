#!/usr/bin/env python3
"""CF files on longitude/latitude coordinates without grid_mapping, as xarray writes them.

    python3 TestRasters/netcdf/make_cf_lonlat.py      (needs xarray, netCDF4, numpy, zarr<3)

xarray writes no grid_mapping variable unless asked (rioxarray's write_crs adds one), so GDAL
finds no CRS in such a file, while CF says its coordinates are longitude and latitude (by
their units, degrees_east / degrees_north, or their standard_name). Both files hold one
variable `precip` (time, lat, lon) on a 6 x 4 grid of 0.25-degree cells, west 96.0, north
17.0, latitudes stored south to north (as xarray output usually is), two daily time steps.
The value of step k (0-based), row r counted from the north, column c is 100 k + 10 r + c.

  cf_lonlat.nc          NetCDF-4 by xarray's to_netcdf: lat/lon with units only
  cf_lonlat_stdname.nc  the same with standard_name only (latitude, longitude)
  cf_lonlat.zarr        Zarr v2 (the version GDAL 3.6 reads): lat/lon with units and
                        standard_name (GDAL's Zarr driver consumes standard_name, so the
                        units name the axes there)

The answers (cell areas on WGS 84) are computed in the tests from the ellipsoid's formula.
"""
import os
import shutil

import numpy as np
import xarray as xr

HERE = os.path.dirname(os.path.abspath(__file__))
LON = 96.125 + 0.25 * np.arange(6)
LAT_NORTH_DOWN = 16.875 - 0.25 * np.arange(4)


def dataset(lat_attrs, lon_attrs):
    k, r, c = np.meshgrid(np.arange(2), np.arange(4), np.arange(6), indexing="ij")
    north_up = (100 * k + 10 * r + c).astype("f4")
    # Stored south to north: rows and latitudes reversed together (the same map).
    precip = xr.DataArray(north_up[:, ::-1, :], dims=("time", "lat", "lon"), attrs={"units": "mm"})
    return xr.Dataset({"precip": precip}, coords={
        "time": ("time", np.array(["2020-01-01", "2020-01-02"], dtype="datetime64[ns]")),
        "lat": ("lat", LAT_NORTH_DOWN[::-1], lat_attrs),
        "lon": ("lon", LON, lon_attrs)})


def main():
    dataset({"units": "degrees_north"}, {"units": "degrees_east"}).to_netcdf(os.path.join(HERE, "cf_lonlat.nc"))
    dataset({"standard_name": "latitude"}, {"standard_name": "longitude"}).to_netcdf(os.path.join(HERE, "cf_lonlat_stdname.nc"))
    zarr = os.path.join(HERE, "cf_lonlat.zarr")
    if os.path.isdir(zarr):
        shutil.rmtree(zarr)
    dataset({"units": "degrees_north", "standard_name": "latitude"}, {"units": "degrees_east", "standard_name": "longitude"}) \
        .to_zarr(zarr, zarr_format=2, consolidated=False, mode="w")


if __name__ == "__main__":
    main()
