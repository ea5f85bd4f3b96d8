/* catalog.c - the sky catalog's schema and typed accessors; see catalog.h. */
#include "sky/catalog.h"

#include "strata/error.h"
#include "strata/time.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The schema, written once; PK is the backend's auto-increment key. */
#define SKY_SCHEMA_V1(PK)                                                                          \
	"CREATE TABLE ms (id " PK ", path TEXT NOT NULL UNIQUE, group_id TEXT,"                    \
	" start_mjd DOUBLE PRECISION, mid_mjd DOUBLE PRECISION, end_mjd DOUBLE PRECISION,"         \
	" stage TEXT NOT NULL DEFAULT 'pending', status TEXT NOT NULL DEFAULT 'ok',"               \
	" retries INTEGER NOT NULL DEFAULT 0, checkpoint TEXT, cal_applied INTEGER NOT NULL"       \
	" DEFAULT 0, ra_deg DOUBLE PRECISION, dec_deg DOUBLE PRECISION, error TEXT,"               \
	" created_at DOUBLE PRECISION NOT NULL, updated_at DOUBLE PRECISION NOT NULL);"            \
	"CREATE INDEX ms_stage ON ms (stage, id);"                                                 \
	"CREATE INDEX ms_status ON ms (status, id);"                                               \
	"CREATE INDEX ms_group ON ms (group_id);"                                                  \
	"CREATE INDEX ms_mid ON ms (mid_mjd);"                                                     \
	"CREATE TABLE images (id " PK ", path TEXT NOT NULL UNIQUE,"                               \
	" ms_id BIGINT REFERENCES ms (id), type TEXT NOT NULL DEFAULT 'image',"                    \
	" format TEXT NOT NULL DEFAULT 'fits', beam_major_arcsec DOUBLE PRECISION,"                \
	" beam_minor_arcsec DOUBLE PRECISION, beam_pa_deg DOUBLE PRECISION,"                       \
	" noise_jy DOUBLE PRECISION, dynamic_range DOUBLE PRECISION,"                              \
	" pb_corrected INTEGER NOT NULL DEFAULT 0, field TEXT, ra_deg DOUBLE PRECISION,"           \
	" dec_deg DOUBLE PRECISION, size_x INTEGER, size_y INTEGER, cell_arcsec DOUBLE PRECISION," \
	" freq_hz DOUBLE PRECISION, bandwidth_hz DOUBLE PRECISION,"                                \
	" integration_s DOUBLE PRECISION, qa_grade TEXT,"                                          \
	" created_at DOUBLE PRECISION NOT NULL);"                                                  \
	"CREATE INDEX images_created ON images (created_at, id);"                                  \
	"CREATE INDEX images_ms ON images (ms_id);"                                                \
	"CREATE INDEX images_type ON images (type, created_at);"                                   \
	"CREATE INDEX images_field ON images (field, created_at);"                                 \
	"CREATE INDEX images_grade ON images (qa_grade, created_at);"                              \
	"CREATE INDEX images_dec ON images (dec_deg);"                                             \
	"CREATE TABLE sources (id " PK ", name TEXT NOT NULL UNIQUE,"                              \
	" ra_deg DOUBLE PRECISION NOT NULL, dec_deg DOUBLE PRECISION NOT NULL,"                    \
	" catalog_match TEXT, first_detected_mjd DOUBLE PRECISION,"                                \
	" last_detected_mjd DOUBLE PRECISION, n_detections INTEGER NOT NULL DEFAULT 0);"           \
	"CREATE INDEX sources_dec ON sources (dec_deg);"                                           \
	"CREATE INDEX sources_ndet ON sources (n_detections);"                                     \
	"CREATE TABLE photometry (id " PK ", source_id BIGINT NOT NULL REFERENCES sources (id),"   \
	" image_id BIGINT REFERENCES images (id), ra_deg DOUBLE PRECISION,"                        \
	" dec_deg DOUBLE PRECISION, peak_jy DOUBLE PRECISION, peak_err_jy DOUBLE PRECISION,"       \
	" int_jy DOUBLE PRECISION, int_err_jy DOUBLE PRECISION, snr DOUBLE PRECISION,"             \
	" mjd DOUBLE PRECISION NOT NULL, local_rms_jy DOUBLE PRECISION,"                           \
	" flags INTEGER NOT NULL DEFAULT 0);"                                                      \
	"CREATE INDEX photometry_source_mjd ON photometry (source_id, mjd);"                       \
	"CREATE INDEX photometry_image ON photometry (image_id);"                                  \
	"CREATE TABLE cal_tables (id " PK ", set_name TEXT NOT NULL, path TEXT NOT NULL UNIQUE,"   \
	" table_type TEXT NOT NULL, cal_order INTEGER NOT NULL DEFAULT 0, field TEXT,"             \
	" refant TEXT, valid_start_mjd DOUBLE PRECISION, valid_end_mjd DOUBLE PRECISION,"          \
	" status TEXT NOT NULL DEFAULT 'active', solver TEXT, quality DOUBLE PRECISION,"           \
	" created_at DOUBLE PRECISION NOT NULL);"                                                  \
	"CREATE INDEX cal_tables_set ON cal_tables (set_name, cal_order);"                         \
	"CREATE INDEX cal_tables_type ON cal_tables (table_type);"                                 \
	"CREATE INDEX cal_tables_status ON cal_tables (status);"                                   \
	"CREATE INDEX cal_tables_valid ON cal_tables (valid_start_mjd, valid_end_mjd);"            \
	"CREATE TABLE ms_calibrations (ms_id BIGINT NOT NULL REFERENCES ms (id),"                  \
	" cal_table_id BIGINT NOT NULL REFERENCES cal_tables (id),"                                \
	" applied_at DOUBLE PRECISION NOT NULL, PRIMARY KEY (ms_id, cal_table_id));"               \
	"CREATE TABLE hdf5_files (id " PK ", path TEXT NOT NULL UNIQUE, group_id TEXT NOT NULL,"   \
	" subband INTEGER NOT NULL, timestamp_mjd DOUBLE PRECISION NOT NULL,"                      \
	" size_bytes BIGINT, ra_deg DOUBLE PRECISION, dec_deg DOUBLE PRECISION,"                   \
	" ms_id BIGINT REFERENCES ms (id), ingested_at DOUBLE PRECISION NOT NULL);"                \
	"CREATE INDEX hdf5_group ON hdf5_files (group_id, subband);"                               \
	"CREATE INDEX hdf5_time ON hdf5_files (timestamp_mjd);"                                    \
	"CREATE INDEX hdf5_ms ON hdf5_files (ms_id);"                                              \
	"CREATE TABLE qa (id " PK ", kind TEXT NOT NULL, image_id BIGINT REFERENCES images (id),"  \
	" cal_table_id BIGINT REFERENCES cal_tables (id), grade TEXT, noise_jy DOUBLE PRECISION,"  \
	" peak_jy DOUBLE PRECISION, dynamic_range DOUBLE PRECISION, n_sources INTEGER,"            \
	" warnings TEXT, created_at DOUBLE PRECISION NOT NULL);"                                   \
	"CREATE INDEX qa_image ON qa (image_id);"                                                  \
	"CREATE INDEX qa_cal ON qa (cal_table_id);"                                                \
	"CREATE INDEX qa_kind_grade ON qa (kind, grade, id);"                                      \
	"CREATE TABLE batch_jobs (id TEXT PRIMARY KEY, kind TEXT NOT NULL,"                        \
	" status TEXT NOT NULL DEFAULT 'queued', total INTEGER NOT NULL DEFAULT 0,"                \
	" n_queued INTEGER NOT NULL DEFAULT 0, n_running INTEGER NOT NULL DEFAULT 0,"              \
	" n_succeeded INTEGER NOT NULL DEFAULT 0, n_failed INTEGER NOT NULL DEFAULT 0,"            \
	" n_cancelled INTEGER NOT NULL DEFAULT 0, params TEXT,"                                    \
	" created_at DOUBLE PRECISION NOT NULL, updated_at DOUBLE PRECISION NOT NULL);"            \
	"CREATE INDEX batch_jobs_status ON batch_jobs (status, created_at);"                       \
	"CREATE INDEX batch_jobs_created ON batch_jobs (created_at);"                              \
	"CREATE TABLE jobs (id TEXT PRIMARY KEY, kind TEXT NOT NULL,"                              \
	" status TEXT NOT NULL DEFAULT 'queued', ms_id BIGINT REFERENCES ms (id),"                 \
	" batch_id TEXT REFERENCES batch_jobs (id), params TEXT,"                                  \
	" priority INTEGER NOT NULL DEFAULT 0, attempts INTEGER NOT NULL DEFAULT 0,"               \
	" max_attempts INTEGER NOT NULL DEFAULT 3, worker TEXT,"                                   \
	" run_after DOUBLE PRECISION NOT NULL DEFAULT 0, created_at DOUBLE PRECISION NOT NULL,"    \
	" started_at DOUBLE PRECISION, finished_at DOUBLE PRECISION,"                              \
	" heartbeat_at DOUBLE PRECISION, cancel_requested INTEGER NOT NULL DEFAULT 0,"             \
	" error TEXT, log_path TEXT);"                                                             \
	"CREATE INDEX jobs_claim ON jobs (status, priority, created_at);"                          \
	"CREATE INDEX jobs_created ON jobs (created_at);"                                          \
	"CREATE INDEX jobs_ms ON jobs (ms_id);"                                                    \
	"CREATE INDEX jobs_batch ON jobs (batch_id);"                                              \
	"CREATE INDEX jobs_kind ON jobs (kind, created_at);"                                       \
	"CREATE TABLE batch_items (id " PK ", batch_id TEXT NOT NULL REFERENCES batch_jobs (id),"  \
	" job_id TEXT REFERENCES jobs (id), ms_id BIGINT REFERENCES ms (id), target TEXT,"         \
	" status TEXT NOT NULL DEFAULT 'queued');"                                                 \
	"CREATE INDEX batch_items_batch ON batch_items (batch_id, id);"                            \
	"CREATE INDEX batch_items_job ON batch_items (job_id);"

