/* test_hole.c - one hole from raw messages to the published payloads: keys,
 * golden payloads of the captured holes, bad input, json.dumps formatting and
 * the negative-depth run. */
#include "testutil.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "drill/config.h"
#include "drill/estimate.h"
#include "drill/hole.h"
#include "drill/pyjson.h"
#include "drill/setitec.h"
#include "strata/file.h"

#define ROOT   "OPCPUBSUB/tb1/tool1/"
#define KP     ROOT "ResultManagement.Results.0.ResultContent.DepthEstimation.KeyPoints"
#define DE     ROOT "ResultManagement.Results.0.ResultContent.DepthEstimation.DepthEstimation"
#define ALGO   "strata-deterministic/1"
#define T_PATH "ResultManagement.Results.0.ResultContent.Trace.StepTraces."

static drill_config cfg;

static int setup(void **state)
{
	(void)state;
	return drill_config_defaults(&cfg);
}

static int teardown(void **state)
{
	(void)state;
	drill_config_free(&cfg);
	return 0;
}

/* Read a shared-data file (NULL when the data is absent). */
static char *slurp(const char *rel, size_t *len)
{
	char path[1024], *data = NULL;

	if (strata_test_data_path(rel, path, sizeof(path)) != 0)
		return NULL;
	assert_ok(strata_file_read_all(path, 0, &data, len));
	return data;
}

/* A set as the correlator hands it over: the messages (heads may be NULL)
 * on the service's topics, keyed by the Result. Takes over the data. */
static void make_set(char *result, size_t rlen, char *trace, size_t tlen, char *heads, size_t hlen,
                     drill_corr_set *set)
{
	static const char *const topics[DRILL_MSG_KINDS] = {
	    ROOT "ResultManagement", ROOT "ResultManagement/Trace", ROOT "AssetManagement/Heads"};
	char *data[DRILL_MSG_KINDS] = {result, trace, heads};
	size_t len[DRILL_MSG_KINDS] = {rlen, tlen, hlen};

	memset(set, 0, sizeof(*set));
	set->toolbox = strdup("tb1");
	set->tool = strdup("tool1");
	for (int k = 0; k < DRILL_MSG_KINDS; k++) {
		drill_raw_msg *m;
		if (!data[k])
			continue;
		assert_ok(drill_raw_msg_new(topics[k], data[k], len[k], &m));
		free(data[k]);
		set->payload[k] = m;
		set->payload_free[k] = drill_raw_msg_free;
		set->present |= 1u << k;
	}
	assert_ok(drill_msg_key(&cfg, DRILL_MSG_RESULT, set->payload[DRILL_MSG_RESULT],
	                        &set->result_id, &set->timestamp));
}

/* Process a set and free it. */
static void process(drill_corr_set *set, drill_hole_result *r)
{
	assert_ok(drill_hole_process(&cfg, set, r));
	drill_corr_set_free(set);
	assert_string_equal(r->pub[DRILL_PUB_KEYPOINTS].topic, KP);
	assert_string_equal(r->pub[DRILL_PUB_DEPTH].topic, DE);
	for (int i = 0; i < DRILL_PUBS; i++)
		assert_int_equal(strlen(r->pub[i].payload), r->pub[i].len);
	assert_string_equal(r->algo, ALGO);
}

/* The hole of a capture directory, optionally with its Heads message. */
static int capture_set(const char *dir, const char *result, int with_heads, drill_corr_set *set)
{
	char rel[256];
	size_t rl = 0, tl = 0, hl = 0;
	char *r, *t, *h = NULL;

	snprintf(rel, sizeof(rel), "drilling/mqtt/%s/%s", dir, result);
	if (!(r = slurp(rel, &rl)))
		return -1;
	snprintf(rel, sizeof(rel), "drilling/mqtt/%s/Trace.json", dir);
	t = slurp(rel, &tl);
	assert_non_null(t);
	if (with_heads) {
		snprintf(rel, sizeof(rel), "drilling/mqtt/%s/Heads.json", dir);
		h = slurp(rel, &hl);
		assert_non_null(h);
	}
	make_set(r, rl, t, tl, h, hl, set);
	return 0;
}

