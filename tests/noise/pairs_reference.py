#!/usr/bin/env python3
"""Reference for strata noise component pairs: Noiz's rules, independently.

  pairs_reference.py stationxml OUT.xml N SEED   write N synthetic stations
  pairs_reference.py check CATALOG.db            compare the catalog's pairs

The check recomputes, from the catalog's component rows, which pairs Noiz
makes (processing/component_pair.py: every ordered pair; autocorrelation,
intra-station, or inter-station kept only east to west) and their distance,
azimuth and back-azimuth with Noiz's _calculate_distance_backazimuth (sphere
of 6371 km), transcribed with the math module (numpy's deg2rad, arccos, clip
and % are the same operations), and compares them with the rows strata
wrote: the same pair set exactly, the numbers to a relative 1e-9.
"""
import random
import sqlite3
import sys
from math import acos, asin, cos, degrees, pi, radians, sin


def write_stationxml(path, n, seed):
    rnd = random.Random(seed)
    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           '<FDSNStationXML xmlns="http://www.fdsn.org/xml/station/1" schemaVersion="1.1">',
           '<Source>test</Source><Created>2022-01-01T00:00:00Z</Created>',
           '<Network code="SY">']
    for i in range(n):
        lat = rnd.uniform(-80, 80)
        lon = rnd.uniform(-179.9, 179.9)
        if i == 3:  # same longitude as station 2: ordered north to south
            lon = prev_lon
        if i == 5:  # a near neighbour (about 100 m)
            lat, lon = prev_lat + 0.0009, prev_lon
        prev_lat, prev_lon = lat, lon
        out.append(f'<Station code="S{i:03d}" startDate="2020-01-01T00:00:00Z">'
                   f'<Latitude>{lat!r}</Latitude><Longitude>{lon!r}</Longitude>'
                   f'<Elevation>{rnd.uniform(0, 3000)!r}</Elevation>')
        for comp in ("Z", "N", "E")[: 1 + i % 3]:
            out.append(f'<Channel code="HH{comp}" locationCode="" startDate="2020-01-01T00:00:00Z">'
                       f'<Latitude>{lat!r}</Latitude><Longitude>{lon!r}</Longitude>'
                       f'<Elevation>0</Elevation><Depth>0</Depth></Channel>')
        out.append('</Station>')
    out += ['</Network>', '</FDSNStationXML>']
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")


def noiz_distaz(lat_a, lon_a, lat_b, lon_b):
    """Noiz's _calculate_distance_backazimuth, transcribed."""
    lon_a, lat_a, lon_b, lat_b = map(radians, (lon_a, lat_a, lon_b, lat_b))
    arc = acos(sin(lat_b) * sin(lat_a) + cos(lat_b) * cos(lat_a) * cos(lon_b - lon_a))
    distance_km = arc * 6371.0
    cosa = (sin(lat_b) - sin(lat_a) * cos(arc)) / (cos(lat_a) * sin(arc))
    sina = clip(cos(lat_b) * sin(lon_b - lon_a) / sin(arc))
    baz = asin(sina)
    if cosa < 0.0:
        baz = pi - baz
    cosb = (sin(lat_a) - sin(lat_b) * cos(arc)) / (cos(lat_b) * sin(arc))
    sinb = clip(-cos(lat_a) * sina / cos(lat_b))
    az = asin(sinb)
    if cosb < 0.0:
        az = pi - az
    az = az % (2.0 * pi)
    baz = baz % (2.0 * pi)
    return distance_km * 1000, degrees(arc), degrees(az), degrees(baz)


def clip(v):
    return min(max(v, -1.0), 1.0)


def is_east_to_west(a, b):
    if a["lon"] == b["lon"]:
        return a["lat"] > b["lat"]
    return a["lon"] > b["lon"]


def close(x, y):
    return abs(x - y) <= 1e-9 * max(1.0, abs(y))


def check(db_path):
    con = sqlite3.connect(db_path)
    con.row_factory = sqlite3.Row
    comps = {r["id"]: dict(r) for r in con.execute("SELECT * FROM component")}
    got = {(r["component_a_id"], r["component_b_id"]): dict(r)
           for r in con.execute("SELECT * FROM component_pair")}
    want = {}
    for a in comps.values():
        for b in comps.values():
            same = a["network"] == b["network"] and a["station"] == b["station"]
            if same:
                want[(a["id"], b["id"])] = dict(autocorrelation=int(a["component"] == b["component"]),
                                                intracorrelation=int(a["component"] != b["component"]),
                                                distance=0.0, arcdistance=0.0, azimuth=0.0, backazimuth=0.0,
                                                code=a["component"] + b["component"])
            elif is_east_to_west(a, b):
                d, arc, az, baz = noiz_distaz(a["lat"], a["lon"], b["lat"], b["lon"])
                want[(a["id"], b["id"])] = dict(autocorrelation=0, intracorrelation=0, distance=float(d),
                                                arcdistance=float(arc), azimuth=float(az),
                                                backazimuth=float(baz), code=a["component"] + b["component"])
    bad = 0
    if set(got) != set(want):
        print(f"pair sets differ: {len(got)} in the catalog, {len(want)} expected")
        bad += 1
    for key in set(got) & set(want):
        g, w = got[key], want[key]
        for col in ("autocorrelation", "intracorrelation"):
            if g[col] != w[col]:
                print(f"{key}: {col} {g[col]} != {w[col]}")
                bad += 1
        if g["component_code_pair"] != w["code"]:
            print(f"{key}: code {g['component_code_pair']} != {w['code']}")
            bad += 1
        for col in ("distance", "arcdistance", "azimuth", "backazimuth"):
            if not close(g[col], w[col]):
                print(f"{key}: {col} {g[col]!r} != {w[col]!r}")
                bad += 1
    # East of B by longitude yet a back-azimuth below 180: Noiz raises on
    # these (far-apart stations); strata keeps them, in the longitude order.
    west = sum(1 for g in got.values() if g["autocorrelation"] == 0 and g["intracorrelation"] == 0
               and g["backazimuth"] < 180)
    print(f"{len(got)} pairs compared, {bad} differences, {west} with back-azimuth below 180")
    return 1 if bad else 0


if __name__ == "__main__":
    if sys.argv[1] == "stationxml":
        write_stationxml(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
        sys.exit(0)
    sys.exit(check(sys.argv[2]))
