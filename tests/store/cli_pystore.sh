#!/bin/sh
# `strata store` on item folders written by PyStore itself (the DuckDB-made
# fixtures of tests/store/fixtures/pystore): read, filters, head/tail/last,
# info and verify in place; append converts the folder to a strata item
# (keep_last across the old parts) and keeps its metadata.
set -u
STRATA="${STRATA:?set STRATA to the strata binary}"
SRC="${STRATA_SOURCE_DIR:?set STRATA_SOURCE_DIR}"
. "$(dirname "$0")/../lib.sh"

tmp=$(mktemp -d /tmp/strata-store-pystore-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
root="$tmp/root"
mkdir -p "$root"
cp -r "$SRC/tests/store/fixtures/pystore/store" "$root/"
S() { "$STRATA" store "$@" --root "$root"; }

# --- read in place ----------------------------------------------------------
run S read store/coll/ticks --start 2024-01-01T00:00:29Z --end 2024-01-01T00:00:31Z
expect_status 0
expect_stdout_is 'index,price,size,sym
2024-01-01T00:00:29.000000000Z,14.5,29,S2
2024-01-01T00:00:30.000000000Z,15.0,30,S0
2024-01-01T00:00:31.000000000Z,15.5,31,S1
'
run S read store/coll/ticks --filter 'sym in (S0)' --filter 'size>30' --columns size
expect_status 0
expect_stdout_is 'index,size
2024-01-01T00:00:33.000000000Z,33
'
run S tail store/coll/ticks 1
expect_status 0
expect_stdout_is 'index,price,size,sym
2024-01-01T00:00:35.000000000Z,17.5,35,S2
'
run S head store/coll/ticks 1
expect_status 0
expect_stdout_contains '2024-01-01T00:00:00.000000000Z,0.0,0,S0'
run S last store/coll/ticks
expect_status 0
expect_stdout_is '2024-01-01T00:00:35.000000000Z
'
run S info store/coll/ticks
expect_status 0
expect_stdout_contains 'rows     36'
expect_stdout_contains 'parts    12'
run S info store/coll/micros
expect_status 0
expect_stdout_contains '__index_level_0__:TIMESTAMP[Europe/Paris]'
run S verify store/coll/ticks
expect_status 0
run S read store/coll/multi --format jsonl --head 2
expect_status 0
expect_stdout_is '{"index":"2024-01-01T00:00:00.000000000Z","v":0,"sym":"b"}
{"index":"2024-01-01T00:00:00.000000000Z","v":1,"sym":"a"}
'
[ -L "$root/store/coll/ticks" ] && fail "reading converted the item"

# --- append converts ----------------------------------------------------------
printf 'index,price,size,sym\n2024-01-01T00:00:10Z,99,99,X\n2024-01-01T00:01:00Z,1,1,Y\n' >"$tmp/b.csv"
run S append store/coll/ticks "$tmp/b.csv"
expect_status 0
[ -L "$root/store/coll/ticks" ] || fail "append left a plain folder"
run S read store/coll/ticks --start 2024-01-01T00:00:09Z --end 2024-01-01T00:00:11Z
expect_status 0
expect_stdout_is 'index,price,size,sym
2024-01-01T00:00:09.000000000Z,4.5,9,S0
2024-01-01T00:00:10.000000000Z,99.0,99,X
2024-01-01T00:00:11.000000000Z,5.5,11,S2
'
run S info store/coll/ticks
expect_status 0
expect_stdout_contains 'rows     37'
run S list store/coll --filter '{"source": "pystore"}'
expect_status 0
expect_stdout_contains 'ticks'
run S verify store/coll/ticks
expect_status 0

# --- a corrupt part is named ----------------------------------------------------
printf 'PAR1 nope' >"$root/store/coll/multi/part.1.parquet"
run S read store/coll/multi
expect_status 1
expect_one_line_error 'part.1.parquet'
finish
