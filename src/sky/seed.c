/* seed.c - a synthetic catalog for demos, tests and benchmarks; see seed.h. */
#include "sky/seed.h"

#include "sky/catalog.h"
#include "strata/error.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define MJD0 60000.0

static const char *const ms_stages[] = {"done",       "done",    "done",      "imaging",
                                        "calibrated", "flagged", "converted", "pending"};
static const char *const grades[] = {"excellent", "good", "good", "marginal", "poor"};

static int bind_ms(strata_db_stmt *st, size_t i, void *ctx)
{
	char path[64], group[32];
	double t = MJD0 + (double)i * 300.0 / 86400.0;
	int rc;

	(void)ctx;
	snprintf(path, sizeof path, "/data/ms/obs%06zu.ms", i + 1);
	snprintf(group, sizeof group, "g%06zu", i + 1);
	if ((rc = strata_db_bind_int64(st, 1, (int64_t)i + 1)) ||
	    (rc = strata_db_bind_text(st, 2, path)) || (rc = strata_db_bind_text(st, 3, group)) ||
	    (rc = strata_db_bind_double(st, 4, t)) ||
	    (rc = strata_db_bind_double(st, 5, t + 150.0 / 86400)) ||
	    (rc = strata_db_bind_double(st, 6, t + 300.0 / 86400)) ||
	    (rc = strata_db_bind_text(st, 7, ms_stages[i % 8])) ||
	    (rc = strata_db_bind_double(st, 8, fmod((double)i * 1.25, 360.0))))
		return rc;
	return strata_db_bind_double(st, 9, 20.0 + fmod((double)i * 0.01, 50.0));
}

static int bind_image(strata_db_stmt *st, size_t i, void *ctx)
{
	const sky_seed_counts *n = ctx;
	char path[64];
	int rc;

	snprintf(path, sizeof path, "/data/images/img%07zu.fits", i + 1);
	if ((rc = strata_db_bind_int64(st, 1, (int64_t)i + 1)) ||
	    (rc = strata_db_bind_text(st, 2, path)) ||
	    (rc = strata_db_bind_int64(st, 3, (int64_t)(i % (size_t)n->ms) + 1)) ||
	    (rc = strata_db_bind_double(st, 4, 30.0 + (double)(i % 7))) ||
	    (rc = strata_db_bind_double(st, 5, 20.0 + (double)(i % 5))) ||
	    (rc = strata_db_bind_double(st, 6, (double)(i % 180))) ||
	    (rc = strata_db_bind_double(st, 7, 0.0005 + (double)(i % 100) * 1e-5)) ||
	    (rc = strata_db_bind_double(st, 8, 50.0 + (double)(i % 2000))) ||
	    (rc = strata_db_bind_text(st, 9, grades[i % 5])) ||
	    (rc = strata_db_bind_double(st, 10, fmod((double)i * 0.125, 360.0))) ||
	    (rc = strata_db_bind_double(st, 11, 20.0 + fmod((double)i * 0.001, 50.0))))
		return rc;
	return strata_db_bind_double(st, 12, 1.7e9 + (double)i * 30.0);
}

static int bind_source(strata_db_stmt *st, size_t i, void *ctx)
{
	char name[32];
	int rc;

	(void)ctx;
	snprintf(name, sizeof name, "DSA J%06zu", i + 1);
	if ((rc = strata_db_bind_int64(st, 1, (int64_t)i + 1)) ||
	    (rc = strata_db_bind_text(st, 2, name)) ||
	    (rc = strata_db_bind_double(st, 3, fmod((double)i * 0.37, 360.0))))
		return rc;
	return strata_db_bind_double(st, 4, 20.0 + fmod((double)i * 0.011, 50.0));
}

