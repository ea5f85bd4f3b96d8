/* fuzz_setitec.c - libFuzzer target for the Setitec export reader: parse
 * arbitrary bytes, check the table and metadata that come out, free them. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "drill/setitec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	drill_setitec f;
	double sum = 0;

	/* The reader must not need a NUL after the input: give it none. */
	if (drill_setitec_parse((const char *)data, size, "fuzz.xls", &f) != 0)
		return 0;
	if (!f.position || !f.torque || !f.thrust || !f.step || f.n_cols < 4)
		abort();
	for (size_t c = 0; c < f.n_cols; c++) {
		if (!f.cols[c].name || drill_setitec_column_find(&f, f.cols[c].name) == NULL)
			abort();
		for (size_t i = 0; i < f.n_rows; i++)
			sum += f.cols[c].values[i] == f.cols[c].values[i];
	}
	for (size_t i = 0; i < f.n_meta; i++)
		if (!drill_setitec_meta_get(&f, f.meta[i].section, f.meta[i].key) ||
		    strlen(f.meta[i].value) > size * 2)
			abort();
	if (sum > (double)f.n_rows * (double)f.n_cols)
		abort();
	drill_setitec_free(&f);
	return 0;
}
