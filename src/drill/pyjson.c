/* pyjson.c - json.dumps-compatible strings and floats for the published payloads. */
#include "drill/pyjson.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The shortest decimal digits of v that read back as v, and the exponent of
 * the first digit (v = 0.d1d2... * 10^decpt). digits holds at least 18 bytes. */
static void shortest_digits(double v, char *digits, int *decpt)
{
	char text[40];
	int prec;

	for (prec = 0; prec < 17; prec++) {
		snprintf(text, sizeof text, "%.*e", prec, v);
		if (strtod(text, NULL) == v)
			break;
	}
	snprintf(text, sizeof text, "%.*e", prec, v);
	/* text is "d.ddde[+-]XX" (v > 0) */
	size_t n = 0;
	const char *p = text;
	for (; *p && *p != 'e'; p++)
		if (*p >= '0' && *p <= '9')
			digits[n++] = *p;
	while (n > 1 && digits[n - 1] == '0')
		n--;
	if (n == 0)
		digits[n++] = '0';
	digits[n] = '\0';
	*decpt = (*p == 'e' ? atoi(p + 1) : 0) + 1;
}

/* Fixed notation of digits with the point after decpt digits, ".0" added. */
static void fixed_repr(const char *digits, int decpt, char *out, size_t outlen)
{
	int n = (int)strlen(digits);
	size_t o = 0;

	if (decpt <= 0) {
		o += (size_t)snprintf(out + o, outlen - o, "0.");
		for (int i = 0; i < -decpt; i++)
			out[o++] = '0';
		snprintf(out + o, outlen - o, "%s", digits);
		return;
	}
	for (int i = 0; i < decpt; i++)
		out[o++] = i < n ? digits[i] : '0';
	out[o++] = '.';
	if (decpt >= n)
		out[o++] = '0';
	for (int i = decpt; i < n; i++)
		out[o++] = digits[i];
	out[o] = '\0';
}

const char *drill_py_float_repr(double v, char *buf, size_t buflen)
{
	char digits[24] = {0};
	int decpt = 0;
	size_t o = 0;

	if (isnan(v))
		return snprintf(buf, buflen, "NaN"), buf;
	if (isinf(v))
		return snprintf(buf, buflen, v > 0 ? "Infinity" : "-Infinity"), buf;
	if (signbit(v))
		buf[o++] = '-';
	v = fabs(v);
	if (v == 0) {
		snprintf(buf + o, buflen - o, "0.0");
		return buf;
	}
	shortest_digits(v, digits, &decpt);
	/* CPython's float_repr_style 'r': exponent when decpt <= -4 or > 16 */
	if (decpt > -4 && decpt <= 16) {
		fixed_repr(digits, decpt, buf + o, buflen - o);
	} else {
		int e = decpt - 1;
		o += (size_t)snprintf(buf + o, buflen - o, "%c", digits[0]);
		if (digits[1])
			o += (size_t)snprintf(buf + o, buflen - o, ".%s", digits + 1);
		snprintf(buf + o, buflen - o, "e%c%02d", e < 0 ? '-' : '+', e < 0 ? -e : e);
	}
	return buf;
}

int drill_py_json_double(strata_buf *b, double v)
{
	char text[48];

	return strata_buf_puts(b, drill_py_float_repr(v, text, sizeof text));
}

/* The code point of the valid UTF-8 sequence of n bytes at p. */
static unsigned long utf8_decode(const unsigned char *p, size_t n)
{
	static const unsigned char lead_mask[5] = {0, 0x7F, 0x1F, 0x0F, 0x07};
	unsigned long cp = p[0] & lead_mask[n];

	for (size_t i = 1; i < n; i++)
		cp = (cp << 6) | (p[i] & 0x3F);
	return cp;
}

/* Append one code point outside printable ASCII as \uXXXX (or a pair). */
static int escape_code_point(strata_buf *b, unsigned long cp)
{
	if (cp < 0x10000)
		return strata_buf_printf(b, "\\u%04lx", cp);
	cp -= 0x10000;
	return strata_buf_printf(b, "\\u%04lx\\u%04lx", 0xD800 + (cp >> 10), 0xDC00 + (cp & 0x3FF));
}

int drill_py_json_string(strata_buf *b, const char *s)
{
	if (!s)
		return strata_buf_puts(b, "null");
	const unsigned char *p = (const unsigned char *)s, *end = p + strlen(s);
	int rc = strata_buf_putc(b, '"');

	while (!rc && p < end) {
		const char *esc = NULL;
		switch (*p) {
		case '"': esc = "\\\""; break;
		case '\\': esc = "\\\\"; break;
		case '\n': esc = "\\n"; break;
		case '\r': esc = "\\r"; break;
		case '\t': esc = "\\t"; break;
		case '\b': esc = "\\b"; break;
		case '\f': esc = "\\f"; break;
		default: break;
		}
		if (esc) {
			rc = strata_buf_puts(b, esc);
			p++;
		} else if (*p >= 0x20 && *p < 0x7F) {
			rc = strata_buf_putc(b, (char)*p++);
		} else {
			size_t n = strata_utf8_length(p, (size_t)(end - p));
			rc = escape_code_point(b, n ? utf8_decode(p, n) : 0xFFFD);
			p += n ? n : 1;
		}
	}
	return rc ? rc : strata_buf_putc(b, '"');
}
