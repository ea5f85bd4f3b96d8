/* relays.c - `strata relays`: the Tor relay statistics site (Allium in C). */
#include "fetch.h"
#include "pipeline.h"

#include "strata/app.h"
#include "strata/cmd.h"
#include "strata/error.h"
#include "strata/time.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Exit status when the site was built but some relays were skipped. */
#define RELAYS_EXIT_SKIPPED 3
/* Skipped relays listed one by one on stderr before summarising. */
#define SKIPS_LISTED 20

typedef struct build_args {
	const char *out, *details, *uptime, *bandwidth, *aroi, *now, *base_url, *cache_dir;
	int jobs, progress, bits, filter_downtime, retry_delay_ms;
} build_args;

static const char build_usage[] =
    "usage: strata relays build --out DIR --details FILE [--uptime FILE] [--bandwidth FILE]\n"
    "                           [--aroi FILE] [--now TIME] [--jobs N] [--progress]\n"
    "                           [--display-bandwidth-units bits|bytes]\n"
    "                           [--filter-downtime DAYS] [--base-url URL] [--cache-dir DIR]\n"
    "                           [--retry-delay MS]\n"
    "Builds the static site into DIR (swapped in when complete). FILE is a path,\n"
    "file://PATH or an http(s) URL (fetched into the cache, conditional GET, retried,\n"
    "falling back to the cached copy; MS: the first pause between tries, default\n"
    "1000, doubled each try). TIME (ISO 8601, UTC) defaults to\n"
    "$SOURCE_DATE_EPOCH, else now.\n"
    "Exit status: 0 built, 3 built but relays were skipped (listed on stderr),\n"
    "1 failed (the previous site is left in place), 2 usage error.\n";

static int usage_error(const char *msg, const char *arg)
{
	fprintf(stderr, "strata relays build: %s%s%s\n%s", msg, arg ? " " : "", arg ? arg : "",
	        build_usage);
	return STRATA_EXIT_USAGE;
}

static int parse_int(const char *s, int lo, int hi, int *out)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi)
		return -1;
	*out = (int)v;
	return 0;
}

/* The option's slot for string-valued options, or NULL. */
static const char **string_slot(build_args *a, const char *name)
{
	static const char *const names[] = {"--out",  "--details", "--uptime",   "--bandwidth",
	                                    "--aroi", "--now",     "--base-url", "--cache-dir"};
	const char **slots[] = {&a->out,  &a->details, &a->uptime,   &a->bandwidth,
	                        &a->aroi, &a->now,     &a->base_url, &a->cache_dir};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(name, names[i]))
			return slots[i];
	return NULL;
}

/* One option with its value at argv[*i + 1]; returns 0 or a usage status. */
static int parse_option(build_args *a, int argc, char **argv, int *i)
{
	const char *name = argv[*i];
	if (!strcmp(name, "--progress")) {
		a->progress = 1;
		return 0;
	}
	if (*i + 1 >= argc)
		return usage_error("missing value for", name);
	const char *value = argv[++*i];
	const char **slot = string_slot(a, name);
	if (slot)
		*slot = value;
	else if (!strcmp(name, "--jobs")) {
		if (parse_int(value, 0, 256, &a->jobs) < 0)
			return usage_error("--jobs: expected 0..256, got", value);
	} else if (!strcmp(name, "--retry-delay")) {
		if (parse_int(value, 0, 600000, &a->retry_delay_ms) < 0)
			return usage_error("--retry-delay: expected milliseconds 0..600000, got",
			                   value);
	} else if (!strcmp(name, "--filter-downtime")) {
		if (parse_int(value, 0, 36500, &a->filter_downtime) < 0)
			return usage_error("--filter-downtime: expected days 0..36500, got", value);
	} else if (!strcmp(name, "--display-bandwidth-units")) {
		if (strcmp(value, "bits") != 0 && strcmp(value, "bytes") != 0)
			return usage_error("--display-bandwidth-units: expected bits or bytes, got",
			                   value);
		a->bits = !strcmp(value, "bits");
	} else {
		return usage_error("unknown option", name);
	}
	return 0;
}

