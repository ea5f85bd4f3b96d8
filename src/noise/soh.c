/*
 * soh.c - Noiz's SOH formats: reading Nanometrics CSV and Centaur miniSEED
 * state-of-health files into samples (see soh.h and docs/noise-soh.md).
 */
#include "noise/soh.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "noise/mseed_index.h"
#include "strata/error.h"
#include "strata/file.h"

#define SOH_MAX_COLUMNS   16
#define SOH_MAX_FILE_SIZE ((size_t)1 << 30) /* 1 GiB: SOH files are daily and small */
#define SOH_FIELD_MAX     64                /* longest numeric or time field */

/* How a CSV column is read; Noiz's pandas dtypes. */
typedef enum soh_col_type {
	COL_SKIP,  /* not among Noiz's used columns: never looked at */
	COL_TIME,  /* UTCDateTime */
	COL_FLOAT, /* np.float64: a number or empty (missing) */
	COL_INT8,  /* np.int8: an integer in [-128, 127], never empty */
	COL_INT32, /* np.int32 */
	COL_STR    /* str: anything */
} soh_col_type;

typedef struct soh_column {
	const char *name;
	soh_col_type type;
} soh_column;

/* cols[] holds the row's column (or channel) values, NaN when missing. */
typedef void (*soh_convert_fn)(const double *cols, double v[3]);

struct noise_soh_format {
	const char *station_type, *soh_type, *name, *glob;
	noise_soh_table table;
	int mseed; /* columns are miniSEED channels, else CSV header names */
	const soh_column *columns;
	size_t ncolumns;
	soh_convert_fn convert;
};

/* --- the formats (parsing_params.py) ----------------------------------------------- */

static const soh_column centaur_instrument_csv[] = {
    {"timestamp", COL_SKIP},          {"UTCDateTime", COL_TIME},
    {"Supply voltage(V)", COL_FLOAT}, {"Total current(A)", COL_FLOAT},
    {"Temperature(C)", COL_FLOAT},
};

/* Centaur GPSTime and GNSSTime files have the same columns. */
static const soh_column centaur_gps_csv[] = {
    {"timestamp", COL_SKIP},
    {"UTCDateTime", COL_TIME},
    {"Earth Location", COL_SKIP},
    {"GPS receiver status", COL_STR},
    {"GPS satellites used", COL_INT8},
    {"Timing status", COL_STR},
    {"Phase lock loop status", COL_STR},
    {"Time uncertainty(ns)", COL_INT32},
    {"Timing DAC count", COL_INT32},
    {"Time quality(%)", COL_INT8},
    {"Time error(ns)", COL_INT32},
};

static const soh_column taurus_instrument_csv[] = {
    {"timestamp", COL_SKIP},
    {"UTCDateTime", COL_TIME},
    {"Supply Voltage(mV)", COL_FLOAT},
    {"Temperature(C)", COL_FLOAT},
    {"NMX Bus Current(mA)", COL_FLOAT},
    {"Sensor Current(mA)", COL_FLOAT},
    {"Serial Port Current(mA)", COL_FLOAT},
    {"Controller Current(mA)", COL_FLOAT},
    {"Digitizer Current(mA)", COL_FLOAT},
};

static const soh_column taurus_gps_csv[] = {
    {"timestamp", COL_SKIP},
    {"UTCDateTime", COL_TIME},
    {"Earth Location", COL_SKIP},
    {"GPS receiver status", COL_STR},
    {"GPS satellites used", COL_INT8},
    {"GPS PDOP", COL_SKIP},
    {"GPS TDOP", COL_SKIP},
    {"Timing status", COL_STR},
    {"Phase lock loop status", COL_STR},
    {"Time uncertainty(ns)", COL_INT32},
    {"Timing DAC count", COL_INT32},
    {"Time error(ns)", COL_INT32},
    {"GPS Last Update Time", COL_SKIP},
};

