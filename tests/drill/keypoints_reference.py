#!/usr/bin/python3
"""keypoints_reference.py - independent Python reference for src/drill/keypoints.c.

Recomputes the deterministic drilling keypoints with numpy/scipy (Debian's
python3-numpy and python3-scipy) from the definitions in docs/drill-keypoints.md,
parsing the Setitec exports with the standard library only.

  keypoints_reference.py golden [--data DIR] [--out FILE]
      write the golden JSON (default tests/drill/keypoints_golden.json)
  keypoints_reference.py check RESULTS.json [--data DIR] [--tol 1e-9]
      recompute and compare with results the C code wrote (same format);
      exit 0 when every keypoint agrees, 1 otherwise
  keypoints_reference.py float32 [--data DIR]
      report how many keypoints change when the traces are parsed into
      float32 as the line's original loader did (information only)

The JSON maps each file's path relative to the data folder to
{"n": rows, "entry": KP, "transition": KP, "segmented": {...},
 "segmented_reference": {...}}, where KP is {"index": i, "position": mm} or
{"error": "reason"}.
"""
import argparse
import glob
import json
import math
import os
import sys

import numpy as np
from scipy.signal import savgol_filter

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_DATA = os.path.join(HERE, "..", "..", "..", "shared", "data", "drilling", "setitec")
BIT_DEPTH = 0.7  # mm, the rolling-median window length along the hole


class KpError(Exception):
    """A keypoint that cannot be produced; the message is the reason."""


# --- Setitec parsing (standard library) -------------------------------------

def parse_number(cell):
    """A table cell: decimal comma or point; empty -> NaN."""
    cell = cell.strip()
    if not cell:
        return math.nan
    if "," in cell:
        head, _, tail = cell.rpartition(",")
        cell = head.replace(",", "") + "." + tail
    return float(cell)


def load_setitec(path):
    """The Datas table as a dict of column name -> list of floats."""
    with open(path, "r", encoding="latin-1", newline="") as f:
        lines = f.read().replace("\r\n", "\n").replace("\r", "\n").split("\n")
    for k, line in enumerate(lines):
        sep = "\t" if "\t" in line else ";"
        cells = line.split(sep)
        if cells and cells[0].strip() == "Position (mm)":
            header = [c.strip() for c in cells]
            break
    else:
        raise KpError("no data table (no 'Position (mm)' header)")
    # the first column of each name; duplicated and empty names are ignored
    first = {}
    for j, h in enumerate(header):
        if h and h not in first:
            first[h] = j
    cols = {h: [] for h in first}
    for line in lines[k + 1:]:
        if not line.replace("\t", "").replace(";", "").strip():
            if any(cols.values()):
                break
            continue
        cells = line.split(sep)
        for h, j in first.items():
            cols[h].append(parse_number(cells[j]) if j < len(cells) else math.nan)
    return cols


def trace_from_file(path, dtype=np.float64):
    cols = load_setitec(path)
    for need in ("Position (mm)", "I Torque (A)", "Step (nb)"):
        if need not in cols:
            raise KpError(f"missing column '{need}'")
    pos = np.array(cols["Position (mm)"], dtype=dtype)
    tor = np.array(cols["I Torque (A)"], dtype=dtype)
    emp = cols.get("I Torque Empty (A)")
    emp = np.array(emp, dtype=dtype) if emp is not None else None
    step = np.array(cols["Step (nb)"], dtype=np.float64)
    return pos, tor, emp, step


# --- the estimators ----------------------------------------------------------

def entry_point(pos, tor):
    """First sustained torque rise past 3 mm, then the back-search."""
    n = len(tor)
    x = -pos if pos[:200].sum() < 0 else pos.copy()
    first = None
    for i in range(n - 2):
        if tor[i] > 0.1 and tor[i + 1] > 0.1 and tor[i + 2] > 0.1 and x[i] > 3:
            first = i
            break
    if first is None:
        raise KpError("no torque rise: no 3 samples above 0.1 A beyond 3 mm")
    idx = first
    for i in range(first - 1, 0, -1):
        # i - 3 < 0 wraps to the end as Python indexing does (as the original)
        if tor[i] - tor[i - 3] < 1e-4 and tor[i + 3] - tor[i] >= 0.05:
            idx = i
            break
    return idx, float(x[idx])


