/*
 * cli.c - the catalog commands of `strata noise`: data add-seismic-data,
 * add-inventory, add-component-pairs, add-timespans; configs add-params and
 * Noiz's configs add-<kind> commands. Options are Noiz's (-fp, -t, -sd, -ed,
 * -wl, -wo, -f, underscore spellings) and the first release's long names.
 *
 * Every command takes --catalog URL (or $STRATA_NOISE_CATALOG; default
 * PROJECT/noise-catalog.db with PROJECT from --project or
 * $STRATA_NOISE_PROJECT, else ".") and --json (a one-line JSON summary on
 * stdout instead of text). A failure is one stderr line
 * "strata noise <cmd>: <message>" and exit status 1; a usage error exits 2.
 */
#include "noise/cli.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "noise/catalog.h"
#include "noise/ingest.h"
#include "noise/inventory.h"
#include "noise/params.h"
#include "noise/timespan.h"
#include "strata/buf.h"
#include "strata/cmd.h"
#include "strata/args.h"
#include "strata/error.h"
#include "strata/log.h"
#include "strata/time.h"

#define MAX_POS 256

/* The options every catalog command takes, and what they parsed into. */
typedef struct catalog_cli {
	char prog[96]; /* "strata noise <command as typed>" */
	const char *catalog, *project;
	int json, verbose, quiet;
	const char *pos[MAX_POS];
	size_t npos;
} catalog_cli;

/* Number of options catalog_cli_options() fills. */
#define CATALOG_NOPTS 5

/* Fill opts[0..CATALOG_NOPTS-1] with --catalog, --project, --json,
 * -v/--verbose and --quiet writing into *c (zeroed first). */
static void catalog_cli_options(catalog_cli *c, const char *cmd, strata_opt *opts)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->prog, sizeof c->prog, "strata noise %s", cmd);
	const strata_opt common[CATALOG_NOPTS] = {
	    {"catalog", NULL, STRATA_OPT_VALUE, &c->catalog},
	    {"project", NULL, STRATA_OPT_VALUE, &c->project},
	    {"json", NULL, STRATA_OPT_FLAG, &c->json},
	    {"verbose", "v", STRATA_OPT_FLAG, &c->verbose},
	    {"quiet", NULL, STRATA_OPT_FLAG, &c->quiet},
	};
	memcpy(opts, common, sizeof common);
}

static int usage_error(const catalog_cli *c, const char *msg, const char *arg)
{
	fprintf(stderr, "%s: %s%s%s\n", c->prog, msg, arg ? " " : "", arg ? arg : "");
	return STRATA_EXIT_USAGE;
}

static int fail(const catalog_cli *c)
{
	fprintf(stderr, "%s: %s\n", c->prog, strata_error_message());
	return STRATA_EXIT_FAILURE;
}

/* Parse argv against opts (the catalog options first) expecting minpos..
 * maxpos positional arguments; -v and --quiet set the log level (Noiz's
 * verbosity options). 0 or an exit status. */
static int parse_cli(catalog_cli *c, int argc, char **argv, const strata_opt *opts, size_t nopts,
                     size_t minpos, size_t maxpos)
{
	int rc = strata_args_parse(c->prog, argc, argv, opts, nopts, c->pos, maxpos, &c->npos);
	if (rc)
		return rc;
	if (c->npos < minpos)
		return usage_error(c, "missing argument; see --help", NULL);
	if (c->verbose)
		strata_log_set_level(STRATA_LOG_DEBUG);
	if (c->quiet)
		strata_log_set_level(STRATA_LOG_ERROR);
	return 0;
}

static int open_catalog(const catalog_cli *c, strata_db **db)
{
	char url[PATH_MAX + 64];
	int rc = noise_catalog_url(c->catalog, c->project, url, sizeof url);
	return rc ? rc : noise_catalog_open(url, db);
}

static int wants_help(int argc, char **argv, const char *text)
{
	if (!strata_cmd_wants_help(argc, argv))
		return 0;
	fputs(text, stdout);
	return 1;
}

/* --- add-seismic-data --------------------------------------------------------- */

