/*
 * test_psd.c - src/noise/psd.c against tests/noise/psd_reference.py (Noiz's
 * ppsd.py and ObsPy's window arithmetic in numpy/scipy), run live with
 * Debian's python3 ($STRATA_PYTHON, default /usr/bin/python3) on synthetic
 * 24 Hz chunks: window, computed and kept counts and every kept decision
 * equal, fft_mean/fft_std/all_windows within 1e-9 (max|c - ref| / max|ref|),
 * midtimes equal; the npz read by numpy; threads; hostile input.
 */
#include "pyref.h"

#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "noise/psd.h"
#include "strata/file.h"
#include "strata/npy.h"

#define RTOL 1e-9
#define FS   24.0

/* Noiz's config_examples/ppsd_params.toml and ppsd_params_resampled.toml as
 * params.c stores them, and a tapered variant that saves all windows. */
static const char *const example_json =
    "{\"datachunk_params_id\": 1, \"segment_length\": 600, \"segment_step\": 500, "
    "\"freq_min\": 0.1, \"freq_max\": 5, \"resample\": \"False\", "
    "\"rejected_windows_quantile\": 0.1, \"save_all_windows\": \"False\"}";
static const char *const resampled_json =
    "{\"datachunk_params_id\": 1, \"segment_length\": 600, \"segment_step\": 500, "
    "\"freq_min\": 0.1, \"freq_max\": 5, \"resample\": \"True\", "
    "\"resampled_frequency_start\": 0.2, \"resampled_frequency_stop\": 4, "
    "\"resampled_frequency_step\": 0.1, \"rejected_windows_quantile\": 0.1, "
    "\"save_all_windows\": \"False\"}";
static const char *const tapered_json =
    "{\"datachunk_params_id\": 1, \"segment_length\": 300, \"segment_step\": 150.5, "
    "\"freq_min\": 0.05, \"freq_max\": 11, \"taper_type\": \"hann\", "
    "\"taper_max_percentage\": 0.05, \"rejected_windows_quantile\": 0.2, "
    "\"save_all_windows\": true, \"save_compressed\": false}";

/* Deterministic chunk: sines plus LCG noise whose level changes over time. */
static double *synthetic(size_t n, uint64_t seed)
{
	double *x = malloc(n * sizeof(*x));
	assert_non_null(x);
	for (size_t i = 0; i < n; i++) {
		double t = (double)i / FS;
		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		double noise = ((double)(seed >> 11) / 9007199254740992.0 - 0.5);
		x[i] = 1e-6 * (sin(2 * M_PI * 0.3 * t) + 0.4 * sin(2 * M_PI * 3.7 * t) +
		               noise * (1.0 + 0.5 * sin(2 * M_PI * t / 2900.0)));
	}
	return x;
}

/* A file the reference wrote (malloc'd, NUL-terminated). */
static void *read_all(const char *path, size_t *bytes)
{
	char *data = NULL;

	assert_ok(strata_file_read_all(path, 0, &data, bytes));
	return data;
}

/* Run the reference on x; skips the test without numpy/scipy. */
static void run_reference(const char *json, strata_time start, const double *x, size_t n)
{
	char in[512], args[3072];

	snprintf(in, sizeof in, "%s/in.f64", strata_test_dir);
	pyref_write(in, x, n * sizeof *x);
	snprintf(args, sizeof args, "'%s' %.17g %lld %s %s", json, FS, (long long)start, in,
	         strata_test_dir);
	pyref_run("psd_reference.py", args);
}

/* max|c - ref| / max|ref| over the finite values; NaN positions must agree. */
static double rel_error(const double *c, const double *ref, size_t n)
{
	double diff = 0.0, scale = 0.0;

	for (size_t i = 0; i < n; i++) {
		assert_int_equal(isnan(c[i]) != 0, isnan(ref[i]) != 0);
		if (isnan(ref[i]))
			continue;
		diff = fmax(diff, fabs(c[i] - ref[i]));
		scale = fmax(scale, fabs(ref[i]));
	}
	return scale > 0.0 ? diff / scale : diff;
}

static void expect_file(const char *name, const double *c, size_t n, const char *what)
{
	char path[512];
	size_t bytes;
	double *ref, e;

	snprintf(path, sizeof path, "%s/%s", strata_test_dir, name);
	ref = read_all(path, &bytes);
	assert_int_equal(bytes, n * sizeof(double));
	e = rel_error(c, ref, n);
	printf("  %-12s %-26s n=%-6zu rel.err %.3g\n", name, what, n, e);
	assert_true(e <= RTOL);
	free(ref);
}

