/* jstream.c - yajl callbacks that keep the path and forward to one handler. */
#include "jstream.h"

#include "strata/buf.h"
#include "strata/error.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_parse.h>

#define JSTREAM_NEST_LIMIT 256
#define JSTREAM_CHUNK      (256 * 1024)

typedef struct jstream_state {
	jstream_path path;
	jstream_handler handler;
	void *ctx;
	int rc;
	strata_buf text; /* NUL-terminated copy of the current string */
} jstream_state;

const char *jstream_key(const jstream_path *p, int d)
{
	if (d < 0 || d > p->depth || d > JSTREAM_DEPTH_MAX || p->is_array[d])
		return "";
	return p->key[d];
}

/* After a value at the current level, an array moves to its next index. */
static void advance(jstream_state *s)
{
	int d = s->path.depth;
	if (d <= JSTREAM_DEPTH_MAX && s->path.is_array[d])
		s->path.index[d]++;
}

/* Forward one event; remember the handler's error to stop yajl. */
static int emit(jstream_state *s, jstream_event ev, const jstream_value *v)
{
	int rc = s->handler(s->ctx, ev, &s->path, v);
	if (rc < 0) {
		s->rc = rc;
		return 0;
	}
	return 1;
}

static int scalar(jstream_state *s, jstream_event ev, const jstream_value *v)
{
	int ok = emit(s, ev, v);
	advance(s);
	return ok;
}

static int on_null(void *ctx)
{
	jstream_value v = {0};
	return scalar(ctx, JS_NULL, &v);
}

static int on_boolean(void *ctx, int b)
{
	jstream_value v = {0};
	v.boolean = b;
	return scalar(ctx, JS_BOOL, &v);
}

/* Plain integers ("-"? digits, at most 18) without strtod: the common case
 * in history arrays. Returns 1 when text was one. */
static int fast_integer(const char *text, size_t len, int64_t *out)
{
	size_t i = text[0] == '-' ? 1 : 0;
	if (len == i || len - i > 18)
		return 0;
	int64_t v = 0;
	for (size_t k = i; k < len; k++) {
		unsigned d = (unsigned)(text[k] - '0');
		if (d > 9)
			return 0;
		v = v * 10 + (int64_t)d;
	}
	*out = i ? -v : v;
	return 1;
}

/* Numbers arrive as text: parsed here so that huge integers do not abort. */
static int on_number(void *ctx, const char *text, size_t len)
{
	jstream_state *s = ctx;
	jstream_value v = {0};
	if (fast_integer(text, len, &v.integer)) {
		v.is_integer = 1;
		v.number = (double)v.integer;
		return scalar(s, JS_NUMBER, &v);
	}
	char tmp[64];
	if (len >= sizeof(tmp))
		len = sizeof(tmp) - 1;
	memcpy(tmp, text, len);
	tmp[len] = '\0';
	v.number = strtod(tmp, NULL);
	if (!strpbrk(tmp, ".eE")) {
		char *end;
		errno = 0;
		long long i = strtoll(tmp, &end, 10);
		if (errno == 0 && *end == '\0') {
			v.is_integer = 1;
			v.integer = i;
		}
	}
	return scalar(s, JS_NUMBER, &v);
}

static int on_string(void *ctx, const unsigned char *str, size_t len)
{
	jstream_state *s = ctx;
	jstream_value v = {0};
	strata_buf_reset(&s->text);
	if (strata_buf_append(&s->text, str, len) < 0 && len > 0) {
		s->rc = STRATA_ENOMEM;
		return 0;
	}
	v.string = strata_buf_cstr(&s->text);
	v.len = len;
	return scalar(s, JS_STRING, &v);
}

/* Enter a map or array: report it at its own position, then push a level. */
static int start(jstream_state *s, jstream_event ev, int is_array)
{
	jstream_value v = {0};
	if (!emit(s, ev, &v))
		return 0;
	if (s->path.depth >= JSTREAM_NEST_LIMIT) {
		s->rc = strata_error_set(STRATA_EPARSE, "nesting deeper than %d levels",
		                         JSTREAM_NEST_LIMIT);
		return 0;
	}
	int d = ++s->path.depth;
	if (d <= JSTREAM_DEPTH_MAX) {
		s->path.is_array[d] = (unsigned char)is_array;
		s->path.index[d] = 0;
		s->path.key[d][0] = '\0';
	}
	return 1;
}

/* Leave a container: pop the level, report the end at its position. */
static int end(jstream_state *s, jstream_event ev)
{
	jstream_value v = {0};
	s->path.depth--;
	return scalar(s, ev, &v);
}

