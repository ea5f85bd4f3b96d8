/* test_parquet.c - strata's Parquet writer and reader: round trips of every
 * type, codecs, row groups, statistics, corrupt files, foreign fixtures. */
#include "testutil.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "store/parquet.h"
#include "strata/file.h"

#define NROWS 50

static const strata_pq_type all_types[] = {
    STRATA_PQ_INT8,      STRATA_PQ_INT16,  STRATA_PQ_INT32,  STRATA_PQ_UINT8,
    STRATA_PQ_UINT16,    STRATA_PQ_UINT32, STRATA_PQ_INT64,  STRATA_PQ_UINT64,
    STRATA_PQ_TIMESTAMP, STRATA_PQ_FLOAT,  STRATA_PQ_DOUBLE, STRATA_PQ_BOOL,
};
#define NTYPES (sizeof all_types / sizeof all_types[0])

static const char *const words[] = {"", "a", "héllo wörld", "日本語", "zz", "a\001b", "emoji 🎉"};

/* Fill row i of a column of type t with an interesting value. */
static void fill_value(strata_pq_type t, void *values, size_t i)
{
	static const int64_t i64s[] = {INT64_MIN, INT64_MAX, 0, -1, 1, 1700000000000000000};
	static const double dbls[] = {0.0, -0.0, 1.5, -1e300, 1e-300};

	switch (t) {
	case STRATA_PQ_INT8: ((int32_t *)values)[i] = (int32_t)(i * 37 % 256) - 128; break;
	case STRATA_PQ_INT16: ((int32_t *)values)[i] = (int32_t)(i * 997 % 65536) - 32768; break;
	case STRATA_PQ_INT32:
		((int32_t *)values)[i] = i % 3 ? INT32_MIN + (int32_t)i : INT32_MAX;
		break;
	case STRATA_PQ_UINT8: ((int32_t *)values)[i] = (int32_t)(i * 7 % 256); break;
	case STRATA_PQ_UINT16: ((int32_t *)values)[i] = (int32_t)(i * 1311 % 65536); break;
	case STRATA_PQ_UINT32:
		((int32_t *)values)[i] = (int32_t)(uint32_t)(0xfffffff0u + i % 16 - 8 * (i % 2));
		break;
	case STRATA_PQ_INT64:
	case STRATA_PQ_TIMESTAMP:
	case STRATA_PQ_UINT64:
		((int64_t *)values)[i] = (int64_t)((uint64_t)i64s[i % 6] + i / 6);
		break;
	case STRATA_PQ_FLOAT:
		((float *)values)[i] = i % 5 == 0   ? NAN
		                       : i % 5 == 1 ? INFINITY
		                       : i % 5 == 2 ? -0.0f
		                                    : (float)i / 3;
		break;
	case STRATA_PQ_DOUBLE:
		((double *)values)[i] = i % 7 == 0 ? NAN : i % 7 == 1 ? -INFINITY : dbls[i % 5];
		break;
	case STRATA_PQ_BOOL: ((uint8_t *)values)[i] = i % 3 == 0; break;
	default: break;
	}
}

/* A table of every type; nullable: every 4th row null (and column 0 of
 * the strings all null in the first rows). */
static void build_table(strata_pq_table *t, size_t nrows, int nullable)
{
	uint8_t *validity = calloc(nrows / 8 + 1, 1);
	const char **strs = calloc(nrows + 1, sizeof *strs);
	char name[32];

	strata_pq_table_init(t, nrows);
	for (size_t i = 0; i < nrows; i++)
		if (!nullable || i % 4 != 1)
			validity[i / 8] |= (uint8_t)(1u << (i % 8));
	for (size_t k = 0; k < NTYPES; k++) {
		strata_pq_column *c;
		snprintf(name, sizeof name, "c_%s", strata_pq_type_name(all_types[k]));
		assert_ok(strata_pq_table_add(t, name, all_types[k], NULL,
		                              nullable ? validity : NULL, &c));
		for (size_t i = 0; i < nrows; i++)
			if (strata_pq_is_valid(c, i))
				fill_value(all_types[k], c->values, i);
	}
	for (size_t i = 0; i < nrows; i++)
		strs[i] = nullable && i % 4 == 1 ? NULL : words[i % 7];
	assert_ok(strata_pq_table_add_strings(t, "dict_str", strs, nullable));
	for (size_t i = 0; i < nrows; i++)
		if (strs[i])
			strs[i] = words[(i * i) % 7];
	assert_ok(strata_pq_table_add_strings(t, "str2", strs, nullable));
	free(strs);
	free(validity);
}

