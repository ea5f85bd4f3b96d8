#!/bin/sh
# `strata noise` catalog commands end to end: add-seismic-data on the shared
# data (re-run is a no-op), add-inventory with component pairs checked
# against an independent Python reference of Noiz's rules, add-timespans,
# add-params on Noiz's example files, Noiz's spellings of the data commands
# and every configs add-<kind> on its example files, bad input, and two concurrent
# add-seismic-data runs that neither lose nor duplicate rows (SQLite, and
# PostgreSQL when STRATA_TEST_PG_URL is set).
set -u
STRATA="${STRATA:?set STRATA to the strata binary}"
. "$(dirname "$0")/../lib.sh"
require_testdata seismic/noisepy/CICCA__BHN___2022002.ms
here=$(cd "$(dirname "$0")" && pwd)
data=$(testdata seismic)

tmp=$(mktemp -d /tmp/strata-noise-catalog-XXXXXX)
trap 'pg_schema_drop; rm -rf "$tmp"' EXIT
CAT="$tmp/catalog.db"
N() { "$STRATA" noise "$@" --catalog "$CAT"; }

# --- ingest ------------------------------------------------------------------
run N add-seismic-data "$data" --json
expect_status 0
expect_stdout_is '{"files":31,"indexed":10,"unchanged":0,"skipped":21,"failed":0,"segments":35,"gaps":3,"records":14260,"bytes":7301120}\n'
run N add-seismic-data "$data" --json
expect_status 0
expect_stdout_contains '"indexed":0,"unchanged":10,'
expect_query "SELECT COUNT(*) FROM mseed_segment" 35
expect_query "SELECT nsamples FROM mseed_segment WHERE station = 'HEC'" 3456000
expect_query "SELECT COUNT(*) FROM mseed_segment WHERE gap_before_ns IS NOT NULL" 3
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
run python3 "$here/pairs_reference.py" check "$CAT"
expect_status 0
expect_stdout_contains ", 0 differences,"
run N add-component-pairs --json
expect_status 0
expect_query "SELECT COUNT(*) FROM component_pair" "$(query "SELECT COUNT(*) FROM component_pair")"
before=$(query "SELECT COUNT(*) || '/' || MIN(id) FROM component_pair")
run N add-inventory "$tmp/syn.xml"
expect_query "SELECT COUNT(*) || '/' || MIN(id) FROM component_pair" "$before"
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
expect_query "SELECT COUNT(*) FROM timespan" 96
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
expect_query "SELECT COUNT(*) FROM param_set" 11
printf '[DatachunkParams]\nsampling_rate = 24\nsampling_rat = 1\n' >"$tmp/typo.toml"
run N add-params "$tmp/typo.toml"
expect_status 1
expect_one_line_error "typo.toml:3: DatachunkParams.sampling_rat: unknown key"

# --- Noiz's spellings ----------------------------------------------------------------
run N data add_seismic_data "$data/noisepy" -fp '*LHZ*' --no_parallel --json
expect_status 0
expect_stdout_contains '"files":4,'
run N data add-seismic-data "$data/noisepy" --filename_pattern '*LHZ*' --parallel --json
expect_stdout_contains '"files":4,"indexed":0,'
run N data add_seismic_data "$data/noisepy" -fp '*LHZ*' --bogus
expect_status 2
expect_one_line_error "strata noise add_seismic_data: unknown option --bogus"
run N data add_inventory -t stationxml --cp_optimization "$data/noisepy/CI_CCA.xml"
expect_status 0
expect_stdout_contains "1 stations"
run N data add-inventory --filetype dataless "$data/noisepy/CI_CCA.xml"
expect_status 2
expect_one_line_error "stationxml only"
run N data add_timespans -sd 2022-01-02 -ed 2022-01-03 --window_length 1800 --add_to_db
expect_status 0
expect_stdout_is '48 timespans (0 new)\n'
run N data add-timespans --startdate 2022-01-02 --enddate 2022-01-03 -wl 1800 -wo 600 --generate_over_midnight --no-bulk-insert
expect_stdout_is '72 timespans (0 new)\n'
run N data add-timespans -sd 2022-01-02 -ed 2022-01-03 -wo 600
expect_status 2
expect_one_line_error "-wl/--window-length"
expect_query "SELECT COUNT(*) FROM timespan" 96

