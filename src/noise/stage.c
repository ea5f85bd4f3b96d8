/* stage.c - selection, options and summary shared by the noise stages (see stage.h). */
#include "noise/stage.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "noise/catalog.h"
#include "strata/buf.h"
#include "strata/cmd.h"
#include "strata/error.h"

/* Whether name is one of list[0..n-1]; an empty list holds everything. */
static int listed(const char *const *list, size_t n, const char *name)
{
	if (!n)
		return 1;
	for (size_t i = 0; i < n; i++)
		if (!strcmp(list[i], name))
			return 1;
	return 0;
}

int noise_selection_has_component(const noise_selection *s, const char *network,
                                  const char *station, const char *component)
{
	char netsta[64];

	snprintf(netsta, sizeof netsta, "%s.%s", network, station);
	if (s->nstations && !listed(s->stations, s->nstations, station) &&
	    !listed(s->stations, s->nstations, netsta))
		return 0;
	return listed(s->components, s->ncomponents, component);
}

int noise_selection_has_timespan(const noise_selection *s, strata_time start, strata_time end)
{
	return start >= s->start && end <= s->end;
}

int noise_processed_dir(const char *given, const char *project, char *out, size_t outlen)
{
	const char *env = getenv("PROCESSED_DATA_DIR");
	char joined[PATH_MAX];
	int n;

	if (!given && env && *env)
		given = env;
	if (given)
		n = snprintf(joined, sizeof joined, "%s", given);
	else
		n = snprintf(joined, sizeof joined, "%s/processed-data",
		             noise_project_dir(project));
	if (n < 0 || (size_t)n >= sizeof joined)
		return strata_error_set(STRATA_ELIMIT, "processed-data directory path too long");
	if (joined[0] == '/')
		n = snprintf(out, outlen, "%s", joined);
	else {
		char cwd[PATH_MAX];
		if (!getcwd(cwd, sizeof cwd))
			return strata_error_set(STRATA_EIO, "current directory: %s",
			                        strerror(errno));
		n = snprintf(out, outlen, "%s/%s", cwd, joined);
	}
	if (n < 0 || (size_t)n >= outlen)
		return strata_error_set(STRATA_ELIMIT, "processed-data directory path too long");
	return 0;
}

int noise_params_lookup(strata_db *db, const char *kind, long long number, char id[37],
                        char **params_json)
{
	strata_db_stmt *st = NULL;
	int rc = strata_db_prepare(
	    db, "SELECT id, params_json FROM param_set WHERE kind = ? AND number = ?", &st);

	if (params_json)
		*params_json = NULL;
	if (!rc)
		rc = strata_db_bind_text(st, 1, kind);
	if (!rc)
		rc = strata_db_bind_int64(st, 2, number);
	if (!rc)
		rc = strata_db_step(st);
	if (rc == STRATA_DB_DONE)
		rc = strata_error_set(STRATA_ENOTFOUND,
		                      "no %s number %lld in the catalog (add it with `strata noise "
		                      "configs add-*` first)",
		                      kind, number);
	else if (rc == STRATA_DB_ROW) {
		snprintf(id, 37, "%s", strata_db_column_text(st, 0));
		rc = 0;
		if (params_json && !(*params_json = strdup(strata_db_column_text(st, 1))))
			rc = strata_error_set(STRATA_ENOMEM, "out of memory");
	}
	strata_db_finalize(st);
	return rc;
}

void noise_stage_cli_options(noise_stage_cli *c, strata_opt *opts)
{
	memset(c, 0, sizeof(*c));
	c->skip_existing = 1;
	c->parallel = 1;
	const strata_opt common[NOISE_STAGE_NOPTS] = {
	    {"catalog", NULL, STRATA_OPT_VALUE, &c->catalog},
	    {"project", NULL, STRATA_OPT_VALUE, &c->project},
	    {"processed-data-dir", NULL, STRATA_OPT_VALUE, &c->processed_dir},
	    {"startdate", "sd", STRATA_OPT_VALUE, &c->startdate},
	    {"enddate", "ed", STRATA_OPT_VALUE, &c->enddate},
	    {"params-id", "p", STRATA_OPT_VALUE, &c->params},
	    {"batch-size", "b", STRATA_OPT_VALUE, &c->batch},
	    {"workers", NULL, STRATA_OPT_VALUE, &c->workers},
	    {"station", "s", STRATA_OPT_LIST, &c->stations},
	    {"component", "c", STRATA_OPT_LIST, &c->components},
	    {"json", NULL, STRATA_OPT_FLAG, &c->json},
	    {"skip-existing", NULL, STRATA_OPT_FLAG, &c->skip_existing},
	    {"parallel", NULL, STRATA_OPT_FLAG, &c->parallel},
	    /* Noiz names -p after the parameter kind; all spellings mean the same. */
	    {"datachunk-params-id", NULL, STRATA_OPT_VALUE, &c->params},
	};
	memcpy(opts, common, sizeof common);
}

