#!/usr/bin/env python3
"""soh_reference.py - an independent reading of Centaur SOH miniSEED.

A small miniSEED 2 reader written from the SEED manual (fixed header,
blockette 1000, Steim-1 and Steim-2 frames, big-endian), sharing no code with
libmseed or strata, standard library only. It maps channels to the catalog's
SOH quantities as docs/noise-soh.md states Noiz does (with the unit fix):

  gps         LCE (microseconds) as time_error; time_uncertainty missing;
              one row per time any of GST GNS LCQ GPL VCO LCE has
  instrument  VEI / 1000 (V), VEC / 1000 (A), VDT / 1000 (degrees C);
              one row per time any of them has

Usage:
  soh_reference.py dump gps|instrument FILE...
      one line per row: "<time ns> <v1> <v2> [<v3>]" ("nan" when missing)
  soh_reference.py check gps|instrument CATALOG STATION FILE...
      compare with the rows of soh_gps / soh_instrument of the station's
      device in a SQLite catalog; prints "N rows, M differences", exit 1
      on any difference
"""
import math
import sqlite3
import struct
import sys
from datetime import datetime, timezone

GPS_CHANNELS = ("GST", "GNS", "LCQ", "GPL", "VCO", "LCE")
INSTRUMENT_CHANNELS = ("VEI", "VEC", "VDT")


def steim_diffs(frames, nframes, steim2):
    """The differences of Steim frames, and the frame-0 constants X0, Xn."""
    out = []
    x0 = xn = None
    for f in range(nframes):
        words = struct.unpack(">16I", frames[64 * f:64 * f + 64])
        nibbles = words[0]
        for w in range(1, 16):
            code = (nibbles >> (30 - 2 * w)) & 3
            word = words[w]
            if f == 0 and w == 1:
                x0 = struct.unpack(">i", struct.pack(">I", word))[0]
                continue
            if f == 0 and w == 2:
                xn = struct.unpack(">i", struct.pack(">I", word))[0]
                continue
            out.extend(steim_word(code, word, steim2))
    return x0, xn, out


def signed(v, bits):
    return v - (1 << bits) if v & (1 << (bits - 1)) else v


def steim_word(code, word, steim2):
    if code == 0:
        return []
    if code == 1:
        return [signed((word >> s) & 0xFF, 8) for s in (24, 16, 8, 0)]
    if not steim2:
        if code == 2:
            return [signed((word >> 16) & 0xFFFF, 16), signed(word & 0xFFFF, 16)]
        return [signed(word, 32)]
    dnib = word >> 30
    if code == 2:
        table = {1: (1, 30), 2: (2, 15), 3: (3, 10)}
    else:
        table = {0: (5, 6), 1: (6, 5), 2: (7, 4)}
    n, bits = table[dnib]
    mask = (1 << bits) - 1
    return [signed((word >> (bits * (n - 1 - i))) & mask, bits) for i in range(n)]


def records(path):
    """(channel, start ns, sample rate, samples) of every record."""
    data = open(path, "rb").read()
    off = 0
    while off + 48 <= len(data):
        h = data[off:off + 48]
        cha = h[15:18].decode().strip()
        year, doy, hh, mm, ss, _, frac, nsamp, fac, mul = struct.unpack(">HHBBBBHHhh", h[20:36])
        _, _, _, _, tcorr, dbeg, blk = struct.unpack(">BBBBiHH", h[36:48])
        enc, reclen = None, None
        while blk:
            btype, nxt = struct.unpack(">HH", data[off + blk:off + blk + 4])
            if btype == 1000:
                enc, _, exp = struct.unpack(">BBB", data[off + blk + 4:off + blk + 7])
                reclen = 1 << exp
            blk = nxt
        if reclen is None or enc not in (10, 11):
            raise SystemExit(f"{path}: byte {off}: needs blockette 1000 and Steim-1/2")
        rate = sample_rate(fac, mul)
        start = datetime(year, 1, 1, hh, mm, ss, tzinfo=timezone.utc)
        ns = (int(start.timestamp()) + (doy - 1) * 86400) * 10**9 + frac * 100000
        nframes = (reclen - dbeg) // 64
        x0, _, diffs = steim_diffs(data[off + dbeg:off + reclen], nframes, enc == 11)
        samples = [x0]
        for d in diffs[1:nsamp]:
            samples.append(samples[-1] + d)
        yield cha, ns, rate, samples[:nsamp]
        off += reclen


def sample_rate(fac, mul):
    if fac > 0 and mul > 0:
        return fac * mul
    if fac > 0 > mul:
        return -fac / mul
    if fac < 0 < mul:
        return -mul / fac
    if fac < 0 and mul < 0:
        return 1.0 / (fac * mul)
    return 0.0


def rows(kind, paths):
    channels = GPS_CHANNELS if kind == "gps" else INSTRUMENT_CHANNELS
    table = {}
    for path in paths:
        for cha, start, rate, samples in records(path):
            if cha not in channels:
                continue
            for i, x in enumerate(samples):
                t = start + (round(i * 1e9 / rate) if rate else 0)
                table.setdefault(t, {})[cha] = x
    out = []
    for t in sorted(table):
        c = table[t]
        if kind == "gps":
            out.append((t, float(c.get("LCE", math.nan)), math.nan))
        else:
            out.append((t,) + tuple(c[k] / 1000.0 if k in c else math.nan for k in INSTRUMENT_CHANNELS))
    return out


def same(a, b):
    if a is None:
        return math.isnan(b)
    return a == b


def check(kind, catalog, station, paths):
    want = rows(kind, paths)
    db = sqlite3.connect(catalog)
    if kind == "gps":
        q = ("SELECT datetime_ns, time_error, time_uncertainty FROM soh_gps g JOIN device d "
             "ON d.id = g.device_id WHERE d.station = ? ORDER BY datetime_ns")
    else:
        q = ("SELECT datetime_ns, voltage, current, temperature FROM soh_instrument s JOIN "
             "device d ON d.id = s.device_id WHERE d.station = ? ORDER BY datetime_ns")
    got = db.execute(q, (station,)).fetchall()
    diffs = 0
    if len(got) != len(want):
        print(f"{kind}: {len(got)} rows in the catalog, {len(want)} in the files")
        diffs += 1
    for g, w in zip(got, want):
        if g[0] != w[0] or not all(same(a, b) for a, b in zip(g[1:], w[1:])):
            print(f"{kind}: catalog {g} != files {w}")
            diffs += 1
    print(f"{len(want)} rows, {diffs} differences")
    return 1 if diffs else 0


def main(argv):
    if len(argv) >= 3 and argv[0] == "dump":
        for r in rows(argv[1], argv[2:]):
            print(" ".join([str(r[0])] + [repr(v) for v in r[1:]]))
        return 0
    if len(argv) >= 5 and argv[0] == "check":
        return check(argv[1], argv[2], argv[3], argv[4:])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
