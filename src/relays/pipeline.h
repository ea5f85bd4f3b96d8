/*
 * pipeline.h - the whole build: load the documents, apply the rules, group,
 * rank, write the site. Shared by `strata relays build` and the benchmark.
 */
#ifndef STRATA_RELAYS_PIPELINE_H
#define STRATA_RELAYS_PIPELINE_H

#include "model.h"
#include "site.h"

typedef struct relays_build_options {
	const char *details, *uptime, *bandwidth, *aroi; /* paths; NULL: not used */
	strata_time now;
	int filter_downtime_days;
	site_options site;
} relays_build_options;

/* Seconds spent in each phase. */
enum {
	PHASE_DETAILS,
	PHASE_UPTIME,
	PHASE_BANDWIDTH,
	PHASE_AROI,
	PHASE_GROUPS,
	PHASE_SITE,
	PHASE_COUNT
};
const char *relays_phase_name(int phase);

typedef struct relays_build_result {
	site_result site;
	double seconds[PHASE_COUNT];
} relays_build_result;

/* Build the site; set (initialised by the caller with relay_set_init) keeps
 * the relays and the skipped list for the caller's report. */
int relays_build(relay_set *set, const relays_build_options *o, relays_build_result *res);

#endif
