"""GeoKit from Python: zonal statistics in process over numpy, xarray, rasterio and geopandas inputs.

    import geokit
    df = geokit.zonal_stats("rain.tif", "townships.json", stats=["mean", "sum"], id_field="TS_PCODE")

See docs/python.md.
"""
from ._lib import library_path
from .errors import (ArgumentError, CancelledError, CRSError, GeoKitError, GeoKitIOError, InputError,
                     InternalError)
from .join import join
from .zonal import PreparedZones, prepare_zones, zonal_stats

__all__ = ["zonal_stats", "join", "prepare_zones", "PreparedZones", "library_path", "GeoKitError", "InputError", "CRSError", "ArgumentError",
           "GeoKitIOError", "CancelledError", "InternalError"]
