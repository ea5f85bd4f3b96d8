/*
 * bench_datachunk.c - datachunk throughput (noise_datachunk_prepare), in
 * chunks/s and raw input samples/s:
 *   - the real CI.CCA and CI.HEC BHN day (2 components x 48 windows of 1800 s,
 *     40 -> 24 Hz, full StationXML response) with config_examples/datachunk_params.toml;
 *   - a synthetic 20-station day (20 components x 48 windows, 40 Hz counts
 *     generated deterministically, a poles-and-zeros response).
 * Each on a strata_workers pool of all cores and on one thread, the best of
 * 3 (real) or 2 (synthetic) passes, as the machine may be shared. The miniSEED
 * decoding is done before timing. DATACHUNK_BENCH_ONE_THREAD set: the
 * one-thread lines only; DATACHUNK_BENCH_REAL_ONLY set: the real day only. The decoded real day is
 * left under $TMPDIR/strata_bench_datachunk for bench/noise/peer_noise.py, which times the Python
 * reference (tests/noise/datachunk_reference.py) on the same input.
 */
#include "noise/datachunk.h"
#include "noise/mseed_index.h"
#include "noise/params.h"
#include "noise/response.h"
#include "noise/stationxml.h"
#include "strata/buf.h"
#include "strata/conf.h"
#include "strata/error.h"
#include "strata/file.h"
#include "strata/time.h"
#include "strata/workers.h"

#include <complex.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>

#define SEC      1000000000LL
#define DAY      (1641081600LL * SEC) /* 2022-01-02 */
#define WINDOWS  48
#define WINDOW_S 1800
#define STATIONS 20
#define MAX_SEGS 8

/* One component's raw day and its response. */
typedef struct component {
	noise_raw_segment segs[MAX_SEGS];
	double *data[MAX_SEGS];
	size_t nsegs;
	dsp_response_fn resp;
	void *ctx;
} component;

/* One benchmark: components x WINDOWS chunks. */
typedef struct bench {
	const noise_datachunk_params *p;
	component *comps;
	size_t ncomps;
	double raw_fs;
	size_t failed;
} bench;

