"""Compare a student's gradients with numerical ones, array by array, and name the error.

A mismatch is reported with the array, its worst index, and the analytic and numerical values
there. Then the pattern is named: off by a constant factor (m, 2, -1), transposed, wrong only for
the biases, wrong only in earlier layers, or a wrong shape. Finally the student's gradients are
compared with the gradients of known wrong versions of backpropagation (expected values, like
the numerical gradients), so the commonest mistakes are named outright.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autograder.checks.compare import as_array, type_name
from autograder.checks.stage import CheckFailed
from autograder.checks.tolerances import pair
from autograder.sandbox.worker_side.codec import Handle

# A correct gradient matches central differences to ~1e-8 relative (see numerical.EPSILON);
# 1e-5 leaves three orders of margin for other correct ways of writing it.
TOLERANCE = 1e-5

Gradients = dict[str, np.ndarray]


def relative_error(got: np.ndarray, expected: np.ndarray) -> float:
    """Norm-based, so tiny gradients don't blow it up: |g - n| / (|g| + |n|)."""
    scale = np.linalg.norm(got) + np.linalg.norm(expected)
    return 0.0 if scale < 1e-12 else float(np.linalg.norm(got - expected) / scale)


def constant_factor(got: np.ndarray, expected: np.ndarray) -> float | None:
    """The c with got ~= c * expected, if there is one (and it is not 1)."""
    denominator = float(np.sum(expected * expected))
    if denominator < 1e-24:
        return None
    factor = float(np.sum(got * expected) / denominator)
    if relative_error(got, factor * expected) < TOLERANCE and not np.isclose(factor, 1.0):
        return factor
    return None


def name_factor(factor: float, m: int, outputs: int | None = None) -> str:
    if outputs and outputs != m and np.isclose(factor, m / outputs, rtol=1e-4):
        return (f"it is {m}/{outputs} times the right value: you divided by the number of outputs "
                f"({outputs}) instead of the number of samples m = {m}. m = len(Y[0]) counts "
                "the outputs (the columns); the samples are the rows: m = Y.shape[0] or len(Y)")
    known = {
        -1.0: "the sign is flipped: delta_L = (a - y) / m, not (y - a) / m",
        2.0: "it is twice too big",
        0.5: "it is half the right value",
        float(m): f"it is {m} times too big (m = {m} samples): divide delta_L by m, because "
                  "the cost is a mean over the samples",
        1.0 / m: f"it is {m} times too small (m = {m} samples): you divided by m twice",
        -float(m): f"it has the wrong sign and is {m} times too big",
        -1.0 / m: f"it has the wrong sign and is {m} times too small",
    }
    for value, words in known.items():
        if np.isclose(factor, value, rtol=1e-4):
            return words
    return f"it is {factor:.4g} times the right value"


def gradient_shape_hint(key: str, got: tuple[int, ...] | None, expected: tuple[int, ...],
                        m: int) -> str:
    """Why a gradient array has the shape it has, in the cases students meet."""
    if got is None:  # not an array at all: the message says what it is
        return ""
    if key.startswith("b") and got == (m,) and got != expected:
        return (f" It has one value per sample (m = {m}): sum delta over the samples axis "
                "(axis=0) to get one value per neuron.")
    if key.startswith("b") and got == ():
        return " It is a single number: sum delta over the samples axis only (axis=0)."
    if len(got) == 2 and got == expected[::-1]:
        return " It is transposed: dW = a_prev.T @ delta has shape (n_in, n_out)."
    if len(got) == len(expected) + 1 and 1 in got:
        return " It has an extra axis of length 1: sum without keepdims=True."
    return ""


# -- known wrong versions of backpropagation --------------------------------------------------
# Their gradients for each network come with the expected values (the models themselves are
# instructor only: autograder/grader/wrong_backprops.py, under the same ids).
KNOWN_MISTAKES: dict[str, str] = {
    "quadratic_cost": "your gradients are those of the quadratic cost, delta_L = (a - y) * "
                      "a(1 - a) / m. With the cross-entropy cost the sigma' factor cancels: "
                      "delta_L = (a - y) / m.",
    "no_sigma_prime": "your gradients are backpropagation without the sigma' factor: "
                      "delta_{l-1} = (delta_l W_l^T) * a_{l-1}(1 - a_{l-1}); the a(1 - a) part "
                      "is missing.",
    "sigma_prime_of_activations": "your gradients are backpropagation with sigmoid_prime "
                                  "applied to the activations a, which are already sigmoid(z): "
                                  "the factor is a * (1 - a) (or sigmoid_prime of the "
                                  "pre-activation z).",
    "through_layer_below": "your gradients are backpropagation through the weights of the layer "
                           "below: the error of layer l-1 comes through W_l (delta_l @ W_l.T), "
                           "not W_{l-1}.",
    "without_transpose": "your gradients are backpropagation through W_l instead of its "
                         "transpose: delta_{l-1} = (delta_l @ W_l.T) * a(1 - a).",
}

Models = dict[str, "Gradients | None"]


