/* test_toml.c - the TOML 1.0 reader: every value kind, table rules, errors. */
#include "conf_testutil.h"

#include "strata/conf.h"
#include "strata/error.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define NS INT64_C(1000000000)

CONF_TEST_PARSERS(strata_conf_parse_toml, "t.toml")

static void test_empty_and_comments(void **state)
{
	strata_conf *c;
	(void)state;
	c = parse_ok("");
	assert_int_equal(strata_conf_type_of(c), STRATA_CONF_TABLE);
	assert_int_equal(strata_conf_count(c), 0);
	strata_conf_free(c);
	c = parse_ok("# only a comment\n\n   \t\n# another é ✓\r\n");
	assert_int_equal(strata_conf_count(c), 0);
	strata_conf_free(c);
	c = parse_ok("\xEF\xBB\xBF"
	             "a = 1 # trailing comment");
	assert_int_equal(int_at(c, "a"), 1);
	strata_conf_free(c);
}

static void test_keys(void **state)
{
	strata_conf *c;
	(void)state;
	c = parse_ok("bare_key-1 = 1\n"
	             "\"quoted key\" = 2\n"
	             "'literal \\key' = 3\n"
	             "a . b.\"c.d\" = 4\n"
	             "\"\" = 5\n"
	             "1234 = 6\n"
	             "site.\"google.com\" = true\n");
	assert_int_equal(int_at(c, "bare_key-1"), 1);
	assert_int_equal(int_at(c, "quoted key"), 2);
	assert_non_null(strata_conf_get(c, "literal \\key"));
	assert_int_equal(type_at(c, "a.b"), STRATA_CONF_TABLE);
	assert_non_null(strata_conf_get(strata_conf_path(c, "a.b"), "c.d"));
	assert_non_null(strata_conf_get(c, ""));
	assert_int_equal(int_at(c, "1234"), 6);
	assert_string_equal(strata_conf_key(strata_conf_at(c, 1)), "quoted key");
	strata_conf_free(c);
	parse_fails("= 1\n", STRATA_EPARSE, "t.toml:1:1: expected a key");
	parse_fails("a b = 1\n", STRATA_EPARSE, "expected '=' after a key");
	parse_fails("a. = 1\n", STRATA_EPARSE, "expected a key");
	parse_fails("\"\"\"a\"\"\" = 1\n", STRATA_EPARSE, "expected '='");
}

static void test_basic_strings(void **state)
{
	strata_conf *c;
	(void)state;
	c = parse_ok("s = \"tab\\there \\\"q\\\" \\\\ \\b\\f\\r\\n\"\n"
	             "u = \"\\u00e9\\U0001F600\"\n"
	             "raw = \"caf\xC3\xA9 \t ok\"\n"
	             "empty = \"\"\n");
	assert_string_equal(str_at(c, "s"), "tab\there \"q\" \\ \b\f\r\n");
	assert_string_equal(str_at(c, "u"), "\xC3\xA9\xF0\x9F\x98\x80");
	assert_string_equal(str_at(c, "raw"), "caf\xC3\xA9 \t ok");
	assert_string_equal(str_at(c, "empty"), "");
	strata_conf_free(c);
	parse_fails("s = \"bad \\q\"\n", STRATA_EPARSE, "t.toml:1:11: invalid escape sequence");
	parse_fails("s = \"\\uD800\"\n", STRATA_EPARSE, "not a Unicode scalar value");
	parse_fails("s = \"\\U00110000\"\n", STRATA_EPARSE, "not a Unicode scalar value");
	parse_fails("s = \"\\u12\"\n", STRATA_EPARSE, "needs 4 hex digits");
	parse_fails("s = \"\\u0000\"\n", STRATA_EPARSE, "NUL characters");
	parse_fails("s = \"open\n\"\n", STRATA_EPARSE, "unterminated string");
	parse_fails("s = \"open", STRATA_EPARSE, "unterminated string");
	parse_fails("s = \"a\x01"
	            "b\"\n",
	            STRATA_EPARSE, "control character U+0001 in string");
}

