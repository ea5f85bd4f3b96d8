/* test_convert.c - `strata drill convert`: the JSON hole as the original's
 * table agrees, cell for cell, with the unit's own Setitec export. */
#include "testutil.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "drill/convert.h"
#include "drill/setitec.h"
#include "strata/file.h"

/* Parse the message at rel (a path under the shared data) into r or t. */
static int read_message(const char *rel, drill_result *r, drill_trace *t)
{
	char path[1024], *data = NULL;
	size_t len = 0;
	int rc = strata_test_data_path(rel, path, sizeof(path));
	if (rc != 0)
		return rc;
	assert_ok(strata_file_read_all(path, 0, &data, &len));
	rc = r ? drill_result_parse(data, len, rel, NULL, r)
	       : drill_trace_parse(data, len, rel, NULL, t);
	free(data);
	return rc;
}

/* The CSV cell in column col of line, as a double (NaN when empty). */
static double cell(const char *line, int col)
{
	for (int c = 0; c < col; c++)
		line = strchr(line, ',') + 1;
	return (*line == ',' || *line == '\n') ? NAN : strtod(line, NULL);
}

static void same(double a, double b)
{
	if (isnan(a) || isnan(b))
		assert_true(isnan(a) && isnan(b));
	else
		assert_true(fabs(a - b) <= 1e-9);
}

static void check_hole(const char *dir, const char *xls)
{
	char rel[512], path[1024];
	drill_result r;
	drill_trace t;
	drill_setitec f;
	strata_buf csv = {0};

	snprintf(rel, sizeof(rel), "drilling/mqtt/%s/Result.json", dir);
	if (read_message(rel, &r, NULL) != 0)
		skip();
	snprintf(rel, sizeof(rel), "drilling/mqtt/%s/Trace.json", dir);
	assert_ok(read_message(rel, NULL, &t));
	assert_ok(strata_test_data_path(xls, path, sizeof(path)));
	assert_ok(drill_setitec_read(path, &f));
	assert_ok(drill_convert_table(&r, &t, &csv));

	const drill_setitec_column *empty = drill_setitec_column_find(&f, "I Torque Empty (A)");
	assert_non_null(empty);
	const char *line = strchr(csv.data, '\n') + 1;
	size_t rows = 0;
	for (; *line; line = strchr(line, '\n') + 1, rows++) {
		assert_true(rows < f.n_rows);
		same(cell(line, 0), -f.position[rows]); /* the original flips the sign */
		same(cell(line, 1), f.torque[rows]);
		same(cell(line, 2), f.thrust[rows]);
		same(cell(line, 3), f.step[rows]);
		same(cell(line, 4), empty->values[rows]);
	}
	assert_int_equal(rows, f.n_rows);
	strata_buf_free(&csv);
	drill_setitec_free(&f);
	drill_trace_free(&t);
	drill_result_free(&r);
}

static void test_data0(void **state)
{
	(void)state;
	check_hole("data0", "drilling/mqtt/data0/23120040_23120040_ST_2409_59.xls");
}

static void test_data1(void **state)
{
	(void)state;
	check_hole("data1", "drilling/setitec/data_20241218/23120040_23120040_ST_2412_60.xls");
}

static void test_data2(void **state)
{
	(void)state;
	check_hole("data2", "drilling/mqtt/data_20250326/17070141_17070141_ST_59_55.xls");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_data0),
	    cmocka_unit_test(test_data1),
	    cmocka_unit_test(test_data2),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
