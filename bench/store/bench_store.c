/*
 * bench_store.c - strata store on a PyStore-shaped item: STRATA_BENCH_ROWS
 * (default 10,000,000) rows of a nanosecond timestamp key, four float64
 * columns, one int64 and one dictionary string (eight symbols);
 * STRATA_BENCH_APPENDS (default 1000) sets the number of appends.
 *
 * Prints one line per figure (rows/s, MB/s of raw column data): write, full
 * read, read of one column, read of a 1 % key range (with the parts it
 * opened), 1000 appends of 1000 rows after the end (the cost of one append
 * over the first and the last 100), and snapshot creation.
 * bench/store/peer_store.mjs measures DuckDB writing and reading the same
 * data; scripts/bench prints the ratios of the lines with the same name.
 */
#include "store/parquet.h"
#include "strata/error.h"
#include "strata/file.h"
#include "strata/store.h"
#include "strata/time.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define T0   1600000000000000000LL /* the first key, ns */
#define STEP 1000000000LL          /* one row per second */

static const char *const symbols[] = {"AAPL", "MSFT", "GOOG", "AMZN",
                                      "META", "NVDA", "TSLA", "BRK.B"};

static double seconds_since(int64_t start)
{
	return (double)(strata_time_monotonic_ns() - start) / 1e9;
}

/* One figure: rows/s and MB/s of raw column bytes, then extra text. */
static void report(const char *what, double rows, double bytes, double seconds, const char *extra)
{
	printf("%-36s %12.0f rows/s  (%.0f MB/s, %.0f rows in %.3f s%s)\n", what, rows / seconds,
	       bytes / seconds / 1e6, rows, seconds, extra);
	fflush(stdout);
}

static void die(const char *what)
{
	fprintf(stderr, "bench_store: %s: %s\n", what, strata_error_message());
	exit(1);
}

/* Raw bytes of n rows: 6 eight-byte columns and the symbol's bytes. */
static double raw_bytes(const strata_pq_table *t)
{
	double b = 0;
	for (size_t j = 0; j < t->ncols; j++)
		b += t->cols[j].type == STRATA_PQ_STRING
		         ? (double)t->cols[j].offsets[t->nrows] + 8.0 * (double)t->nrows
		         : (double)strata_pq_type_size(t->cols[j].type) * (double)t->nrows;
	return b;
}

/* Rows [first, first + n): key, x0..x3 (a random walk and friends), volume,
 * symbol. The same formulas as peer_store.mjs. */
static void make_rows(strata_pq_table *t, size_t first, size_t n)
{
	int64_t *key = malloc(n * sizeof *key), *vol = malloc(n * sizeof *vol);
	double *x = malloc(n * sizeof *x);
	const char **sym = malloc(n * sizeof *sym);
	static const char *const names[] = {"open", "high", "low", "close"};

	if (!key || !vol || !x || !sym)
		die("out of memory");
	strata_pq_table_init(t, n);
	for (size_t k = 0; k < n; k++) {
		int64_t i = (int64_t)(first + k);
		key[k] = T0 + i * STEP;
		vol[k] = (i * 7919) % 100000;
		sym[k] = symbols[(i * 31) % 8];
	}
	if (strata_pq_table_add(t, "index", STRATA_PQ_TIMESTAMP, key, NULL, NULL))
		die("table");
	for (int c = 0; c < 4; c++) {
		for (size_t k = 0; k < n; k++) {
			int64_t i = (int64_t)(first + k);
			x[k] = 100.0 + (double)((i * 2654435761LL + c * 97) % 100000) / 1000.0;
		}
		if (strata_pq_table_add(t, names[c], STRATA_PQ_DOUBLE, x, NULL, NULL))
			die("table");
	}
	if (strata_pq_table_add(t, "volume", STRATA_PQ_INT64, vol, NULL, NULL) ||
	    strata_pq_table_add_strings(t, "symbol", sym, 0))
		die("table");
	free(key);
	free(vol);
	free(x);
	free(sym);
}

