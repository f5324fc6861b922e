#!/usr/bin/env python3
"""Build the point- and line-zone fixtures and record two peer tools' answers.

Run once (needs numpy, rasterio, shapely, pyproj, rasterstats and exactextract from PyPI);
the raster, layers and expected.json it writes are committed, so the Swift tests need none
of these packages.
  * points: rasterstats 0.21 point_query(interpolate="nearest"), the value of the cell under
    each point (exactextract 0.3 refuses points).
  * lines: exactextract 0.3, which weights a cell by the length of line inside it.
  * buffered points: each geodesic disc drawn here with pyproj's Geod.fwd (GeographicLib, not
    the Vincenty code GeoKit uses), 128 vertices at azimuths 360 k / 128 clockwise from
    north, overlapping discs merged by shapely; then exactextract on those polygons.

  python3 make_fixtures.py
"""
import json
import warnings

import numpy as np
import rasterio
from rasterio.transform import from_origin
from shapely.geometry import shape, mapping, Polygon
from shapely.ops import unary_union
from pyproj import Geod
from rasterstats import point_query
from exactextract import exact_extract
import geopandas as gpd

warnings.simplefilter("ignore")
rng = np.random.default_rng(15)

# Rainfall-like raster on WGS 84: 48 x 32 cells of 1/64 degree (exact in binary, so points
# placed on cell edges are exactly on them), lon 96..96.75, lat 16.5..17 (near Yangon).
CELL = 1 / 64
LEFT, TOP, COLS, ROWS = 96.0, 17.0, 48, 32
NODATA = -9999.0
rain = rng.uniform(20, 300, size=(ROWS, COLS)).round(3).astype("float32")
for r, c in [(5, 5), (10, 20), (11, 20), (20, 30)]:
    rain[r, c] = NODATA
with rasterio.open("rain.tif", "w", driver="GTiff", width=COLS, height=ROWS, count=1, dtype="float32",
                   crs="EPSG:4326", transform=from_origin(LEFT, TOP, CELL, CELL), nodata=NODATA) as d:
    d.write(rain, 1)


def x(col):
    return LEFT + col * CELL


def y(row):
    return TOP - row * CELL


def feature(fid, geom):
    return {"type": "Feature", "properties": {"id": fid}, "geometry": geom}


def write(path, feats):
    with open(path, "w") as f:
        json.dump({"type": "FeatureCollection", "features": feats}, f, indent=1)


schools = [
    feature("S1", {"type": "Point", "coordinates": [x(7.3), y(4.6)]}),
    feature("S2_vertical_edge", {"type": "Point", "coordinates": [x(13), y(8.5)]}),
    feature("S3_corner", {"type": "Point", "coordinates": [x(20), y(15)]}),
    feature("S4_outside", {"type": "Point", "coordinates": [95.5, 16.8]}),
    feature("S5_nodata", {"type": "Point", "coordinates": [x(5.5), y(5.5)]}),
    feature("S6_multi", {"type": "MultiPoint", "coordinates": [[x(30.2), y(2.2)], [x(30.8), y(2.9)], [x(40.5), y(25.5)]]}),
    feature("S7_right_edge", {"type": "Point", "coordinates": [x(COLS), y(3.5)]}),
    feature("S8_horizontal_edge", {"type": "Point", "coordinates": [x(2.5), y(30)]}),
]
write("schools.geojson", schools)

roads = [
    feature("R1", {"type": "LineString", "coordinates": [[x(1.3), y(2.2)], [x(9.7), y(6.1)]]}),
    feature("R2_bends", {"type": "LineString", "coordinates": [[x(3.1), y(20.4)], [x(8.6), y(25.3)], [x(15.2), y(21.7)], [x(19.9), y(28.1)]]}),
    feature("R3_multi", {"type": "MultiLineString", "coordinates": [[[x(25.1), y(3.3)], [x(28.7), y(9.9)]], [[x(33.3), y(12.2)], [x(44.4), y(14.7)]]]}),
    feature("R4_partly_outside", {"type": "LineString", "coordinates": [[x(-6.2), y(17.1)], [x(5.3), y(18.9)]]}),
    feature("R5_across_nodata", {"type": "LineString", "coordinates": [[x(18.2), y(8.7)], [x(22.9), y(13.4)]]}),
    feature("R6_outside", {"type": "LineString", "coordinates": [[95.1, 16.1], [95.3, 16.2]]}),
]
write("roads.geojson", roads)

