/*
 * bench_drill.c - the drill app's offline figures: reading Setitec exports
 * and estimating their keypoints, over every shared export.
 *
 * Prints files/s and samples/s for parsing, and holes/s for parsing plus
 * the deterministic estimators. bench/drill/peer_drill.py times the
 * numpy/scipy reference on the same files the same way.
 *
 * The MQTT side: the in-process correlator alone (messages/s, three
 * messages per hole in shuffled order over 64 tools), the message key of a
 * trace, and drill_hole_process (raw Result + Trace + Heads to the two
 * payloads) in holes/s for traces of 500 to 10000 samples, made from the
 * captured hole mqtt/data2 (1860 samples): deepened by repeating its
 * step-2 run (a thicker stack), then resampled linearly to the size.
 */
#define _XOPEN_SOURCE 700 /* nftw */
#include "drill/config.h"
#include "drill/correlate.h"
#include "drill/estimate.h"
#include "drill/hole.h"
#include "strata/buf.h"
#include "strata/file.h"
#include "strata/error.h"
#include "strata/time.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_FILES 1024

static char *paths[MAX_FILES];
static size_t npaths;

static int collect(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	size_t len = strlen(path);
	(void)st;
	(void)ftw;
	if (flag == FTW_F && len > 4 && !strcmp(path + len - 4, ".xls") && npaths < MAX_FILES)
		paths[npaths++] = strdup(path);
	return 0;
}

static double seconds_since(int64_t start)
{
	return (double)(strata_time_monotonic_ns() - start) / 1e9;
}

/* CPU seconds this process has used: on a machine shared with other work
 * the rate per CPU second is steadier than the wall-clock rate. */