/* Parse a required date option into *t. */
static int parse_date(const char *prog, const char *opt, const char *text, strata_time *t)
{
	if (!text) {
		fprintf(stderr, "%s: %s is required\n", prog, opt);
		return STRATA_EXIT_USAGE;
	}
	if (strata_time_parse_iso8601(text, t) != 0) {
		fprintf(stderr, "%s: %s expects an ISO 8601 date or time, got %s\n", prog, opt,
		        text);
		return STRATA_EXIT_USAGE;
	}
	return 0;
}

/* The numeric options: -p, -b and --workers (with --no-parallel). */
static int parse_counts(const char *prog, const noise_stage_cli *c, noise_stage_opts *o)
{
	long long v = 1;
	int rc = 0;

	if (c->params && (rc = strata_args_long(prog, "-p", c->params, 1, INT32_MAX, &v)))
		return rc;
	o->params_number = v;
	v = 1000;
	if (c->batch && (rc = strata_args_long(prog, "-b", c->batch, 1, 1000000, &v)))
		return rc;
	o->batch_size = (size_t)v;
	v = c->parallel ? 0 : 1;
	if (c->workers && (rc = strata_args_long(prog, "--workers", c->workers, 0, 1024, &v)))
		return rc;
	o->workers = (int)v;
	return 0;
}

int noise_stage_cli_finish(const char *prog, const noise_stage_cli *c, noise_stage_opts *o,
                           strata_db **db)
{
	char url[PATH_MAX + 64];
	int rc;

	memset(o, 0, sizeof(*o));
	*db = NULL;
	if ((rc = parse_date(prog, "-sd/--startdate", c->startdate, &o->sel.start)) ||
	    (rc = parse_date(prog, "-ed/--enddate", c->enddate, &o->sel.end)) ||
	    (rc = parse_counts(prog, c, o)))
		return rc;
	o->sel.stations = c->stations.items;
	o->sel.nstations = c->stations.n;
	o->sel.components = c->components.items;
	o->sel.ncomponents = c->components.n;
	o->skip_existing = c->skip_existing;
	if (noise_processed_dir(c->processed_dir, c->project, o->processed_dir,
	                        sizeof o->processed_dir) ||
	    noise_catalog_url(c->catalog, c->project, url, sizeof url) ||
	    noise_catalog_open(url, db)) {
		fprintf(stderr, "%s: %s\n", prog, strata_error_message());
		return STRATA_EXIT_FAILURE;
	}
	return 0;
}

void noise_stage_summary_print(const char *what, const noise_stage_summary *s, int json,
                               strata_db *db)
{
	if (json)
		printf("{\"stage\":\"%s\",\"selected\":%zu,\"done\":%zu,\"existing\":%zu,"
		       "\"no_data\":%zu,\"failed\":%zu}\n",
		       what, s->selected, s->done, s->existing, s->no_data, s->failed);
	else
		printf(
		    "%s: %zu selected, %zu done, %zu already there, %zu without data, %zu failed "
		    "(catalog %s)\n",
		    what, s->selected, s->done, s->existing, s->no_data, s->failed,
		    strata_db_display_name(db));
}

int noise_stage_command(int argc, char **argv, const char *help, const char *what,
                        int skip_existing_default, const char *params_alias, noise_stage_fn stage)
{
	noise_stage_cli c;
	strata_opt opts[NOISE_STAGE_NOPTS + 1];
	noise_stage_opts o;
	noise_stage_summary sum;
	strata_db *db = NULL;
	size_t npos = 0, nopts = NOISE_STAGE_NOPTS;
	int rc;

	if (strata_cmd_wants_help(argc, argv)) {
		fputs(help, stdout);
		return STRATA_EXIT_OK;
	}
	noise_stage_cli_options(&c, opts);
	c.skip_existing = skip_existing_default;
	/* Noiz's name of -p for this command (the common options have
	 * --datachunk-params-id already). */
	if (params_alias)
		opts[nopts++] = (strata_opt){params_alias, NULL, STRATA_OPT_VALUE, &c.params};
	if ((rc = strata_args_parse(argv[0], argc, argv, opts, nopts, NULL, 0, &npos)) ||
	    (rc = noise_stage_cli_finish(argv[0], &c, &o, &db)))
		return rc;
	if (stage(db, &o, &sum) != 0) {
		fprintf(stderr, "%s: %s\n", argv[0], strata_error_message());
		strata_db_close(db);
		return STRATA_EXIT_FAILURE;
	}
	noise_stage_summary_print(what, &sum, c.json, db);
	strata_db_close(db);
	return sum.failed ? STRATA_EXIT_FAILURE : STRATA_EXIT_OK;
}

