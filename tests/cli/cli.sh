#!/bin/sh
# CLI integration tests: help, version, the core tools, the demo, and bad input
# (each failure is one clear stderr line and a non-zero exit).
set -u
STRATA="${STRATA:?set STRATA to the strata binary}"
. "$(dirname "$0")/../lib.sh"

tmp=$(mktemp -d /tmp/strata-cli-XXXXXX)
chmod 755 "$tmp"
trap 'chmod -R u+w "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT

# --- help and version ------------------------------------------------------
run "$STRATA" --help
expect_status 0
for app in store noise drill relays sky; do
	expect_stdout_contains "  $app "
done
for app in store noise drill relays sky; do
	run "$STRATA" "$app" --help
	expect_status 0
	expect_stdout_contains "usage: strata $app <command>"
done
run "$STRATA" noise processing run-crosscorrelations
expect_status 2
expect_stderr_contains "not available yet (part 2)"
run "$STRATA" nosuchapp
expect_status 2
expect_stderr_contains "unknown command 'nosuchapp'"
run "$STRATA" version --verbose
expect_status 0
expect_stdout_contains "strata 0."
expect_stdout_contains "sqlite 3."

# --- time -------------------------------------------------------------------
run "$STRATA" core time 2022-01-02T00:00:00Z
expect_status 0
expect_stdout_contains "1641081600000000000"
expect_stdout_contains "MJD 59581.000000000"
expect_stdout_contains "2022-002"
run "$STRATA" core time 2022-02-30T00:00:00Z
expect_status 1
expect_one_line_error "2022-02-30T00:00:00Z" "day 30 out of range"
run "$STRATA" core time "2022-01-02T10:00:00Zjunk"
expect_status 1
expect_one_line_error "2022-01-02T10:00:00Zjunk" "trailing characters at position 21"

# --- uuid -------------------------------------------------------------------
run "$STRATA" core uuid -n 3
expect_status 0
[ "$(grep -c '^[0-9a-f]\{8\}-[0-9a-f]\{4\}-7' "$OUT")" -eq 3 ] || fail "expected 3 UUIDv7 lines"
run "$STRATA" core uuid -n zero
expect_status 2

# --- logging options ----------------------------------------------------------
run "$STRATA" --log-format xml version
expect_status 2
expect_stderr_contains "unknown log format 'xml'"
STRATA_LOG=shouty run "$STRATA" version
expect_status 0
expect_stderr_contains "STRATA_LOG"

# --- demo -------------------------------------------------------------------
run "$STRATA" --log-format json demo --dir "$tmp/demo" --rows 3000
expect_status 0
expect_stdout_contains "CI.CCA"
expect_stderr_contains '"msg":"catalog opened"'
expect_stderr_contains '"trace_id":"'
expect_stderr_contains '"msg":"readings inserted","rows":"3000"'
[ -f "$tmp/demo/catalog.db" ] || fail "demo catalog missing"
grep -q '^strata_demo_rows_inserted_total 3000$' "$tmp/demo/metrics.prom" || fail "metrics.prom"
run "$STRATA" demo --dir "$tmp/demo" --rows 3000
expect_status 0
expect_stderr_contains "migrations applied applied=0"
run "$STRATA" core db "$tmp/demo/catalog.db"
expect_status 0
expect_stdout_contains "schema version 2"

# Config files: a wrong type, an unknown key, YAML tabs: one line naming file and line.
printf '[demo]\nrows = 4000\nbatch_size = "big"\n' >"$tmp/wrong-type.toml"
run "$STRATA" demo --config "$tmp/wrong-type.toml" --dir "$tmp/cfg"
expect_status 1
expect_one_line_error "$tmp/wrong-type.toml:3: demo.batch_size: expected integer, got string"
printf '[demo]\nrows = 4000\nrowz = 5\n' >"$tmp/unknown.toml"
run "$STRATA" demo --config "$tmp/unknown.toml" --dir "$tmp/cfg"
expect_status 1
expect_one_line_error "$tmp/unknown.toml:3: unknown key 'rowz' in table demo"
printf 'demo:\n\trows: 4000\n' >"$tmp/tabs.yaml"
run "$STRATA" demo --config "$tmp/tabs.yaml" --dir "$tmp/cfg"
expect_status 1
expect_one_line_error "$tmp/tabs.yaml:2:1: tab character in indentation"
printf '[demo]\nrows = 4000\n[demo]\n' >"$tmp/dup.toml"
run "$STRATA" core config "$tmp/dup.toml"
expect_status 1
expect_one_line_error "$tmp/dup.toml:3"
[ ! -e "$tmp/cfg" ] || fail "a rejected config still created the demo directory"
run "$STRATA" demo --config "$STRATA_SOURCE_DIR/docs/examples/demo.toml" --dir "$tmp/cfg" --rows 3000
expect_status 0
expect_stdout_contains "TD.TD03     1000"

# A read-only directory: one clear line, non-zero exit, nothing written.
mkdir -p "$tmp/ro"
chmod 555 "$tmp/ro"
if [ "$(id -u)" -eq 0 ]; then
	chown nobody "$tmp/ro"
	as_nobody="setpriv --reuid=nobody --regid=nogroup --clear-groups"
else
	as_nobody=""
fi
run $as_nobody "$STRATA" demo --dir "$tmp/ro/demo"
expect_status 1
expect_one_line_error "$tmp/ro/demo" "Permission denied"
[ -z "$(ls -A "$tmp/ro")" ] || fail "read-only directory was written to"

# --- PostgreSQL: a wrong password is one clear line without the password ------
if [ -n "${STRATA_TEST_PG_URL:-}" ]; then
	bad=$(echo "$STRATA_TEST_PG_URL" | sed 's#://\([^:]*\):[^@]*@#://\1:Wr0ngSecret@#')
	run "$STRATA" core db "$bad"
	expect_status 1
	expect_one_line_error "password authentication failed" "***"
	if grep -q "Wr0ngSecret" "$ERR"; then fail "the password was printed"; fi
	run "$STRATA" demo --dir "$tmp/pgdemo" --catalog "$STRATA_TEST_PG_URL" --rows 3000
	expect_status 0
	expect_stdout_contains "CI.HEC"
else
	echo "SKIPPED: PostgreSQL CLI checks (STRATA_TEST_PG_URL not set)"
fi

finish
