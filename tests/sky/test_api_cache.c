/* test_api_cache.c - the API's response cache: the catalog generation moves
 * with every commit of another connection (SQLite data_version, the
 * PostgreSQL triggers) and only then, entries of an older generation are
 * never returned, and the byte budget holds. SQLite and, when
 * STRATA_TEST_PG_URL is set, PostgreSQL (a fresh schema per test). */
#include "testutil.h"

#include "sky/api_cache.h"
#include "sky/catalog.h"
#include "strata/db.h"
#include "strata/metrics.h"

#include <stdlib.h>
#include <string.h>

typedef struct fixture {
	strata_test_db t;
	strata_db *db;
	strata_metrics *metrics;
	sky_cache *cache;
} fixture;

static fixture sqlite_fx = {.t.backend = STRATA_DB_SQLITE};
static fixture pg_fx = {.t.backend = STRATA_DB_POSTGRES};

static int setup(void **state)
{
	fixture *fx = *state;

	fx->db = NULL;
	fx->cache = NULL;
	strata_test_db_create(&fx->t, "sky.db", "skycache");
	if (fx->t.skip)
		return 0;
	assert_ok(sky_catalog_open(fx->t.url, &fx->db));
	assert_non_null(fx->metrics = strata_metrics_new());
	assert_ok(sky_cache_open(fx->t.url, 1 << 20, fx->metrics, &fx->cache));
	return 0;
}

static int teardown(void **state)
{
	fixture *fx = *state;

	sky_cache_close(fx->cache);
	strata_db_close(fx->db);
	if (!fx->t.skip)
		strata_metrics_free(fx->metrics);
	fx->db = NULL;
	strata_test_db_drop(&fx->t);
	return 0;
}

static fixture *fx_of(void **state)
{
	fixture *fx = *state;
	if (fx->t.skip)
		skip();
	return fx;
}

static uint64_t generation(fixture *fx)
{
	uint64_t g = 0;
	assert_ok(sky_cache_generation(fx->cache, &g));
	return g;
}

/* A response with status, a body of n bytes of c and one extra header. */
static void response(strata_http_response *r, int status, char c, size_t n)
{
	char *body = malloc(n + 1);

	assert_non_null(body);
	memset(body, c, n);
	memset(r, 0, sizeof *r);
	assert_ok(strata_http_respond(r, status, "application/json", body, n));
	assert_ok(strata_http_header_add(r, "X-Test", "yes"));
	free(body);
}

static void test_generation_follows_commits(void **state)
{
	fixture *fx = fx_of(state);
	uint64_t g1 = generation(fx);

	assert_int_equal(generation(fx), g1); /* nothing committed */
	assert_ok(strata_db_exec(fx->db, "INSERT INTO sources (name, ra_deg, dec_deg)"
	                                 " VALUES ('a', 1, 2)"));
	uint64_t g2 = generation(fx);
	assert_true(g2 > g1);
	assert_ok(strata_db_begin(fx->db));
	assert_ok(strata_db_exec(fx->db, "UPDATE sources SET ra_deg = 3"));
	assert_int_equal(generation(fx), g2); /* not committed yet */
	assert_ok(strata_db_rollback(fx->db));
	assert_int_equal(generation(fx), g2); /* rolled back: nothing changed */
	assert_ok(strata_db_begin(fx->db));
	assert_ok(strata_db_exec(fx->db, "DELETE FROM sources"));
	assert_ok(strata_db_commit(fx->db));
	assert_true(generation(fx) > g2);
	/* every catalog table counts, e.g. the job queue's */
	uint64_t g3 = generation(fx);
	assert_ok(strata_db_exec(fx->db, "INSERT INTO batch_jobs (id, kind, created_at, updated_at)"
	                                 " VALUES ('b', 'k', 0, 0)"));
	assert_true(generation(fx) > g3);
}

/* PostgreSQL: the shared generation read on any connection (the API reads
 * it on the request's pooled one) grows with each commit of another. */
