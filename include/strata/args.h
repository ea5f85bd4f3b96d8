/*
 * args.h - command-line options for every command, declared as a table.
 *
 * A command lists its options once (long name, optional short name, kind,
 * destination) and strata_args_parse() fills the destinations from argv:
 *
 *   --name VALUE, --name=VALUE, -s VALUE  a value option (the last one wins)
 *   the same, repeated                    a list option (every value kept)
 *   --name / --no-name                    a flag (1 / 0)
 *
 * Long names are written with dashes; the underscore spelling of the same
 * name (--batch_size for batch-size, as Python click tools write them) is
 * accepted too. Anything not starting with '-' (or a lone "-") is a
 * positional argument; "--" ends the options.
 */
#ifndef STRATA_ARGS_H
#define STRATA_ARGS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The most values one list option keeps. */
#define STRATA_ARGS_LIST_MAX 64

enum strata_opt_kind {
	STRATA_OPT_FLAG,  /* dest is int *: 1 for --name, 0 for --no-name */
	STRATA_OPT_VALUE, /* dest is const char **: the value (points into argv) */
	STRATA_OPT_LIST   /* dest is strata_opt_list *: every value, in order */
};

typedef struct strata_opt_list {
	const char *items[STRATA_ARGS_LIST_MAX];
	size_t n;
} strata_opt_list;

typedef struct strata_opt {
	const char *name;       /* long name with dashes, without "--" */
	const char *short_name; /* without "-" (e.g. "b", "sd"), or NULL */
	enum strata_opt_kind kind;
	void *dest;
} strata_opt;

/*
 * Parse argv[1..argc-1] (argv[0] is the command) against opts[0..nopts-1],
 * putting up to maxpos positional arguments in pos[] and their count in
 * *npos. On a usage error (unknown option, missing value, too many
 * positionals) prints "<prog>: <reason>" to stderr and returns
 * STRATA_EXIT_USAGE; else 0.
 */
int strata_args_parse(const char *prog, int argc, char **argv, const strata_opt *opts, size_t nopts,
                      const char **pos, size_t maxpos, size_t *npos);

/*
 * Strict conversions of an option's text: the whole text must be a number
 * in [min, max]. On failure prints "<prog>: <opt> expects ..., got <text>"
 * and returns STRATA_EXIT_USAGE.
 */
int strata_args_long(const char *prog, const char *opt, const char *text, long long min,
                     long long max, long long *out);
int strata_args_double(const char *prog, const char *opt, const char *text, double *out);

#ifdef __cplusplus
}
#endif
#endif
