#!/usr/bin/python3
"""Python peer of bench_drill: the numpy/scipy keypoint reference
(tests/drill/keypoints_reference.py, written after the line's Python
implementation) on the same shared Setitec exports. Lines match bench_drill's
format for scripts/bench's ratio."""
import glob
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "drill"))

try:
    import keypoints_reference as ref
except ImportError as e:  # numpy/scipy missing
    print(f"{'parse + estimate':<36} skipped: {e}")
    sys.exit(0)

root = os.environ.get("STRATA_TESTDATA") or "../shared/data"
paths = sorted(glob.glob(f"{root}/drilling/setitec/**/*.xls", recursive=True))
if not paths:
    print(f"{'setitec parse':<36} skipped: no files")
    sys.exit(0)
start = time.perf_counter()
for p in paths:
    ref.load_setitec(p)
t = time.perf_counter() - start
print(f"{'setitec parse':<36} {len(paths) / t:12.0f} files/s  ({len(paths)} files)")
start = time.perf_counter()
for p in paths:
    try:
        ref.estimate(p)
    except Exception:  # the reference refuses some files, as the C code does
        pass
t = time.perf_counter() - start
print(f"{'parse + estimate':<36} {len(paths) / t:12.0f} holes/s  ({len(paths)} estimates)")
