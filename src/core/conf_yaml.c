/*
 * conf_yaml.c - YAML into a strata_conf tree, through libyaml's event API.
 *
 * Events are folded into the tree with an explicit stack (no recursion); the
 * stack cannot overflow because conf_add() refuses nodes deeper than
 * CONF_MAX_DEPTH. Plain scalars are resolved with the YAML 1.2 core schema;
 * quoted and block scalars stay strings. Anchors, aliases, tags other than the
 * standard ones and second documents are refused, as are duplicate and
 * non-scalar mapping keys. libyaml's cryptic reports about tab indentation are
 * recognised and replaced by "tab character in indentation".
 */
#include "strata/conf.h"

#include "core/conf_internal.h"
#include "strata/error.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#define YAML_TAG_PREFIX "tag:yaml.org,2002:"

/* A table or array being filled, with the mapping key awaiting its value. */
struct yframe {
	strata_conf *node;
	char *key; /* pending key of a mapping, or NULL */
	size_t keylen;
	int key_line;
};

struct yctx {
	const char *text; /* the input, for locating tabs */
	size_t len;
	const char *name;
	strata_conf *root;
	int docs; /* documents seen */
	int top;  /* index of the innermost frame, -1 when none */
	struct yframe stack[CONF_MAX_DEPTH + 2];
};

/* The resolved value of a scalar. */
struct yscalar {
	strata_conf_type type;
	int64_t i;
	double f;
};

/* Set "<name>:<line>:<col>: <message>" for a libyaml mark. */
static int yerr(const struct yctx *y, yaml_mark_t mark, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int yerr(const struct yctx *y, yaml_mark_t mark, int code, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return strata_error_set(code, "%s:%zu:%zu: %s", y->name, mark.line + 1, mark.column + 1,
	                        msg);
}

/* --- libyaml errors and tabs ------------------------------------------------ */

/* Length of the line break at s (as libyaml counts them), 0 if none. */
static size_t line_break(const char *s, const char *end)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t n = (size_t)(end - s);

	if (u[0] == '\r')
		return n > 1 && u[1] == '\n' ? 2 : 1;
	if (u[0] == '\n')
		return 1;
	if (n > 1 && u[0] == 0xC2 && u[1] == 0x85)
		return 2; /* NEL */
	if (n > 2 && u[0] == 0xE2 && u[1] == 0x80 && (u[2] == 0xA8 || u[2] == 0xA9))
		return 3; /* LS, PS */
	return 0;
}

/* Start of 0-based line number line within the text, or NULL. */
static const char *find_line(const struct yctx *y, size_t line)
{
	const char *s = y->text, *end = y->text + y->len;
	size_t n;

	while (line > 0 && s < end) {
		n = line_break(s, end);
		if (n)
			line--;
		s += n ? n : 1;
	}
	return line == 0 ? s : NULL;
}

/* If the error at (line, col) sits in a line's leading whitespace that holds
 * a tab, set the 0-based column of that tab and return 1. */
static int tab_in_indent(const struct yctx *y, size_t line, size_t col, size_t *tab_col)
{
	const char *s = find_line(y, line), *end = y->text + y->len;
	size_t i, tab = (size_t)-1;

	if (!s)
		return 0;
	for (i = 0; s + i < end && (s[i] == ' ' || s[i] == '\t'); i++)
		if (s[i] == '\t' && tab == (size_t)-1)
			tab = i;
	if (tab == (size_t)-1 || tab > col || col > i)
		return 0;
	*tab_col = tab;
	return 1;
}

/* 0-based line and column of byte offset off. */
static void offset_mark(const struct yctx *y, size_t off, yaml_mark_t *mark)
{
	const char *s = y->text, *end = y->text + (off < y->len ? off : y->len);
	size_t n;

	mark->line = mark->column = 0;
	while (s < end) {
		n = line_break(s, y->text + y->len);
		if (n) {
			mark->line++;
			mark->column = 0;
			s += n;
			continue;
		}
		if (((unsigned char)*s & 0xC0) != 0x80)
			mark->column++;
		s++;
	}
}

