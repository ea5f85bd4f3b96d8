/*
 * test_qcone.c - QC-one (src/noise/qcone.c): the QCOne parameters as
 * params.c stores Noiz's TOML files, every decision compared exactly with
 * tests/noise/qc_reference.py (Noiz's semantics in Python, run live with
 * $STRATA_PYTHON, default /usr/bin/python3), the edge cases spelled out,
 * and the statistics and QC-one stages over a small catalog (SQLite and
 * PostgreSQL) with chunk files written by noise_chunkfile_write.
 */
#include "testutil.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "noise/catalog.h"
#include "noise/chunkfile.h"
#include "noise/cmd_qc.h"
#include "noise/params.h"
#include "noise/qcone.h"
#include "noise/stats.h"

/* ns of an ISO 8601 time. */
static strata_time T(const char *iso)
{
	strata_time t = 0;
	assert_int_equal(strata_time_parse_iso8601(iso, &t), 0);
	return t;
}

/* Write text to dir/name and return the path (static buffer per call site). */
static void write_toml(char *path, size_t len, const char *dir, const char *name, const char *text)
{
	snprintf(path, len, "%s/%s", dir, name);
	strata_test_write_file(path, text);
}

/* --- configuration ---------------------------------------------------------- */

/* Register a TOML file in db and parse the stored QCOne JSON. */
static void add_and_parse(strata_db *db, const char *path, noise_qcone_config *cfg, long long *num)
{
	noise_param_set p;
	char id[37];
	char *json = NULL;

	assert_ok(noise_params_add(db, path, "QCOne", &p));
	assert_ok(noise_params_lookup(db, "QCOne", p.number, id, &json));
	assert_ok(noise_qcone_config_parse(json, cfg));
	free(json);
	if (num)
		*num = p.number;
}

static void test_noiz_examples(void **state)
{
	char path[1024], dir[256], url[512];
	noise_qcone_config cfg;
	strata_db *db = NULL;

	(void)state;
	STRATA_REQUIRE_TESTDATA("seismic/noiz/config_examples/QCOneConfig.toml", path);
	strata_test_tmpdir(dir, sizeof dir);
	snprintf(url, sizeof url, "%s/c.db", dir);
	assert_ok(noise_catalog_open(url, &db));
	add_and_parse(db, path, &cfg, NULL);
	assert_int_equal(cfg.datachunk_params_number, 1);
	assert_int_equal(cfg.null_value, 1);
	assert_int_equal(cfg.strict_gps, 0); /* strict_gps = "False" */
	assert_true(cfg.start == T("2019-10-01") && cfg.end == T("2019-11-01"));
	assert_true(cfg.bound[0] == -0.104 && cfg.bound[1] == 0.104 && cfg.bound[2] == 0.01 &&
	            cfg.bound[3] == 60.0);
	assert_true(noise_qcone_uses_gps(&cfg) && !noise_qcone_uses_stats(&cfg));
	assert_int_equal(cfg.nrejected, 2);
	assert_string_equal(cfg.rejected[0].station, "TD11");
	assert_string_equal(cfg.rejected[1].network, "TD");
	assert_string_equal(cfg.rejected[1].component, "Z");
	assert_true(cfg.rejected[0].start == T("2019-10-15") &&
	            cfg.rejected[0].end == T("2019-10-17"));
	noise_qcone_config_free(&cfg);
	STRATA_REQUIRE_TESTDATA(
	    "seismic/noiz/config_examples/QCOneConfig_without_rejected_times.toml", path);
	add_and_parse(db, path, &cfg, NULL);
	assert_int_equal(cfg.nrejected, 0);
	noise_qcone_config_free(&cfg);
	strata_db_close(db);
	strata_test_rmtree(dir);
}

/* Parse json expecting an error whose message holds needle. */
static void expect_bad(const char *json, const char *needle)
{
	noise_qcone_config cfg;
	int rc = noise_qcone_config_parse(json, &cfg);

	if (rc == 0)
		fail_msg("accepted %s", json);
	if (!strstr(strata_error_message(), needle))
		fail_msg("%s: message '%s' lacks '%s'", json, strata_error_message(), needle);
}

