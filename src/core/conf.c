/*
 * conf.c - the configuration tree: nodes, navigation, typed getters, schema
 * validation and file loading. The TOML and YAML readers (conf_toml.c,
 * conf_yaml.c) build the tree through conf_root_new() and conf_add().
 */
#include "strata/conf.h"

#include "core/conf_internal.h"
#include "strata/error.h"
#include "strata/file.h"

#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Tables with at least this many keys get a hash index. */
#define CONF_HASH_MIN 16
/* Largest configuration file strata_conf_load* accepts. */
#define CONF_MAX_FILE (64u << 20)
/* Longest dotted path in messages. */
#define CONF_PATH_MAX 512

/* --- nodes ---------------------------------------------------------------- */

strata_conf *conf_root_new(const char *name)
{
	strata_conf *root = calloc(1, sizeof *root);

	if (!root)
		return NULL;
	root->name = strdup(name ? name : "<input>");
	if (!root->name) {
		free(root);
		return NULL;
	}
	root->type = STRATA_CONF_TABLE;
	root->line = 1;
	root->source = root->name;
	return root;
}

/* Free node and everything below it (depth is bounded by CONF_MAX_DEPTH). */
static void node_free(strata_conf *node)
{
	size_t i;

	for (i = 0; i < node->nkids; i++)
		node_free(node->kids[i]);
	if (node->type == STRATA_CONF_STRING)
		free(node->v.s);
	free(node->kids);
	free(node->hash);
	free(node->key);
	free(node->name);
	free(node);
}

void strata_conf_free(strata_conf *root)
{
	if (root)
		node_free(root);
}

/* FNV-1a over the key bytes. */
static size_t key_hash(const char *key, size_t len)
{
	uint64_t h = 14695981039346656037ull;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)key[i];
		h *= 1099511628211ull;
	}
	return (size_t)h;
}

/* Put kid number idx (0-based) into the table's hash index. */
static void hash_insert(strata_conf *table, size_t idx)
{
	const strata_conf *kid = table->kids[idx];
	size_t mask = table->hashcap - 1;
	size_t slot = key_hash(kid->key, kid->keylen) & mask;

	while (table->hash[slot])
		slot = (slot + 1) & mask;
	table->hash[slot] = idx + 1;
}

/* Make sure the hash index can take one more key (load factor <= 1/2). */
static int hash_reserve(strata_conf *table)
{
	size_t cap, i, *slots;

	if (table->nkids + 1 < CONF_HASH_MIN)
		return 0;
	if (table->hash && (table->nkids + 1) * 2 <= table->hashcap)
		return 0;
	cap = table->hashcap ? table->hashcap * 2 : 64;
	while ((table->nkids + 1) * 2 > cap)
		cap *= 2;
	slots = calloc(cap, sizeof *slots);
	if (!slots)
		return STRATA_ENOMEM;
	free(table->hash);
	table->hash = slots;
	table->hashcap = cap;
	for (i = 0; i < table->nkids; i++)
		hash_insert(table, i);
	return 0;
}

strata_conf *conf_find(const strata_conf *table, const char *key, size_t keylen)
{
	size_t i;

	if (!table || table->type != STRATA_CONF_TABLE)
		return NULL;
	if (table->hash) {
		size_t mask = table->hashcap - 1;
		size_t slot = key_hash(key, keylen) & mask;
		for (; table->hash[slot]; slot = (slot + 1) & mask) {
			strata_conf *kid = table->kids[table->hash[slot] - 1];
			if (kid->keylen == keylen && !memcmp(kid->key, key, keylen))
				return kid;
		}
		return NULL;
	}
	for (i = 0; i < table->nkids; i++) {
		strata_conf *kid = table->kids[i];
		if (kid->keylen == keylen && !memcmp(kid->key, key, keylen))
			return kid;
	}
	return NULL;
}