/* Turn libyaml's failure into a strata error. */
static int libyaml_error(const struct yctx *y, const yaml_parser_t *p)
{
	yaml_mark_t mark = p->problem_mark;
	size_t tab;

	if (p->error == YAML_MEMORY_ERROR)
		return strata_error_set(STRATA_ENOMEM, "%s: out of memory", y->name);
	if (p->error == YAML_READER_ERROR) {
		offset_mark(y, p->problem_offset, &mark);
		return yerr(y, mark, STRATA_EPARSE, "%s", p->problem ? p->problem : "read error");
	}
	if (tab_in_indent(y, mark.line, mark.column, &tab)) {
		mark.column = tab;
		return yerr(y, mark, STRATA_EPARSE, "tab character in indentation");
	}
	if (p->context)
		return yerr(y, mark, STRATA_EPARSE, "%s (%s)", p->problem ? p->problem : "error",
		            p->context);
	return yerr(y, mark, STRATA_EPARSE, "%s", p->problem ? p->problem : "syntax error");
}

/* --- scalars ---------------------------------------------------------------- */

/* Whether s (len bytes) equals one of the NULL-terminated words. */
static int is_one_of(const char *s, size_t len, const char *const *words)
{
	for (; *words; words++)
		if (strlen(*words) == len && !memcmp(s, *words, len))
			return 1;
	return 0;
}