/* The payloads an error hole must carry, field for field. */
static void expect_error_payloads(const drill_hole_result *r, const char *head, const char *w1,
                                  const char *w2)
{
	char want[256];

	assert_int_equal(r->error, 1);
	assert_true(isnan(r->depth_mm));
	assert_non_null(r->reason);
	if (w1 && !strstr(r->reason, w1))
		fail_msg("reason '%s' lacks '%s'", r->reason, w1);
	if (w2 && !strstr(r->reason, w2))
		fail_msg("reason '%s' lacks '%s'", r->reason, w2);
	for (int i = 0; i < DRILL_PUBS; i++) {
		const char *p = r->pub[i].payload;
		json_error_t err;
		json_t *j = json_loads(p, 0, &err);
		strata_buf text = STRATA_BUF_INIT;

		assert_non_null(j);
		assert_true(strncmp(p, head, strlen(head)) == 0);
		snprintf(want, sizeof(want), "Error in %s estimation: ",
		         i == DRILL_PUB_KEYPOINTS ? "keypoint" : "depth");
		strata_buf_printf(&text, "%s%s", want, r->reason);
		assert_string_equal(json_string_value(json_object_get(j, "Value")),
		                    strata_buf_cstr(&text));
		assert_true(json_is_true(json_object_get(j, "Error")));
		assert_null(json_object_get(j, "AlgoVersion"));
		assert_int_equal(json_object_size(j), 6);
		assert_true(strstr(p, "\"Error\": true}") ==
		            p + strlen(p) - strlen("\"Error\": true}"));
		strata_buf_free(&text);
		json_decref(j);
	}
}

/* The keypoints `strata drill estimate FILE.xls` gives for an export. */
static void xls_keypoints(const char *rel, drill_keypoints *kp)
{
	char path[1024];
	drill_setitec f;
	drill_trace_buf t;

	assert_int_equal(strata_test_data_path(rel, path, sizeof(path)), 0);
	assert_ok(drill_setitec_read(path, &f));
	assert_ok(drill_trace_from_setitec(&f, path, &t));
	assert_ok(drill_estimate(&drill_estimator_deterministic, &t.view, kp));
	drill_trace_buf_free(&t);
	drill_setitec_free(&f);
}

