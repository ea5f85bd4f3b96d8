/*
 * test_db.c - the catalog database layer. One suite, run twice: against
 * SQLite (a fresh file in a temp directory per test) and against PostgreSQL
 * ($STRATA_TEST_PG_URL, a fresh schema per test, put first on search_path
 * through the URL's "options" so every connection of the test uses it).
 * Without a reachable server the PostgreSQL half is SKIPPED (fails in CI).
 */
#include "testutil.h"

#include "core/db_internal.h"
#include "strata/db.h"
#include "strata/error.h"

#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

typedef struct fixture {
	strata_test_db t;
	strata_db *db; /* opened by setup */
} fixture;

static fixture sqlite_fixture = {.t.backend = STRATA_DB_SQLITE};
static fixture postgres_fixture = {.t.backend = STRATA_DB_POSTGRES};

/* --- fixtures ------------------------------------------------------------ */

static int group_sqlite(void **state)
{
	*state = &sqlite_fixture;
	return 0;
}

static int group_postgres(void **state)
{
	*state = &postgres_fixture;
	return 0;
}

static int setup(void **state)
{
	fixture *fx = *state;

	fx->db = NULL;
	strata_error_clear();
	strata_test_db_create(&fx->t, "catalog.db", "t");
	if (!fx->t.skip)
		assert_ok(strata_db_open(fx->t.url, &fx->db));
	return 0;
}

static int teardown(void **state)
{
	fixture *fx = *state;

	strata_db_close(fx->db);
	fx->db = NULL;
	strata_test_db_drop(&fx->t);
	return 0;
}

/* The fixture, skipping the test when its backend is unavailable. */
static fixture *fx_of(void **state)
{
	fixture *fx = *state;
	if (fx->t.skip)
		skip();
	return fx;
}

static int is_pg(const fixture *fx)
{
	return fx->t.backend == STRATA_DB_POSTGRES;
}

/* --- helpers ------------------------------------------------------------- */

static void exec_ok(strata_db *db, const char *sql)
{
	assert_ok(strata_db_exec(db, sql));
}

static int64_t query_int(strata_db *db, const char *sql)
{
	strata_db_stmt *st;
	int64_t v;

	assert_ok(strata_db_prepare(db, sql, &st));
	assert_int_equal(strata_db_step(st), STRATA_DB_ROW);
	v = strata_db_column_int64(st, 0);
	strata_db_finalize(st);
	return v;
}

/* Whether the current error message contains needle. */
static void assert_message_has(const char *needle)
{
	if (!strstr(strata_error_message(), needle))
		fail_msg("message '%s' lacks '%s'", strata_error_message(), needle);
}

static void assert_message_lacks(const char *needle)
{
	if (strstr(strata_error_message(), needle))
		fail_msg("message '%s' contains '%s'", strata_error_message(), needle);
}

static const char *blob_type(const fixture *fx)
{
	return is_pg(fx) ? "BYTEA" : "BLOB";
}

/* --- connections --------------------------------------------------------- */

static void test_open_close(void **state)
{
	fixture *fx = fx_of(state);
	strata_db *other;
	strata_db_stmt *st;

	assert_int_equal(strata_db_backend_of(fx->db), fx->t.backend);
	assert_non_null(strata_db_display_name(fx->db));
	assert_int_equal(query_int(fx->db, "SELECT 1 + 1"), 2);
	assert_ok(strata_db_open(fx->t.url, &other));
	assert_int_equal(query_int(other, "SELECT 40 + 2"), 42);
	strata_db_close(other);
	strata_db_close(NULL);
	if (is_pg(fx)) {
		assert_ok(strata_db_prepare(fx->db, "SHOW client_min_messages", &st));
		assert_int_equal(strata_db_step(st), STRATA_DB_ROW);
		assert_string_equal(strata_db_column_text(st, 0), "warning");
		strata_db_finalize(st);
		return;
	}
	assert_ok(strata_db_prepare(fx->db, "PRAGMA journal_mode", &st));
	assert_int_equal(strata_db_step(st), STRATA_DB_ROW);
	assert_string_equal(strata_db_column_text(st, 0), "wal");
	strata_db_finalize(st);
	assert_int_equal(query_int(fx->db, "PRAGMA foreign_keys"), 1);
	assert_int_equal(query_int(fx->db, "PRAGMA synchronous"), 1); /* NORMAL */
	assert_int_equal(query_int(fx->db, "PRAGMA busy_timeout"), 5000);
	assert_ok(strata_db_open("sqlite::memory:", &other));
	assert_int_equal(query_int(other, "SELECT 7"), 7);
	strata_db_close(other);
}

static void test_bad_url(void **state)
{
	fixture *fx = fx_of(state);
	strata_db *db = (strata_db *)1;
	char url[1200];

	assert_int_equal(strata_db_open(NULL, &db), STRATA_EINVAL);
	assert_null(db);
	assert_int_equal(strata_db_open("", &db), STRATA_EINVAL);
	assert_int_equal(strata_db_open("sqlite:", &db), STRATA_EINVAL);
	assert_int_equal(strata_db_open("mysql://u:hunter2secret@h/db", &db), STRATA_EUNSUPPORTED);
	assert_message_has("mysql://u:***@h/db");
	assert_message_lacks("hunter2secret");
	if (!is_pg(fx)) {
		snprintf(url, sizeof url, "sqlite:%s/missing/sub/c.db", fx->t.dir);
		assert_int_equal(strata_db_open(url, &db), STRATA_ENOTFOUND);
		assert_message_has("/missing/sub");
		assert_message_has("does not exist");
		assert_null(db);
		return;
	}
	/* Nothing listens on port 1: a connection failure that is no auth error. */
	assert_int_equal(strata_db_open("postgresql://strata:pw-Xy7q@127.0.0.1:1/none", &db),
	                 STRATA_EDB);
	assert_message_has("postgresql://strata:***@127.0.0.1:1/none: ");
	assert_message_lacks("pw-Xy7q");
	assert_int_equal(strata_db_open("postgresql://u:pw-Xy7q@h/db?no_such_option=1", &db),
	                 STRATA_EINVAL);
	assert_message_has("invalid PostgreSQL URL");
	assert_message_lacks("pw-Xy7q");
}