static void bench_reads(const char *root, size_t n, double bytes)
{
	strata_store_read_options o;
	strata_store_read_stats st = {0};
	strata_pq_table t;
	const char *const one[] = {"close", NULL};
	char extra[128];
	int64_t start;

	strata_store_read_options_init(&o);
	start = strata_time_monotonic_ns();
	if (strata_store_read_ex(root, "bench", "c", "item", &o, &t))
		die("read");
	report("full read", (double)t.nrows, bytes, seconds_since(start), "");
	strata_pq_table_free(&t);

	o.columns = one;
	start = strata_time_monotonic_ns();
	if (strata_store_read_ex(root, "bench", "c", "item", &o, &t))
		die("read 1 column");
	report("read 1 column", (double)t.nrows, 16.0 * (double)t.nrows, seconds_since(start),
	       " (key + close)");
	strata_pq_table_free(&t);

	strata_store_read_options_init(&o);
	o.start = T0 + (int64_t)(n / 2) * STEP;
	o.end = o.start + (int64_t)(n / 100) * STEP - 1;
	o.stats = &st;
	start = strata_time_monotonic_ns();
	if (strata_store_read_ex(root, "bench", "c", "item", &o, &t))
		die("read 1% range");
	snprintf(extra, sizeof extra, "; parts read %zu of %zu, row groups %zu of %zu",
	         st.parts_read, st.parts_total, st.row_groups_read, st.row_groups_total);
	report("read 1% range", (double)t.nrows, bytes / 100.0, seconds_since(start), extra);
	strata_pq_table_free(&t);
}

/* appends (1000) appends of 1000 rows after the end; the mean cost of one
 * append over the first and the last 10 %. */
static void bench_appends(const char *root, size_t n, int appends)
{
	enum { ROWS = 1000 };
	const int window = appends / 10 > 0 ? appends / 10 : 1;
	strata_pq_table t;
	double first = 0, last = 0, total = 0, bytes = 0;
	char extra[160];

	for (int a = 0; a < appends; a++) {
		make_rows(&t, n + (size_t)a * ROWS, ROWS);
		bytes += raw_bytes(&t);
		int64_t start = strata_time_monotonic_ns();
		if (strata_store_append(root, "bench", "c", "item", &t, STRATA_STORE_KEEP_LAST,
		                        NULL))
			die("append");
		double s = seconds_since(start);
		strata_pq_table_free(&t);
		total += s;
		if (a < window)
			first += s;
		if (a >= appends - window)
			last += s;
	}
	snprintf(extra, sizeof extra,
	         "; one append: %.2f ms over the first %d, %.2f ms the last %d",
	         first / window * 1e3, window, last / window * 1e3, window);
	report("append 1000 rows", (double)appends * ROWS, bytes, total, extra);
}

int main(void)
{
	const char *env = getenv("STRATA_BENCH_ROWS");
	const char *env_appends = getenv("STRATA_BENCH_APPENDS");
	size_t n = env && *env ? (size_t)strtoull(env, NULL, 10) : 10000000;
	int appends = env_appends && *env_appends ? atoi(env_appends) : 1000;
	char root[] = "/tmp/strata-bench-store-XXXXXX";
	strata_pq_table t;
	double bytes;
	int64_t start;

	if (n < 1000)
		n = 1000;
	if (!mkdtemp(root))
		return perror("mkdtemp"), 1;
	make_rows(&t, 0, n);
	bytes = raw_bytes(&t);
	start = strata_time_monotonic_ns();
	if (strata_store_write(root, "bench", "c", "item", &t, "index", NULL, 0, NULL))
		die("write");
	report("write", (double)n, bytes, seconds_since(start), "");
	strata_pq_table_free(&t);

	bench_reads(root, n, bytes);
	if (appends > 0)
		bench_appends(root, n, appends);

	start = strata_time_monotonic_ns();
	if (strata_store_snapshot_create(root, "bench", "c", "snap"))
		die("snapshot");
	report("snapshot create", (double)n + 1000.0 * appends, 0, seconds_since(start),
	       " (rows in it)");
	strata_remove_tree(root);
	return 0;
}