static void test_config_errors(void **state)
{
	noise_qcone_config cfg;

	(void)state;
	expect_bad("{}", "QCOne.datachunk_params_id: missing");
	expect_bad("[1]", "not a JSON object");
	expect_bad("{\"datachunk_params_id\":1,\"signal_energy_mx\":1}", "QCOne.signal_energy_mx");
	expect_bad("{\"datachunk_params_id\":1,\"null_treatment_policy\":\"maybe\"}",
	           "null_treatment_policy");
	expect_bad("{\"datachunk_params_id\":1,\"strict_gps\":\"yes\"}", "strict_gps");
	expect_bad("{\"datachunk_params_id\":1,\"signal_mean_value_max\":\"1\"}",
	           "signal_mean_value_max: expected a number");
	expect_bad("{\"datachunk_params_id\":1.5}", "datachunk_params_id");
	expect_bad("{\"datachunk_params_id\":1,\"starttime\":\"yesterday\"}", "QCOne.starttime");
	expect_bad("{\"datachunk_params_id\":1,\"rejected_times\":[{\"network\":\"N\",\"station\":"
	           "\"S\",\"component\":\"Z\",\"starttime\":\"2022-01-02\",\"endtime\":"
	           "\"2022-01-02\"}]}",
	           "rejected_times[0]: starttime is not before endtime");
	expect_bad("{\"datachunk_params_id\":1,\"rejected_times\":[{\"network\":\"N\",\"station\":"
	           "\"S\",\"starttime\":\"2022-01-02\",\"endtime\":\"2022-01-03\"}]}",
	           "rejected_times[0].component");
	/* Defaults: pass, not strict, 2010-01-01 .. 2030-01-01, no bounds. */
	assert_ok(noise_qcone_config_parse("{\"datachunk_params_id\":3,\"strict_gps\":\"True\","
	                                   "\"signal_kurtosis_max\":null}",
	                                   &cfg));
	assert_int_equal(cfg.datachunk_params_number, 3);
	assert_true(cfg.null_value == 1 && cfg.strict_gps == 1);
	assert_true(cfg.start == T("2010-01-01") && cfg.end == T("2030-01-01"));
	assert_false(noise_qcone_uses_gps(&cfg) || noise_qcone_uses_stats(&cfg));
	noise_qcone_config_free(&cfg);
}

/* --- decisions: spelled-out edge cases ---------------------------------------- */

static const char edge_config[] =
    "{\"datachunk_params_id\":1,\"null_treatment_policy\":\"%s\",\"strict_gps\":%s,"
    "\"starttime\":\"2022-01-01T00:00:00.000000000Z\",\"endtime\":\"2022-01-03\","
    "\"avg_gps_time_error_min\":-0.1,\"avg_gps_time_error_max\":0.1,"
    "\"signal_energy_max\":10,\"signal_skewness_min\":-1,"
    "\"rejected_times\":[{\"network\":\"XX\",\"station\":\"STA1\",\"component\":\"Z\","
    "\"starttime\":\"2022-01-02T01:00:00Z\",\"endtime\":\"2022-01-02T02:00:00Z\"}]}";

static void parse_edge_config(const char *policy, const char *strict, noise_qcone_config *cfg)
{
	char json[1024];

	snprintf(json, sizeof json, edge_config, policy, strict);
	assert_ok(noise_qcone_config_parse(json, cfg));
}

static void test_rejected_edges(void **state)
{
	noise_qcone_config cfg;
	noise_stats st = {1, -1, 1, 0, 1, 0, 0};
	noise_qcone_input in = {"XX", "STA1", "Z", 0, 0, &st, 1, 0.0, 0.0};
	noise_qcone_result r;
	strata_time a = T("2022-01-02T01:00:00Z"), b = T("2022-01-02T02:00:00Z");
	const strata_time half = 1800 * STRATA_NS_PER_SEC;

	(void)state;
	parse_edge_config("pass", "false", &cfg);
	/* The chunk ends exactly where the rejected period starts: rejected. */
	in.ts_start = a - half;
	in.ts_end = a;
	noise_qcone_evaluate(&cfg, &in, &r);
	assert_false(r.check[NOISE_QC_ACCEPTED_TIME] || r.passed);
	/* One nanosecond earlier: accepted. */
	in.ts_start = a - half - 1;
	in.ts_end = a - 1;
	noise_qcone_evaluate(&cfg, &in, &r);
	assert_true(r.check[NOISE_QC_ACCEPTED_TIME] && r.passed);
	/* The chunk starts exactly where the period ends: rejected; 1 ns later: accepted. */
	in.ts_start = b;
	in.ts_end = b + half;
	noise_qcone_evaluate(&cfg, &in, &r);
	assert_false(r.check[NOISE_QC_ACCEPTED_TIME]);
	in.ts_start = b + 1;
	in.ts_end = b + half + 1;
	noise_qcone_evaluate(&cfg, &in, &r);
	assert_true(r.check[NOISE_QC_ACCEPTED_TIME]);
	/* Another component of the same station: never rejected. */
	in.component = "N";
	in.ts_start = a;
	in.ts_end = b;
	noise_qcone_evaluate(&cfg, &in, &r);
	assert_true(r.check[NOISE_QC_ACCEPTED_TIME]);
	/* Time bounds are inclusive too; the end bound 2022-01-03 00:00. */
	in.ts_start = T("2022-01-01");
	in.ts_end = T("2022-01-03");
	noise_qcone_evaluate(&cfg, &in, &r);
	assert_true(r.check[NOISE_QC_STARTTIME] && r.check[NOISE_QC_ENDTIME]);
	in.ts_end++;
	noise_qcone_evaluate(&cfg, &in, &r);
	assert_false(r.check[NOISE_QC_ENDTIME] || r.passed);
	noise_qcone_config_free(&cfg);
}