static void test_multiline_strings(void **state)
{
	strata_conf *c;
	(void)state;
	c = parse_ok("a = \"\"\"\nRoses\r\nViolets\"\"\"\n"
	             "b = \"\"\"The quick \\\n\n   brown \\   \n  fox.\"\"\"\n"
	             "c = \"\"\"\"\"This,\" she said, \"is \"\"quoted\"\".\"\"\"\"\"\n"
	             "d = '''\nraw \\n 'text'\n'''\n"
	             "e = ''''one quote''''\n"
	             "f = 'C:\\Users\\x'\n"
	             "g = 2\n");
	assert_string_equal(str_at(c, "a"), "Roses\nViolets");
	assert_string_equal(str_at(c, "b"), "The quick brown fox.");
	assert_string_equal(str_at(c, "c"), "\"\"This,\" she said, \"is \"\"quoted\"\".\"\"");
	assert_string_equal(str_at(c, "d"), "raw \\n 'text'\n");
	assert_string_equal(str_at(c, "e"), "'one quote'");
	assert_string_equal(str_at(c, "f"), "C:\\Users\\x");
	/* Lines keep counting through multi-line strings. */
	assert_int_equal(strata_conf_line(strata_conf_get(c, "g")), 14);
	strata_conf_free(c);
	parse_fails("a = \"\"\"x\"\"\"\"\"\"\n", STRATA_EPARSE, "too many quotes");
	parse_fails("a = '''never closed\n", STRATA_EPARSE, "unterminated string");
	parse_fails("a = 'no\nnewline'\n", STRATA_EPARSE, "unterminated string");
	parse_fails("a = \"\"\"bare\rcr\"\"\"\n", STRATA_EPARSE, "control character U+000D");
}

static void test_integers(void **state)
{
	strata_conf *c;
	(void)state;
	c = parse_ok("a = 42\nb = +17\nc = -0\nd = 1_000_000\ne = 0xDEAD_beef\nf = 0o755\n"
	             "g = 0b1101\nmax = 9223372036854775807\nmin = -9223372036854775808\n"
	             "hmax = 0x7FFFFFFFFFFFFFFF\n");
	assert_int_equal(int_at(c, "a"), 42);
	assert_int_equal(int_at(c, "b"), 17);
	assert_int_equal(int_at(c, "c"), 0);
	assert_int_equal(int_at(c, "d"), 1000000);
	assert_int_equal(int_at(c, "e"), 0xDEADBEEF);
	assert_int_equal(int_at(c, "f"), 0755);
	assert_int_equal(int_at(c, "g"), 13);
	assert_true(int_at(c, "max") == INT64_MAX);
	assert_true(int_at(c, "min") == INT64_MIN);
	assert_true(int_at(c, "hmax") == INT64_MAX);
	strata_conf_free(c);
	parse_fails("a = 9223372036854775808\n", STRATA_EPARSE, "t.toml:1:5: integer out of range");
	parse_fails("a = -9223372036854775809\n", STRATA_EPARSE, "integer out of range");
	parse_fails("a = 0x8000000000000000\n", STRATA_EPARSE, "integer out of range");
	parse_fails("a = 012\n", STRATA_EPARSE, "leading zeros");
	parse_fails("a = 1__2\n", STRATA_EPARSE, "'_' must be between digits");
	parse_fails("a = 12_\n", STRATA_EPARSE, "'_' must be between digits");
	parse_fails("a = 0x\n", STRATA_EPARSE, "expected a digit");
	parse_fails("a = 0xG1\n", STRATA_EPARSE, "expected a digit");
	parse_fails("a = +0x10\n", STRATA_EPARSE, "expected end of line");
	parse_fails("a = 0b102\n", STRATA_EPARSE, "expected end of line");
}

