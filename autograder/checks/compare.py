"""Validate what a submission returned, and compare it with what was expected.

Every value is converted to a plain NumPy array or float here before any comparison, so an
object that claims to equal anything gains nothing. Failures raise `CheckFailed` with expected
vs got, where (which index), and a hint.
"""

from __future__ import annotations

import reprlib
from typing import Any

import numpy as np

from autograder.checks.stage import CheckFailed
from autograder.checks.tolerances import dtype_note, pair, precision_for
from autograder.sandbox.worker_side.codec import Handle, Kept


def type_name(value: Any) -> str:
    """The name of the type the submission returned, for messages (never the codec's own)."""
    if isinstance(value, Handle | Kept):
        return value.type_name
    return type(value).__name__

QUOTE_LIMIT = 200  # characters of a submission's value quoted in a message
_QUOTER = reprlib.Repr()  # (keyword arguments need Python 3.12)
_QUOTER.maxlevel, _QUOTER.maxtuple, _QUOTER.maxlist, _QUOTER.maxdict = 3, 8, 8, 8
_QUOTER.maxstring = _QUOTER.maxother = QUOTE_LIMIT
_QUOTER.maxlong = 60


def quote(value: Any, limit: int = QUOTE_LIMIT) -> str:
    """repr(value) for a message, cut short: whatever a submission returns, its quote stays
    small (and is cheap to make: reprlib never builds the whole repr of a huge list)."""
    text = _QUOTER.repr(value)
    return text if len(text) <= limit else text[:limit - 3] + "..."


def describe(value: Any) -> str:
    if isinstance(value, Handle):
        return f"an object of type {value.type_name[:100]}"
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape} and dtype {value.dtype}"
    return f"{type_name(value)} {quote(value)}"


def as_array(value: Any, what: str, shape: tuple[int, ...] | None = None,
             finite: bool = True) -> np.ndarray:
    """`value` as a float64 array, or CheckFailed saying why it cannot be one."""
    if isinstance(value, Handle) or isinstance(value, str | dict) or value is None:
        raise CheckFailed(
            f"{what} should be a NumPy array of numbers, but it is {describe(value)}."
        )
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise CheckFailed(
            f"{what} should be a NumPy array of numbers, but it is {describe(value)}."
        ) from None
    if shape is not None and array.shape != tuple(shape):
        raise CheckFailed(
            f"{what} has shape {array.shape}, expected {tuple(shape)}."
            + shape_hint(array.shape, tuple(shape))
        )
    if finite and not np.all(np.isfinite(array)):
        bad = tuple(int(i) for i in np.argwhere(~np.isfinite(array))[0]) if array.ndim else ()
        raise CheckFailed(
            f"{what} contains {array[bad] if bad else array} (not a finite number)"
            + (f" at index {bad}" if bad else "")
            + ". Something overflowed or divided by zero."
        )
    return array


def as_sequence(value: Any, length: int, what: str) -> list:
    """The items of a tuple, list or 1-D NumPy array of `length` items ("a pair" is any of
    them), or CheckFailed saying what came back instead."""
    if isinstance(value, np.ndarray) and value.ndim == 1:
        value = list(value)
    if isinstance(value, tuple | list) and len(value) == length:
        return list(value)
    size = f" of length {len(value)}" if isinstance(value, tuple | list | np.ndarray) else ""
    shown = f"an array of shape {value.shape}" if isinstance(value, np.ndarray) else (
        f"{'an' if type_name(value)[:1] in 'aeiouAEIOU' else 'a'} {type_name(value)}{size}")
    raise CheckFailed(f"{what}, but it returned {shown}.")


def shape_hint(got: tuple[int, ...], expected: tuple[int, ...]) -> str:
    if got == expected[::-1] and len(got) == 2:
        return " It looks transposed: check the order of the dimensions (rows are samples)."
    if len(got) == len(expected) + 1 and 1 in got:
        return " It has an extra axis of length 1: remove it (np.squeeze or keepdims=False)."
    if len(got) + 1 == len(expected):
        return " An axis is missing: did you sum over the wrong axis?"
    return ""


def as_number(value: Any, what: str, finite: bool = True) -> float:
    """A plain float from a Python number, NumPy scalar or 0-d/1-element array."""
    if isinstance(value, bool) or not isinstance(value, int | float | np.ndarray):
        raise CheckFailed(f"{what} should be a single number, but it is {describe(value)}.")
    array = np.asarray(value, dtype=np.float64)
    if array.size != 1:
        raise CheckFailed(
            f"{what} should be a single number, but it is an array of shape {array.shape}."
            " Did you forget to sum?"
        )
    number = float(array.reshape(()))
    if finite and not np.isfinite(number):
        raise CheckFailed(f"{what} is {number}, not a finite number.")
    return number


def first_mismatch(got: np.ndarray, expected: np.ndarray, rtol: float, atol: float):
    wrong = ~np.isclose(got, expected, rtol=rtol, atol=atol)
    if not wrong.any():
        return None
    if got.ndim == 0:
        return ()
    error = np.where(wrong, np.abs(got - expected), -np.inf)
    return tuple(int(i) for i in np.unravel_index(np.argmax(error), got.shape))


def expect_close(got: Any, expected: np.ndarray | float, what: str, *, rtol: float = 1e-7,
                 atol: float = 1e-10, hint: str = "") -> np.ndarray:
    """Compare element by element; on a mismatch report the worst index and both values."""
    expected = np.asarray(expected, dtype=np.float64)
    array = as_array(got, what, shape=expected.shape)
    rtol, atol = precision_for(got, expected, rtol, atol)
    index = first_mismatch(array, expected, rtol, atol)
    if index is None:
        return array
    where = f" at index {index}" if index else ""
    ratio = ratio_hint(array, expected)
    shown = pair(float(expected[index]), float(array[index]))
    message = (f"{what} is wrong{where}: expected {shown[0]}, got {shown[1]}."
               + (f" {ratio}" if ratio else "") + dtype_note(got)
               + (f" Hint: {hint}" if hint else ""))
    raise CheckFailed(message)


def ratio_hint(got: np.ndarray, expected: np.ndarray) -> str:
    """Name the pattern when `got` is `expected` times a constant."""
    mask = np.abs(expected) > 1e-12
    if not mask.any():
        return ""
    ratios = got[mask] / expected[mask]
    ratio = float(np.median(ratios))
    if not np.allclose(ratios, ratio, rtol=1e-6) or np.isclose(ratio, 1.0):
        return ""
    return f"Every value is {ratio:.6g} times the expected one: a constant factor is off."
