# lib.sh - helpers for strata's shell integration tests (POSIX sh).
#   run CMD...                 run, capturing $OUT, $ERR and $STATUS
#   expect_status N
#   expect_stdout_contains S / expect_stderr_contains S
#   expect_stdout_is FORMAT    stdout is exactly printf FORMAT (no newline added)
#   expect_one_line_error S... stderr is exactly one line containing each S
#   fail MSG                   record a failure
#   finish                     print "N passed, N failed" and exit
#   require_testdata REL       exit 77 (skipped) when shared data is absent
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

finish() {
	rm -f "$OUT" "$ERR"
	echo "$PASSED passed, $FAILED failed"
	[ "$FAILED" -eq 0 ]
}