/* Photometry row i: source i % sources, image i / (rows per image). */
static int bind_phot(strata_db_stmt *st, size_t i, void *ctx)
{
	const sky_seed_counts *n = ctx;
	size_t src = i % (size_t)n->sources, k = i / (size_t)n->sources;
	double flux = 0.01 + (double)(src % 100) * 1e-3 + 1e-3 * sin((double)k);
	int rc;

	if ((rc = strata_db_bind_int64(st, 1, (int64_t)i + 1)) ||
	    (rc = strata_db_bind_int64(st, 2, (int64_t)src + 1)) ||
	    (rc = strata_db_bind_int64(st, 3, (int64_t)(i % (size_t)n->images) + 1)) ||
	    (rc = strata_db_bind_double(st, 4, MJD0 + (double)k)) ||
	    (rc = strata_db_bind_double(st, 5, flux)) ||
	    (rc = strata_db_bind_double(st, 6, 5e-4 + (double)(k % 3) * 1e-4)) ||
	    (rc = strata_db_bind_double(st, 7, flux * 1.05)))
		return rc;
	return strata_db_bind_double(st, 8, 6e-4);
}

/* Fix the identity sequences after explicit ids (PostgreSQL only). */
static int sync_sequences(strata_db *db)
{
	static const char *const tables[] = {"ms", "images", "sources", "photometry", NULL};
	char sql[256];
	int rc = 0;

	if (strata_db_backend_of(db) != STRATA_DB_POSTGRES)
		return 0;
	for (int i = 0; tables[i] && !rc; i++) {
		snprintf(sql, sizeof sql,
		         "SELECT setval(pg_get_serial_sequence('%s', 'id'),"
		         " COALESCE((SELECT MAX(id) FROM %s), 0) + 1, false)",
		         tables[i], tables[i]);
		rc = strata_db_exec(db, sql);
	}
	return rc;
}

int sky_seed(strata_db *db, const sky_seed_counts *n)
{
	int rc;

	if (n->ms < 1 || n->images < 1 || n->sources < 1 || n->photometry < 0)
		return strata_error_set(STRATA_EINVAL, "seed: counts must be positive");
	rc =
	    strata_db_bulk_insert(db,
	                          "INSERT INTO ms (id, path, group_id, start_mjd, mid_mjd, end_mjd,"
	                          " stage, ra_deg, dec_deg, created_at, updated_at)"
	                          " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1.7e9, 1.7e9)",
	                          (size_t)n->ms, 5000, bind_ms, NULL, NULL);
	if (!rc)
		rc = strata_db_bulk_insert(
		    db,
		    "INSERT INTO images (id, path, ms_id, beam_major_arcsec, beam_minor_arcsec,"
		    " beam_pa_deg, noise_jy, dynamic_range, qa_grade, ra_deg, dec_deg, created_at,"
		    " size_x, size_y, cell_arcsec, freq_hz, bandwidth_hz, integration_s, field)"
		    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 4096, 4096, 3.0, 1.405e9, 1.87e8,"
		    " 309.0, 'drift')",
		    (size_t)n->images, 5000, bind_image, (void *)n, NULL);
	if (!rc)
		rc = strata_db_bulk_insert(db,
		                           "INSERT INTO sources (id, name, ra_deg, dec_deg)"
		                           " VALUES (?, ?, ?, ?)",
		                           (size_t)n->sources, 5000, bind_source, NULL, NULL);
	if (!rc && n->photometry > 0)
		rc = strata_db_bulk_insert(
		    db,
		    "INSERT INTO photometry (id, source_id, image_id, mjd, peak_jy,"
		    " peak_err_jy, int_jy, int_err_jy, snr, local_rms_jy)"
		    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, 20.0, 5e-4)",
		    (size_t)n->photometry, 10000, bind_phot, (void *)n, NULL);
	if (!rc)
		rc = strata_db_exec(db, "UPDATE sources SET n_detections = (SELECT COUNT(*) FROM"
		                        " photometry p WHERE p.source_id = sources.id),"
		                        " first_detected_mjd = (SELECT MIN(mjd) FROM photometry p"
		                        " WHERE p.source_id = sources.id), last_detected_mjd ="
		                        " (SELECT MAX(mjd) FROM photometry p WHERE p.source_id ="
		                        " sources.id)");
	if (!rc)
		rc = sync_sequences(db);
	return rc ? strata_error_wrap(rc, "seed") : 0;
}
