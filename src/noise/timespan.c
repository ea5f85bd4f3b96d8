/*
 * timespan.c - Noiz's window rule and the timespan table.
 */
#include "noise/timespan.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "noise/catalog.h"
#include "strata/error.h"

int noise_seconds_to_ns(double seconds, const char *what, int64_t *out)
{
	if (!isfinite(seconds) || fabs(seconds) > 4.0e9)
		return strata_error_set(STRATA_EINVAL, "%s: %g s is out of range", what, seconds);
	*out = (int64_t)llround(seconds * 1e9);
	return 0;
}

/* Whether [start, end) lies within one UTC day: Noiz's Timespan.same_day. */
static int same_day(strata_time start, strata_time end)
{
	return strata_time_floor_day(start) == strata_time_floor_day(end - 1);
}

static int check_spec(const noise_timespan_spec *spec)
{
	if (spec->window_ns <= 0)
		return strata_error_set(STRATA_EINVAL, "window length must be positive");
	if (spec->overlap_ns >= spec->window_ns)
		return strata_error_set(
		    STRATA_EINVAL,
		    "the overlap (%.9g s) cannot be equal to or longer than the "
		    "window length (%.9g s)",
		    (double)spec->overlap_ns / 1e9, (double)spec->window_ns / 1e9);
	return 0;
}

int noise_timespans_generate(const noise_timespan_spec *spec, noise_timespan **out, size_t *n)
{
	strata_time first, last;
	int64_t step;
	uint64_t count;
	noise_timespan *ts;
	size_t k = 0;
	int rc = check_spec(spec);

	*out = NULL;
	*n = 0;
	if (rc)
		return rc;
	step = spec->window_ns - spec->overlap_ns;
	first = strata_time_floor_day(spec->start);
	last = strata_time_floor_day(spec->end);
	if (last <= first)
		return 0;
	count = ((uint64_t)last - (uint64_t)first - 1) / (uint64_t)step + 1;
	if (count > NOISE_TIMESPAN_MAX)
		return strata_error_set(STRATA_ELIMIT, "%llu windows requested, at most %d",
		                        (unsigned long long)count, NOISE_TIMESPAN_MAX);
	if (last > INT64_MAX - spec->window_ns)
		return strata_error_set(STRATA_EINVAL, "end date out of range");
	ts = malloc(count * sizeof(*ts));
	if (!ts)
		return strata_error_set(STRATA_ENOMEM, "timespans: out of memory");
	for (uint64_t i = 0; i < count; i++) {
		strata_time s = first + (int64_t)i * step;
		strata_time e = s + spec->window_ns;
		if (!spec->generate_over_midnight && !same_day(s, e))
			continue;
		ts[k].start = s;
		ts[k].mid = s + spec->window_ns / 2;
		ts[k].end = e;
		k++;
	}
	*out = ts;
	*n = k;
	return 0;
}

/* Rows for the bulk insert: the windows and whether ids are needed. */
typedef struct ts_rows {
	const noise_timespan *ts;
} ts_rows;

static int bind_timespan(strata_db_stmt *st, size_t row, void *ctx)
{
	const ts_rows *r = ctx;
	char id[37];
	int rc = noise_new_id(id);

	if (!rc)
		rc = strata_db_bind_text(st, 1, id);
	if (!rc)
		rc = strata_db_bind_int64(st, 2, r->ts[row].start);
	if (!rc)
		rc = strata_db_bind_int64(st, 3, r->ts[row].mid);
	if (!rc)
		rc = strata_db_bind_int64(st, 4, r->ts[row].end);
	return rc;
}

int noise_timespans_store(strata_db *db, const noise_timespan *ts, size_t n, size_t *inserted)
{
	/* The id of an existing window stays: only its midtime is refreshed. */
	static const char sql[] =
	    "INSERT INTO timespan (id, starttime_ns, midtime_ns, endtime_ns) VALUES (?, ?, ?, ?) "
	    "ON CONFLICT (starttime_ns, endtime_ns) DO UPDATE SET midtime_ns = excluded.midtime_ns";
	ts_rows rows = {ts};
	long long before = 0, after = 0;
	int rc = noise_catalog_count(db, "timespan", &before);

	if (!rc)
		rc = strata_db_bulk_insert(db, sql, n, 0, bind_timespan, &rows, NULL);
	if (!rc)
		rc = noise_catalog_count(db, "timespan", &after);
	if (!rc && inserted)
		*inserted = (size_t)(after - before);
	return rc;
}
