/*
 * test_datachunk.c - src/noise/datachunk.c against tests/noise/datachunk_reference.py
 * (Noiz's datachunk preparation on ObsPy's semantics in numpy/scipy), run live:
 * the real CI.CCA and CI.HEC BHN day with config_examples/datachunk_params.toml,
 * and synthetic traces for every padding, gap, overlap and resampling case.
 * Decisions (chunk / no chunk / error), sample counts, start times and
 * padded_npts must be equal; samples within 1e-9 of the chunk's max abs.
 */
#include "testutil.h"
#include "pyref.h"

#include <complex.h>
#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "noise/datachunk.h"
#include "noise/mseed_index.h"
#include "noise/params.h"
#include "noise/response.h"
#include "noise/stationxml.h"
#include "strata/buf.h"
#include "strata/conf.h"
#include "strata/error.h"

#define RTOL         1e-9
#define SEC          1000000000LL
#define DAY_2022_002 (1641081600LL * SEC) /* 2022-01-02T00:00:00Z */

#if defined(__SANITIZE_ADDRESS__)
#define REAL_WINDOW_STEP 8 /* every 8th real window under the sanitizers */
#else
#define REAL_WINDOW_STEP 1
#endif

enum expect { EXPECT_CHUNK, EXPECT_NOCHUNK, EXPECT_ERROR };

/* Raw segments of one component and the files the reference reads them from. */
typedef struct dataset {
	noise_raw_segment segs[8];
	double *data[8];
	char files[8][600];
	size_t n;
	int integer;
} dataset;

/* One window to prepare in C and in the reference. */
typedef struct job {
	char name[96];
	const char *params_json;
	strata_time start, end;
	const dataset *ds;
	dsp_response_fn resp;
	void *ctx;
	double sensitivity;
	enum expect expect;
	int rc;
	char message[256]; /* the error message when rc != 0 */
	noise_datachunk c;
} job;

typedef struct batch {
	job jobs[64];
	size_t n;
} batch;

/* ---- responses ---- */

/* A velocity seismometer (2 zeros at 0, a 120 s sensor), gain 1e9. */
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

static int sx_response_fn(void *ctx, const double *freqs, size_t n, double complex *h)
{
	return resp_evaluate(ctx, freqs, n, RESP_UNITS_VEL, h);
}

/* The response at rfftfreq(nfft(n), 1/fs)[1:] into a file the reference reads. */
static void write_response(const job *j, size_t n, double fs, char *path, size_t len)
{
	size_t nfft = dsp_npts2nfft(n), nb = nfft / 2;
	double complex *h = malloc(nb * sizeof(*h));
	double *f = malloc(nb * sizeof(*f));

	assert_non_null(h);
	assert_non_null(f);
	for (size_t k = 0; k < nb; k++)
		f[k] = (double)(k + 1) * fs / (double)nfft;
	assert_ok(j->resp(j->ctx, f, nb, h));
	snprintf(path, len, "%s/resp_%zu_%g.c16", strata_test_dir, n, fs);
	pyref_write(path, h, nb * sizeof(*h));
	free(h);
	free(f);
}

/* ---- data sets ---- */

/* Add a segment (the data are taken over) and write its reference file. */
static void add_segment(dataset *ds, strata_time start, double fs, double *x, size_t n)
{
	size_t i = ds->n++;

	assert_true(i < 8);
	ds->segs[i] = (noise_raw_segment){start, fs, x, n};
	ds->data[i] = x;
	snprintf(ds->files[i], sizeof ds->files[i], "%s/seg_%p_%zu.f64", strata_test_dir,
	         (void *)ds, i);
	pyref_write(ds->files[i], x, n * sizeof(*x));
}

static void dataset_free(dataset *ds)
{
	for (size_t i = 0; i < ds->n; i++)
		free(ds->data[i]);
	memset(ds, 0, sizeof *ds);
}

/* Deterministic noise-like counts: sines, LCG noise, a trend; integral when integer. */
static double *counts(size_t n, double fs, uint64_t seed, int integer)
{
	double *x = malloc((n ? n : 1) * sizeof(*x));

	assert_non_null(x);
	for (size_t i = 0; i < n; i++) {
		double t = (double)i / fs, v;
		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		v = 2000.0 + 0.01 * t + 800.0 * sin(2 * M_PI * 0.2 * t) +
		    300.0 * sin(2 * M_PI * 3.3 * t + 0.4) +
		    ((double)(seed >> 11) / 9007199254740992.0 - 0.5) * 500.0;
		x[i] = integer ? floor(v) : v + 0.123;
	}
	return x;
}

