/* test_time.c - ISO 8601, civil, MJD and day-of-year conversions. */
#include "testutil.h"

#include "strata/error.h"
#include "strata/time.h"

#include <stdlib.h>
#include <string.h>

static strata_time parse_ok(const char *text)
{
	strata_time t = 0;
	assert_ok(strata_time_parse_iso8601(text, &t));
	return t;
}

static void test_parse_forms(void **state)
{
	(void)state;
	assert_int_equal(parse_ok("1970-01-01T00:00:00Z"), 0);
	assert_int_equal(parse_ok("1970-01-01"), 0);
	assert_int_equal(parse_ok("2022-01-02T00:00:00Z"), INT64_C(1641081600) * STRATA_NS_PER_SEC);
	assert_int_equal(parse_ok("2022-01-02 00:00:00"), INT64_C(1641081600) * STRATA_NS_PER_SEC);
	assert_int_equal(parse_ok("2022-01-02t00:00z"), INT64_C(1641081600) * STRATA_NS_PER_SEC);
	assert_int_equal(parse_ok("2024-03-26T10:11:12.123456789Z"),
	                 INT64_C(1711447872) * STRATA_NS_PER_SEC + 123456789);
	assert_int_equal(parse_ok("2024-03-26T10:11:12.5Z"),
	                 INT64_C(1711447872) * STRATA_NS_PER_SEC + 500000000);
}

static void test_parse_offsets(void **state)
{
	strata_time utc = parse_ok("2024-03-26T10:00:00Z");
	(void)state;
	assert_int_equal(parse_ok("2024-03-26T12:00:00+02:00"), utc);
	assert_int_equal(parse_ok("2024-03-26T12:00:00+0200"), utc);
	assert_int_equal(parse_ok("2024-03-26T12:00:00+02"), utc);
	assert_int_equal(parse_ok("2024-03-26T05:30:00-04:30"), utc);
	/* An offset can move the date across midnight. */
	assert_int_equal(parse_ok("2024-03-27T01:00:00+15:00"), utc);
}

static void test_parse_leap_second_and_negative(void **state)
{
	(void)state;
	assert_int_equal(parse_ok("2016-12-31T23:59:60Z"), parse_ok("2017-01-01T00:00:00Z"));
	assert_int_equal(parse_ok("1969-12-31T23:59:59.999999999Z"), -1);
	assert_int_equal(parse_ok("1900-01-01T00:00:00Z"),
	                 INT64_C(-2208988800) * STRATA_NS_PER_SEC);
}

static void expect_reject(const char *text, int code, const char *needle)
{
	strata_time t;
	int rc = strata_time_parse_iso8601(text, &t);
	if (rc != code)
		fail_msg("'%s': expected %d, got %d (%s)", text, code, rc, strata_error_message());
	if (needle && !strstr(strata_error_message(), needle))
		fail_msg("'%s': message '%s' lacks '%s'", text, strata_error_message(), needle);
}

static void test_parse_rejects_garbage(void **state)
{
	(void)state;
	expect_reject("", STRATA_EPARSE, "4-digit year");
	expect_reject("garbage", STRATA_EPARSE, "'garbage'");
	expect_reject("2022-1-02", STRATA_EPARSE, "month");
	expect_reject("2022-01-02T", STRATA_EPARSE, "hour");
	expect_reject("2022-01-02T10", STRATA_EPARSE, "':'");
	expect_reject("2022-01-02T10:00:00Zjunk", STRATA_EPARSE, "trailing");
	expect_reject("2022-01-02T10:00:00.Z", STRATA_EPARSE, "digits after");
	expect_reject("2022-01-02T10:00:00.1234567891Z", STRATA_EPARSE, "9 fractional");
	expect_reject("2022-01-02T10:00:00+2", STRATA_EPARSE, "zone hours");
	expect_reject("2022-01-02T10:00:00+24:00", STRATA_EPARSE, "zone offset");
	expect_reject("2022-01-02  10:00", STRATA_EPARSE, "trailing");
	expect_reject(" 2022-01-02", STRATA_EPARSE, "position 1");
}

static void test_parse_rejects_invalid_fields(void **state)
{
	(void)state;
	expect_reject("2022-13-01", STRATA_EINVAL, "month 13");
	expect_reject("2022-00-01", STRATA_EINVAL, "month 0");
	expect_reject("2023-02-29", STRATA_EINVAL, "day 29");
	expect_reject("2022-04-31", STRATA_EINVAL, "day 31");
	expect_reject("2022-01-02T24:00:00Z", STRATA_EINVAL, "24:00:00");
	expect_reject("2022-01-02T10:60:00Z", STRATA_EINVAL, "out of range");
	expect_reject("2022-01-02T10:00:60Z", STRATA_EPARSE, "23:59:60");
	expect_reject("2300-01-01", STRATA_ELIMIT, "1677");
	expect_reject("1600-01-01", STRATA_ELIMIT, "1677");
	/* Feb 29 is fine in leap years, including 2000 but not 1900. */
	parse_ok("2000-02-29");
	expect_reject("1900-02-29", STRATA_EINVAL, "day 29");
}

