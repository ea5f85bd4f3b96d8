/* file.c - atomic writes, directories and locks; see include/strata/file.h. */
#define _XOPEN_SOURCE 700 /* nftw */
#include "strata/file.h"

#include "strata/error.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define DEFAULT_MAX_READ ((size_t)1 << 30)

/* The directory part of path, malloc'd ("." when there is none). */
static char *dir_of(const char *path)
{
	char *copy = path ? strdup(path) : NULL, *dir;
	if (!copy)
		return NULL;
	dir = strdup(dirname(copy));
	free(copy);
	return dir;
}

int strata_fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return strata_error_set_errno("open directory %s", dir);
	if (fsync(fd) != 0 && errno != EINVAL) {
		int rc = strata_error_set_errno("fsync directory %s", dir);
		close(fd);
		return rc;
	}
	close(fd);
	return 0;
}

/* Build "<dir>/.<base>.tmp-XXXXXX" for path. */
static char *temp_path_for(const char *path)
{
	const char *slash = strrchr(path, '/');
	size_t dirlen = slash ? (size_t)(slash - path + 1) : 0;
	const char *base = slash ? slash + 1 : path;
	size_t len = dirlen + 1 + strlen(base) + sizeof ".tmp-XXXXXX";
	char *tmp = malloc(len);
	if (tmp)
		snprintf(tmp, len, "%.*s.%s.tmp-XXXXXX", (int)dirlen, path, base);
	return tmp;
}

int strata_atomic_open(strata_atomic_file *w, const char *path, int mode)
{
	int fd;

	memset(w, 0, sizeof *w);
	if (!path || !*path || path[strlen(path) - 1] == '/')
		return strata_error_set(STRATA_EINVAL, "atomic write: '%s' is not a file path",
		                        path ? path : "(null)");
	w->path = strdup(path);
	w->tmp_path = temp_path_for(path);
	if (!w->path || !w->tmp_path) {
		strata_atomic_abort(w);
		return strata_error_set(STRATA_ENOMEM, "out of memory");
	}
	fd = mkstemp(w->tmp_path);
	if (fd < 0) {
		int rc = strata_error_set_errno("cannot write %s", path);
		free(w->tmp_path);
		w->tmp_path = NULL;
		strata_atomic_abort(w);
		return rc;
	}
	if (fchmod(fd, (mode_t)mode) != 0 || !(w->fp = fdopen(fd, "wb"))) {
		int rc = strata_error_set_errno("cannot write %s", path);
		close(fd);
		strata_atomic_abort(w);
		return rc;
	}
	return 0;
}

int strata_atomic_commit(strata_atomic_file *w)
{
	char *dir;
	int rc = 0;

	if (fflush(w->fp) != 0 || fsync(fileno(w->fp)) != 0) {
		rc = strata_error_set_errno("cannot write %s", w->path);
	} else if (fclose(w->fp) != 0) {
		w->fp = NULL;
		rc = strata_error_set_errno("cannot write %s", w->path);
	} else {
		w->fp = NULL;
		if (rename(w->tmp_path, w->path) != 0)
			rc = strata_error_set_errno("cannot replace %s", w->path);
	}
	if (rc) {
		strata_atomic_abort(w);
		return rc;
	}
	dir = dir_of(w->path);
	rc = dir ? strata_fsync_dir(dir) : strata_error_set(STRATA_ENOMEM, "out of memory");
	free(dir);
	free(w->tmp_path);
	free(w->path);
	w->tmp_path = w->path = NULL;
	return rc;
}

void strata_atomic_abort(strata_atomic_file *w)
{
	if (w->fp)
		fclose(w->fp);
	if (w->tmp_path)
		unlink(w->tmp_path);
	free(w->tmp_path);
	free(w->path);
	memset(w, 0, sizeof *w);
}

