/* test_api.c - the API's router, tokens, rate limits and path confinement. */
#include "testutil.h"

#include "sky/api.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *find(const char *method, const char *path, int *mismatch, char *param0)
{
	char params[4][128];
	int n, i = sky_api_route_find(method, path, mismatch, params, &n);

	if (param0)
		snprintf(param0, 128, "%s", n ? params[0] : "");
	return i < 0 ? NULL : sky_api_route_pattern(i);
}

/* Static segments win over parameters wherever they are in the table. */
static void test_router_specificity(void **state)
{
	char p[128];
	int mm;

	(void)state;
	assert_string_equal(find("GET", "/api/v1/jobs/summary", &mm, p), "/api/v1/jobs/summary");
	assert_string_equal(find("GET", "/api/v1/jobs/0193-x", &mm, p), "/api/v1/jobs/{id}");
	assert_string_equal(p, "0193-x");
	assert_string_equal(find("GET", "/api/v1/images/42/provenance", &mm, p),
	                    "/api/v1/images/{id}/provenance");
	assert_string_equal(p, "42");
	assert_string_equal(find("GET", "/api/v1/images", &mm, NULL), "/api/v1/images");
	assert_string_equal(find("GET", "/api/v1/images/", &mm, NULL), "/api/v1/images");
	assert_string_equal(find("HEAD", "/api/health", &mm, NULL), "/api/health");
	assert_string_equal(find("POST", "/api/v1/jobs", &mm, NULL), "/api/v1/jobs");
	assert_null(find("DELETE", "/api/v1/jobs", &mm, NULL));
	assert_int_equal(mm, 1);
	assert_null(find("GET", "/api/v1/nothing", &mm, NULL));
	assert_int_equal(mm, 0);
	assert_null(find("GET", "/api/v1/images/1/2/3/4/5/6/7/8/9", &mm, NULL));
}

/* Every static pattern is found as itself (no shadowing). */
static void test_router_no_shadowing(void **state)
{
	int mm;

	(void)state;
	for (int i = 0; sky_api_route_pattern(i); i++) {
		const char *pat = sky_api_route_pattern(i);
		if (strchr(pat, '{'))
			continue;
		const char *got = find("GET", pat, &mm, NULL);
		if (!got)
			got = find("POST", pat, &mm, NULL);
		assert_non_null(got);
		assert_string_equal(got, pat);
	}
}

static void test_jwt(void **state)
{
	const char *secret = "0123456789abcdef0123456789abcdef";
	char *tok, sub[64], bad[4200];
	int scopes;

	(void)state;
	assert_ok(sky_jwt_sign(secret, "alice", SKY_SCOPE_READ | SKY_SCOPE_WRITE, 2000, &tok));
	assert_ok(sky_jwt_verify(secret, tok, 1000, &scopes, sub));
	assert_int_equal(scopes, SKY_SCOPE_READ | SKY_SCOPE_WRITE);
	assert_string_equal(sub, "alice");
	assert_int_equal(sky_jwt_verify(secret, tok, 3000, &scopes, sub),
	                 STRATA_EAUTH); /* expired */
	assert_int_equal(
	    sky_jwt_verify("another-secret-another-secret-xx", tok, 1000, &scopes, sub),
	    STRATA_EAUTH);
	snprintf(bad, sizeof bad, "%s", tok);
	bad[strlen(bad) - 2] ^= 1; /* flip a signature bit */
	assert_int_equal(sky_jwt_verify(secret, bad, 1000, &scopes, sub), STRATA_EAUTH);
	free(tok);
	assert_ok(sky_jwt_sign(secret, "bob", SKY_SCOPE_READ, 0, &tok));
	assert_ok(sky_jwt_verify(secret, tok, 1e12, &scopes, sub));
	assert_int_equal(scopes, SKY_SCOPE_READ);
	free(tok);
	/* alg none, garbage, too many dots, oversize */
	assert_int_equal(sky_jwt_verify(secret, "eyJhbGciOiJub25lIn0.e30.", 0, &scopes, sub),
	                 STRATA_EAUTH);
	assert_int_equal(sky_jwt_verify(secret, "a.b.c.d", 0, &scopes, sub), STRATA_EAUTH);
	assert_int_equal(sky_jwt_verify(secret, "", 0, &scopes, sub), STRATA_EAUTH);
	memset(bad, 'a', sizeof bad - 1);
	bad[sizeof bad - 1] = 0;
	bad[10] = bad[20] = '.';
	assert_int_equal(sky_jwt_verify(secret, bad, 0, &scopes, sub), STRATA_EAUTH);
	assert_int_equal(scopes, 0);
}

