/*
 * response.c - evaluate StationXML responses; see response.h for the model.
 */
#include "noise/response.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "strata/error.h"

/* The spline end condition evalresp uses: M[0] = K * M[1] (K = 1: parabolic runout). */
#define SPLINE_END_K 1.0

int resp_units_order(const char *name)
{
	static const struct {
		const char *name;
		int order;
	} table[] = {{"M", 0},      {"NM", 0},   {"M/S", 1},      {"M/SEC", 1}, {"NM/S", 1},
	             {"M/S**2", 2}, {"M/S2", 2}, {"M/SEC**2", 2}, {"M/S/S", 2}, {"NM/S**2", 2}};

	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (strcasecmp(name, table[i].name) == 0)
			return table[i].order;
	return -1;
}

/* Analog or digital poles and zeros at frequency f. */
static double complex eval_pz(const struct sx_stage *st, double f)
{
	double complex s, num = 1.0, den = 1.0;

	if (st->pz_type == SX_PZ_LAPLACE_RAD)
		s = CMPLX(0.0, 2.0 * M_PI * f);
	else if (st->pz_type == SX_PZ_LAPLACE_HZ)
		s = CMPLX(0.0, f);
	else
		s = cexp(CMPLX(0.0, 2.0 * M_PI * f / st->input_rate));
	for (size_t i = 0; i < st->nzeros; i++)
		num *= s - st->zeros[i];
	for (size_t i = 0; i < st->npoles; i++)
		den *= s - st->poles[i];
	return st->norm_factor * num / den;
}

/* sum c[k] * exp(-i w k T) for k = 0..n-1. */
static double complex poly_zinv(const double *c, size_t n, double wt)
{
	double complex acc = 0.0;

	for (size_t k = 0; k < n; k++)
		acc += c[k] * cexp(CMPLX(0.0, -wt * (double)k));
	return acc;
}

/* The k-th coefficient of a FIR stage after expanding its symmetry. */
static double fir_coeff(const struct sx_stage *st, size_t k, size_t full)
{
	return k < st->nnum ? st->num[k] : st->num[full - 1 - k];
}

/* Full length of a FIR stage's impulse response. */
static size_t fir_length(const struct sx_stage *st)
{
	if (st->symmetry == SX_SYM_EVEN)
		return 2 * st->nnum;
	if (st->symmetry == SX_SYM_ODD)
		return st->nnum ? 2 * st->nnum - 1 : 0;
	return st->nnum;
}

/*
 * FIR: symmetric filters are evaluated zero-phase (their (N-1)/2 sample delay
 * removed, as evalresp does); asymmetric ones keep their phase apart from the
 * applied Decimation/Correction, which is added back as exp(+i w corr).
 */
static double complex eval_fir(const struct sx_stage *st, double f)
{
	double w = 2.0 * M_PI * f, t = 1.0 / st->input_rate;
	size_t full = fir_length(st);
	double complex acc = 0.0;

	for (size_t k = 0; k < full; k++)
		acc += fir_coeff(st, k, full) * cexp(CMPLX(0.0, -w * t * (double)k));
	if (st->symmetry != SX_SYM_NONE)
		return acc * cexp(CMPLX(0.0, w * t * (double)(full ? full - 1 : 0) / 2.0));
	return acc * cexp(CMPLX(0.0, w * st->correction));
}

/* Coefficients (DIGITAL): numerator over denominator in z^-1, with the
 * applied correction as for asymmetric FIR. No coefficients at all is a
 * pure-gain stage (H = 1), as evalresp treats it. */
static double complex eval_coeffs(const struct sx_stage *st, double f)
{
	double w = 2.0 * M_PI * f;
	double wt = st->has_decimation ? w / st->input_rate : 0.0;
	double complex num = st->nnum ? poly_zinv(st->num, st->nnum, wt) : 1.0;
	double complex den = st->nden ? poly_zinv(st->den, st->nden, wt) : 1.0;

	return num / den * cexp(CMPLX(0.0, w * st->correction));
}

/*
 * Second derivatives of the cubic spline through (x, y) with end condition
 * M[0] = K M[1], M[n-1] = K M[n-2]. Thomas algorithm on the interior rows;
 * m and work each hold n doubles.
 */
