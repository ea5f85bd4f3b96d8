/* api_cache.c - the catalog-read response cache; see api_cache.h. */
#include "sky/api_internal.h"

#include "strata/db.h"
#include "strata/error.h"
#include "strata/log.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SHARDS  16
#define BUCKETS 1024 /* per shard */

typedef struct cache_entry {
	struct cache_entry *next_in_bucket;
	struct cache_entry *newer, *older; /* the shard's LRU list */
	uint64_t hash, gen;
	size_t size; /* bytes charged to the shard */
	int status;
	char content_type[128];
	char *headers; /* the handler's extra headers ("Name: value\r\n" lines) */
	char *body;
	size_t body_len;
	char key[]; /* NUL-terminated */
} cache_entry;

typedef struct cache_shard {
	pthread_mutex_t lock;
	cache_entry *buckets[BUCKETS];
	cache_entry *newest, *oldest;
	size_t bytes;
} cache_shard;

struct sky_cache {
	char *url;
	size_t shard_budget, entry_max;
	/* the generation watch: one connection, one prepared statement */
	pthread_mutex_t watch_lock;
	strata_db *watch;
	strata_db_stmt *watch_stmt;
	int have_raw;
	int64_t last_raw; /* data_version, or the generation counters' sum */
	uint64_t gen;     /* how many changes of last_raw were seen (from 1) */
	/* the newest shared generation read on a caller's connection */
	_Atomic uint64_t newest_shared;
	strata_metric *hits, *misses, *evictions, *invalidations, *bytes;
	cache_shard shards[SHARDS];
};

/* FNV-1a with a final avalanche (MurmurHash3's fmix64), so that the top
 * bits, which pick the shard, differ for keys that differ at the end. */
static uint64_t key_hash(const char *s)
{
	uint64_t h = 14695981039346656037u;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211u;
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdu;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53u;
	return h ^ (h >> 33);
}

static int metrics_init(sky_cache *c, strata_metrics *m)
{
	int rc;

	if ((rc = strata_metrics_counter(m, "sky_cache_hits_total",
	                                 "Catalog reads answered from the response cache.", NULL,
	                                 &c->hits)) ||
	    (rc = strata_metrics_counter(m, "sky_cache_misses_total",
	                                 "Cacheable catalog reads computed (no current entry).",
	                                 NULL, &c->misses)) ||
	    (rc = strata_metrics_counter(m, "sky_cache_evictions_total",
	                                 "Cache entries dropped to stay within the budget.", NULL,
	                                 &c->evictions)) ||
	    (rc = strata_metrics_counter(
	         m, "sky_cache_invalidations_total",
	         "Catalog changes seen (each makes every cached response stale).", NULL,
	         &c->invalidations)))
		return rc;
	return strata_metrics_gauge(m, "sky_cache_bytes", "Bytes held by the response cache.", NULL,
	                            &c->bytes);
}

int sky_cache_open(const char *url, size_t max_bytes, strata_metrics *metrics, sky_cache **out)
{
	sky_cache *c;
	int rc;

	*out = NULL;
	if (!max_bytes)
		return strata_error_set(STRATA_EINVAL, "cache size must be positive");
	if (!(c = calloc(1, sizeof *c)) || !(c->url = strdup(url))) {
		free(c);
		return strata_error_set(STRATA_ENOMEM, "out of memory");
	}
	c->shard_budget = max_bytes / SHARDS;
	c->entry_max = max_bytes / 64;
	pthread_mutex_init(&c->watch_lock, NULL);
	for (int i = 0; i < SHARDS; i++)
		pthread_mutex_init(&c->shards[i].lock, NULL);
	if ((rc = metrics_init(c, metrics))) {
		sky_cache_close(c);
		return rc;
	}
	*out = c;
	return 0;
}

static void entry_free(cache_entry *e)
{
	free(e->headers);
	free(e->body);
	free(e);
}

static void watch_close(sky_cache *c)
{
	strata_db_finalize(c->watch_stmt);
	strata_db_close(c->watch);
	c->watch_stmt = NULL;
	c->watch = NULL;
	c->have_raw = 0; /* a new connection's data_version starts afresh */
}

