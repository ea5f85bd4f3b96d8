/*
 * pyjson.h - JSON text as Python's json.dumps writes it (default arguments).
 *
 * The original drilling service publishes json.dumps(dict): ", " and ": "
 * separators, non-ASCII escaped as \uXXXX (ensure_ascii), floats as
 * repr(float) ("20.0", "5.01", "1e-05", "1e+16"). strata drill publishes the
 * same bytes so that consumers comparing payloads see no difference.
 */
#ifndef STRATA_DRILL_PYJSON_H
#define STRATA_DRILL_PYJSON_H

#include "strata/buf.h"

/* repr(v) for a finite double into buf (at least 32 bytes); "NaN",
 * "Infinity", "-Infinity" (json.dumps's spelling) otherwise. Returns buf. */
const char *drill_py_float_repr(double v, char *buf, size_t buflen);

/* Append v as json.dumps writes a float. */
int drill_py_json_double(strata_buf *b, double v);

/* Append s as json.dumps writes a str: quotes, the two-character escapes,
 * \u00XX for other control characters, \uXXXX (surrogate pairs above
 * U+FFFF) for everything outside printable ASCII. Invalid UTF-8 bytes are
 * written as \ufffd. NULL is written as null. */
int drill_py_json_string(strata_buf *b, const char *s);

#endif
