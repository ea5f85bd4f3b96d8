/*
 * ingest.c - walk, hash and index miniSEED files; write them to the catalog.
 */
#include "noise/ingest.h"

#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h> /* off_t, used by libmseed.h */

#include <libmseed.h>

#include "noise/catalog.h"
#include "noise/hash.h"
#include "noise/mseed_index.h"
#include "strata/error.h"
#include "strata/log.h"
#include "strata/progress.h"
#include "strata/workers.h"

#define WALK_MAX_DEPTH 64
#define INGEST_BATCH   128 /* files indexed in parallel, then written together */

/* --- walking the roots ---------------------------------------------------- */

typedef struct path_list {
	char **paths;
	size_t n, cap;
} path_list;

static int path_list_add(path_list *l, const char *path)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 256;
		char **p = realloc(l->paths, cap * sizeof(*p));
		if (!p)
			return strata_error_set(STRATA_ENOMEM, "walk: out of memory");
		l->paths = p;
		l->cap = cap;
	}
	if (!(l->paths[l->n] = strdup(path)))
		return strata_error_set(STRATA_ENOMEM, "walk: out of memory");
	l->n++;
	return 0;
}

static void path_list_free(path_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->paths[i]);
	free(l->paths);
	memset(l, 0, sizeof(*l));
}

/* Whether the file at path (rel: below its root) passes the glob. */
static int glob_matches(const char *glob, const char *rel)
{
	const char *base = strrchr(rel, '/');

	if (!glob)
		return 1;
	if (strchr(glob, '/'))
		return fnmatch(glob, rel, FNM_PATHNAME | FNM_PERIOD) == 0;
	return fnmatch(glob, base ? base + 1 : rel, FNM_PERIOD) == 0;
}

/* Walk state: the root's length (to find the relative part) and the glob. */
typedef struct walk_ctx {
	const char *glob;
	size_t root_len;
	path_list *out;
} walk_ctx;

static int walk_dir(walk_ctx *w, const char *dir, int depth);

/* Handle one directory entry: recurse into real directories, collect
 * regular files (through symbolic links too) that pass the glob. */
static int walk_entry(walk_ctx *w, const char *path, int depth)
{
	struct stat st;

	if (lstat(path, &st) != 0)
		return 0; /* vanished while walking */
	if (S_ISDIR(st.st_mode))
		return walk_dir(w, path, depth + 1);
	if (S_ISLNK(st.st_mode) && (stat(path, &st) != 0 || !S_ISREG(st.st_mode)))
		return 0;
	if (!S_ISREG(st.st_mode))
		return 0;
	if (!glob_matches(w->glob, path + w->root_len))
		return 0;
	return path_list_add(w->out, path);
}

static int walk_dir(walk_ctx *w, const char *dir, int depth)
{
	DIR *d;
	struct dirent *e;
	char path[PATH_MAX];
	int rc = 0;

	if (depth > WALK_MAX_DEPTH)
		return strata_error_set(STRATA_ELIMIT, "%s: directories nested deeper than %d", dir,
		                        WALK_MAX_DEPTH);
	if (!(d = opendir(dir))) {
		if (depth == 0)
			return strata_error_set_errno("%s: open directory", dir);
		/* An unreadable sub-directory is reported and skipped. */
		strata_error_set_errno("%s: open directory", dir);
		strata_log(STRATA_LOG_WARN, "skipped directory", "path", dir, "error",
		           strata_error_message());
		strata_error_clear();
		return 0;
	}
	while (!rc && (e = readdir(d)) != NULL) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, e->d_name) >= sizeof path) {
			rc =
			    strata_error_set(STRATA_ELIMIT, "%s/%s: path too long", dir, e->d_name);
			break;
		}
		rc = walk_entry(w, path, depth);
	}
	closedir(d);
	return rc;
}

