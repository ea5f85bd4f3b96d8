/*
 * db_internal.h - private to the database layer: the backend vtable and the
 * structs shared by db.c, db_sqlite.c, db_postgres.c, db_migrate.c and
 * db_pool.c.
 *
 * db.c validates arguments, tracks statement state and formats errors; a
 * backend only talks to its library. Backends report failures through
 * strata_db_fail() so every message names the database and the statement.
 */
#ifndef STRATA_CORE_DB_INTERNAL_H
#define STRATA_CORE_DB_INTERNAL_H

#include "strata/db.h"

#include <stddef.h>
#include <stdint.h>

/* A parameter value as db.c hands it to a backend's bind. */
typedef enum strata_db_type {
	STRATA_DB_T_NULL = 0,
	STRATA_DB_T_INT64,
	STRATA_DB_T_DOUBLE,
	STRATA_DB_T_TEXT,
	STRATA_DB_T_BLOB
} strata_db_type;

typedef struct strata_db_value {
	strata_db_type type;
	int64_t i;     /* INT64 */
	double d;      /* DOUBLE */
	const void *p; /* TEXT (NUL-terminated) or BLOB; copied by the backend */
	size_t len;    /* bytes at p, without the NUL for TEXT */
} strata_db_value;

/* Where a statement is in its life; db.c keeps this, backends read it. */
enum strata_db_stmt_state { STMT_FRESH = 0, STMT_ROW, STMT_DONE };

/*
 * A backend. Every function returning int returns 0 (or STRATA_DB_ROW /
 * STRATA_DB_DONE for step) or a negative strata_error with the message set.
 * Column functions are only called on a current row with a valid column.
 */
struct strata_db_ops {
	const char *name;
	int (*open)(strata_db *db, const char *target); /* path or URL; sets db->impl */
	void (*close)(strata_db *db);
	int (*exec)(strata_db *db, const char *sql);
	int (*prepare)(strata_db_stmt *st); /* st->sql set; sets impl, nparams */
	int (*bind)(strata_db_stmt *st, int idx, const strata_db_value *v);
	int (*step)(strata_db_stmt *st); /* sets st->changes when it returns DONE */
	int (*column_count)(strata_db_stmt *st);
	int (*column_is_null)(strata_db_stmt *st, int col);
	int64_t (*column_int64)(strata_db_stmt *st, int col);
	double (*column_double)(strata_db_stmt *st, int col);
	const char *(*column_text)(strata_db_stmt *st, int col);
	const void *(*column_blob)(strata_db_stmt *st, int col, size_t *len);
	int (*reset)(strata_db_stmt *st); /* also clears bindings */
	void (*finalize)(strata_db_stmt *st);
	int (*begin)(strata_db *db);
	int (*commit)(strata_db *db);
	int (*rollback)(strata_db *db);
	int (*in_transaction)(strata_db *db);
	/* Make a connection fit for reuse: roll back, reconnect when broken. */
	int (*reset_session)(strata_db *db);
};

struct strata_db {
	const struct strata_db_ops *ops;
	strata_db_backend backend;
	char *display;        /* URL with the password replaced by "***" */
	void *impl;           /* backend state */
	strata_db_pool *pool; /* the pool that owns this connection, or NULL */
	uint64_t rng;         /* backoff jitter; used by the owning thread only */
};

struct strata_db_stmt {
	strata_db *db;
	void *impl;      /* backend state */
	char *sql;       /* as the caller wrote it, for messages */
	int nparams;     /* set by the backend's prepare */
	int state;       /* enum strata_db_stmt_state */
	int64_t changes; /* of the last completed execution */
};

extern const struct strata_db_ops strata_db_sqlite_ops;
extern const struct strata_db_ops strata_db_postgres_ops;

/*
 * Set the error "<display>: <reason> (SQL: <sql>)" and return code. sql may be
 * NULL; long SQL is shortened and newlines are flattened.
 */
int strata_db_fail(const strata_db *db, int code, const char *sql, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Rewrite "?" placeholders to $1, $2, ... outside quoted strings, quoted
 * identifiers, dollar-quoted strings and comments. *out is malloc'd. */
int strata_db_rewrite_placeholders(const char *sql, char **out, int *nparams);

/* A malloc'd copy of url with any password (userinfo or "password=" query
 * parameter) replaced by "***"; NULL when out of memory. */
char *strata_db_redact_url(const char *url);

/* Copy msg into out, replacing every occurrence of secret with "***". */
void strata_db_scrub(char *out, size_t outlen, const char *msg, const char *secret);

/* Roll back when a transaction is open, keeping the current error message. */
void strata_db_rollback_quietly(strata_db *db);

/* How many callers are queued in strata_db_pool_acquire now (tests). */
int strata_db_pool_waiting(strata_db_pool *pool);

#endif
