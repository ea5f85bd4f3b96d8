/*
 * params.c - validate Noiz parameter files and store them as param_set rows.
 *
 * The key lists are those of Noiz's *Holder dataclasses
 * (models/processing_params.py, qc.py, stacking.py, event_detection.py);
 * "required" marks the fields without a default there.
 */
#include "noise/params.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "noise/catalog.h"
#include "noise/hash.h"
#include "strata/buf.h"
#include "strata/error.h"
#include "strata/time.h"

/* Field types: n number, s string, b flag, d date, S array of strings,
 * R/T arrays of QCOne/QCTwo rejected-time tables. */
typedef struct pfield {
	const char *key;
	char type;
	char required;
} pfield;

static const pfield datachunk_fields[] = {
    {"sampling_rate", 'n', 1},
    {"prefiltering_low", 'n', 1},
    {"prefiltering_high", 'n', 1},
    {"prefiltering_order", 'n', 1},
    {"preprocessing_taper_type", 's', 1},
    {"preprocessing_taper_side", 's', 1},
    {"preprocessing_taper_max_length", 'n', 1},
    {"preprocessing_taper_max_percentage", 'n', 1},
    {"remove_response", 'b', 1},
    {"datachunk_sample_tolerance", 'n', 1},
    {"zero_padding_method", 's', 1},
    {"padding_taper_type", 's', 1},
    {"padding_taper_max_length", 'n', 1},
    {"padding_taper_max_percentage", 'n', 1},
    {"response_constant_coefficient", 'n', 0},
    {NULL, 0, 0},
};

static const pfield processed_fields[] = {
    {"datachunk_params_id", 'n', 1},
    {"qcone_config_id", 'n', 1},
    {"filtering_low", 'n', 1},
    {"filtering_high", 'n', 1},
    {"filtering_order", 'n', 1},
    {"waterlevel_ratio_to_max", 'n', 1},
    {"convolution_sliding_window_min_samples", 'n', 1},
    {"convolution_sliding_window_max_ratio_to_fmin", 'n', 1},
    {"convolution_sliding_window_ratio_to_bandwidth", 'n', 1},
    {"quefrency_filter_lowpass_pct", 'n', 1},
    {"quefrency_filter_taper_min_samples", 'n', 1},
    {"quefrency_filter_taper_length_ratio_to_length_cepstrum", 'n', 1},
    {"spectral_whitening", 'b', 1},
    {"one_bit", 'b', 1},
    {"quefrency", 'b', 1},
    {NULL, 0, 0},
};

static const pfield ccf_cartesian_fields[] = {
    {"processed_datachunk_params_id", 'n', 1},
    {"correlation_max_lag", 'n', 1},
    {NULL, 0, 0},
};

static const pfield ccf_cylindrical_fields[] = {
    {"crosscorrelation_cartesian_params_id", 'n', 1},
    {NULL, 0, 0},
};

/* Noiz's example file also has alpha_reg, which its holder lacks; it is
 * accepted so that the example reads as is. */
