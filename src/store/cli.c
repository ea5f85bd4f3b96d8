/*
 * cli.c - `strata store write|append|read|list|delete|info`: the command
 * line over the item engine (strata/store.h) and CSV input (csv.h).
 *
 * Every failure is one stderr line "strata store <cmd>: <message>" and exit
 * status 1; a usage error exits 2.
 */
#include "cli.h"
#include "csv.h"
#include "jsonl.h"
#include "item_internal.h"
#include "layout.h"
#include "parquet.h"

#include "strata/args.h"
#include "strata/buf.h"
#include "strata/cmd.h"
#include "strata/error.h"
#include "strata/file.h"
#include "strata/store.h"
#include "strata/time.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define PATH_SZ     4096
#define MAX_FILTERS 64

/* Parsed command line of one command. */
typedef struct cli_args {
	const char *cmd;
	const char *root;
	const char *pos[3];
	size_t npos;
	const char *key, *metadata, *dup, *columns, *start, *end, *format, *head, *tail, *filter;
	const char *snapshot, *filter_json, *output, *input_format, *lock_timeout, *part_rows;
	const char *row_group_rows, *key2, *tz;
	const char *filters[STRATA_ARGS_LIST_MAX]; /* every --filter, in order */
	size_t nfilters;
	const char *zones[2 * MAX_FILTERS + 1]; /* every --tz as (column, zone) pairs */
	char zone_names[MAX_FILTERS][256];
	size_t nzones;
	int overwrite, json, stats;
	char root_buf[PATH_SZ];
} cli_args;

/* An item path split into its names. */
typedef struct item_ref {
	char store[STORE_NAME_MAX + 1];
	char coll[STORE_NAME_MAX + 1];
	char item[STORE_NAME_MAX + 1];
} item_ref;

static int usage_error(const char *cmd, const char *msg, const char *arg)
{
	fprintf(stderr, "strata store %s: %s%s%s\n", cmd, msg, arg ? " " : "", arg ? arg : "");
	return STRATA_EXIT_USAGE;
}

static int fail(const cli_args *a)
{
	fprintf(stderr, "strata store %s: %s\n", a->cmd, strata_error_message());
	return STRATA_EXIT_FAILURE;
}

/* Whether option name is in the comma-separated list allowed. */
static int allowed_opt(const char *allowed, const char *name)
{
	size_t n = strlen(name);
	for (const char *p = allowed; (p = strstr(p, name)); p += n)
		if ((p == allowed || p[-1] == ',') && (p[n] == ',' || p[n] == '\0'))
			return 1;
	return 0;
}

/* Add "COLUMN=ZONE" to a's zones; nonzero when malformed or too many. */
static int add_zone(cli_args *a, const char *arg)
{
	const char *eq = strchr(arg, '=');
	char *name;

	if (!eq || eq == arg || !eq[1] || a->nzones == MAX_FILTERS ||
	    (size_t)(eq - arg) >= sizeof a->zone_names[0])
		return 1;
	name = a->zone_names[a->nzones];
	memcpy(name, arg, (size_t)(eq - arg));
	name[eq - arg] = '\0';
	a->zones[2 * a->nzones] = name;
	a->zones[2 * a->nzones + 1] = eq + 1;
	a->nzones++;
	return 0;
}

/* Number of options store_options() knows. */
#define STORE_NOPTS 23

/* Fill opts with the options of allowed (plus --root) writing into *a and
 * the lists filters and zones; returns how many. */
static size_t store_options(cli_args *a, strata_opt_list *filters, strata_opt_list *zones,
                            const char *allowed, strata_opt *opts)
{
	const strata_opt all[STORE_NOPTS] = {
	    {"root", NULL, STRATA_OPT_VALUE, &a->root},
	    {"key", NULL, STRATA_OPT_VALUE, &a->key},
	    {"metadata", NULL, STRATA_OPT_VALUE, &a->metadata},
	    {"duplicates", NULL, STRATA_OPT_VALUE, &a->dup},
	    {"columns", NULL, STRATA_OPT_VALUE, &a->columns},
	    {"start", NULL, STRATA_OPT_VALUE, &a->start},
	    {"end", NULL, STRATA_OPT_VALUE, &a->end},
	    {"format", NULL, STRATA_OPT_VALUE, &a->format},
	    {"head", NULL, STRATA_OPT_VALUE, &a->head},
	    {"tail", NULL, STRATA_OPT_VALUE, &a->tail},
	    {"snapshot", NULL, STRATA_OPT_VALUE, &a->snapshot},
	    {"filter-json", NULL, STRATA_OPT_VALUE, &a->filter_json},
	    {"output", NULL, STRATA_OPT_VALUE, &a->output},
	    {"input-format", NULL, STRATA_OPT_VALUE, &a->input_format},
	    {"lock-timeout", NULL, STRATA_OPT_VALUE, &a->lock_timeout},
	    {"filter", NULL, STRATA_OPT_LIST, filters},
	    {"part-rows", NULL, STRATA_OPT_VALUE, &a->part_rows},
	    {"row-group-rows", NULL, STRATA_OPT_VALUE, &a->row_group_rows},
	    {"key2", NULL, STRATA_OPT_VALUE, &a->key2},
	    {"tz", NULL, STRATA_OPT_LIST, zones},
	    {"overwrite", NULL, STRATA_OPT_FLAG, &a->overwrite},
	    {"json", NULL, STRATA_OPT_FLAG, &a->json},
	    {"stats", NULL, STRATA_OPT_FLAG, &a->stats},
	};
	size_t n = 0;

	for (size_t i = 0; i < STORE_NOPTS; i++)
		if (!strcmp(all[i].name, "root") || allowed_opt(allowed, all[i].name))
			opts[n++] = all[i];
	return n;
}

/* Parse argv[1..] into a: options in allowed (plus --root), minpos..maxpos
 * positional arguments. Returns 0 or an exit status. */
static int parse_args(int argc, char **argv, const char *allowed, size_t minpos, size_t maxpos,
                      cli_args *a)
{
	strata_opt opts[STORE_NOPTS];
	strata_opt_list filters = {0}, zones = {0};
	char prog[96];
	int rc;

	memset(a, 0, sizeof(*a));
	a->cmd = argv[0];
	snprintf(prog, sizeof prog, "strata store %s", a->cmd);
	size_t nopts = store_options(a, &filters, &zones, allowed, opts);
	if ((rc = strata_args_parse(prog, argc, argv, opts, nopts, a->pos, maxpos, &a->npos)))
		return rc;
	for (size_t i = 0; i < filters.n; i++)
		a->filters[a->nfilters++] = a->filter = filters.items[i];
	for (size_t i = 0; i < zones.n; i++)
		if (add_zone(a, zones.items[i]))
			return usage_error(a->cmd, "--tz needs COLUMN=ZONE (at most 64), not",
			                   zones.items[i]);
	if (a->npos < minpos)
		return usage_error(a->cmd, "missing argument; see --help", NULL);
	if (a->root) {
		snprintf(a->root_buf, sizeof(a->root_buf), "%s", a->root);
	} else if (store_root(a->root_buf, sizeof(a->root_buf))) {
		fail(a);
		return STRATA_EXIT_FAILURE;
	}
	return 0;
}

/* Split "STORE/COLLECTION/ITEM" (nparts 3) or a prefix of it (nparts 1 or
 * 2) into r, checking every name. */
