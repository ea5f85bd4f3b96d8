/* test_opcua.c - OPC UA PubSub JSON Result/Trace parsing and topic splitting. */
#include "testutil.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "drill/opcua.h"
#include "strata/file.h"

#define NS  "nsu=http://airbus.com/IJT/ADrilling;s=Objects.DeviceSet.unit."
#define RES NS "ResultManagement.Results.0."
#define SV  RES "ResultContent.StepResults.0.StepResultValues."
#define TR  RES "ResultContent.Trace.StepTraces."
#define TS  "\"SourceTimestamp\":\"2024-12-11T08:24:49.123456789Z\""

/* Wrap payload entries into a message. */
static char *message(const char *entries)
{
	static const char head[] = "{\"MessageId\":\"x\",\"Messages\":{\"Payload\":{";
	size_t n = strlen(head) + strlen(entries) + 8;
	char *s = malloc(n);

	assert_non_null(s);
	snprintf(s, n, "%s%s}}}", head, entries);
	return s;
}

/* A Result message with the given JSON values and key suffix. */
static char *result_msg(const char *id, const char *serial, const char *steps, const char *tq,
                        const char *th, const char *eval, const char *sfx)
{
	size_t n = 4096 + strlen(steps) + strlen(tq) + strlen(th);
	char *e = malloc(n), *s;

	assert_non_null(e);
	snprintf(e, n,
	         "\"" RES "ResultMetaData.CreationTime\":{\"Value\":\"x\"," TS "},"
	         "\"" RES "ResultMetaData.ResultId\":{\"Value\":%s," TS "},"
	         "\"" RES "ResultMetaData.SerialNumber\":{\"Value\":%s," TS "},"
	         "\"" RES "ResultMetaData.ResultEvaluation\":{\"Value\":%s," TS "},"
	         "\"" SV "StepNumber%s\":{\"Value\":%s," TS "},"
	         "\"" SV "IntensityTorqueEmpty%s\":{\"Value\":%s," TS "},"
	         "\"" SV "IntensityThrustEmpty%s\":{\"Value\":%s," TS "}",
	         id, serial, eval, sfx, steps, sfx, tq, sfx, th);
	s = message(e);
	free(e);
	return s;
}

/* A Trace message with the given sample arrays. */
static char *trace_msg(const char *id, const char *pos, const char *tq, const char *th,
                       const char *st)
{
	char e[4096];

	snprintf(e, sizeof(e),
	         "\"" TR "PositionTrace.StepResultId\":{\"Value\":%s," TS "},"
	         "\"" TR "PositionTrace.StepTraceContent[0].Values\":{\"Value\":%s," TS "},"
	         "\"" TR "IntensityTorqueTrace.StepTraceContent[0].Values\":{\"Value\":%s," TS "},"
	         "\"" TR "IntensityThrustTrace.StepTraceContent[0].Values\":{\"Value\":%s," TS "},"
	         "\"" TR "StepNumberTrace.StepTraceContent[0].Values\":{\"Value\":%s," TS "}",
	         id, pos, tq, th, st);
	return message(e);
}

/* A Trace message whose position array is pos (any size), the others tiny. */
static char *trace_msg_big(const char *id, const char *pos)
{
	size_t n = 4096 + strlen(pos);
	char *e = malloc(n), *s;

	assert_non_null(e);
	snprintf(e, n,
	         "\"" TR "PositionTrace.StepResultId\":{\"Value\":%s," TS "},"
	         "\"" TR "PositionTrace.StepTraceContent[0].Values\":{\"Value\":%s," TS "}",
	         id, pos);
	s = message(e);
	free(e);
	return s;
}

static int parse_result(const char *s, drill_result *r)
{
	return drill_result_parse(s, strlen(s), "Result.json", NULL, r);
}

static int parse_trace(const char *s, drill_trace *t)
{
	return drill_trace_parse(s, strlen(s), "Trace.json", NULL, t);
}

/* Expect a failure with code and a message containing each of the words. */
static void expect_error(int rc, int code, const char *w1, const char *w2)
{
	const char *m = strata_error_message();

	if (rc != code)
		fail_msg("rc %d, expected %d: %s", rc, code, m);
	if (w1 && !strstr(m, w1))
		fail_msg("message '%s' lacks '%s'", m, w1);
	if (w2 && !strstr(m, w2))
		fail_msg("message '%s' lacks '%s'", m, w2);
}

static void test_result_int_ids_lists(void **state)
{
	char *s =
	    result_msg("2409", "23120040", "[1,2]", "[5.225,3.076]", "[0.293,0.188]", "true", "");
	drill_result r;
	strata_time want;

	(void)state;
	assert_ok(parse_result(s, &r));
	assert_string_equal(r.result_id, "2409");
	assert_string_equal(r.serial, "23120040");
	assert_int_equal(r.n_steps, 2);
	assert_int_equal(r.step_numbers[1], 2);
	assert_true(r.torque_empty[0] == 5.225 && r.thrust_empty[1] == 0.188);
	assert_int_equal(r.evaluation, 1);
	assert_ok(strata_time_parse_iso8601("2024-12-11T08:24:49.123456789Z", &want));
	assert_true(r.timestamp == want);
	assert_int_equal(r.timestamp % 1000, 789);
	drill_result_free(&r);
	free(s);
}

