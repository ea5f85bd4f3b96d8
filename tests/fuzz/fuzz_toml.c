/* fuzz_toml.c - libFuzzer target for the TOML reader (see fuzz_conf.h). */
#include "fuzz_conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_conf(strata_conf_parse_toml, data, size, "fuzz.toml");
}