/* Grow parent's child array for one more entry. */
static int kids_reserve(strata_conf *parent)
{
	size_t cap;
	strata_conf **kids;

	if (parent->nkids < parent->capkids)
		return 0;
	cap = parent->capkids ? parent->capkids * 2 : 4;
	kids = realloc(parent->kids, cap * sizeof(strata_conf *));
	if (!kids)
		return STRATA_ENOMEM;
	parent->kids = kids;
	parent->capkids = cap;
	return 0;
}

int conf_add(strata_conf *parent, const char *key, size_t keylen, strata_conf_type type, int line,
             strata_conf **out)
{
	strata_conf *node;
	int is_table = parent->type == STRATA_CONF_TABLE;

	*out = NULL;
	if (parent->depth + 1 > CONF_MAX_DEPTH)
		return STRATA_ELIMIT;
	if (is_table && conf_find(parent, key, keylen))
		return STRATA_EEXIST;
	if (kids_reserve(parent) || (is_table && hash_reserve(parent)))
		return STRATA_ENOMEM;
	node = calloc(1, sizeof *node);
	if (!node)
		return STRATA_ENOMEM;
	if (is_table) {
		node->key = malloc(keylen + 1);
		if (!node->key) {
			free(node);
			return STRATA_ENOMEM;
		}
		memcpy(node->key, key, keylen);
		node->key[keylen] = '\0';
		node->keylen = keylen;
	}
	node->type = type;
	node->line = line;
	node->depth = parent->depth + 1;
	node->source = parent->source;
	node->parent = parent;
	node->index = parent->nkids;
	parent->kids[parent->nkids++] = node;
	if (is_table && parent->hash)
		hash_insert(parent, node->index);
	*out = node;
	return 0;
}

void conf_path(const strata_conf *node, char *buf, size_t size)
{
	const strata_conf *chain[CONF_MAX_DEPTH + 2];
	size_t n = 0, used = 0;
	int w;

	buf[0] = '\0';
	for (; node && node->parent && n < sizeof chain / sizeof chain[0]; node = node->parent)
		chain[n++] = node;
	while (n-- > 0) {
		const strata_conf *c = chain[n];
		if (c->parent->type == STRATA_CONF_ARRAY)
			w = snprintf(buf + used, size - used, "[%zu]", c->index);
		else
			w = snprintf(buf + used, size - used, "%s%s", used ? "." : "", c->key);
		if (w < 0 || (size_t)w >= size - used)
			return;
		used += (size_t)w;
	}
}

int conf_strtod(const char *s, double *out)
{
	locale_t c = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
	locale_t old = (locale_t)0;
	char *end;
	int err;

	/* strtod honours LC_NUMERIC; pin this thread to "C" around the call. */
	if (c)
		old = uselocale(c);
	errno = 0;
	*out = strtod(s, &end);
	err = errno;
	if (c) {
		uselocale(old);
		freelocale(c);
	}
	if (end == s || *end)
		return -1;
	if (err == ERANGE && isinf(*out))
		return -1;
	return 0;
}

/* --- navigation ----------------------------------------------------------- */

strata_conf_type strata_conf_type_of(const strata_conf *node)
{
	return node ? node->type : STRATA_CONF_NULL;
}

const char *strata_conf_type_name(strata_conf_type type)
{
	switch (type) {
	case STRATA_CONF_NULL: return "null";
	case STRATA_CONF_TABLE: return "table";
	case STRATA_CONF_ARRAY: return "array";
	case STRATA_CONF_STRING: return "string";
	case STRATA_CONF_INT: return "integer";
	case STRATA_CONF_FLOAT: return "float";
	case STRATA_CONF_BOOL: return "boolean";
	case STRATA_CONF_DATETIME: return "offset date-time";
	case STRATA_CONF_LOCAL_DATETIME: return "local date-time";
	case STRATA_CONF_DATE: return "local date";
	case STRATA_CONF_TIME: return "local time";
	case STRATA_CONF_NUMBER: return "number";
	case STRATA_CONF_ANY_DATE: return "date or date-time";
	case STRATA_CONF_ANY: return "any value";
	}
	return "unknown";
}

int strata_conf_line(const strata_conf *node)
{
	return node ? node->line : 0;
}

