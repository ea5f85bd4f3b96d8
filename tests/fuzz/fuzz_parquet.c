/* fuzz_parquet.c - libFuzzer target for the Parquet reader: open arbitrary
 * bytes, read every column of every row group and the statistics. Needs
 * strata_apps (and zstd/snappy) linked into the fuzzer. */
#include "store/parquet.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	strata_pq_file *f;
	strata_pq_table t;
	strata_pq_stats s;

	if (strata_parquet_open_memory(data, size, "fuzz.parquet", &f) != 0)
		return 0;
	for (size_t g = 0; g < strata_parquet_num_row_groups(f); g++)
		for (size_t c = 0; c < strata_parquet_num_columns(f); c++)
			if (strata_parquet_stats(f, g, c, &s) != 0)
				abort(); /* in range: must succeed */
	if (strata_parquet_read(f, NULL, 0, NULL, 0, &t) == 0) {
		/* Whatever reads must have consistent string offsets. */
		for (size_t c = 0; c < t.ncols; c++) {
			const strata_pq_column *col = &t.cols[c];
			if (col->type != STRATA_PQ_STRING)
				continue;
			for (size_t i = 0; i < t.nrows; i++)
				if (col->offsets[i + 1] < col->offsets[i])
					abort();
		}
		strata_pq_table_free(&t);
	}
	strata_parquet_close(f);
	return 0;
}
