/*
 * catalog.h - the noise catalog: Noiz's data model on the core db layer.
 *
 * Tables (created by numbered migrations, identical on SQLite and
 * PostgreSQL; keys are UUIDv7 text made where the row is made; times are
 * BIGINT nanoseconds since 1970 UTC; booleans INTEGER 0/1):
 *
 *   device            one per network.station
 *   component         one per network.station.component letter
 *   component_pair    auto-, intra- and inter-station pairs
 *   mseed_file        one per indexed file (size, mtime, content hash)
 *   mseed_segment     one per continuous trace segment of a file
 *   timespan          processing windows
 *   param_set         every stage's parameter set (Noiz TOML), as JSON
 *   datachunk         one per component, timespan and datachunk parameter set
 *   datachunk_stats   one per datachunk
 *   qcone_result      one per datachunk and QC-one parameter set
 *   psd_result        one per datachunk and PSD parameter set
 *   soh_gps, soh_instrument   state-of-health samples per device
 *   averaged_soh_gps  GPS state of health averaged per timespan and device
 *
 * docs/noise.md lists every column. Every writer upserts on the natural key
 * (ON CONFLICT DO UPDATE), so re-running a stage never duplicates rows.
 */
#ifndef STRATA_NOISE_CATALOG_H
#define STRATA_NOISE_CATALOG_H

#include <stddef.h>

#include "strata/db.h"

/* File name of the default SQLite catalog inside the project directory. */
#define NOISE_CATALOG_FILE "noise-catalog.db"

/* The project directory: project if not NULL, else $STRATA_NOISE_PROJECT if
 * set and not empty, else ".". */
const char *noise_project_dir(const char *project);

/*
 * The catalog URL to use: catalog when given (a path, sqlite:PATH or a
 * postgresql:// URL), else $STRATA_NOISE_CATALOG, else
 * PROJECT/noise-catalog.db where PROJECT is project, else
 * $STRATA_NOISE_PROJECT, else the current directory.
 */
int noise_catalog_url(const char *catalog, const char *project, char *out, size_t outlen);

/* Open the catalog at url and apply pending migrations. */
int noise_catalog_open(const char *url, strata_db **out);

/* Apply the noise migrations to an open database. */
int noise_catalog_migrate(strata_db *db);

/* The number of noise migrations (the schema version once migrated). */
int noise_catalog_schema_version(void);

/* A fresh UUIDv7 in canonical text form (37 bytes with the NUL). */
int noise_new_id(char out[37]);

/* Count the rows of table (a fixed identifier, never user input). */
int noise_catalog_count(strata_db *db, const char *table, long long *count);

/* Run one query that yields one text column, e.g. an id; *found tells
 * whether a row came back. The statement is prepared with sql and the
 * given text parameters (NULL-terminated). */
int noise_catalog_lookup_text(strata_db *db, const char *sql, char *out, size_t outlen, int *found,
                              ...);

#endif