static int split_path(const char *path, size_t nparts, item_ref *r)
{
	char *dst[3] = {r->store, r->coll, r->item};
	static const char *const kinds[3] = {"store", "collection", "item"};
	const char *p = path;
	size_t n = 0;
	int rc;

	memset(r, 0, sizeof(*r));
	for (; n < 3; n++) {
		const char *slash = strchr(p, '/');
		size_t len = slash ? (size_t)(slash - p) : strlen(p);
		if (len > STORE_NAME_MAX)
			len = STORE_NAME_MAX + 1; /* too long: let the check say so */
		if ((rc = store_check_name_len(kinds[n], p, len)))
			return strata_error_wrap(rc, "item path \"%s\"", path);
		memcpy(dst[n], p, len < STORE_NAME_MAX ? len : STORE_NAME_MAX);
		if (!slash)
			break;
		p = slash + 1;
	}
	if (n + 1 != nparts)
		return strata_error_set(STRATA_EINVAL, "item path \"%s\": expected %s", path,
		                        nparts == 3 ? "STORE/COLLECTION/ITEM"
		                                    : "STORE or STORE/COLLECTION");
	return 0;
}

/* ---- CSV to table ------------------------------------------------------- */

enum { COL_INT, COL_DOUBLE, COL_BOOL, COL_STRING, COL_EMPTY };

/* s is a whole decimal integer that fits int64. */
static int parse_int(const char *s, int64_t *out)
{
	char *end;
	if (!(*s == '-' || *s == '+' || (*s >= '0' && *s <= '9')))
		return 0;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno || *end)
		return 0;
	*out = v;
	return 1;
}

/* s is a whole finite decimal number (no hex, no "nan"/"inf"). */
static int parse_double(const char *s, double *out)
{
	char *end;
	if (!(*s == '-' || *s == '+' || *s == '.' || (*s >= '0' && *s <= '9')) ||
	    strpbrk(s, "xXnNiI"))
		return 0;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || *end || !isfinite(v))
		return 0;
	*out = v;
	return 1;
}

static int parse_bool(const char *s, uint8_t *out)
{
	if (!strcmp(s, "true") || !strcmp(s, "True") || !strcmp(s, "TRUE"))
		*out = 1;
	else if (!strcmp(s, "false") || !strcmp(s, "False") || !strcmp(s, "FALSE"))
		*out = 0;
	else
		return 0;
	return 1;
}

/* The narrowest type that holds every non-empty cell of column j. */
static int infer_type(const store_csv *c, size_t j)
{
	int can_int = 1, can_dbl = 1, can_bool = 1, any = 0;
	int64_t i64;
	double d;
	uint8_t b;

	for (size_t i = 0; i < c->nrows; i++) {
		const char *s = store_csv_cell(c, i, j);
		if (!*s)
			continue;
		any = 1;
		can_int = can_int && parse_int(s, &i64);
		can_dbl = can_dbl && parse_double(s, &d);
		can_bool = can_bool && parse_bool(s, &b);
	}
	if (!any)
		return COL_EMPTY;
	return can_int ? COL_INT : can_dbl ? COL_DOUBLE : can_bool ? COL_BOOL : COL_STRING;
}

/* The type an append batch's column should have: the item's column type
 * (from its manifest's "columns", or NULL) where the cells allow it (an int
 * column of a double item column, an empty column, numbers of a string
 * column), else the inferred one. */
static int column_kind(const store_csv *c, size_t j, const json_t *schema)
{
	static const char *const names[] = {"INT64", "DOUBLE", "BOOL", "STRING"};
	int kind = infer_type(c, j), hint = -1;
	const json_t *col;
	size_t i;

	json_array_foreach(schema, i, col)
	{
		if (strcmp(json_string_value(json_object_get(col, "name")) ?: "", c->cells[j]) != 0)
			continue;
		for (int k = 0; k < 4; k++)
			if (!strcmp(json_string_value(json_object_get(col, "type")) ?: "",
			            names[k]))
				hint = k;
	}
	if (hint == COL_STRING || (kind == COL_EMPTY && hint >= 0) ||
	    (hint == COL_DOUBLE && kind == COL_INT))
		return hint;
	return kind == COL_EMPTY ? COL_STRING : kind;
}

/* Add column j of c to t as a typed, nullable column (see column_kind). */
static int add_typed(strata_pq_table *t, const store_csv *c, size_t j, const json_t *schema)
{
	static const strata_pq_type types[] = {STRATA_PQ_INT64, STRATA_PQ_DOUBLE, STRATA_PQ_BOOL};
	int kind = column_kind(c, j, schema);
	size_t n = c->nrows;
	const char *name = c->cells[j];
	int rc, nulls = 0;

	if (kind == COL_STRING) {
		const char **strs = calloc(n ? n : 1, sizeof(*strs));
		if (!strs)
			return strata_error_set(STRATA_ENOMEM, "column %s: out of memory", name);
		for (size_t i = 0; i < n; i++) {
			const char *s = store_csv_cell(c, i, j);
			strs[i] = *s ? s : NULL;
		}
		rc = strata_pq_table_add_strings(t, name, strs, 1);
		free(strs);
		return rc;
	}
	uint8_t *valid = calloc(n / 8 + 1, 1);
	void *vals = calloc(n ? n : 1, 8);
	int64_t *ints = vals;
	double *dbls = vals;
	uint8_t *bools = vals;
	if (!valid || !vals) {
		free(valid);
		free(vals);
		return strata_error_set(STRATA_ENOMEM, "column %s: out of memory", name);
	}
	for (size_t i = 0; i < n; i++) {
		const char *s = store_csv_cell(c, i, j);
		if (!*s) {
			nulls = 1;
			continue;
		}
		valid[i / 8] |= (uint8_t)(1u << (i % 8));
		if (kind == COL_INT)
			parse_int(s, ints + i);
		else if (kind == COL_DOUBLE)
			parse_double(s, dbls + i);
		else
			parse_bool(s, bools + i);
	}
	rc = strata_pq_table_add(t, name, types[kind], vals, nulls ? valid : NULL, NULL);
	free(valid);
	free(vals);
	return rc;
}

/* The index of the key column: --key, else "index"/"timestamp"/"time",
 * else the first column. */
static int find_key(const char *file, const store_csv *c, const char *key, size_t *out)
{
	static const char *const defaults[] = {"index", "timestamp", "time"};

	for (size_t j = 0; key && j < c->ncols; j++)
		if (!strcmp(c->cells[j], key))
			return (int)(*out = j, 0);
	if (key)
		return strata_error_set(STRATA_ENOTFOUND, "%s: no column named %s", file, key);
	*out = 0;
	for (size_t d = 0; d < 3; d++)
		for (size_t j = 0; j < c->ncols; j++)
			if (!strcmp(c->cells[j], defaults[d]))
				return (int)(*out = j, 0);
	return 0;
}