/* Check one redaction. */
static void expect_redacted(const char *url, const char *want)
{
	char *got = strata_db_redact_url(url);
	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

/* The password of a postgresql:// URL, or "" when none. */
static void url_password(const char *url, char *out, size_t outlen)
{
	const char *auth = strstr(url, "://") + 3, *at = strchr(auth, '@'), *colon;

	out[0] = '\0';
	if (at && (colon = memchr(auth, ':', (size_t)(at - auth))))
		snprintf(out, outlen, "%.*s", (int)(at - colon - 1), colon + 1);
}

static void test_display_name_redacts(void **state)
{
	fixture *fx = fx_of(state);
	char pw[256];

	expect_redacted("postgresql://u:secret@h:5432/db", "postgresql://u:***@h:5432/db");
	expect_redacted("postgres://u@h/db", "postgres://u@h/db");
	expect_redacted("postgresql://u:p%40ss@h1,h2/db?sslmode=require&password=x2#f",
	                "postgresql://u:***@h1,h2/db?sslmode=require&password=***#f");
	expect_redacted("postgresql://h/db?password=abc", "postgresql://h/db?password=***");
	expect_redacted("/tmp/catalog.db", "/tmp/catalog.db");
	expect_redacted("sqlite:/tmp/a:b@c.db", "sqlite:/tmp/a:b@c.db");
	if (!is_pg(fx)) {
		assert_string_equal(strata_db_display_name(fx->db), fx->t.url);
		return;
	}
	url_password(fx->t.url, pw, sizeof pw);
	assert_non_null(strstr(strata_db_display_name(fx->db), "***"));
	if (pw[0])
		assert_null(strstr(strata_db_display_name(fx->db), pw));
}

static void test_wrong_password(void **state)
{
	fixture *fx = fx_of(state);
	const char *auth, *at, *colon;
	char url[1200];
	strata_db *db = NULL;
	strata_db_pool *pool = NULL;

	if (!is_pg(fx))
		skip();
	auth = strstr(fx->t.base, "://") + 3;
	at = strchr(auth, '@');
	assert_non_null(at);
	colon = memchr(auth, ':', (size_t)(at - auth));
	snprintf(url, sizeof url, "%.*s:wrong-PW-83kq%s", (int)((colon ? colon : at) - fx->t.base),
	         fx->t.base, at);
	assert_int_equal(strata_db_open(url, &db), STRATA_EAUTH);
	assert_null(db);
	assert_message_has("password authentication failed");
	assert_message_has(":***@");
	assert_message_lacks("wrong-PW-83kq");
	assert_int_equal(strata_db_pool_open(url, 2, &pool), STRATA_EAUTH);
	assert_null(pool);
	assert_message_lacks("wrong-PW-83kq");
}

/* --- exec, prepare, bind ------------------------------------------------- */

static void test_exec_and_errors(void **state)
{
	fixture *fx = fx_of(state);
	strata_db_stmt *st = (strata_db_stmt *)1;

	exec_ok(fx->db, "CREATE TABLE t (id BIGINT PRIMARY KEY, name TEXT);"
	                "INSERT INTO t (id, name) VALUES (1, 'a');"
	                "INSERT INTO t (id, name) VALUES (2, 'b')");
	assert_int_equal(query_int(fx->db, "SELECT COUNT(*) FROM t"), 2);
	assert_int_equal(strata_db_exec(fx->db, "SELEC nonsense FROM t"), STRATA_EDB);
	assert_message_has(strata_db_display_name(fx->db));
	assert_message_has("(SQL: SELEC nonsense FROM t)");
	assert_int_equal(strata_db_prepare(fx->db, "SELECT nope FROM t", &st), STRATA_EDB);
	assert_null(st);
	assert_message_has("nope");
	assert_int_equal(strata_db_exec(fx->db, "INSERT INTO t (id, name) VALUES (1, 'dup')"),
	                 STRATA_EEXIST);
	assert_int_equal(strata_db_exec(fx->db, "SELECT * FROM missing_table"), STRATA_EDB);
	assert_message_has("missing_table");
	/* One statement per prepare. */
	assert_true(strata_db_prepare(fx->db, "SELECT 1; SELECT 2", &st) < 0);
	assert_null(st);
	/* The connection still works after the errors. */
	assert_int_equal(query_int(fx->db, "SELECT COUNT(*) FROM t"), 2);
}

static void test_bind_int64_extremes(void **state)
{
	static const int64_t values[] = {
	    INT64_MIN, INT64_MIN + 1, -1, 0, 1, (INT64_C(1) << 53) + 1, INT64_MAX - 1, INT64_MAX};
	size_t n = sizeof values / sizeof values[0], i = 0;
	fixture *fx = fx_of(state);
	strata_db_stmt *st;

	exec_ok(fx->db, "CREATE TABLE n (i BIGINT NOT NULL, v BIGINT)");
	assert_ok(strata_db_prepare(fx->db, "INSERT INTO n (i, v) VALUES (?, ?)", &st));
	for (i = 0; i < n; i++) {
		assert_ok(strata_db_reset(st));
		assert_ok(strata_db_bind_int64(st, 1, (int64_t)i));
		assert_ok(strata_db_bind_int64(st, 2, values[i]));
		assert_int_equal(strata_db_step(st), STRATA_DB_DONE);
	}
	strata_db_finalize(st);
	assert_ok(strata_db_prepare(fx->db, "SELECT v FROM n ORDER BY i", &st));
	for (i = 0; strata_db_step(st) == STRATA_DB_ROW; i++)
		assert_true(strata_db_column_int64(st, 0) == values[i]);
	assert_int_equal(i, n);
	strata_db_finalize(st);
	/* Also through an untyped parameter. */
	assert_ok(strata_db_prepare(fx->db, "SELECT ?", &st));
	assert_ok(strata_db_bind_int64(st, 1, INT64_MIN));
	assert_int_equal(strata_db_step(st), STRATA_DB_ROW);
	assert_true(strata_db_column_int64(st, 0) == INT64_MIN);
	strata_db_finalize(st);
}

static void test_bind_double_exact(void **state)
{
	const double values[] = {0.1,
	                         1.0 / 3.0,
	                         M_PI,
	                         -2.5e-300,
	                         DBL_MAX,
	                         DBL_MIN,
	                         4.9406564584124654e-324,
	                         1e15 + 0.3,
	                         123456789.123456789,
	                         -1.0 / 7.0,
	                         INFINITY,
	                         -INFINITY};
	size_t n = sizeof values / sizeof values[0], i;
	fixture *fx = fx_of(state);
	strata_db_stmt *st;
	uint64_t got_bits, want_bits;
	double got;

	exec_ok(fx->db, "CREATE TABLE d (i BIGINT NOT NULL, v DOUBLE PRECISION)");
	assert_ok(strata_db_prepare(fx->db, "INSERT INTO d (i, v) VALUES (?, ?)", &st));
	for (i = 0; i < n; i++) {
		assert_ok(strata_db_reset(st));
		assert_ok(strata_db_bind_int64(st, 1, (int64_t)i));
		assert_ok(strata_db_bind_double(st, 2, values[i]));
		assert_int_equal(strata_db_step(st), STRATA_DB_DONE);
	}
	strata_db_finalize(st);
	assert_ok(strata_db_prepare(fx->db, "SELECT v FROM d ORDER BY i", &st));
	for (i = 0; strata_db_step(st) == STRATA_DB_ROW; i++) {
		got = strata_db_column_double(st, 0);
		memcpy(&got_bits, &got, sizeof got_bits);
		memcpy(&want_bits, &values[i], sizeof want_bits);
		if (got_bits != want_bits) /* bit for bit */
			fail_msg("value %zu: wrote %.17g, read %.17g", i, values[i], got);
	}
	assert_int_equal(i, n);
	strata_db_finalize(st);
}

static void test_bind_text_utf8(void **state)
{
	const char *values[] = {"", "plain", "Grüße, 東京, ñ, emoji 🚀", "it's \"quoted\" ? $1",
	                        "line\nbreak\ttab"};
	size_t n = sizeof values / sizeof values[0], i;
	fixture *fx = fx_of(state);
	strata_db_stmt *st;
	char *big = malloc(100001);

	assert_non_null(big);
	for (i = 0; i < 100000; i++)
		big[i] = (char)('a' + i % 26);
	big[100000] = '\0';
	exec_ok(fx->db, "CREATE TABLE s (i BIGINT NOT NULL, v TEXT)");
	assert_ok(strata_db_prepare(fx->db, "INSERT INTO s (i, v) VALUES (?, ?)", &st));
	for (i = 0; i <= n; i++) {
		assert_ok(strata_db_reset(st));
		assert_ok(strata_db_bind_int64(st, 1, (int64_t)i));
		assert_ok(strata_db_bind_text(st, 2, i < n ? values[i] : big));
		assert_int_equal(strata_db_step(st), STRATA_DB_DONE);
	}
	strata_db_finalize(st);
	assert_ok(strata_db_prepare(fx->db, "SELECT v FROM s ORDER BY i", &st));
	for (i = 0; strata_db_step(st) == STRATA_DB_ROW; i++) {
		assert_false(strata_db_column_is_null(st, 0));
		assert_string_equal(strata_db_column_text(st, 0), i < n ? values[i] : big);
	}
	assert_int_equal(i, n + 1);
	strata_db_finalize(st);
	free(big);
}

static void test_bind_blob(void **state)
{
	fixture *fx = fx_of(state);
	unsigned char bytes[256], *big = malloc(1 << 20);
	strata_db_stmt *st;
	const void *p;
	char sql[128];
	size_t len, i;

	assert_non_null(big);
	for (i = 0; i < sizeof bytes; i++)
		bytes[i] = (unsigned char)i;
	for (i = 0; i < (1u << 20); i++)
		big[i] = (unsigned char)(i * 2654435761u >> 13);
	snprintf(sql, sizeof sql, "CREATE TABLE b (i BIGINT NOT NULL, v %s)", blob_type(fx));
	exec_ok(fx->db, sql);
	assert_ok(strata_db_prepare(fx->db, "INSERT INTO b (i, v) VALUES (?, ?)", &st));
	assert_ok(strata_db_bind_int64(st, 1, 1));
	assert_ok(strata_db_bind_blob(st, 2, bytes, sizeof bytes));
	assert_int_equal(strata_db_step(st), STRATA_DB_DONE);
	assert_ok(strata_db_reset(st));
	assert_ok(strata_db_bind_int64(st, 1, 2));
	assert_ok(strata_db_bind_blob(st, 2, NULL, 0)); /* empty, not NULL */
	assert_int_equal(strata_db_step(st), STRATA_DB_DONE);
	assert_ok(strata_db_reset(st));
	assert_ok(strata_db_bind_int64(st, 1, 3));
	assert_ok(strata_db_bind_blob(st, 2, big, 1u << 20));
	assert_int_equal(strata_db_step(st), STRATA_DB_DONE);
	assert_ok(strata_db_reset(st));
	assert_int_equal(strata_db_bind_blob(st, 2, NULL, 5), STRATA_EINVAL);
	strata_db_finalize(st);

	assert_ok(strata_db_prepare(fx->db, "SELECT v FROM b ORDER BY i", &st));
	assert_int_equal(strata_db_step(st), STRATA_DB_ROW);
	p = strata_db_column_blob(st, 0, &len);
	assert_int_equal(len, sizeof bytes);
	assert_memory_equal(p, bytes, sizeof bytes);
	assert_int_equal(strata_db_step(st), STRATA_DB_ROW);
	assert_false(strata_db_column_is_null(st, 0));
	assert_non_null(strata_db_column_blob(st, 0, &len));
	assert_int_equal(len, 0);
	assert_int_equal(strata_db_step(st), STRATA_DB_ROW);
	p = strata_db_column_blob(st, 0, &len);
	assert_int_equal(len, 1u << 20);
	assert_memory_equal(p, big, 1u << 20);
	assert_int_equal(strata_db_step(st), STRATA_DB_DONE);
	strata_db_finalize(st);
	free(big);
}

static void test_bind_null(void **state)
{
	fixture *fx = fx_of(state);
	strata_db_stmt *st;
	size_t len = 99;
	char sql[160];

	snprintf(sql, sizeof sql, "CREATE TABLE z (i BIGINT, d DOUBLE PRECISION, t TEXT, b %s)",
	         blob_type(fx));
	exec_ok(fx->db, sql);
	assert_ok(strata_db_prepare(fx->db, "INSERT INTO z (i, d, t, b) VALUES (?, ?, ?, ?)", &st));
	assert_ok(strata_db_bind_null(st, 1));
	assert_ok(strata_db_bind_double(st, 2, 1.5)); /* replaced below */
	assert_ok(strata_db_bind_null(st, 2));
	assert_ok(strata_db_bind_text(st, 3, NULL));
	/* parameter 4 left unbound: NULL */
	assert_int_equal(strata_db_step(st), STRATA_DB_DONE);
	strata_db_finalize(st);
	assert_ok(strata_db_prepare(fx->db, "SELECT i, d, t, b FROM z", &st));
	assert_int_equal(strata_db_step(st), STRATA_DB_ROW);
	assert_int_equal(strata_db_column_count(st), 4);
	for (int c = 0; c < 4; c++)
		assert_true(strata_db_column_is_null(st, c));
	assert_int_equal(strata_db_column_int64(st, 0), 0);
	assert_true(strata_db_column_double(st, 1) == 0.0);
	assert_null(strata_db_column_text(st, 2));
	assert_null(strata_db_column_blob(st, 3, &len));
	assert_int_equal(len, 0);
	/* Out-of-range columns read as NULL. */
	assert_true(strata_db_column_is_null(st, 4));
	assert_true(strata_db_column_is_null(st, -1));
	strata_db_finalize(st);
}

static void test_bind_errors(void **state)
{
	fixture *fx = fx_of(state);
	strata_db_stmt *st;

	assert_ok(strata_db_prepare(fx->db, "SELECT ?, ?", &st));
	assert_int_equal(strata_db_bind_int64(st, 0, 1), STRATA_EINVAL);
	assert_int_equal(strata_db_bind_int64(st, 3, 1), STRATA_EINVAL);
	assert_message_has("out of range");
	assert_message_has("2 parameters");
	assert_ok(strata_db_bind_text(st, 1, "a"));
	assert_ok(strata_db_bind_text(st, 2, "b"));
	assert_int_equal(strata_db_step(st), STRATA_DB_ROW);
	assert_int_equal(strata_db_bind_text(st, 1, "c"), STRATA_EINVAL);
	assert_message_has("strata_db_reset");
	assert_int_equal(strata_db_step(st), STRATA_DB_DONE);
	assert_int_equal(strata_db_step(st), STRATA_DB_DONE); /* stays done */
	strata_db_finalize(st);
	assert_int_equal(strata_db_bind_int64(NULL, 1, 1), STRATA_EINVAL);
	assert_int_equal(strata_db_step(NULL), STRATA_EINVAL);
	strata_db_finalize(NULL);
}

static void test_step_rows(void **state)
{
	fixture *fx = fx_of(state);
	strata_db_stmt *st;
	char name[32];
	int i;

	exec_ok(fx->db, "CREATE TABLE r (id BIGINT PRIMARY KEY, name TEXT NOT NULL)");
	assert_ok(strata_db_prepare(fx->db, "INSERT INTO r (id, name) VALUES (?, ?)", &st));
	for (i = 0; i < 100; i++) {
		snprintf(name, sizeof name, "row-%d", i);
		assert_ok(strata_db_reset(st));
		assert_ok(strata_db_bind_int64(st, 1, i));
		assert_ok(strata_db_bind_text(st, 2, name));
		assert_int_equal(strata_db_step(st), STRATA_DB_DONE);
	}
	strata_db_finalize(st);
	assert_ok(
	    strata_db_prepare(fx->db, "SELECT id, name FROM r WHERE id >= ? ORDER BY id", &st));
	assert_ok(strata_db_bind_int64(st, 1, 10));
	for (i = 10; strata_db_step(st) == STRATA_DB_ROW; i++) {
		snprintf(name, sizeof name, "row-%d", i);
		assert_int_equal(strata_db_column_count(st), 2);
		assert_int_equal(strata_db_column_int64(st, 0), i);
		assert_string_equal(strata_db_column_text(st, 1), name);
	}
	assert_int_equal(i, 100);
	assert_int_equal(strata_db_column_count(st), 0);
	assert_null(strata_db_column_text(st, 1));
	/* Reset and run again with another binding. */
	assert_ok(strata_db_reset(st));
	assert_ok(strata_db_bind_int64(st, 1, 98));
	for (i = 0; strata_db_step(st) == STRATA_DB_ROW; i++)
		;
	assert_int_equal(i, 2);
	/* Reset clears the bindings: id >= NULL matches nothing. */
	assert_ok(strata_db_reset(st));
	assert_int_equal(strata_db_step(st), STRATA_DB_DONE);
	strata_db_finalize(st);
}

/* Run sql with one int64 parameter and return strata_db_changes. */
static int64_t changes_of(strata_db *db, const char *sql, int64_t arg)
{
	strata_db_stmt *st;
	int64_t n;
	int rc;

	assert_ok(strata_db_prepare(db, sql, &st));
	assert_ok(strata_db_bind_int64(st, 1, arg));
	while ((rc = strata_db_step(st)) == STRATA_DB_ROW)
		;
	assert_int_equal(rc, STRATA_DB_DONE);
	n = strata_db_changes(st);
	strata_db_finalize(st);
	return n;
}

static void test_changes(void **state)
{
	fixture *fx = fx_of(state);

	exec_ok(fx->db, "CREATE TABLE c (id BIGINT PRIMARY KEY, v BIGINT)");
	for (int i = 0; i < 10; i++)
		assert_int_equal(changes_of(fx->db, "INSERT INTO c (id, v) VALUES (?, 0)", i), 1);
	assert_int_equal(changes_of(fx->db, "UPDATE c SET v = 1 WHERE id < ?", 5), 5);
	assert_int_equal(changes_of(fx->db, "DELETE FROM c WHERE id >= ?", 8), 2);
	assert_int_equal(changes_of(fx->db, "UPDATE c SET v = 2 WHERE id = ?", 1000), 0);
	assert_int_equal(changes_of(fx->db, "SELECT id FROM c WHERE id > ?", 0), 0);
	assert_int_equal(
	    changes_of(fx->db, "INSERT INTO c (id, v) SELECT id + 100, v FROM c WHERE id < ?", 3),
	    3);
	assert_int_equal(query_int(fx->db, "SELECT COUNT(*) FROM c"), 11);
}

static void test_foreign_keys_enforced(void **state)
{
	fixture *fx = fx_of(state);

	exec_ok(fx->db, "CREATE TABLE parent (id BIGINT PRIMARY KEY);"
	                "CREATE TABLE child (id BIGINT PRIMARY KEY,"
	                " parent BIGINT NOT NULL REFERENCES parent(id));"
	                "INSERT INTO parent (id) VALUES (1);"
	                "INSERT INTO child (id, parent) VALUES (1, 1)");
	assert_int_equal(strata_db_exec(fx->db, "INSERT INTO child (id, parent) VALUES (2, 99)"),
	                 STRATA_EDB);
	assert_int_equal(query_int(fx->db, "SELECT COUNT(*) FROM child"), 1);
}

static void test_placeholders_in_literals(void **state)
{
	fixture *fx = fx_of(state);
	strata_db_stmt *st;

	assert_ok(strata_db_prepare(fx->db,
	                            "SELECT '?' AS q, ? AS p, 'it''s ?' AS r -- a comment?\n"
	                            ", ? /* and ? here */ AS s",
	                            &st));
	assert_ok(strata_db_bind_text(st, 1, "first"));
	assert_ok(strata_db_bind_int64(st, 2, 7));
	assert_int_equal(strata_db_bind_int64(st, 3, 1), STRATA_EINVAL);
	assert_int_equal(strata_db_step(st), STRATA_DB_ROW);
	assert_string_equal(strata_db_column_text(st, 0), "?");
	assert_string_equal(strata_db_column_text(st, 1), "first");
	assert_string_equal(strata_db_column_text(st, 2), "it's ?");
	assert_int_equal(strata_db_column_int64(st, 3), 7);
	strata_db_finalize(st);
}

/* Check one rewrite. */
static void expect_rewrite(const char *sql, const char *want, int want_n)
{
	char *got = NULL;
	int n = -1;

	assert_ok(strata_db_rewrite_placeholders(sql, &got, &n));
	assert_string_equal(got, want);
	assert_int_equal(n, want_n);
	free(got);
}

static void test_rewrite_placeholders(void **state)
{
	(void)fx_of(state);
	expect_rewrite("SELECT ?, ?", "SELECT $1, $2", 2);
	expect_rewrite("", "", 0);
	expect_rewrite("SELECT '?', \"a?\" FROM t WHERE x=? -- why?\nAND y = ?",
	               "SELECT '?', \"a?\" FROM t WHERE x=$1 -- why?\nAND y = $2", 2);
	expect_rewrite("SELECT 'it''s ?', ?", "SELECT 'it''s ?', $1", 1);
	expect_rewrite("SELECT E'\\' ?', ?", "SELECT E'\\' ?', $1", 1);
	expect_rewrite("SELECT '\\', ?", "SELECT '\\', $1", 1); /* no E: backslash is plain */
	expect_rewrite("/* ? /* nested ? */ ? */ ?", "/* ? /* nested ? */ ? */ $1", 1);
	expect_rewrite("SELECT $$ ? $$, $f$ ? $f$, ?", "SELECT $$ ? $$, $f$ ? $f$, $1", 1);
	expect_rewrite("SELECT a$b, ?", "SELECT a$b, $1", 1);
	expect_rewrite("SELECT 'unterminated ?", "SELECT 'unterminated ?", 0);
}

/* --- transactions -------------------------------------------------------- */

static void test_transaction_commit(void **state)
{
	fixture *fx = fx_of(state);
	strata_db *other;

	exec_ok(fx->db, "CREATE TABLE t (id BIGINT PRIMARY KEY)");
	assert_ok(strata_db_open(fx->t.url, &other));
	assert_ok(strata_db_begin(fx->db));
	exec_ok(fx->db, "INSERT INTO t (id) VALUES (1)");
	assert_int_equal(strata_db_begin(fx->db), STRATA_EINVAL); /* no nesting */
	assert_int_equal(query_int(other, "SELECT COUNT(*) FROM t"), 0);
	assert_ok(strata_db_commit(fx->db));
	assert_int_equal(query_int(other, "SELECT COUNT(*) FROM t"), 1);
	strata_db_close(other);
}

static void test_transaction_rollback(void **state)
{
	fixture *fx = fx_of(state);

	exec_ok(fx->db, "CREATE TABLE t (id BIGINT PRIMARY KEY)");
	assert_ok(strata_db_begin(fx->db));
	exec_ok(fx->db, "INSERT INTO t (id) VALUES (1)");
	assert_ok(strata_db_rollback(fx->db));
	assert_int_equal(query_int(fx->db, "SELECT COUNT(*) FROM t"), 0);
	/* After a failed statement (PostgreSQL: an aborted transaction). */
	assert_ok(strata_db_begin(fx->db));
	exec_ok(fx->db, "INSERT INTO t (id) VALUES (2)");
	assert_int_equal(strata_db_exec(fx->db, "INSERT INTO t (id) VALUES (2)"), STRATA_EEXIST);
	assert_ok(strata_db_rollback(fx->db));
	assert_int_equal(query_int(fx->db, "SELECT COUNT(*) FROM t"), 0);
}

typedef struct txn_probe {
	int calls;
	int fail_first; /* return STRATA_EBUSY on the first n calls */
	int result;     /* then return this */
} txn_probe;

/* Insert a row, then fail or succeed as the probe says. */
static int insert_then(strata_db *db, void *ctx)
{
	txn_probe *p = ctx;
	int rc = strata_db_exec(db, "INSERT INTO t (id) VALUES (1)");

	p->calls++;
	if (rc)
		return rc;
	if (p->calls <= p->fail_first)
		return strata_error_set(STRATA_EBUSY, "simulated conflict %d", p->calls);
	if (p->result)
		return strata_error_set(p->result, "fn failed on purpose");
	return 0;
}

static void test_transaction_fn_error_rolls_back(void **state)
{
	fixture *fx = fx_of(state);
	txn_probe p = {.result = STRATA_ESCHEMA};

	exec_ok(fx->db, "CREATE TABLE t (id BIGINT PRIMARY KEY)");
	assert_int_equal(strata_db_transaction(fx->db, insert_then, &p, 0), STRATA_ESCHEMA);
	assert_int_equal(p.calls, 1); /* only transient errors are retried */
	assert_message_has("fn failed on purpose");
	assert_int_equal(query_int(fx->db, "SELECT COUNT(*) FROM t"), 0);
	/* A SQL error inside fn: rolled back, the connection usable again. */
	exec_ok(fx->db, "INSERT INTO t (id) VALUES (1)");
	p = (txn_probe){0};
	assert_int_equal(strata_db_transaction(fx->db, insert_then, &p, 0), STRATA_EEXIST);
	assert_int_equal(p.calls, 1);
	assert_int_equal(query_int(fx->db, "SELECT COUNT(*) FROM t"), 1);
	assert_ok(strata_db_begin(fx->db)); /* no transaction was left open */
	assert_ok(strata_db_rollback(fx->db));
}

static void test_transaction_retries_busy(void **state)
{
	fixture *fx = fx_of(state);
	txn_probe p = {.fail_first = 1};

	exec_ok(fx->db, "CREATE TABLE t (id BIGINT PRIMARY KEY)");
	assert_ok(strata_db_transaction(fx->db, insert_then, &p, 0));
	assert_int_equal(p.calls, 2);
	assert_int_equal(query_int(fx->db, "SELECT COUNT(*) FROM t"), 1);
}

static void test_transaction_gives_up(void **state)
{
	fixture *fx = fx_of(state);
	txn_probe p = {.fail_first = 100};

	exec_ok(fx->db, "CREATE TABLE t (id BIGINT PRIMARY KEY)");
	assert_int_equal(strata_db_transaction(fx->db, insert_then, &p, 3), STRATA_EBUSY);
	assert_int_equal(p.calls, 3);
	assert_message_has("gave up after 3 attempts");
	assert_message_has("simulated conflict 3");
	assert_int_equal(query_int(fx->db, "SELECT COUNT(*) FROM t"), 0);
	/* Nested use is refused. */
	assert_ok(strata_db_begin(fx->db));
	assert_int_equal(strata_db_transaction(fx->db, insert_then, &p, 0), STRATA_EINVAL);
	assert_ok(strata_db_rollback(fx->db));
}

/* A real lock conflict is reported as STRATA_EBUSY. */
static void test_lock_conflict_is_busy(void **state)
{
	fixture *fx = fx_of(state);
	strata_db *other;

	exec_ok(fx->db, "CREATE TABLE t (id BIGINT PRIMARY KEY, v BIGINT);"
	                "INSERT INTO t (id, v) VALUES (1, 0)");
	assert_ok(strata_db_open(fx->t.url, &other));
	assert_ok(strata_db_begin(fx->db));
	exec_ok(fx->db, "UPDATE t SET v = 1 WHERE id = 1");
	if (is_pg(fx)) {
		exec_ok(other, "SET lock_timeout = '50ms'");
		assert_int_equal(strata_db_exec(other, "UPDATE t SET v = 2 WHERE id = 1"),
		                 STRATA_EBUSY);
	} else {
		exec_ok(other, "PRAGMA busy_timeout = 0");
		assert_int_equal(strata_db_begin(other), STRATA_EBUSY);
	}
	assert_ok(strata_db_commit(fx->db));
	assert_int_equal(query_int(other, "SELECT v FROM t WHERE id = 1"), 1);
	strata_db_close(other);
}

typedef struct counter_job {
	strata_db_pool *pool;
	strata_db_backend backend;
	int increments;
	int attempts;
	int failures;
	char error[512];
} counter_job;

/* Read-modify-write of the counter: needs the transaction to be correct. */
static int increment(strata_db *db, void *ctx)
{
	counter_job *job = ctx;
	strata_db_stmt *st;
	int64_t n;
	int rc;

	job->attempts++;
	if (job->backend == STRATA_DB_POSTGRES &&
	    (rc = strata_db_exec(db, "SET TRANSACTION ISOLATION LEVEL SERIALIZABLE")))
		return rc;
	if ((rc = strata_db_prepare(db, "SELECT n FROM counter WHERE id = 1", &st)))
		return rc;
	rc = strata_db_step(st);
	n = strata_db_column_int64(st, 0);
	strata_db_finalize(st);
	if (rc != STRATA_DB_ROW)
		return rc < 0 ? rc : strata_error_set(STRATA_ERR, "no counter row");
	if ((rc = strata_db_prepare(db, "UPDATE counter SET n = ? WHERE id = 1", &st)))
		return rc;
	if (!(rc = strata_db_bind_int64(st, 1, n + 1)))
		rc = strata_db_step(st);
	strata_db_finalize(st);
	return rc < 0 ? rc : 0;
}

static void *counter_thread(void *arg)
{
	counter_job *job = arg;
	strata_db *db;
	int rc;

	for (int i = 0; i < job->increments; i++) {
		if (!(rc = strata_db_pool_acquire(job->pool, &db))) {
			rc = strata_db_transaction(db, increment, job, 200);
			strata_db_pool_release(job->pool, db);
		}
		if (rc) {
			job->failures++;
			snprintf(job->error, sizeof job->error, "%s", strata_error_message());
		}
	}
	return NULL;
}

static void test_concurrent_counter(void **state)
{
	enum { THREADS = 4, EACH = 25 };
	fixture *fx = fx_of(state);
	counter_job jobs[THREADS];
	pthread_t threads[THREADS];
	strata_db_pool *pool;
	int attempts = 0;

	exec_ok(fx->db, "CREATE TABLE counter (id BIGINT PRIMARY KEY, n BIGINT NOT NULL);"
	                "INSERT INTO counter (id, n) VALUES (1, 0)");
	assert_ok(strata_db_pool_open(fx->t.url, 2, &pool));
	for (int i = 0; i < THREADS; i++) {
		jobs[i] = (counter_job){.pool = pool, .backend = fx->t.backend, .increments = EACH};
		assert_int_equal(pthread_create(&threads[i], NULL, counter_thread, &jobs[i]), 0);
	}
	for (int i = 0; i < THREADS; i++) {
		pthread_join(threads[i], NULL);
		if (jobs[i].failures)
			fail_msg("thread %d: %d failures, last: %s", i, jobs[i].failures,
			         jobs[i].error);
		attempts += jobs[i].attempts;
	}
	strata_db_pool_close(pool);
	assert_int_equal(query_int(fx->db, "SELECT n FROM counter WHERE id = 1"), THREADS * EACH);
	print_message("%d increments took %d attempts\n", THREADS * EACH, attempts);
}

/* --- upsert and bulk insert ---------------------------------------------- */

static void test_upsert_sql_text(void **state)
{
	static const char *const cols[] = {"code", "lat", "lon"};
	static const char *const keys[] = {"code"};
	static const char *const bad[] = {"code", "lat; DROP TABLE x"};
	static const char *const other[] = {"nope"};
	char *sql = NULL;

	(void)fx_of(state);
	assert_ok(strata_db_upsert_sql("stations", cols, 3, keys, 1, &sql));
	assert_string_equal(sql, "INSERT INTO stations (code, lat, lon) VALUES (?, ?, ?) "
	                         "ON CONFLICT (code) DO UPDATE SET lat = excluded.lat, "
	                         "lon = excluded.lon");
	free(sql);
	assert_ok(strata_db_upsert_sql("app.tags", cols, 1, keys, 1, &sql));
	assert_string_equal(sql,
	                    "INSERT INTO app.tags (code) VALUES (?) ON CONFLICT (code) DO NOTHING");
	free(sql);
	assert_ok(strata_db_upsert_sql("pairs", cols, 3, cols, 2, &sql));
	assert_string_equal(sql, "INSERT INTO pairs (code, lat, lon) VALUES (?, ?, ?) "
	                         "ON CONFLICT (code, lat) DO UPDATE SET lon = excluded.lon");
	free(sql);
	assert_int_equal(strata_db_upsert_sql("t", bad, 2, keys, 1, &sql), STRATA_EINVAL);
	assert_null(sql);
	assert_int_equal(strata_db_upsert_sql("t x", cols, 3, keys, 1, &sql), STRATA_EINVAL);
	assert_int_equal(strata_db_upsert_sql("t", cols, 3, other, 1, &sql), STRATA_EINVAL);
	assert_int_equal(strata_db_upsert_sql("t", cols, 3, keys, 0, &sql), STRATA_EINVAL);
	assert_int_equal(strata_db_upsert_sql("t", cols, 0, keys, 1, &sql), STRATA_EINVAL);
}

/* Upsert one (code, value, note) row. */
static int64_t upsert(strata_db *db, const char *sql, const char *code, int64_t v, const char *note)
{
	strata_db_stmt *st;
	int64_t changes;

	assert_ok(strata_db_prepare(db, sql, &st));
	assert_ok(strata_db_bind_text(st, 1, code));
	assert_ok(strata_db_bind_int64(st, 2, v));
	assert_ok(strata_db_bind_text(st, 3, note));
	assert_int_equal(strata_db_step(st), STRATA_DB_DONE);
	changes = strata_db_changes(st);
	strata_db_finalize(st);
	return changes;
}

static void test_upsert_behaviour(void **state)
{
	static const char *const cols[] = {"code", "v", "note"};
	static const char *const keys[] = {"code"};
	fixture *fx = fx_of(state);
	strata_db_stmt *st;
	char *sql, *all_keys;

	exec_ok(fx->db, "CREATE TABLE kv (code TEXT PRIMARY KEY, v BIGINT, note TEXT)");
	assert_ok(strata_db_upsert_sql("kv", cols, 3, keys, 1, &sql));
	assert_int_equal(upsert(fx->db, sql, "a", 1, "first"), 1);
	assert_int_equal(upsert(fx->db, sql, "b", 5, "other"), 1);
	assert_int_equal(upsert(fx->db, sql, "a", 2, "second"), 1);
	assert_int_equal(query_int(fx->db, "SELECT COUNT(*) FROM kv"), 2);
	assert_ok(strata_db_prepare(fx->db, "SELECT v, note FROM kv WHERE code = 'a'", &st));
	assert_int_equal(strata_db_step(st), STRATA_DB_ROW);
	assert_int_equal(strata_db_column_int64(st, 0), 2);
	assert_string_equal(strata_db_column_text(st, 1), "second");
	strata_db_finalize(st);
	free(sql);
	/* Every column a key: DO NOTHING, and the second insert changes nothing. */
	exec_ok(fx->db,
	        "CREATE TABLE tags (code TEXT, v BIGINT, note TEXT, PRIMARY KEY (code, v, note))");
	assert_ok(strata_db_upsert_sql("tags", cols, 3, cols, 3, &all_keys));
	assert_int_equal(upsert(fx->db, all_keys, "x", 1, "n"), 1);
	assert_int_equal(upsert(fx->db, all_keys, "x", 1, "n"), 0);
	assert_int_equal(query_int(fx->db, "SELECT COUNT(*) FROM tags"), 1);
	free(all_keys);
}

typedef struct bulk_ctx {
	size_t fail_at; /* row whose bind_row fails, or SIZE_MAX */
	size_t dup_at;  /* row that reuses id 0, or SIZE_MAX */
	size_t calls;
} bulk_ctx;

static int bind_bulk_row(strata_db_stmt *st, size_t row, void *arg)
{
	bulk_ctx *c = arg;
	char label[32];
	int rc;

	c->calls++;
	if (row == c->fail_at)
		return strata_error_set(STRATA_EPARSE, "row %zu is malformed", row);
	snprintf(label, sizeof label, "r%zu", row);
	if ((rc = strata_db_bind_int64(st, 1, row == c->dup_at ? 0 : (int64_t)row)) ||
	    (rc = strata_db_bind_text(st, 2, label)) ||
	    (rc = strata_db_bind_double(st, 3, (double)row * 0.5)))
		return rc;
	return 0;
}

#define BULK_SQL "INSERT INTO bulk (id, label, x) VALUES (?, ?, ?)"

static void test_bulk_insert(void **state)
{
	fixture *fx = fx_of(state);
	bulk_ctx c = {.fail_at = SIZE_MAX, .dup_at = SIZE_MAX};
	size_t done = 0;

	exec_ok(fx->db, "CREATE TABLE bulk (id BIGINT PRIMARY KEY, label TEXT NOT NULL,"
	                " x DOUBLE PRECISION NOT NULL)");
	assert_ok(strata_db_bulk_insert(fx->db, BULK_SQL, 10000, 1000, bind_bulk_row, &c, &done));
	assert_int_equal(done, 10000);
	assert_int_equal(c.calls, 10000);
	assert_int_equal(query_int(fx->db, "SELECT COUNT(*) FROM bulk"), 10000);
	assert_int_equal(query_int(fx->db, "SELECT SUM(id) FROM bulk"), 9999 * 10000 / 2);
	assert_int_equal(query_int(fx->db, "SELECT COUNT(*) FROM bulk WHERE label = 'r9999'"), 1);
	/* Default batch size, and no rows at all. */
	exec_ok(fx->db, "DELETE FROM bulk");
	assert_ok(strata_db_bulk_insert(fx->db, BULK_SQL, 2500, 0, bind_bulk_row, &c, &done));
	assert_int_equal(done, 2500);
	assert_ok(strata_db_bulk_insert(fx->db, BULK_SQL, 0, 0, bind_bulk_row, &c, &done));
	assert_int_equal(done, 0);
}

static void test_bulk_insert_failure(void **state)
{
	fixture *fx = fx_of(state);
	bulk_ctx c = {.fail_at = SIZE_MAX, .dup_at = 7500};
	size_t done = 99;

	exec_ok(fx->db, "CREATE TABLE bulk (id BIGINT PRIMARY KEY, label TEXT NOT NULL,"
	                " x DOUBLE PRECISION NOT NULL)");
	/* A database error (duplicate key) in the 8th batch. */
	assert_int_equal(
	    strata_db_bulk_insert(fx->db, BULK_SQL, 10000, 1000, bind_bulk_row, &c, &done),
	    STRATA_EEXIST);
	assert_int_equal(done, 7000);
	assert_message_has("bulk insert row 7500");
	assert_int_equal(query_int(fx->db, "SELECT COUNT(*) FROM bulk"), 7000);
	/* A bind_row error in the 3rd batch. */
	exec_ok(fx->db, "DELETE FROM bulk");
	c = (bulk_ctx){.fail_at = 2500, .dup_at = SIZE_MAX};
	assert_int_equal(
	    strata_db_bulk_insert(fx->db, BULK_SQL, 10000, 1000, bind_bulk_row, &c, &done),
	    STRATA_EPARSE);
	assert_int_equal(done, 2000);
	assert_message_has("row 2500 is malformed");
	assert_int_equal(query_int(fx->db, "SELECT COUNT(*) FROM bulk"), 2000);
	/* Bad SQL fails before any row. */
	assert_true(strata_db_bulk_insert(fx->db, "INSERT INTO nowhere VALUES (?)", 10, 0,
	                                  bind_bulk_row, &c, &done) < 0);
	assert_int_equal(done, 0);
}

/* --- migrations ---------------------------------------------------------- */

static const strata_migration base_migrations[] = {
    {1, "create stations", "CREATE TABLE stations (code TEXT PRIMARY KEY, lat DOUBLE PRECISION)",
     NULL},
    {2, "create readings",
     "CREATE TABLE readings (id BIGINT PRIMARY KEY, station TEXT REFERENCES stations(code));"
     "CREATE INDEX readings_station ON readings (station)",
     NULL},
    {3, "seed", "INSERT INTO stations (code, lat) VALUES ('CI.CCA', 35.35)", NULL},
};

static int schema_version(strata_db *db)
{
	int v = -1;
	assert_ok(strata_db_schema_version(db, &v));
	return v;
}

static void test_migrate_apply(void **state)
{
	fixture *fx = fx_of(state);
	strata_db_stmt *st;
	const char *at;
	int applied = -1;

	assert_int_equal(schema_version(fx->db), 0);
	assert_ok(strata_db_migrate(fx->db, base_migrations, 3, &applied));
	assert_int_equal(applied, 3);
	assert_int_equal(schema_version(fx->db), 3);
	assert_int_equal(query_int(fx->db, "SELECT COUNT(*) FROM stations"), 1);
	assert_int_equal(query_int(fx->db, "SELECT COUNT(*) FROM readings"), 0);
	assert_ok(strata_db_prepare(
	    fx->db, "SELECT version, name, applied_at FROM schema_migrations ORDER BY version",
	    &st));
	for (int i = 0; i < 3; i++) {
		assert_int_equal(strata_db_step(st), STRATA_DB_ROW);
		assert_int_equal(strata_db_column_int64(st, 0), i + 1);
		assert_string_equal(strata_db_column_text(st, 1), base_migrations[i].name);
		at = strata_db_column_text(st, 2);
		/* 2026-01-02T03:04:05.678Z */
		assert_int_equal(strlen(at), 24);
		assert_true(at[4] == '-' && at[10] == 'T' && at[19] == '.' && at[23] == 'Z');
	}
	assert_int_equal(strata_db_step(st), STRATA_DB_DONE);
	strata_db_finalize(st);
}

static void test_migrate_idempotent(void **state)
{
	fixture *fx = fx_of(state);
	strata_migration more[4];
	int applied = -1;

	assert_ok(strata_db_migrate(fx->db, base_migrations, 3, &applied));
	assert_ok(strata_db_migrate(fx->db, base_migrations, 3, &applied));
	assert_int_equal(applied, 0);
	assert_ok(strata_db_migrate(fx->db, base_migrations, 3, NULL));
	assert_int_equal(query_int(fx->db, "SELECT COUNT(*) FROM stations"), 1);
	memcpy(more, base_migrations, sizeof base_migrations);
	more[3] = (strata_migration){7, "add column",
	                             "ALTER TABLE stations ADD COLUMN lon DOUBLE PRECISION", NULL};
	assert_ok(strata_db_migrate(fx->db, more, 4, &applied));
	assert_int_equal(applied, 1);
	assert_int_equal(schema_version(fx->db), 7);
	assert_ok(strata_db_migrate(fx->db, NULL, 0, &applied));
	assert_int_equal(applied, 0);
}

static void test_migrate_failure_rolls_back(void **state)
{
	fixture *fx = fx_of(state);
	const strata_migration ms[] = {
	    base_migrations[0],
	    {2, "half done",
	     "CREATE TABLE half (id BIGINT);"
	     "INSERT INTO half (id) VALUES (1);"
	     "INSERT INTO no_such_table (id) VALUES (1)",
	     NULL},
	    {3, "never", "CREATE TABLE never (id BIGINT)", NULL},
	};
	int applied = -1;

	assert_true(strata_db_migrate(fx->db, ms, 3, &applied) < 0);
	assert_int_equal(applied, 1);
	assert_message_has("migration 2 (half done) failed");
	assert_message_has("no_such_table");
	assert_int_equal(schema_version(fx->db), 1);
	assert_int_equal(query_int(fx->db, "SELECT COUNT(*) FROM schema_migrations"), 1);
	/* The table the failed migration created is gone (transactional DDL). */
	assert_true(strata_db_exec(fx->db, "SELECT * FROM half") < 0);
	assert_true(strata_db_exec(fx->db, "SELECT * FROM never") < 0);
}

static void test_migrate_rejects_bad_lists(void **state)
{
	fixture *fx = fx_of(state);
	const strata_migration decreasing[] = {{2, "b", "SELECT 1", NULL},
	                                       {1, "a", "SELECT 1", NULL}};
	const strata_migration equal[] = {{1, "a", "SELECT 1", NULL}, {1, "b", "SELECT 1", NULL}};
	const strata_migration zero[] = {{0, "zero", "SELECT 1", NULL}};
	const strata_migration unnamed[] = {{1, NULL, "SELECT 1", NULL}};
	const strata_migration no_sql[] = {{1, "a", NULL, NULL}};
	int applied = -1;

	assert_int_equal(strata_db_migrate(fx->db, decreasing, 2, &applied), STRATA_EINVAL);
	assert_message_has("versions must increase");
	assert_int_equal(applied, 0);
	assert_int_equal(strata_db_migrate(fx->db, equal, 2, &applied), STRATA_EINVAL);
	assert_int_equal(strata_db_migrate(fx->db, zero, 1, &applied), STRATA_EINVAL);
	assert_int_equal(strata_db_migrate(fx->db, unnamed, 1, &applied), STRATA_EINVAL);
	assert_int_equal(strata_db_migrate(fx->db, no_sql, 1, &applied), STRATA_EINVAL);
	assert_int_equal(schema_version(fx->db), 0);
}

static void test_migrate_postgres_override(void **state)
{
	fixture *fx = fx_of(state);
	const strata_migration ms[] = {
	    {1, "blobs", "CREATE TABLE blobs_sqlite (b BLOB)", "CREATE TABLE blobs_pg (b BYTEA)"},
	};

	assert_ok(strata_db_migrate(fx->db, ms, 1, NULL));
	assert_ok(strata_db_exec(fx->db, is_pg(fx) ? "SELECT * FROM blobs_pg"
	                                           : "SELECT * FROM blobs_sqlite"));
	assert_true(strata_db_exec(fx->db, is_pg(fx) ? "SELECT * FROM blobs_sqlite"
	                                             : "SELECT * FROM blobs_pg") < 0);
}

typedef struct migrate_job {
	const char *url;
	int applied;
	int rc;
	char error[512];
} migrate_job;

static void *migrate_thread(void *arg)
{
	migrate_job *job = arg;
	strata_db *db;

	if (!(job->rc = strata_db_open(job->url, &db))) {
		job->rc = strata_db_migrate(db, base_migrations, 3, &job->applied);
		strata_db_close(db);
	}
	if (job->rc)
		snprintf(job->error, sizeof job->error, "%s", strata_error_message());
	return NULL;
}

static void test_migrate_concurrently(void **state)
{
	enum { THREADS = 3 };
	fixture *fx = fx_of(state);
	migrate_job jobs[THREADS];
	pthread_t threads[THREADS];
	int total = 0;

	for (int i = 0; i < THREADS; i++) {
		jobs[i] = (migrate_job){.url = fx->t.url};
		assert_int_equal(pthread_create(&threads[i], NULL, migrate_thread, &jobs[i]), 0);
	}
	for (int i = 0; i < THREADS; i++) {
		pthread_join(threads[i], NULL);
		if (jobs[i].rc)
			fail_msg("migrator %d: %s", i, jobs[i].error);
		total += jobs[i].applied;
	}
	assert_int_equal(total, 3); /* each version applied exactly once */
	assert_int_equal(schema_version(fx->db), 3);
	assert_int_equal(query_int(fx->db, "SELECT COUNT(*) FROM stations"), 1);
}

/* --- SQLite directories -------------------------------------------------- */

/* Try to open a database in a read-only directory; 0 when the error is right. */
static int open_in_readonly_dir(const char *dir)
{
	char url[512];
	strata_db *db = NULL;
	int rc;

	snprintf(url, sizeof url, "sqlite:%s/c.db", dir);
	rc = strata_db_open(url, &db);
	strata_db_close(db);
	if (rc != STRATA_EPERM || !strstr(strata_error_message(), dir) ||
	    !strstr(strata_error_message(), "not writable")) {
		fprintf(stderr, "open in read-only dir: rc %d: %s\n", rc, strata_error_message());
		return 1;
	}
	return 0;
}

static void test_sqlite_readonly_dir(void **state)
{
	fixture *fx = fx_of(state);
	char ro[512];
	int status;
	pid_t pid;

	if (is_pg(fx))
		skip();
	snprintf(ro, sizeof ro, "%s/ro", fx->t.dir);
	assert_int_equal(mkdir(ro, 0555), 0);
	assert_int_equal(chmod(ro, 0555), 0);
	if (geteuid() != 0) {
		assert_int_equal(open_in_readonly_dir(ro), 0);
		return;
	}
	/* root ignores permissions: try as an unprivileged user in a child. */
	assert_int_equal(chmod(fx->t.dir, 0755), 0);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (setgid(65534) != 0 || setuid(65534) != 0)
			_exit(77);
		_exit(open_in_readonly_dir(ro));
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status) == 77)
		skip();
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* --- pool ---------------------------------------------------------------- */

