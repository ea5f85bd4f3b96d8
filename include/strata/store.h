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
	/* Waiting for another writer's lock on the item: 0 waits as long as it
	 * takes, > 0 at most this many milliseconds, < 0 not at all; then the
	 * call fails with STRATA_EBUSY naming the item and its lock file. */
	long lock_timeout_ms;
	/* Most rows per row group inside a part; 0: the writer's default
	 * (131,072). Smaller row groups let filtered reads skip more. */
	size_t row_group_rows;
	/* write: a STRING column (no nulls) completing the key after the
	 * timestamp key column: a composite (timestamp, string) key, PyStore's
	 * MultiIndex. Rows are sorted by (timestamp, string bytes) and append
	 * matches rows by both. NULL: the timestamp alone. Append uses the
	 * item's key and ignores this. */
	const char *key2_column;
	/* write and append: time zones of UTC timestamp columns as a
	 * NULL-terminated list of (column, zone) pairs, e.g. {"index",
	 * "Europe/Paris", NULL}; values stay UTC instants, the zone is kept in
	 * the manifest and in the Parquet pandas metadata, so readers show the
	 * column in it. Columns not named are UTC. Append applies it to the
	 * columns the batch adds; existing columns keep their zone. */
	const char *const *timezones;
	/* append: a JSON object merged into the item's metadata in the same
	 * version as the rows (its keys replace the item's, a null value removes
	 * a key). When the append writes no version, nothing changes. NULL:
	 * the metadata is kept as it is. */
	const char *metadata_merge;
} strata_store_options;

/*
 * Write table as item (creating the store and collection folders and their
 * pystore_metadata.json when missing). key_column names a TIMESTAMP (NANOS)
 * column without nulls or NaT (INT64_MIN); rows are sorted by it (stably;
 * by it then opts->key2_column for a composite key). opts->timezones sets
 * the zones of UTC timestamp columns.
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
 * Replace (merge 0) or merge into (merge 1, as metadata_merge above) the
 * item's metadata: a new version with the same parts (hard links), under
 * the writer lock.
 */
int strata_store_set_metadata(const char *root, const char *store, const char *collection,
                              const char *item, const char *metadata_json, int merge,
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

/*
 * Filters, as PyStore's (pyarrow's) read filters: a list of conditions
 * (column, op, value) that all must hold, or a list of such lists of which
 * one must hold. ops: = == != < <= > >= in "not in". Applied row by row,
 * exactly; a null never satisfies a condition (not even != or not in); NaN
 * compares as IEEE 754 says (NaN != x holds). Values are bound to the
 * column's type when the item is read: numbers for numeric columns (a JSON
 * string holding a number is accepted), strings for string columns,
 * true/false (or 1/0) for bool columns, ISO 8601 strings or integer
 * nanoseconds for timestamp columns; in / not in take a list.
 */
typedef struct strata_store_filter strata_store_filter;

/* Parse a JSON filter: [["col", ">=", 3], ["sym", "in", ["A", "B"]]] (AND)
 * or [[[...], ...], [[...]]] (OR of ANDs). */
int strata_store_filter_parse_json(const char *json, strata_store_filter **out);
/* Add one condition in text form ("px>=3", "sym in (A,B)", "sym not in
 * (A, 'B,C')", "flag = true") ANDed to every group of *f (created when
 * *f is NULL). Values may be quoted with ' or " (needed for , ) or spaces
 * at the ends). */
int strata_store_filter_add_expr(strata_store_filter **f, const char *expr);
void strata_store_filter_free(strata_store_filter *f);

/* What a read touched: parts of the version, parts opened, row groups in
 * the opened parts and row groups decoded. Parts and row groups are skipped
 * by the key range and by the filter against their min/max statistics and
 * null counts (the manifest's for parts, the footer's for row groups). */
typedef struct strata_store_read_stats {
	size_t parts_total, parts_read;
	size_t row_groups_total, row_groups_read;
	size_t rows_read; /* rows decoded, before the range and the filter */
} strata_store_read_stats;

/* One column of an item's schema. */
typedef struct strata_store_column_info {
	char *name;
	int type;   /* strata_pq_type */
	int utc;    /* TIMESTAMP: isAdjustedToUTC */
	char *tz;   /* TIMESTAMP with utc: its time zone ("UTC" when none was given) */
	int is_key; /* 1: the timestamp key, 2: the string completing a composite key */
} strata_store_column_info;

/* An item version's schema. Free with strata_store_schema_free. */
typedef struct strata_store_schema {
	char *key, *key2; /* key2: NULL unless the key is composite */
	size_t ncols;
	strata_store_column_info *cols;
} strata_store_schema;

void strata_store_schema_free(strata_store_schema *s);

/* The schema of item (as of snapshot when not NULL), from its manifest. */
int strata_store_schema_get(const char *root, const char *store, const char *collection,
                            const char *item, const char *snapshot, strata_store_schema *out);

/* A read's selection. Initialize with strata_store_read_options_init. */
typedef struct strata_store_read_options {
	const char *const *columns;        /* NULL-terminated names; NULL: all */
	int64_t start, end;                /* inclusive key range */
	const strata_store_filter *filter; /* NULL: every row */
	size_t head;                       /* first rows only; SIZE_MAX: all */
	size_t tail;                       /* then the last rows only; SIZE_MAX: all */
	const char *snapshot;              /* read the item as in this snapshot */
	strata_store_read_stats *stats;    /* filled when not NULL */
	strata_store_schema *schema;       /* the version's schema, when not NULL */
} strata_store_read_options;

/* Everything: all columns, INT64_MIN..INT64_MAX, no filter, no limits. */
void strata_store_read_options_init(strata_store_read_options *o);

/*
 * Read item with the selection of opts (NULL: everything) into out: the key
 * column first, then the selected columns, rows in key order. head and tail
 * stop reading parts as soon as they have their rows: head(n) reads parts
 * from the first, tail(n) from the last.
 */
int strata_store_read_ex(const char *root, const char *store, const char *collection,
                         const char *item, const strata_store_read_options *opts,
                         struct strata_pq_table *out);

/* The item's first and last keys and row count, from its manifest (no part
 * is opened). An empty item gives rows 0 and first = last = INT64_MIN. */
int strata_store_key_range(const char *root, const char *store, const char *collection,
                           const char *item, int64_t *first, int64_t *last, size_t *rows);

/*
 * Compact the item: runs of neighbouring parts smaller than half of
 * part_rows are merged into parts of at most part_rows rows, in a new
 * version swapped atomically like any write (other parts are hard-linked).
 * *merged (may be NULL) is the number of parts replaced (0: nothing to do,
 * no new version).
 */
int strata_store_compact(const char *root, const char *store, const char *collection,
                         const char *item, const strata_store_options *opts, size_t *merged);

/*
 * Check every file of the item's current version against its manifest:
 * present, size, CRC-32C (when recorded), a readable Parquet footer, row
 * count, schema and key range; files the manifest does not name are also
 * reported. *report (malloc'd, free it) holds one line per problem,
 * "<file>: <reason>", or is empty. Returns 0 when the item is sound,
 * STRATA_EPARSE when a problem was found (the message names the item, the
 * first file and its reason), or another error when it cannot be checked.
 */
int strata_store_verify(const char *root, const char *store, const char *collection,
                        const char *item, char **report);

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
