#!/usr/bin/env python3
"""Fixtures for the roll-up test: MIMU townships made non-overlapping, and their districts
and states dissolved by shapely (GEOS), independently of geotool.

The simplified township file overlaps its neighbours by up to 1e-4 of a state's area, and a
roll-up (a sum over townships) can only equal a dissolve when the parts do not overlap. So
each township loses what earlier townships already cover; then districts and states are the
unions of their townships. Run once; outputs are committed.
"""
import json, warnings
import geopandas as gpd, shapely
warnings.simplefilter("ignore")
z = gpd.read_file("townships.json").set_crs("EPSG:4326", allow_override=True)
z = z[z.geometry.notna() & ~z.geometry.is_empty].copy()
z["geometry"] = z.geometry.make_valid()
polys = lambda g: shapely.union_all([p for p in shapely.get_parts(g) if p.geom_type in ("Polygon", "MultiPolygon")])
z["geometry"] = [polys(g) for g in z.geometry]
covered = None
clean = []
for g in z.geometry:
    c = g if covered is None else polys(shapely.difference(g, covered))
    clean.append(c)
    covered = g if covered is None else shapely.union(covered, g)
z["geometry"] = clean
z = z[~z.geometry.is_empty]
cols = ["TS_PCODE", "TS", "DT_PCODE", "DT", "ST_PCODE", "ST", "geometry"]
z[cols].to_file("townships_clean.geojson", driver="GeoJSON", COORDINATE_PRECISION=15)
for lvl, name, out in [("DT_PCODE", "DT", "districts_dissolved.geojson"), ("ST_PCODE", "ST", "states_dissolved.geojson")]:
    d = z[cols].dissolve(by=lvl, aggfunc="first").reset_index()
    d[[lvl, name, "geometry"]].to_file(out, driver="GeoJSON", COORDINATE_PRECISION=15)
    s = z.groupby(lvl).geometry.apply(lambda g: g.area.sum())
    print(lvl, len(d), "max relative overlap after cleaning",
          ((s.values - d.set_index(lvl).loc[s.index].geometry.area.values) / s.values).max())
