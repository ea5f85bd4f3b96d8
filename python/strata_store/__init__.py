"""strata_store: PyStore's API over strata store (libstrata.so via ctypes).

    import strata_store as pystore
    pystore.set_path("~/pystore")
    collection = pystore.store("mydatastore").collection("NASDAQ")
    collection.write("AAPL", df, metadata={"source": "Quandl"})
    collection.append("AAPL", new_rows)               # keep_last by key
    df = collection.item("AAPL").to_pandas()

Items are pandas DataFrames with a DatetimeIndex (any time zone, kept), a
MultiIndex (timestamp, string) or a RangeIndex. Data moves as numpy buffers;
strings cost Python work per distinct value only. See docs/store.md.
"""

import json
import os

import numpy as np
import pandas as pd

from . import _frame, _lib
from ._lib import StrataError

__all__ = [
    "StrataError",
    "set_path",
    "get_path",
    "list_stores",
    "store",
    "delete_store",
    "delete_stores",
    "Store",
    "Collection",
    "Item",
]

_path = None


def set_path(path=None):
    """Set the root folder (None: $PYSTORE_PATH, else ~/pystore)."""
    global _path
    if path is None:
        path = os.environ.get("PYSTORE_PATH") or "~/pystore"
    _path = os.path.abspath(os.path.expanduser(str(path)))
    return _path


def get_path():
    """The root folder in use."""
    return _path if _path is not None else set_path()


def list_stores():
    """The stores under the root, sorted."""
    if not os.path.isdir(get_path()):
        return []
    return _lib.take_names(_lib.lib.strata_abi_list, _lib.enc(get_path()), None, None, None)


def store(name, **kwargs):
    """The store name (created when missing); PyStore's engine= is ignored."""
    return Store(name)


def delete_store(name):
    """Remove a store and everything in it."""
    _lib.check(_lib.lib.strata_abi_delete_store(_lib.enc(get_path()), _lib.enc(name)))
    return True


def delete_stores():
    """Remove every store under the root."""
    for name in list_stores():
        delete_store(name)
    return True


class Store:
    """A store: a folder of collections."""

    def __init__(self, datastore):
        self.datastore = datastore
        self.root = get_path()
        _lib.check(_lib.lib.strata_abi_create(_lib.enc(self.root), _lib.enc(datastore), None))
        self.collections = self.list_collections()

    def __repr__(self):
        return f"PyStore.datastore <{self.datastore}>"

    def list_collections(self):
        return _lib.take_names(
            _lib.lib.strata_abi_list, _lib.enc(self.root), _lib.enc(self.datastore), None, None
        )

    def collection(self, collection, overwrite=False, **kwargs):
        """The collection (created when missing; emptied when overwrite)."""
        if overwrite and collection in self.list_collections():
            self.delete_collection(collection)
        return Collection(collection, self)

    def delete_collection(self, collection):
        _lib.check(
            _lib.lib.strata_abi_delete_collection(
                _lib.enc(self.root), _lib.enc(self.datastore), _lib.enc(collection)
            )
        )
        self.collections = self.list_collections()
        return True

    def item(self, collection, item):
        return self.collection(collection).item(item)


