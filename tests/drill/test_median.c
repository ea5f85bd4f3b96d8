/* test_median.c - selection median and the sliding-window median against
 * brute force (sort every window), bit for bit, with ties, NaN and inf. */
#include "testutil.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "drill/median.h"
#include "strata/error.h"

static int cmp_double(const void *pa, const void *pb)
{
	double a = *(const double *)pa, b = *(const double *)pb;
	return (a > b) - (a < b);
}

/* numpy.median by sorting a copy; NaN when a value is NaN. */
static double sorted_median(const double *a, size_t n)
{
	double *s = malloc(n * sizeof *s), m;

	assert_non_null(s);
	for (size_t i = 0; i < n; i++) {
		if (isnan(a[i])) {
			free(s);
			return NAN;
		}
		s[i] = a[i];
	}
	qsort(s, n, sizeof *s, cmp_double);
	m = n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2.0;
	free(s);
	return m;
}

/* pandas rolling(w).median() by sorting every window. */
static void brute_rolling(const double *a, size_t n, size_t w, double *out)
{
	for (size_t i = 0; i < n; i++) {
		int full = i + 1 >= w;
		for (size_t j = full ? i + 1 - w : 0; full && j <= i; j++)
			if (!isfinite(a[j]))
				full = 0;
		out[i] = full ? sorted_median(a + i + 1 - w, w) : NAN;
	}
}

/* The bits of a double: equal bits are the same value, signed zeros apart. */
static uint64_t bits(double v)
{
	uint64_t b;
	memcpy(&b, &v, sizeof b);
	return b;
}

/* Equal bit for bit, or both NaN. */
static void assert_same(double got, double want, const char *what, size_t i)
{
	if (isnan(want) && isnan(got))
		return;
	if (bits(got) != bits(want))
		fail_msg("%s[%zu]: got %a, want %a", what, i, got, want);
}

/* Random data: few distinct values (ties) or wide ones, some NaN and inf. */
static void random_data(unsigned *seed, double *a, size_t n, int ties, int holes)
{
	for (size_t i = 0; i < n; i++) {
		int r = rand_r(seed);
		a[i] = ties ? (double)(r % 7) - 3.0 : (double)r / RAND_MAX * 200.0 - 100.0;
		if (holes && r % 53 == 0)
			a[i] = NAN;
		else if (holes && r % 97 == 0)
			a[i] = r % 2 ? INFINITY : -INFINITY;
	}
}

static void test_rolling_against_brute_force(void **state)
{
	enum { N = 700 };
	static const size_t windows[] = {1, 2, 3, 4, 5, 8, 11, 20, 33, 64, 88, 151, 300, 699, 700};
	double a[N], got[N], want[N];
	unsigned seed = 7;

	(void)state;
	for (int ties = 0; ties < 2; ties++) {
		for (int holes = 0; holes < 2; holes++) {
			random_data(&seed, a, N, ties, holes);
			for (size_t k = 0; k < sizeof windows / sizeof windows[0]; k++) {
				assert_ok(drill_rolling_median(a, N, windows[k], got));
				brute_rolling(a, N, windows[k], want);
				for (size_t i = 0; i < N; i++)
					assert_same(got[i], want[i], "rolling", i);
			}
		}
	}
}

/* Monotone runs (the drilling traces' shape) move every value across the
 * middle; a window longer than the data gives NaN only; w = 0 is refused. */
static void test_rolling_shapes(void **state)
{
	enum { N = 400 };
	double a[N], got[N], want[N];

	(void)state;
	for (size_t i = 0; i < N; i++)
		a[i] = i < N / 2 ? (double)i : (double)(N - i) * 0.5;
	for (size_t w = 1; w <= 41; w += 4) {
		assert_ok(drill_rolling_median(a, N, w, got));
		brute_rolling(a, N, w, want);
		for (size_t i = 0; i < N; i++)
			assert_same(got[i], want[i], "shape", i);
	}
	assert_ok(drill_rolling_median(a, 10, 11, got));
	for (size_t i = 0; i < 10; i++)
		assert_true(isnan(got[i]));
	assert_int_equal(drill_rolling_median(a, N, 0, got), STRATA_EINVAL);
}

static void test_median_against_sort(void **state)
{
	enum { N = 1001 };
	double a[N];
	unsigned seed = 11;

	(void)state;
	for (size_t n = 1; n <= N; n += n < 40 ? 1 : 37) {
		random_data(&seed, a, n, (int)(n % 2), 0);
		assert_same(drill_median(a, n), sorted_median(a, n), "random", n);
		/* sorted, reversed, all equal, organ pipe */
		for (size_t i = 0; i < n; i++)
			a[i] = (double)i;
		assert_same(drill_median(a, n), sorted_median(a, n), "sorted", n);
		for (size_t i = 0; i < n; i++)
			a[i] = (double)(n - i);
		assert_same(drill_median(a, n), sorted_median(a, n), "reversed", n);
		for (size_t i = 0; i < n; i++)
			a[i] = 0.25;
		assert_same(drill_median(a, n), sorted_median(a, n), "equal", n);
		for (size_t i = 0; i < n; i++)
			a[i] = (double)(i < n / 2 ? i : n - i);
		assert_same(drill_median(a, n), sorted_median(a, n), "organ pipe", n);
	}
}

/* A NaN anywhere gives NaN (numpy.median); no values give NaN. */
static void test_median_nan(void **state)
{
	double a[5] = {1, 2, 3, 4, 5};

	(void)state;
	assert_true(drill_median(a, 5) == 3 && drill_median(a, 4) == 2.5);
	a[3] = NAN;
	assert_true(isnan(drill_median(a, 5)));
	assert_true(isnan(drill_median(a, 0)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rolling_against_brute_force),
	    cmocka_unit_test(test_rolling_shapes),
	    cmocka_unit_test(test_median_against_sort),
	    cmocka_unit_test(test_median_nan),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
