"""geokit.zonal_stats: GeoKit's zonal engine in process, through libGeoKitC (include/geokit.h)."""
import ctypes
import json
import mmap
import os
import signal
import threading

import numpy as np
import pandas as pd

from . import _lib
from .errors import BY_CODE, ArgumentError, GeoKitError

# numpy dtypes the engine reads as they are (geokit.h's GEOKIT_* codes); others become float64.
_DTYPES = {np.dtype(np.uint8): 0, np.dtype(np.int8): 1, np.dtype(np.uint16): 2, np.dtype(np.int16): 3,
           np.dtype(np.uint32): 4, np.dtype(np.int32): 5, np.dtype(np.float32): 6, np.dtype(np.float64): 7}

_X_NAMES = ("x", "lon", "longitude", "easting")
_Y_NAMES = ("y", "lat", "latitude", "northing")


class _Job:
    """One geokit_job: its handle, and the arrays and strings it reads (kept alive with it)."""

    def __init__(self):
        self.lib = _lib.lib()
        self.handle = self.lib.geokit_job_new()
        self.keep = []

    def close(self):
        if self.handle:
            self.lib.geokit_job_free(self.handle)
            self.handle = None

    def check(self, rc):
        if rc != 0:
            raise self.error()

    def error(self):
        kind = self.lib.geokit_job_error_kind(self.handle)
        message = (self.lib.geokit_job_error_message(self.handle) or b"unknown error").decode()
        file = self.lib.geokit_job_error_file(self.handle)
        return BY_CODE.get(kind, GeoKitError)(message, file.decode() if file else None)


def _b(s):
    return None if s is None else os.fsencode(s) if isinstance(s, os.PathLike) else str(s).encode()


# ---------------------------------------------------------------- rasters


def _affine_to_gdal(transform):
    """A rasterio/affine Affine or an (a, b, c, d, e, f) affine 6-tuple -> GDAL's geotransform."""
    if hasattr(transform, "to_gdal"):
        return tuple(float(v) for v in transform.to_gdal())
    t = tuple(float(v) for v in transform)
    if len(t) not in (6, 9):
        raise ArgumentError(f"transform: expected an Affine or an affine 6-tuple (a, b, c, d, e, f), got {len(t)} numbers")
    a, b, c, d, e, f = t[:6]
    return (c, a, b, f, d, e)


def _north_up(values, gt):
    """Flip a south-up array (positive pixel height, as xarray's ascending latitudes give) to north-up."""
    if gt[5] > 0:
        rows = values.shape[-2]
        values = values[..., ::-1, :]
        gt = (gt[0], gt[1], gt[2], gt[3] + gt[5] * rows, gt[4], -gt[5])
    return values, gt


def _crs_text(crs):
    if crs is None:
        return None
    if hasattr(crs, "to_wkt"):
        return crs.to_wkt()
    return str(crs)


def _add_array(job, name, values, transform, crs, nodata, labels=None):
    values = np.asarray(values)
    if values.ndim == 2:
        values = values[np.newaxis]
    if values.ndim != 3:
        raise ArgumentError(f"{name}: expected an array of 2 dimensions (rows, cols) or 3 (bands, rows, cols), got {values.ndim}")
    if transform is None:
        raise ArgumentError(f"{name}: a numpy array needs transform= (an Affine or an affine 6-tuple)")
    gt = _affine_to_gdal(transform)
    values, gt = _north_up(values, gt)
    if values.dtype == np.bool_:
        values = values.astype(np.uint8)
    if values.dtype not in _DTYPES:
        values = values.astype(np.float64)
    values = np.ascontiguousarray(values)
    job.keep.append(values)
    gt_c = (ctypes.c_double * 6)(*gt)
    label_c = None
    if labels is not None:
        enc = [str(l).encode() for l in labels]
        job.keep.append(enc)
        label_c = (ctypes.c_char_p * len(enc))(*enc)
        job.keep.append(label_c)
    b, r, c = values.shape
    job.check(job.lib.geokit_job_add_raster_array(
        job.handle, _b(name), values.ctypes.data_as(ctypes.c_void_p), _DTYPES[values.dtype], b, r, c, gt_c,
        _b(_crs_text(crs)), 0 if nodata is None else 1, float("nan") if nodata is None else float(nodata), label_c))


