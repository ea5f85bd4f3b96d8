/*
 * db.c - the catalog database layer's common half; see include/strata/db.h.
 *
 * Opens a connection by URL, validates arguments and keeps statement state,
 * then dispatches to a backend (db_sqlite.c, db_postgres.c) through the vtable
 * in db_internal.h. Also home to what both backends share: URL redaction,
 * placeholder rewriting, transactions with retry, the upsert builder and bulk
 * inserts.
 */
#include "core/db_internal.h"

#include "strata/buf.h"
#include "strata/error.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define SQL_IN_MESSAGE_MAX 160 /* bytes of SQL quoted in an error message */
#define DEFAULT_ATTEMPTS   5
#define DEFAULT_BATCH      1000
#define BACKOFF_BASE_MS    10
#define BACKOFF_MAX_MS     1000

/* --- errors ------------------------------------------------------------- */

/* Copy sql into out on one line (whitespace runs become one space), cut to fit. */
static void flatten_sql(char *out, size_t outlen, const char *sql)
{
	size_t n = 0;
	int space = 0;

	for (; *sql && n + 6 < outlen; sql++) {
		if (isspace((unsigned char)*sql)) {
			space = n > 0;
			continue;
		}
		if (space)
			out[n++] = ' ';
		space = 0;
		out[n++] = *sql;
	}
	out[n] = '\0';
	if (*sql)
		memcpy(out + n, "...", 4);
}

int strata_db_fail(const strata_db *db, int code, const char *sql, const char *fmt, ...)
{
	const char *name = db && db->display ? db->display : "database";
	char reason[768], flat[SQL_IN_MESSAGE_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof reason, fmt, ap);
	va_end(ap);
	if (!sql)
		return strata_error_set(code, "%s: %s", name, reason);
	flatten_sql(flat, sizeof flat, sql);
	return strata_error_set(code, "%s: %s (SQL: %s)", name, reason, flat);
}

void strata_db_scrub(char *out, size_t outlen, const char *msg, const char *secret)
{
	size_t slen = secret ? strlen(secret) : 0, n = 0;

	if (!outlen)
		return;
	while (*msg && n + 1 < outlen) {
		if (slen && !strncmp(msg, secret, slen)) {
			n += (size_t)snprintf(out + n, outlen - n, "***");
			if (n >= outlen)
				n = outlen - 1;
			msg += slen;
			continue;
		}
		out[n++] = *msg++;
	}
	out[n] = '\0';
}

/* --- URLs --------------------------------------------------------------- */

/* Whether s starts with prefix, ignoring case. */
static int has_prefix(const char *s, const char *prefix)
{
	return strncasecmp(s, prefix, strlen(prefix)) == 0;
}

/* Append the query string q (after '?') with any password value hidden. */
static int redact_query(strata_buf *b, const char *q)
{
	int rc = 0;

	while (*q && !rc) {
		size_t len = strcspn(q, "&#");
		if (has_prefix(q, "password="))
			rc = strata_buf_puts(b, "password=***");
		else
			rc = strata_buf_append(b, q, len);
		q += len;
		if (*q == '&')
			rc = rc ? rc : strata_buf_putc(b, *q++);
		else if (*q == '#')
			return rc ? rc : strata_buf_puts(b, q);
	}
	return rc;
}

char *strata_db_redact_url(const char *url)
{
	strata_buf b = STRATA_BUF_INIT;
	const char *auth = strstr(url, "://"), *at = NULL, *colon = NULL, *rest, *q, *hash;
	size_t auth_len;
	int rc;

	if (!auth)
		return strdup(url);
	auth += 3;
	auth_len = strcspn(auth, "/?#");
	for (size_t i = 0; i < auth_len; i++)
		if (auth[i] == '@')
			at = auth + i;
	if (at)
		colon = memchr(auth, ':', (size_t)(at - auth));
	rest = auth + auth_len;
	if (colon)
		rc = strata_buf_append(&b, url, (size_t)(colon + 1 - url)) ||
		     strata_buf_puts(&b, "***") || strata_buf_append(&b, at, (size_t)(rest - at));
	else
		rc = strata_buf_append(&b, url, (size_t)(rest - url));
	q = strchr(rest, '?');
	hash = strchr(rest, '#');
	if (!rc && q && (!hash || q < hash)) {
		q++;
		rc = strata_buf_append(&b, rest, (size_t)(q - rest)) || redact_query(&b, q);
	} else if (!rc) {
		rc = strata_buf_puts(&b, rest);
	}
	if (rc) {
		strata_buf_free(&b);
		return NULL;
	}
	return b.data ? strata_buf_detach(&b) : strdup("");
}

