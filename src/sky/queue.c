/* queue.c - the catalog's job queue and batch bookkeeping; see queue.h. */
#include "sky/queue.h"

#include "sky/catalog.h"
#include "strata/error.h"
#include "strata/uuid.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const job_kinds[] = {"process_ms", "convert", "flag",
                                        "calibrate",  "image",   NULL};

int sky_job_kind_valid(const char *kind)
{
	for (int i = 0; job_kinds[i]; i++)
		if (!strcmp(kind, job_kinds[i]))
			return 1;
	return 0;
}

void sky_job_clear(sky_job *job)
{
	free(job->params);
	memset(job, 0, sizeof *job);
}

/* Run a prepared statement to completion. */
static int step_done(strata_db_stmt *st)
{
	int rc;

	while ((rc = strata_db_step(st)) == STRATA_DB_ROW)
		;
	return rc < 0 ? rc : 0;
}

int sky_job_create(strata_db *db, const char *kind, int64_t ms_id, const char *params, int priority,
                   const char *batch_id, char *id)
{
	static const char *sql = "INSERT INTO jobs (id, kind, ms_id, batch_id, params, priority,"
	                         " created_at) VALUES (?, ?, ?, ?, ?, ?, ?)";
	strata_db_stmt *st;
	strata_uuid u;
	int rc;

	if (!sky_job_kind_valid(kind))
		return strata_error_set(STRATA_EINVAL,
		                        "job kind '%s' is not one of process_ms, "
		                        "convert, flag, calibrate, image",
		                        kind);
	if ((rc = strata_uuid7(&u)))
		return rc;
	strata_uuid_format(&u, id);
	if ((rc = strata_db_prepare(db, sql, &st)))
		return rc;
	if (!(rc = strata_db_bind_text(st, 1, id)) && !(rc = strata_db_bind_text(st, 2, kind)) &&
	    !(rc = ms_id ? strata_db_bind_int64(st, 3, ms_id) : strata_db_bind_null(st, 3)) &&
	    !(rc = strata_db_bind_text(st, 4, batch_id)) &&
	    !(rc = strata_db_bind_text(st, 5, params)) &&
	    !(rc = strata_db_bind_int64(st, 6, priority)) &&
	    !(rc = strata_db_bind_double(st, 7, sky_now())))
		rc = step_done(st);
	strata_db_finalize(st);
	return rc;
}

/* The claim statement: the subquery locks with SKIP LOCKED on PostgreSQL. */
static const char *claim_sql(strata_db *db)
{
	if (strata_db_backend_of(db) == STRATA_DB_POSTGRES)
		return "UPDATE jobs SET status = 'running', worker = ?, started_at = ?,"
		       " heartbeat_at = ?, attempts = attempts + 1 WHERE id = (SELECT id FROM jobs"
		       " WHERE status = 'queued' AND run_after <= ? ORDER BY priority DESC,"
		       " created_at, id LIMIT 1 FOR UPDATE SKIP LOCKED) AND status = 'queued'"
		       " RETURNING id, kind, ms_id, attempts, max_attempts, params, batch_id";
	return "UPDATE jobs SET status = 'running', worker = ?, started_at = ?, heartbeat_at = ?,"
	       " attempts = attempts + 1 WHERE id = (SELECT id FROM jobs WHERE status = 'queued'"
	       " AND run_after <= ? ORDER BY priority DESC, created_at, id LIMIT 1)"
	       " AND status = 'queued'"
	       " RETURNING id, kind, ms_id, attempts, max_attempts, params, batch_id";
}

/* Read the claimed row into out. */
static int read_claimed(strata_db_stmt *st, sky_job *out, char *batch_id)
{
	const char *params = strata_db_column_text(st, 5), *batch = strata_db_column_text(st, 6);

	snprintf(out->id, sizeof out->id, "%s", strata_db_column_text(st, 0));
	snprintf(out->kind, sizeof out->kind, "%s", strata_db_column_text(st, 1));
	out->ms_id = strata_db_column_int64(st, 2);
	out->attempts = (int)strata_db_column_int64(st, 3);
	out->max_attempts = (int)strata_db_column_int64(st, 4);
	if (params && !(out->params = strdup(params)))
		return strata_error_set(STRATA_ENOMEM, "job %s: out of memory", out->id);
	snprintf(batch_id, SKY_JOB_ID_LEN, "%s", batch ? batch : "");
	return 0;
}

