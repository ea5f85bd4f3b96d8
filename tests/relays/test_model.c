/* test_model.c - the per-relay rules: keep, sort, platform, AROI, contact key. */
#include "testutil.h"

#include "relays/model.h"

#include <stdlib.h>
#include <string.h>

static strata_time at(const char *iso)
{
	strata_time t;
	assert_ok(strata_time_parse_iso8601(iso, &t));
	return t;
}

static void test_keep_rule(void **state)
{
	strata_time now = at("2026-11-23 12:00:00");
	assert_true(relay_keep(1, at("2020-01-01 00:00:00"), now, 7));
	assert_true(relay_keep(0, at("2026-11-16 12:00:00"), now, 7));
	assert_false(relay_keep(0, at("2026-11-16 11:59:59"), now, 7));
	assert_true(relay_keep(0, at("2000-01-01 00:00:00"), now, 0));
	assert_false(relay_keep(0, at("2026-11-21 12:00:00"), now, 1));
}

static void test_platform(void **state)
{
	static const char *const cases[][2] = {
	    {"Tor 0.4.8.21 on Linux", "Linux"},
	    {"Tor 0.4.8.21 on Windows 10", "Windows"},
	    {"Tor 0.4.8 on GNU/Linux", "Linux"},
	    {"weird", "weird"},
	    {"Tor on ", ""},
	    {"Tor 0.4 on FreeBSD on Mars", "FreeBSD"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *out;
		assert_ok(relay_trim_platform(cases[i][0], &out));
		assert_string_equal(out, cases[i][1]);
		free(out);
	}
}

static void expect_domain(const char *contact, const char *want)
{
	char *d;
	assert_ok(relay_aroi_domain(contact, &d));
	if (!want) {
		assert_null(d);
		return;
	}
	assert_non_null(d);
	assert_string_equal(d, want);
	free(d);
}

static void test_aroi_domain(void **state)
{
	expect_domain("email:x url:https://www.Example.org/path proof:uri-rsa ciissversion:2",
	              "Example.org");
	expect_domain("URL:example.net CIISSVERSION:2 Proof:DNS-RSA", "example.net");
	expect_domain("url:http://a.example,b proof:dns-rsa ciissversion:2", "a.example");
	expect_domain("url:example.net ciissversion:2", NULL);                /* no proof */
	expect_domain("url:example.net proof:uri-rsa ciissversion:20", NULL); /* not version 2 */
	expect_domain("xurl:example.net proof:uri-rsa ciissversion:2", NULL); /* no boundary */
	expect_domain("proof:uri-rsa ciissversion:2", NULL);
	expect_domain("", NULL);
	expect_domain("url:ftp://x.example/y proof:uri-rsa ciissversion:2", "x.example");
}

static void test_contact_key(void **state)
{
	char key[33];
	assert_ok(relay_contact_key("", NULL, key));
	assert_string_equal(key, "d41d8cd98f00b204e9800998ecf8427e");
	assert_ok(relay_contact_key("abc", NULL, key));
	assert_string_equal(key, "900150983cd24fb0d6963f7d28e17f72");
	/* md5("aroi_domain:example.org"), the contact itself ignored */
	assert_ok(relay_contact_key("anything", "example.org", key));
	assert_string_equal(key, "416729bf9a1a21b15522b114f26bd500");
	char other[33];
	assert_ok(relay_contact_key("other contact", "example.org", other));
	assert_string_equal(key, other);
}

static void test_stable_sort(void **state)
{
	relay r[5];
	memset(r, 0, sizeof(r));
	int64_t bw[5] = {10, 30, 10, 30, 20};
	for (size_t i = 0; i < 5; i++) {
		r[i].observed_bandwidth = bw[i];
		r[i].input_index = i;
	}
	relay_sort_by_bandwidth(r, 5);
	size_t want[5] = {1, 3, 4, 0, 2};
	for (size_t i = 0; i < 5; i++)
		assert_int_equal(r[i].input_index, want[i]);
}

static void test_fingerprint(void **state)
{
	assert_true(relay_is_fingerprint("58BDF028668379BB85ED060DD59D2E0751D2C905"));
	assert_true(relay_is_fingerprint("58bdf028668379bb85ed060dd59d2e0751d2c905"));
	assert_false(relay_is_fingerprint("58BDF028668379BB85ED060DD59D2E0751D2C90"));
	assert_false(relay_is_fingerprint("58BDF028668379BB85ED060DD59D2E0751D2C9055"));
	assert_false(relay_is_fingerprint("../BDF028668379BB85ED060DD59D2E0751D2C905"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_keep_rule),   cmocka_unit_test(test_platform),
	    cmocka_unit_test(test_aroi_domain), cmocka_unit_test(test_contact_key),
	    cmocka_unit_test(test_stable_sort), cmocka_unit_test(test_fingerprint),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