/* User + system CPU seconds of the process so far. */
static double cpu_seconds(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static double seconds_since(int64_t start)
{
	return (double)(strata_time_monotonic_ns() - start) / 1e9;
}

/* One chunk: component index / WINDOWS, window index % WINDOWS. */
static int one_chunk(size_t i, void *ctx)
{
	bench *b = ctx;
	const component *c = &b->comps[i / WINDOWS];
	strata_time start = DAY + (strata_time)(i % WINDOWS) * WINDOW_S * SEC;
	noise_datachunk chunk;
	int rc = noise_datachunk_prepare(b->p, start, start + WINDOW_S * SEC, c->segs, c->nsegs,
	                                 c->resp, c->ctx, &chunk);

	if (rc) {
		fprintf(stderr, "chunk %zu: %s\n", i, strata_error_message());
		__atomic_add_fetch(&b->failed, 1, __ATOMIC_RELAXED);
	}
	noise_datachunk_free(&chunk);
	return 0;
}

/* Time all chunks on nthreads (0: all cores), best of reps, and print the line. */
static void run(bench *b, const char *name, int nthreads, int reps)
{
	strata_workers *w = NULL;
	size_t n = b->ncomps * WINDOWS;
	double best = INFINITY, cpu0;
	char label[64];

	if (strata_workers_create(nthreads, &w) != 0) {
		fprintf(stderr, "%s\n", strata_error_message());
		return;
	}
	cpu0 = cpu_seconds();
	for (int r = 0; r < reps; r++) {
		int64_t t0 = strata_time_monotonic_ns();
		b->failed = 0;
		strata_workers_for(w, n, one_chunk, b);
		best = fmin(best, seconds_since(t0));
	}
	snprintf(label, sizeof label, "%s%s", name, nthreads == 1 ? " 1 thread" : "");
	/* CPU per chunk over all passes: equal for the pool and one thread when the
	 * pool scales (wall time on a shared machine cannot show it) */
	printf("%-36s %12.2f chunks/s  (%zu chunks, %zu failed, %.2fM raw samples/s, %d "
	       "threads, best of %d, %.2f CPU ms/chunk)\n",
	       label, (double)n / best, n, b->failed, (double)n * WINDOW_S * b->raw_fs / best / 1e6,
	       strata_workers_count(w), reps, (cpu_seconds() - cpu0) * 1e3 / (double)(n * reps));
	strata_workers_destroy(w);
}

/* ---- the real day ---- */

static int sx_response_fn(void *ctx, const double *freqs, size_t n, double complex *h)
{
	return resp_evaluate(ctx, freqs, n, RESP_UNITS_VEL, h);
}

/* The example DatachunkParams file through the catalog's TOML-to-JSON path. */
static int example_params(const char *root, noise_datachunk_params *p)
{
	char path[4096];
	strata_buf json = STRATA_BUF_INIT;
	strata_conf *conf = NULL;
	const strata_conf *table;
	char *text = NULL;
	size_t len = 0;
	int rc;

	snprintf(path, sizeof path, "%s/seismic/noiz/config_examples/datachunk_params.toml", root);
	rc = strata_file_read_all(path, 1 << 20, &text, &len);
	rc = rc ? rc : strata_conf_parse_toml(text, len, path, &conf);
	rc = rc ? rc : noise_params_validate(conf, NULL, &table);
	rc = rc ? rc : strata_conf_to_json(table, &json);
	rc = rc ? rc : noise_datachunk_params_parse(strata_buf_cstr(&json), p);
	strata_conf_free(conf);
	free(text);
	strata_buf_free(&json);
	return rc;
}

/* Decode a day file into c; write its segments for the Python peer. */
static int load_day(const char *root, const char *name, component *c, FILE *meta, const char *dir)
{
	char path[4096];
	noise_mseed_index idx;
	int rc;

	snprintf(path, sizeof path, "%s/seismic/noisepy/%s__BHN___2022002.ms", root, name);
	rc = noise_mseed_index_file(path, &idx);
	for (size_t i = 0; rc == 0 && i < idx.nsegments && i < MAX_SEGS; i++) {
		size_t n;
		char out[4200];
		FILE *f;
		rc = noise_mseed_read_samples(path, &idx.segments[i], &c->data[i], &n);
		if (rc)
			break;
		c->segs[i] = (noise_raw_segment){idx.segments[i].start, idx.segments[i].sample_rate,
		                                 c->data[i], n};
		c->nsegs++;
		snprintf(out, sizeof out, "%s/%s_%zu.f64", dir, name, i);
		f = fopen(out, "wb");
		if (f) {
			fwrite(c->data[i], sizeof(double), n, f);
			fclose(f);
			fprintf(meta, "%s %lld %.17g %s\n", name, (long long)c->segs[i].start,
			        c->segs[i].fs, out);
		}
	}
	if (idx.nsegments)
		noise_mseed_index_free(&idx);
	return rc;
}

/* The BHN response of the epoch covering the day, or NULL. */
static const struct sx_response *bhn_response(const struct sx_inventory *inv)
{
	const struct sx_network *net = &inv->networks[0];
	const struct sx_channel *ch =
	    sx_find_channel(inv, net->code, net->stations[0].code, "", "BHN", DAY);

	return ch && ch->has_response ? &ch->response : NULL;
}

static void real_day(const char *root)
{
	static const char *const names[] = {"CICCA", "CIHEC"}, *const xmls[] = {"CI_CCA", "CI_HEC"};
	noise_datachunk_params p;
	component comps[2];
	noise_response_cache cache[2];
	struct sx_inventory inv[2] = {{0}};
	char dir[4096], path[4200];
	const char *tmp = getenv("TMPDIR");
	bench b = {&p, comps, 2, 40.0, 0};
	FILE *meta;
	const struct sx_response *r;
	int ncache = 0, rc = example_params(root, &p);

	memset(comps, 0, sizeof comps);
	snprintf(dir, sizeof dir, "%s/strata_bench_datachunk", tmp ? tmp : "/tmp");
	mkdir(dir, 0755);
	snprintf(path, sizeof path, "%s/segments.txt", dir);
	meta = fopen(path, "w");
	for (int s = 0; rc == 0 && s < 2 && meta; s++) {
		snprintf(path, sizeof path, "%s/seismic/noisepy/%s.xml", root, xmls[s]);
		rc = load_day(root, names[s], &comps[s], meta, dir);
		rc = rc ? rc : sx_parse_file(path, &inv[s]);
		r = rc ? NULL : bhn_response(&inv[s]);
		if (!rc && !r)
			rc = strata_error_set(STRATA_ENOTFOUND, "%s: no BHN response", path);
		rc = rc ? rc : noise_response_cache_init(&cache[s], sx_response_fn, (void *)r);
		ncache += rc == 0;
		comps[s].resp = noise_response_cached;
		comps[s].ctx = &cache[s];
	}
	if (meta)
		fclose(meta);
	if (rc || !meta) {
		printf("%-36s skipped: %s\n", "datachunk real day",
		       rc ? strata_error_message() : "no temporary directory");
	} else {
		if (!getenv("DATACHUNK_BENCH_ONE_THREAD"))
			run(&b, "datachunk real day", 0, 3);
		run(&b, "datachunk real day", 1, 3);
	}
	for (int s = 0; s < 2; s++) {
		for (size_t i = 0; i < comps[s].nsegs; i++)
			free(comps[s].data[i]);
		if (s < ncache)
			noise_response_cache_free(&cache[s]);
		sx_inventory_free(&inv[s]);
	}
}

/* ---- the synthetic 20-station day ---- */

/* A velocity seismometer (120 s), gain 1e9 (the tests' response). */
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

/*
 * Station k's counts: two sines and a hash noise (fractional part of
 * sin(i * 12.9898 + k) * 43758.5453), floored; peer_noise.py computes the same.
 */
static double *synthetic_day(size_t n, int k)
{
	double *x = malloc(n * sizeof(*x));

	if (!x)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		double t = (double)i / 40.0, h = sin((double)i * 12.9898 + k) * 43758.5453;
		x[i] = floor(1000.0 * sin(2 * M_PI * 0.15 * t + k) +
		             200.0 * sin(2 * M_PI * 4.0 * t) + 400.0 * (h - floor(h)));
	}
	return x;
}

