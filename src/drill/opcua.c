/* opcua.c - parse the drilling line's OPC UA PubSub JSON Result/Trace messages. */
#include "drill/opcua.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "drill/opcua_scan.h"
#include "drill/pyjson.h"
#include "strata/error.h"

#define RESULTS     "ResultManagement.Results.0."
#define STEP_VALUES RESULTS "ResultContent.StepResults.0.StepResultValues."
#define STEP_TRACES RESULTS "ResultContent.Trace.StepTraces."

static const drill_data_ids default_ids = {
    .result_id = RESULTS "ResultMetaData.ResultId",
    .serial_number = RESULTS "ResultMetaData.SerialNumber",
    .step_number = STEP_VALUES "StepNumber",
    .torque_empty = STEP_VALUES "IntensityTorqueEmpty",
    .thrust_empty = STEP_VALUES "IntensityThrustEmpty",
    .evaluation = RESULTS "ResultMetaData.ResultEvaluation",
    .trace_result_id = STEP_TRACES "PositionTrace.StepResultId",
    .position = STEP_TRACES "PositionTrace.StepTraceContent[0].Values",
    .torque = STEP_TRACES "IntensityTorqueTrace.StepTraceContent[0].Values",
    .thrust = STEP_TRACES "IntensityThrustTrace.StepTraceContent[0].Values",
    .step = STEP_TRACES "StepNumberTrace.StepTraceContent[0].Values",
    .head_id = "AssetManagement.Assets.Heads.0.Identification.SerialNumber",
};

const drill_data_ids *drill_data_ids_default(void)
{
	return &default_ids;
}

/* One located payload field: the matched key, its Value and its entry. */
typedef struct field {
	const char *msg; /* message name for errors */
	const char *key; /* the payload key that matched */
	json_t *entry;   /* {"Value": ..., "SourceTimestamp": ...} */
	json_t *value;   /* entry's Value */
} field;

static const char *type_name(const json_t *v)
{
	if (!v)
		return "nothing";
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "an array";
	case JSON_STRING: return "a string";
	case JSON_INTEGER: return "an integer";
	case JSON_REAL: return "a number";
	case JSON_TRUE:
	case JSON_FALSE: return "a boolean";
	case JSON_NULL: return "null";
	}
	return "?";
}

/* Decode the message and return its DataSetMessage payload (borrowed from *root). */
static int load_payload(const char *data, size_t len, const char *msg, json_t **root,
                        json_t **payload)
{
	json_error_t err;
	json_t *messages, *p;
	const char *nul;

	if (len > DRILL_MAX_MESSAGE_BYTES)
		return strata_error_set(STRATA_ELIMIT, "%s: message of %zu bytes exceeds %u", msg,
		                        len, DRILL_MAX_MESSAGE_BYTES);
	/* a raw NUL is never valid JSON, but jansson lets one pass after a number */
	nul = memchr(data, '\0', len);
	if (nul)
		return strata_error_set(STRATA_EPARSE, "%s: invalid JSON: NUL byte at byte %zu",
		                        msg, (size_t)(nul - data));
	/* duplicate keys are refused: which one counts would be a guess */
	*root = json_loadb(data, len, JSON_REJECT_DUPLICATES, &err);
	if (!*root)
		return strata_error_set(STRATA_EPARSE, "%s:%d:%d: invalid JSON: %s", msg, err.line,
		                        err.column, err.text);
	messages = json_object_get(*root, "Messages");
	if (json_is_array(messages))
		messages = json_array_get(messages, 0);
	p = json_object_get(messages, "Payload");
	if (!json_is_object(p)) {
		json_decref(*root);
		*root = NULL;
		return strata_error_set(STRATA_ESCHEMA,
		                        "%s: Messages.Payload: missing or not an "
		                        "object",
		                        msg);
	}
	*payload = p;
	return 0;
}

