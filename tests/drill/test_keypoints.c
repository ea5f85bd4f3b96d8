/* test_keypoints.c - keypoint estimators: numerics, definitions, and the golden files. */
#include "testutil.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "drill/keypoints.h"
#include "drill/estimate.h"
#include "drill/setitec.h"

/* C against tests/drill/keypoints_golden.json (numpy/scipy): positions are the
 * file's own samples, so they must agree exactly; 1e-9 mm is the stated margin. */
#define GOLDEN_TOL 1e-9
/* Hand-computed values of the numerical building blocks. */
#define NUM_TOL 1e-12

/* --- numerical building blocks ---------------------------------------------- */

/* scipy.signal.savgol_coeffs(11, 2) * 429 = [-36 9 44 69 84 89 84 69 44 9 -36]. */
static void test_savgol_kernel(void **state)
{
	static const double k429[11] = {-36, 9, 44, 69, 84, 89, 84, 69, 44, 9, -36};
	double h[11 * 11];

	(void)state;
	assert_ok(drill_savgol_hat(11, 2, h));
	for (int j = 0; j < 11; j++)
		assert_true(fabs(h[5 * 11 + j] - k429[j] / 429.0) < NUM_TOL);
	/* rows sum to 1 (a constant is reproduced) and the matrix is symmetric */
	for (int i = 0; i < 11; i++) {
		double s = 0;
		for (int j = 0; j < 11; j++) {
			s += h[i * 11 + j];
			assert_true(fabs(h[i * 11 + j] - h[j * 11 + i]) < NUM_TOL);
		}
		assert_true(fabs(s - 1.0) < NUM_TOL);
	}
}

/* An impulse: interior = kernel, 'interp' edges = the first/last window's fit.
 * Quadratic fit at t = -5..5: H[i][j] = 1/11 + ti tj / 110 + (ti^2-10)(tj^2-10)/858,
 * so the fitted value at t = -5 for an impulse at t = 0 is 1/11 - 150/858 = -12/143. */
static void test_savgol_impulse_edges(void **state)
{
	double x[11] = {0}, y[11];

	(void)state;
	x[5] = 1.0;
	assert_ok(drill_savgol(x, 11, 11, 2, y));
	assert_true(fabs(y[5] - 89.0 / 429.0) < NUM_TOL);
	assert_true(fabs(y[0] - (-12.0 / 143.0)) < NUM_TOL);
	assert_true(fabs(y[10] - (-12.0 / 143.0)) < NUM_TOL);
	/* t = -4: 1/11 + (16 - 10)(0 - 10)/858 = 18/858 */
	assert_true(fabs(y[1] - 18.0 / 858.0) < NUM_TOL);
}

/* A quadratic is reproduced everywhere, edges included. */
static void test_savgol_quadratic(void **state)
{
	double x[40], y[40];

	(void)state;
	for (int i = 0; i < 40; i++)
		x[i] = 0.5 * i * i - 3.0 * i + 1.0;
	assert_ok(drill_savgol(x, 40, 11, 2, y));
	for (int i = 0; i < 40; i++)
		assert_true(fabs(y[i] - x[i]) < 1e-9);
}

static void test_savgol_errors(void **state)
{
	double x[10] = {0}, y[10];

	(void)state;
	assert_int_equal(drill_savgol(x, 10, 11, 2, y), STRATA_EINVAL);
	assert_non_null(strstr(strata_error_message(), "window"));
	assert_int_equal(drill_savgol(x, 10, 4, 2, y), STRATA_EINVAL);
	assert_int_equal(drill_savgol(x, 10, 3, 3, y), STRATA_EINVAL);
}

/* numpy.gradient([1, 2, 4, 7, 11]) = [1, 1.5, 2.5, 3.5, 4]. */
static void test_gradient(void **state)
{
	const double f[5] = {1, 2, 4, 7, 11}, want[5] = {1, 1.5, 2.5, 3.5, 4};
	double g[5];

	(void)state;
	assert_ok(drill_gradient(f, 5, g));
	for (int i = 0; i < 5; i++)
		assert_true(g[i] == want[i]);
	assert_ok(drill_gradient(f, 2, g));
	assert_true(g[0] == 1 && g[1] == 1);
	assert_int_equal(drill_gradient(f, 1, g), STRATA_EINVAL);
}

