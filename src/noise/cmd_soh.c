/*
 * cmd_soh.c - `strata noise data add-soh-dir|add-soh-files` and
 * `strata noise processing average-soh-gps`, with Noiz's options
 * (docs/noise-soh.md).
 */
#include "noise/cmd_soh.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "noise/catalog.h"
#include "noise/ingest.h"
#include "noise/soh.h"
#include "noise/stage.h"
#include "strata/args.h"
#include "strata/cmd.h"
#include "strata/error.h"
#include "strata/log.h"

#define SOH_MAX_POS 4096
#define SOH_BATCH   1000

/* The options of add-soh-dir and add-soh-files. */
typedef struct soh_cli {
	const char *prog, *catalog, *project, *station, *network, *station_type, *soh_type;
	int json, verbose, quiet;
	const char *pos[SOH_MAX_POS];
	size_t npos;
} soh_cli;

/* What one add-soh run did. */
typedef struct soh_run {
	size_t files, failed, samples, rows;
} soh_run;

static int fail(const char *prog)
{
	fprintf(stderr, "%s: %s\n", prog, strata_error_message());
	return STRATA_EXIT_FAILURE;
}

/* Noiz's -v (more log) and --quiet (errors only). */
static void set_verbosity(int verbose, int quiet)
{
	if (quiet)
		strata_log_set_level(STRATA_LOG_ERROR);
	else if (verbose)
		strata_log_set_level(STRATA_LOG_INFO);
}

static int parse_add_soh(int argc, char **argv, soh_cli *c)
{
	const strata_opt opts[] = {
	    {"catalog", NULL, STRATA_OPT_VALUE, &c->catalog},
	    {"project", NULL, STRATA_OPT_VALUE, &c->project},
	    {"station", "s", STRATA_OPT_VALUE, &c->station},
	    {"network", "n", STRATA_OPT_VALUE, &c->network},
	    {"station-type", "t", STRATA_OPT_VALUE, &c->station_type},
	    {"soh-type", "p", STRATA_OPT_VALUE, &c->soh_type},
	    {"json", NULL, STRATA_OPT_FLAG, &c->json},
	    {"verbose", "v", STRATA_OPT_FLAG, &c->verbose},
	    {"quiet", NULL, STRATA_OPT_FLAG, &c->quiet},
	};
	int rc = strata_args_parse(c->prog, argc, argv, opts, sizeof(opts) / sizeof(opts[0]),
	                           c->pos, SOH_MAX_POS, &c->npos);

	if (rc)
		return rc;
	if (!c->station || !c->station_type || !c->soh_type) {
		fprintf(stderr,
		        "%s: -s/--station, -t/--station_type and -p/--soh_type are required\n",
		        c->prog);
		return STRATA_EXIT_USAGE;
	}
	set_verbosity(c->verbose, c->quiet);
	return 0;
}

/* Read every file, logging and counting the ones refused. */
static int read_files(const soh_cli *c, const noise_soh_format *f, char *const *paths, size_t n,
                      soh_run *run, noise_soh_samples *samples)
{
	for (size_t i = 0; i < n; i++) {
		int rc = noise_soh_read_file(f, paths[i], c->network, c->station, samples);
		run->files++;
		if (rc == STRATA_ENOMEM)
			return rc;
		if (rc) {
			run->failed++;
			strata_log(STRATA_LOG_WARN, "SOH file skipped", "path", paths[i], "error",
			           strata_error_message());
			strata_error_clear();
		}
	}
	noise_soh_samples_finish(samples);
	run->samples = samples->n;
	return 0;
}

