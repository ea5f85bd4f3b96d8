/* test_config.c - the drill service's YAML configuration. */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#include "drill/config.h"

#define SECRET "hunter2-s3cret"

/* The shipped configuration of the original service (mqtt_conf_docker.yaml),
 * abridged comments, same keys and values. */
static const char shipped[] =
    "# MQTT Configuration for Drilling Data Analysis System\n"
    "mqtt:\n"
    "\n"
    "  broker:\n"
    "    host: \"mqtt-broker\"  # service name in Docker Compose\n"
    "    port: 1883\n"
    "    username: \"\"  # Optional\n"
    "    password: \"\"  # Optional\n"
    "\n"
    "  listener:\n"
    "    duplicate_handling: \"replace\"  # Options: \"ignore\", \"replace\", \"error\"\n"
    "    root: \"OPCPUBSUB\"\n"
    "    toolboxid: \"+\"\n"
    "    toolid: \"+\"\n"
    "    result: \"ResultManagement\"\n"
    "    trace: \"ResultManagement/Trace\"\n"
    "    heads: \"AssetManagement/Heads\"\n"
    "\n"
    "  data_ids:\n"
    "    machine_id: 'ResultManagement.Results.0.ResultMetaData.SerialNumber'\n"
    "    head_id: 'AssetManagement.Assets.Heads.0.Identification.SerialNumber'\n"
    "    result_id: 'ResultManagement.Results.0.ResultMetaData.ResultId'\n"
    "    trace_result_id: "
    "'ResultManagement.Results.0.ResultContent.Trace.StepTraces.PositionTrace.StepResultId'\n"
    "    position: 'ResultManagement.Results.0.ResultContent.Trace.StepTraces.PositionTrace."
    "StepTraceContent[0].Values'\n"
    "    thrust:   'ResultManagement.Results.0.ResultContent.Trace.StepTraces."
    "IntensityThrustTrace.StepTraceContent[0].Values'\n"
    "    torque:   'ResultManagement.Results.0.ResultContent.Trace.StepTraces."
    "IntensityTorqueTrace.StepTraceContent[0].Values'\n"
    "    step:     'ResultManagement.Results.0.ResultContent.Trace.StepTraces.StepNumberTrace."
    "StepTraceContent[0].Values'\n"
    "    torque_empty_vals: 'ResultManagement.Results.0.ResultContent.StepResults.0."
    "StepResultValues.IntensityTorqueEmpty'\n"
    "    thrust_empty_vals: 'ResultManagement.Results.0.ResultContent.StepResults.0."
    "StepResultValues.IntensityThrustEmpty'\n"
    "    step_vals: 'ResultManagement.Results.0.ResultContent.StepResults.0.StepResultValues."
    "StepNumber'\n"
    "\n"
    "  estimation:\n"
    "    keypoints: 'ResultManagement.Results.0.ResultContent.DepthEstimation.KeyPoints'\n"
    "    depth_estimation: "
    "'ResultManagement.Results.0.ResultContent.DepthEstimation.DepthEstimation'\n"
    "\n"
    "  processing:\n"
    "    workers: 10\n"
    "    model_id: 4\n"
    "\n"
    "  depth_validation:\n"
    "    negative_depth_behavior: \"publish\"\n"
    "    track_sequential_negatives: true\n"
    "    sequential_threshold: 5\n"
    "    sequential_window_minutes: 5\n"
    "\n"
    "  analyzer:\n"
    "    correlation_debug: false\n"
    "\n"
    "  publisher:\n"
    "    topics:\n"
    "      result: \"OPCPUBSUB/ILLL502033771/setitectest/ResultManagement\"\n"
    "      trace: \"OPCPUBSUB/ILLL502033771/setitectest/ResultManagement/Traces\"\n"
    "    client_id: \"setitec_publisher\"\n";

static int parse(const char *text, drill_config *c)
{
	return drill_config_parse(text, strlen(text), "drill.yaml", c);
}

