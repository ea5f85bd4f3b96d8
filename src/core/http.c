/* http.c - embedded HTTP server over CivetWeb; see include/strata/http.h. */
#include "strata/http.h"

#include "strata/error.h"
#include "strata/log.h"

#include <civetweb.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct http_route {
	struct http_route *next;
	char *path;
	size_t path_len;
	int prefix;
	strata_http_handler fn;
	void *user;
} http_route;

typedef struct http_ws_route {
	struct http_ws_route *next;
	strata_ws_handlers h;
	void *user;
} http_ws_route;

struct strata_http_server {
	struct mg_context *ctx;
	http_ws_route *ws_routes;
	int port;
	size_t max_body;
	int keep_alive;
	strata_http_error_fn error_response; /* NULL: plain text */
	void *error_user;
	pthread_rwlock_t lock; /* guards routes */
	http_route *routes;
};

static pthread_once_t library_once = PTHREAD_ONCE_INIT;

static void library_init(void)
{
	mg_init_library(0);
}

void strata_http_options_default(strata_http_options *o)
{
	o->host = "127.0.0.1";
	o->port = 0;
	o->threads = 4;
	o->max_body = (size_t)1 << 20;
	o->request_timeout_ms = 10000;
	o->keep_alive = 0;
	o->error_response = NULL;
	o->error_user = NULL;
}

/* CivetWeb's own messages (bind failures, bad requests) go to the log. */
static int log_civetweb(const struct mg_connection *conn, const char *message)
{
	strata_log(STRATA_LOG_DEBUG, "http server", "detail", message);
	return 1;
}

/* The route for path: an exact route, else the longest matching prefix.
 * Called with the read lock held. */
static const http_route *route_find(const strata_http_server *s, const char *path)
{
	const http_route *best = NULL;
	size_t len = strlen(path);

	for (const http_route *r = s->routes; r; r = r->next) {
		if (!r->prefix && r->path_len == len && !memcmp(r->path, path, len))
			return r;
		if (r->prefix && r->path_len <= len && !memcmp(r->path, path, r->path_len) &&
		    (!best || r->path_len > best->path_len))
			best = r;
	}
	return best;
}

static const char *status_text(int status)
{
	const char *t = mg_get_response_code_text(NULL, status);
	return t ? t : "";
}

/* Send resp on conn (headers + body); the connection stays open when the
 * server keeps connections alive and CivetWeb agrees for this request. */
/* Bodies up to this size go out with their headers in one write (one
 * system call and, with TCP_NODELAY, one segment instead of two). */
#define ONE_WRITE_MAX 16384

static void send_response(struct mg_connection *conn, const strata_http_response *resp,
                          int head_only)
{
	const strata_http_server *s = mg_get_user_data(mg_get_context(conn));
	size_t len = resp->body.len, body = head_only ? 0 : len;
	int keep = s && s->keep_alive;
	char out[1024 + sizeof resp->extra_headers + sizeof resp->content_type + ONE_WRITE_MAX];
	int n = snprintf(out, sizeof out - ONE_WRITE_MAX,
	                 "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
	                 "Cache-Control: no-store\r\n%sConnection: %s\r\n\r\n",
	                 resp->status, status_text(resp->status), resp->content_type, len,
	                 resp->extra_headers, keep ? "keep-alive" : "close");

	if (n < 0 || (size_t)n >= sizeof out - ONE_WRITE_MAX)
		return; /* cannot happen: the fields are bounded */
	if (body && body <= ONE_WRITE_MAX) {
		memcpy(out + n, strata_buf_cstr(&resp->body), body);
		mg_write(conn, out, (size_t)n + body);
		return;
	}
	mg_write(conn, out, (size_t)n);
	if (body)
		mg_write(conn, strata_buf_cstr(&resp->body), body);
}

static void response_init(strata_http_response *resp)
{
	memset(resp, 0, sizeof *resp);
	resp->status = 200;
	snprintf(resp->content_type, sizeof resp->content_type, "text/plain; charset=utf-8");
}

/* Send an answer the server makes itself: message as plain text, or as the
 * options' error_response formats it. Returns the status sent. */
