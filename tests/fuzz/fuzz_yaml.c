/* fuzz_yaml.c - libFuzzer target for the YAML reader: parse arbitrary bytes,
 * walk and validate whatever tree comes out, free it. */
#include "strata/conf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Touch every node through the public getters. */
static void walk(const strata_conf *node)
{
	const char *s;
	int64_t i;
	double d;
	int b;
	size_t k;

	(void)strata_conf_as_string(node, &s);
	(void)strata_conf_as_int64(node, &i);
	(void)strata_conf_as_double(node, &d);
	(void)strata_conf_as_bool(node, &b);
	(void)strata_conf_as_time_ns(node, &i);
	(void)strata_conf_as_time_of_day_ns(node, &i);
	for (k = 0; k < strata_conf_count(node); k++)
		walk(strata_conf_at(node, k));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* Tables of strings all the way down: mismatches build dotted paths. */
	static const strata_conf_field strings[] = {
	    {"*", STRATA_CONF_STRING, 0, NULL, 0},
	    {NULL, 0, 0, NULL, 0},
	};
	strata_conf *root = NULL;

	/* The reader must not need a NUL after the input: give it none. */
	if (strata_conf_parse_yaml((const char *)data, size, "fuzz.yaml", &root) != 0) {
		if (root)
			abort();
		return 0;
	}
	walk(root);
	(void)strata_conf_validate(root, strings);
	(void)strata_conf_path(root, "a.b[0].c");
	strata_conf_free(root);
	return 0;
}
