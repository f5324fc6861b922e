"""geokit in a process that uses GDAL itself (Debian's osgeo.gdal, the same libgdal): the
settings geokit reads with (no .aux.xml beside the user's rasters) stay on geokit's own
threads; the other user's configuration and PAM files are as GDAL's defaults make them."""
import shutil

import geokit
from conftest import ID, RASTER, ZONES


def test_other_gdal_users_keep_their_settings(tmp_path):
    from osgeo import gdal
    geokit.zonal_stats(str(RASTER), str(ZONES), stats=["mean"], id_field=ID)
    assert gdal.GetConfigOption("GDAL_PAM_ENABLED") is None
    assert gdal.GetConfigOption("OGR_GEOJSON_MAX_OBJ_SIZE") is None
    # PAM is on for osgeo: computed statistics are saved beside the raster, as GDAL does.
    copy = tmp_path / "r.tif"
    shutil.copy(RASTER, copy)
    ds = gdal.Open(str(copy))
    ds.GetRasterBand(1).ComputeStatistics(False)
    ds = None
    assert (tmp_path / "r.tif.aux.xml").exists()
