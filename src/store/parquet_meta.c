/* parquet_meta.c - encode and decode Parquet footers and page headers
 * (field ids from parquet.thrift), skipping fields this code does not know. */
#include "store/parquet.h"
#include "store/thrift.h"

#include <stdlib.h>
#include <string.h>

#include "strata/error.h"

#define DEPTH 16

/* ---- encoding ------------------------------------------------------------ */

static void enc_schema_el(st_thrift_writer *w, const st_pq_schema_el *e)
{
	st_thrift_w_elem_struct_begin(w);
	if (e->has_type) {
		st_thrift_w_i32(w, 1, e->type);
		st_thrift_w_i32(w, 3, e->repetition);
	}
	st_thrift_w_binary(w, 4, e->name.p, e->name.len);
	if (!e->has_type) /* a group, the root included, even when empty */
		st_thrift_w_i32(w, 5, e->num_children);
	if (e->has_converted)
		st_thrift_w_i32(w, 6, e->converted);
	if (e->logical != ST_PQ_LT_NONE) {
		st_thrift_w_struct_begin(w, 10);
		st_thrift_w_struct_begin(w, (int16_t)e->logical);
		if (e->logical == ST_PQ_LT_INT) {
			st_thrift_w_byte(w, 1, (int8_t)e->bit_width);
			st_thrift_w_bool(w, 2, e->is_signed);
		} else if (e->logical == ST_PQ_LT_TIMESTAMP) {
			st_thrift_w_bool(w, 1, e->ts_utc);
			st_thrift_w_struct_begin(w, 2);
			/* TimeUnit union: MILLIS 1, MICROS 2, NANOS 3 */
			st_thrift_w_struct_begin(w, (int16_t)(3 - e->ts_unit));
			st_thrift_w_struct_end(w);
			st_thrift_w_struct_end(w);
		}
		st_thrift_w_struct_end(w);
		st_thrift_w_struct_end(w);
	}
	st_thrift_w_struct_end(w);
}

static void enc_stats(st_thrift_writer *w, int16_t id, const st_pq_raw_stats *s)
{
	st_thrift_w_struct_begin(w, id);
	if (s->has_null_count)
		st_thrift_w_i64(w, 3, s->null_count);
	if (s->has_max)
		st_thrift_w_binary(w, 5, s->max.p, s->max.len);
	if (s->has_min)
		st_thrift_w_binary(w, 6, s->min.p, s->min.len);
	st_thrift_w_struct_end(w);
}

static void enc_chunk(st_thrift_writer *w, const st_pq_chunk_meta *c)
{
	st_thrift_w_elem_struct_begin(w);
	st_thrift_w_i64(
	    w, 2, c->dictionary_page_offset >= 0 ? c->dictionary_page_offset : c->data_page_offset);
	st_thrift_w_struct_begin(w, 3);
	st_thrift_w_i32(w, 1, c->type);
	st_thrift_w_list_begin(w, 2, ST_T_I32, c->nencodings);
	for (size_t i = 0; i < c->nencodings; i++)
		st_thrift_w_elem_i32(w, c->encodings[i]);
	st_thrift_w_list_begin(w, 3, ST_T_BINARY, 1);
	st_thrift_w_elem_binary(w, c->path.p, c->path.len);
	st_thrift_w_i32(w, 4, c->codec);
	st_thrift_w_i64(w, 5, c->num_values);
	st_thrift_w_i64(w, 6, c->total_uncompressed);
	st_thrift_w_i64(w, 7, c->total_compressed);
	st_thrift_w_i64(w, 9, c->data_page_offset);
	if (c->dictionary_page_offset >= 0)
		st_thrift_w_i64(w, 11, c->dictionary_page_offset);
	enc_stats(w, 12, &c->stats);
	st_thrift_w_struct_end(w);
	st_thrift_w_struct_end(w);
}

