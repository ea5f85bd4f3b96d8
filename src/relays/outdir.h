/*
 * outdir.h - the temporary build folder beside --out and the swap.
 *
 * A build renders into "<out>.tmp-XXXXXX" (mkdtemp's six characters),
 * holding an exclusive flock(2) on that folder for as long as it builds.
 * The next build removes folders of exactly that pattern that nobody holds
 * locked (left behind by a build that was killed), and never touches
 * anything else: other names, symbolic links, files, or folders a running
 * build holds.
 */
#ifndef STRATA_RELAYS_OUTDIR_H
#define STRATA_RELAYS_OUTDIR_H

typedef struct outdir_temp {
	char *path;  /* "<out>.tmp-XXXXXX" */
	int lock_fd; /* open on path, flock'ed; -1 when none */
} outdir_temp;

/* Whether name (a file name, no '/') is base + ".tmp-" + 6 characters of
 * [A-Za-z0-9], the pattern outdir_temp_create makes. */
int outdir_is_temp_name(const char *base, const char *name);

/* Remove the unlocked temporary folders of out's pattern beside it;
 * returns how many were removed, or a negative STRATA_E* code. */
int outdir_clean_stale(const char *out);

/* Create and lock a fresh temporary folder beside out. */
int outdir_temp_create(const char *out, outdir_temp *t);

/* Put t in place of out (an atomic exchange where the file system has
 * it); the old site is removed. On success t->path no longer exists. */
int outdir_swap_in(outdir_temp *t, const char *out);

/* Remove the temporary folder (if still there), unlock and free. */
void outdir_temp_discard(outdir_temp *t);

#endif