/* --- reading the catalog ------------------------------------------------------ */

void noise_column_copy(strata_db_stmt *st, int col, char *out, size_t outlen)
{
	const char *s = strata_db_column_text(st, col);

	snprintf(out, outlen, "%s", s ? s : "");
}

double noise_column_double(strata_db_stmt *st, int col)
{
	return strata_db_column_is_null(st, col) ? NAN : strata_db_column_double(st, col);
}

void *noise_grow(void *arr, size_t *cap, size_t n, size_t elem)
{
	size_t ncap;
	void *q;

	if (n < *cap)
		return arr;
	ncap = *cap ? *cap * 2 : 64;
	q = realloc(arr, ncap * elem);
	if (!q) {
		strata_error_set(STRATA_ENOMEM, "out of memory");
		return NULL;
	}
	*cap = ncap;
	return q;
}

int noise_selected_timespans_load(strata_db *db, const noise_selection *sel,
                                  noise_selected_timespan **ts, size_t *n)
{
	strata_db_stmt *st = NULL;
	size_t cap = 0;
	int rc = strata_db_prepare(db,
	                           "SELECT id, starttime_ns, endtime_ns FROM timespan "
	                           "WHERE starttime_ns >= ? AND endtime_ns <= ? "
	                           "ORDER BY starttime_ns, endtime_ns",
	                           &st);

	*ts = NULL;
	*n = 0;
	rc = rc ? rc : strata_db_bind_int64(st, 1, sel->start);
	rc = rc ? rc : strata_db_bind_int64(st, 2, sel->end);
	while (!rc && (rc = strata_db_step(st)) == STRATA_DB_ROW) {
		noise_selected_timespan *more = noise_grow(*ts, &cap, *n, sizeof **ts);
		if (!more) {
			rc = STRATA_ENOMEM;
			break;
		}
		*ts = more;
		noise_column_copy(st, 0, more[*n].id, sizeof more[*n].id);
		more[*n].start = strata_db_column_int64(st, 1);
		more[*n].end = strata_db_column_int64(st, 2);
		(*n)++;
		rc = 0;
	}
	strata_db_finalize(st);
	return rc == STRATA_DB_DONE ? 0 : rc;
}

/* Append the current row of st to out, read by read, when sel selects the
 * component in columns col..col+2. */
static int add_selected_row(strata_db_stmt *st, const noise_selection *sel, int col,
                            noise_row_read_fn read, void *ctx, noise_rows *out)
{
	void *more;
	char *row;
	int rc;

	if (!noise_selection_has_component(sel, strata_db_column_text(st, col),
	                                   strata_db_column_text(st, col + 1),
	                                   strata_db_column_text(st, col + 2)))
		return 0;
	if (!(more = noise_grow(out->items, &out->cap, out->n, out->size)))
		return STRATA_ENOMEM;
	out->items = more;
	row = (char *)more + out->n * out->size;
	memset(row, 0, out->size);
	if ((rc = read(st, row, ctx)))
		return rc;
	out->n++;
	return 0;
}

int noise_rows_select(strata_db *db, const char *sql, const char *const *texts, size_t ntexts,
                      const noise_selection *sel, int component_col, noise_row_read_fn read,
                      void *ctx, noise_rows *out)
{
	strata_db_stmt *st = NULL;
	int idx = 1, rc = strata_db_prepare(db, sql, &st);

	out->items = NULL;
	out->n = out->cap = 0;
	for (size_t i = 0; !rc && i < ntexts; i++)
		rc = strata_db_bind_text(st, idx++, texts[i]);
	rc = rc ? rc : strata_db_bind_int64(st, idx++, sel->start);
	rc = rc ? rc : strata_db_bind_int64(st, idx, sel->end);
	while (!rc && (rc = strata_db_step(st)) == STRATA_DB_ROW)
		rc = add_selected_row(st, sel, component_col, read, ctx, out);
	strata_db_finalize(st);
	return rc == STRATA_DB_DONE ? 0 : rc;
}

