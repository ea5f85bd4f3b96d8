/* test_conf.c - the configuration tree: Noiz's parameter files against their
 * schemas, validation messages, navigation, getters and loading. */
#include "conf_testutil.h"

#include "strata/conf.h"
#include "strata/error.h"

#include <stdlib.h>
#include <string.h>

#define NS INT64_C(1000000000)
#define END                                                                                        \
	{                                                                                          \
		NULL, 0, 0, NULL, 0                                                                \
	}
#define REQ(k, t)                                                                                  \
	{                                                                                          \
		k, STRATA_CONF_##t, 1, NULL, 0                                                     \
	}
#define OPT(k, t)                                                                                  \
	{                                                                                          \
		k, STRATA_CONF_##t, 0, NULL, 0                                                     \
	}

/* --- Noiz schemas (from noiz's parameter models) ---------------------------- */

static const strata_conf_field datachunk_fields[] = {
    REQ("sampling_rate", INT),
    REQ("prefiltering_low", NUMBER),
    REQ("prefiltering_high", NUMBER),
    REQ("prefiltering_order", INT),
    REQ("preprocessing_taper_type", STRING),
    REQ("preprocessing_taper_side", STRING),
    REQ("preprocessing_taper_max_length", NUMBER),
    REQ("preprocessing_taper_max_percentage", NUMBER),
    REQ("remove_response", BOOL),
    REQ("datachunk_sample_tolerance", NUMBER),
    REQ("zero_padding_method", STRING),
    REQ("padding_taper_type", STRING),
    REQ("padding_taper_max_length", NUMBER),
    REQ("padding_taper_max_percentage", NUMBER),
    END,
};

static const strata_conf_field qcone_rejected_fields[] = {
    REQ("network", STRING),     REQ("station", STRING),   REQ("component", STRING),
    REQ("starttime", ANY_DATE), REQ("endtime", ANY_DATE), END,
};

static const strata_conf_field qcone_fields[] = {
    REQ("datachunk_params_id", INT),
    REQ("null_treatment_policy", STRING),
    REQ("strict_gps", STRING),
    REQ("starttime", ANY_DATE),
    REQ("endtime", ANY_DATE),
    REQ("avg_gps_time_error_min", NUMBER),
    REQ("avg_gps_time_error_max", NUMBER),
    REQ("avg_gps_time_uncertainty_min", NUMBER),
    REQ("avg_gps_time_uncertainty_max", NUMBER),
    {"rejected_times", STRATA_CONF_ARRAY, 0, qcone_rejected_fields, 0},
    END,
};

static const strata_conf_field qctwo_rejected_fields[] = {
    REQ("network_a", STRING),   REQ("station_a", STRING), REQ("component_a", STRING),
    REQ("network_b", STRING),   REQ("station_b", STRING), REQ("component_b", STRING),
    REQ("starttime", ANY_DATE), REQ("endtime", ANY_DATE), END,
};

static const strata_conf_field qctwo_fields[] = {
    REQ("crosscorrelation_cartesian_params_id", INT),
    REQ("null_treatment_policy", STRING),
    REQ("starttime", ANY_DATE),
    REQ("endtime", ANY_DATE),
    {"rejected_times", STRATA_CONF_ARRAY, 0, qctwo_rejected_fields, 0},
    END,
};

static const strata_conf_field beamforming_fields[] = {
    REQ("qcone_config_id", INT),
    REQ("min_freq", NUMBER),
    REQ("max_freq", NUMBER),
    REQ("slowness_x_min", NUMBER),
    REQ("slowness_x_max", NUMBER),
    REQ("slowness_y_min", NUMBER),
    REQ("slowness_y_max", NUMBER),
    REQ("slowness_step", NUMBER),
    REQ("window_length_minimum_periods", NUMBER),
    REQ("window_step_fraction", NUMBER),
    REQ("perform_statistical_reject", STRING),
    REQ("n_sigma_stat_reject", NUMBER),
    REQ("prop_bad_freqs_stat_reject", NUMBER),
    REQ("save_average_beamformer_abspower", STRING),
    REQ("save_all_beamformers_abspower", STRING),
    REQ("save_average_beamformer_relpower", STRING),
    REQ("save_all_beamformers_relpower", STRING),
    REQ("perform_deconvolution_all", STRING),
    REQ("perform_deconvolution_average", STRING),
    REQ("save_all_arf", STRING),
    REQ("save_average_arf", STRING),
    REQ("arf_enlarge_ratio", NUMBER),
    REQ("sparsity_max", NUMBER),
    REQ("sigma_angle_kernels", NUMBER),
    REQ("sigma_slowness_kernels_ratio_to_ds", NUMBER),
    REQ("rms_threshold_deconv", NUMBER),
    REQ("alpha_reg", NUMBER),
    REQ("rel_rms_thresh_admissible_slowness", NUMBER),
    REQ("rel_rms_stop_crit_increase_sparsity", NUMBER),
    REQ("extract_peaks_average_beamformer_abspower", STRING),
    REQ("extract_peaks_all_beamformers_abspower", STRING),
    REQ("extract_peaks_average_beamformer_relpower", STRING),
    REQ("extract_peaks_all_beamformers_relpower", STRING),
    REQ("neighborhood_size_xaxis_fraction", NUMBER),
    REQ("maxima_threshold", NUMBER),
    REQ("best_point_count", INT),
    REQ("beam_portion_threshold", NUMBER),
    REQ("semblance_threshold", NUMBER),
    REQ("velocity_threshold", NUMBER),
    REQ("prewhiten", STRING),
    REQ("method", STRING),
    {"used_component_codes", STRATA_CONF_ARRAY, 1, NULL, STRATA_CONF_STRING},
    REQ("minimum_trace_count", INT),
    END,
};

