/*
 * qcone.c - QC-one configuration and decisions (see qcone.h).
 */
#include "noise/qcone.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strata/error.h"

const char *const noise_qcone_check_names[NOISE_QC_NCHECKS] = {
    "starttime",
    "endtime",
    "accepted_time",
    "avg_gps_time_error_min",
    "avg_gps_time_error_max",
    "avg_gps_time_uncertainty_min",
    "avg_gps_time_uncertainty_max",
    "signal_energy_min",
    "signal_energy_max",
    "signal_min_value_min",
    "signal_min_value_max",
    "signal_max_value_min",
    "signal_max_value_max",
    "signal_mean_value_min",
    "signal_mean_value_max",
    "signal_variance_min",
    "signal_variance_max",
    "signal_skewness_min",
    "signal_skewness_max",
    "signal_kurtosis_min",
    "signal_kurtosis_max",
};

#define NBOUNDS (NOISE_QC_NCHECKS - NOISE_QC_GPS_FIRST)

/* "QCOne.key: reason" as a schema error. */
static int key_error(const char *key, const char *reason)
{
	return strata_error_set(STRATA_ESCHEMA, "QCOne.%s: %s", key, reason);
}

/* A date given as an ISO 8601 string (TOML dates are stored so). */
static int parse_date(const char *key, const json_t *v, strata_time *out)
{
	if (!json_is_string(v))
		return key_error(key, "expected a date");
	if (strata_time_parse_iso8601(json_string_value(v), out) != 0)
		return strata_error_wrap(STRATA_ESCHEMA, "QCOne.%s", key);
	return 0;
}

/* Noiz's flags: a boolean or the strings True/False (pydantic's coercion). */
static int parse_flag(const char *key, const json_t *v, int *out)
{
	const char *s = json_string_value(v);

	if (json_is_boolean(v)) {
		*out = json_is_true(v);
		return 0;
	}
	if (s && (!strcmp(s, "True") || !strcmp(s, "true"))) {
		*out = 1;
		return 0;
	}
	if (s && (!strcmp(s, "False") || !strcmp(s, "false"))) {
		*out = 0;
		return 0;
	}
	return key_error(key, "expected a boolean (or \"True\"/\"False\")");
}

/* A code of a rejected period, copied into out[outlen]. */
static int parse_code(const json_t *entry, size_t i, const char *key, char *out, size_t outlen)
{
	const char *s = json_string_value(json_object_get(entry, key));

	if (!s)
		return strata_error_set(STRATA_ESCHEMA,
		                        "QCOne.rejected_times[%zu].%s: expected a "
		                        "string",
		                        i, key);
	if (strlen(s) >= outlen || !*s)
		return strata_error_set(STRATA_ESCHEMA,
		                        "QCOne.rejected_times[%zu].%s: '%s' is not a valid code", i,
		                        key, s);
	snprintf(out, outlen, "%s", s);
	return 0;
}

/* One [[QCOne.rejected_times]] table. */
static int parse_rejected_one(const json_t *e, size_t i, noise_qcone_rejected *r)
{
	const char *key;
	json_t *v;
	int rc = 0;

	if (!json_is_object(e))
		return strata_error_set(STRATA_ESCHEMA,
		                        "QCOne.rejected_times[%zu]: expected a table", i);
	json_object_foreach((json_t *)e, key, v)
	{
		if (strcmp(key, "network") != 0 && strcmp(key, "station") != 0 &&
		    strcmp(key, "component") != 0 && strcmp(key, "starttime") != 0 &&
		    strcmp(key, "endtime") != 0)
			return strata_error_set(
			    STRATA_ESCHEMA, "QCOne.rejected_times[%zu].%s: unknown key", i, key);
	}
	if ((rc = parse_code(e, i, "network", r->network, sizeof r->network)) ||
	    (rc = parse_code(e, i, "station", r->station, sizeof r->station)) ||
	    (rc = parse_code(e, i, "component", r->component, sizeof r->component)) ||
	    (rc = parse_date("rejected_times.starttime", json_object_get(e, "starttime"),
	                     &r->start)) ||
	    (rc = parse_date("rejected_times.endtime", json_object_get(e, "endtime"), &r->end)))
		return strata_error_wrap(rc, "QCOne.rejected_times[%zu]", i);
	if (!(r->start < r->end))
		return strata_error_set(
		    STRATA_ESCHEMA, "QCOne.rejected_times[%zu]: starttime is not before endtime",
		    i);
	return 0;
}

