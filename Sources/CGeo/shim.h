// The one C boundary of GeoKit, imported only by the GeoGDAL target: GDAL/OGR/OSR/CPL,
// GEOS's reentrant API, PROJ, OpenSSL's libcrypto (SHA-256 of inputs for the metadata),
// and ICU (the Zawgyi-my transform and NFC, for Myanmar text).
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
#include <geodesic.h>
#include <openssl/evp.h>
#include <openssl/crypto.h>
// libdeflate (a dependency of libgdal-dev): GeoTIFF blocks with the floating-point predictor
// are inflated and decoded by GeoGDAL itself (PredictorBlocks.swift).
#include <libdeflate.h>
// HDF5 (libhdf5-dev, Debian's serial build, the one libnetcdf links): a netCDF-4 variable
// of one-row chunks is read as raw chunks (H5Dread_chunk) and inflated by GeoGDAL on every
// worker (NetCDFRowChunks.swift). libnetcdf inside GDAL is not thread-safe: GeoGDAL makes
// every H5* call, and every GDAL netCDF/HDF5 open, close and read, under one lock. The path is Debian's (no pkg-config module for two packages).
#include <hdf5/serial/hdf5.h>
/// A file opened read-only, or a negative id. (H5F_ACC_RDONLY is a macro Swift cannot import.)
static inline hid_t geokit_h5_open_readonly(const char *path) { return H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT); }
/// HDF5 prints its error stack to stderr by default; a failure here only means "let GDAL read it".
/// Debian's build is thread-safe, so the setting is the calling thread's own: call it on each.
static inline void geokit_h5_quiet(void) { H5Eset_auto2(H5E_DEFAULT, (H5E_auto2_t)0, (void *)0); }
/// Whether HDF5 prints this thread's errors to stderr (tests).
static inline int geokit_h5_prints_errors(void) {
    H5E_auto2_t f = 0; void *d = 0;
    H5Eget_auto2(H5E_DEFAULT, &f, &d);
    return f != 0;
}

// ICU, declared here with plain C types rather than through ICU's headers: Foundation
// brings its own copy of ICU's types (module _FoundationICU, its functions renamed
// swift_*), and clang refuses two differing definitions of UErrorCode in one program. Only
// the version suffix comes from the system's ICU (uvernum.h holds no types): ICU renames
// each function by version (utrans_openU -> utrans_openU_72), and the geokit_ wrappers
// keep the Swift side free of it. Status: 0 is success, > 0 an error, 15 the buffer
// overflow error; text is UTF-16 code units.
#include <stdint.h>
#include <unicode/uvernum.h>
void *U_ICU_ENTRY_POINT_RENAME(utrans_openU)(const uint16_t *id, int32_t idLength, int32_t direction,
                                             const uint16_t *rules, int32_t rulesLength, void *parseError, int32_t *status);
void U_ICU_ENTRY_POINT_RENAME(utrans_close)(void *transliterator);
void U_ICU_ENTRY_POINT_RENAME(utrans_transUChars)(const void *transliterator, uint16_t *text, int32_t *textLength,
                                                  int32_t textCapacity, int32_t start, int32_t *limit, int32_t *status);
const void *U_ICU_ENTRY_POINT_RENAME(unorm2_getNFCInstance)(int32_t *status);
int32_t U_ICU_ENTRY_POINT_RENAME(unorm2_normalize)(const void *normalizer, const uint16_t *src, int32_t length,
                                                   uint16_t *dest, int32_t capacity, int32_t *status);
const char *U_ICU_ENTRY_POINT_RENAME(u_errorName)(int32_t code);

/// A transliterator by id (forward), or NULL with *status > 0.
static inline void *geokit_utrans_open(const uint16_t *id, int32_t idLength, int32_t *status) {
    return U_ICU_ENTRY_POINT_RENAME(utrans_openU)(id, idLength, 0, (const uint16_t *)0, 0, (void *)0, status);
}
static inline void geokit_utrans_close(void *t) { U_ICU_ENTRY_POINT_RENAME(utrans_close)(t); }
/// Transliterate text[0..<*textLength] in place (capacity code units); *textLength is the new length.
static inline void geokit_utrans_trans(const void *t, uint16_t *text, int32_t *textLength, int32_t capacity,
                                       int32_t *limit, int32_t *status) {
    U_ICU_ENTRY_POINT_RENAME(utrans_transUChars)(t, text, textLength, capacity, 0, limit, status);
}
static inline const void *geokit_nfc(int32_t *status) { return U_ICU_ENTRY_POINT_RENAME(unorm2_getNFCInstance)(status); }
static inline int32_t geokit_normalize(const void *n, const uint16_t *src, int32_t length, uint16_t *dest,
                                       int32_t capacity, int32_t *status) {
    return U_ICU_ENTRY_POINT_RENAME(unorm2_normalize)(n, src, length, dest, capacity, status);
}
static inline const char *geokit_icu_error_name(int32_t status) { return U_ICU_ENTRY_POINT_RENAME(u_errorName)(status); }

// The commit a release was built from: scripts/build-deb.sh passes
// -Xcc -DGEOKIT_BUILD_COMMIT='"<hash>"'; a plain `swift build` leaves it empty.
#ifndef GEOKIT_BUILD_COMMIT
#define GEOKIT_BUILD_COMMIT ""
#endif
static inline const char *geokit_build_commit(void) { return GEOKIT_BUILD_COMMIT; }

#endif
