/*
 * conf_toml.c - a TOML 1.0 reader that builds a strata_conf tree.
 *
 * A hand-written recursive-descent reader over a byte range that need not be
 * NUL-terminated. The whole input is checked for valid UTF-8 first; after that
 * every access is bounds-checked against t->end. Recursion happens only for
 * nested arrays and inline tables, and every nested node passes conf_add(),
 * which refuses to go deeper than CONF_MAX_DEPTH, so the stack is bounded.
 *
 * Table rules (TOML's "define once" semantics) are kept in node flags:
 * IMPLICIT tables were only named as parents in a [a.b] header and may still
 * be defined once; EXPLICIT ones had their own header; DOTTED ones were made
 * by dotted keys and cannot get a header; INLINE ones are sealed; AOT arrays
 * were made by [[header]] and are the only arrays a header may extend.
 */
#include "strata/conf.h"

#include "core/conf_internal.h"
#include "strata/buf.h"
#include "strata/error.h"
#include "strata/time.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TOML_MAX_KEY_PARTS CONF_MAX_DEPTH
#define NS_PER_SEC         1000000000LL

struct toml {
	const char *start; /* first byte of the input */
	const char *p;     /* next byte */
	const char *end;   /* one past the last byte */
	int line;          /* 1-based line of p */
	const char *name;  /* document name for messages */
	strata_conf *root;
	strata_conf *cur; /* table receiving key/value pairs */
};

/* A dotted key: its parts, each malloc'd. */
struct toml_key {
	char **part;
	size_t *len;
	size_t n, cap;
};

/* --- positions and errors -------------------------------------------------- */

