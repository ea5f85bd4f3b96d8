/* setitec.c - read Setitec drilling exports: metadata sections and the Datas table. */
#include "drill/setitec.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strata/error.h"
#include "strata/file.h"

/* A cell: a slice of the current line plus its 1-based byte column. */
typedef struct cell {
	const char *s;
	size_t n;
	size_t col;
} cell;

enum meta_state { EXPECT_HEADER, EXPECT_VALUES, AFTER_VALUES, DATA_HEADER, DATA_ROWS };

typedef struct parser {
	const char *name;
	size_t lineno;
	char sep;
	enum meta_state state;
	int seen_datas;
	char *section; /* current section, UTF-8 */
	char **hdr;    /* current metadata header names */
	size_t n_hdr;
	size_t row;       /* value row index under the current header */
	size_t cap_rows;  /* capacity of each column's values */
	size_t max_cells; /* widest data row */
	size_t cap_meta;  /* capacity of out->meta */
	drill_setitec *out;
} parser;

/* Latin-1 bytes to a malloc'd UTF-8 string; NUL bytes are dropped. */
static char *latin1_to_utf8(const char *s, size_t n)
{
	char *o = malloc(2 * n + 1), *p = o;

	if (!o)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == 0)
			continue;
		if (c < 0x80) {
			*p++ = (char)c;
		} else {
			*p++ = (char)(0xC0 | (c >> 6));
			*p++ = (char)(0x80 | (c & 0x3F));
		}
	}
	*p = '\0';
	return o;
}

/* Copy a cell for an error message: printable ASCII, '?' otherwise, at most 40 bytes. */
static void show(const cell *c, char *buf, size_t size)
{
	size_t n = c->n < size - 1 ? c->n : size - 1;

	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)c->s[i];

		buf[i] = ch >= 0x20 && ch < 0x7F ? (char)ch : '?';
	}
	buf[n] = '\0';
}

/* Trim spaces and CRs from both ends of a cell. */
static void trim(cell *c)
{
	while (c->n && (c->s[0] == ' ' || c->s[0] == '\r')) {
		c->s++;
		c->n--;
		c->col++;
	}
	while (c->n && (c->s[c->n - 1] == ' ' || c->s[c->n - 1] == '\r'))
		c->n--;
}

/* Split a line into cells (trimmed); returns the count, trailing empty cells dropped.
 * At most max cells are stored; *total gets the count before that cap. */
static size_t split(const char *line, size_t len, char sep, cell *cells, size_t max, size_t *total)
{
	size_t n = 0, start = 0, last = 0;

	for (size_t i = 0; i <= len; i++) {
		if (i < len && line[i] != sep)
			continue;
		cell c = {line + start, i - start, start + 1};

		trim(&c);
		if (n < max)
			cells[n] = c;
		n++;
		if (c.n)
			last = n;
		start = i + 1;
	}
	*total = last;
	return last < max ? last : max;
}

/* Parse a decimal number with '.' or ',' as the point and an optional exponent.
 * Short mantissas are converted exactly (correctly rounded); others via strtod. */
static int parse_number(const char *s, size_t n, double *out)
{
	static const double pow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
	                               1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
	                               1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
	char buf[64];
	size_t i = 0, digits = 0;
	uint64_t m = 0;
	int neg = 0, frac = 0, exact = 1;
	long e = 0;

	if (n == 0 || n >= sizeof(buf))
		return -1;
	if (s[i] == '-' || s[i] == '+')
		neg = s[i++] == '-';
	for (; i < n && s[i] >= '0' && s[i] <= '9'; i++, digits++) {
		exact &= m < (UINT64_C(1) << 53) / 10;
		m = m * 10 + (uint64_t)(s[i] - '0');
	}
	if (i < n && (s[i] == '.' || s[i] == ',')) {
		for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++, digits++, frac++) {
			exact &= m < (UINT64_C(1) << 53) / 10;
			m = m * 10 + (uint64_t)(s[i] - '0');
		}
	}
	if (digits == 0)
		return -1;
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		size_t j = ++i, ed = 0;
		int eneg = 0;

		if (j < n && (s[j] == '-' || s[j] == '+'))
			eneg = s[j++] == '-';
		for (; j < n && s[j] >= '0' && s[j] <= '9' && ed < 5; j++, ed++)
			e = e * 10 + (s[j] - '0');
		if (ed == 0)
			return -1;
		e = eneg ? -e : e;
		i = j;
	}
	if (i != n)
		return -1;
	e -= frac;
	if (exact && e >= -22 && e <= 22) {
		double v = (double)m;

		v = e < 0 ? v / pow10[-e] : v * pow10[e];
		*out = neg ? -v : v;
		return 0;
	}
	memcpy(buf, s, n);
	buf[n] = '\0';
	for (char *p = buf; *p; p++)
		if (*p == ',')
			*p = '.';
	*out = strtod(buf, NULL);
	return 0;
}

