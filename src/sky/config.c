/* config.c - `strata sky` configuration; see config.h. */
#include "sky/config.h"

#include "strata/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const strata_conf_field key_fields[] = {
    {"name", STRATA_CONF_STRING, 1, NULL, 0},
    {"key", STRATA_CONF_STRING, 0, NULL, 0},
    {"key_file", STRATA_CONF_STRING, 0, NULL, 0},
    {"scopes", STRATA_CONF_ARRAY, 1, NULL, STRATA_CONF_STRING},
    {NULL, 0, 0, NULL, 0}};
static const strata_conf_field rate_fields[] = {{"per_ip", STRATA_CONF_NUMBER, 0, NULL, 0},
                                                {"per_key", STRATA_CONF_NUMBER, 0, NULL, 0},
                                                {"burst", STRATA_CONF_NUMBER, 0, NULL, 0},
                                                {NULL, 0, 0, NULL, 0}};
static const strata_conf_field server_fields[] = {
    {"host", STRATA_CONF_STRING, 0, NULL, 0},
    {"port", STRATA_CONF_INT, 0, NULL, 0},
    {"threads", STRATA_CONF_INT, 0, NULL, 0},
    {"pool_size", STRATA_CONF_INT, 0, NULL, 0},
    {"cache_mb", STRATA_CONF_INT, 0, NULL, 0},
    {"max_body", STRATA_CONF_INT, 0, NULL, 0},
    {"read_open", STRATA_CONF_BOOL, 0, NULL, 0},
    {"jwt_secret", STRATA_CONF_STRING, 0, NULL, 0},
    {"jwt_secret_file", STRATA_CONF_STRING, 0, NULL, 0},
    {"keys", STRATA_CONF_ARRAY, 0, key_fields, 0},
    {"rate_limit", STRATA_CONF_TABLE, 0, rate_fields, 0},
    {NULL, 0, 0, NULL, 0}};
static const strata_conf_field paths_fields[] = {
    {"roots", STRATA_CONF_ARRAY, 0, NULL, STRATA_CONF_STRING},
    {"log_dir", STRATA_CONF_STRING, 0, NULL, 0},
    {"work_dir", STRATA_CONF_STRING, 0, NULL, 0},
    {"disk", STRATA_CONF_STRING, 0, NULL, 0},
    {"min_free_gb", STRATA_CONF_NUMBER, 0, NULL, 0},
    {NULL, 0, 0, NULL, 0}};
static const strata_conf_field worker_fields[] = {{"name", STRATA_CONF_STRING, 0, NULL, 0},
                                                  {"poll_interval", STRATA_CONF_NUMBER, 0, NULL, 0},
                                                  {"stage_timeout", STRATA_CONF_NUMBER, 0, NULL, 0},
                                                  {"retry_delay", STRATA_CONF_NUMBER, 0, NULL, 0},
                                                  {"stale_after", STRATA_CONF_NUMBER, 0, NULL, 0},
                                                  {NULL, 0, 0, NULL, 0}};
static const strata_conf_field stage_fields[] = {{"convert", STRATA_CONF_STRING, 0, NULL, 0},
                                                 {"flag", STRATA_CONF_STRING, 0, NULL, 0},
                                                 {"calibrate", STRATA_CONF_STRING, 0, NULL, 0},
                                                 {"image", STRATA_CONF_STRING, 0, NULL, 0},
                                                 {NULL, 0, 0, NULL, 0}};
static const strata_conf_field ingest_fields[] = {{"dir", STRATA_CONF_STRING, 0, NULL, 0},
                                                  {"scan_interval", STRATA_CONF_NUMBER, 0, NULL, 0},
                                                  {"tolerance_s", STRATA_CONF_NUMBER, 0, NULL, 0},
                                                  {"subbands", STRATA_CONF_INT, 0, NULL, 0},
                                                  {NULL, 0, 0, NULL, 0}};
static const strata_conf_field root_fields[] = {{"catalog", STRATA_CONF_STRING, 0, NULL, 0},
                                                {"server", STRATA_CONF_TABLE, 0, server_fields, 0},
                                                {"paths", STRATA_CONF_TABLE, 0, paths_fields, 0},
                                                {"worker", STRATA_CONF_TABLE, 0, worker_fields, 0},
                                                {"stages", STRATA_CONF_TABLE, 0, stage_fields, 0},
                                                {"ingest", STRATA_CONF_TABLE, 0, ingest_fields, 0},
                                                {NULL, 0, 0, NULL, 0}};