static void spline_fit(const double *x, const double *y, size_t n, double *m, double *work)
{
	size_t last = n - 2; /* interior unknowns 1..last */

	memset(m, 0, n * sizeof(*m));
	if (n < 3)
		return;
	for (size_t i = 1; i <= last; i++) {
		double h0 = x[i] - x[i - 1], h1 = x[i + 1] - x[i];
		double diag = 2.0 * (h0 + h1), sub = h0;
		double rhs = 6.0 * ((y[i + 1] - y[i]) / h1 - (y[i] - y[i - 1]) / h0);

		if (i == 1)
			diag += SPLINE_END_K * h0;
		if (i == last)
			diag += SPLINE_END_K * h1;
		if (i > 1) {
			double r = sub / work[i - 1];

			diag -= r * (x[i] - x[i - 1]);
			rhs -= r * m[i - 1];
		}
		work[i] = diag;
		m[i] = rhs; /* forward-eliminated right-hand side */
	}
	m[last] /= work[last];
	for (size_t i = last - 1; i >= 1; i--)
		m[i] = (m[i] - (x[i + 1] - x[i]) * m[i + 1]) / work[i];
	m[0] = SPLINE_END_K * m[1];
	m[n - 1] = SPLINE_END_K * m[n - 2];
}

/* Evaluate the fitted spline at v (x[0] <= v <= x[n-1]). */
static double spline_eval(const double *x, const double *y, const double *m, size_t n, double v)
{
	size_t lo = 0, hi = n - 1;

	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (x[mid] <= v)
			lo = mid;
		else
			hi = mid;
	}
	double h = x[hi] - x[lo], a = x[hi] - v, b = v - x[lo];

	return m[lo] * a * a * a / (6.0 * h) + m[hi] * b * b * b / (6.0 * h) +
	       (y[lo] / h - m[lo] * h / 6.0) * a + (y[hi] / h - m[hi] * h / 6.0) * b;
}

/* Check a ResponseList: at least 2 points, strictly increasing frequency. */
static int list_check(const struct sx_stage *st)
{
	if (st->nlist < 2)
		return strata_error_set(
		    STRATA_EINVAL, "stage %d: ResponseList needs at least 2 points", st->number);
	for (size_t i = 1; i < st->nlist; i++)
		if (!(st->list_freq[i] > st->list_freq[i - 1]))
			return strata_error_set(STRATA_EINVAL,
			                        "stage %d: ResponseList frequencies not increasing "
			                        "at element %zu",
			                        st->number, i + 1);
	return 0;
}

/* Interpolate a ResponseList stage at n frequencies into out (multiplied in). */
static int eval_list(const struct sx_stage *st, const double *freqs, size_t n, double complex *out)
{
	size_t k = st->nlist;
	double *buf;
	int rc = list_check(st);

	if (rc)
		return rc;
	buf = malloc(4 * k * sizeof(double));
	if (!buf)
		return strata_error_set(STRATA_ENOMEM, "ResponseList: out of memory");
	double *ph = buf, *m_amp = buf + k, *m_ph = buf + 2 * k, *work = buf + 3 * k;

	ph[0] = st->list_phase[0];
	for (size_t i = 1; i < k; i++) /* unwrap */
		ph[i] = ph[i - 1] + remainder(st->list_phase[i] - ph[i - 1], 360.0);
	spline_fit(st->list_freq, st->list_amp, k, m_amp, work);
	spline_fit(st->list_freq, ph, k, m_ph, work);
	for (size_t i = 0; i < n && !rc; i++) {
		double f = freqs[i];

		if (f < st->list_freq[0] || f > st->list_freq[k - 1]) {
			rc =
			    strata_error_set(STRATA_EINVAL,
			                     "stage %d: frequency %g Hz outside the ResponseList "
			                     "range [%g, %g]",
			                     st->number, f, st->list_freq[0], st->list_freq[k - 1]);
			break;
		}
		double a = spline_eval(st->list_freq, st->list_amp, m_amp, k, f);
		double p = spline_eval(st->list_freq, ph, m_ph, k, f) * M_PI / 180.0;

		out[i] *= a * cexp(CMPLX(0.0, p));
	}
	free(buf);
	return rc;
}