/* ---- running and comparing ---- */

static job *add_job(batch *b, const char *name, const char *params, strata_time start,
                    strata_time end, const dataset *ds, enum expect expect)
{
	job *j;

	assert_true(b->n < sizeof b->jobs / sizeof b->jobs[0]);
	j = &b->jobs[b->n++];
	memset(j, 0, sizeof *j);
	snprintf(j->name, sizeof j->name, "%s", name);
	j->params_json = params;
	j->start = start;
	j->end = end;
	j->ds = ds;
	j->resp = paz_response;
	j->sensitivity = 6.3e8;
	j->expect = expect;
	return j;
}

/* Samples a chunk of j at fs has: whole seconds times fs. */
static size_t expected_out(const job *j, double fs)
{
	long long seconds = (j->end - j->start) / SEC;

	return (size_t)((double)seconds * fs);
}

/* The reference's job description. */
static json_t *job_spec(const job *j)
{
	json_t *spec = json_object(), *segs = json_array(), *params;
	json_error_t err;
	char resp[600];
	double fs_out;

	params = json_loads(j->params_json, 0, &err);
	assert_non_null(params);
	fs_out = json_number_value(json_object_get(params, "sampling_rate"));
	for (size_t i = 0; i < j->ds->n; i++)
		json_array_append_new(segs, json_pack("{s:I, s:f, s:s}", "start",
		                                      (json_int_t)j->ds->segs[i].start, "fs",
		                                      j->ds->segs[i].fs, "file", j->ds->files[i]));
	json_object_set_new(spec, "params", params);
	json_object_set_new(spec, "ts_start", json_integer(j->start));
	json_object_set_new(spec, "ts_end", json_integer(j->end));
	json_object_set_new(spec, "dtype", json_string(j->ds->integer ? "int32" : "float64"));
	json_object_set_new(spec, "segments", segs);
	json_object_set_new(spec, "sensitivity", json_real(j->sensitivity));
	write_response(j, j->rc == 0 ? j->c.n : expected_out(j, fs_out), fs_out, resp, sizeof resp);
	json_object_set_new(spec, "response", json_string(resp));
	return spec;
}

static const char *status_of(int rc)
{
	return rc == 0 ? "ok" : rc == STRATA_ENOTFOUND ? "nochunk" : "error";
}

/* Compare job i with the reference's OUT.i. */
static void compare(const job *j, const char *out, size_t i)
{
	static const char *const want[] = {"ok", "nochunk", "error"};
	char path[700];
	json_error_t err;
	json_t *r;
	const char *status;

	snprintf(path, sizeof path, "%s.%zu.json", out, i);
	r = json_load_file(path, 0, &err);
	assert_non_null(r);
	status = json_string_value(json_object_get(r, "status"));
	assert_non_null(status);
	printf("%-44s C %-7s ref %-7s", j->name, status_of(j->rc), status);
	if (j->rc)
		printf(" (%s)", j->message);
	if (strcmp(status, "ok") != 0)
		printf(" ref: %s", json_string_value(json_object_get(r, "reason")));
	if (j->rc == 0 && strcmp(status, "ok") == 0) {
		size_t n_ref;
		double *ref, e;
		snprintf(path, sizeof path, "%s.%zu.f64", out, i);
		ref = pyref_read_f64(path, &n_ref);
		assert_int_equal(j->c.n, (size_t)json_integer_value(json_object_get(r, "n")));
		assert_int_equal(j->c.n, n_ref);
		assert_int_equal(j->c.start, json_integer_value(json_object_get(r, "start")));
		assert_true(j->c.fs == json_number_value(json_object_get(r, "fs")));
		assert_int_equal(j->c.padded_npts,
		                 json_integer_value(json_object_get(r, "padded_npts")));
		e = pyref_rel_error(j->c.x, ref, n_ref);
		printf(" n=%zu padded=%zu rel.err %.3g", j->c.n, j->c.padded_npts, e);
		assert_true(e <= RTOL);
		free(ref);
	}
	printf("\n");
	assert_string_equal(status_of(j->rc), status);
	assert_string_equal(status, want[j->expect]);
	json_decref(r);
}

