/* onionoo.c - streaming readers of the Onionoo details, uptime, bandwidth
 * and AROI documents, on top of jstream (yajl). */
#include "onionoo.h"
#include "jstream.h"

#include "strata/error.h"
#include "strata/time.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FIELD_MAX_BYTES 65536 /* longest string accepted in a relay field */
#define LIST_MAX_ITEMS  10000 /* longest list accepted in a relay field */

/* Whether the event is inside the relays array's element at depth 2, at a
 * field level (depth 3) or deeper. */
static int in_relays(const jstream_path *p)
{
	return p->depth >= 2 && !strcmp(jstream_key(p, 1), "relays") && p->is_array[2];
}

/* ------------------------------------------------------------------------ */
/* details                                                                  */

typedef struct details_ctx {
	relay_set *set;
	relay cur;
	int in_relay, seen_relays_array, root_checked;
	size_t index;
	char reason[200];
	char id[64];
	unsigned have; /* HAVE_* bits */
} details_ctx;

enum { HAVE_FP = 1, HAVE_NICK = 2, HAVE_FIRST = 4, HAVE_LAST = 8, HAVE_RUNNING = 16 };

/* Remember the first problem of the current relay. */
static void bad(details_ctx *c, const char *field, const char *what)
{
	if (!c->reason[0])
		snprintf(c->reason, sizeof(c->reason), "%s: %s", field, what);
}

static const char *type_name(jstream_event ev)
{
	switch (ev) {
	case JS_NULL: return "null";
	case JS_BOOL: return "a boolean";
	case JS_NUMBER: return "a number";
	case JS_STRING: return "a string";
	case JS_START_MAP: return "an object";
	case JS_START_ARRAY: return "an array";
	default: return "something else";
	}
}

static void wrong_type(details_ctx *c, const char *field, const char *want, jstream_event ev)
{
	char what[80];
	snprintf(what, sizeof(what), "expected %s, got %s", want, type_name(ev));
	bad(c, field, what);
}

/* Copy a string field (replacing an earlier value). */
static void set_string(details_ctx *c, char **slot, const char *field, const jstream_value *v)
{
	if (v->len > FIELD_MAX_BYTES) {
		bad(c, field, "longer than 65536 bytes");
		return;
	}
	free(*slot);
	*slot = strndup(v->string, v->len);
	if (!*slot)
		bad(c, field, "out of memory");
}

static void set_time(details_ctx *c, strata_time *slot, const char *field, const jstream_value *v)
{
	if (strata_time_parse_iso8601(v->string, slot) < 0)
		bad(c, field, "expected a timestamp \"YYYY-MM-DD hh:mm:ss\"");
}

static void set_count(details_ctx *c, int64_t *slot, const char *field, jstream_event ev,
                      const jstream_value *v)
{
	if (ev != JS_NUMBER || !v->is_integer || v->integer < 0)
		wrong_type(c, field, "a non-negative integer", ev);
	else
		*slot = v->integer;
}

static void set_fraction(details_ctx *c, double *slot, const char *field, jstream_event ev,
                         const jstream_value *v)
{
	if (ev != JS_NUMBER || !(v->number >= 0.0 && v->number <= 1.0))
		wrong_type(c, field, "a number from 0 to 1", ev);
	else
		*slot = v->number;
}

/* "AS1234" -> 1234; 0 when malformed. */
static uint32_t parse_asn(const char *s)
{
	if (strncasecmp(s, "AS", 2) != 0 || !s[2] || strlen(s) > 12)
		return 0;
	unsigned long long n = 0;
	for (const char *p = s + 2; *p; p++) {
		if (!isdigit((unsigned char)*p))
			return 0;
		n = n * 10 + (unsigned)(*p - '0');
	}
	return n > 0 && n <= 4294967295ULL ? (uint32_t)n : 0;
}

static void set_country(details_ctx *c, const jstream_value *v)
{
	if (v->len != 2 || !isalpha((unsigned char)v->string[0]) ||
	    !isalpha((unsigned char)v->string[1])) {
		bad(c, "country", "expected a two-letter code");
		return;
	}
	c->cur.country[0] = (char)toupper((unsigned char)v->string[0]);
	c->cur.country[1] = (char)toupper((unsigned char)v->string[1]);
	c->cur.country[2] = '\0';
}