/* --- placeholders ------------------------------------------------------- */

static int is_ident_char(char c)
{
	return isalnum((unsigned char)c) || c == '_' || (unsigned char)c >= 0x80;
}

/* Length of a quoted run at s (s[0] is the quote q), closing quote included.
 * A doubled quote is part of the run; backslash escapes when backslash. */
static size_t quoted_len(const char *s, char q, int backslash)
{
	size_t i = 1;

	while (s[i]) {
		if (backslash && s[i] == '\\' && s[i + 1]) {
			i += 2;
		} else if (s[i] == q) {
			if (s[i + 1] != q)
				return i + 1;
			i += 2;
		} else {
			i++;
		}
	}
	return i;
}

/* Length of a (nestable) block comment at s, which starts with slash-star. */
static size_t block_comment_len(const char *s)
{
	size_t i = 2;
	int depth = 1;

	while (s[i] && depth) {
		if (s[i] == '/' && s[i + 1] == '*')
			depth++, i += 2;
		else if (s[i] == '*' && s[i + 1] == '/')
			depth--, i += 2;
		else
			i++;
	}
	return i;
}

/* Length of a dollar-quoted string ($$...$$ or $tag$...$tag$) at s, or 0 when
 * s does not open one. */
static size_t dollar_quote_len(const char *s)
{
	size_t tag = 1;
	const char *end;
	char buf[64];

	if (s[1] != '$') {
		if (!is_ident_char(s[1]) || isdigit((unsigned char)s[1]))
			return 0;
		while (is_ident_char(s[tag]))
			tag++;
		if (s[tag] != '$')
			return 0;
	}
	tag++;
	if (tag >= sizeof buf)
		return 0;
	memcpy(buf, s, tag);
	buf[tag] = '\0';
	end = strstr(s + tag, buf);
	return end ? (size_t)(end - s) + tag : strlen(s);
}

/* Length of the literal, identifier or comment starting at sql[i] (which no
 * placeholder can be inside), or 0 when sql[i] starts none. */
static size_t skip_len(const char *sql, size_t i)
{
	const char *s = sql + i;
	int prev_ident = i > 0 && is_ident_char(sql[i - 1]);

	switch (*s) {
	case '\'': {
		int e = i > 0 && (sql[i - 1] == 'E' || sql[i - 1] == 'e') &&
		        !(i > 1 && is_ident_char(sql[i - 2]));
		return quoted_len(s, '\'', e);
	}
	case '"': return quoted_len(s, '"', 0);
	case '-': return s[1] == '-' ? strcspn(s, "\n") : 0;
	case '/': return s[1] == '*' ? block_comment_len(s) : 0;
	case '$': return prev_ident ? 0 : dollar_quote_len(s);
	default: return 0;
	}
}

int strata_db_rewrite_placeholders(const char *sql, char **out, int *nparams)
{
	strata_buf b = STRATA_BUF_INIT;
	int n = 0, rc = 0;
	size_t i = 0, skip;

	while (sql[i] && !rc) {
		if ((skip = skip_len(sql, i))) {
			rc = strata_buf_append(&b, sql + i, skip);
			i += skip;
		} else if (sql[i] == '?') {
			rc = strata_buf_printf(&b, "$%d", ++n);
			i++;
		} else {
			rc = strata_buf_putc(&b, sql[i++]);
		}
	}
	if (!rc && !b.data)
		rc = strata_buf_puts(&b, "");
	if (rc) {
		strata_buf_free(&b);
		return rc;
	}
	*out = strata_buf_detach(&b);
	*nparams = n;
	return 0;
}

/* --- connections -------------------------------------------------------- */

