/*
 * abi.c - the flat binding ABI (include/strata/store_abi.h) over the store's
 * C API: column buffers in, library-owned column buffers out.
 */
#include "strata/store_abi.h"

#include "store/item_internal.h"
#include "store/layout.h"
#include "store/parquet.h"
#include "strata/error.h"
#include "strata/file.h"
#include "strata/store.h"
#include "strata/time.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* A read column: the public description plus what this file allocated. */
typedef struct abi_col {
	strata_abi_column pub;
	void *narrow; /* native-width values of an INT8/16, UINT8/16 column */
	int32_t *codes;
	int64_t *dict_offsets;
	char *dict_bytes;
} abi_col;

struct strata_abi_table {
	strata_pq_table pq; /* owns names, values, offsets, bytes, validity */
	abi_col *cols;
	strata_store_read_stats stats;
	strata_store_schema schema; /* of the version read: time zones */
};

const char *strata_abi_last_error(void)
{
	const char *m = strata_error_message();
	return m ? m : "";
}

void strata_abi_free(void *p)
{
	free(p);
}

/* Bytes per value in the ABI (native width) for a non-STRING type. */
static size_t abi_width(int32_t type)
{
	switch (type) {
	case STRATA_ABI_INT8:
	case STRATA_ABI_UINT8:
	case STRATA_ABI_BOOL: return 1;
	case STRATA_ABI_INT16:
	case STRATA_ABI_UINT16: return 2;
	case STRATA_ABI_INT32:
	case STRATA_ABI_UINT32:
	case STRATA_ABI_FLOAT: return 4;
	default: return 8;
	}
}

/* Whether the ABI and the table store type the same way (int8..16 and
 * uint8..16 are int32 arrays in a table). */
static int same_layout(int32_t type)
{
	return abi_width(type) == strata_pq_type_size((strata_pq_type)type);
}

/* ---- write and append: ABI columns to a table --------------------------- */

/* A table whose arrays are partly borrowed from the caller: owned[i] flags
 * the arrays of column i this file allocated (bit 0 values, 1 offsets,
 * 2 bytes, 3 validity). */
typedef struct in_table {
	strata_pq_table t;
	unsigned *owned;
	const char **zones; /* (column, zone) pairs of the columns with a tz, NULL-ended */
} in_table;

enum { OWN_VALUES = 1, OWN_OFFSETS = 2, OWN_BYTES = 4, OWN_VALIDITY = 8 };

static void in_table_free(in_table *in)
{
	for (size_t i = 0; i < in->t.ncols; i++) {
		strata_pq_column *c = &in->t.cols[i];
		if (in->owned[i] & OWN_VALUES)
			free(c->values);
		if (in->owned[i] & OWN_OFFSETS)
			free(c->offsets);
		if (in->owned[i] & OWN_BYTES)
			free(c->bytes);
		if (in->owned[i] & OWN_VALIDITY)
			free(c->validity);
	}
	free(in->t.cols);
	free(in->owned);
	free(in->zones);
	memset(in, 0, sizeof *in);
}

/* Widen native int8/16, uint8/16 values to the table's int32 array. */
static int widen_values(const strata_abi_column *a, size_t n, strata_pq_column *c)
{
	int32_t *v = malloc(n ? n * sizeof *v : 1);

	if (!v)
		return strata_error_set(STRATA_ENOMEM, "column %s: out of memory", a->name);
	for (size_t i = 0; i < n; i++) {
		switch (a->type) {
		case STRATA_ABI_INT8: /* sign-extend without a signed char */
			v[i] = (int32_t)(((const uint8_t *)a->values)[i] ^ 0x80) - 0x80;
			break;
		case STRATA_ABI_UINT8: v[i] = ((const uint8_t *)a->values)[i]; break;
		case STRATA_ABI_INT16: v[i] = ((const int16_t *)a->values)[i]; break;
		default: v[i] = ((const uint16_t *)a->values)[i]; break;
		}
	}
	c->values = v;
	return 0;
}

