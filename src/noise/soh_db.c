/*
 * soh_db.c - SOH in the catalog: the station's device, upserting samples
 * into soh_gps / soh_instrument, and averaging GPS SOH per timespan into
 * averaged_soh_gps (Noiz's api/soh.py; see soh.h).
 */
#include "noise/soh.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "noise/catalog.h"
#include "strata/error.h"

int noise_soh_find_device(strata_db *db, const char *network, const char *station,
                          char device_id[37])
{
	strata_db_stmt *st = NULL;
	char nets[128] = "";
	size_t found = 0;
	int rc = strata_db_prepare(db,
	                           network ? "SELECT id, network FROM device WHERE station = ? AND "
	                                     "network = ? ORDER BY network"
	                                   : "SELECT id, network FROM device WHERE station = ? "
	                                     "ORDER BY network",
	                           &st);

	if (!rc)
		rc = strata_db_bind_text(st, 1, station);
	if (!rc && network)
		rc = strata_db_bind_text(st, 2, network);
	while (!rc && (rc = strata_db_step(st)) == STRATA_DB_ROW) {
		size_t used = strlen(nets);
		if (!found++)
			snprintf(device_id, 37, "%s", strata_db_column_text(st, 0));
		snprintf(nets + used, sizeof nets - used, "%s%s", used ? ", " : "",
		         strata_db_column_text(st, 1));
		rc = 0;
	}
	strata_db_finalize(st);
	if (rc < 0)
		return rc;
	if (!found)
		return strata_error_set(STRATA_ENOTFOUND,
		                        "no station %s%s%s in the catalog (add its inventory with "
		                        "`strata noise data add-inventory` first)",
		                        network ? network : "", network ? "." : "", station);
	if (found > 1)
		return strata_error_set(
		    STRATA_EINVAL, "station %s is in several networks (%s): choose one with -n",
		    station, nets);
	return 0;
}

/* --- writing samples ----------------------------------------------------------------- */

typedef struct write_ctx {
	const char *device_id;
	const noise_soh_samples *s;
	int nvalues;
} write_ctx;

/* Bind a double, NaN as NULL. */
static int bind_value(strata_db_stmt *st, int idx, double v)
{
	return isnan(v) ? strata_db_bind_null(st, idx) : strata_db_bind_double(st, idx, v);
}

static int bind_sample(strata_db_stmt *st, size_t row, void *ctx)
{
	const write_ctx *w = ctx;
	const noise_soh_sample *x = &w->s->s[row];
	char id[37];
	int rc = noise_new_id(id);

	if (!rc)
		rc = strata_db_bind_text(st, 1, id);
	if (!rc)
		rc = strata_db_bind_text(st, 2, w->device_id);
	if (!rc)
		rc = strata_db_bind_int64(st, 3, x->t);
	for (int i = 0; !rc && i < w->nvalues; i++)
		rc = bind_value(st, 4 + i, x->v[i]);
	return rc;
}

int noise_soh_write(strata_db *db, const noise_soh_format *f, const char *device_id,
                    const noise_soh_samples *s, size_t batch, size_t *written)
{
	static const char gps_sql[] =
	    "INSERT INTO soh_gps (id, device_id, datetime_ns, time_error, time_uncertainty) "
	    "VALUES (?, ?, ?, ?, ?) ON CONFLICT (device_id, datetime_ns) DO UPDATE SET "
	    "time_error = excluded.time_error, time_uncertainty = excluded.time_uncertainty";
	static const char instrument_sql[] =
	    "INSERT INTO soh_instrument (id, device_id, datetime_ns, voltage, current, "
	    "temperature) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (device_id, datetime_ns) DO "
	    "UPDATE SET voltage = excluded.voltage, current = excluded.current, temperature = "
	    "excluded.temperature";
	int gps = noise_soh_format_table(f) == NOISE_SOH_GPS;
	write_ctx w = {device_id, s, gps ? 2 : 3};

	*written = 0;
	if (!s->n)
		return 0;
	return strata_db_bulk_insert(db, gps ? gps_sql : instrument_sql, s->n, batch, bind_sample,
	                             &w, written);
}

/* --- averaging ------------------------------------------------------------------------ */