/* Add the key column (j) parsed as ISO 8601 timestamps. */
static int add_key(strata_pq_table *t, const char *file, const store_csv *c, size_t j)
{
	int64_t *keys = calloc(c->nrows ? c->nrows : 1, sizeof(*keys));
	int rc = 0;

	if (!keys)
		return strata_error_set(STRATA_ENOMEM, "%s: out of memory", file);
	for (size_t i = 0; i < c->nrows && !rc; i++) {
		size_t cell = (i + 1) * c->ncols + j;
		if ((rc = strata_time_parse_iso8601(c->cells[cell], &keys[i])))
			strata_error_wrap(rc, "%s:%u:%u: key column %s", file,
			                  (unsigned)c->line[cell], (unsigned)c->col[cell],
			                  c->cells[j]);
	}
	if (!rc)
		rc = strata_pq_table_add(t, c->cells[j], STRATA_PQ_TIMESTAMP, keys, NULL, NULL);
	free(keys);
	return rc;
}

/* Refuse empty and repeated column names. */
static int check_header(const char *file, const store_csv *c)
{
	for (size_t j = 0; j < c->ncols; j++) {
		if (!*c->cells[j])
			return strata_error_set(STRATA_EPARSE, "%s:1:%u: empty column name", file,
			                        (unsigned)c->col[j]);
		for (size_t k = 0; k < j; k++)
			if (!strcmp(c->cells[j], c->cells[k]))
				return strata_error_set(STRATA_EPARSE,
				                        "%s:1:%u: repeated column name %s", file,
				                        (unsigned)c->col[j], c->cells[j]);
	}
	return 0;
}

/* The input format of file: --input-format, else by its extension. */
static int input_format(const char *file, const char *fmt, const char **out)
{
	static const char *const exts[][2] = {{".jsonl", "jsonl"},
	                                      {".ndjson", "jsonl"},
	                                      {".json", "jsonl"},
	                                      {".parquet", "parquet"},
	                                      {".csv", "csv"}};
	size_t flen = strlen(file);

	if (fmt) {
		if (strcmp(fmt, "csv") != 0 && strcmp(fmt, "jsonl") != 0 &&
		    strcmp(fmt, "parquet") != 0)
			return strata_error_set(
			    STRATA_EINVAL, "--input-format must be csv, jsonl or parquet, not %s",
			    fmt);
		*out = fmt;
		return 0;
	}
	*out = "csv";
	for (size_t i = 0; i < sizeof(exts) / sizeof(exts[0]); i++) {
		size_t elen = strlen(exts[i][0]);
		if (flen > elen && !strcmp(file + flen - elen, exts[i][0]))
			*out = exts[i][1];
	}
	return 0;
}

/* Type the cells c of file (CSV or JSON lines) into t. */
static int cells_to_table(const char *file, store_csv *c, const char *key, const json_t *schema,
                          strata_pq_table *t, char **key_name)
{
	size_t kj = 0;
	int rc;

	strata_pq_table_init(t, c->nrows);
	if (!(rc = check_header(file, c)) && !(rc = find_key(file, c, key, &kj)) &&
	    !(rc = add_key(t, file, c, kj)))
		for (size_t j = 0; j < c->ncols && !rc; j++)
			if (j != kj)
				rc = add_typed(t, c, j, schema);
	if (!rc && !(*key_name = strdup(c->cells[kj])))
		rc = strata_error_set(STRATA_ENOMEM, "%s: out of memory", file);
	if (rc)
		strata_pq_table_free(t);
	return rc;
}

/* The key column of a Parquet table: key, else pandas' first index column,
 * else the first timestamp column. */
static long parquet_key(const char *file, strata_pq_file *f, const strata_pq_table *t,
                        const char *key)
{
	json_t *pd = NULL;
	const char *want = key;
	long found = -1;

	if (!want && strata_parquet_kv_get(f, "pandas")) {
		pd = json_loads(strata_parquet_kv_get(f, "pandas"), 0, NULL);
		want = json_string_value(json_array_get(json_object_get(pd, "index_columns"), 0));
	}
	for (size_t j = 0; j < t->ncols && found < 0; j++)
		if (want ? !strcmp(t->cols[j].name, want) : t->cols[j].type == STRATA_PQ_TIMESTAMP)
			found = (long)j;
	json_decref(pd);
	if (found < 0)
		strata_error_set(STRATA_ENOTFOUND, "%s: no key column%s%s", file, want ? " " : "",
		                 want ? want : " (no timestamp column)");
	return found;
}

/* Convert timestamp column c to nanoseconds. */
static int to_nanos(const char *file, strata_pq_column *c, size_t n)
{
	int64_t scale = c->unit == STRATA_PQ_MILLIS   ? 1000000
	                : c->unit == STRATA_PQ_MICROS ? 1000
	                                              : 1;
	int64_t *v = c->values;

	for (size_t i = 0; scale > 1 && i < n; i++) {
		if (v[i] > INT64_MAX / scale || v[i] < INT64_MIN / scale)
			return strata_error_set(STRATA_ELIMIT,
			                        "%s: column %s row %zu: time out of range", file,
			                        c->name, i);
		v[i] *= scale;
	}
	c->unit = STRATA_PQ_NANOS;
	return 0;
}

/* Read a Parquet file into t; the key column is made nanoseconds. */
static int load_parquet(const char *file, const char *key, strata_pq_table *t, char **key_name)
{
	strata_pq_file *f;
	long kj;
	int rc;

	if ((rc = strata_parquet_open(file, &f)))
		return rc;
	rc = strata_parquet_read(f, NULL, 0, NULL, 0, t);
	kj = rc ? -1 : parquet_key(file, f, t, key);
	strata_parquet_close(f);
	if (!rc && kj < 0)
		rc = STRATA_ENOTFOUND;
	if (!rc && t->cols[kj].type != STRATA_PQ_TIMESTAMP)
		rc = strata_error_set(STRATA_ESCHEMA, "%s: key column %s is not a timestamp", file,
		                      t->cols[kj].name);
	if (!rc)
		rc = to_nanos(file, &t->cols[kj], t->nrows);
	if (!rc && !(*key_name = strdup(t->cols[kj].name)))
		rc = strata_error_set(STRATA_ENOMEM, "%s: out of memory", file);
	if (rc)
		strata_pq_table_free(t);
	return rc;
}

/* Read file (CSV, JSON lines or Parquet; see input_format) into t, typing
 * text columns as column_kind says; *key_name is a copy of the key column's
 * name. */
static int load_input(const char *file, const char *fmt, const char *key, const json_t *schema,
                      strata_pq_table *t, char **key_name)
{
	store_csv c;
	char *data = NULL;
	size_t len = 0;
	int rc;

	*key_name = NULL;
	if ((rc = input_format(file, fmt, &fmt)))
		return rc;
	if (!strcmp(fmt, "parquet"))
		return load_parquet(file, key, t, key_name);
	if ((rc = strata_file_read_all(file, 0, &data, &len)))
		return rc;
	rc = !strcmp(fmt, "jsonl") ? store_jsonl_parse(file, data, len, &c)
	                           : store_csv_parse(file, data, len, 0, &c);
	free(data);
	if (rc)
		return rc;
	rc = cells_to_table(file, &c, key, schema, t, key_name);
	store_csv_free(&c);
	return rc;
}

/* ---- write, append ------------------------------------------------------ */

/* The manifest of plain PyStore item folder dir as JSON. */
static int load_plain_manifest(const char *dir, const char *path, json_t **out)
{
	manifest m;
	int rc = store_pystore_manifest(dir, &m);

	if (rc)
		return strata_error_wrap(rc, "item %s", path);
	*out = store_manifest_json(&m);
	store_manifest_free(&m);
	return *out ? 0 : strata_error_set(STRATA_ENOMEM, "out of memory");
}

