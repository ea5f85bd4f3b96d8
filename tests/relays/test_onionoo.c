/* test_onionoo.c - streaming readers: validation, skips, uptime, bandwidth, AROI. */
#include "testutil.h"

#include "relays/onionoo.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FP_A "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
#define FP_B "BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB"
#define FP_C "CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC"

#define RELAY(fp, extra)                                                                           \
	"{\"nickname\":\"n\",\"fingerprint\":\"" fp "\",\"first_seen\":\"2020-01-01 00:00:00\","   \
	"\"last_seen\":\"2026-11-23 12:00:00\",\"running\":true" extra "}"

static strata_time now_t(void)
{
	strata_time t;
	assert_ok(strata_time_parse_iso8601("2026-11-23 12:00:00", &t));
	return t;
}

static void load(relay_set *set, const char *json)
{
	relay_set_init(set, now_t(), 7);
	assert_ok(onionoo_details_buffer(set, "details.json", json, strlen(json)));
}

static void test_valid_relays(void **state)
{
	relay_set set;
	load(&set,
	     "{\"relays_published\":\"2026-11-23 12:00:00\",\"relays\":[" RELAY(
	         FP_A,
	         ",\"observed_bandwidth\":5,\"flags\":[\"Exit\",\"Guard\",\"Odd\"],"
	         "\"country\":\"de\",\"as\":\"AS64512\",\"platform\":\"Tor 0.4.8 on "
	         "Linux\",\"or_addresses\":[\"1.2.3.4:9001\",\"[::1]:9001\"],"
	         "\"effective_family\":[\"$" FP_B "\",\"" FP_A "\"],"
	         "\"exit_policy_summary\":{\"accept\":[\"80\"]}") "," RELAY(FP_B,
	                                                                    ",\"observed_"
	                                                                    "bandwidth\":9") "]}");
	assert_int_equal(set.n, 2);
	assert_int_equal(set.n_skipped, 0);
	assert_string_equal(set.published, "2026-11-23 12:00:00");
	relay *a = &set.relays[0];
	assert_string_equal(a->fingerprint, FP_A);
	assert_string_equal(a->country, "DE");
	assert_int_equal(a->asn, 64512);
	assert_true(a->flags & (1u << FLAG_EXIT));
	assert_true(a->flags & (1u << FLAG_GUARD));
	assert_true(a->has_ipv4 && a->has_ipv6);
	assert_int_equal(a->n_family, 2);
	assert_string_equal(a->family[0], FP_A);
	assert_string_equal(a->family[1], FP_B);
	assert_string_equal(a->contact, "");
	assert_ok(relay_set_finish(&set));
	assert_string_equal(set.relays[0].fingerprint, FP_B); /* sorted by bandwidth */
	assert_string_equal(set.relays[1].platform, "Linux");
	assert_int_equal(set.relays[1].role, ROLE_EXIT);
	assert_int_equal(relay_set_find(&set, "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"), 0);
	relay_set_free(&set);
}

static void test_bad_relays_skipped(void **state)
{
	relay_set set;
	load(
	    &set,
	    "{\"relays\":["
	    "{\"nickname\":\"x\",\"fingerprint\":\"../etc/passwd\"}," RELAY(
	        FP_A,
	        ",\"consensus_"
	        "weight\":null") "," RELAY(FP_B,
	                                   ",\"consensus_weight\":-3") ","
	                                                               "{\"fingerprint\":\"" FP_C
	                                                               "\",\"nickname\":\"c\","
	                                                               "\"running\":true},"
	                                                               "42," RELAY(
	                                                                   FP_C,
	                                                                   ",\"countr"
	                                                                   "y\":\"../"
	                                                                   "x\"") "," RELAY(FP_C,
	                                                                                    ",\"fla"
	                                                                                    "gs\":["
	                                                                                    "1]") "," RELAY(FP_C,
	                                                                                                    ",\"contact\":\"<"
	                                                                                                    "script>alert(1)</"
	                                                                                                    "script>\"") "," RELAY(FP_C,
	                                                                                                                           "") "]}");
	assert_int_equal(set.n, 1);
	assert_int_equal(set.n_input, 9);
	assert_int_equal(set.n_skipped, 8);
	assert_string_equal(set.skipped[0].reason, "fingerprint: expected 40 hexadecimal digits");
	assert_string_equal(set.skipped[0].id, "../etc/passwd");
	assert_string_equal(set.skipped[1].reason,
	                    "consensus_weight: expected a non-negative integer, got null");
	assert_string_equal(set.skipped[2].reason,
	                    "consensus_weight: expected a non-negative integer, got a number");
	assert_string_equal(set.skipped[3].reason, "first_seen: missing");
	assert_string_equal(set.skipped[4].reason, "relay: not an object");
	assert_string_equal(set.skipped[5].reason, "country: expected a two-letter code");
	assert_string_equal(set.skipped[6].reason, "flags[]: expected a string, got a number");
	assert_string_equal(set.skipped[7].reason, "fingerprint: duplicate of an earlier relay");
	assert_string_equal(set.relays[0].contact, "<script>alert(1)</script>");
	relay_set_free(&set);
}