/* The counts and each kept decision equal the reference's. */
static void expect_counts(const noise_psd_result *r)
{
	char path[512];
	size_t bytes, nw, nc, nk;
	char *text;

	snprintf(path, sizeof path, "%s/counts.txt", strata_test_dir);
	text = read_all(path, &bytes);
	text[bytes] = '\0';
	assert_int_equal(sscanf(text, "%zu %zu %zu", &nw, &nc, &nk), 3);
	assert_int_equal(r->nwindows, nw);
	assert_int_equal(r->ncomputed, nc);
	assert_int_equal(r->nkept, nk);
	const char *p = strchr(text, '\n');
	assert_non_null(p);
	for (size_t i = 0; i < r->ncomputed; i++) {
		while (*p == ' ' || *p == '\n')
			p++;
		assert_int_equal(*p - '0', r->kept[i]);
		p++;
	}
	free(text);
}

static void expect_midtimes(const noise_psd_result *r)
{
	char path[512];
	size_t bytes;
	int64_t *ref;

	snprintf(path, sizeof path, "%s/midtimes.i64", strata_test_dir);
	ref = read_all(path, &bytes);
	assert_int_equal(bytes, r->ncomputed * sizeof(int64_t));
	for (size_t i = 0; i < r->ncomputed; i++)
		assert_int_equal(ref[i], r->midtimes[i]);
	free(ref);
}

/* Compute the PSD of a synthetic chunk in C and compare with the reference. */
static void check_case(const char *json, const char *what, strata_time start, size_t n,
                       uint64_t seed)
{
	noise_psd_params p;
	noise_psd_plan plan;
	noise_psd_result r;
	double *x = synthetic(n, seed);

	assert_ok(noise_psd_params_parse(json, &p));
	p.sampling_rate = FS;
	assert_ok(noise_psd_plan_init(&p, &plan));
	assert_ok(noise_psd_compute(&plan, start, FS, x, n, &r));
	run_reference(json, start, x, n);
	printf("%s: %zu windows, %zu computed, %zu kept\n", what, r.nwindows, r.ncomputed, r.nkept);
	expect_counts(&r);
	expect_midtimes(&r);
	expect_file("freqs.f64", plan.freqs, plan.nfreqs, what);
	expect_file("mean.f64", r.mean, r.nfreqs, what);
	expect_file("std.f64", r.std, r.nfreqs, what);
	expect_file("all.f64", r.all_windows, r.ncomputed * r.nfreqs, what);
	noise_psd_result_free(&r);
	noise_psd_plan_free(&plan);
	free(x);
}

/* 2022-01-02T00:00:00 plus a sub-sample offset, as datachunks keep it. */
#define DAY2 1641081600000000000LL

static void test_example_config(void **state)
{
	(void)state;
	check_case(example_json, "example 1800 s", DAY2 + 12345678, 43200, 1);
	check_case(example_json, "example 7200 s", DAY2 + 41666, 172800, 2);
	check_case(example_json, "example 1500 s", DAY2 + 999999999, 36000, 3);
	check_case(example_json, "example 1800 s +1", DAY2 + 1800000000000LL + 3, 43201, 4);
}

static void test_resampled_config(void **state)
{
	(void)state;
	check_case(resampled_json, "resampled 1800 s", DAY2 + 12345678, 43200, 5);
	check_case(resampled_json, "resampled 7200 s", DAY2 + 20833333, 172800, 6);
}

static void test_tapered_config(void **state)
{
	(void)state;
	check_case(tapered_json, "tapered 1800 s", DAY2 + 7, 43200, 7);
	check_case(tapered_json, "tapered 3 h", DAY2 + 41666667, 259200, 8);
}

