/*
 * datachunk_stage.h - the datachunk stage (Noiz's prepare_datachunks).
 *
 * For every selected component and timespan, with the DatachunkParams set
 * numbered o->params_number:
 *
 *   1. gather every indexed miniSEED segment of the component overlapping
 *      the window (a midnight-crossing window reads both day files) and keep
 *      the channel (location + channel code) with the most data in it;
 *   2. find the response of that channel's epoch at the window start in the
 *      component's StationXML (only when the parameters remove it);
 *   3. compute the chunk (noise_datachunk_prepare);
 *   4. write it as a miniSEED file under the processed-data directory:
 *        datachunk/<P>/<YYYY>/<NET>/<STA>/<C>/<DDD>/<NET>.<STA>.<C>.<YYYY>.<DDD>.<HHMMSS>.<LEN>
 *      (P the parameter set's Noiz number, C the component letter, DDD the
 *      day of year and HHMMSS the window start, LEN its length in seconds);
 *   5. upsert its datachunk row (ON CONFLICT on timespan, component and
 *      parameters: a re-run replaces the file and keeps the row's id).
 *
 * Work is grouped by component and day, so that a day file is decoded once
 * for all the windows it serves; groups are computed on a strata_workers pool
 * and the calling thread writes the files and the rows, in transactions of
 * o->batch_size rows. Results do not depend on the number of workers.
 *
 * Per-item problems (a corrupt record, no response, too little data) are
 * logged with the file, record or key and counted in the summary; the run
 * goes on. A row is committed only after its file is written.
 */
#ifndef STRATA_NOISE_DATACHUNK_STAGE_H
#define STRATA_NOISE_DATACHUNK_STAGE_H

#include "noise/stage.h"
#include "strata/db.h"

/* The DatachunkParams kind in param_set. */
#define NOISE_DATACHUNK_PARAMS_KIND "DatachunkParams"

/*
 * Run the stage on db with the options o, filling *summary (zeroed first);
 * a progress bar is drawn on stderr when it is a terminal. Returns 0 when
 * the run went through (failed items are in summary->failed), or a negative
 * error that stopped it (no such parameter set, catalog error).
 */
int noise_datachunk_stage_run(strata_db *db, const noise_stage_opts *o,
                              noise_stage_summary *summary);

/*
 * How the work is shared between the processes of an MPI run (mpirun -n K):
 * process rank computes the groups g with g % size == rank and writes their
 * files; rank 0 alone writes the catalog, with the rows the others send it
 * at the end. The callbacks move bytes between processes (mpi_dist.c
 * implements them with MPI); each returns 0 or a strata error.
 */
typedef struct noise_datachunk_dist {
	int rank, size;
	void *ctx;
	int (*barrier)(void *ctx);                                  /* all processes reach it */
	int (*send)(void *ctx, const void *data, size_t len);       /* to rank 0 */
	int (*recv)(void *ctx, int from, void **data, size_t *len); /* rank 0; data malloc'd */
} noise_datachunk_dist;

/*
 * noise_datachunk_stage_run as one process of dist (NULL: the only one).
 * Every process reads the catalog and plans the same items before rank 0
 * writes. On rank 0 *summary counts every process's items; on the others,
 * their own. A process failing with an error leaves the others waiting:
 * the caller aborts the run (MPI_Abort).
 */
int noise_datachunk_stage_run_dist(strata_db *db, const noise_stage_opts *o,
                                   const noise_datachunk_dist *dist, noise_stage_summary *summary);

/*
 * The path of the chunk file of component network.station.component over
 * the timespan [start, end] for parameter set number params_number, under
 * processed_dir. Codes other than letters, digits, '-' and '_' are refused
 * (STRATA_EINVAL), so that no path leaves the directory.
 */
int noise_datachunk_path(const char *processed_dir, long long params_number, const char *network,
                         const char *station, const char *component, strata_time start,
                         strata_time end, char *out, size_t outlen);

#endif
