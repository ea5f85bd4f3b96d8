/*
 * http.h - a small embedded HTTP/1.1 server (CivetWeb) for metrics and REST
 * endpoints.
 *
 *   strata_http_options o;
 *   strata_http_options_default(&o);          // 127.0.0.1, port 0: any free port
 *   strata_http_server *s;
 *   strata_http_start(&o, &s);
 *   strata_http_route(s, "/metrics", 0, metrics_handler, reg);
 *   strata_http_route(s, "/api/", 1, api_handler, app);  // path prefix
 *   printf("listening on %d\n", strata_http_port(s));
 *   ...
 *   strata_http_stop(s);                       // waits for running requests
 *
 * A handler sees a read-only request (method, path, query, headers, the whole
 * body, read up to the server's body limit) and fills a response (status,
 * content type, extra headers, body). Routes are matched exactly first, then
 * by the longest prefix; no route is 404, a body over the limit is 413 (the
 * handler is not called). A handler returning a negative strata_error gets a
 * 500 with the error message as text. These answers the server makes itself
 * are plain text unless options.error_response formats them (an API's JSON
 * error envelope, say). Handlers run on the server's threads
 * (options.threads at once) and must be thread-safe. Routes may be added
 * while the server runs. The server serves no files.
 */
#ifndef STRATA_HTTP_H
#define STRATA_HTTP_H

#include "strata/buf.h"

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct strata_http_server strata_http_server;

typedef struct strata_http_request strata_http_request;
typedef struct strata_http_response strata_http_response;

/* Formats an answer the server makes itself: 400 (the body could not be
 * read), 404 (no route), 413 (body over max_body; req->body is then empty)
 * or 500 (the handler failed). resp arrives with that status and message as
 * a plain-text body; the formatter may replace the body, content type and
 * headers (the status it sets is sent too). Runs on a request thread. */
typedef void (*strata_http_error_fn)(const strata_http_request *req, int status,
                                     const char *message, strata_http_response *resp, void *user);

typedef struct strata_http_options {
	const char *host;       /* address to bind ("127.0.0.1", "0.0.0.0") */
	int port;               /* 0: any free port (see strata_http_port) */
	int threads;            /* request threads (>= 1) */
	size_t max_body;        /* request bodies above this are refused (413) */
	int request_timeout_ms; /* per request read/write timeout */
	int keep_alive;         /* 1: HTTP/1.1 keep-alive (a thread per open connection) */
	strata_http_error_fn error_response; /* NULL: plain-text errors */
	void *error_user;                    /* passed to error_response */
} strata_http_options;

/* 127.0.0.1, port 0, 4 threads, 1 MiB bodies, 10 s timeout, no keep-alive,
 * plain-text errors. */
void strata_http_options_default(strata_http_options *o);

typedef struct strata_http_header {
	const char *name, *value;
} strata_http_header;

struct strata_http_request {
	const char *method;      /* "GET", "POST", ... */
	const char *path;        /* decoded path, without the query */
	const char *query;       /* raw query string, "" when none */
	const char *remote_addr; /* client address */
	const strata_http_header *headers;
	int n_headers;
	const char *body; /* NUL-terminated copy of the body ("" when none) */
	size_t body_len;
};

struct strata_http_response {
	int status;              /* 200 unless set */
	char content_type[128];  /* "text/plain; charset=utf-8" unless set */
	char extra_headers[512]; /* "Name: value\r\n" lines */
	strata_buf body;
};

/* A handler: fill resp; return 0, or a negative strata_error (500). */
typedef int (*strata_http_handler)(const strata_http_request *req, strata_http_response *resp,
                                   void *user);

/* Start listening. Errors: STRATA_EINVAL (options), STRATA_EIO (bind). */
int strata_http_start(const strata_http_options *o, strata_http_server **out);

/* The port actually bound (useful with port 0). */
int strata_http_port(const strata_http_server *s);

/* Route path (exactly, or every path starting with it when prefix) to fn.
 * path must start with '/'; the same path and kind again replaces the route. */
int strata_http_route(strata_http_server *s, const char *path, int prefix, strata_http_handler fn,
                      void *user);

/* Stop listening, wait for running handlers, free everything. NULL is fine. */
void strata_http_stop(strata_http_server *s);

/* The value of a request header (case-insensitive name), or NULL. */
const char *strata_http_header_get(const strata_http_request *req, const char *name);

/* Value of a query parameter (URL-decoded into buf), 0 or STRATA_ENOTFOUND
 * or STRATA_ELIMIT when it does not fit. */
int strata_http_query_get(const strata_http_request *req, const char *name, char *buf,
                          size_t buflen);

/* Set status, content type (NULL: keep) and body (copied; len bytes). */
int strata_http_respond(strata_http_response *resp, int status, const char *content_type,
                        const char *body, size_t len);

/* Add a response header; STRATA_EINVAL for CR/LF in name or value,
 * STRATA_ELIMIT when the headers do not fit. */
int strata_http_header_add(strata_http_response *resp, const char *name, const char *value);

/* --- WebSocket (RFC 6455) ----------------------------------------------- */

typedef struct strata_ws strata_ws; /* one open connection */

typedef struct strata_ws_handlers {
	/* Accept (return 0) or refuse (non-zero) a connection; req carries the
	 * path, query and headers, no body. *conn_user goes to the others. */
	int (*open)(const strata_http_request *req, void *user, void **conn_user);
	/* The handshake is done: ws may be written to from any thread. */
	void (*ready)(strata_ws *ws, void *conn_user, void *user);
	/* The connection is gone: ws must not be used once this returns. */
	void (*closed)(strata_ws *ws, void *conn_user, void *user);
} strata_ws_handlers;

/* Accept WebSocket connections to path and below it ("/ws" takes
 * "/ws/pipeline"). Messages from clients are ignored. Add before clients
 * connect; removed by strata_http_stop. STRATA_EUNSUPPORTED when CivetWeb was
 * built without WebSocket support. */
int strata_http_websocket(strata_http_server *s, const char *path, const strata_ws_handlers *h,
                          void *user);

/* Send one text message (thread-safe while the connection is open). */
int strata_ws_send_text(strata_ws *ws, const char *text, size_t len);

#ifdef __cplusplus
}
#endif
#endif
