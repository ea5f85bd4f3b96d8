/* ingest.c - the ingest watcher: sub-band files grouped into observations;
 * see engine.h. */
#include "sky/catalog.h"
#include "sky/engine.h"
#include "sky/uvh5.h"
#include "strata/error.h"
#include "strata/log.h"
#include "strata/time.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

int sky_subband_parse(const char *name, int64_t *time_ns, int *subband)
{
	const char *base = strrchr(name, '/'), *sb;
	char stamp[64];
	size_t n;

	base = base ? base + 1 : name;
	if (!(sb = strstr(base, "_sb")) || sb == base || (size_t)(sb - base) >= sizeof stamp)
		return strata_error_set(STRATA_EPARSE, "%s: not a sub-band file name", base);
	if (!(sb[3] >= '0' && sb[3] <= '9' && sb[4] >= '0' && sb[4] <= '9') ||
	    (strcmp(sb + 5, ".hdf5") != 0 && strcmp(sb + 5, ".h5") != 0))
		return strata_error_set(STRATA_EPARSE, "%s: expected NAME_sbNN.hdf5", base);
	n = (size_t)(sb - base);
	memcpy(stamp, base, n);
	stamp[n] = 0;
	if (strata_time_parse_iso8601(stamp, time_ns))
		return strata_error_wrap(STRATA_EPARSE, "%s: timestamp", base);
	*subband = (sb[3] - '0') * 10 + (sb[4] - '0');
	return 0;
}

typedef struct ingest_ctx {
	const sky_config *cfg;
	const char *path;
	int64_t time_ns, size;
	int subband, queued;
	double ra, dec; /* phase centre from the UVH5 header, NaN when unknown */
} ingest_ctx;

/* The group of a file at mjd: an existing one within the tolerance, else a
 * new one named after the file's time (group_id: 64 bytes). */
static int find_group(strata_db *db, const ingest_ctx *c, double mjd, char *group_id)
{
	strata_db_stmt *st;
	double tol = c->cfg->tolerance_s / 86400.0;
	int rc;

	if ((rc = strata_db_prepare(db,
	                            "SELECT group_id FROM hdf5_files WHERE timestamp_mjd >= ? AND"
	                            " timestamp_mjd <= ? ORDER BY ABS(timestamp_mjd - ?) LIMIT 1",
	                            &st)))
		return rc;
	if (!(rc = strata_db_bind_double(st, 1, mjd - tol)) &&
	    !(rc = strata_db_bind_double(st, 2, mjd + tol)) &&
	    !(rc = strata_db_bind_double(st, 3, mjd)) && (rc = strata_db_step(st)) >= 0) {
		if (rc == STRATA_DB_ROW)
			snprintf(group_id, 64, "%s", strata_db_column_text(st, 0));
		else
			strata_time_format_iso8601(c->time_ns, 0, group_id, 64);
		rc = 0;
	}
	strata_db_finalize(st);
	return rc;
}

/* Sub-bands, time span of a group, and whether it has a set already. */
static int group_state(strata_db *db, const char *group, int64_t *nsub, double *t0, double *t1,
                       int64_t *has_ms)
{
	strata_db_stmt *st;
	int rc;

	if ((rc = strata_db_prepare(db,
	                            "SELECT COUNT(DISTINCT subband), MIN(timestamp_mjd),"
	                            " MAX(timestamp_mjd), COUNT(ms_id) FROM hdf5_files"
	                            " WHERE group_id = ?",
	                            &st)))
		return rc;
	if (!(rc = strata_db_bind_text(st, 1, group)) &&
	    (rc = strata_db_step(st)) == STRATA_DB_ROW) {
		*nsub = strata_db_column_int64(st, 0);
		*t0 = strata_db_column_double(st, 1);
		*t1 = strata_db_column_double(st, 2);
		*has_ms = strata_db_column_int64(st, 3);
		rc = 0;
	}
	strata_db_finalize(st);
	return rc < 0 ? rc : 0;
}