static int send_error(struct mg_connection *conn, const strata_http_server *s,
                      const strata_http_request *req, int status, const char *message)
{
	strata_http_response resp;

	response_init(&resp);
	strata_http_respond(&resp, status, NULL, message, strlen(message));
	strata_buf_putc(&resp.body, '\n');
	if (s->error_response)
		s->error_response(req, status, message, &resp, s->error_user);
	send_response(conn, &resp, !strcmp(req->method, "HEAD"));
	status = resp.status;
	strata_buf_free(&resp.body);
	return status;
}

/* Read the whole body into *out (NUL-terminated). Returns 0, 413 when it is
 * over max, or 400 when the connection breaks. */
static int read_body(struct mg_connection *conn, const struct mg_request_info *ri, size_t max,
                     strata_buf *out)
{
	char chunk[8192];
	int n;

	if (ri->content_length > 0 && (unsigned long long)ri->content_length > max)
		return 413;
	while ((n = mg_read(conn, chunk, sizeof chunk)) > 0) {
		if (out->len + (size_t)n > max)
			return 413;
		if (strata_buf_append(out, chunk, (size_t)n))
			return 500;
	}
	if (n < 0)
		return 400;
	return 0;
}

/* The request as handlers see it (headers point into CivetWeb's copy). */
static void request_init(const struct mg_request_info *ri, strata_http_header *headers,
                         int max_headers, const strata_buf *body, strata_http_request *req)
{
	int nh = ri->num_headers < max_headers ? ri->num_headers : max_headers;

	for (int i = 0; i < nh; i++)
		headers[i] =
		    (strata_http_header){ri->http_headers[i].name, ri->http_headers[i].value};
	*req = (strata_http_request){ri->request_method,
	                             ri->local_uri ? ri->local_uri : "/",
	                             ri->query_string ? ri->query_string : "",
	                             ri->remote_addr,
	                             headers,
	                             nh,
	                             strata_buf_cstr(body),
	                             body->len};
}

/* The one CivetWeb handler: read the body, route, call, answer. */
static int dispatch(struct mg_connection *conn, void *cbdata)
{
	strata_http_server *s = cbdata;
	const struct mg_request_info *ri = mg_get_request_info(conn);
	strata_http_header headers[64];
	strata_buf body = {0};
	strata_http_response resp;
	strata_http_request req;
	const http_route *route;
	int rc, status;

	if ((status = read_body(conn, ri, s->max_body, &body))) {
		strata_buf_free(&body);
		request_init(ri, headers, 64, &body, &req);
		return send_error(conn, s, &req, status,
		                  status == 413 ? "request body too large" : "bad request body");
	}
	request_init(ri, headers, 64, &body, &req);
	response_init(&resp);
	pthread_rwlock_rdlock(&s->lock);
	route = route_find(s, req.path);
	if (!route) {
		pthread_rwlock_unlock(&s->lock);
		status = send_error(conn, s, &req, 404, "not found");
		strata_buf_free(&body);
		return status;
	}
	strata_error_clear();
	rc = route->fn(&req, &resp, route->user);
	pthread_rwlock_unlock(&s->lock);
	if (rc < 0) {
		strata_log(STRATA_LOG_WARN, "http handler failed", "path", req.path, "error",
		           strata_error_message());
		strata_buf_free(&resp.body);
		status = send_error(conn, s, &req, 500, strata_error_message());
	} else {
		send_response(conn, &resp, !strcmp(req.method, "HEAD"));
		status = resp.status;
		strata_buf_free(&resp.body);
	}
	strata_buf_free(&body);
	return status;
}

/* The bound port: the first listening port CivetWeb reports. */
static int bound_port(struct mg_context *ctx)
{
	struct mg_server_port ports[4];
	int n = mg_get_server_ports(ctx, 4, ports);

	return n > 0 ? ports[0].port : -1;
}

static int check_options(const strata_http_options *o)
{
	if (!o->host || !*o->host || strchr(o->host, ',') || strchr(o->host, ':'))
		return strata_error_set(STRATA_EINVAL, "http: invalid host '%s'",
		                        o->host ? o->host : "");
	if (o->port < 0 || o->port > 65535)
		return strata_error_set(STRATA_EINVAL, "http: port %d out of range 0..65535",
		                        o->port);
	if (o->threads < 1 || o->threads > 1024)
		return strata_error_set(STRATA_EINVAL, "http: threads %d out of range 1..1024",
		                        o->threads);
	if (o->request_timeout_ms < 1)
		return strata_error_set(STRATA_EINVAL, "http: request timeout must be positive");
	return 0;
}