static void test_result_string_ids_scalars_suffix(void **state)
{
	char *s =
	    result_msg("\"1210\"", "\"0\"", "1", "3.076", "0.516", "\"NotOK\"", ".MeasuredValue");
	drill_result r;

	(void)state;
	assert_ok(parse_result(s, &r));
	assert_string_equal(r.result_id, "1210");
	assert_string_equal(r.serial, "0");
	assert_int_equal(r.n_steps, 1);
	assert_int_equal(r.step_numbers[0], 1);
	assert_true(r.torque_empty[0] == 3.076 && r.thrust_empty[0] == 0.516);
	assert_int_equal(r.evaluation, 0);
	drill_result_free(&r);
	free(s);
}

static void test_result_evaluations(void **state)
{
	static const struct {
		const char *json;
		int want;
	} cases[] = {{"true", 1}, {"false", 0}, {"\"OK\"", 1}, {"\"Ok\"", 1}, {"\"NotOK\"", 0}};
	drill_result r;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *s = result_msg("1", "2", "1", "1", "1", cases[i].json, "");

		assert_ok(parse_result(s, &r));
		assert_int_equal(r.evaluation, cases[i].want);
		drill_result_free(&r);
		free(s);
	}
	char *bad = result_msg("1", "2", "1", "1", "1", "\"maybe\"", "");
	expect_error(parse_result(bad, &r), STRATA_ESCHEMA, "ResultEvaluation", "OK");
	free(bad);
}

static void test_result_hostile(void **state)
{
	static const struct {
		const char *id, *serial, *steps, *tq, *th, *word;
	} cases[] = {
	    {"1.5", "2", "1", "1", "1", "ResultId"},
	    {"null", "2", "1", "1", "1", "ResultId"},
	    {"\"\"", "2", "1", "1", "1", "ResultId"},
	    {"1", "[2]", "1", "1", "1", "SerialNumber"},
	    {"1", "2", "[1.5]", "[1]", "[1]", "StepNumber"},
	    {"1", "2", "[1,2]", "[1]", "[1,2]", "differ in length"},
	    {"1", "2", "[1]", "[\"x\"]", "[1]", "IntensityTorqueEmpty"},
	    {"1", "2", "[1]", "[1]", "[null]", "IntensityThrustEmpty"},
	    {"1", "2", "{}", "1", "1", "StepNumber"},
	};
	drill_result r;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *s = result_msg(cases[i].id, cases[i].serial, cases[i].steps, cases[i].tq,
		                     cases[i].th, "true", "");

		expect_error(parse_result(s, &r), STRATA_ESCHEMA, "Result.json", cases[i].word);
		assert_null(r.result_id);
		free(s);
	}
}

static void test_message_hostile(void **state)
{
	drill_result r;
	drill_trace t;
	char *s;

	(void)state;
	expect_error(parse_result("{\"Messages\":", &r), STRATA_EPARSE,
	             "Result.json:1:", "invalid JSON");
	expect_error(parse_result("[]", &r), STRATA_ESCHEMA, "Messages.Payload", NULL);
	expect_error(parse_result("{}", &r), STRATA_ESCHEMA, "Messages.Payload", NULL);
	expect_error(parse_trace("{\"Messages\":{\"Payload\":[]}}", &t), STRATA_ESCHEMA, "Payload",
	             NULL);
	expect_error(drill_result_parse(NULL, 0, NULL, NULL, &r), STRATA_EPARSE, "message", NULL);
	s = message("\"" RES "ResultMetaData.ResultId\":5");
	expect_error(parse_result(s, &r), STRATA_ESCHEMA, "ResultId", "expected an object");
	free(s);
	s = message("\"" RES "ResultMetaData.ResultId\":{\"SourceTimestamp\":\"2024-01-01\"}");
	expect_error(parse_result(s, &r), STRATA_ESCHEMA, "ResultId", "no Value");
	free(s);
	s = message("\"" RES "ResultMetaData.ResultId\":{\"Value\":1,\"SourceTimestamp\":\"x\"}");
	expect_error(parse_result(s, &r), STRATA_EPARSE, "SourceTimestamp", NULL);
	free(s);
	s = message("\"" RES "ResultMetaData.ResultId\":{\"Value\":1}");
	expect_error(parse_result(s, &r), STRATA_ESCHEMA, "SourceTimestamp", "missing");
	free(s);
	s = message("\"" RES "ResultMetaData.ResultId\":{\"Value\":1," TS "}");
	expect_error(parse_result(s, &r), STRATA_ESCHEMA, "no payload key contains",
	             "SerialNumber");
	free(s);
}