static int cmp_paths(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Collect the files under every root (absolute, sorted, unique). A root that
 * is a file is taken as is, glob or not. */
static int walk_roots(const char *const *roots, size_t nroots, const char *glob, path_list *out)
{
	char abs[PATH_MAX];
	struct stat st;
	int rc = 0;

	for (size_t i = 0; !rc && i < nroots; i++) {
		if (!realpath(roots[i], abs) || stat(abs, &st) != 0)
			return strata_error_set_errno("%s", roots[i]);
		if (S_ISDIR(st.st_mode)) {
			walk_ctx w = {glob, strlen(abs) + 1, out};
			rc = walk_dir(&w, abs, 0);
		} else if (S_ISREG(st.st_mode)) {
			rc = path_list_add(out, abs);
		} else {
			rc = strata_error_set(STRATA_EINVAL, "%s: not a file or directory",
			                      roots[i]);
		}
	}
	if (rc || !out->n)
		return rc;
	qsort(out->paths, out->n, sizeof(char *), cmp_paths);
	size_t k = 1;
	for (size_t i = 1; i < out->n; i++) {
		if (!strcmp(out->paths[i], out->paths[k - 1]))
			free(out->paths[i]);
		else
			out->paths[k++] = out->paths[i];
	}
	out->n = k;
	return 0;
}

int noise_walk_files(const char *const *roots, size_t nroots, const char *glob, char ***paths,
                     size_t *n)
{
	path_list l = {0};
	int rc = walk_roots(roots, nroots, glob, &l);

	*paths = NULL;
	*n = 0;
	if (rc) {
		path_list_free(&l);
		return rc;
	}
	*paths = l.paths;
	*n = l.n;
	return 0;
}

void noise_walk_files_free(char **paths, size_t n)
{
	path_list l = {paths, n, n};
	path_list_free(&l);
}

/* --- miniSEED detection ----------------------------------------------------- */

/* libmseed prints diagnostics to stderr and notices to stdout (where they
 * would corrupt --json output); the indexer reports every failure itself,
 * so both are dropped. */
static void drop_libmseed_message(char *message)
{
	(void)message;
}

static void quiet_libmseed(void)
{
	ms_loginit(drop_libmseed_message, NULL, drop_libmseed_message, NULL);
}

/*
 * Whether the file starts like a miniSEED 2 record: a sequence number of six
 * digits, spaces or NULs, then a quality indicator (D, R, Q or M) and a
 * space or NUL. Other files (inventories, notes) in a tree are skipped
 * without being counted as failures.
 */
static int looks_like_mseed(const char *path)
{
	unsigned char head[8];
	FILE *f = fopen(path, "rb");
	size_t n;

	if (!f)
		return 1; /* let the indexer report why */
	n = fread(head, 1, sizeof head, f);
	fclose(f);
	if (n < sizeof head)
		return n > 0 ? 1 : 0; /* a truncated record is a failure; empty is skipped */
	for (int i = 0; i < 6; i++)
		if (!(head[i] >= '0' && head[i] <= '9') && head[i] != ' ' && head[i] != '\0')
			return 0;
	return strchr("DRQM", head[6]) && head[6] && (head[7] == ' ' || head[7] == '\0');
}

/* --- what the catalog already holds ---------------------------------------- */

typedef struct known_file {
	char *path;
	int64_t size, mtime_ns;
	char hash[24];
} known_file;

typedef struct known_set {
	known_file *files;
	size_t n;
} known_set;

static void known_free(known_set *k)
{
	for (size_t i = 0; i < k->n; i++)
		free(k->files[i].path);
	free(k->files);
	memset(k, 0, sizeof(*k));
}

static int cmp_known(const void *a, const void *b)
{
	return strcmp(((const known_file *)a)->path, ((const known_file *)b)->path);
}

/* Read every mseed_file row's path, size, mtime and hash, sorted by path. */
static int known_load(strata_db *db, known_set *k)
{
	strata_db_stmt *st = NULL;
	size_t cap = 0;
	int rc = strata_db_prepare(db, "SELECT path, size, mtime_ns, hash FROM mseed_file", &st);

	while (!rc && (rc = strata_db_step(st)) == STRATA_DB_ROW) {
		const char *p = strata_db_column_text(st, 0);
		const char *h = strata_db_column_text(st, 3);
		if (k->n == cap) {
			size_t ncap = cap ? 2 * cap : 256;
			known_file *f = realloc(k->files, ncap * sizeof(*f));
			if (!f) {
				rc = strata_error_set(STRATA_ENOMEM, "catalog: out of memory");
				break;
			}
			k->files = f;
			cap = ncap;
		}
		known_file *f = &k->files[k->n];
		if (!(f->path = strdup(p ? p : ""))) {
			rc = strata_error_set(STRATA_ENOMEM, "catalog: out of memory");
			break;
		}
		f->size = strata_db_column_int64(st, 1);
		f->mtime_ns = strata_db_column_int64(st, 2);
		snprintf(f->hash, sizeof f->hash, "%s", h ? h : "");
		k->n++;
		rc = 0;
	}
	strata_db_finalize(st);
	if (rc == STRATA_DB_DONE && k->n)
		qsort(k->files, k->n, sizeof(known_file), cmp_known);
	return rc < 0 ? rc : 0;
}

static const known_file *known_find(const known_set *k, const char *path)
{
	known_file key = {.path = (char *)path};
	return k->n ? bsearch(&key, k->files, k->n, sizeof(known_file), cmp_known) : NULL;
}

/* --- per-file work (worker threads) ---------------------------------------- */

/* FILE_TOUCHED: same size and content, new mtime; only the mtime is written. */
enum file_state {
	FILE_PENDING,
	FILE_INDEXED,
	FILE_UNCHANGED,
	FILE_TOUCHED,
	FILE_SKIPPED,
	FILE_FAILED
};

typedef struct file_job {
	const char *path;
	enum file_state state;
	int64_t size, mtime_ns;
	char hash[21];
	char id[37], *error;
	noise_mseed_index index;
} file_job;

typedef struct batch_ctx {
	file_job *jobs;
	const known_set *known;
	strata_progress *progress;
} batch_ctx;

static int stat_file(file_job *j)
{
	struct stat st;

	if (stat(j->path, &st) != 0)
		return strata_error_set_errno("%s: stat", j->path);
	j->size = (int64_t)st.st_size;
	j->mtime_ns = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
	return 0;
}

/* Stat, hash, compare with the catalog and index one file. Never fails the
 * loop: a file's error is kept in its job. */
static int process_file(size_t i, void *ctx)
{
	batch_ctx *b = ctx;
	file_job *j = &b->jobs[i];
	const known_file *k = known_find(b->known, j->path);
	int rc = stat_file(j);

	if (!rc && !looks_like_mseed(j->path)) {
		j->state = FILE_SKIPPED;
		strata_progress_add(b->progress, 1);
		return 0;
	}

	if (!rc)
		rc = noise_hash_file(j->path, j->hash);
	if (!rc && k && k->size == j->size && strcmp(k->hash, j->hash) == 0)
		j->state = k->mtime_ns == j->mtime_ns ? FILE_UNCHANGED : FILE_TOUCHED;
	else if (!rc && !(rc = noise_mseed_index_file(j->path, &j->index)))
		rc = noise_new_id(j->id);
	if (rc) {
		j->state = FILE_FAILED;
		j->error = strdup(strata_error_message());
		noise_mseed_index_free(&j->index);
	} else if (j->state != FILE_UNCHANGED && j->state != FILE_TOUCHED) {
		j->state = FILE_INDEXED;
	}
	strata_progress_add(b->progress, 1);
	return 0;
}

/* --- writing (the calling thread only) -------------------------------------- */

static const char upsert_file_sql[] =
    "INSERT INTO mseed_file (id, path, size, mtime_ns, hash, nrecords, nsegments, ngaps, "
    "indexed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (path) DO UPDATE SET "
    "size = excluded.size, mtime_ns = excluded.mtime_ns, hash = excluded.hash, "
    "nrecords = excluded.nrecords, nsegments = excluded.nsegments, ngaps = excluded.ngaps, "
    "indexed_at = excluded.indexed_at";

static const char upsert_segment_sql[] =
    "INSERT INTO mseed_segment (id, file_id, seq, network, station, location, channel, "
    "component, sample_rate, start_ns, end_ns, nsamples, nrecords, encoding, record_length, "
    "byte_offset, gap_before_ns) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (file_id, seq) DO UPDATE SET network = excluded.network, "
    "station = excluded.station, location = excluded.location, channel = excluded.channel, "
    "component = excluded.component, sample_rate = excluded.sample_rate, "
    "start_ns = excluded.start_ns, end_ns = excluded.end_ns, nsamples = excluded.nsamples, "
    "nrecords = excluded.nrecords, encoding = excluded.encoding, "
    "record_length = excluded.record_length, byte_offset = excluded.byte_offset, "
    "gap_before_ns = excluded.gap_before_ns";

/* Nanoseconds between the previous segment's last sample and seg's first,
 * less one sample interval (0 for contiguous data; negative for overlaps). */
static int64_t gap_length(const noise_mseed_gap *g, const noise_mseed_segment *before)
{
	int64_t period =
	    before->sample_rate > 0.0 ? (int64_t)llround(1e9 / before->sample_rate) : 0;
	return g->end - g->start - period;
}

/* The component letter: the channel code's last character. */
static void component_of(const char *channel, char out[2])
{
	size_t n = strlen(channel);
	out[0] = n ? channel[n - 1] : '\0';
	out[1] = '\0';
}

static int bind_segment(strata_db_stmt *st, const char *file_id, const noise_mseed_index *x,
                        size_t i)
{
	const noise_mseed_segment *s = &x->segments[i];
	char id[37], comp[2];
	int rc = noise_new_id(id);

	component_of(s->channel, comp);
	rc = rc ? rc : strata_db_bind_text(st, 1, id);
	rc = rc ? rc : strata_db_bind_text(st, 2, file_id);
	rc = rc ? rc : strata_db_bind_int64(st, 3, (int64_t)i);
	rc = rc ? rc : strata_db_bind_text(st, 4, s->network);
	rc = rc ? rc : strata_db_bind_text(st, 5, s->station);
	rc = rc ? rc : strata_db_bind_text(st, 6, s->location);
	rc = rc ? rc : strata_db_bind_text(st, 7, s->channel);
	rc = rc ? rc : strata_db_bind_text(st, 8, comp);
	rc = rc ? rc : strata_db_bind_double(st, 9, s->sample_rate);
	rc = rc ? rc : strata_db_bind_int64(st, 10, s->start);
	rc = rc ? rc : strata_db_bind_int64(st, 11, s->end);
	rc = rc ? rc : strata_db_bind_int64(st, 12, s->nsamples);
	rc = rc ? rc : strata_db_bind_int64(st, 13, s->nrecords);
	rc = rc ? rc : strata_db_bind_int64(st, 14, s->encoding);
	rc = rc ? rc : strata_db_bind_int64(st, 15, s->record_length);
	rc = rc ? rc : strata_db_bind_int64(st, 16, s->offset);
	for (size_t g = 0; !rc && g < x->ngaps; g++) {
		if (x->gaps[g].after == i)
			return strata_db_bind_int64(
			    st, 17, gap_length(&x->gaps[g], &x->segments[x->gaps[g].before]));
	}
	return rc ? rc : strata_db_bind_null(st, 17);
}

static int write_file_row(strata_db *db, const file_job *j, char file_id[37])
{
	strata_db_stmt *st = NULL;
	int found = 0;
	int rc = strata_db_prepare(db, upsert_file_sql, &st);

	rc = rc ? rc : strata_db_bind_text(st, 1, j->id);
	rc = rc ? rc : strata_db_bind_text(st, 2, j->path);
	rc = rc ? rc : strata_db_bind_int64(st, 3, j->size);
	rc = rc ? rc : strata_db_bind_int64(st, 4, j->mtime_ns);
	rc = rc ? rc : strata_db_bind_text(st, 5, j->hash);
	rc = rc ? rc : strata_db_bind_int64(st, 6, j->index.nrecords);
	rc = rc ? rc : strata_db_bind_int64(st, 7, (int64_t)j->index.nsegments);
	rc = rc ? rc : strata_db_bind_int64(st, 8, (int64_t)j->index.ngaps);
	rc = rc ? rc : strata_db_bind_int64(st, 9, strata_time_now());
	rc = rc ? rc : strata_db_step(st);
	strata_db_finalize(st);
	if (rc < 0)
		return rc;
	rc = noise_catalog_lookup_text(db, "SELECT id FROM mseed_file WHERE path = ?", file_id, 37,
	                               &found, j->path, (const char *)NULL);
	if (!rc && !found)
		rc = strata_error_set(STRATA_EDB, "%s: file row vanished", j->path);
	return rc;
}

/* Replace one file's rows: upsert the file, upsert its segments, delete the
 * segments beyond the new count. */
static int write_file(strata_db *db, const file_job *j)
{
	strata_db_stmt *st = NULL;
	char file_id[37];
	int rc = write_file_row(db, j, file_id);

	rc = rc ? rc : strata_db_prepare(db, upsert_segment_sql, &st);
	for (size_t i = 0; !rc && i < j->index.nsegments; i++) {
		rc = bind_segment(st, file_id, &j->index, i);
		rc = rc ? rc : strata_db_step(st);
		rc = rc < 0 ? rc : strata_db_reset(st);
	}
	strata_db_finalize(st);
	st = NULL;
	rc = rc ? rc
	        : strata_db_prepare(db, "DELETE FROM mseed_segment WHERE file_id = ? AND seq >= ?",
	                            &st);
	rc = rc ? rc : strata_db_bind_text(st, 1, file_id);
	rc = rc ? rc : strata_db_bind_int64(st, 2, (int64_t)j->index.nsegments);
	rc = rc ? rc : strata_db_step(st);
	strata_db_finalize(st);
	if (rc < 0)
		return strata_error_wrap(rc, "%s", j->path);
	return 0;
}

/* A file touched but not changed: record its new mtime only. */
static int write_mtime(strata_db *db, const file_job *j)
{
	strata_db_stmt *st = NULL;
	int rc = strata_db_prepare(db, "UPDATE mseed_file SET mtime_ns = ? WHERE path = ?", &st);

	rc = rc ? rc : strata_db_bind_int64(st, 1, j->mtime_ns);
	rc = rc ? rc : strata_db_bind_text(st, 2, j->path);
	rc = rc ? rc : strata_db_step(st);
	strata_db_finalize(st);
	return rc < 0 ? strata_error_wrap(rc, "%s", j->path) : 0;
}

typedef struct write_ctx {
	file_job *jobs;
	size_t n;
} write_ctx;

/* One transaction for a batch's indexed files (re-runnable on retry). */
static int write_batch_txn(strata_db *db, void *ctx)
{
	const write_ctx *w = ctx;
	int rc = 0;

	for (size_t i = 0; !rc && i < w->n; i++) {
		if (w->jobs[i].state == FILE_INDEXED)
			rc = write_file(db, &w->jobs[i]);
		else if (w->jobs[i].state == FILE_TOUCHED)
			rc = write_mtime(db, &w->jobs[i]);
	}
	return rc;
}

/* Count a finished batch into the summary and log its failures. */
static void tally_batch(const file_job *jobs, size_t n, noise_ingest_summary *s)
{
	for (size_t i = 0; i < n; i++) {
		const file_job *j = &jobs[i];
		if (j->state == FILE_UNCHANGED || j->state == FILE_TOUCHED) {
			s->unchanged++;
		} else if (j->state == FILE_SKIPPED) {
			s->skipped++;
			strata_log(STRATA_LOG_DEBUG, "not miniSEED, skipped", "path", j->path);
		} else if (j->state == FILE_FAILED) {
			s->failed++;
			strata_log(STRATA_LOG_WARN, "skipped file", "path", j->path, "error",
			           j->error ? j->error : "out of memory");
		} else if (j->state == FILE_INDEXED) {
			s->indexed++;
			s->segments += (int64_t)j->index.nsegments;
			s->gaps += (int64_t)j->index.ngaps;
			s->records += j->index.nrecords;
			s->bytes += j->size;
		}
	}
}

static void free_batch(file_job *jobs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		noise_mseed_index_free(&jobs[i].index);
		free(jobs[i].error);
	}
}