/* Centaur miniSEED channels Noiz reads; a row is any time one of them has. */
static const soh_column centaur_gps_channels[] = {
    {"GST", COL_FLOAT}, {"GNS", COL_FLOAT}, {"LCQ", COL_FLOAT},
    {"GPL", COL_FLOAT}, {"VCO", COL_FLOAT}, {"LCE", COL_FLOAT},
};

static const soh_column centaur_instrument_channels[] = {
    {"VEI", COL_FLOAT}, /* input voltage, mV */
    {"VEC", COL_FLOAT}, /* system current, mA */
    {"VDT", COL_FLOAT}, /* temperature, m°C */
};

/* Centaur Instrument CSV: already V, A, °C. */
static void convert_centaur_instrument(const double *c, double v[3])
{
	v[0] = c[2];
	v[1] = c[3];
	v[2] = c[4];
}

/* Time error and uncertainty columns are ns: microseconds are ns / 1000. */
static void convert_centaur_gps(const double *c, double v[3])
{
	v[0] = c[10] / 1000.0;
	v[1] = c[7] / 1000.0;
	v[2] = NAN;
}

static void convert_taurus_gps(const double *c, double v[3])
{
	v[0] = c[11] / 1000.0;
	v[1] = c[9] / 1000.0;
	v[2] = NAN;
}

/* Taurus: mV to V; the total current is the sum of the five module currents
 * (mA to A) that are present, missing when none is. */
static void convert_taurus_instrument(const double *c, double v[3])
{
	double sum = 0;
	int any = 0;

	for (int i = 4; i <= 8; i++) {
		if (!isnan(c[i])) {
			sum += c[i];
			any = 1;
		}
	}
	v[0] = c[2] / 1000.0;
	v[1] = any ? sum / 1000.0 : NAN;
	v[2] = c[3];
}

/* LCE is the absolute clock phase error in microseconds: kept as is (Noiz
 * divides by 1000 and calls it ms). The Centaur records no uncertainty. */
static void convert_centaur_mseed_gps(const double *c, double v[3])
{
	v[0] = c[5];
	v[1] = NAN;
	v[2] = NAN;
}

/* VEI mV to V, VEC mA to A, VDT m°C to °C. */
static void convert_centaur_mseed_instrument(const double *c, double v[3])
{
	v[0] = c[0] / 1000.0;
	v[1] = c[1] / 1000.0;
	v[2] = c[2] / 1000.0;
}

#define COLS(a) a, sizeof(a) / sizeof((a)[0])

static const noise_soh_format soh_formats[] = {
    {"centaur", "miniseed_gpstime", "centaur miniseed_gpstime", "*SOH_*.miniseed", NOISE_SOH_GPS, 1,
     COLS(centaur_gps_channels), convert_centaur_mseed_gps},
    {"centaur", "miniseed_instrument", "centaur miniseed_instrument", "*SOH_*.miniseed",
     NOISE_SOH_INSTRUMENT, 1, COLS(centaur_instrument_channels), convert_centaur_mseed_instrument},
    {"centaur", "instrument", "centaur instrument", "*Instrument*.csv", NOISE_SOH_INSTRUMENT, 0,
     COLS(centaur_instrument_csv), convert_centaur_instrument},
    {"centaur", "gpstime", "centaur gpstime", "*GPSTime*.csv", NOISE_SOH_GPS, 0,
     COLS(centaur_gps_csv), convert_centaur_gps},
    {"centaur", "gnsstime", "centaur gnsstime", "*GNSSTime*.csv", NOISE_SOH_GPS, 0,
     COLS(centaur_gps_csv), convert_centaur_gps},
    {"taurus", "instrument", "taurus instrument", "*Instrument*.csv", NOISE_SOH_INSTRUMENT, 0,
     COLS(taurus_instrument_csv), convert_taurus_instrument},
    {"taurus", "gpstime", "taurus gpstime", "*GPSTime*.csv", NOISE_SOH_GPS, 0, COLS(taurus_gps_csv),
     convert_taurus_gps},
};

#define SOH_NFORMATS (sizeof(soh_formats) / sizeof(soh_formats[0]))