static double cpu_seconds(void)
{
	struct timespec t;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* --- the in-process correlator ------------------------------------------- */

#define CORR_TOOLS 64

static void no_free(void *p)
{
	(void)p;
}

/* Feed holes * 3 messages (order within a hole rotated) and time the adds. */
static void bench_correlator(size_t holes)
{
	drill_corr_options o;
	drill_correlator *c;
	char tools[CORR_TOOLS][16], id[32];
	size_t completed = 0;
	int64_t start;
	double t;

	drill_corr_options_default(&o);
	o.max_buffer_size = 100000;
	if (drill_correlator_new(&o, &c) != 0)
		return;
	for (int i = 0; i < CORR_TOOLS; i++)
		snprintf(tools[i], sizeof tools[i], "tool%d", i);
	start = strata_time_monotonic_ns();
	for (size_t h = 0; h < holes; h++) {
		int64_t ts = 1700000000000000000 + (int64_t)(h / CORR_TOOLS) * 1000000000;
		snprintf(id, sizeof id, "%zu", h / CORR_TOOLS);
		for (int k = 0; k < DRILL_MSG_KINDS; k++) {
			drill_msg_kind kind = (drill_msg_kind)((k + h) % DRILL_MSG_KINDS);
			drill_msg m = {kind,
			               "toolbox",
			               tools[h % CORR_TOOLS],
			               kind == DRILL_MSG_HEADS ? NULL : id,
			               ts,
			               (void *)tools,
			               no_free};
			drill_corr_set set;
			if (drill_correlator_add(c, &m, (int64_t)h, &set) == DRILL_ADD_COMPLETE) {
				completed++;
				drill_corr_set_free(&set);
			}
		}
	}
	t = seconds_since(start);
	printf("%-36s %12.0f messages/s  (%zu holes, %zu complete)\n", "correlator (in-process)",
	       (double)(holes * DRILL_MSG_KINDS) / t, holes, completed);
	drill_correlator_free(c);
}

/* --- holes from raw messages -------------------------------------------------- */

/* v resampled linearly to n points (nearest for step numbers). */
static double resample(const double *v, size_t m, size_t n, size_t i, int nearest)
{
	double x = n > 1 ? (double)i * (double)(m - 1) / (double)(n - 1) : 0;
	size_t lo = (size_t)x;
	double f = x - (double)lo;

	if (lo + 1 >= m)
		return v[m - 1];
	if (nearest)
		return f < 0.5 ? v[lo] : v[lo + 1];
	return v[lo] + f * (v[lo + 1] - v[lo]);
}

/* The first run of step code 2 in t: [*a, *b); 0 when there is none. */
static int step2_run(const drill_trace *t, size_t *a, size_t *b)
{
	size_t i = 0;

	while (i < t->n && t->step[i] != 2)
		i++;
	*a = i;
	while (i < t->n && t->step[i] == 2)
		i++;
	*b = i;
	return *b - *a >= 2;
}

/* t made deeper: `cycles` more copies of its step-2 run, each continuing
 * the position where the previous ended, the rest shifted after them.
 * out[k] holds t->n + cycles * run samples. */
static int deepen(const drill_trace *t, size_t cycles, double *out[4], size_t *m)
{
	const double *in[4] = {t->position, t->torque, t->thrust, t->step};
	size_t a, b, o = 0;

	if (!step2_run(t, &a, &b))
		cycles = 0;
	size_t run = b - a, total = t->n + cycles * run;
	double depth =
	    cycles ? t->position[b - 1] - t->position[a] + t->position[a + 1] - t->position[a] : 0;
	for (int k = 0; k < 4; k++)
		if (!(out[k] = malloc((total + 1) * sizeof(double))))
			return -1;
	for (size_t i = 0; i < t->n; i++) {
		for (size_t c = 0; i == b && c < cycles; c++)
			for (size_t j = a; j < b; j++, o++)
				for (int k = 0; k < 4; k++)
					out[k][o] =
					    in[k][j] + (k == 0 ? (double)(c + 1) * depth : 0);
		for (int k = 0; k < 4; k++)
			out[k][o] = in[k][i] + (k == 0 && i >= b ? (double)cycles * depth : 0);
		o++;
	}
	*m = total;
	return 0;
}

/* A Trace message of n samples: data2 deepened to at least n samples (a
 * thicker stack at the same feed), then resampled linearly to exactly n. */
static char *trace_message(const drill_trace *t, size_t n, size_t *len)
{
	static const char *const keys[4] = {"PositionTrace", "IntensityTorqueTrace",
	                                    "IntensityThrustTrace", "StepNumberTrace"};
	size_t ra, rb, m = 0, cycles = 0;
	double *arrays[4] = {NULL, NULL, NULL, NULL};
	strata_buf b = STRATA_BUF_INIT;
	const char *pre = "nsu=http://airbus.com/IJT/ADrilling;s=Objects.DeviceSet.bench."
	                  "ResultManagement.Results.0.ResultContent.Trace.StepTraces.";

	if (n > t->n && step2_run(t, &ra, &rb))
		cycles = (n - t->n + (rb - ra) - 1) / (rb - ra);
	if (deepen(t, cycles, arrays, &m) != 0) {
		for (int k = 0; k < 4; k++)
			free(arrays[k]);
		return NULL;
	}
	strata_buf_printf(
	    &b,
	    "{\"MessageId\":\"bench\",\"Messages\":{\"Payload\":{\"%s%s.StepResultId\":"
	    "{\"Value\":%s,\"SourceTimestamp\":\"2024-12-04T19:14:42Z\"}",
	    pre, keys[0], t->result_id);
	for (int k = 0; k < 4; k++) {
		strata_buf_printf(&b, ",\"%s%s.StepTraceContent[0].Values\":{\"Value\":[", pre,
		                  keys[k]);
		for (size_t i = 0; i < n; i++)
			strata_buf_printf(&b, "%s%.9g", i ? "," : "",
			                  resample(arrays[k], m, n, i, k == 3));
		strata_buf_puts(&b, "],\"SourceTimestamp\":\"2024-12-04T19:14:42Z\"}");
		free(arrays[k]);
	}
	strata_buf_puts(&b, "}}}");
	*len = b.len;
	return strata_buf_detach(&b);
}

/* Process the hole `rounds` times; prints holes/s and the message key rate. */
static void bench_hole(const drill_config *cfg, const char *result, size_t rlen, const char *heads,
                       size_t hlen, const char *trace, size_t tlen, size_t samples)
{
	drill_corr_set set = {0};
	drill_raw_msg *m[3];
	const size_t rounds = samples <= 2000 ? 400 : 100;
	size_t errors = 0;
	char label[64];
	int64_t start;
	double t;

	if (drill_raw_msg_new("OPCPUBSUB/tb/tl/ResultManagement", result, rlen, &m[0]) ||
	    drill_raw_msg_new("OPCPUBSUB/tb/tl/ResultManagement/Trace", trace, tlen, &m[1]) ||
	    drill_raw_msg_new("OPCPUBSUB/tb/tl/AssetManagement/Heads", heads, hlen, &m[2]))
		return;
	set.toolbox = (char *)"tb";
	set.tool = (char *)"tl";
	for (int k = 0; k < 3; k++) {
		set.payload[k] = m[k];
		set.present |= 1u << k;
	}
	drill_msg_key(cfg, DRILL_MSG_RESULT, m[0], &set.result_id, &set.timestamp);
	start = strata_time_monotonic_ns();
	for (size_t r = 0; r < rounds * 20; r++) {
		char *id = NULL;
		int64_t ts;
		drill_msg_key(cfg, DRILL_MSG_TRACE, m[1], &id, &ts);
		free(id);
	}
	t = seconds_since(start);
	snprintf(label, sizeof label, "message key (trace %zu samples)", samples);
	printf("%-36s %12.0f messages/s  (%zu bytes; the id entry comes first)\n", label,
	       (double)(rounds * 20) / t, tlen);
	double cpu = cpu_seconds();
	start = strata_time_monotonic_ns();
	for (size_t r = 0; r < rounds; r++) {
		drill_hole_result hr;
		if (drill_hole_process(cfg, &set, &hr) != 0 || hr.error)
			errors++;
		drill_hole_result_free(&hr);
	}
	t = seconds_since(start);
	cpu = cpu_seconds() - cpu;
	snprintf(label, sizeof label, "hole process (%zu samples)", samples);
	printf("%-36s %12.0f holes/s  (%zu holes, %zu with Error; %.0f per CPU second)\n", label,
	       (double)rounds / t, rounds, errors, (double)rounds / cpu);
	free(set.result_id);
	for (int k = 0; k < 3; k++)
		drill_raw_msg_free(m[k]);
}

/* Read a capture file under the shared data; NULL when absent. */
static char *capture(const char *root, const char *rel, size_t *len)
{
	char path[4096], *data = NULL;

	snprintf(path, sizeof path, "%s/drilling/mqtt/%s", root, rel);
	if (strata_file_read_all(path, 0, &data, len) != 0)
		return NULL;
	return data;
}

static void bench_holes(const char *root)
{
	static const size_t sizes[] = {500, 1860, 5000, 10000};
	drill_config cfg;
	drill_trace tr;
	size_t rl, tl, hl;
	char *result = capture(root, "data2/Result.json", &rl);
	char *trace = capture(root, "data2/Trace.json", &tl);
	char *heads = capture(root, "data_20250326/Heads.json", &hl);

	if (!result || !trace || !heads || drill_config_defaults(&cfg) != 0 ||
	    drill_trace_parse(trace, tl, "data2", NULL, &tr) != 0) {
		printf("%-36s skipped: no mqtt/data2 capture under %s\n", "hole process", root);
		free(result);
		free(trace);
		free(heads);
		return;
	}
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		size_t len;
		char *msg = trace_message(&tr, sizes[i], &len);
		if (msg)
			bench_hole(&cfg, result, rl, heads, hl, msg, len, sizes[i]);
		free(msg);
	}
	drill_trace_free(&tr);
	drill_config_free(&cfg);
	free(result);
	free(trace);
	free(heads);
}