static void print_ingest(const catalog_cli *c, const noise_ingest_summary *s, strata_db *db)
{
	if (c->json) {
		printf("{\"files\":%zu,\"indexed\":%zu,\"unchanged\":%zu,\"skipped\":%zu,"
		       "\"failed\":%zu,\"segments\":%lld,\"gaps\":%lld,\"records\":%lld,"
		       "\"bytes\":%lld}\n",
		       s->files, s->indexed, s->unchanged, s->skipped, s->failed,
		       (long long)s->segments, (long long)s->gaps, (long long)s->records,
		       (long long)s->bytes);
		return;
	}
	printf(
	    "%zu files: %zu indexed, %zu unchanged, %zu not miniSEED, %zu failed; %lld segments, "
	    "%lld gaps (catalog %s)\n",
	    s->files, s->indexed, s->unchanged, s->skipped, s->failed, (long long)s->segments,
	    (long long)s->gaps, strata_db_display_name(db));
}

int noise_cmd_add_seismic_data(int argc, char **argv)
{
	static const char help[] =
	    "usage: strata noise data add-seismic-data BASEDIR|FILE... [-fp PATTERN]\n"
	    "           [--workers N] [--parallel|--no-parallel] [--catalog URL] [--project DIR]\n"
	    "           [--json] [-v|--quiet]\n"
	    "Index miniSEED files (SDS archives or any tree) into the catalog: one row per file\n"
	    "and per continuous trace segment. Unchanged files (size, mtime, hash) are skipped;\n"
	    "changed files are re-indexed. -fp/--filename-pattern (alias --glob): a PATTERN with\n"
	    "'/' matches the path below BASEDIR, else the file name. --workers N threads (default\n"
	    "all cores; --no-parallel: one). Exit 1 if any file failed (the others are still\n"
	    "indexed).\n";
	catalog_cli c;
	const char *glob = NULL, *workers = NULL;
	int parallel = 1;
	strata_opt opts[CATALOG_NOPTS + 4];
	noise_ingest_opts io = {0};
	noise_ingest_summary s;
	strata_db *db = NULL;
	long long nworkers = 0;
	int rc;

	if (wants_help(argc, argv, help))
		return STRATA_EXIT_OK;
	catalog_cli_options(&c, argv[0], opts);
	opts[CATALOG_NOPTS + 0] = (strata_opt){"filename-pattern", "fp", STRATA_OPT_VALUE, &glob};
	opts[CATALOG_NOPTS + 1] = (strata_opt){"glob", NULL, STRATA_OPT_VALUE, &glob};
	opts[CATALOG_NOPTS + 2] = (strata_opt){"workers", NULL, STRATA_OPT_VALUE, &workers};
	opts[CATALOG_NOPTS + 3] = (strata_opt){"parallel", NULL, STRATA_OPT_FLAG, &parallel};
	if ((rc = parse_cli(&c, argc, argv, opts, CATALOG_NOPTS + 4, 1, MAX_POS)) != 0)
		return rc;
	nworkers = parallel ? 0 : 1;
	if (workers && (rc = strata_args_long(c.prog, "--workers", workers, 0, 1024, &nworkers)))
		return rc;
	io.workers = (int)nworkers;
	/* Noiz's default pattern "*" is every file, as no pattern is. */
	io.glob = glob && strcmp(glob, "*") != 0 ? glob : NULL;
	io.progress = 1; /* drawn only when stderr is a terminal */
	if (open_catalog(&c, &db) != 0)
		return fail(&c);
	rc = noise_ingest(db, c.pos, c.npos, &io, &s);
	if (rc) {
		strata_db_close(db);
		return fail(&c);
	}
	print_ingest(&c, &s, db);
	strata_db_close(db);
	return s.failed ? STRATA_EXIT_FAILURE : STRATA_EXIT_OK;
}

/* --- add-inventory, add-component-pairs ---------------------------------------- */

