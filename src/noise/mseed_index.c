/*
 * mseed_index.c - miniSEED record indexing and segment decoding (libmseed 2).
 */
#include "noise/mseed_index.h"

#include <sys/types.h> /* off_t, used by libmseed.h */

#include <libmseed.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strata/error.h"

/* Reading state of one pass over a file: the libmseed handle and offsets. */
typedef struct ms_reader {
	const char *path;
	MSFileParam *msfp;
	MSRecord *msr;
	off_t fpos; /* offset of the record just read */
	off_t next; /* offset just past it: where an error is reported */
	FILE *peek; /* our own handle, for check_blockette_chain */
} ms_reader;

/* Fail with the OS reason (ENOTFOUND, EPERM, ...) when path cannot be opened:
 * libmseed itself reports only a generic error for that. */
static int check_readable(const char *path)
{
	FILE *f = fopen(path, "rb");

	if (!f)
		return strata_error_set_errno("%s: open", path);
	fclose(f);
	return 0;
}

static strata_time hp_to_ns(hptime_t t)
{
	return (strata_time)t * 1000;
}

/* Nanoseconds spanned by n sample intervals at rate (Hz); 0 when rate <= 0. */
static int64_t span_ns(int64_t n, double rate)
{
	if (rate <= 0.0)
		return 0;
	return (int64_t)llround((double)n * 1e9 / rate);
}

/* Record times beyond this (about 1827..2112) are rejected, so that time
 * differences between any two accepted records fit in int64 nanoseconds. */
#define TIME_LIMIT_NS 4.5e18

/*
 * Reject a record whose start, rate or span cannot be represented (corrupt
 * headers decode to such values), so later arithmetic cannot overflow.
 */
static int check_record_time(const ms_reader *r)
{
	const MSRecord *m = r->msr;
	double start = (double)m->starttime * 1e3;
	double end = start;

	if (!isfinite(m->samprate) || m->samprate < 0.0) {
		return strata_error_set(STRATA_EPARSE, "%s: byte %lld: sample rate: invalid (%g)",
		                        r->path, (long long)r->fpos, m->samprate);
	}
	if (m->samprate > 0.0)
		end += (double)m->samplecnt * 1e9 / m->samprate;
	if (fabs(start) > TIME_LIMIT_NS || fabs(end) > TIME_LIMIT_NS) {
		return strata_error_set(
		    STRATA_EPARSE,
		    "%s: byte %lld: start time: out of range (%lld us since 1970, "
		    "%lld samples at %g Hz)",
		    r->path, (long long)r->fpos, (long long)m->starttime, (long long)m->samplecnt,
		    m->samprate);
	}
	return 0;
}

/* Read n bytes at off from the reader's own handle; 0 when they are there. */
static int peek_bytes(ms_reader *r, off_t off, unsigned char *buf, size_t n)
{
	if (!r->peek && !(r->peek = fopen(r->path, "rb")))
		return -1;
	if (fseeko(r->peek, off, SEEK_SET) != 0 || fread(buf, 1, n, r->peek) != n)
		return -1;
	return 0;
}

/* A 16-bit header field as libmseed reads it: host order, then swapped
 * when swap is set. */
static unsigned read_u16(const unsigned char *p, int swap)
{
	uint16_t v;

	memcpy(&v, p, sizeof v);
	if (swap)
		v = (uint16_t)(v << 8 | v >> 8);
	return v;
}

/* Whether the blockette chain of the record at rec, read with the byte order
 * swap, has a blockette whose next offset is its own. */
static int chain_loops(ms_reader *r, off_t rec, unsigned first, int swap)
{
	unsigned off = first;

	if (first <= 46) /* libmseed walks no chain then */
		return 0;
	for (int steps = 0; off != 0 && steps < 4096; steps++) {
		unsigned char b[4];
		if (peek_bytes(r, rec + (off_t)off, b, sizeof b) != 0)
			return 0;
		unsigned next = read_u16(b + 2, swap);
		if (next == off)
			return 1;
		off = next;
	}
	return 0;
}

