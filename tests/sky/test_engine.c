/* test_engine.c - stage commands (exit codes, timeouts, cancellation) and
 * sub-band file names. */
#include "testutil.h"

#include "sky/engine.h"
#include "strata/file.h"

#include <stdlib.h>

#include <string.h>
#include <unistd.h>

static int cancel_now(void *ctx)
{
	(void)ctx;
	return 1;
}

static void test_stage_exec(void **state)
{
	char dir[256], log[300];
	const char *env[] = {"STRATA_STAGE=flag", NULL};
	sky_stage_result r;
	char *text;
	size_t len;

	(void)state;
	strata_test_tmpdir(dir, sizeof dir);
	snprintf(log, sizeof log, "%s/job.log", dir);
	assert_ok(
	    sky_stage_exec("echo stage $STRATA_STAGE; echo err >&2", env, log, 10, NULL, NULL, &r));
	assert_int_equal(r.exit_code, 0);
	assert_false(r.timed_out);
	assert_ok(sky_stage_exec("exit 7", env, log, 10, NULL, NULL, &r));
	assert_int_equal(r.exit_code, 7);
	assert_ok(sky_stage_exec("sleep 30", env, log, 0.3, NULL, NULL, &r));
	assert_true(r.timed_out);
	assert_int_equal(r.exit_code, -1);
	assert_ok(sky_stage_exec("sleep 30", env, log, 60, cancel_now, NULL, &r));
	assert_true(r.cancelled);
	assert_ok(strata_file_read_all(log, 0, &text, &len));
	assert_non_null(strstr(text, "stage flag\nerr\n"));
	free(text);
	snprintf(log, sizeof log, "%s/missing/job.log", dir);
	assert_int_not_equal(sky_stage_exec("true", env, log, 1, NULL, NULL, &r), 0);
	strata_test_rmtree(dir);
}

static void test_subband_names(void **state)
{
	int64_t t;
	int sb;

	(void)state;
	assert_ok(sky_subband_parse("/in/2025-10-05T12:30:00_sb07.hdf5", &t, &sb));
	assert_int_equal(sb, 7);
	assert_int_equal(t, INT64_C(1759667400) * 1000000000);
	assert_ok(sky_subband_parse("2025-10-05T12:30:00.5_sb15.h5", &t, &sb));
	assert_int_equal(sb, 15);
	assert_int_equal(sky_subband_parse("2025-10-05T12:30:00_sb7.hdf5", &t, &sb), STRATA_EPARSE);
	assert_int_equal(sky_subband_parse("2025-13-05T12:30:00_sb07.hdf5", &t, &sb),
	                 STRATA_EPARSE);
	assert_int_equal(sky_subband_parse("_sb07.hdf5", &t, &sb), STRATA_EPARSE);
	assert_int_equal(sky_subband_parse("x_sb07.hdf5.tmp", &t, &sb), STRATA_EPARSE);
	assert_int_equal(sky_subband_parse("", &t, &sb), STRATA_EPARSE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_stage_exec),
	    cmocka_unit_test(test_subband_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
