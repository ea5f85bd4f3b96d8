/*
 * stats.c - datachunk statistics (see stats.h): scipy.stats.describe's
 * numbers with compensated sums.
 */
#include "noise/stats.h"

#include <math.h>

#include "strata/error.h"

/* scipy's threshold: np.finfo(float64).resolution. */
#define NOISE_STATS_RESOLUTION 1e-15

/* A Neumaier-compensated running sum. */
typedef struct ksum {
	double sum, comp;
} ksum;

static void ksum_add(ksum *k, double v)
{
	double t = k->sum + v;

	if (fabs(k->sum) >= fabs(v))
		k->comp += (k->sum - t) + v;
	else
		k->comp += (v - t) + k->sum;
	k->sum = t;
}

static double ksum_value(const ksum *k)
{
	return k->sum + k->comp;
}

/* First pass: refuse non-finite samples; sum, sum of squares, min, max. */
static int first_pass(const double *x, size_t n, double *mean, noise_stats *out)
{
	ksum s = {0, 0}, s2 = {0, 0};

	out->min = out->max = x[0];
	for (size_t i = 0; i < n; i++) {
		if (!isfinite(x[i]))
			return strata_error_set(
			    STRATA_EINVAL,
			    "sample %zu of %zu is %s: no statistics for a chunk "
			    "with non-finite samples",
			    i, n, isnan(x[i]) ? "NaN" : "infinite");
		ksum_add(&s, x[i]);
		ksum_add(&s2, x[i] * x[i]);
		if (x[i] < out->min)
			out->min = x[i];
		if (x[i] > out->max)
			out->max = x[i];
	}
	*mean = ksum_value(&s) / (double)n;
	out->energy = ksum_value(&s2) / (double)n;
	return 0;
}

int noise_stats_compute(const double *x, size_t n, noise_stats *out)
{
	ksum m2 = {0, 0}, m3 = {0, 0}, m4 = {0, 0};
	double mean = 0.0, nd = (double)n;
	int rc;

	if (!n)
		return strata_error_set(STRATA_EINVAL,
		                        "no samples: no statistics for an empty chunk");
	if ((rc = first_pass(x, n, &mean, out)))
		return rc;
	for (size_t i = 0; i < n; i++) {
		double d = x[i] - mean, d2 = d * d;
		ksum_add(&m2, d2);
		ksum_add(&m3, d2 * d);
		ksum_add(&m4, d2 * d2);
	}
	double c2 = ksum_value(&m2) / nd, c3 = ksum_value(&m3) / nd, c4 = ksum_value(&m4) / nd;
	double tiny = NOISE_STATS_RESOLUTION * mean;

	out->mean = mean;
	out->variance = n > 1 ? c2 * nd / (nd - 1.0) : NAN;
	/* scipy returns NaN when the data are constant to within resolution. */
	if (c2 <= tiny * tiny) {
		out->skewness = NAN;
		out->kurtosis = NAN;
	} else {
		out->skewness = c3 / pow(c2, 1.5);
		out->kurtosis = c4 / (c2 * c2) - 3.0;
	}
	return 0;
}

double noise_stats_value(const noise_stats *s, int i)
{
	switch (i) {
	case 0: return s->energy;
	case 1: return s->min;
	case 2: return s->max;
	case 3: return s->mean;
	case 4: return s->variance;
	case 5: return s->skewness;
	case 6: return s->kurtosis;
	default: return NAN;
	}
}
