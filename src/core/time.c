/* time.c - nanosecond UTC timestamps; see include/strata/time.h. */
#include "strata/time.h"

#include "strata/error.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define SECONDS_PER_DAY INT64_C(86400)

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's method). */
int64_t strata_days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* Inverse of strata_days_from_civil. */
static void civil_from_days(int64_t z, int *year, int *month, int *day)
{
	int64_t era, doe, yoe, y, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*day = (int)(doy - (153 * mp + 2) / 5 + 1);
	*month = (int)(mp < 10 ? mp + 3 : mp - 9);
	*year = (int)(y + (*month <= 2));
}

int strata_is_leap_year(int year)
{
	return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

int strata_days_in_month(int year, int month)
{
	static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	return month == 2 && strata_is_leap_year(year) ? 29 : days[month - 1];
}

strata_time strata_time_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (strata_time)ts.tv_sec * STRATA_NS_PER_SEC + ts.tv_nsec;
}

int64_t strata_time_monotonic_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * STRATA_NS_PER_SEC + ts.tv_nsec;
}

/* seconds * 1e9 + ns without overflow; STRATA_ELIMIT outside the int64 range. */
static int seconds_to_ns(int64_t seconds, int64_t ns, strata_time *out)
{
	/* Near the negative limit, seconds * 1e9 alone may overflow. */
	if (seconds < 0 && ns > 0) {
		seconds++;
		ns -= STRATA_NS_PER_SEC;
	}
	if (__builtin_mul_overflow(seconds, STRATA_NS_PER_SEC, out) ||
	    __builtin_add_overflow(*out, ns, out))
		return strata_error_set(STRATA_ELIMIT, "time outside 1677-09-21..2262-04-11");
	return 0;
}

int strata_time_from_civil(const strata_civil *c, strata_time *out)
{
	int64_t days;

	if (c->month < 1 || c->month > 12)
		return strata_error_set(STRATA_EINVAL, "month %d out of range 1..12", c->month);
	if (c->day < 1 || c->day > strata_days_in_month(c->year, c->month))
		return strata_error_set(STRATA_EINVAL, "day %d out of range for %04d-%02d", c->day,
		                        c->year, c->month);
	if (c->hour < 0 || c->hour > 23 || c->minute < 0 || c->minute > 59 || c->second < 0 ||
	    c->second > 59)
		return strata_error_set(STRATA_EINVAL, "time of day %02d:%02d:%02d out of range",
		                        c->hour, c->minute, c->second);
	if (c->nanosecond < 0 || c->nanosecond > 999999999)
		return strata_error_set(STRATA_EINVAL, "nanosecond %d out of range", c->nanosecond);
	days = strata_days_from_civil(c->year, c->month, c->day);
	return seconds_to_ns(days * SECONDS_PER_DAY + c->hour * 3600 + c->minute * 60 + c->second,
	                     c->nanosecond, out);
}

/* Floor division of t by d (d > 0), and the non-negative remainder. */
static int64_t floor_div(int64_t t, int64_t d, int64_t *rem)
{
	int64_t q = t / d, r = t % d;
	if (r < 0) {
		q--;
		r += d;
	}
	*rem = r;
	return q;
}

void strata_time_to_civil(strata_time t, strata_civil *out)
{
	int64_t ns_of_day, days = floor_div(t, STRATA_NS_PER_DAY, &ns_of_day);
	int64_t secs = ns_of_day / STRATA_NS_PER_SEC;

	civil_from_days(days, &out->year, &out->month, &out->day);
	out->hour = (int)(secs / 3600);
	out->minute = (int)(secs / 60 % 60);
	out->second = (int)(secs % 60);
	out->nanosecond = (int)(ns_of_day % STRATA_NS_PER_SEC);
}

strata_time strata_time_floor_day(strata_time t)
{
	int64_t rem;
	return floor_div(t, STRATA_NS_PER_DAY, &rem) * STRATA_NS_PER_DAY;
}

