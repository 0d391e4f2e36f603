"""Every expected value the checks compare against, computed live by the grader.

Each function answers one named request of autograder/checks/expected.py with a dict of plain
values (numbers, arrays, dicts of arrays, None): the right answer for the request's inputs and
the wrong answers its hints recognise, all at once, so that grading the reference asks for
everything a failing submission could need (that is how a release records them). Instructor
only: a student release holds the recorded results, never this arithmetic.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from autograder.grader import arithmetic, wrong_backprops

Params = dict[str, np.ndarray]


# -- stage 1: one neuron a(x) = b + w*x and its summed squared cost ------------------------------
def _cost(w: float, b: float, x: np.ndarray, y: np.ndarray) -> float:
    return float(np.sum((b + w * x - y) ** 2))


def _gradient(w: float, b: float, x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    residual = b + w * x - y
    return 2 * float(np.sum(residual * x)), 2 * float(np.sum(residual))


def neuron(x: Any, w: float, b: float) -> dict:
    x = np.asarray(x, dtype=np.float64)
    return {"value": b + w * x, "swapped": w + b * x}


def neuron_cost(w: float, b: float, x: np.ndarray, y: np.ndarray) -> dict:
    return {"cost": _cost(w, b, x, y), "sum_squared": float(np.sum(b + w * x - y)) ** 2}


def neuron_gradient(w: float, b: float, x: np.ndarray, y: np.ndarray, eps: float) -> dict:
    return {"numerical": [(_cost(w + eps, b, x, y) - _cost(w - eps, b, x, y)) / (2 * eps),
                          (_cost(w, b + eps, x, y) - _cost(w, b - eps, x, y)) / (2 * eps)]}


def neuron_fit(x: np.ndarray, y: np.ndarray) -> dict:
    design = np.column_stack([x, np.ones_like(x)])
    w, b = np.linalg.lstsq(design, y, rcond=None)[0]
    return {"w": float(w), "b": float(b)}


def neuron_descent(x: np.ndarray, y: np.ndarray, start: list[float], rate: float,
                   steps: int) -> dict:
    """`steps` steps of gradient descent from `start`, done right and done in the known wrong
    ways (uphill, with the gradient at the start only, from (0, 0) instead of `start`)."""

    def walk(step: Callable, origin: tuple[float, float]) -> tuple[list[float], list[float]]:
        w, b = origin
        costs = []
        for _ in range(steps):
            dw, db = step(w, b)
            w, b = w + dw, b + db
            costs.append(_cost(w, b, x, y))
        return [w, b], costs

    def downhill(w: float, b: float) -> tuple[float, float]:
        dw, db = _gradient(w, b, x, y)
        return -rate * dw, -rate * db

    def w_then_b(w: float, b: float) -> tuple[float, float]:
        """Moves w, then takes b's gradient at the moved w (a common slip)."""
        new_w = w - rate * _gradient(w, b, x, y)[0]
        return new_w - w, -rate * _gradient(new_w, b, x, y)[1]

    origin = (float(start[0]), float(start[1]))
    end, costs = walk(downhill, origin)
    return {"end": end, "costs": costs,
            "uphill": walk(lambda w, b: tuple(-d for d in downhill(w, b)), origin)[0],
            "stale": walk(lambda w, b: downhill(*origin), origin)[0],
            "from_zero": walk(downhill, (0.0, 0.0))[0],
            "w_then_b": walk(w_then_b, origin)[0],
            "start_cost": _cost(*origin, x, y), "start_gradient": list(_gradient(*origin, x, y))}


# -- stage 2: the sigmoid ------------------------------------------------------------------------
def sigmoid(z: np.ndarray) -> dict:
    return {"value": arithmetic.logistic(z), "flipped": arithmetic.logistic(-z)}


def sigmoid_prime(z: np.ndarray, eps: float) -> dict:
    s = arithmetic.logistic(z)
    return {"numerical": (arithmetic.logistic(z + eps) - arithmetic.logistic(z - eps)) / (2 * eps),
            "of_z": z * (1 - z),
            "applied_twice": arithmetic.logistic(s) * (1 - arithmetic.logistic(s)),
            "sigmoid": s, "negated": -s * (1 - s), "s_times_one_minus_z": s * (1 - z)}


# -- stage 3: the forward pass -------------------------------------------------------------------
def forward(params: Params, X: np.ndarray) -> dict:
    layers = arithmetic.layer_count(params)
    no_bias = {k: (np.zeros_like(v) if k.startswith("b") else v) for k, v in params.items()}
    activations = arithmetic.activations(params, X)
    reused = {}
    if len({weights.shape for key, weights in params.items() if key.startswith("W")}) == 1:
        for layer in (1, layers):  # one W in every layer fits square networks only
            same = {k: (params[f"W{layer}"] if k.startswith("W") else v)
                    for k, v in params.items()}
            reused[str(layer)] = arithmetic.output(same, X)
    return {"output": activations[-1], "no_bias": arithmetic.output(no_bias, X),
            "pre_activation": activations[-2] @ params[f"W{layers}"] + params[f"b{layers}"],
            "reused_weights": reused}


def output(params: Params, X: np.ndarray) -> dict:
    return {"output": arithmetic.output(params, X)}


# -- stage 4: the cost and its gradients ---------------------------------------------------------
def cross_entropy(A: np.ndarray, Y: np.ndarray) -> dict:
    return {"cost": arithmetic.cross_entropy(A, Y),
            "without_negatives": float(-np.sum(Y * np.log(A))) / A.shape[0]}


def gradients(params: Params, X: np.ndarray, Y: np.ndarray) -> dict:
    """Numerical gradients of the grader's cost, and each known wrong backprop's gradients."""
    params = {key: np.array(value, dtype=np.float64) for key, value in params.items()}
    numerical = {key: arithmetic.numerical_gradient(lambda: arithmetic.network_cost(params, X, Y),
                                                  params[key]) for key in params}
    return {"numerical": numerical, "models": wrong_backprops.all_models(params, X, Y)}


def exact_gradients(params: Params, X: np.ndarray, Y: np.ndarray) -> dict:
    """The chain rule's gradients (a realistic size, where differences would be too slow)."""
    return {"gradients": arithmetic.gradients(params, X, Y)}


# -- stage 5: updates and predictions ------------------------------------------------------------
def update(params: Params, grads: Params, rate: float) -> dict:
    return {"updated": {key: params[key] - rate * grads[key] for key in params},
            "added": {key: params[key] + rate * grads[key] for key in params},
            "whole_gradient": {key: params[key] - grads[key] for key in params}}


def predict(params: Params, X: np.ndarray) -> dict:
    return {"labels": np.argmax(arithmetic.output(params, X), axis=1)}


REQUESTS: dict[str, Callable[..., dict]] = {
    function.__name__: function
    for function in (neuron, neuron_cost, neuron_gradient, neuron_fit, neuron_descent, sigmoid,
                     sigmoid_prime, forward, output, cross_entropy, gradients, exact_gradients,
                     update, predict)
}
