/* stats.c - operator leaderboards and network-health figures. */
#include "stats.h"

#include "strmap.h"

#include "strata/error.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
	const char *id, *title, *what;
	leader_unit unit;
} board_defs[LB_COUNT] = {
    {"bandwidth", "Bandwidth contributed", "observed bandwidth", UNIT_BANDWIDTH},
    {"consensus-weight", "Consensus weight", "share of consensus weight", UNIT_FRACTION},
    {"exit-authority", "Exit authority", "share of exit consensus weight", UNIT_FRACTION},
    {"guard-authority", "Guard authority", "share of guard consensus weight", UNIT_FRACTION},
    {"exit-operators", "Exit operators", "exit relays", UNIT_COUNT},
    {"guard-operators", "Guard operators", "guard relays", UNIT_COUNT},
    {"reliability", "Reliability (6 months)", "mean 6-month uptime, > 25 relays", UNIT_PERCENT},
    {"legacy", "Legacy (5 years)", "mean 5-year uptime, > 25 relays", UNIT_PERCENT},
    {"bandwidth-6m", "Bandwidth over 6 months", "mean read bandwidth, > 25 relays", UNIT_BANDWIDTH},
    {"bandwidth-5y", "Bandwidth over 5 years", "mean read bandwidth, > 25 relays", UNIT_BANDWIDTH},
    {"most-diverse", "Most diverse", "countries x 3 + AS rarity / 2.5 + platforms", UNIT_SCORE},
    {"platform-diversity", "Platform diversity", "relays not on Linux", UNIT_COUNT},
    {"non-eu", "Non-EU leaders", "countries outside the EU", UNIT_COUNT},
    {"frontier", "Frontier builders", "rare countries (< 1% of relays)", UNIT_COUNT},
    {"veterans", "Network veterans", "days since first relay x size factor", UNIT_SCORE},
    {"ipv4", "IPv4 leaders", "distinct IPv4 addresses", UNIT_COUNT},
    {"ipv6", "IPv6 leaders", "distinct IPv6 addresses", UNIT_COUNT},
    {"validated", "Validated relays", "relays with a valid AROI proof", UNIT_COUNT},
    {"total-data", "Total data transferred", "bytes read and written, 5 years", UNIT_BYTES},
};

int stats_is_eu(const char *cc)
{
	static const char *const eu[] = {"AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI",
	                                 "FR", "DE", "GR", "HU", "IE", "IT", "LV", "LT", "LU",
	                                 "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE"};
	for (size_t i = 0; i < sizeof(eu) / sizeof(eu[0]); i++)
		if (!strcmp(cc, eu[i]))
			return 1;
	return 0;
}

double stats_veteran_score(strata_time earliest, strata_time now, size_t relays)
{
	static const struct {
		size_t min;
		double factor;
	} sizes[] = {{300, 1.3}, {200, 1.25}, {100, 1.2}, {50, 1.15}, {20, 1.1}, {10, 1.05}};
	double factor = 1.0;
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		if (relays >= sizes[i].min) {
			factor = sizes[i].factor;
			break;
		}
	}
	if (earliest >= now)
		return 0.0;
	int64_t days = (now - earliest) / STRATA_NS_PER_DAY; /* whole days, as the original */
	return (double)days * factor;
}