static void print_pairs(const catalog_cli *c, const noise_pairs_summary *p, int first)
{
	if (c->json) {
		printf(
		    "%s\"pairs\":{\"components\":%zu,\"autocorrelation\":%zu,\"intrastation\":%zu,"
		    "\"interstation\":%zu,\"colocated_skipped\":%zu,\"not_overlapping\":%zu,"
		    "\"backazimuth_below_180\":%zu}",
		    first ? "{" : ",", p->components, p->autocorrelations, p->intrastation,
		    p->interstation, p->colocated, p->not_overlapping, p->backazimuth_below_180);
		return;
	}
	printf("%zu component pairs: %zu autocorrelation, %zu intra-station, %zu inter-station",
	       p->autocorrelations + p->intrastation + p->interstation, p->autocorrelations,
	       p->intrastation, p->interstation);
	if (p->colocated)
		printf(" (%zu co-located skipped)", p->colocated);
	if (p->not_overlapping)
		printf(" (%zu without common period skipped)", p->not_overlapping);
	if (p->backazimuth_below_180)
		printf(" (%zu with back-azimuth below 180: far apart)", p->backazimuth_below_180);
	putchar('\n');
}

/* Read every inventory of c->pos into db, adding up what they held. */
static int add_inventories(strata_db *db, const catalog_cli *c, noise_inventory_summary *total)
{
	noise_inventory_summary s;
	int rc = 0;

	memset(total, 0, sizeof(*total));
	for (size_t i = 0; !rc && i < c->npos; i++) {
		rc = noise_inventory_add(db, c->pos[i], &s);
		total->networks += s.networks;
		total->stations += s.stations;
		total->channels += s.channels;
		total->devices += s.devices;
		total->components += s.components;
	}
	return rc;
}

int noise_cmd_add_inventory(int argc, char **argv)
{
	static const char help[] =
	    "usage: strata noise data add-inventory FILE... [-t stationxml] [--no-pairs]\n"
	    "           [--cp-optimization] [--catalog URL] [--project DIR] [--json] [-v|--quiet]\n"
	    "Read StationXML inventories: one device per station, one component per station and\n"
	    "component letter; then make the component pairs (unless --no-pairs; see\n"
	    "add-component-pairs for --cp-optimization, alias --check-periods). -t/--filetype\n"
	    "accepts stationxml only.\n";
	catalog_cli c;
	const char *filetype = NULL;
	int no_pairs = 0, check_periods = 0;
	strata_opt opts[CATALOG_NOPTS + 4];
	noise_inventory_summary total;
	noise_pairs_summary p;
	strata_db *db = NULL;
	int rc;

	if (wants_help(argc, argv, help))
		return STRATA_EXIT_OK;
	catalog_cli_options(&c, argv[0], opts);
	opts[CATALOG_NOPTS + 0] = (strata_opt){"no-pairs", NULL, STRATA_OPT_FLAG, &no_pairs};
	opts[CATALOG_NOPTS + 1] =
	    (strata_opt){"check-periods", NULL, STRATA_OPT_FLAG, &check_periods};
	opts[CATALOG_NOPTS + 2] =
	    (strata_opt){"cp-optimization", NULL, STRATA_OPT_FLAG, &check_periods};
	opts[CATALOG_NOPTS + 3] = (strata_opt){"filetype", "t", STRATA_OPT_VALUE, &filetype};
	if ((rc = parse_cli(&c, argc, argv, opts, CATALOG_NOPTS + 4, 1, MAX_POS)) != 0)
		return rc;
	if (filetype && strcmp(filetype, "stationxml") != 0 && strcmp(filetype, "STATIONXML") != 0)
		return usage_error(&c, "-t/--filetype accepts stationxml only, not", filetype);
	if (open_catalog(&c, &db) != 0)
		return fail(&c);
	rc = add_inventories(db, &c, &total);
	if (!rc && !no_pairs)
		rc = noise_pairs_build(db, check_periods, &p);
	strata_db_close(db);
	if (rc)
		return fail(&c);
	if (c.json)
		printf("{\"stations\":%zu,\"channels\":%zu,\"new_devices\":%zu,\"components\":%zu",
		       total.stations, total.channels, total.devices, total.components);
	else
		printf("%zu stations, %zu channels: %zu new devices, %zu components\n",
		       total.stations, total.channels, total.devices, total.components);
	if (!no_pairs)
		print_pairs(&c, &p, 0);
	if (c.json)
		puts("}");
	return STRATA_EXIT_OK;
}