static const strata_conf_field cc_cartesian_fields[] = {
    REQ("processed_datachunk_params_id", INT),
    REQ("correlation_max_lag", NUMBER),
    END,
};

static const strata_conf_field cc_cylindrical_fields[] = {
    REQ("crosscorrelation_cartesian_params_id", INT),
    END,
};

static const strata_conf_field ppsd_fields[] = {
    REQ("datachunk_params_id", INT),
    REQ("segment_length", NUMBER),
    REQ("segment_step", NUMBER),
    REQ("freq_min", NUMBER),
    REQ("freq_max", NUMBER),
    REQ("resample", STRING),
    OPT("resampled_frequency_start", NUMBER),
    OPT("resampled_frequency_stop", NUMBER),
    OPT("resampled_frequency_step", NUMBER),
    REQ("rejected_windows_quantile", NUMBER),
    REQ("save_all_windows", STRING),
    END,
};

static const strata_conf_field processed_datachunk_fields[] = {
    REQ("datachunk_params_id", INT),
    REQ("qcone_config_id", INT),
    REQ("filtering_low", NUMBER),
    REQ("filtering_high", NUMBER),
    REQ("filtering_order", INT),
    REQ("waterlevel_ratio_to_max", NUMBER),
    REQ("convolution_sliding_window_min_samples", INT),
    REQ("convolution_sliding_window_max_ratio_to_fmin", NUMBER),
    REQ("convolution_sliding_window_ratio_to_bandwidth", NUMBER),
    REQ("quefrency_filter_lowpass_pct", NUMBER),
    REQ("quefrency_filter_taper_min_samples", INT),
    REQ("quefrency_filter_taper_length_ratio_to_length_cepstrum", NUMBER),
    REQ("spectral_whitening", STRING),
    REQ("one_bit", STRING),
    REQ("quefrency", STRING),
    END,
};

static const strata_conf_field stacking_fields[] = {
    REQ("qctwo_config_id", INT),
    REQ("minimum_ccf_count", INT),
    REQ("starttime", STRING),
    REQ("endtime", STRING),
    REQ("stacking_length", STRING),
    REQ("stacking_overlap", STRING),
    END,
};

/* Top-level schemas: one named table each. */
#define TOP(name, fields)                                                                          \
	static const strata_conf_field name##_top[] = {                                            \
	    {#name, STRATA_CONF_TABLE, 1, fields, 0},                                              \
	    END,                                                                                   \
	}
TOP(DatachunkParams, datachunk_fields);
TOP(QCOne, qcone_fields);
TOP(QCTwo, qctwo_fields);
TOP(BeamformingParams, beamforming_fields);
TOP(CrosscorrelationCartesianParams, cc_cartesian_fields);
TOP(CrosscorrelationCylindricalParams, cc_cylindrical_fields);
TOP(PPSDParams, ppsd_fields);
TOP(ProcessedDatachunkParams, processed_datachunk_fields);
TOP(StackingSchema, stacking_fields);

/* Load a Noiz example (skipping when the shared data is absent) and check it
 * against its schema. */
#define LOAD_NOIZ(file, schema, out)                                                               \
	do {                                                                                       \
		char path_[4096];                                                                  \
		STRATA_REQUIRE_TESTDATA("seismic/noiz/config_examples/" file, path_);              \
		assert_ok(strata_conf_load(path_, &(out)));                                        \
		assert_ok(strata_conf_validate((out), (schema)));                                  \
	} while (0)

