/* fuzz_stationxml.c - libFuzzer target for the StationXML parser and the
 * response evaluator (parse from memory, then evaluate every response). */
#include "noise/response.h"
#include "noise/stationxml.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Evaluate one channel's response at a few frequencies; errors are fine. */
static void evaluate(const struct sx_response *r)
{
	double f[3] = {0.01, 1.0, 10.0}, g, e;
	double complex h[3];

	(void)resp_evaluate(r, f, 3, RESP_UNITS_INPUT, h);
	(void)resp_evaluate(r, f, 3, RESP_UNITS_VEL, h);
	(void)resp_sensitivity(r, &g, &e);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sx_inventory inv;

	if (sx_parse_memory((const char *)data, size, "fuzz.xml", &inv) != 0)
		return 0;
	for (size_t n = 0; n < inv.nnetworks; n++)
		for (size_t s = 0; s < inv.networks[n].nstations; s++)
			for (size_t c = 0; c < inv.networks[n].stations[s].nchannels; c++)
				evaluate(&inv.networks[n].stations[s].channels[c].response);
	sx_inventory_free(&inv);
	return 0;
}
