/*
 * catalog.h - the sky catalog: schema (numbered migrations, identical on
 * SQLite and PostgreSQL) and typed accessors used by the API and the engine.
 *
 * Tables: ms (measurement sets and their pipeline stage), images, sources,
 * photometry, cal_tables, ms_calibrations (tables applied to a set),
 * hdf5_files (sub-band files), qa (image and calibration QA), jobs,
 * batch_jobs and batch_items. Times are MJD (observations) or Unix seconds
 * (bookkeeping: created_at, updated_at, started_at, ...). Integer ids are
 * catalog-assigned; job and batch ids are UUIDv7 text.
 */
#ifndef STRATA_SKY_CATALOG_H
#define STRATA_SKY_CATALOG_H

#include "strata/buf.h"
#include "strata/db.h"

#include <stdint.h>

/* Open (and migrate) a catalog by URL or path. */
int sky_catalog_open(const char *url, strata_db **out);

/* Apply the catalog's migrations; *applied (may be NULL) gets how many ran. */
int sky_catalog_migrate(strata_db *db, int *applied);

/* The number of catalog migrations (the current schema version). */
int sky_catalog_schema_version(void);

/* PostgreSQL: fold the sky_catalog_generation rows of backends no longer
 * running into row 0, in one statement, so that their sum (the generation
 * the API's response cache reads) stays the same while the table stays
 * small. One caller at a time (an advisory lock; the others skip). Nothing
 * to do on SQLite. */
int sky_catalog_generation_compact(strata_db *db);

/* --- JSON rendering of result rows ---------------------------------------- */

/* A result column: its JSON name and type: 'i' integer, 'd' double,
 * 't' text, 'b' boolean (0/1), 'j' text holding JSON (emitted raw when it
 * parses as an object or array, else as a string). */
typedef struct sky_col {
	const char *name;
	char type;
} sky_col;

/* Append the current row of st (columns 0..n-1 as cols) as a JSON object. */
int sky_json_row(strata_buf *out, strata_db_stmt *st, const sky_col *cols, int n);

/* --- typed accessors -------------------------------------------------------- */

typedef struct sky_ms {
	const char *path, *group_id, *stage, *status;
	double start_mjd, mid_mjd, end_mjd, ra_deg, dec_deg;
	int cal_applied;
} sky_ms;

/* Insert or update (by path) a measurement set; *id gets its id. */
int sky_ms_upsert(strata_db *db, const sky_ms *ms, int64_t *id);

typedef struct sky_image {
	const char *path, *type, *format, *field, *qa_grade;
	int64_t ms_id; /* 0: none */
	double beam_major_arcsec, beam_minor_arcsec, beam_pa_deg, noise_jy, dynamic_range;
	int pb_corrected, size_x, size_y;
	double ra_deg, dec_deg, cell_arcsec, freq_hz, bandwidth_hz, integration_s;
	double created_at; /* Unix seconds; 0: now */
} sky_image;

/* Insert or update (by path) an image; *id gets its id. */
int sky_image_upsert(strata_db *db, const sky_image *im, int64_t *id);

typedef struct sky_source {
	const char *name, *catalog_match;
	double ra_deg, dec_deg;
} sky_source;

int sky_source_upsert(strata_db *db, const sky_source *s, int64_t *id);

typedef struct sky_photometry {
	int64_t source_id, image_id;
	double ra_deg, dec_deg, peak_jy, peak_err_jy, int_jy, int_err_jy, snr, mjd, local_rms_jy;
	int flags;
} sky_photometry;

/* Insert a measurement and update the source's detection span and count. */
int sky_photometry_insert(strata_db *db, const sky_photometry *p, int64_t *id);

typedef struct sky_cal_table {
	const char *set_name, *path, *table_type, *field, *refant, *status, *solver;
	int cal_order;
	double valid_start_mjd, valid_end_mjd, quality;
} sky_cal_table;

int sky_cal_table_upsert(strata_db *db, const sky_cal_table *c, int64_t *id);

typedef struct sky_hdf5_file {
	const char *path, *group_id;
	int subband;
	double timestamp_mjd, ra_deg, dec_deg;
	int64_t size_bytes;
} sky_hdf5_file;

/* Insert a sub-band file (ignored when its path is known); *inserted 1/0. */
int sky_hdf5_insert(strata_db *db, const sky_hdf5_file *f, int *inserted);

/* Unix seconds now, as stored in the catalog. */
double sky_now(void);

/* Run a one-integer query without parameters; *out gets the value (0 when
 * no row or NULL). */
int sky_query_int(strata_db *db, const char *sql, int64_t *out);

#endif
