/*
 * chunkfile.c - datachunk files in miniSEED 2, FLOAT64 (see chunkfile.h).
 */
#include "noise/chunkfile.h"

#include <sys/types.h> /* off_t, used by libmseed.h */

#include <libmseed.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "noise/mseed_index.h"
#include "strata/buf.h"
#include "strata/error.h"
#include "strata/file.h"

/* Starts beyond this (about 1843..2096) are refused: SEED's BTime and the
 * reader's own limit hold them. */
#define START_LIMIT_NS 4.0e18

/* Collects the packed records of one file; the first error is kept. */
typedef struct packed_records {
	strata_buf bytes;
	int rc;
} packed_records;

/* msr_pack's record handler: append one record to the buffer. */
static void collect_record(char *record, int reclen, void *arg)
{
	packed_records *p = arg;

	if (!p->rc && reclen > 0)
		p->rc = strata_buf_append(&p->bytes, record, (size_t)reclen);
}

/* Copy code into dst (11 bytes) when it fits SEED's max characters. */
static int set_code(const char *path, const char *what, char dst[11], const char *code, size_t max)
{
	size_t n = code ? strlen(code) : 0;

	if (n > max) {
		return strata_error_set(STRATA_EINVAL,
		                        "%s: %s code '%s': longer than %zu characters", path, what,
		                        code, max);
	}
	memcpy(dst, code ? code : "", n);
	dst[n] = '\0';
	return 0;
}

/* ns since 1970 to libmseed's microseconds, rounded to the nearest. */
static hptime_t ns_to_hptime(strata_time t)
{
	strata_time q = t / 1000, r = t % 1000;

	if (r < 0) {
		q -= 1;
		r += 1000;
	}
	return (hptime_t)(q + (r >= 500));
}

/* Check what noise_chunkfile_write needs of c. */
static int check_chunk(const char *path, const noise_datachunk *c)
{
	if (!c->x || c->n == 0)
		return strata_error_set(STRATA_EINVAL, "%s: datachunk: no samples to write", path);
	if (c->n > (size_t)INT_MAX)
		return strata_error_set(STRATA_ELIMIT, "%s: datachunk: %zu samples: too many", path,
		                        c->n);
	if (!isfinite(c->fs) || c->fs <= 0.0 || c->fs > 1e6)
		return strata_error_set(STRATA_EINVAL, "%s: datachunk: sampling rate %g: invalid",
		                        path, c->fs);
	if (fabs((double)c->start) > START_LIMIT_NS)
		return strata_error_set(STRATA_EINVAL, "%s: datachunk: start %lld ns: out of range",
		                        path, (long long)c->start);
	return 0;
}

/*
 * Add blockette 100 (the rate as float) when SEED's factor/multiplier pair
 * cannot carry fs exactly, as libmseed's readers then prefer it.
 */
static int add_rate_blockette(const char *path, MSRecord *msr, double fs)
{
	int16_t factor = 0, mult = 0;
	struct blkt_100_s b100;

	if (ms_genfactmult(fs, &factor, &mult) == 0 && ms_nomsamprate(factor, mult) == fs)
		return 0;
	memset(&b100, 0, sizeof b100);
	b100.samprate = (float)fs;
	if (!msr_addblockette(msr, (char *)&b100, sizeof b100, 100, 0))
		return strata_error_set(STRATA_ENOMEM, "%s: blockette 100: out of memory", path);
	return 0;
}

/*
 * Add blockette 1001 so that every record's start keeps its microseconds
 * (the fixed header alone holds 0.1 ms); libmseed fills it in per record.
 */
static int add_usec_blockette(const char *path, MSRecord *msr)
{
	struct blkt_1001_s b1001;

	memset(&b1001, 0, sizeof b1001);
	if (!msr_addblockette(msr, (char *)&b1001, sizeof b1001, 1001, 0))
		return strata_error_set(STRATA_ENOMEM, "%s: blockette 1001: out of memory", path);
	return 0;
}

