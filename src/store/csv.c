/* csv.c - an RFC 4180 CSV reader (see csv.h). */
#include "csv.h"

#include "strata/buf.h"
#include "strata/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Parser state: the input cursor, its position and the cells so far. */
typedef struct csv_parser {
	const char *name;
	const char *p, *end;
	const char *line_start;
	uint32_t line;
	size_t field_max;
	strata_buf bytes; /* every field, each followed by a NUL */
	size_t *offs;     /* start of each cell in bytes */
	uint32_t *lines, *cols;
	size_t ncells, cap;
	size_t ncols;      /* fields of the header; 0 until it is read */
	size_t rec_fields; /* fields of the current record */
	uint32_t rec_line;
} csv_parser;

static uint32_t cur_col(const csv_parser *ps)
{
	return (uint32_t)(ps->p - ps->line_start) + 1;
}

static int csv_error(const csv_parser *ps, uint32_t line, uint32_t col, int code, const char *why)
{
	return strata_error_set(code, "%s:%u:%u: %s", ps->name, (unsigned)line, (unsigned)col, why);
}

/* Start a new cell at the cursor. */
static int cell_begin(csv_parser *ps)
{
	if (ps->ncells == ps->cap) {
		size_t cap = ps->cap ? ps->cap * 2 : 64;
		size_t *o = realloc(ps->offs, cap * sizeof(*o));
		if (o)
			ps->offs = o;
		uint32_t *l = o ? realloc(ps->lines, cap * sizeof(*l)) : NULL;
		if (l)
			ps->lines = l;
		uint32_t *c = l ? realloc(ps->cols, cap * sizeof(*c)) : NULL;
		if (!c)
			return strata_error_set(STRATA_ENOMEM, "%s: out of memory", ps->name);
		ps->cols = c;
		ps->cap = cap;
	}
	ps->offs[ps->ncells] = ps->bytes.len;
	ps->lines[ps->ncells] = ps->line;
	ps->cols[ps->ncells] = cur_col(ps);
	ps->ncells++;
	ps->rec_fields++;
	return 0;
}

/* Append one byte to the current cell, enforcing the field limit. */
static int cell_put(csv_parser *ps, char ch)
{
	if (ps->bytes.len - ps->offs[ps->ncells - 1] >= ps->field_max)
		return csv_error(ps, ps->lines[ps->ncells - 1], ps->cols[ps->ncells - 1],
		                 STRATA_ELIMIT, "field longer than the limit");
	return strata_buf_putc(&ps->bytes, ch);
}

/* Note a line break at the cursor (which points at the '\n'). */
static void newline(csv_parser *ps)
{
	ps->line++;
	ps->line_start = ps->p + 1;
}

/* Read a quoted field; the cursor is on the opening quote. */
static int quoted_field(csv_parser *ps)
{
	uint32_t line = ps->line, col = cur_col(ps);
	int rc;

	ps->p++;
	for (;;) {
		if (ps->p == ps->end)
			return csv_error(ps, line, col, STRATA_EPARSE, "unterminated quoted field");
		char ch = *ps->p;
		if (ch == '"') {
			if (ps->p + 1 == ps->end || ps->p[1] != '"') {
				ps->p++;
				return 0;
			}
			ps->p++;
		} else if (ch == '\n') {
			newline(ps);
		}
		if ((rc = cell_put(ps, ch)))
			return rc;
		ps->p++;
	}
}

/* Read an unquoted field up to ',', a line break or the end. */
static int plain_field(csv_parser *ps)
{
	int rc;

	while (ps->p < ps->end && *ps->p != ',' && *ps->p != '\n') {
		if (*ps->p == '"')
			return csv_error(ps, ps->line, cur_col(ps), STRATA_EPARSE,
			                 "quote inside an unquoted field");
		if (*ps->p == '\r' && (ps->p + 1 == ps->end || ps->p[1] != '\n'))
			return csv_error(ps, ps->line, cur_col(ps), STRATA_EPARSE,
			                 "carriage return without a line feed");
		if (*ps->p == '\r') {
			ps->p++;
			continue;
		}
		if ((rc = cell_put(ps, *ps->p)))
			return rc;
		ps->p++;
	}
	return 0;
}

/* Check the field count of the record just ended. */
static int end_record(csv_parser *ps)
{
	if (!ps->ncols)
		ps->ncols = ps->rec_fields;
	else if (ps->rec_fields != ps->ncols) {
		char why[96];
		snprintf(why, sizeof(why), "record has %zu fields, the header has %zu",
		         ps->rec_fields, ps->ncols);
		return csv_error(ps, ps->rec_line, 1, STRATA_EPARSE, why);
	}
	ps->rec_fields = 0;
	return 0;
}

/* Read one field and the separator after it. */
static int field(csv_parser *ps)
{
	int rc;

	if (ps->rec_fields == 0)
		ps->rec_line = ps->line;
	if ((rc = cell_begin(ps)))
		return rc;
	rc = ps->p < ps->end && *ps->p == '"' ? quoted_field(ps) : plain_field(ps);
	if (rc || (rc = strata_buf_putc(&ps->bytes, '\0')))
		return rc;
	if (ps->p < ps->end && *ps->p == '\r' && ps->p + 1 < ps->end && ps->p[1] == '\n')
		ps->p++;
	if (ps->p == ps->end)
		return end_record(ps);
	if (*ps->p == ',') {
		ps->p++;
		if (ps->p == ps->end)
			return field(ps); /* "a," ends with an empty field */
		return 0;
	}
	if (*ps->p == '\n') {
		newline(ps);
		ps->p++;
		return end_record(ps);
	}
	return csv_error(ps, ps->line, cur_col(ps), STRATA_EPARSE,
	                 "unexpected character after a closing quote");
}

/* Turn the parser's offsets into out's cell pointers. */
static int build(csv_parser *ps, store_csv *out)
{
	out->ncols = ps->ncols;
	out->nrows = ps->ncells / ps->ncols - 1;
	out->cells = malloc(ps->ncells * sizeof(*out->cells));
	if (!out->cells)
		return strata_error_set(STRATA_ENOMEM, "%s: out of memory", ps->name);
	out->bytes = strata_buf_detach(&ps->bytes);
	for (size_t i = 0; i < ps->ncells; i++)
		out->cells[i] = out->bytes + ps->offs[i];
	out->line = ps->lines;
	out->col = ps->cols;
	ps->lines = ps->cols = NULL;
	return 0;
}

int store_csv_parse(const char *name, const char *data, size_t len, size_t field_max,
                    store_csv *out)
{
	csv_parser ps = {.name = name, .p = data, .end = data + len, .line_start = data, .line = 1};
	int rc = 0;

	memset(out, 0, sizeof(*out));
	ps.field_max = field_max ? field_max : STORE_CSV_FIELD_MAX;
	if (len == 0)
		return strata_error_set(STRATA_EPARSE, "%s: empty file, expected a header row",
		                        name);
	/* Reserve so that an all-empty input still has a buffer. */
	if ((rc = strata_buf_grow(&ps.bytes, 1)))
		return rc;
	while (!rc && ps.p < ps.end)
		rc = field(&ps);
	if (!rc)
		rc = build(&ps, out);
	strata_buf_free(&ps.bytes);
	free(ps.offs);
	free(ps.lines);
	free(ps.cols);
	if (rc)
		store_csv_free(out);
	return rc;
}

void store_csv_free(store_csv *c)
{
	free(c->cells);
	free(c->bytes);
	free(c->line);
	free(c->col);
	memset(c, 0, sizeof(*c));
}
