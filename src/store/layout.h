/*
 * layout.h - PyStore's on-disk layout: root, names, metadata files, listings.
 *
 *   $PYSTORE_PATH (default ~/pystore)/
 *     <store>/pystore_metadata.json
 *     <store>/<collection>/_snapshots/
 *     <store>/<collection>/<item>/part.N.parquet
 *     <store>/<collection>/<item>/pystore_metadata.json
 *
 * Metadata files are JSON objects of the user's keys plus "_updated", written
 * as PyStore writes them ("%Y-%m-%d %H:%M:%S.%f" in UTC, ", " and ": "
 * separators, non-ASCII kept as UTF-8) but atomically. Reading also accepts the
 * legacy "metadata.json". Names are checked before any path is built from
 * them, so no name can reach outside its parent directory.
 */
#ifndef STRATA_STORE_LAYOUT_H
#define STRATA_STORE_LAYOUT_H

#include <jansson.h>
#include <stddef.h>

#include "strata/time.h"

#define STORE_METADATA_FILE        "pystore_metadata.json"
#define STORE_LEGACY_METADATA_FILE "metadata.json"
#define STORE_SNAPSHOTS_DIR        "_snapshots"
#define STORE_NAME_MAX             255

/* The root directory: $PYSTORE_PATH, else $HOME/pystore. */
int store_root(char *out, size_t outlen);

/*
 * Check a store, collection, item or snapshot name (kind names it in the
 * message): non-empty, at most STORE_NAME_MAX bytes, valid UTF-8 without
 * control characters, no '/', not "." or "..", and not starting with '_' or
 * '.' (reserved for strata's and PyStore's own folders).
 */
int store_check_name(const char *kind, const char *name);

/* Same for a name given with an explicit length (it may hold a NUL byte). */
int store_check_name_len(const char *kind, const char *name, size_t len);

/* Format t as PyStore's "_updated" value: "2024-03-26 10:11:12.123456". */
void store_format_updated(strata_time t, char buf[32]);

/* Write dir/pystore_metadata.json atomically: a copy of user (an object, or
 * NULL for {}) with "_updated" set to now. */
int store_metadata_write(const char *dir, const json_t *user, strata_time now);

/* Read dir's metadata (pystore_metadata.json, else metadata.json, else an
 * empty object). *out is a new reference. */
int store_metadata_read(const char *dir, json_t **out);

/* Parse metadata text (name labels errors): a JSON object without
 * duplicate keys. *out is a new reference. */
int store_metadata_parse(const char *name, const char *text, size_t len, json_t **out);

/* Whether meta holds every key of filter with an equal value ("_updated"
 * is never matched), as PyStore's list_items(**filter) does. */
int store_metadata_matches(const json_t *meta, const json_t *filter);

/* The sub-directories of dir (following symlinks) that are valid names,
 * sorted; *names is a NULL-terminated malloc'd array (store_names_free). */
int store_list_dirs(const char *dir, char ***names, size_t *count);
void store_names_free(char **names);

#endif
