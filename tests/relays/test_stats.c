/* test_stats.c - leaderboards and network-health figures on a hand-made network. */
#include "testutil.h"

#include "relays/groups.h"
#include "relays/onionoo.h"
#include "relays/stats.h"
#include "strata/buf.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void test_percentile(void **state)
{
	double v[5] = {10, 20, 30, 40, 50};
	assert_true(fabs(stats_percentile(v, 5, 50) - 30) < 1e-12);
	assert_true(fabs(stats_percentile(v, 5, 25) - 20) < 1e-12);
	assert_true(fabs(stats_percentile(v, 5, 90) - 46) < 1e-12);
	assert_true(fabs(stats_percentile(v, 5, 100) - 50) < 1e-12);
	assert_true(stats_percentile(v, 0, 50) == 0.0);
}

static void test_veteran_and_eu(void **state)
{
	strata_time day = STRATA_NS_PER_DAY, now = 10000 * day;
	assert_true(fabs(stats_veteran_score(now - 100 * day, now, 1) - 100.0) < 1e-12);
	assert_true(fabs(stats_veteran_score(now - 100 * day, now, 10) - 105.0) < 1e-12);
	assert_true(fabs(stats_veteran_score(now - 100 * day, now, 300) - 130.0) < 1e-12);
	assert_true(stats_veteran_score(now, now, 5) == 0.0);
	assert_true(stats_is_eu("DE"));
	assert_true(stats_is_eu("SE"));
	assert_false(stats_is_eu("CH"));
	assert_false(stats_is_eu("US"));
	assert_false(stats_is_eu(""));
}

/* n relays of one operator; fingerprints built from prefix and index. */
static void add_operator(strata_buf *json, char prefix, int n, const char *contact,
                         const char *country, int exit, long bw)
{
	for (int i = 0; i < n; i++) {
		strata_buf_printf(
		    json,
		    "%s{\"nickname\":\"r%c%d\",\"fingerprint\":\"%c%039d\","
		    "\"first_seen\":\"2020-01-01 00:00:00\",\"last_seen\":\"2026-11-23 "
		    "12:00:00\",\"running\":true,\"flags\":[\"Running\"%s],"
		    "\"observed_bandwidth\":%ld,\"consensus_weight\":%ld,\"country\":"
		    "\"%s\",\"as\":\"AS%d\",\"platform\":\"Tor on %s\",\"contact\":\"%s\","
		    "\"or_addresses\":[\"10.0.%d.%d:9001\"]}",
		    json->len > 12 ? "," : "", prefix, i, prefix, i, exit ? ",\"Exit\"" : "", bw,
		    bw / 10, country, 100 + i % 3, i % 2 ? "FreeBSD" : "Linux", contact, prefix, i);
	}
}

