/* engine.c - stage runners and the worker loop; see engine.h. */
#include "sky/engine.h"

#include "sky/catalog.h"
#include "sky/science.h"
#include "strata/buf.h"
#include "strata/error.h"
#include "strata/file.h"
#include "strata/log.h"
#include "strata/time.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

/* --- running a command ---------------------------------------------------------- */

/* environ plus extra, for execve (the strings are shared, not copied). */
static char **build_env(const char *const *extra)
{
	size_t n = 0, k = 0;
	char **env;

	while (environ[n])
		n++;
	while (extra && extra[k])
		k++;
	if (!(env = calloc(n + k + 1, sizeof *env)))
		return NULL;
	for (size_t i = 0; i < k; i++)
		env[i] = (char *)extra[i];
	for (size_t i = 0; i < n; i++)
		env[k + i] = environ[i];
	return env;
}

/* The child: own process group, output to the log, then exec the shell. */
static void child_exec(const char *cmd, char **env, int logfd)
{
	int devnull = open("/dev/null", O_RDONLY);

	setpgid(0, 0);
	if (devnull >= 0)
		dup2(devnull, 0);
	dup2(logfd, 1);
	dup2(logfd, 2);
	execve("/bin/sh", (char *const[]){"sh", "-c", (char *)cmd, NULL}, env);
	_exit(127);
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* Wait for pid: poll every 50 ms; kill its group on timeout or when poll
 * asks. Fills out. */
static void supervise(pid_t pid, double timeout_s, sky_stage_poll_fn poll, void *ctx,
                      sky_stage_result *out)
{
	int64_t start = strata_time_monotonic_ns(), last_poll = start, killed_at = 0;
	int status = 0;

	for (;;) {
		pid_t w = waitpid(pid, &status, WNOHANG);
		if (w == pid || (w < 0 && errno != EINTR))
			break;
		int64_t now = strata_time_monotonic_ns();
		if (!killed_at && (now - start) / 1e9 > timeout_s)
			out->timed_out = 1;
		if (!killed_at && poll && now - last_poll >= STRATA_NS_PER_SEC) {
			last_poll = now;
			if (poll(ctx))
				out->cancelled = 1;
		}
		if (!killed_at && (out->timed_out || out->cancelled)) {
			kill(-pid, SIGTERM);
			killed_at = now;
		} else if (killed_at && now - killed_at > 2 * STRATA_NS_PER_SEC) {
			kill(-pid, SIGKILL);
		}
		sleep_ms(50);
	}
	kill(-pid, SIGKILL); /* stragglers the shell left behind */
	out->exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int sky_stage_exec(const char *cmd, const char *const *env, const char *log_path, double timeout_s,
                   sky_stage_poll_fn poll, void *ctx, sky_stage_result *out)
{
	char **envp;
	pid_t pid;
	int logfd;

	memset(out, 0, sizeof *out);
	if ((logfd = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644)) < 0)
		return strata_error_set_errno("stage log %s", log_path);
	if (!(envp = build_env(env))) {
		close(logfd);
		return strata_error_set(STRATA_ENOMEM, "out of memory");
	}
	pid = fork();
	if (pid == 0)
		child_exec(cmd, envp, logfd);
	free(envp);
	close(logfd);
	if (pid < 0)
		return strata_error_set_errno("cannot start the stage command");
	setpgid(pid, pid); /* also in the parent: no race with kill(-pid) */
	supervise(pid, timeout_s, poll, ctx, out);
	return 0;
}

/* --- stages -------------------------------------------------------------------------- */

typedef struct stage_def {
	const char *name, *before, *running, *after;
} stage_def;

static const stage_def stages[SKY_N_STAGES] = {
    {"convert", "pending", "converting", "converted"},
    {"flag", "converted", "flagging", "flagged"},
    {"calibrate", "flagged", "calibrating", "calibrated"},
    {"image", "calibrated", "imaging", "done"}};

/* The stage a set at ms_stage runs next (its before or running state), or -1. */
static int stage_index(const char *ms_stage)
{
	for (int i = 0; i < SKY_N_STAGES; i++)
		if (!strcmp(ms_stage, stages[i].before) || !strcmp(ms_stage, stages[i].running))
			return i;
	return -1;
}

typedef struct ms_info {
	char path[PATH_MAX], group[128], stage[32];
	double start, end, ra, dec;
} ms_info;

static int ms_load(strata_db *db, int64_t id, ms_info *m)
{
	strata_db_stmt *st;
	int rc;

	if ((rc = strata_db_prepare(db,
	                            "SELECT path, group_id, stage, start_mjd, end_mjd, ra_deg,"
	                            " dec_deg FROM ms WHERE id = ?",
	                            &st)))
		return rc;
	if (!(rc = strata_db_bind_int64(st, 1, id)) && (rc = strata_db_step(st)) == STRATA_DB_ROW) {
		const char *g = strata_db_column_text(st, 1);
		snprintf(m->path, sizeof m->path, "%s", strata_db_column_text(st, 0));
		snprintf(m->group, sizeof m->group, "%s", g ? g : "");
		snprintf(m->stage, sizeof m->stage, "%s", strata_db_column_text(st, 2));
		m->start = strata_db_column_is_null(st, 3) ? NAN : strata_db_column_double(st, 3);
		m->end = strata_db_column_is_null(st, 4) ? NAN : strata_db_column_double(st, 4);
		m->ra = strata_db_column_is_null(st, 5) ? NAN : strata_db_column_double(st, 5);
		m->dec = strata_db_column_is_null(st, 6) ? NAN : strata_db_column_double(st, 6);
		rc = 0;
	} else if (rc == STRATA_DB_DONE) {
		rc = strata_error_set(STRATA_ENOTFOUND, "measurement set %lld not found",
		                      (long long)id);
	}
	strata_db_finalize(st);
	return rc;
}

/* Run an UPDATE with the given binds: 't' text, 'd' double, 'i' int64. */
static int exec_update(strata_db *db, const char *sql, const char *types, ...)
{
	strata_db_stmt *st;
	va_list ap;
	int rc;

	if ((rc = strata_db_prepare(db, sql, &st)))
		return rc;
	va_start(ap, types);
	for (int i = 0; types[i] && !rc; i++) {
		if (types[i] == 't')
			rc = strata_db_bind_text(st, i + 1, va_arg(ap, const char *));
		else if (types[i] == 'd')
			rc = strata_db_bind_double(st, i + 1, va_arg(ap, double));
		else
			rc = strata_db_bind_int64(st, i + 1, va_arg(ap, int64_t));
	}
	va_end(ap);
	while (!rc && (rc = strata_db_step(st)) == STRATA_DB_ROW)
		;
	strata_db_finalize(st);
	return rc < 0 ? rc : 0;
}

typedef struct stage_ctx {
	strata_db *db;
	const sky_config *cfg;
	const sky_job *job;
	const ms_info *ms;
	int stage;
	const char *log_path;
	long log_offset; /* where this stage's output starts */
	const char *error;
	int requeued;
	int last;     /* the job's last stage: its success ends the job */
	int job_done; /* the job was marked succeeded with its last stage */
} stage_ctx;

/* Record an image's QA row (kind image, its grade, noise, peak, DR, islands
 * and warnings). */
static int insert_image_qa(strata_db *db, int64_t image_id, const sky_qa *qa)
{
	char warnings[64];
	strata_db_stmt *st;
	int rc;

	snprintf(warnings, sizeof warnings, "[%s%s%s]",
	         qa->warn_noise ? "\"noise_above_10mJy\"" : "",
	         qa->warn_noise && qa->warn_dr ? "," : "",
	         qa->warn_dr ? "\"dynamic_range_below_100\"" : "");
	if ((rc = strata_db_prepare(db,
	                            "INSERT INTO qa (kind, image_id, grade, noise_jy, peak_jy,"
	                            " dynamic_range, n_sources, warnings, created_at)"
	                            " VALUES ('image', ?, ?, ?, ?, ?, ?, ?, ?)",
	                            &st)))
		return rc;
	if (!(rc = strata_db_bind_int64(st, 1, image_id)) &&
	    !(rc = strata_db_bind_text(st, 2, sky_grade_name(qa->grade))) &&
	    !(rc = strata_db_bind_double(st, 3, qa->rms)) &&
	    !(rc = strata_db_bind_double(st, 4, qa->peak)) &&
	    !(rc = strata_db_bind_double(st, 5, qa->dynamic_range)) &&
	    !(rc = strata_db_bind_int64(st, 6, qa->sources)) &&
	    !(rc = strata_db_bind_text(st, 7, warnings)) &&
	    !(rc = strata_db_bind_double(st, 8, sky_now())))
		rc = strata_db_step(st) < 0 ? strata_error_last() : 0;
	strata_db_finalize(st);
	return rc;
}

/* Register an image product: its QA from the FITS file fills the catalog
 * fields and a QA row; a file QA cannot read is registered without them. */
int sky_engine_register_image(strata_db *db, const char *path, int64_t ms_id, double ra_deg,
                              double dec_deg, int64_t *image_id)
{
	sky_image im = {0};
	json_t *qa_json = NULL;
	sky_qa qa;
	int64_t id;
	int rc, have_qa;

	im.path = path;
	im.ms_id = ms_id;
	im.beam_major_arcsec = im.beam_minor_arcsec = im.beam_pa_deg = NAN;
	im.noise_jy = im.dynamic_range = im.cell_arcsec = im.freq_hz = NAN;
	im.bandwidth_hz = im.integration_s = NAN;
	im.ra_deg = ra_deg;
	im.dec_deg = dec_deg;
	have_qa = sky_fits_qa_file(path, &qa, &qa_json) == 0;
	json_decref(qa_json);
	if (have_qa)
		sky_qa_fill_image(&qa, &im);
	else
		strata_log(STRATA_LOG_WARN, "image registered without QA", "path", path, "reason",
		           strata_error_message());
	if ((rc = sky_image_upsert(db, &im, &id)))
		return rc;
	if (image_id)
		*image_id = id;
	return have_qa ? insert_image_qa(db, id, &qa) : 0;
}

/* Register one "STRATA_OUTPUT ..." line's product. */
static int register_output(stage_ctx *c, char *line)
{
	char *kind = strtok(line, " \t"), *a = strtok(NULL, " \t"), *b = strtok(NULL, " \t");
	int64_t id;
	int rc;

	if (kind && !strcmp(kind, "image") && a)
		return sky_engine_register_image(c->db, a, c->job->ms_id, c->ms->ra, c->ms->dec,
		                                 NULL);
	if (kind && !strcmp(kind, "caltable") && a && b) {
		sky_cal_table t = {0};
		t.set_name = c->ms->group[0] ? c->ms->group : c->ms->path;
		t.table_type = a;
		t.path = b;
		t.valid_start_mjd = c->ms->start;
		t.valid_end_mjd = c->ms->end;
		t.quality = NAN;
		if ((rc = sky_cal_table_upsert(c->db, &t, &id)))
			return rc;
		return exec_update(c->db,
		                   "INSERT INTO ms_calibrations (ms_id, cal_table_id, applied_at)"
		                   " VALUES (?, ?, ?) ON CONFLICT (ms_id, cal_table_id) DO NOTHING",
		                   "iid", c->job->ms_id, id, sky_now());
	}
	return strata_error_set(STRATA_EPARSE, "stage %s: bad output line 'STRATA_OUTPUT %s'",
	                        stages[c->stage].name, kind ? kind : "");
}

/* Register every product the stage printed (its part of the log). */
static int register_outputs(stage_ctx *c)
{
	char line[PATH_MAX + 128];
	FILE *f = fopen(c->log_path, "r");
	int rc = 0;

	if (!f)
		return strata_error_set_errno("stage log %s", c->log_path);
	fseek(f, c->log_offset, SEEK_SET);
	while (!rc && fgets(line, sizeof line, f)) {
		line[strcspn(line, "\r\n")] = 0;
		if (!strncmp(line, "STRATA_OUTPUT ", 14))
			rc = register_output(c, line + 14);
	}
	fclose(f);
	return rc;
}

/* Stage succeeded: products, the stage change and checkpoint, together;
 * after the job's last stage, the job's success too (so a connection lost
 * at the commit leaves either all of it or none, never a done set under a
 * running job). */
static int stage_done_txn(strata_db *db, void *arg)
{
	static const char *const running[] = {"running", NULL};
	stage_ctx *c = arg;
	int rc = register_outputs(c);

	if (!rc)
		rc = exec_update(
		    db,
		    "UPDATE ms SET stage = ?, checkpoint = ?, error = NULL,"
		    " cal_applied = CASE WHEN ? = 'calibrate' THEN 1 ELSE cal_applied END,"
		    " updated_at = ? WHERE id = ?",
		    "tttdi", stages[c->stage].after, stages[c->stage].name, stages[c->stage].name,
		    sky_now(), c->job->ms_id);
	if (!rc && c->stage == c->last)
		rc = sky_job_set_status(db, c->job->id, running, "succeeded", NULL, NULL);
	return rc;
}

/* Stage failed: back to the last completed stage; requeue the job or fail
 * it and the set. */
static int stage_failed_txn(strata_db *db, void *arg)
{
	stage_ctx *c = arg;
	int rc = exec_update(db,
	                     "UPDATE ms SET stage = ?, retries = retries + 1, error = ?,"
	                     " updated_at = ? WHERE id = ?",
	                     "ttdi", stages[c->stage].before, c->error, sky_now(), c->job->ms_id);

	if (!rc)
		rc = sky_job_fail_attempt_txn(db, c->job->id, c->error, c->cfg->retry_delay,
		                              &c->requeued);
	if (!rc && !c->requeued)
		rc = exec_update(db,
		                 "UPDATE ms SET stage = 'failed', status = 'failed', updated_at = ?"
		                 " WHERE id = ?",
		                 "di", sky_now(), c->job->ms_id);
	return rc;
}

/* Cancelled: back to the last completed stage, the job cancelled. */
static int stage_cancelled_txn(strata_db *db, void *arg)
{
	static const char *const running[] = {"running", NULL};
	stage_ctx *c = arg;
	int rc = exec_update(db, "UPDATE ms SET stage = ?, updated_at = ? WHERE id = ?", "tdi",
	                     stages[c->stage].before, sky_now(), c->job->ms_id);

	return rc ? rc
	          : sky_job_set_status(db, c->job->id, running, "cancelled", "cancelled by request",
	                               NULL);
}

/* Heartbeat and cancellation check, once a second while a stage runs. */
static int stage_poll(void *arg)
{
	stage_ctx *c = arg;
	strata_db_stmt *st;
	int cancel = 0;

	exec_update(c->db, "UPDATE jobs SET heartbeat_at = ? WHERE id = ?", "dt", sky_now(),
	            c->job->id);
	if (strata_db_prepare(c->db, "SELECT cancel_requested FROM jobs WHERE id = ?", &st))
		return 0;
	if (!strata_db_bind_text(st, 1, c->job->id) && strata_db_step(st) == STRATA_DB_ROW)
		cancel = strata_db_column_int64(st, 0) != 0;
	strata_db_finalize(st);
	return cancel;
}

/* The sub-band files of the set's group, one a line. */
static int group_files(strata_db *db, const char *group, strata_buf *out)
{
	strata_db_stmt *st;
	int rc;

	if ((rc = strata_db_prepare(
	         db, "SELECT path FROM hdf5_files WHERE group_id = ? ORDER BY subband", &st)))
		return rc;
	if (!(rc = strata_db_bind_text(st, 1, group)))
		while ((rc = strata_db_step(st)) == STRATA_DB_ROW)
			strata_buf_printf(out, "%s\n", strata_db_column_text(st, 0));
	strata_db_finalize(st);
	return rc < 0 ? rc : 0;
}

/* Run one stage's command and record its outcome; *go_on 1 when the next
 * stage may run. */
static int run_stage(stage_ctx *c, int *go_on)
{
	char e_path[PATH_MAX + 32], e_id[48], e_group[160], e_stage[48], e_job[64],
	    e_work[PATH_MAX + 32];
	strata_buf files = STRATA_BUF_INIT, e_files = STRATA_BUF_INIT;
	const char *cmd = c->cfg->stage_cmd[c->stage];
	sky_stage_result res = {0, 0, 0};
	struct stat sb;
	char err[256];
	int rc;

	*go_on = 0;
	if ((rc = exec_update(c->db, "UPDATE ms SET stage = ?, updated_at = ? WHERE id = ?", "tdi",
	                      stages[c->stage].running, sky_now(), c->job->ms_id)))
		return rc;
	c->log_offset = stat(c->log_path, &sb) ? 0 : (long)sb.st_size;
	snprintf(e_path, sizeof e_path, "STRATA_MS_PATH=%s", c->ms->path);
	snprintf(e_id, sizeof e_id, "STRATA_MS_ID=%lld", (long long)c->job->ms_id);
	snprintf(e_group, sizeof e_group, "STRATA_GROUP_ID=%s", c->ms->group);
	snprintf(e_stage, sizeof e_stage, "STRATA_STAGE=%s", stages[c->stage].name);
	snprintf(e_job, sizeof e_job, "STRATA_JOB_ID=%s", c->job->id);
	snprintf(e_work, sizeof e_work, "STRATA_WORK_DIR=%s", c->cfg->work_dir);
	if ((rc = group_files(c->db, c->ms->group, &files)))
		return rc;
	strata_buf_printf(&e_files, "STRATA_FILES=%s", strata_buf_cstr(&files));
	const char *env[] = {e_path, e_id, e_group, e_stage, e_job, e_work, e_files.data, NULL};
	if (!cmd)
		rc = strata_error_set(STRATA_EINVAL, "no command configured for stage %s",
		                      stages[c->stage].name);
	else
		rc = sky_stage_exec(cmd, env, c->log_path, c->cfg->stage_timeout, stage_poll, c,
		                    &res);
	strata_buf_free(&files);
	strata_buf_free(&e_files);
	if (rc) {
		snprintf(err, sizeof err, "%s", strata_error_message());
		res.exit_code = -1;
		res.timed_out = res.cancelled = 0;
	} else if (res.cancelled) {
		return strata_db_transaction(c->db, stage_cancelled_txn, c, 0);
	} else if (res.timed_out) {
		snprintf(err, sizeof err, "stage %s timed out after %.0f s", stages[c->stage].name,
		         c->cfg->stage_timeout);
	} else if (res.exit_code) {
		snprintf(err, sizeof err, "stage %s exited with status %d", stages[c->stage].name,
		         res.exit_code);
	} else if (!strata_db_transaction(c->db, stage_done_txn, c, 0)) {
		*go_on = 1;
		c->job_done = c->stage == c->last;
		return 0;
	} else {
		snprintf(err, sizeof err, "stage %s: %s", stages[c->stage].name,
		         strata_error_message());
	}
	c->error = err;
	strata_log(STRATA_LOG_WARN, "stage failed", "job", c->job->id, "error", err);
	return strata_db_transaction(c->db, stage_failed_txn, c, 0);
}

/* Fail a job that cannot run (wrong stage, missing set): no retry. */
static int job_refuse(strata_db *db, const sky_job *job, const char *why)
{
	static const char *const running[] = {"running", NULL};
	strata_log(STRATA_LOG_WARN, "job refused", "job", job->id, "reason", why);
	return sky_job_transition(db, job->id, running, "failed", why, NULL);
}

/* The stage range of a job on a set at ms_stage: [*first, *last]; -1 when
 * the job cannot run now. */
static int job_stages(const sky_job *job, const char *ms_stage, int *first, int *last)
{
	int next = stage_index(ms_stage);

	if (!strcmp(job->kind, "process_ms")) {
		*first = next;
		*last = SKY_N_STAGES - 1;
		return next < 0 ? -1 : 0;
	}
	for (int i = 0; i < SKY_N_STAGES; i++)
		if (!strcmp(job->kind, stages[i].name)) {
			*first = *last = i;
			return next == i ? 0 : -1;
		}
	return -1;
}

int sky_engine_run_job(strata_db *db, const sky_config *cfg, const sky_job *job)
{
	static const char *const running[] = {"running", NULL};
	char log_path[PATH_MAX], why[160];
	ms_info ms;
	stage_ctx c;
	int first, last, go_on = 1, rc;

	snprintf(log_path, sizeof log_path, "%s/%s.log", cfg->log_dir, job->id);
	if ((rc = exec_update(db, "UPDATE jobs SET log_path = ? WHERE id = ?", "tt", log_path,
	                      job->id)))
		return rc;
	if ((rc = ms_load(db, job->ms_id, &ms)))
		return rc == STRATA_ENOTFOUND ? job_refuse(db, job, strata_error_message()) : rc;
	if (job_stages(job, ms.stage, &first, &last)) {
		snprintf(why, sizeof why, "measurement set %lld is at stage %s",
		         (long long)job->ms_id, ms.stage);
		return job_refuse(db, job, why);
	}
	memset(&c, 0, sizeof c);
	c.db = db;
	c.cfg = cfg;
	c.job = job;
	c.ms = &ms;
	c.log_path = log_path;
	c.last = last;
	for (int s = first; s <= last && go_on && !rc; s++) {
		c.stage = s;
		rc = run_stage(&c, &go_on);
	}
	if (!rc && go_on)
		rc = c.job_done ? 0
		                : sky_job_transition(db, job->id, running, "succeeded", NULL, NULL);
	return rc;
}

/* --- the worker loop ------------------------------------------------------------------ */

/* Whether SIGINT/SIGTERM arrived (they are blocked; wait up to ms for one). */
static int stop_requested(long ms)
{
	sigset_t set;
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	return sigtimedwait(&set, NULL, &ts) > 0;
}

static void block_stop_signals(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, NULL);
}

