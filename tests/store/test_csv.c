/* test_csv.c - the RFC 4180 CSV reader of `strata store write/append`. */
#include "testutil.h"

#include "store/csv.h"
#include "strata/error.h"

#include <stdlib.h>
#include <string.h>

/* Parse text, expecting success. */
static void parse_ok(const char *text, store_csv *c)
{
	assert_ok(store_csv_parse("t.csv", text, strlen(text), 0, c));
}

/* Parse text, expecting code and a message holding why. */
static void parse_bad(const char *text, size_t field_max, int code, const char *why)
{
	store_csv c;
	assert_int_equal(store_csv_parse("t.csv", text, strlen(text), field_max, &c), code);
	if (!strstr(strata_error_message(), why))
		fail_msg("message '%s' lacks '%s'", strata_error_message(), why);
	assert_null(c.cells);
}

static void test_plain_and_crlf(void **state)
{
	store_csv c;
	(void)state;
	parse_ok("a,b\r\n1,2\r\n3,4", &c);
	assert_int_equal(c.ncols, 2);
	assert_int_equal(c.nrows, 2);
	assert_string_equal(c.cells[0], "a");
	assert_string_equal(c.cells[1], "b");
	assert_string_equal(store_csv_cell(&c, 0, 1), "2");
	assert_string_equal(store_csv_cell(&c, 1, 0), "3");
	assert_int_equal(c.line[4], 3);
	assert_int_equal(c.col[5], 3);
	store_csv_free(&c);
}

static void test_quotes(void **state)
{
	store_csv c;
	(void)state;
	parse_ok("x,y\n\"a,b\",\"say \"\"hi\"\"\"\n\"two\nlines\",\"\"\n", &c);
	assert_int_equal(c.nrows, 2);
	assert_string_equal(store_csv_cell(&c, 0, 0), "a,b");
	assert_string_equal(store_csv_cell(&c, 0, 1), "say \"hi\"");
	assert_string_equal(store_csv_cell(&c, 1, 0), "two\nlines");
	assert_string_equal(store_csv_cell(&c, 1, 1), "");
	store_csv_free(&c);
}

static void test_empty_fields(void **state)
{
	store_csv c;
	(void)state;
	parse_ok("a,b,c\n,,\n1,,\n,,3", &c);
	assert_int_equal(c.nrows, 3);
	assert_string_equal(store_csv_cell(&c, 0, 0), "");
	assert_string_equal(store_csv_cell(&c, 1, 0), "1");
	assert_string_equal(store_csv_cell(&c, 1, 2), "");
	assert_string_equal(store_csv_cell(&c, 2, 2), "3");
	store_csv_free(&c);
	parse_ok("a\n", &c);
	assert_int_equal(c.nrows, 0);
	assert_int_equal(c.ncols, 1);
	store_csv_free(&c);
}

static void test_errors(void **state)
{
	(void)state;
	parse_bad("", 0, STRATA_EPARSE, "empty file");
	parse_bad("a,b\n1,2\n3\n", 0, STRATA_EPARSE,
	          "t.csv:3:1: record has 1 fields, the header has 2");
	parse_bad("a,b\n1,2,3\n", 0, STRATA_EPARSE, "t.csv:2:1: record has 3 fields");
	parse_bad("a\n\"open\n", 0, STRATA_EPARSE, "t.csv:2:1: unterminated quoted field");
	parse_bad("a\n\"x\"y\n", 0, STRATA_EPARSE, "t.csv:2:4: unexpected character");
	parse_bad("a\nx\"y\n", 0, STRATA_EPARSE, "t.csv:2:2: quote inside an unquoted field");
	parse_bad("a\nx\ry\n", 0, STRATA_EPARSE, "carriage return");
}

static void test_field_limit(void **state)
{
	size_t n = 100000;
	char *big = malloc(n + 16);
	store_csv c;
	(void)state;
	assert_non_null(big);
	memcpy(big, "h\n\"", 3);
	memset(big + 3, 'z', n);
	strcpy(big + 3 + n, "\"\n");
	parse_bad(big, 1000, STRATA_ELIMIT, "t.csv:2:1: field longer than the limit");
	assert_ok(store_csv_parse("t.csv", big, strlen(big), 0, &c));
	assert_int_equal(strlen(store_csv_cell(&c, 0, 0)), n);
	store_csv_free(&c);
	free(big);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_plain_and_crlf), cmocka_unit_test(test_quotes),
	    cmocka_unit_test(test_empty_fields),   cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_field_limit),
	};
	return cmocka_run_group_tests_name("store/csv", tests, NULL, NULL);
}
