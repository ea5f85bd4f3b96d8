/* api.c - the sky API's server core: routing, auth, limits, sessions,
 * errors and metrics; the handlers are in api_routes.c. See api.h. */
#include "sky/api_internal.h"

#include "strata/error.h"
#include "strata/log.h"
#include "strata/time.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <openssl/crypto.h>
#include <openssl/sha.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

int sky_api_default_pool_size(void)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	/* Measured on 2 cores with 50 clients (docs/sky.md, Performance): 16
	 * connections left long p99 tails (threads sharing the CPU inside the
	 * database and JSON work, 50-500 ms), 4 starved the cheap routes (every
	 * request waits for a hand-over; PostgreSQL detail lost a quarter of its
	 * throughput); 8 kept the throughput with p99 of 8-23 ms. */
	return cpus < 2 ? 8 : cpus > 8 ? 32 : (int)(4 * cpus);
}

void sky_api_config_default(sky_api_config *c)
{
	memset(c, 0, sizeof *c);
	c->host = "127.0.0.1";
	c->port = 8000;
	c->threads = 64;
	c->pool_size = 0; /* by backend: sky_api_default_pool_size */
	c->max_body = 64 * 1024;
	c->cache_mb = 64;
}

/* --- routing ---------------------------------------------------------------- */

/* Split path into segments (at most 8) in place; returns the count or -1. */
static int split_path(char *path, char *seg[8])
{
	int n = 0;

	for (char *p = path; *p;) {
		if (*p == '/') {
			*p++ = 0;
			continue;
		}
		if (n == 8)
			return -1;
		seg[n++] = p;
		while (*p && *p != '/')
			p++;
	}
	return n;
}

/* Match pattern against the path's segments: -1 when it does not match,
 * else a specificity score (a bit per literal segment, earlier = higher). */
static int pattern_score(const char *pattern, char *const *seg, int nseg, char params[][128],
                         int *np)
{
	char buf[128], *pseg[8];
	int n, score = 0;

	snprintf(buf, sizeof buf, "%s", pattern);
	if ((n = split_path(buf, pseg)) != nseg)
		return -1;
	*np = 0;
	for (int i = 0; i < n; i++) {
		if (pseg[i][0] == '{') {
			if (*np >= API_MAX_PARAMS || strlen(seg[i]) >= 128)
				return -1;
			snprintf(params[(*np)++], 128, "%s", seg[i]);
			continue;
		}
		if (strcmp(pseg[i], seg[i]) != 0)
			return -1;
		score |= 1 << (7 - i);
	}
	return score;
}

int sky_api_route_find(const char *method, const char *path, int *method_mismatch,
                       char params[][128], int *n_params)
{
	char buf[512], *seg[8], tmp[API_MAX_PARAMS][128];
	int nseg, best = -1, best_score = -1, np;

	*method_mismatch = 0;
	*n_params = 0;
	if (strlen(path) >= sizeof buf)
		return -1;
	snprintf(buf, sizeof buf, "%s", path);
	if ((nseg = split_path(buf, seg)) < 0)
		return -1;
	for (int i = 0; i < sky_api_n_routes; i++) {
		int score = pattern_score(sky_api_routes[i].pattern, seg, nseg, tmp, &np);
		if (score < 0)
			continue;
		if (strcmp(sky_api_routes[i].method, method) != 0 &&
		    !(!strcmp(method, "HEAD") && !strcmp(sky_api_routes[i].method, "GET"))) {
			*method_mismatch = 1;
			continue;
		}
		if (score > best_score) {
			best = i;
			best_score = score;
			memcpy(params, tmp, sizeof tmp);
			*n_params = np;
		}
	}
	if (best >= 0)
		*method_mismatch = 0;
	return best;
}

const char *sky_api_route_pattern(int i)
{
	return i >= 0 && i < sky_api_n_routes ? sky_api_routes[i].pattern : NULL;
}

/* --- responses -------------------------------------------------------------- */

/* The headers of every answer; csp NULL: nothing may load (JSON). */
static void security_headers(strata_http_response *resp, const char *csp)
{
	strata_http_header_add(resp, "X-Content-Type-Options", "nosniff");
	strata_http_header_add(resp, "X-Frame-Options", "DENY");
	strata_http_header_add(resp, "Referrer-Policy", "no-referrer");
	strata_http_header_add(resp, "Content-Security-Policy",
	                       csp ? csp : "default-src 'none'; frame-ancestors 'none'");
}

