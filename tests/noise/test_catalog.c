/*
 * test_catalog.c - the noise catalog: migrations, timespans (Noiz's rule),
 * distances, inventory, component pairs, miniSEED ingest of every encoding
 * libmseed writes, re-runs and changed files, parameter sets. The catalog
 * tests run on SQLite and, when $STRATA_TEST_PG_URL is set, on PostgreSQL
 * (a fresh schema per test).
 */
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h> /* AT_FDCWD */
#include <sys/stat.h>
#include <sys/types.h> /* off_t, used by libmseed.h */
#include <time.h>
#include <unistd.h>

#include <libmseed.h>

#include "noise/catalog.h"
#include "noise/geo.h"
#include "noise/ingest.h"
#include "noise/inventory.h"
#include "noise/mseed_index.h"
#include "noise/params.h"
#include "noise/timespan.h"
#include "strata/db.h"
#include "strata/time.h"

#define DAY_NS STRATA_NS_PER_DAY
#define SEC_NS STRATA_NS_PER_SEC

/* --- the catalog tests: one catalog per test on each backend (testutil.h) --- */

static long long count_rows(strata_db *db, const char *table)
{
	long long n = -1;
	assert_ok(noise_catalog_count(db, table, &n));
	return n;
}

static long long query_int(strata_db *db, const char *sql)
{
	strata_db_stmt *st;
	long long v;

	assert_ok(strata_db_prepare(db, sql, &st));
	assert_int_equal(strata_db_step(st), STRATA_DB_ROW);
	v = (long long)strata_db_column_int64(st, 0);
	strata_db_finalize(st);
	return v;
}

static strata_time iso(const char *text)
{
	strata_time t;
	assert_ok(strata_time_parse_iso8601(text, &t));
	return t;
}

/* --- migrations --------------------------------------------------------------- */

static void test_migrate(void **state)
{
	strata_test_catalog *fx = strata_test_catalog_of(state);
	int version = 0;

	assert_ok(strata_db_schema_version(fx->db, &version));
	assert_int_equal(version, noise_catalog_schema_version());
	assert_ok(noise_catalog_migrate(fx->db)); /* a re-run applies nothing */
	assert_int_equal(query_int(fx->db, "SELECT COUNT(*) FROM schema_migrations"),
	                 noise_catalog_schema_version());
	assert_int_equal(count_rows(fx->db, "mseed_segment"), 0);
}

/* --- timespans: Noiz's rule --------------------------------------------------- */

/* Generate with the given dates (ISO), window and overlap (s). */
static size_t gen(const char *start, const char *end, double window, double overlap,
                  int over_midnight, noise_timespan **ts)
{
	noise_timespan_spec spec = {iso(start), iso(end), 0, 0, over_midnight};
	size_t n = 0;

	assert_ok(noise_seconds_to_ns(window, "window", &spec.window_ns));
	assert_ok(noise_seconds_to_ns(overlap, "overlap", &spec.overlap_ns));
	assert_ok(noise_timespans_generate(&spec, ts, &n));
	return n;
}

static size_t gen_count(const char *start, const char *end, double window, double overlap,
                        int over_midnight)
{
	noise_timespan *ts = NULL;
	size_t n = gen(start, end, window, overlap, over_midnight, &ts);
	free(ts);
	return n;
}

static void test_timespans_one_day(void **state)
{
	noise_timespan *ts = NULL;
	size_t n = gen("2022-01-02", "2022-01-03", 1800, 0, 0, &ts);

	(void)state;
	assert_int_equal(n, 48);
	assert_true(ts[0].start == iso("2022-01-02T00:00:00Z"));
	assert_true(ts[0].mid == iso("2022-01-02T00:15:00Z"));
	assert_true(ts[0].end == iso("2022-01-02T00:30:00Z"));
	assert_true(ts[47].start == iso("2022-01-02T23:30:00Z"));
	assert_true(ts[47].end == iso("2022-01-03T00:00:00Z")); /* ends at midnight: same day */
	free(ts);
}

static void test_timespans_normalised_to_midnight(void **state)
{
	noise_timespan *ts = NULL;
	/* Both dates are rounded down to midnight: the windows of the whole
	 * first day, none of the last. */
	size_t n = gen("2022-01-02T13:10:00Z", "2022-01-03T12:00:00Z", 1800, 0, 0, &ts);

	(void)state;
	assert_int_equal(n, 48);
	assert_true(ts[0].start == iso("2022-01-02T00:00:00Z"));
	free(ts);
	assert_int_equal(gen_count("2022-01-02T05:00:00Z", "2022-01-02T23:00:00Z", 1800, 0, 0), 0);
	assert_int_equal(gen_count("2022-01-03", "2022-01-02", 1800, 0, 0), 0);
}