static void enc_row_group(st_thrift_writer *w, const st_pq_row_group *rg)
{
	int64_t compressed = 0;

	st_thrift_w_elem_struct_begin(w);
	st_thrift_w_list_begin(w, 1, ST_T_STRUCT, rg->ncols);
	for (size_t i = 0; i < rg->ncols; i++) {
		enc_chunk(w, &rg->cols[i]);
		compressed += rg->cols[i].total_compressed;
	}
	st_thrift_w_i64(w, 2, rg->total_byte_size);
	st_thrift_w_i64(w, 3, rg->num_rows);
	if (rg->ncols > 0) {
		const st_pq_chunk_meta *c = &rg->cols[0];
		st_thrift_w_i64(w, 5,
		                c->dictionary_page_offset >= 0 ? c->dictionary_page_offset
		                                               : c->data_page_offset);
	}
	st_thrift_w_i64(w, 6, compressed);
	st_thrift_w_struct_end(w);
}

int st_pq_encode_file_meta(strata_buf *out, const st_pq_file_meta *m)
{
	st_thrift_writer w;

	st_thrift_w_init(&w, out);
	st_thrift_w_i32(&w, 1, m->version);
	st_thrift_w_list_begin(&w, 2, ST_T_STRUCT, m->nschema);
	for (size_t i = 0; i < m->nschema; i++)
		enc_schema_el(&w, &m->schema[i]);
	st_thrift_w_i64(&w, 3, m->num_rows);
	st_thrift_w_list_begin(&w, 4, ST_T_STRUCT, m->nrgs);
	for (size_t i = 0; i < m->nrgs; i++)
		enc_row_group(&w, &m->rgs[i]);
	if (m->nkv > 0) {
		st_thrift_w_list_begin(&w, 5, ST_T_STRUCT, m->nkv);
		for (size_t i = 0; i < m->nkv; i++) {
			st_thrift_w_elem_struct_begin(&w);
			st_thrift_w_binary(&w, 1, m->kv[i].key.p, m->kv[i].key.len);
			st_thrift_w_binary(&w, 2, m->kv[i].value.p, m->kv[i].value.len);
			st_thrift_w_struct_end(&w);
		}
	}
	st_thrift_w_binary(&w, 6, m->created_by.p, m->created_by.len);
	/* column_orders: TYPE_ORDER for every leaf, so readers trust min/max. */
	size_t leaves = m->nschema > 0 ? m->nschema - 1 : 0;
	st_thrift_w_list_begin(&w, 7, ST_T_STRUCT, leaves);
	for (size_t i = 0; i < leaves; i++) {
		st_thrift_w_elem_struct_begin(&w);
		st_thrift_w_struct_begin(&w, 1);
		st_thrift_w_struct_end(&w);
		st_thrift_w_struct_end(&w);
	}
	return st_thrift_w_finish(&w);
}

int st_pq_encode_page_header(strata_buf *out, const st_pq_page_header *h)
{
	st_thrift_writer w;

	st_thrift_w_init(&w, out);
	st_thrift_w_i32(&w, 1, h->type);
	st_thrift_w_i32(&w, 2, h->uncompressed_size);
	st_thrift_w_i32(&w, 3, h->compressed_size);
	if (h->type == ST_PQ_DATA_PAGE) {
		st_thrift_w_struct_begin(&w, 5);
		st_thrift_w_i32(&w, 1, h->num_values);
		st_thrift_w_i32(&w, 2, h->encoding);
		st_thrift_w_i32(&w, 3, ST_PQ_ENC_RLE);
		st_thrift_w_i32(&w, 4, ST_PQ_ENC_RLE);
		st_thrift_w_struct_end(&w);
	} else if (h->type == ST_PQ_DICT_PAGE) {
		st_thrift_w_struct_begin(&w, 7);
		st_thrift_w_i32(&w, 1, h->num_values);
		st_thrift_w_i32(&w, 2, h->encoding);
		st_thrift_w_struct_end(&w);
	}
	return st_thrift_w_finish(&w);
}

/* ---- decoding ------------------------------------------------------------ */

/* Iterate the fields of a struct: FOR_FIELDS(r) { switch (id) ... } with
 * rc, type, id in scope; unknown ids must call SKIP. */
