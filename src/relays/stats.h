/*
 * stats.h - operator leaderboards and the network-health figures.
 *
 * Leaderboards rank operators (contact groups, as Allium: every contact of
 * 3 characters or more; named by their AROI domain when they have one) by
 * one score each; the top 50 are kept, ties broken by contact key.
 * docs/relays.md defines every score.
 */
#ifndef STRATA_RELAYS_STATS_H
#define STRATA_RELAYS_STATS_H

#include "groups.h"
#include "model.h"

#define LEADERS_KEPT  50
#define LEADERS_SHOWN 25

typedef enum leader_unit {
	UNIT_BANDWIDTH, /* bytes/s */
	UNIT_FRACTION,  /* 0..1 */
	UNIT_COUNT,
	UNIT_PERCENT, /* 0..100 */
	UNIT_BYTES,
	UNIT_SCORE
} leader_unit;

enum {
	LB_BANDWIDTH,
	LB_CONSENSUS_WEIGHT,
	LB_EXIT_AUTHORITY,
	LB_GUARD_AUTHORITY,
	LB_EXIT_OPERATORS,
	LB_GUARD_OPERATORS,
	LB_RELIABILITY,
	LB_LEGACY,
	LB_BANDWIDTH_6M,
	LB_BANDWIDTH_5Y,
	LB_MOST_DIVERSE,
	LB_PLATFORM_DIVERSITY,
	LB_NON_EU,
	LB_FRONTIER,
	LB_VETERANS,
	LB_IPV4,
	LB_IPV6,
	LB_VALIDATED,
	LB_TOTAL_DATA,
	LB_COUNT
};

typedef struct leader_entry {
	size_t group; /* index into the contact groups */
	double score;
} leader_entry;

typedef struct leaderboard {
	const char *id, *title, *what;
	leader_unit unit;
	leader_entry top[LEADERS_KEPT];
	size_t n;
} leaderboard;

enum { AGE_30D, AGE_6M, AGE_1Y, AGE_2Y, AGE_5Y, AGE_OLDER, AGE_BANDS };
enum { NEW_24H, NEW_30D, NEW_6M, NEW_1Y, NEW_WINDOWS };

#define TOP_VERSIONS 10

typedef struct version_share {
	char version[32]; /* as published (cut at 31 bytes); escape on output */
	size_t relays;
	int recommended; /* some relay on it reports recommended_version */
} version_share;

typedef struct health {
	double role_bw_mean[3], role_bw_median[3], role_cw_mean[3], role_cw_median[3];
	size_t ipv4, ipv6, dual_stack;
	double country_cw_top[3], as_cw_top[3]; /* share of consensus weight of top 3/5/10 */
	size_t age_band[AGE_BANDS], new_relays[NEW_WINDOWS];
	size_t recommended_version, overloaded, hibernating;
	size_t aroi_relays, aroi_operators, aroi_checked, aroi_valid;
	int has_uptime_percentiles;
	double uptime_percentile[7]; /* 5, 25, 50, 75, 90, 95, 99 of 6-month uptime */
	size_t uptime_relays;
	version_share versions[TOP_VERSIONS]; /* most used Tor versions */
	size_t n_versions, distinct_versions;
} health;

typedef struct relay_stats {
	leaderboard boards[LB_COUNT];
	health net;
} relay_stats;

int stats_compute(const relay_set *set, const relay_groups *g, relay_stats *out);

/* Linear-interpolation percentile p (0..100) of sorted values v[0..n). */
double stats_percentile(const double *sorted, size_t n, double p);

/* Days since first seen times the size factor (1.0 for < 10 relays ... 1.3
 * for >= 300). */
double stats_veteran_score(strata_time earliest, strata_time now, size_t relays);

/* Whether cc (upper-case) is a member state of the European Union. */
int stats_is_eu(const char *cc);

/* Whether an operator with this contact is ranked: 3 or more characters
 * (code points) once leading and trailing white space is trimmed. */
int stats_is_ranked_contact(const char *contact);

/* Allium's AS rarity, 0-5: a base from the AS's consensus-weight fraction
 * against the thresholds (dominant, major, moderate): 0, 1, 2, else 3 when
 * it has weight, 0 without; plus 2 for a sole operator (one contact), 1 for
 * 2-10 operators, 0 for more. */
int stats_as_rarity(double cw_fraction, size_t contacts, const double thresholds[3]);

#endif
