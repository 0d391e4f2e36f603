"""Values that may cross the pipe between grader and worker, encoded without pickle.

A message is a JSON header plus raw array buffers. Only plain data survives the trip: numbers,
strings, None, lists, tuples, str-keyed dicts and numeric NumPy arrays (copied as bytes, so an
ndarray subclass loses whatever it overrode). Anything else stays in the worker and travels as a
`Handle`, an opaque reference the grader can pass back but never inspect.

Subclasses of plain data (an OrderedDict, a defaultdict, a NamedTuple, any other Mapping or
Sequence, np.matrix, a float subclass) cross in their plain form, so the grader can check them
like the plain types. The worker keeps the original too (`_subclass_form`): when the grader passes
such a value back (forward's cache into backward), the submission gets its own object again, with
its attributes and methods.
"""

from __future__ import annotations

import json
import numbers
import struct
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, BinaryIO

import numpy as np

_NUMERIC_KINDS = "biuf"  # bool, signed, unsigned, float: no objects, no strings, no complex
_HEADER = struct.Struct("<QI")  # JSON length, number of buffers


@dataclass(frozen=True)
class Handle:
    """An object that lives in the worker; `type_name` says what it was, for messages."""

    id: int
    type_name: str


class EncodeError(TypeError):
    pass


class Kept:
    """Grader side: plain data decoded from a subclass the worker kept (`handle` is the original,
    `type_name` its type, for messages). Passing it back to the worker sends the handle."""

    handle: Handle | None = None

    @property
    def type_name(self) -> str:
        return self.handle.type_name if self.handle else type(self).__name__


class KeptDict(dict, Kept):
    pass


class KeptList(list, Kept):
    pass


class KeptTuple(tuple, Kept):
    pass


class KeptArray(np.ndarray, Kept):
    def __array_finalize__(self, obj: Any) -> None:
        self.handle = None  # a view or a computed array is not the worker's object


_KEPT = {"dict": KeptDict, "list": KeptList, "tuple": KeptTuple}


def _is_plain_array(value: Any) -> bool:
    return isinstance(value, np.ndarray) and value.dtype.kind in _NUMERIC_KINDS


def to_wire(value: Any, buffers: list[bytes], keep: Any = None) -> Any:
    """Encode `value` as JSON-able data; `keep(obj) -> Handle` stores what cannot be encoded."""
    if isinstance(value, Kept) and value.handle is not None:  # back to the worker's original
        return {"__handle__": value.handle.id, "type": value.handle.type_name}
    if value is None or type(value) in (bool, int, float, str):
        if type(value) is float and not np.isfinite(value):
            return {"__float__": repr(value)}
        return value
    if isinstance(value, np.generic) and value.dtype.kind in _NUMERIC_KINDS:
        return to_wire(value.item(), buffers, keep)
    if _is_plain_array(value) and type(value) is not np.ndarray and keep is not None:
        return _subclass_form(value, buffers, keep)
    if _is_plain_array(value):
        array = np.ascontiguousarray(value).view(np.ndarray)
        buffers.append(array.tobytes())
        return {"__array__": len(buffers) - 1, "dtype": array.dtype.str, "shape": array.shape}
    if type(value) in (list, tuple):
        items = [to_wire(item, buffers, keep) for item in value]
        return items if type(value) is list else {"__tuple__": items}
    if type(value) is dict and all(type(key) is str for key in value):
        return {"__dict__": {key: to_wire(item, buffers, keep) for key, item in value.items()}}
    if isinstance(value, Handle):
        return {"__handle__": value.id, "type": value.type_name}
    plain = plain_form(value)
    if plain is not None:
        return _subclass_form(value, buffers, keep, plain)
    if keep is None:
        raise EncodeError(f"cannot send a {type(value).__name__}")
    return to_wire(keep(value), buffers, keep)