#define FOR_FIELDS(r)                                                                              \
	for (int16_t last_ = 0;                                                                    \
	     (rc = st_thrift_r_field((r), &last_, &type, &id)) == 0 && type != ST_T_STOP;)

static int bad(st_thrift_reader *r, const char *what)
{
	strata_error_set(STRATA_EPARSE, "thrift: offset %zu: %s: wrong type or value",
	                 st_thrift_r_offset(r), what);
	return STRATA_EPARSE;
}

static int dec_slice(st_thrift_reader *r, int type, st_pq_slice *s, const char *what)
{
	if (type != ST_T_BINARY)
		return bad(r, what);
	return st_thrift_r_binary(r, &s->p, &s->len);
}

static int dec_bool(st_thrift_reader *r, int type, int *v, const char *what)
{
	if (type != ST_T_TRUE && type != ST_T_FALSE)
		return bad(r, what);
	*v = type == ST_T_TRUE;
	return 0;
}

/* Read a list header of struct elements, allocating count elements. */
static int dec_list_alloc(st_thrift_reader *r, int type, int want, size_t elem, void **arr,
                          size_t *count, const char *what)
{
	int et, rc;
	size_t n;

	*count = 0;
	if (type != ST_T_LIST)
		return bad(r, what);

	rc = st_thrift_r_list(r, &et, &n);
	if (rc != 0)
		return rc;
	if (et != want)
		return bad(r, what);
	if (n == 0)
		return 0;
	*arr = calloc(n, elem);
	if (!*arr)
		return strata_error_set(STRATA_ENOMEM, "parquet footer: out of memory");
	*count = n; /* only once the array exists, for st_pq_file_meta_free */
	return 0;
}

static int dec_int_type(st_thrift_reader *r, st_pq_schema_el *e)
{
	int rc, type;
	int16_t id;
	int32_t v;

	FOR_FIELDS(r)
	{
		if (id == 1)
			rc = st_thrift_r_expect_i32(r, type, &v), e->bit_width = v;
		else if (id == 2)
			rc = dec_bool(r, type, &e->is_signed, "IntType.isSigned");
		else
			rc = st_thrift_r_skip(r, type, DEPTH);
		if (rc != 0)
			return rc;
	}
	return rc;
}

static int dec_time_unit(st_thrift_reader *r, st_pq_schema_el *e)
{
	int rc, type;
	int16_t id;

	FOR_FIELDS(r)
	{
		if (id >= 1 && id <= 3 && type == ST_T_STRUCT)
			e->ts_unit = 3 - id;
		rc = st_thrift_r_skip(r, type, DEPTH);
		if (rc != 0)
			return rc;
	}
	return rc;
}

static int dec_ts_type(st_thrift_reader *r, st_pq_schema_el *e)
{
	int rc, type;
	int16_t id;

	FOR_FIELDS(r)
	{
		if (id == 1)
			rc = dec_bool(r, type, &e->ts_utc, "TimestampType.isAdjustedToUTC");
		else if (id == 2 && type == ST_T_STRUCT)
			rc = dec_time_unit(r, e);
		else
			rc = st_thrift_r_skip(r, type, DEPTH);
		if (rc != 0)
			return rc;
	}
	return rc;
}

static int dec_logical(st_thrift_reader *r, st_pq_schema_el *e)
{
	int rc, type;
	int16_t id;

	FOR_FIELDS(r)
	{
		if (type != ST_T_STRUCT) {
			rc = st_thrift_r_skip(r, type, DEPTH);
		} else if (id == ST_PQ_LT_INT) {
			e->logical = id;
			rc = dec_int_type(r, e);
		} else if (id == ST_PQ_LT_TIMESTAMP) {
			e->logical = id;
			e->ts_unit = -1;
			rc = dec_ts_type(r, e);
		} else {
			e->logical = id == ST_PQ_LT_STRING ? id : 100 + id;
			rc = st_thrift_r_skip(r, type, DEPTH);
		}
		if (rc != 0)
			return rc;
	}
	return rc;
}

