/*
 * variability.h - light-curve variability metrics (docs/sky.md defines them).
 *
 * For N flux measurements f_i with errors s_i (weights w_i = 1 / s_i^2):
 *   weighted mean   fw  = sum(w f) / sum(w)
 *   chi2                = sum(w (f - fw)^2)
 *   eta                 = chi2 / (N - 1)            (VAST's eta)
 *   V                   = sample std (N - 1) / mean(f)
 *   modulation index m  = population std (N) / mean(f)
 * Measurements with a non-finite flux, or a non-finite or non-positive error,
 * are skipped.
 */
#ifndef STRATA_SKY_VARIABILITY_H
#define STRATA_SKY_VARIABILITY_H

#include <stddef.h>

typedef struct sky_variability {
	size_t n; /* measurements used */
	double mean, weighted_mean;
	double chi2, chi2_reduced; /* chi2_reduced = chi2 / (n - 1) */
	double eta, v, m;          /* NaN when undefined (n < 2, mean 0) */
} sky_variability;

/* Compute the metrics of n measurements; always succeeds. */
void sky_variability_compute(const double *flux, const double *err, size_t n, sky_variability *out);

#endif
