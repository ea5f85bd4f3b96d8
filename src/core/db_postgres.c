/*
 * db_postgres.c - the PostgreSQL backend of the database layer (libpq).
 *
 * Statements are prepared server-side under names unique to the connection
 * ("strata_<n>") with "?" rewritten to $n; parameter types are inferred by the
 * server. Parameters travel as text (int64 and double formatted exactly, in
 * the C locale) except blobs, which are sent in binary. Results come back in
 * text format: the column getters parse the text, and BYTEA columns are
 * decoded with PQunescapeBytea. A whole result is held in memory.
 *
 * Serialization failures (40001), deadlocks (40P01) and lock timeouts (55P03)
 * are STRATA_EBUSY; unique violations (23505) STRATA_EEXIST. Messages never
 * contain the URL's password.
 */
#include "core/db_internal.h"

#include "strata/buf.h"
#include "strata/error.h"

#include <errno.h>
#include <inttypes.h>
#include <libpq-fe.h>
#include <limits.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BYTEAOID      17
#define PG_MAX_PARAMS 65535

typedef struct pg_db {
	PGconn *conn;
	char *password;     /* for scrubbing messages; NULL when none */
	char *raw_password; /* as written in the URL (maybe percent-encoded) */
	unsigned next_id;   /* prepared statement names */
	strata_buf pending; /* DEALLOCATEs waiting for a usable session */
	locale_t c_locale;  /* for locale-independent number text */
} pg_db;

typedef struct pg_stmt {
	char name[32];
	char *sql; /* with $n placeholders */
	int nparams;
	char **values; /* nparams bound values, NULL for SQL NULL */
	int *lengths;
	int *formats;
	PGresult *res;
	int row, nrows;
	unsigned char **bytea; /* decoded BYTEA of the current row, per column */
	size_t *bytea_len;
} pg_stmt;

static pg_db *pg_of(const strata_db *db)
{
	return db->impl;
}

/* Map a SQLSTATE to a strata error code. */
static int code_of_sqlstate(const char *state)
{
	if (!state)
		return STRATA_EDB;
	if (!strcmp(state, "40001") || !strcmp(state, "40P01") || !strcmp(state, "55P03"))
		return STRATA_EBUSY;
	if (!strcmp(state, "23505"))
		return STRATA_EEXIST;
	if (!strncmp(state, "28", 2))
		return STRATA_EAUTH;
	if (!strcmp(state, "42501"))
		return STRATA_EPERM;
	if (!strcmp(state, "54000") || !strcmp(state, "54001"))
		return STRATA_ELIMIT;
	return STRATA_EDB;
}

/* Copy the first line of msg into out with the passwords scrubbed. */
static void first_line(const pg_db *pg, char *out, size_t outlen, const char *msg)
{
	char line[768], once[768];
	size_t n = strcspn(msg, "\n");

	snprintf(line, sizeof line, "%.*s", (int)(n < sizeof line ? n : sizeof line - 1), msg);
	strata_db_scrub(once, sizeof once, line, pg ? pg->password : NULL);
	strata_db_scrub(out, outlen, once, pg ? pg->raw_password : NULL);
}

/* Set the error for a failed result (or NULL result) and return its code. */
static int pg_fail(strata_db *db, const PGresult *res, const char *sql)
{
	pg_db *pg = pg_of(db);
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	const char *primary = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	const char *detail = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL) : NULL;
	char msg[768];

	if (!primary) {
		first_line(pg, msg, sizeof msg, PQerrorMessage(pg->conn));
		return strata_db_fail(db, STRATA_EDB, sql, "%s",
		                      msg[0] ? msg : "no result from the server");
	}
	first_line(pg, msg, sizeof msg, primary);
	return strata_db_fail(db, code_of_sqlstate(state), sql, "%s%s%s [SQLSTATE %s]", msg,
	                      detail ? ": " : "", detail ? detail : "", state ? state : "?????");
}

/* Run sql with PQexec; 0 when it succeeded, else the error (message set). */
static int pg_run(strata_db *db, const char *sql)
{
	PGresult *res = PQexec(pg_of(db)->conn, sql);
	ExecStatusType status = PQresultStatus(res);
	int rc = 0;

	if (!res || (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK &&
	             status != PGRES_EMPTY_QUERY))
		rc = pg_fail(db, res, sql);
	PQclear(res);
	return rc;
}

