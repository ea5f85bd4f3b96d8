/*
 * test_soh.c - state of health: Noiz's formats, the two real Centaur SOH
 * miniSEED files (values also read by tests/noise/soh_reference.py, an
 * independent miniSEED/Steim reader, in soh.sh, and listed in
 * ../shared/README.md), synthetic CSV files of every station and SOH type,
 * malformed CSV, upserts and the per-timespan GPS averages on SQLite and,
 * when $STRATA_TEST_PG_URL is set, PostgreSQL.
 */
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "noise/catalog.h"
#include "noise/soh.h"
#include "strata/db.h"
#include "strata/time.h"

#define SEC_NS STRATA_NS_PER_SEC

static const noise_soh_format *format(const char *station_type, const char *soh_type)
{
	const noise_soh_format *f = NULL;
	assert_ok(noise_soh_format_find(station_type, soh_type, &f));
	return f;
}

static strata_time iso(const char *text)
{
	strata_time t = 0;
	assert_ok(strata_time_parse_iso8601(text, &t));
	return t;
}

/* --- formats ------------------------------------------------------------------------ */

static void test_formats(void **state)
{
	const noise_soh_format *f = NULL;
	(void)state;

	assert_string_equal(noise_soh_format_glob(format("centaur", "miniseed_gpstime")),
	                    "*SOH_*.miniseed");
	assert_int_equal(noise_soh_format_table(format("centaur", "miniseed_gpstime")),
	                 NOISE_SOH_GPS);
	assert_int_equal(noise_soh_format_table(format("centaur", "miniseed_instrument")),
	                 NOISE_SOH_INSTRUMENT);
	assert_string_equal(noise_soh_format_glob(format("centaur", "instrument")),
	                    "*Instrument*.csv");
	assert_string_equal(noise_soh_format_glob(format("centaur", "gpstime")), "*GPSTime*.csv");
	assert_string_equal(noise_soh_format_glob(format("centaur", "gnsstime")), "*GNSSTime*.csv");
	assert_string_equal(noise_soh_format_glob(format("taurus", "instrument")),
	                    "*Instrument*.csv");
	assert_int_equal(noise_soh_format_table(format("taurus", "gpstime")), NOISE_SOH_GPS);

	assert_int_equal(noise_soh_format_find("taurus", "gnsstime", &f), STRATA_EINVAL);
	assert_non_null(strstr(strata_error_message(), "not supported for station type taurus"));
	assert_int_equal(noise_soh_format_find("taurus", "miniseed_gpstime", &f), STRATA_EINVAL);
	assert_int_equal(noise_soh_format_find("centaur", "environment", &f), STRATA_EUNSUPPORTED);
	assert_int_equal(noise_soh_format_find("centaurus", "gpstime", &f), STRATA_EINVAL);
	assert_non_null(strstr(strata_error_message(), "centaurus"));
	assert_int_equal(noise_soh_format_find("centaur", "gps", &f), STRATA_EINVAL);
	assert_non_null(strstr(strata_error_message(), "'gps'"));
	assert_null(f);
}

/* --- the real Centaur SOH miniSEED ------------------------------------------------------ */

