/* groups.c - grouping relays and the per-group figures. */
#include "groups.h"

#include "strata/error.h"

#include <ctype.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const kind_dirs[GROUP_KIND_COUNT] = {"as",     "country",    "platform", "flag",
                                                        "family", "first_seen", "contact"};

const char *group_kind_dir(int kind)
{
	return kind >= 0 && kind < GROUP_KIND_COUNT ? kind_dirs[kind] : "";
}

int groups_valid_key(const char *s)
{
	size_t n = 0;
	for (; s[n]; n++)
		if (n >= 47 || !(isalnum((unsigned char)s[n]) || s[n] == '_' || s[n] == '-'))
			return 0;
	return n > 0;
}

int relay_is_overloaded(const relay *r, strata_time now)
{
	if (r->overload_ratelimits || r->overload_fd_exhausted)
		return 1;
	if (r->overload_general_ms < 0)
		return 0;
	strata_time t = (strata_time)r->overload_general_ms * 1000000;
	return t <= now && now - t < 72 * 3600 * STRATA_NS_PER_SEC;
}

int groups_relay_key(const relay *r, int kind, char out[48])
{
	out[0] = '\0';
	switch (kind) {
	case GROUP_AS:
		if (r->asn)
			snprintf(out, 48, "AS%u", (unsigned)r->asn);
		break;
	case GROUP_COUNTRY: snprintf(out, 48, "%s", r->country); break;
	case GROUP_PLATFORM:
		if (groups_valid_key(r->platform))
			snprintf(out, 48, "%s", r->platform);
		break;
	case GROUP_FIRST_SEEN: {
		strata_civil c;
		strata_time_to_civil(r->first_seen, &c);
		if (c.year >= 1000 && c.year <= 9999)
			snprintf(out, 48, "%04d-%02d-%02d", c.year, c.month, c.day);
		break;
	}
	case GROUP_CONTACT: snprintf(out, 48, "%s", r->contact_md5); break;
	default: break;
	}
	return 0;
}

/* The group with key in table t, created when new. */
static int group_of(group_table *t, const char *key, group **out)
{
	long at = strmap_get(&t->index, key);
	if (at < 0) {
		if (t->n == t->cap) {
			size_t cap = t->cap ? t->cap * 2 : 64;
			group *grown = realloc(t->groups, cap * sizeof(group));
			if (!grown)
				return strata_error_set(STRATA_ENOMEM, "groups: out of memory");
			t->groups = grown;
			t->cap = cap;
		}
		group *g = &t->groups[t->n];
		memset(g, 0, sizeof(*g));
		snprintf(g->key, sizeof(g->key), "%s", key);
		g->first_seen = INT64_MAX;
		int rc = strmap_put(&t->index, key, t->n);
		if (rc < 0)
			return rc;
		at = (long)t->n++;
	}
	*out = &t->groups[at];
	return 0;
}

/* Add relay i to group g and its additive figures. */
static int add_member(group *g, const relay_set *set, size_t i)
{
	const relay *r = &set->relays[i];
	if (g->n_members == g->cap_members) {
		size_t cap = g->cap_members ? g->cap_members * 2 : 4;
		size_t *grown = realloc(g->members, cap * sizeof(size_t));
		if (!grown)
			return strata_error_set(STRATA_ENOMEM, "groups: out of memory");
		g->members = grown;
		g->cap_members = cap;
	}
	g->members[g->n_members++] = i;
	g->bandwidth += r->observed_bandwidth;
	g->role_bandwidth[r->role] += r->observed_bandwidth;
	g->role_count[r->role]++;
	g->consensus_weight += r->consensus_weight;
	g->role_cw[r->role] += r->consensus_weight;
	g->cw_fraction += r->consensus_weight_fraction;
	g->measured_count += r->measured;
	g->running_count += r->running;
	g->exit_flag_count += (r->flags >> FLAG_EXIT) & 1u;
	g->guard_flag_count += (r->flags >> FLAG_GUARD) & 1u;
	g->ipv4_relays += r->has_ipv4;
	g->ipv6_relays += r->has_ipv6;
	g->validated_relays += r->aroi_valid;
	g->non_linux_relays += strcmp(r->platform, "Linux") != 0;
	g->overloaded += relay_is_overloaded(r, set->now);
	if (r->first_seen < g->first_seen)
		g->first_seen = r->first_seen;
	for (int p = 0; p < PERIOD_COUNT; p++) {
		g->read_mean_sum[p] += r->read_mean[p];
		g->data_total[p] += r->data_total[p];
	}
	return 0;
}

static int add_to(relay_groups *gs, const relay_set *set, int kind, const char *key, size_t i)
{
	group *g = NULL;
	int rc = group_of(&gs->kind[kind], key, &g);
	if (rc < 0 || !g)
		return rc < 0 ? rc : STRATA_ERR;
	return add_member(g, set, i);
}