int strata_http_start(const strata_http_options *o, strata_http_server **out)
{
	char ports[300], threads[16], timeout[16];
	struct mg_callbacks cb;
	strata_http_server *s;
	int rc;

	*out = NULL;
	if ((rc = check_options(o)))
		return rc;
	pthread_once(&library_once, library_init);
	if (!(s = calloc(1, sizeof *s)))
		return strata_error_set(STRATA_ENOMEM, "http: out of memory");
	s->max_body = o->max_body;
	s->keep_alive = o->keep_alive;
	s->error_response = o->error_response;
	s->error_user = o->error_user;
	pthread_rwlock_init(&s->lock, NULL);
	snprintf(ports, sizeof ports, "%s:%d", o->host, o->port);
	snprintf(threads, sizeof threads, "%d", o->threads);
	snprintf(timeout, sizeof timeout, "%d", o->request_timeout_ms);
	const char *options[] = {"listening_ports", ports, "num_threads", threads,
	                         "request_timeout_ms", timeout, "enable_keep_alive",
	                         o->keep_alive ? "yes" : "no", "keep_alive_timeout_ms", timeout,
	                         /* headers and body are two writes: no Nagle delay */
	                         "tcp_nodelay", o->keep_alive ? "1" : "0", NULL};
	memset(&cb, 0, sizeof cb);
	cb.log_message = log_civetweb;
	s->ctx = mg_start(&cb, s, options);
	if (!s->ctx) {
		pthread_rwlock_destroy(&s->lock);
		free(s);
		return strata_error_set(STRATA_EIO, "http: cannot listen on %s:%d", o->host,
		                        o->port);
	}
	s->port = bound_port(s->ctx);
	mg_set_request_handler(s->ctx, "/", dispatch, s);
	*out = s;
	return 0;
}

int strata_http_port(const strata_http_server *s)
{
	return s->port;
}

int strata_http_route(strata_http_server *s, const char *path, int prefix, strata_http_handler fn,
                      void *user)
{
	http_route *r;

	if (!path || path[0] != '/' || !fn)
		return strata_error_set(STRATA_EINVAL,
		                        "http: a route needs a path starting with '/'");
	pthread_rwlock_wrlock(&s->lock);
	for (r = s->routes; r; r = r->next)
		if (r->prefix == !!prefix && !strcmp(r->path, path))
			break;
	if (!r) {
		if (!(r = calloc(1, sizeof *r)) || !(r->path = strdup(path))) {
			free(r);
			pthread_rwlock_unlock(&s->lock);
			return strata_error_set(STRATA_ENOMEM, "http: out of memory");
		}
		r->path_len = strlen(path);
		r->prefix = !!prefix;
		r->next = s->routes;
		s->routes = r;
	}
	r->fn = fn;
	r->user = user;
	pthread_rwlock_unlock(&s->lock);
	return 0;
}

void strata_http_stop(strata_http_server *s)
{
	if (!s)
		return;
	mg_stop(s->ctx); /* joins the worker threads */
	for (http_route *r = s->routes, *next; r; r = next) {
		next = r->next;
		free(r->path);
		free(r);
	}
	for (http_ws_route *w = s->ws_routes, *next; w; w = next) {
		next = w->next;
		free(w);
	}
	pthread_rwlock_destroy(&s->lock);
	free(s);
}

/* --- WebSocket ------------------------------------------------------------ */

/* Before the handshake: build a request from the upgrade and ask open. */
static int ws_connect(const struct mg_connection *conn, void *cbdata)
{
	const http_ws_route *w = cbdata;
	const struct mg_request_info *ri = mg_get_request_info(conn);
	strata_http_header headers[64];
	void *conn_user = NULL;
	int nh = ri->num_headers < 64 ? ri->num_headers : 64;

	for (int i = 0; i < nh; i++)
		headers[i] =
		    (strata_http_header){ri->http_headers[i].name, ri->http_headers[i].value};
	strata_http_request req = {ri->request_method,
	                           ri->local_uri ? ri->local_uri : "/",
	                           ri->query_string ? ri->query_string : "",
	                           ri->remote_addr,
	                           headers,
	                           nh,
	                           "",
	                           0};
	if (w->h.open(&req, w->user, &conn_user))
		return 1; /* refused: CivetWeb closes the connection */
	mg_set_user_connection_data(conn, conn_user);
	return 0;
}

