/* conf_testutil.h - helpers shared by the config reader's tests. */
#ifndef STRATA_CONF_TESTUTIL_H
#define STRATA_CONF_TESTUTIL_H

#include "testutil.h"

#include "strata/conf.h"

#include <stdlib.h>
#include <string.h>

typedef int (*conf_parse_fn)(const char *text, size_t len, const char *name, strata_conf **out);

/* Parse text copied to an exact-length buffer, so ASan sees any overread. */
static inline int conf_parse_exact(conf_parse_fn parse, const char *text, const char *name,
                                   strata_conf **out)
{
	size_t len = strlen(text);
	char *copy = malloc(len ? len : 1);
	int rc;

	assert_non_null(copy);
	memcpy(copy, text, len);
	rc = parse(copy, len, name, out);
	free(copy);
	return rc;
}

/* Parsing must fail with code and a message containing want, and no tree. */
static inline void conf_parse_fails(conf_parse_fn parse, const char *text, const char *name,
                                    int code, const char *want)
{
	strata_conf *c = (strata_conf *)&c;
	int rc = conf_parse_exact(parse, text, name, &c);

	if (rc != code || !strstr(strata_error_message(), want))
		fail_msg("parsing [%s]: rc %d (want %d), message \"%s\" (want \"%s\")", text, rc,
		         code, strata_error_message(), want);
	assert_null(c);
}

/* Define parse(), parse_ok() and parse_fails() for one reader and name. */
#define CONF_TEST_PARSERS(parse_fn, name)                                                          \
	static int parse(const char *text, strata_conf **out)                                      \
	{                                                                                          \
		return conf_parse_exact(parse_fn, text, name, out);                                \
	}                                                                                          \
	static strata_conf *parse_ok(const char *text)                                             \
	{                                                                                          \
		strata_conf *c = NULL;                                                             \
		assert_ok(parse(text, &c));                                                        \
		assert_non_null(c);                                                                \
		return c;                                                                          \
	}                                                                                          \
	static void parse_fails(const char *text, int code, const char *want)                      \
	{                                                                                          \
		conf_parse_fails(parse_fn, text, name, code, want);                                \
	}

static inline const char *str_at(const strata_conf *c, const char *path)
{
	const char *s = NULL;
	assert_ok(strata_conf_as_string(strata_conf_path(c, path), &s));
	return s;
}

static inline int64_t int_at(const strata_conf *c, const char *path)
{
	int64_t v = 0;
	assert_ok(strata_conf_as_int64(strata_conf_path(c, path), &v));
	return v;
}

static inline double dbl_at(const strata_conf *c, const char *path)
{
	double v = 0;
	assert_ok(strata_conf_as_double(strata_conf_path(c, path), &v));
	return v;
}

static inline int64_t time_at(const strata_conf *c, const char *path)
{
	int64_t v = 0;
	assert_ok(strata_conf_as_time_ns(strata_conf_path(c, path), &v));
	return v;
}

static inline strata_conf_type type_at(const strata_conf *c, const char *path)
{
	const strata_conf *n = strata_conf_path(c, path);
	if (!n)
		fail_msg("no value at %s", path);
	return strata_conf_type_of(n);
}

#endif
