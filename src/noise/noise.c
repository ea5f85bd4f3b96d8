/* noise.c - `strata noise`: ambient seismic noise processing (Noiz in C). */
#include "strata/app.h"
#include "strata/cmd.h"

static const strata_cmd noise_commands[] = {
    {"add-seismic-data", NULL, "index miniSEED files (SDS archives or a glob)", "issue #6"},
    {"add-inventory", NULL, "read a StationXML inventory", "issue #6"},
    {"add-params", NULL, "register a stage's TOML parameter file", "issue #6"},
    {"datachunks", NULL, "cut, de-response and resample datachunks", "issue #6"},
    {"qc", NULL, "quality-control datachunks (QCOne)", "issue #6"},
    {"psd", NULL, "compute power spectral densities", "issue #6"},
    {"crosscorrelate", NULL, "cross-correlate component pairs", "part 2"},
    {"stack", NULL, "stack cross-correlations", "part 2"},
    {NULL, NULL, NULL, NULL},
};

static const strata_cmd_group noise_group = {
    "strata noise",
    "Ambient seismic noise processing: from miniSEED and StationXML to quality-controlled\n"
    "datachunks, PSDs and cross-correlations, with Noiz's TOML parameter files and numbers,\n"
    "on a SQLite catalog by default or PostgreSQL and MPI at scale.",
    noise_commands,
};

int strata_noise_main(int argc, char **argv)
{
	return strata_cmd_dispatch(&noise_group, argc, argv);
}
