/* test_item.c - store items: write, read, append, versions, crash safety. */
#include "testutil.h"

#include "store/parquet.h"
#include "strata/error.h"
#include "strata/file.h"
#include "strata/store.h"
#include "strata/time.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* The group's temporary directory (testutil.h) is the store root. */
static const char *const root = strata_test_dir;

#define ST  "st"
#define COL "col"

/* A table of n rows: "index" (timestamps keys) and "v" (doubles vals). */
static void mk(strata_pq_table *t, size_t n, const int64_t *keys, const double *vals)
{
	strata_pq_table_init(t, n);
	assert_ok(strata_pq_table_add(t, "index", STRATA_PQ_TIMESTAMP, keys, NULL, NULL));
	assert_ok(strata_pq_table_add(t, "v", STRATA_PQ_DOUBLE, vals, NULL, NULL));
}

/* Write item from keys/vals with part_rows rows per part. */
static void put(const char *item, size_t n, const int64_t *keys, const double *vals,
                size_t part_rows)
{
	strata_store_options o = {.part_rows = part_rows};
	strata_pq_table t;

	mk(&t, n, keys, vals);
	assert_ok(strata_store_write(root, ST, COL, item, &t, "index", NULL, 1, &o));
	strata_pq_table_free(&t);
}

static int append(const char *item, size_t n, const int64_t *keys, const double *vals,
                  strata_store_dup dup, size_t part_rows)
{
	strata_store_options o = {.part_rows = part_rows};
	strata_pq_table t;
	int rc;

	mk(&t, n, keys, vals);
	rc = strata_store_append(root, ST, COL, item, &t, dup, &o);
	strata_pq_table_free(&t);
	return rc;
}

/* Read the whole item and check its keys and "v" values. */
static void expect(const char *item, size_t n, const int64_t *keys, const double *vals)
{
	strata_pq_table t;

	assert_ok(strata_store_read(root, ST, COL, item, NULL, INT64_MIN, INT64_MAX, &t));
	assert_int_equal(t.nrows, n);
	assert_string_equal(t.cols[0].name, "index");
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(((int64_t *)t.cols[0].values)[i], keys[i]);
		assert_true(((double *)t.cols[1].values)[i] == vals[i]);
	}
	strata_pq_table_free(&t);
}

/* The version folder the item's link points at ("" when none). */
static void version_of(const char *item, char out[256])
{
	char link[512];
	ssize_t n;

	snprintf(link, sizeof link, "%s/" ST "/" COL "/%s", root, item);
	n = readlink(link, out, 255);
	out[n < 0 ? 0 : n] = '\0';
}

static ino_t inode_of(const char *item, const char *file, nlink_t *nlink)
{
	char path[512];
	struct stat st;

	snprintf(path, sizeof path, "%s/" ST "/" COL "/%s/%s", root, item, file);
	assert_int_equal(stat(path, &st), 0);
	if (nlink)
		*nlink = st.st_nlink;
	return st.st_ino;
}

static int exists(const char *item, const char *file)
{
	char path[512];

	snprintf(path, sizeof path, "%s/" ST "/" COL "/%s/%s", root, item, file);
	return access(path, F_OK) == 0;
}