/* Total bytes of the strings the codes pick, checking every code. */
static int codes_size(const strata_abi_column *a, size_t n, size_t *total, int *nulls)
{
	*total = 0;
	*nulls = 0;
	for (size_t i = 0; i < n; i++) {
		int32_t k = a->codes[i];
		if (k < 0) {
			*nulls = 1;
			continue;
		}
		if (k >= a->dict_count)
			return strata_error_set(STRATA_EINVAL,
			                        "column %s: row %zu: code %d beyond the %lld-entry "
			                        "dictionary",
			                        a->name, i, (int)k, (long long)a->dict_count);
		*total += (size_t)(a->dict_offsets[k + 1] - a->dict_offsets[k]);
	}
	return 0;
}

/* Check that a dictionary's offsets start at 0 and never decrease. */
static int check_offsets(const char *name, const int64_t *off, size_t n)
{
	if (off[0] != 0)
		return strata_error_set(STRATA_EINVAL, "column %s: offsets do not start at 0",
		                        name);
	for (size_t i = 0; i < n; i++)
		if (off[i + 1] < off[i])
			return strata_error_set(STRATA_EINVAL, "column %s: offset %zu decreases",
			                        name, i + 1);
	return 0;
}

/* A null bitmap from codes (-1 = null) combined with the given validity. */
static uint8_t *codes_validity(const strata_abi_column *a, size_t n)
{
	uint8_t *v = calloc((n + 7) / 8 + 1, 1);

	if (!v)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		int present =
		    a->codes[i] >= 0 && (!a->validity || (a->validity[i / 8] >> (i % 8) & 1));
		v[i / 8] |= (uint8_t)(present << (i % 8));
	}
	return v;
}

/* Expand dictionary codes into the column's offsets and bytes. */
static int expand_codes(const strata_abi_column *a, size_t n, strata_pq_column *c, unsigned *owned)
{
	size_t total, pos = 0;
	int nulls, rc;

	if (!a->dict_offsets || (a->dict_count && !a->dict_bytes) || a->dict_count < 0)
		return strata_error_set(STRATA_EINVAL, "column %s: codes without a dictionary",
		                        a->name);
	if ((rc = check_offsets(a->name, a->dict_offsets, (size_t)a->dict_count)) ||
	    (rc = codes_size(a, n, &total, &nulls)))
		return rc;
	c->offsets = malloc((n + 1) * sizeof *c->offsets);
	c->bytes = malloc(total ? total : 1);
	*owned |= OWN_OFFSETS | OWN_BYTES;
	if (nulls || a->validity) {
		c->validity = codes_validity(a, n);
		*owned |= OWN_VALIDITY;
	}
	if (!c->offsets || !c->bytes || ((nulls || a->validity) && !c->validity))
		return strata_error_set(STRATA_ENOMEM, "column %s: out of memory", a->name);
	c->offsets[0] = 0;
	for (size_t i = 0; i < n; i++) {
		int32_t k = a->codes[i];
		if (k >= 0 && strata_pq_is_valid(c, i)) {
			size_t len = (size_t)(a->dict_offsets[k + 1] - a->dict_offsets[k]);
			memcpy(c->bytes + pos, a->dict_bytes + a->dict_offsets[k], len);
			pos += len;
		}
		c->offsets[i + 1] = (int64_t)pos;
	}
	return 0;
}

