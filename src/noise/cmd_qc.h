/*
 * cmd_qc.h - the datachunk statistics and QC-one stages and their commands:
 * `strata noise processing calc-datachunk-stats` and `processing run-qcone`.
 * docs/noise-qc.md describes them.
 */
#ifndef STRATA_NOISE_CMD_QC_H
#define STRATA_NOISE_CMD_QC_H

#include "noise/stage.h"
#include "strata/db.h"

/*
 * The statistics stage: for the datachunks of the DatachunkParams numbered
 * o->params_number in o's selection (without a datachunk_stats row when
 * o->skip_existing), read each chunk file and compute its statistics on a
 * worker pool, then upsert datachunk_stats from the calling thread in
 * transactions of o->batch_size rows. A chunk that fails (unreadable file,
 * NaN samples) is logged and counted in sum->failed; the others are written.
 * Returns an error only for what stops the whole stage (no such parameter
 * set, a catalog error).
 */
int noise_stats_stage(strata_db *db, const noise_stage_opts *o, noise_stage_summary *sum);

/*
 * The QC-one stage: QCOne number o->params_number decides, for the
 * datachunks of its datachunk_params_id in o's selection, every check of
 * qcone_result, upserted in transactions of o->batch_size rows. Chunks that
 * QC-one does not apply to (noise_qcone_applies) are counted in
 * sum->no_data. The decisions are cheap and made in the calling thread.
 */
int noise_qcone_stage(strata_db *db, const noise_stage_opts *o, noise_stage_summary *sum);

int noise_cmd_calc_datachunk_stats(int argc, char **argv);
int noise_cmd_run_qcone(int argc, char **argv);

#endif
