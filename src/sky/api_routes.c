/* api_routes.c - the sky API's route table and handlers; see api.h. */
#include "sky/api_internal.h"

#include "sky/cutout.h"
#include "sky/fits_qa.h"
#include "sky/queue.h"
#include "sky/thumbnail.h"
#include "sky/variability.h"
#include "strata/error.h"
#include "strata/file.h"
#include "strata/time.h"
#include "strata/uuid.h"
#include "strata/version.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#define COLS(a) (a), (int)(sizeof(a) / sizeof((a)[0]))

/* --- column sets ------------------------------------------------------------------ */

static const sky_col image_cols[] = {{"id", 'i'},
                                     {"path", 't'},
                                     {"ms_id", 'i'},
                                     {"type", 't'},
                                     {"format", 't'},
                                     {"beam_major_arcsec", 'd'},
                                     {"beam_minor_arcsec", 'd'},
                                     {"beam_pa_deg", 'd'},
                                     {"noise_jy", 'd'},
                                     {"dynamic_range", 'd'},
                                     {"pb_corrected", 'b'},
                                     {"field", 't'},
                                     {"ra_deg", 'd'},
                                     {"dec_deg", 'd'},
                                     {"size_x", 'i'},
                                     {"size_y", 'i'},
                                     {"cell_arcsec", 'd'},
                                     {"freq_hz", 'd'},
                                     {"bandwidth_hz", 'd'},
                                     {"integration_s", 'd'},
                                     {"qa_grade", 't'},
                                     {"created_at", 'd'}};

static const sky_col ms_cols[] = {
    {"id", 'i'},      {"path", 't'},       {"group_id", 't'},    {"start_mjd", 'd'},
    {"mid_mjd", 'd'}, {"end_mjd", 'd'},    {"stage", 't'},       {"status", 't'},
    {"retries", 'i'}, {"checkpoint", 't'}, {"cal_applied", 'b'}, {"ra_deg", 'd'},
    {"dec_deg", 'd'}, {"error", 't'},      {"created_at", 'd'},  {"updated_at", 'd'}};

static const sky_col source_cols[] = {{"id", 'i'},
                                      {"name", 't'},
                                      {"ra_deg", 'd'},
                                      {"dec_deg", 'd'},
                                      {"catalog_match", 't'},
                                      {"first_detected_mjd", 'd'},
                                      {"last_detected_mjd", 'd'},
                                      {"n_detections", 'i'}};

static const sky_col phot_cols[] = {
    {"id", 'i'},         {"image_id", 'i'}, {"mjd", 'd'},          {"ra_deg", 'd'},
    {"dec_deg", 'd'},    {"peak_jy", 'd'},  {"peak_err_jy", 'd'},  {"int_jy", 'd'},
    {"int_err_jy", 'd'}, {"snr", 'd'},      {"local_rms_jy", 'd'}, {"flags", 'i'}};

static const sky_col job_cols[] = {
    {"id", 't'},           {"kind", 't'},         {"status", 't'},           {"ms_id", 'i'},
    {"batch_id", 't'},     {"params", 'j'},       {"priority", 'i'},         {"attempts", 'i'},
    {"max_attempts", 'i'}, {"worker", 't'},       {"created_at", 'd'},       {"started_at", 'd'},
    {"finished_at", 'd'},  {"heartbeat_at", 'd'}, {"cancel_requested", 'b'}, {"error", 't'}};

static const sky_col batch_cols[] = {
    {"id", 't'},          {"kind", 't'},      {"status", 't'},      {"total", 'i'},
    {"n_queued", 'i'},    {"n_running", 'i'}, {"n_succeeded", 'i'}, {"n_failed", 'i'},
    {"n_cancelled", 'i'}, {"params", 'j'},    {"created_at", 'd'},  {"updated_at", 'd'}};

static const sky_col item_cols[] = {
    {"id", 'i'}, {"job_id", 't'}, {"ms_id", 'i'}, {"target", 't'}, {"status", 't'}};

static const sky_col cal_cols[] = {
    {"id", 'i'},         {"set_name", 't'},        {"path", 't'},
    {"table_type", 't'}, {"cal_order", 'i'},       {"field", 't'},
    {"refant", 't'},     {"valid_start_mjd", 'd'}, {"valid_end_mjd", 'd'},
    {"status", 't'},     {"solver", 't'},          {"quality", 'd'},
    {"created_at", 'd'}};

static const sky_col qa_cols[] = {{"id", 'i'},           {"kind", 't'},          {"image_id", 'i'},
                                  {"cal_table_id", 'i'}, {"grade", 't'},         {"noise_jy", 'd'},
                                  {"peak_jy", 'd'},      {"dynamic_range", 'd'}, {"n_sources", 'i'},
                                  {"warnings", 'j'},     {"created_at", 'd'}};

static const sky_col hdf5_cols[] = {{"id", 'i'},      {"path", 't'},          {"group_id", 't'},
                                    {"subband", 'i'}, {"timestamp_mjd", 'd'}, {"size_bytes", 'i'},
                                    {"ra_deg", 'd'},  {"dec_deg", 'd'}};

/* --- SQL building -------------------------------------------------------------- */

typedef struct api_query {
	strata_buf sql;
	int nb, nwhere;
	struct {
		char type; /* 'i', 'd', 't' */
		int64_t i;
		double d;
		char s[128];
	} b[16];
} api_query;

/* Start "SELECT cols FROM from". */
static void q_select(api_query *q, const sky_col *cols, int n, const char *prefix, const char *from)
{
	memset(q, 0, sizeof *q);
	strata_buf_puts(&q->sql, "SELECT ");
	for (int i = 0; i < n; i++)
		strata_buf_printf(&q->sql, "%s%s%s", i ? ", " : "", prefix, cols[i].name);
	strata_buf_printf(&q->sql, " FROM %s", from);
}

static void q_where(api_query *q, const char *cond)
{
	strata_buf_puts(&q->sql, q->nwhere++ ? " AND " : " WHERE ");
	strata_buf_puts(&q->sql, cond);
}

static void q_int(api_query *q, int64_t v)
{
	q->b[q->nb].type = 'i';
	q->b[q->nb++].i = v;
}

static void q_double(api_query *q, double v)
{
	q->b[q->nb].type = 'd';
	q->b[q->nb++].d = v;
}

static void q_text(api_query *q, const char *v)
{
	q->b[q->nb].type = 't';
	snprintf(q->b[q->nb++].s, sizeof q->b[0].s, "%s", v);
}

/* Filters from query parameters: each adds cond ("col = ?") with its value
 * when the parameter is present; < 0 when an error was sent. */
static int f_text(api_req *r, api_query *q, const char *name, const char *cond)
{
	char v[128];
	int rc = api_query_text(r, name, v, sizeof v);

	if (rc > 0) {
		q_where(q, cond);
		q_text(q, v);
	}
	return rc;
}

static int f_int(api_req *r, api_query *q, const char *name, const char *cond)
{
	int64_t v;
	int rc = api_query_int(r, name, INT64_MIN + 1, INT64_MAX, &v);

	if (rc > 0) {
		q_where(q, cond);
		q_int(q, v);
	}
	return rc;
}

static int f_double(api_req *r, api_query *q, const char *name, const char *cond)
{
	double v;
	int rc = api_query_double(r, name, &v);

	if (rc > 0) {
		q_where(q, cond);
		q_double(q, v);
	}
	return rc;
}

static int f_bool(api_req *r, api_query *q, const char *name, const char *cond)
{
	int v;
	int rc = api_query_bool(r, name, &v);

	if (rc > 0) {
		q_where(q, cond);
		q_int(q, v);
	}
	return rc;
}

/* Prepare (cached) and bind q. */
static int q_prepare(api_req *r, api_query *q, strata_db_stmt **st)
{
	int rc = api_stmt(r, q->sql.data, st);

	for (int i = 0; i < q->nb && !rc; i++) {
		if (q->b[i].type == 'i')
			rc = strata_db_bind_int64(*st, i + 1, q->b[i].i);
		else if (q->b[i].type == 'd')
			rc = strata_db_bind_double(*st, i + 1, q->b[i].d);
		else
			rc = strata_db_bind_text(*st, i + 1, q->b[i].s);
	}
	return rc;
}

/* Finish a list: order, page and run q, writing {items, limit, offset,
 * count, has_more} into out; *n gets the number of items. */
static int q_page(api_req *r, api_query *q, const sky_col *cols, int ncols, const char *order,
                  int64_t limit, int64_t offset, strata_buf *out, int *n)
{
	strata_db_stmt *st;
	int more, rc;

	strata_buf_printf(&q->sql, " ORDER BY %s LIMIT ? OFFSET ?", order);
	q_int(q, limit + 1);
	q_int(q, offset);
	rc = q_prepare(r, q, &st);
	strata_buf_free(&q->sql);
	if (rc)
		return rc;
	strata_buf_grow(out, (size_t)(limit < 100 ? limit : 100) * 640 + 128);
	strata_buf_puts(out, "{\"items\":");
	if ((rc = api_rows(st, cols, ncols, out, (int)limit, n, &more))) {
		strata_buf_free(out);
		return rc;
	}
	strata_buf_printf(out, ",\"limit\":%lld,\"offset\":%lld,\"count\":%d,\"has_more\":%s}",
	                  (long long)limit, (long long)offset, *n, more ? "true" : "false");
	return 0;
}

