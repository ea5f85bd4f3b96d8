/*
 * queue.h - the job queue kept in the catalog.
 *
 * Jobs move queued -> running -> succeeded | failed | cancelled; a failed
 * attempt with attempts left goes back to queued (run_after delays it).
 * Several workers, in one process or many, claim jobs with one
 * "UPDATE ... WHERE id = (SELECT ... LIMIT 1) RETURNING": on PostgreSQL the
 * subquery takes FOR UPDATE SKIP LOCKED, on SQLite the database write lock
 * serialises claimers. Every status change of a job that belongs to a batch
 * updates the batch item, the batch's counts and its state in the same
 * transaction.
 */
#ifndef STRATA_SKY_QUEUE_H
#define STRATA_SKY_QUEUE_H

#include "strata/db.h"

#include <stdint.h>

#define SKY_JOB_ID_LEN 37

/* Job kinds: process_ms runs every remaining stage of a measurement set;
 * the others run one stage. */
int sky_job_kind_valid(const char *kind);

typedef struct sky_job {
	char id[SKY_JOB_ID_LEN];
	char kind[32];
	int64_t ms_id; /* 0: none */
	int attempts, max_attempts;
	char *params; /* JSON text or NULL; owned */
} sky_job;

void sky_job_clear(sky_job *job);

/* Create a queued job (inside the caller's transaction when it has one);
 * id (37 bytes) gets its UUIDv7. batch_id may be NULL. */
int sky_job_create(strata_db *db, const char *kind, int64_t ms_id, const char *params, int priority,
                   const char *batch_id, char *id);

/* Claim the next runnable job for worker: STRATA_ENOTFOUND when none. out
 * is overwritten (not freed): sky_job_clear it after each claim. */
int sky_job_claim(strata_db *db, const char *worker, sky_job *out);

/*
 * Change a job's status from one of from (a NULL-terminated list) to to,
 * setting error (may be NULL) and the timestamps, and update its batch.
 * STRATA_ENOTFOUND when the job does not exist, STRATA_EEXIST when it is in
 * another status (*current, when not NULL, gets it: 16 bytes).
 * Runs in the caller's transaction; use sky_job_transition for one of its own.
 */
int sky_job_set_status(strata_db *db, const char *id, const char *const *from, const char *to,
                       const char *error, char *current);
int sky_job_transition(strata_db *db, const char *id, const char *const *from, const char *to,
                       const char *error, char *current);

/* A running job's attempt failed: requeue it after delay_s when attempts are
 * left, else mark it failed. *requeued gets 1 or 0. Runs in the caller's
 * transaction. */
int sky_job_fail_attempt_txn(strata_db *db, const char *id, const char *error, double delay_s,
                             int *requeued);

/* Requeue (as a failed attempt) running jobs whose heartbeat is older than
 * stale_s: their worker died. *n gets how many. */
int sky_job_reap_stale(strata_db *db, double stale_s, double retry_delay_s, int *n);

/* Create a batch of jobs of one kind, one per measurement set, with the
 * batch, its jobs and items in one transaction; id gets the batch's UUID. */
int sky_batch_create(strata_db *db, const char *kind, const int64_t *ms_ids, int n,
                     const char *params, char *id);

#endif
