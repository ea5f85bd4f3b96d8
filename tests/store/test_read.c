/* test_read.c - store reads: filters, pushdown (parts and row groups
 * opened), head, tail, key range, compaction, verification, lock timeouts. */
#include "testutil.h"

#include "store/parquet.h"
#include "strata/error.h"
#include "strata/file.h"
#include "strata/store.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *const root = strata_test_dir;

#define ST  "st"
#define COL "rd"
#define SEC 1000000000LL

/* 8 rows: index (s), px (double, row 3 NaN, row 5 null), n (int64 = row),
 * sym (string, row 6 null), flag (bool). */
static void mk_small(strata_pq_table *t)
{
	static const int64_t k[] = {0, SEC, 2 * SEC, 3 * SEC, 4 * SEC, 5 * SEC, 6 * SEC, 7 * SEC};
	static const int64_t n[] = {0, 1, 2, 3, 4, 5, 6, 7};
	static const uint8_t flag[] = {1, 0, 1, 0, 1, 0, 1, 0};
	static const char *const sym[] = {"A", "B", "C", "A", "B", "C", NULL, "A,B"};
	double px[] = {1.5, 2.5, 3.5, NAN, 5.5, 0, 7.5, 8.5};
	uint8_t pxvalid = 0xff & ~(1u << 5);

	strata_pq_table_init(t, 8);
	assert_ok(strata_pq_table_add(t, "index", STRATA_PQ_TIMESTAMP, k, NULL, NULL));
	assert_ok(strata_pq_table_add(t, "px", STRATA_PQ_DOUBLE, px, &pxvalid, NULL));
	assert_ok(strata_pq_table_add(t, "n", STRATA_PQ_INT64, n, NULL, NULL));
	assert_ok(strata_pq_table_add_strings(t, "sym", sym, 1));
	assert_ok(strata_pq_table_add(t, "flag", STRATA_PQ_BOOL, flag, NULL, NULL));
}

/* The "n" values (row numbers) of a read with filter f as a string "0,2,". */
static void rows_of(strata_store_filter *f, char *out, size_t outlen)
{
	strata_store_read_options o;
	strata_pq_table t;
	size_t len = 0;

	strata_store_read_options_init(&o);
	o.filter = f;
	assert_ok(strata_store_read_ex(root, ST, COL, "small", &o, &t));
	out[0] = '\0';
	for (size_t i = 0; i < t.nrows; i++)
		len += (size_t)snprintf(out + len, outlen - len, "%lld,",
		                        (long long)((int64_t *)t.cols[2].values)[i]);
	strata_pq_table_free(&t);
	strata_store_filter_free(f);
}

static void expect_json(const char *json, const char *rows)
{
	strata_store_filter *f = NULL;
	char got[256];

	if (strata_store_filter_parse_json(json, &f) != 0)
		fail_msg("%s: %s", json, strata_error_message());
	rows_of(f, got, sizeof got);
	if (strcmp(got, rows) != 0)
		fail_msg("%s: rows %s, expected %s", json, got, rows);
}

static void expect_expr(const char *e1, const char *e2, const char *rows)
{
	strata_store_filter *f = NULL;
	char got[256];

	if (strata_store_filter_add_expr(&f, e1) != 0 ||
	    (e2 && strata_store_filter_add_expr(&f, e2) != 0))
		fail_msg("%s: %s", e1, strata_error_message());
	rows_of(f, got, sizeof got);
	if (strcmp(got, rows) != 0)
		fail_msg("%s / %s: rows %s, expected %s", e1, e2 ? e2 : "", got, rows);
}