/* Parse text that must fail with code; check the message has want. */
static void expect_error(const char *text, int code, const char *want)
{
	drill_config c;
	int rc = parse(text, &c);

	if (rc != code || !strstr(strata_error_message(), want))
		fail_msg("got %d '%s', want %d '%s'", rc, strata_error_message(), code, want);
	assert_null(strstr(strata_error_message(), SECRET));
	assert_null(c.host);
	drill_config_free(&c);
}

static void test_shipped(void **state)
{
	drill_config c;
	char *t[DRILL_MSG_KINDS];

	assert_ok(parse(shipped, &c));
	assert_string_equal(c.host, "mqtt-broker");
	assert_int_equal(c.port, 1883);
	assert_string_equal(c.username, "");
	assert_string_equal(c.password, "");
	assert_int_equal(c.duplicate_handling, DRILL_DUP_REPLACE);
	assert_string_equal(c.root, "OPCPUBSUB");
	assert_string_equal(c.heads, "AssetManagement/Heads");
	assert_string_equal(c.ids.serial_number,
	                    "ResultManagement.Results.0.ResultMetaData.SerialNumber");
	assert_string_equal(c.ids.step_number, "ResultManagement.Results.0.ResultContent."
	                                       "StepResults.0.StepResultValues.StepNumber");
	assert_string_equal(c.ids.head_id,
	                    "AssetManagement.Assets.Heads.0.Identification.SerialNumber");
	assert_string_equal(c.ids.evaluation, drill_data_ids_default()->evaluation);
	assert_string_equal(
	    c.depth_estimation,
	    "ResultManagement.Results.0.ResultContent.DepthEstimation.DepthEstimation");
	assert_int_equal(c.workers, 10);
	assert_int_equal(c.model_id, 4);
	assert_int_equal(c.negative_depth_behavior, DRILL_NEG_PUBLISH);
	assert_true(c.track_sequential_negatives);
	assert_int_equal(c.sequential_threshold, 5);
	assert_false(c.correlation_debug);
	assert_int_equal(drill_config_subscriptions(&c, t), 3);
	assert_string_equal(t[DRILL_MSG_RESULT], "OPCPUBSUB/+/+/ResultManagement");
	assert_string_equal(t[DRILL_MSG_TRACE], "OPCPUBSUB/+/+/ResultManagement/Trace");
	assert_string_equal(t[DRILL_MSG_HEADS], "OPCPUBSUB/+/+/AssetManagement/Heads");
	drill_config_subscriptions_free(t);
	drill_config_free(&c);
}

/* Every default, from a file with only the mqtt section, and with none. */
static void check_defaults(const drill_config *c)
{
	const drill_data_ids *d = drill_data_ids_default();

	assert_string_equal(c->host, "localhost");
	assert_int_equal(c->port, 1883);
	assert_int_equal(c->keepalive, 60);
	assert_string_equal(c->root, "OPCPUBSUB");
	assert_string_equal(c->toolboxid, "+");
	assert_string_equal(c->toolid, "+");
	assert_string_equal(c->result, "ResultManagement");
	assert_string_equal(c->trace, "ResultManagement/Trace");
	assert_string_equal(c->heads, "AssetManagement/Heads");
	assert_int_equal(c->duplicate_handling, DRILL_DUP_IGNORE);
	assert_true(c->time_window == 30.0);
	assert_true(c->cleanup_interval == 60.0);
	assert_int_equal(c->max_buffer_size, 10000);
	assert_int_equal(c->correlation, DRILL_MATCH_EXACT);
	assert_true(c->require_heads);
	assert_true(c->max_age == 300.0);
	assert_null(c->shared_group);
	assert_string_equal(c->ids.result_id, d->result_id);
	assert_string_equal(c->ids.position, d->position);
	assert_string_equal(c->ids.torque_empty, d->torque_empty);
	assert_string_equal(c->ids.trace_result_id, d->trace_result_id);
	assert_int_equal(c->workers, 10);
	assert_int_equal(c->negative_depth_behavior, DRILL_NEG_PUBLISH);
	assert_int_equal(c->sequential_threshold, 5);
	assert_true(c->sequential_window_minutes == 5.0);
}

