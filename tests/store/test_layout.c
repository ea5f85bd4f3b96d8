/* test_layout.c - PyStore's layout: names, metadata files, listings. */
#include "testutil.h"

#include "store/layout.h"
#include "strata/error.h"
#include "strata/file.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The group's temporary directory (testutil.h). */
static const char *const dir = strata_test_dir;

static void expect_bad(const char *name, size_t len, const char *why)
{
	assert_int_equal(store_check_name_len("item", name, len), STRATA_EINVAL);
	if (!strstr(strata_error_message(), why))
		fail_msg("name check message '%s' lacks '%s'", strata_error_message(), why);
	assert_non_null(strstr(strata_error_message(), "invalid item name"));
}

static void test_names(void **state)
{
	char longname[300];
	(void)state;
	assert_ok(store_check_name("item", "AAPL"));
	assert_ok(store_check_name("item", "EUR-USD 1m"));
	assert_ok(store_check_name("item", "m\xc3\xa9t\xc3\xa9o"));
	assert_ok(store_check_name("item", "a..b"));
	expect_bad("", 0, "empty");
	expect_bad("a/b", 3, "'/'");
	expect_bad("..", 2, "must not start with '.'");
	expect_bad(".hidden", 7, "must not start with '.'");
	expect_bad("_snapshots", 10, "must not start with '.' or '_'");
	expect_bad("a\0b", 3, "NUL");
	expect_bad("tab\there", 8, "control characters");
	expect_bad("bad\xff", 4, "UTF-8");
	memset(longname, 'x', 256);
	expect_bad(longname, 256, "longer than 255");
	assert_int_equal(store_check_name("store", NULL), STRATA_EINVAL);
}

static void test_root(void **state)
{
	char root[512];
	(void)state;
	setenv("PYSTORE_PATH", "/data/ticks", 1);
	assert_ok(store_root(root, sizeof root));
	assert_string_equal(root, "/data/ticks");
	unsetenv("PYSTORE_PATH");
	setenv("HOME", "/home/quant", 1);
	assert_ok(store_root(root, sizeof root));
	assert_string_equal(root, "/home/quant/pystore");
}

static void test_updated_format(void **state)
{
	char buf[32];
	strata_time t;
	(void)state;
	assert_ok(strata_time_parse_iso8601("2024-03-26T10:11:12.123456789Z", &t));
	store_format_updated(t, buf);
	assert_string_equal(buf, "2024-03-26 10:11:12.123456");
}

static void test_metadata_round_trip(void **state)
{
	json_t *user = json_pack("{s:s, s:i, s:s}", "source", "tick feed", "rows", 42, "city",
	                         "Z\xc3\xbcrich");
	json_t *back;
	char path[300], *text;
	size_t len;
	strata_time t;
	(void)state;
	assert_ok(strata_time_parse_iso8601("2024-03-26T10:11:12.5Z", &t));
	assert_ok(store_metadata_write(dir, user, t));
	snprintf(path, sizeof path, "%s/pystore_metadata.json", dir);
	assert_ok(strata_file_read_all(path, 0, &text, &len));
	/* Byte for byte what PyStore's json.dump(..., ensure_ascii=False) writes. */
	assert_string_equal(text,
	                    "{\"source\": \"tick feed\", \"rows\": 42, \"city\": "
	                    "\"Z\xc3\xbcrich\", \"_updated\": \"2024-03-26 10:11:12.500000\"}");
	free(text);
	assert_ok(store_metadata_read(dir, &back));
	assert_int_equal(json_integer_value(json_object_get(back, "rows")), 42);
	assert_true(store_metadata_matches(back, user));
	json_decref(back);
	json_decref(user);
}