int noise_cmd_add_component_pairs(int argc, char **argv)
{
	static const char help[] =
	    "usage: strata noise data add-component-pairs [--cp-optimization]\n"
	    "           [--catalog URL] [--project DIR] [--json] [-v|--quiet]\n"
	    "Make every component pair of the catalog's components, as Noiz does: "
	    "autocorrelations,\n"
	    "intra-station pairs and inter-station pairs in east-to-west order with distance,\n"
	    "azimuth and back-azimuth. --cp-optimization (alias --check-periods) skips components\n"
	    "without a common hour of operation.\n";
	catalog_cli c;
	int check_periods = 0;
	strata_opt opts[CATALOG_NOPTS + 2];
	noise_pairs_summary p;
	strata_db *db = NULL;
	int rc;

	if (wants_help(argc, argv, help))
		return STRATA_EXIT_OK;
	catalog_cli_options(&c, argv[0], opts);
	opts[CATALOG_NOPTS + 0] =
	    (strata_opt){"check-periods", NULL, STRATA_OPT_FLAG, &check_periods};
	opts[CATALOG_NOPTS + 1] =
	    (strata_opt){"cp-optimization", NULL, STRATA_OPT_FLAG, &check_periods};
	if ((rc = parse_cli(&c, argc, argv, opts, CATALOG_NOPTS + 2, 0, 0)) != 0)
		return rc;
	if (open_catalog(&c, &db) != 0)
		return fail(&c);
	rc = noise_pairs_build(db, check_periods, &p);
	strata_db_close(db);
	if (rc)
		return fail(&c);
	print_pairs(&c, &p, 1);
	if (c.json)
		puts("}");
	return STRATA_EXIT_OK;
}

/* --- add-timespans ----------------------------------------------------------------- */

/* The options of add-timespans. */
typedef struct timespan_cli {
	const char *start, *end, *window, *overlap;
	int over_midnight, bulk_insert, add_to_db;
} timespan_cli;

/* Fill spec from the command line; 0 or an exit status. */
static int timespan_spec(const catalog_cli *c, const timespan_cli *t, noise_timespan_spec *spec)
{
	double window = 0.0, overlap = 0.0;
	int rc;

	memset(spec, 0, sizeof(*spec));
	if (!t->start || !t->end || !t->window)
		return usage_error(c,
		                   "-sd/--startdate, -ed/--enddate and -wl/--window-length are "
		                   "required",
		                   NULL);
	if (strata_time_parse_iso8601(t->start, &spec->start) ||
	    strata_time_parse_iso8601(t->end, &spec->end)) {
		fail(c);
		return STRATA_EXIT_USAGE;
	}
	if ((rc = strata_args_double(c->prog, "-wl/--window-length", t->window, &window)) != 0)
		return rc;
	if (t->overlap &&
	    (rc = strata_args_double(c->prog, "-wo/--window-overlap", t->overlap, &overlap)) != 0)
		return rc;
	if (noise_seconds_to_ns(window, "--window-length", &spec->window_ns) ||
	    noise_seconds_to_ns(overlap, "--window-overlap", &spec->overlap_ns)) {
		fail(c);
		return STRATA_EXIT_USAGE;
	}
	spec->generate_over_midnight = t->over_midnight;
	return 0;
}

/* Fill opts[0..9] with add-timespans' options (Noiz's names and the first
 * release's) writing into *t. */
static void timespan_cli_options(timespan_cli *t, strata_opt *opts)
{
	const strata_opt own[10] = {
	    {"startdate", "sd", STRATA_OPT_VALUE, &t->start},
	    {"start", NULL, STRATA_OPT_VALUE, &t->start},
	    {"enddate", "ed", STRATA_OPT_VALUE, &t->end},
	    {"end", NULL, STRATA_OPT_VALUE, &t->end},
	    {"window-length", "wl", STRATA_OPT_VALUE, &t->window},
	    {"window-overlap", "wo", STRATA_OPT_VALUE, &t->overlap},
	    {"overlap", NULL, STRATA_OPT_VALUE, &t->overlap},
	    {"generate-over-midnight", NULL, STRATA_OPT_FLAG, &t->over_midnight},
	    /* Noiz's insert mode and confirmation: accepted, no effect here. */
	    {"bulk-insert", NULL, STRATA_OPT_FLAG, &t->bulk_insert},
	    {"add-to-db", NULL, STRATA_OPT_FLAG, &t->add_to_db},
	};
	memset(t, 0, sizeof(*t));
	memcpy(opts, own, sizeof own);
}

