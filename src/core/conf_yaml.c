/*
 * conf_yaml.c - YAML into a strata_conf tree, through libyaml's event API.
 *
 * Events are folded into the tree with an explicit stack (no recursion); the
 * stack cannot overflow because conf_add() refuses nodes deeper than
 * CONF_MAX_DEPTH.
 *
 * Plain scalars are resolved exactly as PyYAML's yaml.safe_load resolves them
 * (YAML 1.1, not 1.2's core schema), because the files strata reads are also
 * read by Python services: null (~, null, empty), bool (yes/no, on/off,
 * true/false), int (010 is octal, 0b101, 1_000, 190:20:30 in base 60),
 * float (a dot is required: 1e3 is a string, 1.0e+3 a float), timestamp
 * (2019-10-01 a DATE; a date-time a DATETIME with a zone, else a
 * LOCAL_DATETIME), else a string. Scalars tagged "!" resolve the same way;
 * quoted and block scalars stay strings. The standard tags !!str, !!null,
 * !!bool, !!int, !!float and !!timestamp apply PyYAML's constructors (so
 * !!float 1e3 is 1000.0). Where PyYAML would produce a value strata cannot
 * hold (an int beyond int64, a float overflowing to inf, a time outside
 * 1677..2262) the document is refused; fractions of a second are kept to the
 * nanosecond (PyYAML: microsecond). Keys keep their text.
 *
 * Anchors, aliases, merge keys, tags other than the standard ones and second
 * documents are refused, as are duplicate and non-scalar mapping keys.
 * libyaml's cryptic reports about tab indentation are recognised and replaced
 * by "tab character in indentation".
 */
#include "strata/conf.h"

#include "core/conf_internal.h"
#include "strata/error.h"
#include "strata/time.h"

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
	int64_t i; /* BOOL, INT; DATE and the DATETIMEs as ns since the epoch */
	double f;  /* FLOAT */
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

/* --- scalars: PyYAML SafeLoader's YAML 1.1 resolvers and constructors ------ */

/*
 * As in PyYAML, resolving a scalar is two steps. The resolver picks a kind:
 * for a plain scalar (or one tagged "!") by PyYAML's implicit regexes from
 * resolver.py, written out by hand below (they are anchored at both ends, so
 * a matcher must consume the whole scalar); for a tagged one by its tag. Then
 * the kind's constructor computes the value as constructor.py does, which
 * for a tagged scalar may accept more than the regex (!!float 1e3).
 */

#define DIGITS  "0123456789"
#define DIGITS_ "0123456789_"

/* What a scalar resolves to: PyYAML's tags. */
enum ykind { Y_STR, Y_NULL, Y_BOOL, Y_INT, Y_FLOAT, Y_TIMESTAMP, Y_MERGE, Y_VALUE };

/* Whether s (len bytes) equals one of the NULL-terminated words. */
static int is_one_of(const char *s, size_t len, const char *const *words)
{
	for (; *words; words++)
		if (strlen(*words) == len && !memcmp(s, *words, len))
			return 1;
	return 0;
}

/* Number of leading bytes of s that belong to set. */
static size_t span_of(const char *s, size_t len, const char *set)
{
	size_t n = 0;

	while (n < len && s[n] && strchr(set, s[n]))
		n++;
	return n;
}

/* 1 when s starts with '-' or '+', else 0. */
static size_t sign_len(const char *s, size_t len)
{
	return len > 0 && (s[0] == '-' || s[0] == '+');
}

/* Whether s[*i] is c; if so, step over it. */
static int take_char(const char *s, size_t len, size_t *i, char c)
{
	if (*i >= len || s[*i] != c)
		return 0;
	(*i)++;
	return 1;
}

/* A copy of s without its underscores (PyYAML's int and float constructors
 * drop them all first), NUL-terminated, ASCII letters in lower case when
 * lower; NULL when out of memory. */
