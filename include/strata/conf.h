/*
 * conf.h - configuration documents: TOML and YAML read into one tree.
 *
 * Both readers produce a strata_conf tree of typed nodes, each remembering the
 * line it came from, so errors read "noiz.toml:12: DatachunkParams.order:
 * expected integer, got string". TOML is read by strata's own reader (tables,
 * dotted keys, arrays, arrays of tables, inline tables, strings of all four
 * kinds, integers, floats, booleans, offset/local date-times, dates and
 * times). YAML is read with libyaml; plain scalars are resolved as PyYAML's
 * yaml.safe_load does (YAML 1.1: null, yes/no/on/off/true/false, octal 010,
 * base-60 and underscored integers, floats with a dot, timestamps), quoted
 * scalars stay strings. YAML anchors/aliases are rejected, as is any tab
 * indentation.
 *
 * A schema (an array of strata_conf_field) lists the keys a table may hold and
 * their types; strata_conf_validate reports the first unknown key, missing
 * required key or type mismatch, with its line.
 */
#ifndef STRATA_CONF_H
#define STRATA_CONF_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum strata_conf_type {
	STRATA_CONF_NULL = 0, /* YAML null / empty */
	STRATA_CONF_TABLE,    /* TOML table, YAML mapping */
	STRATA_CONF_ARRAY,    /* TOML array, YAML sequence */
	STRATA_CONF_STRING,
	STRATA_CONF_INT,
	STRATA_CONF_FLOAT,
	STRATA_CONF_BOOL,
	STRATA_CONF_DATETIME,       /* offset date-time: UTC nanoseconds */
	STRATA_CONF_LOCAL_DATETIME, /* no offset; nanoseconds as if UTC */
	STRATA_CONF_DATE,           /* local date; nanoseconds of its midnight as if UTC */
	STRATA_CONF_TIME,           /* local time; nanoseconds since midnight */
	/* Schema-only pseudo-types for strata_conf_field.type: */
	STRATA_CONF_NUMBER,   /* INT or FLOAT */
	STRATA_CONF_ANY_DATE, /* DATE, LOCAL_DATETIME or DATETIME */
	STRATA_CONF_ANY
} strata_conf_type;

typedef struct strata_conf strata_conf;

/* Parse a whole document. name is used in messages (usually the path). */
int strata_conf_parse_toml(const char *text, size_t len, const char *name, strata_conf **out);
int strata_conf_parse_yaml(const char *text, size_t len, const char *name, strata_conf **out);

/* Read a file and parse it; the format is chosen by extension (.toml, .yaml,
 * .yml) unless forced by the first two functions. */
int strata_conf_load_toml(const char *path, strata_conf **out);
int strata_conf_load_yaml(const char *path, strata_conf **out);
int strata_conf_load(const char *path, strata_conf **out);

/* Free a whole tree (only call on a root). */
void strata_conf_free(strata_conf *root);

/* --- navigation ----------------------------------------------------------- */
strata_conf_type strata_conf_type_of(const strata_conf *node);
const char *strata_conf_type_name(strata_conf_type type);
int strata_conf_line(const strata_conf *node);           /* 1-based; 0 if unknown */
const char *strata_conf_source(const strata_conf *node); /* document name */

/* Tables: child by key (NULL if absent), or by dotted path "a.b.c". */
const strata_conf *strata_conf_get(const strata_conf *table, const char *key);
const strata_conf *strata_conf_path(const strata_conf *root, const char *dotted);

/* Tables and arrays: number of children, and the i-th (tables keep file order). */
size_t strata_conf_count(const strata_conf *node);
const strata_conf *strata_conf_at(const strata_conf *node, size_t i);
const char *strata_conf_key(const strata_conf *node); /* key within its table, or NULL */

/* --- typed values: STRATA_ESCHEMA with "<name>:<line>: <key>: expected ..."
 * when the node has another type; INT converts to double in as_double. ----- */
int strata_conf_as_string(const strata_conf *node, const char **out);
int strata_conf_as_int64(const strata_conf *node, int64_t *out);
int strata_conf_as_double(const strata_conf *node, double *out);
int strata_conf_as_bool(const strata_conf *node, int *out);
/* DATETIME, LOCAL_DATETIME or DATE as nanoseconds since the Unix epoch. */
int strata_conf_as_time_ns(const strata_conf *node, int64_t *out);
/* TIME (local time of day) as nanoseconds since midnight. */
int strata_conf_as_time_of_day_ns(const strata_conf *node, int64_t *out);

/* Lookups with defaults: absent key -> default and 0; wrong type -> error. */
int strata_conf_get_string(const strata_conf *table, const char *key, const char *dflt,
                           const char **out);
int strata_conf_get_int64(const strata_conf *table, const char *key, int64_t dflt, int64_t *out);
int strata_conf_get_double(const strata_conf *table, const char *key, double dflt, double *out);
int strata_conf_get_bool(const strata_conf *table, const char *key, int dflt, int *out);

/* --- schemas -------------------------------------------------------------- */
typedef struct strata_conf_field {
	const char *key;       /* NULL terminates the array; "*" matches any key */
	strata_conf_type type; /* expected type, or a schema-only pseudo-type */
	int required;
	/* For TABLE: the sub-table's fields. For ARRAY: the fields of each element
	 * when the elements are tables (arrays of tables), else NULL. */
	const struct strata_conf_field *fields;
	/* For ARRAY of scalars: the elements' type (STRATA_CONF_ANY for any). */
	strata_conf_type element_type;
} strata_conf_field;

/* Check table against fields, recursively; the first problem is reported. */
int strata_conf_validate(const strata_conf *table, const strata_conf_field *fields);

/* --- output --------------------------------------------------------------- */

struct strata_buf;

/* Append node as JSON to out: tables as objects (file order), dates and
 * date-times as ISO 8601 UTC strings with 9 fraction digits, local times of
 * day and non-finite floats as null. Returns 0 or STRATA_ENOMEM. */
int strata_conf_to_json(const strata_conf *node, struct strata_buf *out);

#ifdef __cplusplus
}
#endif
#endif