static void test_null_policies(void **state)
{
	noise_qcone_config cfg;
	noise_stats st = {11, -1, 1, 0, 1, NAN, NAN}; /* energy above max; NaN skewness */
	noise_qcone_input in = {"XX", "STA2", "Z", T("2022-01-02"), T("2022-01-02T00:30:00Z"), &st,
	                        1,    0.05,   NAN};
	noise_qcone_result r;
	const char *why = NULL;
	const int energy_max = NOISE_QC_STATS_FIRST + 1, skew_min = NOISE_QC_STATS_FIRST + 10;
	const int gps_err_max = NOISE_QC_GPS_FIRST + 1, gps_unc_min = NOISE_QC_GPS_FIRST + 2;

	(void)state;
	for (int pass = 0; pass <= 1; pass++) {
		parse_edge_config(pass ? "pass" : "fail", "true", &cfg);
		noise_qcone_evaluate(&cfg, &in, &r);
		assert_int_equal(r.check[energy_max], 0);              /* 11 > 10 */
		assert_int_equal(r.check[skew_min], pass);             /* NaN value */
		assert_int_equal(r.check[gps_err_max], 1);             /* 0.05 <= 0.1 */
		assert_int_equal(r.check[gps_unc_min], pass);          /* bound not set */
		assert_int_equal(r.check[NOISE_QC_STATS_FIRST], pass); /* energy_min not set */
		/* No stats, no GPS: every such check is the null value. */
		in.stats = NULL;
		in.has_gps = 0;
		noise_qcone_evaluate(&cfg, &in, &r);
		for (int k = NOISE_QC_GPS_FIRST; k < NOISE_QC_NCHECKS; k++)
			assert_int_equal(r.check[k], pass);
		assert_int_equal(r.passed, pass);
		/* ... but the stage gives them no result: the config bounds statistics,
		 * and GPS with strict_gps. */
		assert_false(noise_qcone_applies(&cfg, 0, 1, &why));
		assert_non_null(strstr(why, "statistics"));
		assert_false(noise_qcone_applies(&cfg, 1, 0, &why));
		assert_non_null(strstr(why, "strict_gps"));
		assert_true(noise_qcone_applies(&cfg, 1, 1, &why));
		in.stats = &st;
		in.has_gps = 1;
		noise_qcone_config_free(&cfg);
	}
	/* Not strict: chunks without GPS get results (null value). */
	parse_edge_config("fail", "false", &cfg);
	assert_true(noise_qcone_applies(&cfg, 1, 0, NULL));
	noise_qcone_config_free(&cfg);
}

/* --- decisions against the reference ------------------------------------------ */

/* Every bound set, 2022 dates, two rejected periods. */
static const char full_config[] =
    "{\"datachunk_params_id\":1,\"null_treatment_policy\":\"%s\",\"strict_gps\":\"%s\","
    "\"starttime\":\"2022-01-01T00:00:00.000000000Z\",\"endtime\":\"2022-01-04\","
    "\"avg_gps_time_error_min\":-0.104,\"avg_gps_time_error_max\":0.104,"
    "\"avg_gps_time_uncertainty_min\":0.01,\"avg_gps_time_uncertainty_max\":60,"
    "\"signal_energy_min\":0.5,\"signal_energy_max\":2,\"signal_min_value_min\":-3,"
    "\"signal_min_value_max\":-0.5,\"signal_max_value_min\":0.5,\"signal_max_value_max\":3,"
    "\"signal_mean_value_min\":-0.1,\"signal_mean_value_max\":0.1,"
    "\"signal_variance_min\":0.5,\"signal_variance_max\":2,\"signal_skewness_min\":-0.5,"
    "\"signal_skewness_max\":0.5,\"signal_kurtosis_min\":-1,\"signal_kurtosis_max\":1,"
    "\"rejected_times\":[{\"network\":\"XX\",\"station\":\"STA1\",\"component\":\"Z\","
    "\"starttime\":\"2022-01-02T01:00:00Z\",\"endtime\":\"2022-01-02T02:00:00Z\"},"
    "{\"network\":\"XX\",\"station\":\"STA1\",\"component\":\"Z\","
    "\"starttime\":\"2022-01-02T12:00:00Z\",\"endtime\":\"2022-01-02T12:00:01Z\"}]}";

/* Half of the bounds, the example's 2019 dates. */
static const char partial_config[] =
    "{\"datachunk_params_id\":1,\"null_treatment_policy\":\"%s\",\"strict_gps\":\"%s\","
    "\"starttime\":\"2019-10-01T00:00:00.000000000Z\",\"endtime\":"
    "\"2019-11-01T00:00:00.000000000Z\",\"avg_gps_time_error_max\":0.104,"
    "\"signal_energy_max\":2,\"signal_min_value_min\":-3,\"signal_kurtosis_max\":1}";

/* Candidate values of a statistic or GPS field around the bounds above. */
static const double values[] = {-4,    -3,  -1, -0.5, -0.104, -0.1, 0,  0.01, 0.1,
                                0.104, 0.5, 1,  2,    3,      60,   61, NAN};