static int parse_rejected(const json_t *v, noise_qcone_config *cfg)
{
	size_t n = json_array_size(v);

	if (!json_is_array(v))
		return key_error("rejected_times", "expected an array of tables");
	if (!n)
		return 0;
	if (!(cfg->rejected = calloc(n, sizeof(*cfg->rejected))))
		return strata_error_set(STRATA_ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		int rc = parse_rejected_one(json_array_get(v, i), i, &cfg->rejected[i]);
		if (rc)
			return rc;
		cfg->nrejected = i + 1;
	}
	return 0;
}

/* datachunk_params_id: a positive whole number. */
static int parse_params_id(const json_t *v, noise_qcone_config *cfg)
{
	double d = json_number_value(v);

	if (!json_is_number(v) || d != floor(d) || d < 1 || d > 2147483647.0)
		return key_error("datachunk_params_id", "expected a positive integer");
	cfg->datachunk_params_number = (long long)d;
	return 0;
}

static int parse_policy(const json_t *v, noise_qcone_config *cfg)
{
	const char *s = json_string_value(v);

	if (s && !strcmp(s, "pass"))
		cfg->null_value = 1;
	else if (s && !strcmp(s, "fail"))
		cfg->null_value = 0;
	else
		return key_error("null_treatment_policy", "expected \"pass\" or \"fail\"");
	return 0;
}

/* A bound of check NOISE_QC_GPS_FIRST + k: a number, or null (not set). */
static int parse_bound(const char *key, const json_t *v, noise_qcone_config *cfg)
{
	for (int k = 0; k < NBOUNDS; k++) {
		if (strcmp(key, noise_qcone_check_names[NOISE_QC_GPS_FIRST + k]) != 0)
			continue;
		if (json_is_null(v))
			return 0;
		if (!json_is_number(v))
			return key_error(key, "expected a number");
		cfg->bound[k] = json_number_value(v);
		return 0;
	}
	return key_error(key, "unknown key (Noiz has no such parameter)");
}

/* One key of the [QCOne] table. */
static int parse_key(const char *key, const json_t *v, noise_qcone_config *cfg, int *have_id)
{
	if (!strcmp(key, "datachunk_params_id")) {
		*have_id = 1;
		return parse_params_id(v, cfg);
	}
	if (!strcmp(key, "null_treatment_policy"))
		return parse_policy(v, cfg);
	if (!strcmp(key, "strict_gps"))
		return parse_flag(key, v, &cfg->strict_gps);
	if (!strcmp(key, "starttime"))
		return parse_date(key, v, &cfg->start);
	if (!strcmp(key, "endtime"))
		return parse_date(key, v, &cfg->end);
	if (!strcmp(key, "rejected_times"))
		return parse_rejected(v, cfg);
	return parse_bound(key, v, cfg);
}

/* Noiz's defaults: policy pass, not strict, 2010-01-01 to 2030-01-01. */
static void set_defaults(noise_qcone_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->null_value = 1;
	strata_time_parse_iso8601("2010-01-01", &cfg->start);
	strata_time_parse_iso8601("2030-01-01", &cfg->end);
	for (int k = 0; k < NBOUNDS; k++)
		cfg->bound[k] = NAN;
}

