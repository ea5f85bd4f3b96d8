/*
 * test_stats.c - src/noise/stats.c against tests/noise/qc_reference.py
 * (scipy.stats.describe and sum(x^2)/N, as Noiz computes datachunk
 * statistics), run live with Debian's python3 ($STRATA_PYTHON, default
 * /usr/bin/python3), on synthetic arrays, edge cases and a real raw day.
 *
 * Tolerances: energy, min, max and variance relative 1e-9; the mean within
 * 1e-9 of max(|mean|, standard deviation) (chunks are demeaned, so their
 * mean is rounding noise on the scale of the data); skewness and kurtosis,
 * dimensionless, within 1e-9 of max(|value|, 1). NaN must match NaN.
 */
#include "testutil.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "noise/mseed_index.h"
#include "noise/stats.h"

#define TOL 1e-9

static void write_bytes(const char *path, const void *x, size_t bytes)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(x, 1, bytes, f), bytes);
	assert_int_equal(fclose(f), 0);
}

/* The reference's 7 statistics of x[0..n-1]; skips without numpy/scipy. */
static void reference(const double *x, size_t n, double ref[7])
{
	char in[512], out[512], cmd[2048];
	const char *py = getenv("STRATA_PYTHON");
	FILE *f;
	int rc;

	snprintf(in, sizeof(in), "%s/stats_in.f64", strata_test_dir);
	snprintf(out, sizeof(out), "%s/stats_out.f64", strata_test_dir);
	write_bytes(in, x, n * sizeof(double));
	snprintf(cmd, sizeof(cmd), "%s %s/tests/noise/qc_reference.py stats %s %s",
	         py ? py : "/usr/bin/python3", STRATA_SOURCE_DIR, in, out);
	rc = system(cmd);
	if (WIFEXITED(rc) && WEXITSTATUS(rc) == 77) {
		printf("SKIPPED: python3 with numpy and scipy not available\n");
		skip();
	}
	assert_int_equal(rc, 0);
	f = fopen(out, "rb");
	assert_non_null(f);
	assert_int_equal(fread(ref, sizeof(double), 7, f), 7);
	fclose(f);
}

/* |c - r| <= TOL * scale, or both NaN. */
static void expect_close(const char *what, const char *stat, double c, double r, double scale)
{
	if (isnan(r) || isnan(c)) {
		if (!(isnan(r) && isnan(c)))
			fail_msg("%s %s: C %.17g, reference %.17g", what, stat, c, r);
		return;
	}
	if (!(fabs(c - r) <= TOL * scale))
		fail_msg("%s %s: C %.17g, reference %.17g (diff %.3g, scale %.3g)", what, stat, c,
		         r, fabs(c - r), scale);
}

/* Compare noise_stats_compute(x) with the reference. */
static void check(const char *what, const double *x, size_t n)
{
	static const char *const names[7] = {"energy",   "min",      "max",     "mean",
	                                     "variance", "skewness", "kurtosis"};
	noise_stats s;
	double ref[7], worst = 0.0;

	assert_ok(noise_stats_compute(x, n, &s));
	reference(x, n, ref);
	for (int i = 0; i < 7; i++) {
		double c = noise_stats_value(&s, i), scale;
		if (i == 3)
			scale = fmax(fabs(ref[3]), isnan(ref[4]) ? 0.0 : sqrt(ref[4]));
		else if (i >= 5)
			scale = fmax(fabs(ref[i]), 1.0);
		else
			scale = fabs(ref[i]);
		expect_close(what, names[i], c, ref[i], scale);
		if (!isnan(ref[i]) && scale > 0)
			worst = fmax(worst, fabs(c - ref[i]) / scale);
	}
	printf("%-28s n=%-6zu skew %-10.4g kurt %-10.4g worst scaled err %.3g\n", what, n,
	       s.skewness, s.kurtosis, worst);
}

/* Uniform in [0, 1) from an LCG. */
static double uniform(uint64_t *seed)
{
	*seed = *seed * 6364136223846793005ULL + 1442695040888963407ULL;
	return (double)(*seed >> 11) / 9007199254740992.0;
}

