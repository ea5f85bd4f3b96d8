/*
 * stage.h - what every processing stage of `strata noise` shares.
 *
 * Noiz's processing commands (prepare_datachunks, calc_datachunk_stats,
 * run_qcone, run_ppsd, ...) all select work the same way: components by
 * station (-s, repeatable) and component letter (-c, repeatable), timespans
 * starting at or after -sd and ending at or before -ed, one parameter set by
 * its Noiz number (-p), rows written in batches (-b). This module holds that
 * selection, the common options as a strata_args table, the processed-data
 * directory, and the stage summary every command prints.
 *
 * A stage runs its computations on a strata_workers pool (--workers N; 0 is
 * all cores; --no-parallel is 1) and writes the catalog from the calling
 * thread only, one transaction per batch.
 */
#ifndef STRATA_NOISE_STAGE_H
#define STRATA_NOISE_STAGE_H

#include <limits.h>
#include <stddef.h>

#include "strata/args.h"
#include "strata/db.h"
#include "strata/time.h"

/* The components and timespans a stage works on. */
typedef struct noise_selection {
	strata_time start, end; /* timespans with start <= starttime and endtime <= end */
	const char *const *stations;
	size_t nstations; /* "STA" or "NET.STA"; none selects all */
	const char *const *components;
	size_t ncomponents; /* component letters ("Z", "N"); none selects all */
} noise_selection;

/* Whether the component network.station, letter component is selected. */
int noise_selection_has_component(const noise_selection *s, const char *network,
                                  const char *station, const char *component);

/* Whether the timespan [start, end] is selected. */
int noise_selection_has_timespan(const noise_selection *s, strata_time start, strata_time end);

/* How a stage runs. */
typedef struct noise_stage_opts {
	noise_selection sel;
	long long params_number;      /* Noiz's id of the parameter set (-p), default 1 */
	size_t batch_size;            /* rows per catalog transaction (-b), default 1000 */
	int workers;                  /* threads; 0 = all cores */
	int skip_existing;            /* leave work whose result row already exists */
	char processed_dir[PATH_MAX]; /* root of the processed files, absolute */
} noise_stage_opts;

/* What a stage did; every command prints it (text or --json). */
typedef struct noise_stage_summary {
	size_t selected; /* work items selected */
	size_t done;     /* computed and written */
	size_t existing; /* skipped: result already there (--skip-existing) */
	size_t no_data;  /* skipped: nothing to compute from (no data, no datachunk) */
	size_t failed;   /* skipped: an error, logged with file/record/key */
} noise_stage_summary;

/*
 * The processed-data directory: given (--processed-data-dir) if not NULL,
 * else $PROCESSED_DATA_DIR (Noiz's variable), else PROJECT/processed-data
 * with PROJECT as noise_catalog_url() picks it. Made absolute; not created.
 */
int noise_processed_dir(const char *given, const char *project, char *out, size_t outlen);

/*
 * The param_set row of kind (e.g. "DatachunkParams") numbered number: *id
 * gets its id and *params_json (malloc'd, caller frees; may be NULL) its
 * JSON. A missing set is STRATA_ENOTFOUND naming kind and number.
 */
int noise_params_lookup(strata_db *db, const char *kind, long long number, char id[37],
                        char **params_json);

/* The parsed common options of a stage command (Noiz's spellings). */
typedef struct noise_stage_cli {
	const char *catalog, *project, *processed_dir;
	const char *startdate, *enddate, *params, *batch, *workers;
	strata_opt_list stations, components;
	int json, skip_existing, parallel;
} noise_stage_cli;

/* Number of options noise_stage_cli_options() fills. */
#define NOISE_STAGE_NOPTS 14

/*
 * Fill opts[0..NOISE_STAGE_NOPTS-1] with the common options writing into
 * *c (zeroed first; skip_existing and parallel default to 1):
 * --catalog, --project, --processed-data-dir, -sd/--startdate,
 * -ed/--enddate, -p/--params-id (alias --datachunk-params-id,
 * --qcone-config-id, --ppsd-params-id as Noiz names it per command),
 * -b/--batch-size, --workers, -s/--station, -c/--component, --json,
 * --skip-existing/--no-skip-existing, --parallel/--no-parallel.
 * A command appends its own options after these.
 */
void noise_stage_cli_options(noise_stage_cli *c, strata_opt *opts);

/*
 * Check and convert parsed options into *o (-sd and -ed required; dates
 * as ISO 8601) and open the catalog into *db. Returns 0, or an exit status
 * after printing "<prog>: <reason>" to stderr.
 */
int noise_stage_cli_finish(const char *prog, const noise_stage_cli *c, noise_stage_opts *o,
                           strata_db **db);

/* Print the summary: one text line "<what>: N selected, ..." or one JSON
 * object with the same counts (and the catalog's display name). */
void noise_stage_summary_print(const char *what, const noise_stage_summary *s, int json,
                               strata_db *db);

#endif