def _spatial_dims(da):
    rio = _rio(da)
    if rio is not None:
        try:
            return rio.y_dim, rio.x_dim
        except Exception:
            pass
    y = next((d for d in da.dims if str(d).lower() in _Y_NAMES), None)
    x = next((d for d in da.dims if str(d).lower() in _X_NAMES), None)
    if x is None or y is None:
        raise ArgumentError(f"DataArray {da.name!r}: no x/y dimensions among {list(da.dims)} (expected x/y or lon/lat)")
    return y, x


def _rio(da):
    try:
        return da.rio  # rioxarray's accessor, when rioxarray is installed
    except AttributeError:
        return None


def _dataarray_crs(da, x_dim):
    """The CRS of a DataArray: rioxarray's, a grid_mapping/spatial_ref variable's, or WGS 84
    for CF longitude/latitude coordinates (as geotool assumes for NetCDF)."""
    rio = _rio(da)
    if rio is not None and getattr(rio, "crs", None) is not None:
        return rio.crs.to_wkt()
    names = [da.attrs.get("grid_mapping"), da.encoding.get("grid_mapping"), "spatial_ref", "crs"]
    for n in names:
        if n and n in da.coords:
            attrs = da.coords[n].attrs
            for key in ("crs_wkt", "spatial_ref"):
                if attrs.get(key):
                    return attrs[key]
    if str(x_dim).lower() in ("lon", "longitude"):
        return "EPSG:4326"
    return None


def _dataarray_grid(da, y_dim, x_dim):
    xs = np.asarray(da[x_dim].values, dtype=float)
    ys = np.asarray(da[y_dim].values, dtype=float)
    if len(xs) < 2 or len(ys) < 2:
        raise ArgumentError(f"DataArray {da.name!r}: at least 2 x and 2 y coordinates are needed to know the cell size")
    dx, dy = (xs[-1] - xs[0]) / (len(xs) - 1), (ys[-1] - ys[0]) / (len(ys) - 1)
    # GDAL order: left edge, dx, 0, first row's edge, 0, dy (negative for north-up).
    return (xs[0] - dx / 2, dx, 0.0, ys[0] - dy / 2, 0.0, dy)


def _time_labels(coord):
    vals = coord.values
    if np.issubdtype(vals.dtype, np.datetime64):
        return [str(v) for v in np.datetime_as_string(vals, unit="auto")]
    return [str(v) for v in vals]


def _add_dataarray(job, da, name, crs, nodata):
    y, x = _spatial_dims(da)
    extra = [d for d in da.dims if d not in (y, x)]
    if len(extra) > 1:
        raise ArgumentError(f"DataArray {da.name!r}: dimensions {extra} besides {y}, {x}; select all but one (the time) first")
    crs = crs if crs is not None else _dataarray_crs(da, x)
    if nodata is None:
        nodata = da.attrs.get("_FillValue", da.encoding.get("_FillValue", da.attrs.get("nodata")))
        rio = _rio(da)
        if nodata is None and rio is not None:
            try:
                nodata = rio.nodata
            except Exception:
                nodata = None
    gt = _dataarray_grid(da, y, x)
    time = extra[0] if extra else None
    order = ([time] if time else []) + [y, x]
    values = da.transpose(*order).values
    labels = _time_labels(da[time]) if time and time in da.coords else None
    _add_array(job, name, values, _gdal_to_affine(gt), crs, nodata, labels)
    return time


def _gdal_to_affine(gt):
    return (gt[1], gt[2], gt[0], gt[4], gt[5], gt[3])


def _add_raster(job, raster, name, band, transform, crs, nodata):
    """Add `raster` to the job; returns the name of its time dimension for a DataArray with one."""
    if isinstance(raster, (str, os.PathLike)):
        job.check(job.lib.geokit_job_add_raster_path(job.handle, _b(name or _stem(raster)), _b(raster), int(band or 0)))
        return None
    if hasattr(raster, "dims") and hasattr(raster, "transpose"):  # xarray.DataArray
        return _add_dataarray(job, raster, name or raster.name or "value", crs, nodata)
    if hasattr(raster, "read") and hasattr(raster, "name") and hasattr(raster, "transform"):  # rasterio dataset
        # Reopened by its path: rasterio's wheels carry their own GDAL, whose handles cannot cross.
        job.check(job.lib.geokit_job_add_raster_path(job.handle, _b(name or _stem(raster.name)), _b(raster.name), int(band or 0)))
        return None
    if isinstance(raster, np.ndarray):
        _add_array(job, name or "value", raster, transform, crs, nodata)
        return None
    raise ArgumentError(f"raster: expected a path, a numpy array, a rasterio dataset or an xarray DataArray, not {type(raster).__name__}")


