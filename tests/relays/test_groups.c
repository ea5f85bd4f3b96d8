/* test_groups.c - grouping and per-group figures on a hand-made network. */
#include "testutil.h"

#include "relays/groups.h"
#include "relays/onionoo.h"

#include <math.h>
#include <string.h>

#define FP_A "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
#define FP_B "BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB"
#define FP_C "CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC"
#define FP_D "DDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDD"

#define AROI "\"contact\":\"url:op.example proof:uri-rsa ciissversion:2\""

static const char *network_json =
    "{\"relays\":["
    "{\"nickname\":\"a\",\"fingerprint\":\"" FP_A "\",\"first_seen\":\"2020-01-02 03:00:00\","
    "\"last_seen\":\"2026-11-23 12:00:00\",\"running\":true,\"flags\":[\"Exit\",\"Guard\"],"
    "\"observed_bandwidth\":400,\"consensus_weight\":40,\"consensus_weight_fraction\":0.4,"
    "\"country\":\"de\",\"as\":\"AS1\",\"platform\":\"Tor 0.4.8 on Linux\",\"measured\":true,"
    "\"effective_family\":[\"" FP_A "\",\"" FP_B "\"]," AROI ","
    "\"or_addresses\":[\"1.1.1.1:1\",\"[2001:db8::1]:1\"]},"
    "{\"nickname\":\"b\",\"fingerprint\":\"" FP_B "\",\"first_seen\":\"2019-05-06 00:00:00\","
    "\"last_seen\":\"2026-11-23 12:00:00\",\"running\":true,\"flags\":[\"Guard\"],"
    "\"observed_bandwidth\":300,\"consensus_weight\":30,\"consensus_weight_fraction\":0.3,"
    "\"country\":\"fr\",\"as\":\"AS2\",\"platform\":\"Tor 0.4.8 on FreeBSD\","
    "\"effective_family\":[\"" FP_A "\",\"" FP_B "\"],"
    "\"contact\":\"url:https://www.op.example/x proof:dns-rsa ciissversion:2\","
    "\"or_addresses\":[\"1.1.1.1:2\"]},"
    "{\"nickname\":\"c\",\"fingerprint\":\"" FP_C "\",\"first_seen\":\"2021-01-01 00:00:00\","
    "\"last_seen\":\"2026-11-23 12:00:00\",\"running\":true,\"flags\":[],"
    "\"observed_bandwidth\":200,\"consensus_weight\":20,\"consensus_weight_fraction\":0.2,"
    "\"country\":\"de\",\"as\":\"AS1\",\"platform\":\"Tor on Windows 10\","
    "\"effective_family\":[\"" FP_C "\",\"" FP_D "\"],\"contact\":\"<b>me</b>\","
    "\"or_addresses\":[\"2.2.2.2:1\"]},"
    "{\"nickname\":\"d\",\"fingerprint\":\"" FP_D "\",\"first_seen\":\"2021-01-01 05:00:00\","
    "\"last_seen\":\"2026-11-23 12:00:00\",\"running\":true,\"flags\":[],"
    "\"observed_bandwidth\":100,\"consensus_weight\":10,\"consensus_weight_fraction\":0.1,"
    "\"platform\":\"Tor on <script>\",\"effective_family\":[\"" FP_D "\"],"
    "\"or_addresses\":[\"3.3.3.3:1\"]}]}";

static void build(relay_set *set, relay_groups *g)
{
	strata_time now;
	assert_ok(strata_time_parse_iso8601("2026-11-23 12:00:00", &now));
	relay_set_init(set, now, 7);
	assert_ok(onionoo_details_buffer(set, "d.json", network_json, strlen(network_json)));
	assert_ok(relay_set_finish(set));
	assert_ok(groups_build(set, g));
}