int api_json(api_req *r, int status, strata_buf *body)
{
	strata_http_respond(r->resp, status, "application/json", NULL, 0);
	strata_buf_free(&r->resp->body);
	r->resp->body = *body;
	*body = (strata_buf)STRATA_BUF_INIT;
	return 0;
}

int api_error(api_req *r, int status, const char *code, const char *details, const char *fmt, ...)
{
	strata_buf b = STRATA_BUF_INIT;
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	strata_buf_puts(&b, "{\"error\":");
	strata_buf_json_string(&b, code);
	strata_buf_puts(&b, ",\"message\":");
	strata_buf_json_string(&b, msg);
	strata_buf_printf(&b, ",\"details\":%s}", details ? details : "{}");
	return api_json(r, status, &b);
}

int api_fail(api_req *r, int rc)
{
	const char *msg = strata_error_message();

	if (r->session)
		r->session->broken = 1;
	switch (rc) {
	case STRATA_ENOTFOUND: return api_error(r, 404, "not_found", NULL, "%s", msg);
	case STRATA_EINVAL:
	case STRATA_EPARSE:
	case STRATA_ESCHEMA: return api_error(r, 400, "invalid_request", NULL, "%s", msg);
	case STRATA_EEXIST: return api_error(r, 409, "conflict", NULL, "%s", msg);
	case STRATA_EBUSY:
		strata_http_header_add(r->resp, "Retry-After", "1");
		return api_error(r, 503, "busy", NULL, "the catalog is locked or busy; retry");
	case STRATA_EPERM: return api_error(r, 403, "forbidden", NULL, "%s", msg);
	case STRATA_EUNSUPPORTED: return api_error(r, 501, "not_implemented", NULL, "%s", msg);
	case STRATA_EDB:
	case STRATA_EIO:
		strata_log(STRATA_LOG_WARN, "request failed", "path", r->http->path, "error", msg);
		strata_http_header_add(r->resp, "Retry-After", "1");
		return api_error(r, 503, "unavailable", NULL, "%s",
		                 rc == STRATA_EDB ? "the catalog is unavailable, retry"
		                                  : "an I/O error occurred, retry");
	default:
		strata_log(STRATA_LOG_WARN, "request failed", "path", r->http->path, "error", msg);
		return api_error(r, 500, "internal", NULL, "internal error");
	}
}

/* --- sessions ----------------------------------------------------------------- */

/* The session slot of db (claimed on first sight). */
static api_session *session_of(sky_api *api, strata_db *db)
{
	api_session *s = NULL;

	pthread_mutex_lock(&api->sessions_lock);
	for (int i = 0; i < api->n_sessions && !s; i++)
		if (api->sessions[i].db == db)
			s = &api->sessions[i];
	for (int i = 0; i < api->n_sessions && !s; i++)
		if (!api->sessions[i].db) {
			s = &api->sessions[i];
			s->db = db;
		}
	pthread_mutex_unlock(&api->sessions_lock);
	return s;
}

static void session_drop_cache(api_session *s)
{
	for (int i = 0; i < s->n; i++) {
		strata_db_finalize(s->stmts[i].st);
		free(s->stmts[i].sql);
	}
	s->n = 0;
}

/* Reset the statements used, drop the cache after an error, release. */
static void session_release(sky_api *api, api_session *s)
{
	strata_db *db = s->db;

	if (s->broken) {
		session_drop_cache(s);
		pthread_mutex_lock(&api->sessions_lock);
		s->db = NULL; /* the pool may close and replace the connection */
		pthread_mutex_unlock(&api->sessions_lock);
		s->broken = 0;
	} else {
		for (int i = 0; i < s->n; i++)
			if (s->stmts[i].used) {
				strata_db_reset(s->stmts[i].st);
				s->stmts[i].used = 0;
			}
	}
	strata_db_pool_release(api->pool, db);
}

