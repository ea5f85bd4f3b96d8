/* fuzz_time.c - libFuzzer target for the strict ISO 8601 parser. */
#include "strata/time.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	strata_time t;
	char buf[40];

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (strata_time_parse_iso8601(text, &t) == 0) {
		/* Whatever parses must format and re-parse to the same instant. */
		strata_time back;
		strata_time_format_iso8601(t, 9, buf, sizeof buf);
		if (strata_time_parse_iso8601(buf, &back) != 0 || back != t)
			abort();
	}
	free(text);
	return 0;
}
