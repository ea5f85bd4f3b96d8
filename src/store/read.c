/*
 * read.c - reading items: column selection, key range, filters, head and
 * tail, with pushdown. Parts are skipped by the manifest (key range, column
 * statistics), row groups by their footer statistics; only the columns
 * asked for and those the filter needs are decoded. head(n) reads parts from
 * the first and tail(n) from the last, stopping once they have their rows.
 */
#include "strata/store.h"

#include "store/filter.h"
#include "store/item_internal.h"
#include "store/layout.h"
#include "strata/error.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define READ_RETRIES 5

/* Selected rows of one decoded row group. */
typedef struct chunk {
	strata_pq_table t; /* the work schema */
	size_t *rows;      /* selected row indices, ascending */
	size_t n;
} chunk;

/* The state of one read. */
typedef struct read_ctx {
	const char *item;
	const char *vdir;
	const manifest *m;
	const strata_store_read_options *o;
	colspec *cols; /* work schema: key, output columns, filter-only columns */
	size_t ncols, nout;
	store_filter_bound *bf;
	int reverse;  /* tail only: parts and row groups from the last */
	size_t limit; /* stop after this many selected rows */
	chunk *chunks;
	size_t nchunks, cap, selected;
	strata_store_read_stats st;
} read_ctx;

void strata_store_read_options_init(strata_store_read_options *o)
{
	memset(o, 0, sizeof *o);
	o->start = INT64_MIN;
	o->end = INT64_MAX;
	o->head = SIZE_MAX;
	o->tail = SIZE_MAX;
}

/* ---- schema ------------------------------------------------------------------ */

static const colspec *manifest_col(const manifest *m, const char *name)
{
	for (size_t i = 0; i < m->ncols; i++)
		if (!strcmp(m->cols[i].name, name))
			return &m->cols[i];
	return NULL;
}

/* Append column name (borrowed from the manifest) to the work schema once. */
static int add_work_col(read_ctx *c, const char *name)
{
	const colspec *s = manifest_col(c->m, name);

	if (!s)
		return strata_error_set(STRATA_ENOTFOUND, "no column %s", name);
	for (size_t i = 0; i < c->ncols; i++)
		if (!strcmp(c->cols[i].name, name))
			return 0;
	c->cols[c->ncols++] = *s;
	return 0;
}

/* The work schema: the key, the asked columns (or all), then the columns
 * only the filter uses; and the bound filter. */
static int work_schema(read_ctx *c)
{
	const char *const *columns = c->o->columns;
	const strata_store_filter *f = c->o->filter;
	size_t cap = c->m->ncols + 1, nf = store_filter_nconds(f);
	int rc;

	for (size_t i = 0; columns && columns[i]; i++)
		cap++;
	if (!(c->cols = calloc(cap + nf, sizeof *c->cols)))
		return strata_error_set(STRATA_ENOMEM, "out of memory");
	if (!manifest_col(c->m, c->m->key))
		return strata_error_set(STRATA_EPARSE, "manifest lacks key column %s", c->m->key);
	if ((rc = add_work_col(c, c->m->key)))
		return rc;
	for (size_t i = 0; !columns && i < c->m->ncols; i++)
		if ((rc = add_work_col(c, c->m->cols[i].name)))
			return rc;
	for (size_t i = 0; columns && columns[i]; i++)
		if ((rc = add_work_col(c, columns[i])))
			return rc;
	c->nout = c->ncols;
	for (size_t i = 0; i < nf; i++)
		if ((rc = add_work_col(c, store_filter_column(f, i))))
			return rc;
	return f ? store_filter_bind(c->item, f, c->cols, c->ncols, &c->bf) : 0;
}

/* ---- statistics ---------------------------------------------------------------- */

typedef struct part_ctx {
	const read_ctx *rc;
	const part *p;
} part_ctx;