static const pfield beamforming_fields[] = {
    {"qcone_config_id", 'n', 1},
    {"min_freq", 'n', 1},
    {"max_freq", 'n', 1},
    {"slowness_x_min", 'n', 1},
    {"slowness_x_max", 'n', 1},
    {"slowness_y_min", 'n', 1},
    {"slowness_y_max", 'n', 1},
    {"slowness_step", 'n', 1},
    {"window_length_minimum_periods", 'n', 0},
    {"window_length", 'n', 0},
    {"window_step_fraction", 'n', 0},
    {"window_step", 'n', 0},
    {"perform_statistical_reject", 'b', 0},
    {"n_sigma_stat_reject", 'n', 0},
    {"prop_bad_freqs_stat_reject", 'n', 0},
    {"save_average_beamformer_abspower", 'b', 0},
    {"save_all_beamformers_abspower", 'b', 0},
    {"save_average_beamformer_relpower", 'b', 0},
    {"save_all_beamformers_relpower", 'b', 0},
    {"perform_deconvolution_all", 'b', 0},
    {"perform_deconvolution_average", 'b', 0},
    {"save_all_arf", 'b', 0},
    {"save_average_arf", 'b', 0},
    {"arf_enlarge_ratio", 'n', 0},
    {"smin1", 'n', 0},
    {"smax1", 'n', 0},
    {"smin2", 'n', 0},
    {"smax2", 'n', 0},
    {"thetamin1", 'n', 0},
    {"thetamin2", 'n', 0},
    {"thetamax1", 'n', 0},
    {"thetamax2", 'n', 0},
    {"sparsity_max", 'n', 0},
    {"sigma_angle_kernels", 'n', 0},
    {"sigma_slowness_kernels_ratio_to_ds", 'n', 0},
    {"rms_threshold_deconv", 'n', 0},
    {"alpha_reg", 'n', 0},
    {"reg_coef_deconv", 'n', 0},
    {"rel_rms_thresh_admissible_slowness", 'n', 0},
    {"rel_rms_stop_crit_increase_sparsity", 'n', 0},
    {"extract_peaks_average_beamformer_abspower", 'b', 0},
    {"extract_peaks_all_beamformers_abspower", 'b', 0},
    {"extract_peaks_average_beamformer_relpower", 'b', 0},
    {"extract_peaks_all_beamformers_relpower", 'b', 0},
    {"neighborhood_size", 'n', 0},
    {"neighborhood_size_xaxis_fraction", 'n', 0},
    {"maxima_threshold", 'n', 0},
    {"best_point_count", 'n', 0},
    {"beam_portion_threshold", 'n', 0},
    {"semblance_threshold", 'n', 0},
    {"velocity_threshold", 'n', 0},
    {"prewhiten", 'b', 0},
    {"method", 's', 0},
    {"used_component_codes", 'S', 0},
    {"minimum_trace_count", 'n', 0},
    {NULL, 0, 0},
};

static const pfield ppsd_fields[] = {
    {"datachunk_params_id", 'n', 1},
    {"segment_length", 'n', 1},
    {"segment_step", 'n', 1},
    {"freq_min", 'n', 1},
    {"freq_max", 'n', 1},
    {"taper_type", 's', 0},
    {"taper_max_percentage", 'n', 0},
    {"resample", 'b', 0},
    {"resampled_frequency_start", 'n', 0},
    {"resampled_frequency_stop", 'n', 0},
    {"resampled_frequency_step", 'n', 0},
    {"rejected_windows_quantile", 'n', 0},
    {"save_all_windows", 'b', 0},
    {"save_compressed", 'b', 0},
    {NULL, 0, 0},
};

static const pfield event_detection_fields[] = {
    {"minimum_frequency", 'n', 1},
    {"maximum_frequency", 'n', 1},
    {"output_margin_length_sec", 'n', 1},
    {"datachunk_params_id", 'n', 1},
    {"detection_type", 's', 1},
    {"trace_trimming_sec", 'n', 0},
    {"n_short_time_average", 'n', 0},
    {"n_long_time_average", 'n', 0},
    {"trigger_value", 'n', 0},
    {"detrigger_value", 'n', 0},
    {"peak_ground_velocity_threshold", 'n', 0},
    {NULL, 0, 0},
};

static const pfield event_confirmation_fields[] = {
    {"datachunk_params_id", 'n', 1},
    {"event_detection_params_id", 'n', 1},
    {"time_lag", 'n', 1},
    {"sampling_step", 'n', 1},
    {"vote_threshold", 'n', 1},
    {"vote_weight", 'S', 0},
    {NULL, 0, 0},
};

static const pfield qcone_rejected_fields[] = {
    {"network", 's', 1},   {"station", 's', 1}, {"component", 's', 1},
    {"starttime", 'd', 1}, {"endtime", 'd', 1}, {NULL, 0, 0},
};

