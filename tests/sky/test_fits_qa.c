/* test_fits_qa.c - image QA and forced photometry on real and synthetic images. */
#include "testutil.h"

#include "sky/fits_qa.h"
#include "sky/photometry.h"

#include <fitsio.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Median of the finite pixels of a FITS map. */
static double map_median(const char *path)
{
	sky_fits_image *img = NULL;
	sky_robust_stats st;
	assert_ok(sky_fits_open(path, &img));
	assert_ok(sky_robust_stats_compute(img->pix, (size_t)(img->nx * img->ny), &st));
	sky_fits_free(img);
	return st.median;
}

static void test_robust_stats_known_values(void **state)
{
	/* 0..99 plus two wild outliers and NaNs: |v - 49.5| of the 102 values has median 25.5. */
	float v[104];
	sky_robust_stats st;
	for (int i = 0; i < 100; i++)
		v[i] = (float)i;
	v[100] = 1e6f;
	v[101] = -1e6f;
	v[102] = NAN;
	v[103] = NAN;
	assert_ok(sky_robust_stats_compute(v, 104, &st));
	assert_int_equal(st.n, 102);
	assert_float_equal(st.median, 49.5, 1e-9);
	assert_float_equal(st.mad_rms, SKY_MAD_TO_SIGMA * 25.5, 1e-6);
	/* The outliers go in the first iteration; 0..99 (std 28.87) then stays. */
	assert_int_equal(st.clip_n, 100);
	assert_true(st.clip_converged);
	assert_int_equal(st.clip_iterations, 2);
	assert_float_equal(st.clip_rms, sqrt((100.0 * 100.0 - 1) / 12.0), 1e-6);
	assert_float_equal(st.clip_median, 49.5, 1e-9);
}

static void test_robust_stats_all_nan(void **state)
{
	float v[3] = {NAN, NAN, NAN};
	sky_robust_stats st;
	assert_int_equal(sky_robust_stats_compute(v, 3, &st), STRATA_EINVAL);
	assert_non_null(strstr(strata_error_message(), "no finite pixel"));
}

/* 1904-66_SIN: global noise and background against the independent maps. */
static void test_real_image_against_maps(void **state)
{
	char img_path[4096], rms_path[4096], bkg_path[4096];
	sky_fits_image *img = NULL;
	sky_qa qa;
	STRATA_REQUIRE_TESTDATA("radio/aegean/1904-66_SIN.fits", img_path);
	STRATA_REQUIRE_TESTDATA("radio/aegean/1904-66_SIN_rms.fits", rms_path);
	STRATA_REQUIRE_TESTDATA("radio/aegean/1904-66_SIN_bkg.fits", bkg_path);
	assert_ok(sky_fits_open(img_path, &img));
	assert_ok(sky_fits_qa(img, &qa));
	double rms_map = map_median(rms_path), bkg_map = map_median(bkg_path);
	print_message("1904: clipped rms %.5f MAD rms %.5f map %.5f; bkg %.5f map %.5f; "
	              "islands %ld\n",
	              qa.rms, qa.stats.mad_rms, rms_map, qa.background, bkg_map, qa.sources);
	/* Tolerances (docs/sky-science.md): MAD rms within 5 %, clipped rms
	 * within 10 % of the map's median; background within 0.1 rms. */
	assert_true(fabs(qa.stats.mad_rms / rms_map - 1) < 0.05);
	assert_true(fabs(qa.rms / rms_map - 1) < 0.10);
	assert_true(fabs(qa.background - bkg_map) < 0.1 * rms_map);
	/* Header facts. */
	assert_int_equal(qa.nx, 192);
	assert_int_equal(qa.ny, 192);
	assert_float_equal(qa.bmaj_arcsec, 864.0, 0.01);
	assert_float_equal(qa.bmin_arcsec, 864.0, 0.01);
	assert_float_equal(qa.freq_hz, 1.42040575e9, 1);
	assert_true(qa.has_wcs);
	assert_true(fabs(qa.cell_arcsec - 240.0) < 5.0);
	/* The brightest source and the grade follow from peak / rms. */
	assert_true(qa.peak > 10.0);
	assert_float_equal(qa.dynamic_range, qa.peak / qa.rms, 1e-9);
	assert_string_equal(sky_grade_name(qa.grade), "good");
	assert_true(qa.warn_noise);
	assert_false(qa.warn_dr);
	/* 5-sigma islands against the catalogue's 45 islands: within 40 %
	 * (single-pixel noise islands count here; Aegean fits and rejects). */
	assert_true(qa.sources >= 45 && qa.sources <= 63);
	sky_fits_free(img);
}