static void test_trace_nulls_and_variants(void **state)
{
	char *s = trace_msg("\"1210\"", "[-1,-2.5,null]", "[0,null,1]", "[1,2,3]", "[1,1.0,2]");
	drill_trace t;

	(void)state;
	assert_ok(parse_trace(s, &t));
	assert_string_equal(t.result_id, "1210");
	assert_int_equal(t.n, 3);
	assert_true(t.position[1] == -2.5 && isnan(t.position[2]));
	assert_true(isnan(t.torque[1]) && t.torque[2] == 1.0);
	assert_true(t.step[1] == 1.0);
	assert_int_equal(t.n_null, 2);
	drill_trace_free(&t);
	free(s);

	s = trace_msg("7", "[]", "[]", "[]", "[]");
	assert_ok(parse_trace(s, &t));
	assert_int_equal(t.n, 0);
	assert_string_equal(t.result_id, "7");
	drill_trace_free(&t);
	free(s);
}

static void test_trace_hostile(void **state)
{
	static const struct {
		const char *id, *pos, *tq, *th, *st, *w1, *w2;
	} cases[] = {
	    {"1", "[1,2]", "[1]", "[1,2]", "[1,2]", "IntensityTorqueTrace", "1 samples"},
	    {"1", "[1,2]", "[1,2]", "[1,2]", "[1,2,3]", "StepNumberTrace", "3 samples"},
	    {"1", "5", "[1]", "[1]", "[1]", "PositionTrace", "expected an array"},
	    {"1", "[1,\"2\"]", "[1,2]", "[1,2]", "[1,2]", "element 1", "or null, got a string"},
	    {"1", "[[1]]", "[1]", "[1]", "[1]", "element 0", "got an array"},
	    {"true", "[1]", "[1]", "[1]", "[1]", "StepResultId", "got a boolean"},
	};
	drill_trace t;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *s =
		    trace_msg(cases[i].id, cases[i].pos, cases[i].tq, cases[i].th, cases[i].st);

		expect_error(parse_trace(s, &t), STRATA_ESCHEMA, cases[i].w1, cases[i].w2);
		assert_null(t.position);
		free(s);
	}
}

/* The streaming Trace scan: numbers of any length, overflow, repeated keys,
 * a key two paths want, a second Payload. */
static void test_trace_scan_details(void **state)
{
	static const char long_num[] =
	    "0.00000000000000000000000000000000000000000000000000000000000000000000000000001"
	    "25e+75";
	char pos[256];
	drill_trace t;
	char *s;

	(void)state;
	snprintf(pos, sizeof(pos), "[%s,-1.5e-3]", long_num);
	s = trace_msg("\"h1\"", pos, "[1,2]", "[null,3]", "[1,2]");
	assert_ok(parse_trace(s, &t));
	assert_true(t.position[0] == strtod(long_num, NULL) && t.position[1] == -1.5e-3);
	assert_true(isnan(t.thrust[0]) && t.n_null == 1);
	assert_string_equal(t.result_id, "h1");
	drill_trace_free(&t);
	free(s);
	s = trace_msg("1", "[1e400]", "[1]", "[1]", "[1]");
	expect_error(parse_trace(s, &t), STRATA_EPARSE, "PositionTrace",
	             "element 0: number out of range");
	free(s);
	/* a second Value in a wanted entry */
	s = message("\"" TR "PositionTrace.StepResultId\":{\"Value\":1,\"Value\":2," TS "}");
	expect_error(parse_trace(s, &t), STRATA_ESCHEMA, "StepResultId", "Value given twice");
	free(s);
	/* one payload key that two configured paths want */
	drill_data_ids ids = *drill_data_ids_default();
	ids.torque = "PositionTrace";
	s = trace_msg("1", "[1]", "[1]", "[1]", "[1]");
	expect_error(drill_trace_parse(s, strlen(s), "Trace.json", &ids, &t), STRATA_ESCHEMA,
	             "PositionTrace.StepResultId", "the key also contains 'PositionTrace'");
	free(s);
	/* only the first Payload counts */
	static const char two[] = "{\"Messages\":{\"Payload\":{},\"Payload\":{\"" TR
	                          "PositionTrace.StepResultId\":{\"Value\":1," TS "}}}}";
	expect_error(drill_trace_parse(two, strlen(two), "Trace.json", NULL, &t), STRATA_ESCHEMA,
	             "no payload key contains", "StepResultId");
	char *id = NULL;
	strata_time ts;
	expect_error(drill_payload_key(two, strlen(two), "Trace.json", "StepResultId", 0, &id, &ts),
	             STRATA_ESCHEMA, "no payload key contains", NULL);
	assert_null(id);
}

/* Too many program steps: a limit error, not an allocation of the whole input. */
/* The samples arrays are read without yajl: whitespace, nulls, signed zeros
 * and exponents read as yajl + strtod read them; anything that is not a
 * number, null, comma or whitespace leaves the array to yajl, whose syntax
 * errors give the line and column. */
