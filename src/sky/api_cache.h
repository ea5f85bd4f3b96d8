/*
 * api_cache.h - the response cache of `strata sky serve`'s catalog reads.
 *
 * GET routes that only read the catalog are answered from memory when the
 * same method, path and query were answered before under the current
 * catalog generation. The generation is read once per request, before the
 * cache is consulted: on SQLite `PRAGMA data_version` on a dedicated
 * connection that never writes (it changes when any other connection, in
 * this process or another, commits), on PostgreSQL the sum of the
 * sky_catalog_generation counters that triggers on every catalog table bump
 * in the writing transaction, read on the request's pooled connection. An entry computed under an
 * older generation is never served. Entries live in 16 shards (a lock each) with LRU eviction
 * within a byte budget; counters go to /metrics (sky_cache_*).
 */
#ifndef STRATA_SKY_API_CACHE_H
#define STRATA_SKY_API_CACHE_H

#include "strata/db.h"
#include "strata/http.h"
#include "strata/metrics.h"

#include <stddef.h>
#include <stdint.h>

typedef struct sky_cache sky_cache;

/* A cache of at most max_bytes (> 0) for the catalog at url, counting into
 * metrics. The watch connection opens on first use. */
int sky_cache_open(const char *url, size_t max_bytes, strata_metrics *metrics, sky_cache **out);
void sky_cache_close(sky_cache *c);

/* The current catalog generation: 0 and *gen, or a negative error when the
 * watch connection cannot read it (then the cache must not be used). */
int sky_cache_generation(sky_cache *c, uint64_t *gen);

/* The generation query for a catalog whose generation is shared by every
 * connection (PostgreSQL: the sum of the sky_catalog_generation counters,
 * which only grows, by one or more with each commit that changes the
 * catalog). */
const char *sky_cache_generation_sql(void);

/* The generation read with st, a prepared sky_cache_generation_sql() on any
 * connection to the catalog (PostgreSQL: the request's pooled one, so that
 * requests read it in parallel); st is reset before returning. */
int sky_cache_generation_read(sky_cache *c, strata_db_stmt *st, uint64_t *gen);

/* Fill resp (status, content type, headers, body) from the entry for key
 * computed under gen: 1 when found, 0 when not (a miss, counted). */
int sky_cache_get(sky_cache *c, const char *key, uint64_t gen, strata_http_response *resp);

/* Keep resp as the entry for key under gen (skipped when too large or when a
 * newer entry is there; the least recently used go when over budget). */
void sky_cache_put(sky_cache *c, const char *key, uint64_t gen, const strata_http_response *resp);

/* The bytes held now (entries and their keys, headers and bodies). */
size_t sky_cache_bytes(sky_cache *c);

#endif
