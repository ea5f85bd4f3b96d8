/* test_maintain.c - compaction, verification, bad input (corrupt, truncated
 * and missing parts, a full disk) and the writer lock across processes. */
#include "testutil.h"

#include "store/parquet.h"
#include "strata/error.h"
#include "strata/file.h"
#include "strata/store.h"
#include "strata/time.h"

#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *const root = strata_test_dir;

#define ST  "st"
#define COL "mt"

/* A batch of n rows with keys from..from+n-1 (ns) and v = key * 2. */
static void mk(strata_pq_table *t, int64_t from, size_t n)
{
	int64_t *k = malloc((n ? n : 1) * sizeof *k);
	double *v = malloc((n ? n : 1) * sizeof *v);

	assert_non_null(k);
	assert_non_null(v);
	for (size_t i = 0; i < n; i++) {
		k[i] = from + (int64_t)i;
		v[i] = (double)k[i] * 2;
	}
	strata_pq_table_init(t, n);
	assert_ok(strata_pq_table_add(t, "index", STRATA_PQ_TIMESTAMP, k, NULL, NULL));
	assert_ok(strata_pq_table_add(t, "v", STRATA_PQ_DOUBLE, v, NULL, NULL));
	free(k);
	free(v);
}

/* Parts of 5 rows are not small with part_rows 10: appends keep them. */
static const strata_store_options five_row_parts = {.part_rows = 10};

/* Item of nparts parts of 5 rows each (keys 0..5*nparts-1), by appends. */
static void build(const char *item, size_t nparts)
{
	strata_pq_table t;

	mk(&t, 0, 5);
	assert_ok(strata_store_write(root, ST, COL, item, &t, "index", "{\"k\": 1}", 1, NULL));
	strata_pq_table_free(&t);
	for (size_t i = 1; i < nparts; i++) {
		mk(&t, (int64_t)i * 5, 5);
		assert_ok(strata_store_append(root, ST, COL, item, &t, STRATA_STORE_KEEP_LAST,
		                              &five_row_parts));
		strata_pq_table_free(&t);
	}
}

/* Check that item holds exactly keys 0..n-1 with v = 2 * key; return the
 * number of parts. */
static size_t check(const char *item, size_t n)
{
	strata_store_read_options o;
	strata_store_read_stats st;
	strata_pq_table t;

	strata_store_read_options_init(&o);
	o.stats = &st;
	assert_ok(strata_store_read_ex(root, ST, COL, item, &o, &t));
	assert_int_equal(t.nrows, n);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(((int64_t *)t.cols[0].values)[i], (int64_t)i);
		assert_true(((double *)t.cols[1].values)[i] == 2.0 * (double)i);
	}
	strata_pq_table_free(&t);
	return st.parts_total;
}

static void part_path(const char *item, const char *file, char out[512])
{
	snprintf(out, 512, "%s/" ST "/" COL "/%s/%s", root, item, file);
}

static void test_compact(void **state)
{
	strata_store_options opts = {.part_rows = 100};
	char *report = NULL;
	size_t merged = 0;
	(void)state;
	build("small", 30);
	assert_int_equal(check("small", 150), 30);
	assert_ok(strata_store_compact(root, ST, COL, "small", &opts, &merged));
	assert_int_equal(merged, 30);
	/* 150 rows in parts of at most 100: 20 + 10 small parts merged */
	assert_int_equal(check("small", 150), 2);
	assert_ok(strata_store_verify(root, ST, COL, "small", &report));
	assert_string_equal(report, "");
	free(report);
	/* nothing left to merge: no new version */
	assert_ok(strata_store_compact(root, ST, COL, "small", &opts, &merged));
	assert_int_equal(merged, 0);
	assert_int_equal(strata_store_compact(root, ST, COL, "nothing", NULL, &merged),
	                 STRATA_ENOTFOUND);
}

/* Verify an item whose part.1 was damaged by damage(); the report and the
 * message name the file and contain reason. */