static void test_trace_samples_syntax(void **state)
{
	static const char *const bad[] = {"[1,]",   "[1 2]", "[01]", "[1.]", "[nul]", "[-]",
	                                  "[1,,2]", "[,1]",  "[1e]", "[.5]", "[+1]",  "[1]]"};
	drill_trace t;
	char *s;

	(void)state;
	s = trace_msg("1", "[ -0 ,\n\t1E2,\r\n null , -1.25e-1 ]", "[1,2,3,4]", "[ ]", "[1,2,3,4]");
	expect_error(parse_trace(s, &t), STRATA_ESCHEMA, "IntensityThrustTrace", "0 samples");
	free(s);
	s = trace_msg("1", "[ -0 ,\n\t1E2,\r\n null , -1.25e-1 ]", "[1,2,3,4]",
	              "[0.1,1e-2,2E+1,null]", "[1,2,3,4]");
	assert_ok(parse_trace(s, &t));
	assert_int_equal(t.n, 4);
	assert_true(t.position[0] == 0 && signbit(t.position[0]) && t.position[1] == 100);
	assert_true(isnan(t.position[2]) && t.position[3] == -0.125);
	assert_true(t.thrust[0] == strtod("0.1", NULL) && t.thrust[1] == strtod("1e-2", NULL));
	assert_true(t.thrust[2] == 20 && isnan(t.thrust[3]) && t.n_null == 2);
	drill_trace_free(&t);
	free(s);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		s = trace_msg("1", bad[i], "[1]", "[1]", "[1]");
		expect_error(parse_trace(s, &t), STRATA_EPARSE, "Trace.json:1:", "invalid JSON");
		assert_null(t.position);
		free(s);
	}
	/* cut inside an array: the error is at the end of the message */
	s = trace_msg("1", "[1]", "[1]", "[1]", "[1]");
	char *cut = strstr(s, "\"Value\":[1]");
	assert_non_null(cut);
	cut[10] = '\0';
	expect_error(parse_trace(s, &t), STRATA_EPARSE, "Trace.json:1:", "invalid JSON");
	free(s);
	/* a syntax error on line 2 */
	s = trace_msg("1", "[1,\n 2 3]", "[1,2]", "[1,2]", "[1,2]");
	expect_error(parse_trace(s, &t), STRATA_EPARSE, "Trace.json:2:", "invalid JSON");
	free(s);
}

/* msg with the payload entry `extra` inserted first. */
static char *with_entry(const char *msg, const char *extra)
{
	const char *at = strstr(msg, "\"Payload\":{");
	size_t n = strlen(msg) + strlen(extra) + 2;
	char *s = malloc(n);

	assert_non_null(at);
	assert_non_null(s);
	at += strlen("\"Payload\":{");
	snprintf(s, n, "%.*s%s,%s", (int)(at - msg), msg, extra, at);
	return s;
}

/* Arrays nothing wants are checked as they are skipped: numbers of any
 * range, nulls, nested values; a syntax error in one is still an error. */
static void test_trace_other_arrays(void **state)
{
	static const char *const good[] = {
	    "\"a\":{\"Value\":[1e400, null,-0, 2.5E-3]}",
	    "\"a\":{\"Value\":[1,\"x\",{\"b\":[3,[4]]},true]}",
	    "\"a\":[[],[[1]],[ ]]",
	};
	static const char *const bad[] = {"\"a\":{\"Value\":[1,]}", "\"a\":[01]",
	                                  "\"a\":{\"Value\":[1,\"x\",]}"};
	char *base = trace_msg("1", "[1,2]", "[3,4]", "[5,6]", "[1,2]");
	drill_trace t;

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		char *s = with_entry(base, good[i]);
		assert_ok(parse_trace(s, &t));
		assert_int_equal(t.n, 2);
		assert_true(t.position[1] == 2 && t.torque[0] == 3 && t.n_null == 0);
		drill_trace_free(&t);
		free(s);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *s = with_entry(base, bad[i]);
		expect_error(parse_trace(s, &t), STRATA_EPARSE, "Trace.json:1:", "invalid JSON");
		free(s);
	}
	/* a number of 100,000 digits nothing wants is only checked */
	const size_t big_len = 100016;
	char *big = malloc(big_len);
	assert_non_null(big);
	snprintf(big, big_len, "\"a\":[");
	memset(big + 5, '9', 100000);
	snprintf(big + 100005, big_len - 100005, ",0.5]");
	char *s = with_entry(base, big);
	assert_ok(parse_trace(s, &t));
	assert_int_equal(t.n, 2);
	drill_trace_free(&t);
	free(s);
	free(big);
	free(base);
}

static void test_limits(void **state)
{
	size_t n = DRILL_MAX_STEPS + 1, cap = 4 * n + 16, len;
	char *arr = malloc(cap), *s, e[512];
	drill_result r;

	(void)state;
	assert_non_null(arr);
	len = 0;
	arr[len++] = '[';
	for (size_t i = 0; i < n; i++)
		len += (size_t)snprintf(arr + len, cap - len, "%s1", i ? "," : "");
	arr[len++] = ']';
	arr[len] = '\0';
	s = result_msg("1", "2", arr, "1", "1", "true", "");
	expect_error(parse_result(s, &r), STRATA_ELIMIT, "StepNumber", "limit");
	free(s);
	free(arr);
	/* a trace one sample over the limit */
	n = (size_t)DRILL_MAX_SAMPLES + 1;
	arr = malloc(2 * n + 2);
	assert_non_null(arr);
	arr[0] = '[';
	for (size_t i = 0; i < n; i++)
		memcpy(arr + 1 + 2 * i, "0,", 2);
	arr[2 * n] = ']';
	arr[2 * n + 1] = '\0';
	s = trace_msg_big("1", arr);
	drill_trace t;
	expect_error(parse_trace(s, &t), STRATA_ELIMIT, "PositionTrace", "exceed the limit");
	free(s);
	free(arr);
	snprintf(e, sizeof(e), "x");
	expect_error(drill_result_parse(e, (size_t)DRILL_MAX_MESSAGE_BYTES + 1, "big", NULL, &r),
	             STRATA_ELIMIT, "big", NULL);
}