int noise_cmd_add_timespans(int argc, char **argv)
{
	static const char help[] =
	    "usage: strata noise data add-timespans -sd DATE -ed DATE -wl SECONDS [-wo SECONDS]\n"
	    "           [--generate-over-midnight] [--catalog URL] [--project DIR] [--json]\n"
	    "Make Noiz's processing windows: both dates are rounded down to midnight (UTC); a\n"
	    "window starts every window-length - window-overlap seconds from the start midnight\n"
	    "while it starts before the end midnight; windows crossing midnight are kept only\n"
	    "with --generate-over-midnight. Aliases: --start, --end, --overlap. Noiz's\n"
	    "--add-to-db and --bulk-insert/--no-bulk-insert are accepted and change nothing:\n"
	    "the timespans are always added, in one transaction.\n";
	catalog_cli c;
	timespan_cli t;
	strata_opt opts[CATALOG_NOPTS + 10];
	noise_timespan_spec spec;
	noise_timespan *ts = NULL;
	size_t n = 0, inserted = 0;
	strata_db *db = NULL;
	int rc;

	if (wants_help(argc, argv, help))
		return STRATA_EXIT_OK;
	catalog_cli_options(&c, argv[0], opts);
	timespan_cli_options(&t, opts + CATALOG_NOPTS);
	if ((rc = parse_cli(&c, argc, argv, opts, CATALOG_NOPTS + 10, 0, 0)) != 0)
		return rc;
	if ((rc = timespan_spec(&c, &t, &spec)) != 0)
		return rc;
	if (noise_timespans_generate(&spec, &ts, &n) != 0)
		return fail(&c);
	rc = open_catalog(&c, &db);
	rc = rc ? rc : noise_timespans_store(db, ts, n, &inserted);
	free(ts);
	strata_db_close(db);
	if (rc)
		return fail(&c);
	if (c.json)
		printf("{\"timespans\":%zu,\"new\":%zu}\n", n, inserted);
	else
		printf("%zu timespans (%zu new)\n", n, inserted);
	return STRATA_EXIT_OK;
}

/* --- add-params, configs add-<kind> ---------------------------------------------- */

/* One JSON line for a registered parameter file. */
static void print_param_json(const char *path, const noise_param_set *p)
{
	strata_buf b = STRATA_BUF_INIT;

	strata_buf_puts(&b, "{\"file\":");
	strata_buf_json_string(&b, path);
	strata_buf_printf(&b, ",\"kind\":\"%s\",\"number\":%lld,\"id\":\"%s\",\"created\":%s}",
	                  p->kind, p->number, p->id, p->created ? "true" : "false");
	puts(strata_buf_cstr(&b));
	strata_buf_free(&b);
}

/* Register files[0..n-1] (of kind when not NULL), printing a line each;
 * stops at the first failure. 0 or an exit status. */
static int add_param_files(const catalog_cli *c, const char *const *files, size_t n,
                           const char *kind)
{
	noise_param_set p;
	strata_db *db = NULL;

	if (open_catalog(c, &db) != 0)
		return fail(c);
	for (size_t i = 0; i < n; i++) {
		if (noise_params_add(db, files[i], kind, &p) != 0) {
			strata_db_close(db);
			return fail(c);
		}
		if (c->json)
			print_param_json(files[i], &p);
		else
			printf("%s: %s %lld (%s)%s\n", files[i], p.kind, p.number, p.id,
			       p.created ? "" : " unchanged");
	}
	strata_db_close(db);
	return STRATA_EXIT_OK;
}