/* The set's pointing: the phase centre of its lowest sub-band that has one. */
static int set_pointing(strata_db *db, int64_t id, const char *group)
{
	static const char *sql =
	    "UPDATE ms SET ra_deg = (SELECT ra_deg FROM hdf5_files WHERE group_id = ? AND"
	    " ra_deg IS NOT NULL ORDER BY subband LIMIT 1), dec_deg = (SELECT dec_deg FROM"
	    " hdf5_files WHERE group_id = ? AND dec_deg IS NOT NULL ORDER BY subband LIMIT 1)"
	    " WHERE id = ?";
	strata_db_stmt *st;
	int rc;

	if ((rc = strata_db_prepare(db, sql, &st)))
		return rc;
	if (!(rc = strata_db_bind_text(st, 1, group)) &&
	    !(rc = strata_db_bind_text(st, 2, group)) && !(rc = strata_db_bind_int64(st, 3, id)))
		rc = strata_db_step(st) < 0 ? strata_error_last() : 0;
	strata_db_finalize(st);
	return rc;
}

/* A complete group: its measurement set, the files linked, a job queued. */
static int create_set(strata_db *db, ingest_ctx *c, const char *group, double t0, double t1)
{
	char path[PATH_MAX], job_id[SKY_JOB_ID_LEN];
	strata_db_stmt *st;
	sky_ms ms = {0};
	int64_t id;
	int rc;

	snprintf(path, sizeof path, "%s/%s.ms", c->cfg->work_dir, group);
	ms.path = path;
	ms.group_id = group;
	ms.start_mjd = t0;
	ms.end_mjd = t1;
	ms.mid_mjd = (t0 + t1) / 2;
	ms.ra_deg = ms.dec_deg = NAN;
	if ((rc = sky_ms_upsert(db, &ms, &id)) ||
	    (rc = strata_db_prepare(db, "UPDATE hdf5_files SET ms_id = ? WHERE group_id = ?", &st)))
		return rc;
	if (!(rc = strata_db_bind_int64(st, 1, id)) && !(rc = strata_db_bind_text(st, 2, group)))
		rc = strata_db_step(st) < 0 ? strata_error_last() : 0;
	strata_db_finalize(st);
	if (!rc && !(rc = set_pointing(db, id, group)) &&
	    !(rc = sky_job_create(db, "process_ms", id, NULL, 0, NULL, job_id)))
		c->queued = 1;
	return rc;
}

/* Register the file and, when its group is complete, the set and job. */
static int ingest_txn(strata_db *db, void *arg)
{
	ingest_ctx *c = arg;
	double mjd = strata_time_to_mjd(c->time_ns), t0 = 0, t1 = 0;
	char group[64];
	int64_t nsub = 0, has_ms = 0;
	int inserted, rc;

	c->queued = 0;
	if ((rc = find_group(db, c, mjd, group)))
		return rc;
	sky_hdf5_file f = {c->path, group, c->subband, mjd, c->ra, c->dec, c->size};
	if ((rc = sky_hdf5_insert(db, &f, &inserted)) || !inserted)
		return rc;
	if ((rc = group_state(db, group, &nsub, &t0, &t1, &has_ms)))
		return rc;
	if (nsub >= c->cfg->subbands && !has_ms)
		return create_set(db, c, group, t0, t1);
	return 0;
}

int sky_ingest_file(strata_db *db, const sky_config *cfg, const char *path, int *queued)
{
	ingest_ctx c = {cfg, path, 0, 0, 0, 0, NAN, NAN};
	sky_uvh5_header h;
	struct stat sb;
	int rc;

	*queued = 0;
	if ((rc = sky_subband_parse(path, &c.time_ns, &c.subband)))
		return rc;
	if (stat(path, &sb) || !S_ISREG(sb.st_mode))
		return strata_error_set(STRATA_ENOTFOUND, "%s: not a regular file", path);
	c.size = (int64_t)sb.st_size;
	if (sky_uvh5_read_header(path, &h) == 0) {
		if (h.has_phase_centre) {
			c.ra = h.phase_ra_deg;
			c.dec = h.phase_dec_deg;
		}
	} else {
		/* Grouping goes by the name; conversion will report the file. */
		strata_log(STRATA_LOG_WARN, "sub-band header unreadable", "file", path, "reason",
		           strata_error_message());
	}
	rc = strata_db_transaction(db, ingest_txn, &c, 0);
	*queued = c.queued;
	return rc;
}

