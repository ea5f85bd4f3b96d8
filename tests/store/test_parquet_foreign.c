/* test_parquet_foreign.c - strata's Parquet reader on files written by
 * DuckDB (tests/store/fixtures/duckdb_*.parquet, made by
 * tests/store/interop/make-duckdb-fixtures.mjs): data page v1 and v2,
 * snappy and zstd, PLAIN, PLAIN_DICTIONARY, RLE_DICTIONARY,
 * DELTA_BINARY_PACKED, BYTE_STREAM_SPLIT, DELTA_LENGTH_BYTE_ARRAY, nulls in
 * every type, several row groups. Each value is a function of its row
 * number, checked here row by row. */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#include "store/parquet.h"
#include "strata/file.h"

static void open_fixture(const char *name, strata_pq_file **f, strata_pq_table *t)
{
	char path[512];
	const char *src = getenv("STRATA_SOURCE_DIR");

	snprintf(path, sizeof path, "%s/tests/store/fixtures/%s", src ? src : STRATA_SOURCE_DIR,
	         name);
	assert_ok(strata_parquet_open(path, f));
	assert_ok(strata_parquet_read(*f, NULL, 0, NULL, 0, t));
}

static const strata_pq_column *col_named(const strata_pq_table *t, const char *name,
                                         strata_pq_type type)
{
	for (size_t i = 0; i < t->ncols; i++) {
		if (strcmp(t->cols[i].name, name) == 0) {
			assert_int_equal(t->cols[i].type, type);
			return &t->cols[i];
		}
	}
	fail_msg("no column %s", name);
	return NULL;
}

static int32_t i32_at(const strata_pq_table *t, const char *name, strata_pq_type type, size_t i)
{
	return ((const int32_t *)col_named(t, name, type)->values)[i];
}

static int64_t i64_at(const strata_pq_table *t, const char *name, strata_pq_type type, size_t i)
{
	return ((const int64_t *)col_named(t, name, type)->values)[i];
}

/* Whether row i of column name is present; fails unless it equals want. */
static int present(const strata_pq_table *t, const char *name, strata_pq_type type, size_t i,
                   int want)
{
	int got = strata_pq_is_valid(col_named(t, name, type), i);
	if (got != want)
		fail_msg("column %s row %zu: valid %d, expected %d", name, i, got, want);
	return got;
}

static void check_timestamps(const strata_pq_table *t, size_t i)
{
	const strata_pq_column *ts = col_named(t, "ts", STRATA_PQ_TIMESTAMP);
	const strata_pq_column *ns = col_named(t, "ts_ns", STRATA_PQ_TIMESTAMP);
	const strata_pq_column *tz = col_named(t, "tstz", STRATA_PQ_TIMESTAMP);

	assert_int_equal(ts->unit, STRATA_PQ_MICROS);
	assert_false(ts->utc);
	assert_int_equal(ns->unit, STRATA_PQ_NANOS);
	assert_int_equal(tz->unit, STRATA_PQ_MICROS);
	assert_true(tz->utc);
	assert_true(i64_at(t, "ts", STRATA_PQ_TIMESTAMP, i) ==
	            1704067200000000LL + (int64_t)i * 1000003);
	assert_true(i64_at(t, "ts_ns", STRATA_PQ_TIMESTAMP, i) ==
	            1700000000000000000LL + (int64_t)i * 1000000007);
	if (present(t, "tstz", STRATA_PQ_TIMESTAMP, i, i % 11 != 5))
		assert_true(i64_at(t, "tstz", STRATA_PQ_TIMESTAMP, i) ==
		            1700000000000000LL + (int64_t)i * 1000);
}

static void check_integers(const strata_pq_table *t, size_t i)
{
	if (present(t, "i8", STRATA_PQ_INT8, i, i % 7 != 3))
		assert_int_equal(i32_at(t, "i8", STRATA_PQ_INT8, i), (int)(i % 200) - 100);
	assert_int_equal(i32_at(t, "i16", STRATA_PQ_INT16, i), (int)(i * 7 % 60000) - 30000);
	if (present(t, "i32", STRATA_PQ_INT32, i, i % 5 != 1))
		assert_int_equal(i32_at(t, "i32", STRATA_PQ_INT32, i), (int)i * 100003 - 150000000);
	assert_true(i64_at(t, "i64", STRATA_PQ_INT64, i) ==
	            (int64_t)i * 1000000007 - 1500000000000LL);
	assert_int_equal(i32_at(t, "u8", STRATA_PQ_UINT8, i), (int)(i % 250));
	assert_int_equal(i32_at(t, "u16", STRATA_PQ_UINT16, i), (int)(i * 13 % 65000));
	assert_true((uint32_t)i32_at(t, "u32", STRATA_PQ_UINT32, i) ==
	            (uint32_t)((uint64_t)i * 1000003 % 4000000000u));
	assert_true((uint64_t)i64_at(t, "u64", STRATA_PQ_UINT64, i) ==
	            (uint64_t)i * 4000000000000000ULL);
}

