/* cmd.c - subcommand dispatch and help; see include/strata/cmd.h. */
#include "strata/cmd.h"

#include <string.h>

void strata_cmd_usage(const strata_cmd_group *group, FILE *out)
{
	const strata_cmd *c;
	int width = 0;

	for (c = group->commands; c->name; c++)
		if ((int)strlen(c->name) > width)
			width = (int)strlen(c->name);
	fprintf(out, "usage: %s <command> [options]\n\n%s\n\ncommands:\n", group->prog,
	        group->description);
	for (c = group->commands; c->name; c++) {
		if (c->planned)
			fprintf(out, "  %-*s  %s (planned: %s)\n", width, c->name, c->summary,
			        c->planned);
		else
			fprintf(out, "  %-*s  %s\n", width, c->name, c->summary);
	}
	fprintf(out, "\nRun '%s <command> --help' for a command's options.\n", group->prog);
}

int strata_cmd_wants_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--"))
			break;
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return 1;
	}
	return 0;
}

/* Whether given names the command: equal, with '_' accepted for '-' (the
 * spelling of Python click tools such as Noiz's add_seismic_data). */
static int names_command(const char *name, const char *given)
{
	for (; *name && *given; name++, given++)
		if (*name != *given && !(*name == '-' && *given == '_'))
			return 0;
	return !*name && !*given;
}

int strata_cmd_dispatch(const strata_cmd_group *group, int argc, char **argv)
{
	const strata_cmd *c;
	const char *name;

	if (argc < 2) {
		strata_cmd_usage(group, stderr);
		return STRATA_EXIT_USAGE;
	}
	name = argv[1];
	if (!strcmp(name, "--help") || !strcmp(name, "-h") || !strcmp(name, "help")) {
		strata_cmd_usage(group, stdout);
		return STRATA_EXIT_OK;
	}
	for (c = group->commands; c->name; c++) {
		if (!names_command(c->name, name))
			continue;
		if (c->planned || !c->run) {
			fprintf(stderr, "%s %s: not available yet (%s)\n", group->prog, name,
			        c->planned ? c->planned : "planned");
			return STRATA_EXIT_USAGE;
		}
		return c->run(argc - 1, argv + 1);
	}
	fprintf(stderr, "%s: unknown command '%s'; see '%s --help'\n", group->prog, name,
	        group->prog);
	return STRATA_EXIT_USAGE;
}