int sky_ingest_scan(strata_db *db, const sky_config *cfg, int *queued)
{
	char path[PATH_MAX];
	struct dirent *e;
	DIR *d = opendir(cfg->ingest_dir);
	int rc = 0, q;

	*queued = 0;
	if (!d)
		return strata_error_set_errno("ingest directory %s", cfg->ingest_dir);
	while (!rc && (e = readdir(d))) {
		int64_t t;
		int sb;
		if (sky_subband_parse(e->d_name, &t, &sb))
			continue;
		snprintf(path, sizeof path, "%s/%s", cfg->ingest_dir, e->d_name);
		if (!(rc = sky_ingest_file(db, cfg, path, &q)))
			*queued += q;
		else if (rc == STRATA_ENOTFOUND)
			rc = 0; /* vanished meanwhile */
	}
	closedir(d);
	return rc;
}

/* Handle the inotify events in buf (n bytes). */
static int handle_events(strata_db *db, const sky_config *cfg, const char *buf, ssize_t n)
{
	char path[PATH_MAX];
	int rc = 0, q;

	for (const char *p = buf; p < buf + n && !rc;) {
		const struct inotify_event *ev = (const void *)p;
		int64_t t;
		int sb;
		if (ev->len && !sky_subband_parse(ev->name, &t, &sb)) {
			snprintf(path, sizeof path, "%s/%s", cfg->ingest_dir, ev->name);
			if (!(rc = sky_ingest_file(db, cfg, path, &q)) && q)
				strata_log(STRATA_LOG_INFO, "observation complete", "file", path);
			if (rc == STRATA_ENOTFOUND)
				rc = 0;
		}
		p += sizeof *ev + ev->len;
	}
	return rc;
}

static int stop_pending(void)
{
	sigset_t set;
	struct timespec zero = {0, 0};

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	return sigtimedwait(&set, NULL, &zero) > 0;
}

int sky_ingest_run(const sky_config *cfg, int once)
{
	_Alignas(struct inotify_event) char buf[65536];
	int64_t next_scan = 0;
	sigset_t set;
	strata_db *db;
	int fd = -1, rc, q;

	if (!cfg->ingest_dir)
		return strata_error_set(STRATA_EINVAL, "ingest: [ingest] dir is not configured");
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, NULL);
	if ((rc = sky_catalog_open(cfg->catalog, &db)))
		return rc;
	if (!once && ((fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK)) < 0 ||
	              inotify_add_watch(fd, cfg->ingest_dir, IN_CLOSE_WRITE | IN_MOVED_TO) < 0))
		rc = strata_error_set_errno("inotify on %s", cfg->ingest_dir);
	while (!rc) {
		if (strata_time_monotonic_ns() >= next_scan) {
			if (!(rc = sky_ingest_scan(db, cfg, &q)) && q)
				strata_logf(STRATA_LOG_INFO, "scan queued %d observation(s)", q);
			next_scan = strata_time_monotonic_ns() +
			            (int64_t)(cfg->scan_interval * STRATA_NS_PER_SEC);
		}
		if (rc || once || stop_pending())
			break;
		struct pollfd pfd = {fd, POLLIN, 0};
		if (poll(&pfd, 1, 200) > 0) {
			ssize_t n = read(fd, buf, sizeof buf);
			if (n > 0)
				rc = handle_events(db, cfg, buf, n);
		}
	}
	if (fd >= 0)
		close(fd);
	strata_db_close(db);
	return rc;
}
