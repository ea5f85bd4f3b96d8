/*
 * manifest.c - an item version's manifest.json: key column, schema and
 * parts (file, rows, key range, size, CRC-32C, per-column statistics).
 *
 *   {"format": 1, "key": "index",
 *    "key2": "sym",
 *    "columns": [{"name": "index", "type": "TIMESTAMP", "unit": 0, "utc": true,
 *                 "tz": "Europe/Paris"}, ...],
 *    "parts": [{"file": "part.0.parquet", "rows": 10, "min": 0, "max": 9,
 *               "size": 1234, "crc32c": 305419896,
 *               "stats": {"px": [1.5, 9.0, 0], "sym": [null, null, 10], ...}}]}
 *
 * A column's stats are [min, max, nulls]; min and max are null when unknown
 * (no non-null value, or a bound that is not recorded).
 *
 * "key2" (the STRING column of a composite key) and a column's "tz" (its
 * time zone; UTC when absent) are optional, as are
 * "crc32c" and "stats" (older manifests lack them (older manifests lack them). The text
 * is hostile input: every field is checked before use.
 */
#include "store/item_internal.h"

#include "strata/error.h"
#include "strata/file.h"

#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MANIFEST_MAX   (256u << 20)
#define STAT_STR_MAX   256 /* longer string bounds are not recorded */
#define CRC_CHUNK      (1u << 20)
#define CRC32C_REFLECT 0x82F63B78u

void store_cols_free(colspec *cols, size_t n)
{
	for (size_t i = 0; cols && i < n; i++) {
		free(cols[i].name);
		free(cols[i].tz);
	}
	free(cols);
}

void store_manifest_free(manifest *m)
{
	free(m->key);
	free(m->key2);
	store_cols_free(m->cols, m->ncols);
	for (size_t i = 0; m->parts && i < m->nparts; i++)
		json_decref(m->parts[i].stats);
	free(m->parts);
	memset(m, 0, sizeof *m);
}

/* ---- CRC-32C -------------------------------------------------------------- */

static uint32_t crc_table[8][256];

/* Fill the slice-by-8 tables (idempotent; called before every use). */
static void crc_init(void)
{
	if (crc_table[0][1])
		return;
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;
		for (int k = 0; k < 8; k++)
			c = c & 1 ? (c >> 1) ^ CRC32C_REFLECT : c >> 1;
		crc_table[0][i] = c;
	}
	for (uint32_t i = 0; i < 256; i++)
		for (int t = 1; t < 8; t++)
			crc_table[t][i] =
			    (crc_table[t - 1][i] >> 8) ^ crc_table[0][crc_table[t - 1][i] & 0xff];
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
/* CRC-32C with the SSE4.2 crc32 instruction (the same polynomial as the
 * tables), 8 bytes a step: several GB/s instead of about one. */
__attribute__((target("sse4.2"))) static uint32_t crc32c_sse42(uint32_t crc, const uint8_t *p,
                                                               size_t len)
{
	uint64_t c = ~crc;

	for (; len >= 8; len -= 8, p += 8) {
		uint64_t v;
		memcpy(&v, p, 8);
		c = __builtin_ia32_crc32di(c, v);
	}
	while (len--)
		c = __builtin_ia32_crc32qi((uint32_t)c, *p++);
	return ~(uint32_t)c;
}
#define HAVE_CRC32C_SSE42 1
#endif