static void test_timespans_overlap_and_midnight(void **state)
{
	noise_timespan *ts = NULL;
	size_t n;

	(void)state;
	/* Step 1200 s: starts 0, 1200, ..., 85200 (72); the one at 85200 ends
	 * past midnight. */
	assert_int_equal(gen_count("2022-01-02", "2022-01-03", 1800, 600, 0), 71);
	assert_int_equal(gen_count("2022-01-02", "2022-01-03", 1800, 600, 1), 72);
	/* Two days: the windows starting at 85200 and 171600 cross midnight. */
	assert_int_equal(gen_count("2022-01-02", "2022-01-04", 1800, 600, 0), 142);
	n = gen("2022-01-02", "2022-01-04", 1800, 600, 1, &ts);
	assert_int_equal(n, 144);
	assert_true(ts[71].start == iso("2022-01-02T23:40:00Z"));
	assert_true(ts[71].end == iso("2022-01-03T00:10:00Z"));
	assert_true(ts[143].start == iso("2022-01-03T23:40:00Z"));
	free(ts);
	/* 1000 s windows: 87 starts, the last (86000 s) crosses midnight. */
	assert_int_equal(gen_count("2022-01-02", "2022-01-03", 1000, 0, 0), 86);
	assert_int_equal(gen_count("2022-01-02", "2022-01-03", 1000, 0, 1), 87);
	/* A negative overlap leaves gaps: 3600 s windows every 7200 s. */
	assert_int_equal(gen_count("2022-01-02", "2022-01-03", 3600, -3600, 0), 12);
}

static void test_timespans_long_windows(void **state)
{
	noise_timespan *ts = NULL;
	size_t n;

	(void)state;
	/* A one-day window fits its day exactly. */
	assert_int_equal(gen_count("2022-01-01", "2022-01-04", 86400, 0, 0), 3);
	/* Longer than a day: always across midnight, so only on request. */
	assert_int_equal(gen_count("2022-01-01", "2022-01-05", 172800, 0, 0), 0);
	n = gen("2022-01-01", "2022-01-05", 172800, 0, 1, &ts);
	assert_int_equal(n, 2);
	assert_true(ts[1].start == iso("2022-01-03"));
	assert_true(ts[1].mid == iso("2022-01-04"));
	assert_true(ts[1].end == iso("2022-01-05"));
	free(ts);
	/* Leap day: 2024-02-29 exists; UTC only, no leap seconds. */
	assert_int_equal(gen_count("2024-02-28", "2024-03-01", 3600, 0, 0), 48);
}

static void test_timespans_invalid(void **state)
{
	noise_timespan_spec spec = {iso("2022-01-02"), iso("2022-01-03"), 1800 * SEC_NS,
	                            1800 * SEC_NS, 0};
	noise_timespan *ts = NULL;
	size_t n = 0;
	int64_t ns;

	(void)state;
	assert_int_equal(noise_timespans_generate(&spec, &ts, &n), STRATA_EINVAL);
	assert_non_null(strstr(strata_error_message(), "overlap"));
	spec.overlap_ns = 2000 * SEC_NS;
	assert_int_equal(noise_timespans_generate(&spec, &ts, &n), STRATA_EINVAL);
	spec.window_ns = 0;
	spec.overlap_ns = 0;
	assert_int_equal(noise_timespans_generate(&spec, &ts, &n), STRATA_EINVAL);
	spec.window_ns = 1;
	spec.start = iso("1970-01-01");
	spec.end = iso("2200-01-01");
	assert_int_equal(noise_timespans_generate(&spec, &ts, &n), STRATA_ELIMIT);
	assert_int_equal(noise_seconds_to_ns(NAN, "w", &ns), STRATA_EINVAL);
	assert_int_equal(noise_seconds_to_ns(1e12, "w", &ns), STRATA_EINVAL);
	assert_null(ts);
}

static void test_timespans_store(void **state)
{
	strata_test_catalog *fx = strata_test_catalog_of(state);
	noise_timespan *ts = NULL;
	size_t n = gen("2022-01-02", "2022-01-04", 1800, 0, 0, &ts), inserted = 0;
	long long first_id_len;

	assert_ok(noise_timespans_store(fx->db, ts, n, &inserted));
	assert_int_equal(inserted, 96);
	first_id_len = query_int(fx->db, "SELECT COUNT(DISTINCT id) FROM timespan");
	assert_ok(noise_timespans_store(fx->db, ts, n, &inserted));
	assert_int_equal(inserted, 0);
	assert_int_equal(count_rows(fx->db, "timespan"), 96);
	assert_int_equal(query_int(fx->db, "SELECT COUNT(DISTINCT id) FROM timespan"),
	                 first_id_len);
	free(ts);
	/* Overlapping windows of another length add rows beside them. */
	n = gen("2022-01-02", "2022-01-03", 3600, 1800, 0, &ts);
	assert_ok(noise_timespans_store(fx->db, ts, n, &inserted));
	assert_int_equal(inserted, 47); /* 48 starts; the last crosses midnight */
	free(ts);
}