static void test_floats(void **state)
{
	strata_conf *c;
	(void)state;
	c = parse_ok("a = 3.1415\nb = -0.01\nc = 5e+22\nd = 1e06\ne = -2E-2\nf = 6.626e-34\n"
	             "g = 224_617.445_991_228\nh = inf\ni = +inf\nj = -inf\nk = nan\nl = -nan\n"
	             "m = 0e0\nn = 1e-400\n");
	assert_int_equal(type_at(c, "a"), STRATA_CONF_FLOAT);
	assert_true(dbl_at(c, "a") == 3.1415);
	assert_true(dbl_at(c, "b") == -0.01);
	assert_true(dbl_at(c, "c") == 5e22);
	assert_true(dbl_at(c, "d") == 1e6);
	assert_true(dbl_at(c, "e") == -0.02);
	assert_true(dbl_at(c, "f") == 6.626e-34);
	assert_true(dbl_at(c, "g") == 224617.445991228);
	assert_true(isinf(dbl_at(c, "h")) && dbl_at(c, "h") > 0);
	assert_true(isinf(dbl_at(c, "i")) && dbl_at(c, "i") > 0);
	assert_true(isinf(dbl_at(c, "j")) && dbl_at(c, "j") < 0);
	assert_true(isnan(dbl_at(c, "k")));
	assert_true(isnan(dbl_at(c, "l")));
	assert_true(dbl_at(c, "m") == 0.0);
	assert_true(dbl_at(c, "n") == 0.0); /* underflow rounds to zero */
	strata_conf_free(c);
	parse_fails("a = 1.\n", STRATA_EPARSE, "expected a digit");
	parse_fails("a = .5\n", STRATA_EPARSE, "expected a value");
	parse_fails("a = 1e\n", STRATA_EPARSE, "expected a digit");
	parse_fails("a = 1.e5\n", STRATA_EPARSE, "expected a digit");
	parse_fails("a = 1.5_\n", STRATA_EPARSE, "'_' must be between digits");
	parse_fails("a = 03.14\n", STRATA_EPARSE, "leading zeros");
	parse_fails("a = 1e400\n", STRATA_EPARSE, "float out of range");
	parse_fails("a = infinity\n", STRATA_EPARSE, "expected end of line");
	parse_fails("a = NaN\n", STRATA_EPARSE, "expected a value");
}

static void test_booleans(void **state)
{
	strata_conf *c;
	int b = -1;
	(void)state;
	c = parse_ok("t = true\nf = false\ns = \"True\"\n");
	assert_ok(strata_conf_as_bool(strata_conf_get(c, "t"), &b));
	assert_int_equal(b, 1);
	assert_ok(strata_conf_as_bool(strata_conf_get(c, "f"), &b));
	assert_int_equal(b, 0);
	assert_int_equal(type_at(c, "s"), STRATA_CONF_STRING);
	strata_conf_free(c);
	parse_fails("a = True\n", STRATA_EPARSE, "t.toml:1:5: expected a value, found 'T'");
	parse_fails("a = truex\n", STRATA_EPARSE, "expected end of line, found 'x'");
	parse_fails("a = tru\n", STRATA_EPARSE, "expected a value");
}

