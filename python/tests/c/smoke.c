/* The C interface from C: include/geokit.h compiled as it is, a run with a progress
 * callback and a cancel flag, column buffers, an error by kind and file.
 * Usage: smoke RASTER ZONES ID_FIELD; prints "rows N mean0 X calls C" and "error KIND FILE". */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "geokit.h"

static void progress(int64_t done, int64_t total, void *user) {
    (void)done; (void)total;
    ++*(int *)user;
}

int main(int argc, char **argv) {
    if (argc != 4) return 2;
    geokit_job *job = geokit_job_new();
    int32_t cancel = 0;
    int calls = 0;
    if (geokit_job_set_zones_path(job, argv[2], NULL, argv[3]) != 0) return 3;
    if (geokit_job_add_raster_path(job, "rain", argv[1], 1) != 0) return 3;
    if (geokit_job_set_stats(job, "mean,count") != 0) return 3;
    if (geokit_job_run(job, progress, &calls, &cancel) != 0) {
        fprintf(stderr, "%s\n", geokit_job_error_message(job));
        return 4;
    }
    int64_t rows = geokit_result_rows(job), cols = geokit_result_columns(job);
    if (cols != 2 || strcmp(geokit_result_column_name(job, 0), "rain_mean") != 0) return 5;
    const double *mean = geokit_result_values(job, 0);
    printf("rows %lld id0 %s mean0 %.6f calls %d\n", (long long)rows, geokit_result_id(job, 0), mean[0], calls);

    /* A missing raster: an input error naming the file. */
    geokit_job *bad = geokit_job_new();
    geokit_job_set_zones_path(bad, argv[2], NULL, argv[3]);
    geokit_job_add_raster_path(bad, "rain", "no_such.tif", 0);
    if (geokit_job_run(bad, NULL, NULL, NULL) == 0) return 6;
    printf("error %d %s\n", geokit_job_error_kind(bad), geokit_job_error_file(bad));
    geokit_job_free(bad);
    geokit_job_free(job);
    return 0;
}
