/*
 * item.c - store items: versioned write, read, append, delete, list.
 *
 * <collection>/<item> is a symlink to .strata/<item>/vNNNNNNNN/, an immutable
 * folder of part.N.parquet files (sorted by key, non-overlapping key ranges),
 * pystore_metadata.json and manifest.json. Writers hold the item's flock,
 * build the next version (hard-linking unchanged parts), fsync it, swap the
 * symlink atomically and remove older versions. See include/strata/store.h.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* renameat2 */
#endif
#include "strata/store.h"

#include "store/item_internal.h"
#include "store/layout.h"
#include "store/parquet.h"
#include "strata/error.h"
#include "strata/file.h"
#include "strata/time.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define PATH_SZ        STORE_PATH_MAX
#define STRATA_DIR     ".strata"
#define LOCK_POLL_US   10000
#define TAIL_SMALL_RUN 8 /* see merge_tail */

/* ---- small helpers ------------------------------------------------------ */

/* snprintf into a PATH_SZ buffer; a too long path is an error. */
__attribute__((format(printf, 2, 3))) static int fmt_path(char *out, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(out, PATH_SZ, fmt, ap);
	va_end(ap);
	if (n < 0 || n >= PATH_SZ)
		return strata_error_set(STRATA_ELIMIT, "path too long: %.200s...", out);
	return 0;
}

/* Check the names and build the item's paths. */
int store_paths_init(item_paths *p, const char *root, const char *store, const char *collection,
                     const char *item)
{
	int rc;

	if (!root || !*root)
		return strata_error_set(STRATA_EINVAL, "store root is empty");
	if ((rc = store_check_name("store", store)) ||
	    (rc = store_check_name("collection", collection)) ||
	    (rc = store_check_name("item", item)))
		return rc;
	p->name = item;
	if ((rc = fmt_path(p->store, "%s/%s", root, store)) ||
	    (rc = fmt_path(p->coldir, "%s/%s", p->store, collection)) ||
	    (rc = fmt_path(p->link, "%s/%s", p->coldir, item)) ||
	    (rc = fmt_path(p->tmp_link, "%s/.%s.strata-tmp", p->coldir, item)) ||
	    (rc = fmt_path(p->sdir, "%s/" STRATA_DIR, p->coldir)) ||
	    (rc = fmt_path(p->vroot, "%s/" STRATA_DIR "/%s", p->coldir, item)) ||
	    (rc = fmt_path(p->lock, "%s/" STRATA_DIR "/.%s.lock", p->coldir, item)))
		return rc;
	return fmt_path(p->vprefix, "%s/%s/", STRATA_DIR, item);
}

static void key_iso(int64_t t, char buf[48])
{
	if (strata_time_format_iso8601(t, 9, buf, 48) < 0)
		snprintf(buf, 48, "%lld ns", (long long)t);
}

/* ---- tables ------------------------------------------------------------- */

long store_find_col(const strata_pq_table *t, const char *name)
{
	for (size_t i = 0; i < t->ncols; i++)
		if (!strcmp(t->cols[i].name, name))
			return (long)i;
	return -1;
}

static void set_valid(uint8_t *v, size_t i)
{
	v[i / 8] |= (uint8_t)(1u << (i % 8));
}

/* A run of refs reading consecutive rows [row, row + len) of source src
 * into output rows [at, at + len): copied with one memcpy a column. */
typedef struct refrun {
	size_t src, row, at, len;
} refrun;

/* The runs of refs[0..n) into *runs (*nruns of them). */
static int ref_runs(const rowref *refs, size_t n, refrun **runs, size_t *nruns)
{
	size_t k = 0;

	if (!(*runs = malloc((n ? n : 1) * sizeof **runs)))
		return strata_error_set(STRATA_ENOMEM, "out of memory");
	for (size_t i = 0, j; i < n; i = j) {
		j = i + 1;
		while (j < n && refs[j].src == refs[i].src && refs[j].row == refs[j - 1].row + 1)
			j++;
		(*runs)[k++] = (refrun){refs[i].src, refs[i].row, i, j - i};
	}
	*nruns = k;
	return 0;
}

/* Fill string column c of out from the runs' rows of source column col. */
static int gather_strings(const strata_pq_table *const *srcs, size_t col, const refrun *runs,
                          size_t nruns, strata_pq_column *c)
{
	size_t total = 0;

	for (size_t r = 0; r < nruns; r++) {
		const strata_pq_column *s = &srcs[runs[r].src]->cols[col];
		total += (size_t)(s->offsets[runs[r].row + runs[r].len] - s->offsets[runs[r].row]);
	}
	free(c->bytes);
	if (!(c->bytes = malloc(total ? total : 1)))
		return strata_error_set(STRATA_ENOMEM, "out of memory");
	c->offsets[0] = 0;
	for (size_t r = 0; r < nruns; r++) {
		const strata_pq_column *s = &srcs[runs[r].src]->cols[col];
		const int64_t *so = s->offsets + runs[r].row;
		size_t i = runs[r].at, len = runs[r].len;
		int64_t base = c->offsets[i];
		if (so[len] > so[0])
			memcpy(c->bytes + base, s->bytes + so[0], (size_t)(so[len] - so[0]));
		for (size_t k = 0; k < len; k++)
			c->offsets[i + k + 1] = base + (so[k + 1] - so[0]);
	}
	return 0;
}

/* Set bits [at, at + len) of dst: single bits up to a byte boundary, whole
 * bytes in between. */
static void set_valid_range(uint8_t *dst, size_t at, size_t len)
{
	size_t end = at + len;

	for (; at < end && at % 8; at++)
		set_valid(dst, at);
	if (end - at >= 8) {
		memset(dst + at / 8, 0xff, (end - at) / 8);
		at += (end - at) / 8 * 8;
	}
	for (; at < end; at++)
		set_valid(dst, at);
}

/* Copy the validity of rows [row, row + len) of s to bits [at, at + len). */
static void copy_validity(const strata_pq_column *s, size_t row, size_t len, uint8_t *dst,
                          size_t at)
{
	if (!s->validity) {
		set_valid_range(dst, at, len);
		return;
	}
	for (size_t k = 0; k < len; k++)
		if (strata_pq_is_valid(s, row + k))
			set_valid(dst, at + k);
}

/* Add an empty column (name, type, unit, utc) to out; *c points at it. */
static int add_column(strata_pq_table *out, const char *name, strata_pq_type type,
                      strata_pq_unit unit, int utc, strata_pq_column **c)
{
	int rc = strata_pq_table_add(out, name, type, NULL, NULL, c);
	if (rc == 0) {
		(*c)->unit = unit;
		(*c)->utc = utc;
	}
	return rc;
}

/* A validity bitmap of n rows, all null (one spare byte for word-wise
 * writers); NULL when out of memory. */
static uint8_t *new_validity(size_t n)
{
	return calloc((n + 7) / 8 + 1, 1);
}

/* Add column col of srcs[0]'s schema to out, gathering the runs' rows. */
static int gather_column(const strata_pq_table *const *srcs, size_t col, const refrun *runs,
                         size_t nruns, strata_pq_table *out)
{
	const strata_pq_column *proto = &srcs[0]->cols[col];
	size_t size = proto->type == STRATA_PQ_STRING ? 0 : strata_pq_type_size(proto->type);
	strata_pq_column *c;
	int rc;

	if ((rc = add_column(out, proto->name, proto->type, proto->unit, proto->utc, &c)))
		return rc;
	if (!(c->validity = new_validity(out->nrows)))
		return strata_error_set(STRATA_ENOMEM, "out of memory");
	for (size_t r = 0; r < nruns; r++) {
		const strata_pq_column *s = &srcs[runs[r].src]->cols[col];
		copy_validity(s, runs[r].row, runs[r].len, c->validity, runs[r].at);
		if (size)
			memcpy((char *)c->values + runs[r].at * size,
			       (const char *)s->values + runs[r].row * size, runs[r].len * size);
	}
	return size ? 0 : gather_strings(srcs, col, runs, nruns, c);
}

/* Every column gets a validity bitmap, so all parts have one schema. */
int store_gather(const strata_pq_table *const *srcs, size_t ncols, const rowref *refs, size_t n,
                 strata_pq_table *out)
{
	refrun *runs = NULL;
	size_t nruns = 0;
	int rc;

	strata_pq_table_init(out, n);
	if ((rc = ref_runs(refs, n, &runs, &nruns)))
		return rc; /* out has no columns yet */
	for (size_t col = 0; col < ncols; col++) {
		if ((rc = gather_column(srcs, col, runs, nruns, out))) {
			strata_pq_table_free(out);
			break;
		}
	}
	free(runs);
	return rc;
}

