/*
 * catalog.c - the noise catalog's schema (migrations) and small helpers.
 */
#include "noise/catalog.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strata/error.h"
#include "strata/uuid.h"

/* Never edit an applied migration: add a new one. */
static const strata_migration noise_migrations[] = {
    {1, "noise inventory",
     "CREATE TABLE device (\n"
     "  id TEXT PRIMARY KEY,\n"
     "  network TEXT NOT NULL,\n"
     "  station TEXT NOT NULL,\n"
     "  UNIQUE (network, station));\n"
     "CREATE TABLE component (\n"
     "  id TEXT PRIMARY KEY,\n"
     "  device_id TEXT NOT NULL REFERENCES device(id),\n"
     "  network TEXT NOT NULL,\n"
     "  station TEXT NOT NULL,\n"
     "  component TEXT NOT NULL,\n"
     "  channels TEXT NOT NULL,\n"
     "  lat DOUBLE PRECISION NOT NULL,\n"
     "  lon DOUBLE PRECISION NOT NULL,\n"
     "  elevation DOUBLE PRECISION NOT NULL,\n"
     "  start_ns BIGINT NOT NULL,\n"
     "  end_ns BIGINT,\n"
     "  inventory_path TEXT NOT NULL,\n"
     "  UNIQUE (network, station, component));\n"
     "CREATE TABLE component_pair (\n"
     "  id TEXT PRIMARY KEY,\n"
     "  component_a_id TEXT NOT NULL REFERENCES component(id),\n"
     "  component_b_id TEXT NOT NULL REFERENCES component(id),\n"
     "  component_code_pair TEXT NOT NULL,\n"
     "  autocorrelation INTEGER NOT NULL,\n"
     "  intracorrelation INTEGER NOT NULL,\n"
     "  azimuth DOUBLE PRECISION NOT NULL,\n"
     "  backazimuth DOUBLE PRECISION NOT NULL,\n"
     "  distance DOUBLE PRECISION NOT NULL,\n"
     "  arcdistance DOUBLE PRECISION NOT NULL,\n"
     "  UNIQUE (component_a_id, component_b_id));\n",
     NULL},
    {2, "noise miniSEED index",
     "CREATE TABLE mseed_file (\n"
     "  id TEXT PRIMARY KEY,\n"
     "  path TEXT NOT NULL UNIQUE,\n"
     "  size BIGINT NOT NULL,\n"
     "  mtime_ns BIGINT NOT NULL,\n"
     "  hash TEXT NOT NULL,\n"
     "  nrecords BIGINT NOT NULL,\n"
     "  nsegments BIGINT NOT NULL,\n"
     "  ngaps BIGINT NOT NULL,\n"
     "  indexed_at BIGINT NOT NULL);\n"
     "CREATE TABLE mseed_segment (\n"
     "  id TEXT PRIMARY KEY,\n"
     "  file_id TEXT NOT NULL REFERENCES mseed_file(id) ON DELETE CASCADE,\n"
     "  seq INTEGER NOT NULL,\n"
     "  network TEXT NOT NULL,\n"
     "  station TEXT NOT NULL,\n"
     "  location TEXT NOT NULL,\n"
     "  channel TEXT NOT NULL,\n"
     "  component TEXT NOT NULL,\n"
     "  sample_rate DOUBLE PRECISION NOT NULL,\n"
     "  start_ns BIGINT NOT NULL,\n"
     "  end_ns BIGINT NOT NULL,\n"
     "  nsamples BIGINT NOT NULL,\n"
     "  nrecords BIGINT NOT NULL,\n"
     "  encoding INTEGER NOT NULL,\n"
     "  record_length INTEGER NOT NULL,\n"
     "  byte_offset BIGINT NOT NULL,\n"
     "  gap_before_ns BIGINT,\n"
     "  UNIQUE (file_id, seq));\n"
     "CREATE INDEX mseed_segment_stream ON mseed_segment\n"
     "  (network, station, component, start_ns, end_ns);\n",
     NULL},
    {3, "noise timespans",
     "CREATE TABLE timespan (\n"
     "  id TEXT PRIMARY KEY,\n"
     "  starttime_ns BIGINT NOT NULL,\n"
     "  midtime_ns BIGINT NOT NULL,\n"
     "  endtime_ns BIGINT NOT NULL,\n"
     "  UNIQUE (starttime_ns, endtime_ns));\n"
     "CREATE INDEX timespan_midtime ON timespan (midtime_ns);\n",
     NULL},
    {4, "noise parameter sets",
     "CREATE TABLE param_set (\n"
     "  id TEXT PRIMARY KEY,\n"
     "  kind TEXT NOT NULL,\n"
     "  number INTEGER NOT NULL,\n"
     "  content_hash TEXT NOT NULL,\n"
     "  params_json TEXT NOT NULL,\n"
     "  source_path TEXT NOT NULL,\n"
     "  created_at BIGINT NOT NULL,\n"
     "  UNIQUE (kind, number),\n"
     "  UNIQUE (kind, content_hash));\n",
     NULL},
    {5, "noise datachunks, statistics, QC-one, PSDs and state of health",
     "CREATE TABLE datachunk (\n"
     "  id TEXT PRIMARY KEY,\n"
     "  params_id TEXT NOT NULL REFERENCES param_set(id),\n"
     "  component_id TEXT NOT NULL REFERENCES component(id),\n"
     "  timespan_id TEXT NOT NULL REFERENCES timespan(id),\n"
     "  device_id TEXT REFERENCES device(id),\n"
     "  sampling_rate DOUBLE PRECISION NOT NULL,\n"
     "  npts BIGINT NOT NULL,\n"
     "  padded_npts BIGINT,\n"
     "  starttime_ns BIGINT NOT NULL,\n"
     "  filepath TEXT NOT NULL,\n"
     "  created_at BIGINT NOT NULL,\n"
     "  UNIQUE (timespan_id, component_id, params_id));\n"
     "CREATE INDEX datachunk_params ON datachunk (params_id, timespan_id);\n"
     "CREATE TABLE datachunk_stats (\n"
     "  id TEXT PRIMARY KEY,\n"
     "  datachunk_id TEXT NOT NULL UNIQUE REFERENCES datachunk(id) ON DELETE CASCADE,\n"
     "  energy DOUBLE PRECISION,\n"
     "  min DOUBLE PRECISION,\n"
     "  max DOUBLE PRECISION,\n"
     "  mean DOUBLE PRECISION,\n"
     "  variance DOUBLE PRECISION,\n"
     "  skewness DOUBLE PRECISION,\n"
     "  kurtosis DOUBLE PRECISION);\n"
     "CREATE TABLE qcone_result (\n"
     "  id TEXT PRIMARY KEY,\n"
     "  params_id TEXT NOT NULL REFERENCES param_set(id),\n"
     "  datachunk_id TEXT NOT NULL REFERENCES datachunk(id) ON DELETE CASCADE,\n"
     "  starttime INTEGER NOT NULL,\n"
     "  endtime INTEGER NOT NULL,\n"
     "  accepted_time INTEGER NOT NULL,\n"
     "  avg_gps_time_error_min INTEGER NOT NULL,\n"
     "  avg_gps_time_error_max INTEGER NOT NULL,\n"
     "  avg_gps_time_uncertainty_min INTEGER NOT NULL,\n"
     "  avg_gps_time_uncertainty_max INTEGER NOT NULL,\n"
     "  signal_energy_min INTEGER NOT NULL,\n"
     "  signal_energy_max INTEGER NOT NULL,\n"
     "  signal_min_value_min INTEGER NOT NULL,\n"
     "  signal_min_value_max INTEGER NOT NULL,\n"
     "  signal_max_value_min INTEGER NOT NULL,\n"
     "  signal_max_value_max INTEGER NOT NULL,\n"
     "  signal_mean_value_min INTEGER NOT NULL,\n"
     "  signal_mean_value_max INTEGER NOT NULL,\n"
     "  signal_variance_min INTEGER NOT NULL,\n"
     "  signal_variance_max INTEGER NOT NULL,\n"
     "  signal_skewness_min INTEGER NOT NULL,\n"
     "  signal_skewness_max INTEGER NOT NULL,\n"
     "  signal_kurtosis_min INTEGER NOT NULL,\n"
     "  signal_kurtosis_max INTEGER NOT NULL,\n"
     "  passed INTEGER NOT NULL,\n"
     "  UNIQUE (datachunk_id, params_id));\n"
     "CREATE TABLE psd_result (\n"
     "  id TEXT PRIMARY KEY,\n"
     "  params_id TEXT NOT NULL REFERENCES param_set(id),\n"
     "  timespan_id TEXT NOT NULL REFERENCES timespan(id),\n"
     "  datachunk_id TEXT NOT NULL REFERENCES datachunk(id) ON DELETE CASCADE,\n"
     "  filepath TEXT NOT NULL,\n"
     "  nsegments INTEGER NOT NULL,\n"
     "  nkept INTEGER NOT NULL,\n"
     "  UNIQUE (datachunk_id, params_id));\n"
     "CREATE INDEX psd_result_params ON psd_result (params_id, timespan_id);\n"
     "CREATE TABLE soh_gps (\n"
     "  id TEXT PRIMARY KEY,\n"
     "  device_id TEXT NOT NULL REFERENCES device(id),\n"
     "  datetime_ns BIGINT NOT NULL,\n"
     "  time_error DOUBLE PRECISION,\n"
     "  time_uncertainty DOUBLE PRECISION,\n"
     "  UNIQUE (device_id, datetime_ns));\n"
     "CREATE TABLE soh_instrument (\n"
     "  id TEXT PRIMARY KEY,\n"
     "  device_id TEXT NOT NULL REFERENCES device(id),\n"
     "  datetime_ns BIGINT NOT NULL,\n"
     "  voltage DOUBLE PRECISION,\n"
     "  current DOUBLE PRECISION,\n"
     "  temperature DOUBLE PRECISION,\n"
     "  UNIQUE (device_id, datetime_ns));\n"
     "CREATE TABLE averaged_soh_gps (\n"
     "  id TEXT PRIMARY KEY,\n"
     "  timespan_id TEXT NOT NULL REFERENCES timespan(id),\n"
     "  device_id TEXT NOT NULL REFERENCES device(id),\n"
     "  time_error DOUBLE PRECISION,\n"
     "  time_uncertainty DOUBLE PRECISION,\n"
     "  nsamples INTEGER NOT NULL,\n"
     "  UNIQUE (timespan_id, device_id));\n",
     NULL},
};

