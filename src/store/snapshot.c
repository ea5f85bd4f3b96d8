/*
 * snapshot.c - collection snapshots: every item's current version
 * hard-linked under <collection>/_snapshots/<snapshot>/<item>/.
 *
 * Versions are immutable and a writer removes an old version only after the
 * swap, so hard links keep a snapshot's files alive whatever happens to the
 * item later. A snapshot is built under a hidden name and renamed into place.
 */
#include "strata/store.h"

#include "store/item_internal.h"
#include "store/layout.h"
#include "strata/error.h"
#include "strata/file.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define LINK_RETRIES 5

/* <root>/<store>/<collection> and its _snapshots folder, names checked. */
static int snapshot_paths(const char *root, const char *store, const char *collection,
                          const char *snapshot, char coldir[STORE_PATH_MAX],
                          char sdir[STORE_PATH_MAX])
{
	int rc;

	if ((rc = store_check_name("store", store)) ||
	    (rc = store_check_name("collection", collection)) ||
	    (snapshot && (rc = store_check_name("snapshot", snapshot))))
		return rc;
	if (snprintf(coldir, STORE_PATH_MAX, "%s/%s/%s", root, store, collection) >=
	        STORE_PATH_MAX ||
	    snprintf(sdir, STORE_PATH_MAX, "%s/" STORE_SNAPSHOTS_DIR, coldir) >= STORE_PATH_MAX)
		return strata_error_set(STRATA_ELIMIT, "collection %s: path too long", collection);
	return 0;
}

/* Hard-link every file of version folder vdir into dst (created). */
static int link_files(const char *vdir, const char *dst)
{
	char from[STORE_PATH_MAX], to[STORE_PATH_MAX];
	struct dirent *e;
	DIR *d;
	int rc = 0;

	if (mkdir(dst, 0755) != 0 && errno != EEXIST)
		return strata_error_set_errno("cannot create %s", dst);
	if (!(d = opendir(vdir)))
		return strata_error_set_errno("cannot list %s", vdir);
	while (!rc && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(from, sizeof from, "%s/%s", vdir, e->d_name);
		snprintf(to, sizeof to, "%s/%s", dst, e->d_name);
		if (link(from, to) != 0 && errno != EEXIST)
			rc = strata_error_set_errno("cannot link %s", from);
	}
	closedir(d);
	return rc;
}

/* Link item's current version into dst, retrying when a writer swaps it
 * away between resolving and linking. */
static int snapshot_item(const char *root, const char *store, const char *collection,
                         const char *item, const char *dst)
{
	char vdir[STORE_PATH_MAX];
	int rc = 0;

	for (int i = 0; i < LINK_RETRIES; i++) {
		if ((rc = store_item_version_dir(root, store, collection, item, vdir)) ||
		    !(rc = link_files(vdir, dst)) || rc != STRATA_ENOTFOUND)
			break;
	}
	return rc ? strata_error_wrap(rc, "snapshot of item %s", item) : 0;
}

/* Link every item of the collection into tmp. */
static int snapshot_items(const char *root, const char *store, const char *collection,
                          const char *coldir, const char *tmp)
{
	char dst[STORE_PATH_MAX], **items = NULL;
	size_t n = 0;
	int rc = store_list_dirs(coldir, &items, &n);

	for (size_t i = 0; !rc && i < n; i++) {
		snprintf(dst, sizeof dst, "%s/%s", tmp, items[i]);
		rc = snapshot_item(root, store, collection, items[i], dst);
	}
	store_names_free(items);
	return rc;
}