class Collection:
    """A collection: items and snapshots."""

    def __init__(self, collection, datastore):
        self.collection = collection
        self.datastore = datastore.datastore if isinstance(datastore, Store) else datastore
        self.root = get_path()
        _lib.check(_lib.lib.strata_abi_create(*self._args()))
        self.items = self.list_items()
        self.snapshots = self.list_snapshots()

    def __repr__(self):
        return f"PyStore.collection <{self.collection}>"

    def _args(self, *more):
        return (_lib.enc(self.root), _lib.enc(self.datastore), _lib.enc(self.collection)) + tuple(
            _lib.enc(m) for m in more
        )

    # --- items -------------------------------------------------------------

    def list_items(self, **metadata):
        """Item names whose metadata holds every given key with an equal value."""
        flt = json.dumps(metadata) if metadata else None
        return set(_lib.take_names(_lib.lib.strata_abi_list, *self._args(), _lib.enc(flt)))

    def item(self, item, snapshot=None, filters=None, columns=None, start=None, end=None):
        """An item (as of snapshot), read with the given selection on access."""
        return Item(
            self, item, snapshot=snapshot, filters=filters, columns=columns, start=start, end=end
        )

    def write(self, item, data, metadata=None, overwrite=False, part_rows=None, **kwargs):
        """Write a DataFrame (or Series) as a new item (or replace it: overwrite)."""
        metadata = dict(metadata or {})
        if _frame.HINTS_KEY in metadata:
            raise ValueError(f"metadata key {_frame.HINTS_KEY} is reserved")
        frame = _as_frame(data)
        batch, key, hints = _encode(frame)
        metadata[_frame.HINTS_KEY] = hints
        keycols = hints["index"]["columns"]
        _lib.check(
            _lib.lib.strata_abi_write(
                *self._args(item),
                batch.array(),
                len(batch.columns),
                len(frame),
                _lib.enc(key),
                _lib.enc(keycols[1] if len(keycols) > 1 else None),
                _lib.enc(json.dumps(metadata, ensure_ascii=False)),
                1 if overwrite else 0,
                part_rows or 0,
            )
        )
        self.items = self.list_items()

    def append(self, item, data, duplicate_handling="keep_last", part_rows=None, **kwargs):
        """Append rows: matched by the full key (timestamp, and the string
        level of a MultiIndex) in one locked library call; duplicate_handling
        is keep_last (default), keep_first, keep_all or error."""
        if duplicate_handling not in _lib.DUPLICATE_HANDLING:
            raise ValueError(f"duplicate_handling must be one of {sorted(_lib.DUPLICATE_HANDLING)}")
        frame = _as_frame(data)
        if len(frame) == 0:
            return
        hints = self.item(item)._hints()
        kind = hints.get("index", {}).get("kind", "datetime")
        if kind == "multi" and _key_columns(self, item)[1] is None:
            raise StrataError(
                -1, f"item {item}: written with a timestamp-only key; rewrite it with "
                "overwrite=True to append by (timestamp, string)")
        rows = _next_rows(self, item, len(frame)) if kind == "range" else None
        batch, _, new_hints = _encode(frame, hints, rows)
        merged = _merge_hints(hints, new_hints)
        patch = {_frame.HINTS_KEY: merged} if merged != hints else None
        _lib.check(
            _lib.lib.strata_abi_append(
                *self._args(item),
                batch.array(),
                len(batch.columns),
                len(frame),
                _lib.DUPLICATE_HANDLING[duplicate_handling],
                _lib.enc(json.dumps(patch, ensure_ascii=False) if patch else None),
                part_rows or 0,
            )
        )

    def delete_item(self, item, reload_items=False):
        _lib.check(_lib.lib.strata_store_delete(*self._args(item)))
        self.items = self.list_items()
        return True

    # --- snapshots -----------------------------------------------------------

    def create_snapshot(self, snapshot=None):
        """Snapshot every item (hard links, no data copy); default name: now."""
        if snapshot is None:
            snapshot = pd.Timestamp.now("UTC").strftime("%Y%m%dT%H%M%S%f")
        _lib.check(_lib.lib.strata_store_snapshot_create(*self._args(snapshot)))
        self.snapshots = self.list_snapshots()
        return True

    def list_snapshots(self):
        return set(_lib.take_names(_lib.lib.strata_store_snapshot_list, *self._args()))

    def delete_snapshot(self, snapshot):
        _lib.check(_lib.lib.strata_store_snapshot_delete(*self._args(snapshot)))
        self.snapshots = self.list_snapshots()
        return True

    def delete_snapshots(self):
        for snapshot in self.list_snapshots():
            self.delete_snapshot(snapshot)
        return True


