/*
 * chunkfile.h - datachunk files: one trace of float64 samples in miniSEED 2.
 *
 * Noiz stores every datachunk as a miniSEED file written by ObsPy
 * (encoding FLOAT64, 4096-byte records, big-endian). These functions write
 * and read the same format with libmseed, so files made by either tool are
 * read by the other. The start time in the file has libmseed's microsecond
 * precision; callers keep the full nanosecond start in the catalog row.
 */
#ifndef STRATA_NOISE_CHUNKFILE_H
#define STRATA_NOISE_CHUNKFILE_H

#include "noise/datachunk.h"

/* Record length of the files written, bytes. */
#define NOISE_CHUNKFILE_RECLEN 4096

/*
 * Write c as miniSEED 2 (FLOAT64, 4096-byte records, big-endian, quality
 * 'D') with the given codes, atomically (temp + rename), making the parent
 * directories. c must hold at least one sample at a positive finite rate;
 * codes longer than SEED allows (2/5/2/3 characters) are refused.
 */
int noise_chunkfile_write(const char *path, const char *network, const char *station,
                          const char *location, const char *channel, const noise_datachunk *c);

/*
 * Read a chunk file back into *c (zeroed first; c->x malloc'd, free with
 * noise_datachunk_free): one contiguous trace, else an error naming the
 * file (several traces, a gap, no samples, corrupt or truncated records).
 * c->padded_npts is 0: the file does not record it.
 */
int noise_chunkfile_read(const char *path, noise_datachunk *c);

#endif
