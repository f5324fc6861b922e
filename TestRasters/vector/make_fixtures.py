#!/usr/bin/python3
"""Fixtures and expected answers for `geotool vector` (Tests/GeotoolTests/VectorTests.swift).

Run with Debian's python (python3-shapely, python3-pyproj, gdal-bin):
    /usr/bin/python3 TestRasters/vector/make_fixtures.py

The answers in expected.json come from shapely (intersections, unions) and pyproj's Geod
(geodesic lengths and areas on WGS 84, GeographicLib), the way a geopandas overlay with
pyproj measures them: independent of geotool's GEOS/PROJ code in Swift.
"""
import json, os, subprocess
from shapely.geometry import shape, box, mapping, LineString, MultiLineString, Point, Polygon, GeometryCollection
from shapely.ops import unary_union
from shapely.validation import make_valid
from pyproj import Geod

here = os.path.dirname(os.path.abspath(__file__))
geod = Geod(ellps="WGS84")

def fc(features):
    return {"type": "FeatureCollection",
            "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}},
            "features": features}

def write(name, obj):
    with open(os.path.join(here, name), "w") as f:
        json.dump(obj, f, indent=1)

# Zones: four 0.1 degree squares meeting at (96.1, 19.1), and a fifth apart with nothing in it.
# Listed out of id order, so that the border rule (lowest id) is not the input order.
zones = [
    ("MMR002", "D1", box(96.1, 19.0, 96.2, 19.1)),
    ("MMR001", "D1", box(96.0, 19.0, 96.1, 19.1)),
    ("MMR004", "D2", box(96.1, 19.1, 96.2, 19.2)),
    ("MMR003", "D2", box(96.0, 19.1, 96.1, 19.2)),
    ("MMR005", "D3", box(96.3, 19.0, 96.4, 19.1)),
]
write("zones.geojson", fc([{"type": "Feature", "properties": {"TS_PCODE": z, "DT_PCODE": d, "ST_PCODE": "S1"},
                            "geometry": mapping(g)} for z, d, g in zones]))

# Schools: a CSV register (expected counts are worked out by hand in the test).
rows = [
    ("s1", "primary", "100", 96.05, 19.05),
    ("s2", "secondary", "300", 96.07, 19.02),
    ("s3", "primary", "50", 96.15, 19.05),
    ("s4", "primary", "80", 96.1, 19.05),      # on the edge MMR001 | MMR002
    ("s5", "middle", "40", 96.1, 19.1),        # the corner of all four
    ("s6", "primary", "", 96.15, 19.15),
    ("s7", "primary", "10", 97.0, 20.0),       # outside every zone
    ("s8", "primary", "10", 19.15, 96.05),     # latitude and longitude swapped
    ("s9", "secondary", "abc", 96.05, 19.15),  # not a number
]
with open(os.path.join(here, "schools.csv"), "w") as f:
    f.write("school_id,level,students,longitude,latitude\n")
    for r in rows:
        f.write(",".join(str(v) for v in r) + "\n")

# The same schools as a point layer (QGIS's countpointsinpolygon reads it in the test).
write("schools.geojson", fc([{"type": "Feature", "properties": {"school_id": r[0], "level": r[1], "students": r[2]},
                              "geometry": mapping(Point(r[3], r[4]))} for r in rows]))

# Roads: mixed geometry types, feature by feature.
roads = [
    ("primary", LineString([(96.02, 19.05), (96.18, 19.05)])),                 # crosses MMR001 -> MMR002
    ("track", LineString([(96.1, 19.0), (96.1, 19.1)])),                       # along the MMR001 | MMR002 border
    ("primary", MultiLineString([[(96.05, 19.12), (96.05, 19.18)], [(96.15, 19.12), (96.15, 19.18)]])),
    ("secondary", LineString([(96.15, 19.05), (96.25, 19.05)])),               # leaves MMR002 eastwards
    ("primary", box(96.01, 19.01, 96.03, 19.03)),                              # a polygon: no line
    ("track", GeometryCollection([LineString([(96.12, 19.15), (96.18, 19.15)]), Point(96.13, 19.13)])),
]
write("roads.geojson", fc([{"type": "Feature", "properties": {"highway": h}, "geometry": mapping(g)} for h, g in roads]))

