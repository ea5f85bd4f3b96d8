/*
 * cmd_core.c - `strata core`: small tools over the shared core, for scripts
 * and for checking inputs by hand.
 *
 *   strata core time TIMESTAMP...      parse strictly; print ns, ISO, MJD, doy
 *   strata core uuid [-n N]            new UUIDv7 ids
 *   strata core config FILE            parse TOML/YAML; print it as JSON
 *   strata core db URL                 connect, migrate nothing, report
 */
#include "builtin.h"

#include "strata/buf.h"
#include "strata/cmd.h"
#include "strata/conf.h"
#include "strata/db.h"
#include "strata/error.h"
#include "strata/time.h"
#include "strata/uuid.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int core_time(int argc, char **argv)
{
	if (argc < 2 || strata_cmd_wants_help(argc, argv)) {
		fprintf(argc < 2 ? stderr : stdout,
		        "usage: strata core time TIMESTAMP...\n"
		        "Parse ISO 8601 timestamps strictly; print nanoseconds, UTC, MJD and "
		        "year-day.\n");
		return argc < 2 ? STRATA_EXIT_USAGE : STRATA_EXIT_OK;
	}
	for (int i = 1; i < argc; i++) {
		strata_time t;
		char iso[40];
		int year, doy;

		if (strata_time_parse_iso8601(argv[i], &t) != 0)
			return cli_fail(NULL);
		strata_time_format_iso8601(t, 9, iso, sizeof iso);
		strata_time_to_year_doy(t, &year, &doy);
		printf("%" PRId64 "\t%s\tMJD %.9f\t%04d-%03d\n", t, iso, strata_time_to_mjd(t),
		       year, doy);
	}
	return STRATA_EXIT_OK;
}

static int core_uuid(int argc, char **argv)
{
	long count = 1;

	if (strata_cmd_wants_help(argc, argv)) {
		printf("usage: strata core uuid [-n COUNT]\nPrint new UUIDv7 ids, one a line.\n");
		return STRATA_EXIT_OK;
	}
	if (argc == 3 && !strcmp(argv[1], "-n")) {
		char *end;
		count = strtol(argv[2], &end, 10);
		if (*end || count < 1 || count > 1000000) {
			fprintf(stderr, "strata core uuid: -n: '%s' is not a count 1..1000000\n",
			        argv[2]);
			return STRATA_EXIT_USAGE;
		}
	} else if (argc != 1) {
		fprintf(stderr, "usage: strata core uuid [-n COUNT]\n");
		return STRATA_EXIT_USAGE;
	}
	for (long i = 0; i < count; i++) {
		strata_uuid id;
		char text[37];
		if (strata_uuid7(&id) != 0)
			return cli_fail(NULL);
		strata_uuid_format(&id, text);
		puts(text);
	}
	return STRATA_EXIT_OK;
}

static int core_config(int argc, char **argv)
{
	strata_conf *root;
	strata_buf json = STRATA_BUF_INIT;

	if (argc != 2 || strata_cmd_wants_help(argc, argv)) {
		fprintf(argc != 2 ? stderr : stdout,
		        "usage: strata core config FILE\n"
		        "Parse a TOML (.toml) or YAML (.yaml, .yml) file and print it as JSON.\n");
		return argc != 2 ? STRATA_EXIT_USAGE : STRATA_EXIT_OK;
	}
	if (strata_conf_load(argv[1], &root) != 0)
		return cli_fail(NULL);
	strata_conf_to_json(root, &json);
	puts(strata_buf_cstr(&json));
	strata_buf_free(&json);
	strata_conf_free(root);
	return STRATA_EXIT_OK;
}

static int core_db(int argc, char **argv)
{
	strata_db *db;
	int version = 0;

	if (argc != 2 || strata_cmd_wants_help(argc, argv)) {
		fprintf(argc != 2 ? stderr : stdout,
		        "usage: strata core db URL\n"
		        "Connect to a catalog (a SQLite path or postgresql://...) and report its "
		        "schema version.\n");
		return argc != 2 ? STRATA_EXIT_USAGE : STRATA_EXIT_OK;
	}
	if (strata_db_open(argv[1], &db) != 0)
		return cli_fail(NULL);
	if (strata_db_schema_version(db, &version) != 0) {
		strata_db_close(db);
		return cli_fail(NULL);
	}
	printf("%s\t%s\tschema version %d\n",
	       strata_db_backend_of(db) == STRATA_DB_SQLITE ? "sqlite" : "postgresql",
	       strata_db_display_name(db), version);
	strata_db_close(db);
	return STRATA_EXIT_OK;
}

static const strata_cmd core_commands[] = {
    {"time", core_time, "parse ISO 8601 timestamps strictly", NULL},
    {"uuid", core_uuid, "print new UUIDv7 ids", NULL},
    {"config", core_config, "parse a TOML or YAML file and print it as JSON", NULL},
    {"db", core_db, "connect to a catalog and report its schema version", NULL},
    {NULL, NULL, NULL, NULL},
};

static const strata_cmd_group core_group = {
    "strata core",
    "Tools over the shared core: check timestamps, configs and catalogs by hand.",
    core_commands,
};

int cmd_core(int argc, char **argv)
{
	return strata_cmd_dispatch(&core_group, argc, argv);
}