/* The Aegean component table: ra, dec, peak_flux, local_rms columns. */
typedef struct catalogue {
	long n;
	double *ra, *dec, *peak, *rms;
} catalogue;

static void read_column(fitsfile *f, const char *name, long n, double *out)
{
	int status = 0, col = 0;
	fits_get_colnum(f, CASEINSEN, (char *)name, &col, &status);
	fits_read_col(f, TDOUBLE, col, 1, 1, n, NULL, out, NULL, &status);
	assert_int_equal(status, 0);
}

static void read_catalogue(const char *path, catalogue *c)
{
	fitsfile *f = NULL;
	int status = 0;
	fits_open_table(&f, path, READONLY, &status);
	fits_get_num_rows(f, &c->n, &status);
	assert_int_equal(status, 0);
	c->ra = calloc((size_t)c->n * 4, sizeof(double));
	c->dec = c->ra + c->n;
	c->peak = c->dec + c->n;
	c->rms = c->peak + c->n;
	read_column(f, "ra", c->n, c->ra);
	read_column(f, "dec", c->n, c->dec);
	read_column(f, "peak_flux", c->n, c->peak);
	read_column(f, "local_rms", c->n, c->rms);
	fits_close_file(f, &status);
}

/* Forced peaks at the catalogue positions against the fitted peak fluxes. */
static void test_forced_photometry_against_catalogue(void **state)
{
	char img_path[4096], cat_path[4096];
	sky_fits_image *img = NULL;
	catalogue c;
	int within = 0;
	double worst = 0, sum_ratio = 0;
	STRATA_REQUIRE_TESTDATA("radio/aegean/1904-66_SIN.fits", img_path);
	STRATA_REQUIRE_TESTDATA("radio/aegean/1904_comp.fits", cat_path);
	assert_ok(sky_fits_open(img_path, &img));
	read_catalogue(cat_path, &c);
	assert_int_equal(c.n, 51);
	for (long i = 0; i < c.n; i++) {
		sky_phot p;
		assert_ok(sky_forced_peak(img, c.ra[i], c.dec[i], &p));
		assert_int_equal(p.flags & (SKY_PHOT_OUTSIDE | SKY_PHOT_BLANK), 0);
		/* Within 3 catalogue sigma, or 15 % for bright sources. */
		double diff = fabs(p.peak - c.peak[i]);
		if (diff <= fmax(3 * c.rms[i], 0.15 * c.peak[i]))
			within++;
		worst = fmax(worst, diff / c.rms[i]);
		sum_ratio += p.peak / c.peak[i];
		assert_true(p.snr > 0);
	}
	print_message("forced peaks: %d/%ld within tolerance, worst %.2f sigma, mean ratio %.3f\n",
	              within, c.n, worst, sum_ratio / (double)c.n);
	/* Tolerance: at least 90 % of components within, mean ratio within 10 %. */
	assert_true(within >= (int)(0.9 * (double)c.n));
	assert_true(fabs(sum_ratio / (double)c.n - 1) < 0.10);
	free(c.ra);
	sky_fits_free(img);
}

static void test_photometry_outside(void **state)
{
	char img_path[4096];
	sky_fits_image *img = NULL;
	sky_phot p;
	STRATA_REQUIRE_TESTDATA("radio/aegean/1904-66_SIN.fits", img_path);
	assert_ok(sky_fits_open(img_path, &img));
	assert_ok(sky_forced_peak(img, 120.0, 30.0, &p));
	assert_int_equal(p.flags, SKY_PHOT_OUTSIDE);
	json_t *o = sky_phot_to_json(&p);
	assert_true(json_is_null(json_object_get(o, "peak_flux")));
	json_decref(o);
	sky_fits_free(img);
}

/* synthetic_test: its _rms/_bkg maps are constants (0.5 and 0), not
 * measurements of this image; QA is checked against the image itself. */
