/* keypoints.c - deterministic keypoint estimators (see keypoints.h, docs/drill-keypoints.md). */
#include "drill/keypoints.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strata/error.h"

#define SAVGOL_MAX_WINDOW 255u
#define SAVGOL_MAX_ORDER  8u
#define ENTRY_TORQUE_A    0.1
#define ENTRY_MIN_POS_MM  3.0
#define ENTRY_SIGN_ROWS   200u
#define TRANS_ROWS        300u
#define TRANS_WINDOW      11u
#define TRANS_ORDER       2u

/* --- numerical building blocks ------------------------------------------- */

/* numpy's pairwise summation order: plain below 8 values, 8 accumulators up
 * to 128, halves (rounded down to a multiple of 8) above. */
static double pairwise(const double *a, size_t n)
{
	if (n < 8) {
		double res = 0.;
		for (size_t i = 0; i < n; i++)
			res += a[i];
		return res;
	}
	if (n <= 128) {
		double r[8];
		size_t i;
		for (i = 0; i < 8; i++)
			r[i] = a[i];
		for (i = 8; i < n - (n % 8); i += 8)
			for (size_t j = 0; j < 8; j++)
				r[j] += a[i + j];
		double res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
		for (; i < n; i++)
			res += a[i];
		return res;
	}
	size_t n2 = n / 2;
	n2 -= n2 % 8;
	return pairwise(a, n2) + pairwise(a + n2, n - n2);
}

double drill_sum(const double *a, size_t n)
{
	return 0. + pairwise(a, n);
}

double drill_mean(const double *a, size_t n)
{
	return drill_sum(a, n) / (double)n;
}

/* np.std: sqrt(sum((a - mean)**2) / n), both sums pairwise. */
double drill_std(const double *a, size_t n)
{
	double mean = drill_mean(a, n);
	double *d = malloc(n * sizeof(*d));
	if (d == NULL)
		return NAN;
	for (size_t i = 0; i < n; i++) {
		double v = a[i] - mean;
		d[i] = v * v;
	}
	double var = drill_sum(d, n) / (double)n;
	free(d);
	return sqrt(var);
}

double drill_round_half_even(double v)
{
	double f = floor(v);
	double diff = v - f;
	if (diff > 0.5)
		return f + 1.0;
	if (diff < 0.5)
		return f;
	return fmod(f, 2.0) == 0.0 ? f : f + 1.0;
}

/* Invert the small symmetric matrix g (k x k) in place by Gauss-Jordan. */
static int invert(double *g, size_t k)
{
	double inv[(SAVGOL_MAX_ORDER + 1) * (SAVGOL_MAX_ORDER + 1)] = {0};
	for (size_t i = 0; i < k; i++)
		inv[i * k + i] = 1.0;
	for (size_t c = 0; c < k; c++) {
		size_t p = c;
		for (size_t r = c + 1; r < k; r++)
			if (fabs(g[r * k + c]) > fabs(g[p * k + c]))
				p = r;
		if (g[p * k + c] == 0.0)
			return -1;
		for (size_t j = 0; j < k; j++) {
			double t = g[c * k + j];
			g[c * k + j] = g[p * k + j];
			g[p * k + j] = t;
			t = inv[c * k + j];
			inv[c * k + j] = inv[p * k + j];
			inv[p * k + j] = t;
		}
		double piv = g[c * k + c];
		for (size_t j = 0; j < k; j++) {
			g[c * k + j] /= piv;
			inv[c * k + j] /= piv;
		}
		for (size_t r = 0; r < k; r++) {
			double f = g[r * k + c];
			if (r == c || f == 0.0)
				continue;
			for (size_t j = 0; j < k; j++) {
				g[r * k + j] -= f * g[c * k + j];
				inv[r * k + j] -= f * inv[c * k + j];
			}
		}
	}
	memcpy(g, inv, k * k * sizeof(*g));
	return 0;
}

/*
 * H = A (A^T A)^-1 A^T with A[j][p] = t_j^p, t_j = j - half (centred for
 * conditioning): the least-squares polynomial fit of one window evaluated at
 * each of its samples. The middle row is the smoothing kernel. The powers
 * t_j^p come from a table of pow() values (the same values, in the same
 * order of operations, as calling pow() in the sums).
 */
