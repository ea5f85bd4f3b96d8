"""pandas <-> strata column buffers, vectorised with numpy.

Only strings cost Python work per *distinct* value (encoding or decoding
the dictionary that pandas.factorize or the library builds); every other
type moves as one numpy buffer.
"""

import ctypes
import re

import numpy as np
import pandas as pd

from . import _lib

# Hints about pandas dtypes and the index, kept in the item's metadata under
# this key so that a frame reads back exactly as it was written.
HINTS_KEY = "_strata_pandas"
# The key column of an item written from a frame without a time index.
ROW_KEY = "__index_level_0__"

_NUMPY_TYPES = {
    "int8": _lib.INT8,
    "int16": _lib.INT16,
    "int32": _lib.INT32,
    "int64": _lib.INT64,
    "uint8": _lib.UINT8,
    "uint16": _lib.UINT16,
    "uint32": _lib.UINT32,
    "uint64": _lib.UINT64,
    "float32": _lib.FLOAT,
    "float64": _lib.DOUBLE,
    "bool": _lib.BOOL,
}
_TYPE_NUMPY = {v: k for k, v in _NUMPY_TYPES.items()}
_NULLABLE = {
    "int8": "Int8",
    "int16": "Int16",
    "int32": "Int32",
    "int64": "Int64",
    "uint8": "UInt8",
    "uint16": "UInt16",
    "uint32": "UInt32",
    "uint64": "UInt64",
    "bool": "boolean",
}


class Batch:
    """Column structs for one call, holding the numpy buffers alive."""

    def __init__(self):
        self.columns = []
        self.keep = []

    def ptr(self, arr):
        if arr is None:
            return None
        arr = np.ascontiguousarray(arr)
        self.keep.append(arr)
        return arr.ctypes.data

    def add(
        self, name, type_code, values=None, mask=None, flags=0, codes=None, uniques=None, tz=None
    ):
        """Add a column; mask is a bool array of present rows (None: all)."""
        c = _lib.Column()
        c.name = name.encode("utf-8")
        self.keep.append(c.name)
        c.type = type_code
        c.flags = flags
        if tz is not None:
            c.tz = str(tz).encode("utf-8")
            self.keep.append(c.tz)
        if mask is not None and not mask.all():
            c.validity = self.ptr(np.packbits(mask, bitorder="little"))
        if type_code == _lib.STRING:
            encoded = [u.encode("utf-8") for u in uniques]  # per distinct value
            lengths = np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded))
            offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
            np.cumsum(lengths, out=offsets[1:])
            blob = b"".join(encoded)
            self.keep.append(blob)
            c.codes = self.ptr(codes.astype(np.int32))
            c.dict_count = len(encoded)
            c.dict_offsets = self.ptr(offsets)
            c.dict_bytes = ctypes.cast(ctypes.c_char_p(blob), ctypes.c_void_p).value
        else:
            c.values = self.ptr(values)
        self.columns.append(c)

    def array(self):
        return (_lib.Column * max(len(self.columns), 1))(*self.columns)


def tz_name(tz):
    """The name the library keeps for a time zone (IANA name or offset), or
    None for naive values or a zone without such a name (kept as UTC; the
    item's hints still restore it)."""
    if tz is None:
        return None
    name = getattr(tz, "zone", None) or getattr(tz, "key", None) or str(tz)
    return name if re.fullmatch(r"[A-Za-z0-9_+\-/:.]{1,64}", name) else None


def _strings(name, series):
    """Codes and distinct values of a string column (NA: code -1)."""
    kind = pd.api.types.infer_dtype(series, skipna=True)
    if kind not in ("string", "empty"):
        raise TypeError(f"column {name}: only str values are stored as strings, not {kind}")
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    return codes, list(uniques)


