#!/usr/bin/env python3
"""Reference for src/noise/dsp.c: ObsPy 1.4's taper, Butterworth filters,
Fourier resampling and remove_response transcribed with numpy/scipy only
(ObsPy itself is not installable here).

Usage (raw little-endian float64 files):
  dsp_reference.py taper IN OUT FS MAX_PERCENTAGE MAX_LENGTH hann|cosine both|left|right
  dsp_reference.py filter IN OUT lowpass|highpass|bandpass FS F1 F2 CORNERS ZEROPHASE
  dsp_reference.py cheby2 IN OUT FS FREQ MAXORDER
  dsp_reference.py resample IN OUT FS_IN FS_OUT MODE  (0 plain, 1 padded, 2 padded + anti-alias)
  dsp_reference.py remove IN OUT FS WATER_LEVEL TAPER_FRACTION RESPONSE
     RESPONSE: complex128 response at rfftfreq(nfft) bins 1..nfft/2 (bin 0 unused)
A negative MAX_PERCENTAGE / MAX_LENGTH means "not given". Exit 77 without numpy/scipy.
"""
import sys

try:
    import numpy as np
    from scipy.fftpack import irfft, rfft
    from scipy.signal import cheb2ord, cheby2, get_window, iirfilter, sosfilt, zpk2sos
    from scipy.signal.windows import hann
except ImportError:
    sys.exit(77)


def cosine_taper(npts, p=0.1, halfcosine=True):
    """obspy.signal.invsim.cosine_taper (no freqs/flimit)."""
    if p == 0.0 or p == 1.0:
        frac = int(npts * p / 2.0)
    else:
        frac = int(npts * p / 2.0 + 0.5)
    idx1, idx2, idx3, idx4 = 0, frac - 1, npts - frac, npts - 1
    if idx1 == idx2:
        idx2 += 1
    if idx3 == idx4:
        idx3 -= 1
    w = np.zeros(npts)
    if halfcosine:
        w[idx1:idx2 + 1] = 0.5 * (1.0 - np.cos((np.pi * (np.arange(idx1, idx2 + 1) - float(idx1))
                                                / (idx2 - idx1))))
        w[idx2 + 1:idx3] = 1.0
        w[idx3:idx4 + 1] = 0.5 * (1.0 + np.cos((np.pi * (float(idx3) - np.arange(idx3, idx4 + 1))
                                                / (idx4 - idx3))))
    else:
        w[idx1:idx2 + 1] = np.cos(-(np.pi / 2.0 * (float(idx2) - np.arange(idx1, idx2 + 1))
                                    / (idx2 - idx1)))
        w[idx2 + 1:idx3] = 1.0
        w[idx3:idx4 + 1] = np.cos((np.pi / 2.0 * (float(idx3) - np.arange(idx3, idx4 + 1))
                                   / (idx4 - idx3)))
    if idx1 == idx2:
        w[idx1] = 0.0
    if idx3 == idx4:
        w[idx3] = 0.0
    return w


def taper(x, fs, max_percentage, max_length, ttype, side):
    """obspy Trace.taper."""
    npts = len(x)
    halves = []
    if max_percentage is not None:
        halves.append(int(max_percentage * npts))
    if max_length is not None:
        halves.append(int(max_length * fs))
    halves.append(int(npts / 2))
    wlen = min(halves)
    m = 2 * wlen if 2 * wlen == npts else 2 * wlen + 1  # ObsPy 1.4.2
    if ttype == "cosine":
        sides = cosine_taper(m, p=1.0)
    else:
        sides = hann(m)
    if side == "left":
        t = np.hstack((sides[:wlen], np.ones(npts - wlen)))
    elif side == "right":
        t = np.hstack((np.ones(npts - wlen), sides[len(sides) - wlen:]))
    else:
        t = np.hstack((sides[:wlen], np.ones(npts - 2 * wlen), sides[len(sides) - wlen:]))
    return x * t


def run_sos(sos, data, zerophase):
    first = sosfilt(sos, data)
    if zerophase:
        return sosfilt(sos, first[::-1])[::-1]
    return first


def filt(x, kind, fs, f1, f2, corners, zerophase):
    """obspy.signal.filter lowpass/highpass/bandpass."""
    fe = 0.5 * fs
    if kind == "bandpass":
        low, high = f1 / fe, f2 / fe
        if high - 1.0 > -1e-6:
            return filt(x, "highpass", fs, f1, 0, corners, zerophase)
        z, p, k = iirfilter(corners, [low, high], btype="band", ftype="butter", output="zpk")
    elif kind == "lowpass":
        f = f1 / fe
        if f > 1:
            return x
        z, p, k = iirfilter(corners, f, btype="lowpass", ftype="butter", output="zpk")
    else:
        z, p, k = iirfilter(corners, f1 / fe, btype="highpass", ftype="butter", output="zpk")
    return run_sos(zpk2sos(z, p, k), x, zerophase)