/* String-valued fields. Returns 1 when the key was one of them. */
static int string_field(details_ctx *c, const char *k, const jstream_value *v)
{
	relay *r = &c->cur;
	if (!strcmp(k, "fingerprint")) {
		snprintf(c->id, sizeof(c->id), "%.*s", (int)(v->len < 63 ? v->len : 63), v->string);
		if (v->len != 40 || !relay_is_fingerprint(v->string)) {
			bad(c, k, "expected 40 hexadecimal digits");
			return 1;
		}
		for (int i = 0; i < 40; i++)
			r->fingerprint[i] = (char)toupper((unsigned char)v->string[i]);
		c->have |= HAVE_FP;
	} else if (!strcmp(k, "nickname")) {
		set_string(c, &r->nickname, k, v);
		c->have |= HAVE_NICK;
		if (!c->id[0])
			snprintf(c->id, sizeof(c->id), "%.*s", (int)(v->len < 63 ? v->len : 63),
			         v->string);
	} else if (!strcmp(k, "contact")) {
		set_string(c, &r->contact, k, v);
	} else if (!strcmp(k, "platform")) {
		set_string(c, &r->platform_raw, k, v);
	} else if (!strcmp(k, "version")) {
		set_string(c, &r->version, k, v);
	} else if (!strcmp(k, "version_status")) {
		set_string(c, &r->version_status, k, v);
	} else if (!strcmp(k, "country_name")) {
		set_string(c, &r->country_name, k, v);
	} else if (!strcmp(k, "as_name")) {
		set_string(c, &r->as_name, k, v);
	} else if (!strcmp(k, "country")) {
		set_country(c, v);
	} else if (!strcmp(k, "as")) {
		r->asn = parse_asn(v->string);
		if (!r->asn)
			bad(c, k, "expected \"AS\" and a number");
	} else if (!strcmp(k, "first_seen")) {
		set_time(c, &r->first_seen, k, v);
		c->have |= HAVE_FIRST;
	} else if (!strcmp(k, "last_seen")) {
		set_time(c, &r->last_seen, k, v);
		c->have |= HAVE_LAST;
	} else if (!strcmp(k, "last_restarted")) {
		set_time(c, &r->last_restarted, k, v);
	} else {
		return 0;
	}
	return 1;
}

/* Fields whose value must be a string: a different type is a problem. */
static int wants_string(const char *k)
{
	static const char *const keys[] = {
	    "fingerprint",    "nickname",     "contact",       "platform", "version",
	    "version_status", "country_name", "as_name",       "country",  "as",
	    "first_seen",     "last_seen",    "last_restarted"};
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (!strcmp(k, keys[i]))
			return 1;
	return 0;
}

static void bool_field(details_ctx *c, const char *k, jstream_event ev, const jstream_value *v)
{
	relay *r = &c->cur;
	static const char *const keys[] = {"running", "measured", "recommended_version",
	                                   "hibernating"};
	size_t i = 0;
	for (; i < 4 && strcmp(k, keys[i]) != 0; i++)
		;
	if (i == 4)
		return;
	if (ev != JS_BOOL) {
		wrong_type(c, k, "a boolean", ev);
		return;
	}
	unsigned b = v->boolean ? 1 : 0;
	if (i == 0) {
		r->running = b;
		c->have |= HAVE_RUNNING;
	} else if (i == 1) {
		r->measured = b;
	} else if (i == 2) {
		r->recommended_version = b;
	} else {
		r->hibernating = b;
	}
}

