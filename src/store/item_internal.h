/*
 * item_internal.h - what item.c shares with the rest of the store (snapshots).
 * Not part of the public API.
 */
#ifndef STRATA_STORE_ITEM_INTERNAL_H
#define STRATA_STORE_ITEM_INTERNAL_H

#include <stdint.h>

#include "store/parquet.h"

#define STORE_PATH_MAX 4096

/* Read a version folder (an item's current version or a snapshot's copy):
 * its manifest, then the selected columns of the rows in [start, end]. name
 * labels errors. */
int store_item_read_dir(const char *name, const char *vdir, const char *const *columns,
                        int64_t start, int64_t end, strata_pq_table *out);

/* The folder of item's current version (STRATA_ENOTFOUND when none). */
int store_item_version_dir(const char *root, const char *store, const char *collection,
                           const char *item, char out[STORE_PATH_MAX]);

#endif
