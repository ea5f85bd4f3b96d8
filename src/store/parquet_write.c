/* parquet_write.c - the in-memory table and the Parquet writer. */
#include "store/item_internal.h"
#include "store/parquet.h"
#include "store/thrift.h"

#include <math.h>
#include <snappy-c.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#include "strata/error.h"
#include "strata/file.h"
#include "strata/workers.h"

/* ---- table --------------------------------------------------------------- */

static const char *const type_names[] = {
    "INT8",   "INT16",     "INT32", "UINT8",  "UINT16", "UINT32", "INT64",
    "UINT64", "TIMESTAMP", "FLOAT", "DOUBLE", "BOOL",   "STRING",
};

const char *strata_pq_type_name(strata_pq_type type)
{
	if ((unsigned)type > STRATA_PQ_STRING)
		return "?";
	return type_names[type];
}

size_t strata_pq_type_size(strata_pq_type type)
{
	switch (type) {
	case STRATA_PQ_INT64:
	case STRATA_PQ_UINT64:
	case STRATA_PQ_TIMESTAMP:
	case STRATA_PQ_DOUBLE: return 8;
	case STRATA_PQ_BOOL: return 1;
	case STRATA_PQ_STRING: return 0;
	default: return 4;
	}
}

void strata_pq_table_init(strata_pq_table *t, size_t nrows)
{
	memset(t, 0, sizeof *t);
	t->nrows = nrows;
}

static void column_free(strata_pq_column *c)
{
	free(c->name);
	free(c->values);
	free(c->offsets);
	free(c->bytes);
	free(c->validity);
}

void strata_pq_table_free(strata_pq_table *t)
{
	for (size_t i = 0; i < t->ncols; i++)
		column_free(&t->cols[i]);
	free(t->cols);
	memset(t, 0, sizeof *t);
}

/* strata_pq_is_valid, inlined in this file's per-row loops. */
static inline int valid_at(const strata_pq_column *c, size_t i)
{
	return !c->validity || (c->validity[i / 8] >> (i % 8) & 1);
}

int strata_pq_is_valid(const strata_pq_column *c, size_t i)
{
	return valid_at(c, i);
}

/* Append an empty column named name; *out points at it. */
static int table_push(strata_pq_table *t, const char *name, strata_pq_type type,
                      strata_pq_column **out)
{
	strata_pq_column *cols = realloc(t->cols, (t->ncols + 1) * sizeof *cols);

	if (!cols) {
		strata_error_set(STRATA_ENOMEM, "parquet table: out of memory");
		return STRATA_ENOMEM;
	}
	t->cols = cols;
	*out = &cols[t->ncols];
	memset(*out, 0, sizeof **out);
	(*out)->name = strdup(name);
	if (!(*out)->name) {
		strata_error_set(STRATA_ENOMEM, "parquet table: out of memory");
		return STRATA_ENOMEM;
	}
	(*out)->type = type;
	(*out)->utc = 1;
	t->ncols++;
	return 0;
}

static int copy_validity(strata_pq_table *t, strata_pq_column *c, const uint8_t *validity)
{
	size_t n = (t->nrows + 7) / 8;

	if (!validity)
		return 0;
	c->validity = calloc(n ? n : 1, 1);
	if (!c->validity)
		return strata_error_set(STRATA_ENOMEM, "parquet table: out of memory");
	memcpy(c->validity, validity, n);
	return 0;
}

int strata_pq_table_add(strata_pq_table *t, const char *name, strata_pq_type type,
                        const void *values, const uint8_t *validity, strata_pq_column **out)
{
	strata_pq_column *c;
	size_t size = strata_pq_type_size(type);
	int rc;

	if ((unsigned)type > STRATA_PQ_STRING || (type == STRATA_PQ_STRING && values))
		return strata_error_set(STRATA_EINVAL, "parquet table: column %s: bad type", name);
	rc = table_push(t, name, type, &c);
	if (rc != 0)
		return rc;
	if (out)
		*out = c;
	if (type == STRATA_PQ_STRING) {
		c->offsets = calloc(t->nrows + 1, sizeof *c->offsets);
		if (!c->offsets)
			return strata_error_set(STRATA_ENOMEM, "parquet table: out of memory");
		return copy_validity(t, c, validity);
	}
	c->values = calloc(t->nrows ? t->nrows : 1, size);
	if (!c->values)
		return strata_error_set(STRATA_ENOMEM, "parquet table: out of memory");
	if (values)
		memcpy(c->values, values, t->nrows * size);
	return copy_validity(t, c, validity);
}

int strata_pq_table_add_strings(strata_pq_table *t, const char *name, const char *const *strs,
                                int nullable)
{
	strata_pq_column *c;
	size_t total = 0;
	int rc;

	for (size_t i = 0; i < t->nrows; i++) {
		if (strs[i])
			total += strlen(strs[i]);
		else
			nullable = 1;
	}
	rc = table_push(t, name, STRATA_PQ_STRING, &c);
	if (rc != 0)
		return rc;
	c->offsets = calloc(t->nrows + 1, sizeof *c->offsets);
	c->bytes = malloc(total ? total : 1);
	if (nullable)
		c->validity = calloc((t->nrows + 7) / 8 + 1, 1);
	if (!c->offsets || !c->bytes || (nullable && !c->validity))
		return strata_error_set(STRATA_ENOMEM, "parquet table: out of memory");
	for (size_t i = 0; i < t->nrows; i++) {
		size_t n = strs[i] ? strlen(strs[i]) : 0;
		memcpy(c->bytes + c->offsets[i], strs[i] ? strs[i] : "", n);
		c->offsets[i + 1] = c->offsets[i] + (int64_t)n;
		if (nullable && strs[i])
			c->validity[i / 8] |= (uint8_t)(1u << (i % 8));
	}
	return 0;
}

