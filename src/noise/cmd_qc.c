/*
 * cmd_qc.c - the datachunk statistics and QC-one stages and their commands
 * (see cmd_qc.h).
 */
#include "noise/cmd_qc.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "noise/catalog.h"
#include "noise/chunkfile.h"
#include "noise/qcone.h"
#include "noise/stats.h"
#include "strata/buf.h"
#include "strata/cmd.h"
#include "strata/error.h"
#include "strata/log.h"
#include "strata/workers.h"

/* One selected datachunk with what both stages read about it; c.has_result:
 * it has a QC-one result of the stage's params. */
typedef struct qc_chunk {
	noise_chunk_row c;
	int has_stats, has_gps;
	noise_stats stats;
	double gps_time_error, gps_time_uncertainty;
	/* stats stage: outcome of the worker; msg (malloc'd) only on failure */
	int rc;
	char *msg;
	/* QC-one stage: the decisions */
	noise_qcone_result qc;
} qc_chunk;

static qc_chunk *chunk_at(const noise_rows *chunks, size_t i)
{
	return (qc_chunk *)noise_chunk_row_at(chunks, i);
}

static void qc_chunks_free(noise_rows *chunks)
{
	for (size_t i = 0; i < chunks->n; i++)
		free(chunk_at(chunks, i)->msg);
	noise_chunk_rows_free(chunks);
}

/* The statistics and averaged GPS of each datachunk, read by read_stats_gps. */
static const char stats_gps_columns[] =
    ", s.id, s.energy, s.min, s.max, s.mean, s.variance, s.skewness, s.kurtosis, "
    "g.id, g.time_error, g.time_uncertainty";
static const char stats_gps_joins[] =
    " LEFT JOIN datachunk_stats s ON s.datachunk_id = d.id "
    "LEFT JOIN averaged_soh_gps g ON g.device_id = d.device_id AND g.timespan_id = "
    "d.timespan_id";

/* Read stats_gps_columns into the qc_chunk row. */
static int read_stats_gps(strata_db_stmt *st, void *row)
{
	qc_chunk *k = row;
	int col = NOISE_CHUNK_EXTRA_COL;

	k->has_stats = !strata_db_column_is_null(st, col);
	k->stats = (noise_stats){noise_column_double(st, col + 1), noise_column_double(st, col + 2),
	                         noise_column_double(st, col + 3), noise_column_double(st, col + 4),
	                         noise_column_double(st, col + 5), noise_column_double(st, col + 6),
	                         noise_column_double(st, col + 7)};
	k->has_gps = !strata_db_column_is_null(st, col + 8);
	k->gps_time_error = noise_column_double(st, col + 9);
	k->gps_time_uncertainty = noise_column_double(st, col + 10);
	return 0;
}

/* The datachunks of DatachunkParams dc_id in sel; qc_id (NULL for none)
 * picks which QC-one result c.has_result reports. */
static int load_chunks(strata_db *db, const char *dc_id, const char *qc_id,
                       const noise_selection *sel, noise_rows *out)
{
	const noise_chunk_query q = {dc_id,           qc_id ? "qcone_result" : NULL,
	                             qc_id,           stats_gps_columns,
	                             stats_gps_joins, read_stats_gps,
	                             sizeof(qc_chunk)};
	int rc = noise_chunk_rows_load(db, &q, sel, out);

	if (rc)
		qc_chunks_free(out);
	return rc;
}

/* Bind v, or NULL when it is not finite (NaN statistics are SQL NULL). */
static int bind_double_or_null(strata_db_stmt *st, int idx, double v)
{
	return isfinite(v) ? strata_db_bind_double(st, idx, v) : strata_db_bind_null(st, idx);
}

/* --- statistics ------------------------------------------------------------- */

/* What a batch of the statistics stage works on. */
typedef struct stats_batch {
	qc_chunk **items;
	size_t n;
} stats_batch;

/* Worker: read one chunk file and compute its statistics; the outcome is
 * kept in the item so that one bad chunk does not stop the pool. */