int noise_soh_format_find(const char *station_type, const char *soh_type,
                          const noise_soh_format **out)
{
	static const char *const types[] = {"instrument", "gpstime", "gnsstime", "miniseed_gpstime",
	                                    "miniseed_instrument"};
	int known = 0;

	*out = NULL;
	if (!station_type ||
	    (strcmp(station_type, "centaur") != 0 && strcmp(station_type, "taurus") != 0))
		return strata_error_set(STRATA_EINVAL,
		                        "station type '%s' is not supported; the supported ones "
		                        "are centaur and taurus",
		                        station_type ? station_type : "");
	if (soh_type && !strcmp(soh_type, "environment"))
		return strata_error_set(STRATA_EUNSUPPORTED,
		                        "soh type environment: Noiz parses it but has no table for "
		                        "it; the stored types are instrument, gpstime, gnsstime, "
		                        "miniseed_gpstime and miniseed_instrument");
	for (size_t i = 0; soh_type && i < sizeof(types) / sizeof(types[0]); i++)
		known |= !strcmp(types[i], soh_type);
	if (!known)
		return strata_error_set(STRATA_EINVAL,
		                        "soh type '%s' is not supported; the supported ones are "
		                        "instrument, gpstime, gnsstime, miniseed_gpstime and "
		                        "miniseed_instrument",
		                        soh_type ? soh_type : "");
	for (size_t i = 0; i < SOH_NFORMATS; i++) {
		if (!strcmp(soh_formats[i].station_type, station_type) &&
		    !strcmp(soh_formats[i].soh_type, soh_type)) {
			*out = &soh_formats[i];
			return 0;
		}
	}
	return strata_error_set(STRATA_EINVAL,
	                        "soh type %s is not supported for station type %s (taurus has "
	                        "instrument and gpstime)",
	                        soh_type, station_type);
}

const char *noise_soh_format_glob(const noise_soh_format *f)
{
	return f->glob;
}

noise_soh_table noise_soh_format_table(const noise_soh_format *f)
{
	return f->table;
}

const char *noise_soh_format_name(const noise_soh_format *f)
{
	return f->name;
}

/* --- samples ------------------------------------------------------------------------ */

static int samples_push(noise_soh_samples *s, strata_time t, const double v[3])
{
	noise_soh_sample *p = noise_grow(s->s, &s->cap, s->n, sizeof(*p));

	if (!p)
		return STRATA_ENOMEM;
	s->s = p;
	s->s[s->n].t = t;
	memcpy(s->s[s->n].v, v, sizeof(s->s[s->n].v));
	s->n++;
	return 0;
}

void noise_soh_samples_free(noise_soh_samples *s)
{
	free(s->s);
	memset(s, 0, sizeof(*s));
}

/* Stable merge sort of a[0..n) by time, with tmp as scratch of n samples. */
static void merge_sort(noise_soh_sample *a, noise_soh_sample *tmp, size_t n)
{
	size_t mid = n / 2, i = 0, j = mid, k = 0;

	if (n < 2)
		return;
	merge_sort(a, tmp, mid);
	merge_sort(a + mid, tmp, n - mid);
	while (i < mid && j < n)
		tmp[k++] = a[j].t < a[i].t ? a[j++] : a[i++];
	while (i < mid)
		tmp[k++] = a[i++];
	while (j < n)
		tmp[k++] = a[j++];
	memcpy(a, tmp, n * sizeof(*a));
}

void noise_soh_samples_finish(noise_soh_samples *s)
{
	noise_soh_sample *tmp;
	size_t k = 0;

	if (s->n < 2)
		return;
	tmp = malloc(s->n * sizeof(*tmp));
	if (tmp) {
		merge_sort(s->s, tmp, s->n);
		free(tmp);
	} else {
		/* No scratch memory: insertion sort (stable, slow, never fails). */
		for (size_t i = 1; i < s->n; i++) {
			noise_soh_sample x = s->s[i];
			size_t j = i;
			for (; j > 0 && s->s[j - 1].t > x.t; j--)
				s->s[j] = s->s[j - 1];
			s->s[j] = x;
		}
	}
	for (size_t i = 0; i < s->n; i++) {
		if (i + 1 < s->n && s->s[i + 1].t == s->s[i].t)
			continue; /* a later sample of the same time wins */
		s->s[k++] = s->s[i];
	}
	s->n = k;
}