static void expect_corrupt(const char *item, const char *file, const char *reason)
{
	char *report = NULL;
	strata_pq_table t;

	assert_int_equal(strata_store_verify(root, ST, COL, item, &report), STRATA_EPARSE);
	assert_non_null(report);
	if (!strstr(report, file) || !strstr(report, reason))
		fail_msg("report lacks %s / %s:\n%s", file, reason, report);
	assert_non_null(strstr(strata_error_message(), item));
	free(report);
	/* A read of the damaged part fails naming item and file. */
	if (!strcmp(file, "part.1.parquet")) {
		assert_int_not_equal(
		    strata_store_read(root, ST, COL, item, NULL, INT64_MIN, INT64_MAX, &t), 0);
		assert_non_null(strstr(strata_error_message(), item));
		assert_non_null(strstr(strata_error_message(), file));
	}
}

static void test_verify_finds_corruption(void **state)
{
	char path[512], *report = NULL;
	struct stat st;
	int fd;
	(void)state;

	build("flip", 3);
	assert_ok(strata_store_verify(root, ST, COL, "flip", &report));
	assert_string_equal(report, "");
	free(report);
	/* one byte changed inside the data: same size, other checksum */
	part_path("flip", "part.1.parquet", path);
	assert_true((fd = open(path, O_WRONLY)) >= 0);
	assert_int_equal(pwrite(fd, "\xff", 1, 6), 1);
	close(fd);
	expect_corrupt("flip", "part.1.parquet", "CRC-32C");

	build("trunc", 3);
	part_path("trunc", "part.1.parquet", path);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(truncate(path, st.st_size / 2), 0);
	expect_corrupt("trunc", "part.1.parquet", "unreadable");

	build("gone", 3);
	part_path("gone", "part.1.parquet", path);
	assert_int_equal(unlink(path), 0);
	expect_corrupt("gone", "part.1.parquet", "missing");

	build("extra", 2);
	part_path("extra", "part.9.parquet", path);
	assert_ok(strata_file_write_atomic(path, "x", 1, 0644));
	expect_corrupt("extra", "part.9.parquet", "not in the manifest");

	build("badman", 2);
	part_path("badman", "manifest.json", path);
	assert_ok(strata_file_write_atomic(path, "{\"key\": 1}", 10, 0644));
	expect_corrupt("badman", "manifest.json", "not a strata manifest");
}

/* An append that runs into the file size limit (a full disk) fails with a
 * clear error and leaves the item at its previous version. */
static void test_full_disk(void **state)
{
	int status;
	pid_t pid;
	(void)state;

	build("full", 2);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct rlimit rl = {4096, 4096};
		strata_pq_table t;
		int rc;
		signal(SIGXFSZ, SIG_IGN);
		if (setrlimit(RLIMIT_FSIZE, &rl) != 0)
			_exit(3);
		mk(&t, 5, 20000); /* overlaps part 1, ~300 kB */
		rc = strata_store_append(root, ST, COL, "full", &t, STRATA_STORE_KEEP_LAST, NULL);
		strata_pq_table_free(&t);
		if (rc == 0)
			_exit(1);
		fprintf(stderr, "full disk: %s\n", strata_error_message());
		_exit(strstr(strata_error_message(), "item full") &&
		              strstr(strata_error_message(), "part.")
		          ? 0
		          : 2);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	check("full", 10);
	/* The next writer cleans up and succeeds. */
	{
		strata_pq_table t;
		mk(&t, 10, 5);
		assert_ok(
		    strata_store_append(root, ST, COL, "full", &t, STRATA_STORE_KEEP_LAST, NULL));
		strata_pq_table_free(&t);
		check("full", 15);
	}
}