/* data2 and its export: the published payloads, byte for byte. */
static void test_golden_data2(void **state)
{
	drill_corr_set set;
	drill_hole_result r;
	drill_keypoints x;
	char want[1024], a[32], b[32], c[32], d[32], e[32];

	(void)state;
	if (capture_set("data2", "Result.json", 0, &set))
		skip();
	process(&set, &r);
	assert_int_equal(r.error, 0);
	assert_null(r.reason);
	/* the same keypoints as the Setitec export of the same hole */
	xls_keypoints("drilling/mqtt/data_20250326/17070141_17070141_ST_59_55.xls", &x);
	assert_true(x.entry.ok && x.transition.ok && x.exit.ok);
	assert_true(r.keypoints[0] == x.entry.position);
	assert_true(r.keypoints[1] == x.transition.position);
	assert_true(r.keypoints[2] == x.exit.position);
	assert_true(r.depths[0] == x.transition.position - x.entry.position);
	assert_true(r.depths[1] == x.exit.position - x.transition.position);
	assert_true(r.depth_mm == fmin(r.depths[0], r.depths[1]));
	snprintf(want, sizeof(want),
	         "{\"SourceTimestamp\": \"2024-12-04T19:14:42Z\", \"MachineId\": \"17070141\", "
	         "\"ResultId\": \"2409\", \"HeadId\": null, \"Value\": [%s, %s, %s], "
	         "\"AlgoVersion\": \"" ALGO "\"}",
	         drill_py_float_repr(x.entry.position, a, sizeof(a)),
	         drill_py_float_repr(x.transition.position, b, sizeof(b)),
	         drill_py_float_repr(x.exit.position, c, sizeof(c)));
	assert_string_equal(r.pub[DRILL_PUB_KEYPOINTS].payload, want);
	snprintf(want, sizeof(want),
	         "{\"SourceTimestamp\": \"2024-12-04T19:14:42Z\", \"MachineId\": \"17070141\", "
	         "\"ResultId\": \"2409\", \"HeadId\": null, \"Value\": [%s, %s], "
	         "\"AlgoVersion\": \"" ALGO "\"}",
	         drill_py_float_repr(r.depths[0], d, sizeof(d)),
	         drill_py_float_repr(r.depths[1], e, sizeof(e)));
	assert_string_equal(r.pub[DRILL_PUB_DEPTH].payload, want);
	/* and literally, as Python's json.dumps writes these numbers */
	assert_string_equal(r.pub[DRILL_PUB_KEYPOINTS].payload,
	                    "{\"SourceTimestamp\": \"2024-12-04T19:14:42Z\", \"MachineId\": "
	                    "\"17070141\", \"ResultId\": \"2409\", \"HeadId\": null, \"Value\": "
	                    "[4.805, 5.219, 17.691], \"AlgoVersion\": \"" ALGO "\"}");
	assert_string_equal(r.pub[DRILL_PUB_DEPTH].payload,
	                    "{\"SourceTimestamp\": \"2024-12-04T19:14:42Z\", \"MachineId\": "
	                    "\"17070141\", \"ResultId\": \"2409\", \"HeadId\": null, \"Value\": "
	                    "[0.4140000000000006, 12.471999999999998], \"AlgoVersion\": \"" ALGO
	                    "\"}");
	drill_hole_result_free(&r);
}

/* data0: its export has no transition point; the hole says so. */
static void test_golden_data0(void **state)
{
	drill_corr_set set;
	drill_hole_result r;
	drill_keypoints x;

	(void)state;
	if (capture_set("data0", "Result.json", 0, &set))
		skip();
	process(&set, &r);
	xls_keypoints("drilling/mqtt/data0/23120040_23120040_ST_2409_59.xls", &x);
	assert_false(x.transition.ok);
	assert_true(r.kp.entry.ok && r.kp.entry.position == x.entry.position);
	assert_true(r.kp.exit.ok && r.kp.exit.position == x.exit.position);
	assert_false(r.kp.transition.ok);
	assert_string_equal(r.kp.transition.reason, x.transition.reason);
	expect_error_payloads(
	    &r,
	    "{\"SourceTimestamp\": \"2024-12-11T08:24:49Z\", \"MachineId\": "
	    "\"23120040\", \"ResultId\": \"2409\", \"HeadId\": null, \"Value\": "
	    "\"Error in ",
	    "ResultManagement/Trace: transition keypoint not found: ", x.transition.reason);
	drill_hole_result_free(&r);
}

/* data1: a single-step programme. */
static void test_single_step(void **state)
{
	drill_corr_set set;
	drill_hole_result r;

	(void)state;
	if (capture_set("data1", "Result.json", 0, &set))
		skip();
	process(&set, &r);
	expect_error_payloads(&r,
	                      "{\"SourceTimestamp\": \"2024-12-11T15:33:29Z\", \"MachineId\": "
	                      "\"23120040\", \"ResultId\": \"2412\", \"HeadId\": null,",
	                      "Not enough steps to estimate depth", "only step 1");
	drill_hole_result_free(&r);
}

/* The full captures with Heads: HeadId published; the truncated trace of
 * data_20250626 is an Error result naming the position of the damage. */
