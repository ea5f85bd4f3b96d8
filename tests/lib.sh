# lib.sh - helpers for strata's shell integration tests (POSIX sh).
#   run CMD...                 run, capturing $OUT, $ERR and $STATUS
#   expect_status N
#   expect_stdout_contains S / expect_stderr_contains S
#   expect_stdout_is FORMAT    stdout is exactly printf FORMAT (no newline added)
#   expect_one_line_error S... stderr is exactly one line containing each S
#   fail MSG                   record a failure
#   finish                     print "N passed, N failed" and exit
#   require_testdata REL       exit 77 (skipped) when shared data is absent
#   query SQL                  every row's first column, one a line, from the
#                              catalog $CAT (a SQLite path, or a postgresql: URL)
#   query_at URL SQL           the same from the catalog URL
#   expect_query SQL S         query SQL prints exactly S
#   pg_schema NAME WHAT        a fresh schema NAME on $STRATA_TEST_PG_URL, PG_URL a
#                              catalog URL that uses it; returns 1 without the
#                              server or psql, printing "SKIPPED: WHAT" (a failure
#                              under CI), or when the schema cannot be made (a failure)
#   pg_schema_drop             drop pg_schema's schema, if any (for an EXIT trap)
# shellcheck shell=sh
OUT=$(mktemp /tmp/strata-test-out-XXXXXX)
ERR=$(mktemp /tmp/strata-test-err-XXXXXX)
STATUS=0
PASSED=0
FAILED=0
CURRENT=""

run() {
	CURRENT="$*"
	STATUS=0
	"$@" >"$OUT" 2>"$ERR" || STATUS=$?
}

fail() {
	FAILED=$((FAILED + 1))
	echo "FAIL: $CURRENT: $1" >&2
	echo "--- stdout" >&2; head -20 "$OUT" >&2
	echo "--- stderr" >&2; head -20 "$ERR" >&2
}

pass() {
	PASSED=$((PASSED + 1))
}

expect_status() {
	if [ "$STATUS" -eq "$1" ]; then pass; else fail "exit status $STATUS, expected $1"; fi
}

expect_stdout_contains() {
	if grep -qF -- "$1" "$OUT"; then pass; else fail "stdout lacks '$1'"; fi
}

expect_stdout_is() {
	# shellcheck disable=SC2059 # the argument is a printf format on purpose
	printf "$1" >"$OUT.expected"
	if cmp -s "$OUT.expected" "$OUT"; then pass; else
		fail "stdout differs:$(diff "$OUT.expected" "$OUT" | head -10)"
	fi
	rm -f "$OUT.expected"
}

expect_stderr_contains() {
	if grep -qF -- "$1" "$ERR"; then pass; else fail "stderr lacks '$1'"; fi
}

expect_one_line_error() {
	lines=$(wc -l <"$ERR")
	if [ "$lines" -ne 1 ]; then
		fail "stderr has $lines lines, expected one"
		return
	fi
	for needle in "$@"; do
		if ! grep -qF -- "$needle" "$ERR"; then
			fail "stderr lacks '$needle'"
			return
		fi
	done
	pass
}

testdata() {
	echo "${STRATA_TESTDATA:-${STRATA_SOURCE_DIR:-.}/../shared/data}/$1"
}

require_testdata() {
	if [ ! -e "$(testdata "$1")" ]; then
		echo "SKIPPED: test data $(testdata "$1") not found"
		exit 77
	fi
}

query_at() {
	case "$1" in
	postgresql:* | postgres:*)
		psql -qtA "$1" -c "$2" | sed '/^$/d'
		;;
	*)
		python3 -c 'import sqlite3, sys
for r in sqlite3.connect(sys.argv[1]).execute(sys.argv[2]): print(r[0])' "$1" "$2"
		;;
	esac
}

query() {
	query_at "$CAT" "$1"
}

expect_query() {
	CURRENT="$1"
	got=$(query "$1")
	if [ "$got" = "$2" ]; then pass; else fail "got $got, expected $2"; fi
}

PG_SCHEMA=""
PG_URL=""
pg_schema() {
	if [ -z "${STRATA_TEST_PG_URL:-}" ] || ! command -v psql >/dev/null; then
		if [ "${CI:-}" = true ] || [ "${CI:-}" = 1 ]; then
			fail "STRATA_TEST_PG_URL or psql missing under CI"
		else
			echo "SKIPPED: $2 (STRATA_TEST_PG_URL not set)"
		fi
		return 1
	fi
	if ! psql -q "$STRATA_TEST_PG_URL" -c "CREATE SCHEMA $1" >/dev/null; then
		fail "cannot create schema $1"
		return 1
	fi
	PG_SCHEMA=$1
	case "$STRATA_TEST_PG_URL" in *\?*) sep='&' ;; *) sep='?' ;; esac
	# shellcheck disable=SC2034 # read by the tests
	PG_URL="$STRATA_TEST_PG_URL${sep}options=-c%20search_path%3D$1"
}

pg_schema_drop() {
	if [ -n "$PG_SCHEMA" ]; then
		psql -q "$STRATA_TEST_PG_URL" -c "DROP SCHEMA IF EXISTS $PG_SCHEMA CASCADE" >/dev/null 2>&1
	fi
}

# listening_port OUT ERR: wait up to 30 s for a server started with
# --port 0 (e.g. `strata sky serve`) to write "listening on PORT" to OUT and
# print PORT; on timeout copy ERR (the server's stderr) to stderr, return 1.
listening_port() {
	_wait=0
	while ! grep -q 'listening on [0-9]' "$1" 2>/dev/null; do
		_wait=$((_wait + 1))
		if [ "$_wait" -gt 300 ]; then
			cat "$2" >&2
			return 1
		fi
		sleep 0.1
	done
	awk '/listening on/{print $3}' "$1"
}

finish() {
	rm -f "$OUT" "$ERR"
	echo "$PASSED passed, $FAILED failed"
	[ "$FAILED" -eq 0 ]
}
