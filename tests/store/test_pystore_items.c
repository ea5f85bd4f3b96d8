/*
 * test_pystore_items.c - item folders written by PyStore itself (plain
 * part.N.parquet folders with pandas metadata, made by DuckDB in
 * tests/store/fixtures/pystore, see make-pystore-fixtures.mjs): read in
 * place, info, verify, and append converting them to a strata version,
 * also when the writer is killed at random points.
 */
#include "testutil.h"

#include "store/parquet.h"
#include "strata/error.h"
#include "strata/file.h"
#include "strata/store.h"
#include "strata/time.h"

#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define T0  1704067200000000000LL /* 2024-01-01T00:00:00Z */
#define SEC 1000000000LL

static char root[512];

/* A fresh copy of the fixture store under the group's directory as root. */
static void fresh_copy(const char *name)
{
	const char *src = getenv("STRATA_SOURCE_DIR");
	char cmd[2048];

	snprintf(root, sizeof root, "%s/%s", strata_test_dir, name);
	snprintf(
	    cmd, sizeof cmd,
	    "rm -rf '%s' && mkdir -p '%s' && cp -r '%s/tests/store/fixtures/pystore/store' '%s/'",
	    root, root, src ? src : STRATA_SOURCE_DIR, root);
	assert_int_equal(system(cmd), 0);
}

static const int64_t *keys_of(const strata_pq_table *t)
{
	return t->cols[0].values;
}

static const strata_pq_column *col(const strata_pq_table *t, const char *name)
{
	for (size_t i = 0; i < t->ncols; i++)
		if (!strcmp(t->cols[i].name, name))
			return &t->cols[i];
	fail_msg("no column %s", name);
	return NULL;
}

/* Every row of "ticks" as written: 36 rows over part.0 .. part.11, in
 * numeric part order (part.10 after part.9). */
static void test_read_ticks(void **state)
{
	strata_pq_table t;
	(void)state;

	fresh_copy("read");
	assert_ok(
	    strata_store_read(root, "store", "coll", "ticks", NULL, INT64_MIN, INT64_MAX, &t));
	assert_int_equal(t.nrows, 36);
	assert_string_equal(t.cols[0].name, "index");
	for (size_t i = 0; i < 36; i++) {
		const strata_pq_column *sym = col(&t, "sym");
		char want[8];
		assert_true(keys_of(&t)[i] == T0 + (int64_t)i * SEC);
		assert_true(((const double *)col(&t, "price")->values)[i] == (double)i * 0.5);
		assert_true(((const int64_t *)col(&t, "size")->values)[i] == (int64_t)i);
		snprintf(want, sizeof want, "S%zu", i % 3);
		assert_int_equal(sym->offsets[i + 1] - sym->offsets[i], 2);
		assert_memory_equal(sym->bytes + sym->offsets[i], want, 2);
	}
	strata_pq_table_free(&t);
}

/* Key range, columns, filter, head, tail and the last key. */
static void test_read_selection(void **state)
{
	const char *cols[] = {"size", NULL};
	strata_store_read_options o;
	strata_store_read_stats st;
	strata_store_filter *f = NULL;
	strata_pq_table t;
	int64_t first, last;
	size_t rows;
	(void)state;

	fresh_copy("sel");
	assert_ok(strata_store_read(root, "store", "coll", "ticks", cols, T0 + 29 * SEC,
	                            T0 + 31 * SEC, &t));
	assert_int_equal(t.nrows, 3);
	assert_int_equal(t.ncols, 2);
	assert_true(((const int64_t *)t.cols[1].values)[2] == 31);
	strata_pq_table_free(&t);

	assert_ok(strata_store_filter_add_expr(&f, "price>=16"));
	strata_store_read_options_init(&o);
	o.filter = f;
	o.stats = &st;
	assert_ok(strata_store_read_ex(root, "store", "coll", "ticks", &o, &t));
	assert_int_equal(t.nrows, 4); /* 16.0, 16.5, 17.0, 17.5 */
	assert_true(keys_of(&t)[0] == T0 + 32 * SEC);
	assert_int_equal(st.parts_total, 12);
	assert_int_equal(st.parts_read, 2); /* pushed down by the parts' statistics */
	strata_pq_table_free(&t);
	strata_store_filter_free(f);

	strata_store_read_options_init(&o);
	o.tail = 2;
	assert_ok(strata_store_read_ex(root, "store", "coll", "ticks", &o, &t));
	assert_int_equal(t.nrows, 2);
	assert_true(keys_of(&t)[1] == T0 + 35 * SEC);
	strata_pq_table_free(&t);
	strata_store_read_options_init(&o);
	o.head = 4;
	assert_ok(strata_store_read_ex(root, "store", "coll", "ticks", &o, &t));
	assert_int_equal(t.nrows, 4);
	assert_true(keys_of(&t)[3] == T0 + 3 * SEC);
	strata_pq_table_free(&t);

	assert_ok(strata_store_key_range(root, "store", "coll", "ticks", &first, &last, &rows));
	assert_true(first == T0 && last == T0 + 35 * SEC);
	assert_int_equal(rows, 36);
}