/* Fill table column c from ABI column a (n rows), borrowing what it can. */
static int import_column(const strata_abi_column *a, size_t n, strata_pq_column *c, unsigned *owned)
{
	if (!a->name || a->type < STRATA_ABI_INT8 || a->type > STRATA_ABI_STRING)
		return strata_error_set(STRATA_EINVAL, "column %s: no name or unknown type %d",
		                        a->name ? a->name : "(null)", (int)a->type);
	c->name = (char *)a->name; /* borrowed; never freed through c */
	c->type = (strata_pq_type)a->type;
	c->unit = STRATA_PQ_NANOS;
	c->utc = (a->flags & STRATA_ABI_UTC) != 0;
	c->validity = (uint8_t *)a->validity;
	if (a->type == STRATA_ABI_STRING) {
		if (a->codes)
			return expand_codes(a, n, c, owned);
		if (!a->offsets || (!a->bytes && a->offsets[n] != 0))
			return strata_error_set(STRATA_EINVAL, "column %s: no string buffers",
			                        a->name);
		c->offsets = (int64_t *)a->offsets;
		c->bytes = (char *)a->bytes;
		return check_offsets(a->name, a->offsets, n);
	}
	if (!a->values && n)
		return strata_error_set(STRATA_EINVAL, "column %s: no values", a->name);
	if (same_layout(a->type)) {
		c->values = (void *)a->values;
		return 0;
	}
	*owned |= OWN_VALUES;
	return widen_values(a, n, c);
}

/* Build a table over the caller's columns. */
static int import_table(const strata_abi_column *cols, size_t ncols, size_t nrows, in_table *in)
{
	int rc = 0;

	memset(in, 0, sizeof *in);
	if (!cols && ncols)
		return strata_error_set(STRATA_EINVAL, "no columns");
	in->t.nrows = nrows;
	in->t.cols = calloc(ncols ? ncols : 1, sizeof *in->t.cols);
	in->owned = calloc(ncols ? ncols : 1, sizeof *in->owned);
	in->zones = calloc(2 * ncols + 1, sizeof *in->zones);
	if (!in->t.cols || !in->owned || !in->zones) {
		in_table_free(in);
		return strata_error_set(STRATA_ENOMEM, "out of memory");
	}
	for (size_t i = 0, z = 0; !rc && i < ncols; i++) {
		in->t.ncols = i + 1;
		rc = import_column(&cols[i], nrows, &in->t.cols[i], &in->owned[i]);
		if (!rc && cols[i].tz) {
			in->zones[z++] = cols[i].name;
			in->zones[z++] = cols[i].tz;
		}
	}
	if (rc)
		in_table_free(in);
	return rc;
}

/* root, or the default root into buf. */
static int resolve_root(const char *root, char *buf, size_t len, const char **out)
{
	*out = root;
	if (root)
		return 0;
	*out = buf;
	return store_root(buf, len);
}

int strata_abi_write(const char *root, const char *store, const char *collection, const char *item,
                     const strata_abi_column *cols, size_t ncols, size_t nrows, const char *key,
                     const char *key2, const char *metadata_json, int overwrite, size_t part_rows)
{
	strata_store_options opts = {.part_rows = part_rows, .key2_column = key2};
	char buf[STORE_PATH_MAX];
	in_table in;
	int rc;

	strata_error_clear();
	if ((rc = resolve_root(root, buf, sizeof buf, &root)) ||
	    (rc = import_table(cols, ncols, nrows, &in)))
		return rc;
	opts.timezones = in.zones;
	rc = strata_store_write(root, store, collection, item, &in.t, key, metadata_json, overwrite,
	                        &opts);
	in_table_free(&in);
	return rc;
}

int strata_abi_append(const char *root, const char *store, const char *collection, const char *item,
                      const strata_abi_column *cols, size_t ncols, size_t nrows, int dup,
                      const char *metadata_json, size_t part_rows)
{
	strata_store_options opts = {.part_rows = part_rows, .metadata_merge = metadata_json};
	char buf[STORE_PATH_MAX];
	in_table in;
	int rc;

	strata_error_clear();
	if (dup < STRATA_STORE_KEEP_LAST || dup > STRATA_STORE_DUP_ERROR)
		return strata_error_set(STRATA_EINVAL, "item %s: unknown duplicate handling %d",
		                        item ? item : "(null)", dup);
	if ((rc = resolve_root(root, buf, sizeof buf, &root)) ||
	    (rc = import_table(cols, ncols, nrows, &in)))
		return rc;
	opts.timezones = in.zones;
	rc =
	    strata_store_append(root, store, collection, item, &in.t, (strata_store_dup)dup, &opts);
	in_table_free(&in);
	return rc;
}

