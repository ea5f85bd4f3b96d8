/*
 * num.h - exact and fast reading of decimal numbers.
 *
 * strata_parse_json_double reads a JSON number text to the double strtod
 * gives (correctly rounded, bit for bit), several times faster for the
 * common short numbers: up to 19 significant digits whose value is exact in
 * a double (< 2^53) and a power of ten up to 10^22 are converted with one
 * correctly rounded IEEE multiplication or division (Clinger's fast path);
 * every other number goes to strtod.
 */
#ifndef STRATA_NUM_H
#define STRATA_NUM_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Parse text[0..len) (not NUL-terminated) as one JSON number:
 * -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? and nothing else. *out is
 * what strtod returns for the same text: +-inf beyond the double range, a
 * subnormal or +-0 below it. Returns 0, or STRATA_EPARSE (message set) when
 * the text is not a JSON number, or STRATA_ENOMEM.
 */
int strata_parse_json_double(const char *text, size_t len, double *out);

/*
 * Read the longest JSON number at the start of text[0..len) ("1.5" of
 * "1.5,2", "0" of "01", "1" of "1e"): *used is its length and *out its
 * value, as strata_parse_json_double reads it. Returns 0, STRATA_EPARSE
 * when no JSON number starts there, or STRATA_ENOMEM.
 */
int strata_scan_json_double(const char *text, size_t len, size_t *used, double *out);

/* The length of the longest JSON number at the start of text[0..len), 0
 * when none starts there; nothing is converted (for checking a number whose
 * value is not needed, whatever its length). */
size_t strata_json_number_length(const char *text, size_t len);

#ifdef __cplusplus
}
#endif

#endif
