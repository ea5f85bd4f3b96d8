/*
 * qcone.h - QC-one: Noiz's per-datachunk quality control
 * (noiz/processing/qc.py, api/qc.py, models/qc.py).
 *
 * A QCOne parameter set (param_set.params_json of kind "QCOne", as
 * params.c stores Noiz's [QCOne] TOML table) gives time bounds, rejected
 * time periods per component, bounds on the GPS state of health averaged
 * over the timespan (averaged_soh_gps) and bounds on the 7 datachunk
 * statistics (datachunk_stats). Each datachunk gets 21 booleans, the
 * columns of qcone_result, and passes when all are true.
 *
 * A bound that is not set, a missing statistics or GPS row and a NULL (NaN)
 * value all give the null policy's value (null_treatment_policy "pass":
 * true, "fail": false), as Noiz's compare_vals_null_safe does. Unlike Noiz,
 * a statistic passes its _min bound when min <= value and its _max bound
 * when value <= max (Noiz compares them the other way round; see
 * docs/noise-qc.md).
 */
#ifndef STRATA_NOISE_QCONE_H
#define STRATA_NOISE_QCONE_H

#include <stddef.h>

#include "noise/stats.h"
#include "strata/time.h"

/* The checks, in the column order of qcone_result (without passed). */
enum noise_qcone_check {
	NOISE_QC_STARTTIME,
	NOISE_QC_ENDTIME,
	NOISE_QC_ACCEPTED_TIME,
	NOISE_QC_GPS_FIRST, /* 4 GPS checks: time error min/max, uncertainty min/max */
	NOISE_QC_STATS_FIRST = NOISE_QC_GPS_FIRST + 4, /* 14: energy min/max, ... kurtosis */
	NOISE_QC_NCHECKS = NOISE_QC_STATS_FIRST + 14
};

/* Column (and, from NOISE_QC_GPS_FIRST on, TOML key) name of each check. */
extern const char *const noise_qcone_check_names[NOISE_QC_NCHECKS];

/* One [[QCOne.rejected_times]] entry: a component's rejected period. */
typedef struct noise_qcone_rejected {
	char network[16], station[16], component[8];
	strata_time start, end; /* start < end; edges inclusive */
} noise_qcone_rejected;

/* A parsed QCOne parameter set. */
typedef struct noise_qcone_config {
	long long datachunk_params_number; /* datachunk_params_id: Noiz's number */
	int null_value;                    /* null_treatment_policy: 1 pass, 0 fail */
	int strict_gps;                    /* no result for chunks without averaged GPS */
	strata_time start, end;            /* default 2010-01-01 and 2030-01-01 */
	/* bound[k] of check NOISE_QC_GPS_FIRST + k; NaN when not set */
	double bound[NOISE_QC_NCHECKS - NOISE_QC_GPS_FIRST];
	noise_qcone_rejected *rejected;
	size_t nrejected;
} noise_qcone_config;

/*
 * Parse a QCOne params_json into *cfg (free with noise_qcone_config_free).
 * Unknown keys, wrong types, a policy other than "pass"/"fail" and a
 * rejected period whose start is not before its end are STRATA_ESCHEMA
 * errors naming the key.
 */
int noise_qcone_config_parse(const char *params_json, noise_qcone_config *cfg);
void noise_qcone_config_free(noise_qcone_config *cfg);

/* Whether any GPS bound, or any statistics bound, is set (Noiz's
 * uses_gps / uses_stats). */
int noise_qcone_uses_gps(const noise_qcone_config *cfg);
int noise_qcone_uses_stats(const noise_qcone_config *cfg);

/* What QC-one looks at for one datachunk. */
typedef struct noise_qcone_input {
	const char *network, *station, *component;   /* the datachunk's component */
	strata_time ts_start, ts_end;                /* its timespan */
	const noise_stats *stats;                    /* NULL: no datachunk_stats row */
	int has_gps;                                 /* an averaged_soh_gps row exists */
	double gps_time_error, gps_time_uncertainty; /* NaN when NULL */
} noise_qcone_input;

/* The 21 decisions and their conjunction. */
typedef struct noise_qcone_result {
	unsigned char check[NOISE_QC_NCHECKS];
	int passed;
} noise_qcone_result;

/* Evaluate every check of cfg for in. Pure; never fails. */
void noise_qcone_evaluate(const noise_qcone_config *cfg, const noise_qcone_input *in,
                          noise_qcone_result *out);

/*
 * Whether a datachunk gets a result at all, as Noiz selects them: not when
 * the config bounds statistics and the chunk has none, nor when strict_gps
 * is set, the config bounds GPS and the chunk has no averaged GPS row.
 * *why (may be NULL) gets the reason when it does not.
 */
int noise_qcone_applies(const noise_qcone_config *cfg, int has_stats, int has_gps,
                        const char **why);

#endif