/* Whether the catalog connection still answers (a failed PostgreSQL
 * connection does not; SQLite always does). */
static int catalog_alive(strata_db *db)
{
	return strata_db_exec(db, "SELECT 1") == 0;
}

/* Reopen the catalog after its connection was lost, trying once a second
 * until it answers; STRATA_EDB when a stop signal came first. */
static int worker_reconnect(const sky_config *cfg, strata_db **db)
{
	char why[512];
	int tries = 0;

	snprintf(why, sizeof why, "%s", strata_error_message());
	strata_log(STRATA_LOG_WARN, "catalog connection lost; reconnecting", "error", why);
	strata_db_close(*db);
	*db = NULL;
	while (sky_catalog_open(cfg->catalog, db)) {
		if (++tries == 1)
			strata_log(STRATA_LOG_WARN, "catalog unreachable; retrying every second",
			           "error", strata_error_message());
		if (stop_requested(1000))
			return strata_error_set(STRATA_EDB,
			                        "stopped while the catalog was unreachable");
	}
	strata_log(STRATA_LOG_INFO, "catalog connection re-established");
	return 0;
}

typedef struct recover_ctx {
	const sky_config *cfg;
	const sky_job *job;
	const char *error;
} recover_ctx;

/* The job's status ("" when it is gone), 16 bytes. */
static int job_status_of(strata_db *db, const char *id, char *status)
{
	strata_db_stmt *st;
	int rc;

	status[0] = 0;
	if ((rc = strata_db_prepare(db, "SELECT status FROM jobs WHERE id = ?", &st)))
		return rc;
	if (!(rc = strata_db_bind_text(st, 1, id)) && (rc = strata_db_step(st)) == STRATA_DB_ROW)
		snprintf(status, 16, "%s", strata_db_column_text(st, 0));
	strata_db_finalize(st);
	return rc < 0 ? rc : 0;
}