/* Load the manifest.json of the item folder dir (path names it). */
static int load_manifest(const char *dir, const char *path, json_t **out)
{
	char file[PATH_SZ * 2 + 32];
	json_error_t jerr;
	struct stat st;

	*out = NULL;
	if (stat(dir, &st) || !S_ISDIR(st.st_mode))
		return strata_error_set(STRATA_ENOTFOUND, "item %s not found", path);
	if (store_is_plain_item_dir(dir)) /* written by PyStore: built from its parts */
		return load_plain_manifest(dir, path, out);
	snprintf(file, sizeof(file), "%s/manifest.json", dir);
	if (!(*out = json_load_file(file, 0, &jerr)) || !json_is_object(*out)) {
		json_decref(*out);
		*out = NULL;
		return strata_error_set(STRATA_EUNSUPPORTED, "item %s: no strata manifest (%s: %s)",
		                        path, file, jerr.text);
	}
	return 0;
}

/* Parse a non-negative integer option value. */
static int parse_size_opt(const char *s, size_t *out)
{
	int64_t v;
	if (!parse_int(s, &v) || v < 0)
		return 0;
	*out = (size_t)v;
	return 1;
}

/* The writer options: --part-rows, --row-group-rows, --lock-timeout (ms;
 * -1: fail at once). Returns 0 or a usage exit status. */
static int writer_options(const cli_args *a, strata_store_options *o)
{
	int64_t ms = 0;

	memset(o, 0, sizeof(*o));
	if (a->part_rows && (!parse_size_opt(a->part_rows, &o->part_rows) || !o->part_rows))
		return usage_error(a->cmd, "--part-rows needs a positive row count, not",
		                   a->part_rows);
	if (a->row_group_rows &&
	    (!parse_size_opt(a->row_group_rows, &o->row_group_rows) || !o->row_group_rows))
		return usage_error(a->cmd, "--row-group-rows needs a positive row count, not",
		                   a->row_group_rows);
	if (a->lock_timeout && (!parse_int(a->lock_timeout, &ms) || ms < -1))
		return usage_error(a->cmd, "--lock-timeout needs milliseconds (or -1), not",
		                   a->lock_timeout);
	/* 0 means "wait as long as it takes" in the API: --lock-timeout 0 fails at once. */
	o->lock_timeout_ms = a->lock_timeout ? (ms <= 0 ? -1 : (long)ms) : 0;
	return 0;
}

#define WRITER_OPTS "input-format,lock-timeout,part-rows,row-group-rows"

int store_cmd_write(int argc, char **argv)
{
	strata_store_options opts;
	cli_args a;
	item_ref r;
	strata_pq_table t;
	char *key = NULL;
	int rc;

	if (strata_cmd_wants_help(argc, argv)) {
		printf(
		    "usage: strata store write STORE/COLLECTION/ITEM FILE [--key COLUMN]\n"
		    "          [--key2 COLUMN] [--tz COLUMN=ZONE]...\n"
		    "          [--overwrite] [--metadata JSON] [--input-format csv|jsonl|parquet]\n"
		    "          [--part-rows N] [--row-group-rows N] [--lock-timeout MS] [--root "
		    "DIR]\n"
		    "Write a new item from a CSV, JSON lines or Parquet file (format from the\n"
		    "extension .csv/.jsonl/.ndjson/.json/.parquet unless given). The key column\n"
		    "(--key, else index/timestamp/time, else the first) holds ISO 8601 times;\n"
		    "other columns become int64, double, bool or string; empty cells are null.\n"
		    "--key2 names a string column completing the key (timestamp, string);\n"
		    "--tz COLUMN=ZONE keeps the time zone of a timestamp column (default UTC).\n");
		return 0;
	}
	if ((rc =
	         parse_args(argc, argv, "key,key2,tz,overwrite,metadata," WRITER_OPTS, 2, 2, &a)) ||
	    (rc = writer_options(&a, &opts)))
		return rc;
	opts.key2_column = a.key2;
	opts.timezones = a.nzones ? a.zones : NULL;
	if (split_path(a.pos[0], 3, &r) ||
	    load_input(a.pos[1], a.input_format, a.key, NULL, &t, &key))
		return fail(&a);
	rc = strata_store_write(a.root_buf, r.store, r.coll, r.item, &t, key, a.metadata,
	                        a.overwrite, &opts);
	strata_pq_table_free(&t);
	free(key);
	return rc ? fail(&a) : 0;
}

/* Map a --duplicates value. */
static int parse_dup(const char *s, strata_store_dup *out)
{
	static const char *const names[] = {"keep_last", "keep_first", "keep_all", "error"};
	for (int i = 0; i < 4; i++)
		if (!strcmp(s, names[i]))
			return (int)(*out = (strata_store_dup)i, 1);
	return 0;
}

int store_cmd_append(int argc, char **argv)
{
	strata_store_options opts;
	cli_args a;
	item_ref r;
	strata_pq_table t;
	strata_store_dup dup = STRATA_STORE_KEEP_LAST;
	char dir[PATH_SZ * 2], *key = NULL;
	json_t *m = NULL;
	int rc;

	if (strata_cmd_wants_help(argc, argv)) {
		printf(
		    "usage: strata store append STORE/COLLECTION/ITEM FILE\n"
		    "          [--key COLUMN] [--duplicates keep_last|keep_first|keep_all|error]\n"
		    "          [--input-format csv|jsonl|parquet] [--part-rows N]\n"
		    "          [--row-group-rows N] [--lock-timeout MS] [--root DIR]\n"
		    "Append rows to an item; rows are matched by key (default keep_last).\n"
		    "A second writer waits for the first; --lock-timeout MS gives up after MS\n"
		    "milliseconds (0: at once) with exit status 1.\n");
		return 0;
	}
	if ((rc = parse_args(argc, argv, "key,duplicates," WRITER_OPTS, 2, 2, &a)) ||
	    (rc = writer_options(&a, &opts)))
		return rc;
	if (a.dup && !parse_dup(a.dup, &dup))
		return usage_error(a.cmd, "unknown --duplicates mode", a.dup);
	if (split_path(a.pos[0], 3, &r))
		return fail(&a);
	/* Type the batch like the item; a missing item is reported by the append. */
	snprintf(dir, sizeof(dir), "%s/%s/%s/%s", a.root_buf, r.store, r.coll, r.item);
	if (load_manifest(dir, a.pos[0], &m))
		strata_error_clear();
	rc = load_input(a.pos[1], a.input_format, a.key, json_object_get(m, "columns"), &t, &key);
	json_decref(m);
	if (rc)
		return fail(&a);
	rc = strata_store_append(a.root_buf, r.store, r.coll, r.item, &t, dup, &opts);
	strata_pq_table_free(&t);
	free(key);
	return rc ? fail(&a) : 0;
}

/* ---- read --------------------------------------------------------------- */

/* Output options of read. */
typedef struct read_out {
	int json;
	strata_buf scratch; /* a NUL-terminated copy of one string value */
} read_out;

