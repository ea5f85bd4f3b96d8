/*
 * dsp.c - ObsPy 1.4 taper, Butterworth filters, Fourier resampling and
 * response removal (see dsp.h and docs/noise-dsp.md).
 */
#include "noise/dsp.h"

#include <complex.h> /* before fftw3.h: fftw_complex is double complex */
#include <float.h>
#include <fftw3.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "strata/error.h"

#define MAX_ORDER 64

/* FFTW's planner is not thread-safe: plans are made under this lock. */
static pthread_mutex_t plan_lock = PTHREAD_MUTEX_INITIALIZER;

void dsp_fftw_lock(void)
{
	pthread_mutex_lock(&plan_lock);
}

void dsp_fftw_unlock(void)
{
	pthread_mutex_unlock(&plan_lock);
}

/*
 * Plans kept for reuse by length, direction and alignment (a chunk asks for
 * the same few sizes every time). Made with FFTW_ESTIMATE, whose choice does
 * not depend on timing (the same bits in every process), on scratch arrays,
 * and run with the new-array execute functions, which are thread-safe.
 * Arrays from fftw_malloc get the SIMD plans (a third to a half faster),
 * others FFTW_UNALIGNED ones. Kept until the process exits.
 */
#define PLAN_SLOTS 64
struct plan_slot {
	size_t n;
	int c2r, aligned;
	fftw_plan plan;
};
static struct plan_slot plans[PLAN_SLOTS];
static size_t nplans;

/* A plan for n (c2r: complex to real), or NULL when out of memory. */
static fftw_plan get_plan(size_t n, int c2r, int aligned)
{
	unsigned flags = FFTW_ESTIMATE | (aligned ? 0U : FFTW_UNALIGNED);
	fftw_plan plan = NULL;
	double *r;
	fftw_complex *c;

	pthread_mutex_lock(&plan_lock);
	for (size_t i = 0; i < nplans && !plan; i++)
		if (plans[i].n == n && plans[i].c2r == c2r && plans[i].aligned == aligned)
			plan = plans[i].plan;
	r = plan ? NULL : fftw_malloc(n * sizeof(*r));
	c = plan ? NULL : fftw_malloc((n / 2 + 1) * sizeof(*c));
	if (r && c)
		plan = c2r ? fftw_plan_dft_c2r_1d((int)n, c, r, flags)
		           : fftw_plan_dft_r2c_1d((int)n, r, c, flags);
	if (r && c && plan && nplans < PLAN_SLOTS)
		plans[nplans++] = (struct plan_slot){n, c2r, aligned, plan};
	else if (r && c && plan) /* the table is full: the caller destroys it */
		plan = NULL;
	fftw_free(r);
	fftw_free(c);
	pthread_mutex_unlock(&plan_lock);
	return plan;
}

/* Plan (or reuse) and run a transform; in is overwritten by c2r. */
static void fft_run(size_t n, int c2r, void *in, void *out)
{
	int aligned = fftw_alignment_of(in) == 0 && fftw_alignment_of(out) == 0;
	fftw_plan plan = get_plan(n, c2r, aligned);
	int own = 0;

	if (!plan) { /* table full: plan for this call only */
		pthread_mutex_lock(&plan_lock);
		plan = c2r ? fftw_plan_dft_c2r_1d((int)n, in, out, FFTW_ESTIMATE)
		           : fftw_plan_dft_r2c_1d((int)n, in, out, FFTW_ESTIMATE);
		pthread_mutex_unlock(&plan_lock);
		own = 1;
	}
	if (c2r)
		fftw_execute_dft_c2r(plan, in, out);
	else
		fftw_execute_dft_r2c(plan, in, out);
	if (own) {
		pthread_mutex_lock(&plan_lock);
		fftw_destroy_plan(plan);
		pthread_mutex_unlock(&plan_lock);
	}
}

/* Real-to-complex transform of length n. */
static void fft_r2c(size_t n, double *in, double complex *out)
{
	fft_run(n, 0, in, out);
}

/* The inverse, unnormalised (FFTW's c2r; in is overwritten). */
static void fft_c2r(size_t n, double complex *in, double *out)
{
	fft_run(n, 1, in, out);
}

int dsp_cosine_taper(size_t npts, double p, int halfcosine, double *w)
{
	size_t frac, i1 = 0, i2, i3, i4;

	if (npts < 2 || !(p >= 0.0 && p <= 1.0))
		return strata_error_set(STRATA_EINVAL, "cosine_taper: npts %zu, p %g", npts, p);
	frac = (p == 0.0 || p == 1.0) ? (size_t)((double)npts * p / 2.0)
	                              : (size_t)((double)npts * p / 2.0 + 0.5);
	if (frac == 0) { /* ObsPy: idx2 = -1, every slice but the middle one is empty */
		for (size_t k = 0; k < npts; k++)
			w[k] = 1.0;
		return 0;
	}
	i2 = frac - 1;
	i3 = npts - frac;
	i4 = npts - 1;
	if (i1 == i2)
		i2++;
	if (i3 == i4)
		i3--;
	memset(w, 0, npts * sizeof(*w));
	for (size_t k = i1; k <= i2; k++)
		w[k] = halfcosine
		           ? 0.5 * (1.0 - cos(M_PI * ((double)k - (double)i1) / (double)(i2 - i1)))
		           : cos(-(M_PI / 2.0 * ((double)i2 - (double)k) / (double)(i2 - i1)));
	for (size_t k = i2 + 1; k < i3; k++)
		w[k] = 1.0;
	for (size_t k = i3; k <= i4; k++)
		w[k] = halfcosine
		           ? 0.5 * (1.0 + cos(M_PI * ((double)i3 - (double)k) / (double)(i4 - i3)))
		           : cos(M_PI / 2.0 * ((double)i3 - (double)k) / (double)(i4 - i3));
	return 0;
}