static void test_leaderboards(void **state)
{
	strata_buf json = STRATA_BUF_INIT;
	strata_buf_puts(&json, "{\"relays\":[");
	add_operator(&json, 'A', 30, "url:a.example proof:uri-rsa ciissversion:2", "us", 1, 1000);
	add_operator(&json, 'B', 3, "url:b.example proof:dns-rsa ciissversion:2", "de", 0, 50000);
	add_operator(&json, 'C', 2, "plain contact", "fr", 1, 90000);
	add_operator(&json, 'D', 1, "  ab ", "se", 1, 900000); /* too short to rank */
	strata_buf_puts(&json, "]}");
	strata_time now;
	assert_ok(strata_time_parse_iso8601("2026-11-23 12:00:00", &now));
	relay_set set;
	relay_set_init(&set, now, 7);
	assert_ok(onionoo_details_buffer(&set, "d", json.data, json.len));
	assert_int_equal(set.n, 36);
	assert_ok(relay_set_finish(&set));
	relay_groups g;
	assert_ok(groups_build(&set, &g));
	relay_stats *st = malloc(sizeof(*st));
	assert_ok(stats_compute(&set, &g, st));

	const group_table *ops = &g.kind[GROUP_CONTACT];
	const leaderboard *bwb = &st->boards[LB_BANDWIDTH];
	/* as Allium: every contact of 3+ characters is ranked, AROI or not */
	assert_int_equal(bwb->n, 3);
	assert_null(set.relays[ops->groups[bwb->top[0].group].members[0]].aroi_domain);
	assert_string_equal(set.relays[ops->groups[bwb->top[0].group].members[0]].contact,
	                    "plain contact");
	assert_true(bwb->top[0].score == 180000.0);
	assert_string_equal(set.relays[ops->groups[bwb->top[1].group].members[0]].aroi_domain,
	                    "b.example");
	assert_true(bwb->top[1].score == 150000.0);
	assert_int_equal(st->boards[LB_EXIT_OPERATORS].n, 2); /* B has no exits: left out */
	assert_true(st->boards[LB_EXIT_OPERATORS].top[0].score == 30.0);
	/* reliability needs > 25 relays and an uptime figure: none loaded */
	assert_int_equal(st->boards[LB_RELIABILITY].n, 0);
	assert_int_equal(st->boards[LB_NON_EU].n, 1); /* only A (US) */
	assert_int_equal(st->boards[LB_PLATFORM_DIVERSITY].n, 3);
	/* most diverse = 3 x countries + AS rarity sum / 2.5 + platforms. Weights
	 * (bandwidth / 10): AS100 105000 (the largest: base 0), AS101 15000 and
	 * AS102 6000 (base 3); each has 2-4 operators (bonus 1): rarities 1, 4,
	 * 4. A and B: 1 country, all three ASes, 2 platforms: 3 + 9 / 2.5 + 2;
	 * C: AS100 and AS101: 3 + 5 / 2.5 + 2. */
	const leaderboard *div = &st->boards[LB_MOST_DIVERSE];
	assert_int_equal(div->n, 3);
	assert_true(fabs(div->top[0].score - 8.6) < 1e-9);
	assert_true(fabs(div->top[1].score - 8.6) < 1e-9);
	assert_true(fabs(div->top[2].score - 7.0) < 1e-9);
	assert_true(st->boards[LB_IPV4].top[0].score == 30.0);
	/* health */
	assert_int_equal(st->net.ipv4, 36);
	assert_int_equal(st->net.ipv6, 0);
	assert_int_equal(st->net.aroi_operators, 2);
	assert_int_equal(st->net.aroi_relays, 33);
	assert_int_equal(st->net.age_band[AGE_OLDER], 36); /* first seen 2020: over 5 years */
	assert_int_equal(st->net.new_relays[NEW_1Y], 0);
	assert_int_equal(st->net.distinct_versions, 0); /* no version field given */
	free(st);
	groups_free(&g);
	relay_set_free(&set);
	strata_buf_free(&json);
}

/* The contacts Allium ranks, and its AS rarity (base from weight, bonus
 * from how few operators share the AS). */
static void test_ranked_and_rarity(void **state)
{
	(void)state;
	assert_true(stats_is_ranked_contact("abc"));
	assert_true(stats_is_ranked_contact(" \t a b\n"));
	assert_true(stats_is_ranked_contact("\xc3\xa9\xc3\xa9\xc3\xa9"));
	assert_false(stats_is_ranked_contact("\xc3\xa9\xc3\xa9"));
	assert_false(stats_is_ranked_contact("  ab  "));
	assert_false(stats_is_ranked_contact(""));
	assert_false(stats_is_ranked_contact(NULL));
	const double t[3] = {0.05, 0.005, 0.0005};
	assert_int_equal(stats_as_rarity(0.06, 1, t), 2);   /* dominant, sole operator */
	assert_int_equal(stats_as_rarity(0.05, 11, t), 0);  /* dominant, popular */
	assert_int_equal(stats_as_rarity(0.01, 10, t), 2);  /* major, few */
	assert_int_equal(stats_as_rarity(0.001, 11, t), 2); /* moderate */
	assert_int_equal(stats_as_rarity(0.0001, 1, t), 5); /* small, sole */
	assert_int_equal(stats_as_rarity(0.0, 1, t), 2);    /* unmeasured, sole */
	assert_int_equal(stats_as_rarity(0.0, 0, t), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_percentile),
	    cmocka_unit_test(test_veteran_and_eu),
	    cmocka_unit_test(test_leaderboards),
	    cmocka_unit_test(test_ranked_and_rarity),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