/* ---- read: a table to ABI columns --------------------------------------- */

/* Native-width copy of an int32 array holding int8/16 or uint8/16 values. */
static int narrow_values(const strata_pq_column *c, size_t n, abi_col *out)
{
	const int32_t *v = c->values;
	size_t w = abi_width((int32_t)c->type);

	if (!(out->narrow = malloc(n ? n * w : 1)))
		return strata_error_set(STRATA_ENOMEM, "column %s: out of memory", c->name);
	for (size_t i = 0; i < n; i++) {
		if (w == 1)
			((uint8_t *)out->narrow)[i] = (uint8_t)v[i];
		else
			((uint16_t *)out->narrow)[i] = (uint16_t)v[i];
	}
	out->pub.values = out->narrow;
	return 0;
}

/* Hash of a byte string (FNV-1a). */
static uint64_t hash_bytes(const char *p, size_t len)
{
	uint64_t h = 1469598103934665603ULL;

	for (size_t i = 0; i < len; i++)
		h = (h ^ (uint8_t)p[i]) * 1099511628211ULL;
	return h;
}

/* Open-addressing set of the distinct strings of a column: slots hold
 * dictionary index + 1 (0 = empty). */
typedef struct dict_builder {
	const strata_pq_column *c;
	int32_t *slots;
	size_t mask;
	int64_t *first_row; /* per dictionary entry: a row holding it */
	size_t count;
} dict_builder;

/* Whether rows i and j of the column hold the same string. */
static int same_string(const strata_pq_column *c, size_t i, size_t j)
{
	int64_t li = c->offsets[i + 1] - c->offsets[i], lj = c->offsets[j + 1] - c->offsets[j];

	return li == lj && !memcmp(c->bytes + c->offsets[i], c->bytes + c->offsets[j], (size_t)li);
}

/* The dictionary index of row i's string, adding it when new. */
static int32_t dict_code(dict_builder *d, size_t i)
{
	const strata_pq_column *c = d->c;
	size_t s =
	    hash_bytes(c->bytes + c->offsets[i], (size_t)(c->offsets[i + 1] - c->offsets[i])) &
	    d->mask;

	while (d->slots[s]) {
		int32_t k = d->slots[s] - 1;
		if (same_string(c, (size_t)d->first_row[k], i))
			return k;
		s = (s + 1) & d->mask;
	}
	d->first_row[d->count] = (int64_t)i;
	d->slots[s] = (int32_t)(++d->count);
	return (int32_t)(d->count - 1);
}

/* Copy the dictionary's strings (by their first rows) into out. */
static int dict_finish(const dict_builder *d, abi_col *out)
{
	const strata_pq_column *c = d->c;
	size_t total = 0, pos = 0;

	for (size_t k = 0; k < d->count; k++)
		total += (size_t)(c->offsets[d->first_row[k] + 1] - c->offsets[d->first_row[k]]);
	out->dict_offsets = malloc((d->count + 1) * sizeof *out->dict_offsets);
	out->dict_bytes = malloc(total ? total : 1);
	if (!out->dict_offsets || !out->dict_bytes)
		return strata_error_set(STRATA_ENOMEM, "column %s: out of memory", c->name);
	out->dict_offsets[0] = 0;
	for (size_t k = 0; k < d->count; k++) {
		int64_t r = d->first_row[k];
		size_t len = (size_t)(c->offsets[r + 1] - c->offsets[r]);
		memcpy(out->dict_bytes + pos, c->bytes + c->offsets[r], len);
		pos += len;
		out->dict_offsets[k + 1] = (int64_t)pos;
	}
	out->pub.dict_count = (int64_t)d->count;
	out->pub.dict_offsets = out->dict_offsets;
	out->pub.dict_bytes = out->dict_bytes;
	return 0;
}

/* Dictionary-encode a string column: codes per row (-1 null) and the
 * distinct strings in order of first appearance. */