def lowpass_cheby_2(x, freq, df, maxorder=12):
    """obspy.signal.filter.lowpass_cheby_2 (ba=False, freq_passband=False)."""
    nyquist = df * 0.5
    rp, rs, order = 1, 96, 1e99
    ws = freq / nyquist
    wp = ws
    if ws > 1:
        ws = 1.0
    while True:
        if order <= maxorder:
            break
        wp = wp * 0.99
        order, wn = cheb2ord(wp, ws, rp, rs, analog=0)
    z, p, k = cheby2(order, rs, wn, btype="low", analog=0, output="zpk")
    return sosfilt(zpk2sos(z, p, k), x)


def resample(x, fs_in, fs_out):
    """obspy Trace.resample(fs_out, window='hann', no_filter=True)."""
    npts = len(x)
    factor = fs_in / float(fs_out)
    spec = rfft(x)
    spec = np.insert(spec, 1, spec.dtype.type(0))
    if npts % 2 == 0:
        spec = np.append(spec, [0])
    x_r, x_i = spec[::2], spec[1::2]
    large_w = np.fft.ifftshift(get_window("hann", npts))
    x_r = x_r * large_w[:npts // 2 + 1]
    x_i = x_i * large_w[:npts // 2 + 1]
    num = int(npts / factor)
    delta = 1.0 / fs_in
    df = 1.0 / (npts * delta)
    d_large_f = 1.0 / num * fs_out
    f = df * np.arange(0, npts // 2 + 1, dtype=np.int32)
    n_large_f = num // 2 + 1
    large_f = d_large_f * np.arange(0, n_large_f, dtype=np.int32)
    large_y = np.zeros(2 * n_large_f)
    large_y[::2] = np.interp(large_f, f, x_r)
    large_y[1::2] = np.interp(large_f, f, x_i)
    large_y = np.delete(large_y, 1)
    if num % 2 == 0:
        large_y = np.delete(large_y, -1)
    return irfft(large_y) * (float(num) / float(npts))


def npts2nfft(npts):
    """obspy.signal.util._npts2nfft."""
    nfft = 2 * (npts + 1) if npts & 1 else 2 * npts

    def good(n):
        m, best, d = n, 1, 2
        while d * d <= m:
            while m % d == 0:
                best, m = d, m // d
            d += 1
        return max(best, m) < 500

    if nfft > 5000 and not good(nfft):
        for i in range(1, 11):
            if good(nfft + 2 * i):
                return nfft + 2 * i
        return 1 << (nfft - 1).bit_length()
    return nfft


def invert_spectrum(spec, wlev):
    """obspy.signal.invsim.invert_spectrum."""
    amp = np.sqrt(np.abs(np.multiply(spec, np.conjugate(spec))))
    swamp = max(amp) * 10.0 ** (-wlev / 20.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        found = np.where(amp < swamp)[0]
        spec[found] *= swamp / amp[found]
        found = np.where(amp > 0.0)[0]
        spec[found] = 1.0 / spec[found]
    spec[amp == 0.0] = 0.0
    return spec


def remove_response(x, water_level, taper_fraction, resp):
    """obspy Trace.remove_response(pre_filt=None, zero_mean=True, taper=True)."""
    data = x.astype(np.float64)
    npts = len(data)
    data -= data.mean()
    data *= cosine_taper(npts, taper_fraction, halfcosine=False)
    nfft = npts2nfft(npts)
    spec = np.fft.rfft(data, n=nfft)
    h = np.zeros(nfft // 2 + 1, dtype=complex)
    h[1:] = resp
    h = invert_spectrum(h, water_level)
    spec *= h
    spec[-1] = abs(spec[-1]) + 0.0j
    return np.fft.irfft(spec)[0:npts]


def opt(v):
    v = float(v)
    return None if v < 0 else v


def main(a):
    x = np.fromfile(a[2], dtype="<f8")
    op = a[1]
    if op == "taper":
        y = taper(x, float(a[4]), opt(a[5]), opt(a[6]), a[7], a[8])
    elif op == "filter":
        y = filt(x, a[4], float(a[5]), float(a[6]), float(a[7]), int(a[8]), a[9] == "1")
    elif op == "cheby2":
        y = lowpass_cheby_2(x, float(a[5]), float(a[4]), int(a[6]))
    elif op == "resample":
        fs_in, fs_out = float(a[4]), float(a[5])
        n = len(x)
        if a[6] in ("1", "2"):  # Noiz: zero-pad to the next power of two, cut back afterwards
            padded = 1 << (n - 1).bit_length()
            x = np.concatenate((x, np.zeros(padded - n)))
        if a[6] == "2":  # Trace.resample(no_filter=False)
            x = lowpass_cheby_2(x, fs_in * 0.5 / (fs_in / fs_out), fs_in, 12)
        y = resample(x, fs_in, fs_out)
        if a[6] in ("1", "2"):
            y = y[:int(n / (fs_in / fs_out))]
    elif op == "remove":
        resp = np.fromfile(a[7], dtype="<c16")
        y = remove_response(x, float(a[5]), float(a[6]), resp)
    else:
        sys.exit("unknown op " + op)
    np.asarray(y, dtype="<f8").tofile(a[3])


if __name__ == "__main__":
    main(sys.argv)
