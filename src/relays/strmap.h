/*
 * strmap.h - a string -> index hash map (open addressing) for grouping.
 *
 * Keys are copied; values are size_t (an index into the caller's array).
 */
#ifndef STRATA_RELAYS_STRMAP_H
#define STRATA_RELAYS_STRMAP_H

#include <stddef.h>

typedef struct strmap {
	char **keys;
	size_t *values;
	size_t cap, n;
} strmap;

void strmap_init(strmap *m);
void strmap_free(strmap *m);
/* The value of key, or -1 when absent. */
long strmap_get(const strmap *m, const char *key);
/* Insert or overwrite key -> value; STRATA_ENOMEM on failure. */
int strmap_put(strmap *m, const char *key, size_t value);

#endif
