#!/bin/sh
# strata sky qa: the CLI, its JSON against the Python reference, hostile FITS.
. "$STRATA_SOURCE_DIR/tests/lib.sh"
require_testdata radio/aegean/1904-66_SIN.fits
py=/usr/bin/python3
[ -x "$py" ] || py=python3
tmp=$(mktemp -d /tmp/strata-skyqa-XXXXXX)
trap 'rm -rf "$tmp"' EXIT

img=$(testdata radio/aegean/1904-66_SIN.fits)
run "$STRATA" sky qa "$img"
expect_status 0
expect_stdout_contains "grade           good"
expect_stdout_contains "beam            864.00 x 864.00 arcsec"

if "$py" -c 'import numpy, astropy' 2>/dev/null; then
	for name in 1904-66_SIN synthetic_test 1904-66_SIN_cube; do
		run "$STRATA" sky qa --json "$(testdata radio/aegean/$name.fits)"
		expect_status 0
		cp "$OUT" "$tmp/$name.json"
		run "$py" "$STRATA_SOURCE_DIR/tests/sky/fits_qa_reference.py" \
			"$(testdata radio/aegean/$name.fits)" "$tmp/$name.json"
		expect_status 0
	done
else
	echo "SKIPPED (part): python3 numpy/astropy missing, no reference comparison"
fi

# Hostile files: a clear one-line error, exit 1, never a crash.
run "$STRATA" sky qa "$(testdata radio/aegean/1904_comp.fits)"
expect_status 1
expect_one_line_error "not an image" "table HDU"
# A cube (NAXIS3 = 10): QA of its first plane, the plane count reported.
run "$STRATA" sky qa "$(testdata radio/aegean/1904-66_SIN_cube.fits)"
expect_status 0
expect_stdout_contains "planes          10 (QA of the first)"
run "$STRATA" sky qa --json "$(testdata radio/aegean/1904-66_SIN_cube.fits)"
expect_status 0
expect_stdout_contains '"planes": 10'
head -c 20000 "$img" >"$tmp/truncated.fits"
run "$STRATA" sky qa "$tmp/truncated.fits"
expect_status 1
expect_one_line_error "truncated"
head -c 1000 "$img" >"$tmp/short.fits"
run "$STRATA" sky qa "$tmp/short.fits"
expect_status 1
expect_one_line_error "short.fits"
printf 'not a fits file at all' >"$tmp/text.fits"
run "$STRATA" sky qa "$tmp/text.fits"
expect_status 1
expect_one_line_error "text.fits"
run "$STRATA" sky qa "$tmp/missing.fits"
expect_status 1
expect_one_line_error "missing.fits"
run "$STRATA" sky qa
expect_status 2
finish