/* The bytes of a STRING column ("" when it has none, e.g. all empty). */
static const char *sbytes(const strata_pq_column *c)
{
	return c->bytes ? c->bytes : "";
}

/* ---- writer state ------------------------------------------------------- */

typedef struct pq_writer {
	const char *path;
	const strata_pq_write_options *opt;
	strata_atomic_file af;
	int64_t pos;  /* bytes written so far */
	uint32_t crc; /* CRC-32C of those bytes */
} pq_writer;

/* One column chunk being encoded, independently of the others (so the
 * chunks of a row group are encoded in parallel and written in order):
 * its pages go to out, with offsets in cm relative to out's start. */
typedef struct chunk_enc {
	const pq_writer *w;
	strata_buf body;   /* page body being built */
	strata_buf packed; /* compressed body */
	strata_buf header; /* page header */
	strata_buf stats;  /* min/max bytes of the chunk */
	strata_buf out;    /* the chunk's encoded pages */
} chunk_enc;

static int out_write(pq_writer *w, const void *data, size_t len)
{
	if (len && fwrite(data, 1, len, w->af.fp) != len)
		return strata_error_set_errno("%s: write", w->path);
	if (w->opt->crc32c)
		w->crc = store_crc32c(w->crc, data, len);
	w->pos += (int64_t)len;
	return 0;
}

static int put_le(strata_buf *b, uint64_t v, int n)
{
	uint8_t le[8];

	for (int i = 0; i < n; i++)
		le[i] = (uint8_t)(v >> (8 * i));
	return strata_buf_append(b, le, (size_t)n);
}

/* Compress w->body into w->packed with the chosen codec. */
static int compress_body(chunk_enc *w, const char *col)
{
	size_t n = w->body.len, cap;
	const char *src = w->body.data ? w->body.data : "";

	strata_buf_reset(&w->packed);
	if (w->w->opt->codec == STRATA_PQ_UNCOMPRESSED)
		return strata_buf_append(&w->packed, src, n);
	cap = w->w->opt->codec == STRATA_PQ_SNAPPY ? snappy_max_compressed_length(n)
	                                           : ZSTD_compressBound(n);
	if (strata_buf_grow(&w->packed, cap) != 0)
		return strata_error_set(STRATA_ENOMEM, "%s: column %s: out of memory", w->w->path,
		                        col);
	if (w->w->opt->codec == STRATA_PQ_SNAPPY) {
		if (snappy_compress(src, n, w->packed.data, &cap) != SNAPPY_OK)
			return strata_error_set(STRATA_ERR, "%s: column %s: snappy failed",
			                        w->w->path, col);
	} else {
		int level = w->w->opt->zstd_level ? w->w->opt->zstd_level : 3;
		cap = ZSTD_compress(w->packed.data, cap, src, n, level);
		if (ZSTD_isError(cap))
			return strata_error_set(STRATA_ERR, "%s: column %s: zstd: %s", w->w->path,
			                        col, ZSTD_getErrorName(cap));
	}
	w->packed.len = cap;
	return 0;
}

/* Compress the body and write header + page; adds sizes to the chunk. */
static int write_page(chunk_enc *w, st_pq_page_header *h, st_pq_chunk_meta *cm, const char *col)
{
	int rc = compress_body(w, col);

	if (rc != 0)
		return rc;
	if (w->body.len > INT32_MAX || w->packed.len > INT32_MAX)
		return strata_error_set(STRATA_ELIMIT,
		                        "%s: column %s: page over 2 GiB; use smaller "
		                        "row groups",
		                        w->w->path, col);
	h->uncompressed_size = (int32_t)w->body.len;
	h->compressed_size = (int32_t)w->packed.len;
	strata_buf_reset(&w->header);
	rc = st_pq_encode_page_header(&w->header, h);
	if (rc != 0)
		return rc;
	if (strata_buf_append(&w->out, w->header.data, w->header.len) != 0 ||
	    strata_buf_append(&w->out, w->packed.data, w->packed.len) != 0)
		return strata_error_set(STRATA_ENOMEM, "%s: column %s: out of memory", w->w->path,
		                        col);
	cm->total_uncompressed += (int64_t)(w->header.len + w->body.len);
	cm->total_compressed += (int64_t)(w->header.len + w->packed.len);
	return rc;
}

/* ---- encodings ------------------------------------------------------------ */

/* The first row j in i..r1 whose validity differs from row i's (r1 if
 * none); whole bitmap bytes of the same state are skipped at once. */
static size_t validity_run_end(const strata_pq_column *c, size_t i, size_t r1)
{
	const uint8_t *vb = c->validity;
	int v = valid_at(c, i);
	uint8_t same = v ? 0xff : 0x00;
	size_t j = i + 1;

	if (!vb)
		return r1;
	while (j < r1) {
		if (j % 8 == 0 && j + 64 <= r1) { /* 64 rows at once */
			uint64_t word;
			memcpy(&word, vb + j / 8, 8);
			if (word == (v ? UINT64_MAX : 0)) {
				j += 64;
				continue;
			}
		}
		if (j % 8 == 0 && j + 8 <= r1 && vb[j / 8] == same) {
			j += 8;
			continue;
		}
		if ((vb[j / 8] >> (j % 8) & 1) != v)
			break;
		j++;
	}
	return j;
}