/* The example config's 1800 s chunk: 3 windows, only the middle one (by energy) kept. */
static void test_three_windows_middle_kept(void **state)
{
	(void)state;
	noise_psd_params p;
	noise_psd_plan plan;
	noise_psd_result r;
	double *x = synthetic(43200, 9);

	assert_ok(noise_psd_params_parse(example_json, &p));
	p.sampling_rate = FS;
	assert_ok(noise_psd_plan_init(&p, &plan));
	assert_int_equal(plan.nsamples, 14400);
	assert_ok(noise_psd_compute(&plan, DAY2, FS, x, 43200, &r));
	assert_int_equal(r.nwindows, 3);
	assert_int_equal(r.nkept, 1);
	/* The kept window is the one of median energy. */
	for (size_t i = 0; i < 3; i++) {
		size_t below = 0;
		for (size_t k = 0; k < 3; k++)
			below += r.energy[k] < r.energy[i];
		assert_int_equal(r.kept[i], below == 1);
	}
	for (size_t j = 0; j < r.nfreqs; j++)
		assert_true(r.std[j] == 0.0);
	assert_int_equal(r.midtimes[0], DAY2 + 250000000000LL);
	assert_int_equal(r.midtimes[1], DAY2 + 750000000000LL);
	noise_psd_result_free(&r);
	noise_psd_plan_free(&plan);
	free(x);
}

/* The npz holds Noiz's names and shapes; numpy reads it. */
static void test_npz_layout(void **state)
{
	(void)state;
	noise_psd_params p;
	noise_psd_plan plan;
	noise_psd_result r;
	double *x = synthetic(43200, 10);
	char path[512], cmd[2048];
	const char *py = getenv("STRATA_PYTHON");
	int rc;

	assert_ok(noise_psd_params_parse(tapered_json, &p));
	p.sampling_rate = FS;
	assert_ok(noise_psd_plan_init(&p, &plan));
	assert_ok(noise_psd_compute(&plan, DAY2, FS, x, 43200, &r));
	snprintf(path, sizeof path, "%s/psd/1/2022/002/XX.STA.Z.2022.002.0000.0.npz",
	         strata_test_dir);
	assert_ok(noise_psd_write_npz(path, &plan, &r));
	snprintf(
	    cmd, sizeof cmd,
	    "%s -c \"import sys\ntry:\n import numpy as np\nexcept ImportError:\n "
	    "sys.exit(77)\nz = np.load('%s')\nassert sorted(z.files) == ['all_windows', "
	    "'fft_mean', 'fft_std', 'window_midtimes'], z.files\nassert z['fft_mean'].shape == "
	    "(%zu,) and z['fft_std'].shape == (%zu,)\nassert z['all_windows'].shape == (%zu, "
	    "%zu)\nassert z['window_midtimes'].dtype == np.dtype('M8[ns]')\nassert "
	    "str(z['window_midtimes'][0]) == '2022-01-02T00:01:15.250000000', "
	    "z['window_midtimes']\n\"",
	    py ? py : "/usr/bin/python3", path, r.nfreqs, r.nfreqs, r.ncomputed, r.nfreqs);
	rc = system(cmd);
	if (WIFEXITED(rc) && WEXITSTATUS(rc) == 77) {
		printf("SKIPPED: python3 with numpy not available\n");
		noise_psd_result_free(&r);
		noise_psd_plan_free(&plan);
		free(x);
		skip();
		return;
	}
	assert_int_equal(rc, 0);
	strata_npy_owned o;
	assert_ok(strata_npz_read(path, "fft_mean", &o));
	assert_memory_equal(o.data, r.mean, r.nfreqs * sizeof(double));
	strata_npy_free(&o);
	noise_psd_result_free(&r);
	noise_psd_plan_free(&plan);
	free(x);
}

typedef struct thread_job {
	const noise_psd_plan *plan;
	const double *x;
	noise_psd_result r;
	int rc;
} thread_job;

static void *thread_main(void *arg)
{
	thread_job *j = arg;
	j->rc = noise_psd_compute(j->plan, DAY2, FS, j->x, 172800, &j->r);
	return NULL;
}

