/*
 * item_internal.h - what the item engine (item.c) shares with the rest of
 * the store: manifests (manifest.c), table helpers, version building, locks,
 * reads (read.c), snapshots (snapshot.c), compaction and verification
 * (maintain.c). Not part of the public API.
 */
#ifndef STRATA_STORE_ITEM_INTERNAL_H
#define STRATA_STORE_ITEM_INTERNAL_H

#include <jansson.h>
#include <stdint.h>

#include "store/parquet.h"
#include "strata/file.h"
#include "strata/store.h"

#define STORE_PATH_MAX      4096
#define STORE_MANIFEST_FILE "manifest.json"
#define STORE_PART_NAME_SZ  40

/* One row of one of several source tables. */
typedef struct rowref {
	size_t src;
	size_t row;
} rowref;

/* A column's schema (name owned). */
typedef struct colspec {
	char *name;
	strata_pq_type type;
	strata_pq_unit unit;
	int utc;
	char *tz; /* TIMESTAMP with utc: the time zone to show it in (owned);
	           * NULL: UTC */
} colspec;

/* One part file of a version. stats (owned, may be NULL for manifests
 * written before statistics) maps column names to {"min", "max", "nulls"};
 * crc is the CRC-32C of the whole file (has_crc 0: not recorded). */
typedef struct part {
	char file[STORE_PART_NAME_SZ];
	size_t rows;
	int64_t min, max, size;
	uint32_t crc;
	int has_crc;
	json_t *stats;
} part;

/* manifest.json: key column, schema and parts (sorted by key; by key then
 * key2 for a composite key). */
typedef struct manifest {
	char *key;
	char *key2; /* the STRING column completing a composite key; NULL: none */
	colspec *cols;
	size_t ncols;
	part *parts;
	size_t nparts;
} manifest;

/* The paths of one item. */
typedef struct item_paths {
	const char *name;
	char store[STORE_PATH_MAX];    /* root/store */
	char coldir[STORE_PATH_MAX];   /* root/store/collection */
	char link[STORE_PATH_MAX];     /* coldir/item */
	char tmp_link[STORE_PATH_MAX]; /* coldir/.item.strata-tmp */
	char sdir[STORE_PATH_MAX];     /* coldir/.strata */
	char vroot[STORE_PATH_MAX];    /* coldir/.strata/item */
	char lock[STORE_PATH_MAX];     /* coldir/.strata/.item.lock */
	char vprefix[STORE_PATH_MAX];  /* ".strata/item/" (link targets) */
} item_paths;

/* ---- manifest.c --------------------------------------------------------- */

void store_manifest_free(manifest *m);
void store_cols_free(colspec *cols, size_t n);
/* Parse manifest text; name labels errors. m is zeroed on failure. */
int store_manifest_parse(const char *name, const char *text, size_t len, manifest *m);
/* Read vdir/manifest.json. */
int store_manifest_load(const char *vdir, manifest *m);
/* The manifest as a JSON tree (a new reference; NULL: out of memory). */
json_t *store_manifest_json(const manifest *m);
/* Write vdir/manifest.json atomically. */
int store_manifest_save(const char *vdir, const manifest *m);
/* Per-column statistics of table t as the manifest stores them. */
json_t *store_table_stats(const strata_pq_table *t);
/* CRC-32C (Castagnoli) of data, continuing from crc (0 to start). */
uint32_t store_crc32c(uint32_t crc, const void *data, size_t len);
/* CRC-32C and size of the file at path. */
int store_file_crc(const char *path, uint32_t *crc, int64_t *size);

/* ---- pystore.c: items written by PyStore --------------------------------- */

/* Whether dir is a real folder without manifest.json (PyStore's item). */
int store_is_plain_item_dir(const char *dir);
/* Build in m the manifest of plain item folder dir from its part.N.parquet
 * files (numeric order; key and zones from the pandas metadata; key range
 * and statistics from the rows; no CRC). */
int store_pystore_manifest(const char *dir, manifest *m);
/* Whether the parts' key ranges are in order and do not overlap. */
int store_parts_ordered(const manifest *m);

/* ---- item.c: tables ----------------------------------------------------- */

long store_find_col(const strata_pq_table *t, const char *name);
/* Build out from rows refs[0..n) of srcs[], taking their first ncols columns
 * (srcs share srcs[0]'s schema). Every column gets a validity bitmap. */
