/*
 * bench_core.c - throughput of the core's hot paths.
 *
 * Prints one line per figure: ISO 8601 parsing and formatting, UUIDv7
 * generation, JSON log records, TOML parsing of Noiz's parameter files (from
 * the shared data), YAML parsing of a drill-service config, and catalog bulk
 * inserts on SQLite (and on PostgreSQL when STRATA_TEST_PG_URL is set).
 * bench/core/peer_core.py measures the same figures in Python for the ratio.
 */
#include "strata/buf.h"
#include "strata/conf.h"
#include "strata/db.h"
#include "strata/error.h"
#include "strata/file.h"
#include "strata/log.h"
#include "strata/time.h"
#include "strata/uuid.h"

#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static double seconds_since(int64_t start)
{
	return (double)(strata_time_monotonic_ns() - start) / 1e9;
}

static void report(const char *what, double count, double seconds, const char *unit)
{
	printf("%-36s %12.0f %s/s  (%.0f in %.3f s)\n", what, count / seconds, unit, count,
	       seconds);
}

static void bench_time(void)
{
	enum { N = 2000000, DISTINCT = 100000 };
	static char texts[DISTINCT][40];
	char buf[40];
	strata_time t, sum = 0;
	int64_t start;

	/* Inputs are made before timing, as the Python peer does. */
	for (int i = 0; i < DISTINCT; i++)
		snprintf(texts[i], sizeof texts[i], "2022-01-02T%02d:%02d:%02d.%06dZ", i % 24,
		         i % 60, (i / 60) % 60, i % 1000000);
	start = strata_time_monotonic_ns();
	for (int i = 0; i < N; i++) {
		if (strata_time_parse_iso8601(texts[i % DISTINCT], &t) != 0)
			abort();
		sum += t;
	}
	report("iso8601 parse", N, seconds_since(start), "ts");
	start = strata_time_monotonic_ns();
	for (int i = 0; i < N; i++)
		strata_time_format_iso8601(sum + (strata_time)i * 1000003, 9, buf, sizeof buf);
	report("iso8601 format", N, seconds_since(start), "ts");
}

static void bench_uuid(void)
{
	const int n = 2000000;
	strata_uuid id;
	int64_t start = strata_time_monotonic_ns();

	for (int i = 0; i < n; i++)
		strata_uuid7(&id);
	report("uuid7 generate", n, seconds_since(start), "ids");
}

static void bench_log(void)
{
	const int n = 200000;
	FILE *devnull = fopen("/dev/null", "w");
	int64_t start;

	strata_log_set_output(devnull);
	strata_log_set_format(STRATA_LOG_JSON);
	start = strata_time_monotonic_ns();
	for (int i = 0; i < n; i++)
		strata_log(STRATA_LOG_INFO, "row written", "table", "readings", "id", "abc");
	report("log records (json)", n, seconds_since(start), "records");
	strata_log_set_output(NULL);
	fclose(devnull);
}

/* The drill service's YAML configuration shape (also in peer_core.py). */
static const char drill_yaml[] =
    "mqtt:\n"
    "  broker:\n    host: localhost\n    port: 1883\n    username: \"\"\n    password: \"\"\n"
    "  listener:\n    root: OPCPUBSUB\n    result: ResultManagement\n"
    "    trace: ResultManagement/Trace\n    heads: AssetManagement/Heads\n"
    "    time_window: 30.0\n    cleanup_interval: 60\n    max_buffer_size: 10000\n"
    "    duplicate_handling: ignore\n"
    "  data_ids:\n    machine_id: 'ResultManagement.Results.0.ResultMetaData.SerialNumber'\n"
    "    result_id: 'ResultManagement.Results.0.ResultMetaData.ResultId'\n"
    "    position: 'ResultManagement.Results.0.ResultContent.Trace.StepResults.0.Position'\n"
    "  estimation:\n    keypoints: 'Estimation/Keypoints'\n"
    "    depth_estimation: 'Estimation/DepthEstimation'\n"
    "  processing:\n    workers: 4\n"
    "  depth_validation:\n    negative_depth_behavior: warning\n";