static void assert_column_equal(const strata_pq_column *a, const strata_pq_column *b, size_t nrows)
{
	assert_string_equal(a->name, b->name);
	assert_int_equal(a->type, b->type);
	assert_int_equal(!!a->validity, !!b->validity);
	for (size_t i = 0; i < nrows; i++) {
		assert_int_equal(strata_pq_is_valid(a, i), strata_pq_is_valid(b, i));
		if (!strata_pq_is_valid(a, i))
			continue;
		if (a->type == STRATA_PQ_STRING) {
			int64_t la = a->offsets[i + 1] - a->offsets[i];
			assert_int_equal(la, b->offsets[i + 1] - b->offsets[i]);
			assert_memory_equal(a->bytes + a->offsets[i], b->bytes + b->offsets[i],
			                    (size_t)la);
		} else {
			size_t sz = strata_pq_type_size(a->type);
			assert_memory_equal((char *)a->values + i * sz, (char *)b->values + i * sz,
			                    sz);
		}
	}
}

static void round_trip(const strata_pq_table *t, const strata_pq_write_options *o)
{
	char dir[256], path[300];
	strata_pq_file *f;
	strata_pq_table back;

	strata_test_tmpdir(dir, sizeof dir);
	snprintf(path, sizeof path, "%s/t.parquet", dir);
	assert_ok(strata_parquet_write(path, t, o));
	assert_ok(strata_parquet_open(path, &f));
	assert_int_equal(strata_parquet_num_rows(f), t->nrows);
	assert_int_equal(strata_parquet_num_columns(f), t->ncols);
	assert_ok(strata_parquet_read(f, NULL, 0, NULL, 0, &back));
	assert_int_equal(back.nrows, t->nrows);
	assert_int_equal(back.ncols, t->ncols);
	for (size_t k = 0; k < t->ncols; k++)
		assert_column_equal(&t->cols[k], &back.cols[k], t->nrows);
	strata_parquet_close(f);
	/* What the reader returns is valid writer input. */
	assert_ok(strata_parquet_write(path, &back, o));
	strata_pq_table_free(&back);
	assert_ok(strata_parquet_open(path, &f));
	assert_ok(strata_parquet_read(f, NULL, 0, NULL, 0, &back));
	for (size_t k = 0; k < t->ncols; k++)
		assert_column_equal(&t->cols[k], &back.cols[k], t->nrows);
	strata_pq_table_free(&back);
	strata_parquet_close(f);
	strata_test_rmtree(dir);
}

static void test_round_trip_all(void **state)
{
	const strata_pq_codec codecs[] = {STRATA_PQ_UNCOMPRESSED, STRATA_PQ_SNAPPY, STRATA_PQ_ZSTD};

	for (int nullable = 0; nullable < 2; nullable++) {
		strata_pq_table t;
		build_table(&t, NROWS, nullable);
		for (int c = 0; c < 3; c++) {
			for (int dict = 0; dict < 2; dict++) {
				strata_pq_write_options o = {.codec = codecs[c],
				                             .no_dictionary = dict,
				                             .row_group_rows = c == 1 ? 7 : 0};
				round_trip(&t, &o);
			}
		}
		round_trip(&t, NULL);
		strata_pq_table_free(&t);
	}
}

