/* test_outdir.c - the temporary build folder: its name pattern, the
 * cleanup of folders left by killed builds (only unlocked folders of the
 * exact pattern), the lock a running build holds, and the swap. */
#include "testutil.h"

#include "relays/outdir.h"
#include "strata/file.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

static int exists_at(const char *name)
{
	char path[600];
	struct stat st;
	snprintf(path, sizeof(path), "%s/%s", strata_test_dir, name);
	return lstat(path, &st) == 0;
}

static void make_dir(const char *name)
{
	char path[600];
	snprintf(path, sizeof(path), "%s/%s", strata_test_dir, name);
	assert_int_equal(mkdir(path, 0755), 0);
}

static void make_file(const char *name)
{
	char path[600];
	snprintf(path, sizeof(path), "%s/%s", strata_test_dir, name);
	strata_test_write_file(path, "x");
}

static void test_temp_names(void **state)
{
	(void)state;
	assert_true(outdir_is_temp_name("site", "site.tmp-AbC123"));
	assert_true(outdir_is_temp_name("site", "site.tmp-000000"));
	assert_false(outdir_is_temp_name("site", "site.tmp-AbC12"));
	assert_false(outdir_is_temp_name("site", "site.tmp-AbC1234"));
	assert_false(outdir_is_temp_name("site", "site.tmp-AbC12."));
	assert_false(outdir_is_temp_name("site", "site.tmp-../abc"));
	assert_false(outdir_is_temp_name("site", "other.tmp-AbC123"));
	assert_false(outdir_is_temp_name("site", "xsite.tmp-AbC123"));
	assert_false(outdir_is_temp_name("site", "site.old"));
	assert_false(outdir_is_temp_name("site", "site"));
}

/* Only the unlocked folder of the exact pattern goes; files, symbolic
 * links (and what they point to), other names and a locked folder stay. */
static void test_clean_stale(void **state)
{
	(void)state;
	make_dir("site.tmp-AbC123");
	make_dir("site.tmp-AbC123/relay");
	make_file("site.tmp-AbC123/relay/index.html");
	make_dir("site.tmp-abc12");
	make_dir("site.tmp-Abc1234");
	make_dir("other.tmp-AbC123");
	make_file("site.tmp-Fil123");
	make_dir("target");
	make_file("target/keep");
	char link[600], target[600], locked[600], out[600];
	snprintf(link, sizeof(link), "%s/site.tmp-Lnk123", strata_test_dir);
	snprintf(target, sizeof(target), "%s/target", strata_test_dir);
	assert_int_equal(symlink(target, link), 0);
	make_dir("site.tmp-Lck123");
	snprintf(locked, sizeof(locked), "%s/site.tmp-Lck123", strata_test_dir);
	int fd = open(locked, O_RDONLY | O_DIRECTORY);
	assert_true(fd >= 0);
	assert_int_equal(flock(fd, LOCK_EX | LOCK_NB), 0);

	snprintf(out, sizeof(out), "%s/site", strata_test_dir);
	assert_int_equal(outdir_clean_stale(out), 1);
	assert_false(exists_at("site.tmp-AbC123"));
	assert_true(exists_at("site.tmp-abc12"));
	assert_true(exists_at("site.tmp-Abc1234"));
	assert_true(exists_at("other.tmp-AbC123"));
	assert_true(exists_at("site.tmp-Fil123"));
	assert_true(exists_at("site.tmp-Lnk123"));
	assert_true(exists_at("target/keep"));
	assert_true(exists_at("site.tmp-Lck123"));
	/* once its build is gone, the locked folder is stale too */
	close(fd);
	assert_int_equal(outdir_clean_stale(out), 1);
	assert_false(exists_at("site.tmp-Lck123"));
	/* a parent folder that does not exist: nothing to clean */
	snprintf(out, sizeof(out), "%s/missing/site", strata_test_dir);
	assert_int_equal(outdir_clean_stale(out), 0);
}

/* A building folder is locked, survives another build's cleanup, and is
 * swapped in; the old site goes. */
static void test_create_and_swap(void **state)
{
	(void)state;
	char out[600], page[700];
	snprintf(out, sizeof(out), "%s/swap", strata_test_dir);
	outdir_temp t;
	assert_ok(outdir_temp_create(out, &t));
	assert_non_null(t.path);
	int fd = open(t.path, O_RDONLY | O_DIRECTORY);
	assert_true(fd >= 0);
	assert_int_not_equal(flock(fd, LOCK_EX | LOCK_NB), 0);
	close(fd);
	assert_int_equal(outdir_clean_stale(out), 0);
	snprintf(page, sizeof(page), "%s/new.html", t.path);
	strata_test_write_file(page, "new");
	make_dir("swap");
	make_file("swap/old.html");
	assert_ok(outdir_swap_in(&t, out));
	assert_null(t.path);
	outdir_temp_discard(&t);
	assert_true(exists_at("swap/new.html"));
	assert_false(exists_at("swap/old.html"));
	/* a discarded build leaves nothing behind */
	assert_ok(outdir_temp_create(out, &t));
	char *left = strdup(t.path);
	outdir_temp_discard(&t);
	struct stat st;
	assert_int_not_equal(lstat(left, &st), 0);
	free(left);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_temp_names),
	    cmocka_unit_test(test_clean_stale),
	    cmocka_unit_test(test_create_and_swap),
	};
	return cmocka_run_group_tests(tests, strata_test_dir_setup, strata_test_dir_teardown);
}