def _stem(path):
    base = os.path.basename(os.fspath(path))
    return base.split(".")[0] or "raster"


# ---------------------------------------------------------------- zones


def _c_strings(values):
    """Values as C strings in one buffer, and a pointer to each (one encode, not one per value)."""
    # A list first: iterating a pandas Series element by element costs three times more.
    values = values.tolist() if hasattr(values, "tolist") else list(values)
    blob = np.frombuffer(("\0".join(map(str, values)) + "\0").encode(), dtype=np.uint8)
    ends = np.flatnonzero(blob == 0)
    starts = np.concatenate([[0], ends[:-1] + 1]).astype(np.uint64)
    if len(starts) != len(values):
        raise ArgumentError("zone ids may not contain NUL characters")
    return blob, (blob.ctypes.data + starts).astype(np.uint64)


def _wkb_buffers(geoms):
    """Each geometry's WKB, as ``shapely.to_wkb(geoms, output_dimension=2)`` writes it, in
    buffers the library reads in place: (buffers to keep alive, sizes, a pointer per zone;
    size 0 for a missing geometry). Polygons of one ring (most zones) are written with
    numpy, in one block per number of points (the pointers need no common buffer), from
    their coordinates; any other geometry by shapely.
    """
    import shapely
    n = len(geoms)
    sizes = np.zeros(n, dtype=np.int64)
    ptrs = np.zeros(n, dtype=np.uint64)
    buffers = []
    polygons = np.flatnonzero(shapely.get_type_id(geoms) == 3)
    g = geoms[polygons]
    lone = polygons[(shapely.get_num_interior_rings(g) == 0) & ~shapely.is_empty(g)]
    if len(lone):
        g = geoms[lone]
        coords = np.ascontiguousarray(shapely.get_coordinates(g), dtype="<f8")
        counts = shapely.get_num_coordinates(g).astype(np.int64)
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
        for c in np.unique(counts).tolist():
            sel = np.flatnonzero(counts == c)
            size = 13 + 16 * c
            # Little-endian (1), Polygon (3), one ring, c points, then x y of each point.
            block = np.empty((len(sel), size), dtype=np.uint8)
            block[:, :9] = np.array([1, 3, 0, 0, 0, 1, 0, 0, 0], dtype=np.uint8)
            block[:, 9:13] = np.frombuffer(np.array(c, dtype="<u4").tobytes(), dtype=np.uint8)
            points = coords[(starts[sel][:, np.newaxis] + np.arange(c)).ravel()]
            block[:, 13:] = points.reshape(len(sel), 2 * c).view(np.uint8)
            buffers.append(block)
            sizes[lone[sel]] = size
            ptrs[lone[sel]] = block.ctypes.data + np.arange(len(sel), dtype=np.uint64) * np.uint64(size)
    rest = np.ones(n, dtype=bool)
    rest[lone] = False
    rest &= ~shapely.is_missing(geoms)
    rest = np.flatnonzero(rest)
    if len(rest):
        wkb = shapely.to_wkb(geoms[rest], output_dimension=2)
        rest_sizes = np.fromiter(map(len, wkb), dtype=np.int64, count=len(wkb))
        blob = np.frombuffer(b"".join(wkb), dtype=np.uint8)
        buffers.append(blob)
        sizes[rest] = rest_sizes
        ptrs[rest] = blob.ctypes.data + np.concatenate([[0], np.cumsum(rest_sizes)[:-1]]).astype(np.uint64)
    return buffers, sizes, ptrs


