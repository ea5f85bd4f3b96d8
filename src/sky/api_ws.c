/* api_ws.c - WebSocket pushes: a job's status (/api/v1/ws/jobs/{id}) and the
 * pipeline's counts (/api/v1/ws/pipeline, /ws/pipeline), sent when they
 * change, checked once a second. Connections need the read scope (headers,
 * or ?token=JWT for browsers, which cannot set headers on WebSockets). */
#include "sky/api_internal.h"

#include "strata/error.h"
#include "strata/log.h"
#include "strata/time.h"
#include "strata/uuid.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define WS_MAX 256

typedef struct ws_sub {
	strata_ws *ws;
	char job_id[37]; /* "" for the pipeline */
	char *last;      /* the last message sent */
} ws_sub;

typedef struct api_ws_hub {
	sky_api *api;
	pthread_mutex_t lock; /* guards subs and stop */
	pthread_cond_t wake;
	ws_sub *subs[WS_MAX];
	int n, stop, started;
	pthread_t thread;
} api_ws_hub;

/* Parse the WebSocket path into a subscription; -1 when unknown. */
static int parse_target(const char *path, ws_sub *s)
{
	static const char jobs[] = "/api/v1/ws/jobs/";
	strata_uuid u;

	if (!strcmp(path, "/api/v1/ws/pipeline") || !strcmp(path, "/ws/pipeline"))
		return 0;
	if (strncmp(path, jobs, sizeof jobs - 1) != 0 ||
	    strata_uuid_parse(path + sizeof jobs - 1, &u))
		return -1;
	snprintf(s->job_id, sizeof s->job_id, "%s", path + sizeof jobs - 1);
	return 0;
}

/* Authorise with the request's headers, or ?token= as a bearer token. */
static int ws_authorised(sky_api *api, const strata_http_request *req)
{
	strata_http_header headers[65];
	char token[4200], bearer[4300];
	strata_http_request r = *req;

	if (strata_http_query_get(req, "token", token, sizeof token) == 0) {
		int n = req->n_headers < 64 ? req->n_headers : 64;
		memcpy(headers, req->headers, (size_t)n * sizeof *headers);
		snprintf(bearer, sizeof bearer, "Bearer %s", token);
		headers[n] = (strata_http_header){"Authorization", bearer};
		r.headers = headers;
		r.n_headers = n + 1;
	}
	return api_check_read(api, &r);
}

static int ws_open(const strata_http_request *req, void *user, void **conn_user)
{
	api_ws_hub *hub = user;
	ws_sub *s = calloc(1, sizeof *s);

	if (!s || parse_target(req->path, s) || ws_authorised(hub->api, req)) {
		free(s);
		return -1;
	}
	*conn_user = s;
	return 0;
}

static void ws_ready(strata_ws *ws, void *conn_user, void *user)
{
	api_ws_hub *hub = user;
	ws_sub *s = conn_user;

	pthread_mutex_lock(&hub->lock);
	s->ws = ws;
	if (hub->n < WS_MAX)
		hub->subs[hub->n++] = s;
	pthread_cond_signal(&hub->wake); /* first message now */
	pthread_mutex_unlock(&hub->lock);
}

static void ws_closed(strata_ws *ws, void *conn_user, void *user)
{
	api_ws_hub *hub = user;
	ws_sub *s = conn_user;

	if (!s)
		return;
	pthread_mutex_lock(&hub->lock);
	for (int i = 0; i < hub->n; i++)
		if (hub->subs[i] == s) {
			hub->subs[i] = hub->subs[--hub->n];
			break;
		}
	pthread_mutex_unlock(&hub->lock);
	free(s->last);
	free(s);
}

/* Append {"value": count, ...} of a GROUP BY query. */
static int counts_object(strata_db *db, const char *sql, strata_buf *out)
{
	strata_db_stmt *st;
	int rc, n = 0;

	if ((rc = strata_db_prepare(db, sql, &st)))
		return rc;
	strata_buf_putc(out, '{');
	while ((rc = strata_db_step(st)) == STRATA_DB_ROW) {
		const char *k = strata_db_column_text(st, 0);
		if (n++)
			strata_buf_putc(out, ',');
		strata_buf_json_string(out, k ? k : "");
		strata_buf_printf(out, ":%lld", (long long)strata_db_column_int64(st, 1));
	}
	strata_db_finalize(st);
	strata_buf_putc(out, '}');
	return rc < 0 ? rc : 0;
}