static strata_conf *toml(const char *text, const char *name)
{
	strata_conf *c = NULL;
	assert_ok(strata_conf_parse_toml(text, strlen(text), name, &c));
	return c;
}

/* Validation must fail with exactly the message want. */
static void invalid(const strata_conf *c, const strata_conf_field *schema, const char *want)
{
	int rc = strata_conf_validate(c, schema);
	if (rc != STRATA_ESCHEMA || strcmp(strata_error_message(), want))
		fail_msg("validate: rc %d, message \"%s\" (want \"%s\")", rc,
		         strata_error_message(), want);
}

/* --- the Noiz examples ---------------------------------------------------- */

static void test_noiz_datachunk_params(void **state)
{
	strata_conf *c = NULL;
	int b = 0;
	(void)state;
	LOAD_NOIZ("datachunk_params.toml", DatachunkParams_top, c);
	assert_int_equal(int_at(c, "DatachunkParams.sampling_rate"), 24);
	assert_true(dbl_at(c, "DatachunkParams.prefiltering_low") == 0.01);
	assert_true(dbl_at(c, "DatachunkParams.prefiltering_high") == 11.0);
	assert_string_equal(str_at(c, "DatachunkParams.zero_padding_method"), "tapered_padded");
	assert_ok(strata_conf_as_bool(strata_conf_path(c, "DatachunkParams.remove_response"), &b));
	assert_int_equal(b, 1);
	assert_true(dbl_at(c, "DatachunkParams.padding_taper_max_percentage") == 10.0);
	assert_int_equal(strata_conf_count(strata_conf_get(c, "DatachunkParams")), 14);
	strata_conf_free(c);
}

static void test_noiz_qcone(void **state)
{
	strata_conf *c = NULL;
	const strata_conf *rej;
	(void)state;
	LOAD_NOIZ("QCOneConfig.toml", QCOne_top, c);
	assert_string_equal(str_at(c, "QCOne.strict_gps"), "False");
	assert_int_equal(strata_conf_type_of(strata_conf_path(c, "QCOne.starttime")),
	                 STRATA_CONF_DATE);
	assert_int_equal(time_at(c, "QCOne.starttime"), INT64_C(1569888000) * NS);
	assert_int_equal(time_at(c, "QCOne.endtime"), INT64_C(1572566400) * NS);
	assert_true(dbl_at(c, "QCOne.avg_gps_time_error_min") == -0.104);
	assert_true(dbl_at(c, "QCOne.avg_gps_time_uncertainty_max") == 60.0);
	rej = strata_conf_path(c, "QCOne.rejected_times");
	assert_int_equal(strata_conf_count(rej), 2);
	assert_int_equal(strata_conf_line(strata_conf_at(rej, 1)), 19);
	assert_string_equal(str_at(c, "QCOne.rejected_times[0].station"), "TD11");
	assert_string_equal(str_at(c, "QCOne.rejected_times[1].station"), "TD05");
	assert_int_equal(time_at(c, "QCOne.rejected_times[0].starttime"), INT64_C(1571097600) * NS);
	strata_conf_free(c);
}

static void test_noiz_qcone_without_rejected_times(void **state)
{
	strata_conf *c = NULL;
	(void)state;
	LOAD_NOIZ("QCOneConfig_without_rejected_times.toml", QCOne_top, c);
	assert_null(strata_conf_path(c, "QCOne.rejected_times"));
	assert_int_equal(int_at(c, "QCOne.datachunk_params_id"), 1);
	assert_string_equal(str_at(c, "QCOne.null_treatment_policy"), "pass");
	strata_conf_free(c);
}

static void test_noiz_qctwo(void **state)
{
	strata_conf *c = NULL;
	(void)state;
	LOAD_NOIZ("QCTwoConfig.toml", QCTwo_top, c);
	assert_int_equal(int_at(c, "QCTwo.crosscorrelation_cartesian_params_id"), 1);
	assert_string_equal(str_at(c, "QCTwo.rejected_times[1].station_a"), "TD23");
	assert_string_equal(str_at(c, "QCTwo.rejected_times[1].component_b"), "E");
	assert_int_equal(time_at(c, "QCTwo.rejected_times[0].endtime"), INT64_C(1571788800) * NS);
	strata_conf_free(c);
}