int drill_savgol_hat(size_t window, unsigned order, double *h)
{
	if (window % 2 == 0 || window > SAVGOL_MAX_WINDOW || order > SAVGOL_MAX_ORDER ||
	    order >= window)
		return strata_error_set(STRATA_EINVAL,
		                        "savgol: window %zu, order %u: need an odd window > order, "
		                        "window <= %u, order <= %u",
		                        window, order, SAVGOL_MAX_WINDOW, SAVGOL_MAX_ORDER);
	size_t k = order + 1, npow = 2 * order + 1;
	double half = (double)(window - 1) / 2.0; /* window is odd */
	double g[(SAVGOL_MAX_ORDER + 1) * (SAVGOL_MAX_ORDER + 1)] = {0};
	double tp[SAVGOL_MAX_WINDOW][2 * SAVGOL_MAX_ORDER + 1]; /* tp[j][p] = t_j^p */
	for (size_t j = 0; j < window; j++)
		for (size_t p = 0; p < npow; p++)
			tp[j][p] = pow((double)j - half, (double)p);
	for (size_t a = 0; a < k; a++)
		for (size_t b = 0; b < k; b++)
			for (size_t j = 0; j < window; j++)
				g[a * k + b] += tp[j][a + b];
	if (invert(g, k) != 0)
		return strata_error_set(STRATA_EINVAL, "savgol: singular normal matrix");
	for (size_t i = 0; i < window; i++) {
		for (size_t j = 0; j < window; j++) {
			double s = 0.0;
			for (size_t a = 0; a < k; a++)
				for (size_t b = 0; b < k; b++)
					s += tp[i][a] * g[a * k + b] * tp[j][b];
			h[i * window + j] = s;
		}
	}
	return 0;
}

static double dot(const double *w, const double *x, size_t n)
{
	double s = 0.0;
	for (size_t j = 0; j < n; j++)
		s += w[j] * x[j];
	return s;
}

int drill_savgol(const double *x, size_t n, size_t window, unsigned order, double *out)
{
	if (window > SAVGOL_MAX_WINDOW || n < window)
		return strata_error_set(STRATA_EINVAL,
		                        "savgol: %zu samples, window %zu: need window <= samples",
		                        n, window);
	double *h = malloc(window * window * sizeof(*h));
	if (h == NULL)
		return strata_error_set(STRATA_ENOMEM, "savgol: window %zu", window);
	int rc = drill_savgol_hat(window, order, h);
	if (rc == 0) {
		size_t half = window / 2;
		for (size_t i = half; i + half < n; i++)
			out[i] = dot(h + half * window, x + i - half, window);
		/* 'interp' edges: the fit of the first and last windows */
		for (size_t i = 0; i < half; i++) {
			out[i] = dot(h + i * window, x, window);
			out[n - half + i] =
			    dot(h + (half + 1 + i) * window, x + n - window, window);
		}
	}
	free(h);
	return rc;
}

int drill_gradient(const double *f, size_t n, double *out)
{
	if (n < 2)
		return strata_error_set(STRATA_EINVAL, "gradient: %zu samples, need at least 2", n);
	for (size_t i = 1; i + 1 < n; i++)
		out[i] = (f[i + 1] - f[i - 1]) / 2.0;
	out[0] = (f[1] - f[0]) / 1.0;
	out[n - 1] = (f[n - 1] - f[n - 2]) / 1.0;
	return 0;
}

/* --- keypoint helpers ------------------------------------------------------ */

static const char *trace_name(const drill_trace_view *t)
{
	return t->name ? t->name : "trace";
}

static void kp_clear(drill_keypoint *kp, const char *algo)
{
	memset(kp, 0, sizeof(*kp));
	kp->algo = algo;
}

static void kp_set(drill_keypoint *kp, size_t index, double position, size_t window)
{
	kp->ok = 1;
	kp->index = index;
	kp->position = position;
	kp->window = window;
	kp->reason[0] = '\0';
}

/* Record why kp is not produced and set the strata error; returns code. */
__attribute__((format(printf, 4, 5))) static int
kp_fail(drill_keypoint *kp, const drill_trace_view *t, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(kp->reason, sizeof(kp->reason), fmt, ap);
	va_end(ap);
	kp->ok = 0;
	return strata_error_set(code, "%s: %s: %s", trace_name(t), kp->algo, kp->reason);
}

static int check_trace(const drill_trace_view *t)
{
	if (t == NULL || t->position == NULL || t->torque == NULL || t->step == NULL)
		return strata_error_set(STRATA_EINVAL, "%s: trace without position, torque or step",
		                        t ? trace_name(t) : "trace");
	return 0;
}

/* --- entry -------------------------------------------------------------------- */