static void test_ratelimit(void **state)
{
	sky_ratelimit *rl;

	(void)state;
	assert_ok(sky_ratelimit_new(2, 3, &rl));
	/* a burst of 3, then refused until tokens refill at 2/s */
	for (int i = 0; i < 3; i++)
		assert_int_equal(sky_ratelimit_take(rl, "10.0.0.1", 100.0), 0);
	assert_int_equal(sky_ratelimit_take(rl, "10.0.0.1", 100.0), 1);
	assert_int_equal(sky_ratelimit_take(rl, "10.0.0.2", 100.0), 0); /* another key */
	assert_int_equal(sky_ratelimit_take(rl, "10.0.0.1", 100.5), 0); /* one token back */
	assert_int_equal(sky_ratelimit_take(rl, "10.0.0.1", 100.5), 1);
	/* many keys: old ones are evicted, never crash */
	for (int i = 0; i < 20000; i++) {
		char key[32];
		snprintf(key, sizeof key, "k%d", i);
		assert_int_equal(sky_ratelimit_take(rl, key, 200.0), 0);
	}
	sky_ratelimit_free(rl);
	assert_int_equal(sky_ratelimit_new(0, 0, &rl), STRATA_EINVAL);
}

static void test_path_confine(void **state)
{
	char root[300], inside[400], outside[400], link[400], real[PATH_MAX], trav[500];
	const char *roots[1] = {root};

	(void)state;
	strata_test_tmpdir(root, sizeof root);
	snprintf(inside, sizeof inside, "%s/a.fits", root);
	strata_test_write_file(inside, "x");
	snprintf(outside, sizeof outside, "%s-outside.fits", root);
	strata_test_write_file(outside, "y");
	snprintf(link, sizeof link, "%s/link.fits", root);
	assert_int_equal(symlink(outside, link), 0);
	snprintf(trav, sizeof trav, "%s/../%s", root, strrchr(outside, '/') + 1);
	assert_ok(sky_path_confine(inside, roots, 1, real));
	assert_int_equal(sky_path_confine(outside, roots, 1, real), STRATA_EPERM);
	assert_int_equal(sky_path_confine(link, roots, 1, real), STRATA_EPERM);
	assert_int_equal(sky_path_confine(trav, roots, 1, real), STRATA_EPERM);
	snprintf(trav, sizeof trav, "%s/missing.fits", root);
	assert_int_equal(sky_path_confine(trav, roots, 1, real), STRATA_ENOTFOUND);
	assert_int_equal(sky_path_confine(inside, roots, 0, real), STRATA_EPERM);
	unlink(outside);
	strata_test_rmtree(root);
}

static void test_json_depth(void **state)
{
	char deep[20001];

	(void)state;
	assert_int_equal(sky_json_depth("{}", 2), 1);
	assert_int_equal(sky_json_depth("{\"a\":[1,{\"b\":[]}]}", 17), 4);
	assert_int_equal(sky_json_depth("\"[[[[\\\"[[\"", 10), 0); /* inside a string */
	assert_int_equal(sky_json_depth("", 0), 0);
	memset(deep, '[', sizeof deep - 1);
	deep[sizeof deep - 1] = 0;
	assert_int_equal(sky_json_depth(deep, sizeof deep - 1), 20000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_router_specificity),
	    cmocka_unit_test(test_router_no_shadowing),
	    cmocka_unit_test(test_jwt),
	    cmocka_unit_test(test_ratelimit),
	    cmocka_unit_test(test_path_confine),
	    cmocka_unit_test(test_json_depth),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
