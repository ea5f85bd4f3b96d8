/*
 * bench_psd.c - Noiz's PSD (src/noise/psd.c) throughput on a synthetic
 * 20-station day: 960 chunks of 1800 s at 24 Hz, for Noiz's two example
 * PPSD configs, on one thread and on all cores (computation only, no files).
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "noise/psd.h"
#include "strata/error.h"
#include "strata/time.h"
#include "strata/workers.h"

#define FS      24.0
#define NSAMP   43200
#define NCHUNKS 960

static const char *const configs[][2] = {
    {"psd example config",
     "{\"datachunk_params_id\": 1, \"segment_length\": 600, \"segment_step\": 500, "
     "\"freq_min\": 0.1, \"freq_max\": 5, \"resample\": \"False\"}"},
    {"psd resampled config",
     "{\"datachunk_params_id\": 1, \"segment_length\": 600, \"segment_step\": 500, "
     "\"freq_min\": 0.1, \"freq_max\": 5, \"resample\": \"True\", "
     "\"resampled_frequency_start\": 0.2, \"resampled_frequency_stop\": 4, "
     "\"resampled_frequency_step\": 0.1}"},
};

typedef struct job {
	const noise_psd_plan *plan;
	const double *x;
	int failed;
} job;

/* One chunk: the shared synthetic day, shifted per chunk index. */
static int work(size_t i, void *ctx)
{
	job *j = ctx;
	noise_psd_result r;
	strata_time start = 1641081600000000000LL + (int64_t)(i % 48) * 1800000000000LL;

	if (noise_psd_compute(j->plan, start, FS, j->x + (i % 7) * 1000, NSAMP, &r))
		__atomic_add_fetch(&j->failed, 1, __ATOMIC_RELAXED);
	else
		noise_psd_result_free(&r);
	return 0;
}

static int run(const char *name, const noise_psd_plan *plan, const double *x, int nthreads)
{
	strata_workers *w = NULL;
	job j = {plan, x, 0};
	int64_t t0;
	double s;

	if (strata_workers_create(nthreads, &w))
		return 1;
	t0 = strata_time_monotonic_ns();
	strata_workers_for(w, NCHUNKS, work, &j);
	s = (double)(strata_time_monotonic_ns() - t0) / 1e9;
	printf("%-36s %12.2f chunks/s  (%d chunks, %d failed, %.2fM samples/s, %d threads)\n", name,
	       NCHUNKS / s, NCHUNKS, j.failed, NCHUNKS * (double)NSAMP / s / 1e6,
	       strata_workers_count(w));
	strata_workers_destroy(w);
	return j.failed != 0;
}

int main(void)
{
	double *x = malloc((NSAMP + 7000) * sizeof *x);
	uint64_t seed = 42;
	int rc = 0;

	if (!x)
		return 1;
	for (size_t i = 0; i < NSAMP + 7000; i++) {
		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		x[i] = sin(2 * M_PI * 0.2 * (double)i / FS) +
		       ((double)(seed >> 11) / 9007199254740992.0 - 0.5);
	}
	for (size_t c = 0; c < 2; c++) {
		noise_psd_params p;
		noise_psd_plan plan;
		char label[64];
		if (noise_psd_params_parse(configs[c][1], &p)) {
			fprintf(stderr, "%s\n", strata_error_message());
			return 1;
		}
		p.sampling_rate = FS;
		if (noise_psd_plan_init(&p, &plan)) {
			fprintf(stderr, "%s\n", strata_error_message());
			return 1;
		}
		snprintf(label, sizeof label, "%s 1 thread", configs[c][0]);
		rc |= run(label, &plan, x, 1);
		rc |= run(configs[c][0], &plan, x, 0);
		noise_psd_plan_free(&plan);
	}
	free(x);
	return rc;
}