/* Reject stages that cannot be evaluated. */
static int stage_check(const struct sx_stage *st)
{
	int digital = st->kind == SX_STAGE_FIR || st->kind == SX_STAGE_COEFFS ||
	              (st->kind == SX_STAGE_PZ && st->pz_type == SX_PZ_DIGITAL);

	if (st->kind == SX_STAGE_UNSUPPORTED)
		return strata_error_set(
		    STRATA_EUNSUPPORTED,
		    "stage %d: Polynomial and non-DIGITAL Coefficients stages are "
		    "not supported",
		    st->number);
	if (digital && !st->has_decimation &&
	    (st->kind != SX_STAGE_COEFFS || st->nnum > 1 || st->nden > 0))
		return strata_error_set(
		    STRATA_EINVAL, "stage %d: digital stage without Decimation/InputSampleRate",
		    st->number);
	return 0;
}

/* Multiply one stage's response (including its gain) into h. */
static int eval_stage(const struct sx_stage *st, const double *freqs, size_t n, double complex *h)
{
	double gain = st->has_gain ? st->gain : 1.0;
	int rc = stage_check(st);

	if (rc)
		return rc;
	if (st->kind == SX_STAGE_LIST)
		rc = eval_list(st, freqs, n, h);
	for (size_t i = 0; i < n && !rc; i++) {
		if (st->kind == SX_STAGE_PZ)
			h[i] *= eval_pz(st, freqs[i]);
		else if (st->kind == SX_STAGE_FIR)
			h[i] *= eval_fir(st, freqs[i]);
		else if (st->kind == SX_STAGE_COEFFS)
			h[i] *= eval_coeffs(st, freqs[i]);
		h[i] *= gain;
	}
	return rc;
}

/* The input units of the whole response: the sensitivity's, else stage 1's. */
static const char *input_units(const struct sx_response *r)
{
	if (r->input_units[0])
		return r->input_units;
	return r->nstages ? r->stages[0].input_units : "";
}

/* Multiply by (i w)^(order_in - order_out) to change ground-motion units. */
static int convert_units(const struct sx_response *r, const double *freqs, size_t n,
                         enum resp_units units, double complex *h)
{
	int in;

	if (units == RESP_UNITS_INPUT)
		return 0;
	in = resp_units_order(input_units(r));
	if (in < 0)
		return strata_error_set(STRATA_EINVAL,
		                        "response input units \"%s\" are not ground motion; "
		                        "cannot convert",
		                        input_units(r));
	for (size_t i = 0; i < n; i++) {
		double complex iw = CMPLX(0.0, 2.0 * M_PI * freqs[i]);

		for (int k = in; k < (int)units; k++)
			h[i] /= iw;
		for (int k = (int)units; k < in; k++)
			h[i] *= iw;
	}
	return 0;
}

int resp_evaluate(const struct sx_response *r, const double *freqs, size_t n, enum resp_units units,
                  double complex *h)
{
	int rc = 0;

	for (size_t i = 0; i < n; i++) {
		if (!(freqs[i] > 0.0) || !isfinite(freqs[i]))
			return strata_error_set(
			    STRATA_EINVAL, "response: frequency %g Hz must be positive", freqs[i]);
		h[i] = 1.0;
	}
	for (size_t s = 0; s < r->nstages && !rc; s++)
		rc = eval_stage(&r->stages[s], freqs, n, h);
	if (!rc)
		rc = convert_units(r, freqs, n, units, h);
	return rc;
}

void resp_amp_phase(double complex h, double *amp, double *phase_deg)
{
	*amp = cabs(h);
	*phase_deg = carg(h) * 180.0 / M_PI;
}

int resp_sensitivity(const struct sx_response *r, double *gain_product, double *evaluated)
{
	double complex h = 0.0;
	double g = 1.0;
	int rc;

	if (!r->has_sensitivity)
		return strata_error_set(STRATA_ESCHEMA, "response has no InstrumentSensitivity");
	for (size_t s = 0; s < r->nstages; s++)
		if (r->stages[s].has_gain)
			g *= r->stages[s].gain;
	*gain_product = g;
	rc = resp_evaluate(r, &r->sensitivity_freq, 1, RESP_UNITS_INPUT, &h);
	if (rc)
		return rc;
	*evaluated = cabs(h);
	return 0;
}
