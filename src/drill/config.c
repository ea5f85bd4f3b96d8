/*
 * config.c - reading and checking the `strata drill` service configuration.
 *
 * Key names and defaults follow the original abyss service (its shipped
 * mqtt_conf_docker.yaml / mqtt_conf_local.yaml and its ConfigurationManager);
 * strata's own additions are marked "extension" here and in
 * docs/drill-service.md.
 */
#include "drill/config.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strata/conf.h"
#include "strata/error.h"

/* --- schema --------------------------------------------------------------- */

#define STR(k)                                                                                     \
	{                                                                                          \
		k, STRATA_CONF_STRING, 0, NULL, STRATA_CONF_NULL                                   \
	}
#define INT(k)                                                                                     \
	{                                                                                          \
		k, STRATA_CONF_INT, 0, NULL, STRATA_CONF_NULL                                      \
	}
#define NUM(k)                                                                                     \
	{                                                                                          \
		k, STRATA_CONF_NUMBER, 0, NULL, STRATA_CONF_NULL                                   \
	}
#define BOOL(k)                                                                                    \
	{                                                                                          \
		k, STRATA_CONF_BOOL, 0, NULL, STRATA_CONF_NULL                                     \
	}
#define TAB(k, f)                                                                                  \
	{                                                                                          \
		k, STRATA_CONF_TABLE, 0, f, STRATA_CONF_NULL                                       \
	}
#define END                                                                                        \
	{                                                                                          \
		NULL, STRATA_CONF_NULL, 0, NULL, STRATA_CONF_NULL                                  \
	}

static const strata_conf_field broker_fields[] = {
    STR("host"), INT("port"), STR("username"), STR("password"), INT("keepalive"), END};

static const strata_conf_field listener_fields[] = {
    STR("duplicate_handling"), STR("root"), STR("toolboxid"), STR("toolid"), STR("result"),
    STR("trace"), STR("heads"), NUM("time_window"), NUM("cleanup_interval"), INT("max_buffer_size"),
    /* extensions */
    STR("correlation"), BOOL("require_heads"), NUM("max_age"), STR("shared_group"), END};

static const strata_conf_field data_ids_fields[] = {STR("machine_id"),
                                                    STR("head_id"),
                                                    STR("result_id"),
                                                    STR("trace_result_id"),
                                                    STR("position"),
                                                    STR("thrust"),
                                                    STR("torque"),
                                                    STR("step"),
                                                    STR("torque_empty_vals"),
                                                    STR("thrust_empty_vals"),
                                                    STR("step_vals"),
                                                    STR("evaluation"), /* extension */
                                                    END};

static const strata_conf_field estimation_fields[] = {STR("keypoints"), STR("depth_estimation"),
                                                      END};

static const strata_conf_field processing_fields[] = {INT("workers"), INT("model_id"), END};

static const strata_conf_field depth_fields[] = {
    STR("negative_depth_behavior"), BOOL("track_sequential_negatives"), INT("sequential_threshold"),
    NUM("sequential_window_minutes"), END};

static const strata_conf_field analyzer_fields[] = {BOOL("correlation_debug"), END};

/* The original's test publisher section: accepted, not used. */
static const strata_conf_field publisher_topics_fields[] = {STR("result"), STR("trace"),
                                                            STR("heads"), END};
static const strata_conf_field publisher_fields[] = {TAB("topics", publisher_topics_fields),
                                                     STR("client_id"), END};

static const strata_conf_field mqtt_fields[] = {TAB("broker", broker_fields),
                                                TAB("listener", listener_fields),
                                                TAB("data_ids", data_ids_fields),
                                                TAB("estimation", estimation_fields),
                                                TAB("processing", processing_fields),
                                                TAB("depth_validation", depth_fields),
                                                TAB("analyzer", analyzer_fields),
                                                TAB("publisher", publisher_fields),
                                                END};

static const strata_conf_field root_fields[] = {
    {"mqtt", STRATA_CONF_TABLE, 1, mqtt_fields, STRATA_CONF_NULL}, END};

