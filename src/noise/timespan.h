/*
 * timespan.h - Noiz's processing windows.
 *
 * Noiz (processing/timespan.py) normalises both dates to midnight, starts a
 * window every window_length - overlap seconds from the start midnight while
 * the start is before the end midnight (pandas date_range, closed left), ends
 * each window window_length later, puts its midtime in the middle, and keeps
 * only the windows whose start and last nanosecond fall on the same UTC day
 * unless windows over midnight are requested.
 */
#ifndef STRATA_NOISE_TIMESPAN_H
#define STRATA_NOISE_TIMESPAN_H

#include <stddef.h>

#include "strata/db.h"
#include "strata/time.h"

/* The most windows one call generates (about 95 years of 1-minute windows). */
#define NOISE_TIMESPAN_MAX 50000000

typedef struct noise_timespan {
	strata_time start, mid, end;
} noise_timespan;

typedef struct noise_timespan_spec {
	strata_time start, end;     /* normalised to midnight */
	int64_t window_ns;          /* > 0 */
	int64_t overlap_ns;         /* < window_ns (may be negative: gaps) */
	int generate_over_midnight; /* keep windows that cross midnight */
} noise_timespan_spec;

/* Seconds (finite, |s| <= 4e9, about 126 years) to nanoseconds, rounded to nearest. */
int noise_seconds_to_ns(double seconds, const char *what, int64_t *out);

/* Generate the windows of spec into *out (malloc'd; *n may be 0). */
int noise_timespans_generate(const noise_timespan_spec *spec, noise_timespan **out, size_t *n);

/* Upsert windows into the catalog's timespan table in batches; *inserted
 * (may be NULL) gets how many rows were new. */
int noise_timespans_store(strata_db *db, const noise_timespan *ts, size_t n, size_t *inserted);

#endif
