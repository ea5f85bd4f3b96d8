/*
 * test_dsp.c - src/noise/dsp.c against tests/noise/dsp_reference.py (ObsPy's
 * semantics in numpy/scipy), run live with Debian's python3 ($STRATA_PYTHON,
 * default /usr/bin/python3): synthetic traces and the real CI.CCA BHN day.
 * Error = max|c - ref| / max|ref|, at most 1e-9; sample counts equal.
 */
#include "testutil.h"
#include "pyref.h"

#include <complex.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "noise/dsp.h"
#include "noise/mseed_index.h"
#include "noise/response.h"
#include "noise/stationxml.h"

#define RTOL 1e-9

#define write_bytes pyref_write

/* Run "dsp_reference.py OP IN OUT ARGS" on x; skips the test without numpy/scipy. */
static double *reference(const char *op, const double *x, size_t n, const char *args, size_t *n_ref)
{
	char in[512], out[512], all[2048];

	snprintf(in, sizeof(in), "%s/in.f64", strata_test_dir);
	snprintf(out, sizeof(out), "%s/out.f64", strata_test_dir);
	pyref_write(in, x, n * sizeof(double));
	snprintf(all, sizeof(all), "%s %s %s %s", op, in, out, args);
	pyref_run("dsp_reference.py", all);
	return pyref_read_f64(out, n_ref);
}

/* Compare c[n] with the reference's output, printing the error. */
static void expect_match(const char *what, const double *c, size_t n, double *ref, size_t n_ref)
{
	double e;

	assert_int_equal(n, n_ref);
	e = pyref_rel_error(c, ref, n);
	printf("%-40s n=%zu rel.err %.3g\n", what, n, e);
	assert_true(e <= RTOL);
	free(ref);
}

/* Deterministic test signal: sines plus LCG noise plus an offset. */
static double *synthetic(size_t n, double fs, uint64_t seed)
{
	double *x = malloc(n * sizeof(*x));
	assert_non_null(x);
	for (size_t i = 0; i < n; i++) {
		double t = (double)i / fs;
		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		x[i] = 100.0 + 50.0 * sin(2 * M_PI * 0.3 * t) + 20.0 * sin(2 * M_PI * 7.1 * t) +
		       ((double)(seed >> 11) / 9007199254740992.0 - 0.5) * 30.0;
	}
	return x;
}

static void check_taper(size_t n, double fs, double p, double len, enum dsp_taper_type type,
                        enum dsp_taper_side side)
{
	static const char *const types[] = {"hann", "cosine"}, *const sides[] = {"both", "left",
	                                                                         "right"};
	double *x = synthetic(n, fs, n), *ref;
	char args[256], what[128];
	size_t n_ref;

	snprintf(args, sizeof(args), "%.17g %.17g %.17g %s %s", fs, p, len, types[type],
	         sides[side]);
	ref = reference("taper", x, n, args, &n_ref);
	assert_ok(dsp_taper(x, n, fs, p, len, type, side));
	snprintf(what, sizeof(what), "taper %s", args);
	expect_match(what, x, n, ref, n_ref);
	free(x);
}

static void test_taper(void **state)
{
	(void)state;
	check_taper(43200, 24.0, 0.05, -1, DSP_TAPER_HANN, DSP_SIDE_BOTH);
	check_taper(43200, 24.0, 0.05, 5.0, DSP_TAPER_HANN, DSP_SIDE_BOTH); /* 120 samples */
	check_taper(1001, 10.0, 0.1, -1, DSP_TAPER_COSINE, DSP_SIDE_BOTH);
	check_taper(1000, 10.0, 0.2, 3.0, DSP_TAPER_HANN, DSP_SIDE_LEFT);
	check_taper(999, 10.0, 0.7, -1, DSP_TAPER_COSINE, DSP_SIDE_RIGHT);   /* clipped to N//2 */
	check_taper(17, 1.0, 0.01, -1, DSP_TAPER_HANN, DSP_SIDE_BOTH);       /* zero length */
	check_taper(1000, 40.0, 10.0, 5.0, DSP_TAPER_COSINE, DSP_SIDE_BOTH); /* 2*wlen == npts */
	check_taper(1000, 40.0, 10.0, -1, DSP_TAPER_HANN, DSP_SIDE_RIGHT);
}

