/* sky.c - `strata sky`: the DSA-110 continuum-imaging catalog, jobs and API. */
#include "strata/app.h"
#include "strata/cmd.h"

static const strata_cmd sky_commands[] = {
    {"serve", NULL, "run the REST API and dashboard", "issue #4"},
    {"ingest", NULL, "watch for sub-band files and group observations", "issue #4"},
    {"worker", NULL, "claim and run pipeline jobs", "issue #4"},
    {"migrate", NULL, "create or upgrade the catalog", "issue #4"},
    {NULL, NULL, NULL, NULL},
};

static const strata_cmd_group sky_group = {
    "strata sky",
    "The DSA-110 continuum-imaging pipeline's catalog, job engine and REST API: measurement\n"
    "sets, images, sources, photometry, calibration tables and batch jobs, on SQLite by\n"
    "default or PostgreSQL when several instances share the load.",
    sky_commands,
};

int strata_sky_main(int argc, char **argv)
{
	return strata_cmd_dispatch(&sky_group, argc, argv);
}