def _set_zones(job, zones, id_field, layer, zones_crs):
    """Zones to the job; returns the GeoDataFrame given (or None) for geometry=True."""
    if isinstance(zones, (str, os.PathLike)):
        if not id_field:
            raise ArgumentError(f"{os.fspath(zones)}: give id_field= (the zones' id column)")
        job.check(job.lib.geokit_job_set_zones_path(job.handle, _b(zones), _b(layer), _b(id_field)))
        return None
    if hasattr(zones, "geometry") and hasattr(zones, "crs"):  # GeoDataFrame (or GeoSeries)
        geoms = np.asarray(zones.geometry.values, dtype=object)
        ids = zones[id_field] if id_field else zones.index
        n = len(geoms)
        blobs, sizes, ptrs = _wkb_buffers(geoms)
        id_blob, id_ptrs = _c_strings(ids)
        job.keep += [blobs, ptrs, sizes, id_blob, id_ptrs]
        crs = zones_crs if zones_crs is not None else zones.crs
        job.check(job.lib.geokit_job_set_zones_wkb(
            job.handle, n, ptrs.ctypes.data_as(ctypes.POINTER(ctypes.c_void_p)),
            sizes.ctypes.data_as(ctypes.POINTER(ctypes.c_int64)),
            id_ptrs.ctypes.data_as(ctypes.POINTER(ctypes.c_char_p)), _b(_crs_text(crs)), b"<GeoDataFrame>"))
        return zones
    raise ArgumentError(f"zones: expected a path or a GeoDataFrame, not {type(zones).__name__}")


# ---------------------------------------------------------------- running


def _run(job, progress):
    """Run the job on a worker thread; this thread waits, reports progress and turns Ctrl-C into a cancel.

    In the main thread, SIGINT's handler is ours for the length of the run: it sets the
    job's cancel flag, and KeyboardInterrupt is raised once the library has stopped (it reads
    the caller's arrays and the job until it returns, so this thread must not leave first).
    """
    cancel = ctypes.c_int32(0)
    outcome = {}
    interrupted = []

    def work():
        # ctypes releases the GIL for the call: Python threads run meanwhile.
        outcome["rc"] = job.lib.geokit_job_run(job.handle, _lib.PROGRESS(), None, ctypes.byref(cancel))

    def on_sigint(signum, frame):
        interrupted.append(signum)
        cancel.value = 1

    t = threading.Thread(target=work, name="geokit-run", daemon=True)
    report = _progress_reporter(progress)

    def poll():
        done, total = ctypes.c_int64(), ctypes.c_int64()
        job.lib.geokit_job_progress(job.handle, ctypes.byref(done), ctypes.byref(total))
        report(done.value, total.value)

    previous = signal.signal(signal.SIGINT, on_sigint) if threading.current_thread() is threading.main_thread() else None
    try:
        t.start()
        while t.is_alive():
            t.join(0.05)
            if report and not interrupted:
                poll()
    except BaseException:
        # An exception of the progress callback (or a KeyboardInterrupt it raised): stop the
        # run and wait for it to stop, whatever else arrives meanwhile, then re-raise.
        cancel.value = 1
        _join_regardless(t)
        if report:
            report(None, None)
        raise
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)
    if report:
        if outcome.get("rc") == 0:
            poll()  # the last count (the run may end between two polls)
        report(None, None)
    if interrupted:
        raise KeyboardInterrupt
    job.check(outcome["rc"])


def _join_regardless(t):
    """Wait for thread `t` to end, through further KeyboardInterrupts; at once if it never started."""
    while True:
        try:
            t.join()
            return
        except RuntimeError:  # never started
            return
        except BaseException:
            continue


def _progress_reporter(progress):
    """A function(done, total) (None, None at the end) from progress=: True (tqdm), a tqdm bar, or a callable."""
    if not progress:
        return None
    if progress is True:
        from tqdm.auto import tqdm
        progress = tqdm(total=1, unit="cell", unit_scale=True, desc="geokit")
    if hasattr(progress, "update") and hasattr(progress, "n"):
        bar = progress

        def report(done, total):
            if done is None:
                bar.close()
                return
            if total and bar.total != total:
                bar.total = total
            if done > bar.n:
                bar.update(done - bar.n)
        return report

    last = [-1]

    def call(done, total):
        if done is not None and total and done != last[0]:
            last[0] = done
            progress(done, total)
    return call


# ---------------------------------------------------------------- results