static void test_wrong_shapes(void **state)
{
	relay_set set;
	load(&set,
	     "{\"relays\":[" RELAY(FP_A, ",\"flags\":\"Exit\"") "," RELAY(
	         FP_B, ",\"consensus_weight\":{\"x\":1}") "," RELAY(FP_C, ",\"nickname\":[]") "]}");
	assert_int_equal(set.n, 0);
	assert_int_equal(set.n_skipped, 3);
	assert_string_equal(set.skipped[0].reason,
	                    "flags: expected an array of strings, got a string");
	assert_string_equal(set.skipped[1].reason,
	                    "consensus_weight: expected a number or boolean, got an object");
	assert_string_equal(set.skipped[2].reason, "nickname: expected a string, got an array");
	relay_set_free(&set);
}

static void test_truncated_document_fails(void **state)
{
	relay_set set;
	relay_set_init(&set, now_t(), 7);
	const char *json = "{\"relays\":[" RELAY(FP_A, "") ",{\"nickname\":\"tr";
	int rc = onionoo_details_buffer(&set, "details.json", json, strlen(json));
	assert_int_equal(rc, STRATA_EPARSE);
	assert_non_null(strstr(strata_error_message(), "details.json"));
	relay_set_free(&set);

	relay_set_init(&set, now_t(), 7);
	rc = onionoo_details_buffer(&set, "details.json", "{\"bridges\":[]}", 14);
	assert_int_equal(rc, STRATA_EPARSE);
	assert_non_null(strstr(strata_error_message(), "relays"));
	relay_set_free(&set);

	relay_set_init(&set, now_t(), 7);
	rc = onionoo_details_buffer(&set, "details.json", "[1,2]", 5);
	assert_int_equal(rc, STRATA_EPARSE);
	relay_set_free(&set);
}

static void test_filter_downtime(void **state)
{
	relay_set set;
	load(&set,
	     "{\"relays\":["
	     "{\"nickname\":\"old\",\"fingerprint\":\"" FP_A "\",\"first_seen\":\"2020-01-01 "
	     "00:00:00\",\"last_seen\":\"2026-11-01 00:00:00\",\"running\":false},"
	     "{\"nickname\":\"recent\",\"fingerprint\":\"" FP_B "\",\"first_seen\":\"2020-01-01 "
	     "00:00:00\",\"last_seen\":\"2026-11-20 00:00:00\",\"running\":false}]}");
	assert_ok(relay_set_finish(&set));
	assert_int_equal(set.n, 1);
	assert_int_equal(set.n_filtered, 1);
	assert_string_equal(set.relays[0].nickname, "recent");
	relay_set_free(&set);
}

/* A history object of count points, all equal to v (null every nth when n>0). */
static void history(char *out, size_t cap, const char *name, int count, int v, int null_every)
{
	size_t len =
	    (size_t)snprintf(out, cap, "\"%s\":{\"factor\":2.0,\"interval\":10,\"values\":[", name);
	for (int i = 0; i < count; i++) {
		if (null_every && i % null_every == 0)
			len += (size_t)snprintf(out + len, cap - len, "%snull", i ? "," : "");
		else
			len += (size_t)snprintf(out + len, cap - len, "%s%d", i ? "," : "", v);
	}
	snprintf(out + len, cap - len, "]}");
}

