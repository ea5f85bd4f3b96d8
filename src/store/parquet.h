/*
 * parquet.h - strata's own Parquet writer and reader (flat schemas).
 *
 * Tables are column-oriented and in memory: each column has a name, a type
 * (physical + logical in one enum), nrows values in one contiguous array and
 * an optional validity bitmap (bit i, LSB first, set = row i is present).
 * Null rows hold a zero value (strings: an empty slice). A column with a
 * validity bitmap is written as an OPTIONAL field with definition levels.
 *
 * Value arrays by type:
 *   INT8..INT32, UINT8..UINT32  int32_t   (physical INT32)
 *   INT64, UINT64, TIMESTAMP    int64_t   (physical INT64)
 *   FLOAT float, DOUBLE double, BOOL uint8_t (0/1, one byte per row)
 *   STRING  offsets (int64_t, nrows + 1) into bytes (UTF-8, not terminated)
 *
 * See docs/store-parquet.md for encodings, codecs and limits.
 */
#ifndef STRATA_STORE_PARQUET_H
#define STRATA_STORE_PARQUET_H

#include <stddef.h>
#include <stdint.h>

#include "strata/buf.h"

typedef enum strata_pq_type {
	STRATA_PQ_INT8,
	STRATA_PQ_INT16,
	STRATA_PQ_INT32,
	STRATA_PQ_UINT8,
	STRATA_PQ_UINT16,
	STRATA_PQ_UINT32,
	STRATA_PQ_INT64,
	STRATA_PQ_UINT64,
	STRATA_PQ_TIMESTAMP, /* int64 with a unit; written as NANOS */
	STRATA_PQ_FLOAT,
	STRATA_PQ_DOUBLE,
	STRATA_PQ_BOOL,
	STRATA_PQ_STRING,
} strata_pq_type;

typedef enum strata_pq_unit {
	STRATA_PQ_NANOS,
	STRATA_PQ_MICROS,
	STRATA_PQ_MILLIS,
} strata_pq_unit;

typedef enum strata_pq_codec {
	STRATA_PQ_UNCOMPRESSED = 0,
	STRATA_PQ_SNAPPY = 1,
	STRATA_PQ_ZSTD = 6,
} strata_pq_codec;

typedef struct strata_pq_column {
	char *name;
	strata_pq_type type;
	strata_pq_unit unit; /* TIMESTAMP only */
	int utc;             /* TIMESTAMP only: isAdjustedToUTC */
	void *values;        /* see the table above; NULL for STRING */
	int64_t *offsets;    /* STRING: nrows + 1 entries */
	char *bytes;         /* STRING: offsets[nrows] bytes */
	uint8_t *validity;   /* NULL: no nulls (REQUIRED); else (nrows+7)/8 bytes */
} strata_pq_column;

typedef struct strata_pq_kv {
	char *key;
	char *value;
} strata_pq_kv;

/* A table owns its columns and their arrays. */
typedef struct strata_pq_table {
	size_t nrows;
	size_t ncols;
	strata_pq_column *cols;
} strata_pq_table;

void strata_pq_table_init(strata_pq_table *t, size_t nrows);
void strata_pq_table_free(strata_pq_table *t);

/* Add a column, copying nrows values of the type's element size (values may
 * be NULL: zeros) and the validity bitmap (NULL: no nulls, REQUIRED). For
 * TIMESTAMP the unit is NANOS and utc 1; change them on the returned column.
 * STRING with values NULL adds all-empty strings (offsets zeroed, bytes
 * NULL); strata_pq_table_add_strings builds one from C strings. */
int strata_pq_table_add(strata_pq_table *t, const char *name, strata_pq_type type,
                        const void *values, const uint8_t *validity, strata_pq_column **out);

/* Add a STRING column from C strings; a NULL entry is a null row. When
 * nullable is 0 and no entry is NULL, the column is REQUIRED. */
int strata_pq_table_add_strings(strata_pq_table *t, const char *name, const char *const *strs,
                                int nullable);

/* Whether row i of column c is present (not null). */
int strata_pq_is_valid(const strata_pq_column *c, size_t i);

/* Bytes per value of the array of a non-STRING type (BOOL: 1). */
size_t strata_pq_type_size(strata_pq_type type);
const char *strata_pq_type_name(strata_pq_type type);

