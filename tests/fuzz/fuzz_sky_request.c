/* fuzz_sky_request.c - whole requests through the sky API's handler: method,
 * path and query, credentials and a JSON body, against a small catalog.
 * Input: "METHOD PATH?QUERY\nKEY-OR-TOKEN\nBODY". Every answer must be a
 * status in 200..599 with a body. */
#include "sky/api.h"
#include "sky/catalog.h"
#include "sky/seed.h"
#include "strata/http.h"
#include "strata/log.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static sky_api *api;

static void setup(void)
{
	static char path[64];
	static const sky_api_key keys[] = {{"ops", "ops-key-0123456789", 3}};
	sky_seed_counts n = {5, 20, 3, 30};
	sky_api_config c;
	strata_db *db;

	snprintf(path, sizeof path, "/tmp/fuzz-sky-%d.db", (int)getpid());
	unlink(path);
	strata_log_set_level(STRATA_LOG_OFF);
	if (sky_catalog_open(path, &db) || sky_seed(db, &n))
		abort();
	strata_db_close(db);
	sky_api_config_default(&c);
	c.catalog = path;
	c.port = 0;
	c.threads = 1;
	c.pool_size = 2;
	c.keys = keys;
	c.n_keys = 1;
	c.jwt_secret = "0123456789abcdef0123456789abcdef";
	if (sky_api_start(&c, &api))
		abort();
}

/* Split data at the first newline into buf (NUL-terminated); advance. */
static const char *take_line(const uint8_t **data, size_t *size, char *buf, size_t len)
{
	size_t i = 0;

	while (i < *size && (*data)[i] != '\n')
		i++;
	size_t n = i < len - 1 ? i : len - 1;
	memcpy(buf, *data, n);
	buf[n] = 0;
	*data += i < *size ? i + 1 : i;
	*size -= i < *size ? i + 1 : i;
	return buf;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char line[2048], cred[1024], method[16], *query;
	strata_http_header headers[2];
	strata_http_response resp;
	strata_http_request req;
	char *body;

	if (!api)
		setup();
	take_line(&data, &size, line, sizeof line);
	take_line(&data, &size, cred, sizeof cred);
	if (sscanf(line, "%15s", method) != 1)
		return 0;
	char *path = strchr(line, ' ');
	path = path ? path + 1 : "/";
	if ((query = strchr(path, '?')))
		*query++ = 0;
	if (!(body = malloc(size + 1)))
		return 0;
	memcpy(body, data, size);
	body[size] = 0;
	headers[0] = (strata_http_header){cred[0] == 'B' ? "Authorization" : "X-API-Key", cred};
	headers[1] = (strata_http_header){"Content-Type", "application/json"};
	req = (strata_http_request){
	    method, path, query ? query : "", "127.0.0.1", headers, cred[0] ? 2 : 1, body, size};
	if (!cred[0])
		headers[0] = headers[1];
	memset(&resp, 0, sizeof resp);
	resp.status = 200;
	sky_api_handle(api, &req, &resp);
	if (resp.status < 200 || resp.status > 599 || !resp.body.len)
		abort();
	strata_buf_free(&resp.body);
	free(body);
	return 0;
}