/* Fill msr's header for c and pack its records into p. */
static int pack_chunk(const char *path, MSRecord *msr, const char *const codes[4],
                      const noise_datachunk *c, packed_records *p)
{
	int64_t packed = 0;
	int rc, nrec;

	if ((rc = set_code(path, "network", msr->network, codes[0], 2)) ||
	    (rc = set_code(path, "station", msr->station, codes[1], 5)) ||
	    (rc = set_code(path, "location", msr->location, codes[2], 2)) ||
	    (rc = set_code(path, "channel", msr->channel, codes[3], 3)))
		return rc;
	msr->dataquality = 'D';
	msr->starttime = ns_to_hptime(c->start);
	msr->samprate = c->fs;
	msr->reclen = NOISE_CHUNKFILE_RECLEN;
	msr->encoding = DE_FLOAT64;
	msr->byteorder = 1; /* big-endian */
	msr->sequence_number = 1;
	msr->datasamples = c->x;
	msr->numsamples = (int64_t)c->n;
	msr->sampletype = 'd';
	if ((rc = add_rate_blockette(path, msr, c->fs)) || (rc = add_usec_blockette(path, msr)))
		return rc;
	nrec = msr_pack(msr, collect_record, p, &packed, 1, 0);
	if (p->rc)
		return strata_error_wrap(p->rc, "%s", path);
	if (nrec <= 0 || packed != (int64_t)c->n) {
		return strata_error_set(STRATA_ERR,
		                        "%s: miniSEED packing failed (%lld of %zu samples packed)",
		                        path, (long long)packed, c->n);
	}
	return 0;
}

/* Make the directory holding path (mkdir -p of everything before the last '/'). */
static int make_parent(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir;
	int rc;

	if (!slash || slash == path)
		return 0;
	dir = strndup(path, (size_t)(slash - path));
	if (!dir)
		return strata_error_set(STRATA_ENOMEM, "%s: out of memory", path);
	rc = strata_mkdir_p(dir, 0755);
	free(dir);
	return rc;
}

int noise_chunkfile_write(const char *path, const char *network, const char *station,
                          const char *location, const char *channel, const noise_datachunk *c)
{
	const char *const codes[4] = {network, station, location, channel};
	packed_records p = {.rc = 0};
	MSRecord *msr;
	int rc;

	if (!path || !c)
		return strata_error_set(STRATA_EINVAL, "noise_chunkfile_write: NULL argument");
	if ((rc = check_chunk(path, c)))
		return rc;
	msr = msr_init(NULL);
	if (!msr)
		return strata_error_set(STRATA_ENOMEM, "%s: out of memory", path);
	rc = pack_chunk(path, msr, codes, c, &p);
	msr->datasamples = NULL; /* the caller's: msr_free must not free it */
	msr_free(&msr);
	if (!rc)
		rc = make_parent(path);
	if (!rc)
		rc = strata_file_write_atomic(path, p.bytes.data, p.bytes.len, 0644);
	strata_buf_free(&p.bytes);
	return rc;
}

/* The one segment of a chunk file's index, or an error naming the file. */
static int single_segment(const char *path, const noise_mseed_index *idx)
{
	const noise_mseed_segment *s = idx->segments;

	if (idx->nsegments != 1 || idx->ngaps != 0) {
		return strata_error_set(STRATA_EPARSE,
		                        "%s: datachunk file: %zu traces and %zu gaps, expected one "
		                        "contiguous trace",
		                        path, idx->nsegments, idx->ngaps);
	}
	if (s->nsamples <= 0 || !(s->sample_rate > 0.0)) {
		return strata_error_set(STRATA_EPARSE,
		                        "%s: datachunk file: %lld samples at %g Hz: no data", path,
		                        (long long)s->nsamples, s->sample_rate);
	}
	return 0;
}

int noise_chunkfile_read(const char *path, noise_datachunk *c)
{
	noise_mseed_index idx;
	int rc;

	if (!path || !c)
		return strata_error_set(STRATA_EINVAL, "noise_chunkfile_read: NULL argument");
	memset(c, 0, sizeof(*c));
	rc = noise_mseed_index_file(path, &idx);
	if (rc)
		return rc;
	rc = single_segment(path, &idx);
	if (!rc)
		rc = noise_mseed_read_samples(path, &idx.segments[0], &c->x, &c->n);
	if (!rc) {
		c->start = idx.segments[0].start;
		c->fs = idx.segments[0].sample_rate;
	}
	noise_mseed_index_free(&idx);
	if (rc)
		memset(c, 0, sizeof(*c));
	return rc;
}
