"""geokit.zonal_stats against exactextract's Python package on the same inputs."""
import threading

import numpy as np
import pandas as pd
import pytest
from exactextract import exact_extract
from exactextract.raster import NumPyRasterSource

import geokit
from conftest import ID, RASTER, REPO, ZONES

STATS = ["count", "mean", "min", "max"]


def oracle(raster, zones, stats=STATS):
    """exactextract's values, indexed by the township code."""
    df = exact_extract(raster, zones, stats, include_cols=[ID], output="pandas")
    return df.set_index(ID)


def assert_matches(ours, theirs, stats=STATS):
    theirs = theirs.loc[ours.index]
    for s in stats:
        a, b = ours[s].to_numpy(float), theirs[s].to_numpy(float)
        # exactextract gives NaN where no valid cell meets a zone, as geokit does
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-9, equal_nan=True, err_msg=s)


def numpy_source(values, transform, nodata=None, wkt=None):
    """exactextract's in-memory raster on the same array and grid."""
    rows, cols = values.shape
    a, _, c, _, e, f = transform
    return NumPyRasterSource(values, c, f + e * rows, c + a * cols, f, nodata=nodata, srs_wkt=wkt)


def test_paths_match_exactextract(townships):
    ours = geokit.zonal_stats(str(RASTER), str(ZONES), stats=STATS, id_field=ID)
    assert list(ours.columns) == STATS
    assert ours.index.name == ID and len(ours) == len(townships)
    assert_matches(ours, oracle(str(RASTER), townships))


def test_geodataframe_in_another_crs_matches_exactextract(townships):
    """Zones in Web Mercator are transformed to the raster's CRS on the C side."""
    ours = geokit.zonal_stats(str(RASTER), townships.to_crs(3857), stats=STATS, id_field=ID)
    assert_matches(ours, oracle(str(RASTER), townships))


def test_geodataframe_index_is_the_id(townships):
    ours = geokit.zonal_stats(str(RASTER), townships.set_index(ID), stats=["mean"])
    assert ours.index.name == ID
    assert_matches(ours, oracle(str(RASTER), townships), ["mean"])


def test_numpy_array_matches_exactextract(townships, cube):
    from osgeo import gdal
    ds = gdal.Open(str(RASTER))
    values = ds.GetRasterBand(1).ReadAsArray()
    gt = ds.GetGeoTransform()
    transform = (gt[1], gt[2], gt[0], gt[4], gt[5], gt[3])
    ours = geokit.zonal_stats(values, townships, stats=STATS, id_field=ID, transform=transform,
                              crs="EPSG:4326", nodata=-9999)
    theirs = oracle(numpy_source(values.astype("float64"), transform, nodata=-9999), townships)
    assert_matches(ours, theirs)


def test_dataarray_steps_match_exactextract_and_per_step_runs(townships, cube):
    ds = geokit.zonal_stats(cube, townships, stats=["mean", "sum", "count"], id_field=ID)
    assert ds["mean"].dims == ("zone", "time")
    assert list(ds.time.values) == list(cube.time.values)
    assert list(ds.zone.values) == list(townships[ID])
    assert ds.attrs["method"] == "exact" and "geokit_metadata" in ds.attrs
    assert ds["mean"].attrs["statistic"] == "mean" and ds["mean"].attrs["description"]
    assert all(isinstance(v, str) for v in ds.attrs.values())
    dx = float(cube.lon[1] - cube.lon[0])
    dy = float(cube.lat[1] - cube.lat[0])
    transform = (dx, 0, float(cube.lon[0]) - dx / 2, 0, dy, float(cube.lat[0]) - dy / 2)
    for t in range(cube.sizes["time"]):
        step = cube.isel(time=t)
        one = geokit.zonal_stats(step, townships, stats=["mean", "sum", "count"], id_field=ID)
        for s in ["mean", "sum", "count"]:
            np.testing.assert_array_equal(ds[s].isel(time=t).values, one[s].values, err_msg=f"step {t} {s}")
        theirs = oracle(numpy_source(step.values.astype("float64"), transform, wkt=None), townships, ["mean", "count"])
        assert_matches(one, theirs, ["mean", "count"])