int api_db(api_req *r, strata_db **out)
{
	strata_db *db;
	int rc;

	if (!r->session) {
		if ((rc = strata_db_pool_acquire(r->api->pool, &db)))
			return rc;
		if (!(r->session = session_of(r->api, db))) {
			strata_db_pool_release(r->api->pool, db);
			return strata_error_set(STRATA_ERR, "no session slot for a connection");
		}
	}
	*out = r->session->db;
	return 0;
}

int api_stmt(api_req *r, const char *sql, strata_db_stmt **out)
{
	strata_db *db;
	api_session *s;
	int rc;

	if ((rc = api_db(r, &db)))
		return rc;
	s = r->session;
	for (int i = 0; i < s->n; i++)
		if (!strcmp(s->stmts[i].sql, sql)) {
			if (s->stmts[i].used && (rc = strata_db_reset(s->stmts[i].st)))
				return rc;
			s->stmts[i].used = 1;
			*out = s->stmts[i].st;
			return 0;
		}
	if (s->n == API_STMT_CACHE)
		session_drop_cache(s);
	if ((rc = strata_db_prepare(db, sql, out)))
		return rc;
	if (!(s->stmts[s->n].sql = strdup(sql))) {
		strata_db_finalize(*out);
		return strata_error_set(STRATA_ENOMEM, "out of memory");
	}
	s->stmts[s->n].st = *out;
	s->stmts[s->n].used = 1;
	s->n++;
	return 0;
}

int api_rows(strata_db_stmt *st, const sky_col *cols, int ncols, strata_buf *out, int max, int *n,
             int *more)
{
	int rc;

	*n = 0;
	*more = 0;
	strata_buf_putc(out, '[');
	while ((rc = strata_db_step(st)) == STRATA_DB_ROW) {
		if (*n == max) {
			*more = 1;
			break;
		}
		if (*n)
			strata_buf_putc(out, ',');
		if ((rc = sky_json_row(out, st, cols, ncols)))
			return rc;
		(*n)++;
	}
	if (rc < 0)
		return rc;
	return strata_buf_putc(out, ']');
}

/* --- query parameters ----------------------------------------------------- */

int api_query_text(api_req *r, const char *name, char *buf, size_t len)
{
	int rc = strata_http_query_get(r->http, name, buf, len);

	if (rc == STRATA_ENOTFOUND)
		return 0;
	if (rc) {
		api_error(r, 400, "invalid_parameter", NULL, "query parameter %s is too long",
		          name);
		return -1;
	}
	return 1;
}

int api_query_int(api_req *r, const char *name, int64_t lo, int64_t hi, int64_t *out)
{
	char buf[64], *end;
	long long v;
	int rc = api_query_text(r, name, buf, sizeof buf);

	if (rc <= 0)
		return rc;
	errno = 0;
	v = strtoll(buf, &end, 10);
	if (!buf[0] || *end || errno || v < lo || v > hi) {
		char details[160];
		snprintf(details, sizeof details,
		         "{\"parameter\":\"%s\",\"min\":%lld,\"max\":%lld}", name, (long long)lo,
		         (long long)hi);
		api_error(r, 400, "invalid_parameter", details,
		          "query parameter %s must be an integer in %lld..%lld", name,
		          (long long)lo, (long long)hi);
		return -1;
	}
	*out = v;
	return 1;
}

int api_query_double(api_req *r, const char *name, double *out)
{
	char buf[64], *end;
	int rc = api_query_text(r, name, buf, sizeof buf);

	if (rc <= 0)
		return rc;
	*out = strtod(buf, &end);
	if (!buf[0] || *end || !isfinite(*out)) {
		api_error(r, 400, "invalid_parameter", NULL, "query parameter %s must be a number",
		          name);
		return -1;
	}
	return 1;
}

int api_query_bool(api_req *r, const char *name, int *out)
{
	char buf[16];
	int rc = api_query_text(r, name, buf, sizeof buf);

	if (rc <= 0)
		return rc;
	if (!strcmp(buf, "true") || !strcmp(buf, "1"))
		*out = 1;
	else if (!strcmp(buf, "false") || !strcmp(buf, "0"))
		*out = 0;
	else {
		api_error(r, 400, "invalid_parameter", NULL,
		          "query parameter %s must be true or false", name);
		return -1;
	}
	return 1;
}