/* np.sum(np.full(1000, 0.1)) is 0x1.9000000000001p+6 (pairwise); a naive loop
 * gives 0x1.8ffffffffff9dp+6. Mean and std of [1, 2, 3, 4]: 2.5, sqrt(1.25). */
static void test_sum_mean_std(void **state)
{
	static double a[1000];
	const double b[4] = {1, 2, 3, 4};

	(void)state;
	for (int i = 0; i < 1000; i++)
		a[i] = 0.1;
	assert_true(drill_sum(a, 1000) == 0x1.9000000000001p+6);
	for (int i = 0; i < 300; i++)
		a[i] = 0.1 * i;
	assert_true(drill_sum(a, 300) == 0x1.1850000000000p+12);
	assert_true(drill_mean(a, 300) == 0x1.de66666666666p+3);
	assert_true(drill_std(a, 300) == 0x1.1520682d29e50p+3);
	assert_true(drill_mean(b, 4) == 2.5);
	assert_true(fabs(drill_std(b, 4) - sqrt(1.25)) < NUM_TOL);
}

static void test_round_half_even(void **state)
{
	(void)state;
	assert_true(drill_round_half_even(0.5) == 0 && drill_round_half_even(1.5) == 2);
	assert_true(drill_round_half_even(2.5) == 2 && drill_round_half_even(92.5) == 92);
	assert_true(drill_round_half_even(93.33) == 93 && drill_round_half_even(87.6) == 88);
}

/* Trailing window, full window required; NaN or inf in a window gives NaN. */
static void test_rolling_median(void **state)
{
	const double a[5] = {5, 1, 4, 2, 3};
	const double b[6] = {1, 2, NAN, 4, 5, INFINITY};
	double m[6];

	(void)state;
	assert_ok(drill_rolling_median(a, 5, 3, m));
	assert_true(isnan(m[0]) && isnan(m[1]) && m[2] == 4 && m[3] == 2 && m[4] == 3);
	assert_ok(drill_rolling_median(a, 5, 2, m));
	assert_true(isnan(m[0]) && m[1] == 3 && m[2] == 2.5 && m[3] == 3 && m[4] == 2.5);
	assert_ok(drill_rolling_median(b, 6, 2, m));
	assert_true(isnan(m[0]) && m[1] == 1.5 && isnan(m[2]) && isnan(m[3]));
	assert_true(m[4] == 4.5 && isnan(m[5]));
	assert_ok(drill_rolling_median(a, 5, 6, m));
	for (int i = 0; i < 5; i++)
		assert_true(isnan(m[i]));
	assert_int_equal(drill_rolling_median(a, 5, 0, m), STRATA_EINVAL);
	assert_true(drill_median(a, 5) == 3 && drill_median(a, 4) == 3);
}

/* --- entry --------------------------------------------------------------------- */

/* A synthetic trace of n samples: position -0.1 * i (exported negative). */
typedef struct synth {
	double pos[600], tq[600], empty[600];
	int step[600];
	drill_trace_view v;
} synth;

static void synth_init(synth *s, size_t n)
{
	memset(s, 0, sizeof(*s));
	for (size_t i = 0; i < n; i++)
		s->pos[i] = -0.1 * (double)i;
	s->v = (drill_trace_view){s->pos, s->tq, NULL, s->step, n, "synthetic"};
}

/* First sustained rise at 35 (x = 3.5 mm); back-search finds the flat-then-rising 34. */
static void test_entry_backsearch(void **state)
{
	static synth s;
	drill_keypoint kp;

	(void)state;
	synth_init(&s, 100);
	for (int i = 36; i < 100; i++)
		s.tq[i] = 0.2 + 0.06 * (i - 36);
	s.tq[35] = 0.15;
	assert_ok(drill_kp_entry(&s.v, &kp));
	assert_true(kp.ok);
	/* i = 34: tq[34] - tq[31] = 0 < 1e-4 and tq[37] - tq[34] = 0.26 >= 0.05 */
	assert_int_equal(kp.index, 34);
	assert_true(fabs(kp.position - 3.4) < NUM_TOL);
	assert_string_equal(kp.algo, DRILL_ALGO_ENTRY);
}

