"""Finding and declaring libGeoKitC.so (include/geokit.h)."""
import ctypes
import os
from pathlib import Path

_NAMES = ("libGeoKitC.so", "libgeokit.so")
_lib = None


def _candidates():
    env = os.environ.get("GEOKIT_LIBRARY")
    if env:
        yield Path(env)
    here = Path(__file__).resolve().parent
    for n in _NAMES:
        yield here / n
    # A source checkout: the repository's .build (python/geokit/ -> repo), or above the cwd.
    for root in [here.parent.parent, *Path.cwd().resolve().parents, Path.cwd().resolve()]:
        for kind in ("release", "debug"):
            yield root / ".build" / kind / "libGeoKitC.so"


def library_path():
    """The libGeoKitC.so that will be loaded (GEOKIT_LIBRARY, the package's copy, a checkout's .build)."""
    for p in _candidates():
        if p.is_file():
            return p
    raise OSError("libGeoKitC.so not found: build it with `swift build -c release --product GeoKitC` "
                  "and set GEOKIT_LIBRARY to .build/release/libGeoKitC.so (or copy it into the geokit package)")


c_str = ctypes.c_char_p
c_job = ctypes.c_void_p
i64 = ctypes.c_int64
i32 = ctypes.c_int32
PROGRESS = ctypes.CFUNCTYPE(None, i64, i64, ctypes.c_void_p)

_SIGNATURES = {
    "geokit_version": (c_str, []),
    "geokit_job_new": (c_job, []),
    "geokit_job_free": (None, [c_job]),
    "geokit_job_set_zones_path": (ctypes.c_int, [c_job, c_str, c_str, c_str]),
    "geokit_job_set_zones_wkb": (ctypes.c_int, [c_job, i64, ctypes.POINTER(ctypes.c_void_p), ctypes.POINTER(i64),
                                                ctypes.POINTER(c_str), c_str, c_str]),
    "geokit_job_add_raster_path": (ctypes.c_int, [c_job, c_str, c_str, i32]),
    "geokit_job_add_raster_array": (ctypes.c_int, [c_job, c_str, ctypes.c_void_p, i32, i64, i64, i64,
                                                   ctypes.POINTER(ctypes.c_double), c_str, i32, ctypes.c_double,
                                                   ctypes.POINTER(c_str)]),
    "geokit_job_set_stats": (ctypes.c_int, [c_job, c_str]),
    "geokit_job_clear_rasters": (None, [c_job]),
    "geokit_job_coverage_reused": (i64, [c_job]),
    "geokit_job_set_method": (ctypes.c_int, [c_job, c_str]),
    "geokit_job_set_threads": (ctypes.c_int, [c_job, i32]),
    "geokit_job_set_max_memory": (ctypes.c_int, [c_job, ctypes.c_int64]),
    "geokit_job_run": (ctypes.c_int, [c_job, PROGRESS, ctypes.c_void_p, ctypes.POINTER(i32)]),
    "geokit_job_progress": (None, [c_job, ctypes.POINTER(i64), ctypes.POINTER(i64)]),
    "geokit_job_error_kind": (i32, [c_job]),
    "geokit_job_error_file": (c_str, [c_job]),
    "geokit_job_error_message": (c_str, [c_job]),
    "geokit_result_rows": (i64, [c_job]),
    "geokit_result_columns": (i64, [c_job]),
    "geokit_result_column_name": (c_str, [c_job, i64]),
    "geokit_result_column_stat": (c_str, [c_job, i64]),
    "geokit_result_column_band": (i64, [c_job, i64]),
    "geokit_result_values": (ctypes.POINTER(ctypes.c_double), [c_job, i64]),
    "geokit_result_copy_values": (i32, [c_job, i64, ctypes.c_void_p, i64]),
    "geokit_result_copy_matrix": (i32, [c_job, ctypes.c_void_p, i64, ctypes.c_void_p]),
    "geokit_result_id": (c_str, [c_job, i64]),
    "geokit_result_ids": (ctypes.c_void_p, [c_job, ctypes.POINTER(i64)]),
    "geokit_result_bands": (i64, [c_job]),
    "geokit_result_band_label": (c_str, [c_job, i64]),
    "geokit_result_band_raster": (c_str, [c_job, i64]),
    "geokit_result_band_date": (c_str, [c_job, i64]),
    "geokit_result_warnings": (i64, [c_job]),
    "geokit_result_warning": (c_str, [c_job, i64]),
    "geokit_result_metadata_json": (c_str, [c_job]),
    "geokit_job_join": (ctypes.c_int, [c_job, c_str, c_str, c_str, c_str, i64, ctypes.POINTER(ctypes.c_double),
                                       ctypes.POINTER(ctypes.c_double), c_str, ctypes.c_double, ctypes.c_double,
                                       ctypes.POINTER(c_str)]),
    "geokit_join_rows": (i64, [c_job]),
    "geokit_join_columns": (i64, [c_job]),
    "geokit_join_column_name": (c_str, [c_job, i64]),
    "geokit_join_column_text": (ctypes.c_void_p, [c_job, i64, ctypes.POINTER(i64)]),
}


def lib():
    """The loaded library (ctypes.CDLL: every call releases the GIL)."""
    global _lib
    if _lib is None:
        l = ctypes.CDLL(str(library_path()))
        for name, (res, args) in _SIGNATURES.items():
            f = getattr(l, name)
            f.restype = res
            f.argtypes = args
        _lib = l
    return _lib
