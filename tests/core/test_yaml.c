/* test_yaml.c - the YAML reader: core-schema scalars, refusals, messages. */
#include "testutil.h"

#include "strata/conf.h"
#include "strata/error.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The drill service's configuration, as shipped. */
static const char drill_yaml[] =
    "mqtt:\n"
    "  broker:\n"
    "    host: localhost\n"
    "    port: 1883\n"
    "    username: \"\"\n"
    "    password: \"\"\n"
    "  listener:\n"
    "    root: OPCPUBSUB\n"
    "    result: ResultManagement\n"
    "    trace: ResultManagement/Trace\n"
    "    heads: AssetManagement/Heads\n"
    "    time_window: 30.0\n"
    "    cleanup_interval: 60\n"
    "    max_buffer_size: 10000\n"
    "    duplicate_handling: ignore\n"
    "  data_ids:\n"
    "    machine_id: 'ResultManagement.Results.0.ResultMetaData.SerialNumber'\n"
    "    position: "
    "'ResultManagement.Results.0.ResultContent.Trace.StepResults.0.StepResultValues.Position'\n"
    "  estimation:\n"
    "    keypoints: 'Estimation/Keypoints'\n"
    "    depth_estimation: 'Estimation/DepthEstimation'\n"
    "  processing:\n"
    "    workers: 4\n"
    "  depth_validation:\n"
    "    negative_depth_behavior: warning\n";

static const strata_conf_field broker_fields[] = {
    {"host", STRATA_CONF_STRING, 1, NULL, 0},
    {"port", STRATA_CONF_INT, 1, NULL, 0},
    {"username", STRATA_CONF_STRING, 0, NULL, 0},
    {"password", STRATA_CONF_STRING, 0, NULL, 0},
    {NULL, 0, 0, NULL, 0},
};

static const strata_conf_field listener_fields[] = {
    {"root", STRATA_CONF_STRING, 1, NULL, 0},
    {"result", STRATA_CONF_STRING, 1, NULL, 0},
    {"trace", STRATA_CONF_STRING, 1, NULL, 0},
    {"heads", STRATA_CONF_STRING, 1, NULL, 0},
    {"time_window", STRATA_CONF_NUMBER, 1, NULL, 0},
    {"cleanup_interval", STRATA_CONF_NUMBER, 1, NULL, 0},
    {"max_buffer_size", STRATA_CONF_INT, 1, NULL, 0},
    {"duplicate_handling", STRATA_CONF_STRING, 1, NULL, 0},
    {NULL, 0, 0, NULL, 0},
};

static const strata_conf_field data_id_fields[] = {
    {"machine_id", STRATA_CONF_STRING, 1, NULL, 0},
    {"position", STRATA_CONF_STRING, 1, NULL, 0},
    {NULL, 0, 0, NULL, 0},
};

static const strata_conf_field estimation_fields[] = {
    {"keypoints", STRATA_CONF_STRING, 1, NULL, 0},
    {"depth_estimation", STRATA_CONF_STRING, 1, NULL, 0},
    {NULL, 0, 0, NULL, 0},
};

static const strata_conf_field processing_fields[] = {
    {"workers", STRATA_CONF_INT, 1, NULL, 0},
    {NULL, 0, 0, NULL, 0},
};

static const strata_conf_field depth_fields[] = {
    {"negative_depth_behavior", STRATA_CONF_STRING, 1, NULL, 0},
    {NULL, 0, 0, NULL, 0},
};

static const strata_conf_field mqtt_fields[] = {
    {"broker", STRATA_CONF_TABLE, 1, broker_fields, 0},
    {"listener", STRATA_CONF_TABLE, 1, listener_fields, 0},
    {"data_ids", STRATA_CONF_TABLE, 1, data_id_fields, 0},
    {"estimation", STRATA_CONF_TABLE, 1, estimation_fields, 0},
    {"processing", STRATA_CONF_TABLE, 1, processing_fields, 0},
    {"depth_validation", STRATA_CONF_TABLE, 1, depth_fields, 0},
    {NULL, 0, 0, NULL, 0},
};

static const strata_conf_field drill_fields[] = {
    {"mqtt", STRATA_CONF_TABLE, 1, mqtt_fields, 0},
    {NULL, 0, 0, NULL, 0},
};

