/* fuzz_store_metadata.c - libFuzzer target for pystore_metadata.json (and
 * legacy metadata.json) parsing and PyStore's list_items(**filter) matching
 * of the parsed object against itself. */
#include "store/layout.h"

#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *meta = NULL;

	if (store_metadata_parse("fuzz.json", (const char *)data, size, &meta) != 0)
		return 0;
	if (!json_is_object(meta))
		abort();
	/* an object always matches itself (but "_updated", which is skipped) */
	(void)store_metadata_matches(meta, meta);
	json_decref(meta);
	return 0;
}
