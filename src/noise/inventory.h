/*
 * inventory.h - `add-inventory` and `add-component-pairs`: devices,
 * components and component pairs from StationXML, as Noiz makes them.
 *
 * Noiz (processing/component.py) makes one device per network.station and
 * one component per network.station and last letter of the channel code
 * (BHN and HHN are both component N), located at the station's latitude,
 * longitude and elevation, valid from the station's start date (else the
 * earliest channel start) to its end date (else the latest channel end).
 * Several epochs of one station merge into one component: the earliest
 * start, the latest end (open when any epoch is open), the position of the
 * latest epoch, and every channel code.
 *
 * Pairs (processing/component_pair.py) are made from every ordered pair of
 * components: (a, a) is an autocorrelation, two components of one station
 * an intra-station pair (both orders), and two stations' components one
 * inter-station pair, kept only in the east-to-west order (geo.h) with the
 * distance and azimuths of geo.h. Two stations at the same coordinates have
 * no east-to-west order: Noiz drops them, and so does this code (counted).
 * Far apart, A east of B by longitude may still see B at a back-azimuth
 * below 180 (the short great circle leaves A eastwards): Noiz then raises
 * and stores nothing; this code keeps the pair in the longitude order and
 * counts it.
 */
#ifndef STRATA_NOISE_INVENTORY_H
#define STRATA_NOISE_INVENTORY_H

#include <stddef.h>

#include "strata/db.h"

typedef struct noise_inventory_summary {
	size_t networks, stations, channels;
	size_t devices, components; /* rows written (upserted) */
} noise_inventory_summary;

/* Read the StationXML file at path and upsert its devices and components
 * in one transaction. The component rows keep path (made absolute). */
int noise_inventory_add(strata_db *db, const char *path, noise_inventory_summary *summary);

typedef struct noise_pairs_summary {
	size_t components;
	size_t autocorrelations, intrastation, interstation; /* rows written */
	size_t colocated;                                    /* skipped: same position */
	size_t not_overlapping;                              /* skipped by the period check */
	size_t backazimuth_below_180; /* kept, but Noiz would raise on them */
} noise_pairs_summary;

/* Make every component pair of the catalog's components and upsert them
 * (in batches of 1000 rows, each batch one transaction). With check_periods, pairs of components
 * whose operating periods (whole hours) do not overlap are skipped, as Noiz's
 * --cp_optimization does. */
int noise_pairs_build(strata_db *db, int check_periods, noise_pairs_summary *summary);

#endif