typedef struct pool_job {
	strata_db_pool *pool;
	pthread_mutex_t *mu;
	int *in_use, *max_in_use;
	int id, rounds, failures;
	char error[512];
} pool_job;

/* Count connections held at once (the pool must never hand out more). */
static void track(pool_job *job, int delta)
{
	pthread_mutex_lock(job->mu);
	*job->in_use += delta;
	if (*job->in_use > *job->max_in_use)
		*job->max_in_use = *job->in_use;
	pthread_mutex_unlock(job->mu);
}

/* Insert one row through a pooled connection. */
static int pool_round(pool_job *job, strata_db *db, int round)
{
	strata_db_stmt *st;
	int rc;

	if ((rc = strata_db_prepare(db, "INSERT INTO p (thread, round) VALUES (?, ?)", &st)))
		return rc;
	if (!(rc = strata_db_bind_int64(st, 1, job->id)) &&
	    !(rc = strata_db_bind_int64(st, 2, round)))
		rc = strata_db_step(st);
	strata_db_finalize(st);
	return rc < 0 ? rc : 0;
}

static void *pool_thread(void *arg)
{
	pool_job *job = arg;
	strata_db *db;
	int rc;

	for (int r = 0; r < job->rounds; r++) {
		if ((rc = strata_db_pool_acquire(job->pool, &db)) == 0) {
			track(job, 1);
			rc = pool_round(job, db, r);
			track(job, -1);
			strata_db_pool_release(job->pool, db);
		}
		if (rc) {
			job->failures++;
			snprintf(job->error, sizeof job->error, "%s", strata_error_message());
		}
	}
	return NULL;
}

