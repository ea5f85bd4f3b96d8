/*
 * api.h - the `strata sky serve` REST API over the catalog.
 *
 * One route table drives the router, the per-route metrics and the OpenAPI
 * document. Requests pass, in order: route match (static segments beat
 * parameters at the first position where two patterns differ; a path known
 * under another method is 405), authentication (X-API-Key or a HS256 bearer
 * token), scope check (reads may be opened by configuration, writes never),
 * per-key and per-IP rate limits (429 with Retry-After), query-parameter
 * validation, then for catalog reads the response cache (api_cache.h: an
 * answer computed under the current catalog generation), else the handler.
 * Every error is {"error", "message", "details"}.
 */
#ifndef STRATA_SKY_API_H
#define STRATA_SKY_API_H

#include <stddef.h>
#include <stdint.h>

#define SKY_SCOPE_READ  1
#define SKY_SCOPE_WRITE 2

typedef struct sky_api_key {
	const char *name; /* who, for logs and rate limits (never the key) */
	const char *key;
	int scopes; /* SKY_SCOPE_* */
} sky_api_key;

typedef struct sky_api_config {
	const char *catalog; /* path or URL */
	const char *host;
	int port;      /* 0: any free port */
	int threads;   /* HTTP threads (one per open keep-alive connection) */
	int pool_size; /* catalog connections */
	int cache_mb;  /* response cache for catalog reads (MiB); 0: none */
	size_t max_body;
	int read_open; /* reads without credentials */
	const sky_api_key *keys;
	size_t n_keys;
	const char *jwt_secret;   /* NULL: bearer tokens refused */
	double rate_ip, rate_key; /* requests per second; 0: unlimited */
	double rate_burst;        /* bucket size; 0: max(rate, 1) */
	const char *const *roots; /* directories files may be served from */
	size_t n_roots;
	const char *log_dir;   /* job logs (also a root for logs) */
	const char *disk_path; /* checked by the detailed health */
	double disk_min_free_gb;
} sky_api_config;

/* Defaults: 127.0.0.1, port 8000, 64 threads, pool 0 (chosen by
 * sky_api_default_pool_size at start), 64 KiB bodies, a 64 MiB response
 * cache, reads closed, no limits. */
void sky_api_config_default(sky_api_config *c);

/* The default pool: 4 connections per online CPU, 8..32. */
int sky_api_default_pool_size(void);

typedef struct sky_api sky_api;

int sky_api_start(const sky_api_config *c, sky_api **out);

/* Serve one request in the calling thread (what the server does for each;
 * for fuzzing and tests). resp must come from a zeroed struct with status
 * 200; the caller frees resp->body. */
struct strata_http_request;
struct strata_http_response;
int sky_api_handle(sky_api *api, const struct strata_http_request *req,
                   struct strata_http_response *resp);
int sky_api_port(const sky_api *api);
void sky_api_stop(sky_api *api);

/* --- parts exposed for tests ---------------------------------------------- */

/* The index of the route for method and path in the route table, or -1 when
 * no pattern matches (*method_mismatch is 1 when a pattern matches under
 * another method). Path parameters go to params (up to 4, each < 128). */
int sky_api_route_find(const char *method, const char *path, int *method_mismatch,
                       char params[][128], int *n_params);

/* The pattern of route i ("/api/v1/images/{id}"), or NULL past the end. */
const char *sky_api_route_pattern(int i);

/* Verify a HS256 token: 0 and *scopes, or STRATA_EAUTH with a reason.
 * subject (64 bytes) gets "sub" (or ""). */
int sky_jwt_verify(const char *secret, const char *token, double now, int *scopes, char *subject);

/* Make a HS256 token for subject with scopes, expiring at exp (0: never).
 * The caller frees *out. */
int sky_jwt_sign(const char *secret, const char *subject, int scopes, double exp, char **out);

/* The deepest nesting of arrays and objects in JSON text (strings skipped);
 * checked before parsing untrusted JSON, since the parser recurses and
 * request threads have small stacks. */
int sky_json_depth(const char *s, size_t n);

/* A token-bucket rate limiter keyed by strings. */
typedef struct sky_ratelimit sky_ratelimit;
int sky_ratelimit_new(double rate, double burst, sky_ratelimit **out);
void sky_ratelimit_free(sky_ratelimit *rl);
/* Take one token for key at time now (seconds): 0 allowed, else the seconds
 * to wait (>= 1) for a token. */
int sky_ratelimit_take(sky_ratelimit *rl, const char *key, double now);

/* Whether the file path lies inside one of roots after resolving links and
 * "..": 0 and the resolved path in resolved (PATH_MAX), else STRATA_EPERM
 * (outside) or STRATA_ENOTFOUND. */
int sky_path_confine(const char *path, const char *const *roots, size_t n_roots, char *resolved);

#endif
