/* test_args.c - table-driven command-line options. */
#include "testutil.h"

#include "strata/args.h"
#include "strata/cmd.h"

#include <string.h>

typedef struct parsed {
	const char *start, *batch;
	int json, skip;
	strata_opt_list stations;
	const char *pos[4];
	size_t npos;
} parsed;

/* Parse argv (NULL-terminated) into *p with the test's option table. */
static int parse(char **argv, parsed *p)
{
	int argc = 0;
	memset(p, 0, sizeof(*p));
	p->skip = 1;
	const strata_opt opts[] = {
	    {"startdate", "sd", STRATA_OPT_VALUE, &p->start},
	    {"batch-size", "b", STRATA_OPT_VALUE, &p->batch},
	    {"json", NULL, STRATA_OPT_FLAG, &p->json},
	    {"skip-existing", NULL, STRATA_OPT_FLAG, &p->skip},
	    {"station", "s", STRATA_OPT_LIST, &p->stations},
	};
	while (argv[argc])
		argc++;
	return strata_args_parse("test", argc, argv, opts, sizeof opts / sizeof opts[0], p->pos, 2,
	                         &p->npos);
}

static void test_spellings(void **state)
{
	(void)state;
	parsed p;
	char *argv[] = {"cmd", "-sd",       "2022-01-02", "--batch_size=10",    "--json", "-s",
	                "CCA", "--station", "HEC",        "--no_skip_existing", "file1",  NULL};
	assert_int_equal(parse(argv, &p), 0);
	assert_string_equal(p.start, "2022-01-02");
	assert_string_equal(p.batch, "10");
	assert_int_equal(p.json, 1);
	assert_int_equal(p.skip, 0);
	assert_int_equal(p.stations.n, 2);
	assert_string_equal(p.stations.items[1], "HEC");
	assert_int_equal(p.npos, 1);
	assert_string_equal(p.pos[0], "file1");

	char *again[] = {"cmd", "--startdate", "a", "--startdate", "b", "--", "--json", NULL};
	assert_int_equal(parse(again, &p), 0);
	assert_string_equal(p.start, "b");
	assert_int_equal(p.json, 0);
	assert_int_equal(p.npos, 1);
	assert_string_equal(p.pos[0], "--json");
}

static void test_usage_errors(void **state)
{
	(void)state;
	parsed p;
	char *unknown[] = {"cmd", "--nope", NULL};
	char *missing[] = {"cmd", "-b", NULL};
	char *too_many[] = {"cmd", "a", "b", "c", NULL};
	char *flag_value[] = {"cmd", "--json=1", NULL};
	char *negated_value[] = {"cmd", "--no-batch-size", NULL};
	assert_int_equal(parse(unknown, &p), STRATA_EXIT_USAGE);
	assert_int_equal(parse(missing, &p), STRATA_EXIT_USAGE);
	assert_int_equal(parse(too_many, &p), STRATA_EXIT_USAGE);
	assert_int_equal(parse(flag_value, &p), STRATA_EXIT_USAGE);
	assert_int_equal(parse(negated_value, &p), STRATA_EXIT_USAGE);
}

static void test_numbers(void **state)
{
	(void)state;
	long long v = 0;
	double d = 0;
	assert_int_equal(strata_args_long("t", "-b", "12", 1, 100, &v), 0);
	assert_int_equal(v, 12);
	assert_int_equal(strata_args_long("t", "-b", "0", 1, 100, &v), STRATA_EXIT_USAGE);
	assert_int_equal(strata_args_long("t", "-b", "12x", 1, 100, &v), STRATA_EXIT_USAGE);
	assert_int_equal(strata_args_long("t", "-b", "", 1, 100, &v), STRATA_EXIT_USAGE);
	assert_int_equal(strata_args_double("t", "--x", "1.5e3", &d), 0);
	assert_true(d == 1500.0);
	assert_int_equal(strata_args_double("t", "--x", "nan", &d), STRATA_EXIT_USAGE);
	assert_int_equal(strata_args_double("t", "--x", "1e999", &d), STRATA_EXIT_USAGE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_spellings),
	    cmocka_unit_test(test_usage_errors),
	    cmocka_unit_test(test_numbers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
