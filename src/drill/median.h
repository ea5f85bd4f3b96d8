/*
 * median.h - exact medians for the keypoint estimators: of an array, and
 * trailing over a sliding window.
 *
 * Both return exactly numpy's values: the middle value of the sorted data,
 * or (lower + upper) / 2 of the two middle values for an even count.
 */
#ifndef STRATA_DRILL_MEDIAN_H
#define STRATA_DRILL_MEDIAN_H

#include <stddef.h>

/* Median of n values by selection in O(n) (a copy is reordered; the worst
 * case is bounded by falling back to a sort). NaN when a value is NaN (as
 * numpy.median), when n is 0, or when out of memory. */
double drill_median(const double *a, size_t n);

/*
 * Trailing rolling median (pandas rolling(w).median(), min_periods = w):
 * out[i] = median of a[i-w+1..i]; NaN when i < w-1 or the window holds a
 * NaN or an infinity (pandas turns +-inf into NaN). O(n log w): two heaps
 * over the window's slots, the value leaving replaced in place by the value
 * entering. Returns 0, STRATA_EINVAL for w == 0 or STRATA_ENOMEM.
 */
int drill_rolling_median(const double *a, size_t n, size_t w, double *out);

#endif
