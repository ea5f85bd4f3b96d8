/*
 * builtin.h - the table of `strata` subcommands (git's builtin/ style).
 *
 * Each entry point takes the arguments after its own name (argv[0] is the
 * subcommand) and returns a process exit status. Only src/cli/ exits.
 */
#ifndef STRATA_CLI_BUILTIN_H
#define STRATA_CLI_BUILTIN_H

typedef struct strata_builtin {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
} strata_builtin;

int cmd_version(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_core(int argc, char **argv);

/* Report the current strata error as one stderr line ("strata: <what>: <message>",
 * or a JSON record under --log-format json); returns exit status 1. */
int cli_fail(const char *what);

#endif