static void check_filter(const char *kind, size_t n, double fs, double f1, double f2, int corners,
                         int zerophase)
{
	double *x = synthetic(n, fs, 7 + n), *ref;
	char args[256], what[128];
	size_t n_ref;

	snprintf(args, sizeof(args), "%s %.17g %.17g %.17g %d %d", kind, fs, f1, f2, corners,
	         zerophase);
	ref = reference("filter", x, n, args, &n_ref);
	if (strcmp(kind, "lowpass") == 0)
		assert_ok(dsp_lowpass(x, n, fs, f1, corners, zerophase));
	else if (strcmp(kind, "highpass") == 0)
		assert_ok(dsp_highpass(x, n, fs, f1, corners, zerophase));
	else
		assert_ok(dsp_bandpass(x, n, fs, f1, f2, corners, zerophase));
	snprintf(what, sizeof(what), "filter %s", args);
	expect_match(what, x, n, ref, n_ref);
	free(x);
}

static void test_filters(void **state)
{
	(void)state;
	check_filter("bandpass", 43200, 24.0, 0.01, 10.0, 4, 0); /* Noiz's causal band-pass */
	check_filter("bandpass", 43200, 24.0, 0.1, 5.0, 4, 1);
	check_filter("bandpass", 20000, 40.0, 1.0, 19.99999, 4, 0); /* becomes a highpass */
	check_filter("lowpass", 20000, 40.0, 5.0, 0, 4, 0);
	check_filter("lowpass", 20000, 40.0, 5.0, 0, 3, 1);
	check_filter("highpass", 20000, 40.0, 0.5, 0, 5, 1);
	check_filter("highpass", 20000, 40.0, 2.0, 0, 2, 0);
}

static void check_cheby2(size_t n, double fs, double freq, int maxorder)
{
	double *x = synthetic(n, fs, 5 + n), *ref, passband;
	char args[128], what[128];
	size_t n_ref;

	snprintf(args, sizeof(args), "%.17g %.17g %d", fs, freq, maxorder);
	ref = reference("cheby2", x, n, args, &n_ref);
	assert_ok(dsp_lowpass_cheby_2(x, n, fs, freq, maxorder, &passband));
	assert_true(passband < freq);
	snprintf(what, sizeof(what), "lowpass_cheby_2 %s", args);
	expect_match(what, x, n, ref, n_ref);
	free(x);
}

static void test_cheby2(void **state)
{
	int order;
	double wn;

	(void)state;
	assert_ok(dsp_cheb2ord(0.5 * 0.99, 0.5, 1.0, 96.0, &order, &wn));
	assert_true(order > 12);
	check_cheby2(20000, 40.0, 12.0, 12);   /* Trace.resample's automatic anti-alias filter */
	check_cheby2(20000, 40.0, 5.0, 12);    /* decimation by 4 */
	check_cheby2(20000, 100.0, 3.125, 12); /* decimation by 16 */
	check_cheby2(5000, 40.0, 10.0, 7);     /* odd order */
}

static void check_resample(size_t n, double fs_in, double fs_out, int padded)
{
	double *x = synthetic(n, fs_in, 3 + n), *ref, *y;
	char args[128], what[128];
	size_t n_ref, n_out;

	snprintf(args, sizeof(args), "%.17g %.17g %d", fs_in, fs_out, padded);
	ref = reference("resample", x, n, args, &n_ref);
	if (padded)
		assert_ok(dsp_resample_padded(x, n, fs_in, fs_out, padded == 2, &y, &n_out));
	else
		assert_ok(dsp_resample(x, n, fs_in, fs_out, &y, &n_out));
	snprintf(what, sizeof(what), "resample %s (n=%zu)", args, n);
	expect_match(what, y, n_out, ref, n_ref);
	free(x);
	free(y);
}

static void test_resample(void **state)
{
	(void)state;
	check_resample(72000, 40.0, 24.0, 1); /* Noiz: 131072 padded -> 78643 -> 43200 */
	check_resample(72000, 40.0, 24.0, 2); /* the same with the Chebyshev-II anti-alias step */
	check_resample(72000, 40.0, 24.0, 0);
	check_resample(10001, 40.0, 24.0, 0); /* odd input */
	check_resample(10000, 100.0, 30.0, 0);
	check_resample(4000, 20.0, 50.0, 0); /* upsampling */
	/* output lengths with a large prime factor: Bluestein's inverse, odd and even */
	check_resample(15838, 40.0, 20.0, 0); /* -> 7919, prime */
	check_resample(12652, 40.0, 20.0, 0); /* -> 6326 = 2 * 3163 */
}

