/*
 * stats.h - datachunk statistics as Noiz computes them
 * (noiz/processing/datachunk.py calculate_datachunk_stats, which calls
 * scipy.stats.describe with its defaults):
 *
 *   energy    sum(x^2) / N
 *   min, max  of the samples
 *   mean      sum(x) / N
 *   variance  sample variance, ddof 1: sum((x - mean)^2) / (N - 1)
 *   skewness  biased: m3 / m2^1.5 with m_k = sum((x - mean)^k) / N
 *   kurtosis  biased, Fisher's (excess): m4 / m2^2 - 3
 *
 * As scipy: with N = 1 the variance is NaN; when m2 <= (1e-15 * mean)^2
 * (constant or all-zero data) skewness and kurtosis are NaN. NaN is stored
 * as SQL NULL. Sums are compensated (Neumaier), central moments two-pass.
 */
#ifndef STRATA_NOISE_STATS_H
#define STRATA_NOISE_STATS_H

#include <stddef.h>

/* The statistics of one datachunk (columns of datachunk_stats). */
typedef struct noise_stats {
	double energy, min, max, mean, variance, skewness, kurtosis;
} noise_stats;

/*
 * Statistics of x[0..n-1]. STRATA_EINVAL (message naming the sample) when
 * n is 0 or a sample is NaN or infinite: such a chunk has no statistics.
 */
int noise_stats_compute(const double *x, size_t n, noise_stats *out);

/* The i-th statistic (0 energy, 1 min, 2 max, 3 mean, 4 variance,
 * 5 skewness, 6 kurtosis: the column order of datachunk_stats). */
double noise_stats_value(const noise_stats *s, int i);

#endif