static void test_format_round_trip(void **state)
{
	char buf[40];
	(void)state;
	assert_int_equal(strata_time_format_iso8601(0, 0, buf, sizeof buf), 20);
	assert_string_equal(buf, "1970-01-01T00:00:00Z");
	strata_time_format_iso8601(parse_ok("2024-03-26T10:11:12.123456789Z"), 9, buf, sizeof buf);
	assert_string_equal(buf, "2024-03-26T10:11:12.123456789Z");
	strata_time_format_iso8601(parse_ok("2024-03-26T10:11:12.123456789Z"), 3, buf, sizeof buf);
	assert_string_equal(buf, "2024-03-26T10:11:12.123Z");
	strata_time_format_iso8601(-1, 9, buf, sizeof buf);
	assert_string_equal(buf, "1969-12-31T23:59:59.999999999Z");
	strata_time_format_iso8601(INT64_MAX, 9, buf, sizeof buf);
	assert_string_equal(buf, "2262-04-11T23:47:16.854775807Z");
	strata_time_format_iso8601(INT64_MIN, 9, buf, sizeof buf);
	assert_string_equal(buf, "1677-09-21T00:12:43.145224192Z");
	assert_int_equal(parse_ok(buf), INT64_MIN);
	assert_int_equal(strata_time_format_iso8601(0, 10, buf, sizeof buf), STRATA_EINVAL);
	assert_int_equal(strata_time_format_iso8601(0, 3, buf, 8), STRATA_EINVAL);
}

static void test_civil_round_trip_every_day(void **state)
{
	(void)state;
	/* Every day from 1678 to 2261 converts to civil and back unchanged. */
	for (strata_time t = parse_ok("1678-01-01"); t < parse_ok("2261-12-31");
	     t += STRATA_NS_PER_DAY + 12345) {
		strata_civil c;
		strata_time back;
		strata_time_to_civil(t, &c);
		assert_ok(strata_time_from_civil(&c, &back));
		assert_int_equal(back, t);
	}
}

static void test_mjd(void **state)
{
	strata_time t;
	(void)state;
	assert_true(strata_time_to_mjd(0) == 40587.0);
	assert_true(strata_time_to_mjd(parse_ok("2000-01-01T12:00:00Z")) == 51544.5);
	assert_true(strata_time_to_mjd(parse_ok("1858-11-17T00:00:00Z")) == 0.0);
	assert_true(strata_time_to_mjd(parse_ok("1858-11-16T18:00:00Z")) == -0.25);
	assert_ok(strata_time_from_mjd(60000.25, &t));
	assert_int_equal(t, parse_ok("2023-02-25T06:00:00Z"));
	/* Round trip within a microsecond (double precision of MJD ~ 1e-11 days). */
	strata_time orig = parse_ok("2025-06-23T13:45:12.345678Z");
	assert_ok(strata_time_from_mjd(strata_time_to_mjd(orig), &t));
	assert_true(llabs(t - orig) < 1000);
	assert_int_equal(strata_time_from_mjd(1e12, &t), STRATA_ELIMIT);
	assert_int_equal(strata_time_from_mjd(0.0 / 0.0, &t), STRATA_EINVAL);
}

static void test_day_of_year(void **state)
{
	int year, doy;
	strata_time t;
	(void)state;
	strata_time_to_year_doy(parse_ok("2022-01-02T13:00:00Z"), &year, &doy);
	assert_int_equal(year, 2022);
	assert_int_equal(doy, 2);
	strata_time_to_year_doy(parse_ok("2020-12-31"), &year, &doy);
	assert_int_equal(doy, 366);
	strata_time_to_year_doy(parse_ok("2021-12-31"), &year, &doy);
	assert_int_equal(doy, 365);
	assert_ok(strata_time_from_year_doy(2022, 2, &t));
	assert_int_equal(t, parse_ok("2022-01-02"));
	assert_ok(strata_time_from_year_doy(2020, 366, &t));
	assert_int_equal(t, parse_ok("2020-12-31"));
	assert_int_equal(strata_time_from_year_doy(2021, 366, &t), STRATA_EINVAL);
	assert_int_equal(strata_time_from_year_doy(2021, 0, &t), STRATA_EINVAL);
}

static void test_floor_day_and_clocks(void **state)
{
	(void)state;
	assert_int_equal(strata_time_floor_day(parse_ok("2022-01-02T13:00:00Z")),
	                 parse_ok("2022-01-02"));
	assert_int_equal(strata_time_floor_day(-1), -STRATA_NS_PER_DAY);
	assert_true(strata_time_now() > parse_ok("2024-01-01"));
	int64_t a = strata_time_monotonic_ns(), b = strata_time_monotonic_ns();
	assert_true(b >= a);
	assert_true(strata_is_leap_year(2000) && !strata_is_leap_year(1900) &&
	            strata_is_leap_year(2024) && !strata_is_leap_year(2023));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_forms),
	    cmocka_unit_test(test_parse_offsets),
	    cmocka_unit_test(test_parse_leap_second_and_negative),
	    cmocka_unit_test(test_parse_rejects_garbage),
	    cmocka_unit_test(test_parse_rejects_invalid_fields),
	    cmocka_unit_test(test_format_round_trip),
	    cmocka_unit_test(test_civil_round_trip_every_day),
	    cmocka_unit_test(test_mjd),
	    cmocka_unit_test(test_day_of_year),
	    cmocka_unit_test(test_floor_day_and_clocks),
	};
	return cmocka_run_group_tests_name("core/time", tests, NULL, NULL);
}
