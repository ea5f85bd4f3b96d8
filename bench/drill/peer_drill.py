#!/usr/bin/python3
"""Python peer of bench_drill: the numpy/scipy keypoint reference
(tests/drill/keypoints_reference.py, written after the line's Python
implementation) on the same shared Setitec exports. Lines match bench_drill's
format for scripts/bench's ratio.

"hole process (N samples)": what the original service does per hole without
its trained model: json.loads of Result, Trace and Heads, the data_ids
containment lookup, the join of no-load torque on step, the reference
estimators, json.dumps of the two payloads; on the same resampled data2
traces as bench_drill (data2 deepened and resampled). There is no fair peer for the correlator (the
original's is entangled with its MQTT client), so that line has no ratio."""
import glob
import json
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "drill"))

try:
    import numpy as np
    import keypoints_reference as ref
except ImportError as e:  # numpy/scipy missing
    print(f"{'parse + estimate':<36} skipped: {e}")
    sys.exit(0)

root = os.environ.get("STRATA_TESTDATA") or "../shared/data"

PRE = "ResultManagement.Results.0."
TR = PRE + "ResultContent.Trace.StepTraces."
SV = PRE + "ResultContent.StepResults.0.StepResultValues."
TRACE_KEYS = ["PositionTrace", "IntensityTorqueTrace", "IntensityThrustTrace",
              "StepNumberTrace"]


def value(payload, path):
    """The original's reduce_dict: the first key containing path."""
    for k, v in payload.items():
        if path in k:
            return v["Value"]
    raise KeyError(path)


def resample(v, n, nearest):
    """v resampled linearly to n points, as bench_drill does."""
    m, out = len(v), []
    for i in range(n):
        x = i * (m - 1) / (n - 1) if n > 1 else 0.0
        lo = int(x)
        f = x - lo
        if lo + 1 >= m:
            out.append(v[m - 1])
        elif nearest:
            out.append(v[lo] if f < 0.5 else v[lo + 1])
        else:
            out.append(v[lo] + f * (v[lo + 1] - v[lo]))
    return out


def step2_run(step):
    """The first run of step code 2: (a, b), or None."""
    a = next((i for i, s in enumerate(step) if s == 2), len(step))
    b = a
    while b < len(step) and step[b] == 2:
        b += 1
    return (a, b) if b - a >= 2 else None


def deepen(arrays, cycles):
    """bench_drill's deepen(): more copies of the step-2 run, positions
    continued, the rest shifted after them."""
    pos, step = arrays[0], arrays[3]
    run = step2_run(step)
    if not run or cycles == 0:
        return arrays
    a, b = run
    depth = pos[b - 1] - pos[a] + pos[a + 1] - pos[a]
    out = [[] for _ in arrays]
    for i in range(len(pos)):
        if i == b:
            for c in range(cycles):
                for j in range(a, b):
                    for k, arr in enumerate(arrays):
                        out[k].append(arr[j] + ((c + 1) * depth if k == 0 else 0))
        for k, arr in enumerate(arrays):
            out[k].append(arr[i] + (cycles * depth if k == 0 and i >= b else 0))
    return out


def trace_message(trace, n):
    p = trace["Messages"]["Payload"]
    arrays = [value(p, TR + k + ".StepTraceContent[0].Values") for k in TRACE_KEYS]
    run = step2_run(arrays[3])
    cycles = 0
    if n > len(arrays[0]) and run:
        length = run[1] - run[0]
        cycles = (n - len(arrays[0]) + length - 1) // length
    arrays = deepen(arrays, cycles)
    pay = {"bench." + TR + "PositionTrace.StepResultId":
           {"Value": value(p, TR + "PositionTrace.StepResultId"),
            "SourceTimestamp": "2024-12-04T19:14:42Z"}}
    for k, vals in zip(TRACE_KEYS, arrays):
        pay["bench." + TR + k + ".StepTraceContent[0].Values"] = {
            "Value": resample(vals, n, k == "StepNumberTrace"),
            "SourceTimestamp": "2024-12-04T19:14:42Z"}
    return json.dumps({"MessageId": "bench", "Messages": {"Payload": pay}})


def hole_process(result_text, trace_text, heads_text):
    r = json.loads(result_text)["Messages"]["Payload"]
    t = json.loads(trace_text)["Messages"]["Payload"]
    h = json.loads(heads_text)["Messages"]["Payload"]
    head_id = str(value(h, "AssetManagement.Assets.Heads.0.Identification.SerialNumber")).strip()
    steps, empty = value(r, SV + "StepNumber"), value(r, SV + "IntensityTorqueEmpty")
    if not isinstance(steps, list):
        steps, empty = [steps], [empty]
    pos = np.array(value(t, TR + "PositionTrace.StepTraceContent[0].Values"), dtype=float)
    tor = np.array(value(t, TR + "IntensityTorqueTrace.StepTraceContent[0].Values"), dtype=float)
    step = np.array(value(t, TR + "StepNumberTrace.StepTraceContent[0].Values"), dtype=float)
    lookup = dict(zip(steps, empty))
    emp = np.array([lookup.get(s, np.nan) for s in step])
    base = {"SourceTimestamp": "2024-12-04T19:14:42Z",
            "MachineId": str(value(r, PRE + "ResultMetaData.SerialNumber")),
            "ResultId": str(value(r, PRE + "ResultMetaData.ResultId")), "HeadId": head_id}
    try:
        k = [ref.entry_point(pos, tor)[1], ref.transition_point(pos, tor, step)[1],
             ref.segmented_by_step(pos, tor, emp, step)["exit"]["position"]]
        d = [k[1] - k[0], k[2] - k[1]]
        out = [dict(base, Value=k, AlgoVersion="peer"), dict(base, Value=d, AlgoVersion="peer")]
    except (ref.KpError, KeyError) as e:
        out = [dict(base, Value=f"Error in {w} estimation: {e}", Error=True)
               for w in ("keypoint", "depth")]
    return [json.dumps(o) for o in out]


def bench_holes():
    mq = f"{root}/drilling/mqtt"
    try:
        result = open(f"{mq}/data2/Result.json").read()
        trace = json.load(open(f"{mq}/data2/Trace.json"))
        heads = open(f"{mq}/data_20250326/Heads.json").read()
    except OSError:
        print(f"{'hole process':<36} skipped: no mqtt/data2 capture")
        return
    for n in (500, 1860, 5000, 10000):
        msg = trace_message(trace, n)
        rounds = 40 if n <= 2000 else 10
        start = time.perf_counter()
        errors = 0
        for _ in range(rounds):
            errors += '"Error": true' in hole_process(result, msg, heads)[0]
        t = time.perf_counter() - start
        label = f"hole process ({n} samples)"
        print(f"{label:<36} {rounds / t:12.0f} holes/s  ({rounds} holes, {errors} with Error)")


bench_holes()
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