class Item:
    """One item; data is read when first asked for."""

    def __init__(
        self, collection, item, snapshot=None, filters=None, columns=None, start=None, end=None
    ):
        self.collection = collection
        self.item = item
        self.snapshot = snapshot
        self.filters = filters
        self.columns = columns
        self.start = start
        self.end = end
        self._meta = None
        self._data = None
        self.read_stats = None  # what the last read touched (parts, row groups, rows)

    def __repr__(self):
        return f"PyStore.item <{self.collection.collection}/{self.item}>"

    def _metadata_all(self):
        if self._meta is None:
            out = _lib.ctypes.c_void_p()
            _lib.check(
                _lib.lib.strata_abi_item_metadata(
                    *self.collection._args(self.item),
                    _lib.enc(self.snapshot),
                    _lib.ctypes.byref(out),
                )
            )
            try:
                self._meta = json.loads(_lib.ctypes.string_at(out.value).decode("utf-8"))
            finally:
                _lib.lib.strata_abi_free(out)
        return self._meta

    def _hints(self):
        return self._metadata_all().get(_frame.HINTS_KEY) or {}

    @property
    def metadata(self):
        """The user's metadata plus _updated."""
        return {k: v for k, v in self._metadata_all().items() if k != _frame.HINTS_KEY}

    @property
    def data(self):
        if self._data is None:
            self._data = self._read()
        return self._data

    def to_pandas(self, parse_dates=True):
        return self.data

    def head(self, n=5):
        """The first n rows (only the first parts are read)."""
        if self._data is not None:
            return self._data.head(n)
        return self._read(head=n)

    def tail(self, n=5):
        """The last n rows (only the last parts are read)."""
        if self._data is not None:
            return self._data.tail(n)
        return self._read(tail=n)

    def key_range(self):
        """(first key, last key, rows) from the manifest; keys are None when
        the item is empty."""
        if self.snapshot is not None:  # no manifest shortcut: read the keys
            n, cols, handle = _read_table(Item(self.collection, self.item, self.snapshot), [])
            try:
                keys = _frame._copy(cols[0].values, np.int64, n)
            finally:
                _lib.lib.strata_abi_table_free(handle)
            return _key_stamps(keys[0] if n else 0, keys[-1] if n else 0, n, self._hints())
        first, last, rows = _lib.ctypes.c_int64(), _lib.ctypes.c_int64(), _lib.ctypes.c_size_t()
        _lib.check(
            _lib.lib.strata_store_key_range(
                *self.collection._args(self.item), _lib.ctypes.byref(first),
                _lib.ctypes.byref(last), _lib.ctypes.byref(rows)
            )
        )
        return _key_stamps(first.value, last.value, rows.value, self._hints())

    def _read(self, head=None, tail=None):
        hints = self._hints()
        index = hints.get("index", {})
        columns = None
        if self.columns is not None:
            columns = list(self.columns)
            if index.get("kind") == "multi":
                columns.append(index["columns"][1])
        flt = _filters_json(self.filters, hints)
        table = _read_table(self, columns, flt, head, tail)
        frame = _decode(table, hints)
        if self.columns is not None:
            frame = frame[[c for c in self.columns if c in frame.columns]]
        return frame


def _key_tz(hints):
    dtype = (hints.get("index", {}).get("dtypes") or [None])[0]
    if dtype and dtype.startswith("datetime64[ns, "):
        return dtype[len("datetime64[ns, ") : -1]
    return None if dtype else "UTC"


def _key_stamps(first, last, rows, hints):
    """(first, last, rows) with the keys as Timestamps in the item's zone."""
    if not rows:
        return None, None, 0
    tz = _key_tz(hints)

    def stamp(ns):
        ts = pd.Timestamp(ns, unit="ns")
        return ts.tz_localize("UTC").tz_convert(tz) if tz else ts

    return stamp(first), stamp(last), rows


# --- frames -------------------------------------------------------------------


def _as_frame(data):
    if isinstance(data, pd.Series):
        return data.to_frame()
    if not isinstance(data, pd.DataFrame):
        raise TypeError("data must be a pandas DataFrame or Series")
    return data


