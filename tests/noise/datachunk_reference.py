#!/usr/bin/env python3
"""Reference for src/noise/datachunk.c: Noiz's datachunk preparation
(noiz/processing/datachunk.py) on ObsPy 1.4.2's Trace and Stream semantics,
transcribed with numpy/scipy only (ObsPy is not installable here). The
signal-processing pieces come from dsp_reference.py.

Traces are written the way ObsPy holds them: start as integer nanoseconds
(UTCDateTime), sampling rate, numpy data that keep their dtype (int32 for
integer-encoded miniSEED) and may be masked arrays while merging.

Usage: datachunk_reference.py SPEC.json OUT
  SPEC: {"jobs": [JOB, ...]} (outputs OUT.0, OUT.1, ...) or one JOB:
  JOB: {"params": {DatachunkParams keys}, "ts_start": ns, "ts_end": ns,
         "dtype": "int32"|"float64",
         "segments": [{"start": ns, "fs": Hz, "file": raw <f8 samples}, ...],
         "response": file of complex128 response at rfftfreq(nfft)[1:] or null,
         "sensitivity": number or null}
  Writes OUT.json ({"status": "ok"|"nochunk"|"error", "reason", "start", "fs",
  "n", "padded_npts"}) and OUT.f64 (the chunk). Exit 77 without numpy/scipy.
  With the corrections docs/noise-datachunks.md lists: the sample tolerance is
  honoured, lengths of one day or more count whole, all-zero data make no chunk.
"""
import json
import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
try:
    import numpy as np
    import dsp_reference as dsp
except ImportError:
    sys.exit(77)
if not hasattr(dsp, "filt"):
    sys.exit(77)


class NoChunk(Exception):
    """The data do not make a chunk (Noiz logs and skips the timespan)."""


# ---- UTCDateTime arithmetic ----

def t_add(t_ns, seconds):
    return t_ns + int(round(float(seconds) * 1e9))


def t_sub(a_ns, b_ns):
    return round((a_ns - b_ns) / 1e9, 6)


def round_away(x):
    return int(math.floor(abs(x) + 0.5)) * (1 if x >= 0 else -1)


class Trace:
    def __init__(self, start, fs, data):
        self.start, self.fs, self.data = start, float(fs), data

    @property
    def delta(self):
        return 1.0 / self.fs

    @property
    def npts(self):
        return len(self.data)

    @property
    def end(self):
        return self.start if self.npts == 0 else t_add(self.start, float(self.npts - 1) * self.delta)

    def copy(self):
        return Trace(self.start, self.fs, self.data.copy())

    def ltrim(self, t0, pad=False, nearest_sample=True, fill_value=None):
        if nearest_sample:
            delta = round_away(t_sub(t0, self.start) * self.fs)
            if delta < 0 and pad:
                raise NotImplementedError
        else:
            delta = int(math.floor(round(t_sub(self.start, t0) * self.fs, 7))) * -1
        if delta > 0 or pad:
            self.start = t_add(self.start, delta * self.delta)
        if delta == 0 or (delta < 0 and not pad):
            return
        if delta < 0 and pad:
            gap = np.full(-delta, fill_value, dtype=self.data.dtype)
            self.data = np.ma.concatenate((gap, self.data))
        elif t0 > self.end:
            self.data = np.empty(0, dtype=self.data.dtype)
        elif delta > 0:
            self.data = self.data[delta:]

    def rtrim(self, t1, pad=False, nearest_sample=True, fill_value=None):
        if nearest_sample:
            delta = round_away(t_sub(t1, self.start) * self.fs) - self.npts + 1
        else:
            delta = int(math.floor(round(t_sub(t1, self.end) * self.fs, 7)))
        if delta == 0 or (delta > 0 and not pad):
            return
        if delta > 0 and pad:
            gap = np.full(delta, fill_value, dtype=self.data.dtype)
            self.data = np.ma.concatenate((self.data, gap))
            return
        if t1 < self.start:
            self.data = np.empty(0, dtype=self.data.dtype)
            return
        total = len(self.data) - abs(delta)
        if t1 == self.start:
            total = 1
        self.data = self.data[:total]

    def trim(self, t0, t1, pad=False, nearest_sample=True, fill_value=None):
        self.ltrim(t0, pad, nearest_sample, fill_value)
        self.rtrim(t1, pad, nearest_sample, fill_value)
        if pad and fill_value is not None and isinstance(self.data, np.ma.MaskedArray):
            self.data = self.data.filled()

    def taper(self, max_percentage, ttype, max_length, side):
        self.data = dsp.taper(np.require(self.data, dtype=np.float64), self.fs,
                              max_percentage, max_length, ttype, side)