static const pfield qcone_fields[] = {
    {"datachunk_params_id", 'n', 1},
    {"null_treatment_policy", 's', 0},
    {"strict_gps", 'b', 0},
    {"starttime", 'd', 0},
    {"endtime", 'd', 0},
    {"avg_gps_time_error_min", 'n', 0},
    {"avg_gps_time_error_max", 'n', 0},
    {"avg_gps_time_uncertainty_min", 'n', 0},
    {"avg_gps_time_uncertainty_max", 'n', 0},
    {"rejected_times", 'R', 0},
    {"signal_energy_min", 'n', 0},
    {"signal_energy_max", 'n', 0},
    {"signal_min_value_min", 'n', 0},
    {"signal_min_value_max", 'n', 0},
    {"signal_max_value_min", 'n', 0},
    {"signal_max_value_max", 'n', 0},
    {"signal_mean_value_min", 'n', 0},
    {"signal_mean_value_max", 'n', 0},
    {"signal_variance_min", 'n', 0},
    {"signal_variance_max", 'n', 0},
    {"signal_skewness_min", 'n', 0},
    {"signal_skewness_max", 'n', 0},
    {"signal_kurtosis_min", 'n', 0},
    {"signal_kurtosis_max", 'n', 0},
    {NULL, 0, 0},
};

static const pfield qctwo_rejected_fields[] = {
    {"network_a", 's', 1}, {"station_a", 's', 1}, {"component_a", 's', 1},
    {"network_b", 's', 1}, {"station_b", 's', 1}, {"component_b", 's', 1},
    {"starttime", 'd', 1}, {"endtime", 'd', 1},   {NULL, 0, 0},
};

static const pfield qctwo_fields[] = {
    {"crosscorrelation_cartesian_params_id", 'n', 1},
    {"null_treatment_policy", 's', 0},
    {"starttime", 'd', 0},
    {"endtime", 'd', 0},
    {"rejected_times", 'T', 0},
    {NULL, 0, 0},
};

static const pfield stacking_fields[] = {
    {"qctwo_config_id", 'n', 1},  {"minimum_ccf_count", 'n', 1},
    {"starttime", 'd', 1},        {"endtime", 'd', 1},
    {"stacking_length", 's', 1},  {"stacking_step", 's', 0},
    {"stacking_overlap", 's', 0}, {NULL, 0, 0},
};

typedef struct pkind {
	const char *name;
	const pfield *fields;
} pkind;

static const pkind kinds[] = {
    {"DatachunkParams", datachunk_fields},
    {"BeamformingParams", beamforming_fields},
    {"PPSDParams", ppsd_fields},
    {"ProcessedDatachunkParams", processed_fields},
    {"CrosscorrelationCartesianParams", ccf_cartesian_fields},
    {"CrosscorrelationCylindricalParams", ccf_cylindrical_fields},
    {"EventDetectionParams", event_detection_fields},
    {"EventConfirmationParams", event_confirmation_fields},
    {"QCOne", qcone_fields},
    {"QCTwo", qctwo_fields},
    {"StackingSchema", stacking_fields},
};

#define NKINDS (sizeof(kinds) / sizeof(kinds[0]))

const char *const noise_param_kinds[] = {
    "DatachunkParams",
    "BeamformingParams",
    "PPSDParams",
    "ProcessedDatachunkParams",
    "CrosscorrelationCartesianParams",
    "CrosscorrelationCylindricalParams",
    "EventDetectionParams",
    "EventConfirmationParams",
    "QCOne",
    "QCTwo",
    "StackingSchema",
    NULL,
};

/* "file:line: Kind.key: message" for node. */
static int field_error(const strata_conf *node, const char *where, const char *key, const char *msg)
{
	return strata_error_set(STRATA_ESCHEMA, "%s:%d: %s.%s: %s", strata_conf_source(node),
	                        strata_conf_line(node), where, key, msg);
}

static int is_flag(const strata_conf *v)
{
	const char *s;

	if (strata_conf_type_of(v) == STRATA_CONF_BOOL)
		return 1;
	if (strata_conf_type_of(v) != STRATA_CONF_STRING || strata_conf_as_string(v, &s))
		return 0;
	return !strcmp(s, "True") || !strcmp(s, "False") || !strcmp(s, "true") ||
	       !strcmp(s, "false");
}

static int is_date(const strata_conf *v)
{
	strata_conf_type t = strata_conf_type_of(v);
	strata_time ns;
	const char *s;

	if (t == STRATA_CONF_DATE || t == STRATA_CONF_DATETIME || t == STRATA_CONF_LOCAL_DATETIME)
		return 1;
	if (t != STRATA_CONF_STRING || strata_conf_as_string(v, &s))
		return 0;
	if (strata_time_parse_iso8601(s, &ns) != 0) {
		strata_error_clear();
		return 0;
	}
	return 1;
}