/* A velocity seismometer: 2 zeros at 0, poles of a 120 s sensor, gain 1e9. */
static int paz_response(void *ctx, const double *freqs, size_t n, double complex *h)
{
	(void)ctx;
	for (size_t i = 0; i < n; i++) {
		double complex s = 2.0 * M_PI * I * freqs[i];
		double complex p1 = -0.037 + 0.037 * I, p2 = -0.037 - 0.037 * I;
		double complex p3 = -251.3, p4 = -131.0 + 467.3 * I, p5 = -131.0 - 467.3 * I;
		h[i] = 1e9 * 6.0e7 * s * s / ((s - p1) * (s - p2) * (s - p3) * (s - p4) * (s - p5));
	}
	return 0;
}

struct sx_ctx {
	const struct sx_response *r;
};

static int sx_response_fn(void *ctx, const double *freqs, size_t n, double complex *h)
{
	const struct sx_ctx *c = ctx;
	return resp_evaluate(c->r, freqs, n, RESP_UNITS_VEL, h);
}

/* remove_response in C and in the reference, given the same response grid. */
static void check_remove(const char *what, double *x, size_t n, double fs, dsp_response_fn fn,
                         void *ctx, double taper_fraction)
{
	size_t nfft = dsp_npts2nfft(n), nb = nfft / 2, n_ref;
	double complex *h = malloc(nb * sizeof(*h));
	double *f = malloc(nb * sizeof(*f)), *ref;
	char path[512], args[768];

	assert_non_null(h);
	assert_non_null(f);
	for (size_t k = 0; k < nb; k++)
		f[k] = (double)(k + 1) * (fs / 2.0) / (double)nb;
	assert_ok(fn(ctx, f, nb, h));
	snprintf(path, sizeof(path), "%s/resp.c16", strata_test_dir);
	write_bytes(path, h, nb * sizeof(*h));
	snprintf(args, sizeof(args), "%.17g 60 %.17g %s", fs, taper_fraction, path);
	ref = reference("remove", x, n, args, &n_ref);
	assert_ok(dsp_remove_response(x, n, fs, fn, ctx, 60.0, 1, taper_fraction));
	expect_match(what, x, n, ref, n_ref);
	free(h);
	free(f);
}

static void test_remove_response(void **state)
{
	double *x;

	(void)state;
	assert_int_equal(dsp_npts2nfft(43200), 86400);
	assert_int_equal(dsp_npts2nfft(1800028), 3600056);
	assert_int_equal(dsp_npts2nfft(1800029), 4194304);
	assert_int_equal(dsp_npts2nfft(1800031), 3600082);
	x = synthetic(43200, 24.0, 11);
	check_remove("remove_response PAZ 43200 @24 Hz, 0.001", x, 43200, 24.0, paz_response, NULL,
	             0.001);
	free(x);
	x = synthetic(10001, 40.0, 12);
	check_remove("remove_response PAZ 10001 @40 Hz, 0.05", x, 10001, 40.0, paz_response, NULL,
	             0.05);
	free(x);
}

/* A real BHN day: its first 72000 samples through the pieces of Noiz's chain. */
static void real_day(const char *ms_rel, const char *xml_rel)
{
	char ms[4096], xml[4096];
	noise_mseed_index idx;
	struct sx_inventory inv;
	double *x, *y, *ref;
	size_t n, n_out, n_ref;
	struct sx_ctx ctx = {NULL};

	STRATA_REQUIRE_TESTDATA(ms_rel, ms);
	STRATA_REQUIRE_TESTDATA(xml_rel, xml);
	assert_ok(noise_mseed_index_file(ms, &idx));
	assert_true(idx.nsegments >= 1);
	assert_ok(noise_mseed_read_samples(ms, &idx.segments[0], &x, &n));
	noise_mseed_index_free(&idx);
	assert_true(n >= 72000);
	n = 72000;
	ref = reference("resample", x, n, "40 24 1", &n_ref);
	assert_ok(dsp_resample_padded(x, n, 40.0, 24.0, 0, &y, &n_out));
	assert_int_equal(n_out, 43200);
	expect_match("real day: resample 40->24 padded", y, n_out, ref, n_ref);
	free(y);
	ref = reference("resample", x, n, "40 24 2", &n_ref);
	assert_ok(dsp_resample_padded(x, n, 40.0, 24.0, 1, &y, &n_out));
	assert_int_equal(n_out, 43200);
	expect_match("real day: padded, anti-alias, resample", y, n_out, ref, n_ref);
	ref = reference("taper", y, n_out, "24 0.05 5 hann both", &n_ref);
	assert_ok(dsp_taper(y, n_out, 24.0, 0.05, 5.0, DSP_TAPER_HANN, DSP_SIDE_BOTH));
	expect_match("real day: taper 120 samples", y, n_out, ref, n_ref);
	ref = reference("filter", y, n_out, "bandpass 24 0.01 10 4 0", &n_ref);
	assert_ok(dsp_bandpass(y, n_out, 24.0, 0.01, 10.0, 4, 0));
	expect_match("real day: causal bandpass 0.01-10 Hz", y, n_out, ref, n_ref);

	assert_ok(sx_parse_file(xml, &inv));
	for (size_t c = 0; c < inv.networks[0].stations[0].nchannels; c++) {
		const struct sx_channel *ch = &inv.networks[0].stations[0].channels[c];
		if (strcmp(ch->code, "BHN") == 0 && ch->has_response)
			ctx.r = &ch->response;
	}
	assert_non_null(ctx.r);
	check_remove("real day: remove_response (StationXML)", y, n_out, 24.0, sx_response_fn, &ctx,
	             0.001);
	ref = reference("filter", y, n_out, "bandpass 24 0.01 10 4 1", &n_ref);
	assert_ok(dsp_bandpass(y, n_out, 24.0, 0.01, 10.0, 4, 1));
	expect_match("real day: zero-phase bandpass", y, n_out, ref, n_ref);
	sx_inventory_free(&inv);
	free(x);
	free(y);
}