/* RLE runs of bit width 1 (definition levels), with the 4-byte length. */
static int put_def_levels(strata_buf *b, const strata_pq_column *c, size_t r0, size_t r1)
{
	size_t at = b->len;
	int rc = put_le(b, 0, 4);

	for (size_t i = r0; rc == 0 && i < r1;) {
		int v = valid_at(c, i);
		size_t j = validity_run_end(c, i, r1);
		rc = st_varint_put(b, (uint64_t)(j - i) << 1);
		if (rc == 0)
			rc = strata_buf_putc(b, (char)v);
		i = j;
	}
	if (rc == 0) {
		uint32_t n = (uint32_t)(b->len - at - 4);
		for (int k = 0; k < 4; k++)
			b->data[at + k] = (char)(n >> (8 * k));
	}
	return rc;
}

/* Bit-packed groups of 8 values of bit width bw (RLE/bit-packed hybrid):
 * values are shifted into a 64-bit accumulator and flushed a byte at a time. */
static int put_bitpacked(strata_buf *b, const uint32_t *v, size_t n, int bw)
{
	size_t groups = (n + 7) / 8, at;
	int rc = st_varint_put(b, (uint64_t)groups << 1 | 1);
	uint64_t acc = 0;
	int nbits = 0;
	uint8_t *out;

	if (rc == 0)
		rc = strata_buf_grow(b, groups * (size_t)bw);
	if (rc != 0)
		return rc;
	at = b->len;
	out = (uint8_t *)b->data + at;
	for (size_t i = 0; i < groups * 8; i++) {
		acc |= (uint64_t)(i < n ? v[i] : 0) << nbits;
		nbits += bw;
		while (nbits >= 8) {
			*out++ = (uint8_t)acc;
			acc >>= 8;
			nbits -= 8;
		}
	}
	b->len = at + groups * (size_t)bw;
	b->data[b->len] = '\0';
	return 0;
}

/* PLAIN values of the non-null rows r0..r1 of a fixed-size column: runs of
 * present rows are copied whole. */
static int put_plain_fixed(strata_buf *b, const strata_pq_column *c, size_t r0, size_t r1)
{
	size_t size = strata_pq_type_size(c->type);
	const char *v = c->values;
	int rc = 0;

	if (!c->validity)
		return strata_buf_append(b, v + r0 * size, (r1 - r0) * size);
	for (size_t i = r0; rc == 0 && i < r1;) {
		size_t j = validity_run_end(c, i, r1);
		if (valid_at(c, i))
			rc = strata_buf_append(b, v + i * size, (j - i) * size);
		i = j;
	}
	return rc;
}

/* PLAIN values of the non-null rows r0..r1. */
static int put_plain(strata_buf *b, const strata_pq_column *c, size_t r0, size_t r1)
{
	int rc = 0;
	uint8_t acc = 0;
	int nbits = 0;

	if (c->type != STRATA_PQ_BOOL && c->type != STRATA_PQ_STRING)
		return put_plain_fixed(b, c, r0, r1);
	for (size_t i = r0; rc == 0 && i < r1; i++) {
		if (!valid_at(c, i))
			continue;
		if (c->type == STRATA_PQ_BOOL) {
			acc |= (uint8_t)((((uint8_t *)c->values)[i] != 0) << nbits);
			if (++nbits == 8) {
				rc = strata_buf_putc(b, (char)acc);
				acc = 0;
				nbits = 0;
			}
		} else {
			int64_t len = c->offsets[i + 1] - c->offsets[i];
			rc = put_le(b, (uint64_t)len, 4);
			if (rc == 0)
				rc = strata_buf_append(b, sbytes(c) + c->offsets[i], (size_t)len);
		}
	}
	if (rc == 0 && nbits > 0)
		rc = strata_buf_putc(b, (char)acc);
	return rc;
}

/* ---- dictionary for strings ---------------------------------------------- */

typedef struct pq_dict {
	uint32_t *slots; /* entry index + 1; 0 empty */
	size_t nslots;
	size_t *rows; /* row of each entry's first occurrence */
	size_t n;
	size_t bytes;  /* PLAIN size of the entries */
	uint32_t *idx; /* per non-null row */
	size_t nidx;
} pq_dict;

static uint64_t hash_bytes(const char *p, size_t n)
{
	uint64_t h = 1469598103934665603ull;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (uint8_t)p[i]) * 1099511628211ull;
	return h;
}

static void dict_free(pq_dict *d)
{
	free(d->slots);
	free(d->rows);
	free(d->idx);
	memset(d, 0, sizeof *d);
}

/* Find or add row i's string; returns its index, or -1 on overflow/ENOMEM. */
static int64_t dict_add(pq_dict *d, const strata_pq_column *c, size_t i, size_t max_bytes)
{
	const char *s = sbytes(c) + c->offsets[i];
	size_t len = (size_t)(c->offsets[i + 1] - c->offsets[i]);
	size_t h = (size_t)hash_bytes(s, len) & (d->nslots - 1);

	for (;; h = (h + 1) & (d->nslots - 1)) {
		uint32_t e = d->slots[h];
		if (e == 0)
			break;
		size_t r = d->rows[e - 1];
		size_t rl = (size_t)(c->offsets[r + 1] - c->offsets[r]);
		if (rl == len && memcmp(sbytes(c) + c->offsets[r], s, len) == 0)
			return e - 1;
	}
	d->bytes += 4 + len;
	if (d->bytes > max_bytes)
		return -1;
	d->rows[d->n] = i;
	d->slots[h] = (uint32_t)++d->n;
	return (int64_t)d->n - 1;
}