static void test_datetimes(void **state)
{
	strata_conf *c;
	int64_t tod = 0;
	(void)state;
	c = parse_ok("odt1 = 1979-05-27T07:32:00Z\n"
	             "odt2 = 1979-05-27T00:32:00-07:00\n"
	             "odt3 = 1979-05-27T00:32:00.999999-07:00\n"
	             "odt4 = 1979-05-27 07:32:00z\n"
	             "odt5 = 1979-05-27t12:02:00+04:30\n"
	             "ldt1 = 1979-05-27T07:32:00\n"
	             "ldt2 = 1979-05-27T00:32:00.5\n"
	             "ld = 1979-05-27\n"
	             "leap = 2020-02-29\n"
	             "lt1 = 07:32:00\n"
	             "lt2 = 00:32:00.123456789123\n"
	             "late = 2262-04-11T23:47:16Z\n");
	assert_int_equal(type_at(c, "odt1"), STRATA_CONF_DATETIME);
	assert_int_equal(time_at(c, "odt1"), INT64_C(296638320) * NS);
	assert_int_equal(time_at(c, "odt2"), INT64_C(296638320) * NS);
	assert_int_equal(time_at(c, "odt3"), INT64_C(296638320) * NS + 999999000);
	assert_int_equal(time_at(c, "odt4"), INT64_C(296638320) * NS);
	assert_int_equal(time_at(c, "odt5"), INT64_C(296638320) * NS);
	assert_int_equal(type_at(c, "ldt1"), STRATA_CONF_LOCAL_DATETIME);
	assert_int_equal(time_at(c, "ldt1"), INT64_C(296638320) * NS);
	assert_int_equal(time_at(c, "ldt2"), (INT64_C(296611200) + 1920) * NS + 500000000);
	assert_int_equal(type_at(c, "ld"), STRATA_CONF_DATE);
	assert_int_equal(time_at(c, "ld"), INT64_C(296611200) * NS);
	assert_int_equal(time_at(c, "leap"), INT64_C(1582934400) * NS);
	assert_int_equal(type_at(c, "lt1"), STRATA_CONF_TIME);
	assert_ok(strata_conf_as_time_of_day_ns(strata_conf_get(c, "lt1"), &tod));
	assert_int_equal(tod, INT64_C(27120) * NS);
	assert_ok(strata_conf_as_time_of_day_ns(strata_conf_get(c, "lt2"), &tod));
	assert_int_equal(tod, INT64_C(1920) * NS + 123456789);
	assert_int_equal(time_at(c, "late"), INT64_C(9223372036) * NS);
	/* A time of day is not an instant. */
	assert_int_equal(strata_conf_as_time_ns(strata_conf_get(c, "lt1"), &tod), STRATA_ESCHEMA);
	strata_conf_free(c);
	parse_fails("d = 2019-13-01\n", STRATA_EPARSE, "invalid date 2019-13-01");
	parse_fails("d = 2019-02-29\n", STRATA_EPARSE, "invalid date 2019-02-29");
	parse_fails("d = 2019-04-31\n", STRATA_EPARSE, "invalid date");
	parse_fails("d = 2019-4-01\n", STRATA_EPARSE, "malformed date");
	parse_fails("t = 24:00:00\n", STRATA_EPARSE, "invalid time 24:00:00");
	parse_fails("t = 07:32\n", STRATA_EPARSE, "malformed time");
	parse_fails("t = 07:32:00.\n", STRATA_EPARSE, "expected a digit of fractional seconds");
	parse_fails("d = 1979-05-27T07:32:00+7:00\n", STRATA_EPARSE, "malformed UTC offset");
	parse_fails("d = 1979-05-27T07:32:00+24:00\n", STRATA_EPARSE, "invalid UTC offset");
	parse_fails("d = 1000-01-01\n", STRATA_EPARSE, "out of range for nanosecond timestamps");
	parse_fails("d = 1979-05-27T\n", STRATA_EPARSE, "malformed time");
	parse_fails("t = 07:32:00Z\n", STRATA_EPARSE, "expected end of line");
}

static void test_arrays(void **state)
{
	strata_conf *c;
	const strata_conf *a;
	(void)state;
	c = parse_ok("empty = []\n"
	             "ints = [ 1, 2, 3 ]\n"
	             "nested = [ [1, 2], [\"a\", 'b'], [] ]\n"
	             "multi = [ # comment\n"
	             "  1,\n"
	             "  \"two\", # another\n"
	             "\n"
	             "  3.0,\n"
	             "]\n"
	             "mixed = [ 1, 1979-05-27, { x = 1 }, true ]\n"
	             "codes = [ \"Z\"]\n");
	assert_int_equal(strata_conf_count(strata_conf_get(c, "empty")), 0);
	assert_int_equal(type_at(c, "empty"), STRATA_CONF_ARRAY);
	assert_int_equal(int_at(c, "ints[2]"), 3);
	assert_int_equal(int_at(c, "nested.0.1"), 2);
	assert_string_equal(str_at(c, "nested[1][1]"), "b");
	assert_int_equal(strata_conf_count(strata_conf_path(c, "nested[2]")), 0);
	a = strata_conf_get(c, "multi");
	assert_int_equal(strata_conf_count(a), 3);
	assert_int_equal(strata_conf_line(a), 4);
	assert_int_equal(strata_conf_line(strata_conf_at(a, 1)), 6);
	assert_true(dbl_at(c, "multi[2]") == 3.0);
	assert_int_equal(type_at(c, "mixed[1]"), STRATA_CONF_DATE);
	assert_int_equal(int_at(c, "mixed[2].x"), 1);
	assert_string_equal(str_at(c, "codes[0]"), "Z");
	assert_null(strata_conf_path(c, "ints[3]"));
	strata_conf_free(c);
	parse_fails("a = [1 2]\n", STRATA_EPARSE, "t.toml:1:8: expected ',' or ']' in array");
	parse_fails("a = [1,,2]\n", STRATA_EPARSE, "expected a value");
	parse_fails("a = [,]\n", STRATA_EPARSE, "expected a value");
	parse_fails("a = [1, 2\n", STRATA_EPARSE,
	            "expected ',' or ']' in array, found end of input");
}