static void test_kinds_and_keys(void **state)
{
	relay_set set;
	relay_groups g;
	build(&set, &g);
	assert_int_equal(g.kind[GROUP_AS].n, 2);
	assert_int_equal(g.kind[GROUP_COUNTRY].n, 2); /* D has no country */
	assert_non_null(groups_find(&g, GROUP_COUNTRY, "DE"));
	assert_non_null(groups_find(&g, GROUP_PLATFORM, "Windows"));
	assert_int_equal(g.kind[GROUP_PLATFORM].n, 3); /* "<script>" is no valid key */
	assert_non_null(groups_find(&g, GROUP_FLAG, "guard"));
	assert_non_null(groups_find(&g, GROUP_FIRST_SEEN, "2021-01-01"));
	assert_int_equal(groups_find(&g, GROUP_FIRST_SEEN, "2021-01-01")->n_members, 2);
	/* A and B share the AROI domain op.example: one contact */
	assert_int_equal(g.kind[GROUP_CONTACT].n, 3);
	assert_string_equal(set.relays[0].contact_md5, set.relays[1].contact_md5);
	relay_set_free(&set);
	groups_free(&g);
}

static void test_one_page_per_family(void **state)
{
	relay_set set;
	relay_groups g;
	build(&set, &g);
	/* {A,B} and {C,D} as C sees it; D alone has no family */
	assert_int_equal(g.kind[GROUP_FAMILY].n, 2);
	const group *ab = groups_find(&g, GROUP_FAMILY, FP_A);
	assert_non_null(ab);
	assert_int_equal(ab->n_members, 2);
	assert_int_equal(set.relays[3].family_group, -1);
	relay_set_free(&set);
	groups_free(&g);
}

static void test_group_figures(void **state)
{
	relay_set set;
	relay_groups g;
	build(&set, &g);
	const group *de = groups_find(&g, GROUP_COUNTRY, "DE");
	assert_int_equal(de->n_members, 2);
	assert_int_equal(de->bandwidth, 600);
	assert_int_equal(de->role_count[ROLE_EXIT], 1);
	assert_int_equal(de->role_count[ROLE_MIDDLE], 1);
	assert_int_equal(de->role_bandwidth[ROLE_EXIT], 400);
	assert_int_equal(de->consensus_weight, 60);
	assert_true(fabs(de->cw_fraction - 0.6) < 1e-12);
	assert_true(fabs(de->role_cw_fraction[ROLE_MIDDLE] - 20.0 / 30.0) < 1e-12);
	assert_int_equal(de->measured_count, 1);
	assert_int_equal(de->unique_as, 1);
	assert_int_equal(de->unique_contacts, 2);
	assert_int_equal(de->unique_families, 2);
	assert_int_equal(de->unique_aroi, 1);
	strata_time t;
	assert_ok(strata_time_parse_iso8601("2020-01-02 03:00:00", &t));
	assert_int_equal(de->first_seen, t);
	const group *op = groups_find(&g, GROUP_CONTACT, set.relays[0].contact_md5);
	assert_int_equal(op->unique_countries, 2);
	assert_int_equal(op->unique_ipv4, 1);
	assert_int_equal(op->unique_ipv6, 1);
	assert_int_equal(op->non_linux_relays, 1);
	assert_int_equal(g.totals.role_count[ROLE_GUARD], 1);
	assert_int_equal(g.totals.consensus_weight, 100);
	relay_set_free(&set);
	groups_free(&g);
}

static void test_overload(void **state)
{
	relay r;
	memset(&r, 0, sizeof(r));
	strata_time now = 100 * 3600 * STRATA_NS_PER_SEC;
	r.overload_general_ms = -1;
	assert_false(relay_is_overloaded(&r, now));
	r.overload_general_ms = (int64_t)(now / 1000000) - 71 * 3600 * 1000;
	assert_true(relay_is_overloaded(&r, now));
	r.overload_general_ms = (int64_t)(now / 1000000) - 72 * 3600 * 1000;
	assert_false(relay_is_overloaded(&r, now));
	r.overload_ratelimits = 1;
	assert_true(relay_is_overloaded(&r, now));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_kinds_and_keys),
	    cmocka_unit_test(test_one_page_per_family),
	    cmocka_unit_test(test_group_figures),
	    cmocka_unit_test(test_overload),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