static int encode_strings(const strata_pq_column *c, size_t n, abi_col *out)
{
	dict_builder d = {.c = c};
	size_t slots = 16;
	int rc = 0;

	if (n > INT32_MAX)
		return strata_error_set(STRATA_ELIMIT, "column %s: too many rows", c->name);
	while (slots < 2 * n)
		slots *= 2;
	d.mask = slots - 1;
	d.slots = calloc(slots, sizeof *d.slots);
	d.first_row = malloc((n ? n : 1) * sizeof *d.first_row);
	out->codes = malloc((n ? n : 1) * sizeof *out->codes);
	out->pub.codes = out->codes;
	if (!d.slots || !d.first_row || !out->codes) {
		rc = strata_error_set(STRATA_ENOMEM, "column %s: out of memory", c->name);
	} else {
		for (size_t i = 0; i < n; i++)
			out->codes[i] = strata_pq_is_valid(c, i) ? dict_code(&d, i) : -1;
		rc = dict_finish(&d, out);
	}
	free(d.slots);
	free(d.first_row);
	return rc;
}

/* Describe table column c (n rows) as an ABI column. */
static int export_column(const strata_pq_column *c, size_t n, abi_col *out)
{
	out->pub.name = c->name;
	out->pub.type = (int32_t)c->type;
	out->pub.flags = c->type == STRATA_PQ_TIMESTAMP && c->utc ? STRATA_ABI_UTC : 0;
	out->pub.validity = c->validity;
	if (c->type == STRATA_PQ_STRING) {
		out->pub.offsets = c->offsets;
		out->pub.bytes = c->bytes;
		return encode_strings(c, n, out);
	}
	if (c->type == STRATA_PQ_TIMESTAMP && c->unit != STRATA_PQ_NANOS) {
		int64_t mul = c->unit == STRATA_PQ_MICROS ? 1000 : 1000000;
		int64_t *v = c->values;
		for (size_t i = 0; i < n; i++) /* nanoseconds, as the ABI promises */
			v[i] = v[i] > INT64_MAX / mul || v[i] < INT64_MIN / mul ? INT64_MIN
			                                                        : v[i] * mul;
	}
	if (same_layout(out->pub.type)) {
		out->pub.values = c->values;
		return 0;
	}
	return narrow_values(c, n, out);
}

void strata_abi_table_free(strata_abi_table *t)
{
	if (!t)
		return;
	for (size_t i = 0; t->cols && i < t->pq.ncols; i++) {
		free(t->cols[i].narrow);
		free(t->cols[i].codes);
		free(t->cols[i].dict_offsets);
		free(t->cols[i].dict_bytes);
	}
	free(t->cols);
	strata_pq_table_free(&t->pq);
	strata_store_schema_free(&t->schema);
	free(t);
}

/* Export every column of t->pq. */
static int export_table(strata_abi_table *t)
{
	int rc = 0;

	if (!(t->cols = calloc(t->pq.ncols ? t->pq.ncols : 1, sizeof *t->cols)))
		return strata_error_set(STRATA_ENOMEM, "out of memory");
	for (size_t i = 0; !rc && i < t->pq.ncols; i++) {
		rc = export_column(&t->pq.cols[i], t->pq.nrows, &t->cols[i]);
		for (size_t k = 0; k < t->schema.ncols; k++)
			if (!strcmp(t->schema.cols[k].name, t->pq.cols[i].name) &&
			    t->pq.cols[i].type == STRATA_PQ_TIMESTAMP && t->pq.cols[i].utc)
				t->cols[i].pub.tz = t->schema.cols[k].tz;
	}
	return rc;
}

/* Read with the selection of o (filter_json parsed here) into t->pq. */
static int read_selected(const char *root, const char *store, const char *collection,
                         const char *item, strata_store_read_options *o, const char *filter_json,
                         strata_abi_table *t)
{
	strata_store_filter *filter = NULL;
	int rc;

	if (filter_json && (rc = strata_store_filter_parse_json(filter_json, &filter)))
		return strata_error_wrap(rc, "item %s: filters", item ? item : "(null)");
	o->filter = filter;
	o->stats = &t->stats;
	o->schema = &t->schema;
	rc = strata_store_read_ex(root, store, collection, item, o, &t->pq);
	strata_store_filter_free(filter);
	return rc;
}