/* Scale of one unit of u in nanoseconds. */
static int64_t unit_ns(strata_pq_unit u)
{
	return u == STRATA_PQ_MILLIS ? 1000000 : u == STRATA_PQ_MICROS ? 1000 : 1;
}

/* Copy timestamps s (any unit) into c's unit (pyarrow writes microseconds,
 * the store keeps ns). A present value out of range of c's unit is an error
 * naming the column and the row, never a silent null. */
static int copy_rescaled(const strata_pq_column *s, strata_pq_column *c, size_t nrows)
{
	const int64_t *in = s->values;
	int64_t *out = c->values, from = unit_ns(s->unit), to = unit_ns(c->unit);

	for (size_t i = 0; i < nrows; i++) {
		if (from < to)
			out[i] = in[i] / (to / from);
		else if (__builtin_mul_overflow(in[i], from / to, &out[i])) {
			if (strata_pq_is_valid(s, i))
				return strata_error_set(
				    STRATA_ELIMIT,
				    "column %s: row %zu: timestamp %lld out of the "
				    "nanosecond range (years 1677 to 2262)",
				    c->name, i, (long long)in[i]);
			out[i] = 0;
		}
	}
	return 0;
}

/* Copy column s into c (same row count), widening int32 -> int64 and
 * float -> double when c's type asks for it. */
static int copy_widen(const strata_pq_column *s, strata_pq_column *c, size_t nrows)
{
	if (s->type == STRATA_PQ_TIMESTAMP && c->type == STRATA_PQ_TIMESTAMP &&
	    s->unit != c->unit) {
		return copy_rescaled(s, c, nrows);
	} else if (s->type == c->type) {
		memcpy(c->values, s->values, nrows * strata_pq_type_size(c->type));
	} else if (c->type == STRATA_PQ_INT64) {
		for (size_t i = 0; i < nrows; i++)
			((int64_t *)c->values)[i] = ((const int32_t *)s->values)[i];
	} else {
		for (size_t i = 0; i < nrows; i++)
			((double *)c->values)[i] = ((const float *)s->values)[i];
	}
	return 0;
}

/* Add to out the column spec from s (NULL: all null). */
static int cast_column(const strata_pq_column *s, const colspec *spec, strata_pq_table *out)
{
	size_t n = out->nrows;
	strata_pq_column *c;
	int rc;

	if ((rc = add_column(out, spec->name, spec->type, spec->unit, spec->utc, &c)))
		return rc;
	if (!(c->validity = new_validity(n)))
		return strata_error_set(STRATA_ENOMEM, "out of memory");
	if (!s)
		return 0;
	if (s->type != spec->type &&
	    !((s->type == STRATA_PQ_INT32 && spec->type == STRATA_PQ_INT64) ||
	      (s->type == STRATA_PQ_FLOAT && spec->type == STRATA_PQ_DOUBLE)))
		return strata_error_set(STRATA_ESCHEMA, "column %s: %s where %s was expected",
		                        spec->name, strata_pq_type_name(s->type),
		                        strata_pq_type_name(spec->type));
	for (size_t i = 0; i < n; i++)
		if (strata_pq_is_valid(s, i))
			set_valid(c->validity, i);
	if (spec->type != STRATA_PQ_STRING)
		return copy_widen(s, c, n);
	memcpy(c->offsets, s->offsets, (n + 1) * sizeof *c->offsets);
	if (!(c->bytes = malloc(s->offsets[n] ? (size_t)s->offsets[n] : 1)))
		return strata_error_set(STRATA_ENOMEM, "out of memory");
	if (s->offsets[n])
		memcpy(c->bytes, s->bytes, (size_t)s->offsets[n]);
	return 0;
}

/* Whether column s can be handed over to spec as it is (no widening, no
 * unit change). */
static int same_layout(const strata_pq_column *s, const colspec *spec)
{
	return s->type == spec->type && (s->type != STRATA_PQ_TIMESTAMP || s->unit == spec->unit);
}

/* Add to out the column spec by taking over s's arrays (same_layout): no
 * copy. s is left without arrays; a column without nulls gets an all-set
 * validity bitmap, as cast_column gives it. */
static int move_column(strata_pq_column *s, const colspec *spec, strata_pq_table *out)
{
	size_t n = out->nrows;
	strata_pq_column *c;
	int rc;

	if ((rc = add_column(out, spec->name, spec->type, spec->unit, spec->utc, &c)))
		return rc;
	free(c->values);
	free(c->offsets);
	c->values = s->values;
	c->offsets = s->offsets;
	c->bytes = s->bytes;
	c->validity = s->validity;
	s->values = NULL;
	s->offsets = NULL;
	s->bytes = NULL;
	s->validity = NULL;
	if (!c->validity) {
		if (!(c->validity = new_validity(n)))
			return strata_error_set(STRATA_ENOMEM, "out of memory");
		set_valid_range(c->validity, 0, n);
	}
	return 0;
}

/* store_cast_table, taking over in's arrays where no conversion is needed
 * (in is to be freed after, and may have lost some columns' arrays). */
int store_cast_table_move(strata_pq_table *in, const colspec *cols, size_t ncols,
                          strata_pq_table *out)
{
	int rc;

	strata_pq_table_init(out, in->nrows);
	for (size_t i = 0; i < ncols; i++) {
		/* NOLINTNEXTLINE(clang-analyzer-core.NullDereference) */
		long j = store_find_col(in, cols[i].name);
		strata_pq_column *s = j < 0 ? NULL : &in->cols[j];
		rc = s && same_layout(s, &cols[i]) ? move_column(s, &cols[i], out)
		                                   : cast_column(s, &cols[i], out);
		if (rc) {
			strata_pq_table_free(out);
			return rc;
		}
	}
	return 0;
}

/* Copy in into out with schema cols[0..ncols): columns are found by name and
 * widened; missing ones are all null. */
int store_cast_table(const strata_pq_table *in, const colspec *cols, size_t ncols,
                     strata_pq_table *out)
{
	int rc;

	strata_pq_table_init(out, in->nrows);
	for (size_t i = 0; i < ncols; i++) {
		/* cols holds ncols entries (every caller's schema) */
		/* NOLINTNEXTLINE(clang-analyzer-core.NullDereference) */
		long j = store_find_col(in, cols[i].name);
		if ((rc = cast_column(j < 0 ? NULL : &in->cols[j], &cols[i], out))) {
			strata_pq_table_free(out);
			return rc;
		}
	}
	return 0;
}

int store_check_tz(const char *item, const char *column, const char *tz)
{
	size_t n = tz ? strlen(tz) : 0;

	for (size_t i = 0; i < n; i++)
		if (tz[i] < 0x21 || tz[i] > 0x7e || tz[i] == '"' || tz[i] == '\\')
			n = 0;
	if (n == 0 || n > 64)
		return strata_error_set(STRATA_EINVAL,
		                        "item %s: column %s: bad time zone name (1 to 64 printable "
		                        "ASCII characters)",
		                        item, column);
	return 0;
}

int store_colspec_copy(colspec *dst, const colspec *src)
{
	*dst = *src;
	dst->name = strdup(src->name);
	dst->tz = src->tz ? strdup(src->tz) : NULL;
	if (!dst->name || (src->tz && !dst->tz)) {
		free(dst->name);
		free(dst->tz);
		dst->name = dst->tz = NULL;
		return strata_error_set(STRATA_ENOMEM, "out of memory");
	}
	return 0;
}

/* Set the zones of tzs (NULL-terminated (column, zone) pairs) on columns
 * cols[from..ncols); every named column must be a UTC timestamp of cols. */
static int apply_timezones(const char *item, colspec *cols, size_t ncols, size_t from,
                           const char *const *tzs)
{
	int rc;

	for (size_t k = 0; tzs && tzs[k]; k += 2) {
		size_t i = 0;
		while (i < ncols && strcmp(cols[i].name, tzs[k]) != 0)
			i++;
		if (i == ncols || cols[i].type != STRATA_PQ_TIMESTAMP || !cols[i].utc)
			return strata_error_set(STRATA_EINVAL,
			                        "item %s: time zone for %s, which is not a UTC "
			                        "timestamp column",
			                        item, tzs[k]);
		if ((rc = store_check_tz(item, tzs[k], tzs[k + 1])))
			return rc;
		if (i < from)
			continue; /* an existing column keeps its zone */
		free(cols[i].tz);
		if (!(cols[i].tz = strdup(tzs[k + 1])))
			return strata_error_set(STRATA_ENOMEM, "out of memory");
	}
	return 0;
}