/* Finish a list (q_page) and answer it. */
static int q_list(api_req *r, api_query *q, const sky_col *cols, int ncols, const char *order,
                  int64_t limit, int64_t offset)
{
	strata_buf out = STRATA_BUF_INIT;
	int n, rc = q_page(r, q, cols, ncols, order, limit, offset, &out, &n);

	return rc ? rc : api_json(r, 200, &out);
}

/* One row by id (text or integer parameter 0) as a JSON object, or 404. */
static int q_detail(api_req *r, const sky_col *cols, int ncols, const char *table, const char *what,
                    int text_id)
{
	api_query q;
	strata_buf out = STRATA_BUF_INIT;
	strata_db_stmt *st;
	int64_t id = 0;
	int rc;

	if (!text_id && api_param_id(r, 0, &id))
		return 0;
	q_select(&q, cols, ncols, "", table);
	q_where(&q, "id = ?");
	if (text_id)
		q_text(&q, r->params[0]);
	else
		q_int(&q, id);
	rc = q_prepare(r, &q, &st);
	strata_buf_free(&q.sql);
	if (rc || (rc = strata_db_step(st)) < 0)
		return rc;
	if (rc == STRATA_DB_DONE)
		return api_error(r, 404, "not_found", NULL, "%s %s not found", what, r->params[0]);
	if ((rc = sky_json_row(&out, st, cols, ncols))) {
		strata_buf_free(&out);
		return rc;
	}
	return api_json(r, 200, &out);
}

/* Append "name": rows of sql bound to one integer id, as an array. */
static int append_rows(api_req *r, strata_buf *out, const char *name, const char *sql, int64_t id,
                       const sky_col *cols, int ncols, int max)
{
	strata_db_stmt *st;
	int n, more, rc;

	if ((rc = api_stmt(r, sql, &st)) || (rc = strata_db_bind_int64(st, 1, id)))
		return rc;
	strata_buf_printf(out, ",\"%s\":", name);
	return api_rows(st, cols, ncols, out, max, &n, &more);
}

/* --- health, metrics, openapi ------------------------------------------------- */

static int h_health(api_req *r)
{
	strata_buf out = STRATA_BUF_INIT;

	strata_buf_printf(&out, "{\"status\":\"ok\",\"service\":\"strata-sky\",\"version\":\"%s\"}",
	                  STRATA_VERSION);
	return api_json(r, 200, &out);
}

/* Free space of the disk holding path, in GB (-1 when unknown). */
static double free_gb(const char *path)
{
	struct statvfs v;

	if (!path || statvfs(path, &v))
		return -1;
	return (double)v.f_bavail * (double)v.f_frsize / 1e9;
}