static char *strip_underscores(const char *s, size_t len, int lower)
{
	char *t = malloc(len + 1), *p = t;
	size_t i;

	if (!t)
		return NULL;
	for (i = 0; i < len; i++)
		if (s[i] != '_')
			*p++ = lower && s[i] >= 'A' && s[i] <= 'Z' ? (char)(s[i] | 0x20) : s[i];
	*p = '\0';
	return t;
}

/* The bytes matched by the base-60 groups (?::[0-5]?[0-9])+ at s, 0 if none.
 * A group is always followed by ':', '.' or the end, never by a digit, so the
 * length of its run of digits decides whether it matches. */
static size_t base60_span(const char *s, size_t len)
{
	size_t i = 0, n;

	while (i < len && s[i] == ':') {
		n = span_of(s + i + 1, len - i - 1, DIGITS);
		if (n != 1 && !(n == 2 && s[i + 1] <= '5'))
			break;
		i += 1 + n;
	}
	return i;
}

/* --- the implicit resolvers --- */

/* Whether s matches PyYAML's int regex
 *   [-+]?0b[0-1_]+ | [-+]?0[0-7_]+ | [-+]?(?:0|[1-9][0-9_]*)
 *   | [-+]?0x[0-9a-fA-F_]+ | [-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+
 * (so 010 is octal, 08 a string, 190:20:30 an int in base 60). */
static int int_syntax(const char *s, size_t len)
{
	size_t sign = sign_len(s, len), rl = len - sign, n;
	const char *r = s + sign;

	if (rl > 2 && r[0] == '0' && (r[1] == 'b' || r[1] == 'x'))
		return span_of(r + 2, rl - 2, r[1] == 'b' ? "01_" : DIGITS_ "abcdefABCDEF") ==
		       rl - 2;
	if (rl > 0 && r[0] == '0')
		return span_of(r + 1, rl - 1, "01234567_") == rl - 1;
	if (rl == 0 || r[0] < '1' || r[0] > '9')
		return 0;
	n = 1 + span_of(r + 1, rl - 1, DIGITS_);
	return n == rl || n + base60_span(r + n, rl - n) == rl;
}

/* Whether s is empty or [eE][-+][0-9]+: the optional exponent of PyYAML's
 * floats, whose sign is required (1.0e3 is a string, 1.0e+3 a float). */
static int exponent_tail(const char *s, size_t len)
{
	if (!len)
		return 1;
	return len > 2 && (s[0] == 'e' || s[0] == 'E') && (s[1] == '-' || s[1] == '+') &&
	       span_of(s + 2, len - 2, DIGITS) == len - 2;
}

/* Whether s matches PyYAML's float regex
 *   [-+]?[0-9][0-9_]*\.[0-9_]*(?:[eE][-+][0-9]+)? | \.[0-9][0-9_]*(exponent)?
 *   | [-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*
 *   | [-+]?\.(?:inf|Inf|INF) | \.(?:nan|NaN|NAN)
 * Without a dot there is no float (1e3 is a string), and a leading dot takes
 * no sign (-.5 is a string). */
static int float_syntax(const char *s, size_t len)
{
	static const char *const inf[] = {".inf", ".Inf", ".INF", NULL};
	static const char *const nan[] = {".nan", ".NaN", ".NAN", NULL};
	size_t i = sign_len(s, len), n;
	int base60 = 0;

	if (is_one_of(s + i, len - i, inf) || is_one_of(s, len, nan))
		return 1;
	if (i < len && s[i] == '.') {
		if (i || len < 2 || s[1] < '0' || s[1] > '9')
			return 0;
		n = 1 + span_of(s + 1, len - 1, DIGITS_);
		return exponent_tail(s + n, len - n);
	}
	if (i >= len || s[i] < '0' || s[i] > '9')
		return 0;
	i += span_of(s + i, len - i, DIGITS_);
	if (i < len && s[i] == ':') {
		base60 = 1;
		i += base60_span(s + i, len - i);
	}
	if (!take_char(s, len, &i, '.'))
		return 0;
	i += span_of(s + i, len - i, DIGITS_);
	return base60 ? i == len : exponent_tail(s + i, len - i);
}

