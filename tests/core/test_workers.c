/* test_workers.c - the data-parallel thread pool and the progress bar. */
#include "testutil.h"

#include "strata/error.h"
#include "strata/progress.h"
#include "strata/workers.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

typedef struct square_ctx {
	long *out;
	atomic_long calls;
} square_ctx;

static int square(size_t i, void *arg)
{
	square_ctx *ctx = arg;
	ctx->out[i] = (long)i * (long)i;
	atomic_fetch_add(&ctx->calls, 1);
	return 0;
}

static void test_every_item_once(void **state)
{
	strata_workers *w;
	square_ctx ctx;
	size_t n = 100003;
	(void)state;
	ctx.out = calloc(n, sizeof *ctx.out);
	atomic_init(&ctx.calls, 0);
	assert_ok(strata_workers_create(4, &w));
	assert_int_equal(strata_workers_count(w), 4);
	for (int round = 0; round < 5; round++) {
		memset(ctx.out, 0, n * sizeof *ctx.out);
		assert_ok(strata_workers_for(w, n, square, &ctx));
		for (size_t i = 0; i < n; i++)
			assert_int_equal(ctx.out[i], (long)i * (long)i);
	}
	assert_int_equal(atomic_load(&ctx.calls), 5 * (long)n);
	assert_ok(strata_workers_for(w, 0, square, &ctx));
	assert_ok(strata_workers_for(w, 1, square, &ctx));
	strata_workers_destroy(w);
	free(ctx.out);
}

static int fail_at_500(size_t i, void *arg)
{
	(void)arg;
	if (i == 500)
		return strata_error_set(STRATA_EPARSE, "item %zu: bad record", i);
	return 0;
}

static void test_failure_propagates(void **state)
{
	strata_workers *w;
	(void)state;
	assert_ok(strata_workers_create(3, &w));
	strata_error_clear();
	assert_int_equal(strata_workers_for(w, 10000, fail_at_500, NULL), STRATA_EPARSE);
	assert_string_equal(strata_error_message(), "item 500: bad record");
	/* The pool stays usable after a failure. */
	long out[10];
	square_ctx ctx = {.out = out};
	atomic_init(&ctx.calls, 0);
	assert_ok(strata_workers_for(w, 10, square, &ctx));
	assert_int_equal(out[9], 81);
	strata_workers_destroy(w);
}

static void test_default_and_env_thread_count(void **state)
{
	strata_workers *w;
	(void)state;
	setenv("STRATA_THREADS", "3", 1);
	assert_ok(strata_workers_create(0, &w));
	assert_int_equal(strata_workers_count(w), 3);
	strata_workers_destroy(w);
	unsetenv("STRATA_THREADS");
	assert_ok(strata_workers_create(1, &w)); /* caller only */
	assert_int_equal(strata_workers_count(w), 1);
	strata_workers_destroy(w);
	assert_int_equal(strata_workers_create(-1, &w), STRATA_EINVAL);
}

static void test_progress_draws_bar(void **state)
{
	char out[4096] = {0};
	FILE *f = fmemopen(out, sizeof out, "w");
	strata_progress *p = strata_progress_start_on(f, "ingest", 200);
	(void)state;
	strata_progress_add(p, 50);
	strata_progress_set(p, 200);
	strata_progress_finish(p);
	fclose(f);
	assert_non_null(strstr(out, "ingest"));
	assert_non_null(strstr(out, "] 100%  200/200"));
	assert_non_null(strstr(out, "[############################]"));
	assert_int_equal(out[strlen(out) - 1], '\n');
	/* NULL is accepted everywhere (silent bar). */
	strata_progress_add(NULL, 1);
	strata_progress_finish(NULL);
}

static void test_progress_silent_off_tty(void **state)
{
	(void)state;
	/* Under ctest stderr is not a terminal: start() draws nothing. */
	strata_progress *p = strata_progress_start("quiet", 10);
	strata_progress_add(p, 10);
	strata_progress_finish(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_every_item_once),
	    cmocka_unit_test(test_failure_propagates),
	    cmocka_unit_test(test_default_and_env_thread_count),
	    cmocka_unit_test(test_progress_draws_bar),
	    cmocka_unit_test(test_progress_silent_off_tty),
	};
	return cmocka_run_group_tests_name("core/workers", tests, NULL, NULL);
}