/* Build a dictionary of rows r0..r1; returns 1 when it fits, 0 to fall
 * back to PLAIN, or a negative error. */
static int dict_build(pq_dict *d, const strata_pq_column *c, size_t r0, size_t r1, size_t max)
{
	size_t n = r1 - r0;

	memset(d, 0, sizeof *d);
	d->nslots = 16;
	while (d->nslots < 2 * n)
		d->nslots *= 2;
	d->slots = calloc(d->nslots, sizeof *d->slots);
	d->rows = malloc((n ? n : 1) * sizeof *d->rows);
	d->idx = malloc((n ? n : 1) * sizeof *d->idx);
	if (!d->slots || !d->rows || !d->idx)
		return strata_error_set(STRATA_ENOMEM, "parquet writer: out of memory");
	for (size_t i = r0; i < r1; i++) {
		if (!valid_at(c, i))
			continue;
		int64_t e = dict_add(d, c, i, max);
		if (e < 0)
			return 0;
		d->idx[d->nidx++] = (uint32_t)e;
	}
	return 1;
}

static int bit_width(size_t maxval)
{
	int bw = 1;

	while (bw < 32 && (maxval >> bw) != 0)
		bw++;
	return bw;
}

/* ---- statistics ------------------------------------------------------------ */

/* Compare two values of rows a and b in the column's sort order. */
static int value_cmp(const strata_pq_column *c, size_t a, size_t b)
{
	const void *v = c->values;

	switch (c->type) {
	case STRATA_PQ_UINT8:
	case STRATA_PQ_UINT16:
	case STRATA_PQ_UINT32: {
		uint32_t x = (uint32_t)((const int32_t *)v)[a],
		         y = (uint32_t)((const int32_t *)v)[b];
		return (x > y) - (x < y);
	}
	case STRATA_PQ_UINT64: {
		uint64_t x = (uint64_t)((const int64_t *)v)[a],
		         y = (uint64_t)((const int64_t *)v)[b];
		return (x > y) - (x < y);
	}
	case STRATA_PQ_INT64:
	case STRATA_PQ_TIMESTAMP: {
		int64_t x = ((const int64_t *)v)[a], y = ((const int64_t *)v)[b];
		return (x > y) - (x < y);
	}
	case STRATA_PQ_FLOAT: {
		float x = ((const float *)v)[a], y = ((const float *)v)[b];
		return (x > y) - (x < y);
	}
	case STRATA_PQ_DOUBLE: {
		double x = ((const double *)v)[a], y = ((const double *)v)[b];
		return (x > y) - (x < y);
	}
	case STRATA_PQ_BOOL: return (((const uint8_t *)v)[a] != 0) - (((const uint8_t *)v)[b] != 0);
	case STRATA_PQ_STRING: {
		size_t la = (size_t)(c->offsets[a + 1] - c->offsets[a]);
		size_t lb = (size_t)(c->offsets[b + 1] - c->offsets[b]);
		int r =
		    memcmp(sbytes(c) + c->offsets[a], sbytes(c) + c->offsets[b], la < lb ? la : lb);
		return r ? r : (la > lb) - (la < lb);
	}
	default: {
		int32_t x = ((const int32_t *)v)[a], y = ((const int32_t *)v)[b];
		return (x > y) - (x < y);
	}
	}
}

static int is_nan_row(const strata_pq_column *c, size_t i)
{
	if (c->type == STRATA_PQ_FLOAT)
		return isnan(((const float *)c->values)[i]);
	if (c->type == STRATA_PQ_DOUBLE)
		return isnan(((const double *)c->values)[i]);
	return 0;
}

/* Append row i's value as PLAIN statistics bytes (no length prefix); a zero
 * float becomes -0.0 for a min and +0.0 for a max, as the spec asks. */
static int put_stat(strata_buf *b, const strata_pq_column *c, size_t i, int is_max)
{
	size_t size = strata_pq_type_size(c->type);

	if (c->type == STRATA_PQ_STRING)
		return strata_buf_append(b, sbytes(c) + c->offsets[i],
		                         (size_t)(c->offsets[i + 1] - c->offsets[i]));
	if (c->type == STRATA_PQ_DOUBLE && ((const double *)c->values)[i] == 0.0) {
		double z = is_max ? 0.0 : -0.0;
		return strata_buf_append(b, &z, 8);
	}
	if (c->type == STRATA_PQ_FLOAT && ((const float *)c->values)[i] == 0.0f) {
		float z = is_max ? 0.0f : -0.0f;
		return strata_buf_append(b, &z, 4);
	}
	return strata_buf_append(b, (const char *)c->values + i * size, size);
}

#define MAX_STAT_STRING 4096

/* The rows of the smallest and largest values of rows r0..r1 (r1 > r0) of a
 * column without nulls of int64 or double values (NaN skipped; lo stays
 * SIZE_MAX when all are NaN): the common case, in one tight loop. */
static void minmax_dense(const strata_pq_column *c, size_t r0, size_t r1, size_t *lo, size_t *hi)
{
	if (c->type == STRATA_PQ_DOUBLE) {
		const double *v = c->values;
		for (size_t i = r0; i < r1; i++) {
			if (isnan(v[i]))
				continue;
			if (*lo == SIZE_MAX || v[i] < v[*lo])
				*lo = i;
			if (*hi == SIZE_MAX || v[i] > v[*hi])
				*hi = i;
		}
		return;
	}
	const int64_t *v = c->values;
	*lo = *hi = r0;
	for (size_t i = r0 + 1; i < r1; i++) {
		*lo = v[i] < v[*lo] ? i : *lo;
		*hi = v[i] > v[*hi] ? i : *hi;
	}
}

