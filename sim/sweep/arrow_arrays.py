"""Arrow arrays built from their buffers, for the tables a sweep's worker writes.

This module owns turning a chunk's numpy arrays and Python values into Arrow arrays without
``pyarrow.array``: that function asks pandas whether each value is one of its types, and so
imports pandas (about 0.2 s) in a process that had not. A sweep's worker builds its tables
through :func:`array` (``sim.sweep.partitions``), and the sweep's process its design
(``sim.sweep.designs``): neither imports pandas, and both start sooner. Repeated values (a
chunk's quarters, its runs' parameters) are gathered by numpy (:func:`taken`), not by
``Array.take``, which imports ``pyarrow.compute`` (0.03 s).

Only the types of a sweep's tables are built (``int32``, ``int64``, ``float32``, ``float64``,
``bool`` and ``string``), none of them with nulls: a value that does not fit the type is an
error, as it is for ``pyarrow.array``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pyarrow as pa

_NUMPY_TYPES = {
    pa.int32(): np.int32,
    pa.int64(): np.int64,
    pa.float32(): np.float32,
    pa.float64(): np.float64,
}
"""The numeric Arrow types built here, with the numpy type of their data buffer."""

_MAX_STRING_BYTES = 2**31 - 1
"""The most bytes an Arrow ``string`` array holds (its offsets are int32)."""


def array(values: np.ndarray | Sequence[Any], type: pa.DataType) -> pa.Array:
    """An Arrow array of ``type`` holding ``values`` (a numpy array or a sequence), no nulls.

    Raises:
        TypeError: a type this module does not build, or a string column holding a non-string.
        ValueError: a numeric value that does not convert to the type (as numpy converts it).
    """
    if type == pa.string():
        return strings(values)
    if type == pa.bool_():
        flags = np.asarray(values, dtype=bool)
        bits = np.packbits(flags, bitorder="little")
        return pa.Array.from_buffers(type, len(flags), [None, pa.py_buffer(bits)])
    if type not in _NUMPY_TYPES:
        raise TypeError(f"{type}: expected one of {sorted(map(str, _NUMPY_TYPES))}, bool, string")
    data = np.ascontiguousarray(values, dtype=_NUMPY_TYPES[type])
    if data.ndim != 1:
        raise ValueError(f"values of shape {data.shape}: expected one dimension")
    return pa.Array.from_buffers(type, len(data), [None, pa.py_buffer(data)])


def strings(values: np.ndarray | Sequence[str]) -> pa.Array:
    """An Arrow ``string`` array of ``values`` (each a ``str``), UTF-8 encoded.

    The text is joined and encoded at once, and the offsets are the values' lengths: a
    summary's eight quarter columns of 2,219 runs take 0.7 ms, against 1.7 ms for a dictionary
    of the distinct values built value by value.

    Raises:
        TypeError: a value that is not a string (``None`` included: no nulls here).
        ValueError: more text than one Arrow string array holds (2 GiB).
    """
    values = values.tolist() if isinstance(values, np.ndarray) else list(values)
    try:
        text = "".join(values)
    except TypeError:  # a value that is not a string, said with its value
        bad = next(v for v in values if not isinstance(v, str))
        raise TypeError(f"{bad!r}: expected a string") from None
    data = text.encode("utf-8")
    if len(data) == len(text):  # ASCII: each character one byte
        lengths = np.fromiter(map(len, values), np.int64, len(values))
    else:
        lengths = np.fromiter((len(v.encode("utf-8")) for v in values), np.int64, len(values))
    return _from_lengths(lengths, data)


def taken(values: Sequence[Any], type: pa.DataType, index: np.ndarray) -> pa.Array:
    """``array([values[i] for i in index], type)``, gathered by numpy (no ``pyarrow.compute``).

    Raises:
        TypeError, ValueError: as :func:`array` does for ``values``.
    """
    index = np.asarray(index, dtype=np.int64)
    if type == pa.string():
        return _gathered(values, index)
    return array(np.asarray(values)[index], type)


def _gathered(values: Sequence[str], index: np.ndarray) -> pa.Array:
    """An Arrow ``string`` array of ``values[i]`` for each ``i`` of ``index``, built by numpy.

    For the series' labels (a chunk's quarters and members, thousands of rows from a few dozen
    values): no Python object per row, and no ``pyarrow.compute`` (``Array.take`` imports it:
    0.03 s of a sweep's start).

    Raises:
        TypeError: a value that is not a string.
        ValueError: more text than one Arrow string array holds (2 GiB).
    """
    codes = np.asarray(index, dtype=np.int64)
    encoded = []
    for value in values:
        if not isinstance(value, str):
            raise TypeError(f"{value!r}: expected a string")
        encoded.append(value.encode("utf-8"))
    lengths = np.array([len(e) for e in encoded], dtype=np.int64)
    width = int(lengths.max()) if len(encoded) else 0
    padded = np.zeros((len(encoded), width), dtype=np.uint8)
    for i, e in enumerate(encoded):
        padded[i, : len(e)] = np.frombuffer(e, dtype=np.uint8)
    row_lengths = lengths[codes]
    total = int(row_lengths.sum())
    if total > _MAX_STRING_BYTES:  # said before the bytes are gathered
        raise ValueError(f"{total} bytes of text: at most {_MAX_STRING_BYTES} in one array")
    rows = padded[codes]
    if len(encoded) and (lengths == width).all():  # fixed width (quarters, ISO codes): no mask
        data = rows.reshape(-1)
    else:
        data = rows[np.arange(width) < row_lengths[:, None]]
    return _from_lengths(row_lengths, data.tobytes())


def _from_lengths(lengths: np.ndarray, data: bytes) -> pa.Array:
    """An Arrow ``string`` array of the values of these byte ``lengths`` in ``data``."""
    offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    if offsets[-1] > _MAX_STRING_BYTES:
        raise ValueError(f"{offsets[-1]} bytes of text: at most {_MAX_STRING_BYTES} in one array")
    buffers = [None, pa.py_buffer(offsets.astype(np.int32)), pa.py_buffer(data)]
    return pa.Array.from_buffers(pa.string(), len(lengths), buffers)