/* --- distances ------------------------------------------------------------------ */

static void test_distaz(void **state)
{
	noise_distaz d;

	(void)state;
	/* Along the equator, A east of B: B lies due west of A. */
	assert_ok(noise_distaz_compute(0.0, 10.0, 0.0, 9.0, &d));
	assert_near(d.backazimuth, 270.0, 1e-9);
	assert_near(d.azimuth, 90.0, 1e-9);
	assert_near(d.arcdistance, 1.0, 1e-12);
	assert_near(d.distance_m, M_PI / 180.0 * 6371000.0, 1e-6);
	/* Along a meridian, A north of B. */
	assert_ok(noise_distaz_compute(45.0, 7.0, 44.0, 7.0, &d));
	assert_near(d.backazimuth, 180.0, 1e-9);
	assert_near(d.azimuth, 0.0, 1e-9);
	assert_true(noise_is_east_to_west(0.0, 10.0, 0.0, 9.0));
	assert_false(noise_is_east_to_west(0.0, 9.0, 0.0, 10.0));
	assert_true(noise_is_east_to_west(45.0, 7.0, 44.0, 7.0));
	assert_false(noise_is_east_to_west(44.0, 7.0, 44.0, 7.0));
	assert_int_equal(noise_distaz_compute(1.0, 2.0, 1.0, 2.0, &d), STRATA_EINVAL);
	assert_int_equal(noise_distaz_compute(NAN, 2.0, 1.0, 2.0, &d), STRATA_EINVAL);
}

/* --- inventory and pairs ----------------------------------------------------------- */

static void test_inventory_and_pairs(void **state)
{
	strata_test_catalog *fx = strata_test_catalog_of(state);
	char cca[1024], hec[1024], td03[1024];
	noise_inventory_summary s;
	noise_pairs_summary p;
	strata_db_stmt *st;

	STRATA_REQUIRE_TESTDATA("seismic/noisepy/CI_CCA.xml", cca);
	STRATA_REQUIRE_TESTDATA("seismic/noisepy/CI_HEC.xml", hec);
	STRATA_REQUIRE_TESTDATA("seismic/noiz/TD03_inventory.xml", td03);
	for (int run = 0; run < 2; run++) { /* the second run updates in place */
		assert_ok(noise_inventory_add(fx->db, cca, &s));
		assert_int_equal(s.components, 1);
		assert_int_equal(s.devices, run == 0 ? 1 : 0);
		assert_ok(noise_inventory_add(fx->db, hec, &s));
		assert_ok(noise_inventory_add(fx->db, td03, &s));
		assert_int_equal(s.stations, 1);
		assert_int_equal(s.channels, 3); /* three epochs of CHZ */
		assert_int_equal(s.components, 1);
		assert_ok(noise_pairs_build(fx->db, 0, &p));
	}
	assert_int_equal(count_rows(fx->db, "device"), 3);
	/* CI.CCA N, CI.HEC N, TD.TD03: one component per channel letter. */
	long long ncomp = count_rows(fx->db, "component");
	long long td03_comps =
	    query_int(fx->db, "SELECT COUNT(*) FROM component WHERE station = 'TD03'");
	assert_int_equal(ncomp, 2 + td03_comps);
	assert_true(td03_comps >= 1);
	assert_int_equal(p.autocorrelations, (size_t)ncomp);
	assert_int_equal(p.intrastation, (size_t)(td03_comps * (td03_comps - 1)));
	/* Inter-station: each unordered pair of stations' components once. */
	assert_int_equal(p.interstation, (size_t)(1 + 2 * td03_comps));
	assert_int_equal(count_rows(fx->db, "component_pair"),
	                 (long long)(p.autocorrelations + p.intrastation + p.interstation));
	/* Every inter-station pair points east to west: backazimuth >= 180. */
	assert_int_equal(query_int(fx->db, "SELECT COUNT(*) FROM component_pair WHERE "
	                                   "autocorrelation = 0 AND intracorrelation = 0 AND "
	                                   "(backazimuth < 180 OR distance <= 0)"),
	                 0);
	/* CCA and HEC: the pair a=CCA? Check the order with the coordinates. */
	assert_ok(strata_db_prepare(fx->db,
	                            "SELECT a.lon, b.lon, p.distance, p.component_code_pair FROM "
	                            "component_pair p JOIN component a ON a.id = p.component_a_id "
	                            "JOIN component b ON b.id = p.component_b_id WHERE a.network = "
	                            "'CI' AND b.network = 'CI' AND a.station <> b.station",
	                            &st));
	assert_int_equal(strata_db_step(st), STRATA_DB_ROW);
	assert_true(strata_db_column_double(st, 0) > strata_db_column_double(st, 1));
	assert_true(strata_db_column_double(st, 2) > 1e4);
	assert_string_equal(strata_db_column_text(st, 3), "NN");
	assert_int_equal(strata_db_step(st), STRATA_DB_DONE);
	strata_db_finalize(st);
	/* TD03's channel epochs merge into one component: without station dates,
	 * from the earliest channel start to the latest channel end. */
	assert_int_equal(query_int(fx->db, "SELECT COUNT(*) FROM component WHERE station = 'TD03' "
	                                   "AND component = 'Z' AND channels = 'CHZ'"),
	                 1);
	assert_true(query_int(fx->db, "SELECT start_ns FROM component WHERE station = 'TD03'") ==
	            iso("2017-04-01"));
	assert_true(query_int(fx->db, "SELECT end_ns FROM component WHERE station = 'TD03'") ==
	            iso("2022-01-01"));
}