/* Every op, AND, OR, nulls and NaN, row by row. */
static void test_filter_semantics(void **state)
{
	strata_pq_table t;
	(void)state;
	mk_small(&t);
	assert_ok(strata_store_write(root, ST, COL, "small", &t, "index", NULL, 1, NULL));
	strata_pq_table_free(&t);

	expect_json("[]", "0,1,2,3,4,5,6,7,");
	expect_json("[[\"n\", \">=\", 3]]", "3,4,5,6,7,");
	expect_json("[[\"n\", \">\", 2.5], [\"n\", \"<\", 5]]", "3,4,");
	expect_json("[[\"n\", \"=\", 4]]", "4,");
	expect_json("[[\"n\", \"==\", \"4\"]]", "4,");
	expect_json("[[\"n\", \"!=\", 4]]", "0,1,2,3,5,6,7,");
	expect_json("[[\"n\", \"<=\", 1]]", "0,1,");
	/* nulls never match; NaN matches != and not in only */
	expect_json("[[\"px\", \"!=\", 2.5]]", "0,2,3,4,6,7,");
	expect_json("[[\"px\", \">\", 0]]", "0,1,2,4,6,7,");
	expect_json("[[\"px\", \"not in\", [1.5, 7.5]]]", "1,2,3,4,7,");
	expect_json("[[\"sym\", \"in\", [\"A\", \"C\"]]]", "0,2,3,5,");
	expect_json("[[\"sym\", \"not in\", [\"A\"]]]", "1,2,4,5,7,");
	expect_json("[[\"sym\", \">=\", \"B\"]]", "1,2,4,5,");
	expect_json("[[\"flag\", \"=\", true]]", "0,2,4,6,");
	/* the key, as ISO 8601 or ns */
	expect_json("[[\"index\", \">=\", \"1970-01-01T00:00:06Z\"]]", "6,7,");
	expect_json("[[\"index\", \"<\", 2000000000]]", "0,1,");
	/* OR of ANDs */
	expect_json("[[[\"n\", \"<\", 1]], [[\"n\", \">\", 5], [\"flag\", \"=\", false]]]", "0,7,");
	/* text expressions */
	expect_expr("n>=6", NULL, "6,7,");
	expect_expr("sym in (A, 'A,B')", NULL, "0,3,7,");
	expect_expr("sym not in (A,B)", "n < 7", "2,5,");
	expect_expr("flag = true", "px <= 3.5", "0,2,");
	expect_expr("sym == 'A,B'", NULL, "7,");
}

static void test_filter_errors(void **state)
{
	static const char *const bad_json[] = {"{}",
	                                       "[[\"n\"]]",
	                                       "[[\"n\", \"~\", 1]]",
	                                       "[[\"n\", \"in\", 3]]",
	                                       "[[\"n\", \"=\", null]]",
	                                       "[[\"n\", \"=\", [1]]]",
	                                       "[[1, \"=\", 1]]",
	                                       "not json"};
	static const char *const bad_expr[] = {"n", "= 3", "n in 3", "n in (1", "n ! 3"};
	strata_store_read_options o;
	strata_store_filter *f = NULL;
	strata_pq_table t;
	(void)state;

	for (size_t i = 0; i < sizeof bad_json / sizeof *bad_json; i++) {
		assert_int_equal(strata_store_filter_parse_json(bad_json[i], &f), STRATA_EINVAL);
		assert_null(f);
	}
	for (size_t i = 0; i < sizeof bad_expr / sizeof *bad_expr; i++) {
		assert_int_equal(strata_store_filter_add_expr(&f, bad_expr[i]), STRATA_EINVAL);
		assert_null(f);
	}
	/* unknown column, value of the wrong type: schema errors naming them */
	strata_store_read_options_init(&o);
	assert_ok(strata_store_filter_add_expr(&f, "nope > 1"));
	o.filter = f;
	assert_int_equal(strata_store_read_ex(root, ST, COL, "small", &o, &t), STRATA_ENOTFOUND);
	if (!strstr(strata_error_message(), "nope"))
		fail_msg("message: %s", strata_error_message());
	strata_store_filter_free(f);
	f = NULL;
	assert_ok(strata_store_filter_add_expr(&f, "n > abc"));
	o.filter = f;
	assert_int_equal(strata_store_read_ex(root, ST, COL, "small", &o, &t), STRATA_ESCHEMA);
	assert_non_null(strstr(strata_error_message(), "abc"));
	strata_store_filter_free(f);
}

#define BIG_PARTS 100
#define BIG_ROWS  100

/* An item "big" of 100 parts of 100 rows (2 row groups of 50 each): key s,
 * n = row number, sym "P<part>". */
static void write_big(void)
{
	size_t n = BIG_PARTS * BIG_ROWS;
	int64_t *k = malloc(n * sizeof *k), *v = malloc(n * sizeof *v);
	const char **sym = malloc(n * sizeof *sym);
	char(*names)[8] = malloc(BIG_PARTS * sizeof *names);
	strata_store_options opts = {.part_rows = BIG_ROWS, .row_group_rows = BIG_ROWS / 2};
	strata_pq_table t;

	assert_non_null(k);
	assert_non_null(v);
	assert_non_null(sym);
	assert_non_null(names);
	for (size_t p = 0; p < BIG_PARTS; p++)
		snprintf(names[p], 8, "P%02zu", p);
	for (size_t i = 0; i < n; i++) {
		k[i] = (int64_t)i * SEC;
		v[i] = (int64_t)i;
		sym[i] = names[i / BIG_ROWS];
	}
	strata_pq_table_init(&t, n);
	assert_ok(strata_pq_table_add(&t, "index", STRATA_PQ_TIMESTAMP, k, NULL, NULL));
	assert_ok(strata_pq_table_add(&t, "n", STRATA_PQ_INT64, v, NULL, NULL));
	assert_ok(strata_pq_table_add_strings(&t, "sym", sym, 0));
	assert_ok(strata_store_write(root, ST, COL, "big", &t, "index", NULL, 1, &opts));
	strata_pq_table_free(&t);
	free(k);
	free(v);
	free(sym);
	free(names);
}

