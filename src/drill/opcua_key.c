/*
 * opcua_key.c - the correlation key of an OPC UA PubSub JSON message, read
 * with yajl's streaming parser: nothing is built, sample arrays are only
 * tokenised, and the scan stops once the entry holding the key has closed.
 *
 * The scan tracks what each open container is (the root, Messages, the
 * first DataSetMessage, its Payload, the matching entry) on a small stack;
 * everything else is skipped.
 */
#include "drill/opcua.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_parse.h>

#include "strata/error.h"

#define KEY_MAX_DEPTH 2048 /* deeper nesting is refused (jansson's limit too) */
#define KEY_TS_MAX    64   /* longest SourceTimestamp text accepted */
#define KEY_SHOWN     300  /* bytes of a payload key quoted in messages */

/* What a JSON value is in the message. */
typedef enum role {
	R_OTHER = 0,
	R_ROOT,     /* the top-level object */
	R_MESSAGES, /* its "Messages": an object or an array of them */
	R_MSG,      /* the (first) DataSetMessage */
	R_PAYLOAD,  /* its "Payload" */
	R_ENTRY,    /* the first payload entry whose key contains the path */
	R_FIRST,    /* a payload entry, while no SourceTimestamp has been seen */
	R_ID,       /* the matching entry's Value */
	R_TS,       /* the matching entry's SourceTimestamp */
	R_FIRST_TS  /* an R_FIRST entry's SourceTimestamp */
} role;

typedef struct scan {
	const char *msg, *path;
	int want_id, fallback;
	unsigned char stack[KEY_MAX_DEPTH]; /* role of each open container */
	size_t depth;
	size_t messages_index; /* elements seen in a Messages array */
	role pending;          /* role of the value after the current key */
	int payload_seen, matched, done, failed;
	char key[KEY_SHOWN + 1]; /* the matching payload key, for messages */
	char *id;
	char ts[KEY_TS_MAX + 1], first_ts[KEY_TS_MAX + 1];
	int has_ts, has_first_ts, has_id;
} scan;

/* Record an error about the matching entry and stop the scan (callbacks
 * return this). */
static int scan_fail(scan *s, int code, const char *reason)
{
	s->failed = code;
	strata_error_set(code, "%s: %s: %s", s->msg, s->key, reason);
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
	r = s->pending;
	s->pending = R_OTHER;
	return r;
}

/* A scalar in a place that expects something else is an error. */
static int scalar_check(scan *s, role r, const char *type)
{
	char reason[96];

	if (r == R_ENTRY)
		snprintf(reason, sizeof(reason), "expected an object with Value, got %s", type);
	else if (r == R_ID)
		snprintf(reason, sizeof(reason), "expected an integer or string id, got %s", type);
	else if (r == R_TS)
		snprintf(reason, sizeof(reason), "SourceTimestamp: expected a string, got %s",
		         type);
	else
		return 1;
	return scan_fail(s, STRATA_ESCHEMA, reason);
}

static int on_null(void *ctx)
{
	scan *s = ctx;
	return scalar_check(s, value_role(s), "null");
}

static int on_boolean(void *ctx, int b)
{
	scan *s = ctx;
	(void)b;
	return scalar_check(s, value_role(s), "a boolean");
}

/* An integer id as jansson prints it; reals are not ids. */
static int take_integer_id(scan *s, const char *text, size_t len)
{
	char buf[48], *end;
	long long v;

	if (len >= sizeof(buf) || memchr(text, '.', len) || memchr(text, 'e', len) ||
	    memchr(text, 'E', len))
		return scan_fail(s, STRATA_ESCHEMA,
		                 "expected an integer or string id, got a number");
	memcpy(buf, text, len);
	buf[len] = '\0';
	errno = 0;
	v = strtoll(buf, &end, 10);
	if (errno || *end)
		return scan_fail(s, STRATA_EPARSE, "integer id out of range");
	snprintf(buf, sizeof(buf), "%lld", v);
	free(s->id);
	s->id = strdup(buf);
	if (!s->id)
		return scan_fail(s, STRATA_ENOMEM, "out of memory");
	s->has_id = 1;
	return 1;
}