static int on_start_map(void *ctx)
{
	return start(ctx, JS_START_MAP, 0);
}

static int on_end_map(void *ctx)
{
	return end(ctx, JS_END_MAP);
}

static int on_start_array(void *ctx)
{
	return start(ctx, JS_START_ARRAY, 1);
}

static int on_end_array(void *ctx)
{
	return end(ctx, JS_END_ARRAY);
}

static int on_map_key(void *ctx, const unsigned char *key, size_t len)
{
	jstream_state *s = ctx;
	int d = s->path.depth;
	if (d > JSTREAM_DEPTH_MAX)
		return 1;
	if (len > JSTREAM_KEY_MAX || memchr(key, '\0', len))
		len = 0; /* matches nothing */
	memcpy(s->path.key[d], key, len);
	s->path.key[d][len] = '\0';
	return 1;
}

static const yajl_callbacks jstream_callbacks = {
    on_null,      on_boolean, NULL,       NULL,           on_number,    on_string,
    on_start_map, on_map_key, on_end_map, on_start_array, on_end_array,
};

/* Turn a yajl failure into STRATA_EPARSE (or the handler's own error). */
static int parse_failure(jstream_state *s, yajl_handle h, const char *name, uint64_t offset)
{
	if (s->rc < 0)
		return strata_error_wrap(s->rc, "%s: byte %llu", name, (unsigned long long)offset);
	unsigned char *msg = yajl_get_error(h, 0, NULL, 0);
	char text[160];
	snprintf(text, sizeof(text), "%s", msg ? (const char *)msg : "invalid JSON");
	if (msg)
		yajl_free_error(h, msg);
	for (char *p = text; *p; p++)
		if (*p == '\n')
			*p = ' ';
	return strata_error_set(STRATA_EPARSE, "%s: byte %llu: invalid JSON: %s", name,
	                        (unsigned long long)offset, text);
}

static yajl_handle open_parser(jstream_state *s, jstream_handler handler, void *ctx)
{
	memset(s, 0, sizeof(*s));
	s->handler = handler;
	s->ctx = ctx;
	return yajl_alloc(&jstream_callbacks, NULL, s);
}

int jstream_parse_buffer(const char *name, const char *data, size_t len, jstream_handler handler,
                         void *ctx)
{
	jstream_state s;
	yajl_handle h = open_parser(&s, handler, ctx);
	if (!h)
		return strata_error_set(STRATA_ENOMEM, "%s: out of memory", name);
	int rc = 0;
	if (yajl_parse(h, (const unsigned char *)data, len) != yajl_status_ok ||
	    yajl_complete_parse(h) != yajl_status_ok)
		rc = parse_failure(&s, h, name, yajl_get_bytes_consumed(h));
	yajl_free(h);
	strata_buf_free(&s.text);
	return rc;
}

/* Accept "file://PATH" as PATH. */
static const char *local_path(const char *path)
{
	return strncmp(path, "file://", 7) == 0 ? path + 7 : path;
}

/* Feed the open file through h in chunks; returns 0 or the parse error. */
static int feed_file(jstream_state *s, yajl_handle h, FILE *fp, const char *name, uint64_t *total)
{
	unsigned char *chunk = malloc(JSTREAM_CHUNK);
	if (!chunk)
		return strata_error_set(STRATA_ENOMEM, "%s: out of memory", name);
	int rc = 0;
	for (;;) {
		size_t n = fread(chunk, 1, JSTREAM_CHUNK, fp);
		if (n == 0) {
			if (ferror(fp))
				rc = strata_error_set_errno("%s: read", name);
			else if (yajl_complete_parse(h) != yajl_status_ok)
				rc = parse_failure(s, h, name, *total);
			break;
		}
		if (yajl_parse(h, chunk, n) != yajl_status_ok) {
			rc = parse_failure(s, h, name, *total + yajl_get_bytes_consumed(h));
			break;
		}
		*total += n;
	}
	free(chunk);
	return rc;
}

int jstream_parse_file(const char *path, jstream_handler handler, void *ctx, uint64_t *bytes_read)
{
	const char *name = local_path(path);
	FILE *fp = fopen(name, "rb");
	if (!fp)
		return strata_error_set_errno("%s", name);
	jstream_state s;
	yajl_handle h = open_parser(&s, handler, ctx);
	uint64_t total = 0;
	int rc = h ? feed_file(&s, h, fp, name, &total)
	           : strata_error_set(STRATA_ENOMEM, "%s: out of memory", name);
	if (h)
		yajl_free(h);
	fclose(fp);
	strata_buf_free(&s.text);
	if (bytes_read)
		*bytes_read = total;
	return rc;
}