int strata_abi_read(const char *root, const char *store, const char *collection, const char *item,
                    const char *snapshot, const char *const *columns, int64_t start, int64_t end,
                    const char *filter_json, size_t head, size_t tail, strata_abi_table **out)
{
	strata_store_read_options o;
	char buf[STORE_PATH_MAX];
	strata_abi_table *t;
	int rc;

	strata_error_clear();
	*out = NULL;
	if ((rc = resolve_root(root, buf, sizeof buf, &root)))
		return rc;
	if (!(t = calloc(1, sizeof *t)))
		return strata_error_set(STRATA_ENOMEM, "out of memory");
	strata_store_read_options_init(&o);
	o.columns = columns;
	o.start = start;
	o.end = end;
	o.head = head;
	o.tail = tail;
	o.snapshot = snapshot;
	rc = read_selected(root, store, collection, item, &o, filter_json, t);
	if (!rc)
		rc = export_table(t);
	if (rc)
		strata_abi_table_free(t);
	else
		*out = t;
	return rc;
}

void strata_abi_table_stats(const strata_abi_table *t, size_t stats[5])
{
	const strata_store_read_stats *s = &t->stats;

	stats[0] = s->parts_total;
	stats[1] = s->parts_read;
	stats[2] = s->row_groups_total;
	stats[3] = s->row_groups_read;
	stats[4] = s->rows_read;
}

size_t strata_abi_table_rows(const strata_abi_table *t)
{
	return t ? t->pq.nrows : 0;
}

size_t strata_abi_table_columns(const strata_abi_table *t)
{
	return t ? t->pq.ncols : 0;
}

int strata_abi_table_column(const strata_abi_table *t, size_t i, strata_abi_column *out)
{
	if (!t || i >= t->pq.ncols)
		return strata_error_set(STRATA_EINVAL, "no column %zu", i);
	*out = t->cols[i].pub;
	return 0;
}

/* ---- metadata, listings, deletion --------------------------------------- */

/* The folder holding item's files: its current version, or its copy in
 * snapshot. */
static int item_dir(const char *root, const char *store, const char *collection, const char *item,
                    const char *snapshot, char dir[STORE_PATH_MAX])
{
	struct stat st;
	int rc;

	if (!snapshot)
		return store_item_version_dir(root, store, collection, item, dir);
	if ((rc = store_check_name("store", store)) ||
	    (rc = store_check_name("collection", collection)) ||
	    (rc = store_check_name("item", item)) || (rc = store_check_name("snapshot", snapshot)))
		return rc;
	if (snprintf(dir, STORE_PATH_MAX, "%s/%s/%s/" STORE_SNAPSHOTS_DIR "/%s/%s", root, store,
	             collection, snapshot, item) >= STORE_PATH_MAX)
		return strata_error_set(STRATA_ELIMIT, "item %s: path too long", item);
	if (stat(dir, &st) != 0)
		return strata_error_set(STRATA_ENOTFOUND, "item %s: not in snapshot %s", item,
		                        snapshot);
	return 0;
}

int strata_abi_item_metadata(const char *root, const char *store, const char *collection,
                             const char *item, const char *snapshot, char **json)
{
	char buf[STORE_PATH_MAX], dir[STORE_PATH_MAX];
	json_t *meta = NULL;
	int rc;

	strata_error_clear();
	*json = NULL;
	if ((rc = resolve_root(root, buf, sizeof buf, &root)) ||
	    (rc = item_dir(root, store, collection, item, snapshot, dir)) ||
	    (rc = store_metadata_read(dir, &meta)))
		return rc;
	*json = json_dumps(meta, JSON_PRESERVE_ORDER | JSON_COMPACT);
	json_decref(meta);
	return *json ? 0 : strata_error_set(STRATA_ENOMEM, "item %s: out of memory", item);
}