/* --- ISO 8601 parsing --------------------------------------------------- */

typedef struct cursor {
	const char *text; /* whole input, for messages */
	const char *p;
} cursor;

static int parse_error(const cursor *c, const char *what)
{
	return strata_error_set(STRATA_EPARSE, "invalid timestamp '%.64s': %s at position %d",
	                        c->text, what, (int)(c->p - c->text) + 1);
}

/* Read exactly n digits into *out. */
static int read_digits(cursor *c, int n, int *out, const char *what)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (c->p[i] < '0' || c->p[i] > '9')
			return parse_error(c, what);
		v = v * 10 + (c->p[i] - '0');
	}
	c->p += n;
	*out = v;
	return 0;
}

static int expect_char(cursor *c, char ch, const char *what)
{
	if (*c->p != ch)
		return parse_error(c, what);
	c->p++;
	return 0;
}

/* Optional ".fffffffff" (1..9 digits) after the seconds. */
static int read_fraction(cursor *c, int *ns)
{
	int digits = 0;

	*ns = 0;
	if (*c->p != '.' && *c->p != ',')
		return 0;
	c->p++;
	while (*c->p >= '0' && *c->p <= '9') {
		if (++digits > 9)
			return parse_error(c, "more than 9 fractional digits");
		*ns = *ns * 10 + (*c->p - '0');
		c->p++;
	}
	if (digits == 0)
		return parse_error(c, "expected digits after the decimal point");
	for (int i = digits; i < 9; i++)
		*ns *= 10;
	return 0;
}

/* Optional zone: Z, +hh:mm, +hhmm, +hh; returns the offset in seconds east. */
static int read_zone(cursor *c, int *offset)
{
	int sign, hh = 0, mm = 0, rc;

	*offset = 0;
	if (*c->p == 'Z' || *c->p == 'z') {
		c->p++;
		return 0;
	}
	if (*c->p != '+' && *c->p != '-')
		return 0;
	sign = *c->p == '-' ? -1 : 1;
	c->p++;
	if ((rc = read_digits(c, 2, &hh, "expected zone hours")))
		return rc;
	if (*c->p == ':') {
		c->p++;
		if ((rc = read_digits(c, 2, &mm, "expected zone minutes")))
			return rc;
	} else if (*c->p >= '0' && *c->p <= '9') {
		if ((rc = read_digits(c, 2, &mm, "expected zone minutes")))
			return rc;
	}
	if (hh > 23 || mm > 59)
		return parse_error(c, "zone offset out of range");
	*offset = sign * (hh * 3600 + mm * 60);
	return 0;
}

/* hh:mm[:ss[.f]] */
static int read_clock(cursor *c, strata_civil *cv)
{
	int rc;

	if ((rc = read_digits(c, 2, &cv->hour, "expected hour")) ||
	    (rc = expect_char(c, ':', "expected ':' after the hour")) ||
	    (rc = read_digits(c, 2, &cv->minute, "expected minutes")))
		return rc;
	if (*c->p != ':')
		return 0;
	c->p++;
	if ((rc = read_digits(c, 2, &cv->second, "expected seconds")))
		return rc;
	return read_fraction(c, &cv->nanosecond);
}

