/* pipeline.c - load, rules, groups, statistics, site: one build. */
#include "pipeline.h"
#include "groups.h"
#include "onionoo.h"
#include "stats.h"

#include "strata/error.h"
#include "strata/log.h"
#include "strata/workers.h"

#include <stdlib.h>
#include <string.h>

static const char *const phase_names[PHASE_COUNT] = {"details", "uptime", "bandwidth",
                                                     "aroi",    "groups", "site"};

const char *relays_phase_name(int phase)
{
	return phase >= 0 && phase < PHASE_COUNT ? phase_names[phase] : "";
}

/* Seconds since start, logged at debug level under the phase's name. */
static double lap(int phase, int64_t *start)
{
	int64_t now = strata_time_monotonic_ns();
	double s = (double)(now - *start) / 1e9;
	*start = now;
	strata_logf(STRATA_LOG_DEBUG, "relays: %s took %.3f s", relays_phase_name(phase), s);
	return s;
}

typedef int (*load_fn)(relay_set *set, const char *path);

/* The optional documents, read in parallel: each loader writes its own
 * fields of the relays and only looks the fingerprint index up. */
typedef struct optional_loads {
	relay_set *set;
	const char *paths[3];
	double seconds[3];
} optional_loads;

static int load_one(size_t i, void *ctx)
{
	static const load_fn loaders[3] = {onionoo_load_uptime, onionoo_load_bandwidth,
	                                   onionoo_load_aroi};
	optional_loads *l = ctx;
	int64_t t = strata_time_monotonic_ns();
	int rc = l->paths[i] ? loaders[i](l->set, l->paths[i]) : 0;
	l->seconds[i] = lap(PHASE_UPTIME + (int)i, &t);
	return rc;
}

static int load(relay_set *set, const relays_build_options *o, int64_t *t, relays_build_result *res)
{
	int rc = onionoo_load_details(set, o->details);
	if (rc == 0)
		rc = relay_set_finish(set);
	res->seconds[PHASE_DETAILS] = lap(PHASE_DETAILS, t);
	if (rc < 0)
		return rc;
	optional_loads l = {set, {o->uptime, o->bandwidth, o->aroi}, {0, 0, 0}};
	strata_workers *w = NULL;
	rc = strata_workers_create(o->site.jobs, &w);
	if (rc == 0)
		rc = strata_workers_for(w, 3, load_one, &l);
	strata_workers_destroy(w);
	for (int i = 0; i < 3; i++)
		res->seconds[PHASE_UPTIME + i] = l.seconds[i];
	*t = strata_time_monotonic_ns();
	return rc;
}

int relays_build(relay_set *set, const relays_build_options *o, relays_build_result *res)
{
	memset(res, 0, sizeof(*res));
	int64_t t = strata_time_monotonic_ns();
	int rc = load(set, o, &t, res);
	if (rc < 0)
		return rc;
	relay_groups g;
	rc = groups_build(set, &g);
	if (rc < 0)
		return rc;
	relay_stats *st = malloc(sizeof(*st));
	rc = st ? stats_compute(set, &g, st) : strata_error_set(STRATA_ENOMEM, "out of memory");
	res->seconds[PHASE_GROUPS] = lap(PHASE_GROUPS, &t);
	if (rc == 0)
		rc = site_build(set, &g, st, &o->site, &res->site);
	res->seconds[PHASE_SITE] = lap(PHASE_SITE, &t);
	free(st);
	groups_free(&g);
	return rc;
}