/* The schema of table t. */
static int schema_of(const strata_pq_table *t, colspec **cols, size_t *ncols)
{
	*cols = calloc(t->ncols ? t->ncols : 1, sizeof **cols);
	if (!*cols)
		return strata_error_set(STRATA_ENOMEM, "out of memory");
	*ncols = t->ncols;
	for (size_t i = 0; i < t->ncols; i++) {
		(*cols)[i].type = t->cols[i].type;
		(*cols)[i].unit = t->cols[i].unit;
		(*cols)[i].utc = t->cols[i].utc;
		if (!((*cols)[i].name = strdup(t->cols[i].name))) {
			store_cols_free(*cols, *ncols);
			return strata_error_set(STRATA_ENOMEM, "out of memory");
		}
	}
	return 0;
}

/* ---- input checks and sorting ------------------------------------------- */

/* Check the STRING column key2 of a composite key: present, no nulls. */
static int check_key2(const char *item, const strata_pq_table *t, const char *key, const char *key2)
{
	long j = store_find_col(t, key2);
	const strata_pq_column *c = j >= 0 ? &t->cols[j] : NULL;

	if (!c || c->type != STRATA_PQ_STRING || !strcmp(key, key2))
		return strata_error_set(STRATA_ESCHEMA,
		                        "item %s: the second key column %s must be a string column",
		                        item, key2);
	for (size_t i = 0; c->validity && i < t->nrows; i++)
		if (!strata_pq_is_valid(c, i))
			return strata_error_set(STRATA_EINVAL,
			                        "item %s: key column %s: row %zu is null", item,
			                        key2, i);
	return 0;
}

/* Check a caller's table: unique column names, a TIMESTAMP (NANOS) key
 * column without nulls or NaT, and key2 (when not NULL) a STRING column
 * without nulls. *keycol is the key's index. */
static int check_table(const char *item, const strata_pq_table *t, const char *key,
                       const char *key2, long *keycol)
{
	const strata_pq_column *k;
	const int64_t *v;

	for (size_t i = 0; i < t->ncols; i++)
		for (size_t j = i + 1; j < t->ncols; j++)
			if (!strcmp(t->cols[i].name, t->cols[j].name))
				return strata_error_set(STRATA_EINVAL,
				                        "item %s: column %s repeated", item,
				                        t->cols[i].name);
	if ((*keycol = store_find_col(t, key)) < 0)
		return strata_error_set(STRATA_ESCHEMA, "item %s: no key column %s", item, key);
	k = &t->cols[*keycol];
	if (k->type != STRATA_PQ_TIMESTAMP || k->unit != STRATA_PQ_NANOS)
		return strata_error_set(STRATA_ESCHEMA,
		                        "item %s: key column %s must be a timestamp in ns, not %s",
		                        item, key, strata_pq_type_name(k->type));
	v = k->values;
	for (size_t i = 0; i < t->nrows; i++)
		if (!strata_pq_is_valid(k, i) || v[i] == INT64_MIN)
			return strata_error_set(STRATA_EINVAL,
			                        "item %s: key column %s: row %zu is null (NaT)",
			                        item, key, i);
	return key2 ? check_key2(item, t, key, key2) : 0;
}

/* A row's sort key: timestamp, then (composite keys) the string's bytes,
 * then the row number, which makes qsort stable. */
typedef struct keyed {
	int64_t key;
	const char *s;
	size_t len;
	size_t row;
} keyed;

/* Byte-wise order of two strings (UTF-8: code point order, as Python's). */
static int bytes_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	int r = alen && blen ? memcmp(a, b, alen < blen ? alen : blen) : 0;

	return r ? r : (alen > blen) - (alen < blen);
}

static int compare_keyed(const void *a, const void *b)
{
	const keyed *x = a, *y = b;
	int r;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	if ((r = bytes_cmp(x->s, x->len, y->s, y->len)))
		return r;
	return x->row < y->row ? -1 : x->row > y->row;
}

/* Whether the rows in tmp (in row order) are already in key order, so that
 * a stable sort would leave them as they are (the common case: a batch of
 * time series rows). */
static int keyed_in_order(const keyed *tmp, size_t n)
{
	for (size_t i = 1; i < n; i++)
		if (tmp[i - 1].key > tmp[i].key ||
		    (tmp[i - 1].key == tmp[i].key &&
		     bytes_cmp(tmp[i - 1].s, tmp[i - 1].len, tmp[i].s, tmp[i].len) > 0))
			return 0;
	return 1;
}

/* Refs to t's rows (source src) sorted stably by key column keycol, then
 * by string column key2col (-1: none). */
static int sort_rows(const strata_pq_table *t, long keycol, long key2col, size_t src, rowref **out)
{
	const int64_t *k = t->cols[keycol].values;
	const strata_pq_column *s2 = key2col >= 0 ? &t->cols[key2col] : NULL;
	keyed *tmp = malloc((t->nrows ? t->nrows : 1) * sizeof *tmp);

	*out = malloc((t->nrows ? t->nrows : 1) * sizeof **out);
	if (!tmp || !*out) {
		free(tmp);
		free(*out);
		*out = NULL;
		return strata_error_set(STRATA_ENOMEM, "out of memory");
	}
	for (size_t i = 0; i < t->nrows; i++) {
		tmp[i] = (keyed){.key = k[i], .row = i};
		if (s2) {
			tmp[i].s = s2->bytes + s2->offsets[i];
			tmp[i].len = (size_t)(s2->offsets[i + 1] - s2->offsets[i]);
		}
	}
	if (!keyed_in_order(tmp, t->nrows))
		qsort(tmp, t->nrows, sizeof *tmp, compare_keyed);
	for (size_t i = 0; i < t->nrows; i++)
		(*out)[i] = (rowref){src, tmp[i].row};
	free(tmp);
	return 0;
}

/* ---- versions ----------------------------------------------------------- */

/* The current version number of the item (0: the item does not exist). A
 * plain directory (an item written by PyStore) is EUNSUPPORTED. */
int store_current_version(const item_paths *p, unsigned *version)
{
	char target[PATH_SZ];
	struct stat st;
	size_t plen = strlen(p->vprefix);
	ssize_t n;
	char *end;

	*version = 0;
	if (lstat(p->link, &st) != 0) {
		if (errno == ENOENT)
			return 0;
		return strata_error_set_errno("item %s: %s", p->name, p->link);
	}
	if (!S_ISLNK(st.st_mode))
		return strata_error_set(STRATA_EUNSUPPORTED,
		                        "item %s: %s is not a strata version link (written by "
		                        "PyStore?); rewrite it with overwrite",
		                        p->name, p->link);
	n = readlink(p->link, target, sizeof target - 1);
	if (n < 0)
		return strata_error_set_errno("item %s: %s", p->name, p->link);
	target[n] = '\0';
	if (strncmp(target, p->vprefix, plen) != 0 || target[plen] != 'v' ||
	    (*version = (unsigned)strtoul(target + plen + 1, &end, 10)) == 0 || *end)
		return strata_error_set(STRATA_EPARSE, "item %s: %s points at %s, not a version",
		                        p->name, p->link, target);
	return 0;
}

void store_version_dir(const item_paths *p, unsigned v, char out[PATH_SZ])
{
	snprintf(out, PATH_SZ, "%s/v%08u", p->vroot, v);
}

/* Remove everything in vroot except version keep, and a stray temp link. */
int store_clean_strays(const item_paths *p, unsigned keep)
{
	char name[32], path[PATH_SZ];
	struct dirent *e;
	DIR *d;
	int rc = 0;

	if (unlink(p->tmp_link) != 0 && errno != ENOENT &&
	    (errno != EISDIR || (rc = strata_remove_tree(p->tmp_link))))
		return rc ? rc
		          : strata_error_set_errno("item %s: cannot remove %s", p->name,
		                                   p->tmp_link);
	if (!(d = opendir(p->vroot)))
		return errno == ENOENT ? 0 : strata_error_set_errno("cannot list %s", p->vroot);
	snprintf(name, sizeof name, "v%08u", keep);
	while (!rc && (e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") ||
		    (keep && !strcmp(e->d_name, name)))
			continue;
		snprintf(path, sizeof path, "%s/%s", p->vroot, e->d_name);
		rc = strata_remove_tree(path);
	}
	closedir(d);
	return rc;
}

static int vbuild_push(vbuild *b, part **out)
{
	if (b->m.nparts == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 8;
		part *grown = realloc(b->m.parts, cap * sizeof *grown);
		if (!grown)
			return strata_error_set(STRATA_ENOMEM, "out of memory");
		b->m.parts = grown;
		b->cap = cap;
	}
	*out = &b->m.parts[b->m.nparts];
	memset(*out, 0, sizeof **out);
	snprintf((*out)->file, STORE_PART_NAME_SZ, "part.%zu.parquet", b->m.nparts);
	b->m.nparts++;
	return 0;
}