uint32_t store_crc32c(uint32_t crc, const void *data, size_t len)
{
	const uint8_t *p = data;

#ifdef HAVE_CRC32C_SSE42
	if (__builtin_cpu_supports("sse4.2"))
		return crc32c_sse42(crc, p, len);
#endif
	crc_init();
	crc = ~crc;
	for (; len >= 8; len -= 8, p += 8) {
		uint32_t lo = crc ^ ((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
		                     (uint32_t)p[3] << 24);
		crc = crc_table[7][lo & 0xff] ^ crc_table[6][(lo >> 8) & 0xff] ^
		      crc_table[5][(lo >> 16) & 0xff] ^ crc_table[4][lo >> 24] ^
		      crc_table[3][p[4]] ^ crc_table[2][p[5]] ^ crc_table[1][p[6]] ^
		      crc_table[0][p[7]];
	}
	while (len--)
		crc = (crc >> 8) ^ crc_table[0][(crc ^ *p++) & 0xff];
	return ~crc;
}

int store_file_crc(const char *path, uint32_t *crc, int64_t *size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	uint8_t *buf;
	ssize_t n;

	*crc = 0;
	*size = 0;
	if (fd < 0)
		return strata_error_set_errno("%s", path);
	if (!(buf = malloc(CRC_CHUNK))) {
		close(fd);
		return strata_error_set(STRATA_ENOMEM, "%s: out of memory", path);
	}
	while ((n = read(fd, buf, CRC_CHUNK)) > 0) {
		*crc = store_crc32c(*crc, buf, (size_t)n);
		*size += n;
	}
	free(buf);
	close(fd);
	return n < 0 ? strata_error_set_errno("cannot read %s", path) : 0;
}

/* ---- statistics ------------------------------------------------------------ */

/* Whether row i is present (validity NULL: all are), inlined in the
 * per-row loops below. */
static inline int row_valid(const uint8_t *vb, size_t i)
{
	return !vb || (vb[i / 8] >> (i % 8) & 1);
}

/* Value i of an integer-like column of element size sz (uint32 zero-extended). */
static inline int64_t int_value(const strata_pq_column *c, size_t sz, size_t i)
{
	if (sz == 8)
		return ((const int64_t *)c->values)[i];
	if (sz == 4)
		return c->type == STRATA_PQ_UINT32 ? (int64_t)((const uint32_t *)c->values)[i]
		                                   : ((const int32_t *)c->values)[i];
	return ((const uint8_t *)c->values)[i];
}

/* Min and max of the present, non-NaN values of a float or double column;
 * *have 0 when there is none. Returns the null count. */
static int64_t float_bounds(const strata_pq_column *c, size_t n, double *dmin, double *dmax,
                            int *have)
{
	int64_t nulls = 0;

	for (size_t i = 0; i < n; i++) {
		if (!row_valid(c->validity, i)) {
			nulls++;
			continue;
		}
		double v = c->type == STRATA_PQ_FLOAT ? ((const float *)c->values)[i]
		                                      : ((const double *)c->values)[i];
		if (isnan(v))
			continue;
		if (!*have || v < *dmin)
			*dmin = v;
		if (!*have || v > *dmax)
			*dmax = v;
		*have = 1;
	}
	return nulls;
}

/* Min and max of the present values of an integer-like column. Returns the
 * null count. */
static int64_t int_bounds(const strata_pq_column *c, size_t n, int64_t *imin, int64_t *imax,
                          int *have)
{
	size_t sz = strata_pq_type_size(c->type);
	int64_t nulls = 0;

	for (size_t i = 0; i < n; i++) {
		if (!row_valid(c->validity, i)) {
			nulls++;
			continue;
		}
		int64_t v = int_value(c, sz, i);
		if (!*have || v < *imin)
			*imin = v;
		if (!*have || v > *imax)
			*imax = v;
		*have = 1;
	}
	return nulls;
}

/* [min, max, nulls] of a numeric (or bool, timestamp) column. */
static json_t *numeric_stats(const strata_pq_column *c, size_t n)
{
	int have = 0;
	int64_t imin = 0, imax = 0, nulls;
	double dmin = 0, dmax = 0;
	int dbl = c->type == STRATA_PQ_FLOAT || c->type == STRATA_PQ_DOUBLE;

	nulls =
	    dbl ? float_bounds(c, n, &dmin, &dmax, &have) : int_bounds(c, n, &imin, &imax, &have);
	/* uint64 above INT64_MAX would compare wrongly as int64, and JSON has no
	 * infinities: no bounds then. */
	if (!have || c->type == STRATA_PQ_UINT64 || (dbl && (!isfinite(dmin) || !isfinite(dmax))))
		return json_pack("[n, n, I]", (json_int_t)nulls);
	if (dbl)
		return json_pack("[f, f, I]", dmin, dmax, (json_int_t)nulls);
	return json_pack("[I, I, I]", (json_int_t)imin, (json_int_t)imax, (json_int_t)nulls);
}

/* Byte-wise comparison of two slices. */
static int slice_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	int r = memcmp(a, b, alen < blen ? alen : blen);
	return r ? r : (alen > blen) - (alen < blen);
}