static void test_synthetic_image(void **state)
{
	char img_path[4096], rms_path[4096];
	sky_fits_image *img = NULL;
	sky_qa qa;
	STRATA_REQUIRE_TESTDATA("radio/aegean/synthetic_test.fits", img_path);
	STRATA_REQUIRE_TESTDATA("radio/aegean/synthetic_test_rms.fits", rms_path);
	assert_ok(sky_fits_open(img_path, &img));
	assert_ok(sky_fits_qa(img, &qa));
	print_message("synthetic: rms %.5f MAD %.5f bkg %.5f peak %.3f islands %ld (map %.3f)\n",
	              qa.rms, qa.stats.mad_rms, qa.background, qa.peak, qa.sources,
	              map_median(rms_path));
	assert_int_equal(qa.nx, 512);
	assert_int_equal(qa.ny, 256);
	assert_float_equal(qa.bmaj_arcsec, 30.0, 1e-6);
	assert_float_equal(qa.cell_arcsec, 8.5714, 0.01);
	assert_float_equal(qa.rms / qa.stats.mad_rms, 1.0, 0.15);
	assert_string_equal(sky_grade_name(qa.grade), "excellent");
	assert_true(qa.sources > 50);
	sky_fits_free(img);
}

/* A FITS file in memory: the cards (80 chars each, END appended, padded to
 * 2880), then data_len bytes of data (zero unless data is given). */
static size_t make_fits(char *out, size_t cap, const char *const *cards, const void *data,
                        size_t data_len)
{
	size_t n = 0;
	for (int i = 0; cards[i]; i++, n += 80)
		snprintf(out + n, 81, "%-80s", cards[i]);
	snprintf(out + n, 81, "%-80s", "END");
	n += 80;
	size_t head = (n + 2879) / 2880 * 2880;
	memset(out + n, ' ', head - n);
	assert_true(head + data_len <= cap);
	if (data)
		memcpy(out + head, data, data_len);
	else
		memset(out + head, 0, data_len);
	return head + data_len;
}

static void expect_error(const char *buf, size_t len, int code, const char *needle)
{
	sky_fits_image *img = NULL;
	int rc = sky_fits_open_memory(buf, len, &img);
	if (rc == 0) {
		sky_qa qa;
		rc = sky_fits_qa(img, &qa);
		sky_fits_free(img);
	}
	assert_int_equal(rc, code);
	if (!strstr(strata_error_message(), needle))
		fail_msg("'%s' lacks '%s'", strata_error_message(), needle);
}

static void test_hostile_headers(void **state)
{
	static char buf[3 * 2880 * 4];
	const char *naxis0[] = {"SIMPLE  =                    T", "BITPIX  =                  -32",
	                        "NAXIS   =                    0", NULL};
	expect_error(buf, make_fits(buf, sizeof buf, naxis0, NULL, 0), STRATA_ESCHEMA, "NAXIS=0");
	const char *naxis1[] = {"SIMPLE  =                    T", "BITPIX  =                  -32",
	                        "NAXIS   =                    1", "NAXIS1  =                   10",
	                        NULL};
	expect_error(buf, make_fits(buf, sizeof buf, naxis1, NULL, 2880), STRATA_ESCHEMA,
	             "NAXIS=1");
	const char *absurd[] = {"SIMPLE  =                    T", "BITPIX  =                  -32",
	                        "NAXIS   =                    2", "NAXIS1  =           2000000000",
	                        "NAXIS2  =           2000000000", NULL};
	expect_error(buf, make_fits(buf, sizeof buf, absurd, NULL, 2880), STRATA_ELIMIT, "limit");
	const char *big[] = {"SIMPLE  =                    T", "BITPIX  =                  -32",
	                     "NAXIS   =                    2", "NAXIS1  =                 1000",
	                     "NAXIS2  =                 1000", NULL};
	expect_error(buf, make_fits(buf, sizeof buf, big, NULL, 2880), STRATA_EPARSE, "truncated");
	/* 4 x 4 of NaN (big-endian 0x7fc00000). */
	const char *small[] = {"SIMPLE  =                    T",
	                       "BITPIX  =                  -32",
	                       "NAXIS   =                    2",
	                       "NAXIS1  =                    4",
	                       "NAXIS2  =                    4",
	                       "CTYPE1  = 'RA---SIN",
	                       NULL};
	unsigned char nan_data[64];
	for (int i = 0; i < 64; i += 4) {
		nan_data[i] = 0x7f;
		nan_data[i + 1] = 0xc0;
		nan_data[i + 2] = nan_data[i + 3] = 0;
	}
	expect_error(buf, make_fits(buf, sizeof buf, small, nan_data, 64), STRATA_EINVAL,
	             "no finite pixel");
	expect_error("not FITS", 8, STRATA_EPARSE, "not a readable FITS file");
	expect_error(buf, 0, STRATA_EPARSE, "not a readable FITS file");
}

