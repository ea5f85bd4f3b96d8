/* test_log.c - levels, text and JSON records, trace ids, STRATA_LOG. */
#include "testutil.h"

#include "strata/error.h"
#include "strata/log.h"

#include <stdlib.h>
#include <string.h>

/* Capture what one call logs into buf. */
static char captured[4096];
static FILE *capture_begin(void)
{
	FILE *f = fmemopen(captured, sizeof captured, "w");
	memset(captured, 0, sizeof captured);
	strata_log_set_output(f);
	return f;
}
static void capture_end(FILE *f)
{
	strata_log_set_output(NULL);
	fclose(f);
}

static int reset(void **state)
{
	(void)state;
	strata_log_set_level(STRATA_LOG_INFO);
	strata_log_set_format(STRATA_LOG_TEXT);
	strata_log_set_trace_id(NULL);
	return 0;
}

static void test_text_record(void **state)
{
	FILE *f = capture_begin();
	(void)state;
	strata_log(STRATA_LOG_INFO, "catalog opened", "path", "/tmp/a b.db", "rows", "12");
	capture_end(f);
	/* 2026-11-23T10:13:09.123Z INFO  catalog opened path="/tmp/a b.db" rows=12 */
	assert_int_equal(captured[4], '-');
	assert_non_null(strstr(captured, "Z INFO  catalog opened path=\"/tmp/a b.db\" rows=12\n"));
}

static void test_levels_filter(void **state)
{
	FILE *f = capture_begin();
	(void)state;
	strata_log_set_level(STRATA_LOG_WARN);
	strata_log(STRATA_LOG_INFO, "hidden");
	strata_logf(STRATA_LOG_ERROR, "shown %d", 7);
	capture_end(f);
	assert_null(strstr(captured, "hidden"));
	assert_non_null(strstr(captured, "ERROR shown 7"));
	assert_false(strata_log_enabled(STRATA_LOG_INFO));
	assert_true(strata_log_enabled(STRATA_LOG_WARN));
	strata_log_set_level(STRATA_LOG_OFF);
	assert_false(strata_log_enabled(STRATA_LOG_ERROR));
}

static void test_json_record_with_trace_id(void **state)
{
	FILE *f = capture_begin();
	(void)state;
	strata_log_set_format(STRATA_LOG_JSON);
	strata_log_set_trace_id("0193a1b2-0000-7000-8000-000000000001");
	strata_log(STRATA_LOG_WARN, "odd \"input\"", "field", "a\nb");
	capture_end(f);
	assert_memory_equal(captured, "{\"ts\":\"", 7);
	assert_non_null(strstr(captured,
	                       "\"level\":\"warn\",\"msg\":\"odd \\\"input\\\"\","
	                       "\"field\":\"a\\nb\","
	                       "\"trace_id\":\"0193a1b2-0000-7000-8000-000000000001\"}\n"));
	assert_string_equal(strata_log_trace_id(), "0193a1b2-0000-7000-8000-000000000001");
}

static void test_level_and_format_names(void **state)
{
	(void)state;
	assert_ok(strata_log_set_level_name("DEBUG"));
	assert_int_equal(strata_log_get_level(), STRATA_LOG_DEBUG);
	assert_ok(strata_log_set_level_name("warning"));
	assert_int_equal(strata_log_get_level(), STRATA_LOG_WARN);
	assert_int_equal(strata_log_set_level_name("loud"), STRATA_EINVAL);
	assert_non_null(strstr(strata_error_message(), "unknown log level 'loud'"));
	assert_ok(strata_log_set_format_name("json"));
	assert_int_equal(strata_log_set_format_name("xml"), STRATA_EINVAL);
}

static void test_env(void **state)
{
	FILE *f;
	(void)state;
	setenv("STRATA_LOG", "debug,json", 1);
	assert_ok(strata_log_init_from_env());
	assert_int_equal(strata_log_get_level(), STRATA_LOG_DEBUG);
	f = capture_begin();
	strata_log(STRATA_LOG_DEBUG, "x");
	capture_end(f);
	assert_non_null(strstr(captured, "\"level\":\"debug\""));
	setenv("STRATA_LOG", "chatty", 1);
	assert_int_equal(strata_log_init_from_env(), STRATA_EINVAL);
	assert_non_null(strstr(strata_error_message(), "'chatty'"));
	setenv("STRATA_LOG", "info,", 1);
	assert_ok(strata_log_init_from_env());
	setenv("STRATA_LOG", ",", 1);
	assert_int_equal(strata_log_init_from_env(), STRATA_EINVAL);
	unsetenv("STRATA_LOG");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_text_record, reset),
	    cmocka_unit_test_setup(test_levels_filter, reset),
	    cmocka_unit_test_setup(test_json_record_with_trace_id, reset),
	    cmocka_unit_test_setup(test_level_and_format_names, reset),
	    cmocka_unit_test_setup(test_env, reset),
	};
	return cmocka_run_group_tests_name("core/log", tests, NULL, NULL);
}
