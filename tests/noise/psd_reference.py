#!/usr/bin/python3
"""Independent reference for strata's Noiz PSD (src/noise/psd.c), numpy/scipy only.

Usage: psd_reference.py PARAMS_JSON FS START_NS IN.f64 OUTDIR

PARAMS_JSON is a PPSDParams table as JSON (Noiz's TOML keys). IN.f64 holds the
chunk's samples (native float64), sampled at FS from START_NS (ns, UTC). Writes
to OUTDIR: mean.f64, std.f64, all.f64 (computed windows x frequencies),
freqs.f64, midtimes.i64 and counts.txt ("nwindows ncomputed nkept" then one
0/1 per computed window). Exits 77 when numpy/scipy are missing.

The window arithmetic follows ObsPy 1.4 (UTCDateTime in integer ns,
get_window_times, Trace.slice with nearest_sample=False), the rest Noiz's
processing/ppsd.py and models/processing_params.py PPSDParams, written out
here from their documented semantics.
"""
import json
import math
import os
import sys
import warnings

try:
    import numpy as np
    from scipy import interpolate
    from scipy.fft import fft, fftfreq
except ImportError:
    sys.exit(77)


def flag(v, default):
    if v is None:
        return default
    if isinstance(v, bool):
        return v
    return {"True": True, "False": False}[v]


def utc_diff(a_ns, b_ns):
    """UTCDateTime.__sub__: seconds rounded to the microsecond."""
    return round((a_ns - b_ns) / 1e9, 6)


def endtime_ns(start_ns, npts, delta):
    timediff = 0 if npts == 0 else float(npts - 1) * delta
    return start_ns + int(round(timediff * 1e9))


def slice_nearest_false(start_ns, npts, fs, s_ns, e_ns):
    """Trace.slice(s, e, nearest_sample=False) -> (first index, npts, start_ns)."""
    delta_t = 1.0 / fs
    first = 0
    # _ltrim
    d = int(math.floor(round(utc_diff(start_ns, s_ns) * fs, 7))) * -1
    if d > 0:
        start_ns += int(round(float(d * delta_t) * 1e9))
        if s_ns > endtime_ns(start_ns, npts, delta_t) or d >= npts:
            npts = 0
        else:
            first += d
            npts -= d
    # _rtrim
    d = int(math.floor(round(utc_diff(e_ns, endtime_ns(start_ns, npts, delta_t)) * fs, 7)))
    if d < 0:
        if e_ns < start_ns:
            npts = 0
        else:
            total = npts - abs(d)
            if e_ns == start_ns:
                total = 1
            npts = len(range(npts)[:total])
    return first, npts, start_ns


def windows(start_ns, fs, n, length, step):
    """obspy get_window_times(include_partial_windows=False) + slice."""
    end_ns = endtime_ns(start_ns, n, 1.0 / fs)
    t0, te = start_ns / 1e9, end_ns / 1e9
    out = []
    for s in np.arange(start=t0, stop=te - 0.001 * step, step=step, dtype=np.float64):
        s = float(s)
        e = min(s + length, te)
        if abs(e - s) > 0.999 * length:
            out.append(slice_nearest_false(start_ns, n, fs, int(round(s * 1e9)), int(round(e * 1e9))))
    return out


def hann_taper(x, max_percentage):
    """Trace.taper(type='hann', max_percentage) on both sides."""
    from scipy.signal import windows as sw
    npts = len(x)
    lens = [] if max_percentage is None else [int(max_percentage * npts)]
    lens.append(int(npts / 2))
    wlen = min(lens)
    sides = sw.hann(2 * wlen if 2 * wlen == npts else 2 * wlen + 1, sym=True)
    taper = np.hstack((sides[:wlen], np.ones(npts - 2 * wlen), sides[len(sides) - wlen:]))
    return x * taper


def main():
    pj, fs, start_ns, inpath, outdir = sys.argv[1:6]
    p = json.loads(pj)
    fs = float(fs)
    start_ns = int(start_ns)
    x = np.fromfile(inpath, dtype=np.float64)

    length, step = float(p["segment_length"]), float(p["segment_step"])
    resample = flag(p.get("resample"), False)
    quantile = float(p.get("rejected_windows_quantile", 0.1))
    nsamp = int(fs * length)
    all_freqs = fftfreq(n=nsamp, d=1 / fs)
    where = np.where((all_freqs >= p["freq_min"]) & (all_freqs <= p["freq_max"]))[0]
    fft_freqs = all_freqs[where]
    if resample:
        freqs = np.arange(start=p["resampled_frequency_start"], stop=p["resampled_frequency_stop"],
                          step=p["resampled_frequency_step"])
    else:
        freqs = fft_freqs

    wins = windows(start_ns, fs, len(x), length, step)
    rows, starts = [], []
    for first, npts, wstart in wins:
        if npts == nsamp + 1:
            npts = nsamp
        elif npts != nsamp:
            continue
        seg = x[first:first + npts].copy()
        if p.get("taper_type") is not None:
            if p["taper_type"] != "hann":
                sys.exit("psd_reference.py: only the hann taper is transcribed")
            seg = hann_taper(seg, p.get("taper_max_percentage"))
        amp = np.abs(fft(seg)[where])
        if resample:
            amp = interpolate.interp1d(fft_freqs, amp)(freqs)
        rows.append(amp)
        starts.append(wstart)
    all_ffts = np.array(rows, dtype=np.float64).reshape(len(rows), len(freqs))
    all_ffts = 2 * (1 / fs) ** 2 * (1 / length) * all_ffts ** 2
    energy = np.nansum(all_ffts, axis=1)
    kept = (energy < np.nanquantile(energy, 1 - quantile)) & (energy > np.nanquantile(energy, quantile))
    acc = all_ffts[np.where(kept)[0], :]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mean = np.nanmean(acc, axis=0) if len(acc) else np.full(len(freqs), np.nan)
        std = np.nanstd(acc, axis=0) if len(acc) else np.full(len(freqs), np.nan)
    half_step = int(round(step * 1e9)) // 2
    mids = np.array([round(s, -3) + half_step for s in starts], dtype=np.int64)

    np.asarray(mean, dtype=np.float64).tofile(os.path.join(outdir, "mean.f64"))
    np.asarray(std, dtype=np.float64).tofile(os.path.join(outdir, "std.f64"))
    all_ffts.tofile(os.path.join(outdir, "all.f64"))
    np.asarray(freqs, dtype=np.float64).tofile(os.path.join(outdir, "freqs.f64"))
    mids.tofile(os.path.join(outdir, "midtimes.i64"))
    with open(os.path.join(outdir, "counts.txt"), "w") as f:
        f.write("%d %d %d\n" % (len(wins), len(rows), int(kept.sum())))
        f.write(" ".join(str(int(k)) for k in kept) + "\n")


if __name__ == "__main__":
    main()