/* --- CSV ------------------------------------------------------------------------------ */

/* One field of a line: text[0..len), quoted when it was in double quotes
 * (then "" inside stands for one quote). */
typedef struct csv_field {
	const char *text;
	size_t len;
	int quoted;
} csv_field;

/* Position of a CSV error, for messages. */
typedef struct csv_where {
	const char *name;
	size_t line;
} csv_where;

/* Split line[0..len) at commas outside double quotes into at most max
 * fields; *nf gets the count (max + 1 when there are more). */
static int split_fields(const csv_where *w, const char *line, size_t len, csv_field *fields,
                        size_t max, size_t *nf)
{
	size_t i = 0, n = 0;

	for (;;) {
		csv_field f = {line + i, 0, 0};
		if (i < len && line[i] == '"') {
			size_t j = ++i;
			f.text = line + i;
			f.quoted = 1;
			while (j < len && !(line[j] == '"' && (j + 1 >= len || line[j + 1] != '"')))
				j += line[j] == '"' ? 2 : 1;
			if (j >= len)
				return strata_error_set(
				    STRATA_EPARSE, "%s: line %zu, column %zu: unterminated quote",
				    w->name, w->line, n + 1);
			f.len = j - i;
			i = j + 1;
			if (i < len && line[i] != ',')
				return strata_error_set(STRATA_EPARSE,
				                        "%s: line %zu, column %zu: text after the "
				                        "closing quote",
				                        w->name, w->line, n + 1);
		} else {
			while (i < len && line[i] != ',')
				i++;
			f.len = (size_t)(line + i - f.text);
		}
		if (n < max)
			fields[n] = f;
		n++;
		if (i >= len || n > max)
			break;
		i++; /* the comma */
	}
	*nf = n;
	return 0;
}

/* The field as a NUL-terminated string without surrounding blanks (quotes
 * undone) in buf; STRATA_ELIMIT when it does not fit, STRATA_EPARSE when it
 * holds a NUL byte (which would cut it short). */
static int field_text(const csv_field *f, char *buf, size_t buflen)
{
	size_t a = 0, b = f->len, k = 0;

	while (a < b && (f->text[a] == ' ' || f->text[a] == '\t'))
		a++;
	while (b > a && (f->text[b - 1] == ' ' || f->text[b - 1] == '\t'))
		b--;
	for (size_t i = a; i < b; i++) {
		if (k + 1 >= buflen)
			return STRATA_ELIMIT;
		if (f->text[i] == '\0')
			return STRATA_EPARSE;
		buf[k++] = f->text[i];
		if (f->quoted && f->text[i] == '"')
			i++; /* "" is one quote */
	}
	buf[k] = '\0';
	return 0;
}

/* pandas' default missing-value spellings. */
static int is_missing(const char *s)
{
	static const char *const na[] = {"",    "NaN",  "nan",  "-NaN", "-nan", "NA",  "N/A",
	                                 "n/a", "NULL", "null", "#N/A", "None", "<NA>"};
	for (size_t i = 0; i < sizeof(na) / sizeof(na[0]); i++)
		if (!strcmp(s, na[i]))
			return 1;
	return 0;
}

static int column_error(const csv_where *w, size_t col, const char *colname, const char *text,
                        const char *reason)
{
	return strata_error_set(STRATA_EPARSE, "%s: line %zu, column %zu (%s): %s, got '%.40s'",
	                        w->name, w->line, col + 1, colname, reason, text);
}

