/*
 * test_composite.c - composite (timestamp, string) keys in the item engine,
 * time zones kept in the manifest and the Parquet pandas metadata, metadata
 * merged on append and set on its own.
 */
#include "testutil.h"

#include "store/parquet.h"
#include "strata/error.h"
#include "strata/store.h"
#include "strata/store_abi.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The group's temporary directory (testutil.h) is the store root. */
static const char *const root = strata_test_dir;

#define ST  "st"
#define COL "col"

/* One row of the model: key (k, sym), value v, seq orders equal keys. */
typedef struct mrow {
	int64_t k;
	const char *sym;
	double v;
	size_t seq;
} mrow;

static int compare_mrow(const void *a, const void *b)
{
	const mrow *x = a, *y = b;
	int r;

	if (x->k != y->k)
		return x->k < y->k ? -1 : 1;
	if ((r = strcmp(x->sym, y->sym)))
		return r;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* A table "ts" (timestamps), "sym" (strings), "v" (doubles) from rows. */
static void mk(strata_pq_table *t, const mrow *rows, size_t n)
{
	int64_t *k = calloc(n + 1, sizeof *k);
	double *v = calloc(n + 1, sizeof *v);
	const char **s = calloc(n + 1, sizeof *s);

	assert_non_null(k);
	assert_non_null(v);
	assert_non_null(s);
	for (size_t i = 0; i < n; i++) {
		k[i] = rows[i].k;
		v[i] = rows[i].v;
		s[i] = rows[i].sym;
	}
	strata_pq_table_init(t, n);
	assert_ok(strata_pq_table_add(t, "ts", STRATA_PQ_TIMESTAMP, k, NULL, NULL));
	assert_ok(strata_pq_table_add_strings(t, "sym", s, 0));
	assert_ok(strata_pq_table_add(t, "v", STRATA_PQ_DOUBLE, v, NULL, NULL));
	free(k);
	free(v);
	free(s);
}

static const strata_store_options composite = {.part_rows = 3, .key2_column = "sym"};

static void put(const char *item, const mrow *rows, size_t n)
{
	strata_pq_table t;

	mk(&t, rows, n);
	assert_ok(strata_store_write(root, ST, COL, item, &t, "ts", NULL, 1, &composite));
	strata_pq_table_free(&t);
}

static int append(const char *item, const mrow *rows, size_t n, strata_store_dup dup)
{
	strata_pq_table t;
	int rc;

	mk(&t, rows, n);
	rc = strata_store_append(root, ST, COL, item, &t, dup, &composite);
	strata_pq_table_free(&t);
	return rc;
}

/* Check that the rows of item with lo <= ts <= hi are want's, in order. */
static void expect_range(const char *item, const mrow *want, size_t n, int64_t lo, int64_t hi)
{
	strata_pq_table t;
	size_t j = 0;

	assert_ok(strata_store_read(root, ST, COL, item, NULL, lo, hi, &t));
	assert_int_equal(t.ncols, 3);
	for (size_t i = 0; i < n; i++) {
		const strata_pq_column *s = &t.cols[1];
		if (want[i].k < lo || want[i].k > hi)
			continue;
		assert_true(j < t.nrows);
		assert_int_equal(((int64_t *)t.cols[0].values)[j], want[i].k);
		assert_int_equal(s->offsets[j + 1] - s->offsets[j], strlen(want[i].sym));
		assert_memory_equal(s->bytes + s->offsets[j], want[i].sym, strlen(want[i].sym));
		assert_true(((double *)t.cols[2].values)[j] == want[i].v);
		j++;
	}
	assert_int_equal(j, t.nrows);
	strata_pq_table_free(&t);
}

/* Whether rows[0..n) hold key (k, sym). */
static int has_key(const mrow *rows, size_t n, int64_t k, const char *sym)
{
	for (size_t i = 0; i < n; i++)
		if (rows[i].k == k && !strcmp(rows[i].sym, sym))
			return 1;
	return 0;
}

/* The model of append: m[0..n) (sorted) with batch b[0..nb) under dup;
 * returns the new row count. */
static size_t model_append(mrow *m, size_t n, const mrow *b, size_t nb, strata_store_dup dup)
{
	mrow *old = malloc((n + 1) * sizeof *old);
	size_t out = 0;

	assert_non_null(old);
	memcpy(old, m, n * sizeof *m);
	for (size_t i = 0; i < n; i++)
		if (dup != STRATA_STORE_KEEP_LAST || !has_key(b, nb, old[i].k, old[i].sym))
			m[out] = old[i], m[out].seq = out, out++;
	for (size_t i = 0; i < nb; i++)
		if (dup != STRATA_STORE_KEEP_FIRST || !has_key(old, n, b[i].k, b[i].sym))
			m[out] = b[i], m[out].seq = n + i, out++;
	qsort(m, out, sizeof *m, compare_mrow);
	free(old);
	return out;
}

/* Rows sorted by (timestamp, string), the string compared byte by byte, and
 * appends matching by the full key, against a model, with parts of 3 rows
 * so that parts share boundary timestamps. */
static void test_random_against_model(void **state)
{
	static const char *const syms[] = {"A", "AA", "B", "b", "\xc3\xa9t\xc3\xa9", ""};
	static mrow m[2048];
	unsigned seed = 4242;
	size_t n = 0;
	double next_v = 1;
	(void)state;

	put("model", NULL, 0);
	for (int round = 0; round < 80; round++) {
		mrow b[12];
		size_t nb = (size_t)(rand_r(&seed) % 12);
		strata_store_dup dup = (strata_store_dup)(rand_r(&seed) % 4);
		int64_t lo = rand_r(&seed) % 14 - 2, hi = lo + rand_r(&seed) % 6;
		int dup_found = 0;

		for (size_t i = 0; i < nb; i++) {
			b[i] = (mrow){rand_r(&seed) % 10 + round / 8, syms[rand_r(&seed) % 6],
			              next_v++, i};
			dup_found |= has_key(m, n, b[i].k, b[i].sym);
		}
		if (dup == STRATA_STORE_DUP_ERROR && dup_found) {
			assert_int_equal(append("model", b, nb, dup), STRATA_EEXIST);
			assert_non_null(strstr(strata_error_message(), "duplicate key ("));
		} else {
			assert_ok(append("model", b, nb, dup));
			n = model_append(m, n, b, nb, dup);
		}
		assert_true(n < 1500);
		expect_range("model", m, n, lo, hi);
	}
	expect_range("model", m, n, INT64_MIN, INT64_MAX);
}

/* Each duplicate_handling mode matches (timestamp, string), not the
 * timestamp alone; the item keeps its composite key across compaction. */
static void test_modes(void **state)
{
	const mrow base[] = {{1, "B", 1, 0}, {1, "A", 2, 0}, {2, "A", 3, 0}};
	const mrow batch[] = {{1, "C", 10, 0}, {1, "B", 11, 0}, {1, "B", 12, 0}};
	const mrow sorted[] = {{1, "A", 2, 0}, {1, "B", 1, 0}, {2, "A", 3, 0}};
	const mrow last[] = {
	    {1, "A", 2, 0}, {1, "B", 11, 0}, {1, "B", 12, 0}, {1, "C", 10, 0}, {2, "A", 3, 0}};
	const mrow first[] = {{1, "A", 2, 0}, {1, "B", 1, 0}, {1, "C", 10, 0}, {2, "A", 3, 0}};
	const mrow all[] = {{1, "A", 2, 0},  {1, "B", 1, 0},  {1, "B", 11, 0},
	                    {1, "B", 12, 0}, {1, "C", 10, 0}, {2, "A", 3, 0}};
	strata_store_schema s;
	size_t merged = 0;
	(void)state;

	put("m", base, 3);
	expect_range("m", sorted, 3, INT64_MIN, INT64_MAX);
	assert_ok(append("m", batch, 3, STRATA_STORE_KEEP_LAST));
	expect_range("m", last, 5, INT64_MIN, INT64_MAX);
	put("m", base, 3);
	assert_ok(append("m", batch, 3, STRATA_STORE_KEEP_FIRST));
	expect_range("m", first, 4, INT64_MIN, INT64_MAX);
	put("m", base, 3);
	assert_ok(append("m", batch, 3, STRATA_STORE_KEEP_ALL));
	expect_range("m", all, 6, INT64_MIN, INT64_MAX);
	expect_range("m", all, 6, 1, 1);
	put("m", base, 3);
	assert_int_equal(append("m", batch, 3, STRATA_STORE_DUP_ERROR), STRATA_EEXIST);
	assert_non_null(strstr(strata_error_message(), ", B) already in the item"));
	expect_range("m", sorted, 3, INT64_MIN, INT64_MAX);
	/* A key of the batch that differs only by its string is new. */
	assert_ok(append("m", batch, 1, STRATA_STORE_DUP_ERROR));

	assert_ok(strata_store_compact(root, ST, COL, "m",
	                               &(strata_store_options){.part_rows = 100}, &merged));
	assert_true(merged > 1);
	assert_ok(strata_store_schema_get(root, ST, COL, "m", NULL, &s));
	assert_string_equal(s.key, "ts");
	assert_string_equal(s.key2, "sym");
	assert_int_equal(s.cols[1].is_key, 2);
	strata_store_schema_free(&s);
	assert_ok(append("m", batch + 1, 1, STRATA_STORE_KEEP_LAST));
	expect_range(
	    "m", (const mrow[]){{1, "A", 2, 0}, {1, "B", 11, 0}, {1, "C", 10, 0}, {2, "A", 3, 0}},
	    4, INT64_MIN, INT64_MAX);
}

static void test_bad_composite(void **state)
{
	const mrow rows[] = {{1, "A", 1, 0}};
	const char *null_sym[] = {"A", NULL};
	int64_t k[] = {1, 2};
	strata_store_options bad = {.key2_column = "v"};
	strata_pq_table t;
	(void)state;

	mk(&t, rows, 1);
	assert_int_equal(strata_store_write(root, ST, COL, "bad", &t, "ts", NULL, 1, &bad),
	                 STRATA_ESCHEMA);
	bad.key2_column = "ts";
	assert_int_equal(strata_store_write(root, ST, COL, "bad", &t, "ts", NULL, 1, &bad),
	                 STRATA_ESCHEMA);
	strata_pq_table_free(&t);

	strata_pq_table_init(&t, 2);
	assert_ok(strata_pq_table_add(&t, "ts", STRATA_PQ_TIMESTAMP, k, NULL, NULL));
	assert_ok(strata_pq_table_add_strings(&t, "sym", null_sym, 1));
	assert_int_equal(strata_store_write(root, ST, COL, "bad", &t, "ts", NULL, 1, &composite),
	                 STRATA_EINVAL);
	assert_non_null(strstr(strata_error_message(), "row 1 is null"));
	put("ok", rows, 1);
	assert_int_equal(strata_store_append(root, ST, COL, "ok", &t, STRATA_STORE_KEEP_ALL, NULL),
	                 STRATA_EINVAL);
	strata_pq_table_free(&t);
	expect_range("ok", rows, 1, INT64_MIN, INT64_MAX);
}

/* The "pandas" key/value metadata of the item's first part. */
static char *part_pandas_meta(const char *item)
{
	char path[1024];
	strata_pq_file *f;
	char *out;

	snprintf(path, sizeof path, "%s/" ST "/" COL "/%s/part.0.parquet", root, item);
	assert_ok(strata_parquet_open(path, &f));
	assert_non_null(strata_parquet_kv_get(f, "pandas"));
	out = strdup(strata_parquet_kv_get(f, "pandas"));
	strata_parquet_close(f);
	return out;
}

/* A UTC timestamp column "ts" (key), "when" (another zone) and "v". */
static void mk_zoned(strata_pq_table *t, int64_t k0, int with_extra)
{
	int64_t k[] = {k0, k0 + 1};
	double v[] = {1, 2};

	strata_pq_table_init(t, 2);
	assert_ok(strata_pq_table_add(t, "ts", STRATA_PQ_TIMESTAMP, k, NULL, NULL));
	assert_ok(strata_pq_table_add(t, "when", STRATA_PQ_TIMESTAMP, k, NULL, NULL));
	assert_ok(strata_pq_table_add(t, "v", STRATA_PQ_DOUBLE, v, NULL, NULL));
	if (with_extra)
		assert_ok(strata_pq_table_add(t, "later", STRATA_PQ_TIMESTAMP, k, NULL, NULL));
}

/* Time zones are written as given: manifest, schema, pandas metadata; an
 * append keeps the item's zones and adds the new columns'. */
static void test_time_zones(void **state)
{
	const char *const zones[] = {"ts", "Asia/Tokyo", "when", "America/New_York", NULL};
	const char *const append_zones[] = {"ts", "Europe/Berlin", "later", "+05:30", NULL};
	strata_store_options o = {.timezones = zones};
	strata_store_schema s;
	strata_pq_table t;
	char *meta;
	(void)state;

	mk_zoned(&t, 100, 0);
	assert_ok(strata_store_write(root, ST, COL, "tz", &t, "ts", NULL, 1, &o));
	strata_pq_table_free(&t);
	meta = part_pandas_meta("tz");
	assert_non_null(strstr(meta, "\"index_columns\":[\"ts\"]"));
	assert_non_null(strstr(meta, "\"name\":\"ts\",\"field_name\":\"ts\",\"pandas_type\":"
	                             "\"datetimetz\",\"numpy_type\":\"datetime64[ns]\","
	                             "\"metadata\":{\"timezone\":\"Asia/Tokyo\"}"));
	assert_non_null(strstr(meta, "\"timezone\":\"America/New_York\""));
	free(meta);

	o.timezones = append_zones;
	mk_zoned(&t, 200, 1);
	assert_ok(strata_store_append(root, ST, COL, "tz", &t, STRATA_STORE_KEEP_LAST, &o));
	strata_pq_table_free(&t);
	assert_ok(strata_store_schema_get(root, ST, COL, "tz", NULL, &s));
	assert_int_equal(s.ncols, 4);
	assert_null(s.key2);
	assert_string_equal(s.cols[0].tz, "Asia/Tokyo"); /* kept */
	assert_int_equal(s.cols[0].is_key, 1);
	assert_string_equal(s.cols[1].tz, "America/New_York");
	assert_null(s.cols[2].tz); /* not a timestamp */
	assert_string_equal(s.cols[3].name, "later");
	assert_string_equal(s.cols[3].tz, "+05:30");
	strata_store_schema_free(&s);

	/* Bad zones: a non-timestamp column, an unknown column, odd names. */
	mk_zoned(&t, 300, 0);
	o.timezones = (const char *const[]){"v", "UTC", NULL};
	assert_int_equal(strata_store_write(root, ST, COL, "tz2", &t, "ts", NULL, 1, &o),
	                 STRATA_EINVAL);
	o.timezones = (const char *const[]){"nope", "UTC", NULL};
	assert_int_equal(strata_store_write(root, ST, COL, "tz2", &t, "ts", NULL, 1, &o),
	                 STRATA_EINVAL);
	o.timezones = (const char *const[]){"ts", "Europe/\"x", NULL};
	assert_int_equal(strata_store_write(root, ST, COL, "tz2", &t, "ts", NULL, 1, &o),
	                 STRATA_EINVAL);
	o.timezones = (const char *const[]){"ts", NULL};
	assert_int_equal(strata_store_write(root, ST, COL, "tz2", &t, "ts", NULL, 1, &o),
	                 STRATA_EINVAL);
	/* Without zones, UTC columns are UTC. */
	assert_ok(strata_store_write(root, ST, COL, "tz2", &t, "ts", NULL, 1, NULL));
	strata_pq_table_free(&t);
	assert_ok(strata_store_schema_get(root, ST, COL, "tz2", NULL, &s));
	assert_string_equal(s.cols[0].tz, "UTC");
	strata_store_schema_free(&s);
}

/* Check that item's metadata, less _updated, equals the JSON want. */
static void meta_is(const char *item, const char *want)
{
	json_t *got, *expected = json_loads(want, 0, NULL);
	char *text;

	assert_ok(strata_abi_item_metadata(root, ST, COL, item, NULL, &text));
	got = json_loads(text, 0, NULL);
	assert_non_null(got);
	assert_non_null(json_object_get(got, "_updated"));
	json_object_del(got, "_updated");
	if (!json_equal(got, expected))
		fail_msg("metadata %s, want %s", text, want);
	strata_abi_free(text);
	json_decref(got);
	json_decref(expected);
}

/* Metadata merged by append (in the same version) and by set_metadata. */
static void test_metadata(void **state)
{
	const mrow rows[] = {{1, "A", 1, 0}};
	const mrow more[] = {{2, "A", 2, 0}};
	strata_store_options o = composite;
	strata_pq_table t;
	(void)state;

	mk(&t, rows, 1);
	assert_ok(strata_store_write(root, ST, COL, "meta", &t, "ts", "{\"a\": 1, \"b\": 2}", 1,
	                             &composite));
	strata_pq_table_free(&t);
	o.metadata_merge = "{\"b\": null, \"c\": [3]}";
	mk(&t, more, 1);
	assert_ok(strata_store_append(root, ST, COL, "meta", &t, STRATA_STORE_KEEP_LAST, &o));
	/* The same rows again under keep_first: no version, no metadata change. */
	o.metadata_merge = "{\"d\": 4}";
	assert_ok(strata_store_append(root, ST, COL, "meta", &t, STRATA_STORE_KEEP_FIRST, &o));
	o.metadata_merge = "[1]";
	assert_int_equal(strata_store_append(root, ST, COL, "meta", &t, STRATA_STORE_KEEP_LAST, &o),
	                 STRATA_EINVAL);
	strata_pq_table_free(&t);
	meta_is("meta", "{\"a\": 1, \"c\": [3]}");
	assert_ok(strata_store_set_metadata(root, ST, COL, "meta", "{\"e\": 5}", 1, NULL));
	meta_is("meta", "{\"a\": 1, \"c\": [3], \"e\": 5}");
	assert_ok(strata_store_set_metadata(root, ST, COL, "meta", "{\"f\": 6}", 0, NULL));
	meta_is("meta", "{\"f\": 6}");
	expect_range("meta", (const mrow[]){{1, "A", 1, 0}, {2, "A", 2, 0}}, 2, INT64_MIN,
	             INT64_MAX);
	assert_int_equal(strata_store_set_metadata(root, ST, COL, "none", "{}", 0, NULL),
	                 STRATA_ENOTFOUND);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_random_against_model),
	    cmocka_unit_test(test_modes),
	    cmocka_unit_test(test_bad_composite),
	    cmocka_unit_test(test_time_zones),
	    cmocka_unit_test(test_metadata),
	};
	return cmocka_run_group_tests(tests, strata_test_dir_setup, strata_test_dir_teardown);
}
