# lib_noise.sh - helpers of the noise shell tests (POSIX sh), sourced after
# lib.sh by tests/noise/*.sh.
#   noise_require_day         exit 77 (skipped) without the real day's data;
#                             seismic: the shared seismic folder, absolute
#   noise_tmp NAME            tmp: a fresh directory /tmp/strata-noise-NAME-XXXXXX,
#                             removed on exit with pg_schema's schema; the
#                             noise environment variables unset
#   N ARGS...                 run strata noise ARGS... --catalog "$CAT"
#   noise_day_catalog [DIR]   (after noise_require_day) fill $CAT with the real
#                             CI.CCA / CI.HEC BHN day (2022-01-02, 40 Hz): the
#                             data of DIR (default the shared noisepy folder),
#                             both inventories, 48 timespans of 1800 s and
#                             Noiz's example datachunk_params.toml, each step
#                             checked
#   stage_summary STAGE N...  the --json summary line of STAGE with the counts
#                             selected, done, existing, no_data, failed
#   NOISE_CHUNK_ROWS          SQL: "id filepath" of every datachunk, by
#                             station, component and window start
# shellcheck shell=sh

noise_require_day() {
	require_testdata seismic/noisepy/CICCA__BHN___2022002.ms
	# shellcheck disable=SC2034 # read by the tests
	seismic=$(cd "$(testdata seismic)" && pwd)
}

noise_tmp() {
	tmp=$(mktemp -d "/tmp/strata-noise-$1-XXXXXX")
	trap 'pg_schema_drop; rm -rf "$tmp"' EXIT
	unset STRATA_NOISE_PROJECT PROCESSED_DATA_DIR STRATA_NOISE_CATALOG
}

N() { run "$STRATA" noise "$@" --catalog "$CAT"; }

# shellcheck disable=SC2120 # DIR is optional
noise_day_catalog() {
	N data add-seismic-data "${1:-$seismic/noisepy}" --glob '*BHN*'
	expect_status 0
	N data add-inventory "$seismic/noisepy/CI_CCA.xml" "$seismic/noisepy/CI_HEC.xml"
	expect_status 0
	N data add-timespans -sd 2022-01-02 -ed 2022-01-03 -wl 1800
	expect_stdout_is '48 timespans (48 new)\n'
	N configs add-params "$seismic/noiz/config_examples/datachunk_params.toml"
	expect_status 0
}

stage_summary() {
	printf '{"stage":"%s","selected":%s,"done":%s,"existing":%s,"no_data":%s,"failed":%s}\\n' "$@"
}

# shellcheck disable=SC2034 # read by the tests that source this file
NOISE_CHUNK_ROWS="SELECT d.id || ' ' || d.filepath FROM datachunk d JOIN component c ON c.id = d.component_id
 JOIN timespan t ON t.id = d.timespan_id ORDER BY c.station, c.component, t.starttime_ns"