static void test_noiz_beamforming(void **state)
{
	strata_conf *c = NULL;
	const strata_conf *codes;
	(void)state;
	LOAD_NOIZ("beamforming_params.toml", BeamformingParams_top, c);
	assert_int_equal(strata_conf_count(strata_conf_get(c, "BeamformingParams")), 43);
	assert_true(dbl_at(c, "BeamformingParams.semblance_threshold") == -1e9);
	assert_int_equal(int_at(c, "BeamformingParams.slowness_x_min"), -2);
	assert_true(dbl_at(c, "BeamformingParams.slowness_step") == 0.025);
	assert_string_equal(str_at(c, "BeamformingParams.save_average_arf"), "True");
	assert_string_equal(str_at(c, "BeamformingParams.method"), "beamforming");
	codes = strata_conf_path(c, "BeamformingParams.used_component_codes");
	assert_int_equal(strata_conf_count(codes), 1);
	assert_string_equal(str_at(codes, "0"), "Z");
	assert_int_equal(int_at(c, "BeamformingParams.minimum_trace_count"), 6);
	strata_conf_free(c);
}

static void test_noiz_crosscorrelation(void **state)
{
	strata_conf *c = NULL;
	(void)state;
	LOAD_NOIZ("crosscorrelation_cartesian_params.toml", CrosscorrelationCartesianParams_top, c);
	assert_int_equal(int_at(c, "CrosscorrelationCartesianParams.correlation_max_lag"), 20);
	strata_conf_free(c);
	LOAD_NOIZ("crosscorrelation_params.toml", CrosscorrelationCartesianParams_top, c);
	assert_int_equal(int_at(c, "CrosscorrelationCartesianParams.processed_datachunk_params_id"),
	                 1);
	strata_conf_free(c);
	LOAD_NOIZ("crosscorrelation_cylindrical_param.toml", CrosscorrelationCylindricalParams_top,
	          c);
	assert_int_equal(
	    int_at(c, "CrosscorrelationCylindricalParams.crosscorrelation_cartesian_params_id"), 1);
	strata_conf_free(c);
}

static void test_noiz_ppsd(void **state)
{
	strata_conf *c = NULL;
	(void)state;
	/* No newline at the end of these files. */
	LOAD_NOIZ("ppsd_params.toml", PPSDParams_top, c);
	assert_int_equal(int_at(c, "PPSDParams.segment_length"), 600);
	assert_string_equal(str_at(c, "PPSDParams.save_all_windows"), "False");
	assert_null(strata_conf_path(c, "PPSDParams.resampled_frequency_start"));
	strata_conf_free(c);
	LOAD_NOIZ("ppsd_params_resampled.toml", PPSDParams_top, c);
	assert_string_equal(str_at(c, "PPSDParams.resample"), "True");
	assert_true(dbl_at(c, "PPSDParams.resampled_frequency_start") == 0.2);
	assert_true(dbl_at(c, "PPSDParams.resampled_frequency_stop") == 4.0);
	strata_conf_free(c);
}

static void test_noiz_processed_datachunk(void **state)
{
	strata_conf *c = NULL;
	(void)state;
	LOAD_NOIZ("processed_datachunk_params.toml", ProcessedDatachunkParams_top, c);
	assert_true(dbl_at(c, "ProcessedDatachunkParams.waterlevel_ratio_to_max") == 0.001);
	assert_int_equal(int_at(c, "ProcessedDatachunkParams.filtering_order"), 4);
	assert_string_equal(str_at(c, "ProcessedDatachunkParams.quefrency"), "True");
	strata_conf_free(c);
}

static void test_noiz_stacking_schema(void **state)
{
	strata_conf *c = NULL;
	(void)state;
	LOAD_NOIZ("stacking_schema.toml", StackingSchema_top, c);
	/* Quoted dates stay strings. */
	assert_string_equal(str_at(c, "StackingSchema.starttime"), "2019-09-20");
	assert_string_equal(str_at(c, "StackingSchema.stacking_length"), "6 hours");
	assert_int_equal(int_at(c, "StackingSchema.minimum_ccf_count"), 5);
	strata_conf_free(c);
}

/* --- validation messages ---------------------------------------------------- */