int noise_cmd_add_params(int argc, char **argv)
{
	static const char help[] =
	    "usage: strata noise configs add-params FILE... [--kind KIND]\n"
	    "           [--catalog URL] [--project DIR] [--json]\n"
	    "Register Noiz TOML parameter files ([DatachunkParams], [QCOne], [PPSDParams], ...).\n"
	    "Unknown keys and wrong types are errors. Each set gets Noiz's per-kind number (the\n"
	    "id other files refer to); the same content again gives the same row.\n";
	catalog_cli c;
	const char *kind = NULL;
	strata_opt opts[CATALOG_NOPTS + 1];
	int rc;

	if (wants_help(argc, argv, help))
		return STRATA_EXIT_OK;
	catalog_cli_options(&c, argv[0], opts);
	opts[CATALOG_NOPTS] = (strata_opt){"kind", NULL, STRATA_OPT_VALUE, &kind};
	if ((rc = parse_cli(&c, argc, argv, opts, CATALOG_NOPTS + 1, 1, MAX_POS)) != 0)
		return rc;
	return add_param_files(&c, c.pos, c.npos, kind);
}

/* Noiz's configs commands and the parameter kind each registers. */
static const struct config_command {
	const char *name; /* as Noiz names it, with dashes */
	const char *kind;
} config_commands[] = {
    {"add-datachunk-params", "DatachunkParams"},
    {"add-processed-datachunk-params", "ProcessedDatachunkParams"},
    {"add-crosscorrelation-cartesian-params", "CrosscorrelationCartesianParams"},
    {"add-crosscorrelation-cylindrical-params", "CrosscorrelationCylindricalParams"},
    {"add-beamforming-params", "BeamformingParams"},
    {"add-ppsd-params", "PPSDParams"},
    {"add-event-detection-params", "EventDetectionParams"},
    {"add-event-confirmation-params", "EventConfirmationParams"},
    {"add-qcone-config", "QCOne"},
    {"add-qctwo-config", "QCTwo"},
    {"add-stacking-schema", "StackingSchema"},
};

/* The kind the configs command cmd (dashes or underscores) registers. */
static const char *config_kind(const char *cmd)
{
	for (size_t i = 0; i < sizeof config_commands / sizeof config_commands[0]; i++) {
		const char *name = config_commands[i].name;
		size_t j = 0;
		while (name[j] && (cmd[j] == name[j] || (cmd[j] == '_' && name[j] == '-')))
			j++;
		if (!name[j] && !cmd[j])
			return config_commands[i].kind;
	}
	return NULL;
}

int noise_cmd_configs_add(int argc, char **argv)
{
	static const char help[] =
	    "           [--catalog URL] [--project DIR] [--json] [-v|--quiet]\n"
	    "Register Noiz TOML parameter files of this kind; a file of another kind, an unknown\n"
	    "key or a wrong type is an error naming the file, line and key. -f/--filepath may be\n"
	    "repeated; files may also be given without -f. The sets are always added: Noiz's\n"
	    "--add-to-db (without it Noiz only previews) is accepted and changes nothing.\n";
	catalog_cli c;
	strata_opt_list files = {0};
	int add_to_db = 0;
	strata_opt opts[CATALOG_NOPTS + 2];
	int rc;

	catalog_cli_options(&c, argv[0], opts);
	const char *kind = config_kind(argv[0]);
	if (!kind)
		return usage_error(&c, "not a configs command", NULL);
	if (strata_cmd_wants_help(argc, argv)) {
		printf("usage: strata noise configs %s -f FILE... [--add-to-db]   ([%s] files)\n%s",
		       argv[0], kind, help);
		return STRATA_EXIT_OK;
	}
	opts[CATALOG_NOPTS + 0] = (strata_opt){"filepath", "f", STRATA_OPT_LIST, &files};
	opts[CATALOG_NOPTS + 1] = (strata_opt){"add-to-db", NULL, STRATA_OPT_FLAG, &add_to_db};
	if ((rc = parse_cli(&c, argc, argv, opts, CATALOG_NOPTS + 2, 0, MAX_POS)) != 0)
		return rc;
	for (size_t i = 0; i < c.npos; i++) {
		if (files.n == STRATA_ARGS_LIST_MAX)
			return usage_error(&c, "too many files; at most 64 at once", NULL);
		files.items[files.n++] = c.pos[i];
	}
	if (!files.n)
		return usage_error(&c, "-f/--filepath FILE is required", NULL);
	return add_param_files(&c, files.items, files.n, kind);
}