def _columns(job):
    """The result's ids (a numpy array of str, decoded once), its columns as (name, stat,
    band, index) (values are copied by `_values` where they are wanted), bands and warnings."""
    lib, h = job.lib, job.handle
    rows = lib.geokit_result_rows(h)
    n = ctypes.c_int64()
    buf = lib.geokit_result_ids(h, ctypes.byref(n))
    ids = np.array(ctypes.string_at(buf, n.value).decode().split("\x00")[:-1]) if rows else []
    cols = []
    for i in range(lib.geokit_result_columns(h)):
        cols.append((lib.geokit_result_column_name(h, i).decode(), lib.geokit_result_column_stat(h, i).decode(),
                     lib.geokit_result_column_band(h, i), i))
    bands = []
    for b in range(lib.geokit_result_bands(h)):
        date = lib.geokit_result_band_date(h, b)
        bands.append((lib.geokit_result_band_label(h, b).decode(), lib.geokit_result_band_raster(h, b).decode(),
                      date.decode() if date else None))
    warnings = [lib.geokit_result_warning(h, i).decode() for i in range(lib.geokit_result_warnings(h))]
    return ids, cols, bands, warnings


def _values(job, column, out):
    """Copy result column `column` into `out`, a 1-D float64 view (strided or not) of len(rows)."""
    stride = out.strides[0] // 8 if len(out) > 1 else 1
    if len(out):
        job.check(job.lib.geokit_result_copy_values(job.handle, column, out.ctypes.data, stride))
    return out


def _metadata(job):
    text = job.lib.geokit_result_metadata_json(job.handle)
    return json.loads(text.decode()) if text else {}


def _frame(job, ids, cols, bands, index_name):
    single = len(bands) == 1
    data = {(stat if single else name): _values(job, i, np.empty(len(ids))) for name, stat, _, i in cols}
    df = pd.DataFrame(data, index=pd.Index(ids, name=index_name))
    return df


# Above this many bytes, a result matrix is made in memory of its own (see _empty_matrix).
_MAPPED_MATRIX_BYTES = 16 << 20


def _empty_matrix(rows, cols):
    """An uninitialised (rows, cols) float64 array for the library to fill.

    A large one is backed by an anonymous mmap rather than numpy's allocator: numpy asks the
    kernel for huge pages (madvise) for large arrays, and finding free 2 MB pages on a busy
    machine (compacting memory) took about 2 s for the daily cube's 288 MB of results,
    more than the copy. Plain pages are faulted in by the copy at a tenth of that. The array
    owns the mapping (its base), which is unmapped when the array is freed.
    """
    size = rows * cols * 8
    if size < _MAPPED_MATRIX_BYTES:
        return np.empty((rows, cols))
    return np.frombuffer(mmap.mmap(-1, size), dtype=np.float64).reshape(rows, cols)


def _dataset(job, ids, cols, bands, warnings, time_dim, time_coord, index_name):
    import xarray as xr
    stats = list(dict.fromkeys(stat for _, stat, _, _ in cols))
    nb = len(bands)
    out = {}
    for s in stats:
        # The library writes the (zone, time) array row by row (-1: no column, NaN).
        which = np.full(nb, -1, dtype=np.int64)
        for _, stat, b, i in cols:
            if stat == s:
                which[b] = i
        arr = _empty_matrix(len(ids), nb)
        if len(ids):
            job.check(job.lib.geokit_result_copy_matrix(job.handle, which.ctypes.data, nb, arr.ctypes.data))
        out[s] = (("zone", time_dim), arr)
    meta = _metadata(job)
    # Each variable's definition and unit, as the sidecar gives them for its columns.
    definitions = meta.get("method", {}).get("statistics", {})
    fields = {f.get("name"): f for r in meta.get("resources", []) for f in r.get("schema", {}).get("fields", [])}
    for s in stats:
        var_attrs = {"statistic": s}
        base = s if s in definitions else s.rsplit("_", 1)[0]
        if base in definitions:
            var_attrs["description"] = definitions[base]
        first = next((name for name, stat, _, _ in cols if stat == s), None)
        if first in fields and fields[first].get("unit"):
            var_attrs["units"] = fields[first]["unit"]
        out[s] = out[s] + (var_attrs,)
    attrs = {"geokit_version": job.lib.geokit_version().decode(),
             "method": meta.get("method", {}).get("coverage", ""),
             "geokit_metadata": json.dumps(meta),
             "warnings": "\n".join(warnings)}
    attrs["id_field"] = index_name
    # The ids as a numpy array: xarray turns a list of 10^5 str into one ten times slower.
    return xr.Dataset(out, coords={"zone": ids if len(ids) else list(ids), time_dim: time_coord}, attrs=attrs)


