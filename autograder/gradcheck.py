"""Compare a student's gradients with numerical ones, and say what pattern the error has."""

from __future__ import annotations

from typing import Any

import numpy as np

from autograder.expect import as_array
from autograder.stage import CheckFailed

# A correct gradient matches central differences to ~1e-8 relative (see numerics.EPSILON);
# 1e-5 leaves three orders of margin for other correct ways of writing it.
TOLERANCE = 1e-5


def relative_error(got: np.ndarray, expected: np.ndarray) -> float:
    """Norm-based, so tiny gradients don't blow it up: |g - n| / (|g| + |n|)."""
    scale = np.linalg.norm(got) + np.linalg.norm(expected)
    return 0.0 if scale < 1e-12 else float(np.linalg.norm(got - expected) / scale)


def constant_factor(got: np.ndarray, expected: np.ndarray) -> float | None:
    """The c with got ~= c * expected, if there is one."""
    denominator = float(np.sum(expected * expected))
    if denominator < 1e-24:
        return None
    factor = float(np.sum(got * expected) / denominator)
    if relative_error(got, factor * expected) < TOLERANCE and not np.isclose(factor, 1.0):
        return factor
    return None


def name_factor(factor: float, m: int) -> str:
    known = {-1.0: "the sign is flipped", 2.0: "it is twice too big", 0.5: "it is half too small",
             float(m): f"it is {m} times too big (m = {m} samples): divide by m once, not never",
             1.0 / m: f"it is {m} times too small (m = {m} samples): you divided by m twice",
             -float(m): f"it has the wrong sign and is {m} times too big",
             -1.0 / m: f"it has the wrong sign and is {m} times too small"}
    for value, words in known.items():
        if np.isclose(factor, value, rtol=1e-4):
            return words
    return f"it is {factor:.4g} times the right value"


def diagnose(wrong: list[str], got: dict[str, np.ndarray], numerical: dict[str, np.ndarray],
             m: int, layers: int) -> str:
    """One sentence naming the pattern of the mistakes across the parameter arrays."""
    factors = [constant_factor(got[key], numerical[key]) for key in wrong]
    if all(f is not None for f in factors) and np.allclose(factors, factors[0], rtol=1e-4):
        return ("Pattern: every wrong gradient is off by the same constant factor: "
                f"{name_factor(factors[0], m)}.")
    transposed = [key for key in wrong if got[key].ndim == 2
                  and got[key].shape[0] == got[key].shape[1]
                  and relative_error(got[key].T, numerical[key]) < TOLERANCE]
    if transposed and len(transposed) == len(wrong):
        return ("Pattern: the gradient is transposed (right values, rows and columns swapped): "
                "dW should be a_prev.T @ delta, shape (n_in, n_out).")
    if all(key.startswith("b") for key in wrong):
        return ("Pattern: only the bias gradients are wrong: db must sum delta over the samples "
                "axis (axis=0), giving one value per neuron.")
    last = {f"W{layers}", f"b{layers}"}
    if wrong and not (set(wrong) & last):
        return ("Pattern: the last layer is right but earlier layers are wrong, so the error is "
                "not propagated correctly: check the sigma' factor (a * (1 - a) of the layer "
                "below) and that you multiply by the transpose of the weights of the layer above.")
    return ""


def compare_gradients(got: Any, numerical: dict[str, np.ndarray], m: int,
                      context: str) -> None:
    """Raise CheckFailed unless `got` matches `numerical`, array by array."""
    if not isinstance(got, dict):
        raise CheckFailed(f"backward should return a dict of gradients, but it returned "
                          f"{type(got).__name__}. {context}")
    missing = [key for key in numerical if key not in got]
    if missing:
        raise CheckFailed(f"backward's result has no {', '.join(missing)}: it needs a gradient "
                          f"for every parameter, with the same keys as params. {context}")
    arrays = {key: as_array(got[key], f"backward's gradient for {key}",
                            shape=numerical[key].shape) for key in numerical}
    errors = {key: relative_error(arrays[key], numerical[key]) for key in numerical}
    wrong = [key for key, error in errors.items() if error > TOLERANCE]
    if not wrong:
        return
    layers = sum(1 for key in numerical if key.startswith("W"))
    worst_key = max(wrong, key=lambda key: errors[key])
    difference = np.abs(arrays[worst_key] - numerical[worst_key])
    index = tuple(int(i) for i in np.unravel_index(np.argmax(difference), difference.shape))
    raise CheckFailed(
        f"backward's gradients for {', '.join(wrong)} do not match numerical gradients {context}. "
        f"Worst is {worst_key} (relative error {errors[worst_key]:.2g}, should be below "
        f"{TOLERANCE:g}); at index {index}: yours {arrays[worst_key][index]:.6g}, numerical "
        f"{numerical[worst_key][index]:.6g}. "
        + diagnose(wrong, arrays, numerical, m, layers)
    )
