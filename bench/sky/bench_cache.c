/*
 * bench_cache.c - the cost of `sky serve`'s response cache per request.
 *
 * Prints one line per figure: the catalog generation check on SQLite (PRAGMA
 * data_version on the watch connection, under its mutex) and, when
 * STRATA_TEST_PG_URL is set, on PostgreSQL (the generation query on one
 * connection, in a scratch schema); a hit copying a 700-byte detail and a
 * 60 KB list (about /api/v1/images?limit=100). One thread: the figures are
 * the work a request adds, not the server's throughput (bench/sky/run.sh).
 */
#include "sky/api_cache.h"
#include "sky/catalog.h"
#include "strata/db.h"
#include "strata/error.h"
#include "strata/metrics.h"
#include "strata/time.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static double seconds_since(int64_t start)
{
	return (double)(strata_time_monotonic_ns() - start) / 1e9;
}

static void report(const char *what, double count, double seconds)
{
	printf("%-36s %12.0f ops/s  (%.2f us each, %.0f in %.3f s)\n", what, count / seconds,
	       seconds / count * 1e6, count, seconds);
}

static void check(int rc, const char *what)
{
	if (rc) {
		fprintf(stderr, "bench_cache: %s: %s\n", what, strata_error_message());
		exit(1);
	}
}

/* The generation check through the watch connection, n times. */
static void bench_generation(const char *url, const char *what, int n)
{
	strata_metrics *m = strata_metrics_new();
	sky_cache *c;
	uint64_t g;

	check(sky_cache_open(url, 1 << 20, m, &c), "open");
	check(sky_cache_generation(c, &g), "generation");
	int64_t start = strata_time_monotonic_ns();
	for (int i = 0; i < n; i++)
		check(sky_cache_generation(c, &g), "generation");
	report(what, n, seconds_since(start));
	sky_cache_close(c);
	strata_metrics_free(m);
}

/* A hit of a body of len bytes, n times. */
static void bench_hit(size_t len, const char *what, int n)
{
	strata_metrics *m = strata_metrics_new();
	strata_http_response in, out;
	char *body = malloc(len);
	sky_cache *c;

	if (!body)
		abort();
	memset(body, 'x', len);
	memset(&in, 0, sizeof in);
	memset(&out, 0, sizeof out);
	check(strata_http_respond(&in, 200, "application/json", body, len), "respond");
	check(sky_cache_open("unused", 64 << 20, m, &c), "open");
	sky_cache_put(c, "GET /api/v1/images?limit=100", 1, &in);
	int64_t start = strata_time_monotonic_ns();
	for (int i = 0; i < n; i++) {
		if (sky_cache_get(c, "GET /api/v1/images?limit=100", 1, &out) != 1)
			abort();
		strata_buf_reset(&out.body);
	}
	report(what, n, seconds_since(start));
	strata_buf_free(&in.body);
	strata_buf_free(&out.body);
	sky_cache_close(c);
	strata_metrics_free(m);
	free(body);
}

/* PostgreSQL: the generation query on one connection, in a scratch schema. */
static void bench_postgres(const char *pg, int n)
{
	char schema[64], url[1024], sql[128];
	strata_db *admin;

	snprintf(schema, sizeof schema, "bench_skycache_%d", (int)getpid());
	snprintf(url, sizeof url, "%s%soptions=-c%%20search_path%%3D%s", pg,
	         strchr(pg, '?') ? "&" : "?", schema);
	check(strata_db_open(pg, &admin), "connect");
	snprintf(sql, sizeof sql, "CREATE SCHEMA %s", schema);
	check(strata_db_exec(admin, sql), "schema");
	strata_db *db;
	check(sky_catalog_open(url, &db), "catalog");
	strata_db_close(db);
	bench_generation(url, "generation check postgres", n);
	snprintf(sql, sizeof sql, "DROP SCHEMA %s CASCADE", schema);
	check(strata_db_exec(admin, sql), "drop schema");
	strata_db_close(admin);
}

int main(void)
{
	char dir[] = "/tmp/strata-bench-skycache-XXXXXX", path[64];
	const char *pg = getenv("STRATA_TEST_PG_URL");
	strata_db *db;

	if (!mkdtemp(dir))
		return 1;
	snprintf(path, sizeof path, "%s/sky.db", dir);
	check(sky_catalog_open(path, &db), "catalog");
	strata_db_close(db);
	bench_generation(path, "generation check sqlite", 500000);
	bench_hit(700, "cache hit 700 B", 1000000);
	bench_hit(60000, "cache hit 60 KB", 200000);
	if (pg && *pg)
		bench_postgres(pg, 20000);
	unlink(path);
	snprintf(path, sizeof path, "%s/sky.db-wal", dir);
	unlink(path);
	snprintf(path, sizeof path, "%s/sky.db-shm", dir);
	unlink(path);
	rmdir(dir);
	return 0;
}
