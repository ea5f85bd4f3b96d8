"""Tests of python/strata_store (run by tests/store/python_*.sh).

usage: python_store.py GROUP STRATA_BINARY
GROUP: roundtrip | append | cli. Prints one line per check, exits 1 on the
first failure.
"""

import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import pandas as pd
from pandas.testing import assert_frame_equal

import strata_store as ps

STRATA = sys.argv[2] if len(sys.argv) > 2 else "strata"


def same(got, want):
    """Frames equal exactly: values, dtypes, nulls, index, names, time zones."""
    assert_frame_equal(got, want, check_exact=True)


def times(*stamps, tz=None, name=None):
    idx = pd.DatetimeIndex(pd.to_datetime(list(stamps)), name=name)
    return idx.tz_localize(tz) if tz else idx


def fresh(name):
    """A collection in a new root."""
    ps.set_path(tempfile.mkdtemp(prefix="strata-py-"))
    return ps.store("s").collection(name)


def every_type_frame():
    idx = times("2024-01-01 00:00:00.000000001", "2024-01-01 01:00", "2024-01-02",
                "2024-01-02 00:00:00.5", "2024-03-31 03:30", tz="Europe/Berlin", name="ts")
    return pd.DataFrame(
        {
            "i8": np.array([-128, -1, 0, 1, 127], dtype="int8"),
            "i16": np.array([-32768, -1, 0, 1, 32767], dtype="int16"),
            "i32": np.array([-(2**31), -1, 0, 1, 2**31 - 1], dtype="int32"),
            "i64": np.array([-(2**63), -1, 0, 1, 2**63 - 1], dtype="int64"),
            "u8": np.array([0, 1, 2, 254, 255], dtype="uint8"),
            "u16": np.array([0, 1, 2, 65534, 65535], dtype="uint16"),
            "u32": np.array([0, 1, 2, 2**32 - 2, 2**32 - 1], dtype="uint32"),
            "u64": np.array([0, 1, 2, 2**64 - 2, 2**64 - 1], dtype="uint64"),
            "f32": np.array([1.5, -0.0, np.inf, 3.25e-38, 7], dtype="float32"),
            "f64": [1.5, np.nan, -np.inf, 5e-324, 1e308],
            "b": [True, False, True, True, False],
            "ni8": pd.array([1, None, -3, None, 5], dtype="Int8"),
            "ni64": pd.array([None, 2**62, None, -(2**63), 0], dtype="Int64"),
            "nu32": pd.array([None, 2**32 - 1, 0, None, 7], dtype="UInt32"),
            "nf": pd.array([0.5, None, 2.0, None, -1.0], dtype="Float64"),
            "nb": pd.array([True, None, False, None, True], dtype="boolean"),
            "s": ["a", None, "b,\"q\"", "", "ü日本\n"],
            "st": pd.array(["p", None, "q", "p", ""], dtype="string"),
            "cat": pd.Categorical(["x", "y", None, "x", "y"], categories=["y", "x", "unused"]),
            "ocat": pd.Categorical(["lo", "hi", "lo", None, "mid"], categories=["lo", "mid", "hi"],
                                   ordered=True),
            "t": times("2024-01-01", None, "1969-12-31 23:59:59.999999999", "2262-04-11",
                       "1677-09-22", tz="America/New_York"),
            "tn": times("2024-01-01 12:00", "2024-01-01 13:00", None, "2000-01-01", "2001-01-01"),
            "tu": times(None, "2024-01-01", None, None, "2024-06-01", tz="UTC"),
        },
        index=idx,
    )


