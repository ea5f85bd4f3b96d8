/*
 * opcua_scan.c - streaming reads of OPC UA PubSub JSON messages with yajl:
 * the correlation key of any message (drill_payload_key) and the samples of
 * a Trace (drill_trace_scan). Nothing is built but the arrays asked for;
 * other values are only tokenised.
 *
 * The scan tracks what each open container is (the root, Messages, the
 * first DataSetMessage, its Payload, an entry whose key contains a wanted
 * path) on a small stack. When a JSON key occurs twice in one object the
 * first occurrence counts (a second Value or SourceTimestamp in a wanted
 * entry is an error).
 */
#include "drill/opcua.h"
#include "drill/opcua_scan.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_parse.h>

#include "strata/error.h"
#include "strata/num.h"

#define SCAN_MAX_DEPTH 2048 /* deeper nesting is refused (jansson's limit too) */
#define SCAN_TS_MAX    64   /* longest SourceTimestamp text accepted */
#define SCAN_SHOWN     300  /* bytes of a payload key quoted in messages */
#define SCAN_TARGETS   5    /* trace: id + four sample arrays */

/* What a JSON value is in the message. */
typedef enum role {
	R_OTHER = 0,
	R_ROOT,     /* the top-level object */
	R_MESSAGES, /* its "Messages": an object or an array of them */
	R_MSG,      /* the (first) DataSetMessage */
	R_PAYLOAD,  /* its "Payload" */
	R_ENTRY,    /* a payload entry whose key contains a wanted path */
	R_FIRST,    /* a payload entry, while no SourceTimestamp has been seen */
	R_ID,       /* an id entry's Value */
	R_TS,       /* an id entry's SourceTimestamp */
	R_FIRST_TS, /* an R_FIRST entry's SourceTimestamp */
	R_VALUE,    /* a samples entry's Value (must be an array) */
	R_SAMPLES   /* that array: its elements are samples */
} role;

/* One wanted payload entry. */
typedef struct target {
	const char *path;
	int samples;              /* 1: an array of samples, 0: an id and its timestamp */
	int matched;              /* its entry has been seen */
	int has_value, has_ts;    /* what the entry held */
	char key[SCAN_SHOWN + 1]; /* the matching payload key, for messages */
	char *id;
	char ts[SCAN_TS_MAX + 1];
	double *v; /* samples */
	size_t n, cap;
} target;

/* An array yajl has just opened: scan_feed reads its elements itself. */
typedef enum opened_array {
	OPENED_NONE = 0,
	OPENED_SAMPLES, /* a wanted samples array: the elements are kept */
	OPENED_OTHER    /* an array nothing wants: the elements are only checked */
} opened_array;

typedef struct scan {
	const char *msg;
	target t[SCAN_TARGETS];
	int n_targets;
	int want_id;     /* key mode: read the id target's Value */
	int fallback;    /* key mode: first entry's timestamp when no match */
	int stop_at_end; /* key mode: stop when the entry closes */
	size_t n_null;   /* nulls among the samples */
	unsigned char stack[SCAN_MAX_DEPTH];
	size_t depth;
	size_t messages_index; /* elements seen in a Messages array */
	role pending;          /* role of the value after the current key */
	int entry;             /* target of the open entry, -1 when none */
	int payload_seen, done, failed;
	opened_array opened; /* the array yajl has just opened, for scan_feed */
	char first_ts[SCAN_TS_MAX + 1];
	int has_first_ts;
} scan;

/* Record an error about target k (or the scan when k < 0) and stop. */
static int scan_fail(scan *s, int k, int code, const char *reason)
{
	s->failed = code;
	if (k >= 0)
		strata_error_set(code, "%s: %s: %s", s->msg, s->t[k].key, reason);
	else
		strata_error_set(code, "%s: %s", s->msg, reason);
	return 0;
}

/* The role of the value that starts now, from its container. */
static role value_role(scan *s)
{
	role r;

	if (s->depth == 0)
		return R_ROOT;
	if (s->stack[s->depth - 1] == R_MESSAGES)
		return s->messages_index++ == 0 ? R_MSG : R_OTHER;
	if (s->stack[s->depth - 1] == R_SAMPLES)
		return R_SAMPLES;
	r = s->pending;
	s->pending = R_OTHER;
	return r;
}