static void test_round_trip(void **state)
{
	static const int64_t keys[] = {3000, 1000, 2000};
	static const double vals[] = {3.5, 1.5, 0};
	static const int32_t ints[] = {3, 1, 2};
	static const char *const strs[] = {"drei", NULL, "zwei"};
	static const char *const want_s[] = {NULL, "zwei", "drei"};
	const uint8_t valid[] = {0x01}; /* only row 0 of "v" present */
	const char *const cols[] = {"s", NULL};
	char path[512], *text;
	strata_pq_table t, r;
	size_t len;
	(void)state;

	strata_pq_table_init(&t, 3);
	assert_ok(strata_pq_table_add(&t, "index", STRATA_PQ_TIMESTAMP, keys, NULL, NULL));
	assert_ok(strata_pq_table_add(&t, "v", STRATA_PQ_DOUBLE, vals, valid, NULL));
	assert_ok(strata_pq_table_add(&t, "i", STRATA_PQ_INT32, ints, NULL, NULL));
	assert_ok(strata_pq_table_add_strings(&t, "s", strs, 1));
	assert_ok(strata_store_write(root, ST, COL, "rt", &t, "index", "{\"source\": \"test\"}", 0,
	                             NULL));
	assert_int_equal(strata_store_write(root, ST, COL, "rt", &t, "index", NULL, 0, NULL),
	                 STRATA_EEXIST);

	assert_ok(strata_store_read(root, ST, COL, "rt", NULL, INT64_MIN, INT64_MAX, &r));
	assert_int_equal(r.nrows, 3);
	assert_int_equal(r.ncols, 4);
	for (size_t i = 0; i < 3; i++) {
		const strata_pq_column *s = &r.cols[3];
		assert_int_equal(((int64_t *)r.cols[0].values)[i], (int64_t)(i + 1) * 1000);
		assert_int_equal(((int32_t *)r.cols[2].values)[i], (int32_t)i + 1);
		assert_int_equal(strata_pq_is_valid(&r.cols[1], i), i == 2);
		assert_int_equal(strata_pq_is_valid(s, i), want_s[i] != NULL);
		if (want_s[i])
			assert_memory_equal(s->bytes + s->offsets[i], want_s[i], strlen(want_s[i]));
	}
	assert_true(((double *)r.cols[1].values)[2] == 3.5);
	strata_pq_table_free(&r);

	/* A column subset: the key first, then the asked ones. */
	assert_ok(strata_store_read(root, ST, COL, "rt", cols, INT64_MIN, INT64_MAX, &r));
	assert_int_equal(r.ncols, 2);
	assert_string_equal(r.cols[1].name, "s");
	strata_pq_table_free(&r);
	const char *const bad[] = {"nope", NULL};
	assert_int_equal(strata_store_read(root, ST, COL, "rt", bad, INT64_MIN, INT64_MAX, &r),
	                 STRATA_ENOTFOUND);
	strata_pq_table_free(&r);

	/* PyStore's files: store metadata, item metadata, parts through the link. */
	snprintf(path, sizeof path, "%s/" ST "/pystore_metadata.json", root);
	assert_ok(strata_file_read_all(path, 0, &text, &len));
	assert_non_null(strstr(text, "\"engine\": \"pyarrow\""));
	free(text);
	snprintf(path, sizeof path, "%s/" ST "/" COL "/rt/pystore_metadata.json", root);
	assert_ok(strata_file_read_all(path, 0, &text, &len));
	assert_non_null(strstr(text, "\"source\": \"test\", \"_updated\": "));
	free(text);
	assert_true(exists("rt", "part.0.parquet"));
	assert_true(exists("rt", "manifest.json"));
	/* pandas metadata: the key column is the DataFrame's index. */
	strata_pq_file *f;
	snprintf(path, sizeof path, "%s/" ST "/" COL "/rt/part.0.parquet", root);
	assert_ok(strata_parquet_open(path, &f));
	assert_non_null(strata_parquet_kv_get(f, "pandas"));
	assert_non_null(
	    strstr(strata_parquet_kv_get(f, "pandas"), "\"index_columns\":[\"index\"]"));
	strata_parquet_close(f);

	/* Overwrite: a new version, the old one removed. */
	char v1[256], v2[256];
	version_of("rt", v1);
	assert_ok(strata_store_write(root, ST, COL, "rt", &t, "index", NULL, 1, NULL));
	version_of("rt", v2);
	assert_string_not_equal(v1, v2);
	snprintf(path, sizeof path, "%s/" ST "/" COL "/%s", root, v1);
	assert_int_not_equal(access(path, F_OK), 0);
	strata_pq_table_free(&t);
}

static void test_range_skips_parts(void **state)
{
	int64_t keys[35];
	double vals[35];
	strata_pq_table r;
	char path[512], v[256];
	(void)state;

	for (int i = 0; i < 35; i++) {
		keys[i] = i * 1000;
		vals[i] = i;
	}
	put("range", 35, keys, vals, 10);
	assert_true(exists("range", "part.3.parquet"));
	assert_false(exists("range", "part.4.parquet"));
	/* Remove part 0: a read of rows 12..25 must not open it. */
	version_of("range", v);
	snprintf(path, sizeof path, "%s/" ST "/" COL "/%s/part.0.parquet", root, v);
	assert_int_equal(unlink(path), 0);
	assert_ok(strata_store_read(root, ST, COL, "range", NULL, 12000, 25000, &r));
	assert_int_equal(r.nrows, 14);
	assert_int_equal(((int64_t *)r.cols[0].values)[0], 12000);
	assert_int_equal(((int64_t *)r.cols[0].values)[13], 25000);
	strata_pq_table_free(&r);
	/* A range between keys: empty, with the schema. */
	assert_ok(strata_store_read(root, ST, COL, "range", NULL, 12001, 12999, &r));
	assert_int_equal(r.nrows, 0);
	assert_int_equal(r.ncols, 2);
	strata_pq_table_free(&r);
	assert_int_not_equal(strata_store_read(root, ST, COL, "range", NULL, 0, 5000, &r), 0);
	strata_pq_table_free(&r);
}

static const int64_t base_k[] = {1, 2, 3};
static const double base_v[] = {10, 20, 30};
static const int64_t batch_k[] = {4, 2};
static const double batch_v[] = {400, 200};

static void test_keep_last(void **state)
{
	static const int64_t k[] = {1, 2, 3, 4};
	static const double v[] = {10, 200, 30, 400};
	(void)state;
	put("last", 3, base_k, base_v, 0);
	assert_ok(append("last", 2, batch_k, batch_v, STRATA_STORE_KEEP_LAST, 0));
	expect("last", 4, k, v);
}