/* Parse argv; the build needs --out and --details, fetch one document. */
static int parse_args(build_args *a, int argc, char **argv, int for_build)
{
	memset(a, 0, sizeof(*a));
	a->filter_downtime = 7;
	a->bits = 1;
	a->retry_delay_ms = -1;
	for (int i = 1; i < argc; i++) {
		int rc = parse_option(a, argc, argv, &i);
		if (rc)
			return rc;
	}
	if (for_build && (!a->out || !*a->out))
		return usage_error("missing", "--out DIR");
	if (for_build && !a->details)
		return usage_error("missing", "--details FILE");
	if (!for_build && !a->details && !a->uptime && !a->bandwidth && !a->aroi)
		return usage_error("nothing to fetch:", "name --details, --uptime, ... URL");
	return 0;
}

/* The documents of a, each resolved to a local path (fetched when a URL).
 * paths[i] is NULL for documents not given. */
enum { DOC_DETAILS, DOC_UPTIME, DOC_BANDWIDTH, DOC_AROI, DOC_COUNT };

static int resolve_documents(const build_args *a, char *paths[DOC_COUNT],
                             fetch_source sources[DOC_COUNT])
{
	const char *urls[DOC_COUNT] = {a->details, a->uptime, a->bandwidth, a->aroi};
	fetch_options o;
	fetch_options_default(&o);
	o.cache_dir = a->cache_dir;
	if (a->retry_delay_ms >= 0)
		o.backoff_ms = a->retry_delay_ms;
	int rc = 0;
	for (int i = 0; i < DOC_COUNT; i++) {
		paths[i] = NULL;
		if (urls[i] && rc == 0)
			rc = fetch_document(urls[i], &o, &paths[i], &sources[i]);
	}
	return rc;
}

static void free_documents(char *paths[DOC_COUNT])
{
	for (int i = 0; i < DOC_COUNT; i++)
		free(paths[i]);
}

/* The reference time: --now, else $SOURCE_DATE_EPOCH, else the clock. */
static int reference_time(const build_args *a, strata_time *now)
{
	if (a->now)
		return strata_error_wrap(strata_time_parse_iso8601(a->now, now), "--now");
	const char *epoch = getenv("SOURCE_DATE_EPOCH");
	if (epoch && *epoch) {
		char *end;
		errno = 0;
		long long secs = strtoll(epoch, &end, 10);
		if (errno || *end || secs < 0 || secs > 9000000000LL)
			return strata_error_set(STRATA_EINVAL,
			                        "SOURCE_DATE_EPOCH: not a number of "
			                        "seconds: %s",
			                        epoch);
		*now = (strata_time)secs * STRATA_NS_PER_SEC;
		return 0;
	}
	*now = strata_time_now();
	return 0;
}

/* Terminal-safe copy of input text for stderr. */
static void safe_text(const char *s, char *out, size_t n)
{
	size_t k = 0;
	for (; s[k] && k + 1 < n; k++)
		out[k] = (unsigned char)s[k] < 0x20 || s[k] == 0x7f ? '?' : s[k];
	out[k] = '\0';
}

static void report_skipped(const relay_set *set, const char *details)
{
	fprintf(stderr, "strata relays build: skipped %zu of %zu relays in %s:\n", set->n_skipped,
	        set->n_input, details);
	for (size_t i = 0; i < set->n_skipped && i < SKIPS_LISTED; i++) {
		char id[80], reason[240];
		safe_text(set->skipped[i].id, id, sizeof(id));
		safe_text(set->skipped[i].reason, reason, sizeof(reason));
		fprintf(stderr, "  relay #%zu (%s): %s\n", set->skipped[i].input_index, id, reason);
	}
	if (set->n_skipped > SKIPS_LISTED)
		fprintf(stderr, "  ... and %zu more\n", set->n_skipped - SKIPS_LISTED);
}