#define NOISE_NMIGRATIONS (sizeof(noise_migrations) / sizeof(noise_migrations[0]))

int noise_catalog_schema_version(void)
{
	return noise_migrations[NOISE_NMIGRATIONS - 1].version;
}

int noise_catalog_migrate(strata_db *db)
{
	return strata_db_migrate(db, noise_migrations, NOISE_NMIGRATIONS, NULL);
}

const char *noise_project_dir(const char *project)
{
	if (!project)
		project = getenv("STRATA_NOISE_PROJECT");
	return project && *project ? project : ".";
}

int noise_catalog_url(const char *catalog, const char *project, char *out, size_t outlen)
{
	const char *env = getenv("STRATA_NOISE_CATALOG");
	int n;

	if (!catalog && env && *env)
		catalog = env;
	if (catalog) {
		n = snprintf(out, outlen, "%s", catalog);
	} else {
		n = snprintf(out, outlen, "%s/%s", noise_project_dir(project), NOISE_CATALOG_FILE);
	}
	if (n < 0 || (size_t)n >= outlen)
		return strata_error_set(STRATA_ELIMIT, "catalog path too long");
	return 0;
}

int noise_catalog_open(const char *url, strata_db **out)
{
	strata_db *db = NULL;
	int rc = strata_db_open(url, &db);

	*out = NULL;
	if (rc)
		return rc;
	rc = noise_catalog_migrate(db);
	if (rc) {
		strata_db_close(db);
		return rc;
	}
	*out = db;
	return 0;
}