void sky_config_default(sky_config *c)
{
	memset(c, 0, sizeof *c);
	sky_api_config_default(&c->api);
	c->catalog = "sky.db";
	c->log_dir = "sky-logs";
	c->work_dir = "sky-work";
	c->poll_interval = 1.0;
	c->stage_timeout = 3600;
	c->retry_delay = 30;
	c->stale_after = 600;
	c->scan_interval = 30;
	c->tolerance_s = 60;
	c->subbands = 16;
}

/* Read a secret from a file: the first line, without its newline. */
static int read_secret(const char *path, char **out)
{
	char buf[4096];
	FILE *f = fopen(path, "r");

	if (!f)
		return strata_error_set_errno("%s", path);
	if (!fgets(buf, sizeof buf, f)) {
		fclose(f);
		return strata_error_set(STRATA_EPARSE, "%s: empty secret file", path);
	}
	fclose(f);
	buf[strcspn(buf, "\r\n")] = 0;
	if (!(*out = strdup(buf)))
		return strata_error_set(STRATA_ENOMEM, "out of memory");
	return 0;
}

/* Scopes from ["read", "write"]. */
static int key_scopes(const strata_conf *list, int *scopes)
{
	const char *s;
	int rc;

	*scopes = 0;
	for (size_t i = 0; i < strata_conf_count(list); i++) {
		if ((rc = strata_conf_as_string(strata_conf_at(list, i), &s)))
			return rc;
		if (!strcmp(s, "read"))
			*scopes |= SKY_SCOPE_READ;
		else if (!strcmp(s, "write"))
			*scopes |= SKY_SCOPE_WRITE | SKY_SCOPE_READ;
		else
			return strata_error_set(
			    STRATA_ESCHEMA, "%s:%d: scope '%s' is not read or write",
			    strata_conf_source(list), strata_conf_line(list), s);
	}
	return 0;
}

static int load_keys(const strata_conf *keys, sky_config *c)
{
	size_t n = strata_conf_count(keys);
	int rc = 0, ns = 0;

	if (n > SKY_MAX_KEYS)
		return strata_error_set(STRATA_ELIMIT, "at most %d API keys", SKY_MAX_KEYS);
	while (ns < SKY_MAX_KEYS && c->secrets[ns])
		ns++;
	for (size_t i = 0; i < n && !rc; i++) {
		const strata_conf *k = strata_conf_at(keys, i);
		const char *file = NULL;
		sky_api_key *key = &c->keys[i];
		if ((rc = strata_conf_get_string(k, "name", NULL, &key->name)) ||
		    (rc = strata_conf_get_string(k, "key", NULL, &key->key)) ||
		    (rc = strata_conf_get_string(k, "key_file", NULL, &file)) ||
		    (rc = key_scopes(strata_conf_get(k, "scopes"), &key->scopes)))
			break;
		if (file && !(rc = read_secret(file, &c->secrets[ns])))
			key->key = c->secrets[ns++];
		if (!rc && !key->key)
			rc = strata_error_set(STRATA_ESCHEMA, "API key %s: key or key_file needed",
			                      key->name);
	}
	c->api.keys = c->keys;
	c->api.n_keys = n;
	return rc;
}

static int load_server(const strata_conf *s, sky_config *c)
{
	const strata_conf *rl = strata_conf_get(s, "rate_limit");
	const char *secret_file = NULL;
	int64_t port = c->api.port, threads = c->api.threads, pool = c->api.pool_size;
	int64_t body = (int64_t)c->api.max_body, cache_mb = c->api.cache_mb;
	int rc;

	if ((rc = strata_conf_get_string(s, "host", c->api.host, &c->api.host)) ||
	    (rc = strata_conf_get_int64(s, "port", port, &port)) ||
	    (rc = strata_conf_get_int64(s, "threads", threads, &threads)) ||
	    (rc = strata_conf_get_int64(s, "pool_size", pool, &pool)) ||
	    (rc = strata_conf_get_int64(s, "max_body", body, &body)) ||
	    (rc = strata_conf_get_int64(s, "cache_mb", cache_mb, &cache_mb)) ||
	    (rc = strata_conf_get_bool(s, "read_open", 0, &c->api.read_open)) ||
	    (rc = strata_conf_get_string(s, "jwt_secret", NULL, &c->api.jwt_secret)) ||
	    (rc = strata_conf_get_string(s, "jwt_secret_file", NULL, &secret_file)) ||
	    (rc = strata_conf_get_double(rl, "per_ip", 0, &c->api.rate_ip)) ||
	    (rc = strata_conf_get_double(rl, "per_key", 0, &c->api.rate_key)) ||
	    (rc = strata_conf_get_double(rl, "burst", 0, &c->api.rate_burst)))
		return rc;
	if (port < 0 || port > 65535 || threads < 1 || threads > 1024 || pool < 0 || pool > 256 ||
	    body < 1 || body > (1 << 26) || cache_mb < 0 || cache_mb > 65536)
		return strata_error_set(STRATA_ESCHEMA, "server: port, threads, pool_size, "
		                                        "max_body or cache_mb out of range");
	c->api.port = (int)port;
	c->api.threads = (int)threads;
	c->api.pool_size = (int)pool;
	c->api.max_body = (size_t)body;
	c->api.cache_mb = (int)cache_mb;
	if (secret_file) {
		if ((rc = read_secret(secret_file, &c->secrets[SKY_MAX_KEYS])))
			return rc;
		c->api.jwt_secret = c->secrets[SKY_MAX_KEYS];
	}
	if (c->api.jwt_secret && strlen(c->api.jwt_secret) < 32)
		return strata_error_set(STRATA_ESCHEMA, "server.jwt_secret needs 32 characters");
	return load_keys(strata_conf_get(s, "keys"), c);
}