/* Count the digits of base at s; they must run to the end for a match. */
static size_t span_digits(const char *s, size_t len, int base)
{
	size_t n = 0;

	for (; n < len; n++) {
		int c = (unsigned char)s[n];
		int ok = base == 16 ? (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
		                          (c >= 'A' && c <= 'F')
		                    : c >= '0' && c < '0' + base;
		if (!ok)
			break;
	}
	return n;
}

/* Unsigned value of digits of base; -1 when above limit. */
static int digits_value(const char *s, size_t len, int base, uint64_t limit, uint64_t *out)
{
	uint64_t v = 0, d;
	size_t i;

	for (i = 0; i < len; i++) {
		int c = (unsigned char)s[i];
		d = (uint64_t)(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
		if (v > (limit - d) / (uint64_t)base)
			return -1;
		v = v * (uint64_t)base + d;
	}
	*out = v;
	return 0;
}

/* Core-schema integers: [-+]?[0-9]+, 0o[0-7]+, 0x[0-9a-fA-F]+. Returns 1 when
 * s is an integer (ok or out of range: *overflow), 0 otherwise. */
static int core_int(const char *s, size_t len, int64_t *out, int *overflow)
{
	int base = 10, neg = 0;
	uint64_t v;
	size_t skip = 0;

	if (len > 2 && s[0] == '0' && (s[1] == 'o' || s[1] == 'x')) {
		base = s[1] == 'o' ? 8 : 16;
		skip = 2;
	} else if (len > 1 && (s[0] == '-' || s[0] == '+')) {
		neg = s[0] == '-';
		skip = 1;
	}
	if (len == skip || span_digits(s + skip, len - skip, base) != len - skip)
		return 0;
	*overflow = digits_value(s + skip, len - skip, base,
	                         neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX, &v) != 0;
	if (!*overflow)
		*out = neg ? (int64_t)(0 - v) : (int64_t)v;
	return 1;
}

/* Whether s matches [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?. */
static int core_float_syntax(const char *s, size_t len)
{
	size_t i = 0, lead, frac = 0, exp;

	if (i < len && (s[i] == '-' || s[i] == '+'))
		i++;
	lead = span_digits(s + i, len - i, 10);
	i += lead;
	if (i < len && s[i] == '.') {
		i++;
		frac = span_digits(s + i, len - i, 10);
		i += frac;
	}
	if (!lead && !frac)
		return 0;
	if (i < len && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < len && (s[i] == '-' || s[i] == '+'))
			i++;
		exp = span_digits(s + i, len - i, 10);
		if (!exp)
			return 0;
		i += exp;
	}
	return i == len;
}

/* Core-schema floats, including .inf and .nan. Returns 1 when s is a float
 * (*overflow set when it does not fit a double). */
static int core_float(const char *s, size_t len, double *out, int *overflow)
{
	static const char *const inf[] = {".inf", ".Inf", ".INF", NULL};
	static const char *const nan[] = {".nan", ".NaN", ".NAN", NULL};
	size_t sign = len > 0 && (s[0] == '-' || s[0] == '+');

	*overflow = 0;
	if (is_one_of(s + sign, len - sign, inf)) {
		*out = s[0] == '-' ? -INFINITY : INFINITY;
		return 1;
	}
	if (is_one_of(s, len, nan)) {
		*out = NAN;
		return 1;
	}
	if (!core_float_syntax(s, len))
		return 0;
	*overflow = conf_strtod(s, out) != 0;
	return 1;
}

/* Resolve a plain scalar with the YAML 1.2 core schema. */
static int resolve_plain(const struct yctx *y, const yaml_event_t *e, struct yscalar *v)
{
	static const char *const nulls[] = {"", "~", "null", "Null", "NULL", NULL};
	static const char *const trues[] = {"true", "True", "TRUE", NULL};
	static const char *const falses[] = {"false", "False", "FALSE", NULL};
	const char *s = (const char *)e->data.scalar.value;
	size_t len = e->data.scalar.length;
	int overflow = 0;

	if (is_one_of(s, len, nulls)) {
		v->type = STRATA_CONF_NULL;
	} else if (is_one_of(s, len, trues) || is_one_of(s, len, falses)) {
		v->type = STRATA_CONF_BOOL;
		v->i = is_one_of(s, len, trues);
	} else if (core_int(s, len, &v->i, &overflow)) {
		v->type = STRATA_CONF_INT;
	} else if (core_float(s, len, &v->f, &overflow)) {
		v->type = STRATA_CONF_FLOAT;
	} else {
		v->type = STRATA_CONF_STRING;
	}
	if (overflow)
		return yerr(y, e->start_mark, STRATA_EPARSE, "%s out of range",
		            v->type == STRATA_CONF_INT ? "integer" : "float");
	return 0;
}

/* Apply an explicit standard tag (!!str, !!int, ...) to the scalar. */
static int resolve_tagged(const struct yctx *y, const yaml_event_t *e, const char *tag,
                          struct yscalar *v)
{
	static const char *const kinds[] = {"null", "bool", "int", "float", NULL};
	static const strata_conf_type types[] = {STRATA_CONF_NULL, STRATA_CONF_BOOL,
	                                         STRATA_CONF_INT, STRATA_CONF_FLOAT};
	size_t k;
	int rc;

	if (!strcmp(tag, "!") || !strcmp(tag, YAML_TAG_PREFIX "str")) {
		v->type = STRATA_CONF_STRING;
		return 0;
	}
	for (k = 0; kinds[k]; k++)
		if (!strncmp(tag, YAML_TAG_PREFIX, strlen(YAML_TAG_PREFIX)) &&
		    !strcmp(tag + strlen(YAML_TAG_PREFIX), kinds[k]))
			break;
	if (!kinds[k])
		return yerr(y, e->start_mark, STRATA_EUNSUPPORTED, "unsupported tag '%s'", tag);
	rc = resolve_plain(y, e, v);
	if (rc)
		return rc;
	if (types[k] == STRATA_CONF_FLOAT && v->type == STRATA_CONF_INT) {
		v->type = STRATA_CONF_FLOAT;
		v->f = (double)v->i;
	}
	if (v->type != types[k])
		return yerr(y, e->start_mark, STRATA_EPARSE, "value does not match tag !!%s",
		            kinds[k]);
	return 0;
}

/* --- building the tree ------------------------------------------------------ */

/* Add a node for the current event under the innermost frame. */
static int add_here(struct yctx *y, const yaml_event_t *e, strata_conf_type type, int line,
                    strata_conf **out)
{
	struct yframe *f = &y->stack[y->top];
	int rc = conf_add(f->node, f->key, f->keylen, type, line, out);

	free(f->key);
	f->key = NULL;
	if (rc == STRATA_ELIMIT)
		return yerr(y, e->start_mark, STRATA_ELIMIT, "nesting deeper than %d levels",
		            CONF_MAX_DEPTH);
	if (rc)
		return strata_error_set(STRATA_ENOMEM, "%s: out of memory", y->name);
	return 0;
}

/* Whether the innermost frame is a mapping waiting for a key. */
static int wants_key(const struct yctx *y)
{
	const struct yframe *f = &y->stack[y->top];
	return f->node->type == STRATA_CONF_TABLE && !f->key;
}

/* A scalar in key position: remember it, refusing duplicates. */
static int take_key(struct yctx *y, const yaml_event_t *e)
{
	struct yframe *f = &y->stack[y->top];
	const char *s = (const char *)e->data.scalar.value;
	size_t len = e->data.scalar.length;
	char path[512];

	if (conf_find(f->node, s, len)) {
		conf_path(f->node, path, sizeof path);
		return yerr(y, e->start_mark, STRATA_EPARSE, "duplicate key '%s%s%s'", path,
		            path[0] ? "." : "", s);
	}
	f->key = malloc(len + 1);
	if (!f->key)
		return strata_error_set(STRATA_ENOMEM, "%s: out of memory", y->name);
	memcpy(f->key, s, len + 1);
	f->keylen = len;
	f->key_line = (int)e->start_mark.line + 1;
	return 0;
}

/* Turn a scalar value into a node under the innermost frame. */
static int add_scalar(struct yctx *y, const yaml_event_t *e)
{
	const char *tag = (const char *)e->data.scalar.tag;
	struct yscalar v = {STRATA_CONF_STRING, 0, 0};
	strata_conf *node;
	int rc = 0;

	if (tag)
		rc = resolve_tagged(y, e, tag, &v);
	else if (e->data.scalar.style == YAML_PLAIN_SCALAR_STYLE)
		rc = resolve_plain(y, e, &v);
	if (!rc)
		rc = add_here(y, e, v.type, (int)e->start_mark.line + 1, &node);
	if (rc)
		return rc;
	if (v.type == STRATA_CONF_STRING) {
		node->v.s = strdup((const char *)e->data.scalar.value);
		if (!node->v.s) {
			node->type = STRATA_CONF_NULL;
			return strata_error_set(STRATA_ENOMEM, "%s: out of memory", y->name);
		}
	} else if (v.type == STRATA_CONF_FLOAT) {
		node->v.f = v.f;
	} else {
		node->v.i = v.i;
	}
	return 0;
}

/* A scalar event: the document itself, a key, or a value. */
static int on_scalar(struct yctx *y, const yaml_event_t *e)
{
	struct yscalar v = {STRATA_CONF_STRING, 0, 0};
	int rc;

	if (memchr(e->data.scalar.value, 0, e->data.scalar.length))
		return yerr(y, e->start_mark, STRATA_EPARSE,
		            "NUL characters in strings are not supported");
	if (y->top < 0) {
		/* An empty document is an empty table; any other scalar is not. */
		rc = 0;
		if (!e->data.scalar.tag && e->data.scalar.style == YAML_PLAIN_SCALAR_STYLE)
			rc = resolve_plain(y, e, &v);
		if (!rc && v.type != STRATA_CONF_NULL)
			rc = yerr(y, e->start_mark, STRATA_EPARSE,
			          "the top level must be a mapping");
		return rc;
	}
	if (wants_key(y))
		return take_key(y, e);
	return add_scalar(y, e);
}

/* Refuse tags on collections other than the standard !!map and !!seq. */
static int check_collection_tag(const struct yctx *y, const yaml_event_t *e, const char *tag)
{
	if (!tag || !strcmp(tag, "!") || !strcmp(tag, YAML_TAG_PREFIX "map") ||
	    !strcmp(tag, YAML_TAG_PREFIX "seq"))
		return 0;
	return yerr(y, e->start_mark, STRATA_EUNSUPPORTED, "unsupported tag '%s'", tag);
}

/* Start of a mapping (TABLE) or sequence (ARRAY): add it and push a frame. */
static int on_start(struct yctx *y, const yaml_event_t *e, strata_conf_type type)
{
	const char *tag = (const char *)(type == STRATA_CONF_TABLE ? e->data.mapping_start.tag
	                                                           : e->data.sequence_start.tag);
	strata_conf *node = y->root;
	int rc = check_collection_tag(y, e, tag), line = (int)e->start_mark.line + 1;

	if (rc)
		return rc;
	if (y->top < 0) {
		if (type != STRATA_CONF_TABLE)
			return yerr(y, e->start_mark, STRATA_EPARSE,
			            "the top level must be a mapping");
		y->root->line = line;
	} else {
		if (wants_key(y))
			return yerr(y, e->start_mark, STRATA_EPARSE,
			            "mapping keys must be scalars");
		/* A collection under a key is located at its key. */
		if (y->stack[y->top].node->type == STRATA_CONF_TABLE)
			line = y->stack[y->top].key_line;
		rc = add_here(y, e, type, line, &node);
		if (rc)
			return rc;
	}
	y->top++;
	y->stack[y->top].node = node;
	y->stack[y->top].key = NULL;
	return 0;
}

/* The anchor of a node event, or NULL. */
static const unsigned char *event_anchor(const yaml_event_t *e)
{
	switch (e->type) {
	case YAML_SCALAR_EVENT: return e->data.scalar.anchor;
	case YAML_SEQUENCE_START_EVENT: return e->data.sequence_start.anchor;
	case YAML_MAPPING_START_EVENT: return e->data.mapping_start.anchor;
	default: return NULL;
	}
}

/* Fold one event into the tree. */
static int on_event(struct yctx *y, const yaml_event_t *e)
{
	if (e->type == YAML_ALIAS_EVENT || event_anchor(e))
		return yerr(y, e->start_mark, STRATA_EUNSUPPORTED,
		            "anchors and aliases are not supported");
	switch (e->type) {
	case YAML_DOCUMENT_START_EVENT:
		if (y->docs++)
			return yerr(y, e->start_mark, STRATA_EUNSUPPORTED,
			            "multiple documents are not supported");
		return 0;
	case YAML_SCALAR_EVENT: return on_scalar(y, e);
	case YAML_MAPPING_START_EVENT: return on_start(y, e, STRATA_CONF_TABLE);
	case YAML_SEQUENCE_START_EVENT: return on_start(y, e, STRATA_CONF_ARRAY);
	case YAML_MAPPING_END_EVENT:
	case YAML_SEQUENCE_END_EVENT:
		if (y->top >= 0) {
			free(y->stack[y->top].key);
			y->stack[y->top--].key = NULL;
		}
		return 0;
	default: return 0;
	}
}

/* Run the parser over the whole stream. */
static int parse_stream(struct yctx *y, yaml_parser_t *parser)
{
	yaml_event_t e;
	yaml_event_type_t type;
	int rc;

	do {
		if (!yaml_parser_parse(parser, &e))
			return libyaml_error(y, parser);
		rc = on_event(y, &e);
		type = e.type;
		yaml_event_delete(&e);
	} while (!rc && type != YAML_STREAM_END_EVENT);
	return rc;
}

int strata_conf_parse_yaml(const char *text, size_t len, const char *name, strata_conf **out)
{
	yaml_parser_t parser;
	struct yctx y;
	int rc, i;

	*out = NULL;
	if (!text && len)
		return strata_error_set(STRATA_EINVAL, "strata_conf_parse_yaml: no text");
	memset(&y, 0, sizeof y);
	y.text = text ? text : "";
	y.len = len;
	y.top = -1;
	y.root = conf_root_new(name);
	if (!y.root)
		return strata_error_set(STRATA_ENOMEM, "out of memory");
	y.name = y.root->name;
	if (!yaml_parser_initialize(&parser)) {
		strata_conf_free(y.root);
		return strata_error_set(STRATA_ENOMEM, "out of memory");
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)y.text, len);
	rc = parse_stream(&y, &parser);
	yaml_parser_delete(&parser);
	for (i = 0; i <= y.top; i++)
		free(y.stack[i].key);
	if (rc) {
		strata_conf_free(y.root);
		return rc;
	}
	*out = y.root;
	return 0;
}