# A mixed layer: a polygon, a point, a line and a feature without geometry.
mixed = [
    feature("M_polygon", {"type": "Polygon", "coordinates": [[[x(30.3), y(20.2)], [x(36.6), y(20.9)], [x(34.1), y(27.7)], [x(30.3), y(20.2)]]]}),
    feature("M_point", {"type": "Point", "coordinates": [x(44.2), y(6.7)]}),
    feature("M_line", {"type": "LineString", "coordinates": [[x(38.4), y(28.1)], [x(46.2), y(22.3)]]}),
    feature("M_null", None),
]
write("mixed.geojson", mixed)

# Buffered points (2 km), and a MultiPoint whose discs overlap.
RADIUS = 2000.0
N = 128
geod = Geod(ellps="WGS84")


def disc(lon, lat):
    az = [360 * k / N for k in range(N)]
    lons, lats, _ = geod.fwd([lon] * N, [lat] * N, az, [RADIUS] * N)
    return Polygon(list(zip(lons, lats)))


buffered = [
    feature("B1", {"type": "Point", "coordinates": [x(24.4), y(16.3)]}),
    feature("B2_at_edge", {"type": "Point", "coordinates": [x(0.4), y(12.6)]}),
    feature("B3_multi", {"type": "MultiPoint", "coordinates": [[x(10.2), y(26.2)], [x(11.6), y(27.0)]]}),
]
write("buffered.geojson", buffered)
discs = []
for f in buffered:
    pts = [f["geometry"]["coordinates"]] if f["geometry"]["type"] == "Point" else f["geometry"]["coordinates"]
    discs.append(feature(f["properties"]["id"], mapping(unary_union([disc(*p) for p in pts]))))
write("discs_pyproj.geojson", discs)

STATS = ["count", "sum", "mean", "min", "max"]


def ee(path):
    g = gpd.read_file(path)
    g = g[g.geometry.notna()]
    out = {}
    for _, row in g.iterrows():
        one = gpd.GeoDataFrame({"id": [row["id"]]}, geometry=[row.geometry], crs="EPSG:4326")
        if row.geometry.geom_type == "Point":
            continue
        r = exact_extract("rain.tif", one, STATS, output="pandas").iloc[0]
        out[row["id"]] = {s: (None if r[s] is None or (isinstance(r[s], float) and np.isnan(r[s])) else float(r[s])) for s in STATS}
    return out


def pq(path):
    out = {}
    for f in json.load(open(path))["features"]:
        if not f["geometry"] or f["geometry"]["type"] not in ("Point", "MultiPoint"):
            continue
        v = point_query([f["geometry"]], "rain.tif", interpolate="nearest")[0]
        out[f["properties"]["id"]] = v if isinstance(v, list) else [v]
    return out


expected = {
    "points_rasterstats": pq("schools.geojson"),
    "lines_exactextract": ee("roads.geojson"),
    "discs_exactextract": ee("discs_pyproj.geojson"),
    "discs_area_m2": {f["properties"]["id"]: abs(geod.geometry_area_perimeter(shape(f["geometry"]))[0]) for f in discs},
    "mixed_exactextract": ee("mixed.geojson"),
    "mixed_rasterstats": pq("mixed.geojson"),
    "radius_m": RADIUS,
}
with open("expected.json", "w") as f:
    json.dump(expected, f, indent=1, sort_keys=True)
print(json.dumps(expected, indent=1))