/* Send queued DEALLOCATEs when the session can take them. */
static void flush_pending(strata_db *db)
{
	pg_db *pg = pg_of(db);

	if (!pg->pending.len || PQtransactionStatus(pg->conn) != PQTRANS_IDLE)
		return;
	PQclear(PQexec(pg->conn, pg->pending.data));
	strata_buf_reset(&pg->pending);
}

/* The password as written in the URL's userinfo, malloc'd, or NULL. */
static char *url_raw_password(const char *url)
{
	const char *auth = strstr(url, "://"), *at = NULL, *colon;
	size_t len;

	if (!auth)
		return NULL;
	auth += 3;
	len = strcspn(auth, "/?#");
	for (size_t i = 0; i < len; i++)
		if (auth[i] == '@')
			at = auth + i;
	if (!at || !(colon = memchr(auth, ':', (size_t)(at - auth))) || colon + 1 == at)
		return NULL;
	return strndup(colon + 1, (size_t)(at - colon - 1));
}

/* Parse the URL: reject malformed ones, remember the password for scrubbing. */
static int parse_url(strata_db *db, const char *url)
{
	pg_db *pg = pg_of(db);
	char *err = NULL, msg[768];
	PQconninfoOption *opts;

	pg->raw_password = url_raw_password(url);
	if (!(opts = PQconninfoParse(url, &err))) {
		first_line(pg, msg, sizeof msg, err ? err : "out of memory");
		PQfreemem(err);
		return strata_db_fail(db, err ? STRATA_EINVAL : STRATA_ENOMEM, NULL,
		                      "invalid PostgreSQL URL: %s", msg);
	}
	for (PQconninfoOption *o = opts; o->keyword; o++)
		if (!strcmp(o->keyword, "password") && o->val && *o->val)
			pg->password = strdup(o->val);
	PQconninfoFree(opts);
	return 0;
}

/* Whether a connection failure message means the credentials were refused. */
static int is_auth_failure(const char *msg)
{
	/* "password authentication failed" (28P01), also ident/peer/SCRAM. */
	return strstr(msg, "authentication failed") || strstr(msg, "no password supplied");
}

static int pg_open(strata_db *db, const char *url)
{
	static const char *const keys[] = {"dbname", "fallback_application_name", NULL};
	const char *values[] = {url, "strata", NULL};
	char msg[768];
	pg_db *pg;
	int rc;

	if (!(pg = calloc(1, sizeof *pg)))
		return strata_db_fail(db, STRATA_ENOMEM, NULL, "out of memory");
	db->impl = pg;
	if ((rc = parse_url(db, url)))
		return rc;
	if (!(pg->c_locale = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0)))
		return strata_db_fail(db, STRATA_ENOMEM, NULL, "cannot create the C locale");
	pg->conn = PQconnectdbParams(keys, values, 1);
	if (!pg->conn)
		return strata_db_fail(db, STRATA_ENOMEM, NULL, "out of memory connecting");
	if (PQstatus(pg->conn) != CONNECTION_OK) {
		first_line(pg, msg, sizeof msg, PQerrorMessage(pg->conn));
		return strata_db_fail(db, is_auth_failure(msg) ? STRATA_EAUTH : STRATA_EDB, NULL,
		                      "%s", msg);
	}
	return pg_run(db, "SET client_min_messages = warning");
}

static void pg_close(strata_db *db)
{
	pg_db *pg = pg_of(db);

	if (!pg)
		return;
	PQfinish(pg->conn);
	if (pg->c_locale)
		freelocale(pg->c_locale);
	free(pg->password);
	free(pg->raw_password);
	strata_buf_free(&pg->pending);
	free(pg);
	db->impl = NULL;
}

static int pg_exec(strata_db *db, const char *sql)
{
	flush_pending(db);
	return pg_run(db, sql);
}

/* Allocate the parameter arrays of a statement with n parameters. */
static int alloc_params(pg_stmt *ps, int n)
{
	size_t count = n ? (size_t)n : 1;

	ps->nparams = n;
	ps->values = calloc(count, sizeof *ps->values);
	ps->lengths = calloc(count, sizeof *ps->lengths);
	ps->formats = calloc(count, sizeof *ps->formats);
	return ps->values && ps->lengths && ps->formats ? 0 : STRATA_ENOMEM;
}

