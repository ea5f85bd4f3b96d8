/* test_yaml.c - the YAML reader: PyYAML (YAML 1.1) scalars, refusals, messages. */
#include "conf_testutil.h"

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
CONF_TEST_PARSERS(strata_conf_parse_yaml, "t.yaml")

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

/* The cases of the brief, spelled out: PyYAML's YAML 1.1 resolution. */
static void test_pyyaml_plain_scalars(void **state)
{
	strata_conf *c;
	int b = -1;
	int64_t t = 0;
	(void)state;
	c = parse_ok("n1: ~\nn2:\nb1: yes\nb2: No\nb3: on\nb4: OFF\nb5: True\n"
	             "i1: 010\ni2: 1_000\ni3: 0b101\ni4: 190:20:30\ni5: 0x1F\ni6: -0\n"
	             "f1: 6.8523015e+5\nf2: 1.0e+3\nf3: 190:20:30.15\nf4: .5\nf5: -.Inf\nf6: .NaN\n"
	             "s1: 0o17\ns2: 1e3\ns3: 1.0e3\ns4: -.5\ns5: 08\ns6: y\ns7: 0:30\n"
	             "d1: 2019-10-01\nd2: 2001-12-14t21:59:43.10-05:00\n"
	             "d3: 2001-12-14 21:59:43.10\n");
	assert_int_equal(type_at(c, "n1"), STRATA_CONF_NULL);
	assert_int_equal(type_at(c, "n2"), STRATA_CONF_NULL);
	assert_ok(strata_conf_as_bool(strata_conf_get(c, "b1"), &b));
	assert_int_equal(b, 1);
	assert_ok(strata_conf_as_bool(strata_conf_get(c, "b2"), &b));
	assert_int_equal(b, 0);
	assert_ok(strata_conf_as_bool(strata_conf_get(c, "b3"), &b));
	assert_int_equal(b, 1);
	assert_ok(strata_conf_as_bool(strata_conf_get(c, "b4"), &b));
	assert_int_equal(b, 0);
	assert_int_equal(type_at(c, "b5"), STRATA_CONF_BOOL);
	assert_int_equal(int_at(c, "i1"), 8); /* octal */
	assert_int_equal(int_at(c, "i2"), 1000);
	assert_int_equal(int_at(c, "i3"), 5);
	assert_int_equal(int_at(c, "i4"), 685230); /* base 60 */
	assert_int_equal(int_at(c, "i5"), 31);
	assert_int_equal(int_at(c, "i6"), 0);
	assert_int_equal(type_at(c, "f1"), STRATA_CONF_FLOAT);
	assert_true(dbl_at(c, "f1") == 685230.15);
	assert_true(dbl_at(c, "f2") == 1000.0);
	assert_true(dbl_at(c, "f3") == 685230.15);
	assert_true(dbl_at(c, "f4") == 0.5);
	assert_true(isinf(dbl_at(c, "f5")) && dbl_at(c, "f5") < 0);
	assert_true(isnan(dbl_at(c, "f6")));
	assert_string_equal(str_at(c, "s1"), "0o17");  /* 1.2 octal: a string in 1.1 */
	assert_string_equal(str_at(c, "s2"), "1e3");   /* no dot: not a float */
	assert_string_equal(str_at(c, "s3"), "1.0e3"); /* exponent sign required */
	assert_string_equal(str_at(c, "s4"), "-.5");
	assert_string_equal(str_at(c, "s5"), "08");
	assert_string_equal(str_at(c, "s6"), "y");
	assert_string_equal(str_at(c, "s7"), "0:30");
	assert_int_equal(type_at(c, "d1"), STRATA_CONF_DATE);
	assert_ok(strata_conf_as_time_ns(strata_conf_get(c, "d1"), &t));
	assert_true(t == INT64_C(1569888000) * 1000000000); /* 2019-10-01T00:00:00 */
	assert_int_equal(type_at(c, "d2"), STRATA_CONF_DATETIME);
	assert_ok(strata_conf_as_time_ns(strata_conf_get(c, "d2"), &t));
	assert_true(t == INT64_C(1008385183100000000)); /* 2001-12-15T02:59:43.1Z */
	assert_int_equal(type_at(c, "d3"), STRATA_CONF_LOCAL_DATETIME);
	assert_ok(strata_conf_as_time_ns(strata_conf_get(c, "d3"), &t));
	assert_true(t == INT64_C(1008367183100000000)); /* 2001-12-14T21:59:43.1, as if UTC */
	strata_conf_free(c);
	c = parse_ok("min: -9223372036854775808\nmax: 0x7fffffffffffffff\n");
	assert_true(int_at(c, "min") == INT64_MIN);
	assert_true(int_at(c, "max") == INT64_MAX);
	strata_conf_free(c);
}

