/*
 * test_stationxml.c - StationXML parsing: real inventories and hostile input.
 */
#include "testutil.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "noise/stationxml.h"

static void test_im_il31(void **state)
{
	char path[1024];
	struct sx_inventory inv;

	(void)state;
	STRATA_REQUIRE_TESTDATA("seismic/obspy/IM_IL31__BHZ.xml", path);
	assert_ok(sx_parse_file(path, &inv));
	assert_int_equal(inv.nnetworks, 1);
	assert_string_equal(inv.networks[0].code, "IM");
	assert_int_equal(inv.networks[0].end, SX_TIME_OPEN); /* 2500-12-31 */
	const struct sx_station *sta = &inv.networks[0].stations[0];
	assert_string_equal(sta->code, "IL31");
	assert_true(fabs(sta->latitude - 64.7714) < 1e-12);
	assert_int_equal(sta->nchannels, 1);
	const struct sx_channel *ch = &sta->channels[0];
	assert_string_equal(ch->code, "BHZ");
	assert_string_equal(ch->location, "");
	assert_true(ch->sample_rate == 40.0);
	assert_true(ch->dip == -90.0);
	assert_true(ch->has_response);
	assert_true(ch->response.sensitivity == 1.0582e11);
	assert_string_equal(ch->response.input_units, "M");
	assert_int_equal(ch->response.nstages, 1);
	const struct sx_stage *st = &ch->response.stages[0];
	assert_int_equal(st->kind, SX_STAGE_LIST);
	assert_int_equal(st->nlist, 2047);
	assert_true(st->list_freq[0] == 0.0098);
	assert_true(st->list_phase[0] == 219.0);
	assert_true(st->has_decimation && st->input_rate == 40.0 && st->factor == 1);
	assert_true(st->gain == 1.0582e11);
	sx_inventory_free(&inv);
}

static void test_td03(void **state)
{
	char path[1024];
	struct sx_inventory inv;
	strata_time t;

	(void)state;
	STRATA_REQUIRE_TESTDATA("seismic/noiz/TD03_inventory.xml", path);
	assert_ok(sx_parse_file(path, &inv));
	const struct sx_station *sta = &inv.networks[0].stations[0];
	assert_string_equal(sta->code, "TD03");
	assert_int_equal(sta->nchannels, 3);
	assert_ok(strata_time_parse_iso8601("2017-04-01T00:00:00Z", &t));
	assert_true(sta->channels[0].start == t);
	for (size_t c = 0; c < 3; c++) {
		const struct sx_channel *ch = &sta->channels[c];
		const struct sx_stage *pz = &ch->response.stages[0];

		assert_string_equal(ch->location, "00");
		assert_true(ch->end > ch->start);
		assert_int_equal(pz->kind, SX_STAGE_PZ);
		assert_int_equal(pz->pz_type, SX_PZ_LAPLACE_RAD);
		assert_int_equal(pz->nzeros, 6);
		assert_int_equal(pz->npoles, 11);
		assert_true(pz->norm_factor == 4.344908e+17);
		assert_true(cimag(pz->zeros[4]) == 1740.0);
		assert_string_equal(ch->response.input_units, "M/S");
	}
	assert_true(sta->channels[0].end <= sta->channels[1].start);
	sx_inventory_free(&inv);
}

static void test_iris_and_ci(void **state)
{
	char path[1024];
	struct sx_inventory inv;

	(void)state;
	STRATA_REQUIRE_TESTDATA("seismic/obspy/IRIS_single_channel_with_response.xml", path);
	assert_ok(sx_parse_file(path, &inv));
	assert_string_equal(inv.networks[0].code, "IU");
	const struct sx_channel *ch = &inv.networks[0].stations[0].channels[0];
	assert_string_equal(ch->location, "10");
	assert_int_equal(ch->response.stages[0].kind, SX_STAGE_PZ);
	sx_inventory_free(&inv);

	STRATA_REQUIRE_TESTDATA("seismic/noisepy/CI_CCA.xml", path);
	assert_ok(sx_parse_file(path, &inv));
	ch = &inv.networks[0].stations[0].channels[0];
	assert_string_equal(ch->code, "BHN");
	assert_int_equal(ch->response.nstages, 4);
	const struct sx_stage *fir = &ch->response.stages[3];
	assert_int_equal(fir->kind, SX_STAGE_FIR);
	assert_int_equal(fir->symmetry, SX_SYM_NONE);
	assert_int_equal(fir->nnum, 39);
	sx_inventory_free(&inv);
}

