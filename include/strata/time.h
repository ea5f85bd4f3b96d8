/*
 * time.h - nanosecond UTC timestamps, ISO 8601, MJD and day-of-year.
 *
 * A strata_time is int64 nanoseconds since 1970-01-01T00:00:00Z (covering
 * 1677-09-21 to 2262-04-11). Parsers are strict: a trailing byte, an invalid
 * field (month 13, Feb 30, hour 24, second 61) or an overflow is an error
 * naming the input and the position, never a silent guess.
 */
#ifndef STRATA_TIME_H
#define STRATA_TIME_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef int64_t strata_time;

#define STRATA_NS_PER_SEC     INT64_C(1000000000)
#define STRATA_NS_PER_DAY     (INT64_C(86400) * STRATA_NS_PER_SEC)
#define STRATA_MJD_UNIX_EPOCH 40587.0 /* MJD of 1970-01-01 */

/* The current UTC time (CLOCK_REALTIME). */
strata_time strata_time_now(void);
/* A monotonic clock in nanoseconds, for durations. */
int64_t strata_time_monotonic_ns(void);

/*
 * Parse ISO 8601 / RFC 3339: "YYYY-MM-DD", "YYYY-MM-DDThh:mm[:ss[.f{1,9}]]"
 * with 'T', 't' or one space as separator, and an optional zone "Z", "z",
 * "+hh:mm", "-hh:mm", "+hhmm" or "+hh". Without a zone the time is taken as
 * UTC. Leap second 60 is accepted only at 23:59:60 and folds into the next
 * second. Fractions beyond 9 digits are rejected.
 */
int strata_time_parse_iso8601(const char *text, strata_time *out);

/* Format as "YYYY-MM-DDThh:mm:ss[.fff...]Z" with frac_digits (0..9) digits.
 * buf needs at least 32 bytes. Returns the length or a negative error. */
int strata_time_format_iso8601(strata_time t, int frac_digits, char *buf, size_t buflen);

/* Calendar conversion (proleptic Gregorian, UTC). */
typedef struct strata_civil {
	int year, month, day;     /* month 1..12, day 1..31 */
	int hour, minute, second; /* 0..23, 0..59, 0..59 */
	int nanosecond;           /* 0..999999999 */
} strata_civil;

int strata_time_from_civil(const strata_civil *c, strata_time *out);
void strata_time_to_civil(strata_time t, strata_civil *out);

/* Modified Julian Date (days since 1858-11-17T00:00Z, UTC days). */
double strata_time_to_mjd(strata_time t);
int strata_time_from_mjd(double mjd, strata_time *out);

/* Day of year (1..366) and back. */
void strata_time_to_year_doy(strata_time t, int *year, int *doy);
int strata_time_from_year_doy(int year, int doy, strata_time *out);

int strata_is_leap_year(int year);
/* Days in month (1..12) of year; days since 1970-01-01 of a civil date
 * (proleptic Gregorian; no range check). */
int strata_days_in_month(int year, int month);
int64_t strata_days_from_civil(int64_t year, int month, int day);
/* Midnight UTC at or before t. */
strata_time strata_time_floor_day(strata_time t);

#ifdef __cplusplus
}
#endif
#endif