/* The catalog's schema version, or an error. */
static int schema_version(api_req *r, int64_t *version)
{
	strata_db_stmt *st;
	int rc = api_stmt(r, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations", &st);

	if (!rc && (rc = strata_db_step(st)) == STRATA_DB_ROW) {
		*version = strata_db_column_int64(st, 0);
		return 0;
	}
	return rc < 0 ? rc : strata_error_set(STRATA_EDB, "schema_migrations gave no row");
}

/* The detailed health: database round trip and schema, disk space. A
 * connection lost to a server restart is replaced and tried once more. */
static int health_detailed(api_req *r, strata_buf *out)
{
	int64_t t0 = strata_time_monotonic_ns(), version = 0;
	const char *disk = r->api->cfg.disk_path ? r->api->cfg.disk_path : ".";
	double gb = free_gb(disk), ms;
	int db_ok, disk_ok;

	db_ok = !schema_version(r, &version) || (api_reconnect(r) && !schema_version(r, &version));
	if (!db_ok && r->session)
		r->session->broken = 1;
	ms = (double)(strata_time_monotonic_ns() - t0) / 1e6;
	disk_ok = gb >= r->api->cfg.disk_min_free_gb;
	strata_buf_printf(out,
	                  "{\"status\":\"%s\",\"service\":\"strata-sky\",\"version\":\"%s\","
	                  "\"uptime_s\":%.3f,\"checks\":{\"database\":{\"status\":\"%s\","
	                  "\"latency_ms\":%.3f,\"schema_version\":%lld,\"backend\":\"%s\"},"
	                  "\"disk\":{\"status\":\"%s\",\"path\":",
	                  db_ok && disk_ok ? "ok"
	                  : db_ok          ? "degraded"
	                                   : "unhealthy",
	                  STRATA_VERSION, sky_now() - r->api->started, db_ok ? "ok" : "error", ms,
	                  (long long)version,
	                  strncasecmp(r->api->cfg.catalog, "postgres", 8) ? "sqlite" : "postgresql",
	                  disk_ok ? "ok" : "low");
	strata_buf_json_string(out, disk);
	strata_buf_puts(out, ",\"free_gb\":");
	strata_buf_json_double(out, gb);
	strata_buf_puts(out, ",\"min_free_gb\":");
	strata_buf_json_double(out, r->api->cfg.disk_min_free_gb);
	strata_buf_puts(out, "}}}");
	return db_ok ? 200 : 503;
}

static int h_health_v1(api_req *r)
{
	strata_buf out = STRATA_BUF_INIT;
	int detailed = 0, status;

	if (api_query_bool(r, "detailed", &detailed) < 0)
		return 0;
	if (!detailed)
		return h_health(r);
	status = health_detailed(r, &out);
	return api_json(r, status, &out);
}

static int h_metrics(api_req *r)
{
	strata_buf out = STRATA_BUF_INIT;
	int rc = api_metrics_render(r, &out);

	if (rc) {
		strata_buf_free(&out);
		return rc;
	}
	api_json(r, 200, &out);
	snprintf(r->resp->content_type, sizeof r->resp->content_type,
	         "text/plain; version=0.0.4; charset=utf-8");
	return 0;
}

static int h_openapi(api_req *r)
{
	strata_buf out = STRATA_BUF_INIT;
	int rc = api_openapi(&out);

	if (rc) {
		strata_buf_free(&out);
		return rc;
	}
	return api_json(r, 200, &out);
}

/* --- images ---------------------------------------------------------------------- */

static int h_images(api_req *r)
{
	api_query q;
	int64_t limit, offset;

	if (api_paging(r, 100, &limit, &offset))
		return 0;
	q_select(&q, COLS(image_cols), "", "images");
	if (f_int(r, &q, "ms_id", "ms_id = ?") < 0 || f_text(r, &q, "type", "type = ?") < 0 ||
	    f_text(r, &q, "field", "field = ?") < 0 ||
	    f_text(r, &q, "qa_grade", "qa_grade = ?") < 0 ||
	    f_bool(r, &q, "pb_corrected", "pb_corrected = ?") < 0 ||
	    f_double(r, &q, "dec_min", "dec_deg >= ?") < 0 ||
	    f_double(r, &q, "dec_max", "dec_deg <= ?") < 0 ||
	    f_double(r, &q, "noise_max", "noise_jy <= ?") < 0 ||
	    f_double(r, &q, "created_after", "created_at >= ?") < 0 ||
	    f_double(r, &q, "created_before", "created_at < ?") < 0) {
		strata_buf_free(&q.sql);
		return 0;
	}
	return q_list(r, &q, COLS(image_cols), "created_at DESC, id DESC", limit, offset);
}

static int h_image(api_req *r)
{
	return q_detail(r, COLS(image_cols), "images", "image", 0);
}

/* Append the image's QA rows. */
static int image_qa_rows(api_req *r, strata_buf *out, int64_t id)
{
	return append_rows(r, out, "qa",
	                   "SELECT id, kind, image_id, cal_table_id, grade, noise_jy, peak_jy,"
	                   " dynamic_range, n_sources, warnings, created_at FROM qa"
	                   " WHERE image_id = ? ORDER BY id",
	                   id, COLS(qa_cols), 100);
}

/* Write the image row as "image": {...} into out; 404 sent when absent. */
static int image_object(api_req *r, int64_t id, strata_buf *out, int64_t *ms_id)
{
	api_query q;
	strata_db_stmt *st;
	int rc;

	q_select(&q, COLS(image_cols), "", "images");
	q_where(&q, "id = ?");
	q_int(&q, id);
	rc = q_prepare(r, &q, &st);
	strata_buf_free(&q.sql);
	if (rc || (rc = strata_db_step(st)) < 0)
		return rc;
	if (rc == STRATA_DB_DONE) {
		api_error(r, 404, "not_found", NULL, "image %lld not found", (long long)id);
		return 1;
	}
	*ms_id = strata_db_column_int64(st, 2);
	strata_buf_puts(out, "{\"image\":");
	return sky_json_row(out, st, COLS(image_cols));
}

static int h_image_qa(api_req *r)
{
	strata_buf out = STRATA_BUF_INIT;
	int64_t id, ms_id;
	int rc;

	if (api_param_id(r, 0, &id))
		return 0;
	if ((rc = image_object(r, id, &out, &ms_id)) || (rc = image_qa_rows(r, &out, id))) {
		strata_buf_free(&out);
		return rc > 0 ? 0 : rc;
	}
	strata_buf_putc(&out, '}');
	return api_json(r, 200, &out);
}

/* The measurement set of a product as "ms", its files and calibrations. */
static int ms_lineage(api_req *r, strata_buf *out, int64_t ms_id)
{
	static const char *ms_sql = "SELECT id, path, group_id, start_mjd, mid_mjd, end_mjd, stage,"
	                            " status, retries, checkpoint, cal_applied, ra_deg, dec_deg,"
	                            " error, created_at, updated_at FROM ms WHERE id = ?";
	strata_db_stmt *st;
	int rc;

	if ((rc = api_stmt(r, ms_sql, &st)) || (rc = strata_db_bind_int64(st, 1, ms_id)) ||
	    (rc = strata_db_step(st)) < 0)
		return rc;
	strata_buf_puts(out, ",\"ms\":");
	if (rc == STRATA_DB_ROW)
		rc = sky_json_row(out, st, COLS(ms_cols));
	else
		rc = strata_buf_puts(out, "null");
	if (!rc)
		rc = append_rows(
		    r, out, "hdf5_files",
		    "SELECT id, path, group_id, subband, timestamp_mjd, size_bytes, ra_deg,"
		    " dec_deg FROM hdf5_files WHERE ms_id = ? ORDER BY subband",
		    ms_id, COLS(hdf5_cols), 64);
	if (!rc)
		rc = append_rows(
		    r, out, "calibration",
		    "SELECT c.id, c.set_name, c.path, c.table_type, c.cal_order, c.field,"
		    " c.refant, c.valid_start_mjd, c.valid_end_mjd, c.status, c.solver,"
		    " c.quality, c.created_at FROM ms_calibrations m JOIN cal_tables c"
		    " ON c.id = m.cal_table_id WHERE m.ms_id = ? ORDER BY c.cal_order",
		    ms_id, COLS(cal_cols), 64);
	return rc;
}

static int h_image_provenance(api_req *r)
{
	strata_buf out = STRATA_BUF_INIT;
	int64_t id, ms_id = 0;
	int rc;

	if (api_param_id(r, 0, &id))
		return 0;
	if ((rc = image_object(r, id, &out, &ms_id)) || (rc = ms_lineage(r, &out, ms_id)) ||
	    (rc = image_qa_rows(r, &out, id))) {
		strata_buf_free(&out);
		return rc > 0 ? 0 : rc;
	}
	strata_buf_putc(&out, '}');
	return api_json(r, 200, &out);
}

/* The image's file path (404 sent when the image is absent: returns 1). */
static int image_path(api_req *r, char *path, size_t len)
{
	strata_db_stmt *st;
	int64_t id;
	int rc;

	if (api_param_id(r, 0, &id))
		return 1;
	if ((rc = api_stmt(r, "SELECT path FROM images WHERE id = ?", &st)) ||
	    (rc = strata_db_bind_int64(st, 1, id)) || (rc = strata_db_step(st)) < 0)
		return rc;
	if (rc == STRATA_DB_DONE) {
		api_error(r, 404, "not_found", NULL, "image %lld not found", (long long)id);
		return 1;
	}
	snprintf(path, len, "%s", strata_db_column_text(st, 0));
	return 0;
}

static int h_image_fits(api_req *r)
{
	char path[PATH_MAX], real[PATH_MAX], disp[PATH_MAX + 64];
	strata_buf body = STRATA_BUF_INIT;
	size_t len;
	int rc = image_path(r, path, sizeof path);

	if (rc)
		return rc > 0 ? 0 : rc;
	if ((rc = sky_path_confine(path, r->api->cfg.roots, r->api->cfg.n_roots, real)))
		return rc == STRATA_ENOTFOUND
		           ? api_error(r, 404, "not_found", NULL, "the image file is missing")
		           : api_error(r, 403, "forbidden", NULL,
		                       "the image file is outside the served directories");
	if ((rc = strata_file_read_all(real, (size_t)1 << 30, &body.data, &len)))
		return rc == STRATA_ELIMIT ? api_error(r, 413, "too_large", NULL, "file too large")
		                           : rc;
	body.len = len;
	body.cap = len + 1;
	api_json(r, 200, &body);
	snprintf(r->resp->content_type, sizeof r->resp->content_type, "application/fits");
	const char *base = strrchr(real, '/');
	snprintf(disp, sizeof disp, "attachment; filename=\"%s\"", base ? base + 1 : real);
	if (!strpbrk(disp + 22, "\"\\"))
		strata_http_header_add(r->resp, "Content-Disposition", disp);
	return 0;
}

/* Open the image's FITS file (inside the roots); 1 when an error was sent. */
static int open_image(api_req *r, sky_fits_image **img)
{
	char path[PATH_MAX], real[PATH_MAX];
	int rc = image_path(r, path, sizeof path);

	if (rc)
		return rc;
	if ((rc = sky_path_confine(path, r->api->cfg.roots, r->api->cfg.n_roots, real))) {
		if (rc == STRATA_ENOTFOUND)
			api_error(r, 404, "not_found", NULL, "the image file is missing");
		else
			api_error(r, 403, "forbidden", NULL,
			          "the image file is outside the served directories");
		return 1;
	}
	if ((rc = sky_fits_open(real, img)) == 0)
		return 0;
	if (rc == STRATA_EIO || rc == STRATA_ENOMEM)
		return rc;
	api_error(r, 422, "unreadable_image", NULL, "%s", strata_error_message());
	return 1;
}

/* Hand a malloc'd file body to the response. */
static int respond_blob(api_req *r, const char *type, void *data, size_t len)
{
	strata_buf body = {data, len, len};

	api_json(r, 200, &body);
	snprintf(r->resp->content_type, sizeof r->resp->content_type, "%s", type);
	return 0;
}

/* PNG preview: size (1..4096, default 256) and stretch (asinh, zscale). */
static int h_image_thumbnail(api_req *r)
{
	char name[16] = "asinh";
	sky_fits_image *img;
	sky_stretch stretch;
	int64_t size = 256;
	void *png;
	size_t len;
	int rc;

	if (api_query_int(r, "size", 1, SKY_THUMB_MAX_SIZE, &size) < 0 ||
	    api_query_text(r, "stretch", name, sizeof name) < 0)
		return 0;
	if (!name[0])
		snprintf(name, sizeof name, "asinh");
	if (sky_stretch_parse(name, &stretch))
		return api_error(r, 400, "invalid_parameter", NULL,
		                 "stretch must be asinh or zscale");
	if ((rc = open_image(r, &img)))
		return rc > 0 ? 0 : rc;
	rc = sky_thumbnail_png(img, (int)size, stretch, &png, &len);
	sky_fits_free(img);
	if (rc)
		return api_error(r, 422, "unreadable_image", NULL, "%s", strata_error_message());
	return respond_blob(r, "image/png", png, len);
}

/* FITS cutout of side size arcmin (default 10) around ra, dec (degrees). */
static int h_image_cutout(api_req *r)
{
	double ra, dec, size = 10;
	sky_fits_image *img;
	sky_box box;
	void *fits;
	size_t len;
	int rc;

	if ((rc = api_query_double(r, "ra", &ra)) < 0 ||
	    (rc == 0 && api_error(r, 400, "invalid_parameter", NULL, "ra is required") == 0) ||
	    (rc = api_query_double(r, "dec", &dec)) < 0 ||
	    (rc == 0 && api_error(r, 400, "invalid_parameter", NULL, "dec is required") == 0) ||
	    api_query_double(r, "size", &size) < 0)
		return 0;
	if (!(size > 0 && size <= 600) || ra < 0 || ra >= 360 || dec < -90 || dec > 90)
		return api_error(r, 400, "invalid_parameter", NULL,
		                 "ra in [0, 360), dec in [-90, 90], size in (0, 600] arcmin");
	if ((rc = open_image(r, &img)))
		return rc > 0 ? 0 : rc;
	if ((rc = sky_cutout_box(img, ra, dec, size, &box)) == 0)
		rc = sky_cutout_fits(img, &box, &fits, &len);
	sky_fits_free(img);
	if (rc)
		return api_error(r, rc == STRATA_EINVAL ? 400 : 422,
		                 rc == STRATA_EINVAL ? "invalid_parameter" : "unreadable_image",
		                 NULL, "%s", strata_error_message());
	return respond_blob(r, "application/fits", fits, len);
}

/* --- measurement sets ---------------------------------------------------------- */

static int h_ms_list(api_req *r)
{
	api_query q;
	int64_t limit, offset;

	if (api_paging(r, 100, &limit, &offset))
		return 0;
	q_select(&q, COLS(ms_cols), "", "ms");
	if (f_text(r, &q, "stage", "stage = ?") < 0 || f_text(r, &q, "status", "status = ?") < 0 ||
	    f_text(r, &q, "group_id", "group_id = ?") < 0 ||
	    f_double(r, &q, "mjd_min", "mid_mjd >= ?") < 0 ||
	    f_double(r, &q, "mjd_max", "mid_mjd <= ?") < 0) {
		strata_buf_free(&q.sql);
		return 0;
	}
	return q_list(r, &q, COLS(ms_cols), "id DESC", limit, offset);
}

static int h_ms(api_req *r)
{
	return q_detail(r, COLS(ms_cols), "ms", "measurement set", 0);
}

/* "ms": the set (404 sent when absent: returns 1), into out as {"ms":...}. */
static int ms_exists(api_req *r, int64_t id, double *mid)
{
	strata_db_stmt *st;
	int rc;

	if ((rc = api_stmt(r, "SELECT mid_mjd FROM ms WHERE id = ?", &st)) ||
	    (rc = strata_db_bind_int64(st, 1, id)) || (rc = strata_db_step(st)) < 0)
		return rc;
	if (rc == STRATA_DB_DONE) {
		api_error(r, 404, "not_found", NULL, "measurement set %lld not found",
		          (long long)id);
		return 1;
	}
	*mid = strata_db_column_is_null(st, 0) ? NAN : strata_db_column_double(st, 0);
	return 0;
}

static int h_ms_provenance(api_req *r)
{
	strata_buf out = STRATA_BUF_INIT;
	int64_t id;
	double mid;
	int rc;

	if (api_param_id(r, 0, &id))
		return 0;
	if ((rc = ms_exists(r, id, &mid)))
		return rc > 0 ? 0 : rc;
	strata_buf_printf(&out, "{\"ms_id\":%lld", (long long)id);
	if ((rc = ms_lineage(r, &out, id)) ||
	    (rc = append_rows(r, &out, "images",
	                      "SELECT id, path, ms_id, type, format, beam_major_arcsec,"
	                      " beam_minor_arcsec, beam_pa_deg, noise_jy, dynamic_range,"
	                      " pb_corrected, field, ra_deg, dec_deg, size_x, size_y, cell_arcsec,"
	                      " freq_hz, bandwidth_hz, integration_s, qa_grade, created_at"
	                      " FROM images WHERE ms_id = ? ORDER BY id",
	                      id, COLS(image_cols), 1000)) ||
	    (rc =
	         append_rows(r, &out, "jobs",
	                     "SELECT id, kind, status, ms_id, batch_id, params, priority, attempts,"
	                     " max_attempts, worker, created_at, started_at, finished_at,"
	                     " heartbeat_at, cancel_requested, error FROM jobs WHERE ms_id = ?"
	                     " ORDER BY created_at",
	                     id, COLS(job_cols), 1000))) {
		strata_buf_free(&out);
		return rc;
	}
	strata_buf_putc(&out, '}');
	return api_json(r, 200, &out);
}

/* Calibration tables whose validity window holds the set's mid time. */
static int h_ms_calibrators(api_req *r)
{
	strata_buf out = STRATA_BUF_INIT;
	strata_db_stmt *st;
	int64_t id;
	double mid;
	int n, more, rc;

	if (api_param_id(r, 0, &id))
		return 0;
	if ((rc = ms_exists(r, id, &mid)))
		return rc > 0 ? 0 : rc;
	strata_buf_printf(&out, "{\"ms_id\":%lld,\"mid_mjd\":", (long long)id);
	strata_buf_json_double(&out, mid);
	strata_buf_puts(&out, ",\"matches\":");
	if ((rc = api_stmt(r,
	                   "SELECT id, set_name, path, table_type, cal_order, field, refant,"
	                   " valid_start_mjd, valid_end_mjd, status, solver, quality, created_at"
	                   " FROM cal_tables WHERE status = 'active' AND valid_start_mjd <= ?"
	                   " AND valid_end_mjd >= ? ORDER BY set_name, cal_order LIMIT 1000",
	                   &st)) ||
	    (rc = strata_db_bind_double(st, 1, mid == mid ? mid : -1)) ||
	    (rc = strata_db_bind_double(st, 2, mid == mid ? mid : 1e18)) ||
	    (rc = api_rows(st, COLS(cal_cols), &out, 1000, &n, &more))) {
		strata_buf_free(&out);
		return rc;
	}
	strata_buf_putc(&out, '}');
	return api_json(r, 200, &out);
}

/* --- sources ----------------------------------------------------------------------- */

static int h_sources(api_req *r)
{
	api_query q;
	int64_t limit, offset;

	if (api_paging(r, 100, &limit, &offset))
		return 0;
	q_select(&q, COLS(source_cols), "", "sources");
	if (f_text(r, &q, "name", "name = ?") < 0 ||
	    f_int(r, &q, "min_detections", "n_detections >= ?") < 0 ||
	    f_double(r, &q, "ra_min", "ra_deg >= ?") < 0 ||
	    f_double(r, &q, "ra_max", "ra_deg <= ?") < 0 ||
	    f_double(r, &q, "dec_min", "dec_deg >= ?") < 0 ||
	    f_double(r, &q, "dec_max", "dec_deg <= ?") < 0) {
		strata_buf_free(&q.sql);
		return 0;
	}
	return q_list(r, &q, COLS(source_cols), "id", limit, offset);
}

static int h_source(api_req *r)
{
	return q_detail(r, COLS(source_cols), "sources", "source", 0);
}

/* Check the source exists (404 sent: returns 1). */
static int source_exists(api_req *r, int64_t id)
{
	strata_db_stmt *st;
	int rc;

	if ((rc = api_stmt(r, "SELECT id FROM sources WHERE id = ?", &st)) ||
	    (rc = strata_db_bind_int64(st, 1, id)) || (rc = strata_db_step(st)) < 0)
		return rc;
	if (rc == STRATA_DB_DONE) {
		api_error(r, 404, "not_found", NULL, "source %lld not found", (long long)id);
		return 1;
	}
	return 0;
}

/* The light curve's query: source, optional MJD range. */
static int lightcurve_query(api_req *r, api_query *q, int64_t id)
{
	q_select(q, COLS(phot_cols), "", "photometry");
	q_where(q, "source_id = ?");
	q_int(q, id);
	if (f_double(r, q, "start_mjd", "mjd >= ?") < 0 ||
	    f_double(r, q, "end_mjd", "mjd <= ?") < 0) {
		strata_buf_free(&q->sql);
		return -1;
	}
	return 0;
}

static int h_lightcurve(api_req *r)
{
	strata_buf out = STRATA_BUF_INIT;
	api_query q;
	int64_t id, limit = 1000, offset = 0;
	int rc, n;

	if (api_param_id(r, 0, &id) || api_query_int(r, "limit", 1, 10000, &limit) < 0 ||
	    api_query_int(r, "offset", 0, INT64_C(1) << 40, &offset) < 0)
		return 0;
	if (lightcurve_query(r, &q, id))
		return 0;
	/* One round trip when there are points; only an empty page asks
	 * whether the source exists (404) or just has none in the range. */
	if ((rc = q_page(r, &q, COLS(phot_cols), "mjd, id", limit, offset, &out, &n)))
		return rc;
	if (!n && (rc = source_exists(r, id))) {
		strata_buf_free(&out);
		return rc > 0 ? 0 : rc;
	}
	return api_json(r, 200, &out);
}

#define VAR_MAX_POINTS 100000

/* Variability metrics over the source's light curve (peak or integrated). */
static int h_variability(api_req *r)
{
	api_query q;
	strata_db_stmt *st;
	strata_buf out = STRATA_BUF_INIT;
	char which[16] = "peak", flux[16];
	double *f = NULL, *e = NULL;
	sky_variability v;
	size_t n = 0;
	int64_t id;
	int rc, step = 0;

	if (api_param_id(r, 0, &id) || (rc = api_query_text(r, "flux", flux, sizeof flux)) < 0)
		return 0;
	if (rc > 0)
		snprintf(which, sizeof which, "%s", flux);
	if (strcmp(which, "peak") != 0 && strcmp(which, "int") != 0)
		return api_error(r, 400, "invalid_parameter", NULL, "flux must be peak or int");
	if ((rc = source_exists(r, id)))
		return rc > 0 ? 0 : rc;
	if (lightcurve_query(r, &q, id))
		return 0;
	strata_buf_puts(&q.sql, " ORDER BY mjd");
	rc = q_prepare(r, &q, &st);
	strata_buf_free(&q.sql);
	if (rc)
		return rc;
	f = malloc(VAR_MAX_POINTS * sizeof *f);
	e = malloc(VAR_MAX_POINTS * sizeof *e);
	if (!f || !e) {
		free(f);
		free(e);
		return strata_error_set(STRATA_ENOMEM, "out of memory");
	}
	int fc = which[0] == 'p' ? 5 : 7;
	while (!rc && n < VAR_MAX_POINTS && (step = strata_db_step(st)) == STRATA_DB_ROW) {
		f[n] = strata_db_column_is_null(st, fc) ? NAN : strata_db_column_double(st, fc);
		e[n] = strata_db_column_is_null(st, fc + 1) ? NAN
		                                            : strata_db_column_double(st, fc + 1);
		n++;
	}
	if (!rc && step < 0)
		rc = step;
	if (!rc) {
		sky_variability_compute(f, e, n, &v);
		strata_buf_printf(&out,
		                  "{\"source_id\":%lld,\"flux\":\"%s\",\"n\":%zu,\"mean_jy\":",
		                  (long long)id, which, v.n);
		strata_buf_json_double(&out, v.mean);
		strata_buf_puts(&out, ",\"weighted_mean_jy\":");
		strata_buf_json_double(&out, v.weighted_mean);
		strata_buf_puts(&out, ",\"eta\":");
		strata_buf_json_double(&out, v.eta);
		strata_buf_puts(&out, ",\"v\":");
		strata_buf_json_double(&out, v.v);
		strata_buf_puts(&out, ",\"chi2\":");
		strata_buf_json_double(&out, v.chi2);
		strata_buf_puts(&out, ",\"chi2_reduced\":");
		strata_buf_json_double(&out, v.chi2_reduced);
		strata_buf_puts(&out, ",\"modulation_index\":");
		strata_buf_json_double(&out, v.m);
		strata_buf_putc(&out, '}');
	}
	free(f);
	free(e);
	if (rc) {
		strata_buf_free(&out);
		return rc;
	}
	return api_json(r, 200, &out);
}

/* --- request bodies -------------------------------------------------------------- */

#define BODY_MAX_DEPTH 16

/* Parse the body as a JSON object whose keys are all in allowed; sends 400
 * (malformed, unknown field), 415 (content type) and returns NULL then. */
static json_t *body_object(api_req *r, const char *const *allowed)
{
	const char *ct = strata_http_header_get(r->http, "Content-Type");
	json_error_t err;
	const char *key;
	json_t *j, *v;

	if (ct && strncasecmp(ct, "application/json", 16) != 0) {
		api_error(r, 415, "unsupported_media_type", NULL,
		          "the body must be application/json");
		return NULL;
	}
	if (sky_json_depth(r->http->body, r->http->body_len) > BODY_MAX_DEPTH) {
		api_error(r, 400, "malformed_json", NULL, "the body nests deeper than %d levels",
		          BODY_MAX_DEPTH);
		return NULL;
	}
	j = json_loadb(r->http->body, r->http->body_len, JSON_REJECT_DUPLICATES, &err);
	if (!j || !json_is_object(j)) {
		char details[64];
		snprintf(details, sizeof details, "{\"line\":%d,\"column\":%d}", j ? 0 : err.line,
		         j ? 0 : err.column);
		api_error(r, 400, "malformed_json", details, "the body is not a JSON object%s%s",
		          j ? "" : ": ", j ? "" : err.text);
		json_decref(j);
		return NULL;
	}
	json_object_foreach(j, key, v)
	{
		int ok = 0;
		for (const char *const *a = allowed; *a && !ok; a++)
			ok = !strcmp(*a, key);
		if (!ok) {
			strata_buf d = STRATA_BUF_INIT;
			strata_buf_puts(&d, "{\"field\":");
			strata_buf_json_string(&d, key);
			strata_buf_putc(&d, '}');
			api_error(r, 400, "unknown_field", d.data, "unknown field in the body");
			strata_buf_free(&d);
			json_decref(j);
			return NULL;
		}
	}
	return j;
}

/* An optional integer member in lo..hi; -1 when an error was sent. */
static int body_int(api_req *r, json_t *j, const char *name, int64_t lo, int64_t hi, int64_t *out)
{
	json_t *v = json_object_get(j, name);

	if (!v || json_is_null(v))
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi) {
		api_error(r, 400, "invalid_field", NULL, "%s must be an integer in %lld..%lld",
		          name, (long long)lo, (long long)hi);
		return -1;
	}
	*out = json_integer_value(v);
	return 1;
}

