/*
 * keypoints.h - deterministic keypoint estimators of a drilling trace.
 *
 * Ports of the line's reference algorithms, validated to 1e-9 mm against the
 * numpy/scipy reference tests/drill/keypoints_reference.py on every shared
 * Setitec file (docs/drill-keypoints.md has the exact definitions):
 *
 *   entry       first sustained torque rise beyond 3 mm and its back-search
 *   transition  Savitzky-Golay 11/2 + numpy gradient above mean + 2 std in the
 *               300 samples before the first row of step 2
 *   segmented   rolling median of dTorque/dPosition per drilling step: arg-max
 *               in the first drilling step (entry), arg-max (transition) and
 *               arg-min (exit) in the second; steps chosen by step code
 *
 * The estimators work on plain arrays and allocate only scratch memory. Every
 * produced keypoint carries the AlgoVersion of the estimator that made it; a
 * keypoint that cannot be produced carries the reason instead. The
 * drill_estimator interface lets a trained-model exit estimator plug in.
 */
#ifndef STRATA_DRILL_KEYPOINTS_H
#define STRATA_DRILL_KEYPOINTS_H

#include <stddef.h>

#include "drill/median.h" /* drill_median, drill_rolling_median */

/* AlgoVersion strings published with each keypoint. */
#define DRILL_ALGO_ENTRY       "strata-entry-torque-rise/1"
#define DRILL_ALGO_TRANSITION  "strata-transition-savgol11o2/1"
#define DRILL_ALGO_SEGMENTED   "strata-segmented-gradient-stepcode/1"
#define DRILL_ALGO_SEGMENTED_R "strata-segmented-gradient-reference/1"

#define DRILL_KP_BIT_DEPTH_MM 0.7 /* rolling-median window along the hole */
#define DRILL_KP_REASON_MAX   160

/* One hole's trace: n samples at 100 Hz, as exported (sign included). */
typedef struct drill_trace_view {
	const double *position;     /* "Position (mm)" */
	const double *torque;       /* "I Torque (A)" */
	const double *torque_empty; /* "I Torque Empty (A)", or NULL (taken as 0) */
	const int *step;            /* "Step (nb)" */
	size_t n;
	const char *name; /* labels errors; NULL reads "trace" */
} drill_trace_view;

/* One keypoint: produced (ok) at a sample index, or the reason it is not. */
typedef struct drill_keypoint {
	int ok;
	size_t index;                     /* sample index in the trace */
	double position;                  /* mm, positive into the material */
	size_t window;                    /* rolling-median window (segmented only), else 0 */
	const char *algo;                 /* AlgoVersion of the estimator */
	char reason[DRILL_KP_REASON_MAX]; /* why not produced; "" when ok */
} drill_keypoint;

typedef struct drill_keypoints {
	drill_keypoint entry, transition, exit;
} drill_keypoints;

/* The segmented-gradient keypoints and the step codes they came from. */
typedef struct drill_segmented {
	drill_keypoint entry;      /* arg-max in the first drilling step */
	drill_keypoint transition; /* arg-max in the second drilling step */
	drill_keypoint exit;       /* arg-min in the second drilling step */
	int steps[2];              /* their step codes; -1 when absent */
} drill_segmented;

/*
 * An estimator: fills out (all three keypoints, each ok or with a reason) and
 * returns 0, or returns a negative strata_error when it cannot run at all
 * (invalid trace, out of memory). ctx is the estimator's own state (a model).
 */
typedef struct drill_estimator {
	const char *algo_version;
	int (*estimate)(const struct drill_estimator *self, const drill_trace_view *trace,
	                drill_keypoints *out);
	const void *ctx;
} drill_estimator;

/* The deterministic estimator: entry, transition, and the segmented exit. */
extern const drill_estimator drill_estimator_deterministic;

/* Run an estimator; checks the trace first. */
int drill_estimate(const drill_estimator *est, const drill_trace_view *trace, drill_keypoints *out);

/* Entry point. Returns 0 with *out ok, or a negative error (reason set too). */
int drill_kp_entry(const drill_trace_view *t, drill_keypoint *out);

/* Transition point before step 2 (same contract). */
int drill_kp_transition(const drill_trace_view *t, drill_keypoint *out);

/* Segmented gradient by step code. Returns 0 when all three are produced,
 * else the error of the first that is not; each keypoint says ok or why. */
int drill_kp_segmented(const drill_trace_view *t, drill_segmented *out);

/* The original segmented gradient: segments split where |position| decreases,
 * keypoints from segments 1 and 2 by index (fails on 3-step programmes). */
int drill_kp_segmented_reference(const drill_trace_view *t, drill_segmented *out);

/* --- numerical building blocks (exposed for the tests) ------------------- */

/* scipy.signal.savgol_filter(x, window, order, mode='interp'): odd window,
 * order < window <= n. */
int drill_savgol(const double *x, size_t n, size_t window, unsigned order, double *out);

/* The hat matrix of the least-squares polynomial fit over one window:
 * h[i * window + j] weighs sample j for the fitted value at i. */
int drill_savgol_hat(size_t window, unsigned order, double *h);

/* numpy.gradient(f) with unit spacing; n >= 2. */
int drill_gradient(const double *f, size_t n, double *out);

/* numpy's pairwise sum (bit-identical to np.sum on a contiguous array). */
double drill_sum(const double *a, size_t n);

/* numpy.mean and numpy.std (ddof = 0); n >= 1. drill_std is NaN when out of
 * memory. */
double drill_mean(const double *a, size_t n);
double drill_std(const double *a, size_t n);

/* Python's round() to an integer: half to even. */
double drill_round_half_even(double v);

#endif
