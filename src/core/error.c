/* error.c - thread-local error state; see include/strata/error.h. */
#include "strata/error.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define ERROR_MESSAGE_MAX 1024

static _Thread_local char error_message[ERROR_MESSAGE_MAX];
static _Thread_local int error_code;

int strata_error_vset(int code, const char *fmt, va_list ap)
{
	error_code = code;
	vsnprintf(error_message, sizeof error_message, fmt, ap);
	return code;
}

int strata_error_set(int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	strata_error_vset(code, fmt, ap);
	va_end(ap);
	return code;
}

static int code_from_errno(int err)
{
	switch (err) {
	case ENOENT:
	case ENOTDIR: return STRATA_ENOTFOUND;
	case EEXIST: return STRATA_EEXIST;
	case EACCES:
	case EPERM:
	case EROFS: return STRATA_EPERM;
	case ENOMEM: return STRATA_ENOMEM;
	case EINVAL: return STRATA_EINVAL;
	case EAGAIN:
	case EBUSY: return STRATA_EBUSY;
	default: return STRATA_EIO;
	}
}

int strata_error_set_errno(const char *fmt, ...)
{
	int saved = errno;
	char what[ERROR_MESSAGE_MAX / 2];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	return strata_error_set(code_from_errno(saved), "%s: %s", what, strerror(saved));
}

int strata_error_wrap(int code, const char *fmt, ...)
{
	char context[ERROR_MESSAGE_MAX / 2];
	char old[ERROR_MESSAGE_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(context, sizeof context, fmt, ap);
	va_end(ap);
	memcpy(old, error_message, sizeof old);
	if (old[0])
		snprintf(error_message, sizeof error_message, "%s: %s", context, old);
	else
		snprintf(error_message, sizeof error_message, "%s", context);
	error_code = code;
	return code;
}

const char *strata_error_message(void)
{
	return error_message;
}

int strata_error_last(void)
{
	return error_code;
}

void strata_error_clear(void)
{
	error_code = 0;
	error_message[0] = '\0';
}

const char *strata_error_name(int code)
{
	switch (code) {
	case STRATA_OK: return "ok";
	case STRATA_ENOMEM: return "nomem";
	case STRATA_EINVAL: return "invalid";
	case STRATA_EPARSE: return "parse";
	case STRATA_EIO: return "io";
	case STRATA_ENOTFOUND: return "notfound";
	case STRATA_EEXIST: return "exists";
	case STRATA_ESCHEMA: return "schema";
	case STRATA_EDB: return "db";
	case STRATA_EBUSY: return "busy";
	case STRATA_EAUTH: return "auth";
	case STRATA_EPERM: return "permission";
	case STRATA_ELIMIT: return "limit";
	case STRATA_EUNSUPPORTED: return "unsupported";
	default: return "error";
	}
}
