// The one C boundary of GeoKit, imported only by the GeoGDAL target: GDAL/OGR/OSR/CPL,
// GEOS's reentrant API, PROJ, and OpenSSL's libcrypto (SHA-256 of inputs for the metadata).
#ifndef GEOKIT_CGEO_SHIM_H
#define GEOKIT_CGEO_SHIM_H

#define GEOS_USE_ONLY_R_API
#include <gdal.h>
#include <gdal_utils.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>
#include <ogr_recordbatch.h>
#include <cpl_conv.h>
#include <cpl_error.h>
#include <cpl_string.h>
#include <cpl_vsi.h>
#include <geos_c.h>
#include <proj.h>
#include <openssl/evp.h>
#include <openssl/crypto.h>

// The commit a release was built from: scripts/build-deb.sh passes
// -Xcc -DGEOKIT_BUILD_COMMIT='"<hash>"'; a plain `swift build` leaves it empty.
#ifndef GEOKIT_BUILD_COMMIT
#define GEOKIT_BUILD_COMMIT ""
#endif
static inline const char *geokit_build_commit(void) { return GEOKIT_BUILD_COMMIT; }

#endif