static void test_defaults(void **state)
{
	drill_config c;
	drill_corr_options o;

	assert_ok(parse("mqtt: {}\n", &c));
	check_defaults(&c);
	drill_config_corr_options(&c, &o);
	assert_int_equal(o.max_buffer_size, 10000);
	assert_int_equal(o.max_age_ns, 300 * STRATA_NS_PER_SEC);
	assert_int_equal(o.time_window_ns, 30 * STRATA_NS_PER_SEC);
	assert_int_equal(o.duplicates, DRILL_DUP_IGNORE);
	assert_true(o.require_heads);
	drill_config_free(&c);
	/* an optional key set to null is absent */
	assert_ok(parse("mqtt:\n  listener:\n    time_window:\n  broker: {host: null}\n", &c));
	check_defaults(&c);
	drill_config_free(&c);
	assert_ok(drill_config_defaults(&c));
	check_defaults(&c);
	drill_config_free(&c);
}

/* Each enum value, and an unknown one with its line. */
static void test_enums(void **state)
{
	static const char *const dup[] = {"ignore", "replace", "error"};
	static const char *const neg[] = {"publish", "skip", "warning"};
	static const char *const match[] = {"exact", "time_window"};
	char text[256];
	drill_config c;
	int i;

	for (i = 0; i < 3; i++) {
		snprintf(text, sizeof(text), "mqtt:\n  listener:\n    duplicate_handling: %s\n",
		         dup[i]);
		assert_ok(parse(text, &c));
		assert_int_equal(c.duplicate_handling, i);
		assert_string_equal(drill_dup_mode_name(c.duplicate_handling), dup[i]);
		drill_config_free(&c);
		snprintf(text, sizeof(text),
		         "mqtt:\n  depth_validation:\n    negative_depth_behavior: '%s'\n", neg[i]);
		assert_ok(parse(text, &c));
		assert_int_equal(c.negative_depth_behavior, i);
		assert_string_equal(drill_negative_depth_name(c.negative_depth_behavior), neg[i]);
		drill_config_free(&c);
	}
	for (i = 0; i < 2; i++) {
		snprintf(text, sizeof(text), "mqtt:\n  listener:\n    correlation: %s\n", match[i]);
		assert_ok(parse(text, &c));
		assert_int_equal(c.correlation, i);
		drill_config_free(&c);
	}
	expect_error("mqtt:\n  listener:\n    duplicate_handling: Replace\n", STRATA_ESCHEMA,
	             "drill.yaml:3: mqtt.listener.duplicate_handling: expected one of ignore, "
	             "replace, error, got 'Replace'");
	expect_error("mqtt:\n  depth_validation:\n\n    negative_depth_behavior: warn\n",
	             STRATA_ESCHEMA,
	             "drill.yaml:4: mqtt.depth_validation.negative_depth_behavior: expected one of "
	             "publish, skip, warning, got 'warn'");
	expect_error("mqtt:\n  listener:\n    correlation: fuzzy\n", STRATA_ESCHEMA,
	             "drill.yaml:3: mqtt.listener.correlation");
}

