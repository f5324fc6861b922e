"""Fixtures for the geokit package's tests: the repository's test data and small generated arrays."""
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[2]
RASTER = REPO / "TestRasters" / "mimu" / "rainfall_dekad.tif"     # Int16, nodata -9999, EPSG:4326
ZONES = REPO / "TestRasters" / "mimu" / "townships_clean.geojson"  # 328 townships, CRS84
ID = "TS_PCODE"


@pytest.fixture(scope="session")
def townships():
    import geopandas as gpd
    return gpd.read_file(ZONES)


@pytest.fixture(scope="session")
def cube(townships):
    """A (time, lat, lon) float32 DataArray over the townships: 4 daily steps, some NaN, lat descending."""
    import pandas as pd
    import xarray as xr
    minx, miny, maxx, maxy = townships.total_bounds
    nx, ny, nt = 70, 90, 4
    dx, dy = (maxx - minx + 0.2) / nx, (maxy - miny + 0.2) / ny
    xs = minx - 0.1 + dx * (np.arange(nx) + 0.5)
    ys = maxy + 0.1 - dy * (np.arange(ny) + 0.5)
    rng = np.random.default_rng(26)
    values = (rng.random((nt, ny, nx)) * 100).astype("float32")
    values[1, 10:30, 10:40] = np.nan
    da = xr.DataArray(values, dims=("time", "lat", "lon"), name="rain",
                      coords={"time": pd.date_range("2024-07-01", periods=nt), "lat": ys, "lon": xs})
    return da