static void test_captures_with_heads(void **state)
{
	drill_corr_set set;
	drill_hole_result r;

	(void)state;
	if (capture_set("data_20250326", "ResultManagement.json", 1, &set))
		skip();
	process(&set, &r);
	assert_string_equal(r.head_id, "E00401009F45BACA");
	assert_null(r.heads_warning);
	assert_true(strstr(r.pub[0].payload,
	                   "\"MachineId\": \"0\", \"ResultId\": \"440\", "
	                   "\"HeadId\": \"E00401009F45BACA\", \"Value\": ") != NULL);
	/* its 3-step trace has a stationary segment: the exit says why it is missing */
	expect_error_payloads(&r, "{\"SourceTimestamp\": \"2024-05-15T07:29:33Z\"",
	                      "exit keypoint not found", "median feed 0");
	drill_hole_result_free(&r);

	assert_int_equal(capture_set("data_20250626", "ResultManagement.json", 1, &set), 0);
	process(&set, &r);
	expect_error_payloads(
	    &r,
	    "{\"SourceTimestamp\": \"2024-05-15T07:04:19Z\", \"MachineId\": \"0\", "
	    "\"ResultId\": \"432\", \"HeadId\": \"E00401009F45BACA\",",
	    ROOT "ResultManagement/Trace:1:20001: invalid JSON: parse error: premature EOF", NULL);
	drill_hole_result_free(&r);

	assert_int_equal(capture_set("data_20250623", "ResultManagement.json", 1, &set), 0);
	process(&set, &r);
	assert_string_equal(r.head_id, "E00401009F78AA43");
	expect_error_payloads(&r, "{\"SourceTimestamp\": \"2025-06-23T14:07:43Z\"",
	                      "Not enough steps", NULL);
	drill_hole_result_free(&r);
}

/* --- bad input built from data2 ------------------------------------------------ */

/* data2's trace, decoded, for editing. */
static json_t *data2_trace(void)
{
	size_t len;
	char *t = slurp("drilling/mqtt/data2/Trace.json", &len);
	json_error_t err;
	json_t *j;

	if (!t)
		return NULL;
	j = json_loadb(t, len, 0, &err);
	free(t);
	assert_non_null(j);
	return j;
}

/* The Value array of the first payload key containing path. */
static json_t *trace_values(json_t *trace, const char *path)
{
	const char *key;
	json_t *entry, *payload = json_object_get(json_object_get(trace, "Messages"), "Payload");

	json_object_foreach(payload, key, entry)
	{
		if (strstr(key, path))
			return json_object_get(entry, "Value");
	}
	fail_msg("no key contains %s", path);
	return NULL;
}

/* Process data2's Result with an edited trace (consumed). */
static void process_edited(json_t *trace, drill_hole_result *r)
{
	size_t rl = 0;
	char *res = slurp("drilling/mqtt/data2/Result.json", &rl);
	char *t = json_dumps(trace, JSON_COMPACT);
	drill_corr_set set;

	assert_non_null(res);
	assert_non_null(t);
	json_decref(trace);
	make_set(res, rl, t, strlen(t), NULL, 0, &set);
	process(&set, r);
}

static void test_trace_without_step2(void **state)
{
	json_t *t = data2_trace(), *steps;
	drill_hole_result r;
	size_t i;
	json_t *v;

	(void)state;
	if (!t)
		skip();
	steps = trace_values(t, T_PATH "StepNumberTrace.StepTraceContent[0].Values");
	json_array_foreach(steps, i, v)
	{
		if (json_number_value(v) == 2)
			json_array_set_new(steps, i, json_integer(3));
	}
	process_edited(t, &r);
	expect_error_payloads(&r, "{\"SourceTimestamp\": \"2024-12-04T19:14:42Z\"",
	                      "transition keypoint not found", "step 2");
	drill_hole_result_free(&r);
}

static void test_mismatched_lengths(void **state)
{
	json_t *t = data2_trace();
	drill_hole_result r;

	(void)state;
	if (!t)
		skip();
	json_t *torque = trace_values(t, T_PATH "IntensityTorqueTrace.StepTraceContent[0].Values");
	json_array_remove(torque, json_array_size(torque) - 1);
	process_edited(t, &r);
	expect_error_payloads(&r, "{\"SourceTimestamp\": \"2024-12-04T19:14:42Z\"",
	                      "IntensityTorqueTrace",
	                      "1859 samples, but the position trace has 1860");
	drill_hole_result_free(&r);
}

