/*
 * params.h - Noiz's TOML parameter files as param_set rows.
 *
 * A Noiz parameter file holds one table named after its kind
 * ([DatachunkParams], [QCOne], [PPSDParams], ...). Every key must be one
 * Noiz knows for that kind (an unknown key is an error naming the file, the
 * line and the key, where Noiz would silently ignore or crash), with a value
 * of the right type: numbers for numeric fields, strings for text fields,
 * booleans or the strings "True"/"False" (as Noiz's files write them) for
 * flags, and TOML dates or ISO 8601 strings for dates.
 *
 * Each accepted set is stored as JSON with its kind, a content hash and a
 * number: Noiz's integer id (1, 2, ... per kind), which the files use to
 * refer to each other (datachunk_params_id = 1). Adding the same content
 * again returns the existing row instead of a duplicate.
 */
#ifndef STRATA_NOISE_PARAMS_H
#define STRATA_NOISE_PARAMS_H

#include <stddef.h>

#include "strata/conf.h"
#include "strata/db.h"

/* Noiz's kinds, in the order of its DefinedConfigs. */
extern const char *const noise_param_kinds[];

typedef struct noise_param_set {
	char id[37];
	char kind[48];
	long long number;
	char hash[24];
	int created; /* 1: a new row, 0: the same content was already there */
} noise_param_set;

/* Validate a parsed Noiz parameter document; *kind (may be NULL) gets its
 * kind's name and *table its table. */
int noise_params_validate(const strata_conf *root, const char **kind, const strata_conf **table);

/* Read, validate and upsert the file at path. If expect_kind is not NULL
 * the file must be of that kind. */
int noise_params_add(strata_db *db, const char *path, const char *expect_kind,
                     noise_param_set *out);

#endif