/* A job whose run lost the catalog connection is a failed attempt, as when
 * its stage fails: a set left in a stage's running state goes back to the
 * stage before it (nothing of the stage was committed), and the job is
 * requeued while attempts remain. A job no longer running is left alone
 * (its outcome was committed before the connection went). */
static int recover_txn(strata_db *db, void *arg)
{
	recover_ctx *r = arg;
	char status[16];
	ms_info ms;
	stage_ctx c;
	int rc, s, requeued;

	if ((rc = job_status_of(db, r->job->id, status)) || strcmp(status, "running") != 0)
		return rc;
	rc = r->job->ms_id ? ms_load(db, r->job->ms_id, &ms) : STRATA_ENOTFOUND;
	if (rc && rc != STRATA_ENOTFOUND)
		return rc;
	s = rc ? -1 : stage_index(ms.stage);
	if (s < 0 || strcmp(ms.stage, stages[s].running) != 0)
		return sky_job_fail_attempt_txn(db, r->job->id, r->error, r->cfg->retry_delay,
		                                &requeued);
	memset(&c, 0, sizeof c);
	c.db = db;
	c.cfg = r->cfg;
	c.job = r->job;
	c.ms = &ms;
	c.stage = s;
	c.error = r->error;
	return stage_failed_txn(db, &c);
}

