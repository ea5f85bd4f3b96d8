/*
 * test_chunkfile.c - datachunk files: exact round trips (samples, rate,
 * start, codes as libmseed reads them), the record layout ObsPy writes
 * (4096-byte big-endian FLOAT64 records), atomic replacement, and refused
 * input: truncated and corrupt files, two traces, a gap, bad arguments.
 */
#include "testutil.h"

#include <libmseed.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "noise/chunkfile.h"
#include "noise/mseed_index.h"
#include "strata/file.h"

/* A chunk of n samples at fs: a deterministic, non-trivial signal. */
static noise_datachunk make_chunk(size_t n, double fs, strata_time start)
{
	noise_datachunk c = {.start = start, .fs = fs, .n = n};

	c.x = malloc(n * sizeof(double));
	assert_non_null(c.x);
	for (size_t i = 0; i < n; i++)
		c.x[i] =
		    sin((double)i * 0.37) * 1e-6 + (double)(i % 17) * 1e-300 - 3.5e-9 * (double)i;
	return c;
}

static void path_in_dir(char *out, size_t outlen, const char *name)
{
	snprintf(out, outlen, "%s/%s", strata_test_dir, name);
}

/* Write c, read it back and check every sample bit for bit. */
static void round_trip(const noise_datachunk *c, strata_time expect_start)
{
	char path[512];
	noise_datachunk r;

	path_in_dir(path, sizeof path, "a/b/c/chunk.mseed"); /* parents made */
	assert_ok(noise_chunkfile_write(path, "CI", "CCA", "", "BHN", c));
	assert_ok(noise_chunkfile_read(path, &r));
	assert_int_equal(r.n, c->n);
	assert_true(r.fs == c->fs);
	assert_int_equal(r.start, expect_start);
	assert_int_equal(r.padded_npts, 0);
	assert_memory_equal(r.x, c->x, c->n * sizeof(double));
	noise_datachunk_free(&r);
}

static void test_round_trip(void **state)
{
	(void)state;
	/* 2022-01-02T00:00:00.123456Z: whole microseconds survive exactly */
	strata_time t0 = 1641081600123456000LL;
	static const double rates[] = {24.0, 40.0, 100.0, 1.0, 0.5, 20.0};
	static const size_t sizes[] = {1, 2, 511, 512, 513, 43200};

	for (size_t i = 0; i < sizeof rates / sizeof rates[0]; i++) {
		noise_datachunk c = make_chunk(sizes[i], rates[i], t0);
		round_trip(&c, t0);
		noise_datachunk_free(&c);
	}
}

/* The start keeps microseconds (rounded to the nearest): the catalog keeps ns. */
static void test_start_rounding(void **state)
{
	(void)state;
	noise_datachunk c = make_chunk(100, 24.0, 1641081600000000400LL);

	round_trip(&c, 1641081600000000000LL);
	c.start = 1641081600000000600LL;
	round_trip(&c, 1641081600000001000LL);
	c.start = -1000600; /* before 1970, rounding stays to the nearest */
	round_trip(&c, -1001000);
	noise_datachunk_free(&c);
}

/* A rate SEED's factor/multiplier cannot hold exactly still reads back as
 * the float blockette 100 carries it. */
static void test_odd_rate(void **state)
{
	(void)state;
	char path[512];
	noise_datachunk c = make_chunk(1000, 1.0 / 3.0, 0), r;

	path_in_dir(path, sizeof path, "odd.mseed");
	assert_ok(noise_chunkfile_write(path, "XX", "ODD", "00", "HHZ", &c));
	assert_ok(noise_chunkfile_read(path, &r));
	assert_true(fabs(r.fs - c.fs) < 1e-7);
	assert_int_equal(r.n, c.n);
	assert_memory_equal(r.x, c.x, c.n * sizeof(double));
	noise_datachunk_free(&r);
	noise_datachunk_free(&c);
}

/* Records as ObsPy writes Noiz's chunks: 4096 bytes, big-endian, FLOAT64,
 * the codes given, quality D; all records of one contiguous segment. */