/* Append s as a CSV field, quoted when it holds a separator or quote. */
static int csv_field(strata_buf *b, const char *s, size_t len)
{
	int rc = 0;
	if (!memchr(s, ',', len) && !memchr(s, '"', len) && !memchr(s, '\n', len) &&
	    !memchr(s, '\r', len))
		return strata_buf_append(b, s, len);
	rc = strata_buf_putc(b, '"');
	for (size_t i = 0; i < len && !rc; i++)
		rc = s[i] == '"' ? strata_buf_puts(b, "\"\"") : strata_buf_putc(b, s[i]);
	return rc ? rc : strata_buf_putc(b, '"');
}

/* Append a double: shortest round-trip; in CSV always with a '.' or an
 * exponent so that it reads back as a double. */
static int put_double(strata_buf *b, double v, int json)
{
	size_t start = b->len;
	int rc;

	if (!json && !isfinite(v))
		return strata_buf_puts(b, isnan(v) ? "nan" : v > 0 ? "inf" : "-inf");
	if ((rc = strata_buf_json_double(b, v)))
		return rc;
	if (!json && !strpbrk(b->data + start, ".e"))
		rc = strata_buf_puts(b, ".0");
	return rc;
}

/* Append a timestamp of column c (any unit) as ISO 8601 with 9 digits. */
static int put_time(strata_buf *b, const strata_pq_column *c, int64_t v, int json)
{
	static const int64_t scale[] = {1, 1000, 1000000};
	char text[40];

	if (v > INT64_MAX / scale[c->unit] || v < INT64_MIN / scale[c->unit] ||
	    strata_time_format_iso8601(v * scale[c->unit], 9, text, sizeof(text)) < 0)
		snprintf(text, sizeof(text), "%" PRId64, v);
	return json ? strata_buf_printf(b, "\"%s\"", text) : strata_buf_puts(b, text);
}

/* Append a string value. */
static int put_string(strata_buf *b, const strata_pq_column *c, size_t i, read_out *o)
{
	const char *s = c->bytes + c->offsets[i];
	size_t len = (size_t)(c->offsets[i + 1] - c->offsets[i]);
	int rc;

	if (!o->json)
		return csv_field(b, s, len);
	strata_buf_reset(&o->scratch);
	if ((rc = strata_buf_append(&o->scratch, s, len)))
		return rc;
	return strata_buf_json_string(b, strata_buf_cstr(&o->scratch));
}

/* Append row i of column c; nulls are empty (CSV) or null (JSON). */
static int put_value(strata_buf *b, const strata_pq_column *c, size_t i, read_out *o)
{
	if (!strata_pq_is_valid(c, i))
		return o->json ? strata_buf_puts(b, "null") : 0;
	switch (c->type) {
	case STRATA_PQ_UINT32:
		return strata_buf_printf(b, "%" PRIu32, (uint32_t)((int32_t *)c->values)[i]);
	case STRATA_PQ_INT64: return strata_buf_printf(b, "%" PRId64, ((int64_t *)c->values)[i]);
	case STRATA_PQ_UINT64:
		return strata_buf_printf(b, "%" PRIu64, (uint64_t)((int64_t *)c->values)[i]);
	case STRATA_PQ_TIMESTAMP: return put_time(b, c, ((int64_t *)c->values)[i], o->json);
	case STRATA_PQ_FLOAT: return put_double(b, ((float *)c->values)[i], o->json);
	case STRATA_PQ_DOUBLE: return put_double(b, ((double *)c->values)[i], o->json);
	case STRATA_PQ_BOOL:
		return strata_buf_puts(b, ((uint8_t *)c->values)[i] ? "true" : "false");
	case STRATA_PQ_STRING: return put_string(b, c, i, o);
	default: return strata_buf_printf(b, "%" PRId32, ((int32_t *)c->values)[i]);
	}
}

/* Append row i of t as a CSV record or a JSON object line. */
static int put_row(strata_buf *b, const strata_pq_table *t, size_t i, read_out *o)
{
	int rc = o->json ? strata_buf_putc(b, '{') : 0;

	for (size_t j = 0; j < t->ncols && !rc; j++) {
		if (j && (rc = strata_buf_putc(b, ',')))
			break;
		if (o->json && ((rc = strata_buf_json_string(b, t->cols[j].name)) ||
		                (rc = strata_buf_putc(b, ':'))))
			break;
		rc = put_value(b, &t->cols[j], i, o);
	}
	if (!rc && o->json)
		rc = strata_buf_putc(b, '}');
	return rc ? rc : strata_buf_putc(b, '\n');
}

/* Write rows [lo, hi) of t to stdout (CSV with a header, or JSON lines). */
static int print_rows(const strata_pq_table *t, size_t lo, size_t hi, int json)
{
	read_out o = {json, STRATA_BUF_INIT};
	strata_buf b = STRATA_BUF_INIT;
	int rc = 0;

	for (size_t j = 0; !json && j < t->ncols && !rc; j++)
		if (!(rc = j ? strata_buf_putc(&b, ',') : 0))
			rc = csv_field(&b, t->cols[j].name, strlen(t->cols[j].name));
	if (!json && !rc)
		rc = strata_buf_putc(&b, '\n');
	for (size_t i = lo; i < hi && !rc; i++) {
		rc = put_row(&b, t, i, &o);
		if (!rc && (b.len >= 65536 || i + 1 == hi)) {
			if (fwrite(b.data, 1, b.len, stdout) != b.len)
				rc = strata_error_set_errno("stdout");
			strata_buf_reset(&b);
		}
	}
	if (!rc && b.len && fwrite(b.data, 1, b.len, stdout) != b.len)
		rc = strata_error_set_errno("stdout");
	if (!rc && fflush(stdout))
		rc = strata_error_set_errno("stdout");
	strata_buf_free(&b);
	strata_buf_free(&o.scratch);
	return rc;
}

/* Parse a non-negative row count. */
static int parse_count(const char *s, size_t *out)
{
	int64_t v;
	if (!parse_int(s, &v) || v < 0)
		return 0;
	*out = (size_t)v;
	return 1;
}

/* Split "a,b,c" into a NULL-terminated array pointing into a copy. */
static char **split_columns(const char *list, char **copy)
{
	size_t n = 2;
	char **cols;

	for (const char *p = list; *p; p++)
		n += *p == ',';
	*copy = strdup(list);
	cols = calloc(n, sizeof(*cols));
	if (!*copy || !cols) {
		free(*copy);
		free(cols);
		*copy = NULL;
		return NULL;
	}
	n = 0;
	for (char *save = NULL, *tok = strtok_r(*copy, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save))
		cols[n++] = tok;
	return cols;
}

/* Check read's option values: times, counts and format (csv, jsonl and,
 * when parquet_ok, parquet). */
static int read_options(cli_args *a, strata_store_read_options *o, int parquet_ok)
{
	strata_store_read_options_init(o);
	if (a->format && strcmp(a->format, "csv") != 0 && strcmp(a->format, "jsonl") != 0 &&
	    (!parquet_ok || strcmp(a->format, "parquet") != 0))
		return usage_error(a->cmd,
		                   parquet_ok ? "--format must be csv, jsonl or parquet, not"
		                              : "--format must be csv or jsonl, not",
		                   a->format);
	if ((a->head && !parse_count(a->head, &o->head)) ||
	    (a->tail && !parse_count(a->tail, &o->tail)))
		return usage_error(a->cmd, "--head/--tail need a row count, not",
		                   a->head && !parse_count(a->head, &o->head) ? a->head : a->tail);
	if ((a->start && strata_time_parse_iso8601(a->start, &o->start)) ||
	    (a->end && strata_time_parse_iso8601(a->end, &o->end))) {
		fprintf(stderr, "strata store %s: %s\n", a->cmd, strata_error_message());
		return STRATA_EXIT_USAGE;
	}
	a->json = a->format && !strcmp(a->format, "jsonl");
	o->snapshot = a->snapshot;
	return 0;
}

