/* model.c - the relay set and the rules applied to every relay. */
#include "model.h"
#include "strmap.h"

#include "strata/error.h"

#include <ctype.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const flag_names[FLAG_COUNT] = {
    "Authority",     "BadExit", "Exit",   "Fast",      "Guard", "HSDir", "MiddleOnly",
    "NoEdConsensus", "Running", "Stable", "StaleDesc", "Sybil", "V2Dir", "Valid"};
static const char *const flag_keys[FLAG_COUNT] = {
    "authority",     "badexit", "exit",   "fast",      "guard", "hsdir", "middleonly",
    "noedconsensus", "running", "stable", "staledesc", "sybil", "v2dir", "valid"};
static const char *const period_keys[PERIOD_COUNT] = {"1_month", "6_months", "1_year", "5_years"};
static const char *const upflag_names[UPFLAG_COUNT] = {"Running", "Guard",  "Exit",
                                                       "Fast",    "Stable", "HSDir"};

const char *relay_flag_name(int flag)
{
	return flag >= 0 && flag < FLAG_COUNT ? flag_names[flag] : "";
}

const char *relay_flag_key(int flag)
{
	return flag >= 0 && flag < FLAG_COUNT ? flag_keys[flag] : "";
}

int relay_flag_from_name(const char *name)
{
	for (int i = 0; i < FLAG_COUNT; i++)
		if (!strcmp(name, flag_names[i]))
			return i;
	return -1;
}

const char *relay_period_key(int period)
{
	return period >= 0 && period < PERIOD_COUNT ? period_keys[period] : "";
}

int relay_period_from_key(const char *key)
{
	for (int i = 0; i < PERIOD_COUNT; i++)
		if (!strcmp(key, period_keys[i]))
			return i;
	return -1;
}

int relay_upflag_from_name(const char *name)
{
	for (int i = 0; i < UPFLAG_COUNT; i++)
		if (!strcmp(name, upflag_names[i]))
			return i;
	return -1;
}

const char *relay_upflag_name(int upflag)
{
	return upflag >= 0 && upflag < UPFLAG_COUNT ? upflag_names[upflag] : "";
}

void relay_set_init(relay_set *set, strata_time now, int filter_downtime_days)
{
	memset(set, 0, sizeof(*set));
	set->now = now;
	set->filter_downtime_days = filter_downtime_days;
}

static void free_list(char **list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(list[i]);
	free(list);
}

void relay_free_fields(relay *r)
{
	free(r->nickname);
	free(r->contact);
	free(r->platform_raw);
	free(r->platform);
	free(r->version);
	free(r->version_status);
	free(r->country_name);
	free(r->as_name);
	free(r->aroi_domain);
	free_list(r->or_addresses, r->n_or_addresses);
	free_list(r->family, r->n_family);
	free_list(r->exit_policy, r->n_exit_policy);
	memset(r, 0, sizeof(*r));
}

static void free_index(relay_set *set)
{
	if (set->fp_index) {
		strmap_free(set->fp_index);
		free(set->fp_index);
		set->fp_index = NULL;
	}
}

void relay_set_free(relay_set *set)
{
	for (size_t i = 0; i < set->n; i++)
		relay_free_fields(&set->relays[i]);
	free(set->relays);
	for (size_t i = 0; i < set->n_skipped; i++) {
		free(set->skipped[i].id);
		free(set->skipped[i].reason);
	}
	free(set->skipped);
	free_index(set);
	memset(set, 0, sizeof(*set));
}

static strmap *index_of(relay_set *set)
{
	if (!set->fp_index) {
		set->fp_index = calloc(1, sizeof(strmap));
		if (set->fp_index)
			strmap_init(set->fp_index);
	}
	return set->fp_index;
}

int relay_set_add(relay_set *set, relay *r)
{
	strmap *idx = index_of(set);
	if (!idx)
		return strata_error_set(STRATA_ENOMEM, "relays: out of memory");
	if (strmap_get(idx, r->fingerprint) >= 0)
		return strata_error_set(STRATA_EEXIST, "duplicate fingerprint");
	if (set->n == set->cap) {
		size_t cap = set->cap ? set->cap * 2 : 1024;
		relay *grown = realloc(set->relays, cap * sizeof(relay));
		if (!grown)
			return strata_error_set(STRATA_ENOMEM, "relays: out of memory");
		set->relays = grown;
		set->cap = cap;
	}
	int rc = strmap_put(idx, r->fingerprint, set->n);
	if (rc < 0)
		return rc;
	set->relays[set->n++] = *r;
	memset(r, 0, sizeof(*r));
	return 0;
}