def _index_layout(frame):
    """The item key of a frame's index: kind, stored column names, names."""
    idx = frame.index
    if isinstance(idx, pd.MultiIndex):
        if idx.nlevels != 2 or not isinstance(idx.levels[0], pd.DatetimeIndex):
            raise TypeError("a MultiIndex must be (timestamp, string)")
        cols = [idx.names[0] or "index", idx.names[1] or "level_1"]
        return "multi", cols, list(idx.names)
    if isinstance(idx, pd.DatetimeIndex):
        return "datetime", [idx.name or "index"], [idx.name]
    if isinstance(idx, pd.RangeIndex):
        return "range", [_frame.ROW_KEY], [idx.name]
    raise TypeError(
        "the index must be a DatetimeIndex, a (timestamp, string) MultiIndex or a "
        f"RangeIndex, not {type(idx).__name__}"
    )


def _encode(frame, hints=None, rows=None):
    """Column buffers for frame, the key first; rows numbers the rows of a
    frame without a time index (default 0..n-1). Returns (batch, key, hints)."""
    kind, keycols, names = _index_layout(frame)
    if hints and hints.get("index", {}).get("kind", kind) != kind:
        raise TypeError(f"the item's index is {hints['index']['kind']}, the data's {kind}")
    if hints and "columns" in hints.get("index", {}):
        keycols = hints["index"]["columns"]  # an append names the key as the item does
    batch = _frame.Batch()
    dtypes, index_dtypes, cats = {}, [], {}
    for i, col in enumerate(keycols):
        if col in frame.columns:
            raise ValueError(f"column {col} collides with the index")
        level = frame.index.get_level_values(i) if kind == "multi" else frame.index
        if kind == "range":
            numbers = np.arange(len(frame), dtype=np.int64) if rows is None else rows
            level = numbers.view("M8[ns]")
        index_dtypes.append(_frame.add_series(batch, col, pd.Series(level)))
    for col in frame.columns:
        if not isinstance(col, str):
            raise TypeError(f"column names must be str, not {col!r}")
        dtypes[col] = _frame.add_series(batch, col, frame[col])
        if dtypes[col] == "category":
            cats[col] = {
                "categories": list(frame[col].cat.categories),
                "ordered": bool(frame[col].cat.ordered),
            }
    new_hints = {
        "index": {"kind": kind, "names": names, "columns": keycols, "dtypes": index_dtypes},
        "columns": dtypes,
        "categories": cats,
        "order": list(frame.columns),
    }
    return batch, keycols[0], new_hints


def _read_table(item, columns, filters_json=None, head=None, tail=None):
    """Read item's columns (None: all) into (rows, columns, handle)."""
    coll = item.collection
    handle = _lib.ctypes.c_void_p()
    _lib.check(
        _lib.lib.strata_abi_read(
            *coll._args(item.item),
            _lib.enc(item.snapshot),
            _lib.names_array(columns),
            _key_ns(item.start, _lib.INT64_MIN),
            _key_ns(item.end, _lib.INT64_MAX),
            _lib.enc(filters_json),
            _lib.SIZE_MAX if head is None else max(int(head), 0),
            _lib.SIZE_MAX if tail is None else max(int(tail), 0),
            _lib.ctypes.byref(handle),
        )
    )
    try:
        n = _lib.lib.strata_abi_table_rows(handle)
        cols = []
        for i in range(_lib.lib.strata_abi_table_columns(handle)):
            c = _lib.Column()
            _lib.check(_lib.lib.strata_abi_table_column(handle, i, _lib.ctypes.byref(c)))
            cols.append(c)
        stats = (_lib.ctypes.c_size_t * 5)()
        _lib.lib.strata_abi_table_stats(handle, stats)
        item.read_stats = dict(zip(("parts_total", "parts_read", "row_groups_total",
                                    "row_groups_read", "rows_read"), stats))
        return n, cols, handle
    except BaseException:
        _lib.lib.strata_abi_table_free(handle)
        raise


def _key_ns(t, default):
    if t is None:
        return default
    ts = pd.Timestamp(t)
    if ts.tzinfo is None:
        ts = ts.tz_localize("UTC")
    return int(ts.value)