def test_dataset_writes_to_netcdf_and_reads_back(townships, cube, tmp_path):
    import xarray as xr
    pytest.importorskip("scipy")  # xarray's netCDF 3 writer (Debian's python3-scipy, which QGIS brings)
    ds = geokit.zonal_stats(cube, townships, stats=["mean"], id_field=ID)
    path = tmp_path / "means.nc"
    ds.to_netcdf(path, engine="scipy")
    back = xr.open_dataset(path)
    np.testing.assert_array_equal(back["mean"].values, ds["mean"].values)
    assert back.attrs["geokit_metadata"] == ds.attrs["geokit_metadata"]
    back.close()


def test_dataarray_with_ascending_latitudes_is_flipped(townships, cube):
    north_up = geokit.zonal_stats(cube, townships, stats=["mean"], id_field=ID)
    south_up = geokit.zonal_stats(cube.isel(lat=slice(None, None, -1)), townships, stats=["mean"], id_field=ID)
    np.testing.assert_array_equal(north_up["mean"].values, south_up["mean"].values)


def test_geometry_true_gives_a_geodataframe(townships):
    import geopandas as gpd
    ours = geokit.zonal_stats(str(RASTER), townships, stats=["mean"], id_field=ID, geometry=True)
    assert isinstance(ours, gpd.GeoDataFrame)
    assert ours.geometry.iloc[0].equals(townships.geometry.iloc[0])


def test_two_threads_get_their_own_results(townships, cube):
    """Two jobs with different rasters and statistics at once: each as when run alone."""
    step = cube.isel(time=0)
    alone_a = geokit.zonal_stats(str(RASTER), townships, stats=["mean", "max"], id_field=ID)
    alone_b = geokit.zonal_stats(step, townships, stats=["sum"], id_field=ID)
    results, errors = {}, []

    def run(key, f):
        try:
            for _ in range(5):
                results.setdefault(key, []).append(f())
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    ta = threading.Thread(target=run, args=("a", lambda: geokit.zonal_stats(str(RASTER), townships, stats=["mean", "max"], id_field=ID)))
    tb = threading.Thread(target=run, args=("b", lambda: geokit.zonal_stats(step, townships, stats=["sum"], id_field=ID)))
    ta.start(); tb.start(); ta.join(); tb.join()
    assert not errors
    for r in results["a"]:
        pd.testing.assert_frame_equal(r, alone_a)
    for r in results["b"]:
        pd.testing.assert_frame_equal(r, alone_b)


def test_missing_raster_raises_input_error_naming_the_file(townships):
    missing = str(RASTER.parent / "no_such_raster.tif")
    with pytest.raises(geokit.InputError) as e:
        geokit.zonal_stats(missing, townships, stats=["mean"], id_field=ID)
    assert e.value.file == missing and missing in str(e.value) and e.value.kind == "input"


def test_missing_zone_field_raises_input_error_naming_the_file():
    with pytest.raises(geokit.InputError) as e:
        geokit.zonal_stats(str(RASTER), str(ZONES), stats=["mean"], id_field="NO_SUCH_FIELD")
    assert e.value.file == str(ZONES) and "NO_SUCH_FIELD" in str(e.value)


def test_messages_name_keyword_arguments_not_command_line_flags(townships, tmp_path):
    # A file with two layers and no layer= given: the hint names the keyword argument.
    two = str(tmp_path / "two_layers.gpkg")
    townships.to_file(two, layer="a", driver="GPKG")
    townships.to_file(two, layer="b", driver="GPKG")
    with pytest.raises(geokit.InputError) as e:
        geokit.zonal_stats(str(RASTER), two, stats=["mean"], id_field=ID)
    assert "layer=" in str(e.value) and "--" not in str(e.value), str(e.value)


