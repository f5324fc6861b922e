/*
 * geokit.h: the C interface to GeoKit's zonal statistics (libGeoKitC.so).
 *
 * Build: swift build -c release --product GeoKitC   (-> .build/release/libGeoKitC.so)
 *
 * A job is filled (zones, rasters, statistics), run, and read back as column buffers.
 * Each job keeps its own state (results, last error, strings handed out): two threads may
 * run two jobs at once. One job is used by one thread at a time, except
 * geokit_job_progress, which may be called from another thread during geokit_job_run.
 * Strings and buffers the library returns belong to the job: valid until the next
 * geokit_job_run or geokit_job_free. Functions returning int return 0 on success and -1 on
 * error; the error is then read with geokit_job_error_*.
 *
 * Process-wide state (shared by every job, set on first use): GDAL's drivers registered,
 * GDAL_PAM_ENABLED=NO, CPL_LOG=/dev/null, OGR_GEOJSON_MAX_OBJ_SIZE=0, one CPLSetErrorHandler
 * (GDAL warnings are collected into the result's warnings), GDAL's block cache size (set by
 * each run to an eighth of its memory budget, at least 16 MB). A GDAL loaded by another
 * library (rasterio's wheels carry their own) is a different copy and is not touched.
 */
#ifndef GEOKIT_H
#define GEOKIT_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct geokit_job geokit_job;

/* Pixel types of in-memory arrays (geokit_job_add_raster_array's dtype). */
enum {
    GEOKIT_UINT8 = 0, GEOKIT_INT8 = 1, GEOKIT_UINT16 = 2, GEOKIT_INT16 = 3,
    GEOKIT_UINT32 = 4, GEOKIT_INT32 = 5, GEOKIT_FLOAT32 = 6, GEOKIT_FLOAT64 = 7
};

/* Error kinds (geokit_job_error_kind), as GeoKitError.Kind. */
enum {
    GEOKIT_OK = 0, GEOKIT_ERR_INPUT = 1, GEOKIT_ERR_CRS = 2, GEOKIT_ERR_ARGUMENT = 3,
    GEOKIT_ERR_IO = 4, GEOKIT_ERR_CANCELLED = 5, GEOKIT_ERR_INTERNAL = 6
};

/* Progress: cells done of total, on one of the run's threads (keep it short). */
typedef void (*geokit_progress)(int64_t done, int64_t total, void *user);

const char *geokit_version(void);

geokit_job *geokit_job_new(void);
void geokit_job_free(geokit_job *job);

/* Zones from a vector file (any OGR format): layer may be NULL (a single-layer source). */
int geokit_job_set_zones_path(geokit_job *job, const char *path, const char *layer, const char *id_field);

/* Zones in memory: count WKB geometries (wkb[i] of sizes[i] bytes; size 0 or NULL: no
 * geometry, an empty row) with their ids, in crs (WKT, "EPSG:n" or any definition GDAL
 * accepts; NULL or "": the raster's). Transformed to the raster's CRS, repaired as a file's
 * zones are. name stands for a path in messages (NULL: "<zones in memory>"). Copied. */
int geokit_job_set_zones_wkb(geokit_job *job, int64_t count, const uint8_t *const *wkb, const int64_t *sizes,
                             const char *const *ids, const char *crs, const char *name);

/* A raster file (any GDAL raster, NetCDF variable...): band 0 = every band. name names its
 * columns (NAME_STAT, or NAME_bK_STAT for band K of several). */
int geokit_job_add_raster_path(geokit_job *job, const char *name, const char *path, int32_t band);

/* A raster in the caller's memory, NOT copied: bands x rows x cols values of dtype,
 * C-contiguous (band-major, row-major), north-up (geotransform[2] == geotransform[4] == 0,
 * geotransform[5] < 0; GDAL's order: left, dx, 0, top, 0, -dy). crs as for zones (NULL:
 * none). nodata applies when has_nodata != 0; NaN is always empty. band_labels, when not
 * NULL, has a label (a date) per band, reported by geokit_result_band_date. The memory
 * must stay alive and unchanged until geokit_job_free (or until the job is run no more). */
int geokit_job_add_raster_array(geokit_job *job, const char *name, const void *data, int32_t dtype,
                                int64_t bands, int64_t rows, int64_t cols, const double geotransform[6],
                                const char *crs, int32_t has_nodata, double nodata,
                                const char *const *band_labels);

/* Forget the rasters added, to run the same zones over other rasters: the zones as read
 * and their coverage of a grid are kept from run to run (until the zones are set again),
 * so a run on a grid seen before neither reads the zones nor computes their coverage. */
void geokit_job_clear_rasters(geokit_job *job);
/* Runs of this job that reused the zones' coverage of an earlier run on the same grid. */
int64_t geokit_job_coverage_reused(geokit_job *job);