int noise_qcone_config_parse(const char *params_json, noise_qcone_config *cfg)
{
	json_error_t jerr;
	json_t *root = json_loads(params_json ? params_json : "", 0, &jerr);
	const char *key;
	json_t *v;
	int rc = 0, have_id = 0;

	set_defaults(cfg);
	if (!json_is_object(root)) {
		json_decref(root);
		return strata_error_set(STRATA_EPARSE, "QCOne parameters: not a JSON object (%s)",
		                        root ? "wrong type" : jerr.text);
	}
	json_object_foreach(root, key, v)
	{
		if ((rc = parse_key(key, v, cfg, &have_id)))
			break;
	}
	json_decref(root);
	if (!rc && !have_id)
		rc = key_error("datachunk_params_id", "missing (required)");
	if (rc)
		noise_qcone_config_free(cfg);
	return rc;
}

void noise_qcone_config_free(noise_qcone_config *cfg)
{
	free(cfg->rejected);
	cfg->rejected = NULL;
	cfg->nrejected = 0;
}

/* Whether any of bound[first..first+n-1] is set. */
static int any_bound(const noise_qcone_config *cfg, int first, int n)
{
	for (int k = first; k < first + n; k++)
		if (!isnan(cfg->bound[k]))
			return 1;
	return 0;
}

int noise_qcone_uses_gps(const noise_qcone_config *cfg)
{
	return any_bound(cfg, 0, 4);
}

int noise_qcone_uses_stats(const noise_qcone_config *cfg)
{
	return any_bound(cfg, 4, 14);
}

int noise_qcone_applies(const noise_qcone_config *cfg, int has_stats, int has_gps, const char **why)
{
	const char *reason = NULL;

	if (noise_qcone_uses_stats(cfg) && !has_stats)
		reason = "no datachunk statistics (run processing calc-datachunk-stats first)";
	else if (cfg->strict_gps && noise_qcone_uses_gps(cfg) && !has_gps)
		reason = "no averaged GPS state of health and strict_gps is set";
	if (why)
		*why = reason;
	return reason == NULL;
}

/* bound <= value (is_min) or value <= bound; the null value when either is NaN. */
static unsigned char within(double bound, double value, int is_min, int null_value)
{
	if (isnan(bound) || isnan(value))
		return (unsigned char)null_value;
	return (unsigned char)(is_min ? bound <= value : value <= bound);
}

/* Whether no rejected period of the chunk's component touches its timespan. */
static unsigned char accepted_time(const noise_qcone_config *cfg, const noise_qcone_input *in)
{
	for (size_t i = 0; i < cfg->nrejected; i++) {
		const noise_qcone_rejected *r = &cfg->rejected[i];
		if (strcmp(r->network, in->network) != 0 || strcmp(r->station, in->station) != 0 ||
		    strcmp(r->component, in->component) != 0)
			continue;
		/* Overlap with inclusive edges, as Noiz's
		 * check_if_two_timeperiods_have_any_overlap. */
		if (r->start <= in->ts_end && in->ts_start <= r->end)
			return 0;
	}
	return 1;
}

void noise_qcone_evaluate(const noise_qcone_config *cfg, const noise_qcone_input *in,
                          noise_qcone_result *out)
{
	const double gps[2] = {in->gps_time_error, in->gps_time_uncertainty};
	unsigned char *c = out->check;

	c[NOISE_QC_STARTTIME] = cfg->start <= in->ts_start;
	c[NOISE_QC_ENDTIME] = cfg->end >= in->ts_end;
	c[NOISE_QC_ACCEPTED_TIME] = accepted_time(cfg, in);
	for (int k = 0; k < 4; k++)
		c[NOISE_QC_GPS_FIRST + k] =
		    in->has_gps ? within(cfg->bound[k], gps[k / 2], k % 2 == 0, cfg->null_value)
		                : (unsigned char)cfg->null_value;
	for (int k = 0; k < 14; k++)
		c[NOISE_QC_STATS_FIRST + k] =
		    in->stats ? within(cfg->bound[4 + k], noise_stats_value(in->stats, k / 2),
		                       k % 2 == 0, cfg->null_value)
		              : (unsigned char)cfg->null_value;
	out->passed = 1;
	for (int k = 0; k < NOISE_QC_NCHECKS; k++)
		out->passed = out->passed && c[k];
}