void sky_cache_close(sky_cache *c)
{
	if (!c)
		return;
	watch_close(c);
	for (int i = 0; i < SHARDS; i++) {
		for (cache_entry *e = c->shards[i].newest, *next; e; e = next) {
			next = e->older;
			entry_free(e);
		}
		pthread_mutex_destroy(&c->shards[i].lock);
	}
	pthread_mutex_destroy(&c->watch_lock);
	free(c->url);
	free(c);
}

/* --- the generation ---------------------------------------------------------- */

const char *sky_cache_generation_sql(void)
{
	return "SELECT CAST(COALESCE(SUM(gen), 0) AS BIGINT) FROM sky_catalog_generation";
}

/* Open the watch connection (lock held): read-only on SQLite. */
static int watch_open(sky_cache *c)
{
	int rc;

	if ((rc = strata_db_open(c->url, &c->watch)))
		return rc;
	if (strata_db_backend_of(c->watch) == STRATA_DB_SQLITE)
		rc = strata_db_exec(c->watch, "PRAGMA query_only = ON");
	if (!rc)
		rc = strata_db_prepare(c->watch,
		                       strata_db_backend_of(c->watch) == STRATA_DB_SQLITE
		                           ? "PRAGMA data_version"
		                           : sky_cache_generation_sql(),
		                       &c->watch_stmt);
	if (rc)
		watch_close(c);
	return rc;
}

/* Read the raw change marker with st; the statement is reset at once, so
 * that no read transaction stays open on its connection. */
static int marker_read(strata_db_stmt *st, int64_t *raw)
{
	int rc = strata_db_step(st);

	if (rc == STRATA_DB_ROW)
		*raw = strata_db_column_int64(st, 0);
	else if (rc == STRATA_DB_DONE)
		rc = strata_error_set(STRATA_EDB, "the catalog generation query returned no row");
	int reset = strata_db_reset(st);
	return rc < 0 ? rc : reset;
}

int sky_cache_generation(sky_cache *c, uint64_t *gen)
{
	int64_t raw = 0;
	int rc = 0;

	pthread_mutex_lock(&c->watch_lock);
	if (!c->watch)
		rc = watch_open(c);
	if (!rc && (rc = marker_read(c->watch_stmt, &raw))) {
		strata_log(STRATA_LOG_WARN, "response cache: cannot read the catalog generation",
		           "error", strata_error_message());
		watch_close(c);
	}
	if (!rc && (!c->have_raw || raw != c->last_raw)) {
		c->have_raw = 1;
		c->last_raw = raw;
		c->gen++;
		strata_metric_add(c->invalidations, 1);
	}
	*gen = c->gen;
	pthread_mutex_unlock(&c->watch_lock);
	return rc;
}

int sky_cache_generation_read(sky_cache *c, strata_db_stmt *st, uint64_t *gen)
{
	int64_t raw = 0;
	int rc = marker_read(st, &raw);
	uint64_t seen = atomic_load(&c->newest_shared);

	if (rc)
		return rc;
	*gen = (uint64_t)raw;
	while (*gen > seen && !atomic_compare_exchange_weak(&c->newest_shared, &seen, *gen))
		;
	if (*gen > seen)
		strata_metric_add(c->invalidations, 1);
	return 0;
}

/* --- entries ------------------------------------------------------------------- */

static cache_shard *shard_of(sky_cache *c, uint64_t hash)
{
	return &c->shards[hash >> 60];
}

static cache_entry **bucket_of(cache_shard *s, uint64_t hash)
{
	return &s->buckets[hash % BUCKETS];
}

static void lru_unlink(cache_shard *s, cache_entry *e)
{
	if (e->newer)
		e->newer->older = e->older;
	else
		s->newest = e->older;
	if (e->older)
		e->older->newer = e->newer;
	else
		s->oldest = e->newer;
	e->newer = e->older = NULL;
}

static void lru_push_newest(cache_shard *s, cache_entry *e)
{
	e->older = s->newest;
	e->newer = NULL;
	if (s->newest)
		s->newest->newer = e;
	s->newest = e;
	if (!s->oldest)
		s->oldest = e;
}

