#!/bin/sh
# Items written by `strata store write/append` are read by two independent
# Parquet readers, npm hyparquet and DuckDB (@duckdb/node-api,
# read_parquet('item/*.parquet')), with the same rows and values as
# `strata store read`: int64, double, bool, strings (repeated, so
# dictionary-encoded, and unique), nulls in each, nanosecond keys from
# several time zones, and several parts after appends (new parts, an
# overlapping rewrite, keep_all duplicates); and Parquet files DuckDB writes
# during the test become items with the same rows. The npm packages come from
# scripts/install-deps (npm ci in tests/store/interop); without them the
# test is skipped, or fails under CI.
set -u
STRATA="${STRATA:?set STRATA to the strata binary}"
. "$(dirname "$0")/../lib.sh"
interop="$(cd "$(dirname "$0")/interop" && pwd)"

need_npm() {
	if ! command -v node >/dev/null 2>&1 || [ ! -d "$interop/node_modules/hyparquet" ] ||
		[ ! -d "$interop/node_modules/@duckdb/node-api" ]; then
		case "${CI:-}" in true | 1)
			echo "FAIL: node or $interop/node_modules missing under CI (run scripts/install-deps test)"
			exit 1 ;;
		esac
		echo "SKIPPED: node or $interop/node_modules missing (run scripts/install-deps test)"
		exit 77
	fi
}
need_npm

tmp=$(mktemp -d /tmp/strata-store-interop-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
root="$tmp/root"
S() { "$STRATA" store "$@" --root "$root"; }

# rows FIRST COUNT: CSV rows with keys one minute apart from row FIRST on,
# a null in each column at its own period, repeated and unique strings.
rows() {
	awk -v first="$1" -v count="$2" 'BEGIN {
		split("alpha,béta,日本,,x y", words, ",")
		print "index,n,x,flag,sym,note"
		for (i = first; i < first + count; i++) {
			t = 1704067200 + i * 60
			ns = sprintf("%09d", (i * 7919) % 1000000000)
			cmd = "date -u -d @" t " +%Y-%m-%dT%H:%M:%S"
			cmd | getline ts; close(cmd)
			n = i % 7 == 3 ? "" : i * 1000003 - 5000000
			x = i % 5 == 2 ? "" : i / 8 - 20.25
			flag = i % 6 == 4 ? "" : (i % 3 == 0 ? "true" : "false")
			sym = i % 11 == 5 ? "" : words[i % 5 + 1]
			note = i % 13 == 7 ? "" : "row " i
			printf "%s.%sZ,%s,%s,%s,%s,%s\n", ts, ns, n, x, flag, sym, note
		}
	}'
}

check() {
	S read s/c/"$1" --format jsonl >"$tmp/$1.jsonl" || fail "strata read $1"
	run node "$interop/check.mjs" "$root/s/c/$1" "$tmp/$1.jsonl"
	expect_status 0
	expect_stdout_contains "hyparquet: $2 rows identical"
	expect_stdout_contains "duckdb: $2 rows identical"
}

# One part.
rows 0 300 >"$tmp/w.csv"
run S write s/c/one "$tmp/w.csv"
expect_status 0
check one 300

# Several parts: appends after the end (new parts), an overlapping append
# (keep_last rewrites the parts it touches) and keep_all duplicates.
run S write s/c/many "$tmp/w.csv"
rows 250 100 | sed 's/,row /,again /' >"$tmp/a1.csv"
run S append s/c/many "$tmp/a1.csv"
expect_status 0
rows 350 200 >"$tmp/a2.csv"
run S append s/c/many "$tmp/a2.csv"
expect_status 0
rows 550 100 >"$tmp/a3.csv"
run S append s/c/many "$tmp/a3.csv"
expect_status 0
rows 640 20 >"$tmp/a4.csv"
run S append s/c/many "$tmp/a4.csv" --duplicates keep_all
expect_status 0
parts=$(ls "$root/s/c/many"/part.*.parquet | wc -l)
if [ "$parts" -ge 3 ]; then pass; else fail "expected several parts, found $parts"; fi
check many 670

# Parquet written by DuckDB now (its defaults, and data page v2 with the
# delta and byte-stream-split encodings, snappy and zstd) becomes an item whose
# rows are exactly what hyparquet and DuckDB read from the original file.
mkdir "$tmp/duck"
run node "$interop/make-duckdb-fixtures.mjs" "$tmp/duck"
expect_status 0
for f in duckdb_v1_snappy duckdb_v2_snappy duckdb_v2_zstd; do
	run S write "s/c/$f" "$tmp/duck/$f.parquet" --key ts_ns
	expect_status 0
	S read "s/c/$f" --format jsonl >"$tmp/$f.jsonl" || fail "strata read $f"
	run node "$interop/check.mjs" "$tmp/duck/$f.parquet" "$tmp/$f.jsonl"
	expect_status 0
	expect_stdout_contains "hyparquet: $(wc -l <"$tmp/$f.jsonl") rows identical"
	expect_stdout_contains "duckdb: $(wc -l <"$tmp/$f.jsonl") rows identical"
done

# Keys written with a time zone offset are stored in UTC.
printf 'index,v\n2024-03-01T12:00:00.000000001+05:30,1\n2024-03-01T00:00:00-08:00,2\n' >"$tmp/tz.csv"
run S write s/c/tz "$tmp/tz.csv"
expect_status 0
check tz 2

finish