static void ws_ready(struct mg_connection *conn, void *cbdata)
{
	const http_ws_route *w = cbdata;

	if (w->h.ready)
		w->h.ready((strata_ws *)conn, mg_get_user_connection_data(conn), w->user);
}

/* Client frames are ignored; a close frame ends the connection. */
static int ws_data(struct mg_connection *conn, int bits, char *data, size_t len, void *cbdata)
{
	return (bits & 0x0f) != MG_WEBSOCKET_OPCODE_CONNECTION_CLOSE;
}

static void ws_close(const struct mg_connection *conn, void *cbdata)
{
	const http_ws_route *w = cbdata;
	strata_ws *ws;

	/* CivetWeb hands a const connection; the handler only forgets it. */
	memcpy(&ws, &conn, sizeof(void *)); /* drop const without a cast */
	if (w->h.closed)
		w->h.closed(ws, mg_get_user_connection_data(conn), w->user);
}

int strata_http_websocket(strata_http_server *s, const char *path, const strata_ws_handlers *h,
                          void *user)
{
	http_ws_route *w;

	if (!path || path[0] != '/' || !h || !h->open)
		return strata_error_set(STRATA_EINVAL, "http: a websocket route needs a path and "
		                                       "an open handler");
	if (!mg_check_feature(16))
		return strata_error_set(STRATA_EUNSUPPORTED,
		                        "http: CivetWeb was built without WebSocket support");
	if (!(w = calloc(1, sizeof *w)))
		return strata_error_set(STRATA_ENOMEM, "http: out of memory");
	w->h = *h;
	w->user = user;
	pthread_rwlock_wrlock(&s->lock);
	w->next = s->ws_routes;
	s->ws_routes = w;
	pthread_rwlock_unlock(&s->lock);
	mg_set_websocket_handler(s->ctx, path, ws_connect, ws_ready, ws_data, ws_close, w);
	return 0;
}

int strata_ws_send_text(strata_ws *ws, const char *text, size_t len)
{
	if (mg_websocket_write((struct mg_connection *)ws, MG_WEBSOCKET_OPCODE_TEXT, text, len) < 0)
		return strata_error_set(STRATA_EIO, "http: websocket write failed");
	return 0;
}

const char *strata_http_header_get(const strata_http_request *req, const char *name)
{
	for (int i = 0; i < req->n_headers; i++)
		if (!strcasecmp(req->headers[i].name, name))
			return req->headers[i].value;
	return NULL;
}

int strata_http_query_get(const strata_http_request *req, const char *name, char *buf,
                          size_t buflen)
{
	int n = mg_get_var(req->query, strlen(req->query), name, buf, buflen);

	if (n == -1)
		return STRATA_ENOTFOUND;
	if (n < 0)
		return strata_error_set(STRATA_ELIMIT, "http: query parameter %s too long", name);
	return 0;
}

int strata_http_respond(strata_http_response *resp, int status, const char *content_type,
                        const char *body, size_t len)
{
	if (status < 100 || status > 999)
		return strata_error_set(STRATA_EINVAL, "http: status %d out of range", status);
	if (content_type) {
		if (strpbrk(content_type, "\r\n") ||
		    strlen(content_type) >= sizeof resp->content_type)
			return strata_error_set(STRATA_EINVAL, "http: invalid content type");
		snprintf(resp->content_type, sizeof resp->content_type, "%s", content_type);
	}
	resp->status = status;
	strata_buf_reset(&resp->body);
	return len ? strata_buf_append(&resp->body, body, len) : 0;
}

int strata_http_header_add(strata_http_response *resp, const char *name, const char *value)
{
	size_t used = strlen(resp->extra_headers);

	if (!*name || strpbrk(name, "\r\n:") || strpbrk(value, "\r\n"))
		return strata_error_set(STRATA_EINVAL, "http: invalid header %s", name);
	if (used + strlen(name) + strlen(value) + 5 > sizeof resp->extra_headers)
		return strata_error_set(STRATA_ELIMIT, "http: response headers too long");
	snprintf(resp->extra_headers + used, sizeof resp->extra_headers - used, "%s: %s\r\n", name,
	         value);
	return 0;
}