/* The first key containing the path wins; Messages may be an array. */
static void test_first_match_and_array(void **state)
{
	char e[2048], *s;
	drill_trace t;

	(void)state;
	snprintf(e, sizeof(e),
	         "{\"Messages\":[{\"Payload\":{"
	         "\"a." TR "PositionTrace.StepResultId\":{\"Value\":11," TS "},"
	         "\"b." TR "PositionTrace.StepResultId\":{\"Value\":22," TS "},"
	         "\"" TR "PositionTrace.StepTraceContent[0].Values\":{\"Value\":[1]},"
	         "\"" TR "IntensityTorqueTrace.StepTraceContent[0].Values\":{\"Value\":[2]},"
	         "\"" TR "IntensityThrustTrace.StepTraceContent[0].Values\":{\"Value\":[3]},"
	         "\"" TR "StepNumberTrace.StepTraceContent[0].Values\":{\"Value\":[4]}}}]}");
	s = e;
	assert_ok(parse_trace(s, &t));
	assert_string_equal(t.result_id, "11");
	assert_true(t.step[0] == 4.0);
	drill_trace_free(&t);
}

static void test_topic(void **state)
{
	char *a, *b, *c;

	(void)state;
	assert_ok(drill_topic_parse("OPCPUBSUB/ILLL502033771/toolA/ResultManagement", "OPCPUBSUB",
	                            &a, &b, &c));
	assert_string_equal(a, "ILLL502033771");
	assert_string_equal(b, "toolA");
	assert_string_equal(c, "ResultManagement");
	free(a), free(b), free(c);
	assert_ok(drill_topic_parse("x/y/tb/tl/Trace", "x/y", &a, &b, &c));
	assert_string_equal(a, "tb");
	assert_string_equal(c, "Trace");
	free(a), free(b), free(c);
	assert_ok(drill_topic_parse("r/tb/tl/Heads", NULL, &a, &b, &c));
	assert_string_equal(b, "tl");
	free(a), free(b), free(c);
	a = b = c = NULL;
	expect_error(drill_topic_parse("other/tb/tl/Trace", "root", &a, &b, &c), STRATA_EPARSE,
	             "root", NULL);
	expect_error(drill_topic_parse("root/tb/tl", "root", &a, &b, &c), STRATA_EPARSE,
	             "{toolbox}", NULL);
	expect_error(drill_topic_parse("root/tb/tl/Trace/x", "root", &a, &b, &c), STRATA_EPARSE,
	             "{toolbox}", NULL);
	expect_error(drill_topic_parse("root//tl/Trace", "root", &a, &b, &c), STRATA_EPARSE,
	             "toolbox level", NULL);
	expect_error(drill_topic_parse("root/tb/+/Trace", "root", &a, &b, &c), STRATA_EPARSE,
	             "tool level", NULL);
	expect_error(drill_topic_parse("rootx/tb/tl/Trace", "root", &a, &b, &c), STRATA_EPARSE,
	             NULL, NULL);
	expect_error(drill_topic_parse("/tb/tl/Trace", NULL, &a, &b, &c), STRATA_EPARSE, NULL,
	             NULL);
	assert_null(a);
}

/* Read a shared-data file into memory. */
static char *slurp(const char *rel, size_t *len)
{
	char path[1024], *data = NULL;

	if (strata_test_data_path(rel, path, sizeof(path)) != 0)
		return NULL;
	assert_ok(strata_file_read_all(path, 0, &data, len));
	return data;
}

/* Expected values of the shared captures. */
struct capture {
	const char *dir, *result, *trace;
	const char *result_id, *serial;
	size_t n_steps, n;
	double torque_empty0, position0;
	const char *when;
	int evaluation;
};

static const struct capture captures[] = {
    {"data0", "Result.json", "Trace.json", "2409", "23120040", 2, 492, 5.225, -0.706,
     "2024-12-11T08:24:49Z", 1},
    {"data1", "Result.json", "Trace.json", "2412", "23120040", 1, 135, 5.078, -0.718,
     "2024-12-11T15:33:29Z", 1},
    {"data2", "Result.json", "Trace.json", "2409", "17070141", 4, 1860, 4.736, -0.642,
     "2024-12-04T19:14:42Z", 1},
    {"data_20250326", "ResultManagement.json", "Trace.json", "440", "0", 3, 9769, 4.687, -0.551,
     "2024-05-15T07:29:33Z", 1},
    {"data_20250623", "ResultManagement.json", "Trace.json", "1210", "0", 1, 18, 3.076, -3.007,
     "2025-06-23T14:07:43Z", 0},
};

