#!/usr/bin/env python3
"""Independent reference for `strata sky qa`'s robust statistics.

usage: fits_qa_reference.py IMAGE.fits QA.json

Reads the image with astropy.io.fits, recomputes the MAD rms and the
sigma-clipped rms/median with numpy (3 sigma about the median, population
std, until nothing is removed or 20 iterations; docs/sky-science.md), checks
them against astropy.stats when available, and compares with the JSON that
strata printed. Relative tolerance 1e-5 (strata reads float32 pixels and sums
in double; numpy works in float64 as well). Exit 0 when all agree.
"""
import json
import sys

import numpy as np
from astropy.io import fits

TOL = 1e-5


def sigma_clip(v, sigma=3.0, maxiters=20):
    """Median and std after iterative clipping about the median."""
    iterations = 0
    while iterations < maxiters:
        m, s = np.median(v), np.std(v)
        iterations += 1
        kept = v[np.abs(v - m) <= sigma * s]
        if kept.size == v.size:
            return m, s, iterations
        v = kept
    return np.median(v), np.std(v), iterations


def close(name, ours, ref, failures):
    if not np.isclose(ours, ref, rtol=TOL, atol=1e-9):
        failures.append(f"{name}: strata {ours!r} reference {ref!r}")
    else:
        print(f"ok {name}: strata {ours:.8g} reference {ref:.8g}")


def main():
    image, qa_json = sys.argv[1], sys.argv[2]
    data = fits.getdata(image)
    planes = int(np.prod(data.shape[:-2]))
    while data.ndim > 2:  # the first plane: index 0 of every extra axis
        data = data[0]
    data = data.astype(np.float64)
    v = data[np.isfinite(data)]
    qa = json.load(open(qa_json))
    failures = []
    median = np.median(v)
    mad = 1.482602218505602 * np.median(np.abs(v - median))
    cmed, cstd, iters = sigma_clip(v)
    close("median", qa["median"], median, failures)
    close("mad_rms", qa["mad_rms"], mad, failures)
    close("rms", qa["rms"], cstd, failures)
    close("background", qa["background"], cmed, failures)
    close("peak", qa["peak"], np.max(v), failures)
    if qa["clip_iterations"] != iters:
        failures.append(f"clip_iterations: strata {qa['clip_iterations']} reference {iters}")
    if qa["planes"] != planes:
        failures.append(f"planes: strata {qa['planes']} reference {planes}")
    if qa["n_pixels"] != v.size:
        failures.append(f"n_pixels: strata {qa['n_pixels']} reference {v.size}")
    try:
        from astropy.stats import mad_std, sigma_clipped_stats
        _, amed, astd = sigma_clipped_stats(v, sigma=3, maxiters=20, cenfunc="median",
                                            stdfunc="std")
        close("rms vs astropy", qa["rms"], astd, failures)
        close("background vs astropy", qa["background"], amed, failures)
        close("mad_rms vs astropy", qa["mad_rms"], mad_std(v), failures)
    except ImportError:
        print("astropy.stats not available; numpy reference only")
    for f in failures:
        print("FAIL " + f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