static void test_nulls_and_nan(void **state)
{
	json_t *t = data2_trace();
	drill_hole_result r;

	(void)state;
	if (!t)
		skip();
	json_array_set_new(trace_values(t, T_PATH "PositionTrace.StepTraceContent[0].Values"), 5,
	                   json_null());
	process_edited(t, &r);
	expect_error_payloads(&r, "{\"SourceTimestamp\"", "position sample 5 of 1860 is null",
	                      NULL);
	drill_hole_result_free(&r);

	t = data2_trace();
	json_array_set_new(trace_values(t, T_PATH "StepNumberTrace.StepTraceContent[0].Values"), 7,
	                   json_null());
	process_edited(t, &r);
	expect_error_payloads(&r, "{\"SourceTimestamp\"", "step number sample 7 of 1860 is null",
	                      NULL);
	drill_hole_result_free(&r);

	/* NaN is not JSON: the trace is invalid, the hole still gets its Error */
	size_t rl = 0, tl = 0;
	char *res = slurp("drilling/mqtt/data2/Result.json", &rl);
	char *tr = slurp("drilling/mqtt/data2/Trace.json", &tl);
	char *at = strstr(tr, "PositionTrace.StepTraceContent[0].Values");
	assert_non_null(at);
	at = strstr(at, "\"Value\"");
	assert_non_null(at);
	at = strchr(at, '[');
	assert_non_null(at);
	at += 1 + strspn(at + 1, " \r\n\t");
	size_t width = strcspn(at, ",] \r\n");
	assert_true(width >= 3);
	memset(at, ' ', width);
	/* NOLINTNEXTLINE(bugprone-not-null-terminated-result): overwrites a number in place */
	memcpy(at, "NaN", 3); /* the first position sample */
	drill_corr_set set;
	make_set(res, rl, tr, tl, NULL, 0, &set);
	process(&set, &r);
	expect_error_payloads(&r, "{\"SourceTimestamp\"",
	                      "ResultManagement/Trace:", "invalid JSON");
	drill_hole_result_free(&r);
}

/* A 100 MB trace: attributed by its key, refused by the parser's limit. */
static void test_huge_payload(void **state)
{
	static const char head[] =
	    "{\"Messages\":{\"Payload\":{\"s=Objects." T_PATH "PositionTrace.StepResultId\":"
	    "{\"Value\":2409,\"SourceTimestamp\":\"2024-12-04T19:14:42Z\"},"
	    "\"s=Objects." T_PATH "PositionTrace.StepTraceContent[0].Values\":{\"Value\":[";
	const size_t total = 100u << 20;
	char *big, *res;
	size_t rl = 0, off = strlen(head);
	drill_corr_set set;
	drill_hole_result r;
	char *id = NULL;
	int64_t ts;

	(void)state;
	if (!(res = slurp("drilling/mqtt/data2/Result.json", &rl)))
		skip();
	big = malloc(total + 1);
	assert_non_null(big);
	memcpy(big, head, off);
	while (off + 16 < total) {
		memcpy(big + off, "-0.706,", 7);
		off += 7;
	}
	memcpy(big + off, "0]}}}}", 6);
	off += 6;
	big[off] = '\0';
	char topic[] = "OPCPUBSUB/tb1/tool1/ResultManagement/Trace";
	drill_raw_msg m = {topic, big, off};
	assert_ok(drill_msg_key(&cfg, DRILL_MSG_TRACE, &m, &id, &ts));
	assert_string_equal(id, "2409");
	free(id);
	make_set(res, rl, big, off, NULL, 0, &set);
	process(&set, &r);
	expect_error_payloads(&r, "{\"SourceTimestamp\": \"2024-12-04T19:14:42Z\"",
	                      "ResultManagement/Trace: message of", "bytes exceeds");
	drill_hole_result_free(&r);
}

