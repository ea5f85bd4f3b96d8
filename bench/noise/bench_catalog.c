/*
 * bench_catalog.c - throughput of the noise catalog stages.
 *
 * Prints one line per figure: add-seismic-data on a tree of 200 links to the
 * real CI.CCA day file (768 MB, 1.5 M records; skipped without the shared
 * data), first run and the no-op re-run; timespan generation and upserts;
 * component pairs of 300 synthetic components. Everything on SQLite in a
 * temporary directory.
 */
#include "noise/catalog.h"
#include "noise/ingest.h"
#include "noise/inventory.h"
#include "noise/timespan.h"
#include "strata/db.h"
#include "strata/error.h"
#include "strata/file.h"
#include "strata/time.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NLINKS 200

static double seconds_since(int64_t start)
{
	return (double)(strata_time_monotonic_ns() - start) / 1e9;
}

static void report(const char *what, double count, double seconds, const char *unit)
{
	printf("%-36s %12.0f %s/s  (%.0f in %.3f s)\n", what, count / seconds, unit, count,
	       seconds);
}

static void die(const char *what)
{
	fprintf(stderr, "bench_catalog: %s: %s\n", what, strata_error_message());
	exit(1);
}

/* The shared day file ($STRATA_TESTDATA, else ../shared/data from the
 * working directory, the repository root under `make bench`), or NULL. */
static const char *day_file(char *buf, size_t len)
{
	const char *root = getenv("STRATA_TESTDATA");

	snprintf(buf, len, "%s/seismic/noisepy/CICCA__BHN___2022002.ms",
	         root && *root ? root : "../shared/data");
	return access(buf, R_OK) == 0 ? buf : NULL;
}

static void bench_ingest(strata_db *db, const char *dir)
{
	char src[1024], tree[600], link_path[700];
	const char *roots[1];
	noise_ingest_opts opts = {NULL, 0, 0};
	noise_ingest_summary s;
	int64_t start;

	if (!day_file(src, sizeof src)) {
		printf("%-36s skipped (no shared data)\n", "add-seismic-data");
		return;
	}
	snprintf(tree, sizeof tree, "%s/tree", dir);
	if (strata_mkdir_p(tree, 0755) != 0)
		die("mkdir");
	for (int i = 0; i < NLINKS; i++) {
		snprintf(link_path, sizeof link_path, "%s/CCA_%03d.ms", tree, i);
		if (link(src, link_path) != 0 && symlink(src, link_path) != 0)
			die("link");
	}
	roots[0] = tree;
	start = strata_time_monotonic_ns();
	if (noise_ingest(db, roots, 1, &opts, &s) != 0)
		die("ingest");
	double t = seconds_since(start);
	report("add-seismic-data files", (double)s.indexed, t, "files");
	report("add-seismic-data records", (double)s.records, t, "records");
	report("add-seismic-data MB", (double)s.bytes / 1e6, t, "MB");
	start = strata_time_monotonic_ns();
	if (noise_ingest(db, roots, 1, &opts, &s) != 0 || s.unchanged != NLINKS)
		die("re-run");
	report("add-seismic-data re-run (no-op)", (double)s.unchanged, seconds_since(start),
	       "files");
}

static void bench_timespans(strata_db *db)
{
	noise_timespan_spec spec = {0, 0, 600 * STRATA_NS_PER_SEC, 300 * STRATA_NS_PER_SEC, 0};
	noise_timespan *ts = NULL;
	size_t n = 0, inserted = 0;
	int64_t start;

	if (strata_time_parse_iso8601("2020-01-01", &spec.start) ||
	    strata_time_parse_iso8601("2022-01-01", &spec.end))
		die("time");
	start = strata_time_monotonic_ns();
	if (noise_timespans_generate(&spec, &ts, &n) != 0)
		die("timespans");
	report("timespans generate", (double)n, seconds_since(start), "windows");
	start = strata_time_monotonic_ns();
	if (noise_timespans_store(db, ts, n, &inserted) != 0)
		die("timespans store");
	report("timespans upsert (SQLite)", (double)n, seconds_since(start), "rows");
	free(ts);
}

/* 100 stations of 3 components each, then every pair. */
static void bench_pairs(strata_db *db, const char *dir)
{
	char path[600];
	FILE *f;
	noise_inventory_summary is;
	noise_pairs_summary ps;
	int64_t start;

	snprintf(path, sizeof path, "%s/net.xml", dir);
	if (!(f = fopen(path, "w")))
		die("inventory");
	fputs("<FDSNStationXML xmlns=\"http://www.fdsn.org/xml/station/1\" schemaVersion=\"1.1\">"
	      "<Source>bench</Source><Created>2022-01-01T00:00:00Z</Created><Network code=\"SY\">",
	      f);
	for (int i = 0; i < 100; i++) { /* a 10 x 10 grid, 0.1 degree apart */
		int row = i / 10, col = i % 10;
		fprintf(
		    f,
		    "<Station code=\"S%03d\"><Latitude>%.6f</Latitude><Longitude>%.6f</Longitude>"
		    "<Elevation>0</Elevation>",
		    i, 40.0 + col * 0.1, 5.0 + row * 0.1);
		for (int c = 0; c < 3; c++)
			fprintf(f,
			        "<Channel code=\"HH%c\" locationCode=\"\"><Latitude>0</Latitude>"
			        "<Longitude>0</Longitude><Elevation>0</Elevation><Depth>0</Depth>"
			        "</Channel>",
			        "ZNE"[c]);
		fputs("</Station>", f);
	}
	fputs("</Network></FDSNStationXML>\n", f);
	fclose(f);
	if (noise_inventory_add(db, path, &is) != 0)
		die("inventory");
	start = strata_time_monotonic_ns();
	if (noise_pairs_build(db, 0, &ps) != 0)
		die("pairs");
	report("component pairs (300 components)",
	       (double)(ps.autocorrelations + ps.intrastation + ps.interstation),
	       seconds_since(start), "pairs");
}

int main(void)
{
	char dir[] = "/tmp/strata-bench-noise-XXXXXX";
	char url[600];
	strata_db *db = NULL;

	if (!mkdtemp(dir))
		die("mkdtemp");
	snprintf(url, sizeof url, "%s/catalog.db", dir);
	if (noise_catalog_open(url, &db) != 0)
		die("catalog");
	bench_ingest(db, dir);
	bench_timespans(db);
	bench_pairs(db, dir);
	strata_db_close(db);
	strata_remove_tree(dir);
	return 0;
}