# --- configs add-<kind>: every example through its own command ----------------------------
cfg="$tmp/configs.db"
ex="$data/noiz/config_examples"
C() { "$STRATA" noise configs "$@" --catalog "$cfg"; }
# add_config COMMAND FILE KIND NUMBER: the file registers as KIND number NUMBER.
add_config() {
	run C "$1" -f "$ex/$2" --add_to_db
	expect_status 0
	expect_stdout_contains "$ex/$2: $3 $4 ("
}
add_config add-datachunk-params datachunk_params.toml DatachunkParams 1
add_config add_processed_datachunk_params processed_datachunk_params.toml ProcessedDatachunkParams 1
add_config add-crosscorrelation-cartesian-params crosscorrelation_cartesian_params.toml CrosscorrelationCartesianParams 1
add_config add_crosscorrelation_cartesian_params crosscorrelation_params.toml CrosscorrelationCartesianParams 1
add_config add-crosscorrelation-cylindrical-params crosscorrelation_cylindrical_param.toml CrosscorrelationCylindricalParams 1
add_config add_beamforming_params beamforming_params.toml BeamformingParams 1
add_config add-ppsd-params ppsd_params.toml PPSDParams 1
add_config add_ppsd_params ppsd_params_resampled.toml PPSDParams 2
add_config add-qcone-config QCOneConfig.toml QCOne 1
add_config add_qcone_config QCOneConfig_without_rejected_times.toml QCOne 2
add_config add-qctwo-config QCTwoConfig.toml QCTwo 1
add_config add_stacking_schema stacking_schema.toml StackingSchema 1
run C add-datachunk-params -f "$ex/datachunk_params.toml" --json
expect_stdout_contains '"kind":"DatachunkParams","number":1,'
expect_stdout_contains '"created":false}'
got=$(query_at "$cfg" "SELECT COUNT(*) FROM param_set")
if [ "$got" = 11 ]; then pass; else fail "param_set rows after configs: $got, expected 11"; fi
run C add-qcone-config -f "$ex/datachunk_params.toml"
expect_status 1
expect_one_line_error "strata noise add-qcone-config:" "datachunk_params.toml" "[DatachunkParams], expected [QCOne]"
run C add-event-detection-params --filepath "$ex/ppsd_params.toml"
expect_status 1
expect_one_line_error "[PPSDParams], expected [EventDetectionParams]"
run C add_datachunk_params -f "$tmp/typo.toml"
expect_status 1
expect_one_line_error "typo.toml:3: DatachunkParams.sampling_rat: unknown key"
run C add-datachunk-params
expect_status 2
expect_one_line_error "-f/--filepath FILE is required"
run "$STRATA" noise configs add-datachunk-params -f
expect_status 2
run C add-datachunk-params --help
expect_status 0
expect_stdout_contains "[DatachunkParams] files"

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
got=$(query_at "$tmp/conc.db" "SELECT (SELECT COUNT(*) FROM mseed_file) || '/' || (SELECT COUNT(*) FROM mseed_segment) || '/' || (SELECT COUNT(DISTINCT file_id || ':' || seq) FROM mseed_segment)")
if [ "$got" = "80/200/200" ]; then pass; else fail "SQLite after concurrent runs: $got, expected 80/200/200"; fi

if pg_schema "noise_conc_$$" "concurrent runs on PostgreSQL"; then
	concurrent "$PG_URL" PostgreSQL
	got=$(query_at "$PG_URL" "SELECT (SELECT COUNT(*) FROM mseed_file) || '/' || (SELECT COUNT(*) FROM mseed_segment) || '/' || (SELECT COUNT(DISTINCT file_id || ':' || seq) FROM mseed_segment)")
	if [ "$got" = "80/200/200" ]; then pass; else fail "PostgreSQL after concurrent runs: $got, expected 80/200/200"; fi
fi

finish
