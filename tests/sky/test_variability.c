/* test_variability.c - variability metrics against the numpy golden
 * (variability_reference.py -> variability_golden.json). */
#include "testutil.h"

#include "sky/variability.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>

static void assert_close(double got, double want, const char *what)
{
	double tol = 1e-12 * (fabs(want) > 1 ? fabs(want) : 1);
	if (!(fabs(got - want) <= tol))
		fail_msg("%s: got %.17g, want %.17g", what, got, want);
}

static double *array_of(json_t *a)
{
	double *v = calloc(json_array_size(a) + 1, sizeof *v);
	for (size_t i = 0; i < json_array_size(a); i++)
		v[i] = json_number_value(json_array_get(a, i));
	return v;
}

static void test_golden(void **state)
{
	char path[512];
	json_error_t err;
	json_t *doc, *cases, *c;
	size_t i;

	(void)state;
	snprintf(path, sizeof path, "%s/tests/sky/variability_golden.json", STRATA_SOURCE_DIR);
	doc = json_load_file(path, 0, &err);
	assert_non_null(doc);
	cases = json_object_get(doc, "cases");
	assert_true(json_array_size(cases) >= 5);
	json_array_foreach(cases, i, c)
	{
		json_t *x = json_object_get(c, "expected");
		double *f = array_of(json_object_get(c, "flux")),
		       *e = array_of(json_object_get(c, "err"));
		sky_variability v;
		sky_variability_compute(f, e, json_array_size(json_object_get(c, "flux")), &v);
		assert_int_equal(v.n, json_integer_value(json_object_get(x, "n")));
		assert_close(v.mean, json_number_value(json_object_get(x, "mean")), "mean");
		assert_close(v.weighted_mean,
		             json_number_value(json_object_get(x, "weighted_mean")),
		             "weighted mean");
		assert_close(v.chi2, json_number_value(json_object_get(x, "chi2")), "chi2");
		assert_close(v.eta, json_number_value(json_object_get(x, "eta")), "eta");
		assert_close(v.v, json_number_value(json_object_get(x, "v")), "V");
		assert_close(v.m, json_number_value(json_object_get(x, "m")), "m");
		free(f);
		free(e);
	}
	json_decref(doc);
}

/* Unusable points are skipped; one point leaves eta and V undefined. */
static void test_degenerate(void **state)
{
	double f[] = {1.0, NAN, 2.0, 3.0}, e[] = {0.1, 0.1, 0.0, -1.0};
	sky_variability v;

	(void)state;
	sky_variability_compute(f, e, 4, &v);
	assert_int_equal(v.n, 1);
	assert_true(isnan(v.eta));
	assert_true(isnan(v.v));
	sky_variability_compute(f, e, 0, &v);
	assert_int_equal(v.n, 0);
	assert_true(isnan(v.mean));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_golden),
	    cmocka_unit_test(test_degenerate),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