static void test_keep_first(void **state)
{
	static const int64_t k[] = {1, 2, 3, 4};
	static const double v[] = {10, 20, 30, 400};
	(void)state;
	put("first", 3, base_k, base_v, 0);
	assert_ok(append("first", 2, batch_k, batch_v, STRATA_STORE_KEEP_FIRST, 0));
	expect("first", 4, k, v);
}

static void test_keep_all(void **state)
{
	static const int64_t k[] = {1, 2, 2, 3, 4};
	static const double v[] = {10, 20, 200, 30, 400};
	(void)state;
	put("all", 3, base_k, base_v, 0);
	assert_ok(append("all", 2, batch_k, batch_v, STRATA_STORE_KEEP_ALL, 0));
	expect("all", 5, k, v);
}

static void test_dup_error(void **state)
{
	char v1[256], v2[256];
	(void)state;
	put("err", 3, base_k, base_v, 0);
	version_of("err", v1);
	assert_int_equal(append("err", 2, batch_k, batch_v, STRATA_STORE_DUP_ERROR, 0),
	                 STRATA_EEXIST);
	assert_non_null(strstr(strata_error_message(), "1970-01-01T00:00:00.000000002Z"));
	assert_non_null(strstr(strata_error_message(), "err"));
	version_of("err", v2);
	assert_string_equal(v1, v2);
	expect("err", 3, base_k, base_v);
}

/* PyStore bug (a): rows with equal values at distinct keys are all kept. */
static void test_repeated_values_kept(void **state)
{
	static const int64_t k1[] = {1, 2}, k2[] = {3, 4}, k[] = {1, 2, 3, 4};
	static const double same[] = {5, 5, 5, 5};
	(void)state;
	put("repv", 2, k1, same, 0);
	assert_ok(append("repv", 2, k2, same, STRATA_STORE_KEEP_LAST, 0));
	expect("repv", 4, k, same);
}

/* PyStore bug (b): an existing timestamp takes the newest row. */
static void test_newest_wins(void **state)
{
	static const int64_t k1[] = {1, 2}, k2[] = {2}, k[] = {1, 2};
	static const double v1[] = {1, 2}, v2[] = {99}, v[] = {1, 99};
	(void)state;
	put("newest", 2, k1, v1, 0);
	assert_ok(append("newest", 1, k2, v2, STRATA_STORE_KEEP_LAST, 0));
	expect("newest", 2, k, v);
}

/* Repeated keys inside one batch are kept, in their order. */
static void test_batch_repeats_kept(void **state)
{
	static const int64_t k1[] = {1, 2}, k2[] = {10, 2, 10, 2}, k[] = {1, 2, 2, 10, 10};
	static const double v1[] = {1, 2}, v2[] = {100, 20, 101, 21}, v[] = {1, 20, 21, 100, 101};
	(void)state;
	put("brep", 2, k1, v1, 0);
	assert_ok(append("brep", 4, k2, v2, STRATA_STORE_KEEP_LAST, 0));
	expect("brep", 5, k, v);
}

static void test_unsorted_input(void **state)
{
	static const int64_t k[] = {3, 1, 2, 1}, want_k[] = {1, 1, 2, 3};
	static const double v[] = {30, 10, 20, 11}, want_v[] = {10, 11, 20, 30};
	(void)state;
	put("unsorted", 4, k, v, 0);
	expect("unsorted", 4, want_k, want_v);
}

static void fill(int64_t *k, double *v, size_t n, int64_t from, double val)
{
	for (size_t i = 0; i < n; i++) {
		k[i] = from + (int64_t)i;
		v[i] = val + (double)i;
	}
}

static void test_append_after_end_links(void **state)
{
	int64_t k[20];
	double v[20];
	nlink_t nl;
	(void)state;
	fill(k, v, 20, 0, 0);
	put("tail", 20, k, v, 10);
	ino_t i0 = inode_of("tail", "part.0.parquet", NULL);
	ino_t i1 = inode_of("tail", "part.1.parquet", NULL);
	fill(k, v, 5, 20, 20);
	assert_ok(append("tail", 5, k, v, STRATA_STORE_KEEP_LAST, 10));
	assert_true(inode_of("tail", "part.0.parquet", &nl) == i0);
	assert_int_equal(nl, 1); /* old version removed */
	assert_true(inode_of("tail", "part.1.parquet", NULL) == i1);
	assert_true(exists("tail", "part.2.parquet"));
	assert_false(exists("tail", "part.3.parquet"));
	fill(k, v, 20, 0, 0);
	for (int i = 20; i < 25; i++) {
		int64_t kk = i;
		double vv = i;
		strata_pq_table r;
		assert_ok(strata_store_read(root, ST, COL, "tail", NULL, kk, kk, &r));
		assert_int_equal(r.nrows, 1);
		assert_true(((double *)r.cols[1].values)[0] == vv);
		strata_pq_table_free(&r);
	}
}

