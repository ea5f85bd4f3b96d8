/* test_interop.c - every column type strata writes, read back by two
 * independent Parquet readers (npm hyparquet and DuckDB, driven by
 * tests/store/interop/check.mjs): an item of several parts written and
 * appended through the C API (snappy, dictionary strings), and single files
 * with zstd, without compression and without dictionaries, in several row
 * groups. Nulls in every column. Skipped when node or the npm packages
 * (scripts/install-deps test) are missing, failed so under CI. */
#include "testutil.h"

#include <glob.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "store/parquet.h"
#include "strata/buf.h"
#include "strata/store.h"

static const char *const root = strata_test_dir;

static const strata_pq_type int32_types[] = {STRATA_PQ_INT8,  STRATA_PQ_INT16,  STRATA_PQ_INT32,
                                             STRATA_PQ_UINT8, STRATA_PQ_UINT16, STRATA_PQ_UINT32};
static const char *const int32_names[] = {"i8", "i16", "i32", "u8", "u16", "u32"};

/* The tests/store/interop folder. */
static const char *interop_dir(void)
{
	static char dir[512];
	const char *src = getenv("STRATA_SOURCE_DIR");

	snprintf(dir, sizeof dir, "%s/tests/store/interop", src ? src : STRATA_SOURCE_DIR);
	return dir;
}

/* Whether node and the npm packages (scripts/install-deps test) are there. */
static int have_npm(void)
{
	char probe[600];

	snprintf(probe, sizeof probe, "%s/node_modules/@duckdb/node-api/package.json",
	         interop_dir());
	return access(probe, R_OK) == 0 && system("node --version >/dev/null 2>&1") == 0;
}

/* Row i of n from row first on: keys one second (and some ns) apart, a null
 * in each non-key column at its own period. */
static void make_table(strata_pq_table *t, size_t first, size_t n)
{
	static const char *const words[] = {"alpha", "béta", "日本", "", "x\"y\\z"};
	int32_t *i32 = calloc(n + 1, sizeof *i32);
	int64_t *i64 = calloc(n + 1, sizeof *i64);
	double *dbl = calloc(n + 1, sizeof *dbl);
	float *flt = calloc(n + 1, sizeof *flt);
	uint8_t *b = calloc(n + 1, 1), *valid = calloc(n / 8 + 1, 1);
	const char **strs = calloc(n + 1, sizeof *strs);
	char(*uniq)[24] = calloc(n + 1, sizeof *uniq);
	const char **ustrs = calloc(n + 1, sizeof *ustrs);
	strata_pq_column *c;

	assert_true(i32 && i64 && dbl && flt && b && valid && strs && uniq && ustrs);
	strata_pq_table_init(t, n);
	for (size_t k = 0; k < n; k++)
		i64[k] = 1700000000000000000LL + (int64_t)(first + k) * 1000000007LL;
	assert_ok(strata_pq_table_add(t, "index", STRATA_PQ_TIMESTAMP, i64, NULL, NULL));
	for (size_t ty = 0; ty < 6; ty++) {
		memset(valid, 0, n / 8 + 1);
		for (size_t k = 0; k < n; k++) {
			size_t i = first + k;
			static const int32_t lo[] = {-128, -32768, INT32_MIN, 0, 0, 0};
			static const uint32_t span[] = {256, 65536, 0, 256, 65536, 0};
			uint32_t v = (uint32_t)(i * 2654435761u);
			i32[k] = span[ty] ? lo[ty] + (int32_t)(v % span[ty]) : (int32_t)v;
			if ((i + ty) % 7 != 3)
				valid[k / 8] |= (uint8_t)(1u << (k % 8));
		}
		assert_ok(
		    strata_pq_table_add(t, int32_names[ty], int32_types[ty], i32, valid, NULL));
	}
	memset(valid, 0, n / 8 + 1);
	for (size_t k = 0; k < n; k++) {
		size_t i = first + k;
		i64[k] = (int64_t)((uint64_t)i * 0x9e3779b97f4a7c15ULL);
		dbl[k] = (double)i / 3.0 - 1e6 * (double)(i % 3);
		flt[k] = (float)i / 7.0f;
		b[k] = i % 3 == 0;
		strs[k] = words[i % 5];
		snprintf(uniq[k], sizeof uniq[k], "row %zu", i);
		ustrs[k] = i % 13 == 7 ? NULL : uniq[k];
		if (i % 5 != 1)
			valid[k / 8] |= (uint8_t)(1u << (k % 8));
	}
	assert_ok(strata_pq_table_add(t, "i64", STRATA_PQ_INT64, i64, valid, NULL));
	assert_ok(strata_pq_table_add(t, "u64", STRATA_PQ_UINT64, i64, valid, NULL));
	assert_ok(strata_pq_table_add(t, "f32", STRATA_PQ_FLOAT, flt, valid, NULL));
	assert_ok(strata_pq_table_add(t, "f64", STRATA_PQ_DOUBLE, dbl, valid, NULL));
	assert_ok(strata_pq_table_add(t, "flag", STRATA_PQ_BOOL, b, valid, NULL));
	for (size_t k = 0; k < n; k++)
		i64[k] = 1600000000123456789LL + (int64_t)(first + k) * 999999937LL;
	assert_ok(strata_pq_table_add(t, "when", STRATA_PQ_TIMESTAMP, i64, valid, &c));
	assert_ok(strata_pq_table_add_strings(t, "sym", strs, 1));
	assert_ok(strata_pq_table_add_strings(t, "note", ustrs, 1));
	free(i32);
	free(i64);
	free(dbl);
	free(flt);
	free(b);
	free(valid);
	free(strs);
	free(uniq);
	free(ustrs);
}