double stats_percentile(const double *sorted, size_t n, double p)
{
	if (n == 0)
		return 0.0;
	double pos = p / 100.0 * (double)(n - 1);
	size_t lo = (size_t)pos;
	if (lo + 1 >= n)
		return sorted[n - 1];
	double w = pos - (double)lo;
	return sorted[lo] * (1.0 - w) + sorted[lo + 1] * w;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* The consensus-weight fractions at which an AS counts as dominant (top
 * 0.5 % of the ASes with weight), major (top 2 %) and moderate (top 15 %),
 * as Allium derives them; fixed 5 %, 0.5 %, 0.05 % when no AS has weight. */
static void as_cw_thresholds(const relay_groups *g, double *values, double out[3])
{
	const group_table *t = &g->kind[GROUP_AS];
	size_t n = 0;
	for (size_t i = 0; i < t->n; i++)
		if (t->groups[i].cw_fraction > 0.0)
			values[n++] =
			    -t->groups[i].cw_fraction; /* sorted ascending: largest first */
	if (n == 0) {
		out[0] = 0.05, out[1] = 0.005, out[2] = 0.0005;
		return;
	}
	qsort(values, n, sizeof(double), cmp_double);
	static const double tops[3] = {0.005, 0.02, 0.15};
	for (int k = 0; k < 3; k++) {
		size_t at = (size_t)((double)n * tops[k]);
		out[k] = -values[at < n ? at : n - 1];
	}
}

int stats_as_rarity(double cw_fraction, size_t contacts, const double thresholds[3])
{
	int base = cw_fraction >= thresholds[0]   ? 0
	           : cw_fraction >= thresholds[1] ? 1
	           : cw_fraction >= thresholds[2] ? 2
	           : cw_fraction > 0.0            ? 3
	                                          : 0;
	int bonus = contacts == 1 ? 2 : contacts >= 2 && contacts <= 10 ? 1 : 0;
	return base + bonus;
}

/* Rarity of the network's AS asn (0 when unknown). */
static double as_rarity(const relay_groups *g, uint32_t asn, const double thresholds[3])
{
	char key[48];
	snprintf(key, sizeof(key), "AS%u", (unsigned)asn);
	const group *as = groups_find(g, GROUP_AS, key);
	return as ? (double)stats_as_rarity(as->cw_fraction, as->unique_contacts, thresholds) : 0.0;
}

/* Geographic figures of one operator: distinct non-EU and rare countries,
 * AS rarity sum. */
typedef struct geo {
	size_t non_eu, rare;
	double as_rarity;
} geo;

static void operator_geo(const relay_set *set, const relay_groups *g, const group *op,
                         const double thresholds[3], geo *out)
{
	unsigned char seen_cc[26 * 26] = {0};
	memset(out, 0, sizeof(*out));
	size_t total = set->n ? set->n : 1;
	for (size_t m = 0; m < op->n_members; m++) {
		const relay *r = &set->relays[op->members[m]];
		if (!r->country[0])
			continue;
		int idx = (r->country[0] - 'A') * 26 + (r->country[1] - 'A');
		if (idx < 0 || idx >= 26 * 26 || seen_cc[idx])
			continue;
		seen_cc[idx] = 1;
		out->non_eu += !stats_is_eu(r->country);
		const group *c = groups_find(g, GROUP_COUNTRY, r->country);
		if (c && (double)c->n_members / (double)total < 0.01)
			out->rare++;
	}
	/* distinct ASes: members are few per operator; a quadratic scan is fine
	 * for the largest operators (hundreds of relays). */
	for (size_t m = 0; m < op->n_members; m++) {
		uint32_t asn = set->relays[op->members[m]].asn;
		int first = asn != 0;
		for (size_t k = 0; first && k < m; k++)
			if (set->relays[op->members[k]].asn == asn)
				first = 0;
		if (first)
			out->as_rarity += as_rarity(g, asn, thresholds);
	}
}

/* The score of operator op on board b; < 0 excludes it. as_cw: the AS
 * thresholds of as_cw_thresholds. */
static double score(int b, const relay_set *set, const relay_groups *g, const group *op,
                    const double as_cw[3])
{
	int big = op->n_members > 25;
	geo geo_fig;
	switch (b) {
	case LB_BANDWIDTH: return (double)op->bandwidth;
	case LB_CONSENSUS_WEIGHT: return op->cw_fraction;
	case LB_EXIT_AUTHORITY: return op->role_cw_fraction[ROLE_EXIT];
	case LB_GUARD_AUTHORITY: return op->role_cw_fraction[ROLE_GUARD];
	case LB_EXIT_OPERATORS: return (double)op->role_count[ROLE_EXIT];
	case LB_GUARD_OPERATORS: return (double)op->role_count[ROLE_GUARD];
	case LB_RELIABILITY: return big ? op->uptime_mean[PERIOD_6M] : -1.0;
	case LB_LEGACY: return big ? op->uptime_mean[PERIOD_5Y] : -1.0;
	case LB_BANDWIDTH_6M: return big ? op->read_mean_sum[PERIOD_6M] : -1.0;
	case LB_BANDWIDTH_5Y: return big ? op->read_mean_sum[PERIOD_5Y] : -1.0;
	case LB_MOST_DIVERSE:
		operator_geo(set, g, op, as_cw, &geo_fig);
		return (double)op->unique_countries * 3.0 + geo_fig.as_rarity / 2.5 +
		       (double)op->unique_platforms;
	case LB_PLATFORM_DIVERSITY: return (double)op->non_linux_relays;
	case LB_NON_EU: operator_geo(set, g, op, as_cw, &geo_fig); return (double)geo_fig.non_eu;
	case LB_FRONTIER: operator_geo(set, g, op, as_cw, &geo_fig); return (double)geo_fig.rare;
	case LB_VETERANS: return stats_veteran_score(op->first_seen, set->now, op->n_members);
	case LB_IPV4: return (double)op->unique_ipv4;
	case LB_IPV6: return (double)op->unique_ipv6;
	case LB_VALIDATED: return (double)op->validated_relays;
	case LB_TOTAL_DATA: return op->data_total[PERIOD_5Y];
	default: return -1.0;
	}
}

typedef struct ranked {
	double score;
	const char *key;
	size_t group;
} ranked;

static int by_score(const void *a, const void *b)
{
	const ranked *x = a, *y = b;
	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	return strcmp(x->key, y->key);
}

/* Whether the contact group is an AROI operator (its relays' AROI domain). */
static int is_operator(const relay_set *set, const group *op)
{
	return op->n_members > 0 && set->relays[op->members[0]].aroi_domain != NULL;
}

int stats_is_ranked_contact(const char *contact)
{
	const char *start = contact ? contact : "";
	while (*start && isspace((unsigned char)*start))
		start++;
	const char *end = start + strlen(start);
	while (end > start && isspace((unsigned char)end[-1]))
		end--;
	size_t chars = 0; /* code points: UTF-8 continuation bytes do not count */
	for (const char *c = start; c < end; c++)
		chars += ((unsigned char)*c & 0xC0) != 0x80;
	return chars >= 3;
}

/* Whether the contact group is ranked on the leaderboards: as in Allium,
 * every operator with a contact of 3 characters or more (trimmed). */
static int is_ranked(const relay_set *set, const group *op)
{
	return op->n_members > 0 && stats_is_ranked_contact(set->relays[op->members[0]].contact);
}

static int rank_board(int b, const relay_set *set, const relay_groups *g, const double as_cw[3],
                      ranked *scratch, leaderboard *out)
{
	const group_table *t = &g->kind[GROUP_CONTACT];
	size_t n = 0;
	for (size_t i = 0; i < t->n; i++) {
		if (!is_ranked(set, &t->groups[i]))
			continue;
		double s = score(b, set, g, &t->groups[i], as_cw);
		if (s > 0.0)
			scratch[n++] = (ranked){s, t->groups[i].key, i};
	}
	qsort(scratch, n, sizeof(ranked), by_score);
	out->id = board_defs[b].id;
	out->title = board_defs[b].title;
	out->what = board_defs[b].what;
	out->unit = board_defs[b].unit;
	out->n = n < LEADERS_KEPT ? n : LEADERS_KEPT;
	for (size_t i = 0; i < out->n; i++)
		out->top[i] = (leader_entry){scratch[i].group, scratch[i].score};
	return 0;
}

/* Mean and median of the role's values (bandwidth or weight). */
static void role_figures(const relay_set *set, int role, int weight, double *values, double *mean,
                         double *median)
{
	size_t n = 0;
	double sum = 0;
	for (size_t i = 0; i < set->n; i++) {
		const relay *r = &set->relays[i];
		if (r->role != role)
			continue;
		values[n] = (double)(weight ? r->consensus_weight : r->observed_bandwidth);
		sum += values[n++];
	}
	qsort(values, n, sizeof(double), cmp_double);
	*mean = n ? sum / (double)n : 0.0;
	*median = stats_percentile(values, n, 50.0);
}

/* Share of consensus weight held by the top 3, 5, 10 groups of a kind. */
static void concentration(const relay_groups *g, int kind, double *values, double out[3])
{
	const group_table *t = &g->kind[kind];
	for (size_t i = 0; i < t->n; i++)
		values[i] = t->groups[i].cw_fraction;
	qsort(values, t->n, sizeof(double), cmp_double);
	static const size_t tops[3] = {3, 5, 10};
	for (int k = 0; k < 3; k++) {
		out[k] = 0;
		for (size_t i = 0; i < tops[k] && i < t->n; i++)
			out[k] += values[t->n - 1 - i];
	}
}

static void ages(const relay_set *set, health *h)
{
	static const int64_t band_days[AGE_BANDS - 1] = {30, 182, 365, 730, 1826};
	static const int64_t new_secs[NEW_WINDOWS] = {86400, 30 * 86400, 182 * 86400, 365 * 86400};
	for (size_t i = 0; i < set->n; i++) {
		const relay *r = &set->relays[i];
		int64_t age_s = (set->now - r->first_seen) / STRATA_NS_PER_SEC;
		int band = 0;
		while (band < AGE_BANDS - 1 && age_s >= band_days[band] * 86400)
			band++;
		h->age_band[band]++;
		for (int w = 0; w < NEW_WINDOWS; w++)
			h->new_relays[w] += age_s >= 0 && age_s < new_secs[w];
	}
}

static void uptime_percentiles(const relay_set *set, double *values, health *h)
{
	size_t n = 0;
	for (size_t i = 0; i < set->n; i++)
		if (set->relays[i].uptime[PERIOD_6M] != UPTIME_NONE)
			values[n++] = set->relays[i].uptime[PERIOD_6M];
	qsort(values, n, sizeof(double), cmp_double);
	static const double ps[7] = {5, 25, 50, 75, 90, 95, 99};
	h->uptime_relays = n;
	h->has_uptime_percentiles = n >= 10;
	for (int k = 0; k < 7; k++)
		h->uptime_percentile[k] = stats_percentile(values, n, ps[k]);
}

static void relay_counts(const relay_set *set, const relay_groups *g, health *h)
{
	for (size_t i = 0; i < set->n; i++) {
		const relay *r = &set->relays[i];
		h->ipv4 += r->has_ipv4;
		h->ipv6 += r->has_ipv6;
		h->dual_stack += r->has_ipv4 && r->has_ipv6;
		h->recommended_version += r->recommended_version;
		h->overloaded += relay_is_overloaded(r, set->now);
		h->hibernating += r->hibernating;
		h->aroi_relays += r->aroi_domain != NULL;
		h->aroi_checked += r->aroi_checked;
		h->aroi_valid += r->aroi_valid;
	}
	const group_table *t = &g->kind[GROUP_CONTACT];
	for (size_t i = 0; i < t->n; i++)
		h->aroi_operators += is_operator(set, &t->groups[i]);
}

static int by_share(const void *a, const void *b)
{
	const version_share *x = a, *y = b;
	if (x->relays != y->relays)
		return x->relays > y->relays ? -1 : 1;
	return strcmp(x->version, y->version);
}

/* The most used Tor versions, by relay count (ties by version). */
static int versions(const relay_set *set, health *h)
{
	strmap seen;
	strmap_init(&seen);
	version_share *all = calloc(set->n + 1, sizeof(version_share));
	if (!all)
		return strata_error_set(STRATA_ENOMEM, "statistics: out of memory");
	size_t n = 0;
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < set->n; i++) {
		const relay *r = &set->relays[i];
		if (!r->version[0])
			continue;
		long at = strmap_get(&seen, r->version);
		if (at < 0) {
			at = (long)n;
			snprintf(all[n++].version, sizeof(all[0].version), "%s", r->version);
			rc = strmap_put(&seen, r->version, (size_t)at);
		}
		all[at].relays++;
		all[at].recommended |= r->recommended_version;
	}
	if (rc == 0) {
		qsort(all, n, sizeof(version_share), by_share);
		h->distinct_versions = n;
		h->n_versions = n < TOP_VERSIONS ? n : TOP_VERSIONS;
		memcpy(h->versions, all, h->n_versions * sizeof(version_share));
	}
	free(all);
	strmap_free(&seen);
	return rc;
}