/* Fill cm->stats for rows r0..r1: null count, min and max (NaN ignored). */
static int chunk_stats(chunk_enc *w, const strata_pq_column *c, size_t r0, size_t r1,
                       st_pq_chunk_meta *cm)
{
	size_t lo = SIZE_MAX, hi = SIZE_MAX, min_at, max_at;
	int64_t nulls = 0;
	int rc;
	int dense = r1 > r0 && validity_run_end(c, r0, r1) == r1 && valid_at(c, r0) &&
	            (c->type == STRATA_PQ_DOUBLE || c->type == STRATA_PQ_INT64 ||
	             c->type == STRATA_PQ_TIMESTAMP);

	if (dense)
		minmax_dense(c, r0, r1, &lo, &hi);
	for (size_t i = dense ? r1 : r0; i < r1; i++) {
		if (!valid_at(c, i)) {
			nulls++;
			continue;
		}
		if (is_nan_row(c, i))
			continue;
		if (lo == SIZE_MAX || value_cmp(c, i, lo) < 0)
			lo = i;
		if (hi == SIZE_MAX || value_cmp(c, i, hi) > 0)
			hi = i;
	}
	cm->stats.has_null_count = 1;
	cm->stats.null_count = nulls;
	if (lo == SIZE_MAX)
		return 0;
	if (c->type == STRATA_PQ_STRING && (c->offsets[lo + 1] - c->offsets[lo] > MAX_STAT_STRING ||
	                                    c->offsets[hi + 1] - c->offsets[hi] > MAX_STAT_STRING))
		return 0;
	strata_buf_reset(&w->stats);
	rc = put_stat(&w->stats, c, lo, 0);
	min_at = w->stats.len;
	if (rc == 0)
		rc = put_stat(&w->stats, c, hi, 1);
	if (rc != 0)
		return strata_error_set(STRATA_ENOMEM, "parquet writer: out of memory");
	max_at = w->stats.len;
	/* The buffer is stable until the next chunk: the footer copies it. */
	cm->stats.has_min = cm->stats.has_max = 1;
	cm->stats.min.len = min_at;
	cm->stats.max.len = max_at - min_at;
	return 0;
}

/* ---- column chunks --------------------------------------------------------- */

static int32_t physical_type(strata_pq_type t)
{
	switch (t) {
	case STRATA_PQ_INT64:
	case STRATA_PQ_UINT64:
	case STRATA_PQ_TIMESTAMP: return ST_PQ_INT64;
	case STRATA_PQ_FLOAT: return ST_PQ_FLOAT;
	case STRATA_PQ_DOUBLE: return ST_PQ_DOUBLE;
	case STRATA_PQ_BOOL: return ST_PQ_BOOLEAN;
	case STRATA_PQ_STRING: return ST_PQ_BYTE_ARRAY;
	default: return ST_PQ_INT32;
	}
}

/* Write the chunk's one data page (values encoded with encoding, already in
 * w->body) and record it in cm: PLAIN values and RLE levels always, plus
 * RLE_DICTIONARY for a dictionary-encoded chunk. */
static int write_data_page(chunk_enc *w, const strata_pq_column *c, size_t nrows, int32_t encoding,
                           st_pq_chunk_meta *cm)
{
	st_pq_page_header h = {0};

	h.type = ST_PQ_DATA_PAGE;
	h.num_values = (int32_t)nrows;
	h.encoding = encoding;
	cm->data_page_offset = (int64_t)w->out.len; /* relative */
	cm->encodings[0] = ST_PQ_ENC_PLAIN;
	cm->encodings[1] = ST_PQ_ENC_RLE;
	cm->nencodings = 2;
	if (encoding == ST_PQ_ENC_RLE_DICT)
		cm->encodings[cm->nencodings++] = ST_PQ_ENC_RLE_DICT;
	return write_page(w, &h, cm, c->name);
}

/* Write the dictionary page (PLAIN entries) and the index data page. */
static int write_dict_chunk(chunk_enc *w, const strata_pq_column *c, size_t r0, size_t r1,
                            pq_dict *d, st_pq_chunk_meta *cm)
{
	st_pq_page_header h = {0};
	int bw = bit_width(d->n ? d->n - 1 : 0), rc = 0;

	strata_buf_reset(&w->body);
	for (size_t k = 0; rc == 0 && k < d->n; k++) {
		size_t r = d->rows[k];
		int64_t len = c->offsets[r + 1] - c->offsets[r];
		rc = put_le(&w->body, (uint64_t)len, 4);
		if (rc == 0)
			rc = strata_buf_append(&w->body, sbytes(c) + c->offsets[r], (size_t)len);
	}
	if (rc != 0)
		return strata_error_set(STRATA_ENOMEM, "parquet writer: out of memory");
	h.type = ST_PQ_DICT_PAGE;
	h.num_values = (int32_t)d->n;
	h.encoding = ST_PQ_ENC_PLAIN;
	cm->dictionary_page_offset = (int64_t)w->out.len;
	rc = write_page(w, &h, cm, c->name);
	if (rc != 0)
		return rc;
	strata_buf_reset(&w->body);
	if (c->validity)
		rc = put_def_levels(&w->body, c, r0, r1);
	if (rc == 0)
		rc = strata_buf_putc(&w->body, (char)bw);
	if (rc == 0)
		rc = put_bitpacked(&w->body, d->idx, d->nidx, bw);
	if (rc != 0)
		return strata_error_set(STRATA_ENOMEM, "parquet writer: out of memory");
	return write_data_page(w, c, r1 - r0, ST_PQ_ENC_RLE_DICT, cm);
}

