/* test_site.c - the site writer: pages appear, a rebuild replaces the old
 * site as a whole, a failed swap leaves no temporary folder behind, and the
 * output does not depend on the number of threads. */
#include "testutil.h"

#include "relays/groups.h"
#include "relays/onionoo.h"
#include "relays/site.h"
#include "relays/stats.h"
#include "strata/file.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char *details =
    "{\"relays_published\":\"2026-11-23 12:00:00\",\"relays\":["
    "{\"nickname\":\"<i>a</i>\",\"fingerprint\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\","
    "\"first_seen\":\"2020-01-02 03:00:00\",\"last_seen\":\"2026-11-23 12:00:00\","
    "\"running\":true,\"flags\":[\"Guard\",\"Running\"],\"observed_bandwidth\":10,"
    "\"country\":\"de\",\"as\":\"AS7\",\"platform\":\"Tor 0.4.8 on Linux\","
    "\"contact\":\"url:a.example proof:uri-rsa ciissversion:2\","
    "\"effective_family\":[\"BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB\"]},"
    "{\"nickname\":\"b\",\"fingerprint\":\"BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB\","
    "\"first_seen\":\"2021-01-02 03:00:00\",\"last_seen\":\"2026-11-23 12:00:00\","
    "\"running\":true,\"flags\":[\"Exit\"],\"observed_bandwidth\":20,"
    "\"effective_family\":[\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"]}]}";

typedef struct built {
	relay_set set;
	relay_groups g;
	relay_stats st;
} built;

static built *prepare(void)
{
	built *b = calloc(1, sizeof(*b));
	strata_time now;
	assert_ok(strata_time_parse_iso8601("2026-11-23 12:00:00", &now));
	relay_set_init(&b->set, now, 7);
	assert_ok(onionoo_details_buffer(&b->set, "d", details, strlen(details)));
	assert_ok(relay_set_finish(&b->set));
	assert_ok(groups_build(&b->set, &b->g));
	assert_ok(stats_compute(&b->set, &b->g, &b->st));
	return b;
}

static void release(built *b)
{
	groups_free(&b->g);
	relay_set_free(&b->set);
	free(b);
}

static int exists(const char *dir, const char *rel)
{
	char path[1024];
	struct stat st;
	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	return stat(path, &st) == 0;
}

/* Entries of strata_test_dir whose name starts with prefix. */
static int count_prefixed(const char *prefix)
{
	DIR *d = opendir(strata_test_dir);
	int n = 0;
	for (struct dirent *e; d && (e = readdir(d)) != NULL;)
		n += strncmp(e->d_name, prefix, strlen(prefix)) == 0;
	if (d)
		closedir(d);
	return n;
}

static void test_build_and_replace(void **state)
{
	built *b = prepare();
	char out[512], marker[600];
	snprintf(out, sizeof(out), "%s/site", strata_test_dir);
	site_options o = {out, 2, 0, 1, NULL};
	site_result r;
	assert_ok(site_build(&b->set, &b->g, &b->st, &o, &r));
	assert_true(r.pages > 20);
	assert_true(exists(out, "index.html"));
	assert_true(exists(out, "relay/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/index.html"));
	assert_true(exists(out, "family/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/index.html"));
	assert_false(exists(out, "family/BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB"));
	assert_true(exists(out, "flag/guard/index.html"));
	assert_true(exists(out, "as/AS7/index.html"));
	assert_true(exists(out, "first_seen/2020-01-02/index.html"));
	/* a stale file of the old site disappears with the rebuild */
	snprintf(marker, sizeof(marker), "%s/stale.html", out);
	strata_test_write_file(marker, "old");
	assert_ok(site_build(&b->set, &b->g, &b->st, &o, &r));
	assert_false(exists(out, "stale.html"));
	assert_true(exists(out, "index.html"));
	assert_int_equal(count_prefixed("site.tmp-"), 0);
	assert_int_equal(count_prefixed("site.old"), 0);
	release(b);
}

static void test_failed_swap_leaves_nothing(void **state)
{
	built *b = prepare();
	char out[512];
	snprintf(out, sizeof(out), "%s/file", strata_test_dir);
	strata_test_write_file(out, "not a folder");
	site_options o = {out, 1, 0, 0, NULL};
	site_result r;
	assert_int_equal(site_build(&b->set, &b->g, &b->st, &o, &r), STRATA_EEXIST);
	assert_int_equal(count_prefixed("file.tmp-"), 0);
	char *data = NULL;
	size_t len = 0;
	assert_ok(strata_file_read_all(out, 0, &data, &len));
	assert_string_equal(data, "not a folder");
	free(data);
	release(b);
}

