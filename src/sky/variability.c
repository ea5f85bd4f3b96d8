/* variability.c - light-curve variability metrics; see variability.h. */
#include "sky/variability.h"

#include <math.h>
#include <string.h>

static int usable(double f, double e)
{
	return isfinite(f) && isfinite(e) && e > 0;
}

/* Two passes: means first, then centred sums (numerically stable). */
void sky_variability_compute(const double *flux, const double *err, size_t n, sky_variability *out)
{
	double sum = 0, sw = 0, swf = 0, ss = 0, chi2 = 0;
	size_t k = 0;

	memset(out, 0, sizeof *out);
	for (size_t i = 0; i < n; i++) {
		if (!usable(flux[i], err[i]))
			continue;
		double w = 1.0 / (err[i] * err[i]);
		sum += flux[i];
		sw += w;
		swf += w * flux[i];
		k++;
	}
	out->n = k;
	out->mean = k ? sum / (double)k : NAN;
	out->weighted_mean = k ? swf / sw : NAN;
	for (size_t i = 0; i < n; i++) {
		if (!usable(flux[i], err[i]))
			continue;
		double d = flux[i] - out->mean, dw = flux[i] - out->weighted_mean;
		ss += d * d;
		chi2 += dw * dw / (err[i] * err[i]);
	}
	out->chi2 = k ? chi2 : NAN;
	out->chi2_reduced = k > 1 ? chi2 / (double)(k - 1) : NAN;
	out->eta = out->chi2_reduced;
	out->v = k > 1 && out->mean != 0 ? sqrt(ss / (double)(k - 1)) / out->mean : NAN;
	out->m = k > 0 && out->mean != 0 ? sqrt(ss / (double)k) / out->mean : NAN;
}