static int write_plain_chunk(chunk_enc *w, const strata_pq_column *c, size_t r0, size_t r1,
                             st_pq_chunk_meta *cm)
{
	int rc = 0;

	strata_buf_reset(&w->body);
	if (c->validity)
		rc = put_def_levels(&w->body, c, r0, r1);
	if (rc == 0)
		rc = put_plain(&w->body, c, r0, r1);
	if (rc != 0)
		return strata_error_set(STRATA_ENOMEM, "parquet writer: out of memory");
	return write_data_page(w, c, r1 - r0, ST_PQ_ENC_PLAIN, cm);
}

/* Write one column chunk (rows r0..r1) and fill its metadata. */
static int write_chunk(chunk_enc *w, const strata_pq_column *c, size_t r0, size_t r1,
                       st_pq_chunk_meta *cm)
{
	pq_dict d = {0};
	int rc = 0;

	memset(cm, 0, sizeof *cm);
	cm->type = physical_type(c->type);
	cm->codec = w->w->opt->codec;
	cm->path.p = (const uint8_t *)c->name;
	cm->path.len = strlen(c->name);
	cm->num_values = (int64_t)(r1 - r0);
	cm->dictionary_page_offset = -1;
	if (c->type == STRATA_PQ_STRING && !w->w->opt->no_dictionary && r1 > r0)
		rc = dict_build(&d, c, r0, r1,
		                w->w->opt->dict_max_bytes ? w->w->opt->dict_max_bytes
		                                          : (size_t)1 << 20);
	if (rc > 0 && d.nidx == 0)
		rc = 0; /* all null: nothing to index */
	if (rc > 0)
		rc = write_dict_chunk(w, c, r0, r1, &d, cm);
	else if (rc == 0)
		rc = write_plain_chunk(w, c, r0, r1, cm);
	dict_free(&d);
	if (rc == 0)
		rc = chunk_stats(w, c, r0, r1, cm);
	return rc;
}

/* ---- schema and footer ------------------------------------------------- */

/* Schema element of column c: physical, logical and converted types. */
static void schema_el(const strata_pq_column *c, st_pq_schema_el *e)
{
	static const int bits[] = {8, 16, 32, 8, 16, 32};

	memset(e, 0, sizeof *e);
	e->name.p = (const uint8_t *)c->name;
	e->name.len = strlen(c->name);
	e->has_type = 1;
	e->type = physical_type(c->type);
	e->repetition = c->validity ? ST_PQ_OPTIONAL : ST_PQ_REQUIRED;
	if (c->type <= STRATA_PQ_UINT64) {
		int u = c->type >= STRATA_PQ_UINT8 && c->type != STRATA_PQ_INT64;
		int bw = c->type >= STRATA_PQ_INT64 ? 64 : bits[c->type];
		e->logical = ST_PQ_LT_INT;
		e->bit_width = bw;
		e->is_signed = !u;
		e->has_converted = 1;
		e->converted = (u ? 11 : 15) + (bw == 8 ? 0 : bw == 16 ? 1 : bw == 32 ? 2 : 3);
	} else if (c->type == STRATA_PQ_TIMESTAMP) {
		e->logical = ST_PQ_LT_TIMESTAMP;
		e->ts_unit = c->unit;
		e->ts_utc = c->utc;
		e->has_converted = c->unit != STRATA_PQ_NANOS;
		e->converted =
		    c->unit == STRATA_PQ_MILLIS ? ST_PQ_CT_TS_MILLIS : ST_PQ_CT_TS_MICROS;
	} else if (c->type == STRATA_PQ_STRING) {
		e->logical = ST_PQ_LT_STRING;
		e->has_converted = 1;
		e->converted = ST_PQ_CT_UTF8;
	}
}

/* Check a table before writing: types, names, string offsets. */
static int validate_table(const char *path, const strata_pq_table *t)
{
	for (size_t i = 0; i < t->ncols; i++) {
		const strata_pq_column *c = &t->cols[i];
		if (!c->name || !*c->name || (unsigned)c->type > STRATA_PQ_STRING)
			return strata_error_set(STRATA_EINVAL, "%s: column %zu: bad name or type",
			                        path, i);
		if (c->type == STRATA_PQ_TIMESTAMP && (unsigned)c->unit > STRATA_PQ_MILLIS)
			return strata_error_set(STRATA_EINVAL, "%s: column %s: bad unit", path,
			                        c->name);
		if (c->type != STRATA_PQ_STRING && !c->values && t->nrows)
			return strata_error_set(STRATA_EINVAL, "%s: column %s: no values", path,
			                        c->name);
		if (c->type != STRATA_PQ_STRING)
			continue;
		if (!c->offsets || c->offsets[0] != 0 || (!c->bytes && c->offsets[t->nrows] != 0))
			return strata_error_set(STRATA_EINVAL, "%s: column %s: bad offsets", path,
			                        c->name);
		for (size_t r = 0; r < t->nrows; r++)
			if (c->offsets[r + 1] < c->offsets[r] ||
			    c->offsets[r + 1] - c->offsets[r] > INT32_MAX)
				return strata_error_set(STRATA_EINVAL,
				                        "%s: column %s: row %zu: bad offsets", path,
				                        c->name, r);
	}
	return 0;
}