/* MD5 hex of text (for family ids that collide). */
static void md5_hex(const char *text, char out[33])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;
	if (!EVP_Digest(text, strlen(text), md, &len, EVP_md5(), NULL) || len != 16)
		len = 0;
	out[0] = '\0';
	for (unsigned int i = 0; i < len; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

/* The family group of relay i: one per distinct effective family of more than
 * one member, keyed by its smallest member (an MD5 of all members when two
 * distinct families share it). */
static int add_family(relay_groups *gs, relay_set *set, strmap *by_members, size_t i)
{
	relay *r = &set->relays[i];
	if (r->n_family < 2)
		return 0;
	size_t len = r->n_family * 41 + 1;
	char *joined = malloc(len);
	if (!joined)
		return strata_error_set(STRATA_ENOMEM, "groups: out of memory");
	for (size_t k = 0; k < r->n_family; k++) {
		memcpy(joined + 41 * k, r->family[k], 40);
		joined[41 * k + 40] = ' ';
	}
	joined[41 * r->n_family] = '\0';
	group_table *t = &gs->kind[GROUP_FAMILY];
	long at = strmap_get(by_members, joined);
	int rc = 0;
	if (at < 0) {
		char key[48];
		snprintf(key, sizeof(key), "%s", r->family[0]);
		if (strmap_get(&t->index, key) >= 0)
			md5_hex(joined, key);
		group *g = NULL;
		rc = group_of(t, key, &g);
		at = strmap_get(&t->index, key);
		if (rc == 0)
			rc = strmap_put(by_members, joined, (size_t)at);
	}
	free(joined);
	if (rc == 0) {
		r->family_group = (int)at;
		rc = add_member(&t->groups[at], set, i);
	}
	return rc;
}

/* Place relay i in every group it belongs to. */
static int place_relay(relay_groups *gs, relay_set *set, strmap *by_members, size_t i)
{
	static const int single[] = {GROUP_AS, GROUP_COUNTRY, GROUP_PLATFORM, GROUP_FIRST_SEEN,
	                             GROUP_CONTACT};
	const relay *r = &set->relays[i];
	char key[48];
	int rc = 0;
	for (size_t k = 0; rc == 0 && k < sizeof(single) / sizeof(single[0]); k++) {
		groups_relay_key(r, single[k], key);
		if (key[0])
			rc = add_to(gs, set, single[k], key, i);
	}
	for (int f = 0; rc == 0 && f < FLAG_COUNT; f++)
		if (r->flags & (1u << f))
			rc = add_to(gs, set, GROUP_FLAG, relay_flag_key(f), i);
	return rc == 0 ? add_family(gs, set, by_members, i) : rc;
}

/* Count distinct values among members: what(r, buf) writes a value or "". */
typedef void (*value_fn)(const relay *r, const relay_set *set, size_t nth, char buf[80]);

static size_t count_distinct(const group *g, const relay_set *set, value_fn what, size_t per)
{
	strmap seen;
	strmap_init(&seen);
	char buf[80];
	for (size_t m = 0; m < g->n_members; m++) {
		for (size_t k = 0; k < per; k++) {
			buf[0] = '\0';
			what(&set->relays[g->members[m]], set, k, buf);
			if (buf[0] && strmap_get(&seen, buf) < 0 && strmap_put(&seen, buf, 0) < 0)
				break;
		}
	}
	size_t n = seen.n;
	strmap_free(&seen);
	return n;
}

static void v_as(const relay *r, const relay_set *s, size_t k, char b[80])
{
	if (r->asn)
		snprintf(b, 80, "%u", (unsigned)r->asn);
}

static void v_contact(const relay *r, const relay_set *s, size_t k, char b[80])
{
	snprintf(b, 80, "%s", r->contact_md5);
}

static void v_family(const relay *r, const relay_set *s, size_t k, char b[80])
{
	if (r->family_group >= 0)
		snprintf(b, 80, "%d", r->family_group);
}

static void v_aroi(const relay *r, const relay_set *s, size_t k, char b[80])
{
	if (r->aroi_domain)
		snprintf(b, 80, "%.79s", r->aroi_domain);
}

static void v_country(const relay *r, const relay_set *s, size_t k, char b[80])
{
	snprintf(b, 80, "%s", r->country);
}

static void v_platform(const relay *r, const relay_set *s, size_t k, char b[80])
{
	snprintf(b, 80, "%.79s", r->platform);
}

/* The k-th address of r without its port, when it is of the wanted family. */
static void address(const relay *r, size_t k, int want_v6, char b[80])
{
	if (k >= r->n_or_addresses)
		return;
	const char *a = r->or_addresses[k];
	int v6 = a[0] == '[';
	if (v6 != want_v6)
		return;
	const char *end = v6 ? strchr(a, ']') : strrchr(a, ':');
	size_t n = end ? (size_t)(end - a) : strlen(a);
	snprintf(b, 80, "%.*s", (int)(n < 79 ? n : 79), a);
}

static void v_ipv4(const relay *r, const relay_set *s, size_t k, char b[80])
{
	address(r, k, 0, b);
}

static void v_ipv6(const relay *r, const relay_set *s, size_t k, char b[80])
{
	address(r, k, 1, b);
}

/* Largest number of OR addresses among members (for the address counts). */
static size_t max_addresses(const group *g, const relay_set *set)
{
	size_t n = 0;
	for (size_t m = 0; m < g->n_members; m++)
		if (set->relays[g->members[m]].n_or_addresses > n)
			n = set->relays[g->members[m]].n_or_addresses;
	return n;
}

/* Means of the uptime figures over members that have one. */
static void uptime_means(group *g, const relay_set *set)
{
	for (int p = 0; p < PERIOD_COUNT; p++) {
		double sum = 0;
		size_t n = 0;
		for (size_t m = 0; m < g->n_members; m++) {
			double u = set->relays[g->members[m]].uptime[p];
			if (u != UPTIME_NONE) {
				sum += u;
				n++;
			}
		}
		g->uptime_mean[p] = n ? sum / (double)n : UPTIME_NONE;
	}
}

/* Figures that need every member: distinct counts, fractions, uptime. */
static void finish_group(group *g, const relay_set *set, const network_totals *t)
{
	g->unique_as = count_distinct(g, set, v_as, 1);
	g->unique_contacts = count_distinct(g, set, v_contact, 1);
	g->unique_families = count_distinct(g, set, v_family, 1);
	g->unique_aroi = count_distinct(g, set, v_aroi, 1);
	g->unique_countries = count_distinct(g, set, v_country, 1);
	g->unique_platforms = count_distinct(g, set, v_platform, 1);
	size_t per = max_addresses(g, set);
	g->unique_ipv4 = count_distinct(g, set, v_ipv4, per);
	g->unique_ipv6 = count_distinct(g, set, v_ipv6, per);
	if (g->cw_fraction == 0.0 && g->consensus_weight > 0 && t->consensus_weight > 0)
		g->cw_fraction = (double)g->consensus_weight / (double)t->consensus_weight;
	for (int role = 0; role < 3; role++)
		g->role_cw_fraction[role] =
		    t->role_cw[role] > 0 ? (double)g->role_cw[role] / (double)t->role_cw[role]
		                         : 0.0;
	uptime_means(g, set);
}

static void network(const relay_set *set, network_totals *t)
{
	memset(t, 0, sizeof(*t));
	t->relays = set->n;
	for (size_t i = 0; i < set->n; i++) {
		const relay *r = &set->relays[i];
		t->role_count[r->role]++;
		t->measured += r->measured;
		t->bandwidth += r->observed_bandwidth;
		t->role_bandwidth[r->role] += r->observed_bandwidth;
		t->consensus_weight += r->consensus_weight;
		t->role_cw[r->role] += r->consensus_weight;
		for (int f = 0; f < FLAG_COUNT; f++)
			t->flag_count[f] += (r->flags >> f) & 1u;
	}
}

int groups_build(relay_set *set, relay_groups *out)
{
	memset(out, 0, sizeof(*out));
	for (int k = 0; k < GROUP_KIND_COUNT; k++)
		strmap_init(&out->kind[k].index);
	network(set, &out->totals);
	strmap by_members;
	strmap_init(&by_members);
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < set->n; i++)
		rc = place_relay(out, set, &by_members, i);
	strmap_free(&by_members);
	for (int k = 0; rc == 0 && k < GROUP_KIND_COUNT; k++)
		for (size_t i = 0; i < out->kind[k].n; i++)
			finish_group(&out->kind[k].groups[i], set, &out->totals);
	if (rc < 0)
		groups_free(out);
	return rc;
}

void groups_free(relay_groups *g)
{
	for (int k = 0; k < GROUP_KIND_COUNT; k++) {
		group_table *t = &g->kind[k];
		for (size_t i = 0; i < t->n; i++)
			free(t->groups[i].members);
		free(t->groups);
		strmap_free(&t->index);
	}
	memset(g, 0, sizeof(*g));
}

const group *groups_find(const relay_groups *g, int kind, const char *key)
{
	if (kind < 0 || kind >= GROUP_KIND_COUNT)
		return NULL;
	long at = strmap_get(&g->kind[kind].index, key);
	return at < 0 ? NULL : &g->kind[kind].groups[at];
}