static int update_batch(strata_db *db, const char *batch_id, const char *from, const char *to);

typedef struct claim_ctx {
	const char *worker;
	sky_job *out;
	int found;
} claim_ctx;

/* One claim attempt, inside a transaction. */
static int claim_txn(strata_db *db, void *arg)
{
	claim_ctx *c = arg;
	char batch_id[SKY_JOB_ID_LEN] = "";
	strata_db_stmt *st;
	double now = sky_now();
	int rc;

	sky_job_clear(c->out);
	c->found = 0;
	if ((rc = strata_db_prepare(db, claim_sql(db), &st)))
		return rc;
	if (!(rc = strata_db_bind_text(st, 1, c->worker)) &&
	    !(rc = strata_db_bind_double(st, 2, now)) &&
	    !(rc = strata_db_bind_double(st, 3, now)) &&
	    !(rc = strata_db_bind_double(st, 4, now))) {
		rc = strata_db_step(st);
		if (rc == STRATA_DB_ROW) {
			c->found = 1;
			rc = read_claimed(st, c->out, batch_id);
		}
	}
	strata_db_finalize(st);
	if (rc < 0)
		return rc;
	if (c->found && batch_id[0])
		return update_batch(db, batch_id, "queued", "running");
	return 0;
}

int sky_job_claim(strata_db *db, const char *worker, sky_job *out)
{
	claim_ctx c = {worker, out, 0};
	int rc;

	memset(out, 0, sizeof *out);
	if ((rc = strata_db_transaction(db, claim_txn, &c, 20)))
		return rc;
	return c.found ? 0 : STRATA_ENOTFOUND;
}

/* The batch count column of a status (a fixed whitelist), or NULL. */
static const char *count_column(const char *status)
{
	static const char *const map[][2] = {{"queued", "n_queued"},
	                                     {"running", "n_running"},
	                                     {"succeeded", "n_succeeded"},
	                                     {"failed", "n_failed"},
	                                     {"cancelled", "n_cancelled"}};
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (!strcmp(status, map[i][0]))
			return map[i][1];
	return NULL;
}

#define BATCH_STATE_SQL                                                                            \
	"UPDATE batch_jobs SET status = CASE"                                                      \
	" WHEN n_queued + n_running > 0 THEN CASE WHEN n_running + n_succeeded + n_failed"         \
	" + n_cancelled > 0 THEN 'running' ELSE 'queued' END"                                      \
	" WHEN n_succeeded = total THEN 'completed' WHEN n_cancelled = total THEN 'cancelled'"     \
	" WHEN n_succeeded = 0 THEN 'failed' ELSE 'partial' END, updated_at = ? WHERE id = ?"

/* Move one item of batch_id from status from to to: counts, then state. */
static int update_batch(strata_db *db, const char *batch_id, const char *from, const char *to)
{
	const char *cf = count_column(from), *ct = count_column(to);
	strata_db_stmt *st;
	char sql[256];
	int rc;

	if (!cf || !ct)
		return strata_error_set(STRATA_EINVAL, "batch %s: unknown status %s -> %s",
		                        batch_id, from, to);
	snprintf(sql, sizeof sql, "UPDATE batch_jobs SET %s = %s - 1, %s = %s + 1 WHERE id = ?", cf,
	         cf, ct, ct);
	if ((rc = strata_db_prepare(db, sql, &st)))
		return rc;
	if (!(rc = strata_db_bind_text(st, 1, batch_id)))
		rc = step_done(st);
	strata_db_finalize(st);
	if (rc || (rc = strata_db_prepare(db, BATCH_STATE_SQL, &st)))
		return rc;
	if (!(rc = strata_db_bind_double(st, 1, sky_now())) &&
	    !(rc = strata_db_bind_text(st, 2, batch_id)))
		rc = step_done(st);
	strata_db_finalize(st);
	return rc;
}

/* Read a job's status and batch id; STRATA_ENOTFOUND when absent. */
static int job_status(strata_db *db, const char *id, char *status, char *batch_id)
{
	strata_db_stmt *st;
	int rc;

	if ((rc = strata_db_prepare(db, "SELECT status, batch_id FROM jobs WHERE id = ?", &st)))
		return rc;
	if (!(rc = strata_db_bind_text(st, 1, id)) && (rc = strata_db_step(st)) == STRATA_DB_ROW) {
		const char *b = strata_db_column_text(st, 1);
		snprintf(status, 16, "%s", strata_db_column_text(st, 0));
		snprintf(batch_id, SKY_JOB_ID_LEN, "%s", b ? b : "");
		rc = 0;
	} else if (rc == STRATA_DB_DONE) {
		rc = strata_error_set(STRATA_ENOTFOUND, "job %s not found", id);
	}
	strata_db_finalize(st);
	return rc;
}