/* If the line is "*** Name ***", return 1 and the name cell. */
static int section_name(const cell *first, size_t ncells, cell *name)
{
	if (ncells != 1 || first->n < 8 || memcmp(first->s, "*** ", 4) != 0 ||
	    memcmp(first->s + first->n - 4, " ***", 4) != 0)
		return 0;
	name->s = first->s + 4;
	name->n = first->n - 8;
	return 1;
}

static void free_hdr(parser *p)
{
	for (size_t i = 0; i < p->n_hdr; i++)
		free(p->hdr[i]);
	free(p->hdr);
	p->hdr = NULL;
	p->n_hdr = 0;
}

static int oom(const parser *p)
{
	return strata_error_set(STRATA_ENOMEM, "%s:%zu: out of memory", p->name, p->lineno);
}

/* Remember a metadata header row. */
static int meta_header(parser *p, const cell *cells, size_t n)
{
	free_hdr(p);
	p->hdr = calloc(n ? n : 1, sizeof(*p->hdr));
	if (!p->hdr)
		return oom(p);
	p->n_hdr = n;
	for (size_t i = 0; i < n; i++) {
		p->hdr[i] = latin1_to_utf8(cells[i].s, cells[i].n);
		if (!p->hdr[i])
			return oom(p);
	}
	p->row = 0;
	p->state = EXPECT_VALUES;
	return 0;
}

/* Append one metadata entry. */
static int meta_add(parser *p, const char *key, const cell *v)
{
	drill_setitec *f = p->out;
	drill_setitec_meta *m;

	if (f->n_meta == p->cap_meta) {
		size_t cap = p->cap_meta ? 2 * p->cap_meta : 16;

		m = realloc(f->meta, cap * sizeof(*m));
		if (!m)
			return oom(p);
		f->meta = m;
		p->cap_meta = cap;
	}
	m = &f->meta[f->n_meta];
	m->section = strdup(p->section ? p->section : "");
	m->key = strdup(key);
	m->value = v ? latin1_to_utf8(v->s, v->n) : strdup("");
	m->row = p->row;
	f->n_meta++;
	if (!m->section || !m->key || !m->value)
		return oom(p);
	return 0;
}

/* Store a row of values under the current header. */
static int meta_values(parser *p, const cell *cells, size_t n)
{
	int rc;

	for (size_t i = 0; i < p->n_hdr; i++) {
		if (!p->hdr[i][0])
			continue;
		rc = meta_add(p, p->hdr[i], i < n ? &cells[i] : NULL);
		if (rc)
			return rc;
	}
	p->row++;
	p->state = AFTER_VALUES;
	return 0;
}

/* A metadata line: a header, or values (the line after a header, or a numeric row). */
static int meta_line(parser *p, const cell *cells, size_t n)
{
	double d;

	if (p->state == EXPECT_HEADER)
		return meta_header(p, cells, n);
	if (p->state == EXPECT_VALUES || (n && parse_number(cells[0].s, cells[0].n, &d) == 0))
		return meta_values(p, cells, n);
	return meta_header(p, cells, n);
}