static void number_field(details_ctx *c, const char *k, jstream_event ev, const jstream_value *v)
{
	relay *r = &c->cur;
	if (!strcmp(k, "observed_bandwidth"))
		set_count(c, &r->observed_bandwidth, k, ev, v);
	else if (!strcmp(k, "advertised_bandwidth"))
		set_count(c, &r->advertised_bandwidth, k, ev, v);
	else if (!strcmp(k, "consensus_weight"))
		set_count(c, &r->consensus_weight, k, ev, v);
	else if (!strcmp(k, "consensus_weight_fraction"))
		set_fraction(c, &r->consensus_weight_fraction, k, ev, v);
	else if (!strcmp(k, "guard_probability"))
		set_fraction(c, &r->guard_probability, k, ev, v);
	else if (!strcmp(k, "middle_probability"))
		set_fraction(c, &r->middle_probability, k, ev, v);
	else if (!strcmp(k, "exit_probability"))
		set_fraction(c, &r->exit_probability, k, ev, v);
	else if (!strcmp(k, "overload_general_timestamp"))
		set_count(c, &r->overload_general_ms, k, ev, v);
	else
		bool_field(c, k, ev, v);
}

static int is_list_field(const char *k)
{
	return !strcmp(k, "flags") || !strcmp(k, "or_addresses") || !strcmp(k, "exit_policy") ||
	       !strcmp(k, "effective_family");
}

/* Fields whose value must be a number or a boolean. */
static int wants_scalar(const char *k)
{
	static const char *const keys[] = {"observed_bandwidth",
	                                   "advertised_bandwidth",
	                                   "consensus_weight",
	                                   "consensus_weight_fraction",
	                                   "guard_probability",
	                                   "middle_probability",
	                                   "exit_probability",
	                                   "overload_general_timestamp",
	                                   "running",
	                                   "measured",
	                                   "recommended_version",
	                                   "hibernating"};
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (!strcmp(k, keys[i]))
			return 1;
	return 0;
}

/* A map or array at field level where the field wants something else. */
static void relay_container(details_ctx *c, const char *k, jstream_event ev)
{
	if (wants_string(k))
		wrong_type(c, k, "a string", ev);
	else if (wants_scalar(k))
		wrong_type(c, k, "a number or boolean", ev);
	else if (ev == JS_START_MAP && is_list_field(k))
		wrong_type(c, k, "an array of strings", ev);
}

/* A scalar at field level. */
static void relay_field(details_ctx *c, const char *k, jstream_event ev, const jstream_value *v)
{
	if (ev == JS_STRING && string_field(c, k, v))
		return;
	if (is_list_field(k)) {
		if (ev != JS_NULL)
			wrong_type(c, k, "an array of strings", ev);
		return;
	}
	if (wants_string(k)) {
		if (ev != JS_NULL || !strcmp(k, "fingerprint") || !strcmp(k, "nickname"))
			wrong_type(c, k, "a string", ev);
		return; /* null optional strings count as absent */
	}
	number_field(c, k, ev, v);
}

static int push(char ***list, size_t *n, const char *s)
{
	if (*n >= LIST_MAX_ITEMS)
		return -1;
	char **grown = realloc(*list, (*n + 1) * sizeof(char *));
	if (!grown)
		return -1;
	*list = grown;
	grown[*n] = strdup(s);
	if (!grown[*n])
		return -1;
	(*n)++;
	return 0;
}