/* Trace.taper's window of m points (2*wlen+1, or 2*wlen when that is the trace). */
static int taper_sides(enum dsp_taper_type type, size_t m, double *w)
{
	if (type == DSP_TAPER_COSINE)
		return dsp_cosine_taper(m, 1.0, 1, w);
	for (size_t k = 0; k < m; k++) /* scipy hann(M), symmetric */
		w[k] = 0.5 - 0.5 * cos(2.0 * M_PI * (double)k / (double)(m - 1));
	return 0;
}

int dsp_taper(double *x, size_t n, double fs, double max_percentage, double max_length,
              enum dsp_taper_type type, enum dsp_taper_side side)
{
	size_t wlen = n / 2, m;
	double *w;
	int rc;

	if (max_percentage >= 0.0 && (size_t)(max_percentage * (double)n) < wlen)
		wlen = (size_t)(max_percentage * (double)n);
	if (max_length >= 0.0 && (size_t)(max_length * fs) < wlen)
		wlen = (size_t)(max_length * fs);
	if (wlen == 0)
		return 0;                     /* the 1-point window multiplies nothing */
	m = 2 * wlen == n ? n : 2 * wlen + 1; /* ObsPy 1.4: the whole trace in one window */
	w = calloc(m, sizeof(*w));
	if (!w)
		return strata_error_set(STRATA_ENOMEM, "taper: %zu samples", m);
	rc = taper_sides(type, m, w);
	for (size_t k = 0; rc == 0 && k < wlen; k++) {
		if (side != DSP_SIDE_RIGHT)
			x[k] *= w[k];
		if (side != DSP_SIDE_LEFT)
			x[n - wlen + k] *= w[m - wlen + k];
	}
	free(w);
	return rc;
}

/* Analog prototype zeros/poles/gain, as scipy's zpk arrays. */
struct zpk {
	double complex z[2 * MAX_ORDER], p[2 * MAX_ORDER];
	size_t nz, np;
	double k;
};

static void buttap(int order, struct zpk *f)
{
	f->nz = 0;
	f->np = (size_t)order;
	f->k = 1.0;
	for (int i = 0; i < order; i++) {
		int m = -order + 1 + 2 * i;
		f->p[i] = -cexp(I * M_PI * m / (2.0 * order));
	}
}

/* scipy bilinear_zpk with fs = 2 (Wn normalised to Nyquist). */
static void bilinear(struct zpk *f)
{
	const double fs2 = 4.0;
	double complex num = 1.0, den = 1.0;

	for (size_t i = 0; i < f->nz; i++) {
		num *= fs2 - f->z[i];
		f->z[i] = (fs2 + f->z[i]) / (fs2 - f->z[i]);
	}
	for (size_t i = 0; i < f->np; i++) {
		den *= fs2 - f->p[i];
		f->p[i] = (fs2 + f->p[i]) / (fs2 - f->p[i]);
	}
	while (f->nz < f->np)
		f->z[f->nz++] = -1.0;
	f->k *= creal(num / den);
}

static double warp(double wn)
{
	return 4.0 * tan(M_PI * wn / 2.0);
}

/* A factor 1 + c1 z^-1 + c2 z^-2 of a section, built from one root or a pair. */
struct quad {
	double c1, c2;
	double complex root; /* a representative root, for pairing */
};

/*
 * Factor roots into quads: each complex root with its conjugate (only the
 * Im > 0 member is looked at), real roots two by two in order, an odd one
 * left alone.
 */
static size_t to_quads(const double complex *r, size_t n, struct quad *q)
{
	size_t nq = 0, nreal = 0;
	double reals[2 * MAX_ORDER];

	for (size_t i = 0; i < n; i++) {
		if (cimag(r[i]) > 0.0) {
			q[nq].c1 = -2.0 * creal(r[i]);
			q[nq].c2 = creal(r[i]) * creal(r[i]) + cimag(r[i]) * cimag(r[i]);
			q[nq++].root = r[i];
		} else if (cimag(r[i]) == 0.0) {
			reals[nreal++] = creal(r[i]);
		}
	}
	for (size_t i = 0; i < nreal; i += 2) {
		double b = i + 1 < nreal ? reals[i + 1] : 0.0;
		q[nq].c1 = -(reals[i] + b);
		q[nq].c2 = reals[i] * b;
		q[nq++].root = reals[i];
	}
	return nq;
}

/*
 * Second-order sections as scipy's zpk2sos orders them: the pole pair closest
 * to the unit circle goes last, with the nearest remaining zero pair; the
 * whole gain goes into the first section.
 */