static void bench_yaml(void)
{
	const int n = 20000;
	strata_conf *c;
	int64_t start = strata_time_monotonic_ns();

	for (int i = 0; i < n; i++) {
		if (strata_conf_parse_yaml(drill_yaml, sizeof drill_yaml - 1, "drill.yaml", &c) !=
		    0)
			abort();
		strata_conf_free(c);
	}
	report("yaml parse (drill config)", n, seconds_since(start), "docs");
}

/* Parse every Noiz example parameter file, many times over. */
static void bench_toml(void)
{
	const char *root = getenv("STRATA_TESTDATA");
	char pattern[4096];
	glob_t files;
	char *text[64];
	size_t len[64], nfiles;
	const int rounds = 5000;
	int64_t start;
	strata_conf *c;

	snprintf(pattern, sizeof pattern, "%s/seismic/noiz/config_examples/*.toml",
	         root && *root ? root : "../shared/data");
	if (glob(pattern, 0, NULL, &files) != 0) {
		printf("%-36s skipped: no files match %s\n", "toml parse (noiz params)", pattern);
		return;
	}
	nfiles = files.gl_pathc < 64 ? files.gl_pathc : 64;
	for (size_t f = 0; f < nfiles; f++)
		if (strata_file_read_all(files.gl_pathv[f], 0, &text[f], &len[f]) != 0)
			abort();
	start = strata_time_monotonic_ns();
	for (int r = 0; r < rounds; r++) {
		for (size_t f = 0; f < nfiles; f++) {
			if (strata_conf_parse_toml(text[f], len[f], "noiz.toml", &c) != 0)
				abort();
			strata_conf_free(c);
		}
	}
	report("toml parse (noiz params)", (double)rounds * (double)nfiles, seconds_since(start),
	       "docs");
	for (size_t f = 0; f < nfiles; f++)
		free(text[f]);
	globfree(&files);
}

static int bind_row(strata_db_stmt *st, size_t row, void *ctx)
{
	char id[37];
	strata_uuid u;
	int rc;
	(void)ctx;
	strata_uuid7(&u);
	strata_uuid_format(&u, id);
	if ((rc = strata_db_bind_text(st, 1, id)) ||
	    (rc = strata_db_bind_int64(st, 2, (int64_t)row)))
		return rc;
	return strata_db_bind_double(st, 3, (double)row * 0.5);
}

static void bench_db(const char *label, const char *url)
{
	const size_t n = 200000;
	strata_db *db;
	size_t done = 0;
	int64_t start;

	if (strata_db_open(url, &db) != 0) {
		printf("%-36s skipped: %s\n", label, strata_error_message());
		return;
	}
	strata_db_exec(db, "DROP TABLE IF EXISTS bench_rows");
	if (strata_db_exec(db, "CREATE TABLE bench_rows (id TEXT PRIMARY KEY, n BIGINT, "
	                       "v DOUBLE PRECISION)") != 0) {
		printf("%-36s failed: %s\n", label, strata_error_message());
		strata_db_close(db);
		return;
	}
	start = strata_time_monotonic_ns();
	if (strata_db_bulk_insert(db, "INSERT INTO bench_rows (id, n, v) VALUES (?, ?, ?)", n, 5000,
	                          bind_row, NULL, &done) != 0)
		printf("%-36s failed: %s\n", label, strata_error_message());
	else
		report(label, (double)done, seconds_since(start), "rows");
	strata_db_exec(db, "DROP TABLE bench_rows");
	strata_db_close(db);
}

int main(void)
{
	char dir[] = "/tmp/strata-bench-XXXXXX", path[64];
	const char *pg = getenv("STRATA_TEST_PG_URL");

	bench_time();
	bench_uuid();
	bench_log();
	bench_toml();
	bench_yaml();
	if (mkdtemp(dir)) {
		snprintf(path, sizeof path, "%s/bench.db", dir);
		bench_db("catalog bulk insert (sqlite)", path);
		unlink(path);
		snprintf(path, sizeof path, "%s/bench.db-wal", dir);
		unlink(path);
		snprintf(path, sizeof path, "%s/bench.db-shm", dir);
		unlink(path);
		rmdir(dir);
	}
	if (pg && *pg)
		bench_db("catalog bulk insert (postgresql)", pg);
	else
		printf("%-36s skipped: STRATA_TEST_PG_URL not set\n",
		       "catalog bulk insert (postgresql)");
	return 0;
}