static void test_overlap_rewrites_touched(void **state)
{
	int64_t k[30];
	double v[30];
	static const int64_t k2[] = {15};
	static const double v2[] = {-1};
	(void)state;
	fill(k, v, 30, 0, 0);
	put("mid", 30, k, v, 10);
	ino_t i0 = inode_of("mid", "part.0.parquet", NULL);
	ino_t i1 = inode_of("mid", "part.1.parquet", NULL);
	ino_t i2 = inode_of("mid", "part.2.parquet", NULL);
	assert_ok(append("mid", 1, k2, v2, STRATA_STORE_KEEP_LAST, 10));
	assert_true(inode_of("mid", "part.0.parquet", NULL) == i0);
	assert_true(inode_of("mid", "part.1.parquet", NULL) != i1);
	assert_true(inode_of("mid", "part.2.parquet", NULL) == i2);
	v[15] = -1;
	expect("mid", 30, k, v);
}

/* A reference model of an item: rows (key, value) in order. */
typedef struct mrow {
	int64_t k;
	double v;
	size_t seq;
} mrow;

static int compare_mrow(const void *a, const void *b)
{
	const mrow *x = a, *y = b;

	if (x->k != y->k)
		return x->k < y->k ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int has_key(const mrow *rows, size_t n, int64_t k)
{
	for (size_t i = 0; i < n; i++)
		if (rows[i].k == k)
			return 1;
	return 0;
}

/* The model's append: returns the new row count in m. */
static size_t model_append(mrow *m, size_t n, const mrow *b, size_t nb, strata_store_dup dup)
{
	mrow out[1024];
	size_t no = 0;

	for (size_t i = 0; i < n; i++) {
		if (dup == STRATA_STORE_KEEP_LAST && has_key(b, nb, m[i].k))
			continue;
		out[no] = m[i];
		out[no].seq = no;
		no++;
	}
	for (size_t i = 0; i < nb; i++) {
		if (dup == STRATA_STORE_KEEP_FIRST && has_key(m, n, b[i].k))
			continue;
		out[no] = b[i];
		out[no].seq = no;
		no++;
	}
	qsort(out, no, sizeof *out, compare_mrow);
	memcpy(m, out, no * sizeof *out);
	return no;
}

/* Random appends in every mode against the model, with small parts. */
static void test_random_against_model(void **state)
{
	static mrow m[1024];
	unsigned seed = 777;
	size_t n = 0;
	double next_v = 1;
	(void)state;

	put("model", 0, NULL, NULL, 5);
	for (int round = 0; round < 60; round++) {
		mrow b[16];
		int64_t bk[16];
		double bv[16];
		size_t nb = (size_t)(rand_r(&seed) % 14);
		strata_store_dup dup = (strata_store_dup)(rand_r(&seed) % 4);
		int64_t lo = rand_r(&seed) % 60 - 5, hi = lo + rand_r(&seed) % 30;
		strata_pq_table r;
		int dup_found = 0;

		for (size_t i = 0; i < nb; i++) {
			bk[i] = rand_r(&seed) % 50 + (round > 30 ? round : 0);
			bv[i] = next_v++;
			b[i] = (mrow){bk[i], bv[i], i};
			dup_found |= has_key(m, n, bk[i]);
		}
		qsort(b, nb, sizeof *b, compare_mrow);
		if (dup == STRATA_STORE_DUP_ERROR && dup_found) {
			assert_int_equal(append("model", nb, bk, bv, dup, 5), STRATA_EEXIST);
		} else {
			assert_ok(append("model", nb, bk, bv, dup, 5));
			n = model_append(m, n, b, nb, dup);
		}
		assert_true(n < 900);
		assert_ok(strata_store_read(root, ST, COL, "model", NULL, lo, hi, &r));
		size_t j = 0;
		for (size_t i = 0; i < n; i++) {
			if (m[i].k < lo || m[i].k > hi)
				continue;
			assert_true(j < r.nrows);
			assert_int_equal(((int64_t *)r.cols[0].values)[j], m[i].k);
			assert_true(((double *)r.cols[1].values)[j] == m[i].v);
			j++;
		}
		assert_int_equal(j, r.nrows);
		strata_pq_table_free(&r);
	}
	int64_t keys[1024];
	double vals[1024];
	for (size_t i = 0; i < n; i++) {
		keys[i] = m[i].k;
		vals[i] = m[i].v;
	}
	expect("model", n, keys, vals);
	assert_true(exists("model", "part.3.parquet"));
}

static void test_empty_batch(void **state)
{
	char v1[256], v2[256];
	(void)state;
	put("empty", 3, base_k, base_v, 0);
	version_of("empty", v1);
	assert_ok(append("empty", 0, NULL, NULL, STRATA_STORE_KEEP_LAST, 0));
	version_of("empty", v2);
	assert_string_equal(v1, v2);
	/* KEEP_FIRST with only existing keys changes nothing either. */
	assert_ok(append("empty", 2, base_k, batch_v, STRATA_STORE_KEEP_FIRST, 0));
	version_of("empty", v2);
	assert_string_equal(v1, v2);
	expect("empty", 3, base_k, base_v);
}

static void test_schema_evolution(void **state)
{
	static const int64_t k1[] = {1, 2}, k2[] = {3};
	static const int32_t a1[] = {7, 8};
	static const int64_t a2[] = {INT64_C(1) << 40};
	static const float f1[] = {0.5f, 1.5f};
	static const double f2[] = {2.25};
	static const char *const s2[] = {"new"};
	strata_pq_table t, r;
	char v1[256], v2[256];
	(void)state;

	strata_pq_table_init(&t, 2);
	assert_ok(strata_pq_table_add(&t, "index", STRATA_PQ_TIMESTAMP, k1, NULL, NULL));
	assert_ok(strata_pq_table_add(&t, "a", STRATA_PQ_INT32, a1, NULL, NULL));
	assert_ok(strata_pq_table_add(&t, "f", STRATA_PQ_FLOAT, f1, NULL, NULL));
	assert_ok(strata_store_write(root, ST, COL, "evo", &t, "index", NULL, 0, NULL));
	strata_pq_table_free(&t);

	strata_pq_table_init(&t, 1);
	assert_ok(strata_pq_table_add(&t, "index", STRATA_PQ_TIMESTAMP, k2, NULL, NULL));
	assert_ok(strata_pq_table_add_strings(&t, "b", s2, 0));
	assert_ok(strata_pq_table_add(&t, "f", STRATA_PQ_DOUBLE, f2, NULL, NULL));
	assert_ok(strata_pq_table_add(&t, "a", STRATA_PQ_INT64, a2, NULL, NULL));
	assert_ok(strata_store_append(root, ST, COL, "evo", &t, STRATA_STORE_KEEP_LAST, NULL));
	strata_pq_table_free(&t);

	assert_ok(strata_store_read(root, ST, COL, "evo", NULL, INT64_MIN, INT64_MAX, &r));
	assert_int_equal(r.nrows, 3);
	assert_int_equal(r.ncols, 4);
	assert_string_equal(r.cols[1].name, "a");
	assert_int_equal(r.cols[1].type, STRATA_PQ_INT64);
	assert_int_equal(((int64_t *)r.cols[1].values)[0], 7);
	assert_int_equal(((int64_t *)r.cols[1].values)[2], INT64_C(1) << 40);
	assert_int_equal(r.cols[2].type, STRATA_PQ_DOUBLE);
	assert_true(((double *)r.cols[2].values)[1] == 1.5);
	assert_string_equal(r.cols[3].name, "b");
	assert_false(strata_pq_is_valid(&r.cols[3], 0));
	assert_false(strata_pq_is_valid(&r.cols[3], 1));
	assert_true(strata_pq_is_valid(&r.cols[3], 2));
	strata_pq_table_free(&r);

	/* Incompatible: a string for "a"; a missing column. Item unchanged. */
	version_of("evo", v1);
	strata_pq_table_init(&t, 1);
	assert_ok(strata_pq_table_add(&t, "index", STRATA_PQ_TIMESTAMP, k2, NULL, NULL));
	assert_ok(strata_pq_table_add_strings(&t, "a", s2, 0));
	assert_ok(strata_pq_table_add(&t, "f", STRATA_PQ_DOUBLE, f2, NULL, NULL));
	assert_ok(strata_pq_table_add_strings(&t, "b", s2, 0));
	assert_int_equal(
	    strata_store_append(root, ST, COL, "evo", &t, STRATA_STORE_KEEP_LAST, NULL),
	    STRATA_ESCHEMA);
	assert_non_null(strstr(strata_error_message(), "column a"));
	strata_pq_table_free(&t);
	mk(&t, 1, k2, f2);
	assert_int_equal(
	    strata_store_append(root, ST, COL, "evo", &t, STRATA_STORE_KEEP_LAST, NULL),
	    STRATA_ESCHEMA);
	strata_pq_table_free(&t);
	version_of("evo", v2);
	assert_string_equal(v1, v2);
}

static void test_bad_names(void **state)
{
	static const char *const bad[] = {"", "..", ".hidden", "_snapshots", "a/b", "../x"};
	strata_pq_table t;
	char path[512];
	(void)state;
	mk(&t, 3, base_k, base_v);
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		assert_int_equal(
		    strata_store_write(root, ST, COL, bad[i], &t, "index", NULL, 0, NULL),
		    STRATA_EINVAL);
		assert_int_equal(
		    strata_store_write(root, bad[i], COL, "x", &t, "index", NULL, 0, NULL),
		    STRATA_EINVAL);
		assert_int_equal(
		    strata_store_write(root, ST, bad[i], "x", &t, "index", NULL, 0, NULL),
		    STRATA_EINVAL);
	}
	snprintf(path, sizeof path, "%s/x", root);
	assert_int_not_equal(access(path, F_OK), 0);
	assert_int_equal(strata_store_write(root, ST, COL, "meta", &t, "index", "[1]", 0, NULL),
	                 STRATA_EINVAL);
	strata_pq_table_free(&t);
}