/* Load, build and write; prints the summary; returns the exit status. */
static int build_with(const build_args *a, char *paths[DOC_COUNT], strata_time now)
{
	relay_set set;
	relay_set_init(&set, now, a->filter_downtime);
	relays_build_options o = {paths[DOC_DETAILS],
	                          paths[DOC_UPTIME],
	                          paths[DOC_BANDWIDTH],
	                          paths[DOC_AROI],
	                          now,
	                          a->filter_downtime,
	                          {a->out, a->jobs, a->progress, a->bits, a->base_url}};
	relays_build_result res;
	int rc = relays_build(&set, &o, &res);
	if (rc < 0) {
		fprintf(stderr, "strata relays build: %s (the previous site is unchanged)\n",
		        strata_error_message());
		relay_set_free(&set);
		return STRATA_EXIT_FAILURE;
	}
	printf("built %llu pages (%.1f MB) for %zu relays (%zu filtered by downtime, %zu "
	       "skipped) in %s\n",
	       (unsigned long long)res.site.pages, (double)res.site.bytes / 1e6, set.n,
	       set.n_filtered, set.n_skipped, a->out);
	int status = STRATA_EXIT_OK;
	if (set.n_skipped > 0) {
		report_skipped(&set, a->details);
		status = RELAYS_EXIT_SKIPPED;
	}
	relay_set_free(&set);
	return status;
}

static int cmd_build(int argc, char **argv)
{
	if (strata_cmd_wants_help(argc, argv)) {
		fputs(build_usage, stdout);
		return STRATA_EXIT_OK;
	}
	build_args a;
	int rc = parse_args(&a, argc, argv, 1);
	if (rc)
		return rc;
	strata_time now = 0;
	if (reference_time(&a, &now) < 0)
		return usage_error(strata_error_message(), NULL);
	char *paths[DOC_COUNT];
	fetch_source sources[DOC_COUNT];
	if (resolve_documents(&a, paths, sources) < 0) {
		fprintf(stderr, "strata relays build: %s (the previous site is unchanged)\n",
		        strata_error_message());
		free_documents(paths);
		return STRATA_EXIT_FAILURE;
	}
	int status = build_with(&a, paths, now);
	free_documents(paths);
	return status;
}

static const char fetch_usage[] =
    "usage: strata relays fetch [--cache-dir DIR] [--details URL] [--uptime URL]\n"
    "                           [--bandwidth URL] [--aroi URL] [--retry-delay MS]\n"
    "Downloads each document into the cache (conditional GET, retries, falling back\n"
    "to the cached copy) and prints where it is. Exit status 0, 1 on failure.\n";

static int cmd_fetch(int argc, char **argv)
{
	if (strata_cmd_wants_help(argc, argv)) {
		fputs(fetch_usage, stdout);
		return STRATA_EXIT_OK;
	}
	build_args a;
	int rc = parse_args(&a, argc, argv, 0);
	if (rc)
		return rc;
	char *paths[DOC_COUNT];
	fetch_source sources[DOC_COUNT];
	if (resolve_documents(&a, paths, sources) < 0) {
		fprintf(stderr, "strata relays fetch: %s\n", strata_error_message());
		free_documents(paths);
		return STRATA_EXIT_FAILURE;
	}
	static const char *const names[DOC_COUNT] = {"details", "uptime", "bandwidth", "aroi"};
	static const char *const how[] = {"local file", "downloaded", "not modified",
	                                  "cached copy (fetch failed)"};
	for (int i = 0; i < DOC_COUNT; i++)
		if (paths[i])
			printf("%s: %s (%s)\n", names[i], paths[i], how[sources[i]]);
	free_documents(paths);
	return STRATA_EXIT_OK;
}

static const strata_cmd relays_commands[] = {
    {"build", cmd_build, "build the static site from Onionoo documents", NULL},
    {"fetch", cmd_fetch, "fetch and cache Onionoo documents", NULL},
    {NULL, NULL, NULL, NULL},
};

static const strata_cmd_group relays_group = {
    "strata relays",
    "Builds a static website about the Tor network from Onionoo documents: a page per\n"
    "relay, operator, family, AS, country, flag, platform and first-seen date, sortable\n"
    "listings, leaderboards and a network-health dashboard, in seconds and little memory.",
    relays_commands,
};

int strata_relays_main(int argc, char **argv)
{
	return strata_cmd_dispatch(&relays_group, argc, argv);
}