/* Append one sample (NaN for null) to the open entry's target. */
static int add_sample(scan *s, double v)
{
	target *t = &s->t[s->entry];

	if (t->n == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 1024;
		double *nv;
		if (t->n >= DRILL_MAX_SAMPLES) {
			char reason[96];
			snprintf(reason, sizeof(reason), "more than %u elements exceed the limit",
			         DRILL_MAX_SAMPLES);
			return scan_fail(s, s->entry, STRATA_ELIMIT, reason);
		}
		if (cap > DRILL_MAX_SAMPLES)
			cap = DRILL_MAX_SAMPLES;
		nv = realloc(t->v, cap * sizeof(*nv));
		if (!nv)
			return scan_fail(s, s->entry, STRATA_ENOMEM, "out of memory");
		t->v = nv;
		t->cap = cap;
	}
	t->v[t->n++] = v;
	return 1;
}

/* A value of the given JSON type where something else is expected fails. */
static int type_check(scan *s, role r, const char *type)
{
	char reason[120];

	if (r == R_ENTRY)
		snprintf(reason, sizeof(reason), "expected an object with Value, got %s", type);
	else if (r == R_ID)
		snprintf(reason, sizeof(reason), "expected an integer or string id, got %s", type);
	else if (r == R_TS)
		snprintf(reason, sizeof(reason), "SourceTimestamp: expected a string, got %s",
		         type);
	else if (r == R_VALUE)
		snprintf(reason, sizeof(reason), "expected an array of samples, got %s", type);
	else if (r == R_SAMPLES)
		snprintf(reason, sizeof(reason), "element %zu: expected a number or null, got %s",
		         s->t[s->entry].n, type);
	else
		return 1;
	return scan_fail(s, s->entry, STRATA_ESCHEMA, reason);
}

static int on_null(void *ctx)
{
	scan *s = ctx;
	role r = value_role(s);

	if (r == R_SAMPLES) {
		s->n_null++;
		return add_sample(s, NAN);
	}
	return type_check(s, r, "null");
}

static int on_boolean(void *ctx, int b)
{
	scan *s = ctx;
	(void)b;
	return type_check(s, value_role(s), "a boolean");
}

/* The open entry's id target takes a value (a second one is an error). */
static int take_id(scan *s, char *id)
{
	target *t = &s->t[s->entry];

	if (!id)
		return scan_fail(s, s->entry, STRATA_ENOMEM, "out of memory");
	free(t->id);
	t->id = id;
	return 1;
}

/* An integer id as jansson prints it; reals are not ids. */
static int integer_id(scan *s, const char *text, size_t len)
{
	char buf[48], *end;
	long long v;

	if (len >= sizeof(buf) || memchr(text, '.', len) || memchr(text, 'e', len) ||
	    memchr(text, 'E', len))
		return type_check(s, R_ID, "a number");
	memcpy(buf, text, len);
	buf[len] = '\0';
	errno = 0;
	v = strtoll(buf, &end, 10);
	if (errno || *end)
		return scan_fail(s, s->entry, STRATA_EPARSE, "integer id out of range");
	snprintf(buf, sizeof(buf), "%lld", v);
	return take_id(s, strdup(buf));
}

/* Take a sample parsed with strata_parse_json_double (rc, v): an overflow
 * to infinity or a failure is an error naming the element. */
static int take_sample(scan *s, int rc, double v)
{
	if (rc == 0 && !isinf(v))
		return add_sample(s, v);
	char reason[160];
	snprintf(reason, sizeof(reason), "element %zu: %s", s->t[s->entry].n,
	         rc == 0 ? "number out of range" : strata_error_message());
	return scan_fail(s, s->entry, rc == 0 ? STRATA_EPARSE : rc, reason);
}

/* A JSON number as a double (exactly as strtod reads it). */
static int sample_number(scan *s, const char *text, size_t len)
{
	double v;
	int rc = strata_parse_json_double(text, len, &v);

	return take_sample(s, rc, v);
}

static int on_number(void *ctx, const char *text, size_t len)
{
	scan *s = ctx;
	role r = value_role(s);

	if (r == R_SAMPLES)
		return sample_number(s, text, len);
	if (r == R_ID)
		return integer_id(s, text, len);
	return type_check(s, r, "a number");
}

