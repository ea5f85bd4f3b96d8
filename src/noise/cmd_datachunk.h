/*
 * cmd_datachunk.h - `strata noise processing prepare-datachunks`.
 */
#ifndef STRATA_NOISE_CMD_DATACHUNK_H
#define STRATA_NOISE_CMD_DATACHUNK_H

/* Run the datachunk stage from the command line (Noiz's options). */
int noise_cmd_prepare_datachunks(int argc, char **argv);

#endif