def transition_point(pos, tor, step, offset=300):
    """Savitzky-Golay 11/2 + gradient > mean + 2 std in the samples before step 2."""
    rows = np.nonzero(step == 2)[0]
    if len(rows) == 0:
        raise KpError("no step 2")
    end = int(rows[0])
    start = max(0, end - offset)
    if end - start < 11:
        raise KpError(f"only {end - start} samples before step 2, need 11")
    seg = tor[start:end]
    smoothed = savgol_filter(seg, window_length=11, polyorder=2)
    grad = np.gradient(smoothed)
    thr = np.mean(grad) + 2 * np.std(grad)
    cand = np.nonzero(grad > thr)[0]
    if len(cand) == 0:
        raise KpError("no gradient above mean + 2 std before step 2")
    idx = start + int(cand[0])
    return idx, float(abs(pos[idx]))


def rolling_median(v, w):
    """Trailing rolling median, full window required; NaN inside -> NaN."""
    out = np.full(len(v), np.nan)
    if w < 1 or w > len(v):
        return out
    win = np.lib.stride_tricks.sliding_window_view(v, w)
    out[w - 1:] = np.median(win, axis=1)
    return out


def py_round(v):
    return int(round(v))


def segment_stats(x, tq, lo, hi):
    """Rolling median of dtorque/dx over rows lo..hi-1; (median array, window)."""
    xs, ts = x[lo:hi], tq[lo:hi]
    dx = np.diff(xs)
    if len(dx) == 0:
        raise KpError(f"segment at row {lo} has a single sample")
    feed = float(np.median(dx))
    if not feed > 0:
        raise KpError(f"segment at row {lo}: median feed {feed!r} per sample is not positive")
    w = py_round(BIT_DEPTH / feed)
    if w < 1 or w > len(dx):
        raise KpError(f"segment at row {lo}: window {w} does not fit {hi - lo} samples")
    with np.errstate(divide="ignore", invalid="ignore"):
        q = np.concatenate(([np.nan], np.diff(ts) / dx))
    # pandas' rolling turns +-inf (dx == 0) into NaN before it rolls
    q[~np.isfinite(q)] = np.nan
    med = rolling_median(q, w)
    if np.all(np.isnan(med)):
        raise KpError(f"segment at row {lo}: no full window without NaN")
    return med, w


def argmax_first(med):
    """First index of the largest non-NaN value (pandas idxmax)."""
    return int(np.nanargmax(med))


def argmin_first(med):
    """First index of the smallest non-NaN value (pandas idxmin)."""
    return int(np.nanargmin(med))


def full_torque(tor, emp):
    return tor + emp if emp is not None else tor


def kp(idx, x):
    return {"index": int(idx), "position": float(x[idx])}


def segmented_generic(x, tq, bounds, which):
    """Keypoints from segments: which = {'entry': k1, 'exit': k2} in bounds."""
    res = {}
    for name, seg, fn in (("entry", which[0], argmax_first),
                          ("transition", which[1], argmax_first),
                          ("exit", which[1], argmin_first)):
        if seg is None:
            res[name] = {"error": which[2]}
            continue
        lo, hi = bounds[seg]
        try:
            med, w = segment_stats(x, tq, lo, hi)
            d = kp(lo + fn(med), x)
            d["window"] = w
            res[name] = d
        except KpError as e:
            res[name] = {"error": str(e)}
    return res


def segmented_reference(pos, tor, emp):
    """Original: segments split where the |position| difference is negative."""
    x = np.abs(pos)
    tq = full_torque(tor, emp)
    starts = [0] + [i + 1 for i in np.nonzero(np.diff(x) < 0)[0]]
    bounds = [(s, e) for s, e in zip(starts, starts[1:] + [len(x)])]
    s1 = 1 if len(bounds) > 1 else None
    s2 = 2 if len(bounds) > 2 else None
    reason = f"only {len(bounds)} position segments, the reference needs 3"
    res = segmented_generic(x, tq, bounds, (s1, s2, reason))
    if s1 is None:
        res["entry"] = {"error": reason}
    return res