const char *strata_conf_source(const strata_conf *node)
{
	return node && node->source ? node->source : "";
}

const strata_conf *strata_conf_get(const strata_conf *table, const char *key)
{
	if (!key)
		return NULL;
	return conf_find(table, key, strlen(key));
}

/* Parse "[digits]" or "digits" (len bytes) as an array index. */
static int parse_index(const char *s, size_t len, size_t *out)
{
	size_t i, v = 0;

	if (!len || len > 18)
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (size_t)(s[i] - '0');
	}
	*out = v;
	return 0;
}

/* One step of a path: a key in a table, or an index ("2") in an array. */
static const strata_conf *path_step(const strata_conf *node, const char *seg, size_t len)
{
	size_t idx;

	if (!node)
		return NULL;
	if (node->type == STRATA_CONF_TABLE)
		return conf_find(node, seg, len);
	if (node->type == STRATA_CONF_ARRAY && parse_index(seg, len, &idx) == 0)
		return strata_conf_at(node, idx);
	return NULL;
}

const strata_conf *strata_conf_path(const strata_conf *root, const char *dotted)
{
	const strata_conf *node = root;
	const char *p = dotted;

	if (!dotted)
		return NULL;
	while (node && *p) {
		size_t len;
		if (*p == '[') {
			const char *close = strchr(p, ']');
			if (!close)
				return NULL;
			node = node->type == STRATA_CONF_ARRAY
			           ? path_step(node, p + 1, (size_t)(close - p - 1))
			           : NULL;
			p = close + 1;
		} else {
			len = strcspn(p, ".[");
			node = path_step(node, p, len);
			p += len;
		}
		if (*p == '.' && p[1] != '\0')
			p++;
		else if (*p && *p != '[')
			return NULL;
	}
	return node;
}

size_t strata_conf_count(const strata_conf *node)
{
	if (!node || (node->type != STRATA_CONF_TABLE && node->type != STRATA_CONF_ARRAY))
		return 0;
	return node->nkids;
}

const strata_conf *strata_conf_at(const strata_conf *node, size_t i)
{
	if (i >= strata_conf_count(node))
		return NULL;
	return node->kids[i];
}

const char *strata_conf_key(const strata_conf *node)
{
	return node ? node->key : NULL;
}

/* --- typed values --------------------------------------------------------- */

/* "<name>:<line>: <path>: expected <want>, got <type>" as STRATA_ESCHEMA. */
static int type_error(const strata_conf *node, strata_conf_type want)
{
	char path[CONF_PATH_MAX];

	conf_path(node, path, sizeof path);
	return strata_error_set(STRATA_ESCHEMA, "%s:%d: %s: expected %s, got %s", node->source,
	                        node->line, path[0] ? path : "top level",
	                        strata_conf_type_name(want), strata_conf_type_name(node->type));
}

/* Common start of the as_* getters: node present and of type want. */
static int check_type(const strata_conf *node, strata_conf_type want)
{
	if (!node)
		return strata_error_set(STRATA_ENOTFOUND, "no value (expected %s)",
		                        strata_conf_type_name(want));
	if (node->type != want)
		return type_error(node, want);
	return 0;
}

int strata_conf_as_string(const strata_conf *node, const char **out)
{
	int rc = check_type(node, STRATA_CONF_STRING);
	if (!rc)
		*out = node->v.s;
	return rc;
}

int strata_conf_as_int64(const strata_conf *node, int64_t *out)
{
	int rc = check_type(node, STRATA_CONF_INT);
	if (!rc)
		*out = node->v.i;
	return rc;
}

int strata_conf_as_double(const strata_conf *node, double *out)
{
	if (!node)
		return check_type(node, STRATA_CONF_NUMBER);
	if (node->type == STRATA_CONF_INT) {
		*out = (double)node->v.i;
		return 0;
	}
	if (node->type != STRATA_CONF_FLOAT)
		return type_error(node, STRATA_CONF_NUMBER);
	*out = node->v.f;
	return 0;
}