/* A timestamp's fields, as PyYAML's regex splits them. */
struct ystamp {
	strata_civil c;
	int has_time, has_zone;
	int zone_min; /* minutes east of UTC */
};

/* The number made of the run of digits at s[*i], stepping over it; -1 when
 * that run is shorter than nmin or longer than nmax. (Every such field of the
 * regex is followed by a non-digit, so the whole run must match.) */
static int fixed_digits(const char *s, size_t len, size_t *i, size_t nmin, size_t nmax)
{
	size_t n = span_of(s + *i, len - *i, DIGITS);
	int v = 0;

	if (n < nmin || n > nmax)
		return -1;
	for (; n; n--)
		v = v * 10 + (s[(*i)++] - '0');
	return v;
}

/* The optional zone at s[i], [ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?), and
 * then the end. The minutes are not checked: PyYAML takes +01:99 as 2h39m. */
static int stamp_zone(const char *s, size_t len, size_t i, struct ystamp *ts)
{
	size_t blanks = span_of(s + i, len - i, " \t");
	int neg, h, m = 0;

	if (i + blanks == len)
		return blanks == 0; /* blanks belong to a zone */
	i += blanks;
	ts->has_zone = 1;
	if (take_char(s, len, &i, 'Z'))
		return i == len;
	neg = s[i] == '-';
	if (!take_char(s, len, &i, '-') && !take_char(s, len, &i, '+'))
		return 0;
	if ((h = fixed_digits(s, len, &i, 1, 2)) < 0)
		return 0;
	if (take_char(s, len, &i, ':') && (m = fixed_digits(s, len, &i, 2, 2)) < 0)
		return 0;
	ts->zone_min = (neg ? -1 : 1) * (h * 60 + m);
	return i == len;
}

/* The digits of a fraction of a second at s, kept to the nanosecond (PyYAML
 * keeps microseconds; further digits are truncated). Returns their count. */
static size_t stamp_fraction(const char *s, size_t len, int *ns)
{
	size_t n = span_of(s, len, DIGITS), k;
	int scale = 100000000;

	*ns = 0;
	for (k = 0; k < n && k < 9; k++, scale /= 10)
		*ns += (s[k] - '0') * scale;
	return n;
}

/* The time after a date at s[i]: (?:[Tt]|[ \t]+)H[H]:MM:SS(?:\.[0-9]*)?, then
 * the zone. */
static int stamp_time(const char *s, size_t len, size_t i, struct ystamp *ts)
{
	size_t blanks;

	if (!take_char(s, len, &i, 'T') && !take_char(s, len, &i, 't')) {
		blanks = span_of(s + i, len - i, " \t");
		if (!blanks)
			return 0;
		i += blanks;
	}
	ts->has_time = 1;
	if ((ts->c.hour = fixed_digits(s, len, &i, 1, 2)) < 0 || !take_char(s, len, &i, ':') ||
	    (ts->c.minute = fixed_digits(s, len, &i, 2, 2)) < 0 || !take_char(s, len, &i, ':') ||
	    (ts->c.second = fixed_digits(s, len, &i, 2, 2)) < 0)
		return 0;
	if (take_char(s, len, &i, '.'))
		i += stamp_fraction(s + i, len - i, &ts->c.nanosecond);
	return stamp_zone(s, len, i, ts);
}

/* Whether s matches PyYAML's timestamp regex, filling ts. A lone date must be
 * YYYY-MM-DD for the implicit resolver (strict); the !!timestamp constructor
 * also takes YYYY-M-D, as a date-time does. */
static int stamp_syntax(const char *s, size_t len, int strict, struct ystamp *ts)
{
	size_t i = 0;

	memset(ts, 0, sizeof *ts);
	if ((ts->c.year = fixed_digits(s, len, &i, 4, 4)) < 0 || !take_char(s, len, &i, '-') ||
	    (ts->c.month = fixed_digits(s, len, &i, 1, 2)) < 0 || !take_char(s, len, &i, '-') ||
	    (ts->c.day = fixed_digits(s, len, &i, 1, 2)) < 0)
		return 0;
	if (i == len)
		return !strict || len == 10;
	return stamp_time(s, len, i, ts);
}