static void test_mseed_s0001(void **state)
{
	char path[1024];
	noise_soh_samples s = {0};
	(void)state;

	STRATA_REQUIRE_TESTDATA(
	    "seismic/noiz/XX.S0001.D0.SOH_centaur-3_1479_20171125_100000.miniseed", path);
	/* GPS: GST GNS LCQ GPL VCO LCE at 10:00 and 10:30; LCE is 0 us. */
	assert_ok(
	    noise_soh_read_file(format("centaur", "miniseed_gpstime"), path, NULL, "S0001", &s));
	noise_soh_samples_finish(&s);
	assert_int_equal(s.n, 2);
	assert_true(s.s[0].t == iso("2017-11-25T10:00:00Z"));
	assert_true(s.s[1].t == iso("2017-11-25T10:30:00Z"));
	for (size_t i = 0; i < 2; i++) {
		assert_true(s.s[i].v[0] == 0.0);
		assert_true(isnan(s.s[i].v[1]));
	}
	noise_soh_samples_free(&s);

	/* Instrument: VEI 13302 / 13369 mV, VEC 89 / 90 mA, VDT 17000 m degC. */
	assert_ok(
	    noise_soh_read_file(format("centaur", "miniseed_instrument"), path, "XX", "S0001", &s));
	noise_soh_samples_finish(&s);
	assert_int_equal(s.n, 2);
	assert_true(s.s[0].t == iso("2017-11-25T10:00:00Z"));
	assert_true(s.s[1].t == iso("2017-11-25T10:30:00Z"));
	assert_near(s.s[0].v[0], 13.302, 1e-12);
	assert_near(s.s[0].v[1], 0.089, 1e-12);
	assert_near(s.s[0].v[2], 17.0, 0);
	assert_near(s.s[1].v[0], 13.369, 1e-12);
	assert_near(s.s[1].v[1], 0.090, 1e-12);
	assert_near(s.s[1].v[2], 17.0, 0);
	noise_soh_samples_free(&s);

	/* Another station's or network's file contributes nothing. */
	assert_ok(
	    noise_soh_read_file(format("centaur", "miniseed_instrument"), path, NULL, "TD09", &s));
	assert_ok(
	    noise_soh_read_file(format("centaur", "miniseed_instrument"), path, "TD", "S0001", &s));
	assert_int_equal(s.n, 0);
	noise_soh_samples_free(&s);
}

static void test_mseed_td09(void **state)
{
	char path[1024];
	noise_soh_samples s = {0};
	(void)state;

	STRATA_REQUIRE_TESTDATA(
	    "seismic/noiz/TD.TD09.D0.SOH_centaur-3_1492_20180616_040000.miniseed", path);
	/* No GPS channel at all: no rows (Noiz: an empty frame). */
	assert_ok(
	    noise_soh_read_file(format("centaur", "miniseed_gpstime"), path, NULL, "TD09", &s));
	assert_int_equal(s.n, 0);
	/* Only VDT: voltage and current missing. */
	assert_ok(
	    noise_soh_read_file(format("centaur", "miniseed_instrument"), path, NULL, "TD09", &s));
	noise_soh_samples_finish(&s);
	assert_int_equal(s.n, 2);
	assert_true(s.s[0].t == iso("2018-06-16T04:00:00Z"));
	assert_true(s.s[1].t == iso("2018-06-16T04:30:00Z"));
	assert_true(isnan(s.s[0].v[0]) && isnan(s.s[0].v[1]));
	assert_near(s.s[0].v[2], 25.25, 0);
	assert_near(s.s[1].v[2], 25.0, 0);
	noise_soh_samples_free(&s);
}

static void test_mseed_not_mseed(void **state)
{
	char dir[256], path[300];
	noise_soh_samples s = {0};
	(void)state;

	strata_test_tmpdir(dir, sizeof dir);
	snprintf(path, sizeof path, "%s/XX.SOH_bad.miniseed", dir);
	strata_test_write_file(path, "this is not miniSEED at all, just text of some length....");
	assert_int_not_equal(
	    noise_soh_read_file(format("centaur", "miniseed_gpstime"), path, NULL, "S0001", &s), 0);
	assert_non_null(strstr(strata_error_message(), path));
	assert_int_equal(s.n, 0);
	noise_soh_samples_free(&s);
	strata_test_rmtree(dir);
}

/* --- synthetic CSV of every format -------------------------------------------------------- */

static void parse_ok(const char *station_type, const char *soh_type, const char *text,
                     noise_soh_samples *s)
{
	assert_ok(
	    noise_soh_parse_csv(format(station_type, soh_type), "test.csv", text, strlen(text), s));
	noise_soh_samples_finish(s);
}

static void test_csv_centaur_instrument(void **state)
{
	noise_soh_samples s = {0};
	(void)state;

	parse_ok("centaur", "instrument",
	         "Timestamp,UTC Date Time,Supply voltage(V),Total current(A),Temperature(C)\r\n"
	         "1569888000,2019-10-01 00:00:00,12.5,0.25,21.5\r\n"
	         "1569888060,2019-10-01 00:01:00,12.25,,-3\r\n"
	         "\r\n",
	         &s);
	assert_int_equal(s.n, 2);
	assert_true(s.s[0].t == iso("2019-10-01T00:00:00Z"));
	assert_near(s.s[0].v[0], 12.5, 0);
	assert_near(s.s[0].v[1], 0.25, 0);
	assert_near(s.s[0].v[2], 21.5, 0);
	assert_true(s.s[1].t == iso("2019-10-01T00:01:00Z"));
	assert_true(isnan(s.s[1].v[1])); /* empty float: missing */
	assert_near(s.s[1].v[2], -3, 0);
	noise_soh_samples_free(&s);
}

