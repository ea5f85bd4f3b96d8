/*
 * cmd_demo.c - `strata demo`: the core working end to end on embedded defaults.
 *
 * Creates (or reuses) a SQLite catalog, applies migrations, upserts stations,
 * computes a day of synthetic readings on the thread pool, bulk-inserts them
 * under UUIDv7 keys with a progress bar, queries them back, and writes the
 * run's metrics atomically in the Prometheus format. Every step is logged
 * (text, or JSON with --log-format json). Each app issue extends the demo.
 */
#include "builtin.h"

#include "strata/cmd.h"
#include "strata/conf.h"
#include "strata/db.h"
#include "strata/error.h"
#include "strata/file.h"
#include "strata/log.h"
#include "strata/metrics.h"
#include "strata/progress.h"
#include "strata/time.h"
#include "strata/uuid.h"
#include "strata/workers.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const strata_migration demo_migrations[] = {
    {1, "stations",
     "CREATE TABLE demo_stations (code TEXT PRIMARY KEY, latitude DOUBLE PRECISION NOT NULL,"
     " longitude DOUBLE PRECISION NOT NULL, updated_ns BIGINT NOT NULL)",
     NULL},
    {2, "readings",
     "CREATE TABLE demo_readings (id TEXT PRIMARY KEY, run_id TEXT NOT NULL,"
     " station TEXT NOT NULL REFERENCES demo_stations(code), at_ns BIGINT NOT NULL,"
     " value DOUBLE PRECISION NOT NULL);"
     "CREATE INDEX demo_readings_run ON demo_readings (run_id, station, at_ns)",
     NULL},
};

static const struct {
	const char *code;
	double latitude, longitude;
} demo_stations[] = {
    {"CI.CCA", 35.35, -118.35}, {"CI.HEC", 34.83, -116.34}, {"TD.TD03", 52.13, 11.64}};
#define DEMO_STATION_COUNT (sizeof demo_stations / sizeof demo_stations[0])

typedef struct demo_reading {
	char id[37];
	const char *station;
	strata_time at;
	double value;
} demo_reading;

typedef struct demo_run {
	const char *dir;
	const char *catalog;
	size_t count;
	int64_t batch_size;
	int64_t threads;
	strata_time start;
	char run_id[37];
	demo_reading *readings;
	strata_progress *progress;
	strata_metric *rows_inserted;
} demo_run;

/* Fill reading i: a station, a time on 2022-01-02, and a synthetic signal. */
static int compute_reading(size_t i, void *ctx)
{
	demo_run *run = ctx;
	demo_reading *r = &run->readings[i];
	size_t per_station = (run->count + DEMO_STATION_COUNT - 1) / DEMO_STATION_COUNT;
	size_t k = i % per_station;
	strata_uuid id;
	int rc;

	if ((rc = strata_uuid7(&id)))
		return rc;
	strata_uuid_format(&id, r->id);
	size_t station = i / per_station;
	r->station = demo_stations[station].code;
	r->at = run->start + (strata_time)((double)k * (86400.0 / (double)per_station) * 1e9);
	r->value = sin(2 * M_PI * (double)k / 600.0) * exp(-(double)station);
	return 0;
}

static int bind_reading(strata_db_stmt *st, size_t row, void *ctx)
{
	demo_run *run = ctx;
	const demo_reading *r = &run->readings[row];
	int rc;

	if ((rc = strata_db_bind_text(st, 1, r->id)) ||
	    (rc = strata_db_bind_text(st, 2, run->run_id)) ||
	    (rc = strata_db_bind_text(st, 3, r->station)) ||
	    (rc = strata_db_bind_int64(st, 4, r->at)) ||
	    (rc = strata_db_bind_double(st, 5, r->value)))
		return rc;
	strata_progress_add(run->progress, 1);
	strata_metric_add(run->rows_inserted, 1);
	return 0;
}

static int upsert_stations(strata_db *db, void *ctx)
{
	static const char *const cols[] = {"code", "latitude", "longitude", "updated_ns"};
	static const char *const keys[] = {"code"};
	strata_db_stmt *st = NULL;
	char *sql = NULL;
	int rc;

	(void)ctx;
	if ((rc = strata_db_upsert_sql("demo_stations", cols, 4, keys, 1, &sql)) ||
	    (rc = strata_db_prepare(db, sql, &st)))
		goto out;
	for (size_t i = 0; i < DEMO_STATION_COUNT && !rc; i++) {
		if (!(rc = strata_db_bind_text(st, 1, demo_stations[i].code)) &&
		    !(rc = strata_db_bind_double(st, 2, demo_stations[i].latitude)) &&
		    !(rc = strata_db_bind_double(st, 3, demo_stations[i].longitude)) &&
		    !(rc = strata_db_bind_int64(st, 4, strata_time_now())) &&
		    (rc = strata_db_step(st)) == STRATA_DB_DONE)
			rc = strata_db_reset(st);
	}
out:
	strata_db_finalize(st);
	free(sql);
	return rc;
}