/* The Datas header: one column per name. */
static int data_header(parser *p, const cell *cells, size_t n)
{
	drill_setitec *f = p->out;

	if (n == 0)
		return strata_error_set(STRATA_EPARSE, "%s:%zu: *** Datas ***: empty header row",
		                        p->name, p->lineno);
	f->cols = calloc(n, sizeof(*f->cols));
	if (!f->cols)
		return oom(p);
	f->n_cols = n;
	for (size_t i = 0; i < n; i++) {
		f->cols[i].name = latin1_to_utf8(cells[i].s, cells[i].n);
		if (!f->cols[i].name)
			return oom(p);
	}
	p->state = DATA_ROWS;
	return 0;
}

/* Make room for one more row in every column. */
static int grow_rows(parser *p)
{
	drill_setitec *f = p->out;
	size_t cap = p->cap_rows ? 2 * p->cap_rows : 1024;

	if (f->n_rows < p->cap_rows)
		return 0;
	for (size_t i = 0; i < f->n_cols; i++) {
		double *v = realloc(f->cols[i].values, cap * sizeof(*v));

		if (!v)
			return oom(p);
		f->cols[i].values = v;
	}
	p->cap_rows = cap;
	return 0;
}

/* One row of numbers; an empty or missing cell is NaN. */
static int data_row(parser *p, const cell *cells, size_t n, size_t total)
{
	drill_setitec *f = p->out;
	char shown[48];
	int rc;

	if (total > f->n_cols)
		return strata_error_set(STRATA_EPARSE,
		                        "%s:%zu:%zu: *** Datas ***: row has %zu "
		                        "cells, the header names %zu columns",
		                        p->name, p->lineno, cells[n - 1].col, total, f->n_cols);
	if ((rc = grow_rows(p)))
		return rc;
	for (size_t i = 0; i < f->n_cols; i++) {
		double *v = &f->cols[i].values[f->n_rows];

		*v = NAN;
		if (i >= n || cells[i].n == 0)
			continue;
		if (parse_number(cells[i].s, cells[i].n, v) != 0) {
			show(&cells[i], shown, 41);
			return strata_error_set(STRATA_EPARSE,
			                        "%s:%zu:%zu: column '%s': bad "
			                        "number '%s'",
			                        p->name, p->lineno, cells[i].col, f->cols[i].name,
			                        shown);
		}
	}
	if (total > p->max_cells)
		p->max_cells = total;
	f->n_rows++;
	return 0;
}

/* Start a section: "Datas" switches to the table. */
static int start_section(parser *p, const cell *name)
{
	free(p->section);
	p->section = latin1_to_utf8(name->s, name->n);
	if (!p->section)
		return oom(p);
	free_hdr(p);
	if (name->n == 5 && memcmp(name->s, "Datas", 5) == 0) {
		if (p->seen_datas)
			return strata_error_set(STRATA_EPARSE,
			                        "%s:%zu: a second *** Datas *** "
			                        "section",
			                        p->name, p->lineno);
		p->seen_datas = 1;
		p->state = DATA_HEADER;
	} else {
		p->state = EXPECT_HEADER;
	}
	return 0;
}

/* Dispatch one line. */
static int parse_line(parser *p, const char *line, size_t len)
{
	cell cells[DRILL_SETITEC_MAX_COLUMNS], name;
	size_t total, n = split(line, len, p->sep, cells, DRILL_SETITEC_MAX_COLUMNS, &total);

	if (total > DRILL_SETITEC_MAX_COLUMNS)
		return strata_error_set(STRATA_ELIMIT, "%s:%zu: more than %u cells", p->name,
		                        p->lineno, DRILL_SETITEC_MAX_COLUMNS);
	if (n == 0) {
		if (p->state != DATA_HEADER && p->state != DATA_ROWS)
			p->state = EXPECT_HEADER;
		return 0;
	}
	if (section_name(&cells[0], n, &name))
		return start_section(p, &name);
	switch (p->state) {
	case DATA_HEADER: return data_header(p, cells, n);
	case DATA_ROWS: return data_row(p, cells, n, total);
	default: return meta_line(p, cells, n);
	}
}

