/* test_file.c - atomic writes, mkdir -p, whole-file reads, advisory locks. */
#include "testutil.h"

#include "strata/error.h"
#include "strata/file.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* The group's temporary directory (testutil.h). */
static const char *const dir = strata_test_dir;

/* Number of temporary files (".<name>.tmp-XXXXXX") left in path. */
static int count_temporaries(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	int n = 0;
	assert_non_null(d);
	while ((e = readdir(d)))
		if (strstr(e->d_name, ".tmp-"))
			n++;
	closedir(d);
	return n;
}

static void test_write_and_read(void **state)
{
	char path[300], *data;
	size_t len;
	struct stat st;
	(void)state;
	snprintf(path, sizeof path, "%s/out.txt", dir);
	assert_ok(strata_file_write_atomic(path, "first", 5, 0640));
	assert_ok(strata_file_write_atomic(path, "second!", 7, 0640));
	assert_ok(strata_file_read_all(path, 0, &data, &len));
	assert_int_equal(len, 7);
	assert_string_equal(data, "second!");
	free(data);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0640);
	assert_int_equal(count_temporaries(dir), 0);
	assert_ok(strata_file_write_atomic(path, "", 0, 0644));
	assert_ok(strata_file_read_all(path, 0, &data, &len));
	assert_int_equal(len, 0);
	free(data);
}

static void test_streaming_abort_keeps_old(void **state)
{
	strata_atomic_file w;
	char path[300], *data;
	size_t len;
	(void)state;
	snprintf(path, sizeof path, "%s/keep.txt", dir);
	assert_ok(strata_file_write_atomic(path, "old", 3, 0644));
	assert_ok(strata_atomic_open(&w, path, 0644));
	fputs("half-written new conte", w.fp);
	strata_atomic_abort(&w);
	assert_ok(strata_file_read_all(path, 0, &data, &len));
	assert_string_equal(data, "old");
	free(data);
	assert_int_equal(count_temporaries(dir), 0);
}

static void test_read_only_directory(void **state)
{
	char ro[300], path[400], *data;
	size_t len;
	(void)state;
	if (geteuid() == 0) {
		/* root ignores directory permissions; use a path under /proc instead. */
		assert_int_equal(strata_file_write_atomic("/proc/strata-test/x", "x", 1, 0644),
		                 STRATA_ENOTFOUND);
		assert_non_null(strstr(strata_error_message(), "cannot write /proc/strata-test/x"));
		assert_int_not_equal(strata_file_write_atomic("/sys/strata-test", "x", 1, 0644), 0);
		assert_non_null(strstr(strata_error_message(), "cannot write /sys/strata-test"));
		return;
	}
	snprintf(ro, sizeof ro, "%s/ro", dir);
	assert_ok(strata_mkdir_p(ro, 0755));
	snprintf(path, sizeof path, "%s/file", ro);
	assert_ok(strata_file_write_atomic(path, "v1", 2, 0644));
	chmod(ro, 0555);
	assert_int_equal(strata_file_write_atomic(path, "v2", 2, 0644), STRATA_EPERM);
	assert_non_null(strstr(strata_error_message(), "cannot write"));
	assert_non_null(strstr(strata_error_message(), "Permission denied"));
	chmod(ro, 0755);
	assert_ok(strata_file_read_all(path, 0, &data, &len));
	assert_string_equal(data, "v1");
	free(data);
}

static void test_bad_paths(void **state)
{
	char *data;
	size_t len;
	(void)state;
	assert_int_equal(strata_file_write_atomic("", "x", 1, 0644), STRATA_EINVAL);
	assert_int_equal(strata_file_write_atomic("dir/", "x", 1, 0644), STRATA_EINVAL);
	assert_int_equal(strata_file_read_all("/nonexistent/strata", 0, &data, &len),
	                 STRATA_ENOTFOUND);
	assert_non_null(strstr(strata_error_message(), "cannot read /nonexistent/strata"));
	assert_int_equal(strata_file_read_all(dir, 0, &data, &len), STRATA_EINVAL);
	assert_non_null(strstr(strata_error_message(), "not a regular file"));
}

static void test_read_limit(void **state)
{
	char path[300], *data;
	size_t len;
	(void)state;
	snprintf(path, sizeof path, "%s/big", dir);
	assert_ok(strata_file_write_atomic(path, "0123456789", 10, 0644));
	assert_int_equal(strata_file_read_all(path, 5, &data, &len), STRATA_ELIMIT);
	assert_non_null(strstr(strata_error_message(), "exceeds the limit"));
}

static void test_mkdir_p(void **state)
{
	char path[300], file[300];
	struct stat st;
	(void)state;
	snprintf(path, sizeof path, "%s/a/b//c/d", dir);
	assert_ok(strata_mkdir_p(path, 0755));
	assert_ok(strata_mkdir_p(path, 0755)); /* idempotent */
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	snprintf(file, sizeof file, "%s/a/file", dir);
	strata_test_write_file(file, "x");
	snprintf(path, sizeof path, "%s/a/file/sub", dir);
	assert_int_not_equal(strata_mkdir_p(path, 0755), 0);
	assert_int_equal(strata_mkdir_p(file, 0755), STRATA_EEXIST);
	assert_int_equal(strata_mkdir_p("", 0755), STRATA_EINVAL);
}

static void test_locks(void **state)
{
	char path[300];
	strata_file_lock a, b;
	pid_t pid;
	int status;
	(void)state;
	snprintf(path, sizeof path, "%s/lock", dir);
	assert_ok(strata_file_lock_acquire(&a, path, 1, 1));
	/* Another process cannot take it without waiting. */
	pid = fork();
	if (pid == 0) {
		strata_file_lock c;
		_exit(strata_file_lock_acquire(&c, path, 0, 0) == STRATA_EBUSY ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_int_equal(WEXITSTATUS(status), 0);
	strata_file_lock_release(&a);
	/* Shared locks coexist. */
	assert_ok(strata_file_lock_acquire(&a, path, 0, 0));
	assert_ok(strata_file_lock_acquire(&b, path, 0, 0));
	strata_file_lock_release(&a);
	strata_file_lock_release(&b);
}

static void test_remove_tree(void **state)
{
	char top[300], path[400], link_path[400];
	struct stat st;
	(void)state;
	snprintf(top, sizeof top, "%s/tree", dir);
	snprintf(path, sizeof path, "%s/a/b", top);
	assert_ok(strata_mkdir_p(path, 0755));
	snprintf(path, sizeof path, "%s/a/b/file", top);
	strata_test_write_file(path, "x");
	/* A symlink inside is removed, not followed. */
	snprintf(link_path, sizeof link_path, "%s/outside", top);
	assert_int_equal(symlink(dir, link_path), 0);
	assert_ok(strata_remove_tree(top));
	assert_int_not_equal(lstat(top, &st), 0);
	assert_int_equal(stat(dir, &st), 0);
	assert_ok(strata_remove_tree(top)); /* missing is fine */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_write_and_read),
	    cmocka_unit_test(test_streaming_abort_keeps_old),
	    cmocka_unit_test(test_read_only_directory),
	    cmocka_unit_test(test_bad_paths),
	    cmocka_unit_test(test_read_limit),
	    cmocka_unit_test(test_mkdir_p),
	    cmocka_unit_test(test_locks),
	    cmocka_unit_test(test_remove_tree),
	};
	return cmocka_run_group_tests_name("core/file", tests, strata_test_dir_setup,
	                                   strata_test_dir_teardown);
}
