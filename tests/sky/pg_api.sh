#!/bin/sh
# pg_api.sh - the API answers byte for byte the same on SQLite and on
# PostgreSQL for one catalog: lists, details and light curves, including
# numbers that need 17 digits or an exponent, -0, NULLs and escaped text (the
# PostgreSQL path copies the server's number text instead of converting it).
# Needs $STRATA_TEST_PG_URL (skipped otherwise, failed under CI) and sqlite3.
. "$STRATA_SOURCE_DIR/tests/lib.sh"
if [ -z "${STRATA_TEST_PG_URL:-}" ] || ! command -v psql >/dev/null; then
	if [ "${CI:-}" = true ] || [ "${CI:-}" = 1 ]; then
		echo "FAIL: STRATA_TEST_PG_URL or psql missing under CI"; exit 1
	fi
	echo "SKIPPED: STRATA_TEST_PG_URL not set"; exit 77
fi
command -v curl >/dev/null || { echo "SKIPPED: curl not installed"; exit 77; }
command -v sqlite3 >/dev/null || { echo "SKIPPED: sqlite3 not installed"; exit 77; }
schema="sky_pgapi_$$"
dir=$(mktemp -d /tmp/strata-sky-pgapi-XXXXXX)
pids=""
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	psql -q "$STRATA_TEST_PG_URL" -c "DROP SCHEMA IF EXISTS $schema CASCADE" >/dev/null 2>&1
	rm -rf "$dir"
}
trap cleanup EXIT
psql -q "$STRATA_TEST_PG_URL" -c "CREATE SCHEMA $schema" >/dev/null || { echo "FAIL: no schema"; exit 1; }
case "$STRATA_TEST_PG_URL" in *\?*) sep='&' ;; *) sep='?' ;; esac
pg="$STRATA_TEST_PG_URL${sep}options=-c%20search_path%3D$schema"

# Rows whose values are awkward to print, computed in IEEE doubles by both
# engines (decimal literals would be exact NUMERIC on PostgreSQL): 0.1 + 0.2,
# 1/3, 2/3 * 1e-7, large and tiny magnitudes, NULLs, quotes, backslashes, a tab
# and non-ASCII text. (SQLite stores -0.0 as 0, so -0 is not compared.)
d() { echo "CAST($1 AS DOUBLE PRECISION)"; }
extra="INSERT INTO images (path, ms_id, type, format, beam_major_arcsec, beam_minor_arcsec,
  beam_pa_deg, noise_jy, dynamic_range, pb_corrected, field, ra_deg, dec_deg, size_x, size_y,
  cell_arcsec, freq_hz, bandwidth_hz, integration_s, qa_grade, created_at) VALUES
 ('/x/\"q\" \\\\ é.fits', 1, 'image', 'fits', $(d 0.1) + $(d 0.2), $(d 1) / $(d 3),
  $(d -45.125), $(d 2) / $(d 3) * $(d 1e-7), $(d 1e20), 1, 'tab	here', $(d 359.99999999999994),
  $(d -89.5), 1, 2, $(d 1e-5), $(d 1405000000.5), $(d 1e15), $(d 123456789012345680),
  NULL, $(d 1800000000.25)),
 ('/x/nulls.fits', NULL, 'image', 'fits', NULL, NULL, NULL, NULL, NULL, 0, NULL, NULL, NULL,
  NULL, NULL, NULL, NULL, NULL, NULL, 'poor', 1800000001);
INSERT INTO photometry (source_id, image_id, ra_deg, dec_deg, peak_jy, peak_err_jy, int_jy,
  int_err_jy, snr, mjd, local_rms_jy, flags) VALUES
 (2, NULL, $(d 0.1) * $(d 3), NULL, $(d 1) / $(d 7), $(d 1e-9), $(d -2.5e-10), $(d 0), $(d 1e300),
  $(d 60000.123456789), $(d 5e-324), 3);"

for cat in "$dir/sky.db" "$pg"; do
	run "$STRATA" sky seed --catalog "$cat" --ms 5 --images 30 --sources 3 --photometry 60
	expect_status 0
done
sqlite3 "$dir/sky.db" "$extra" || fail "sqlite3 insert"
psql -q "$pg" -c "$extra" >/dev/null || fail "psql insert"

# start CATALOG: a server on a free port; its base URL in $base
start() {
	n=$((n + 1))
	cat >"$dir/sky$n.toml" <<EOT
catalog = "$1"
[server]
read_open = true
threads = 4
pool_size = 2
EOT
	"$STRATA" sky serve --config "$dir/sky$n.toml" --port 0 >"$dir/serve$n.out" 2>"$dir/serve$n.err" &
	pids="$pids $!"
	port=$(listening_port "$dir/serve$n.out" "$dir/serve$n.err") ||
		{ echo "FAIL: server did not start"; exit 1; }
	base="http://127.0.0.1:$port"
}
n=0
start "$dir/sky.db"
lite=$base
start "$pg"
post=$base

# same PATH STATUS: both backends answer PATH with STATUS and the same body
same() {
	CURRENT="GET $1"
	a=$(curl -s -o "$dir/a.json" -w '%{http_code}' "$lite$1")
	b=$(curl -s -o "$dir/b.json" -w '%{http_code}' "$post$1")
	if [ "$a $b" != "$2 $2" ]; then
		fail "HTTP $a (SQLite) and $b (PostgreSQL), expected $2"
	elif cmp -s "$dir/a.json" "$dir/b.json"; then
		pass
	else
		fail "bodies differ: $(head -c 300 "$dir/a.json") VERSUS $(head -c 300 "$dir/b.json")"
	fi
}

same "/api/v1/images?limit=1000" 200
same "/api/v1/images?limit=2" 200
same "/api/v1/images/31" 200
same "/api/v1/images/32" 200
same "/api/v1/images?limit=5&offset=3&qa_grade=good" 200
same "/api/v1/ms?limit=10" 200
same "/api/v1/sources" 200
same "/api/v1/sources/1/lightcurve" 200
same "/api/v1/sources/2/lightcurve?limit=3&offset=1" 200
same "/api/v1/sources/2/lightcurve?start_mjd=59999.5&end_mjd=60000.2" 200
same "/api/v1/sources/2/lightcurve?start_mjd=70000" 200
same "/api/v1/sources/999/lightcurve" 404
same "/api/v1/sources/2/variability" 200

# The awkward row itself, checked against the exact text expected.
CURRENT="image 31 numbers"
curl -s "$post/api/v1/images/31" >"$OUT"
for s in '"beam_major_arcsec":0.30000000000000004' '"beam_minor_arcsec":0.3333333333333333' \
	'"beam_pa_deg":-45.125,' '"noise_jy":6.666666666666665e-08' '"dynamic_range":1e+20' \
	'"pb_corrected":true' '"field":"tab\there"' '"ra_deg":359.99999999999994' \
	'"freq_hz":1405000000.5' '"qa_grade":null' '"created_at":1800000000.25' \
	'"path":"/x/\"q\" \\\\ é.fits"' '"cell_arcsec":0.00001,' \
	'"bandwidth_hz":1000000000000000,' '"integration_s":1.2345678901234568e+17,'; do
	expect_stdout_contains "$s"
done
CURRENT="empty range of an existing source"
curl -s "$post/api/v1/sources/2/lightcurve?start_mjd=70000" >"$OUT"
expect_stdout_is '{"items":[],"limit":1000,"offset":0,"count":0,"has_more":false}'
CURRENT="unknown source"
curl -s "$post/api/v1/sources/999/lightcurve" >"$OUT"
expect_stdout_contains '"error":"not_found"'
finish