/* The entry for key in s, or NULL (lock held). */
static cache_entry *find(cache_shard *s, const char *key, uint64_t hash)
{
	for (cache_entry *e = *bucket_of(s, hash); e; e = e->next_in_bucket)
		if (e->hash == hash && !strcmp(e->key, key))
			return e;
	return NULL;
}

/* Unlink e from its bucket and the LRU list and free it (lock held). */
static void drop(sky_cache *c, cache_shard *s, cache_entry *e)
{
	cache_entry **p = bucket_of(s, e->hash);

	while (*p != e)
		p = &(*p)->next_in_bucket;
	*p = e->next_in_bucket;
	lru_unlink(s, e);
	s->bytes -= e->size;
	strata_metric_add(c->bytes, -(double)e->size);
	entry_free(e);
}

int sky_cache_get(sky_cache *c, const char *key, uint64_t gen, strata_http_response *resp)
{
	uint64_t hash = key_hash(key);
	cache_shard *s = shard_of(c, hash);
	int hit = 0;

	pthread_mutex_lock(&s->lock);
	cache_entry *e = find(s, key, hash);
	if (e && e->gen < gen)
		drop(c, s, e); /* computed before the last catalog change */
	else if (e && e->gen == gen &&
	         !strata_http_respond(resp, e->status, e->content_type, e->body, e->body_len)) {
		snprintf(resp->extra_headers, sizeof resp->extra_headers, "%s", e->headers);
		lru_unlink(s, e);
		lru_push_newest(s, e);
		hit = 1;
	}
	pthread_mutex_unlock(&s->lock);
	strata_metric_add(hit ? c->hits : c->misses, 1);
	return hit;
}

/* A new entry holding a copy of resp, or NULL (out of memory). */
static cache_entry *entry_new(const char *key, uint64_t hash, uint64_t gen,
                              const strata_http_response *resp)
{
	size_t klen = strlen(key);
	cache_entry *e = calloc(1, sizeof *e + klen + 1);

	if (!e)
		return NULL;
	memcpy(e->key, key, klen + 1);
	e->hash = hash;
	e->gen = gen;
	e->status = resp->status;
	snprintf(e->content_type, sizeof e->content_type, "%s", resp->content_type);
	e->body_len = resp->body.len;
	e->headers = strdup(resp->extra_headers);
	e->body = malloc(e->body_len + 1);
	if (!e->headers || !e->body) {
		entry_free(e);
		return NULL;
	}
	if (e->body_len)
		memcpy(e->body, resp->body.data, e->body_len);
	e->size = sizeof *e + klen + 1 + strlen(e->headers) + 1 + e->body_len + 1;
	return e;
}

void sky_cache_put(sky_cache *c, const char *key, uint64_t gen, const strata_http_response *resp)
{
	uint64_t hash = key_hash(key);
	cache_shard *s = shard_of(c, hash);
	cache_entry *e, *old;

	if (resp->body.len > c->entry_max || !(e = entry_new(key, hash, gen, resp)))
		return;
	pthread_mutex_lock(&s->lock);
	if ((old = find(s, key, hash)) && old->gen > gen) {
		pthread_mutex_unlock(&s->lock); /* a fresher answer is already there */
		entry_free(e);
		return;
	}
	if (old)
		drop(c, s, old);
	while (s->oldest && s->bytes + e->size > c->shard_budget) {
		/* NOLINTNEXTLINE(clang-analyzer-unix.Malloc): drop moves s->oldest on */
		drop(c, s, s->oldest);
		strata_metric_add(c->evictions, 1);
	}
	e->next_in_bucket = *bucket_of(s, hash);
	*bucket_of(s, hash) = e;
	lru_push_newest(s, e);
	s->bytes += e->size;
	strata_metric_add(c->bytes, (double)e->size);
	pthread_mutex_unlock(&s->lock);
}

