/* test_uuid.c - UUIDv7 layout, ordering, text form. */
#include "testutil.h"

#include "strata/error.h"
#include "strata/time.h"
#include "strata/uuid.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static void test_layout(void **state)
{
	strata_uuid id;
	char text[37];
	(void)state;
	assert_ok(strata_uuid7_at(INT64_C(0x0189abcdef01), &id));
	assert_int_equal(strata_uuid_version(&id), 7);
	assert_int_equal(id.bytes[8] & 0xC0, 0x80); /* RFC 9562 variant */
	assert_int_equal(strata_uuid7_unix_ms(&id), INT64_C(0x0189abcdef01));
	strata_uuid_format(&id, text);
	assert_int_equal(strlen(text), 36);
	assert_memory_equal(text, "0189abcd-ef01-7", 15);
	assert_true(text[19] == '8' || text[19] == '9' || text[19] == 'a' || text[19] == 'b');
}

static void test_now_timestamp(void **state)
{
	strata_uuid id;
	int64_t before = strata_time_now() / 1000000;
	(void)state;
	assert_ok(strata_uuid7(&id));
	int64_t ms = strata_uuid7_unix_ms(&id);
	assert_true(ms >= before && ms <= strata_time_now() / 1000000 + 1);
}

static void test_strictly_increasing(void **state)
{
	strata_uuid prev, cur;
	(void)state;
	assert_ok(strata_uuid7(&prev));
	/* Far more ids than fit in one millisecond's counter. */
	for (int i = 0; i < 200000; i++) {
		assert_ok(strata_uuid7(&cur));
		assert_true(strata_uuid_compare(&prev, &cur) < 0);
		prev = cur;
	}
	/* A clock that goes backwards still yields increasing ids. */
	assert_ok(strata_uuid7_at(1000, &cur));
	assert_true(strata_uuid_compare(&prev, &cur) < 0);
}

#define THREADS    4
#define PER_THREAD 20000
static strata_uuid thread_ids[THREADS * PER_THREAD];

static void *make_ids(void *arg)
{
	strata_uuid *out = arg;
	for (int i = 0; i < PER_THREAD; i++)
		strata_uuid7(&out[i]);
	return NULL;
}

static int cmp_uuid(const void *a, const void *b)
{
	return strata_uuid_compare(a, b);
}

static void test_unique_across_threads(void **state)
{
	pthread_t t[THREADS];
	(void)state;
	for (int i = 0; i < THREADS; i++)
		pthread_create(&t[i], NULL, make_ids, &thread_ids[i * PER_THREAD]);
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	qsort(thread_ids, THREADS * PER_THREAD, sizeof thread_ids[0], cmp_uuid);
	for (int i = 1; i < THREADS * PER_THREAD; i++)
		assert_true(strata_uuid_compare(&thread_ids[i - 1], &thread_ids[i]) < 0);
}

static void test_parse(void **state)
{
	strata_uuid id, back;
	char text[37];
	(void)state;
	assert_ok(strata_uuid7(&id));
	strata_uuid_format(&id, text);
	assert_ok(strata_uuid_parse(text, &back));
	assert_memory_equal(id.bytes, back.bytes, 16);
	assert_ok(strata_uuid_parse("0189ABCD-EF01-7000-8000-00000000000F", &back));
	assert_int_equal(back.bytes[15], 0x0F);
	assert_int_equal(strata_uuid_parse("0189abcd-ef01-7000-8000-00000000000", &back),
	                 STRATA_EPARSE);
	assert_int_equal(strata_uuid_parse("0189abcdXef01-7000-8000-000000000000", &back),
	                 STRATA_EPARSE);
	assert_non_null(strstr(strata_error_message(), "expected '-'"));
	assert_int_equal(strata_uuid_parse("0189abcd-ef01-7000-8000-00000000000g", &back),
	                 STRATA_EPARSE);
	assert_int_equal(strata_uuid_parse(NULL, &back), STRATA_EPARSE);
	assert_int_equal(strata_uuid7_at(-1, &id), STRATA_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_layout),
	    cmocka_unit_test(test_now_timestamp),
	    cmocka_unit_test(test_strictly_increasing),
	    cmocka_unit_test(test_unique_across_threads),
	    cmocka_unit_test(test_parse),
	};
	return cmocka_run_group_tests_name("core/uuid", tests, NULL, NULL);
}