static void test_synthetic(void **state)
{
	size_t n = 43200;
	double *x = malloc(n * sizeof(*x));
	uint64_t seed = 42;

	(void)state;
	assert_non_null(x);
	/* Near-Gaussian noise at a velocity scale (12 uniforms - 6). */
	for (size_t i = 0; i < n; i++) {
		double g = -6.0;
		for (int k = 0; k < 12; k++)
			g += uniform(&seed);
		x[i] = 3e-7 * g;
	}
	check("gaussian-like 1e-7", x, n);
	/* Skewed: exponential with an offset. */
	for (size_t i = 0; i < n; i++)
		x[i] = 5.0 - 3.0 * log(1.0 - uniform(&seed));
	check("exponential + 5", x, n);
	/* Sines on an offset. */
	for (size_t i = 0; i < n; i++)
		x[i] = 100.0 + 50.0 * sin(0.013 * (double)i) + 20.0 * sin(0.71 * (double)i);
	check("sines + 100", x, n);
	/* Heavy tails: rare spikes on small noise. */
	for (size_t i = 0; i < n; i++)
		x[i] = (uniform(&seed) - 0.5) * 1e-3 + (i % 997 == 0 ? 5.0 : 0.0);
	check("spikes", x, n);
	free(x);
}

static void test_edge_cases(void **state)
{
	static const double two[2] = {1.0, 2.0}, three[3] = {1.0, 2.0, 4.0}, one[1] = {2.0};
	double zeros[1000] = {0}, constant[100], negative[5] = {-1e-9, -2e-9, -3e-9, -5e-9, -8e-9};
	noise_stats s;

	(void)state;
	for (size_t i = 0; i < 100; i++)
		constant[i] = 3.3;
	check("n=2", two, 2);
	check("n=3", three, 3);
	check("negative n=5", negative, 5);
	/* n = 1: variance NaN (ddof 1), skewness and kurtosis NaN. */
	check("n=1", one, 1);
	assert_ok(noise_stats_compute(one, 1, &s));
	assert_true(isnan(s.variance) && isnan(s.skewness) && isnan(s.kurtosis));
	assert_true(s.energy == 4.0 && s.mean == 2.0 && s.min == 2.0 && s.max == 2.0);
	/* Constant and all-zero chunks: variance 0, skewness and kurtosis NaN. */
	check("constant 3.3", constant, 100);
	check("all zeros", zeros, 1000);
	assert_ok(noise_stats_compute(zeros, 1000, &s));
	assert_true(s.energy == 0.0 && s.variance == 0.0 && isnan(s.skewness) && isnan(s.kurtosis));
}

static void test_bad_samples(void **state)
{
	double x[4] = {1.0, 2.0, NAN, 4.0};
	noise_stats s;

	(void)state;
	assert_int_equal(noise_stats_compute(x, 4, &s), STRATA_EINVAL);
	assert_non_null(strstr(strata_error_message(), "sample 2 of 4 is NaN"));
	x[2] = -INFINITY;
	assert_int_equal(noise_stats_compute(x, 4, &s), STRATA_EINVAL);
	assert_non_null(strstr(strata_error_message(), "sample 2 of 4 is infinite"));
	assert_int_equal(noise_stats_compute(x, 0, &s), STRATA_EINVAL);
	assert_non_null(strstr(strata_error_message(), "no samples"));
}

/* The raw counts of a real BHN day, as one long chunk. */
static void test_real_day(void **state)
{
	char path[1024];
	noise_mseed_index idx;
	double *x = NULL;
	size_t n = 0;

	(void)state;
	STRATA_REQUIRE_TESTDATA("seismic/noisepy/CICCA__BHN___2022002.ms", path);
	assert_ok(noise_mseed_index_file(path, &idx));
	assert_true(idx.nsegments >= 1);
	assert_ok(noise_mseed_read_samples(path, &idx.segments[0], &x, &n));
	check("CI.CCA BHN raw counts", x, n);
	free(x);
	noise_mseed_index_free(&idx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_synthetic),
	    cmocka_unit_test(test_edge_cases),
	    cmocka_unit_test(test_bad_samples),
	    cmocka_unit_test(test_real_day),
	};
	return cmocka_run_group_tests(tests, strata_test_dir_setup, strata_test_dir_teardown);
}