/* Read a numeric field of type t into *v (NaN when missing and allowed). */
static int parse_number(const csv_where *w, size_t col, const soh_column *c, const char *s,
                        double *v)
{
	char *end = NULL;
	double x;

	if (is_missing(s)) {
		if (c->type != COL_FLOAT)
			return column_error(
			    w, col, c->name, s,
			    "an integer column cannot be empty (Noiz refuses the file)");
		*v = NAN;
		return 0;
	}
	x = strtod(s, &end);
	if (end == s || *end || !isfinite(x))
		return column_error(w, col, c->name, s, "not a finite number");
	if (c->type == COL_INT8 && (x != floor(x) || x < -128 || x > 127))
		return column_error(w, col, c->name, s, "not an integer in [-128, 127]");
	if (c->type == COL_INT32 && (x != floor(x) || x < INT32_MIN || x > INT32_MAX))
		return column_error(w, col, c->name, s, "not a 32-bit integer");
	*v = x;
	return 0;
}

/*
 * Parse one data line into cols[] and *t. Returns 0, 1 when the line is a
 * repeated header (its UTCDateTime contains "Time": Noiz drops those), or
 * an error naming the line and column.
 */
static int parse_line(const noise_soh_format *f, const csv_where *w, const char *line, size_t len,
                      strata_time *t, double *cols)
{
	csv_field fields[SOH_MAX_COLUMNS];
	char text[SOH_FIELD_MAX];
	size_t nf = 0;
	int rc = split_fields(w, line, len, fields, f->ncolumns, &nf);

	if (rc)
		return rc;
	if (nf != f->ncolumns)
		return strata_error_set(STRATA_EPARSE,
		                        "%s: line %zu: %s%zu fields, expected %zu (%s ... %s)",
		                        w->name, w->line, nf > f->ncolumns ? "more than " : "",
		                        nf > f->ncolumns ? f->ncolumns : nf, f->ncolumns,
		                        f->columns[0].name, f->columns[f->ncolumns - 1].name);
	for (size_t i = 0; i < f->ncolumns; i++) {
		const soh_column *c = &f->columns[i];
		cols[i] = NAN;
		if (c->type == COL_SKIP || c->type == COL_STR)
			continue;
		if ((rc = field_text(&fields[i], text, sizeof text)))
			return column_error(w, i, c->name, "",
			                    rc == STRATA_ELIMIT ? "value longer than 63 characters"
			                                        : "NUL byte in the value");
		if (c->type == COL_TIME) {
			if (strstr(text, "Time"))
				return 1;
			if (strata_time_parse_iso8601(text, t))
				return column_error(w, i, c->name, text,
				                    "not a date and time (YYYY-MM-DD hh:mm:ss)");
			continue;
		}
		if ((rc = parse_number(w, i, c, text, &cols[i])))
			return rc;
	}
	return 0;
}

int noise_soh_parse_csv(const noise_soh_format *f, const char *name, const char *text, size_t len,
                        noise_soh_samples *out)
{
	csv_where w = {name, 0};
	size_t pos = 0, first = out->n;
	double cols[SOH_MAX_COLUMNS], v[3];
	int rc = 0;

	if (f->mseed)
		return strata_error_set(STRATA_EINVAL, "%s: %s is not a CSV format", name, f->name);
	while (!rc && pos < len) {
		const char *line = text + pos;
		const char *nl = memchr(line, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - line) : len - pos;
		strata_time t = 0;
		pos += n + (nl ? 1 : 0);
		w.line++;
		if (n && line[n - 1] == '\r')
			n--;
		if (w.line == 1 || n == 0)
			continue; /* the header (Noiz skips row 1 unread), blank lines */
		rc = parse_line(f, &w, line, n, &t, cols);
		if (rc == 1) {
			rc = 0;
			continue;
		}
		if (!rc) {
			f->convert(cols, v);
			rc = samples_push(out, t, v);
		}
	}
	if (rc)
		out->n = first; /* a refused file adds nothing */
	return rc;
}

/* --- miniSEED ------------------------------------------------------------------------- */

/* One decoded sample of one channel. */
typedef struct chan_value {
	strata_time t;
	size_t col;
	size_t seq; /* order of decoding: qsort is not stable */
	double value;
} chan_value;

typedef struct chan_values {
	chan_value *v;
	size_t n;
} chan_values;

