#!/usr/bin/python3
"""Reference variability metrics (numpy) for tests/sky/test_variability.c.

Writes variability_golden.json: light curves (flux, err) and their metrics as
defined in docs/sky.md:
  w = 1/err^2, weighted mean fw = sum(w f)/sum(w), chi2 = sum(w (f - fw)^2),
  eta = chi2/(N-1), V = std(f, ddof=1)/mean(f), m = std(f, ddof=0)/mean(f).
Run: python3 tests/sky/variability_reference.py > tests/sky/variability_golden.json
"""
import json

import numpy as np


def metrics(f, e):
    f = np.asarray(f, dtype=float)
    e = np.asarray(e, dtype=float)
    w = 1.0 / e**2
    fw = np.sum(w * f) / np.sum(w)
    chi2 = float(np.sum(w * (f - fw) ** 2))
    n = len(f)
    return {
        "n": n,
        "mean": float(np.mean(f)),
        "weighted_mean": float(fw),
        "chi2": chi2,
        "eta": chi2 / (n - 1),
        "v": float(np.std(f, ddof=1) / np.mean(f)),
        "m": float(np.std(f, ddof=0) / np.mean(f)),
    }


rng = np.random.default_rng(110)
cases = []
cases.append({"flux": [1.0, 1.1, 0.9, 1.05, 0.95], "err": [0.1, 0.1, 0.1, 0.1, 0.1]})
cases.append({"flux": [0.02, 0.021, 0.019, 0.05, 0.02, 0.018],
              "err": [0.001, 0.001, 0.0012, 0.002, 0.001, 0.0009]})
for n in (2, 10, 200):
    f = 0.05 + 0.01 * rng.standard_normal(n)
    e = 0.001 + 0.004 * rng.random(n)
    cases.append({"flux": f.tolist(), "err": e.tolist()})
for c in cases:
    c["expected"] = metrics(c["flux"], c["err"])
print(json.dumps({"cases": cases}, indent=1))