static void test_wrong_type_reported(void **state)
{
	strata_conf *c;
	(void)state;
	c = toml("[DatachunkParams]\n"
	         "prefiltering_low = 0.01\n"
	         "sampling_rate = \"24\"\n",
	         "params.toml");
	invalid(c, DatachunkParams_top,
	        "params.toml:3: DatachunkParams.sampling_rate: expected integer, got string");
	strata_conf_free(c);
	c = toml("[DatachunkParams]\nsampling_rate = 24.0\n", "params.toml");
	invalid(c, DatachunkParams_top,
	        "params.toml:2: DatachunkParams.sampling_rate: expected integer, got float");
	strata_conf_free(c);
	c = toml("[DatachunkParams]\nsampling_rate = 24\nprefiltering_low = \"x\"\n", "p.toml");
	invalid(c, DatachunkParams_top,
	        "p.toml:3: DatachunkParams.prefiltering_low: expected number, got string");
	strata_conf_free(c);
	c = toml("DatachunkParams = 3\n", "p.toml");
	invalid(c, DatachunkParams_top, "p.toml:1: DatachunkParams: expected table, got integer");
	strata_conf_free(c);
}

static void test_unknown_key_reported(void **state)
{
	strata_conf *c;
	(void)state;
	c = toml("[DatachunkParams]\n"
	         "sampling_rate = 24\n"
	         "\n"
	         "foo = 1\n",
	         "params.toml");
	invalid(c, DatachunkParams_top,
	        "params.toml:4: unknown key 'foo' in table DatachunkParams");
	strata_conf_free(c);
	c = toml("stray = true\n[DatachunkParams]\n", "params.toml");
	invalid(c, DatachunkParams_top, "params.toml:1: unknown key 'stray' at top level");
	strata_conf_free(c);
	c = toml("[[QCOne.rejected_times]]\nnetwork = 'TD'\nstation = 'A'\ncomponent = 'Z'\n"
	         "starttime = 2019-10-15\nendtime = 2019-10-17\n"
	         "[[QCOne.rejected_times]]\nnetwrk = 'x'\n",
	         "qc.toml");
	invalid(c, QCOne_top, "qc.toml:8: unknown key 'netwrk' in table QCOne.rejected_times[1]");
	strata_conf_free(c);
}

static void test_missing_required_key(void **state)
{
	strata_conf *c;
	(void)state;
	c = toml("# header\n[StackingSchema]\nqctwo_config_id = 1\n", "s.toml");
	invalid(c, StackingSchema_top,
	        "s.toml:2: missing required key 'minimum_ccf_count' in table StackingSchema");
	strata_conf_free(c);
	c = toml("", "empty.toml");
	invalid(c, StackingSchema_top,
	        "empty.toml:1: missing required key 'StackingSchema' at top level");
	strata_conf_free(c);
	/* An element of an array of tables reports its own line. */
	c = toml(
	    "[QCOne]\n[[QCOne.rejected_times]]\nnetwork = 'TD'\nstation = 'A'\ncomponent = 'Z'\n"
	    "starttime = 2019-10-15\nendtime = 2019-10-17\n"
	    "[[QCOne.rejected_times]]\nnetwork = 'TD'\ncomponent = 'Z'\n",
	    "qc.toml");
	assert_ok(strata_conf_validate(strata_conf_path(c, "QCOne.rejected_times[0]"),
	                               qcone_rejected_fields));
	assert_int_equal(strata_conf_validate(strata_conf_path(c, "QCOne.rejected_times[1]"),
	                                      qcone_rejected_fields),
	                 STRATA_ESCHEMA);
	assert_string_equal(strata_error_message(),
	                    "qc.toml:8: missing required key 'station' in table "
	                    "QCOne.rejected_times[1]");
	strata_conf_free(c);
}

static void test_array_element_types(void **state)
{
	static const strata_conf_field fields[] = {
	    {"codes", STRATA_CONF_ARRAY, 1, NULL, STRATA_CONF_STRING},
	    {"anything", STRATA_CONF_ARRAY, 0, NULL, STRATA_CONF_ANY},
	    {"unchecked", STRATA_CONF_ARRAY, 0, NULL, STRATA_CONF_NULL},
	    {"nums", STRATA_CONF_ARRAY, 0, NULL, STRATA_CONF_NUMBER},
	    {"rows", STRATA_CONF_ARRAY, 0, cc_cylindrical_fields, 0},
	    END,
	};
	strata_conf *c;
	(void)state;
	c = toml("codes = ['Z', 'N']\nanything = [1, 'a']\nunchecked = [true]\nnums = [1, 2.5]\n"
	         "rows = [{crosscorrelation_cartesian_params_id = 1}]\n",
	         "a.toml");
	assert_ok(strata_conf_validate(c, fields));
	strata_conf_free(c);
	c = toml("codes = [\n  'Z',\n  3,\n]\n", "a.toml");
	invalid(c, fields, "a.toml:3: codes[1]: expected string, got integer");
	strata_conf_free(c);
	c = toml("codes = []\nrows = [1]\n", "a.toml");
	invalid(c, fields, "a.toml:2: rows[0]: expected table, got integer");
	strata_conf_free(c);
	c = toml("codes = []\nrows = [{}, {crosscorrelation_cartesian_params_id = 'x'}]\n",
	         "a.toml");
	invalid(c, fields,
	        "a.toml:2: missing required key 'crosscorrelation_cartesian_params_id' "
	        "in table rows[0]");
	strata_conf_free(c);
}

