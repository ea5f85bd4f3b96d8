/*
 * cmd_psd.h - the PSD stage (`strata noise processing run-ppsd`) and the PSD
 * plots (`strata noise plot average-psd`, `strata noise plot spectrogram`).
 * docs/noise-psd.md describes them.
 */
#ifndef STRATA_NOISE_CMD_PSD_H
#define STRATA_NOISE_CMD_PSD_H

#include "noise/stage.h"
#include "strata/db.h"

/*
 * Compute the PSD of every selected datachunk of the PPSDParams numbered
 * o->params_number (its datachunk_params_id's chunks), write one .npz per
 * chunk under o->processed_dir/psd/<number>/<year>/<doy>/ and upsert its
 * psd_result row. Per-chunk failures are counted in *sum and logged.
 */
int noise_psd_stage(strata_db *db, const noise_stage_opts *o, noise_stage_summary *sum);

int noise_cmd_run_ppsd(int argc, char **argv);
int noise_cmd_plot_average_psd(int argc, char **argv);
int noise_cmd_plot_spectrogram(int argc, char **argv);

#endif