static void test_layout(void **state)
{
	(void)state;
	char path[512];
	noise_datachunk c = make_chunk(43200, 24.0, 1641081600000000000LL);
	noise_mseed_index ix;
	MSRecord *msr = NULL;
	char *data;
	size_t len;

	path_in_dir(path, sizeof path, "layout.mseed");
	assert_ok(noise_chunkfile_write(path, "TD", "TD03", "10", "HHN", &c));
	assert_ok(strata_file_read_all(path, 0, &data, &len));
	assert_int_equal(len % NOISE_CHUNKFILE_RECLEN, 0);
	/* 43200 doubles at 508 per record (64-byte header) = 86 records */
	assert_int_equal(len / NOISE_CHUNKFILE_RECLEN, 86);
	assert_int_equal(data[6], 'D');
	assert_int_equal(msr_parse(data, (int)len, &msr, NOISE_CHUNKFILE_RECLEN, 0, 0), 0);
	assert_int_equal(msr->encoding, DE_FLOAT64);
	assert_int_equal(msr->byteorder, 1);
	assert_int_equal(msr->reclen, NOISE_CHUNKFILE_RECLEN);
	assert_string_equal(msr->network, "TD");
	assert_string_equal(msr->station, "TD03");
	assert_string_equal(msr->location, "10");
	assert_string_equal(msr->channel, "HHN");
	msr_free(&msr);
	free(data);
	assert_ok(noise_mseed_index_file(path, &ix));
	assert_int_equal(ix.nsegments, 1);
	assert_int_equal(ix.nrecords, 86);
	assert_int_equal(ix.segments[0].nsamples, 43200);
	noise_mseed_index_free(&ix);
	noise_datachunk_free(&c);
}

/* Writing again replaces the file whole; no temporary file stays. */
static void test_replace(void **state)
{
	(void)state;
	char path[512];
	noise_datachunk a = make_chunk(5000, 24.0, 0), b = make_chunk(300, 40.0, 1000), r;

	path_in_dir(path, sizeof path, "replace/x.mseed");
	assert_ok(noise_chunkfile_write(path, "CI", "HEC", "", "BHN", &a));
	assert_ok(noise_chunkfile_write(path, "CI", "HEC", "", "BHN", &b));
	assert_ok(noise_chunkfile_read(path, &r));
	assert_int_equal(r.n, 300);
	assert_true(r.fs == 40.0);
	assert_memory_equal(r.x, b.x, 300 * sizeof(double));
	noise_datachunk_free(&r);
	noise_datachunk_free(&a);
	noise_datachunk_free(&b);
}

/* Expect noise_chunkfile_read(path) to fail with a message naming path. */
static void expect_read_error(const char *path)
{
	noise_datachunk r = {.n = 99};

	assert_true(noise_chunkfile_read(path, &r) < 0);
	assert_non_null(strstr(strata_error_message(), path));
	assert_null(r.x);
	assert_int_equal(r.n, 0);
}

static void test_truncated_and_corrupt(void **state)
{
	(void)state;
	char good[512], bad[512];
	noise_datachunk c = make_chunk(2000, 24.0, 0);
	char *data;
	size_t len;

	path_in_dir(good, sizeof good, "good.mseed");
	assert_ok(noise_chunkfile_write(good, "CI", "CCA", "", "BHN", &c));
	assert_ok(strata_file_read_all(good, 0, &data, &len));
	path_in_dir(bad, sizeof bad, "truncated.mseed");
	assert_ok(strata_file_write_atomic(bad, data, len - 1000, 0644));
	expect_read_error(bad);
	path_in_dir(bad, sizeof bad, "corrupt.mseed");
	memset(data + NOISE_CHUNKFILE_RECLEN, 'Z', 48); /* second record's header */
	assert_ok(strata_file_write_atomic(bad, data, len, 0644));
	expect_read_error(bad);
	path_in_dir(bad, sizeof bad, "text.mseed");
	strata_test_write_file(bad, "not a miniSEED file at all\n");
	expect_read_error(bad);
	path_in_dir(bad, sizeof bad, "empty.mseed");
	strata_test_write_file(bad, "");
	expect_read_error(bad);
	path_in_dir(bad, sizeof bad, "missing.mseed");
	expect_read_error(bad);
	free(data);
	noise_datachunk_free(&c);
}