static void test_dictionary_fallback(void **state)
{
	strata_pq_table t;
	strata_pq_write_options o = {.dict_max_bytes = 10, .row_group_rows = 16};

	build_table(&t, 100, 1);
	round_trip(&t, &o);
	strata_pq_table_free(&t);
}

static void test_empty_table(void **state)
{
	strata_pq_table t;
	const char *none[1] = {NULL};

	build_table(&t, 0, 0);
	round_trip(&t, NULL);
	strata_pq_table_free(&t);
	strata_pq_table_init(&t, 0);
	round_trip(&t, NULL); /* no columns at all */
	assert_ok(strata_pq_table_add_strings(&t, "s", none, 1));
	round_trip(&t, NULL);
	strata_pq_table_free(&t);
}

static void test_all_null(void **state)
{
	strata_pq_table t;
	uint8_t validity[2] = {0, 0};
	const char *strs[10] = {0};

	const char *empties[10] = {"", "", "", "", "", "", "", "", "", ""};

	strata_pq_table_init(&t, 10);
	assert_ok(strata_pq_table_add(&t, "x", STRATA_PQ_DOUBLE, NULL, validity, NULL));
	assert_ok(strata_pq_table_add_strings(&t, "s", strs, 1));
	assert_ok(strata_pq_table_add_strings(&t, "e", empties, 0));
	assert_ok(strata_pq_table_add(&t, "z", STRATA_PQ_STRING, NULL, NULL, NULL));
	round_trip(&t, NULL);
	strata_pq_table_free(&t);
}

/* Write a file and open it; the caller closes f and removes dir. */
static void write_open(const strata_pq_table *t, const strata_pq_write_options *o, char *dir,
                       strata_pq_file **f)
{
	char path[300];

	strata_test_tmpdir(dir, 256);
	snprintf(path, sizeof path, "%s/t.parquet", dir);
	assert_ok(strata_parquet_write(path, t, o));
	assert_ok(strata_parquet_open(path, f));
}

static void test_statistics(void **state)
{
	strata_pq_table t;
	char dir[256];
	strata_pq_file *f;
	strata_pq_stats s;
	strata_pq_write_options o = {.row_group_rows = 25};

	build_table(&t, NROWS, 1);
	write_open(&t, &o, dir, &f);
	assert_int_equal(strata_parquet_num_row_groups(f), 2);
	assert_int_equal(strata_parquet_row_group_rows(f, 1), 25);
	/* INT64: rows 0..24 hold INT64_MIN+k and INT64_MAX+k (wraps). */
	assert_ok(strata_parquet_stats(f, 0, 6, &s));
	assert_true(s.has_min && s.has_max && s.has_null_count);
	assert_int_equal(s.null_count, 6); /* rows 1,5,...,21 */
	assert_true(s.min.i == INT64_MIN);
	/* UINT32 sorts unsigned: max is 0xffffffff-ish, min >= 0xfffffff0 - 8. */
	assert_ok(strata_parquet_stats(f, 0, 5, &s));
	assert_true(s.min.u >= 0xffffffe8u && s.max.u <= 0xffffffffu && s.min.u <= s.max.u);
	assert_true(s.max.u > 0x7fffffff);
	/* UINT64: INT64_MIN read unsigned is large; the max is INT64_MIN + k. */
	assert_ok(strata_parquet_stats(f, 0, 7, &s));
	assert_true(s.min.u == 0 + 3 || s.min.u < 10);
	assert_true(s.max.u >= (uint64_t)INT64_MIN);
	/* DOUBLE ignores NaN; -inf is the min. */
	assert_ok(strata_parquet_stats(f, 0, 10, &s));
	assert_true(isinf(s.min.d) && s.min.d < 0);
	assert_true(s.max.d == 1.5);
	/* FLOAT: +inf max. */
	assert_ok(strata_parquet_stats(f, 0, 9, &s));
	assert_true(isinf(s.max.d) && s.max.d > 0);
	/* BOOL */
	assert_ok(strata_parquet_stats(f, 0, 11, &s));
	assert_true(s.min.i == 0 && s.max.i == 1);
	/* strings: byte-wise; "" is the min, the emoji the max. */
	assert_ok(strata_parquet_stats(f, 0, 12, &s));
	assert_int_equal(s.min_len, 0);
	assert_int_equal(s.max_len, strlen("日本語"));
	assert_memory_equal(s.max_str, "日本語", s.max_len);
	assert_int_equal(strata_parquet_stats(f, 2, 0, &s), STRATA_EINVAL);
	strata_parquet_close(f);
	strata_test_rmtree(dir);
	strata_pq_table_free(&t);
}

