/*
 * db_migrate.c - numbered schema migrations; see strata_db_migrate in db.h.
 *
 * Applied versions are recorded in schema_migrations(version, name,
 * applied_at). Each migration runs in its own transaction together with its
 * schema_migrations row, so a failure leaves neither. Whether a version is
 * applied is checked again inside that transaction; on PostgreSQL the
 * transaction first takes a transaction-scoped advisory lock, so concurrent
 * migrators apply each version once.
 */
#include "core/db_internal.h"

#include "strata/error.h"

#include <stdio.h>
#include <time.h>

/* pg_advisory_xact_lock key: "strataMG" as a big-endian int64. */
#define LOCK_SQL "SELECT pg_advisory_xact_lock(8319400174550076743)"

#define CREATE_SQL                                                                                 \
	"CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY,"               \
	" name TEXT NOT NULL, applied_at TEXT NOT NULL)"

typedef struct apply_ctx {
	const strata_migration *m;
	int ran; /* 1 when this attempt applied it, 0 when already applied */
} apply_ctx;

/* Run sql (binding arg to its one "?" when has_arg) and read one integer. */
static int query_int(strata_db *db, const char *sql, int has_arg, int64_t arg, int64_t *out)
{
	strata_db_stmt *st;
	int rc;

	*out = 0;
	if ((rc = strata_db_prepare(db, sql, &st)))
		return rc;
	if (has_arg)
		rc = strata_db_bind_int64(st, 1, arg);
	if (!rc && (rc = strata_db_step(st)) == STRATA_DB_ROW) {
		*out = strata_db_column_int64(st, 0);
		rc = 0;
	}
	strata_db_finalize(st);
	return rc;
}

/* Whether schema_migrations exists where unqualified names are created. */
static int table_exists(strata_db *db, int *exists)
{
	const char *sql =
	    strata_db_backend_of(db) == STRATA_DB_POSTGRES
	        ? "SELECT COUNT(*) FROM pg_catalog.pg_tables"
	          " WHERE tablename = 'schema_migrations' AND schemaname = current_schema()"
	        : "SELECT COUNT(*) FROM sqlite_master"
	          " WHERE type = 'table' AND name = 'schema_migrations'";
	int64_t n;
	int rc = query_int(db, sql, 0, 0, &n);

	*exists = n > 0;
	return rc;
}

int strata_db_schema_version(strata_db *db, int *version)
{
	int64_t v = 0;
	int exists, rc;

	if (!db || !version)
		return strata_error_set(STRATA_EINVAL, "strata_db_schema_version: NULL argument");
	*version = 0;
	if ((rc = table_exists(db, &exists)) || !exists)
		return rc;
	rc = query_int(db, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations", 0, 0, &v);
	*version = (int)v;
	return rc;
}

/* The SQL of m for this connection's backend. */
static const char *sql_for(strata_db *db, const strata_migration *m)
{
	if (strata_db_backend_of(db) == STRATA_DB_POSTGRES && m->sql_postgres)
		return m->sql_postgres;
	return m->sql;
}

/* Reject lists that are not strictly increasing, positive and complete. */
static int validate(strata_db *db, const strata_migration *ms, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		const strata_migration *m = &ms[i];
		if (m->version <= 0)
			return strata_db_fail(db, STRATA_EINVAL, NULL,
			                      "migration %zu: version %d must be positive", i,
			                      m->version);
		if (i && m->version <= ms[i - 1].version)
			return strata_db_fail(db, STRATA_EINVAL, NULL,
			                      "migration %d follows %d: versions must increase",
			                      m->version, ms[i - 1].version);
		if (!m->name || !*m->name || !sql_for(db, m))
			return strata_db_fail(db, STRATA_EINVAL, NULL,
			                      "migration %d: missing name or SQL", m->version);
	}
	return 0;
}

/* Take the migration lock when the backend has one (PostgreSQL). */
static int lock(strata_db *db)
{
	if (strata_db_backend_of(db) != STRATA_DB_POSTGRES)
		return 0;
	return strata_db_exec(db, LOCK_SQL);
}

/* Create schema_migrations; a transaction so concurrent creators serialise. */
static int create_table(strata_db *db, void *ctx)
{
	int rc = lock(db);

	(void)ctx;
	return rc ? rc : strata_db_exec(db, CREATE_SQL);
}

/* Now as ISO 8601 UTC with milliseconds. */
static void now_iso8601(char *out, size_t outlen)
{
	struct timespec ts;
	struct tm tm;
	char base[32];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, outlen, "%s.%03ldZ", base, ts.tv_nsec / 1000000L);
}

/* Record m in schema_migrations. */
static int record(strata_db *db, const strata_migration *m)
{
	strata_db_stmt *st;
	char at[48];
	int rc;

	now_iso8601(at, sizeof at);
	rc = strata_db_prepare(
	    db, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)", &st);
	if (rc)
		return rc;
	if (!(rc = strata_db_bind_int64(st, 1, m->version)) &&
	    !(rc = strata_db_bind_text(st, 2, m->name)) && !(rc = strata_db_bind_text(st, 3, at)))
		rc = strata_db_step(st);
	strata_db_finalize(st);
	return rc < 0 ? rc : 0;
}

/* Apply one migration unless another migrator got there first. */
static int apply_one(strata_db *db, void *arg)
{
	apply_ctx *a = arg;
	int64_t done;
	int rc;

	a->ran = 0;
	if ((rc = lock(db)) ||
	    (rc = query_int(db, "SELECT COUNT(*) FROM schema_migrations WHERE version = ?", 1,
	                    a->m->version, &done)))
		return rc;
	if (done)
		return 0;
	if ((rc = strata_db_exec(db, sql_for(db, a->m))) || (rc = record(db, a->m)))
		return rc;
	a->ran = 1;
	return 0;
}

int strata_db_migrate(strata_db *db, const strata_migration *migrations, size_t count, int *applied)
{
	apply_ctx a;
	int64_t done;
	int rc, n = 0;

	if (applied)
		*applied = 0;
	if (!db || (!migrations && count))
		return strata_error_set(STRATA_EINVAL, "strata_db_migrate: NULL argument");
	if ((rc = validate(db, migrations, count)) ||
	    (rc = strata_db_transaction(db, create_table, NULL, 0)))
		return rc;
	for (size_t i = 0; i < count; i++) {
		a.m = &migrations[i];
		rc = query_int(db, "SELECT COUNT(*) FROM schema_migrations WHERE version = ?", 1,
		               a.m->version, &done);
		if (!rc && done)
			continue;
		if (!rc)
			rc = strata_db_transaction(db, apply_one, &a, 0);
		if (rc)
			return strata_error_wrap(rc, "migration %d (%s) failed", a.m->version,
			                         a.m->name);
		n += a.ran;
		if (applied)
			*applied = n;
	}
	return 0;
}