int store_gather(const strata_pq_table *const *srcs, size_t ncols, const rowref *refs, size_t n,
                 strata_pq_table *out);
/* Copy in into out with schema cols: columns found by name and widened,
 * missing ones all null. */
/* Create dir (mkdir -p) and its pystore_metadata.json from meta_json when
 * missing (a store's or a collection's folder). */
int store_ensure_dir(const char *dir, const char *meta_json);

int store_cast_table(const strata_pq_table *in, const colspec *cols, size_t ncols,
                     strata_pq_table *out);
/* store_cast_table taking over in's arrays where no conversion is needed
 * (no copy); in must only be freed after. */
int store_cast_table_move(strata_pq_table *in, const colspec *cols, size_t ncols,
                          strata_pq_table *out);

/* The "pandas" key/value metadata pyarrow writes for t (key, and key2 when
 * not NULL, as the index; time zones from cols[0..ncols), UTC for a UTC
 * column not there), malloc'd JSON text or NULL when out of memory. */
char *store_pandas_metadata(const strata_pq_table *t, const char *key, const char *key2,
                            const colspec *cols, size_t ncols);
/* Check a time zone name: 1 to 64 printable ASCII bytes, no quote or
 * backslash; what names it is pandas' business. */
int store_check_tz(const char *item, const char *column, const char *tz);
/* strdup of src's fields into dst (tz may be NULL). */
int store_colspec_copy(colspec *dst, const colspec *src);

/* ---- item.c: versions and locks ----------------------------------------- */

int store_paths_init(item_paths *p, const char *root, const char *store, const char *collection,
                     const char *item);
/* The current version number (0: no item). */
int store_current_version(const item_paths *p, unsigned *version);
void store_version_dir(const item_paths *p, unsigned v, char out[STORE_PATH_MAX]);
/* The current version for a writer holding the lock; a plain PyStore
 * folder is first converted in place to version 1 (0: no item). */
int store_writer_version(const item_paths *p, const strata_store_options *opts, unsigned *cur);
/* For a writer holding the lock: the current version of an existing item,
 * its folder (STORE_PATH_MAX bytes) and manifest, stray versions removed;
 * STRATA_ENOTFOUND (crashed first-write versions removed) when missing. */
int store_writer_current(const item_paths *p, const strata_store_options *opts, unsigned *cur,
                         char *vdir, manifest *m);
/* Take the item's writer lock (see strata_store_options.lock_timeout_ms). */
int store_lock_item(const item_paths *p, int create, const strata_store_options *opts,
                    strata_file_lock *lock);
/* Remove everything in the item's version folder but version keep. */
int store_clean_strays(const item_paths *p, unsigned keep);

/* A version being built: its folder and parts so far. */
typedef struct vbuild {
	const item_paths *paths;
	unsigned version;
	char dir[STORE_PATH_MAX];
	manifest m; /* key and cols borrowed; parts owned */
	size_t cap;
	size_t row_group_rows; /* 0: the writer's default */
} vbuild;

/* key (and b->m.key2, set after start when composite) are borrowed. */
int store_vbuild_start(vbuild *b, const item_paths *p, unsigned version, const char *key,
                       colspec *cols, size_t ncols);
/* Hard-link part old of folder from into the new version. */
int store_vbuild_link(vbuild *b, const char *from, const part *old);
/* Write t (sorted by key) as the next part. */
int store_vbuild_write(vbuild *b, const strata_pq_table *t);
/* Metadata, manifest, fsync, swap the link, remove version old (0: none). */
int store_vbuild_commit(vbuild *b, const json_t *meta, unsigned old);
void store_vbuild_free(vbuild *b);

/* ---- read.c ------------------------------------------------------------- */

/* Read a version folder (an item's current version or a snapshot's copy)
 * with the selection of opts (NULL: everything); name labels errors. */
int store_item_read_dir(const char *name, const char *vdir, const strata_store_read_options *opts,
                        strata_pq_table *out);

/* The folder of item in snapshot (STRATA_ENOTFOUND when absent). */
int store_snapshot_item_dir(const char *root, const char *store, const char *collection,
                            const char *item, const char *snapshot, char out[STORE_PATH_MAX]);

/* The folder of item's current version (STRATA_ENOTFOUND when none). */
int store_item_version_dir(const char *root, const char *store, const char *collection,
                           const char *item, char out[STORE_PATH_MAX]);

#endif