int api_paging(api_req *r, int dflt, int64_t *limit, int64_t *offset)
{
	*limit = dflt;
	*offset = 0;
	if (api_query_int(r, "limit", 1, 1000, limit) < 0 ||
	    api_query_int(r, "offset", 0, INT64_C(1) << 40, offset) < 0)
		return -1;
	return 0;
}

int api_param_id(api_req *r, int i, int64_t *id)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(r->params[i], &end, 10);
	if (!r->params[i][0] || *end || errno || v < 1) {
		api_error(r, 400, "invalid_id", NULL, "'%s' is not a valid id", r->params[i]);
		return -1;
	}
	*id = v;
	return 0;
}

/* Whether every query parameter name is one the route accepts; sends 400
 * naming the first unknown one. */
static int check_query_names(api_req *r, const api_route *route)
{
	const char *q = r->http->query;

	while (*q) {
		size_t n = strcspn(q, "=&");
		int known = !n;
		if (route->query)
			for (const api_param *p = route->query; p->name && !known; p++)
				known = strlen(p->name) == n && !strncmp(p->name, q, n);
		if (!known) {
			api_error(r, 400, "unknown_parameter", NULL,
			          "unknown query parameter '%.*s'", (int)(n < 64 ? n : 64), q);
			return -1;
		}
		q += strcspn(q, "&");
		if (*q == '&')
			q++;
	}
	return 0;
}

/* --- authentication ----------------------------------------------------------- */

/* The index of the API key matching presented, or -1; every key is compared
 * (constant time over the SHA-256 digests), so timing tells nothing. */
static int key_lookup(const sky_api *api, const char *presented)
{
	unsigned char d[SHA256_DIGEST_LENGTH];
	int found = -1;

	SHA256((const unsigned char *)presented, strlen(presented), d);
	for (size_t i = 0; i < api->cfg.n_keys; i++)
		if (!CRYPTO_memcmp(d, api->key_digests + i * SHA256_DIGEST_LENGTH, sizeof d))
			found = (int)i;
	return found;
}

/* Authenticate: scopes and identity from X-API-Key or Authorization: Bearer.
 * 0, or -1 when a 401 was sent (bad credentials). No credentials: scopes 0. */
static int authenticate(api_req *r, char *who, size_t wholen)
{
	const char *key = strata_http_header_get(r->http, "X-API-Key");
	const char *auth = strata_http_header_get(r->http, "Authorization");
	char sub[64];

	r->scopes = 0;
	who[0] = 0;
	if (key) {
		int i = key_lookup(r->api, key);
		if (i < 0) {
			api_error(r, 401, "unauthorized", NULL, "invalid API key");
			return -1;
		}
		r->scopes = r->api->cfg.keys[i].scopes;
		snprintf(who, wholen, "key:%s", r->api->cfg.keys[i].name);
	} else if (auth) {
		if (strncasecmp(auth, "Bearer ", 7) != 0 || !r->api->cfg.jwt_secret ||
		    sky_jwt_verify(r->api->cfg.jwt_secret, auth + 7, sky_now(), &r->scopes, sub)) {
			strata_http_header_add(r->resp, "WWW-Authenticate", "Bearer");
			api_error(r, 401, "unauthorized", NULL, "invalid bearer token: %s",
			          r->api->cfg.jwt_secret ? strata_error_message()
			                                 : "tokens are not enabled");
			return -1;
		}
		snprintf(who, wholen, "token:%s", sub);
	}
	return 0;
}

/* Scope check for route: 0 allowed, -1 when 401/403 was sent. */
static int authorize(api_req *r, const api_route *route, int has_credentials)
{
	if (!route->scope || (route->scope == SKY_SCOPE_READ && r->api->cfg.read_open) ||
	    (r->scopes & route->scope))
		return 0;
	if (!has_credentials) {
		api_error(r, 401, "unauthorized", NULL, "this route needs an API key or a token");
		return -1;
	}
	api_error(r, 403, "forbidden", NULL, "the credentials lack the %s scope",
	          route->scope == SKY_SCOPE_WRITE ? "write" : "read");
	return -1;
}