def _decode(table, hints):
    """A DataFrame from a read table and the item's hints."""
    n, cols, handle = table
    try:
        idx_hint = hints.get("index", {})
        dtypes = hints.get("columns", {})
        cats = hints.get("categories", {})
        kind = idx_hint.get("kind", "datetime")
        keycols = idx_hint.get("columns", [cols[0].name.decode("utf-8")])
        names = idx_hint.get("names", keycols[:1])
        index_dtypes = idx_hint.get("dtypes", [None, None])
        data = {}
        for c in cols:
            name = c.name.decode("utf-8")
            if name == keycols[0]:
                key_hint = index_dtypes[0] if kind != "range" else "datetime64[ns]"
                key_values = _frame.read_column(c, n, key_hint)
                continue
            hint = index_dtypes[1] if kind == "multi" and name == keycols[1] else dtypes.get(name)
            data[name] = _frame.read_column(c, n, hint, cats.get(name))
    finally:
        _lib.lib.strata_abi_table_free(handle)
    if kind == "range":
        rows = np.asarray(key_values).view(np.int64)
        if n and rows[-1] - rows[0] == n - 1:
            index = pd.RangeIndex(rows[0], rows[0] + n, name=names[0])
        else:
            index = pd.Index(rows, name=names[0])
    elif kind == "multi":
        index = pd.MultiIndex.from_arrays([key_values, data.pop(keycols[1])], names=names)
    else:
        index = pd.DatetimeIndex(key_values, name=names[0])
    written = hints.get("order", [])
    order = [c for c in written if c in data] + [c for c in data if c not in written]
    return pd.DataFrame({c: data[c] for c in order}, index=index, columns=order)


def _key_columns(coll, item):
    """(key, key2 or None) of the item, from the library's schema."""
    schema = _lib.Schema()
    _lib.check(_lib.lib.strata_store_schema_get(*coll._args(item), None, _lib.ctypes.byref(schema)))
    try:
        key2 = schema.key2.decode("utf-8") if schema.key2 else None
        return schema.key.decode("utf-8"), key2
    finally:
        _lib.lib.strata_store_schema_free(_lib.ctypes.byref(schema))


def _next_rows(coll, item, n):
    """Row numbers for n rows appended to an item without a time index."""
    _, last, rows = Item(coll, item).key_range()
    first = last.value + 1 if rows else 0
    return np.arange(first, first + n, dtype=np.int64)


def _merge_hints(old, new):
    """The item's hints after an append: the hints of the columns it had,
    plus those of the columns the batch adds (so they read back with their
    dtypes). An item without hints (written by another tool) keeps none."""
    if not old:
        return old
    merged = json.loads(json.dumps(old))
    columns = merged.setdefault("columns", {})
    order = merged.setdefault("order", [])
    cats = merged.setdefault("categories", {})
    widened = {("int32", "int64"), ("float32", "float64")}
    for col in new.get("order", []):
        if (columns.get(col), new["columns"][col]) in widened:
            columns[col] = new["columns"][col]  # the library widened the column
        if col not in columns:
            columns[col] = new["columns"][col]
            order.append(col)
            if col in new.get("categories", {}):
                cats[col] = new["categories"][col]
    return merged


def _filters_json(filters, hints):
    """PyStore filters (conditions ANDed, lists of them ORed) as the JSON the
    library evaluates, naming index levels by their stored columns."""
    if not filters:
        return None
    index = hints.get("index", {})
    stored = dict(zip(index.get("names", []), index.get("columns", [])))
    groups = filters if isinstance(filters[0], list) else [filters]

    def value(v):
        if isinstance(v, (list, tuple, set, frozenset, np.ndarray, pd.Index)):
            return [value(x) for x in v]
        if isinstance(v, (pd.Timestamp, np.datetime64)) or hasattr(v, "tzinfo"):
            return int(pd.Timestamp(v).value)
        return v.item() if isinstance(v, np.generic) else v

    out = []
    for group in groups:
        conds = []
        for name, op, v in group:
            conds.append([stored.get(name, name), op, value(v)])
        out.append(conds)
    return json.dumps(out)