/* A second writer process waits at most lock_timeout_ms, or not at all. */
static void test_lock_timeout(void **state)
{
	char lock[512], c;
	strata_store_options wait_a_bit = {.lock_timeout_ms = 50};
	strata_store_options no_wait = {.lock_timeout_ms = -1};
	strata_pq_table t;
	int status, ready[2], go[2];
	pid_t pid;
	(void)state;

	build("busy", 1);
	snprintf(lock, sizeof lock, "%s/" ST "/" COL "/.strata/.busy.lock", root);
	assert_int_equal(pipe(ready), 0);
	assert_int_equal(pipe(go), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		strata_file_lock l;
		if (strata_file_lock_acquire(&l, lock, 1, 1) != 0)
			_exit(1);
		(void)write(ready[1], "x", 1);
		(void)read(go[0], &c, 1); /* hold the lock until told */
		strata_file_lock_release(&l);
		_exit(0);
	}
	assert_int_equal(read(ready[0], &c, 1), 1);
	mk(&t, 5, 5);
	assert_int_equal(
	    strata_store_append(root, ST, COL, "busy", &t, STRATA_STORE_KEEP_LAST, &wait_a_bit),
	    STRATA_EBUSY);
	assert_non_null(strstr(strata_error_message(), "busy"));
	assert_non_null(strstr(strata_error_message(), "another writer"));
	assert_int_equal(
	    strata_store_append(root, ST, COL, "busy", &t, STRATA_STORE_KEEP_LAST, &no_wait),
	    STRATA_EBUSY);
	assert_int_equal(strata_store_compact(root, ST, COL, "busy", &no_wait, NULL), STRATA_EBUSY);
	/* readers are never blocked by the writer lock */
	check("busy", 5);
	assert_int_equal(write(go[1], "x", 1), 1);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_ok(
	    strata_store_append(root, ST, COL, "busy", &t, STRATA_STORE_KEEP_LAST, &wait_a_bit));
	strata_pq_table_free(&t);
	check("busy", 10);
	close(ready[0]);
	close(ready[1]);
	close(go[0]);
	close(go[1]);
}

/* Sum of v and row count of item. */
static void state_of(const char *item, size_t *rows, double *sum, size_t *parts)
{
	strata_store_read_options o;
	strata_store_read_stats st;
	strata_pq_table t;

	strata_store_read_options_init(&o);
	o.stats = &st;
	assert_ok(strata_store_read_ex(root, ST, COL, item, &o, &t));
	*rows = t.nrows;
	*sum = 0;
	for (size_t i = 0; i < t.nrows; i++)
		*sum += ((double *)t.cols[1].values)[i];
	*parts = st.parts_total;
	strata_pq_table_free(&t);
}

/* Kill a compacting child at random points: the item always reads the same
 * rows, from the old parts or the merged one, and verifies clean. */
static void test_crash_during_compaction(void **state)
{
	enum { ITER = 20, PER_ITER = 4 };
	strata_store_options opts = {.part_rows = 1000};
	unsigned seed = 4242;
	size_t rows, old_rows, parts, old_parts, completed = 0;
	double sum, old_sum;
	char *report;
	int64_t t0;
	unsigned max_us;
	(void)state;

	build("cc", 8);
	t0 = strata_time_monotonic_ns();
	assert_ok(strata_store_compact(root, ST, COL, "cc", &opts, NULL));
	/* Kill within about 5 times the time of one compaction, whatever the load
	 * (later ones merge more parts). */
	max_us = (unsigned)((strata_time_monotonic_ns() - t0) / 200) + 1000;
	for (int it = 0; it < ITER; it++) {
		for (int b = 0; b < PER_ITER; b++) {
			strata_pq_table t;
			mk(&t, 40 + ((int64_t)it * PER_ITER + b) * 5, 5);
			assert_ok(strata_store_append(root, ST, COL, "cc", &t,
			                              STRATA_STORE_KEEP_LAST, &five_row_parts));
			strata_pq_table_free(&t);
		}
		state_of("cc", &old_rows, &old_sum, &old_parts);
		pid_t pid = fork();
		assert_true(pid >= 0);
		if (pid == 0)
			_exit(strata_store_compact(root, ST, COL, "cc", &opts, NULL) ? 1 : 0);
		usleep((useconds_t)(rand_r(&seed) % max_us));
		kill(pid, SIGKILL);
		assert_int_equal(waitpid(pid, NULL, 0), pid);
		state_of("cc", &rows, &sum, &parts);
		assert_int_equal(rows, old_rows);
		assert_true(sum == old_sum);
		assert_true(parts == old_parts || parts == 1);
		completed += parts == 1;
		assert_ok(strata_store_verify(root, ST, COL, "cc", &report));
		assert_string_equal(report, "");
		free(report);
	}
	check("cc", 40 + ITER * PER_ITER * 5);
	print_message("compaction crash test: %zu of %d finished before the kill\n", completed,
	              ITER);
}

