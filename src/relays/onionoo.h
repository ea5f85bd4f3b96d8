/*
 * onionoo.h - read Onionoo documents into a relay_set, streaming.
 *
 * details (required): every relay object is validated as it ends; a relay
 * that fails (non-hex fingerprint, missing required field, wrong type) is
 * skipped and recorded with its reason, never aborting the load. A document
 * that is not valid JSON (truncated, garbage) is STRATA_EPARSE.
 *
 * uptime, bandwidth: reduced per relay on the fly (see docs/relays.md for
 * the definitions); only relays already in the set are updated. Load them
 * after relay_set_finish so that filtered relays are not looked up.
 *
 * aroi: the AROI validator's latest.json; marks relays checked and valid.
 */
#ifndef STRATA_RELAYS_ONIONOO_H
#define STRATA_RELAYS_ONIONOO_H

#include "model.h"

#include <stddef.h>

int onionoo_load_details(relay_set *set, const char *path);
int onionoo_load_uptime(relay_set *set, const char *path);
int onionoo_load_bandwidth(relay_set *set, const char *path);
int onionoo_load_aroi(relay_set *set, const char *path);

/* The same over memory (tests and fuzzing); name is used in messages. */
int onionoo_details_buffer(relay_set *set, const char *name, const char *data, size_t len);
int onionoo_uptime_buffer(relay_set *set, const char *name, const char *data, size_t len);
int onionoo_bandwidth_buffer(relay_set *set, const char *name, const char *data, size_t len);
int onionoo_aroi_buffer(relay_set *set, const char *name, const char *data, size_t len);

/* Uptime percent of a period from its valid points (0..999 each): the mean
 * scaled to percent; UPTIME_NONE below 30 points; 0 at or below 1 %. */
double onionoo_uptime_percent(double sum, size_t count);

#endif