static void test_real_day(void **state)
{
	double *x = synthetic(131072, 40.0, 1), *y;
	size_t n;

	(void)state;
	assert_ok(dsp_resample(x, 131072, 40.0, 24.0, &y, &n));
	assert_int_equal(n, 78643); /* the 72000 -> 131072 -> 78643 -> cut */
	free(x);
	free(y);
	real_day("seismic/noisepy/CICCA__BHN___2022002.ms", "seismic/noisepy/CI_CCA.xml");
	real_day("seismic/noisepy/CIHEC__BHN___2022002.ms", "seismic/noisepy/CI_HEC.xml");
}

struct job {
	const double *x;
	double *y;
	size_t n;
	int rc;
};

static void *resample_job(void *arg)
{
	struct job *j = arg;
	double *y = NULL;
	j->rc = dsp_resample(j->x, 10001, 40.0, 24.0, &y, &j->n);
	if (j->rc == 0)
		j->rc = dsp_remove_response(y, j->n, 24.0, paz_response, NULL, 60.0, 1, 0.05);
	j->y = y;
	return NULL;
}

/* Concurrent calls (FFTW planning is serialised) give the serial result bit for bit. */
static void test_threads(void **state)
{
	double *x = synthetic(10001, 40.0, 9);
	struct job serial = {x, NULL, 0, 0}, jobs[4];
	pthread_t th[4];

	(void)state;
	resample_job(&serial);
	assert_ok(serial.rc);
	for (int i = 0; i < 4; i++) {
		jobs[i] = (struct job){x, NULL, 0, 0};
		assert_int_equal(pthread_create(&th[i], NULL, resample_job, &jobs[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		assert_ok(jobs[i].rc);
		assert_int_equal(jobs[i].n, serial.n);
		assert_memory_equal(jobs[i].y, serial.y, serial.n * sizeof(double));
		free(jobs[i].y);
	}
	free(serial.y);
	free(x);
}

static void test_bad_input(void **state)
{
	struct dsp_sos sos;
	double x[4] = {1, 2, 3, 4}, *y;
	size_t n;

	(void)state;
	assert_int_equal(dsp_butter_lowpass(0, 0.5, &sos), STRATA_EINVAL);
	assert_int_equal(dsp_butter_bandpass(4, 0.5, 0.2, &sos), STRATA_EINVAL);
	assert_int_equal(dsp_bandpass(x, 4, 10.0, 6.0, 9.0, 4, 0),
	                 STRATA_EINVAL); /* highpass at 6 Hz > Nyquist */
	assert_int_equal(dsp_resample(x, 1, 10.0, 5.0, &y, &n), STRATA_EINVAL);
	assert_int_equal(dsp_resample_padded(x, 4, 100.0, 5.0, 1, &y, &n), STRATA_EINVAL);
	assert_int_equal(dsp_cosine_taper(4, 1.5, 1, x), STRATA_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_taper),           cmocka_unit_test(test_filters),
	    cmocka_unit_test(test_cheby2),          cmocka_unit_test(test_resample),
	    cmocka_unit_test(test_remove_response), cmocka_unit_test(test_real_day),
	    cmocka_unit_test(test_threads),         cmocka_unit_test(test_bad_input),
	};
	return cmocka_run_group_tests(tests, strata_test_dir_setup, strata_test_dir_teardown);
}
