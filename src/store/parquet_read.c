/* parquet_read.c - the Parquet reader: footer validation, statistics, and
 * decoding of flat column chunks. Every length from the file is checked
 * before use; allocations are capped relative to the file size. */
#include "store/parquet.h"

#include <fcntl.h>
#include <pthread.h>
#include <snappy-c.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include "strata/error.h"
#include "strata/file.h"
#include "strata/workers.h"

struct strata_pq_file {
	char *name;
	uint8_t *owned; /* the file's bytes when opened by path and read */
	void *mapped;   /* or mapped (mapped_len bytes) */
	size_t mapped_len;
	const uint8_t *data;
	size_t len;
	size_t data_end;     /* where the footer starts */
	uint64_t max_values; /* cap on rows / values */
	size_t max_bytes;    /* cap on one decompressed page or string column */
	st_pq_file_meta meta;
	strata_pq_column_info *cols;
	int32_t *phys;
	int *unsupported; /* per column: 1 when its type cannot be read */
	size_t ncols;
	strata_pq_kv *kv;
	size_t nkv;
	char *created_by;
};

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t le64(const uint8_t *p)
{
	return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

static char *slice_dup(st_pq_slice s)
{
	char *p = malloc(s.len + 1);

	if (p) {
		if (s.len)
			memcpy(p, s.p, s.len);
		p[s.len] = '\0';
	}
	return p;
}

/* ---- schema ------------------------------------------------------------- */

static strata_pq_type int32_type(const st_pq_schema_el *e)
{
	static const strata_pq_type conv[] = {STRATA_PQ_UINT8, STRATA_PQ_UINT16, STRATA_PQ_UINT32,
	                                      STRATA_PQ_INT64, STRATA_PQ_INT8,   STRATA_PQ_INT16,
	                                      STRATA_PQ_INT32};

	if (e->logical == ST_PQ_LT_INT && e->bit_width == 8)
		return e->is_signed ? STRATA_PQ_INT8 : STRATA_PQ_UINT8;
	if (e->logical == ST_PQ_LT_INT && e->bit_width == 16)
		return e->is_signed ? STRATA_PQ_INT16 : STRATA_PQ_UINT16;
	if (e->logical == ST_PQ_LT_INT && e->bit_width == 32)
		return e->is_signed ? STRATA_PQ_INT32 : STRATA_PQ_UINT32;
	if (e->logical == ST_PQ_LT_NONE && e->has_converted && e->converted >= 11 &&
	    e->converted <= 17 && e->converted != 14 && e->converted != 18)
		return conv[e->converted - 11];
	return STRATA_PQ_INT32;
}

static strata_pq_type int64_type(const st_pq_schema_el *e, strata_pq_column_info *ci)
{
	if (e->logical == ST_PQ_LT_TIMESTAMP && e->ts_unit >= 0) {
		ci->unit = (strata_pq_unit)e->ts_unit;
		ci->utc = e->ts_utc;
		return STRATA_PQ_TIMESTAMP;
	}
	if (e->logical == ST_PQ_LT_INT && e->bit_width == 64 && !e->is_signed)
		return STRATA_PQ_UINT64;
	if (e->logical == ST_PQ_LT_NONE && e->has_converted &&
	    (e->converted == ST_PQ_CT_TS_MILLIS || e->converted == ST_PQ_CT_TS_MICROS)) {
		ci->unit = e->converted == ST_PQ_CT_TS_MILLIS ? STRATA_PQ_MILLIS : STRATA_PQ_MICROS;
		ci->utc = 1;
		return STRATA_PQ_TIMESTAMP;
	}
	if (e->logical == ST_PQ_LT_NONE && e->has_converted && e->converted == 14)
		return STRATA_PQ_UINT64;
	return STRATA_PQ_INT64;
}

/* Map a leaf schema element to a column type; returns 1 if unsupported. */
static int map_type(const st_pq_schema_el *e, strata_pq_column_info *ci)
{
	switch (e->type) {
	case ST_PQ_BOOLEAN: ci->type = STRATA_PQ_BOOL; return 0;
	case ST_PQ_INT32: ci->type = int32_type(e); return 0;
	case ST_PQ_INT64: ci->type = int64_type(e, ci); return 0;
	case ST_PQ_FLOAT: ci->type = STRATA_PQ_FLOAT; return 0;
	case ST_PQ_DOUBLE: ci->type = STRATA_PQ_DOUBLE; return 0;
	case ST_PQ_BYTE_ARRAY: ci->type = STRATA_PQ_STRING; return 0;
	default: return 1; /* INT96, FIXED_LEN_BYTE_ARRAY */
	}
}

static int open_fail(strata_pq_file *f, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Set "<file>: <reason>". */
static int open_fail(strata_pq_file *f, int code, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	strata_error_set(code, "%s: %s", f->name, msg);
	return code;
}

/* Check the schema is flat and build the column infos. */
static int load_schema(strata_pq_file *f)
{
	const st_pq_file_meta *m = &f->meta;

	if (m->nschema < 1 || m->schema[0].has_type)
		return open_fail(f, STRATA_EPARSE, "footer: no schema root");
	if ((size_t)m->schema[0].num_children != m->nschema - 1)
		return open_fail(f, STRATA_EUNSUPPORTED,
		                 "schema: nested columns are not supported (root has %d children "
		                 "of %zu elements)",
		                 (int)m->schema[0].num_children, m->nschema - 1);
	f->ncols = m->nschema - 1;
	f->cols = calloc(f->ncols + 1, sizeof *f->cols);
	f->phys = calloc(f->ncols + 1, sizeof *f->phys);
	f->unsupported = calloc(f->ncols + 1, sizeof *f->unsupported);
	if (!f->cols || !f->phys || !f->unsupported)
		return open_fail(f, STRATA_ENOMEM, "out of memory");
	for (size_t i = 0; i < f->ncols; i++) {
		const st_pq_schema_el *e = &m->schema[i + 1];
		strata_pq_column_info *ci = &f->cols[i];
		char *name = slice_dup(e->name);
		if (!name)
			return open_fail(f, STRATA_ENOMEM, "out of memory");
		ci->name = name;
		if (!e->has_type || e->num_children > 0)
			return open_fail(f, STRATA_EUNSUPPORTED,
			                 "schema: column %s: nested groups are not supported",
			                 name);
		if (e->repetition != ST_PQ_REQUIRED && e->repetition != ST_PQ_OPTIONAL)
			return open_fail(f, STRATA_EUNSUPPORTED,
			                 "schema: column %s: repeated fields are not supported",
			                 name);
		if (e->type < 0 || e->type > ST_PQ_FIXED)
			return open_fail(f, STRATA_EPARSE, "schema: column %s: unknown type %d",
			                 name, (int)e->type);
		ci->optional = e->repetition == ST_PQ_OPTIONAL;
		f->phys[i] = e->type;
		f->unsupported[i] = map_type(e, ci);
	}
	return 0;
}

/* Check row groups against the schema and the caps. */
static int check_row_groups(strata_pq_file *f)
{
	uint64_t total = 0;

	for (size_t g = 0; g < f->meta.nrgs; g++) {
		const st_pq_row_group *rg = &f->meta.rgs[g];
		if (rg->num_rows < 0 || (uint64_t)rg->num_rows > f->max_values - total)
			return open_fail(f, STRATA_ELIMIT,
			                 "row group %zu: %lld rows: negative or beyond what a file "
			                 "of this size may hold",
			                 g, (long long)rg->num_rows);
		total += (uint64_t)rg->num_rows;
		if (rg->ncols != f->ncols)
			return open_fail(f, STRATA_EPARSE,
			                 "row group %zu: %zu column chunks, schema has %zu columns",
			                 g, rg->ncols, f->ncols);
		for (size_t i = 0; i < rg->ncols; i++) {
			const st_pq_chunk_meta *c = &rg->cols[i];
			if (!c->has_meta)
				return open_fail(f, STRATA_EUNSUPPORTED,
				                 "row group %zu: column %s: no inline metadata "
				                 "(external column chunks are not supported)",
				                 g, f->cols[i].name);
			if (c->type != f->phys[i])
				return open_fail(f, STRATA_EPARSE,
				                 "row group %zu: column %s: chunk type %d differs "
				                 "from the schema's %d",
				                 g, f->cols[i].name, (int)c->type, (int)f->phys[i]);
		}
	}
	return 0;
}

static int load_kv(strata_pq_file *f)
{
	f->kv = calloc(f->meta.nkv + 1, sizeof *f->kv);
	if (!f->kv)
		return open_fail(f, STRATA_ENOMEM, "out of memory");
	for (size_t i = 0; i < f->meta.nkv; i++, f->nkv++) {
		f->kv[i].key = slice_dup(f->meta.kv[i].key);
		f->kv[i].value = slice_dup(f->meta.kv[i].value);
		if (!f->kv[i].key || !f->kv[i].value) {
			f->nkv++;
			return open_fail(f, STRATA_ENOMEM, "out of memory");
		}
	}
	f->created_by = slice_dup(f->meta.created_by);
	if (!f->created_by)
		return open_fail(f, STRATA_ENOMEM, "out of memory");
	return 0;
}

/* Magic, footer length and footer. */
static int load_footer(strata_pq_file *f)
{
	uint32_t flen;
	int rc;

	if (f->len < 12)
		return open_fail(f, STRATA_EPARSE, "not a Parquet file: %zu bytes, too short",
		                 f->len);
	if (memcmp(f->data, "PAR1", 4) != 0 || memcmp(f->data + f->len - 4, "PAR1", 4) != 0)
		return open_fail(f, STRATA_EPARSE, "not a Parquet file: no PAR1 magic");
	flen = le32(f->data + f->len - 8);
	if (flen > f->len - 12)
		return open_fail(f, STRATA_EPARSE, "footer length %u beyond the file size %zu",
		                 flen, f->len);
	f->data_end = f->len - 8 - flen;
	rc = st_pq_decode_file_meta(f->data + f->data_end, flen, &f->meta);
	if (rc != 0)
		return strata_error_wrap(rc, "%s: footer", f->name);
	if (f->meta.num_rows < 0)
		return open_fail(f, STRATA_EPARSE, "footer: negative num_rows");
	return 0;
}

static int open_bytes(strata_pq_file *f)
{
	int rc;

	f->max_values = ((uint64_t)f->len + 1024) * 512;
	f->max_bytes =
	    (f->len + 1024) < ((size_t)1 << 20) ? (f->len + 1024) * 1024 : (size_t)1 << 30;
	rc = load_footer(f);
	if (rc == 0)
		rc = load_schema(f);
	if (rc == 0)
		rc = check_row_groups(f);
	if (rc == 0)
		rc = load_kv(f);
	return rc;
}

int strata_parquet_open_memory(const void *data, size_t len, const char *name, strata_pq_file **out)
{
	strata_pq_file *f = calloc(1, sizeof *f);
	int rc;

	*out = NULL;
	if (!f || !(f->name = strdup(name ? name : "<memory>"))) {
		free(f);
		return strata_error_set(STRATA_ENOMEM, "parquet: out of memory");
	}
	f->data = data;
	f->len = len;
	rc = open_bytes(f);
	if (rc != 0) {
		strata_parquet_close(f);
		return rc;
	}
	*out = f;
	return 0;
}

/* Map path read-only: *map is NULL (not an error) when it is empty or
 * cannot be mapped, for the caller to read it instead. Parts are immutable
 * once written (atomic renames), so the mapping stays valid. */
static int map_file(const char *path, void **map, size_t *len)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc = 0;

	*map = NULL;
	*len = 0;
	if (fd < 0)
		return strata_error_set_errno("cannot read %s", path);
	if (fstat(fd, &st) != 0)
		rc = strata_error_set_errno("cannot read %s", path);
	else if (!S_ISREG(st.st_mode))
		rc = strata_error_set(STRATA_EINVAL, "cannot read %s: not a regular file", path);
	else if (st.st_size > 0 && (uint64_t)st.st_size <= SIZE_MAX) {
		void *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (p != MAP_FAILED) {
			*map = p;
			*len = (size_t)st.st_size;
		}
	}
	close(fd);
	return rc;
}

int strata_parquet_open(const char *path, strata_pq_file **out)
{
	char *data;
	void *map;
	size_t len;
	int rc = map_file(path, &map, &len);

	*out = NULL;
	if (rc != 0)
		return rc;
	if (map) {
		rc = strata_parquet_open_memory(map, len, path, out);
		if (rc == 0 && *out) {
			(*out)->mapped = map;
			(*out)->mapped_len = len;
		} else {
			munmap(map, len);
		}
		return rc;
	}
	if ((rc = strata_file_read_all(path, 0, &data, &len)) != 0)
		return rc;
	rc = strata_parquet_open_memory(data, len, path, out);
	if (rc == 0 && *out)
		(*out)->owned = (uint8_t *)data;
	else
		free(data);
	return rc;
}

void strata_parquet_close(strata_pq_file *f)
{
	if (!f)
		return;
	for (size_t i = 0; f->cols && i < f->ncols; i++)
		free((char *)f->cols[i].name);
	for (size_t i = 0; i < f->nkv; i++) {
		free(f->kv[i].key);
		free(f->kv[i].value);
	}
	free(f->kv);
	free(f->cols);
	free(f->phys);
	free(f->unsupported);
	free(f->created_by);
	st_pq_file_meta_free(&f->meta);
	free(f->owned);
	if (f->mapped)
		munmap(f->mapped, f->mapped_len);
	free(f->name);
	free(f);
}

/* ---- metadata accessors ------------------------------------------------- */

int64_t strata_parquet_num_rows(const strata_pq_file *f)
{
	return f->meta.num_rows;
}

size_t strata_parquet_num_columns(const strata_pq_file *f)
{
	return f->ncols;
}

size_t strata_parquet_num_row_groups(const strata_pq_file *f)
{
	return f->meta.nrgs;
}

int64_t strata_parquet_row_group_rows(const strata_pq_file *f, size_t rg)
{
	return rg < f->meta.nrgs ? f->meta.rgs[rg].num_rows : -1;
}

const strata_pq_column_info *strata_parquet_column(const strata_pq_file *f, size_t col)
{
	return col < f->ncols ? &f->cols[col] : NULL;
}

size_t strata_parquet_num_kv(const strata_pq_file *f)
{
	return f->nkv;
}

const strata_pq_kv *strata_parquet_kv(const strata_pq_file *f, size_t i)
{
	return i < f->nkv ? &f->kv[i] : NULL;
}

const char *strata_parquet_kv_get(const strata_pq_file *f, const char *key)
{
	for (size_t i = 0; i < f->nkv; i++)
		if (strcmp(f->kv[i].key, key) == 0)
			return f->kv[i].value;
	return NULL;
}

const char *strata_parquet_created_by(const strata_pq_file *f)
{
	return f->created_by;
}

/* Decode one statistics bound of the column's type; 0 when unusable. */
static int stat_value(const strata_pq_column_info *ci, st_pq_slice s, int64_t *i, double *d)
{
	switch (ci->type) {
	case STRATA_PQ_STRING: return 1;
	case STRATA_PQ_BOOL:
		if (s.len != 1)
			return 0;
		*i = s.p[0] != 0;
		return 1;
	case STRATA_PQ_FLOAT: {
		float x;
		if (s.len != 4)
			return 0;
		memcpy(&x, s.p, 4);
		*d = x;
		return 1;
	}
	case STRATA_PQ_DOUBLE:
		if (s.len != 8)
			return 0;
		memcpy(d, s.p, 8);
		return 1;
	case STRATA_PQ_INT64:
	case STRATA_PQ_UINT64:
	case STRATA_PQ_TIMESTAMP:
		if (s.len != 8)
			return 0;
		*i = (int64_t)le64(s.p);
		return 1;
	default:
		if (s.len != 4)
			return 0;
		*i = ci->type >= STRATA_PQ_UINT8 ? (int64_t)le32(s.p) : (int32_t)le32(s.p);
		return 1;
	}
}

int strata_parquet_stats(const strata_pq_file *f, size_t rg, size_t col, strata_pq_stats *out)
{
	const st_pq_raw_stats *s;
	const strata_pq_column_info *ci;

	memset(out, 0, sizeof *out);
	if (rg >= f->meta.nrgs || col >= f->ncols)
		return strata_error_set(STRATA_EINVAL, "%s: no row group %zu column %zu", f->name,
		                        rg, col);
	s = &f->meta.rgs[rg].cols[col].stats;
	ci = &f->cols[col];
	out->has_null_count = s->has_null_count;
	out->null_count = s->null_count;
	/* Legacy min/max (has_min == 2) sorted signed: trust them only there. */
	if (s->has_min == 2 && (ci->type == STRATA_PQ_STRING || ci->type == STRATA_PQ_UINT8 ||
	                        ci->type == STRATA_PQ_UINT16 || ci->type == STRATA_PQ_UINT32 ||
	                        ci->type == STRATA_PQ_UINT64))
		return 0;
	if (s->has_min && stat_value(ci, s->min, &out->min.i, &out->min.d)) {
		out->has_min = 1;
		out->min_str = s->min.p;
		out->min_len = s->min.len;
	}
	if (s->has_max && stat_value(ci, s->max, &out->max.i, &out->max.d)) {
		out->has_max = 1;
		out->max_str = s->max.p;
		out->max_len = s->max.len;
	}
	return 0;
}

/* ---- column chunks -------------------------------------------------------- */

/* One decompressed page, reused across a column's pages. */
typedef struct page_scratch {
	uint8_t *p;
	size_t cap;
} page_scratch;

typedef struct chunk_ctx {
	strata_pq_file *f;
	size_t rg, col;
	strata_pq_column *out;
	strata_buf *strbytes; /* STRING: the column's bytes so far */
	size_t row;           /* next output row */
	size_t row_end;       /* one past this chunk's last row */
	int32_t phys, codec;
	int optional;
	/* the dictionary, if any */
	int has_dict;
	uint8_t *dict_owned;
	const uint8_t *dict_vals; /* fixed-size entries */
	st_pq_slice *dict_str;    /* string entries */
	size_t dict_n;
	/* scratch */
	struct page_scratch *scr; /* the column's decompressed page buffer */
	uint32_t *levels, *idx;
	uint64_t *wide, *prefix;   /* delta-decoded values / string prefix lengths */
	size_t prev_off, prev_len; /* DELTA_BYTE_ARRAY: the previous string */
} chunk_ctx;

static int cfail(const chunk_ctx *c, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Set "<file>: row group N: column X: <reason>". */
static int cfail(const chunk_ctx *c, int code, const char *fmt, ...)
{
	char msg[384];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	strata_error_set(code, "%s: row group %zu: column %s: %s", c->f->name, c->rg,
	                 c->f->cols[c->col].name, msg);
	return code;
}

static const char *codec_name(int32_t codec)
{
	static const char *const names[] = {"UNCOMPRESSED", "SNAPPY", "GZIP", "LZO",
	                                    "BROTLI",       "LZ4",    "ZSTD", "LZ4_RAW"};
	return codec >= 0 && codec <= 7 ? names[codec] : "unknown";
}

/* Decompress n bytes at src into exactly ulen bytes at out. */
static int decompress_into(chunk_ctx *c, const uint8_t *src, size_t n, uint8_t *out, size_t ulen)
{
	size_t got;

	if (c->codec == STRATA_PQ_SNAPPY) {
		if (snappy_uncompressed_length((const char *)src, n, &got) != SNAPPY_OK ||
		    got != ulen ||
		    snappy_uncompress((const char *)src, n, (char *)out, &got) != SNAPPY_OK ||
		    got != ulen)
			return cfail(c, STRATA_EPARSE, "corrupt snappy page");
		return 0;
	}
	got = ZSTD_decompress(out, ulen, src, n);
	if (ZSTD_isError(got) || got != ulen)
		return cfail(c, STRATA_EPARSE, "corrupt zstd page");
	return 0;
}

/* Decompress n bytes at src into a buffer of exactly ulen bytes; *dst is
 * src itself when uncompressed, else *owned (caller frees) when keep, else
 * the column's page scratch buffer (valid until the next page). */
static int decompress(chunk_ctx *c, const uint8_t *src, size_t n, int64_t ulen, const uint8_t **dst,
                      uint8_t **owned, int keep)
{
	const strata_pq_file *f = c->f;
	page_scratch *scr = c->scr;
	uint8_t *out;

	*owned = NULL;
	*dst = src;
	if (ulen < 0 || (uint64_t)ulen > f->max_bytes)
		return cfail(c, STRATA_ELIMIT, "page of %lld bytes: negative or too large",
		             (long long)ulen);
	if (c->codec == STRATA_PQ_UNCOMPRESSED) {
		if ((uint64_t)ulen != n)
			return cfail(c, STRATA_EPARSE, "uncompressed page sizes differ");
		return 0;
	}
	if (c->codec != STRATA_PQ_SNAPPY && c->codec != STRATA_PQ_ZSTD)
		return cfail(c, STRATA_EUNSUPPORTED, "unsupported codec %s (%d)",
		             codec_name(c->codec), (int)c->codec);
	if (keep) {
		out = *owned = malloc(ulen ? (size_t)ulen : 1);
	} else if ((size_t)ulen > scr->cap || !scr->p) {
		free(scr->p);
		scr->cap = (size_t)ulen;
		out = scr->p = malloc(ulen ? (size_t)ulen : 1);
	} else {
		out = scr->p;
	}
	if (!out)
		return cfail(c, STRATA_ENOMEM, "out of memory");
	*dst = out;
	return decompress_into(c, src, n, out, (size_t)ulen);
}

/* The bw-bit (0..64) little-endian bit field at bit position pos of p; the
 * caller has checked that its bytes lie inside the buffer. */
static uint64_t bits_at(const uint8_t *p, uint64_t pos, int bw)
{
	const uint8_t *b = p + (pos >> 3);
	int sh = (int)(pos & 7), need = (sh + bw + 7) >> 3;
	uint64_t v;

	if (bw == 0)
		return 0;
	v = (uint64_t)b[0] >> sh;
	for (int k = 1; k < need; k++)
		if (8 * k - sh < 64)
			v |= (uint64_t)b[k] << (8 * k - sh);
	return bw == 64 ? v : v & (((uint64_t)1 << bw) - 1);
}

/* An unsigned LEB128 varint at *p (< end); *p advances. */
static int uleb(chunk_ctx *c, const uint8_t **p, const uint8_t *end, uint64_t *out)
{
	uint64_t v = 0;
	int shift = 0;

	*out = 0;
	do {
		if (*p >= end || shift > 63)
			return cfail(c, STRATA_EPARSE, "truncated varint");
		v |= (uint64_t)(**p & 0x7f) << shift;
		shift += 7;
	} while (*(*p)++ & 0x80);
	*out = v;
	return 0;
}

/* Decode n values of the RLE/bit-packed hybrid with bit width bw. */
static int rle_decode(chunk_ctx *c, const uint8_t *p, size_t len, int bw, uint32_t *out, size_t n)
{
	const uint8_t *end = p + len;
	size_t got = 0;

	if (bw < 0 || bw > 32)
		return cfail(c, STRATA_EPARSE, "bit width %d out of range", bw);
	while (got < n) {
		uint64_t h = 0;
		if (uleb(c, &p, end, &h) != 0)
			return cfail(c, STRATA_EPARSE, "truncated RLE data");
		if (h & 1) {
			uint64_t groups = h >> 1;
			if (bw > 0 && groups > (uint64_t)(end - p) / (uint64_t)bw)
				return cfail(c, STRATA_EPARSE, "bit-packed run beyond the page");
			uint64_t cnt = groups * 8 < n - got ? groups * 8 : n - got;
			for (uint64_t k = 0; k < cnt; k++)
				out[got++] = (uint32_t)bits_at(p, k * (uint64_t)bw, bw);
			p += groups * (uint64_t)bw;
		} else {
			size_t vb = ((size_t)bw + 7) / 8;
			uint64_t v = 0;
			if ((size_t)(end - p) < vb)
				return cfail(c, STRATA_EPARSE, "truncated RLE run");
			for (size_t k = 0; k < vb; k++)
				v |= (uint64_t)p[k] << (8 * k);
			p += vb;
			if (bw < 32 && v >> bw)
				return cfail(c, STRATA_EPARSE,
				             "RLE value wider than its bit width");
			uint64_t cnt = (h >> 1) < n - got ? (h >> 1) : n - got;
			for (uint64_t k = 0; k < cnt; k++)
				out[got++] = (uint32_t)v;
		}
	}
	return 0;
}

/* A length-prefixed RLE section (v1 levels, RLE booleans): *p advances. */
static int rle_prefixed(chunk_ctx *c, const uint8_t **p, const uint8_t *end, uint32_t *out,
                        size_t n)
{
	uint32_t len;

	if (end - *p < 4)
		return cfail(c, STRATA_EPARSE, "truncated RLE length");
	len = le32(*p);
	*p += 4;
	if (len > (size_t)(end - *p))
		return cfail(c, STRATA_EPARSE, "RLE length %u beyond the page", len);
	int rc = rle_decode(c, *p, len, 1, out, n);
	*p += len;
	return rc;
}

/* One block of DELTA_BINARY_PACKED: its miniblocks' deltas added to *last
 * and stored in out[*got..n); *p advances past the block. */
static int delta_block(chunk_ctx *c, const uint8_t **p, const uint8_t *end, uint64_t minis,
                       uint64_t per_mini, uint64_t *last, uint64_t *out, size_t *got, size_t n)
{
	const uint8_t *widths;
	uint64_t zz = 0;
	int rc = uleb(c, p, end, &zz);

	if (rc != 0)
		return rc;
	uint64_t min_delta = (zz >> 1) ^ (~(zz & 1) + 1); /* zigzag, modulo 2^64 */
	if ((uint64_t)(end - *p) < minis)
		return cfail(c, STRATA_EPARSE, "truncated delta block");
	widths = *p;
	*p += minis;
	for (uint64_t m = 0; m < minis && *got < n; m++) {
		int bw = widths[m];
		if (bw > 64)
			return cfail(c, STRATA_EPARSE, "delta bit width %d", bw);
		uint64_t bytes = per_mini / 8 * (uint64_t)bw;
		if (bytes > (uint64_t)(end - *p))
			return cfail(c, STRATA_EPARSE, "delta miniblock beyond the page");
		for (uint64_t k = 0; k < per_mini && *got < n; k++) {
			*last += min_delta + bits_at(*p, k * (uint64_t)bw, bw);
			out[(*got)++] = *last;
		}
		*p += bytes;
	}
	return 0;
}

/* Decode n values of DELTA_BINARY_PACKED at *p into out (two's complement,
 * modulo 2^64); *p advances to the end of the encoded run. */
static int delta_decode(chunk_ctx *c, const uint8_t **p, const uint8_t *end, uint64_t *out,
                        size_t n)
{
	uint64_t block = 0, minis = 0, total = 0, first = 0;
	size_t got = 0;
	int rc;

	if ((rc = uleb(c, p, end, &block)) || (rc = uleb(c, p, end, &minis)) ||
	    (rc = uleb(c, p, end, &total)) || (rc = uleb(c, p, end, &first)))
		return rc;
	if (block == 0 || block % 128 || minis == 0 || block % minis || (block / minis) % 32 ||
	    block > ((uint64_t)1 << 20))
		return cfail(c, STRATA_EPARSE, "bad delta header (block %llu, miniblocks %llu)",
		             (unsigned long long)block, (unsigned long long)minis);
	if (total < n)
		return cfail(c, STRATA_EPARSE, "delta run of %llu values, page needs %zu",
		             (unsigned long long)total, n);
	uint64_t last = (first >> 1) ^ (~(first & 1) + 1);
	if (n > 0)
		out[got++] = last;
	while (rc == 0 && got < n)
		rc = delta_block(c, p, end, minis, block / minis, &last, out, &got, n);
	return rc;
}

/* Append one string value to the output row. */
static int put_string(chunk_ctx *c, const uint8_t *s, size_t len)
{
	if (len > c->f->max_bytes - c->strbytes->len)
		return cfail(c, STRATA_ELIMIT, "strings larger than %zu bytes", c->f->max_bytes);
	if (strata_buf_append(c->strbytes, s, len) != 0)
		return cfail(c, STRATA_ENOMEM, "out of memory");
	return 0;
}

/* Values of one page: where they are and how they are encoded. */
typedef struct value_src {
	int32_t enc;
	const uint8_t *p, *end;
	size_t k; /* values taken */
} value_src;

/* Gather count dictionary entries of size bytes by c->idx into dst. */
static int dict_gather(chunk_ctx *c, uint8_t *dst, size_t count, size_t size)
{
	for (size_t k = 0; k < count; k++)
		if (c->idx[k] >= c->dict_n)
			return cfail(c, STRATA_EPARSE, "dictionary index %u of %zu", c->idx[k],
			             c->dict_n);
	if (size == 8) {
		uint64_t *o = (uint64_t *)(void *)dst;
		for (size_t k = 0; k < count; k++)
			memcpy(&o[k], c->dict_vals + (size_t)c->idx[k] * 8, 8);
	} else if (size == 4) {
		uint32_t *o = (uint32_t *)(void *)dst;
		for (size_t k = 0; k < count; k++)
			memcpy(&o[k], c->dict_vals + (size_t)c->idx[k] * 4, 4);
	} else {
		for (size_t k = 0; k < count; k++)
			memcpy(dst + k * size, c->dict_vals + (size_t)c->idx[k] * size, size);
	}
	return 0;
}

/* Decode the dictionary indices (or RLE booleans) of count values. */
static int decode_indices(chunk_ctx *c, value_src *v, size_t count)
{
	if (v->enc == ST_PQ_ENC_RLE)
		return rle_prefixed(c, &v->p, v->end, c->idx, count);
	if (!c->has_dict)
		return cfail(c, STRATA_EPARSE, "dictionary-encoded page without dictionary");
	if (count == 0)
		return 0;
	if (v->p >= v->end)
		return cfail(c, STRATA_EPARSE, "truncated dictionary indices");
	/* analyzer false positive: the page bytes are filled by the decompressor */
	int bw = *v->p++; // NOLINT(clang-analyzer-core.uninitialized.Assign)
	return rle_decode(c, v->p, (size_t)(v->end - v->p), bw, c->idx, count);
}

/* Decode count fixed-size values (size bytes each) densely into dst. */
static int decode_fixed(chunk_ctx *c, value_src *v, size_t count, uint8_t *dst, size_t size)
{
	size_t avail = (size_t)(v->end - v->p);
	int rc = 0;

	switch (v->enc) {
	case ST_PQ_ENC_PLAIN:
		if (c->phys == ST_PQ_BOOLEAN) {
			if ((count + 7) / 8 > avail)
				return cfail(c, STRATA_EPARSE, "PLAIN booleans beyond the page");
			for (size_t k = 0; k < count; k++)
				dst[k] = v->p[k / 8] >> (k % 8) & 1;
			return 0;
		}
		if (count > avail / size)
			return cfail(c, STRATA_EPARSE, "PLAIN values beyond the page");
		if (count)
			memcpy(dst, v->p, count * size);
		return 0;
	case ST_PQ_ENC_RLE:
		if (c->phys != ST_PQ_BOOLEAN)
			break;
		rc = decode_indices(c, v, count);
		for (size_t k = 0; rc == 0 && k < count; k++)
			dst[k] = c->idx[k] != 0;
		return rc;
	case ST_PQ_ENC_PLAIN_DICT:
	case ST_PQ_ENC_RLE_DICT:
		if ((rc = decode_indices(c, v, count)) != 0)
			return rc;
		return dict_gather(c, dst, count, size);
	case ST_PQ_ENC_DELTA_BINARY:
		if (c->phys != ST_PQ_INT32 && c->phys != ST_PQ_INT64)
			break;
		if ((rc = delta_decode(c, &v->p, v->end, c->wide, count)) != 0)
			return rc;
		for (size_t k = 0; k < count; k++) {
			if (size == 8) {
				memcpy(dst + k * 8, &c->wide[k], 8);
			} else {
				uint32_t lo = (uint32_t)c->wide[k];
				memcpy(dst + k * 4, &lo, 4);
			}
		}
		return 0;
	case ST_PQ_ENC_BYTE_STREAM_SPLIT:
		if (c->phys == ST_PQ_BOOLEAN || c->phys == ST_PQ_BYTE_ARRAY)
			break;
		if (count > avail / size)
			return cfail(c, STRATA_EPARSE, "BYTE_STREAM_SPLIT values beyond the page");
		/* the page holds exactly count values; streams are avail / size long */
		for (size_t b = 0; b < size; b++)
			for (size_t k = 0; k < count; k++)
				dst[k * size + b] = v->p[b * (avail / size) + k];
		return 0;
	default: break;
	}
	return cfail(c, STRATA_EUNSUPPORTED, "unsupported encoding %d", (int)v->enc);
}

/* Mark rows [row, row+n) per levels (NULL: all present) and move the count
 * dense values at dst[0..count) to their rows; null rows are zeroed. */
/* Set bits [at, at + n) of validity: whole bytes where it can. */
static void validity_fill(uint8_t *validity, size_t at, size_t n)
{
	size_t end = at + n;

	for (; at < end && at % 8; at++)
		validity[at / 8] |= (uint8_t)(1u << (at % 8));
	if (end - at >= 8) {
		memset(validity + at / 8, 0xff, (end - at) / 8);
		at += (end - at) / 8 * 8;
	}
	for (; at < end; at++)
		validity[at / 8] |= (uint8_t)(1u << (at % 8));
}

static void spread_fixed(chunk_ctx *c, const uint32_t *levels, size_t n, size_t count, uint8_t *dst,
                         size_t size)
{
	uint8_t *validity = c->out->validity;
	size_t row = c->row;

	if (validity && !levels)
		validity_fill(validity, row, n);
	else if (validity)
		for (size_t i = 0; i < n; i++)
			if (!levels || levels[i])
				validity[(row + i) / 8] |= (uint8_t)(1u << ((row + i) % 8));
	if (!levels || count == n)
		return;
	for (size_t i = n, j = count; i-- > 0;) {
		if (levels[i])
			memmove(dst + i * size, dst + --j * size, size);
		else
			memset(dst + i * size, 0, size);
	}
}

/* Take the next string of a PLAIN or DELTA_LENGTH_BYTE_ARRAY page. */
static int take_string(chunk_ctx *c, value_src *v)
{
	size_t len;

	if (v->enc == ST_PQ_ENC_PLAIN) {
		if (v->end - v->p < 4)
			return cfail(c, STRATA_EPARSE, "truncated string length");
		len = le32(v->p);
		v->p += 4;
	} else if (v->enc == ST_PQ_ENC_RLE_DICT || v->enc == ST_PQ_ENC_PLAIN_DICT) {
		uint32_t ix = c->idx[v->k++];
		if (ix >= c->dict_n)
			return cfail(c, STRATA_EPARSE, "dictionary index %u of %zu", ix, c->dict_n);
		return put_string(c, c->dict_str[ix].p, c->dict_str[ix].len);
	} else {
		len = (size_t)c->wide[v->k++];
	}
	if (len > (size_t)(v->end - v->p))
		return cfail(c, STRATA_EPARSE, "string of %zu bytes beyond the page", len);
	v->p += len;
	return put_string(c, v->p - len, len);
}

/* Take the next DELTA_BYTE_ARRAY string: prefix bytes of the previous one
 * (c->prev_off, c->prev_len in the column's bytes) and then a suffix. */
static int take_delta_string(chunk_ctx *c, value_src *v)
{
	uint64_t prefix = c->prefix[v->k], len = c->wide[v->k];
	strata_buf *b = c->strbytes;
	size_t start = b->len;

	v->k++;
	if (prefix > c->prev_len || len > (uint64_t)(v->end - v->p))
		return cfail(c, STRATA_EPARSE, "DELTA_BYTE_ARRAY value beyond its data");
	if (prefix + len > c->f->max_bytes - b->len)
		return cfail(c, STRATA_ELIMIT, "strings larger than %zu bytes", c->f->max_bytes);
	if (strata_buf_grow(b, (size_t)(prefix + len)) != 0)
		return cfail(c, STRATA_ENOMEM, "out of memory");
	/* the previous value lies wholly before b->len: no overlap */
	if (prefix)
		memcpy(b->data + b->len, b->data + c->prev_off, (size_t)prefix);
	b->len += (size_t)prefix;
	if (len)
		memcpy(b->data + b->len, v->p, (size_t)len);
	b->len += (size_t)len;
	b->data[b->len] = '\0';
	v->p += len;
	c->prev_off = start;
	c->prev_len = (size_t)(prefix + len);
	return 0;
}

/* Allocate the 64-bit scratch arrays a delta encoding needs. */
static int need_wide(chunk_ctx *c, int prefix_too)
{
	size_t rows = c->row_end - c->row;

	if (!c->wide && !(c->wide = malloc((rows + 1) * sizeof *c->wide)))
		return cfail(c, STRATA_ENOMEM, "out of memory");
	if (prefix_too && !c->prefix && !(c->prefix = malloc((rows + 1) * sizeof *c->prefix)))
		return cfail(c, STRATA_ENOMEM, "out of memory");
	return 0;
}

/* Prepare a string page's value section for count values. */
static int strings_begin(chunk_ctx *c, value_src *v, size_t count)
{
	int rc;

	c->prev_len = 0;
	switch (v->enc) {
	case ST_PQ_ENC_PLAIN:
		/* at most the page's bytes are appended */
		if (strata_buf_grow(c->strbytes, (size_t)(v->end - v->p)) != 0)
			return cfail(c, STRATA_ENOMEM, "out of memory");
		return 0;
	case ST_PQ_ENC_PLAIN_DICT:
	case ST_PQ_ENC_RLE_DICT: return decode_indices(c, v, count);
	case ST_PQ_ENC_DELTA_LENGTH:
		if ((rc = need_wide(c, 0)) != 0)
			return rc;
		return delta_decode(c, &v->p, v->end, c->wide, count);
	case ST_PQ_ENC_DELTA_BYTE_ARRAY:
		if ((rc = need_wide(c, 1)) != 0 ||
		    (rc = delta_decode(c, &v->p, v->end, c->prefix, count)) != 0)
			return rc;
		return delta_decode(c, &v->p, v->end, c->wide, count);
	default:
		return cfail(c, STRATA_EUNSUPPORTED, "unsupported string encoding %d", (int)v->enc);
	}
}

/* Rows of one string page: levels (NULL: all present) and count values. */
static int string_rows(chunk_ctx *c, const uint32_t *levels, size_t n, size_t count, value_src *v)
{
	int rc = strings_begin(c, v, count);

	if (!levels && c->out->validity)
		validity_fill(c->out->validity, c->row, n);
	for (size_t i = 0; rc == 0 && i < n; i++, c->row++) {
		if (!levels || levels[i]) {
			if (levels && c->out->validity)
				c->out->validity[c->row / 8] |= (uint8_t)(1u << (c->row % 8));
			rc = v->enc == ST_PQ_ENC_DELTA_BYTE_ARRAY ? take_delta_string(c, v)
			                                          : take_string(c, v);
		}
		c->out->offsets[c->row + 1] = (int64_t)c->strbytes->len;
	}
	return rc;
}

/* Rows of one data page: levels (NULL: all present) and values. */
static int page_rows(chunk_ctx *c, const uint32_t *levels, size_t n, value_src *v)
{
	size_t count = 0, size;
	uint8_t *dst;
	int rc;

	if (levels) {
		for (size_t i = 0; i < n; i++) {
			if (levels[i] > 1)
				return cfail(c, STRATA_EPARSE, "definition level %u above 1",
				             levels[i]);
			count += levels[i];
		}
		if (count == n)
			levels = NULL; /* all present: no per-row level work below */
	} else {
		count = n;
	}
	if (c->out->type == STRATA_PQ_STRING)
		return string_rows(c, levels, n, count, v);
	if (v->enc == ST_PQ_ENC_DELTA_BINARY && (rc = need_wide(c, 0)) != 0)
		return rc;
	size = strata_pq_type_size(c->out->type);
	dst = (uint8_t *)c->out->values + c->row * size;
	rc = decode_fixed(c, v, count, dst, size);
	if (rc == 0)
		spread_fixed(c, levels, n, count, dst, size);
	c->row += n;
	return rc;
}

static int check_count(chunk_ctx *c, int32_t n)
{
	if (n < 0 || (size_t)n > c->row_end - c->row)
		return cfail(c, STRATA_EPARSE,
		             "page of %d values: negative or beyond the %zu rows "
		             "of the row group",
		             (int)n, c->row_end - c->row);
	return 0;
}

static int data_page_v1(chunk_ctx *c, const st_pq_page_header *h, const uint8_t *p, size_t len)
{
	const uint8_t *end = p + len;
	value_src v = {h->encoding, NULL, NULL, 0};
	int rc = check_count(c, h->num_values);

	if (rc == 0 && c->optional) {
		if (h->def_encoding != ST_PQ_ENC_RLE)
			return cfail(c, STRATA_EUNSUPPORTED, "definition level encoding %d",
			             (int)h->def_encoding);
		rc = rle_prefixed(c, &p, end, c->levels, (size_t)h->num_values);
	}
	if (rc != 0)
		return rc;
	v.p = p;
	v.end = end;
	return page_rows(c, c->optional ? c->levels : NULL, (size_t)h->num_values, &v);
}

static int data_page_v2(chunk_ctx *c, const st_pq_page_header *h, const uint8_t *raw, size_t n)
{
	value_src v = {h->encoding, NULL, NULL, 0};
	const uint8_t *vals = raw;
	uint8_t *owned = NULL;
	int rc = check_count(c, h->num_values);

	if (rc != 0)
		return rc;
	if (h->def_len < 0 || h->rep_len < 0 || (size_t)h->def_len + (size_t)h->rep_len > n)
		return cfail(c, STRATA_EPARSE, "level lengths beyond the page");
	size_t lv = (size_t)h->def_len + (size_t)h->rep_len;
	if (c->optional)
		rc = rle_decode(c, raw + h->rep_len, (size_t)h->def_len, 1, c->levels,
		                (size_t)h->num_values);
	if (rc != 0)
		return rc;
	if (h->is_compressed && c->codec != STRATA_PQ_UNCOMPRESSED) {
		rc = decompress(c, raw + lv, n - lv, (int64_t)h->uncompressed_size - (int64_t)lv,
		                &vals, &owned, 0);
	} else {
		vals = raw + lv;
		if ((int64_t)h->uncompressed_size != (int64_t)n)
			rc = cfail(c, STRATA_EPARSE, "uncompressed page sizes differ");
	}
	if (rc == 0) {
		v.p = vals;
		v.end = vals + ((size_t)h->uncompressed_size - lv);
		rc = page_rows(c, c->optional ? c->levels : NULL, (size_t)h->num_values, &v);
	}
	free(owned);
	return rc;
}

static int dict_page(chunk_ctx *c, const st_pq_page_header *h, const uint8_t *p, size_t len)
{
	size_t size = strata_pq_type_size(c->out->type);

	if (h->encoding != ST_PQ_ENC_PLAIN && h->encoding != ST_PQ_ENC_PLAIN_DICT)
		return cfail(c, STRATA_EUNSUPPORTED, "dictionary encoding %d", (int)h->encoding);
	if (h->num_values < 0 || c->phys == ST_PQ_BOOLEAN)
		return cfail(c, STRATA_EPARSE, "bad dictionary page");
	c->dict_n = (size_t)h->num_values;
	c->has_dict = 1;
	if (c->phys != ST_PQ_BYTE_ARRAY) {
		if (c->dict_n > len / size)
			return cfail(c, STRATA_EPARSE, "dictionary beyond its page");
		c->dict_vals = p;
		return 0;
	}
	if (c->dict_n > len / 4)
		return cfail(c, STRATA_EPARSE, "dictionary beyond its page");
	c->dict_str = calloc(c->dict_n + 1, sizeof *c->dict_str);
	if (!c->dict_str)
		return cfail(c, STRATA_ENOMEM, "out of memory");
	for (size_t i = 0; i < c->dict_n; i++) {
		if (len < 4 || le32(p) > len - 4)
			return cfail(c, STRATA_EPARSE, "dictionary entry %zu beyond its page", i);
		c->dict_str[i].len = le32(p);
		c->dict_str[i].p = p + 4;
		len -= 4 + c->dict_str[i].len;
		p += 4 + c->dict_str[i].len;
	}
	return 0;
}

/* Whether a v1 data page holds only PLAIN fixed-size values (a REQUIRED
 * column): then it is decompressed straight into the output array. */
static int plain_direct(const chunk_ctx *c, const st_pq_page_header *h)
{
	size_t size = strata_pq_type_size(c->out->type);

	return h->has_data && !c->optional && h->encoding == ST_PQ_ENC_PLAIN &&
	       c->phys != ST_PQ_BOOLEAN && c->phys != ST_PQ_BYTE_ARRAY && h->num_values >= 0 &&
	       (int64_t)h->uncompressed_size == (int64_t)h->num_values * (int64_t)size;
}

static int plain_page_direct(chunk_ctx *c, const st_pq_page_header *h, const uint8_t *raw, size_t n)
{
	size_t size = strata_pq_type_size(c->out->type);
	uint8_t *dst = (uint8_t *)c->out->values + c->row * size;
	size_t ulen = (size_t)h->uncompressed_size;
	int rc = check_count(c, h->num_values);

	if (rc != 0)
		return rc;
	if (c->codec == STRATA_PQ_UNCOMPRESSED) {
		if (ulen != n)
			return cfail(c, STRATA_EPARSE, "uncompressed page sizes differ");
		if (ulen)
			memcpy(dst, raw, ulen);
	} else if (c->codec != STRATA_PQ_SNAPPY && c->codec != STRATA_PQ_ZSTD) {
		return cfail(c, STRATA_EUNSUPPORTED, "unsupported codec %s (%d)",
		             codec_name(c->codec), (int)c->codec);
	} else if ((rc = decompress_into(c, raw, n, dst, ulen)) != 0) {
		return rc;
	}
	c->row += (size_t)h->num_values;
	return 0;
}

/* Decode one page given its header and raw bytes. */
static int one_page(chunk_ctx *c, const st_pq_page_header *h, const uint8_t *raw, size_t n)
{
	const uint8_t *body;
	uint8_t *owned = NULL;
	int rc;

	if (h->type == ST_PQ_DATA_PAGE_V2) {
		if (!h->has_v2)
			return cfail(c, STRATA_EPARSE, "data page v2 without its header");
		return data_page_v2(c, h, raw, n);
	}
	if (h->type != ST_PQ_DATA_PAGE && h->type != ST_PQ_DICT_PAGE)
		return 0; /* index pages and unknown kinds are skipped */
	if ((h->type == ST_PQ_DATA_PAGE && !h->has_data) ||
	    (h->type == ST_PQ_DICT_PAGE && !h->has_dict))
		return cfail(c, STRATA_EPARSE, "page without its header");
	if (h->type == ST_PQ_DATA_PAGE && plain_direct(c, h))
		return plain_page_direct(c, h, raw, n);
	rc = decompress(c, raw, n, h->uncompressed_size, &body, &owned, h->type == ST_PQ_DICT_PAGE);
	if (rc == 0 && h->type == ST_PQ_DICT_PAGE && !c->has_dict) {
		c->dict_owned = owned; /* entries point into it */
		return dict_page(c, h, body, (size_t)h->uncompressed_size);
	}
	if (rc == 0 && h->type == ST_PQ_DICT_PAGE)
		rc = cfail(c, STRATA_EPARSE, "second dictionary page");
	else if (rc == 0)
		rc = data_page_v1(c, h, body, (size_t)h->uncompressed_size);
	free(owned);
	return rc;
}

/* Walk the pages of one column chunk. */
static int read_pages(chunk_ctx *c, const st_pq_chunk_meta *m)
{
	const strata_pq_file *f = c->f;
	int64_t start = m->data_page_offset;
	int rc = 0;

	if (m->dictionary_page_offset > 0 && m->dictionary_page_offset < start)
		start = m->dictionary_page_offset;
	if (start < 4 || (uint64_t)start > f->data_end || m->total_compressed < 0 ||
	    (uint64_t)m->total_compressed > f->data_end - (uint64_t)start)
		return cfail(c, STRATA_EPARSE, "chunk at %lld, %lld bytes: outside the data",
		             (long long)start, (long long)m->total_compressed);
	const uint8_t *p = f->data + start, *end = p + m->total_compressed;
	while (rc == 0 && c->row < c->row_end) {
		st_pq_page_header h;
		size_t used;
		if (p >= end)
			return cfail(c, STRATA_EPARSE, "chunk ends after %zu of %zu rows",
			             c->row - (c->row_end - (size_t)f->meta.rgs[c->rg].num_rows),
			             (size_t)f->meta.rgs[c->rg].num_rows);
		rc = st_pq_decode_page_header(p, (size_t)(end - p), &h, &used);
		if (rc != 0)
			return strata_error_wrap(rc, "%s: row group %zu: column %s: page header",
			                         f->name, c->rg, f->cols[c->col].name);
		p += used;
		if (h.compressed_size < 0 || (size_t)h.compressed_size > (size_t)(end - p))
			return cfail(c, STRATA_EPARSE, "page of %d bytes beyond the chunk",
			             (int)h.compressed_size);
		rc = one_page(c, &h, p, (size_t)h.compressed_size);
		p += h.compressed_size;
	}
	return rc;
}

static int read_chunk(strata_pq_file *f, size_t rg, size_t col, strata_pq_column *out,
                      strata_buf *strbytes, page_scratch *scr, size_t row0)
{
	const st_pq_chunk_meta *m = &f->meta.rgs[rg].cols[col];
	size_t rows = (size_t)f->meta.rgs[rg].num_rows;
	chunk_ctx c = {.f = f,
	               .rg = rg,
	               .col = col,
	               .out = out,
	               .strbytes = strbytes,
	               .scr = scr,
	               .row = row0,
	               .row_end = row0 + rows,
	               .phys = f->phys[col],
	               .codec = m->codec,
	               .optional = f->cols[col].optional};
	int rc = 0;

	if (rows == 0)
		return 0;
	c.levels = malloc(rows * sizeof *c.levels);
	c.idx = malloc(rows * sizeof *c.idx);
	if (!c.levels || !c.idx)
		rc = cfail(&c, STRATA_ENOMEM, "out of memory");
	if (rc == 0)
		rc = read_pages(&c, m);
	free(c.levels);
	free(c.idx);
	free(c.wide);
	free(c.prefix);
	free(c.dict_owned);
	free(c.dict_str);
	return rc;
}

/* Add the output column for file column col, sized for nrows. */
static int add_out_column(strata_pq_file *f, size_t col, strata_pq_table *t)
{
	const strata_pq_column_info *ci = &f->cols[col];
	strata_pq_column *c;
	int rc;

	if (f->unsupported[col])
		return strata_error_set(STRATA_EUNSUPPORTED,
		                        "%s: column %s: unsupported physical type %d", f->name,
		                        ci->name, (int)f->phys[col]);
	rc = strata_pq_table_add(t, ci->name, ci->type, NULL, NULL, &c);
	if (rc != 0)
		return rc;
	c->unit = ci->unit;
	c->utc = ci->utc;
	if (ci->optional) {
		c->validity = calloc(t->nrows / 8 + 1, 1);
		if (!c->validity)
			return strata_error_set(STRATA_ENOMEM, "%s: out of memory", f->name);
	}
	return 0;
}

static int read_column(strata_pq_file *f, size_t col, const size_t *rgs, size_t nrgs,
                       strata_pq_column *out)
{
	strata_buf bytes = STRATA_BUF_INIT;
	page_scratch scr = {NULL, 0};
	size_t row = 0;
	int rc = 0;

	for (size_t k = 0; rc == 0 && k < nrgs; k++) {
		size_t g = rgs ? rgs[k] : k;
		rc = read_chunk(f, g, col, out, &bytes, &scr, row);
		row += (size_t)f->meta.rgs[g].num_rows;
	}
	if (rc == 0 && out->type == STRATA_PQ_STRING)
		out->bytes = strata_buf_detach(&bytes);
	strata_buf_free(&bytes);
	free(scr.p);
	return rc;
}

/* ---- parallel decoding ---------------------------------------------------- */

static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t pool_busy = PTHREAD_MUTEX_INITIALIZER;
static strata_workers *pool; /* created once per process, kept to the end */
static pid_t pool_pid;

/* The shared pool, locked for the caller (pool_busy), or NULL: one core, a
 * forked child (the pool's threads are the parent's), the pool busy with
 * another call, or no pool. Never blocks. */
strata_workers *st_pq_pool_acquire(void)
{
	strata_workers *w = NULL;

	if (pthread_mutex_trylock(&pool_lock) != 0)
		return NULL;
	if (!pool_pid) {
		pool_pid = getpid();
		if (strata_workers_create(0, &pool) != 0) {
			pool = NULL;
			strata_error_clear();
		}
	}
	if (pool && pool_pid == getpid() && strata_workers_count(pool) > 1 &&
	    pthread_mutex_trylock(&pool_busy) == 0)
		w = pool;
	pthread_mutex_unlock(&pool_lock);
	return w;
}

void st_pq_pool_release(void)
{
	pthread_mutex_unlock(&pool_busy);
}

typedef struct read_job {
	strata_pq_file *f;
	const size_t *cols, *rgs;
	size_t nrgs;
	strata_pq_table *out;
} read_job;

/* Decode output column i (a worker function: columns are independent). */
static int read_job_column(size_t i, void *ctx)
{
	const read_job *j = ctx;

	return read_column(j->f, j->cols ? j->cols[i] : i, j->rgs, j->nrgs, &j->out->cols[i]);
}

int strata_parquet_read(strata_pq_file *f, const size_t *cols, size_t ncols, const size_t *rgs,
                        size_t nrgs, strata_pq_table *out)
{
	read_job job = {f, cols, rgs, 0, out};
	strata_workers *w = NULL;
	size_t total = 0;
	int rc = 0;

	if (!cols)
		ncols = f->ncols;
	if (!rgs)
		nrgs = f->meta.nrgs;
	job.nrgs = nrgs;
	for (size_t k = 0; k < nrgs; k++) {
		if (rgs && rgs[k] >= f->meta.nrgs)
			return strata_error_set(STRATA_EINVAL, "%s: no row group %zu", f->name,
			                        rgs[k]);
		total += (size_t)f->meta.rgs[rgs ? rgs[k] : k].num_rows;
	}
	uint64_t width = 0;
	for (size_t i = 0; i < ncols; i++) {
		size_t col = cols ? cols[i] : i;
		width += 1 + (col < f->ncols ? 8 : 0);
	}
	/* Output memory stays proportional to the file size. */
	if (total > f->max_values || (total && width > ((uint64_t)f->len + 1024) * 4096 / total))
		return strata_error_set(STRATA_ELIMIT,
		                        "%s: %zu rows of %zu columns: more than a file of %zu "
		                        "bytes may decode to",
		                        f->name, total, ncols, f->len);
	strata_pq_table_init(out, total);
	for (size_t i = 0; rc == 0 && i < ncols; i++) {
		size_t col = cols ? cols[i] : i;
		if (col >= f->ncols)
			rc = strata_error_set(STRATA_EINVAL, "%s: no column %zu", f->name, col);
		if (rc == 0)
			rc = add_out_column(f, col, out);
	}
	if (rc == 0 && ncols > 1 && total * ncols >= ST_PQ_PARALLEL_MIN_VALUES)
		w = st_pq_pool_acquire();
	if (rc == 0 && w) {
		rc = strata_workers_for(w, ncols, read_job_column, &job);
		st_pq_pool_release();
	} else {
		for (size_t i = 0; rc == 0 && i < ncols; i++)
			rc = read_job_column(i, &job);
	}
	if (rc != 0)
		strata_pq_table_free(out);
	return rc;
}