/*
 * Refuse a record whose blockette chain loops onto itself. When libmseed
 * fails to parse a record it prints it with ms_parse_raw, whose blockette
 * walk never ends on a blockette of unknown type pointing at itself
 * (libmseed 2.19, found by fuzzing). The byte order is chosen as
 * ms_parse_raw does (swap unless the start year and day look valid; both
 * of libmseed's year tests are honoured).
 */
static int check_blockette_chain(ms_reader *r)
{
	unsigned char h[48];
	unsigned year, day;
	int swap_a, swap_b;

	if (peek_bytes(r, r->next, h, sizeof h) != 0)
		return 0; /* a short tail: libmseed reports it without the walk */
	year = read_u16(h + 20, 0);
	day = read_u16(h + 22, 0);
	swap_a = !(year >= 1900 && year <= 2100 && day >= 1 && day <= 366);
	swap_b = year < 1920 || year > 2050;
	if (chain_loops(r, r->next, read_u16(h + 46, swap_a), swap_a) ||
	    (swap_b != swap_a && chain_loops(r, r->next, read_u16(h + 46, swap_b), swap_b))) {
		return strata_error_set(STRATA_EPARSE,
		                        "%s: byte %lld: miniSEED record: blockette chain loops",
		                        r->path, (long long)r->next);
	}
	return 0;
}

/* Read the next record; 1 at end of file, 0 with a record, or an error. */
static int reader_next(ms_reader *r, flag dataflag)
{
	int last = 0;
	int rc = check_blockette_chain(r);

	if (rc)
		return rc;
	if (!r->msfp)
		r->fpos = -r->next; /* negative: libmseed opens the file there */
	rc = ms_readmsr_r(&r->msfp, &r->msr, r->path, -1, &r->fpos, &last, 0, dataflag, 0);
	if (rc == MS_ENDOFFILE)
		return 1;
	if (rc != MS_NOERROR) {
		return strata_error_set(STRATA_EPARSE, "%s: byte %lld: miniSEED record: %s",
		                        r->path, (long long)r->next, ms_errorstr(rc));
	}
	if (r->msr->reclen <= 0) {
		return strata_error_set(STRATA_EPARSE, "%s: byte %lld: record length: invalid (%d)",
		                        r->path, (long long)r->fpos, (int)r->msr->reclen);
	}
	r->next = r->fpos + r->msr->reclen;
	return check_record_time(r);
}

/* Release libmseed's handle and record (the documented cleanup call). */
static void reader_close(ms_reader *r)
{
	ms_readmsr_r(&r->msfp, &r->msr, NULL, 0, NULL, NULL, 0, 0, 0);
	if (r->peek)
		fclose(r->peek);
	r->peek = NULL;
}

static int same_nslc(const noise_mseed_segment *s, const MSRecord *m)
{
	return !strcmp(s->network, m->network) && !strcmp(s->station, m->station) &&
	       !strcmp(s->location, m->location) && !strcmp(s->channel, m->channel);
}

/* Grow *arr (of elem-size items, *cap allocated) to hold one more than n. */
static int grow(void **arr, size_t *cap, size_t n, size_t elem)
{
	size_t ncap;
	void *p;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 16;
	p = realloc(*arr, ncap * elem);
	if (!p)
		return strata_error_set(STRATA_ENOMEM, "miniSEED index: out of memory");
	*arr = p;
	*cap = ncap;
	return 0;
}

typedef struct index_builder {
	noise_mseed_index *idx;
	size_t seg_cap, gap_cap;
} index_builder;