def test_max_memory_bounds_the_run_and_names_the_keyword(townships):
    # 330 townships x 1 value need far less than 1 MB; 1 MB of budget refuses nothing, and the
    # default (half the machine's memory) takes runs that geotool's 512 MB would refuse.
    ok = geokit.zonal_stats(str(RASTER), townships, stats=["mean"], id_field=ID, max_memory=1)
    assert len(ok) == len(townships)
    many = np.ones((400, 300, 300), dtype=np.float32)   # 400 bands: 330 x 400 x 2 values
    with pytest.raises(geokit.ArgumentError) as e:
        geokit.zonal_stats(many, townships, stats=["mean", "max"], id_field=ID, transform=(0.05, 0, 92, 0, -0.05, 28.6),
                           crs="EPSG:4326", max_memory=1)
    assert "max_memory=" in str(e.value) and "--" not in str(e.value), str(e.value)


def test_unknown_statistic_raises_argument_error():
    with pytest.raises(geokit.ArgumentError):
        geokit.zonal_stats(str(RASTER), str(ZONES), stats=["meen"], id_field=ID)


def test_unknown_crs_raises_crs_error(townships):
    with pytest.raises(geokit.CRSError):
        geokit.zonal_stats(np.ones((4, 4)), townships, stats=["mean"], id_field=ID,
                           transform=(1, 0, 90, 0, -1, 30), crs="not a crs")


def test_progress_callback_sees_every_cell(townships, cube):
    calls = []
    geokit.zonal_stats(cube, townships, stats=["mean"], id_field=ID, progress=lambda d, t: calls.append((d, t)))
    assert calls, "progress was never reported"
    for d, t in calls:
        assert 0 <= d <= t
    done, total = calls[-1]
    assert done == total == cube.sizes["lat"] * cube.sizes["lon"]   # every cell (all steps read in one pass)


def big_job(flag_after=None):
    """A raw C job on a large in-memory array with one zone over it all, for cancelling."""
    import ctypes
    from geokit import _lib
    import shapely
    lib = _lib.lib()
    job = lib.geokit_job_new()
    values = np.ones((20, 2000, 2000), dtype=np.uint8)
    gt = (ctypes.c_double * 6)(0, 1, 0, 2000, 0, -1)
    assert lib.geokit_job_add_raster_array(job, b"big", values.ctypes.data_as(ctypes.c_void_p), 0, 20, 2000, 2000,
                                           gt, None, 0, 0.0, None) == 0
    wkb = shapely.to_wkb(shapely.box(0.5, 0.5, 1999.5, 1999.5))
    ptrs = (ctypes.c_void_p * 1)(ctypes.cast(ctypes.c_char_p(wkb), ctypes.c_void_p).value)
    sizes = (ctypes.c_int64 * 1)(len(wkb))
    ids = (ctypes.c_char_p * 1)(b"all")
    assert lib.geokit_job_set_zones_wkb(job, 1, ptrs, sizes, ids, None, None) == 0
    lib.geokit_job_set_threads(job, 1)
    return lib, job, values, wkb


def test_cancel_flag_set_before_the_run_cancels_it():
    import ctypes
    from geokit import _lib
    lib, job, _values, _wkb = big_job()
    flag = ctypes.c_int32(1)
    assert lib.geokit_job_run(job, _lib.PROGRESS(), None, ctypes.byref(flag)) == -1
    assert lib.geokit_job_error_kind(job) == 5
    lib.geokit_job_free(job)


def test_cancel_flag_set_during_the_run_stops_the_engine():
    """The flag set by another thread while the engine runs: the run stops early, as cancelled."""
    import ctypes
    import time
    from geokit import _lib
    lib, job, _values, _wkb = big_job()
    t0 = time.monotonic()
    assert lib.geokit_job_run(job, _lib.PROGRESS(), None, None) == 0   # the whole run, for its length
    whole = time.monotonic() - t0
    flag = ctypes.c_int32(0)
    threading.Timer(whole / 10, lambda: setattr(flag, "value", 1)).start()
    t0 = time.monotonic()
    rc = lib.geokit_job_run(job, _lib.PROGRESS(), None, ctypes.byref(flag))
    cancelled = time.monotonic() - t0
    assert rc == -1 and lib.geokit_job_error_kind(job) == 5
    assert cancelled < whole * 0.8
    lib.geokit_job_free(job)