static int dec_schema_el(st_thrift_reader *r, st_pq_schema_el *e)
{
	int rc, type;
	int16_t id;

	FOR_FIELDS(r)
	{
		switch (id) {
		case 1: rc = st_thrift_r_expect_i32(r, type, &e->type), e->has_type = 1; break;
		case 2: rc = st_thrift_r_expect_i32(r, type, &e->type_length); break;
		case 3: rc = st_thrift_r_expect_i32(r, type, &e->repetition); break;
		case 4: rc = dec_slice(r, type, &e->name, "SchemaElement.name"); break;
		case 5: rc = st_thrift_r_expect_i32(r, type, &e->num_children); break;
		case 6:
			rc = st_thrift_r_expect_i32(r, type, &e->converted);
			e->has_converted = 1;
			break;
		case 10:
			rc = type == ST_T_STRUCT ? dec_logical(r, e)
			                         : bad(r, "SchemaElement.logicalType");
			break;
		default: rc = st_thrift_r_skip(r, type, DEPTH);
		}
		if (rc != 0)
			return rc;
	}
	return rc;
}

static int dec_stats(st_thrift_reader *r, st_pq_raw_stats *s)
{
	int rc, type;
	int16_t id;
	st_pq_slice legacy_min = {0}, legacy_max = {0};
	int has_lmin = 0, has_lmax = 0;

	FOR_FIELDS(r)
	{
		switch (id) {
		case 1: rc = dec_slice(r, type, &legacy_max, "Statistics.max"), has_lmax = 1; break;
		case 2: rc = dec_slice(r, type, &legacy_min, "Statistics.min"), has_lmin = 1; break;
		case 3:
			rc = st_thrift_r_expect_i64(r, type, &s->null_count);
			s->has_null_count = 1;
			break;
		case 5:
			rc = dec_slice(r, type, &s->max, "Statistics.max_value"), s->has_max = 1;
			break;
		case 6:
			rc = dec_slice(r, type, &s->min, "Statistics.min_value"), s->has_min = 1;
			break;
		default: rc = st_thrift_r_skip(r, type, DEPTH);
		}
		if (rc != 0)
			return rc;
	}
	/* Legacy min/max only when nothing better: callers use them for
	 * signed integer types, where the old ordering was right. */
	if (rc == 0 && !s->has_min && !s->has_max && has_lmin && has_lmax) {
		s->min = legacy_min;
		s->max = legacy_max;
		s->has_min = s->has_max = 2;
	}
	return rc;
}

static int dec_encodings(st_thrift_reader *r, int type, st_pq_chunk_meta *c)
{
	int et, rc;
	size_t n;
	int32_t v;

	if (type != ST_T_LIST)
		return bad(r, "ColumnMetaData.encodings");
	rc = st_thrift_r_list(r, &et, &n);
	for (size_t i = 0; rc == 0 && i < n; i++) {
		rc = st_thrift_r_expect_i32(r, et, &v);
		if (rc == 0 && c->nencodings < 4)
			c->encodings[c->nencodings++] = v;
	}
	return rc;
}

static int dec_path(st_thrift_reader *r, int type, st_pq_chunk_meta *c)
{
	int et, rc;
	size_t n;

	if (type != ST_T_LIST)
		return bad(r, "ColumnMetaData.path_in_schema");
	rc = st_thrift_r_list(r, &et, &n);
	if (rc == 0 && et != ST_T_BINARY)
		return bad(r, "ColumnMetaData.path_in_schema");
	c->path_depth = n;
	for (size_t i = 0; rc == 0 && i < n; i++)
		rc = st_thrift_r_binary(r, &c->path.p, &c->path.len);
	return rc;
}