int strata_file_write_atomic(const char *path, const void *data, size_t len, int mode)
{
	strata_atomic_file w;
	int rc = strata_atomic_open(&w, path, mode);

	if (rc)
		return rc;
	if (len && fwrite(data, 1, len, w.fp) != len) {
		rc = strata_error_set_errno("cannot write %s", path);
		strata_atomic_abort(&w);
		return rc;
	}
	return strata_atomic_commit(&w);
}

int strata_file_read_all(const char *path, size_t max_size, char **data, size_t *len)
{
	struct stat st;
	char *buf;
	size_t got = 0;
	int fd, rc = 0;

	if (!max_size)
		max_size = DEFAULT_MAX_READ;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return strata_error_set_errno("cannot read %s", path);
	if (fstat(fd, &st) != 0)
		rc = strata_error_set_errno("cannot read %s", path);
	else if (!S_ISREG(st.st_mode))
		rc = strata_error_set(STRATA_EINVAL, "cannot read %s: not a regular file", path);
	if (rc) {
		close(fd);
		return rc;
	}
	if ((size_t)st.st_size > max_size) {
		close(fd);
		return strata_error_set(STRATA_ELIMIT, "%s: %lld bytes exceeds the limit of %zu",
		                        path, (long long)st.st_size, max_size);
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		close(fd);
		return strata_error_set(STRATA_ENOMEM, "%s: out of memory", path);
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	if (got != (size_t)st.st_size)
		rc = strata_error_set_errno("cannot read %s", path);
	close(fd);
	if (rc) {
		free(buf);
		return rc;
	}
	buf[got] = '\0';
	*data = buf;
	*len = got;
	return 0;
}

int strata_mkdir_p(const char *path, int mode)
{
	char *copy;
	struct stat st;
	int rc = 0;

	if (!path || !*path)
		return strata_error_set(STRATA_EINVAL, "mkdir: empty path");
	copy = strdup(path);
	if (!copy)
		return strata_error_set(STRATA_ENOMEM, "out of memory");
	for (char *p = copy + 1;; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char saved = *p;
		*p = '\0';
		/* An existing directory is fine even where mkdir says EACCES. */
		if (mkdir(copy, (mode_t)mode) != 0 && errno != EEXIST) {
			int saved_errno = errno;
			if (stat(copy, &st) != 0 || !S_ISDIR(st.st_mode)) {
				errno = saved_errno;
				rc = strata_error_set_errno("cannot create directory %s", copy);
				break;
			}
		}
		*p = saved;
		if (!saved)
			break;
	}
	if (!rc && (stat(path, &st) != 0 || !S_ISDIR(st.st_mode)))
		rc = strata_error_set(STRATA_EEXIST, "%s exists and is not a directory", path);
	free(copy);
	return rc;
}

/* nftw callback: remove one entry (children come first). */
static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path) != 0 && errno != ENOENT ? -1 : 0;
}

int strata_remove_tree(const char *path)
{
	struct stat st;

	if (lstat(path, &st) != 0)
		return 0;
	if (nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS) != 0)
		return strata_error_set_errno("cannot remove %s", path);
	return 0;
}

int strata_file_lock_acquire(strata_file_lock *lock, const char *path, int exclusive, int wait)
{
	int op = (exclusive ? LOCK_EX : LOCK_SH) | (wait ? 0 : LOCK_NB);

	lock->fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (lock->fd < 0)
		return strata_error_set_errno("cannot open lock file %s", path);
	while (flock(lock->fd, op) != 0) {
		int rc;
		if (errno == EINTR)
			continue;
		rc = errno == EWOULDBLOCK
		         ? strata_error_set(STRATA_EBUSY, "%s is locked by another process", path)
		         : strata_error_set_errno("cannot lock %s", path);
		close(lock->fd);
		lock->fd = -1;
		return rc;
	}
	return 0;
}

void strata_file_lock_release(strata_file_lock *lock)
{
	if (lock->fd >= 0) {
		flock(lock->fd, LOCK_UN);
		close(lock->fd);
	}
	lock->fd = -1;
}