/* The length PyYAML's regexes see: their '$' also matches before a final
 * newline, which only a scalar tagged "!" (! "12\n", ! |) can have; "\n"
 * alone is a string all the same. */
static size_t dollar_len(const char *s, size_t len)
{
	return len > 1 && s[len - 1] == '\n' ? len - 1 : len;
}

/* PyYAML's Resolver.resolve for a plain scalar: the first implicit resolver
 * (in its order) whose regex matches, else str. */
static enum ykind implicit_kind(const char *s, size_t len)
{
	static const char *const nulls[] = {"", "~", "null", "Null", "NULL", NULL};
	static const char *const bools[] = {"yes",  "Yes",  "YES",   "no",    "No",    "NO", "true",
	                                    "True", "TRUE", "false", "False", "FALSE", "on", "On",
	                                    "ON",   "off",  "Off",   "OFF",   NULL};
	struct ystamp ts;

	len = dollar_len(s, len);
	if (is_one_of(s, len, bools))
		return Y_BOOL;
	if (float_syntax(s, len))
		return Y_FLOAT;
	if (int_syntax(s, len))
		return Y_INT;
	if (len == 2 && !memcmp(s, "<<", 2))
		return Y_MERGE;
	if (is_one_of(s, len, nulls))
		return Y_NULL;
	if (stamp_syntax(s, len, 1, &ts))
		return Y_TIMESTAMP;
	if (len == 1 && s[0] == '=')
		return Y_VALUE;
	return Y_STR;
}

/* --- the constructors --- */

/* *v = *v * m + d; -1 (and *v unchanged) when that would pass limit. */
static int mul_add(uint64_t *v, uint64_t m, uint64_t d, uint64_t limit)
{
	if (d > limit || *v > (limit - d) / m)
		return -1;
	*v = *v * m + d;
	return 0;
}

/* Cut the ASCII blanks around t (Python's int() and float() ignore them). */
static char *trim_blanks(char *t)
{
	static const char blanks[] = " \t\n\v\f\r";
	char *end;

	t += strspn(t, blanks);
	end = t + strlen(t);
	while (end > t && strchr(blanks, end[-1]))
		*--end = '\0';
	return t;
}

/* Python's int(t, base): blanks, an optional sign (*neg), an optional prefix
 * (0b, 0o, 0x) that matches base, then digits of base. 0, -1 when malformed,
 * -2 when the magnitude *out passes 2^63. */
static int python_int(char *t, unsigned base, int *neg, uint64_t *out)
{
	static const char prefix[17] = {[2] = 'b', [8] = 'o', [16] = 'x'};
	uint64_t v = 0;
	unsigned d;

	t = trim_blanks(t);
	*neg = t[0] == '-';
	t += sign_len(t, strlen(t));
	if (t[0] == '0' && prefix[base] && (t[1] | 0x20) == prefix[base])
		t += 2;
	if (!*t)
		return -1;
	for (; *t; t++) {
		d = *t >= '0' && *t <= '9'                     ? (unsigned)(*t - '0')
		    : (*t | 0x20) >= 'a' && (*t | 0x20) <= 'z' ? (unsigned)((*t | 0x20) - 'a' + 10)
		                                               : 99;
		if (d >= base)
			return -1;
		if (mul_add(&v, base, d, (uint64_t)INT64_MAX + 1))
			return -2;
	}
	*out = v;
	return 0;
}

/* PyYAML's base-60 int: ':'-separated decimal parts, folded as
 * total * 60 + part (the same as its sum of powers of 60). A negative part,
 * which Python would take, is refused. */
static int base60_int(char *t, uint64_t *out)
{
	uint64_t total = 0, part = 0;
	char *colon;
	int rc, neg;

	for (;;) {
		colon = strchr(t, ':');
		if (colon)
			*colon = '\0';
		rc = python_int(t, 10, &neg, &part);
		if (rc || neg)
			return rc ? rc : -1;
		if (mul_add(&total, 60, part, (uint64_t)INT64_MAX + 1))
			return -2;
		if (!colon)
			break;
		t = colon + 1;
	}
	*out = total;
	return 0;
}