/* Wrong types, unknown keys, tabs, ranges and topic parts: file:line. */
static void test_errors(void **state)
{
	expect_error("mqtt:\n  broker:\n    host: h\n    port: \"1883\"\n", STRATA_ESCHEMA,
	             "drill.yaml:4: mqtt.broker.port: expected integer, got string");
	expect_error("mqtt:\n  listener:\n    max_buffer_size: 10.5\n", STRATA_ESCHEMA,
	             "drill.yaml:3: mqtt.listener.max_buffer_size: expected integer, got float");
	expect_error("mqtt:\n  listener:\n    root: OPCPUBSUB\n    time_windw: 5\n", STRATA_ESCHEMA,
	             "drill.yaml:4: unknown key 'time_windw' in table mqtt.listener");
	expect_error("mqtt: {}\nmqqt: {}\n", STRATA_ESCHEMA, "drill.yaml:2: unknown key 'mqqt'");
	expect_error("# nothing\n{}\n", STRATA_ESCHEMA, "missing required key 'mqtt'");
	expect_error("broker: {}\n", STRATA_ESCHEMA,
	             "drill.yaml:1: unknown key 'broker' at top level");
	expect_error("- mqtt\n", STRATA_EPARSE, "drill.yaml:1:1: the top level must be a mapping");
	expect_error("", STRATA_ESCHEMA, "missing required key 'mqtt'");
	expect_error("mqtt:\n  broker:\n\thost: h\n", STRATA_EPARSE, "drill.yaml:3");
	expect_error("mqtt:\n  broker:\n\thost: h\n", STRATA_EPARSE, "tab");
	expect_error("mqtt:\n  broker:\n    port: 70000\n", STRATA_ESCHEMA,
	             "drill.yaml:3: mqtt.broker.port: must be between 1 and 65535, got 70000");
	expect_error("mqtt:\n  listener:\n    max_buffer_size: 2\n", STRATA_ESCHEMA,
	             "drill.yaml:3: mqtt.listener.max_buffer_size: must be between 3");
	expect_error("mqtt:\n  listener:\n    cleanup_interval: 0\n", STRATA_ESCHEMA,
	             "drill.yaml:3: mqtt.listener.cleanup_interval: must be greater than 0");
	expect_error("mqtt:\n  listener:\n    time_window: -1\n", STRATA_ESCHEMA,
	             "drill.yaml:3: mqtt.listener.time_window: must be at least 0");
	expect_error("mqtt:\n  processing:\n    workers: 0\n", STRATA_ESCHEMA,
	             "drill.yaml:3: mqtt.processing.workers");
	expect_error("mqtt:\n  listener:\n    root: OPCPUBSUB/#\n", STRATA_ESCHEMA,
	             "drill.yaml:3: mqtt.listener.root: must be non-empty topic levels");
	expect_error("mqtt:\n  listener:\n    toolid: a/b\n", STRATA_ESCHEMA,
	             "drill.yaml:3: mqtt.listener.toolid");
	expect_error("mqtt:\n  listener:\n    trace: ResultManagement\n", STRATA_ESCHEMA,
	             "drill.yaml:3: mqtt.listener.trace: result, trace and heads suffixes must "
	             "differ");
	expect_error("mqtt:\n  listener:\n    heads: ''\n", STRATA_ESCHEMA,
	             "drill.yaml:3: mqtt.listener.heads: is empty but require_heads is true");
	expect_error("mqtt:\n  listener:\n    shared_group: a/b\n", STRATA_ESCHEMA,
	             "drill.yaml:3: mqtt.listener.shared_group");
	expect_error("mqtt:\n  data_ids:\n    position: ''\n", STRATA_ESCHEMA,
	             "drill.yaml:3: mqtt.data_ids.position: must not be empty");
	expect_error("mqtt:\n  publisher:\n    topics:\n      traces: x\n", STRATA_ESCHEMA,
	             "drill.yaml:4: unknown key 'traces'");
}

/* The password is kept but never shows in a message, whatever fails. */
static void test_password_hidden(void **state)
{
	drill_config c;

	assert_ok(parse("mqtt:\n  broker:\n    username: line\n    password: " SECRET "\n", &c));
	assert_string_equal(c.password, SECRET);
	drill_config_free(&c);
	expect_error("mqtt:\n  broker:\n    password: " SECRET "\n    port: x\n", STRATA_ESCHEMA,
	             "mqtt.broker.port");
	expect_error("mqtt:\n  broker:\n    password: [" SECRET "]\n", STRATA_ESCHEMA,
	             "drill.yaml:3: mqtt.broker.password: expected string, got array");
	expect_error("mqtt:\n  broker:\n    password: 12345\n", STRATA_ESCHEMA,
	             "expected string, got integer");
	expect_error("mqtt:\n  broker:\n    password: \"" SECRET "\n", STRATA_EPARSE, "drill.yaml");
}

/* A shared-subscription group, a two-level root, a fixed toolbox and no
 * heads subscription. */
