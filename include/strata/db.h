/*
 * db.h - the catalog database layer: one API over SQLite and PostgreSQL.
 *
 * A catalog is named by a URL: a plain path or "sqlite:PATH" (or
 * "sqlite::memory:") opens SQLite, the embedded default; "postgresql://..." or
 * "postgres://..." opens PostgreSQL through libpq. Every app's catalog goes
 * through this layer.
 *
 * SQL is written once, with "?" placeholders; on PostgreSQL they become $1,
 * $2, ... (placeholders inside quoted strings are left alone). Write SQL in the
 * common dialect: INTEGER/BIGINT, DOUBLE PRECISION, TEXT, BOOLEAN as INTEGER
 * 0/1, "INSERT ... ON CONFLICT (...) DO UPDATE SET c = excluded.c". Blobs are
 * BLOB on SQLite and BYTEA on PostgreSQL: a migration may give separate SQL.
 *
 * SQLite connections run in WAL mode with busy_timeout and foreign_keys=ON.
 * Errors name the database (passwords are never printed) and the statement.
 */
#ifndef STRATA_DB_H
#define STRATA_DB_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct strata_db strata_db;
typedef struct strata_db_stmt strata_db_stmt;
typedef struct strata_db_pool strata_db_pool;

typedef enum strata_db_backend { STRATA_DB_SQLITE = 1, STRATA_DB_POSTGRES = 2 } strata_db_backend;

/* strata_db_step results (besides negative errors). */
#define STRATA_DB_ROW  1
#define STRATA_DB_DONE 0

/* Open a connection. The URL's password never appears in error messages. */
int strata_db_open(const char *url, strata_db **out);
void strata_db_close(strata_db *db);

strata_db_backend strata_db_backend_of(const strata_db *db);

/* The backend of the connection a statement belongs to. On PostgreSQL a
 * column's text (strata_db_column_text) is the server's own rendering of the
 * value: exact for numbers (shortest round-trip for DOUBLE PRECISION). */
strata_db_backend strata_db_stmt_backend(const strata_db_stmt *st);

/* The URL with any password replaced by "***", for logs and messages. */
const char *strata_db_display_name(const strata_db *db);

/* Run one or more statements with no parameters and no result rows. */
int strata_db_exec(strata_db *db, const char *sql);

/* Prepared statements with typed binding. Indexes are 1-based, as in SQLite. */
int strata_db_prepare(strata_db *db, const char *sql, strata_db_stmt **out);
int strata_db_bind_int64(strata_db_stmt *st, int idx, int64_t v);
int strata_db_bind_double(strata_db_stmt *st, int idx, double v);
int strata_db_bind_text(strata_db_stmt *st, int idx, const char *v); /* NULL binds NULL */
int strata_db_bind_blob(strata_db_stmt *st, int idx, const void *v, size_t len);
int strata_db_bind_null(strata_db_stmt *st, int idx);

/* Execute (first call) and advance: STRATA_DB_ROW, STRATA_DB_DONE or < 0. */
int strata_db_step(strata_db_stmt *st);

/* Columns of the current row, 0-based. Text stays valid until the next step,
 * reset or finalize. */
int strata_db_column_count(strata_db_stmt *st);
int strata_db_column_is_null(strata_db_stmt *st, int col);
int64_t strata_db_column_int64(strata_db_stmt *st, int col);
double strata_db_column_double(strata_db_stmt *st, int col);
const char *strata_db_column_text(strata_db_stmt *st, int col); /* NULL for SQL NULL */
const void *strata_db_column_blob(strata_db_stmt *st, int col, size_t *len);

/* Rows changed by the last completed INSERT/UPDATE/DELETE of this statement. */
int64_t strata_db_changes(strata_db_stmt *st);

/* Reset for re-execution; bindings are cleared. */
int strata_db_reset(strata_db_stmt *st);
void strata_db_finalize(strata_db_stmt *st);

/* Explicit transactions. Prefer strata_db_transaction(). */
int strata_db_begin(strata_db *db);
int strata_db_commit(strata_db *db);
int strata_db_rollback(strata_db *db);

/*
 * Run fn(db, ctx) inside a transaction: commit when it returns 0, roll back
 * when it returns an error. A transient failure (SQLITE_BUSY/LOCKED,
 * PostgreSQL serialization failure 40001 or deadlock 40P01, reported as
 * STRATA_EBUSY) rolls back and retries fn with exponential backoff, up to
 * max_attempts (0 means the default, 5). fn must therefore be re-runnable.
 */
typedef int (*strata_db_txn_fn)(strata_db *db, void *ctx);
int strata_db_transaction(strata_db *db, strata_db_txn_fn fn, void *ctx, int max_attempts);

/*
 * Build "INSERT INTO table (c1, ...) VALUES (?, ...) ON CONFLICT (k1, ...)
 * DO UPDATE SET c = excluded.c, ..." for the non-key columns (DO NOTHING when
 * every column is a key). Returns a malloc'd string in *sql.
 */
int strata_db_upsert_sql(const char *table, const char *const *columns, size_t ncolumns,
                         const char *const *key_columns, size_t nkeys, char **sql);

/*
 * Bulk insert: bind each row through bind_row(st, row_index, ctx), executing
 * one prepared statement per row, committing every batch_size rows (0 means
 * the default, 1000) in its own transaction. On error the failing batch is
 * rolled back, earlier batches stay committed, and *rows_done (if not NULL)
 * tells how many rows were committed.
 */
typedef int (*strata_db_bind_row_fn)(strata_db_stmt *st, size_t row, void *ctx);
int strata_db_bulk_insert(strata_db *db, const char *sql, size_t nrows, size_t batch_size,
                          strata_db_bind_row_fn bind_row, void *ctx, size_t *rows_done);

/* Numbered migrations, applied in order, each in its own transaction, and
 * recorded in schema_migrations (version, name, applied_at). */
typedef struct strata_migration {
	int version;              /* > 0, strictly increasing */
	const char *name;         /* short description */
	const char *sql;          /* both backends, unless the next is set */
	const char *sql_postgres; /* optional PostgreSQL-specific SQL */
} strata_migration;

/* Apply pending migrations; *applied (may be NULL) gets how many ran. On
 * PostgreSQL an advisory lock serialises concurrent migrators. */
int strata_db_migrate(strata_db *db, const strata_migration *migrations, size_t count,
                      int *applied);

/* The highest applied migration version (0 when none). */
int strata_db_schema_version(strata_db *db, int *version);

/* A fixed-size pool of connections to one URL, safe to share between threads.
 * Acquire blocks until a connection is free. */
int strata_db_pool_open(const char *url, int size, strata_db_pool **out);
int strata_db_pool_acquire(strata_db_pool *pool, strata_db **out);
void strata_db_pool_release(strata_db_pool *pool, strata_db *db);
void strata_db_pool_close(strata_db_pool *pool);

#ifdef __cplusplus
}
#endif
#endif