static int stats_work(size_t i, void *ctx)
{
	qc_chunk *k = ((stats_batch *)ctx)->items[i];
	noise_datachunk c;

	k->rc = noise_chunkfile_read(k->c.filepath, &c);
	if (!k->rc) {
		k->rc = noise_stats_compute(c.x, c.n, &k->stats);
		if (k->rc)
			strata_error_wrap(k->rc, "%s", k->c.filepath);
		noise_datachunk_free(&c);
	}
	if (k->rc) {
		free(k->msg);
		k->msg = strdup(strata_error_message());
	}
	return 0;
}

static const char stats_upsert_sql[] =
    "INSERT INTO datachunk_stats (id, datachunk_id, energy, min, max, mean, variance, skewness, "
    "kurtosis) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (datachunk_id) DO UPDATE SET "
    "energy = excluded.energy, min = excluded.min, max = excluded.max, mean = excluded.mean, "
    "variance = excluded.variance, skewness = excluded.skewness, kurtosis = excluded.kurtosis";

/* noise_bind_row_fn: the statistics of chunk i of the batch; failed ones are
 * left out. */
static int bind_stats(strata_db_stmt *st, size_t i, void *ctx)
{
	const qc_chunk *k = ((const stats_batch *)ctx)->items[i];
	int rc;

	if (k->rc)
		return 1;
	rc = strata_db_bind_text(st, 2, k->c.id);
	for (int j = 0; !rc && j < 7; j++)
		rc = bind_double_or_null(st, 3 + j, noise_stats_value(&k->stats, j));
	return rc;
}

/* Transaction: upsert the statistics of the batch's successful chunks. */
static int stats_write_txn(strata_db *db, void *ctx)
{
	return noise_upsert_each(db, stats_upsert_sql, ((const stats_batch *)ctx)->n, bind_stats,
	                         ctx);
}

/* Count and log the batch's outcomes. */
static void stats_tally(const stats_batch *b, noise_stage_summary *sum)
{
	for (size_t i = 0; i < b->n; i++) {
		const qc_chunk *k = b->items[i];
		if (!k->rc) {
			sum->done++;
			continue;
		}
		sum->failed++;
		strata_log(STRATA_LOG_ERROR, "datachunk statistics failed", "datachunk", k->c.id,
		           "error", k->msg ? k->msg : "out of memory");
	}
}

/* Compute and write todo[0..n-1] in batches of o->batch_size. */
static int stats_run(strata_db *db, const noise_stage_opts *o, qc_chunk **todo, size_t n,
                     noise_stage_summary *sum)
{
	strata_workers *w = NULL;
	size_t batch = o->batch_size ? o->batch_size : 1000;
	int rc = n ? strata_workers_create(o->workers, &w) : 0;

	for (size_t first = 0; !rc && first < n; first += batch) {
		stats_batch b = {todo + first, n - first < batch ? n - first : batch};
		rc = strata_workers_for(w, b.n, stats_work, &b);
		rc = rc ? rc : strata_db_transaction(db, stats_write_txn, &b, 0);
		if (!rc)
			stats_tally(&b, sum);
	}
	strata_workers_destroy(w);
	return rc;
}

int noise_stats_stage(strata_db *db, const noise_stage_opts *o, noise_stage_summary *sum)
{
	char dc_id[37];
	noise_rows chunks;
	qc_chunk **todo = NULL;
	size_t ntodo = 0;
	int rc;

	memset(sum, 0, sizeof(*sum));
	if ((rc = noise_params_lookup(db, "DatachunkParams", o->params_number, dc_id, NULL)) ||
	    (rc = load_chunks(db, dc_id, NULL, &o->sel, &chunks)))
		return rc;
	sum->selected = chunks.n;
	if (!(todo = malloc((chunks.n ? chunks.n : 1) * sizeof(qc_chunk *)))) {
		qc_chunks_free(&chunks);
		return strata_error_set(STRATA_ENOMEM, "out of memory");
	}
	for (size_t i = 0; i < chunks.n; i++) {
		if (o->skip_existing && chunk_at(&chunks, i)->has_stats)
			sum->existing++;
		else
			todo[ntodo++] = chunk_at(&chunks, i);
	}
	rc = stats_run(db, o, todo, ntodo, sum);
	free(todo);
	qc_chunks_free(&chunks);
	return rc;
}