/* Pick the backend for url and the target its open() takes. */
static int classify_url(const char *url, const struct strata_db_ops **ops, const char **target)
{
	if (has_prefix(url, "postgresql://") || has_prefix(url, "postgres://")) {
		*ops = &strata_db_postgres_ops;
		*target = url;
		return 0;
	}
	*ops = &strata_db_sqlite_ops;
	if (has_prefix(url, "sqlite:")) {
		*target = url + 7;
		if ((*target)[0] == '/' && (*target)[1] == '/')
			*target += 2;
	} else if (strstr(url, "://")) {
		return STRATA_EUNSUPPORTED;
	} else {
		*target = url;
	}
	return **target ? 0 : STRATA_EINVAL;
}

/* A per-connection seed for backoff jitter. */
static uint64_t seed_for(const void *p)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 32) ^ (uint64_t)(uintptr_t)p;
}

int strata_db_open(const char *url, strata_db **out)
{
	const struct strata_db_ops *ops;
	const char *target;
	strata_db *db;
	int rc;

	if (!out)
		return strata_error_set(STRATA_EINVAL, "strata_db_open: out is NULL");
	*out = NULL;
	if (!url || !*url)
		return strata_error_set(STRATA_EINVAL, "database URL is empty");
	if (!(db = calloc(1, sizeof *db)) || !(db->display = strata_db_redact_url(url))) {
		free(db);
		return strata_error_set(STRATA_ENOMEM, "out of memory opening a database");
	}
	rc = classify_url(url, &ops, &target);
	if (rc) {
		rc = strata_db_fail(db, rc, NULL, "%s",
		                    rc == STRATA_EINVAL
		                        ? "no database path after \"sqlite:\""
		                        : "unsupported database URL scheme (use a path, "
		                          "sqlite:PATH or postgresql://...)");
		strata_db_close(db);
		return rc;
	}
	db->ops = ops;
	db->backend = ops == &strata_db_postgres_ops ? STRATA_DB_POSTGRES : STRATA_DB_SQLITE;
	db->rng = seed_for(db);
	if ((rc = ops->open(db, target))) {
		strata_db_close(db);
		return rc;
	}
	*out = db;
	return 0;
}

void strata_db_close(strata_db *db)
{
	if (!db)
		return;
	if (db->ops)
		db->ops->close(db);
	free(db->display);
	free(db);
}

strata_db_backend strata_db_backend_of(const strata_db *db)
{
	return db->backend;
}

strata_db_backend strata_db_stmt_backend(const strata_db_stmt *st)
{
	return st->db->backend;
}

const char *strata_db_display_name(const strata_db *db)
{
	return db ? db->display : "(no database)";
}

int strata_db_exec(strata_db *db, const char *sql)
{
	if (!db || !sql)
		return strata_error_set(STRATA_EINVAL, "strata_db_exec: NULL argument");
	return db->ops->exec(db, sql);
}

/* --- statements --------------------------------------------------------- */

int strata_db_prepare(strata_db *db, const char *sql, strata_db_stmt **out)
{
	strata_db_stmt *st;
	int rc;

	if (!out)
		return strata_error_set(STRATA_EINVAL, "strata_db_prepare: out is NULL");
	*out = NULL;
	if (!db || !sql)
		return strata_error_set(STRATA_EINVAL, "strata_db_prepare: NULL argument");
	if (!(st = calloc(1, sizeof *st)) || !(st->sql = strdup(sql))) {
		free(st);
		return strata_db_fail(db, STRATA_ENOMEM, sql, "out of memory preparing");
	}
	st->db = db;
	if ((rc = db->ops->prepare(st))) {
		free(st->sql);
		free(st);
		return rc;
	}
	*out = st;
	return 0;
}

/* Check a bind index and statement state; 0 when binding is allowed. */
static int check_bind(strata_db_stmt *st, int idx)
{
	if (!st)
		return strata_error_set(STRATA_EINVAL, "bind: statement is NULL");
	if (st->state != STMT_FRESH)
		return strata_db_fail(st->db, STRATA_EINVAL, st->sql,
		                      "bind after step: call strata_db_reset first");
	if (idx < 1 || idx > st->nparams)
		return strata_db_fail(
		    st->db, STRATA_EINVAL, st->sql,
		    "bind index %d out of range (the statement has %d parameters)", idx,
		    st->nparams);
	return 0;
}

/* Validate, then hand v to the backend. */
static int bind_value(strata_db_stmt *st, int idx, const strata_db_value *v)
{
	int rc = check_bind(st, idx);
	return rc ? rc : st->db->ops->bind(st, idx, v);
}

