/*
 * test_response.c - instrument-response evaluation against evalresp output
 * and analytic cases.
 */
#include "testutil.h"

#include <complex.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "noise/response.h"
#include "noise/stationxml.h"

/* Tolerances against evalresp's 7-significant-digit output. */
#define AMP_RTOL   1e-6 /* at the list's own frequencies (1881 of 1948 rows) */
#define PH_ATOL    1e-4 /* degrees, at list frequencies */
#define AMP_RTOL_I 1e-4 /* spline-interpolated rows from 0.39 to 1.63 Hz */
#define PH_ATOL_I  0.1  /* degrees, interpolated rows from 0.39 Hz (list phases are integers) */
#define AMP_RTOL_L 0.1  /* interpolated rows below 0.39 Hz: evalresp's spline differs */
#define PH_ATOL_L  0.5  /* degrees, below 0.39 Hz */
#define F_LOW      0.39 /* Hz; ObsPy itself compares only from 0.4 Hz, to 1e-3 */

static double wrap180(double d)
{
	return remainder(d, 360.0);
}

/* Load expected_response_IM_IL31__BHZ.txt: n rows of (f, amp, phase). */
static size_t load_expected(const char *path, double **rows)
{
	FILE *f = fopen(path, "r");
	size_t n = 0, cap = 4096;
	double a, b, c;

	assert_non_null(f);
	*rows = malloc(cap * 3 * sizeof(double));
	assert_non_null(*rows);
	while (fscanf(f, "%lf %lf %lf", &a, &b, &c) == 3) {
		assert_true(n < cap);
		(*rows)[3 * n] = a;
		(*rows)[3 * n + 1] = b;
		(*rows)[3 * n + 2] = c;
		n++;
	}
	fclose(f);
	return n;
}

/* Whether f is one of the list stage's own frequencies (to 7 digits). */
static int at_list_point(const struct sx_stage *st, double f)
{
	for (size_t i = 0; i < st->nlist; i++)
		if (fabs(st->list_freq[i] - f) <= 1e-6 * f)
			return 1;
	return 0;
}

static void test_evalresp_im_il31(void **state)
{
	char xml[1024], txt[1024];
	struct sx_inventory inv;
	double *rows = NULL, *freqs, max_a = 0, max_p = 0, max_ai = 0, max_pi = 0;
	double max_al = 0, max_pl = 0;
	double complex *h;
	size_t n, nlist = 0;

	(void)state;
	STRATA_REQUIRE_TESTDATA("seismic/obspy/IM_IL31__BHZ.xml", xml);
	STRATA_REQUIRE_TESTDATA("seismic/obspy/expected_response_IM_IL31__BHZ.txt", txt);
	assert_ok(sx_parse_file(xml, &inv));
	const struct sx_response *r = &inv.networks[0].stations[0].channels[0].response;
	n = load_expected(txt, &rows);
	assert_int_equal(n, 1948);
	freqs = malloc(n * sizeof(double));
	h = malloc(n * sizeof(double complex));
	assert_non_null(freqs);
	assert_non_null(h);
	for (size_t i = 0; i < n; i++)
		freqs[i] = rows[3 * i];
	assert_ok(resp_evaluate(r, freqs, n, RESP_UNITS_VEL, h));
	for (size_t i = 0; i < n; i++) {
		double amp, ph;

		resp_amp_phase(h[i], &amp, &ph);
		double ea = fabs(amp - rows[3 * i + 1]) / rows[3 * i + 1];
		double ep = fabs(wrap180(ph - rows[3 * i + 2]));

		if (at_list_point(&r->stages[0], freqs[i])) {
			nlist++;
			max_a = fmax(max_a, ea);
			max_p = fmax(max_p, ep);
		} else if (freqs[i] < F_LOW) {
			max_al = fmax(max_al, ea);
			max_pl = fmax(max_pl, ep);
		} else {
			max_ai = fmax(max_ai, ea);
			max_pi = fmax(max_pi, ep);
		}
	}
	printf("# IM_IL31 vs evalresp: %zu list points: max amp rel %.3g, max phase %.3g deg; "
	       "interpolated >= %g Hz: max amp rel %.3g, max phase %.3g deg; below: %.3g, %.3g "
	       "deg\n",
	       nlist, max_a, max_p, F_LOW, max_ai, max_pi, max_al, max_pl);
	assert_true(nlist > 1800);
	assert_true(max_a < AMP_RTOL);
	assert_true(max_p < PH_ATOL);
	assert_true(max_ai < AMP_RTOL_I);
	assert_true(max_pi < PH_ATOL_I);
	assert_true(max_al < AMP_RTOL_L);
	assert_true(max_pl < PH_ATOL_L);
	free(rows);
	free(freqs);
	free(h);
	sx_inventory_free(&inv);
}

