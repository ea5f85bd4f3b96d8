/*
 * cmd_soh.h - the state-of-health commands of `strata noise` (argv[0] is the
 * command): data add-soh-dir, data add-soh-files, processing
 * average-soh-gps. Each returns an exit status (0, 1 failure, 2 usage).
 */
#ifndef STRATA_NOISE_CMD_SOH_H
#define STRATA_NOISE_CMD_SOH_H

int noise_cmd_add_soh_dir(int argc, char **argv);
int noise_cmd_add_soh_files(int argc, char **argv);
int noise_cmd_average_soh_gps(int argc, char **argv);

#endif