static void test_pool_threads(void **state)
{
	enum { THREADS = 8, ROUNDS = 20, SIZE = 3 };
	fixture *fx = fx_of(state);
	pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
	int in_use = 0, max_in_use = 0;
	pool_job jobs[THREADS];
	pthread_t threads[THREADS];
	strata_db_pool *pool = NULL;

	exec_ok(fx->db, "CREATE TABLE p (thread BIGINT NOT NULL, round BIGINT NOT NULL)");
	assert_int_equal(strata_db_pool_open(fx->t.url, 0, &pool), STRATA_EINVAL);
	assert_ok(strata_db_pool_open(fx->t.url, SIZE, &pool));
	for (int i = 0; i < THREADS; i++) {
		jobs[i] = (pool_job){.pool = pool,
		                     .mu = &mu,
		                     .in_use = &in_use,
		                     .max_in_use = &max_in_use,
		                     .id = i,
		                     .rounds = ROUNDS};
		assert_int_equal(pthread_create(&threads[i], NULL, pool_thread, &jobs[i]), 0);
	}
	for (int i = 0; i < THREADS; i++) {
		pthread_join(threads[i], NULL);
		if (jobs[i].failures)
			fail_msg("thread %d: %d failures, last: %s", i, jobs[i].failures,
			         jobs[i].error);
	}
	strata_db_pool_close(pool);
	assert_true(max_in_use >= 1 && max_in_use <= SIZE);
	assert_int_equal(query_int(fx->db, "SELECT COUNT(*) FROM p"), THREADS * ROUNDS);
	assert_int_equal(query_int(fx->db, "SELECT COUNT(DISTINCT thread) FROM p"), THREADS);
}

