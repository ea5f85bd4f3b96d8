/* fuzz_mseed_index.c - libFuzzer target for the miniSEED indexer and sample
 * decoder: the input is written to a temporary file (the indexer reads
 * files), indexed, and every segment's samples are decoded. */
#include "noise/mseed_index.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_DECODE 1000000 /* samples per segment worth decoding */

static char scratch[64];

static void remove_scratch(void)
{
	unlink(scratch);
}

/* The path of this process's scratch file, removed at exit. */
static const char *scratch_path(void)
{
	if (!scratch[0]) {
		snprintf(scratch, sizeof scratch, "/tmp/strata-fuzz-mseed-%d", (int)getpid());
		atexit(remove_scratch);
	}
	return scratch;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = scratch_path();
	noise_mseed_index ix;
	FILE *f = fopen(path, "wb");

	if (!f)
		return 0;
	if (size && fwrite(data, 1, size, f) != size) {
		fclose(f);
		return 0;
	}
	fclose(f);
	if (noise_mseed_index_file(path, &ix) == 0) {
		for (size_t i = 0; i < ix.nsegments; i++) {
			double *x = NULL;
			size_t n = 0;
			if (ix.segments[i].nsamples > MAX_DECODE)
				continue;
			if (noise_mseed_read_samples(path, &ix.segments[i], &x, &n) == 0)
				free(x);
		}
		noise_mseed_index_free(&ix);
	}
	return 0;
}