/* The kind member (required, a known job kind); NULL when an error was sent. */
static const char *body_kind(api_req *r, json_t *j)
{
	json_t *k = json_object_get(j, "kind");

	if (!json_is_string(k)) {
		api_error(r, 400, "invalid_field", NULL, "kind (a string) is required");
		return NULL;
	}
	if (!sky_job_kind_valid(json_string_value(k))) {
		api_error(r, 400, "invalid_field", NULL,
		          "kind must be process_ms, convert, flag, calibrate or image");
		return NULL;
	}
	return json_string_value(k);
}

/* The params member (an object) as compact JSON text (caller frees), NULL
 * when absent; *bad set when an error was sent. */
static char *body_params(api_req *r, json_t *j, int *bad)
{
	json_t *p = json_object_get(j, "params");

	*bad = 0;
	if (!p || json_is_null(p))
		return NULL;
	if (!json_is_object(p)) {
		*bad = 1;
		api_error(r, 400, "invalid_field", NULL, "params must be an object");
		return NULL;
	}
	return json_dumps(p, JSON_COMPACT | JSON_SORT_KEYS);
}

/* Whether measurement set id exists; 422 sent when not (returns 1). */
static int ms_known(api_req *r, int64_t id)
{
	strata_db_stmt *st;
	int rc;

	if ((rc = api_stmt(r, "SELECT id FROM ms WHERE id = ?", &st)) ||
	    (rc = strata_db_bind_int64(st, 1, id)) || (rc = strata_db_step(st)) < 0)
		return rc;
	strata_db_reset(st);
	if (rc == STRATA_DB_DONE) {
		char d[64];
		snprintf(d, sizeof d, "{\"ms_id\":%lld}", (long long)id);
		api_error(r, 422, "unknown_reference", d, "measurement set %lld does not exist",
		          (long long)id);
		return 1;
	}
	return 0;
}

