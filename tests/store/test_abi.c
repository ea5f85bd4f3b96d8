/* test_abi.c - the flat binding ABI (store_abi.h): column buffers in and
 * out, dictionary strings, listings, metadata, snapshots and bad input. */
#include "testutil.h"

#include "strata/error.h"
#include "strata/store.h"
#include "strata/store_abi.h"

#include <stdlib.h>
#include <string.h>

/* The group's temporary directory (testutil.h) is the store root. */
static const char *const root = strata_test_dir;

#define N 5

static const int64_t keys[N] = {50, 10, 40, 20, 30}; /* unsorted on purpose */
static const int8_t i8[N] = {-128, -1, 0, 1, 127};
static const uint8_t i8_valid[1] = {0x1d}; /* row 1 null */
static const uint16_t u16[N] = {0, 1, 2, 65534, 65535};
static const double dbl[N] = {0.5, 1.5, 2.5, 3.5, 4.5};
static const uint8_t flag[N] = {1, 0, 1, 1, 0};
static const int32_t codes[N] = {1, -1, 0, 1, 2};
static const int64_t dict_off[4] = {0, 1, 3, 3}; /* "a", "bc", "" */
static const int64_t str_off[N + 1] = {0, 2, 2, 5, 6, 6};

/* The five columns of the test item (key first). */
static void columns(strata_abi_column c[7])
{
	memset(c, 0, 7 * sizeof *c);
	c[0] = (strata_abi_column){
	    .name = "ts", .type = STRATA_ABI_TIMESTAMP, .values = keys, .flags = STRATA_ABI_UTC};
	c[1] = (strata_abi_column){
	    .name = "i8", .type = STRATA_ABI_INT8, .values = i8, .validity = i8_valid};
	c[2] = (strata_abi_column){.name = "u16", .type = STRATA_ABI_UINT16, .values = u16};
	c[3] = (strata_abi_column){.name = "d", .type = STRATA_ABI_DOUBLE, .values = dbl};
	c[4] = (strata_abi_column){.name = "b", .type = STRATA_ABI_BOOL, .values = flag};
	c[5] = (strata_abi_column){.name = "dict",
	                           .type = STRATA_ABI_STRING,
	                           .codes = codes,
	                           .dict_count = 3,
	                           .dict_offsets = dict_off,
	                           .dict_bytes = "abc"};
	c[6] = (strata_abi_column){
	    .name = "s", .type = STRATA_ABI_STRING, .offsets = str_off, .bytes = "xyzpqrw"};
}

/* The string of row i of a read STRING column, via its dictionary. */
static void check_string(const strata_abi_column *c, size_t i, const char *want)
{
	int32_t k = c->codes[i];
	if (!want) {
		assert_int_equal(k, -1);
		assert_false(c->validity[i / 8] >> (i % 8) & 1);
		return;
	}
	assert_true(k >= 0 && k < c->dict_count);
	assert_int_equal(c->dict_offsets[k + 1] - c->dict_offsets[k], strlen(want));
	assert_memory_equal(c->dict_bytes + c->dict_offsets[k], want, strlen(want));
	/* offsets + bytes agree with the dictionary */
	assert_int_equal(c->offsets[i + 1] - c->offsets[i], strlen(want));
	assert_memory_equal(c->bytes + c->offsets[i], want, strlen(want));
}

static void test_write_read(void **state)
{
	strata_abi_column c[7], r;
	strata_abi_table *t = NULL;
	/* rows sorted by key: 10 20 30 40 50 = input rows 1 3 4 2 0; the
	 * expected values below are by input row */
	static const size_t order[N] = {1, 3, 4, 2, 0};
	static const char *const dict_want[N] = {"bc", NULL, "a", "bc", ""};
	static const char *const s_want[N] = {"xy", "", "zpq", "r", ""};

	(void)state;
	columns(c);
	assert_ok(strata_abi_write(root, "s", "c", "it", c, 7, N, "ts", NULL, "{\"k\": 1}", 0, 2));
	assert_ok(strata_abi_read(root, "s", "c", "it", NULL, NULL, INT64_MIN, INT64_MAX, NULL,
	                          SIZE_MAX, SIZE_MAX, &t));
	assert_int_equal(strata_abi_table_rows(t), N);
	assert_int_equal(strata_abi_table_columns(t), 7);
	for (size_t col = 0; col < 7; col++) {
		assert_ok(strata_abi_table_column(t, col, &r));
		assert_string_equal(r.name, c[col].name);
		assert_int_equal(r.type, c[col].type);
	}
	assert_ok(strata_abi_table_column(t, 0, &r));
	assert_int_equal(r.flags, STRATA_ABI_UTC);
	for (size_t i = 0; i < N; i++) {
		size_t o = order[i];
		assert_ok(strata_abi_table_column(t, 0, &r));
		assert_int_equal(((const int64_t *)r.values)[i], keys[o]);
		assert_ok(strata_abi_table_column(t, 1, &r));
		assert_int_equal(!!(r.validity[i / 8] >> (i % 8) & 1), o != 1);
		if (o != 1)
			assert_int_equal(((const int8_t *)r.values)[i], i8[o]);
		assert_ok(strata_abi_table_column(t, 2, &r));
		assert_int_equal(((const uint16_t *)r.values)[i], u16[o]);
		assert_ok(strata_abi_table_column(t, 3, &r));
		assert_true(((const double *)r.values)[i] == dbl[o]);
		assert_ok(strata_abi_table_column(t, 4, &r));
		assert_int_equal(((const uint8_t *)r.values)[i], flag[o]);
		assert_ok(strata_abi_table_column(t, 5, &r));
		check_string(&r, i, dict_want[o]);
		assert_ok(strata_abi_table_column(t, 6, &r));
		check_string(&r, i, s_want[o]);
	}
	assert_int_equal(strata_abi_table_column(t, 7, &r), STRATA_EINVAL);
	strata_abi_table_free(t);
}