static void network_health(const relay_set *set, const relay_groups *g, double *values, health *h)
{
	memset(h, 0, sizeof(*h));
	for (int role = 0; role < 3; role++) {
		role_figures(set, role, 0, values, &h->role_bw_mean[role],
		             &h->role_bw_median[role]);
		role_figures(set, role, 1, values, &h->role_cw_mean[role],
		             &h->role_cw_median[role]);
	}
	concentration(g, GROUP_COUNTRY, values, h->country_cw_top);
	concentration(g, GROUP_AS, values, h->as_cw_top);
	ages(set, h);
	uptime_percentiles(set, values, h);
	relay_counts(set, g, h);
}

int stats_compute(const relay_set *set, const relay_groups *g, relay_stats *out)
{
	memset(out, 0, sizeof(*out));
	size_t n = set->n > g->kind[GROUP_CONTACT].n ? set->n : g->kind[GROUP_CONTACT].n;
	if (g->kind[GROUP_AS].n > n)
		n = g->kind[GROUP_AS].n;
	ranked *scratch = malloc((n + 1) * sizeof(ranked));
	double *values = malloc((n + 1) * sizeof(double));
	if (!scratch || !values) {
		free(scratch);
		free(values);
		return strata_error_set(STRATA_ENOMEM, "statistics: out of memory");
	}
	double as_cw[3];
	as_cw_thresholds(g, values, as_cw);
	for (int b = 0; b < LB_COUNT; b++)
		rank_board(b, set, g, as_cw, scratch, &out->boards[b]);
	network_health(set, g, values, &out->net);
	free(scratch);
	free(values);
	return versions(set, &out->net);
}