/* A document and what PyYAML's SafeLoader makes of its key v. */
struct pycase {
	const char *doc;
	strata_conf_type type;
	int64_t i;     /* BOOL, INT; DATE and the DATETIMEs as ns since the epoch */
	double f;      /* FLOAT */
	const char *s; /* STRING */
};

/*
 * Produced by PyYAML 6.0.3's SafeLoader: yaml.safe_load(doc)["v"] for each
 * document, turned into a strata type and value by a script (not kept);
 * regenerate rather than edit by hand. Date-times are ns since the epoch
 * (naive ones as if UTC). Fractions here have at most 6 digits, PyYAML's
 * precision.
 */
static const struct pycase pyyaml_cases[] = {
    {"v: ~\n", STRATA_CONF_NULL, 0, 0, NULL},
    {"v: null\n", STRATA_CONF_NULL, 0, 0, NULL},
    {"v: Null\n", STRATA_CONF_NULL, 0, 0, NULL},
    {"v: NULL\n", STRATA_CONF_NULL, 0, 0, NULL},
    {"v: nULL\n", STRATA_CONF_STRING, 0, 0, "nULL"},
    {"v: none\n", STRATA_CONF_STRING, 0, 0, "none"},
    {"v: Nil\n", STRATA_CONF_STRING, 0, 0, "Nil"},
    {"v: yes\n", STRATA_CONF_BOOL, INT64_C(1), 0, NULL},
    {"v: Yes\n", STRATA_CONF_BOOL, INT64_C(1), 0, NULL},
    {"v: YES\n", STRATA_CONF_BOOL, INT64_C(1), 0, NULL},
    {"v: no\n", STRATA_CONF_BOOL, INT64_C(0), 0, NULL},
    {"v: No\n", STRATA_CONF_BOOL, INT64_C(0), 0, NULL},
    {"v: NO\n", STRATA_CONF_BOOL, INT64_C(0), 0, NULL},
    {"v: true\n", STRATA_CONF_BOOL, INT64_C(1), 0, NULL},
    {"v: True\n", STRATA_CONF_BOOL, INT64_C(1), 0, NULL},
    {"v: TRUE\n", STRATA_CONF_BOOL, INT64_C(1), 0, NULL},
    {"v: false\n", STRATA_CONF_BOOL, INT64_C(0), 0, NULL},
    {"v: False\n", STRATA_CONF_BOOL, INT64_C(0), 0, NULL},
    {"v: FALSE\n", STRATA_CONF_BOOL, INT64_C(0), 0, NULL},
    {"v: on\n", STRATA_CONF_BOOL, INT64_C(1), 0, NULL},
    {"v: On\n", STRATA_CONF_BOOL, INT64_C(1), 0, NULL},
    {"v: ON\n", STRATA_CONF_BOOL, INT64_C(1), 0, NULL},
    {"v: off\n", STRATA_CONF_BOOL, INT64_C(0), 0, NULL},
    {"v: Off\n", STRATA_CONF_BOOL, INT64_C(0), 0, NULL},
    {"v: OFF\n", STRATA_CONF_BOOL, INT64_C(0), 0, NULL},
    {"v: y\n", STRATA_CONF_STRING, 0, 0, "y"},
    {"v: n\n", STRATA_CONF_STRING, 0, 0, "n"},
    {"v: Y\n", STRATA_CONF_STRING, 0, 0, "Y"},
    {"v: N\n", STRATA_CONF_STRING, 0, 0, "N"},
    {"v: yEs\n", STRATA_CONF_STRING, 0, 0, "yEs"},
    {"v: oN\n", STRATA_CONF_STRING, 0, 0, "oN"},
    {"v: tRUE\n", STRATA_CONF_STRING, 0, 0, "tRUE"},
    {"v: 0\n", STRATA_CONF_INT, INT64_C(0), 0, NULL},
    {"v: -0\n", STRATA_CONF_INT, INT64_C(0), 0, NULL},
    {"v: +0\n", STRATA_CONF_INT, INT64_C(0), 0, NULL},
    {"v: 42\n", STRATA_CONF_INT, INT64_C(42), 0, NULL},
    {"v: -17\n", STRATA_CONF_INT, INT64_C(-17), 0, NULL},
    {"v: +3\n", STRATA_CONF_INT, INT64_C(3), 0, NULL},
    {"v: 010\n", STRATA_CONF_INT, INT64_C(8), 0, NULL},
    {"v: -010\n", STRATA_CONF_INT, INT64_C(-8), 0, NULL},
    {"v: 0o17\n", STRATA_CONF_STRING, 0, 0, "0o17"},
    {"v: 0x1F\n", STRATA_CONF_INT, INT64_C(31), 0, NULL},
    {"v: -0x1F\n", STRATA_CONF_INT, INT64_C(-31), 0, NULL},
    {"v: 0xff_ff\n", STRATA_CONF_INT, INT64_C(65535), 0, NULL},
    {"v: 0b101\n", STRATA_CONF_INT, INT64_C(5), 0, NULL},
    {"v: -0b101\n", STRATA_CONF_INT, INT64_C(-5), 0, NULL},
    {"v: +0b1\n", STRATA_CONF_INT, INT64_C(1), 0, NULL},
    {"v: 1_000\n", STRATA_CONF_INT, INT64_C(1000), 0, NULL},
    {"v: 1__0\n", STRATA_CONF_INT, INT64_C(10), 0, NULL},
    {"v: 0_\n", STRATA_CONF_INT, INT64_C(0), 0, NULL},
    {"v: 00\n", STRATA_CONF_INT, INT64_C(0), 0, NULL},
    {"v: 08\n", STRATA_CONF_STRING, 0, 0, "08"},
    {"v: 09\n", STRATA_CONF_STRING, 0, 0, "09"},
    {"v: 0_7\n", STRATA_CONF_INT, INT64_C(7), 0, NULL},
    {"v: 012345\n", STRATA_CONF_INT, INT64_C(5349), 0, NULL},
    {"v: 190:20:30\n", STRATA_CONF_INT, INT64_C(685230), 0, NULL},
    {"v: -190:20:30\n", STRATA_CONF_INT, INT64_C(-685230), 0, NULL},
    {"v: 1:5\n", STRATA_CONF_INT, INT64_C(65), 0, NULL},
    {"v: 1:05\n", STRATA_CONF_INT, INT64_C(65), 0, NULL},
    {"v: 1:60\n", STRATA_CONF_STRING, 0, 0, "1:60"},
    {"v: 0:30\n", STRATA_CONF_STRING, 0, 0, "0:30"},
    {"v: 1::5\n", STRATA_CONF_STRING, 0, 0, "1::5"},
    {"v: 1:2:3:4\n", STRATA_CONF_INT, INT64_C(223384), 0, NULL},
    {"v: 12:30\n", STRATA_CONF_INT, INT64_C(750), 0, NULL},
    {"v: 1_0:30\n", STRATA_CONF_INT, INT64_C(630), 0, NULL},
    {"v: 100:99\n", STRATA_CONF_STRING, 0, 0, "100:99"},
    {"v: 1:5:9\n", STRATA_CONF_INT, INT64_C(3909), 0, NULL},
    {"v: 9223372036854775807\n", STRATA_CONF_INT, INT64_C(9223372036854775807), 0, NULL},
    {"v: -9223372036854775808\n", STRATA_CONF_INT, INT64_MIN, 0, NULL},
    {"v: 0x7fffffffffffffff\n", STRATA_CONF_INT, INT64_C(9223372036854775807), 0, NULL},
    {"v: 0b\n", STRATA_CONF_STRING, 0, 0, "0b"},
    {"v: 0x\n", STRATA_CONF_STRING, 0, 0, "0x"},
    {"v: 0xg\n", STRATA_CONF_STRING, 0, 0, "0xg"},
    {"v: 1_\n", STRATA_CONF_INT, INT64_C(1), 0, NULL},
    {"v: _1\n", STRATA_CONF_STRING, 0, 0, "_1"},
    {"v: 1.5\n", STRATA_CONF_FLOAT, 0, 1.5, NULL},
    {"v: .5\n", STRATA_CONF_FLOAT, 0, 0.5, NULL},
    {"v: 1.\n", STRATA_CONF_FLOAT, 0, 1.0, NULL},
    {"v: 1.0\n", STRATA_CONF_FLOAT, 0, 1.0, NULL},
    {"v: -1.5\n", STRATA_CONF_FLOAT, 0, -1.5, NULL},
    {"v: +1.5\n", STRATA_CONF_FLOAT, 0, 1.5, NULL},
    {"v: -.5\n", STRATA_CONF_STRING, 0, 0, "-.5"},
    {"v: +.5\n", STRATA_CONF_STRING, 0, 0, "+.5"},
    {"v: 1e3\n", STRATA_CONF_STRING, 0, 0, "1e3"},
    {"v: 1E3\n", STRATA_CONF_STRING, 0, 0, "1E3"},
    {"v: 1.0e3\n", STRATA_CONF_STRING, 0, 0, "1.0e3"},
    {"v: 1.0e+3\n", STRATA_CONF_FLOAT, 0, 1000.0, NULL},
    {"v: 1.0E-3\n", STRATA_CONF_FLOAT, 0, 0.001, NULL},
    {"v: 6.8523015e+5\n", STRATA_CONF_FLOAT, 0, 685230.15, NULL},
    {"v: 685.230_15e+03\n", STRATA_CONF_FLOAT, 0, 685230.15, NULL},
    {"v: 685_230.15\n", STRATA_CONF_FLOAT, 0, 685230.15, NULL},
    {"v: 190:20:30.15\n", STRATA_CONF_FLOAT, 0, 685230.15, NULL},
    {"v: 0:30.\n", STRATA_CONF_FLOAT, 0, 30.0, NULL},
    {"v: 1:20.5\n", STRATA_CONF_FLOAT, 0, 80.5, NULL},
    {"v: -1:20.5\n", STRATA_CONF_FLOAT, 0, -80.5, NULL},
    {"v: .inf\n", STRATA_CONF_FLOAT, 0, INFINITY, NULL},
    {"v: -.inf\n", STRATA_CONF_FLOAT, 0, -INFINITY, NULL},
    {"v: +.inf\n", STRATA_CONF_FLOAT, 0, INFINITY, NULL},
    {"v: .Inf\n", STRATA_CONF_FLOAT, 0, INFINITY, NULL},
    {"v: .INF\n", STRATA_CONF_FLOAT, 0, INFINITY, NULL},
    {"v: -.INF\n", STRATA_CONF_FLOAT, 0, -INFINITY, NULL},
    {"v: .iNf\n", STRATA_CONF_STRING, 0, 0, ".iNf"},
    {"v: .nan\n", STRATA_CONF_FLOAT, 0, NAN, NULL},
    {"v: .NaN\n", STRATA_CONF_FLOAT, 0, NAN, NULL},
    {"v: .NAN\n", STRATA_CONF_FLOAT, 0, NAN, NULL},
    {"v: -.nan\n", STRATA_CONF_STRING, 0, 0, "-.nan"},
    {"v: +.nan\n", STRATA_CONF_STRING, 0, 0, "+.nan"},
    {"v: .NAn\n", STRATA_CONF_STRING, 0, 0, ".NAn"},
    {"v: 1.2.3\n", STRATA_CONF_STRING, 0, 0, "1.2.3"},
    {"v: 1._5\n", STRATA_CONF_FLOAT, 0, 1.5, NULL},
    {"v: ._5\n", STRATA_CONF_STRING, 0, 0, "._5"},
    {"v: .5_\n", STRATA_CONF_FLOAT, 0, 0.5, NULL},
    {"v: 1.e+5\n", STRATA_CONF_FLOAT, 0, 100000.0, NULL},
    {"v: 0.000001\n", STRATA_CONF_FLOAT, 0, 1e-06, NULL},
    {"v: 1e+3\n", STRATA_CONF_STRING, 0, 0, "1e+3"},
    {"v: 1.0e+03\n", STRATA_CONF_FLOAT, 0, 1000.0, NULL},
    {"v: 1_.5\n", STRATA_CONF_FLOAT, 0, 1.5, NULL},
    {"v: 1.5e+3_\n", STRATA_CONF_STRING, 0, 0, "1.5e+3_"},
    {"v: 0x1p3\n", STRATA_CONF_STRING, 0, 0, "0x1p3"},
    {"v: nan\n", STRATA_CONF_STRING, 0, 0, "nan"},
    {"v: inf\n", STRATA_CONF_STRING, 0, 0, "inf"},
    {"v: 1.0e+1000x\n", STRATA_CONF_STRING, 0, 0, "1.0e+1000x"},
    {"v: -0.0\n", STRATA_CONF_FLOAT, 0, -0.0, NULL},
    {"v: 2019-10-01\n", STRATA_CONF_DATE, INT64_C(1569888000000000000), 0, NULL},
    {"v: 2019-1-1\n", STRATA_CONF_STRING, 0, 0, "2019-1-1"},
    {"v: 2019-10-1\n", STRATA_CONF_STRING, 0, 0, "2019-10-1"},
    {"v: 1970-01-01\n", STRATA_CONF_DATE, INT64_C(0), 0, NULL},
    {"v: 2000-02-29\n", STRATA_CONF_DATE, INT64_C(951782400000000000), 0, NULL},
    {"v: 1969-12-31\n", STRATA_CONF_DATE, INT64_C(-86400000000000), 0, NULL},
    {"v: 20191001\n", STRATA_CONF_INT, INT64_C(20191001), 0, NULL},
    {"v: 2019-10-01x\n", STRATA_CONF_STRING, 0, 0, "2019-10-01x"},
    {"v: 2001-12-14t21:59:43.10-05:00\n", STRATA_CONF_DATETIME, INT64_C(1008385183100000000), 0,
     NULL},
    {"v: 2001-12-14T21:59:43.10Z\n", STRATA_CONF_DATETIME, INT64_C(1008367183100000000), 0, NULL},
    {"v: 2001-12-14T21:59:43Z\n", STRATA_CONF_DATETIME, INT64_C(1008367183000000000), 0, NULL},
    {"v: 2001-12-14T21:59:43+05\n", STRATA_CONF_DATETIME, INT64_C(1008349183000000000), 0, NULL},
    {"v: 2001-12-14T21:59:43+0530\n", STRATA_CONF_STRING, 0, 0, "2001-12-14T21:59:43+0530"},
    {"v: 2001-12-14T21:59:43.123456+05:30\n", STRATA_CONF_DATETIME, INT64_C(1008347383123456000), 0,
     NULL},
    {"v: 2001-12-14t21:59:43.10z\n", STRATA_CONF_STRING, 0, 0, "2001-12-14t21:59:43.10z"},
    {"v: 2001-12-14T1:02:03\n", STRATA_CONF_LOCAL_DATETIME, INT64_C(1008291723000000000), 0, NULL},
    {"v: 2001-12-14T21:59\n", STRATA_CONF_STRING, 0, 0, "2001-12-14T21:59"},
    {"v: 2001-12-14T21:59:43.\n", STRATA_CONF_LOCAL_DATETIME, INT64_C(1008367183000000000), 0,
     NULL},
    {"v: 2001-12-14T21:59:43.5-00:30\n", STRATA_CONF_DATETIME, INT64_C(1008368983500000000), 0,
     NULL},
    {"v: 1969-12-31T23:59:59.999999Z\n", STRATA_CONF_DATETIME, INT64_C(-1000), 0, NULL},
    {"v: 2001-12-14 21:59:43.10\n", STRATA_CONF_LOCAL_DATETIME, INT64_C(1008367183100000000), 0,
     NULL},
    {"v: 2001-12-14 21:59:43.10 -5\n", STRATA_CONF_DATETIME, INT64_C(1008385183100000000), 0, NULL},
    {"v: 2001-12-14 21:59:43 Z\n", STRATA_CONF_DATETIME, INT64_C(1008367183000000000), 0, NULL},
    {"v: 2001-12-14  21:59:43\n", STRATA_CONF_LOCAL_DATETIME, INT64_C(1008367183000000000), 0,
     NULL},
    {"v: 2001-1-2 3:04:05\n", STRATA_CONF_LOCAL_DATETIME, INT64_C(978404645000000000), 0, NULL},
    {"v: 2001-12-14 21:59:43 +01:99\n", STRATA_CONF_DATETIME, INT64_C(1008357643000000000), 0,
     NULL},
    {"v: 2001-12-14 21:59:43Z\n", STRATA_CONF_DATETIME, INT64_C(1008367183000000000), 0, NULL},
    {"v: 2019-10-01 x\n", STRATA_CONF_STRING, 0, 0, "2019-10-01 x"},
    {"v: 1 2\n", STRATA_CONF_STRING, 0, 0, "1 2"},
    {"v: yes please\n", STRATA_CONF_STRING, 0, 0, "yes please"},
    {"v:\n", STRATA_CONF_NULL, 0, 0, NULL},
    {"v: ''\n", STRATA_CONF_STRING, 0, 0, ""},
    {"v: 2001-12-14\n  21:59:43\n", STRATA_CONF_LOCAL_DATETIME, INT64_C(1008367183000000000), 0,
     NULL},
    {"v: ! 12\n", STRATA_CONF_INT, INT64_C(12), 0, NULL},
    {"v: ! '1.5'\n", STRATA_CONF_FLOAT, 0, 1.5, NULL},
    {"v: ! \"yes\"\n", STRATA_CONF_BOOL, INT64_C(1), 0, NULL},
    {"v: ! |\n  12\n", STRATA_CONF_INT, INT64_C(12), 0, NULL},
    {"v: !!float 010\n", STRATA_CONF_FLOAT, 0, 10.0, NULL},
    {"v: !!float 1e3\n", STRATA_CONF_FLOAT, 0, 1000.0, NULL},
    {"v: !!float -.5\n", STRATA_CONF_FLOAT, 0, -0.5, NULL},
    {"v: !!float 190:20:30\n", STRATA_CONF_FLOAT, 0, 685230.0, NULL},
    {"v: !!int 0o17\n", STRATA_CONF_INT, INT64_C(15), 0, NULL},
    {"v: !!int \" -12 \"\n", STRATA_CONF_INT, INT64_C(-12), 0, NULL},
    {"v: !!int 99:99\n", STRATA_CONF_INT, INT64_C(6039), 0, NULL},
    {"v: !!bool yEs\n", STRATA_CONF_BOOL, INT64_C(1), 0, NULL},
    {"v: !!null foo\n", STRATA_CONF_NULL, 0, 0, NULL},
    {"v: !!str 2019-10-01\n", STRATA_CONF_STRING, 0, 0, "2019-10-01"},
    {"v: !!timestamp 2019-1-1\n", STRATA_CONF_DATE, INT64_C(1546300800000000000), 0, NULL},
    {"v: !!timestamp '2019-10-01 1:02:03'\n", STRATA_CONF_LOCAL_DATETIME,
     INT64_C(1569891723000000000), 0, NULL},
};

