/*
 * config.h - `strata sky` configuration (TOML or YAML; docs/sky.md).
 *
 *   catalog = "sky.db"              # path or postgresql:// URL
 *   [server]   host, port, threads, pool_size, max_body, read_open,
 *              jwt_secret | jwt_secret_file
 *   [[server.keys]] name, key | key_file, scopes = ["read", "write"]
 *   [server.rate_limit] per_ip, per_key, burst      (requests/s)
 *   [paths]    roots = [...], log_dir, work_dir, disk, min_free_gb
 *   [worker]   name, poll_interval, stage_timeout, retry_delay, stale_after
 *   [stages]   convert, flag, calibrate, image      (shell commands)
 *   [ingest]   dir, scan_interval, tolerance_s, subbands
 */
#ifndef STRATA_SKY_CONFIG_H
#define STRATA_SKY_CONFIG_H

#include "sky/api.h"
#include "strata/conf.h"

#define SKY_MAX_KEYS  32
#define SKY_MAX_ROOTS 16
#define SKY_N_STAGES  4

typedef struct sky_config {
	strata_conf *doc; /* owns the strings below */
	const char *catalog;
	sky_api_config api;
	sky_api_key keys[SKY_MAX_KEYS];
	const char *roots[SKY_MAX_ROOTS];
	char *secrets[SKY_MAX_KEYS + 1]; /* read from files; freed with the config */
	const char *log_dir, *work_dir;
	const char *worker_name;
	double poll_interval, stage_timeout, retry_delay, stale_after;
	const char *stage_cmd[SKY_N_STAGES]; /* convert, flag, calibrate, image */
	const char *ingest_dir;
	double scan_interval, tolerance_s;
	int subbands;
} sky_config;

/* Defaults (no file). */
void sky_config_default(sky_config *c);

/* Load path (NULL: defaults only) over the defaults. */
int sky_config_load(const char *path, sky_config *c);

void sky_config_free(sky_config *c);

#endif