size_t sky_cache_bytes(sky_cache *c)
{
	size_t total = 0;

	for (int i = 0; i < SHARDS; i++) {
		pthread_mutex_lock(&c->shards[i].lock);
		total += c->shards[i].bytes;
		pthread_mutex_unlock(&c->shards[i].lock);
	}
	return total;
}

/* --- the API's side ------------------------------------------------------------ */

/* The GET routes that only read the catalog: their answers depend on the
 * route, the query and the catalog's content, nothing else (not on files,
 * clocks or the caller: every authorised caller reads the same). Every
 * table they read must carry the generation trigger on PostgreSQL
 * (catalog.c, migration 2). */
static const char *const cacheable_patterns[] = {
    "/api/v1/openapi.json",
    "/api/v1/images",
    "/api/v1/images/{id}",
    "/api/v1/images/{id}/provenance",
    "/api/v1/images/{id}/qa",
    "/api/v1/ms",
    "/api/v1/ms/{id}",
    "/api/v1/ms/{id}/provenance",
    "/api/v1/ms/{id}/calibrator-matches",
    "/api/v1/sources",
    "/api/v1/sources/{id}",
    "/api/v1/sources/{id}/lightcurve",
    "/api/v1/sources/{id}/variability",
    "/api/v1/jobs",
    "/api/v1/jobs/summary",
    "/api/v1/jobs/{id}",
    "/api/v1/batch",
    "/api/v1/batch/{id}",
    "/api/v1/calibration",
    "/api/v1/calibration/{id}",
    "/api/v1/qa",
    "/api/v1/qa/{id}",
    "/api/v1/stats",
};

int api_cache_init(sky_api *api)
{
	size_t n = sizeof cacheable_patterns / sizeof cacheable_patterns[0];

	if (api->cfg.cache_mb <= 0)
		return 0;
	if (!(api->cacheable = calloc((size_t)sky_api_n_routes, 1)))
		return strata_error_set(STRATA_ENOMEM, "out of memory");
	for (int i = 0; i < sky_api_n_routes; i++)
		for (size_t k = 0; k < n; k++)
			if (!strcmp(sky_api_routes[i].method, "GET") &&
			    !strcmp(sky_api_routes[i].pattern, cacheable_patterns[k]))
				api->cacheable[i] = 1;
	return sky_cache_open(api->cfg.catalog, (size_t)api->cfg.cache_mb << 20, api->metrics,
	                      &api->cache);
}

void api_cache_free(sky_api *api)
{
	sky_cache_close(api->cache);
	free(api->cacheable);
	api->cache = NULL;
	api->cacheable = NULL;
}

/* The cache key of r: "METHOD path?query"; 0, or -1 when it does not fit. */
static int request_key(const api_req *r, char *key, size_t len)
{
	int n = snprintf(key, len, "%s %s?%s", r->http->method, r->http->path, r->http->query);
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

/* The catalog generation now: SQLite's from the cache's watch connection,
 * PostgreSQL's on the request's pooled connection (many at once). */
static int current_generation(api_req *r, uint64_t *gen)
{
	strata_db_stmt *st;
	int rc;

	if (r->api->backend != STRATA_DB_POSTGRES)
		return sky_cache_generation(r->api->cache, gen);
	if ((rc = api_stmt(r, sky_cache_generation_sql(), &st)) ||
	    (rc = sky_cache_generation_read(r->api->cache, st, gen)))
		if (r->session)
			r->session->broken = 1; /* drop the statement; the handler retries */
	return rc;
}

int api_cache_lookup(api_req *r, int route)
{
	char key[2048];

	r->cache_store = 0;
	if (!r->api->cache || !r->api->cacheable[route] || request_key(r, key, sizeof key) ||
	    current_generation(r, &r->cache_gen))
		return 0;
	if (sky_cache_get(r->api->cache, key, r->cache_gen, r->resp))
		return 1;
	r->cache_store = 1;
	return 0;
}

void api_cache_store(api_req *r)
{
	char key[2048];

	if (r->cache_store && r->resp->status == 200 && !r->csp && !request_key(r, key, sizeof key))
		sky_cache_put(r->api->cache, key, r->cache_gen, r->resp);
}
