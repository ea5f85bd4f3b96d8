/*
 * uuid.h - UUIDv7 (RFC 9562) identifiers, generated client side.
 *
 * A UUIDv7 holds a 48-bit Unix millisecond timestamp, then random bits, so keys
 * sort by creation time and index well. strata makes them where a row is made
 * (in a worker, before it reaches the database), which gives each row a stable
 * key that a retried or parallel insert cannot duplicate or lose.
 *
 * Within one process ids are strictly increasing: a 12-bit sub-millisecond
 * counter (rand_a, RFC 9562 method 1) orders ids made in the same
 * millisecond, with a random start, and overflow advances the timestamp.
 * Randomness comes from getrandom(2).
 */
#ifndef STRATA_UUID_H
#define STRATA_UUID_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct strata_uuid {
	uint8_t bytes[16];
} strata_uuid;

#define STRATA_UUID_STRLEN 36 /* without the NUL */

int strata_uuid7(strata_uuid *out);

/* Generate with an explicit Unix millisecond time (for tests and backfills). */
int strata_uuid7_at(int64_t unix_ms, strata_uuid *out);

/* Lower-case canonical form, 8-4-4-4-12; buf needs 37 bytes. */
void strata_uuid_format(const strata_uuid *id, char buf[37]);

/* Strict parse of the canonical form (either case); STRATA_EPARSE otherwise. */
int strata_uuid_parse(const char *text, strata_uuid *out);

int strata_uuid_version(const strata_uuid *id);
int64_t strata_uuid7_unix_ms(const strata_uuid *id);
int strata_uuid_compare(const strata_uuid *a, const strata_uuid *b);

#ifdef __cplusplus
}
#endif
#endif
