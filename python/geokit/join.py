"""geokit.join: points located in zones (geotool join) in process, through libGeoKitC."""
import ctypes
import os

import numpy as np
import pandas as pd

from .errors import ArgumentError
from .zonal import _b, _crs_text, _Job


def _coordinates(points, x, y, crs):
    """x and y arrays (NaN where missing or not a point) and the points' CRS."""
    if hasattr(points, "geometry") and x is None and y is None:
        import shapely
        geoms = np.asarray(points.geometry.values, dtype=object)
        is_point = np.array([g is not None and not g.is_empty and g.geom_type == "Point" for g in geoms], dtype=bool)
        xs = np.full(len(geoms), np.nan)
        ys = np.full(len(geoms), np.nan)
        if is_point.any():
            xs[is_point] = shapely.get_x(geoms[is_point])
            ys[is_point] = shapely.get_y(geoms[is_point])
        return xs, ys, crs if crs is not None else points.crs
    if x is None or y is None:
        raise ArgumentError("points: a GeoDataFrame, or a DataFrame with x= and y= naming its coordinate columns")
    xs = pd.to_numeric(points[x], errors="coerce").to_numpy(float)
    ys = pd.to_numeric(points[y], errors="coerce").to_numpy(float)
    return xs, ys, crs


def join(points, zones, id_field, *, include=(), layer=None, nearest=0.0, border_tolerance=0.2, x=None, y=None,
         crs=None, point_id=None, threads=0):
    """Locate each point in the zones, as ``geotool join`` does (docs/join.md).

    points: a GeoDataFrame of points (any CRS), or a DataFrame with coordinate columns named
        by ``x=`` and ``y=`` in ``crs`` (default EPSG:4326).
    zones: a path to a vector file; ``id_field`` its id (P-code) field, ``include`` more fields.
    nearest: metres within which a point outside every zone takes the nearest one (0: none).
    border_tolerance: metres within which a point counts as on a zone (0.2 by default).
    point_id: a column of the points with their own ids (repeated ones are flagged duplicate_id).

    Returns a copy of ``points`` with the columns the join adds: the zone's id (and
    ``include`` fields), ``match`` (inside, border, nearest, outside, missing_coords...),
    ``distance_m``, ``swapped_<id>`` and ``flags``; a name the points already have gets the
    prefix ``found_`` (zone fields) or ``join_`` (the others). Coordinates that are not
    numbers are missing (match ``missing_coords``).
    """
    if not isinstance(zones, (str, os.PathLike)):
        raise ArgumentError("join: zones must be a path to a vector file (GeoDataFrame zones are not supported yet)")
    xs, ys, crs = _coordinates(points, x, y, crs)
    xs = np.ascontiguousarray(xs, dtype=np.float64)
    ys = np.ascontiguousarray(ys, dtype=np.float64)
    n = len(xs)
    job = _Job()
    try:
        ids_c = None
        if point_id is not None:
            enc = [str(v).encode() for v in points[point_id]]
            ids_c = (ctypes.c_char_p * n)(*enc)
            job.keep.append(enc)
        job.lib.geokit_job_set_threads(job.handle, int(threads))
        dp = ctypes.POINTER(ctypes.c_double)
        job.check(job.lib.geokit_job_join(
            job.handle, _b(zones), _b(layer), _b(id_field), _b(",".join(include)) if include else None, n,
            xs.ctypes.data_as(dp), ys.ctypes.data_as(dp), _b(_crs_text(crs)), float(nearest), float(border_tolerance),
            ids_c))
        out = points.copy()
        taken = {str(c).lower() for c in out.columns}
        zone_fields = 1 + len(include)
        for i in range(job.lib.geokit_join_columns(job.handle)):
            name = job.lib.geokit_join_column_name(job.handle, i).decode()
            # A name the points already have is prefixed, as geotool join does: found_ for the
            # zone's fields, join_ for the others.
            while name.lower() in taken:
                name = ("found_" if i < zone_fields else "join_") + name
            taken.add(name.lower())
            size = ctypes.c_int64()
            buf = job.lib.geokit_join_column_text(job.handle, i, ctypes.byref(size))
            values = ctypes.string_at(buf, size.value).decode().split("\x00")[:-1] if n else []
            if name.endswith("distance_m"):
                out[name] = pd.to_numeric(pd.Series(values, index=out.index).replace("", np.nan))
            else:
                out[name] = pd.Series(values, index=out.index, dtype=object).replace("", None)
        return out
    finally:
        job.close()