/* The query of noise_chunk_rows_load; its columns 0..8 are those
 * read_chunk_row reads. */
static int chunk_sql(const noise_chunk_query *q, char **sql)
{
	strata_buf b = STRATA_BUF_INIT;
	int rc = strata_buf_printf(
	    &b,
	    "SELECT d.id, d.timespan_id, d.filepath, c.network, c.station, c.component, "
	    "t.starttime_ns, t.endtime_ns, %s%s FROM datachunk d "
	    "JOIN component c ON c.id = d.component_id JOIN timespan t ON t.id = d.timespan_id%s",
	    q->result_table ? "r.id" : "NULL", q->extra_columns ? q->extra_columns : "",
	    q->extra_joins ? q->extra_joins : "");

	if (!rc && q->result_table)
		rc = strata_buf_printf(
		    &b, " LEFT JOIN %s r ON r.datachunk_id = d.id AND r.params_id = ?",
		    q->result_table);
	rc = rc ? rc
	        : strata_buf_puts(&b, " WHERE d.params_id = ? AND t.starttime_ns >= ? AND "
	                              "t.endtime_ns <= ? "
	                              "ORDER BY t.starttime_ns, c.network, c.station, "
	                              "c.component, d.id");
	if (rc) {
		strata_buf_free(&b);
		return strata_error_set(STRATA_ENOMEM, "out of memory");
	}
	*sql = strata_buf_detach(&b);
	return 0;
}

/* noise_row_read_fn of noise_chunk_rows_load: the common columns, then the
 * query's extra ones. */
static int read_chunk_row(strata_db_stmt *st, void *row, void *ctx)
{
	const noise_chunk_query *q = ctx;
	noise_chunk_row *k = row;
	const char *path = strata_db_column_text(st, 2);

	noise_column_copy(st, 0, k->id, sizeof k->id);
	noise_column_copy(st, 1, k->timespan_id, sizeof k->timespan_id);
	noise_column_copy(st, 3, k->network, sizeof k->network);
	noise_column_copy(st, 4, k->station, sizeof k->station);
	noise_column_copy(st, 5, k->component, sizeof k->component);
	k->ts_start = strata_db_column_int64(st, 6);
	k->ts_end = strata_db_column_int64(st, 7);
	k->has_result = !strata_db_column_is_null(st, 8);
	if (q->read_extra) {
		int rc = q->read_extra(st, row);
		if (rc)
			return rc;
	}
	if (!(k->filepath = strdup(path ? path : "")))
		return strata_error_set(STRATA_ENOMEM, "out of memory");
	return 0;
}

int noise_chunk_rows_load(strata_db *db, const noise_chunk_query *q, const noise_selection *sel,
                          noise_rows *out)
{
	const char *texts[2] = {q->result_params_id, q->datachunk_params_id};
	char *sql = NULL;
	int rc = chunk_sql(q, &sql);

	out->items = NULL;
	out->n = out->cap = 0;
	out->size = q->row_size;
	if (!rc)
		rc = noise_rows_select(db, sql, q->result_table ? texts : texts + 1,
		                       q->result_table ? 2 : 1, sel, 3, read_chunk_row, (void *)q,
		                       out);
	free(sql);
	return rc;
}

int noise_upsert_each(strata_db *db, const char *sql, size_t n, noise_bind_row_fn bind, void *ctx)
{
	strata_db_stmt *st = NULL;
	int rc = strata_db_prepare(db, sql, &st);

	for (size_t i = 0; !rc && i < n; i++) {
		char id[37];
		if ((rc = bind(st, i, ctx)) > 0) {
			rc = 0;
			continue;
		}
		rc = rc ? rc : noise_new_id(id);
		rc = rc ? rc : strata_db_bind_text(st, 1, id);
		rc = rc ? rc : strata_db_step(st);
		rc = rc < 0 ? rc : strata_db_reset(st);
	}
	strata_db_finalize(st);
	return rc;
}

noise_chunk_row *noise_chunk_row_at(const noise_rows *rows, size_t i)
{
	return (noise_chunk_row *)((char *)rows->items + i * rows->size);
}

void noise_chunk_rows_free(noise_rows *rows)
{
	for (size_t i = 0; i < rows->n; i++)
		free(noise_chunk_row_at(rows, i)->filepath);
	free(rows->items);
	rows->items = NULL;
	rows->n = rows->cap = 0;
}
