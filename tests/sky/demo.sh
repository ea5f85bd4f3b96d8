#!/bin/sh
# scripts/demo-sky (make demo) and `strata sky register-image`: the demo
# registers the real image with its QA, serves the API, queries it and stops
# the server; without the shared data it skips the image; register-image
# refuses files it cannot resolve and registers a non-image without QA.
. "$STRATA_SOURCE_DIR/tests/lib.sh"
command -v curl >/dev/null || { echo "SKIPPED: curl not installed"; exit 77; }
tmp=$(mktemp -d /tmp/strata-skydemo-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
ln -s "$(command -v "$STRATA" || echo "$STRATA")" "$tmp/strata"
data="${STRATA_TESTDATA:-$STRATA_SOURCE_DIR/../shared/data}"

# Without data: the synthetic catalog only, and the server stopped after.
run "$STRATA_SOURCE_DIR/scripts/demo-sky" "$tmp" "$tmp/no-data"
expect_status 0
expect_stdout_contains "skipping its registration and QA"
expect_stdout_contains "-- GET /api/health -> HTTP 200"
expect_stdout_contains "-- GET /api/v1/stats -> HTTP 200"
expect_stdout_contains "dashboard: http://127.0.0.1:"
port=$(sed -n 's|^dashboard: http://127.0.0.1:\([0-9]*\)/dashboard.*|\1|p' "$OUT")
CURRENT="server stopped after the demo"
if curl -s -o /dev/null "http://127.0.0.1:$port/api/health"; then
	fail "the server on port $port still answers"
else pass; fi

# register-image: usage and unresolvable paths are errors.
run "$STRATA" sky register-image --catalog "$tmp/c.db"
expect_status 2
run "$STRATA" sky register-image "$tmp/missing.fits" --catalog "$tmp/c.db"
expect_status 1
expect_stderr_contains "cannot resolve the path"
# A file that is not an image: registered without QA (a warning), exit 0.
printf 'not a FITS file' >"$tmp/bad.fits"
run "$STRATA" sky register-image "$tmp/bad.fits" --catalog "$tmp/c.db"
expect_status 0
expect_stdout_contains "registered image 1: $tmp/bad.fits"
expect_stderr_contains "image registered without QA"

if [ -f "$data/radio/aegean/1904-66_SIN.fits" ]; then
	run "$STRATA_SOURCE_DIR/scripts/demo-sky" "$tmp" "$data"
	expect_status 0
	expect_stdout_contains "registered image 201:"
	expect_stdout_contains "-- GET /api/v1/images/201/qa -> HTTP 200"
	if command -v jq >/dev/null; then
		expect_stdout_contains '"grade":"good"'
		expect_stdout_contains '"warnings":["noise_above_10mJy"]'
	else
		expect_stdout_contains '"qa_grade":"good"'
	fi
else
	echo "SKIPPED (part): no shared data, the real image's registration not checked"
fi
finish