/* The value at v must be exactly what PyYAML made of k's document. */
static void check_pycase(const struct pycase *k)
{
	strata_conf *c = NULL;
	const strata_conf *v;
	int64_t i = 0;
	double d = 0;
	int b = -1;
	const char *s = NULL;

	if (parse(k->doc, &c))
		fail_msg("[%s]: %s", k->doc, strata_error_message());
	v = strata_conf_get(c, "v");
	if (!v || strata_conf_type_of(v) != k->type)
		fail_msg("[%s]: got %s, want %s", k->doc,
		         v ? strata_conf_type_name(strata_conf_type_of(v)) : "nothing",
		         strata_conf_type_name(k->type));
	if (k->type == STRATA_CONF_BOOL) {
		assert_ok(strata_conf_as_bool(v, &b));
		i = b;
	} else if (k->type == STRATA_CONF_INT) {
		assert_ok(strata_conf_as_int64(v, &i));
	} else if (k->type == STRATA_CONF_FLOAT) {
		assert_ok(strata_conf_as_double(v, &d));
	} else if (k->type == STRATA_CONF_STRING) {
		assert_ok(strata_conf_as_string(v, &s));
	} else if (k->type != STRATA_CONF_NULL) {
		assert_ok(strata_conf_as_time_ns(v, &i));
	}
	if (i != k->i || (s && strcmp(s, k->s)) ||
	    (isnan(k->f) ? !isnan(d) : d != k->f || signbit(d) != signbit(k->f)))
		fail_msg("[%s]: got i=%lld f=%.17g s=%s", k->doc, (long long)i, d, s ? s : "-");
	strata_conf_free(c);
}