/* --- names ------------------------------------------------------------------ */

static const char *const dup_names[] = {"ignore", "replace", "error", NULL};
static const char *const neg_names[] = {"publish", "skip", "warning", NULL};
static const char *const match_names[] = {"exact", "time_window", NULL};

const char *drill_dup_mode_name(drill_dup_mode m)
{
	return (unsigned)m <= DRILL_DUP_ERROR ? dup_names[m] : "unknown";
}

const char *drill_negative_depth_name(drill_negative_depth b)
{
	return (unsigned)b <= DRILL_NEG_WARNING ? neg_names[b] : "unknown";
}

/* --- typed lookups with defaults and ranges ----------------------------------- */

/* A section's key: the node, or NULL when absent or null. */
static const strata_conf *opt(const strata_conf *table, const char *key)
{
	const strata_conf *n = table ? strata_conf_get(table, key) : NULL;

	return n && strata_conf_type_of(n) != STRATA_CONF_NULL ? n : NULL;
}

/* An error about node (sec.key): "file:line: sec.key: <reason>". */
static int bad(const strata_conf *node, const char *sec, const char *key, const char *reason)
{
	if (!node)
		return strata_error_set(STRATA_ESCHEMA, "%s.%s: %s", sec, key, reason);
	return strata_error_set(STRATA_ESCHEMA, "%s:%d: %s.%s: %s", strata_conf_source(node),
	                        strata_conf_line(node), sec, key, reason);
}

static int get_str(const strata_conf *t, const char *key, const char *dflt, char **out)
{
	const strata_conf *n = opt(t, key);
	const char *s = dflt;

	if (n && strata_conf_as_string(n, &s))
		return strata_error_last();
	*out = strdup(s ? s : "");
	return *out ? 0 : strata_error_set(STRATA_ENOMEM, "configuration: out of memory");
}

static int get_int(const strata_conf *t, const char *sec, const char *key, int64_t dflt, int64_t lo,
                   int64_t hi, int64_t *out)
{
	const strata_conf *n = opt(t, key);
	char why[96];

	*out = dflt;
	if (!n)
		return 0;
	if (strata_conf_as_int64(n, out))
		return strata_error_last();
	if (*out >= lo && *out <= hi)
		return 0;
	snprintf(why, sizeof(why), "must be between %lld and %lld, got %lld", (long long)lo,
	         (long long)hi, (long long)*out);
	return bad(n, sec, key, why);
}

/* A number in [lo, hi]; lo itself excluded when open_lo. */
static int get_num(const strata_conf *t, const char *sec, const char *key, double dflt, double lo,
                   int open_lo, double hi, double *out)
{
	const strata_conf *n = opt(t, key);
	char why[96];

	*out = dflt;
	if (!n)
		return 0;
	if (strata_conf_as_double(n, out))
		return strata_error_last();
	if ((open_lo ? *out > lo : *out >= lo) && *out <= hi)
		return 0;
	snprintf(why, sizeof(why), "must be %s %g and at most %g, got %g",
	         open_lo ? "greater than" : "at least", lo, hi, *out);
	return bad(n, sec, key, why);
}

static int get_bool(const strata_conf *t, const char *key, int dflt, int *out)
{
	const strata_conf *n = opt(t, key);

	*out = dflt;
	if (n && strata_conf_as_bool(n, out))
		return strata_error_last();
	return 0;
}

/* One of names (a NULL-terminated list); *out is its index. */
static int get_enum(const strata_conf *t, const char *sec, const char *key,
                    const char *const *names, int dflt, int *out)
{
	const strata_conf *n = opt(t, key);
	const char *s;
	char why[160];
	size_t len = 0;
	int i;

	*out = dflt;
	if (!n)
		return 0;
	if (strata_conf_as_string(n, &s))
		return strata_error_last();
	for (i = 0; names[i]; i++) {
		if (!strcmp(s, names[i])) {
			*out = i;
			return 0;
		}
	}
	len += (size_t)snprintf(why, sizeof(why), "expected one of");
	for (i = 0; names[i] && len < sizeof(why); i++)
		len +=
		    (size_t)snprintf(why + len, sizeof(why) - len, "%s %s", i ? "," : "", names[i]);
	if (len < sizeof(why))
		snprintf(why + len, sizeof(why) - len, ", got '%.40s'", s);
	return bad(n, sec, key, why);
}

