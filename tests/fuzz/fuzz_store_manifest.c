/* fuzz_store_manifest.c - libFuzzer target for the store's manifest.json
 * parser: parse arbitrary bytes, check what it accepted and bind a filter
 * on its first column. */
#include "store/filter.h"
#include "store/item_internal.h"
#include "strata/store.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	strata_store_filter *f = NULL;
	store_filter_bound *b = NULL;
	char expr[300];
	manifest m;

	if (store_manifest_parse("fuzz.json", (const char *)data, size, &m) != 0)
		return 0;
	for (size_t i = 0; i < m.nparts; i++) {
		const part *p = &m.parts[i];
		/* accepted part names never leave the version folder */
		if (!p->file[0] || p->file[0] == '.' || strchr(p->file, '/') || p->min > p->max)
			abort();
	}
	if (m.ncols && strlen(m.cols[0].name) < 200 && !strpbrk(m.cols[0].name, "<>=! \t\n")) {
		snprintf(expr, sizeof expr, "%s >= 1", m.cols[0].name);
		if (strata_store_filter_add_expr(&f, expr) == 0 &&
		    store_filter_bind("fuzz", f, m.cols, m.ncols, &b) == 0)
			store_filter_bound_free(b);
		strata_store_filter_free(f);
	}
	store_manifest_free(&m);
	return 0;
}