def add_series(batch, name, series):
    """Add a Series as a column; returns its dtype hint (str)."""
    dtype = series.dtype
    hint = str(dtype)
    if isinstance(dtype, pd.CategoricalDtype):
        cats = dtype.categories
        if len(cats) and pd.api.types.infer_dtype(cats) != "string":
            raise TypeError(f"column {name}: categories must be str")
        batch.add(name, _lib.STRING, codes=series.cat.codes.to_numpy(), uniques=list(cats))
        return hint
    if isinstance(dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_dtype(dtype):
        values = pd.DatetimeIndex(series)
        mask = ~np.asarray(values.isna())
        flags = _lib.UTC if values.tz is not None else 0
        batch.add(name, _lib.TIMESTAMP, values.asi8, mask, flags, tz=tz_name(values.tz))
        return hint
    if hint in ("object", "string"):
        codes, uniques = _strings(name, series)
        batch.add(name, _lib.STRING, codes=codes, uniques=uniques)
        return hint
    if isinstance(dtype, pd.api.extensions.ExtensionDtype):
        numpy_name = str(getattr(dtype, "numpy_dtype", ""))
        if numpy_name not in _NUMPY_TYPES:
            raise TypeError(f"column {name}: unsupported dtype {dtype}")
        mask = ~np.asarray(series.isna())
        values = series.to_numpy(dtype=numpy_name, na_value=0 if numpy_name != "bool" else False)
        batch.add(name, _NUMPY_TYPES[numpy_name], values, mask)
        return hint
    if hint not in _NUMPY_TYPES:
        raise TypeError(f"column {name}: unsupported dtype {dtype}")
    values = series.to_numpy()
    mask = ~np.isnan(values) if values.dtype.kind == "f" else None
    batch.add(name, _NUMPY_TYPES[hint], values, mask)
    return hint


def _copy(ptr, dtype, n):
    """n values of dtype at ptr as a new numpy array."""
    dtype = np.dtype(dtype)
    if n == 0 or not ptr:
        return np.zeros(n, dtype=dtype)
    raw = (ctypes.c_char * (n * dtype.itemsize)).from_address(ptr)
    return np.frombuffer(raw, dtype=dtype).copy()


def _present(col, n):
    """Bool array of present rows (all True without a validity bitmap)."""
    if not col.validity:
        return np.ones(n, dtype=bool)
    bits = _copy(col.validity, np.uint8, (n + 7) // 8)
    return np.unpackbits(bits, count=n, bitorder="little").astype(bool)


def _dictionary(col):
    """The distinct strings of a read column, decoded (per distinct value)."""
    k = col.dict_count
    offsets = _copy(col.dict_offsets, np.int64, k + 1)
    blob = ctypes.string_at(col.dict_bytes, int(offsets[-1])) if k else b""
    return [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(k)]


def _as_strings(codes, uniques, hint):
    if hint == "string":
        return pd.array(pd.Categorical.from_codes(codes, uniques).astype(object), dtype="string")
    table = np.empty(len(uniques) + 1, dtype=object)
    table[: len(uniques)] = uniques
    table[len(uniques)] = None
    return table.take(np.where(codes < 0, len(uniques), codes))


def _as_category(codes, uniques, hint_cats):
    cat = pd.Categorical.from_codes(codes, pd.Index(uniques, dtype=object))
    if hint_cats is None:
        return cat
    known = list(hint_cats["categories"])
    seen = set(known)
    extra = [u for u in uniques if u not in seen]
    return cat.set_categories(known + extra, ordered=hint_cats.get("ordered", False))


def _as_timestamps(values, present, utc, hint, tz=None):
    values = np.where(present, values, np.iinfo(np.int64).min).view("M8[ns]")
    idx = pd.DatetimeIndex(values)
    if hint and hint.startswith("datetime64[ns, "):
        return idx.tz_localize("UTC").tz_convert(hint[len("datetime64[ns, ") : -1])
    if hint == "datetime64[ns]" or not utc:
        return idx
    return idx.tz_localize("UTC").tz_convert(tz or "UTC")  # the zone the library kept


def _as_numbers(values, present, hint, type_code):
    numpy_name = _TYPE_NUMPY[type_code]
    if hint is None:
        if present.all():
            return values
        hint = "float64" if values.dtype.kind == "f" else _NULLABLE[numpy_name]
    if hint in _NUMPY_TYPES:
        if values.dtype.kind == "f":
            return np.where(present, values, np.nan).astype(hint)
        if not present.all():
            raise ValueError(f"nulls in a column written as {hint}")
        return values.astype(hint)
    arr = pd.array(values, dtype=hint)
    arr[~present] = pd.NA
    return arr


def read_column(col, n, hint=None, cats=None):
    """A read column as a numpy array or pandas extension array."""
    present = _present(col, n)
    if col.type == _lib.STRING:
        codes = _copy(col.codes, np.int32, n)
        uniques = _dictionary(col)
        if hint == "category":
            return _as_category(codes, uniques, cats)
        return _as_strings(codes, uniques, hint)
    if col.type == _lib.TIMESTAMP:
        tz = col.tz.decode("utf-8") if col.tz else None
        return _as_timestamps(_copy(col.values, np.int64, n), present, col.flags & _lib.UTC, hint, tz)
    values = _copy(col.values, np.dtype(_TYPE_NUMPY[col.type]), n)
    if col.type == _lib.BOOL:
        values = values.astype(bool)
    return _as_numbers(values, present, hint, col.type)
