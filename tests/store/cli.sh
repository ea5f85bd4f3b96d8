#!/bin/sh
# `strata store` command line: write, read (CSV, JSON lines, ranges, head and
# tail), append with each duplicate mode, list with a filter, info, delete,
# and bad input (each failure is one stderr line and exit 1).
set -u
STRATA="${STRATA:?set STRATA to the strata binary}"
. "$(dirname "$0")/../lib.sh"

tmp=$(mktemp -d /tmp/strata-store-cli-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
root="$tmp/root"
S() { "$STRATA" store "$@" --root "$root"; }

# --- write and read back -----------------------------------------------------
printf 'index,n,x,s,b\r\n' >"$tmp/w.csv"
printf '2024-01-01T00:00:00Z,1,1.5,"a,""q""",true\r\n' >>"$tmp/w.csv"
printf '2024-01-02T00:00:00Z,,2,,false\r\n' >>"$tmp/w.csv"
printf '2024-01-03T00:00:00.5+01:00,3,,plain,\r\n' >>"$tmp/w.csv"
printf '2024-01-04T00:00:00Z,3,0.1,plain,true\r\n' >>"$tmp/w.csv"
run S write s/c/i "$tmp/w.csv" --metadata '{"source": "test"}'
expect_status 0
run S read s/c/i
expect_status 0
expect_stdout_is 'index,n,x,s,b
2024-01-01T00:00:00.000000000Z,1,1.5,"a,""q""",true
2024-01-02T00:00:00.000000000Z,,2.0,,false
2024-01-02T23:00:00.500000000Z,3,,plain,
2024-01-04T00:00:00.000000000Z,3,0.1,plain,true
'
run S read s/c/i --format jsonl --columns s,x
expect_status 0
expect_stdout_is '{"index":"2024-01-01T00:00:00.000000000Z","s":"a,\\"q\\"","x":1.5}
{"index":"2024-01-02T00:00:00.000000000Z","s":null,"x":2}
{"index":"2024-01-02T23:00:00.500000000Z","s":"plain","x":null}
{"index":"2024-01-04T00:00:00.000000000Z","s":"plain","x":0.1}
'
# The CSV output reads back as the same item.
S read s/c/i >"$tmp/back.csv"
run S write s/c/copy "$tmp/back.csv"
expect_status 0
run S read s/c/copy
S read s/c/i >"$tmp/orig.out"
if cmp -s "$tmp/orig.out" "$OUT"; then pass; else fail "round trip differs"; fi
run S write s/c/i "$tmp/w.csv"
expect_status 1
expect_one_line_error "strata store write:" "already exists"
run S write s/c/i "$tmp/w.csv" --overwrite --metadata '{"source": "test"}'
expect_status 0

# --- ranges, head, tail ------------------------------------------------------------
run S read s/c/i --columns n --start 2024-01-02 --end 2024-01-03
expect_status 0
expect_stdout_is 'index,n
2024-01-02T00:00:00.000000000Z,
2024-01-02T23:00:00.500000000Z,3
'
run S read s/c/i --columns n --head 3 --tail 1
expect_stdout_is 'index,n
2024-01-02T23:00:00.500000000Z,3
'
run S read s/c/i --columns b --tail 2 --format jsonl
expect_stdout_is '{"index":"2024-01-02T23:00:00.500000000Z","b":null}
{"index":"2024-01-04T00:00:00.000000000Z","b":true}
'

# --- append with each duplicate mode ------------------------------------------------
printf 'index,n,x,s,b\n2024-01-04T00:00:00Z,40,4.5,new,false\n2024-01-05T00:00:00Z,3,0.1,plain,true\n' >"$tmp/a.csv"
run S append s/c/i "$tmp/a.csv" --duplicates error
expect_status 1
expect_one_line_error "strata store append:" "2024-01-04T00:00:00"
run S read s/c/i --columns n --format jsonl --start 2024-01-04
expect_stdout_is '{"index":"2024-01-04T00:00:00.000000000Z","n":3}
'
run S append s/c/i "$tmp/a.csv" --duplicates keep_first
expect_status 0
run S read s/c/i --columns n --start 2024-01-04
expect_stdout_is 'index,n
2024-01-04T00:00:00.000000000Z,3
2024-01-05T00:00:00.000000000Z,3
'
run S append s/c/i "$tmp/a.csv"
expect_status 0
# keep_last replaces the row at the same time; the repeated values of
# 01-05 at another time are kept.
run S read s/c/i --start 2024-01-04
expect_stdout_is 'index,n,x,s,b
2024-01-04T00:00:00.000000000Z,40,4.5,new,false
2024-01-05T00:00:00.000000000Z,3,0.1,plain,true
'
run S append s/c/i "$tmp/a.csv" --duplicates keep_all
expect_status 0
run S read s/c/i --columns n --start 2024-01-04
expect_stdout_is 'index,n
2024-01-04T00:00:00.000000000Z,40
2024-01-04T00:00:00.000000000Z,40
2024-01-05T00:00:00.000000000Z,3
2024-01-05T00:00:00.000000000Z,3
'
run S append s/c/i "$tmp/a.csv" --duplicates sometimes
expect_status 2
# A batch is typed like the item: an empty column, integers in a double
# column, numbers in a string column.
printf 'index,n,x,s,b\n2024-01-06T00:00:00Z,,7,42,\n' >"$tmp/typed.csv"
run S append s/c/i "$tmp/typed.csv"
expect_status 0
run S read s/c/i --start 2024-01-06 --format jsonl
expect_stdout_is '{"index":"2024-01-06T00:00:00.000000000Z","n":null,"x":7,"s":"42","b":null}
'
run S append s/c/i "$tmp/typed.csv" --duplicates error
expect_status 1
expect_one_line_error "strata store append:" "2024-01-06T00:00:00"
printf 'index,n\n2024-01-07T00:00:00Z,text\n' >"$tmp/schema.csv"
run S append s/c/i "$tmp/schema.csv"
expect_status 1
expect_one_line_error "strata store append:" "n"
run S append s/c/missing "$tmp/a.csv"
expect_status 1
expect_one_line_error "strata store append:" "missing"

# --- list, info, delete -----------------------------------------------------------
run S list
expect_stdout_is 's\n'
run S list s
expect_stdout_is 'c\n'
run S list s/c
expect_stdout_is 'copy\ni\n'
run S list s/c --filter '{"source": "test"}'
expect_stdout_is 'i\n'
run S list s --filter '{}'
expect_status 2
run S info s/c/i
expect_status 0
expect_stdout_contains "rows     8"
expect_stdout_contains "n:INT64 x:DOUBLE s:STRING b:BOOL"
expect_stdout_contains "start    2024-01-01T00:00:00.000000000Z"
expect_stdout_contains "end      2024-01-06T00:00:00.000000000Z"
run S info s/c/i --json
expect_status 0
expect_stdout_contains '"rows":8'
expect_stdout_contains '"source":"test"'
run S delete s/c/copy
expect_status 0
run S list s/c
expect_stdout_is 'i\n'

# --- bad input: one line, exit 1 ------------------------------------------------
printf 'time,v\n2024-01-01T00:00:00Z,1\n2024-01-02T25:00:00Z,2\n' >"$tmp/badts.csv"
run S write s/c/bad "$tmp/badts.csv"
expect_status 1
expect_one_line_error "strata store write:" "badts.csv:3:1:" "2024-01-02T25:00:00Z"
printf 'v,when\n1,"2024-01-01"\n2,  2024-01-02\n' >"$tmp/badcol.csv"
run S write s/c/bad "$tmp/badcol.csv" --key when
expect_status 1
expect_one_line_error "badcol.csv:3:3:"
printf 'index,v\n2024-01-01,1\n2024-01-02,2,3\n' >"$tmp/ragged.csv"
run S write s/c/bad "$tmp/ragged.csv"
expect_status 1
expect_one_line_error "ragged.csv:3:" "record has 3 fields, the header has 2"
run S write a/b "$tmp/w.csv"
expect_status 1
expect_one_line_error "strata store write:" '"a/b"' "STORE/COLLECTION/ITEM"
run S write s/c/_x "$tmp/w.csv"
expect_status 1
expect_one_line_error "strata store write:" '"_x"' "must not start with"
run S read s/c/missing
expect_status 1
expect_one_line_error "strata store read:" "missing"
run S info s/c/missing
expect_status 1
expect_one_line_error "strata store info:" "missing" "not found"
run S delete s/c/missing
expect_status 1
expect_one_line_error "strata store delete:" "missing"
run S write s/c/x "$tmp/nofile.csv"
expect_status 1
expect_one_line_error "strata store write:" "nofile.csv"
run S read s/c/i --start yesterday
expect_status 2
run S read s/c/i --bogus
expect_status 2
expect_one_line_error "unknown option --bogus"
run S list s/c --filter 'not json'
expect_status 1
expect_one_line_error "strata store list:" "--filter: expected a JSON object"
run S list s/c --filter '[1]'
expect_status 1
expect_one_line_error "strata store list:" "--filter: expected a JSON object"
[ ! -e "$root/s/c/bad" ] || fail "a failed write left an item"

# --- snapshots: cheap, and untouched by later writes -----------------------
printf 'index,v\n2024-01-01T00:00:00Z,1\n2024-01-02T00:00:00Z,2\n' >"$tmp/s1.csv"
printf 'index,v\n2024-01-02T00:00:00Z,20\n' >"$tmp/s2.csv"
run S write s/snap/item "$tmp/s1.csv"
expect_status 0
run S snapshot create s/snap monday
expect_status 0
run S append s/snap/item "$tmp/s2.csv"
expect_status 0
run S read s/snap/item --format jsonl --columns v
expect_stdout_contains '"v":20'
run S read s/snap/item --snapshot monday --format jsonl --columns v
expect_status 0
expect_stdout_contains '"v":2}'
run S snapshot list s/snap
expect_stdout_is 'monday\n'
run S list s/snap
expect_stdout_is 'item\n'
run S snapshot create s/snap monday
expect_status 1
expect_one_line_error "strata store snapshot:" "already exists"
run S snapshot delete s/snap monday
expect_status 0
run S read s/snap/item --snapshot monday
expect_status 1
expect_one_line_error "strata store read:" "not in snapshot monday"
run S snapshot rename s/snap x
expect_status 2

# --- composite key and time zones ---------------------------------------------
printf 'ts,sym,px,at\n2024-01-01T00:00:00Z,B,1,2024-01-01T09:00:00+09:00\n' >"$tmp/k.csv"
printf '2024-01-01T00:00:00Z,A,2,2024-01-01T09:00:00+09:00\n' >>"$tmp/k.csv"
printf 'ts,sym,px,at\n2024-01-01T00:00:00Z,B,3,2024-01-01T09:00:00+09:00\n' >"$tmp/k2.csv"
run S write s/k/i "$tmp/k.csv" --key ts --key2 sym --tz ts=Asia/Tokyo --tz at=Europe/Paris
expect_status 1
expect_one_line_error "strata store write:" "time zone for at, which is not a UTC timestamp"
run S write s/k/i "$tmp/k.csv" --key ts --key2 sym --tz ts=Asia/Tokyo
expect_status 0
run S append s/k/i "$tmp/k2.csv" --key ts
expect_status 0
run S read s/k/i --columns sym,px
expect_stdout_is 'ts,sym,px
2024-01-01T00:00:00.000000000Z,A,2
2024-01-01T00:00:00.000000000Z,B,3
'
run S info s/k/i
expect_stdout_contains 'key      ts, sym'
expect_stdout_contains 'ts:TIMESTAMP[Asia/Tokyo]'
expect_stdout_contains 'px:INT64 at:STRING'
run S write s/k/j "$tmp/k.csv" --key ts --tz ts
expect_status 2
run S write s/k/j "$tmp/k.csv" --key ts --key2 px
expect_status 1
expect_one_line_error "strata store write:" "must be a string column"

finish