/* Copy a timestamp text into dst; too long or holding NUL gives "" (which
 * fails to parse later, naming the entry). */
static void copy_timestamp(char *dst, const unsigned char *v, size_t len)
{
	dst[0] = '\0';
	if (len <= SCAN_TS_MAX && !memchr(v, '\0', len)) {
		memcpy(dst, v, len);
		dst[len] = '\0';
	}
}

static int on_string(void *ctx, const unsigned char *v, size_t len)
{
	scan *s = ctx;
	role r = value_role(s);

	if (r == R_TS) {
		copy_timestamp(s->t[s->entry].ts, v, len);
		return 1;
	}
	if (r == R_FIRST_TS) {
		s->has_first_ts = 1;
		copy_timestamp(s->first_ts, v, len);
		return 1;
	}
	if (r != R_ID)
		return type_check(s, r, "a string");
	if (len == 0 || len > DRILL_MAX_ID_LEN || memchr(v, '\0', len))
		return scan_fail(s, s->entry, STRATA_ESCHEMA,
		                 "id must be 1..256 bytes without NUL");
	return take_id(s, strndup((const char *)v, len));
}

/* Open a container of the given role. */
static int push(scan *s, role r)
{
	if (s->depth == SCAN_MAX_DEPTH)
		return scan_fail(s, -1, STRATA_ELIMIT, "nesting deeper than 2048 levels");
	s->stack[s->depth++] = (unsigned char)r;
	return 1;
}

static int on_start_map(void *ctx)
{
	scan *s = ctx;
	role r = value_role(s);

	if (r == R_MESSAGES)
		r = R_MSG; /* "Messages" is the DataSetMessage itself */
	if (r == R_PAYLOAD)
		s->payload_seen = 1;
	if (r == R_ID || r == R_TS || r == R_VALUE || r == R_SAMPLES)
		return type_check(s, r, "an object");
	return push(s, r);
}

static int on_start_array(void *ctx)
{
	scan *s = ctx;
	role r = value_role(s);

	if (r == R_ENTRY || r == R_ID || r == R_TS || r == R_SAMPLES)
		return type_check(s, r, "an array");
	if (r == R_MESSAGES)
		s->messages_index = 0;
	else if (r == R_VALUE)
		r = R_SAMPLES;
	else
		r = R_OTHER; /* a Payload or a first entry given as an array */
	if (r != R_MESSAGES)
		s->opened = r == R_SAMPLES ? OPENED_SAMPLES : OPENED_OTHER;
	return push(s, r);
}

/* Does the key (len bytes, may hold NUL) contain the path? */
static int key_contains(const unsigned char *key, size_t len, const char *path)
{
	size_t pl = strlen(path);

	for (size_t i = 0; pl <= len && i <= len - pl; i++)
		if (!memcmp(key + i, path, pl))
			return 1;
	return 0;
}

/* Role of the value of a payload entry key: the first unmatched target whose
 * path the key contains; a key that two targets want is an error. */
static role payload_key_role(scan *s, const unsigned char *key, size_t len)
{
	int hit = -1;

	for (int k = 0; k < s->n_targets; k++) {
		if (s->t[k].matched || !key_contains(key, len, s->t[k].path))
			continue;
		if (hit >= 0) {
			char reason[SCAN_SHOWN + 40];
			snprintf(reason, sizeof(reason), "the key also contains '%.300s'",
			         s->t[k].path);
			scan_fail(s, hit, STRATA_ESCHEMA, reason);
			return R_OTHER;
		}
		hit = k;
		size_t n = len < SCAN_SHOWN ? len : SCAN_SHOWN;
		memcpy(s->t[k].key, key, n);
		s->t[k].key[n] = '\0';
		s->t[k].matched = 1;
	}
	if (hit >= 0) {
		s->entry = hit;
		return R_ENTRY;
	}
	return s->fallback && !s->has_first_ts ? R_FIRST : R_OTHER;
}

static int key_is(const unsigned char *key, size_t len, const char *name)
{
	return len == strlen(name) && !memcmp(key, name, len);
}