static void check_others(const strata_pq_table *t, size_t i)
{
	static const char *const words[] = {"alpha", "béta", "日本", ""};
	const strata_pq_column *s = col_named(t, "s", STRATA_PQ_STRING);
	const strata_pq_column *sp = col_named(t, "s_plain", STRATA_PQ_STRING);
	char want[32];

	assert_true(((const float *)col_named(t, "f", STRATA_PQ_FLOAT)->values)[i] ==
	            (float)i / 4.0f);
	if (present(t, "d", STRATA_PQ_DOUBLE, i, i % 9 != 4))
		assert_true(((const double *)col_named(t, "d", STRATA_PQ_DOUBLE)->values)[i] ==
		            (double)i / 8.0);
	if (present(t, "b", STRATA_PQ_BOOL, i, i % 6 != 2))
		assert_int_equal(((const uint8_t *)col_named(t, "b", STRATA_PQ_BOOL)->values)[i],
		                 i % 3 == 0);
	if (present(t, "s", STRATA_PQ_STRING, i, i % 13 != 6)) {
		assert_int_equal(s->offsets[i + 1] - s->offsets[i], strlen(words[i % 4]));
		assert_memory_equal(s->bytes + s->offsets[i], words[i % 4], strlen(words[i % 4]));
	} else {
		assert_int_equal(s->offsets[i + 1], s->offsets[i]);
	}
	snprintf(want, sizeof want, "row %zu", i);
	assert_int_equal(sp->offsets[i + 1] - sp->offsets[i], strlen(want));
	assert_memory_equal(sp->bytes + sp->offsets[i], want, strlen(want));
}

/* Read a whole fixture and check every row, then one column of the last
 * row group alone. */
static void check_fixture(const char *name, size_t rows, size_t row_groups)
{
	strata_pq_file *f;
	strata_pq_table t, one;
	size_t col = 0, last;

	open_fixture(name, &f, &t);
	assert_int_equal(t.nrows, rows);
	assert_int_equal(t.ncols, 16);
	assert_int_equal(strata_parquet_num_row_groups(f), row_groups);
	assert_non_null(strstr(strata_parquet_created_by(f), "DuckDB"));
	for (size_t i = 0; i < rows; i++) {
		check_timestamps(&t, i);
		check_integers(&t, i);
		check_others(&t, i);
	}
	while (strcmp(strata_parquet_column(f, col)->name, "d") != 0)
		col++;
	last = row_groups - 1;
	assert_ok(strata_parquet_read(f, &col, 1, &last, 1, &one));
	assert_int_equal(one.nrows, strata_parquet_row_group_rows(f, last));
	for (size_t i = 0; i < one.nrows; i++) {
		size_t r = rows - one.nrows + i;
		assert_int_equal(strata_pq_is_valid(&one.cols[0], i), r % 9 != 4);
		if (r % 9 != 4)
			assert_true(((const double *)one.cols[0].values)[i] == (double)r / 8.0);
	}
	strata_pq_table_free(&one);
	strata_pq_table_free(&t);
	strata_parquet_close(f);
}

/* DuckDB's defaults: data page v1, snappy, PLAIN and PLAIN_DICTIONARY. */
static void test_duckdb_v1_snappy(void **state)
{
	(void)state;
	check_fixture("duckdb_v1_snappy.parquet", 1500, 1);
}

/* PARQUET_VERSION V2: data page v2 and the delta / byte-stream-split
 * encodings. */
static void test_duckdb_v2_snappy(void **state)
{
	(void)state;
	check_fixture("duckdb_v2_snappy.parquet", 1500, 1);
}