static void test_zero_stats(void **state)
{
	strata_pq_table t;
	char dir[256];
	strata_pq_file *f;
	strata_pq_stats s;
	double v[2] = {0.0, 0.0};

	strata_pq_table_init(&t, 2);
	assert_ok(strata_pq_table_add(&t, "z", STRATA_PQ_DOUBLE, v, NULL, NULL));
	write_open(&t, NULL, dir, &f);
	assert_ok(strata_parquet_stats(f, 0, 0, &s));
	assert_true(s.min.d == 0.0 && signbit(s.min.d));
	assert_true(s.max.d == 0.0 && !signbit(s.max.d));
	strata_parquet_close(f);
	strata_test_rmtree(dir);
	strata_pq_table_free(&t);
}

static void test_metadata_and_selection(void **state)
{
	strata_pq_table t, back;
	char dir[256];
	strata_pq_file *f;
	strata_pq_kv kv[] = {{"pandas", "{\"index_columns\": []}"}, {"k2", ""}};
	strata_pq_write_options o = {
	    .row_group_rows = 10, .kv = kv, .nkv = 2, .codec = STRATA_PQ_ZSTD};
	size_t cols[] = {12, 2}, rgs[] = {3, 0};
	strata_pq_column *ts;

	build_table(&t, NROWS, 1);
	ts = &t.cols[8];
	ts->unit = STRATA_PQ_MICROS;
	ts->utc = 0;
	write_open(&t, &o, dir, &f);
	assert_string_equal(strata_parquet_kv_get(f, "pandas"), "{\"index_columns\": []}");
	assert_string_equal(strata_parquet_kv_get(f, "k2"), "");
	assert_null(strata_parquet_kv_get(f, "nope"));
	assert_int_equal(strata_parquet_num_kv(f), 2);
	assert_non_null(strstr(strata_parquet_created_by(f), "strata"));
	assert_int_equal(strata_parquet_column(f, 8)->type, STRATA_PQ_TIMESTAMP);
	assert_int_equal(strata_parquet_column(f, 8)->unit, STRATA_PQ_MICROS);
	assert_int_equal(strata_parquet_column(f, 8)->utc, 0);
	assert_int_equal(strata_parquet_column(f, 5)->type, STRATA_PQ_UINT32);
	assert_true(strata_parquet_column(f, 5)->optional);
	assert_null(strata_parquet_column(f, 99));
	assert_ok(strata_parquet_read(f, cols, 2, rgs, 2, &back));
	assert_int_equal(back.nrows, 20);
	assert_string_equal(back.cols[0].name, "dict_str");
	assert_string_equal(back.cols[1].name, "c_INT32");
	for (size_t i = 0; i < 10; i++) {
		assert_int_equal(
		    ((int32_t *)back.cols[1].values)[i] * strata_pq_is_valid(&back.cols[1], i),
		    ((int32_t *)t.cols[2].values)[30 + i] * strata_pq_is_valid(&t.cols[2], 30 + i));
		assert_int_equal(((int32_t *)back.cols[1].values)[10 + i],
		                 ((int32_t *)t.cols[2].values)[i]);
	}
	strata_pq_table_free(&back);
	assert_int_equal(strata_parquet_read(f, (size_t[]){99}, 1, NULL, 0, &back), STRATA_EINVAL);
	assert_int_equal(strata_parquet_read(f, NULL, 0, (size_t[]){9}, 1, &back), STRATA_EINVAL);
	strata_parquet_close(f);
	strata_test_rmtree(dir);
	strata_pq_table_free(&t);
}