/* Prepare every job in C, then in one reference run, and compare. */
static void run_batch(batch *b)
{
	json_t *spec = json_object(), *jobs = json_array();
	char spec_path[600], out[600], args[1300];

	for (size_t i = 0; i < b->n; i++) {
		job *j = &b->jobs[i];
		noise_datachunk_params p;
		assert_ok(noise_datachunk_params_parse(j->params_json, &p));
		j->rc = noise_datachunk_prepare_sens(&p, j->start, j->end, j->ds->segs, j->ds->n,
		                                     j->resp, j->ctx, j->sensitivity, &j->c);
		if (j->rc) {
			assert_null(j->c.x);
			snprintf(j->message, sizeof j->message, "%s", strata_error_message());
		}
		json_array_append_new(jobs, job_spec(j));
	}
	json_object_set_new(spec, "jobs", jobs);
	snprintf(spec_path, sizeof spec_path, "%s/spec.json", strata_test_dir);
	snprintf(out, sizeof out, "%s/out", strata_test_dir);
	assert_int_equal(json_dump_file(spec, spec_path, 0), 0);
	json_decref(spec);
	snprintf(args, sizeof args, "%s %s", spec_path, out);
	pyref_run("datachunk_reference.py", args);
	for (size_t i = 0; i < b->n; i++)
		compare(&b->jobs[i], out, i);
}

static void free_batch(batch *b)
{
	for (size_t i = 0; i < b->n; i++)
		noise_datachunk_free(&b->jobs[i].c);
	free(b);
}

/* Skip before allocating anything when the reference cannot run. */
static void require_reference(void)
{
	pyref_run("datachunk_reference.py", "--probe");
}

/* ---- real data ---- */

