/*
 * pyref.h - run a Python reference script (tests/noise/NAME_reference.py) from a
 * cmocka test with Debian's python3 ($STRATA_PYTHON, default /usr/bin/python3),
 * exchanging raw little-endian float64 files; the test is skipped when the
 * script exits 77 (numpy/scipy missing).
 */
#ifndef STRATA_TESTS_NOISE_PYREF_H
#define STRATA_TESTS_NOISE_PYREF_H

#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>

static inline void pyref_write(const char *path, const void *x, size_t bytes)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(x, 1, bytes, f), bytes);
	assert_int_equal(fclose(f), 0);
}

/* The whole file as doubles (malloc'd, one spare slot so that n = 0 works). */
static inline double *pyref_read_f64(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	long len;
	double *x;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	len = ftell(f);
	assert_true(len >= 0);
	rewind(f);
	x = malloc((size_t)len + sizeof(double));
	assert_non_null(x);
	assert_int_equal(fread(x, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	*n = (size_t)len / sizeof(double);
	return x;
}

/* Run "python3 tests/noise/SCRIPT ARGS"; skips the test on exit 77. */
static inline void pyref_run(const char *script, const char *args)
{
	char cmd[4096];
	const char *py = getenv("STRATA_PYTHON");
	int rc;

	snprintf(cmd, sizeof(cmd), "%s %s/tests/noise/%s %s", py ? py : "/usr/bin/python3",
	         STRATA_SOURCE_DIR, script, args);
	rc = system(cmd);
	if (WIFEXITED(rc) && WEXITSTATUS(rc) == 77) {
		printf("SKIPPED: python3 with numpy and scipy not available\n");
		skip();
	}
	assert_int_equal(rc, 0);
}

/* max|c - ref| / max|ref| (the absolute error when ref is all zero). */
static inline double pyref_rel_error(const double *c, const double *ref, size_t n)
{
	double diff = 0.0, scale = 0.0;

	for (size_t i = 0; i < n; i++) {
		diff = fmax(diff, fabs(c[i] - ref[i]));
		scale = fmax(scale, fabs(ref[i]));
	}
	return scale > 0.0 ? diff / scale : diff;
}

#endif
