/*
 * jsonl.h - JSON lines input for `strata store write/append`: one JSON
 * object per line, turned into the same cells as a CSV file (csv.h) so that
 * both are typed alike. The header is every key in the order first seen; a
 * key missing from a line, null and "" are empty cells (null); numbers keep
 * their JSON text, booleans are true/false; arrays and objects are refused.
 * Empty lines are skipped. Errors name name:line.
 */
#ifndef STRATA_STORE_JSONL_H
#define STRATA_STORE_JSONL_H

#include <stddef.h>

#include "store/csv.h"

int store_jsonl_parse(const char *name, const char *data, size_t len, store_csv *out);

#endif