/* Bounds of work column col in part p, from the manifest. */
static int part_bounds(void *ctx, size_t col, store_col_bounds *out)
{
	const part_ctx *pc = ctx;
	const colspec *spec = &pc->rc->cols[col];
	const json_t *s = json_object_get(pc->p->stats, spec->name);
	const json_t *lo = json_array_get(s, 0), *hi = json_array_get(s, 1);

	if (!s) {
		/* Older manifests: the key range alone. */
		if (strcmp(spec->name, pc->rc->m->key) != 0)
			return 0;
		*out = (store_col_bounds){
		    .known = 1, .has_range = 1, .imin = pc->p->min, .imax = pc->p->max};
		return 0;
	}
	out->known = 1;
	out->has_nulls = json_is_integer(json_array_get(s, 2));
	out->nulls = json_integer_value(json_array_get(s, 2));
	out->rows = (int64_t)pc->p->rows;
	if (spec->type == STRATA_PQ_STRING && json_is_string(lo) && json_is_string(hi)) {
		out->smin = json_string_value(lo);
		out->sminlen = json_string_length(lo);
		out->smax = json_string_value(hi);
		out->smaxlen = json_string_length(hi);
		out->has_range = 1;
	} else if (json_is_integer(lo) && json_is_integer(hi)) {
		out->imin = json_integer_value(lo);
		out->imax = json_integer_value(hi);
		out->dmin = (double)out->imin;
		out->dmax = (double)out->imax;
		out->has_range = spec->type != STRATA_PQ_STRING;
	} else if (json_is_number(lo) && json_is_number(hi)) {
		out->dmin = json_number_value(lo);
		out->dmax = json_number_value(hi);
		out->has_range = spec->type == STRATA_PQ_FLOAT || spec->type == STRATA_PQ_DOUBLE;
	}
	return 0;
}

typedef struct rg_ctx {
	const read_ctx *rc;
	strata_pq_file *f;
	size_t rg;
	const long *fcol; /* file column of each work column, -1 absent */
} rg_ctx;

/* Whether footer statistics of type t can be compared as the filter does. */
static int stats_usable(strata_pq_type t)
{
	return t != STRATA_PQ_UINT8 && t != STRATA_PQ_UINT16 && t != STRATA_PQ_UINT32 &&
	       t != STRATA_PQ_UINT64;
}

/* Bounds of work column col in one row group, from the footer. */
static int rg_bounds(void *ctx, size_t col, store_col_bounds *out)
{
	const rg_ctx *g = ctx;
	const colspec *spec = &g->rc->cols[col];
	const strata_pq_column_info *info;
	strata_pq_stats s;
	int rc;

	out->rows = strata_parquet_row_group_rows(g->f, g->rg);
	if (g->fcol[col] < 0) /* absent from this file: all null */
		return (int)(out->known = out->has_nulls = 1, out->nulls = out->rows, 0);
	info = strata_parquet_column(g->f, (size_t)g->fcol[col]);
	if (info->type != spec->type ||
	    (spec->type == STRATA_PQ_TIMESTAMP && info->unit != spec->unit) ||
	    !stats_usable(spec->type))
		return 0;
	if ((rc = strata_parquet_stats(g->f, g->rg, (size_t)g->fcol[col], &s)))
		return rc;
	out->known = 1;
	out->has_nulls = s.has_null_count;
	out->nulls = s.null_count;
	out->has_range = s.has_min && s.has_max;
	out->imin = s.min.i;
	out->imax = s.max.i;
	out->dmin = s.min.d;
	out->dmax = s.max.d;
	out->smin = (const char *)s.min_str;
	out->sminlen = s.min_len;
	out->smax = (const char *)s.max_str;
	out->smaxlen = s.max_len;
	if (spec->type == STRATA_PQ_STRING && (!s.min_str || !s.max_str))
		out->has_range = 0;
	return 0;
}

/* Whether the key range [lo, hi] of a part or row group meets the read's. */
static int key_overlaps(const read_ctx *c, int64_t lo, int64_t hi)
{
	return hi >= c->o->start && lo <= c->o->end;
}

/* ---- decoding -------------------------------------------------------------------- */