static int write_footer(pq_writer *w, const strata_pq_table *t, st_pq_file_meta *m)
{
	strata_buf foot = STRATA_BUF_INIT;
	int rc = st_pq_encode_file_meta(&foot, m);

	if (rc == 0 && foot.len > UINT32_MAX)
		rc = strata_error_set(STRATA_ELIMIT, "%s: footer too large", w->path);
	if (rc == 0)
		rc = out_write(w, foot.data, foot.len);
	if (rc == 0) {
		uint8_t tail[8] = {(uint8_t)foot.len,
		                   (uint8_t)(foot.len >> 8),
		                   (uint8_t)(foot.len >> 16),
		                   (uint8_t)(foot.len >> 24),
		                   'P',
		                   'A',
		                   'R',
		                   '1'};
		rc = out_write(w, tail, 8);
	}
	strata_buf_free(&foot);
	return rc;
}

typedef struct rg_job {
	const strata_pq_table *t;
	st_pq_row_group *rg;
	chunk_enc *enc; /* one per column */
	size_t r0, r1;
} rg_job;

/* Encode column i's chunk of the row group (a worker function). */
static int encode_column(size_t i, void *ctx)
{
	const rg_job *j = ctx;
	chunk_enc *e = &j->enc[i];

	strata_buf_reset(&e->out);
	strata_buf_reset(&e->stats);
	return write_chunk(e, &j->t->cols[i], j->r0, j->r1, &j->rg->cols[i]);
}

/* Append the encoded chunks to the file in column order, making their page
 * offsets absolute; stats bytes are copied into statsmem (they outlive the
 * encoders). */
static int flush_row_group(pq_writer *w, const rg_job *j, size_t ncols, strata_buf *statsmem,
                           size_t *stat_at)
{
	int rc = 0;

	for (size_t i = 0; rc == 0 && i < ncols; i++) {
		st_pq_chunk_meta *cm = &j->rg->cols[i];
		const chunk_enc *e = &j->enc[i];
		cm->data_page_offset += w->pos;
		if (cm->dictionary_page_offset >= 0)
			cm->dictionary_page_offset += w->pos;
		stat_at[i] = statsmem->len;
		if (e->stats.len && strata_buf_append(statsmem, e->stats.data, e->stats.len) != 0)
			rc = strata_error_set(STRATA_ENOMEM, "parquet writer: out of memory");
		if (rc == 0)
			rc = out_write(w, e->out.data, e->out.len);
		j->rg->total_byte_size += cm->total_uncompressed;
	}
	return rc;
}

/* Row groups encoded together on the pool (more chunks than workers keeps
 * both busy; one barrier per batch instead of per row group). */
enum { RG_BATCH = 4 };

/* Row groups [g0, g0 + n) of t being encoded: chunk k is row group
 * g0 + k / ncols, column k % ncols, with encoder enc[k]. */
typedef struct batch_job {
	const strata_pq_table *t;
	st_pq_file_meta *m;
	chunk_enc *enc;
	size_t g0, per;
} batch_job;

/* The row group job of row group g0 + b of the batch. */
static rg_job batch_rg(const batch_job *bj, size_t b)
{
	size_t g = bj->g0 + b, r0 = g * bj->per;
	rg_job j = {bj->t, &bj->m->rgs[g], bj->enc + b * bj->t->ncols, r0, 0};

	j.r1 = r0 + bj->per < bj->t->nrows ? r0 + bj->per : bj->t->nrows;
	return j;
}

/* Encode chunk k of the batch (a worker function). */
static int encode_batch_chunk(size_t k, void *ctx)
{
	const batch_job *bj = ctx;
	rg_job j = batch_rg(bj, k / bj->t->ncols);

	return encode_column(k % bj->t->ncols, &j);
}

/* Encode the n row groups of the batch, on the pool when big enough. */
static int encode_batch(const batch_job *bj, size_t n)
{
	size_t chunks = n * bj->t->ncols, rows = 0;
	strata_workers *pool = NULL;
	int rc = 0;

	for (size_t b = 0; b < n; b++) {
		rg_job j = batch_rg(bj, b);
		j.rg->num_rows = (int64_t)(j.r1 - j.r0);
		rows += j.r1 - j.r0;
	}
	if (chunks > 1 && rows * bj->t->ncols >= ST_PQ_PARALLEL_MIN_VALUES)
		pool = st_pq_pool_acquire();
	if (pool) {
		rc = strata_workers_for(pool, chunks, encode_batch_chunk, (void *)bj);
		st_pq_pool_release();
	} else {
		for (size_t k = 0; rc == 0 && k < chunks; k++)
			rc = encode_batch_chunk(k, (void *)bj);
	}
	return rc;
}

/* Write the row groups: their chunks are encoded and compressed on the
 * shared pool a batch of row groups at a time, then written in order. */
static int write_row_groups(pq_writer *w, const strata_pq_table *t, st_pq_file_meta *m,
                            strata_buf *statsmem, size_t **stat_at)
{
	size_t per = w->opt->row_group_rows ? w->opt->row_group_rows : (size_t)1 << 17;
	size_t nenc = RG_BATCH * t->ncols;
	chunk_enc *enc = calloc(nenc + 1, sizeof *enc);
	batch_job bj = {t, m, enc, 0, per};
	int rc = 0;

	if (!enc)
		return strata_error_set(STRATA_ENOMEM, "parquet writer: out of memory");
	for (size_t i = 0; i < nenc; i++)
		enc[i].w = w;
	for (bj.g0 = 0; rc == 0 && bj.g0 < m->nrgs; bj.g0 += RG_BATCH) {
		size_t n = m->nrgs - bj.g0 < RG_BATCH ? m->nrgs - bj.g0 : RG_BATCH;
		rc = encode_batch(&bj, n);
		for (size_t b = 0; rc == 0 && b < n; b++) {
			rg_job j = batch_rg(&bj, b);
			rc = flush_row_group(w, &j, t->ncols, statsmem,
			                     *stat_at + (bj.g0 + b) * t->ncols);
		}
	}
	for (size_t i = 0; i < nenc; i++) {
		strata_buf_free(&enc[i].body);
		strata_buf_free(&enc[i].packed);
		strata_buf_free(&enc[i].header);
		strata_buf_free(&enc[i].stats);
		strata_buf_free(&enc[i].out);
	}
	free(enc);
	return rc;
}

