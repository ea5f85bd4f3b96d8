#!/bin/sh
# keypoints_reference.sh - the C keypoint estimators against a fresh run of the
# numpy/scipy reference (tests/drill/keypoints_reference.py) on every shared
# Setitec file: same keypoints produced or refused, same rows, positions within
# 1e-9 mm. Skips (77) without Debian's python3-numpy/python3-scipy or the data.
set -u
STRATA="${STRATA:?set STRATA to the strata binary}"
PY=/usr/bin/python3
src="${STRATA_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}"
data="${STRATA_TESTDATA:-$src/../shared/data}/drilling/setitec"
bin="$(dirname "$STRATA")/tests/test_drill_keypoints"

if ! [ -x "$PY" ] || ! "$PY" -c 'import numpy, scipy.signal' 2>/dev/null; then
	echo "SKIPPED: python3-numpy and python3-scipy are not installed"
	exit 77
fi
if ! [ -d "$data" ]; then
	echo "SKIPPED: no Setitec data at $data"
	exit 77
fi
if ! [ -x "$bin" ]; then
	echo "SKIPPED: $bin is not built"
	exit 77
fi

tmp=$(mktemp -d /tmp/strata-kp-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
if ! STRATA_KP_DUMP="$tmp/c.json" "$bin" >"$tmp/log" 2>&1; then
	cat "$tmp/log"
	echo "FAIL: $bin"
	exit 1
fi
"$PY" "$src/tests/drill/keypoints_reference.py" check "$tmp/c.json" --data "$data" --tol 1e-9