typedef struct strata_pq_write_options {
	strata_pq_codec codec;  /* default UNCOMPRESSED */
	int zstd_level;         /* 0: 3 */
	size_t row_group_rows;  /* 0: 131072 (a 1 % range read decodes little) */
	int no_dictionary;      /* 1: PLAIN strings always */
	size_t dict_max_bytes;  /* dictionary page size limit; 0: 1 MiB */
	const strata_pq_kv *kv; /* key/value metadata (e.g. "pandas") */
	size_t nkv;
	uint32_t *crc32c; /* not NULL: receives the CRC-32C of the file written */
	int64_t *size;    /* not NULL: receives the file's size in bytes */
} strata_pq_write_options;

/* Write table to path atomically. opts may be NULL (defaults). */
int strata_parquet_write(const char *path, const strata_pq_table *table,
                         const strata_pq_write_options *opts);

/* ---- reader ------------------------------------------------------------ */

typedef struct strata_pq_file strata_pq_file;

typedef struct strata_pq_column_info {
	const char *name;
	strata_pq_type type;
	strata_pq_unit unit;
	int utc;
	int optional; /* 1: OPTIONAL (may hold nulls) */
} strata_pq_column_info;

/* Column chunk statistics from the footer; has_min/has_max say whether the
 * file had them. Integers (and timestamps, bools) in i, floats in d,
 * strings as a slice into the file (valid while it is open). */
typedef struct strata_pq_stats {
	int has_min, has_max, has_null_count;
	int64_t null_count;
	union {
		int64_t i;
		uint64_t u;
		double d;
	} min, max;
	const uint8_t *min_str, *max_str;
	size_t min_len, max_len;
} strata_pq_stats;

/* Open a file: read it whole, check magic and footer, parse the metadata. */
int strata_parquet_open(const char *path, strata_pq_file **out);
/* Same over bytes the caller keeps alive while the file is open; name is
 * used in messages. */
int strata_parquet_open_memory(const void *data, size_t len, const char *name,
                               strata_pq_file **out);
void strata_parquet_close(strata_pq_file *f);

int64_t strata_parquet_num_rows(const strata_pq_file *f);
size_t strata_parquet_num_columns(const strata_pq_file *f);
size_t strata_parquet_num_row_groups(const strata_pq_file *f);
int64_t strata_parquet_row_group_rows(const strata_pq_file *f, size_t rg);
const strata_pq_column_info *strata_parquet_column(const strata_pq_file *f, size_t col);
size_t strata_parquet_num_kv(const strata_pq_file *f);
const strata_pq_kv *strata_parquet_kv(const strata_pq_file *f, size_t i);
/* The value of a key/value metadata key, or NULL. */
const char *strata_parquet_kv_get(const strata_pq_file *f, const char *key);
const char *strata_parquet_created_by(const strata_pq_file *f);
int strata_parquet_stats(const strata_pq_file *f, size_t rg, size_t col, strata_pq_stats *out);

/* Read columns cols[0..ncols) (NULL: all, in file order) of row groups
 * rgs[0..nrgs) (NULL: all) into out (initialized here; free it with
 * strata_pq_table_free), rows concatenated in the order given. */
int strata_parquet_read(strata_pq_file *f, const size_t *cols, size_t ncols, const size_t *rgs,
                        size_t nrgs, strata_pq_table *out);

/* ---- internal: footer structures shared by parquet_*.c ----------------- */

/* Parquet enum values (parquet.thrift). */
enum {
	ST_PQ_BOOLEAN = 0,
	ST_PQ_INT32 = 1,
	ST_PQ_INT64 = 2,
	ST_PQ_INT96 = 3,
	ST_PQ_FLOAT = 4,
	ST_PQ_DOUBLE = 5,
	ST_PQ_BYTE_ARRAY = 6,
	ST_PQ_FIXED = 7,
};
enum { ST_PQ_REQUIRED = 0, ST_PQ_OPTIONAL = 1, ST_PQ_REPEATED = 2 };
enum {
	ST_PQ_ENC_PLAIN = 0,
	ST_PQ_ENC_PLAIN_DICT = 2,
	ST_PQ_ENC_RLE = 3,
	ST_PQ_ENC_BIT_PACKED = 4,
	ST_PQ_ENC_DELTA_BINARY = 5,     /* DELTA_BINARY_PACKED */
	ST_PQ_ENC_DELTA_LENGTH = 6,     /* DELTA_LENGTH_BYTE_ARRAY */
	ST_PQ_ENC_DELTA_BYTE_ARRAY = 7, /* DELTA_BYTE_ARRAY */
	ST_PQ_ENC_RLE_DICT = 8,
	ST_PQ_ENC_BYTE_STREAM_SPLIT = 9,
};
enum { ST_PQ_DATA_PAGE = 0, ST_PQ_INDEX_PAGE = 1, ST_PQ_DICT_PAGE = 2, ST_PQ_DATA_PAGE_V2 = 3 };
enum { ST_PQ_CT_UTF8 = 0, ST_PQ_CT_TS_MILLIS = 9, ST_PQ_CT_TS_MICROS = 10, ST_PQ_CT_UINT_8 = 11 };
/* ConvertedType UINT_8..UINT_64 = 11..14, INT_8..INT_64 = 15..18. */
enum { ST_PQ_LT_NONE = 0, ST_PQ_LT_STRING = 1, ST_PQ_LT_TIMESTAMP = 8, ST_PQ_LT_INT = 10 };