/* Many small appends after the end keep the number of parts bounded (the
 * tail is merged like a binary counter) and every row in place. */
static void test_small_appends_bounded(void **state)
{
	size_t most = 0;
	(void)state;

	build("many", 1);
	for (int i = 1; i < 300; i++) {
		strata_pq_table t;
		size_t rows, parts;
		double sum;
		mk(&t, (int64_t)i * 5, 5);
		assert_ok(
		    strata_store_append(root, ST, COL, "many", &t, STRATA_STORE_KEEP_LAST, NULL));
		strata_pq_table_free(&t);
		state_of("many", &rows, &sum, &parts);
		assert_int_equal(rows, (size_t)(i + 1) * 5);
		most = parts > most ? parts : most;
	}
	check("many", 1500);
	/* 8 small parts trigger a merge; the binary counter adds log2(300). */
	assert_true(most <= 8 + 9);
	print_message("300 appends of 5 rows: at most %zu parts\n", most);
}

/* A manifest written before checksums and statistics (no "crc32c", no
 * "stats") still reads, filters exactly (without skipping parts by column
 * statistics) and verifies. */
static void test_old_manifest(void **state)
{
	strata_store_read_options o;
	strata_store_read_stats st;
	strata_store_filter *f = NULL;
	char path[512], *report = NULL;
	strata_pq_table t;
	json_t *m, *part;
	size_t i;
	(void)state;

	build("old", 4);
	part_path("old", "manifest.json", path);
	assert_non_null(m = json_load_file(path, 0, NULL));
	json_array_foreach(json_object_get(m, "parts"), i, part)
	{
		json_object_del(part, "crc32c");
		json_object_del(part, "stats");
	}
	assert_int_equal(json_dump_file(m, path, 0), 0);
	json_decref(m);
	assert_ok(strata_store_verify(root, ST, COL, "old", &report));
	assert_string_equal(report, "");
	free(report);
	assert_ok(strata_store_filter_add_expr(&f, "v >= 30"));
	strata_store_read_options_init(&o);
	o.filter = f;
	o.stats = &st;
	assert_ok(strata_store_read_ex(root, ST, COL, "old", &o, &t));
	assert_int_equal(t.nrows, 5); /* keys 15..19 */
	assert_int_equal(((int64_t *)t.cols[0].values)[0], 15);
	assert_int_equal(st.parts_read, 4); /* no column stats: every part opened */
	strata_pq_table_free(&t);
	strata_store_filter_free(f);
	/* the key range still prunes by the manifest's min/max */
	strata_store_read_options_init(&o);
	o.start = 16;
	o.end = 17;
	o.stats = &st;
	assert_ok(strata_store_read_ex(root, ST, COL, "old", &o, &t));
	assert_int_equal(t.nrows, 2);
	assert_int_equal(st.parts_read, 1);
	strata_pq_table_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_compact),
	    cmocka_unit_test(test_verify_finds_corruption),
	    cmocka_unit_test(test_full_disk),
	    cmocka_unit_test(test_lock_timeout),
	    cmocka_unit_test(test_crash_during_compaction),
	    cmocka_unit_test(test_small_appends_bounded),
	    cmocka_unit_test(test_old_manifest),
	};
	return cmocka_run_group_tests(tests, strata_test_dir_setup, strata_test_dir_teardown);
}