static int cmp_chan_value(const void *a, const void *b)
{
	const chan_value *x = a, *y = b;
	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	if (x->col != y->col)
		return x->col < y->col ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* The format column of a channel code, or -1. */
static int channel_column(const noise_soh_format *f, const char *channel)
{
	for (size_t i = 0; i < f->ncolumns; i++)
		if (!strcmp(f->columns[i].name, channel))
			return (int)i;
	return -1;
}

/* Append the samples of one index segment (channel column col) to cv. */
static int add_segment(const char *path, const noise_mseed_segment *seg, size_t col,
                       chan_values *cv)
{
	double *x = NULL;
	size_t n = 0;
	chan_value *p;
	int rc = noise_mseed_read_samples(path, seg, &x, &n);

	if (rc)
		return rc;
	p = n ? realloc(cv->v, (cv->n + n) * sizeof(*p)) : cv->v;
	if (n && !p) {
		free(x);
		return strata_error_set(STRATA_ENOMEM, "%s: out of memory", path);
	}
	cv->v = p;
	for (size_t i = 0; !rc && i < n; i++) {
		double off = seg->sample_rate > 0 ? (double)i * 1e9 / seg->sample_rate : 0;
		strata_time t;
		if (!(off < 4e18) ||
		    __builtin_add_overflow(seg->start, (strata_time)llround(off), &t))
			rc = strata_error_set(
			    STRATA_EPARSE, "%s: byte %lld: %s.%s: sample %zu: time out of range",
			    path, (long long)seg->offset, seg->station, seg->channel, i);
		else
			cv->v[cv->n] = (chan_value){t, col, cv->n, x[i]};
		cv->n += !rc;
	}
	free(x);
	return rc;
}

/* Rows of the union of the channels' times (as pandas' concat does). For
 * one channel and time, the value of the later segment wins. */
static int rows_from_channels(const noise_soh_format *f, chan_values *cv, noise_soh_samples *out)
{
	double cols[SOH_MAX_COLUMNS], v[3];
	int rc = 0;

	if (cv->n)
		qsort(cv->v, cv->n, sizeof(*cv->v), cmp_chan_value);
	for (size_t i = 0; !rc && i < cv->n;) {
		strata_time t = cv->v[i].t;
		for (size_t c = 0; c < f->ncolumns; c++)
			cols[c] = NAN;
		for (; i < cv->n && cv->v[i].t == t; i++)
			cols[cv->v[i].col] = cv->v[i].value;
		f->convert(cols, v);
		rc = samples_push(out, t, v);
	}
	return rc;
}

/* Read the format's channels of a Centaur SOH miniSEED file. */
static int read_mseed(const noise_soh_format *f, const char *path, const char *network,
                      const char *station, noise_soh_samples *out)
{
	noise_mseed_index idx;
	chan_values cv = {NULL, 0};
	size_t first = out->n;
	int rc = noise_mseed_index_file(path, &idx);

	if (rc)
		return rc;
	for (size_t i = 0; !rc && i < idx.nsegments; i++) {
		const noise_mseed_segment *seg = &idx.segments[i];
		int col = channel_column(f, seg->channel);
		if ((network && strcmp(seg->network, network) != 0) ||
		    (station && strcmp(seg->station, station) != 0))
			continue; /* another station's SOH */
		if (col >= 0)
			rc = add_segment(path, &idx.segments[i], (size_t)col, &cv);
	}
	if (!rc)
		rc = rows_from_channels(f, &cv, out);
	if (rc)
		out->n = first;
	free(cv.v);
	noise_mseed_index_free(&idx);
	return rc;
}

int noise_soh_read_file(const noise_soh_format *f, const char *path, const char *network,
                        const char *station, noise_soh_samples *out)
{
	char *text = NULL;
	size_t len = 0;
	int rc;

	if (f->mseed)
		return read_mseed(f, path, network, station, out);
	rc = strata_file_read_all(path, SOH_MAX_FILE_SIZE, &text, &len);
	if (rc)
		return rc;
	rc = noise_soh_parse_csv(f, path, text, len, out);
	free(text);
	return rc;
}
