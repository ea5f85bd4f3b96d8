/* test_html.c - escaping exactly once and value formatting. */
#include "testutil.h"

#include "relays/html.h"

#include <string.h>

static void expect_escaped(const char *in, const char *want)
{
	strata_buf b = STRATA_BUF_INIT;
	assert_ok(html_escape(&b, in));
	assert_string_equal(strata_buf_cstr(&b), want);
	strata_buf_free(&b);
}

static void test_escape(void **state)
{
	expect_escaped("<script>alert('x')</script>",
	               "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;");
	expect_escaped("a & b \"q\"", "a &amp; b &quot;q&quot;");
	expect_escaped("&amp;", "&amp;amp;"); /* input is text, escaped once */
	expect_escaped("J\xc3\xb6rg \xc3\xa9", "J\xc3\xb6rg \xc3\xa9");
	expect_escaped("a\x01"
	               "b\x7f"
	               "c\td",
	               "a\xEF\xBF\xBD"
	               "b\xEF\xBF\xBD"
	               "c d");
	expect_escaped("bad \xff utf8 \xc3", "bad \xEF\xBF\xBD utf8 \xEF\xBF\xBD");
	expect_escaped("../../etc/passwd", "../../etc/passwd");
	expect_escaped("", "");
}

static void test_escape_cut(void **state)
{
	strata_buf b = STRATA_BUF_INIT;
	assert_ok(html_escape_cut(&b, "\xc3\xa4\xc3\xb6\xc3\xbc<x", 3));
	assert_string_equal(strata_buf_cstr(&b), "\xc3\xa4\xc3\xb6\xc3\xbc\xE2\x80\xA6");
	strata_buf_reset(&b);
	assert_ok(html_escape_cut(&b, "<ab", 3));
	assert_string_equal(strata_buf_cstr(&b), "&lt;ab");
	strata_buf_free(&b);
}

static void test_units(void **state)
{
	char out[48];
	html_bandwidth(out, sizeof(out), 1250000.0, 1);
	assert_string_equal(out, "10.00 Mbit/s");
	html_bandwidth(out, sizeof(out), 1250000.0, 0);
	assert_string_equal(out, "1.25 MB/s");
	html_bandwidth(out, sizeof(out), 100.0, 0);
	assert_string_equal(out, "100 B/s");
	html_bytes(out, sizeof(out), 3.5e12);
	assert_string_equal(out, "3.50 TB");
	html_percent(out, sizeof(out), 0.12345);
	assert_string_equal(out, "12.35%");
	html_percent_value(out, sizeof(out), -1.0);
	assert_string_equal(out, "-");
}

static void test_ago(void **state)
{
	char out[48];
	strata_time now = 1000 * 86400 * STRATA_NS_PER_SEC;
	html_ago(out, sizeof(out), now - 3 * 86400 * STRATA_NS_PER_SEC, now);
	assert_string_equal(out, "3 days ago");
	html_ago(out, sizeof(out), now - 3600 * STRATA_NS_PER_SEC, now);
	assert_string_equal(out, "1 hour ago");
	html_ago(out, sizeof(out), now - 400 * 86400 * STRATA_NS_PER_SEC, now);
	assert_string_equal(out, "1 year ago");
	html_ago(out, sizeof(out), now - 10 * STRATA_NS_PER_SEC, now);
	assert_string_equal(out, "just now");
	html_ago(out, sizeof(out), now + 10, now);
	assert_string_equal(out, "in the future");
}

static void test_page_chrome_escapes_title(void **state)
{
	strata_buf b = STRATA_BUF_INIT;
	assert_ok(html_page_start(&b, "../../", "<i>x</i>"));
	assert_ok(html_page_end(&b, "../../", "2026-11-23 12:00 UTC"));
	const char *s = strata_buf_cstr(&b);
	assert_null(strstr(s, "<i>"));
	assert_non_null(strstr(s, "&lt;i&gt;x&lt;/i&gt;"));
	assert_non_null(strstr(s, "href=\"../../style.css\""));
	assert_null(strstr(s, "style=")); /* no inline CSS */
	assert_null(strstr(s, "<script"));
	strata_buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_escape),
	    cmocka_unit_test(test_escape_cut),
	    cmocka_unit_test(test_units),
	    cmocka_unit_test(test_ago),
	    cmocka_unit_test(test_page_chrome_escapes_title),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