static void test_uptime_reduction(void **state)
{
	assert_true(onionoo_uptime_percent(999.0 * 29, 29) == UPTIME_NONE);
	assert_true(fabs(onionoo_uptime_percent(999.0 * 30, 30) - 100.0) < 1e-9);
	assert_true(onionoo_uptime_percent(9.0 * 30, 30) == 0.0); /* 0.9 % counts as 0 */

	relay_set set;
	load(&set, "{\"relays\":[" RELAY(FP_A, "") "]}");
	assert_ok(relay_set_finish(&set));
	char h1[4096], h2[4096], h3[4096], doc[16384];
	history(h1, sizeof(h1), "1_month", 40, 999, 4);  /* 30 valid points of 999 */
	history(h2, sizeof(h2), "6_months", 20, 999, 0); /* too few */
	history(h3, sizeof(h3), "1_month", 50, 500, 0);
	snprintf(
	    doc, sizeof(doc),
	    "{\"relays\":[{\"fingerprint\":\"%s\",\"uptime\":{%s,%s},\"flags\":{\"Guard\":{%s}}},"
	    "{\"fingerprint\":\"" FP_B "\",\"uptime\":{%s}}]}",
	    FP_A, h1, h2, h3, h1);
	assert_ok(onionoo_uptime_buffer(&set, "uptime.json", doc, strlen(doc)));
	relay *r = &set.relays[0];
	assert_true(r->has_uptime);
	assert_true(fabs(r->uptime[PERIOD_1M] - 100.0) < 1e-9);
	assert_true(r->uptime[PERIOD_6M] == UPTIME_NONE);
	assert_true(fabs(r->flag_uptime[UPFLAG_GUARD][PERIOD_1M] - 500.0 / 999.0 * 100.0) < 1e-9);
	relay_set_free(&set);
}

static void test_bandwidth_reduction(void **state)
{
	relay_set set;
	load(&set, "{\"relays\":[" RELAY(FP_A, ",\"overload_general_timestamp\":1") "]}");
	assert_ok(relay_set_finish(&set));
	char h1[4096], h2[4096], doc[16384];
	history(h1, sizeof(h1), "1_month", 5, 100, 5); /* 4 valid points of 100, factor 2 */
	history(h2, sizeof(h2), "1_month", 2, 50, 0);
	snprintf(doc, sizeof(doc),
	         "{\"relays\":[{\"fingerprint\":\"%s\",\"read_history\":{%s},"
	         "\"write_history\":{%s},\"overload_fd_exhausted\":{\"timestamp\":1}}]}",
	         FP_A, h1, h2);
	assert_ok(onionoo_bandwidth_buffer(&set, "bandwidth.json", doc, strlen(doc)));
	relay *r = &set.relays[0];
	assert_true(fabs(r->read_mean[PERIOD_1M] - 200.0) < 1e-9);
	assert_true(fabs(r->write_mean[PERIOD_1M] - 100.0) < 1e-9);
	/* read 4*100*2*10 + write 2*50*2*10 */
	assert_true(fabs(r->data_total[PERIOD_1M] - 10000.0) < 1e-9);
	assert_true(r->overload_fd_exhausted);
	assert_false(r->overload_ratelimits);
	relay_set_free(&set);
}

static void test_aroi(void **state)
{
	relay_set set;
	load(&set, "{\"relays\":[" RELAY(FP_A, "") "," RELAY(FP_B, "") "]}");
	assert_ok(relay_set_finish(&set));
	const char *doc = "{\"metadata\":{\"timestamp\":\"2026-11-23T12:00:00Z\"},\"results\":["
	                  "{\"fingerprint\":\"" FP_A "\",\"valid\":true,\"domain\":\"x\"},"
	                  "{\"fingerprint\":\"" FP_B "\",\"valid\":false}]}";
	assert_ok(onionoo_aroi_buffer(&set, "aroi.json", doc, strlen(doc)));
	assert_string_equal(set.aroi_timestamp, "2026-11-23T12:00:00Z");
	relay *a = &set.relays[relay_set_find(&set, FP_A)];
	relay *b = &set.relays[relay_set_find(&set, FP_B)];
	assert_true(a->aroi_checked && a->aroi_valid);
	assert_true(b->aroi_checked && !b->aroi_valid);
	relay_set_free(&set);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_valid_relays),
	    cmocka_unit_test(test_bad_relays_skipped),
	    cmocka_unit_test(test_wrong_shapes),
	    cmocka_unit_test(test_truncated_document_fails),
	    cmocka_unit_test(test_filter_downtime),
	    cmocka_unit_test(test_uptime_reduction),
	    cmocka_unit_test(test_bandwidth_reduction),
	    cmocka_unit_test(test_aroi),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
