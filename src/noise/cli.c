/*
 * cli.c - the catalog commands of `strata noise`: add-seismic-data,
 * add-inventory, add-component-pairs, add-timespans, add-params.
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
#include "strata/error.h"
#include "strata/time.h"

#define MAX_POS 256

/* The parsed command line of one command. */
typedef struct noise_args {
	const char *cmd;
	const char *catalog, *project, *glob, *start, *end, *window, *overlap, *workers, *kind;
	int json, over_midnight, check_periods, no_pairs;
	const char *pos[MAX_POS];
	size_t npos;
} noise_args;

static int usage_error(const char *cmd, const char *msg, const char *arg)
{
	fprintf(stderr, "strata noise %s: %s%s%s\n", cmd, msg, arg ? " " : "", arg ? arg : "");
	return STRATA_EXIT_USAGE;
}

static int fail(const char *cmd)
{
	fprintf(stderr, "strata noise %s: %s\n", cmd, strata_error_message());
	return STRATA_EXIT_FAILURE;
}

/* The slot an option with a value fills, or NULL. */
static const char **value_slot(noise_args *a, const char *name)
{
	static const char *const names[] = {"catalog",       "project", "glob",    "start", "end",
	                                    "window-length", "overlap", "workers", "kind"};
	const char **slots[] = {&a->catalog, &a->project, &a->glob,    &a->start, &a->end,
	                        &a->window,  &a->overlap, &a->workers, &a->kind};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(name, names[i]))
			return slots[i];
	return NULL;
}

/* The flag an option without a value sets, or NULL. */
static int *flag_slot(noise_args *a, const char *name)
{
	if (!strcmp(name, "json"))
		return &a->json;
	if (!strcmp(name, "generate-over-midnight"))
		return &a->over_midnight;
	if (!strcmp(name, "check-periods"))
		return &a->check_periods;
	if (!strcmp(name, "no-pairs"))
		return &a->no_pairs;
	return NULL;
}

/* Whether option name is in the comma-separated list allowed. */
static int allowed_opt(const char *allowed, const char *name)
{
	size_t n = strlen(name);
	for (const char *p = allowed; (p = strstr(p, name)); p += n)
		if ((p == allowed || p[-1] == ',') && (p[n] == ',' || p[n] == '\0'))
			return 1;
	return 0;
}

/* Parse argv[1..]: the options in allowed (besides --catalog, --project and
 * --json) and minpos..maxpos positional arguments. 0 or an exit status. */
static int parse_args(int argc, char **argv, const char *allowed, size_t minpos, size_t maxpos,
                      noise_args *a)
{
	memset(a, 0, sizeof(*a));
	a->cmd = argv[0];
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];
		const char *name = arg + 2;
		if (strncmp(arg, "--", 2) != 0 || !arg[2]) {
			if (a->npos == maxpos)
				return usage_error(a->cmd, "unexpected argument", arg);
			a->pos[a->npos++] = arg;
			continue;
		}
		if (strcmp(name, "catalog") != 0 && strcmp(name, "project") != 0 &&
		    strcmp(name, "json") != 0 && !allowed_opt(allowed, name))
			return usage_error(a->cmd, "unknown option", arg);
		int *flag = flag_slot(a, name);
		if (flag) {
			*flag = 1;
			continue;
		}
		if (i + 1 == argc)
			return usage_error(a->cmd, "missing value for", arg);
		*value_slot(a, name) = argv[++i];
	}
	if (a->npos < minpos)
		return usage_error(a->cmd, "missing argument; see --help", NULL);
	return 0;
}

static int open_catalog(const noise_args *a, strata_db **db)
{
	char url[PATH_MAX + 64];
	int rc = noise_catalog_url(a->catalog, a->project, url, sizeof url);
	return rc ? rc : noise_catalog_open(url, db);
}

/* Strict decimal number option. */
static int parse_number(const char *cmd, const char *opt, const char *text, double *out)
{
	char *end = NULL;

	*out = strtod(text, &end);
	if (!*text || *end)
		return usage_error(cmd, "expected a number for", opt);
	return 0;
}

static int parse_workers(const noise_args *a, int *workers)
{
	char *end = NULL;
	long v;

	*workers = 0;
	if (!a->workers)
		return 0;
	v = strtol(a->workers, &end, 10);
	if (!*a->workers || *end || v < 0 || v > 1024)
		return usage_error(a->cmd, "--workers expects 0..1024, got", a->workers);
	*workers = (int)v;
	return 0;
}

static int wants_help(int argc, char **argv, const char *text)
{
	if (!strata_cmd_wants_help(argc, argv))
		return 0;
	fputs(text, stdout);
	return 1;
}