static void test_bad_keys(void **state)
{
	static const int64_t nat[] = {1, INT64_MIN, 3};
	const uint8_t valid[] = {0x05};
	strata_pq_table t;
	(void)state;
	mk(&t, 3, nat, base_v);
	assert_int_equal(strata_store_write(root, ST, COL, "nat", &t, "index", NULL, 0, NULL),
	                 STRATA_EINVAL);
	assert_non_null(strstr(strata_error_message(), "NaT"));
	assert_int_equal(strata_store_write(root, ST, COL, "nat", &t, "nokey", NULL, 0, NULL),
	                 STRATA_ESCHEMA);
	assert_int_equal(strata_store_write(root, ST, COL, "nat", &t, "v", NULL, 0, NULL),
	                 STRATA_ESCHEMA);
	strata_pq_table_free(&t);
	strata_pq_table_init(&t, 3);
	assert_ok(strata_pq_table_add(&t, "index", STRATA_PQ_TIMESTAMP, base_k, valid, NULL));
	assert_int_equal(strata_store_write(root, ST, COL, "nat", &t, "index", NULL, 0, NULL),
	                 STRATA_EINVAL);
	strata_pq_table_free(&t);
	assert_false(exists("nat", "."));
	/* Appending NaT is refused too. */
	put("nat2", 3, base_k, base_v, 0);
	assert_int_equal(append("nat2", 3, nat, base_v, STRATA_STORE_KEEP_LAST, 0), STRATA_EINVAL);
	expect("nat2", 3, base_k, base_v);
}