/* The first i with three samples above 0.1 A at x > 3 mm, or n. */
static size_t entry_forward(const double *tq, const double *x, double sign, size_t n)
{
	for (size_t i = 0; i + 2 < n; i++)
		if (tq[i] > ENTRY_TORQUE_A && tq[i + 1] > ENTRY_TORQUE_A &&
		    tq[i + 2] > ENTRY_TORQUE_A && sign * x[i] > ENTRY_MIN_POS_MM)
			return i;
	return n;
}

/* Python's a[i - 3]: negative indices wrap to the end, as in the original. */
static double back3(const double *tq, size_t i, size_t n)
{
	return i >= 3 ? tq[i - 3] : tq[n + i - 3];
}

int drill_kp_entry(const drill_trace_view *t, drill_keypoint *out)
{
	kp_clear(out, DRILL_ALGO_ENTRY);
	int rc = check_trace(t);
	if (rc != 0)
		return kp_fail(out, t, rc, "invalid trace");
	size_t n = t->n;
	const double *tq = t->torque;
	size_t head = n < ENTRY_SIGN_ROWS ? n : ENTRY_SIGN_ROWS;
	double sign = drill_sum(t->position, head) < 0 ? -1.0 : 1.0;
	size_t first = entry_forward(tq, t->position, sign, n);
	if (first == n)
		return kp_fail(out, t, STRATA_ENOTFOUND,
		               "no torque rise: no 3 samples above %.1f A beyond %.0f mm",
		               ENTRY_TORQUE_A, ENTRY_MIN_POS_MM);
	size_t idx = first;
	/* back-search i = first - 1 down to 1 */
	for (size_t i = first; i > 1;) {
		i--;
		if (tq[i] - back3(tq, i, n) < 1e-4 && tq[i + 3] - tq[i] >= 0.05) {
			idx = i;
			break;
		}
	}
	kp_set(out, idx, sign * t->position[idx], 0);
	return 0;
}

/* --- transition ------------------------------------------------------------------ */

/* The transition within tq[0..m) (the rows before step 2): first index whose
 * smoothed gradient exceeds mean + 2 std, or m when none; < 0 on error. */
static long transition_local(const double *tq, size_t m)
{
	double *sm = calloc(2 * m, sizeof(*sm));
	if (sm == NULL)
		return strata_error_set(STRATA_ENOMEM, "transition: %zu samples", m);
	double *gr = sm + m;
	long found = (long)m;
	int rc = drill_savgol(tq, m, TRANS_WINDOW, TRANS_ORDER, sm);
	if (rc == 0)
		rc = drill_gradient(sm, m, gr);
	if (rc == 0) {
		double thr = drill_mean(gr, m) + 2 * drill_std(gr, m);
		for (size_t i = 0; i < m; i++) {
			if (gr[i] > thr) {
				found = (long)i;
				break;
			}
		}
	}
	free(sm);
	return rc != 0 ? rc : found;
}

int drill_kp_transition(const drill_trace_view *t, drill_keypoint *out)
{
	kp_clear(out, DRILL_ALGO_TRANSITION);
	int rc = check_trace(t);
	if (rc != 0)
		return kp_fail(out, t, rc, "invalid trace");
	size_t end = 0;
	while (end < t->n && t->step[end] != 2)
		end++;
	if (end == t->n)
		return kp_fail(out, t, STRATA_ENOTFOUND, "no step 2");
	size_t start = end > TRANS_ROWS ? end - TRANS_ROWS : 0;
	if (end - start < TRANS_WINDOW)
		return kp_fail(out, t, STRATA_EINVAL, "only %zu samples before step 2, need %u",
		               end - start, TRANS_WINDOW);
	long local = transition_local(t->torque + start, end - start);
	if (local < 0)
		return kp_fail(out, t, (int)local, "%s", strata_error_message());
	if ((size_t)local == end - start)
		return kp_fail(out, t, STRATA_ENOTFOUND,
		               "no gradient above mean + 2 std before step 2");
	size_t idx = start + (size_t)local;
	kp_set(out, idx, fabs(t->position[idx]), 0);
	return 0;
}

/* --- segmented gradient ------------------------------------------------------------ */

/* Rows [lo, hi) of one segment. */
typedef struct segment {
	size_t lo, hi;
} segment;

/* |position| and torque (+ empty torque) of rows [lo, hi) into x, tq. */
static void segment_signals(const drill_trace_view *t, segment s, double *x, double *tq)
{
	for (size_t i = s.lo; i < s.hi; i++) {
		x[i - s.lo] = fabs(t->position[i]);
		tq[i - s.lo] = t->torque_empty ? t->torque[i] + t->torque_empty[i] : t->torque[i];
	}
}