/* --- QC-one ----------------------------------------------------------------- */

/* What a batch of the QC-one stage writes. */
typedef struct qcone_batch {
	const char *params_id;
	qc_chunk **items;
	size_t n;
} qcone_batch;

/* "INSERT INTO qcone_result (id, params_id, datachunk_id, <checks>, passed)
 * VALUES (...) ON CONFLICT (datachunk_id, params_id) DO UPDATE SET" every
 * check and passed: a re-run keeps the row's id. */
static int qcone_upsert_sql(char **sql)
{
	strata_buf b = STRATA_BUF_INIT;
	int rc = strata_buf_puts(&b, "INSERT INTO qcone_result (id, params_id, datachunk_id");

	for (int k = 0; !rc && k < NOISE_QC_NCHECKS; k++)
		rc = strata_buf_printf(&b, ", %s", noise_qcone_check_names[k]);
	rc = rc ? rc : strata_buf_puts(&b, ", passed) VALUES (?, ?, ?");
	for (int k = 0; !rc && k <= NOISE_QC_NCHECKS; k++)
		rc = strata_buf_puts(&b, ", ?");
	rc = rc ? rc
	        : strata_buf_puts(&b, ") ON CONFLICT (datachunk_id, params_id) DO UPDATE SET "
	                              "passed = excluded.passed");
	for (int k = 0; !rc && k < NOISE_QC_NCHECKS; k++)
		rc = strata_buf_printf(&b, ", %s = excluded.%s", noise_qcone_check_names[k],
		                       noise_qcone_check_names[k]);
	if (rc) {
		strata_buf_free(&b);
		return strata_error_set(STRATA_ENOMEM, "out of memory");
	}
	*sql = strata_buf_detach(&b);
	return 0;
}

/* noise_bind_row_fn: the decisions of chunk i of the batch. */
static int bind_qcone(strata_db_stmt *st, size_t i, void *ctx)
{
	const qcone_batch *b = ctx;
	const qc_chunk *k = b->items[i];
	int rc = strata_db_bind_text(st, 2, b->params_id);

	rc = rc ? rc : strata_db_bind_text(st, 3, k->c.id);
	for (int c = 0; !rc && c < NOISE_QC_NCHECKS; c++)
		rc = strata_db_bind_int64(st, 4 + c, k->qc.check[c]);
	return rc ? rc : strata_db_bind_int64(st, 4 + NOISE_QC_NCHECKS, k->qc.passed);
}

/* Transaction: upsert the batch's results. */
static int qcone_write_txn(strata_db *db, void *ctx)
{
	char *sql = NULL;
	int rc = qcone_upsert_sql(&sql);

	rc = rc ? rc : noise_upsert_each(db, sql, ((const qcone_batch *)ctx)->n, bind_qcone, ctx);
	free(sql);
	return rc;
}

/* Decide one chunk: 1 when it gets a result, 0 when QC-one does not apply. */
static int qcone_decide(const noise_qcone_config *cfg, qc_chunk *k)
{
	const char *why = NULL;
	noise_qcone_input in = {k->c.network,  k->c.station,      k->c.component,
	                        k->c.ts_start, k->c.ts_end,       k->has_stats ? &k->stats : NULL,
	                        k->has_gps,    k->gps_time_error, k->gps_time_uncertainty};

	if (!noise_qcone_applies(cfg, k->has_stats, k->has_gps, &why)) {
		strata_log(STRATA_LOG_INFO, "QC-one skips datachunk", "datachunk", k->c.id,
		           "reason", why);
		return 0;
	}
	noise_qcone_evaluate(cfg, &in, &k->qc);
	return 1;
}