static int in_list(const char *s, const char *const *list)
{
	for (; *list; list++)
		if (!strcmp(s, *list))
			return 1;
	return 0;
}

/* The UPDATE for a move to status to: timestamps and attempts as fit. */
static const char *status_sql(const char *to)
{
	if (!strcmp(to, "queued"))
		return "UPDATE jobs SET status = ?, error = ?, worker = NULL, started_at = NULL,"
		       " finished_at = NULL, cancel_requested = 0, attempts = 0, run_after = ?"
		       " WHERE id = ? AND status = ?";
	return "UPDATE jobs SET status = ?, error = ?, finished_at = ? WHERE id = ? AND status = ?";
}

int sky_job_set_status(strata_db *db, const char *id, const char *const *from, const char *to,
                       const char *error, char *current)
{
	char status[16] = "", batch_id[SKY_JOB_ID_LEN] = "";
	strata_db_stmt *st;
	int rc;

	if (!count_column(to))
		return strata_error_set(STRATA_EINVAL, "job %s: unknown status %s", id, to);
	if ((rc = job_status(db, id, status, batch_id)))
		return rc;
	if (current)
		snprintf(current, 16, "%s", status);
	if (!in_list(status, from))
		return strata_error_set(STRATA_EEXIST, "job %s is %s", id, status);
	if ((rc = strata_db_prepare(db, status_sql(to), &st)))
		return rc;
	if (!(rc = strata_db_bind_text(st, 1, to)) && !(rc = strata_db_bind_text(st, 2, error)) &&
	    !(rc = strata_db_bind_double(st, 3, !strcmp(to, "queued") ? 0 : sky_now())) &&
	    !(rc = strata_db_bind_text(st, 4, id)) && !(rc = strata_db_bind_text(st, 5, status)))
		rc = step_done(st);
	strata_db_finalize(st);
	if (rc)
		return rc;
	if (batch_id[0]) {
		if ((rc = strata_db_prepare(
		         db, "UPDATE batch_items SET status = ? WHERE job_id = ?", &st)))
			return rc;
		if (!(rc = strata_db_bind_text(st, 1, to)) &&
		    !(rc = strata_db_bind_text(st, 2, id)))
			rc = step_done(st);
		strata_db_finalize(st);
		if (!rc)
			rc = update_batch(db, batch_id, status, to);
	}
	return rc;
}

typedef struct transition_ctx {
	const char *id, *to, *error;
	const char *const *from;
	char *current;
} transition_ctx;

static int transition_txn(strata_db *db, void *arg)
{
	transition_ctx *t = arg;
	return sky_job_set_status(db, t->id, t->from, t->to, t->error, t->current);
}

int sky_job_transition(strata_db *db, const char *id, const char *const *from, const char *to,
                       const char *error, char *current)
{
	transition_ctx t = {id, to, error, from, current};
	return strata_db_transaction(db, transition_txn, &t, 0);
}

int sky_job_fail_attempt_txn(strata_db *db, const char *id, const char *error, double delay_s,
                             int *requeued)
{
	static const char *const running[] = {"running", NULL};
	static const char *requeue =
	    "UPDATE jobs SET status = 'queued', error = ?, worker = NULL, run_after = ?"
	    " WHERE id = ? AND status = 'running' AND attempts < max_attempts";
	char status[16] = "", batch_id[SKY_JOB_ID_LEN] = "";
	strata_db_stmt *st;
	int rc;

	*requeued = 0;
	if ((rc = job_status(db, id, status, batch_id)))
		return rc;
	if ((rc = strata_db_prepare(db, requeue, &st)))
		return rc;
	if (!(rc = strata_db_bind_text(st, 1, error)) &&
	    !(rc = strata_db_bind_double(st, 2, sky_now() + delay_s)) &&
	    !(rc = strata_db_bind_text(st, 3, id)) && !(rc = step_done(st)))
		*requeued = strata_db_changes(st) > 0;
	strata_db_finalize(st);
	if (rc)
		return rc;
	if (*requeued)
		return batch_id[0] ? update_batch(db, batch_id, "running", "queued") : 0;
	return sky_job_set_status(db, id, running, "failed", error, NULL);
}