/* The filter of --filter-json (an OR of ANDs or one AND list) and every
 * --filter expression (ANDed to each group). *f stays NULL without any. */
static int build_filter(const cli_args *a, strata_store_filter **f)
{
	int rc = 0;

	*f = NULL;
	if (a->filter_json && (rc = strata_store_filter_parse_json(a->filter_json, f)))
		return usage_error(a->cmd, strata_error_message(), NULL);
	for (size_t i = 0; !rc && i < a->nfilters; i++)
		if ((rc = strata_store_filter_add_expr(f, a->filters[i]))) {
			strata_store_filter_free(*f);
			*f = NULL;
			return usage_error(a->cmd, strata_error_message(), NULL);
		}
	return 0;
}

/* Everything a read-like command needs, parsed; free with selection_free. */
typedef struct selection {
	item_ref r;
	strata_store_read_options o;
	strata_store_read_stats st;
	strata_store_filter *filter;
	char *copy, **cols;
} selection;

static void selection_free(selection *s)
{
	strata_store_filter_free(s->filter);
	free(s->cols);
	free(s->copy);
}

/* Parse the options of read/head/tail/export into s (0 or an exit status). */
static int selection_parse(cli_args *a, selection *s, int parquet_ok)
{
	int rc;

	memset(s, 0, sizeof(*s));
	if ((rc = read_options(a, &s->o, parquet_ok)) || (rc = build_filter(a, &s->filter)))
		return rc;
	if (split_path(a->pos[0], 3, &s->r))
		return fail(a);
	if (a->columns && !(s->cols = split_columns(a->columns, &s->copy)))
		return usage_error(a->cmd, "out of memory", NULL);
	s->o.columns = (const char *const *)s->cols;
	s->o.filter = s->filter;
	s->o.stats = &s->st;
	return 0;
}

/* Print what the read touched to stderr (--stats). */
static void print_stats(const strata_store_read_stats *st)
{
	fprintf(stderr,
	        "parts %zu of %zu, row groups %zu of %zu in those parts, rows decoded %zu\n",
	        st->parts_read, st->parts_total, st->row_groups_read, st->row_groups_total,
	        st->rows_read);
}

#define READ_OPTS "columns,start,end,format,head,tail,snapshot,filter,filter-json,stats"

/* Read the selection and print it as CSV or JSON lines. */
static int read_and_print(cli_args *a, selection *s)
{
	strata_pq_table t;
	int rc;

	if (strata_store_read_ex(a->root_buf, s->r.store, s->r.coll, s->r.item, &s->o, &t))
		return fail(a);
	if (a->stats)
		print_stats(&s->st);
	rc = print_rows(&t, 0, t.nrows, a->json);
	strata_pq_table_free(&t);
	return rc ? fail(a) : 0;
}

int store_cmd_read(int argc, char **argv)
{
	cli_args a;
	selection s;
	int rc;

	if (strata_cmd_wants_help(argc, argv)) {
		printf(
		    "usage: strata store read STORE/COLLECTION/ITEM [--columns a,b] [--start TS]\n"
		    "          [--end TS] [--filter EXPR]... [--filter-json JSON]\n"
		    "          [--format csv|jsonl] [--head N] [--tail N] [--snapshot S] "
		    "[--stats]\n"
		    "Print an item's rows with start <= key <= end that pass the filters.\n"
		    "EXPR: COLUMN OP VALUE with OP = == != < <= > >= (e.g. 'px>=3'), or\n"
		    "'COLUMN in (A, B)' / 'COLUMN not in (A, B)'; several --filter are ANDed.\n"
		    "JSON: PyStore's filters, [[\"px\", \">=\", 3], ...] (AND) or\n"
		    "[[[...]], [[...]]] (OR of ANDs). --stats prints the parts and row groups\n"
		    "read to stderr.\n");
		return 0;
	}
	if ((rc = parse_args(argc, argv, READ_OPTS, 1, 1, &a)))
		return rc;
	if (!(rc = selection_parse(&a, &s, 0)))
		rc = read_and_print(&a, &s);
	selection_free(&s);
	return rc;
}

/* head and tail: N (default 5) first or last rows. */
static int head_or_tail(int argc, char **argv, int tail)
{
	cli_args a;
	selection s;
	size_t n = 5;
	int rc;

	if (strata_cmd_wants_help(argc, argv)) {
		printf("usage: strata store %s STORE/COLLECTION/ITEM [N] [--columns a,b]\n"
		       "          [--filter EXPR]... [--filter-json JSON] [--format csv|jsonl]\n"
		       "          [--stats]\n"
		       "Print the %s N rows (default 5), reading only the parts needed.\n",
		       argv[0], tail ? "last" : "first");
		return 0;
	}
	if ((rc = parse_args(argc, argv, "columns,format,filter,filter-json,stats", 1, 2, &a)))
		return rc;
	if (a.npos == 2 && !parse_count(a.pos[1], &n))
		return usage_error(a.cmd, "expected a row count, not", a.pos[1]);
	if (!(rc = selection_parse(&a, &s, 0))) {
		*(tail ? &s.o.tail : &s.o.head) = n;
		rc = read_and_print(&a, &s);
	}
	selection_free(&s);
	return rc;
}

int store_cmd_head(int argc, char **argv)
{
	return head_or_tail(argc, argv, 0);
}

int store_cmd_tail(int argc, char **argv)
{
	return head_or_tail(argc, argv, 1);
}

int store_cmd_last(int argc, char **argv)
{
	cli_args a;
	item_ref r;
	int64_t first, last;
	size_t rows;
	char text[48];
	int rc;

	if (strata_cmd_wants_help(argc, argv)) {
		printf("usage: strata store last STORE/COLLECTION/ITEM [--json]\n"
		       "Print the item's last key (ISO 8601) from its manifest, without reading\n"
		       "any part; --json also prints the first key and the row count.\n");
		return 0;
	}
	if ((rc = parse_args(argc, argv, "json", 1, 1, &a)))
		return rc;
	if (split_path(a.pos[0], 3, &r) ||
	    strata_store_key_range(a.root_buf, r.store, r.coll, r.item, &first, &last, &rows))
		return fail(&a);
	if (!a.json) {
		if (rows && strata_time_format_iso8601(last, 9, text, sizeof(text)) >= 0)
			printf("%s\n", text);
		return 0;
	}
	printf("{\"rows\":%zu", rows);
	if (rows && strata_time_format_iso8601(first, 9, text, sizeof(text)) >= 0)
		printf(",\"first\":\"%s\"", text);
	if (rows && strata_time_format_iso8601(last, 9, text, sizeof(text)) >= 0)
		printf(",\"last\":\"%s\"", text);
	printf("}\n");
	return 0;
}

/* ---- export, compact, verify ------------------------------------------------ */

