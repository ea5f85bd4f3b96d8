/* test_cutout.c - FITS cutouts keep sky positions; PNG thumbnails decode. */
#include "testutil.h"

#include "sky/cutout.h"
#include "sky/fits_qa.h"
#include "sky/thumbnail.h"

#include <math.h>
#include <png.h>
#include <stdlib.h>
#include <string.h>

static sky_fits_image *open_real(char *path, size_t len)
{
	sky_fits_image *img = NULL;
	if (strata_test_data_path("radio/aegean/1904-66_SIN.fits", path, len) != 0)
		return NULL;
	assert_ok(sky_fits_open(path, &img));
	return img;
}

/* Every cutout pixel has the value and sky position of its source pixel. */
static void test_cutout_wcs_shifted(void **state)
{
	char path[4096], out[512];
	sky_fits_image *img = open_real(path, sizeof path), *cut = NULL;
	if (!img) {
		skip();
		return;
	}
	double ra, dec;
	sky_box box;
	assert_ok(sky_fits_pix2world(img, 100, 80, &ra, &dec));
	/* 60 arcmin at ~4 arcmin per pixel: 15 pixels, half 7 (rounded 7.5 -> 8). */
	assert_ok(sky_cutout_box(img, ra, dec, 60.0, &box));
	assert_true(box.nx >= 15 && box.nx <= 17);
	assert_int_equal(box.nx, box.ny);
	snprintf(out, sizeof out, "%s/cut.fits", strata_test_dir);
	assert_ok(sky_cutout_write(img, ra, dec, 60.0, out));
	assert_ok(sky_fits_open(out, &cut));
	assert_non_null(cut);
	assert_int_equal(cut->nx, box.nx);
	assert_int_equal(cut->ny, box.ny);
	assert_float_equal(cut->bmaj, img->bmaj, 1e-12);
	for (long y = 0; y < cut->ny; y += 3)
		for (long x = 0; x < cut->nx; x += 3) {
			double r1, d1, r2, d2;
			float a = cut->pix[y * cut->nx + x];
			float b = img->pix[(y + box.y0) * img->nx + x + box.x0];
			assert_true((isnan(a) && isnan(b)) || a == b);
			assert_ok(sky_fits_pix2world(cut, (double)x, (double)y, &r1, &d1));
			assert_ok(sky_fits_pix2world(img, (double)(x + box.x0),
			                             (double)(y + box.y0), &r2, &d2));
			assert_float_equal(r1, r2, 1e-9);
			assert_float_equal(d1, d2, 1e-9);
		}
	sky_fits_free(cut);
	sky_fits_free(img);
}

/* At the edge the box is clipped; off the image is a clear error. */
static void test_cutout_edges_and_outside(void **state)
{
	char path[4096];
	sky_fits_image *img = open_real(path, sizeof path);
	if (!img) {
		skip();
		return;
	}
	double ra, dec;
	sky_box box;
	assert_ok(sky_fits_pix2world(img, 0, 0, &ra, &dec));
	assert_ok(sky_cutout_box(img, ra, dec, 60.0, &box));
	assert_int_equal(box.x0, 0);
	assert_int_equal(box.y0, 0);
	assert_true(box.nx < 15);
	assert_int_equal(sky_cutout_box(img, 120.0, 30.0, 10.0, &box), STRATA_EINVAL);
	assert_non_null(strstr(strata_error_message(), "outside the image"));
	assert_int_equal(sky_cutout_box(img, ra, dec, -1.0, &box), STRATA_EINVAL);
	assert_int_equal(sky_cutout_box(img, ra, dec, NAN, &box), STRATA_EINVAL);
	sky_fits_free(img);
}

/* Decode a PNG from memory: width, height and a copy of the grey pixels. */
static void decode_png(const void *data, size_t len, png_uint_32 *w, png_uint_32 *h,
                       unsigned char **pixels)
{
	png_image im;
	memset(&im, 0, sizeof im);
	im.version = PNG_IMAGE_VERSION;
	assert_true(png_image_begin_read_from_memory(&im, data, len));
	im.format = PNG_FORMAT_GRAY;
	*w = im.width;
	*h = im.height;
	*pixels = malloc(PNG_IMAGE_SIZE(im));
	assert_true(png_image_finish_read(&im, NULL, *pixels, 0, NULL));
}

static void test_thumbnail_png(void **state)
{
	char path[4096];
	sky_fits_image *img = open_real(path, sizeof path);
	if (!img) {
		skip();
		return;
	}
	sky_stretch stretches[2] = {SKY_STRETCH_ASINH, SKY_STRETCH_ZSCALE};
	for (int s = 0; s < 2; s++) {
		void *png = NULL;
		size_t len = 0;
		png_uint_32 w, h;
		unsigned char *px = NULL;
		assert_ok(sky_thumbnail_png(img, 64, stretches[s], &png, &len));
		decode_png(png, len, &w, &h, &px);
		assert_int_equal(w, 64);
		assert_int_equal(h, 64);
		/* Blank corners are black; the brightest source is near white. */
		unsigned char max = 0;
		long black = 0;
		for (long i = 0; i < 64 * 64; i++) {
			max = px[i] > max ? px[i] : max;
			black += px[i] == 0;
		}
		assert_true(max >= 250);
		assert_true(black > 0);
		free(px);
		free(png);
	}
	/* Never enlarged; bad sizes and stretch names are errors. */
	void *png = NULL;
	size_t len = 0;
	png_uint_32 w, h;
	unsigned char *px = NULL;
	assert_ok(sky_thumbnail_png(img, 1000, SKY_STRETCH_ASINH, &png, &len));
	decode_png(png, len, &w, &h, &px);
	assert_int_equal(w, 192);
	free(px);
	free(png);
	assert_int_equal(sky_thumbnail_png(img, 0, SKY_STRETCH_ASINH, &png, &len), STRATA_EINVAL);
	sky_stretch st;
	assert_int_equal(sky_stretch_parse("log", &st), STRATA_EINVAL);
	assert_ok(sky_stretch_parse("zscale", &st));
	assert_int_equal(st, SKY_STRETCH_ZSCALE);
	sky_fits_free(img);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cutout_wcs_shifted),
	    cmocka_unit_test(test_cutout_edges_and_outside),
	    cmocka_unit_test(test_thumbnail_png),
	};
	return cmocka_run_group_tests(tests, strata_test_dir_setup, strata_test_dir_teardown);
}