static void test_wildcard_and_pseudo_types(void **state)
{
	static const strata_conf_field stations[] = {
	    {"*", STRATA_CONF_NUMBER, 0, NULL, 0},
	    END,
	};
	static const strata_conf_field fields[] = {
	    {"when", STRATA_CONF_ANY_DATE, 1, NULL, 0},
	    {"stations", STRATA_CONF_TABLE, 1, stations, 0},
	    {"extra", STRATA_CONF_ANY, 0, NULL, 0},
	    END,
	};
	strata_conf *c;
	(void)state;
	c = toml("when = 2019-10-01T00:00:00Z\nextra = [1, {a = 1}]\n[stations]\nTD01 = 1\nTD02 = "
	         "2.5\n",
	         "w.toml");
	assert_ok(strata_conf_validate(c, fields));
	strata_conf_free(c);
	c = toml("when = 2019-10-01T00:00:00\n[stations]\n", "w.toml");
	assert_ok(strata_conf_validate(c, fields));
	strata_conf_free(c);
	c = toml("when = 2019-10-01\n[stations]\nTD03 = 'x'\n", "w.toml");
	invalid(c, fields, "w.toml:3: stations.TD03: expected number, got string");
	strata_conf_free(c);
	c = toml("when = 10:00:00\n[stations]\n", "w.toml");
	invalid(c, fields, "w.toml:1: when: expected date or date-time, got local time");
	strata_conf_free(c);
	c = toml("when = '2019-10-01'\n[stations]\n", "w.toml");
	invalid(c, fields, "w.toml:1: when: expected date or date-time, got string");
	strata_conf_free(c);
}

static void test_yaml_nulls_in_schemas(void **state)
{
	static const strata_conf_field fields[] = {
	    {"host", STRATA_CONF_STRING, 1, NULL, 0},
	    {"password", STRATA_CONF_STRING, 0, NULL, 0},
	    END,
	};
	strata_conf *c = NULL;
	const char *s = "x";
	(void)state;
	/* An optional key left empty counts as absent... */
	assert_ok(strata_conf_parse_yaml("host: h\npassword:\n", 18, "y.yaml", &c));
	assert_ok(strata_conf_validate(c, fields));
	assert_ok(strata_conf_get_string(c, "password", "dflt", &s));
	assert_string_equal(s, "dflt");
	strata_conf_free(c);
	/* ...a required one does not. */
	assert_ok(strata_conf_parse_yaml("password: p\nhost: ~\n", 20, "y.yaml", &c));
	invalid(c, fields, "y.yaml:2: host: expected string, got null");
	strata_conf_free(c);
}

/* --- navigation and getters ------------------------------------------------- */

static void test_navigation(void **state)
{
	strata_conf *c = toml("a = 1\n[t]\nb = [10, [20, {c = 'deep'}]]\n[[arr]]\nx = 1\n[[arr]]\n"
	                      "x = 2\n",
	                      "n.toml");
	const strata_conf *t = strata_conf_get(c, "t");
	(void)state;
	assert_int_equal(strata_conf_count(c), 3);
	assert_string_equal(strata_conf_key(strata_conf_at(c, 0)), "a");
	assert_string_equal(strata_conf_key(strata_conf_at(c, 2)), "arr");
	assert_null(strata_conf_at(c, 3));
	assert_null(strata_conf_key(c));
	assert_null(strata_conf_key(strata_conf_path(c, "arr[0]")));
	assert_string_equal(str_at(c, "t.b[1][1].c"), "deep");
	assert_string_equal(str_at(c, "t.b.1.1.c"), "deep");
	assert_int_equal(int_at(c, "arr[1].x"), 2);
	assert_null(strata_conf_path(c, "t.missing"));
	assert_null(strata_conf_path(c, "t.b[9]"));
	assert_null(strata_conf_path(c, "a.b"));
	assert_null(strata_conf_path(c, "t."));
	assert_null(strata_conf_path(c, "t[0]"));
	assert_null(strata_conf_path(c, "t.b[x]"));
	assert_true(strata_conf_path(c, "") == c);
	assert_null(strata_conf_get(NULL, "a"));
	assert_null(strata_conf_get(strata_conf_get(c, "a"), "a"));
	assert_int_equal(strata_conf_count(strata_conf_get(c, "a")), 0);
	assert_int_equal(strata_conf_line(t), 2);
	assert_int_equal(strata_conf_line(NULL), 0);
	assert_string_equal(strata_conf_source(t), "n.toml");
	assert_string_equal(strata_conf_source(NULL), "");
	assert_int_equal(strata_conf_type_of(NULL), STRATA_CONF_NULL);
	assert_string_equal(strata_conf_type_name(STRATA_CONF_INT), "integer");
	assert_string_equal(strata_conf_type_name(STRATA_CONF_ANY_DATE), "date or date-time");
	assert_string_equal(strata_conf_type_name((strata_conf_type)99), "unknown");
	strata_conf_free(c);
	strata_conf_free(NULL);
}