static void test_inventory_errors(void **state)
{
	strata_test_catalog *fx = strata_test_catalog_of(state);
	noise_inventory_summary s;
	char path[512];

	snprintf(path, sizeof path, "%s/bad.xml", fx->t.dir);
	strata_test_write_file(path, "<FDSNStationXML><Network code=\"XX\"><Station");
	assert_int_not_equal(noise_inventory_add(fx->db, path, &s), 0);
	assert_non_null(strstr(strata_error_message(), "bad.xml"));
	snprintf(path, sizeof path, "%s/missing.xml", fx->t.dir);
	assert_int_equal(noise_inventory_add(fx->db, path, &s), STRATA_ENOTFOUND);
	assert_int_equal(count_rows(fx->db, "component"), 0);
}

/* --- miniSEED writing (libmseed) --------------------------------------------------- */

static void write_record(char *record, int len, void *ctx)
{
	assert_int_equal(fwrite(record, 1, (size_t)len, (FILE *)ctx), (size_t)len);
}

/* Append n samples (value k*3-1000 for sample k) starting at start_ns to f. */
static void pack_samples(FILE *f, const char *sta, int encoding, int64_t n, strata_time start_ns,
                         double rate)
{
	MSRecord *msr = msr_init(NULL);
	int32_t *ints = malloc((size_t)n * sizeof(int32_t));
	float *floats = malloc((size_t)n * sizeof(float));
	double *doubles = malloc((size_t)n * sizeof(double));
	int64_t packed = 0;

	assert_non_null(msr);
	for (int64_t k = 0; k < n; k++) {
		ints[k] = (int32_t)(k * 3 - 1000);
		floats[k] = (float)ints[k];
		doubles[k] = (double)ints[k];
	}
	snprintf(msr->network, sizeof(msr->network), "%s", "XX");
	snprintf(msr->station, sizeof(msr->station), "%s", sta);
	snprintf(msr->location, sizeof(msr->location), "%s", "00");
	snprintf(msr->channel, sizeof(msr->channel), "%s", "HHZ");
	msr->dataquality = 'D';
	msr->starttime = (hptime_t)(start_ns / 1000);
	msr->samprate = rate;
	msr->reclen = 512;
	msr->byteorder = 1;
	msr->encoding = (int8_t)encoding;
	msr->numsamples = n;
	if (encoding == DE_FLOAT32) {
		msr->datasamples = floats;
		msr->sampletype = 'f';
	} else if (encoding == DE_FLOAT64) {
		msr->datasamples = doubles;
		msr->sampletype = 'd';
	} else {
		msr->datasamples = ints;
		msr->sampletype = 'i';
	}
	assert_true(msr_pack(msr, write_record, f, &packed, 1, 0) > 0);
	assert_int_equal(packed, n);
	msr->datasamples = NULL;
	msr_free(&msr);
	free(ints);
	free(floats);
	free(doubles);
}

static void write_mseed(const char *path, const char *sta, int encoding, int64_t n,
                        strata_time start_ns)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	pack_samples(f, sta, encoding, n, start_ns, 100.0);
	fclose(f);
}

