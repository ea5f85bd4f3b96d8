/* test_science.c - the one-call entry points the catalog and API use. */
#include "testutil.h"

#include "sky/science.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static void test_qa_file_and_catalog_fields(void **state)
{
	char path[4096];
	sky_qa qa;
	json_t *o = NULL;
	sky_image im;
	STRATA_REQUIRE_TESTDATA("radio/aegean/1904-66_SIN.fits", path);
	assert_ok(sky_fits_qa_file(path, &qa, &o));
	assert_string_equal(json_string_value(json_object_get(o, "grade")), "good");
	assert_float_equal(json_real_value(json_object_get(o, "rms")), qa.rms, 1e-12);
	assert_int_equal(json_integer_value(json_object_get(o, "sources")), qa.sources);
	assert_true(json_is_object(json_object_get(o, "beam")));
	json_decref(o);
	memset(&im, 0, sizeof im);
	sky_qa_fill_image(&qa, &im);
	assert_float_equal(im.noise_jy, qa.rms, 0);
	assert_float_equal(im.beam_major_arcsec, 864.0, 0.01);
	assert_int_equal(im.size_x, 192);
	assert_string_equal(im.qa_grade, "good");
	assert_true(isfinite(im.ra_deg));
}

static void test_thumbnail_and_cutout_files(void **state)
{
	char path[4096];
	void *data = NULL;
	size_t len = 0;
	STRATA_REQUIRE_TESTDATA("radio/aegean/1904-66_SIN.fits", path);
	assert_ok(sky_thumbnail_file(path, 48, "zscale", &data, &len));
	assert_true(len > 8 && !memcmp(data, "\x89PNG", 4));
	free(data);
	assert_int_equal(sky_thumbnail_file(path, 48, "log", &data, &len), STRATA_EINVAL);
	assert_ok(sky_cutout_file(path, 294.91, -63.71, 30.0, &data, &len));
	assert_true(len % 2880 == 0 && !memcmp(data, "SIMPLE  =", 9));
	free(data);
	int rc = sky_cutout_file(path, 120.0, 30.0, 30.0, &data, &len);
	assert_int_equal(sky_science_http_status(rc), 400);
	rc = sky_cutout_file("/nonexistent/x.fits", 0, 0, 1, &data, &len);
	assert_int_equal(sky_science_http_status(rc), 404);
	json_t *o = NULL;
	char cat[4096];
	STRATA_REQUIRE_TESTDATA("radio/aegean/1904_comp.fits", cat);
	rc = sky_fits_qa_file(cat, NULL, &o);
	assert_int_equal(sky_science_http_status(rc), 422);
	assert_null(o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_qa_file_and_catalog_fields),
	    cmocka_unit_test(test_thumbnail_and_cutout_files),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
