/* args.c - table-driven command-line options (see include/strata/args.h). */
#include "strata/args.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strata/cmd.h"

static int usage(const char *prog, const char *reason, const char *arg)
{
	fprintf(stderr, "%s: %s%s%s\n", prog, reason, arg ? " " : "", arg ? arg : "");
	return STRATA_EXIT_USAGE;
}

/* Whether given (len bytes, dashes or underscores) spells the long name. */
static int long_name_is(const char *name, const char *given, size_t len)
{
	size_t i;

	for (i = 0; i < len && name[i]; i++) {
		char g = given[i] == '_' ? '-' : given[i];
		if (g != name[i])
			return 0;
	}
	return i == len && !name[i];
}

/* The option spelled by arg (without its "=value"), and whether it was
 * given as --no-NAME (*negated). NULL when none matches. */
static const strata_opt *find_opt(const strata_opt *opts, size_t nopts, const char *arg, size_t len,
                                  int *negated)
{
	*negated = 0;
	if (arg[1] != '-') {
		for (size_t i = 0; i < nopts; i++)
			if (opts[i].short_name && strlen(opts[i].short_name) == len - 1 &&
			    !strncmp(opts[i].short_name, arg + 1, len - 1))
				return &opts[i];
		return NULL;
	}
	for (size_t i = 0; i < nopts; i++)
		if (long_name_is(opts[i].name, arg + 2, len - 2))
			return &opts[i];
	if (len > 5 && !strncmp(arg + 2, "no", 2) && (arg[4] == '-' || arg[4] == '_'))
		for (size_t i = 0; i < nopts; i++)
			if (opts[i].kind == STRATA_OPT_FLAG &&
			    long_name_is(opts[i].name, arg + 5, len - 5)) {
				*negated = 1;
				return &opts[i];
			}
	return NULL;
}

/* Store value in opt's destination. */
static int store_value(const char *prog, const strata_opt *opt, const char *arg, const char *value)
{
	if (opt->kind == STRATA_OPT_VALUE) {
		*(const char **)opt->dest = value;
		return 0;
	}
	strata_opt_list *list = opt->dest;
	if (list->n == STRATA_ARGS_LIST_MAX)
		return usage(prog, "too many values for", arg);
	list->items[list->n++] = value;
	return 0;
}

int strata_args_parse(const char *prog, int argc, char **argv, const strata_opt *opts, size_t nopts,
                      const char **pos, size_t maxpos, size_t *npos)
{
	int only_pos = 0;

	*npos = 0;
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];
		if (only_pos || arg[0] != '-' || !arg[1]) {
			if (*npos == maxpos)
				return usage(prog, "unexpected argument", arg);
			pos[(*npos)++] = arg;
			continue;
		}
		if (!strcmp(arg, "--")) {
			only_pos = 1;
			continue;
		}
		const char *eq = arg[1] == '-' ? strchr(arg, '=') : NULL;
		size_t len = eq ? (size_t)(eq - arg) : strlen(arg);
		int negated;
		const strata_opt *opt = find_opt(opts, nopts, arg, len, &negated);
		if (!opt)
			return usage(prog, "unknown option", arg);
		if (opt->kind == STRATA_OPT_FLAG) {
			if (eq)
				return usage(prog, "takes no value:", arg);
			*(int *)opt->dest = !negated;
			continue;
		}
		const char *value = eq ? eq + 1 : NULL;
		if (!value) {
			if (i + 1 == argc)
				return usage(prog, "missing value for", arg);
			value = argv[++i];
		}
		int rc = store_value(prog, opt, arg, value);
		if (rc)
			return rc;
	}
	return 0;
}

int strata_args_long(const char *prog, const char *opt, const char *text, long long min,
                     long long max, long long *out)
{
	char *end = NULL;

	errno = 0;
	long long v = strtoll(text, &end, 10);
	if (!*text || *end || errno || v < min || v > max) {
		fprintf(stderr, "%s: %s expects an integer in %lld..%lld, got %s\n", prog, opt, min,
		        max, text);
		return STRATA_EXIT_USAGE;
	}
	*out = v;
	return 0;
}

int strata_args_double(const char *prog, const char *opt, const char *text, double *out)
{
	char *end = NULL;

	errno = 0;
	double v = strtod(text, &end);
	if (!*text || *end || errno || !isfinite(v)) {
		fprintf(stderr, "%s: %s expects a finite number, got %s\n", prog, opt, text);
		return STRATA_EXIT_USAGE;
	}
	*out = v;
	return 0;
}