static const int encodings[] = {DE_STEIM1, DE_STEIM2, DE_INT16, DE_INT32, DE_FLOAT32, DE_FLOAT64};
#define NENC (sizeof(encodings) / sizeof(encodings[0]))

/* A tree with one file per encoding, in nested directories, plus a note. */
static void make_tree(const strata_test_catalog *fx, char *root, size_t rootlen)
{
	char path[600];

	snprintf(root, rootlen, "%s/archive", fx->t.dir);
	for (size_t i = 0; i < NENC; i++) {
		snprintf(path, sizeof path, "%s/2022/XX/S%zu/HHZ.D", root, i);
		char cmd[700];
		snprintf(cmd, sizeof cmd, "mkdir -p '%s'", path);
		assert_int_equal(system(cmd), 0);
		snprintf(path, sizeof path, "%s/2022/XX/S%zu/HHZ.D/XX.S%zu.00.HHZ.D.2022.002", root,
		         i, i);
		char sta[8];
		snprintf(sta, sizeof sta, "S%zu", i);
		write_mseed(path, sta, encodings[i], 5000, iso("2022-01-02T00:00:00.005Z"));
	}
	snprintf(path, sizeof path, "%s/README.txt", root);
	strata_test_write_file(path, "not miniSEED\n");
}

static noise_ingest_summary ingest(const strata_test_catalog *fx, const char *root,
                                   const char *glob)
{
	const char *roots[] = {root};
	noise_ingest_opts opts = {glob, 2, 0};
	noise_ingest_summary s;

	assert_ok(noise_ingest(fx->db, roots, 1, &opts, &s));
	return s;
}

static void test_ingest_encodings(void **state)
{
	strata_test_catalog *fx = strata_test_catalog_of(state);
	char root[512];
	noise_ingest_summary s;
	strata_db_stmt *st;

	make_tree(fx, root, sizeof root);
	s = ingest(fx, root, NULL);
	assert_int_equal(s.files, NENC + 1);
	assert_int_equal(s.indexed, NENC);
	assert_int_equal(s.skipped, 1);
	assert_int_equal(s.failed, 0);
	assert_int_equal(s.segments, NENC);
	assert_int_equal(count_rows(fx->db, "mseed_file"), NENC);
	assert_int_equal(count_rows(fx->db, "mseed_segment"), NENC);
	assert_ok(strata_db_prepare(fx->db,
	                            "SELECT f.path, s.station, s.encoding, s.nsamples, s.start_ns, "
	                            "s.end_ns, s.sample_rate, s.component, s.byte_offset, "
	                            "s.gap_before_ns FROM mseed_segment s JOIN mseed_file f ON "
	                            "f.id = s.file_id ORDER BY s.station",
	                            &st));
	for (size_t i = 0; i < NENC; i++) {
		noise_mseed_segment seg;
		double *samples = NULL;
		size_t n = 0;
		assert_int_equal(strata_db_step(st), STRATA_DB_ROW);
		assert_int_equal(strata_db_column_int64(st, 2), encodings[i]);
		assert_int_equal(strata_db_column_int64(st, 3), 5000);
		assert_true(strata_db_column_int64(st, 4) == iso("2022-01-02T00:00:00.005Z"));
		assert_true(strata_db_column_int64(st, 5) == iso("2022-01-02T00:00:49.995Z"));
		assert_near(strata_db_column_double(st, 6), 100.0, 0.0);
		assert_string_equal(strata_db_column_text(st, 7), "Z");
		assert_int_equal(strata_db_column_int64(st, 8), 0);
		assert_true(strata_db_column_is_null(st, 9));
		/* The indexed segment reads back the written values. */
		memset(&seg, 0, sizeof seg);
		snprintf(seg.network, sizeof(seg.network), "%s", "XX");
		snprintf(seg.station, sizeof seg.station, "%s", strata_db_column_text(st, 1));
		snprintf(seg.location, sizeof(seg.location), "%s", "00");
		snprintf(seg.channel, sizeof(seg.channel), "%s", "HHZ");
		seg.sample_rate = 100.0;
		seg.start = strata_db_column_int64(st, 4);
		seg.end = strata_db_column_int64(st, 5);
		seg.nsamples = 5000;
		seg.offset = 0;
		seg.encoding = encodings[i];
		assert_ok(
		    noise_mseed_read_samples(strata_db_column_text(st, 0), &seg, &samples, &n));
		assert_int_equal(n, 5000);
		for (size_t k = 0; k < n; k++)
			assert_near(samples[k], (double)k * 3 - 1000, 0.0);
		free(samples);
	}
	assert_int_equal(strata_db_step(st), STRATA_DB_DONE);
	strata_db_finalize(st);
	/* A glob keeps only matching names; with '/', the path below the root. */
	s = ingest(fx, root, "*.2022.002");
	assert_int_equal(s.files, NENC);
	s = ingest(fx, root, "2022/XX/S1/*/*");
	assert_int_equal(s.files, 1);
	assert_int_equal(s.unchanged, 1);
}