#define PK_SQLITE   "INTEGER PRIMARY KEY"
#define PK_POSTGRES "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"

/* PostgreSQL: the catalog generation that `sky serve`'s response cache
 * reads. Every transaction that changes a catalog table adds 1 to its
 * backend's counter, in the same transaction, so the counters' sum, read in
 * a fresh snapshot, grows with every commit that changed the catalog. One
 * row per backend (not one shared row): writers never wait for each other's
 * row lock, which would serialise them and could deadlock transactions that
 * lock catalog rows in different orders. Once per transaction (a
 * transaction-local setting remembers it; a rolled-back savepoint undoes
 * it), so that a bulk load leaves one dead row version, not one per
 * statement: the API reads this table on every cacheable request. SQLite
 * needs nothing: the cache reads PRAGMA data_version. A later migration that
 * adds a table the API reads must give it the same trigger. */
// clang-format off
#define GEN_TRIGGER(T)                                                                             \
	"CREATE TRIGGER " T "_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON " T       \
	" FOR EACH STATEMENT EXECUTE FUNCTION sky_catalog_bump();"
#define SKY_GENERATION_V2_POSTGRES                                                                 \
	"CREATE TABLE sky_catalog_generation (backend INTEGER PRIMARY KEY, gen BIGINT NOT NULL);"  \
	"CREATE FUNCTION sky_catalog_bump() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"          \
	" IF current_setting('sky.generation_bumped', true) = 'on' THEN RETURN NULL; END IF;"      \
	" INSERT INTO sky_catalog_generation AS g (backend, gen) VALUES (pg_backend_pid(), 1)"     \
	" ON CONFLICT (backend) DO UPDATE SET gen = g.gen + 1;"                                    \
	" PERFORM set_config('sky.generation_bumped', 'on', true); RETURN NULL; END $$;"           \
	GEN_TRIGGER("ms") GEN_TRIGGER("images") GEN_TRIGGER("sources")                             \
	GEN_TRIGGER("photometry") GEN_TRIGGER("cal_tables") GEN_TRIGGER("ms_calibrations")         \
	GEN_TRIGGER("hdf5_files") GEN_TRIGGER("qa") GEN_TRIGGER("batch_jobs") GEN_TRIGGER("jobs")  \
	GEN_TRIGGER("batch_items")