static int dec_column_meta(st_thrift_reader *r, st_pq_chunk_meta *c)
{
	int rc, type;
	int16_t id;

	c->has_meta = 1;
	FOR_FIELDS(r)
	{
		switch (id) {
		case 1: rc = st_thrift_r_expect_i32(r, type, &c->type); break;
		case 2: rc = dec_encodings(r, type, c); break;
		case 3: rc = dec_path(r, type, c); break;
		case 4: rc = st_thrift_r_expect_i32(r, type, &c->codec); break;
		case 5: rc = st_thrift_r_expect_i64(r, type, &c->num_values); break;
		case 6: rc = st_thrift_r_expect_i64(r, type, &c->total_uncompressed); break;
		case 7: rc = st_thrift_r_expect_i64(r, type, &c->total_compressed); break;
		case 9: rc = st_thrift_r_expect_i64(r, type, &c->data_page_offset); break;
		case 11: rc = st_thrift_r_expect_i64(r, type, &c->dictionary_page_offset); break;
		case 12:
			rc = type == ST_T_STRUCT ? dec_stats(r, &c->stats)
			                         : bad(r, "ColumnMetaData.statistics");
			break;
		default: rc = st_thrift_r_skip(r, type, DEPTH);
		}
		if (rc != 0)
			return rc;
	}
	return rc;
}

static int dec_chunk(st_thrift_reader *r, st_pq_chunk_meta *c)
{
	int rc, type;
	int16_t id;

	c->dictionary_page_offset = -1;
	FOR_FIELDS(r)
	{
		if (id == 3 && type == ST_T_STRUCT)
			rc = dec_column_meta(r, c);
		else
			rc = st_thrift_r_skip(r, type, DEPTH);
		if (rc != 0)
			return rc;
	}
	return rc;
}

static int dec_row_group(st_thrift_reader *r, st_pq_row_group *g)
{
	int rc, type;
	int16_t id;

	FOR_FIELDS(r)
	{
		if (id == 1 && !g->cols) {
			rc = dec_list_alloc(r, type, ST_T_STRUCT, sizeof *g->cols,
			                    (void **)&g->cols, &g->ncols, "RowGroup.columns");
			for (size_t i = 0; rc == 0 && i < g->ncols; i++)
				rc = dec_chunk(r, &g->cols[i]);
		} else if (id == 2) {
			rc = st_thrift_r_expect_i64(r, type, &g->total_byte_size);
		} else if (id == 3) {
			rc = st_thrift_r_expect_i64(r, type, &g->num_rows);
		} else {
			rc = st_thrift_r_skip(r, type, DEPTH);
		}
		if (rc != 0)
			return rc;
	}
	return rc;
}

static int dec_kv(st_thrift_reader *r, st_pq_kv_raw *kv)
{
	int rc, type;
	int16_t id;

	FOR_FIELDS(r)
	{
		if (id == 1)
			rc = dec_slice(r, type, &kv->key, "KeyValue.key");
		else if (id == 2)
			rc = dec_slice(r, type, &kv->value, "KeyValue.value"), kv->has_value = 1;
		else
			rc = st_thrift_r_skip(r, type, DEPTH);
		if (rc != 0)
			return rc;
	}
	return rc;
}

/* One FileMetaData field; lists may appear once. */
static int dec_file_field(st_thrift_reader *r, int type, int16_t id, st_pq_file_meta *m)
{
	int rc = 0;

	if (id == 1)
		return st_thrift_r_expect_i32(r, type, &m->version);
	if (id == 3)
		return st_thrift_r_expect_i64(r, type, &m->num_rows);
	if (id == 6)
		return dec_slice(r, type, &m->created_by, "FileMetaData.created_by");
	if (id == 2 && !m->schema) {
		rc = dec_list_alloc(r, type, ST_T_STRUCT, sizeof *m->schema, (void **)&m->schema,
		                    &m->nschema, "FileMetaData.schema");
		for (size_t i = 0; rc == 0 && i < m->nschema; i++)
			rc = dec_schema_el(r, &m->schema[i]);
		return rc;
	}
	if (id == 4 && !m->rgs) {
		rc = dec_list_alloc(r, type, ST_T_STRUCT, sizeof *m->rgs, (void **)&m->rgs,
		                    &m->nrgs, "FileMetaData.row_groups");
		for (size_t i = 0; rc == 0 && i < m->nrgs; i++)
			rc = dec_row_group(r, &m->rgs[i]);
		return rc;
	}
	if (id == 5 && !m->kv) {
		rc = dec_list_alloc(r, type, ST_T_STRUCT, sizeof *m->kv, (void **)&m->kv, &m->nkv,
		                    "FileMetaData.key_value_metadata");
		for (size_t i = 0; rc == 0 && i < m->nkv; i++)
			rc = dec_kv(r, &m->kv[i]);
		return rc;
	}
	return st_thrift_r_skip(r, type, DEPTH);
}