/* --- topic checks ------------------------------------------------------------- */

/* Whether s is one or more non-empty topic levels without wildcards. */
static int plain_levels(const char *s)
{
	size_t i, n = strlen(s);

	if (!n || s[0] == '/' || s[n - 1] == '/' || strstr(s, "//"))
		return 0;
	for (i = 0; i < n; i++)
		if (s[i] == '+' || s[i] == '#')
			return 0;
	return 1;
}

/* A single level: "+" when wild is allowed, else a non-empty plain name. */
static int one_level(const char *s, int wild)
{
	if (wild && !strcmp(s, "+"))
		return 1;
	return plain_levels(s) && !strchr(s, '/') && s[0] != '$';
}

static int check_topic_part(const strata_conf *t, const char *key, int ok)
{
	if (ok)
		return 0;
	return bad(opt(t, key), "mqtt.listener", key,
	           "must be non-empty topic levels without wildcards ('+' alone for ids)");
}

/* Check the listener's topic parts and cross-key rules. */
static int check_listener(const strata_conf *l, const drill_config *c)
{
	int rc = check_topic_part(l, "root", plain_levels(c->root));

	if (!rc)
		rc = check_topic_part(l, "toolboxid", one_level(c->toolboxid, 1));
	if (!rc)
		rc = check_topic_part(l, "toolid", one_level(c->toolid, 1));
	if (!rc)
		rc = check_topic_part(l, "result", plain_levels(c->result));
	if (!rc)
		rc = check_topic_part(l, "trace", plain_levels(c->trace));
	if (!rc && c->heads[0])
		rc = check_topic_part(l, "heads", plain_levels(c->heads));
	if (!rc && c->shared_group)
		rc = check_topic_part(l, "shared_group", one_level(c->shared_group, 0));
	if (!rc && (!strcmp(c->result, c->trace) ||
	            (c->heads[0] && (!strcmp(c->heads, c->result) || !strcmp(c->heads, c->trace)))))
		rc = bad(opt(l, "trace"), "mqtt.listener", "trace",
		         "result, trace and heads suffixes must differ");
	if (!rc && c->require_heads && !c->heads[0])
		rc = bad(opt(l, "heads"), "mqtt.listener", "heads",
		         "is empty but require_heads is true");
	return rc;
}

/* --- sections ------------------------------------------------------------------ */

static int load_broker(const strata_conf *b, drill_config *c)
{
	int64_t v = 0;
	int rc = get_str(b, "host", "localhost", &c->host);

	if (!rc)
		rc = get_int(b, "mqtt.broker", "port", 1883, 1, 65535, &v);
	c->port = (int)v;
	if (!rc)
		rc = get_str(b, "username", "", &c->username);
	if (!rc)
		rc = get_str(b, "password", "", &c->password);
	if (!rc)
		rc = get_int(b, "mqtt.broker", "keepalive", 60, 0, 65535, &v);
	c->keepalive = (int)v;
	return rc;
}

/* The listener's strings. */
static int load_listener_topics(const strata_conf *l, drill_config *c)
{
	const strata_conf *g = opt(l, "shared_group");
	int rc = get_str(l, "root", "OPCPUBSUB", &c->root);

	if (!rc)
		rc = get_str(l, "toolboxid", "+", &c->toolboxid);
	if (!rc)
		rc = get_str(l, "toolid", "+", &c->toolid);
	if (!rc)
		rc = get_str(l, "result", "ResultManagement", &c->result);
	if (!rc)
		rc = get_str(l, "trace", "ResultManagement/Trace", &c->trace);
	if (!rc)
		rc = get_str(l, "heads", "AssetManagement/Heads", &c->heads);
	if (!rc && g)
		rc = get_str(l, "shared_group", "", &c->shared_group);
	return rc;
}