/* Time error and uncertainty in ns become microseconds (ns / 1000). */
static void test_csv_centaur_gps(void **state)
{
	static const char text[] =
	    "Timestamp,UTCDateTime,Earth Location,GPS receiver status,GPS satellites used,Timing "
	    "status,Phase lock loop status,Time uncertainty(ns),Timing DAC count,Time quality(%),"
	    "Time error(ns)\n"
	    "1569888000,2019-10-01T00:00:00,\"48.58 N, 7.75 E\",3D fix,9,Locked,Fine,40,8300,90,"
	    "-104\n"
	    "Timestamp,UTCDateTime,Earth Location,GPS receiver status,GPS satellites used,Timing "
	    "status,Phase lock loop status,Time uncertainty(ns),Timing DAC count,Time quality(%),"
	    "Time error(ns)\n"
	    "1569888060,2019-10-01T00:01:00Z,\"48.58 N, 7.75 E\",3D fix,10,Locked,Fine,60,8301,"
	    "100,250\n";
	noise_soh_samples s = {0};
	(void)state;

	/* gpstime and gnsstime files share the columns; the repeated header
	 * line (its UTCDateTime holds "Time") is dropped as Noiz drops it. */
	for (int k = 0; k < 2; k++) {
		parse_ok("centaur", k ? "gnsstime" : "gpstime", text, &s);
		assert_int_equal(s.n, 2);
		assert_near(s.s[0].v[0], -0.104, 1e-15);
		assert_near(s.s[0].v[1], 0.040, 1e-15);
		assert_near(s.s[1].v[0], 0.250, 1e-15);
		assert_near(s.s[1].v[1], 0.060, 1e-15);
		assert_true(s.s[1].t == iso("2019-10-01T00:01:00Z"));
		noise_soh_samples_free(&s);
	}
}

/* Taurus: mV to V, current the sum of the five module currents in A. */
static void test_csv_taurus_instrument(void **state)
{
	noise_soh_samples s = {0};
	(void)state;

	parse_ok("taurus", "instrument",
	         "timestamp,UTCDateTime,Supply Voltage(mV),Temperature(C),NMX Bus Current(mA),"
	         "Sensor Current(mA),Serial Port Current(mA),Controller Current(mA),Digitizer "
	         "Current(mA)\n"
	         "1569888060,2019-10-01 00:01:00,12000,20.5,10,20,30,40,50\n"
	         "1569888000,2019-10-01 00:00:00,11500,19.25,1,,,,\n"
	         "1569888120,2019-10-01 00:02:00,11000,19,,,,,\n",
	         &s);
	assert_int_equal(s.n, 3); /* sorted by time */
	assert_true(s.s[0].t == iso("2019-10-01T00:00:00Z"));
	assert_near(s.s[0].v[0], 11.5, 0);
	assert_near(s.s[0].v[1], 0.001, 1e-15);
	assert_near(s.s[0].v[2], 19.25, 0);
	assert_near(s.s[1].v[0], 12.0, 0);
	assert_near(s.s[1].v[1], 0.150, 1e-15);
	assert_near(s.s[1].v[2], 20.5, 0);
	assert_true(isnan(s.s[2].v[1])); /* no module current at all */
	noise_soh_samples_free(&s);
}

static void test_csv_taurus_gps(void **state)
{
	noise_soh_samples s = {0};
	(void)state;

	parse_ok("taurus", "gpstime",
	         "timestamp,UTCDateTime,Earth Location,GPS receiver status,GPS satellites used,GPS "
	         "PDOP,GPS TDOP,Timing status,Phase lock loop status,Time uncertainty(ns),Timing "
	         "DAC count,Time error(ns),GPS Last Update Time\n"
	         "1569888000,2019-10-01 00:00:00,48.5 7.7,3D,8,1.5,0.9,Locked,Fine,75,31000,-20,"
	         "2019-10-01 00:00:00\n"
	         "1569888000,2019-10-01 00:00:00,48.5 7.7,3D,8,1.5,0.9,Locked,Fine,80,31000,-30,"
	         "2019-10-01 00:00:00\n",
	         &s);
	assert_int_equal(s.n, 1); /* one time twice: the later line wins */
	assert_near(s.s[0].v[0], -0.030, 1e-15);
	assert_near(s.s[0].v[1], 0.080, 1e-15);
	noise_soh_samples_free(&s);

	/* A header alone, or nothing at all, makes no samples. */
	parse_ok("taurus", "gpstime", "timestamp,UTCDateTime\n", &s);
	parse_ok("taurus", "gpstime", "", &s);
	assert_int_equal(s.n, 0);
	noise_soh_samples_free(&s);
}

