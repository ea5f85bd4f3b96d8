/*
 * file.h - files that are never half-written: atomic writes, directories, locks.
 *
 * An atomic write goes to a temporary file beside the target (same directory,
 * so the rename cannot cross file systems), is flushed with fsync, renamed over
 * the target, and the directory is fsync'ed. A reader sees the old contents or
 * the new, never a mix; a crash leaves at worst a stray ".<name>.tmp-XXXXXX"
 * that the next writer ignores. Failures (read-only directory, full disk)
 * remove the temporary file and name the path and reason.
 */
#ifndef STRATA_FILE_H
#define STRATA_FILE_H

#include <stddef.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Write len bytes to path atomically with the given mode (e.g. 0644). */
int strata_file_write_atomic(const char *path, const void *data, size_t len, int mode);

/* Streaming form: write through w->fp, then commit (or abort). */
typedef struct strata_atomic_file {
	FILE *fp;       /* write here */
	char *path;     /* final path */
	char *tmp_path; /* temporary path */
} strata_atomic_file;

int strata_atomic_open(strata_atomic_file *w, const char *path, int mode);
int strata_atomic_commit(strata_atomic_file *w); /* fsync, rename, fsync dir */
void strata_atomic_abort(strata_atomic_file *w); /* remove the temporary file */

/* Read a whole file into a malloc'd, NUL-terminated buffer (caller frees).
 * max_size bounds what is accepted (0: 1 GiB). */
int strata_file_read_all(const char *path, size_t max_size, char **data, size_t *len);

/* mkdir -p with mode for the created directories. */
int strata_mkdir_p(const char *path, int mode);

/* rm -rf: remove path and everything below it, not following symlinks. A
 * missing path is not an error. */
int strata_remove_tree(const char *path);

/* fsync a directory so a rename or create inside it is durable. */
int strata_fsync_dir(const char *dir);

/* Advisory whole-file locks (flock) on a lock file, created if missing.
 * exclusive: writer lock; else shared. wait: block, else STRATA_EBUSY. */
typedef struct strata_file_lock {
	int fd;
} strata_file_lock;

int strata_file_lock_acquire(strata_file_lock *lock, const char *path, int exclusive, int wait);
void strata_file_lock_release(strata_file_lock *lock);

#ifdef __cplusplus
}
#endif
#endif