# Protected areas: overlapping polygons of two classes, an invalid bow-tie, one covering MMR003.
protected = [
    ("forest", box(96.02, 19.02, 96.08, 19.08)),
    ("forest", box(96.05, 19.03, 96.15, 19.07)),
    ("park", box(96.06, 19.04, 96.12, 19.06)),
    ("park", Polygon([(96.12, 19.12), (96.18, 19.18), (96.18, 19.12), (96.12, 19.18), (96.12, 19.12)])),
    ("forest", box(95.95, 19.1, 96.1, 19.25)),   # covers MMR003, touches MMR001 along an edge
]
write("protected.geojson", fc([{"type": "Feature", "properties": {"category": c}, "geometry": mapping(g)} for c, g in protected]))

# The roads and protected areas in UTM 47N: reprojected by geotool to the zones' CRS.
for name in ["roads", "protected"]:
    out = os.path.join(here, name + "_utm.gpkg")
    if os.path.exists(out):
        os.remove(out)
    subprocess.run(["ogr2ogr", "-t_srs", "EPSG:32647", "-f", "GPKG", out, os.path.join(here, name + ".geojson")], check=True)

# Expected answers.
def length(g):
    return geod.geometry_length(g) if not g.is_empty else 0.0

def area(g):
    return abs(geod.geometry_area_perimeter(g)[0]) if not g.is_empty else 0.0

def lines_of(g):
    if g.is_empty:
        return []
    if g.geom_type == "LineString":
        return [g]
    if g.geom_type in ("MultiLineString", "GeometryCollection"):
        return [p for part in g.geoms for p in lines_of(part)]
    return []

def polys_of(g):
    if g.geom_type == "Polygon":
        return [g]
    if g.geom_type in ("MultiPolygon", "GeometryCollection"):
        return [p for part in g.geoms for p in polys_of(part)]
    return []

expected = {}
by_id = sorted(zones, key=lambda z: z[0])
for zid, _, zg in zones:
    e = {"zone_area_km2": area(zg) / 1e6}
    # Lines: a piece inside several zones goes to the lowest id: cut by the zones in id order.
    total, per = 0.0, {}
    for h, g in roads:
        parts = lines_of(g)
        if not parts:
            continue
        rest = unary_union(parts)
        for oid, _, og in by_id:
            piece = rest.intersection(og)
            if oid == zid:
                l = sum(length(p) for p in lines_of(piece))
                total += l
                per[h] = per.get(h, 0.0) + l
                break
            rest = rest.difference(og)
    e["roads_length_km"] = total / 1000
    for h in ["primary", "secondary", "track"]:
        e["roads_length_km_" + h] = per.get(h, 0.0) / 1000
    # Polygons: pieces per class dissolved, and all classes dissolved.
    pieces = {}
    feats = 0
    for c, g in protected:
        g = g if g.is_valid else make_valid(g)
        piece = unary_union(polys_of(g.intersection(zg)))
        if area(piece) > 0:
            pieces.setdefault(c, []).append(piece)
            feats += 1
    per_class = {c: area(unary_union(p)) for c, p in pieces.items()}
    all_area = area(unary_union([p for ps in pieces.values() for p in ps])) if pieces else 0.0
    e["protected_area_km2"] = all_area / 1e6
    e["protected_share"] = all_area / area(zg)
    e["protected_features"] = feats
    for c in ["forest", "park"]:
        e["protected_area_km2_" + c] = per_class.get(c, 0.0) / 1e6
    expected[zid] = e
write("expected.json", expected)
print(json.dumps(expected, indent=1))