/* [min, max, nulls] of a string column; bounds longer than
 * STAT_STR_MAX bytes or not valid UTF-8 are left out. */
static json_t *string_stats(const strata_pq_column *c, size_t n)
{
	const char *lo = NULL, *hi = NULL;
	size_t lolen = 0, hilen = 0;
	int64_t nulls = 0;
	json_t *o;

	for (size_t i = 0; i < n; i++) {
		const char *s = c->bytes + c->offsets[i];
		size_t len = (size_t)(c->offsets[i + 1] - c->offsets[i]);
		if (!row_valid(c->validity, i)) {
			nulls++;
			continue;
		}
		if (!lo || slice_cmp(s, len, lo, lolen) < 0)
			lo = s, lolen = len;
		if (!hi || slice_cmp(s, len, hi, hilen) > 0)
			hi = s, hilen = len;
	}
	if (lo && lolen <= STAT_STR_MAX && hilen <= STAT_STR_MAX) {
		json_t *a = json_stringn(lo, lolen), *b = json_stringn(hi, hilen);
		if (a && b)
			return json_pack("[o, o, I]", a, b, (json_int_t)nulls);
		json_decref(a);
		json_decref(b);
	}
	o = json_pack("[n, n, I]", (json_int_t)nulls);
	return o;
}

json_t *store_table_stats(const strata_pq_table *t)
{
	json_t *o = json_object();

	for (size_t j = 0; o && j < t->ncols; j++) {
		const strata_pq_column *c = &t->cols[j];
		json_t *s = c->type == STRATA_PQ_STRING ? string_stats(c, t->nrows)
		                                        : numeric_stats(c, t->nrows);
		if (!s || json_object_set_new(o, c->name, s)) {
			json_decref(o);
			return NULL;
		}
	}
	return o;
}

/* ---- encode ---------------------------------------------------------------- */

static json_t *part_json(const part *p)
{
	json_t *o = json_pack("{s:s, s:I, s:I, s:I, s:I}", "file", p->file, "rows",
	                      (json_int_t)p->rows, "min", (json_int_t)p->min, "max",
	                      (json_int_t)p->max, "size", (json_int_t)p->size);

	if (o && p->has_crc)
		json_object_set_new(o, "crc32c", json_integer((json_int_t)p->crc));
	if (o && p->stats)
		json_object_set(o, "stats", p->stats);
	return o;
}

/* The manifest as a JSON tree (a new reference). */
json_t *store_manifest_json(const manifest *m)
{
	json_t *root = json_object(), *cols = json_array(), *parts = json_array();

	json_object_set_new(root, "format", json_integer(1));
	json_object_set_new(root, "key", json_string(m->key));
	if (m->key2)
		json_object_set_new(root, "key2", json_string(m->key2));
	for (size_t i = 0; i < m->ncols; i++) {
		json_t *c = json_pack("{s:s, s:s, s:i, s:b}", "name", m->cols[i].name, "type",
		                      strata_pq_type_name(m->cols[i].type), "unit",
		                      (int)m->cols[i].unit, "utc", m->cols[i].utc);
		if (c && m->cols[i].tz)
			json_object_set_new(c, "tz", json_string(m->cols[i].tz));
		json_array_append_new(cols, c);
	}
	for (size_t i = 0; i < m->nparts; i++)
		json_array_append_new(parts, part_json(&m->parts[i]));
	json_object_set_new(root, "columns", cols);
	json_object_set_new(root, "parts", parts);
	return root;
}