static void print_run(const soh_cli *c, const noise_soh_format *f, const soh_run *r, strata_db *db)
{
	const char *table =
	    noise_soh_format_table(f) == NOISE_SOH_GPS ? "soh_gps" : "soh_instrument";

	if (c->json) {
		printf("{\"files\":%zu,\"failed\":%zu,\"samples\":%zu,\"rows\":%zu,\"table\":\"%"
		       "s\"}\n",
		       r->files, r->failed, r->samples, r->rows, table);
		return;
	}
	printf("%s: %zu files (%s), %zu failed, %zu samples, %zu rows upserted into %s for %s%s%s "
	       "(catalog %s)\n",
	       c->prog, r->files, noise_soh_format_name(f), r->failed, r->samples, r->rows, table,
	       c->network ? c->network : "", c->network ? "." : "", c->station,
	       strata_db_display_name(db));
}

/* The files to read: DIR searched with the format's pattern, or the paths. */
static int collect_files(const soh_cli *c, const noise_soh_format *f, int dir_mode, char ***paths,
                         size_t *n)
{
	struct stat st;

	if (!dir_mode)
		return noise_walk_files(c->pos, c->npos, NULL, paths, n);
	if (stat(c->pos[0], &st) != 0)
		return strata_error_set_errno("%s", c->pos[0]);
	if (!S_ISDIR(st.st_mode))
		return strata_error_set(STRATA_EINVAL, "%s: not a directory", c->pos[0]);
	return noise_walk_files(c->pos, 1, noise_soh_format_glob(f), paths, n);
}

/* Read, write and report; the catalog is open. */
static int add_soh_run(const soh_cli *c, const noise_soh_format *f, int dir_mode, strata_db *db)
{
	char device[37];
	char **paths = NULL;
	size_t npaths = 0;
	noise_soh_samples samples = {0};
	soh_run run = {0};
	int rc = noise_soh_find_device(db, c->network, c->station, device);

	if (!rc)
		rc = collect_files(c, f, dir_mode, &paths, &npaths);
	if (!rc)
		rc = read_files(c, f, paths, npaths, &run, &samples);
	if (!rc)
		rc = noise_soh_write(db, f, device, &samples, SOH_BATCH, &run.rows);
	noise_walk_files_free(paths, npaths);
	noise_soh_samples_free(&samples);
	if (rc)
		return fail(c->prog);
	if (!run.samples && !run.failed)
		strata_log(STRATA_LOG_WARN, "there were no parsable SOH among the files", "format",
		           noise_soh_format_name(f));
	print_run(c, f, &run, db);
	return run.failed ? STRATA_EXIT_FAILURE : STRATA_EXIT_OK;
}

static int add_soh(int argc, char **argv, int dir_mode, const char *help)
{
	soh_cli c = {0};
	const noise_soh_format *f = NULL;
	char url[PATH_MAX + 64];
	strata_db *db = NULL;
	int rc;

	c.prog = dir_mode ? "strata noise add-soh-dir" : "strata noise add-soh-files";
	if (strata_cmd_wants_help(argc, argv)) {
		fputs(help, stdout);
		return STRATA_EXIT_OK;
	}
	if ((rc = parse_add_soh(argc, argv, &c)))
		return rc;
	if (dir_mode ? c.npos != 1 : c.npos == 0) {
		fprintf(stderr, "%s: expected %s\n", c.prog, dir_mode ? "one DIR" : "FILES");
		return STRATA_EXIT_USAGE;
	}
	if (noise_soh_format_find(c.station_type, c.soh_type, &f)) {
		fprintf(stderr, "%s: %s\n", c.prog, strata_error_message());
		return STRATA_EXIT_USAGE;
	}
	if (noise_catalog_url(c.catalog, c.project, url, sizeof url) ||
	    noise_catalog_open(url, &db))
		return fail(c.prog);
	rc = add_soh_run(&c, f, dir_mode, db);
	strata_db_close(db);
	return rc;
}