static int on_number(void *ctx, const char *text, size_t len)
{
	scan *s = ctx;
	role r = value_role(s);

	if (r == R_ID)
		return take_integer_id(s, text, len);
	return scalar_check(s, r, "a number");
}

/* Copy a timestamp string; too long or holding NUL is refused. */
static int take_timestamp(scan *s, char *dst, const unsigned char *v, size_t len)
{
	if (len > KEY_TS_MAX || memchr(v, '\0', len))
		return scan_fail(s, STRATA_EPARSE, "SourceTimestamp: not a timestamp");
	memcpy(dst, v, len);
	dst[len] = '\0';
	return 1;
}

static int on_string(void *ctx, const unsigned char *v, size_t len)
{
	scan *s = ctx;
	role r = value_role(s);

	if (r == R_TS) {
		s->has_ts = 1;
		return take_timestamp(s, s->ts, v, len);
	}
	if (r == R_FIRST_TS) {
		/* only a fallback: an unreadable one fails later, if it is used */
		s->has_first_ts = 1;
		if (len <= KEY_TS_MAX && !memchr(v, '\0', len)) {
			memcpy(s->first_ts, v, len);
			s->first_ts[len] = '\0';
		}
		return 1;
	}
	if (r != R_ID)
		return scalar_check(s, r, "a string");
	if (len == 0 || len > DRILL_MAX_ID_LEN || memchr(v, '\0', len))
		return scan_fail(s, STRATA_ESCHEMA, "id must be 1..256 bytes without NUL");
	free(s->id);
	s->id = strndup((const char *)v, len);
	if (!s->id)
		return scan_fail(s, STRATA_ENOMEM, "out of memory");
	s->has_id = 1;
	return 1;
}

/* Open a container of the given role. */
static int push(scan *s, role r)
{
	if (s->depth == KEY_MAX_DEPTH)
		return scan_fail(s, STRATA_ELIMIT, "nesting deeper than 2048 levels");
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
	if (r == R_ID || r == R_TS)
		return scalar_check(s, r, "an object");
	return push(s, r);
}

