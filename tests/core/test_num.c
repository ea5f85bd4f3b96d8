/* test_num.c - JSON numbers read bit for bit as strtod reads them. */
#include "testutil.h"

#include "strata/error.h"
#include "strata/num.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The bits of a double: equal bits are the same value, signed zeros apart. */
static uint64_t bits(double v)
{
	uint64_t b;
	memcpy(&b, &v, sizeof b);
	return b;
}

/* Parse text and check the result is strtod's, bit for bit (signed zeros too). */
static void assert_as_strtod(const char *text)
{
	double got = 1234.5, want = strtod(text, NULL);

	if (strata_parse_json_double(text, strlen(text), &got) != 0)
		fail_msg("'%s': %s", text, strata_error_message());
	if (bits(got) != bits(want))
		fail_msg("'%s': got %a, strtod gives %a", text, got, want);
}

static void test_known_values(void **state)
{
	static const char *const texts[] = {
	    "0",
	    "-0",
	    "0.0",
	    "-0.0",
	    "0e5",
	    "-0E-999999999",
	    "1",
	    "-1",
	    "0.1",
	    "12.345",
	    "-4.569",
	    "5.01",
	    "1e22",
	    "1e23",
	    "9007199254740992",
	    "9007199254740993",
	    "9007199254740993.5",
	    "1.7976931348623157e308",
	    "1.8e308",
	    "-1e400",
	    "4.9e-324",
	    "2e-324",
	    "1e-400",
	    "2.2250738585072011e-308",
	    "0.000000000000000000000000001234",
	    "123456789012345678901234567890",
	    "1234567890123456789",
	    "12345678901234567890",
	    "0.30000000000000004",
	    "3.0000000000000004e-1",
	    "1e-22",
	    "1e-23",
	    "123e-20",
	    "89255.0e-22",
	    "7.038531e-26",
	    "1E+2",
	    "1e+0",
	    "1.00000000000000000000000000001",
	};

	(void)state;
	for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
		assert_as_strtod(texts[i]);
}

/* A random JSON number: sign, 1-25 digits with a point somewhere, exponent. */
static void random_number(unsigned *seed, char *out, size_t outlen)
{
	size_t o = 0, digits = 1 + (size_t)rand_r(seed) % 25;
	size_t point = (size_t)rand_r(seed) % (digits + 1);

	if (rand_r(seed) % 2)
		out[o++] = '-';
	for (size_t i = 0; i < digits; i++) {
		if (i == point && i > 0)
			out[o++] = '.';
		/* no leading zero before more integer digits */
		int lead = i == 0 && point != 1 && digits > 1;
		out[o++] = (char)('0' + (lead ? 1 + rand_r(seed) % 9 : rand_r(seed) % 10));
	}
	if (rand_r(seed) % 3 == 0)
		o += (size_t)snprintf(out + o, outlen - o, "e%d", rand_r(seed) % 80 - 40);
	out[o] = '\0';
}

static void test_random_against_strtod(void **state)
{
	unsigned seed = 20261123;
	char text[64];

	(void)state;
	for (int i = 0; i < 200000; i++) {
		random_number(&seed, text, sizeof text);
		assert_as_strtod(text);
	}
}

/* Every double printed with %.9g and %.17g (the forms traces use) reads back. */
static void test_printed_doubles(void **state)
{
	uint64_t bits = 0x9E3779B97F4A7C15u;
	char text[40];

	(void)state;
	for (int i = 0; i < 100000; i++) {
		double v;
		bits ^= bits << 13;
		bits ^= bits >> 7;
		bits ^= bits << 17;
		memcpy(&v, &bits, sizeof v);
		if (v != v || v - v != 0) /* NaN, inf: not JSON */
			continue;
		snprintf(text, sizeof text, i % 2 ? "%.9g" : "%.17g", v);
		assert_as_strtod(text);
		snprintf(text, sizeof text, "%.6f", (double)(bits % 2000000) / 1000.0 - 1000.0);
		assert_as_strtod(text);
	}
}

/* Not the JSON grammar: refused, whatever strtod would make of it. */
static void test_not_json(void **state)
{
	static const char *const texts[] = {
	    "",    "-",  "+1", "01",   "-01", "1.",  ".5",  "1e",    "1e+",   "1.e5",
	    "--1", "1 ", " 1", "0x10", "inf", "nan", "1,5", "1e5.5", "1.2.3", "e5",
	};
	double v;

	(void)state;
	for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
		assert_int_equal(strata_parse_json_double(texts[i], strlen(texts[i]), &v),
		                 STRATA_EPARSE);
	/* the length bounds the text: a digit after it is not read */
	assert_ok(strata_parse_json_double("125", 2, &v));
	assert_true(v == 12.0);
	assert_int_equal(strata_parse_json_double(NULL, 0, &v), STRATA_EPARSE);
}

/* The longest JSON number at the start of a text, and nothing when none. */
static void test_scan_prefix(void **state)
{
	static const struct {
		const char *text;
		size_t used;
		double value;
	} cases[] = {
	    {"1.5,2", 3, 1.5}, {"01", 1, 0},       {"1.", 1, 1},       {"1e", 1, 1},
	    {"1e+", 1, 1},     {"1E-2]", 4, 0.01}, {"-0.5 ", 4, -0.5}, {"2.5e3x", 5, 2500},
	    {"7", 1, 7},       {"1.e5", 1, 1},     {"0.0.1", 3, 0},
	};
	static const char *const none[] = {"", "-", "-x", "+1", ".5", "x1", "null"};
	size_t used;
	double v;

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		used = 99;
		assert_ok(strata_scan_json_double(cases[i].text, strlen(cases[i].text), &used, &v));
		assert_int_equal(used, cases[i].used);
		assert_true(v == cases[i].value);
	}
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		assert_int_equal(strata_json_number_length(cases[i].text, strlen(cases[i].text)),
		                 cases[i].used);
	for (size_t i = 0; i < sizeof none / sizeof none[0]; i++) {
		assert_int_equal(strata_scan_json_double(none[i], strlen(none[i]), &used, &v),
		                 STRATA_EPARSE);
		assert_int_equal(strata_json_number_length(none[i], strlen(none[i])), 0);
	}
}

/* A long number (beyond the stack copy) goes through strtod intact. */
static void test_long_text(void **state)
{
	char text[400];
	double v;

	(void)state;
	memset(text, '7', sizeof text - 1);
	text[0] = '0';
	text[1] = '.';
	text[sizeof text - 1] = '\0';
	assert_as_strtod(text);
	assert_ok(strata_parse_json_double(text, strlen(text), &v));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_known_values),    cmocka_unit_test(test_random_against_strtod),
	    cmocka_unit_test(test_printed_doubles), cmocka_unit_test(test_not_json),
	    cmocka_unit_test(test_scan_prefix),     cmocka_unit_test(test_long_text),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
