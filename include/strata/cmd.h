/*
 * cmd.h - subcommand tables and help text, shared by the CLI and every app.
 *
 * `strata <app> <command> [options]` is dispatched in two steps: the CLI picks
 * the app, the app picks its command from a strata_cmd table. Help output is
 * uniform: a description, then one line per command.
 */
#ifndef STRATA_CMD_H
#define STRATA_CMD_H

#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Exit statuses used by every command. */
#define STRATA_EXIT_OK      0
#define STRATA_EXIT_FAILURE 1
#define STRATA_EXIT_USAGE   2

typedef struct strata_cmd {
	const char *name;                  /* NULL terminates a table */
	int (*run)(int argc, char **argv); /* argv[0] is the command name */
	const char *summary;
	const char *planned; /* non-NULL: not built yet; names the issue that adds it */
} strata_cmd;

typedef struct strata_cmd_group {
	const char *prog;        /* "strata store" */
	const char *description; /* paragraph printed by --help */
	const strata_cmd *commands;
} strata_cmd_group;

/* Print "usage: <prog> <command> [options]", the description and commands. */
void strata_cmd_usage(const strata_cmd_group *group, FILE *out);

/*
 * Dispatch argv (argv[0] is the group's own name) to a command. Handles
 * "--help"/"-h"/"help" and no arguments (usage, exit 0 or 2), unknown
 * commands (exit 2 with a message) and planned commands (exit 2, saying which
 * issue adds them). Returns the exit status.
 */
int strata_cmd_dispatch(const strata_cmd_group *group, int argc, char **argv);

/* True when argv[1..] contains --help or -h (for a command's own help). */
int strata_cmd_wants_help(int argc, char **argv);

#ifdef __cplusplus
}
#endif
#endif