// clang-format on

static const strata_migration sky_migrations[] = {
    {1, "sky catalog: measurement sets, images, sources, photometry, calibration, files, QA, jobs",
     SKY_SCHEMA_V1(PK_SQLITE), SKY_SCHEMA_V1(PK_POSTGRES)},
    {2, "sky catalog: the generation the API's response cache checks (PostgreSQL triggers)",
     "SELECT 1", SKY_GENERATION_V2_POSTGRES},
};

#define N_MIGRATIONS (sizeof sky_migrations / sizeof sky_migrations[0])

int sky_catalog_schema_version(void)
{
	return sky_migrations[N_MIGRATIONS - 1].version;
}

int sky_catalog_migrate(strata_db *db, int *applied)
{
	return strata_db_migrate(db, sky_migrations, N_MIGRATIONS, applied);
}

int sky_catalog_open(const char *url, strata_db **out)
{
	int rc = strata_db_open(url, out);

	if (rc)
		return rc;
	if ((rc = sky_catalog_migrate(*out, NULL))) {
		strata_db_close(*out);
		*out = NULL;
	}
	return rc;
}

int sky_catalog_generation_compact(strata_db *db)
{
	if (strata_db_backend_of(db) != STRATA_DB_POSTGRES)
		return 0;
	return strata_db_exec(
	    db, "DO $$ BEGIN IF pg_try_advisory_xact_lock(hashtext('sky_catalog_generation')) THEN"
	        " WITH dead AS (DELETE FROM sky_catalog_generation WHERE backend <> 0 AND"
	        " backend NOT IN (SELECT pid FROM pg_stat_activity WHERE pid IS NOT NULL)"
	        " RETURNING gen) INSERT INTO sky_catalog_generation AS g (backend, gen)"
	        " SELECT 0, SUM(gen) FROM dead HAVING COUNT(*) > 0"
	        " ON CONFLICT (backend) DO UPDATE SET gen = g.gen + EXCLUDED.gen; END IF; END $$");
}

