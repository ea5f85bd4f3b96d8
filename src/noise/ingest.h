/*
 * ingest.h - `add-seismic-data`: index miniSEED trees into the catalog.
 *
 * The roots are walked recursively (SDS archives or any tree; symbolic
 * links to files are followed, links to directories are not), files are
 * filtered by an optional glob, hashed and indexed in parallel on the core
 * worker pool, and written by the calling thread only: per file, the
 * mseed_file row is upserted on its path and its segments on (file, seq),
 * then segments beyond the new count are deleted, all in one transaction.
 * A file whose size, mtime and content hash match its row is left alone;
 * one whose size and hash match but mtime differs (touched, copied) only
 * gets its new mtime.
 * A file that does not start with a miniSEED record header is skipped
 * quietly (trees hold inventories and notes too); one that cannot be read
 * or is corrupt miniSEED is reported, counted and skipped; its old rows
 * (if any) stay.
 */
#ifndef STRATA_NOISE_INGEST_H
#define STRATA_NOISE_INGEST_H

#include <stddef.h>
#include <stdint.h>

#include "strata/db.h"

typedef struct noise_ingest_opts {
	const char *glob; /* NULL: every regular file; with '/', matched against the
	                     path below the root, else against the file name */
	int workers;      /* 0: the core default (all cores, or $STRATA_THREADS) */
	int progress;     /* draw a progress bar when stderr is a TTY */
} noise_ingest_opts;

typedef struct noise_ingest_summary {
	size_t files;     /* files found (after the glob) */
	size_t indexed;   /* new or changed, written */
	size_t unchanged; /* size and hash equal to the catalog's (mtime updated) */
	size_t skipped;   /* not miniSEED (no record header at byte 0), or empty */
	size_t failed;    /* unreadable or invalid miniSEED: skipped, reported */
	int64_t segments; /* segments written */
	int64_t gaps;     /* gaps among them */
	int64_t records;  /* miniSEED records read */
	int64_t bytes;    /* bytes of the indexed files */
} noise_ingest_summary;

/*
 * Index the files under roots[0..nroots) into db. Per-file failures are
 * logged (warn), counted and skipped; the return value is an error only for
 * a failure of the walk or the catalog.
 */
int noise_ingest(strata_db *db, const char *const *roots, size_t nroots,
                 const noise_ingest_opts *opts, noise_ingest_summary *summary);

/*
 * Collect the regular files under roots[0..nroots) as add-seismic-data walks
 * them (recursively; a root that is a file is taken as is; glob as in
 * noise_ingest_opts): absolute paths, sorted, unique. *paths is malloc'd;
 * free it with noise_walk_files_free(). Also used by the SOH commands.
 */
int noise_walk_files(const char *const *roots, size_t nroots, const char *glob, char ***paths,
                     size_t *n);
void noise_walk_files_free(char **paths, size_t n);

#endif