/* Locate the first payload key containing path; required fields must exist. */
static int find_field(json_t *payload, const char *msg, const char *path, int required, field *f)
{
	const char *key;
	json_t *entry;

	f->msg = msg;
	f->key = path;
	f->entry = f->value = NULL;
	json_object_foreach(payload, key, entry)
	{
		if (!strstr(key, path))
			continue;
		f->key = key;
		f->entry = entry;
		if (!json_is_object(entry))
			return strata_error_set(STRATA_ESCHEMA,
			                        "%s: %.300s: expected an object with "
			                        "Value, got %s",
			                        msg, key, type_name(entry));
		f->value = json_object_get(entry, "Value");
		if (!f->value)
			return strata_error_set(STRATA_ESCHEMA, "%s: %.300s: no Value", msg, key);
		return 0;
	}
	if (required)
		return strata_error_set(STRATA_ESCHEMA, "%s: no payload key contains '%.300s'", msg,
		                        path);
	return 0;
}

/* The field's SourceTimestamp as ns since the epoch. */
static int field_timestamp(const field *f, strata_time *out)
{
	const json_t *ts = json_object_get(f->entry, "SourceTimestamp");

	if (!json_is_string(ts))
		return strata_error_set(STRATA_ESCHEMA,
		                        "%s: %.300s: SourceTimestamp: missing or "
		                        "not a string",
		                        f->msg, f->key);
	if (strata_time_parse_iso8601(json_string_value(ts), out) != 0)
		return strata_error_wrap(STRATA_EPARSE, "%s: %.300s: SourceTimestamp", f->msg,
		                         f->key);
	return 0;
}

/* An id given as an integer or a non-empty string, copied as a string. */
static int field_id(const field *f, char **out)
{
	char num[32];
	const char *s;

	if (json_is_integer(f->value)) {
		snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(f->value));
		s = num;
	} else if (json_is_string(f->value)) {
		s = json_string_value(f->value);
		if (json_string_length(f->value) != strlen(s) || !*s ||
		    strlen(s) > DRILL_MAX_ID_LEN)
			return strata_error_set(STRATA_ESCHEMA,
			                        "%s: %.300s: id must be 1..%u bytes "
			                        "without NUL",
			                        f->msg, f->key, DRILL_MAX_ID_LEN);
	} else {
		return strata_error_set(STRATA_ESCHEMA,
		                        "%s: %.300s: expected an integer or string "
		                        "id, got %s",
		                        f->msg, f->key, type_name(f->value));
	}
	*out = strdup(s);
	if (!*out)
		return strata_error_set(STRATA_ENOMEM, "%s: out of memory", f->msg);
	return 0;
}

/* Convert one element: a number, or null (NaN, counted) when nulls allowed. */
static int element(const field *f, const json_t *v, size_t i, int allow_null, double *out,
                   size_t *n_null)
{
	if (json_is_number(v)) {
		*out = json_number_value(v);
		return 0;
	}
	if (allow_null && json_is_null(v)) {
		*out = NAN;
		(*n_null)++;
		return 0;
	}
	return strata_error_set(STRATA_ESCHEMA,
	                        "%s: %.300s: element %zu: expected a number%s, "
	                        "got %s",
	                        f->msg, f->key, i, allow_null ? " or null" : "", type_name(v));
}

/* A scalar or array Value as a malloc'd double array of at most max elements. */
static int field_doubles(const field *f, size_t max, int allow_null, double **out, size_t *n,
                         size_t *n_null)
{
	size_t count = json_is_array(f->value) ? json_array_size(f->value) : 1;
	double *a;
	int rc;

	if (count > max)
		return strata_error_set(STRATA_ELIMIT,
		                        "%s: %.300s: %zu elements exceed the limit "
		                        "of %zu",
		                        f->msg, f->key, count, max);
	a = malloc((count ? count : 1) * sizeof(*a));
	if (!a)
		return strata_error_set(STRATA_ENOMEM, "%s: %.300s: out of memory", f->msg, f->key);
	for (size_t i = 0; i < count; i++) {
		const json_t *v = json_is_array(f->value) ? json_array_get(f->value, i) : f->value;

		rc = element(f, v, i, allow_null, &a[i], n_null);
		if (rc) {
			free(a);
			return rc;
		}
	}
	*out = a;
	*n = count;
	return 0;
}