/* A malformed file is refused whole, naming the line and the column. */
static void expect_refused(const char *soh_type, const char *text, const char *needle)
{
	noise_soh_samples s = {0};
	double v[3] = {1, 2, 3};
	int rc;

	/* A sample already there from another file stays. */
	s.s = malloc(sizeof(*s.s));
	assert_non_null(s.s);
	s.cap = s.n = 1;
	s.s[0].t = 7;
	memcpy(s.s[0].v, v, sizeof v);
	rc = noise_soh_parse_csv(format("centaur", soh_type), "bad.csv", text, strlen(text), &s);
	assert_int_equal(rc, STRATA_EPARSE);
	if (!strstr(strata_error_message(), needle) || !strstr(strata_error_message(), "bad.csv"))
		fail_msg("message '%s' lacks '%s'", strata_error_message(), needle);
	assert_int_equal(s.n, 1);
	noise_soh_samples_free(&s);
}

static void test_csv_malformed(void **state)
{
	static const char head[] = "h\n";
	char text[512];
	(void)state;

	snprintf(text, sizeof text, "%s1,2019-10-01 00:00:00,12.5,0.25,21\n1,2019-10-01,1,2\n",
	         head);
	expect_refused("instrument", text, "line 3: 4 fields, expected 5");
	snprintf(text, sizeof text, "%s1,2019-10-01 00:00:00,12.5,0.25,21,9\n", head);
	expect_refused("instrument", text, "line 2: more than 5 fields, expected 5");
	snprintf(text, sizeof text, "%s1,2019-10-01 00:00:00,12.5,0.2x5,21\n", head);
	expect_refused("instrument", text,
	               "line 2, column 4 (Total current(A)): not a finite number");
	snprintf(text, sizeof text, "%s1,2019-10-01 00:00:00,inf,1,21\n", head);
	expect_refused("instrument", text, "column 3 (Supply voltage(V))");
	snprintf(text, sizeof text, "%s1,2019-13-01 00:00:00,12.5,0.25,21\n", head);
	expect_refused("instrument", text, "line 2, column 2 (UTCDateTime): not a date");
	snprintf(text, sizeof text, "%s1,yesterday,12.5,0.25,21\n", head);
	expect_refused("instrument", text, "line 2, column 2 (UTCDateTime)");
	snprintf(text, sizeof text, "%s1,\"2019-10-01 00:00:00,12.5,0.25,21\n", head);
	expect_refused("instrument", text, "line 2, column 2: unterminated quote");
	snprintf(text, sizeof text, "%s1,\"2019-10-01 00:00:00\"x,12.5,0.25,21\n", head);
	expect_refused("instrument", text, "text after the closing quote");
	/* Integer columns: never empty, integral, in range. */
	snprintf(text, sizeof text, "%s1,2019-10-01 00:00:00,x,a,9,b,c,,8300,90,-104\n", head);
	expect_refused(
	    "gpstime", text,
	    "line 2, column 8 (Time uncertainty(ns)): an integer column cannot be empty");
	snprintf(text, sizeof text, "%s1,2019-10-01 00:00:00,x,a,900,b,c,1,8300,90,-104\n", head);
	expect_refused("gpstime", text, "column 5 (GPS satellites used): not an integer");
	snprintf(text, sizeof text, "%s1,2019-10-01 00:00:00,x,a,9,b,c,1,8300,90,1.5\n", head);
	expect_refused("gpstime", text, "column 11 (Time error(ns)): not a 32-bit integer");
	snprintf(text, sizeof text, "%s1,2019-10-01 00:00:00,%070d,0.25,21\n", head, 1);
	expect_refused("instrument", text, "column 3 (Supply voltage(V)): value longer than 63");
}