def linear_fill(ls, rs, n, dtype):
    return np.require(np.linspace(ls, rs, n + 2)[1:-1], dtype=dtype)


def add(a, b, method, interpolation_samples=0, fill_value=None):
    """Trace.__add__ (returns a new trace starting at the earlier one)."""
    lt, rt = (a, b) if a.start <= b.start else (b, a)
    if fill_value == "interpolate":
        fill_value = (lt.data[-1], rt.data[0])
    delta = round_away(t_sub(rt.start, lt.end) * lt.fs) - 1
    delta_endtime = t_sub(lt.end, rt.end)
    dtype = lt.data.dtype

    def empty(k):
        if fill_value is None:
            m = np.ma.masked_all(k, dtype=dtype)
            return m
        return linear_fill(fill_value[0], fill_value[1], k, dtype)

    if delta < 0 and delta_endtime < 0:
        delta = abs(delta)
        left, right = lt.data[-delta:], rt.data[:delta]
        if left.shape == right.shape and np.all(np.equal(left, right)):
            data = [lt.data[:-delta], rt.data]
        elif method == 0:
            data = [lt.data[:-delta], np.ma.masked_all(delta, dtype=dtype), rt.data[delta:]]
        else:
            try:
                ls = lt.data[-delta - 1]
            except IndexError:
                ls = lt.data[0]
            k = delta if interpolation_samples == -1 else min(interpolation_samples, delta)
            try:
                rs = rt.data[k]
            except IndexError:
                data = [lt.data]
            else:
                data = [lt.data[:-delta], linear_fill(ls, rs, k, dtype), rt.data[k:]]
    elif delta < 0 and delta_endtime >= 0:
        delta = abs(delta)
        t1 = len(lt.data) - delta
        t2 = t1 + len(rt.data)
        if np.all(np.ma.masked_array(lt.data[t1:t2] == rt.data).filled()):
            data = [lt.data]
        elif method == 0:
            data = [lt.data[:t1], np.ma.masked_all(len(rt.data), dtype=dtype), lt.data[t2:]]
        else:
            data = [lt.data]
    elif delta == 0:
        data = [lt.data, rt.data]
    else:
        data = [lt.data, empty(delta), rt.data]
    if any(isinstance(d, np.ma.MaskedArray) for d in data):
        out = np.ma.concatenate(data)
        if np.ma.count_masked(out) == 0:
            out = out.compressed()
    else:
        out = np.require(np.concatenate(data), dtype=dtype)
    return Trace(lt.start, lt.fs, out)


def merge(traces, method, interpolation_samples=0, fill_value=None):
    """Stream.merge for traces of one id (sorted by start, then end)."""
    ts = sorted([t for t in traces if t.npts], key=lambda t: (t.start, t.end))
    cur = ts[0]
    for t in ts[1:]:
        cur = add(cur, t, method, interpolation_samples, fill_value)
    return cur


def count_consecutive_trues(mask):
    runs, run = [], 0
    for m in list(mask) + [False]:
        if m:
            run += 1
        elif run:
            runs.append(run)
            run = 0
    return np.array(runs, dtype=int)


# ---- Noiz ----