/* true/false or a string "OK"/"NotOK"/"NOK" (any case) as 1/0. */
static int field_evaluation(const field *f, int *out)
{
	const char *s;

	if (!f->value) {
		*out = -1;
		return 0;
	}
	if (json_is_boolean(f->value)) {
		*out = json_is_true(f->value);
		return 0;
	}
	s = json_string_value(f->value);
	if (s && !strcasecmp(s, "ok")) {
		*out = 1;
		return 0;
	}
	if (s && (!strcasecmp(s, "notok") || !strcasecmp(s, "nok") || !strcasecmp(s, "not ok"))) {
		*out = 0;
		return 0;
	}
	return strata_error_set(STRATA_ESCHEMA,
	                        "%s: %.300s: expected true/false or \"OK\"/"
	                        "\"NotOK\", got %s",
	                        f->msg, f->key, type_name(f->value));
}

/* Step numbers: integral values in int32 range. */
static int field_steps(const field *f, int32_t **out, size_t *n)
{
	double *d;
	size_t null_count = 0;
	int32_t *s;
	int rc = field_doubles(f, DRILL_MAX_STEPS, 0, &d, n, &null_count);

	if (rc)
		return rc;
	s = malloc((*n ? *n : 1) * sizeof(*s));
	if (!s) {
		free(d);
		return strata_error_set(STRATA_ENOMEM, "%s: out of memory", f->msg);
	}
	for (size_t i = 0; i < *n; i++) {
		if (!(d[i] >= INT32_MIN && d[i] <= INT32_MAX && d[i] == floor(d[i]))) {
			double bad = d[i];

			free(d);
			free(s);
			return strata_error_set(STRATA_ESCHEMA,
			                        "%s: %.300s: element %zu: step number %g is not an "
			                        "integer",
			                        f->msg, f->key, i, bad);
		}
		s[i] = (int32_t)d[i];
	}
	free(d);
	*out = s;
	return 0;
}

void drill_result_free(drill_result *r)
{
	if (!r)
		return;
	free(r->result_id);
	free(r->serial);
	free(r->step_numbers);
	free(r->torque_empty);
	free(r->thrust_empty);
	memset(r, 0, sizeof(*r));
	r->evaluation = -1;
}

/* Fill r's per-step arrays and check their lengths agree. */
static int result_steps(json_t *payload, const char *msg, const drill_data_ids *ids,
                        drill_result *r)
{
	field f;
	size_t n_tq = 0, n_th = 0, nulls = 0;
	int rc;

	if ((rc = find_field(payload, msg, ids->step_number, 1, &f)) ||
	    (rc = field_steps(&f, &r->step_numbers, &r->n_steps)))
		return rc;
	if ((rc = find_field(payload, msg, ids->torque_empty, 1, &f)) ||
	    (rc = field_doubles(&f, DRILL_MAX_STEPS, 0, &r->torque_empty, &n_tq, &nulls)))
		return rc;
	if ((rc = find_field(payload, msg, ids->thrust_empty, 1, &f)) ||
	    (rc = field_doubles(&f, DRILL_MAX_STEPS, 0, &r->thrust_empty, &n_th, &nulls)))
		return rc;
	if (n_tq != r->n_steps || n_th != r->n_steps)
		return strata_error_set(STRATA_ESCHEMA,
		                        "%s: per-step arrays differ in length: %zu "
		                        "step numbers, %zu no-load torque, %zu no-load thrust",
		                        msg, r->n_steps, n_tq, n_th);
	return 0;
}