/* Set an error "<name>:<line>:<col>: <message>" for position at. */
static int perr_at(const struct toml *t, const char *at, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int perr_at(const struct toml *t, const char *at, int code, const char *fmt, ...)
{
	char msg[512];
	const char *q;
	int line = 1, col = 1;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	/* Recount from the start (errors are rare); columns count characters. */
	for (q = t->start; q < at && q < t->end; q++) {
		if (*q == '\n') {
			line++;
			col = 1;
		} else if (((unsigned char)*q & 0xC0) != 0x80) {
			col++;
		}
	}
	return strata_error_set(code, "%s:%d:%d: %s", t->name, line, col, msg);
}

#define perr(t, ...) perr_at((t), (t)->p, STRATA_EPARSE, __VA_ARGS__)

static int eof(const struct toml *t)
{
	return t->p >= t->end;
}

/* The byte at p + off, or -1 past the end. */
static int peek(const struct toml *t, size_t off)
{
	if ((size_t)(t->end - t->p) <= off)
		return -1;
	return (unsigned char)t->p[off];
}

static int is_ws(int c)
{
	return c == ' ' || c == '\t';
}

static void skip_ws(struct toml *t)
{
	while (!eof(t) && is_ws(*t->p))
		t->p++;
}

/* Whether a newline (LF or CRLF) starts at p. */
static int at_newline(const struct toml *t)
{
	int c = peek(t, 0);
	return c == '\n' || (c == '\r' && peek(t, 1) == '\n');
}

static void eat_newline(struct toml *t)
{
	t->p += *t->p == '\r' ? 2 : 1;
	t->line++;
}

/* Describe the current character for "found ..." messages. */
static const char *show(const struct toml *t, char *buf, size_t size)
{
	int c = peek(t, 0);

	if (c < 0)
		return "end of input";
	if (at_newline(t))
		return "end of line";
	if (c > 0x20 && c < 0x7f)
		snprintf(buf, size, "'%c'", c);
	else if (c < 0x80)
		snprintf(buf, size, "U+%04X", (unsigned)c);
	else
		snprintf(buf, size, "a non-ASCII character");
	return buf;
}

/* Error "expected <what>, found <current character>". */
static int expected(const struct toml *t, const char *what)
{
	char buf[32];
	return perr(t, "expected %s, found %s", what, show(t, buf, sizeof buf));
}

/* Whether c may not appear raw in strings and comments (tab is allowed). */
static int is_control(int c)
{
	return (c < 0x20 && c != '\t') || c == 0x7f;
}

/* Skip a comment from '#' up to (not including) the end of the line. */
static int skip_comment(struct toml *t)
{
	t->p++;
	while (!eof(t) && !at_newline(t)) {
		int c = (unsigned char)*t->p;
		if (is_control(c))
			return perr(t, "control character U+%04X in comment", (unsigned)c);
		t->p++;
	}
	return 0;
}

/* Skip whitespace, comments and newlines (inside arrays). */
static int skip_blank(struct toml *t)
{
	int rc;

	for (;;) {
		skip_ws(t);
		if (eof(t))
			return 0;
		if (*t->p == '#') {
			rc = skip_comment(t);
			if (rc)
				return rc;
		} else if (at_newline(t)) {
			eat_newline(t);
		} else {
			return 0;
		}
	}
}

/* After a key/value pair or header: spaces, an optional comment, then a
 * newline or the end of input. */
static int expect_eol(struct toml *t)
{
	int rc;

	skip_ws(t);
	if (!eof(t) && *t->p == '#') {
		rc = skip_comment(t);
		if (rc)
			return rc;
	}
	if (eof(t))
		return 0;
	if (at_newline(t)) {
		eat_newline(t);
		return 0;
	}
	return expected(t, "end of line");
}

/* --- UTF-8 ------------------------------------------------------------------ */

/* Reject invalid UTF-8 anywhere, naming its line and column. */
static int check_utf8(const struct toml *t)
{
	const unsigned char *s = (const unsigned char *)t->p;
	const unsigned char *end = (const unsigned char *)t->end;
	size_t n;

	while (s < end) {
		n = strata_utf8_length(s, (size_t)(end - s));
		if (!n)
			return perr_at(t, (const char *)s, STRATA_EPARSE, "invalid UTF-8");
		s += n;
	}
	return 0;
}

/* Append code point cp to b as UTF-8. */
static int put_utf8(strata_buf *b, uint32_t cp)
{
	char u[4];
	size_t n;

	if (cp < 0x80) {
		u[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = (char)(0xC0 | (cp >> 6));
		u[1] = (char)(0x80 | (cp & 0x3F));
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (char)(0xE0 | (cp >> 12));
		u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		u[2] = (char)(0x80 | (cp & 0x3F));
		n = 3;
	} else {
		u[0] = (char)(0xF0 | (cp >> 18));
		u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
		u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
		u[3] = (char)(0x80 | (cp & 0x3F));
		n = 4;
	}
	return strata_buf_append(b, u, n);
}

/* --- strings ---------------------------------------------------------------- */

/* \uXXXX or \UXXXXXXXX: p is at the 'u' or 'U'. */
static int parse_unicode_escape(struct toml *t, strata_buf *b)
{
	size_t n = *t->p == 'u' ? 4 : 8, i;
	uint32_t cp = 0;
	int d;

	for (i = 1; i <= n; i++) {
		d = strata_hex_digit(peek(t, i));
		if (d < 0)
			return perr(t, "\\%c escape needs %zu hex digits", *t->p, n);
		cp = cp << 4 | (uint32_t)d;
	}
	if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return perr(t, "escape U+%X is not a Unicode scalar value", (unsigned)cp);
	if (cp == 0)
		return perr(t, "NUL characters in strings are not supported");
	t->p += n + 1;
	return put_utf8(b, cp);
}

/* One escape sequence; p is just past the backslash. */
static int parse_escape(struct toml *t, strata_buf *b)
{
	static const char from[] = "btnfr\"\\", to[] = "\b\t\n\f\r\"\\";
	const char *hit;
	char buf[32];
	int c = peek(t, 0);

	if (c == 'u' || c == 'U')
		return parse_unicode_escape(t, b);
	hit = c > 0 ? strchr(from, c) : NULL;
	if (!hit)
		return perr(t, "invalid escape sequence: backslash then %s",
		            show(t, buf, sizeof buf));
	t->p++;
	return strata_buf_putc(b, to[hit - from]);
}

/* In a multi-line basic string after a backslash: if only whitespace follows
 * up to the newline, skip all whitespace and newlines and return 1. */
static int line_ending_backslash(struct toml *t)
{
	const char *q = t->p;

	while (q < t->end && is_ws(*q))
		q++;
	if (!(q < t->end && (*q == '\n' || (*q == '\r' && q + 1 < t->end && q[1] == '\n'))))
		return 0;
	t->p = q;
	while (!eof(t) && (is_ws(*t->p) || at_newline(t))) {
		if (is_ws(*t->p))
			t->p++;
		else
			eat_newline(t);
	}
	return 1;
}

/* At a run of quote characters q inside a multi-line string: either append
 * them (fewer than three) or close the string, allowing up to two quotes of
 * content before the delimiter. Returns 1 when the string ended. */
static int multiline_quotes(struct toml *t, strata_buf *b, char q, int *rc)
{
	size_t n = 0;

	while (peek(t, n) == q)
		n++;
	if (n > 5) {
		*rc = perr(t, "too many quotes at the end of a multi-line string");
		return 1;
	}
	*rc = strata_buf_append(b, t->p, n >= 3 ? n - 3 : n);
	t->p += n;
	return n >= 3;
}

/* The body of any of the four string kinds; p is past the opening quotes. */
static int string_body(struct toml *t, strata_buf *b, char q, int multi)
{
	int c, rc = 0;

	for (;;) {
		if (eof(t))
			return perr(t, "unterminated string");
		c = (unsigned char)*t->p;
		if (c == q && !multi) {
			t->p++;
			return 0;
		}
		if (c == q) {
			if (multiline_quotes(t, b, q, &rc))
				return rc;
		} else if (c == '\\' && q == '"') {
			t->p++;
			if (!(multi && line_ending_backslash(t)))
				rc = parse_escape(t, b);
		} else if (at_newline(t)) {
			if (!multi)
				return perr(
				    t, "unterminated string (newline in a single-line string)");
			eat_newline(t);
			rc = strata_buf_putc(b, '\n');
		} else if (is_control(c)) {
			return perr(t, "control character U+%04X in string", (unsigned)c);
		} else {
			rc = strata_buf_putc(b, (char)c);
			t->p++;
		}
		if (rc)
			return rc;
	}
}

/* Any string at p ('"', '"""', '\'' or '\'\'\''), returned malloc'd. keys
 * may not be multi-line. */
static int parse_string(struct toml *t, int is_key, char **out, size_t *len)
{
	strata_buf b = STRATA_BUF_INIT;
	char q = *t->p;
	int multi = !is_key && peek(t, 1) == q && peek(t, 2) == q;
	int rc;

	t->p += multi ? 3 : 1;
	if (multi && at_newline(t))
		eat_newline(t); /* a newline right after the delimiter is trimmed */
	rc = string_body(t, &b, q, multi);
	if (rc) {
		strata_buf_free(&b);
		return rc;
	}
	*len = b.len;
	*out = strata_buf_detach(&b);
	if (!*out)
		return strata_error_set(STRATA_ENOMEM, "out of memory");
	return 0;
}

/* --- keys ------------------------------------------------------------------- */

static void key_free(struct toml_key *k)
{
	size_t i;

	for (i = 0; i < k->n; i++)
		free(k->part[i]);
	free(k->part);
	free(k->len);
	memset(k, 0, sizeof *k);
}

/* Append a part (taking ownership of s). */
static int key_push(struct toml_key *k, char *s, size_t len)
{
	if (k->n == k->cap) {
		size_t cap = k->cap ? k->cap * 2 : 4;
		char **part = realloc(k->part, cap * sizeof *part);
		size_t *lens;
		if (part)
			k->part = part;
		lens = part ? realloc(k->len, cap * sizeof *lens) : NULL;
		if (!lens) {
			free(s);
			return strata_error_set(STRATA_ENOMEM, "out of memory");
		}
		k->len = lens;
		k->cap = cap;
	}
	k->part[k->n] = s;
	k->len[k->n++] = len;
	return 0;
}

static int is_bare(int c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-';
}

/* One part of a key: bare, "basic" or 'literal'. */
static int parse_key_part(struct toml *t, struct toml_key *k)
{
	const char *s = t->p;
	char *part;
	size_t len;
	int rc;

	if (k->n == TOML_MAX_KEY_PARTS)
		return perr_at(t, t->p, STRATA_ELIMIT, "key has more than %d parts",
		               TOML_MAX_KEY_PARTS);
	if (!eof(t) && (*t->p == '"' || *t->p == '\'')) {
		rc = parse_string(t, 1, &part, &len);
		if (rc)
			return rc;
		return key_push(k, part, len);
	}
	while (!eof(t) && is_bare(*t->p))
		t->p++;
	if (t->p == s)
		return expected(t, "a key");
	len = (size_t)(t->p - s);
	part = malloc(len + 1);
	if (!part)
		return strata_error_set(STRATA_ENOMEM, "out of memory");
	memcpy(part, s, len);
	part[len] = '\0';
	return key_push(k, part, len);
}

/* A possibly dotted key: part ( ws '.' ws part )*. */
static int parse_key(struct toml *t, struct toml_key *k)
{
	int rc;

	for (;;) {
		skip_ws(t);
		rc = parse_key_part(t, k);
		if (rc)
			return rc;
		skip_ws(t);
		if (eof(t) || *t->p != '.')
			return 0;
		t->p++;
	}
}

/* --- tree helpers ----------------------------------------------------------- */

/* Error for key defined twice in table. */
static int duplicate(const struct toml *t, const char *at, const strata_conf *table,
                     const char *key)
{
	char path[512];

	conf_path(table, path, sizeof path);
	return perr_at(t, at, STRATA_EPARSE, "duplicate key '%s%s%s'", path, path[0] ? "." : "",
	               key);
}

/* Create a node under parent, turning conf_add's codes into messages at at. */
static int add_node(struct toml *t, strata_conf *parent, const char *key, size_t keylen,
                    strata_conf_type type, int line, const char *at, strata_conf **out)
{
	int rc = conf_add(parent, key, keylen, type, line, out);

	switch (rc) {
	case 0: return 0;
	case STRATA_EEXIST: return duplicate(t, at, parent, key);
	case STRATA_ELIMIT:
		return perr_at(t, at, STRATA_ELIMIT, "nesting deeper than %d levels",
		               CONF_MAX_DEPTH);
	default: return strata_error_set(STRATA_ENOMEM, "%s: out of memory", t->name);
	}
}

/* Error for a key that names something of the wrong kind. */
static int redefined(struct toml *t, const char *at, const strata_conf *node)
{
	char path[512];

	conf_path(node, path, sizeof path);
	if (node->type == STRATA_CONF_TABLE)
		return perr_at(t, at, STRATA_EPARSE, "table '%s' is already defined", path);
	if (node->type == STRATA_CONF_ARRAY && !(node->flags & CONF_F_AOT))
		return perr_at(t, at, STRATA_EPARSE,
		               "'%s' is a static array and cannot be extended", path);
	if (node->type == STRATA_CONF_ARRAY)
		return perr_at(t, at, STRATA_EPARSE, "'%s' is an array of tables, not a table",
		               path);
	return perr_at(t, at, STRATA_EPARSE, "key '%s' is already defined as %s", path,
	               strata_conf_type_name(node->type));
}

/* --- numbers ---------------------------------------------------------------- */

static int digit_val(int c, int base)
{
	int d = strata_hex_digit(c);
	return d >= 0 && d < base ? d : -1;
}

/* Copy digits of base with single underscores between them into b (without
 * the underscores). At least one digit is required. */
static int scan_digits(struct toml *t, int base, strata_buf *b)
{
	size_t n = 0;
	int rc;

	for (;;) {
		if (peek(t, 0) == '_') {
			if (!n || digit_val(peek(t, 1), base) < 0)
				return perr(t, "'_' must be between digits");
			t->p++;
		}
		if (digit_val(peek(t, 0), base) < 0)
			break;
		rc = strata_buf_putc(b, *t->p++);
		if (rc)
			return rc;
		n++;
	}
	return n ? 0 : expected(t, "a digit");
}

/* Accumulate the digits in s (base) into an int64, negated if neg. */
static int digits_to_int(struct toml *t, const char *at, const char *s, int base, int neg,
                         int64_t *out)
{
	uint64_t limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX, v = 0;
	uint64_t d;

	for (; *s; s++) {
		d = (uint64_t)digit_val(*s, base);
		if (v > (limit - d) / (uint64_t)base)
			return perr_at(t, at, STRATA_EPARSE, "integer out of range");
		v = v * (uint64_t)base + d;
	}
	*out = neg ? (int64_t)(0 - v) : (int64_t)v;
	return 0;
}

/* 0x, 0o and 0b integers; p is at the '0'. */
static int parse_radix(struct toml *t, const char *at, strata_buf *b, int64_t *out)
{
	int c = peek(t, 1);
	int base = c == 'x' ? 16 : c == 'o' ? 8 : 2;
	int rc;

	t->p += 2;
	rc = scan_digits(t, base, b);
	if (rc)
		return rc;
	return digits_to_int(t, at, b->data, base, 0, out);
}

/* inf and nan, with an optional sign already consumed. */
static int parse_special_float(struct toml *t, int neg, double *out)
{
	if (t->end - t->p >= 3 && !memcmp(t->p, "inf", 3)) {
		*out = neg ? -INFINITY : INFINITY;
	} else if (t->end - t->p >= 3 && !memcmp(t->p, "nan", 3)) {
		*out = neg ? -NAN : NAN;
	} else {
		return expected(t, "a value");
	}
	t->p += 3;
	return 0;
}

/* The fraction and exponent of a float, appended to b; *is_float set when
 * either is present. */
static int parse_float_tail(struct toml *t, strata_buf *b, int *is_float)
{
	int rc;

	*is_float = 0;
	if (peek(t, 0) == '.') {
		t->p++;
		rc = strata_buf_putc(b, '.');
		if (!rc)
			rc = scan_digits(t, 10, b);
		if (rc)
			return rc;
		*is_float = 1;
	}
	if (peek(t, 0) == 'e' || peek(t, 0) == 'E') {
		t->p++;
		rc = strata_buf_putc(b, 'e');
		if (!rc && (peek(t, 0) == '+' || peek(t, 0) == '-'))
			rc = strata_buf_putc(b, *t->p++);
		if (!rc)
			rc = scan_digits(t, 10, b);
		if (rc)
			return rc;
		*is_float = 1;
	}
	return 0;
}

/* Integers and floats in all their forms; sets node type and value. */
static int parse_number(struct toml *t, strata_conf_type *type, int64_t *i, double *f)
{
	strata_buf b = STRATA_BUF_INIT;
	const char *at = t->p;
	int neg = 0, is_float, rc;

	if (peek(t, 0) == '0' && (peek(t, 1) == 'x' || peek(t, 1) == 'o' || peek(t, 1) == 'b')) {
		*type = STRATA_CONF_INT;
		rc = parse_radix(t, at, &b, i);
		strata_buf_free(&b);
		return rc;
	}
	if (peek(t, 0) == '+' || peek(t, 0) == '-')
		neg = *t->p++ == '-';
	if (peek(t, 0) == 'i' || peek(t, 0) == 'n') {
		*type = STRATA_CONF_FLOAT;
		return parse_special_float(t, neg, f);
	}
	if (peek(t, 0) == '0' && (peek(t, 1) == '_' || digit_val(peek(t, 1), 10) >= 0))
		return perr(t, "leading zeros are not allowed");
	rc = strata_buf_putc(&b, neg ? '-' : '+');
	if (!rc)
		rc = scan_digits(t, 10, &b);
	if (!rc)
		rc = parse_float_tail(t, &b, &is_float);
	if (!rc && is_float) {
		*type = STRATA_CONF_FLOAT;
		if (conf_strtod(b.data, f))
			rc = perr_at(t, at, STRATA_EPARSE, "float out of range");
	} else if (!rc) {
		*type = STRATA_CONF_INT;
		rc = digits_to_int(t, at, b.data + 1, 10, neg, i);
	}
	strata_buf_free(&b);
	return rc;
}

/* --- dates and times -------------------------------------------------------- */

/* Exactly n decimal digits at p + off, or -1. */
static int fixed_digits(const struct toml *t, size_t off, size_t n)
{
	int v = 0, d;
	size_t k;

	for (k = 0; k < n; k++) {
		d = digit_val(peek(t, off + k), 10);
		if (d < 0)
			return -1;
		v = v * 10 + d;
	}
	return v;
}

/* YYYY-MM-DD at p; *days receives days since the epoch. */
static int parse_date(struct toml *t, int64_t *days)
{
	int y = fixed_digits(t, 0, 4), m = fixed_digits(t, 5, 2), d = fixed_digits(t, 8, 2);

	if (y < 0 || m < 0 || d < 0 || peek(t, 4) != '-' || peek(t, 7) != '-')
		return perr(t, "malformed date (expected YYYY-MM-DD)");
	if (m < 1 || m > 12 || d < 1 || d > strata_days_in_month(y, m))
		return perr(t, "invalid date %04d-%02d-%02d", y, m, d);
	t->p += 10;
	*days = strata_days_from_civil(y, m, d);
	return 0;
}

/* HH:MM:SS[.fraction] at p; *ns receives nanoseconds since midnight. */
static int parse_time(struct toml *t, int64_t *ns)
{
	int h = fixed_digits(t, 0, 2), mi = fixed_digits(t, 3, 2), s = fixed_digits(t, 6, 2);
	int64_t frac = 0, scale = NS_PER_SEC;
	int d;

	if (h < 0 || mi < 0 || s < 0 || peek(t, 2) != ':' || peek(t, 5) != ':')
		return perr(t, "malformed time (expected HH:MM:SS)");
	if (h > 23 || mi > 59 || s > 60)
		return perr(t, "invalid time %02d:%02d:%02d", h, mi, s);
	t->p += 8;
	if (peek(t, 0) == '.') {
		t->p++;
		if (digit_val(peek(t, 0), 10) < 0)
			return expected(t, "a digit of fractional seconds");
		/* Keep nanoseconds; further digits are truncated. */
		while ((d = digit_val(peek(t, 0), 10)) >= 0) {
			if (scale > 1) {
				scale /= 10;
				frac += d * scale;
			}
			t->p++;
		}
	}
	*ns = ((int64_t)h * 3600 + mi * 60 + s) * NS_PER_SEC + frac;
	return 0;
}

/* Z or +HH:MM / -HH:MM at p, as seconds east of UTC; 1 if present. */
static int parse_offset(struct toml *t, int64_t *secs, int *rc)
{
	int c = peek(t, 0), h, m;

	*rc = 0;
	*secs = 0;
	if (c == 'Z' || c == 'z') {
		t->p++;
		return 1;
	}
	if (c != '+' && c != '-')
		return 0;
	h = fixed_digits(t, 1, 2);
	m = fixed_digits(t, 4, 2);
	if (h < 0 || m < 0 || peek(t, 3) != ':')
		*rc = perr(t, "malformed UTC offset (expected +HH:MM)");
	else if (h > 23 || m > 59)
		*rc = perr(t, "invalid UTC offset");
	else
		*secs = (c == '-' ? -1 : 1) * ((int64_t)h * 3600 + m * 60);
	if (!*rc)
		t->p += 6;
	return 1;
}

/* Whether a time (after 'T', 't' or a space) follows the date at p. */
static int time_follows(const struct toml *t)
{
	int c = peek(t, 0);
	if (c == 'T' || c == 't')
		return 1;
	return c == ' ' && fixed_digits(t, 1, 2) >= 0 && peek(t, 3) == ':';
}

/* Offset date-time, local date-time, local date or local time at p. */
static int parse_datetime(struct toml *t, strata_conf_type *type, int64_t *out)
{
	const char *at = t->p;
	int64_t days = 0, ns = 0, off = 0, total;
	int rc;

	if (peek(t, 2) == ':') {
		*type = STRATA_CONF_TIME;
		return parse_time(t, out);
	}
	rc = parse_date(t, &days);
	if (rc)
		return rc;
	*type = STRATA_CONF_DATE;
	if (time_follows(t)) {
		t->p++;
		rc = parse_time(t, &ns);
		if (rc)
			return rc;
		*type = STRATA_CONF_LOCAL_DATETIME;
		if (parse_offset(t, &off, &rc))
			*type = STRATA_CONF_DATETIME;
		if (rc)
			return rc;
	}
	if (__builtin_mul_overflow(days * 86400 - off, NS_PER_SEC, &total) ||
	    __builtin_add_overflow(total, ns, &total))
		return perr_at(t, at, STRATA_EPARSE,
		               "date-time out of range for nanosecond timestamps (1677..2262)");
	*out = total;
	return 0;
}

/* Whether the value at p looks like a date (YYYY-) or a time (HH:). */
static int looks_like_datetime(const struct toml *t)
{
	return (fixed_digits(t, 0, 4) >= 0 && peek(t, 4) == '-') ||
	       (fixed_digits(t, 0, 2) >= 0 && peek(t, 2) == ':');
}

/* --- values ----------------------------------------------------------------- */

static int parse_value(struct toml *t, strata_conf *parent, const char *key, size_t keylen,
                       int line, const char *at);
static int parse_keyval(struct toml *t, strata_conf *table);

/* true / false at p. */
static int parse_bool(struct toml *t, int64_t *out)
{
	if (t->end - t->p >= 4 && !memcmp(t->p, "true", 4)) {
		t->p += 4;
		*out = 1;
		return 0;
	}
	if (t->end - t->p >= 5 && !memcmp(t->p, "false", 5)) {
		t->p += 5;
		*out = 0;
		return 0;
	}
	return expected(t, "a value");
}

/* A scalar (not a string) at p: boolean, number, date or time. */
static int parse_scalar(struct toml *t, strata_conf *parent, const char *key, size_t keylen,
                        int line, const char *at)
{
	strata_conf_type type = STRATA_CONF_NULL;
	strata_conf *node;
	int64_t i = 0;
	double f = 0;
	int c = peek(t, 0), rc;

	if (c == 't' || c == 'f') {
		type = STRATA_CONF_BOOL;
		rc = parse_bool(t, &i);
	} else if (looks_like_datetime(t)) {
		rc = parse_datetime(t, &type, &i);
	} else if (c == '+' || c == '-' || c == 'i' || c == 'n' || digit_val(c, 10) >= 0) {
		rc = parse_number(t, &type, &i, &f);
	} else {
		rc = expected(t, "a value");
	}
	if (!rc)
		rc = add_node(t, parent, key, keylen, type, line, at, &node);
	if (rc)
		return rc;
	if (type == STRATA_CONF_FLOAT)
		node->v.f = f;
	else
		node->v.i = i;
	return 0;
}

/* A string value of any kind at p. */
static int parse_string_value(struct toml *t, strata_conf *parent, const char *key, size_t keylen,
                              int line, const char *at)
{
	strata_conf *node;
	size_t len;
	char *s;
	int rc = parse_string(t, 0, &s, &len);

	if (rc)
		return rc;
	rc = add_node(t, parent, key, keylen, STRATA_CONF_STRING, line, at, &node);
	if (rc) {
		free(s);
		return rc;
	}
	node->v.s = s;
	return 0;
}

/* [ value, value, ... ] with newlines, comments and a trailing comma. */
static int parse_array(struct toml *t, strata_conf *parent, const char *key, size_t keylen,
                       int line, const char *at)
{
	strata_conf *arr;
	int rc = add_node(t, parent, key, keylen, STRATA_CONF_ARRAY, line, at, &arr);

	if (rc)
		return rc;
	t->p++;
	for (;;) {
		rc = skip_blank(t);
		if (!rc && !eof(t) && *t->p == ']')
			break;
		if (!rc)
			rc = parse_value(t, arr, NULL, 0, t->line, t->p);
		if (!rc)
			rc = skip_blank(t);
		if (rc)
			return rc;
		if (!eof(t) && *t->p == ']')
			break;
		if (eof(t) || *t->p != ',')
			return expected(t, "',' or ']' in array");
		t->p++;
	}
	t->p++;
	return 0;
}

/* { key = value, ... } on one line; sealed once read. */
static int parse_inline_table(struct toml *t, strata_conf *parent, const char *key, size_t keylen,
                              int line, const char *at)
{
	strata_conf *tbl;
	int rc = add_node(t, parent, key, keylen, STRATA_CONF_TABLE, line, at, &tbl);

	if (rc)
		return rc;
	t->p++;
	skip_ws(t);
	if (!eof(t) && *t->p == '}') {
		t->p++;
		tbl->flags |= CONF_F_INLINE;
		return 0;
	}
	for (;;) {
		rc = parse_keyval(t, tbl);
		if (rc)
			return rc;
		skip_ws(t);
		if (!eof(t) && *t->p == '}')
			break;
		if (eof(t) || *t->p != ',')
			return expected(t, "',' or '}' in inline table");
		t->p++;
	}
	t->p++;
	tbl->flags |= CONF_F_INLINE;
	return 0;
}

/* Any value at p, added to parent (under key when parent is a table). */
static int parse_value(struct toml *t, strata_conf *parent, const char *key, size_t keylen,
                       int line, const char *at)
{
	switch (peek(t, 0)) {
	case '"':
	case '\'': return parse_string_value(t, parent, key, keylen, line, at);
	case '[': return parse_array(t, parent, key, keylen, line, at);
	case '{': return parse_inline_table(t, parent, key, keylen, line, at);
	default: return parse_scalar(t, parent, key, keylen, line, at);
	}
}

/* Walk the leading parts of a dotted key from table, creating tables as
 * needed; *out is the table that receives the last part. */
static int walk_dotted(struct toml *t, strata_conf *table, const struct toml_key *k, int line,
                       const char *at, strata_conf **out)
{
	strata_conf *kid;
	size_t i;
	int rc;

	for (i = 0; i + 1 < k->n; i++) {
		kid = conf_find(table, k->part[i], k->len[i]);
		if (!kid) {
			rc = add_node(t, table, k->part[i], k->len[i], STRATA_CONF_TABLE, line, at,
			              &kid);
			if (rc)
				return rc;
		} else if (kid->type != STRATA_CONF_TABLE ||
		           (kid->flags & (CONF_F_INLINE | CONF_F_EXPLICIT))) {
			return redefined(t, at, kid);
		}
		kid->flags |= CONF_F_DOTTED;
		table = kid;
	}
	*out = table;
	return 0;
}

/* key = value, into table. */
static int parse_keyval(struct toml *t, strata_conf *table)
{
	struct toml_key k = {0};
	const char *at;
	int line = t->line, rc;

	skip_ws(t);
	at = t->p;
	rc = parse_key(t, &k);
	if (!rc && (eof(t) || *t->p != '='))
		rc = expected(t, "'=' after a key");
	if (!rc) {
		t->p++;
		skip_ws(t);
		rc = walk_dotted(t, table, &k, line, at, &table);
	}
	/* Report a duplicate before the value, whose end may be lines later. */
	if (!rc && k.n > 0 && conf_find(table, k.part[k.n - 1], k.len[k.n - 1]))
		rc = duplicate(t, at, table, k.part[k.n - 1]);
	/* parse_key succeeds only with k.n >= 1; the analyzer cannot see it. */
	if (!rc) /* NOLINTNEXTLINE(clang-analyzer-core.NullDereference) */
		rc = parse_value(t, table, k.part[k.n - 1], k.len[k.n - 1], line, at);
	key_free(&k);
	return rc;
}

/* --- tables ----------------------------------------------------------------- */

/* Descend through the leading parts of a header key, creating implicit
 * tables; an array of tables leads into its last element. */
static int walk_header(struct toml *t, const struct toml_key *k, int line, const char *at,
                       strata_conf **out)
{
	strata_conf *tbl = t->root, *kid;
	size_t i;
	int rc;

	for (i = 0; i + 1 < k->n; i++) {
		kid = conf_find(tbl, k->part[i], k->len[i]);
		if (!kid) {
			rc = add_node(t, tbl, k->part[i], k->len[i], STRATA_CONF_TABLE, line, at,
			              &kid);
			if (rc)
				return rc;
			kid->flags |= CONF_F_IMPLICIT;
		} else if (kid->type == STRATA_CONF_ARRAY && (kid->flags & CONF_F_AOT)) {
			kid = kid->kids[kid->nkids - 1];
		} else if (kid->type != STRATA_CONF_TABLE || (kid->flags & CONF_F_INLINE)) {
			return redefined(t, at, kid);
		}
		tbl = kid;
	}
	*out = tbl;
	return 0;
}

/* [[a.b]]: append a table to the array a.b, creating it if needed. */
static int define_array_table(struct toml *t, strata_conf *parent, const struct toml_key *k,
                              int line, const char *at)
{
	const char *key = k->part[k->n - 1];
	size_t keylen = k->len[k->n - 1];
	strata_conf *arr = conf_find(parent, key, keylen), *tbl;
	int rc;

	if (!arr) {
		rc = add_node(t, parent, key, keylen, STRATA_CONF_ARRAY, line, at, &arr);
		if (rc)
			return rc;
		arr->flags |= CONF_F_AOT;
	} else if (arr->type != STRATA_CONF_ARRAY || !(arr->flags & CONF_F_AOT)) {
		return redefined(t, at, arr);
	}
	rc = add_node(t, arr, NULL, 0, STRATA_CONF_TABLE, line, at, &tbl);
	if (rc)
		return rc;
	tbl->flags |= CONF_F_EXPLICIT;
	t->cur = tbl;
	return 0;
}

/* [a.b]: define the table a.b, once. */
static int define_table(struct toml *t, strata_conf *parent, const struct toml_key *k, int line,
                        const char *at)
{
	/* NOLINTNEXTLINE(clang-analyzer-core.NullDereference): k has >= 1 part */
	const char *key = k->part[k->n - 1];
	size_t keylen = k->len[k->n - 1];
	strata_conf *tbl = conf_find(parent, key, keylen);
	int rc;

	if (!tbl) {
		rc = add_node(t, parent, key, keylen, STRATA_CONF_TABLE, line, at, &tbl);
		if (rc)
			return rc;
	} else if (tbl->type != STRATA_CONF_TABLE ||
	           (tbl->flags & (CONF_F_EXPLICIT | CONF_F_DOTTED | CONF_F_INLINE))) {
		return redefined(t, at, tbl);
	}
	tbl->flags |= CONF_F_EXPLICIT;
	tbl->line = line;
	t->cur = tbl;
	return 0;
}

/* A [table] or [[array of tables]] header at p. */
static int parse_header(struct toml *t)
{
	struct toml_key k = {0};
	int aot = peek(t, 1) == '[', line = t->line, rc;
	const char *at = t->p;
	strata_conf *parent = NULL;

	t->p += aot ? 2 : 1;
	rc = parse_key(t, &k);
	if (!rc && peek(t, 0) != ']')
		rc = expected(t, "']' after a table name");
	if (!rc && aot && peek(t, 1) != ']') {
		t->p++;
		rc = expected(t, "']]' after an array-of-tables name");
	}
	if (!rc) {
		t->p += aot ? 2 : 1;
		rc = walk_header(t, &k, line, at, &parent);
	}
	if (!rc)
		rc = aot ? define_array_table(t, parent, &k, line, at)
		         : define_table(t, parent, &k, line, at);
	key_free(&k);
	return rc;
}

/* The document: a sequence of lines, each blank, a comment, a header or a
 * key/value pair. */
static int parse_document(struct toml *t)
{
	int rc;

	if (t->end - t->p >= 3 && !memcmp(t->p, "\xEF\xBB\xBF", 3))
		t->p += 3; /* byte order mark */
	while (!eof(t)) {
		skip_ws(t);
		if (eof(t))
			break;
		if (*t->p == '[')
			rc = parse_header(t);
		else if (*t->p != '#' && !at_newline(t))
			rc = parse_keyval(t, t->cur);
		else
			rc = 0;
		if (!rc)
			rc = expect_eol(t);
		if (rc)
			return rc;
	}
	return 0;
}

int strata_conf_parse_toml(const char *text, size_t len, const char *name, strata_conf **out)
{
	struct toml t;
	int rc;

	*out = NULL;
	if (!text && len)
		return strata_error_set(STRATA_EINVAL, "strata_conf_parse_toml: no text");
	memset(&t, 0, sizeof t);
	t.root = conf_root_new(name);
	if (!t.root)
		return strata_error_set(STRATA_ENOMEM, "out of memory");
	t.name = t.root->name;
	t.cur = t.root;
	t.start = t.p = text ? text : "";
	t.end = t.p + len;
	t.line = 1;
	rc = check_utf8(&t);
	if (!rc)
		rc = parse_document(&t);
	if (rc) {
		strata_conf_free(t.root);
		return rc;
	}
	*out = t.root;
	return 0;
}