/* Answer 201/202 with the job or batch just written (re-read). */
static int answer_created(api_req *r, int status, const char *id, int batch)
{
	strata_db_stmt *st;
	strata_buf out = STRATA_BUF_INIT;
	api_query q;
	int rc;

	if (batch)
		q_select(&q, COLS(batch_cols), "", "batch_jobs");
	else
		q_select(&q, COLS(job_cols), "", "jobs");
	q_where(&q, "id = ?");
	q_text(&q, id);
	rc = q_prepare(r, &q, &st);
	strata_buf_free(&q.sql);
	if (rc || (rc = strata_db_step(st)) != STRATA_DB_ROW)
		return rc < 0 ? rc : strata_error_set(STRATA_ENOTFOUND, "%s vanished", id);
	if (batch)
		rc = sky_json_row(&out, st, COLS(batch_cols));
	else
		rc = sky_json_row(&out, st, COLS(job_cols));
	if (rc) {
		strata_buf_free(&out);
		return rc;
	}
	return api_json(r, status, &out);
}

/* --- jobs ----------------------------------------------------------------------------- */

static int h_jobs(api_req *r)
{
	api_query q;
	int64_t limit, offset;

	if (api_paging(r, 100, &limit, &offset))
		return 0;
	q_select(&q, COLS(job_cols), "", "jobs");
	if (f_text(r, &q, "status", "status = ?") < 0 || f_text(r, &q, "kind", "kind = ?") < 0 ||
	    f_int(r, &q, "ms_id", "ms_id = ?") < 0 ||
	    f_text(r, &q, "batch_id", "batch_id = ?") < 0) {
		strata_buf_free(&q.sql);
		return 0;
	}
	return q_list(r, &q, COLS(job_cols), "created_at DESC, id DESC", limit, offset);
}

/* Counts of jobs by status (a static route next to /jobs/{id}). */
static int h_jobs_summary(api_req *r)
{
	static const sky_col cols[] = {{"status", 't'}, {"count", 'i'}};
	strata_buf out = STRATA_BUF_INIT;
	strata_db_stmt *st;
	int n, more, rc;

	strata_buf_puts(&out, "{\"by_status\":");
	if ((rc = api_stmt(r, "SELECT status, COUNT(*) FROM jobs GROUP BY status ORDER BY status",
	                   &st)) ||
	    (rc = api_rows(st, COLS(cols), &out, 100, &n, &more))) {
		strata_buf_free(&out);
		return rc;
	}
	strata_buf_putc(&out, '}');
	return api_json(r, 200, &out);
}

static int h_job(api_req *r)
{
	return q_detail(r, COLS(job_cols), "jobs", "job", 1);
}

/* Append the last n lines of the file at path (reading at most 1 MiB). */
static int tail_lines(const char *path, int n, strata_buf *out)
{
	char *buf, *p;
	struct stat sb;
	off_t start;
	ssize_t got;
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc = 0;

	if (fd < 0)
		return strata_error_set_errno("cannot open the log");
	if (fstat(fd, &sb) || !(buf = malloc(1 << 20))) {
		close(fd);
		return strata_error_set(STRATA_EIO, "cannot read the log");
	}
	start = sb.st_size > (1 << 20) ? sb.st_size - (1 << 20) : 0;
	got = pread(fd, buf, (size_t)(sb.st_size - start), start);
	close(fd);
	if (got < 0) {
		free(buf);
		return strata_error_set_errno("cannot read the log");
	}
	p = buf + got;
	if (p > buf && p[-1] == '\n')
		p--;
	for (int k = 0; p > buf; p--)
		if (p[-1] == '\n' && ++k == n)
			break;
	strata_buf_puts(out, "{\"lines\":[");
	for (char *line = p, *end; line < buf + got && !rc; line = end + 1) {
		if (!(end = memchr(line, '\n', (size_t)(buf + got - line))))
			end = buf + got;
		char save = *end;
		*end = 0;
		rc =
		    (line > p ? strata_buf_putc(out, ',') : 0) || strata_buf_json_string(out, line);
		*end = save;
	}
	free(buf);
	return rc ? rc : strata_buf_puts(out, "]");
}

