/*
 * test_datachunk_stage.c - the datachunk stage on a synthetic station
 * (SQLite catalog; datachunks.sh runs the real day on both backends):
 * the chunk file path, the choice between two location codes of one
 * component (the one with more data in the window), windows without data,
 * a StationXML without a response failing the chunks that remove it, and
 * upserts keeping row ids.
 */
#include "testutil.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "noise/catalog.h"
#include "noise/chunkfile.h"
#include "noise/datachunk_stage.h"
#include "noise/ingest.h"
#include "noise/inventory.h"
#include "noise/mseed_index.h"
#include "noise/params.h"
#include "noise/timespan.h"
#include "strata/time.h"

#define T0   1641081600000000000LL /* 2022-01-02T00:00:00Z */
#define MIN  (60LL * STRATA_NS_PER_SEC)
#define RATE 20.0

static const char inventory_xml[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<FDSNStationXML xmlns=\"http://www.fdsn.org/xml/station/1\" schemaVersion=\"1.1\">\n"
    " <Source>test</Source><Created>2022-01-01T00:00:00</Created>\n"
    " <Network code=\"XX\" startDate=\"2020-01-01T00:00:00\">\n"
    "  <Station code=\"SYN\" startDate=\"2020-01-01T00:00:00\">\n"
    "   <Latitude>45</Latitude><Longitude>5</Longitude><Elevation>100</Elevation>\n"
    "   <Channel code=\"HHZ\" locationCode=\"00\" startDate=\"2020-01-01T00:00:00\">\n"
    "    <Latitude>45</Latitude><Longitude>5</Longitude><Elevation>100</Elevation>\n"
    "    <Depth>0</Depth><Azimuth>0</Azimuth><Dip>-90</Dip><SampleRate>20</SampleRate>\n"
    "   </Channel>\n"
    "   <Channel code=\"HHZ\" locationCode=\"10\" startDate=\"2020-01-01T00:00:00\">\n"
    "    <Latitude>45</Latitude><Longitude>5</Longitude><Elevation>100</Elevation>\n"
    "    <Depth>0</Depth><Azimuth>0</Azimuth><Dip>-90</Dip><SampleRate>20</SampleRate>\n"
    "   </Channel>\n"
    "  </Station>\n"
    " </Network>\n"
    "</FDSNStationXML>\n";

/* Noiz's example parameters at 20 -> 10 Hz, with or without the response. */
static const char params_toml[] = "[DatachunkParams]\n"
                                  "sampling_rate = 10\n"
                                  "prefiltering_low = 0.01\n"
                                  "prefiltering_high = 4.0\n"
                                  "prefiltering_order = 4\n"
                                  "preprocessing_taper_type = \"cosine\"\n"
                                  "preprocessing_taper_side = \"both\"\n"
                                  "preprocessing_taper_max_length = 5\n"
                                  "preprocessing_taper_max_percentage = 0.1\n"
                                  "remove_response = %s\n"
                                  "datachunk_sample_tolerance = 0.02\n"
                                  "zero_padding_method = \"tapered_padded\"\n"
                                  "padding_taper_type = \"cosine\"\n"
                                  "padding_taper_max_length = 5\n"
                                  "padding_taper_max_percentage = 10\n";

typedef struct fixture {
	strata_test_db t;
	strata_db *db;
	char processed[512];
} fixture;

/* Write a FLOAT64 raw file of location loc over [start, start + minutes). */
static void write_raw(const char *dir, const char *name, const char *loc, strata_time start,
                      int minutes)
{
	char path[600];
	noise_datachunk c = {.start = start, .fs = RATE};

	c.n = (size_t)(minutes * 60 * RATE);
	c.x = malloc(c.n * sizeof(double));
	assert_non_null(c.x);
	for (size_t i = 0; i < c.n; i++)
		c.x[i] = 1000.0 * sin(0.05 * (double)i) + (double)(i % 7);
	snprintf(path, sizeof path, "%s/raw/%s", dir, name);
	assert_ok(noise_chunkfile_write(path, "XX", "SYN", loc, "HHZ", &c));
	noise_datachunk_free(&c);
}

/* Register params_toml (remove_response as given) as the next DatachunkParams. */
static void add_params(fixture *fx, const char *name, const char *remove)
{
	char path[600], text[2048];
	noise_param_set ps;

	snprintf(path, sizeof path, "%s/%s", fx->t.dir, name);
	snprintf(text, sizeof text, params_toml, remove);
	strata_test_write_file(path, text);
	assert_ok(noise_params_add(fx->db, path, "DatachunkParams", &ps));
}

/* Catalog: XX.SYN.Z with loc 00 over 00:00-00:40 and loc 10 over
 * 00:30-01:00 (20 Hz), one day of 30-minute timespans, two parameter sets
 * (1 without, 2 with response removal). */
static int setup(void **state)
{
	fixture *fx = calloc(1, sizeof(*fx));
	char path[600], raw[600];
	const char *roots[1] = {raw};
	noise_ingest_opts io = {.workers = 1};
	noise_ingest_summary is;
	noise_inventory_summary vs;
	noise_timespan_spec spec = {T0, T0 + 24 * 60 * MIN, 30 * MIN, 0, 0};
	noise_timespan *ts = NULL;
	size_t nts = 0;

	assert_non_null(fx);
	*state = fx;
	fx->t.backend = STRATA_DB_SQLITE;
	strata_test_db_create(&fx->t, "catalog.db", "noise_dcs");
	assert_ok(noise_catalog_open(fx->t.url, &fx->db));
	snprintf(fx->processed, sizeof fx->processed, "%s/processed", fx->t.dir);
	snprintf(raw, sizeof raw, "%s/raw", fx->t.dir);
	write_raw(fx->t.dir, "loc00.ms", "00", T0, 40);
	write_raw(fx->t.dir, "loc10.ms", "10", T0 + 30 * MIN, 30);
	assert_ok(noise_ingest(fx->db, roots, 1, &io, &is));
	assert_int_equal(is.indexed, 2);
	snprintf(path, sizeof path, "%s/syn.xml", fx->t.dir);
	strata_test_write_file(path, inventory_xml);
	assert_ok(noise_inventory_add(fx->db, path, &vs));
	assert_ok(noise_timespans_generate(&spec, &ts, &nts));
	assert_int_equal(nts, 48);
	assert_ok(noise_timespans_store(fx->db, ts, nts, NULL));
	free(ts);
	add_params(fx, "p1.toml", "false");
	add_params(fx, "p2.toml", "true");
	return 0;
}

static int teardown(void **state)
{
	fixture *fx = *state;

	strata_db_close(fx->db);
	strata_test_db_drop(&fx->t);
	free(fx);
	return 0;
}

static noise_stage_opts day_opts(const fixture *fx, long long params, int workers)
{
	noise_stage_opts o = {.params_number = params, .batch_size = 5, .workers = workers};

	o.sel.start = T0;
	o.sel.end = T0 + 24 * 60 * MIN;
	snprintf(o.processed_dir, sizeof o.processed_dir, "%s", fx->processed);
	return o;
}

/* The location code written in the chunk file of the window at start. */
static void expect_location(const fixture *fx, strata_time start, const char *loc)
{
	char path[1024];
	noise_mseed_index ix;

	assert_ok(noise_datachunk_path(fx->processed, 1, "XX", "SYN", "Z", start, start + 30 * MIN,
	                               path, sizeof path));
	assert_ok(noise_mseed_index_file(path, &ix));
	assert_int_equal(ix.nsegments, 1);
	assert_string_equal(ix.segments[0].location, loc);
	assert_int_equal(ix.segments[0].nsamples, 18000); /* 30 min at 10 Hz */
	noise_mseed_index_free(&ix);
}

/* The first column of a one-row query. */
static void query_text(strata_db *db, const char *sql, char *out, size_t len)
{
	int found = 0;

	assert_ok(noise_catalog_lookup_text(db, sql, out, len, &found, (const char *)NULL));
	assert_true(found);
}

static void test_channel_choice(void **state)
{
	fixture *fx = *state;
	noise_stage_opts o = day_opts(fx, 1, 2);
	noise_stage_summary s;
	char ids[2][4096];

	assert_ok(noise_datachunk_stage_run(fx->db, &o, &s));
	assert_int_equal(s.selected, 48);
	assert_int_equal(s.done, 2);
	assert_int_equal(s.no_data, 46);
	assert_int_equal(s.failed, 0);
	/* 00:00-00:30: only loc 00; 00:30-01:00: 10 minutes of 00, 30 of 10 */
	expect_location(fx, T0, "00");
	expect_location(fx, T0 + 30 * MIN, "10");
	query_text(fx->db,
	           "SELECT GROUP_CONCAT(id, ',') FROM (SELECT id FROM datachunk ORDER BY id)",
	           ids[0], sizeof ids[0]);
	/* a re-run recomputes and upserts: same ids; then --skip-existing skips */
	o.skip_existing = 0;
	o.workers = 1;
	assert_ok(noise_datachunk_stage_run(fx->db, &o, &s));
	assert_int_equal(s.done, 2);
	query_text(fx->db,
	           "SELECT GROUP_CONCAT(id, ',') FROM (SELECT id FROM datachunk ORDER BY id)",
	           ids[1], sizeof ids[1]);
	assert_string_equal(ids[0], ids[1]);
	o.skip_existing = 1;
	assert_ok(noise_datachunk_stage_run(fx->db, &o, &s));
	assert_int_equal(s.existing, 2);
	assert_int_equal(s.done, 0);
}

/* remove_response with a StationXML that has none: those chunks fail,
 * named; the windows without data stay without data. */
static void test_missing_response(void **state)
{
	fixture *fx = *state;
	noise_stage_opts o = day_opts(fx, 2, 1);
	noise_stage_summary s;
	char n[32];

	assert_ok(noise_datachunk_stage_run(fx->db, &o, &s));
	assert_int_equal(s.selected, 48);
	assert_int_equal(s.done, 0);
	assert_int_equal(s.no_data, 46);
	assert_int_equal(s.failed, 2);
	query_text(fx->db,
	           "SELECT COUNT(*) FROM datachunk d JOIN param_set p ON p.id = d.params_id "
	           "WHERE p.number = 2",
	           n, sizeof n);
	assert_string_equal(n, "0");
}

static void test_unknown_params(void **state)
{
	fixture *fx = *state;
	noise_stage_opts o = day_opts(fx, 9, 1);
	noise_stage_summary s;

	assert_int_equal(noise_datachunk_stage_run(fx->db, &o, &s), STRATA_ENOTFOUND);
	assert_non_null(strstr(strata_error_message(), "DatachunkParams number 9"));
}

/* No timespan or no component selected: nothing to do, nothing written. */
static void test_empty_selection(void **state)
{
	fixture *fx = *state;
	noise_stage_opts o = day_opts(fx, 1, 1);
	noise_stage_summary s;
	const char *none[1] = {"NOPE"};

	o.sel.start = T0 + 10 * 24 * 60 * MIN;
	o.sel.end = o.sel.start + 24 * 60 * MIN;
	assert_ok(noise_datachunk_stage_run(fx->db, &o, &s));
	assert_int_equal(s.selected, 0);
	o = day_opts(fx, 1, 1);
	o.sel.stations = none;
	o.sel.nstations = 1;
	assert_ok(noise_datachunk_stage_run(fx->db, &o, &s));
	assert_int_equal(s.selected, 0);
	assert_int_equal(s.done, 0);
}

static void test_path(void **state)
{
	char p[512];

	(void)state;
	assert_ok(noise_datachunk_path("/pd", 3, "CI", "CCA", "N", T0 + 90 * MIN, T0 + 120 * MIN, p,
	                               sizeof p));
	assert_string_equal(p, "/pd/datachunk/3/2022/CI/CCA/N/002/CI.CCA.N.2022.002.013000.1800");
	assert_ok(noise_datachunk_path("/pd", 1, "CI", "CCA", "N", T0 + 1500000000LL,
	                               T0 + 2000000000LL, p, sizeof p));
	assert_string_equal(p, "/pd/datachunk/1/2022/CI/CCA/N/002/"
	                       "CI.CCA.N.2022.002.000001_500000000.0_500000000");
	assert_int_equal(
	    noise_datachunk_path("/pd", 1, "..", "CCA", "N", T0, T0 + MIN, p, sizeof p),
	    STRATA_EINVAL);
	assert_int_equal(
	    noise_datachunk_path("/pd", 1, "CI", "A/B", "N", T0, T0 + MIN, p, sizeof p),
	    STRATA_EINVAL);
	assert_int_equal(noise_datachunk_path("/pd", 1, "CI", "CCA", "", T0, T0 + MIN, p, sizeof p),
	                 STRATA_EINVAL);
	assert_int_equal(noise_datachunk_path("/pd", 1, "CI", "CCA", "N", T0, T0, p, sizeof p),
	                 STRATA_EINVAL);
	assert_int_equal(noise_datachunk_path("/pd", 1, "CI", "CCA", "N", T0, T0 + MIN, p, 10),
	                 STRATA_ELIMIT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_path),
	    cmocka_unit_test_setup_teardown(test_channel_choice, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_missing_response, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_unknown_params, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_empty_selection, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