static int push_chunk(read_ctx *c, chunk *ch)
{
	if (c->nchunks == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 16;
		chunk *grown = realloc(c->chunks, cap * sizeof *grown);
		if (!grown)
			return strata_error_set(STRATA_ENOMEM, "out of memory");
		c->chunks = grown;
		c->cap = cap;
	}
	c->chunks[c->nchunks++] = *ch;
	c->selected += ch->n;
	return 0;
}

/* Select the rows of ch in the key range that pass the filter. */
static int select_rows(const read_ctx *c, chunk *ch)
{
	const int64_t *k = ch->t.cols[0].values;
	uint8_t *keep = malloc(ch->t.nrows ? ch->t.nrows : 1);

	if (!keep || !(ch->rows = malloc((ch->t.nrows ? ch->t.nrows : 1) * sizeof *ch->rows))) {
		free(keep);
		return strata_error_set(STRATA_ENOMEM, "out of memory");
	}
	for (size_t r = 0; r < ch->t.nrows; r++)
		keep[r] = k[r] >= c->o->start && k[r] <= c->o->end;
	store_filter_apply(c->bf, &ch->t, keep);
	for (size_t r = 0; r < ch->t.nrows; r++)
		if (keep[r])
			ch->rows[ch->n++] = r;
	free(keep);
	return 0;
}

/* Decode row groups rgs[0..nrg) of f (work columns present in the file)
 * into one chunk and keep its selected rows. */
static int read_rgs(read_ctx *c, strata_pq_file *f, const size_t *rgs, size_t nrg, const long *fcol)
{
	size_t *idx = calloc(c->ncols, sizeof *idx), n = 0;
	strata_pq_table raw = {0};
	chunk ch = {0};
	int rc;

	if (!idx)
		return strata_error_set(STRATA_ENOMEM, "out of memory");
	for (size_t i = 0; i < c->ncols; i++)
		if (fcol[i] >= 0)
			idx[n++] = (size_t)fcol[i];
	rc = strata_parquet_read(f, idx, n, rgs, nrg, &raw);
	free(idx);
	if (rc)
		return rc;
	c->st.row_groups_read += nrg;
	c->st.rows_read += raw.nrows;
	rc = store_cast_table_move(&raw, c->cols, c->ncols, &ch.t);
	strata_pq_table_free(&raw);
	if (!rc && !(rc = select_rows(c, &ch)) && ch.n)
		rc = push_chunk(c, &ch);
	if (rc || !ch.n) {
		strata_pq_table_free(&ch.t);
		free(ch.rows);
	}
	return rc;
}

/* Whether row group rg may hold selected rows (key stats, then filter). */
static int rg_wanted(const read_ctx *c, rg_ctx *g)
{
	store_col_bounds kb;

	memset(&kb, 0, sizeof kb);
	if (rg_bounds(g, 0, &kb) == 0 && kb.known && kb.has_range &&
	    !key_overlaps(c, kb.imin, kb.imax))
		return 0;
	strata_error_clear();
	return store_filter_may_match(c->bf, rg_bounds, g);
}

/* Whether the read has the rows its head (or tail) asks for. */
static int done(const read_ctx *c)
{
	return c->selected >= c->limit;
}

/* The file column of each work column (-1: absent). */
static int map_columns(const read_ctx *c, strata_pq_file *f, long **fcol)
{
	size_t nf = strata_parquet_num_columns(f);

	if (!(*fcol = malloc(c->ncols * sizeof **fcol)))
		return strata_error_set(STRATA_ENOMEM, "out of memory");
	for (size_t i = 0; i < c->ncols; i++) {
		(*fcol)[i] = -1;
		for (size_t j = 0; j < nf; j++)
			if (!strcmp(strata_parquet_column(f, j)->name, c->cols[i].name))
				(*fcol)[i] = (long)j;
	}
	if ((*fcol)[0] < 0)
		return strata_error_set(STRATA_ESCHEMA, "no key column %s", c->cols[0].name);
	return 0;
}

/* Read all wanted row groups of f in one decode (one chunk, one pass of
 * the pool over the columns): for reads without a head or tail. */
