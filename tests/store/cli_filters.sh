#!/bin/sh
# `strata store` filters, head/tail/last, export (CSV, JSON lines, Parquet),
# JSON lines and Parquet input, compact, verify (a corrupt part: exit 1
# naming the file), a second writer with --lock-timeout, and a writer killed
# by a file size limit (the item keeps its version).
set -u
STRATA="${STRATA:?set STRATA to the strata binary}"
. "$(dirname "$0")/../lib.sh"

tmp=$(mktemp -d /tmp/strata-store-cli2-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
root="$tmp/root"
S() { "$STRATA" store "$@" --root "$root"; }

# 40 rows, one a minute: n = 0..39, sym cycles A B C D, px = n / 2
i=0
echo "index,n,sym,px" >"$tmp/a.csv"
while [ $i -lt 40 ]; do
	printf '2024-01-01T00:%02d:00Z,%d,%s,%d.5\n' $i $i "$(echo ABCD | cut -c$((i % 4 + 1)))" $i >>"$tmp/a.csv"
	i=$((i + 1))
done
run S write s/c/x "$tmp/a.csv" --part-rows 10 --row-group-rows 5
expect_status 0

# --- filters ---------------------------------------------------------------------
run S read s/c/x --columns n --filter 'n>=37'
expect_stdout_is 'index,n
2024-01-01T00:37:00.000000000Z,37
2024-01-01T00:38:00.000000000Z,38
2024-01-01T00:39:00.000000000Z,39
'
run S read s/c/x --columns n --filter 'sym in (A, B)' --filter 'n < 6' --format jsonl
expect_stdout_is '{"index":"2024-01-01T00:00:00.000000000Z","n":0}
{"index":"2024-01-01T00:01:00.000000000Z","n":1}
{"index":"2024-01-01T00:04:00.000000000Z","n":4}
{"index":"2024-01-01T00:05:00.000000000Z","n":5}
'
run S read s/c/x --columns n --filter-json '[[["n", "<", 1]], [["n", "=", 39]]]'
expect_stdout_is 'index,n
2024-01-01T00:00:00.000000000Z,0
2024-01-01T00:39:00.000000000Z,39
'
# pushdown: one part of four, one row group of two
run S read s/c/x --filter 'n >= 36' --stats
expect_status 0
expect_stderr_contains 'parts 1 of 4, row groups 1 of 2'
run S read s/c/x --start 2024-01-01T00:12:00Z --end 2024-01-01T00:13:00Z --stats
expect_stderr_contains 'parts 1 of 4, row groups 1 of 2'
run S read s/c/x --filter 'n >'
expect_status 2
run S read s/c/x --filter-json '[["n", "~", 1]]'
expect_status 2
run S read s/c/x --filter 'nope = 1'
expect_status 1
expect_one_line_error "strata store read:" "no column nope"

# --- head, tail, last ------------------------------------------------------------
run S head s/c/x 2 --columns n --stats
expect_stdout_is 'index,n
2024-01-01T00:00:00.000000000Z,0
2024-01-01T00:01:00.000000000Z,1
'
expect_stderr_contains 'parts 1 of 4'
run S tail s/c/x 1 --columns sym
expect_stdout_is 'index,sym
2024-01-01T00:39:00.000000000Z,D
'
run S tail s/c/x --filter 'sym = A' --columns n
expect_stdout_is 'index,n
2024-01-01T00:20:00.000000000Z,20
2024-01-01T00:24:00.000000000Z,24
2024-01-01T00:28:00.000000000Z,28
2024-01-01T00:32:00.000000000Z,32
2024-01-01T00:36:00.000000000Z,36
'
run S last s/c/x
expect_stdout_is '2024-01-01T00:39:00.000000000Z
'
run S last s/c/x --json
expect_stdout_is '{"rows":40,"first":"2024-01-01T00:00:00.000000000Z","last":"2024-01-01T00:39:00.000000000Z"}
'

# --- export and import -----------------------------------------------------------
run S export s/c/x --format jsonl --output "$tmp/x.jsonl"
expect_status 0
run S write s/c/fromjson "$tmp/x.jsonl"
expect_status 0
S read s/c/x >"$tmp/x.out"
run S read s/c/fromjson
if cmp -s "$tmp/x.out" "$OUT"; then pass; else fail "JSON lines round trip differs"; fi
run S export s/c/x --format parquet --output "$tmp/x.parquet" --filter 'n < 20'
expect_status 0
run S write s/c/frompq "$tmp/x.parquet"
expect_status 0
run S read s/c/frompq --columns n --tail 1
expect_stdout_is 'index,n
2024-01-01T00:19:00.000000000Z,19
'
run S export s/c/x --format parquet
expect_status 2
printf '{"index": "2024-01-01T00:00:00Z", "v": [1]}\n' >"$tmp/bad.jsonl"
run S write s/c/bad "$tmp/bad.jsonl"
expect_status 1
expect_one_line_error "strata store write:" "bad.jsonl:1"
printf '{"index": "2024-01-01T00:00:00Z"}\nnot json\n' >"$tmp/bad2.jsonl"
run S write s/c/bad "$tmp/bad2.jsonl"
expect_one_line_error "strata store write:" "bad2.jsonl:2"

# --- compact and verify ----------------------------------------------------------
for m in 40 41 42 43 44 45; do
	printf 'index,n,sym,px\n2024-01-01T00:%02d:00Z,%d,A,1.5\n' $m $m >"$tmp/one.csv"
	S append s/c/x "$tmp/one.csv" --part-rows 10 >/dev/null || fail "append $m"
done
run S info s/c/x --json
expect_stdout_contains '"parts":10'
run S compact s/c/x --part-rows 10
expect_stdout_is 'merged 6 parts
'
run S info s/c/x --json
expect_stdout_contains '"parts":5'
expect_stdout_contains '"rows":46'
run S verify s/c/x
expect_status 0
expect_stdout_is 'ok
'
part=$(find "$root/s/c/x/" -name 'part.2.parquet')
printf 'garbage' | dd of="$part" bs=1 seek=100 conv=notrunc 2>/dev/null
run S verify s/c/x
expect_status 1
expect_stdout_contains 'part.2.parquet: CRC-32C'
expect_stderr_contains 'item x'
run S read s/c/x --columns n --filter 'n >= 20' --filter 'n < 30'
expect_status 1
expect_one_line_error "strata store read:" "part.2.parquet"

# --- a second writer ----------------------------------------------------------------
if command -v flock >/dev/null 2>&1; then
	lock="$root/s/c/.strata/.fromjson.lock"
	mkfifo "$tmp/go"
	# The holder opens the fifo read-write first (never blocks, keeps what is
	# written), takes the lock, then waits in the builtin read: no child
	# process inherits the lock.
	(
		exec 7<>"$tmp/go"
		flock 9
		read -r _ <&7
	) 9>"$lock" &
	holder=$!
	# until the holder has the lock (or has failed)
	while kill -0 "$holder" 2>/dev/null && flock -n "$lock" true; do sleep 0.05; done
	run S append s/c/fromjson "$tmp/one.csv" --lock-timeout 0
	expect_status 1
	expect_one_line_error "strata store append:" "another writer holds"
	run S append s/c/fromjson "$tmp/one.csv" --lock-timeout 100
	expect_status 1
	echo go 1<>"$tmp/go" # read-write: never blocks, even without a reader
	wait "$holder"
	run S append s/c/fromjson "$tmp/one.csv" --lock-timeout 5000
	expect_status 0
fi

# --- a full disk (file size limit) ---------------------------------------------------
S read s/c/frompq >"$tmp/before.out"
i=0
echo "index,n,sym,px" >"$tmp/big.csv"
while [ $i -lt 3000 ]; do
	printf '2024-01-01T00:00:%02d.%06dZ,%d,sym%d,%d.25\n' $((i % 60)) $i $i $i $i >>"$tmp/big.csv"
	i=$((i + 1))
done
run sh -c "ulimit -f 8; trap '' XFSZ; exec \"$STRATA\" store append s/c/frompq \"$tmp/big.csv\" --root \"$root\""
expect_status 1
expect_one_line_error "strata store append:" "item frompq"
run S read s/c/frompq
if cmp -s "$tmp/before.out" "$OUT"; then pass; else fail "item changed by a failed append"; fi
run S verify s/c/frompq
expect_status 0

finish