/* Hard-link part old (of folder from) into the new version. */
int store_vbuild_link(vbuild *b, const char *from, const part *old)
{
	char src[PATH_SZ], dst[PATH_SZ];
	part *np = NULL;
	int rc;

	if ((rc = vbuild_push(b, &np)) || !np)
		return rc ? rc : strata_error_set(STRATA_ENOMEM, "out of memory");
	*np = (part){.rows = old->rows,
	             .min = old->min,
	             .max = old->max,
	             .size = old->size,
	             .crc = old->crc,
	             .has_crc = old->has_crc,
	             .stats = json_incref(old->stats)};
	snprintf(np->file, STORE_PART_NAME_SZ, "part.%zu.parquet", b->m.nparts - 1);
	snprintf(src, sizeof src, "%s/%s", from, old->file);
	snprintf(dst, sizeof dst, "%s/%s", b->dir, np->file);
	if (link(src, dst) != 0)
		return strata_error_set_errno("item %s: cannot link %s to %s", b->paths->name, src,
		                              dst);
	return 0;
}

/* pandas' numpy dtype name for a column type. */
static const char *numpy_type(const strata_pq_column *c)
{
	static const char *const names[] = {
	    [STRATA_PQ_INT8] = "int8",
	    [STRATA_PQ_INT16] = "int16",
	    [STRATA_PQ_INT32] = "int32",
	    [STRATA_PQ_UINT8] = "uint8",
	    [STRATA_PQ_UINT16] = "uint16",
	    [STRATA_PQ_UINT32] = "uint32",
	    [STRATA_PQ_INT64] = "int64",
	    [STRATA_PQ_UINT64] = "uint64",
	    [STRATA_PQ_TIMESTAMP] = "datetime64[ns]",
	    [STRATA_PQ_FLOAT] = "float32",
	    [STRATA_PQ_DOUBLE] = "float64",
	    [STRATA_PQ_BOOL] = "bool",
	    [STRATA_PQ_STRING] = "object",
	};
	return (unsigned)c->type <= STRATA_PQ_STRING ? names[c->type] : "object";
}

/* pandas' own type name for a column type. */
static const char *pandas_type(const strata_pq_column *c)
{
	if (c->type == STRATA_PQ_STRING)
		return "unicode";
	if (c->type == STRATA_PQ_TIMESTAMP)
		return c->utc ? "datetimetz" : "datetime";
	return numpy_type(c);
}

/* The time zone of UTC timestamp column name in specs (UTC when unnamed). */
static const char *zone_of(const colspec *specs, size_t nspecs, const char *name)
{
	for (size_t i = 0; i < nspecs; i++)
		if (!strcmp(specs[i].name, name))
			return specs[i].tz ? specs[i].tz : "UTC";
	return "UTC";
}

/* The "pandas" key/value metadata pyarrow writes, so that pandas, dask and
 * PyStore restore the key column(s) as the DataFrame's index and every
 * UTC timestamp column in its time zone. */
char *store_pandas_metadata(const strata_pq_table *t, const char *key, const char *key2,
                            const colspec *specs, size_t nspecs)
{
	json_t *root = json_object(), *cols = json_array();
	char *text;

	for (size_t i = 0; i < t->ncols; i++) {
		const strata_pq_column *c = &t->cols[i];
		json_t *meta = c->type == STRATA_PQ_TIMESTAMP && c->utc
		                   ? json_pack("{s:s}", "timezone", zone_of(specs, nspecs, c->name))
		                   : json_null();
		json_array_append_new(cols, json_pack("{s:s, s:s, s:s, s:s, s:o}", "name", c->name,
		                                      "field_name", c->name, "pandas_type",
		                                      pandas_type(c), "numpy_type", numpy_type(c),
		                                      "metadata", meta));
	}
	json_object_set_new(root, "index_columns",
	                    key2 ? json_pack("[s, s]", key, key2) : json_pack("[s]", key));
	json_object_set_new(root, "column_indexes", json_array());
	json_object_set_new(root, "columns", cols);
	json_object_set_new(
	    root, "creator",
	    json_pack("{s:s, s:s}", "library", "strata", "version", STRATA_VERSION));
	json_object_set_new(root, "pandas_version", json_string("1.5.3"));
	text = json_dumps(root, JSON_PRESERVE_ORDER | JSON_COMPACT);
	json_decref(root);
	return text;
}

/* Record the column statistics of the part just written from t (its size
 * and CRC-32C came from the writer). */
static int part_describe(const char *item, const strata_pq_table *t, part *np)
{
	np->has_crc = 1;
	if (!(np->stats = store_table_stats(t)))
		return strata_error_set(STRATA_ENOMEM, "item %s: out of memory", item);
	return 0;
}

int store_vbuild_write(vbuild *b, const strata_pq_table *t)
{
	long keycol = store_find_col(t, b->m.key);
	const int64_t *k = keycol >= 0 && t->nrows ? t->cols[keycol].values : NULL;
	strata_pq_kv kv = {"pandas", NULL};
	/* Snappy, as PyStore (pyarrow) writes by default. */
	strata_pq_write_options opts = {
	    .codec = STRATA_PQ_SNAPPY, .row_group_rows = b->row_group_rows, .kv = &kv, .nkv = 1};
	/* the CRC-32C is computed as the bytes are written, not re-read after */
	char path[PATH_SZ];
	part *np;
	int rc;

	if (!k)
		return strata_error_set(STRATA_EINVAL, "item %s: empty part or no key column %s",
		                        b->paths->name, b->m.key);
	if ((rc = vbuild_push(b, &np)))
		return rc;
	np->rows = t->nrows;
	np->min = k[0];
	np->max = k[t->nrows - 1];
	opts.crc32c = &np->crc;
	opts.size = &np->size;
	snprintf(path, sizeof path, "%s/%s", b->dir, np->file);
	if (!(kv.value = store_pandas_metadata(t, b->m.key, b->m.key2, b->m.cols, b->m.ncols)))
		return strata_error_set(STRATA_ENOMEM, "item %s: out of memory", b->paths->name);
	rc = strata_parquet_write(path, t, &opts);
	free(kv.value);
	if (rc)
		return strata_error_wrap(rc, "item %s", b->paths->name);
	return part_describe(b->paths->name, t, np);
}

static size_t part_rows_of(const strata_store_options *opts)
{
	return opts && opts->part_rows ? opts->part_rows : STRATA_STORE_PART_ROWS;
}

/* Whether refs[0..n) are consecutive rows of one source whose columns have
 * no validity bitmap: then view_rows can stand for store_gather. */
static int viewable(const strata_pq_table *const *srcs, const rowref *refs, size_t n)
{
	const strata_pq_table *t = srcs[refs[0].src];

	for (size_t i = 1; i < n; i++)
		if (refs[i].src != refs[0].src || refs[i].row != refs[0].row + i)
			return 0;
	for (size_t j = 0; j < t->ncols; j++)
		if (t->cols[j].validity)
			return 0;
	return 1;
}

/* Columns of out point into rows [row, row + n) of src's arrays (no copy);
 * each gets an all-set validity bitmap (as store_gather gives it) and a
 * string column its own offsets from 0. Free out with view_free. */
static int view_rows(const strata_pq_table *src, size_t row, size_t n, strata_pq_table *out)
{
	int rc = 0;

	strata_pq_table_init(out, n);
	for (size_t j = 0; !rc && j < src->ncols; j++) {
		const strata_pq_column *s = &src->cols[j];
		strata_pq_column *c;
		if ((rc = add_column(out, s->name, s->type, s->unit, s->utc, &c)))
			break;
		if (s->type == STRATA_PQ_STRING) {
			for (size_t i = 0; i <= n; i++)
				c->offsets[i] = s->offsets[row + i] - s->offsets[row];
			c->bytes = s->bytes ? s->bytes + s->offsets[row] : NULL;
		} else {
			free(c->values);
			c->values = (char *)s->values + row * strata_pq_type_size(s->type);
		}
		if (!(c->validity = new_validity(n)))
			rc = strata_error_set(STRATA_ENOMEM, "out of memory");
		else
			set_valid_range(c->validity, 0, n);
	}
	return rc;
}

/* Free a table made by view_rows (the viewed arrays stay). */
static void view_free(strata_pq_table *t)
{
	for (size_t j = 0; j < t->ncols; j++) {
		if (t->cols[j].type == STRATA_PQ_STRING)
			t->cols[j].bytes = NULL;
		else
			t->cols[j].values = NULL;
	}
	strata_pq_table_free(t);
}

/* Gather refs in chunks of part_rows and write each as a part; a chunk of
 * consecutive rows of one source is written from a view, not a copy. */
static int vbuild_write_refs(vbuild *b, const strata_pq_table *const *srcs, const rowref *refs,
                             size_t n, size_t part_rows)
{
	strata_pq_table t;
	int rc = 0;

	for (size_t off = 0; !rc && off < n; off += part_rows) {
		size_t len = n - off < part_rows ? n - off : part_rows;
		if (viewable(srcs, refs + off, len)) {
			if (!(rc = view_rows(srcs[refs[off].src], refs[off].row, len, &t)))
				rc = store_vbuild_write(b, &t);
			view_free(&t);
			continue;
		}
		if ((rc = store_gather(srcs, srcs[0]->ncols, refs + off, len, &t)))
			return rc;
		rc = store_vbuild_write(b, &t);
		strata_pq_table_free(&t);
	}
	return rc;
}

