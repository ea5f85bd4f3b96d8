/*
 * conf_internal.h - the node structure shared by conf.c and the TOML and YAML
 * readers. Not part of the public API.
 */
#ifndef STRATA_CONF_INTERNAL_H
#define STRATA_CONF_INTERNAL_H

#include "strata/conf.h"

#include <stddef.h>
#include <stdint.h>

/* Deepest nesting of tables and arrays a document may have (root is 0). */
#define CONF_MAX_DEPTH 128

/* TOML bookkeeping on table and array nodes (see conf_toml.c). */
enum conf_flags {
	CONF_F_IMPLICIT = 1u << 0, /* table created as a parent by a [a.b] header */
	CONF_F_EXPLICIT = 1u << 1, /* table defined by its own [header] */
	CONF_F_DOTTED = 1u << 2,   /* table defined by a dotted key a.b = 1 */
	CONF_F_INLINE = 1u << 3,   /* inline table { } : sealed */
	CONF_F_AOT = 1u << 4,      /* array made by [[header]]: may grow */
};

struct strata_conf {
	strata_conf_type type;
	unsigned flags;      /* enum conf_flags */
	int line;            /* 1-based line of the key (or value) */
	int depth;           /* 0 for the root */
	size_t index;        /* position within the parent */
	char *key;           /* key within a table parent, else NULL */
	size_t keylen;       /* strlen(key) */
	const char *source;  /* document name, owned by the root */
	strata_conf *parent; /* NULL for the root */
	union {
		char *s;   /* STRING */
		int64_t i; /* INT, BOOL and the date/time kinds */
		double f;  /* FLOAT */
	} v;
	strata_conf **kids; /* TABLE and ARRAY children, in order */
	size_t nkids, capkids;
	size_t *hash; /* TABLE key index (1-based slots), once large */
	size_t hashcap;
	char *name; /* root only: the document name */
};

/* A fresh root table named name (copied); NULL when out of memory. */
strata_conf *conf_root_new(const char *name);

/*
 * Create a child of parent (a TABLE, with key of keylen bytes, or an ARRAY,
 * with key NULL) and append it. Returns 0, STRATA_EEXIST (key already there),
 * STRATA_ELIMIT (too deep) or STRATA_ENOMEM, without setting a message.
 */
int conf_add(strata_conf *parent, const char *key, size_t keylen, strata_conf_type type, int line,
             strata_conf **out);

/* Child of table by key of keylen bytes, or NULL. */
strata_conf *conf_find(const strata_conf *table, const char *key, size_t keylen);

/* The node's dotted path ("a.b[2].c"; "" for the root) into buf. */
void conf_path(const strata_conf *node, char *buf, size_t size);

/* Parse a whole C string as a double in the C locale. 0 on success; -1 when
 * it is malformed or overflows. */
int conf_strtod(const char *s, double *out);

#endif