/* The whole file, NUL-terminated. */
static char *read_text(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *text;
	long n;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n >= 0);
	rewind(f);
	text = malloc((size_t)n + 1);
	assert_non_null(text);
	assert_int_equal(fread(text, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	text[n] = '\0';
	*len = (size_t)n;
	return text;
}

/* config_examples/datachunk_params.toml as the params_json add-params stores. */
static char *example_params_json(void)
{
	char path[4096];
	strata_conf *root = NULL;
	const strata_conf *table;
	const char *kind;
	strata_buf json = STRATA_BUF_INIT;
	char *text, *out;
	size_t len;

	if (strata_test_data_path("seismic/noiz/config_examples/datachunk_params.toml", path,
	                          sizeof path) != 0)
		return NULL;
	text = read_text(path, &len);
	assert_non_null(text);
	assert_ok(strata_conf_parse_toml(text, len, path, &root));
	assert_ok(noise_params_validate(root, &kind, &table));
	assert_string_equal(kind, "DatachunkParams");
	assert_ok(strata_conf_to_json(table, &json));
	out = strdup(strata_buf_cstr(&json));
	strata_buf_free(&json);
	strata_conf_free(root);
	free(text);
	return out;
}

/* The BHN response of the epoch covering the day, or NULL. */
static const struct sx_response *bhn_response(const struct sx_inventory *inv)
{
	const struct sx_network *net = &inv->networks[0];
	const struct sx_channel *ch =
	    sx_find_channel(inv, net->code, net->stations[0].code, "", "BHN", DAY_2022_002);

	return ch && ch->has_response ? &ch->response : NULL;
}

/* Every REAL_WINDOW_STEP-th 1800 s window of the day through C and the reference. */
static void real_day(const char *ms_rel, const char *xml_rel, const char *params)
{
	char ms[4096], xml[4096];
	noise_mseed_index idx;
	struct sx_inventory inv;
	dataset ds = {0};
	batch *b;
	const struct sx_response *r;

	STRATA_REQUIRE_TESTDATA(ms_rel, ms);
	STRATA_REQUIRE_TESTDATA(xml_rel, xml);
	b = calloc(1, sizeof(*b));
	assert_non_null(b);
	assert_ok(noise_mseed_index_file(ms, &idx));
	for (size_t i = 0; i < idx.nsegments && i < 8; i++) {
		double *x;
		size_t n;
		assert_ok(noise_mseed_read_samples(ms, &idx.segments[i], &x, &n));
		add_segment(&ds, idx.segments[i].start, idx.segments[i].sample_rate, x, n);
	}
	noise_mseed_index_free(&idx);
	ds.integer = 1; /* Steim-2 */
	assert_ok(sx_parse_file(xml, &inv));
	r = bhn_response(&inv);
	assert_non_null(r);
	for (int w = 0; w < 48; w += REAL_WINDOW_STEP) {
		char name[96];
		job *j;
		snprintf(name, sizeof name, "%s window %02d", ms_rel + 16, w);
		j = add_job(b, name, params, DAY_2022_002 + (strata_time)w * 1800 * SEC,
		            DAY_2022_002 + (strata_time)(w + 1) * 1800 * SEC, &ds, EXPECT_CHUNK);
		j->resp = sx_response_fn;
		j->ctx = (void *)r;
	}
	run_batch(b);
	for (size_t i = 0; i < b->n; i++) /* the raw data's sub-sample offset is kept */
		assert_true(b->jobs[i].c.start >= b->jobs[i].start &&
		            b->jobs[i].c.start < b->jobs[i].start + SEC / 40);
	sx_inventory_free(&inv);
	dataset_free(&ds);
	free_batch(b);
}

static void test_real_days(void **state)
{
	char *params;

	(void)state;
	require_reference();
	params = example_params_json();
	if (!params) {
		printf("SKIPPED: ../shared/data not available\n");
		skip();
	}
	real_day("seismic/noisepy/CICCA__BHN___2022002.ms", "seismic/noisepy/CI_CCA.xml", params);
	real_day("seismic/noisepy/CIHEC__BHN___2022002.ms", "seismic/noisepy/CI_HEC.xml", params);
	free(params);
}

/* ---- synthetic cases ---- */

#define PARAMS_RR(rate, pad, rr, extra)                                                            \
	"{\"sampling_rate\": " #rate ", \"prefiltering_low\": 0.01, \"prefiltering_high\": "       \
	"1.9, \"prefiltering_order\": 4, \"preprocessing_taper_type\": \"cosine\", "               \
	"\"preprocessing_taper_side\": \"both\", \"preprocessing_taper_max_length\": 5, "          \
	"\"preprocessing_taper_max_percentage\": 0.1, \"remove_response\": " rr ", "               \
	"\"datachunk_sample_tolerance\": 0.02, \"zero_padding_method\": \"" pad "\", "             \
	"\"padding_taper_type\": \"cosine\", \"padding_taper_max_length\": 5, "                    \
	"\"padding_taper_max_percentage\": 10" extra "}"
#define PARAMS(rate, pad, extra) PARAMS_RR(rate, pad, "true", extra)

#define T0     (DAY_2022_002 + 3600 * SEC) /* a window 01:00 - 01:10 */
#define T1     (T0 + 600 * SEC)
#define OFFSET 7300000LL /* sub-sample offset of the raw data: 7.3 ms */

/* One segment from t0 - before s to t0 + after s at fs (integer counts). */
static void one_segment(dataset *ds, double fs, double from_s, double to_s, uint64_t seed,
                        int integer)
{
	size_t n = (size_t)((to_s - from_s) * fs);
	strata_time start = T0 + (strata_time)llround(from_s * 1e9) + OFFSET;

	add_segment(ds, start, fs, counts(n, fs, seed, integer), n);
	ds->integer = integer;
}

/* Two segments split at sample k, the second starting g samples after the
 * first's end: a gap (g > 0) or an overlap (g < 0, its data changed unless same). */
static void split_segment(dataset *ds, double fs, size_t k, long g, int same, int integer)
{
	size_t n = (size_t)(620 * fs), second = (size_t)((long)k + g), nb = n - second;
	double *x = counts(n, fs, 99, integer), *a = malloc(k * sizeof(*a)),
	       *b = malloc(nb * sizeof(*b));
	strata_time start = T0 - 10 * SEC + OFFSET;

	assert_non_null(a);
	assert_non_null(b);
	memcpy(a, x, k * sizeof(*a));
	memcpy(b, x + second, nb * sizeof(*b));
	for (long i = 0; g < 0 && !same && i < -g; i++)
		b[i] += 37.0;
	add_segment(ds, start, fs, a, k);
	add_segment(ds, start + (strata_time)llround((double)second * 1e9 / fs), fs, b, nb);
	ds->integer = integer;
	free(x);
}

static void test_synthetic(void **state)
{
	static const char *const pads[] = {"padded", "tapered_padded", "interpolated"};
	static dataset full, late, early, both, gap5, gap11, ovl3, same4, fgap, r100, r200, r50,
	    r10, zero, mixed, short90, twice, none, late8;
	static const char p24[] = PARAMS(4, "tapered_padded", "");
	batch *b;
	char name[96];

	(void)state;
	require_reference();
	b = calloc(1, sizeof(*b));
	assert_non_null(b);
	one_segment(&full, 40.0, -10, 610, 1, 1);
	one_segment(&late, 40.0, 8, 610, 2, 1);    /* 8 s missing at the start: 1.3 % */
	one_segment(&early, 40.0, -10, 593, 3, 1); /* 7 s missing at the end */
	one_segment(&both, 40.0, 3, 596, 4, 1);
	split_segment(&gap5, 40.0, 9000, 5, 0, 1);
	split_segment(&gap11, 40.0, 9000, 11, 0, 1);
	split_segment(&ovl3, 40.0, 12000, -3, 0, 1);
	split_segment(&same4, 40.0, 12000, -4, 1, 1);
	split_segment(&fgap, 40.0, 15000, 7, 0, 0); /* float data: no truncation */
	one_segment(&r100, 100.0, -10, 610, 5, 1);
	one_segment(&r200, 200.0, -10, 610, 6, 1);
	one_segment(&r50, 50.0, -10, 610, 7, 0);
	one_segment(&r10, 10.0, -10, 610, 8, 1);
	add_segment(&zero, T0 - SEC, 40.0, calloc(24400, sizeof(double)), 24400);
	zero.integer = 1;
	one_segment(&mixed, 40.0, -10, 300, 9, 1);
	one_segment(&mixed, 20.0, 300, 610, 10, 1);
	one_segment(&short90, 40.0, 60, 610, 11, 1); /* 10 % missing */
	one_segment(&twice, 40.0, -10, 610, 12, 1);
	one_segment(&twice, 40.0, -10, 610, 13, 1); /* everything twice: 200 % */
	one_segment(&none, 40.0, 700, 800, 14, 1);
	add_segment(&late8, T0 + 5 * SEC + 20000000, 40.0, counts(23800, 40.0, 15, 1), 23800);
	late8.integer = 1;

	add_job(b, "continuous 40 -> 4 Hz", p24, T0, T1, &full, EXPECT_CHUNK);
	for (int m = 0; m < 3; m++) {
		static char params[3][1024];
		snprintf(params[m], sizeof params[m], PARAMS(4, "%s", ""), pads[m]);
		snprintf(name, sizeof name, "%s, data late", pads[m]);
		add_job(b, name, params[m], T0, T1, &late, EXPECT_CHUNK);
		snprintf(name, sizeof name, "%s, data end early", pads[m]);
		add_job(b, name, params[m], T0, T1, &early, EXPECT_CHUNK);
		snprintf(name, sizeof name, "%s, both ends", pads[m]);
		add_job(b, name, params[m], T0, T1, &both, EXPECT_CHUNK);
	}
	add_job(b, "interpolated, offset 0.8 sample, late", PARAMS(4, "interpolated", ""), T0, T1,
	        &late8, EXPECT_CHUNK);
	add_job(b, "padded, offset 0.8 sample, late", PARAMS(4, "padded", ""), T0, T1, &late8,
	        EXPECT_CHUNK);
	add_job(b, "gap of 5 samples merged", p24, T0, T1, &gap5, EXPECT_CHUNK);
	add_job(b, "gap of 11 samples refused", p24, T0, T1, &gap11, EXPECT_NOCHUNK);
	add_job(b, "overlap of 3 differing samples", p24, T0, T1, &ovl3, EXPECT_CHUNK);
	add_job(b, "overlap of 4 identical samples", p24, T0, T1, &same4, EXPECT_CHUNK);
	add_job(b, "float data, gap of 7", p24, T0, T1, &fgap, EXPECT_CHUNK);
	add_job(b, "100 -> 25 Hz (decimate 4)", PARAMS(25, "padded", ""), T0, T1, &r100,
	        EXPECT_CHUNK);
	add_job(b, "200 -> 10 Hz (decimate 2, then 10)", PARAMS(10, "padded", ""), T0, T1, &r200,
	        EXPECT_CHUNK);
	add_job(b, "50 -> 20 Hz (Fourier)", PARAMS(20, "padded", ""), T0, T1, &r50, EXPECT_CHUNK);
	add_job(b, "10 -> 4 Hz (Fourier)", p24, T0, T1, &r10, EXPECT_CHUNK);
	add_job(b, "hann taper left, coefficient 2.5",
	        "{\"sampling_rate\": 4, \"prefiltering_low\": 0.05, \"prefiltering_high\": 1.5, "
	        "\"prefiltering_order\": 2, \"preprocessing_taper_type\": \"hann\", "
	        "\"preprocessing_taper_side\": \"left\", \"preprocessing_taper_max_length\": 20, "
	        "\"preprocessing_taper_max_percentage\": 0.05, \"remove_response\": false, "
	        "\"response_constant_coefficient\": 2.5, \"datachunk_sample_tolerance\": 0.02, "
	        "\"zero_padding_method\": \"padded\", \"padding_taper_type\": \"hann\", "
	        "\"padding_taper_max_length\": 5, \"padding_taper_max_percentage\": 0.1}",
	        T0, T1, &late, EXPECT_CHUNK);
	add_job(b, "coefficient 0: divide by sensitivity",
	        PARAMS_RR(4, "padded", "false", ", \"response_constant_coefficient\": 0.0"), T0, T1,
	        &full, EXPECT_CHUNK);
	add_job(b, "all-zero data", p24, T0, T1, &zero, EXPECT_NOCHUNK);
	add_job(b, "mixed sample rates", p24, T0, T1, &mixed, EXPECT_ERROR);
	add_job(b, "90 % of the samples", p24, T0, T1, &short90, EXPECT_NOCHUNK);
	add_job(b, "200 % of the samples", p24, T0, T1, &twice, EXPECT_NOCHUNK);
	add_job(b, "no data in the window", p24, T0, T1, &none, EXPECT_NOCHUNK);
	run_batch(b);
	dataset *all[] = {&full, &late, &early, &both, &gap5, &gap11, &ovl3,    &same4, &fgap,
	                  &r100, &r200, &r50,   &r10,  &zero, &mixed, &short90, &twice, &none};
	for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
		dataset_free(all[i]);
	free_batch(b);
}

/* Midnight-crossing window from two day files, and a window of a whole day. */
static void test_midnight_and_day(void **state)
{
	static const char p[] = PARAMS(4, "tapered_padded", "");
	dataset days = {0}, whole = {0};
	batch *b;
	size_t n1 = 86400 * 10, n2 = 3600 * 10;
	strata_time d1 = DAY_2022_002 - 86400 * SEC + OFFSET;

	(void)state;
	require_reference();
	b = calloc(1, sizeof(*b));
	assert_non_null(b);
	/* day 1 ends with its last sample; day 2 starts one sample later */
	add_segment(&days, DAY_2022_002 - 3600 * SEC + OFFSET, 10.0, counts(n2, 10.0, 21, 1), n2);
	add_segment(&days, DAY_2022_002 + OFFSET, 10.0, counts(n2, 10.0, 22, 1), n2);
	days.integer = 1;
	add_segment(&whole, d1, 10.0, counts(n1, 10.0, 23, 1), n1);
	whole.integer = 1;
	add_job(b, "window across midnight (two files)", p, DAY_2022_002 - 900 * SEC,
	        DAY_2022_002 + 900 * SEC, &days, EXPECT_CHUNK);
	add_job(b, "window of one day", p, DAY_2022_002 - 86400 * SEC, DAY_2022_002, &whole,
	        EXPECT_CHUNK);
	run_batch(b);
	dataset_free(&days);
	dataset_free(&whole);
	free_batch(b);
}

static void test_params(void **state)
{
	noise_datachunk_params p;

	(void)state;
	assert_ok(noise_datachunk_params_parse("{}", &p));
	assert_true(p.sampling_rate == 24.0 && p.max_gap_for_merging == 10);
	assert_int_equal(p.zero_padding_method, NOISE_PADDING_TAPERED_PADDED);
	assert_ok(noise_datachunk_params_parse(
	    "{\"DatachunkParams\": {\"sampling_rate\": 20, \"zero_padding_method\": \"padded\"}}",
	    &p));
	assert_true(p.sampling_rate == 20.0);
	assert_int_equal(p.zero_padding_method, NOISE_PADDING_PADDED);
	/* the ambiguous case: a coefficient with remove_response = true */
	assert_int_equal(
	    noise_datachunk_params_parse(
	        "{\"remove_response\": true, \"response_constant_coefficient\": 0}", &p),
	    STRATA_ESCHEMA);
	assert_ok(noise_datachunk_params_parse(
	    "{\"remove_response\": false, \"response_constant_coefficient\": 0}", &p));
	assert_true(p.has_response_constant_coefficient && p.response_constant_coefficient == 0.0);
	assert_int_equal(noise_datachunk_params_parse("{\"zero_padding_method\": \"x\"}", &p),
	                 STRATA_ESCHEMA);
	assert_int_equal(noise_datachunk_params_parse("{\"sampling_rate\": \"24\"}", &p),
	                 STRATA_ESCHEMA);
	assert_int_equal(noise_datachunk_params_parse("{\"prefiltering_order\": 2.5}", &p),
	                 STRATA_ESCHEMA);
	assert_int_equal(noise_datachunk_params_parse("{\"preprocessing_taper_type\": \"x\"}", &p),
	                 STRATA_ESCHEMA);
	assert_int_equal(noise_datachunk_params_parse("{\"preprocessing_taper_side\": 1}", &p),
	                 STRATA_ESCHEMA);
	assert_int_equal(noise_datachunk_params_parse("{\"preprocessing_taper_side\": \"up\"}", &p),
	                 STRATA_ESCHEMA);
	assert_non_null(strstr(strata_error_message(), "preprocessing_taper_side"));
	assert_ok(noise_datachunk_params_parse("{\"preprocessing_taper_type\": \"hann\", "
	                                       "\"preprocessing_taper_side\": \"left\"}",
	                                       &p));
	assert_int_equal(p.preprocessing_taper_type, DSP_TAPER_HANN);
	assert_int_equal(p.preprocessing_taper_side, DSP_SIDE_LEFT);
	assert_int_equal(noise_datachunk_params_parse("[1, 2", &p), STRATA_EPARSE);
	assert_int_equal(noise_datachunk_params_parse("[]", &p), STRATA_ESCHEMA);
}

/* The memoized response equals the direct evaluation on every grid asked for. */
static void test_response_cache(void **state)
{
	noise_response_cache cache;
	double f1[3] = {0.1, 1.0, 5.0}, f2[2] = {0.2, 3.0};
	double complex h[3], direct[3];

	(void)state;
	assert_ok(noise_response_cache_init(&cache, paz_response, NULL));
	for (int round = 0; round < 2; round++) {
		assert_ok(noise_response_cached(&cache, f1, 3, h));
		assert_ok(paz_response(NULL, f1, 3, direct));
		assert_memory_equal(h, direct, sizeof h);
		assert_ok(noise_response_cached(&cache, f2, 2, h));
		assert_ok(paz_response(NULL, f2, 2, direct));
		assert_memory_equal(h, direct, 2 * sizeof(*h));
	}
	noise_response_cache_free(&cache);
}

/* Hostile segments: none, empty, NULL data, absurd rates, a reversed window. */
static void test_bad_input(void **state)
{
	noise_datachunk_params p;
	noise_datachunk c;
	double x[4] = {1, 2, 3, 4};
	noise_raw_segment s[3] = {{T0, 40.0, NULL, 100}, {T0, NAN, x, 4}, {T0, 40.0, x, 0}};

	(void)state;
	assert_ok(noise_datachunk_params_parse("{}", &p));
	assert_int_equal(noise_datachunk_prepare(&p, T0, T1, NULL, 0, NULL, NULL, &c),
	                 STRATA_ENOTFOUND);
	assert_int_equal(noise_datachunk_prepare(&p, T0, T1, s, 3, NULL, NULL, &c),
	                 STRATA_ENOTFOUND);
	assert_int_equal(noise_datachunk_prepare(&p, T1, T0, s, 3, NULL, NULL, &c), STRATA_EINVAL);
	s[0] = (noise_raw_segment){T0, 40.0, x, 4};
	assert_int_equal(
	    noise_datachunk_prepare(&p, T0, T0 + 100 * SEC / 1000, s, 1, NULL, NULL, &c),
	    STRATA_EINVAL); /* a window shorter than a second */
	assert_null(c.x);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_params),           cmocka_unit_test(test_bad_input),
	    cmocka_unit_test(test_response_cache),   cmocka_unit_test(test_synthetic),
	    cmocka_unit_test(test_midnight_and_day), cmocka_unit_test(test_real_days),
	};
	return cmocka_run_group_tests(tests, strata_test_dir_setup, strata_test_dir_teardown);
}