int strata_db_bind_int64(strata_db_stmt *st, int idx, int64_t v)
{
	strata_db_value val = {.type = STRATA_DB_T_INT64, .i = v};
	return bind_value(st, idx, &val);
}

int strata_db_bind_double(strata_db_stmt *st, int idx, double v)
{
	strata_db_value val = {.type = STRATA_DB_T_DOUBLE, .d = v};
	return bind_value(st, idx, &val);
}

int strata_db_bind_text(strata_db_stmt *st, int idx, const char *v)
{
	strata_db_value val = {
	    .type = v ? STRATA_DB_T_TEXT : STRATA_DB_T_NULL, .p = v, .len = v ? strlen(v) : 0};
	return bind_value(st, idx, &val);
}

int strata_db_bind_blob(strata_db_stmt *st, int idx, const void *v, size_t len)
{
	static const char empty[1];
	strata_db_value val = {.type = STRATA_DB_T_BLOB, .p = v ? v : empty, .len = len};

	if (!v && len)
		return strata_error_set(STRATA_EINVAL, "bind_blob: NULL data with length %zu", len);
	return bind_value(st, idx, &val);
}

int strata_db_bind_null(strata_db_stmt *st, int idx)
{
	strata_db_value val = {.type = STRATA_DB_T_NULL};
	return bind_value(st, idx, &val);
}

int strata_db_step(strata_db_stmt *st)
{
	int rc;

	if (!st)
		return strata_error_set(STRATA_EINVAL, "strata_db_step: statement is NULL");
	if (st->state == STMT_DONE)
		return STRATA_DB_DONE;
	rc = st->db->ops->step(st);
	st->state = rc == STRATA_DB_ROW ? STMT_ROW : STMT_DONE;
	return rc;
}

/* Whether (st, col) names a column of a current row. */
static int on_row(strata_db_stmt *st, int col)
{
	return st && st->state == STMT_ROW && col >= 0 && col < st->db->ops->column_count(st);
}

int strata_db_column_count(strata_db_stmt *st)
{
	return st && st->state == STMT_ROW ? st->db->ops->column_count(st) : 0;
}

int strata_db_column_is_null(strata_db_stmt *st, int col)
{
	return on_row(st, col) ? st->db->ops->column_is_null(st, col) : 1;
}

int64_t strata_db_column_int64(strata_db_stmt *st, int col)
{
	if (strata_db_column_is_null(st, col))
		return 0;
	return st->db->ops->column_int64(st, col);
}

double strata_db_column_double(strata_db_stmt *st, int col)
{
	if (strata_db_column_is_null(st, col))
		return 0.0;
	return st->db->ops->column_double(st, col);
}

const char *strata_db_column_text(strata_db_stmt *st, int col)
{
	if (strata_db_column_is_null(st, col))
		return NULL;
	return st->db->ops->column_text(st, col);
}

const void *strata_db_column_blob(strata_db_stmt *st, int col, size_t *len)
{
	size_t dummy;

	if (!len)
		len = &dummy;
	*len = 0;
	if (strata_db_column_is_null(st, col))
		return NULL;
	return st->db->ops->column_blob(st, col, len);
}

int64_t strata_db_changes(strata_db_stmt *st)
{
	return st ? st->changes : 0;
}

int strata_db_reset(strata_db_stmt *st)
{
	if (!st)
		return strata_error_set(STRATA_EINVAL, "strata_db_reset: statement is NULL");
	st->state = STMT_FRESH;
	return st->db->ops->reset(st);
}

void strata_db_finalize(strata_db_stmt *st)
{
	if (!st)
		return;
	st->db->ops->finalize(st);
	free(st->sql);
	free(st);
}

/* --- transactions ------------------------------------------------------- */

int strata_db_begin(strata_db *db)
{
	if (!db)
		return strata_error_set(STRATA_EINVAL, "strata_db_begin: db is NULL");
	if (db->ops->in_transaction(db))
		return strata_db_fail(db, STRATA_EINVAL, NULL,
		                      "BEGIN: a transaction is already open");
	return db->ops->begin(db);
}

int strata_db_commit(strata_db *db)
{
	if (!db)
		return strata_error_set(STRATA_EINVAL, "strata_db_commit: db is NULL");
	return db->ops->commit(db);
}