int store_vbuild_start(vbuild *b, const item_paths *p, unsigned version, const char *key,
                       colspec *cols, size_t ncols)
{
	memset(b, 0, sizeof *b);
	b->paths = p;
	b->version = version;
	b->m.key = (char *)key;
	b->m.cols = cols;
	b->m.ncols = ncols;
	store_version_dir(p, version, b->dir);
	if (mkdir(b->dir, 0755) != 0)
		return strata_error_set_errno("item %s: cannot create %s", p->name, b->dir);
	return 0;
}

void store_vbuild_free(vbuild *b)
{
	for (size_t i = 0; i < b->m.nparts; i++)
		json_decref(b->m.parts[i].stats);
	free(b->m.parts);
	b->m.parts = NULL;
}

/* Put the new link p->tmp_link in place of p->link. A plain item folder
 * (PyStore's) is exchanged with the link atomically (RENAME_EXCHANGE: the
 * folder or the link, never neither) and then removed; the next writer's
 * store_clean_strays removes it if we crash before. */
static int swap_link(const item_paths *p)
{
	struct stat st;
	int rc;

	if (lstat(p->link, &st) == 0 && S_ISDIR(st.st_mode)) {
		if (renameat2(AT_FDCWD, p->tmp_link, AT_FDCWD, p->link, RENAME_EXCHANGE) != 0)
			return strata_error_set_errno("item %s: cannot exchange %s and %s", p->name,
			                              p->tmp_link, p->link);
		if ((rc = strata_fsync_dir(p->coldir)))
			return rc;
		return strata_remove_tree(p->tmp_link);
	}
	if (rename(p->tmp_link, p->link) != 0)
		return strata_error_set_errno("item %s: cannot rename %s to %s", p->name,
		                              p->tmp_link, p->link);
	return strata_fsync_dir(p->coldir);
}

/* Finish the version: metadata, manifest, fsync, then swap the link and
 * remove the previous version (old; 0: none). */
int store_vbuild_commit(vbuild *b, const json_t *meta, unsigned old)
{
	const item_paths *p = b->paths;
	char target[PATH_SZ], olddir[PATH_SZ];
	int rc;

	if ((rc = store_metadata_write(b->dir, meta, strata_time_now())) ||
	    (rc = store_manifest_save(b->dir, &b->m)) || (rc = strata_fsync_dir(b->dir)) ||
	    (rc = strata_fsync_dir(p->vroot)) || (rc = strata_fsync_dir(p->sdir)))
		return strata_error_wrap(rc, "item %s", p->name);
	snprintf(target, sizeof target, "%sv%08u", p->vprefix, b->version);
	if (unlink(p->tmp_link) != 0 && errno != ENOENT)
		return strata_error_set_errno("item %s: %s", p->name, p->tmp_link);
	if (symlink(target, p->tmp_link) != 0)
		return strata_error_set_errno("item %s: cannot create %s", p->name, p->tmp_link);
	if ((rc = swap_link(p)))
		return rc;
	if (!old)
		return 0;
	store_version_dir(p, old, olddir);
	return strata_remove_tree(olddir);
}

/* ---- locking and folders ------------------------------------------------ */

int store_ensure_dir(const char *dir, const char *meta_json)
{
	char path[PATH_SZ];
	struct stat st;
	json_t *meta;
	int rc;

	if ((rc = strata_mkdir_p(dir, 0755)))
		return rc;
	if (snprintf(path, sizeof path, "%s/%s", dir, STORE_METADATA_FILE) >= (int)sizeof path)
		return strata_error_set(STRATA_ELIMIT, "path too long: %s", dir);
	if (stat(path, &st) == 0)
		return 0;
	meta = json_loads(meta_json, 0, NULL);
	rc = store_metadata_write(dir, meta, strata_time_now());
	json_decref(meta);
	return rc;
}

/* Take the lock at path, polling until timeout_ms (> 0) has passed. */
static int lock_with_timeout(const char *item, const char *path, long timeout_ms,
                             strata_file_lock *lock)
{
	int64_t deadline = strata_time_monotonic_ns() + (int64_t)timeout_ms * 1000000;
	int rc;

	while ((rc = strata_file_lock_acquire(lock, path, 1, 0)) == STRATA_EBUSY) {
		if (strata_time_monotonic_ns() >= deadline)
			break;
		usleep(LOCK_POLL_US);
	}
	if (rc == STRATA_EBUSY)
		return strata_error_set(STRATA_EBUSY,
		                        "item %s: another writer holds %s (waited %ld ms)", item,
		                        path, timeout_ms);
	return rc;
}

/* Create the folders and take the item's writer lock. */
int store_lock_item(const item_paths *p, int create, const strata_store_options *opts,
                    strata_file_lock *lock)
{
	long timeout = opts ? opts->lock_timeout_ms : 0;
	struct stat st;
	int rc;

	if (create && ((rc = store_ensure_dir(p->store, "{\"engine\": \"pyarrow\"}")) ||
	               (rc = store_ensure_dir(p->coldir, "{}"))))
		return rc;
	if (!create && stat(p->coldir, &st) != 0)
		return strata_error_set(STRATA_ENOTFOUND, "item %s: no collection %s", p->name,
		                        p->coldir);
	if ((rc = strata_mkdir_p(p->sdir, 0755)) || (rc = strata_mkdir_p(p->vroot, 0755)))
		return rc;
	if (timeout > 0)
		return lock_with_timeout(p->name, p->lock, timeout, lock);
	if (timeout == 0)
		return strata_file_lock_acquire(lock, p->lock, 1, 1);
	if ((rc = strata_file_lock_acquire(lock, p->lock, 1, 0)) == STRATA_EBUSY)
		return strata_error_set(STRATA_EBUSY, "item %s: another writer holds %s", p->name,
		                        p->lock);
	return rc;
}

/* ---- write -------------------------------------------------------------- */

static int parse_meta(const char *item, const char *text, json_t **out)
{
	json_error_t err;

	*out = NULL;
	if (!text)
		return 0;
	*out = json_loads(text, JSON_REJECT_DUPLICATES, &err);
	if (!*out || !json_is_object(*out)) {
		json_decref(*out);
		*out = NULL;
		return strata_error_set(STRATA_EINVAL, "item %s: metadata must be a JSON object",
		                        item);
	}
	return 0;
}

/* Merge patch (may be NULL) into meta: its keys replace meta's, a null
 * value removes the key. */
static int merge_metadata(json_t *meta, const json_t *patch)
{
	const char *k;
	json_t *v;

	/* json_object_foreach does not modify patch */
	json_object_foreach((json_t *)patch, k, v)
	{
		int rc =
		    json_is_null(v) ? (json_object_del(meta, k), 0) : json_object_set(meta, k, v);
		if (rc)
			return strata_error_set(STRATA_ENOMEM, "out of memory");
	}
	return 0;
}

/* Build and commit version cur+1 holding all of t's rows. */
static int write_all(const item_paths *p, unsigned cur, const strata_pq_table *t, long keycol,
                     const json_t *meta, const strata_store_options *opts)
{
	const strata_pq_table *srcs[1] = {t};
	const char *key2 = opts ? opts->key2_column : NULL;
	colspec *cols = NULL;
	size_t ncols = 0;
	rowref *refs = NULL;
	vbuild b;
	int rc;

	if ((rc = schema_of(t, &cols, &ncols)))
		return rc;
	if ((rc = apply_timezones(p->name, cols, ncols, 0, opts ? opts->timezones : NULL)) ||
	    (rc = sort_rows(t, keycol, key2 ? store_find_col(t, key2) : -1, 0, &refs)))
		goto out;
	rc = store_vbuild_start(&b, p, cur + 1, t->cols[keycol].name, cols, ncols);
	if (!rc) {
		b.m.key2 = (char *)key2;
		b.row_group_rows = opts ? opts->row_group_rows : 0;
		rc = vbuild_write_refs(&b, srcs, refs, t->nrows, part_rows_of(opts));
		if (!rc)
			rc = store_vbuild_commit(&b, meta, cur);
		store_vbuild_free(&b);
	}
out:
	free(refs);
	store_cols_free(cols, ncols);
	return rc;
}

/* Replace a plain item folder (PyStore's) by moving it aside. */
static int move_legacy(const item_paths *p)
{
	char aside[PATH_SZ];
	int rc;

	snprintf(aside, sizeof aside, "%s/legacy", p->vroot);
	if ((rc = strata_remove_tree(aside)))
		return rc;
	if (rename(p->link, aside) != 0)
		return strata_error_set_errno("item %s: cannot move %s", p->name, p->link);
	return 0;
}