/* Rate limits: per IP always, per credential when there is one. */
static int rate_limit(api_req *r, const char *who)
{
	double now = (double)strata_time_monotonic_ns() / 1e9;
	int wait = 0;
	char after[16];

	if (r->api->rl_ip)
		wait = sky_ratelimit_take(r->api->rl_ip, r->http->remote_addr, now);
	if (!wait && who[0] && r->api->rl_key)
		wait = sky_ratelimit_take(r->api->rl_key, who, now);
	if (!wait)
		return 0;
	snprintf(after, sizeof after, "%d", wait);
	strata_http_header_add(r->resp, "Retry-After", after);
	api_error(r, 429, "rate_limited", NULL, "too many requests; retry in %d s", wait);
	return -1;
}

int api_check_read(sky_api *api, const strata_http_request *req)
{
	static const api_route ws_route = {"GET", "/ws", SKY_SCOPE_READ, NULL, "", NULL, ""};
	strata_http_response resp;
	api_req r;
	char who[96];
	int rc;

	memset(&resp, 0, sizeof resp);
	memset(&r, 0, sizeof r);
	r.api = api;
	r.http = req;
	r.resp = &resp;
	rc = authenticate(&r, who, sizeof who) || authorize(&r, &ws_route, who[0] != 0) ||
	     rate_limit(&r, who);
	strata_buf_free(&resp.body);
	return rc ? -1 : 0;
}

/* --- metrics ---------------------------------------------------------------- */

#define STATUS_SLOTS 12

struct api_route_metrics {
	strata_metric *latency;
	pthread_mutex_t lock;
	int status[STATUS_SLOTS];
	strata_metric *count[STATUS_SLOTS];
};

static const double latency_bounds[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                        0.05,   0.1,   0.25,   0.5,   1.0,  2.5};

/* Count one request of route (index, or -1 for unmatched) with status. */
static void count_request(sky_api *api, int route, int status, double seconds)
{
	struct api_route_metrics *m =
	    route >= 0 ? &api->route_metrics[route] : &api->route_metrics[sky_api_n_routes];
	strata_metric *c = NULL;
	char code[8];

	if (m->latency)
		strata_metric_observe(m->latency, seconds);
	pthread_mutex_lock(&m->lock);
	for (int i = 0; i < STATUS_SLOTS && !c; i++) {
		if (m->status[i] == status)
			c = m->count[i];
		else if (!m->status[i]) {
			const char *pattern =
			    route >= 0 ? sky_api_routes[route].pattern : "unmatched";
			const char *method = route >= 0 ? sky_api_routes[route].method : "";
			snprintf(code, sizeof code, "%d", status);
			const char *labels[] = {"route",  pattern, "method", method,
			                        "status", code,    NULL};
			if (!strata_metrics_counter(api->metrics, "sky_http_requests_total",
			                            "Requests served, by route and status.", labels,
			                            &c)) {
				m->status[i] = status;
				m->count[i] = c;
			}
		}
	}
	pthread_mutex_unlock(&m->lock);
	if (c)
		strata_metric_add(c, 1);
}

static int metrics_init(sky_api *api)
{
	int rc;

	if (!(api->metrics = strata_metrics_new()) ||
	    !(api->route_metrics =
	          calloc((size_t)sky_api_n_routes + 1, sizeof *api->route_metrics)))
		return strata_error_set(STRATA_ENOMEM, "out of memory");
	for (int i = 0; i <= sky_api_n_routes; i++) {
		pthread_mutex_init(&api->route_metrics[i].lock, NULL);
		if (i == sky_api_n_routes)
			break;
		const char *labels[] = {"route", sky_api_routes[i].pattern, "method",
		                        sky_api_routes[i].method, NULL};
		if ((rc =
		         strata_metrics_histogram(api->metrics, "sky_http_request_duration_seconds",
		                                  "Request latency, by route.", latency_bounds,
		                                  sizeof latency_bounds / sizeof latency_bounds[0],
		                                  labels, &api->route_metrics[i].latency)))
			return rc;
	}
	return 0;
}

/* --- dispatch ---------------------------------------------------------------- */

int api_reconnect(api_req *r)
{
	if (!r->session || !strata_db_exec(r->session->db, "SELECT 1"))
		return 0;
	strata_log(STRATA_LOG_WARN, "catalog connection lost; reconnecting", "path", r->http->path,
	           "error", strata_error_message());
	r->session->broken = 1;
	session_release(r->api, r->session);
	r->session = NULL;
	return 1;
}