/* Role of a key's value inside a wanted entry; repeats are errors. */
static role entry_key_role(scan *s, const unsigned char *key, size_t len)
{
	target *t = &s->t[s->entry];

	if (key_is(key, len, "Value")) {
		if (t->has_value++)
			scan_fail(s, s->entry, STRATA_ESCHEMA, "Value given twice");
		if (t->samples)
			return R_VALUE;
		return s->want_id ? R_ID : R_OTHER;
	}
	if (key_is(key, len, "SourceTimestamp") && !t->samples) {
		if (t->has_ts++)
			scan_fail(s, s->entry, STRATA_ESCHEMA, "SourceTimestamp given twice");
		return R_TS;
	}
	return R_OTHER;
}

static int on_map_key(void *ctx, const unsigned char *key, size_t len)
{
	scan *s = ctx;

	switch ((role)s->stack[s->depth - 1]) {
	case R_ROOT: s->pending = key_is(key, len, "Messages") ? R_MESSAGES : R_OTHER; break;
	case R_MSG:
		s->pending = key_is(key, len, "Payload") && !s->payload_seen ? R_PAYLOAD : R_OTHER;
		break;
	case R_PAYLOAD: s->pending = payload_key_role(s, key, len); break;
	case R_ENTRY: s->pending = entry_key_role(s, key, len); break;
	case R_FIRST:
		s->pending = key_is(key, len, "SourceTimestamp") ? R_FIRST_TS : R_OTHER;
		break;
	default: s->pending = R_OTHER; break;
	}
	return !s->failed;
}

/* Close a container; in key mode the wanted entry's end completes the scan,
 * and the first Messages or Payload ends what counts. */
static int on_end(void *ctx)
{
	scan *s = ctx;
	role r = (role)s->stack[--s->depth];
	target *t;

	if (r != R_ENTRY)
		return 1;
	t = &s->t[s->entry];
	s->entry = -1;
	if (!t->samples && s->want_id && !t->has_value)
		return scan_fail(s, (int)(t - s->t), STRATA_ESCHEMA, "no Value");
	if (!t->samples && !t->has_ts)
		return scan_fail(s, (int)(t - s->t), STRATA_ESCHEMA,
		                 "SourceTimestamp: missing or not a string");
	if (s->stop_at_end) {
		s->done = 1;
		return 0; /* stop: the rest of the message is not needed */
	}
	return 1;
}

static const yajl_callbacks scan_callbacks = {
    on_null,      on_boolean, NULL,   NULL,           on_number, on_string,
    on_start_map, on_map_key, on_end, on_start_array, on_end,
};

/* yajl's own error as "name:line:column: invalid JSON: reason". */
static int scan_syntax_error(yajl_handle h, const scan *s, const char *data, size_t len, size_t at)
{
	unsigned char *text = yajl_get_error(h, 0, (const unsigned char *)data, len);
	size_t line = 1, col = 1;
	char clean[200] = "";
	size_t n = 0;

	for (size_t i = 0; i < at && i < len; i++, col++)
		if (data[i] == '\n') {
			line++;
			col = 0;
		}
	/* one line, without yajl's trailing newline */
	for (const unsigned char *p = text; p && *p && n + 1 < sizeof(clean); p++)
		clean[n++] = (*p == '\n') ? ' ' : (char)*p;
	while (n && clean[n - 1] == ' ')
		n--;
	clean[n] = '\0';
	if (text)
		yajl_free_error(h, text);
	return strata_error_set(STRATA_EPARSE, "%s:%zu:%zu: invalid JSON: %s", s->msg, line, col,
	                        clean);
}

/* --- the samples arrays without yajl ----------------------------------------------- */

static int is_json_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Skip JSON whitespace from p; returns the next offset (len at the end). */
static size_t skip_space(const char *data, size_t len, size_t p)
{
	while (p < len && is_json_space(data[p]))
		p++;
	return p;
}

/* One element of an array at data[p]: a number or null, added to the open
 * entry when keep is set (else only checked). Returns the offset after it,
 * 0 when something else starts there, or 0 with s->failed set when a kept
 * sample is refused. */
static size_t read_element(scan *s, const char *data, size_t len, size_t p, int keep)
{
	size_t used = 0;
	double v;
	int rc;

	if (len - p >= 4 && !memcmp(data + p, "null", 4)) {
		if (!keep)
			return p + 4;
		s->n_null++;
		return add_sample(s, NAN) ? p + 4 : 0;
	}
	if (!keep) {
		used = strata_json_number_length(data + p, len - p);
		return used ? p + used : 0;
	}
	rc = strata_scan_json_double(data + p, len - p, &used, &v);
	if (rc == STRATA_EPARSE)
		return 0;
	return take_sample(s, rc, v) ? p + used : 0;
}