/* PyYAML's construct_yaml_int: underscores dropped, one sign, then 0b
 * (binary), 0x (hex), a leading 0 (octal, 0o allowed), ':' (base 60) or
 * Python's int() (which takes a second sign: -0x-1 is 1). 0, -1 when
 * malformed (0b_), -2 outside int64, -3 out of memory. */
static int construct_int(const char *s, size_t len, int64_t *out)
{
	char *t = strip_underscores(s, len, 0), *p;
	uint64_t m = 0;
	int neg, inner = 0, rc;

	if (!t)
		return -3;
	neg = t[0] == '-';
	p = t + sign_len(t, strlen(t));
	if (p[0] == '0' && (p[1] == 'b' || p[1] == 'x'))
		rc = python_int(p + 2, p[1] == 'b' ? 2 : 16, &inner, &m);
	else if (p[0] == '0')
		rc = python_int(p, 8, &inner, &m);
	else if (strchr(p, ':'))
		rc = base60_int(p, &m);
	else
		rc = python_int(p, 10, &inner, &m);
	free(t);
	neg ^= inner;
	if (!rc && !neg && m > (uint64_t)INT64_MAX)
		rc = -2;
	if (!rc)
		*out = neg ? (int64_t)(0 - m) : (int64_t)m;
	return rc;
}

/* Whether t is a decimal number as Python's float() reads one:
 * [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?. */
static int decimal_syntax(const char *t, size_t len)
{
	size_t i = sign_len(t, len), lead, frac = 0, exp;

	lead = span_of(t + i, len - i, DIGITS);
	i += lead;
	if (take_char(t, len, &i, '.')) {
		frac = span_of(t + i, len - i, DIGITS);
		i += frac;
	}
	if (!lead && !frac)
		return 0;
	if (take_char(t, len, &i, 'e') || take_char(t, len, &i, 'E')) {
		i += sign_len(t + i, len - i);
		exp = span_of(t + i, len - i, DIGITS);
		if (!exp)
			return 0;
		i += exp;
	}
	return i == len;
}

/* Python's float() on t (lower case): a decimal number, or inf, infinity or
 * nan with an optional sign. 0, -1 when malformed, -2 when it overflows
 * (Python would give inf; refused). */
static int python_float(char *t, double *out)
{
	static const char *const infs[] = {"inf", "infinity", NULL};
	size_t len, sign;

	t = trim_blanks(t);
	len = strlen(t);
	sign = sign_len(t, len);

	if (is_one_of(t + sign, len - sign, infs)) {
		*out = t[0] == '-' ? -INFINITY : INFINITY;
		return 0;
	}
	if (!strcmp(t + sign, "nan")) {
		*out = NAN;
		return 0;
	}
	if (!decimal_syntax(t, len))
		return -1;
	return conf_strtod(t, out) ? -2 : 0;
}

/* PyYAML's base-60 float: the ':'-separated parts are summed from the last
 * one, in its order, so that the rounding is the same. */
static int base60_float(char *t, double *out)
{
	double sum = 0, scale = 1, part;
	char *colon;
	int rc;

	for (;;) {
		colon = strrchr(t, ':');
		rc = python_float(colon ? colon + 1 : t, &part);
		if (rc)
			return rc;
		sum += part * scale;
		scale *= 60;
		if (!colon)
			break;
		*colon = '\0';
	}
	*out = sum;
	return isinf(sum) ? -2 : 0;
}

/* PyYAML's construct_yaml_float: underscores dropped, lower case, one sign,
 * then .inf, .nan, ':' (base 60) or Python's float(). Codes as construct_int. */
