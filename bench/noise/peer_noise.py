#!/usr/bin/python3
"""Python peer of bench_datachunk: the numpy/scipy reference of Noiz's
datachunk preparation (tests/noise/datachunk_reference.py, ObsPy's semantics)
on the same input. Lines match bench_datachunk's names for scripts/bench's
ratio: "... 1 thread" is one process, the other line a multiprocessing pool of
one process per core (as Noiz runs Dask workers); best of 2 passes each.

- "datachunk real day": the CI.CCA and CI.HEC BHN day as bench_datachunk
  decoded it (it leaves the samples under $TMPDIR/strata_bench_datachunk;
  there is no miniSEED decoder here), config_examples/datachunk_params.toml.
  The response is a poles-and-zeros one evaluated once per grid (the
  StationXML evaluation is not timed on either side after the first chunk).
- "datachunk 20 stations": the synthetic day bench_datachunk generates, on
  the first PEER_NOISE_STATIONS stations (default 4; a rate per chunk).
"""
import math
import multiprocessing
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "noise"))

try:
    import numpy as np
    import dsp_reference as dsp
    import datachunk_reference as ref
    import tomllib
except ImportError as e:
    print(f"{'datachunk':<36} skipped: {e}")
    sys.exit(0)

SEC = 1000000000
DAY = 1641081600 * SEC
WINDOWS, WINDOW_S = 48, 1800

JOBS = []  # (params, segments, response) per component, shared with forked workers


def paz(freqs):
    s = 2j * np.pi * freqs
    p = [-0.037 + 0.037j, -0.037 - 0.037j, -251.3, -131.0 + 467.3j, -131.0 - 467.3j]
    h = 1e9 * 6.0e7 * s * s
    for pole in p:
        h = h / (s - pole)
    return h


RESPONSES = {}


def response(n, fs):
    """The response on remove_response's grid for n samples (memoized)."""
    if (n, fs) not in RESPONSES:
        nfft = dsp.npts2nfft(n)
        RESPONSES[(n, fs)] = paz(np.arange(1, nfft // 2 + 1) * fs / nfft)
    return RESPONSES[(n, fs)]


def one_chunk(i):
    p, segs = JOBS[i // WINDOWS]
    t0 = DAY + (i % WINDOWS) * WINDOW_S * SEC
    n_out = int(WINDOW_S * p.sampling_rate)
    ref.prepare(p, t0, t0 + WINDOW_S * SEC, segs, response(n_out, p.sampling_rate), None)
    return 1


def run(name, raw_fs, reps):
    """Best of reps passes in one process and on a pool of one process per core."""
    n = len(JOBS) * WINDOWS
    procs = os.cpu_count() or 1
    serial = parallel = float("inf")
    for _ in range(reps):
        t = time.perf_counter()
        for i in range(n):
            one_chunk(i)
        serial = min(serial, time.perf_counter() - t)
        t = time.perf_counter()
        with multiprocessing.get_context("fork").Pool(procs) as pool:
            sum(pool.map(one_chunk, range(n), chunksize=1))
        parallel = min(parallel, time.perf_counter() - t)
    for label, s, k in ((name, parallel, procs), (name + " 1 thread", serial, 1)):
        print(f"{label:<36} {n / s:12.2f} chunks/s  ({n} chunks, "
              f"{n * WINDOW_S * raw_fs / s / 1e6:.2f}M raw samples/s, {k} processes, "
              f"best of {reps})", flush=True)


def real_day(root):
    meta = os.path.join(os.environ.get("TMPDIR", "/tmp"), "strata_bench_datachunk", "segments.txt")
    toml = os.path.join(root, "seismic", "noiz", "config_examples", "datachunk_params.toml")
    if not os.path.exists(meta) or not os.path.exists(toml):
        print(f"{'datachunk real day':<36} skipped: run bench_datachunk first (no {meta})")
        return
    with open(toml, "rb") as f:
        p = ref.Params(tomllib.load(f)["DatachunkParams"])
    stations = {}
    with open(meta) as f:
        for line in f:
            name, start, fs, path = line.split()
            x = np.require(np.fromfile(path, dtype="<f8"), dtype=np.int32)
            stations.setdefault(name, []).append((int(start), float(fs), x))
    JOBS[:] = [(p, segs) for segs in stations.values()]
    run("datachunk real day", 40.0, 2)


def synthetic_day(n, k):
    i = np.arange(n, dtype=np.float64)
    t = i / 40.0
    h = np.sin(i * 12.9898 + k) * 43758.5453
    x = np.floor(1000.0 * np.sin(2 * math.pi * 0.15 * t + k) + 200.0 * np.sin(2 * math.pi * 4.0 * t)
                 + 400.0 * (h - np.floor(h)))
    return x.astype(np.int32)


def synthetic():
    p = ref.Params({"sampling_rate": 24, "prefiltering_low": 0.01, "prefiltering_high": 11.0,
                    "prefiltering_order": 4, "preprocessing_taper_max_length": 5,
                    "preprocessing_taper_max_percentage": 0.1, "remove_response": True,
                    "datachunk_sample_tolerance": 0.02, "zero_padding_method": "tapered_padded",
                    "padding_taper_max_length": 5, "padding_taper_max_percentage": 10})
    stations = int(os.environ.get("PEER_NOISE_STATIONS", "4"))
    JOBS[:] = [(p, [(DAY + k * 1000000, 40.0, synthetic_day(86400 * 40, k))])
               for k in range(stations)]
    run("datachunk 20 stations", 40.0, 2)


if __name__ == "__main__":
    real_day(os.environ.get("STRATA_TESTDATA") or "../shared/data")
    synthetic()