static void test_select_snapshot_metadata(void **state)
{
	const char *const cols[] = {"u16", NULL};
	strata_abi_column c[7], r;
	strata_abi_table *t = NULL;
	char **names = NULL, *meta = NULL;
	size_t n = 0;

	(void)state;
	columns(c);
	assert_ok(strata_abi_write(root, "s", "c", "sel", c, 7, N, "ts", NULL, "{\"k\": 2}", 1, 0));
	assert_ok(strata_abi_read(root, "s", "c", "sel", NULL, cols, 20, 40, NULL, SIZE_MAX,
	                          SIZE_MAX, &t));
	assert_int_equal(strata_abi_table_rows(t), 3);
	assert_int_equal(strata_abi_table_columns(t), 2);
	assert_ok(strata_abi_table_column(t, 1, &r));
	assert_int_equal(((const uint16_t *)r.values)[0], 65534);
	strata_abi_table_free(t);

	assert_ok(strata_store_snapshot_create(root, "s", "c", "snap"));
	assert_ok(
	    strata_abi_append(root, "s", "c", "sel", c, 7, N, STRATA_STORE_KEEP_ALL, NULL, 0));
	assert_ok(strata_abi_read(root, "s", "c", "sel", "snap", NULL, INT64_MIN, INT64_MAX, NULL,
	                          SIZE_MAX, SIZE_MAX, &t));
	assert_int_equal(strata_abi_table_rows(t), N);
	strata_abi_table_free(t);
	assert_ok(strata_abi_read(root, "s", "c", "sel", NULL, NULL, INT64_MIN, INT64_MAX, NULL,
	                          SIZE_MAX, SIZE_MAX, &t));
	assert_int_equal(strata_abi_table_rows(t), 2 * N);
	strata_abi_table_free(t);

	assert_ok(strata_abi_item_metadata(root, "s", "c", "sel", NULL, &meta));
	assert_non_null(strstr(meta, "\"k\":2"));
	assert_non_null(strstr(meta, "_updated"));
	strata_abi_free(meta);
	assert_ok(strata_abi_item_metadata(root, "s", "c", "sel", "snap", &meta));
	strata_abi_free(meta);
	assert_int_equal(strata_abi_item_metadata(root, "s", "c", "sel", "nosnap", &meta),
	                 STRATA_ENOTFOUND);

	assert_ok(strata_abi_list(root, "s", "c", "{\"k\": 2}", &names, &n));
	assert_int_equal(n, 1);
	assert_string_equal(names[0], "sel");
	strata_abi_names_free(names);
}

