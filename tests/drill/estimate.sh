#!/bin/sh
# `strata drill estimate`: the published keypoints of the reference file, JSON
# output, and one clear error line for a file that is not a Setitec export.
set -u
STRATA="${STRATA:?set STRATA to the strata binary}"
. "$(dirname "$0")/../lib.sh"
require_testdata drilling/setitec/17070141_17070141_ST_753_55.xls
ref=$(testdata drilling/setitec/17070141_17070141_ST_753_55.xls)

run "$STRATA" drill estimate "$ref"
expect_status 0
expect_stdout_contains "entry          4.569 mm"
expect_stdout_contains "transition     5.010 mm"

run "$STRATA" drill estimate --json "$ref"
expect_status 0
expect_stdout_contains '"entry":{"position":4.569,"index":133,"algo":"strata-entry-torque-rise/1"}'
expect_stdout_contains '"transition":{"position":5.01,'

printf 'not a setitec export\n' >"$OUT.bad.xls"
run "$STRATA" drill estimate "$OUT.bad.xls"
expect_status 1
expect_one_line_error "$OUT.bad.xls" "no *** Datas *** table"
rm -f "$OUT.bad.xls"

run "$STRATA" drill estimate
expect_status 2
finish