static void test_inline_tables(void **state)
{
	strata_conf *c;
	(void)state;
	c = parse_ok("name = { first = \"Tom\", last = \"Preston-Werner\" }\n"
	             "point = {x=1,y=2}\n"
	             "empty = {}\n"
	             "dotted = { type.name = \"pug\", type.size = 3 }\n"
	             "deep = { a = { b = { c = [1, { d = 2 }] } } }\n");
	assert_string_equal(str_at(c, "name.last"), "Preston-Werner");
	assert_int_equal(int_at(c, "point.y"), 2);
	assert_int_equal(strata_conf_count(strata_conf_get(c, "empty")), 0);
	assert_string_equal(str_at(c, "dotted.type.name"), "pug");
	assert_int_equal(int_at(c, "dotted.type.size"), 3);
	assert_int_equal(int_at(c, "deep.a.b.c[1].d"), 2);
	strata_conf_free(c);
	parse_fails("a = {x = 1,}\n", STRATA_EPARSE, "expected a key, found '}'");
	parse_fails("a = {x = 1\n}\n", STRATA_EPARSE, "expected ',' or '}' in inline table");
	parse_fails("a = {x = 1, x = 2}\n", STRATA_EPARSE, "duplicate key 'a.x'");
	parse_fails("a = {b = {}, b.c = 1}\n", STRATA_EPARSE, "table 'a.b' is already defined");
	parse_fails("a = {x = 1}\na.y = 2\n", STRATA_EPARSE,
	            "t.toml:2:1: table 'a' is already defined");
	parse_fails("a = {x = 1}\n[a]\n", STRATA_EPARSE, "table 'a' is already defined");
	parse_fails("a = {x = 1}\n[a.b]\n", STRATA_EPARSE, "table 'a' is already defined");
}

static void test_tables(void **state)
{
	strata_conf *c;
	(void)state;
	c = parse_ok("top = 1\n"
	             "[a.b.c]\n"
	             "x = 1\n"
	             "[ a . \"q.k\" ]\n"
	             "y = 2\n"
	             "[a]\n"
	             "z = 3\n"
	             "d.e = 4\n"
	             "[a.d.f]\n"
	             "w = 5\n"
	             "[ 'lit' ]  # comment\n");
	assert_int_equal(int_at(c, "top"), 1);
	assert_int_equal(int_at(c, "a.b.c.x"), 1);
	assert_int_equal(int_at(strata_conf_get(c, "a"), "z"), 3);
	assert_int_equal(int_at(strata_conf_get(strata_conf_get(c, "a"), "q.k"), "y"), 2);
	assert_int_equal(int_at(c, "a.d.e"), 4);
	assert_int_equal(int_at(c, "a.d.f.w"), 5);
	assert_non_null(strata_conf_get(c, "lit"));
	/* An implicit table takes the line of its own header once defined. */
	assert_int_equal(strata_conf_line(strata_conf_get(c, "a")), 6);
	assert_int_equal(strata_conf_line(strata_conf_path(c, "a.b")), 2);
	assert_int_equal(strata_conf_line(strata_conf_path(c, "a.b.c")), 2);
	/* Tables keep file order. */
	assert_string_equal(strata_conf_key(strata_conf_at(c, 0)), "top");
	assert_string_equal(strata_conf_key(strata_conf_at(c, 1)), "a");
	strata_conf_free(c);
	parse_fails("[a]\n[a]\n", STRATA_EPARSE, "t.toml:2:1: table 'a' is already defined");
	parse_fails("[a.b]\n[a.b]\n", STRATA_EPARSE, "table 'a.b' is already defined");
	parse_fails("[]\n", STRATA_EPARSE, "expected a key");
	parse_fails("[a\n", STRATA_EPARSE, "expected ']' after a table name");
	parse_fails("[[a]\n", STRATA_EPARSE, "expected ']]'");
	parse_fails("[a]]\n", STRATA_EPARSE, "expected end of line");
	parse_fails("[a] b = 1\n", STRATA_EPARSE, "expected end of line");
}

