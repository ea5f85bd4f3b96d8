/*
 * buf.h - a growable byte buffer, always NUL-terminated.
 *
 * Used wherever strata builds text (log lines, SQL, Prometheus output, JSON).
 * Appends that fail for lack of memory return STRATA_ENOMEM and leave the
 * buffer as it was.
 */
#ifndef STRATA_BUF_H
#define STRATA_BUF_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct strata_buf {
	char *data; /* NUL-terminated; NULL until the first append */
	size_t len; /* bytes used, not counting the NUL */
	size_t cap; /* bytes allocated */
} strata_buf;

#define STRATA_BUF_INIT                                                                            \
	{                                                                                          \
		NULL, 0, 0                                                                         \
	}

int strata_buf_grow(strata_buf *b, size_t extra);
int strata_buf_append(strata_buf *b, const void *data, size_t len);
int strata_buf_puts(strata_buf *b, const char *s);
int strata_buf_putc(strata_buf *b, char c);
int strata_buf_printf(strata_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Length (1..4) of the valid UTF-8 sequence at s, of which n bytes are
 * available; 0 when it is invalid (truncated, overlong, a surrogate or above
 * U+10FFFF). */
size_t strata_utf8_length(const unsigned char *s, size_t n);

/* Append s as a JSON string literal, quotes included. Control characters and
 * invalid UTF-8 bytes are escaped (\u00XX / U+FFFD) so the output is valid. */
int strata_buf_json_string(strata_buf *b, const char *s);

/* Append v in the shortest form that reads back as the same double ("5.01",
 * not "5.0099999999999998"); NaN and infinities, which JSON lacks, as null. */
int strata_buf_json_double(strata_buf *b, double v);

/* The value of hexadecimal digit c (0..15), or -1 when c is not one. */
int strata_hex_digit(int c);

/* The contents ("" when empty); valid until the next append. */
const char *strata_buf_cstr(const strata_buf *b);

void strata_buf_reset(strata_buf *b); /* empty, keep the memory */
void strata_buf_free(strata_buf *b);  /* release the memory */

/* Take ownership of the contents (caller frees); leaves b empty. */
char *strata_buf_detach(strata_buf *b);

#ifdef __cplusplus
}
#endif
#endif