int relay_set_skip(relay_set *set, size_t input_index, const char *id, const char *reason)
{
	if (set->n_skipped == set->cap_skipped) {
		size_t cap = set->cap_skipped ? set->cap_skipped * 2 : 16;
		relay_skip *grown = realloc(set->skipped, cap * sizeof(relay_skip));
		if (!grown)
			return strata_error_set(STRATA_ENOMEM, "relays: out of memory");
		set->skipped = grown;
		set->cap_skipped = cap;
	}
	relay_skip *s = &set->skipped[set->n_skipped];
	s->input_index = input_index;
	s->id = strdup(id ? id : "");
	s->reason = strdup(reason ? reason : "");
	if (!s->id || !s->reason) {
		free(s->id);
		free(s->reason);
		return strata_error_set(STRATA_ENOMEM, "relays: out of memory");
	}
	set->n_skipped++;
	return 0;
}

long relay_set_find(const relay_set *set, const char *fp)
{
	if (!set->fp_index || !relay_is_fingerprint(fp))
		return -1;
	char upper[41];
	for (int i = 0; i < 40; i++)
		upper[i] = (char)toupper((unsigned char)fp[i]);
	upper[40] = '\0';
	return strmap_get(set->fp_index, upper);
}

int relay_is_fingerprint(const char *s)
{
	size_t i = 0;
	for (; s[i]; i++)
		if (i >= 40 || !isxdigit((unsigned char)s[i]))
			return 0;
	return i == 40;
}

int relay_keep(int running, strata_time last_seen, strata_time now, int days)
{
	if (running || days <= 0)
		return 1;
	return last_seen >= now - (strata_time)days * STRATA_NS_PER_DAY;
}

int relay_trim_platform(const char *platform, char **out)
{
	const char *on = strstr(platform, " on ");
	const char *start = platform, *end = platform + strlen(platform);
	if (on) {
		start = on + 4;
		end = strchr(start, ' ');
		if (!end)
			end = start + strlen(start);
		for (const char *p = start; p < end; p++)
			if (*p == '/')
				start = p + 1;
	}
	*out = strndup(start, (size_t)(end - start));
	return *out ? 0 : strata_error_set(STRATA_ENOMEM, "platform: out of memory");
}

/* Python's \w on a byte: ASCII letters, digits, '_' and any non-ASCII byte
 * (non-ASCII letters are word characters there). */
static int is_word(unsigned char c)
{
	return isalnum(c) || c == '_' || c >= 0x80;
}

static int is_space(unsigned char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1c && c <= 0x1f);
}

/* Where `word` occurs case-insensitively at a word boundary in s, or NULL. */
static const char *find_word(const char *s, const char *word)
{
	size_t n = strlen(word);
	for (const char *p = s; *p; p++) {
		if (p > s && is_word((unsigned char)p[-1]))
			continue;
		if (strncasecmp(p, word, n) == 0)
			return p;
	}
	return NULL;
}

/* `ciissversion:2` or `proof:dns-rsa|uri-rsa`, each ending at a boundary. */
static int has_token(const char *s, const char *token)
{
	size_t n = strlen(token);
	for (const char *p = s; (p = find_word(p, token)) != NULL; p++)
		if (!is_word((unsigned char)p[n]))
			return 1;
	return 0;
}

/* The url: value (scheme, "www." and path removed), or NULL. */
static char *url_domain(const char *contact)
{
	const char *p = find_word(contact, "url:");
	for (; p; p = find_word(p + 1, "url:")) {
		const char *v = p + 4;
		if (!strncasecmp(v, "https://", 8))
			v += 8;
		else if (!strncasecmp(v, "http://", 7))
			v += 7;
		size_t len = 0;
		while (v[len] && v[len] != ',' && !is_space((unsigned char)v[len]))
			len++;
		if (len == 0)
			continue;
		char *d = strndup(v, len), *scheme = d ? strstr(d, "://") : NULL;
		if (scheme)
			memmove(d, scheme + 3, strlen(scheme + 3) + 1);
		if (d && !strncmp(d, "www.", 4))
			memmove(d, d + 4, strlen(d + 4) + 1);
		char *slash = d ? strchr(d, '/') : NULL;
		if (slash)
			*slash = '\0';
		return d;
	}
	return NULL;
}