/* The selected timespans. */
typedef struct avg_list {
	noise_selected_timespan *ts;
	size_t n;
} avg_list;

/* One device's GPS samples in a time range, by time. */
typedef struct gps_series {
	strata_time *t;
	double *err, *unc; /* NaN: NULL */
	size_t n, cap;
} gps_series;

static int series_push(gps_series *g, strata_time t, double err, double unc)
{
	if (g->n == g->cap) {
		size_t cap = g->cap ? 2 * g->cap : 1024;
		strata_time *pt = realloc(g->t, cap * sizeof(*pt));
		if (pt)
			g->t = pt;
		double *pe = pt ? realloc(g->err, cap * sizeof(*pe)) : NULL;
		if (pe)
			g->err = pe;
		double *pu = pe ? realloc(g->unc, cap * sizeof(*pu)) : NULL;
		if (!pu)
			return strata_error_set(STRATA_ENOMEM, "GPS SOH: out of memory");
		g->unc = pu;
		g->cap = cap;
	}
	g->t[g->n] = t;
	g->err[g->n] = err;
	g->unc[g->n] = unc;
	g->n++;
	return 0;
}

static int load_series(strata_db *db, const char *device_id, strata_time from, strata_time to,
                       gps_series *g)
{
	strata_db_stmt *st = NULL;
	int rc = strata_db_prepare(db,
	                           "SELECT datetime_ns, time_error, time_uncertainty FROM soh_gps "
	                           "WHERE device_id = ? AND datetime_ns >= ? AND datetime_ns <= ? "
	                           "ORDER BY datetime_ns",
	                           &st);

	g->n = 0;
	if (!rc)
		rc = strata_db_bind_text(st, 1, device_id);
	if (!rc)
		rc = strata_db_bind_int64(st, 2, from);
	if (!rc)
		rc = strata_db_bind_int64(st, 3, to);
	while (!rc && (rc = strata_db_step(st)) == STRATA_DB_ROW) {
		rc = series_push(g, strata_db_column_int64(st, 0), noise_column_double(st, 1),
		                 noise_column_double(st, 2));
	}
	strata_db_finalize(st);
	return rc < 0 ? rc : 0;
}

static void series_free(gps_series *g)
{
	free(g->t);
	free(g->err);
	free(g->unc);
	memset(g, 0, sizeof(*g));
}

/* One averaged_soh_gps row: timespan index, means (NaN: none), count. */
typedef struct avg_row {
	size_t ts;
	double err, unc;
	size_t n;
} avg_row;

/* Mean of the non-NaN x[0..n), NaN when there are none (pandas' mean). */
static double mean_present(const double *x, size_t n)
{
	double sum = 0;
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		if (!isnan(x[i])) {
			sum += x[i];
			k++;
		}
	}
	return k ? sum / (double)k : NAN;
}