/*
 * yajl has just read the '[' of an array, ending before data[p]. Read its
 * elements here when they are numbers and nulls (what a trace holds, at a
 * fraction of yajl's cost per byte; kept for a samples array, only checked
 * for an array nothing wants) and return the offset of its closing ']', for
 * yajl to read next: yajl sees an empty array, whose elements would have
 * had no other effect. When the array holds anything else or is cut short,
 * return 0 with the samples read here dropped: yajl then reads the array
 * itself, with its own errors. A refused sample (limit, range) sets
 * s->failed.
 */
static size_t read_array(scan *s, const char *data, size_t len, size_t p, int keep)
{
	target *t = keep ? &s->t[s->entry] : NULL;
	size_t n0 = t ? t->n : 0, null0 = s->n_null;

	p = skip_space(data, len, p);
	if (p < len && data[p] == ']')
		return p;
	while (p < len) {
		p = read_element(s, data, len, p, keep);
		if (p == 0)
			break;
		p = skip_space(data, len, p);
		if (p < len && data[p] == ']')
			return p;
		if (p >= len || data[p] != ',')
			break;
		p = skip_space(data, len, p + 1);
	}
	if (t)
		t->n = n0;
	s->n_null = null0;
	return 0;
}

/*
 * Feed the message to yajl in pieces that end at each '[' (the only bytes
 * that can open an array), so that after a piece that opened one the
 * array's elements can be read without yajl. *at is the offset where yajl
 * stopped.
 */
static yajl_status scan_feed(scan *s, yajl_handle h, const char *data, size_t len, size_t *at)
{
	yajl_status st = yajl_status_ok;
	size_t pos = 0;

	while (pos < len && st == yajl_status_ok) {
		const char *bracket = memchr(data + pos, '[', len - pos);
		size_t end = bracket ? (size_t)(bracket - data) + 1 : len;

		st = yajl_parse(h, (const unsigned char *)data + pos, end - pos);
		*at = pos + yajl_get_bytes_consumed(h);
		pos = end;
		if (st != yajl_status_ok || s->opened == OPENED_NONE)
			continue;
		size_t close = read_array(s, data, len, pos, s->opened == OPENED_SAMPLES);
		s->opened = OPENED_NONE;
		if (s->failed)
			return yajl_status_client_canceled;
		if (close)
			pos = close;
	}
	return st;
}

/* Run the scan over the whole message (or until the key mode stops it). */
static int scan_run(scan *s, const char *data, size_t len)
{
	yajl_handle h;
	yajl_status st;
	size_t at = 0;
	int rc = 0;

	if (len > DRILL_MAX_MESSAGE_BYTES && !s->stop_at_end)
		return strata_error_set(STRATA_ELIMIT, "%s: message of %zu bytes exceeds %u",
		                        s->msg, len, DRILL_MAX_MESSAGE_BYTES);
	h = yajl_alloc(&scan_callbacks, NULL, s);
	if (!h)
		return strata_error_set(STRATA_ENOMEM, "%s: out of memory", s->msg);
	st = scan_feed(s, h, data, len, &at);
	if (st == yajl_status_ok) {
		st = yajl_complete_parse(h);
		at = len; /* what is missing is at the end */
	}
	if (s->failed)
		rc = s->failed;
	else if (s->done)
		rc = 0;
	else if (st == yajl_status_error)
		rc = scan_syntax_error(h, s, data, len, at);
	else if (!s->payload_seen)
		rc = strata_error_set(STRATA_ESCHEMA,
		                      "%s: Messages.Payload: missing or not an object", s->msg);
	yajl_free(h);
	return rc;
}

/* A scan over one message; name labels errors. */
static scan *scan_new(const char *name)
{
	scan *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->msg = name ? name : "message";
	s->entry = -1;
	return s;
}

static void scan_free(scan *s)
{
	for (int k = 0; k < s->n_targets; k++) {
		free(s->t[k].id);
		free(s->t[k].v);
	}
	free(s);
}

