/* test_replay.c - captures for `strata drill replay`: loading and rewriting
 * timestamps and result ids without touching anything else. */
#include "testutil.h"

#include "drill/opcua.h"
#include "drill/replay.h"
#include "strata/buf.h"
#include "strata/file.h"

#include <stdlib.h>
#include <string.h>

#define K "nsu=x;s=Objects.DeviceSet.u."
#define RESULT_JSON                                                                                \
	"{\"Messages\": {\"Timestamp\": \"2024-01-01T00:00:00Z\", \"Payload\": {\n"                \
	"  \"" K "ResultManagement.Results.0.ResultMetaData.SerialNumber\": "                      \
	"{\"Value\": 7, \"SourceTimestamp\": \"2024-12-11T08:24:49Z\"},\n"                         \
	"  \"" K "ResultManagement.Results.0.ResultMetaData.ResultId\": "                          \
	"{\"Value\": 2409, \"SourceTimestamp\" : \"2024-12-11T08:24:49Z\"}}}}"
#define TRACE_JSON                                                                                 \
	"{\"Messages\": {\"Payload\": {\"" K "ResultManagement.Results.0.ResultContent.Trace."     \
	"StepTraces.PositionTrace.StepResultId\": {\"Value\": \"2409\", "                          \
	"\"SourceTimestamp\": \"2024-12-11T08:24:49Z\"}}}}"

static void write_capture(const char *dir, int with_trace)
{
	char path[512];

	snprintf(path, sizeof path, "%s/ResultManagement.json", dir);
	strata_test_write_file(path, RESULT_JSON);
	if (with_trace) {
		snprintf(path, sizeof path, "%s/Trace.json", dir);
		strata_test_write_file(path, TRACE_JSON);
	}
}

static void test_render(void **state)
{
	(void)state;
	drill_capture c;
	strata_buf b = STRATA_BUF_INIT;

	write_capture(strata_test_dir, 1);
	assert_true(drill_capture_is_dir(strata_test_dir));
	assert_ok(drill_capture_load(strata_test_dir, drill_data_ids_default(), &c));
	assert_int_equal(c.msg[DRILL_MSG_RESULT].n_timestamps, 2);
	assert_null(c.msg[DRILL_MSG_HEADS].text);

	/* Unchanged: byte for byte. */
	assert_ok(drill_capture_render(&c, DRILL_MSG_RESULT, NULL, NULL, &b));
	assert_string_equal(strata_buf_cstr(&b), RESULT_JSON);

	/* Every SourceTimestamp and the id (a number stays a number); the
	 * message's own Timestamp is not a SourceTimestamp and stays. */
	strata_buf_reset(&b);
	assert_ok(
	    drill_capture_render(&c, DRILL_MSG_RESULT, "2026-01-02T03:04:05.000006Z", "421", &b));
	assert_null(strstr(strata_buf_cstr(&b), "2024-12-11T08:24:49Z"));
	assert_non_null(strstr(strata_buf_cstr(&b), "\"2024-01-01T00:00:00Z\""));
	assert_non_null(
	    strstr(strata_buf_cstr(&b),
	           "{\"Value\": 421, \"SourceTimestamp\" : \"2026-01-02T03:04:05.000006Z\"}"));
	assert_non_null(
	    strstr(strata_buf_cstr(&b),
	           "{\"Value\": 7, \"SourceTimestamp\": \"2026-01-02T03:04:05.000006Z\"}"));

	/* A string id stays a string. */
	strata_buf_reset(&b);
	assert_ok(drill_capture_render(&c, DRILL_MSG_TRACE, NULL, "422", &b));
	assert_non_null(
	    strstr(strata_buf_cstr(&b),
	           "{\"Value\": \"422\", \"SourceTimestamp\": \"2024-12-11T08:24:49Z\"}"));

	assert_int_equal(drill_capture_render(&c, DRILL_MSG_HEADS, NULL, NULL, &b),
	                 STRATA_ENOTFOUND);
	strata_buf_free(&b);
	drill_capture_free(&c);
}

static void test_not_a_capture(void **state)
{
	(void)state;
	char dir[300];
	drill_capture c;

	snprintf(dir, sizeof dir, "%s/only-result", strata_test_dir);
	assert_ok(strata_mkdir_p(dir, 0755));
	write_capture(dir, 0);
	assert_int_equal(drill_capture_load(dir, drill_data_ids_default(), &c), STRATA_ENOTFOUND);
	assert_non_null(strstr(strata_error_message(), "Trace.json"));
	drill_capture_free(&c);
}

static void test_real_captures(void **state)
{
	(void)state;
	char dir[512];
	drill_capture c;
	strata_buf b = STRATA_BUF_INIT;
	drill_trace t;

	STRATA_REQUIRE_TESTDATA("drilling/mqtt/data_20250623", dir);
	assert_ok(drill_capture_load(dir, drill_data_ids_default(), &c));
	assert_non_null(c.msg[DRILL_MSG_HEADS].text);
	assert_ok(drill_capture_render(&c, DRILL_MSG_TRACE, "2026-01-02T03:04:05.25Z", "99", &b));
	assert_ok(drill_trace_parse(b.data, b.len, "Trace", NULL, &t));
	assert_string_equal(t.result_id, "99");
	assert_int_equal(t.timestamp, INT64_C(1767323045250000000));
	drill_trace_free(&t);
	strata_buf_free(&b);
	drill_capture_free(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_render),
	    cmocka_unit_test(test_not_a_capture),
	    cmocka_unit_test(test_real_captures),
	};
	return cmocka_run_group_tests(tests, strata_test_dir_setup, strata_test_dir_teardown);
}