/* Parse text from an exact-length copy (so ASan sees any overread). */
static int parse(const char *text, strata_conf **out)
{
	size_t len = strlen(text);
	char *copy = malloc(len ? len : 1);
	int rc;

	assert_non_null(copy);
	memcpy(copy, text, len);
	rc = strata_conf_parse_yaml(copy, len, "t.yaml", out);
	free(copy);
	return rc;
}

static strata_conf *parse_ok(const char *text)
{
	strata_conf *c = NULL;
	assert_ok(parse(text, &c));
	assert_non_null(c);
	return c;
}

/* Parsing must fail with code and a message containing want. */
static void parse_fails(const char *text, int code, const char *want)
{
	strata_conf *c = (strata_conf *)&c;
	int rc = parse(text, &c);

	if (rc != code || !strstr(strata_error_message(), want))
		fail_msg("parsing [%s]: rc %d (want %d), message \"%s\" (want \"%s\")", text, rc,
		         code, strata_error_message(), want);
	assert_null(c);
}

static strata_conf_type type_at(const strata_conf *c, const char *path)
{
	const strata_conf *n = strata_conf_path(c, path);
	if (!n)
		fail_msg("no value at %s", path);
	return strata_conf_type_of(n);
}

static const char *str_at(const strata_conf *c, const char *path)
{
	const char *s = NULL;
	assert_ok(strata_conf_as_string(strata_conf_path(c, path), &s));
	return s;
}

static int64_t int_at(const strata_conf *c, const char *path)
{
	int64_t v = 0;
	assert_ok(strata_conf_as_int64(strata_conf_path(c, path), &v));
	return v;
}

static double dbl_at(const strata_conf *c, const char *path)
{
	double v = 0;
	assert_ok(strata_conf_as_double(strata_conf_path(c, path), &v));
	return v;
}

static void test_drill_config(void **state)
{
	strata_conf *c = parse_ok(drill_yaml);
	const strata_conf *listener;
	const char *s;
	int64_t i;
	double d;
	(void)state;
	assert_ok(strata_conf_validate(c, drill_fields));
	assert_string_equal(str_at(c, "mqtt.broker.host"), "localhost");
	assert_int_equal(int_at(c, "mqtt.broker.port"), 1883);
	assert_string_equal(str_at(c, "mqtt.broker.username"), "");
	assert_string_equal(str_at(c, "mqtt.listener.trace"), "ResultManagement/Trace");
	assert_int_equal(type_at(c, "mqtt.listener.time_window"), STRATA_CONF_FLOAT);
	assert_true(dbl_at(c, "mqtt.listener.time_window") == 30.0);
	assert_int_equal(int_at(c, "mqtt.listener.cleanup_interval"), 60);
	assert_int_equal(int_at(c, "mqtt.listener.max_buffer_size"), 10000);
	assert_string_equal(str_at(c, "mqtt.data_ids.machine_id"),
	                    "ResultManagement.Results.0.ResultMetaData.SerialNumber");
	assert_string_equal(str_at(c, "mqtt.estimation.depth_estimation"),
	                    "Estimation/DepthEstimation");
	assert_int_equal(int_at(c, "mqtt.processing.workers"), 4);
	assert_string_equal(str_at(c, "mqtt.depth_validation.negative_depth_behavior"), "warning");
	/* Lines: a nested mapping is located at its key. */
	listener = strata_conf_path(c, "mqtt.listener");
	assert_int_equal(strata_conf_line(listener), 7);
	assert_int_equal(strata_conf_line(strata_conf_get(listener, "time_window")), 12);
	assert_string_equal(strata_conf_source(listener), "t.yaml");
	/* The getters with defaults. */
	assert_ok(strata_conf_get_string(listener, "duplicate_handling", "x", &s));
	assert_string_equal(s, "ignore");
	assert_ok(strata_conf_get_int64(listener, "absent", 7, &i));
	assert_int_equal(i, 7);
	assert_ok(strata_conf_get_double(listener, "cleanup_interval", 0, &d));
	assert_true(d == 60.0);
	strata_conf_free(c);
}

