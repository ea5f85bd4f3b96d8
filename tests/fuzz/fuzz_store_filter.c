/* fuzz_store_filter.c - libFuzzer target for read filters: the input is a
 * JSON filter (first byte 'j') or a text expression, bound to a fixed
 * schema, applied to a small table and checked against statistics. */
#include "store/filter.h"
#include "store/item_internal.h"
#include "strata/store.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const colspec cols[] = {
    {"index", STRATA_PQ_TIMESTAMP, STRATA_PQ_NANOS, 1, NULL},
    {"px", STRATA_PQ_DOUBLE, STRATA_PQ_NANOS, 0, NULL},
    {"n", STRATA_PQ_INT32, STRATA_PQ_NANOS, 0, NULL},
    {"sym", STRATA_PQ_STRING, STRATA_PQ_NANOS, 0, NULL},
    {"ok", STRATA_PQ_BOOL, STRATA_PQ_NANOS, 0, NULL},
    {"u", STRATA_PQ_UINT64, STRATA_PQ_NANOS, 0, NULL},
    {"ms", STRATA_PQ_TIMESTAMP, STRATA_PQ_MILLIS, 1, NULL},
};
#define NCOLS (sizeof cols / sizeof *cols)

/* Bounds that claim little: every column known with a wide range. */
static int wide(void *ctx, size_t col, store_col_bounds *out)
{
	(void)ctx;
	out->known = 1;
	out->has_range = col != 3;
	out->imin = -5;
	out->imax = 5;
	out->dmin = -1.5;
	out->dmax = NAN;
	out->has_nulls = 1;
	out->nulls = (int64_t)col;
	out->rows = 4;
	return 0;
}

/* A 4-row table with the fixed schema. */
static void table(strata_pq_table *t)
{
	static const int64_t k[] = {0, 1, 2, 3}, u[] = {0, -1, 5, 7};
	static const double px[] = {1.5, NAN, -0.0, 1e300};
	static const int32_t n[] = {-1, 0, 1, 2147483647};
	static const uint8_t ok[] = {1, 0, 1, 0}, some = 0x5;
	static const char *const sym[] = {"A", "", NULL, "A,B"};

	strata_pq_table_init(t, 4);
	strata_pq_table_add(t, "index", STRATA_PQ_TIMESTAMP, k, NULL, NULL);
	strata_pq_table_add(t, "px", STRATA_PQ_DOUBLE, px, &some, NULL);
	strata_pq_table_add(t, "n", STRATA_PQ_INT32, n, NULL, NULL);
	strata_pq_table_add_strings(t, "sym", sym, 1);
	strata_pq_table_add(t, "ok", STRATA_PQ_BOOL, ok, NULL, NULL);
	strata_pq_table_add(t, "u", STRATA_PQ_UINT64, u, NULL, NULL);
	strata_pq_table_add(t, "ms", STRATA_PQ_TIMESTAMP, k, NULL, NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	strata_store_filter *f = NULL;
	store_filter_bound *b = NULL;
	char *text = malloc(size + 1);
	uint8_t keep[4] = {1, 1, 1, 1};
	strata_pq_table t;
	int rc;

	if (!text || !size) {
		free(text);
		return 0;
	}
	memcpy(text, data, size);
	text[size] = '\0';
	rc = text[0] == 'j' ? strata_store_filter_parse_json(text + 1, &f)
	                    : strata_store_filter_add_expr(&f, text);
	free(text);
	if (rc)
		return 0;
	if (store_filter_bind("fuzz", f, cols, NCOLS, &b) == 0) {
		table(&t);
		store_filter_apply(b, &t, keep);
		(void)store_filter_may_match(b, wide, NULL);
		strata_pq_table_free(&t);
		store_filter_bound_free(b);
	}
	strata_store_filter_free(f);
	return 0;
}
