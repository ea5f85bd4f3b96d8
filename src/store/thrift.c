/* thrift.c - Thrift compact protocol writer and bounds-checked reader. */
#include "store/thrift.h"

#include <string.h>

#include "strata/error.h"

static uint64_t zigzag64(int64_t v)
{
	uint64_t u = (uint64_t)v;

	return (u << 1) ^ ((uint64_t)0 - (u >> 63));
}

static int64_t unzigzag64(uint64_t v)
{
	return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

int st_varint_put(strata_buf *b, uint64_t v)
{
	uint8_t tmp[10];
	size_t n = 0;

	while (v >= 0x80) {
		tmp[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	tmp[n++] = (uint8_t)v;
	return strata_buf_append(b, tmp, n);
}

void st_thrift_w_init(st_thrift_writer *w, strata_buf *out)
{
	memset(w, 0, sizeof *w);
	w->out = out;
}

static void w_bytes(st_thrift_writer *w, const void *data, size_t len)
{
	if (!w->err && strata_buf_append(w->out, data, len) != 0)
		w->err = STRATA_ENOMEM;
}

static void w_byte(st_thrift_writer *w, uint8_t v)
{
	w_bytes(w, &v, 1);
}

static void w_varint(st_thrift_writer *w, uint64_t v)
{
	if (!w->err && st_varint_put(w->out, v) != 0)
		w->err = STRATA_ENOMEM;
}

/* A field header: short form (delta << 4 | type) when the id grows by 1..15. */
static void w_field(st_thrift_writer *w, int16_t id, int type)
{
	int16_t *last = &w->last_id[w->depth];
	int delta = id - *last;

	if (delta > 0 && delta <= 15) {
		w_byte(w, (uint8_t)(delta << 4 | type));
	} else {
		w_byte(w, (uint8_t)type);
		w_varint(w, zigzag64(id));
	}
	*last = id;
}

void st_thrift_w_i32(st_thrift_writer *w, int16_t id, int32_t v)
{
	w_field(w, id, ST_T_I32);
	w_varint(w, zigzag64(v));
}

void st_thrift_w_i64(st_thrift_writer *w, int16_t id, int64_t v)
{
	w_field(w, id, ST_T_I64);
	w_varint(w, zigzag64(v));
}

void st_thrift_w_byte(st_thrift_writer *w, int16_t id, int8_t v)
{
	w_field(w, id, ST_T_BYTE);
	w_byte(w, (uint8_t)v);
}

void st_thrift_w_bool(st_thrift_writer *w, int16_t id, int v)
{
	w_field(w, id, v ? ST_T_TRUE : ST_T_FALSE);
}

void st_thrift_w_double(st_thrift_writer *w, int16_t id, double v)
{
	uint64_t bits;
	uint8_t le[8];

	memcpy(&bits, &v, 8);
	for (int i = 0; i < 8; i++)
		le[i] = (uint8_t)(bits >> (8 * i));
	w_field(w, id, ST_T_DOUBLE);
	w_bytes(w, le, 8);
}

void st_thrift_w_binary(st_thrift_writer *w, int16_t id, const void *data, size_t len)
{
	w_field(w, id, ST_T_BINARY);
	st_thrift_w_elem_binary(w, data, len);
}

void st_thrift_w_string(st_thrift_writer *w, int16_t id, const char *s)
{
	st_thrift_w_binary(w, id, s, strlen(s));
}

/* Enter a nested struct: its field ids restart at 0. */
static void w_push(st_thrift_writer *w)
{
	if (w->depth + 1 >= ST_THRIFT_MAX_DEPTH) {
		if (!w->err)
			w->err = strata_error_set(STRATA_ELIMIT, "thrift: structs nested too deep");
		return;
	}
	w->depth++;
	w->last_id[w->depth] = 0;
}

void st_thrift_w_struct_begin(st_thrift_writer *w, int16_t id)
{
	w_field(w, id, ST_T_STRUCT);
	w_push(w);
}

void st_thrift_w_elem_struct_begin(st_thrift_writer *w)
{
	w_push(w);
}

void st_thrift_w_struct_end(st_thrift_writer *w)
{
	w_byte(w, ST_T_STOP);
	if (w->depth > 0)
		w->depth--;
}

void st_thrift_w_list_begin(st_thrift_writer *w, int16_t id, int elem_type, size_t count)
{
	w_field(w, id, ST_T_LIST);
	if (count < 15) {
		w_byte(w, (uint8_t)(count << 4 | (size_t)elem_type));
	} else {
		w_byte(w, (uint8_t)(0xf0 | elem_type));
		w_varint(w, count);
	}
}

void st_thrift_w_elem_i32(st_thrift_writer *w, int32_t v)
{
	w_varint(w, zigzag64(v));
}

void st_thrift_w_elem_binary(st_thrift_writer *w, const void *data, size_t len)
{
	w_varint(w, len);
	w_bytes(w, data, len);
}

int st_thrift_w_finish(st_thrift_writer *w)
{
	w_byte(w, ST_T_STOP);
	if (w->err == STRATA_ENOMEM)
		return strata_error_set(STRATA_ENOMEM, "thrift: out of memory");
	return w->err;
}

/* ---- reader ------------------------------------------------------------ */

void st_thrift_r_init(st_thrift_reader *r, const void *data, size_t len)
{
	r->start = data;
	r->p = data;
	r->end = r->p + len;
}

size_t st_thrift_r_offset(const st_thrift_reader *r)
{
	return (size_t)(r->p - r->start);
}

static int r_fail(const st_thrift_reader *r, const char *why)
{
	strata_error_set(STRATA_EPARSE, "thrift: offset %zu: %s", st_thrift_r_offset(r), why);
	return STRATA_EPARSE;
}

int st_thrift_r_varint(st_thrift_reader *r, uint64_t *v)
{
	uint64_t x = 0;

	for (int shift = 0; shift < 64; shift += 7) {
		if (r->p >= r->end)
			return r_fail(r, "truncated varint");
		uint8_t b = *r->p++;
		x |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			*v = x;
			return 0;
		}
	}
	return r_fail(r, "varint longer than 10 bytes");
}

int st_thrift_r_i64(st_thrift_reader *r, int64_t *v)
{
	uint64_t u;
	int rc = st_thrift_r_varint(r, &u);

	if (rc == 0)
		*v = unzigzag64(u);
	return rc;
}

int st_thrift_r_i32(st_thrift_reader *r, int32_t *v)
{
	int64_t x;
	int rc = st_thrift_r_i64(r, &x);

	if (rc != 0)
		return rc;
	if (x < INT32_MIN || x > INT32_MAX)
		return r_fail(r, "i32 out of range");
	*v = (int32_t)x;
	return 0;
}

int st_thrift_r_byte(st_thrift_reader *r, int8_t *v)
{
	if (r->p >= r->end)
		return r_fail(r, "truncated byte");
	*v = (int8_t)*r->p++;
	return 0;
}

int st_thrift_r_double(st_thrift_reader *r, double *v)
{
	uint64_t bits = 0;

	if (r->end - r->p < 8)
		return r_fail(r, "truncated double");
	for (int i = 0; i < 8; i++)
		bits |= (uint64_t)r->p[i] << (8 * i);
	r->p += 8;
	memcpy(v, &bits, 8);
	return 0;
}

int st_thrift_r_binary(st_thrift_reader *r, const uint8_t **data, size_t *len)
{
	uint64_t n;
	int rc = st_thrift_r_varint(r, &n);

	if (rc != 0)
		return rc;
	if (n > (uint64_t)(r->end - r->p))
		return r_fail(r, "binary length beyond the end");
	*data = r->p;
	*len = (size_t)n;
	r->p += n;
	return 0;
}

int st_thrift_r_field(st_thrift_reader *r, int16_t *last_id, int *type, int16_t *id)
{
	int32_t x;
	uint8_t b;

	if (r->p >= r->end)
		return r_fail(r, "truncated struct (no STOP)");
	b = *r->p++;
	*type = b & 0x0f;
	if (*type == ST_T_STOP) {
		*id = 0;
		return 0;
	}
	if (*type > ST_T_STRUCT)
		return r_fail(r, "unknown field type");
	if (b >> 4) {
		x = *last_id + (b >> 4);
	} else {
		int rc = st_thrift_r_i32(r, &x);
		if (rc != 0)
			return rc;
	}
	if (x < INT16_MIN || x > INT16_MAX)
		return r_fail(r, "field id out of range");
	*id = (int16_t)x;
	*last_id = *id;
	return 0;
}

int st_thrift_r_list(st_thrift_reader *r, int *elem_type, size_t *count)
{
	uint64_t n;
	uint8_t b;

	if (r->p >= r->end)
		return r_fail(r, "truncated list header");
	b = *r->p++;
	*elem_type = b & 0x0f;
	n = b >> 4;
	if (n == 15) {
		int rc = st_thrift_r_varint(r, &n);
		if (rc != 0)
			return rc;
	}
	if (*elem_type == ST_T_STOP || *elem_type > ST_T_STRUCT)
		return r_fail(r, "unknown list element type");
	if (n > (uint64_t)(r->end - r->p))
		return r_fail(r, "list longer than the bytes left");
	*count = (size_t)n;
	return 0;
}

static int skip_struct(st_thrift_reader *r, int depth)
{
	int16_t last = 0, id;
	int type, rc;

	for (;;) {
		rc = st_thrift_r_field(r, &last, &type, &id);
		if (rc != 0 || type == ST_T_STOP)
			return rc;
		rc = st_thrift_r_skip(r, type, depth - 1);
		if (rc != 0)
			return rc;
	}
}

static int skip_map(st_thrift_reader *r, int depth)
{
	uint64_t n;
	int rc = st_thrift_r_varint(r, &n);

	if (rc != 0 || n == 0)
		return rc;
	if (r->p >= r->end)
		return r_fail(r, "truncated map header");
	uint8_t kv = *r->p++;
	if (n > (uint64_t)(r->end - r->p))
		return r_fail(r, "map longer than the bytes left");
	for (uint64_t i = 0; i < n; i++) {
		rc = st_thrift_r_skip(r, kv >> 4, depth - 1);
		if (rc == 0)
			rc = st_thrift_r_skip(r, kv & 0x0f, depth - 1);
		if (rc != 0)
			return rc;
	}
	return 0;
}

static int skip_list(st_thrift_reader *r, int depth)
{
	int et, rc;
	size_t n;

	rc = st_thrift_r_list(r, &et, &n);
	for (size_t i = 0; rc == 0 && i < n; i++) {
		/* Booleans in collections take one byte each. */
		if (et == ST_T_TRUE || et == ST_T_FALSE) {
			int8_t b;
			rc = st_thrift_r_byte(r, &b);
		} else {
			rc = st_thrift_r_skip(r, et, depth - 1);
		}
	}
	return rc;
}

int st_thrift_r_skip(st_thrift_reader *r, int type, int depth)
{
	uint64_t u;
	double d;
	int8_t b;
	const uint8_t *data;
	size_t len;

	if (depth <= 0)
		return r_fail(r, "values nested too deep");
	switch (type) {
	case ST_T_TRUE:
	case ST_T_FALSE: return 0;
	case ST_T_BYTE: return st_thrift_r_byte(r, &b);
	case ST_T_I16:
	case ST_T_I32:
	case ST_T_I64: return st_thrift_r_varint(r, &u);
	case ST_T_DOUBLE: return st_thrift_r_double(r, &d);
	case ST_T_BINARY: return st_thrift_r_binary(r, &data, &len);
	case ST_T_LIST:
	case ST_T_SET: return skip_list(r, depth);
	case ST_T_MAP: return skip_map(r, depth);
	case ST_T_STRUCT: return skip_struct(r, depth);
	default: return r_fail(r, "unknown value type");
	}
}

int st_thrift_r_expect_i32(st_thrift_reader *r, int type, int32_t *v)
{
	if (type != ST_T_I32 && type != ST_T_I16 && type != ST_T_BYTE)
		return r_fail(r, "expected an integer field");
	if (type == ST_T_BYTE) {
		int8_t b = 0;
		int rc = st_thrift_r_byte(r, &b);
		if (rc == 0)
			*v = (int32_t)b;
		return rc;
	}
	return st_thrift_r_i32(r, v);
}

int st_thrift_r_expect_i64(st_thrift_reader *r, int type, int64_t *v)
{
	if (type == ST_T_I64)
		return st_thrift_r_i64(r, v);
	int32_t x = 0;
	int rc = st_thrift_r_expect_i32(r, type, &x);
	if (rc == 0)
		*v = x;
	return rc;
}