int strata_conf_as_bool(const strata_conf *node, int *out)
{
	int rc = check_type(node, STRATA_CONF_BOOL);
	if (!rc)
		*out = node->v.i != 0;
	return rc;
}

int strata_conf_as_time_ns(const strata_conf *node, int64_t *out)
{
	if (!node)
		return check_type(node, STRATA_CONF_ANY_DATE);
	switch (node->type) {
	case STRATA_CONF_DATETIME:
	case STRATA_CONF_LOCAL_DATETIME:
	case STRATA_CONF_DATE: *out = node->v.i; return 0;
	default: return type_error(node, STRATA_CONF_ANY_DATE);
	}
}

int strata_conf_as_time_of_day_ns(const strata_conf *node, int64_t *out)
{
	int rc = check_type(node, STRATA_CONF_TIME);
	if (!rc)
		*out = node->v.i;
	return rc;
}

/* The child key of table for the get_* lookups: NULL when the table or key
 * is absent or the value is null. A non-table is a schema error. */
static int lookup(const strata_conf *table, const char *key, const strata_conf **out)
{
	*out = NULL;
	if (!table)
		return 0;
	if (table->type != STRATA_CONF_TABLE)
		return type_error(table, STRATA_CONF_TABLE);
	*out = strata_conf_get(table, key);
	if (*out && (*out)->type == STRATA_CONF_NULL)
		*out = NULL;
	return 0;
}

/*
 * The typed get_* lookups share one shape: look the key up, use the default
 * when it is absent or null, else convert with the matching as_* function.
 */
/* `type` names a type here, which cannot be parenthesised. */
/* NOLINTBEGIN(bugprone-macro-parentheses) */
#define CONF_GETTER(name, type, convert)                                                           \
	int name(const strata_conf *table, const char *key, type dflt, type *out)                  \
	{                                                                                          \
		const strata_conf *node;                                                           \
		int rc = lookup(table, key, &node);                                                \
		if (rc || !node) {                                                                 \
			if (!rc)                                                                   \
				*out = dflt;                                                       \
			return rc;                                                                 \
		}                                                                                  \
		return convert(node, out);                                                         \
	}
/* NOLINTEND(bugprone-macro-parentheses) */

CONF_GETTER(strata_conf_get_string, const char *, strata_conf_as_string)
CONF_GETTER(strata_conf_get_int64, int64_t, strata_conf_as_int64)
CONF_GETTER(strata_conf_get_double, double, strata_conf_as_double)
CONF_GETTER(strata_conf_get_bool, int, strata_conf_as_bool)

/* --- schemas -------------------------------------------------------------- */

/* Whether a value of type got satisfies the schema type want. */
static int type_matches(strata_conf_type want, strata_conf_type got)
{
	switch (want) {
	case STRATA_CONF_ANY: return 1;
	case STRATA_CONF_NUMBER: return got == STRATA_CONF_INT || got == STRATA_CONF_FLOAT;
	case STRATA_CONF_ANY_DATE:
		return got == STRATA_CONF_DATE || got == STRATA_CONF_LOCAL_DATETIME ||
		       got == STRATA_CONF_DATETIME;
	default: return want == got;
	}
}

/* The field describing key: an exact match first, else the "*" wildcard. */
static const strata_conf_field *field_for(const strata_conf_field *fields, const char *key)
{
	const strata_conf_field *wild = NULL, *f;

	for (f = fields; f->key; f++) {
		if (!strcmp(f->key, "*")) {
			if (!wild)
				wild = f;
		} else if (!strcmp(f->key, key)) {
			return f;
		}
	}
	return wild;
}

/* "in table a.b" or "at top level", for messages about table. */
static void table_where(const strata_conf *table, char *buf, size_t size)
{
	char path[CONF_PATH_MAX];

	conf_path(table, path, sizeof path);
	if (path[0])
		snprintf(buf, size, "in table %s", path);
	else
		snprintf(buf, size, "at top level");
}

static int check_table(const strata_conf *table, const strata_conf_field *fields);