def segmented_by_step(pos, tor, emp, step):
    """Generalised: the first two drilling step codes (code 0 is approach)."""
    x = np.abs(pos)
    tq = full_torque(tor, emp)
    runs = []  # first contiguous run of each code, in order of appearance
    seen = set()
    i, n = 0, len(step)
    while i < n:
        j = i
        while j < n and step[j] == step[i]:
            j += 1
        code = step[i]
        if code not in seen and not math.isnan(code):
            seen.add(code)
            if code != 0:
                runs.append((code, i, j))
        i = j
    if not runs:
        err = "no drilling step (only step 0 or none)"
        return {"entry": {"error": err}, "transition": {"error": err}, "exit": {"error": err}}
    bounds = [(lo, hi) for _, lo, hi in runs]
    s2 = 1 if len(runs) > 1 else None
    res = segmented_generic(x, tq, bounds, (0, s2, "no second drilling step"))
    res["steps"] = [int(c) for c, _, _ in runs[:2]]
    return res


def estimate(path, dtype=np.float64):
    out = {}
    try:
        pos, tor, emp, step = trace_from_file(path, dtype)
    except KpError as e:
        return {"error": str(e)}
    out["n"] = len(pos)
    for name, fn in (("entry", lambda: entry_point(pos, tor)),
                     ("transition", lambda: transition_point(pos, tor, step))):
        try:
            idx, val = fn()
            out[name] = {"index": idx, "position": val}
        except KpError as e:
            out[name] = {"error": str(e)}
    out["segmented"] = segmented_by_step(pos, tor, emp, step)
    out["segmented_reference"] = segmented_reference(pos, tor, emp)
    return out


def all_files(data):
    paths = sorted(glob.glob(os.path.join(data, "**", "*.xls"), recursive=True))
    return [(os.path.relpath(p, data), p) for p in paths]


def compute_all(data, dtype=np.float64):
    return {rel: estimate(p, dtype) for rel, p in all_files(data)}


# --- comparison ----------------------------------------------------------------

def keypoints_of(entry):
    """Flatten one file's result into name -> KP dict."""
    flat = {}
    for k in ("entry", "transition"):
        if k in entry:
            flat[k] = entry[k]
    for group in ("segmented", "segmented_reference"):
        for k in ("entry", "transition", "exit"):
            if group in entry and k in entry[group]:
                flat[f"{group}.{k}"] = entry[group][k]
    return flat


def compare(ref, got, tol):
    bad, maxdiff, counted = 0, 0.0, 0
    for rel, r in ref.items():
        g = got.get(rel)
        if g is None:
            print(f"MISSING {rel}")
            bad += 1
            continue
        fr, fg = keypoints_of(r), keypoints_of(g)
        for name, kr in fr.items():
            kg = fg.get(name, {"error": "absent"})
            if ("error" in kr) != ("error" in kg):
                print(f"DIFF {rel} {name}: reference {kr} C {kg}")
                bad += 1
                continue
            if "error" in kr:
                continue
            d = abs(kr["position"] - kg["position"])
            maxdiff = max(maxdiff, d)
            counted += 1
            if d > tol or kr["index"] != kg["index"]:
                print(f"DIFF {rel} {name}: reference {kr} C {kg}")
                bad += 1
    print(f"{counted} keypoints compared, max abs difference {maxdiff:.3g} mm, {bad} mismatches")
    return bad


def summary(res):
    counts = {}
    for r in res.values():
        for name, k in keypoints_of(r).items():
            ok = "error" not in k
            c = counts.setdefault(name, [0, 0])
            c[0] += ok
            c[1] += 1
    for name, (ok, tot) in sorted(counts.items()):
        print(f"{name:32s} {ok:3d} / {tot}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("mode", choices=["golden", "check", "float32"])
    ap.add_argument("results", nargs="?")
    ap.add_argument("--data", default=DEFAULT_DATA)
    ap.add_argument("--out", default=os.path.join(HERE, "keypoints_golden.json"))
    ap.add_argument("--tol", type=float, default=1e-9)
    a = ap.parse_args()
    if not os.path.isdir(a.data):
        print(f"SKIPPED: no Setitec data at {a.data}")
        return 77
    res = compute_all(a.data)
    if a.mode == "golden":
        with open(a.out, "w") as f:
            f.write('{"data": "drilling/setitec", "files": {\n')
            rows = [f" {json.dumps(rel)}: {json.dumps(res[rel], sort_keys=True)}"
                    for rel in sorted(res)]
            f.write(",\n".join(rows))
            f.write("\n}}\n")
        summary(res)
        return 0
    if a.mode == "float32":
        res32 = compute_all(a.data, np.float32)
        return 1 if compare(res, res32, 1e-3) else 0
    with open(a.results) as f:
        got = json.load(f)
    got = got.get("files", got)
    return 1 if compare(res, got, a.tol) else 0


if __name__ == "__main__":
    sys.exit(main())
