#!/bin/sh
# pipeline.sh - Noiz's pipeline end to end on the real CI.CCA / CI.HEC day
# (2022-01-02, BHN, 40 Hz), with Noiz's command spellings, on SQLite and on
# PostgreSQL (a fresh schema under $STRATA_TEST_PG_URL; skipped without it,
# failed under CI): ingest, inventory, 1800 s timespans, parameter files,
# datachunks, statistics, QC-one and PSDs, then the two plots. Checks exact
# row counts, that both backends give the same counts and byte-identical
# chunk files, and that re-running every stage (with and without
# --skip-existing) changes no count.
set -u
STRATA="${STRATA:?set STRATA to the strata binary}"
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../lib_noise.sh"
noise_require_day
src="${STRATA_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}"
examples="$seismic/noiz/config_examples"

noise_tmp pipeline
dates="-sd 2022-01-02 -ed 2022-01-03"


# N ARGS...: strata noise on the current backend (the catalog $CAT as
# $STRATA_NOISE_CATALOG, and $PROCESSED_DATA_DIR, set for each backend).
N() { run "$STRATA" noise "$@"; }

# stages [OPTION]: every processing stage over the day (the OPTION, e.g.
# --no-skip-existing, given to each), expecting exit status 0.
stages() {
	for s in prepare_datachunks calc_datachunk_stats run_qcone run_ppsd; do
		# shellcheck disable=SC2086 # $dates is two options
		N processing "$s" $dates -p 1 "$@"
		expect_status 0
	done
}

# pipeline: the whole pipeline on the current backend.
pipeline() {
	N data add_seismic_data "$seismic/noisepy" -fp '*BHN*'
	expect_status 0
	expect_stdout_contains "2 files: 2 indexed"
	N data add_inventory "$seismic/noisepy/CI_CCA.xml" "$seismic/noisepy/CI_HEC.xml"
	expect_status 0
	# shellcheck disable=SC2086
	N data add_timespans $dates -wl 1800
	expect_stdout_is '48 timespans (48 new)\n'
	N configs add_datachunk_params -f "$examples/datachunk_params.toml" --add_to_db
	expect_status 0
	N configs add_qcone_config -f "$src/demo/noise/qcone_2022.toml" --add_to_db
	expect_status 0
	N configs add_ppsd_params -f "$examples/ppsd_params.toml" --add_to_db
	expect_status 0
	stages
	# shellcheck disable=SC2086
	N plot average_psd $dates -p 1 -pp "$PROCESSED_DATA_DIR/average_psd.png"
	expect_status 0
	is_png "$PROCESSED_DATA_DIR/average_psd.png"
	# shellcheck disable=SC2086
	N plot spectrogram $dates -p 1 -pp "$PROCESSED_DATA_DIR/spectrograms"
	expect_status 0
	for sta in CCA HEC; do
		is_png "$PROCESSED_DATA_DIR/spectrograms/spectrogram_CI.$sta.N_2022-01-02_2022-01-03.png"
	done
}

# is_png FILE: FILE starts with the PNG signature.
is_png() {
	if [ "$(head -c 8 "$1" 2>/dev/null | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ]; then
		pass
	else
		fail "$1 is not a PNG file"
	fi
}

COUNTS="SELECT (SELECT COUNT(*) FROM mseed_segment) || '/' || (SELECT COUNT(*) FROM component)
 || '/' || (SELECT COUNT(*) FROM component_pair) || '/' || (SELECT COUNT(*) FROM timespan)
 || '/' || (SELECT COUNT(*) FROM param_set) || ' dc=' || (SELECT COUNT(*) FROM datachunk)
 || ' stats=' || (SELECT COUNT(*) FROM datachunk_stats)
 || ' qc=' || (SELECT COUNT(*) FROM qcone_result)
 || ' passed=' || (SELECT COALESCE(SUM(passed), 0) FROM qcone_result)
 || ' psd=' || (SELECT COUNT(*) FROM psd_result)"
# The chunk files in a fixed order (station, component, window start).
CHUNKS="SELECT d.filepath FROM datachunk d JOIN component c ON c.id = d.component_id
 JOIN timespan t ON t.id = d.timespan_id ORDER BY c.station, c.component, t.starttime_ns"

# The counts expected: 2 segments, components, 3 pairs, 48 windows, 3
# parameter sets; a datachunk per component and window, each with
# statistics, a QC-one decision and a PSD. 88 pass: the 8 windows of CI.HEC N
# touching the rejected 06:00-09:00 of demo/noise/qcone_2022.toml (05:30-06:00
# ... 09:00-09:30, edges inclusive) fail.
exp_dc=96
expected="2/2/3/48/3 dc=96 stats=96 qc=96 passed=88 psd=96"

# check_backend NAME: the counts are the expected ones, stay so when every
# stage runs again (skipping existing results, then recomputing them), and
# the chunk files are listed in $tmp/NAME.chunks.
check_backend() {
	CURRENT="$1: counts after the pipeline"
	got=$(query "$COUNTS")
	if [ "$got" = "$expected" ]; then pass; else fail "got $got, expected $expected"; fi
	stages
	stages --no-skip-existing
	CURRENT="$1: counts after re-running every stage twice"
	again=$(query "$COUNTS")
	if [ "$again" = "$got" ]; then pass; else fail "got $again, first run $got"; fi
	query "$CHUNKS" >"$tmp/$1.chunks"
	n=$(wc -l <"$tmp/$1.chunks")
	if [ "$n" -eq "$exp_dc" ]; then pass; else fail "$n chunk files listed, expected $exp_dc"; fi
	while read -r f; do
		[ -s "$f" ] || { fail "chunk file $f missing or empty"; break; }
	done <"$tmp/$1.chunks"
}

# --- SQLite ---------------------------------------------------------------------
CAT="$tmp/sqlite.db"
STRATA_NOISE_CATALOG=$CAT
PROCESSED_DATA_DIR="$tmp/sqlite-processed"
export STRATA_NOISE_CATALOG PROCESSED_DATA_DIR
pipeline
check_backend sqlite
sqlite_counts=$got

# --- PostgreSQL -----------------------------------------------------------------
if ! pg_schema "noise_pipeline_$$" "the pipeline on PostgreSQL"; then
	finish
	exit $?
fi
CAT=$PG_URL
STRATA_NOISE_CATALOG=$CAT
PROCESSED_DATA_DIR="$tmp/pg-processed"
pipeline
check_backend pg
CURRENT="SQLite and PostgreSQL give the same counts"
if [ "$got" = "$sqlite_counts" ]; then pass; else fail "PostgreSQL $got, SQLite $sqlite_counts"; fi
# shellcheck disable=SC2034 # read by fail in lib.sh
CURRENT="SQLite and PostgreSQL give identical chunk files"
paste "$tmp/sqlite.chunks" "$tmp/pg.chunks" >"$tmp/pairs"
differ=0
while read -r a b; do
	cmp -s "$a" "$b" || differ=$((differ + 1))
done <"$tmp/pairs"
if [ "$differ" -eq 0 ]; then pass; else fail "$differ chunk files differ"; fi
finish