/* Read "big" with o, check rows and first n; return the stats. */
static strata_store_read_stats read_big(strata_store_read_options *o, size_t rows, int64_t first)
{
	strata_store_read_stats st;
	strata_pq_table t;

	o->stats = &st;
	assert_ok(strata_store_read_ex(root, ST, COL, "big", o, &t));
	o->stats = NULL; /* st is local */
	assert_int_equal(t.nrows, rows);
	if (rows)
		assert_int_equal(((int64_t *)t.cols[1].values)[0], first);
	strata_pq_table_free(&t);
	assert_int_equal(st.parts_total, BIG_PARTS);
	return st;
}

/* A 1 % key range or a selective filter opens one part and decodes one
 * row group; head and tail open one part each. */
static void test_pushdown(void **state)
{
	strata_store_read_options o;
	strata_store_read_stats st;
	strata_store_filter *f = NULL;
	(void)state;
	write_big();

	strata_store_read_options_init(&o);
	st = read_big(&o, BIG_PARTS * BIG_ROWS, 0);
	assert_int_equal(st.parts_read, BIG_PARTS);
	assert_int_equal(st.row_groups_read, 2 * BIG_PARTS);

	/* 1 % key range: rows 4200..4299 are part 42 */
	o.start = 4200 * SEC;
	o.end = 4299 * SEC;
	st = read_big(&o, 100, 4200);
	assert_int_equal(st.parts_read, 1);
	assert_int_equal(st.row_groups_read, 2);

	/* half a part: one row group */
	o.start = 4210 * SEC;
	o.end = 4220 * SEC;
	st = read_big(&o, 11, 4210);
	assert_int_equal(st.parts_read, 1);
	assert_int_equal(st.row_groups_read, 1);

	/* a selective filter on a non-key column: manifest and footer stats */
	strata_store_read_options_init(&o);
	assert_ok(strata_store_filter_add_expr(&f, "n >= 9975"));
	o.filter = f;
	st = read_big(&o, 25, 9975);
	assert_int_equal(st.parts_read, 1);
	assert_int_equal(st.row_groups_read, 1);
	strata_store_filter_free(f);
	f = NULL;

	/* strings and in */
	assert_ok(strata_store_filter_add_expr(&f, "sym in (P07, P93)"));
	o.filter = f;
	st = read_big(&o, 200, 700);
	assert_int_equal(st.parts_read, 2);
	strata_store_filter_free(f);
	f = NULL;

	/* a filter that no part can satisfy opens nothing */
	assert_ok(strata_store_filter_add_expr(&f, "n < 0"));
	o.filter = f;
	st = read_big(&o, 0, 0);
	assert_int_equal(st.parts_read, 0);
	strata_store_filter_free(f);

	/* head and tail */
	strata_store_read_options_init(&o);
	o.head = 5;
	st = read_big(&o, 5, 0);
	assert_int_equal(st.parts_read, 1);
	assert_int_equal(st.row_groups_read, 1);
	strata_store_read_options_init(&o);
	o.tail = 130;
	st = read_big(&o, 130, 9870);
	assert_int_equal(st.parts_read, 2);
	/* head then tail: the last 2 of the first 5 */
	o.head = 5;
	o.tail = 2;
	st = read_big(&o, 2, 3);
	assert_int_equal(st.parts_read, 1);
}

static void test_key_range(void **state)
{
	int64_t first, last;
	size_t rows;
	(void)state;
	assert_ok(strata_store_key_range(root, ST, COL, "big", &first, &last, &rows));
	assert_int_equal(first, 0);
	assert_int_equal(last, 9999 * SEC);
	assert_int_equal(rows, 10000);
	assert_int_equal(strata_store_key_range(root, ST, COL, "nothing", &first, &last, &rows),
	                 STRATA_ENOTFOUND);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_filter_semantics),
	    cmocka_unit_test(test_filter_errors),
	    cmocka_unit_test(test_pushdown),
	    cmocka_unit_test(test_key_range),
	};
	return cmocka_run_group_tests(tests, strata_test_dir_setup, strata_test_dir_teardown);
}
