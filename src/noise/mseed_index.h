/*
 * mseed_index.h - index miniSEED files into continuous trace segments.
 *
 * noise_mseed_index_file() reads a file record by record (headers only, no
 * sample decoding) and groups records per NSLC into segments: a new segment
 * starts when a record's start differs from the expected next-sample time of
 * the stream's last segment by more than half a sample, or when the sample
 * rate changes. Each such discontinuity is listed as a gap (negative length
 * for an overlap). noise_mseed_read_samples() decodes one segment's samples.
 * Thread-safe: no global state; each call has its own libmseed file handle.
 */
#ifndef STRATA_NOISE_MSEED_INDEX_H
#define STRATA_NOISE_MSEED_INDEX_H

#include <stddef.h>
#include <stdint.h>

#include "strata/time.h"

typedef struct noise_mseed_segment {
	char network[11], station[11], location[11], channel[11];
	double sample_rate; /* Hz, nominal; 0 for records without samples rate */
	strata_time start;  /* first sample, ns UTC */
	strata_time end;    /* last sample, ns UTC */
	int64_t nsamples;   /* samples in the segment */
	int64_t nrecords;   /* records in the segment */
	int encoding;       /* SEED encoding of the first record (10 Steim-1, 11 Steim-2) */
	int record_length;  /* bytes, of the first record */
	int64_t offset;     /* file byte offset of the first record */
} noise_mseed_segment;

/* A discontinuity between two consecutive segments of one NSLC. */
typedef struct noise_mseed_gap {
	size_t before;     /* index of the segment ending at the gap */
	size_t after;      /* index of the segment starting after it */
	strata_time start; /* last sample before the gap */
	strata_time end;   /* first sample after it */
	int64_t offset;    /* file byte offset of the record after the gap */
} noise_mseed_gap;

typedef struct noise_mseed_index {
	noise_mseed_segment *segments; /* in order of their first record */
	size_t nsegments;
	noise_mseed_gap *gaps; /* in file order */
	size_t ngaps;
	int64_t nrecords; /* all records read */
	int64_t file_size;
} noise_mseed_index;

/*
 * Index path into *index (zeroed first). Corrupt, truncated or non-miniSEED
 * input is an error naming the file, the byte offset and the reason; on any
 * error *index is left empty (nothing to free).
 */
int noise_mseed_index_file(const char *path, noise_mseed_index *index);

/* Free what noise_mseed_index_file() allocated; the struct is zeroed. */
void noise_mseed_index_free(noise_mseed_index *index);

/*
 * Decode the samples of segment (from an index of path) as doubles. On
 * success *out (malloc'd, caller frees) holds *n == segment->nsamples values.
 * ASCII records or a file that changed since indexing are errors.
 */
int noise_mseed_read_samples(const char *path, const noise_mseed_segment *segment, double **out,
                             size_t *n);

#endif