def _with_geometry(df, zones_gdf, zones, id_field, layer):
    import geopandas as gpd
    if zones_gdf is None:
        zones_gdf = gpd.read_file(zones, layer=layer)
        zones_gdf = zones_gdf.set_index(zones_gdf[id_field].astype(str))
        geom = zones_gdf.geometry
    else:
        ids = zones_gdf[id_field] if id_field else zones_gdf.index
        geom = gpd.GeoSeries(zones_gdf.geometry.values, index=pd.Index([str(i) for i in ids]), crs=zones_gdf.crs)
    return gpd.GeoDataFrame(df, geometry=list(geom.reindex(df.index).values), crs=geom.crs)


def zonal_stats(raster, zones, stats=("mean",), method="exact", *, id_field=None, layer=None, band=None, name=None,
                transform=None, crs=None, nodata=None, zones_crs=None, geometry=False, threads=0,
                progress=None, metadata=False, max_memory=None):
    """Zonal statistics of ``raster`` over ``zones``, in process.

    raster: a path (any GDAL raster), a numpy array (rows, cols) or (bands, rows, cols) with
        ``transform=`` (an Affine or an affine 6-tuple a, b, c, d, e, f) and ``crs=``, a rasterio
        dataset (reopened by its path), or an xarray DataArray (CRS from ``rio.crs``, a
        ``spatial_ref``/grid_mapping coordinate, or ``crs=``; a third dimension, such as time, is
        summarised step by step with the coverage computed once).
    zones: a path (with ``id_field=`` and optionally ``layer=``) or a GeoDataFrame in any CRS
        (transformed to the raster's; ids from ``id_field`` or the index), or zones from
        ``geokit.prepare_zones`` (read once, their coverage kept for the next call on a grid).
    stats: statistic names as ``geotool zonal --stats`` takes them (count, sum, mean, min, max,
        stdev, median, p90, majority, frac, coverage, ...).
    method: "exact", "center" or "all-touched".
    progress: True (a tqdm bar), a tqdm bar, or a function(done, total) of cells.
    max_memory: the run's memory bound in MB (decoded blocks, zones, result values); default
        half the machine's memory. A run estimated above it raises ArgumentError.

    Returns a pandas DataFrame indexed by zone id (a GeoDataFrame with ``geometry=True``); for a
    DataArray with a time dimension, an xarray Dataset with dimensions (zone, time), a variable
    per statistic and the run's metadata sidecar in its attrs. With ``metadata=True``, returns
    (result, metadata dict). Ctrl-C cancels the run (KeyboardInterrupt is raised).
    """
    args = dict(stats=stats, method=method, id_field=id_field, layer=layer, band=band, name=name, transform=transform,
                crs=crs, nodata=nodata, zones_crs=zones_crs, geometry=geometry, threads=threads, metadata=metadata,
                max_memory=max_memory)
    chunks = _time_chunks(raster)
    if chunks is None:
        return _zonal_stats(raster, zones, progress=progress, **args)
    return _zonal_stats_by_chunk(raster, zones, chunks, progress, args)


def _time_chunks(raster):
    """A dask-backed DataArray with a third dimension in several chunks: (dimension, [(start, stop)...]); else None."""
    if not (hasattr(raster, "dims") and hasattr(raster, "transpose")) or getattr(raster, "chunks", None) is None:
        return None
    y, x = _spatial_dims(raster)
    extra = [d for d in raster.dims if d not in (y, x)]
    if len(extra) != 1:
        return None
    sizes = raster.chunksizes[extra[0]]
    if len(sizes) < 2:
        return None
    bounds = np.cumsum((0,) + tuple(sizes))
    return extra[0], list(zip(bounds[:-1].tolist(), bounds[1:].tolist()))