int store_manifest_save(const char *vdir, const manifest *m)
{
	char path[STORE_PATH_MAX];
	json_t *j = store_manifest_json(m);
	char *text = j ? json_dumps(j, JSON_PRESERVE_ORDER | JSON_COMPACT) : NULL;
	int rc;

	json_decref(j);
	if (!text)
		return strata_error_set(STRATA_ENOMEM, "%s: cannot encode manifest", vdir);
	snprintf(path, sizeof path, "%s/%s", vdir, STORE_MANIFEST_FILE);
	rc = strata_file_write_atomic(path, text, strlen(text), 0644);
	free(text);
	return rc;
}

/* ---- decode ---------------------------------------------------------------- */

static int type_from_name(const char *name, strata_pq_type *out)
{
	for (int t = STRATA_PQ_INT8; t <= STRATA_PQ_STRING; t++)
		if (!strcmp(strata_pq_type_name((strata_pq_type)t), name)) {
			*out = (strata_pq_type)t;
			return 0;
		}
	return -1;
}

/* The optional "tz" of column entry c (i): only on a UTC timestamp. */
static int load_col_tz(const char *name, size_t i, json_t *c, colspec *col)
{
	json_t *tz = json_object_get(c, "tz");

	if (!tz)
		return 0;
	if (!json_is_string(tz) || col->type != STRATA_PQ_TIMESTAMP || !col->utc ||
	    store_check_tz(name, col->name, json_string_value(tz)))
		return strata_error_set(STRATA_EPARSE, "%s: column %zu: bad tz", name, i);
	if (!(col->tz = strdup(json_string_value(tz))))
		return strata_error_set(STRATA_ENOMEM, "out of memory");
	return 0;
}

/* Decode "columns": names unique, types and units known. */
static int load_cols(const char *name, json_t *arr, manifest *m)
{
	size_t i;
	json_t *c;
	int rc;

	m->ncols = json_array_size(arr);
	if (!(m->cols = calloc(m->ncols ? m->ncols : 1, sizeof *m->cols)))
		return strata_error_set(STRATA_ENOMEM, "out of memory");
	json_array_foreach(arr, i, c)
	{
		const char *cname, *type;
		int unit, utc;
		if (json_unpack(c, "{s:s, s:s, s:i, s:b}", "name", &cname, "type", &type, "unit",
		                &unit, "utc", &utc) ||
		    type_from_name(type, &m->cols[i].type) || unit < 0 || unit > STRATA_PQ_MILLIS)
			return strata_error_set(STRATA_EPARSE, "%s: column %zu: bad entry", name,
			                        i);
		for (size_t k = 0; k < i; k++)
			if (!strcmp(m->cols[k].name, cname))
				return strata_error_set(STRATA_EPARSE,
				                        "%s: column %zu: repeated name %s", name, i,
				                        cname);
		m->cols[i].unit = (strata_pq_unit)unit;
		m->cols[i].utc = utc;
		if (!(m->cols[i].name = strdup(cname)))
			return strata_error_set(STRATA_ENOMEM, "out of memory");
		if ((rc = load_col_tz(name, i, c, &m->cols[i])))
			return rc;
	}
	return 0;
}

/* The optional "key2": a STRING column of the schema, not the key. */
static int load_key2(const char *name, json_t *j, manifest *m)
{
	json_t *k2 = json_object_get(j, "key2");

	if (!k2)
		return 0;
	for (size_t i = 0; json_is_string(k2) && i < m->ncols; i++)
		if (m->cols[i].name && !strcmp(m->cols[i].name, json_string_value(k2)) &&
		    m->cols[i].type == STRATA_PQ_STRING && strcmp(m->key, m->cols[i].name) != 0)
			return (m->key2 = strdup(m->cols[i].name))
			           ? 0
			           : strata_error_set(STRATA_ENOMEM, "out of memory");
	return strata_error_set(STRATA_EPARSE, "%s: key2 is not a string column", name);
}