/* A NUL byte inside a value does not cut it short. */
static void test_csv_nul(void **state)
{
	static const char text[] = "h\n1,2019-10-01 00:00:00,12\0x,0.25,21\n";
	noise_soh_samples s = {0};
	(void)state;

	assert_int_equal(noise_soh_parse_csv(format("centaur", "instrument"), "nul.csv", text,
	                                     sizeof text - 1, &s),
	                 STRATA_EPARSE);
	assert_non_null(
	    strstr(strata_error_message(), "nul.csv: line 2, column 3 (Supply voltage(V)): NUL"));
	assert_int_equal(s.n, 0);
	noise_soh_samples_free(&s);
}

/* Quoted fields ("" inside is one quote) and blanks around numbers. */
static void test_csv_quoting(void **state)
{
	noise_soh_samples s = {0};
	(void)state;

	parse_ok("centaur", "instrument",
	         "a,b,c,d,e\n"
	         "\"1\",\"2019-10-01 00:00:00\", 12.5 ,\"0.25\",\"21.5\"\n",
	         &s);
	assert_int_equal(s.n, 1);
	assert_near(s.s[0].v[0], 12.5, 0);
	assert_near(s.s[0].v[1], 0.25, 0);
	assert_near(s.s[0].v[2], 21.5, 0);
	noise_soh_samples_free(&s);
	expect_refused("instrument", "h\n1,2019-10-01 00:00:00,12.5,0.25,\"2\"\"\"\n",
	               "column 5 (Temperature(C)): not a finite number, got '2\"'");
}

static void test_csv_file(void **state)
{
	char dir[256], path[300];
	noise_soh_samples s = {0};
	(void)state;

	strata_test_tmpdir(dir, sizeof dir);
	snprintf(path, sizeof path, "%s/ST01_Instrument_2019.csv", dir);
	strata_test_write_file(path, "h\n1,2019-10-01 00:00:00,12.5,0.25,21\n");
	assert_ok(noise_soh_read_file(format("centaur", "instrument"), path, NULL, "ST01", &s));
	assert_int_equal(s.n, 1);
	snprintf(path, sizeof path, "%s/missing.csv", dir);
	assert_int_not_equal(
	    noise_soh_read_file(format("centaur", "instrument"), path, NULL, "ST01", &s), 0);
	assert_non_null(strstr(strata_error_message(), "missing.csv"));
	assert_int_equal(s.n, 1);
	noise_soh_samples_free(&s);
	strata_test_rmtree(dir);
}

/* --- catalog: devices, upserts, averages ------------------------------------------------- */

/* The test's catalog, skipping the test when its backend is unavailable. */
static strata_db *db_of(void **state)
{
	return strata_test_catalog_of(state)->db;
}

static void exec_sql(strata_db *db, const char *sql)
{
	assert_ok(strata_db_exec(db, sql));
}

static long long count(strata_db *db, const char *table)
{
	long long n = -1;
	assert_ok(noise_catalog_count(db, table, &n));
	return n;
}

/* The first column of the first row as a double (NaN for NULL). */
static double query_double(strata_db *db, const char *sql)
{
	strata_db_stmt *st = NULL;
	double v;

	assert_ok(strata_db_prepare(db, sql, &st));
	assert_int_equal(strata_db_step(st), STRATA_DB_ROW);
	v = strata_db_column_is_null(st, 0) ? NAN : strata_db_column_double(st, 0);
	strata_db_finalize(st);
	return v;
}

static void add_devices(strata_db *db)
{
	exec_sql(db, "INSERT INTO device (id, network, station) VALUES ('d1', 'XX', 'S0001'), "
	             "('d2', 'TD', 'TD09'), ('d3', 'YY', 'TD09')");
}

static void test_find_device(void **state)
{
	strata_db *db = db_of(state);
	char id[37];

	add_devices(db);
	assert_ok(noise_soh_find_device(db, NULL, "S0001", id));
	assert_string_equal(id, "d1");
	assert_ok(noise_soh_find_device(db, "YY", "TD09", id));
	assert_string_equal(id, "d3");
	assert_int_equal(noise_soh_find_device(db, NULL, "TD09", id), STRATA_EINVAL);
	assert_non_null(strstr(strata_error_message(), "several networks (TD, YY)"));
	assert_int_equal(noise_soh_find_device(db, NULL, "NOPE", id), STRATA_ENOTFOUND);
	assert_non_null(strstr(strata_error_message(), "no station NOPE"));
	assert_int_equal(noise_soh_find_device(db, "TD", "S0001", id), STRATA_ENOTFOUND);
	assert_non_null(strstr(strata_error_message(), "TD.S0001"));
}