typedef struct batch_ctx {
	const char *kind, *params;
	const int64_t *ms_ids;
	int n;
	char *id;
} batch_ctx;

/* Insert the batch row, then a job and an item per measurement set. */
static int batch_txn(strata_db *db, void *arg)
{
	static const char *ins_batch =
	    "INSERT INTO batch_jobs (id, kind, status, total, n_queued, params, created_at,"
	    " updated_at) VALUES (?, ?, 'queued', ?, ?, ?, ?, ?)";
	static const char *ins_item =
	    "INSERT INTO batch_items (batch_id, job_id, ms_id, status) VALUES (?, ?, ?, 'queued')";
	batch_ctx *b = arg;
	strata_db_stmt *st;
	char job_id[SKY_JOB_ID_LEN];
	double now = sky_now();
	int rc;

	if ((rc = strata_db_prepare(db, ins_batch, &st)))
		return rc;
	if (!(rc = strata_db_bind_text(st, 1, b->id)) &&
	    !(rc = strata_db_bind_text(st, 2, b->kind)) &&
	    !(rc = strata_db_bind_int64(st, 3, b->n)) &&
	    !(rc = strata_db_bind_int64(st, 4, b->n)) &&
	    !(rc = strata_db_bind_text(st, 5, b->params)) &&
	    !(rc = strata_db_bind_double(st, 6, now)) && !(rc = strata_db_bind_double(st, 7, now)))
		rc = step_done(st);
	strata_db_finalize(st);
	if (rc || (rc = strata_db_prepare(db, ins_item, &st)))
		return rc;
	for (int i = 0; i < b->n && !rc; i++) {
		if ((rc = sky_job_create(db, b->kind, b->ms_ids[i], b->params, 0, b->id, job_id)))
			break;
		if (!(rc = strata_db_reset(st)) && !(rc = strata_db_bind_text(st, 1, b->id)) &&
		    !(rc = strata_db_bind_text(st, 2, job_id)) &&
		    !(rc = strata_db_bind_int64(st, 3, b->ms_ids[i])))
			rc = step_done(st);
	}
	strata_db_finalize(st);
	return rc;
}

int sky_batch_create(strata_db *db, const char *kind, const int64_t *ms_ids, int n,
                     const char *params, char *id)
{
	batch_ctx b = {kind, params, ms_ids, n, id};
	strata_uuid u;
	int rc;

	if (n < 1)
		return strata_error_set(STRATA_EINVAL, "a batch needs at least one item");
	if (!sky_job_kind_valid(kind))
		return strata_error_set(STRATA_EINVAL, "job kind '%s' is not known", kind);
	if ((rc = strata_uuid7(&u)))
		return rc;
	strata_uuid_format(&u, id);
	return strata_db_transaction(db, batch_txn, &b, 0);
}

typedef struct reap_ctx {
	double stale_s, delay_s;
	int n;
} reap_ctx;

/* Fail the attempts of running jobs whose heartbeat stopped. */
static int reap_txn(strata_db *db, void *arg)
{
	reap_ctx *c = arg;
	char ids[64][SKY_JOB_ID_LEN];
	strata_db_stmt *st;
	int n = 0, rc, requeued;

	c->n = 0;
	if ((rc = strata_db_prepare(db,
	                            "SELECT id FROM jobs WHERE status = 'running' AND"
	                            " COALESCE(heartbeat_at, started_at, 0) < ? LIMIT 64",
	                            &st)))
		return rc;
	if (!(rc = strata_db_bind_double(st, 1, sky_now() - c->stale_s)))
		while ((rc = strata_db_step(st)) == STRATA_DB_ROW)
			snprintf(ids[n++], SKY_JOB_ID_LEN, "%s", strata_db_column_text(st, 0));
	strata_db_finalize(st);
	if (rc < 0)
		return rc;
	for (int i = 0; i < n; i++)
		if ((rc = sky_job_fail_attempt_txn(db, ids[i], "worker stopped responding",
		                                   c->delay_s, &requeued)))
			return rc;
	c->n = n;
	return 0;
}

int sky_job_reap_stale(strata_db *db, double stale_s, double retry_delay_s, int *n)
{
	reap_ctx c = {stale_s, retry_delay_s, 0};
	int rc = strata_db_transaction(db, reap_txn, &c, 0);

	if (n)
		*n = c.n;
	return rc;
}