double sky_now(void)
{
	return (double)strata_time_now() / 1e9;
}

int sky_query_int(strata_db *db, const char *sql, int64_t *out)
{
	strata_db_stmt *st;
	int rc;

	*out = 0;
	if ((rc = strata_db_prepare(db, sql, &st)))
		return rc;
	if ((rc = strata_db_step(st)) == STRATA_DB_ROW) {
		*out = strata_db_column_int64(st, 0);
		rc = 0;
	}
	strata_db_finalize(st);
	return rc;
}

/* Whether text looks like a JSON object or array (first non-blank byte). */
static int looks_like_json(const char *s)
{
	while (*s == ' ' || *s == '\n' || *s == '\t' || *s == '\r')
		s++;
	return *s == '{' || *s == '[';
}

/* Append s as a JSON string: plain printable ASCII in one piece, anything
 * else through the escaping writer. */
static int json_text(strata_buf *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n;

	for (; *p; p++)
		if (*p < 0x20 || *p >= 0x7f || *p == '"' || *p == '\\')
			return strata_buf_json_string(out, s);
	n = (size_t)(p - (const unsigned char *)s);
	if (strata_buf_grow(out, n + 2))
		return STRATA_ENOMEM;
	out->data[out->len++] = '"';
	memcpy(out->data + out->len, s, n);
	out->len += n;
	out->data[out->len++] = '"';
	out->data[out->len] = 0;
	return 0;
}

/* Write the decimal digits of v (no sign) into buf (24 bytes); returns the
 * length. printf costs more than the rest of a row. */
static int format_u64(char *buf, uint64_t v)
{
	char tmp[24];
	int n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	for (int i = 0; i < n; i++)
		buf[i] = tmp[n - 1 - i];
	return n;
}

/* Append a signed integer. */
static int append_int(strata_buf *out, int64_t v)
{
	char text[24];
	int n = 0;

	if (v < 0)
		text[n++] = '-';
	n += format_u64(text + n, v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v);
	return strata_buf_append(out, text, (size_t)n);
}

/* Append integer m (|m| < 2^53) with k decimals: 54, 5 -> "0.00054". */
static int append_scaled(strata_buf *out, double m, int k)
{
	char digits[40], text[48];
	int n = format_u64(digits, (uint64_t)fabs(m)), t = 0;

	if (m < 0)
		text[t++] = '-';
	if (n <= k) { /* 0.000ddd */
		text[t++] = '0';
		text[t++] = '.';
		for (int z = 0; z < k - n; z++)
			text[t++] = '0';
		memcpy(text + t, digits, (size_t)n);
		t += n;
	} else {
		memcpy(text + t, digits, (size_t)(n - k));
		t += n - k;
		if (k) {
			text[t++] = '.';
			memcpy(text + t, digits + n - k, (size_t)k);
			t += k;
		}
	}
	return strata_buf_append(out, text, (size_t)t);
}