/* After a failure: when the catalog connection was lost, reconnect and
 * record the interrupted job (if any) as a failed attempt; 0 when the
 * worker may go on, else the error that stops it. */
static int worker_recover(const sky_config *cfg, strata_db **db, const sky_job *job, int rc)
{
	char why[320];
	recover_ctx r = {cfg, job, why};

	if (catalog_alive(*db))
		return rc;
	snprintf(why, sizeof why, "catalog connection lost: %s", strata_error_message());
	if ((rc = worker_reconnect(cfg, db)))
		return rc;
	if (!job || !job->id[0])
		return 0;
	if ((rc = strata_db_transaction(*db, recover_txn, &r, 0)))
		return rc;
	strata_log(STRATA_LOG_WARN,
	           "job interrupted by the lost connection recorded as a failed attempt", "job",
	           job->id);
	return 0;
}

int sky_worker_run(const sky_config *cfg, int once, int max_jobs)
{
	char name[128], host[64] = "host";
	int64_t last_reap = 0;
	strata_db *db;
	sky_job job;
	int done = 0, rc, reaped;

	block_stop_signals();
	gethostname(host, sizeof host - 1);
	snprintf(name, sizeof name, "%s", cfg->worker_name ? cfg->worker_name : "");
	if (!name[0])
		snprintf(name, sizeof name, "%s:%d", host, (int)getpid());
	if ((rc = strata_mkdir_p(cfg->log_dir, 0755)) || (rc = sky_catalog_open(cfg->catalog, &db)))
		return rc;
	memset(&job, 0, sizeof job);
	strata_log(STRATA_LOG_INFO, "worker started", "worker", name);
	while (!rc && (max_jobs <= 0 || done < max_jobs)) {
		if (strata_time_monotonic_ns() - last_reap > 30 * STRATA_NS_PER_SEC) {
			last_reap = strata_time_monotonic_ns();
			if (!sky_job_reap_stale(db, cfg->stale_after, cfg->retry_delay, &reaped) &&
			    reaped)
				strata_logf(STRATA_LOG_WARN,
				            "requeued %d job(s) of stopped workers", reaped);
		}
		rc = sky_job_claim(db, name, &job);
		if (rc == STRATA_ENOTFOUND) {
			rc = 0;
			if (once || stop_requested((long)(cfg->poll_interval * 1000)))
				break;
			continue;
		}
		if (rc) {
			rc = worker_recover(cfg, &db, NULL, rc);
			continue;
		}
		strata_log(STRATA_LOG_INFO, "job claimed", "job", job.id, "kind", job.kind);
		strata_log_set_trace_id(job.id);
		rc = sky_engine_run_job(db, cfg, &job);
		if (rc)
			rc = worker_recover(cfg, &db, &job, rc);
		strata_log_set_trace_id(NULL);
		sky_job_clear(&job);
		done++;
		if (stop_requested(0))
			break;
	}
	strata_db_close(db);
	return rc;
}