static int read_wanted_together(read_ctx *c, strata_pq_file *f, size_t nrg, const long *fcol)
{
	size_t *rgs = malloc((nrg ? nrg : 1) * sizeof *rgs), n = 0;
	int rc = 0;

	if (!rgs)
		return strata_error_set(STRATA_ENOMEM, "out of memory");
	for (size_t i = 0; i < nrg; i++) {
		rg_ctx g = {c, f, i, fcol};
		if (rg_wanted(c, &g))
			rgs[n++] = i;
	}
	if (n)
		rc = read_rgs(c, f, rgs, n, fcol);
	free(rgs);
	return rc;
}

/* Open part p and read its wanted row groups: one at a time (stopping once
 * a head or tail has its rows) or, without a limit, all together. */
static int read_part(read_ctx *c, const part *p)
{
	char path[STORE_PATH_MAX];
	strata_pq_file *f;
	long *fcol = NULL;
	size_t nrg;
	int rc;

	snprintf(path, sizeof path, "%s/%s", c->vdir, p->file);
	if ((rc = strata_parquet_open(path, &f)))
		return rc;
	c->st.parts_read++;
	nrg = strata_parquet_num_row_groups(f);
	c->st.row_groups_total += nrg;
	rc = map_columns(c, f, &fcol);
	if (!rc && c->limit == SIZE_MAX)
		rc = read_wanted_together(c, f, nrg, fcol);
	for (size_t i = 0; !rc && c->limit != SIZE_MAX && i < nrg && !done(c); i++) {
		rg_ctx g = {c, f, c->reverse ? nrg - 1 - i : i, fcol};
		if (rg_wanted(c, &g))
			rc = read_rgs(c, f, &g.rg, 1, fcol);
	}
	free(fcol);
	strata_parquet_close(f);
	return rc ? strata_error_wrap(rc, "%s", path) : 0;
}

/* Whether part p may hold selected rows (manifest key range and stats). */
static int part_wanted(const read_ctx *c, const part *p)
{
	part_ctx pc = {c, p};

	if (!p->rows || !key_overlaps(c, p->min, p->max))
		return 0;
	return store_filter_may_match(c->bf, part_bounds, &pc);
}

/* ---- assembling -------------------------------------------------------------------- */

/* Refs to the selected rows in order, cut to head then tail, gathered. */
static int assemble(read_ctx *c, strata_pq_table *out)
{
	const strata_pq_table **srcs = calloc(c->nchunks + 1, sizeof(const strata_pq_table *));
	rowref *refs = malloc((c->selected ? c->selected : 1) * sizeof *refs);
	size_t n = 0, lo = 0;
	int rc;

	if (!srcs || !refs) {
		free(srcs);
		free(refs);
		return strata_error_set(STRATA_ENOMEM, "out of memory");
	}
	for (size_t k = 0; k < c->nchunks; k++) {
		size_t i = c->reverse ? c->nchunks - 1 - k : k;
		srcs[i] = &c->chunks[i].t;
		for (size_t r = 0; r < c->chunks[i].n; r++)
			refs[n++] = (rowref){i, c->chunks[i].rows[r]};
	}
	if (n > c->o->head)
		n = c->o->head;
	if (n > c->o->tail)
		lo = n - c->o->tail;
	if (c->nchunks) {
		rc = store_gather(srcs, c->nout, refs + lo, n - lo, out);
	} else {
		strata_pq_table empty;
		strata_pq_table_init(&empty, 0);
		rc = store_cast_table(&empty, c->cols, c->nout, out);
	}
	free(srcs);
	free(refs);
	return rc;
}

static void read_free(read_ctx *c)
{
	for (size_t i = 0; i < c->nchunks; i++) {
		strata_pq_table_free(&c->chunks[i].t);
		free(c->chunks[i].rows);
	}
	free(c->chunks);
	free(c->cols);
	store_filter_bound_free(c->bf);
}

