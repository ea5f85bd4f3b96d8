/* buf.c - growable NUL-terminated byte buffer; see include/strata/buf.h. */
#include "strata/buf.h"

#include "strata/error.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int strata_buf_grow(strata_buf *b, size_t extra)
{
	size_t need, cap;
	char *p;

	if (extra > SIZE_MAX - b->len - 1)
		return strata_error_set(STRATA_ENOMEM, "buffer size overflow");
	need = b->len + extra + 1;
	if (need <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	p = realloc(b->data, cap);
	if (!p)
		return strata_error_set(STRATA_ENOMEM,
		                        "out of memory growing a buffer to %zu bytes", cap);
	b->data = p;
	b->cap = cap;
	return 0;
}

int strata_buf_append(strata_buf *b, const void *data, size_t len)
{
	int rc = strata_buf_grow(b, len);
	if (rc)
		return rc;
	if (len)
		memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
	return 0;
}

int strata_buf_puts(strata_buf *b, const char *s)
{
	return strata_buf_append(b, s, strlen(s));
}

int strata_buf_putc(strata_buf *b, char c)
{
	return strata_buf_append(b, &c, 1);
}

int strata_buf_printf(strata_buf *b, const char *fmt, ...)
{
	va_list ap, ap2;
	int n, rc;

	va_start(ap, fmt);
	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0) {
		va_end(ap2);
		return strata_error_set(STRATA_EINVAL, "bad format string");
	}
	rc = strata_buf_grow(b, (size_t)n);
	if (rc) {
		va_end(ap2);
		return rc;
	}
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap2);
	va_end(ap2);
	b->len += (size_t)n;
	return 0;
}

size_t strata_utf8_length(const unsigned char *s, size_t n)
{
	size_t len, i;

	if (n == 0)
		return 0;
	if (s[0] < 0x80)
		return 1;
	if (s[0] < 0xC2 || s[0] > 0xF4)
		return 0;
	len = s[0] < 0xE0 ? 2 : s[0] < 0xF0 ? 3 : 4;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++)
		if ((s[i] & 0xC0) != 0x80)
			return 0;
	if ((s[0] == 0xE0 && s[1] < 0xA0) || (s[0] == 0xED && s[1] >= 0xA0) ||
	    (s[0] == 0xF0 && s[1] < 0x90) || (s[0] == 0xF4 && s[1] >= 0x90))
		return 0; /* overlong, surrogate or above U+10FFFF */
	return len;
}

int strata_buf_json_string(strata_buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	const unsigned char *end = p + strlen(s);
	int rc = strata_buf_putc(b, '"');

	while (!rc && *p) {
		size_t n;
		switch (*p) {
		case '"':
			rc = strata_buf_puts(b, "\\\"");
			p++;
			continue;
		case '\\':
			rc = strata_buf_puts(b, "\\\\");
			p++;
			continue;
		case '\n':
			rc = strata_buf_puts(b, "\\n");
			p++;
			continue;
		case '\r':
			rc = strata_buf_puts(b, "\\r");
			p++;
			continue;
		case '\t':
			rc = strata_buf_puts(b, "\\t");
			p++;
			continue;
		default: break;
		}
		if (*p < 0x20 || *p == 0x7F) {
			rc = strata_buf_printf(b, "\\u%04x", *p);
			p++;
			continue;
		}
		n = strata_utf8_length(p, (size_t)(end - p));
		if (n == 0) {
			rc = strata_buf_puts(b, "\\ufffd");
			p++;
		} else {
			rc = strata_buf_append(b, p, n);
			p += n;
		}
	}
	return rc ? rc : strata_buf_putc(b, '"');
}

int strata_buf_json_double(strata_buf *b, double v)
{
	char text[32];

	if (!isfinite(v))
		return strata_buf_puts(b, "null");
	for (int digits = 15; digits <= 17; digits++) {
		snprintf(text, sizeof text, "%.*g", digits, v);
		if (strtod(text, NULL) == v)
			break;
	}
	return strata_buf_puts(b, text);
}

int strata_hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

const char *strata_buf_cstr(const strata_buf *b)
{
	return b->data ? b->data : "";
}

void strata_buf_reset(strata_buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

void strata_buf_free(strata_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

char *strata_buf_detach(strata_buf *b)
{
	char *p = b->data;
	if (!p)
		p = calloc(1, 1);
	b->data = NULL;
	b->len = b->cap = 0;
	return p;
}
