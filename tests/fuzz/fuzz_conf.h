/* fuzz_conf.h - the body shared by the TOML and YAML fuzz targets: parse
 * arbitrary bytes, walk and validate whatever tree comes out, free it. */
#ifndef STRATA_FUZZ_CONF_H
#define STRATA_FUZZ_CONF_H

#include "strata/conf.h"

#include <stdint.h>
#include <stdlib.h>

typedef int (*conf_parse_fn)(const char *text, size_t len, const char *name, strata_conf **out);

/* Touch every node through the public getters. */
static void fuzz_conf_walk(const strata_conf *node)
{
	const char *s;
	int64_t i;
	double d;
	int b;

	(void)strata_conf_as_string(node, &s);
	(void)strata_conf_as_int64(node, &i);
	(void)strata_conf_as_double(node, &d);
	(void)strata_conf_as_bool(node, &b);
	(void)strata_conf_as_time_ns(node, &i);
	(void)strata_conf_as_time_of_day_ns(node, &i);
	for (size_t k = 0; k < strata_conf_count(node); k++)
		fuzz_conf_walk(strata_conf_at(node, k));
}

static int fuzz_conf(conf_parse_fn parse, const uint8_t *data, size_t size, const char *name)
{
	/* Tables of strings all the way down: mismatches build dotted paths. */
	static const strata_conf_field strings[] = {
	    {"*", STRATA_CONF_STRING, 0, NULL, 0},
	    {NULL, 0, 0, NULL, 0},
	};
	strata_conf *root = NULL;

	/* The reader must not need a NUL after the input: give it none. */
	if (parse((const char *)data, size, name, &root) != 0) {
		if (root)
			abort();
		return 0;
	}
	fuzz_conf_walk(root);
	(void)strata_conf_validate(root, strings);
	(void)strata_conf_path(root, "a.b[0].c");
	strata_conf_free(root);
	return 0;
}

#endif
