/* fuzz_npz.c - libFuzzer target for the .npz/.npy reader (ZIP directory,
 * stored and deflated entries, npy headers), as `strata noise plot` reads
 * PSD files. */
#include "strata/npy.h"

#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = {"fft_mean", "all_windows", "window_midtimes"};
	strata_npy_owned o;

	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strata_npz_read_mem(data, size, "fuzz.npz", names[i], &o) == 0)
			strata_npy_free(&o);
	if (strata_npy_decode(data, size, "fuzz.npy", &o) == 0)
		strata_npy_free(&o);
	return 0;
}