def test_keyboard_interrupt_while_waiting_cancels_the_run(townships):
    """Ctrl-C in the waiting thread (here: raised by the progress callback, which that thread
    calls) sets the cancel flag, waits for the worker and re-raises."""
    values = np.ones((40, 2000, 2000), dtype=np.uint8)

    def interrupt(done, total):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        geokit.zonal_stats(values, townships.iloc[:1], stats=["sum"], transform=(1, 0, 0, 0, -1, 2000),
                           zones_crs="EPSG:3857", crs="EPSG:3857", progress=interrupt, threads=1)
    assert not [t for t in threading.enumerate() if t.name == "geokit-run" and t.is_alive()]


def test_missing_geometry_gives_an_empty_row_and_a_warning(townships):
    zones = townships[[ID, "geometry"]].head(5).copy()
    zones.loc[zones.index[2], "geometry"] = None
    ours = geokit.zonal_stats(str(RASTER), zones, stats=["mean"], id_field=ID)
    assert list(ours.index) == list(zones[ID])
    assert np.isnan(ours["mean"].iloc[2])
    theirs = oracle(str(RASTER), townships, ["mean"])
    np.testing.assert_allclose(ours["mean"].drop(zones[ID].iloc[2]), theirs.loc[zones[ID]].drop(zones[ID].iloc[2])["mean"], rtol=1e-6)
    assert any("no geometry" in w for w in ours.attrs["warnings"])


def test_ctrl_c_cancels_the_run():
    """SIGINT's KeyboardInterrupt (from _thread.interrupt_main, as Ctrl-C raises it) reaches the
    waiting thread while the engine runs; the run is cancelled, not waited for."""
    import _thread
    import time
    import shapely
    import geopandas as gpd
    values = np.ones((20, 2000, 2000), dtype=np.uint8)
    zones = gpd.GeoDataFrame({"id": ["all"]}, geometry=[shapely.box(0.5, 0.5, 1999.5, 1999.5)])
    kwargs = dict(stats=["sum"], id_field="id", transform=(1, 0, 0, 0, -1, 2000), threads=1)
    t0 = time.monotonic()
    geokit.zonal_stats(values, zones, **kwargs)
    whole = time.monotonic() - t0
    timer = threading.Timer(whole / 10, _thread.interrupt_main)
    t0 = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        timer.start()
        geokit.zonal_stats(values, zones, **kwargs)
    assert time.monotonic() - t0 < whole * 0.8
    assert not [t for t in threading.enumerate() if t.name == "geokit-run" and t.is_alive()]


def test_dask_backed_cube_is_read_chunk_by_chunk_with_the_same_results(townships, cube):
    pytest.importorskip("dask")
    whole = geokit.zonal_stats(cube, townships, stats=["mean", "sum"], id_field=ID)
    chunked = cube.chunk({"time": 1, "lat": 45, "lon": 35})
    calls = []
    by_chunk = geokit.zonal_stats(chunked, townships, stats=["mean", "sum"], id_field=ID,
                                  progress=lambda d, t: calls.append((d, t)))
    assert by_chunk["mean"].dims == ("zone", "time")
    np.testing.assert_array_equal(by_chunk.time.values, cube.time.values)
    for s in ["mean", "sum"]:
        np.testing.assert_array_equal(by_chunk[s].values, whole[s].values)
    assert calls[-1][0] == calls[-1][1]   # progress over all chunks ends at its total


def test_unicode_ids_come_back_as_given(townships):
    zones = townships[["geometry"]].head(3).copy()
    zones.index = ["ဟင်္သာတ", "Zoë", "3"]
    ours = geokit.zonal_stats(str(RASTER), zones, stats=["mean"])
    assert list(ours.index) == ["ဟင်္သာတ", "Zoë", "3"]


