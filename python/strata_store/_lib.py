"""ctypes binding of libstrata.so's flat store ABI (include/strata/store_abi.h)."""

import ctypes
import os

# strata_abi_type codes (include/strata/store_abi.h).
INT8, INT16, INT32, UINT8, UINT16, UINT32, INT64, UINT64 = range(8)
TIMESTAMP, FLOAT, DOUBLE, BOOL, STRING = range(8, 13)
UTC = 1  # column flag: timestamps adjusted to UTC

# strata_store_dup values.
DUPLICATE_HANDLING = {"keep_last": 0, "keep_first": 1, "keep_all": 2, "error": 3}

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1
SIZE_MAX = ctypes.c_size_t(-1).value


class StrataError(Exception):
    """A failed store call; the message names the item, file and reason."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code


class Column(ctypes.Structure):
    """struct strata_abi_column."""

    _fields_ = [
        ("name", ctypes.c_char_p),
        ("type", ctypes.c_int32),
        ("flags", ctypes.c_int32),
        ("values", ctypes.c_void_p),
        ("validity", ctypes.c_void_p),
        ("offsets", ctypes.c_void_p),
        ("bytes", ctypes.c_void_p),
        ("codes", ctypes.c_void_p),
        ("dict_count", ctypes.c_int64),
        ("dict_offsets", ctypes.c_void_p),
        ("dict_bytes", ctypes.c_void_p),
        ("tz", ctypes.c_char_p),
    ]


class Schema(ctypes.Structure):
    """struct strata_store_schema (the columns stay opaque here)."""

    _fields_ = [
        ("key", ctypes.c_char_p),
        ("key2", ctypes.c_char_p),
        ("ncols", ctypes.c_size_t),
        ("cols", ctypes.c_void_p),
    ]


def _candidates():
    """Where libstrata.so may be: $STRATA_LIB, next to the package, build dirs."""
    env = os.environ.get("STRATA_LIB")
    if env:
        return [env]
    here = os.path.dirname(os.path.abspath(__file__))
    repo = os.path.dirname(os.path.dirname(here))
    return [
        os.path.join(here, "libstrata.so"),
        os.path.join(repo, "build", "libstrata.so"),
        "libstrata.so",
    ]


def _load():
    errors = []
    for path in _candidates():
        try:
            return ctypes.CDLL(path)
        except OSError as e:
            errors.append(f"{path}: {e}")
    raise ImportError(
        "strata_store: cannot load libstrata.so (set STRATA_LIB): " + "; ".join(errors)
    )


_P = ctypes.c_char_p
_S = ctypes.c_size_t
_I = ctypes.c_int
_NAMES = ctypes.POINTER(ctypes.c_char_p)

_SIGNATURES = {
    "strata_abi_last_error": (_P, []),
    "strata_abi_write": (
        _I, [_P, _P, _P, _P, ctypes.POINTER(Column), _S, _S, _P, _P, _P, _I, _S]
    ),
    "strata_abi_append": (_I, [_P, _P, _P, _P, ctypes.POINTER(Column), _S, _S, _I, _P, _S]),
    "strata_abi_read": (
        _I,
        [_P, _P, _P, _P, _P, _NAMES, ctypes.c_int64, ctypes.c_int64, _P, _S, _S,
         ctypes.POINTER(ctypes.c_void_p)],
    ),
    "strata_abi_table_stats": (None, [ctypes.c_void_p, ctypes.POINTER(_S)]),
    "strata_store_key_range": (
        _I,
        [_P, _P, _P, _P, ctypes.POINTER(ctypes.c_int64), ctypes.POINTER(ctypes.c_int64),
         ctypes.POINTER(_S)],
    ),
    "strata_abi_table_rows": (_S, [ctypes.c_void_p]),
    "strata_abi_table_columns": (_S, [ctypes.c_void_p]),
    "strata_abi_table_column": (_I, [ctypes.c_void_p, _S, ctypes.POINTER(Column)]),
    "strata_abi_table_free": (None, [ctypes.c_void_p]),
    "strata_abi_item_metadata": (_I, [_P, _P, _P, _P, _P, ctypes.POINTER(ctypes.c_void_p)]),
    "strata_abi_list": (_I, [_P, _P, _P, _P, ctypes.POINTER(_NAMES), ctypes.POINTER(_S)]),
    "strata_abi_names_free": (None, [_NAMES]),
    "strata_abi_delete_collection": (_I, [_P, _P, _P]),
    "strata_abi_delete_store": (_I, [_P, _P]),
    "strata_abi_create": (_I, [_P, _P, _P]),
    "strata_abi_free": (None, [ctypes.c_void_p]),
    "strata_store_schema_get": (_I, [_P, _P, _P, _P, _P, ctypes.POINTER(Schema)]),
    "strata_store_schema_free": (None, [ctypes.POINTER(Schema)]),
    "strata_store_delete": (_I, [_P, _P, _P, _P]),
    "strata_store_snapshot_create": (_I, [_P, _P, _P, _P]),
    "strata_store_snapshot_delete": (_I, [_P, _P, _P, _P]),
    "strata_store_snapshot_list": (_I, [_P, _P, _P, ctypes.POINTER(_NAMES), ctypes.POINTER(_S)]),
}

lib = _load()
for _name, (_res, _args) in _SIGNATURES.items():
    _fn = getattr(lib, _name)
    _fn.restype = _res
    _fn.argtypes = _args


def enc(s):
    """A str argument as UTF-8 bytes (None stays NULL)."""
    return None if s is None else s.encode("utf-8")


def check(rc):
    """Raise StrataError for a negative return code."""
    if rc < 0:
        raise StrataError(rc, lib.strata_abi_last_error().decode("utf-8", "replace"))
    return rc


def take_names(call, *args):
    """Call a listing function and return its names as a list of str."""
    names = _NAMES()
    count = _S()
    check(call(*args, ctypes.byref(names), ctypes.byref(count)))
    try:
        return [names[i].decode("utf-8") for i in range(count.value)]
    finally:
        lib.strata_abi_names_free(names)


def names_array(names):
    """A NULL-terminated char* array (None for None: every column)."""
    if names is None:
        return None
    arr = (ctypes.c_char_p * (len(names) + 1))()
    for i, n in enumerate(names):
        arr[i] = enc(n)
    arr[len(names)] = None
    return arr
