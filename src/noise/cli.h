/*
 * cli.h - the catalog commands of `strata noise` (argv[0] is the command).
 * Each returns an exit status (0, 1 failure, 2 usage).
 */
#ifndef STRATA_NOISE_CLI_H
#define STRATA_NOISE_CLI_H

int noise_cmd_add_seismic_data(int argc, char **argv);
int noise_cmd_add_inventory(int argc, char **argv);
int noise_cmd_add_component_pairs(int argc, char **argv);
int noise_cmd_add_timespans(int argc, char **argv);
int noise_cmd_add_params(int argc, char **argv);
/* configs add-datachunk-params, add-qcone-config, ...: the kind is taken
 * from argv[0] (Noiz's command name, dashes or underscores). */
int noise_cmd_configs_add(int argc, char **argv);

#endif