/* Check the elements of an array against field f. */
static int check_elements(const strata_conf *array, const strata_conf_field *f)
{
	size_t i;
	int rc;

	for (i = 0; i < array->nkids; i++) {
		const strata_conf *e = array->kids[i];
		if (f->fields) {
			if (e->type != STRATA_CONF_TABLE)
				return type_error(e, STRATA_CONF_TABLE);
			rc = check_table(e, f->fields);
			if (rc)
				return rc;
		} else if (f->element_type != STRATA_CONF_NULL &&
		           !type_matches(f->element_type, e->type)) {
			return type_error(e, f->element_type);
		}
	}
	return 0;
}

/* Check one value against its field, descending into tables and arrays. */
static int check_value(const strata_conf *node, const strata_conf_field *f)
{
	if (!type_matches(f->type, node->type))
		return type_error(node, f->type);
	if (node->type == STRATA_CONF_TABLE && f->fields)
		return check_table(node, f->fields);
	if (node->type == STRATA_CONF_ARRAY)
		return check_elements(node, f);
	return 0;
}

/* Unknown keys and types first (in file order), then missing required keys. */
static int check_table(const strata_conf *table, const strata_conf_field *fields)
{
	char where[CONF_PATH_MAX + 16];
	const strata_conf_field *f;
	size_t i;
	int rc;

	for (i = 0; i < table->nkids; i++) {
		const strata_conf *kid = table->kids[i];
		f = field_for(fields, kid->key);
		if (!f) {
			table_where(table, where, sizeof where);
			return strata_error_set(STRATA_ESCHEMA, "%s:%d: unknown key '%s' %s",
			                        kid->source, kid->line, kid->key, where);
		}
		if (kid->type == STRATA_CONF_NULL && !f->required)
			continue; /* an optional key set to null counts as absent */
		rc = check_value(kid, f);
		if (rc)
			return rc;
	}
	for (f = fields; f->key; f++) {
		if (!f->required || !strcmp(f->key, "*") || strata_conf_get(table, f->key))
			continue;
		table_where(table, where, sizeof where);
		return strata_error_set(STRATA_ESCHEMA, "%s:%d: missing required key '%s' %s",
		                        table->source, table->line, f->key, where);
	}
	return 0;
}

int strata_conf_validate(const strata_conf *table, const strata_conf_field *fields)
{
	if (!table || !fields)
		return strata_error_set(STRATA_EINVAL, "strata_conf_validate: no table or schema");
	if (table->type != STRATA_CONF_TABLE)
		return type_error(table, STRATA_CONF_TABLE);
	return check_table(table, fields);
}

/* --- loading -------------------------------------------------------------- */

typedef int (*conf_parser)(const char *text, size_t len, const char *name, strata_conf **out);

/* Read path and hand its bytes to parse. */
static int load_with(const char *path, conf_parser parse, strata_conf **out)
{
	char *data;
	size_t len;
	int rc;

	*out = NULL;
	rc = strata_file_read_all(path, CONF_MAX_FILE, &data, &len);
	if (rc)
		return rc;
	rc = parse(data, len, path, out);
	free(data);
	return rc;
}

int strata_conf_load_toml(const char *path, strata_conf **out)
{
	return load_with(path, strata_conf_parse_toml, out);
}

int strata_conf_load_yaml(const char *path, strata_conf **out)
{
	return load_with(path, strata_conf_parse_yaml, out);
}

/* Whether path ends in ext, ignoring case. */
static int has_ext(const char *path, const char *ext)
{
	size_t n = strlen(path), e = strlen(ext);
	return n > e && !strcasecmp(path + n - e, ext);
}

int strata_conf_load(const char *path, strata_conf **out)
{
	*out = NULL;
	if (has_ext(path, ".toml"))
		return strata_conf_load_toml(path, out);
	if (has_ext(path, ".yaml") || has_ext(path, ".yml"))
		return strata_conf_load_yaml(path, out);
	return strata_error_set(STRATA_EUNSUPPORTED,
	                        "%s: unknown configuration format (expected .toml, .yaml or .yml)",
	                        path);
}
