/* test_http.c - the embedded HTTP server, through real sockets on 127.0.0.1. */
#include "testutil.h"

#include "strata/buf.h"
#include "strata/http.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Send raw request text to 127.0.0.1:port and read the reply until EOF. */
static void http_exchange(int port, const char *request, size_t len, strata_buf *reply)
{
	struct sockaddr_in a = {0};
	char chunk[4096];
	ssize_t n;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
	for (size_t off = 0; off < len; off += (size_t)n) {
		n = write(fd, request + off, len - off);
		if (n <= 0)
			break; /* the server may refuse before reading everything */
	}
	while ((n = read(fd, chunk, sizeof chunk)) > 0)
		strata_buf_append(reply, chunk, (size_t)n);
	close(fd);
}

static void get(int port, const char *path, strata_buf *reply)
{
	char req[512];
	int n = snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
	                 path);
	strata_buf_reset(reply);
	http_exchange(port, req, (size_t)n, reply);
}

static int hello(const strata_http_request *req, strata_http_response *resp, void *user)
{
	const char *ua = strata_http_header_get(req, "x-test");
	char name[32] = "";

	(void)strata_http_query_get(req, "name", name, sizeof name);
	strata_buf_printf(&resp->body, "%s %s %s q=%s name=%s ua=%s", (const char *)user,
	                  req->method, req->path, req->query, name, ua ? ua : "-");
	return strata_http_header_add(resp, "X-Served-By", "strata");
}

static int echo(const strata_http_request *req, strata_http_response *resp, void *user)
{
	(void)user;
	return strata_http_respond(resp, 201, "application/octet-stream", req->body, req->body_len);
}

static int failing(const strata_http_request *req, strata_http_response *resp, void *user)
{
	(void)req, (void)resp, (void)user;
	return strata_error_set(STRATA_EPARSE, "bad thing happened");
}

static strata_http_server *start(size_t max_body)
{
	strata_http_options o;
	strata_http_server *s;

	strata_http_options_default(&o);
	o.threads = 2;
	o.max_body = max_body;
	assert_ok(strata_http_start(&o, &s));
	assert_true(strata_http_port(s) > 0);
	return s;
}

static void test_routes(void **state)
{
	(void)state;
	strata_http_server *s = start(1024);
	int port = strata_http_port(s);
	strata_buf r = {0};

	assert_ok(strata_http_route(s, "/hello", 0, hello, "exact"));
	assert_ok(strata_http_route(s, "/api/", 1, hello, "api"));
	assert_ok(strata_http_route(s, "/api/v2/", 1, hello, "v2"));
	assert_ok(strata_http_route(s, "/fail", 0, failing, NULL));

	get(port, "/hello?name=a%20b", &r);
	assert_non_null(strstr(strata_buf_cstr(&r), "HTTP/1.1 200"));
	assert_non_null(strstr(strata_buf_cstr(&r), "X-Served-By: strata\r\n"));
	assert_non_null(strstr(strata_buf_cstr(&r), "exact GET /hello q=name=a%20b name=a b ua=-"));

	get(port, "/api/x/y", &r);
	assert_non_null(strstr(strata_buf_cstr(&r), "api GET /api/x/y"));
	get(port, "/api/v2/items", &r);
	assert_non_null(strstr(strata_buf_cstr(&r), "v2 GET /api/v2/items"));
	get(port, "/hello/more", &r);
	assert_non_null(strstr(strata_buf_cstr(&r), "HTTP/1.1 404"));
	get(port, "/", &r);
	assert_non_null(strstr(strata_buf_cstr(&r), "HTTP/1.1 404"));

	get(port, "/fail", &r);
	assert_non_null(strstr(strata_buf_cstr(&r), "HTTP/1.1 500"));
	assert_non_null(strstr(strata_buf_cstr(&r), "bad thing happened"));

	/* A route replaced while running. */
	assert_ok(strata_http_route(s, "/hello", 0, hello, "again"));
	const char *req = "GET /hello HTTP/1.1\r\nHost: x\r\nX-Test: yes\r\n\r\n";
	strata_buf_reset(&r);
	http_exchange(port, req, strlen(req), &r);
	assert_non_null(strstr(strata_buf_cstr(&r), "again GET /hello q= name= ua=yes"));

	assert_int_equal(strata_http_route(s, "nope", 0, hello, NULL), STRATA_EINVAL);
	strata_buf_free(&r);
	strata_http_stop(s);
}