def check_roundtrip():
    c = fresh("types")
    df = every_type_frame()
    c.write("all", df, metadata={"source": "test", "n": 1})
    same(c.item("all").to_pandas(), df)
    print("ok every type, nulls, index name and time zones round-trip exactly")

    # Several parts, and a column selection and key range across them.
    c.write("parts", df, part_rows=2)
    same(c.item("parts").to_pandas(), df)
    same(c.item("parts", columns=["s", "i8"]).to_pandas(), df[["s", "i8"]])
    got = c.item("parts", start="2023-12-31T23:30:00Z", end=df.index[3]).to_pandas()
    same(got, df.iloc[1:4])
    print("ok parts, column selection and key range")

    # head, tail and the key range read only what they need.
    it = c.item("parts")
    same(it.head(2), df.iloc[:2])
    assert it.read_stats["parts_total"] == 3 and it.read_stats["parts_read"] == 1, it.read_stats
    same(it.tail(3), df.iloc[2:])
    assert it.read_stats["parts_read"] == 2, it.read_stats
    assert it.key_range() == (df.index[0], df.index[-1], 5), it.key_range()
    assert str(it.key_range()[0].tz) == "Europe/Berlin"
    # Filters are pushed down: parts whose statistics exclude them are skipped.
    it = c.item("parts", filters=[("i64", ">=", 2**62)])
    same(it.to_pandas(), df.iloc[4:])
    assert it.read_stats["parts_read"] == 1, it.read_stats
    it = c.item("parts", start=df.index[2], end=df.index[3])
    same(it.to_pandas(), df.iloc[2:4])
    assert it.read_stats["parts_read"] == 1, it.read_stats
    print("ok head, tail, key range and pushdown skip parts")

    # All-null columns and an empty frame.
    allnull = pd.DataFrame({"x": pd.array([None, None], dtype="Int16"), "s": [None, None]},
                           index=times("2024-01-01", "2024-01-02", tz="UTC", name="t"))
    allnull["s"] = allnull["s"].astype(object)
    c.write("allnull", allnull)
    same(c.item("allnull").to_pandas(), allnull)
    empty = df.iloc[:0]
    c.write("empty", empty)
    same(c.item("empty").to_pandas(), empty)
    assert c.item("empty").key_range() == (None, None, 0)
    same(c.item("empty").tail(3), empty)
    print("ok all-null columns and an empty item")

    # Unnamed and naive index; a Series.
    naive = pd.DataFrame({"v": [1.0, 2.0]}, index=times("2024-01-01", "2024-01-01"))
    c.write("naive", naive)
    same(c.item("naive").to_pandas(), naive)
    series = pd.Series([1, 2], index=times("2024-01-01", "2024-01-02", tz="UTC"), name="v")
    c.write("series", series)
    assert list(c.item("series").to_pandas()["v"]) == [1, 2]
    print("ok unnamed naive index and a Series")

    # Composite key (timestamp, string) as a MultiIndex.
    mi = pd.MultiIndex.from_arrays(
        [times("2024-01-01", "2024-01-01", "2024-01-02", tz="Asia/Tokyo"), ["B", "A", "A"]],
        names=["date", "symbol"])
    multi = pd.DataFrame({"px": [2.0, 1.0, 3.0], "n": pd.array([1, None, 3], dtype="Int32")},
                         index=mi)
    c.write("multi", multi)
    ordered = multi.iloc[[1, 0, 2]]  # rows come back sorted by the full key
    same(c.item("multi").to_pandas(), ordered)
    same(c.item("multi", columns=["n"]).to_pandas(), ordered[["n"]])
    same(c.item("multi").tail(1), ordered.iloc[2:])
    same(c.item("multi", filters=[("symbol", "==", "A")]).to_pandas(), ordered.iloc[[0, 2]])
    print("ok composite key as a MultiIndex")

    # Time zones are kept by the library, not only by the module's hints:
    # read without hints, the index and columns come back in their zones,
    # and the part files' pandas metadata names them.
    zoned = pd.DataFrame({"at": times("2024-05-01 12:00", "2024-05-02", tz="America/New_York"),
                          "v": [1, 2]},
                         index=times("2024-05-01", "2024-05-02", tz="Asia/Tokyo", name="ts"))
    c.write("zoned", zoned)
    bare = ps._decode(ps._read_table(c.item("zoned"), None), {})
    assert str(bare.index.tz) == "Asia/Tokyo", bare.index
    assert str(bare["at"].dt.tz) == "America/New_York", bare.dtypes
    assert (bare.index == zoned.index).all() and (bare["at"] == zoned["at"]).all()
    part = os.path.join(ps.get_path(), "s", c.collection, "zoned", "part.0.parquet")
    with open(part, "rb") as f:
        raw = f.read()
    assert b'"metadata":{"timezone":"Asia/Tokyo"}' in raw, raw[-2000:]
    assert b'"metadata":{"timezone":"America/New_York"}' in raw
    print("ok time zones kept by the library and in the pandas metadata")

    # No key: a RangeIndex.
    plain = pd.DataFrame({"a": [3, 1, 2], "s": ["x", "y", "x"]})
    c.write("plain", plain)
    same(c.item("plain").to_pandas(), plain)
    print("ok RangeIndex item")

    # Metadata and listings.
    c.write("m1", naive, metadata={"source": "quandl", "tags": ["a"]})
    c.write("m2", naive, metadata={"source": "yahoo"})
    assert c.list_items(source="quandl") == {"m1"}, c.list_items(source="quandl")
    assert c.list_items(source="quandl", tags=["a"]) == {"m1"}
    assert c.list_items(source="nobody") == set()
    assert "m2" in c.list_items()
    meta = c.item("m1").metadata
    assert meta["source"] == "quandl" and meta["tags"] == ["a"] and "_updated" in meta, meta
    assert "_strata_pandas" not in meta
    assert ps.list_stores() == ["s"]
    ps.store("s").collection("other")
    assert ps.store("s").list_collections() == ["other", "types"]
    ps.store("s").delete_collection("other")
    assert ps.store("s").list_collections() == ["types"]
    print("ok metadata, metadata filters, listings")

    # PyStore read filters: ANDed conditions, ORed lists, nulls never match.
    f = c.item("all", filters=[("i64", ">=", 0), ("s", "!=", "")]).to_pandas()
    same(f, df[(df.i64 >= 0) & (df.s != "") & df.s.notna()])
    either = [[("cat", "in", ["y"])], [("ni8", "=", 5)]]
    f = c.item("all", filters=either, columns=["f64"]).to_pandas()
    same(f, df.iloc[[1, 4]][["f64"]])
    f = c.item("all", filters=[("ni8", "not in", [1])]).to_pandas()
    same(f, df.iloc[[2, 4]])
    f = c.item("all", filters=[("ts", ">", "2024-01-02T00:00:00+01:00")]).to_pandas()
    same(f, df.iloc[3:])
    print("ok read filters")

    # Snapshots.
    c.create_snapshot("before")
    c.write("all", df.iloc[:2], overwrite=True)
    assert c.list_snapshots() == {"before"}
    same(c.item("all", snapshot="before").to_pandas(), df)
    assert c.item("all", snapshot="before").key_range() == (df.index[0], df.index[-1], 5)
    assert c.item("all").key_range() == (df.index[0], df.index[1], 2)
    same(c.item("all", snapshot="before").tail(1), df.iloc[4:])
    same(c.item("all").to_pandas(), df.iloc[:2])
    c.delete_snapshot("before")
    assert c.list_snapshots() == set()
    print("ok snapshots")

    # Errors are clear and leave items as they were.
    expect_error(lambda: c.write("all", df), "already exists")
    expect_error(lambda: c.write("../x", df), "item")
    expect_error(lambda: c.item("missing").to_pandas(), "missing")
    expect_error(lambda: c.write("bad", df, metadata={"_strata_pandas": 1}), "reserved", ValueError)
    nat = pd.DataFrame({"v": [1, 2]}, index=times("2024-01-01", None))
    expect_error(lambda: c.write("nat", nat), "NaT")
    mixed = pd.DataFrame({"v": ["a", 1]}, index=times("2024-01-01", "2024-01-02"))
    expect_error(lambda: c.write("mixed", mixed), "only str", TypeError)
    same(c.item("all").to_pandas(), df.iloc[:2])
    c.delete_item("all")
    assert "all" not in c.list_items()
    print("ok errors")


