/*
 * store.h - strata store items: write, read, append, delete, list.
 *
 * An item is a table (struct strata_pq_table, src/store/parquet.h) with a
 * key column of TIMESTAMP (NANOS, int64 ns since the epoch, UTC) named by the
 * caller (PyStore's default is "index") and any other typed columns. Items
 * live in PyStore's layout (root/store/collection/item/part.N.parquet), where
 * <item> is a symbolic link to an immutable version folder
 * <collection>/.strata/<item>/vNNNNNNNN/ holding the parts, the item's
 * pystore_metadata.json and manifest.json (per part: file, rows, min/max key,
 * size). A writer holds <collection>/.strata/.<item>.lock (flock), builds the
 * next version beside the current one (hard links for unchanged parts),
 * fsyncs it and renames a new symlink over <item>: readers see the old
 * version or the new one, never a mix. See docs/store.md.
 *
 * All functions return 0 or a negative strata_error code with a message
 * naming the item, the file and the reason (strata/error.h).
 */
#ifndef STRATA_STORE_H
#define STRATA_STORE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct strata_pq_table;

/* Default maximum number of rows in one part file. */
#define STRATA_STORE_PART_ROWS 1000000

/* What append does with a batch row whose key already exists in the item.
 * Rows are matched by the full key, never by values; repeated keys inside
 * one batch are always kept. */
typedef enum strata_store_dup {
	STRATA_STORE_KEEP_LAST = 0, /* the batch's rows replace the old rows */
	STRATA_STORE_KEEP_FIRST,    /* the old rows stay, the batch's are dropped */
	STRATA_STORE_KEEP_ALL,      /* both stay, old rows first */
	STRATA_STORE_DUP_ERROR,     /* refuse the append, naming the first key */
} strata_store_dup;

typedef struct strata_store_options {
	size_t part_rows; /* most rows per part file; 0: STRATA_STORE_PART_ROWS */
} strata_store_options;

/*
 * Write table as item (creating the store and collection folders and their
 * pystore_metadata.json when missing). key_column names a TIMESTAMP (NANOS)
 * column without nulls or NaT (INT64_MIN); rows are sorted by it (stably).
 * metadata_json is a JSON object text of user metadata, or NULL for {}. An
 * existing item is refused (STRATA_EEXIST) unless overwrite. opts may be
 * NULL.
 */
int strata_store_write(const char *root, const char *store, const char *collection,
                       const char *item, const struct strata_pq_table *table,
                       const char *key_column, const char *metadata_json, int overwrite,
                       const strata_store_options *opts);

/*
 * Append table to an existing item. It must hold the item's key column and
 * every existing column with the same type, except that int32 may widen to
 * int64 and float to double; columns it adds are null for older rows. Any
 * other schema change is refused (STRATA_ESCHEMA) and the item is left
 * unchanged. Only the parts whose key range the batch touches are rewritten;
 * the others are hard-linked into the new version. An empty batch (or one
 * whose rows are all dropped by KEEP_FIRST) writes no new version.
 */
int strata_store_append(const char *root, const char *store, const char *collection,
                        const char *item, const struct strata_pq_table *table, strata_store_dup dup,
                        const strata_store_options *opts);

/*
 * Read the rows of item with start <= key <= end (INT64_MIN / INT64_MAX for
 * an open end) into out (initialized here; free with strata_pq_table_free).
 * columns is a NULL-terminated list of column names, or NULL for all; the
 * key column always comes first. Parts outside the range are not opened.
 */
int strata_store_read(const char *root, const char *store, const char *collection, const char *item,
                      const char *const *columns, int64_t start, int64_t end,
                      struct strata_pq_table *out);

/* Delete an item (its link and all its versions) under the writer lock. */
int strata_store_delete(const char *root, const char *store, const char *collection,
                        const char *item);

/*
 * The items of a collection, sorted; filter_json (a JSON object text, or
 * NULL) keeps the items whose metadata holds every given key with an equal
 * value. *names is NULL-terminated; free it with strata_store_names_free.
 */
int strata_store_list_items(const char *root, const char *store, const char *collection,
                            const char *filter_json, char ***names, size_t *count);
void strata_store_names_free(char **names);

/*
 * Snapshots of a collection, in PyStore's place (<collection>/_snapshots/
 * <snapshot>/<item>/): every item's current version hard-linked, so creating
 * one copies no data and later writes never change it. Creation is atomic
 * (built under a hidden name, then renamed). Items that are not strata
 * versions (plain PyStore folders) make creation fail.
 */
int strata_store_snapshot_create(const char *root, const char *store, const char *collection,
                                 const char *snapshot);
int strata_store_snapshot_list(const char *root, const char *store, const char *collection,
                               char ***names, size_t *count);
int strata_store_snapshot_delete(const char *root, const char *store, const char *collection,
                                 const char *snapshot);
/* Read item as it was in snapshot (same selection as strata_store_read). */
int strata_store_read_snapshot(const char *root, const char *store, const char *collection,
                               const char *item, const char *snapshot, const char *const *columns,
                               int64_t start, int64_t end, struct strata_pq_table *out);

#ifdef __cplusplus
}
#endif
#endif