static void test_shared_generation(void **state)
{
	fixture *fx = fx_of(state);
	strata_db *other;
	strata_db_stmt *st;
	uint64_t g1, g2, g3;

	if (fx->t.backend != STRATA_DB_POSTGRES)
		skip();
	assert_ok(strata_db_open(fx->t.url, &other));
	assert_ok(strata_db_prepare(fx->db, sky_cache_generation_sql(), &st));
	assert_ok(sky_cache_generation_read(fx->cache, st, &g1));
	assert_ok(strata_db_exec(other, "INSERT INTO sources (name, ra_deg, dec_deg)"
	                                " VALUES ('a', 1, 2)"));
	assert_ok(sky_cache_generation_read(fx->cache, st, &g2));
	assert_true(g2 > g1);
	assert_ok(strata_db_begin(other));
	assert_ok(strata_db_exec(other, "UPDATE sources SET ra_deg = 3"));
	assert_ok(sky_cache_generation_read(fx->cache, st, &g3));
	assert_int_equal(g3, g2); /* not committed yet */
	assert_ok(strata_db_commit(other));
	assert_ok(sky_cache_generation_read(fx->cache, st, &g3));
	assert_true(g3 > g2);
	assert_ok(strata_db_exec(other, "TRUNCATE photometry"));
	assert_ok(sky_cache_generation_read(fx->cache, st, &g1));
	assert_true(g1 > g3);
	/* once per transaction: two statements, one step */
	assert_ok(strata_db_exec(other, "BEGIN; UPDATE sources SET ra_deg = 4;"
	                                " UPDATE images SET noise_jy = 1; COMMIT"));
	assert_ok(sky_cache_generation_read(fx->cache, st, &g2));
	assert_int_equal(g2, g1 + 1);
	/* a change kept after a rolled-back savepoint that had bumped still bumps */
	assert_ok(strata_db_exec(other, "BEGIN; SAVEPOINT s; UPDATE sources SET ra_deg = 5;"
	                                " ROLLBACK TO SAVEPOINT s; UPDATE sources SET dec_deg = 6;"
	                                " COMMIT"));
	assert_ok(sky_cache_generation_read(fx->cache, st, &g3));
	assert_int_equal(g3, g2 + 1);
	/* and a rolled-back transaction changes nothing */
	assert_ok(strata_db_exec(other, "BEGIN; DELETE FROM sources; ROLLBACK"));
	assert_ok(sky_cache_generation_read(fx->cache, st, &g1));
	assert_int_equal(g1, g3);
	strata_db_finalize(st);
	strata_db_close(other);
}

/* PostgreSQL: compaction folds the rows of backends gone into row 0 and
 * keeps the sum (a change in it would make every cached answer stale, and a
 * decrease could serve stale ones). */
static void test_compaction_keeps_the_sum(void **state)
{
	fixture *fx = fx_of(state);
	strata_db_stmt *st;
	uint64_t g1, g2;
	int64_t n;

	if (fx->t.backend != STRATA_DB_POSTGRES)
		skip();
	assert_ok(strata_db_exec(fx->db, "INSERT INTO sources (name, ra_deg, dec_deg)"
	                                 " VALUES ('a', 1, 2)")); /* this backend's row */
	assert_ok(strata_db_exec(fx->db, "INSERT INTO sky_catalog_generation VALUES"
	                                 " (2147480001, 5), (2147480002, 7)"));
	assert_ok(strata_db_prepare(fx->db, sky_cache_generation_sql(), &st));
	assert_ok(sky_cache_generation_read(fx->cache, st, &g1));
	assert_ok(sky_catalog_generation_compact(fx->db));
	assert_ok(sky_cache_generation_read(fx->cache, st, &g2));
	assert_int_equal(g2, g1);
	assert_ok(sky_query_int(
	    fx->db, "SELECT COUNT(*) FROM sky_catalog_generation WHERE backend > 2147480000", &n));
	assert_int_equal(n, 0);
	assert_ok(sky_query_int(fx->db,
	                        "SELECT COUNT(*) FROM sky_catalog_generation"
	                        " WHERE backend = pg_backend_pid()",
	                        &n));
	assert_int_equal(n, 1);                            /* a running backend's row stays */
	assert_ok(sky_catalog_generation_compact(fx->db)); /* nothing more to fold */
	assert_ok(sky_cache_generation_read(fx->cache, st, &g2));
	assert_int_equal(g2, g1);
	strata_db_finalize(st);
}