def test_the_c_header_from_c(tmp_path, townships):
    """include/geokit.h compiled by a C compiler and the library called from C, values
    checked against exactextract's."""
    import shutil
    import subprocess
    cc = shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")
    if cc is None:
        pytest.skip("no C compiler")
    lib = geokit.library_path()
    exe = tmp_path / "smoke"
    src = REPO / "python" / "tests" / "c" / "smoke.c"
    subprocess.run([cc, "-std=c99", "-Wall", "-Werror", "-I", str(REPO / "include"), str(src), "-o", str(exe),
                    str(lib), f"-Wl,-rpath,{lib.parent}"], check=True)
    out = subprocess.run([str(exe), str(RASTER), str(ZONES), ID], capture_output=True, text=True, check=True).stdout.split("\n")
    rows, id0, mean0, calls = out[0].split()[1::2]
    theirs = oracle(str(RASTER), townships, ["mean"])
    assert int(rows) == len(townships) and int(calls) >= 1
    assert abs(float(mean0) - theirs.loc[id0, "mean"]) < 1e-5 * abs(theirs.loc[id0, "mean"])
    assert out[1] == "error 1 no_such.tif"


def test_prepared_zones_reuse_their_coverage_with_the_same_results(townships, cube):
    prepared = geokit.prepare_zones(townships, id_field=ID)
    steps = [cube.isel(time=t) for t in range(3)]
    fresh = [geokit.zonal_stats(s, townships, stats=["mean", "sum"], id_field=ID) for s in steps]
    reused = [geokit.zonal_stats(s, prepared, stats=["mean", "sum"]) for s in steps]
    assert prepared.reused == 2   # the first step computed the coverage, the others reused it
    for a, b in zip(reused, fresh):
        pd.testing.assert_frame_equal(a, b)
    # Another grid (the rainfall file) with the same prepared zones: its own coverage, right values
    other = geokit.zonal_stats(str(RASTER), prepared, stats=STATS)
    assert_matches(other, oracle(str(RASTER), townships))
    assert prepared.reused == 2
    # and a cube with a time dimension
    ds = geokit.zonal_stats(cube, prepared, stats=["mean"])
    np.testing.assert_array_equal(ds["mean"].isel(time=1).values, fresh[1]["mean"].values)
    prepared.close()


def test_zone_wkb_is_the_bytes_shapely_writes():
    """The WKB handed to the library (one-ring polygons written with numpy, the rest by
    shapely) is, zone by zone, what shapely.to_wkb(output_dimension=2) writes."""
    import ctypes
    import shapely
    from shapely.geometry import LineString, MultiPolygon, Point, Polygon
    from geokit.zonal import _wkb_buffers
    geoms = np.array([
        Polygon([(0, 0), (1, 0), (1, 1), (0, 0)]),
        None,
        Polygon(),
        Polygon([(0, 0, 5), (1, 0, 5), (1, 1, 5), (0, 0, 5)]),                      # Z dropped
        Polygon([(0, 0), (4, 0), (4, 4), (0, 4)], [[(1, 1), (2, 1), (2, 2), (1, 1)]]),  # a hole
        MultiPolygon([Polygon([(0, 0), (1, 0), (1, 1)])]),
        Point(1, 2),
        LineString([(0, 0), (3, 4)]),
        Polygon([(0.1, 0.2), (1.5, 0), (1, 1.25), (0, 1), (0.1, 0.2)]),
        Polygon([(-1e9, 3), (2, 1e-300), (5, 5), (-1e9, 3)]),
    ], dtype=object)
    keep, sizes, ptrs = _wkb_buffers(geoms)
    expected = shapely.to_wkb(geoms, output_dimension=2)
    for i, want in enumerate(expected):
        got = ctypes.string_at(int(ptrs[i]), int(sizes[i])) if sizes[i] else None
        assert got == want, f"zone {i}: {geoms[i]}"