def _zonal_stats_by_chunk(raster, zones, chunks, progress, args):
    """A dask-backed cube, one chunk of its time dimension at a time: each chunk is computed
    (loaded) and summarised on its own, so only one chunk is in memory; the zones are read
    and their coverage computed once, for the first chunk (prepared zones)."""
    import xarray as xr
    dim, spans = chunks
    report = _progress_reporter(progress)
    parts, meta = [], None
    # The zones read once and their coverage kept from the first chunk for the others.
    own = not isinstance(zones, PreparedZones)
    if own:
        zones = PreparedZones(zones, args["id_field"], args["layer"], args["zones_crs"])
    try:
        for k, (a, b) in enumerate(spans):
            step = raster.isel({dim: slice(a, b)}).load()
            inner = None
            if report:
                def inner(done, total, k=k):
                    report(k * total + done, len(spans) * total)
            part = _zonal_stats(step, zones, progress=inner, **args)
            if args["metadata"]:
                part, m = part
                meta = meta if meta is not None else m
            parts.append(part)
    finally:
        if report:
            report(None, None)
        if own:
            zones.close()
    ds = xr.concat(parts, dim=dim, combine_attrs="override")
    return (ds, meta) if args["metadata"] else ds


class PreparedZones:
    """Zones read once and kept, with their coverage of each grid they are run on: pass it as
    ``zones`` to ``zonal_stats`` again and again (other rasters, other days' files) and only
    the first run on a grid reads the zones and computes their coverage (xagg's saved
    weights, in memory). Made by ``geokit.prepare_zones``; thread-safe (one run at a time)."""

    def __init__(self, zones, id_field=None, layer=None, zones_crs=None):
        self._job = _Job()
        self._lock = threading.Lock()
        self.id_field = id_field
        self.layer = layer
        self.source = zones
        self.frame = _set_zones(self._job, zones, id_field, layer, zones_crs)
        self._job.keep = []  # the WKB and ids were copied by the library

    @property
    def reused(self):
        """Runs that reused the coverage of an earlier run."""
        return self._job.lib.geokit_job_coverage_reused(self._job.handle)

    def close(self):
        self._job.close()

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass


def prepare_zones(zones, id_field=None, layer=None, zones_crs=None):
    """Zones (a path or a GeoDataFrame, as ``zonal_stats`` takes them) read once for many runs."""
    return PreparedZones(zones, id_field, layer, zones_crs)


def _zonal_stats(raster, zones, stats, method, id_field, layer, band, name, transform, crs, nodata, zones_crs, geometry,
                 threads, progress, metadata, max_memory=None):
    if isinstance(zones, PreparedZones):
        with zones._lock:
            return _zonal_run(zones._job, raster, zones.source, stats, method, id_field or zones.id_field, zones.layer,
                              band, name, transform, crs, nodata, geometry, threads, progress, metadata,
                              zones_gdf=zones.frame, prepared=True, max_memory=max_memory)
    job = _Job()
    try:
        return _zonal_run(job, raster, zones, stats, method, id_field, layer, band, name, transform, crs, nodata,
                          geometry, threads, progress, metadata, zones_crs=zones_crs, max_memory=max_memory)
    finally:
        job.close()


def _zonal_run(job, raster, zones, stats, method, id_field, layer, band, name, transform, crs, nodata, geometry,
               threads, progress, metadata, zones_crs=None, zones_gdf=None, prepared=False, max_memory=None):
    if isinstance(stats, str):
        stats = [stats]
    try:
        job.check(job.lib.geokit_job_set_stats(job.handle, ",".join(stats).encode()))
        job.check(job.lib.geokit_job_set_method(job.handle, str(method).encode()))
        job.check(job.lib.geokit_job_set_threads(job.handle, int(threads)))
        job.check(job.lib.geokit_job_set_max_memory(job.handle, int(max_memory or 0)))
        if prepared:
            job.lib.geokit_job_clear_rasters(job.handle)
        else:
            zones_gdf = _set_zones(job, zones, id_field, layer, zones_crs)
        time = _add_raster(job, raster, name, band, transform, crs, nodata)
        _run(job, progress)
        ids, cols, bands, warnings = _columns(job)
        index_name = id_field or (zones_gdf.index.name if zones_gdf is not None and zones_gdf.index.name else "zone")
        if time is not None:
            result = _dataset(job, ids, cols, bands, warnings, time, raster[time].values, index_name)
        else:
            result = _frame(job, ids, cols, bands, index_name)
            result.attrs["warnings"] = warnings
            if geometry:
                result = _with_geometry(result, zones_gdf, zones, id_field, layer)
        return (result, _metadata(job)) if metadata else result
    finally:
        if prepared:
            # The arrays added are let go: the job must not keep pointers into them.
            job.lib.geokit_job_clear_rasters(job.handle)
        job.keep = []
