/*
 * jsonl.c - JSON lines to CSV-like cells (see jsonl.h). Two passes: the
 * first collects the keys (the header), the second writes every line's
 * cells in header order.
 */
#include "store/jsonl.h"

#include "strata/buf.h"
#include "strata/error.h"

#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define JSONL_MAX_COLS 4096

/* The parsed lines and the header. */
typedef struct jl_state {
	const char *name;
	json_t **objs; /* one object per non-empty line */
	uint32_t *lines;
	size_t n, cap;
	json_t *keys; /* object: key -> column index */
	const char **header;
	size_t ncols;
} jl_state;

static void jl_free(jl_state *s)
{
	for (size_t i = 0; i < s->n; i++)
		json_decref(s->objs[i]);
	free(s->objs);
	free(s->lines);
	free(s->header);
	json_decref(s->keys);
}

/* Record the keys of object o (line line) not seen yet. */
static int add_keys(jl_state *s, json_t *o, uint32_t line)
{
	const char *k;
	json_t *v;

	json_object_foreach(o, k, v)
	{
		if (json_is_array(v) || json_is_object(v))
			return strata_error_set(STRATA_EPARSE,
			                        "%s:%u: key %s: nested values are not "
			                        "supported",
			                        s->name, (unsigned)line, k);
		if (json_object_get(s->keys, k))
			continue;
		if (s->ncols == JSONL_MAX_COLS)
			return strata_error_set(STRATA_ELIMIT, "%s:%u: more than %d keys", s->name,
			                        (unsigned)line, JSONL_MAX_COLS);
		if (json_object_set_new(s->keys, k, json_integer((json_int_t)s->ncols++)))
			return strata_error_set(STRATA_ENOMEM, "out of memory");
	}
	return 0;
}

/* Parse one line (bytes p[0..len)) as an object. */
static int add_line(jl_state *s, const char *p, size_t len, uint32_t line)
{
	json_error_t err;
	json_t *o;

	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 256;
		json_t **objs = realloc(s->objs, cap * sizeof(json_t *));
		uint32_t *lines = objs ? realloc(s->lines, cap * sizeof *lines) : NULL;
		if (objs)
			s->objs = objs;
		if (!objs || !lines)
			return strata_error_set(STRATA_ENOMEM, "%s: out of memory", s->name);
		s->lines = lines;
		s->cap = cap;
	}
	o = json_loadb(p, len, JSON_REJECT_DUPLICATES, &err);
	if (!o)
		return strata_error_set(STRATA_EPARSE, "%s:%u:%d: %s", s->name, (unsigned)line,
		                        err.column, err.text);
	s->objs[s->n] = o;
	s->lines[s->n++] = line;
	if (!json_is_object(o))
		return strata_error_set(STRATA_EPARSE, "%s:%u: not a JSON object", s->name,
		                        (unsigned)line);
	return add_keys(s, o, line);
}

/* Split data into lines and parse the non-empty ones. */
static int parse_lines(jl_state *s, const char *data, size_t len)
{
	uint32_t line = 0;
	int rc = 0;

	for (size_t at = 0; !rc && at < len;) {
		const char *nl = memchr(data + at, '\n', len - at);
		size_t end = nl ? (size_t)(nl - data) : len, e = end;
		line++;
		while (e > at && (data[e - 1] == '\r' || data[e - 1] == ' ' || data[e - 1] == '\t'))
			e--;
		if (e > at)
			rc = add_line(s, data + at, e - at, line);
		at = end + 1;
	}
	return rc;
}

/* Append the cell text of v (NULL: missing) and a NUL. */
static int put_cell(strata_buf *b, const json_t *v)
{
	char *text;
	int rc;

	if (json_is_string(v))
		rc = strata_buf_append(b, json_string_value(v), json_string_length(v));
	else if (json_is_boolean(v))
		rc = strata_buf_puts(b, json_is_true(v) ? "true" : "false");
	else if (json_is_number(v)) {
		text = json_dumps(v, JSON_ENCODE_ANY);
		rc = text ? strata_buf_puts(b, text)
		          : strata_error_set(STRATA_ENOMEM, "out of memory");
		free(text);
	} else
		rc = 0;
	return rc ? rc : strata_buf_putc(b, '\0');
}

/* Fill out: header cells then every line's, offsets resolved at the end. */
static int build_cells(jl_state *s, store_csv *out)
{
	size_t ncells = (s->n + 1) * s->ncols, *offs = calloc(ncells ? ncells : 1, sizeof *offs);
	strata_buf b = STRATA_BUF_INIT;
	const char *k;
	json_t *v;
	int rc = 0;

	out->cells = calloc(ncells ? ncells : 1, sizeof *out->cells);
	out->line = calloc(ncells ? ncells : 1, sizeof *out->line);
	out->col = calloc(ncells ? ncells : 1, sizeof *out->col);
	if (!offs || !out->cells || !out->line || !out->col ||
	    !(s->header = calloc(s->ncols + 1, sizeof *s->header))) {
		free(offs);
		return strata_error_set(STRATA_ENOMEM, "%s: out of memory", s->name);
	}
	json_object_foreach(s->keys, k, v)
	{
		s->header[json_integer_value(v)] = k;
	}
	for (size_t j = 0; !rc && j < s->ncols; j++) {
		offs[j] = b.len;
		out->line[j] = 1;
		out->col[j] = (uint32_t)j + 1;
		rc = strata_buf_append(&b, s->header[j], strlen(s->header[j]) + 1);
	}
	for (size_t i = 0; !rc && i < s->n; i++)
		for (size_t j = 0; !rc && j < s->ncols; j++) {
			size_t cell = (i + 1) * s->ncols + j;
			offs[cell] = b.len;
			out->line[cell] = s->lines[i];
			out->col[cell] = (uint32_t)j + 1;
			rc = put_cell(&b, json_object_get(s->objs[i], s->header[j]));
		}
	if (!rc && !(out->bytes = strata_buf_detach(&b)))
		rc = strata_error_set(STRATA_ENOMEM, "out of memory");
	for (size_t c = 0; !rc && c < ncells; c++)
		out->cells[c] = out->bytes + offs[c];
	strata_buf_free(&b);
	free(offs);
	return rc;
}

int store_jsonl_parse(const char *name, const char *data, size_t len, store_csv *out)
{
	jl_state s = {.name = name};
	int rc;

	memset(out, 0, sizeof *out);
	if (!(s.keys = json_object()))
		return strata_error_set(STRATA_ENOMEM, "out of memory");
	rc = parse_lines(&s, data, len);
	if (!rc && !s.ncols)
		rc = strata_error_set(STRATA_EPARSE, "%s: no JSON object with keys", name);
	if (!rc && !(rc = build_cells(&s, out))) {
		out->nrows = s.n;
		out->ncols = s.ncols;
	}
	jl_free(&s);
	if (rc)
		store_csv_free(out);
	return rc;
}