static void test_ingest_rerun_and_change(void **state)
{
	strata_test_catalog *fx = strata_test_catalog_of(state);
	char root[512], path[700];
	noise_ingest_summary s;
	FILE *f;
	char id_before[40], id_after[40];
	int found = 0;
	static const char id_sql[] = "SELECT f.id FROM mseed_file f JOIN mseed_segment s ON "
	                             "s.file_id = f.id WHERE s.station = ? AND s.seq = 0";

	make_tree(fx, root, sizeof root);
	ingest(fx, root, NULL);
	assert_ok(noise_catalog_lookup_text(fx->db, id_sql, id_before, sizeof id_before, &found,
	                                    "S0", (const char *)NULL));
	assert_true(found);
	s = ingest(fx, root, NULL); /* unchanged: nothing written */
	assert_int_equal(s.indexed, 0);
	assert_int_equal(s.unchanged, NENC);
	assert_int_equal(count_rows(fx->db, "mseed_segment"), NENC);
	/* Touched, not changed: only the mtime is recorded. */
	snprintf(path, sizeof path, "%s/2022/XX/S2/HHZ.D/XX.S2.00.HHZ.D.2022.002", root);
	struct timespec times[2] = {{1600000000, 0}, {1600000000, 5}};
	assert_int_equal(utimensat(AT_FDCWD, path, times, 0), 0);
	s = ingest(fx, root, NULL);
	assert_int_equal(s.indexed, 0);
	assert_int_equal(s.unchanged, NENC);
	assert_int_equal(query_int(fx->db, "SELECT COUNT(*) FROM mseed_file WHERE mtime_ns = "
	                                   "1600000000000000005"),
	                 1);
	/* Append a second stretch after a 10 s gap to S0's file: re-indexed,
	 * now two segments with the gap on the second. */
	snprintf(path, sizeof path, "%s/2022/XX/S0/HHZ.D/XX.S0.00.HHZ.D.2022.002", root);
	f = fopen(path, "ab");
	assert_non_null(f);
	pack_samples(f, "S0", DE_STEIM1, 1000, iso("2022-01-02T00:01:00.005Z"), 100.0);
	fclose(f);
	s = ingest(fx, root, NULL);
	assert_int_equal(s.indexed, 1);
	assert_int_equal(s.unchanged, NENC - 1);
	assert_int_equal(s.gaps, 1);
	assert_int_equal(count_rows(fx->db, "mseed_file"), NENC);
	assert_int_equal(count_rows(fx->db, "mseed_segment"), NENC + 1);
	assert_int_equal(query_int(fx->db, "SELECT gap_before_ns FROM mseed_segment WHERE "
	                                   "station = 'S0' AND seq = 1"),
	                 10 * SEC_NS);
	/* The file keeps its id: re-indexing updates, never re-creates. */
	assert_ok(noise_catalog_lookup_text(fx->db, id_sql, id_after, sizeof id_after, &found, "S0",
	                                    (const char *)NULL));
	assert_string_equal(id_before, id_after);
	/* Rewrite it shorter: back to one segment, the stale one deleted. */
	write_mseed(path, "S0", DE_STEIM2, 700, iso("2022-01-02T00:00:00Z"));
	s = ingest(fx, root, NULL);
	assert_int_equal(s.indexed, 1);
	assert_int_equal(count_rows(fx->db, "mseed_segment"), NENC);
	assert_int_equal(
	    query_int(fx->db, "SELECT nsamples FROM mseed_segment WHERE station = 'S0'"), 700);
	assert_int_equal(
	    query_int(fx->db, "SELECT encoding FROM mseed_segment WHERE station = 'S0'"),
	    DE_STEIM2);
}

static void test_ingest_corrupt(void **state)
{
	strata_test_catalog *fx = strata_test_catalog_of(state);
	char root[512], path[700];
	noise_ingest_summary s;
	FILE *f;

	make_tree(fx, root, sizeof root);
	/* A file that starts like miniSEED but stops mid-record. */
	snprintf(path, sizeof path, "%s/2022/XX/S1/HHZ.D/XX.S1.00.HHZ.D.2022.002", root);
	assert_int_equal(truncate(path, 300), 0);
	/* An empty file. */
	snprintf(path, sizeof path, "%s/empty", root);
	f = fopen(path, "wb");
	assert_non_null(f);
	fclose(f);
	s = ingest(fx, root, NULL);
	assert_int_equal(s.failed, 1);
	assert_int_equal(s.skipped, 2);
	assert_int_equal(s.indexed, NENC - 1);
	assert_int_equal(count_rows(fx->db, "mseed_file"), NENC - 1);
}

