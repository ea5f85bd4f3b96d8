/*
 * test_npy.c - .npy/.npz writing and reading: header layout, round trips
 * through strata's reader and through numpy.load (Debian's python3 with
 * numpy; skipped without it), and hostile archives.
 */
#include "testutil.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "strata/file.h"
#include "strata/npy.h"

static double values[12];
static int64_t times[3] = {1640995200000000000LL, 1640995500123456789LL, -5};

static void fill_values(void)
{
	for (int i = 0; i < 12; i++)
		values[i] = i * 0.25 - 1.0 / 3.0;
}

/* The header is "\x93NUMPY" 1.0, padded to 64 bytes, dict as numpy writes it. */
static void test_header_layout(void **state)
{
	(void)state;
	strata_npy_array a = {"x", STRATA_NPY_F8, 2, {3, 4}, values};
	strata_buf b = STRATA_BUF_INIT;
	const unsigned char *p;
	size_t hlen;

	fill_values();
	assert_ok(strata_npy_encode(&a, &b));
	p = (const unsigned char *)b.data;
	assert_memory_equal(p, "\x93NUMPY\x01\x00", 8);
	hlen = p[8] | (size_t)p[9] << 8;
	assert_int_equal((10 + hlen) % 64, 0);
	assert_int_equal(b.len, 10 + hlen + 12 * 8);
	assert_int_equal(p[10 + hlen - 1], '\n');
	const char *want = "{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }";
	assert_memory_equal(p + 10, want, strlen(want));
	assert_memory_equal(p + 10 + hlen, values, sizeof values);
	strata_buf_reset(&b);

	strata_npy_array v = {"v", STRATA_NPY_DATETIME_NS, 1, {3}, times};
	assert_ok(strata_npy_encode(&v, &b));
	want = "{'descr': '<M8[ns]', 'fortran_order': False, 'shape': (3,), }";
	assert_memory_equal(b.data + 10, want, strlen(want));
	strata_buf_free(&b);
}

/* Write an npz (stored and deflated) and read every array back. */
static void roundtrip(int compressed)
{
	char path[512];
	strata_npy_array arrays[3] = {
	    {"fft_mean", STRATA_NPY_F8, 1, {12}, values},
	    {"all_windows", STRATA_NPY_F8, 2, {4, 3}, values},
	    {"window_midtimes", STRATA_NPY_DATETIME_NS, 1, {3}, times},
	};
	strata_npy_owned o;

	fill_values();
	snprintf(path, sizeof path, "%s/sub/dir/r%d.npz", strata_test_dir, compressed);
	assert_ok(strata_npz_write(path, arrays, 3, compressed));
	assert_ok(strata_npz_read(path, "all_windows", &o));
	assert_int_equal(o.dtype, STRATA_NPY_F8);
	assert_int_equal(o.ndim, 2);
	assert_int_equal(o.shape[0], 4);
	assert_int_equal(o.shape[1], 3);
	assert_memory_equal(o.data, values, sizeof values);
	strata_npy_free(&o);
	assert_ok(strata_npz_read(path, "window_midtimes", &o));
	assert_int_equal(o.dtype, STRATA_NPY_DATETIME_NS);
	assert_memory_equal(o.data, times, sizeof times);
	strata_npy_free(&o);
	assert_int_equal(strata_npz_read(path, "missing", &o), STRATA_ENOTFOUND);
}

static void test_npz_roundtrip(void **state)
{
	(void)state;
	roundtrip(0);
	roundtrip(1);
}