#define NVALUES (sizeof(values) / sizeof(values[0]))

/* A JSON number, or null for NaN. */
static json_t *num(double v)
{
	return isnan(v) ? json_null() : json_real(v);
}

/* The deterministic case i: component, timespan, stats and GPS. */
static void make_case(size_t i, noise_qcone_input *in, noise_stats *st)
{
	static const char *const comps[3][3] = {
	    {"XX", "STA1", "Z"}, {"XX", "STA1", "N"}, {"XX", "STA2", "Z"}};
	static const char *const starts[] = {"2022-01-02T00:30:00Z", "2022-01-02T02:00:00Z",
	                                     "2022-01-02T11:30:00Z", "2022-01-02T12:00:01Z",
	                                     "2021-12-31T23:30:00Z", "2022-01-03T23:30:00Z",
	                                     "2019-10-05T00:00:00Z"};
	const size_t nstarts = sizeof(starts) / sizeof(starts[0]);
	uint64_t h = (uint64_t)i * 0x9E3779B97F4A7C15ULL + 12345;

	in->network = comps[i % 3][0];
	in->station = comps[i % 3][1];
	in->component = comps[i % 3][2];
	in->ts_start = T(starts[(i / 3) % nstarts]);
	in->ts_end = in->ts_start + 1800 * STRATA_NS_PER_SEC;
	double *f = &st->energy;
	for (int k = 0; k < 7; k++) {
		h ^= h >> 29;
		h *= 0xBF58476D1CE4E5B9ULL;
		f[k] = values[(h >> 7) % NVALUES];
	}
	in->stats = (i % 7 == 3) ? NULL : st;
	in->has_gps = (i % 5 != 2);
	in->gps_time_error = values[(h >> 17) % NVALUES];
	in->gps_time_uncertainty = values[(h >> 27) % NVALUES];
	if (i % 4 == 0) { /* within every bound of full_config, some exactly on one */
		*st = (noise_stats){1, -1, 1, 0, 1, 0, 0};
		f[(h >> 37) % 7] = values[(h >> 41) % NVALUES];
		in->gps_time_error = i % 8 ? 0.104 : 0.0;
		in->gps_time_uncertainty = 1;
	}
}

/* Run the reference on config + cases; returns its JSON array. */
static json_t *run_reference(const char *config, const noise_qcone_input *ins, size_t n)
{
	json_t *doc = json_object(), *cases = json_array(), *out;
	char in_path[512], out_path[512], cmd[2048];
	const char *py = getenv("STRATA_PYTHON");
	json_error_t err;
	int rc;

	json_object_set_new(doc, "config", json_loads(config, 0, &err));
	for (size_t i = 0; i < n; i++) {
		json_t *c = json_object();
		json_object_set_new(c, "network", json_string(ins[i].network));
		json_object_set_new(c, "station", json_string(ins[i].station));
		json_object_set_new(c, "component", json_string(ins[i].component));
		json_object_set_new(c, "ts_start", json_integer(ins[i].ts_start));
		json_object_set_new(c, "ts_end", json_integer(ins[i].ts_end));
		if (ins[i].stats) {
			json_t *s = json_array();
			for (int k = 0; k < 7; k++)
				json_array_append_new(s, num(noise_stats_value(ins[i].stats, k)));
			json_object_set_new(c, "stats", s);
		} else
			json_object_set_new(c, "stats", json_null());
		json_object_set_new(c, "gps",
		                    ins[i].has_gps ? json_pack("[oo]", num(ins[i].gps_time_error),
		                                               num(ins[i].gps_time_uncertainty))
		                                   : json_null());
		json_array_append_new(cases, c);
	}
	json_object_set_new(doc, "cases", cases);
	snprintf(in_path, sizeof in_path, "%s/qc_in.json", strata_test_dir);
	snprintf(out_path, sizeof out_path, "%s/qc_out.json", strata_test_dir);
	assert_int_equal(json_dump_file(doc, in_path, 0), 0);
	json_decref(doc);
	snprintf(cmd, sizeof cmd, "%s %s/tests/noise/qc_reference.py qcone %s %s",
	         py ? py : "/usr/bin/python3", STRATA_SOURCE_DIR, in_path, out_path);
	rc = system(cmd);
	if (WIFEXITED(rc) && WEXITSTATUS(rc) == 77) {
		printf("SKIPPED: python3 with numpy and scipy not available\n");
		skip();
	}
	assert_int_equal(rc, 0);
	out = json_load_file(out_path, 0, &err);
	assert_non_null(out);
	assert_int_equal(json_array_size(out), n);
	return out;
}