def known_mistake(got: Gradients, models: Models) -> str | None:
    """The id of the known wrong version of backprop whose gradients (`models`, id -> gradients
    or None where it cannot run) `got` reproduces, if any."""
    for mistake in KNOWN_MISTAKES:
        model = models.get(mistake)
        if model is not None and all(relative_error(got[key], np.asarray(model[key]))
                                     < TOLERANCE for key in model):
            return mistake
    return None


# -- the pattern of a mismatch --------------------------------------------------------------------
def pattern(wrong: list[str], got: Gradients, numerical: Gradients, m: int, layers: int,
            outputs: int | None = None) -> str:
    """One sentence naming the pattern of the mistakes across the parameter arrays."""
    factors = [constant_factor(got[key], numerical[key]) for key in wrong]
    same_factor = (all(f is not None for f in factors)
                   and np.allclose(factors, factors[0], rtol=1e-4))
    if all(key.startswith("b") for key in wrong):
        how = ""
        if same_factor and np.isclose(factors[0], 1.0 / m, rtol=1e-4):
            how = f", each {m} times too small (m = {m} samples)"
        elif same_factor:
            how = f", each {factors[0]:.4g} times the right value"
        return (f"Pattern: only the bias gradients ({', '.join(wrong)}) are wrong{how}. db is "
                "delta summed over the samples axis, delta.sum(axis=0): delta already carries "
                "the 1/m, so sum it, don't average it.")
    if same_factor:
        return ("Pattern: every wrong gradient is off by the same constant factor: "
                f"{name_factor(factors[0], m, outputs)}.")
    transposed = [key for key in wrong if got[key].ndim == 2
                  and got[key].shape[0] == got[key].shape[1]
                  and relative_error(got[key].T, numerical[key]) < TOLERANCE]
    if transposed and len(transposed) == len(wrong):
        return ("Pattern: the gradient is transposed (right values, rows and columns swapped), "
                "which only shows when a layer is square: dW should be a_prev.T @ delta, "
                "shape (n_in, n_out).")
    if not {f"W{layers}", f"b{layers}"} & set(wrong):
        return (f"Pattern: the last layer (W{layers}, b{layers}) is right but earlier layers are "
                "wrong, so the error is not propagated back correctly: check the sigma' factor "
                "(a * (1 - a) of the layer below) and that you multiply by the transpose of the "
                "weights of the layer the error comes from.")
    return (f"Pattern: the last layer's gradients (W{layers}, b{layers}) are already wrong, so "
            f"start there: delta_L = (a_L - y) / m, dW_L = a_(L-1).T @ delta_L.")


def compare_gradients(got: Any, numerical: Gradients, m: int, context: str,
                      models: Models | None = None) -> None:
    """Raise CheckFailed unless `got` matches `numerical`, array by array.

    `models` (the known wrong versions' gradients for this network) lets the message name one."""
    if not isinstance(got, dict):
        raise CheckFailed(f"backward should return a dict of gradients, but it returned "
                          f"{type_name(got)} {context}.")
    missing = [key for key in numerical if key not in got]
    if missing:
        present = [key for key in numerical if key in got]
        hint = (" It must work for any number of layers: loop over the layers from L down "
                "to 1 instead of writing each layer out." if missing[0].startswith("W")
                and present else "")
        raise CheckFailed(f"backward's result has no {', '.join(missing)} {context}: it needs a "
                          f"gradient for every parameter, with the same keys as params.{hint}")
    arrays = {}
    for key, expected in numerical.items():
        shape = np.shape(got[key]) if not isinstance(got[key], Handle) else None
        if shape is not None and shape != expected.shape:
            raise CheckFailed(f"backward's gradient for {key} has shape {shape}, expected "
                              f"{expected.shape} (the shape of params['{key}']) {context}."
                              + gradient_shape_hint(key, shape, expected.shape, m))
        arrays[key] = as_array(got[key], f"backward's gradient for {key}", shape=expected.shape)
    errors = {key: relative_error(arrays[key], numerical[key]) for key in numerical}
    wrong = [key for key, error in errors.items() if error > TOLERANCE]
    if not wrong:
        return
    layers = sum(1 for key in numerical if key.startswith("W"))
    worst = max(wrong, key=lambda key: errors[key])
    difference = np.abs(arrays[worst] - numerical[worst])
    index = tuple(int(i) for i in np.unravel_index(np.argmax(difference), difference.shape))
    shown = pair(float(numerical[worst][index]), float(arrays[worst][index]))
    message = (
        f"backward's gradients for {', '.join(wrong)} do not match numerical gradients "
        f"{context}. Worst is {worst} (relative error {errors[worst]:.2g}, should be below "
        f"{TOLERANCE:g}); at index {index}: expected (numerical) {shown[0]}, "
        f"got (yours) {shown[1]}. "
        + pattern(wrong, arrays, numerical, m, layers, numerical[f"b{layers}"].size)
    )
    mistake = known_mistake(arrays, models) if models is not None else None
    if mistake is not None:
        message += f" Diagnosis: {KNOWN_MISTAKES[mistake]}"
    raise CheckFailed(message)