static int on_start_array(void *ctx)
{
	scan *s = ctx;
	role r = value_role(s);

	if (r == R_MESSAGES)
		s->messages_index = 0;
	else if (r == R_ENTRY || r == R_ID || r == R_TS)
		return scalar_check(s, r, "an array");
	else if (r != R_OTHER)
		r = R_OTHER; /* a Payload or a first-entry given as an array */
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

/* Role of the value of a payload entry key. */
static role payload_key_role(scan *s, const unsigned char *key, size_t len)
{
	if (!s->matched && key_contains(key, len, s->path)) {
		size_t n = len < KEY_SHOWN ? len : KEY_SHOWN;

		memcpy(s->key, key, n);
		s->key[n] = '\0';
		s->matched = 1;
		return R_ENTRY;
	}
	return s->fallback && !s->has_first_ts ? R_FIRST : R_OTHER;
}

static int key_is(const unsigned char *key, size_t len, const char *name)
{
	return len == strlen(name) && !memcmp(key, name, len);
}

static int on_map_key(void *ctx, const unsigned char *key, size_t len)
{
	scan *s = ctx;

	switch ((role)s->stack[s->depth - 1]) {
	case R_ROOT: s->pending = key_is(key, len, "Messages") ? R_MESSAGES : R_OTHER; break;
	case R_MSG: s->pending = key_is(key, len, "Payload") ? R_PAYLOAD : R_OTHER; break;
	case R_PAYLOAD: s->pending = payload_key_role(s, key, len); break;
	case R_ENTRY:
		s->pending = key_is(key, len, "SourceTimestamp")       ? R_TS
		             : key_is(key, len, "Value") && s->want_id ? R_ID
		                                                       : R_OTHER;
		break;
	case R_FIRST:
		s->pending = key_is(key, len, "SourceTimestamp") ? R_FIRST_TS : R_OTHER;
		break;
	default: s->pending = R_OTHER; break;
	}
	return 1;
}

/* Close a container; the matching entry's end completes the scan. */
static int on_end(void *ctx)
{
	scan *s = ctx;
	role r = (role)s->stack[--s->depth];

	if (r != R_ENTRY)
		return 1;
	if (s->want_id && !s->has_id)
		return scan_fail(s, STRATA_ESCHEMA, "no Value");
	if (!s->has_ts)
		return scan_fail(s, STRATA_ESCHEMA, "SourceTimestamp: missing or not a string");
	s->done = 1;
	return 0; /* stop: the rest of the message is not needed */
}

static const yajl_callbacks key_callbacks = {
    on_null,      on_boolean, NULL,   NULL,           on_number, on_string,
    on_start_map, on_map_key, on_end, on_start_array, on_end,
};

/* The error of a scan that ended without the entry. */
static int scan_missing(const scan *s)
{
	if (!s->payload_seen)
		return strata_error_set(STRATA_ESCHEMA,
		                        "%s: Messages.Payload: missing or not an object", s->msg);
	return strata_error_set(STRATA_ESCHEMA, "%s: no payload key contains '%.300s'", s->msg,
	                        s->path);
}

/* yajl's own error, with the byte offset. */
static int scan_syntax_error(yajl_handle h, const scan *s, const char *data, size_t len)
{
	unsigned char *text = yajl_get_error(h, 0, (const unsigned char *)data, len);
	size_t at = yajl_get_bytes_consumed(h);
	char clean[200];
	size_t n = 0;

	/* one line, without yajl's trailing newline */
	for (const unsigned char *p = text; p && *p && n + 1 < sizeof(clean); p++)
		clean[n++] = (*p == '\n') ? ' ' : (char)*p;
	while (n && clean[n - 1] == ' ')
		n--;
	clean[n] = '\0';
	if (text)
		yajl_free_error(h, text);
	return strata_error_set(STRATA_EPARSE, "%s: invalid JSON at byte %zu: %s", s->msg, at,
	                        clean);
}

/* Run the scan; returns 0 when the key's entry (or, with fallback, a first
 * timestamp) was found. */
static int scan_run(scan *s, const char *data, size_t len)
{
	yajl_handle h = yajl_alloc(&key_callbacks, NULL, s);
	yajl_status st;
	int rc = 0;

	if (!h)
		return strata_error_set(STRATA_ENOMEM, "%s: out of memory", s->msg);
	st = yajl_parse(h, (const unsigned char *)data, len);
	if (st == yajl_status_ok)
		st = yajl_complete_parse(h);
	if (s->failed)
		rc = s->failed;
	else if (s->done)
		rc = 0;
	else if (st == yajl_status_error)
		rc = scan_syntax_error(h, s, data, len);
	else if (!(s->fallback && s->has_first_ts))
		rc = scan_missing(s);
	yajl_free(h);
	return rc;
}

int drill_payload_key(const char *data, size_t len, const char *name, const char *path,
                      int fallback_first_ts, char **id, strata_time *timestamp)
{
	scan *s;
	int rc;

	if ((!data && len) || !path || !*path || !timestamp)
		return strata_error_set(STRATA_EINVAL, "drill_payload_key: invalid argument");
	s = calloc(1, sizeof(*s));
	if (!s)
		return strata_error_set(STRATA_ENOMEM, "%s: out of memory",
		                        name ? name : "message");
	s->msg = name ? name : "message";
	s->path = path;
	s->want_id = id != NULL;
	s->fallback = fallback_first_ts;
	snprintf(s->key, sizeof(s->key), "%.300s", path);
	rc = scan_run(s, data ? data : "", len);
	if (!rc) {
		const char *ts = s->done ? s->ts : s->first_ts;

		if (strata_time_parse_iso8601(ts, timestamp) != 0)
			rc = strata_error_wrap(STRATA_EPARSE, "%s: %.300s: SourceTimestamp", s->msg,
			                       s->key);
	}
	if (!rc && id) {
		*id = s->id; /* NULL for a fallback key */
		s->id = NULL;
	}
	free(s->id);
	free(s);
	return rc;
}