class Params:
    def __init__(self, d):
        self.sampling_rate = float(d.get("sampling_rate", 24))
        self.low = float(d.get("prefiltering_low", 0.01))
        self.high = float(d.get("prefiltering_high", 12.0))
        self.order = int(d.get("prefiltering_order", 4))
        self.taper_type = d.get("preprocessing_taper_type", "cosine")
        self.taper_side = d.get("preprocessing_taper_side", "both")
        self.taper_len = float(d.get("preprocessing_taper_max_length", 5))
        self.taper_pct = float(d.get("preprocessing_taper_max_percentage", 0.1))
        self.coef = d.get("response_constant_coefficient")
        self.remove_response = bool(d.get("remove_response", True)) and self.coef is None
        self.tolerance = float(d.get("datachunk_sample_tolerance", 0.02))
        self.max_gap = int(d.get("max_gap_for_merging", 10))
        self.padding = d.get("zero_padding_method", "tapered_padded")
        self.pad_type = d.get("padding_taper_type", "cosine")
        self.pad_len = float(d.get("padding_taper_max_length", 5))
        self.pad_pct = float(d.get("padding_taper_max_percentage", 0.1))


def remove_extra(tr, expected):
    if len(tr.data) > expected:
        tr.data = tr.data[:expected]
    elif len(tr.data) < expected:
        raise ValueError("fewer samples than expected after padding")
    return tr


def pad(tr, ts0, ts1, expected, p):
    if p.padding == "padded":
        tr.trim(ts0, ts1, pad=True, nearest_sample=False, fill_value=0)
        return remove_extra(tr, expected)
    if p.padding == "tapered_padded":
        sides = []
        if tr.start > ts0:
            sides.append("left")
        if tr.end < ts1:
            sides.append("right")
        if len(sides) == 2:
            sides = ["both"]
        tr.taper(p.pad_pct, p.pad_type, p.pad_len, sides[0])
        tr.trim(ts0, ts1, pad=True, nearest_sample=False, fill_value=0)
        return remove_extra(tr, expected)
    parts = [tr]
    zero = np.array([0], dtype=tr.data.dtype)
    if tr.start > ts0:
        parts.append(Trace(ts0, tr.fs, zero.copy()))
    if tr.end < ts1:
        parts.append(Trace(ts1 - int(round(1e9 / tr.fs)), tr.fs, zero.copy()))
    return remove_extra(merge(parts, 1, 0, "interpolate"), expected)


def validate_slice(traces, ts0, ts1, length_s, p):
    if not traces:
        raise NoChunk("no data in the window")
    if len({t.fs for t in traces}) != 1:
        raise ValueError("mixed sample rates")
    fs = traces[0].fs
    expected = int(length_s * fs)
    total = sum(t.npts for t in traces)
    if total < int(expected * (1 - p.tolerance)) or total > int(expected * (1 + p.tolerance)):
        raise NoChunk("sample count outside datachunk_sample_tolerance")
    if len(traces) > 1:
        check = merge([t.copy() for t in traces], 0)
        if isinstance(check.data, np.ma.MaskedArray):
            runs = count_consecutive_trues(np.ma.getmaskarray(check.data))
            if np.any(runs > p.max_gap):
                raise NoChunk("gap or overlap too long to merge")
        tr = merge(traces, 1, -1, "interpolate")
    else:
        tr = traces[0]
    have = tr.npts
    if have == expected + 1:
        tr = remove_extra(tr, expected)
    deficit = 0
    if have < expected:
        deficit = expected - have
        tr = pad(tr, ts0, ts1, expected, p)
    if not np.any(np.asarray(tr.data) != 0):
        raise NoChunk("all samples are zero")
    return tr, deficit


def polynomial_detrend(x, order):
    x = np.require(x, dtype=np.float64).copy()
    idx = np.arange(len(x))
    x -= np.polyval(np.polyfit(idx, x, deg=order), idx)
    return x


def cheby_then(tr, factor):
    if factor > 16:
        raise ValueError("factor above 16")
    tr.data = dsp.lowpass_cheby_2(tr.data, tr.fs * 0.5 / float(factor), tr.fs, 12)


def decimate(tr, factor):
    cheby_then(tr, factor)
    tr.data = np.array(tr.data[::factor])
    tr.fs = tr.fs / float(factor)


def resample(tr, fs):
    cheby_then(tr, tr.fs / fs)
    tr.data = dsp.resample(tr.data, tr.fs, fs)
    tr.fs = fs


