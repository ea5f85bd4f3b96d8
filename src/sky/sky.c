/* sky.c - `strata sky`: the DSA-110 continuum-imaging catalog, jobs and API. */
#include "sky/api.h"
#include "sky/catalog.h"
#include "sky/config.h"
#include "sky/engine.h"
#include "sky/fits_qa.h"
#include "sky/seed.h"
#include "strata/app.h"
#include "strata/cmd.h"
#include "strata/error.h"
#include "strata/log.h"

#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Common options: --config, --catalog, --port, --host, --threads. */
typedef struct sky_opts {
	const char *config, *catalog, *host;
	int port, threads, once, max_jobs;
} sky_opts;

/* Parse the common options; -1 (message printed) on a usage error. */
static int parse_opts(const char *cmd, int argc, char **argv, sky_opts *o)
{
	memset(o, 0, sizeof *o);
	o->port = -1;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		char *end = NULL;
		if (!strcmp(a, "--once")) {
			o->once = 1;
			continue;
		}
		if (!v) {
			fprintf(stderr, "strata sky %s: %s: unknown option or missing value\n", cmd,
			        a);
			return -1;
		}
		i++;
		if (!strcmp(a, "--config"))
			o->config = v;
		else if (!strcmp(a, "--catalog"))
			o->catalog = v;
		else if (!strcmp(a, "--host"))
			o->host = v;
		else if (!strcmp(a, "--port") || !strcmp(a, "--threads") ||
		         !strcmp(a, "--max-jobs")) {
			long n = strtol(v, &end, 10);
			if (!*v || *end || n < 0 || n > 65535) {
				fprintf(stderr,
				        "strata sky %s: %s: expected an integer, got '%s'\n", cmd,
				        a, v);
				return -1;
			}
			if (a[2] == 'p')
				o->port = (int)n;
			else if (a[2] == 't')
				o->threads = (int)n;
			else
				o->max_jobs = (int)n;
		} else {
			fprintf(stderr, "strata sky %s: unknown option %s\n", cmd, a);
			return -1;
		}
	}
	return 0;
}

/* Load the configuration and apply the command-line overrides. */
static int load_config(const sky_opts *o, sky_config *c)
{
	int rc;

	sky_config_default(c);
	if ((rc = sky_config_load(o->config, c)))
		return rc;
	if (o->catalog)
		c->catalog = o->catalog;
	if (o->host)
		c->api.host = o->host;
	if (o->port >= 0)
		c->api.port = o->port;
	if (o->threads > 0)
		c->api.threads = o->threads;
	c->api.catalog = c->catalog;
	c->api.roots = c->roots;
	c->api.log_dir = c->log_dir;
	return 0;
}

static int fail(const char *cmd)
{
	fprintf(stderr, "strata sky %s: %s\n", cmd, strata_error_message());
	return STRATA_EXIT_FAILURE;
}

/* Block SIGINT/SIGTERM (threads inherit the mask) and wait for one. */
static void wait_for_stop(void)
{
	sigset_t set;
	int sig = 0;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigwait(&set, &sig);
	strata_log(STRATA_LOG_INFO, "shutting down", "signal",
	           sig == SIGINT ? "SIGINT" : "SIGTERM");
}

static void block_signals(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
}

static int cmd_serve(int argc, char **argv)
{
	sky_opts o;
	sky_config c;
	sky_api *api;
	char port[16];

	if (strata_cmd_wants_help(argc, argv)) {
		printf("usage: strata sky serve [--config FILE] [--catalog PATH|URL] [--host H]\n"
		       "                        [--port N] [--threads N]\n\n"
		       "Serve the REST API (docs/sky.md). --port 0 picks a free port; the port is\n"
		       "logged and printed as 'listening on PORT'. Stops on SIGINT/SIGTERM.\n");
		return STRATA_EXIT_OK;
	}
	if (parse_opts("serve", argc, argv, &o))
		return STRATA_EXIT_USAGE;
	if (load_config(&o, &c)) {
		sky_config_free(&c);
		return fail("serve");
	}
	block_signals();
	/* Each catalog connection serves one request thread at a time (the
	 * pool), so SQLite's per-call connection mutexes are not needed. */
	sqlite3_config(SQLITE_CONFIG_MULTITHREAD);
	if (sky_api_start(&c.api, &api)) {
		sky_config_free(&c);
		return fail("serve");
	}
	snprintf(port, sizeof port, "%d", sky_api_port(api));
	strata_log(STRATA_LOG_INFO, "sky API listening", "host", c.api.host, "port", port);
	printf("listening on %s\n", port);
	fflush(stdout);
	wait_for_stop();
	sky_api_stop(api);
	sky_config_free(&c);
	return STRATA_EXIT_OK;
}