/* timestamp[us] index named __index_level_0__ with a time zone, legacy
 * metadata.json, dask's _metadata; and a MultiIndex (index, sym). */
static void test_read_micros_and_multi(void **state)
{
	strata_store_schema s;
	strata_pq_table t;
	char *report = NULL;
	(void)state;

	fresh_copy("micros");
	assert_ok(
	    strata_store_read(root, "store", "coll", "micros", NULL, INT64_MIN, INT64_MAX, &t));
	assert_int_equal(t.nrows, 5);
	assert_string_equal(t.cols[0].name, "__index_level_0__");
	assert_true(keys_of(&t)[4] == T0 + 4000000);
	assert_true(((const double *)col(&t, "value")->values)[4] == 5.0);
	strata_pq_table_free(&t);
	assert_ok(strata_store_schema_get(root, "store", "coll", "micros", NULL, &s));
	assert_string_equal(s.key, "__index_level_0__");
	for (size_t i = 0; i < s.ncols; i++)
		if (s.cols[i].is_key == 1)
			assert_string_equal(s.cols[i].tz, "Europe/Paris");
	strata_store_schema_free(&s);
	assert_ok(strata_store_verify(root, "store", "coll", "micros", &report));
	free(report);

	assert_ok(strata_store_schema_get(root, "store", "coll", "multi", NULL, &s));
	assert_string_equal(s.key, "index");
	assert_non_null(s.key2);
	assert_string_equal(s.key2, "sym");
	strata_store_schema_free(&s);
	assert_ok(
	    strata_store_read(root, "store", "coll", "multi", NULL, INT64_MIN, INT64_MAX, &t));
	assert_int_equal(t.nrows, 8);
	strata_pq_table_free(&t);
}

/* A batch of ticks rows: keys at the given seconds, price and size v. */
static void batch(strata_pq_table *t, const int64_t *secs, size_t n, double v)
{
	int64_t k[4];
	double px[4];
	int64_t sz[4];
	const char *sym[4];

	for (size_t i = 0; i < n; i++) {
		k[i] = T0 + secs[i] * SEC;
		px[i] = v;
		sz[i] = (int64_t)v;
		sym[i] = "N";
	}
	strata_pq_table_init(t, n);
	assert_ok(strata_pq_table_add(t, "index", STRATA_PQ_TIMESTAMP, k, NULL, NULL));
	assert_ok(strata_pq_table_add(t, "price", STRATA_PQ_DOUBLE, px, NULL, NULL));
	assert_ok(strata_pq_table_add(t, "size", STRATA_PQ_INT64, sz, NULL, NULL));
	assert_ok(strata_pq_table_add_strings(t, "sym", sym, 0));
}

/* Row count and sum of size of item ticks. */
static void ticks_state(size_t *rows, int64_t *sum)
{
	strata_pq_table t;

	assert_ok(
	    strata_store_read(root, "store", "coll", "ticks", NULL, INT64_MIN, INT64_MAX, &t));
	*rows = t.nrows;
	*sum = 0;
	for (size_t i = 0; i < t.nrows; i++)
		*sum += ((const int64_t *)col(&t, "size")->values)[i];
	strata_pq_table_free(&t);
}

static int is_link(const char *item)
{
	char path[1024];
	struct stat st;

	snprintf(path, sizeof path, "%s/store/coll/%s", root, item);
	return lstat(path, &st) == 0 && S_ISLNK(st.st_mode);
}

/* keep_last across the old parts: second 10 replaced, second 100 added;
 * the item becomes a strata version keeping its metadata; verify passes. */