static void test_arrays_of_tables(void **state)
{
	strata_conf *c;
	const strata_conf *fruits;
	(void)state;
	c = parse_ok("[[fruits]]\n"
	             "name = \"apple\"\n"
	             "[fruits.physical]\n"
	             "color = \"red\"\n"
	             "[[fruits.varieties]]\n"
	             "name = \"red delicious\"\n"
	             "[[fruits.varieties]]\n"
	             "name = \"granny smith\"\n"
	             "\n"
	             "[[fruits]]\n"
	             "name = \"banana\"\n"
	             "[[fruits.varieties]]\n"
	             "name = \"plantain\"\n"
	             "[[empty]]\n"
	             "[[empty]]\n");
	fruits = strata_conf_get(c, "fruits");
	assert_int_equal(strata_conf_type_of(fruits), STRATA_CONF_ARRAY);
	assert_int_equal(strata_conf_count(fruits), 2);
	assert_int_equal(strata_conf_line(strata_conf_at(fruits, 0)), 1);
	assert_int_equal(strata_conf_line(strata_conf_at(fruits, 1)), 10);
	assert_string_equal(str_at(c, "fruits[0].physical.color"), "red");
	assert_string_equal(str_at(c, "fruits[0].varieties[1].name"), "granny smith");
	assert_string_equal(str_at(c, "fruits.1.varieties.0.name"), "plantain");
	assert_null(strata_conf_path(c, "fruits[1].physical"));
	assert_int_equal(strata_conf_count(strata_conf_get(c, "empty")), 2);
	strata_conf_free(c);
	parse_fails("a = []\n[[a]]\n", STRATA_EPARSE,
	            "'a' is a static array and cannot be extended");
	parse_fails("[a]\n[[a]]\n", STRATA_EPARSE, "table 'a' is already defined");
	parse_fails("[[a]]\n[a]\n", STRATA_EPARSE, "'a' is an array of tables, not a table");
	parse_fails("[[a]]\nb.c = 1\n[a.b]\n", STRATA_EPARSE, "table 'a[0].b' is already defined");
	parse_fails("a = [{}]\n[a.b]\n", STRATA_EPARSE, "static array");
	parse_fails("[[a]]\n[[a.b]]\n[a.b]\n", STRATA_EPARSE,
	            "t.toml:3:1: 'a[0].b' is an array of tables, not a table");
}

static void test_dotted_keys_and_redefinition(void **state)
{
	strata_conf *c;
	(void)state;
	c = parse_ok("fruit.apple.color = \"red\"\n"
	             "fruit.apple.taste.sweet = true\n"
	             "[fruit.apple.texture]\n"
	             "smooth = true\n");
	assert_int_equal(type_at(c, "fruit.apple.taste.sweet"), STRATA_CONF_BOOL);
	assert_int_equal(type_at(c, "fruit.apple.texture.smooth"), STRATA_CONF_BOOL);
	strata_conf_free(c);
	parse_fails("a = 1\na = 2\n", STRATA_EPARSE, "t.toml:2:1: duplicate key 'a'");
	parse_fails("[t]\nx = 1\n  x = \"\"\"\nlong\"\"\"\n", STRATA_EPARSE,
	            "t.toml:3:3: duplicate key 't.x'");
	parse_fails("a.b = 1\na.b.c = 2\n", STRATA_EPARSE,
	            "key 'a.b' is already defined as integer");
	parse_fails("a.b = 1\n[a]\n", STRATA_EPARSE, "table 'a' is already defined");
	parse_fails("[fruit]\napple.color = 1\n[fruit.apple]\n", STRATA_EPARSE,
	            "table 'fruit.apple' is already defined");
	parse_fails("[a.b.c]\nz = 9\n[a]\nb.c.t = 1\n", STRATA_EPARSE,
	            "table 'a.b.c' is already defined");
	parse_fails("a = 1\n[a.b]\n", STRATA_EPARSE, "key 'a' is already defined as integer");
	parse_fails("[[a]]\n[b]\na.x = 1\n[a]\n", STRATA_EPARSE, "'a' is an array of tables");
}

