/*
 * noise.c - `strata noise`: ambient seismic noise processing (Noiz in C).
 *
 * Commands are grouped as Noiz groups them (configs, data, processing,
 * plot); the flat catalog commands of the first release stay as aliases.
 * Noiz's underscore spellings (add_seismic_data) work everywhere.
 */
#include "noise/cli.h"
#include "noise/cmd_datachunk.h"
#include "noise/cmd_psd.h"
#include "noise/cmd_qc.h"
#include "noise/cmd_soh.h"
#include "strata/app.h"
#include "strata/cmd.h"

static const strata_cmd configs_commands[] = {
    {"add-datachunk-params", noise_cmd_configs_add, "register a DatachunkParams TOML file", NULL},
    {"add-processed-datachunk-params", noise_cmd_configs_add,
     "register a ProcessedDatachunkParams TOML file", NULL},
    {"add-crosscorrelation-cartesian-params", noise_cmd_configs_add,
     "register a CrosscorrelationCartesianParams TOML file", NULL},
    {"add-crosscorrelation-cylindrical-params", noise_cmd_configs_add,
     "register a CrosscorrelationCylindricalParams TOML file", NULL},
    {"add-beamforming-params", noise_cmd_configs_add, "register a BeamformingParams TOML file",
     NULL},
    {"add-ppsd-params", noise_cmd_configs_add, "register a PPSDParams TOML file", NULL},
    {"add-event-detection-params", noise_cmd_configs_add,
     "register an EventDetectionParams TOML file", NULL},
    {"add-event-confirmation-params", noise_cmd_configs_add,
     "register an EventConfirmationParams TOML file", NULL},
    {"add-qcone-config", noise_cmd_configs_add, "register a QCOne TOML file", NULL},
    {"add-qctwo-config", noise_cmd_configs_add, "register a QCTwo TOML file", NULL},
    {"add-stacking-schema", noise_cmd_configs_add, "register a StackingSchema TOML file", NULL},
    {"add-params", noise_cmd_add_params, "register Noiz TOML parameter files of any kind", NULL},
    {NULL, NULL, NULL, NULL},
};

static const strata_cmd data_commands[] = {
    {"add-seismic-data", noise_cmd_add_seismic_data,
     "index miniSEED files (SDS archives or any tree) into the catalog", NULL},
    {"add-inventory", noise_cmd_add_inventory,
     "read StationXML: devices, components and component pairs", NULL},
    {"add-component-pairs", noise_cmd_add_component_pairs,
     "make the component pairs of the catalog's components", NULL},
    {"add-timespans", noise_cmd_add_timespans, "make processing windows (Noiz's rule)", NULL},
    {"add-soh-dir", noise_cmd_add_soh_dir, "read state-of-health files of a directory", NULL},
    {"add-soh-files", noise_cmd_add_soh_files, "read state-of-health files", NULL},
    {NULL, NULL, NULL, NULL},
};

static const strata_cmd processing_commands[] = {
    {"prepare-datachunks", noise_cmd_prepare_datachunks, "cut, de-response and resample datachunks",
     NULL},
    {"calc-datachunk-stats", noise_cmd_calc_datachunk_stats, "statistics of datachunks", NULL},
    {"average-soh-gps", noise_cmd_average_soh_gps, "average GPS state of health per timespan",
     NULL},
    {"run-qcone", noise_cmd_run_qcone, "quality-control datachunks (QCOne)", NULL},
    {"run-ppsd", noise_cmd_run_ppsd, "power spectral densities of datachunks", NULL},
    {"run-crosscorrelations", NULL, "cross-correlate component pairs", "part 2"},
    {"run-stacking", NULL, "stack cross-correlations", "part 2"},
    {NULL, NULL, NULL, NULL},
};

static const strata_cmd plot_commands[] = {
    {"average-psd", noise_cmd_plot_average_psd, "PNG of the average PSD against frequency", NULL},
    {"spectrogram", noise_cmd_plot_spectrogram, "PNG of the PSDs over time", NULL},
    {NULL, NULL, NULL, NULL},
};

static const strata_cmd_group configs_group = {
    "strata noise configs", "Register Noiz TOML parameter files in the catalog.", configs_commands};
static const strata_cmd_group data_group = {
    "strata noise data", "Index seismic data, inventories, timespans and state of health.",
    data_commands};
static const strata_cmd_group processing_group = {
    "strata noise processing",
    "Run the processing stages over the selected components and timespans.", processing_commands};
static const strata_cmd_group plot_group = {"strata noise plot", "Plot processing results.",
                                            plot_commands};

static int run_configs(int argc, char **argv)
{
	return strata_cmd_dispatch(&configs_group, argc, argv);
}

static int run_data(int argc, char **argv)
{
	return strata_cmd_dispatch(&data_group, argc, argv);
}

static int run_processing(int argc, char **argv)
{
	return strata_cmd_dispatch(&processing_group, argc, argv);
}

static int run_plot(int argc, char **argv)
{
	return strata_cmd_dispatch(&plot_group, argc, argv);
}

static const strata_cmd noise_commands[] = {
    {"configs", run_configs, "register parameter files (add-datachunk-params, ...)", NULL},
    {"data", run_data, "index data (add-seismic-data, add-inventory, add-timespans, ...)", NULL},
    {"processing", run_processing, "run stages (prepare-datachunks, run-qcone, run-ppsd, ...)",
     NULL},
    {"plot", run_plot, "plot results (average-psd, spectrogram)", NULL},
    {"add-seismic-data", noise_cmd_add_seismic_data, "same as data add-seismic-data", NULL},
    {"add-inventory", noise_cmd_add_inventory, "same as data add-inventory", NULL},
    {"add-component-pairs", noise_cmd_add_component_pairs, "same as data add-component-pairs",
     NULL},
    {"add-timespans", noise_cmd_add_timespans, "same as data add-timespans", NULL},
    {"add-params", noise_cmd_add_params, "same as configs add-params", NULL},
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
