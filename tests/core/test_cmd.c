/* test_cmd.c - subcommand dispatch and help text, and the version module. */
#include "testutil.h"

#include "strata/buf.h"
#include "strata/cmd.h"
#include "strata/version.h"

#include <string.h>

static int last_argc;
static const char *last_arg;

static int run_echo(int argc, char **argv)
{
	last_argc = argc;
	last_arg = argc > 1 ? argv[1] : argv[0];
	return 7;
}

static const strata_cmd commands[] = {
    {"echo", run_echo, "echo the first argument", NULL},
    {"echo-twice", run_echo, "a name with a dash", NULL},
    {"later", NULL, "not built yet", "issue #42"},
    {NULL, NULL, NULL, NULL},
};

static const strata_cmd_group group = {"strata test", "A test group.", commands};

static void test_dispatch(void **state)
{
	char *argv[] = {"test", "echo", "value", NULL};
	(void)state;
	assert_int_equal(strata_cmd_dispatch(&group, 3, argv), 7);
	assert_int_equal(last_argc, 2);
	assert_string_equal(last_arg, "value");

	char *underscore[] = {"test", "echo_twice", NULL};
	char *wrong_way[] = {"test", "echo-twice_", NULL};
	assert_int_equal(strata_cmd_dispatch(&group, 2, underscore), 7);
	assert_int_equal(strata_cmd_dispatch(&group, 2, wrong_way), STRATA_EXIT_USAGE);
}

static void test_usage_and_errors(void **state)
{
	char *help[] = {"test", "--help", NULL};
	char *none[] = {"test", NULL};
	char *unknown[] = {"test", "nope", NULL};
	char *planned[] = {"test", "later", NULL};
	char text[2048] = {0};
	FILE *f = fmemopen(text, sizeof text, "w");
	(void)state;
	strata_cmd_usage(&group, f);
	fclose(f);
	assert_non_null(strstr(text, "usage: strata test <command> [options]"));
	assert_non_null(strstr(text, "A test group."));
	assert_non_null(strstr(text, "  echo        echo the first argument\n"));
	assert_non_null(strstr(text, "  later       not built yet (planned: issue #42)\n"));
	assert_int_equal(strata_cmd_dispatch(&group, 2, help), STRATA_EXIT_OK);
	assert_int_equal(strata_cmd_dispatch(&group, 1, none), STRATA_EXIT_USAGE);
	assert_int_equal(strata_cmd_dispatch(&group, 2, unknown), STRATA_EXIT_USAGE);
	assert_int_equal(strata_cmd_dispatch(&group, 2, planned), STRATA_EXIT_USAGE);
}

static void test_wants_help(void **state)
{
	char *a[] = {"cmd", "x", "--help", NULL};
	char *b[] = {"cmd", "--", "-h", NULL};
	char *c[] = {"cmd", "-h", NULL};
	(void)state;
	assert_true(strata_cmd_wants_help(3, a));
	assert_false(strata_cmd_wants_help(3, b));
	assert_true(strata_cmd_wants_help(2, c));
}

static void test_versions(void **state)
{
	strata_buf b = STRATA_BUF_INIT;
	(void)state;
	assert_string_equal(strata_version(), STRATA_VERSION);
	assert_ok(strata_library_versions(&b));
	assert_non_null(strstr(strata_buf_cstr(&b), "sqlite 3."));
	assert_non_null(strstr(strata_buf_cstr(&b), "libpq "));
	assert_non_null(strstr(strata_buf_cstr(&b), "libyaml 0."));
	strata_buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_dispatch),
	    cmocka_unit_test(test_usage_and_errors),
	    cmocka_unit_test(test_wants_help),
	    cmocka_unit_test(test_versions),
	};
	return cmocka_run_group_tests_name("core/cmd", tests, NULL, NULL);
}