/* A record whose blockette chain points back at itself once hung libmseed's
 * diagnostics (found by fuzzing): now one failed file, quickly. */
static void test_ingest_blockette_loop(void **state)
{
	strata_test_catalog *fx = strata_test_catalog_of(state);
	char cmd[1200], dir[600];
	noise_ingest_summary s;

	snprintf(dir, sizeof dir, "%s/loop", fx->t.dir);
	snprintf(
	    cmd, sizeof cmd,
	    "mkdir -p '%s' && cp '%s/tests/fuzz/corpus/mseed_index/blockette_loop.mseed' '%s/'",
	    dir, STRATA_SOURCE_DIR, dir);
	assert_int_equal(system(cmd), 0);
	s = ingest(fx, dir, NULL);
	assert_int_equal(s.files, 1);
	assert_int_equal(s.failed, 1);
	assert_int_equal(count_rows(fx->db, "mseed_file"), 0);
}

static void test_ingest_real_data(void **state)
{
	strata_test_catalog *fx = strata_test_catalog_of(state);
	char dir[1024];
	noise_ingest_summary s;

	STRATA_REQUIRE_TESTDATA("seismic/noisepy", dir);
	s = ingest(fx, dir, "*.ms");
	assert_int_equal(s.files, 6);
	assert_int_equal(s.indexed, 6);
	assert_int_equal(s.failed, 0);
	assert_int_equal(query_int(fx->db, "SELECT nsamples FROM mseed_segment WHERE station = "
	                                   "'CCA' AND channel = 'BHN'"),
	                 3456000);
	assert_int_equal(query_int(fx->db, "SELECT COUNT(*) FROM mseed_segment WHERE station = "
	                                   "'THIS' AND location IN ('00', '10')"),
	                 2);
}

/* --- parameter sets ------------------------------------------------------------------ */

static void test_params_examples(void **state)
{
	strata_test_catalog *fx = strata_test_catalog_of(state);
	static const char *const files[] = {"QCOneConfig.toml",
	                                    "QCOneConfig_without_rejected_times.toml",
	                                    "QCTwoConfig.toml",
	                                    "beamforming_params.toml",
	                                    "crosscorrelation_cartesian_params.toml",
	                                    "crosscorrelation_cylindrical_param.toml",
	                                    "crosscorrelation_params.toml",
	                                    "datachunk_params.toml",
	                                    "ppsd_params.toml",
	                                    "ppsd_params_resampled.toml",
	                                    "processed_datachunk_params.toml",
	                                    "stacking_schema.toml"};
	char dir[1024], path[1200];
	noise_param_set p;

	STRATA_REQUIRE_TESTDATA("seismic/noiz/config_examples", dir);
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof path, "%s/%s", dir, files[i]);
		assert_ok(noise_params_add(fx->db, path, NULL, &p));
	}
	/* crosscorrelation_params.toml repeats the cartesian file's content. */
	assert_int_equal(count_rows(fx->db, "param_set"), 11);
	assert_int_equal(query_int(fx->db, "SELECT MAX(number) FROM param_set WHERE kind = "
	                                   "'PPSDParams'"),
	                 2);
	snprintf(path, sizeof path, "%s/datachunk_params.toml", dir);
	assert_ok(noise_params_add(fx->db, path, "DatachunkParams", &p));
	assert_int_equal(p.created, 0);
	assert_int_equal(p.number, 1);
	assert_string_equal(p.kind, "DatachunkParams");
	assert_int_equal(noise_params_add(fx->db, path, "QCOne", &p), STRATA_ESCHEMA);
	assert_int_equal(count_rows(fx->db, "param_set"), 11);
}

static void expect_params_error(const strata_test_catalog *fx, const char *text, const char *needle)
{
	char path[512];
	noise_param_set p;

	snprintf(path, sizeof path, "%s/p.toml", fx->t.dir);
	strata_test_write_file(path, text);
	assert_int_equal(noise_params_add(fx->db, path, NULL, &p), STRATA_ESCHEMA);
	if (!strstr(strata_error_message(), needle))
		fail_msg("message '%s' lacks '%s'", strata_error_message(), needle);
}