/* root/store[/collection] into dir, names checked. */
static int container_dir(const char *root, const char *store, const char *collection,
                         char dir[STORE_PATH_MAX])
{
	int n, rc;

	if ((store && (rc = store_check_name("store", store))) ||
	    (collection && (rc = store_check_name("collection", collection))))
		return rc;
	if (!store)
		n = snprintf(dir, STORE_PATH_MAX, "%s", root);
	else if (!collection)
		n = snprintf(dir, STORE_PATH_MAX, "%s/%s", root, store);
	else
		n = snprintf(dir, STORE_PATH_MAX, "%s/%s/%s", root, store, collection);
	if (n >= STORE_PATH_MAX)
		return strata_error_set(STRATA_ELIMIT, "path too long under %s", root);
	return 0;
}

int strata_abi_list(const char *root, const char *store, const char *collection,
                    const char *filter_json, char ***names, size_t *count)
{
	char buf[STORE_PATH_MAX], dir[STORE_PATH_MAX];
	struct stat st;
	int rc;

	strata_error_clear();
	*names = NULL;
	*count = 0;
	if ((rc = resolve_root(root, buf, sizeof buf, &root)))
		return rc;
	if (store && collection)
		return strata_store_list_items(root, store, collection, filter_json, names, count);
	if ((rc = container_dir(root, store, NULL, dir)))
		return rc;
	if (stat(dir, &st) != 0)
		return store ? strata_error_set(STRATA_ENOTFOUND, "no store %s in %s", store, root)
		             : strata_error_set_errno("root %s", root);
	return store_list_dirs(dir, names, count);
}

void strata_abi_names_free(char **names)
{
	store_names_free(names);
}

int strata_abi_create(const char *root, const char *store, const char *collection)
{
	char buf[STORE_PATH_MAX], dir[STORE_PATH_MAX];
	int rc;

	strata_error_clear();
	if (!store)
		return strata_error_set(STRATA_EINVAL, "no store named");
	if ((rc = resolve_root(root, buf, sizeof buf, &root)) ||
	    (rc = container_dir(root, store, NULL, dir)) ||
	    (rc = store_ensure_dir(dir, "{\"engine\": \"pyarrow\"}")) || !collection)
		return rc;
	if ((rc = container_dir(root, store, collection, dir)))
		return rc;
	return store_ensure_dir(dir, "{}");
}

/* Remove root/store[/collection] when it exists. */
static int delete_dir(const char *root, const char *store, const char *collection)
{
	char buf[STORE_PATH_MAX], dir[STORE_PATH_MAX];
	struct stat st;
	int rc;

	strata_error_clear();
	if (!store)
		return strata_error_set(STRATA_EINVAL, "no store named");
	if ((rc = resolve_root(root, buf, sizeof buf, &root)) ||
	    (rc = container_dir(root, store, collection, dir)))
		return rc;
	if (lstat(dir, &st) != 0)
		return strata_error_set(STRATA_ENOTFOUND, "%s %s does not exist in %s",
		                        collection ? "collection" : "store",
		                        collection ? collection : store, root);
	return strata_remove_tree(dir);
}

int strata_abi_delete_collection(const char *root, const char *store, const char *collection)
{
	if (!collection)
		return strata_error_set(STRATA_EINVAL, "no collection named");
	return delete_dir(root, store, collection);
}

int strata_abi_delete_store(const char *root, const char *store)
{
	return delete_dir(root, store, NULL);
}

int strata_abi_default_root(char **out)
{
	char buf[STORE_PATH_MAX];
	int rc;

	strata_error_clear();
	*out = NULL;
	if ((rc = store_root(buf, sizeof buf)))
		return rc;
	if (!(*out = strdup(buf)))
		return strata_error_set(STRATA_ENOMEM, "out of memory");
	return 0;
}
