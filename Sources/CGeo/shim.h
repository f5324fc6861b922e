// The one C boundary of GeoKit: GDAL/OGR/OSR/CPL, GEOS's reentrant API, PROJ.
#ifndef GEOKIT_CGEO_SHIM_H
#define GEOKIT_CGEO_SHIM_H

#define GEOS_USE_ONLY_R_API
#include <gdal.h>
#include <gdal_utils.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>
#include <cpl_conv.h>
#include <cpl_error.h>
#include <cpl_string.h>
#include <cpl_vsi.h>
#include <geos_c.h>
#include <proj.h>

#endif
