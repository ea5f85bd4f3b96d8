#!/bin/sh
# `strata noise` catalog commands end to end: add-seismic-data on the shared
# data (re-run is a no-op), add-inventory with component pairs checked
# against an independent Python reference of Noiz's rules, add-timespans,
# add-params on Noiz's example files, bad input, and two concurrent
# add-seismic-data runs that neither lose nor duplicate rows (SQLite, and
# PostgreSQL when STRATA_TEST_PG_URL is set).
set -u
STRATA="${STRATA:?set STRATA to the strata binary}"
. "$(dirname "$0")/../lib.sh"
require_testdata seismic/noisepy/CICCA__BHN___2022002.ms
here=$(cd "$(dirname "$0")" && pwd)
data=$(testdata seismic)

tmp=$(mktemp -d /tmp/strata-noise-catalog-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
cat="$tmp/catalog.db"
N() { "$STRATA" noise "$@" --catalog "$cat"; }
# sql DB QUERY: the first column of the first row, via Python's sqlite3.
sql() {
	python3 -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchone()[0])' "$1" "$2"
}
expect_sql() {
	got=$(sql "$cat" "$1")
	if [ "$got" = "$2" ]; then pass; else fail "$1: got $got, expected $2"; fi
}

# --- ingest ------------------------------------------------------------------
run N add-seismic-data "$data" --json
expect_status 0
expect_stdout_is '{"files":31,"indexed":10,"unchanged":0,"skipped":21,"failed":0,"segments":35,"gaps":3,"records":14260,"bytes":7301120}\n'
run N add-seismic-data "$data" --json
expect_status 0
expect_stdout_contains '"indexed":0,"unchanged":10,'
expect_sql "SELECT COUNT(*) FROM mseed_segment" 35
expect_sql "SELECT nsamples FROM mseed_segment WHERE station = 'HEC'" 3456000
expect_sql "SELECT COUNT(*) FROM mseed_segment WHERE gap_before_ns IS NOT NULL" 3
run N add-seismic-data "$data/noisepy" --glob '*LHZ*' --json
expect_stdout_contains '"files":4,'
run N add-seismic-data "$tmp/nope"
expect_status 1
expect_one_line_error "strata noise add-seismic-data:" "nope"
run N add-seismic-data
expect_status 2

# --- inventory and pairs against the Python reference ---------------------------
run N add-inventory "$data/noisepy/CI_CCA.xml" "$data/noisepy/CI_HEC.xml" "$data/noisepy/CI_YAQ.xml"
expect_status 0
expect_stdout_contains "3 stations"
expect_stdout_contains "inter-station"
python3 "$here/pairs_reference.py" stationxml "$tmp/syn.xml" 40 7
run N add-inventory "$tmp/syn.xml" --json
expect_status 0
expect_stdout_contains '"components":82,'
run python3 "$here/pairs_reference.py" check "$cat"
expect_status 0
expect_stdout_contains ", 0 differences,"
run N add-component-pairs --json
expect_status 0
expect_sql "SELECT COUNT(*) FROM component_pair" "$(sql "$cat" "SELECT COUNT(*) FROM component_pair")"
before=$(sql "$cat" "SELECT COUNT(*) || '/' || MIN(id) FROM component_pair")
run N add-inventory "$tmp/syn.xml"
expect_sql "SELECT COUNT(*) || '/' || MIN(id) FROM component_pair" "$before"
printf '<FDSNStationXML><Network code="XX">' >"$tmp/bad.xml"
run N add-inventory "$tmp/bad.xml"
expect_status 1
expect_one_line_error "strata noise add-inventory:" "bad.xml"

# --- timespans -------------------------------------------------------------------
run N add-timespans --start 2022-01-02 --end 2022-01-03 --window-length 1800 --json
expect_status 0
expect_stdout_is '{"timespans":48,"new":48}\n'
run N add-timespans --start 2022-01-02 --end 2022-01-03 --window-length 1800 --overlap 600 --generate-over-midnight
expect_stdout_is '72 timespans (48 new)\n' # 24 share start and end with the first set
run N add-timespans --start 2022-01-02 --end 2022-01-03 --window-length 1800
expect_stdout_is '48 timespans (0 new)\n'
expect_sql "SELECT COUNT(*) FROM timespan" 96
run N add-timespans --start 2022-01-02 --end 2022-01-03 --window-length 1800 --overlap 1800
expect_status 1
expect_one_line_error "overlap"
run N add-timespans --start 2022-13-02 --end 2022-01-03 --window-length 1800
expect_status 2
run N add-timespans --start 2022-01-02 --end 2022-01-03 --window-length x
expect_status 2