static void test_duckdb_v2_zstd(void **state)
{
	(void)state;
	check_fixture("duckdb_v2_zstd.parquet", 4200, 3);
}

/* Statistics DuckDB wrote are read back with the column's type. */
static void test_duckdb_stats(void **state)
{
	strata_pq_file *f;
	strata_pq_table t;
	strata_pq_stats st;
	size_t i64 = 0;

	(void)state;
	open_fixture("duckdb_v2_zstd.parquet", &f, &t);
	while (strcmp(strata_parquet_column(f, i64)->name, "i64") != 0)
		i64++;
	assert_ok(strata_parquet_stats(f, 1, i64, &st));
	assert_true(st.has_min && st.has_max);
	assert_true(st.min.i == 2048LL * 1000000007 - 1500000000000LL);
	assert_true(st.max.i == 4095LL * 1000000007 - 1500000000000LL);
	strata_pq_table_free(&t);
	strata_parquet_close(f);
}

/* Bytes flipped through a v2 file: an error or values, never a crash. */
static void test_duckdb_flipped(void **state)
{
	char path[512];
	const char *src = getenv("STRATA_SOURCE_DIR");
	char *data;
	size_t len;

	(void)state;
	snprintf(path, sizeof path, "%s/tests/store/fixtures/duckdb_v2_snappy.parquet",
	         src ? src : STRATA_SOURCE_DIR);
	assert_ok(strata_file_read_all(path, 0, &data, &len));
	/* flip bytes through the data pages: decoding fails or yields values,
	 * never crashes */
	for (size_t at = 4; at < len - 8; at += 97) {
		strata_pq_file *f;
		strata_pq_table t;
		data[at] ^= 0x5a;
		if (strata_parquet_open_memory(data, len, "flipped", &f) == 0) {
			if (strata_parquet_read(f, NULL, 0, NULL, 0, &t) == 0)
				strata_pq_table_free(&t);
			strata_parquet_close(f);
		}
		data[at] ^= 0x5a;
	}
	free(data);
}

/* ---- DELTA_BYTE_ARRAY, built by hand (DuckDB does not write it) ------ */

static void put_uleb(strata_buf *b, uint64_t v)
{
	do {
		uint8_t byte = (uint8_t)(v & 0x7f);
		v >>= 7;
		assert_ok(strata_buf_putc(b, (char)(byte | (v ? 0x80 : 0))));
	} while (v);
}

static uint64_t zigzag(int64_t v)
{
	return ((uint64_t)v << 1) ^ (v < 0 ? UINT64_MAX : 0);
}

/* DELTA_BINARY_PACKED of n (<= 33) values: one block of 128 values in four
 * miniblocks of 32, only the first of which holds deltas. */
static void put_delta(strata_buf *b, const int64_t *v, size_t n)
{
	int64_t min = INT64_MAX;
	uint8_t packed[32 * 8] = {0};
	int bw = 0;

	assert_true(n >= 1 && n <= 33);
	put_uleb(b, 128);
	put_uleb(b, 4);
	put_uleb(b, n);
	put_uleb(b, zigzag(v[0]));
	if (n == 1)
		return;
	for (size_t i = 1; i < n; i++)
		min = v[i] - v[i - 1] < min ? v[i] - v[i - 1] : min;
	for (size_t i = 1; i < n; i++)
		while (bw < 63 && (uint64_t)(v[i] - v[i - 1] - min) >> bw)
			bw++;
	put_uleb(b, zigzag(min));
	assert_ok(strata_buf_putc(b, (char)bw));
	assert_ok(strata_buf_append(b, "\0\0\0", 3)); /* unused miniblocks */
	for (size_t i = 1; i < n; i++) {
		uint64_t d = (uint64_t)(v[i] - v[i - 1] - min);
		for (int k = 0; k < bw; k++) {
			size_t bit = (i - 1) * (size_t)bw + (size_t)k;
			packed[bit / 8] |= (uint8_t)((d >> k & 1) << (bit % 8));
		}
	}
	assert_ok(strata_buf_append(b, packed, 32 * (size_t)bw / 8));
}

/* A file of one REQUIRED string column "s" whose one data page holds the
 * strings DELTA_BYTE_ARRAY-encoded. */