static int load_paths(const strata_conf *p, sky_config *c)
{
	const strata_conf *roots = strata_conf_get(p, "roots");
	int rc;

	if ((rc = strata_conf_get_string(p, "log_dir", c->log_dir, &c->log_dir)) ||
	    (rc = strata_conf_get_string(p, "work_dir", c->work_dir, &c->work_dir)) ||
	    (rc = strata_conf_get_string(p, "disk", NULL, &c->api.disk_path)) ||
	    (rc = strata_conf_get_double(p, "min_free_gb", 0, &c->api.disk_min_free_gb)))
		return rc;
	if (strata_conf_count(roots) > SKY_MAX_ROOTS)
		return strata_error_set(STRATA_ELIMIT, "at most %d roots", SKY_MAX_ROOTS);
	for (size_t i = 0; i < strata_conf_count(roots) && !rc; i++)
		rc = strata_conf_as_string(strata_conf_at(roots, i), &c->roots[i]);
	c->api.n_roots = strata_conf_count(roots);
	return rc;
}

static int load_engine(const strata_conf *root, sky_config *c)
{
	const strata_conf *w = strata_conf_get(root, "worker"),
	                  *s = strata_conf_get(root, "stages");
	const strata_conf *in = strata_conf_get(root, "ingest");
	static const char *const names[SKY_N_STAGES] = {"convert", "flag", "calibrate", "image"};
	int64_t subbands = c->subbands;
	int rc = 0;

	if ((rc = strata_conf_get_string(w, "name", NULL, &c->worker_name)) ||
	    (rc =
	         strata_conf_get_double(w, "poll_interval", c->poll_interval, &c->poll_interval)) ||
	    (rc =
	         strata_conf_get_double(w, "stage_timeout", c->stage_timeout, &c->stage_timeout)) ||
	    (rc = strata_conf_get_double(w, "retry_delay", c->retry_delay, &c->retry_delay)) ||
	    (rc = strata_conf_get_double(w, "stale_after", c->stale_after, &c->stale_after)) ||
	    (rc = strata_conf_get_string(in, "dir", NULL, &c->ingest_dir)) ||
	    (rc = strata_conf_get_double(in, "scan_interval", c->scan_interval,
	                                 &c->scan_interval)) ||
	    (rc = strata_conf_get_double(in, "tolerance_s", c->tolerance_s, &c->tolerance_s)) ||
	    (rc = strata_conf_get_int64(in, "subbands", subbands, &subbands)))
		return rc;
	for (int i = 0; i < SKY_N_STAGES && !rc; i++)
		rc = strata_conf_get_string(s, names[i], NULL, &c->stage_cmd[i]);
	if (!rc && (subbands < 1 || subbands > 64 || !(c->poll_interval > 0) ||
	            !(c->stage_timeout > 0) || !(c->tolerance_s >= 0)))
		rc = strata_error_set(STRATA_ESCHEMA, "worker or ingest settings out of range");
	c->subbands = (int)subbands;
	return rc;
}

int sky_config_load(const char *path, sky_config *c)
{
	int rc;

	if (!path)
		return 0;
	if ((rc = strata_conf_load(path, &c->doc)))
		return rc;
	if ((rc = strata_conf_validate(c->doc, root_fields)) ||
	    (rc = strata_conf_get_string(c->doc, "catalog", c->catalog, &c->catalog)) ||
	    (rc = load_server(strata_conf_get(c->doc, "server"), c)) ||
	    (rc = load_paths(strata_conf_get(c->doc, "paths"), c)) || (rc = load_engine(c->doc, c)))
		return strata_error_wrap(rc, "%s", path);
	return 0;
}

void sky_config_free(sky_config *c)
{
	for (int i = 0; i <= SKY_MAX_KEYS; i++)
		free(c->secrets[i]);
	strata_conf_free(c->doc);
	memset(c, 0, sizeof *c);
}