static int zpk_to_sos(const struct zpk *f, struct dsp_sos *sos)
{
	struct quad zq[2 * MAX_ORDER], pq[2 * MAX_ORDER];
	size_t nzq = to_quads(f->z, f->nz, zq), npq = to_quads(f->p, f->np, pq);
	size_t nsec = nzq > npq ? nzq : npq;
	int zused[2 * MAX_ORDER] = {0}, pused[2 * MAX_ORDER] = {0};

	if (nsec == 0)
		return strata_error_set(STRATA_EINVAL, "sos: a filter without poles or zeros");
	for (size_t i = nzq; i < nsec; i++)
		zq[i] = (struct quad){0.0, 0.0, 0.0};
	for (size_t i = npq; i < nsec; i++)
		pq[i] = (struct quad){0.0, 0.0, 0.0};
	sos->s = calloc(nsec, sizeof(*sos->s));
	if (!sos->s)
		return strata_error_set(STRATA_ENOMEM, "sos: %zu sections", nsec);
	sos->n = nsec;
	for (size_t s = nsec; s-- > 0;) {
		size_t bp = 0, bz = 0;
		double best = INFINITY;

		for (size_t i = 0; i < nsec; i++) /* the unused pole closest to |z| = 1 */
			if (!pused[i] && fabs(1.0 - cabs(pq[i].root)) < best) {
				best = fabs(1.0 - cabs(pq[i].root));
				bp = i;
			}
		best = INFINITY;
		for (size_t i = 0; i < nsec; i++) /* the unused zero nearest to it */
			if (!zused[i] && cabs(zq[i].root - pq[bp].root) < best) {
				best = cabs(zq[i].root - pq[bp].root);
				bz = i;
			}
		pused[bp] = zused[bz] = 1;
		sos->s[s][0] = 1.0;
		sos->s[s][1] = zq[bz].c1;
		sos->s[s][2] = zq[bz].c2;
		sos->s[s][3] = 1.0;
		sos->s[s][4] = pq[bp].c1;
		sos->s[s][5] = pq[bp].c2;
	}
	for (int j = 0; j < 3; j++)
		sos->s[0][j] *= f->k;
	return 0;
}

static int check_order(int order)
{
	if (order < 1 || order > MAX_ORDER)
		return strata_error_set(STRATA_EINVAL, "filter order %d outside 1..%d", order,
		                        MAX_ORDER);
	return 0;
}

int dsp_butter_lowpass(int order, double wn, struct dsp_sos *sos)
{
	struct zpk f;
	double wo = warp(wn);

	if (check_order(order) < 0 || !(wn > 0.0 && wn < 1.0))
		return strata_error_set(STRATA_EINVAL, "lowpass: order %d, Wn %g", order, wn);
	buttap(order, &f);
	for (size_t i = 0; i < f.np; i++)
		f.p[i] *= wo;
	f.k = pow(wo, order);
	bilinear(&f);
	return zpk_to_sos(&f, sos);
}

int dsp_butter_highpass(int order, double wn, struct dsp_sos *sos)
{
	struct zpk f;
	double wo = warp(wn);
	double complex prod = 1.0;

	if (check_order(order) < 0 || !(wn > 0.0 && wn < 1.0))
		return strata_error_set(STRATA_EINVAL, "highpass: order %d, Wn %g", order, wn);
	buttap(order, &f);
	for (size_t i = 0; i < f.np; i++) {
		prod *= -f.p[i];
		f.p[i] = wo / f.p[i];
		f.z[i] = 0.0;
	}
	f.nz = f.np;
	f.k = creal(1.0 / prod);
	bilinear(&f);
	return zpk_to_sos(&f, sos);
}

int dsp_butter_bandpass(int order, double wn_low, double wn_high, struct dsp_sos *sos)
{
	struct zpk f;
	double w1 = warp(wn_low), w2 = warp(wn_high);
	double wo = sqrt(w1 * w2), bw = w2 - w1;
	size_t n = (size_t)order;

	if (check_order(order) < 0 || !(wn_low > 0.0 && wn_low < wn_high && wn_high < 1.0))
		return strata_error_set(STRATA_EINVAL, "bandpass: order %d, Wn %g..%g", order,
		                        wn_low, wn_high);
	buttap(order, &f);
	for (size_t i = 0; i < n; i++) {
		double complex lp = f.p[i] * bw / 2.0, root = csqrt(lp * lp - wo * wo);
		f.p[i] = lp + root;
		f.p[n + i] = lp - root;
		f.z[i] = 0.0;
	}
	f.np = 2 * n;
	f.nz = n;
	f.k = pow(bw, order);
	bilinear(&f);
	/* interleave the zeros (+1 from the analog zeros at 0, -1 added) per section */
	for (size_t i = 0; i < n; i++) {
		f.z[2 * i] = 1.0;
		f.z[2 * i + 1] = -1.0;
	}
	return zpk_to_sos(&f, sos);
}

void dsp_sos_free(struct dsp_sos *sos)
{
	free(sos->s);
	sos->s = NULL;
	sos->n = 0;
}

/* One section's normalised coefficients (b0 b1 b2 a1 a2) and state (z0 z1). */
struct sos_section {
	double b0, b1, b2, a1, a2;
	double z0, z1;
};

/* Sections run together (registers hold their states), samples per block
 * between the subnormal checks. */
#define SOS_GROUP 6
#define SOS_BLOCK 64

/*
 * Samples [from, to) of x through sections sec[0..NSEC), sample by sample
 * (each sample goes through every section before the next): the sections'
 * recurrences are independent chains the CPU overlaps, where running a
 * section over the whole array waits on one chain's latency per sample. The
 * arithmetic of each section is that of scipy's sosfilt, in the same order.
 */
#define SOS_RUN(NSEC)                                                                              \
	static void sos_run_##NSEC(struct sos_section *sec, double *x, size_t from, size_t to)     \
	{                                                                                          \
		double z0[NSEC], z1[NSEC];                                                         \
		for (int s = 0; s < (NSEC); s++) {                                                 \
			z0[s] = sec[s].z0;                                                         \
			z1[s] = sec[s].z1;                                                         \
		}                                                                                  \
		for (size_t i = from; i < to; i++) {                                               \
			double v = x[i];                                                           \
			for (int s = 0; s < (NSEC); s++) {                                         \
				double y = sec[s].b0 * v + z0[s];                                  \
				z0[s] = sec[s].b1 * v - sec[s].a1 * y + z1[s];                     \
				z1[s] = sec[s].b2 * v - sec[s].a2 * y;                             \
				v = y;                                                             \
			}                                                                          \
			x[i] = v;                                                                  \
		}                                                                                  \
		for (int s = 0; s < (NSEC); s++) {                                                 \
			sec[s].z0 = z0[s];                                                         \
			sec[s].z1 = z1[s];                                                         \
		}                                                                                  \
	}