/* A part file name: part.N.parquet-like, no path separators, no dot-dot. */
static int safe_part_name(const char *file)
{
	return *file && *file != '.' && strlen(file) < STORE_PART_NAME_SZ && !strchr(file, '/');
}

/* The optional fields of part entry p. */
static int load_part_extras(const char *name, size_t i, json_t *p, part *out)
{
	json_t *crc = json_object_get(p, "crc32c"), *stats = json_object_get(p, "stats");

	if (crc) {
		if (!json_is_integer(crc) || json_integer_value(crc) < 0 ||
		    json_integer_value(crc) > UINT32_MAX)
			return strata_error_set(STRATA_EPARSE, "%s: part %zu: bad crc32c", name, i);
		out->crc = (uint32_t)json_integer_value(crc);
		out->has_crc = 1;
	}
	if (stats) {
		if (!json_is_object(stats))
			return strata_error_set(STRATA_EPARSE, "%s: part %zu: bad stats", name, i);
		out->stats = json_incref(stats);
	}
	return 0;
}

/* Decode "parts": safe file names, sane counts and key ranges. */
static int load_parts(const char *name, json_t *arr, manifest *m)
{
	size_t i;
	json_t *p;
	int rc;

	m->nparts = json_array_size(arr);
	if (!(m->parts = calloc(m->nparts ? m->nparts : 1, sizeof *m->parts)))
		return strata_error_set(STRATA_ENOMEM, "out of memory");
	json_array_foreach(arr, i, p)
	{
		const char *file;
		json_int_t rows, min, max, size;
		if (json_unpack(p, "{s:s, s:I, s:I, s:I, s:I}", "file", &file, "rows", &rows, "min",
		                &min, "max", &max, "size", &size) ||
		    !safe_part_name(file) || rows < 0 || size < 0 || min > max)
			return strata_error_set(STRATA_EPARSE, "%s: part %zu: bad entry", name, i);
		snprintf(m->parts[i].file, STORE_PART_NAME_SZ, "%s", file);
		m->parts[i].rows = (size_t)rows;
		m->parts[i].min = min;
		m->parts[i].max = max;
		m->parts[i].size = size;
		if ((rc = load_part_extras(name, i, p, &m->parts[i])))
			return rc;
	}
	return 0;
}

int store_manifest_parse(const char *name, const char *text, size_t len, manifest *m)
{
	json_error_t err;
	json_t *j, *cols, *parts;
	const char *key;
	int rc;

	memset(m, 0, sizeof *m);
	j = json_loadb(text, len, JSON_REJECT_DUPLICATES, &err);
	if (!j)
		return strata_error_set(STRATA_EPARSE, "%s:%d:%d: %s", name, err.line, err.column,
		                        err.text);
	if (json_unpack(j, "{s:s, s:o, s:o}", "key", &key, "columns", &cols, "parts", &parts) ||
	    !json_is_array(cols) || !json_is_array(parts)) {
		json_decref(j);
		return strata_error_set(STRATA_EPARSE, "%s: not a strata manifest", name);
	}
	if (!(m->key = strdup(key)))
		rc = strata_error_set(STRATA_ENOMEM, "out of memory");
	else if (!(rc = load_cols(name, cols, m)) && !(rc = load_key2(name, j, m)))
		rc = load_parts(name, parts, m);
	json_decref(j);
	if (rc)
		store_manifest_free(m);
	return rc;
}

int store_manifest_load(const char *vdir, manifest *m)
{
	char path[STORE_PATH_MAX], *text;
	size_t len;
	int rc;

	memset(m, 0, sizeof *m);
	if (store_is_plain_item_dir(vdir)) /* written by PyStore */
		return store_pystore_manifest(vdir, m);
	snprintf(path, sizeof path, "%s/%s", vdir, STORE_MANIFEST_FILE);
	if ((rc = strata_file_read_all(path, MANIFEST_MAX, &text, &len)))
		return rc;
	rc = store_manifest_parse(path, text, len, m);
	free(text);
	return rc;
}
