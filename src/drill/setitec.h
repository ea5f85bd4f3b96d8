/*
 * setitec.h - Setitec drilling exports (".xls" files that are really text).
 *
 * The unit writes Latin-1 text, one record per line, cells separated by tabs
 * (one converted file uses ';'), numbers with a decimal comma (files converted
 * from MQTT use a point; both are accepted). Sections start with a line
 * "*** Name ***". Metadata sections hold a row of column names followed by one
 * or more rows of values; `*** Datas ***` holds the 100 Hz table: a row of
 * column names, then one row of numbers per sample.
 *
 * Text is converted to UTF-8; NUL bytes in metadata are dropped. A cell in the
 * table that is not a number fails with "file:line:column: ..."; an empty cell
 * is NaN. Header names beyond the widest data row (a duplicated trailing
 * "Gap Length (mm)" in some firmware) are dropped.
 */
#ifndef STRATA_DRILL_SETITEC_H
#define STRATA_DRILL_SETITEC_H

#include <stddef.h>

#define DRILL_SETITEC_MAX_BYTES   (512u << 20) /* file size accepted */
#define DRILL_SETITEC_MAX_COLUMNS 256u

/* Standard column names of the table. */
#define DRILL_SETITEC_POSITION "Position (mm)"
#define DRILL_SETITEC_TORQUE   "I Torque (A)"
#define DRILL_SETITEC_THRUST   "I Thrust (A)"
#define DRILL_SETITEC_STEP     "Step (nb)"

/* One metadata value: section "Head Datas", key "Head Global Counter". */
typedef struct drill_setitec_meta {
	char *section;
	char *key;
	char *value; /* "" when the cell is empty */
	size_t row;  /* 0 for the first value row under a header, then 1, 2, ... */
} drill_setitec_meta;

typedef struct drill_setitec_column {
	char *name;     /* UTF-8 */
	double *values; /* n_rows values; NaN for an empty cell */
} drill_setitec_column;

typedef struct drill_setitec {
	drill_setitec_meta *meta;
	size_t n_meta;
	drill_setitec_column *cols;
	size_t n_cols;
	size_t n_rows;
	/* the standard columns; the parser fails when one is missing */
	const double *position, *torque, *thrust, *step;
} drill_setitec;

/* Parse len bytes of an export; name labels errors. On failure *out is empty. */
int drill_setitec_parse(const char *data, size_t len, const char *name, drill_setitec *out);

/* Read and parse a file. */
int drill_setitec_read(const char *path, drill_setitec *out);

void drill_setitec_free(drill_setitec *f);

/* The first value of key (in section, or any section when NULL), or NULL. */
const char *drill_setitec_meta_get(const drill_setitec *f, const char *section, const char *key);

/* The first column named name, or NULL. */
const drill_setitec_column *drill_setitec_column_find(const drill_setitec *f, const char *name);

#endif
