/* fuzz_soh_csv.c - libFuzzer target for Nanometrics SOH CSV files: the
 * input is parsed with every CSV format Noiz knows (Centaur instrument,
 * GPSTime, GNSSTime; Taurus instrument, GPSTime), then sorted and deduped. */
#include "noise/soh.h"

#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const pairs[][2] = {{"centaur", "instrument"},
	                                       {"centaur", "gpstime"},
	                                       {"centaur", "gnsstime"},
	                                       {"taurus", "instrument"},
	                                       {"taurus", "gpstime"}};

	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		const noise_soh_format *f = NULL;
		noise_soh_samples s = {0};
		if (noise_soh_format_find(pairs[i][0], pairs[i][1], &f) != 0)
			continue;
		if (noise_soh_parse_csv(f, "fuzz.csv", (const char *)data, size, &s) == 0)
			noise_soh_samples_finish(&s);
		noise_soh_samples_free(&s);
	}
	return 0;
}