def expect_error(fn, text, kind=ps.StrataError):
    try:
        fn()
    except kind as e:
        assert text in str(e), f"error {e!r} lacks {text!r}"
        return
    raise AssertionError(f"no {kind.__name__} ({text})")


def check_append():
    c = fresh("append")
    idx = times("2024-01-01", "2024-01-02", "2024-01-03", tz="UTC", name="ts")
    base = pd.DataFrame({"v": [1.0, 1.0, 1.0], "s": ["a", "a", "a"]}, index=idx)

    # Repeated values at distinct keys are kept (PyStore dropped them).
    c.write("i", base)
    more = pd.DataFrame({"v": [1.0, 1.0], "s": ["a", "a"]},
                        index=times("2024-01-04", "2024-01-05", tz="UTC", name="ts"))
    c.append("i", more)
    same(c.item("i").to_pandas(), pd.concat([base, more]))
    print("ok repeated values at distinct keys kept")

    # Each duplicate_handling mode, on a batch given out of order, in another
    # time zone than the item, holding a key of the item twice (both rows
    # kept: repeats inside a batch are ticks) and a new key inside its range.
    batch = pd.DataFrame({"v": [9.0, 7.0, 8.0], "s": ["z", "x", "y"]},
                         index=times("2024-01-03 09:00", "2024-01-02 01:00", "2024-01-02 01:00",
                                     tz="Europe/Berlin", name="ts"))
    new = batch.tz_convert("UTC")

    def result(old_keep, new_keep):
        parts = [base[old_keep], new[new_keep]]
        out = pd.concat(parts)
        return out.iloc[np.argsort(out.index.asi8, kind="stable")]

    c.write("i", base, overwrite=True)
    c.append("i", batch)  # keep_last is the default
    same(c.item("i").to_pandas(), result([True, False, True], [True, True, True]))
    c.write("i", base, overwrite=True)
    c.append("i", batch, duplicate_handling="keep_first")
    same(c.item("i").to_pandas(), result([True, True, True], [True, False, False]))
    c.write("i", base, overwrite=True)
    c.append("i", batch, duplicate_handling="keep_all")
    same(c.item("i").to_pandas(), result([True, True, True], [True, True, True]))
    c.write("i", base, overwrite=True)
    expect_error(lambda: c.append("i", batch, duplicate_handling="error"), "2024-01-02")
    same(c.item("i").to_pandas(), base)
    expect_error(lambda: c.append("i", batch, duplicate_handling="nope"), "duplicate_handling",
                 ValueError)
    print("ok keep_last, keep_first, keep_all, error; batch repeats kept; out of order sorted")

    # Out-of-order batch after the end; an empty batch changes nothing.
    late = pd.DataFrame({"v": [5.0, 4.0], "s": ["e", "d"]},
                        index=times("2024-02-02", "2024-02-01", tz="UTC", name="ts"))
    c.append("i", late)
    same(c.item("i").to_pandas(), pd.concat([base, late.iloc[[1, 0]]]))
    before = c.item("i").metadata["_updated"]
    c.append("i", late.iloc[:0])
    assert c.item("i").metadata["_updated"] == before
    print("ok out-of-order batch sorted; empty batch is a no-op")

    # Schema evolution: new columns null for older rows; widening; refusal.
    c.write("e", pd.DataFrame({"a": np.array([1, 2], dtype="int32")},
                              index=times("2024-01-01", "2024-01-02", tz="UTC")))
    c.append("e", pd.DataFrame({"a": np.array([3], dtype="int64"), "b": [1.5]},
                               index=times("2024-01-03", tz="UTC")))
    got = c.item("e").to_pandas()
    assert list(got["a"]) == [1, 2, 3] and str(got["a"].dtype) in ("int32", "int64"), got
    assert got["b"].isna().tolist() == [True, True, False], got
    expect_error(lambda: c.append("e", pd.DataFrame({"a": ["x"], "b": [1.0]},
                                                    index=times("2024-01-04", tz="UTC"))),
                 "a")
    print("ok schema evolution")

    # Composite key: rows match by (timestamp, symbol), never by timestamp alone.
    mi = pd.MultiIndex.from_arrays(
        [times("2024-01-01", "2024-01-01", "2024-01-02", tz="UTC"), ["A", "B", "A"]],
        names=["date", "sym"])
    m = pd.DataFrame({"px": [1.0, 2.0, 3.0]}, index=mi)
    mb = pd.DataFrame({"px": [20.0, 30.0, 31.0]}, index=pd.MultiIndex.from_arrays(
        [times("2024-01-01", "2024-01-01", "2024-01-01", tz="UTC"), ["B", "C", "C"]],
        names=["date", "sym"]))
    c.write("m", m)
    c.append("m", mb)
    want = pd.DataFrame({"px": [1.0, 20.0, 30.0, 31.0, 3.0]}, index=pd.MultiIndex.from_arrays(
        [times("2024-01-01", "2024-01-01", "2024-01-01", "2024-01-01", "2024-01-02", tz="UTC"),
         ["A", "B", "C", "C", "A"]], names=["date", "sym"]))
    same(c.item("m").to_pandas(), want)
    c.write("m", m, overwrite=True)
    c.append("m", mb, duplicate_handling="keep_first")
    want_first = pd.DataFrame({"px": [1.0, 2.0, 30.0, 31.0, 3.0]}, index=want.index)
    same(c.item("m").to_pandas(), want_first)
    c.write("m", m, overwrite=True)
    expect_error(lambda: c.append("m", mb, duplicate_handling="error"), "(2024-01-01T00:00:00.000000000Z, B) already in the item")
    same(c.item("m").to_pandas(), m)
    print("ok composite-key appends")

    # The engine sorts by (timestamp, string) and matches the full key in one
    # call: strings out of order at one timestamp, keep_all keeps both rows.
    c.write("m", m, overwrite=True)
    late = pd.DataFrame({"px": [5.0, 4.0, 6.0]}, index=pd.MultiIndex.from_arrays(
        [times("2024-01-02", "2024-01-02", "2024-01-01", tz="UTC"), ["C", "A", "A"]],
        names=["date", "sym"]))
    c.append("m", late, duplicate_handling="keep_all")
    want_all = pd.DataFrame({"px": [1.0, 6.0, 2.0, 3.0, 4.0, 5.0]},
                            index=pd.MultiIndex.from_arrays(
        [times("2024-01-01", "2024-01-01", "2024-01-01", "2024-01-02", "2024-01-02",
               "2024-01-02", tz="UTC"), ["A", "A", "B", "A", "A", "C"]], names=["date", "sym"]))
    same(c.item("m").to_pandas(), want_all)
    print("ok composite key sorted and matched by the engine")

    # An item with MultiIndex hints but a timestamp-only key in the library
    # (as the module wrote them before the engine had composite keys) is not
    # appended to by timestamp alone.
    batch, key, hints = ps._encode(m)
    ps._lib.check(ps._lib.lib.strata_abi_write(
        *c._args("old"), batch.array(), len(batch.columns), len(m), ps._lib.enc(key), None,
        ps._lib.enc(json.dumps({"_strata_pandas": hints})), 0, 0))
    expect_error(lambda: c.append("old", mb), "timestamp-only key")
    print("ok timestamp-only composite items refused on append")

    # Columns added by a later append keep their pandas dtypes (the append
    # merges the item's dtype hints in the same version).
    c.write("h", pd.DataFrame({"a": [1.0]}, index=times("2024-01-01", tz="UTC")))
    added = pd.DataFrame({"a": [2.0], "n": pd.array([7], dtype="Int16"),
                          "k": pd.Categorical(["x"]), "s": pd.array(["y"], dtype="string")},
                         index=times("2024-01-02", tz="UTC"))
    c.append("h", added)
    got = c.item("h").to_pandas()
    assert str(got["n"].dtype) == "Int16" and got["n"].isna().tolist() == [True, False], got
    assert str(got["k"].dtype) == "category" and str(got["s"].dtype) == "string", got.dtypes
    assert list(got.columns) == ["a", "n", "k", "s"], got.columns
    print("ok dtypes of columns added by append kept")

    # No key: rows are renumbered.
    c.write("r", pd.DataFrame({"a": [1, 2]}))
    c.append("r", pd.DataFrame({"a": [3, 4]}, index=[10, 11]).reset_index(drop=True))
    same(c.item("r").to_pandas(), pd.DataFrame({"a": [1, 2, 3, 4]}))
    print("ok RangeIndex append renumbered")


