#!/usr/bin/env python3
"""Reference for src/noise/stats.c and qcone.c: Noiz's datachunk statistics
(scipy.stats.describe and sum(x^2)/N, as noiz/processing/datachunk.py
calculate_datachunk_stats) and QC-one decisions transcribed from
noiz/processing/qc.py, api/qc.py and models/qc.py.

Usage:
  qc_reference.py stats IN OUT
      IN: raw little-endian float64 samples; OUT: 7 float64 (energy, min, max,
      mean, variance, skewness, kurtosis; NaN where scipy gives NaN)
  qc_reference.py qcone IN.json OUT.json
      IN: {"config": <QCOne params_json>, "cases": [{"network", "station",
      "component", "ts_start", "ts_end" (ns), "stats": null | [7 numbers or
      null], "gps": null | [time_error, time_uncertainty] (numbers or null)}]}
      OUT: [{"applies": bool, "checks": [21 bools], "passed": bool}]
Exit 77 without numpy/scipy.

One deliberate difference from Noiz, as in the C code: a statistic passes
its _min bound when min <= value and its _max bound when value <= max. Noiz
calls compare_vals_null_safe(config.signal_X_max, stats.X, operator.le),
i.e. max <= value, the other way round (its GPS bounds are the right way).
"""
import json
import operator as ope
import sys

try:
    import numpy as np
    import scipy.stats
except ImportError:
    sys.exit(77)

STATS = ["energy", "min", "max", "mean", "variance", "skewness", "kurtosis"]
STAT_BOUND_NAMES = ["signal_energy", "signal_min_value", "signal_max_value",
                    "signal_mean_value", "signal_variance", "signal_skewness",
                    "signal_kurtosis"]
GPS_BOUND_NAMES = ["avg_gps_time_error", "avg_gps_time_uncertainty"]


def stats(x):
    """noiz calculate_datachunk_stats: scipy.stats.describe plus energy."""
    with np.errstate(all="ignore"):
        import warnings
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            d = scipy.stats.describe(x)
            energy = np.sum(np.power(x, 2)) / d.nobs
    return [energy, d.minmax[0], d.minmax[1], d.mean, d.variance, d.skewness, d.kurtosis]


def to_ns(text):
    """An ISO 8601 date or UTC time string (as params.c stores TOML dates) in ns."""
    if text.endswith("Z"):
        text = text[:-1]
    return int(np.datetime64(text, "ns").astype(np.int64))


def compare_vals_null_safe(a, b, op, null_value):
    """noiz.processing.qc.compare_vals_null_safe."""
    if a is None or b is None:
        return null_value
    if (not a == a) or (not b == b):
        return null_value
    return bool(op(a, b))


def to_bool(v):
    """pydantic's coercion of strict_gps ("True"/"False" strings in Noiz's files)."""
    if isinstance(v, bool):
        return v
    return {"true": True, "false": False}[str(v).lower()]


def parse_config(cfg):
    """QCOneConfigHolder defaults and create_qcone_config."""
    c = {
        "null_value": {"pass": True, "fail": False}[cfg.get("null_treatment_policy", "pass")],
        "strict_gps": to_bool(cfg.get("strict_gps", False)),
        "starttime": to_ns(cfg.get("starttime", "2010-01-01")),
        "endtime": to_ns(cfg.get("endtime", "2030-01-01")),
        "rejected": [],
    }
    for name in GPS_BOUND_NAMES + STAT_BOUND_NAMES:
        for side in ("min", "max"):
            c[f"{name}_{side}"] = cfg.get(f"{name}_{side}")
    for r in cfg.get("rejected_times", []):
        start, end = to_ns(r["starttime"]), to_ns(r["endtime"])
        if not start < end:
            raise ValueError("Rejected starttime is after rejected endtime.")
        c["rejected"].append(((r["network"], r["station"], r["component"]), start, end))
    return c


def uses(c, names):
    return any(c[f"{n}_{s}"] is not None for n in names for s in ("min", "max"))


def applies(c, case):
    """_generate_inputs_for_qcone_runner: which chunks the joins keep."""
    if uses(c, STAT_BOUND_NAMES) and case["stats"] is None:
        return False
    if c["strict_gps"] and uses(c, GPS_BOUND_NAMES) and case["gps"] is None:
        return False
    return True


def accepted_time(c, case):
    """_determine_if_datachunk_is_in_qcone_accepted_time with inclusive overlap."""
    key = (case["network"], case["station"], case["component"])
    checks = [True]
    for comp, start, end in c["rejected"]:
        if comp != key:
            continue
        overlap = (start <= case["ts_end"]) and (case["ts_start"] <= end)
        checks.append(not overlap)
    return all(checks)


def decide(c, case):
    """calculate_qcone_results; checks in qcone_result's column order."""
    nv = c["null_value"]
    out = [
        compare_vals_null_safe(c["starttime"], case["ts_start"], ope.le, nv),
        compare_vals_null_safe(c["endtime"], case["ts_end"], ope.ge, nv),
        accepted_time(c, case),
    ]
    gps = case["gps"]
    for i, name in enumerate(GPS_BOUND_NAMES):
        if gps is None:
            out += [nv, nv]
        else:
            out.append(compare_vals_null_safe(c[f"{name}_min"], gps[i], ope.le, nv))
            out.append(compare_vals_null_safe(c[f"{name}_max"], gps[i], ope.ge, nv))
    st = case["stats"]
    for i, name in enumerate(STAT_BOUND_NAMES):
        if st is None:
            out += [nv, nv]
        else:
            # min <= value and max >= value (Noiz has le/ge swapped here).
            out.append(compare_vals_null_safe(c[f"{name}_min"], st[i], ope.le, nv))
            out.append(compare_vals_null_safe(c[f"{name}_max"], st[i], ope.ge, nv))
    return out


def qcone(doc):
    c = parse_config(doc["config"])
    res = []
    for case in doc["cases"]:
        checks = decide(c, case)
        res.append({"applies": applies(c, case), "checks": checks, "passed": all(checks)})
    return res


def main(argv):
    if argv[1] == "stats":
        x = np.fromfile(argv[2], dtype="<f8")
        np.asarray(stats(x), dtype="<f8").tofile(argv[3])
    elif argv[1] == "qcone":
        with open(argv[2]) as f:
            doc = json.load(f)
        with open(argv[3], "w") as f:
            json.dump(qcone(doc), f)
    else:
        sys.exit(f"unknown operation {argv[1]}")


if __name__ == "__main__":
    main(sys.argv)