static int cmd_migrate(int argc, char **argv)
{
	sky_opts o;
	sky_config c;
	strata_db *db;
	int applied = 0, rc;

	if (strata_cmd_wants_help(argc, argv)) {
		printf("usage: strata sky migrate [--config FILE] [--catalog PATH|URL]\n\n"
		       "Create the catalog or apply its pending migrations.\n");
		return STRATA_EXIT_OK;
	}
	if (parse_opts("migrate", argc, argv, &o))
		return STRATA_EXIT_USAGE;
	if (load_config(&o, &c) || strata_db_open(c.catalog, &db)) {
		sky_config_free(&c);
		return fail("migrate");
	}
	rc = sky_catalog_migrate(db, &applied);
	strata_db_close(db);
	sky_config_free(&c);
	if (rc)
		return fail("migrate");
	printf("applied %d migration(s); schema version %d\n", applied,
	       sky_catalog_schema_version());
	return STRATA_EXIT_OK;
}

static int cmd_worker(int argc, char **argv)
{
	sky_opts o;
	sky_config c;
	int rc;

	if (strata_cmd_wants_help(argc, argv)) {
		printf("usage: strata sky worker [--config FILE] [--catalog PATH|URL] [--once]\n"
		       "                         [--max-jobs N]\n\n"
		       "Claim queued jobs and run their stages' commands ([stages] of the\n"
		       "configuration). --once: stop when the queue is empty; --max-jobs N: stop\n"
		       "after N jobs. Stops on SIGINT/SIGTERM after the current stage.\n");
		return STRATA_EXIT_OK;
	}
	if (parse_opts("worker", argc, argv, &o))
		return STRATA_EXIT_USAGE;
	if (load_config(&o, &c)) {
		sky_config_free(&c);
		return fail("worker");
	}
	rc = sky_worker_run(&c, o.once, o.max_jobs);
	sky_config_free(&c);
	return rc ? fail("worker") : STRATA_EXIT_OK;
}

static int cmd_ingest(int argc, char **argv)
{
	sky_opts o;
	sky_config c;
	int rc;

	if (strata_cmd_wants_help(argc, argv)) {
		printf("usage: strata sky ingest [--config FILE] [--catalog PATH|URL] [--once]\n\n"
		       "Watch [ingest] dir (inotify plus a periodic scan) for sub-band files\n"
		       "NAME_sbNN.hdf5, group them by timestamp, and queue a process_ms job for\n"
		       "each complete group. --once: one scan, then exit.\n");
		return STRATA_EXIT_OK;
	}
	if (parse_opts("ingest", argc, argv, &o))
		return STRATA_EXIT_USAGE;
	if (load_config(&o, &c)) {
		sky_config_free(&c);
		return fail("ingest");
	}
	rc = sky_ingest_run(&c, o.once);
	sky_config_free(&c);
	return rc ? fail("ingest") : STRATA_EXIT_OK;
}

/* `strata sky token --scope read,write --ttl S --subject NAME`: print a
 * bearer token signed with the configuration's secret. */
static int cmd_token(int argc, char **argv)
{
	const char *config = NULL, *scope = "read", *subject = "cli";
	double ttl = 3600;
	sky_config c;
	char *tok = NULL;
	int scopes = 0, rc;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--config"))
			config = argv[i + 1];
		else if (!strcmp(argv[i], "--scope"))
			scope = argv[i + 1];
		else if (!strcmp(argv[i], "--subject"))
			subject = argv[i + 1];
		else if (!strcmp(argv[i], "--ttl"))
			ttl = atof(argv[i + 1]);
		else {
			fprintf(stderr, "strata sky token: unknown option %s\n", argv[i]);
			return STRATA_EXIT_USAGE;
		}
	}
	if (strstr(scope, "read"))
		scopes |= SKY_SCOPE_READ;
	if (strstr(scope, "write"))
		scopes |= SKY_SCOPE_WRITE;
	sky_config_default(&c);
	if ((rc = sky_config_load(config, &c)) || !c.api.jwt_secret) {
		if (!rc)
			strata_error_set(STRATA_EINVAL,
			                 "the configuration has no server.jwt_secret");
		sky_config_free(&c);
		return fail("token");
	}
	rc = sky_jwt_sign(c.api.jwt_secret, subject, scopes, ttl > 0 ? sky_now() + ttl : 0, &tok);
	sky_config_free(&c);
	if (rc)
		return fail("token");
	printf("%s\n", tok);
	free(tok);
	return STRATA_EXIT_OK;
}

/* `strata sky seed --catalog URL [--ms N --images N --sources N
 * --photometry N]`: a synthetic catalog. */