typedef struct st_pq_slice {
	const uint8_t *p;
	size_t len;
} st_pq_slice;

typedef struct st_pq_raw_stats {
	int has_min, has_max, has_null_count;
	st_pq_slice min, max; /* min_value/max_value (or legacy min/max) */
	int64_t null_count;
} st_pq_raw_stats;

typedef struct st_pq_chunk_meta {
	int32_t type, codec;
	int32_t encodings[4];
	size_t nencodings;
	st_pq_slice path; /* the one path_in_schema element (flat schemas) */
	size_t path_depth;
	int64_t num_values, total_uncompressed, total_compressed;
	int64_t data_page_offset, dictionary_page_offset; /* -1: no dictionary */
	int has_meta;
	st_pq_raw_stats stats;
} st_pq_chunk_meta;

typedef struct st_pq_schema_el {
	st_pq_slice name;
	int has_type;
	int32_t type, type_length, repetition, num_children;
	int has_converted;
	int32_t converted;
	int logical;   /* ST_PQ_LT_* */
	int bit_width; /* INT */
	int is_signed; /* INT */
	int ts_unit;   /* TIMESTAMP: strata_pq_unit, -1 unknown */
	int ts_utc;    /* TIMESTAMP */
} st_pq_schema_el;

typedef struct st_pq_row_group {
	st_pq_chunk_meta *cols;
	size_t ncols;
	int64_t num_rows, total_byte_size;
} st_pq_row_group;

typedef struct st_pq_kv_raw {
	st_pq_slice key, value;
	int has_value;
} st_pq_kv_raw;

typedef struct st_pq_file_meta {
	int32_t version;
	st_pq_schema_el *schema;
	size_t nschema;
	int64_t num_rows;
	st_pq_row_group *rgs;
	size_t nrgs;
	st_pq_kv_raw *kv;
	size_t nkv;
	st_pq_slice created_by;
} st_pq_file_meta;

typedef struct st_pq_page_header {
	int32_t type, uncompressed_size, compressed_size;
	int has_data, has_dict, has_v2;
	int32_t num_values, encoding, def_encoding;    /* v1 / dictionary */
	int32_t num_nulls, num_rows, def_len, rep_len; /* v2 */
	int is_compressed;                             /* v2, default 1 */
} st_pq_page_header;

int st_pq_encode_file_meta(strata_buf *out, const st_pq_file_meta *m);
/* Parse a footer; arrays are allocated (st_pq_file_meta_free), strings are
 * slices into data. */
int st_pq_decode_file_meta(const uint8_t *data, size_t len, st_pq_file_meta *m);
void st_pq_file_meta_free(st_pq_file_meta *m);
int st_pq_encode_page_header(strata_buf *out, const st_pq_page_header *h);

/* The process's shared pool for decoding and encoding column chunks in
 * parallel (parquet_read.c): acquire returns it reserved for the caller, or
 * NULL (one core, busy with another call, a forked child) to work on the
 * calling thread; release after strata_workers_for. Work smaller than
 * ST_PQ_PARALLEL_MIN_VALUES values stays on the calling thread. */
struct strata_workers;
struct strata_workers *st_pq_pool_acquire(void);
void st_pq_pool_release(void);
#define ST_PQ_PARALLEL_MIN_VALUES ((size_t)1 << 18)
/* Parse a page header at data; *used is its length in bytes. */
int st_pq_decode_page_header(const uint8_t *data, size_t len, st_pq_page_header *h, size_t *used);

#endif
