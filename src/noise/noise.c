/* noise.c - `strata noise`: ambient seismic noise processing (Noiz in C). */
#include "noise/cli.h"
#include "strata/app.h"
#include "strata/cmd.h"

static const strata_cmd noise_commands[] = {
    {"add-seismic-data", noise_cmd_add_seismic_data,
     "index miniSEED files (SDS archives or any tree) into the catalog", NULL},
    {"add-inventory", noise_cmd_add_inventory,
     "read StationXML: devices, components and component pairs", NULL},
    {"add-component-pairs", noise_cmd_add_component_pairs,
     "make the component pairs of the catalog's components", NULL},
    {"add-timespans", noise_cmd_add_timespans, "make processing windows (Noiz's rule)", NULL},
    {"add-params", noise_cmd_add_params, "register Noiz TOML parameter files", NULL},
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