static void test_subscriptions_shared(void **state)
{
	drill_config c;
	char *t[DRILL_MSG_KINDS];

	assert_ok(parse("mqtt:\n  listener:\n    root: plant/line1\n    toolboxid: TB7\n"
	                "    shared_group: strata\n    heads: ''\n    require_heads: false\n",
	                &c));
	assert_int_equal(drill_config_subscriptions(&c, t), 2);
	assert_string_equal(t[DRILL_MSG_RESULT],
	                    "$share/strata/plant/line1/TB7/+/ResultManagement");
	assert_string_equal(t[DRILL_MSG_TRACE],
	                    "$share/strata/plant/line1/TB7/+/ResultManagement/Trace");
	assert_null(t[DRILL_MSG_HEADS]);
	drill_config_subscriptions_free(t);
	drill_config_free(&c);
}

/* Received topics: whole levels compared, toolbox and tool copied. */
static void test_classify(void **state)
{
	static const struct {
		const char *topic;
		int kind; /* -1: not ours */
	} cases[] = {
	    {"OPCPUBSUB/TB1/tool1/ResultManagement", DRILL_MSG_RESULT},
	    {"OPCPUBSUB/TB1/tool1/ResultManagement/Trace", DRILL_MSG_TRACE},
	    {"OPCPUBSUB/TB1/tool1/AssetManagement/Heads", DRILL_MSG_HEADS},
	    {"OPCPUBSUB/TB1/tool1/ResultManagement/Traces", -1},
	    {"OPCPUBSUB/TB1/tool1/x/ResultManagement", -1},
	    {"OPCPUBSUB/TB1/ResultManagement", -1},
	    {"OPCPUBSUB//tool1/ResultManagement", -1},
	    {"OPCPUBSUBX/TB1/tool1/ResultManagement", -1},
	    {"other/TB1/tool1/ResultManagement", -1},
	};
	drill_config c;
	size_t i;

	assert_ok(drill_config_defaults(&c));
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		drill_msg_kind k = DRILL_MSG_KINDS;
		char *tb = NULL, *tool = NULL;
		int rc = drill_config_classify(&c, cases[i].topic, &k, &tb, &tool);

		if (cases[i].kind < 0) {
			assert_int_equal(rc, STRATA_ENOTFOUND);
			continue;
		}
		assert_ok(rc);
		assert_int_equal(k, cases[i].kind);
		assert_string_equal(tb, "TB1");
		assert_string_equal(tool, "tool1");
		free(tb);
		free(tool);
	}
	drill_config_free(&c);
	assert_ok(parse("mqtt:\n  listener:\n    toolboxid: TB2\n", &c));
	{
		drill_msg_kind k;
		char *tb = NULL, *tool = NULL;
		assert_int_equal(
		    drill_config_classify(&c, "OPCPUBSUB/TB1/t/ResultManagement", &k, &tb, &tool),
		    STRATA_ENOTFOUND);
		assert_ok(
		    drill_config_classify(&c, "OPCPUBSUB/TB2/t/ResultManagement", &k, &tb, &tool));
		free(tb);
		free(tool);
	}
	drill_config_free(&c);
}

/* From a file: the shipped text, and a missing file. */
static void test_load_file(void **state)
{
	char path[512];
	drill_config c;

	snprintf(path, sizeof(path), "%s/mqtt_conf_docker.yaml", strata_test_dir);
	strata_test_write_file(path, shipped);
	assert_ok(drill_config_load(path, &c));
	assert_string_equal(c.source, path);
	assert_string_equal(c.host, "mqtt-broker");
	drill_config_free(&c);
	snprintf(path, sizeof(path), "%s/absent.yaml", strata_test_dir);
	assert_true(drill_config_load(path, &c) < 0);
	assert_non_null(strstr(strata_error_message(), "absent.yaml"));
	drill_config_free(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_shipped),         cmocka_unit_test(test_defaults),
	    cmocka_unit_test(test_enums),           cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_password_hidden), cmocka_unit_test(test_subscriptions_shared),
	    cmocka_unit_test(test_classify),        cmocka_unit_test(test_load_file),
	};

	return cmocka_run_group_tests(tests, strata_test_dir_setup, strata_test_dir_teardown);
}