/* Index files[first, first+n) on the pool, then write them. */
static int run_batch(strata_db *db, strata_workers *w, char **files, size_t n, batch_ctx *b,
                     noise_ingest_summary *s)
{
	write_ctx wc = {b->jobs, n};
	int rc;

	memset(b->jobs, 0, n * sizeof(file_job));
	for (size_t i = 0; i < n; i++)
		b->jobs[i].path = files[i];
	rc = strata_workers_for(w, n, process_file, b);
	if (!rc)
		rc = strata_db_transaction(db, write_batch_txn, &wc, 0);
	if (!rc)
		tally_batch(b->jobs, n, s);
	free_batch(b->jobs, n);
	return rc;
}

int noise_ingest(strata_db *db, const char *const *roots, size_t nroots,
                 const noise_ingest_opts *opts, noise_ingest_summary *summary)
{
	path_list files = {0};
	known_set known = {0};
	strata_workers *w = NULL;
	batch_ctx b = {0};
	int rc;

	static pthread_once_t quiet_once = PTHREAD_ONCE_INIT;

	pthread_once(&quiet_once, quiet_libmseed);
	memset(summary, 0, sizeof(*summary));
	if (!(b.jobs = calloc(INGEST_BATCH, sizeof(file_job))))
		return strata_error_set(STRATA_ENOMEM, "ingest: out of memory");
	rc = walk_roots(roots, nroots, opts->glob, &files);
	rc = rc ? rc : known_load(db, &known);
	rc = rc ? rc : strata_workers_create(opts->workers, &w);
	summary->files = files.n;
	b.known = &known;
	if (!rc && opts->progress)
		b.progress = strata_progress_start("add-seismic-data", files.n);
	for (size_t i = 0; !rc && i < files.n; i += INGEST_BATCH) {
		size_t n = files.n - i < INGEST_BATCH ? files.n - i : INGEST_BATCH;
		rc = run_batch(db, w, files.paths + i, n, &b, summary);
	}
	if (b.progress)
		strata_progress_finish(b.progress);
	free(b.jobs);
	strata_workers_destroy(w);
	known_free(&known);
	path_list_free(&files);
	return rc;
}