/* Torque above 0.1 A before 3 mm does not count; with no flat-then-rising
 * sample the forward index stands. Positive positions are not negated. */
static void test_entry_forward_only(void **state)
{
	static synth s;
	drill_keypoint kp;

	(void)state;
	synth_init(&s, 100);
	for (int i = 0; i < 100; i++) {
		s.pos[i] = 0.1 * i;
		s.tq[i] = 0.2 + 0.001 * i; /* always above 0.1, rising too slowly */
	}
	assert_ok(drill_kp_entry(&s.v, &kp));
	/* x[30] = 0.1 * 30 rounds to exactly 3.0, not beyond 3 mm */
	assert_int_equal(kp.index, 31);
	assert_true(kp.position == 0.1 * 31);
}

/* The back-search reads tq[i - 3] with Python's wrap-around for i < 3. */
static void test_entry_wraparound(void **state)
{
	static synth s;
	drill_keypoint kp;

	(void)state;
	synth_init(&s, 60);
	for (int i = 0; i < 60; i++)
		s.pos[i] = 3.5 + 0.1 * i; /* beyond 3 mm from the start */
	/* forward: 5; back-search i = 4, 3 fail; i = 2 compares tq[2] with tq[59] */
	for (int i = 5; i < 60; i++)
		s.tq[i] = 0.5;
	s.tq[59] = 1.0;
	assert_ok(drill_kp_entry(&s.v, &kp));
	/* i = 4: tq[4] - tq[1] = 0 < 1e-4, tq[7] - tq[4] = 0.5 >= 0.05 -> 4 */
	assert_int_equal(kp.index, 4);
	s.tq[4] = 0.05; /* tq[7] - tq[4] = 0.45; tq[4] - tq[1] = 0.05: fails */
	s.tq[3] = 0.05; /* tq[3] - tq[0] = 0.05 fails */
	/* i = 2: tq[2] - tq[59] = -1 < 1e-4 and tq[5] - tq[2] = 0.5 -> 2 */
	assert_ok(drill_kp_entry(&s.v, &kp));
	assert_int_equal(kp.index, 2);
}

static void test_entry_no_rise(void **state)
{
	static synth s;
	drill_keypoint kp;

	(void)state;
	synth_init(&s, 50);
	for (int i = 0; i < 50; i++)
		s.tq[i] = (i % 3 == 0) ? 0.05 : 0.5; /* never three in a row */
	assert_int_equal(drill_kp_entry(&s.v, &kp), STRATA_ENOTFOUND);
	assert_false(kp.ok);
	assert_non_null(strstr(kp.reason, "no torque rise"));
	assert_non_null(strstr(strata_error_message(), "synthetic"));
}

/* --- transition ------------------------------------------------------------------ */

/* 300 flat samples then a step in torque at 250 before step 2 begins at 400. */
static void test_transition_step(void **state)
{
	static synth s;
	drill_keypoint kp;

	(void)state;
	synth_init(&s, 450);
	for (int i = 0; i < 450; i++) {
		s.step[i] = i < 400 ? 1 : 2;
		s.tq[i] = i < 250 ? 1.0 : 3.0;
	}
	assert_ok(drill_kp_transition(&s.v, &kp));
	/* window rows 100..399; the smoothed step rises over 245..254 and its
	 * gradient first exceeds mean + 2 std at 246 (numpy/scipy agree) */
	assert_int_equal(kp.index, 246);
	assert_true(kp.position == 0.1 * 246);
	assert_string_equal(kp.algo, DRILL_ALGO_TRANSITION);
}