/* Read with manifest m loaded from vdir. */
static int read_manifest(read_ctx *c, strata_pq_table *out)
{
	size_t np = c->m->nparts;
	int rc;

	if ((rc = work_schema(c)))
		return rc;
	c->reverse = c->o->head == SIZE_MAX && c->o->tail != SIZE_MAX;
	c->limit = c->reverse ? c->o->tail : c->o->head;
	c->st.parts_total = np;
	for (size_t k = 0; !rc && k < np && !done(c); k++) {
		const part *p = &c->m->parts[c->reverse ? np - 1 - k : k];
		if (part_wanted(c, p))
			rc = read_part(c, p);
	}
	return rc ? rc : assemble(c, out);
}

void strata_store_schema_free(strata_store_schema *s)
{
	if (!s)
		return;
	for (size_t i = 0; s->cols && i < s->ncols; i++) {
		free(s->cols[i].name);
		free(s->cols[i].tz);
	}
	free(s->cols);
	free(s->key);
	free(s->key2);
	memset(s, 0, sizeof *s);
}

/* strdup that treats NULL as NULL; *failed is set when out of memory. */
static char *dup_or_null(const char *s, int *failed)
{
	char *d = s ? strdup(s) : NULL;

	*failed |= s && !d;
	return d;
}

/* The public schema of manifest m into out. */
static int schema_export(const manifest *m, strata_store_schema *out)
{
	int failed = 0;

	memset(out, 0, sizeof *out);
	out->cols = calloc(m->ncols ? m->ncols : 1, sizeof *out->cols);
	out->ncols = out->cols ? m->ncols : 0;
	out->key = dup_or_null(m->key, &failed);
	out->key2 = dup_or_null(m->key2, &failed);
	for (size_t i = 0; i < out->ncols; i++) {
		const colspec *c = &m->cols[i];
		strata_store_column_info *o = &out->cols[i];
		int utc_ts = c->type == STRATA_PQ_TIMESTAMP && c->utc;
		o->name = dup_or_null(c->name, &failed);
		o->type = (int)c->type;
		o->utc = c->utc;
		o->tz = utc_ts ? dup_or_null(c->tz ? c->tz : "UTC", &failed) : NULL;
		o->is_key = !strcmp(c->name, m->key)               ? 1
		            : m->key2 && !strcmp(c->name, m->key2) ? 2
		                                                   : 0;
	}
	if (!failed && out->cols)
		return 0;
	strata_store_schema_free(out);
	return strata_error_set(STRATA_ENOMEM, "out of memory");
}

int store_item_read_dir(const char *name, const char *vdir, const strata_store_read_options *opts,
                        strata_pq_table *out)
{
	strata_store_read_options all;
	manifest m = {0};
	read_ctx c;
	int rc;

	strata_pq_table_init(out, 0);
	if (!opts) {
		strata_store_read_options_init(&all);
		opts = &all;
	}
	if ((rc = store_manifest_load(vdir, &m)))
		return strata_error_wrap(rc, "item %s", name);
	memset(&c, 0, sizeof c);
	c.item = name;
	c.vdir = vdir;
	c.m = &m;
	c.o = opts;
	rc = read_manifest(&c, out);
	if (!rc && opts->schema)
		rc = schema_export(&m, opts->schema);
	if (opts->stats)
		*opts->stats = c.st;
	read_free(&c);
	store_manifest_free(&m);
	return rc ? strata_error_wrap(rc, "item %s", name) : 0;
}

int store_item_version_dir(const char *root, const char *store, const char *collection,
                           const char *item, char out[STORE_PATH_MAX])
{
	item_paths p = {0};
	unsigned cur;
	int rc;

	if ((rc = store_paths_init(&p, root, store, collection, item)))
		return rc;
	if ((rc = store_current_version(&p, &cur)) == STRATA_EUNSUPPORTED &&
	    store_is_plain_item_dir(p.link)) { /* written by PyStore: read in place */
		strata_error_clear();
		snprintf(out, STORE_PATH_MAX, "%s", p.link);
		return 0;
	}
	if (rc)
		return rc;
	if (!cur)
		return strata_error_set(STRATA_ENOTFOUND, "item %s does not exist in %s", item,
		                        p.coldir);
	store_version_dir(&p, cur, out);
	return 0;
}

