/*
 * hash.h - a 64-bit non-cryptographic content hash for change detection
 * (miniSEED files, parameter sets), written "h64:" and 16 hex digits.
 *
 *   noise_hash h; noise_hash_init(&h);
 *   noise_hash_update(&h, data, len);  ... any number of times ...
 *   noise_hash_hex(&h, out);
 *
 * The value depends only on the bytes, not on how they are split.
 */
#ifndef STRATA_NOISE_HASH_H
#define STRATA_NOISE_HASH_H

#include <stddef.h>
#include <stdint.h>

#define NOISE_HASH_HEXLEN 20 /* without the NUL */

typedef struct noise_hash {
	uint64_t h, total;
	unsigned char tail[8];
	size_t ntail;
} noise_hash;

void noise_hash_init(noise_hash *h);
void noise_hash_update(noise_hash *h, const void *data, size_t len);
/* Finish and write "h64:" + 16 hex digits + NUL into out. */
void noise_hash_hex(const noise_hash *h, char out[NOISE_HASH_HEXLEN + 1]);

/* Hash a whole file. */
int noise_hash_file(const char *path, char out[NOISE_HASH_HEXLEN + 1]);

#endif