static int check_table(const strata_conf *table, const char *where, const pfield *fields);

/* Check every element of an array: strings ('S') or tables of fields. */
static int check_array(const strata_conf *v, const char *where, const char *key, char type)
{
	const pfield *sub = type == 'R' ? qcone_rejected_fields : qctwo_rejected_fields;
	int rc = 0;

	if (strata_conf_type_of(v) != STRATA_CONF_ARRAY)
		return field_error(v, where, key, "expected an array");
	for (size_t i = 0; !rc && i < strata_conf_count(v); i++) {
		const strata_conf *e = strata_conf_at(v, i);
		if (type == 'S' && strata_conf_type_of(e) != STRATA_CONF_STRING)
			rc = field_error(e, where, key, "expected an array of strings");
		else if (type != 'S' && strata_conf_type_of(e) != STRATA_CONF_TABLE)
			rc = field_error(e, where, key, "expected an array of tables");
		else if (type != 'S')
			rc = check_table(e, key, sub);
	}
	return rc;
}

static int check_value(const strata_conf *v, const char *where, const pfield *f)
{
	strata_conf_type t = strata_conf_type_of(v);

	switch (f->type) {
	case 'n':
		if (t != STRATA_CONF_INT && t != STRATA_CONF_FLOAT)
			return field_error(v, where, f->key, "expected a number");
		return 0;
	case 's':
		if (t != STRATA_CONF_STRING)
			return field_error(v, where, f->key, "expected a string");
		return 0;
	case 'b':
		if (!is_flag(v))
			return field_error(v, where, f->key,
			                   "expected a boolean (or \"True\"/\"False\")");
		return 0;
	case 'd':
		if (!is_date(v))
			return field_error(v, where, f->key,
			                   "expected a date (or ISO 8601 string)");
		return 0;
	default: return check_array(v, where, f->key, f->type);
	}
}

/* Unknown keys and types in file order, then missing required keys. */
static int check_table(const strata_conf *table, const char *where, const pfield *fields)
{
	int rc = 0;

	for (size_t i = 0; !rc && i < strata_conf_count(table); i++) {
		const strata_conf *v = strata_conf_at(table, i);
		const char *key = strata_conf_key(v);
		const pfield *f = fields;
		while (f->key && strcmp(f->key, key) != 0)
			f++;
		rc = f->key
		         ? check_value(v, where, f)
		         : field_error(v, where, key, "unknown key (Noiz has no such parameter)");
	}
	for (const pfield *f = fields; !rc && f->key; f++) {
		if (f->required && !strata_conf_get(table, f->key))
			rc = strata_error_set(
			    STRATA_ESCHEMA, "%s:%d: %s: missing required key '%s'",
			    strata_conf_source(table), strata_conf_line(table), where, f->key);
	}
	return rc;
}

int noise_params_validate(const strata_conf *root, const char **kind, const strata_conf **table)
{
	const strata_conf *t;
	const char *name;

	if (strata_conf_type_of(root) != STRATA_CONF_TABLE || strata_conf_count(root) != 1)
		return strata_error_set(STRATA_ESCHEMA,
		                        "%s: expected exactly one table, e.g. [DatachunkParams]",
		                        strata_conf_source(root));
	t = strata_conf_at(root, 0);
	name = strata_conf_key(t);
	for (size_t i = 0; i < NKINDS; i++) {
		if (strcmp(kinds[i].name, name) != 0)
			continue;
		if (strata_conf_type_of(t) != STRATA_CONF_TABLE)
			return strata_error_set(STRATA_ESCHEMA, "%s:%d: %s: expected a table",
			                        strata_conf_source(t), strata_conf_line(t), name);
		if (kind)
			*kind = kinds[i].name;
		if (table)
			*table = t;
		return check_table(t, name, kinds[i].fields);
	}
	return strata_error_set(STRATA_ESCHEMA, "%s:%d: unknown parameter set [%s]",
	                        strata_conf_source(t), strata_conf_line(t), name);
}

/* What the upsert transaction needs and returns. */
typedef struct params_txn {
	const char *kind, *json, *path;
	noise_param_set *out;
} params_txn;