SOS_RUN(1)
SOS_RUN(2)
SOS_RUN(3)
SOS_RUN(4)
SOS_RUN(5)
SOS_RUN(6)

/* Runs sections sec[0..nsec) (nsec <= SOS_GROUP) over x[from, to). */
static void sos_run(struct sos_section *sec, size_t nsec, double *x, size_t from, size_t to)
{
	switch (nsec) {
	case 1: sos_run_1(sec, x, from, to); break;
	case 2: sos_run_2(sec, x, from, to); break;
	case 3: sos_run_3(sec, x, from, to); break;
	case 4: sos_run_4(sec, x, from, to); break;
	case 5: sos_run_5(sec, x, from, to); break;
	default: sos_run_6(sec, x, from, to); break;
	}
}

/*
 * A state decaying on zero input (the padding) would go subnormal, which
 * costs ~100x per operation; below DBL_MIN it is zero to any tolerance.
 * Returns whether every state is zero.
 */
static int sos_flush(struct sos_section *sec, size_t nsec)
{
	int zero = 1;

	for (size_t s = 0; s < nsec; s++) {
		if (fabs(sec[s].z0) < DBL_MIN && fabs(sec[s].z1) < DBL_MIN)
			sec[s].z0 = sec[s].z1 = 0.0;
		zero &= sec[s].z0 == 0.0 && sec[s].z1 == 0.0;
	}
	return zero;
}

/* Sections sec[0..nsec) over x[0..n) in blocks; zero state on zero input stays zero. */
static void sos_group(struct sos_section *sec, size_t nsec, double *x, size_t n)
{
	size_t last = n; /* one past the last nonzero input */

	while (last > 0 && x[last - 1] == 0.0)
		last--;
	for (size_t i = 0; i < n; i += SOS_BLOCK) {
		size_t to = n - i < SOS_BLOCK ? n : i + SOS_BLOCK;
		if (i >= last && sos_flush(sec, nsec))
			break; /* the rest of the output is exactly zero */
		sos_run(sec, nsec, x, i, to);
		sos_flush(sec, nsec);
	}
}

void dsp_sosfilt(const struct dsp_sos *sos, double *x, size_t n)
{
	/* groups of at most SOS_GROUP sections, as even as possible (8 as 4 + 4) */
	size_t ngroups = (sos->n + SOS_GROUP - 1) / SOS_GROUP, done = 0;

	for (size_t k = 0; k < ngroups; k++) {
		struct sos_section sec[SOS_GROUP];
		size_t nsec = (sos->n - done) / (ngroups - k);

		for (size_t s = 0; s < nsec; s++) {
			const double *c = sos->s[done + s];
			sec[s] =
			    (struct sos_section){c[0] / c[3], c[1] / c[3], c[2] / c[3], c[4] / c[3],
			                         c[5] / c[3], 0.0,         0.0};
		}
		sos_group(sec, nsec, x, n);
		done += nsec;
	}
}

static void reverse(double *x, size_t n)
{
	for (size_t i = 0; i < n / 2; i++) {
		double t = x[i];
		x[i] = x[n - 1 - i];
		x[n - 1 - i] = t;
	}
}

/* sosfilt, and for zero phase a second pass over the reversed output. */
static int apply(struct dsp_sos *sos, double *x, size_t n, int zerophase)
{
	dsp_sosfilt(sos, x, n);
	if (zerophase) {
		reverse(x, n);
		dsp_sosfilt(sos, x, n);
		reverse(x, n);
	}
	dsp_sos_free(sos);
	return 0;
}

int dsp_lowpass(double *x, size_t n, double fs, double freq, int corners, int zerophase)
{
	struct dsp_sos sos = {0, NULL};
	double f = freq / (0.5 * fs);
	int rc;

	if (f > 1.0) /* ObsPy warns and returns the data unchanged above Nyquist */
		return 0;
	rc = dsp_butter_lowpass(corners, f, &sos);
	return rc < 0 ? rc : apply(&sos, x, n, zerophase);
}

int dsp_highpass(double *x, size_t n, double fs, double freq, int corners, int zerophase)
{
	struct dsp_sos sos = {0, NULL};
	double f = freq / (0.5 * fs);
	int rc;

	if (f > 1.0)
		return strata_error_set(STRATA_EINVAL, "highpass: corner %g Hz above Nyquist",
		                        freq);
	rc = dsp_butter_highpass(corners, f, &sos);
	return rc < 0 ? rc : apply(&sos, x, n, zerophase);
}

int dsp_bandpass(double *x, size_t n, double fs, double fmin, double fmax, int corners,
                 int zerophase)
{
	struct dsp_sos sos = {0, NULL};
	double fe = 0.5 * fs, low = fmin / fe, high = fmax / fe;
	int rc;

	if (high - 1.0 > -1e-6) /* ObsPy: a highpass at fmin instead */
		return dsp_highpass(x, n, fs, fmin, corners, zerophase);
	if (low > 1.0)
		return strata_error_set(STRATA_EINVAL, "bandpass: low corner %g Hz above Nyquist",
		                        fmin);
	rc = dsp_butter_bandpass(corners, low, high, &sos);
	return rc < 0 ? rc : apply(&sos, x, n, zerophase);
}

/*
 * np.interp(xq, k*df, y) for k = 0..ny-1 (ny >= 2): linear, clamped at both
 * ends. *i is the segment searched from, so that increasing xq walk the grid
 * once: the segment is the last i <= ny-2 with df*i <= xq, as a search from
 * 0 finds it.
 */