/* An item of a list field (depth 4). */
static void list_item(details_ctx *c, const char *k, jstream_event ev, const jstream_value *v)
{
	relay *r = &c->cur;
	char what[64];
	snprintf(what, sizeof(what), "%s[]", k);
	if (ev != JS_STRING) {
		wrong_type(c, what, "a string", ev);
		return;
	}
	if (v->len > FIELD_MAX_BYTES) {
		bad(c, what, "longer than 65536 bytes");
		return;
	}
	int rc = 0;
	if (!strcmp(k, "flags")) {
		int f = relay_flag_from_name(v->string);
		if (f >= 0)
			r->flags |= 1u << f;
	} else if (!strcmp(k, "or_addresses")) {
		rc = push(&r->or_addresses, &r->n_or_addresses, v->string);
		if (v->string[0] == '[')
			r->has_ipv6 = 1;
		else
			r->has_ipv4 = 1;
	} else if (!strcmp(k, "exit_policy")) {
		rc = push(&r->exit_policy, &r->n_exit_policy, v->string);
	} else if (!strcmp(k, "effective_family")) {
		const char *fp = v->string[0] == '$' ? v->string + 1 : v->string;
		if (relay_is_fingerprint(fp))
			rc = push(&r->family, &r->n_family, fp);
	}
	if (rc < 0)
		bad(c, what, "too many items or out of memory");
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Upper-case, add the relay itself, sort and deduplicate its family. */
static int normalise_family(relay *r)
{
	if (r->n_family == 0)
		return 0;
	for (size_t i = 0; i < r->n_family; i++)
		for (char *p = r->family[i]; *p; p++)
			*p = (char)toupper((unsigned char)*p);
	if (push(&r->family, &r->n_family, r->fingerprint) < 0)
		return -1;
	qsort(r->family, r->n_family, sizeof(char *), cmp_str);
	size_t out = 0;
	for (size_t i = 0; i < r->n_family; i++) {
		if (out > 0 && !strcmp(r->family[out - 1], r->family[i]))
			free(r->family[i]);
		else
			r->family[out++] = r->family[i];
	}
	r->n_family = out;
	return 0;
}

/* Fill defaults the published document may omit. */
static int complete_relay(details_ctx *c)
{
	relay *r = &c->cur;
	static const unsigned required[] = {HAVE_FP, HAVE_NICK, HAVE_FIRST, HAVE_LAST,
	                                    HAVE_RUNNING};
	static const char *const names[] = {"fingerprint", "nickname", "first_seen", "last_seen",
	                                    "running"};
	for (size_t i = 0; i < 5; i++)
		if (!(c->have & required[i]))
			bad(c, names[i], "missing");
	char **strings[] = {&r->contact,        &r->platform_raw, &r->version,
	                    &r->version_status, &r->country_name, &r->as_name};
	for (size_t i = 0; i < sizeof(strings) / sizeof(strings[0]); i++)
		if (!*strings[i] && !(*strings[i] = strdup("")))
			return -1;
	return normalise_family(r);
}

static void begin_relay(details_ctx *c)
{
	memset(&c->cur, 0, sizeof(c->cur));
	c->cur.overload_general_ms = -1;
	c->cur.input_index = c->index;
	for (int p = 0; p < PERIOD_COUNT; p++) {
		c->cur.uptime[p] = UPTIME_NONE;
		for (int f = 0; f < UPFLAG_COUNT; f++)
			c->cur.flag_uptime[f][p] = UPTIME_NONE;
	}
	c->reason[0] = '\0';
	c->id[0] = '\0';
	c->have = 0;
	c->in_relay = 1;
}

static int end_relay(details_ctx *c)
{
	int rc = 0;
	c->in_relay = 0;
	if (complete_relay(c) < 0)
		bad(c, "relay", "out of memory");
	if (!c->reason[0]) {
		rc = relay_set_add(c->set, &c->cur);
		if (rc == STRATA_EEXIST) {
			bad(c, "fingerprint", "duplicate of an earlier relay");
			rc = 0;
		}
	}
	if (c->reason[0])
		rc = relay_set_skip(c->set, c->index, c->id[0] ? c->id : "?", c->reason);
	relay_free_fields(&c->cur);
	c->index++;
	c->set->n_input++;
	return rc;
}

/* Events at or below a relay element. */
static int details_relay_event(details_ctx *c, jstream_event ev, const jstream_path *p,
                               const jstream_value *v)
{
	if (p->depth == 2) {
		if (ev == JS_START_MAP) {
			begin_relay(c);
		} else if (ev == JS_END_MAP) {
			return end_relay(c);
		} else if (ev != JS_END_ARRAY) {
			char idx[24];
			snprintf(idx, sizeof(idx), "#%zu", c->index);
			int rc = relay_set_skip(c->set, c->index++, idx, "relay: not an object");
			c->set->n_input++;
			return rc;
		}
		return 0;
	}
	if (!c->in_relay)
		return 0;
	const char *k = jstream_key(p, 3);
	if (p->depth == 3) {
		if (ev == JS_START_ARRAY || ev == JS_START_MAP)
			relay_container(c, k, ev);
		else if (ev != JS_START_ARRAY && ev != JS_START_MAP && ev != JS_END_ARRAY &&
		         ev != JS_END_MAP)
			relay_field(c, k, ev, v);
	} else if (p->depth == 4 && p->is_array[4] && is_list_field(k) && ev != JS_END_MAP &&
	           ev != JS_END_ARRAY) {
		list_item(c, k, ev, v);
	}
	return 0;
}

static int details_event(void *ctx, jstream_event ev, const jstream_path *p, const jstream_value *v)
{
	details_ctx *c = ctx;
	if (p->depth == 0 && ev == JS_START_MAP)
		c->root_checked = 1;
	if (p->depth == 0 && ev != JS_START_MAP && ev != JS_END_MAP)
		return strata_error_set(STRATA_EPARSE, "not an Onionoo document (no top object)");
	if (p->depth == 1 && !strcmp(jstream_key(p, 1), "relays")) {
		if (ev == JS_START_ARRAY)
			c->seen_relays_array = 1;
		else if (ev != JS_END_ARRAY)
			return strata_error_set(STRATA_EPARSE, "relays: expected an array");
		return 0;
	}
	if (p->depth == 1 && ev == JS_STRING && !strcmp(jstream_key(p, 1), "relays_published"))
		snprintf(c->set->published, sizeof(c->set->published), "%s", v->string);
	if (in_relays(p))
		return details_relay_event(c, ev, p, v);
	return 0;
}

static int details_done(details_ctx *c, const char *name, int rc)
{
	if (c->in_relay)
		relay_free_fields(&c->cur);
	if (rc == 0 && !c->seen_relays_array)
		rc = strata_error_set(STRATA_EPARSE,
		                      "%s: not an Onionoo details document (no "
		                      "\"relays\" array)",
		                      name);
	return rc;
}

int onionoo_load_details(relay_set *set, const char *path)
{
	details_ctx c = {0};
	c.set = set;
	int rc = jstream_parse_file(path, details_event, &c, NULL);
	return details_done(&c, path, rc);
}

int onionoo_details_buffer(relay_set *set, const char *name, const char *data, size_t len)
{
	details_ctx c = {0};
	c.set = set;
	int rc = jstream_parse_buffer(name, data, len, details_event, &c);
	return details_done(&c, name, rc);
}

/* ------------------------------------------------------------------------ */
/* uptime                                                                   */

double onionoo_uptime_percent(double sum, size_t count)
{
	if (count < 30)
		return UPTIME_NONE;
	double pct = sum / (double)count * (100.0 / 999.0);
	return pct <= 1.0 ? 0.0 : pct;
}

typedef struct sum_count {
	double sum;
	size_t count;
} sum_count;

typedef struct uptime_ctx {
	relay_set *set;
	char fp[41];
	sum_count all[PERIOD_COUNT];
	sum_count flag[UPFLAG_COUNT][PERIOD_COUNT];
	sum_count *target; /* accumulator of the values array being read */
	int target_depth;  /* depth of its points */
} uptime_ctx;

static void uptime_relay_end(uptime_ctx *c)
{
	long i = relay_set_find(c->set, c->fp);
	if (i >= 0) {
		relay *r = &c->set->relays[i];
		r->has_uptime = 1;
		for (int p = 0; p < PERIOD_COUNT; p++) {
			r->uptime[p] = onionoo_uptime_percent(c->all[p].sum, c->all[p].count);
			for (int f = 0; f < UPFLAG_COUNT; f++)
				r->flag_uptime[f][p] =
				    onionoo_uptime_percent(c->flag[f][p].sum, c->flag[f][p].count);
		}
	}
	memset(c->all, 0, sizeof(c->all));
	memset(c->flag, 0, sizeof(c->flag));
	c->fp[0] = '\0';
}

/* The accumulator for a values array starting at p: uptime/<period>/values
 * or flags/<flag>/<period>/values; NULL for anything else. */
static sum_count *uptime_target(uptime_ctx *c, const jstream_path *p)
{
	const char *k3 = jstream_key(p, 3);
	if (p->depth == 5 && !strcmp(k3, "uptime") && !strcmp(jstream_key(p, 5), "values")) {
		int period = relay_period_from_key(jstream_key(p, 4));
		return period >= 0 ? &c->all[period] : NULL;
	}
	if (p->depth == 6 && !strcmp(k3, "flags") && !strcmp(jstream_key(p, 6), "values")) {
		int f = relay_upflag_from_name(jstream_key(p, 4));
		int period = relay_period_from_key(jstream_key(p, 5));
		return f >= 0 && period >= 0 ? &c->flag[f][period] : NULL;
	}
	return NULL;
}

static int uptime_event(void *ctx, jstream_event ev, const jstream_path *p, const jstream_value *v)
{
	uptime_ctx *c = ctx;
	if (c->target && p->depth == c->target_depth) {
		if (ev == JS_NUMBER && v->number >= 0.0 && v->number <= 999.0) {
			c->target->sum += v->number;
			c->target->count++;
		}
		return 0;
	}
	if (ev == JS_END_ARRAY)
		c->target = NULL;
	if (!in_relays(p))
		return 0;
	if (ev == JS_START_ARRAY) {
		c->target = uptime_target(c, p);
		c->target_depth = p->depth + 1;
	} else if (p->depth == 2 && ev == JS_END_MAP) {
		uptime_relay_end(c);
	} else if (p->depth == 3 && ev == JS_STRING && !strcmp(jstream_key(p, 3), "fingerprint")) {
		snprintf(c->fp, sizeof(c->fp), "%s",
		         relay_is_fingerprint(v->string) ? v->string : "");
	}
	return 0;
}

int onionoo_load_uptime(relay_set *set, const char *path)
{
	uptime_ctx *c = calloc(1, sizeof(*c));
	if (!c)
		return strata_error_set(STRATA_ENOMEM, "%s: out of memory", path);
	c->set = set;
	int rc = jstream_parse_file(path, uptime_event, c, NULL);
	free(c);
	if (rc == 0)
		set->has_uptime = 1;
	return rc;
}

int onionoo_uptime_buffer(relay_set *set, const char *name, const char *data, size_t len)
{
	uptime_ctx *c = calloc(1, sizeof(*c));
	if (!c)
		return strata_error_set(STRATA_ENOMEM, "%s: out of memory", name);
	c->set = set;
	int rc = jstream_parse_buffer(name, data, len, uptime_event, c);
	free(c);
	if (rc == 0)
		set->has_uptime = 1;
	return rc;
}

/* ------------------------------------------------------------------------ */
/* bandwidth                                                                */

typedef struct history_acc {
	double sum, factor, interval;
	size_t count;
} history_acc;

typedef struct bandwidth_ctx {
	relay_set *set;
	char fp[41];
	history_acc hist[2][PERIOD_COUNT]; /* 0 read, 1 write */
	int ratelimits, fd_exhausted;
} bandwidth_ctx;

static void bandwidth_relay_end(bandwidth_ctx *c)
{
	long i = relay_set_find(c->set, c->fp);
	if (i >= 0) {
		relay *r = &c->set->relays[i];
		r->has_bandwidth = 1;
		r->overload_ratelimits = c->ratelimits ? 1 : 0;
		r->overload_fd_exhausted = c->fd_exhausted ? 1 : 0;
		for (int p = 0; p < PERIOD_COUNT; p++) {
			const history_acc *rd = &c->hist[0][p], *wr = &c->hist[1][p];
			r->read_mean[p] =
			    rd->count ? rd->factor * rd->sum / (double)rd->count : 0.0;
			r->write_mean[p] =
			    wr->count ? wr->factor * wr->sum / (double)wr->count : 0.0;
			r->data_total[p] = rd->factor * rd->sum * rd->interval +
			                   wr->factor * wr->sum * wr->interval;
		}
	}
	memset(c->hist, 0, sizeof(c->hist));
	c->ratelimits = c->fd_exhausted = 0;
	c->fp[0] = '\0';
}

/* A point or a scalar of a history object (read_history/<period>/...). */
static void bandwidth_history(bandwidth_ctx *c, int which, jstream_event ev, const jstream_path *p,
                              const jstream_value *v)
{
	int period = relay_period_from_key(jstream_key(p, 4));
	if (period < 0 || ev != JS_NUMBER)
		return;
	history_acc *h = &c->hist[which][period];
	const char *k5 = jstream_key(p, 5);
	if (p->depth == 6 && !strcmp(k5, "values") && v->number >= 0.0) {
		h->sum += v->number;
		h->count++;
	} else if (p->depth == 5 && !strcmp(k5, "factor") && v->number >= 0.0) {
		h->factor = v->number;
	} else if (p->depth == 5 && !strcmp(k5, "interval") && v->number > 0.0) {
		h->interval = v->number;
	}
}

static int bandwidth_event(void *ctx, jstream_event ev, const jstream_path *p,
                           const jstream_value *v)
{
	bandwidth_ctx *c = ctx;
	if (!in_relays(p))
		return 0;
	const char *k3 = jstream_key(p, 3);
	if (p->depth == 2 && ev == JS_END_MAP)
		bandwidth_relay_end(c);
	else if (p->depth == 3 && ev == JS_STRING && !strcmp(k3, "fingerprint"))
		snprintf(c->fp, sizeof(c->fp), "%s",
		         relay_is_fingerprint(v->string) ? v->string : "");
	else if (p->depth == 3 && ev == JS_START_MAP && !strcmp(k3, "overload_ratelimits"))
		c->ratelimits = 1;
	else if (p->depth == 3 && ev == JS_START_MAP && !strcmp(k3, "overload_fd_exhausted"))
		c->fd_exhausted = 1;
	else if (p->depth >= 5 && !strcmp(k3, "read_history"))
		bandwidth_history(c, 0, ev, p, v);
	else if (p->depth >= 5 && !strcmp(k3, "write_history"))
		bandwidth_history(c, 1, ev, p, v);
	return 0;
}

int onionoo_load_bandwidth(relay_set *set, const char *path)
{
	bandwidth_ctx c = {0};
	c.set = set;
	int rc = jstream_parse_file(path, bandwidth_event, &c, NULL);
	if (rc == 0)
		set->has_bandwidth = 1;
	return rc;
}

int onionoo_bandwidth_buffer(relay_set *set, const char *name, const char *data, size_t len)
{
	bandwidth_ctx c = {0};
	c.set = set;
	int rc = jstream_parse_buffer(name, data, len, bandwidth_event, &c);
	if (rc == 0)
		set->has_bandwidth = 1;
	return rc;
}

/* ------------------------------------------------------------------------ */
/* AROI validator latest.json                                               */

typedef struct aroi_ctx {
	relay_set *set;
	char fp[41];
	int valid;
} aroi_ctx;

static int aroi_event(void *ctx, jstream_event ev, const jstream_path *p, const jstream_value *v)
{
	aroi_ctx *c = ctx;
	if (p->depth == 2 && ev == JS_STRING && !strcmp(jstream_key(p, 1), "metadata") &&
	    !strcmp(jstream_key(p, 2), "timestamp")) {
		snprintf(c->set->aroi_timestamp, sizeof(c->set->aroi_timestamp), "%s", v->string);
		return 0;
	}
	if (p->depth < 2 || strcmp(jstream_key(p, 1), "results") != 0 || !p->is_array[2])
		return 0;
	const char *k3 = jstream_key(p, 3);
	if (p->depth == 2 && ev == JS_START_MAP) {
		c->fp[0] = '\0';
		c->valid = 0;
	} else if (p->depth == 2 && ev == JS_END_MAP) {
		long i = relay_set_find(c->set, c->fp);
		if (i >= 0) {
			c->set->relays[i].aroi_checked = 1;
			c->set->relays[i].aroi_valid = c->valid ? 1 : 0;
		}
	} else if (p->depth == 3 && ev == JS_STRING && !strcmp(k3, "fingerprint")) {
		snprintf(c->fp, sizeof(c->fp), "%s",
		         relay_is_fingerprint(v->string) ? v->string : "");
	} else if (p->depth == 3 && ev == JS_BOOL && !strcmp(k3, "valid")) {
		c->valid = v->boolean;
	}
	return 0;
}

int onionoo_load_aroi(relay_set *set, const char *path)
{
	aroi_ctx c = {set, "", 0};
	int rc = jstream_parse_file(path, aroi_event, &c, NULL);
	if (rc == 0)
		set->has_aroi = 1;
	return rc;
}

int onionoo_aroi_buffer(relay_set *set, const char *name, const char *data, size_t len)
{
	aroi_ctx c = {set, "", 0};
	int rc = jstream_parse_buffer(name, data, len, aroi_event, &c);
	if (rc == 0)
		set->has_aroi = 1;
	return rc;
}