static void test_invalid_bytes(void **state)
{
	static const char nul[] = "a = 1\nb = \"x\0y\"\n";
	strata_conf *c = NULL;
	(void)state;
	parse_fails("a = 1\nb = \"caf\xC3\"\n", STRATA_EPARSE, "t.toml:2:9: invalid UTF-8");
	parse_fails("a = \"\xC0\xAF\"\n", STRATA_EPARSE, "invalid UTF-8");         /* overlong */
	parse_fails("a = \"\xED\xA0\x80\"\n", STRATA_EPARSE, "invalid UTF-8");     /* surrogate */
	parse_fails("a = \"\xF4\x90\x80\x80\"\n", STRATA_EPARSE, "invalid UTF-8"); /* > 10FFFF */
	parse_fails("# bell \x07\n", STRATA_EPARSE, "control character U+0007 in comment");
	parse_fails("# del \x7f\n", STRATA_EPARSE, "control character U+007F in comment");
	parse_fails("a = 1\rb = 2\n", STRATA_EPARSE,
	            "t.toml:1:6: expected end of line, found U+000D");
	parse_fails("a = 1\n\x1b = 2\n", STRATA_EPARSE, "t.toml:2:1: expected a key, found U+001B");
	assert_int_equal(strata_conf_parse_toml(nul, sizeof nul - 1, "t.toml", &c), STRATA_EPARSE);
	assert_non_null(strstr(strata_error_message(), "t.toml:2:7: control character U+0000"));
	assert_null(c);
}

static void test_trailing_garbage(void **state)
{
	(void)state;
	parse_fails("a = 1 2\n", STRATA_EPARSE, "t.toml:1:7: expected end of line, found '2'");
	parse_fails("a = \"x\" \"y\"\n", STRATA_EPARSE, "expected end of line");
	parse_fails("a = [1] ]\n", STRATA_EPARSE, "expected end of line");
	parse_fails("a =\n", STRATA_EPARSE, "t.toml:1:4: expected a value, found end of line");
	parse_fails("a = ", STRATA_EPARSE, "expected a value, found end of input");
	parse_fails("a = # nothing\n", STRATA_EPARSE, "expected a value");
	parse_fails("a = 1 b = 2\n", STRATA_EPARSE, "expected end of line");
	parse_fails("key\n", STRATA_EPARSE, "expected '=' after a key, found end of line");
}

static void test_error_message_format(void **state)
{
	strata_conf *c = NULL;
	(void)state;
	static const char doc[] = "[s]\nok = 1\n  bad = 0x\n";
	static const char doc2[] = "\"\xC3\xA9\xC3\xA9\" = ?";
	assert_int_equal(strata_conf_parse_toml(doc, strlen(doc), "params.toml", &c),
	                 STRATA_EPARSE);
	assert_string_equal(strata_error_message(),
	                    "params.toml:3:11: expected a digit, found end of line");
	/* Columns count characters, not bytes. */
	assert_int_equal(strata_conf_parse_toml(doc2, strlen(doc2), NULL, &c), STRATA_EPARSE);
	assert_string_equal(strata_error_message(), "<input>:1:8: expected a value, found '?'");
	assert_null(c);
}

/* Build "key = " followed by n opening brackets (and as many closing). */
static char *nested_arrays(int n)
{
	char *s = malloc((size_t)n * 2 + 8);
	int i;

	assert_non_null(s);
	strcpy(s, "k = ");
	for (i = 0; i < n; i++)
		s[4 + i] = '[';
	for (i = 0; i < n; i++)
		s[4 + n + i] = ']';
	s[4 + 2 * n] = '\0';
	return s;
}