/* Write t as one standard Parquet file at path, with pandas' metadata
 * naming the key (the first column) as the index, as item parts have. */
static int export_parquet(const char *path, const strata_pq_table *t)
{
	strata_pq_kv kv = {"pandas", store_pandas_metadata(t, t->cols[0].name, NULL, NULL, 0)};
	strata_pq_write_options wo = {.codec = STRATA_PQ_SNAPPY, .kv = &kv, .nkv = 1};
	int rc;

	if (!kv.value)
		return strata_error_set(STRATA_ENOMEM, "out of memory");
	rc = strata_parquet_write(path, t, &wo);
	free(kv.value);
	return rc;
}

int store_cmd_export(int argc, char **argv)
{
	cli_args a;
	selection s;
	strata_pq_table t;
	int rc;

	if (strata_cmd_wants_help(argc, argv)) {
		printf(
		    "usage: strata store export STORE/COLLECTION/ITEM [--format "
		    "csv|jsonl|parquet]\n"
		    "          [--output FILE] [--columns a,b] [--start TS] [--end TS]\n"
		    "          [--filter EXPR]... [--filter-json JSON] [--snapshot S]\n"
		    "Write the selected rows as CSV or JSON lines (to FILE or stdout) or as one\n"
		    "standard Parquet file (--output needed) that pandas reads with its index.\n");
		return 0;
	}
	if ((rc = parse_args(argc, argv,
	                     "columns,start,end,format,snapshot,filter,filter-json,output", 1, 1,
	                     &a)))
		return rc;
	if (a.format && !strcmp(a.format, "parquet") && !a.output)
		return usage_error(a.cmd, "--format parquet needs --output FILE", NULL);
	if ((rc = selection_parse(&a, &s, 1)))
		goto out;
	if (a.output && strcmp(a.format ? a.format : "", "parquet") != 0 &&
	    !freopen(a.output, "w", stdout)) {
		strata_error_set_errno("cannot create %s", a.output);
		rc = fail(&a);
		goto out;
	}
	if (strata_store_read_ex(a.root_buf, s.r.store, s.r.coll, s.r.item, &s.o, &t)) {
		rc = fail(&a);
		goto out;
	}
	rc = a.format && !strcmp(a.format, "parquet") ? export_parquet(a.output, &t)
	                                              : print_rows(&t, 0, t.nrows, a.json);
	strata_pq_table_free(&t);
	rc = rc ? fail(&a) : 0;
out:
	selection_free(&s);
	return rc;
}

int store_cmd_compact(int argc, char **argv)
{
	strata_store_options opts;
	cli_args a;
	item_ref r;
	size_t merged = 0;
	int rc;

	if (strata_cmd_wants_help(argc, argv)) {
		printf("usage: strata store compact STORE/COLLECTION/ITEM [--part-rows N]\n"
		       "          [--row-group-rows N] [--lock-timeout MS]\n"
		       "Merge runs of neighbouring parts smaller than half of --part-rows\n"
		       "(default 1000000) into parts of at most --part-rows rows, as one new\n"
		       "version swapped atomically. Prints the number of parts merged.\n");
		return 0;
	}
	if ((rc = parse_args(argc, argv, "lock-timeout,part-rows,row-group-rows", 1, 1, &a)) ||
	    (rc = writer_options(&a, &opts)))
		return rc;
	if (split_path(a.pos[0], 3, &r) ||
	    strata_store_compact(a.root_buf, r.store, r.coll, r.item, &opts, &merged))
		return fail(&a);
	printf("merged %zu parts\n", merged);
	return 0;
}

int store_cmd_verify(int argc, char **argv)
{
	cli_args a;
	item_ref r;
	char *report = NULL;
	int rc;

	if (strata_cmd_wants_help(argc, argv)) {
		printf("usage: strata store verify STORE/COLLECTION/ITEM\n"
		       "Check every file of the item's current version against its manifest\n"
		       "(present, size, CRC-32C, Parquet footer, rows, schema, key range, no\n"
		       "stray files). Prints \"ok\" or one \"FILE: reason\" line per problem\n"
		       "and exits 1.\n");
		return 0;
	}
	if ((rc = parse_args(argc, argv, "", 1, 1, &a)))
		return rc;
	if (split_path(a.pos[0], 3, &r))
		return fail(&a);
	rc = strata_store_verify(a.root_buf, r.store, r.coll, r.item, &report);
	if (report && *report)
		fputs(report, stdout);
	free(report);
	if (rc)
		return fail(&a);
	printf("ok\n");
	return 0;
}

/* ---- list, delete, info ------------------------------------------------- */

/* Print names one a line. */
static void print_names(char **names)
{
	for (size_t i = 0; names && names[i]; i++)
		printf("%s\n", names[i]);
}

/* List the folders of dir (stores or collections); what names the thing
 * listed for the "not found" message. */
static int list_dirs(const char *dir, const char *what)
{
	struct stat st;
	char **names = NULL;
	size_t n = 0;
	int rc;

	if (stat(dir, &st) || !S_ISDIR(st.st_mode))
		return strata_error_set(STRATA_ENOTFOUND, "%s not found (%s)", what, dir);
	if ((rc = store_list_dirs(dir, &names, &n)))
		return rc;
	print_names(names);
	store_names_free(names);
	return 0;
}

/* Check that --filter is a JSON object (the engine reads it again). */
static int check_filter(const char *text)
{
	json_error_t jerr;
	json_t *j = json_loads(text, 0, &jerr);
	int ok = json_is_object(j), parsed = j != NULL;

	json_decref(j);
	if (ok)
		return 0;
	return strata_error_set(STRATA_EINVAL, "--filter: expected a JSON object%s%s",
	                        parsed ? "" : ": ", parsed ? "" : jerr.text);
}

int store_cmd_list(int argc, char **argv)
{
	cli_args a;
	item_ref r;
	char dir[PATH_SZ * 2], what[STORE_NAME_MAX + 16];
	char **names = NULL;
	size_t n = 0, depth = 0;
	int rc;

	if (strata_cmd_wants_help(argc, argv)) {
		printf("usage: strata store list [STORE[/COLLECTION]] [--filter JSON]\n"
		       "List stores, a store's collections or a collection's items; --filter\n"
		       "keeps the items whose metadata holds every key of the JSON object.\n");
		return 0;
	}
	if ((rc = parse_args(argc, argv, "filter", 0, 1, &a)))
		return rc;
	memset(&r, 0, sizeof(r));
	if (a.npos)
		depth = strchr(a.pos[0], '/') ? 2 : 1;
	if (a.filter && depth != 2)
		return usage_error(a.cmd, "--filter needs STORE/COLLECTION", NULL);
	if (depth && split_path(a.pos[0], depth, &r))
		return fail(&a);
	if (depth == 2) {
		if ((a.filter && check_filter(a.filter)) ||
		    strata_store_list_items(a.root_buf, r.store, r.coll, a.filter, &names, &n))
			return fail(&a);
		print_names(names);
		strata_store_names_free(names);
		return 0;
	}
	snprintf(dir, sizeof(dir), "%s%s%s", a.root_buf, depth ? "/" : "", r.store);
	snprintf(what, sizeof(what), depth ? "store %s" : "root%s", r.store);
	return list_dirs(dir, what) ? fail(&a) : 0;
}