/* Append row i of t as check.mjs's expected JSON: integers and timestamps
 * as decimal text, floats with 17 digits. */
static void json_row(strata_buf *out, const strata_pq_table *t, size_t i)
{
	assert_ok(strata_buf_putc(out, '{'));
	for (size_t j = 0; j < t->ncols; j++) {
		const strata_pq_column *c = &t->cols[j];
		assert_ok(strata_buf_printf(out, "%s\"%s\":", j ? "," : "", c->name));
		if (!strata_pq_is_valid(c, i)) {
			assert_ok(strata_buf_puts(out, "null"));
			continue;
		}
		switch (c->type) {
		case STRATA_PQ_INT64:
		case STRATA_PQ_TIMESTAMP:
			assert_ok(strata_buf_printf(out, "\"%lld\"",
			                            (long long)((int64_t *)c->values)[i]));
			break;
		case STRATA_PQ_UINT64:
			assert_ok(strata_buf_printf(
			    out, "\"%llu\"", (unsigned long long)((uint64_t *)c->values)[i]));
			break;
		case STRATA_PQ_UINT32:
			assert_ok(strata_buf_printf(out, "\"%u\"", ((uint32_t *)c->values)[i]));
			break;
		case STRATA_PQ_FLOAT:
			assert_ok(strata_buf_printf(out, "%.17g", (double)((float *)c->values)[i]));
			break;
		case STRATA_PQ_DOUBLE:
			assert_ok(strata_buf_printf(out, "%.17g", ((double *)c->values)[i]));
			break;
		case STRATA_PQ_BOOL:
			assert_ok(
			    strata_buf_puts(out, ((uint8_t *)c->values)[i] ? "true" : "false"));
			break;
		case STRATA_PQ_STRING: {
			size_t len = (size_t)(c->offsets[i + 1] - c->offsets[i]);
			char *s = strndup(c->bytes + c->offsets[i], len);
			assert_non_null(s);
			assert_ok(strata_buf_json_string(out, s));
			free(s);
			break;
		}
		default:
			assert_ok(strata_buf_printf(out, "\"%d\"", ((int32_t *)c->values)[i]));
			break;
		}
	}
	assert_ok(strata_buf_puts(out, "}\n"));
}

