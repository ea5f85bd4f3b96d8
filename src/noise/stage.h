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

/* A stage: fills *sum; an error only when the stage as a whole failed. */
typedef int (*noise_stage_fn)(strata_db *db, const noise_stage_opts *o, noise_stage_summary *sum);

/*
 * The whole of a stage command: help, the common options (plus
 * params_alias, Noiz's name of -p for this command, when not NULL) with
 * --skip-existing defaulting to skip_existing_default, the stage, and its
 * summary printed as what. Returns the exit status: 1 when the stage or
 * any work item failed.
 */
int noise_stage_command(int argc, char **argv, const char *help, const char *what,
                        int skip_existing_default, const char *params_alias, noise_stage_fn stage);

/* --- reading the catalog ------------------------------------------------------ */

/* Copy text column col of the current row into out[outlen]; NULL becomes "". */
void noise_column_copy(strata_db_stmt *st, int col, char *out, size_t outlen);

/* Double column col of the current row, NaN for NULL. */
double noise_column_double(strata_db_stmt *st, int col);

/*
 * Room for one more element in arr (n used, *cap allocated, elem bytes
 * each), doubling from 64: arr itself, a larger copy (*cap updated), or NULL
 * with STRATA_ENOMEM set and arr untouched.
 */
void *noise_grow(void *arr, size_t *cap, size_t n, size_t elem);

/* A selected timespan. */
typedef struct noise_selected_timespan {
	char id[37];
	strata_time start, end;
} noise_selected_timespan;

/* The timespans sel selects, ordered by start then end, into *ts (malloc'd,
 * caller frees; NULL when none) and *n. */
int noise_selected_timespans_load(strata_db *db, const noise_selection *sel,
                                  noise_selected_timespan **ts, size_t *n);

/* A growable array of rows of size bytes each, a stage's own row type. */
typedef struct noise_rows {
	void *items;
	size_t n, cap, size;
} noise_rows;

/* Read the current result row of st into row (zeroed); ctx as given. */
typedef int (*noise_row_read_fn)(strata_db_stmt *st, void *row, void *ctx);

/*
 * Run sql, binding texts[0..ntexts-1] then sel->start and sel->end, and
 * append to out (emptied first; out->size set by the caller) every result
 * row whose component, the network, station and component letter in
 * columns component_col..component_col+2, sel selects, read by read. On an
 * error the rows read so far stay in out for the caller to free.
 */
int noise_rows_select(strata_db *db, const char *sql, const char *const *texts, size_t ntexts,
                      const noise_selection *sel, int component_col, noise_row_read_fn read,
                      void *ctx, noise_rows *out);

/*
 * A selected datachunk as the stages that work on datachunks read it: its
 * component, timespan and file, and whether the stage's result table has a
 * row for it already.
 */
typedef struct noise_chunk_row {
	char id[37], timespan_id[37];
	char *filepath; /* malloc'd; "" for NULL */
	char network[16], station[16], component[8];
	strata_time ts_start, ts_end;
	int has_result;
} noise_chunk_row;

/*
 * Which datachunks noise_chunk_rows_load reads, and what else. Each row is
 * row_size bytes and starts with a noise_chunk_row (a stage's own struct
 * with one as its first member).
 */
typedef struct noise_chunk_query {
	const char *datachunk_params_id; /* param_set id of the DatachunkParams */
	/* has_result: result_table (a fixed identifier with datachunk_id and
	 * params_id columns) has a row for the chunk and result_params_id;
	 * NULL: has_result stays 0. */
	const char *result_table, *result_params_id;
	/* Appended to the SELECT list (", s.id, ...") and the joins, or NULL;
	 * no placeholders. read_extra (if not NULL) reads those columns, the
	 * first at index NOISE_CHUNK_EXTRA_COL. */
	const char *extra_columns, *extra_joins;
	int (*read_extra)(strata_db_stmt *st, void *row);
	size_t row_size;
} noise_chunk_query;

/* Column index of the first of a noise_chunk_query's extra_columns. */
#define NOISE_CHUNK_EXTRA_COL 9

/*
 * The datachunks of q->datachunk_params_id whose component and timespan sel
 * selects, ordered by timespan start, network, station, component, id.
 * Free with noise_chunk_rows_free (also after an error).
 */
int noise_chunk_rows_load(strata_db *db, const noise_chunk_query *q, const noise_selection *sel,
                          noise_rows *out);

/* Bind row i's values from parameter 2 on; > 0 leaves the row out. */
typedef int (*noise_bind_row_fn)(strata_db_stmt *st, size_t i, void *ctx);

/*
 * Within the caller's transaction, run the upsert sql once for each row i in
 * [0, n) that bind binds (and does not leave out), with a fresh id
 * (noise_new_id) as parameter 1.
 */
int noise_upsert_each(strata_db *db, const char *sql, size_t n, noise_bind_row_fn bind, void *ctx);

/* Row i of rows loaded by noise_chunk_rows_load. */
noise_chunk_row *noise_chunk_row_at(const noise_rows *rows, size_t i);

/* Free the rows' file paths and the array. */
void noise_chunk_rows_free(noise_rows *rows);

#endif