static double interp_from(double xq, double df, const double *y, size_t ny, size_t *i)
{
	double x0;

	if (xq <= 0.0)
		return y[0];
	if (xq >= df * (double)(ny - 1))
		return y[ny - 1];
	while (*i > 0 && df * (double)*i > xq)
		(*i)--;
	while (*i + 1 < ny - 1 && df * (double)(*i + 1) <= xq)
		(*i)++;
	x0 = df * (double)*i;
	return (y[*i + 1] - y[*i]) / (df * (double)(*i + 1) - x0) * (xq - x0) + y[*i];
}

/* Periodic Hann window of length n, ifftshifted, at bin k (k <= n/2). */
static double shifted_hann(size_t n, size_t k)
{
	size_t j = (k + n / 2) % n;
	return 0.5 - 0.5 * cos(2.0 * M_PI * (double)j / (double)n);
}

/*
 * Per-length tables kept until the process exits, made under plan_lock and
 * read-only afterwards: the shifted Hann window of a resampling input length
 * (n/2 + 1 bins), and the chirps of a partial inverse transform.
 */
#define TABLE_SLOTS 16
struct hann_table {
	size_t n;
	double *w;
};
static struct hann_table hann_tables[TABLE_SLOTS];
static size_t nhann;

/* shifted_hann(n, k) for k = 0..n/2, cached; NULL when the table is full or
 * out of memory (the caller computes the values itself). */
static const double *hann_bins(size_t n)
{
	const double *w = NULL;

	pthread_mutex_lock(&plan_lock);
	for (size_t i = 0; i < nhann && !w; i++)
		if (hann_tables[i].n == n)
			w = hann_tables[i].w;
	if (!w && nhann < TABLE_SLOTS) {
		double *t = malloc((n / 2 + 1) * sizeof(*t));
		for (size_t k = 0; t && k <= n / 2; k++)
			t[k] = shifted_hann(n, k);
		if (t)
			hann_tables[nhann++] = (struct hann_table){n, t};
		w = t;
	}
	pthread_mutex_unlock(&plan_lock);
	return w;
}

/* Largest prime factor of x. */
static size_t max_prime(size_t x)
{
	size_t best = 1;

	for (size_t p = 2; p * p <= x; p++)
		while (x % p == 0) {
			best = p;
			x /= p;
		}
	return x > 1 ? x : best;
}

/* The smallest length >= n whose prime factors are 2, 3 and 5. */
static size_t smooth_length(size_t n)
{
	for (;; n++) {
		size_t m = n;
		while (m % 2 == 0)
			m /= 2;
		while (m % 3 == 0)
			m /= 3;
		while (m % 5 == 0)
			m /= 5;
		if (m == 1)
			return n;
	}
}

/*
 * Bluestein's chirp-z form of the first m outputs of a length-n complex-to-
 * real inverse DFT, for lengths FFTW handles slowly (a large prime factor):
 * with c_j = exp(i pi j^2 / n), sum_k a_k w^(kt) = c_t sum_k (a_k c_k)
 * conj(c_(t-k)), a cyclic convolution of length l >= kc + m done by FFTs of
 * a 2-3-5-smooth length. The filter's transform and the chirps are kept.
 */
struct chirp_table {
	size_t n, m, l, kc;
	double complex *c;  /* c_j for j = 0..max(kc, m-1) */
	double complex *fb; /* FFT of conj(c_j), j = -kc..m-1, wrapped, divided by l */
	fftw_plan fwd, bwd;
};
static struct chirp_table chirps[TABLE_SLOTS];
static size_t nchirps;

/* exp(i pi j^2 / n), the phase reduced exactly modulo 2 pi first. */
static double complex chirp(size_t j, size_t n)
{
	unsigned long long r = (unsigned long long)j * j % (2ULL * n);

	return cexp(I * M_PI * (double)r / (double)n);
}

/*
 * Fill t (n, m set) with its chirps, filter transform and out-of-place SIMD
 * plans (run on fftw_malloc'd arrays); 0 or -1.
 */
static int chirp_fill(struct chirp_table *t)
{
	size_t nc = t->kc + 1 > t->m ? t->kc + 1 : t->m;
	fftw_complex *buf;

	t->l = smooth_length(t->kc + t->m);
	t->c = malloc(nc * sizeof(*t->c));
	t->fb = fftw_malloc(t->l * sizeof(*t->fb));
	buf = fftw_malloc(t->l * sizeof(*buf));
	if (!t->c || !t->fb || !buf) {
		fftw_free(buf);
		return -1;
	}
	for (size_t j = 0; j < nc; j++)
		t->c[j] = chirp(j, t->n);
	t->fwd = fftw_plan_dft_1d((int)t->l, t->fb, buf, FFTW_FORWARD, FFTW_ESTIMATE);
	t->bwd = fftw_plan_dft_1d((int)t->l, buf, t->fb, FFTW_BACKWARD, FFTW_ESTIMATE);
	if (!t->fwd || !t->bwd) {
		fftw_free(buf);
		return -1;
	}
	memset(t->fb, 0, t->l * sizeof(*t->fb));
	for (size_t j = 0; j < t->m; j++)
		t->fb[j] = conj(t->c[j]) / (double)t->l;
	for (size_t j = 1; j <= t->kc; j++)
		t->fb[t->l - j] = conj(t->c[j]) / (double)t->l;
	fftw_execute_dft(t->fwd, t->fb, buf);
	memcpy(t->fb, buf, t->l * sizeof(*buf));
	fftw_free(buf);
	return 0;
}