/* The locked part of write: check existence, clean, build, swap. */
static int write_locked(const item_paths *p, const strata_pq_table *t, long keycol,
                        const json_t *meta, int overwrite, const strata_store_options *opts)
{
	unsigned cur;
	int rc = store_current_version(p, &cur);

	if (rc == STRATA_EUNSUPPORTED && overwrite && !(rc = store_clean_strays(p, 0)))
		rc = move_legacy(p); /* removed by the next writer */
	else if (!rc && cur && !overwrite)
		rc = strata_error_set(STRATA_EEXIST, "item %s already exists in %s", p->name,
		                      p->coldir);
	else if (!rc)
		rc = store_clean_strays(p, cur);
	if (rc)
		return rc;
	return write_all(p, cur, t, keycol, meta, opts);
}

/* The (column, zone) list of m's zoned columns into zones (2 * ncols + 1). */
static void zones_of(const manifest *m, const char **zones)
{
	size_t n = 0;

	for (size_t i = 0; i < m->ncols; i++)
		if (m->cols[i].tz) {
			zones[n++] = m->cols[i].name;
			zones[n++] = m->cols[i].tz;
		}
	zones[n] = NULL;
}

/* Convert the plain item folder p->link (written by PyStore) into strata
 * version 1: its rows (parts in numeric order) sorted by key and rewritten,
 * its metadata, a manifest; swap_link exchanges folder and link. */
static int adopt_plain(const item_paths *p, const strata_store_options *opts, unsigned *cur)
{
	strata_store_options o = {0};
	const char **zones = NULL;
	strata_pq_table t;
	json_t *meta = NULL;
	manifest m = {0};
	int rc;

	strata_pq_table_init(&t, 0);
	if (opts)
		o = *opts;
	if ((rc = store_manifest_load(p->link, &m)) || (rc = store_metadata_read(p->link, &meta)) ||
	    (rc = store_item_read_dir(p->name, p->link, NULL, &t)) ||
	    (rc = store_clean_strays(p, 0)))
		goto out;
	if (!(zones = calloc(2 * m.ncols + 1, sizeof *zones))) {
		rc = strata_error_set(STRATA_ENOMEM, "out of memory");
		goto out;
	}
	zones_of(&m, zones);
	o.timezones = zones;
	o.key2_column = m.key2;
	if (!(rc = write_all(p, 0, &t, store_find_col(&t, m.key), meta, &o)))
		*cur = 1;
out:
	free((void *)zones);
	strata_pq_table_free(&t);
	json_decref(meta);
	store_manifest_free(&m);
	return rc ? strata_error_wrap(rc, "item %s: converting PyStore folder %s", p->name, p->link)
	          : 0;
}

/* The current version for a writer; a plain PyStore folder is converted
 * to version 1 first. */
int store_writer_version(const item_paths *p, const strata_store_options *opts, unsigned *cur)
{
	int rc = store_current_version(p, cur);

	if (rc == STRATA_EUNSUPPORTED && store_is_plain_item_dir(p->link)) {
		strata_error_clear();
		return adopt_plain(p, opts, cur);
	}
	return rc;
}

/* See item_internal.h. */
int store_writer_current(const item_paths *p, const strata_store_options *opts, unsigned *cur,
                         char *vdir, manifest *m)
{
	int rc;

	if ((rc = store_writer_version(p, opts, cur)))
		return rc;
	if (!*cur) {
		(void)strata_remove_tree(p->vroot);
		return strata_error_set(STRATA_ENOTFOUND, "item %s does not exist in %s", p->name,
		                        p->coldir);
	}
	if ((rc = store_clean_strays(p, *cur)))
		return rc;
	store_version_dir(p, *cur, vdir);
	if ((rc = store_manifest_load(vdir, m)))
		return strata_error_wrap(rc, "item %s", p->name);
	return 0;
}

int strata_store_write(const char *root, const char *store, const char *collection,
                       const char *item, const strata_pq_table *table, const char *key_column,
                       const char *metadata_json, int overwrite, const strata_store_options *opts)
{
	strata_file_lock lock;
	item_paths p = {0};
	json_t *meta;
	long keycol;
	int rc;

	if ((rc = store_paths_init(&p, root, store, collection, item)))
		return rc;
	if (!table || !key_column)
		return strata_error_set(STRATA_EINVAL, "item %s: no table or key column", item);
	if ((rc = check_table(item, table, key_column, opts ? opts->key2_column : NULL, &keycol)) ||
	    (rc = parse_meta(item, metadata_json, &meta)))
		return rc;
	if (!(rc = store_lock_item(&p, 1, opts, &lock))) {
		rc = write_locked(&p, table, keycol, meta, overwrite, opts);
		strata_file_lock_release(&lock);
	}
	json_decref(meta);
	return rc;
}

/* ---- append ------------------------------------------------------------- */

/* Whether an existing column of type from may hold a batch column of type to,
 * and the resulting type in *res. */
static int compatible(const colspec *old, const strata_pq_column *c, strata_pq_type *res)
{
	strata_pq_type a = old->type, b = c->type;

	/* res points into the caller's column array */
	/* NOLINTNEXTLINE(clang-analyzer-core.NullDereference) */
	*res = a;
	if (a == b)
		return a != STRATA_PQ_TIMESTAMP || old->unit == c->unit;
	if ((a == STRATA_PQ_INT32 && b == STRATA_PQ_INT64) ||
	    (a == STRATA_PQ_FLOAT && b == STRATA_PQ_DOUBLE)) {
		*res = b;
		return 1;
	}
	return (a == STRATA_PQ_INT64 && b == STRATA_PQ_INT32) ||
	       (a == STRATA_PQ_DOUBLE && b == STRATA_PQ_FLOAT);
}

/* Check that t may be appended to an item with schema m: every column of
 * m, with the same or a widened type. *evolved: a column widens or is new. */
static int check_schema(const char *item, const manifest *m, const strata_pq_table *t, int *evolved)
{
	*evolved = t->ncols != m->ncols;
	for (size_t i = 0; i < m->ncols; i++) {
		long j = store_find_col(t, m->cols[i].name);
		strata_pq_type res;
		if (j < 0)
			return strata_error_set(STRATA_ESCHEMA,
			                        "item %s: the batch lacks column %s", item,
			                        m->cols[i].name);
		if (!compatible(&m->cols[i], &t->cols[j], &res))
			return strata_error_set(
			    STRATA_ESCHEMA, "item %s: column %s: cannot change type %s to %s", item,
			    m->cols[i].name, strata_pq_type_name(m->cols[i].type),
			    strata_pq_type_name(t->cols[j].type));
		*evolved |= res != m->cols[i].type;
	}
	return 0;
}

/* The schema after appending t to an item with schema m: the old columns
 * (widened) then t's new ones. *evolved: the old parts must be rewritten. */
static int unify_schema(const char *item, const manifest *m, const strata_pq_table *t,
                        colspec **cols, size_t *ncols, int *evolved)
{
	colspec *sorted;
	size_t n = 0;
	int rc;

	if ((rc = check_schema(item, m, t, evolved)) || (rc = schema_of(t, cols, ncols)))
		return rc;
	if (!(sorted = calloc(*ncols ? *ncols : 1, sizeof *sorted))) {
		store_cols_free(*cols, *ncols);
		*cols = NULL;
		return strata_error_set(STRATA_ENOMEM, "out of memory");
	}
	for (size_t i = 0; i < m->ncols; i++) {
		long j = store_find_col(t, m->cols[i].name);
		if (j < 0) /* check_schema guarantees every old column is present */
			continue;
		compatible(&m->cols[i], &t->cols[j], &(*cols)[j].type);
		/* *cols holds ncols >= m->ncols entries (check_schema) */
		sorted[n++] = (*cols)[j]; /* NOLINT(clang-analyzer-core.NullDereference) */
		(*cols)[j].name = NULL;
	}
	for (size_t j = 0; j < *ncols; j++)
		if ((*cols)[j].name) /* NOLINT(clang-analyzer-core.NullDereference) */
			sorted[n++] = (*cols)[j];
	free(*cols);
	*cols = sorted;
	return 0;
}

/* The state of one append. */
typedef struct append_ctx {
	const item_paths *p;
	manifest m;         /* current version */
	char vdir[PATH_SZ]; /* current version folder */
	unsigned cur;       /* current version */
	colspec *cols;      /* resulting schema */
	size_t ncols;
	int evolved;           /* schema changed: rewrite every part */
	strata_pq_table batch; /* cast to cols */
	rowref *brefs;         /* batch rows sorted by key */
	strata_pq_table *olds; /* touched parts, cast to cols */
	size_t a, b;           /* touched parts [a, b) */
	const strata_pq_table **srcs;
	rowref *out; /* merged rows */
	size_t nout;
	int changed;
	long keycol, key2col; /* in cols (key2col -1: no composite key) */
	json_t *patch;        /* metadata to merge, or NULL */
} append_ctx;