static void test_append_converts(void **state)
{
	const int64_t secs[] = {10, 100};
	strata_pq_table b, t;
	char path[1024], *report = NULL, *text = NULL;
	size_t rows, len;
	int64_t sum;
	(void)state;

	fresh_copy("append");
	assert_false(is_link("ticks"));
	batch(&b, secs, 2, 99);
	assert_ok(
	    strata_store_append(root, "store", "coll", "ticks", &b, STRATA_STORE_KEEP_LAST, NULL));
	strata_pq_table_free(&b);
	assert_true(is_link("ticks"));
	ticks_state(&rows, &sum);
	assert_int_equal(rows, 37);
	assert_true(sum == 35 * 36 / 2 - 10 + 99 + 99);
	assert_ok(strata_store_read(root, "store", "coll", "ticks", NULL, T0 + 10 * SEC,
	                            T0 + 10 * SEC, &t));
	assert_int_equal(t.nrows, 1);
	assert_true(((const double *)col(&t, "price")->values)[0] == 99);
	strata_pq_table_free(&t);
	snprintf(path, sizeof path, "%s/store/coll/ticks/pystore_metadata.json", root);
	assert_ok(strata_file_read_all(path, 1 << 20, &text, &len));
	assert_non_null(strstr(text, "\"source\": \"pystore\""));
	free(text);
	snprintf(path, sizeof path, "%s/store/coll/.ticks.strata-tmp", root);
	assert_int_not_equal(access(path, F_OK), 0); /* the old folder is gone */
	assert_ok(strata_store_verify(root, "store", "coll", "ticks", &report));
	free(report);
}

/* A corrupt part: the read fails naming item and file; append leaves the
 * folder as it was. */
static void test_corrupt_part(void **state)
{
	const int64_t secs[] = {50};
	strata_pq_table t, b;
	char path[1024];
	FILE *f;
	(void)state;

	fresh_copy("corrupt");
	snprintf(path, sizeof path, "%s/store/coll/ticks/part.10.parquet", root);
	assert_non_null(f = fopen(path, "w"));
	fputs("PAR1 not really", f);
	fclose(f);
	assert_int_not_equal(
	    strata_store_read(root, "store", "coll", "ticks", NULL, INT64_MIN, INT64_MAX, &t), 0);
	assert_non_null(strstr(strata_error_message(), "ticks"));
	assert_non_null(strstr(strata_error_message(), "part.10.parquet"));
	batch(&b, secs, 1, 1);
	assert_int_not_equal(
	    strata_store_append(root, "store", "coll", "ticks", &b, STRATA_STORE_KEEP_LAST, NULL),
	    0);
	strata_pq_table_free(&b);
	assert_false(is_link("ticks"));
}

/* Kill the converting writer at random points: afterwards the item is the
 * untouched PyStore folder (36 rows) or a complete strata item: version 1
 * (the converted 36 rows) or 2 (37 rows); the next append finishes. */
static void test_convert_crash_safety(void **state)
{
	enum { ITER = 25 };
	const int64_t secs[] = {10, 100};
	unsigned seed = 4242;
	size_t rows, converted = 0;
	int64_t sum, t0, old_sum = 35 * 36 / 2, new_sum = old_sum - 10 + 99 + 99;
	strata_pq_table b;
	(void)state;

	batch(&b, secs, 2, 99);
	fresh_copy("crash");
	t0 = strata_time_monotonic_ns();
	assert_ok(
	    strata_store_append(root, "store", "coll", "ticks", &b, STRATA_STORE_KEEP_LAST, NULL));
	/* Kill within about twice the time of one conversion, whatever the load. */
	unsigned max_us = (unsigned)((strata_time_monotonic_ns() - t0) / 500) + 100;
	for (int it = 0; it < ITER; it++) {
		fresh_copy("crash");
		pid_t pid = fork();
		assert_true(pid >= 0);
		if (pid == 0)
			_exit(strata_store_append(root, "store", "coll", "ticks", &b,
			                          STRATA_STORE_KEEP_LAST, NULL)
			          ? 1
			          : 0);
		usleep((useconds_t)(rand_r(&seed) % max_us));
		kill(pid, SIGKILL);
		assert_int_equal(waitpid(pid, NULL, 0), pid);
		ticks_state(&rows, &sum);
		if (is_link("ticks")) { /* version 1 (old rows) or 2 (appended) */
			converted++;
			assert_true((rows == 36 && sum == old_sum) ||
			            (rows == 37 && sum == new_sum));
		} else {
			assert_int_equal(rows, 36);
			assert_true(sum == old_sum);
		}
		assert_ok(strata_store_append(root, "store", "coll", "ticks", &b,
		                              STRATA_STORE_KEEP_LAST, NULL));
		ticks_state(&rows, &sum);
		assert_int_equal(rows, 37);
		assert_true(sum == new_sum);
	}
	strata_pq_table_free(&b);
	print_message("convert crash test: %zu of %d conversions finished before the kill\n",
	              converted, ITER);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_read_ticks),
	    cmocka_unit_test(test_read_selection),
	    cmocka_unit_test(test_read_micros_and_multi),
	    cmocka_unit_test(test_append_converts),
	    cmocka_unit_test(test_corrupt_part),
	    cmocka_unit_test(test_convert_crash_safety),
	};
	return cmocka_run_group_tests(tests, strata_test_dir_setup, strata_test_dir_teardown);
}
