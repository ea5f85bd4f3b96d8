/* test_error.c - the error convention and the growable buffer. */
#include "testutil.h"

#include "strata/buf.h"
#include "strata/error.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static void test_set_and_wrap(void **state)
{
	(void)state;
	strata_error_clear();
	assert_string_equal(strata_error_message(), "");
	assert_int_equal(strata_error_last(), 0);
	assert_int_equal(strata_error_set(STRATA_EPARSE, "bad field %s", "x"), STRATA_EPARSE);
	assert_string_equal(strata_error_message(), "bad field x");
	assert_int_equal(strata_error_wrap(STRATA_EPARSE, "%s:%d", "a.toml", 3), STRATA_EPARSE);
	assert_string_equal(strata_error_message(), "a.toml:3: bad field x");
	assert_int_equal(strata_error_last(), STRATA_EPARSE);
	assert_string_equal(strata_error_name(STRATA_EPARSE), "parse");
	assert_string_equal(strata_error_name(-999), "error");
}

static void test_errno_mapping(void **state)
{
	(void)state;
	errno = ENOENT;
	assert_int_equal(strata_error_set_errno("open %s", "/nope"), STRATA_ENOTFOUND);
	assert_non_null(strstr(strata_error_message(), "open /nope: No such file"));
	errno = EACCES;
	assert_int_equal(strata_error_set_errno("x"), STRATA_EPERM);
	errno = EROFS;
	assert_int_equal(strata_error_set_errno("x"), STRATA_EPERM);
	errno = ENOSPC;
	assert_int_equal(strata_error_set_errno("x"), STRATA_EIO);
}

static void test_long_message_truncates_safely(void **state)
{
	char big[4000];
	(void)state;
	memset(big, 'a', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	strata_error_set(STRATA_ERR, "%s", big);
	assert_int_equal(strlen(strata_error_message()), 1023);
	strata_error_wrap(STRATA_ERR, "%s", big);
	assert_int_equal(strlen(strata_error_message()), 1023);
}

static void *other_thread(void *arg)
{
	(void)arg;
	strata_error_set(STRATA_EIO, "thread error");
	return NULL;
}

static void test_thread_local(void **state)
{
	pthread_t t;
	(void)state;
	strata_error_set(STRATA_EINVAL, "main error");
	pthread_create(&t, NULL, other_thread, NULL);
	pthread_join(t, NULL);
	assert_string_equal(strata_error_message(), "main error");
	assert_int_equal(strata_error_last(), STRATA_EINVAL);
}

static void test_buf_basic(void **state)
{
	strata_buf b = STRATA_BUF_INIT;
	(void)state;
	assert_string_equal(strata_buf_cstr(&b), "");
	assert_ok(strata_buf_puts(&b, "abc"));
	assert_ok(strata_buf_printf(&b, "-%d-", 42));
	assert_ok(strata_buf_putc(&b, 'z'));
	assert_string_equal(strata_buf_cstr(&b), "abc-42-z");
	assert_int_equal(b.len, 8);
	for (int i = 0; i < 10000; i++)
		assert_ok(strata_buf_putc(&b, 'x'));
	assert_int_equal(b.len, 10008);
	strata_buf_reset(&b);
	assert_string_equal(strata_buf_cstr(&b), "");
	char *owned = strata_buf_detach(&b);
	assert_string_equal(owned, "");
	free(owned);
	strata_buf_free(&b);
}

static void test_buf_json_string(void **state)
{
	strata_buf b = STRATA_BUF_INIT;
	(void)state;
	assert_ok(strata_buf_json_string(&b, "a\"b\\c\n\t\x01 \xc3\xa9 \xe2\x82\xac"));
	assert_string_equal(strata_buf_cstr(&b),
	                    "\"a\\\"b\\\\c\\n\\t\\u0001 \xc3\xa9 \xe2\x82\xac\"");
	strata_buf_reset(&b);
	/* Invalid UTF-8: lone continuation, overlong, truncated, surrogate. */
	assert_ok(strata_buf_json_string(&b, "\x80|\xc0\xaf|\xe2\x82|\xed\xa0\x80"));
	assert_string_equal(strata_buf_cstr(&b),
	                    "\"\\ufffd|\\ufffd\\ufffd|\\ufffd\\ufffd|\\ufffd\\ufffd\\ufffd\"");
	strata_buf_free(&b);
}

static void test_utf8_length(void **state)
{
	(void)state;
	assert_int_equal(strata_utf8_length((const unsigned char *)"a", 1), 1);
	assert_int_equal(strata_utf8_length((const unsigned char *)"\xc3\xa9", 2), 2);
	assert_int_equal(strata_utf8_length((const unsigned char *)"\xe2\x82\xac", 3), 3);
	assert_int_equal(strata_utf8_length((const unsigned char *)"\xf0\x9f\x98\x80", 4), 4);
	assert_int_equal(strata_utf8_length((const unsigned char *)"\xe2\x82\xac", 2), 0);
	assert_int_equal(strata_utf8_length((const unsigned char *)"\xc0\xaf", 2), 0);
	assert_int_equal(strata_utf8_length((const unsigned char *)"\xed\xa0\x80", 3), 0);
	assert_int_equal(strata_utf8_length((const unsigned char *)"\xf4\x90\x80\x80", 4), 0);
	assert_int_equal(strata_utf8_length((const unsigned char *)"\x80", 1), 0);
	assert_int_equal(strata_utf8_length((const unsigned char *)"", 0), 0);
}

static void test_buf_json_double(void **state)
{
	strata_buf b = STRATA_BUF_INIT;
	(void)state;
	strata_buf_json_double(&b, 5.01);
	strata_buf_putc(&b, ' ');
	strata_buf_json_double(&b, 0.1 + 0.2);
	strata_buf_putc(&b, ' ');
	strata_buf_json_double(&b, -2.5e-300);
	strata_buf_putc(&b, ' ');
	strata_buf_json_double(&b, 1.0 / 0.0);
	strata_buf_putc(&b, ' ');
	strata_buf_json_double(&b, 42);
	assert_string_equal(strata_buf_cstr(&b), "5.01 0.30000000000000004 -2.5e-300 null 42");
	strata_buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_set_and_wrap),
	    cmocka_unit_test(test_errno_mapping),
	    cmocka_unit_test(test_long_message_truncates_safely),
	    cmocka_unit_test(test_thread_local),
	    cmocka_unit_test(test_buf_basic),
	    cmocka_unit_test(test_buf_json_string),
	    cmocka_unit_test(test_buf_json_double),
	    cmocka_unit_test(test_utf8_length),
	};
	return cmocka_run_group_tests_name("core/error", tests, NULL, NULL);
}