static int load_listener(const strata_conf *l, drill_config *c)
{
	const char *sec = "mqtt.listener";
	int64_t v = 0;
	int e = 0, rc = load_listener_topics(l, c);

	if (!rc)
		rc = get_enum(l, sec, "duplicate_handling", dup_names, DRILL_DUP_IGNORE, &e);
	c->duplicate_handling = (drill_dup_mode)e;
	if (!rc)
		rc = get_enum(l, sec, "correlation", match_names, DRILL_MATCH_EXACT, &e);
	c->correlation = (drill_match_mode)e;
	if (!rc)
		rc = get_num(l, sec, "time_window", 30.0, 0.0, 0, 86400.0, &c->time_window);
	if (!rc)
		rc = get_num(l, sec, "cleanup_interval", 60.0, 0.0, 1, 86400.0,
		             &c->cleanup_interval);
	if (!rc)
		rc = get_int(l, sec, "max_buffer_size", 10000, 3, 100000000, &v);
	c->max_buffer_size = v;
	if (!rc)
		rc = get_bool(l, "require_heads", 1, &c->require_heads);
	if (!rc)
		rc = get_num(l, sec, "max_age", 300.0, 0.0, 1, 7 * 86400.0, &c->max_age);
	if (!rc)
		rc = check_listener(l, c);
	return rc;
}

/* mqtt.data_ids key -> drill_data_ids field. */
static const struct {
	const char *key;
	size_t off;
} id_map[12] = {
    {"result_id", offsetof(drill_data_ids, result_id)},
    {"machine_id", offsetof(drill_data_ids, serial_number)},
    {"step_vals", offsetof(drill_data_ids, step_number)},
    {"torque_empty_vals", offsetof(drill_data_ids, torque_empty)},
    {"thrust_empty_vals", offsetof(drill_data_ids, thrust_empty)},
    {"evaluation", offsetof(drill_data_ids, evaluation)},
    {"trace_result_id", offsetof(drill_data_ids, trace_result_id)},
    {"position", offsetof(drill_data_ids, position)},
    {"torque", offsetof(drill_data_ids, torque)},
    {"thrust", offsetof(drill_data_ids, thrust)},
    {"step", offsetof(drill_data_ids, step)},
    {"head_id", offsetof(drill_data_ids, head_id)},
};

static int load_data_ids(const strata_conf *d, drill_config *c)
{
	const drill_data_ids *dflt = drill_data_ids_default();
	size_t i;
	int rc = 0;

	for (i = 0; i < 12 && !rc; i++) {
		const char *def = *(const char *const *)((const char *)dflt + id_map[i].off);
		const strata_conf *n = opt(d, id_map[i].key);

		rc = get_str(d, id_map[i].key, def, &c->ids_store[i]);
		if (!rc && !c->ids_store[i][0])
			rc = bad(n, "mqtt.data_ids", id_map[i].key, "must not be empty");
		if (!rc)
			*(const char **)((char *)&c->ids + id_map[i].off) = c->ids_store[i];
	}
	return rc;
}

