/*
 * thrift.h - the Thrift compact protocol, as much as Parquet footers need.
 *
 * Writer: appends to a strata_buf; structs nest with a stack of last field
 * ids so field headers use the short delta form. Errors (out of memory,
 * nesting too deep) are sticky and reported by st_thrift_w_finish().
 *
 * Reader: bounds-checked over a byte range; every read returns 0 or
 * STRATA_EPARSE with a message naming the offset and the reason. Unknown
 * fields are skipped generically (depth-limited), so footers from newer
 * writers parse.
 */
#ifndef STRATA_STORE_THRIFT_H
#define STRATA_STORE_THRIFT_H

#include <stddef.h>
#include <stdint.h>

#include "strata/buf.h"

/* Compact protocol type codes. */
enum {
	ST_T_STOP = 0,
	ST_T_TRUE = 1,
	ST_T_FALSE = 2,
	ST_T_BYTE = 3,
	ST_T_I16 = 4,
	ST_T_I32 = 5,
	ST_T_I64 = 6,
	ST_T_DOUBLE = 7,
	ST_T_BINARY = 8,
	ST_T_LIST = 9,
	ST_T_SET = 10,
	ST_T_MAP = 11,
	ST_T_STRUCT = 12,
};

#define ST_THRIFT_MAX_DEPTH 32

typedef struct st_thrift_writer {
	strata_buf *out;
	int16_t last_id[ST_THRIFT_MAX_DEPTH];
	int depth; /* 0: the top-level struct */
	int err;   /* first failure, sticky */
} st_thrift_writer;

void st_thrift_w_init(st_thrift_writer *w, strata_buf *out);
void st_thrift_w_i32(st_thrift_writer *w, int16_t id, int32_t v);
void st_thrift_w_i64(st_thrift_writer *w, int16_t id, int64_t v);
void st_thrift_w_byte(st_thrift_writer *w, int16_t id, int8_t v);
void st_thrift_w_bool(st_thrift_writer *w, int16_t id, int v);
void st_thrift_w_double(st_thrift_writer *w, int16_t id, double v);
void st_thrift_w_binary(st_thrift_writer *w, int16_t id, const void *data, size_t len);
void st_thrift_w_string(st_thrift_writer *w, int16_t id, const char *s);
/* A struct-valued field; end it with st_thrift_w_struct_end(). */
void st_thrift_w_struct_begin(st_thrift_writer *w, int16_t id);
void st_thrift_w_struct_end(st_thrift_writer *w);
/* A list field header; then write count elements with the elem_ calls. */
void st_thrift_w_list_begin(st_thrift_writer *w, int16_t id, int elem_type, size_t count);
void st_thrift_w_elem_i32(st_thrift_writer *w, int32_t v);
void st_thrift_w_elem_binary(st_thrift_writer *w, const void *data, size_t len);
void st_thrift_w_elem_struct_begin(st_thrift_writer *w); /* end with struct_end */
/* Write the top-level STOP; returns 0 or the first error. */
int st_thrift_w_finish(st_thrift_writer *w);

/* Low-level varint helpers, also used by the Parquet RLE code. */
int st_varint_put(strata_buf *b, uint64_t v);

typedef struct st_thrift_reader {
	const uint8_t *start, *p, *end;
} st_thrift_reader;

void st_thrift_r_init(st_thrift_reader *r, const void *data, size_t len);
/* The next field header of the current struct. *type is ST_T_STOP at the
 * end; *last_id is the struct's previous field id (start at 0). */
int st_thrift_r_field(st_thrift_reader *r, int16_t *last_id, int *type, int16_t *id);
int st_thrift_r_varint(st_thrift_reader *r, uint64_t *v);
int st_thrift_r_i64(st_thrift_reader *r, int64_t *v); /* zigzag varint */
int st_thrift_r_i32(st_thrift_reader *r, int32_t *v); /* zigzag, range-checked */
int st_thrift_r_byte(st_thrift_reader *r, int8_t *v);
int st_thrift_r_double(st_thrift_reader *r, double *v);
/* A binary/string: *data points into the input, valid as long as it. */
int st_thrift_r_binary(st_thrift_reader *r, const uint8_t **data, size_t *len);
/* A list/set header: element type and count (count checked against the
 * bytes left: every element takes at least one byte, bools included). */
int st_thrift_r_list(st_thrift_reader *r, int *elem_type, size_t *count);
/* Skip a value of the given type; depth bounds the nesting. */
int st_thrift_r_skip(st_thrift_reader *r, int type, int depth);
/* Read an i32-valued field, checking the wire type first. */
int st_thrift_r_expect_i32(st_thrift_reader *r, int type, int32_t *v);
int st_thrift_r_expect_i64(st_thrift_reader *r, int type, int64_t *v);
/* Offset of the cursor, for messages. */
size_t st_thrift_r_offset(const st_thrift_reader *r);

#endif