/* Messages that cannot be attributed get a key error naming the topic. */
static void test_unattributable(void **state)
{
	drill_raw_msg *m;
	char *id = (char *)"x";
	int64_t ts;

	(void)state;
	assert_ok(drill_raw_msg_new("OPCPUBSUB/a/b/ResultManagement", "{\"Mess", 6, &m));
	assert_int_equal(m->data[6], '\0');
	assert_int_equal(drill_msg_key(&cfg, DRILL_MSG_RESULT, m, &id, &ts), STRATA_EPARSE);
	assert_null(id);
	assert_non_null(
	    strstr(strata_error_message(), "OPCPUBSUB/a/b/ResultManagement:1:7: invalid JSON"));
	drill_raw_msg_free(m);
	assert_ok(drill_raw_msg_new("t/a/b/Heads", "{\"Messages\":{\"Payload\":{}}}", 27, &m));
	assert_int_equal(drill_msg_key(&cfg, DRILL_MSG_HEADS, m, &id, &ts), STRATA_ESCHEMA);
	assert_non_null(strstr(strata_error_message(), "t/a/b/Heads: no payload key contains"));
	drill_raw_msg_free(m);
	assert_ok(drill_raw_msg_new("t/a/b/x", "", 0, &m));
	assert_true(drill_msg_key(&cfg, DRILL_MSG_TRACE, m, &id, &ts) < 0);
	drill_raw_msg_free(m);
	drill_raw_msg_free(NULL);
}

/* A set without its Trace, a Heads message that is not JSON, ids that
 * differ: Error results (or a HeadId of null) with the reason. */
static void test_incomplete_and_inconsistent(void **state)
{
	size_t rl = 0, tl = 0;
	char *res = slurp("drilling/mqtt/data2/Result.json", &rl), *tr;
	drill_corr_set set;
	drill_hole_result r;

	(void)state;
	if (!res)
		skip();
	make_set(res, rl, NULL, 0, strdup("not json"), 8, &set);
	process(&set, &r);
	expect_error_payloads(
	    &r,
	    "{\"SourceTimestamp\": \"2024-12-04T19:14:42Z\", \"MachineId\": null, "
	    "\"ResultId\": \"2409\", \"HeadId\": null,",
	    "the hole has no Trace message", NULL);
	assert_non_null(r.heads_warning);
	assert_non_null(strstr(r.heads_warning, "AssetManagement/Heads:1:"));
	drill_hole_result_free(&r);

	res = slurp("drilling/mqtt/data2/Result.json", &rl);
	tr = slurp("drilling/mqtt/data0/Trace.json", &tl);
	char *p = strstr(tr, "2409"); /* data0's trace id is 2409 too: make it 2408 */
	assert_non_null(p);
	p[3] = '8';
	make_set(res, rl, tr, tl, NULL, 0, &set);
	process(&set, &r);
	expect_error_payloads(&r, "{\"SourceTimestamp\"", "trace result id 2408 differs", NULL);
	drill_hole_result_free(&r);
}

/* Custom root and estimation topics from the configuration. */
static void test_configured_topics(void **state)
{
	static const char yaml[] = "mqtt:\n"
	                           "  listener:\n"
	                           "    root: \"plant/line\"\n"
	                           "  estimation:\n"
	                           "    keypoints: \"KP\"\n"
	                           "    depth_estimation: \"Depth\"\n";
	drill_config c;
	drill_corr_set set;
	drill_hole_result r;

	(void)state;
	assert_ok(drill_config_parse(yaml, strlen(yaml), "test.yaml", &c));
	if (capture_set("data2", "Result.json", 0, &set)) {
		drill_config_free(&c);
		skip();
	}
	assert_ok(drill_hole_process(&c, &set, &r));
	assert_string_equal(r.pub[0].topic, "plant/line/tb1/tool1/KP");
	assert_string_equal(r.pub[1].topic, "plant/line/tb1/tool1/Depth");
	drill_hole_result_free(&r);
	drill_corr_set_free(&set);
	drill_config_free(&c);
}