/* The rolling window: round(0.7 mm / median feed per sample); 0 with a reason. */
static size_t segment_window(const double *x, size_t m, double *work, char *why, size_t whylen)
{
	for (size_t i = 1; i < m; i++)
		work[i - 1] = x[i] - x[i - 1];
	double feed = drill_median(work, m - 1);
	if (!(feed > 0)) {
		snprintf(why, whylen, "median feed %g per sample is not positive", feed);
		return 0;
	}
	double w = drill_round_half_even(DRILL_KP_BIT_DEPTH_MM / feed);
	if (w < 1 || w > (double)(m - 1)) {
		snprintf(why, whylen, "window %.0f does not fit %zu samples", w, m);
		return 0;
	}
	return (size_t)w;
}

/* First index of the largest (sign 1) or smallest (sign -1) non-NaN value, or n. */
static size_t arg_extreme(const double *v, size_t n, int sign)
{
	size_t best = n;
	for (size_t i = 0; i < n; i++) {
		if (isnan(v[i]))
			continue;
		if (best == n || (sign > 0 ? v[i] > v[best] : v[i] < v[best]))
			best = i;
	}
	return best;
}

/* The rolling median of dtq/dx over segment s into med (m values); window in *w. */
static int segment_median(const drill_trace_view *t, segment s, double *buf, size_t *w, char *why,
                          size_t whylen)
{
	size_t m = s.hi - s.lo;
	double *x = buf, *tq = buf + m, *q = buf + 2 * m, *med = buf + 3 * m;
	if (m < 2) {
		snprintf(why, whylen, "segment at row %zu has a single sample", s.lo);
		return STRATA_EINVAL;
	}
	segment_signals(t, s, x, tq);
	*w = segment_window(x, m, q, why, whylen);
	if (*w == 0)
		return STRATA_EINVAL;
	q[0] = NAN;
	for (size_t i = 1; i < m; i++)
		q[i] = (tq[i] - tq[i - 1]) / (x[i] - x[i - 1]);
	int rc = drill_rolling_median(q, m, *w, med);
	if (rc != 0) {
		snprintf(why, whylen, "%s", strata_error_message());
		return rc;
	}
	if (arg_extreme(med, m, 1) == m) {
		snprintf(why, whylen, "no full window without NaN");
		return STRATA_ENOTFOUND;
	}
	return 0;
}

/* Fill the keypoints of segment s: arg-max into hi, arg-min into lo (either may be NULL). */
static int segment_keypoints(const drill_trace_view *t, segment s, drill_keypoint *kmax,
                             drill_keypoint *kmin)
{
	size_t m = s.hi - s.lo, w = 0;
	char why[DRILL_KP_REASON_MAX] = "";
	double *buf = calloc(4 * m + 1, sizeof(*buf));
	if (buf == NULL)
		return strata_error_set(STRATA_ENOMEM, "%s: segment of %zu rows", trace_name(t), m);
	int rc = segment_median(t, s, buf, &w, why, sizeof(why));
	drill_keypoint *ks[2] = {kmax, kmin};
	for (int k = 0; k < 2; k++) {
		if (ks[k] == NULL)
			continue;
		if (rc != 0) {
			kp_fail(ks[k], t, rc, "segment at row %zu: %s", s.lo, why);
			continue;
		}
		size_t i = arg_extreme(buf + 3 * m, m, k == 0 ? 1 : -1);
		kp_set(ks[k], s.lo + i, buf[i], w);
	}
	free(buf);
	return rc;
}

static void segmented_clear(drill_segmented *out, const char *algo)
{
	kp_clear(&out->entry, algo);
	kp_clear(&out->transition, algo);
	kp_clear(&out->exit, algo);
	out->steps[0] = out->steps[1] = -1;
}

/* The first contiguous run of each of the first two non-zero step codes (a
 * later run of the first code is skipped; code 0 is the approach). */
static size_t drilling_steps(const drill_trace_view *t, segment seg[2], int codes[2])
{
	size_t found = 0, i = 0;
	while (i < t->n && found < 2) {
		size_t j = i;
		while (j < t->n && t->step[j] == t->step[i])
			j++;
		if (t->step[i] != 0 && !(found == 1 && codes[0] == t->step[i])) {
			seg[found] = (segment){i, j};
			codes[found++] = t->step[i];
		}
		i = j;
	}
	return found;
}

/* The first error code among the three keypoints (0 when all produced). */
static int segmented_status(const drill_segmented *out)
{
	const drill_keypoint *ks[3] = {&out->entry, &out->transition, &out->exit};
	for (int k = 0; k < 3; k++)
		if (!ks[k]->ok)
			return strata_error_set(STRATA_ENOTFOUND, "%s: %s: %s", ks[k]->algo,
			                        k == 0   ? "entry"
			                        : k == 1 ? "transition"
			                                 : "exit",
			                        ks[k]->reason);
	return 0;
}