/* Print one line per station for this run: rows, first and last time, MJD. */
static int report(strata_db *db, demo_run *run)
{
	strata_db_stmt *st;
	int rc;

	rc = strata_db_prepare(
	    db,
	    "SELECT station, COUNT(*), MIN(at_ns), MAX(at_ns), AVG(value) "
	    "FROM demo_readings WHERE run_id = ? GROUP BY station ORDER BY station",
	    &st);
	if (rc || (rc = strata_db_bind_text(st, 1, run->run_id)))
		goto out;
	printf("%-8s %7s  %-24s %-24s %14s\n", "station", "rows", "first", "last", "first (MJD)");
	while ((rc = strata_db_step(st)) == STRATA_DB_ROW) {
		char first[40], last[40];
		strata_time t0 = strata_db_column_int64(st, 2);
		strata_time_format_iso8601(t0, 3, first, sizeof first);
		strata_time_format_iso8601(strata_db_column_int64(st, 3), 3, last, sizeof last);
		printf("%-8s %7" PRId64 "  %-24s %-24s %14.6f\n", strata_db_column_text(st, 0),
		       strata_db_column_int64(st, 1), first, last, strata_time_to_mjd(t0));
	}
out:
	strata_db_finalize(st);
	return rc < 0 ? rc : 0;
}

static int write_metrics(demo_run *run, strata_metrics *metrics)
{
	strata_buf text = STRATA_BUF_INIT;
	char path[4096];
	int rc;

	snprintf(path, sizeof path, "%s/metrics.prom", run->dir);
	rc = strata_metrics_render(metrics, &text);
	if (!rc)
		rc = strata_file_write_atomic(path, text.data, text.len, 0644);
	strata_buf_free(&text);
	if (!rc)
		strata_log(STRATA_LOG_INFO, "metrics written", "path", path);
	return rc;
}

/* The demo proper, once arguments are parsed and the directory exists. */
static int run_demo(demo_run *run, strata_metrics *metrics)
{
	strata_db *db = NULL;
	strata_workers *workers = NULL;
	size_t done = 0;
	int applied = 0, rc;
	char count[32];

	if ((rc = strata_db_open(run->catalog, &db)))
		return rc;
	strata_log(STRATA_LOG_INFO, "catalog opened", "catalog", strata_db_display_name(db));
	if ((rc = strata_db_migrate(db, demo_migrations, 2, &applied)))
		goto out;
	snprintf(count, sizeof count, "%d", applied);
	strata_log(STRATA_LOG_INFO, "migrations applied", "applied", count);
	if ((rc = strata_db_transaction(db, upsert_stations, NULL, 0)))
		goto out;
	if (!(run->readings = calloc(run->count, sizeof *run->readings))) {
		rc = strata_error_set(STRATA_ENOMEM, "out of memory for %zu readings", run->count);
		goto out;
	}
	if ((rc = strata_workers_create((int)run->threads, &workers)) ||
	    (rc = strata_workers_for(workers, run->count, compute_reading, run)))
		goto out;
	snprintf(count, sizeof count, "%d", strata_workers_count(workers));
	strata_log(STRATA_LOG_INFO, "readings computed", "threads", count);
	run->progress = strata_progress_start("insert", run->count);
	rc = strata_db_bulk_insert(db,
	                           "INSERT INTO demo_readings (id, run_id, station, at_ns, value) "
	                           "VALUES (?, ?, ?, ?, ?)",
	                           run->count, (size_t)run->batch_size, bind_reading, run, &done);
	strata_progress_finish(run->progress);
	if (rc)
		goto out;
	snprintf(count, sizeof count, "%zu", done);
	strata_log(STRATA_LOG_INFO, "readings inserted", "rows", count);
	if (!(rc = report(db, run)))
		rc = write_metrics(run, metrics);
out:
	strata_workers_destroy(workers);
	free(run->readings);
	strata_db_close(db);
	return rc;
}

/* The [demo] table of a --config file (TOML or YAML). */
static const strata_conf_field demo_table_fields[] = {
    {"rows", STRATA_CONF_INT, 0, NULL, 0},       {"batch_size", STRATA_CONF_INT, 0, NULL, 0},
    {"threads", STRATA_CONF_INT, 0, NULL, 0},    {"start", STRATA_CONF_ANY_DATE, 0, NULL, 0},
    {"catalog", STRATA_CONF_STRING, 0, NULL, 0}, {NULL, 0, 0, NULL, 0},
};

static const strata_conf_field demo_config_fields[] = {
    {"demo", STRATA_CONF_TABLE, 1, demo_table_fields, 0},
    {NULL, 0, 0, NULL, 0},
};