int noise_new_id(char out[37])
{
	strata_uuid id;
	int rc = strata_uuid7(&id);

	if (rc)
		return rc;
	strata_uuid_format(&id, out);
	return 0;
}

int noise_catalog_count(strata_db *db, const char *table, long long *count)
{
	char sql[128];
	strata_db_stmt *st = NULL;
	int rc;

	snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM %s", table);
	rc = strata_db_prepare(db, sql, &st);
	if (rc)
		return rc;
	rc = strata_db_step(st);
	*count = rc == STRATA_DB_ROW ? (long long)strata_db_column_int64(st, 0) : 0;
	strata_db_finalize(st);
	return rc < 0 ? rc : 0;
}

int noise_catalog_lookup_text(strata_db *db, const char *sql, char *out, size_t outlen, int *found,
                              ...)
{
	strata_db_stmt *st = NULL;
	va_list ap;
	int rc = strata_db_prepare(db, sql, &st);
	int idx = 1;
	const char *v;

	*found = 0;
	if (rc)
		return rc;
	va_start(ap, found);
	while (!rc && (v = va_arg(ap, const char *)) != NULL)
		rc = strata_db_bind_text(st, idx++, v);
	va_end(ap);
	if (!rc)
		rc = strata_db_step(st);
	if (rc == STRATA_DB_ROW) {
		const char *t = strata_db_column_text(st, 0);
		snprintf(out, outlen, "%s", t ? t : "");
		*found = 1;
		rc = 0;
	}
	strata_db_finalize(st);
	return rc;
}