static void test_entries_of_a_generation(void **state)
{
	fixture *fx = fx_of(state);
	strata_http_response in, out, newer;

	response(&in, 200, 'a', 100);
	sky_cache_put(fx->cache, "GET /x?", 5, &in);
	memset(&out, 0, sizeof out);
	assert_int_equal(sky_cache_get(fx->cache, "GET /x?", 5, &out), 1);
	assert_int_equal(out.status, 200);
	assert_string_equal(out.content_type, "application/json");
	assert_string_equal(out.extra_headers, in.extra_headers);
	assert_int_equal(out.body.len, 100);
	assert_memory_equal(out.body.data, in.body.data, 100);
	strata_buf_free(&out.body);
	assert_int_equal(sky_cache_get(fx->cache, "GET /y?", 5, &out), 0); /* other key */
	assert_int_equal(sky_cache_get(fx->cache, "HEAD /x?", 5, &out), 0);
	/* a newer generation drops the entry */
	assert_int_equal(sky_cache_get(fx->cache, "GET /x?", 6, &out), 0);
	assert_int_equal(sky_cache_get(fx->cache, "GET /x?", 5, &out), 0);
	assert_int_equal(sky_cache_bytes(fx->cache), 0);
	/* an answer computed under an older generation never replaces a newer one */
	response(&newer, 200, 'b', 10);
	sky_cache_put(fx->cache, "GET /x?", 7, &newer);
	sky_cache_put(fx->cache, "GET /x?", 6, &in);
	assert_int_equal(sky_cache_get(fx->cache, "GET /x?", 7, &out), 1);
	assert_int_equal(out.body.len, 10);
	strata_buf_free(&out.body);
	strata_buf_free(&in.body);
	strata_buf_free(&newer.body);
}

static void test_budget(void **state)
{
	fixture *fx = fx_of(state);
	strata_http_response r, out;
	char key[64];

	/* 1 MiB: entries up to 16 KiB, 64 KiB per shard */
	response(&r, 200, 'c', 16 * 1024 + 1);
	sky_cache_put(fx->cache, "GET /big?", 1, &r);
	assert_int_equal(sky_cache_bytes(fx->cache), 0);
	strata_buf_free(&r.body);
	response(&r, 200, 'd', 8000);
	for (int i = 0; i < 1000; i++) {
		snprintf(key, sizeof key, "GET /list?offset=%d", i);
		sky_cache_put(fx->cache, key, 1, &r);
		assert_true(sky_cache_bytes(fx->cache) <= 1 << 20);
	}
	assert_true(sky_cache_bytes(fx->cache) > (1 << 20) / 2);
	memset(&out, 0, sizeof out);
	assert_int_equal(sky_cache_get(fx->cache, "GET /list?offset=999", 1, &out), 1);
	strata_buf_free(&out.body);
	assert_int_equal(sky_cache_get(fx->cache, "GET /list?offset=0", 1, &out), 0);
	strata_buf_free(&r.body);
	strata_buf r_metrics = STRATA_BUF_INIT;
	assert_ok(strata_metrics_render(fx->metrics, &r_metrics));
	assert_non_null(strstr(r_metrics.data, "sky_cache_evictions_total"));
	assert_null(strstr(r_metrics.data, "sky_cache_evictions_total 0\n"));
	strata_buf_free(&r_metrics);
}

#define BOTH(fn)                                                                                   \
	cmocka_unit_test_prestate_setup_teardown(fn, setup, teardown, &sqlite_fx),                 \
	    cmocka_unit_test_prestate_setup_teardown(fn, setup, teardown, &pg_fx)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    BOTH(test_generation_follows_commits),
	    BOTH(test_shared_generation),
	    BOTH(test_compaction_keeps_the_sum),
	    BOTH(test_entries_of_a_generation),
	    BOTH(test_budget),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