static int h_job_logs(api_req *r)
{
	strata_db_stmt *st;
	strata_buf out = STRATA_BUF_INIT;
	char path[PATH_MAX], real[PATH_MAX];
	const char *roots[1] = {r->api->cfg.log_dir};
	int64_t lines = 100;
	int rc;

	if (api_query_int(r, "lines", 1, 10000, &lines) < 0)
		return 0;
	if ((rc = api_stmt(r, "SELECT log_path FROM jobs WHERE id = ?", &st)) ||
	    (rc = strata_db_bind_text(st, 1, r->params[0])) || (rc = strata_db_step(st)) < 0)
		return rc;
	if (rc == STRATA_DB_DONE)
		return api_error(r, 404, "not_found", NULL, "job %s not found", r->params[0]);
	if (strata_db_column_is_null(st, 0))
		return api_error(r, 404, "not_found", NULL, "job %s has no log yet", r->params[0]);
	snprintf(path, sizeof path, "%s", strata_db_column_text(st, 0));
	if (!roots[0] || sky_path_confine(path, roots, 1, real))
		return api_error(r, 404, "not_found", NULL, "the log of job %s is not available",
		                 r->params[0]);
	strata_buf_printf(&out, "{\"job_id\":\"%s\",\"tail\":", r->params[0]);
	if ((rc = tail_lines(real, (int)lines, &out))) {
		strata_buf_free(&out);
		return rc;
	}
	strata_buf_putc(&out, '}');
	return api_json(r, 200, &out);
}

static int h_job_create(api_req *r)
{
	static const char *const allowed[] = {"kind", "ms_id", "params", "priority", NULL};
	json_t *j = body_object(r, allowed);
	char id[SKY_JOB_ID_LEN], *params = NULL;
	const char *kind;
	int64_t ms_id = 0, priority = 0;
	strata_db *db;
	int bad, rc = 0;

	if (!j)
		return 0;
	if (!(kind = body_kind(r, j)) || body_int(r, j, "ms_id", 1, INT64_MAX, &ms_id) < 0 ||
	    body_int(r, j, "priority", -100, 100, &priority) < 0 ||
	    ((params = body_params(r, j, &bad)), bad))
		goto done;
	if (!ms_id) {
		api_error(r, 400, "invalid_field", NULL, "ms_id is required");
		goto done;
	}
	if ((rc = ms_known(r, ms_id)) || (rc = api_db(r, &db)))
		goto done;
	if (!(rc = sky_job_create(db, kind, ms_id, params, (int)priority, NULL, id)))
		rc = answer_created(r, 201, id, 0);
done:
	free(params);
	json_decref(j);
	return rc > 0 ? 0 : rc;
}

/* Job ids are UUIDs: 400 for anything else (returns 1). */
static int check_uuid_param(api_req *r)
{
	strata_uuid u;

	if (strata_uuid_parse(r->params[0], &u)) {
		api_error(r, 400, "invalid_id", NULL, "'%s' is not a job id (a UUID)",
		          r->params[0]);
		return 1;
	}
	return 0;
}

static int h_job_rerun(api_req *r)
{
	static const char *const from[] = {"failed", "cancelled", "succeeded", NULL};
	char current[16] = "";
	strata_db *db;
	int rc;

	if (check_uuid_param(r) || r->http->body_len)
		return r->http->body_len
		           ? api_error(r, 400, "unknown_field", NULL, "rerun takes no body")
		           : 0;
	if ((rc = api_db(r, &db)))
		return rc;
	rc = sky_job_transition(db, r->params[0], from, "queued", NULL, current);
	if (rc == STRATA_EEXIST)
		return api_error(r, 409, "conflict", NULL, "job %s is %s; only finished jobs rerun",
		                 r->params[0], current);
	return rc ? rc : answer_created(r, 202, r->params[0], 0);
}

typedef struct cancel_ctx {
	const char *id;
	char current[16];
	int requested;
} cancel_ctx;

/* Cancel a queued job now; flag a running one for its worker. */
static int cancel_txn(strata_db *db, void *arg)
{
	static const char *const queued[] = {"queued", NULL};
	cancel_ctx *c = arg;
	strata_db_stmt *st;
	int rc =
	    sky_job_set_status(db, c->id, queued, "cancelled", "cancelled by request", c->current);

	c->requested = 0;
	if (rc != STRATA_EEXIST || strcmp(c->current, "running") != 0)
		return rc;
	if ((rc = strata_db_prepare(db,
	                            "UPDATE jobs SET cancel_requested = 1 WHERE id = ?"
	                            " AND status = 'running'",
	                            &st)))
		return rc;
	if (!(rc = strata_db_bind_text(st, 1, c->id)) && (rc = strata_db_step(st)) >= 0)
		rc = 0;
	strata_db_finalize(st);
	c->requested = 1;
	return rc;
}

static int h_job_cancel(api_req *r)
{
	cancel_ctx c = {r->params[0], "", 0};
	strata_db *db;
	int rc;

	if (check_uuid_param(r))
		return 0;
	if ((rc = api_db(r, &db)))
		return rc;
	rc = strata_db_transaction(db, cancel_txn, &c, 0);
	if (rc == STRATA_EEXIST)
		return api_error(r, 409, "conflict", NULL, "job %s is already %s", r->params[0],
		                 c.current);
	return rc ? rc : answer_created(r, 202, r->params[0], 0);
}

int api_job_json(strata_db *db, const char *id, strata_buf *out)
{
	api_query q;
	strata_db_stmt *st;
	int rc;

	q_select(&q, COLS(job_cols), "", "jobs WHERE id = ?");
	if ((rc = strata_db_prepare(db, q.sql.data, &st)) == 0) {
		if (!(rc = strata_db_bind_text(st, 1, id)) && (rc = strata_db_step(st)) >= 0)
			rc = rc == STRATA_DB_ROW ? sky_json_row(out, st, COLS(job_cols))
			                         : STRATA_ENOTFOUND;
		strata_db_finalize(st);
	}
	strata_buf_free(&q.sql);
	return rc;
}

/* --- batches ----------------------------------------------------------------------- */

static int h_batches(api_req *r)
{
	api_query q;
	int64_t limit, offset;

	if (api_paging(r, 100, &limit, &offset))
		return 0;
	q_select(&q, COLS(batch_cols), "", "batch_jobs");
	if (f_text(r, &q, "status", "status = ?") < 0 || f_text(r, &q, "kind", "kind = ?") < 0) {
		strata_buf_free(&q.sql);
		return 0;
	}
	return q_list(r, &q, COLS(batch_cols), "created_at DESC, id DESC", limit, offset);
}

static int h_batch(api_req *r)
{
	strata_buf out = STRATA_BUF_INIT;
	strata_db_stmt *st;
	api_query q;
	int n, more, rc;

	if (check_uuid_param(r))
		return 0;
	q_select(&q, COLS(batch_cols), "", "batch_jobs");
	q_where(&q, "id = ?");
	q_text(&q, r->params[0]);
	rc = q_prepare(r, &q, &st);
	strata_buf_free(&q.sql);
	if (rc || (rc = strata_db_step(st)) < 0)
		return rc;
	if (rc == STRATA_DB_DONE)
		return api_error(r, 404, "not_found", NULL, "batch %s not found", r->params[0]);
	strata_buf_puts(&out, "{\"batch\":");
	if ((rc = sky_json_row(&out, st, COLS(batch_cols))) ||
	    (rc = api_stmt(r,
	                   "SELECT id, job_id, ms_id, target, status FROM batch_items"
	                   " WHERE batch_id = ? ORDER BY id LIMIT 1001",
	                   &st)) ||
	    (rc = strata_db_bind_text(st, 1, r->params[0])) ||
	    (rc = strata_buf_puts(&out, ",\"items\":")) ||
	    (rc = api_rows(st, COLS(item_cols), &out, 1000, &n, &more))) {
		strata_buf_free(&out);
		return rc;
	}
	strata_buf_printf(&out, ",\"items_truncated\":%s}", more ? "true" : "false");
	return api_json(r, 200, &out);
}

#define BATCH_MAX_ITEMS 10000

/* Read ms_ids (1..BATCH_MAX_ITEMS positive integers); NULL when an error was
 * sent. */