/* Release what pg_prepare allocated (not the server-side statement). */
static void free_stmt(pg_stmt *ps)
{
	for (int i = 0; ps->values && i < ps->nparams; i++)
		free(ps->values[i]);
	free(ps->values);
	free(ps->lengths);
	free(ps->formats);
	free(ps->sql);
	free(ps);
}

/* Rewrite placeholders and allocate the statement's parameter arrays. */
static int new_stmt(strata_db_stmt *st, pg_stmt **out)
{
	pg_stmt *ps = calloc(1, sizeof *ps);
	int n = 0, rc;

	if (!ps)
		return strata_db_fail(st->db, STRATA_ENOMEM, st->sql, "out of memory");
	if ((rc = strata_db_rewrite_placeholders(st->sql, &ps->sql, &n))) {
		free(ps);
		return strata_db_fail(st->db, rc, st->sql, "out of memory");
	}
	if (n > PG_MAX_PARAMS) {
		free_stmt(ps);
		return strata_db_fail(st->db, STRATA_ELIMIT, st->sql,
		                      "%d parameters; PostgreSQL allows %d", n, PG_MAX_PARAMS);
	}
	if (alloc_params(ps, n)) {
		free_stmt(ps);
		return strata_db_fail(st->db, STRATA_ENOMEM, st->sql, "out of memory");
	}
	*out = ps;
	return 0;
}

static int pg_prepare(strata_db_stmt *st)
{
	pg_db *pg = pg_of(st->db);
	PGresult *res;
	pg_stmt *ps = NULL;
	int rc;

	if ((rc = new_stmt(st, &ps)) || !ps)
		return rc ? rc : strata_db_fail(st->db, STRATA_ENOMEM, st->sql, "out of memory");
	flush_pending(st->db);
	snprintf(ps->name, sizeof ps->name, "strata_%u", ++pg->next_id);
	res = PQprepare(pg->conn, ps->name, ps->sql, ps->nparams, NULL);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		rc = pg_fail(st->db, res, st->sql);
		PQclear(res);
		free_stmt(ps);
		return rc;
	}
	PQclear(res);
	st->impl = ps;
	st->nparams = ps->nparams;
	return 0;
}

/* Format a double so that PostgreSQL reads back exactly the same value. */
static void format_double(const pg_db *pg, char *out, size_t outlen, double d)
{
	locale_t old;

	if (isnan(d)) {
		snprintf(out, outlen, "NaN");
	} else if (isinf(d)) {
		snprintf(out, outlen, d > 0 ? "Infinity" : "-Infinity");
	} else {
		old = uselocale(pg->c_locale);
		snprintf(out, outlen, "%.17g", d);
		uselocale(old);
	}
}

/* Make the text or binary form of v: a malloc'd buffer, its length, format. */
static char *encode_value(const pg_db *pg, const strata_db_value *v, int *len, int *format)
{
	char num[40], *p;

	*format = 0;
	switch (v->type) {
	case STRATA_DB_T_INT64: snprintf(num, sizeof num, "%" PRId64, v->i); break;
	case STRATA_DB_T_DOUBLE: format_double(pg, num, sizeof num, v->d); break;
	case STRATA_DB_T_TEXT:
	case STRATA_DB_T_BLOB:
		if (!(p = malloc(v->len + 1)))
			return NULL;
		memcpy(p, v->p, v->len);
		p[v->len] = '\0';
		*len = (int)v->len;
		*format = v->type == STRATA_DB_T_BLOB;
		return p;
	default: return NULL;
	}
	*len = (int)strlen(num);
	return strdup(num);
}

static int pg_bind(strata_db_stmt *st, int idx, const strata_db_value *v)
{
	pg_stmt *ps = st->impl;
	int i = idx - 1;

	if ((v->type == STRATA_DB_T_TEXT || v->type == STRATA_DB_T_BLOB) && v->len > INT_MAX)
		return strata_db_fail(st->db, STRATA_ELIMIT, st->sql,
		                      "parameter %d is %zu bytes; PostgreSQL takes at most %d", idx,
		                      v->len, INT_MAX);
	free(ps->values[i]);
	ps->values[i] = NULL;
	ps->lengths[i] = 0;
	ps->formats[i] = 0;
	if (v->type == STRATA_DB_T_NULL)
		return 0;
	if (!(ps->values[i] = encode_value(pg_of(st->db), v, &ps->lengths[i], &ps->formats[i])))
		return strata_db_fail(st->db, STRATA_ENOMEM, st->sql, "out of memory binding %d",
		                      idx);
	return 0;
}