# --- parameter sets -----------------------------------------------------------------
run N add-params "$data"/noiz/config_examples/*.toml
expect_status 0
expect_stdout_contains "datachunk_params.toml: DatachunkParams 1"
expect_stdout_contains "crosscorrelation_params.toml: CrosscorrelationCartesianParams 1"
expect_sql "SELECT COUNT(*) FROM param_set" 11
printf '[DatachunkParams]\nsampling_rate = 24\nsampling_rat = 1\n' >"$tmp/typo.toml"
run N add-params "$tmp/typo.toml"
expect_status 1
expect_one_line_error "typo.toml:3: DatachunkParams.sampling_rat: unknown key"

# --- two concurrent runs -----------------------------------------------------------
mkdir -p "$tmp/tree/a" "$tmp/tree/b"
i=0
while [ $i -lt 40 ]; do
	cp "$data/noisepy/BKTHIS_LHZ00_2022002.ms" "$tmp/tree/a/f$i.ms"
	cp "$data/obspy/gaps.mseed" "$tmp/tree/b/g$i.mseed"
	i=$((i + 1))
done
# concurrent URL: run two ingests at once, wait for both; both must succeed.
concurrent() {
	"$STRATA" noise add-seismic-data "$tmp/tree" --catalog "$1" --workers 2 --json >"$tmp/r1" 2>"$tmp/e1" &
	p1=$!
	"$STRATA" noise add-seismic-data "$tmp/tree" --catalog "$1" --workers 2 --json >"$tmp/r2" 2>"$tmp/e2" &
	p2=$!
	s1=0; s2=0
	wait $p1 || s1=$?
	wait $p2 || s2=$?
	# shellcheck disable=SC2034 # read by fail and pass in lib.sh
	CURRENT="concurrent add-seismic-data on $2"
	if [ $s1 -eq 0 ] && [ $s2 -eq 0 ]; then pass; else
		fail "exit statuses $s1 and $s2: $(cat "$tmp/e1" "$tmp/e2" | head -5)"
	fi
}
concurrent "$tmp/conc.db" SQLite
got=$(sql "$tmp/conc.db" "SELECT (SELECT COUNT(*) FROM mseed_file) || '/' || (SELECT COUNT(*) FROM mseed_segment) || '/' || (SELECT COUNT(DISTINCT file_id || ':' || seq) FROM mseed_segment)")
if [ "$got" = "80/200/200" ]; then pass; else fail "SQLite after concurrent runs: $got, expected 80/200/200"; fi

if [ -n "${STRATA_TEST_PG_URL:-}" ] && command -v psql >/dev/null 2>&1; then
	schema="noise_conc_$$"
	psql -q "$STRATA_TEST_PG_URL" -c "CREATE SCHEMA $schema" >/dev/null
	case "$STRATA_TEST_PG_URL" in *\?*) sep='&' ;; *) sep='?' ;; esac
	url="$STRATA_TEST_PG_URL${sep}options=-c%20search_path%3D$schema"
	concurrent "$url" PostgreSQL
	got=$(psql -qtA "$STRATA_TEST_PG_URL" -c "SET search_path = $schema; SELECT (SELECT COUNT(*) FROM mseed_file) || '/' || (SELECT COUNT(*) FROM mseed_segment) || '/' || (SELECT COUNT(DISTINCT file_id || ':' || seq) FROM mseed_segment)" | tail -1)
	if [ "$got" = "80/200/200" ]; then pass; else fail "PostgreSQL after concurrent runs: $got, expected 80/200/200"; fi
	psql -q "$STRATA_TEST_PG_URL" -c "DROP SCHEMA $schema CASCADE" >/dev/null 2>&1
else
	echo "SKIPPED: concurrent runs on PostgreSQL (STRATA_TEST_PG_URL not set)"
fi

finish
