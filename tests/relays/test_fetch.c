/* test_fetch.c - documents over HTTP from a real local server: download,
 * conditional GET (304), retries, fallback to the cached copy, paths. */
#include "testutil.h"

#include "relays/fetch.h"
#include "strata/file.h"
#include "strata/http.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LAST_MODIFIED "Mon, 23 Nov 2026 12:00:00 GMT"
#define BODY          "{\"relays\":[]}"

typedef struct server_state {
	atomic_int requests, not_modified;
	atomic_int fail;    /* answer 500 */
	atomic_int garbage; /* answer 200 with truncated JSON */
} server_state;

static int handler(const strata_http_request *req, strata_http_response *resp, void *user)
{
	server_state *st = user;
	atomic_fetch_add(&st->requests, 1);
	if (atomic_load(&st->fail))
		return strata_http_respond(resp, 500, NULL, "down", 4);
	if (atomic_load(&st->garbage))
		return strata_http_respond(resp, 200, "application/json", "{\"relays\":[", 11);
	const char *since = strata_http_header_get(req, "If-Modified-Since");
	if (since && !strcmp(since, LAST_MODIFIED)) {
		atomic_fetch_add(&st->not_modified, 1);
		return strata_http_respond(resp, 304, NULL, "", 0);
	}
	strata_http_header_add(resp, "Last-Modified", LAST_MODIFIED);
	return strata_http_respond(resp, 200, "application/json", BODY, strlen(BODY));
}

static void read_file(const char *path, char *out, size_t n)
{
	char *data = NULL;
	size_t len = 0;
	assert_ok(strata_file_read_all(path, 0, &data, &len));
	snprintf(out, n, "%s", data);
	free(data);
}

static void test_download_304_fallback(void **state)
{
	server_state st = {0};
	strata_http_options ho;
	strata_http_options_default(&ho);
	strata_http_server *srv = NULL;
	assert_ok(strata_http_start(&ho, &srv));
	assert_ok(strata_http_route(srv, "/details", 0, handler, &st));
	char url[128], cache[512], text[256];
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/details", strata_http_port(srv));
	snprintf(cache, sizeof(cache), "%s/cache", strata_test_dir);
	fetch_options o;
	fetch_options_default(&o);
	o.cache_dir = cache;
	o.backoff_ms = 10;
	o.timeout_s = 10;

	char *path = NULL;
	fetch_source src;
	assert_ok(fetch_document(url, &o, &path, &src));
	assert_int_equal(src, FETCH_DOWNLOADED);
	read_file(path, text, sizeof(text));
	assert_string_equal(text, BODY);
	free(path);

	assert_ok(fetch_document(url, &o, &path, &src)); /* revalidated */
	assert_int_equal(src, FETCH_NOT_MODIFIED);
	assert_int_equal(atomic_load(&st.not_modified), 1);
	read_file(path, text, sizeof(text));
	assert_string_equal(text, BODY);
	free(path);

	atomic_store(&st.fail, 1);
	int before = atomic_load(&st.requests);
	assert_ok(fetch_document(url, &o, &path, &src)); /* 3 tries, then the cache */
	assert_int_equal(src, FETCH_FALLBACK);
	assert_int_equal(atomic_load(&st.requests) - before, 3);
	read_file(path, text, sizeof(text));
	assert_string_equal(text, BODY);
	free(path);

	/* a truncated 200 never replaces the good copy */
	atomic_store(&st.fail, 0);
	atomic_store(&st.garbage, 1);
	assert_ok(fetch_document(url, &o, &path, &src));
	assert_int_equal(src, FETCH_FALLBACK);
	read_file(path, text, sizeof(text));
	assert_string_equal(text, BODY);
	free(path);
	atomic_store(&st.garbage, 0);
	atomic_store(&st.fail, 1);

	/* another URL, never cached: an error naming it */
	char other[160];
	snprintf(other, sizeof(other), "%s-other", url);
	assert_ok(strata_http_route(srv, "/details-other", 0, handler, &st));
	int rc = fetch_document(other, &o, &path, &src);
	assert_int_equal(rc, STRATA_EIO);
	assert_non_null(strstr(strata_error_message(), "HTTP status 500"));
	assert_null(path);
	strata_http_stop(srv);
}

static void test_local_paths(void **state)
{
	fetch_options o;
	fetch_options_default(&o);
	char *path = NULL;
	fetch_source src;
	assert_ok(fetch_document("file:///tmp/x.json", &o, &path, &src));
	assert_string_equal(path, "/tmp/x.json");
	assert_int_equal(src, FETCH_LOCAL);
	free(path);
	assert_ok(fetch_document("rel/details.json", &o, &path, &src));
	assert_string_equal(path, "rel/details.json");
	free(path);
	assert_true(fetch_is_remote("HTTPS://x"));
	assert_false(fetch_is_remote("ftp://x"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_download_304_fallback),
	    cmocka_unit_test(test_local_paths),
	};
	return cmocka_run_group_tests(tests, strata_test_dir_setup, strata_test_dir_teardown);
}