/* Decide chunks and write the results in batches of o->batch_size. */
static int qcone_run(strata_db *db, const noise_stage_opts *o, const char *qc_id,
                     const noise_qcone_config *cfg, noise_rows *chunks, noise_stage_summary *sum)
{
	qc_chunk **todo = malloc((chunks->n ? chunks->n : 1) * sizeof(qc_chunk *));
	size_t n = 0, batch = o->batch_size ? o->batch_size : 1000;
	int rc = 0;

	if (!todo)
		return strata_error_set(STRATA_ENOMEM, "out of memory");
	for (size_t i = 0; i < chunks->n; i++) {
		qc_chunk *k = chunk_at(chunks, i);
		if (o->skip_existing && k->c.has_result)
			sum->existing++;
		else if (!qcone_decide(cfg, k))
			sum->no_data++;
		else
			todo[n++] = k;
	}
	for (size_t first = 0; !rc && first < n; first += batch) {
		qcone_batch b = {qc_id, todo + first, n - first < batch ? n - first : batch};
		rc = strata_db_transaction(db, qcone_write_txn, &b, 0);
		if (!rc)
			sum->done += b.n;
	}
	free(todo);
	return rc;
}

int noise_qcone_stage(strata_db *db, const noise_stage_opts *o, noise_stage_summary *sum)
{
	char qc_id[37], dc_id[37];
	char *json = NULL;
	noise_qcone_config cfg;
	noise_rows chunks;
	int rc;

	memset(sum, 0, sizeof(*sum));
	if ((rc = noise_params_lookup(db, "QCOne", o->params_number, qc_id, &json)))
		return rc;
	rc = noise_qcone_config_parse(json, &cfg);
	free(json);
	if (rc)
		return strata_error_wrap(rc, "QCOne number %lld", o->params_number);
	rc = noise_params_lookup(db, "DatachunkParams", cfg.datachunk_params_number, dc_id, NULL);
	if (rc)
		strata_error_wrap(rc, "QCOne number %lld: datachunk_params_id", o->params_number);
	rc = rc ? rc : load_chunks(db, dc_id, qc_id, &o->sel, &chunks);
	if (!rc) {
		sum->selected = chunks.n;
		rc = qcone_run(db, o, qc_id, &cfg, &chunks, sum);
		qc_chunks_free(&chunks);
	}
	noise_qcone_config_free(&cfg);
	return rc;
}

/* --- commands ----------------------------------------------------------------- */

int noise_cmd_calc_datachunk_stats(int argc, char **argv)
{
	static const char help[] =
	    "usage: strata noise processing calc-datachunk-stats -sd DATE -ed DATE [-p N]\n"
	    "           [-s STATION]... [-c COMPONENT]... [-b N] [--workers N] [--no-parallel]\n"
	    "           [--skip-existing|--no-skip-existing] [--catalog URL] [--project DIR]\n"
	    "           [--json]\n"
	    "Compute energy, min, max, mean, variance, skewness and kurtosis of the datachunks of\n"
	    "DatachunkParams number N (-p, --datachunk-params-id; default 1) whose timespans lie\n"
	    "within -sd..-ed. Chunks that already have statistics are left alone unless\n"
	    "--no-skip-existing. Exit status 1 when a chunk failed (the others are written).\n";

	return noise_stage_command(argc, argv, help, "calc-datachunk-stats", 1, NULL,
	                           noise_stats_stage);
}

int noise_cmd_run_qcone(int argc, char **argv)
{
	static const char help[] =
	    "usage: strata noise processing run-qcone -sd DATE -ed DATE [-p N]\n"
	    "           [-s STATION]... [-c COMPONENT]... [-b N] [--skip-existing]\n"
	    "           [--catalog URL] [--project DIR] [--json]\n"
	    "Run QC-one config number N (-p, --qcone-config-id; default 1) on the datachunks of\n"
	    "its datachunk_params_id whose timespans lie within -sd..-ed, writing one\n"
	    "qcone_result row (21 checks and passed) per datachunk. Every chunk is decided again\n"
	    "unless --skip-existing.\n";

	return noise_stage_command(argc, argv, help, "run-qcone", 0, "qcone-config-id",
	                           noise_qcone_stage);
}
