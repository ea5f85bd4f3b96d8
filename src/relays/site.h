/*
 * site.h - write the static relay site.
 *
 * The site is rendered into a fresh temporary folder beside --out, in
 * parallel on the core worker pool, and then swapped into place (an atomic
 * exchange where the file system supports it), so readers see the old site
 * or the new one and a failed build leaves the old one untouched. Every
 * output path is built from validated components only (40-hex
 * fingerprints, group keys that groups.h guarantees safe).
 */
#ifndef STRATA_RELAYS_SITE_H
#define STRATA_RELAYS_SITE_H

#include "groups.h"
#include "model.h"
#include "stats.h"

#include <stdint.h>

typedef struct site_options {
	const char *out;      /* destination folder */
	int jobs;             /* worker threads (0: one per core) */
	int progress;         /* draw a progress bar */
	int bits;             /* bandwidth in bit/s (else bytes/s) */
	const char *base_url; /* absolute URL of the site for vanity links, or NULL */
} site_options;

typedef struct site_result {
	uint64_t pages; /* files written */
	uint64_t bytes; /* their total size */
} site_result;

int site_build(const relay_set *set, const relay_groups *g, const relay_stats *st,
               const site_options *o, site_result *result);

/* The listing pages: misc/<kind>-<sort>.html. */
#define SITE_LISTING_KINDS 5
#define SITE_LISTING_SORTS 16

#endif