int main(void)
{
	const char *root = getenv("STRATA_TESTDATA");
	static drill_setitec files[MAX_FILES];
	char dir[4096];
	size_t samples = 0, ok = 0;
	const int rounds = 20;
	int64_t start;
	double t;

	if (!root || !*root)
		root = "../shared/data";
	bench_correlator(200000);
	bench_holes(root);
	snprintf(dir, sizeof dir, "%s/drilling/setitec", root);
	if (nftw(dir, collect, 16, FTW_PHYS) != 0 || npaths == 0) {
		printf("%-36s skipped: no Setitec exports under %s\n", "setitec parse", dir);
		return 0;
	}
	start = strata_time_monotonic_ns();
	for (size_t i = 0; i < npaths; i++) {
		if (drill_setitec_read(paths[i], &files[i]) != 0) {
			fprintf(stderr, "%s\n", strata_error_message());
			return 1;
		}
		samples += files[i].n_rows;
	}
	t = seconds_since(start);
	printf("%-36s %12.0f files/s  (%zu files, %.1fM samples/s)\n", "setitec parse",
	       (double)npaths / t, npaths, (double)samples / t / 1e6);
	start = strata_time_monotonic_ns();
	for (int r = 0; r < rounds; r++) {
		for (size_t i = 0; i < npaths; i++) {
			drill_setitec f;
			drill_trace_buf tb;
			drill_keypoints kp;
			if (drill_setitec_read(paths[i], &f) != 0 ||
			    drill_trace_from_setitec(&f, paths[i], &tb) != 0)
				return 1;
			if (drill_estimate(&drill_estimator_deterministic, &tb.view, &kp) == 0)
				ok++;
			drill_trace_buf_free(&tb);
			drill_setitec_free(&f);
		}
	}
	t = seconds_since(start);
	printf("%-36s %12.0f holes/s  (%zu estimates in %.3f s)\n", "parse + estimate",
	       (double)(rounds * npaths) / t, (size_t)rounds * npaths, t);
	for (size_t i = 0; i < npaths; i++) {
		drill_setitec_free(&files[i]);
		free(paths[i]);
	}
	return ok ? 0 : 1;
}