/* First index with g->t[i] >= t. */
static size_t lower_bound(const gps_series *g, strata_time t)
{
	size_t lo = 0, hi = g->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (g->t[mid] < t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Average g over every timespan into rows (*nrows of them). */
static void average_series(const gps_series *g, const avg_list *tl, avg_row *rows, size_t *nrows)
{
	*nrows = 0;
	for (size_t i = 0; i < tl->n; i++) {
		size_t a = lower_bound(g, tl->ts[i].start), b = a;
		while (b < g->n && g->t[b] <= tl->ts[i].end)
			b++;
		if (b == a)
			continue;
		rows[(*nrows)++] = (avg_row){i, mean_present(g->err + a, b - a),
		                             mean_present(g->unc + a, b - a), b - a};
	}
}

typedef struct avg_write_ctx {
	const char *device_id;
	const avg_list *tl;
	const avg_row *rows;
} avg_write_ctx;

static int bind_average(strata_db_stmt *st, size_t row, void *ctx)
{
	const avg_write_ctx *w = ctx;
	const avg_row *r = &w->rows[row];
	char id[37];
	int rc = noise_new_id(id);

	if (!rc)
		rc = strata_db_bind_text(st, 1, id);
	if (!rc)
		rc = strata_db_bind_text(st, 2, w->tl->ts[r->ts].id);
	if (!rc)
		rc = strata_db_bind_text(st, 3, w->device_id);
	if (!rc)
		rc = bind_value(st, 4, r->err);
	if (!rc)
		rc = bind_value(st, 5, r->unc);
	if (!rc)
		rc = strata_db_bind_int64(st, 6, (int64_t)r->n);
	return rc;
}

/* Whether the device network.station is selected. */
static int device_selected(const noise_selection *sel, const char *const *networks,
                           size_t nnetworks, const char *network, const char *station)
{
	noise_selection s = *sel;
	int listed = !nnetworks;

	for (size_t i = 0; i < nnetworks; i++)
		listed |= !strcmp(networks[i], network);
	s.ncomponents = 0;
	return listed && noise_selection_has_component(&s, network, station, "");
}

/* Average and write the GPS SOH of one device. */
static int average_device(strata_db *db, const char *device_id, const avg_list *tl, size_t batch,
                          gps_series *g, avg_row *rows, noise_stage_summary *summary)
{
	static const char sql[] =
	    "INSERT INTO averaged_soh_gps (id, timespan_id, device_id, time_error, "
	    "time_uncertainty, nsamples) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (timespan_id, "
	    "device_id) DO UPDATE SET time_error = excluded.time_error, time_uncertainty = "
	    "excluded.time_uncertainty, nsamples = excluded.nsamples";
	avg_write_ctx w = {device_id, tl, rows};
	size_t nrows = 0, done = 0;
	strata_time last_end = tl->ts[0].end;
	int rc;

	/* Timespans are sorted by start; the last one need not end last. */
	for (size_t i = 1; i < tl->n; i++)
		if (tl->ts[i].end > last_end)
			last_end = tl->ts[i].end;
	if ((rc = load_series(db, device_id, tl->ts[0].start, last_end, g)))
		return rc;
	average_series(g, tl, rows, &nrows);
	summary->selected += tl->n;
	summary->no_data += tl->n - nrows;
	if (nrows)
		rc = strata_db_bulk_insert(db, sql, nrows, batch, bind_average, &w, &done);
	summary->done += done;
	return rc;
}

/* The ids of the selected devices, as one malloc'd array of 37-byte ids. */
static int load_devices(strata_db *db, const noise_selection *sel, const char *const *networks,
                        size_t nnetworks, char (**ids)[37], size_t *n)
{
	strata_db_stmt *st = NULL;
	size_t cap = 0;
	int rc = strata_db_prepare(
	    db, "SELECT id, network, station FROM device ORDER BY network, station", &st);

	*ids = NULL;
	*n = 0;
	while (!rc && (rc = strata_db_step(st)) == STRATA_DB_ROW) {
		rc = 0;
		if (!device_selected(sel, networks, nnetworks, strata_db_column_text(st, 1),
		                     strata_db_column_text(st, 2)))
			continue;
		char(*p)[37] = noise_grow(*ids, &cap, *n, sizeof(*p));
		if (!p) {
			rc = STRATA_ENOMEM;
			break;
		}
		*ids = p;
		snprintf((*ids)[(*n)++], 37, "%s", strata_db_column_text(st, 0));
	}
	strata_db_finalize(st);
	return rc < 0 ? rc : 0;
}

int noise_soh_average_gps(strata_db *db, const noise_selection *sel, const char *const *networks,
                          size_t nnetworks, size_t batch, noise_stage_summary *summary)
{
	avg_list tl = {NULL, 0};
	gps_series g = {0};
	char(*devices)[37] = NULL;
	size_t ndevices = 0;
	avg_row *rows = NULL;
	int rc;

	memset(summary, 0, sizeof(*summary));
	rc = noise_selected_timespans_load(db, sel, &tl.ts, &tl.n);
	if (!rc)
		rc = load_devices(db, sel, networks, nnetworks, &devices, &ndevices);
	if (!rc && tl.n && ndevices && !(rows = malloc(tl.n * sizeof(*rows))))
		rc = strata_error_set(STRATA_ENOMEM, "averages: out of memory");
	for (size_t i = 0; !rc && tl.n && i < ndevices; i++)
		rc = average_device(db, devices[i], &tl, batch, &g, rows, summary);
	free(rows);
	free(devices);
	free(tl.ts);
	series_free(&g);
	return rc;
}