/* Compare C decisions for n cases under config with the reference's. */
static void compare_config(const char *config, size_t n)
{
	noise_qcone_input *ins = calloc(n, sizeof(*ins));
	noise_stats *sts = calloc(n, sizeof(*sts));
	noise_qcone_config cfg;
	size_t npassed = 0, napplies = 0;
	json_t *ref;

	assert_true(ins && sts);
	for (size_t i = 0; i < n; i++)
		make_case(i, &ins[i], &sts[i]);
	ref = run_reference(config, ins, n);
	assert_ok(noise_qcone_config_parse(config, &cfg));
	for (size_t i = 0; i < n; i++) {
		json_t *r = json_array_get(ref, i), *checks = json_object_get(r, "checks");
		noise_qcone_result res;
		int applies = noise_qcone_applies(&cfg, ins[i].stats != NULL, ins[i].has_gps, NULL);
		noise_qcone_evaluate(&cfg, &ins[i], &res);
		assert_int_equal(applies, json_is_true(json_object_get(r, "applies")));
		for (int k = 0; k < NOISE_QC_NCHECKS; k++)
			if (res.check[k] != json_is_true(json_array_get(checks, (size_t)k)))
				fail_msg("case %zu check %s: C %d, reference %d", i,
				         noise_qcone_check_names[k], res.check[k], !res.check[k]);
		assert_int_equal(res.passed, json_is_true(json_object_get(r, "passed")));
		npassed += (size_t)res.passed;
		napplies += (size_t)applies;
	}
	printf("%zu cases: %zu apply, %zu pass\n", n, napplies, npassed);
	json_decref(ref);
	noise_qcone_config_free(&cfg);
	free(ins);
	free(sts);
}

static void test_reference(void **state)
{
	static const char *const policies[2] = {"pass", "fail"}, *const stricts[2] = {"False",
	                                                                              "True"};
	char config[4096];

	(void)state;
	for (int p = 0; p < 2; p++) {
		for (int s = 0; s < 2; s++) {
			snprintf(config, sizeof config, full_config, policies[p], stricts[s]);
			compare_config(config, 4000);
			snprintf(config, sizeof config, partial_config, policies[p], stricts[s]);
			compare_config(config, 500);
		}
	}
	/* No bound at all: only the time checks and the null value decide. */
	compare_config("{\"datachunk_params_id\":1,\"null_treatment_policy\":\"fail\"}", 100);
	compare_config("{\"datachunk_params_id\":1}", 100);
}

/* --- the stages over a catalog -------------------------------------------------- */

static const char datachunk_toml[] =
    "[DatachunkParams]\nsampling_rate = 24\nprefiltering_low = 0.01\n"
    "prefiltering_high = 11.0\nprefiltering_order = 4\npreprocessing_taper_type = \"cosine\"\n"
    "preprocessing_taper_side = \"both\"\npreprocessing_taper_max_length = 5\n"
    "preprocessing_taper_max_percentage = 0.1\nremove_response = true\n"
    "datachunk_sample_tolerance = 0.02\nzero_padding_method = \"tapered_padded\"\n"
    "padding_taper_type = \"cosine\"\npadding_taper_max_length = 5\n"
    "padding_taper_max_percentage = 10\n";

/* The 2022 config of the stage test: energy in [1e-3, 0.4], GPS error
 * within 0.104, STA1.Z rejected on 2022-01-02 01:00..01:30 (edges). */
static const char qcone_2022_toml[] =
    "[QCOne]\ndatachunk_params_id = 1\nnull_treatment_policy = \"pass\"\n"
    "strict_gps = \"%s\"\nstarttime = 2022-01-01\nendtime = 2022-01-03\n"
    "avg_gps_time_error_min = -0.104\navg_gps_time_error_max = 0.104\n"
    "signal_energy_min = 1e-3\nsignal_energy_max = 0.4\n"
    "[[QCOne.rejected_times]]\nnetwork = \"XX\"\nstation = \"STA1\"\ncomponent = \"Z\"\n"
    "starttime = 2022-01-02T01:00:00Z\nendtime = 2022-01-02T01:30:00Z\n";

/* As Noiz's example: GPS bounds only, October 2019. */
static const char qcone_2019_toml[] =
    "[QCOne]\ndatachunk_params_id = 1\nnull_treatment_policy = \"pass\"\n"
    "strict_gps = \"False\"\nstarttime = 2019-10-01\nendtime = 2019-11-01\n"
    "avg_gps_time_error_min = -0.104\navg_gps_time_error_max = 0.104\n"
    "avg_gps_time_uncertainty_min = 0.01\navg_gps_time_uncertainty_max = 60\n";

#define NCOMP 3
#define NSPAN 4
static const char *const stations[NCOMP] = {"STA1", "STA1", "STA2"};
static const char *const letters[NCOMP] = {"Z", "N", "Z"};

typedef struct stage_fixture {
	strata_test_db t;
	strata_db *db;
	char dc_param[37];
	noise_stage_opts o;
} stage_fixture;

