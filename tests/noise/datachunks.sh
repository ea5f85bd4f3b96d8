#!/bin/sh
# datachunks.sh - `strata noise processing prepare-datachunks` on the real
# CI.CCA / CI.HEC BHN day (2022-01-02, 40 Hz) with Noiz's example
# datachunk_params.toml and 48 timespans of 1800 s:
#   - 96 chunks (2 components x 48 windows: the inventories have one channel
#     each, BHN, and both day files cover the whole day), rows == files;
#   - --workers 1 and --workers 2 write byte-identical files;
#   - a re-run with --no-skip-existing upserts (same ids, same row count);
#   - --skip-existing skips rows whose file is there and redoes a lost file;
#   - a day split in two files gives the same chunks (the window across the
#     split reads both files, as a midnight-crossing window reads two days);
#   - a day file corrupted after indexing fails its component's windows
#     (counted, logged with the file), the other component is written, exit 1;
#   - the same on PostgreSQL (a fresh schema under $STRATA_TEST_PG_URL;
#     skipped without it, failed under CI), with files identical to SQLite's.
# shellcheck disable=SC2034 # CURRENT is read by fail in lib.sh
set -u
STRATA="${STRATA:?set STRATA to the strata binary}"
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../lib_noise.sh"
noise_require_day
noise_tmp datachunks

CAT="" # the catalog URL of the backend under test
# prepare DIR ARGS...: the stage over the day, files under DIR.
prepare() {
	dir=$1
	shift
	N processing prepare-datachunks -sd 2022-01-02 -ed 2022-01-03 -p 1 \
		--processed-data-dir "$dir" --json "$@"
}
summary() { stage_summary prepare-datachunks "$@"; }
# The rows in a fixed order: id and file.
ROWS=$NOISE_CHUNK_ROWS

# rows_are_files DIR: one file per row, each where its row says, and no other.
rows_are_files() {
	CURRENT="rows == files in $1"
	query "$ROWS" >"$tmp/rows"
	rows=$(wc -l <"$tmp/rows")
	files=$(find "$1" -type f | wc -l)
	missing=0
	while read -r _ f; do
		[ -s "$f" ] || missing=$((missing + 1))
	done <"$tmp/rows"
	if [ "$rows" -eq 96 ] && [ "$files" -eq 96 ] && [ "$missing" -eq 0 ]; then pass; else
		fail "$rows rows, $files files, $missing rows without their file"
	fi
}

# same_files A B [N]: the N (default 96) files under A are byte-identical
# under B, which has the 96 files of the day.
same_files() {
	CURRENT="identical chunk files: $1 and $2"
	differ=0
	for f in $(cd "$1" && find . -type f); do
		cmp -s "$1/$f" "$2/$f" || differ=$((differ + 1))
	done
	na=$(find "$1" -type f | wc -l)
	nb=$(find "$2" -type f | wc -l)
	if [ "$differ" -eq 0 ] && [ "$na" -eq "${3:-96}" ] && [ "$nb" -eq 96 ]; then pass; else
		fail "$differ files differ, $na files under $1, $nb files under $2"
	fi
}

# backend NAME: the stage on the catalog $CAT.
backend() {
	name=$1
	noise_day_catalog
	prepare "$tmp/$name-w1" --workers 1
	expect_status 0
	expect_stdout_is "$(summary 96 96 0 0 0)"
	expect_query "SELECT COUNT(*) || ' ' || MIN(npts) || ' ' || MAX(npts) || ' ' || CAST(MIN(sampling_rate) * 1000 AS BIGINT) || ' ' || SUM(padded_npts) FROM datachunk" "96 43200 43200 24000 0"
	rows_are_files "$tmp/$name-w1"
	query "$ROWS" | cut -d' ' -f1 >"$tmp/$name.ids"

	# the same rows, recomputed with two workers into a second directory
	prepare "$tmp/$name-w2" --workers 2 --no-skip-existing
	expect_status 0
	expect_stdout_is "$(summary 96 96 0 0 0)"
	same_files "$tmp/$name-w1" "$tmp/$name-w2"
	CURRENT="$name: a re-run keeps the ids"
	if query "$ROWS" | cut -d' ' -f1 | cmp -s - "$tmp/$name.ids"; then pass; else
		fail "ids changed"
	fi
	rows_are_files "$tmp/$name-w2"

	# --skip-existing (the default): nothing to do; a lost file is redone
	prepare "$tmp/$name-w2" --workers 2
	expect_status 0
	expect_stdout_is "$(summary 96 0 96 0 0)"
	lost=$(find "$tmp/$name-w2" -type f -name 'CI.HEC.N.2022.002.120000.1800')
	rm -f "$lost"
	prepare "$tmp/$name-w2" --workers 2 --skip-existing
	expect_status 0
	expect_stdout_is "$(summary 96 1 95 0 0)"
	if [ -s "$lost" ]; then pass; else fail "$lost not written again"; fi
	same_files "$tmp/$name-w1" "$tmp/$name-w2"
	expect_query "SELECT COUNT(*) FROM datachunk" 96
}