/* Statistics, comma-separated, as geotool zonal --stats takes them ("mean,sum,p90,frac"). */
int geokit_job_set_stats(geokit_job *job, const char *stats);
/* "exact" (default), "center" or "all-touched". */
int geokit_job_set_method(geokit_job *job, const char *method);
/* Worker threads (0: one per core). */
int geokit_job_set_threads(geokit_job *job, int32_t threads);
/* Memory bound of a run in MB (decoded blocks, zones, result values); 0: half the machine's
 * memory (the default). A run estimated above it fails with GEOKIT_ERR_ARGUMENT. */
int geokit_job_set_max_memory(geokit_job *job, int64_t megabytes);

/* Run the job. progress may be NULL. cancel may be NULL; when *cancel becomes non-zero
 * (set by any thread) the run stops between row bands and returns -1 with
 * GEOKIT_ERR_CANCELLED. Blocks the calling thread (call it from a worker thread to stay
 * responsive). */
int geokit_job_run(geokit_job *job, geokit_progress progress, void *user, const int32_t *cancel);
/* Cells done and total of the current run (callable from another thread during the run). */
void geokit_job_progress(geokit_job *job, int64_t *done, int64_t *total);

/* The last error: kind (GEOKIT_OK for none), the file it concerns (NULL for none), and its
 * one-line message (with the file and a hint). */
int32_t geokit_job_error_kind(geokit_job *job);
const char *geokit_job_error_file(geokit_job *job);
const char *geokit_job_error_message(geokit_job *job);

/* Results: a row per zone (in the zones' order), a column per band x statistic (and per
 * class for categorical statistics). */
int64_t geokit_result_rows(geokit_job *job);
int64_t geokit_result_columns(geokit_job *job);
const char *geokit_result_column_name(geokit_job *job, int64_t column);
const char *geokit_result_column_stat(geokit_job *job, int64_t column);   /* "mean", "frac_3" */
int64_t geokit_result_column_band(geokit_job *job, int64_t column);       /* 0-based output band */
/* rows doubles; NaN where the value is empty (no valid cell). */
const double *geokit_result_values(geokit_job *job, int64_t column);
/* The same values written into the caller's memory, row k at out[k * stride] (stride >= 1,
 * in doubles: a column of a rows x bands array), with no buffer kept by the job. 0, or -1
 * for no such column. */
int32_t geokit_result_copy_values(geokit_job *job, int64_t column, double *out, int64_t stride);
/* Several columns at once into the caller's rows x count array (C order): out[row * count + k]
 * is column columns[k] (NaN where columns[k] is -1), written row by row (a statistic's
 * (zone, time) array in one pass). 0, or -1 for a column out of range. */
int32_t geokit_result_copy_matrix(geokit_job *job, const int64_t *columns, int64_t count, double *out);
const char *geokit_result_id(geokit_job *job, int64_t row);
/* Every id, each NUL-terminated, one after another; *bytes gets the buffer's length. */
const char *geokit_result_ids(geokit_job *job, int64_t *bytes);
/* Output bands: label (column prefix), raster name, date (its band label; NULL for none). */
int64_t geokit_result_bands(geokit_job *job);
const char *geokit_result_band_label(geokit_job *job, int64_t band);
const char *geokit_result_band_raster(geokit_job *job, int64_t band);
const char *geokit_result_band_date(geokit_job *job, int64_t band);
/* Warnings of the run (geometry repaired, zones outside the raster...), one line each. */
int64_t geokit_result_warnings(geokit_job *job);
const char *geokit_result_warning(geokit_job *job, int64_t index);
/* The metadata sidecar geotool zonal writes (a Frictionless data package), as JSON. */
const char *geokit_result_metadata_json(geokit_job *job);

/* Points to zones, as geotool join: count points (x[i], y[i]; NaN: missing) in points_crs
 * (NULL: EPSG:4326) located in the zones of a vector file (id_field, and the comma-separated
 * include_fields, may be NULL), the nearest zone within nearest_m metres for points outside
 * every zone (0: none), border_tolerance_m as --border-tolerance (geotool's default 0.2).
 * point_ids (NULL: none) are the points' own ids: repeated ones are flagged duplicate_id.
 * The results are the columns the join adds (the zone's id, the include fields, match,
 * distance_m, swapped_<id>, flags), one row per point, read as text. */
int geokit_job_join(geokit_job *job, const char *zones_path, const char *layer, const char *id_field,
                    const char *include_fields, int64_t count, const double *x, const double *y,
                    const char *points_crs, double nearest_m, double border_tolerance_m,
                    const char *const *point_ids);
int64_t geokit_join_rows(geokit_job *job);
int64_t geokit_join_columns(geokit_job *job);
const char *geokit_join_column_name(geokit_job *job, int64_t column);
/* Every row's value of the column, each NUL-terminated, one after another (empty: ""). */
const char *geokit_join_column_text(geokit_job *job, int64_t column, int64_t *bytes);

#ifdef __cplusplus
}
#endif

#endif