static void test_delete_and_list(void **state)
{
	strata_pq_table t, r;
	char **names;
	size_t n;
	(void)state;
	mk(&t, 3, base_k, base_v);
	assert_ok(strata_store_write(root, "lst", COL, "a", &t, "index", "{\"k\": 1}", 0, NULL));
	assert_ok(strata_store_write(root, "lst", COL, "b", &t, "index", "{\"k\": 2}", 0, NULL));
	strata_pq_table_free(&t);
	assert_ok(strata_store_list_items(root, "lst", COL, NULL, &names, &n));
	assert_int_equal(n, 2);
	assert_string_equal(names[0], "a");
	assert_string_equal(names[1], "b");
	strata_store_names_free(names);
	assert_ok(strata_store_list_items(root, "lst", COL, "{\"k\": 2}", &names, &n));
	assert_int_equal(n, 1);
	assert_string_equal(names[0], "b");
	assert_null(names[1]);
	strata_store_names_free(names);

	assert_ok(strata_store_delete(root, "lst", COL, "a"));
	assert_int_equal(strata_store_delete(root, "lst", COL, "a"), STRATA_ENOTFOUND);
	assert_int_equal(strata_store_read(root, "lst", COL, "a", NULL, INT64_MIN, INT64_MAX, &r),
	                 STRATA_ENOTFOUND);
	strata_pq_table_free(&r);
	assert_ok(strata_store_list_items(root, "lst", COL, NULL, &names, &n));
	assert_int_equal(n, 1);
	strata_store_names_free(names);
	assert_int_equal(append("nothere", 3, base_k, base_v, STRATA_STORE_KEEP_LAST, 0),
	                 STRATA_ENOTFOUND);
}

/* Items "x" and "x.lock" live side by side (the lock is ".strata/.x.lock"). */
static void test_lock_name_no_collision(void **state)
{
	static const int64_t k[] = {1, 2, 3, 4};
	static const double v[] = {10, 200, 30, 400};
	(void)state;
	put("x", 3, base_k, base_v, 0);
	put("x.lock", 3, base_k, base_v, 0);
	assert_ok(append("x", 2, batch_k, batch_v, STRATA_STORE_KEEP_LAST, 0));
	assert_ok(append("x.lock", 2, batch_k, batch_v, STRATA_STORE_KEEP_LAST, 0));
	expect("x", 4, k, v);
	expect("x.lock", 4, k, v);
}