static int64_t *body_ms_ids(api_req *r, json_t *j, int *n)
{
	json_t *a = json_object_get(j, "ms_ids"), *v;
	int64_t *ids;
	size_t i;

	*n = 0;
	if (!json_is_array(a) || !json_array_size(a) || json_array_size(a) > BATCH_MAX_ITEMS) {
		api_error(r, 400, "invalid_field", NULL, "ms_ids must be an array of 1..%d ids",
		          BATCH_MAX_ITEMS);
		return NULL;
	}
	if (!(ids = calloc(json_array_size(a), sizeof *ids))) {
		api_error(r, 500, "internal", NULL, "out of memory");
		return NULL;
	}
	json_array_foreach(a, i, v)
	{
		if (!json_is_integer(v) || json_integer_value(v) < 1) {
			free(ids);
			api_error(r, 400, "invalid_field", NULL, "ms_ids[%zu] is not an id", i);
			return NULL;
		}
		ids[i] = json_integer_value(v);
	}
	*n = (int)json_array_size(a);
	return ids;
}

static int h_batch_create(api_req *r)
{
	static const char *const allowed[] = {"kind", "ms_ids", "params", NULL};
	json_t *j = body_object(r, allowed);
	char id[SKY_JOB_ID_LEN], *params = NULL;
	const char *kind;
	int64_t *ids = NULL;
	strata_db *db;
	int n = 0, bad, rc = 0;

	if (!j)
		return 0;
	if (!(kind = body_kind(r, j)) || !(ids = body_ms_ids(r, j, &n)) ||
	    ((params = body_params(r, j, &bad)), bad))
		goto done;
	for (int i = 0; i < n && !rc; i++)
		rc = ms_known(r, ids[i]);
	if (rc || (rc = api_db(r, &db)))
		goto done;
	if (!(rc = sky_batch_create(db, kind, ids, n, params, id)))
		rc = answer_created(r, 201, id, 1);
done:
	free(ids);
	free(params);
	json_decref(j);
	return rc > 0 ? 0 : rc;
}

/* Cancel every queued job of the batch (running ones are flagged). */
static int h_batch_cancel(api_req *r)
{
	strata_db_stmt *st;
	strata_db *db;
	char(*ids)[SKY_JOB_ID_LEN] = NULL;
	int n = 0, rc;

	if (check_uuid_param(r))
		return 0;
	if ((rc = api_db(r, &db)) ||
	    (rc = api_stmt(r,
	                   "SELECT COUNT(*) FROM batch_jobs"
	                   " WHERE id = ?",
	                   &st)) ||
	    (rc = strata_db_bind_text(st, 1, r->params[0])) || (rc = strata_db_step(st)) < 0)
		return rc;
	if (strata_db_column_int64(st, 0) == 0)
		return api_error(r, 404, "not_found", NULL, "batch %s not found", r->params[0]);
	if ((rc = api_stmt(r,
	                   "SELECT job_id FROM batch_items WHERE batch_id = ? AND status IN"
	                   " ('queued', 'running') AND job_id IS NOT NULL",
	                   &st)) ||
	    (rc = strata_db_bind_text(st, 1, r->params[0])))
		return rc;
	if (!(ids = malloc(BATCH_MAX_ITEMS * sizeof *ids)))
		return strata_error_set(STRATA_ENOMEM, "out of memory");
	while ((rc = strata_db_step(st)) == STRATA_DB_ROW && n < BATCH_MAX_ITEMS)
		snprintf(ids[n++], SKY_JOB_ID_LEN, "%s", strata_db_column_text(st, 0));
	strata_db_reset(st);
	for (int i = 0; i < n && rc >= 0; i++) {
		cancel_ctx c = {ids[i], "", 0};
		rc = strata_db_transaction(db, cancel_txn, &c, 0);
		if (rc == STRATA_EEXIST)
			rc = 0; /* finished meanwhile */
	}
	free(ids);
	return rc < 0 ? rc : answer_created(r, 202, r->params[0], 1);
}

/* --- calibration, QA, stats -------------------------------------------------------- */

static int h_calibration(api_req *r)
{
	api_query q;
	int64_t limit, offset;
	double at;
	int rc;

	if (api_paging(r, 100, &limit, &offset))
		return 0;
	q_select(&q, COLS(cal_cols), "", "cal_tables");
	if (f_text(r, &q, "set_name", "set_name = ?") < 0 ||
	    f_text(r, &q, "table_type", "table_type = ?") < 0 ||
	    f_text(r, &q, "status", "status = ?") < 0 ||
	    (rc = api_query_double(r, "valid_at", &at)) < 0) {
		strata_buf_free(&q.sql);
		return 0;
	}
	if (rc > 0) {
		q_where(&q, "valid_start_mjd <= ? AND valid_end_mjd >= ?");
		q_double(&q, at);
		q_double(&q, at);
	}
	return q_list(r, &q, COLS(cal_cols), "set_name, cal_order, id", limit, offset);
}

static int h_calibration_one(api_req *r)
{
	return q_detail(r, COLS(cal_cols), "cal_tables", "calibration table", 0);
}

static int h_qa(api_req *r)
{
	api_query q;
	int64_t limit, offset;

	if (api_paging(r, 100, &limit, &offset))
		return 0;
	q_select(&q, COLS(qa_cols), "", "qa");
	if (f_text(r, &q, "kind", "kind = ?") < 0 || f_text(r, &q, "grade", "grade = ?") < 0 ||
	    f_int(r, &q, "image_id", "image_id = ?") < 0 ||
	    f_int(r, &q, "cal_table_id", "cal_table_id = ?") < 0) {
		strata_buf_free(&q.sql);
		return 0;
	}
	return q_list(r, &q, COLS(qa_cols), "id DESC", limit, offset);
}

static int h_qa_one(api_req *r)
{
	return q_detail(r, COLS(qa_cols), "qa", "QA result", 0);
}

/* Append "name": [{key, count}] of a GROUP BY query. */
static int append_counts(api_req *r, strata_buf *out, const char *name, const char *sql)
{
	static const sky_col cols[] = {{"value", 't'}, {"count", 'i'}};
	strata_db_stmt *st;
	int n, more, rc;

	if ((rc = api_stmt(r, sql, &st)))
		return rc;
	strata_buf_printf(out, "\"%s\":", name);
	return api_rows(st, COLS(cols), out, 1000, &n, &more);
}

static int h_stats(api_req *r)
{
	static const char *totals =
	    "SELECT (SELECT COUNT(*) FROM ms), (SELECT COUNT(*) FROM images),"
	    " (SELECT COUNT(*) FROM sources), (SELECT COUNT(*) FROM cal_tables),"
	    " (SELECT COUNT(*) FROM jobs), (SELECT COUNT(*) FROM batch_jobs)";
	static const sky_col total_cols[] = {{"ms", 'i'},      {"images", 'i'},
	                                     {"sources", 'i'}, {"cal_tables", 'i'},
	                                     {"jobs", 'i'},    {"batch_jobs", 'i'}};
	strata_buf out = STRATA_BUF_INIT;
	strata_db_stmt *st;
	int n, more, rc;

	strata_buf_puts(&out, "{\"totals\":");
	if ((rc = api_stmt(r, totals, &st)) || (rc = strata_db_step(st)) != STRATA_DB_ROW ||
	    (rc = sky_json_row(&out, st, COLS(total_cols))) || (rc = strata_buf_putc(&out, ',')) ||
	    (rc = append_counts(r, &out, "ms_by_stage",
	                        "SELECT stage, COUNT(*) FROM ms GROUP BY stage ORDER BY stage")) ||
	    (rc = strata_buf_putc(&out, ',')) ||
	    (rc = append_counts(
	         r, &out, "ms_by_status",
	         "SELECT status, COUNT(*) FROM ms GROUP BY status ORDER BY status")) ||
	    (rc = strata_buf_putc(&out, ',')) ||
	    (rc = append_counts(
	         r, &out, "jobs_by_status",
	         "SELECT status, COUNT(*) FROM jobs GROUP BY status ORDER BY status")) ||
	    (rc = api_stmt(r,
	                   "SELECT id, path, ms_id, type, format, beam_major_arcsec,"
	                   " beam_minor_arcsec, beam_pa_deg, noise_jy, dynamic_range, pb_corrected,"
	                   " field, ra_deg, dec_deg, size_x, size_y, cell_arcsec, freq_hz,"
	                   " bandwidth_hz, integration_s, qa_grade, created_at FROM images"
	                   " ORDER BY created_at DESC, id DESC LIMIT 10",
	                   &st)) ||
	    (rc = strata_buf_puts(&out, ",\"recent_images\":")) ||
	    (rc = api_rows(st, COLS(image_cols), &out, 10, &n, &more))) {
		strata_buf_free(&out);
		return rc > 0 ? strata_error_set(STRATA_EDB, "stats query returned no row") : rc;
	}
	strata_buf_putc(&out, '}');
	return api_json(r, 200, &out);
}

/* --- the route table ---------------------------------------------------------- */

static const api_param p_detailed[] = {{"detailed", 'b', "add database and disk checks"},
                                       {NULL, 0, NULL}};