def run_cli(*args):
    p = subprocess.run([STRATA, "store", *args, "--root", ps.get_path()], capture_output=True,
                       text=True)
    assert p.returncode == 0, f"strata store {args}: {p.returncode} {p.stderr}"
    return p.stdout


def check_cli():
    c = fresh("cli")
    df = pd.DataFrame({"n": pd.array([1, None, 3], dtype="Int64"), "x": [1.5, np.nan, 0.25],
                       "s": ["a,\"q\"", None, "plain"], "b": pd.array([True, False, None],
                                                                    dtype="boolean")},
                      index=times("2024-01-01", "2024-01-02", "2024-01-02 23:00:00.5",
                                  tz="Europe/Paris", name="index"))
    c.write("py", df, metadata={"source": "python"})
    out = run_cli("read", "s/cli/py")
    want = ("index,n,x,s,b\n"
            "2023-12-31T23:00:00.000000000Z,1,1.5,\"a,\"\"q\"\"\",true\n"
            "2024-01-01T23:00:00.000000000Z,,,,false\n"
            "2024-01-02T22:00:00.500000000Z,3,0.25,plain,\n")
    assert out == want, out
    assert "py" in run_cli("list", "s/cli")
    assert run_cli("list", "s/cli", "--filter", '{"source": "python"}').split() == ["py"]
    print("ok an item written by Python reads in the CLI")

    tmp = tempfile.mkdtemp(prefix="strata-py-csv-")
    csv = os.path.join(tmp, "w.csv")
    with open(csv, "w", encoding="utf-8") as f:
        f.write("index,n,x,s,b\n2024-01-01T00:00:00Z,1,1.5,a,true\n"
                "2024-01-02T00:00:00Z,,2,,false\n2024-01-03T00:00:00Z,3,,b,\n")
    run_cli("write", "s/cli/fromcli", csv, "--metadata", '{"source": "cli"}')
    got = c.item("fromcli").to_pandas()
    want = pd.DataFrame({"n": pd.array([1, None, 3], dtype="Int64"), "x": [1.5, 2.0, np.nan],
                         "s": ["a", None, "b"], "b": pd.array([True, False, None],
                                                              dtype="boolean")},
                        index=times("2024-01-01", "2024-01-02", "2024-01-03", tz="UTC",
                                    name="index"))
    same(got, want)
    assert c.list_items(source="cli") == {"fromcli"}
    print("ok an item written by the CLI reads in Python")

    # Python appends to the CLI's item, the CLI appends to Python's.
    c.append("fromcli", pd.DataFrame({"n": pd.array([4], dtype="Int64"), "x": [4.0], "s": ["d"],
                                      "b": pd.array([True], dtype="boolean")},
                                     index=times("2024-01-04", tz="UTC", name="index")))
    assert run_cli("read", "s/cli/fromcli", "--tail", "1") == (
        "index,n,x,s,b\n2024-01-04T00:00:00.000000000Z,4,4.0,d,true\n")
    with open(csv, "w", encoding="utf-8") as f:
        f.write("index,n,x,s,b\n2024-01-05T00:00:00Z,5,5,e,true\n")
    run_cli("append", "s/cli/py", csv)
    got = c.item("py").to_pandas()
    assert len(got) == 4 and got["s"].iloc[-1] == "e" and str(got.index.tz) == "Europe/Paris"
    print("ok appends across CLI and Python")


GROUPS = {"roundtrip": check_roundtrip, "append": check_append, "cli": check_cli}

if __name__ == "__main__":
    GROUPS[sys.argv[1]]()