/* Filters, head and tail go to the engine; stats show the skipped part. */
static void test_filter_head_tail(void **state)
{
	strata_abi_table *t = NULL;
	strata_abi_column r;
	size_t stats[5];

	(void)state; /* item "it" of test_write_read: parts {10,20} {30,40} {50} */
	assert_ok(strata_abi_read(root, "s", "c", "it", NULL, NULL, INT64_MIN, INT64_MAX,
	                          "[[\"u16\", \">=\", 65534]]", SIZE_MAX, SIZE_MAX, &t));
	assert_int_equal(strata_abi_table_rows(t), 2);
	assert_ok(strata_abi_table_column(t, 0, &r));
	assert_int_equal(((const int64_t *)r.values)[0], 20);
	assert_int_equal(((const int64_t *)r.values)[1], 30);
	strata_abi_table_stats(t, stats);
	assert_int_equal(stats[0], 3);
	assert_int_equal(stats[1], 2); /* the part holding only u16 = 0 is skipped */
	strata_abi_table_free(t);

	assert_ok(strata_abi_read(root, "s", "c", "it", NULL, NULL, INT64_MIN, INT64_MAX, NULL, 1,
	                          SIZE_MAX, &t));
	assert_int_equal(strata_abi_table_rows(t), 1);
	assert_ok(strata_abi_table_column(t, 0, &r));
	assert_int_equal(((const int64_t *)r.values)[0], 10);
	strata_abi_table_free(t);
	assert_ok(strata_abi_read(root, "s", "c", "it", NULL, NULL, INT64_MIN, INT64_MAX, NULL,
	                          SIZE_MAX, 2, &t));
	assert_int_equal(strata_abi_table_rows(t), 2);
	assert_ok(strata_abi_table_column(t, 0, &r));
	assert_int_equal(((const int64_t *)r.values)[1], 50);
	strata_abi_table_free(t);

	assert_true(strata_abi_read(root, "s", "c", "it", NULL, NULL, INT64_MIN, INT64_MAX,
	                            "[[\"u16\", \"~\", 1]]", SIZE_MAX, SIZE_MAX, &t) < 0);
	assert_null(t);
	assert_non_null(strstr(strata_abi_last_error(), "filter"));
}

static void test_create_list_delete(void **state)
{
	char **names = NULL;
	size_t n = 0;

	(void)state;
	assert_ok(strata_abi_create(root, "made", "coll"));
	assert_ok(strata_abi_create(root, "made", "coll")); /* again: no change */
	assert_ok(strata_abi_list(root, "made", NULL, NULL, &names, &n));
	assert_int_equal(n, 1);
	assert_string_equal(names[0], "coll");
	strata_abi_names_free(names);
	assert_ok(strata_abi_delete_collection(root, "made", "coll"));
	assert_int_equal(strata_abi_delete_collection(root, "made", "coll"), STRATA_ENOTFOUND);
	assert_ok(strata_abi_delete_store(root, "made"));
	assert_ok(strata_abi_list(root, NULL, NULL, NULL, &names, &n));
	for (size_t i = 0; i < n; i++)
		assert_string_not_equal(names[i], "made");
	strata_abi_names_free(names);
	assert_int_equal(strata_abi_create(root, "..", NULL), STRATA_EINVAL);
	assert_int_equal(strata_abi_delete_store(root, "_x"), STRATA_EINVAL);
	assert_int_equal(strata_abi_list(root, "a/b", NULL, NULL, &names, &n), STRATA_EINVAL);
}

/* Bad buffers are refused with a message, never read out of bounds. */
static void test_bad_input(void **state)
{
	static const int32_t bad_codes[N] = {0, 1, 3, 0, 0};
	static const int64_t bad_off[N + 1] = {0, 2, 1, 5, 6, 6};
	strata_abi_column c[7];

	(void)state;
	columns(c);
	c[5].codes = bad_codes;
	assert_int_equal(strata_abi_write(root, "s", "c", "bad", c, 7, N, "ts", NULL, NULL, 0, 0),
	                 STRATA_EINVAL);
	assert_non_null(strstr(strata_abi_last_error(), "beyond"));
	columns(c);
	c[6].offsets = bad_off;
	assert_int_equal(strata_abi_write(root, "s", "c", "bad", c, 7, N, "ts", NULL, NULL, 0, 0),
	                 STRATA_EINVAL);
	assert_non_null(strstr(strata_abi_last_error(), "decreases"));
	columns(c);
	c[2].type = 99;
	assert_int_equal(strata_abi_write(root, "s", "c", "bad", c, 7, N, "ts", NULL, NULL, 0, 0),
	                 STRATA_EINVAL);
	columns(c);
	c[3].values = NULL;
	assert_int_equal(strata_abi_write(root, "s", "c", "bad", c, 7, N, "ts", NULL, NULL, 0, 0),
	                 STRATA_EINVAL);
	columns(c);
	assert_int_equal(strata_abi_append(root, "s", "c", "it", c, 7, N, 7, NULL, 0),
	                 STRATA_EINVAL);
	assert_non_null(strstr(strata_abi_last_error(), "duplicate handling"));
	assert_int_equal(
	    strata_abi_write(root, "s", "c", "bad", c, 7, N, "nokey", NULL, NULL, 0, 0) < 0, 1);
	assert_true(strlen(strata_abi_last_error()) > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_write_read),
	    cmocka_unit_test(test_select_snapshot_metadata),
	    cmocka_unit_test(test_filter_head_tail),
	    cmocka_unit_test(test_create_list_delete),
	    cmocka_unit_test(test_bad_input),
	};
	return cmocka_run_group_tests(tests, strata_test_dir_setup, strata_test_dir_teardown);
}