static void test_transition_errors(void **state)
{
	static synth s;
	drill_keypoint kp;

	(void)state;
	synth_init(&s, 100);
	for (int i = 0; i < 100; i++)
		s.step[i] = 1;
	assert_int_equal(drill_kp_transition(&s.v, &kp), STRATA_ENOTFOUND);
	assert_string_equal(kp.reason, "no step 2");
	for (int i = 0; i < 100; i++)
		s.step[i] = i < 5 ? 1 : 2;
	assert_int_equal(drill_kp_transition(&s.v, &kp), STRATA_EINVAL);
	assert_non_null(strstr(kp.reason, "only 5 samples before step 2"));
	for (int i = 0; i < 100; i++)
		s.step[i] = i < 50 ? 1 : 2; /* flat torque: gradient 0, never above */
	assert_int_equal(drill_kp_transition(&s.v, &kp), STRATA_ENOTFOUND);
	assert_non_null(strstr(kp.reason, "mean + 2 std"));
}

/* --- segmented gradient -------------------------------------------------------- */

/* Steps a (rows 0..199) and b (200..399), feed 1/128 mm per sample (window
 * round(0.7 * 128) = 90, even: the mean of the two middle values), the position
 * jumping back 0.5 mm at the step change. Dyadic values keep every quotient
 * exact, so the medians tie exactly: in step a dtq/dx = 2 from row 121; in
 * step b 4 over rows 261..329, then -2 from row 330. */
static void segmented_trace(synth *s, int a, int b)
{
	synth_init(s, 400);
	for (int i = 0; i < 400; i++) {
		s->pos[i] = -(i / 128.0 - (i >= 200 ? 0.5 : 0.0));
		s->step[i] = i < 200 ? a : b;
		s->empty[i] = 0.5;
		if (i < 200)
			s->tq[i] = i < 120 ? 0.0 : (i - 120) / 64.0;
		else if (i < 260)
			s->tq[i] = 1.0;
		else if (i < 330)
			s->tq[i] = 1.0 + (i - 260) / 32.0;
		else
			s->tq[i] = 1.0 + 69 / 32.0 - (i - 329) / 64.0;
	}
	s->v.torque_empty = s->empty;
}

/* The median reaches the slope once 46 of the 90 values are on it, and stays
 * there: the first occurrence wins (pandas idxmax/idxmin). Checked against
 * keypoints_reference.py on the same arrays. */
static void check_segmented_4step(const drill_segmented *r)
{
	assert_true(r->entry.ok && r->transition.ok && r->exit.ok);
	assert_int_equal(r->entry.window, 90);
	assert_int_equal(r->exit.window, 90);
	assert_int_equal(r->entry.index, 121 + 45);
	assert_int_equal(r->transition.index, 261 + 45);
	assert_int_equal(r->exit.index, 330 + 45);
	assert_true(r->entry.position == 166 / 128.0);
	assert_true(r->exit.position == 375 / 128.0 - 0.5);
}

static void test_segmented_steps(void **state)
{
	static synth s;
	drill_segmented r, ref;

	(void)state;
	segmented_trace(&s, 1, 2);
	assert_ok(drill_kp_segmented(&s.v, &r));
	check_segmented_4step(&r);
	assert_int_equal(r.steps[0], 1);
	assert_int_equal(r.steps[1], 2);
	assert_string_equal(r.exit.algo, DRILL_ALGO_SEGMENTED);
	/* an approach step 0 in front is not a drilling step */
	for (int i = 0; i < 10; i++)
		s.step[i] = 0;
	assert_ok(drill_kp_segmented(&s.v, &r));
	assert_int_equal(r.steps[0], 1);
	/* the reference needs 3 position segments: this trace has 2, and its
	 * segment 1 is the second step */
	assert_int_equal(drill_kp_segmented_reference(&s.v, &ref), STRATA_ENOTFOUND);
	assert_true(ref.entry.ok && !ref.transition.ok && !ref.exit.ok);
	assert_int_equal(ref.entry.index, r.transition.index);
	assert_non_null(strstr(ref.exit.reason, "only 2 position segments"));
}