static int construct_float(const char *s, size_t len, double *out)
{
	char *t = strip_underscores(s, len, 1), *p;
	int neg, rc = 0;

	if (!t)
		return -3;
	neg = t[0] == '-';
	p = t + sign_len(t, strlen(t));
	if (!strcmp(p, ".inf"))
		*out = INFINITY;
	else if (!strcmp(p, ".nan"))
		*out = NAN;
	else if (strchr(p, ':'))
		rc = base60_float(p, out);
	else
		rc = python_float(p, out);
	free(t);
	if (!rc && neg)
		*out = -*out;
	return rc;
}

/* PyYAML's construct_yaml_bool: the six words in any case. */
static int construct_bool(const char *s, size_t len, int64_t *out)
{
	static const char *const words[] = {"yes", "true", "on", "no", "false", "off"};
	size_t k, i;

	for (k = 0; k < 6; k++) {
		if (strlen(words[k]) != len)
			continue;
		for (i = 0; i < len && (s[i] | 0x20) == words[k][i]; i++)
			;
		if (i == len) {
			*out = k < 3;
			return 0;
		}
	}
	return -1;
}

/* How much of scalar s to quote in a message: its first line, at most 64
 * bytes. */
static int shown(const char *s)
{
	size_t n = strcspn(s, "\r\n");
	return n < 64 ? (int)n : 64;
}

/* Give v the value of a timestamp: a DATE, a LOCAL_DATETIME (no zone; ns as
 * if UTC) or a DATETIME (converted to UTC). As in PyYAML, invalid fields
 * (month 13, Feb 30, hour 24, second 60) and zones of 24 h or more are errors;
 * so are instants outside the int64 nanoseconds (1677..2262). */
static int construct_stamp(const struct yctx *y, const yaml_event_t *e, struct yscalar *v)
{
	const char *s = (const char *)e->data.scalar.value;
	struct ystamp ts;
	int64_t off;
	char why[256];

	if (!stamp_syntax(s, dollar_len(s, e->data.scalar.length), 0, &ts))
		return yerr(y, e->start_mark, STRATA_EPARSE,
		            "value does not match tag !!timestamp");
	if (ts.zone_min <= -24 * 60 || ts.zone_min >= 24 * 60)
		return yerr(y, e->start_mark, STRATA_EPARSE,
		            "invalid timestamp '%.*s': UTC offset of 24 hours or more", shown(s),
		            s);
	if (strata_time_from_civil(&ts.c, &v->i)) {
		snprintf(why, sizeof why, "%s", strata_error_message());
		return yerr(y, e->start_mark, STRATA_EPARSE, "invalid timestamp '%.*s': %s",
		            shown(s), s, why);
	}
	off = (int64_t)ts.zone_min * 60 * STRATA_NS_PER_SEC;
	if (__builtin_sub_overflow(v->i, off, &v->i))
		return yerr(y, e->start_mark, STRATA_EPARSE,
		            "invalid timestamp '%.*s': time outside 1677-09-21..2262-04-11",
		            shown(s), s);
	v->type = !ts.has_time  ? STRATA_CONF_DATE
	          : ts.has_zone ? STRATA_CONF_DATETIME
	                        : STRATA_CONF_LOCAL_DATETIME;
	return 0;
}

/* Turn a constructor's failure (-1 malformed, -2 out of range, -3 out of
 * memory) into an error. */
static int construct_error(const struct yctx *y, const yaml_event_t *e, int rc, const char *tag)
{
	const char *s = (const char *)e->data.scalar.value;

	if (rc == -3)
		return strata_error_set(STRATA_ENOMEM, "%s: out of memory", y->name);
	if (rc == -2)
		return yerr(y, e->start_mark, STRATA_EPARSE, "%s out of range",
		            !strcmp(tag, "int") ? "integer" : tag);
	if (e->data.scalar.plain_implicit) /* "0b_": PyYAML fails as well */
		return yerr(y, e->start_mark, STRATA_EPARSE, "invalid %s '%.*s'", tag, shown(s), s);
	return yerr(y, e->start_mark, STRATA_EPARSE, "value does not match tag !!%s", tag);
}