/* Big-endian IEEE float, as FITS stores BITPIX -32. */
static void put_be_float(unsigned char *p, float v)
{
	uint32_t u;
	memcpy(&u, &v, sizeof u);
	p[0] = (unsigned char)(u >> 24);
	p[1] = (unsigned char)(u >> 16);
	p[2] = (unsigned char)(u >> 8);
	p[3] = (unsigned char)u;
}

/* A cube with a real FREQ axis: QA reads the first plane (index 1 of every
 * extra axis), counts the planes, and takes that plane's frequency. */
static void test_cube_first_plane(void **state)
{
	static char buf[4 * 2880];
	static unsigned char data[8 * 8 * 3 * 4];
	const char *cards[] = {"SIMPLE  =                    T", "BITPIX  =                  -32",
	                       "NAXIS   =                    3", "NAXIS1  =                    8",
	                       "NAXIS2  =                    8", "NAXIS3  =                    3",
	                       "CTYPE1  = 'RA---SIN'",           "CRPIX1  =                  4.5",
	                       "CRVAL1  =                 10.0", "CDELT1  =               -0.001",
	                       "CTYPE2  = 'DEC--SIN'",           "CRPIX2  =                  4.5",
	                       "CRVAL2  =                -30.0", "CDELT2  =                0.001",
	                       "CTYPE3  = 'FREQ    '",           "CRPIX3  =                  2.0",
	                       "CRVAL3  =         1400000000.0", "CDELT3  =            1000000.0",
	                       "CUNIT3  = 'Hz      '",           NULL};
	sky_fits_image *img = NULL;
	sky_qa qa;

	(void)state;
	for (int plane = 0; plane < 3; plane++)
		for (int i = 0; i < 64; i++) {
			float v = 0.01f * (float)((i * 37 + plane) % 11 - 5);
			if (plane == 0 && i == 5 * 8 + 2)
				v = 50; /* the first plane's peak, at x 2, y 5 */
			if (plane == 1 && i == 1 * 8 + 6)
				v = 1000; /* a brighter peak in the second plane */
			if (plane == 2)
				v = 7;
			put_be_float(data + (size_t)(plane * 64 + i) * 4, v);
		}
	assert_ok(
	    sky_fits_open_memory(buf, make_fits(buf, sizeof buf, cards, data, sizeof data), &img));
	assert_int_equal(img->planes, 3);
	assert_ok(sky_fits_qa(img, &qa));
	assert_int_equal(qa.planes, 3);
	assert_int_equal(qa.nx, 8);
	assert_int_equal(qa.ny, 8);
	assert_true(qa.peak == 50.0);
	assert_int_equal(qa.peak_x, 2);
	assert_int_equal(qa.peak_y, 5);
	assert_int_equal(qa.stats.n, 64);
	/* Plane 1 is one channel below the reference pixel 2. */
	assert_true(fabs(qa.freq_hz - 1399000000.0) < 1e-3);
	json_t *o = sky_qa_to_json(&qa);
	assert_non_null(o);
	assert_int_equal(json_integer_value(json_object_get(o, "planes")), 3);
	json_decref(o);
	sky_fits_free(img);

	/* Absurd plane counts are refused before anything is allocated. */
	const char *huge[] = {"SIMPLE  =                    T", "BITPIX  =                  -32",
	                      "NAXIS   =                    4", "NAXIS1  =                    8",
	                      "NAXIS2  =                    8", "NAXIS3  =              4000000",
	                      "NAXIS4  =              4000000", NULL};
	expect_error(buf, make_fits(buf, sizeof buf, huge, NULL, 2880), STRATA_ELIMIT,
	             "too many planes");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_robust_stats_known_values),
	    cmocka_unit_test(test_robust_stats_all_nan),
	    cmocka_unit_test(test_real_image_against_maps),
	    cmocka_unit_test(test_forced_photometry_against_catalogue),
	    cmocka_unit_test(test_photometry_outside),
	    cmocka_unit_test(test_synthetic_image),
	    cmocka_unit_test(test_hostile_headers),
	    cmocka_unit_test(test_cube_first_plane),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