/* One queued caller of the FIFO test: acquire, note the turn, release. */
typedef struct fifo_waiter {
	strata_db_pool *pool;
	pthread_mutex_t *mu;
	int *served, *order; /* order[turn] = id */
	int id, rc;
} fifo_waiter;

static void *fifo_thread(void *arg)
{
	fifo_waiter *w = arg;
	strata_db *db;

	if ((w->rc = strata_db_pool_acquire(w->pool, &db)))
		return NULL;
	pthread_mutex_lock(w->mu);
	w->order[(*w->served)++] = w->id;
	pthread_mutex_unlock(w->mu);
	strata_db_pool_release(w->pool, db);
	return NULL;
}

/* Wait (no deadline: a hang is the failure) until n callers are queued. */
static void await_waiting(strata_db_pool *pool, int n)
{
	while (strata_db_pool_waiting(pool) < n)
		sched_yield();
}

/* Callers are served in the order they queued, and a caller arriving while
 * others wait (here the releasing thread itself) queues behind them. */
static void test_pool_fifo(void **state)
{
	enum { WAITERS = 12 };
	fixture *fx = fx_of(state);
	pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
	int served = 0, order[WAITERS];
	fifo_waiter w[WAITERS];
	pthread_t threads[WAITERS];
	strata_db_pool *pool;
	strata_db *db;

	assert_ok(strata_db_pool_open(fx->t.url, 1, &pool));
	assert_ok(strata_db_pool_acquire(pool, &db));
	for (int i = 0; i < WAITERS; i++) {
		w[i] = (fifo_waiter){
		    .pool = pool, .mu = &mu, .served = &served, .order = order, .id = i};
		assert_int_equal(pthread_create(&threads[i], NULL, fifo_thread, &w[i]), 0);
		await_waiting(pool, i + 1); /* queued before the next one starts */
	}
	strata_db_pool_release(pool, db);
	assert_ok(strata_db_pool_acquire(pool, &db)); /* after all the others */
	pthread_mutex_lock(&mu);
	assert_int_equal(served, WAITERS);
	pthread_mutex_unlock(&mu);
	assert_int_equal(strata_db_pool_waiting(pool), 0);
	strata_db_pool_release(pool, db);
	for (int i = 0; i < WAITERS; i++) {
		pthread_join(threads[i], NULL);
		assert_ok(w[i].rc);
		assert_int_equal(order[i], i);
	}
	strata_db_pool_close(pool);
}