/* A second writer waits for the first one's lock. */
static void test_writer_waits(void **state)
{
	char lock[512];
	int64_t t0;
	pid_t pid;
	int status, pipefd[2];
	char c;
	(void)state;
	put("locked", 3, base_k, base_v, 0);
	snprintf(lock, sizeof lock, "%s/" ST "/" COL "/.strata/.locked.lock", root);
	assert_int_equal(pipe(pipefd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		strata_file_lock l;
		if (strata_file_lock_acquire(&l, lock, 1, 1) != 0)
			_exit(1);
		(void)write(pipefd[1], "x", 1);
		usleep(200000);
		strata_file_lock_release(&l);
		_exit(0);
	}
	assert_int_equal(read(pipefd[0], &c, 1), 1);
	t0 = strata_time_monotonic_ns();
	assert_ok(append("locked", 2, batch_k, batch_v, STRATA_STORE_KEEP_LAST, 0));
	assert_true(strata_time_monotonic_ns() - t0 > 100 * 1000000LL);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_int_equal(WEXITSTATUS(status), 0);
	close(pipefd[0]);
	close(pipefd[1]);
}

/* Entries in the item's version folder .strata/<item>/. */
static size_t versions_of(const char *item)
{
	char vroot[512];
	struct dirent *e;
	size_t n = 0;
	DIR *d;

	snprintf(vroot, sizeof vroot, "%s/" ST "/" COL "/.strata/%s", root, item);
	assert_non_null(d = opendir(vroot));
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

/* Stray versions and temp links (a crashed writer's) are ignored by readers
 * and removed by the next writer. */
static void test_strays_cleaned(void **state)
{
	char path[512];
	(void)state;
	put("stray", 3, base_k, base_v, 0);
	snprintf(path, sizeof path, "%s/" ST "/" COL "/.strata/stray/v99999999", root);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof path, "%s/" ST "/" COL "/.strata/stray/v99999999/part.0.parquet",
	         root);
	strata_test_write_file(path, "garbage");
	snprintf(path, sizeof path, "%s/" ST "/" COL "/.stray.strata-tmp", root);
	assert_int_equal(symlink(".strata/stray/v99999999", path), 0);
	expect("stray", 3, base_k, base_v);
	assert_ok(append("stray", 2, batch_k, batch_v, STRATA_STORE_KEEP_LAST, 0));
	assert_int_equal(versions_of("stray"), 1);
	assert_int_not_equal(access(path, F_OK), 0);
}

/* Rows and the "v" sum of the item's rows in [lo, hi]. */
static void state_of(const char *item, int64_t lo, int64_t hi, size_t *rows, double *sum)
{
	strata_pq_table r;

	assert_ok(strata_store_read(root, ST, COL, item, NULL, lo, hi, &r));
	*rows = r.nrows;
	*sum = 0;
	for (size_t i = 0; i < r.nrows; i++)
		*sum += ((double *)r.cols[1].values)[i];
	strata_pq_table_free(&r);
}

/* Readers racing a writer (which removes old versions) always see a whole
 * version: they resolve the link again when their version vanishes. */
static void test_readers_during_appends(void **state)
{
	enum { N0 = 50, NB = 10, APPENDS = 40 };
	int64_t k[N0];
	double v[N0];
	size_t reads = 0, rows;
	double sum;
	int status;
	pid_t pid;
	(void)state;

	fill(k, v, N0, 0, 0);
	put("race", N0, k, v, 20);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		for (int i = 0; i < APPENDS; i++) {
			fill(k, v, NB, N0 + i * NB, 0);
			if (append("race", NB, k, v, STRATA_STORE_KEEP_LAST, 20))
				_exit(1);
		}
		_exit(0);
	}
	while (waitpid(pid, &status, WNOHANG) == 0) {
		state_of("race", INT64_MIN, INT64_MAX, &rows, &sum);
		assert_int_equal((rows - N0) % NB, 0);
		reads++;
	}
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	state_of("race", INT64_MIN, INT64_MAX, &rows, &sum);
	assert_int_equal(rows, N0 + APPENDS * NB);
	print_message("readers: %zu reads during %d appends\n", reads, APPENDS);
}

/* Kill a writer child at random points: the item is always the old or the
 * new version, and the next writer cleans up what the child left. */
static void test_crash_safety(void **state)
{
	enum { N0 = 400, NB = 300, OVERLAP = 100, ITER = 30 };
	static int64_t k[N0], bk[NB];
	static double v[N0], bv[NB];
	unsigned seed = 12345;
	size_t rows, old_rows, n_over, completed = 0;
	double sum, old_sum, over_sum;
	(void)state;

	fill(k, v, N0, 0, 0);
	int64_t t0 = strata_time_monotonic_ns();
	put("crash", N0, k, v, 100);
	/* Kill within about twice the time of one write, whatever the load. */
	unsigned max_us = (unsigned)((strata_time_monotonic_ns() - t0) / 500) + 100;
	for (int it = 0; it < ITER; it++) {
		/* The batch: OVERLAP existing keys replaced (by 1), the rest new. */
		int64_t from = (int64_t)(N0 + it * (NB - OVERLAP)) - OVERLAP;
		for (int i = 0; i < NB; i++) {
			bk[i] = from + i;
			bv[i] = 1;
		}
		state_of("crash", INT64_MIN, INT64_MAX, &old_rows, &old_sum);
		state_of("crash", from, from + OVERLAP - 1, &n_over, &over_sum);
		assert_int_equal(n_over, OVERLAP);
		pid_t pid = fork();
		assert_true(pid >= 0);
		if (pid == 0)
			_exit(append("crash", NB, bk, bv, STRATA_STORE_KEEP_LAST, 100) ? 1 : 0);
		usleep((useconds_t)(rand_r(&seed) % max_us));
		kill(pid, SIGKILL);
		assert_int_equal(waitpid(pid, NULL, 0), pid);
		state_of("crash", INT64_MIN, INT64_MAX, &rows, &sum);
		if (rows == old_rows) {
			assert_true(sum == old_sum);
			/* Finish the append here (cleaning up) so the next batch follows. */
			assert_ok(append("crash", NB, bk, bv, STRATA_STORE_KEEP_LAST, 100));
			assert_int_equal(versions_of("crash"), 1);
			state_of("crash", INT64_MIN, INT64_MAX, &rows, &sum);
		} else {
			completed++;
		}
		assert_int_equal(rows, old_rows + NB - OVERLAP);
		assert_true(sum == old_sum - over_sum + NB);
	}
	assert_int_equal(rows, N0 + ITER * (NB - OVERLAP));
	/* The next writer leaves exactly one version folder. */
	assert_ok(append("crash", 1, base_k, base_v, STRATA_STORE_KEEP_LAST, 100));
	assert_int_equal(versions_of("crash"), 1);
	print_message("crash test: %zu of %d appends finished before the kill\n", completed, ITER);
}