static void push(noise_soh_samples *s, strata_time t, double a, double b, double c)
{
	noise_soh_sample *p = realloc(s->s, (s->n + 1) * sizeof(*p));
	assert_non_null(p);
	s->s = p;
	s->s[s->n++] = (noise_soh_sample){t, {a, b, c}};
	s->cap = s->n;
}

static void test_write_upsert(void **state)
{
	strata_db *db = db_of(state);
	noise_soh_samples s = {0};
	size_t written = 0;

	add_devices(db);
	push(&s, 100 * SEC_NS, 0.5, NAN, NAN);
	push(&s, 200 * SEC_NS, -0.25, 0.04, NAN);
	assert_ok(noise_soh_write(db, format("centaur", "gpstime"), "d1", &s, 1, &written));
	assert_int_equal(written, 2);
	assert_int_equal(count(db, "soh_gps"), 2);
	assert_true(isnan(query_double(db, "SELECT time_uncertainty FROM soh_gps WHERE "
	                                   "datetime_ns = 100000000000")));
	/* Re-run with new values: updated in place, no duplicates. */
	s.s[0].v[1] = 0.07;
	assert_ok(noise_soh_write(db, format("centaur", "gpstime"), "d1", &s, 1000, &written));
	assert_int_equal(count(db, "soh_gps"), 2);
	assert_near(query_double(db, "SELECT time_uncertainty FROM soh_gps WHERE datetime_ns = "
	                             "100000000000"),
	            0.07, 0);
	/* The same times on another device are other rows. */
	assert_ok(noise_soh_write(db, format("centaur", "gpstime"), "d2", &s, 1000, &written));
	assert_int_equal(count(db, "soh_gps"), 4);
	/* Instrument samples go to their own table. */
	s.s[0].v[2] = 21.5;
	assert_ok(noise_soh_write(db, format("taurus", "instrument"), "d1", &s, 1000, &written));
	assert_int_equal(count(db, "soh_instrument"), 2);
	assert_near(query_double(db, "SELECT temperature FROM soh_instrument WHERE datetime_ns = "
	                             "100000000000"),
	            21.5, 0);
	assert_near(query_double(db, "SELECT voltage FROM soh_instrument WHERE datetime_ns = "
	                             "200000000000"),
	            -0.25, 0);
	noise_soh_samples_free(&s);
}

/* Timespans [0, 100] s, [100, 200] s (sharing an edge), [300, 400] s and
 * [1000, 1100] s (outside the dates selected), GPS samples on d1 and d2. */
static void add_average_input(strata_db *db)
{
	noise_soh_samples s = {0};
	size_t written = 0;

	add_devices(db);
	exec_sql(db, "INSERT INTO timespan (id, starttime_ns, midtime_ns, endtime_ns) VALUES "
	             "('t1', 0, 50000000000, 100000000000), "
	             "('t2', 100000000000, 150000000000, 200000000000), "
	             "('t3', 300000000000, 350000000000, 400000000000), "
	             "('t4', 1000000000000, 1050000000000, 1100000000000)");
	push(&s, 0, 1.0, NAN, NAN);              /* t1 (start edge) */
	push(&s, 50 * SEC_NS, 2.0, 0.5, NAN);    /* t1 */
	push(&s, 100 * SEC_NS, 4.0, 1.5, NAN);   /* t1 and t2 (edges) */
	push(&s, 150 * SEC_NS, NAN, NAN, NAN);   /* t2: counted, no values */
	push(&s, 250 * SEC_NS, 99.0, 99.0, NAN); /* no timespan */
	push(&s, 1050 * SEC_NS, 5.0, 5.0, NAN);  /* t4 */
	assert_ok(noise_soh_write(db, format("centaur", "gpstime"), "d1", &s, 1000, &written));
	s.n = 1;
	s.s[0] = (noise_soh_sample){310 * SEC_NS, {NAN, NAN, NAN}}; /* d2, t3: no values */
	assert_ok(noise_soh_write(db, format("centaur", "gpstime"), "d2", &s, 1000, &written));
	noise_soh_samples_free(&s);
}