/* Concatenate two chunk files into a third. */
static void concat(const char *a, const char *b, const char *out)
{
	char *da, *db, *both;
	size_t la, lb;

	assert_ok(strata_file_read_all(a, 0, &da, &la));
	assert_ok(strata_file_read_all(b, 0, &db, &lb));
	both = malloc(la + lb);
	assert_non_null(both);
	memcpy(both, da, la);
	memcpy(both + la, db, lb);
	assert_ok(strata_file_write_atomic(out, both, la + lb, 0644));
	free(both);
	free(da);
	free(db);
}

/* Two streams in one file, or one stream with a gap: not one trace. */
static void test_two_traces(void **state)
{
	(void)state;
	char a[512], b[512], both[512];
	noise_datachunk c = make_chunk(1000, 24.0, 0);

	path_in_dir(a, sizeof a, "z.mseed");
	path_in_dir(b, sizeof b, "n.mseed");
	path_in_dir(both, sizeof both, "both.mseed");
	assert_ok(noise_chunkfile_write(a, "CI", "CCA", "", "BHZ", &c));
	assert_ok(noise_chunkfile_write(b, "CI", "CCA", "", "BHN", &c));
	concat(a, b, both);
	expect_read_error(both);
	assert_non_null(strstr(strata_error_message(), "2 traces"));
	c.start += (strata_time)3600 * STRATA_NS_PER_SEC; /* same stream, an hour later */
	assert_ok(noise_chunkfile_write(b, "CI", "CCA", "", "BHZ", &c));
	concat(a, b, both);
	expect_read_error(both);
	assert_non_null(strstr(strata_error_message(), "1 gaps"));
	noise_datachunk_free(&c);
}

static void test_bad_arguments(void **state)
{
	(void)state;
	char path[512];
	noise_datachunk c = make_chunk(10, 24.0, 0), empty = {.fs = 24.0};

	path_in_dir(path, sizeof path, "bad.mseed");
	assert_int_equal(noise_chunkfile_write(path, "CI", "CCA", "", "BHN", &empty),
	                 STRATA_EINVAL);
	assert_int_equal(noise_chunkfile_write(path, "CIX", "CCA", "", "BHN", &c), STRATA_EINVAL);
	assert_non_null(strstr(strata_error_message(), "network code 'CIX'"));
	assert_int_equal(noise_chunkfile_write(path, "CI", "CCAXYZ", "", "BHN", &c), STRATA_EINVAL);
	assert_int_equal(noise_chunkfile_write(path, "CI", "CCA", "", "BHNN", &c), STRATA_EINVAL);
	c.fs = NAN;
	assert_int_equal(noise_chunkfile_write(path, "CI", "CCA", "", "BHN", &c), STRATA_EINVAL);
	c.fs = 0.0;
	assert_int_equal(noise_chunkfile_write(path, "CI", "CCA", "", "BHN", &c), STRATA_EINVAL);
	c.fs = 24.0;
	c.start = INT64_MAX;
	assert_int_equal(noise_chunkfile_write(path, "CI", "CCA", "", "BHN", &c), STRATA_EINVAL);
	c.start = 0;
	/* a file that cannot be made: its parent is a regular file */
	path_in_dir(path, sizeof path, "plain");
	strata_test_write_file(path, "x");
	path_in_dir(path, sizeof path, "plain/chunk.mseed");
	assert_true(noise_chunkfile_write(path, "CI", "CCA", "", "BHN", &c) < 0);
	noise_datachunk_free(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_round_trip), cmocka_unit_test(test_start_rounding),
	    cmocka_unit_test(test_odd_rate),   cmocka_unit_test(test_layout),
	    cmocka_unit_test(test_replace),    cmocka_unit_test(test_truncated_and_corrupt),
	    cmocka_unit_test(test_two_traces), cmocka_unit_test(test_bad_arguments),
	};
	return cmocka_run_group_tests(tests, strata_test_dir_setup, strata_test_dir_teardown);
}