static void test_drill_config_errors(void **state)
{
	char text[sizeof drill_yaml + 64];
	strata_conf *c;
	char *p;
	(void)state;
	/* A quoted port is a string, reported with its line. */
	strcpy(text, drill_yaml);
	p = strstr(text, "1883");
	memcpy(p, "'18'", 4);
	c = parse_ok(text);
	assert_int_equal(strata_conf_validate(c, drill_fields), STRATA_ESCHEMA);
	assert_string_equal(strata_error_message(),
	                    "t.yaml:4: mqtt.broker.port: expected integer, got string");
	strata_conf_free(c);
	/* An unknown key. */
	strcpy(text, drill_yaml);
	p = strstr(text, "    workers: 4\n");
	memcpy(p, "    wurkers: 4\n", 15);
	c = parse_ok(text);
	assert_int_equal(strata_conf_validate(c, drill_fields), STRATA_ESCHEMA);
	assert_string_equal(strata_error_message(),
	                    "t.yaml:23: unknown key 'wurkers' in table mqtt.processing");
	strata_conf_free(c);
}

static void test_core_schema_plain_scalars(void **state)
{
	strata_conf *c;
	int b = -1;
	(void)state;
	c = parse_ok(
	    "n1: null\nn2: ~\nn3:\nn4: Null\nn5: NULL\n"
	    "b1: true\nb2: True\nb3: TRUE\nb4: false\nb5: FALSE\n"
	    "i1: 42\ni2: -17\ni3: +3\ni4: 0x1F\ni5: 0o17\ni6: 007\n"
	    "f1: 1.5\nf2: .5\nf3: 1e3\nf4: -2.5E-3\nf5: .inf\nf6: -.Inf\nf7: .NaN\nf8: 1.\n"
	    "s1: yes\ns2: 1_000\ns3: 0b101\ns4: nULL\ns5: tRUE\ns6: 0x\ns7: 1.2.3\n"
	    "s8: +.nan\ns9: 12:30\ns10: 2019-10-01\n");
	assert_int_equal(type_at(c, "n1"), STRATA_CONF_NULL);
	assert_int_equal(type_at(c, "n2"), STRATA_CONF_NULL);
	assert_int_equal(type_at(c, "n3"), STRATA_CONF_NULL);
	assert_int_equal(type_at(c, "n4"), STRATA_CONF_NULL);
	assert_int_equal(type_at(c, "n5"), STRATA_CONF_NULL);
	assert_ok(strata_conf_as_bool(strata_conf_get(c, "b2"), &b));
	assert_int_equal(b, 1);
	assert_ok(strata_conf_as_bool(strata_conf_get(c, "b3"), &b));
	assert_int_equal(b, 1);
	assert_ok(strata_conf_as_bool(strata_conf_get(c, "b5"), &b));
	assert_int_equal(b, 0);
	assert_int_equal(type_at(c, "b1"), STRATA_CONF_BOOL);
	assert_int_equal(type_at(c, "b4"), STRATA_CONF_BOOL);
	assert_int_equal(int_at(c, "i1"), 42);
	assert_int_equal(int_at(c, "i2"), -17);
	assert_int_equal(int_at(c, "i3"), 3);
	assert_int_equal(int_at(c, "i4"), 31);
	assert_int_equal(int_at(c, "i5"), 15);
	assert_int_equal(int_at(c, "i6"), 7);
	assert_true(dbl_at(c, "f1") == 1.5);
	assert_true(dbl_at(c, "f2") == 0.5);
	assert_int_equal(type_at(c, "f3"), STRATA_CONF_FLOAT);
	assert_true(dbl_at(c, "f3") == 1000.0);
	assert_true(dbl_at(c, "f4") == -2.5e-3);
	assert_true(isinf(dbl_at(c, "f5")) && dbl_at(c, "f5") > 0);
	assert_true(isinf(dbl_at(c, "f6")) && dbl_at(c, "f6") < 0);
	assert_true(isnan(dbl_at(c, "f7")));
	assert_true(dbl_at(c, "f8") == 1.0);
	assert_string_equal(str_at(c, "s1"), "yes");
	assert_string_equal(str_at(c, "s2"), "1_000");
	assert_string_equal(str_at(c, "s3"), "0b101");
	assert_string_equal(str_at(c, "s4"), "nULL");
	assert_string_equal(str_at(c, "s5"), "tRUE");
	assert_string_equal(str_at(c, "s6"), "0x");
	assert_string_equal(str_at(c, "s7"), "1.2.3");
	assert_string_equal(str_at(c, "s8"), "+.nan");
	assert_string_equal(str_at(c, "s9"), "12:30");
	assert_string_equal(str_at(c, "s10"), "2019-10-01");
	strata_conf_free(c);
	parse_fails("a: 9223372036854775808\n", STRATA_EPARSE, "t.yaml:1:4: integer out of range");
	parse_fails("a: 1e999\n", STRATA_EPARSE, "t.yaml:1:4: float out of range");
	c = parse_ok("min: -9223372036854775808\n");
	assert_true(int_at(c, "min") == INT64_MIN);
	strata_conf_free(c);
}