/* Whether to run a read once more after it failed with a database error:
 * when its connection was lost (api_reconnect). Writes are never repeated. */
static int reconnect_for_retry(api_req *r, const api_route *rt, int rc)
{
	return rc == STRATA_EDB && !strcmp(rt->method, "GET") && api_reconnect(r);
}

/* Route, authenticate, authorize, limit, validate, then answer from the
 * response cache or handle (and cache). Returns the route index or -1. */
static int serve_request(api_req *r)
{
	int mismatch, route;
	char who[96];

	route =
	    sky_api_route_find(r->http->method, r->http->path, &mismatch, r->params, &r->n_params);
	if (route < 0) {
		if (mismatch)
			api_error(r, 405, "method_not_allowed", NULL, "%s is not allowed on %s",
			          r->http->method, r->http->path);
		else
			api_error(r, 404, "not_found", NULL, "no route for %s", r->http->path);
		return -1;
	}
	const api_route *rt = &sky_api_routes[route];
	if (authenticate(r, who, sizeof who) || authorize(r, rt, who[0] != 0) ||
	    rate_limit(r, who) || check_query_names(r, rt) || api_cache_lookup(r, route))
		return route;
	int rc = rt->fn(r);
	if (rc < 0 && reconnect_for_retry(r, rt, rc))
		rc = rt->fn(r);
	if (rc < 0)
		api_fail(r, rc);
	else
		api_cache_store(r);
	return route;
}

/* The strata_http handler for every path. */
static int http_entry(const strata_http_request *req, strata_http_response *resp, void *user)
{
	sky_api *api = user;
	api_req r;
	int64_t t0 = strata_time_monotonic_ns();
	int route;

	memset(&r, 0, sizeof r);
	r.api = api;
	r.http = req;
	r.resp = resp;
	route = serve_request(&r);
	security_headers(resp, r.csp);
	if (r.session)
		session_release(api, r.session);
	count_request(api, route, resp->status, (double)(strata_time_monotonic_ns() - t0) / 1e9);
	return 0;
}

/* The core server's own answers (413 body too large, 400 unreadable body,
 * 404, 500) in the API's JSON error envelope, with its security headers,
 * counted as unmatched requests. */
static void http_error_envelope(const strata_http_request *req, int status, const char *message,
                                strata_http_response *resp, void *user)
{
	sky_api *api = user;
	api_req r;
	char details[64] = "{}";
	const char *code = status == 413   ? "too_large"
	                   : status == 404 ? "not_found"
	                   : status == 400 ? "bad_request"
	                                   : "internal";

	memset(&r, 0, sizeof r);
	r.api = api;
	r.http = req;
	r.resp = resp;
	if (status == 413)
		snprintf(details, sizeof details, "{\"max_body\":%zu}", api->cfg.max_body);
	strata_buf_reset(&resp->body);
	resp->extra_headers[0] = '\0';
	api_error(&r, status, code, details, "%s", message);
	security_headers(resp, NULL);
	count_request(api, -1, status, 0);
}

int sky_api_handle(sky_api *api, const strata_http_request *req, strata_http_response *resp)
{
	return http_entry(req, resp, api);
}

/* --- start / stop ------------------------------------------------------------ */

static int keys_init(sky_api *api)
{
	api->key_digests = calloc(api->cfg.n_keys + 1, SHA256_DIGEST_LENGTH);
	if (!api->key_digests)
		return strata_error_set(STRATA_ENOMEM, "out of memory");
	for (size_t i = 0; i < api->cfg.n_keys; i++) {
		const char *k = api->cfg.keys[i].key;
		if (!k || strlen(k) < 16)
			return strata_error_set(
			    STRATA_EINVAL, "API key %s: keys need at least 16 characters",
			    api->cfg.keys[i].name ? api->cfg.keys[i].name : "?");
		SHA256((const unsigned char *)k, strlen(k),
		       api->key_digests + i * SHA256_DIGEST_LENGTH);
	}
	return 0;
}

static int limits_init(sky_api *api)
{
	int rc = 0;

	if (api->cfg.rate_ip > 0)
		rc = sky_ratelimit_new(api->cfg.rate_ip, api->cfg.rate_burst, &api->rl_ip);
	if (!rc && api->cfg.rate_key > 0)
		rc = sky_ratelimit_new(api->cfg.rate_key, api->cfg.rate_burst, &api->rl_key);
	return rc;
}