/* Give v the value of a scalar of kind k. */
static int construct(const struct yctx *y, const yaml_event_t *e, enum ykind k, struct yscalar *v)
{
	const char *s = (const char *)e->data.scalar.value;
	size_t len = e->data.scalar.length;
	int rc = 0;

	v->type = STRATA_CONF_STRING;
	switch (k) {
	case Y_STR: return 0;
	case Y_NULL: v->type = STRATA_CONF_NULL; return 0;
	case Y_TIMESTAMP: return construct_stamp(y, e, v);
	case Y_MERGE:
		return yerr(y, e->start_mark, STRATA_EUNSUPPORTED,
		            "merge keys ('<<') are not supported");
	case Y_VALUE:
		return yerr(y, e->start_mark, STRATA_EUNSUPPORTED,
		            "the YAML 1.1 value key '=' is not supported");
	case Y_BOOL:
		v->type = STRATA_CONF_BOOL;
		rc = construct_bool(s, len, &v->i);
		return rc ? construct_error(y, e, rc, "bool") : 0;
	case Y_INT:
		v->type = STRATA_CONF_INT;
		rc = construct_int(s, len, &v->i);
		return rc ? construct_error(y, e, rc, "int") : 0;
	case Y_FLOAT:
		v->type = STRATA_CONF_FLOAT;
		rc = construct_float(s, len, &v->f);
		return rc ? construct_error(y, e, rc, "float") : 0;
	}
	return 0;
}

/* The kind *k an explicit tag names; an error for any tag but the standard
 * scalar ones. */
static int tag_kind(const struct yctx *y, const yaml_event_t *e, const char *tag, enum ykind *k)
{
	static const char *const names[] = {"str", "null", "bool", "int", "float", "timestamp"};
	static const enum ykind kinds[] = {Y_STR, Y_NULL, Y_BOOL, Y_INT, Y_FLOAT, Y_TIMESTAMP};
	const size_t plen = strlen(YAML_TAG_PREFIX);
	size_t i;

	if (!strncmp(tag, YAML_TAG_PREFIX, plen))
		for (i = 0; i < sizeof names / sizeof *names; i++)
			if (!strcmp(tag + plen, names[i])) {
				*k = kinds[i];
				return 0;
			}
	return yerr(y, e->start_mark, STRATA_EUNSUPPORTED, "unsupported tag '%s'", tag);
}

/* Resolve a scalar event, as PyYAML does: implicitly when libyaml says a
 * plain scalar may omit its tag (untagged plain scalars, and any scalar
 * tagged "!"), by its explicit tag, or else (quoted and block scalars) as a
 * string. */
static int resolve_scalar(const struct yctx *y, const yaml_event_t *e, struct yscalar *v)
{
	const char *tag = (const char *)e->data.scalar.tag;
	enum ykind k = Y_STR;
	int rc;

	if (e->data.scalar.plain_implicit || (tag && !strcmp(tag, "!")))
		k = implicit_kind((const char *)e->data.scalar.value, e->data.scalar.length);
	else if (tag && (rc = tag_kind(y, e, tag, &k)))
		return rc;
	return construct(y, e, k, v);
}

/* A key keeps its text (where PyYAML would make yes: a bool key and 1: an
 * int key; it turns the value key = into a string too), but the merge key
 * << is refused. */
static int check_key(const struct yctx *y, const yaml_event_t *e)
{
	struct yscalar v;
	enum ykind k;

	if (!e->data.scalar.plain_implicit)
		return 0;
	k = implicit_kind((const char *)e->data.scalar.value, e->data.scalar.length);
	return k == Y_MERGE ? construct(y, e, k, &v) : 0;
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
	struct yscalar v = {STRATA_CONF_STRING, 0, 0};
	strata_conf *node;
	int rc = resolve_scalar(y, e, &v);

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
		rc = resolve_scalar(y, e, &v);
		if (!rc && v.type != STRATA_CONF_NULL)
			rc = yerr(y, e->start_mark, STRATA_EPARSE,
			          "the top level must be a mapping");
		return rc;
	}
	if (wants_key(y)) {
		rc = check_key(y, e);
		return rc ? rc : take_key(y, e);
	}
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