static void test_quoted_and_block_scalars_are_strings(void **state)
{
	strata_conf *c;
	(void)state;
	c = parse_ok("a: \"1883\"\nb: '1.5'\nc: \"true\"\nd: 'null'\ne: \"\"\n"
	             "f: |\n  line one\n  line two\n"
	             "g: >\n  folded\n  text\n"
	             "h: \"esc\\t\\u00e9\"\n");
	assert_string_equal(str_at(c, "a"), "1883");
	assert_string_equal(str_at(c, "b"), "1.5");
	assert_string_equal(str_at(c, "c"), "true");
	assert_string_equal(str_at(c, "d"), "null");
	assert_string_equal(str_at(c, "e"), "");
	assert_string_equal(str_at(c, "f"), "line one\nline two\n");
	assert_string_equal(str_at(c, "g"), "folded text\n");
	assert_string_equal(str_at(c, "h"), "esc\t\xC3\xA9");
	strata_conf_free(c);
	parse_fails("a: \"x\\0y\"\n", STRATA_EPARSE, "NUL characters");
}

static void test_sequences_and_flow(void **state)
{
	strata_conf *c;
	const strata_conf *seq;
	(void)state;
	c = parse_ok("list:\n  - 1\n  - two\n  - [3, 4.5]\n  - {k: v, n: ~}\n"
	             "  - - nested\n"
	             "flow: {a: [1, 2], b: {c: 'd'}}\n"
	             "empty_seq: []\nempty_map: {}\n");
	seq = strata_conf_get(c, "list");
	assert_int_equal(strata_conf_type_of(seq), STRATA_CONF_ARRAY);
	assert_int_equal(strata_conf_count(seq), 5);
	assert_int_equal(int_at(c, "list[0]"), 1);
	assert_string_equal(str_at(c, "list.1"), "two");
	assert_true(dbl_at(c, "list[2][1]") == 4.5);
	assert_string_equal(str_at(c, "list[3].k"), "v");
	assert_int_equal(type_at(c, "list[3].n"), STRATA_CONF_NULL);
	assert_string_equal(str_at(c, "list[4][0]"), "nested");
	assert_int_equal(strata_conf_line(strata_conf_at(seq, 2)), 4);
	assert_int_equal(int_at(c, "flow.a[1]"), 2);
	assert_string_equal(str_at(c, "flow.b.c"), "d");
	assert_int_equal(strata_conf_count(strata_conf_get(c, "empty_seq")), 0);
	assert_int_equal(type_at(c, "empty_map"), STRATA_CONF_TABLE);
	strata_conf_free(c);
}

static void test_tab_indentation(void **state)
{
	(void)state;
	parse_fails("a:\n\tb: 1\n", STRATA_EPARSE, "t.yaml:2:1: tab character in indentation");
	parse_fails("a:\n  b: 1\n\tc: 2\n", STRATA_EPARSE,
	            "t.yaml:3:1: tab character in indentation");
	parse_fails("a:\n  \tb: 1\n", STRATA_EPARSE, "t.yaml:2:3: tab character in indentation");
	parse_fails("a:\n  b:\n  \t  c: 1\n", STRATA_EPARSE,
	            "t.yaml:3:3: tab character in indentation");
	parse_fails("k: |\n\ttext\n", STRATA_EPARSE, "t.yaml:2:1: tab character in indentation");
	parse_fails("a: 1\r\n\tb: 2\r\n", STRATA_EPARSE,
	            "t.yaml:2:1: tab character in indentation");
	/* Other errors keep libyaml's words. */
	parse_fails("a: {b: [\n\t1, }\n", STRATA_EPARSE, "t.yaml:2:5: did not find expected node");
	parse_fails("a: 'unterminated\n", STRATA_EPARSE,
	            "t.yaml:2:1: found unexpected end of stream");
}