static void check_capture(const struct capture *c)
{
	char rel[256];
	size_t len = 0;
	char *data;
	drill_result r;
	drill_trace t;
	strata_time when;

	snprintf(rel, sizeof(rel), "drilling/mqtt/%s/%s", c->dir, c->result);
	data = slurp(rel, &len);
	if (!data)
		skip();
	assert_ok(drill_result_parse(data, len, rel, NULL, &r));
	free(data);
	assert_string_equal(r.result_id, c->result_id);
	assert_string_equal(r.serial, c->serial);
	assert_int_equal(r.n_steps, c->n_steps);
	assert_true(r.torque_empty[0] == c->torque_empty0);
	assert_int_equal(r.evaluation, c->evaluation);
	assert_ok(strata_time_parse_iso8601(c->when, &when));
	assert_true(r.timestamp == when);
	snprintf(rel, sizeof(rel), "drilling/mqtt/%s/%s", c->dir, c->trace);
	data = slurp(rel, &len);
	assert_non_null(data);
	assert_ok(drill_trace_parse(data, len, rel, NULL, &t));
	free(data);
	assert_string_equal(t.result_id, c->result_id);
	assert_int_equal(t.n, c->n);
	assert_true(t.position[0] == c->position0);
	assert_int_equal(t.n_null, 0);
	assert_true(t.timestamp == when);
	drill_result_free(&r);
	drill_trace_free(&t);
}

static void test_captures(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(captures) / sizeof(captures[0]); i++)
		check_capture(&captures[i]);
}

static void test_truncated_capture(void **state)
{
	size_t len = 0;
	char *data = slurp("drilling/mqtt/data_20250626/Trace.json", &len);
	drill_trace t;

	(void)state;
	if (!data)
		skip();
	expect_error(drill_trace_parse(data, len, "data_20250626/Trace.json", NULL, &t),
	             STRATA_EPARSE, "data_20250626/Trace.json:1:", "invalid JSON");
	free(data);
	/* the same capture's Result message is fine */
	data = slurp("drilling/mqtt/data_20250626/ResultManagement.json", &len);
	drill_result r;
	assert_ok(drill_result_parse(data, len, "ResultManagement.json", NULL, &r));
	assert_string_equal(r.result_id, "432");
	assert_int_equal(r.n_steps, 3);
	assert_int_equal(r.evaluation, 1);
	drill_result_free(&r);
	free(data);
}

#define HD NS "AssetManagement.Assets.Heads.0."

/* A Heads message whose SerialNumber entry has the given Value (NULL: none). */
static char *heads_msg(const char *value)
{
	char e[2048];

	if (value)
		snprintf(e, sizeof(e),
		         "\"" HD "Identification.Model\":{\"Value\":\"Collet\","
		         "\"SourceTimestamp\":\"2024-05-15T07:29:32Z\"},"
		         "\"" HD "Identification.SerialNumber\":{\"Value\":%s," TS "}",
		         value);
	else
		snprintf(e, sizeof(e),
		         "\"" HD "Identification.Model\":{\"Value\":\"Collet\","
		         "\"SourceTimestamp\":\"2024-05-15T07:29:32Z\"}");
	return message(e);
}

/* Parse a Heads message with the given Value; returns the head id text or
 * "<null>". */
static void expect_head_id(const char *value, const char *want)
{
	char *s = heads_msg(value);
	drill_heads h;
	strata_time ts;

	assert_ok(drill_heads_parse(s, strlen(s), "Heads", NULL, &h));
	if (!want)
		assert_null(h.head_id);
	else
		assert_string_equal(h.head_id, want);
	assert_ok(strata_time_parse_iso8601(
	    value ? "2024-12-11T08:24:49.123456789Z" : "2024-05-15T07:29:32Z", &ts));
	assert_true(h.timestamp == ts);
	/* the streaming key agrees on the timestamp */
	strata_time key_ts = 0;
	assert_ok(drill_payload_key(s, strlen(s), "Heads", drill_data_ids_default()->head_id, 1,
	                            NULL, &key_ts));
	assert_true(key_ts == ts);
	drill_heads_free(&h);
	free(s);
}

static void test_heads_variants(void **state)
{
	(void)state;
	expect_head_id("\"E00401009F45BACA\"", "E00401009F45BACA");
	expect_head_id("\"  E004 \\n\"", "E004");
	expect_head_id("41", "41");
	expect_head_id("-7", "-7");
	expect_head_id("2.5", "2.5");
	expect_head_id("1e16", "1e+16");
	expect_head_id("true", "True");
	expect_head_id("[\"H1\", \"H2\"]", "H1");
	expect_head_id("[]", NULL);
	expect_head_id("\"   \"", NULL);
	expect_head_id("null", NULL);
	expect_head_id("{\"a\":1}", NULL);
	expect_head_id(NULL, NULL); /* no SerialNumber: the first entry's timestamp */
}

static void test_heads_hostile(void **state)
{
	drill_heads h;
	const char *none = "{\"Messages\":{\"Payload\":{\"x\":{\"Value\":1}}}}";
	const char *bad_ts =
	    "{\"Messages\":{\"Payload\":{\"" HD "Identification.SerialNumber\":{\"Value\":\"H\","
	    "\"SourceTimestamp\":\"yesterday\"}}}}";

	(void)state;
	expect_error(drill_heads_parse("{", 1, "Heads", NULL, &h), STRATA_EPARSE,
	             "Heads:1:", "invalid JSON");
	expect_error(drill_heads_parse(none, strlen(none), "Heads", NULL, &h), STRATA_ESCHEMA,
	             "Heads", "no payload entry has a SourceTimestamp");
	expect_error(drill_heads_parse(bad_ts, strlen(bad_ts), "Heads", NULL, &h), STRATA_EPARSE,
	             "SerialNumber: SourceTimestamp", NULL);
	assert_null(h.head_id);
}

