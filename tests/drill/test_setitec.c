/* test_setitec.c - Setitec export reader, and the JSON-vs-export golden test. */
#include "testutil.h"

#include <dirent.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "drill/opcua.h"
#include "drill/setitec.h"
#include "strata/file.h"

/* Golden tolerance: both sides are decimal text with 3 decimals, parsed to the
 * nearest double, so they must agree exactly; allow 1e-9 as a stated margin. */
#define GOLDEN_TOL 1e-9

/* A small export in the unit's shape: Latin-1, CRLF, trailing tabs, a NUL in
 * metadata, a duplicated header column without data, an empty cell. */
static const char sample[] =
    "*** General Infos ***\t\t\t\r\n"
    "Version\tDate\tSample Rate (Hz)\t\r\n"
    "11\t2024-12-11:09:24:49\t100\t\r\n"
    "\t\t\t\r\n"
    "*** Motor Datas ***\t\t\r\n"
    "Motor Name\tMotor SN\r\n"
    "Light_EDU\0\t23120040\r\n"
    "*** Pset ***\t\t\r\n"
    "Pset Type\tPset n\xb0\tVersion\r\n"
    "Standard\t0\t12\r\n"
    "*** Step Results ***\t\r\n"
    "Step Number\tStop Code\r\n"
    "1,000\t64,000\r\n"
    "2,000\t8192,000\r\n"
    "Comment\r\n"
    "\r\n"
    "*** Datas ***\t\t\t\t\t\t\r\n"
    "Position (mm)\tI Torque (A)\tI Thrust (A)\tStep (nb)\tGap (mm)\tGap (mm)\t\r\n"
    "-0,706\t0,000\t-0,023\t1,000\t\t\r\n"
    "-0,741\t-0,098\t-0,023\t1,000\t0,5\r\n"
    "\r\n"
    "-0,775\t-0,195\t1e-3\t2\t-1,25E+1";

static void test_sample(void **state)
{
	drill_setitec f;
	const drill_setitec_column *gap;

	(void)state;
	assert_ok(drill_setitec_parse(sample, sizeof(sample) - 1, "sample.xls", &f));
	assert_int_equal(f.n_rows, 3);
	assert_int_equal(f.n_cols, 5); /* the second "Gap (mm)" has no data */
	assert_true(f.position[0] == -0.706 && f.position[2] == -0.775);
	assert_true(f.torque[1] == -0.098 && f.thrust[2] == 1e-3 && f.step[2] == 2.0);
	gap = drill_setitec_column_find(&f, "Gap (mm)");
	assert_non_null(gap);
	assert_true(isnan(gap->values[0]) && gap->values[1] == 0.5 && gap->values[2] == -12.5);
	assert_string_equal(drill_setitec_meta_get(&f, "General Infos", "Version"), "11");
	assert_string_equal(drill_setitec_meta_get(&f, NULL, "Sample Rate (Hz)"), "100");
	assert_string_equal(drill_setitec_meta_get(&f, "Motor Datas", "Motor Name"), "Light_EDU");
	assert_string_equal(drill_setitec_meta_get(&f, "Pset", "Pset n\xc2\xb0"), "0");
	assert_string_equal(drill_setitec_meta_get(&f, "Step Results", "Stop Code"), "64,000");
	assert_null(drill_setitec_meta_get(&f, "Pset", "Motor Name"));
	/* the second value row of Step Results */
	for (size_t i = 0; i < f.n_meta; i++)
		if (!strcmp(f.meta[i].key, "Stop Code") && f.meta[i].row == 1)
			assert_string_equal(f.meta[i].value, "8192,000");
	drill_setitec_free(&f);
}

static void test_semicolons_points(void **state)
{
	static const char s[] = "*** General Infos ***;;;\n"
	                        "Version;Date;;\n"
	                        "8;2024-05-08T17:51:30Z;;\n"
	                        "*** Datas ***;;;\n"
	                        "Position (mm);I Torque (A);I Thrust (A);Step (nb)\n"
	                        "-0.551;0.000;0.012;1.000\n";
	drill_setitec f;

	(void)state;
	assert_ok(drill_setitec_parse(s, sizeof(s) - 1, "semi.xls", &f));
	assert_int_equal(f.n_rows, 1);
	assert_true(f.position[0] == -0.551 && f.thrust[0] == 0.012);
	assert_string_equal(drill_setitec_meta_get(&f, NULL, "Date"), "2024-05-08T17:51:30Z");
	drill_setitec_free(&f);
}