/* Whether failure rc may come from version folder vdir being removed under
 * us by a writer: the item now points at another version. */
static int lost_race(int rc, const char *vdir, const item_paths *p)
{
	char now[STORE_PATH_MAX], msg[1024];
	unsigned cur = 0;
	int moved;

	if (!rc || !vdir[0])
		return 0;
	snprintf(msg, sizeof msg, "%s", strata_error_message());
	moved = store_current_version(p, &cur) == 0 && cur;
	if (moved) {
		store_version_dir(p, cur, now);
		moved = strcmp(now, vdir) != 0;
	}
	if (!moved) /* keep the reader's message */
		strata_error_set(rc, "%s", msg);
	return moved;
}

int strata_store_read_ex(const char *root, const char *store, const char *collection,
                         const char *item, const strata_store_read_options *opts,
                         strata_pq_table *out)
{
	char vdir[STORE_PATH_MAX];
	item_paths p = {0};
	int rc;

	strata_pq_table_init(out, 0);
	if (opts && opts->snapshot) {
		if ((rc = store_snapshot_item_dir(root, store, collection, item, opts->snapshot,
		                                  vdir)))
			return rc;
		return store_item_read_dir(item, vdir, opts, out);
	}
	if ((rc = store_paths_init(&p, root, store, collection, item)))
		return rc;
	/* A writer may remove the version we resolved: resolve again. */
	for (int i = 0; i < READ_RETRIES; i++) {
		vdir[0] = '\0';
		if (!(rc = store_item_version_dir(root, store, collection, item, vdir)))
			rc = store_item_read_dir(item, vdir, opts, out);
		if (i + 1 == READ_RETRIES || !lost_race(rc, vdir, &p))
			break;
		strata_error_clear();
	}
	return rc;
}

int strata_store_schema_get(const char *root, const char *store, const char *collection,
                            const char *item, const char *snapshot, strata_store_schema *out)
{
	strata_store_read_options o;
	strata_pq_table t;
	int rc;

	memset(out, 0, sizeof *out);
	strata_store_read_options_init(&o);
	o.head = 0; /* no rows: the manifest alone */
	o.snapshot = snapshot;
	o.schema = out;
	rc = strata_store_read_ex(root, store, collection, item, &o, &t);
	strata_pq_table_free(&t);
	return rc;
}

int strata_store_read(const char *root, const char *store, const char *collection, const char *item,
                      const char *const *columns, int64_t start, int64_t end, strata_pq_table *out)
{
	strata_store_read_options o;

	strata_store_read_options_init(&o);
	o.columns = columns;
	o.start = start;
	o.end = end;
	return strata_store_read_ex(root, store, collection, item, &o, out);
}

int strata_store_key_range(const char *root, const char *store, const char *collection,
                           const char *item, int64_t *first, int64_t *last, size_t *rows)
{
	char vdir[STORE_PATH_MAX];
	item_paths p = {0};
	manifest m = {0};
	int rc;

	*first = *last = INT64_MIN;
	*rows = 0;
	if ((rc = store_paths_init(&p, root, store, collection, item)))
		return rc;
	for (int i = 0; i < READ_RETRIES; i++) {
		vdir[0] = '\0';
		if (!(rc = store_item_version_dir(root, store, collection, item, vdir)))
			rc = store_manifest_load(vdir, &m);
		if (i + 1 == READ_RETRIES || !lost_race(rc, vdir, &p))
			break;
		strata_error_clear();
	}
	if (rc)
		return strata_error_wrap(rc, "item %s", item);
	for (size_t i = 0; i < m.nparts; i++) {
		if (!*rows || m.parts[i].min < *first)
			*first = m.parts[i].min;
		if (!*rows || m.parts[i].max > *last)
			*last = m.parts[i].max;
		*rows += m.parts[i].rows;
	}
	store_manifest_free(&m);
	return 0;
}