static void test_average(void **state)
{
	strata_db *db = db_of(state);
	noise_selection sel = {0, 500 * SEC_NS, NULL, 0, NULL, 0};
	noise_stage_summary sum;

	add_average_input(db);
	assert_ok(noise_soh_average_gps(db, &sel, NULL, 0, 1000, &sum));
	/* 3 timespans x 3 devices; rows for d1 t1, d1 t2 and d2 t3. */
	assert_int_equal(sum.selected, 9);
	assert_int_equal(sum.done, 3);
	assert_int_equal(sum.no_data, 6);
	assert_int_equal(count(db, "averaged_soh_gps"), 3);
	assert_near(query_double(db, "SELECT time_error FROM averaged_soh_gps WHERE timespan_id = "
	                             "'t1' AND device_id = 'd1'"),
	            7.0 / 3, 1e-15);
	assert_near(query_double(db, "SELECT time_uncertainty FROM averaged_soh_gps WHERE "
	                             "timespan_id = 't1' AND device_id = 'd1'"),
	            1.0, 0);
	assert_near(query_double(db, "SELECT nsamples FROM averaged_soh_gps WHERE timespan_id = "
	                             "'t1' AND device_id = 'd1'"),
	            3, 0);
	assert_near(query_double(db, "SELECT time_error FROM averaged_soh_gps WHERE timespan_id = "
	                             "'t2' AND device_id = 'd1'"),
	            4.0, 0);
	assert_near(query_double(db, "SELECT nsamples FROM averaged_soh_gps WHERE timespan_id = "
	                             "'t2'"),
	            2, 0);
	assert_true(isnan(query_double(db, "SELECT time_error FROM averaged_soh_gps WHERE "
	                                   "device_id = 'd2'")));

	/* A re-run upserts; -s / -n select devices. */
	assert_ok(noise_soh_average_gps(db, &sel, NULL, 0, 1, &sum));
	assert_int_equal(count(db, "averaged_soh_gps"), 3);
	const char *stations[] = {"TD09"};
	const char *networks[] = {"TD"};
	sel.stations = stations;
	sel.nstations = 1;
	assert_ok(noise_soh_average_gps(db, &sel, networks, 1, 1000, &sum));
	assert_int_equal(sum.selected, 3);
	assert_int_equal(sum.done, 1);
	sel.nstations = 0;
	sel.end = 2000 * SEC_NS;
	assert_ok(noise_soh_average_gps(db, &sel, NULL, 0, 1000, &sum));
	assert_int_equal(sum.done, 4);
	assert_int_equal(count(db, "averaged_soh_gps"), 4);
}

#define CATALOG_TESTS                                                                              \
	cmocka_unit_test_setup_teardown(test_find_device, strata_test_catalog_setup,               \
	                                strata_test_catalog_teardown),                             \
	    cmocka_unit_test_setup_teardown(test_write_upsert, strata_test_catalog_setup,          \
	                                    strata_test_catalog_teardown),                         \
	    cmocka_unit_test_setup_teardown(test_average, strata_test_catalog_setup,               \
	                                    strata_test_catalog_teardown)

int main(void)
{
	const struct CMUnitTest pure[] = {
	    cmocka_unit_test(test_formats),
	    cmocka_unit_test(test_mseed_s0001),
	    cmocka_unit_test(test_mseed_td09),
	    cmocka_unit_test(test_mseed_not_mseed),
	    cmocka_unit_test(test_csv_centaur_instrument),
	    cmocka_unit_test(test_csv_centaur_gps),
	    cmocka_unit_test(test_csv_taurus_instrument),
	    cmocka_unit_test(test_csv_taurus_gps),
	    cmocka_unit_test(test_csv_malformed),
	    cmocka_unit_test(test_csv_nul),
	    cmocka_unit_test(test_csv_quoting),
	    cmocka_unit_test(test_csv_file),
	};
	const struct CMUnitTest catalog[] = {CATALOG_TESTS};
	int failed = cmocka_run_group_tests_name("noise SOH formats", pure, NULL, NULL);

	failed += STRATA_TEST_CATALOG_GROUPS("noise SOH catalog", catalog, "catalog.db",
	                                     "noise_soh", noise_catalog_open);
	return failed;
}