/* Start a new segment from record m at offset pos. */
static int add_segment(index_builder *b, const MSRecord *m, int64_t pos)
{
	noise_mseed_segment *s;
	int rc = grow((void **)&b->idx->segments, &b->seg_cap, b->idx->nsegments, sizeof(*s));

	if (rc)
		return rc;
	s = &b->idx->segments[b->idx->nsegments++];
	memset(s, 0, sizeof(*s));
	memcpy(s->network, m->network, sizeof(s->network));
	memcpy(s->station, m->station, sizeof(s->station));
	memcpy(s->location, m->location, sizeof(s->location));
	memcpy(s->channel, m->channel, sizeof(s->channel));
	s->sample_rate = m->samprate;
	s->start = hp_to_ns(m->starttime);
	s->end = s->start;
	s->encoding = (int)m->encoding; /* -1 when the record has no blockette 1000 */
	s->record_length = m->reclen;
	s->offset = pos;
	return 0;
}

static int add_gap(index_builder *b, size_t before, int64_t pos)
{
	noise_mseed_index *idx = b->idx;
	noise_mseed_gap *g;
	int rc = grow((void **)&idx->gaps, &b->gap_cap, idx->ngaps, sizeof(*g));

	if (rc)
		return rc;
	g = &idx->gaps[idx->ngaps++];
	g->before = before;
	g->after = idx->nsegments - 1;
	g->start = idx->segments[before].end;
	g->end = idx->segments[g->after].start;
	g->offset = pos;
	return 0;
}

/* The stream's latest segment, searching backwards; -1 when none. */
static long find_stream(const noise_mseed_index *idx, const MSRecord *m)
{
	size_t i = idx->nsegments;

	while (i-- > 0) {
		if (same_nslc(&idx->segments[i], m))
			return (long)i;
	}
	return -1;
}

/*
 * Whether record m continues segment s: same nominal rate and a start within
 * half a sample of the expected next sample. Rate-0 streams always continue.
 */
static int continues(const noise_mseed_segment *s, const MSRecord *m)
{
	strata_time expect, diff;

	if (s->sample_rate <= 0.0 || m->samprate <= 0.0)
		return s->sample_rate <= 0.0 && m->samprate <= 0.0;
	if (!MS_ISRATETOLERABLE(s->sample_rate, m->samprate))
		return 0;
	expect = s->start + span_ns(s->nsamples, s->sample_rate);
	diff = hp_to_ns(m->starttime) - expect;
	return llabs(diff) <= span_ns(1, s->sample_rate) / 2;
}

/* Add record m (at offset pos) to the index. */
static int index_record(index_builder *b, const MSRecord *m, int64_t pos)
{
	noise_mseed_segment *s;
	long prev = find_stream(b->idx, m);
	int rc = 0;

	if (prev < 0 || !continues(&b->idx->segments[prev], m)) {
		rc = add_segment(b, m, pos);
		if (!rc && prev >= 0)
			rc = add_gap(b, (size_t)prev, pos);
		if (rc)
			return rc;
		prev = (long)b->idx->nsegments - 1;
	}
	s = &b->idx->segments[prev];
	s->nsamples += m->samplecnt;
	s->nrecords++;
	if (s->sample_rate > 0.0)
		s->end = s->start + span_ns(s->nsamples > 0 ? s->nsamples - 1 : 0, s->sample_rate);
	else if (hp_to_ns(m->starttime) > s->end)
		s->end = hp_to_ns(m->starttime); /* no rate: the latest record start */
	return 0;
}

void noise_mseed_index_free(noise_mseed_index *index)
{
	if (!index)
		return;
	free(index->segments);
	free(index->gaps);
	memset(index, 0, sizeof(*index));
}

