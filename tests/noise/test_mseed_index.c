/*
 * test_mseed_index.c - miniSEED indexing and sample decoding against the
 * shared seismic files, plus truncated, corrupt and non-miniSEED input.
 */
#include "testutil.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "noise/mseed_index.h"
#include "strata/time.h"

#define NOISEPY "seismic/noisepy/"

static strata_time iso(const char *text)
{
	strata_time t = 0;

	assert_ok(strata_time_parse_iso8601(text, &t));
	return t;
}

static void assert_nslc(const noise_mseed_segment *s, const char *net, const char *sta,
                        const char *loc, const char *cha)
{
	assert_string_equal(s->network, net);
	assert_string_equal(s->station, sta);
	assert_string_equal(s->location, loc);
	assert_string_equal(s->channel, cha);
}

/* One day of 40 Hz Steim-2 BHN: one segment starting within a sample of 00:00. */
static void check_day_file(const char *rel, const char *sta, int64_t nrecords)
{
	char path[1024];
	noise_mseed_index ix;
	const noise_mseed_segment *s;

	STRATA_REQUIRE_TESTDATA(rel, path);
	assert_ok(noise_mseed_index_file(path, &ix));
	assert_int_equal(ix.nsegments, 1);
	assert_int_equal(ix.ngaps, 0);
	assert_int_equal(ix.nrecords, nrecords);
	assert_int_equal(ix.file_size, nrecords * 512);
	s = &ix.segments[0];
	assert_nslc(s, "CI", sta, "", "BHN");
	assert_true(s->sample_rate == 40.0);
	assert_int_equal(s->nsamples, 3456000); /* exactly 86400 s * 40 Hz */
	assert_int_equal(s->nrecords, nrecords);
	assert_int_equal(s->encoding, 11);
	assert_int_equal(s->record_length, 512);
	assert_int_equal(s->offset, 0);
	assert_true(llabs(s->start - iso("2022-01-02T00:00:00Z")) < STRATA_NS_PER_SEC / 40);
	assert_int_equal(s->end - s->start, (int64_t)3455999 * 25000000);
	noise_mseed_index_free(&ix);
}

static void test_noisepy_cca(void **state)
{
	(void)state;
	check_day_file(NOISEPY "CICCA__BHN___2022002.ms", "CCA", 7498);
}

static void test_noisepy_hec(void **state)
{
	(void)state;
	check_day_file(NOISEPY "CIHEC__BHN___2022002.ms", "HEC", 6230);
}

/* gaps.mseed: BW.BGLD..EHE at 200 Hz, Steim-1, three gaps near the start. */
static void test_gaps(void **state)
{
	static const int64_t nsamples[4] = {412, 824, 824, 50668};
	static const int64_t offsets[4] = {0, 512, 1536, 2560};
	char path[1024];
	noise_mseed_index ix;
	size_t i;

	(void)state;
	STRATA_REQUIRE_TESTDATA("seismic/obspy/gaps.mseed", path);
	assert_ok(noise_mseed_index_file(path, &ix));
	assert_int_equal(ix.nrecords, 128);
	assert_int_equal(ix.nsegments, 4);
	for (i = 0; i < 4; i++) {
		assert_nslc(&ix.segments[i], "BW", "BGLD", "", "EHE");
		assert_true(ix.segments[i].sample_rate == 200.0);
		assert_int_equal(ix.segments[i].encoding, 10);
		assert_int_equal(ix.segments[i].nsamples, nsamples[i]);
		assert_int_equal(ix.segments[i].offset, offsets[i]);
	}
	assert_int_equal(ix.segments[0].start, iso("2007-12-31T23:59:59.915Z"));
	assert_int_equal(ix.segments[3].end, iso("2008-01-01T00:04:31.790Z"));
	assert_int_equal(ix.ngaps, 3);
	for (i = 0; i < 3; i++) {
		assert_int_equal(ix.gaps[i].before, i);
		assert_int_equal(ix.gaps[i].after, i + 1);
		assert_int_equal(ix.gaps[i].offset, offsets[i + 1]);
	}
	assert_int_equal(ix.gaps[0].start, iso("2008-01-01T00:00:01.970Z"));
	assert_int_equal(ix.gaps[0].end, iso("2008-01-01T00:00:04.035Z"));
	assert_int_equal(ix.gaps[1].start, iso("2008-01-01T00:00:08.150Z"));
	assert_int_equal(ix.gaps[1].end, iso("2008-01-01T00:00:10.215Z"));
	assert_int_equal(ix.gaps[2].start, iso("2008-01-01T00:00:14.330Z"));
	assert_int_equal(ix.gaps[2].end, iso("2008-01-01T00:00:18.455Z"));
	noise_mseed_index_free(&ix);
}