#define HEAD                                                                                       \
	"<?xml version=\"1.0\"?>\n<FDSNStationXML xmlns=\"http://www.fdsn.org/xml/station/1\">\n"  \
	"<Network code=\"XX\"><Station code=\"S1\">\n"                                             \
	"<Latitude>1</Latitude><Longitude>2</Longitude><Elevation>3</Elevation>\n"
#define CHAN                                                                                       \
	"<Channel code=\"HHZ\" locationCode=\"\">\n"                                               \
	"<Latitude>1</Latitude><Longitude>2</Longitude><Elevation>3</Elevation><Depth>0</Depth>\n"
#define TAIL "</Station></Network></FDSNStationXML>\n"

/* Parse text and expect code with all the substrings in the message. */
static void expect_fail(const char *xml, int code, const char *s1, const char *s2)
{
	struct sx_inventory inv;
	int rc = sx_parse_memory(xml, strlen(xml), "bad.xml", &inv);

	if (rc != code)
		fail_msg("rc %d (want %d): %s", rc, code, strata_error_message());
	assert_null(inv.networks);
	if (s1 && !strstr(strata_error_message(), s1))
		fail_msg("message lacks \"%s\": %s", s1, strata_error_message());
	if (s2 && !strstr(strata_error_message(), s2))
		fail_msg("message lacks \"%s\": %s", s2, strata_error_message());
}

static void test_minimal_and_no_namespace(void **state)
{
	const char *xml = "<FDSNStationXML><Network code=\"N\"><Station code=\"S\">"
	                  "<Latitude>1</Latitude><Longitude>2</Longitude><Elevation>3</Elevation>"
	                  "</Station></Network></FDSNStationXML>";
	struct sx_inventory inv;

	(void)state;
	assert_ok(sx_parse_memory(xml, strlen(xml), "min.xml", &inv));
	assert_int_equal(inv.networks[0].nstations, 1);
	assert_int_equal(inv.networks[0].stations[0].nchannels, 0);
	sx_inventory_free(&inv);
}

static void test_hostile(void **state)
{
	(void)state;
	expect_fail("<FDSNStationXML><Network", STRATA_EPARSE, "bad.xml:", "malformed XML");
	expect_fail("<Other/>", STRATA_ESCHEMA, "bad.xml:1:", "FDSNStationXML");
	expect_fail(HEAD CHAN "<Azimuth>north</Azimuth></Channel>" TAIL, STRATA_EPARSE,
	            "bad.xml:7: Channel/Azimuth", "expected a number");
	expect_fail(HEAD "<Channel code=\"HHZ\"><Latitude>1</Latitude><Longitude>2</Longitude>"
	                 "<Elevation>3</Elevation></Channel>" TAIL,
	            STRATA_ESCHEMA, "missing element <Depth>", "bad.xml:5");
	expect_fail(HEAD CHAN "<Response><Stage number=\"1\"><PolesZeros>"
	                      "<PzTransferFunctionType>BOGUS</PzTransferFunctionType>"
	                      "</PolesZeros></Stage></Response></Channel>" TAIL,
	            STRATA_ESCHEMA, "PzTransferFunctionType", "BOGUS");
	expect_fail(HEAD CHAN "<Response><Stage number=\"1\"><PolesZeros>"
	                      "<PzTransferFunctionType>LAPLACE (HERTZ)</PzTransferFunctionType>"
	                      "<NormalizationFactor>1</NormalizationFactor>"
	                      "<NormalizationFrequency>1</NormalizationFrequency>"
	                      "<Pole><Real>1e999</Real><Imaginary>0</Imaginary></Pole>"
	                      "</PolesZeros></Stage></Response></Channel>" TAIL,
	            STRATA_EPARSE, "Pole/Real", "1e999");
	expect_fail(HEAD CHAN "<Response><Stage number=\"1\"><FIR><Symmetry>ODD</Symmetry>"
	                      "<NumeratorCoefficient>0.5x</NumeratorCoefficient>"
	                      "</FIR></Stage></Response></Channel>" TAIL,
	            STRATA_EPARSE, "FIR/NumeratorCoefficient", "0.5x");
	expect_fail(HEAD CHAN "<Response><Stage number=\"1\"><Coefficients>"
	                      "<CfTransferFunctionType>DIGITAL</CfTransferFunctionType>"
	                      "<Numerator>1</Numerator></Coefficients><Decimation>"
	                      "<InputSampleRate>0</InputSampleRate><Factor>1</Factor></Decimation>"
	                      "</Stage></Response></Channel>" TAIL,
	            STRATA_EPARSE, "InputSampleRate", "positive");
	expect_fail(HEAD CHAN
	            "<Response><Stage number=\"1\"><Coefficients>"
	            "<CfTransferFunctionType>DIGITAL</CfTransferFunctionType></Coefficients>"
	            "<Decimation><InputSampleRate>10</InputSampleRate><Factor>2.5</Factor>"
	            "</Decimation></Stage></Response></Channel>" TAIL,
	            STRATA_EPARSE, "Decimation/Factor", "integer");
	expect_fail(HEAD CHAN "<Response><Stage number=\"1\"><Coefficients>"
	                      "<CfTransferFunctionType>DIGITAL</CfTransferFunctionType>"
	                      "<Numerator>1</Numerator><Numerator>2</Numerator></Coefficients>"
	                      "<Decimation><InputSampleRate>10</InputSampleRate><Factor>1</Factor>"
	                      "<Delay>soon</Delay></Decimation></Stage></Response></Channel>" TAIL,
	            STRATA_EPARSE, "bad.xml:7: Decimation/Delay", "soon");
	expect_fail(HEAD "<Channel code=\"A\" startDate=\"yesterday\"></Channel>" TAIL,
	            STRATA_EPARSE, "Channel@startDate", "yesterday");
}