/* Fill r from a decoded payload. */
static int result_fields(json_t *payload, const char *msg, const drill_data_ids *ids,
                         drill_result *r)
{
	field f;
	int rc;

	if ((rc = find_field(payload, msg, ids->result_id, 1, &f)) ||
	    (rc = field_id(&f, &r->result_id)) || (rc = field_timestamp(&f, &r->timestamp)))
		return rc;
	if ((rc = find_field(payload, msg, ids->serial_number, 1, &f)) ||
	    (rc = field_id(&f, &r->serial)))
		return rc;
	if (ids->evaluation && ((rc = find_field(payload, msg, ids->evaluation, 0, &f)) ||
	                        (rc = field_evaluation(&f, &r->evaluation))))
		return rc;
	return result_steps(payload, msg, ids, r);
}

int drill_result_parse(const char *data, size_t len, const char *name, const drill_data_ids *ids,
                       drill_result *out)
{
	json_t *root = NULL, *payload = NULL;
	const char *msg = name ? name : "message";
	int rc;

	memset(out, 0, sizeof(*out));
	out->evaluation = -1;
	if (!data && len)
		return strata_error_set(STRATA_EINVAL, "%s: no data", msg);
	rc = load_payload(data ? data : "", len, msg, &root, &payload);
	if (rc)
		return rc;
	rc = result_fields(payload, msg, ids ? ids : &default_ids, out);
	json_decref(root);
	if (rc)
		drill_result_free(out);
	return rc;
}

void drill_trace_free(drill_trace *t)
{
	if (!t)
		return;
	free(t->result_id);
	free(t->position);
	free(t->torque);
	free(t->thrust);
	free(t->step);
	memset(t, 0, sizeof(*t));
}

int drill_trace_parse(const char *data, size_t len, const char *name, const drill_data_ids *ids,
                      drill_trace *out)
{
	memset(out, 0, sizeof(*out));
	if (!data && len)
		return strata_error_set(STRATA_EINVAL, "%s: no data", name ? name : "message");
	return drill_trace_scan(data ? data : "", len, name, ids ? ids : &default_ids, out);
}

void drill_heads_free(drill_heads *h)
{
	if (!h)
		return;
	free(h->head_id);
	memset(h, 0, sizeof(*h));
}

/* Copy s without leading and trailing ASCII white space; NULL when blank. */
static int strip_copy(const char *s, size_t len, char **out)
{
	const char *end = s + len;

	while (s < end && strchr(" \t\n\r\v\f", *s))
		s++;
	while (end > s && strchr(" \t\n\r\v\f", end[-1]))
		end--;
	*out = NULL;
	if (end == s)
		return 0;
	*out = strndup(s, (size_t)(end - s));
	return *out ? 0 : strata_error_set(STRATA_ENOMEM, "heads: out of memory");
}