static void test_out_names(void **state)
{
	built *b = prepare();
	char out[512];
	snprintf(out, sizeof(out), "%s/slash///", strata_test_dir);
	site_options o = {out, 1, 0, 0, NULL};
	site_result r;
	assert_ok(site_build(&b->set, &b->g, &b->st, &o, &r)); /* trailing slashes dropped */
	assert_true(exists(strata_test_dir, "slash/index.html"));
	assert_ok(site_build(&b->set, &b->g, &b->st, &o, &r)); /* and replaced again */
	assert_int_equal(count_prefixed("slash.tmp-"), 0);
	static const char *const refused[] = {"/", ".", "..", "x/..", ""};
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		o.out = refused[i];
		assert_int_equal(site_build(&b->set, &b->g, &b->st, &o, &r), STRATA_EINVAL);
	}
	release(b);
}

static void test_escaped_once(void **state)
{
	built *b = prepare();
	char out[512], page[700];
	snprintf(out, sizeof(out), "%s/esc", strata_test_dir);
	site_options o = {out, 1, 0, 0, NULL};
	site_result r;
	assert_ok(site_build(&b->set, &b->g, &b->st, &o, &r));
	snprintf(page, sizeof(page), "%s/relay/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/index.html",
	         out);
	char *html = NULL;
	size_t len = 0;
	assert_ok(strata_file_read_all(page, 0, &html, &len));
	assert_null(strstr(html, "<i>a</i>"));
	assert_non_null(strstr(html, "<h1>&lt;i&gt;a&lt;/i&gt;</h1>"));
	assert_null(strstr(html, "&amp;lt;"));
	free(html);
	release(b);
}

/* --base-url: a validated operator gets a copy of its contact page at
 * "<domain>/" (lower case) with links one level up, linked from the
 * leaderboards; without --base-url or a valid proof there is none. */
static void test_vanity_pages(void **state)
{
	built *b = calloc(1, sizeof(*b));
	strata_time now;
	assert_ok(strata_time_parse_iso8601("2026-11-23 12:00:00", &now));
	relay_set_init(&b->set, now, 7);
	assert_ok(onionoo_details_buffer(&b->set, "d", details, strlen(details)));
	assert_ok(relay_set_finish(&b->set));
	char out[512], page[700];
	snprintf(out, sizeof(out), "%s/vanity", strata_test_dir);
	site_options o = {out, 2, 0, 1, "https://aroi.example"};
	site_result r;
	assert_ok(groups_build(&b->set, &b->g));
	assert_ok(stats_compute(&b->set, &b->g, &b->st));
	assert_ok(site_build(&b->set, &b->g, &b->st, &o, &r));
	assert_false(exists(out, "a.example")); /* no valid proof */
	groups_free(&b->g);
	for (size_t i = 0; i < b->set.n; i++)
		if (b->set.relays[i].aroi_domain)
			b->set.relays[i].aroi_checked = b->set.relays[i].aroi_valid = 1;
	assert_ok(groups_build(&b->set, &b->g));
	assert_ok(stats_compute(&b->set, &b->g, &b->st));
	assert_ok(site_build(&b->set, &b->g, &b->st, &o, &r));
	assert_true(exists(out, "a.example/index.html"));
	snprintf(page, sizeof(page), "%s/a.example/index.html", out);
	char *html = NULL;
	size_t len = 0;
	assert_ok(strata_file_read_all(page, 0, &html, &len));
	assert_non_null(strstr(html, "href=\"../style.css\""));
	assert_null(strstr(html, "href=\"../../"));
	free(html);
	snprintf(page, sizeof(page), "%s/index.html", out);
	assert_ok(strata_file_read_all(page, 0, &html, &len));
	assert_non_null(strstr(html, "href=\"https://aroi.example/a.example/\""));
	free(html);
	o.base_url = NULL;
	assert_ok(site_build(&b->set, &b->g, &b->st, &o, &r));
	assert_false(exists(out, "a.example"));
	release(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_build_and_replace),
	    cmocka_unit_test(test_failed_swap_leaves_nothing),
	    cmocka_unit_test(test_out_names),
	    cmocka_unit_test(test_escaped_once),
	    cmocka_unit_test(test_vanity_pages),
	};
	return cmocka_run_group_tests(tests, strata_test_dir_setup, strata_test_dir_teardown);
}