/* Four threads sharing one plan give bit-identical results. */
static void test_threads_identical(void **state)
{
	(void)state;
	noise_psd_params p;
	noise_psd_plan plan;
	double *x = synthetic(172800, 11);
	thread_job jobs[4];
	pthread_t th[4];

	assert_ok(noise_psd_params_parse(resampled_json, &p));
	p.sampling_rate = FS;
	assert_ok(noise_psd_plan_init(&p, &plan));
	for (int i = 0; i < 4; i++) {
		jobs[i] = (thread_job){&plan, x, {0}, 0};
		assert_int_equal(pthread_create(&th[i], NULL, thread_main, &jobs[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		assert_ok(jobs[i].rc);
	}
	for (int i = 1; i < 4; i++) {
		assert_memory_equal(jobs[i].r.mean, jobs[0].r.mean, plan.nfreqs * sizeof(double));
		assert_memory_equal(jobs[i].r.std, jobs[0].r.std, plan.nfreqs * sizeof(double));
	}
	for (int i = 0; i < 4; i++)
		noise_psd_result_free(&jobs[i].r);
	noise_psd_plan_free(&plan);
	free(x);
}

/* Bad parameter sets are refused with a message; odd chunks never crash. */
static void test_bad_input(void **state)
{
	(void)state;
	static const char *const bad[] = {
	    "",
	    "[]",
	    "{\"segment_length\": 600}",
	    "{\"datachunk_params_id\": 1, \"segment_length\": 600, \"segment_step\": 0, "
	    "\"freq_min\": 0.1, \"freq_max\": 5}",
	    "{\"datachunk_params_id\": 1, \"segment_length\": 600, \"segment_step\": 500, "
	    "\"freq_min\": 0.1, \"freq_max\": 5, \"resample\": true}",
	    "{\"datachunk_params_id\": 1, \"segment_length\": 600, \"segment_step\": 500, "
	    "\"freq_min\": 0.1, \"freq_max\": 5, \"resample\": true, "
	    "\"resampled_frequency_start\": "
	    "0.01, \"resampled_frequency_stop\": 4, \"resampled_frequency_step\": 0.1}",
	    "{\"datachunk_params_id\": 1, \"segment_length\": 600, \"segment_step\": 500, "
	    "\"freq_min\": 0.1, \"freq_max\": 5, \"taper_type\": \"kaiser\"}",
	    "{\"datachunk_params_id\": 1, \"segment_length\": 600, \"segment_step\": 500, "
	    "\"freq_min\": 0.1, \"freq_max\": 5, \"taper_max_percentage\": 0.1}",
	    "{\"datachunk_params_id\": 1, \"segment_length\": \"600\", \"segment_step\": 500, "
	    "\"freq_min\": 0.1, \"freq_max\": 5}",
	    "{\"datachunk_params_id\": 1, \"segment_length\": 600, \"segment_step\": 500, "
	    "\"freq_min\": 0.1, \"freq_max\": 5, \"resample\": \"maybe\"}",
	};
	noise_psd_params p;
	noise_psd_plan plan;
	noise_psd_result r;

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_true(noise_psd_params_parse(bad[i], &p) < 0);
		assert_true(strlen(strata_error_message()) > 0);
	}
	/* Frequencies no window can hold. */
	assert_ok(noise_psd_params_parse(example_json, &p));
	p.sampling_rate = 0.001;
	assert_true(noise_psd_plan_init(&p, &plan) < 0);
	p.sampling_rate = FS;
	p.freq_min = 20;
	p.freq_max = 30;
	assert_true(noise_psd_plan_init(&p, &plan) < 0);

	assert_ok(noise_psd_params_parse(example_json, &p));
	p.sampling_rate = FS;
	assert_ok(noise_psd_plan_init(&p, &plan));
	double *x = calloc(43200, sizeof *x);
	assert_non_null(x);
	/* Too short for one window: no data, not a crash. */
	assert_int_equal(noise_psd_compute(&plan, DAY2, FS, x, 1000, &r), STRATA_ENOTFOUND);
	assert_int_equal(noise_psd_compute(&plan, DAY2, FS, x, 0, &r), STRATA_ENOTFOUND);
	/* Wrong sampling rate. */
	assert_true(noise_psd_compute(&plan, DAY2, 40.0, x, 43200, &r) < 0);
	/* All zeros: every energy equal, nothing kept, NaN mean. */
	assert_ok(noise_psd_compute(&plan, DAY2, FS, x, 43200, &r));
	assert_int_equal(r.nkept, 0);
	assert_true(isnan(r.mean[0]));
	noise_psd_result_free(&r);
	/* NaN and infinite samples. */
	x[20000] = NAN;
	x[30000] = INFINITY;
	assert_ok(noise_psd_compute(&plan, DAY2, FS, x, 43200, &r));
	noise_psd_result_free(&r);
	noise_psd_plan_free(&plan);
	free(x);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_example_config), cmocka_unit_test(test_resampled_config),
	    cmocka_unit_test(test_tapered_config), cmocka_unit_test(test_three_windows_middle_kept),
	    cmocka_unit_test(test_npz_layout),     cmocka_unit_test(test_threads_identical),
	    cmocka_unit_test(test_bad_input),
	};
	return cmocka_run_group_tests(tests, strata_test_dir_setup, strata_test_dir_teardown);
}