int store_cmd_delete(int argc, char **argv)
{
	cli_args a;
	item_ref r;
	int rc;

	if (strata_cmd_wants_help(argc, argv)) {
		printf("usage: strata store delete STORE/COLLECTION/ITEM\n"
		       "Delete an item and all its versions.\n");
		return 0;
	}
	if ((rc = parse_args(argc, argv, "", 1, 1, &a)))
		return rc;
	if (split_path(a.pos[0], 3, &r) || strata_store_delete(a.root_buf, r.store, r.coll, r.item))
		return fail(&a);
	return 0;
}

int store_cmd_snapshot(int argc, char **argv)
{
	const char *action;
	cli_args a;
	item_ref r;
	char **names = NULL;
	size_t n = 0;
	int rc;

	if (strata_cmd_wants_help(argc, argv)) {
		printf("usage: strata store snapshot create|delete STORE/COLLECTION NAME\n"
		       "       strata store snapshot list STORE/COLLECTION\n"
		       "Snapshots hard-link every item's current version (no data is copied);\n"
		       "read one with 'strata store read ITEM --snapshot NAME'.\n");
		return 0;
	}
	if ((rc = parse_args(argc, argv, "", 2, 3, &a)))
		return rc;
	action = a.pos[0];
	if (split_path(a.pos[1], 2, &r))
		return fail(&a);
	if (!strcmp(action, "list") && a.npos == 2) {
		if (strata_store_snapshot_list(a.root_buf, r.store, r.coll, &names, &n))
			return fail(&a);
		print_names(names);
		strata_store_names_free(names);
		return 0;
	}
	if (a.npos != 3 || (strcmp(action, "create") != 0 && strcmp(action, "delete") != 0))
		return usage_error(a.cmd, "expected create|delete PATH NAME or list PATH", NULL);
	rc = !strcmp(action, "create")
	         ? strata_store_snapshot_create(a.root_buf, r.store, r.coll, a.pos[2])
	         : strata_store_snapshot_delete(a.root_buf, r.store, r.coll, a.pos[2]);
	return rc ? fail(&a) : 0;
}

/* Summarize manifest m of item path into a JSON object (new reference). */
static json_t *info_json(const char *path, json_t *m, json_t *meta)
{
	json_t *parts = json_object_get(m, "parts"), *cols = json_array(), *entry;
	json_t *out = json_object(), *col;
	json_int_t rows = 0, size = 0, lo = INT64_MAX, hi = INT64_MIN;
	size_t i;

	json_array_foreach(parts, i, entry)
	{
		json_int_t pmin = json_integer_value(json_object_get(entry, "min"));
		json_int_t pmax = json_integer_value(json_object_get(entry, "max"));
		rows += json_integer_value(json_object_get(entry, "rows"));
		size += json_integer_value(json_object_get(entry, "size"));
		lo = pmin < lo ? pmin : lo;
		hi = pmax > hi ? pmax : hi;
	}
	json_array_foreach(json_object_get(m, "columns"), i, col)
	{
		json_t *c = json_pack("{s:O, s:O}", "name", json_object_get(col, "name"), "type",
		                      json_object_get(col, "type"));
		if (c && json_is_string(json_object_get(col, "tz")))
			json_object_set(c, "tz", json_object_get(col, "tz"));
		json_array_append_new(cols, c);
	}
	json_object_set_new(out, "item", json_string(path));
	json_object_set(out, "key", json_object_get(m, "key"));
	if (json_is_string(json_object_get(m, "key2")))
		json_object_set(out, "key2", json_object_get(m, "key2"));
	json_object_set_new(out, "columns", cols);
	json_object_set_new(out, "rows", json_integer(rows));
	json_object_set_new(out, "start", rows ? json_integer(lo) : json_null());
	json_object_set_new(out, "end", rows ? json_integer(hi) : json_null());
	json_object_set_new(out, "parts", json_integer((json_int_t)json_array_size(parts)));
	json_object_set_new(out, "size", json_integer(size));
	json_object_set(out, "metadata", meta);
	return out;
}

/* Replace the integer times "start"/"end" of info by ISO 8601 strings. */
static void info_times(json_t *info)
{
	static const char *const keys[] = {"start", "end"};
	char text[40];

	for (int k = 0; k < 2; k++) {
		json_t *v = json_object_get(info, keys[k]);
		if (!json_is_integer(v))
			continue;
		strata_time_format_iso8601(json_integer_value(v), 9, text, sizeof(text));
		json_object_set_new(info, keys[k], json_string(text));
	}
}

/* Print info as text, one "field value" a line. */
static void print_info(json_t *info)
{
	json_t *col;
	size_t i;

	printf("item     %s\n", json_string_value(json_object_get(info, "item")));
	printf("key      %s", json_string_value(json_object_get(info, "key")));
	if (json_is_string(json_object_get(info, "key2")))
		printf(", %s", json_string_value(json_object_get(info, "key2")));
	printf("\ncolumns ");
	json_array_foreach(json_object_get(info, "columns"), i, col)
	{
		const char *tz = json_string_value(json_object_get(col, "tz"));
		printf(" %s:%s%s%s%s", json_string_value(json_object_get(col, "name")),
		       json_string_value(json_object_get(col, "type")), tz ? "[" : "", tz ? tz : "",
		       tz ? "]" : "");
	}
	printf("\nrows     %" JSON_INTEGER_FORMAT "\n",
	       json_integer_value(json_object_get(info, "rows")));
	printf("start    %s\n", json_string_value(json_object_get(info, "start")) ?: "-");
	printf("end      %s\n", json_string_value(json_object_get(info, "end")) ?: "-");
	printf("parts    %" JSON_INTEGER_FORMAT "\n",
	       json_integer_value(json_object_get(info, "parts")));
	printf("size     %" JSON_INTEGER_FORMAT "\n",
	       json_integer_value(json_object_get(info, "size")));
}

/* Load the manifest and metadata of item r under root. */
static int load_info(const char *root, const item_ref *r, const char *path, json_t **out)
{
	char dir[PATH_SZ * 2];
	json_t *m, *meta = NULL;
	int rc;

	snprintf(dir, sizeof(dir), "%s/%s/%s/%s", root, r->store, r->coll, r->item);
	if ((rc = load_manifest(dir, path, &m)))
		return rc;
	if ((rc = store_metadata_read(dir, &meta))) {
		json_decref(m);
		return strata_error_wrap(rc, "item %s", path);
	}
	*out = info_json(path, m, meta);
	json_decref(m);
	json_decref(meta);
	return 0;
}

int store_cmd_info(int argc, char **argv)
{
	cli_args a;
	item_ref r;
	json_t *info = NULL;
	int rc;

	if (strata_cmd_wants_help(argc, argv)) {
		printf("usage: strata store info STORE/COLLECTION/ITEM [--json]\n"
		       "Show an item's schema, row count, key range, parts, size and metadata.\n");
		return 0;
	}
	if ((rc = parse_args(argc, argv, "json", 1, 1, &a)))
		return rc;
	if (split_path(a.pos[0], 3, &r) || load_info(a.root_buf, &r, a.pos[0], &info))
		return fail(&a);
	info_times(info);
	if (a.json) {
		char *text = json_dumps(info, JSON_COMPACT);
		if (text)
			printf("%s\n", text);
		free(text);
	} else {
		print_info(info);
	}
	json_decref(info);
	return 0;
}