static void delta_byte_array_file(strata_buf *file, const char *const *strs, size_t n)
{
	strata_buf body = STRATA_BUF_INIT, head = STRATA_BUF_INIT, foot = STRATA_BUF_INIT;
	int64_t prefix[33], suffix[33];
	st_pq_page_header h = {0};
	st_pq_schema_el schema[2];
	st_pq_chunk_meta cm = {0};
	st_pq_row_group rg = {&cm, 1, (int64_t)n, 0};
	st_pq_file_meta m = {0};

	memset(schema, 0, sizeof schema);
	for (size_t i = 0; i < n; i++) {
		size_t p = 0;
		while (i && strs[i - 1][p] && strs[i - 1][p] == strs[i][p])
			p++;
		prefix[i] = (int64_t)p;
		suffix[i] = (int64_t)(strlen(strs[i]) - p);
	}
	put_delta(&body, prefix, n);
	put_delta(&body, suffix, n);
	for (size_t i = 0; i < n; i++)
		assert_ok(strata_buf_append(&body, strs[i] + prefix[i], (size_t)suffix[i]));
	h.type = ST_PQ_DATA_PAGE;
	h.has_data = 1;
	h.num_values = (int32_t)n;
	h.encoding = ST_PQ_ENC_DELTA_BYTE_ARRAY;
	h.uncompressed_size = h.compressed_size = (int32_t)body.len;
	assert_ok(st_pq_encode_page_header(&head, &h));
	schema[0].name = (st_pq_slice){(const uint8_t *)"schema", 6};
	schema[0].num_children = 1;
	schema[1].name = (st_pq_slice){(const uint8_t *)"s", 1};
	schema[1].has_type = 1;
	schema[1].type = ST_PQ_BYTE_ARRAY;
	schema[1].logical = ST_PQ_LT_STRING;
	cm.type = ST_PQ_BYTE_ARRAY;
	cm.encodings[0] = ST_PQ_ENC_DELTA_BYTE_ARRAY;
	cm.nencodings = 1;
	cm.path = schema[1].name;
	cm.num_values = (int64_t)n;
	cm.total_uncompressed = cm.total_compressed = (int64_t)(head.len + body.len);
	cm.data_page_offset = 4;
	cm.dictionary_page_offset = -1;
	m.version = 1;
	m.schema = schema;
	m.nschema = 2;
	m.num_rows = (int64_t)n;
	m.rgs = &rg;
	m.nrgs = 1;
	assert_ok(st_pq_encode_file_meta(&foot, &m));
	assert_ok(strata_buf_append(file, "PAR1", 4));
	assert_ok(strata_buf_append(file, head.data, head.len));
	assert_ok(strata_buf_append(file, body.data, body.len));
	assert_ok(strata_buf_append(file, foot.data, foot.len));
	uint32_t flen = (uint32_t)foot.len;
	assert_ok(strata_buf_append(file, &flen, 4));
	assert_ok(strata_buf_append(file, "PAR1", 4));
	strata_buf_free(&body);
	strata_buf_free(&head);
	strata_buf_free(&foot);
}

static void test_delta_byte_array(void **state)
{
	static const char *const strs[] = {"apple",  "applesauce", "apply", "",      "banana",
	                                   "banana", "bandana",    "日本",  "日本語"};
	const size_t n = sizeof strs / sizeof strs[0];
	strata_buf file = STRATA_BUF_INIT;
	strata_pq_file *f;
	strata_pq_table t;

	(void)state;
	delta_byte_array_file(&file, strs, n);
	assert_ok(strata_parquet_open_memory(file.data, file.len, "delta.parquet", &f));
	assert_ok(strata_parquet_read(f, NULL, 0, NULL, 0, &t));
	assert_int_equal(t.nrows, n);
	for (size_t i = 0; i < n; i++) {
		const strata_pq_column *c = &t.cols[0];
		assert_int_equal(c->offsets[i + 1] - c->offsets[i], strlen(strs[i]));
		assert_memory_equal(c->bytes + c->offsets[i], strs[i], strlen(strs[i]));
	}
	strata_pq_table_free(&t);
	strata_parquet_close(f);
	strata_buf_free(&file);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_duckdb_v1_snappy), cmocka_unit_test(test_duckdb_v2_snappy),
	    cmocka_unit_test(test_duckdb_v2_zstd),   cmocka_unit_test(test_duckdb_stats),
	    cmocka_unit_test(test_duckdb_flipped),   cmocka_unit_test(test_delta_byte_array),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
