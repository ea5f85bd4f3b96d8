/* fuzz_onionoo.c - libFuzzer target for the streaming Onionoo readers: the
 * same bytes as details, then (over the relays that survived) as uptime,
 * bandwidth and AROI documents, then grouping, the leaderboards and the
 * health figures. Nothing may crash or leak; every kept relay must have a
 * valid fingerprint and every leaderboard score must be positive. */
#include "relays/groups.h"
#include "relays/onionoo.h"
#include "relays/stats.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Leaderboards and health figures of the groups: kept boards are bounded
 * and rank positive scores only. */
static void check_stats(const relay_set *set, const relay_groups *g)
{
	relay_stats *st = malloc(sizeof(*st));
	if (st && stats_compute(set, g, st) == 0) {
		for (int b = 0; b < LB_COUNT; b++) {
			if (st->boards[b].n > LEADERS_KEPT)
				abort();
			for (size_t i = 0; i < st->boards[b].n; i++)
				if (!(st->boards[b].top[i].score > 0.0))
					abort();
		}
	}
	free(st);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	relay_set set;
	relay_set_init(&set, (strata_time)1800000000 * STRATA_NS_PER_SEC, 7);
	if (onionoo_details_buffer(&set, "fuzz", text, size) == 0 && relay_set_finish(&set) == 0) {
		onionoo_uptime_buffer(&set, "fuzz", text, size);
		onionoo_bandwidth_buffer(&set, "fuzz", text, size);
		onionoo_aroi_buffer(&set, "fuzz", text, size);
		for (size_t i = 0; i < set.n; i++)
			if (!relay_is_fingerprint(set.relays[i].fingerprint))
				abort();
		relay_groups g;
		if (groups_build(&set, &g) == 0) {
			check_stats(&set, &g);
			groups_free(&g);
		}
	}
	relay_set_free(&set);
	return 0;
}