/* Open and read bytes; either may fail, neither may crash. */
static int try_bytes(const uint8_t *data, size_t len)
{
	strata_pq_file *f;
	strata_pq_table t;
	int rc = strata_parquet_open_memory(data, len, "corrupt.parquet", &f);

	if (rc != 0) {
		assert_non_null(strstr(strata_error_message(), "corrupt.parquet"));
		return rc;
	}
	rc = strata_parquet_read(f, NULL, 0, NULL, 0, &t);
	if (rc == 0)
		strata_pq_table_free(&t);
	else
		assert_non_null(strstr(strata_error_message(), "corrupt.parquet"));
	strata_parquet_close(f);
	return rc;
}

static void corrupt_file(const strata_pq_write_options *o)
{
	strata_pq_table t;
	char dir[256], path[300];
	char *data;
	size_t len;

	build_table(&t, 20, 1);
	strata_test_tmpdir(dir, sizeof dir);
	snprintf(path, sizeof path, "%s/t.parquet", dir);
	assert_ok(strata_parquet_write(path, &t, o));
	assert_ok(strata_file_read_all(path, 0, &data, &len));
	assert_ok(try_bytes((uint8_t *)data, len));
	for (size_t cut = 0; cut < len; cut++) {
		/* A cut file loses its tail magic: never valid. */
		uint8_t *copy = malloc(cut + 1);
		memcpy(copy, data, cut);
		assert_int_not_equal(try_bytes(copy, cut), 0);
		free(copy);
	}
	for (size_t at = 0; at < len; at++) {
		uint8_t *copy = malloc(len);
		for (int pattern = 0; pattern < 3; pattern++) {
			static const uint8_t x[] = {0xff, 0x01, 0x80};
			memcpy(copy, data, len);
			copy[at] ^= x[pattern];
			try_bytes(copy, len);
		}
		free(copy);
	}
	free(data);
	strata_test_rmtree(dir);
	strata_pq_table_free(&t);
}

static void test_corrupt(void **state)
{
	strata_pq_write_options plain = {.row_group_rows = 8};
	strata_pq_write_options snappy = {.codec = STRATA_PQ_SNAPPY};
	strata_pq_write_options zstd = {.codec = STRATA_PQ_ZSTD, .no_dictionary = 1};

	corrupt_file(&plain);
	corrupt_file(&snappy);
	corrupt_file(&zstd);
}

static void test_open_errors(void **state)
{
	char dir[256], path[300];
	strata_pq_file *f;
	const uint8_t bad_len[] = {'P',  'A', 'R', '1', 0,   0,   0,   0,
	                           0xff, 0,   0,   0,   'P', 'A', 'R', '1'};

	assert_int_equal(strata_parquet_open_memory("PAR1", 4, "x.parquet", &f), STRATA_EPARSE);
	assert_non_null(strstr(strata_error_message(), "x.parquet: not a Parquet file"));
	assert_int_equal(strata_parquet_open_memory(bad_len, sizeof bad_len, "y.parquet", &f),
	                 STRATA_EPARSE);
	assert_non_null(strstr(strata_error_message(), "footer length 255 beyond"));
	strata_test_tmpdir(dir, sizeof dir);
	snprintf(path, sizeof path, "%s/missing.parquet", dir);
	assert_int_equal(strata_parquet_open(path, &f), STRATA_ENOTFOUND);
	strata_test_write_file(path, "PAR1 not really PAR1");
	assert_int_not_equal(strata_parquet_open(path, &f), 0);
	strata_test_rmtree(dir);
}