static void test_metadata_legacy_missing_and_corrupt(void **state)
{
	char sub[300], path[400];
	json_t *meta;
	(void)state;
	snprintf(sub, sizeof sub, "%s/legacy", dir);
	assert_ok(strata_mkdir_p(sub, 0755));
	assert_ok(store_metadata_read(sub, &meta)); /* none: empty object */
	assert_int_equal(json_object_size(meta), 0);
	json_decref(meta);
	snprintf(path, sizeof path, "%s/metadata.json", sub);
	strata_test_write_file(path, "{\"engine\": \"fastparquet\"}");
	assert_ok(store_metadata_read(sub, &meta));
	assert_string_equal(json_string_value(json_object_get(meta, "engine")), "fastparquet");
	json_decref(meta);
	snprintf(path, sizeof path, "%s/pystore_metadata.json", sub);
	strata_test_write_file(path, "{\"a\": 1,\n \"b\": }");
	assert_int_equal(store_metadata_read(sub, &meta), STRATA_EPARSE);
	assert_non_null(strstr(strata_error_message(), "pystore_metadata.json:2:"));
	strata_test_write_file(path, "[1, 2]");
	assert_int_equal(store_metadata_read(sub, &meta), STRATA_EPARSE);
	assert_non_null(strstr(strata_error_message(), "not a JSON object"));
	strata_test_write_file(path, "{\"a\": 1, \"a\": 2}");
	assert_int_equal(store_metadata_read(sub, &meta), STRATA_EPARSE);
	meta = json_integer(3);
	assert_int_equal(store_metadata_write(sub, meta, 0), STRATA_EINVAL);
	json_decref(meta);
}

static void test_matches(void **state)
{
	json_t *meta = json_pack("{s:s, s:i, s:s}", "source", "a", "n", 1, "_updated", "x");
	json_t *yes = json_pack("{s:s}", "source", "a");
	json_t *no = json_pack("{s:s, s:i}", "source", "a", "n", 2);
	json_t *missing = json_pack("{s:s}", "other", "a");
	json_t *updated = json_pack("{s:s}", "_updated", "x");
	json_t *empty = json_object();
	(void)state;
	assert_true(store_metadata_matches(meta, yes));
	assert_true(store_metadata_matches(meta, empty));
	assert_false(store_metadata_matches(meta, no));
	assert_false(store_metadata_matches(meta, missing));
	assert_false(store_metadata_matches(meta, updated));
	json_decref(meta);
	json_decref(yes);
	json_decref(no);
	json_decref(missing);
	json_decref(updated);
	json_decref(empty);
}

static void test_list_dirs(void **state)
{
	char base[300], path[400], **names;
	size_t n;
	const char *make[] = {"zeta", "alpha", "_snapshots", ".versions", "mid dle"};
	(void)state;
	snprintf(base, sizeof base, "%s/coll", dir);
	for (size_t i = 0; i < sizeof make / sizeof *make; i++) {
		snprintf(path, sizeof path, "%s/%s", base, make[i]);
		assert_ok(strata_mkdir_p(path, 0755));
	}
	snprintf(path, sizeof path, "%s/file.txt", base);
	strata_test_write_file(path, "x");
	snprintf(path, sizeof path, "%s/linked", base);
	assert_int_equal(symlink("alpha", path), 0); /* symlinked dirs are listed */
	assert_ok(store_list_dirs(base, &names, &n));
	assert_int_equal(n, 4);
	assert_string_equal(names[0], "alpha");
	assert_string_equal(names[1], "linked");
	assert_string_equal(names[2], "mid dle");
	assert_string_equal(names[3], "zeta");
	assert_null(names[4]);
	store_names_free(names);
	snprintf(path, sizeof path, "%s/nope", dir);
	assert_int_equal(store_list_dirs(path, &names, &n), STRATA_ENOTFOUND);
	assert_non_null(strstr(strata_error_message(), "cannot list"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_names),
	    cmocka_unit_test(test_root),
	    cmocka_unit_test(test_updated_format),
	    cmocka_unit_test(test_metadata_round_trip),
	    cmocka_unit_test(test_metadata_legacy_missing_and_corrupt),
	    cmocka_unit_test(test_matches),
	    cmocka_unit_test(test_list_dirs),
	};
	return cmocka_run_group_tests_name("store/layout", tests, strata_test_dir_setup,
	                                   strata_test_dir_teardown);
}
