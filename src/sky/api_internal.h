/*
 * api_internal.h - what the API's server core (api.c) and its handlers
 * (api_routes.c) share: the request context, the route table, catalog
 * sessions with cached prepared statements, and the error envelope.
 */
#ifndef STRATA_SKY_API_INTERNAL_H
#define STRATA_SKY_API_INTERNAL_H

#include "sky/api.h"
#include "sky/api_cache.h"
#include "sky/catalog.h"
#include "strata/db.h"
#include "strata/http.h"
#include "strata/metrics.h"

#include <pthread.h>

#define API_MAX_PARAMS 4
#define API_STMT_CACHE 48

/* A catalog connection from the pool with its prepared-statement cache. */
typedef struct api_session {
	strata_db *db;
	int broken; /* an error happened: drop the cache before release */
	int n;
	struct {
		char *sql;
		strata_db_stmt *st;
		int used;
	} stmts[API_STMT_CACHE];
} api_session;

typedef struct api_req {
	struct sky_api *api;
	const strata_http_request *http;
	strata_http_response *resp;
	char params[API_MAX_PARAMS][128];
	int n_params;
	int scopes;           /* granted scopes */
	api_session *session; /* acquired lazily by api_db */
	const char *csp;      /* Content-Security-Policy; NULL: none allowed */
	int cache_store;      /* keep the answer in the cache under cache_gen */
	uint64_t cache_gen;
} api_req;

typedef int (*api_handler)(api_req *r);

/* A query parameter a route accepts: name, type ('i' integer, 'n' number,
 * 't' text, 'b' boolean) and a description for OpenAPI. */
typedef struct api_param {
	const char *name;
	char type;
	const char *help;
} api_param;

typedef struct api_route {
	const char *method, *pattern;
	int scope; /* 0 public, SKY_SCOPE_READ, SKY_SCOPE_WRITE */
	api_handler fn;
	const char *summary;
	const api_param *query; /* NULL-terminated (name NULL), or NULL */
	const char *id_type;    /* the path parameters' kinds: "i" integer, "u" UUID */
} api_route;

extern const api_route sky_api_routes[];
extern const int sky_api_n_routes;

struct sky_api {
	sky_api_config cfg;
	strata_http_server *http;
	strata_db_pool *pool;
	strata_metrics *metrics;
	pthread_mutex_t sessions_lock;
	api_session *sessions; /* one per pool connection */
	int n_sessions;
	unsigned char *key_digests; /* SHA-256 of each API key */
	sky_ratelimit *rl_ip, *rl_key;
	struct api_route_metrics *route_metrics;
	double started;
	struct api_ws_hub *ws;    /* WebSocket subscribers and their pusher */
	int backend;              /* the catalog's strata_db_backend */
	sky_cache *cache;         /* NULL: responses are not cached */
	unsigned char *cacheable; /* per route: a pure catalog read */
};

/* --- responses ------------------------------------------------------------ */

/* Send the error envelope; details is raw JSON or NULL ({}). Returns 0. */
int api_error(api_req *r, int status, const char *code, const char *details, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* Send body (JSON) with status. Returns 0. */
int api_json(api_req *r, int status, strata_buf *body);

/* Map a strata error code to an HTTP status and error code and send it. */
int api_fail(api_req *r, int rc);

/* --- catalog access --------------------------------------------------------- */

/* A cached prepared statement for sql on this request's session (acquired
 * on first use), reset and ready to bind. */
int api_stmt(api_req *r, const char *sql, strata_db_stmt **out);

/* After a database error: when the request's connection is gone (the
 * PostgreSQL server restarted), hand it back to the pool, which reconnects
 * or replaces it, and return 1: the next api_db/api_stmt gets a fresh one.
 * 0 when the connection still answers (or none was acquired). */
int api_reconnect(api_req *r);

/* The request's connection (for transactions with fresh statements). */
int api_db(api_req *r, strata_db **out);

/* Run st and append its rows (cols) as a JSON array to out; stop after max
 * rows; *n gets how many were written, *more whether another row followed. */
int api_rows(strata_db_stmt *st, const sky_col *cols, int ncols, strata_buf *out, int max, int *n,
             int *more);

/* --- parameters ------------------------------------------------------------- */

/* Query parameter name: 1 present (value in buf), 0 absent, < 0 sent. */
int api_query_text(api_req *r, const char *name, char *buf, size_t len);
int api_query_int(api_req *r, const char *name, int64_t lo, int64_t hi, int64_t *out);
int api_query_double(api_req *r, const char *name, double *out);
int api_query_bool(api_req *r, const char *name, int *out);

/* limit (1..1000, default dflt) and offset (>= 0): 0, or < 0 when an error
 * was sent. */
int api_paging(api_req *r, int dflt, int64_t *limit, int64_t *offset);

/* Path parameter i as a positive integer id (400 sent when not). */
int api_param_id(api_req *r, int i, int64_t *id);

/* Whether req may read (credentials, scope, rate limit): 0 or -1. */
int api_check_read(sky_api *api, const strata_http_request *req);

/* The job as JSON (the API's job object); STRATA_ENOTFOUND when absent. */
int api_job_json(strata_db *db, const char *id, strata_buf *out);

/* WebSocket routes: /api/v1/ws/jobs/{id}, /api/v1/ws/pipeline (also
 * /ws/pipeline), pushing changes once a second. */
int api_ws_start(sky_api *api);
void api_ws_stop(sky_api *api);

/* The dashboard's page, script and stylesheet (api_dashboard.c). */
int api_dashboard_page(api_req *r);
int api_dashboard_script(api_req *r);
int api_dashboard_style(api_req *r);

/* The response cache around a route's handler (api_cache.c): before it,
 * 1 when the answer came from the cache; after it, keep a 200 answer. */
int api_cache_lookup(api_req *r, int route);
void api_cache_store(api_req *r);

/* Open the cache (cfg.cache_mb > 0) and mark the cacheable routes. */
int api_cache_init(sky_api *api);
void api_cache_free(sky_api *api);

/* The OpenAPI document of the route table. */
int api_openapi(strata_buf *out);

/* Render /metrics (refreshing the pipeline gauges first). */
int api_metrics_render(api_req *r, strata_buf *out);

#endif