static int pipeline_message(strata_db *db, strata_buf *out)
{
	int rc;

	strata_buf_puts(out, "{\"type\":\"pipeline\",\"ms_by_stage\":");
	if ((rc = counts_object(db, "SELECT stage, COUNT(*) FROM ms GROUP BY stage", out)))
		return rc;
	strata_buf_puts(out, ",\"ms_by_status\":");
	if ((rc = counts_object(db, "SELECT status, COUNT(*) FROM ms GROUP BY status", out)))
		return rc;
	strata_buf_puts(out, ",\"jobs_by_status\":");
	if ((rc = counts_object(db, "SELECT status, COUNT(*) FROM jobs GROUP BY status", out)))
		return rc;
	return strata_buf_putc(out, '}');
}

static int job_message(strata_db *db, const char *id, strata_buf *out)
{
	int rc;

	strata_buf_puts(out, "{\"type\":\"job\",\"job\":");
	rc = api_job_json(db, id, out);
	if (rc == STRATA_ENOTFOUND) {
		strata_buf_reset(out);
		strata_buf_printf(
		    out, "{\"type\":\"job\",\"job_id\":\"%s\",\"error\":\"not_found\"}", id);
		return 0;
	}
	return rc ? rc : strata_buf_putc(out, '}');
}

/* Send msg to s when it differs from the last one sent. */
static void push(ws_sub *s, strata_buf *msg)
{
	if (s->last && !strcmp(s->last, msg->data))
		return;
	if (strata_ws_send_text(s->ws, msg->data, msg->len))
		return;
	free(s->last);
	s->last = strdup(msg->data);
}

/* One round: every subscriber gets its message if it changed. */
static void push_round(api_ws_hub *hub, strata_db *db)
{
	strata_buf pipeline = STRATA_BUF_INIT, msg = STRATA_BUF_INIT;
	int have_pipeline = 0;

	for (int i = 0; i < hub->n; i++) {
		ws_sub *s = hub->subs[i];
		if (!s->job_id[0]) {
			if (!have_pipeline && pipeline_message(db, &pipeline))
				break;
			have_pipeline = 1;
			push(s, &pipeline);
			continue;
		}
		strata_buf_reset(&msg);
		if (!job_message(db, s->job_id, &msg))
			push(s, &msg);
	}
	strata_buf_free(&pipeline);
	strata_buf_free(&msg);
}

/* The pusher: once a second (or when a client becomes ready). */
static void *pusher(void *arg)
{
	api_ws_hub *hub = arg;
	strata_db *db;

	pthread_mutex_lock(&hub->lock);
	while (!hub->stop) {
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += 1;
		pthread_cond_timedwait(&hub->wake, &hub->lock, &until);
		if (hub->stop || !hub->n)
			continue;
		if (strata_db_pool_acquire(hub->api->pool, &db))
			continue;
		push_round(hub, db);
		strata_db_pool_release(hub->api->pool, db);
	}
	pthread_mutex_unlock(&hub->lock);
	return NULL;
}

int api_ws_start(sky_api *api)
{
	static const strata_ws_handlers h = {ws_open, ws_ready, ws_closed};
	api_ws_hub *hub = calloc(1, sizeof *hub);
	int rc;

	if (!hub)
		return strata_error_set(STRATA_ENOMEM, "out of memory");
	hub->api = api;
	pthread_mutex_init(&hub->lock, NULL);
	pthread_cond_init(&hub->wake, NULL);
	api->ws = hub;
	if ((rc = strata_http_websocket(api->http, "/api/v1/ws", &h, hub)) ||
	    (rc = strata_http_websocket(api->http, "/ws", &h, hub))) {
		if (rc != STRATA_EUNSUPPORTED)
			return rc;
		strata_log(STRATA_LOG_WARN, "WebSocket routes disabled", "reason",
		           strata_error_message());
		return 0;
	}
	if (pthread_create(&hub->thread, NULL, pusher, hub))
		return strata_error_set(STRATA_ERR, "cannot start the WebSocket pusher");
	hub->started = 1;
	return 0;
}

void api_ws_stop(sky_api *api)
{
	api_ws_hub *hub = api->ws;

	if (!hub)
		return;
	pthread_mutex_lock(&hub->lock);
	hub->stop = 1;
	pthread_cond_signal(&hub->wake);
	pthread_mutex_unlock(&hub->lock);
	if (hub->started)
		pthread_join(hub->thread, NULL);
	for (int i = 0; i < hub->n; i++) {
		free(hub->subs[i]->last);
		free(hub->subs[i]);
	}
	pthread_cond_destroy(&hub->wake);
	pthread_mutex_destroy(&hub->lock);
	free(hub);
	api->ws = NULL;
}