static void test_write_errors(void **state)
{
	strata_pq_table t;
	strata_pq_write_options o = {.codec = (strata_pq_codec)2};
	char dir[256], path[300];

	strata_test_tmpdir(dir, sizeof dir);
	snprintf(path, sizeof path, "%s/t.parquet", dir);
	build_table(&t, 4, 0);
	assert_int_equal(strata_parquet_write(path, &t, &o), STRATA_EINVAL);
	t.cols[12].offsets[2] = 1000;
	assert_int_equal(strata_parquet_write(path, &t, NULL), STRATA_EINVAL);
	assert_non_null(strstr(strata_error_message(), "dict_str"));
	snprintf(path, sizeof path, "%s/no/such/dir/t.parquet", dir);
	t.cols[12].offsets[2] = t.cols[12].offsets[1];
	t.cols[12].offsets[3] = t.cols[12].offsets[1]; /* keep it monotonic */
	t.cols[12].offsets[4] = t.cols[12].offsets[1];
	assert_int_not_equal(strata_parquet_write(path, &t, NULL), 0);
	strata_pq_table_free(&t);
	strata_test_rmtree(dir);
}

/* Patch the codec in the footer of a one-column file to GZIP. */
static void test_unsupported_codec(void **state)
{
	strata_pq_table t;
	char dir[256], path[300];
	char *data;
	size_t len;
	int32_t v[3] = {1, 2, 3};
	const uint8_t pat[] = {0x19, 0x18, 0x01, 'x', 0x15, 0x00};
	strata_pq_file *f;
	strata_pq_table back;
	int patched = 0;

	strata_pq_table_init(&t, 3);
	assert_ok(strata_pq_table_add(&t, "x", STRATA_PQ_INT32, v, NULL, NULL));
	strata_test_tmpdir(dir, sizeof dir);
	snprintf(path, sizeof path, "%s/t.parquet", dir);
	assert_ok(strata_parquet_write(path, &t, NULL));
	assert_ok(strata_file_read_all(path, 0, &data, &len));
	for (size_t i = 0; i + sizeof pat <= len; i++)
		if (memcmp(data + i, pat, sizeof pat) == 0) {
			data[i + 5] = 0x04; /* zigzag(2): GZIP */
			patched++;
		}
	assert_int_equal(patched, 1);
	assert_ok(strata_parquet_open_memory(data, len, "gz.parquet", &f));
	assert_int_equal(strata_parquet_read(f, NULL, 0, NULL, 0, &back), STRATA_EUNSUPPORTED);
	assert_string_equal(strata_error_message(),
	                    "gz.parquet: row group 0: column x: unsupported codec GZIP (2)");
	strata_parquet_close(f);
	free(data);
	strata_test_rmtree(dir);
	strata_pq_table_free(&t);
}

/* Files written by hyparquet-writer (see fixtures/README). */
static void open_fixture(const char *name, strata_pq_file **f, strata_pq_table *t)
{
	char path[512];
	const char *src = getenv("STRATA_SOURCE_DIR");

	snprintf(path, sizeof path, "%s/tests/store/fixtures/%s", src ? src : STRATA_SOURCE_DIR,
	         name);
	assert_ok(strata_parquet_open(path, f));
	assert_ok(strata_parquet_read(*f, NULL, 0, NULL, 0, t));
}

static const strata_pq_column *col_named(const strata_pq_table *t, const char *name)
{
	for (size_t i = 0; i < t->ncols; i++)
		if (strcmp(t->cols[i].name, name) == 0)
			return &t->cols[i];
	fail_msg("no column %s", name);
	return NULL;
}