int noise_cmd_add_soh_dir(int argc, char **argv)
{
	static const char help[] =
	    "usage: strata noise data add-soh-dir -s STATION -t STATION_TYPE -p SOH_TYPE\n"
	    "                                     [-n NETWORK] DIR [--catalog URL] [--project "
	    "DIR]\n"
	    "                                     [--json]\n"
	    "Read the state-of-health files found under DIR (recursively, by Noiz's file-name\n"
	    "pattern of the type: *SOH_*.miniseed, *Instrument*.csv, *GPSTime*.csv,\n"
	    "*GNSSTime*.csv) and upsert their samples for the station's device into soh_gps or\n"
	    "soh_instrument. STATION_TYPE: centaur or taurus. SOH_TYPE: instrument, gpstime,\n"
	    "gnsstime (centaur), miniseed_gpstime, miniseed_instrument (centaur). A malformed\n"
	    "file is reported (file, line, column) and skipped; exit 1 if any was.\n";
	return add_soh(argc, argv, 1, help);
}

int noise_cmd_add_soh_files(int argc, char **argv)
{
	static const char help[] =
	    "usage: strata noise data add-soh-files -s STATION -t STATION_TYPE -p SOH_TYPE\n"
	    "                                       [-n NETWORK] FILE... [--catalog URL]\n"
	    "                                       [--project DIR] [--json]\n"
	    "Read the given state-of-health files (any name) as add-soh-dir does.\n";
	return add_soh(argc, argv, 0, help);
}

/* --- average-soh-gps --------------------------------------------------------------- */

int noise_cmd_average_soh_gps(int argc, char **argv)
{
	static const char help[] =
	    "usage: strata noise processing average-soh-gps -sd DATE -ed DATE [-n NETWORK]...\n"
	    "                                               [-s STATION]... [-b N]\n"
	    "                                               [--catalog URL] [--project DIR] "
	    "[--json]\n"
	    "Average the GPS state of health of each selected station's device over every\n"
	    "timespan starting at or after -sd and ending at or before -ed: the samples with\n"
	    "start <= time <= end, mean time error and uncertainty (microseconds) and their\n"
	    "count, upserted into averaged_soh_gps.\n";
	const char *prog = "strata noise average-soh-gps";
	noise_stage_cli c;
	strata_opt_list networks = {{NULL}, 0};
	noise_stage_opts o;
	noise_stage_summary s;
	strata_db *db = NULL;
	const char *pos[1];
	size_t npos = 0;
	int verbose = 0, quiet = 0, rc;

	if (strata_cmd_wants_help(argc, argv)) {
		fputs(help, stdout);
		return STRATA_EXIT_OK;
	}
	memset(&c, 0, sizeof c);
	const strata_opt opts[] = {
	    {"catalog", NULL, STRATA_OPT_VALUE, &c.catalog},
	    {"project", NULL, STRATA_OPT_VALUE, &c.project},
	    {"startdate", "sd", STRATA_OPT_VALUE, &c.startdate},
	    {"enddate", "ed", STRATA_OPT_VALUE, &c.enddate},
	    {"batch-size", "b", STRATA_OPT_VALUE, &c.batch},
	    {"station", "s", STRATA_OPT_LIST, &c.stations},
	    {"network", "n", STRATA_OPT_LIST, &networks},
	    {"json", NULL, STRATA_OPT_FLAG, &c.json},
	    {"verbose", "v", STRATA_OPT_FLAG, &verbose},
	    {"quiet", NULL, STRATA_OPT_FLAG, &quiet},
	};
	if ((rc = strata_args_parse(prog, argc, argv, opts, sizeof(opts) / sizeof(opts[0]), pos, 0,
	                            &npos)))
		return rc;
	set_verbosity(verbose, quiet);
	c.parallel = 1;
	if ((rc = noise_stage_cli_finish(prog, &c, &o, &db)))
		return rc;
	rc = noise_soh_average_gps(db, &o.sel, networks.items, networks.n, o.batch_size, &s);
	if (rc) {
		rc = fail(prog);
	} else {
		noise_stage_summary_print("average-soh-gps", &s, c.json, db);
	}
	strata_db_close(db);
	return rc;
}
