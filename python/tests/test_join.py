"""geokit.join on the join fixtures, whose answers are known by construction
(TestRasters/join/README.md: MMR001 = lon 95..96 x lat 16..17, MMR002 = lon 96..97 x lat
16..17, MMR003 = lon 95..97 x lat 17..18; 0.01 degrees west of MMR001 at latitude 16.5 is
1067.642 m on WGS 84, from PROJ's geod -I)."""
import numpy as np
import pandas as pd
import pytest

import geokit
from conftest import REPO

ZONES = str(REPO / "TestRasters" / "join" / "zones.geojson")
ZONES_UTM = str(REPO / "TestRasters" / "join" / "zones_utm47.gpkg")


@pytest.fixture(scope="module")
def schools():
    import geopandas as gpd
    pts = pd.read_csv(REPO / "TestRasters" / "join" / "points.csv", encoding="utf-8-sig")
    lon = pd.to_numeric(pts["longitude"], errors="coerce")
    lat = pd.to_numeric(pts["latitude"], errors="coerce")
    return gpd.GeoDataFrame(pts, geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326").set_index("school_id", drop=False)


def check(r, geographic=True):
    assert r.loc["S1", "VT_PCODE"] == "MMR001" and r.loc["S1", "match"] == "inside" and r.loc["S1", "distance_m"] == 0
    # On the MMR001/MMR002 border: the lower id, flagged
    assert r.loc["S2", "VT_PCODE"] == "MMR001" and r.loc["S2", "match"] == "border"
    assert r.loc["S3", "VT_PCODE"] == "MMR001" and r.loc["S3", "match"] == "nearest"
    assert abs(r.loc["S3", "distance_m"] - 1067.642) < 0.1
    assert r.loc["S4", "match"] == "outside" and r.loc["S4", "VT_PCODE"] is None
    assert r.loc["S6", "match"] == "missing_coords"
    assert r.loc["S10", "VT_PCODE"] == "MMR002" and r.loc["S10", "found_TS_PCODE"] == "TS2"
    assert r.loc["S11", "VT_PCODE"] == "MMR003"
    if geographic:
        # Latitude 95.5 and longitude 16.5: the swapped point is in MMR001. (In UTM, pyproj
        # already gave such points infinite coordinates: missing.)
        assert r.loc["S5", "match"] == "swapped_coords" and r.loc["S5", "swapped_VT_PCODE"] == "MMR001"
        assert r.loc["S12", "match"] == "invalid_coords"


def test_join_geodataframe_matches_the_fixtures_answers(schools):
    r = geokit.join(schools, ZONES, "VT_PCODE", include=["TS_PCODE"], nearest=2000)
    # The points' own TS_PCODE column stays; the zone's comes as found_TS_PCODE
    assert list(r["TS_PCODE"]) == list(schools["TS_PCODE"])
    check(r)


def test_join_points_in_another_crs_and_zones_in_utm(schools):
    r = geokit.join(schools.to_crs(32647), ZONES_UTM, "VT_PCODE", include=["TS_PCODE"], nearest=2000)
    check(r, geographic=False)


def test_join_dataframe_with_coordinate_columns_and_duplicate_ids(schools):
    df = pd.DataFrame(schools.drop(columns="geometry"))
    r = geokit.join(df, ZONES, "VT_PCODE", x="longitude", y="latitude", point_id="school_id")
    s8 = r[r["school_id"] == "S8"]
    assert len(s8) == 2 and set(s8["match"]) == {"duplicate_id"}


def test_join_missing_zones_raises_input_error_naming_the_file(schools):
    missing = str(REPO / "TestRasters" / "join" / "no_such_zones.gpkg")
    with pytest.raises(geokit.InputError) as e:
        geokit.join(schools, missing, "VT_PCODE")
    assert e.value.file == missing