static void test_anchors_and_aliases_rejected(void **state)
{
	(void)state;
	parse_fails("base: &b {x: 1}\nother: *b\n", STRATA_EUNSUPPORTED,
	            "t.yaml:1:7: anchors and aliases are not supported");
	parse_fails("a: &x 1\n", STRATA_EUNSUPPORTED, "aliases are not supported");
	parse_fails("a:\n  - &s [1]\n", STRATA_EUNSUPPORTED, "aliases are not supported");
	parse_fails("a: *nothing\n", STRATA_EUNSUPPORTED, "t.yaml:1:4: anchors and aliases");
}

static void test_multiple_documents(void **state)
{
	strata_conf *c;
	(void)state;
	parse_fails("a: 1\n---\nb: 2\n", STRATA_EUNSUPPORTED,
	            "t.yaml:2:1: multiple documents are not supported");
	parse_fails("---\na: 1\n...\n---\nb: 2\n", STRATA_EUNSUPPORTED, "multiple documents");
	/* One explicit document is fine. */
	c = parse_ok("---\na: 1\n...\n");
	assert_int_equal(int_at(c, "a"), 1);
	strata_conf_free(c);
}

static void test_duplicate_and_complex_keys(void **state)
{
	(void)state;
	parse_fails("a: 1\nb: 2\na: 3\n", STRATA_EPARSE, "t.yaml:3:1: duplicate key 'a'");
	parse_fails("m:\n  x: 1\n  x: 2\n", STRATA_EPARSE, "t.yaml:3:3: duplicate key 'm.x'");
	parse_fails("s:\n  - {k: 1, k: 2}\n", STRATA_EPARSE, "duplicate key 's[0].k'");
	parse_fails("? [a, b]\n: 1\n", STRATA_EPARSE, "t.yaml:1:3: mapping keys must be scalars");
	parse_fails("{? {a: 1} : 2}\n", STRATA_EPARSE, "mapping keys must be scalars");
}

static void test_top_level(void **state)
{
	strata_conf *c;
	(void)state;
	c = parse_ok("");
	assert_int_equal(strata_conf_type_of(c), STRATA_CONF_TABLE);
	assert_int_equal(strata_conf_count(c), 0);
	strata_conf_free(c);
	c = parse_ok("---\n# nothing\n");
	assert_int_equal(strata_conf_count(c), 0);
	strata_conf_free(c);
	c = parse_ok("~\n");
	assert_int_equal(strata_conf_count(c), 0);
	strata_conf_free(c);
	parse_fails("- 1\n- 2\n", STRATA_EPARSE, "t.yaml:1:1: the top level must be a mapping");
	parse_fails("just text\n", STRATA_EPARSE, "the top level must be a mapping");
	parse_fails("\"quoted\"\n", STRATA_EPARSE, "the top level must be a mapping");
}

static void test_tags(void **state)
{
	strata_conf *c;
	(void)state;
	c = parse_ok("a: !!str 12\nb: !!int \"12\"\nc: !!float 1\nd: !!bool 'true'\ne: !!null ''\n"
	             "f: !!map {x: 1}\ng: !!seq [1]\nh: ! 12\n");
	assert_string_equal(str_at(c, "a"), "12");
	assert_int_equal(int_at(c, "b"), 12);
	assert_int_equal(type_at(c, "c"), STRATA_CONF_FLOAT);
	assert_true(dbl_at(c, "c") == 1.0);
	assert_int_equal(type_at(c, "d"), STRATA_CONF_BOOL);
	assert_int_equal(type_at(c, "e"), STRATA_CONF_NULL);
	assert_int_equal(int_at(c, "f.x"), 1);
	assert_int_equal(int_at(c, "g[0]"), 1);
	assert_string_equal(str_at(c, "h"), "12");
	strata_conf_free(c);
	parse_fails("a: !!int abc\n", STRATA_EPARSE, "t.yaml:1:4: value does not match tag !!int");
	parse_fails("a: !custom x\n", STRATA_EUNSUPPORTED, "unsupported tag '!custom'");
	parse_fails("a: !!set {x: 1}\n", STRATA_EUNSUPPORTED, "unsupported tag");
}