/* The chirp table of (n, m), made on first use; NULL when the table is full
 * or out of memory (the caller uses FFTW's transform instead). */
static const struct chirp_table *chirp_table(size_t n, size_t m)
{
	const struct chirp_table *found = NULL;

	pthread_mutex_lock(&plan_lock);
	for (size_t i = 0; i < nchirps && !found; i++)
		if (chirps[i].n == n && chirps[i].m == m)
			found = &chirps[i];
	if (!found && nchirps < TABLE_SLOTS) {
		struct chirp_table *t = &chirps[nchirps];
		*t = (struct chirp_table){.n = n, .m = m, .kc = (n - 1) / 2};
		if (chirp_fill(t) == 0) {
			found = t;
			nchirps++;
		} else { /* plans are only made once both buffers exist */
			free(t->c);
			fftw_free(t->fb);
		}
	}
	pthread_mutex_unlock(&plan_lock);
	return found;
}

/* a * b, written out (no C99 Annex G special cases: finite data). */
static double complex cmul(double complex a, double complex b)
{
	double ar = creal(a), ai = cimag(a), br = creal(b), bi = cimag(b);

	return CMPLX(ar * br - ai * bi, ar * bi + ai * br);
}

/* The first m samples of the c2r by Bluestein's algorithm, through table t. */
static void c2r_chirp(const struct chirp_table *t, const double complex *spec, double complex *buf,
                      double complex *tmp, double *y)
{
	size_t n = t->n;

	buf[0] = creal(spec[0]) / 2.0;
	for (size_t k = 1; k <= t->kc; k++)
		buf[k] = cmul(spec[k], t->c[k]);
	memset(buf + t->kc + 1, 0, (t->l - t->kc - 1) * sizeof(*buf));
	fftw_execute_dft(t->fwd, buf, tmp);
	for (size_t j = 0; j < t->l; j++)
		tmp[j] = cmul(tmp[j], t->fb[j]);
	fftw_execute_dft(t->bwd, tmp, buf);
	for (size_t j = 0; j < t->m; j++) {
		/* 2 Re(buf_j c_j) */
		y[j] = 2.0 * (creal(buf[j]) * creal(t->c[j]) - cimag(buf[j]) * cimag(t->c[j]));
		if (n % 2 == 0)
			y[j] += j % 2 ? -creal(spec[n / 2]) : creal(spec[n / 2]);
	}
}

/*
 * y[0..m) = the first m samples of FFTW's unnormalised c2r of spec[0..n/2]
 * (spec[0] and, n even, spec[n/2] taken as real); spec is overwritten.
 */
static int c2r_first(size_t n, double complex *spec, size_t m, double *y)
{
	/* FFTW's own algorithms are fast for small prime factors; its transform
	 * is also the fallback when the chirp tables are full */
	const struct chirp_table *t = max_prime(n) < 100 ? NULL : chirp_table(n, m);
	double complex *buf = NULL, *tmp = NULL;
	double *full = NULL;
	int rc = 0;

	if (t) {
		buf = fftw_malloc(t->l * sizeof(*buf));
		tmp = fftw_malloc(t->l * sizeof(*tmp));
	} else {
		full = fftw_malloc(n * sizeof(*full));
	}
	if (t && buf && tmp) {
		c2r_chirp(t, spec, buf, tmp, y);
	} else if (full) {
		fft_run(n, 1, spec, full);
		memcpy(y, full, m * sizeof(*y));
	} else {
		rc = strata_error_set(STRATA_ENOMEM, "inverse FFT: %zu samples", n);
	}
	fftw_free(buf), fftw_free(tmp), fftw_free(full);
	return rc;
}

/* The Hann-windowed spectrum (re, im: nb bins each) of x[0..n). */
static int windowed_spectrum(const double *x, size_t n, double *re, double *im)
{
	size_t nb = n / 2 + 1;
	const double *w = hann_bins(n); /* NULL: the table is full, computed here */
	double *in = fftw_malloc(n * sizeof(*in));
	fftw_complex *spec = fftw_malloc(nb * sizeof(*spec));

	if (!in || !spec) {
		fftw_free(in), fftw_free(spec);
		return strata_error_set(STRATA_ENOMEM, "resample: %zu samples", n);
	}
	memcpy(in, x, n * sizeof(*in));
	fft_r2c(n, in, spec);
	for (size_t k = 0; k < nb; k++) {
		double wk = w ? w[k] : shifted_hann(n, k);
		re[k] = creal(spec[k]) * wk;
		im[k] = ((n % 2 == 0 && k == nb - 1) || k == 0 ? 0.0 : cimag(spec[k])) * wk;
	}
	fftw_free(in), fftw_free(spec);
	return 0;
}

