/*
 * db_sqlite.c - the SQLite backend of the database layer (see db_internal.h).
 *
 * Connections run in WAL mode with busy_timeout 5000 ms, foreign_keys=ON and
 * synchronous=NORMAL. Explicit transactions use BEGIN IMMEDIATE so a writer
 * waits for the lock (busy_timeout) at BEGIN instead of failing on its first
 * write. SQLITE_BUSY and SQLITE_LOCKED become STRATA_EBUSY.
 */
#include "core/db_internal.h"

#include "strata/error.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define BUSY_TIMEOUT_MS 5000

typedef struct sq_stmt {
	sqlite3_stmt *stmt;
	sqlite3_int64 total_before; /* sqlite3_total_changes64 when execution began */
} sq_stmt;

static sqlite3 *conn_of(const strata_db *db)
{
	return db->impl;
}

static sqlite3_stmt *stmt_of(const strata_db_stmt *st)
{
	return ((sq_stmt *)st->impl)->stmt;
}

/* Map an (extended) SQLite result code to a strata error code. */
static int code_of(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED: return STRATA_EBUSY;
	case SQLITE_NOMEM: return STRATA_ENOMEM;
	case SQLITE_READONLY:
	case SQLITE_PERM:
	case SQLITE_AUTH: return STRATA_EPERM;
	case SQLITE_CANTOPEN:
	case SQLITE_IOERR:
	case SQLITE_FULL: return STRATA_EIO;
	case SQLITE_RANGE:
	case SQLITE_MISUSE: return STRATA_EINVAL;
	case SQLITE_TOOBIG: return STRATA_ELIMIT;
	case SQLITE_CONSTRAINT:
		if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY)
			return STRATA_EEXIST;
		return STRATA_EDB;
	default: return STRATA_EDB;
	}
}

/* Set the error from the connection's last message and return its code. */
static int sq_fail(strata_db *db, int rc, const char *sql)
{
	sqlite3 *c = conn_of(db);
	return strata_db_fail(db, code_of(rc), sql, "%s",
	                      c ? sqlite3_errmsg(c) : sqlite3_errstr(rc));
}

/* Fail clearly, naming the path, when the database's directory is missing or
 * not writable (SQLite must create the file and its -wal/-shm files there). */
static int check_directory(strata_db *db, const char *path)
{
	const char *slash = strrchr(path, '/');
	char dir[4096];
	struct stat sb;

	if (!strcmp(path, ":memory:"))
		return 0;
	if (!slash)
		snprintf(dir, sizeof dir, ".");
	else if (slash == path)
		snprintf(dir, sizeof dir, "/");
	else
		snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
	if (stat(dir, &sb) != 0 && errno == ENOENT)
		return strata_db_fail(db, STRATA_ENOTFOUND, NULL,
		                      "cannot open SQLite database: directory %s does not exist",
		                      dir);
	if (stat(dir, &sb) != 0)
		return strata_db_fail(db, STRATA_EIO, NULL,
		                      "cannot open SQLite database: directory %s: %s", dir,
		                      strerror(errno));
	if (!S_ISDIR(sb.st_mode))
		return strata_db_fail(db, STRATA_ENOTFOUND, NULL,
		                      "cannot open SQLite database: %s is not a directory", dir);
	if (access(dir, W_OK) != 0)
		return strata_db_fail(db, STRATA_EPERM, NULL,
		                      "cannot open SQLite database: directory %s is not writable "
		                      "(SQLite creates the database and its -wal/-shm files there)",
		                      dir);
	return 0;
}

/* Run one PRAGMA that returns a value and copy its first column into out. */
static int pragma_value(strata_db *db, const char *sql, char *out, size_t outlen)
{
	sqlite3_stmt *s = NULL;
	int rc = sqlite3_prepare_v2(conn_of(db), sql, -1, &s, NULL);

	out[0] = '\0';
	if (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		const unsigned char *v = sqlite3_column_text(s, 0);
		snprintf(out, outlen, "%s", v ? (const char *)v : "");
		rc = SQLITE_OK;
	} else if (rc == SQLITE_DONE) {
		rc = SQLITE_OK;
	}
	if (rc != SQLITE_OK)
		rc = sq_fail(db, rc, sql);
	sqlite3_finalize(s);
	return rc;
}