int noise_mseed_index_file(const char *path, noise_mseed_index *index)
{
	ms_reader r = {.path = path};
	index_builder b = {.idx = index};
	int rc;

	if (!path || !index)
		return strata_error_set(STRATA_EINVAL, "noise_mseed_index_file: NULL argument");
	memset(index, 0, sizeof(*index));
	rc = check_readable(path);
	if (rc)
		return rc;
	while ((rc = reader_next(&r, 0)) == 0) {
		index->nrecords++;
		rc = index_record(&b, r.msr, (int64_t)r.fpos);
		if (rc)
			break;
	}
	if (r.msfp)
		index->file_size = (int64_t)r.msfp->filesize;
	if (rc == 1 && index->nrecords > 0 && index->file_size > (int64_t)r.next) {
		rc = strata_error_set(
		    STRATA_EPARSE, "%s: byte %lld: record: truncated (%lld trailing bytes)", path,
		    (long long)r.next, (long long)(index->file_size - r.next));
	}
	reader_close(&r);
	if (rc == 1 && index->nrecords == 0)
		rc = strata_error_set(STRATA_EPARSE, "%s: byte 0: no miniSEED records", path);
	if (rc < 0) {
		noise_mseed_index_free(index);
		return rc;
	}
	return 0;
}

/* Whether record m belongs to segment s (same stream, start inside it). */
static int in_segment(const noise_mseed_segment *s, const MSRecord *m)
{
	strata_time t = hp_to_ns(m->starttime);
	int64_t half = span_ns(1, s->sample_rate) / 2;

	return same_nslc(s, m) && t >= s->start - half && t <= s->end + half;
}

/* Append up to want - *n samples of record m to out as doubles. */
static int convert_samples(const ms_reader *r, const MSRecord *m, double *out, size_t *n,
                           size_t want)
{
	size_t k = (size_t)m->numsamples;
	size_t i;

	if (k > want - *n)
		k = want - *n;
	for (i = 0; i < k; i++) {
		switch (m->sampletype) {
		case 'i': out[*n + i] = ((const int32_t *)m->datasamples)[i]; break;
		case 'f': out[*n + i] = ((const float *)m->datasamples)[i]; break;
		case 'd': out[*n + i] = ((const double *)m->datasamples)[i]; break;
		default:
			return strata_error_set(STRATA_EUNSUPPORTED,
			                        "%s: byte %lld: sample type: '%c' is not numeric",
			                        r->path, (long long)r->fpos, m->sampletype);
		}
	}
	*n += k;
	return 0;
}

/* Decode records from the segment's offset until want samples are in out. */
static int read_segment(ms_reader *r, const noise_mseed_segment *s, double *out, size_t want)
{
	size_t n = 0;
	int rc = 0;

	while (n < want && (rc = reader_next(r, 1)) == 0) {
		if (!in_segment(s, r->msr))
			continue;
		rc = convert_samples(r, r->msr, out, &n, want);
		if (rc)
			return rc;
	}
	if (rc < 0)
		return rc;
	if (n < want) {
		return strata_error_set(
		    STRATA_EPARSE,
		    "%s: byte %lld: segment %s.%s.%s.%s: %zu of %zu samples found "
		    "(file changed since indexing?)",
		    r->path, (long long)r->next, s->network, s->station, s->location, s->channel, n,
		    want);
	}
	return 0;
}

int noise_mseed_read_samples(const char *path, const noise_mseed_segment *segment, double **out,
                             size_t *n)
{
	ms_reader r = {.path = path};
	double *buf;
	size_t want;
	int rc;

	if (!path || !segment || !out || !n || segment->nsamples < 0 || segment->offset < 0)
		return strata_error_set(STRATA_EINVAL, "noise_mseed_read_samples: bad argument");
	*out = NULL;
	*n = 0;
	rc = check_readable(path);
	if (rc)
		return rc;
	want = (size_t)segment->nsamples;
	buf = malloc((want ? want : 1) * sizeof(*buf));
	if (!buf)
		return strata_error_set(STRATA_ENOMEM, "%s: %zu samples: out of memory", path,
		                        want);
	r.next = (off_t)segment->offset;
	rc = read_segment(&r, segment, buf, want);
	reader_close(&r);
	if (rc) {
		free(buf);
		return rc;
	}
	*out = buf;
	*n = want;
	return 0;
}