/* A 3-step programme that starts at step 2 (steps 2 and 3). */
static void test_segmented_3step(void **state)
{
	static synth s;
	drill_segmented r;

	(void)state;
	segmented_trace(&s, 2, 3);
	assert_ok(drill_kp_segmented(&s.v, &r));
	check_segmented_4step(&r);
	assert_int_equal(r.steps[0], 2);
	assert_int_equal(r.steps[1], 3);
}

static void test_segmented_errors(void **state)
{
	static synth s;
	drill_segmented r;

	(void)state;
	segmented_trace(&s, 1, 1);
	for (int i = 200; i < 400; i++)
		s.pos[i] = -(0.01 * i); /* no jump back: one step, one segment */
	assert_int_equal(drill_kp_segmented(&s.v, &r), STRATA_ENOTFOUND);
	assert_true(r.entry.ok && !r.exit.ok);
	assert_string_equal(r.exit.reason, "no second drilling step");
	/* a step that does not move: median feed 0 */
	segmented_trace(&s, 1, 2);
	for (int i = 200; i < 400; i++)
		s.pos[i] = -1.5;
	assert_int_equal(drill_kp_segmented(&s.v, &r), STRATA_ENOTFOUND);
	assert_non_null(strstr(r.exit.reason, "median feed 0 per sample is not positive"));
	assert_non_null(strstr(r.exit.reason, "segment at row 200"));
	/* only step 0 */
	for (int i = 0; i < 400; i++)
		s.step[i] = 0;
	assert_int_equal(drill_kp_segmented(&s.v, &r), STRATA_ENOTFOUND);
	assert_non_null(strstr(r.entry.reason, "no drilling step"));
}

/* --- the estimator interface -------------------------------------------------------- */

/* A stand-in for the trained model: its state lives in ctx. */
static int model_estimate(const drill_estimator *self, const drill_trace_view *t,
                          drill_keypoints *out)
{
	const double *depth = self->ctx;
	out->exit.ok = 1;
	out->exit.index = t->n - 1;
	out->exit.position = *depth;
	out->exit.algo = self->algo_version;
	return 0;
}

static void test_estimator_interface(void **state)
{
	static synth s;
	static const double depth = 12.5;
	const drill_estimator model = {"model-test/1", model_estimate, &depth};
	drill_keypoints kp;

	(void)state;
	segmented_trace(&s, 1, 2);
	assert_ok(drill_estimate(&model, &s.v, &kp));
	assert_true(kp.exit.ok && kp.exit.position == 12.5);
	assert_string_equal(kp.exit.algo, "model-test/1");
	assert_ok(drill_estimate(&drill_estimator_deterministic, &s.v, &kp));
	assert_true(kp.exit.ok && kp.exit.index == 375);
	assert_string_equal(kp.exit.algo, DRILL_ALGO_SEGMENTED);
	assert_string_equal(kp.entry.algo, DRILL_ALGO_ENTRY);
	assert_string_equal(kp.transition.algo, DRILL_ALGO_TRANSITION);
	assert_false(kp.transition.ok); /* step 2 starts at row 200: flat torque before */
	s.v.position = NULL;
	assert_int_equal(drill_estimate(&drill_estimator_deterministic, &s.v, &kp), STRATA_EINVAL);
}

/* --- the shared Setitec files ---------------------------------------------------------- */

/* A loaded file and its trace view. */
typedef struct loaded {
	drill_setitec f;
	drill_trace_buf t;
	drill_trace_view v;
} loaded;

static int load(const char *path, const char *name, loaded *l)
{
	int rc = drill_setitec_read(path, &l->f);
	if (rc != 0)
		return rc;
	assert_ok(drill_trace_from_setitec(&l->f, name, &l->t));
	l->v = l->t.view;
	return 0;
}

static void unload(loaded *l)
{
	drill_setitec_free(&l->f);
	drill_trace_buf_free(&l->t);
}

