/*
 * store_abi.h - a flat C ABI over strata store for language bindings
 * (python/strata_store uses it through ctypes and numpy).
 *
 * Columns travel as plain buffers described by struct strata_abi_column:
 * fixed-width values in their native width (int8_t for INT8, uint16_t for
 * UINT16, ...), an optional validity bitmap (bit i, least significant bit
 * first, set = row i present), and strings either as offsets + bytes or as
 * dictionary codes + a dictionary. Writes borrow the caller's buffers where
 * the layout allows (no copy); reads return a library-owned table whose
 * buffers stay valid until strata_abi_table_free.
 *
 * Every function returning int returns 0 or a negative STRATA_E* code;
 * strata_abi_last_error() gives the message (per thread). A NULL root means
 * $PYSTORE_PATH, else ~/pystore.
 */
#ifndef STRATA_STORE_ABI_H
#define STRATA_STORE_ABI_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Column types; the values are strata_pq_type's (src/store/parquet.h). */
enum strata_abi_type {
	STRATA_ABI_INT8 = 0,
	STRATA_ABI_INT16 = 1,
	STRATA_ABI_INT32 = 2,
	STRATA_ABI_UINT8 = 3,
	STRATA_ABI_UINT16 = 4,
	STRATA_ABI_UINT32 = 5,
	STRATA_ABI_INT64 = 6,
	STRATA_ABI_UINT64 = 7,
	STRATA_ABI_TIMESTAMP = 8, /* int64 ns since the epoch, UTC */
	STRATA_ABI_FLOAT = 9,
	STRATA_ABI_DOUBLE = 10,
	STRATA_ABI_BOOL = 11, /* one byte per row, 0 or 1 */
	STRATA_ABI_STRING = 12,
};

/* Column flags. */
#define STRATA_ABI_UTC 1

/*
 * One column. For STRING, give either offsets (nrows + 1 int64 byte offsets
 * into bytes) or codes (one int32 per row indexing the dictionary, -1 for a
 * null row) with dict_count, dict_offsets (dict_count + 1) and dict_bytes.
 * Read results fill both forms for STRING columns.
 */
typedef struct strata_abi_column {
	const char *name;
	int32_t type;
	int32_t flags;           /* TIMESTAMP: STRATA_ABI_UTC (isAdjustedToUTC) */
	const void *values;      /* non-STRING: nrows values of the native width */
	const uint8_t *validity; /* NULL: no nulls; else (nrows + 7) / 8 bytes */
	const int64_t *offsets;  /* STRING as offsets + bytes */
	const char *bytes;
	const int32_t *codes; /* STRING as dictionary codes */
	int64_t dict_count;
	const int64_t *dict_offsets;
	const char *dict_bytes;
	/* TIMESTAMP with STRATA_ABI_UTC: its time zone ("Europe/Paris"); NULL:
	 * UTC. Kept in the manifest and the Parquet pandas metadata; reads give
	 * it back ("UTC" when none was written). */
	const char *tz;
} strata_abi_column;

/* A read result (opaque). */
typedef struct strata_abi_table strata_abi_table;

/* The last error message of this thread ("" when none). */
const char *strata_abi_last_error(void);

/*
 * Write (new item, or replace it when overwrite) or append nrows rows given
 * as ncols columns. key names the TIMESTAMP key column; key2, when not NULL,
 * a STRING column completing a composite key (strata_store_options
 * .key2_column); metadata_json is a JSON object text or NULL; dup is a
 * strata_store_dup value; part_rows 0 is the default. Append merges
 * metadata_json (when not NULL) into the item's metadata in the same
 * version as the rows (strata_store_options.metadata_merge).
 */
int strata_abi_write(const char *root, const char *store, const char *collection, const char *item,
                     const strata_abi_column *cols, size_t ncols, size_t nrows, const char *key,
                     const char *key2, const char *metadata_json, int overwrite, size_t part_rows);
int strata_abi_append(const char *root, const char *store, const char *collection, const char *item,
                      const strata_abi_column *cols, size_t ncols, size_t nrows, int dup,
                      const char *metadata_json, size_t part_rows);

/*
 * Read the rows of item (as of snapshot when not NULL) with start <= key <=
 * end that match filter_json (PyStore's filters as JSON, see
 * strata_store_filter_parse_json; NULL: every row), then the first head
 * rows, then the last tail rows (SIZE_MAX: all). columns is a
 * NULL-terminated list or NULL for all; the key column comes first. Free
 * *out with strata_abi_table_free.
 */
int strata_abi_read(const char *root, const char *store, const char *collection, const char *item,
                    const char *snapshot, const char *const *columns, int64_t start, int64_t end,
                    const char *filter_json, size_t head, size_t tail, strata_abi_table **out);
/* What the read touched (strata_store_read_stats): stats[0..5) = parts in
 * the version, parts read, row groups in those, row groups read, rows
 * decoded. */
void strata_abi_table_stats(const strata_abi_table *t, size_t stats[5]);
size_t strata_abi_table_rows(const strata_abi_table *t);
size_t strata_abi_table_columns(const strata_abi_table *t);
/* Describe column i (0 <= i < columns) in *out; its buffers belong to t. */
int strata_abi_table_column(const strata_abi_table *t, size_t i, strata_abi_column *out);
void strata_abi_table_free(strata_abi_table *t);

/* The item's metadata (pystore_metadata.json, as of snapshot when not NULL)
 * as a JSON text; free it with strata_abi_free. */
int strata_abi_item_metadata(const char *root, const char *store, const char *collection,
                             const char *item, const char *snapshot, char **json);

/* Stores of root, collections of store (store not NULL), items of a
 * collection matching filter_json (collection not NULL), sorted; *names is
 * NULL-terminated, free it with strata_abi_names_free. */
int strata_abi_list(const char *root, const char *store, const char *collection,
                    const char *filter_json, char ***names, size_t *count);
void strata_abi_names_free(char **names);

/* Create store (and collection when not NULL) with their
 * pystore_metadata.json when missing, as PyStore's store() and
 * collection() do; existing ones are left as they are. */
int strata_abi_create(const char *root, const char *store, const char *collection);

/* Remove a whole collection (every item and snapshot) or store. */
int strata_abi_delete_collection(const char *root, const char *store, const char *collection);
int strata_abi_delete_store(const char *root, const char *store);

/* The root in use for root NULL ($PYSTORE_PATH, else ~/pystore); free it
 * with strata_abi_free. */
int strata_abi_default_root(char **out);

void strata_abi_free(void *p);

#ifdef __cplusplus
}
#endif
#endif
