/* fuzz_noise_params.c - libFuzzer target for Noiz parameter files: TOML
 * parsing, then validation against the parameter-set schemas and the JSON
 * form the catalog stores. */
#include "noise/params.h"
#include "strata/buf.h"
#include "strata/conf.h"

#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	strata_conf *root = NULL;
	const strata_conf *table = NULL;
	const char *kind = NULL;
	strata_buf json = STRATA_BUF_INIT;

	if (strata_conf_parse_toml((const char *)data, size, "fuzz.toml", &root) != 0)
		return 0;
	if (noise_params_validate(root, &kind, &table) == 0)
		(void)strata_conf_to_json(table, &json);
	strata_buf_free(&json);
	strata_conf_free(root);
	return 0;
}