/* Python's repr(float) and json.dumps(str). */
static void test_pyjson(void **state)
{
	static const struct {
		double v;
		const char *repr;
	} cases[] = {
	    {0.4140000000000006, "0.4140000000000006"},
	    {20.0, "20.0"},
	    {1e16, "1e+16"},
	    {1e15, "1000000000000000.0"},
	    {1e-5, "1e-05"},
	    {0.0001, "0.0001"},
	    {-0.0, "-0.0"},
	    {0.0, "0.0"},
	    {123456789012345680.0, "1.2345678901234568e+17"},
	    {5e-324, "5e-324"},
	    {1.7976931348623157e308, "1.7976931348623157e+308"},
	    {0.30000000000000004, "0.30000000000000004"},
	    {-4.805, "-4.805"},
	    {NAN, "NaN"},
	    {INFINITY, "Infinity"},
	    {-INFINITY, "-Infinity"},
	};
	char buf[48];
	strata_buf b = STRATA_BUF_INIT;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_string_equal(drill_py_float_repr(cases[i].v, buf, sizeof(buf)),
		                    cases[i].repr);
	drill_py_json_string(&b, "\xc3\xa9\x7f\x01\"\\\n\xf0\x9f\x98\x80\xff.");
	assert_string_equal(strata_buf_cstr(&b),
	                    "\"\\u00e9\\u007f\\u0001\\\"\\\\\\n\\ud83d\\ude00\\ufffd.\"");
	strata_buf_reset(&b);
	drill_py_json_string(&b, NULL);
	assert_string_equal(strata_buf_cstr(&b), "null");
	strata_buf_free(&b);
}

static void test_negative_run(void **state)
{
	drill_config c = cfg;
	drill_negative_run run;
	const int64_t s = 1000000000;

	(void)state;
	c.track_sequential_negatives = 1;
	c.sequential_threshold = 3;
	c.sequential_window_minutes = 1;
	drill_negative_run_init(&run, &c);
	assert_int_equal(drill_negative_run_note(&run, -1, 0), 0);
	assert_int_equal(drill_negative_run_note(&run, NAN, 1 * s), 0); /* error: no change */
	assert_int_equal(drill_negative_run_note(&run, -1, 2 * s), 0);
	assert_int_equal(drill_negative_run_note(&run, -1, 3 * s), 1); /* third in a row */
	assert_int_equal(drill_negative_run_note(&run, -1, 4 * s), 0); /* a new run */
	assert_int_equal(drill_negative_run_note(&run, 0.5, 5 * s), 0);
	assert_int_equal(drill_negative_run_note(&run, -1, 6 * s), 0);
	assert_int_equal(drill_negative_run_note(&run, -1, 7 * s), 0);
	assert_int_equal(drill_negative_run_note(&run, -1, 200 * s), 0); /* outside the window */
	assert_int_equal(drill_negative_run_note(&run, -1, 201 * s), 0);
	assert_int_equal(drill_negative_run_note(&run, -1, 202 * s), 1);
	c.track_sequential_negatives = 0;
	drill_negative_run_init(&run, &c);
	for (int i = 0; i < 10; i++)
		assert_int_equal(drill_negative_run_note(&run, -1, i * s), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_golden_data2),
	    cmocka_unit_test(test_golden_data0),
	    cmocka_unit_test(test_single_step),
	    cmocka_unit_test(test_captures_with_heads),
	    cmocka_unit_test(test_trace_without_step2),
	    cmocka_unit_test(test_mismatched_lengths),
	    cmocka_unit_test(test_nulls_and_nan),
	    cmocka_unit_test(test_huge_payload),
	    cmocka_unit_test(test_unattributable),
	    cmocka_unit_test(test_incomplete_and_inconsistent),
	    cmocka_unit_test(test_configured_topics),
	    cmocka_unit_test(test_pyjson),
	    cmocka_unit_test(test_negative_run),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