/* Point each chunk's min/max slices into the final stats buffer. */
static void fix_stats(st_pq_file_meta *m, const strata_buf *mem, const size_t *at)
{
	size_t k = 0;

	for (size_t g = 0; g < m->nrgs; g++)
		for (size_t i = 0; i < m->rgs[g].ncols; i++, k++) {
			st_pq_raw_stats *s = &m->rgs[g].cols[i].stats;
			const uint8_t *base = (const uint8_t *)mem->data + at[k];
			s->min.p = base;
			s->max.p = base + s->min.len;
		}
}

static int alloc_meta(const strata_pq_table *t, size_t per, st_pq_file_meta *m, size_t **stat_at)
{
	m->nrgs = t->nrows ? (t->nrows + per - 1) / per : 0;
	m->nschema = t->ncols + 1;
	m->schema = calloc(m->nschema, sizeof *m->schema);
	m->rgs = calloc(m->nrgs ? m->nrgs : 1, sizeof *m->rgs);
	*stat_at = calloc(m->nrgs * t->ncols + 1, sizeof **stat_at);
	if (!m->schema || !m->rgs || !*stat_at)
		return strata_error_set(STRATA_ENOMEM, "parquet writer: out of memory");
	for (size_t g = 0; g < m->nrgs; g++) {
		m->rgs[g].ncols = t->ncols;
		m->rgs[g].cols = calloc(t->ncols + 1, sizeof *m->rgs[g].cols);
		if (!m->rgs[g].cols)
			return strata_error_set(STRATA_ENOMEM, "parquet writer: out of memory");
	}
	m->schema[0].name.p = (const uint8_t *)"schema";
	m->schema[0].name.len = 6;
	m->schema[0].num_children = (int32_t)t->ncols;
	for (size_t i = 0; i < t->ncols; i++)
		schema_el(&t->cols[i], &m->schema[i + 1]);
	return 0;
}

static int write_all(pq_writer *w, const strata_pq_table *t, st_pq_file_meta *m)
{
	strata_buf statsmem = STRATA_BUF_INIT;
	size_t *stat_at = NULL;
	st_pq_kv_raw *kv = NULL;
	size_t per = w->opt->row_group_rows ? w->opt->row_group_rows : (size_t)1 << 17;
	int rc = alloc_meta(t, per, m, &stat_at);

	if (rc == 0 && w->opt->nkv) {
		kv = calloc(w->opt->nkv, sizeof *kv);
		if (!kv)
			rc = strata_error_set(STRATA_ENOMEM, "parquet writer: out of memory");
		for (size_t i = 0; kv && i < w->opt->nkv; i++) {
			kv[i].key.p = (const uint8_t *)w->opt->kv[i].key;
			kv[i].key.len = strlen(w->opt->kv[i].key);
			kv[i].value.p = (const uint8_t *)w->opt->kv[i].value;
			kv[i].value.len = strlen(w->opt->kv[i].value);
		}
		m->kv = kv;
		m->nkv = w->opt->nkv;
	}
	if (rc == 0)
		rc = out_write(w, "PAR1", 4);
	if (rc == 0)
		rc = write_row_groups(w, t, m, &statsmem, &stat_at);
	if (rc == 0) {
		fix_stats(m, &statsmem, stat_at);
		rc = write_footer(w, t, m);
	}
	strata_buf_free(&statsmem);
	free(stat_at);
	return rc;
}

int strata_parquet_write(const char *path, const strata_pq_table *table,
                         const strata_pq_write_options *opts)
{
	static const strata_pq_write_options defaults = {0};
	pq_writer w = {0};
	st_pq_file_meta m = {0};
	int rc;

	w.path = path;
	w.opt = opts ? opts : &defaults;
	if (w.opt->codec != STRATA_PQ_UNCOMPRESSED && w.opt->codec != STRATA_PQ_SNAPPY &&
	    w.opt->codec != STRATA_PQ_ZSTD)
		return strata_error_set(STRATA_EINVAL, "%s: unsupported codec %d", path,
		                        (int)w.opt->codec);
	rc = validate_table(path, table);
	if (rc != 0)
		return rc;
	m.version = 1;
	m.num_rows = (int64_t)table->nrows;
	m.created_by.p = (const uint8_t *)"strata version " STRATA_VERSION;
	m.created_by.len = strlen((const char *)m.created_by.p);
	rc = strata_atomic_open(&w.af, path, 0644);
	if (rc != 0)
		return rc;
	rc = write_all(&w, table, &m);
	if (rc == 0)
		rc = strata_atomic_commit(&w.af);
	if (rc == 0 && w.opt->crc32c)
		*w.opt->crc32c = w.crc;
	if (rc == 0 && w.opt->size)
		*w.opt->size = w.pos;
	else
		strata_atomic_abort(&w.af);
	free(m.kv);
	m.kv = NULL;
	m.nkv = 0;
	st_pq_file_meta_free(&m);
	return rc;
}
