/*
 * csv.h - an RFC 4180 CSV reader for `strata store write/append`.
 *
 * Fields are separated by ',' and records by LF or CRLF; a field may be
 * quoted ("a,b", "say ""hi""") and then hold commas, quotes and line breaks.
 * The first record is the header. Every record must have as many fields as
 * the header. A final line break ends the last record (no empty record
 * follows it). Errors name the input as name:line:column.
 */
#ifndef STRATA_STORE_CSV_H
#define STRATA_STORE_CSV_H

#include <stddef.h>
#include <stdint.h>

/* Default limit on the bytes of one field. */
#define STORE_CSV_FIELD_MAX (16u << 20)

typedef struct store_csv {
	size_t nrows;         /* data records (the header excluded) */
	size_t ncols;         /* fields per record */
	char **cells;         /* (nrows + 1) * ncols NUL-terminated fields, header first */
	uint32_t *line, *col; /* where each cell starts (1-based) */
	char *bytes;          /* storage the cells point into */
} store_csv;

/* Parse len bytes of data (name is used in messages); fields longer than
 * field_max bytes (0: STORE_CSV_FIELD_MAX) are refused (STRATA_ELIMIT). */
int store_csv_parse(const char *name, const char *data, size_t len, size_t field_max,
                    store_csv *out);
void store_csv_free(store_csv *c);

/* Cell (row, col) of the data records (row 0 is the first after the header). */
static inline const char *store_csv_cell(const store_csv *c, size_t row, size_t col)
{
	return c->cells[(row + 1) * c->ncols + col];
}

#endif