def plain_form(value: Any) -> Any:
    """The plain dict, list, tuple or number a subclass of plain data stands for, else None."""
    if isinstance(value, str | bytes | bytearray | memoryview | np.ndarray | np.generic):
        return None
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value)
    if isinstance(value, Mapping):
        items = dict(value.items())
        return items if all(type(key) is str for key in items) else None
    if isinstance(value, tuple):  # NamedTuple and other tuple subclasses
        return tuple(value)
    if isinstance(value, Sequence):
        return list(value)
    return None


def _subclass_form(value: Any, buffers: list[bytes], keep: Any, plain: Any = None) -> Any:
    if isinstance(value, np.ndarray):
        plain = np.ascontiguousarray(value).view(np.ndarray)
    encoded = to_wire(plain, buffers, keep)
    if keep is None or not isinstance(plain, dict | list | tuple | np.ndarray):
        return encoded  # a number needs no original; the grader side keeps nothing
    return {"__kept__": encoded, "__handle__": keep(value).id, "type": type(value).__name__}


def _kept(value: Any, handle: Handle) -> Any:
    if isinstance(value, np.ndarray):
        kept = value.view(KeptArray)
    elif isinstance(value, dict | list | tuple):
        kept = _KEPT[type(value).__name__](value)
    else:
        return value
    kept.handle = handle
    return kept


def from_wire(data: Any, buffers: list[bytes], resolve: Any = None) -> Any:
    """Decode what `to_wire` produced; `resolve(handle)` turns a handle back into its object."""
    if isinstance(data, list):
        return [from_wire(item, buffers, resolve) for item in data]
    if not isinstance(data, dict):
        return data
    if "__float__" in data:
        return float(data["__float__"])
    if "__array__" in data:
        dtype = np.dtype(data["dtype"])
        if dtype.kind not in _NUMERIC_KINDS:
            raise EncodeError(f"refused an array of dtype {dtype}")
        flat = np.frombuffer(buffers[data["__array__"]], dtype=dtype)
        return flat.reshape(data["shape"]).copy()
    if "__kept__" in data:
        handle = Handle(int(data["__handle__"]), str(data["type"]))
        return _kept(from_wire(data["__kept__"], buffers, resolve), handle)
    if "__tuple__" in data:
        return tuple(from_wire(item, buffers, resolve) for item in data["__tuple__"])
    if "__dict__" in data:
        return {key: from_wire(item, buffers, resolve) for key, item in data["__dict__"].items()}
    if "__handle__" in data:
        handle = Handle(int(data["__handle__"]), str(data["type"]))
        return resolve(handle) if resolve else handle
    raise EncodeError(f"unknown encoded value {sorted(data)}")


def write_message(stream: BinaryIO, message: dict, buffers: list[bytes]) -> None:
    header = json.dumps(message).encode()
    stream.write(_HEADER.pack(len(header), len(buffers)))
    stream.write(header)
    for buffer in buffers:
        stream.write(struct.pack("<Q", len(buffer)))
        stream.write(buffer)
    stream.flush()


def _read_exact(stream: BinaryIO, size: int) -> bytes:
    chunks, remaining = [], size
    while remaining:
        chunk = stream.read(remaining)
        if not chunk:
            raise EOFError("the other side closed the pipe")
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def read_message(stream: BinaryIO, max_bytes: int = 1 << 31) -> tuple[dict, list[bytes]]:
    """One message; `max_bytes` bounds the whole of it (header and buffers together)."""
    header_size, n_buffers = _HEADER.unpack(_read_exact(stream, _HEADER.size))
    if header_size > max_bytes or n_buffers > 100_000:
        raise EncodeError("message too large")
    message = json.loads(_read_exact(stream, header_size))
    buffers, total = [], header_size
    for _ in range(n_buffers):
        (size,) = struct.unpack("<Q", _read_exact(stream, 8))
        total += size
        if total > max_bytes:
            raise EncodeError(f"message larger than {max_bytes >> 20} MB")
        buffers.append(_read_exact(stream, size))
    return message, buffers