static int load_rest(const strata_conf *m, drill_config *c)
{
	const strata_conf *e = opt(m, "estimation"), *p = opt(m, "processing");
	const strata_conf *d = opt(m, "depth_validation");
	int64_t v = 0;
	int b = 0, rc;

	rc = get_str(e, "keypoints",
	             "ResultManagement.Results.0.ResultContent.DepthEstimation.KeyPoints",
	             &c->keypoints);
	if (!rc)
		rc = get_str(
		    e, "depth_estimation",
		    "ResultManagement.Results.0.ResultContent.DepthEstimation.DepthEstimation",
		    &c->depth_estimation);
	if (!rc)
		rc = get_int(p, "mqtt.processing", "workers", 10, 1, 1024, &v);
	c->workers = (int)v;
	if (!rc)
		rc = get_int(p, "mqtt.processing", "model_id", 4, 0, 1000000, &v);
	c->model_id = (int)v;
	if (!rc)
		rc = get_enum(d, "mqtt.depth_validation", "negative_depth_behavior", neg_names,
		              DRILL_NEG_PUBLISH, &b);
	c->negative_depth_behavior = (drill_negative_depth)b;
	if (!rc)
		rc = get_bool(d, "track_sequential_negatives", 1, &c->track_sequential_negatives);
	if (!rc)
		rc = get_int(d, "mqtt.depth_validation", "sequential_threshold", 5, 1, 1000000, &v);
	c->sequential_threshold = (int)v;
	if (!rc)
		rc = get_num(d, "mqtt.depth_validation", "sequential_window_minutes", 5.0, 0.0, 1,
		             525600.0, &c->sequential_window_minutes);
	if (!rc)
		rc = get_bool(opt(m, "analyzer"), "correlation_debug", 0, &c->correlation_debug);
	return rc;
}

/* Fill c from the mqtt table (NULL: all defaults). */
static int fill(const strata_conf *m, drill_config *c)
{
	int rc = load_broker(opt(m, "broker"), c);

	if (!rc)
		rc = load_listener(opt(m, "listener"), c);
	if (!rc)
		rc = load_data_ids(opt(m, "data_ids"), c);
	if (!rc)
		rc = load_rest(m, c);
	return rc;
}

/* --- public ----------------------------------------------------------------------- */

void drill_config_free(drill_config *c)
{
	size_t i;

	if (!c)
		return;
	free(c->source);
	free(c->host);
	free(c->username);
	if (c->password) {
		memset(c->password, 0, strlen(c->password));
		free(c->password);
	}
	free(c->root);
	free(c->toolboxid);
	free(c->toolid);
	free(c->result);
	free(c->trace);
	free(c->heads);
	free(c->shared_group);
	for (i = 0; i < 12; i++)
		free(c->ids_store[i]);
	free(c->keypoints);
	free(c->depth_estimation);
	memset(c, 0, sizeof(*c));
}

/* Parse the tree into c; on failure c is freed (left empty). */
static int from_tree(const strata_conf *root, const char *name, drill_config *c)
{
	int rc;

	if (strata_conf_type_of(root) != STRATA_CONF_TABLE)
		return strata_error_set(STRATA_ESCHEMA, "%s: expected a mapping with an 'mqtt' key",
		                        name);
	rc = strata_conf_validate(root, root_fields);
	if (!rc) {
		c->source = strdup(name);
		rc = c->source ? fill(strata_conf_get(root, "mqtt"), c)
		               : strata_error_set(STRATA_ENOMEM, "configuration: out of memory");
	}
	if (rc)
		drill_config_free(c);
	return rc;
}

int drill_config_parse(const char *text, size_t len, const char *name, drill_config *c)
{
	strata_conf *root = NULL;
	int rc;

	memset(c, 0, sizeof(*c));
	if (!name)
		name = "config";
	rc = strata_conf_parse_yaml(text, len, name, &root);
	if (!rc)
		rc = from_tree(root, name, c);
	strata_conf_free(root);
	return rc;
}

int drill_config_load(const char *path, drill_config *c)
{
	strata_conf *root = NULL;
	int rc;

	memset(c, 0, sizeof(*c));
	rc = strata_conf_load_yaml(path, &root);
	if (!rc)
		rc = from_tree(root, path, c);
	strata_conf_free(root);
	return rc;
}

int drill_config_defaults(drill_config *c)
{
	int rc;

	memset(c, 0, sizeof(*c));
	c->source = strdup("(defaults)");
	rc = c->source ? fill(NULL, c)
	               : strata_error_set(STRATA_ENOMEM, "configuration: out of memory");
	if (rc)
		drill_config_free(c);
	return rc;
}