/* A short segment decodes to exactly its sample count. */
static void test_read_samples(void **state)
{
	char path[1024];
	noise_mseed_index ix;
	double *x = NULL;
	size_t n = 0;

	(void)state;
	STRATA_REQUIRE_TESTDATA("seismic/obspy/gaps.mseed", path);
	assert_ok(noise_mseed_index_file(path, &ix));
	assert_ok(noise_mseed_read_samples(path, &ix.segments[0], &x, &n));
	assert_int_equal(n, 412);
	assert_true(x[0] == -363.0 && x[1] == -382.0 && x[2] == -388.0);
	assert_true(x[3] == -420.0 && x[4] == -417.0 && x[411] == -389.0);
	free(x);
	assert_ok(noise_mseed_read_samples(path, &ix.segments[3], &x, &n));
	assert_int_equal(n, 50668);
	assert_true(x[0] == -389.0 && x[n - 1] == -405.0);
	free(x);
	noise_mseed_index_free(&ix);
}

/* A whole day decodes to 3456000 samples; a segment not in the file fails. */
static void test_read_day(void **state)
{
	char path[1024];
	noise_mseed_index ix;
	noise_mseed_segment bogus;
	double *x = NULL;
	size_t n = 0;

	(void)state;
	STRATA_REQUIRE_TESTDATA(NOISEPY "CICCA__BHN___2022002.ms", path);
	assert_ok(noise_mseed_index_file(path, &ix));
	assert_ok(noise_mseed_read_samples(path, &ix.segments[0], &x, &n));
	assert_int_equal(n, 3456000);
	assert_true(x[0] == 1397.0 && x[1] == 1379.0 && x[4] == 1437.0);
	assert_true(x[n - 1] == 1852.0);
	free(x);
	bogus = ix.segments[0];
	memcpy(bogus.station, "XYZ", 4);
	x = NULL;
	assert_int_equal(noise_mseed_read_samples(path, &bogus, &x, &n), STRATA_EPARSE);
	assert_null(x);
	assert_non_null(strstr(strata_error_message(), "0 of 3456000 samples found"));
	noise_mseed_index_free(&ix);
}

static void *index_thread(void *arg)
{
	noise_mseed_index ix;
	intptr_t ok = 0;

	if (noise_mseed_index_file(arg, &ix) == 0) {
		ok = ix.nsegments == 4 && ix.ngaps == 3;
		noise_mseed_index_free(&ix);
	}
	return (void *)ok;
}

/* Concurrent indexing of one file: no shared state between calls. */
static void test_threads(void **state)
{
	char path[1024];
	pthread_t t[4];
	void *ok;
	int i;

	(void)state;
	STRATA_REQUIRE_TESTDATA("seismic/obspy/gaps.mseed", path);
	for (i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&t[i], NULL, index_thread, path), 0);
	for (i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(t[i], &ok), 0);
		assert_true(ok != NULL);
	}
}

/* Centaur SOH files: Steim-1, one segment per channel, 1/1800 Hz rates. */
static void test_soh(void **state)
{
	char path[1024];
	noise_mseed_index ix;
	double *x = NULL;
	size_t n = 0, i;

	(void)state;
	STRATA_REQUIRE_TESTDATA(
	    "seismic/noiz/TD.TD09.D0.SOH_centaur-3_1492_20180616_040000.miniseed", path);
	assert_ok(noise_mseed_index_file(path, &ix));
	assert_int_equal(ix.nrecords, 6);
	assert_int_equal(ix.nsegments, 6);
	assert_int_equal(ix.ngaps, 0);
	for (i = 0; i < 6; i++) {
		assert_int_equal(ix.segments[i].encoding, 10);
		assert_int_equal(ix.segments[i].offset, (int64_t)i * 512);
		assert_int_equal(ix.segments[i].start, iso("2018-06-16T04:00:00Z"));
	}
	assert_nslc(&ix.segments[0], "TD", "TD09", "D0", "VDT");
	assert_int_equal(ix.segments[0].nsamples, 2);
	assert_int_equal(ix.segments[0].end, iso("2018-06-16T04:30:00Z"));
	assert_nslc(&ix.segments[5], "TD", "TD09", "D0", "VPB");
	assert_int_equal(ix.segments[5].nsamples, 12);
	assert_ok(noise_mseed_read_samples(path, &ix.segments[5], &x, &n));
	assert_int_equal(n, 12);
	assert_true(x[0] == 1000.0 && x[11] == 1000.0);
	free(x);
	noise_mseed_index_free(&ix);

	STRATA_REQUIRE_TESTDATA(
	    "seismic/noiz/XX.S0001.D0.SOH_centaur-3_1479_20171125_100000.miniseed", path);
	assert_ok(noise_mseed_index_file(path, &ix));
	assert_int_equal(ix.nrecords, 31);
	assert_int_equal(ix.nsegments, 18);
	assert_int_equal(ix.ngaps, 0);
	assert_nslc(&ix.segments[0], "XX", "S0001", "D0", "GLA");
	assert_int_equal(ix.segments[0].nrecords, 2);
	assert_int_equal(ix.segments[0].nsamples, 2);
	noise_mseed_index_free(&ix);
}

