/*
 * test_plot.c - the PNG charts: both kinds render, decode with libpng to the
 * requested size with non-trivial content (several colours, the series'
 * colour present), and constant, NaN, empty or non-positive-on-log input
 * draws without crashing.
 */
#include "testutil.h"

#include <math.h>
#include <png.h>
#include <stdlib.h>
#include <string.h>

#include "strata/plot.h"

typedef struct image {
	png_uint_32 w, h;
	unsigned char *rgb;
} image;

/* Decode an 8-bit RGB PNG with libpng's simplified API. */
static void load_png(const char *path, image *im)
{
	png_image p;

	memset(&p, 0, sizeof p);
	p.version = PNG_IMAGE_VERSION;
	assert_true(png_image_begin_read_from_file(&p, path));
	p.format = PNG_FORMAT_RGB;
	im->w = p.width;
	im->h = p.height;
	im->rgb = malloc(PNG_IMAGE_SIZE(p));
	assert_non_null(im->rgb);
	assert_true(png_image_finish_read(&p, NULL, im->rgb, 0, NULL));
}

/* Distinct colours (up to 64 counted) and whether rgb appears. */
static size_t colours(const image *im, const unsigned char want[3], int *found)
{
	unsigned seen[64];
	size_t n = 0;

	*found = 0;
	for (size_t i = 0; i < (size_t)im->w * im->h; i++) {
		const unsigned char *p = im->rgb + 3 * i;
		unsigned v = (unsigned)p[0] << 16 | (unsigned)p[1] << 8 | p[2];
		size_t k;
		if (want && !memcmp(p, want, 3))
			*found = 1;
		for (k = 0; k < n && seen[k] != v; k++)
			;
		if (k == n && n < 64)
			seen[n++] = v;
	}
	return n;
}

static void test_line_chart(void **state)
{
	(void)state;
	double f[200], a[200], b[200];
	char path[512];
	image im;
	int found;
	static const unsigned char blue[3] = {31, 119, 180};

	for (int i = 0; i < 200; i++) {
		f[i] = 0.1 * pow(50.0, i / 199.0);
		a[i] = -140 - 10 * log10(f[i]);
		b[i] = -150 + 5 * sin(f[i]);
	}
	strata_plot_series s[2] = {{"CI.CCA.N", f, a, 200}, {"CI.HEC.N", f, b, 200}};
	strata_line_chart ch = {"Average PSD",
	                        "Frequency [Hz]",
	                        "Amplitude [(m/s)^2/Hz] [dB]",
	                        1,
	                        0,
	                        s,
	                        2,
	                        1,
	                        800,
	                        500};
	snprintf(path, sizeof path, "%s/plots/line.png", strata_test_dir);
	assert_ok(strata_plot_line_png(path, &ch));
	load_png(path, &im);
	assert_int_equal(im.w, 800);
	assert_int_equal(im.h, 500);
	assert_true(colours(&im, blue, &found) >= 4);
	assert_true(found);
	free(im.rgb);

	/* Log-log with a decade range. */
	ch.logy = 1;
	for (int i = 0; i < 200; i++)
		a[i] = 1e-15 * pow(f[i], -2);
	assert_ok(strata_plot_line_png(path, &ch));
}

static void test_line_degenerate(void **state)
{
	(void)state;
	double x[4] = {1, 2, 3, 4}, c[4] = {5, 5, 5, 5}, nan4[4] = {NAN, NAN, NAN, NAN},
	       neg[4] = {-1, 0, -3, INFINITY};
	char path[512];
	strata_plot_series s[3] = {{"flat", x, c, 4}, {"nan", x, nan4, 4}, {NULL, x, neg, 4}};
	strata_line_chart ch = {NULL, NULL, NULL, 1, 1, s, 3, 1, 0, 0};

	snprintf(path, sizeof path, "%s/degenerate.png", strata_test_dir);
	assert_ok(strata_plot_line_png(path, &ch));
	ch.nseries = 0;
	assert_ok(strata_plot_line_png(path, &ch));
	ch.logx = ch.logy = 0;
	ch.series = s + 1;
	ch.nseries = 1;
	assert_ok(strata_plot_line_png(path, &ch));
	ch.width = 10; /* absurd sizes are refused */
	assert_true(strata_plot_line_png(path, &ch) < 0);
}

static void test_heatmap(void **state)
{
	(void)state;
	enum { NX = 48, NY = 120 };
	double t[NX], f[NY], *z = malloc(NX * NY * sizeof *z);
	char path[512];
	image im;
	int found;
	unsigned char yellow[3];

	assert_non_null(z);
	for (int i = 0; i < NX; i++)
		t[i] = 1641081600e9 + (i * 1800.0 + 900) * 1e9;
	for (int j = 0; j < NY; j++)
		f[j] = 0.1 + j * 0.04;
	for (int i = 0; i < NX; i++)
		for (int j = 0; j < NY; j++)
			z[i * NY + j] = -180 + 60.0 * (i * NY + j) / (NX * NY - 1);
	z[5 * NY + 7] = NAN;
	strata_heatmap hm = {"Spectrogram of CI.CCA.N",
	                     NULL,
	                     "Frequency [Hz]",
	                     "Amplitude [(m/s)^2/Hz] [dB]",
	                     NX,
	                     NY,
	                     t,
	                     1,
	                     f,
	                     1,
	                     z,
	                     -180,
	                     -120,
	                     0,
	                     0};
	snprintf(path, sizeof path, "%s/heat.png", strata_test_dir);
	assert_ok(strata_plot_heatmap_png(path, &hm));
	load_png(path, &im);
	assert_int_equal(im.w, 1040);
	assert_int_equal(im.h, 640);
	strata_plot_viridis(1.0, yellow);
	assert_true(colours(&im, yellow, &found) >= 32);
	assert_true(found);
	free(im.rgb);

	/* Constant, all NaN, one cell, non-increasing. */
	for (int i = 0; i < NX * NY; i++)
		z[i] = 3.0;
	hm.vmin = hm.vmax = NAN;
	assert_ok(strata_plot_heatmap_png(path, &hm));
	for (int i = 0; i < NX * NY; i++)
		z[i] = NAN;
	assert_ok(strata_plot_heatmap_png(path, &hm));
	hm.nx = hm.ny = 1;
	assert_ok(strata_plot_heatmap_png(path, &hm));
	hm.nx = 0;
	assert_true(strata_plot_heatmap_png(path, &hm) < 0);
	hm.nx = 3;
	t[1] = t[0];
	t[2] = t[0];
	assert_true(strata_plot_heatmap_png(path, &hm) < 0);
	free(z);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_line_chart),
	    cmocka_unit_test(test_line_degenerate),
	    cmocka_unit_test(test_heatmap),
	};
	return cmocka_run_group_tests(tests, strata_test_dir_setup, strata_test_dir_teardown);
}
