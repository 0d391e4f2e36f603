"""Models of the commonest wrong backpropagations, for naming a student's mistake outright.

Instructor only: with the right propagation rule these models are an exact backprop, so they
never ship. Each model's gradients, for the checks' networks, reach the checks as expected
values (autograder/checks/expected.py); its explanation, in words, lives with the checks
(autograder/checks/gradcheck.py, KNOWN_MISTAKES), under the same id.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from autograder.grader import arithmetic

Gradients = dict[str, np.ndarray]
OutputError = Callable[[np.ndarray, np.ndarray], np.ndarray]
Propagate = Callable[[np.ndarray, Gradients, int, np.ndarray], np.ndarray]


def sigma_prime(a: np.ndarray) -> np.ndarray:
    return a * (1.0 - a)


def cross_entropy_error(a: np.ndarray, y: np.ndarray) -> np.ndarray:
    return a - y


def quadratic_error(a: np.ndarray, y: np.ndarray) -> np.ndarray:
    return (a - y) * sigma_prime(a)


def through_transpose(delta: np.ndarray, params: Gradients, layer: int,
                      a_prev: np.ndarray) -> np.ndarray:
    return (delta @ params[f"W{layer}"].T) * sigma_prime(a_prev)


def without_sigma_prime(delta: np.ndarray, params: Gradients, layer: int,
                        a_prev: np.ndarray) -> np.ndarray:
    return delta @ params[f"W{layer}"].T


def sigma_prime_of_activations(delta: np.ndarray, params: Gradients, layer: int,
                               a_prev: np.ndarray) -> np.ndarray:
    return (delta @ params[f"W{layer}"].T) * sigma_prime(arithmetic.logistic(a_prev))


def through_layer_below(delta: np.ndarray, params: Gradients, layer: int,
                        a_prev: np.ndarray) -> np.ndarray:
    return (delta @ params[f"W{layer - 1}"].T) * sigma_prime(a_prev)


def without_transpose(delta: np.ndarray, params: Gradients, layer: int,
                      a_prev: np.ndarray) -> np.ndarray:
    return (delta @ params[f"W{layer}"]) * sigma_prime(a_prev)


# id (as in gradcheck.KNOWN_MISTAKES) -> (delta_L times m from a_L and y, delta_(l-1) from delta_l)
MODELS: dict[str, tuple[OutputError, Propagate]] = {
    "quadratic_cost": (quadratic_error, through_transpose),
    "no_sigma_prime": (cross_entropy_error, without_sigma_prime),
    "sigma_prime_of_activations": (cross_entropy_error, sigma_prime_of_activations),
    "through_layer_below": (cross_entropy_error, through_layer_below),
    "without_transpose": (cross_entropy_error, without_transpose),
}


def backprop(params: Gradients, X: np.ndarray, Y: np.ndarray, mistake: str) -> Gradients | None:
    """Backpropagation as the mistake `mistake` would compute it; None where its shapes cannot
    fit."""
    output_error, propagate = MODELS[mistake]
    activations = arithmetic.activations(params, X)
    layers = arithmetic.layer_count(params)
    delta = output_error(activations[-1], Y) / Y.shape[0]
    grads: Gradients = {}
    for layer in range(layers, 0, -1):
        grads[f"W{layer}"] = activations[layer - 1].T @ delta
        grads[f"b{layer}"] = delta.sum(axis=0)
        if layer > 1:
            try:
                delta = propagate(delta, params, layer, activations[layer - 1])
            except ValueError:  # e.g. a W_{l-1} whose shape does not fit: not this mistake
                return None
            if delta.shape != activations[layer - 1].shape:
                return None
    return grads


def all_models(params: Gradients, X: np.ndarray, Y: np.ndarray) -> dict[str, Gradients | None]:
    """Every model's gradients for this network and batch."""
    return {mistake: backprop(params, X, Y, mistake) for mistake in MODELS}