/* Check an integer setting's range, naming the file and line. */
static int check_range(const strata_conf *table, const char *key, int64_t v, int64_t lo, int64_t hi)
{
	const strata_conf *node = strata_conf_get(table, key);
	if (v >= lo && v <= hi)
		return 0;
	return strata_error_set(STRATA_ESCHEMA, "%s:%d: demo.%s: %lld is outside %lld..%lld",
	                        strata_conf_source(node), strata_conf_line(node), key, (long long)v,
	                        (long long)lo, (long long)hi);
}

/* Read settings from a config file; command-line options given later win. */
static int load_demo_config(const char *path, demo_run *run, strata_conf **keep)
{
	const strata_conf *table;
	int64_t rows = (int64_t)run->count;
	int rc;

	if ((rc = strata_conf_load(path, keep)))
		return rc;
	if ((rc = strata_conf_validate(*keep, demo_config_fields)))
		return rc;
	table = strata_conf_get(*keep, "demo");
	if ((rc = strata_conf_get_int64(table, "rows", rows, &rows)) ||
	    (rc = check_range(table, "rows", rows, 3, 10000000)) ||
	    (rc = strata_conf_get_int64(table, "batch_size", run->batch_size, &run->batch_size)) ||
	    (rc = check_range(table, "batch_size", run->batch_size, 1, 1000000)) ||
	    (rc = strata_conf_get_int64(table, "threads", run->threads, &run->threads)) ||
	    (rc = check_range(table, "threads", run->threads, 0, 512)) ||
	    (rc = strata_conf_get_string(table, "catalog", run->catalog, &run->catalog)))
		return rc;
	if (strata_conf_get(table, "start") &&
	    (rc = strata_conf_as_time_ns(strata_conf_get(table, "start"), &run->start)))
		return rc;
	run->count = (size_t)rows;
	return 0;
}

static int demo_usage(FILE *out, int status)
{
	fprintf(out,
	        "usage: strata demo [--config FILE] [--dir DIR] [--catalog URL] [--rows N]\n\n"
	        "Run the core end to end: a catalog (SQLite at DIR/catalog.db unless --catalog\n"
	        "names a postgresql:// URL), migrations, upserts, parallel computation, a bulk\n"
	        "insert under UUIDv7 keys, a query, and DIR/metrics.prom. DIR defaults to\n"
	        "./strata-demo, N to 30000. FILE (TOML or YAML) may set, in a [demo] table,\n"
	        "rows, batch_size, threads, start (a date) and catalog; see "
	        "docs/examples/demo.toml.\n");
	return status;
}

int cmd_demo(int argc, char **argv)
{
	demo_run run = {.dir = "strata-demo",
	                .count = 30000,
	                .batch_size = 2000,
	                .start = INT64_C(1641081600) * STRATA_NS_PER_SEC};
	strata_conf *config = NULL;
	char catalog[4096], run_id[37];
	strata_metrics *metrics;
	strata_uuid id;
	int rc;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return demo_usage(stdout, STRATA_EXIT_OK);
		if (i + 1 >= argc)
			return demo_usage(stderr, STRATA_EXIT_USAGE);
		if (!strcmp(argv[i], "--config")) {
			if (load_demo_config(argv[++i], &run, &config) != 0) {
				strata_conf_free(config);
				return cli_fail(NULL);
			}
		} else if (!strcmp(argv[i], "--dir")) {
			run.dir = argv[++i];
		} else if (!strcmp(argv[i], "--catalog")) {
			run.catalog = argv[++i];
		} else if (!strcmp(argv[i], "--rows")) {
			char *end;
			run.count = strtoul(argv[++i], &end, 10);
			if (*end || run.count < DEMO_STATION_COUNT || run.count > 10000000)
				return demo_usage(stderr, STRATA_EXIT_USAGE);
		} else {
			return demo_usage(stderr, STRATA_EXIT_USAGE);
		}
	}
	if (strata_uuid7(&id) != 0) {
		strata_conf_free(config);
		return cli_fail("demo");
	}
	strata_uuid_format(&id, run_id);
	memcpy(run.run_id, run_id, sizeof run_id);
	strata_log_set_trace_id(run_id);
	if (strata_mkdir_p(run.dir, 0755) != 0) {
		strata_conf_free(config);
		return cli_fail("demo");
	}
	if (!run.catalog) {
		snprintf(catalog, sizeof catalog, "%s/catalog.db", run.dir);
		run.catalog = catalog;
	}
	if (!(metrics = strata_metrics_new())) {
		strata_conf_free(config);
		return cli_fail("demo: out of memory");
	}
	strata_metrics_counter(metrics, "strata_demo_rows_inserted_total",
	                       "Readings inserted by strata demo.", NULL, &run.rows_inserted);
	rc = run_demo(&run, metrics);
	strata_metrics_free(metrics);
	strata_conf_free(config); /* run.catalog may point into it */
	if (rc)
		return cli_fail("demo");
	strata_log(STRATA_LOG_INFO, "demo finished", "run_id", run_id);
	return STRATA_EXIT_OK;
}