int drill_kp_segmented(const drill_trace_view *t, drill_segmented *out)
{
	segmented_clear(out, DRILL_ALGO_SEGMENTED);
	int rc = check_trace(t);
	if (rc != 0)
		return rc;
	segment seg[2];
	size_t found = drilling_steps(t, seg, out->steps);
	if (found == 0)
		kp_fail(&out->entry, t, STRATA_ENOTFOUND, "no drilling step (only step 0 or none)");
	else if ((rc = segment_keypoints(t, seg[0], &out->entry, NULL)) == STRATA_ENOMEM)
		return rc;
	if (found < 2) {
		const char *why = found == 0 ? "no drilling step (only step 0 or none)"
		                             : "no second drilling step";
		kp_fail(&out->transition, t, STRATA_ENOTFOUND, "%s", why);
		kp_fail(&out->exit, t, STRATA_ENOTFOUND, "%s", why);
	} else if ((rc = segment_keypoints(t, seg[1], &out->transition, &out->exit)) ==
	           STRATA_ENOMEM) {
		return rc;
	}
	return segmented_status(out);
}

/* Segment k (0-based) of the split where |position| decreases; 0 if absent. */
static int position_segment(const drill_trace_view *t, size_t k, segment *s)
{
	size_t seg = 0, lo = 0;
	for (size_t i = 1; i <= t->n; i++) {
		if (i < t->n && !(fabs(t->position[i]) - fabs(t->position[i - 1]) < 0))
			continue;
		if (seg == k) {
			*s = (segment){lo, i};
			return 1;
		}
		seg++;
		lo = i;
	}
	return 0;
}

/* Count the position segments. */
static size_t position_segments(const drill_trace_view *t)
{
	size_t c = t->n > 0;
	for (size_t i = 1; i < t->n; i++)
		if (fabs(t->position[i]) - fabs(t->position[i - 1]) < 0)
			c++;
	return c;
}

int drill_kp_segmented_reference(const drill_trace_view *t, drill_segmented *out)
{
	segmented_clear(out, DRILL_ALGO_SEGMENTED_R);
	int rc = check_trace(t);
	if (rc != 0)
		return rc;
	size_t count = position_segments(t);
	segment s;
	if (position_segment(t, 1, &s)) {
		if ((rc = segment_keypoints(t, s, &out->entry, NULL)) == STRATA_ENOMEM)
			return rc;
		out->steps[0] = t->step[s.lo];
	} else {
		kp_fail(&out->entry, t, STRATA_ENOTFOUND,
		        "only %zu position segments, the reference needs 3", count);
	}
	if (position_segment(t, 2, &s)) {
		if ((rc = segment_keypoints(t, s, &out->transition, &out->exit)) == STRATA_ENOMEM)
			return rc;
		out->steps[1] = t->step[s.lo];
	} else {
		kp_fail(&out->transition, t, STRATA_ENOTFOUND,
		        "only %zu position segments, the reference needs 3", count);
		kp_fail(&out->exit, t, STRATA_ENOTFOUND,
		        "only %zu position segments, the reference needs 3", count);
	}
	return segmented_status(out);
}

/* --- the estimator interface ----------------------------------------------------- */

/* Entry and transition from their own estimators, exit from the segmented one;
 * a keypoint that cannot be produced is reported in it, not as a failure. */
static int deterministic_estimate(const drill_estimator *self, const drill_trace_view *t,
                                  drill_keypoints *out)
{
	drill_segmented seg;
	int rc = drill_kp_entry(t, &out->entry);
	if (rc != STRATA_ENOMEM)
		rc = drill_kp_transition(t, &out->transition);
	if (rc != STRATA_ENOMEM)
		rc = drill_kp_segmented(t, &seg);
	if (rc == STRATA_ENOMEM)
		return rc;
	out->exit = seg.exit;
	strata_error_clear();
	return 0;
}

const drill_estimator drill_estimator_deterministic = {
    "strata-deterministic/1",
    deterministic_estimate,
    NULL,
};

int drill_estimate(const drill_estimator *est, const drill_trace_view *trace, drill_keypoints *out)
{
	if (est == NULL || est->estimate == NULL)
		return strata_error_set(STRATA_EINVAL, "drill_estimate: no estimator");
	int rc = check_trace(trace);
	if (rc != 0)
		return rc;
	memset(out, 0, sizeof(*out));
	return est->estimate(est, trace, out);
}
