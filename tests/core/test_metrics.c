/* test_metrics.c - the Prometheus text format of the metrics registry. */
#include "testutil.h"

#include "strata/error.h"
#include "strata/metrics.h"

#include <pthread.h>
#include <string.h>

static void test_counter_and_gauge(void **state)
{
	strata_metrics *reg = strata_metrics_new();
	strata_metric *ok, *err, *again, *temp;
	strata_buf out = STRATA_BUF_INIT;
	const char *l_ok[] = {"route", "/api/images", "status", "200", NULL};
	const char *l_err[] = {"route", "/api/\"x\"\\\n", "status", "500", NULL};
	(void)state;

	assert_ok(
	    strata_metrics_counter(reg, "http_requests_total", "Requests.\nServed.", l_ok, &ok));
	assert_ok(strata_metrics_counter(reg, "http_requests_total", "Requests.", l_err, &err));
	assert_ok(strata_metrics_counter(reg, "http_requests_total", "Requests.", l_ok, &again));
	assert_ptr_equal(ok, again);
	assert_ok(strata_metrics_gauge(reg, "temperature_celsius", "Temp.", NULL, &temp));
	strata_metric_add(ok, 3);
	strata_metric_add(ok, -5); /* counters never go down */
	strata_metric_add(err, 1);
	strata_metric_set(temp, -2.5);
	assert_true(strata_metric_value(ok) == 3.0);
	assert_ok(strata_metrics_render(reg, &out));
	assert_string_equal(
	    strata_buf_cstr(&out),
	    "# HELP http_requests_total Requests.\\nServed.\n"
	    "# TYPE http_requests_total counter\n"
	    "http_requests_total{route=\"/api/images\",status=\"200\"} 3\n"
	    "http_requests_total{route=\"/api/\\\"x\\\"\\\\\\n\",status=\"500\"} 1\n"
	    "# HELP temperature_celsius Temp.\n"
	    "# TYPE temperature_celsius gauge\n"
	    "temperature_celsius -2.5\n");
	strata_buf_free(&out);
	strata_metrics_free(reg);
}

static void test_histogram(void **state)
{
	strata_metrics *reg = strata_metrics_new();
	strata_metric *h;
	strata_buf out = STRATA_BUF_INIT;
	const double bounds[] = {0.1, 0.5, 1};
	(void)state;
	assert_ok(
	    strata_metrics_histogram(reg, "latency_seconds", "Latency.", bounds, 3, NULL, &h));
	strata_metric_observe(h, 0.05);
	strata_metric_observe(h, 0.1); /* le is inclusive */
	strata_metric_observe(h, 0.7);
	strata_metric_observe(h, 3);
	assert_ok(strata_metrics_render(reg, &out));
	assert_string_equal(strata_buf_cstr(&out),
	                    "# HELP latency_seconds Latency.\n"
	                    "# TYPE latency_seconds histogram\n"
	                    "latency_seconds_bucket{le=\"0.10000000000000001\"} 2\n"
	                    "latency_seconds_bucket{le=\"0.5\"} 2\n"
	                    "latency_seconds_bucket{le=\"1\"} 3\n"
	                    "latency_seconds_bucket{le=\"+Inf\"} 4\n"
	                    "latency_seconds_sum 3.8500000000000001\n"
	                    "latency_seconds_count 4\n");
	strata_buf_free(&out);
	strata_metrics_free(reg);
}

static void test_validation(void **state)
{
	strata_metrics *reg = strata_metrics_new();
	strata_metric *m;
	const double bad_bounds[] = {1, 1};
	const char *bad_label[] = {"__reserved", "x", NULL};
	const char *odd_label[] = {"key", NULL};
	(void)state;
	assert_int_equal(strata_metrics_counter(reg, "9starts_with_digit", "", NULL, &m),
	                 STRATA_EINVAL);
	assert_int_equal(strata_metrics_counter(reg, "has-dash", "", NULL, &m), STRATA_EINVAL);
	assert_int_equal(strata_metrics_counter(reg, "ok", "", bad_label, &m), STRATA_EINVAL);
	assert_int_equal(strata_metrics_counter(reg, "ok", "", odd_label, &m), STRATA_EINVAL);
	assert_int_equal(strata_metrics_histogram(reg, "h", "", bad_bounds, 2, NULL, &m),
	                 STRATA_EINVAL);
	assert_ok(strata_metrics_counter(reg, "ns:name_total", "", NULL, &m));
	assert_int_equal(strata_metrics_gauge(reg, "ns:name_total", "", NULL, &m), STRATA_EINVAL);
	assert_non_null(strstr(strata_error_message(), "already registered as a counter"));
	strata_metrics_free(reg);
}

static strata_metric *shared_counter;
static void *bump(void *arg)
{
	(void)arg;
	for (int i = 0; i < 100000; i++)
		strata_metric_add(shared_counter, 1);
	return NULL;
}

static void test_concurrent_updates(void **state)
{
	strata_metrics *reg = strata_metrics_new();
	pthread_t t[4];
	(void)state;
	assert_ok(strata_metrics_counter(reg, "bumps_total", "", NULL, &shared_counter));
	for (int i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, bump, NULL);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	assert_true(strata_metric_value(shared_counter) == 400000.0);
	strata_metrics_free(reg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_counter_and_gauge),
	    cmocka_unit_test(test_histogram),
	    cmocka_unit_test(test_validation),
	    cmocka_unit_test(test_concurrent_updates),
	};
	return cmocka_run_group_tests_name("core/metrics", tests, NULL, NULL);
}