/* The original's str(value).strip() of a head id (a list's first element). */
static int head_id_text(const json_t *v, char **out)
{
	char text[48];

	if (json_is_array(v))
		v = json_array_get(v, 0);
	*out = NULL;
	if (json_is_string(v))
		return strip_copy(json_string_value(v), strlen(json_string_value(v)), out);
	if (json_is_integer(v))
		snprintf(text, sizeof(text), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
	else if (json_is_real(v))
		drill_py_float_repr(json_real_value(v), text, sizeof(text));
	else if (json_is_boolean(v))
		snprintf(text, sizeof(text), "%s", json_is_true(v) ? "True" : "False");
	else
		return 0; /* null, an object, an empty list: no head id */
	return strip_copy(text, strlen(text), out);
}

/* The SourceTimestamp of the first payload entry that has one. */
static int first_timestamp(json_t *payload, const char *msg, strata_time *out)
{
	const char *key;
	json_t *entry;

	json_object_foreach(payload, key, entry)
	{
		field f = {msg, key, entry, NULL};

		if (json_is_string(json_object_get(entry, "SourceTimestamp")))
			return field_timestamp(&f, out);
	}
	return strata_error_set(STRATA_ESCHEMA, "%s: no payload entry has a SourceTimestamp", msg);
}

/* Fill h from a decoded payload. */
static int heads_fields(json_t *payload, const char *msg, const drill_data_ids *ids, drill_heads *h)
{
	field f;
	int rc = find_field(payload, msg, ids->head_id, 0, &f);

	if (rc)
		return rc;
	if (!f.entry)
		return first_timestamp(payload, msg, &h->timestamp);
	if ((rc = field_timestamp(&f, &h->timestamp)))
		return rc;
	return head_id_text(f.value, &h->head_id);
}

int drill_heads_parse(const char *data, size_t len, const char *name, const drill_data_ids *ids,
                      drill_heads *out)
{
	json_t *root = NULL, *payload = NULL;
	const char *msg = name ? name : "message";
	int rc;

	memset(out, 0, sizeof(*out));
	if (!data && len)
		return strata_error_set(STRATA_EINVAL, "%s: no data", msg);
	rc = load_payload(data ? data : "", len, msg, &root, &payload);
	if (rc)
		return rc;
	rc = heads_fields(payload, msg, ids ? ids : &default_ids, out);
	json_decref(root);
	if (rc)
		drill_heads_free(out);
	return rc;
}

/* Copy [s, s+n) as a topic level: non-empty, no wildcards. */
static int topic_level(const char *topic, const char *what, const char *s, size_t n, char **out)
{
	if (n == 0 || memchr(s, '+', n) || memchr(s, '#', n))
		return strata_error_set(STRATA_EPARSE,
		                        "topic '%.300s': %s level is empty or holds "
		                        "a wildcard",
		                        topic, what);
	*out = strndup(s, n);
	if (!*out)
		return strata_error_set(STRATA_ENOMEM, "topic: out of memory");
	return 0;
}

/* Skip the root prefix; returns the rest after its '/', or NULL. */
static const char *topic_rest(const char *topic, const char *root)
{
	size_t rl;

	if (!root || !*root) {
		const char *slash = strchr(topic, '/');

		return slash && slash != topic ? slash + 1 : NULL;
	}
	rl = strlen(root);
	if (strncmp(topic, root, rl) != 0 || topic[rl] != '/')
		return NULL;
	return topic + rl + 1;
}

int drill_topic_parse(const char *topic, const char *root, char **toolbox, char **tool, char **kind)
{
	const char *rest, *s1, *s2;
	char *a = NULL, *b = NULL, *c = NULL;
	int rc;

	if (!topic || !toolbox || !tool || !kind)
		return strata_error_set(STRATA_EINVAL, "drill_topic_parse: NULL argument");
	rest = topic_rest(topic, root);
	if (!rest)
		return strata_error_set(STRATA_EPARSE,
		                        "topic '%.300s': does not start with root "
		                        "'%.300s/'",
		                        topic, root ? root : "<any>");
	s1 = strchr(rest, '/');
	s2 = s1 ? strchr(s1 + 1, '/') : NULL;
	if (!s1 || !s2 || strchr(s2 + 1, '/'))
		return strata_error_set(STRATA_EPARSE,
		                        "topic '%.300s': expected "
		                        "{root}/{toolbox}/{tool}/{kind}",
		                        topic);
	if ((rc = topic_level(topic, "toolbox", rest, (size_t)(s1 - rest), &a)) ||
	    (rc = topic_level(topic, "tool", s1 + 1, (size_t)(s2 - s1 - 1), &b)) ||
	    (rc = topic_level(topic, "kind", s2 + 1, strlen(s2 + 1), &c))) {
		free(a);
		free(b);
		return rc;
	}
	*toolbox = a;
	*tool = b;
	*kind = c;
	return 0;
}