int st_pq_decode_file_meta(const uint8_t *data, size_t len, st_pq_file_meta *m)
{
	st_thrift_reader r;
	int rc, type;
	int16_t id;

	memset(m, 0, sizeof *m);
	st_thrift_r_init(&r, data, len);
	FOR_FIELDS(&r)
	{
		rc = dec_file_field(&r, type, id, m);
		if (rc != 0)
			break;
	}
	if (rc != 0)
		st_pq_file_meta_free(m);
	return rc;
}

void st_pq_file_meta_free(st_pq_file_meta *m)
{
	for (size_t i = 0; m->rgs && i < m->nrgs; i++)
		free(m->rgs[i].cols);
	free(m->rgs);
	free(m->schema);
	free(m->kv);
	memset(m, 0, sizeof *m);
}

/* Where field id of a DataPageHeader (kind 0), DataPageHeaderV2 (1) or
 * DictionaryPageHeader (2) goes when it is an integer; NULL otherwise. */
static int32_t *data_header_field(st_pq_page_header *h, int kind, int16_t id)
{
	if (id == 1)
		return &h->num_values;
	if (kind == 1) {
		switch (id) {
		case 2: return &h->num_nulls;
		case 3: return &h->num_rows;
		case 4: return &h->encoding;
		case 5: return &h->def_len;
		case 6: return &h->rep_len;
		default: return NULL;
		}
	}
	if (id == 2)
		return &h->encoding;
	return kind == 0 && id == 3 ? &h->def_encoding : NULL;
}

static int dec_data_header(st_thrift_reader *r, st_pq_page_header *h, int kind)
{
	int rc, type;
	int16_t id;

	FOR_FIELDS(r)
	{
		int32_t *dst = data_header_field(h, kind, id);
		if (dst)
			rc = st_thrift_r_expect_i32(r, type, dst);
		else if (kind == 1 && id == 7)
			rc = dec_bool(r, type, &h->is_compressed, "DataPageHeaderV2.is_compressed");
		else
			rc = st_thrift_r_skip(r, type, DEPTH);
		if (rc != 0)
			return rc;
	}
	return rc;
}

int st_pq_decode_page_header(const uint8_t *data, size_t len, st_pq_page_header *h, size_t *used)
{
	st_thrift_reader r;
	int rc, type;
	int16_t id;

	memset(h, 0, sizeof *h);
	h->is_compressed = 1;
	h->def_encoding = ST_PQ_ENC_RLE;
	st_thrift_r_init(&r, data, len);
	FOR_FIELDS(&r)
	{
		if (id == 1)
			rc = st_thrift_r_expect_i32(&r, type, &h->type);
		else if (id == 2)
			rc = st_thrift_r_expect_i32(&r, type, &h->uncompressed_size);
		else if (id == 3)
			rc = st_thrift_r_expect_i32(&r, type, &h->compressed_size);
		else if ((id == 5 || id == 7 || id == 8) && type == ST_T_STRUCT)
			rc = dec_data_header(&r, h, id == 8 ? 1 : id == 7 ? 2 : 0);
		else
			rc = st_thrift_r_skip(&r, type, DEPTH);
		h->has_data |= id == 5;
		h->has_dict |= id == 7;
		h->has_v2 |= id == 8;
		if (rc != 0)
			return rc;
	}
	*used = st_thrift_r_offset(&r);
	return rc;
}
