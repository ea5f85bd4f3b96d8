/* test_cast.c - store_cast_table: timestamps in other units (PyStore's
 * pyarrow parts carry microseconds) become nanoseconds exactly, and a value
 * out of the nanosecond range is an error, never a silent null. */
#include "testutil.h"

#include <stdint.h>
#include <string.h>

#include "store/item_internal.h"
#include "strata/error.h"

/* A one-column table of micro-second timestamps; validity may be NULL. */
static void micros_table(strata_pq_table *t, const int64_t *v, const uint8_t *validity, size_t n)
{
	strata_pq_column *c;
	strata_pq_table_init(t, n);
	assert_ok(strata_pq_table_add(t, "ts", STRATA_PQ_TIMESTAMP, v, validity, &c));
	c->unit = STRATA_PQ_MICROS;
}

static const colspec nanos_spec = {"ts", STRATA_PQ_TIMESTAMP, STRATA_PQ_NANOS, 1, NULL};

static void test_micros_to_nanos(void **state)
{
	const int64_t v[3] = {0, 1700000000123456, -1};
	strata_pq_table in, out;
	(void)state;
	micros_table(&in, v, NULL, 3);
	assert_ok(store_cast_table(&in, &nanos_spec, 1, &out));
	const int64_t *got = out.cols[0].values;
	assert_true(got[0] == 0 && got[1] == 1700000000123456000 && got[2] == -1000);
	strata_pq_table_free(&out);
	strata_pq_table_free(&in);
}

static void test_out_of_range_is_an_error(void **state)
{
	const int64_t v[2] = {0, INT64_MAX / 100}; /* about the year 29000 */
	strata_pq_table in, out;
	(void)state;
	micros_table(&in, v, NULL, 2);
	assert_int_equal(store_cast_table(&in, &nanos_spec, 1, &out), STRATA_ELIMIT);
	assert_non_null(strstr(strata_error_message(), "column ts: row 1"));
	strata_pq_table_free(&in);
}

static void test_null_rows_are_not_checked(void **state)
{
	const int64_t v[2] = {5, INT64_MAX}; /* row 1 is null: its value is meaningless */
	const uint8_t validity[1] = {0x01};
	strata_pq_table in, out;
	(void)state;
	micros_table(&in, v, validity, 2);
	assert_ok(store_cast_table(&in, &nanos_spec, 1, &out));
	assert_true(strata_pq_is_valid(&out.cols[0], 0) && !strata_pq_is_valid(&out.cols[0], 1));
	assert_true(((const int64_t *)out.cols[0].values)[0] == 5000);
	strata_pq_table_free(&out);
	strata_pq_table_free(&in);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_micros_to_nanos),
	    cmocka_unit_test(test_out_of_range_is_an_error),
	    cmocka_unit_test(test_null_rows_are_not_checked),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