static void test_getters(void **state)
{
	strata_conf *c =
	    toml("[s]\nname = 'x'\nn = 3\nf = 2.5\nb = false\nd = 2019-10-01\n", "g.toml");
	const strata_conf *s = strata_conf_get(c, "s");
	const char *str = NULL;
	int64_t i = 0;
	double d = 0;
	int b = -1;
	(void)state;
	assert_ok(strata_conf_get_string(s, "name", "dflt", &str));
	assert_string_equal(str, "x");
	assert_ok(strata_conf_get_string(s, "nope", "dflt", &str));
	assert_string_equal(str, "dflt");
	assert_ok(strata_conf_get_int64(s, "n", 0, &i));
	assert_int_equal(i, 3);
	assert_ok(strata_conf_get_double(s, "n", 0, &d)); /* integers widen */
	assert_true(d == 3.0);
	assert_ok(strata_conf_get_double(s, "f", 0, &d));
	assert_true(d == 2.5);
	assert_ok(strata_conf_get_double(s, "nope", 1.25, &d));
	assert_true(d == 1.25);
	assert_ok(strata_conf_get_bool(s, "b", 1, &b));
	assert_int_equal(b, 0);
	assert_ok(strata_conf_get_bool(s, "nope", 1, &b));
	assert_int_equal(b, 1);
	assert_ok(strata_conf_get_int64(NULL, "n", 9, &i)); /* absent table: defaults */
	assert_int_equal(i, 9);
	assert_int_equal(strata_conf_get_int64(s, "f", 0, &i), STRATA_ESCHEMA);
	assert_string_equal(strata_error_message(), "g.toml:4: s.f: expected integer, got float");
	assert_int_equal(strata_conf_get_string(s, "n", NULL, &str), STRATA_ESCHEMA);
	assert_string_equal(strata_error_message(), "g.toml:3: s.n: expected string, got integer");
	assert_int_equal(strata_conf_get_double(s, "name", 0, &d), STRATA_ESCHEMA);
	assert_string_equal(strata_error_message(),
	                    "g.toml:2: s.name: expected number, got string");
	assert_int_equal(strata_conf_get_bool(s, "name", 0, &b), STRATA_ESCHEMA);
	assert_int_equal(strata_conf_get_int64(strata_conf_get(s, "n"), "x", 0, &i),
	                 STRATA_ESCHEMA);
	assert_string_equal(strata_error_message(), "g.toml:3: s.n: expected table, got integer");
	assert_int_equal(strata_conf_as_time_ns(strata_conf_get(s, "name"), &i), STRATA_ESCHEMA);
	assert_int_equal(strata_conf_as_int64(NULL, &i), STRATA_ENOTFOUND);
	assert_int_equal(strata_conf_as_double(NULL, &d), STRATA_ENOTFOUND);
	assert_ok(strata_conf_as_time_ns(strata_conf_get(s, "d"), &i));
	assert_int_equal(i, INT64_C(1569888000) * NS);
	assert_int_equal(strata_conf_as_time_of_day_ns(strata_conf_get(s, "d"), &i),
	                 STRATA_ESCHEMA);
	assert_int_equal(strata_conf_validate(NULL, StackingSchema_top), STRATA_EINVAL);
	assert_int_equal(strata_conf_validate(strata_conf_get(s, "n"), StackingSchema_top),
	                 STRATA_ESCHEMA);
	strata_conf_free(c);
}