static void test_pool_release_resets(void **state)
{
	fixture *fx = fx_of(state);
	strata_db_pool *pool;
	strata_db *db, *again;

	exec_ok(fx->db, "CREATE TABLE t (id BIGINT PRIMARY KEY)");
	assert_ok(strata_db_pool_open(fx->t.url, 1, &pool));
	/* A transaction left open is rolled back on release. */
	assert_ok(strata_db_pool_acquire(pool, &db));
	assert_ok(strata_db_begin(db));
	exec_ok(db, "INSERT INTO t (id) VALUES (1)");
	strata_db_pool_release(pool, db);
	assert_ok(strata_db_pool_acquire(pool, &again));
	assert_ptr_equal(again, db); /* size 1: the same connection */
	assert_int_equal(query_int(again, "SELECT COUNT(*) FROM t"), 0);
	/* So is a failed one (PostgreSQL: aborted, refusing commands). */
	assert_ok(strata_db_begin(again));
	assert_true(strata_db_exec(again, "SELECT * FROM missing_table") < 0);
	strata_db_pool_release(pool, again);
	assert_ok(strata_db_pool_acquire(pool, &db));
	assert_int_equal(query_int(db, "SELECT 5"), 5);
	assert_ok(strata_db_transaction(db, insert_then, &(txn_probe){0}, 0));
	strata_db_pool_release(pool, db);
	strata_db_pool_close(pool);
	assert_int_equal(query_int(fx->db, "SELECT COUNT(*) FROM t"), 1);
}

