/* testutil.c - helpers shared by strata's cmocka tests. */
#define _XOPEN_SOURCE 700 /* nftw */
#include "testutil.h"

#include "strata/error.h"

#include <errno.h>
#include <ftw.h>
#include <libpq-fe.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int strata_test_data_path(const char *relative, char *out, size_t outlen)
{
	const char *root = getenv("STRATA_TESTDATA");
	char fallback[4096];
	struct stat st;

	if (!root || !*root) {
		snprintf(fallback, sizeof fallback, "%s/../shared/data", STRATA_SOURCE_DIR);
		root = fallback;
	}
	snprintf(out, outlen, "%s/%s", root, relative);
	if (stat(out, &st) != 0) {
		printf("SKIPPED: test data %s not found (set STRATA_TESTDATA or check out "
		       "../shared beside the project)\n",
		       out);
		return -1;
	}
	return 0;
}

void strata_test_tmpdir(char *out, size_t outlen)
{
	const char *base = getenv("TMPDIR");
	if (!base || !*base)
		base = "/tmp";
	snprintf(out, outlen, "%s/strata-test-XXXXXX", base);
	if (!mkdtemp(out))
		fail_msg("mkdtemp %s: %s", out, strerror(errno));
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	chmod(path, 0700);
	return remove(path);
}

void strata_test_rmtree(const char *path)
{
	/* Make read-only directories writable first so their entries can go. */
	chmod(path, 0700);
	nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

char strata_test_dir[256];

int strata_test_dir_setup(void **state)
{
	(void)state;
	strata_test_tmpdir(strata_test_dir, sizeof strata_test_dir);
	return 0;
}

int strata_test_dir_teardown(void **state)
{
	(void)state;
	strata_test_rmtree(strata_test_dir);
	return 0;
}

void strata_test_write_file(const char *path, const char *contents)
{
	FILE *f = fopen(path, "wb");
	if (!f)
		fail_msg("open %s: %s", path, strerror(errno));
	fputs(contents, f);
	if (fclose(f) != 0)
		fail_msg("close %s: %s", path, strerror(errno));
}

int strata_test_in_ci(void)
{
	const char *ci = getenv("CI");
	return ci && (!strcmp(ci, "true") || !strcmp(ci, "1"));
}

const char *strata_test_pg_url(void)
{
	static int checked;
	static const char *url;
	PGconn *conn;

	if (checked)
		return url;
	checked = 1;
	url = getenv("STRATA_TEST_PG_URL");
	if (!url || !*url) {
		url = NULL;
		if (strata_test_in_ci())
			fail_msg(
			    "CI: STRATA_TEST_PG_URL is not set; .ci/run must start PostgreSQL");
		printf("SKIPPED: PostgreSQL tests (STRATA_TEST_PG_URL not set and no server "
		       "started; `make check` starts one when postgresql-15 is installed)\n");
		return NULL;
	}
	conn = PQconnectdb(url);
	if (PQstatus(conn) != CONNECTION_OK) {
		char reason[512];
		snprintf(reason, sizeof reason, "%s", PQerrorMessage(conn));
		PQfinish(conn);
		url = NULL;
		if (strata_test_in_ci())
			fail_msg("CI: PostgreSQL not reachable: %s", reason);
		printf("SKIPPED: PostgreSQL tests (server not reachable: %s)\n", reason);
		return NULL;
	}
	PQfinish(conn);
	return url;
}

/* Run one statement on a fresh connection to url. */
static void admin_exec(const char *url, const char *sql)
{
	strata_db *db;
	assert_ok(strata_db_open(url, &db));
	assert_ok(strata_db_exec(db, sql));
	strata_db_close(db);
}

void strata_test_db_create(strata_test_db *t, const char *sqlite_file, const char *schema_prefix)
{
	static unsigned counter;
	const char *base;
	struct timespec ts;
	char sql[128];

	t->skip = 0;
	strata_test_tmpdir(t->dir, sizeof t->dir);
	if (t->backend == STRATA_DB_SQLITE) {
		snprintf(t->url, sizeof t->url, "sqlite:%s/%s", t->dir, sqlite_file);
		return;
	}
	if (!(base = strata_test_pg_url())) {
		if (strata_test_in_ci())
			fail_msg("CI: PostgreSQL is required (STRATA_TEST_PG_URL)");
		t->skip = 1;
		return;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	snprintf(t->schema, sizeof t->schema, "%s_%d_%u_%ld", schema_prefix, (int)getpid(),
	         ++counter, ts.tv_nsec % 100000);
	snprintf(t->base, sizeof t->base, "%s", base);
	snprintf(t->url, sizeof t->url, "%s%coptions=-c%%20search_path%%3D%s", base,
	         strchr(base, '?') ? '&' : '?', t->schema);
	snprintf(sql, sizeof sql, "CREATE SCHEMA %s", t->schema);
	admin_exec(base, sql);
}

void strata_test_db_drop(strata_test_db *t)
{
	char sql[128];

	strata_test_rmtree(t->dir);
	if (t->backend == STRATA_DB_POSTGRES && !t->skip) {
		snprintf(sql, sizeof sql, "DROP SCHEMA %s CASCADE", t->schema);
		admin_exec(t->base, sql);
	}
}

int strata_test_catalog_setup(void **state)
{
	strata_test_catalog *c = *state;

	c->db = NULL;
	strata_error_clear();
	strata_test_db_create(&c->t, c->sqlite_file, c->schema_prefix);
	if (!c->t.skip)
		assert_ok(c->open(c->t.url, &c->db));
	return 0;
}

int strata_test_catalog_teardown(void **state)
{
	strata_test_catalog *c = *state;

	strata_db_close(c->db);
	c->db = NULL;
	strata_test_db_drop(&c->t);
	return 0;
}

strata_test_catalog *strata_test_catalog_of(void **state)
{
	strata_test_catalog *c = *state;

	if (c->t.skip)
		skip();
	return c;
}

/* The fixture of the group strata_test_catalog_groups runs. */
static strata_test_catalog *catalog_group;

static int catalog_group_setup(void **state)
{
	*state = catalog_group;
	return 0;
}

int strata_test_catalog_groups(const char *name, const struct CMUnitTest *tests, size_t n,
                               const char *sqlite_file, const char *schema_prefix,
                               int (*open)(const char *url, strata_db **db))
{
	static strata_test_catalog sqlite, postgres;
	char group[256];
	int failed;

	sqlite = (strata_test_catalog){.t.backend = STRATA_DB_SQLITE,
	                               .sqlite_file = sqlite_file,
	                               .schema_prefix = schema_prefix,
	                               .open = open};
	postgres = sqlite;
	postgres.t.backend = STRATA_DB_POSTGRES;
	catalog_group = &sqlite;
	snprintf(group, sizeof group, "%s on SQLite", name);
	failed = _cmocka_run_group_tests(group, tests, n, catalog_group_setup, NULL);
	catalog_group = &postgres;
	snprintf(group, sizeof group, "%s on PostgreSQL", name);
	failed += _cmocka_run_group_tests(group, tests, n, catalog_group_setup, NULL);
	return failed;
}