static void test_many_keys(void **state)
{
	size_t n = 2000, i;
	char *text = malloc(n * 24 + 32), line[32], key[16];
	size_t used = 0;
	strata_conf *c = NULL;
	(void)state;
	assert_non_null(text);
	for (i = 0; i < n; i++)
		used += (size_t)sprintf(text + used, "key%zu = %zu\n", i, i);
	assert_ok(strata_conf_parse_toml(text, used, "big.toml", &c));
	assert_int_equal(strata_conf_count(c), n);
	for (i = 0; i < n; i += 7) {
		snprintf(key, sizeof key, "key%zu", i);
		assert_int_equal(int_at(c, key), (int64_t)i);
		assert_int_equal(strata_conf_line(strata_conf_get(c, key)), (int)i + 1);
	}
	assert_null(strata_conf_get(c, "key2000"));
	strata_conf_free(c);
	/* A duplicate far down a large table is still caught. */
	snprintf(line, sizeof line, "key1234 = 0\n");
	memcpy(text + used, line, strlen(line));
	assert_int_equal(strata_conf_parse_toml(text, used + strlen(line), "big.toml", &c),
	                 STRATA_EPARSE);
	assert_string_equal(strata_error_message(), "big.toml:2001:1: duplicate key 'key1234'");
	free(text);
}

/* --- loading ---------------------------------------------------------------- */

static void test_load_by_extension(void **state)
{
	char dir[256], path[400];
	strata_conf *c = NULL;
	(void)state;
	strata_test_tmpdir(dir, sizeof dir);
	snprintf(path, sizeof path, "%s/a.toml", dir);
	strata_test_write_file(path, "x = 1\n");
	assert_ok(strata_conf_load(path, &c));
	assert_int_equal(int_at(c, "x"), 1);
	assert_string_equal(strata_conf_source(c), path);
	strata_conf_free(c);
	snprintf(path, sizeof path, "%s/b.YAML", dir);
	strata_test_write_file(path, "x: 2\n");
	assert_ok(strata_conf_load(path, &c));
	assert_int_equal(int_at(c, "x"), 2);
	strata_conf_free(c);
	snprintf(path, sizeof path, "%s/c.yml", dir);
	strata_test_write_file(path, "x: [3]\n");
	assert_ok(strata_conf_load(path, &c));
	assert_int_equal(int_at(c, "x[0]"), 3);
	strata_conf_free(c);
	/* Forced formats ignore the extension. */
	snprintf(path, sizeof path, "%s/d.conf", dir);
	strata_test_write_file(path, "x = 4\n");
	assert_int_equal(strata_conf_load(path, &c), STRATA_EUNSUPPORTED);
	assert_non_null(strstr(strata_error_message(), "unknown configuration format"));
	assert_null(c);
	assert_ok(strata_conf_load_toml(path, &c));
	assert_int_equal(int_at(c, "x"), 4);
	strata_conf_free(c);
	assert_int_equal(strata_conf_load_yaml(path, &c), STRATA_EPARSE);
	assert_null(c);
	/* Parse errors name the path. */
	snprintf(path, sizeof path, "%s/e.toml", dir);
	strata_test_write_file(path, "x = 1\ny = \n");
	assert_int_equal(strata_conf_load(path, &c), STRATA_EPARSE);
	assert_non_null(strstr(strata_error_message(), "e.toml:2:5: expected a value"));
	snprintf(path, sizeof path, "%s/missing.toml", dir);
	assert_int_equal(strata_conf_load(path, &c), STRATA_ENOTFOUND);
	assert_null(c);
	strata_test_rmtree(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_noiz_datachunk_params),
	    cmocka_unit_test(test_noiz_qcone),
	    cmocka_unit_test(test_noiz_qcone_without_rejected_times),
	    cmocka_unit_test(test_noiz_qctwo),
	    cmocka_unit_test(test_noiz_beamforming),
	    cmocka_unit_test(test_noiz_crosscorrelation),
	    cmocka_unit_test(test_noiz_ppsd),
	    cmocka_unit_test(test_noiz_processed_datachunk),
	    cmocka_unit_test(test_noiz_stacking_schema),
	    cmocka_unit_test(test_wrong_type_reported),
	    cmocka_unit_test(test_unknown_key_reported),
	    cmocka_unit_test(test_missing_required_key),
	    cmocka_unit_test(test_array_element_types),
	    cmocka_unit_test(test_wildcard_and_pseudo_types),
	    cmocka_unit_test(test_yaml_nulls_in_schemas),
	    cmocka_unit_test(test_navigation),
	    cmocka_unit_test(test_getters),
	    cmocka_unit_test(test_many_keys),
	    cmocka_unit_test(test_load_by_extension),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