int strata_time_parse_iso8601(const char *text, strata_time *out)
{
	cursor c = {text, text};
	strata_civil cv = {0};
	int rc, offset = 0, leap = 0;

	if (!text)
		return strata_error_set(STRATA_EINVAL, "timestamp is NULL");
	if ((rc = read_digits(&c, 4, &cv.year, "expected a 4-digit year")) ||
	    (rc = expect_char(&c, '-', "expected '-' after the year")) ||
	    (rc = read_digits(&c, 2, &cv.month, "expected a 2-digit month")) ||
	    (rc = expect_char(&c, '-', "expected '-' after the month")) ||
	    (rc = read_digits(&c, 2, &cv.day, "expected a 2-digit day")))
		return rc;
	if (*c.p == 'T' || *c.p == 't' || (*c.p == ' ' && c.p[1] >= '0' && c.p[1] <= '9')) {
		c.p++;
		if ((rc = read_clock(&c, &cv)) || (rc = read_zone(&c, &offset)))
			return rc;
	}
	if (*c.p != '\0')
		return parse_error(&c, "unexpected trailing characters");
	if (cv.second == 60) {
		if (cv.hour != 23 || cv.minute != 59)
			return parse_error(&c, "second 60 is only valid at 23:59:60");
		cv.second = 59;
		leap = 1;
	}
	if ((rc = strata_time_from_civil(&cv, out)))
		return strata_error_wrap(rc, "invalid timestamp '%.64s'", text);
	if (__builtin_add_overflow(*out, (leap - (int64_t)offset) * STRATA_NS_PER_SEC, out))
		return strata_error_set(STRATA_ELIMIT, "invalid timestamp '%.64s': out of range",
		                        text);
	return 0;
}

int strata_time_format_iso8601(strata_time t, int frac_digits, char *buf, size_t buflen)
{
	strata_civil cv;
	int n, frac;

	if (frac_digits < 0 || frac_digits > 9 || buflen < 32)
		return strata_error_set(STRATA_EINVAL, "format: bad digits or buffer too small");
	strata_time_to_civil(t, &cv);
	n = snprintf(buf, buflen, "%04d-%02d-%02dT%02d:%02d:%02d", cv.year, cv.month, cv.day,
	             cv.hour, cv.minute, cv.second);
	if (frac_digits > 0) {
		frac = cv.nanosecond;
		for (int i = frac_digits; i < 9; i++)
			frac /= 10;
		n += snprintf(buf + n, buflen - (size_t)n, ".%0*d", frac_digits, frac);
	}
	n += snprintf(buf + n, buflen - (size_t)n, "Z");
	return n;
}

/* --- MJD and day of year ------------------------------------------------- */

double strata_time_to_mjd(strata_time t)
{
	int64_t ns_of_day, days = floor_div(t, STRATA_NS_PER_DAY, &ns_of_day);
	return STRATA_MJD_UNIX_EPOCH + (double)days + (double)ns_of_day / (double)STRATA_NS_PER_DAY;
}

int strata_time_from_mjd(double mjd, strata_time *out)
{
	double days, frac, ns;

	if (!isfinite(mjd))
		return strata_error_set(STRATA_EINVAL, "MJD is not a finite number");
	days = floor(mjd);
	frac = mjd - days;
	days -= STRATA_MJD_UNIX_EPOCH;
	if (days < -106751.0 || days > 106750.0)
		return strata_error_set(STRATA_ELIMIT, "MJD %.6f outside 1677..2262", mjd);
	ns = round(frac * (double)STRATA_NS_PER_DAY);
	return seconds_to_ns((int64_t)days * SECONDS_PER_DAY, (int64_t)ns, out);
}

void strata_time_to_year_doy(strata_time t, int *year, int *doy)
{
	strata_civil cv;
	strata_time_to_civil(t, &cv);
	*year = cv.year;
	*doy = (int)(strata_days_from_civil(cv.year, cv.month, cv.day) -
	             strata_days_from_civil(cv.year, 1, 1)) +
	       1;
}

int strata_time_from_year_doy(int year, int doy, strata_time *out)
{
	int ndays = strata_is_leap_year(year) ? 366 : 365;

	if (doy < 1 || doy > ndays)
		return strata_error_set(STRATA_EINVAL, "day of year %d out of range 1..%d for %d",
		                        doy, ndays, year);
	return seconds_to_ns((strata_days_from_civil(year, 1, 1) + doy - 1) * SECONDS_PER_DAY, 0,
	                     out);
}