static int cmd_seed(int argc, char **argv)
{
	sky_seed_counts n = {100, 1000, 100, 10000};
	const char *catalog = NULL;
	strata_db *db;
	int rc;

	for (int i = 1; i + 1 < argc; i += 2) {
		const char *a = argv[i];
		int64_t v = strtoll(argv[i + 1], NULL, 10);
		if (!strcmp(a, "--catalog"))
			catalog = argv[i + 1];
		else if (!strcmp(a, "--ms"))
			n.ms = v;
		else if (!strcmp(a, "--images"))
			n.images = v;
		else if (!strcmp(a, "--sources"))
			n.sources = v;
		else if (!strcmp(a, "--photometry"))
			n.photometry = v;
		else {
			fprintf(stderr, "strata sky seed: unknown option %s\n", a);
			return STRATA_EXIT_USAGE;
		}
	}
	if (!catalog || argc % 2 == 0) {
		fprintf(stderr, "usage: strata sky seed --catalog PATH|URL [--ms N] [--images N]\n"
		                "                       [--sources N] [--photometry N]\n");
		return STRATA_EXIT_USAGE;
	}
	if (sky_catalog_open(catalog, &db))
		return fail("seed");
	rc = sky_seed(db, &n);
	strata_db_close(db);
	return rc ? fail("seed") : STRATA_EXIT_OK;
}

/* Register one image inside a transaction (register-image's body). */
typedef struct register_ctx {
	const char *path;
	int64_t ms_id, image_id;
} register_ctx;

static int register_image_txn(strata_db *db, void *arg)
{
	register_ctx *r = arg;
	return sky_engine_register_image(db, r->path, r->ms_id, NAN, NAN, &r->image_id);
}

/* `strata sky register-image FILE --catalog PATH|URL [--ms-id N]`: register
 * a FITS image and its QA as the engine registers a stage's product. */
static int cmd_register_image(int argc, char **argv)
{
	const char *catalog = NULL, *file = NULL;
	register_ctx r = {0};
	char *abs;
	strata_db *db;
	int rc;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--catalog") && i + 1 < argc)
			catalog = argv[++i];
		else if (!strcmp(argv[i], "--ms-id") && i + 1 < argc)
			r.ms_id = strtoll(argv[++i], NULL, 10);
		else if (argv[i][0] != '-' && !file)
			file = argv[i];
		else {
			fprintf(stderr, "strata sky register-image: unexpected argument %s\n",
			        argv[i]);
			return STRATA_EXIT_USAGE;
		}
	}
	if (!catalog || !file) {
		fprintf(stderr, "usage: strata sky register-image FILE.fits --catalog PATH|URL"
		                " [--ms-id N]\n");
		return STRATA_EXIT_USAGE;
	}
	if (!(abs = realpath(file, NULL))) {
		fprintf(stderr, "strata sky register-image: %s: cannot resolve the path\n", file);
		return STRATA_EXIT_FAILURE;
	}
	r.path = abs;
	rc = sky_catalog_open(catalog, &db);
	if (!rc) {
		rc = strata_db_transaction(db, register_image_txn, &r, 3);
		strata_db_close(db);
	}
	if (!rc)
		printf("registered image %lld: %s\n", (long long)r.image_id, abs);
	free(abs);
	return rc ? fail("register-image") : STRATA_EXIT_OK;
}

static const strata_cmd sky_commands[] = {
    {"serve", cmd_serve, "run the REST API (--catalog PATH|URL --port N --config FILE)", NULL},
    {"ingest", cmd_ingest, "watch for sub-band files and group observations", NULL},
    {"worker", cmd_worker, "claim and run pipeline jobs", NULL},
    {"migrate", cmd_migrate, "create or upgrade the catalog", NULL},
    {"seed", cmd_seed, "fill a catalog with synthetic data (demos, tests, benchmarks)", NULL},
    {"register-image", cmd_register_image,
     "register a FITS image and its QA in the catalog (FILE --catalog PATH|URL)", NULL},
    {"qa", sky_cmd_qa, "image quality of a FITS image (FILE.fits [--json])", NULL},
    {"token", cmd_token, "print a bearer token signed with the configured secret", NULL},
    {NULL, NULL, NULL, NULL},
};

static const strata_cmd_group sky_group = {
    "strata sky",
    "The DSA-110 continuum-imaging pipeline's catalog, job engine and REST API: measurement\n"
    "sets, images, sources, photometry, calibration tables and batch jobs, on SQLite by\n"
    "default or PostgreSQL when several instances share the load.",
    sky_commands,
};

int strata_sky_main(int argc, char **argv)
{
	return strata_cmd_dispatch(&sky_group, argc, argv);
}