/* Check the table and point at the standard columns; drop header-only columns. */
static int finish(parser *p)
{
	drill_setitec *f = p->out;
	static const char *const names[] = {DRILL_SETITEC_POSITION, DRILL_SETITEC_TORQUE,
	                                    DRILL_SETITEC_THRUST, DRILL_SETITEC_STEP};
	const double **slots[] = {&f->position, &f->torque, &f->thrust, &f->step};

	if (!p->seen_datas || !f->cols)
		return strata_error_set(STRATA_ESCHEMA, "%s: no *** Datas *** table", p->name);
	while (f->n_rows && f->n_cols > p->max_cells) {
		f->n_cols--;
		free(f->cols[f->n_cols].name);
		free(f->cols[f->n_cols].values);
	}
	for (size_t i = 0; i < f->n_cols && !f->n_rows; i++) {
		/* an empty table still has (empty) arrays */
		f->cols[i].values = malloc(sizeof(double));
		if (!f->cols[i].values)
			return oom(p);
	}
	for (size_t i = 0; i < 4; i++) {
		const drill_setitec_column *c = drill_setitec_column_find(f, names[i]);

		if (!c)
			return strata_error_set(STRATA_ESCHEMA, "%s: *** Datas ***: no '%s' column",
			                        p->name, names[i]);
		*slots[i] = c->values;
	}
	return 0;
}

/* Choose the separator from the first line: tab unless only ';' occurs. */
static char detect_sep(const char *data, size_t len)
{
	const char *nl = memchr(data, '\n', len);
	size_t n = nl ? (size_t)(nl - data) : len;

	if (!memchr(data, '\t', n) && memchr(data, ';', n))
		return ';';
	return '\t';
}

int drill_setitec_parse(const char *data, size_t len, const char *name, drill_setitec *out)
{
	parser p = {.name = name ? name : "setitec", .state = EXPECT_HEADER, .out = out};
	size_t pos = 0;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	if (!data)
		len = 0;
	if (len > DRILL_SETITEC_MAX_BYTES)
		return strata_error_set(STRATA_ELIMIT, "%s: %zu bytes exceed %u", p.name, len,
		                        DRILL_SETITEC_MAX_BYTES);
	p.sep = len ? detect_sep(data, len) : '\t';
	while (pos < len && rc == 0) {
		const char *nl = memchr(data + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (data + pos)) : len - pos;

		p.lineno++;
		rc = parse_line(&p, data + pos, n);
		pos += n + 1;
	}
	if (rc == 0)
		rc = finish(&p);
	free(p.section);
	free_hdr(&p);
	if (rc)
		drill_setitec_free(out);
	return rc;
}

int drill_setitec_read(const char *path, drill_setitec *out)
{
	char *data = NULL;
	size_t len = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = strata_file_read_all(path, DRILL_SETITEC_MAX_BYTES, &data, &len);
	if (rc)
		return rc;
	rc = drill_setitec_parse(data, len, path, out);
	free(data);
	return rc;
}

void drill_setitec_free(drill_setitec *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->n_meta; i++) {
		free(f->meta[i].section);
		free(f->meta[i].key);
		free(f->meta[i].value);
	}
	free(f->meta);
	for (size_t i = 0; i < f->n_cols; i++) {
		free(f->cols[i].name);
		free(f->cols[i].values);
	}
	free(f->cols);
	memset(f, 0, sizeof(*f));
}

const char *drill_setitec_meta_get(const drill_setitec *f, const char *section, const char *key)
{
	for (size_t i = 0; i < f->n_meta; i++) {
		const drill_setitec_meta *m = &f->meta[i];

		if ((!section || !strcmp(m->section, section)) && !strcmp(m->key, key))
			return m->value;
	}
	return NULL;
}

const drill_setitec_column *drill_setitec_column_find(const drill_setitec *f, const char *name)
{
	for (size_t i = 0; i < f->n_cols; i++)
		if (!strcmp(f->cols[i].name, name))
			return &f->cols[i];
	return NULL;
}