/* Free the BYTEA values decoded for the current row. */
static void clear_bytea(pg_stmt *ps)
{
	int n = ps->res ? PQnfields(ps->res) : 0;

	for (int i = 0; ps->bytea && i < n; i++)
		PQfreemem(ps->bytea[i]);
	free(ps->bytea);
	free(ps->bytea_len);
	ps->bytea = NULL;
	ps->bytea_len = NULL;
}

/* Drop the result of the last execution. */
static void clear_result(pg_stmt *ps)
{
	clear_bytea(ps);
	PQclear(ps->res);
	ps->res = NULL;
	ps->row = ps->nrows = 0;
}

/* Rows changed, from the command tag of an INSERT/UPDATE/DELETE/MERGE. */
static int64_t changes_of(PGresult *res)
{
	static const char *const dml[] = {"INSERT ", "UPDATE ", "DELETE ", "MERGE "};
	const char *tag = PQcmdStatus(res);

	for (size_t i = 0; i < sizeof dml / sizeof dml[0]; i++)
		if (strncmp(tag, dml[i], strlen(dml[i])) == 0)
			return strtoll(PQcmdTuples(res), NULL, 10);
	return 0;
}

/* Execute the prepared statement with the current bindings. */
static int execute(strata_db_stmt *st, pg_stmt *ps)
{
	ExecStatusType status;
	int rc;

	clear_result(ps);
	ps->res = PQexecPrepared(pg_of(st->db)->conn, ps->name, ps->nparams,
	                         (const char *const *)ps->values, ps->lengths, ps->formats, 0);
	status = PQresultStatus(ps->res);
	if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
		rc = pg_fail(st->db, ps->res, st->sql);
		clear_result(ps);
		return rc;
	}
	ps->nrows = status == PGRES_TUPLES_OK ? PQntuples(ps->res) : 0;
	ps->row = -1;
	return 0;
}

static int pg_step(strata_db_stmt *st)
{
	pg_stmt *ps = st->impl;
	int rc;

	if (st->state == STMT_FRESH && (rc = execute(st, ps)))
		return rc;
	clear_bytea(ps);
	if (++ps->row < ps->nrows)
		return STRATA_DB_ROW;
	st->changes = changes_of(ps->res);
	return STRATA_DB_DONE;
}

static int pg_column_count(strata_db_stmt *st)
{
	pg_stmt *ps = st->impl;
	return ps->res ? PQnfields(ps->res) : 0;
}

static int pg_column_is_null(strata_db_stmt *st, int col)
{
	pg_stmt *ps = st->impl;
	return PQgetisnull(ps->res, ps->row, col);
}

static const char *value_of(strata_db_stmt *st, int col)
{
	pg_stmt *ps = st->impl;
	return PQgetvalue(ps->res, ps->row, col);
}

static double pg_column_double(strata_db_stmt *st, int col)
{
	locale_t old = uselocale(pg_of(st->db)->c_locale);
	double d = strtod(value_of(st, col), NULL);

	uselocale(old);
	return d;
}

/* Integers parse exactly; booleans give 0/1; anything else goes through a
 * double, clamped to the int64 range. */
static int64_t pg_column_int64(strata_db_stmt *st, int col)
{
	const char *s = value_of(st, col);
	char *end;
	long long v;
	double d;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (end != s && !*end && !errno)
		return v;
	if (!strcmp(s, "t") || !strcmp(s, "f"))
		return *s == 't';
	d = pg_column_double(st, col);
	if (isnan(d))
		return 0;
	if (d >= 9223372036854775807.0)
		return INT64_MAX;
	if (d <= -9223372036854775808.0)
		return INT64_MIN;
	return (int64_t)d;
}

static const char *pg_column_text(strata_db_stmt *st, int col)
{
	return value_of(st, col);
}

/* Decode (once per row) a BYTEA column; other types give their text bytes. */
static const void *pg_column_blob(strata_db_stmt *st, int col, size_t *len)
{
	pg_stmt *ps = st->impl;
	int n = PQnfields(ps->res);

	if (PQftype(ps->res, col) != BYTEAOID) {
		*len = (size_t)PQgetlength(ps->res, ps->row, col);
		return value_of(st, col);
	}
	if (!ps->bytea) {
		ps->bytea = calloc((size_t)n, sizeof *ps->bytea);
		ps->bytea_len = calloc((size_t)n, sizeof *ps->bytea_len);
		if (!ps->bytea || !ps->bytea_len) {
			clear_bytea(ps);
			strata_db_fail(st->db, STRATA_ENOMEM, st->sql, "out of memory");
			return NULL;
		}
	}
	if (!ps->bytea[col]) {
		ps->bytea[col] =
		    PQunescapeBytea((const unsigned char *)value_of(st, col), &ps->bytea_len[col]);
		if (!ps->bytea[col]) {
			strata_db_fail(st->db, STRATA_ENOMEM, st->sql, "cannot decode BYTEA");
			return NULL;
		}
	}
	*len = ps->bytea_len[col];
	return ps->bytea[col];
}