static const api_param p_images[] = {
    {"limit", 'i', "page size, 1..1000 (default 100)"},
    {"offset", 'i', "rows to skip, >= 0"},
    {"ms_id", 'i', "measurement set"},
    {"type", 't', "image type"},
    {"field", 't', "field name"},
    {"qa_grade", 't', "QA grade (excellent, good, marginal, poor)"},
    {"pb_corrected", 'b', "primary-beam corrected"},
    {"dec_min", 'n', "minimum centre declination (deg)"},
    {"dec_max", 'n', "maximum centre declination (deg)"},
    {"noise_max", 'n', "maximum noise (Jy)"},
    {"created_after", 'n', "created at or after (Unix s)"},
    {"created_before", 'n', "created before (Unix s)"},
    {NULL, 0, NULL}};
static const api_param p_ms[] = {{"limit", 'i', "page size, 1..1000 (default 100)"},
                                 {"offset", 'i', "rows to skip, >= 0"},
                                 {"stage", 't', "pipeline stage"},
                                 {"status", 't', "ok or failed"},
                                 {"group_id", 't', "observation group"},
                                 {"mjd_min", 'n', "minimum mid MJD"},
                                 {"mjd_max", 'n', "maximum mid MJD"},
                                 {NULL, 0, NULL}};
static const api_param p_sources[] = {{"limit", 'i', "page size, 1..1000 (default 100)"},
                                      {"offset", 'i', "rows to skip, >= 0"},
                                      {"name", 't', "source name"},
                                      {"min_detections", 'i', "minimum detections"},
                                      {"ra_min", 'n', "minimum RA (deg)"},
                                      {"ra_max", 'n', "maximum RA (deg)"},
                                      {"dec_min", 'n', "minimum Dec (deg)"},
                                      {"dec_max", 'n', "maximum Dec (deg)"},
                                      {NULL, 0, NULL}};
static const api_param p_lightcurve[] = {{"start_mjd", 'n', "first MJD (inclusive)"},
                                         {"end_mjd", 'n', "last MJD (inclusive)"},
                                         {"limit", 'i', "points, 1..10000 (default 1000)"},
                                         {"offset", 'i', "points to skip"},
                                         {NULL, 0, NULL}};
static const api_param p_variability[] = {{"start_mjd", 'n', "first MJD (inclusive)"},
                                          {"end_mjd", 'n', "last MJD (inclusive)"},
                                          {"flux", 't', "peak (default) or int"},
                                          {NULL, 0, NULL}};
static const api_param p_jobs[] = {{"limit", 'i', "page size, 1..1000 (default 100)"},
                                   {"offset", 'i', "rows to skip, >= 0"},
                                   {"status", 't', "job status"},
                                   {"kind", 't', "job kind"},
                                   {"ms_id", 'i', "measurement set"},
                                   {"batch_id", 't', "batch"},
                                   {NULL, 0, NULL}};
static const api_param p_logs[] = {{"lines", 'i', "lines from the end, 1..10000 (default 100)"},
                                   {NULL, 0, NULL}};
static const api_param p_batches[] = {{"limit", 'i', "page size, 1..1000 (default 100)"},
                                      {"offset", 'i', "rows to skip, >= 0"},
                                      {"status", 't', "batch state"},
                                      {"kind", 't', "job kind"},
                                      {NULL, 0, NULL}};
static const api_param p_cal[] = {{"limit", 'i', "page size, 1..1000 (default 100)"},
                                  {"offset", 'i', "rows to skip, >= 0"},
                                  {"set_name", 't', "calibration set"},
                                  {"table_type", 't', "table type (K, B, G, ...)"},
                                  {"status", 't', "active, superseded, ..."},
                                  {"valid_at", 'n', "valid at this MJD"},
                                  {NULL, 0, NULL}};
static const api_param p_qa[] = {{"limit", 'i', "page size, 1..1000 (default 100)"},
                                 {"offset", 'i', "rows to skip, >= 0"},
                                 {"kind", 't', "image or calibration"},
                                 {"grade", 't', "grade"},
                                 {"image_id", 'i', "image"},
                                 {"cal_table_id", 'i', "calibration table"},
                                 {NULL, 0, NULL}};
static const api_param p_cutout[] = {{"ra", 'n', "centre RA (deg), required"},
                                     {"dec", 'n', "centre Dec (deg), required"},
                                     {"size", 'n', "side (arcmin), default 10"},
                                     {NULL, 0, NULL}};
static const api_param p_thumb[] = {{"size", 'i', "longest side (pixels), 1..4096, default 256"},
                                    {"stretch", 't', "asinh (default) or zscale"},
                                    {NULL, 0, NULL}};

#define R SKY_SCOPE_READ
#define W SKY_SCOPE_WRITE

const api_route sky_api_routes[] = {
    {"GET", "/api/health", 0, h_health, "liveness", NULL, ""},
    {"GET", "/api/v1/health", 0, h_health_v1, "health, with database and disk checks", p_detailed,
     ""},
    {"GET", "/metrics", 0, h_metrics, "Prometheus metrics", NULL, ""},
    {"GET", "/api/v1/openapi.json", 0, h_openapi, "this API's OpenAPI document", NULL, ""},
    {"GET", "/api/v1/images", R, h_images, "list images (newest first)", p_images, ""},
    {"GET", "/api/v1/images/{id}", R, h_image, "one image", NULL, "i"},
    {"GET", "/api/v1/images/{id}/provenance", R, h_image_provenance,
     "an image's measurement set, sub-band files, calibration and QA", NULL, "i"},
    {"GET", "/api/v1/images/{id}/qa", R, h_image_qa, "an image's QA results", NULL, "i"},
    {"GET", "/api/v1/images/{id}/fits", R, h_image_fits, "download the FITS file", NULL, "i"},
    {"GET", "/api/v1/images/{id}/thumbnail", R, h_image_thumbnail, "PNG preview", p_thumb, "i"},
    {"GET", "/api/v1/images/{id}/cutout", R, h_image_cutout, "FITS cutout around a position",
     p_cutout, "i"},
    {"GET", "/api/v1/ms", R, h_ms_list, "list measurement sets", p_ms, ""},
    {"GET", "/api/v1/ms/{id}", R, h_ms, "one measurement set", NULL, "i"},
    {"GET", "/api/v1/ms/{id}/provenance", R, h_ms_provenance,
     "a set's files, calibration, images and jobs", NULL, "i"},
    {"GET", "/api/v1/ms/{id}/calibrator-matches", R, h_ms_calibrators,
     "active calibration tables valid at the set's mid time", NULL, "i"},
    {"GET", "/api/v1/sources", R, h_sources, "list sources", p_sources, ""},
    {"GET", "/api/v1/sources/{id}", R, h_source, "one source", NULL, "i"},
    {"GET", "/api/v1/sources/{id}/lightcurve", R, h_lightcurve, "a source's photometry by time",
     p_lightcurve, "i"},
    {"GET", "/api/v1/sources/{id}/variability", R, h_variability,
     "eta, V, chi2 and modulation index of a light curve", p_variability, "i"},
    {"GET", "/api/v1/jobs", R, h_jobs, "list jobs (newest first)", p_jobs, ""},
    {"POST", "/api/v1/jobs", W, h_job_create, "queue a job", NULL, ""},
    {"GET", "/api/v1/jobs/summary", R, h_jobs_summary, "job counts by status", NULL, ""},
    {"GET", "/api/v1/jobs/{id}", R, h_job, "one job", NULL, "u"},
    {"GET", "/api/v1/jobs/{id}/logs", R, h_job_logs, "the tail of a job's log", p_logs, "u"},
    {"POST", "/api/v1/jobs/{id}/rerun", W, h_job_rerun, "queue a finished job again", NULL, "u"},
    {"POST", "/api/v1/jobs/{id}/cancel", W, h_job_cancel, "cancel a job", NULL, "u"},
    {"GET", "/api/v1/batch", R, h_batches, "list batch jobs", p_batches, ""},
    {"POST", "/api/v1/batch", W, h_batch_create, "create a batch with its jobs", NULL, ""},
    {"GET", "/api/v1/batch/{id}", R, h_batch, "a batch and its items", NULL, "u"},
    {"POST", "/api/v1/batch/{id}/cancel", W, h_batch_cancel, "cancel a batch's open jobs", NULL,
     "u"},
    {"GET", "/api/v1/calibration", R, h_calibration, "list calibration tables", p_cal, ""},
    {"GET", "/api/v1/calibration/{id}", R, h_calibration_one, "one calibration table", NULL, "i"},
    {"GET", "/api/v1/qa", R, h_qa, "list QA results", p_qa, ""},
    {"GET", "/api/v1/qa/{id}", R, h_qa_one, "one QA result", NULL, "i"},
    {"GET", "/api/v1/stats", R, h_stats, "counts by stage and status, recent images", NULL, ""},
    {"GET", "/dashboard", 0, api_dashboard_page, "the dashboard page", NULL, ""},
    {"GET", "/dashboard.js", 0, api_dashboard_script, "the dashboard's script", NULL, ""},
    {"GET", "/dashboard.css", 0, api_dashboard_style, "the dashboard's stylesheet", NULL, ""},
};

const int sky_api_n_routes = (int)(sizeof sky_api_routes / sizeof sky_api_routes[0]);
