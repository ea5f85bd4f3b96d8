/*
 * testutil.h - helpers shared by strata's cmocka tests.
 *
 * Include after <cmocka.h>'s prerequisites; this header includes them.
 */
#ifndef STRATA_TESTUTIL_H
#define STRATA_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>

#include "strata/db.h"
#include "strata/error.h"

/*
 * Resolve a path under the shared test data ($STRATA_TESTDATA, else
 * ../shared/data beside the source tree). Returns 0 and fills out, or -1 and
 * prints "SKIPPED: <reason>" when the data is absent; use via
 * STRATA_REQUIRE_TESTDATA, which skips the calling cmocka test.
 */
int strata_test_data_path(const char *relative, char *out, size_t outlen);

#define STRATA_REQUIRE_TESTDATA(relative, out)                                                     \
	do {                                                                                       \
		if (strata_test_data_path((relative), (out), sizeof(out)) != 0) {                  \
			skip();                                                                    \
		}                                                                                  \
	} while (0)

/* A fresh empty directory under $TMPDIR (or /tmp), removed by
 * strata_test_rmtree. out must hold at least 256 bytes. */
void strata_test_tmpdir(char *out, size_t outlen);
void strata_test_rmtree(const char *path);

/* cmocka group setup and teardown that create and remove a fresh temporary
 * directory, strata_test_dir, shared by the group's tests. */
extern char strata_test_dir[256];
int strata_test_dir_setup(void **state);
int strata_test_dir_teardown(void **state);

/* Write a file with the given contents; fails the test on error. */
void strata_test_write_file(const char *path, const char *contents);

/*
 * The PostgreSQL URL the tests use: $STRATA_TEST_PG_URL. Returns NULL (after
 * printing a visible SKIPPED line) when unset or unreachable outside CI; in CI
 * ($CI=true) an unset or unreachable server fails the test instead.
 */
const char *strata_test_pg_url(void);

/* Whether we are running under CI ($CI set to true or 1). */
int strata_test_in_ci(void);

/*
 * A database of one test, on either backend: SQLite, a file in a fresh temp
 * directory; PostgreSQL, a fresh schema on strata_test_pg_url()'s server, put
 * first on search_path through the URL's "options" so that every connection
 * of the test uses it. Set backend, then call strata_test_db_create from a
 * cmocka setup and strata_test_db_drop from its teardown.
 */
typedef struct strata_test_db {
	strata_db_backend backend;
	int skip;        /* PostgreSQL unavailable outside CI: skip the test */
	char url[1200];  /* this test's database */
	char base[1024]; /* PostgreSQL: the server URL, without the schema option */
	char dir[256];   /* a temp directory for this test */
	char schema[64]; /* PostgreSQL: this test's schema */
} strata_test_db;

/* Make t's temp directory and database: sqlite_file names the SQLite file in
 * it, schema_prefix starts the PostgreSQL schema's name. Sets t->skip when
 * PostgreSQL is unavailable outside CI (fails in CI). */
void strata_test_db_create(strata_test_db *t, const char *sqlite_file, const char *schema_prefix);
/* Remove the temp directory and drop the PostgreSQL schema. */
void strata_test_db_drop(strata_test_db *t);

/*
 * Tests that each want a fresh catalog, run on both backends: t as
 * strata_test_db_create makes it and db opened on it with open
 * (strata_db_open, or an app's catalog open that migrates). Give the tests
 * strata_test_catalog_setup and strata_test_catalog_teardown, get the
 * fixture with strata_test_catalog_of(state) (which skips the test when its
 * backend is unavailable), and run them with STRATA_TEST_CATALOG_GROUPS.
 */
typedef struct strata_test_catalog {
	strata_test_db t;
	strata_db *db;
	const char *sqlite_file, *schema_prefix;
	int (*open)(const char *url, strata_db **db);
} strata_test_catalog;

int strata_test_catalog_setup(void **state);
int strata_test_catalog_teardown(void **state);
strata_test_catalog *strata_test_catalog_of(void **state);

/* Run tests[0..n-1] as the groups "<name> on SQLite" and "<name> on
 * PostgreSQL", each test on a catalog made as strata_test_catalog says
 * (sqlite_file, schema_prefix, open). Returns the number of failures. */
int strata_test_catalog_groups(const char *name, const struct CMUnitTest *tests, size_t n,
                               const char *sqlite_file, const char *schema_prefix,
                               int (*open)(const char *url, strata_db **db));
#define STRATA_TEST_CATALOG_GROUPS(name, tests, sqlite_file, schema_prefix, open)                  \
	strata_test_catalog_groups((name), (tests), sizeof(tests) / sizeof((tests)[0]),            \
	                           (sqlite_file), (schema_prefix), (open))

/* |a - b| <= eps (use <math.h>), with both values in the failure message. */
#define assert_near(a, b, eps)                                                                     \
	do {                                                                                       \
		double a_ = (a), b_ = (b);                                                         \
		if (!(fabs(a_ - b_) <= (eps)))                                                     \
			fail_msg("%s = %.17g, expected %.17g", #a, a_, b_);                        \
	} while (0)

/* Assert an int return is 0, printing the strata error message if not. */
#define assert_ok(expr)                                                                            \
	do {                                                                                       \
		int rc_ = (expr);                                                                  \
		if (rc_ != 0)                                                                      \
			fail_msg("%s returned %d: %s", #expr, rc_, strata_error_message());        \
	} while (0)

#endif