/* More poles than SX_MAX_POLES is refused before allocating. */
static void test_huge_count(void **state)
{
	const char *pole = "<Pole><Real>-1</Real><Imaginary>0</Imaginary></Pole>";
	size_t n = SX_MAX_POLES + 1, plen = strlen(pole);
	const char *pre =
	    HEAD CHAN "<Response><Stage number=\"1\"><PolesZeros>"
	              "<PzTransferFunctionType>LAPLACE (HERTZ)</PzTransferFunctionType>"
	              "<NormalizationFactor>1</NormalizationFactor>"
	              "<NormalizationFrequency>1</NormalizationFrequency>";
	const char *post = "</PolesZeros></Stage></Response></Channel>" TAIL;
	char *xml = malloc(strlen(pre) + n * plen + strlen(post) + 1), *p;

	(void)state;
	assert_non_null(xml);
	p = xml + strlen(strcpy(xml, pre));
	for (size_t i = 0; i < n; i++, p += plen)
		memcpy(p, pole, plen);
	strcpy(p, post);
	expect_fail(xml, STRATA_ELIMIT, "Pole", "exceed the limit");
	free(xml);
}

/* Entities are neither expanded nor fetched: "billion laughs" is refused (by
 * libxml2's loop/amplification checks, or as a non-number) and an external
 * entity yields a number error, not a file read. */
static void test_entities(void **state)
{
	const char *laughs =
	    "<?xml version=\"1.0\"?>\n<!DOCTYPE FDSNStationXML [\n"
	    "<!ENTITY a \"1234567890\">\n<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">\n"
	    "<!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">\n"
	    "<!ENTITY d \"&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;\">\n"
	    "<!ENTITY e \"&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;\">\n"
	    "<!ENTITY f \"&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;\">\n]>\n"
	    "<FDSNStationXML><Network code=\"N\"><Station code=\"S\">"
	    "<Latitude>&f;</Latitude><Longitude>2</Longitude><Elevation>3</Elevation>"
	    "</Station></Network></FDSNStationXML>";
	const char *ext = "<?xml version=\"1.0\"?>\n<!DOCTYPE r [\n"
	                  "<!ENTITY x SYSTEM \"file:///etc/hostname\">\n]>\n"
	                  "<FDSNStationXML><Network code=\"N\"><Station code=\"S\">"
	                  "<Latitude>&x;</Latitude><Longitude>2</Longitude><Elevation>3</Elevation>"
	                  "</Station></Network></FDSNStationXML>";

	(void)state;
	expect_fail(laughs, STRATA_EPARSE, "bad.xml:", NULL);
	expect_fail(ext, STRATA_EPARSE, "Station/Latitude", "expected a number");
}

static void test_missing_file(void **state)
{
	struct sx_inventory inv;

	(void)state;
	assert_int_equal(sx_parse_file("/nonexistent/x.xml", &inv), STRATA_ENOTFOUND);
	assert_non_null(strstr(strata_error_message(), "/nonexistent/x.xml"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_im_il31),     cmocka_unit_test(test_td03),
	    cmocka_unit_test(test_iris_and_ci), cmocka_unit_test(test_minimal_and_no_namespace),
	    cmocka_unit_test(test_hostile),     cmocka_unit_test(test_huge_count),
	    cmocka_unit_test(test_entities),    cmocka_unit_test(test_missing_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
