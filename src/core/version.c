/* version.c - strata and library versions; see include/strata/version.h. */
#include "strata/version.h"

#include <libpq-fe.h>
#include <sqlite3.h>
#include <yaml.h>

const char *strata_version(void)
{
	return STRATA_VERSION;
}

int strata_library_versions(strata_buf *out)
{
	int pq = PQlibVersion();
	return strata_buf_printf(out, "sqlite %s\nlibpq %d.%d\nlibyaml %s\n", sqlite3_libversion(),
	                         pq / 10000, pq % 10000, yaml_get_version_string());
}