/* Add a wanted entry; its key reads as the path until it is matched. */
static void scan_want(scan *s, const char *path, int samples)
{
	target *t = &s->t[s->n_targets++];

	t->path = path;
	t->samples = samples;
	snprintf(t->key, sizeof(t->key), "%.300s", path);
}

/* The id target's timestamp (or the fallback's) as ns. */
static int scan_timestamp(const scan *s, const target *t, const char *text, strata_time *out)
{
	if (strata_time_parse_iso8601(text, out) != 0)
		return strata_error_wrap(STRATA_EPARSE, "%s: %s: SourceTimestamp", s->msg, t->key);
	return 0;
}

int drill_payload_key(const char *data, size_t len, const char *name, const char *path,
                      int fallback_first_ts, char **id, strata_time *timestamp)
{
	scan *s;
	int rc;

	if ((!data && len) || !path || !*path || !timestamp)
		return strata_error_set(STRATA_EINVAL, "drill_payload_key: invalid argument");
	s = scan_new(name);
	if (!s)
		return strata_error_set(STRATA_ENOMEM, "%s: out of memory",
		                        name ? name : "message");
	scan_want(s, path, 0);
	s->want_id = id != NULL;
	s->fallback = fallback_first_ts;
	s->stop_at_end = 1;
	rc = scan_run(s, data ? data : "", len);
	if (!rc && !s->done && !(s->fallback && s->has_first_ts))
		rc = strata_error_set(STRATA_ESCHEMA, "%s: no payload key contains '%.300s'",
		                      s->msg, path);
	if (!rc)
		rc = scan_timestamp(s, &s->t[0], s->done ? s->t[0].ts : s->first_ts, timestamp);
	if (!rc && id) {
		*id = s->t[0].id; /* NULL for a fallback key */
		s->t[0].id = NULL;
	}
	scan_free(s);
	return rc;
}

/* After the scan: every target present, the arrays of equal length. */
static int trace_check(const scan *s)
{
	for (int k = 0; k < s->n_targets; k++) {
		const target *t = &s->t[k];
		if (!t->matched)
			return strata_error_set(STRATA_ESCHEMA,
			                        "%s: no payload key contains '%.300s'", s->msg,
			                        t->path);
		if (!t->has_value)
			return strata_error_set(STRATA_ESCHEMA, "%s: %s: no Value", s->msg, t->key);
		if (t->samples && t->n != s->t[1].n)
			return strata_error_set(
			    STRATA_ESCHEMA, "%s: %s: %zu samples, but the position trace has %zu",
			    s->msg, t->key, t->n, s->t[1].n);
	}
	return 0;
}

/* Move the scan's results into out. */
static int trace_take(scan *s, drill_trace *out)
{
	double **arrays[4] = {&out->position, &out->torque, &out->thrust, &out->step};
	int rc = scan_timestamp(s, &s->t[0], s->t[0].ts, &out->timestamp);

	if (rc)
		return rc;
	out->result_id = s->t[0].id;
	s->t[0].id = NULL;
	for (int k = 0; k < 4; k++) {
		target *t = &s->t[k + 1];
		*arrays[k] = t->v ? t->v : malloc(sizeof(double));
		t->v = NULL;
		if (!*arrays[k])
			return strata_error_set(STRATA_ENOMEM, "%s: out of memory", s->msg);
	}
	out->n = s->t[1].n;
	out->n_null = s->n_null;
	return 0;
}

int drill_trace_scan(const char *data, size_t len, const char *name, const drill_data_ids *ids,
                     drill_trace *out)
{
	scan *s = scan_new(name);
	int rc;

	memset(out, 0, sizeof(*out));
	if (!s)
		return strata_error_set(STRATA_ENOMEM, "%s: out of memory",
		                        name ? name : "message");
	scan_want(s, ids->trace_result_id, 0);
	scan_want(s, ids->position, 1);
	scan_want(s, ids->torque, 1);
	scan_want(s, ids->thrust, 1);
	scan_want(s, ids->step, 1);
	s->want_id = 1;
	rc = scan_run(s, data, len);
	if (!rc)
		rc = trace_check(s);
	if (!rc)
		rc = trace_take(s, out);
	scan_free(s);
	if (rc)
		drill_trace_free(out);
	return rc;
}
