/*
 * seed.h - fill a catalog with synthetic measurement sets, images, sources
 * and photometry (deterministic), for demos, tests and benchmarks.
 */
#ifndef STRATA_SKY_SEED_H
#define STRATA_SKY_SEED_H

#include "strata/db.h"

#include <stdint.h>

typedef struct sky_seed_counts {
	int64_t ms, images, sources, photometry;
} sky_seed_counts;

/* Insert the rows with ids 1..N into an empty, migrated catalog. */
int sky_seed(strata_db *db, const sky_seed_counts *n);

#endif