static void exec_sql(strata_db *db, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void exec_sql(strata_db *db, const char *fmt, ...)
{
	char sql[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(sql, sizeof sql, fmt, ap);
	va_end(ap);
	assert_ok(strata_db_exec(db, sql));
}

static long long count_rows(strata_db *db, const char *table)
{
	long long n = -1;
	assert_ok(noise_catalog_count(db, table, &n));
	return n;
}

/* The samples of chunk (component c, timespan s): noise whose amplitude
 * grows with c and s; chunk (0, 3) holds a NaN; chunk (2, 3) has no file. */
static void write_chunk(const char *path, int c, int s, strata_time start)
{
	noise_datachunk k = {start, 24.0, NULL, 2400, 0};
	uint64_t seed = (uint64_t)c * 10 + (uint64_t)s + 1;

	k.x = malloc(k.n * sizeof(double));
	assert_non_null(k.x);
	for (size_t i = 0; i < k.n; i++) {
		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		k.x[i] = ((double)(seed >> 11) / 9007199254740992.0 - 0.5) * 0.5 * (c + s + 1);
	}
	if (c == 0 && s == 3)
		k.x[100] = NAN;
	assert_ok(noise_chunkfile_write(path, "XX", stations[c], "", letters[c], &k));
	free(k.x);
}

/* Device, components, timespans, DatachunkParams 1, 12 datachunks with
 * files (one NaN, one missing) and averaged GPS for STA1's first 2 spans. */
static void fill_catalog(stage_fixture *f)
{
	char path[1024];
	noise_param_set p;

	write_toml(path, sizeof path, f->t.dir, "dc.toml", datachunk_toml);
	assert_ok(noise_params_add(f->db, path, "DatachunkParams", &p));
	snprintf(f->dc_param, sizeof f->dc_param, "%s", p.id);
	exec_sql(f->db, "INSERT INTO device (id, network, station) VALUES ('dev1', 'XX', 'STA1'), "
	                "('dev2', 'XX', 'STA2')");
	for (int c = 0; c < NCOMP; c++)
		exec_sql(
		    f->db,
		    "INSERT INTO component (id, device_id, network, station, component, "
		    "channels, lat, lon, elevation, start_ns, inventory_path) VALUES ('cmp%d', "
		    "'dev%d', 'XX', '%s', '%s', 'HH%s', 0, 0, 0, 0, 'inv.xml')",
		    c, c < 2 ? 1 : 2, stations[c], letters[c], letters[c]);
	for (int s = 0; s < NSPAN; s++) {
		strata_time t0 = T("2022-01-02") + s * 1800 * STRATA_NS_PER_SEC;
		exec_sql(f->db,
		         "INSERT INTO timespan (id, starttime_ns, midtime_ns, endtime_ns) VALUES "
		         "('ts%d', %lld, %lld, %lld)",
		         s, (long long)t0, (long long)t0 + 900LL * STRATA_NS_PER_SEC,
		         (long long)t0 + 1800LL * STRATA_NS_PER_SEC);
		for (int c = 0; c < NCOMP; c++) {
			snprintf(path, sizeof path, "%s/chunks/%d_%d.mseed", f->t.dir, c, s);
			if (!(c == 2 && s == 3))
				write_chunk(path, c, s, t0);
			exec_sql(
			    f->db,
			    "INSERT INTO datachunk (id, params_id, component_id, timespan_id, "
			    "device_id, sampling_rate, npts, padded_npts, starttime_ns, filepath, "
			    "created_at) VALUES ('dc%d_%d', '%s', 'cmp%d', 'ts%d', 'dev%d', 24, "
			    "2400, 0, %lld, '%s', 0)",
			    c, s, f->dc_param, c, s, c < 2 ? 1 : 2, (long long)t0, path);
		}
	}
	exec_sql(f->db, "INSERT INTO averaged_soh_gps (id, timespan_id, device_id, time_error, "
	                "time_uncertainty, nsamples) VALUES ('g0', 'ts0', 'dev1', 0.05, 1, 10), "
	                "('g1', 'ts1', 'dev1', 0.2, 1, 10)");
}

static int stage_setup(void **state, strata_db_backend backend)
{
	stage_fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->t.backend = backend;
	strata_test_db_create(&f->t, "qc.db", "qc");
	*state = f;
	if (f->t.skip)
		return 0;
	assert_ok(noise_catalog_open(f->t.url, &f->db));
	fill_catalog(f);
	f->o.sel.start = T("2022-01-01");
	f->o.sel.end = T("2022-01-04");
	f->o.params_number = 1;
	f->o.batch_size = 5;
	f->o.workers = 2;
	f->o.skip_existing = 1;
	return 0;
}

static int setup_sqlite(void **state)
{
	return stage_setup(state, STRATA_DB_SQLITE);
}

static int setup_pg(void **state)
{
	return stage_setup(state, STRATA_DB_POSTGRES);
}

static int stage_teardown(void **state)
{
	stage_fixture *f = *state;

	strata_db_close(f->db);
	strata_test_db_drop(&f->t);
	free(f);
	return 0;
}

static void expect_summary(const noise_stage_summary *s, size_t selected, size_t done,
                           size_t existing, size_t no_data, size_t failed)
{
	if (s->selected != selected || s->done != done || s->existing != existing ||
	    s->no_data != no_data || s->failed != failed)
		fail_msg("summary %zu/%zu/%zu/%zu/%zu, expected %zu/%zu/%zu/%zu/%zu", s->selected,
		         s->done, s->existing, s->no_data, s->failed, selected, done, existing,
		         no_data, failed);
}

/* The stored statistics of datachunk id equal noise_stats_compute's on its file. */
static void expect_stored_stats(stage_fixture *f, const char *id)
{
	char sql[256];
	strata_db_stmt *st = NULL;
	noise_datachunk c;
	noise_stats want;

	snprintf(sql, sizeof sql,
	         "SELECT s.energy, s.min, s.max, s.mean, s.variance, s.skewness, s.kurtosis, "
	         "d.filepath FROM datachunk_stats s JOIN datachunk d ON d.id = s.datachunk_id "
	         "WHERE d.id = '%s'",
	         id);
	assert_ok(strata_db_prepare(f->db, sql, &st));
	assert_int_equal(strata_db_step(st), STRATA_DB_ROW);
	assert_ok(noise_chunkfile_read(strata_db_column_text(st, 7), &c));
	assert_ok(noise_stats_compute(c.x, c.n, &want));
	for (int k = 0; k < 7; k++)
		assert_true(strata_db_column_double(st, k) == noise_stats_value(&want, k));
	noise_datachunk_free(&c);
	strata_db_finalize(st);
}

/* A text value of a one-row query. */
static void query_text(strata_db *db, const char *sql, char *out, size_t len)
{
	int found = 0;
	assert_ok(noise_catalog_lookup_text(db, sql, out, len, &found, (const char *)NULL));
	assert_true(found);
}

static void test_stats_stage(void **state)
{
	stage_fixture *f = *state;
	noise_stage_summary s;
	char id1[64], id2[64];
	const char *sta2[1] = {"XX.STA2"};

	if (f->t.skip)
		skip();
	/* 12 chunks: the NaN one and the missing file fail, the rest are written. */
	assert_ok(noise_stats_stage(f->db, &f->o, &s));
	expect_summary(&s, 12, 10, 0, 0, 2);
	assert_int_equal(count_rows(f->db, "datachunk_stats"), 10);
	expect_stored_stats(f, "dc1_2");
	expect_stored_stats(f, "dc2_0");
	query_text(f->db, "SELECT id FROM datachunk_stats WHERE datachunk_id = 'dc1_1'", id1,
	           sizeof id1);
	/* Again: the 10 are there; the 2 failures are tried (and fail) again. */
	assert_ok(noise_stats_stage(f->db, &f->o, &s));
	expect_summary(&s, 12, 0, 10, 0, 2);
	/* --no-skip-existing recomputes and upserts: same rows, same ids. */
	f->o.skip_existing = 0;
	f->o.workers = 1;
	assert_ok(noise_stats_stage(f->db, &f->o, &s));
	expect_summary(&s, 12, 10, 0, 0, 2);
	assert_int_equal(count_rows(f->db, "datachunk_stats"), 10);
	query_text(f->db, "SELECT id FROM datachunk_stats WHERE datachunk_id = 'dc1_1'", id2,
	           sizeof id2);
	assert_string_equal(id1, id2);
	expect_stored_stats(f, "dc1_2");
	/* Selection: one station, the first two timespans. */
	f->o.sel.stations = sta2;
	f->o.sel.nstations = 1;
	f->o.sel.end = T("2022-01-02T01:00:00Z");
	assert_ok(noise_stats_stage(f->db, &f->o, &s));
	expect_summary(&s, 2, 2, 0, 0, 0);
	/* A parameter set that is not there. */
	f->o.params_number = 7;
	assert_int_equal(noise_stats_stage(f->db, &f->o, &s), STRATA_ENOTFOUND);
	assert_non_null(strstr(strata_error_message(), "DatachunkParams number 7"));
}

/* passed and accepted_time of datachunk id under QC-one number num. */
static void expect_qc(stage_fixture *f, const char *id, long long num, int accepted, int energy,
                      int gps_max, int passed)
{
	char sql[512], v[64];

	snprintf(sql, sizeof sql,
	         "SELECT CAST(q.accepted_time AS TEXT) || CAST(q.signal_energy_max AS TEXT) || "
	         "CAST(q.avg_gps_time_error_max AS TEXT) || CAST(q.passed AS TEXT) FROM "
	         "qcone_result q JOIN param_set p ON p.id = q.params_id WHERE q.datachunk_id = "
	         "'%s' AND p.kind = 'QCOne' AND p.number = %lld",
	         id, num);
	query_text(f->db, sql, v, sizeof v);
	char want[8];
	snprintf(want, sizeof want, "%d%d%d%d", accepted, energy, gps_max, passed);
	if (strcmp(v, want) != 0)
		fail_msg("%s QCOne %lld: accepted/energy_max/gps_max/passed %s, expected %s", id,
		         num, v, want);
}

static void add_qcone(stage_fixture *f, const char *name, const char *toml, long long *num)
{
	char path[1024];
	noise_param_set p;

	write_toml(path, sizeof path, f->t.dir, name, toml);
	assert_ok(noise_params_add(f->db, path, "QCOne", &p));
	*num = p.number;
}

static void test_qcone_stage(void **state)
{
	stage_fixture *f = *state;
	noise_stage_summary s;
	char toml[2048];
	long long q2022, q2019, qstrict;

	if (f->t.skip)
		skip();
	snprintf(toml, sizeof toml, qcone_2022_toml, "False");
	add_qcone(f, "q2022.toml", toml, &q2022);
	add_qcone(f, "q2019.toml", qcone_2019_toml, &q2019);
	snprintf(toml, sizeof toml, qcone_2022_toml, "True");
	add_qcone(f, "qstrict.toml", toml, &qstrict);
	assert_ok(noise_stats_stage(f->db, &f->o, &s));
	f->o.skip_existing = 0;

	/* 2022: the 2 chunks without statistics get no result (the config bounds energy). */
	f->o.params_number = q2022;
	assert_ok(noise_qcone_stage(f->db, &f->o, &s));
	expect_summary(&s, 12, 10, 0, 2, 0);
	assert_int_equal(count_rows(f->db, "qcone_result"), 10);
	/* The energy of chunk (c, s) is about (0.5 (c+s+1))^2 / 12: 0.02 for (0,0), 0.33
	 * for (1,2), 0.52 for (2,2) and (1,3) (above 0.4). STA1.Z is rejected from 01:00
	 * to 01:30: span 1 (00:30..01:00) touches it at its end, span 2 lies in it (span
	 * 3, touching at its start, has the NaN chunk). Averaged GPS: dev1 span 0 0.05
	 * (within), span 1 0.2 (outside), none elsewhere (null value: pass). */
	expect_qc(f, "dc0_0", q2022, 1, 1, 1, 1);
	expect_qc(f, "dc0_1", q2022, 0, 1, 0, 0);
	expect_qc(f, "dc0_2", q2022, 0, 1, 1, 0);
	expect_qc(f, "dc1_2", q2022, 1, 1, 1, 1);
	expect_qc(f, "dc2_2", q2022, 1, 0, 1, 0);
	expect_qc(f, "dc1_3", q2022, 1, 0, 1, 0);
	/* Re-run: upserted, not duplicated; --skip-existing leaves them. */
	assert_ok(noise_qcone_stage(f->db, &f->o, &s));
	expect_summary(&s, 12, 10, 0, 2, 0);
	assert_int_equal(count_rows(f->db, "qcone_result"), 10);
	f->o.skip_existing = 1;
	assert_ok(noise_qcone_stage(f->db, &f->o, &s));
	expect_summary(&s, 12, 0, 10, 2, 0);
	f->o.skip_existing = 0;

	/* Noiz's example dates (October 2019): every 2022 chunk fails its endtime bound;
	 * no statistics bound, so all 12 chunks get a result. */
	f->o.params_number = q2019;
	assert_ok(noise_qcone_stage(f->db, &f->o, &s));
	expect_summary(&s, 12, 12, 0, 0, 0);
	char sql[512], n_failed[32];
	snprintf(sql, sizeof sql,
	         "SELECT CAST(COUNT(*) AS TEXT) FROM qcone_result q JOIN param_set p ON p.id = "
	         "q.params_id WHERE p.number = %lld AND p.kind = 'QCOne' AND q.passed = 0 AND "
	         "q.endtime = 0 AND q.starttime = 1",
	         q2019);
	query_text(f->db, sql, n_failed, sizeof n_failed);
	assert_string_equal(n_failed, "12");
	assert_int_equal(count_rows(f->db, "qcone_result"), 22);

	/* strict_gps: only the chunks with averaged GPS (and statistics). */
	f->o.params_number = qstrict;
	assert_ok(noise_qcone_stage(f->db, &f->o, &s));
	expect_summary(&s, 12, 4, 0, 8, 0);
	expect_qc(f, "dc1_0", qstrict, 1, 1, 1, 1);
	expect_qc(f, "dc1_1", qstrict, 1, 1, 0, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_noiz_examples),
	    cmocka_unit_test(test_config_errors),
	    cmocka_unit_test(test_rejected_edges),
	    cmocka_unit_test(test_null_policies),
	    cmocka_unit_test(test_reference),
	    cmocka_unit_test_setup_teardown(test_stats_stage, setup_sqlite, stage_teardown),
	    cmocka_unit_test_setup_teardown(test_qcone_stage, setup_sqlite, stage_teardown),
	    cmocka_unit_test_setup_teardown(test_stats_stage, setup_pg, stage_teardown),
	    cmocka_unit_test_setup_teardown(test_qcone_stage, setup_pg, stage_teardown),
	};
	return cmocka_run_group_tests(tests, strata_test_dir_setup, strata_test_dir_teardown);
}