/* Append a double in the shortest decimal form that reads back the same.
 * The fast path finds the fewest decimals k with round(v 10^k) / 10^k == v:
 * both that quotient and strtod of the digits are the correctly rounded
 * value of the same decimal, so the text reads back as v. Other values go
 * through the printf-based writer. */
static int json_number(strata_buf *out, double v)
{
	static const double p10[] = {1e0, 1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,
	                             1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17};

	if (!isfinite(v) || (v == 0 && signbit(v)))
		return strata_buf_json_double(out, v);
	for (int k = 0; k < (int)(sizeof p10 / sizeof p10[0]); k++) {
		double m = nearbyint(v * p10[k]);
		if (fabs(m) >= 9007199254740992.0)
			break;
		if (m / p10[k] == v)
			return append_scaled(out, m, k);
	}
	return strata_buf_json_double(out, v);
}

/* Length of the plain JSON number at s (-?(0|[1-9][0-9]*)(.[0-9]+)?, no
 * exponent; decimals only when fraction) when s is exactly that, else 0. */
static size_t plain_number_len(const char *s, int fraction)
{
	const char *p = s + (*s == '-');

	if (*p == '0')
		p++;
	else if (*p >= '1' && *p <= '9')
		while (*p >= '0' && *p <= '9')
			p++;
	else
		return 0;
	if (fraction && *p == '.' && p[1] >= '0' && p[1] <= '9')
		for (p++; *p >= '0' && *p <= '9';)
			p++;
	return *p ? 0 : (size_t)(p - s);
}

/* Append a PostgreSQL number column's text as it came (the server's exact,
 * shortest rendering) when it is a plain JSON number; 1 when done, 0 when the
 * caller must convert it (exponents, NaN, Infinity). */
static int pg_number_as_is(strata_buf *out, strata_db_stmt *st, int i, int fraction, int *rc)
{
	const char *t = strata_db_column_text(st, i);
	size_t n = t ? plain_number_len(t, fraction) : 0;

	if (!n)
		return 0;
	*rc = strata_buf_append(out, t, n);
	return 1;
}

/* Append one column's value as JSON; pg: the statement is PostgreSQL's,
 * whose numbers arrive as exact text and are copied rather than parsed and
 * written again. */
static int json_value(strata_buf *out, strata_db_stmt *st, int i, char type, int pg)
{
	const char *t;
	int rc;

	if (strata_db_column_is_null(st, i))
		return strata_buf_append(out, "null", 4);
	switch (type) {
	case 'i':
		if (pg && pg_number_as_is(out, st, i, 0, &rc))
			return rc;
		return append_int(out, strata_db_column_int64(st, i));
	case 'd':
		if (pg && pg_number_as_is(out, st, i, 1, &rc))
			return rc;
		return json_number(out, strata_db_column_double(st, i));
	case 'b':
		return strata_db_column_int64(st, i) ? strata_buf_append(out, "true", 4)
		                                     : strata_buf_append(out, "false", 5);
	case 'j':
		t = strata_db_column_text(st, i);
		return looks_like_json(t) ? strata_buf_puts(out, t) : json_text(out, t);
	default: return json_text(out, strata_db_column_text(st, i));
	}
}

/* The names are plain identifiers: copied without escaping. */
int sky_json_row(strata_buf *out, strata_db_stmt *st, const sky_col *cols, int n)
{
	int pg = strata_db_stmt_backend(st) == STRATA_DB_POSTGRES;
	int rc = strata_buf_grow(out, 64 * (size_t)n);

	if (!rc)
		out->data[out->len++] = '{';
	for (int i = 0; i < n && !rc; i++) {
		size_t len = strlen(cols[i].name);
		if ((rc = strata_buf_grow(out, len + 4)))
			break;
		if (i)
			out->data[out->len++] = ',';
		out->data[out->len++] = '"';
		memcpy(out->data + out->len, cols[i].name, len);
		out->len += len;
		out->data[out->len++] = '"';
		out->data[out->len++] = ':';
		out->data[out->len] = 0;
		rc = json_value(out, st, i, cols[i].type, pg);
	}
	return rc ? rc : strata_buf_putc(out, '}');
}

/* Bind a double, NaN as NULL (unknown values). */
static int bind_opt_double(strata_db_stmt *st, int idx, double v)
{
	return v != v ? strata_db_bind_null(st, idx) : strata_db_bind_double(st, idx, v);
}