/* Copy the first len bytes of src to dst, then overwrite bytes [at, at+k) with junk. */
static void copy_prefix(const char *src, const char *dst, size_t len, size_t at, size_t k)
{
	FILE *in = fopen(src, "rb");
	FILE *out = fopen(dst, "wb");
	char *buf = malloc(len);

	assert_non_null(in);
	assert_non_null(out);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, len, in), len);
	if (k)
		memset(buf + at, 0xA5, k);
	assert_int_equal(fwrite(buf, 1, len, out), len);
	free(buf);
	fclose(in);
	assert_int_equal(fclose(out), 0);
}

static void expect_error(const char *path, const char *needle)
{
	noise_mseed_index ix;

	assert_int_equal(noise_mseed_index_file(path, &ix), STRATA_EPARSE);
	assert_int_equal(ix.nsegments, 0);
	assert_null(ix.segments);
	if (!strstr(strata_error_message(), needle) || !strstr(strata_error_message(), path))
		fail_msg("message \"%s\" lacks \"%s\"", strata_error_message(), needle);
}

/* A truncated file is an error naming the offset of the partial record. */
static void test_truncated(void **state)
{
	char src[1024], dst[1300];

	(void)state;
	STRATA_REQUIRE_TESTDATA(NOISEPY "CICCA__BHN___2022002.ms", src);
	snprintf(dst, sizeof(dst), "%s/trunc.ms", strata_test_dir);
	copy_prefix(src, dst, 10000, 0, 0);
	expect_error(dst, "byte 9728: record: truncated (272 trailing bytes)");
}

/* A record whose header is overwritten is an error at that record's offset. */
static void test_corrupt(void **state)
{
	char src[1024], dst[1300];

	(void)state;
	STRATA_REQUIRE_TESTDATA(NOISEPY "CICCA__BHN___2022002.ms", src);
	snprintf(dst, sizeof(dst), "%s/corrupt.ms", strata_test_dir);
	copy_prefix(src, dst, 4096, 1024, 48);
	expect_error(dst, "byte 1024: miniSEED record:");
}

/* Set byte at of file path to value. */
static void patch_byte(const char *path, long at, int value)
{
	FILE *f = fopen(path, "r+b");

	assert_non_null(f);
	assert_int_equal(fseek(f, at, SEEK_SET), 0);
	assert_int_equal(fputc(value, f), value);
	assert_int_equal(fclose(f), 0);
}

/* A start year of 60887 (high byte of the BTime year) is refused before any
 * nanosecond arithmetic could overflow. */
static void test_bad_start_time(void **state)
{
	char src[1024], dst[1300];

	(void)state;
	STRATA_REQUIRE_TESTDATA("seismic/obspy/gaps.mseed", src);
	snprintf(dst, sizeof(dst), "%s/year.ms", strata_test_dir);
	copy_prefix(src, dst, 4096, 0, 0);
	patch_byte(dst, 20, 0xED);
	expect_error(dst, "byte 0: start time: out of range");
}

static void test_not_mseed(void **state)
{
	char path[1300];

	(void)state;
	snprintf(path, sizeof(path), "%s/text.ms", strata_test_dir);
	strata_test_write_file(path,
	                       "network,station\nCI,CCA\n"
	                       "this is not miniSEED at all, just some text to fill a record\n");
	expect_error(path, "byte 0:");
	snprintf(path, sizeof(path), "%s/empty.ms", strata_test_dir);
	strata_test_write_file(path, "");
	expect_error(path, "byte 0:");
}

static void test_missing_file(void **state)
{
	noise_mseed_index ix;
	char path[1300];

	(void)state;
	snprintf(path, sizeof(path), "%s/absent.ms", strata_test_dir);
	assert_int_equal(noise_mseed_index_file(path, &ix), STRATA_ENOTFOUND);
	assert_null(ix.segments);
	assert_non_null(strstr(strata_error_message(), path));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_noisepy_cca),  cmocka_unit_test(test_noisepy_hec),
	    cmocka_unit_test(test_gaps),         cmocka_unit_test(test_read_samples),
	    cmocka_unit_test(test_soh),          cmocka_unit_test(test_truncated),
	    cmocka_unit_test(test_corrupt),      cmocka_unit_test(test_not_mseed),
	    cmocka_unit_test(test_missing_file), cmocka_unit_test(test_read_day),
	    cmocka_unit_test(test_threads),      cmocka_unit_test(test_bad_start_time),
	};

	return cmocka_run_group_tests(tests, strata_test_dir_setup, strata_test_dir_teardown);
}
