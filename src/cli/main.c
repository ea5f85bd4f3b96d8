/*
 * main.c - the `strata` entry point.
 *
 *   strata [--log-format text|json] [--log-level LEVEL] <app|command> [args...]
 *
 * Global options come before the subcommand. Apps are dispatched through the
 * strata_apps table, the remaining builtins (version, demo, core) through
 * builtins[] below.
 */
#include "builtin.h"

#include "strata/app.h"
#include "strata/error.h"
#include "strata/log.h"

#include <stdio.h>
#include <string.h>

static const strata_builtin builtins[] = {
    {"demo", cmd_demo, "run the core demo: catalog, ids, time, logging, metrics"},
    {"core", cmd_core, "core utilities: time, uuid, config, db checks"},
    {"version", cmd_version, "print the version and the libraries strata was built with"},
    {NULL, NULL, NULL},
};

static void usage(FILE *out)
{
	fprintf(out, "usage: strata [--log-format text|json] [--log-level LEVEL] <app> <command> "
	             "[options]\n\n"
	             "strata: fast, dependable data systems in one binary.\n\napps:\n");
	for (const strata_app *a = strata_apps; a->name; a++)
		fprintf(out, "  %-8s %s\n", a->name, a->summary);
	fprintf(out, "\ncommands:\n");
	for (const strata_builtin *b = builtins; b->name; b++)
		fprintf(out, "  %-8s %s\n", b->name, b->summary);
	fprintf(out, "\nRun 'strata <app> --help' for an app's commands.\n"
	             "Environment: STRATA_LOG=LEVEL[,json|,text] sets logging "
	             "(default info,text).\n");
}

int cli_fail(const char *what)
{
	if (strata_log_get_format() == STRATA_LOG_JSON) {
		/* Scripts asked for JSON: the error is one JSON record too. */
		strata_log(STRATA_LOG_ERROR, strata_error_message(), "context", what ? what : "",
		           "code", strata_error_name(strata_error_last()));
		return 1;
	}
	if (what && *what)
		fprintf(stderr, "strata: %s: %s\n", what, strata_error_message());
	else
		fprintf(stderr, "strata: %s\n", strata_error_message());
	return 1;
}

/* Consume leading global options; returns the index of the subcommand, or -1. */
static int parse_global_options(int argc, char **argv)
{
	int i = 1;
	while (i < argc && argv[i][0] == '-') {
		const char *opt = argv[i];
		if (!strcmp(opt, "--help") || !strcmp(opt, "-h"))
			return i;
		if (!strcmp(opt, "--version"))
			return i;
		if ((!strcmp(opt, "--log-format") || !strcmp(opt, "--log-level")) && i + 1 < argc) {
			int rc = !strcmp(opt, "--log-format")
			             ? strata_log_set_format_name(argv[i + 1])
			             : strata_log_set_level_name(argv[i + 1]);
			if (rc) {
				cli_fail(opt);
				return -1;
			}
			i += 2;
			continue;
		}
		fprintf(stderr, "strata: unknown option '%s'; see 'strata --help'\n", opt);
		return -1;
	}
	return i;
}

int main(int argc, char **argv)
{
	int first;

	if (strata_log_init_from_env() != 0)
		fprintf(stderr, "strata: STRATA_LOG: %s (using defaults)\n",
		        strata_error_message());
	first = parse_global_options(argc, argv);
	if (first < 0)
		return 2;
	if (first >= argc) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[first], "--help") || !strcmp(argv[first], "-h") ||
	    !strcmp(argv[first], "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[first], "--version"))
		return cmd_version(argc - first, argv + first);
	for (const strata_app *a = strata_apps; a->name; a++)
		if (!strcmp(argv[first], a->name))
			return a->main(argc - first, argv + first);
	for (const strata_builtin *b = builtins; b->name; b++)
		if (!strcmp(argv[first], b->name))
			return b->run(argc - first, argv + first);
	fprintf(stderr, "strata: unknown command '%s'; see 'strata --help'\n", argv[first]);
	return 2;
}