int strata_db_rollback(strata_db *db)
{
	if (!db)
		return strata_error_set(STRATA_EINVAL, "strata_db_rollback: db is NULL");
	return db->ops->rollback(db);
}

void strata_db_rollback_quietly(strata_db *db)
{
	char saved[1024];
	int code = strata_error_last();

	if (!db->ops->in_transaction(db))
		return;
	snprintf(saved, sizeof saved, "%s", strata_error_message());
	db->ops->rollback(db);
	if (code)
		strata_error_set(code, "%s", saved);
	else
		strata_error_clear();
}

/* splitmix64: the next pseudo-random number of this connection. */
static uint64_t next_random(strata_db *db)
{
	uint64_t z = (db->rng += UINT64_C(0x9E3779B97F4A7C15));

	z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
	return z ^ (z >> 31);
}

/* Sleep before retry number `attempt` (1-based): exponential, capped, and
 * jittered to between half and all of the step so contenders spread out. */
static void backoff(strata_db *db, int attempt)
{
	long ms = BACKOFF_BASE_MS;
	struct timespec ts;

	for (int i = 1; i < attempt && ms < BACKOFF_MAX_MS; i++)
		ms *= 2;
	if (ms > BACKOFF_MAX_MS)
		ms = BACKOFF_MAX_MS;
	ms = ms / 2 + (long)(next_random(db) % (uint64_t)(ms / 2 + 1));
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* One attempt: begin, fn, commit; roll back on any failure. */
static int attempt_transaction(strata_db *db, strata_db_txn_fn fn, void *ctx)
{
	int rc = strata_db_begin(db);

	if (rc)
		return rc;
	rc = fn(db, ctx);
	if (!rc)
		rc = strata_db_commit(db);
	if (rc)
		strata_db_rollback_quietly(db);
	return rc;
}

int strata_db_transaction(strata_db *db, strata_db_txn_fn fn, void *ctx, int max_attempts)
{
	int rc, attempt;

	if (!db || !fn)
		return strata_error_set(STRATA_EINVAL, "strata_db_transaction: NULL argument");
	if (max_attempts <= 0)
		max_attempts = DEFAULT_ATTEMPTS;
	if (db->ops->in_transaction(db))
		return strata_db_fail(db, STRATA_EINVAL, NULL,
		                      "strata_db_transaction: a transaction is already open");
	for (attempt = 1;; attempt++) {
		rc = attempt_transaction(db, fn, ctx);
		if (rc != STRATA_EBUSY || attempt >= max_attempts)
			break;
		backoff(db, attempt);
	}
	if (rc == STRATA_EBUSY && attempt > 1)
		strata_error_wrap(rc, "gave up after %d attempts", attempt);
	return rc;
}

/* --- upsert ------------------------------------------------------------- */

/* A plain SQL identifier; allow_dot admits "schema.table". */
static int valid_ident(const char *s, int allow_dot)
{
	int start = 1;

	if (!s || !*s)
		return 0;
	for (; *s; s++) {
		if (allow_dot && *s == '.' && !start) {
			start = 1;
			continue;
		}
		if (!(isalpha((unsigned char)*s) || *s == '_' ||
		      (!start && isdigit((unsigned char)*s))))
			return 0;
		start = 0;
	}
	return !start;
}

/* Index of name in list, or -1. */
static int find_name(const char *const *list, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(list[i], name))
			return (int)i;
	return -1;
}

/* Check every name passed to strata_db_upsert_sql. */
static int check_upsert_args(const char *table, const char *const *columns, size_t ncolumns,
                             const char *const *keys, size_t nkeys)
{
	if (!valid_ident(table, 1))
		return strata_error_set(STRATA_EINVAL, "upsert: invalid table name \"%s\"",
		                        table ? table : "(null)");
	if (!columns || !ncolumns || !keys || !nkeys)
		return strata_error_set(STRATA_EINVAL, "upsert %s: need columns and key columns",
		                        table);
	for (size_t i = 0; i < ncolumns; i++) {
		if (!valid_ident(columns[i], 0))
			return strata_error_set(STRATA_EINVAL,
			                        "upsert %s: invalid column name \"%s\"", table,
			                        columns[i] ? columns[i] : "(null)");
		if (find_name(columns, i, columns[i]) >= 0)
			return strata_error_set(STRATA_EINVAL, "upsert %s: column %s listed twice",
			                        table, columns[i]);
	}
	for (size_t i = 0; i < nkeys; i++)
		if (!keys[i] || find_name(columns, ncolumns, keys[i]) < 0)
			return strata_error_set(
			    STRATA_EINVAL, "upsert %s: key column \"%s\" is not among the columns",
			    table, keys[i] ? keys[i] : "(null)");
	return 0;
}