def resample_with_padding(tr, fs):
    if fs > tr.fs:
        raise ValueError("upsampling")
    start, end, npts = tr.start, tr.end, tr.npts
    deficit = 2 ** int(np.ceil(np.log2(npts))) - npts
    tr.data = np.concatenate((tr.data, np.zeros(deficit)))
    factor = tr.fs / fs
    while factor > 16:
        if factor.is_integer():
            decimate(tr, 2)
        else:
            resample(tr, fs)
        factor /= 2
    if tr.fs != fs:
        factor = tr.fs / fs
        if factor.is_integer():
            decimate(tr, int(factor))
        else:
            resample(tr, fs)
    out = tr.copy()
    out.ltrim(start)
    out.rtrim(end)
    return out


def preprocess(tr, length_s, p, resp, sensitivity):
    tr.data = polynomial_detrend(tr.data, 3)
    tr.data = tr.data - tr.data.mean()
    tr = resample_with_padding(tr, p.sampling_rate)
    expected = int(length_s * p.sampling_rate)
    if tr.npts > expected:
        tr.data = tr.data[:expected]
    tr.taper(p.taper_pct, p.taper_type, p.taper_len, p.taper_side)
    tr.data = dsp.filt(tr.data, "bandpass", tr.fs, p.low, p.high, p.order, False)
    if p.remove_response:
        frac = p.taper_len / (tr.npts / tr.fs)
        frac = min(frac, p.taper_pct * 0.01, 0.05)
        tr.data = dsp.remove_response(tr.data, 60.0, frac, resp)
    if p.coef is not None:
        if p.coef == 0:
            tr.data = tr.data / sensitivity
        else:
            tr.data = tr.data * p.coef
    tr.data = dsp.filt(tr.data, "bandpass", tr.fs, p.low, p.high, p.order, True)
    return tr


def prepare(p, ts0, ts1, segments, resp, sensitivity):
    """The datachunk of [ts0, ts1] from segments [(start_ns, fs, samples)]:
    (trace, padded_npts); raises NoChunk or ValueError/ArithmeticError."""
    length_s = float((ts1 - ts0) // 1000000000)
    traces = []
    for start, fs, x in segments:
        tr = Trace(int(start), fs, x)
        tr.ltrim(ts0, nearest_sample=False)
        tr.rtrim(ts1 - 1000, nearest_sample=False)
        if tr.npts:
            traces.append(tr)
    tr, deficit = validate_slice(traces, ts0, ts1, length_s, p)
    return preprocess(tr, length_s, p, resp, sensitivity), deficit


def datachunk(spec):
    dtype = np.int32 if spec.get("dtype") == "int32" else np.float64
    segments = [(s["start"], s["fs"], np.require(np.fromfile(s["file"], dtype="<f8"), dtype=dtype))
                for s in spec["segments"]]
    resp = np.fromfile(spec["response"], dtype="<c16") if spec.get("response") else None
    return prepare(Params(spec["params"]), int(spec["ts_start"]), int(spec["ts_end"]), segments,
                   resp, spec.get("sensitivity"))


def run_job(spec, out):
    result = {"status": "ok"}
    try:
        tr, deficit = datachunk(spec)
        result.update(start=tr.start, fs=tr.fs, n=tr.npts, padded_npts=deficit)
        np.asarray(tr.data, dtype="<f8").tofile(out + ".f64")
    except NoChunk as e:
        result = {"status": "nochunk", "reason": str(e)}
    except (ValueError, ArithmeticError) as e:
        result = {"status": "error", "reason": str(e)}
    with open(out + ".json", "w") as f:
        json.dump(result, f)


def main(argv):
    if argv[1] == "--probe":  # numpy and scipy are there
        return
    with open(argv[1]) as f:
        spec = json.load(f)
    if "jobs" in spec:  # several windows in one run: OUT.0, OUT.1, ...
        for i, job in enumerate(spec["jobs"]):
            run_job(job, "%s.%d" % (argv[2], i))
    else:
        run_job(spec, argv[2])


if __name__ == "__main__":
    main(sys.argv)