/* Open the pool (migrating the catalog first) and the session slots. */
static int catalog_init(sky_api *api)
{
	strata_db *db;
	int rc;

	if ((rc = sky_catalog_open(api->cfg.catalog, &db)))
		return rc;
	api->backend = strata_db_backend_of(db);
	if (sky_catalog_generation_compact(db))
		strata_log(STRATA_LOG_WARN, "cannot compact the catalog generation table", "error",
		           strata_error_message());
	strata_db_close(db);
	if ((rc = strata_db_pool_open(api->cfg.catalog, api->cfg.pool_size, &api->pool)))
		return rc;
	api->n_sessions = api->cfg.pool_size;
	if (!(api->sessions = calloc((size_t)api->n_sessions, sizeof *api->sessions)))
		return strata_error_set(STRATA_ENOMEM, "out of memory");
	return 0;
}

int sky_api_start(const sky_api_config *c, sky_api **out)
{
	strata_http_options ho;
	sky_api *api;
	int rc;

	*out = NULL;
	if (c->pool_size < 0 || c->pool_size > 256 || c->threads < 1 || c->threads > 1024)
		return strata_error_set(STRATA_EINVAL,
		                        "sky serve: pool size or threads out of range");
	if (!(api = calloc(1, sizeof *api)))
		return strata_error_set(STRATA_ENOMEM, "out of memory");
	api->cfg = *c;
	if (!api->cfg.pool_size)
		api->cfg.pool_size = sky_api_default_pool_size();
	api->started = sky_now();
	pthread_mutex_init(&api->sessions_lock, NULL);
	if ((rc = keys_init(api)) || (rc = limits_init(api)) || (rc = metrics_init(api)) ||
	    (rc = catalog_init(api)) || (rc = api_cache_init(api)))
		goto fail;
	strata_http_options_default(&ho);
	ho.host = c->host;
	ho.port = c->port;
	ho.threads = c->threads;
	ho.max_body = c->max_body;
	ho.keep_alive = 1;
	ho.error_response = http_error_envelope;
	ho.error_user = api;
	if ((rc = strata_http_start(&ho, &api->http)) ||
	    (rc = strata_http_route(api->http, "/", 1, http_entry, api)) ||
	    (rc = api_ws_start(api)))
		goto fail;
	*out = api;
	return 0;
fail:
	sky_api_stop(api);
	return rc;
}

int sky_api_port(const sky_api *api)
{
	return strata_http_port(api->http);
}

void sky_api_stop(sky_api *api)
{
	if (!api)
		return;
	strata_http_stop(api->http); /* closes WebSockets first */
	api_ws_stop(api);
	for (int i = 0; i < api->n_sessions; i++)
		session_drop_cache(&api->sessions[i]);
	free(api->sessions);
	strata_db_pool_close(api->pool);
	api_cache_free(api);
	if (api->route_metrics)
		for (int i = 0; i <= sky_api_n_routes; i++)
			pthread_mutex_destroy(&api->route_metrics[i].lock);
	free(api->route_metrics);
	strata_metrics_free(api->metrics);
	sky_ratelimit_free(api->rl_ip);
	sky_ratelimit_free(api->rl_key);
	free(api->key_digests);
	pthread_mutex_destroy(&api->sessions_lock);
	free(api);
}

/* --- file confinement -------------------------------------------------------- */

int sky_path_confine(const char *path, const char *const *roots, size_t n_roots, char *resolved)
{
	char root[PATH_MAX];

	if (!realpath(path, resolved))
		return strata_error_set(errno == ENOENT ? STRATA_ENOTFOUND : STRATA_EPERM,
		                        "file not available");
	for (size_t i = 0; i < n_roots; i++) {
		size_t n;
		if (!realpath(roots[i], root))
			continue;
		n = strlen(root);
		if (!strncmp(resolved, root, n) &&
		    (resolved[n] == '/' || resolved[n] == 0 || (n == 1 && root[0] == '/')))
			return 0;
	}
	return strata_error_set(STRATA_EPERM, "file is outside the served directories");
}