/* Run check.mjs on path (an item folder or a file) against t's rows. */
static void check_readers(const char *dir, const char *path, const strata_pq_table *t)
{
	char expected[512], cmd[2048];
	strata_buf json = STRATA_BUF_INIT;
	FILE *f;
	int status;

	for (size_t i = 0; i < t->nrows; i++)
		json_row(&json, t, i);
	snprintf(expected, sizeof expected, "%s/expected.jsonl", root);
	assert_non_null(f = fopen(expected, "w"));
	assert_int_equal(fwrite(json.data, 1, json.len, f), json.len);
	assert_int_equal(fclose(f), 0);
	strata_buf_free(&json);
	snprintf(cmd, sizeof cmd, "node '%s/check.mjs' '%s' '%s'", dir, path, expected);
	status = system(cmd);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* An item in several parts (write, appends after the end and overlapping):
 * both readers see exactly what strata_store_read returns. */
static void test_item_all_types(void **state)
{
	const char *dir = interop_dir();
	strata_store_options o = {.part_rows = 400};
	strata_pq_table t, back;
	char path[512];
	glob_t parts;

	(void)state;
	make_table(&t, 0, 1000);
	assert_ok(strata_store_write(root, "s", "c", "all", &t, "index", NULL, 1, &o));
	strata_pq_table_free(&t);
	make_table(&t, 1000, 500);
	assert_ok(strata_store_append(root, "s", "c", "all", &t, STRATA_STORE_KEEP_LAST, &o));
	strata_pq_table_free(&t);
	make_table(&t, 900, 150);
	assert_ok(strata_store_append(root, "s", "c", "all", &t, STRATA_STORE_KEEP_ALL, &o));
	strata_pq_table_free(&t);
	assert_ok(strata_store_read(root, "s", "c", "all", NULL, INT64_MIN, INT64_MAX, &back));
	assert_int_equal(back.nrows, 1650);
	snprintf(path, sizeof path, "%s/s/c/all/part.*.parquet", root);
	assert_int_equal(glob(path, 0, NULL, &parts), 0);
	assert_true(parts.gl_pathc >= 4);
	globfree(&parts);
	snprintf(path, sizeof path, "%s/s/c/all", root);
	check_readers(dir, path, &back);
	strata_pq_table_free(&back);
}

/* Single files: zstd, uncompressed without dictionaries, snappy; several
 * row groups each. */
static void test_files_codecs(void **state)
{
	const char *dir = interop_dir();
	const strata_pq_write_options opts[] = {
	    {.codec = STRATA_PQ_ZSTD, .row_group_rows = 300},
	    {.codec = STRATA_PQ_UNCOMPRESSED, .row_group_rows = 256, .no_dictionary = 1},
	    {.codec = STRATA_PQ_SNAPPY, .row_group_rows = 1000, .zstd_level = 0},
	};
	strata_pq_table t;
	char path[512];

	(void)state;
	make_table(&t, 5, 1100);
	for (size_t k = 0; k < sizeof opts / sizeof opts[0]; k++) {
		snprintf(path, sizeof path, "%s/file%zu.parquet", root, k);
		assert_ok(strata_parquet_write(path, &t, &opts[k]));
		check_readers(dir, path, &t);
	}
	strata_pq_table_free(&t);
}

int main(void)
{
	/* Without the readers the suite is skipped (exit 77), except under CI
	 * where the tests run and fail. */
	if (!have_npm() && !strata_test_in_ci()) {
		printf("SKIPPED: node or %s/node_modules missing (run scripts/install-deps "
		       "test)\n",
		       interop_dir());
		return 77;
	}
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_item_all_types),
	    cmocka_unit_test(test_files_codecs),
	};
	return cmocka_run_group_tests(tests, strata_test_dir_setup, strata_test_dir_teardown);
}