/* Bind an id, 0 as NULL. */
static int bind_opt_id(strata_db_stmt *st, int idx, int64_t v)
{
	return v ? strata_db_bind_int64(st, idx, v) : strata_db_bind_null(st, idx);
}

/* Step an INSERT ... RETURNING id once and read the id. */
static int step_returning_id(strata_db_stmt *st, int64_t *id)
{
	int rc = strata_db_step(st);

	if (rc == STRATA_DB_ROW) {
		if (id)
			*id = strata_db_column_int64(st, 0);
		return 0;
	}
	return rc < 0 ? rc : strata_error_set(STRATA_EDB, "catalog: insert returned no id");
}

int sky_ms_upsert(strata_db *db, const sky_ms *ms, int64_t *id)
{
	static const char *sql =
	    "INSERT INTO ms (path, group_id, start_mjd, mid_mjd, end_mjd, stage, status,"
	    " cal_applied, ra_deg, dec_deg, created_at, updated_at)"
	    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (path) DO UPDATE SET"
	    " group_id = excluded.group_id, start_mjd = excluded.start_mjd,"
	    " mid_mjd = excluded.mid_mjd, end_mjd = excluded.end_mjd, stage = excluded.stage,"
	    " status = excluded.status, cal_applied = excluded.cal_applied,"
	    " ra_deg = excluded.ra_deg, dec_deg = excluded.dec_deg,"
	    " updated_at = excluded.updated_at RETURNING id";
	strata_db_stmt *st;
	double now = sky_now();
	int rc;

	if (!ms->path || !*ms->path)
		return strata_error_set(STRATA_EINVAL, "catalog: measurement set without a path");
	if ((rc = strata_db_prepare(db, sql, &st)))
		return rc;
	if (!(rc = strata_db_bind_text(st, 1, ms->path)) &&
	    !(rc = strata_db_bind_text(st, 2, ms->group_id)) &&
	    !(rc = bind_opt_double(st, 3, ms->start_mjd)) &&
	    !(rc = bind_opt_double(st, 4, ms->mid_mjd)) &&
	    !(rc = bind_opt_double(st, 5, ms->end_mjd)) &&
	    !(rc = strata_db_bind_text(st, 6, ms->stage ? ms->stage : "pending")) &&
	    !(rc = strata_db_bind_text(st, 7, ms->status ? ms->status : "ok")) &&
	    !(rc = strata_db_bind_int64(st, 8, ms->cal_applied)) &&
	    !(rc = bind_opt_double(st, 9, ms->ra_deg)) &&
	    !(rc = bind_opt_double(st, 10, ms->dec_deg)) &&
	    !(rc = strata_db_bind_double(st, 11, now)) &&
	    !(rc = strata_db_bind_double(st, 12, now)))
		rc = step_returning_id(st, id);
	strata_db_finalize(st);
	return rc;
}

/* Bind the image's columns 1..22 of the upsert. */
static int bind_image(strata_db_stmt *st, const sky_image *im)
{
	int rc;

	if ((rc = strata_db_bind_text(st, 1, im->path)) || (rc = bind_opt_id(st, 2, im->ms_id)) ||
	    (rc = strata_db_bind_text(st, 3, im->type ? im->type : "image")) ||
	    (rc = strata_db_bind_text(st, 4, im->format ? im->format : "fits")) ||
	    (rc = bind_opt_double(st, 5, im->beam_major_arcsec)) ||
	    (rc = bind_opt_double(st, 6, im->beam_minor_arcsec)) ||
	    (rc = bind_opt_double(st, 7, im->beam_pa_deg)) ||
	    (rc = bind_opt_double(st, 8, im->noise_jy)) ||
	    (rc = bind_opt_double(st, 9, im->dynamic_range)) ||
	    (rc = strata_db_bind_int64(st, 10, im->pb_corrected)) ||
	    (rc = strata_db_bind_text(st, 11, im->field)) ||
	    (rc = bind_opt_double(st, 12, im->ra_deg)) ||
	    (rc = bind_opt_double(st, 13, im->dec_deg)) ||
	    (rc = strata_db_bind_int64(st, 14, im->size_x)) ||
	    (rc = strata_db_bind_int64(st, 15, im->size_y)) ||
	    (rc = bind_opt_double(st, 16, im->cell_arcsec)) ||
	    (rc = bind_opt_double(st, 17, im->freq_hz)) ||
	    (rc = bind_opt_double(st, 18, im->bandwidth_hz)) ||
	    (rc = bind_opt_double(st, 19, im->integration_s)) ||
	    (rc = strata_db_bind_text(st, 20, im->qa_grade)))
		return rc;
	return strata_db_bind_double(st, 21, im->created_at > 0 ? im->created_at : sky_now());
}

