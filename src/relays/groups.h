/*
 * groups.h - relays grouped by AS, country, platform, flag, family, first-seen
 * date and contact, with the per-group figures the pages show.
 *
 * Every group key is a safe URL path component by construction: "AS1234",
 * an upper-case country code, a platform matching [A-Za-z0-9_-]+, a
 * lower-case known flag, a 40-hex family id (or 32-hex when two families
 * share a smallest member), "YYYY-MM-DD", a 32-hex contact MD5. Relays whose
 * value would not be a valid key are left out of that kind of group.
 */
#ifndef STRATA_RELAYS_GROUPS_H
#define STRATA_RELAYS_GROUPS_H

#include "model.h"
#include "strmap.h"

typedef enum group_kind {
	GROUP_AS,
	GROUP_COUNTRY,
	GROUP_PLATFORM,
	GROUP_FLAG,
	GROUP_FAMILY,
	GROUP_FIRST_SEEN,
	GROUP_CONTACT,
	GROUP_KIND_COUNT
} group_kind;

/* URL folder of a kind: "as", "country", "platform", "flag", "family",
 * "first_seen", "contact". */
const char *group_kind_dir(int kind);

typedef struct group {
	char key[48];
	size_t *members; /* indices into set->relays, in relay order (bandwidth desc) */
	size_t n_members, cap_members;
	int64_t bandwidth, role_bandwidth[3]; /* observed, by role ROLE_* */
	size_t role_count[3];
	int64_t consensus_weight, role_cw[3];
	double cw_fraction, role_cw_fraction[3];
	size_t measured_count, running_count, exit_flag_count, guard_flag_count;
	size_t unique_as, unique_contacts, unique_families, unique_aroi, unique_countries,
	    unique_platforms, unique_ipv4, unique_ipv6;
	size_t ipv4_relays, ipv6_relays, validated_relays, non_linux_relays;
	strata_time first_seen; /* oldest member */
	/* from the optional documents, over members with a figure */
	double uptime_mean[PERIOD_COUNT]; /* UPTIME_NONE when no member has one */
	double read_mean_sum[PERIOD_COUNT];
	double data_total[PERIOD_COUNT];
	size_t overloaded;
} group;

typedef struct group_table {
	group *groups;
	size_t n, cap;
	strmap index; /* key -> position */
} group_table;

/* Whole-network figures. */
typedef struct network_totals {
	size_t relays, role_count[3], measured, flag_count[FLAG_COUNT];
	int64_t bandwidth, role_bandwidth[3], consensus_weight, role_cw[3];
} network_totals;

typedef struct relay_groups {
	group_table kind[GROUP_KIND_COUNT];
	network_totals totals;
} relay_groups;

/* Group every relay of set (after relay_set_finish and the optional loads);
 * sets each relay's family_group. */
int groups_build(relay_set *set, relay_groups *out);
void groups_free(relay_groups *g);

/* The group of kind with key, or NULL. */
const group *groups_find(const relay_groups *g, int kind, const char *key);

/* The group key of relay r for a single-valued kind (AS, country, platform,
 * first_seen, contact) into out (48 bytes); 0 and "" when r has none. */
int groups_relay_key(const relay *r, int kind, char out[48]);

/* Whether s matches [A-Za-z0-9_-]{1,47}. */
int groups_valid_key(const char *s);

/* Whether a relay is overloaded at now: general overload within 72 hours,
 * or rate-limit / fd-exhaustion overload reported. */
int relay_is_overloaded(const relay *r, strata_time now);

#endif