void drill_config_corr_options(const drill_config *c, drill_corr_options *o)
{
	drill_corr_options_default(o);
	o->max_buffer_size = (size_t)c->max_buffer_size;
	o->max_age_ns = (int64_t)(c->max_age * 1e9);
	o->time_window_ns = (int64_t)(c->time_window * 1e9);
	o->match = c->correlation;
	o->duplicates = c->duplicate_handling;
	o->require_heads = c->require_heads;
}

/* "[$share/<group>/]root/toolbox/tool/suffix", malloc'd. */
static char *filter(const drill_config *c, const char *suffix)
{
	size_t n = strlen(c->root) + strlen(c->toolboxid) + strlen(c->toolid) + strlen(suffix) + 4;
	char *s;

	if (c->shared_group)
		n += strlen(c->shared_group) + 8;
	s = malloc(n);
	if (!s)
		return NULL;
	snprintf(s, n, "%s%s%s%s/%s/%s/%s", c->shared_group ? "$share/" : "",
	         c->shared_group ? c->shared_group : "", c->shared_group ? "/" : "", c->root,
	         c->toolboxid, c->toolid, suffix);
	return s;
}

void drill_config_subscriptions_free(char *topics[DRILL_MSG_KINDS])
{
	int k;

	for (k = 0; k < DRILL_MSG_KINDS; k++) {
		free(topics[k]);
		topics[k] = NULL;
	}
}

int drill_config_subscriptions(const drill_config *c, char *topics[DRILL_MSG_KINDS])
{
	int n = 2;

	topics[DRILL_MSG_RESULT] = filter(c, c->result);
	topics[DRILL_MSG_TRACE] = filter(c, c->trace);
	topics[DRILL_MSG_HEADS] = NULL;
	if (c->heads[0]) {
		topics[DRILL_MSG_HEADS] = filter(c, c->heads);
		n = 3;
	}
	if (!topics[DRILL_MSG_RESULT] || !topics[DRILL_MSG_TRACE] ||
	    (c->heads[0] && !topics[DRILL_MSG_HEADS])) {
		drill_config_subscriptions_free(topics);
		return strata_error_set(STRATA_ENOMEM, "configuration: out of memory");
	}
	return n;
}

/* The length of the level starting at s, or 0 when it is empty or wild. */
static size_t level_len(const char *s)
{
	size_t n = strcspn(s, "/");

	if (!n || memchr(s, '+', n) || memchr(s, '#', n))
		return 0;
	return n;
}

/* Whether the level s (n bytes) is accepted by the filter level want. */
static int level_ok(const char *s, size_t n, const char *want)
{
	return !strcmp(want, "+") || (strlen(want) == n && !memcmp(s, want, n));
}

int drill_config_classify(const drill_config *c, const char *topic, drill_msg_kind *kind,
                          char **toolbox, char **tool)
{
	const char *sfx[DRILL_MSG_KINDS] = {c->result, c->trace, c->heads};
	size_t r = strlen(c->root), nb, nt;
	const char *p;
	int k;

	if (strncmp(topic, c->root, r) != 0 || topic[r] != '/')
		goto other;
	p = topic + r + 1;
	nb = level_len(p);
	if (!nb || p[nb] != '/' || !level_ok(p, nb, c->toolboxid))
		goto other;
	nt = level_len(p + nb + 1);
	if (!nt || p[nb + 1 + nt] != '/' || !level_ok(p + nb + 1, nt, c->toolid))
		goto other;
	for (k = 0; k < DRILL_MSG_KINDS; k++) {
		if (!sfx[k][0] || strcmp(p + nb + 1 + nt + 1, sfx[k]) != 0)
			continue;
		*toolbox = strndup(p, nb);
		*tool = strndup(p + nb + 1, nt);
		if (!*toolbox || !*tool) {
			free(*toolbox);
			free(*tool);
			*toolbox = *tool = NULL;
			return strata_error_set(STRATA_ENOMEM, "configuration: out of memory");
		}
		*kind = (drill_msg_kind)k;
		return 0;
	}
other:
	return strata_error_set(STRATA_ENOTFOUND,
	                        "topic '%s' is not a result, trace or heads topic", topic);
}