/* Compare one keypoint with its golden entry; returns the abs difference. */
static double check_kp(const char *file, const char *what, const drill_keypoint *kp, json_t *g,
                       int *bad)
{
	json_t *err = json_object_get(g, "error");
	if (err != NULL || !kp->ok) {
		if ((err != NULL) != !kp->ok) {
			print_error("%s %s: golden %s, C %s\n", file, what,
			            err ? json_string_value(err) : "ok",
			            kp->ok ? "ok" : kp->reason);
			(*bad)++;
		}
		return 0;
	}
	double want = json_real_value(json_object_get(g, "position"));
	size_t idx = (size_t)json_integer_value(json_object_get(g, "index"));
	json_t *w = json_object_get(g, "window");
	double d = fabs(want - kp->position);
	if (d > GOLDEN_TOL || idx != kp->index ||
	    (w != NULL && (size_t)json_integer_value(w) != kp->window)) {
		print_error("%s %s: golden %zu %.9f, C %zu %.9f\n", file, what, idx, want,
		            kp->index, kp->position);
		(*bad)++;
	}
	return d;
}

/* All keypoints of one file as JSON, in the golden file's shape. */
static json_t *kp_json(const drill_keypoint *kp)
{
	if (!kp->ok)
		return json_pack("{s:s}", "error", kp->reason);
	json_t *o =
	    json_pack("{s:I,s:f}", "index", (json_int_t)kp->index, "position", kp->position);
	if (kp->window)
		json_object_set_new(o, "window", json_integer((json_int_t)kp->window));
	return o;
}

static json_t *seg_json(const drill_segmented *r)
{
	return json_pack("{s:o,s:o,s:o}", "entry", kp_json(&r->entry), "transition",
	                 kp_json(&r->transition), "exit", kp_json(&r->exit));
}

typedef struct golden_stats {
	int files, bad, produced[6];
	double maxdiff;
} golden_stats;

static void golden_one(const char *rel, json_t *g, golden_stats *st, json_t *dump)
{
	char rpath[512], path[1024];
	loaded l;
	drill_keypoint entry, trans;
	drill_segmented seg, segr;

	snprintf(rpath, sizeof(rpath), "drilling/setitec/%s", rel);
	if (strata_test_data_path(rpath, path, sizeof(path)) != 0)
		return;
	if (load(path, rel, &l) != 0) {
		print_error("%s: %s\n", rel, strata_error_message());
		st->bad++;
		return;
	}
	if ((size_t)json_integer_value(json_object_get(g, "n")) != l.v.n) {
		print_error("%s: golden %lld rows, C %zu\n", rel,
		            (long long)json_integer_value(json_object_get(g, "n")), l.v.n);
		st->bad++;
	}
	drill_kp_entry(&l.v, &entry);
	drill_kp_transition(&l.v, &trans);
	drill_kp_segmented(&l.v, &seg);
	drill_kp_segmented_reference(&l.v, &segr);
	json_t *gs = json_object_get(g, "segmented"),
	       *gr = json_object_get(g, "segmented_reference");
	const drill_keypoint *ks[6] = {&entry,    &trans,          &seg.entry,
	                               &seg.exit, &seg.transition, &segr.exit};
	json_t *gk[6] = {json_object_get(g, "entry"),       json_object_get(g, "transition"),
	                 json_object_get(gs, "entry"),      json_object_get(gs, "exit"),
	                 json_object_get(gs, "transition"), json_object_get(gr, "exit")};
	static const char *names[6] = {
	    "entry",          "transition",           "segmented.entry",
	    "segmented.exit", "segmented.transition", "segmented_reference.exit"};
	for (int k = 0; k < 6; k++) {
		double d = check_kp(rel, names[k], ks[k], gk[k], &st->bad);
		st->maxdiff = d > st->maxdiff ? d : st->maxdiff;
		st->produced[k] += ks[k]->ok;
	}
	check_kp(rel, "segmented_reference.entry", &segr.entry, json_object_get(gr, "entry"),
	         &st->bad);
	check_kp(rel, "segmented_reference.transition", &segr.transition,
	         json_object_get(gr, "transition"), &st->bad);
	if (dump)
		json_object_set_new(dump, rel,
		                    json_pack("{s:I,s:o,s:o,s:o,s:o}", "n", (json_int_t)l.v.n,
		                              "entry", kp_json(&entry), "transition",
		                              kp_json(&trans), "segmented", seg_json(&seg),
		                              "segmented_reference", seg_json(&segr)));
	st->files++;
	unload(&l);
}