static void test_params_errors(void **state)
{
	strata_test_catalog *fx = strata_test_catalog_of(state);
	noise_param_set p;
	char path[512];

	expect_params_error(fx, "[PPSDParams]\ndatachunk_params_id = 1\nsegment_lenght = 600\n",
	                    "p.toml:3: PPSDParams.segment_lenght: unknown key");
	expect_params_error(fx,
	                    "[PPSDParams]\ndatachunk_params_id = 1\nsegment_length = \"600\"\n"
	                    "segment_step = 1\nfreq_min = 1\nfreq_max = 2\n",
	                    "PPSDParams.segment_length: expected a number");
	expect_params_error(fx, "[PPSDParams]\ndatachunk_params_id = 1\n",
	                    "missing required key 'segment_length'");
	expect_params_error(fx, "[Nope]\na = 1\n", "unknown parameter set [Nope]");
	expect_params_error(fx, "[QCOne]\ndatachunk_params_id = 1\nstrict_gps = \"maybe\"\n",
	                    "QCOne.strict_gps: expected a boolean");
	expect_params_error(fx,
	                    "[QCOne]\ndatachunk_params_id = 1\n[[QCOne.rejected_times]]\n"
	                    "network = \"TD\"\nstation = \"TD11\"\ncomponent = \"Z\"\n"
	                    "starttime = 2019-10-15\nendtime = \"soon\"\n",
	                    "rejected_times.endtime: expected a date");
	expect_params_error(fx, "[QCOne]\ndatachunk_params_id = 1\n[QCTwo]\n", "exactly one table");
	assert_int_equal(count_rows(fx->db, "param_set"), 0);
	snprintf(path, sizeof path, "%s/p.toml", fx->t.dir);
	strata_test_write_file(path, "[QCTwo]\ncrosscorrelation_cartesian_params_id = 1\n");
	assert_ok(noise_params_add(fx->db, path, NULL, &p));
	assert_int_equal(p.number, 1);
	assert_int_equal(p.created, 1);
	strata_test_write_file(path, "[QCTwo]\ncrosscorrelation_cartesian_params_id = 2\n");
	assert_ok(noise_params_add(fx->db, path, NULL, &p));
	assert_int_equal(p.number, 2);
}

#define CATALOG_TESTS                                                                              \
	cmocka_unit_test_setup_teardown(test_migrate, strata_test_catalog_setup,                   \
	                                strata_test_catalog_teardown),                             \
	    cmocka_unit_test_setup_teardown(test_timespans_store, strata_test_catalog_setup,       \
	                                    strata_test_catalog_teardown),                         \
	    cmocka_unit_test_setup_teardown(test_inventory_and_pairs, strata_test_catalog_setup,   \
	                                    strata_test_catalog_teardown),                         \
	    cmocka_unit_test_setup_teardown(test_inventory_errors, strata_test_catalog_setup,      \
	                                    strata_test_catalog_teardown),                         \
	    cmocka_unit_test_setup_teardown(test_ingest_encodings, strata_test_catalog_setup,      \
	                                    strata_test_catalog_teardown),                         \
	    cmocka_unit_test_setup_teardown(test_ingest_rerun_and_change,                          \
	                                    strata_test_catalog_setup,                             \
	                                    strata_test_catalog_teardown),                         \
	    cmocka_unit_test_setup_teardown(test_ingest_corrupt, strata_test_catalog_setup,        \
	                                    strata_test_catalog_teardown),                         \
	    cmocka_unit_test_setup_teardown(test_ingest_blockette_loop, strata_test_catalog_setup, \
	                                    strata_test_catalog_teardown),                         \
	    cmocka_unit_test_setup_teardown(test_ingest_real_data, strata_test_catalog_setup,      \
	                                    strata_test_catalog_teardown),                         \
	    cmocka_unit_test_setup_teardown(test_params_examples, strata_test_catalog_setup,       \
	                                    strata_test_catalog_teardown),                         \
	    cmocka_unit_test_setup_teardown(test_params_errors, strata_test_catalog_setup,         \
	                                    strata_test_catalog_teardown)

int main(void)
{
	const struct CMUnitTest pure[] = {
	    cmocka_unit_test(test_timespans_one_day),
	    cmocka_unit_test(test_timespans_normalised_to_midnight),
	    cmocka_unit_test(test_timespans_overlap_and_midnight),
	    cmocka_unit_test(test_timespans_long_windows),
	    cmocka_unit_test(test_timespans_invalid),
	    cmocka_unit_test(test_distaz),
	};
	const struct CMUnitTest catalog[] = {CATALOG_TESTS};
	int failed = cmocka_run_group_tests_name("noise timespans and geometry", pure, NULL, NULL);

	failed += STRATA_TEST_CATALOG_GROUPS("noise catalog", catalog, "catalog.db", "noise",
	                                     noise_catalog_open);
	return failed;
}