int dsp_resample_keep(const double *x, size_t n, double fs_in, double fs_out, size_t keep,
                      double **out, size_t *n_out)
{
	double factor = fs_in / fs_out, delta = 1.0 / fs_in;
	size_t nb, num, nlb;
	double *re, *im, *y, df, dlf;
	fftw_complex *lspec;
	int rc;

	if (n < 2 || n > INT_MAX / 4 || !(fs_in > 0.0 && fs_out > 0.0 && fs_out / fs_in < 64.0))
		return strata_error_set(STRATA_EINVAL, "resample: %zu samples, %g -> %g Hz", n,
		                        fs_in, fs_out);
	num = (size_t)((double)n / factor);
	if (num == 0)
		num = 1;
	if (keep == 0 || keep > num)
		keep = num;
	nb = n / 2 + 1;
	nlb = num / 2 + 1;
	lspec = fftw_malloc(nlb * sizeof(*lspec));
	re = malloc(2 * nb * sizeof(*re));
	y = malloc(keep * sizeof(*y));
	rc = lspec && re && y ? windowed_spectrum(x, n, re, re + nb)
	                      : strata_error_set(STRATA_ENOMEM, "resample: %zu samples", n);
	if (rc) {
		fftw_free(lspec), free(re), free(y);
		return rc;
	}
	im = re + nb;
	df = 1.0 / ((double)n * delta);
	dlf = 1.0 / (double)num * fs_out;
	for (size_t j = 0, seg = 0; j < nlb; j++) {
		double f = dlf * (double)j, real = interp_from(f, df, re, nb, &seg);
		double imag = (j == 0 || (num % 2 == 0 && j == nlb - 1))
		                  ? 0.0
		                  : interp_from(f, df, im, nb, &seg);
		lspec[j] = CMPLX(real, imag);
	}
	rc = c2r_first(num, lspec, keep, y);
	for (size_t i = 0; rc == 0 && i < keep; i++)
		y[i] = y[i] / (double)num * ((double)num / (double)n);
	fftw_free(lspec), free(re);
	if (rc) {
		free(y);
		return rc;
	}
	*out = y;
	*n_out = keep;
	return 0;
}

int dsp_resample(const double *x, size_t n, double fs_in, double fs_out, double **out,
                 size_t *n_out)
{
	return dsp_resample_keep(x, n, fs_in, fs_out, 0, out, n_out);
}

int dsp_resample_padded(const double *x, size_t n, double fs_in, double fs_out, int antialias,
                        double **out, size_t *n_out)
{
	size_t padded = 1, keep;
	double *buf;
	int rc;

	if (n > INT_MAX / 8)
		return strata_error_set(STRATA_EINVAL, "resample: %zu samples", n);
	while (padded < n)
		padded *= 2;
	buf = calloc(padded, sizeof(*buf));
	if (!buf)
		return strata_error_set(STRATA_ENOMEM, "resample: %zu samples", padded);
	memcpy(buf, x, n * sizeof(*buf));
	rc = 0;
	if (antialias && fs_in / fs_out > 16.0)
		rc = strata_error_set(STRATA_EINVAL,
		                      "resample: factor %g above 16 with the anti-alias filter",
		                      fs_in / fs_out);
	else if (antialias)
		rc = dsp_lowpass_cheby_2(buf, padded, fs_in, fs_in * 0.5 / (fs_in / fs_out), 12,
		                         NULL);
	keep = (size_t)((double)n / (fs_in / fs_out));
	if (rc == 0)
		rc = dsp_resample_keep(buf, padded, fs_in, fs_out, keep ? keep : 1, out, n_out);
	if (rc == 0 && keep == 0)
		*n_out = 0;
	free(buf);
	return rc;
}

size_t dsp_npts2nfft(size_t npts)
{
	size_t nfft = npts % 2 ? 2 * (npts + 1) : 2 * npts;

	if (nfft > 5000 && max_prime(nfft) >= 500) {
		for (size_t i = 1; i <= 10; i++)
			if (max_prime(nfft + 2 * i) < 500)
				return nfft + 2 * i;
		size_t p2 = 1;
		while (p2 < nfft)
			p2 *= 2;
		return p2;
	}
	return nfft;
}

/* 1 / h for finite nonzero h: conj(h) / |h|^2 where that cannot overflow. */
static double complex reciprocal(double complex h, double a)
{
	if (a > 1e-150 && a < 1e150)
		return CMPLX(creal(h), -cimag(h)) / (a * a);
	return 1.0 / h;
}

/*
 * obspy.signal.invsim.invert_spectrum: water level then 1/H; zero where
 * |H| == 0. amp (n values) is scratch for |H|.
 */
static void invert_spectrum(double complex *h, double *amp, size_t n, double water_level_db)
{
	double maxamp = 0.0, swamp;

	for (size_t i = 0; i < n; i++) {
		amp[i] = cabs(h[i]);
		if (amp[i] > maxamp)
			maxamp = amp[i];
	}
	swamp = maxamp * pow(10.0, -water_level_db / 20.0);
	for (size_t i = 0; i < n; i++) {
		double a = amp[i];
		if (a == 0.0) {
			h[i] = 0.0;
		} else if (a < swamp) { /* |h * swamp / a| = swamp */
			h[i] = reciprocal(h[i] * (swamp / a), swamp);
		} else {
			h[i] = reciprocal(h[i], a);
		}
	}
}

/* Response at the rfft frequencies linspace(0, fs/2, nb); H(0) = 0. */
static int response_on_grid(dsp_response_fn eval, void *ctx, double fs, size_t nb,
                            double complex *h)
{
	double *f = malloc(nb * sizeof(*f));
	int rc;

	if (!f)
		return strata_error_set(STRATA_ENOMEM, "response: %zu frequencies", nb);
	for (size_t k = 0; k < nb; k++)
		f[k] = (double)k * (fs / 2.0) / (double)(nb - 1);
	h[0] = 0.0;
	rc = eval(ctx, f + 1, nb - 1, h + 1);
	free(f);
	return rc;
}