/* An unreadable timestamp on another entry does not matter when the head
 * entry has its own (key and parse agree). */
static void test_heads_fallback_only_when_needed(void **state)
{
	static const char m[] = "{\"Messages\":{\"Payload\":{"
	                        "\"" HD "Identification.Model\":{\"Value\":\"C\","
	                        "\"SourceTimestamp\":\"2024-05-15T07:29:33Z+++++++++++++++++++++"
	                        "++++++++++++++++++++++++++++++++++++++++++++++++++\"},"
	                        "\"" HD "Identification.SerialNumber\":{\"Value\":\"H\"," TS "}}}}";
	drill_heads h;
	strata_time ts, when;

	(void)state;
	assert_ok(strata_time_parse_iso8601("2024-12-11T08:24:49.123456789Z", &when));
	assert_ok(drill_heads_parse(m, strlen(m), "Heads", NULL, &h));
	assert_true(h.timestamp == when);
	drill_heads_free(&h);
	assert_ok(drill_payload_key(m, strlen(m), "Heads", drill_data_ids_default()->head_id, 1,
	                            NULL, &ts));
	assert_true(ts == when);
}

static void test_heads_captures(void **state)
{
	static const struct {
		const char *dir, *head_id, *when;
	} caps[] = {
	    {"data_20250326", "E00401009F45BACA", "2024-05-15T07:29:33Z"},
	    {"data_20250623", "E00401009F78AA43", "2025-06-23T14:07:43Z"},
	    {"data_20250626", "E00401009F45BACA", "2024-05-15T07:04:19Z"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		char rel[256];
		size_t len = 0;
		char *data;
		drill_heads h;
		strata_time when, key_ts;

		snprintf(rel, sizeof(rel), "drilling/mqtt/%s/Heads.json", caps[i].dir);
		data = slurp(rel, &len);
		if (!data)
			skip();
		assert_ok(drill_heads_parse(data, len, rel, NULL, &h));
		assert_string_equal(h.head_id, caps[i].head_id);
		assert_ok(strata_time_parse_iso8601(caps[i].when, &when));
		assert_true(h.timestamp == when);
		assert_ok(drill_payload_key(data, len, rel, drill_data_ids_default()->head_id, 0,
		                            NULL, &key_ts));
		assert_true(key_ts == when);
		drill_heads_free(&h);
		free(data);
	}
}

/* The streaming key of a message agrees with the full parse. */
static void expect_key(const char *data, size_t len, const char *path, const char *id,
                       strata_time ts)
{
	char *got = NULL;
	strata_time got_ts = 0;

	assert_ok(drill_payload_key(data, len, "m", path, 0, &got, &got_ts));
	assert_string_equal(got, id);
	assert_true(got_ts == ts);
	free(got);
}

static void test_key_captures(void **state)
{
	const drill_data_ids *ids = drill_data_ids_default();

	(void)state;
	for (size_t i = 0; i < sizeof(captures) / sizeof(captures[0]); i++) {
		const struct capture *c = &captures[i];
		char rel[256];
		size_t len = 0;
		char *data;
		drill_result r;
		drill_trace t;

		snprintf(rel, sizeof(rel), "drilling/mqtt/%s/%s", c->dir, c->result);
		data = slurp(rel, &len);
		if (!data)
			skip();
		assert_ok(drill_result_parse(data, len, rel, NULL, &r));
		expect_key(data, len, ids->result_id, r.result_id, r.timestamp);
		drill_result_free(&r);
		free(data);
		snprintf(rel, sizeof(rel), "drilling/mqtt/%s/%s", c->dir, c->trace);
		data = slurp(rel, &len);
		assert_ok(drill_trace_parse(data, len, rel, NULL, &t));
		expect_key(data, len, ids->trace_result_id, t.result_id, t.timestamp);
		drill_trace_free(&t);
		free(data);
	}
	/* the truncated trace still names its hole: the full parse reports it */
	size_t len = 0;
	char *data = slurp("drilling/mqtt/data_20250626/Trace.json", &len);
	strata_time when;
	assert_non_null(data);
	assert_ok(strata_time_parse_iso8601("2024-05-15T07:04:19Z", &when));
	expect_key(data, len, ids->trace_result_id, "432", when);
	free(data);
}

static void test_key_variants_and_errors(void **state)
{
	const drill_data_ids *ids = drill_data_ids_default();
	char *s = result_msg("\"0042\"", "1", "1", "1", "1", "true", ".MeasuredValue");
	char *id = NULL;
	strata_time ts, when;
	const char *arr = "{\"Messages\":[{\"Payload\":{\"a.ResultId\":{\"SourceTimestamp\":"
	                  "\"2024-12-11T08:24:49Z\",\"Value\":7}}},{\"Payload\":{}}]}";

	(void)state;
	assert_ok(strata_time_parse_iso8601("2024-12-11T08:24:49.123456789Z", &when));
	expect_key(s, strlen(s), ids->result_id, "0042", when);
	free(s);
	assert_ok(strata_time_parse_iso8601("2024-12-11T08:24:49Z", &when));
	expect_key(arr, strlen(arr), "ResultId", "7", when);
	/* errors name the message, the key and the reason */
	expect_error(drill_payload_key("{\"Messages\":", 12, "m", "ResultId", 0, &id, &ts),
	             STRATA_EPARSE, "m:1:13: invalid JSON: parse error: premature EOF", NULL);
	expect_error(drill_payload_key("{}", 2, "m", "ResultId", 0, &id, &ts), STRATA_ESCHEMA,
	             "Messages.Payload", NULL);
	expect_error(drill_payload_key("[1,2]", 5, "m", "ResultId", 0, &id, &ts), STRATA_ESCHEMA,
	             "Messages.Payload", NULL);
	const char *cases[][3] = {
	    {"{\"ResultId\":{\"Value\":{},\"SourceTimestamp\":\"2024-01-01T00:00:00Z\"}}",
	     "ResultId", "got an object"},
	    {"{\"ResultId\":{\"Value\":1.5,\"SourceTimestamp\":\"2024-01-01T00:00:00Z\"}}",
	     "ResultId", "got a number"},
	    {"{\"ResultId\":{\"Value\":\"\",\"SourceTimestamp\":\"2024-01-01T00:00:00Z\"}}",
	     "ResultId", "1..256 bytes"},
	    {"{\"ResultId\":{\"Value\":99999999999999999999,\"SourceTimestamp\":\"x\"}}",
	     "ResultId", "out of range"},
	    {"{\"ResultId\":{\"Value\":1}}", "ResultId", "SourceTimestamp: missing"},
	    {"{\"ResultId\":{\"SourceTimestamp\":\"2024-01-01T00:00:00Z\"}}", "ResultId",
	     "no Value"},
	    {"{\"ResultId\":{\"Value\":1,\"SourceTimestamp\":5}}", "ResultId", "expected a string"},
	    {"{\"ResultId\":{\"Value\":1,\"SourceTimestamp\":\"2024-13-01T00:00:00Z\"}}",
	     "ResultId: SourceTimestamp", NULL},
	    {"{\"ResultId\":[1]}", "ResultId", "expected an object with Value"},
	    {"{\"Other\":{\"Value\":1}}", "no payload key contains 'ResultId'", NULL},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char m[512];
		snprintf(m, sizeof(m), "{\"Messages\":{\"Payload\":%s}}", cases[i][0]);
		int rc = drill_payload_key(m, strlen(m), "m", "ResultId", 0, &id, &ts);
		if (rc == 0)
			fail_msg("case %zu accepted", i);
		expect_error(rc, strata_error_last(), cases[i][1], cases[i][2]);
	}
	/* a duplicate key makes the message ambiguous: refused */
	const char *dup = "{\"Messages\":{\"Payload\":{}},\"Messages\":{\"Payload\":{}}}";
	drill_result r;
	expect_error(drill_result_parse(dup, strlen(dup), "m", NULL, &r), STRATA_EPARSE,
	             "duplicate object key", NULL);
	/* a raw NUL byte is not JSON, even where jansson would let it pass */
	static const char nul[] = "{\"Messages\":{\"Payload\":{\"x\":{\"Value\":0\0}}}}";
	expect_error(drill_result_parse(nul, sizeof(nul) - 1, "m", NULL, &r), STRATA_EPARSE,
	             "m: invalid JSON: NUL byte at byte 38", NULL);
	/* deep nesting is refused, not recursed into */
	char deep[2100];
	memset(deep, '[', sizeof(deep));
	expect_error(drill_payload_key(deep, sizeof(deep), "m", "ResultId", 0, &id, &ts),
	             STRATA_ELIMIT, "nesting deeper than 2048", NULL);
	assert_null(id);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_result_int_ids_lists),
	    cmocka_unit_test(test_result_string_ids_scalars_suffix),
	    cmocka_unit_test(test_result_evaluations),
	    cmocka_unit_test(test_result_hostile),
	    cmocka_unit_test(test_message_hostile),
	    cmocka_unit_test(test_trace_nulls_and_variants),
	    cmocka_unit_test(test_trace_hostile),
	    cmocka_unit_test(test_trace_scan_details),
	    cmocka_unit_test(test_trace_samples_syntax),
	    cmocka_unit_test(test_trace_other_arrays),
	    cmocka_unit_test(test_limits),
	    cmocka_unit_test(test_first_match_and_array),
	    cmocka_unit_test(test_topic),
	    cmocka_unit_test(test_captures),
	    cmocka_unit_test(test_truncated_capture),
	    cmocka_unit_test(test_heads_variants),
	    cmocka_unit_test(test_heads_hostile),
	    cmocka_unit_test(test_heads_fallback_only_when_needed),
	    cmocka_unit_test(test_heads_captures),
	    cmocka_unit_test(test_key_captures),
	    cmocka_unit_test(test_key_variants_and_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
