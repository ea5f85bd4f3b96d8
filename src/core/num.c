/* num.c - JSON number texts to doubles, exactly and fast (see num.h). */
#include "strata/num.h"

#include <float.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "strata/error.h"

#define FAST_DIGITS    19                  /* significant digits a uint64_t holds */
#define EXACT_MANTISSA (UINT64_C(1) << 53) /* integers up to this are exact doubles */
#define EXACT_POW10    22                  /* 10^22 is the largest exact power of ten */
#define EXPONENT_LIMIT 100000              /* larger written exponents are left to strtod */
#define SMALL_TEXT     64

/* 10^0 .. 10^22, each exactly representable in a double. */
static const double pow10_exact[EXACT_POW10 + 1] = {
    1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};

/* A JSON number as value = (-1)^negative * mantissa * 10^exponent. mantissa
 * holds the first FAST_DIGITS significant digits; digits counts them all. */
typedef struct decimal {
	int negative;
	uint64_t mantissa;
	size_t digits;
	long exponent;
	int huge_exponent; /* the written exponent exceeds EXPONENT_LIMIT */
} decimal;

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Accumulate a run of digits into d; digits after the point lower the
 * exponent. Leading zeros are not significant. Returns the end of the run.
 * (Locals, not d's fields, in the loop: p is a char pointer that may alias d.) */
static const char *scan_digits(const char *p, const char *end, int fraction, decimal *d)
{
	uint64_t mantissa = d->mantissa;
	size_t digits = d->digits;
	long exponent = d->exponent;

	for (; p < end && is_digit(*p); p++) {
		if (mantissa == 0 && *p == '0') {
			exponent -= fraction;
			continue;
		}
		if (digits < FAST_DIGITS) {
			mantissa = mantissa * 10 + (uint64_t)(*p - '0');
			exponent -= fraction;
		}
		digits++; /* beyond FAST_DIGITS only the count matters: strtod reads it */
	}
	d->mantissa = mantissa;
	d->digits = digits;
	d->exponent = exponent;
	return p;
}

/* The exponent part after 'e' or 'E' (at least one digit, checked by the
 * caller). */
static const char *scan_exponent(const char *p, const char *end, decimal *d)
{
	int negative = 0;
	long e = 0;

	if (*p == '+' || *p == '-')
		negative = *p++ == '-';
	for (; p < end && is_digit(*p); p++) {
		if (e < EXPONENT_LIMIT)
			e = e * 10 + (*p - '0');
		else
			d->huge_exponent = 1;
	}
	d->exponent += negative ? -e : e;
	return p;
}

/* Does an exponent with digits start at p ('e' or 'E', a sign, a digit)? */
static int exponent_follows(const char *p, const char *end)
{
	if (p == end || (*p != 'e' && *p != 'E'))
		return 0;
	p++;
	if (p < end && (*p == '+' || *p == '-'))
		p++;
	return p < end && is_digit(*p);
}

/* The longest JSON number at the start of [p, end), decomposed into d;
 * returns its end, or NULL when none starts there. */
static const char *scan_json_number(const char *p, const char *end, decimal *d)
{
	memset(d, 0, sizeof *d);
	if (p < end && *p == '-') {
		d->negative = 1;
		p++;
	}
	if (p == end || !is_digit(*p))
		return NULL;
	if (*p == '0')
		p++; /* a leading zero stands alone */
	else
		p = scan_digits(p, end, 0, d);
	if (end - p >= 2 && *p == '.' && is_digit(p[1]))
		p = scan_digits(p + 1, end, 1, d);
	if (exponent_follows(p, end))
		p = scan_exponent(p + 1, end, d);
	return p;
}

/*
 * Clinger's fast path: a mantissa and a power of ten that are both exact
 * doubles give the correctly rounded value with one IEEE operation. Needs
 * double arithmetic without excess precision (FLT_EVAL_METHOD 0). Returns 1
 * with *out set when it applies.
 */
static int fast_path(const decimal *d, double *out)
{
#if FLT_EVAL_METHOD == 0
	double v;

	if (d->mantissa == 0 && d->digits == 0) {
		*out = d->negative ? -0.0 : 0.0; /* any exponent: zero */
		return 1;
	}
	if (d->huge_exponent || d->digits > FAST_DIGITS || d->mantissa > EXACT_MANTISSA ||
	    d->exponent < -EXACT_POW10 || d->exponent > EXACT_POW10)
		return 0;
	v = (double)d->mantissa;
	v = d->exponent < 0 ? v / pow10_exact[-d->exponent] : v * pow10_exact[d->exponent];
	*out = d->negative ? -v : v;
	return 1;
#else
	(void)d;
	(void)out;
	return 0;
#endif
}

/* strtod on a NUL-terminated copy of text. */
static int slow_path(const char *text, size_t len, double *out)
{
	char small[SMALL_TEXT], *buf = len < sizeof small ? small : malloc(len + 1);
	char *end;

	if (!buf)
		return strata_error_set(STRATA_ENOMEM, "number of %zu bytes: out of memory", len);
	memcpy(buf, text, len);
	buf[len] = '\0';
	*out = strtod(buf, &end);
	int consumed = end == buf + len;
	if (buf != small)
		free(buf);
	return consumed ? 0 : strata_error_set(STRATA_EPARSE, "strtod stopped inside a number");
}

size_t strata_json_number_length(const char *text, size_t len)
{
	decimal d;
	const char *end = text ? scan_json_number(text, text + len, &d) : NULL;

	return end ? (size_t)(end - text) : 0;
}

int strata_scan_json_double(const char *text, size_t len, size_t *used, double *out)
{
	decimal d;
	const char *end = text ? scan_json_number(text, text + len, &d) : NULL;

	if (!end)
		return strata_error_set(STRATA_EPARSE, "'%.*s' does not start with a JSON number",
		                        len > 40 ? 40 : (int)len, text ? text : "");
	*used = (size_t)(end - text);
	if (fast_path(&d, out))
		return 0;
	return slow_path(text, *used, out);
}

int strata_parse_json_double(const char *text, size_t len, double *out)
{
	size_t used = 0;
	int rc = strata_scan_json_double(text, len, &used, out);

	if (rc == 0 && used != len)
		rc = strata_error_set(STRATA_EPARSE, "'%.*s' is not a JSON number",
		                      len > 40 ? 40 : (int)len, text);
	return rc;
}
