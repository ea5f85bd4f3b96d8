/*
 * engine.h - the pipeline engine: stage runners, the worker loop and the
 * ingest watcher.
 *
 * A measurement set moves through
 *   pending -> converting -> converted -> flagging -> flagged ->
 *   calibrating -> calibrated -> imaging -> done
 * and ends in failed after its job's last attempt (3 by default) fails.
 * Each stage runs its configured shell command ([stages] convert, flag,
 * calibrate, image) in its own process group with a timeout, stdout and
 * stderr appended to the job's log. The command learns its inputs from the
 * environment (STRATA_MS_PATH, STRATA_MS_ID, STRATA_GROUP_ID, STRATA_STAGE,
 * STRATA_JOB_ID, STRATA_WORK_DIR, STRATA_FILES: sub-band paths, one a line)
 * and reports products by printing lines
 *   STRATA_OUTPUT image PATH
 *   STRATA_OUTPUT caltable TYPE PATH
 * which are registered in the same transaction that records the stage as
 * done (the checkpoint a retry resumes from). A failed or timed-out stage
 * leaves the set at its last completed stage.
 */
#ifndef STRATA_SKY_ENGINE_H
#define STRATA_SKY_ENGINE_H

#include "sky/config.h"
#include "sky/queue.h"
#include "strata/db.h"

/* The result of one stage command. */
typedef struct sky_stage_result {
	int exit_code; /* -1 when killed */
	int timed_out, cancelled;
} sky_stage_result;

/* Called about once a second while a command runs: return 1 to cancel. */
typedef int (*sky_stage_poll_fn)(void *ctx);

/* Run cmd with /bin/sh -c in a new process group, extra environment env
 * ("NAME=value", NULL-terminated), output appended to log_path; kill the
 * group (SIGTERM, then SIGKILL after 2 s) on timeout or cancellation. */
int sky_stage_exec(const char *cmd, const char *const *env, const char *log_path, double timeout_s,
                   sky_stage_poll_fn poll, void *ctx, sky_stage_result *out);

/* Run one claimed job to its end (success, requeue, failure, cancel). */
int sky_engine_run_job(strata_db *db, const sky_config *cfg, const sky_job *job);

/* Register the image at path as a product (of measurement set ms_id, 0:
 * none; ra_deg/dec_deg until its FITS header says better): QA from the FITS
 * file fills the catalog fields and adds a qa row; a file QA cannot read is
 * registered without them (a warning logged). *image_id (may be NULL) gets
 * its id. Call inside a transaction to commit it with other changes. */
int sky_engine_register_image(strata_db *db, const char *path, int64_t ms_id, double ra_deg,
                              double dec_deg, int64_t *image_id);

/* Claim and run jobs until stopped (SIGINT/SIGTERM), the queue is empty
 * (once) or max_jobs (> 0) ran. */
int sky_worker_run(const sky_config *cfg, int once, int max_jobs);

/* Parse a sub-band file name "<ISO time>_sbNN.hdf5" (or .h5): its time (Unix
 * ns) and sub-band. STRATA_EPARSE when the name does not fit. */
int sky_subband_parse(const char *name, int64_t *time_ns, int *subband);

/* Register one sub-band file; queue a process_ms job when its group (files
 * within tolerance_s of each other) is complete. *queued gets 1 or 0. */
int sky_ingest_file(strata_db *db, const sky_config *cfg, const char *path, int *queued);

/* Scan dir once: every matching file. *queued gets how many groups. */
int sky_ingest_scan(strata_db *db, const sky_config *cfg, int *queued);

/* Watch [ingest] dir with inotify plus periodic scans until stopped; once: a
 * single scan. */
int sky_ingest_run(const sky_config *cfg, int once);

#endif
