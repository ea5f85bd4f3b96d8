/*
 * error.h - the one error convention of strata.
 *
 * Every function that can fail returns an int: 0 (STRATA_OK) on success, a
 * negative strata_error code on failure. Before returning a failure it sets a
 * thread-local message that names the input and the reason, for example
 * "params.toml:12: DatachunkParams.sampling_rate: expected a number, got a
 * string". Callers that add context wrap the message with strata_error_wrap().
 * Only src/cli/ turns an error into an exit status; library code never exits.
 */
#ifndef STRATA_ERROR_H
#define STRATA_ERROR_H

#include <stdarg.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum strata_error {
	STRATA_OK = 0,
	STRATA_ERR = -1,          /* unclassified failure */
	STRATA_ENOMEM = -2,       /* out of memory */
	STRATA_EINVAL = -3,       /* invalid argument from the caller */
	STRATA_EPARSE = -4,       /* malformed input: file, message, timestamp */
	STRATA_EIO = -5,          /* operating-system I/O failure */
	STRATA_ENOTFOUND = -6,    /* a named thing does not exist */
	STRATA_EEXIST = -7,       /* a thing that must not exist does */
	STRATA_ESCHEMA = -8,      /* valid syntax, wrong key or type */
	STRATA_EDB = -9,          /* database error */
	STRATA_EBUSY = -10,       /* transient: locked, busy, serialization */
	STRATA_EAUTH = -11,       /* authentication refused */
	STRATA_EPERM = -12,       /* permission denied */
	STRATA_ELIMIT = -13,      /* a size or count limit was exceeded */
	STRATA_EUNSUPPORTED = -14 /* valid but not supported */
} strata_error;

/* Set the thread-local error; returns code so callers can `return set(...)`. */
int strata_error_set(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int strata_error_vset(int code, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

/* Set the error from errno (saved first): "<message>: <strerror(errno)>".
 * The code is mapped from errno (ENOENT -> ENOTFOUND, EACCES -> EPERM, ...). */
int strata_error_set_errno(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Prefix the current message with context: "<context>: <old message>".
 * Returns code unchanged, so `return strata_error_wrap(rc, "%s", path);`. */
int strata_error_wrap(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The message of the last failure on this thread ("" when none). */
const char *strata_error_message(void);

/* The code of the last failure on this thread (0 when none). */
int strata_error_last(void);

void strata_error_clear(void);

/* A short, stable name for a code: "parse", "io", "db", ... */
const char *strata_error_name(int code);

#ifdef __cplusplus
}
#endif
#endif