int strata_store_snapshot_create(const char *root, const char *store, const char *collection,
                                 const char *snapshot)
{
	char coldir[STORE_PATH_MAX], sdir[STORE_PATH_MAX], final[STORE_PATH_MAX];
	char tmp[STORE_PATH_MAX];
	struct stat st;
	int rc;

	if ((rc = snapshot_paths(root, store, collection, snapshot, coldir, sdir)))
		return rc;
	if (stat(coldir, &st) != 0 || !S_ISDIR(st.st_mode))
		return strata_error_set(STRATA_ENOTFOUND, "collection %s does not exist in %s/%s",
		                        collection, root, store);
	snprintf(final, sizeof final, "%s/%s", sdir, snapshot);
	snprintf(tmp, sizeof tmp, "%s/.%s.tmp-%ld", sdir, snapshot, (long)getpid());
	if (lstat(final, &st) == 0)
		return strata_error_set(STRATA_EEXIST,
		                        "snapshot %s of collection %s already exists", snapshot,
		                        collection);
	if ((rc = strata_mkdir_p(sdir, 0755)) || (rc = strata_remove_tree(tmp)))
		return rc;
	if (mkdir(tmp, 0755) != 0)
		return strata_error_set_errno("cannot create %s", tmp);
	rc = snapshot_items(root, store, collection, coldir, tmp);
	if (!rc && rename(tmp, final) != 0)
		rc = strata_error_set_errno("cannot create snapshot %s", final);
	if (rc) {
		strata_remove_tree(tmp);
		return rc;
	}
	return strata_fsync_dir(sdir);
}

int strata_store_snapshot_list(const char *root, const char *store, const char *collection,
                               char ***names, size_t *count)
{
	char coldir[STORE_PATH_MAX], sdir[STORE_PATH_MAX];
	struct stat st;
	int rc;

	if ((rc = snapshot_paths(root, store, collection, NULL, coldir, sdir)))
		return rc;
	if (stat(sdir, &st) != 0) {
		*names = calloc(1, sizeof **names);
		*count = 0;
		return *names ? 0 : strata_error_set(STRATA_ENOMEM, "out of memory");
	}
	return store_list_dirs(sdir, names, count);
}

int strata_store_snapshot_delete(const char *root, const char *store, const char *collection,
                                 const char *snapshot)
{
	char coldir[STORE_PATH_MAX], sdir[STORE_PATH_MAX], final[STORE_PATH_MAX];
	char doomed[STORE_PATH_MAX];
	int rc;

	if ((rc = snapshot_paths(root, store, collection, snapshot, coldir, sdir)))
		return rc;
	snprintf(final, sizeof final, "%s/%s", sdir, snapshot);
	snprintf(doomed, sizeof doomed, "%s/.%s.deleted-%ld", sdir, snapshot, (long)getpid());
	/* Rename first, so the snapshot disappears at once and whole. */
	if (rename(final, doomed) != 0)
		return errno == ENOENT
		           ? strata_error_set(STRATA_ENOTFOUND,
		                              "snapshot %s of collection %s does not exist",
		                              snapshot, collection)
		           : strata_error_set_errno("cannot delete snapshot %s", final);
	return strata_remove_tree(doomed);
}

int store_snapshot_item_dir(const char *root, const char *store, const char *collection,
                            const char *item, const char *snapshot, char out[STORE_PATH_MAX])
{
	char coldir[STORE_PATH_MAX], sdir[STORE_PATH_MAX];
	struct stat st;
	int rc;

	if ((rc = snapshot_paths(root, store, collection, snapshot, coldir, sdir)) ||
	    (rc = store_check_name("item", item)))
		return rc;
	snprintf(out, STORE_PATH_MAX, "%s/%s/%s", sdir, snapshot, item);
	if (stat(out, &st) != 0)
		return strata_error_set(STRATA_ENOTFOUND, "item %s is not in snapshot %s of %s",
		                        item, snapshot, collection);
	return 0;
}

int strata_store_read_snapshot(const char *root, const char *store, const char *collection,
                               const char *item, const char *snapshot, const char *const *columns,
                               int64_t start, int64_t end, struct strata_pq_table *out)
{
	strata_store_read_options o;

	strata_store_read_options_init(&o);
	o.columns = columns;
	o.start = start;
	o.end = end;
	o.snapshot = snapshot;
	return strata_store_read_ex(root, store, collection, item, &o, out);
}