/* --- add-seismic-data --------------------------------------------------------- */

static void print_ingest(const noise_args *a, const noise_ingest_summary *s, strata_db *db)
{
	if (a->json) {
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
	    "usage: strata noise add-seismic-data DIR|FILE... [--glob PATTERN] [--workers N]\n"
	    "                                     [--catalog URL] [--project DIR] [--json]\n"
	    "Index miniSEED files (SDS archives or any tree) into the catalog: one row per file\n"
	    "and per continuous trace segment. Unchanged files (size, mtime, hash) are skipped;\n"
	    "changed files are re-indexed. A PATTERN with '/' matches the path below DIR, else\n"
	    "the file name. Exit 1 if any file failed (the others are still indexed).\n";
	noise_args a;
	noise_ingest_opts opts = {0};
	noise_ingest_summary s;
	strata_db *db = NULL;
	int rc;

	if (wants_help(argc, argv, help))
		return STRATA_EXIT_OK;
	if ((rc = parse_args(argc, argv, "glob,workers", 1, MAX_POS, &a)) != 0)
		return rc;
	if ((rc = parse_workers(&a, &opts.workers)) != 0)
		return rc;
	opts.glob = a.glob;
	opts.progress = 1; /* drawn only when stderr is a terminal */
	if (open_catalog(&a, &db) != 0)
		return fail(a.cmd);
	rc = noise_ingest(db, a.pos, a.npos, &opts, &s);
	if (rc) {
		strata_db_close(db);
		return fail(a.cmd);
	}
	print_ingest(&a, &s, db);
	strata_db_close(db);
	return s.failed ? STRATA_EXIT_FAILURE : STRATA_EXIT_OK;
}

/* --- add-inventory, add-component-pairs ---------------------------------------- */

static void print_pairs(const noise_args *a, const noise_pairs_summary *p, int first)
{
	if (a->json) {
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

int noise_cmd_add_inventory(int argc, char **argv)
{
	static const char help[] =
	    "usage: strata noise add-inventory FILE... [--no-pairs] [--check-periods]\n"
	    "                                  [--catalog URL] [--project DIR] [--json]\n"
	    "Read StationXML inventories: one device per station, one component per station and\n"
	    "component letter; then make the component pairs (unless --no-pairs; see\n"
	    "add-component-pairs for --check-periods).\n";
	noise_args a;
	noise_inventory_summary s, total = {0};
	noise_pairs_summary p;
	strata_db *db = NULL;
	int rc;

	if (wants_help(argc, argv, help))
		return STRATA_EXIT_OK;
	if ((rc = parse_args(argc, argv, "no-pairs,check-periods", 1, MAX_POS, &a)) != 0)
		return rc;
	if (open_catalog(&a, &db) != 0)
		return fail(a.cmd);
	for (size_t i = 0; !rc && i < a.npos; i++) {
		rc = noise_inventory_add(db, a.pos[i], &s);
		total.networks += s.networks;
		total.stations += s.stations;
		total.channels += s.channels;
		total.devices += s.devices;
		total.components += s.components;
	}
	if (!rc && !a.no_pairs)
		rc = noise_pairs_build(db, a.check_periods, &p);
	strata_db_close(db);
	if (rc)
		return fail(a.cmd);
	if (a.json)
		printf("{\"stations\":%zu,\"channels\":%zu,\"new_devices\":%zu,\"components\":%zu",
		       total.stations, total.channels, total.devices, total.components);
	else
		printf("%zu stations, %zu channels: %zu new devices, %zu components\n",
		       total.stations, total.channels, total.devices, total.components);
	if (!a.no_pairs)
		print_pairs(&a, &p, 0);
	if (a.json)
		puts("}");
	return STRATA_EXIT_OK;
}

int noise_cmd_add_component_pairs(int argc, char **argv)
{
	static const char help[] =
	    "usage: strata noise add-component-pairs [--check-periods]\n"
	    "                                        [--catalog URL] [--project DIR] [--json]\n"
	    "Make every component pair of the catalog's components, as Noiz does: "
	    "autocorrelations,\n"
	    "intra-station pairs and inter-station pairs in east-to-west order with distance,\n"
	    "azimuth and back-azimuth. --check-periods skips components without a common hour of\n"
	    "operation (Noiz's --cp_optimization).\n";
	noise_args a;
	noise_pairs_summary p;
	strata_db *db = NULL;
	int rc;

	if (wants_help(argc, argv, help))
		return STRATA_EXIT_OK;
	if ((rc = parse_args(argc, argv, "check-periods", 0, 0, &a)) != 0)
		return rc;
	if (open_catalog(&a, &db) != 0)
		return fail(a.cmd);
	rc = noise_pairs_build(db, a.check_periods, &p);
	strata_db_close(db);
	if (rc)
		return fail(a.cmd);
	print_pairs(&a, &p, 1);
	if (a.json)
		puts("}");
	return STRATA_EXIT_OK;
}

/* --- add-timespans ----------------------------------------------------------------- */

/* Fill spec from the command line; 0 or an exit status. */
static int timespan_spec(const noise_args *a, noise_timespan_spec *spec)
{
	double window = 0.0, overlap = 0.0;
	int rc;

	memset(spec, 0, sizeof(*spec));
	if (!a->start || !a->end || !a->window)
		return usage_error(a->cmd, "--start, --end and --window-length are required", NULL);
	if (strata_time_parse_iso8601(a->start, &spec->start) ||
	    strata_time_parse_iso8601(a->end, &spec->end)) {
		fail(a->cmd);
		return STRATA_EXIT_USAGE;
	}
	if ((rc = parse_number(a->cmd, "--window-length", a->window, &window)) != 0)
		return rc;
	if (a->overlap && (rc = parse_number(a->cmd, "--overlap", a->overlap, &overlap)) != 0)
		return rc;
	if (noise_seconds_to_ns(window, "--window-length", &spec->window_ns) ||
	    noise_seconds_to_ns(overlap, "--overlap", &spec->overlap_ns)) {
		fail(a->cmd);
		return STRATA_EXIT_USAGE;
	}
	spec->generate_over_midnight = a->over_midnight;
	return 0;
}

int noise_cmd_add_timespans(int argc, char **argv)
{
	static const char help[] =
	    "usage: strata noise add-timespans --start DATE --end DATE --window-length SECONDS\n"
	    "                                  [--overlap SECONDS] [--generate-over-midnight]\n"
	    "                                  [--catalog URL] [--project DIR] [--json]\n"
	    "Make Noiz's processing windows: both dates are rounded down to midnight (UTC); a\n"
	    "window starts every window-length - overlap seconds from the start midnight while it\n"
	    "starts before the end midnight; windows crossing midnight are kept only with\n"
	    "--generate-over-midnight.\n";
	noise_args a;
	noise_timespan_spec spec;
	noise_timespan *ts = NULL;
	size_t n = 0, inserted = 0;
	strata_db *db = NULL;
	int rc;

	if (wants_help(argc, argv, help))
		return STRATA_EXIT_OK;
	if ((rc = parse_args(argc, argv, "start,end,window-length,overlap,generate-over-midnight",
	                     0, 0, &a)) != 0)
		return rc;
	if ((rc = timespan_spec(&a, &spec)) != 0)
		return rc;
	if (noise_timespans_generate(&spec, &ts, &n) != 0)
		return fail(a.cmd);
	rc = open_catalog(&a, &db);
	rc = rc ? rc : noise_timespans_store(db, ts, n, &inserted);
	free(ts);
	strata_db_close(db);
	if (rc)
		return fail(a.cmd);
	if (a.json)
		printf("{\"timespans\":%zu,\"new\":%zu}\n", n, inserted);
	else
		printf("%zu timespans (%zu new)\n", n, inserted);
	return STRATA_EXIT_OK;
}

/* --- add-params --------------------------------------------------------------------- */

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

int noise_cmd_add_params(int argc, char **argv)
{
	static const char help[] =
	    "usage: strata noise add-params FILE... [--kind KIND]\n"
	    "                               [--catalog URL] [--project DIR] [--json]\n"
	    "Register Noiz TOML parameter files ([DatachunkParams], [QCOne], [PPSDParams], ...).\n"
	    "Unknown keys and wrong types are errors. Each set gets Noiz's per-kind number (the\n"
	    "id other files refer to); the same content again gives the same row.\n";
	noise_args a;
	noise_param_set p;
	strata_db *db = NULL;
	int rc;

	if (wants_help(argc, argv, help))
		return STRATA_EXIT_OK;
	if ((rc = parse_args(argc, argv, "kind", 1, MAX_POS, &a)) != 0)
		return rc;
	if (open_catalog(&a, &db) != 0)
		return fail(a.cmd);
	for (size_t i = 0; i < a.npos; i++) {
		if (noise_params_add(db, a.pos[i], a.kind, &p) != 0) {
			strata_db_close(db);
			return fail(a.cmd);
		}
		if (a.json)
			print_param_json(a.pos[i], &p);
		else
			printf("%s: %s %lld (%s)%s\n", a.pos[i], p.kind, p.number, p.id,
			       p.created ? "" : " unchanged");
	}
	strata_db_close(db);
	return STRATA_EXIT_OK;
}