# --- SQLite ---------------------------------------------------------------------
CAT="$tmp/sqlite.db"
backend sqlite

# selection: one station, one component letter, part of the day
prepare "$tmp/sel" -s CI.HEC -c N -sd 2022-01-02T06:00:00Z -ed 2022-01-02T08:00:00Z --no-skip-existing
expect_status 0
expect_stdout_is "$(summary 4 4 0 0 0)"
prepare "$tmp/sel" -c Z
expect_stdout_is "$(summary 0 0 0 0 0)"
prepare "$tmp/sel" -sd 2023-01-01 -ed 2023-01-02 # no timespans there
expect_status 0
expect_stdout_is "$(summary 0 0 0 0 0)"
N processing prepare-datachunks -sd 2022-01-02 -ed 2022-01-03 -p 7 --processed-data-dir "$tmp/sel"
expect_status 1
expect_one_line_error "prepare-datachunks" "DatachunkParams number 7"
N processing prepare-datachunks -ed 2022-01-03
expect_status 2

# one day in two files, split at a record boundary (12:31:24): the window
# across the split reads both files and equals the chunk of the whole file
mkdir -p "$tmp/split"
python3 -c 'import sys
d = open(sys.argv[1], "rb").read()
k = 512 * (len(d) // 1024)
open(sys.argv[2] + "/CCA_BHN_a.ms", "wb").write(d[:k])
open(sys.argv[2] + "/CCA_BHN_b.ms", "wb").write(d[k:])' "$seismic/noisepy/CICCA__BHN___2022002.ms" "$tmp/split"
CAT="$tmp/split.db"
noise_day_catalog "$tmp/split"
expect_query "SELECT COUNT(*) FROM mseed_segment WHERE station = 'CCA'" 2
prepare "$tmp/split-out" -sd 2022-01-02T11:30:00Z -ed 2022-01-02T13:30:00Z
expect_status 0
expect_stdout_is "$(summary 8 4 0 4 0)" # CI.HEC has no data here
same_files "$tmp/split-out" "$tmp/sqlite-w1" 4 # chunks across two files equal those of one file

# a day file corrupted after indexing: its windows fail, the other station's are written
mkdir -p "$tmp/bad"
cp "$seismic/noisepy/CICCA__BHN___2022002.ms" "$seismic/noisepy/CIHEC__BHN___2022002.ms" "$tmp/bad/"
CAT="$tmp/bad.db"
noise_day_catalog "$tmp/bad"
# garbage over one record's header in the middle of CI.CCA's day
python3 -c 'import sys
with open(sys.argv[1], "r+b") as f:
    f.seek(512 * 3000)
    f.write(b"Z" * 48)' "$tmp/bad/CICCA__BHN___2022002.ms"
prepare "$tmp/bad-out" --workers 2
expect_status 1
expect_stdout_is "$(summary 96 48 0 0 48)"
expect_stderr_contains "CICCA__BHN___2022002.ms: byte 1536000"
expect_stderr_contains "CI.CCA.N 2022-01-02T00:00:00Z"
expect_query "SELECT COUNT(*) FROM datachunk d JOIN component c ON c.id = d.component_id WHERE c.station = 'HEC'" 48
CURRENT="only the written chunks have files"
n=$(find "$tmp/bad-out" -type f | wc -l)
if [ "$n" -eq 48 ]; then pass; else fail "$n files, expected 48"; fi
# a truncated day file: the same, with the sample count in the message
head -c 1000000 "$tmp/bad/CIHEC__BHN___2022002.ms" >"$tmp/bad/t" && mv "$tmp/bad/t" "$tmp/bad/CIHEC__BHN___2022002.ms"
prepare "$tmp/bad-out" --workers 1 --no-skip-existing
expect_status 1
expect_stdout_is "$(summary 96 0 0 0 96)"
expect_query "SELECT COUNT(*) FROM datachunk" 48

# --- PostgreSQL -----------------------------------------------------------------
if pg_schema "noise_datachunks_$$" "the datachunk stage on PostgreSQL"; then
	CAT=$PG_URL
	backend pg
	same_files "$tmp/sqlite-w1" "$tmp/pg-w1"
fi
finish