static void test_td03_sensitivity(void **state)
{
	char xml[1024];
	struct sx_inventory inv;

	(void)state;
	STRATA_REQUIRE_TESTDATA("seismic/noiz/TD03_inventory.xml", xml);
	assert_ok(sx_parse_file(xml, &inv));
	const struct sx_station *sta = &inv.networks[0].stations[0];
	assert_int_equal(sta->nchannels, 3);
	for (size_t c = 0; c < sta->nchannels; c++) {
		const struct sx_response *r = &sta->channels[c].response;
		double g = 0, e = 0;

		assert_ok(resp_sensitivity(r, &g, &e));
		printf("# TD03 epoch %zu: sensitivity %.10g, gain product %.10g, |H(1 Hz)| %.10g\n",
		       c, r->sensitivity, g, e);
		/* 2.4e10 to its printed 2 significant digits, and much better. */
		assert_true(fabs(r->sensitivity - 2.4e10) / 2.4e10 < 1e-6);
		assert_true(fabs(g - 2.4e10) / 2.4e10 < 1e-6);
		printf("# TD03 epoch %zu: |H(1 Hz)| vs sensitivity rel %.3g\n", c,
		       fabs(e - r->sensitivity) / r->sensitivity);
		assert_true(fabs(e - r->sensitivity) / r->sensitivity < 1e-6);
	}
	sx_inventory_free(&inv);
}

/* Sensitivity of the other real inventories agrees with their evaluation. */
static void check_sensitivity(const char *rel, double rtol)
{
	char xml[1024];
	struct sx_inventory inv;
	double g = 0, e = 0;

	if (strata_test_data_path(rel, xml, sizeof(xml)) != 0)
		return;
	assert_ok(sx_parse_file(xml, &inv));
	const struct sx_response *r = &inv.networks[0].stations[0].channels[0].response;
	assert_ok(resp_sensitivity(r, &g, &e));
	printf("# %s: sensitivity %.10g, |H(%g Hz)| %.10g (rel %.2g)\n", rel, r->sensitivity,
	       r->sensitivity_freq, e, fabs(e - r->sensitivity) / r->sensitivity);
	assert_true(fabs(e - r->sensitivity) / r->sensitivity < rtol);
	sx_inventory_free(&inv);
}

static void test_other_sensitivities(void **state)
{
	(void)state;
	check_sensitivity("seismic/noisepy/CI_CCA.xml", 1e-2);
	check_sensitivity("seismic/obspy/IRIS_single_channel_with_response.xml", 1e-2);
}

/* One-stage response with a single pole: H = A0 / (s - p). */
static void test_pz_analytic(void **state)
{
	double complex pole = CMPLX(-1.0, 0.0), hr, hh;
	struct sx_stage st = {0};
	struct sx_response r = {0};
	double f = 0.5, amp, ph;

	(void)state;
	st.kind = SX_STAGE_PZ;
	st.pz_type = SX_PZ_LAPLACE_RAD;
	st.norm_factor = 2.0;
	st.npoles = 1;
	st.poles = &pole;
	st.has_gain = 1;
	st.gain = 3.0;
	r.nstages = 1;
	r.stages = &st;
	snprintf(r.input_units, sizeof(r.input_units), "M/S");
	assert_ok(resp_evaluate(&r, &f, 1, RESP_UNITS_INPUT, &hr));
	double complex want = 6.0 / (CMPLX(0.0, 2.0 * M_PI * f) + 1.0);
	assert_true(cabs(hr - want) < 1e-12);
	/* The same pole in Hz: s = i f, pole at -1/(2 pi) Hz, A0 scaled. */
	pole = CMPLX(-1.0 / (2.0 * M_PI), 0.0);
	st.pz_type = SX_PZ_LAPLACE_HZ;
	st.norm_factor = 2.0 / (2.0 * M_PI);
	assert_ok(resp_evaluate(&r, &f, 1, RESP_UNITS_INPUT, &hh));
	assert_true(cabs(hh - want) < 1e-12);
	/* Velocity -> displacement multiplies by i w: +90 degrees. */
	assert_ok(resp_evaluate(&r, &f, 1, RESP_UNITS_DIS, &hh));
	resp_amp_phase(hh / hr, &amp, &ph);
	assert_true(fabs(amp - 2.0 * M_PI * f) < 1e-12);
	assert_true(fabs(ph - 90.0) < 1e-9);
}