/* A table with a header and no samples: empty, but usable, arrays. */
static void test_empty_table(void **state)
{
	static const char s[] =
	    "*** Datas ***\nPosition (mm)\tI Torque (A)\tI Thrust (A)\tStep (nb)\n";
	drill_setitec f;

	(void)state;
	assert_ok(drill_setitec_parse(s, sizeof(s) - 1, "empty.xls", &f));
	assert_int_equal(f.n_rows, 0);
	assert_int_equal(f.n_cols, 4);
	assert_non_null(f.position);
	assert_non_null(f.step);
	drill_setitec_free(&f);
}

static void expect_error(const char *text, int code, const char *want)
{
	drill_setitec f;
	int rc = drill_setitec_parse(text, strlen(text), "bad.xls", &f);

	if (rc != code)
		fail_msg("rc %d, expected %d: %s", rc, code, strata_error_message());
	if (!strstr(strata_error_message(), want))
		fail_msg("message '%s' lacks '%s'", strata_error_message(), want);
	assert_null(f.cols);
	assert_null(f.meta);
}

#define HDR "*** Datas ***\nPosition (mm)\tI Torque (A)\tI Thrust (A)\tStep (nb)\n"

static void test_errors(void **state)
{
	(void)state;
	expect_error(HDR "1,0\t2,0\t3,0\t1\n1,0\t2,O\t3\t1\n", STRATA_EPARSE,
	             "bad.xls:4:5: column 'I Torque (A)': bad number '2,O'");
	expect_error(HDR "1\t2\t3\t4\t5\n", STRATA_EPARSE, "bad.xls:3:9: *** Datas ***: row has 5");
	expect_error(HDR "1\t2\t3\t--4\n", STRATA_EPARSE, "bad.xls:3:7:");
	expect_error(HDR "1\t2\t3\t1,2,3\n", STRATA_EPARSE, "bad number '1,2,3'");
	expect_error(HDR "1\t2\t3\t1e\n", STRATA_EPARSE, "bad number '1e'");
	expect_error(HDR "1\t2\t3\tnan\n", STRATA_EPARSE, "bad number 'nan'");
	expect_error(HDR "1\t2\t3\t0x10\n", STRATA_EPARSE, "bad number '0x10'");
	expect_error(HDR "1\t2\t3\t\xe9\n", STRATA_EPARSE, "bad number '?'");
	expect_error("*** Datas ***\nPosition (mm)\tI Torque (A)\tStep (nb)\n1\t2\t3\n",
	             STRATA_ESCHEMA, "no 'I Thrust (A)' column");
	expect_error("*** General Infos ***\nVersion\n11\n", STRATA_ESCHEMA, "no *** Datas ***");
	expect_error("", STRATA_ESCHEMA, "no *** Datas ***");
	expect_error(HDR "1\t2\t3\t4\n" HDR, STRATA_EPARSE, "bad.xls:4: a second *** Datas ***");
}

static void test_numbers(void **state)
{
	static const char s[] = HDR "-0,706\t+12345,678\t0,1234567890123456789\t1e300\n"
	                            "0\t-0\t7E-5\t99999999999999999999\n";
	drill_setitec f;

	(void)state;
	assert_ok(drill_setitec_parse(s, sizeof(s) - 1, "n.xls", &f));
	assert_true(f.position[0] == -0.706);
	assert_true(f.torque[0] == 12345.678);
	assert_true(f.thrust[0] == 0.1234567890123456789);
	assert_true(f.step[0] == 1e300);
	assert_true(f.thrust[1] == 7e-5);
	assert_true(f.step[1] == 1e20);
	assert_true(signbit(f.torque[1]));
	drill_setitec_free(&f);
}

/* Parse every .xls under dir (recursively); returns the count. */
static size_t read_tree(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t count = 0;

	assert_non_null(d);
	while ((e = readdir(d))) {
		char path[4096];
		struct stat st;
		size_t n = strlen(e->d_name);

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		assert_int_equal(stat(path, &st), 0);
		if (S_ISDIR(st.st_mode)) {
			count += read_tree(path);
		} else if (n > 4 && !strcmp(e->d_name + n - 4, ".xls")) {
			drill_setitec f;

			assert_ok(drill_setitec_read(path, &f));
			assert_true(f.n_rows > 0);
			assert_non_null(drill_setitec_meta_get(&f, "General Infos", "Version"));
			drill_setitec_free(&f);
			count++;
		}
	}
	closedir(d);
	return count;
}