/* Every file in the golden JSON; STRATA_KP_DUMP=FILE also writes the C results. */
static void test_golden_files(void **state)
{
	char path[1024], golden[1024];
	json_error_t jerr;
	golden_stats st = {0};
	const char *rel;
	json_t *g;

	(void)state;
	STRATA_REQUIRE_TESTDATA("drilling/setitec", path);
	snprintf(golden, sizeof(golden), "%s/tests/drill/keypoints_golden.json", STRATA_SOURCE_DIR);
	json_t *root = json_load_file(golden, 0, &jerr);
	if (root == NULL)
		fail_msg("%s:%d: %s", golden, jerr.line, jerr.text);
	const char *dump_path = getenv("STRATA_KP_DUMP");
	json_t *dump = dump_path ? json_object() : NULL;
	json_object_foreach(json_object_get(root, "files"), rel, g) golden_one(rel, g, &st, dump);
	print_message("golden: %d files, max abs difference %.3g mm, %d mismatches; produced "
	              "entry %d, transition %d, segmented entry %d, exit %d, transition %d, "
	              "reference exit %d\n",
	              st.files, st.maxdiff, st.bad, st.produced[0], st.produced[1], st.produced[2],
	              st.produced[3], st.produced[4], st.produced[5]);
	if (dump) {
		json_t *top = json_pack("{s:o}", "files", dump);
		assert_int_equal(
		    json_dump_file(top, dump_path,
		                   JSON_INDENT(1) | JSON_SORT_KEYS | JSON_REAL_PRECISION(17)),
		    0);
		json_decref(top);
	}
	json_decref(root);
	assert_true(st.files > 0);
	assert_int_equal(st.bad, 0);
}

/* The published values of 17070141_17070141_ST_753_55.xls: 4.569 mm and 5.01 mm,
 * rounded to their last digit, so within half a unit of it (0.0005, 0.005). */
static void test_published_753_55(void **state)
{
	char path[1024];
	loaded l;
	drill_keypoint entry, trans;

	(void)state;
	STRATA_REQUIRE_TESTDATA("drilling/setitec/17070141_17070141_ST_753_55.xls", path);
	assert_ok(load(path, "17070141_17070141_ST_753_55.xls", &l));
	assert_ok(drill_kp_entry(&l.v, &entry));
	assert_ok(drill_kp_transition(&l.v, &trans));
	assert_true(fabs(entry.position - 4.569) <= 0.0005);
	assert_true(fabs(trans.position - 5.01) <= 0.005);
	print_message("753_55: entry %.6f mm (row %zu), transition %.6f mm (row %zu)\n",
	              entry.position, entry.index, trans.position, trans.index);
	unload(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_savgol_kernel),    cmocka_unit_test(test_savgol_impulse_edges),
	    cmocka_unit_test(test_savgol_quadratic), cmocka_unit_test(test_savgol_errors),
	    cmocka_unit_test(test_gradient),         cmocka_unit_test(test_sum_mean_std),
	    cmocka_unit_test(test_round_half_even),  cmocka_unit_test(test_rolling_median),
	    cmocka_unit_test(test_entry_backsearch), cmocka_unit_test(test_entry_forward_only),
	    cmocka_unit_test(test_entry_wraparound), cmocka_unit_test(test_entry_no_rise),
	    cmocka_unit_test(test_transition_step),  cmocka_unit_test(test_transition_errors),
	    cmocka_unit_test(test_segmented_steps),  cmocka_unit_test(test_segmented_3step),
	    cmocka_unit_test(test_segmented_errors), cmocka_unit_test(test_estimator_interface),
	    cmocka_unit_test(test_golden_files),     cmocka_unit_test(test_published_753_55),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