int dsp_remove_response(double *x, size_t n, double fs, dsp_response_fn eval, void *ctx,
                        double water_level_db, int taper, double taper_fraction)
{
	size_t nfft = dsp_npts2nfft(n), nb = nfft / 2 + 1;
	double *buf, *w = NULL, mean = 0.0;
	fftw_complex *spec;
	double complex *h;
	int rc;

	if (n < 2 || nfft > INT_MAX)
		return strata_error_set(STRATA_EINVAL, "remove_response: %zu samples", n);
	buf = fftw_malloc(nfft * sizeof(*buf));
	spec = fftw_malloc(nb * sizeof(*spec));
	h = malloc(nb * sizeof(*h));
	w = malloc((n > nb ? n : nb) * sizeof(*w)); /* the taper, then |H| */
	if (!buf || !spec || !h || !w) {
		rc = strata_error_set(STRATA_ENOMEM, "remove_response: nfft %zu", nfft);
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		mean += x[i];
	mean /= (double)n;
	for (size_t i = 0; !taper && i < n; i++)
		w[i] = 1.0;
	rc = taper ? dsp_cosine_taper(n, taper_fraction, 0, w) : 0;
	if (rc < 0)
		goto out;
	/* w[0..n) is set above or by dsp_cosine_taper (on success) */
	for (size_t i = 0; i < n; i++) {
		/* NOLINTNEXTLINE(clang-analyzer-core.UndefinedBinaryOperatorResult) */
		buf[i] = (x[i] - mean) * w[i];
	}
	memset(buf + n, 0, (nfft - n) * sizeof(*buf));
	rc = response_on_grid(eval, ctx, fs, nb, h);
	if (rc < 0)
		goto out;
	invert_spectrum(h, w, nb, water_level_db);
	fft_r2c(nfft, buf, spec);
	for (size_t k = 0; k < nb; k++)
		spec[k] = cmul(spec[k], h[k]);
	spec[nb - 1] = cabs(spec[nb - 1]); /* ObsPy: data[-1] = abs(data[-1]) + 0j */
	spec[0] = creal(spec[0]);
	fft_c2r(nfft, spec, buf);
	for (size_t i = 0; i < n; i++)
		x[i] = buf[i] / (double)nfft;
out:
	fftw_free(buf), fftw_free(spec), free(h), free(w);
	return rc;
}

int dsp_cheb2ord(double wp, double ws, double gpass, double gstop, int *order, double *wn)
{
	double passb, stopb, nat, gs, gp, v, new_freq;

	if (!(wp > 0.0 && wp < ws && ws <= 1.0) || !(gpass > 0.0 && gstop > gpass))
		return strata_error_set(STRATA_EINVAL, "cheb2ord: wp %g, ws %g", wp, ws);
	passb = tan(M_PI * wp / 2.0);
	stopb = tan(M_PI * ws / 2.0);
	nat = fabs(stopb / passb);
	gs = pow(10.0, 0.1 * fabs(gstop));
	gp = pow(10.0, 0.1 * fabs(gpass));
	v = acosh(sqrt((gs - 1.0) / (gp - 1.0)));
	*order = (int)ceil(v / acosh(nat));
	new_freq = 1.0 / cosh(1.0 / *order * v);
	*wn = (2.0 / M_PI) * atan(passb / new_freq);
	return 0;
}

/* scipy cheb2ap: the analog Chebyshev-II prototype with rs dB stop band. */
static void cheb2ap(int order, double rs, struct zpk *f)
{
	double de = 1.0 / sqrt(pow(10.0, 0.1 * rs) - 1.0), mu = asinh(1.0 / de) / order;
	double complex pz = 1.0, pp = 1.0;

	f->nz = 0;
	for (int m = -order + 1; m < order; m += 2)
		if (m != 0) /* odd orders: no zero at infinity's mirror */
			f->z[f->nz++] = -conj(I / sin(m * M_PI / (2.0 * order)));
	f->np = (size_t)order;
	for (int i = 0; i < order; i++) {
		double complex p = -cexp(I * M_PI * (-order + 1 + 2 * i) / (2.0 * order));
		p = sinh(mu) * creal(p) + I * cosh(mu) * cimag(p);
		f->p[i] = 1.0 / p;
	}
	for (size_t i = 0; i < f->np; i++)
		pp *= -f->p[i];
	for (size_t i = 0; i < f->nz; i++)
		pz *= -f->z[i];
	f->k = creal(pp / pz);
}

int dsp_cheby2_lowpass(int order, double rs, double wn, struct dsp_sos *sos)
{
	struct zpk f;
	double wo = warp(wn);

	if (check_order(order) < 0 || !(wn > 0.0 && wn < 1.0) || !(rs > 0.0))
		return strata_error_set(STRATA_EINVAL, "cheby2: order %d, rs %g, Wn %g", order, rs,
		                        wn);
	cheb2ap(order, rs, &f);
	for (size_t i = 0; i < f.nz; i++)
		f.z[i] *= wo;
	for (size_t i = 0; i < f.np; i++)
		f.p[i] *= wo;
	f.k *= pow(wo, (double)(f.np - f.nz));
	bilinear(&f);
	return zpk_to_sos(&f, sos);
}

int dsp_lowpass_cheby_2(double *x, size_t n, double fs, double freq, int maxorder, double *passband)
{
	double nyquist = fs * 0.5, ws = freq / nyquist, wp, wn = 0.0;
	struct dsp_sos sos = {0, NULL};
	int order = maxorder + 1, rc;

	if (!(ws > 0.0) || maxorder < 1 || maxorder > MAX_ORDER)
		return strata_error_set(STRATA_EINVAL, "lowpass_cheby_2: %g Hz, maxorder %d", freq,
		                        maxorder);
	wp = ws;
	if (ws > 1.0) /* ObsPy warns and uses Nyquist as the stop band */
		ws = 1.0;
	while (order > maxorder) {
		wp *= 0.99;
		rc = dsp_cheb2ord(wp, ws, 1.0, 96.0, &order, &wn);
		if (rc < 0)
			return rc;
	}
	rc = dsp_cheby2_lowpass(order, 96.0, wn, &sos);
	if (rc < 0)
		return rc;
	if (passband)
		*passband = wp * nyquist;
	return apply(&sos, x, n, 0);
}