static void append_free(append_ctx *c)
{
	store_manifest_free(&c->m);
	store_cols_free(c->cols, c->ncols);
	strata_pq_table_free(&c->batch);
	free(c->brefs);
	for (size_t i = 0; c->olds && i < c->b - c->a; i++)
		strata_pq_table_free(&c->olds[i]);
	free(c->olds);
	free(c->srcs);
	free(c->out);
	json_decref(c->patch);
}

/* Touched parts: those whose key range meets the batch's [lo, hi]. */
static void touched_range(append_ctx *c, int64_t lo, int64_t hi)
{
	size_t a = 0, b;

	if (c->evolved) {
		c->a = 0;
		c->b = c->m.nparts;
		return;
	}
	while (a < c->m.nparts && c->m.parts[a].max < lo)
		a++;
	b = a;
	while (b < c->m.nparts && c->m.parts[b].min <= hi)
		b++;
	c->a = a;
	c->b = b;
}

/*
 * A batch after the last key normally becomes new parts only. Once the item
 * ends with TAIL_SMALL_RUN parts smaller than half of part_rows, the batch
 * also takes in the trailing small parts, newest first, while the next older
 * one holds no more rows than what is merged so far (and the total fits in
 * part_rows): a binary counter, so the tail stays a few parts of growing
 * size and every row is rewritten about log2(part_rows / batch) times. This
 * keeps the number of parts, and with it the per-part cost of a version,
 * bounded however many small appends are made.
 */
static void merge_tail(append_ctx *c, size_t part_rows)
{
	size_t small = part_rows / 2, run = 0, acc = c->batch.nrows;

	if (c->evolved || c->a != c->m.nparts)
		return;
	while (run < c->m.nparts && c->m.parts[c->m.nparts - 1 - run].rows < small)
		run++;
	if (run < TAIL_SMALL_RUN)
		return;
	while (c->a > 0) {
		size_t rows = c->m.parts[c->a - 1].rows;
		if (rows >= small || rows > acc || acc + rows > part_rows)
			break;
		acc += rows;
		c->a--;
	}
}

/* Read the touched parts, cast to the new schema. */
static int load_touched(append_ctx *c)
{
	size_t n = c->b - c->a;
	char path[PATH_SZ];
	int rc = 0;

	c->olds = calloc(n + 1, sizeof *c->olds);
	c->srcs = calloc(n + 1, sizeof(const strata_pq_table *));
	if (!c->olds || !c->srcs)
		return strata_error_set(STRATA_ENOMEM, "out of memory");
	for (size_t i = 0; !rc && i < n; i++) {
		strata_pq_file *f;
		strata_pq_table raw = {0};
		snprintf(path, sizeof path, "%s/%s", c->vdir, c->m.parts[c->a + i].file);
		if ((rc = strata_parquet_open(path, &f)))
			break;
		rc = strata_parquet_read(f, NULL, 0, NULL, 0, &raw);
		strata_parquet_close(f);
		if (rc)
			break;
		strata_pq_table_init(&c->olds[i], 0);
		rc = store_cast_table_move(&raw, c->cols, c->ncols, &c->olds[i]);
		strata_pq_table_free(&raw);
		c->srcs[i] = &c->olds[i];
	}
	c->srcs[n] = &c->batch;
	return rc ? strata_error_wrap(rc, "item %s", c->p->name) : 0;
}

static int64_t ref_key(const append_ctx *c, const rowref *r)
{
	return ((const int64_t *)c->srcs[r->src]->cols[c->keycol].values)[r->row];
}

/* The string of a composite key's second column at r. */
static const char *ref_key2(const append_ctx *c, const rowref *r, size_t *len)
{
	const strata_pq_column *s = &c->srcs[r->src]->cols[c->key2col];

	*len = (size_t)(s->offsets[r->row + 1] - s->offsets[r->row]);
	return s->bytes + s->offsets[r->row];
}

/* Order of the full keys of rows a and b: timestamp, then the string. */
static int ref_cmp(const append_ctx *c, const rowref *a, const rowref *b)
{
	int64_t ka = ref_key(c, a), kb = ref_key(c, b);
	const char *sa, *sb;
	size_t la, lb;

	if (ka != kb)
		return ka < kb ? -1 : 1;
	if (c->key2col < 0)
		return 0;
	sa = ref_key2(c, a, &la);
	sb = ref_key2(c, b, &lb);
	return bytes_cmp(sa, la, sb, lb);
}

/* Refs to the touched parts' rows (sources 0..n-1), in key order. */
static int old_refs(const append_ctx *c, rowref **out, size_t *n)
{
	size_t nold = c->b - c->a, total = 0;

	for (size_t i = 0; i < nold; i++)
		total += c->olds[i].nrows;
	if (!(*out = malloc((total ? total : 1) * sizeof **out)))
		return strata_error_set(STRATA_ENOMEM, "out of memory");
	*n = 0;
	for (size_t i = 0; i < nold; i++)
		for (size_t r = 0; r < c->olds[i].nrows; r++)
			(*out)[(*n)++] = (rowref){i, r};
	return 0;
}

/* The end of the run of refs[i..n) whose full key is k's. */
static size_t run_end(const append_ctx *c, const rowref *refs, size_t i, size_t n, rowref k)
{
	while (i < n && ref_cmp(c, &refs[i], &k) == 0)
		i++;
	return i;
}

/* Fail an append with dup = error: key k is in the item and the batch. */
static int duplicate_error(const append_ctx *c, rowref k)
{
	char iso[48];
	size_t len = 0;
	const char *s = c->key2col >= 0 ? ref_key2(c, &k, &len) : "";

	key_iso(ref_key(c, &k), iso);
	if (c->key2col < 0)
		return strata_error_set(STRATA_EEXIST,
		                        "item %s: duplicate key %s already in the item", c->p->name,
		                        iso);
	return strata_error_set(STRATA_EEXIST,
	                        "item %s: duplicate key (%s, %.*s) already in the item", c->p->name,
	                        iso, (int)(len > 200 ? 200 : len), s);
}

static void emit(append_ctx *c, const rowref *refs, size_t from, size_t to)
{
	for (size_t i = from; i < to; i++)
		c->out[c->nout++] = refs[i];
}

/* Merge the touched parts' rows with the sorted batch into c->out, run of
 * equal full keys by run, applying dup where a key is in both. */
static int merge(append_ctx *c, strata_store_dup dup)
{
	size_t no = 0, nb = c->batch.nrows, i = 0, j = 0;
	rowref *old = NULL;
	int rc;

	if ((rc = old_refs(c, &old, &no)))
		return rc;
	if (!(c->out = malloc((no + nb + 1) * sizeof *c->out))) {
		free(old);
		return strata_error_set(STRATA_ENOMEM, "out of memory");
	}
	while (i < no || j < nb) {
		rowref k = j >= nb || (i < no && ref_cmp(c, &old[i], &c->brefs[j]) <= 0)
		               ? old[i]
		               : c->brefs[j];
		size_t ie = run_end(c, old, i, no, k);
		size_t je = run_end(c, c->brefs, j, nb, k);
		int both = ie > i && je > j;

		if (both && dup == STRATA_STORE_DUP_ERROR) {
			free(old);
			return duplicate_error(c, k);
		}
		if (!both || dup != STRATA_STORE_KEEP_LAST)
			emit(c, old, i, ie);
		if (!both || dup != STRATA_STORE_KEEP_FIRST) {
			c->changed |= je > j;
			emit(c, c->brefs, j, je);
		}
		i = ie;
		j = je;
	}
	free(old);
	return 0;
}

/* Write the new version: parts before a linked, merged rows, parts from b
 * linked. */
static int append_commit(append_ctx *c, const strata_store_options *opts)
{
	json_t *meta = NULL;
	vbuild b;
	int rc;

	if ((rc = store_metadata_read(c->vdir, &meta)) || (rc = merge_metadata(meta, c->patch)))
		goto out;
	rc = store_vbuild_start(&b, c->p, c->cur + 1, c->m.key, c->cols, c->ncols);
	b.m.key2 = c->m.key2;
	b.row_group_rows = opts ? opts->row_group_rows : 0;
	for (size_t i = 0; !rc && i < c->a; i++)
		rc = store_vbuild_link(&b, c->vdir, &c->m.parts[i]);
	if (!rc)
		rc = vbuild_write_refs(&b, c->srcs, c->out, c->nout, part_rows_of(opts));
	for (size_t i = c->b; !rc && i < c->m.nparts; i++)
		rc = store_vbuild_link(&b, c->vdir, &c->m.parts[i]);
	if (!rc)
		rc = store_vbuild_commit(&b, meta, c->cur);
	store_vbuild_free(&b);
out:
	json_decref(meta);
	return rc;
}