static void test_pyyaml_table(void **state)
{
	size_t k;
	(void)state;
	for (k = 0; k < sizeof pyyaml_cases / sizeof *pyyaml_cases; k++)
		check_pycase(&pyyaml_cases[k]);
}

/* Where PyYAML raises, strata refuses too, naming the line and column. */
static void test_pyyaml_errors(void **state)
{
	(void)state;
	parse_fails("a: 1\nv: 2019-13-01\n", STRATA_EPARSE,
	            "t.yaml:2:4: invalid timestamp '2019-13-01': month 13 out of range");
	parse_fails("v: 2019-02-29\n", STRATA_EPARSE, "t.yaml:1:4: invalid timestamp '2019-02-29'");
	parse_fails("v: 2019-02-30\n", STRATA_EPARSE, "day 30 out of range");
	parse_fails("v: 2019-00-10\n", STRATA_EPARSE, "month 0 out of range");
	parse_fails("v: 2001-12-14 24:00:00\n", STRATA_EPARSE, "24:00:00 out of range");
	parse_fails("v: 2001-12-14 23:60:00\n", STRATA_EPARSE, "out of range");
	parse_fails("v: 2001-12-14 23:59:60\n", STRATA_EPARSE, "23:59:60 out of range");
	parse_fails("v: 2001-12-14 21:59:43 +24:00\n", STRATA_EPARSE,
	            "UTC offset of 24 hours or more");
	parse_fails("v: 0000-01-01\n", STRATA_EPARSE, "invalid timestamp '0000-01-01'");
	parse_fails("v: 0b_\n", STRATA_EPARSE, "t.yaml:1:4: invalid int '0b_'");
	parse_fails("v: -0x_\n", STRATA_EPARSE, "invalid int '-0x_'");
	parse_fails("v: ! \".inf\\n\"\n", STRATA_EPARSE, "invalid float '.inf'");
	parse_fails("v: !!timestamp x\n", STRATA_EPARSE, "value does not match tag !!timestamp");
	parse_fails("v: !!bool maybe\n", STRATA_EPARSE, "value does not match tag !!bool");
	parse_fails("v: !!int 1.5\n", STRATA_EPARSE, "value does not match tag !!int");
	parse_fails("v: !!float abc\n", STRATA_EPARSE, "value does not match tag !!float");
	parse_fails("v: <<\n", STRATA_EUNSUPPORTED,
	            "t.yaml:1:4: merge keys ('<<') are not supported");
	parse_fails("v: [1, =]\n", STRATA_EUNSUPPORTED,
	            "t.yaml:1:8: the YAML 1.1 value key '=' is not supported");
}

