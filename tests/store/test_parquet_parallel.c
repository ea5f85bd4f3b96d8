/* test_parquet_parallel.c - tables big enough for the writer and the reader
 * to encode and decode their column chunks on the shared thread pool
 * (ST_PQ_PARALLEL_MIN_VALUES) round-trip exactly: every type, nulls,
 * dictionary and plain strings, several row groups, each codec; a second
 * thread reading at the same time falls back to its own thread. */
#include "testutil.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "store/parquet.h"

#define NROWS 40000

static const strata_pq_type types[] = {
    STRATA_PQ_INT8,  STRATA_PQ_UINT16,    STRATA_PQ_INT32,  STRATA_PQ_INT64, STRATA_PQ_UINT64,
    STRATA_PQ_FLOAT, STRATA_PQ_TIMESTAMP, STRATA_PQ_DOUBLE, STRATA_PQ_BOOL,
};
#define NTYPES (sizeof types / sizeof types[0])

/* A table of NROWS rows: one column per type (nulls every 5th row in odd
 * columns), a dictionary string and a unique string column. */
static void make_table(strata_pq_table *t)
{
	uint8_t *values = calloc(NROWS, 8), *valid = calloc(NROWS / 8 + 1, 1);
	const char **strs = calloc(NROWS, sizeof *strs), **uniq = calloc(NROWS, sizeof *uniq);
	char *ubuf = calloc(NROWS, 16);
	static const char *const words[] = {"alpha", "béta", "", "日本"};

	assert_true(values && valid && strs && uniq && ubuf);
	strata_pq_table_init(t, NROWS);
	for (size_t i = 0; i < NROWS; i++)
		if (i % 5 != 2)
			valid[i / 8] |= (uint8_t)(1u << (i % 8));
	for (size_t k = 0; k < NTYPES; k++) {
		size_t size = strata_pq_type_size(types[k]);
		for (size_t i = 0; i < NROWS; i++) {
			uint64_t v = (uint64_t)(i + 1) * 0x9e3779b97f4a7c15ULL >> (k * 3);
			if (types[k] == STRATA_PQ_FLOAT) {
				float x = (float)i / 3.0f;
				memcpy(values + i * size, &x, 4);
			} else if (types[k] == STRATA_PQ_DOUBLE) {
				double x = (double)i * 1.25 - 7.0;
				memcpy(values + i * size, &x, 8);
			} else if (types[k] == STRATA_PQ_BOOL) {
				values[i] = (uint8_t)(v & 1);
			} else if (types[k] == STRATA_PQ_INT8) {
				int32_t x = (int32_t)(v % 256) - 128;
				memcpy(values + i * size, &x, 4);
			} else if (types[k] == STRATA_PQ_UINT16) {
				int32_t x = (int32_t)(v % 65536);
				memcpy(values + i * size, &x, 4);
			} else {
				memcpy(values + i * size, &v, size);
			}
		}
		char name[16];
		snprintf(name, sizeof name, "c%zu", k);
		assert_ok(
		    strata_pq_table_add(t, name, types[k], values, k % 2 ? valid : NULL, NULL));
	}
	for (size_t i = 0; i < NROWS; i++) {
		snprintf(ubuf + i * 16, 16, "u%zu", i * 7);
		strs[i] = i % 7 == 3 ? NULL : words[i % 4];
		uniq[i] = ubuf + i * 16;
	}
	assert_ok(strata_pq_table_add_strings(t, "dict", strs, 1));
	assert_ok(strata_pq_table_add_strings(t, "uniq", uniq, 0));
	free(values);
	free(valid);
	free(strs);
	free(uniq);
	free(ubuf);
}

static void assert_tables_equal(const strata_pq_table *a, const strata_pq_table *b)
{
	assert_int_equal(a->nrows, b->nrows);
	assert_int_equal(a->ncols, b->ncols);
	for (size_t j = 0; j < a->ncols; j++) {
		const strata_pq_column *x = &a->cols[j], *y = &b->cols[j];
		assert_string_equal(x->name, y->name);
		assert_int_equal(x->type, y->type);
		for (size_t i = 0; i < a->nrows; i++) {
			assert_int_equal(strata_pq_is_valid(x, i), strata_pq_is_valid(y, i));
			if (!strata_pq_is_valid(x, i))
				continue;
			if (x->type == STRATA_PQ_STRING) {
				int64_t len = x->offsets[i + 1] - x->offsets[i];
				assert_int_equal(len, y->offsets[i + 1] - y->offsets[i]);
				assert_memory_equal(x->bytes + x->offsets[i],
				                    y->bytes + y->offsets[i], (size_t)len);
			} else {
				size_t size = strata_pq_type_size(x->type);
				assert_memory_equal((const char *)x->values + i * size,
				                    (const char *)y->values + i * size, size);
			}
		}
	}
}

typedef struct read_arg {
	const char *path;
	strata_pq_table back;
	int rc;
} read_arg;

/* Read the file whole into a->back (a thread function: no cmocka asserts). */
static void *read_file(void *p)
{
	read_arg *a = p;
	strata_pq_file *f;

	a->rc = strata_parquet_open(a->path, &f);
	if (a->rc == 0) {
		a->rc = strata_parquet_read(f, NULL, 0, NULL, 0, &a->back);
		strata_parquet_close(f);
	}
	return NULL;
}

static void test_round_trip_codecs(void **state)
{
	static const strata_pq_codec codecs[] = {STRATA_PQ_UNCOMPRESSED, STRATA_PQ_SNAPPY,
	                                         STRATA_PQ_ZSTD};
	strata_pq_table t;
	char path[512];

	(void)state;
	make_table(&t);
	for (size_t k = 0; k < 3; k++) {
		strata_pq_write_options o = {.codec = codecs[k], .row_group_rows = 15000};
		read_arg a = {.path = path, .rc = -1};
		snprintf(path, sizeof path, "%s/p%zu.parquet", strata_test_dir, k);
		assert_ok(strata_parquet_write(path, &t, &o));
		read_file(&a);
		assert_ok(a.rc);
		assert_tables_equal(&t, &a.back);
		strata_pq_table_free(&a.back);
	}
	strata_pq_table_free(&t);
}

/* Two threads reading big files at once: one may hold the pool, the other
 * decodes on its own thread; both get every value. */
static void test_concurrent_reads(void **state)
{
	strata_pq_table t;
	char path[512];
	pthread_t th[2];
	read_arg a[2];

	(void)state;
	make_table(&t);
	snprintf(path, sizeof path, "%s/c.parquet", strata_test_dir);
	assert_ok(strata_parquet_write(path, &t, NULL));
	for (int i = 0; i < 2; i++) {
		a[i] = (read_arg){.path = path, .rc = -1};
		assert_int_equal(pthread_create(&th[i], NULL, read_file, &a[i]), 0);
	}
	for (int i = 0; i < 2; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		assert_int_equal(a[i].rc, 0);
		assert_tables_equal(&t, &a[i].back);
		strata_pq_table_free(&a[i].back);
	}
	strata_pq_table_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_round_trip_codecs),
	    cmocka_unit_test(test_concurrent_reads),
	};
	return cmocka_run_group_tests(tests, strata_test_dir_setup, strata_test_dir_teardown);
}