/* The old columns (cols[0..m->ncols)) keep their zones; the new ones take
 * the options' zones. */
static int inherit_zones(append_ctx *c, const strata_store_options *opts)
{
	for (size_t i = 0; c->cols && i < c->m.ncols && i < c->ncols; i++) {
		free(c->cols[i].tz);
		c->cols[i].tz = NULL;
		if (c->m.cols[i].tz && !(c->cols[i].tz = strdup(c->m.cols[i].tz)))
			return strata_error_set(STRATA_ENOMEM, "out of memory");
	}
	return apply_timezones(c->p->name, c->cols, c->ncols, c->m.ncols,
	                       opts ? opts->timezones : NULL);
}

/* Prepare the batch: schema, cast, sort. */
static int append_prepare(append_ctx *c, const strata_pq_table *t, const strata_store_options *opts)
{
	long keycol;
	int rc;

	if ((rc = check_table(c->p->name, t, c->m.key, c->m.key2, &keycol)) ||
	    (rc = unify_schema(c->p->name, &c->m, t, &c->cols, &c->ncols, &c->evolved)) ||
	    (rc = inherit_zones(c, opts)) ||
	    (rc = store_cast_table(t, c->cols, c->ncols, &c->batch)))
		return rc;
	/* the context owns cols and batch; append_free releases them */
	/* NOLINTNEXTLINE(clang-analyzer-unix.Malloc) */
	c->keycol = store_find_col(&c->batch, c->m.key);
	c->key2col = c->m.key2 ? store_find_col(&c->batch, c->m.key2) : -1;
	return sort_rows(&c->batch, c->keycol, c->key2col, 0, &c->brefs);
}

/* The locked part of append. */
static int append_locked(append_ctx *c, const strata_pq_table *t, strata_store_dup dup,
                         const strata_store_options *opts)
{
	const int64_t *k;
	int rc;

	if ((rc = store_writer_current(c->p, opts, &c->cur, c->vdir, &c->m)) ||
	    (rc = append_prepare(c, t, opts)))
		return rc;
	if (t->nrows == 0)
		return 0;
	k = c->batch.cols[c->keycol].values;
	/* append_prepare sorted the batch: brefs holds t->nrows > 0 entries */
	/* NOLINTNEXTLINE(clang-analyzer-core.*) */
	touched_range(c, k[c->brefs[0].row], k[c->brefs[t->nrows - 1].row]);
	merge_tail(c, part_rows_of(opts));
	/* The batch's refs point at source b - a (after the touched parts). */
	for (size_t i = 0; i < t->nrows; i++)
		c->brefs[i].src = c->b - c->a;
	if ((rc = load_touched(c)) || (rc = merge(c, dup)))
		return rc;
	return c->changed ? append_commit(c, opts) : 0;
}

int strata_store_append(const char *root, const char *store, const char *collection,
                        const char *item, const strata_pq_table *table, strata_store_dup dup,
                        const strata_store_options *opts)
{
	strata_file_lock lock;
	append_ctx c;
	item_paths p = {0};
	int rc;

	if ((rc = store_paths_init(&p, root, store, collection, item)))
		return rc;
	if (!table || (unsigned)dup > STRATA_STORE_DUP_ERROR)
		return strata_error_set(STRATA_EINVAL, "item %s: bad append arguments", item);
	memset(&c, 0, sizeof c);
	c.p = &p;
	if ((rc = parse_meta(item, opts ? opts->metadata_merge : NULL, &c.patch)) ||
	    (rc = store_lock_item(&p, 0, opts, &lock))) {
		json_decref(c.patch);
		return rc;
	}
	rc = append_locked(&c, table, dup, opts);
	append_free(&c);
	strata_file_lock_release(&lock);
	return rc;
}

/* ---- metadata ------------------------------------------------------------ */

/* A new version of the item with every part linked and metadata meta
 * (merged into the current metadata when merge). */
static int set_metadata_locked(const item_paths *p, json_t *meta, int merge,
                               const strata_store_options *opts)
{
	char vdir[PATH_SZ];
	json_t *cur_meta = NULL;
	manifest m = {0};
	unsigned cur;
	vbuild b;
	int rc;

	if ((rc = store_writer_current(p, opts, &cur, vdir, &m)))
		return rc;
	if (merge && !(rc = store_metadata_read(vdir, &cur_meta)))
		rc = merge_metadata(cur_meta, meta);
	if (!rc && !(rc = store_vbuild_start(&b, p, cur + 1, m.key, m.cols, m.ncols))) {
		b.m.key2 = m.key2;
		b.row_group_rows = opts ? opts->row_group_rows : 0;
		for (size_t i = 0; !rc && i < m.nparts; i++)
			rc = store_vbuild_link(&b, vdir, &m.parts[i]);
		if (!rc)
			rc = store_vbuild_commit(&b, merge ? cur_meta : meta, cur);
		store_vbuild_free(&b);
	}
	json_decref(cur_meta);
	store_manifest_free(&m);
	return rc;
}

int strata_store_set_metadata(const char *root, const char *store, const char *collection,
                              const char *item, const char *metadata_json, int merge,
                              const strata_store_options *opts)
{
	strata_file_lock lock;
	item_paths p = {0};
	json_t *meta = NULL;
	int rc;

	if ((rc = store_paths_init(&p, root, store, collection, item)))
		return rc;
	if (!metadata_json)
		return strata_error_set(STRATA_EINVAL, "item %s: no metadata", item);
	if ((rc = parse_meta(item, metadata_json, &meta)))
		return rc;
	if (!(rc = store_lock_item(&p, 0, opts, &lock))) {
		rc = set_metadata_locked(&p, meta, merge, opts);
		strata_file_lock_release(&lock);
	}
	json_decref(meta);
	return rc;
}

/* ---- delete and list ---------------------------------------------------- */

static int delete_locked(const item_paths *p)
{
	struct stat st;
	int rc;

	if (lstat(p->link, &st) != 0) {
		(void)strata_remove_tree(p->vroot); /* versions of a crashed first write */
		return strata_error_set(STRATA_ENOTFOUND, "item %s does not exist in %s", p->name,
		                        p->coldir);
	}
	if (S_ISLNK(st.st_mode) ? unlink(p->link) != 0 : strata_remove_tree(p->link) != 0)
		return strata_error_set_errno("item %s: cannot remove %s", p->name, p->link);
	if ((rc = strata_fsync_dir(p->coldir)))
		return rc;
	(void)unlink(p->tmp_link);
	return strata_remove_tree(p->vroot);
}

int strata_store_delete(const char *root, const char *store, const char *collection,
                        const char *item)
{
	strata_file_lock lock;
	item_paths p = {0};
	int rc;

	if ((rc = store_paths_init(&p, root, store, collection, item)) ||
	    (rc = store_lock_item(&p, 0, NULL, &lock)))
		return rc;
	rc = delete_locked(&p);
	strata_file_lock_release(&lock);
	return rc;
}

/* Drop from names[0..*count) the items whose metadata does not match. */
static int filter_names(const char *coldir, const json_t *filter, char **names, size_t *count)
{
	size_t n = 0;
	int rc = 0;

	for (size_t i = 0; i < *count; i++) {
		char dir[PATH_SZ];
		json_t *meta = NULL;
		snprintf(dir, sizeof dir, "%s/%s", coldir, names[i]);
		if (!rc)
			rc = store_metadata_read(dir, &meta);
		if (!rc && store_metadata_matches(meta, filter))
			names[n++] = names[i];
		else
			free(names[i]);
		json_decref(meta);
	}
	names[n] = NULL;
	*count = n;
	return rc;
}

int strata_store_list_items(const char *root, const char *store, const char *collection,
                            const char *filter_json, char ***names, size_t *count)
{
	char coldir[PATH_SZ];
	json_t *filter = NULL;
	int rc;

	*names = NULL;
	*count = 0;
	if (!root || (rc = store_check_name("store", store)) ||
	    (rc = store_check_name("collection", collection)))
		return root ? rc : strata_error_set(STRATA_EINVAL, "store root is empty");
	snprintf(coldir, sizeof coldir, "%s/%s/%s", root, store, collection);
	if ((rc = parse_meta(collection, filter_json, &filter)) ||
	    (rc = store_list_dirs(coldir, names, count)))
		return rc;
	if (filter)
		rc = filter_names(coldir, filter, *names, count);
	json_decref(filter);
	if (rc) {
		store_names_free(*names);
		*names = NULL;
		*count = 0;
	}
	return rc;
}

void strata_store_names_free(char **names)
{
	store_names_free(names);
}