/*
 * Switch to WAL mode. The switch needs an exclusive lock that SQLite does not
 * wait for through the busy handler: when several processes open the same new
 * database at once, one of them gets SQLITE_BUSY at once. Retry every 10 ms
 * for up to the busy timeout.
 */
static int enable_wal(strata_db *db, char *mode, size_t modelen)
{
	const struct timespec pause = {0, 10 * 1000 * 1000};
	int rc;

	for (int waited_ms = 0;; waited_ms += 10) {
		rc = pragma_value(db, "PRAGMA journal_mode = WAL", mode, modelen);
		if (rc != STRATA_EBUSY || waited_ms >= BUSY_TIMEOUT_MS)
			return rc;
		nanosleep(&pause, NULL);
	}
}

/* Apply the connection settings every catalog connection runs with. */
static int configure(strata_db *db, const char *path)
{
	char mode[32];
	int rc;

	sqlite3_extended_result_codes(conn_of(db), 1);
	sqlite3_busy_timeout(conn_of(db), BUSY_TIMEOUT_MS);
	rc = sqlite3_exec(conn_of(db), "PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL",
	                  NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		return sq_fail(db, rc, "PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL");
	if ((rc = enable_wal(db, mode, sizeof mode)))
		return rc;
	if (strcmp(path, ":memory:") != 0 && strcasecmp(mode, "wal") != 0)
		return strata_db_fail(db, STRATA_EDB, NULL,
		                      "cannot enable WAL mode (journal_mode stays \"%s\")", mode);
	return 0;
}

static int sq_open(strata_db *db, const char *path)
{
	sqlite3 *c = NULL;
	int rc;

	if ((rc = check_directory(db, path)))
		return rc;
	rc = sqlite3_open_v2(path, &c, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
	db->impl = c;
	if (rc != SQLITE_OK) {
		int sys = c ? sqlite3_system_errno(c) : 0;
		return strata_db_fail(db, code_of(rc), NULL, "cannot open SQLite database: %s%s%s",
		                      c ? sqlite3_errmsg(c) : sqlite3_errstr(rc), sys ? ": " : "",
		                      sys ? strerror(sys) : "");
	}
	return configure(db, path);
}

static void sq_close(strata_db *db)
{
	sqlite3_close_v2(conn_of(db));
	db->impl = NULL;
}

static int sq_exec(strata_db *db, const char *sql)
{
	char *err = NULL;
	int rc = sqlite3_exec(conn_of(db), sql, NULL, NULL, &err);

	if (rc == SQLITE_OK)
		return 0;
	rc = strata_db_fail(db, code_of(rc), sql, "%s", err ? err : sqlite3_errstr(rc));
	sqlite3_free(err);
	return rc;
}

/* Whether tail holds another statement (not just blanks, ';' or comments). */
static int has_second_statement(strata_db *db, const char *tail)
{
	sqlite3_stmt *s = NULL;
	int rc;

	tail += strspn(tail, " \t\r\n;");
	if (!*tail)
		return 0;
	rc = sqlite3_prepare_v2(conn_of(db), tail, -1, &s, NULL);
	sqlite3_finalize(s);
	return rc != SQLITE_OK || s != NULL;
}

static int sq_prepare(strata_db_stmt *st)
{
	sqlite3_stmt *s = NULL;
	const char *tail = NULL;
	sq_stmt *impl;
	int rc = sqlite3_prepare_v2(conn_of(st->db), st->sql, -1, &s, &tail);

	if (rc != SQLITE_OK)
		return sq_fail(st->db, rc, st->sql);
	if (!s)
		return strata_db_fail(st->db, STRATA_EINVAL, st->sql,
		                      "no SQL statement to prepare");
	if (tail && has_second_statement(st->db, tail)) {
		sqlite3_finalize(s);
		return strata_db_fail(st->db, STRATA_EINVAL, st->sql,
		                      "only one statement can be prepared (use strata_db_exec)");
	}
	if (!(impl = calloc(1, sizeof *impl))) {
		sqlite3_finalize(s);
		return strata_db_fail(st->db, STRATA_ENOMEM, st->sql, "out of memory");
	}
	impl->stmt = s;
	st->impl = impl;
	st->nparams = sqlite3_bind_parameter_count(s);
	return 0;
}

static int sq_bind(strata_db_stmt *st, int idx, const strata_db_value *v)
{
	sqlite3_stmt *s = stmt_of(st);
	int rc;

	switch (v->type) {
	case STRATA_DB_T_INT64: rc = sqlite3_bind_int64(s, idx, v->i); break;
	case STRATA_DB_T_DOUBLE: rc = sqlite3_bind_double(s, idx, v->d); break;
	case STRATA_DB_T_TEXT:
		rc = sqlite3_bind_text64(s, idx, v->p, v->len, SQLITE_TRANSIENT, SQLITE_UTF8);
		break;
	case STRATA_DB_T_BLOB:
		rc = sqlite3_bind_blob64(s, idx, v->p, v->len, SQLITE_TRANSIENT);
		break;
	default: rc = sqlite3_bind_null(s, idx); break;
	}
	return rc == SQLITE_OK ? 0 : sq_fail(st->db, rc, st->sql);
}

static int sq_step(strata_db_stmt *st)
{
	sq_stmt *impl = st->impl;
	sqlite3 *c = conn_of(st->db);
	int rc;

	if (st->state == STMT_FRESH)
		impl->total_before = sqlite3_total_changes64(c);
	rc = sqlite3_step(impl->stmt);
	if (rc == SQLITE_ROW)
		return STRATA_DB_ROW;
	if (rc == SQLITE_DONE) {
		/* sqlite3_changes64 keeps the count of an earlier statement when this
		 * one changed nothing (a SELECT or DDL): report 0 then. */
		st->changes =
		    sqlite3_total_changes64(c) != impl->total_before ? sqlite3_changes64(c) : 0;
		return STRATA_DB_DONE;
	}
	return sq_fail(st->db, rc, st->sql);
}

static int sq_column_count(strata_db_stmt *st)
{
	return sqlite3_column_count(stmt_of(st));
}

static int sq_column_is_null(strata_db_stmt *st, int col)
{
	return sqlite3_column_type(stmt_of(st), col) == SQLITE_NULL;
}

static int64_t sq_column_int64(strata_db_stmt *st, int col)
{
	return sqlite3_column_int64(stmt_of(st), col);
}

static double sq_column_double(strata_db_stmt *st, int col)
{
	return sqlite3_column_double(stmt_of(st), col);
}

static const char *sq_column_text(strata_db_stmt *st, int col)
{
	return (const char *)sqlite3_column_text(stmt_of(st), col);
}

static const void *sq_column_blob(strata_db_stmt *st, int col, size_t *len)
{
	static const char empty[1];
	const void *p = sqlite3_column_blob(stmt_of(st), col);

	*len = (size_t)sqlite3_column_bytes(stmt_of(st), col);
	return p ? p : empty; /* a zero-length blob is not NULL */
}

static int sq_reset(strata_db_stmt *st)
{
	/* sqlite3_reset repeats the last step's error, which was reported. */
	sqlite3_reset(stmt_of(st));
	sqlite3_clear_bindings(stmt_of(st));
	return 0;
}

static void sq_finalize(strata_db_stmt *st)
{
	if (!st->impl)
		return;
	sqlite3_finalize(stmt_of(st));
	free(st->impl);
	st->impl = NULL;
}

static int sq_begin(strata_db *db)
{
	return sq_exec(db, "BEGIN IMMEDIATE");
}

static int sq_commit(strata_db *db)
{
	return sq_exec(db, "COMMIT");
}

static int sq_rollback(strata_db *db)
{
	return sq_exec(db, "ROLLBACK");
}

static int sq_in_transaction(strata_db *db)
{
	return !sqlite3_get_autocommit(conn_of(db));
}

static int sq_reset_session(strata_db *db)
{
	return sq_in_transaction(db) ? sq_rollback(db) : 0;
}

const struct strata_db_ops strata_db_sqlite_ops = {
    .name = "sqlite",
    .open = sq_open,
    .close = sq_close,
    .exec = sq_exec,
    .prepare = sq_prepare,
    .bind = sq_bind,
    .step = sq_step,
    .column_count = sq_column_count,
    .column_is_null = sq_column_is_null,
    .column_int64 = sq_column_int64,
    .column_double = sq_column_double,
    .column_text = sq_column_text,
    .column_blob = sq_column_blob,
    .reset = sq_reset,
    .finalize = sq_finalize,
    .begin = sq_begin,
    .commit = sq_commit,
    .rollback = sq_rollback,
    .in_transaction = sq_in_transaction,
    .reset_session = sq_reset_session,
};