int sky_image_upsert(strata_db *db, const sky_image *im, int64_t *id)
{
	static const char *cols[] = {"path",
	                             "ms_id",
	                             "type",
	                             "format",
	                             "beam_major_arcsec",
	                             "beam_minor_arcsec",
	                             "beam_pa_deg",
	                             "noise_jy",
	                             "dynamic_range",
	                             "pb_corrected",
	                             "field",
	                             "ra_deg",
	                             "dec_deg",
	                             "size_x",
	                             "size_y",
	                             "cell_arcsec",
	                             "freq_hz",
	                             "bandwidth_hz",
	                             "integration_s",
	                             "qa_grade",
	                             "created_at"};
	static const char *keys[] = {"path"};
	strata_db_stmt *st;
	strata_buf sql = STRATA_BUF_INIT;
	char *upsert;
	int rc;

	if (!im->path || !*im->path)
		return strata_error_set(STRATA_EINVAL, "catalog: image without a path");
	if ((rc = strata_db_upsert_sql("images", cols, 21, keys, 1, &upsert)))
		return rc;
	rc = strata_buf_printf(&sql, "%s RETURNING id", upsert);
	free(upsert);
	if (!rc && !(rc = strata_db_prepare(db, sql.data, &st))) {
		if (!(rc = bind_image(st, im)))
			rc = step_returning_id(st, id);
		strata_db_finalize(st);
	}
	strata_buf_free(&sql);
	return rc;
}

int sky_source_upsert(strata_db *db, const sky_source *s, int64_t *id)
{
	static const char *sql =
	    "INSERT INTO sources (name, ra_deg, dec_deg, catalog_match) VALUES (?, ?, ?, ?)"
	    " ON CONFLICT (name) DO UPDATE SET ra_deg = excluded.ra_deg,"
	    " dec_deg = excluded.dec_deg, catalog_match = excluded.catalog_match RETURNING id";
	strata_db_stmt *st;
	int rc;

	if (!s->name || !*s->name)
		return strata_error_set(STRATA_EINVAL, "catalog: source without a name");
	if ((rc = strata_db_prepare(db, sql, &st)))
		return rc;
	if (!(rc = strata_db_bind_text(st, 1, s->name)) &&
	    !(rc = strata_db_bind_double(st, 2, s->ra_deg)) &&
	    !(rc = strata_db_bind_double(st, 3, s->dec_deg)) &&
	    !(rc = strata_db_bind_text(st, 4, s->catalog_match)))
		rc = step_returning_id(st, id);
	strata_db_finalize(st);
	return rc;
}

/* Bind the 13 photometry columns. */
static int bind_photometry(strata_db_stmt *st, const sky_photometry *p)
{
	int rc;

	if ((rc = strata_db_bind_int64(st, 1, p->source_id)) ||
	    (rc = bind_opt_id(st, 2, p->image_id)) || (rc = bind_opt_double(st, 3, p->ra_deg)) ||
	    (rc = bind_opt_double(st, 4, p->dec_deg)) ||
	    (rc = bind_opt_double(st, 5, p->peak_jy)) ||
	    (rc = bind_opt_double(st, 6, p->peak_err_jy)) ||
	    (rc = bind_opt_double(st, 7, p->int_jy)) ||
	    (rc = bind_opt_double(st, 8, p->int_err_jy)) || (rc = bind_opt_double(st, 9, p->snr)) ||
	    (rc = strata_db_bind_double(st, 10, p->mjd)) ||
	    (rc = bind_opt_double(st, 11, p->local_rms_jy)))
		return rc;
	return strata_db_bind_int64(st, 12, p->flags);
}