static int pg_reset(strata_db_stmt *st)
{
	pg_stmt *ps = st->impl;

	clear_result(ps);
	for (int i = 0; i < ps->nparams; i++) {
		free(ps->values[i]);
		ps->values[i] = NULL;
		ps->lengths[i] = ps->formats[i] = 0;
	}
	return 0;
}

/* Deallocate the server-side statement now, or queue it while the session is
 * in a failed transaction (which refuses every command but ROLLBACK). */
static void deallocate(strata_db *db, const char *name)
{
	pg_db *pg = pg_of(db);
	char sql[64];
	PGTransactionStatusType ts = PQtransactionStatus(pg->conn);

	snprintf(sql, sizeof sql, "DEALLOCATE %s;", name);
	if (ts == PQTRANS_IDLE || ts == PQTRANS_INTRANS)
		PQclear(PQexec(pg->conn, sql));
	else if (PQstatus(pg->conn) == CONNECTION_OK)
		strata_buf_puts(&pg->pending, sql);
}

static void pg_finalize(strata_db_stmt *st)
{
	pg_stmt *ps = st->impl;

	if (!ps)
		return;
	clear_result(ps);
	deallocate(st->db, ps->name);
	free_stmt(ps);
	st->impl = NULL;
}

static int pg_begin(strata_db *db)
{
	flush_pending(db);
	return pg_run(db, "BEGIN");
}

static int pg_commit(strata_db *db)
{
	PGresult *res = PQexec(pg_of(db)->conn, "COMMIT");
	int rc = 0;

	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		rc = pg_fail(db, res, "COMMIT");
	else if (!strcmp(PQcmdStatus(res), "ROLLBACK"))
		rc = strata_db_fail(db, STRATA_EDB, "COMMIT",
		                    "the transaction had failed and was rolled back");
	PQclear(res);
	flush_pending(db);
	return rc;
}

static int pg_rollback(strata_db *db)
{
	int rc = pg_run(db, "ROLLBACK");

	flush_pending(db);
	return rc;
}

static int pg_in_transaction(strata_db *db)
{
	PGTransactionStatusType ts = PQtransactionStatus(pg_of(db)->conn);
	return ts == PQTRANS_INTRANS || ts == PQTRANS_INERROR || ts == PQTRANS_ACTIVE;
}

/* Reconnect a broken connection (its prepared statements are gone), then roll
 * back any open transaction. */
static int pg_reset_session(strata_db *db)
{
	pg_db *pg = pg_of(db);
	char msg[768];

	if (PQstatus(pg->conn) != CONNECTION_OK) {
		PQreset(pg->conn);
		strata_buf_reset(&pg->pending);
		if (PQstatus(pg->conn) != CONNECTION_OK) {
			first_line(pg, msg, sizeof msg, PQerrorMessage(pg->conn));
			return strata_db_fail(db, STRATA_EDB, NULL, "reconnect failed: %s", msg);
		}
		return pg_run(db, "SET client_min_messages = warning");
	}
	return pg_in_transaction(db) ? pg_rollback(db) : 0;
}

const struct strata_db_ops strata_db_postgres_ops = {
    .name = "postgresql",
    .open = pg_open,
    .close = pg_close,
    .exec = pg_exec,
    .prepare = pg_prepare,
    .bind = pg_bind,
    .step = pg_step,
    .column_count = pg_column_count,
    .column_is_null = pg_column_is_null,
    .column_int64 = pg_column_int64,
    .column_double = pg_column_double,
    .column_text = pg_column_text,
    .column_blob = pg_column_blob,
    .reset = pg_reset,
    .finalize = pg_finalize,
    .begin = pg_begin,
    .commit = pg_commit,
    .rollback = pg_rollback,
    .in_transaction = pg_in_transaction,
    .reset_session = pg_reset_session,
};
