/* outdir.c - the locked temporary build folder, stale-folder cleanup, swap. */
#define _GNU_SOURCE /* renameat2 (RENAME_EXCHANGE) */
#include "outdir.h"

#include "strata/error.h"
#include "strata/file.h"
#include "strata/log.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

/* The suffix mkdtemp fills in, after base. */
#define TEMP_INFIX  ".tmp-"
#define TEMP_RANDOM 6
/* Fresh names tried when another build's cleanup races a new folder. */
#define TEMP_TRIES 8

int outdir_is_temp_name(const char *base, const char *name)
{
	size_t nb = strlen(base), ni = strlen(TEMP_INFIX);
	if (strncmp(name, base, nb) != 0 || strncmp(name + nb, TEMP_INFIX, ni) != 0)
		return 0;
	const char *rnd = name + nb + ni;
	for (int i = 0; i < TEMP_RANDOM; i++)
		if (!isalnum((unsigned char)rnd[i]))
			return 0;
	return rnd[TEMP_RANDOM] == '\0';
}

/* out split into its parent folder and last component (malloc'd). */
static int split_out(const char *out, char **dir, char **base)
{
	const char *slash = strrchr(out, '/');
	size_t dn = slash ? (slash == out ? 1 : (size_t)(slash - out)) : 1;
	*dir = malloc(dn + 1);
	*base = strdup(slash ? slash + 1 : out);
	if (!*dir || !*base) {
		free(*dir);
		free(*base);
		*dir = *base = NULL;
		strata_error_set(STRATA_ENOMEM, "out of memory");
		return STRATA_ENOMEM;
	}
	memcpy(*dir, slash ? out : ".", dn);
	(*dir)[dn] = '\0';
	return 0;
}

/* Remove dir/name if it is a real folder nobody holds locked: 1 removed,
 * 0 left alone. The lock is held while removing, so a build that is just
 * creating the folder sees it gone and tries another name. */
static int remove_if_unlocked(int dfd, const char *dir, const char *name)
{
	int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return 0; /* a symbolic link, a file, or gone */
	int removed = 0;
	if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
		size_t n = strlen(dir) + strlen(name) + 2;
		char *path = malloc(n);
		if (path) {
			snprintf(path, n, "%s/%s", dir, name);
			removed = strata_remove_tree(path) == 0;
			if (removed)
				strata_logf(STRATA_LOG_INFO,
				            "relays: removed %s, left by an unfinished build",
				            path);
			free(path);
		}
	}
	close(fd);
	return removed;
}

int outdir_clean_stale(const char *out)
{
	char *dir, *base;
	int rc = split_out(out, &dir, &base);
	if (rc < 0)
		return rc;
	DIR *d = opendir(dir);
	int removed = 0;
	if (d) {
		const struct dirent *e;
		while ((e = readdir(d)) != NULL)
			if (outdir_is_temp_name(base, e->d_name))
				removed += remove_if_unlocked(dirfd(d), dir, e->d_name);
		closedir(d);
	}
	free(dir);
	free(base);
	return removed;
}

/* Lock the folder mkdtemp just made at path; 0 when it is still there and
 * ours, 1 when a concurrent cleanup took it (try another name). */
static int lock_new_folder(const char *path, int *fd_out)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return 1;
	struct stat by_fd, by_path;
	if (flock(fd, LOCK_EX | LOCK_NB) != 0 || fstat(fd, &by_fd) != 0 ||
	    lstat(path, &by_path) != 0 || by_fd.st_ino != by_path.st_ino ||
	    by_fd.st_dev != by_path.st_dev) {
		close(fd);
		return 1;
	}
	*fd_out = fd;
	return 0;
}

int outdir_temp_create(const char *out, outdir_temp *t)
{
	t->lock_fd = -1;
	size_t n = strlen(out) + strlen(TEMP_INFIX) + TEMP_RANDOM + 1;
	t->path = malloc(n);
	if (!t->path)
		return strata_error_set(STRATA_ENOMEM, "out of memory");
	for (int attempt = 0; attempt < TEMP_TRIES; attempt++) {
		snprintf(t->path, n, "%s" TEMP_INFIX "XXXXXX", out);
		if (!mkdtemp(t->path)) {
			int rc = strata_error_set_errno("cannot create a folder beside %s", out);
			free(t->path);
			t->path = NULL;
			return rc;
		}
		if (lock_new_folder(t->path, &t->lock_fd) == 0) {
			chmod(t->path, 0755);
			return 0;
		}
	}
	free(t->path);
	t->path = NULL;
	return strata_error_set(STRATA_EBUSY, "cannot keep a temporary folder beside %s", out);
}

/* No atomic exchange on this file system: move the old site aside to
 * "<out>.old", put the new one in place, remove the old one. */
static int swap_by_rename(const char *tmp, const char *out)
{
	size_t n = strlen(out) + 8;
	char *old = malloc(n);
	if (!old)
		return strata_error_set(STRATA_ENOMEM, "out of memory");
	snprintf(old, n, "%s.old", out);
	strata_remove_tree(old);
	int rc = 0;
	if (rename(out, old) != 0)
		rc = strata_error_set_errno("cannot move %s aside", out);
	else if (rename(tmp, out) != 0)
		rc = strata_error_set_errno("cannot rename %s to %s", tmp, out);
	if (rc == 0)
		strata_remove_tree(old);
	free(old);
	return rc;
}

/* Exchange tmp and out; the old site, now at tmp, is locked (so no other
 * build's cleanup races us) and removed. 1: no exchange on this file system. */
static int swap_by_exchange(const char *tmp, const char *out)
{
	int old_fd = open(out, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (old_fd >= 0 && flock(old_fd, LOCK_EX | LOCK_NB) != 0) {
		close(old_fd);
		old_fd = -1;
	}
	int rc = 0;
	if (renameat2(AT_FDCWD, tmp, AT_FDCWD, out, RENAME_EXCHANGE) != 0)
		rc = 1;
	else if (strata_remove_tree(tmp) < 0)
		strata_logf(STRATA_LOG_WARN,
		            "relays: the new site is in place, but the old one "
		            "could not be removed: %s",
		            strata_error_message());
	if (old_fd >= 0)
		close(old_fd);
	return rc;
}

int outdir_swap_in(outdir_temp *t, const char *out)
{
	struct stat st;
	int rc;
	if (lstat(out, &st) != 0) {
		if (rename(t->path, out) != 0)
			return strata_error_set_errno("cannot rename %s to %s", t->path, out);
		rc = 0;
	} else if (!S_ISDIR(st.st_mode)) {
		return strata_error_set(STRATA_EEXIST, "%s exists and is not a folder", out);
	} else {
		rc = swap_by_exchange(t->path, out);
		if (rc == 1)
			rc = swap_by_rename(t->path, out);
	}
	if (rc == 0) { /* nothing of ours is left at t->path */
		free(t->path);
		t->path = NULL;
	}
	return rc;
}

void outdir_temp_discard(outdir_temp *t)
{
	if (t->path)
		strata_remove_tree(t->path);
	if (t->lock_fd >= 0)
		close(t->lock_fd);
	free(t->path);
	t->path = NULL;
	t->lock_fd = -1;
}