static void synthetic(void)
{
	static const char params[] =
	    "{\"sampling_rate\": 24, \"prefiltering_low\": 0.01, \"prefiltering_high\": 11.0, "
	    "\"prefiltering_order\": 4, \"preprocessing_taper_type\": \"cosine\", "
	    "\"preprocessing_taper_side\": \"both\", \"preprocessing_taper_max_length\": 5, "
	    "\"preprocessing_taper_max_percentage\": 0.1, \"remove_response\": true, "
	    "\"datachunk_sample_tolerance\": 0.02, \"zero_padding_method\": \"tapered_padded\", "
	    "\"padding_taper_type\": \"cosine\", \"padding_taper_max_length\": 5, "
	    "\"padding_taper_max_percentage\": 10}";
	size_t n = 86400 * 40;
	noise_datachunk_params p;
	component *comps = calloc(STATIONS, sizeof(*comps));
	bench b = {&p, comps, STATIONS, 40.0, 0};
	int ok = comps && noise_datachunk_params_parse(params, &p) == 0;

	for (int k = 0; ok && k < STATIONS; k++) {
		comps[k].data[0] = synthetic_day(n, k);
		comps[k].segs[0] =
		    (noise_raw_segment){DAY + (strata_time)k * 1000000, 40.0, comps[k].data[0], n};
		comps[k].nsegs = 1;
		comps[k].resp = paz_response;
		ok = comps[k].data[0] != NULL;
	}
	if (ok) {
		if (!getenv("DATACHUNK_BENCH_ONE_THREAD"))
			run(&b, "datachunk 20 stations", 0, 2);
		run(&b, "datachunk 20 stations", 1, 2);
	} else {
		printf("%-36s skipped: out of memory\n", "datachunk 20 stations");
	}
	for (int k = 0; comps && k < STATIONS; k++)
		free(comps[k].data[0]);
	free(comps);
}

int main(void)
{
	const char *root = getenv("STRATA_TESTDATA");

	setvbuf(stdout, NULL, _IOLBF, 0);
	real_day(root ? root : "../shared/data");
	if (!getenv("DATACHUNK_BENCH_REAL_ONLY"))
		synthetic();
	return 0;
}