int relay_aroi_domain(const char *contact, char **out)
{
	*out = NULL;
	if (!contact || !*contact)
		return 0;
	if (!has_token(contact, "ciissversion:2"))
		return 0;
	if (!has_token(contact, "proof:dns-rsa") && !has_token(contact, "proof:uri-rsa"))
		return 0;
	if (!find_word(contact, "url:"))
		return 0;
	*out = url_domain(contact);
	if (!*out)
		return 0;
	return 0;
}

int relay_contact_key(const char *contact, const char *domain, char out[33])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	char *text = NULL;
	const char *input = contact ? contact : "";
	if (domain) {
		size_t n = strlen(domain) + 13;
		text = malloc(n);
		if (!text)
			return strata_error_set(STRATA_ENOMEM, "contact key: out of memory");
		snprintf(text, n, "aroi_domain:%s", domain);
		input = text;
	}
	int ok = EVP_Digest(input, strlen(input), md, &mdlen, EVP_md5(), NULL);
	free(text);
	if (!ok || mdlen != 16)
		return strata_error_set(STRATA_ERR, "contact key: MD5 failed");
	for (unsigned int i = 0; i < 16; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
	return 0;
}

static int by_bandwidth(const void *a, const void *b)
{
	const relay *x = a, *y = b;
	if (x->observed_bandwidth != y->observed_bandwidth)
		return x->observed_bandwidth > y->observed_bandwidth ? -1 : 1;
	return x->input_index < y->input_index ? -1 : (x->input_index > y->input_index);
}

void relay_sort_by_bandwidth(relay *relays, size_t n)
{
	if (n > 1)
		qsort(relays, n, sizeof(relay), by_bandwidth);
}

/* Drop relays the downtime rule rejects, keeping order. */
static void apply_keep_rule(relay_set *set)
{
	size_t kept = 0;
	for (size_t i = 0; i < set->n; i++) {
		relay *r = &set->relays[i];
		if (relay_keep(r->running, r->last_seen, set->now, set->filter_downtime_days)) {
			if (kept != i)
				set->relays[kept] = *r;
			kept++;
		} else {
			relay_free_fields(r);
			set->n_filtered++;
		}
	}
	set->n = kept;
}

/* Platform, AROI domain, contact key and role of one relay. */
static int derive(relay *r)
{
	int rc = relay_trim_platform(r->platform_raw, &r->platform);
	if (rc == 0)
		rc = relay_aroi_domain(r->contact, &r->aroi_domain);
	if (rc == 0 && r->aroi_domain && !r->aroi_domain[0]) {
		free(r->aroi_domain);
		r->aroi_domain = NULL;
	}
	if (rc == 0)
		rc = relay_contact_key(r->contact, r->aroi_domain, r->contact_md5);
	r->role = (r->flags & (1u << FLAG_EXIT))    ? ROLE_EXIT
	          : (r->flags & (1u << FLAG_GUARD)) ? ROLE_GUARD
	                                            : ROLE_MIDDLE;
	r->family_group = -1;
	return rc;
}

static int rebuild_index(relay_set *set)
{
	free_index(set);
	strmap *idx = index_of(set);
	if (!idx)
		return strata_error_set(STRATA_ENOMEM, "relays: out of memory");
	for (size_t i = 0; i < set->n; i++) {
		int rc = strmap_put(idx, set->relays[i].fingerprint, i);
		if (rc < 0)
			return rc;
	}
	return 0;
}

int relay_set_finish(relay_set *set)
{
	apply_keep_rule(set);
	relay_sort_by_bandwidth(set->relays, set->n);
	for (size_t i = 0; i < set->n; i++) {
		int rc = derive(&set->relays[i]);
		if (rc < 0)
			return rc;
	}
	return rebuild_index(set);
}