/* Append the names joined by ", ". */
static int join_names(strata_buf *b, const char *const *names, size_t n)
{
	int rc = 0;

	for (size_t i = 0; i < n && !rc; i++)
		rc = strata_buf_printf(b, "%s%s", i ? ", " : "", names[i]);
	return rc;
}

int strata_db_upsert_sql(const char *table, const char *const *columns, size_t ncolumns,
                         const char *const *key_columns, size_t nkeys, char **sql)
{
	strata_buf b = STRATA_BUF_INIT;
	int rc, first = 1;

	if (!sql)
		return strata_error_set(STRATA_EINVAL, "upsert: sql is NULL");
	*sql = NULL;
	if ((rc = check_upsert_args(table, columns, ncolumns, key_columns, nkeys)))
		return rc;
	rc = strata_buf_printf(&b, "INSERT INTO %s (", table) ||
	     join_names(&b, columns, ncolumns) || strata_buf_puts(&b, ") VALUES (");
	for (size_t i = 0; i < ncolumns && !rc; i++)
		rc = strata_buf_puts(&b, i ? ", ?" : "?");
	rc = rc || strata_buf_puts(&b, ") ON CONFLICT (") || join_names(&b, key_columns, nkeys) ||
	     strata_buf_puts(&b, ") DO ");
	for (size_t i = 0; i < ncolumns && !rc; i++) {
		if (find_name(key_columns, nkeys, columns[i]) >= 0)
			continue;
		rc = strata_buf_printf(&b, "%s%s = excluded.%s", first ? "UPDATE SET " : ", ",
		                       columns[i], columns[i]);
		first = 0;
	}
	if (!rc && first)
		rc = strata_buf_puts(&b, "NOTHING");
	if (rc) {
		strata_buf_free(&b);
		return strata_error_set(STRATA_ENOMEM, "upsert %s: out of memory", table);
	}
	*sql = strata_buf_detach(&b);
	return 0;
}

/* --- bulk insert -------------------------------------------------------- */

typedef struct bulk_batch {
	strata_db_stmt *st;
	size_t start, end;
	strata_db_bind_row_fn bind_row;
	void *ctx;
} bulk_batch;

/* Insert rows [start, end) of one batch; runs inside strata_db_transaction. */
static int insert_batch(strata_db *db, void *arg)
{
	bulk_batch *b = arg;
	int rc;

	(void)db;
	for (size_t r = b->start; r < b->end; r++) {
		if ((rc = strata_db_reset(b->st)))
			return rc;
		if ((rc = b->bind_row(b->st, r, b->ctx)))
			return strata_error_wrap(rc, "bulk insert row %zu", r);
		while ((rc = strata_db_step(b->st)) == STRATA_DB_ROW)
			;
		if (rc < 0)
			return strata_error_wrap(rc, "bulk insert row %zu", r);
	}
	return 0;
}

int strata_db_bulk_insert(strata_db *db, const char *sql, size_t nrows, size_t batch_size,
                          strata_db_bind_row_fn bind_row, void *ctx, size_t *rows_done)
{
	bulk_batch b = {.bind_row = bind_row, .ctx = ctx};
	size_t done = 0;
	int rc;

	if (rows_done)
		*rows_done = 0;
	if (!db || !sql || !bind_row)
		return strata_error_set(STRATA_EINVAL, "strata_db_bulk_insert: NULL argument");
	if (!batch_size)
		batch_size = DEFAULT_BATCH;
	if ((rc = strata_db_prepare(db, sql, &b.st)))
		return rc;
	while (done < nrows) {
		b.start = done;
		b.end = nrows - done > batch_size ? done + batch_size : nrows;
		if ((rc = strata_db_transaction(db, insert_batch, &b, 0)))
			break;
		done = b.end;
		if (rows_done)
			*rows_done = done;
	}
	strata_db_finalize(b.st);
	return rc;
}