/* numpy.load reads both archives with the same names, shapes and values. */
static void test_numpy_reads(void **state)
{
	(void)state;
	char cmd[2048];
	const char *py = getenv("STRATA_PYTHON");
	int rc;

	roundtrip(0);
	roundtrip(1);
	snprintf(
	    cmd, sizeof cmd,
	    "%s -c \"import sys\ntry:\n import numpy as np\nexcept ImportError:\n "
	    "sys.exit(77)\nfor c in (0, 1):\n z = np.load('%s/sub/dir/r%%d.npz' %% c)\n "
	    "assert sorted(z.files) == ['all_windows', 'fft_mean', 'window_midtimes'], z.files\n "
	    "v = np.arange(12) * 0.25 - 1.0 / 3.0\n assert (z['fft_mean'] == v).all()\n "
	    "assert z['all_windows'].shape == (4, 3) and (z['all_windows'].ravel() == v).all()\n "
	    "t = z['window_midtimes']\n assert t.dtype == np.dtype('M8[ns]')\n "
	    "assert str(t[1]) == '2022-01-01T00:05:00.123456789', t\n\"",
	    py ? py : "/usr/bin/python3", strata_test_dir);
	rc = system(cmd);
	if (WIFEXITED(rc) && WEXITSTATUS(rc) == 77) {
		printf("SKIPPED: python3 with numpy not available\n");
		skip();
	}
	assert_int_equal(rc, 0);
}

/* Arrays written by numpy itself are read by strata's reader. */
static void test_reads_numpy_files(void **state)
{
	(void)state;
	char cmd[2048], path[512];
	const char *py = getenv("STRATA_PYTHON");
	strata_npy_owned o;
	int rc;

	snprintf(path, sizeof path, "%s/np.npz", strata_test_dir);
	snprintf(cmd, sizeof cmd,
	         "%s -c \"import sys\ntry:\n import numpy as np\nexcept ImportError:\n "
	         "sys.exit(77)\nnp.savez_compressed('%s', a=np.linspace(0, 1, 5), "
	         "b=np.zeros((2, 0)))\"",
	         py ? py : "/usr/bin/python3", path);
	rc = system(cmd);
	if (WIFEXITED(rc) && WEXITSTATUS(rc) == 77) {
		printf("SKIPPED: python3 with numpy not available\n");
		skip();
	}
	assert_int_equal(rc, 0);
	assert_ok(strata_npz_read(path, "a", &o));
	assert_int_equal(o.count, 5);
	assert_true(((double *)o.data)[4] == 1.0 && ((double *)o.data)[1] == 0.25);
	strata_npy_free(&o);
	assert_ok(strata_npz_read(path, "b", &o));
	assert_int_equal(o.ndim, 2);
	assert_int_equal(o.count, 0);
	strata_npy_free(&o);
}

/* Truncated, bit-flipped and garbage archives are refused, never crash. */
static void test_hostile(void **state)
{
	(void)state;
	char path[512], bad[512];
	char *z;
	size_t n;
	strata_npy_owned o;
	strata_npy_array a = {"fft_mean", STRATA_NPY_F8, 1, {12}, values};

	snprintf(path, sizeof path, "%s/h.npz", strata_test_dir);
	snprintf(bad, sizeof bad, "%s/bad.npz", strata_test_dir);
	assert_ok(strata_npz_write(path, &a, 1, 1));
	assert_ok(strata_file_read_all(path, 0, &z, &n));
	for (size_t cut = 0; cut < n; cut += 7) {
		assert_ok(strata_file_write_atomic(bad, z, cut, 0644));
		assert_true(strata_npz_read(bad, "fft_mean", &o) < 0);
	}
	for (size_t i = 0; i < n; i++) {
		z[i] ^= 0x5a;
		assert_ok(strata_file_write_atomic(bad, z, n, 0644));
		if (strata_npz_read(bad, "fft_mean", &o) == 0)
			strata_npy_free(&o); /* a flip in an unchecked field may pass */
		z[i] ^= 0x5a;
	}
	free(z);
	assert_true(strata_npy_decode("\x93NUMPY\x01\x00\x10\x00{'descr': '<c16'", 26, "x", &o) <
	            0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_header_layout), cmocka_unit_test(test_npz_roundtrip),
	    cmocka_unit_test(test_numpy_reads),   cmocka_unit_test(test_reads_numpy_files),
	    cmocka_unit_test(test_hostile),
	};
	return cmocka_run_group_tests(tests, strata_test_dir_setup, strata_test_dir_teardown);
}