/* Find the row of (kind, hash); *found tells. */
static int find_existing(strata_db *db, const params_txn *p, int *found)
{
	static const char sql[] =
	    "SELECT id, number FROM param_set WHERE kind = ? AND content_hash = ?";
	strata_db_stmt *st = NULL;
	int rc = strata_db_prepare(db, sql, &st);

	*found = 0;
	rc = rc ? rc : strata_db_bind_text(st, 1, p->kind);
	rc = rc ? rc : strata_db_bind_text(st, 2, p->out->hash);
	rc = rc ? rc : strata_db_step(st);
	if (rc == STRATA_DB_ROW) {
		const char *id = strata_db_column_text(st, 0);
		snprintf(p->out->id, sizeof p->out->id, "%s", id ? id : "");
		p->out->number = (long long)strata_db_column_int64(st, 1);
		*found = 1;
		rc = 0;
	}
	strata_db_finalize(st);
	return rc;
}

static int insert_new(strata_db *db, params_txn *p)
{
	static const char sql[] =
	    "INSERT INTO param_set (id, kind, number, content_hash, params_json, source_path, "
	    "created_at) VALUES (?, ?, (SELECT COALESCE(MAX(number), 0) + 1 FROM param_set "
	    "WHERE kind = ?), ?, ?, ?, ?)";
	strata_db_stmt *st = NULL;
	int found = 0;
	int rc = noise_new_id(p->out->id);

	rc = rc ? rc : strata_db_prepare(db, sql, &st);
	rc = rc ? rc : strata_db_bind_text(st, 1, p->out->id);
	rc = rc ? rc : strata_db_bind_text(st, 2, p->kind);
	rc = rc ? rc : strata_db_bind_text(st, 3, p->kind);
	rc = rc ? rc : strata_db_bind_text(st, 4, p->out->hash);
	rc = rc ? rc : strata_db_bind_text(st, 5, p->json);
	rc = rc ? rc : strata_db_bind_text(st, 6, p->path);
	rc = rc ? rc : strata_db_bind_int64(st, 7, strata_time_now());
	rc = rc ? rc : strata_db_step(st);
	strata_db_finalize(st);
	/* A concurrent writer took the number or the content: retry the
	 * transaction, which then finds or numbers past it. */
	if (rc == STRATA_EEXIST)
		return strata_error_set(STRATA_EBUSY, "param_set %s: concurrent insert", p->kind);
	if (rc < 0)
		return rc;
	rc = find_existing(db, p, &found);
	if (!rc && !found)
		rc = strata_error_set(STRATA_EDB, "param_set %s: row vanished", p->kind);
	p->out->created = 1;
	return rc;
}

static int params_upsert_txn(strata_db *db, void *ctx)
{
	params_txn *p = ctx;
	int found = 0;
	int rc = find_existing(db, p, &found);

	p->out->created = 0;
	if (rc || found)
		return rc;
	return insert_new(db, p);
}

int noise_params_add(strata_db *db, const char *path, const char *expect_kind, noise_param_set *out)
{
	strata_conf *root = NULL;
	const strata_conf *table = NULL;
	const char *kind = NULL;
	strata_buf json = STRATA_BUF_INIT;
	noise_hash h;
	int rc = strata_conf_load_toml(path, &root);

	memset(out, 0, sizeof(*out));
	rc = rc ? rc : noise_params_validate(root, &kind, &table);
	if (!rc && expect_kind && kind && strcmp(kind, expect_kind) != 0)
		rc = strata_error_set(STRATA_ESCHEMA, "%s: holds [%s], expected [%s]", path, kind,
		                      expect_kind);
	rc = rc ? rc : strata_conf_to_json(table, &json);
	if (!rc) {
		char abs[PATH_MAX];
		params_txn p = {kind, strata_buf_cstr(&json), realpath(path, abs) ? abs : path,
		                out};
		snprintf(out->kind, sizeof out->kind, "%s", kind);
		noise_hash_init(&h);
		noise_hash_update(&h, p.json, strlen(p.json));
		noise_hash_hex(&h, out->hash);
		rc = strata_db_transaction(db, params_upsert_txn, &p, 10);
	}
	strata_buf_free(&json);
	strata_conf_free(root);
	return rc;
}
