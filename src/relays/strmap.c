/* strmap.c - open-addressing hash map from strings to indices (FNV-1a). */
#include "strmap.h"

#include "strata/error.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static uint64_t hash_key(const char *s)
{
	uint64_t h = 1469598103934665603ULL;
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h;
}

void strmap_init(strmap *m)
{
	memset(m, 0, sizeof(*m));
}

void strmap_free(strmap *m)
{
	for (size_t i = 0; i < m->cap; i++)
		free(m->keys[i]);
	free(m->keys);
	free(m->values);
	memset(m, 0, sizeof(*m));
}

/* The slot holding key, or the empty slot where it would go. */
static size_t find_slot(const strmap *m, const char *key)
{
	size_t i = (size_t)(hash_key(key) & (m->cap - 1));
	while (m->keys[i] && strcmp(m->keys[i], key) != 0)
		i = (i + 1) & (m->cap - 1);
	return i;
}

long strmap_get(const strmap *m, const char *key)
{
	if (m->cap == 0)
		return -1;
	size_t i = find_slot(m, key);
	return m->keys[i] ? (long)m->values[i] : -1;
}

/* Double the table (or create it) and re-insert every key. */
static int grow(strmap *m)
{
	size_t cap = m->cap ? m->cap * 2 : 64;
	strmap bigger = {calloc(cap, sizeof(char *)), calloc(cap, sizeof(size_t)), cap, m->n};
	if (!bigger.keys || !bigger.values) {
		free(bigger.keys);
		free(bigger.values);
		return strata_error_set(STRATA_ENOMEM, "hash map: out of memory");
	}
	for (size_t i = 0; i < m->cap; i++) {
		if (!m->keys[i])
			continue;
		size_t j = find_slot(&bigger, m->keys[i]);
		bigger.keys[j] = m->keys[i];
		bigger.values[j] = m->values[i];
	}
	free(m->keys);
	free(m->values);
	m->keys = bigger.keys;
	m->values = bigger.values;
	m->cap = cap;
	return 0;
}

int strmap_put(strmap *m, const char *key, size_t value)
{
	if ((m->n + 1) * 2 > m->cap) {
		int rc = grow(m);
		if (rc < 0)
			return rc;
	}
	size_t i = find_slot(m, key);
	if (!m->keys[i]) {
		m->keys[i] = strdup(key);
		if (!m->keys[i])
			return strata_error_set(STRATA_ENOMEM, "hash map: out of memory");
		m->n++;
	}
	m->values[i] = value;
	return 0;
}