int sky_photometry_insert(strata_db *db, const sky_photometry *p, int64_t *id)
{
	static const char *ins =
	    "INSERT INTO photometry (source_id, image_id, ra_deg, dec_deg, peak_jy, peak_err_jy,"
	    " int_jy, int_err_jy, snr, mjd, local_rms_jy, flags)"
	    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id";
	static const char *upd =
	    "UPDATE sources SET n_detections = n_detections + 1,"
	    " first_detected_mjd = CASE WHEN first_detected_mjd IS NULL OR first_detected_mjd > ?"
	    " THEN ? ELSE first_detected_mjd END,"
	    " last_detected_mjd = CASE WHEN last_detected_mjd IS NULL OR last_detected_mjd < ?"
	    " THEN ? ELSE last_detected_mjd END WHERE id = ?";
	strata_db_stmt *st;
	int rc;

	if ((rc = strata_db_prepare(db, ins, &st)))
		return rc;
	if (!(rc = bind_photometry(st, p)))
		rc = step_returning_id(st, id);
	strata_db_finalize(st);
	if (rc || (rc = strata_db_prepare(db, upd, &st)))
		return rc;
	for (int i = 1; i <= 4 && !rc; i++)
		rc = strata_db_bind_double(st, i, p->mjd);
	if (!rc && !(rc = strata_db_bind_int64(st, 5, p->source_id)))
		rc = strata_db_step(st) < 0 ? strata_error_last() : 0;
	strata_db_finalize(st);
	return rc;
}

int sky_cal_table_upsert(strata_db *db, const sky_cal_table *c, int64_t *id)
{
	static const char *sql =
	    "INSERT INTO cal_tables (set_name, path, table_type, cal_order, field, refant,"
	    " valid_start_mjd, valid_end_mjd, status, solver, quality, created_at)"
	    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (path) DO UPDATE SET"
	    " set_name = excluded.set_name, table_type = excluded.table_type,"
	    " cal_order = excluded.cal_order, field = excluded.field, refant = excluded.refant,"
	    " valid_start_mjd = excluded.valid_start_mjd, valid_end_mjd = excluded.valid_end_mjd,"
	    " status = excluded.status, solver = excluded.solver, quality = excluded.quality"
	    " RETURNING id";
	strata_db_stmt *st;
	int rc;

	if (!c->path || !*c->path || !c->set_name || !c->table_type)
		return strata_error_set(STRATA_EINVAL,
		                        "catalog: calibration table needs path, set and type");
	if ((rc = strata_db_prepare(db, sql, &st)))
		return rc;
	if (!(rc = strata_db_bind_text(st, 1, c->set_name)) &&
	    !(rc = strata_db_bind_text(st, 2, c->path)) &&
	    !(rc = strata_db_bind_text(st, 3, c->table_type)) &&
	    !(rc = strata_db_bind_int64(st, 4, c->cal_order)) &&
	    !(rc = strata_db_bind_text(st, 5, c->field)) &&
	    !(rc = strata_db_bind_text(st, 6, c->refant)) &&
	    !(rc = bind_opt_double(st, 7, c->valid_start_mjd)) &&
	    !(rc = bind_opt_double(st, 8, c->valid_end_mjd)) &&
	    !(rc = strata_db_bind_text(st, 9, c->status ? c->status : "active")) &&
	    !(rc = strata_db_bind_text(st, 10, c->solver)) &&
	    !(rc = bind_opt_double(st, 11, c->quality)) &&
	    !(rc = strata_db_bind_double(st, 12, sky_now())))
		rc = step_returning_id(st, id);
	strata_db_finalize(st);
	return rc;
}

int sky_hdf5_insert(strata_db *db, const sky_hdf5_file *f, int *inserted)
{
	static const char *sql =
	    "INSERT INTO hdf5_files (path, group_id, subband, timestamp_mjd, size_bytes, ra_deg,"
	    " dec_deg, ingested_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (path) DO NOTHING";
	strata_db_stmt *st;
	int rc;

	if ((rc = strata_db_prepare(db, sql, &st)))
		return rc;
	if (!(rc = strata_db_bind_text(st, 1, f->path)) &&
	    !(rc = strata_db_bind_text(st, 2, f->group_id)) &&
	    !(rc = strata_db_bind_int64(st, 3, f->subband)) &&
	    !(rc = strata_db_bind_double(st, 4, f->timestamp_mjd)) &&
	    !(rc = strata_db_bind_int64(st, 5, f->size_bytes)) &&
	    !(rc = bind_opt_double(st, 6, f->ra_deg)) &&
	    !(rc = bind_opt_double(st, 7, f->dec_deg)) &&
	    !(rc = strata_db_bind_double(st, 8, sky_now())) && (rc = strata_db_step(st)) >= 0) {
		if (inserted)
			*inserted = strata_db_changes(st) > 0;
		rc = 0;
	}
	strata_db_finalize(st);
	return rc;
}