#define DB_TEST(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    DB_TEST(test_open_close),
	    DB_TEST(test_bad_url),
	    DB_TEST(test_display_name_redacts),
	    DB_TEST(test_wrong_password),
	    DB_TEST(test_exec_and_errors),
	    DB_TEST(test_bind_int64_extremes),
	    DB_TEST(test_bind_double_exact),
	    DB_TEST(test_bind_text_utf8),
	    DB_TEST(test_bind_blob),
	    DB_TEST(test_bind_null),
	    DB_TEST(test_bind_errors),
	    DB_TEST(test_step_rows),
	    DB_TEST(test_changes),
	    DB_TEST(test_foreign_keys_enforced),
	    DB_TEST(test_placeholders_in_literals),
	    DB_TEST(test_rewrite_placeholders),
	    DB_TEST(test_transaction_commit),
	    DB_TEST(test_transaction_rollback),
	    DB_TEST(test_transaction_fn_error_rolls_back),
	    DB_TEST(test_transaction_retries_busy),
	    DB_TEST(test_transaction_gives_up),
	    DB_TEST(test_lock_conflict_is_busy),
	    DB_TEST(test_concurrent_counter),
	    DB_TEST(test_upsert_sql_text),
	    DB_TEST(test_upsert_behaviour),
	    DB_TEST(test_bulk_insert),
	    DB_TEST(test_bulk_insert_failure),
	    DB_TEST(test_migrate_apply),
	    DB_TEST(test_migrate_idempotent),
	    DB_TEST(test_migrate_failure_rolls_back),
	    DB_TEST(test_migrate_rejects_bad_lists),
	    DB_TEST(test_migrate_postgres_override),
	    DB_TEST(test_migrate_concurrently),
	    DB_TEST(test_sqlite_readonly_dir),
	    DB_TEST(test_pool_threads),
	    DB_TEST(test_pool_fifo),
	    DB_TEST(test_pool_release_resets),
	};
	int failed = cmocka_run_group_tests_name("core/db sqlite", tests, group_sqlite, NULL);

	failed += cmocka_run_group_tests_name("core/db postgresql", tests, group_postgres, NULL);
	return failed ? 1 : 0;
}