/* A symmetric FIR is zero-phase; its DC gain is the coefficient sum. */
static void test_fir_symmetric(void **state)
{
	double coef[3] = {0.25, 0.5, 0.5}, f[2] = {1e-9, 3.0}, amp, ph;
	struct sx_stage st = {0};
	struct sx_response r = {0};
	double complex h[2];

	(void)state;
	st.kind = SX_STAGE_FIR;
	st.symmetry = SX_SYM_ODD; /* 0.25 0.5 0.5 0.5 0.25 */
	st.num = coef;
	st.nnum = 3;
	st.has_decimation = 1;
	st.input_rate = 20.0;
	r.nstages = 1;
	r.stages = &st;
	assert_ok(resp_evaluate(&r, f, 2, RESP_UNITS_INPUT, h));
	resp_amp_phase(h[0], &amp, &ph);
	assert_true(fabs(amp - 2.0) < 1e-9);
	assert_true(fabs(cimag(h[1])) < 1e-12);
	/* Asymmetric [1, 0]: pure delay of 0 -> flat, [0, 1]: one-sample delay. */
	double c2[2] = {0.0, 1.0};
	st.symmetry = SX_SYM_NONE;
	st.num = c2;
	st.nnum = 2;
	assert_ok(resp_evaluate(&r, &f[1], 1, RESP_UNITS_INPUT, h));
	resp_amp_phase(h[0], &amp, &ph);
	assert_true(fabs(amp - 1.0) < 1e-12);
	assert_true(fabs(wrap180(ph + 360.0 * 3.0 / 20.0)) < 1e-9);
	/* Correction of one sample removes it. */
	st.correction = 1.0 / 20.0;
	assert_ok(resp_evaluate(&r, &f[1], 1, RESP_UNITS_INPUT, h));
	assert_true(cabs(h[0] - 1.0) < 1e-12);
}

static void test_errors(void **state)
{
	double lf[2] = {1.0, 2.0}, la[2] = {1.0, 1.0}, lp[2] = {0.0, 0.0}, f = 5.0, bad = -1.0;
	struct sx_stage st = {0};
	struct sx_response r = {0};
	double complex h;
	double g, e;

	(void)state;
	st.kind = SX_STAGE_LIST;
	st.nlist = 2;
	st.list_freq = lf;
	st.list_amp = la;
	st.list_phase = lp;
	r.nstages = 1;
	r.stages = &st;
	assert_int_equal(resp_evaluate(&r, &f, 1, RESP_UNITS_INPUT, &h), STRATA_EINVAL);
	assert_non_null(strstr(strata_error_message(), "outside the ResponseList"));
	assert_int_equal(resp_evaluate(&r, &bad, 1, RESP_UNITS_INPUT, &h), STRATA_EINVAL);
	f = 1.5;
	assert_ok(resp_evaluate(&r, &f, 1, RESP_UNITS_INPUT, &h));
	assert_true(cabs(h - 1.0) < 1e-12);
	assert_int_equal(resp_evaluate(&r, &f, 1, RESP_UNITS_VEL, &h), STRATA_EINVAL);
	assert_int_equal(resp_sensitivity(&r, &g, &e), STRATA_ESCHEMA);
	st.kind = SX_STAGE_FIR;
	assert_int_equal(resp_evaluate(&r, &f, 1, RESP_UNITS_INPUT, &h), STRATA_EINVAL);
	st.kind = SX_STAGE_UNSUPPORTED;
	assert_int_equal(resp_evaluate(&r, &f, 1, RESP_UNITS_INPUT, &h), STRATA_EUNSUPPORTED);
	assert_int_equal(resp_units_order("m/s**2"), 2);
	assert_int_equal(resp_units_order("COUNTS"), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_evalresp_im_il31),    cmocka_unit_test(test_td03_sensitivity),
	    cmocka_unit_test(test_other_sensitivities), cmocka_unit_test(test_pz_analytic),
	    cmocka_unit_test(test_fir_symmetric),       cmocka_unit_test(test_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