static void test_all_exports(void **state)
{
	char dir[1024];

	(void)state;
	STRATA_REQUIRE_TESTDATA("drilling/setitec", dir);
	size_t n = read_tree(dir);
	print_message("read %zu Setitec exports\n", n);
	assert_true(n >= 100);
}

/* Compare one column sample by sample; returns the largest difference. */
static double compare(const char *what, const double *json, const double *xls, size_t n)
{
	double worst = 0;

	for (size_t i = 0; i < n; i++) {
		double d = fabs(json[i] - xls[i]);

		if (!(d <= GOLDEN_TOL))
			fail_msg("%s sample %zu: JSON %.17g, export %.17g", what, i, json[i],
			         xls[i]);
		worst = d > worst ? d : worst;
	}
	return worst;
}

/* The golden test: one hole as a Trace message and as a Setitec export. */
static void golden(const char *trace_rel, const char *xls_rel, const char *result_rel,
                   size_t want_n)
{
	char path[1024], *data = NULL;
	size_t len = 0;
	drill_trace t;
	drill_result r;
	drill_setitec f;
	double worst = 0;

	if (strata_test_data_path(trace_rel, path, sizeof(path)) != 0)
		skip();
	assert_ok(strata_file_read_all(path, 0, &data, &len));
	assert_ok(drill_trace_parse(data, len, trace_rel, NULL, &t));
	free(data);
	assert_ok(strata_test_data_path(result_rel, path, sizeof(path)));
	assert_ok(strata_file_read_all(path, 0, &data, &len));
	assert_ok(drill_result_parse(data, len, result_rel, NULL, &r));
	free(data);
	assert_ok(strata_test_data_path(xls_rel, path, sizeof(path)));
	assert_ok(drill_setitec_read(path, &f));
	assert_int_equal(t.n, want_n);
	assert_int_equal(f.n_rows, t.n);
	/* Both carry the position as published (negative going down); consumers
	 * flip the sign of both alike for depth, so the raw values must match. */
	worst = fmax(worst, compare("position", t.position, f.position, t.n));
	worst = fmax(worst, compare("torque", t.torque, f.torque, t.n));
	worst = fmax(worst, compare("thrust", t.thrust, f.thrust, t.n));
	worst = fmax(worst, compare("step", t.step, f.step, t.n));
	/* the no-load torque column holds the Result's value for the sample's step */
	const drill_setitec_column *empty = drill_setitec_column_find(&f, "I Torque Empty (A)");
	assert_non_null(empty);
	for (size_t i = 0; i < r.n_steps; i++)
		for (size_t k = 0; k < t.n; k++)
			if (t.step[k] == r.step_numbers[i])
				assert_true(fabs(empty->values[k] - r.torque_empty[i]) <=
				            GOLDEN_TOL);
	print_message("%s: %zu samples, max |JSON - export| = %g\n", xls_rel, t.n, worst);
	drill_trace_free(&t);
	drill_result_free(&r);
	drill_setitec_free(&f);
}

static void test_golden_data0(void **state)
{
	(void)state;
	golden("drilling/mqtt/data0/Trace.json",
	       "drilling/mqtt/data0/23120040_23120040_ST_2409_59.xls",
	       "drilling/mqtt/data0/Result.json", 492);
}

static void test_golden_data1(void **state)
{
	(void)state;
	golden("drilling/mqtt/data1/Trace.json",
	       "drilling/setitec/data_20241218/23120040_23120040_ST_2412_60.xls",
	       "drilling/mqtt/data1/Result.json", 135);
}

static void test_golden_data2(void **state)
{
	(void)state;
	golden("drilling/mqtt/data2/Trace.json",
	       "drilling/mqtt/data_20250326/17070141_17070141_ST_59_55.xls",
	       "drilling/mqtt/data2/Result.json", 1860);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_sample),       cmocka_unit_test(test_semicolons_points),
	    cmocka_unit_test(test_errors),       cmocka_unit_test(test_numbers),
	    cmocka_unit_test(test_empty_table),  cmocka_unit_test(test_all_exports),
	    cmocka_unit_test(test_golden_data0), cmocka_unit_test(test_golden_data1),
	    cmocka_unit_test(test_golden_data2),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