static void test_body_limit(void **state)
{
	(void)state;
	strata_http_server *s = start(16);
	int port = strata_http_port(s);
	strata_buf r = {0};
	char req[512];
	int n;

	assert_ok(strata_http_route(s, "/echo", 0, echo, NULL));
	n = snprintf(req, sizeof req,
	             "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\nhello world");
	http_exchange(port, req, (size_t)n, &r);
	assert_non_null(strstr(strata_buf_cstr(&r), "HTTP/1.1 201"));
	assert_non_null(strstr(strata_buf_cstr(&r), "Content-Type: application/octet-stream"));
	assert_non_null(strstr(strata_buf_cstr(&r), "Content-Length: 11\r\n"));
	assert_non_null(strstr(strata_buf_cstr(&r), "\r\n\r\nhello world"));

	strata_buf_reset(&r);
	n = snprintf(req, sizeof req,
	             "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 17\r\n\r\n"
	             "0123456789abcdefg");
	http_exchange(port, req, (size_t)n, &r);
	assert_non_null(strstr(strata_buf_cstr(&r), "HTTP/1.1 413"));

	/* Chunked: the limit applies to the decoded body. */
	strata_buf_reset(&r);
	n = snprintf(req, sizeof req,
	             "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
	             "10\r\n0123456789abcdef\r\n5\r\n01234\r\n0\r\n\r\n");
	http_exchange(port, req, (size_t)n, &r);
	assert_non_null(strstr(strata_buf_cstr(&r), "HTTP/1.1 413"));
	strata_buf_free(&r);
	strata_http_stop(s);
}

/* The options' error formatter: the statuses and messages the server
 * answers by itself, rewritten as JSON; the handlers' own answers untouched. */
static void json_errors(const strata_http_request *req, int status, const char *message,
                        strata_http_response *resp, void *user)
{
	strata_http_respond(resp, status, "application/json", NULL, 0);
	strata_buf_printf(&resp->body,
	                  "{\"status\":%d,\"message\":\"%s\",\"path\":\"%s\",\"tag\":\"%s\"}",
	                  status, message, req->path, (const char *)user);
	strata_http_header_add(resp, "X-Error", "formatted");
}

static void test_error_formatter(void **state)
{
	(void)state;
	strata_http_options o;
	strata_http_server *s;
	strata_buf r = {0};
	char req[512];
	int n;

	strata_http_options_default(&o);
	assert_null(o.error_response);
	o.threads = 2;
	o.max_body = 16;
	o.error_response = json_errors;
	o.error_user = "t1";
	assert_ok(strata_http_start(&o, &s));
	int port = strata_http_port(s);
	assert_ok(strata_http_route(s, "/echo", 0, echo, NULL));
	assert_ok(strata_http_route(s, "/fail", 0, failing, NULL));

	n = snprintf(req, sizeof req,
	             "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 17\r\n\r\n"
	             "0123456789abcdefg");
	http_exchange(port, req, (size_t)n, &r);
	assert_non_null(strstr(strata_buf_cstr(&r), "HTTP/1.1 413"));
	assert_non_null(strstr(strata_buf_cstr(&r), "Content-Type: application/json\r\n"));
	assert_non_null(strstr(strata_buf_cstr(&r), "X-Error: formatted\r\n"));
	assert_non_null(strstr(strata_buf_cstr(&r),
	                       "\r\n\r\n{\"status\":413,\"message\":\"request body too "
	                       "large\",\"path\":\"/echo\",\"tag\":\"t1\"}"));

	get(port, "/nowhere", &r);
	assert_non_null(strstr(strata_buf_cstr(&r), "HTTP/1.1 404"));
	assert_non_null(strstr(strata_buf_cstr(&r), "{\"status\":404,\"message\":\"not found\""));
	get(port, "/fail", &r);
	assert_non_null(strstr(strata_buf_cstr(&r), "HTTP/1.1 500"));
	assert_non_null(
	    strstr(strata_buf_cstr(&r), "{\"status\":500,\"message\":\"bad thing happened\""));

	/* A handler's own answer is not the formatter's business. */
	strata_buf_reset(&r);
	n = snprintf(req, sizeof req,
	             "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi");
	http_exchange(port, req, (size_t)n, &r);
	assert_non_null(strstr(strata_buf_cstr(&r), "HTTP/1.1 201"));
	assert_null(strstr(strata_buf_cstr(&r), "X-Error"));
	strata_buf_free(&r);
	strata_http_stop(s);
}

static void test_options(void **state)
{
	(void)state;
	strata_http_options o;
	strata_http_server *s, *t;

	strata_http_options_default(&o);
	o.threads = 0;
	assert_int_equal(strata_http_start(&o, &s), STRATA_EINVAL);
	strata_http_options_default(&o);
	o.port = 70000;
	assert_int_equal(strata_http_start(&o, &s), STRATA_EINVAL);
	strata_http_options_default(&o);
	o.host = "127.0.0.1,0.0.0.0";
	assert_int_equal(strata_http_start(&o, &s), STRATA_EINVAL);

	/* A port in use is an I/O error naming the address. */
	strata_http_options_default(&o);
	assert_ok(strata_http_start(&o, &s));
	o.port = strata_http_port(s);
	assert_int_equal(strata_http_start(&o, &t), STRATA_EIO);
	assert_non_null(strstr(strata_error_message(), "127.0.0.1:"));
	strata_http_stop(s);
	strata_http_stop(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_routes),
	    cmocka_unit_test(test_body_limit),
	    cmocka_unit_test(test_error_formatter),
	    cmocka_unit_test(test_options),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
