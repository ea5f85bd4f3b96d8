/*
 * filter.h - PyStore read filters (strata_store_filter, strata/store.h):
 * parsing, binding to an item's schema, row-by-row evaluation and pruning
 * of parts and row groups by their statistics. Internal to the store.
 */
#ifndef STRATA_STORE_FILTER_H
#define STRATA_STORE_FILTER_H

#include <stddef.h>
#include <stdint.h>

#include "store/item_internal.h"

/* The number of conditions of f and the column of condition i (for
 * choosing which columns a read must decode). */
size_t store_filter_nconds(const strata_store_filter *f);
const char *store_filter_column(const strata_store_filter *f, size_t i);

/* A filter whose values are converted to the types of a schema. */
typedef struct store_filter_bound store_filter_bound;

/* Bind f to the columns cols[0..ncols) (every column f names must be
 * there): an unknown column or a value that does not fit its column's type
 * is STRATA_ESCHEMA (the caller adds the item's name to the message). */
int store_filter_bind(const char *item, const strata_store_filter *f, const colspec *cols,
                      size_t ncols, store_filter_bound **out);
void store_filter_bound_free(store_filter_bound *b);

/* What statistics say about one column of a part or row group. Integers,
 * bools and timestamps in i (timestamps in the column's unit), floats in
 * d, strings as slices. known 0: nothing (the condition may hold). */
typedef struct store_col_bounds {
	int known;
	int has_range;
	int64_t imin, imax;
	double dmin, dmax;
	const char *smin, *smax;
	size_t sminlen, smaxlen;
	int has_nulls;
	int64_t nulls, rows;
} store_col_bounds;

/* Fill *out with the bounds of schema column col (0 or an error). */
typedef int (*store_bounds_fn)(void *ctx, size_t col, store_col_bounds *out);

/* Whether some row with these bounds may satisfy b: 0 only when the
 * statistics prove that none does. Errors from fn count as "may". */
int store_filter_may_match(const store_filter_bound *b, store_bounds_fn fn, void *ctx);

/* Clear keep[r] for every row r of t (which has the bound schema) that
 * fails b. */
void store_filter_apply(const store_filter_bound *b, const strata_pq_table *t, uint8_t *keep);

#endif