static void test_reader_errors(void **state)
{
	static const char bad[] = "a: 1\nb: \"caf\xC3\"\n";
	strata_conf *c = NULL;
	(void)state;
	assert_int_equal(strata_conf_parse_yaml(bad, sizeof bad - 1, "u.yaml", &c), STRATA_EPARSE);
	assert_non_null(strstr(strata_error_message(), "u.yaml:2:"));
	assert_non_null(strstr(strata_error_message(), "UTF-8"));
	assert_null(c);
	parse_fails("a: [1, 2\n", STRATA_EPARSE, "t.yaml:");
	parse_fails("a: b: c\n", STRATA_EPARSE, "t.yaml:1:5: mapping values are not allowed");
	assert_int_equal(strata_conf_parse_yaml(NULL, 2, "x", &c), STRATA_EINVAL);
}

static void test_not_nul_terminated(void **state)
{
	static const char text[] = "a: 12345";
	strata_conf *c = NULL;
	(void)state;
	assert_ok(strata_conf_parse_yaml(text, 5, "t.yaml", &c));
	assert_int_equal(int_at(c, "a"), 12);
	strata_conf_free(c);
	assert_ok(strata_conf_parse_yaml(NULL, 0, "t.yaml", &c));
	assert_int_equal(strata_conf_count(c), 0);
	strata_conf_free(c);
}

static void test_depth_limit(void **state)
{
	size_t n = 5000, i;
	char *s = malloc(n * 2 + 8);
	strata_conf *c = NULL;
	(void)state;
	assert_non_null(s);
	strcpy(s, "k: ");
	for (i = 0; i < n; i++)
		s[3 + i] = '[';
	for (i = 0; i < n; i++)
		s[3 + n + i] = ']';
	s[3 + 2 * n] = '\0';
	parse_fails(s, STRATA_ELIMIT, "nesting deeper than 128 levels");
	/* 127 nested sequences under k: the innermost is at depth 128. */
	n = 127;
	for (i = 0; i < n; i++)
		s[3 + i] = '[';
	for (i = 0; i < n; i++)
		s[3 + n + i] = ']';
	s[3 + 2 * n] = '\0';
	assert_ok(parse(s, &c));
	strata_conf_free(c);
	free(s);
}

/* Every prefix of a varied document either parses or fails cleanly. */
static void test_every_prefix(void **state)
{
	size_t n, len = strlen(drill_yaml);
	(void)state;
	for (n = 0; n <= len; n += 3) {
		char *copy = malloc(n ? n : 1);
		strata_conf *c = NULL;
		int rc;
		assert_non_null(copy);
		memcpy(copy, drill_yaml, n);
		rc = strata_conf_parse_yaml(copy, n, "p.yaml", &c);
		assert_true(rc == 0 || rc == STRATA_EPARSE);
		assert_true((rc == 0) == (c != NULL));
		strata_conf_free(c);
		free(copy);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_drill_config),
	    cmocka_unit_test(test_drill_config_errors),
	    cmocka_unit_test(test_core_schema_plain_scalars),
	    cmocka_unit_test(test_quoted_and_block_scalars_are_strings),
	    cmocka_unit_test(test_sequences_and_flow),
	    cmocka_unit_test(test_tab_indentation),
	    cmocka_unit_test(test_anchors_and_aliases_rejected),
	    cmocka_unit_test(test_multiple_documents),
	    cmocka_unit_test(test_duplicate_and_complex_keys),
	    cmocka_unit_test(test_top_level),
	    cmocka_unit_test(test_tags),
	    cmocka_unit_test(test_reader_errors),
	    cmocka_unit_test(test_not_nul_terminated),
	    cmocka_unit_test(test_depth_limit),
	    cmocka_unit_test(test_every_prefix),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