static void test_depth_limit(void **state)
{
	strata_conf *c = NULL;
	char *s, key[700];
	int i;
	(void)state;
	s = nested_arrays(128); /* root 0, k 1, innermost array 128 */
	strata_conf_free(parse_ok(s));
	free(s);
	s = nested_arrays(129);
	parse_fails(s, STRATA_ELIMIT, "nesting deeper than 128 levels");
	free(s);
	s = nested_arrays(100000);
	assert_int_equal(parse(s, &c), STRATA_ELIMIT);
	free(s);
	s = malloc(300000);
	assert_non_null(s);
	strcpy(s, "k = ");
	for (i = 0; i < 50000; i++)
		memcpy(s + 4 + i * 5, "{a = ", 5);
	s[4 + 50000 * 5] = '\0';
	assert_int_equal(parse(s, &c), STRATA_ELIMIT);
	free(s);
	key[0] = '[';
	for (i = 0; i < 200; i++)
		memcpy(key + 1 + i * 2, "a.", 2);
	strcpy(key + 400, " = 1");
	parse_fails(key + 1, STRATA_ELIMIT, "key has more than 128 parts");
	strcpy(key + 400, "]");
	parse_fails(key, STRATA_ELIMIT, "key has more than 128 parts");
}

static void test_not_nul_terminated(void **state)
{
	static const char text[] = "a = 12345";
	strata_conf *c = NULL;
	int64_t v = 0;
	(void)state;
	/* Only the first 6 bytes ("a = 12") belong to the document. */
	assert_ok(strata_conf_parse_toml(text, 6, "t.toml", &c));
	assert_ok(strata_conf_as_int64(strata_conf_get(c, "a"), &v));
	assert_int_equal(v, 12);
	strata_conf_free(c);
	assert_ok(strata_conf_parse_toml(NULL, 0, "t.toml", &c));
	assert_int_equal(strata_conf_count(c), 0);
	strata_conf_free(c);
	assert_int_equal(strata_conf_parse_toml(NULL, 3, "t.toml", &c), STRATA_EINVAL);
}

/* Every prefix of a document that uses every feature either parses or
 * fails cleanly (exact-length buffers let ASan catch any overread). */
static void test_every_prefix(void **state)
{
	static const char doc[] =
	    "# c\n[a.b]\nx = \"s\\u00e9\\n\" # c\ny = '''\nm'''\nz = \"\"\"\\\n  q\"\"\"\n"
	    "i = [0x1F, 0o7, 0b1, -1_000, +3.5e-2, inf, nan]\n"
	    "d = {t = 1979-05-27T07:32:00.123-07:00, l = 1979-05-27 07:32:00, "
	    "ld = 1979-05-27, lt = 07:32:00.5}\n[[c]]\nk.\"q\".'l' = true\n[[c]]\n";
	size_t n;
	(void)state;
	for (n = 0; n <= sizeof doc - 1; n++) {
		char *copy = malloc(n ? n : 1);
		strata_conf *c = NULL;
		int rc;
		assert_non_null(copy);
		memcpy(copy, doc, n);
		rc = strata_conf_parse_toml(copy, n, "p.toml", &c);
		assert_true(rc == 0 || rc == STRATA_EPARSE);
		assert_true((rc == 0) == (c != NULL));
		strata_conf_free(c);
		free(copy);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_empty_and_comments),
	    cmocka_unit_test(test_keys),
	    cmocka_unit_test(test_basic_strings),
	    cmocka_unit_test(test_multiline_strings),
	    cmocka_unit_test(test_integers),
	    cmocka_unit_test(test_floats),
	    cmocka_unit_test(test_booleans),
	    cmocka_unit_test(test_datetimes),
	    cmocka_unit_test(test_arrays),
	    cmocka_unit_test(test_inline_tables),
	    cmocka_unit_test(test_tables),
	    cmocka_unit_test(test_arrays_of_tables),
	    cmocka_unit_test(test_dotted_keys_and_redefinition),
	    cmocka_unit_test(test_invalid_bytes),
	    cmocka_unit_test(test_trailing_garbage),
	    cmocka_unit_test(test_error_message_format),
	    cmocka_unit_test(test_depth_limit),
	    cmocka_unit_test(test_not_nul_terminated),
	    cmocka_unit_test(test_every_prefix),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