def test_per_class_dataset_matches_per_step_runs(townships):
    """A per-class statistic over a cube (classes absent from some steps: NaN there), filled
    row by row by the library, against one run per step."""
    import xarray as xr
    minx, miny, maxx, maxy = townships.total_bounds
    nx, ny = 40, 50
    dx, dy = (maxx - minx) / nx, (maxy - miny) / ny
    rng = np.random.default_rng(7)
    values = rng.integers(1, 4, size=(3, ny, nx)).astype("uint8")
    values[1][values[1] == 3] = 2  # no class 3 on the second day
    cube = xr.DataArray(values, dims=("time", "lat", "lon"), name="lc",
                        coords={"time": pd.date_range("2024-07-01", periods=3),
                                "lat": maxy - dy * (np.arange(ny) + 0.5), "lon": minx + dx * (np.arange(nx) + 0.5)})
    ds = geokit.zonal_stats(cube, townships, stats=["frac", "mean"], id_field=ID)
    assert {"frac_1", "frac_2", "frac_3", "mean"} <= set(ds.data_vars)
    for t in range(3):
        one = geokit.zonal_stats(cube.isel(time=t), townships, stats=["frac", "mean"], id_field=ID)
        for v in ["frac_1", "frac_2", "frac_3", "mean"]:
            want = one[v].values if v in one else np.full(len(one), np.nan)
            np.testing.assert_array_equal(ds[v].isel(time=t).values, want, err_msg=f"step {t} {v}")


def test_large_results_in_mapped_memory_equal_the_per_step_frames(monkeypatch):
    """A (zone, time) matrix above the size limit is made in an mmap (see _empty_matrix) and
    filled by geokit_result_copy_matrix in chunks of rows on several threads: every value in
    its place, as the per-step DataFrames (copied column by column) give them."""
    import mmap
    import geopandas as gpd
    import shapely
    import xarray as xr
    import geokit.zonal as gz
    n, side = 100, 0.1  # 10,000 square zones (more than one chunk of rows), a cell each and its neighbours' edges
    x, y = np.meshgrid(np.arange(n) * side, np.arange(n) * side)
    boxes = shapely.box(x.ravel() + 0.013, y.ravel() + 0.021, x.ravel() + side + 0.017, y.ravel() + side + 0.011)
    zones = gpd.GeoDataFrame({"zid": [f"Z{i:05d}" for i in range(len(boxes))]}, geometry=boxes, crs="EPSG:4326")
    rng = np.random.default_rng(5)
    values = (rng.random((3, n + 2, n + 2)) * 10).astype("float32")
    values[1, :5, :7] = np.nan
    cube = xr.DataArray(values, dims=("time", "lat", "lon"), name="v",
                        coords={"time": pd.date_range("2024-01-01", periods=3),
                                "lat": (n + 1.5 - np.arange(n + 2)) * side, "lon": (np.arange(n + 2) + 0.5) * side})
    monkeypatch.setattr(gz, "_MAPPED_MATRIX_BYTES", 0)
    ds = geokit.zonal_stats(cube, zones, stats=["mean", "max"], id_field="zid", threads=2)
    bases, b = [], ds["mean"].values
    while b is not None:
        bases.append(b)
        b = getattr(b, "base", None) if not isinstance(b, (mmap.mmap, memoryview)) else getattr(b, "obj", None)
    assert any(isinstance(b, mmap.mmap) for b in bases), [type(b) for b in bases]
    assert list(ds.zone.values) == list(zones["zid"])
    for t in range(3):
        one = geokit.zonal_stats(cube.isel(time=t), zones, stats=["mean", "max"], id_field="zid", threads=1)
        for s in ["mean", "max"]:
            np.testing.assert_array_equal(ds[s].isel(time=t).values, one[s].values, err_msg=f"step {t} {s}")
    assert np.isnan(ds["mean"].values).sum() > 0 and np.isfinite(ds["mean"].values).sum() > 20000