/* Read item as of snapshot and check its keys and "v" values. */
static void expect_snapshot(const char *item, const char *snap, size_t n, const int64_t *keys,
                            const double *vals)
{
	strata_pq_table t;

	assert_ok(
	    strata_store_read_snapshot(root, ST, COL, item, snap, NULL, INT64_MIN, INT64_MAX, &t));
	assert_int_equal(t.nrows, n);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(((int64_t *)t.cols[0].values)[i], keys[i]);
		assert_true(((double *)t.cols[1].values)[i] == vals[i]);
	}
	strata_pq_table_free(&t);
}

static void test_snapshots(void **state)
{
	const int64_t k1[] = {10, 20, 30}, k2[] = {20, 40};
	const double v1[] = {1, 2, 3}, v2[] = {9, 4};
	const int64_t after_k[] = {10, 20, 30, 40};
	const double after_v[] = {1, 9, 3, 4};
	char **names;
	size_t n;
	(void)state;

	put("snapA", 3, k1, v1, 2);
	put("snapB", 2, k2, v2, 0);
	assert_ok(strata_store_snapshot_create(root, ST, COL, "before"));
	assert_int_equal(strata_store_snapshot_create(root, ST, COL, "before"), STRATA_EEXIST);
	assert_int_equal(strata_store_snapshot_create(root, ST, COL, "_bad"), STRATA_EINVAL);
	assert_int_equal(strata_store_snapshot_create(root, ST, "nocol", "x"), STRATA_ENOTFOUND);

	/* Later writes change the item, never the snapshot. */
	assert_ok(append("snapA", 2, k2, v2, STRATA_STORE_KEEP_LAST, 2));
	expect("snapA", 4, after_k, after_v);
	expect_snapshot("snapA", "before", 3, k1, v1);
	assert_ok(strata_store_delete(root, ST, COL, "snapB"));
	expect_snapshot("snapB", "before", 2, k2, v2);

	/* Snapshots are listed, and hidden from the item listing. */
	assert_ok(strata_store_snapshot_list(root, ST, COL, &names, &n));
	assert_int_equal(n, 1);
	assert_string_equal(names[0], "before");
	strata_store_names_free(names);
	assert_ok(strata_store_list_items(root, ST, COL, NULL, &names, &n));
	for (size_t i = 0; i < n; i++)
		assert_string_not_equal(names[i], "_snapshots");
	strata_store_names_free(names);

	assert_int_equal(strata_store_read_snapshot(root, ST, COL, "nope", "before", NULL,
	                                            INT64_MIN, INT64_MAX, &(strata_pq_table){0}),
	                 STRATA_ENOTFOUND);
	assert_ok(strata_store_snapshot_delete(root, ST, COL, "before"));
	assert_int_equal(strata_store_snapshot_delete(root, ST, COL, "before"), STRATA_ENOTFOUND);
	assert_ok(strata_store_snapshot_list(root, ST, COL, &names, &n));
	assert_int_equal(n, 0);
	strata_store_names_free(names);
	expect("snapA", 4, after_k, after_v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_round_trip),
	    cmocka_unit_test(test_snapshots),
	    cmocka_unit_test(test_range_skips_parts),
	    cmocka_unit_test(test_keep_last),
	    cmocka_unit_test(test_keep_first),
	    cmocka_unit_test(test_keep_all),
	    cmocka_unit_test(test_dup_error),
	    cmocka_unit_test(test_repeated_values_kept),
	    cmocka_unit_test(test_newest_wins),
	    cmocka_unit_test(test_batch_repeats_kept),
	    cmocka_unit_test(test_unsorted_input),
	    cmocka_unit_test(test_append_after_end_links),
	    cmocka_unit_test(test_overlap_rewrites_touched),
	    cmocka_unit_test(test_random_against_model),
	    cmocka_unit_test(test_empty_batch),
	    cmocka_unit_test(test_schema_evolution),
	    cmocka_unit_test(test_bad_names),
	    cmocka_unit_test(test_bad_keys),
	    cmocka_unit_test(test_delete_and_list),
	    cmocka_unit_test(test_lock_name_no_collision),
	    cmocka_unit_test(test_writer_waits),
	    cmocka_unit_test(test_strays_cleaned),
	    cmocka_unit_test(test_readers_during_appends),
	    cmocka_unit_test(test_crash_safety),
	};
	return cmocka_run_group_tests(tests, strata_test_dir_setup, strata_test_dir_teardown);
}