/* Where strata cannot hold what PyYAML would make, it refuses clearly; the
 * other deliberate differences are pinned here too. */
static void test_pyyaml_divergences(void **state)
{
	strata_conf *c;
	int64_t t = 0;
	(void)state;
	/* PyYAML has bigints, inf and years 1..9999. */
	parse_fails("v: 9223372036854775808\n", STRATA_EPARSE, "t.yaml:1:4: integer out of range");
	parse_fails("v: -9223372036854775809\n", STRATA_EPARSE, "integer out of range");
	parse_fails("v: 0x8000000000000000\n", STRATA_EPARSE, "integer out of range");
	parse_fails("v: 2562047788015216:00:00\n", STRATA_EPARSE, "integer out of range");
	parse_fails("v: 1.0e+999\n", STRATA_EPARSE, "t.yaml:1:4: float out of range");
	parse_fails("v: !!float 1e999\n", STRATA_EPARSE, "float out of range");
	parse_fails("v: 1600-01-01\n", STRATA_EPARSE, "time outside 1677-09-21..2262-04-11");
	parse_fails("v: 2262-04-11 23:47:16.854775808\n", STRATA_EPARSE, "time outside");
	/* PyYAML keeps microseconds; strata keeps nanoseconds (more truncated). */
	c = parse_ok("v: 2001-12-14 21:59:43.1234567891\nw: 1969-12-31T23:59:59.9999999999Z\n");
	assert_ok(strata_conf_as_time_ns(strata_conf_get(c, "v"), &t));
	assert_true(t == INT64_C(1008367183123456789));
	assert_ok(strata_conf_as_time_ns(strata_conf_get(c, "w"), &t));
	assert_true(t == -1);
	strata_conf_free(c);
	/* Keys keep their text (PyYAML: True, 1 and None keys; = is a string). */
	c = parse_ok("yes: 1\n1: 2\n~: 3\n=: 4\n'<<': 5\n");
	assert_int_equal(int_at(c, "yes"), 1);
	assert_int_equal(int_at(c, "1"), 2);
	assert_int_equal(int_at(c, "~"), 3);
	assert_int_equal(int_at(c, "="), 4);
	assert_int_equal(int_at(c, "<<"), 5);
	strata_conf_free(c);
	/* PyYAML merges <<: {x: 1} into its mapping; strata refuses merge keys. */
	parse_fails("a: 1\n<<: {x: 1}\n", STRATA_EUNSUPPORTED,
	            "t.yaml:2:1: merge keys ('<<') are not supported");
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
	             "f: !!map {x: 1}\ng: !!seq [1]\nh: ! 12\ni: ! '12'\nj: !!timestamp 2019-1-2\n"
	             "k: !!float 1e3\nl: !!str yes\n");
	assert_string_equal(str_at(c, "a"), "12");
	assert_int_equal(int_at(c, "b"), 12);
	assert_int_equal(type_at(c, "c"), STRATA_CONF_FLOAT);
	assert_true(dbl_at(c, "c") == 1.0);
	assert_int_equal(type_at(c, "d"), STRATA_CONF_BOOL);
	assert_int_equal(type_at(c, "e"), STRATA_CONF_NULL);
	assert_int_equal(int_at(c, "f.x"), 1);
	assert_int_equal(int_at(c, "g[0]"), 1);
	/* As in PyYAML, "!" resolves even a quoted scalar as if it were plain. */
	assert_int_equal(int_at(c, "h"), 12);
	assert_int_equal(int_at(c, "i"), 12);
	assert_int_equal(type_at(c, "j"), STRATA_CONF_DATE);
	assert_true(dbl_at(c, "k") == 1000.0);
	assert_string_equal(str_at(c, "l"), "yes");
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
	    cmocka_unit_test(test_pyyaml_plain_scalars),
	    cmocka_unit_test(test_pyyaml_table),
	    cmocka_unit_test(test_pyyaml_errors),
	    cmocka_unit_test(test_pyyaml_divergences),
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