static void test_fixture_snappy(void **state)
{
	strata_pq_file *f;
	strata_pq_table t;
	const char *names[] = {"alpha", "béta", "日本"};
	const strata_pq_column *c;

	open_fixture("hyparquet_snappy.parquet", &f, &t);
	assert_int_equal(t.nrows, 20);
	assert_int_equal(strata_parquet_num_row_groups(f), 3);
	assert_string_equal(strata_parquet_kv_get(f, "origin"), "hyparquet-writer");
	c = col_named(&t, "name");
	for (size_t i = 0; i < 20; i++) {
		assert_int_equal(strata_pq_is_valid(c, i), i % 5 != 3);
		if (i % 5 == 3)
			continue;
		assert_int_equal(c->offsets[i + 1] - c->offsets[i], strlen(names[i % 3]));
		assert_memory_equal(c->bytes + c->offsets[i], names[i % 3], strlen(names[i % 3]));
	}
	for (size_t i = 0; i < 20; i++) {
		int64_t i64 = (int64_t)i * 123456789012345LL - 9000000000000000000LL;
		assert_int_equal(((int32_t *)col_named(&t, "i32")->values)[i],
		                 (int)i * 1000 - 7000);
		assert_true(((int64_t *)col_named(&t, "i64")->values)[i] == i64);
		assert_int_equal(strata_pq_is_valid(col_named(&t, "dbl"), i), i % 4 != 2);
		if (i % 4 != 2)
			assert_true(((double *)col_named(&t, "dbl")->values)[i] == i / 8.0);
		assert_true(((float *)col_named(&t, "flt")->values)[i] == i * 0.5f);
		assert_int_equal(((uint8_t *)col_named(&t, "flag")->values)[i], i % 3 == 0);
		assert_true(((int64_t *)col_named(&t, "ts")->values)[i] ==
		            1700000000000LL + (int64_t)i * 1000);
	}
	assert_int_equal(col_named(&t, "ts")->type, STRATA_PQ_TIMESTAMP);
	assert_int_equal(col_named(&t, "ts")->unit, STRATA_PQ_MILLIS);
	assert_null(col_named(&t, "i32")->validity);
	strata_pq_table_free(&t);
	strata_parquet_close(f);
}

static void test_fixture_plain(void **state)
{
	strata_pq_file *f;
	strata_pq_table t;
	char want[16];

	open_fixture("hyparquet_plain.parquet", &f, &t);
	assert_int_equal(t.nrows, 20);
	for (size_t i = 0; i < 20; i++) {
		const strata_pq_column *c = col_named(&t, "txt");
		snprintf(want, sizeof want, "row %zu", i);
		assert_int_equal(((int32_t *)col_named(&t, "id")->values)[i], (int)i);
		assert_int_equal(c->offsets[i + 1] - c->offsets[i], strlen(want));
		assert_memory_equal(c->bytes + c->offsets[i], want, strlen(want));
		assert_int_equal(((uint8_t *)col_named(&t, "b")->values)[i], i % 2);
	}
	strata_pq_table_free(&t);
	strata_parquet_close(f);
}

static void test_fixture_nested(void **state)
{
	char path[512];
	const char *src = getenv("STRATA_SOURCE_DIR");
	strata_pq_file *f;

	snprintf(path, sizeof path, "%s/tests/store/fixtures/hyparquet_nested.parquet",
	         src ? src : STRATA_SOURCE_DIR);
	assert_int_equal(strata_parquet_open(path, &f), STRATA_EUNSUPPORTED);
	assert_non_null(strstr(strata_error_message(), "hyparquet_nested.parquet: schema: nested"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_round_trip_all),
	    cmocka_unit_test(test_dictionary_fallback),
	    cmocka_unit_test(test_empty_table),
	    cmocka_unit_test(test_all_null),
	    cmocka_unit_test(test_statistics),
	    cmocka_unit_test(test_zero_stats),
	    cmocka_unit_test(test_metadata_and_selection),
	    cmocka_unit_test(test_corrupt),
	    cmocka_unit_test(test_open_errors),
	    cmocka_unit_test(test_write_errors),
	    cmocka_unit_test(test_unsupported_codec),
	    cmocka_unit_test(test_fixture_snappy),
	    cmocka_unit_test(test_fixture_plain),
	    cmocka_unit_test(test_fixture_nested),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
