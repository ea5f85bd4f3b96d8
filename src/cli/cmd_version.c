/* cmd_version.c - `strata version`: the version and the linked libraries. */
#include "builtin.h"

#include "strata/buf.h"
#include "strata/version.h"

#include <stdio.h>
#include <string.h>

int cmd_version(int argc, char **argv)
{
	strata_buf libs = STRATA_BUF_INIT;
	int verbose = argc > 1 && (!strcmp(argv[1], "--verbose") || !strcmp(argv[1], "-v"));

	printf("strata %s\n", strata_version());
	if (verbose) {
		strata_library_versions(&libs);
		fputs(strata_buf_cstr(&libs), stdout);
		strata_buf_free(&libs);
	}
	return 0;
}
